use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::SignOut;
use crate::components::{AuthLayout, Footer, LoadError, Loading, PRIMARY_BUTTON};
use crate::i18n::{t, tf};
use crate::pages::account::{Header, PortalNav};
use crate::portal_api::{export_link, privacy_settings};
use crate::views::PrivacyView;

/// `/account/privacy`: a copy of everything held about the account.
#[component]
pub fn PrivacyPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| privacy_settings());
    let sign_out = ServerAction::<SignOut>::new();
    let query = use_query_map();
    // A fixed set of ids: nothing from the URL is shown as text.
    let notice = move || {
        query.read().get("notice").and_then(|n| match n.as_str() {
            "export_sent" => Some(t("privacy.notice.export_sent")),
            _ => None,
        })
    };
    let problem = move || {
        query
            .read()
            .get("error")
            .filter(|p| p == "csrf")
            .map(|_| t("email.problem.csrf"))
    };
    view! {
        <Title text=t("privacy.title") />
        <div class="flex min-h-screen flex-col">
            <Suspense fallback=|| view! { <Header csrf_token=None sign_out=None /> }>
                {move || {
                    let (notice, problem) = (notice(), problem());
                    Suspend::new(async move {
                        match data.await {
                            Ok(view) => view! {
                                <Header csrf_token=Some(view.csrf_token.clone()) sign_out=Some(sign_out) />
                                <PrivacyBody view notice problem />
                            }.into_any(),
                            Err(error) => view! {
                                <Header csrf_token=None sign_out=None />
                                <main class="mx-auto w-full max-w-3xl flex-1 px-4 py-10"><LoadError error /></main>
                            }.into_any(),
                        }
                    })
                }}
            </Suspense>
            <Footer />
        </div>
    }
}

#[component]
fn PrivacyBody(
    view: PrivacyView,
    notice: Option<String>,
    problem: Option<String>,
) -> impl IntoView {
    view! {
        <main class="mx-auto w-full max-w-3xl flex-1 px-4 py-10">
            <PortalNav current="/account/privacy" />
            <h1 class="mt-6 text-[28px] font-semibold leading-9 tracking-tight">{t("privacy.title")}</h1>
            <p class="mt-1 max-w-2xl text-[15px] text-muted">{t("privacy.lead")}</p>
            {notice.map(|text| view! {
                <div role="status" data-testid="privacy-notice" class="mt-6 rounded-brand border border-success/25 bg-success/[0.07] px-4 py-3 text-sm text-ink">{text}</div>
            })}
            {problem.map(|text| view! {
                <div role="alert" data-testid="privacy-problem" class="mt-6 rounded-brand border border-danger/25 bg-danger/[0.06] px-4 py-3 text-sm text-ink">{text}</div>
            })}
            <section aria-labelledby="export-heading" class="mt-6 rounded-brand border border-line bg-surface px-6 py-5 shadow-[0_1px_2px_rgba(16,24,40,0.04)]">
                <div class="flex items-start gap-4">
                    <div class="flex h-10 w-10 shrink-0 items-center justify-center rounded-full bg-brand/10 text-brand">
                        <svg aria-hidden="true" viewBox="0 0 24 24" class="h-5 w-5" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round"><path d="M12 4v11m0 0-4-4m4 4 4-4M5 19h14" /></svg>
                    </div>
                    <div class="min-w-0 flex-1">
                        <h2 id="export-heading" class="text-base font-semibold">{t("privacy.export_title")}</h2>
                        <p class="mt-1 text-sm leading-6 text-muted">{t("privacy.export_lead")}</p>
                        <p class="mt-2 text-sm leading-6 text-muted">{tf("privacy.export_how", &[("email", &view.email)])}</p>
                        {view.needs_reauth.then(|| view! {
                            <p data-testid="privacy-reauth-hint" class="mt-2 text-sm text-muted">{t("privacy.reauth_hint")}</p>
                        })}
                        <form method="post" action="/api/account/export" class="mt-4">
                            <input type="hidden" name="csrf_token" value=view.csrf_token.clone() />
                            <button type="submit" data-testid="export-request" class=PRIMARY_BUTTON>{t("privacy.export_button")}</button>
                        </form>
                    </div>
                </div>
            </section>
        </main>
    }
    .into_any()
}

/// `/account/export?token=…`: the link from the "your data is ready" mail. Opening it
/// only shows the button; the download uses the link, once.
#[component]
pub fn ExportLinkPage() -> impl IntoView {
    let query = use_query_map();
    let state = Resource::new(
        move || {
            let q = query.read();
            (
                q.get("token").unwrap_or_default(),
                q.get("result").unwrap_or_default(),
            )
        },
        |(token, result)| export_link(token, result),
    );
    let token = move || query.read_untracked().get("token").unwrap_or_default();
    view! {
        <Title text=t("privacy.export_title") />
        <AuthLayout>
            <Suspense fallback=Loading>
                {move || Suspend::new(async move {
                    match state.await.as_deref() {
                        Ok("open") => view! {
                            <h1 class="text-[26px] font-semibold leading-8 tracking-tight">{t("privacy.download_title")}</h1>
                            <p class="mt-2 text-[15px] leading-6 text-muted">{t("privacy.download_lead")}</p>
                            <form method="post" action="/account/export/download" class="mt-6" data-testid="export-download-form">
                                <input type="hidden" name="token" value=token() />
                                <button type="submit" data-testid="export-download" class=format!("w-full {PRIMARY_BUTTON} py-2.5 text-[15px]")>
                                    {t("privacy.download_button")}
                                </button>
                            </form>
                            <p class="mt-4 text-center text-sm text-muted">{t("privacy.download_once")}</p>
                        }.into_any(),
                        Ok(other) => view! {
                            <h1 data-testid="export-link-result" data-state=other.to_string() class="text-[26px] font-semibold leading-8 tracking-tight">
                                {if other == "failed" { t("privacy.download_failed") } else { t("email.link_invalid") }}
                            </h1>
                            <p class="mt-2 text-[15px] leading-6 text-muted">{t("privacy.download_invalid_lead")}</p>
                            <a href="/account/privacy" rel="external" class=format!("mt-7 w-full {PRIMARY_BUTTON} py-2.5 text-[15px]")>{t("privacy.ask_again")}</a>
                        }.into_any(),
                        Err(error) => view! { <LoadError error=error.clone() /> }.into_any(),
                    }
                })}
            </Suspense>
        </AuthLayout>
    }
}
