// Single sign-on for the company's apps, in a real browser with a real client library:
// `openid-client` (unmodified; its only non-default setting is allowing plain http,
// since the test server is not on https) does discovery, the authorization code flow
// with PKCE, token exchange, ID-token validation against the JWKS, UserInfo, refresh
// rotation, revocation, introspection and logout, while Chromium signs the customer in.
// The "app" is a small HTTP server on 127.0.0.1 that receives the callback.
import { expect, test, type Page, type TestInfo } from '@playwright/test';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import { logoPng } from './images';
import { AccountPage, LoginPage, RegisterPage, STRONG_PASSWORD, VerifyStep, freshEmail, portico, snap } from './pages';

/** The app's own web server: it only records the callbacks it receives. */
async function appServer(): Promise<{ base: string; hits: URL[]; close: () => void }> {
  const hits: URL[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/favicon.ico') hits.push(url);
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>Shop</title><h1>Back at the shop</h1>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { base: `http://127.0.0.1:${port}`, hits, close: () => server.close() };
}

function registerApp(info: TestInfo, name: string, redirect: string, firstParty: boolean) {
  const args = ['apps', 'create', '--name', name, '--kind', 'web', '--redirect-uri', `${redirect}/callback`, '--post-logout-redirect-uri', `${redirect}/bye`];
  if (firstParty) args.push('--first-party');
  const out = portico(info, args);
  const id = out.match(/client_id:\s+(\S+)/)?.[1];
  const secret = out.match(/client_secret:\s+(\S+)/)?.[1];
  expect(id && secret, out).toBeTruthy();
  return { id: id!, secret: secret! };
}

async function signUp(page: Page, name: string, email: string) {
  const register = new RegisterPage(page);
  await register.open();
  await register.fill(name, email, STRONG_PASSWORD);
  await register.submit();
  await new VerifyStep(page).completeFromMail(email);
  await new AccountPage(page).expectSignedInAs(name, email);
}

async function discover(info: TestInfo, id: string, secret: string) {
  return oidc.discovery(new URL(info.project.use.baseURL!), id, secret, undefined, {
    execute: [oidc.allowInsecureRequests],
  });
}

/** Starts a sign-in at the app: the authorization URL and what the callback must match. */
async function authorization(config: oidc.Configuration, redirect: string, scope: string) {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: `${redirect}/callback`,
    scope,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  });
  return { url, verifier, state, nonce };
}

test('a company app signs a customer in with openid-client: code + PKCE, ID token, UserInfo, refresh rotation, revocation, logout', async ({ page }, info) => {
  test.setTimeout(120_000);
  const shop = await appServer();
  try {
    const app = registerApp(info, 'Northwind Shop', shop.base, true);
    const config = await discover(info, app.id, app.secret);
    expect(config.serverMetadata().issuer).toBe(info.project.use.baseURL);

    const email = freshEmail('sso');
    await signUp(page, 'Ada Lovelace', email);
    await new AccountPage(page).signOut();

    // The app sends the customer to sign in (with a login hint), and gets a code back.
    const start = await authorization(config, shop.base, 'openid email profile offline_access');
    start.url.searchParams.set('login_hint', email);
    await page.goto(start.url.href);
    await expect(page).toHaveURL(/\/login\?flow=/);
    await expect(page.getByLabel('Email')).toHaveValue(email);
    await snap(page, 'oidc-login-for-app', info.project.name);
    await page.getByLabel('Password').fill(STRONG_PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect(page.getByRole('heading', { name: 'Back at the shop' })).toBeVisible();
    const callback = shop.hits.at(-1)!;
    expect(callback.pathname).toBe('/callback');
    expect(callback.searchParams.get('iss')).toBe(info.project.use.baseURL);

    const tokens = await oidc.authorizationCodeGrant(config, new URL(`${shop.base}${callback.pathname}${callback.search}`), {
      pkceCodeVerifier: start.verifier,
      expectedState: start.state,
      expectedNonce: start.nonce,
    });
    const claims = tokens.claims()!;
    expect(claims.email).toBe(email);
    expect(claims.email_verified).toBe(true);
    expect(claims.name).toBe('Ada Lovelace');
    expect(claims.amr).toEqual(['pwd']);
    expect(typeof claims.sid).toBe('string');
    const profile = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
    expect(profile.email).toBe(email);

    // Refresh tokens rotate; an old one coming back revokes the family.
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.refresh_token).toBeTruthy();
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(oidc.refreshTokenGrant(config, refreshed.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await oidc.tokenIntrospection(config, refreshed.access_token)).active).toBe(false);

    // Signed in already: the next authorization goes straight back to the app.
    const again = await authorization(config, shop.base, 'openid offline_access');
    const before = shop.hits.length;
    await page.goto(again.url.href);
    await expect(page.getByRole('heading', { name: 'Back at the shop' })).toBeVisible();
    expect(shop.hits.length).toBe(before + 1);
    const hit = shop.hits.at(-1)!;
    const second = await oidc.authorizationCodeGrant(config, new URL(`${shop.base}${hit.pathname}${hit.search}`), {
      pkceCodeVerifier: again.verifier,
      expectedState: again.state,
      expectedNonce: again.nonce,
    });
    expect((await oidc.tokenIntrospection(config, second.access_token)).active).toBe(true);
    await oidc.tokenRevocation(config, second.refresh_token!);
    expect((await oidc.tokenIntrospection(config, second.access_token)).active).toBe(false);

    // RP-initiated logout: the session ends and the browser returns to the app.
    const logout = oidc.buildEndSessionUrl(config, {
      id_token_hint: second.id_token!,
      post_logout_redirect_uri: `${shop.base}/bye`,
      state: 'see-you',
    });
    await page.goto(logout.href);
    await expect(page.getByRole('heading', { name: 'Back at the shop' })).toBeVisible();
    expect(shop.hits.at(-1)!.pathname).toBe('/bye');
    expect(shop.hits.at(-1)!.searchParams.get('state')).toBe('see-you');
    await page.goto('/account');
    await expect(page).toHaveURL(/\/login\?/);
  } finally {
    shop.close();
  }
});

