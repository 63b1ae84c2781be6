import { defineConfig } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// The suite runs the release binary built by `cargo leptos build --release`
// (scripts/test.sh sets these), once on SQLite and, when PORTICO_TEST_POSTGRES_URL
// is set, once more on a fresh PostgreSQL database.
const root = path.resolve(__dirname, '..');
const bin = process.env.PORTICO_BIN ?? path.join(root, 'target/release/portico');
const siteRoot = process.env.PORTICO_SITE_ROOT ?? path.join(root, 'target/site');
// Workers load this file again: they reuse the runner's directory and databases (the
// environment is inherited), and tests find them there to run the `portico` CLI.
const workDir = (process.env.PORTICO_E2E_WORKDIR ??= fs.mkdtempSync(
  path.join(os.tmpdir(), 'portico-e2e-'),
));

function server(port: number, databaseUrl: string) {
  return {
    command: `"${bin}" serve`,
    url: `http://localhost:${port}/readyz`,
    reuseExistingServer: false,
    timeout: 60_000,
    cwd: workDir,
    stdout: 'pipe' as const,
    stderr: 'pipe' as const,
    env: {
      PORTICO__SERVER__ADDRESS: `127.0.0.1:${port}`,
      PORTICO__SERVER__BASE_URL: `http://localhost:${port}`,
      PORTICO__SERVER__SITE_ROOT: siteRoot,
      PORTICO__DATABASE__URL: databaseUrl,
      PORTICO__TENANT__DISPLAY_NAME: 'Northwind Outfitters',
      PORTICO__LOG__LEVEL: 'warn',
    },
  };
}

process.env.PORTICO_E2E_DB_sqlite ??= `sqlite://${workDir}/e2e.db`;
const servers = [server(3100, process.env.PORTICO_E2E_DB_sqlite)];
const projects = [{ name: 'sqlite', use: { baseURL: 'http://localhost:3100' } }];

const pgAdmin = process.env.PORTICO_TEST_POSTGRES_URL;
if (pgAdmin) {
  if (!process.env.PORTICO_E2E_DB_postgres) {
    const name = `portico_e2e_${Date.now()}_${process.pid}`;
    execFileSync('psql', [pgAdmin, '-q', '-c', `CREATE DATABASE ${name}`]);
    const url = new URL(pgAdmin);
    url.pathname = `/${name}`;
    process.env.PORTICO_E2E_DB_postgres = url.toString();
  }
  servers.push(server(3101, process.env.PORTICO_E2E_DB_postgres));
  projects.push({ name: 'postgres', use: { baseURL: 'http://localhost:3101' } });
}

export default defineConfig({
  testDir: './tests',
  outputDir: './test-results/artifacts',
  fullyParallel: true,
  workers: 2,
  retries: 0,
  // Two cores run the servers, Chromium and two workers at once: allow for it.
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list'], ['json', { outputFile: 'test-results/results.json' }]],
  use: {
    browserName: 'chromium',
    headless: true,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  projects,
  webServer: servers,
});
