// Passkeys in a real browser, with Chromium's virtual authenticator (CDP WebAuthn):
// sign up with a passkey only, sign in with the button and through autofill, add,
// rename and remove passkeys; a password account adds one and signs in with it.
import { expect, test, type BrowserContext, type CDPSession, type Page } from '@playwright/test';
import {
  AccountPage,
  LoginPage,
  RegisterPage,
  STRONG_PASSWORD,
  VerifyStep,
  freshEmail,
  hydrated,
  snap,
} from './pages';

/** Gives the page a platform authenticator: CTAP2, internal, resident keys, UV. */
async function virtualAuthenticator(cdp: CDPSession): Promise<string> {
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return authenticatorId;
}

async function withAuthenticator(page: Page): Promise<{ cdp: CDPSession; id: string }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  return { cdp, id: await virtualAuthenticator(cdp) };
}

async function credentialCount(cdp: CDPSession, id: string): Promise<number> {
  const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId: id });
  return credentials.length;
}

/**
 * Chromium's virtual authenticator answers an autofill (conditional) request at once.
 * To test the button, make the page look like a browser without autofill for passkeys
 * while `noAutofill` is set in localStorage.
 */
async function autofillSwitch(context: BrowserContext) {
  await context.addInitScript(() => {
    if (localStorage.getItem('noAutofill') === '1' && window.PublicKeyCredential) {
      (window.PublicKeyCredential as unknown as { isConditionalMediationAvailable: () => Promise<boolean> })
        .isConditionalMediationAvailable = async () => false;
    }
  });
}

async function setAutofill(page: Page, on: boolean) {
  await page.evaluate((on) => {
    if (on) localStorage.removeItem('noAutofill');
    else localStorage.setItem('noAutofill', '1');
  }, on);
}

const rows = (page: Page) => page.getByTestId('passkey-row');

test('passkey only: sign up, sign in by button and by autofill, add, rename, remove', async ({ page, context }, info) => {
  test.setTimeout(90_000);
  await autofillSwitch(context);
  const { cdp, id } = await withAuthenticator(page);
  const email = freshEmail('passkey');

  // Sign up with a passkey instead of a password.
  const register = new RegisterPage(page);
  await register.open();
  await hydrated(page);
  await setAutofill(page, false);
  await page.getByLabel('Name').fill('Ada Passkey');
  await page.getByLabel('Email').fill(email);
  const create = page.getByRole('button', { name: 'Create account with a passkey' });
  await expect(create).toBeVisible();
  await snap(page, 'register-with-passkey', info.project.name);
  await create.click();
  await new VerifyStep(page).completeFromMail(email);
  const account = new AccountPage(page);
  await account.expectSignedInAs('Ada Passkey', email);
  expect(await credentialCount(cdp, id)).toBe(1);
  await page.getByTestId('security-link').click();
  await expect(page).toHaveURL(/\/account\/security$/);
  await expect(rows(page)).toHaveCount(1);
  await expect(rows(page).first().getByTestId('passkey-name')).toHaveText('Chrome on Linux');
  await snap(page, 'account-passkeys', info.project.name);

  // The button (no email needed).
  await account.signOut();
  const passkeyButton = page.getByRole('button', { name: 'Sign in with a passkey' });
  await expect(passkeyButton).toBeVisible();
  await snap(page, 'login-with-passkey', info.project.name);
  await passkeyButton.click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByTestId('account-email')).toHaveText(email);
  await expect(page.getByText('(passkey)')).toBeVisible();

  // Autofill: arriving on the sign-in page is enough, the browser offers the passkey.
  await account.signOut();
  await setAutofill(page, true);
  await expect(page.locator('input[autocomplete="username webauthn"]')).toHaveCount(1);
  await page.reload();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByTestId('account-email')).toHaveText(email);
  await setAutofill(page, false);

  // A second device adds a passkey: the first is excluded, a new one is created.
  await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: id });
  const second = await virtualAuthenticator(cdp);
  await page.goto('/account/security');
  await hydrated(page);
  await page.getByRole('button', { name: 'Add a passkey' }).click();
  await expect(page).toHaveURL(/notice=passkey_added/);
  await expect(page.getByRole('status')).toContainText('Passkey added');
  await expect(rows(page)).toHaveCount(2);
  expect(await credentialCount(cdp, second)).toBe(1);

  // Rename the new one.
  const newest = rows(page).nth(1);
  await newest.getByText('Rename').click();
  await newest.getByTestId('passkey-rename-input').fill('Work laptop');
  await newest.getByTestId('passkey-rename-save').click();
  await expect(page.getByRole('status')).toContainText('Passkey renamed');
  await expect(rows(page).nth(1).getByTestId('passkey-name')).toHaveText('Work laptop');
  await snap(page, 'account-two-passkeys', info.project.name);

  // Remove the first device's passkey; the second remains and still signs in.
  await rows(page).first().getByTestId('passkey-delete').click();
  await expect(page.getByRole('status')).toContainText('Passkey removed');
  await expect(rows(page)).toHaveCount(1);
  await expect(rows(page).first().getByTestId('passkey-name')).toHaveText('Work laptop');

  // The last one cannot go: it is the only way to sign in.
  await rows(page).first().getByTestId('passkey-delete').click();
  await expect(page.getByTestId('security-problem')).toContainText('only way to sign in');
  await expect(rows(page)).toHaveCount(1);
  await snap(page, 'account-last-passkey', info.project.name);

  await account.signOut();
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
  await expect(page).toHaveURL(/\/account$/);
});

