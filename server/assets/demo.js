// The demo app: a single-page OpenID Connect client (authorization code + PKCE, public
// client), written against the standards only — discovery, the authorization and token
// endpoints, UserInfo, refresh and RP-initiated logout. It keeps its tokens in this
// tab's sessionStorage. A real app would verify the ID token's signature with a
// library; this one checks issuer, audience, expiry and nonce and shows the claims.
(function () {
  'use strict';
  const config = JSON.parse(document.getElementById('demo-config').textContent);
  const $ = (id) => document.getElementById(id);
  const KEY = 'portico-demo';

  const b64url = (bytes) =>
    btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  const random = () => b64url(crypto.getRandomValues(new Uint8Array(32)));
  const sha256 = async (text) =>
    new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
  const decode = (jwt) => {
    const part = jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(part), (c) => c.charCodeAt(0))));
  };
  const load = () => JSON.parse(sessionStorage.getItem(KEY) || '{}');
  const save = (value) => sessionStorage.setItem(KEY, JSON.stringify(value));

  let metadata;
  async function discover() {
    if (!metadata) {
      const res = await fetch('/.well-known/openid-configuration');
      metadata = await res.json();
      if (metadata.issuer !== config.issuer) throw new Error('discovery: unexpected issuer');
    }
    return metadata;
  }

  function problem(text) {
    const box = $('problem');
    box.textContent = text;
    box.hidden = false;
  }

  function rows(target, entries) {
    target.replaceChildren();
    for (const [key, value] of entries) {
      const row = document.createElement('div');
      row.className = 'grid grid-cols-[8rem_1fr] gap-3 px-5 py-2.5';
      const dt = document.createElement('dt');
      dt.className = 'font-medium text-muted';
      dt.textContent = key;
      const dd = document.createElement('dd');
      dd.className = 'break-all text-ink';
      dd.textContent = typeof value === 'object' ? JSON.stringify(value) : String(value);
      row.append(dt, dd);
      target.append(row);
    }
  }

  async function signIn() {
    const meta = await discover();
    const pending = { verifier: random(), state: random(), nonce: random() };
    save({ pending });
    const challenge = b64url(await sha256(pending.verifier));
    const params = new URLSearchParams({
      response_type: 'code',
      client_id: config.client_id,
      redirect_uri: config.redirect_uri,
      scope: 'openid profile email offline_access',
      state: pending.state,
      nonce: pending.nonce,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    location.assign(`${meta.authorization_endpoint}?${params}`);
  }

  async function token(fields) {
    const meta = await discover();
    const res = await fetch(meta.token_endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: config.client_id, ...fields }),
    });
    const body = await res.json();
    if (!res.ok) throw new Error(`${body.error}: ${body.error_description}`);
    return body;
  }

  async function finishSignIn(query) {
    const { pending } = load();
    history.replaceState(null, '', '/demo');
    if (query.get('error')) throw new Error(`${query.get('error')}: ${query.get('error_description') || ''}`);
    if (!pending || query.get('state') !== pending.state) throw new Error('the answer does not belong to a sign-in started here');
    if (query.get('iss') !== config.issuer) throw new Error('the answer came from another issuer');
    const tokens = await token({
      grant_type: 'authorization_code',
      code: query.get('code'),
      redirect_uri: config.redirect_uri,
      code_verifier: pending.verifier,
    });
    const claims = decode(tokens.id_token);
    const now = Date.now() / 1000;
    if (claims.iss !== config.issuer || claims.aud !== config.client_id || claims.exp < now || claims.nonce !== pending.nonce) {
      throw new Error('the ID token did not check out');
    }
    save({ tokens, claims, received: now });
  }

  async function show() {
    const { tokens, claims, received } = load();
    if (!tokens) {
      $('signed-out').hidden = false;
      $('signed-in').hidden = true;
      return;
    }
    $('signed-out').hidden = true;
    $('signed-in').hidden = false;
    $('who').textContent = claims.name || claims.email || claims.sub;
    rows($('claims'), ['sub', 'email', 'email_verified', 'name', 'acr', 'amr', 'auth_time', 'sid']
      .filter((k) => claims[k] !== undefined)
      .map((k) => [k, k === 'auth_time' ? new Date(claims[k] * 1000).toISOString() : claims[k]]));
    const meta = await discover();
    const res = await fetch(meta.userinfo_endpoint, { headers: { Authorization: `Bearer ${tokens.access_token}` } });
    if (res.ok) {
      rows($('userinfo'), Object.entries(await res.json()));
    } else {
      rows($('userinfo'), [['status', `${res.status} — the access token is no longer valid`]]);
    }
    const left = Math.max(0, Math.round(received + tokens.expires_in - Date.now() / 1000));
    $('token-status').textContent = `Access token valid for ${Math.round(left / 60)} more minutes · refresh token ${tokens.refresh_token ? 'held (rotated on every use)' : 'none'}`;
  }

  async function refresh() {
    const state = load();
    const tokens = await token({ grant_type: 'refresh_token', refresh_token: state.tokens.refresh_token });
    // Signed out while the refresh was under way: keep nothing.
    if (!sessionStorage.getItem(KEY)) return;
    save({ ...state, tokens: { ...state.tokens, ...tokens }, received: Date.now() / 1000 });
    await show();
  }

  async function signOut() {
    const { tokens } = load();
    sessionStorage.removeItem(KEY);
    const meta = await discover();
    const params = new URLSearchParams({
      id_token_hint: tokens.id_token,
      post_logout_redirect_uri: config.redirect_uri,
    });
    location.assign(`${meta.end_session_endpoint}?${params}`);
  }

  const guard = (fn) => () => fn().catch((e) => problem(e.message));
  $('sign-in').addEventListener('click', guard(signIn));
  $('refresh').addEventListener('click', guard(refresh));
  $('sign-out').addEventListener('click', guard(signOut));

  (async () => {
    const query = new URLSearchParams(location.search);
    if (query.has('code') || query.has('error')) await finishSignIn(query);
    await show();
  })().catch((e) => {
    problem(e.message);
    $('signed-out').hidden = false;
  });
})();
