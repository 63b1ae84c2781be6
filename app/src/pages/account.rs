use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{SignOut, account};
use crate::components::{BrandLogo, Footer, LoadError};
use crate::i18n::{t, tf};
use crate::views::AccountView;

/// `/account`: the signed-in customer's home.
#[component]
pub fn AccountPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| account());
    let query = leptos_router::hooks::use_query_map();
    // A fixed set of notices, chosen by id: nothing from the URL is shown as text.
    let notice_password = t("account.notice_password_changed");
    let notice_app = t("account.notice_app_disconnected");
    let notice = move || match query.read().get("notice").as_deref() {
        Some("password_changed") => Some(notice_password.clone()),
        Some("app_disconnected") => Some(notice_app.clone()),
        _ => None,
    };
    let problem = move || {
        query
            .read()
            .get("error")
            .and_then(|code| crate::security_api::problem_text(&code))
    };
    let sign_out = ServerAction::<SignOut>::new();
    view! {
        <Title text=t("account.title") />
        <div class="flex min-h-screen flex-col">
            <Suspense fallback=|| view! { <Header csrf_token=None sign_out=None /> }>
                {move || {
                let notice = notice();
                Suspend::new(async move {
                    match data.await {
                        Ok(view) => view! {
                            <Header csrf_token=Some(view.csrf_token.clone()) sign_out=Some(sign_out) />
                            <AccountBody view notice problem=problem() />
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
pub(crate) fn Header(
    csrf_token: Option<String>,
    sign_out: Option<ServerAction<SignOut>>,
) -> impl IntoView {
    view! {
        <header class="border-b border-line bg-surface">
            <div class="mx-auto flex h-16 w-full max-w-3xl items-center justify-between px-4">
                <a href="/account" class="flex items-center gap-2.5">
                    <BrandLogo small=true />
                </a>
                {match (csrf_token, sign_out) {
                    (Some(csrf_token), Some(action)) => view! {
                        <ActionForm action attr:data-testid="sign-out-form">
                            <input type="hidden" name="csrf_token" value=csrf_token />
                            <button
                                type="submit"
                                class="rounded-brand border border-line bg-surface px-3.5 py-2 text-sm font-medium text-ink shadow-sm transition hover:bg-canvas focus-visible:outline-none focus-visible:ring-4 focus-visible:ring-brand/20"
                            >
                                {t("account.sign_out")}
                            </button>
                        </ActionForm>
                    }.into_any(),
                    _ => ().into_any(),
                }}
            </div>
        </header>
    }
}

/// The portal's sections, as tabs: where the customer is, and where else to go.
#[component]
pub(crate) fn PortalNav(current: &'static str) -> impl IntoView {
    let items = [
        ("/account", t("portal.nav_profile")),
        ("/account/security", t("portal.nav_security")),
        ("/account/activity", t("portal.nav_activity")),
        ("/account/privacy", t("portal.nav_privacy")),
    ];
    view! {
        <nav aria-label=t("portal.nav_label") data-testid="portal-nav" class="-mx-1 flex gap-1 overflow-x-auto border-b border-line">
            {items.into_iter().map(|(href, label)| {
                let here = href == current;
                view! {
                    <a
                        href=href
                        aria-current=here.then_some("page")
                        class=if here {
                            "-mb-px whitespace-nowrap border-b-2 border-brand px-3 py-2.5 text-sm font-semibold text-ink"
                        } else {
                            "-mb-px whitespace-nowrap border-b-2 border-transparent px-3 py-2.5 text-sm font-medium text-muted hover:border-line hover:text-ink focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-brand/40"
                        }
                    >
                        {label}
                    </a>
                }
            }).collect_view()}
        </nav>
    }
}

#[component]
fn AccountBody(
    view: AccountView,
    notice: Option<String>,
    problem: Option<String>,
) -> impl IntoView {
    let first_name = view
        .display_name
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_string();
    let two_step = two_step_summary(&view);
    view! {
        <main class="mx-auto w-full max-w-3xl flex-1 px-4 py-10">
            {notice.map(|text| view! {
                <div role="status" class="mb-6 rounded-brand border border-success/25 bg-success/[0.07] px-4 py-3 text-sm text-ink">{text}</div>
            })}
            {problem.map(|text| view! {
                <div role="alert" data-testid="account-problem" class="mb-6 rounded-brand border border-danger/25 bg-danger/[0.06] px-4 py-3 text-sm text-ink">{text}</div>
            })}
            <PortalNav current="/account" />
            {view.deletion_on.clone().map(|date| view! {
                <div role="alert" data-testid="account-deletion-pending" class="mt-6 flex flex-wrap items-center justify-between gap-3 rounded-brand border border-danger/30 bg-danger/[0.05] px-4 py-3">
                    <p class="text-sm text-ink">{tf("privacy.pending_title", &[("date", &date)])}</p>
                    <a href="/account/privacy" class="text-sm font-semibold text-brand hover:underline">{t("privacy.keep_button")}</a>
                </div>
            })}
            <h1 class="mt-6 text-[28px] font-semibold leading-9 tracking-tight">
                {tf("account.hello", &[("name", &first_name)])}
            </h1>
            <p class="mt-1 text-[15px] text-muted">{t("account.lead")}</p>

            <section aria-labelledby="profile-heading" class="mt-8 rounded-brand border border-line bg-surface shadow-[0_1px_2px_rgba(16,24,40,0.04)]">
                <div class="border-b border-line px-6 py-4">
                    <h2 id="profile-heading" class="text-base font-semibold">{t("account.profile")}</h2>
                </div>
                <dl class="divide-y divide-line">
                    <Row label=t("account.name")><span data-testid="account-name">{view.display_name.clone()}</span></Row>
                    <Row label=t("common.email")>
                        <span class="flex flex-wrap items-center gap-2">
                            <span data-testid="account-email" class="break-all">{view.email.clone()}</span>
                            {if view.email_verified {
                                view! { <span class="rounded-full bg-success/10 px-2 py-0.5 text-xs font-medium text-success">{t("account.verified")}</span> }.into_any()
                            } else {
                                view! { <span class="rounded-full bg-line/60 px-2 py-0.5 text-xs font-medium text-muted">{t("account.not_verified")}</span> }.into_any()
                            }}
                            {view.pending_email.clone().map(|p| view! {
                                <span data-testid="account-email-pending" class="w-full text-xs text-muted">{tf("account.email_pending", &[("address", &p)])}</span>
                            })}
                            <a href="/account/email" data-testid="account-email-change" aria-label=t("email.change_title") class="ml-auto text-sm font-semibold text-brand hover:underline">{t("account.email_change")}</a>
                        </span>
                    </Row>
                    <Row label=t("account.member_since")><span data-testid="account-member-since">{view.member_since.clone()}</span></Row>
                    <Row label=t("account.language")>
                        <form method="post" action="/api/language" class="flex flex-wrap items-center gap-2" data-testid="account-language">
                            <input type="hidden" name="return_to" value="/account" />
                            <label for="account-language" class="sr-only">{t("account.language")}</label>
                            <select id="account-language" name="lang" class="rounded-brand border border-line bg-surface px-2.5 py-1.5 text-[15px] text-ink shadow-sm focus:border-brand focus:outline-none focus:ring-4 focus:ring-brand/15">
                                {crate::i18n::LANGUAGES.iter().map(|(code, name)| {
                                    let chosen = if view.language.is_empty() { crate::i18n::use_i18n().lang() == *code } else { view.language == *code };
                                    view! { <option value=*code selected=chosen>{*name}</option> }
                                }).collect_view()}
                            </select>
                            <button type="submit" data-testid="account-language-save" class="rounded-brand border border-line bg-surface px-3 py-1.5 text-sm font-semibold text-ink shadow-sm hover:bg-canvas">{t("account.language_save")}</button>
                            <span class="w-full text-xs text-muted">{t("account.language_hint")}</span>
                        </form>
                    </Row>
                </dl>
            </section>

            <section aria-labelledby="security-heading" class="mt-6 rounded-brand border border-line bg-surface shadow-[0_1px_2px_rgba(16,24,40,0.04)]">
                <div class="border-b border-line px-6 py-4">
                    <h2 id="security-heading" class="text-base font-semibold">{t("account.security")}</h2>
                </div>
                <dl class="divide-y divide-line">
                    <Row label=t("common.password")>
                        {if view.has_password {
                            view! {
                                <span class="flex items-center justify-between gap-4">
                                    <span>{t("account.password_set")}</span>
                                    <a href="/account/password" class="text-sm font-semibold text-brand hover:underline">{t("account.change")}</a>
                                </span>
                            }.into_any()
                        } else {
                            view! { <span>{t("account.password_not_set")}" "<span class="text-muted">{t("account.password_passkey_only")}</span></span> }.into_any()
                        }}
                    </Row>
                    <Row label=t("account.two_step")>
                        <span data-testid="account-2sv">{two_step}</span>
                    </Row>
                    <Row label=t("account.this_session")>
                        {tf("account.signed_in", &[("when", &view.signed_in_at), ("method", &method_label(&view.sign_in_method))])}
                    </Row>
                </dl>
                <div class="flex items-center justify-between gap-4 border-t border-line px-6 py-4">
                    <p class="text-sm text-muted">{t("account.security_lead")}</p>
                    <a href="/account/security" data-testid="security-link" class="inline-flex shrink-0 items-center gap-1.5 rounded-brand border border-line bg-surface px-3.5 py-2 text-sm font-semibold text-ink shadow-sm transition hover:bg-canvas">
                        {t("account.security_centre")}
                        <svg aria-hidden="true" viewBox="0 0 20 20" class="h-4 w-4 fill-current"><path d="M7.3 4.3 6 5.6 10.4 10 6 14.4l1.3 1.3L13 10z" /></svg>
                    </a>
                </div>
            </section>

            <ConnectedApps apps=view.connected_apps.clone() csrf_token=view.csrf_token.clone() />
        </main>
    }
}

/// Third-party apps the customer agreed to share data with, each revocable.
#[component]
fn ConnectedApps(apps: Vec<crate::views::ConnectedAppView>, csrf_token: String) -> impl IntoView {
    view! {
        <section id="connected-apps" aria-labelledby="apps-heading" data-testid="connected-apps" class="mt-6 rounded-brand border border-line bg-surface shadow-[0_1px_2px_rgba(16,24,40,0.04)]">
            <div class="border-b border-line px-6 py-4">
                <h2 id="apps-heading" class="text-base font-semibold">{t("account.apps")}</h2>
                <p class="mt-0.5 text-sm text-muted">{t("account.apps_lead")}</p>
            </div>
            {if apps.is_empty() {
                view! { <p class="px-6 py-5 text-[15px] text-muted">{t("account.apps_none")}</p> }.into_any()
            } else {
                view! {
                    <ul class="divide-y divide-line">
                        {apps.into_iter().map(|app| {
                            let csrf_token = csrf_token.clone();
                            view! {
                                <li class="flex flex-col gap-3 px-6 py-4 sm:flex-row sm:items-start sm:justify-between" data-testid="connected-app">
                                    <div class="min-w-0">
                                        <p class="text-[15px] font-semibold text-ink">{app.name.clone()}</p>
                                        <p class="mt-0.5 text-sm text-muted">{tf("account.app_used", &[("granted", &app.granted), ("used", &app.last_used)])}</p>
                                        <p class="mt-1 text-sm text-muted">{app.access.join(" · ")}</p>
                                    </div>
                                    <form method="post" action="/api/account/apps/revoke" class="shrink-0">
                                        <input type="hidden" name="app_id" value=app.app_id.clone() />
                                        <input type="hidden" name="csrf_token" value=csrf_token />
                                        <button type="submit" data-testid="disconnect-app" class="rounded-brand border border-line bg-surface px-3.5 py-2 text-sm font-semibold text-danger shadow-sm transition hover:bg-danger/[0.06]">
                                            {t("account.disconnect")}
                                        </button>
                                    </form>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

fn method_label(method: &str) -> String {
    let methods: Vec<&str> = method.split(", ").collect();
    let names: Vec<String> = [
        ("pwd", "method.password"),
        ("hwk", "method.passkey"),
        ("fed", "method.linked"),
        ("otp", "method.totp"),
        ("recovery_code", "method.recovery_code"),
        ("email", "method.email_code"),
    ]
    .into_iter()
    .filter(|(amr, _)| methods.contains(amr))
    .map(|(_, key)| t(key))
    .collect();
    names
        .into_iter()
        .reduce(|a, b| tf("method.join", &[("a", &a), ("b", &b)]))
        .unwrap_or_else(|| t("method.unknown"))
}

fn two_step_summary(view: &AccountView) -> String {
    let mut ways = Vec::new();
    if !view.passkeys.is_empty() {
        ways.push(match view.passkeys.len() {
            1 => t("account.one_passkey"),
            n => tf("account.passkeys", &[("count", &n.to_string())]),
        });
    }
    if view.totp {
        ways.push(t("method.totp"));
    }
    if ways.is_empty() {
        t("account.two_step_email")
    } else {
        tf("account.two_step_on", &[("ways", &ways.join(", "))])
    }
}

#[component]
pub(crate) fn Row(#[prop(into)] label: String, children: Children) -> impl IntoView {
    view! {
        <div class="grid gap-1 px-6 py-4 sm:grid-cols-[11rem_1fr] sm:gap-4">
            <dt class="text-sm font-medium text-muted">{label}</dt>
            <dd class="text-[15px] text-ink">{children()}</dd>
        </div>
    }
}
