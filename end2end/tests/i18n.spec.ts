// Languages in a real browser: the sign-in page follows the browser's language, the
// switcher changes it (and the choice sticks across pages), and back again.
import { expect, test } from '@playwright/test';
import { hydrated, snap } from './pages';

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
