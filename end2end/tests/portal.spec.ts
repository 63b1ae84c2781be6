// The customer's portal in a real browser: where the account is signed in, and
// signing another device out from this one (a second browser context) — with and
// without JavaScript; changing the email address through both of its mails.
import { expect, test, type Browser, type Page, type TestInfo } from '@playwright/test';
import { AccountPage, LoginPage, RegisterPage, STRONG_PASSWORD, VerifyStep, freshEmail, latestCode, latestMail, snap } from './pages';

async function signUp(page: Page, name: string, email: string) {
  const register = new RegisterPage(page);
  await register.open();
  await register.fill(name, email, STRONG_PASSWORD);
  await register.submit();
  await new VerifyStep(page).completeFromMail(email);
  await new AccountPage(page).expectSignedInAs(name, email);
}

/** Signs in on another device (a fresh browser context), passing the mailed code. */
async function signInElsewhere(browser: Browser, info: TestInfo, owner: Page, email: string): Promise<Page> {
  const context = await browser.newContext({ baseURL: info.project.use.baseURL, userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1' });
  const phone = await context.newPage();
  const login = new LoginPage(phone);
  await login.open();
  await login.signIn(email, STRONG_PASSWORD);
  await expect(phone.getByRole('heading', { name: "Confirm it's you" })).toBeVisible();
  await phone.getByLabel('Code from the email').fill(await latestCode(owner, email));
  await phone.getByRole('button', { name: 'Verify' }).click();
  await expect(phone).toHaveURL(/\/account$/);
  return phone;
}

for (const javaScript of [true, false]) {
  test(`a customer signs another device out from the security centre${javaScript ? '' : ' (no JavaScript)'}`, async ({ browser }, info) => {
    test.setTimeout(90_000);
    const context = await browser.newContext({ baseURL: info.project.use.baseURL, javaScriptEnabled: javaScript });
    const page = await context.newPage();
    const email = freshEmail(javaScript ? 'devices' : 'devicesnojs');
    await signUp(page, 'Rosa Parks', email);
    const phone = await signInElsewhere(browser, info, page, email);

    await page.goto('/account/security');
    const rows = page.getByTestId('session-row');
    await expect(rows).toHaveCount(2);
    await expect(rows.first()).toHaveAttribute('data-current', 'true');
    await expect(rows.first().getByTestId('this-device')).toHaveText('This device');
    await expect(rows.nth(1)).toContainText('Safari on iPhone');
    if (javaScript) await snap(page, 'security-sessions', info.project.name);

    // Sign the phone out; its next page asks it to sign in again.
    await rows.nth(1).getByTestId('session-end').click();
    await expect(page.getByTestId('security-notice')).toHaveText('That device was signed out.');
    await expect(page.getByTestId('session-row')).toHaveCount(1);
    await phone.goto('/account');
    await expect(phone).toHaveURL(/\/login/);
    await phone.context().close();

    // Two more devices, then "sign out all other devices".
    const tablet = await signInElsewhere(browser, info, page, email);
    const other = await signInElsewhere(browser, info, page, email);
    await page.goto('/account/security');
    await expect(page.getByTestId('session-row')).toHaveCount(3);
    await page.getByTestId('sessions-end-others').click();
    await expect(page.getByTestId('security-notice')).toHaveText('Every other device was signed out.');
    await expect(page.getByTestId('session-row')).toHaveCount(1);
    for (const gone of [tablet, other]) {
      await gone.goto('/account');
      await expect(gone).toHaveURL(/\/login/);
      await gone.context().close();
    }
    await page.goto('/account');
    await expect(page).toHaveURL(/\/account$/);

    // The account's activity tells the story, newest first.
    await page.goto('/account/security');
    await page.getByTestId('activity-link').click();
    await expect(page.getByRole('heading', { name: 'Account activity', level: 1 })).toBeVisible();
    const entries = page.getByTestId('activity-entry');
    await expect(entries.first()).toHaveAttribute('data-action', 'session.ended_by_owner');
    await expect(entries.first()).toContainText('Other devices signed out');
    await expect(page.locator('[data-action="login.succeeded"]').first()).toContainText('Safari on iPhone');
    await expect(page.locator('[data-action="session.ended_by_owner"]').nth(1)).toContainText('Another device signed out');
    if (javaScript) await snap(page, 'account-activity', info.project.name);
    await context.close();
  });
}

/** The link to `path` in the newest mail to `email`, as a local path. */
async function mailedLink(page: Page, email: string, path: string): Promise<string> {
  const text = await latestMail(page, email);
  const link = text.match(new RegExp(`${path}\\?token=[A-Za-z0-9_-]+`));
  expect(link, `a ${path} link in: ${text}`).not.toBeNull();
  return link![0];
}

for (const javaScript of [true, false]) {
  test(`a customer changes their email address through both mails${javaScript ? '' : ' (no JavaScript)'}`, async ({ browser }, info) => {
    test.setTimeout(90_000);
    const context = await browser.newContext({ baseURL: info.project.use.baseURL, javaScriptEnabled: javaScript });
    const page = await context.newPage();
    const email = freshEmail(javaScript ? 'move' : 'movenojs');
    const moved = freshEmail(javaScript ? 'moved' : 'movednojs');
    await signUp(page, 'Grace Hopper', email);

    await page.getByTestId('account-email-change').click();
    await expect(page.getByRole('heading', { name: 'Email address', level: 1 })).toBeVisible();
    await expect(page.getByTestId('email-current')).toHaveText(email.toLowerCase());
    await expect(page.getByTestId('portal-nav').getByRole('link', { name: 'Profile' })).toHaveAttribute('aria-current', 'page');

    // A typo is named on the field, and nothing is sent.
    await page.getByLabel('New email address').fill('grace.example.com');
    await page.getByTestId('email-submit').click();
    await expect(page.getByTestId('email-error')).toHaveText("That doesn't look like an email address. Check it and try again.");
    await expect(page.getByLabel('New email address')).toHaveAttribute('aria-invalid', 'true');

    await page.getByLabel('New email address').fill(moved);
    await page.getByTestId('email-submit').click();
    await expect(page.getByTestId('email-notice')).toContainText('we sent a confirmation link');
    await expect(page.getByTestId('email-pending')).toContainText(moved.toLowerCase());
    if (javaScript) await snap(page, 'account-email-pending', info.project.name);

    // The new mailbox confirms (in another browser: the link needs no sign-in).
    const confirm = await mailedLink(page, moved.toLowerCase(), '/account/email/confirm');
    const undo = await mailedLink(page, email.toLowerCase(), '/account/email/revert');
    const mailbox = await browser.newContext({ baseURL: info.project.use.baseURL, javaScriptEnabled: javaScript });
    const inbox = await mailbox.newPage();
    await inbox.goto(confirm);
    await expect(inbox.getByTestId('email-link-address')).toHaveText(moved.toLowerCase());
    if (javaScript) await snap(inbox, 'account-email-confirm', info.project.name);
    await inbox.getByTestId('email-link-submit').click();
    await expect(inbox.getByRole('heading', { name: 'Your email address was changed' })).toBeVisible();
    await page.goto('/account');
    await expect(page.getByTestId('account-email')).toHaveText(moved.toLowerCase());

    // The old mailbox undoes it: the old address is back and every device signed out.
    await inbox.goto(undo);
    await expect(inbox.getByTestId('email-link-address')).toHaveText(email.toLowerCase());
    await inbox.getByTestId('email-link-submit').click();
    await expect(inbox.getByRole('heading', { name: 'The change was undone' })).toBeVisible();
    if (javaScript) await snap(inbox, 'account-email-undone', info.project.name);
    await page.goto('/account');
    await expect(page).toHaveURL(/\/login/);
    const login = new LoginPage(page);
    await login.signIn(email, STRONG_PASSWORD);
    await expect(page).toHaveURL(/\/account$/);
    await expect(page.getByTestId('account-email')).toHaveText(email.toLowerCase());
    await mailbox.close();
    await context.close();
  });
}

for (const javaScript of [true, false]) {
  test(`a customer downloads their data${javaScript ? '' : ' (no JavaScript)'}`, async ({ browser }, info) => {
    test.setTimeout(60_000);
    const context = await browser.newContext({ baseURL: info.project.use.baseURL, javaScriptEnabled: javaScript, acceptDownloads: true });
    const page = await context.newPage();
    const email = freshEmail(javaScript ? 'export' : 'exportnojs');
    await signUp(page, 'Ada Lovelace', email);

    await page.getByTestId('portal-nav').getByRole('link', { name: 'Privacy' }).click();
    await expect(page.getByRole('heading', { name: 'Privacy', level: 1 })).toBeVisible();
    await page.getByTestId('export-request').click();
    await expect(page.getByTestId('privacy-notice')).toContainText('we sent a link to download your data');
    if (javaScript) await snap(page, 'account-privacy', info.project.name);

    await page.goto(await mailedLink(page, email.toLowerCase(), '/account/export'));
    await expect(page.getByRole('heading', { name: 'Your data is ready' })).toBeVisible();
    if (javaScript) await snap(page, 'account-export-ready', info.project.name);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('export-download').click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/-account-\d{4}-\d{2}-\d{2}\.json$/);
    const fs = await import('node:fs/promises');
    const doc = JSON.parse(await fs.readFile(await download.path(), 'utf8'));
    expect(doc.format).toBe('portico.account-export/1');
    expect(doc.profile.display_name).toBe('Ada Lovelace');
    expect(doc.emails[0].address).toBe(email.toLowerCase());
    expect(doc.sign_in_methods.password.set).toBe(true);
    expect(JSON.stringify(doc)).not.toContain('argon2');

    // The link worked once.
    await page.reload();
    await expect(page.getByTestId('export-link-result')).toHaveAttribute('data-state', 'invalid');
    await context.close();
  });
}

for (const javaScript of [true, false]) {
  test(`a customer deletes their account and keeps it during the grace period${javaScript ? '' : ' (no JavaScript)'}`, async ({ browser }, info) => {
    test.setTimeout(60_000);
    const context = await browser.newContext({ baseURL: info.project.use.baseURL, javaScriptEnabled: javaScript });
    const page = await context.newPage();
    const email = freshEmail(javaScript ? 'leave' : 'leavenojs');
    await signUp(page, 'Hedy Lamarr', email);

    await page.goto('/account/privacy');
    const confirm = page.getByLabel(/To confirm, type your email address/);
    await confirm.fill('someone.else@example.com');
    await page.getByTestId('delete-submit').click();
    await expect(page.getByTestId('delete-error')).toHaveText("That isn't your account's email address. Type it exactly to confirm.");
    if (javaScript) await snap(page, 'account-delete', info.project.name);

    await page.getByLabel(/To confirm, type your email address/).fill(email);
    await page.getByTestId('delete-submit').click();
    await expect(page).toHaveURL(/\/login\?flow=/);
    await expect(page.getByText(/Your account will be deleted on .+, and you've been signed out everywhere/)).toBeVisible();

    // Signing in within the grace period offers to keep the account.
    await new LoginPage(page).signIn(email, STRONG_PASSWORD);
    await expect(page).toHaveURL(/\/account\/privacy$/);
    await expect(page.getByTestId('deletion-pending')).toContainText('Your account will be deleted on');
    if (javaScript) await snap(page, 'account-deletion-pending', info.project.name);
    await page.getByTestId('deletion-keep').click();
    await expect(page.getByTestId('privacy-notice')).toHaveText('Your account is kept. Nothing will be deleted.');
    await expect(page.getByTestId('delete-form')).toBeVisible();
    await page.goto('/account');
    await expect(page.getByTestId('account-deletion-pending')).toHaveCount(0);
    await context.close();
  });
}
