// The theme editor in a real browser, on a tenant of its own (so no other test sees
// its colours): a brand manager picks a primary colour, the preview changes before
// anything is saved, publishing changes the public sign-in page (computed style), the
// other tenant's page stays as it was, and rolling back restores the first version.
import { expect, test } from '@playwright/test';
import { logoPng, sidePng } from './images';
import { RegisterPage, STRONG_PASSWORD, VerifyStep, freshEmail, hydrated, portico, snap } from './pages';

const TEAL = 'rgb(15, 118, 110)';
const DEFAULT_PRIMARY = 'rgb(67, 56, 202)';

test('a brand manager previews, publishes and rolls back a theme', async ({ browser, page: defaultPage }, info) => {
  test.setTimeout(120_000);
  const port = new URL(info.project.use.baseURL!).port;
  const slug = `brand${Date.now().toString(36)}`;
  const base = `http://${slug}.localhost:${port}`;
  portico(info, ['tenants', 'create', slug, '--name', 'Tidewater Goods', '--base-url', base]);
  const context = await browser.newContext({ baseURL: base });
  const page = await context.newPage();

  const email = freshEmail('brand');
  const register = new RegisterPage(page);
  await register.open();
  await expect(page.getByText('Tidewater Goods').first()).toBeVisible();
  await register.fill('Bea Brand', email, STRONG_PASSWORD);
  await register.submit();
  await new VerifyStep(page).completeFromMail(email);
  portico(info, ['admins', 'grant', email, '--role', 'brand_manager', '--tenant', slug]);

  await page.goto('/admin/branding');
  await expect(page.getByRole('heading', { name: 'Branding' })).toBeVisible();
  // Brand managers see only branding.
  await expect(page.getByRole('link', { name: 'Apps' })).toHaveCount(0);
  await hydrated(page);
  const previewButton = page.getByTestId('preview-button');
  await expect(previewButton).toHaveCSS('background-color', DEFAULT_PRIMARY);
  await page.locator('#primary').fill('#0f766e');
  // The preview follows before anything is saved.
  await expect(previewButton).toHaveCSS('background-color', TEAL);
  // A pale text colour is flagged at once.
  await page.locator('#on_primary').fill('#c8f0ec');
  await expect(page.getByTestId('contrast-warnings')).toContainText('button text on primary');
  await page.locator('#on_primary').fill('#ffffff');
  await expect(page.getByTestId('contrast-warnings')).not.toContainText('button text on primary');

  // A logo: the preview shows the picked file before it is uploaded; the upload goes
  // into the draft (and reloads the editor, so the colour is picked again).
  await page.getByTestId('image-logo-file').setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: logoPng() });
  await expect(page.getByTestId('preview-logo')).toBeVisible();
  await expect(page.getByTestId('preview-logo')).toHaveAttribute('src', /^blob:/);
  await page.getByTestId('image-logo-upload').click();
  await expect(page.getByTestId('admin-notice')).toContainText('Image uploaded');
  await expect(page.getByTestId('preview-logo')).toHaveAttribute('src', /^\/branding\/assets\/[0-9a-f]{64}\.png$/);
  // A file that is not an image is refused by name.
  await page.getByTestId('image-side_image-file').setInputFiles({ name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('not really a picture') });
  await page.getByTestId('image-side_image-upload').click();
  await expect(page.getByTestId('image-side_image-problem')).toContainText('not a PNG, JPEG or WebP image');
  await page.getByTestId('image-side_image-file').setInputFiles({ name: 'hills.png', mimeType: 'image/png', buffer: sidePng() });
  await page.getByTestId('image-side_image-upload').click();
  await expect(page.getByTestId('admin-notice')).toContainText('Image uploaded');
  await hydrated(page);
  await page.locator('#primary').fill('#0f766e');
  await expect(previewButton).toHaveCSS('background-color', TEAL);
  // The split layout and a text of the brand's own, previewed as they are chosen.
  await page.getByTestId('layout').selectOption('split');
  await expect(page.getByTestId('preview-layout')).toHaveClass(/grid-cols-\[3fr_2fr\]/);
  await page.getByTestId('copy_login_title').fill('Welcome to Tidewater');
  await expect(page.getByTestId('preview-title')).toHaveText('Welcome to Tidewater');
  await page.getByTestId('preview-page').selectOption('register');
  await expect(page.getByTestId('preview-title')).toHaveText('Create your account');
  await page.getByTestId('preview-page').selectOption('login');
  await snap(page, 'branding-editor', info.project.name);

  await page.getByTestId('theme-publish').click();
  await expect(page.getByTestId('admin-notice')).toContainText('Published');

  // The public sign-in page of this tenant (a signed-out visitor) has the new colour...
  const visitorContext = await browser.newContext({ baseURL: base });
  const visitor = await visitorContext.newPage();
  await visitor.goto('/login');
  const signIn = visitor.getByRole('button', { name: 'Sign in', exact: true });
  await expect(signIn).toHaveCSS('background-color', TEAL);
  await expect(visitor.getByRole('heading', { name: 'Welcome to Tidewater' })).toBeVisible();
  const logo = visitor.getByTestId('brand-logo');
  await expect(logo).toBeVisible();
  expect(await logo.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(240);
  await expect(visitor.getByTestId('side-image')).toBeVisible();
  await snap(visitor, 'branding-sign-in-custom', info.project.name);
  // ...and another tenant's, on another host, does not.
  await defaultPage.goto('/login');
  await expect(defaultPage.getByRole('button', { name: 'Sign in', exact: true })).toHaveCSS('background-color', DEFAULT_PRIMARY);
  await snap(defaultPage, 'branding-sign-in-default', info.project.name);

  // Roll back to the first version: the old colour returns.
  await page.getByTestId('theme-version').filter({ hasText: 'Version 1' }).getByRole('button', { name: 'Roll back to this' }).click();
  await expect(page.getByTestId('admin-notice')).toContainText('Rolled back');
  await visitor.goto('/login');
  await expect(visitor.getByRole('button', { name: 'Sign in', exact: true })).toHaveCSS('background-color', DEFAULT_PRIMARY);
  await expect(visitor.getByTestId('brand-logo')).toHaveCount(0);
  await visitorContext.close();
  await context.close();
});
