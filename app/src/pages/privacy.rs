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
            "deletion_cancelled" => Some(t("privacy.notice.deletion_cancelled")),
            _ => None,
        })
    };
    let problem = move || {
        query.read().get("error").and_then(|p| match p.as_str() {
            "csrf" => Some(("", t("email.problem.csrf"))),
            "delete_confirm" => Some(("confirm", t("privacy.problem.delete_confirm"))),
            _ => None,
        })
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
    problem: Option<(&'static str, String)>,
) -> impl IntoView {
    let confirm_error = problem
        .clone()
        .filter(|(f, _)| *f == "confirm")
        .map(|(_, m)| m);
    let problem = problem.filter(|(f, _)| f.is_empty()).map(|(_, m)| m);
    if let Some(date) = view.deletion_on.clone() {
        return view! {
            <main class="mx-auto w-full max-w-3xl flex-1 px-4 py-10">
                <PortalNav current="/account/privacy" />
                {notice.map(|text| view! {
                    <div role="status" data-testid="privacy-notice" class="mt-6 rounded-brand border border-success/25 bg-success/[0.07] px-4 py-3 text-sm text-ink">{text}</div>
                })}
                <section aria-labelledby="pending-deletion-heading" data-testid="deletion-pending" class="mt-8 rounded-brand border-2 border-danger/30 bg-surface px-6 py-6 shadow-sm">
                    <h1 id="pending-deletion-heading" class="text-[24px] font-semibold leading-8 tracking-tight">{tf("privacy.pending_title", &[("date", &date)])}</h1>
                    <p class="mt-2 text-[15px] leading-6 text-muted">{t("privacy.pending_lead")}</p>
                    <form method="post" action="/api/account/keep" class="mt-5">
                        <input type="hidden" name="csrf_token" value=view.csrf_token.clone() />
                        <button type="submit" data-testid="deletion-keep" class=PRIMARY_BUTTON>{t("privacy.keep_button")}</button>
                    </form>
                </section>
            </main>
        }
        .into_any();
    }
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
            <ExportSection view=view.clone() />
            <DeleteSection view confirm_error />
        </main>
    }
    .into_any()
}

#[component]
fn ExportSection(view: PrivacyView) -> impl IntoView {
    view! {
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
    }
    .into_any()
}

#[component]
fn DeleteSection(view: PrivacyView, confirm_error: Option<String>) -> impl IntoView {
    let invalid = confirm_error.is_some();
    view! {
        <section id="delete" aria-labelledby="delete-heading" class="mt-6 rounded-brand border border-danger/30 bg-surface px-6 py-5 shadow-[0_1px_2px_rgba(16,24,40,0.04)]">
            <div class="flex items-start gap-4">
                <div class="flex h-10 w-10 shrink-0 items-center justify-center rounded-full bg-danger/10 text-danger">
                    <svg aria-hidden="true" viewBox="0 0 24 24" class="h-5 w-5" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round"><path d="M4 7h16M10 11v6M14 11v6M6 7l1 12a2 2 0 0 0 2 2h6a2 2 0 0 0 2-2l1-12M9 7V4h6v3" /></svg>
                </div>
                <div class="min-w-0 flex-1">
                    <h2 id="delete-heading" class="text-base font-semibold">{t("privacy.delete_title")}</h2>
                    <p class="mt-1 text-sm leading-6 text-muted">{tf("privacy.delete_lead", &[("days", &view.grace_days.to_string())])}</p>
                    {view.needs_reauth.then(|| view! {
                        <p class="mt-2 text-sm text-muted">{t("privacy.reauth_hint")}</p>
                    })}
                    <form method="post" action="/api/account/delete" class="mt-4" data-testid="delete-form" novalidate>
                        <input type="hidden" name="csrf_token" value=view.csrf_token.clone() />
                        <label for="field-confirm" class="mb-1.5 block text-sm font-medium text-ink">
                            {tf("privacy.delete_confirm_label", &[("email", &view.email)])}
                        </label>
                        <div class="flex flex-col gap-3 sm:flex-row sm:items-start">
                            <div class="flex-1">
                                <input
                                    id="field-confirm"
                                    name="confirm"
                                    type="text"
                                    autocomplete="off"
                                    spellcheck="false"
                                    required
                                    maxlength="254"
                                    aria-invalid=if invalid { "true" } else { "false" }
                                    aria-describedby=invalid.then_some("field-confirm-error")
                                    class=format!("block w-full rounded-brand border bg-surface px-3.5 py-2 text-[15px] text-ink shadow-sm outline-none focus:ring-4 {}", if invalid { "border-danger focus:ring-danger/20" } else { "border-line focus:border-danger focus:ring-danger/15" })
                                />
                                {confirm_error.map(|m| view! { <p id="field-confirm-error" data-testid="delete-error" class="mt-1.5 text-[13px] text-danger">{m}</p> })}
                            </div>
                            <button type="submit" data-testid="delete-submit" class="inline-flex items-center justify-center rounded-brand bg-danger px-4 py-2 text-sm font-semibold text-white shadow-sm transition hover:brightness-110 focus-visible:outline-none focus-visible:ring-4 focus-visible:ring-danger/30">
                                {t("privacy.delete_button")}
                            </button>
                        </div>
                    </form>
                </div>
            </div>
        </section>
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
