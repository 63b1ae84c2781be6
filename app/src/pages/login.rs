use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{SubmitFederatedDetails, SubmitLogin, SubmitVerification, login_flow};
use crate::components::{
    AuthLayout, Field, OrDivider, PasskeyButton, ProviderButtons, SubmitButton,
};
use crate::flow_page::{FlowFields, FlowNotices, FlowQuery, FlowScreen, SwitchLink, VerifyStep};
use crate::i18n::{t, tf};
use crate::security_api::SubmitSecondFactor;
use crate::views::FlowView;

/// `/login?flow=<id>`: sign in with email and password.
#[component]
pub fn LoginPage() -> impl IntoView {
    let submit = ServerAction::<SubmitLogin>::new();
    let verify = ServerAction::<SubmitVerification>::new();
    let second = ServerAction::<SubmitSecondFactor>::new();
    let details = ServerAction::<SubmitFederatedDetails>::new();
    // The step used last has the newest answer.
    let outcome = Signal::derive(move || {
        second
            .value()
            .get()
            .or_else(|| details.value().get())
            .or_else(|| verify.value().get())
            .or_else(|| submit.value().get())
    });
    view! {
        <Title text=t("login.page_title") />
        <AuthLayout>
            <FlowScreen
                load=|q: FlowQuery| login_flow(q.flow, q.extra, q.login_hint, q.prompt)
                outcome
                form=move |flow: FlowView| {
                    if flow.step == "verify_email" {
                        view! { <VerifyStep flow action=verify /> }.into_any()
                    } else if flow.step == "second_factor" {
                        view! { <SecondFactorStep flow action=second /> }.into_any()
                    } else if flow.step == "details" {
                        view! { <FederatedDetailsStep flow action=details /> }.into_any()
                    } else {
                        view! { <LoginForm flow submit /> }.into_any()
                    }
                }
            />
        </AuthLayout>
    }
}

#[component]
fn LoginForm(flow: FlowView, submit: ServerAction<SubmitLogin>) -> impl IntoView {
    let outcome = Signal::derive(move || submit.value().get());
    let pending = Signal::derive(move || submit.pending().get());
    let return_to = flow.return_to.clone();
    let has_email = !flow.email.is_empty();
    let reauth = flow.reauth;
    // The app being signed in to may offer fewer ways in; the server refuses the others.
    let (password, passkey) = (flow.password_allowed, flow.passkey_allowed);
    let password_part = password.then(|| {
        view! {
            <Field
                name="email"
                label=t("common.email")
                kind="email"
                value=flow.email.clone()
                autocomplete="username webauthn"
                required=true
                readonly=reauth
                autofocus=!has_email
                maxlength=254
                error=flow.field_error("email")
            />
            <Field
                name="password"
                label=t("common.password")
                kind="password"
                autocomplete="current-password"
                required=true
                autofocus=has_email
                error=flow.field_error("password")
            />
            <div class="-mt-2 mb-5 text-right">
                <a href="/recovery" class="text-sm font-medium text-brand hover:underline">{t("login.forgot")}</a>
            </div>
            <SubmitButton label=t("login.submit") pending_label=t("login.submitting") pending />
        }
        .into_any()
    });
    let (title, subtitle) = if reauth {
        (t("login.reauth_title"), t("login.reauth_subtitle"))
    } else {
        (t("login.title"), t("login.subtitle"))
    };
    // Confirming it's you has no sign-up link: it offers the way back instead.
    let footer = if reauth {
        let back = return_to.clone().unwrap_or_else(|| "/account".into());
        view! {
            <p class="mt-7 border-t border-line pt-6 text-center text-sm text-muted">
                <a href=back data-testid="reauth-cancel" class="font-semibold text-brand hover:underline">{t("login.reauth_cancel")}</a>
            </p>
        }
        .into_any()
    } else {
        view! {
            <SwitchLink
                prompt=t("login.new_here")
                label=t("login.create_account")
                path="/register"
                return_to
            />
        }
        .into_any()
    };
    view! {
        <h1 class="text-[26px] font-semibold leading-8 tracking-tight text-ink">{title}</h1>
        <p class="mt-1.5 mb-7 text-[15px] text-muted">{subtitle}</p>
        <FlowNotices messages=flow.general_messages() outcome />
        <ProviderButtons flow=flow.clone() />
        <ActionForm action=submit attr:novalidate=true attr:data-testid="login-form">
            <FlowFields flow=flow.clone() />
            {password_part}
            {(password && passkey).then(|| view! { <OrDivider /> })}
            {passkey.then(|| view! { <PasskeyButton action="login" label=t("login.passkey") /> })}
        </ActionForm>
        {footer}
    }
}

