use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::{AuthLayout, LoadError, Loading};
use crate::i18n::{around, t, tf};
use crate::oauth_api::load_device;
use crate::views::DeviceView;

const PRIMARY: &str = "inline-flex w-full items-center justify-center rounded-brand bg-brand px-4 py-2.5 text-[15px] font-semibold text-on-brand shadow-sm transition hover:brightness-110 focus-visible:outline-none focus-visible:ring-4 focus-visible:ring-brand/30";
const SECONDARY: &str = "inline-flex w-full items-center justify-center rounded-brand border border-line bg-surface px-4 py-2.5 text-[15px] font-semibold text-ink shadow-sm transition hover:bg-canvas focus-visible:outline-none focus-visible:ring-4 focus-visible:ring-brand/20";

/// `/device`: sign in a TV or console. The customer types the code the device shows,
/// sees which app asks, and approves. Plain forms: works without JavaScript.
#[component]
pub fn DevicePage() -> impl IntoView {
    let query = use_query_map();
    let data = Resource::new(
        move || {
            let q = query.read();
            (q.get("user_code"), q.get("done"))
        },
        |(code, done)| load_device(code, done),
    );
    view! {
        <Title text=t("device.title") />
        <AuthLayout>
            <Suspense fallback=Loading>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(v) if v.step == "confirm" => view! { <Confirm v /> }.into_any(),
                        Ok(v) if v.step == "done" => view! { <Done approved=v.approved /> }.into_any(),
                        Ok(v) => view! { <EnterCode v /> }.into_any(),
                        Err(error) => view! { <LoadError error /> }.into_any(),
                    }
                })}
            </Suspense>
        </AuthLayout>
    }
}

#[component]
fn TvIcon() -> impl IntoView {
    view! {
        <div class="mb-5 flex h-11 w-11 items-center justify-center rounded-full bg-brand/10 text-brand">
            <svg aria-hidden="true" viewBox="0 0 24 24" class="h-6 w-6" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round">
                <rect x="3" y="5" width="18" height="12" rx="2" /><path d="M8 21h8M12 17v4" />
            </svg>
        </div>
    }
}

#[component]
fn EnterCode(v: DeviceView) -> impl IntoView {
    let has_problem = v.problem.is_some();
    let (signed_before, signed_after) = around(&t("device.signed_in_as"), "email");
    view! {
        <TvIcon />
        <h1 class="text-[26px] font-semibold leading-8 tracking-tight">{t("device.title")}</h1>
        <p class="mt-2 text-[15px] leading-6 text-muted">{t("device.lead")}</p>
        <form method="get" action="/device" class="mt-6" data-testid="device-code-form">
            <label for="user_code" class="mb-1.5 block text-sm font-medium text-ink">{t("device.code")}</label>
            <input
                id="user_code"
                name="user_code"
                value=v.user_code.clone()
                autocomplete="one-time-code"
                autocapitalize="characters"
                spellcheck="false"
                placeholder="BCDF-GHJK"
                maxlength="20"
                required
                aria-invalid=if has_problem { "true" } else { "false" }
                aria-describedby=if has_problem { "user_code-error" } else { "" }
                class="block w-full rounded-brand border border-line bg-surface px-3.5 py-2.5 text-center font-mono text-2xl uppercase tracking-[0.3em] text-ink shadow-sm outline-none transition focus:border-brand focus:ring-4 focus:ring-brand/20 aria-[invalid=true]:border-danger"
            />
            {v.problem.map(|p| view! {
                <p id="user_code-error" role="alert" class="mt-2 text-sm text-danger" data-testid="device-problem">{p}</p>
            })}
            <button type="submit" class=format!("mt-6 {PRIMARY}") data-testid="device-continue">{t("device.continue")}</button>
        </form>
        <p class="mt-5 text-center text-sm text-muted">{signed_before}<span class="font-medium text-ink">{v.account_email}</span>{signed_after}</p>
    }
}

#[component]
fn Confirm(v: DeviceView) -> impl IntoView {
    // "A device showing the code {code} wants to use your account ({email}). …"
    let (code_before, rest) = around(&t("device.confirm_lead"), "code");
    let (email_before, email_after) = around(&rest, "email");
    view! {
        <TvIcon />
        <h1 class="text-[26px] font-semibold leading-8 tracking-tight" data-testid="device-heading">
            {tf("device.confirm_heading", &[("app", &v.app_name)])}
        </h1>
        <p class="mt-2 text-[15px] leading-6 text-muted">
            {code_before}
            <span class="font-mono font-semibold tracking-wider text-ink" data-testid="device-user-code">{v.user_code.clone()}</span>
            {email_before}<span class="font-medium text-ink">{v.account_email.clone()}</span>{email_after}
        </p>
        <ul class="mt-4 divide-y divide-line rounded-brand border border-line">
            {v.access.iter().map(|a| view! {
                <li class="flex items-start gap-3 px-4 py-3 text-[15px] text-ink">
                    <svg aria-hidden="true" viewBox="0 0 20 20" class="mt-0.5 h-5 w-5 shrink-0 fill-current text-success"><path d="M8.1 13.6 4.6 10l-1.2 1.2 4.7 4.7 9-9-1.2-1.2z" /></svg>
                    <span>{a.clone()}</span>
                </li>
            }).collect_view()}
        </ul>
        <div role="note" class="mt-4 rounded-brand border border-line bg-canvas px-3.5 py-3 text-sm leading-6 text-ink">
            {t("device.warning")}
        </div>
        <form method="post" action="/api/device/answer" class="mt-6 space-y-3" data-testid="device-form">
            <input type="hidden" name="user_code" value=v.user_code.clone() />
            <input type="hidden" name="csrf_token" value=v.csrf_token.clone() />
            <button type="submit" name="decision" value="approve" data-testid="device-approve" class=PRIMARY>{t("consent.allow")}</button>
            <button type="submit" name="decision" value="deny" data-testid="device-deny" class=SECONDARY>{t("consent.deny")}</button>
        </form>
    }
}

#[component]
fn Done(approved: bool) -> impl IntoView {
    view! {
        {if approved {
            view! {
                <div class="mb-5 flex h-11 w-11 items-center justify-center rounded-full bg-success/10 text-success">
                    <svg aria-hidden="true" viewBox="0 0 20 20" class="h-6 w-6 fill-current"><path d="M8.1 13.6 4.6 10l-1.2 1.2 4.7 4.7 9-9-1.2-1.2z" /></svg>
                </div>
                <h1 class="text-[26px] font-semibold leading-8 tracking-tight" data-testid="device-done">{t("device.done")}</h1>
                <p class="mt-2 text-[15px] leading-6 text-muted">{t("device.done_lead")}</p>
            }.into_any()
        } else {
            view! {
                <h1 class="text-[26px] font-semibold leading-8 tracking-tight" data-testid="device-done">{t("device.declined")}</h1>
                <p class="mt-2 text-[15px] leading-6 text-muted">{t("device.declined_lead")}</p>
            }.into_any()
        }}
        <a href="/account" rel="external" class=format!("mt-7 {SECONDARY}")>{t("verify_link.to_account")}</a>
    }
}