test('a third-party app asks for consent; the customer disconnects it from the account page', async ({ page }, info) => {
  test.setTimeout(120_000);
  const partner = await appServer();
  try {
    const app = registerApp(info, 'Partner Rewards', partner.base, false);
    const config = await discover(info, app.id, app.secret);
    const email = freshEmail('consent');
    await signUp(page, 'Grace Hopper', email);

    const start = await authorization(config, partner.base, 'openid email offline_access');
    await page.goto(start.url.href);
    await expect(page.getByTestId('consent-heading')).toHaveText('Partner Rewards wants to access your account');
    await expect(page.getByTestId('consent-scopes')).toContainText('See your email address');
    await snap(page, 'oidc-consent', info.project.name);
    await page.getByTestId('consent-allow').click();
    await expect(page.getByRole('heading', { name: 'Back at the shop' })).toBeVisible();
    const hit = partner.hits.at(-1)!;
    const tokens = await oidc.authorizationCodeGrant(config, new URL(`${partner.base}${hit.pathname}${hit.search}`), {
      pkceCodeVerifier: start.verifier,
      expectedState: start.state,
      expectedNonce: start.nonce,
    });
    expect(tokens.claims()!.email).toBe(email);

    // Connected apps on the account page; disconnecting revokes the app's tokens.
    await page.goto('/account');
    const connected = page.getByTestId('connected-app');
    await expect(connected).toContainText('Partner Rewards');
    await snap(page, 'account-connected-apps', info.project.name);
    await connected.getByTestId('disconnect-app').click();
    await expect(page.getByRole('status')).toContainText('The app was disconnected');
    await expect(page.getByTestId('connected-app')).toHaveCount(0);
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });

    // Next time it asks again.
    const next = await authorization(config, partner.base, 'openid');
    await page.goto(next.url.href);
    await expect(page.getByTestId('consent-heading')).toBeVisible();
    await page.getByTestId('consent-deny').click();
    await expect(page.getByRole('heading', { name: 'Back at the shop' })).toBeVisible();
    expect(partner.hits.at(-1)!.searchParams.get('error')).toBe('access_denied');
  } finally {
    partner.close();
  }
});

test('a request with an unregistered redirect URI is refused on a page, never redirected', async ({ page }, info) => {
  const partner = await appServer();
  try {
    const app = registerApp(info, 'Careful App', partner.base, true);
    const params = new URLSearchParams({
      response_type: 'code',
      client_id: app.id,
      scope: 'openid',
      redirect_uri: `${partner.base}/callback/../evil`,
    });
    const response = await page.goto(`/oauth2/authorize?${params}`);
    expect(response!.status()).toBe(400);
    await expect(page.getByRole('heading', { name: "We can't sign you in to this app" })).toBeVisible();
    await snap(page, 'oidc-bad-request', info.project.name);
    expect(partner.hits.length).toBe(0);
  } finally {
    partner.close();
  }
});

