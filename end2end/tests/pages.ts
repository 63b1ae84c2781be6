// Page objects: what a customer sees and does, named as they would name it.
import { expect, type Page, type TestInfo } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import path from 'node:path';

export const STRONG_PASSWORD = 'correct horse battery staple';

/** A fresh address for every test, so tests never share an account. */
export function freshEmail(tag: string): string {
  const rand = Math.random().toString(36).slice(2, 8);
  return `${tag}.${Date.now().toString(36)}${rand}@example.com`;
}

/** Saves a screenshot under end2end/screenshots/<project>-<name>.png. */
export async function snap(page: Page, name: string, project: string) {
  await page.screenshot({
    path: path.join(__dirname, '..', 'screenshots', `${project}-${name}.png`),
    fullPage: true,
  });
}

/** Waits until the browser has hydrated the page (only when JavaScript runs). */
export async function hydrated(page: Page) {
  await expect(page.locator('html[data-hydrated="true"]')).toHaveCount(1);
}

export class RegisterPage {
  constructor(private page: Page) {}

  async open() {
    await this.page.goto('/register');
    await expect(this.page).toHaveURL(/\/register\?flow=/);
    await expect(this.page.getByRole('heading', { name: 'Create your account' })).toBeVisible();
  }

  async fill(name: string, email: string, password: string) {
    await this.page.getByLabel('Name').fill(name);
    await this.page.getByLabel('Email').fill(email);
    await this.page.getByLabel('Password').fill(password);
  }

  async submit() {
    await this.page.getByRole('button', { name: 'Create account', exact: true }).click();
  }

  fieldError(field: 'email' | 'password' | 'display_name') {
    return this.page.locator(`#field-${field}-error`);
  }
}

/** Reads the newest mail to `email` in the dev mail viewer (of the server at `origin`,
 * else this project's), in a second tab. */
export async function latestMail(page: Page, email: string, origin = ''): Promise<string> {
  const viewer = await page.context().newPage();
  try {
    await viewer.goto(`${origin}/dev/mail`);
    const mail = viewer.locator(`[data-testid="mail"][data-to="${email.toLowerCase()}"]`).first();
    await expect(mail).toBeVisible();
    return await mail.getByTestId('mail-text').innerText();
  } finally {
    await viewer.close();
  }
}

/** The 6-digit code in the newest mail to `email`. */
export async function latestCode(page: Page, email: string, origin = ''): Promise<string> {
  const text = await latestMail(page, email, origin);
  const code = text.match(/\b(\d{6})\b/);
  expect(code, `a code in: ${text}`).not.toBeNull();
  return code![1];
}

export class VerifyStep {
  constructor(private page: Page) {}

  async expectShownFor(email: string) {
    await expect(this.page.getByRole('heading', { name: 'Check your inbox' })).toBeVisible();
    await expect(this.page.getByTestId('verify-email')).toHaveText(email.toLowerCase());
  }

  async enter(code: string) {
    await this.page.getByLabel('Verification code').fill(code);
    await this.page.getByRole('button', { name: 'Verify and continue' }).click();
  }

  /** Reads the code from the mail viewer (of the server at `origin`) and enters it. */
  async completeFromMail(email: string, origin = '') {
    await this.expectShownFor(email);
    await this.enter(await latestCode(this.page, email, origin));
  }
}

export class LoginPage {
  constructor(private page: Page) {}

  async open() {
    await this.page.goto('/login');
    await expect(this.page).toHaveURL(/\/login\?flow=/);
    await expect(this.page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  }

  async signIn(email: string, password: string) {
    await this.page.getByLabel('Email').fill(email);
    await this.page.getByLabel('Password').fill(password);
    await this.page.getByRole('button', { name: 'Sign in', exact: true }).click();
  }

  alert() {
    return this.page.getByRole('alert');
  }

  status() {
    return this.page.getByRole('status');
  }
}

export class AccountPage {
  constructor(private page: Page) {}

  async expectSignedInAs(name: string, email: string) {
    await expect(this.page).toHaveURL(/\/account$/);
    await expect(this.page.getByTestId('account-email')).toHaveText(email);
    await expect(this.page.getByTestId('account-name')).toHaveText(name);
    await expect(this.page.getByRole('heading', { level: 1 })).toHaveText(`Hello, ${name.split(' ')[0]}`);
  }

  async signOut() {
    await this.page.getByRole('button', { name: 'Sign out' }).click();
    await expect(this.page).toHaveURL(/\/login\?flow=/);
  }
}

/** Runs the `portico` command line against this project's server and database. */
export function portico(info: TestInfo, args: string[]): string {
  const root = path.resolve(__dirname, '..', '..');
  const bin = process.env.PORTICO_BIN ?? path.join(root, 'target/release/portico');
  return execFileSync(bin, args, {
    cwd: process.env.PORTICO_E2E_WORKDIR,
    encoding: 'utf8',
    env: {
      ...process.env,
      PORTICO__DATABASE__URL: process.env[`PORTICO_E2E_DB_${info.project.name}`],
      PORTICO__SERVER__BASE_URL: info.project.use.baseURL,
      PORTICO__TENANT__DISPLAY_NAME: 'Northwind Outfitters',
      PORTICO__LOG__LEVEL: 'warn',
    },
  });
}

