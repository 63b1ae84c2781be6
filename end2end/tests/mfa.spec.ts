// Adaptive MFA in a real browser: an authenticator app (codes computed here with
// otplib), recovery codes, the security centre's list of sign-ins with their reasons,
// and "this wasn't me" from the mail viewer. A new browser context is a new device.
import { expect, test, type Browser, type Page, type TestInfo } from '@playwright/test';
import { authenticator } from 'otplib';
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

async function signUp(page: Page, name: string, email: string) {
  const register = new RegisterPage(page);
  await register.open();
  await register.fill(name, email, STRONG_PASSWORD);
  await register.submit();
  await new VerifyStep(page).completeFromMail(email);
  await new AccountPage(page).expectSignedInAs(name, email);
}

/** A browser on another device: a fresh context knows none of our cookies. */
async function newDevice(browser: Browser, info: TestInfo, javaScript = true): Promise<Page> {
  const context = await browser.newContext({
    baseURL: info.project.use.baseURL,
    javaScriptEnabled: javaScript,
  });
  return context.newPage();
}

/** Signs in with the password and expects the second step. */
async function signInChallenged(page: Page, email: string) {
  const login = new LoginPage(page);
  await login.open();
  await login.signIn(email, STRONG_PASSWORD);
  await expect(page.getByRole('heading', { name: "Confirm it's you" })).toBeVisible();
  await expect(page).toHaveURL(/\/login\?flow=/);
}

/** The 30-second step a TOTP code belongs to. */
const stepOf = (ms: number) => Math.floor(ms / 30_000);

test('authenticator app: enrol, then a new device is challenged; recovery codes work once', async ({ page, browser }, info) => {
  test.setTimeout(120_000);
  const email = freshEmail('totp');
  await signUp(page, 'Grace Hopper', email);

  // The security centre, from the account page.
  await page.getByTestId('security-link').click();
  await expect(page).toHaveURL(/\/account\/security$/);
  await expect(page.getByRole('heading', { name: 'Security', exact: true })).toBeVisible();
  await expect(page.getByTestId('totp-status')).toHaveText('Off');
  await snap(page, 'security-centre', info.project.name);

  // Set up the app: a server-drawn QR code, and the key as text.
  await page.getByTestId('totp-start').click();
  await expect(page).toHaveURL(/\/account\/security\/totp$/);
  await expect(page.getByTestId('totp-qr').locator('svg')).toBeVisible();
  await page.getByText("Can't scan? Enter the key instead").click();
  const secret = (await page.getByTestId('totp-secret').innerText()).replace(/\s+/g, '');
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  await snap(page, 'totp-setup', info.project.name);
  // A wrong code is refused and the page says why.
  await page.getByLabel('Code from the app').fill('000000');
  await page.getByRole('button', { name: 'Turn on' }).click();
  await expect(page.getByTestId('totp-problem')).toContainText("didn't work");
  const enrolledAt = Date.now();
  await page.getByLabel('Code from the app').fill(authenticator.generate(secret));
  await page.getByRole('button', { name: 'Turn on' }).click();
  await expect(page).toHaveURL(/\/account\/security\?notice=totp_added/);
  await expect(page.getByTestId('security-notice')).toContainText('Authenticator app added');
  await expect(page.getByTestId('totp-status')).toContainText('On');
  // Recovery codes come with it, shown this once.
  const codes = await page.getByTestId('recovery-code').allInnerTexts();
  expect(codes).toHaveLength(10);
  await snap(page, 'recovery-codes', info.project.name);
  await page.reload();
  await expect(page.getByTestId('recovery-code')).toHaveCount(0);
  await expect(page.getByTestId('recovery-codes-left')).toHaveText('10 of 10 unused');
  await page.goto('/account');
  await new AccountPage(page).signOut();

  // A new device: the app is asked for. A recovery code works instead.
  const phone = await newDevice(browser, info);
  await signInChallenged(phone, email);
  await expect(phone.getByLabel('Authentication code')).toBeVisible();
  await snap(phone, 'second-factor-totp', info.project.name);
  await phone.getByTestId('second-factor-use-recovery_code').click();
  await expect(phone.getByLabel('Recovery code')).toBeVisible();
  await phone.getByLabel('Recovery code').fill('aaaa-bbbb-cccc-dddd');
  await phone.getByRole('button', { name: 'Verify' }).click();
  await expect(phone.locator('#field-code-error')).toContainText("didn't work");
  await phone.getByLabel('Recovery code').fill(codes[0]);
  await phone.getByRole('button', { name: 'Verify' }).click();
  await expect(phone).toHaveURL(/\/account$/);
  await new AccountPage(phone).signOut();

  // The same recovery code again, on yet another device: refused.
  const tablet = await newDevice(browser, info);
  await signInChallenged(tablet, email);
  await tablet.getByTestId('second-factor-use-recovery_code').click();
  await tablet.getByLabel('Recovery code').fill(codes[0]);
  await tablet.getByRole('button', { name: 'Verify' }).click();
  await expect(tablet.locator('#field-code-error')).toContainText("didn't work");

  // The app's code (from a later step than the one used to enrol: each works once).
  await tablet.getByTestId('second-factor-use-totp').click();
  await expect(tablet.getByLabel('Authentication code')).toBeVisible();
  while (stepOf(Date.now()) <= stepOf(enrolledAt)) await tablet.waitForTimeout(500);
  await tablet.getByLabel('Authentication code').fill(authenticator.generate(secret));
  await tablet.getByRole('button', { name: 'Verify' }).click();
  await expect(tablet).toHaveURL(/\/account$/);

  // The security centre lists the sign-ins and why they stood out.
  await tablet.goto('/account/security');
  const rows = tablet.getByTestId('sign-in-row');
  await expect(rows.first()).toHaveAttribute('data-result', 'second_factor');
  await expect(rows.first().getByTestId('sign-in-reason')).toContainText(['new device']);
  // Sign-up, the phone (recovery code) and the tablet (app): both new devices.
  await expect(rows).toHaveCount(3);
  await expect(rows.nth(1)).toHaveAttribute('data-result', 'second_factor');
  await expect(tablet.getByTestId('recovery-codes-left')).toHaveText('9 of 10 unused');
  await snap(tablet, 'security-sign-ins', info.project.name);
});

