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
