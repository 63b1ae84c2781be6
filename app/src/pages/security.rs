use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::SignOut;
use crate::components::{Footer, LoadError, PasskeyButton, PasskeyIcon, ProviderMark};
use crate::i18n::{around, t, tf};
use crate::pages::account::{Header, PortalNav};
use crate::security_api::{notice_text, problem_text, security, totp_setup};
use crate::views::{LinkedView, PasskeyView, SecurityView, SessionView, SignInView};

const CARD: &str =
    "mt-6 rounded-brand border border-line bg-surface shadow-[0_1px_2px_rgba(16,24,40,0.04)]";
const SECONDARY: &str = "inline-flex items-center justify-center rounded-brand border border-line bg-surface px-3.5 py-2 text-sm font-semibold text-ink shadow-sm transition hover:bg-canvas focus-visible:outline-none focus-visible:ring-4 focus-visible:ring-brand/20 disabled:cursor-not-allowed disabled:opacity-50";
const DANGER: &str = "rounded-brand px-3 py-1.5 text-sm font-semibold text-danger transition hover:bg-danger/[0.06] focus-visible:outline-none focus-visible:ring-4 focus-visible:ring-danger/20 disabled:cursor-not-allowed disabled:opacity-50";

/// `/account/security`: the customer's security centre.
#[component]
pub fn SecurityPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| security());
    let query = leptos_router::hooks::use_query_map();
    // A fixed set of notices, chosen by id: nothing from the URL is shown as text.
    let notice = move || query.read().get("notice").and_then(|c| notice_text(&c));
    let problem = move || query.read().get("error").and_then(|c| problem_text(&c));
    let sign_out = ServerAction::<SignOut>::new();
    view! {
        <Title text=t("security.title") />
        <div class="flex min-h-screen flex-col">
            <Suspense fallback=|| view! { <Header csrf_token=None sign_out=None /> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(view) => view! {
                            <Header csrf_token=Some(view.csrf_token.clone()) sign_out=Some(sign_out) />
                            <SecurityBody view notice=notice() problem=problem() />
                        }.into_any(),
                        Err(error) => view! {
                            <Header csrf_token=None sign_out=None />
                            <main class="mx-auto w-full max-w-3xl flex-1 px-4 py-10"><LoadError error /></main>
                        }.into_any(),
                    }
                })}
            </Suspense>
            <Footer />
        </div>
    }
}

#[component]
fn SecurityBody(
    view: SecurityView,
    notice: Option<String>,
    problem: Option<String>,
) -> impl IntoView {
    let csrf = view.csrf_token.clone();
    view! {
        <main class="mx-auto w-full max-w-3xl flex-1 px-4 py-10">
            <PortalNav current="/account/security" />
            <h1 class="mt-6 text-[28px] font-semibold leading-9 tracking-tight">{t("security.title")}</h1>
            <p class="mt-1 text-[15px] text-muted">{t("security.lead")}</p>
            <a href="/account/activity" data-testid="activity-link" class="mt-3 inline-flex items-center gap-1 text-sm font-semibold text-brand hover:underline">
                {t("security.activity_link")}
                <svg aria-hidden="true" viewBox="0 0 20 20" class="h-4 w-4 fill-current"><path d="M7.3 15.7 6 14.4l4.4-4.4L6 5.6l1.3-1.3L13 10z" /></svg>
            </a>
            {notice.map(|text| view! {
                <div role="status" data-testid="security-notice" class="mt-6 rounded-brand border border-success/25 bg-success/[0.07] px-4 py-3 text-sm text-ink">{text}</div>
            })}
            {problem.map(|text| view! {
                <div role="alert" data-testid="security-problem" class="mt-6 rounded-brand border border-danger/25 bg-danger/[0.06] px-4 py-3 text-sm text-ink">{text}</div>
            })}
            {(!view.recently_signed_in).then(|| view! { <ReauthBanner csrf_token=csrf.clone() /> })}
            {(!view.new_recovery_codes.is_empty()).then(|| view! { <NewRecoveryCodes codes=view.new_recovery_codes.clone() /> })}
            <Sessions sessions=view.sessions.clone() csrf_token=view.csrf_token.clone() />
            <SignIns sign_ins=view.sign_ins.clone() />
            <TwoStep view=view.clone() />
            <Passkeys passkeys=view.passkeys.clone() csrf_token=view.csrf_token.clone() locked=!view.recently_signed_in />
            <LinkedAccounts view=view.clone() />
        </main>
    }
    .into_any()
}

