//! The few pages the OpenID provider answers with outside the app's routes — plain
//! HTML in the tenant's brand, no hydration: a problem with an app's request (never
//! redirected to an unverified address), the form-post answer, and the sign-out pages.
//! They live here so the stylesheet's scan sees their classes.

use crate::ssr::{escape_html, notice_page};

const PRIMARY_BUTTON: &str = "mt-7 inline-flex w-full items-center justify-center rounded-brand bg-brand px-4 py-2.5 text-[15px] font-semibold text-on-brand hover:brightness-110 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand";
const SECONDARY_BUTTON: &str = "mt-3 inline-flex w-full items-center justify-center rounded-brand border border-line bg-surface px-4 py-2.5 text-[15px] font-semibold text-ink hover:bg-canvas";

/// The tenant's look, for every page here.
pub struct Look<'a> {
    pub brand: &'a str,
    pub theme_css: &'a str,
    pub nonce: &'a str,
}

/// An app sent the customer here with a request Portico cannot answer safely.
pub fn authorize_problem(look: &Look, problem: &str, code: &str) -> String {
    notice_page(
        look.brand,
        look.theme_css,
        look.nonce,
        "We can't sign you in to this app",
        &format!(
            r#"<p class="mt-2 text-[15px] leading-6 text-muted" role="alert">The app that sent you here made a request we can't accept: {problem}.</p>
<p class="mt-3 text-sm leading-6 text-muted">Go back to the app and try again. If it keeps happening, let the app's support team know (error: <code class="rounded bg-canvas px-1 py-0.5 text-[13px] text-ink">{code}</code>).</p>
<a href="/account" class="{SECONDARY_BUTTON}">Go to your account</a>"#,
            problem = escape_html(problem),
            code = escape_html(code),
        ),
    )
}

/// A provider's answer that could not be accepted (unknown, used or expired state;
/// another browser; another provider or issuer). Nothing was changed.
pub fn federation_refused(look: &Look, code: &str) -> String {
    notice_page(
        look.brand,
        look.theme_css,
        look.nonce,
        "That sign-in didn't go through",
        &format!(
            r#"<p class="mt-2 text-[15px] leading-6 text-muted" role="alert">The answer from the sign-in provider had expired, was already used, or didn't start in this browser, so we didn't act on it.</p>
<p class="mt-3 text-sm leading-6 text-muted">Please start again from the sign-in page (error: <code class="rounded bg-canvas px-1 py-0.5 text-[13px] text-ink">{code}</code>).</p>
<a href="/login" data-testid="back-to-sign-in" class="{PRIMARY_BUTTON}">Back to sign in</a>"#,
            code = escape_html(code),
        ),
    )
}

/// The form-post answer (OAuth 2.0 Form Post Response Mode): posts the parameters to
/// the app's redirect URI, at once with JavaScript, with a button without.
pub fn form_post(look: &Look, action: &str, params: &[(&str, &str)]) -> String {
    let fields: String = params
        .iter()
        .map(|(k, v)| {
            format!(
                r#"<input type="hidden" name="{}" value="{}">"#,
                escape_html(k),
                escape_html(v)
            )
        })
        .collect();
    let body = format!(
        r#"<p class="mt-2 text-[15px] leading-6 text-muted">Taking you back to the app…</p>
<form method="post" action="{action}" id="answer">{fields}<noscript><button type="submit" class="{PRIMARY_BUTTON}">Continue</button></noscript></form>
<script nonce="{nonce}">document.getElementById("answer").submit();</script>"#,
        action = escape_html(action),
        nonce = escape_html(look.nonce),
    );
    notice_page(look.brand, look.theme_css, look.nonce, "Signed in", &body)
}

/// Asks a signed-in customer to confirm signing out (an app asked without proving
/// which session it meant).
pub fn confirm_sign_out(look: &Look, csrf_token: &str, hidden: &[(&str, &str)]) -> String {
    let fields: String = hidden
        .iter()
        .map(|(k, v)| {
            format!(
                r#"<input type="hidden" name="{}" value="{}">"#,
                escape_html(k),
                escape_html(v)
            )
        })
        .collect();
    notice_page(
        look.brand,
        look.theme_css,
        look.nonce,
        "Sign out?",
        &format!(
            r#"<p class="mt-2 text-[15px] leading-6 text-muted">An app asked to sign you out of {brand}. You'll need to sign in again next time.</p>
<form method="post" action="/oauth2/logout"><input type="hidden" name="csrf_token" value="{csrf}"><input type="hidden" name="confirm" value="yes">{fields}<button type="submit" class="{PRIMARY_BUTTON}">Sign out</button></form>
<a href="/account" class="{SECONDARY_BUTTON}">Stay signed in</a>"#,
            brand = escape_html(look.brand),
            csrf = escape_html(csrf_token),
        ),
    )
}

/// After a sign-out with nowhere registered to go back to.
pub fn signed_out(look: &Look) -> String {
    notice_page(
        look.brand,
        look.theme_css,
        look.nonce,
        "You're signed out",
        &format!(
            r#"<p class="mt-2 text-[15px] leading-6 text-muted" role="status">You've been signed out of {brand}. You can close this window.</p>
<a href="/login" class="{PRIMARY_BUTTON}">Sign in again</a>"#,
            brand = escape_html(look.brand),
        ),
    )
}

