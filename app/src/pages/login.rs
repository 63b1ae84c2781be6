use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{SubmitFederatedDetails, SubmitLogin, SubmitVerification, login_flow};
use crate::components::{
    AuthLayout, Field, OrDivider, PasskeyButton, ProviderButtons, SubmitButton,
};
use crate::flow_page::{FlowFields, FlowNotices, FlowQuery, FlowScreen, SwitchLink, VerifyStep};
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
        <Title text="Sign in" />
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
    view! {
        <h1 class="text-[26px] font-semibold leading-8 tracking-tight text-ink">"Sign in"</h1>
        <p class="mt-1.5 mb-7 text-[15px] text-muted">"Welcome back. Enter your details below."</p>
        <FlowNotices messages=flow.general_messages() outcome />
        <ProviderButtons flow=flow.clone() />
        <ActionForm action=submit attr:novalidate=true attr:data-testid="login-form">
            <FlowFields flow=flow.clone() />
            <Field
                name="email"
                label="Email"
                kind="email"
                value=flow.email.clone()
                autocomplete="username webauthn"
                required=true
                autofocus=!has_email
                maxlength=254
                error=flow.field_error("email")
            />
            <Field
                name="password"
                label="Password"
                kind="password"
                autocomplete="current-password"
                required=true
                autofocus=has_email
                error=flow.field_error("password")
            />
            <div class="-mt-2 mb-5 text-right">
                <a href="/recovery" class="text-sm font-medium text-brand hover:underline">"Forgot your password?"</a>
            </div>
            <SubmitButton label="Sign in" pending_label="Signing in…" pending />
            <OrDivider />
            <PasskeyButton action="login" label="Sign in with a passkey" />
        </ActionForm>
        <SwitchLink
            prompt="New here?"
            label="Create an account"
            path="/register"
            return_to
        />
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
        "passkey" => {
            "Use the passkey on this device or your phone to finish signing in.".to_string()
        }
        "totp" => "Enter the 6-digit code from your authenticator app.".to_string(),
        "recovery_code" => {
            "Enter one of the recovery codes you saved. Each code works once.".to_string()
        }
        _ => format!(
            "We sent a 6-digit code to {}. It works for 10 minutes.",
            flow.code_sent_to
                .clone()
                .unwrap_or_else(|| "your email address".into())
        ),
    };
    let form = match current.as_str() {
        "passkey" => view! {
            <form data-flow-form="" data-testid="second-factor-passkey" on:submit=|ev| ev.prevent_default()>
                <FlowFields flow=flow.clone() />
                <PasskeyButton action="second-factor" label="Use your passkey" primary=true />
            </form>
        }
        .into_any(),
        "totp" => view! {
            <ActionForm action attr:novalidate=true attr:data-testid="second-factor-form">
                <FlowFields flow=flow.clone() />
                <input type="hidden" name="intent" value="totp" />
                <Field
                    name="code"
                    label="Authentication code"
                    kind="text"
                    autocomplete="one-time-code"
                    inputmode="numeric"
                    autofocus=true
                    maxlength=6
                    input_class="text-center text-2xl font-semibold tracking-[0.45em] tabular-nums"
                    error=flow.field_error("totp_code")
                />
                <SubmitButton label="Verify" pending_label="Checking…" pending />
            </ActionForm>
        }
        .into_any(),
        "recovery_code" => view! {
            <ActionForm action attr:novalidate=true attr:data-testid="second-factor-form">
                <FlowFields flow=flow.clone() />
                <input type="hidden" name="intent" value="recovery_code" />
                <Field
                    name="code"
                    label="Recovery code"
                    kind="text"
                    autocomplete="off"
                    autofocus=true
                    maxlength=32
                    input_class="font-mono tracking-wider"
                    error=flow.field_error("recovery_code")
                />
                <SubmitButton label="Verify" pending_label="Checking…" pending />
            </ActionForm>
        }
        .into_any(),
        _ => view! {
            <ActionForm action attr:novalidate=true attr:data-testid="second-factor-form">
                <FlowFields flow=flow.clone() />
                <Field
                    name="code"
                    label="Code from the email"
                    kind="text"
                    autocomplete="one-time-code"
                    inputmode="numeric"
                    autofocus=true
                    maxlength=6
                    input_class="text-center text-2xl font-semibold tracking-[0.45em] tabular-nums"
                    error=flow.field_error("email_code")
                />
                // No intent: a code (Enter in the field submits the same).
                <SubmitButton label="Verify" pending_label="Checking…" pending />
                <div class="mt-5 text-center text-sm text-muted">
                    "No mail? Check your spam folder, or "
                    <button type="submit" name="intent" value="send_email_code" formnovalidate=true class="font-semibold text-brand hover:underline">"send a new code"</button>
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
        <h1 class="text-[26px] font-semibold leading-8 tracking-tight text-ink">"Confirm it's you"</h1>
        <p class="mt-1.5 mb-7 text-[15px] leading-6 text-muted" data-testid="second-factor-lead">
            "This sign-in looks different from your usual ones, so we need one more step. " {lead}
        </p>
        <FlowNotices messages outcome />
        {form}
        {(!others.is_empty()).then(|| view! {
            <div class="mt-7 border-t border-line pt-5">
                <p class="text-sm font-medium text-ink">"Other ways to confirm"</p>
                <ul class="mt-2 space-y-1">
                    {others.into_iter().map(|f| {
                        let label = match f.as_str() {
                            "passkey" => "Use a passkey",
                            "totp" => "Use your authenticator app",
                            "recovery_code" => "Use a recovery code",
                            _ => "Email me a code",
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
            <a href="/login" rel="external" class="font-medium text-muted hover:text-ink hover:underline">"Cancel and start over"</a>
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
        .unwrap_or_else(|| "your provider".into());
    // The step's own lead says what the notice would.
    let notices: Vec<_> = flow
        .general_messages()
        .into_iter()
        .filter(|m| m.id != "federation.details")
        .collect();
    view! {
        <h1 class="text-[26px] font-semibold leading-8 tracking-tight text-ink">"Finish signing up"</h1>
        <p class="mt-1.5 mb-7 text-[15px] leading-6 text-muted" data-testid="details-lead">
            {format!("{provider} didn't share an email address it has confirmed. Enter yours and we'll send you a code to confirm it.")}
        </p>
        <FlowNotices messages=notices outcome />
        <ActionForm action attr:novalidate=true attr:data-testid="details-form">
            <FlowFields flow=flow.clone() />
            <Field
                name="email"
                label="Email"
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
                label="Your name"
                kind="text"
                value=flow.display_name.clone()
                autocomplete="name"
                maxlength=64
                error=flow.field_error("display_name")
            />
            <SubmitButton label="Send code" pending_label="Sending…" pending />
        </ActionForm>
        <p class="mt-7 text-center text-sm text-muted">
            <a href="/login" rel="external" class="font-medium text-muted hover:text-ink hover:underline">"Cancel and start over"</a>
        </p>
    }
}