test('the demo app signs in through Portico, refreshes and signs out', async ({ page }, info) => {
  test.setTimeout(120_000);
  const email = freshEmail('demo');
  await signUp(page, 'Katherine Johnson', email);
  await page.goto('/demo');
  await page.getByTestId('demo-sign-out').waitFor({ state: 'attached' });
  await expect(page.getByTestId('demo-signed-out')).toBeVisible();
  await snap(page, 'demo-app-signed-out', info.project.name);
  await page.getByTestId('demo-sign-in').click();
  await expect(page.getByTestId('demo-signed-in')).toBeVisible();
  await expect(page.getByTestId('demo-who')).toHaveText('Katherine Johnson');
  await expect(page.getByTestId('demo-claims')).toContainText(email);
  await expect(page.getByTestId('demo-userinfo')).toContainText(email);
  await snap(page, 'demo-app-signed-in', info.project.name);
  // Wait for the refresh itself (the status line already says "rotated" before it).
  const refreshed = page.waitForResponse((r) => r.url().endsWith('/oauth2/token') && r.request().method() === 'POST');
  await page.getByTestId('demo-refresh').click();
  expect((await refreshed).status()).toBe(200);
  await expect(page.getByTestId('demo-token-status')).toContainText('rotated on every use');
  await page.getByTestId('demo-sign-out').click();
  await expect(page.getByTestId('demo-signed-out')).toBeVisible();
  await page.goto('/account');
  await expect(page).toHaveURL(/\/login\?/);
  // Signing in from the demo app when signed out goes through the login page.
  await page.goto('/demo');
  await page.getByTestId('demo-sign-in').click();
  await expect(page).toHaveURL(/\/login\?flow=/);
  await new LoginPage(page).signIn(email, STRONG_PASSWORD);
  await expect(page.getByTestId('demo-who')).toHaveText('Katherine Johnson');
});

test('a TV signs in with a code typed on a phone: the device flow, openid-client polling', async ({ page }, info) => {
  test.setTimeout(120_000);
  const out = portico(info, ['apps', 'create', '--name', 'Living Room TV', '--kind', 'device']);
  const id = out.match(/client_id:\s+(\S+)/)?.[1];
  expect(id, out).toBeTruthy();
  const config = await oidc.discovery(new URL(info.project.use.baseURL!), id!, undefined, oidc.None(), {
    execute: [oidc.allowInsecureRequests],
  });
  const email = freshEmail('tv');
  await signUp(page, 'Hedy Lamarr', email);

  const device = await oidc.initiateDeviceAuthorization(config, { scope: 'openid email offline_access' });
  expect(device.user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
  // The TV polls (honouring the interval) while the customer types the code.
  const polling = oidc.pollDeviceAuthorizationGrant(config, device);

  await page.goto('/device');
  await expect(page.getByRole('heading', { name: 'Sign in on your device' })).toBeVisible();
  await snap(page, 'device-enter-code', info.project.name);
  await page.getByLabel('Code').fill(device.user_code.toLowerCase());
  await page.getByTestId('device-continue').click();
  await expect(page.getByTestId('device-heading')).toHaveText('Sign in to Living Room TV?');
  await expect(page.getByTestId('device-user-code')).toHaveText(device.user_code);
  await snap(page, 'device-confirm', info.project.name);
  await page.getByTestId('device-approve').click();
  await expect(page.getByTestId('device-done')).toHaveText('Your device is signed in');

  const tokens = await polling;
  expect(tokens.claims()!.email).toBe(email);
  expect(tokens.refresh_token).toBeTruthy();
  const profile = await oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub);
  expect(profile.email).toBe(email);
});

