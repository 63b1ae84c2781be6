// The first journey in a real browser: register, sign out, sign in, see the account —
// with JavaScript (hydrated) and without it.
import { expect, test } from '@playwright/test';
import { AccountPage, LoginPage, RegisterPage, STRONG_PASSWORD, VerifyStep, freshEmail, hydrated, snap } from './pages';

test.describe('with JavaScript', () => {
  test('register, sign out, sign in, see the account', async ({ page }, info) => {
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(e.message));

    const email = freshEmail('ada');
    const register = new RegisterPage(page);
    await register.open();
    await hydrated(page);
    await expect(page.getByText('Northwind Outfitters')).toBeVisible();
    await snap(page, 'register', info.project.name);
    await register.fill('Ada Lovelace', email, STRONG_PASSWORD);
    await register.submit();
    const verify = new VerifyStep(page);
    await verify.expectShownFor(email);
    await snap(page, 'verify-step', info.project.name);
    await verify.completeFromMail(email);

    const account = new AccountPage(page);
    await account.expectSignedInAs('Ada Lovelace', email);
    await snap(page, 'account', info.project.name);
    await account.signOut();

    const login = new LoginPage(page);
    await expect(login.status()).toContainText("You've signed out.");
    await snap(page, 'login-signed-out', info.project.name);
    await login.signIn(email.toUpperCase(), STRONG_PASSWORD);
    await account.expectSignedInAs('Ada Lovelace', email);

    // Reloading keeps the session (it lives on the server, not in the page).
    await page.reload();
    await account.expectSignedInAs('Ada Lovelace', email);
    expect(errors, 'no console errors, CSP violations or panics').toEqual([]);
  });

  test('a wrong password shows one clear error', async ({ page }, info) => {
    const email = freshEmail('grace');
    const register = new RegisterPage(page);
    await register.open();
    await register.fill('Grace Hopper', email, STRONG_PASSWORD);
    await register.submit();
    await new VerifyStep(page).completeFromMail(email);
    await new AccountPage(page).signOut();

    const login = new LoginPage(page);
    await hydrated(page);
    await login.signIn(email, 'definitely not it');
    await expect(login.alert()).toHaveText(/didn't work/);
    await expect(page.getByLabel('Email')).toHaveValue(email);
    await expect(page).toHaveURL(/\/login\?flow=/);
    await snap(page, 'login-wrong-password', info.project.name);

    // An unknown email gets exactly the same words.
    const wrongText = await login.alert().innerText();
    await login.signIn(freshEmail('nobody'), 'definitely not it');
    await expect(login.alert()).toHaveText(wrongText);
  });

  test('registration explains bad input next to the field', async ({ page }, info) => {
    const register = new RegisterPage(page);
    await register.open();
    await hydrated(page);
    await register.fill('', 'not-an-email', 'short');
    await register.submit();
    await expect(register.fieldError('email')).toContainText('valid email');
    await expect(page.getByLabel('Email')).toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByLabel('Email')).toHaveAttribute('aria-describedby', 'field-email-error');

    await register.fill('', freshEmail('weak'), 'password123');
    await register.submit();
    await expect(register.fieldError('password')).toContainText('data breaches');
    await snap(page, 'register-errors', info.project.name);
  });

  test('signed-out visitors are sent to sign in and brought back', async ({ page }) => {
    const email = freshEmail('back');
    const register = new RegisterPage(page);
    await register.open();
    await register.fill('Barbara Liskov', email, STRONG_PASSWORD);
    await register.submit();
    await new VerifyStep(page).completeFromMail(email);
    await new AccountPage(page).signOut();

    await page.goto('/account');
    await expect(page).toHaveURL(/\/login\?flow=/);
    await new LoginPage(page).signIn(email, STRONG_PASSWORD);
    await new AccountPage(page).expectSignedInAs('Barbara Liskov', email);
  });

  test('the sign-in page fits a phone', async ({ page }, info) => {
    await page.setViewportSize({ width: 390, height: 844 });
    await new LoginPage(page).open();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    expect(overflow).toBe(false);
    await snap(page, 'login-mobile', info.project.name);
  });

  test('unknown pages say so', async ({ page }, info) => {
    const response = await page.goto('/nowhere');
    expect(response?.status()).toBe(404);
    await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
    await snap(page, 'not-found', info.project.name);
  });
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('register, sign out, sign in, see the account', async ({ page }, info) => {
    const email = freshEmail('nojs');
    const register = new RegisterPage(page);
    await register.open();
    await register.fill('Edsger Dijkstra', email, 'short');
    await register.submit();
    await expect(register.fieldError('password')).toContainText('at least 8');
    await register.fill('Edsger Dijkstra', email, STRONG_PASSWORD);
    await register.submit();
    await new VerifyStep(page).completeFromMail(email);

    const account = new AccountPage(page);
    await account.expectSignedInAs('Edsger Dijkstra', email);
    await account.signOut();

    const login = new LoginPage(page);
    await login.signIn(email, 'wrong password entirely');
    await expect(login.alert()).toHaveText(/didn't work/);
    await snap(page, 'login-wrong-password-nojs', info.project.name);
    await login.signIn(email, STRONG_PASSWORD);
    await account.expectSignedInAs('Edsger Dijkstra', email);
  });
});