/// Changing factors needs a sign-in from the last 15 minutes: offer to sign in again.
#[component]
fn ReauthBanner(csrf_token: String) -> impl IntoView {
    view! {
        <div data-testid="reauth-banner" class="mt-6 flex flex-wrap items-center justify-between gap-3 rounded-brand border border-line bg-canvas px-4 py-3">
            <p class="text-sm text-ink">{t("security.reauth")}</p>
            <form method="post" action="/api/account/reauth">
                <input type="hidden" name="csrf_token" value=csrf_token />
                <input type="hidden" name="return_to" value="/account/security" />
                <button type="submit" class=SECONDARY>{t("security.sign_in_again")}</button>
            </form>
        </div>
    }
}

#[component]
fn NewRecoveryCodes(codes: Vec<String>) -> impl IntoView {
    let (before, after) = around(&t("security.codes_lead"), "warning");
    view! {
        <section aria-labelledby="new-codes-heading" data-testid="new-recovery-codes" class="mt-6 rounded-brand border-2 border-brand/40 bg-surface px-6 py-5 shadow-sm">
            <h2 id="new-codes-heading" class="text-base font-semibold">{t("security.codes_title")}</h2>
            <p class="mt-1 text-sm leading-6 text-muted">
                {before}
                <strong class="font-semibold text-ink">{t("security.codes_warning")}</strong>
                {after}
            </p>
            <ol class="mt-4 grid grid-cols-1 gap-2 sm:grid-cols-2">
                {codes.into_iter().map(|c| view! {
                    <li data-testid="recovery-code" class="rounded-brand border border-line bg-canvas px-3 py-2 text-center font-mono text-[15px] tracking-wider text-ink select-all">{c}</li>
                }).collect_view()}
            </ol>
        </section>
    }
}

/// Where the account is signed in now: sign one device out, or all the others.
#[component]
fn Sessions(sessions: Vec<SessionView>, csrf_token: String) -> impl IntoView {
    let others = sessions.iter().filter(|s| !s.current).count();
    let all_csrf = csrf_token.clone();
    view! {
        <section id="sessions" aria-labelledby="sessions-heading" class=CARD>
            <div class="flex flex-wrap items-start justify-between gap-4 border-b border-line px-6 py-4">
                <div>
                    <h2 id="sessions-heading" class="text-base font-semibold">{t("security.sessions")}</h2>
                    <p class="mt-0.5 max-w-md text-sm text-muted">{t("security.sessions_lead")}</p>
                </div>
                {(others > 0).then(|| view! {
                    <form method="post" action="/api/account/sessions/end-others">
                        <input type="hidden" name="csrf_token" value=all_csrf.clone() />
                        <button type="submit" data-testid="sessions-end-others" class=SECONDARY>{t("security.sessions_end_others")}</button>
                    </form>
                })}
            </div>
            <ul class="divide-y divide-line" data-testid="session-list">
                {sessions.into_iter().map(|s| view! { <SessionRow session=s csrf_token=csrf_token.clone() /> }).collect_view()}
            </ul>
        </section>
    }
    .into_any()
}

#[component]
fn SessionRow(session: SessionView, csrf_token: String) -> impl IntoView {
    let detail = tf(
        "security.session_detail",
        &[
            ("signed_in", &session.signed_in),
            ("active", &session.last_active),
        ],
    );
    let place = if session.ip.is_empty() {
        session.place.clone()
    } else {
        format!("{} · {}", session.place, session.ip)
    };
    view! {
        <li class="flex flex-wrap items-center gap-3 px-6 py-4" data-testid="session-row" data-current=session.current.to_string()>
            <span class="inline-flex h-9 w-9 shrink-0 items-center justify-center rounded-full bg-brand/10 text-brand">
                <svg aria-hidden="true" viewBox="0 0 24 24" class="h-[18px] w-[18px]" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round">
                    <rect x="3" y="4.5" width="18" height="12" rx="2" /><path d="M8.5 20h7M12 16.5V20" />
                </svg>
            </span>
            <div class="min-w-0 flex-1">
                <p class="text-[15px] font-medium text-ink">
                    {session.device.clone()}
                    {session.current.then(|| view! { <span data-testid="this-device" class="ml-2 rounded-full bg-success/10 px-2 py-0.5 text-xs font-semibold text-success">{t("security.this_device")}</span> })}
                </p>
                <p class="text-sm text-muted">{place}</p>
                <p class="text-sm text-muted">{detail}</p>
            </div>
            {(!session.current).then(|| view! {
                <form method="post" action="/api/account/sessions/end">
                    <input type="hidden" name="csrf_token" value=csrf_token.clone() />
                    <input type="hidden" name="id" value=session.id.clone() />
                    <button type="submit" data-testid="session-end" class=DANGER>{t("security.session_end")}</button>
                </form>
            })}
        </li>
    }
}