test('an admin registers an app in the console, sees its secret once, edits and disables it', async ({ page }, info) => {
  test.setTimeout(120_000);
  const email = freshEmail('admin');
  // Signing up confirms the address with a mailed code: two factors in this session.
  await signUp(page, 'Ada Admin', email);
  await page.goto('/admin/apps');
  await expect(page.getByText("You don't have access to this page")).toBeVisible();
  portico(info, ['admins', 'grant', email]);

  await page.goto('/admin/apps');
  await expect(page.getByRole('heading', { name: 'Apps', exact: true })).toBeVisible();
  await page.getByLabel('Name').fill('Northwind Rewards');
  await page.getByLabel('Kind').selectOption('web');
  await page.getByLabel('Redirect URIs (one per line)').fill('https://rewards.example/*');
  await page.getByTestId('admin-app-create-submit').click();
  await expect(page.getByTestId('admin-form-problems')).toContainText('wildcard');
  await snap(page, 'admin-apps-problem', info.project.name);
  await page.getByLabel('Redirect URIs (one per line)').fill('https://rewards.example/callback');
  await page.getByTestId('admin-app-create-submit').click();

  await expect(page.getByTestId('admin-new-secret')).toBeVisible();
  const secret = await page.getByTestId('admin-secret-value').innerText();
  const clientId = await page.getByTestId('admin-client-id').innerText();
  expect(secret).toMatch(/^pcs_/);
  await snap(page, 'admin-app-created', info.project.name);
  // The secret works at the provider (introspection answers an authenticated client).
  const introspect = await fetch(`${info.project.use.baseURL}/oauth2/introspect`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'token=nothing',
  });
  expect(introspect.status).toBe(200);
  await page.reload();
  await expect(page.getByTestId('admin-new-secret')).toHaveCount(0);

  await page.getByLabel('Name').fill('Northwind Rewards Plus');
  await page.getByTestId('admin-app-save').click();
  await expect(page.getByRole('status')).toContainText('Your changes are saved');
  await expect(page.getByTestId('admin-app-name')).toHaveText('Northwind Rewards Plus');

  // Its own sign-in page: no password, its own colour. A sign-in started by the app
  // wears it; the password field is gone (and refused by the server, see the
  // integration test an_app_chooses_its_sign_in_methods_and_look).
  await page.getByTestId('app-password').uncheck();
  await page.getByLabel('Primary', { exact: true }).fill('#b91c1c');
  await page.getByTestId('app-sign-in-save').click();
  await expect(page.getByRole('status')).toContainText('The sign-in page is saved');
  // And its own logo, uploaded from the same section.
  await page.locator('#app-logo-file').setInputFiles({ name: 'rewards.png', mimeType: 'image/png', buffer: logoPng() });
  await page.getByTestId('app-logo-upload').click();
  await expect(page.getByRole('status')).toContainText('The sign-in page is saved');
  await expect(page.getByTestId('app-logo-preview')).toBeVisible();
  await snap(page, 'admin-app-sign-in', info.project.name);
  const visitorContext = await page.context().browser()!.newContext({ baseURL: info.project.use.baseURL });
  const visitor = await visitorContext.newPage();
  await visitor.goto(
    `/oauth2/authorize?response_type=code&scope=openid&client_id=${clientId}&redirect_uri=${encodeURIComponent('https://rewards.example/callback')}` +
      '&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256&state=s',
  );
  await expect(visitor.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await expect(visitor.locator('#field-password')).toHaveCount(0);
  const primary = await visitor.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--portico-primary').trim());
  expect(primary).toBe('#b91c1c');
  const logo = visitor.getByTestId('brand-logo');
  await expect(logo).toBeVisible();
  expect(await logo.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(240);
  await snap(visitor, 'app-sign-in-page', info.project.name);
  await visitorContext.close();

  await page.getByTestId('admin-toggle-app').click();
  await expect(page.getByTestId('admin-app-status')).toHaveText('Disabled');
  await page.goto('/admin/apps');
  await expect(page.getByTestId('admin-app-row').filter({ hasText: 'Northwind Rewards Plus' })).toContainText('Disabled');
  await snap(page, 'admin-apps', info.project.name);

  // The default tenant's admins also see the tenants.
  await page.getByRole('link', { name: 'Tenants' }).click();
  await expect(page.getByRole('heading', { name: 'Tenants', exact: true })).toBeVisible();
  await expect(page.getByTestId('tenant-row').first()).toContainText('Northwind Outfitters');
  await page.getByLabel('Slug').fill('Not A Slug');
  await page.getByTestId('tenant-create-submit').click();
  await expect(page.getByTestId('admin-form-problems')).toContainText('slug');
  await snap(page, 'admin-tenants', info.project.name);
});