/// The second-factor step: the risk engine wants one more proof. The factor shown is
/// the one chosen in the URL (`&method=`), else the best one the account has; links
/// lead to the others, so it works the same without JavaScript.
#[component]
fn SecondFactorStep(flow: FlowView, action: ServerAction<SubmitSecondFactor>) -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    // A wrong code comes back on its own field: stay on that factor.
    let answered = flow.messages.iter().find_map(|m| match m.field.as_deref() {
        Some("totp_code") => Some("totp".to_string()),
        Some("recovery_code") => Some("recovery_code".to_string()),
        Some("email_code") => Some("email".to_string()),
        _ => None,
    });
    let chosen = query.read_untracked().get("method").or(answered);
    let factors = flow.factors.clone();
    let current = chosen
        .filter(|m| factors.contains(m))
        .or_else(|| factors.first().cloned())
        .unwrap_or_default();
    let outcome = Signal::derive(move || action.value().get());
    let pending = Signal::derive(move || action.pending().get());
    let others: Vec<String> = factors.iter().filter(|f| **f != current).cloned().collect();
    let flow_id = flow.id.clone();
    let messages = flow.general_messages();
    let lead = match current.as_str() {
        "passkey" => t("mfa.lead_passkey"),
        "totp" => t("mfa.lead_totp"),
        "recovery_code" => t("mfa.lead_recovery"),
        _ => tf(
            "mfa.lead_email",
            &[(
                "email",
                &flow
                    .code_sent_to
                    .clone()
                    .unwrap_or_else(|| t("common.your_email")),
            )],
        ),
    };
    let form = match current.as_str() {
        "passkey" => view! {
            <form data-flow-form="" data-testid="second-factor-passkey" on:submit=|ev| ev.prevent_default()>
                <FlowFields flow=flow.clone() />
                <PasskeyButton action="second-factor" label=t("mfa.use_passkey_button") primary=true />
            </form>
        }
        .into_any(),
        "totp" => view! {
            <ActionForm action attr:novalidate=true attr:data-testid="second-factor-form">
                <FlowFields flow=flow.clone() />
                <input type="hidden" name="intent" value="totp" />
                <Field
                    name="code"
                    label=t("mfa.totp_label")
                    kind="text"
                    autocomplete="one-time-code"
                    inputmode="numeric"
                    autofocus=true
                    maxlength=6
                    input_class="text-center text-2xl font-semibold tracking-[0.45em] tabular-nums"
                    error=flow.field_error("totp_code")
                />
                <SubmitButton label=t("common.verify") pending_label=t("common.checking") pending />
            </ActionForm>
        }
        .into_any(),
        "recovery_code" => view! {
            <ActionForm action attr:novalidate=true attr:data-testid="second-factor-form">
                <FlowFields flow=flow.clone() />
                <input type="hidden" name="intent" value="recovery_code" />
                <Field
                    name="code"
                    label=t("mfa.recovery_label")
                    kind="text"
                    autocomplete="off"
                    autofocus=true
                    maxlength=32
                    input_class="font-mono tracking-wider"
                    error=flow.field_error("recovery_code")
                />
                <SubmitButton label=t("common.verify") pending_label=t("common.checking") pending />
            </ActionForm>
        }
        .into_any(),
        _ => view! {
            <ActionForm action attr:novalidate=true attr:data-testid="second-factor-form">
                <FlowFields flow=flow.clone() />
                <Field
                    name="code"
                    label=t("mfa.email_label")
                    kind="text"
                    autocomplete="one-time-code"
                    inputmode="numeric"
                    autofocus=true
                    maxlength=6
                    input_class="text-center text-2xl font-semibold tracking-[0.45em] tabular-nums"
                    error=flow.field_error("email_code")
                />
                // No intent: a code (Enter in the field submits the same).
                <SubmitButton label=t("common.verify") pending_label=t("common.checking") pending />
                <div class="mt-5 text-center text-sm text-muted">
                    {t("mfa.no_mail")} " "
                    <button type="submit" name="intent" value="send_email_code" formnovalidate=true class="font-semibold text-brand hover:underline">{t("mfa.send_new_code")}</button>
                    "."
                </div>
            </ActionForm>
        }
        .into_any(),
    };
    view! {
        <div class="mb-5 flex h-11 w-11 items-center justify-center rounded-full bg-brand/10 text-brand">
            <svg aria-hidden="true" viewBox="0 0 24 24" class="h-6 w-6" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round">
                <path d="M12 3 5 6v5c0 4.5 3 8.3 7 10 4-1.7 7-5.5 7-10V6z" />
                <path d="m9 12 2 2 4-4" />
            </svg>
        </div>
        <h1 class="text-[26px] font-semibold leading-8 tracking-tight text-ink">{t("mfa.title")}</h1>
        <p class="mt-1.5 mb-7 text-[15px] leading-6 text-muted" data-testid="second-factor-lead">
            {t("mfa.lead")} " " {lead}
        </p>
        <FlowNotices messages outcome />
        {form}
        {(!others.is_empty()).then(|| view! {
            <div class="mt-7 border-t border-line pt-5">
                <p class="text-sm font-medium text-ink">{t("mfa.other_ways")}</p>
                <ul class="mt-2 space-y-1">
                    {others.into_iter().map(|f| {
                        let label = match f.as_str() {
                            "passkey" => t("mfa.use_passkey"),
                            "totp" => t("mfa.use_totp"),
                            "recovery_code" => t("mfa.use_recovery"),
                            _ => t("mfa.use_email"),
                        };
                        let href = format!("/login?flow={}&method={}", flow_id, f);
                        view! {
                            <li><a href=href rel="external" class="text-sm font-semibold text-brand hover:underline" data-testid=format!("second-factor-use-{f}")>{label}</a></li>
                        }
                    }).collect_view()}
                </ul>
            </div>
        })}
        <p class="mt-7 text-center text-sm text-muted">
            <a href="/login" rel="external" class="font-medium text-muted hover:text-ink hover:underline">{t("common.cancel_start_over")}</a>
        </p>
    }
}

