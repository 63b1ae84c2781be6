//! Portico's pages: Leptos components rendered on the server and hydrated in the browser,
//! and the server functions behind their forms.
//!
//! Server functions are thin: they take the request's tenant, browser and session from
//! context, make one call into `portico_identity`, and map the result to a view type or
//! an [`AppError`]. Every form is an `<ActionForm>` that also works without JavaScript:
//! errors are stored on the flow and the browser is sent back to `?flow=<id>`.

pub mod api;
pub mod components;
pub mod error;
pub mod flow_page;
pub mod messages;
pub mod oauth_api;
pub mod pages;
pub mod passkey_api;
#[cfg(feature = "ssr")]
pub mod plain_pages;
pub mod security_api;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod views;

use leptos::prelude::*;
use leptos_meta::{Link, Title, provide_meta_context};
use leptos_router::components::{Redirect, Route, Router, Routes};
use leptos_router::{SsrMode, path};

pub use error::AppError;

/// The HTML document around the app (server only).
#[cfg(feature = "ssr")]
pub fn shell(options: LeptosOptions) -> impl IntoView {
    use leptos_meta::MetaTags;
    let theme_css = ssr::theme_css();
    let nonce = leptos::nonce::use_nonce();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light" />
                <script nonce=nonce.clone()>"document.documentElement.classList.add('js')"</script>
                <style nonce=nonce.clone() id="portico-theme">
                    {theme_css}
                </style>
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <script nonce=nonce src="/assets/passkeys.js" defer></script>
                <MetaTags />
            </head>
            <body class="bg-canvas text-ink font-brand antialiased">
                <App />
            </body>
        </html>
    }
}

/// The application: routes to every page.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Marks the document once the browser has taken over (tests and styles can key on it).
    Effect::new(|_| {
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("data-hydrated", "true");
        }
    });
    view! {
        <leptos_meta::Stylesheet id="leptos" href="/pkg/portico.css" />
        <Link rel="icon" type_="image/svg+xml" href="/favicon.svg" />
        <Title formatter=|title: String| format!("{title} · Portico") />
        <Router>
            <Routes fallback=pages::not_found::NotFound>
                <Route path=path!("/") view=|| view! { <Redirect path="/account" /> } />
                <Route path=path!("/login") view=pages::login::LoginPage ssr=SsrMode::Async />
                <Route
                    path=path!("/register")
                    view=pages::register::RegisterPage
                    ssr=SsrMode::Async
                />
                <Route path=path!("/recovery") view=pages::recovery::RecoveryPage ssr=SsrMode::Async />
                <Route path=path!("/recovery/reset") view=pages::reset::ResetPage ssr=SsrMode::Async />
                <Route
                    path=path!("/account/password")
                    view=pages::password::PasswordChangePage
                    ssr=SsrMode::Async
                />
                <Route path=path!("/verify") view=pages::verify::VerifyLinkPage ssr=SsrMode::Async />
                <Route path=path!("/dev/mail") view=pages::dev_mail::DevMailPage ssr=SsrMode::Async />
                <Route
                    path=path!("/account")
                    view=pages::account::AccountPage
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/account/security")
                    view=pages::security::SecurityPage
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/account/security/totp")
                    view=pages::security::TotpSetupPage
                    ssr=SsrMode::Async
                />
                <Route path=path!("/consent") view=pages::consent::ConsentPage ssr=SsrMode::Async />
                <Route
                    path=path!("/security/report")
                    view=pages::report::ReportPage
                    ssr=SsrMode::Async
                />
            </Routes>
        </Router>
    }
}
