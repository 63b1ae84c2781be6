//! Portico's pages: Leptos components rendered on the server and hydrated in the browser,
//! and the server functions behind their forms.
//!
//! Server functions are thin: they take the request's tenant, browser and session from
//! context, make one call into `portico_identity`, and map the result to a view type or
//! an [`AppError`]. Every form is an `<ActionForm>` that also works without JavaScript:
//! errors are stored on the flow and the browser is sent back to `?flow=<id>`.

pub mod admin_api;
pub mod admin_providers_api;
pub mod admin_tenants_api;
pub mod api;
pub mod branding_api;
pub mod components;
pub mod error;
pub mod flow_page;
pub mod i18n;
#[cfg(feature = "ssr")]
pub mod messages;
pub mod oauth_api;
pub mod pages;
pub mod passkey_api;
#[cfg(feature = "ssr")]
pub mod plain_pages;
pub mod portal_api;
pub mod security_api;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod theme_check;
pub mod views;

use leptos::prelude::*;
use leptos_meta::{Title, provide_meta_context};
use leptos_router::components::{Redirect, Route, Router, Routes};
use leptos_router::{SsrMode, path};

pub use error::AppError;

/// Where a server function's redirect goes in a hydrated page. The router navigates
/// client-side within the app's own pages; anything else — the OpenID provider's
/// endpoints (`/oauth2/…`, back to an app), the demo app, another origin — is a full
/// page load, since the router does not know those paths.
mod navigation {
    use leptos::prelude::*;

    /// Whether `loc` is one of this app's client-side routes.
    #[cfg_attr(not(any(feature = "hydrate", test)), allow(dead_code))]
    pub fn is_app_path(loc: &str) -> bool {
        loc.starts_with('/')
            && !loc.starts_with("//")
            && !["/oauth2/", "/demo", "/api/", "/dev/mail/"]
                .iter()
                .any(|p| loc.starts_with(p))
    }

    #[cfg(feature = "hydrate")]
    type Navigate = std::rc::Rc<dyn Fn(&str)>;

    #[cfg(feature = "hydrate")]
    thread_local! {
        static NAVIGATE: std::cell::RefCell<Option<Navigate>> =
            const { std::cell::RefCell::new(None) };
    }

    /// Installs the hook before the router installs its own (the first one wins).
    pub fn install_redirect_hook() {
        #[cfg(feature = "hydrate")]
        let _ = server_fn::redirect::set_redirect_hook(|loc: &str| {
            let navigate = NAVIGATE.with(|n| n.borrow().clone());
            match navigate {
                Some(navigate) if is_app_path(loc) => {
                    let loc = loc.to_string();
                    // A tick later, so the action's value is set before the page moves.
                    request_animation_frame(move || navigate(&loc));
                }
                _ => {
                    let _ = window().location().set_href(loc);
                }
            }
        });
    }

    /// Lends the router's navigation to the hook (renders nothing).
    #[component]
    pub fn RouterBridge() -> impl IntoView {
        #[cfg(feature = "hydrate")]
        {
            let navigate = leptos_router::hooks::use_navigate();
            NAVIGATE.with(|n| {
                *n.borrow_mut() = Some(std::rc::Rc::new(move |loc: &str| {
                    navigate(loc, Default::default())
                }))
            });
        }
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn provider_paths_leave_the_app() {
            assert!(super::is_app_path("/account"));
            assert!(super::is_app_path("/login?flow=1"));
            assert!(!super::is_app_path("/oauth2/authorize/continue?request=1"));
            assert!(!super::is_app_path("/demo"));
            assert!(!super::is_app_path("https://app.example/cb"));
            assert!(!super::is_app_path("//evil.example"));
        }
    }
}

/// The HTML document around the app (server only).
#[cfg(feature = "ssr")]
pub fn shell(options: LeptosOptions) -> impl IntoView {
    use leptos_meta::MetaTags;
    let theme_css = ssr::theme_css();
    let setup = ssr::page_setup();
    let setup_json = serde_json::to_string(&setup)
        .unwrap_or_else(|_| "{}".into())
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026");
    let favicon = ssr::favicon_url();
    let nonce = leptos::nonce::use_nonce();
    view! {
        <!DOCTYPE html>
        <html lang=setup.lang.clone()>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light" />
                <script nonce=nonce.clone()>"document.documentElement.classList.add('js')"</script>
                <style nonce=nonce.clone() id="portico-theme">
                    {theme_css}
                </style>
                <script type="application/json" id="portico-page" inner_html=setup_json></script>
                <link rel="icon" href=favicon.0 type=favicon.1 />
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
    navigation::install_redirect_hook();
    provide_meta_context();
    // The language and brand the server chose, the same on both sides.
    #[cfg(feature = "ssr")]
    let setup = ssr::page_setup();
    #[cfg(not(feature = "ssr"))]
    let setup = i18n::setup_from_document();
    provide_context(i18n::I18n::new(&setup.lang, setup.copy));
    provide_context(setup.brand);
    // Marks the document once the browser has taken over (tests and styles can key on it).
    Effect::new(|_| {
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("data-hydrated", "true");
        }
    });
    view! {
        <leptos_meta::Stylesheet id="leptos" href="/pkg/portico.css" />
        <Title formatter=|title: String| format!("{title} · Portico") />
        <Router>
            <navigation::RouterBridge />
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
                    path=path!("/account/activity")
                    view=pages::activity::ActivityPage
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/account/email")
                    view=pages::email::EmailPage
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/account/email/confirm")
                    view=|| view! { <pages::email::EmailLinkPage mode="confirm" /> }
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/account/email/revert")
                    view=|| view! { <pages::email::EmailLinkPage mode="revert" /> }
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/account/privacy")
                    view=pages::privacy::PrivacyPage
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/account/export")
                    view=pages::privacy::ExportLinkPage
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/account/security/totp")
                    view=pages::security::TotpSetupPage
                    ssr=SsrMode::Async
                />
                <Route path=path!("/consent") view=pages::consent::ConsentPage ssr=SsrMode::Async />
                <Route path=path!("/admin") view=|| view! { <Redirect path="/admin/branding" /> } />
                <Route path=path!("/admin/branding") view=pages::admin::AdminBrandingPage ssr=SsrMode::Async />
                <Route path=path!("/admin/apps") view=pages::admin::AdminAppsPage ssr=SsrMode::Async />
                <Route path=path!("/admin/apps/:client_id") view=pages::admin::AdminAppPage ssr=SsrMode::Async />
                <Route path=path!("/admin/providers") view=pages::admin::AdminProvidersPage ssr=SsrMode::Async />
                <Route path=path!("/admin/tenants") view=pages::admin::AdminTenantsPage ssr=SsrMode::Async />
                <Route path=path!("/device") view=pages::device::DevicePage ssr=SsrMode::Async />
                <Route
                    path=path!("/security/report")
                    view=pages::report::ReportPage
                    ssr=SsrMode::Async
                />
            </Routes>
        </Router>
    }
}