for (const javaScript of [true, false]) {
  test(`"this wasn't me" from the mail viewer locks the account down${javaScript ? '' : ' (no JavaScript)'}`, async ({ page, browser }, info) => {
    test.setTimeout(90_000);
    const email = freshEmail(javaScript ? 'victim' : 'victimnojs');
    await signUp(page, 'Ada Lovelace', email);

    // Someone else signs in on another device; with nothing enrolled, a mailed code.
    const intruder = await newDevice(browser, info, javaScript);
    await signInChallenged(intruder, email);
    await expect(intruder.getByTestId('second-factor-lead')).toContainText('We sent a 6-digit code to');
    if (javaScript) await snap(intruder, 'second-factor-email', info.project.name);
    const codeMail = await latestMail(page, email);
    const code = codeMail.match(/\b(\d{6})\b/)![1];
    await intruder.getByLabel('Code from the email').fill(code);
    await intruder.getByRole('button', { name: 'Verify' }).click();
    await expect(intruder).toHaveURL(/\/account$/);

    // The owner reads the alert and reports it.
    const alert = await latestMail(page, email);
    expect(alert).toContain('New sign-in to your account');
    expect(alert).toContain('new device');
    const link = alert.match(/https?:\/\/[^\s]+\/security\/report\?token=[A-Za-z0-9_-]+/);
    expect(link, alert).not.toBeNull();
    const mailbox = await newDevice(browser, info, javaScript);
    await mailbox.goto(link![0]);
    await expect(mailbox.getByRole('heading', { name: "Wasn't you?" })).toBeVisible();
    await expect(mailbox.getByTestId('reported-sign-in')).toContainText('Chrome on Linux');
    if (javaScript) await snap(mailbox, 'report-sign-in', info.project.name);
    await mailbox.getByTestId('report-confirm').click();
    await expect(mailbox.getByTestId('secured-heading')).toHaveText('Your account is secured');
    if (javaScript) await snap(mailbox, 'account-secured', info.project.name);

    // Everyone is signed out and the password no longer works.
    await intruder.goto('/account');
    await expect(intruder).toHaveURL(/\/login\?/);
    await page.goto('/account');
    await expect(page).toHaveURL(/\/login\?/);
    const login = new LoginPage(intruder);
    await login.open();
    await login.signIn(email, STRONG_PASSWORD);
    await expect(login.alert()).toContainText('this password was turned off');
    expect(await latestMail(page, email)).toContain('Your account is secured');
  });
}
