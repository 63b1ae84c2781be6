// Social sign-in in a real browser against a real OpenID provider: a third Portico
// ("Acme ID", on 127.0.0.1:3102) is the upstream, registered by the config's set-up as
// the provider `acme` of each store. Nothing is mocked: Chromium goes to the provider,
// signs up there, and comes back through the store's callback.
import { expect, test, type Page } from '@playwright/test';
import { AccountPage, LoginPage, RegisterPage, STRONG_PASSWORD, VerifyStep, freshEmail, hydrated, portico, snap } from './pages';

const IDP = process.env.PORTICO_E2E_FEDERATION ?? 'http://127.0.0.1:3102';

/** At the provider's sign-in page: create an account there and confirm it. */
async function signUpAtProvider(page: Page, name: string, email: string) {
  await expect(page).toHaveURL(new RegExp(`^${IDP}/login`));
  await expect(page.getByText('Acme ID').first()).toBeVisible();
  await hydrated(page);
  await page.getByRole('link', { name: 'Create an account' }).click();
  const register = new RegisterPage(page);
  await expect(page.getByRole('heading', { name: 'Create your account' })).toBeVisible();
  await register.fill(name, email, STRONG_PASSWORD);
  await register.submit();
  await new VerifyStep(page).completeFromMail(email, IDP);
}

test('sign up with the provider, sign out, sign in again with it', async ({ page }, info) => {
  const email = freshEmail('social');
  const login = new LoginPage(page);
  await login.open();
  const button = page.getByRole('button', { name: 'Continue with Acme ID' });
  await expect(button).toBeVisible();
  await snap(page, 'social-sign-in', info.project.name);
  await button.click();

  // At the provider: a new customer there too.
  await signUpAtProvider(page, 'Sam Rivera', email);

  // Back at the store: the account exists, signed in, with the provider's profile.
  const account = new AccountPage(page);
  await account.expectSignedInAs('Sam Rivera', email);
  await snap(page, 'social-account', info.project.name);

  await page.goto('/account/security');
  const linked = page.getByTestId('linked-row');
  await expect(linked).toHaveCount(1);
  await expect(linked).toContainText('Acme ID');
  await expect(linked).toContainText(email);
  // The only way in cannot be unlinked.
  await expect(linked.getByRole('button', { name: 'Unlink' })).toBeDisabled();
  await snap(page, 'social-security', info.project.name);

  // Sign out; signing in again with the provider (still signed in there) goes
  // straight back in, to the same account.
  await page.goto('/account');
  await account.signOut();
  await page.getByRole('button', { name: 'Continue with Acme ID' }).click();
  await account.expectSignedInAs('Sam Rivera', email);
});

test('a password account links the provider, then unlinks it', async ({ page }, info) => {
  const email = freshEmail('linker');
  const register = new RegisterPage(page);
  await register.open();
  await register.fill('Noor Haddad', email, STRONG_PASSWORD);
  await register.submit();
  await new VerifyStep(page).completeFromMail(email);
  await new AccountPage(page).expectSignedInAs('Noor Haddad', email);

  await page.goto('/account/security');
  await expect(page.getByTestId('linked-empty')).toBeVisible();
  await page.getByTestId('link-acme').click();
  // A different address at the provider: linking is by identity, not by address.
  await signUpAtProvider(page, 'Noor H.', freshEmail('noor.elsewhere'));

  await expect(page).toHaveURL(/\/account\/security\?notice=provider_linked/);
  await expect(page.getByTestId('security-notice')).toContainText('Linked');
  const row = page.getByTestId('linked-row');
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('Acme ID');
  await snap(page, 'social-linked', info.project.name);

  // The store mailed its owner about it.
  const viewer = await page.context().newPage();
  await viewer.goto('/dev/mail');
  await expect(viewer.locator(`[data-testid="mail"][data-to="${email}"]`).first()).toContainText('Acme ID was linked');
  await viewer.close();

  await row.getByRole('button', { name: 'Unlink' }).click();
  await expect(page).toHaveURL(/notice=provider_unlinked/);
  await expect(page.getByTestId('linked-row')).toHaveCount(0);
  await expect(page.getByTestId('link-acme')).toBeVisible();
});

test('the provider page works without JavaScript', async ({ browser }, info) => {
  const context = await browser.newContext({ javaScriptEnabled: false, baseURL: info.project.use.baseURL });
  const page = await context.newPage();
  await page.goto('/login');
  await page.getByRole('button', { name: 'Continue with Acme ID' }).click();
  await expect(page).toHaveURL(new RegExp(`^${IDP}/login`));
  await context.close();
});

test('an admin adds a sign-in provider in the console, sees bad input named, and removes it', async ({ page }, info) => {
  test.setTimeout(120_000);
  const email = freshEmail('provider-admin');
  const register = new RegisterPage(page);
  await register.open();
  await register.fill('Ada Admin', email, STRONG_PASSWORD);
  await register.submit();
  // Signing up confirms the address with a mailed code: two factors in this session.
  await new VerifyStep(page).completeFromMail(email);
  portico(info, ['admins', 'grant', email]);

  await page.goto('/admin/providers');
  await expect(page.getByRole('heading', { name: 'Sign-in providers' })).toBeVisible();
  await expect(page.getByTestId('admin-provider-row').filter({ hasText: 'Acme ID' })).toContainText('/federation/callback/acme');
  const slug = `gh${Date.now().toString(36)}`;
  await page.getByLabel('Provider', { exact: true }).selectOption('oidc');
  await page.getByLabel('Short name (in URLs, e.g. google)').fill(slug);
  await page.getByLabel('Client ID').fill('Iv1.example');
  await page.getByLabel('Client secret', { exact: true }).fill('a-secret-never-shown');
  await page.getByTestId('admin-provider-add-submit').click();
  await expect(page.getByTestId('admin-form-problems')).toContainText('discovery url');
  await expect(page.locator('#client_secret')).toHaveValue('');
  await snap(page, 'admin-providers-problem', info.project.name);

  await page.getByLabel('Provider', { exact: true }).selectOption('github');
  await page.getByLabel('Client secret', { exact: true }).fill('a-secret-never-shown');
  await page.getByTestId('admin-provider-add-submit').click();
  await expect(page.getByTestId('admin-notice')).toContainText('Provider added');
  const row = page.getByTestId('admin-provider-row').filter({ hasText: slug });
  await expect(row).toContainText('GitHub');
  await expect(row).toContainText(`/federation/callback/${slug}`);
  await snap(page, 'admin-providers', info.project.name);
  await row.getByTestId('admin-provider-remove').click();
  await expect(page.getByTestId('admin-notice')).toContainText('removed');
  await expect(page.getByTestId('admin-provider-row').filter({ hasText: slug })).toHaveCount(0);
});