/// Signing up through a provider that shared no confirmed address: the customer gives
/// one (and a name), and confirms it with a mailed code on the next step.
#[component]
fn FederatedDetailsStep(
    flow: FlowView,
    action: ServerAction<SubmitFederatedDetails>,
) -> impl IntoView {
    let outcome = Signal::derive(move || action.value().get());
    let pending = Signal::derive(move || action.pending().get());
    let provider = flow
        .provider_name
        .clone()
        .unwrap_or_else(|| t("details.your_provider"));
    // The step's own lead says what the notice would.
    let notices: Vec<_> = flow
        .general_messages()
        .into_iter()
        .filter(|m| m.id != "federation.details")
        .collect();
    view! {
        <h1 class="text-[26px] font-semibold leading-8 tracking-tight text-ink">{t("details.title")}</h1>
        <p class="mt-1.5 mb-7 text-[15px] leading-6 text-muted" data-testid="details-lead">
            {tf("details.lead", &[("provider", &provider)])}
        </p>
        <FlowNotices messages=notices outcome />
        <ActionForm action attr:novalidate=true attr:data-testid="details-form">
            <FlowFields flow=flow.clone() />
            <Field
                name="email"
                label=t("common.email")
                kind="email"
                value=flow.email.clone()
                autocomplete="email"
                required=true
                autofocus=true
                maxlength=254
                error=flow.field_error("email")
            />
            <Field
                name="display_name"
                label=t("details.name")
                kind="text"
                value=flow.display_name.clone()
                autocomplete="name"
                maxlength=64
                error=flow.field_error("display_name")
            />
            <SubmitButton label=t("details.submit") pending_label=t("common.sending") pending />
        </ActionForm>
        <p class="mt-7 text-center text-sm text-muted">
            <a href="/login" rel="external" class="font-medium text-muted hover:text-ink hover:underline">{t("common.cancel_start_over")}</a>
        </p>
    }
}
