// Languages in a real browser: the sign-in page follows the browser's language, the
// switcher changes it (and the choice sticks across pages), and back again.
import { expect, test } from '@playwright/test';
import { freshEmail, hydrated, latestMail, snap, STRONG_PASSWORD } from './pages';

test('the language switcher turns the sign-in page Japanese and back', async ({ page }, info) => {
  await page.goto('/login');
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await hydrated(page);
  await page.getByTestId('language-select').selectOption('ja');
  await expect(page.locator('html')).toHaveAttribute('lang', 'ja');
  await expect(page.getByRole('heading', { name: 'サインイン' })).toBeVisible();
  await expect(page.getByText('パスワードをお忘れですか？')).toBeVisible();
  await expect(page.getByRole('button', { name: 'サインイン', exact: true })).toBeVisible();
  await expect(page.getByLabel('メールアドレス')).toBeVisible();
  // A wrong password's message comes back in Japanese too.
  await page.getByLabel('メールアドレス').fill('nobody@example.com');
  await page.getByLabel('パスワード', { exact: true }).fill('not the password at all');
  await page.getByRole('button', { name: 'サインイン', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText('メールアドレスとパスワードの組み合わせが正しくありません');
  await snap(page, 'sign-in-ja', info.project.name);
  // The choice sticks on the next page.
  await page.getByRole('link', { name: 'アカウントを作成' }).click();
  await expect(page.getByRole('heading', { name: 'アカウントを作成' })).toBeVisible();
  await hydrated(page);
  await page.getByTestId('language-select').selectOption('en');
  await expect(page.getByRole('heading', { name: 'Create your account' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
});

test.describe('a browser that prefers French', () => {
  test.use({ locale: 'fr-FR' });
  test('gets French pages without choosing', async ({ page }) => {
    await page.goto('/login');
    await expect(page.locator('html')).toHaveAttribute('lang', 'fr');
    await expect(page.getByRole('heading', { name: 'Connexion' })).toBeVisible();
  });
});

test('the switcher works without JavaScript', async ({ browser }, info) => {
  const context = await browser.newContext({ javaScriptEnabled: false, baseURL: info.project.use.baseURL });
  const page = await context.newPage();
  await page.goto('/login');
  await page.getByTestId('language-select').selectOption('de');
  await page.getByTestId('language-form').getByRole('button').click();
  await expect(page.getByRole('heading', { name: 'Anmelden' })).toBeVisible();
  await context.close();
});

test.describe('a customer who reads Japanese', () => {
  test.use({ locale: 'ja-JP' });
  test('gets Japanese mails and security centre, then German mails after choosing German', async ({ page }, info) => {
    const email = freshEmail('kei');
    await page.goto('/register');
    await expect(page.getByRole('heading', { name: 'アカウントを作成' })).toBeVisible();
    await page.locator('input[name="display_name"]').fill('Kei');
    await page.locator('input[name="email"]').fill(email);
    await page.locator('input[name="password"]').fill(STRONG_PASSWORD);
    await page.getByRole('button', { name: 'アカウントを作成', exact: true }).click();
    await expect(page.getByRole('heading', { name: 'メールを確認してください' })).toBeVisible();
    // The verification mail is written in Japanese.
    const mail = await latestMail(page, email);
    expect(mail).toContain('メールアドレスの確認');
    expect(mail).toContain('Kei 様');
    await page.getByLabel('確認コード').fill(mail.match(/\b(\d{6})\b/)![1]);
    await page.getByRole('button', { name: '確認して続ける' }).click();
    await expect(page).toHaveURL(/\/account$/);

    // The security centre: headings, the sign-in list and its date in Japanese.
    await page.goto('/account/security');
    await expect(page.getByRole('heading', { name: 'セキュリティ', level: 1 })).toBeVisible();
    await expect(page.getByRole('heading', { name: '最近のサインイン' })).toBeVisible();
    await expect(page.getByTestId('sign-in-row').first()).toContainText('年');
    await snap(page, 'security-ja', info.project.name);

    // Choosing German while signed in: the pages, and the account's next mail.
    await hydrated(page);
    await page.getByTestId('language-select').selectOption('de');
    await expect(page.getByRole('heading', { name: 'Letzte Anmeldungen' })).toBeVisible();
    await page.getByTestId('recovery-codes-create').click();
    await expect(page.getByTestId('new-recovery-codes')).toBeVisible();
    const notice = await latestMail(page, email);
    expect(notice).toContain('Ihre Anmeldeeinstellungen wurden geändert');
    expect(notice).toContain('Hallo Kei,');
  });
});