#[component]
fn SignIns(sign_ins: Vec<SignInView>) -> impl IntoView {
    let empty = sign_ins.is_empty();
    view! {
        <section id="sign-ins" aria-labelledby="sign-ins-heading" class=CARD>
            <div class="border-b border-line px-6 py-4">
                <h2 id="sign-ins-heading" class="text-base font-semibold">{t("security.sign_ins")}</h2>
                <p class="mt-0.5 text-sm text-muted">{t("security.sign_ins_lead")}</p>
            </div>
            {if empty {
                view! { <p class="px-6 py-5 text-sm text-muted">{t("security.sign_ins_none")}</p> }.into_any()
            } else {
                view! {
                    <ul class="divide-y divide-line" data-testid="sign-in-list">
                        {sign_ins.into_iter().map(|s| view! { <SignInRow sign_in=s /> }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn SignInRow(sign_in: SignInView) -> impl IntoView {
    let (label, tone) = match sign_in.result.as_str() {
        "second_factor" => ("security.result_second_factor", "bg-brand/10 text-brand"),
        "denied" => ("security.result_denied", "bg-danger/10 text-danger"),
        "pending" => ("security.result_pending", "bg-warning/15 text-ink"),
        "reported" => ("security.result_reported", "bg-danger/10 text-danger"),
        _ => ("security.result_allowed", "bg-success/10 text-success"),
    };
    let label = t(label);
    let reasons = sign_in.reasons.clone();
    view! {
        <li class="px-6 py-4" data-testid="sign-in-row" data-result=sign_in.result.clone()>
            <div class="flex items-start justify-between gap-4">
                <div class="min-w-0 flex-1">
                    <p class="text-[15px] font-medium text-ink">
                        {sign_in.device.clone()} <span class="text-muted">" · "</span> {sign_in.place.clone()}
                    </p>
                    <p class="text-sm text-muted">
                        {sign_in.at.clone()} " · " {sign_in.method.clone()}
                        {(!sign_in.ip.is_empty()).then(|| format!(" · {}", sign_in.ip))}
                    </p>
                </div>
                <span class=format!("shrink-0 rounded-full px-2.5 py-0.5 text-xs font-semibold {tone}")>{label}</span>
            </div>
            {(!reasons.is_empty()).then(|| view! {
                <ul class="mt-2 flex flex-wrap gap-1.5" aria-label=t("security.why")>
                    {reasons.into_iter().map(|r| view! {
                        <li data-testid="sign-in-reason" class="rounded-full border border-line bg-canvas px-2 py-0.5 text-xs text-muted">{r}</li>
                    }).collect_view()}
                    <li class="px-1 py-0.5 text-xs text-muted">{tf("security.risk", &[("score", &sign_in.score.to_string())])}</li>
                </ul>
            })}
        </li>
    }
}

#[component]
fn TwoStep(view: SecurityView) -> impl IntoView {
    let locked = !view.recently_signed_in;
    let csrf = view.csrf_token.clone();
    let csrf2 = view.csrf_token.clone();
    let left = view.recovery_codes_left;
    view! {
        <section id="authenticator" aria-labelledby="two-step-heading" class=CARD>
            <div class="border-b border-line px-6 py-4">
                <h2 id="two-step-heading" class="text-base font-semibold">{t("security.two_step")}</h2>
                <p class="mt-0.5 max-w-xl text-sm text-muted">
                    {t("security.two_step_lead")}
                </p>
            </div>
            <div class="flex flex-wrap items-center gap-4 px-6 py-4">
                <span class="inline-flex h-9 w-9 shrink-0 items-center justify-center rounded-full bg-brand/10 text-brand">
                    <svg aria-hidden="true" viewBox="0 0 24 24" class="h-[18px] w-[18px]" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round">
                        <rect x="6" y="2.5" width="12" height="19" rx="2.5" /><path d="M10.5 18.5h3" />
                    </svg>
                </span>
                <div class="min-w-0 flex-1">
                    <p class="text-[15px] font-medium text-ink">{t("security.totp")}</p>
                    <p class="text-sm text-muted" data-testid="totp-status">
                        {if view.totp { t("security.totp_on") } else { t("security.totp_off") }}
                    </p>
                </div>
                {if view.totp {
                    view! {
                        <form method="post" action="/api/account/security/totp/remove">
                            <input type="hidden" name="csrf_token" value=csrf />
                            <button type="submit" data-testid="totp-remove" disabled=locked class=DANGER>{t("security.remove")}</button>
                        </form>
                    }.into_any()
                } else {
                    view! {
                        <form method="post" action="/api/account/security/totp/start">
                            <input type="hidden" name="csrf_token" value=csrf />
                            <button type="submit" data-testid="totp-start" disabled=locked class=SECONDARY>{t("security.set_up")}</button>
                        </form>
                    }.into_any()
                }}
            </div>
            <div id="recovery-codes" class="flex flex-wrap items-center gap-4 border-t border-line px-6 py-4">
                <span class="inline-flex h-9 w-9 shrink-0 items-center justify-center rounded-full bg-brand/10 text-brand">
                    <svg aria-hidden="true" viewBox="0 0 24 24" class="h-[18px] w-[18px]" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round">
                        <path d="M4 7h16M4 12h16M4 17h10" />
                    </svg>
                </span>
                <div class="min-w-0 flex-1">
                    <p class="text-[15px] font-medium text-ink">{t("security.codes")}</p>
                    <p class="text-sm text-muted" data-testid="recovery-codes-left">
                        {if left == 0 { t("security.codes_none") } else { tf("security.codes_left", &[("left", &left.to_string())]) }}
                    </p>
                </div>
                <form method="post" action="/api/account/security/recovery-codes">
                    <input type="hidden" name="csrf_token" value=csrf2 />
                    <button type="submit" data-testid="recovery-codes-create" disabled=locked class=SECONDARY>
                        {if left == 0 { t("security.codes_create") } else { t("security.codes_recreate") }}
                    </button>
                </form>
            </div>
        </section>
    }
}

/// `/account/security/totp`: add an authenticator app — scan, then confirm a code.
#[component]
pub fn TotpSetupPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| totp_setup());
    let query = leptos_router::hooks::use_query_map();
    let problem = move || query.read().get("error").and_then(|c| problem_text(&c));
    view! {
        <Title text=t("totp.title") />
        <crate::components::AuthLayout>
            <Suspense fallback=crate::components::Loading>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(setup) => view! {
                            <h1 class="text-[26px] font-semibold leading-8 tracking-tight text-ink">{t("totp.heading")}</h1>
                            <p class="mt-1.5 mb-6 text-[15px] leading-6 text-muted">
                                {t("totp.lead")}
                            </p>
                            {problem().map(|text| view! {
                                <div role="alert" data-testid="totp-problem" class="mb-5 rounded-brand border border-danger/25 bg-danger/[0.06] px-3.5 py-3 text-sm text-danger">{text}</div>
                            })}
                            <div class="mx-auto w-[212px] rounded-brand border border-line bg-white p-1.5 [&>svg]:block [&>svg]:h-auto [&>svg]:w-full" data-testid="totp-qr" inner_html=setup.qr_svg.clone()></div>
                            <details class="mt-4 text-center">
                                <summary class="cursor-pointer text-sm font-semibold text-brand hover:underline">{t("totp.cant_scan")}</summary>
                                <p class="mt-2 rounded-brand border border-line bg-canvas px-3 py-2 font-mono text-[15px] tracking-wider text-ink select-all" data-testid="totp-secret">{setup.secret.clone()}</p>
                            </details>
                            <form method="post" action="/api/account/security/totp/confirm" class="mt-6" data-testid="totp-confirm-form">
                                <input type="hidden" name="csrf_token" value=setup.csrf_token.clone() />
                                <crate::components::Field
                                    name="code"
                                    label=t("totp.code")
                                    kind="text"
                                    autocomplete="one-time-code"
                                    inputmode="numeric"
                                    autofocus=true
                                    maxlength=6
                                    required=true
                                    input_class="text-center text-2xl font-semibold tracking-[0.45em] tabular-nums"
                                />
                                <button type="submit" class="inline-flex w-full items-center justify-center rounded-brand bg-brand px-4 py-2.5 text-[15px] font-semibold text-on-brand shadow-sm transition hover:brightness-110 focus-visible:outline-none focus-visible:ring-4 focus-visible:ring-brand/30">
                                    {t("totp.turn_on")}
                                </button>
                            </form>
                            <p class="mt-6 text-center text-sm">
                                <a href="/account/security" class="font-medium text-muted hover:text-ink hover:underline">{t("totp.cancel")}</a>
                            </p>
                        }.into_any(),
                        Err(error) => view! { <LoadError error /> }.into_any(),
                    }
                })}
            </Suspense>
        </crate::components::AuthLayout>
    }
}

/// The customer's passkeys: add, rename, remove.
#[component]
fn Passkeys(passkeys: Vec<PasskeyView>, csrf_token: String, locked: bool) -> impl IntoView {
    let empty = passkeys.is_empty();
    let add_csrf = csrf_token.clone();
    view! {
        <section id="passkeys" aria-labelledby="passkeys-heading" class="mt-6 rounded-brand border border-line bg-surface shadow-[0_1px_2px_rgba(16,24,40,0.04)]">
            <div class="flex flex-wrap items-start justify-between gap-4 border-b border-line px-6 py-4">
                <div>
                    <h2 id="passkeys-heading" class="text-base font-semibold">{t("security.passkeys")}</h2>
                    <p class="mt-0.5 max-w-md text-sm text-muted">{t("security.passkeys_lead")}</p>
                </div>
                <div class="w-full sm:w-auto sm:min-w-[12rem]">
                    <PasskeyButton action="add" label=t("security.passkey_add") csrf=add_csrf />
                </div>
            </div>
            {if empty {
                view! {
                    <p class="px-6 py-5 text-sm text-muted" data-testid="passkeys-empty">{t("security.passkeys_none")}</p>
                }.into_any()
            } else {
                view! {
                    <ul class="divide-y divide-line" data-testid="passkey-list">
                        {passkeys.into_iter().map(|p| view! { <PasskeyRow passkey=p csrf_token=csrf_token.clone() locked /> }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
    .into_any()
}

#[component]
fn PasskeyRow(passkey: PasskeyView, csrf_token: String, locked: bool) -> impl IntoView {
    let used = passkey
        .last_used
        .clone()
        .map(|d| tf("security.passkey_used", &[("date", &d)]))
        .unwrap_or_else(|| t("security.passkey_unused"));
    let input_id = format!("passkey-name-{}", passkey.id);
    view! {
        <li class="px-6 py-4" data-testid="passkey-row" data-passkey-id=passkey.id.clone()>
            <div class="flex flex-wrap items-center gap-3">
                <span class="inline-flex h-9 w-9 shrink-0 items-center justify-center rounded-full bg-brand/10 text-brand"><PasskeyIcon /></span>
                <div class="min-w-0 flex-1">
                    <p class="truncate text-[15px] font-medium text-ink" data-testid="passkey-name">{passkey.name.clone()}</p>
                    <p class="text-sm text-muted">
                        {tf("security.passkey_detail", &[("date", &passkey.created), ("used", &used)])}
                        {passkey.synced.then(|| view! { <span class="ml-2 rounded-full bg-line/60 px-2 py-0.5 text-xs font-medium text-muted">{t("security.synced")}</span> })}
                    </p>
                </div>
                <form method="post" action="/api/account/passkeys/delete">
                    <input type="hidden" name="csrf_token" value=csrf_token.clone() />
                    <input type="hidden" name="id" value=passkey.id.clone() />
                    <button type="submit" data-testid="passkey-delete" disabled=locked class="rounded-brand px-3 py-1.5 text-sm font-semibold text-danger transition hover:bg-danger/[0.06] focus-visible:outline-none focus-visible:ring-4 focus-visible:ring-danger/20">{t("security.remove")}</button>
                </form>
            </div>
            <details class="mt-2 pl-12">
                <summary class="cursor-pointer text-sm font-semibold text-brand hover:underline">{t("security.rename")}</summary>
                <form method="post" action="/api/account/passkeys/rename" class="mt-2 flex flex-wrap items-end gap-2">
                    <input type="hidden" name="csrf_token" value=csrf_token />
                    <input type="hidden" name="id" value=passkey.id.clone() />
                    <div class="min-w-[12rem] flex-1">
                        <label for=input_id.clone() class="sr-only">{t("security.new_name")}</label>
                        <input id=input_id name="name" type="text" required maxlength="64" value=passkey.name data-testid="passkey-rename-input" class="block w-full rounded-brand border border-line bg-surface px-3 py-2 text-[15px] text-ink shadow-sm focus:border-brand focus:outline-none focus:ring-4 focus:ring-brand/15" />
                    </div>
                    <button type="submit" data-testid="passkey-rename-save" class="rounded-brand border border-line bg-surface px-3.5 py-2 text-sm font-semibold text-ink shadow-sm hover:bg-canvas">{t("security.save")}</button>
                </form>
            </details>
        </li>
    }
}

/// Accounts at other providers (Google, a company's identity provider, …) that sign in
/// to this one: link another, unlink one — never the last way in.
#[component]
fn LinkedAccounts(view: SecurityView) -> impl IntoView {
    let locked = !view.recently_signed_in;
    let last = view.method_count <= 1;
    let csrf = view.csrf_token.clone();
    let empty = view.linked.is_empty();
    let shown = !(view.linked.is_empty() && view.linkable.is_empty());
    shown.then(move || view! {
        <section id="linked-accounts" aria-labelledby="linked-heading" class=CARD>
            <div class="border-b border-line px-6 py-4">
                <h2 id="linked-heading" class="text-base font-semibold">{t("security.linked")}</h2>
                <p class="mt-0.5 max-w-lg text-sm text-muted">{t("security.linked_lead")}</p>
            </div>
            {if empty {
                view! { <p class="px-6 py-5 text-sm text-muted" data-testid="linked-empty">{t("security.linked_none")}</p> }.into_any()
            } else {
                view! {
                    <ul class="divide-y divide-line" data-testid="linked-list">
                        {view.linked.clone().into_iter().map(|l| view! { <LinkedRow linked=l csrf_token=csrf.clone() locked last /> }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {(!view.linkable.is_empty()).then(|| view! {
                <div class="flex flex-wrap gap-2 border-t border-line px-6 py-4">
                    {view.linkable.clone().into_iter().map(|p| view! {
                        <form method="post" action="/account/link">
                            <input type="hidden" name="csrf_token" value=view.csrf_token.clone() />
                            <input type="hidden" name="provider" value=p.slug.clone() />
                            <button type="submit" class=SECONDARY disabled=locked data-testid=format!("link-{}", p.slug)>
                                <span class="mr-2 inline-flex h-4 w-4 items-center justify-center"><ProviderMark brand=p.brand.clone() name=p.name.clone() /></span>
                                {tf("security.link", &[("provider", &p.name)])}
                            </button>
                        </form>
                    }).collect_view()}
                </div>
            })}
        </section>
    })
    .into_any()
}

#[component]
fn LinkedRow(linked: LinkedView, csrf_token: String, locked: bool, last: bool) -> impl IntoView {
    let used = linked
        .last_used
        .clone()
        .map(|d| tf("security.linked_used", &[("date", &d)]))
        .unwrap_or_else(|| t("security.linked_unused"));
    let detail = tf(
        "security.linked_detail",
        &[("date", &linked.linked), ("used", &used)],
    );
    view! {
        <li class="flex flex-wrap items-center gap-3 px-6 py-4" data-testid="linked-row" data-provider=linked.provider.clone()>
            <span class="inline-flex h-9 w-9 shrink-0 items-center justify-center rounded-full border border-line bg-surface">
                <ProviderMark brand=linked.brand.clone() name=linked.name.clone() />
            </span>
            <div class="min-w-0 flex-1">
                <p class="truncate text-[15px] font-medium text-ink">
                    {linked.name.clone()}
                    {linked.email.clone().map(|e| view! { <span class="ml-2 font-normal text-muted">{e}</span> })}
                </p>
                <p class="text-sm text-muted">{detail}</p>
            </div>
            <form method="post" action="/api/account/providers/unlink">
                <input type="hidden" name="csrf_token" value=csrf_token />
                <input type="hidden" name="id" value=linked.id.clone() />
                <button
                    type="submit"
                    data-testid="unlink"
                    disabled=locked || last
                    title=if last { t("security.unlink_last") } else { String::new() }
                    class=DANGER
                >{t("security.unlink")}</button>
            </form>
        </li>
    }
}