/// The demo app at `/demo`: a small single-page app that signs in through this
/// tenant's OpenID provider (authorization code + PKCE, as a public client), shows what
/// it learnt, refreshes its tokens and signs out. Its script is `/assets/demo.js`.
pub fn demo_app(look: &Look, issuer: &str, client_id: &str) -> String {
    let config = serde_json::json!({
        "issuer": issuer,
        "client_id": client_id,
        "redirect_uri": format!("{issuer}/demo"),
    })
    .to_string()
    .replace('<', "\\u003c");
    format!(
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Demo app · {brand}</title><link rel="stylesheet" href="/pkg/portico.css"><link rel="icon" href="/favicon.svg" type="image/svg+xml"><style nonce="{nonce}">{theme}</style>
<script type="application/json" id="demo-config">{config}</script><script src="/assets/demo.js" defer></script></head>
<body class="bg-canvas text-ink font-brand antialiased">
<header class="border-b border-line bg-surface"><div class="mx-auto flex h-16 w-full max-w-3xl items-center justify-between px-4">
<span class="flex items-center gap-2.5"><span aria-hidden="true" class="inline-flex h-8 w-8 items-center justify-center rounded-brand bg-ink text-sm font-semibold text-surface">D</span><span class="text-[15px] font-semibold tracking-tight">Demo app</span></span>
<span class="rounded-full bg-line/60 px-2.5 py-1 text-xs font-medium text-muted">OpenID Connect client · PKCE</span></div></header>
<main class="mx-auto w-full max-w-3xl px-4 py-10">
<section id="signed-out" data-testid="demo-signed-out" class="rounded-brand border border-line bg-surface px-6 py-8 text-center shadow-[0_1px_2px_rgba(16,24,40,0.04)]" hidden>
<h1 class="text-[26px] font-semibold leading-8 tracking-tight">A company app, signing in through {brand}</h1>
<p class="mx-auto mt-2 max-w-md text-[15px] leading-6 text-muted">This page is a separate application. It sends you to {brand} to sign in and gets back an ID token, an access token and a refresh token.</p>
<button type="button" id="sign-in" data-testid="demo-sign-in" class="{PRIMARY_BUTTON} sm:w-auto sm:px-6">Sign in with {brand}</button>
</section>
<section id="signed-in" data-testid="demo-signed-in" hidden>
<h1 class="text-[26px] font-semibold leading-8 tracking-tight">Hello, <span id="who" data-testid="demo-who"></span></h1>
<p class="mt-1 text-[15px] text-muted">Signed in through {brand}. This is what the app received.</p>
<div class="mt-6 grid gap-6 sm:grid-cols-2">
<div class="rounded-brand border border-line bg-surface shadow-[0_1px_2px_rgba(16,24,40,0.04)]"><h2 class="border-b border-line px-5 py-3 text-sm font-semibold">ID token (verified claims)</h2><dl id="claims" data-testid="demo-claims" class="divide-y divide-line text-sm"></dl></div>
<div class="rounded-brand border border-line bg-surface shadow-[0_1px_2px_rgba(16,24,40,0.04)]"><h2 class="border-b border-line px-5 py-3 text-sm font-semibold">UserInfo</h2><dl id="userinfo" data-testid="demo-userinfo" class="divide-y divide-line text-sm"></dl></div>
</div>
<p class="mt-6 text-sm text-muted" id="token-status" data-testid="demo-token-status"></p>
<div class="mt-4 flex flex-wrap gap-3">
<button type="button" id="refresh" data-testid="demo-refresh" class="rounded-brand border border-line bg-surface px-3.5 py-2 text-sm font-semibold text-ink shadow-sm transition hover:bg-canvas">Refresh tokens</button>
<button type="button" id="sign-out" data-testid="demo-sign-out" class="rounded-brand bg-ink px-3.5 py-2 text-sm font-semibold text-surface shadow-sm transition hover:brightness-125">Sign out everywhere</button>
</div>
</section>
<div id="problem" role="alert" data-testid="demo-problem" class="mt-6 rounded-brand border border-danger/25 bg-danger/[0.06] px-4 py-3 text-sm text-ink" hidden></div>
<noscript><p class="rounded-brand border border-line bg-surface px-4 py-3 text-sm">The demo app is a single-page app: it needs JavaScript.</p></noscript>
</main></body></html>"#,
        brand = escape_html(look.brand),
        nonce = escape_html(look.nonce),
        theme = look.theme_css,
    )
}

/// Sends the browser on to `target` (an app's redirect URI) with a page instead of a
/// redirect. Used where the browser arrives from one of Portico's own form posts:
/// `form-action 'self'` also governs the redirects after a form submission, so a
/// redirect chain from a form to the app would be blocked; a page that navigates
/// onwards is not a form submission. Works without JavaScript (meta refresh).
pub fn continue_to(look: &Look, target: &str) -> String {
    redirect_page(look, target, "Signed in", "Taking you back to the app…")
}

/// A page that sends the browser on to `target` at once (a refresh), with a link for
/// browsers that do not follow it: how a form post leads to another origin, which
/// the pages' CSP (`form-action 'self'`) would not allow as a redirect.
pub fn redirect_page(look: &Look, target: &str, title: &str, text: &str) -> String {
    let target = escape_html(target);
    let body = format!(
        r#"<p class="mt-2 text-[15px] leading-6 text-muted" role="status">{text}</p>
<a href="{target}" data-testid="continue-link" class="{PRIMARY_BUTTON}">Continue</a>"#,
        text = escape_html(text)
    );
    notice_page(look.brand, look.theme_css, look.nonce, title, &body).replacen(
        "<meta charset=\"utf-8\">",
        &format!(
            "<meta charset=\"utf-8\"><meta http-equiv=\"refresh\" content=\"0;url={target}\">"
        ),
        1,
    )
}
