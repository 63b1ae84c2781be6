// Recovery and password change in a real browser, reading mail in the dev viewer.
import { expect, test } from '@playwright/test';
import {
  AccountPage,
  LoginPage,
  RegisterPage,
  STRONG_PASSWORD,
  VerifyStep,
  freshEmail,
  latestMail,
  snap,
} from './pages';

const NEW_PASSWORD = 'lantern orbit velvet cactus';

async function signUp(page: import('@playwright/test').Page, name: string, email: string) {
  const register = new RegisterPage(page);
  await register.open();
  await register.fill(name, email, STRONG_PASSWORD);
  await register.submit();
  await new VerifyStep(page).completeFromMail(email);
  await new AccountPage(page).expectSignedInAs(name, email);
}

for (const javaScript of [true, false]) {
  test.describe(javaScript ? 'with JavaScript' : 'without JavaScript', () => {
    test.use({ javaScriptEnabled: javaScript });

    test('forgot password: reset through the mail, then sign in with the new one', async ({ page }, info) => {
      const email = freshEmail(javaScript ? 'forgot' : 'forgotnojs');
      await signUp(page, 'Rosalind Franklin', email);
      await new AccountPage(page).signOut();

      await page.getByRole('link', { name: 'Forgot your password?' }).click();
      await expect(page).toHaveURL(/\/recovery\?flow=/);
      await expect(page.getByRole('heading', { name: 'Reset your password' })).toBeVisible();
      if (javaScript) await snap(page, 'recovery', info.project.name);
      await page.getByLabel('Email').fill(email);
      await page.getByRole('button', { name: 'Send reset link' }).click();
      await expect(page.getByRole('heading', { name: 'Check your inbox' })).toBeVisible();
      await expect(page.getByRole('status')).toContainText('If an account exists');
      if (javaScript) await snap(page, 'recovery-sent', info.project.name);

      const mail = await latestMail(page, email);
      const link = mail.match(/https?:\/\/[^\s]+\/recovery\/reset\?token=[A-Za-z0-9_-]+/);
      expect(link, mail).not.toBeNull();
      await page.goto(link![0]);
      await expect(page).toHaveURL(/\/recovery\/reset\?flow=/);
      expect(page.url()).not.toContain('token=');
      await expect(page.getByRole('heading', { name: 'Choose a new password' })).toBeVisible();
      await page.getByLabel('New password').fill('password123');
      await page.getByRole('button', { name: 'Change password' }).click();
      await expect(page.locator('#field-password-error')).toContainText('data breaches');
      if (javaScript) await snap(page, 'reset-error', info.project.name);
      await page.getByLabel('New password').fill(NEW_PASSWORD);
      await page.getByRole('button', { name: 'Change password' }).click();

      await expect(page).toHaveURL(/\/login\?flow=/);
      await expect(page.getByRole('status')).toContainText('Your password was changed');
      const login = new LoginPage(page);
      await login.signIn(email, STRONG_PASSWORD);
      await expect(login.alert()).toHaveText(/didn't work/);
      await login.signIn(email, NEW_PASSWORD);
      await new AccountPage(page).expectSignedInAs('Rosalind Franklin', email);
    });

    test('change the password while signed in', async ({ page }, info) => {
      const email = freshEmail(javaScript ? 'change' : 'changenojs');
      await signUp(page, 'Katherine Johnson', email);
      await page.getByRole('link', { name: 'Change', exact: true }).click();
      await expect(page.getByRole('heading', { name: 'Change your password' })).toBeVisible();
      await page.getByLabel('Current password').fill('not my password');
      await page.getByLabel('New password').fill(NEW_PASSWORD);
      await page.getByRole('button', { name: 'Change password' }).click();
      await expect(page.locator('#field-current_password-error')).toContainText("isn't your current password");
      if (javaScript) await snap(page, 'password-change-error', info.project.name);
      await page.getByLabel('Current password').fill(STRONG_PASSWORD);
      await page.getByLabel('New password').fill(NEW_PASSWORD);
      await page.getByRole('button', { name: 'Change password' }).click();
      await expect(page).toHaveURL(/\/account\?notice=password_changed/);
      await expect(page.getByRole('status')).toContainText('Your password was changed');
      if (javaScript) await snap(page, 'account-password-changed', info.project.name);

      const account = new AccountPage(page);
      await account.signOut();
      const login = new LoginPage(page);
      await login.signIn(email, NEW_PASSWORD);
      await account.expectSignedInAs('Katherine Johnson', email);
    });
  });
}
