use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::SignOut;
use crate::components::{AuthLayout, Footer, LoadError, Loading, PRIMARY_BUTTON, SECONDARY_BUTTON};
use crate::i18n::{t, tf};
use crate::pages::account::{Header, PortalNav};
use crate::portal_api::{email_link, email_settings};
use crate::views::EmailView;

/// `/account/email`: the account's address, a change waiting for its confirmation,
/// and the form that starts one.
#[component]
pub fn EmailPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| email_settings());
    let sign_out = ServerAction::<SignOut>::new();
    let query = use_query_map();
    // Fixed sets of ids: nothing from the URL is shown as text.
    let notice = move || {
        query.read().get("notice").and_then(|n| match n.as_str() {
            "email_sent" | "email_cancelled" => Some(t(&format!("email.notice.{n}"))),
            _ => None,
        })
    };
    let problem = move || {
        query.read().get("error").and_then(|p| match p.as_str() {
            "email_unchanged" | "email_empty" | "email_too_long" | "email_invalid" => {
                Some(("email", t(&format!("email.problem.{p}"))))
            }
            "nothing_pending" | "csrf" => Some(("", t(&format!("email.problem.{p}")))),
            _ => None,
        })
    };
    view! {
        <Title text=t("email.title") />
        <div class="flex min-h-screen flex-col">
            <Suspense fallback=|| view! { <Header csrf_token=None sign_out=None /> }>
                {move || {
                    let (notice, problem) = (notice(), problem());
                    Suspend::new(async move {
                        match data.await {
                            Ok(view) => view! {
                                <Header csrf_token=Some(view.csrf_token.clone()) sign_out=Some(sign_out) />
                                <EmailBody view notice problem />
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
fn EmailBody(
    view: EmailView,
    notice: Option<String>,
    problem: Option<(&'static str, String)>,
) -> impl IntoView {
    let field_error = problem
        .clone()
        .filter(|(f, _)| *f == "email")
        .map(|(_, m)| m);
    let general = problem.filter(|(f, _)| f.is_empty()).map(|(_, m)| m);
    let invalid = field_error.is_some();
    let csrf = view.csrf_token.clone();
    view! {
        <main class="mx-auto w-full max-w-3xl flex-1 px-4 py-10">
            <PortalNav current="/account" />
            <h1 class="mt-6 text-[28px] font-semibold leading-9 tracking-tight">{t("email.title")}</h1>
            <p class="mt-1 max-w-2xl text-[15px] text-muted">{t("email.lead")}</p>
            {notice.map(|text| view! {
                <div role="status" data-testid="email-notice" class="mt-6 rounded-brand border border-success/25 bg-success/[0.07] px-4 py-3 text-sm text-ink">{text}</div>
            })}
            {general.map(|text| view! {
                <div role="alert" data-testid="email-problem" class="mt-6 rounded-brand border border-danger/25 bg-danger/[0.06] px-4 py-3 text-sm text-ink">{text}</div>
            })}
            <section aria-labelledby="current-heading" class="mt-6 rounded-brand border border-line bg-surface px-6 py-5 shadow-[0_1px_2px_rgba(16,24,40,0.04)]">
                <h2 id="current-heading" class="text-sm font-medium text-muted">{t("email.current")}</h2>
                <p class="mt-1 flex flex-wrap items-center gap-2 text-[17px] font-semibold text-ink">
                    <span data-testid="email-current" class="break-all">{view.email.clone()}</span>
                    {if view.verified {
                        view! { <span class="rounded-full bg-success/10 px-2 py-0.5 text-xs font-medium text-success">{t("account.verified")}</span> }.into_any()
                    } else {
                        view! { <span class="rounded-full bg-line/60 px-2 py-0.5 text-xs font-medium text-muted">{t("account.not_verified")}</span> }.into_any()
                    }}
                </p>
            </section>
            {view.pending.clone().map(|address| {
                let csrf = csrf.clone();
                view! {
                    <section aria-labelledby="pending-heading" data-testid="email-pending" class="mt-4 rounded-brand border border-brand/30 bg-brand/[0.04] px-6 py-5">
                        <h2 id="pending-heading" class="text-sm font-semibold text-ink">{t("email.pending_title")}</h2>
                        <p class="mt-1 text-[15px] leading-6 text-muted">
                            {tf("email.pending_lead", &[("address", &address), ("until", &view.pending_until)])}
                        </p>
                        <form method="post" action="/api/account/email/cancel" class="mt-3">
                            <input type="hidden" name="csrf_token" value=csrf />
                            <button type="submit" data-testid="email-cancel" class=SECONDARY_BUTTON>{t("email.cancel")}</button>
                        </form>
                    </section>
                }
            })}
            <section aria-labelledby="change-heading" class="mt-6 rounded-brand border border-line bg-surface px-6 py-5 shadow-[0_1px_2px_rgba(16,24,40,0.04)]">
                <h2 id="change-heading" class="text-base font-semibold">{t("email.change_title")}</h2>
                <p class="mt-1 text-sm leading-6 text-muted">{t("email.change_lead")}</p>
                {view.needs_reauth.then(|| view! {
                    <p data-testid="email-reauth-hint" class="mt-3 flex items-start gap-2 text-sm text-muted">
                        <svg aria-hidden="true" viewBox="0 0 20 20" class="mt-0.5 h-4 w-4 shrink-0 fill-current"><path d="M10 1.5 3.5 4v5c0 4 2.8 7.6 6.5 9 3.7-1.4 6.5-5 6.5-9V4zM9.2 13.6 6 10.4l1.1-1.1 2.1 2.1 4-4 1.1 1.1z" /></svg>
                        {t("email.reauth_hint")}
                    </p>
                })}
                <form method="post" action="/api/account/email" class="mt-4 flex flex-col gap-3 sm:flex-row sm:items-start" data-testid="email-form" novalidate>
                    <input type="hidden" name="csrf_token" value=view.csrf_token.clone() />
                    <div class="flex-1">
                        <label for="field-email" class="sr-only">{t("email.new_label")}</label>
                        <input
                            id="field-email"
                            name="email"
                            type="email"
                            autocomplete="email"
                            required
                            maxlength="254"
                            placeholder=t("email.new_label")
                            aria-invalid=if invalid { "true" } else { "false" }
                            aria-describedby=invalid.then_some("field-email-error")
                            class=format!("block w-full rounded-brand border bg-surface px-3.5 py-2 text-[15px] text-ink shadow-sm outline-none focus:ring-4 {}", if invalid { "border-danger focus:ring-danger/20" } else { "border-line focus:border-brand focus:ring-brand/20" })
                        />
                        {field_error.map(|m| view! { <p id="field-email-error" data-testid="email-error" class="mt-1.5 text-[13px] text-danger">{m}</p> })}
                    </div>
                    <button type="submit" data-testid="email-submit" class=PRIMARY_BUTTON>{t("email.submit")}</button>
                </form>
            </section>
        </main>
    }
    .into_any()
}

/// `/account/email/confirm?token=…` and `/account/email/revert?token=…`: the links of
/// an email change. Opening one only shows what it does; its button acts.
#[component]
pub fn EmailLinkPage(#[prop(into)] mode: String) -> impl IntoView {
    let query = use_query_map();
    let m = mode.clone();
    let result = Resource::new(
        move || {
            let q = query.read();
            (
                m.clone(),
                q.get("token").unwrap_or_default(),
                q.get("result").unwrap_or_default(),
            )
        },
        |(mode, token, result)| email_link(mode, token, result),
    );
    let token = move || query.read_untracked().get("token").unwrap_or_default();
    let revert = mode == "revert";
    let title = if revert {
        t("email.revert_title")
    } else {
        t("email.confirm_title")
    };
    view! {
        <Title text=title.clone() />
        <AuthLayout>
            <Suspense fallback=Loading>
                {move || {
                    let title = title.clone();
                    Suspend::new(async move {
                        match result.await {
                            Ok(r) if r.state == "open" => view! {
                                <h1 class="text-[26px] font-semibold leading-8 tracking-tight">{title}</h1>
                                <p class="mt-2 text-[15px] leading-6 text-muted">
                                    {if revert { t("email.revert_lead") } else { t("email.confirm_lead") }}
                                </p>
                                <p data-testid="email-link-address" class="mt-4 break-all rounded-brand border border-line bg-canvas px-4 py-3 text-[15px] font-semibold text-ink">{r.address.clone()}</p>
                                <form method="post" action=if revert { "/api/account/email/revert" } else { "/api/account/email/confirm" } class="mt-6">
                                    <input type="hidden" name="token" value=token() />
                                    <button type="submit" data-testid="email-link-submit" class=format!("w-full {PRIMARY_BUTTON} py-2.5 text-[15px]")>
                                        {if revert { t("email.revert_button") } else { t("email.confirm_button") }}
                                    </button>
                                </form>
                            }.into_any(),
                            Ok(r) => {
                                let (heading, lead, ok) = match r.state.as_str() {
                                    "changed" => (t("email.changed"), t("email.changed_lead"), true),
                                    "restored" => (t("email.restored"), t("email.restored_lead"), true),
                                    "taken" => (t("email.taken"), t("email.taken_lead"), false),
                                    _ => (t("email.link_invalid"), t("email.link_invalid_lead"), false),
                                };
                                let (href, label) = match r.state.as_str() {
                                    "restored" | "taken" if revert => ("/recovery", t("report.choose_password")),
                                    _ => ("/account", t("email.to_account")),
                                };
                                view! {
                                    <div class=if ok { "mb-5 flex h-11 w-11 items-center justify-center rounded-full bg-success/10 text-success" } else { "mb-5 flex h-11 w-11 items-center justify-center rounded-full bg-line/60 text-muted" }>
                                        <svg aria-hidden="true" viewBox="0 0 20 20" class="h-6 w-6 fill-current">
                                            {if ok { view! { <path d="M8.1 13.6 4.6 10l-1.2 1.2 4.7 4.7 9-9-1.2-1.2z" /> }.into_any() } else { view! { <path d="M10 2a8 8 0 1 0 0 16 8 8 0 0 0 0-16Zm.75 11.5h-1.5V9h1.5v4.5ZM10 7.75a1 1 0 1 1 0-2 1 1 0 0 1 0 2Z" /> }.into_any() }}
                                        </svg>
                                    </div>
                                    <h1 data-testid="email-link-result" data-state=r.state.clone() class="text-[26px] font-semibold leading-8 tracking-tight">{heading}</h1>
                                    <p class="mt-2 text-[15px] leading-6 text-muted">{lead}</p>
                                    <a href=href rel="external" class=format!("mt-7 w-full {PRIMARY_BUTTON} py-2.5 text-[15px]")>{label}</a>
                                }.into_any()
                            }
                            Err(error) => view! { <LoadError error /> }.into_any(),
                        }
                    })
                }}
            </Suspense>
        </AuthLayout>
    }
}
