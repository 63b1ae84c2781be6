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

function server(port: number, databaseUrl: string, host = 'localhost', brand = 'Northwind Outfitters') {
  return {
    command: `"${bin}" serve`,
    url: `http://${host}:${port}/readyz`,
    reuseExistingServer: false,
    timeout: 60_000,
    cwd: workDir,
    stdout: 'pipe' as const,
    stderr: 'pipe' as const,
    env: {
      PORTICO__SERVER__ADDRESS: `127.0.0.1:${port}`,
      PORTICO__SERVER__BASE_URL: `http://${host}:${port}`,
      PORTICO__SERVER__SITE_ROOT: siteRoot,
      PORTICO__DATABASE__URL: databaseUrl,
      PORTICO__TENANT__DISPLAY_NAME: brand,
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

// Social sign-in: a third Portico plays the upstream provider ("Acme ID"), on
// 127.0.0.1 so its cookies never mix with the stores' on localhost. Before any server
// starts, the runner registers the stores as an app there and adds it to each store as
// the provider `acme` (workers inherit the result through the environment).
const IDP = 'http://127.0.0.1:3102';
process.env.PORTICO_E2E_DB_idp ??= `sqlite://${workDir}/idp.db`;
servers.push(server(3102, process.env.PORTICO_E2E_DB_idp, '127.0.0.1', 'Acme ID'));
if (!process.env.PORTICO_E2E_FEDERATION) {
  const cli = (db: string, base: string, brand: string, args: string[], extra: Record<string, string> = {}) =>
    execFileSync(bin, args, {
      cwd: workDir,
      encoding: 'utf8',
      env: {
        ...process.env,
        ...extra,
        PORTICO__DATABASE__URL: db,
        PORTICO__SERVER__BASE_URL: base,
        PORTICO__TENANT__DISPLAY_NAME: brand,
        PORTICO__LOG__LEVEL: 'warn',
      },
    });
  const stores = projects.map((p) => ({ base: p.use.baseURL, db: process.env[`PORTICO_E2E_DB_${p.name}`]! }));
  const created = cli(process.env.PORTICO_E2E_DB_idp, IDP, 'Acme ID', [
    'apps', 'create', '--name', 'Northwind Outfitters', '--kind', 'web', '--first-party',
    ...stores.flatMap((s) => ['--redirect-uri', `${s.base}/federation/callback/acme`]),
  ]);
  const id = created.match(/client_id:\s+(\S+)/)?.[1];
  const secret = created.match(/client_secret:\s+(\S+)/)?.[1];
  if (!id || !secret) throw new Error(`registering the stores at the provider failed: ${created}`);
  for (const s of stores) {
    cli(s.db, s.base, 'Northwind Outfitters', [
      'providers', 'add', 'acme', '--kind', 'oidc', '--name', 'Acme ID', '--client-id', id,
      '--discovery-url', `${IDP}/.well-known/openid-configuration`,
    ], { PORTICO_PROVIDER_CLIENT_SECRET: secret });
  }
  process.env.PORTICO_E2E_FEDERATION = IDP;
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