test('a password account adds a passkey, signs in with it, and it answers the second step', async ({ page, context }, info) => {
  test.setTimeout(90_000);
  await autofillSwitch(context);
  const { cdp, id } = await withAuthenticator(page);
  const email = freshEmail('pwdpasskey');
  const register = new RegisterPage(page);
  await register.open();
  await setAutofill(page, false);
  await register.fill('Grace Hopper', email, STRONG_PASSWORD);
  await register.submit();
  await new VerifyStep(page).completeFromMail(email);
  const account = new AccountPage(page);
  await account.expectSignedInAs('Grace Hopper', email);
  await page.goto('/account/security');
  await expect(page.getByTestId('passkeys-empty')).toBeVisible();

  await hydrated(page);
  await page.getByRole('button', { name: 'Add a passkey' }).click();
  await expect(rows(page)).toHaveCount(1);
  expect(await credentialCount(cdp, id)).toBe(1);

  await account.signOut();
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByTestId('account-email')).toHaveText(email);

  // The password still works too.
  await account.signOut();
  const login = new LoginPage(page);
  await login.signIn(email, STRONG_PASSWORD);
  await expect(page).toHaveURL(/\/account$/);

  // On a new device (a fresh context, the same passkey synced to it), the password is
  // not enough: the passkey is offered first as the second step.
  const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId: id });
  const device = await page.context().browser()!.newContext({ baseURL: info.project.use.baseURL });
  // No autofill there, so that the password form is what signs in.
  await device.addInitScript(() => localStorage.setItem('noAutofill', '1'));
  await autofillSwitch(device);
  const other = await device.newPage();
  const synced = await withAuthenticator(other);
  for (const credential of credentials) {
    await synced.cdp.send('WebAuthn.addCredential', { authenticatorId: synced.id, credential });
  }
  const otherLogin = new LoginPage(other);
  await otherLogin.open();
  await otherLogin.signIn(email, STRONG_PASSWORD);
  await expect(other.getByRole('heading', { name: "Confirm it's you" })).toBeVisible();
  await hydrated(other);
  await snap(other, 'second-factor-passkey', info.project.name);
  await other.getByRole('button', { name: 'Use your passkey' }).click();
  await expect(other).toHaveURL(/\/account$/);
  await expect(other.getByText('(password and passkey)')).toBeVisible();
});

test('a browser without passkeys is told so and keeps the password', async ({ page, context }, info) => {
  await context.addInitScript(() => {
    delete (window as unknown as { PublicKeyCredential?: unknown }).PublicKeyCredential;
  });
  const login = new LoginPage(page);
  await login.open();
  await hydrated(page);
  await expect(page.getByText("This browser can't use passkeys")).toBeVisible();
  await expect(page.getByRole('button', { name: 'Sign in with a passkey' })).toBeHidden();
  await expect(page.getByRole('button', { name: 'Sign in', exact: true })).toBeVisible();
  await snap(page, 'login-no-passkey-support', info.project.name);
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });
  test('the passkey button says it needs JavaScript', async ({ page }) => {
    const login = new LoginPage(page);
    await login.open();
    await expect(page.getByText('Passkeys need JavaScript')).toBeVisible();
    await expect(page.getByRole('button', { name: 'Sign in with a passkey' })).toBeHidden();
  });
});
