//! The frame every flow page shares: the flow named in the URL (or a fresh one), the
//! flow a hydrated submit hands back, and the pieces every flow form carries.

use std::future::Future;

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::AppError;
use crate::components::{Alert, LoadError, Loading};
use crate::i18n::{t, tf};
use crate::views::{FlowView, FormOutcome, MessageView};

/// What a flow page reads from its URL.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FlowQuery {
    pub flow: Option<String>,
    /// The query parameter named by the screen's `param` (`return_to` unless said
    /// otherwise).
    pub extra: Option<String>,
    /// An app's `login_hint`, passed on by the authorization endpoint.
    pub login_hint: Option<String>,
    /// `login` when an app asked for a fresh sign-in.
    pub prompt: Option<String>,
}

/// Loads the page's flow with `load(query)` from the URL and renders
/// `form` for it. After a hydrated submit, `outcome` may hold a newer copy of the same flow
/// (with the messages to show), which then replaces the loaded one.
#[component]
pub fn FlowScreen<Fut, F, V>(
    load: fn(FlowQuery) -> Fut,
    #[prop(into)] outcome: Signal<Option<Result<FormOutcome, AppError>>>,
    form: F,
    #[prop(default = "return_to")] param: &'static str,
) -> impl IntoView
where
    Fut: Future<Output = Result<FlowView, AppError>> + Send + 'static,
    F: Fn(FlowView) -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let query = use_query_map();
    let flow = Resource::new(
        move || {
            let q = query.read();
            FlowQuery {
                flow: q.get("flow"),
                extra: q.get(param),
                login_hint: q.get("login_hint"),
                prompt: q.get("prompt"),
            }
        },
        load,
    );
    view! {
        <Suspense fallback=Loading>
            {move || {
                let form = form.clone();
                Suspend::new(async move {
                    match flow.await {
                        Ok(fetched) => {
                            let current = Memo::new(move |_| match outcome.get() {
                                Some(Ok(FormOutcome::ShowFlow(f))) if f.id == fetched.id => *f,
                                _ => fetched.clone(),
                            });
                            (move || form(current.get())).into_any()
                        }
                        Err(error) => view! { <LoadError error /> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// The messages above a flow form, and the error of a hydrated submit that failed.
#[component]
pub fn FlowNotices(
    messages: Vec<MessageView>,
    #[prop(into)] outcome: Signal<Option<Result<FormOutcome, AppError>>>,
) -> impl IntoView {
    let failed = move || outcome.get().and_then(|r| r.err()).map(|e| e.to_string());
    view! {
        {messages.into_iter().map(|m| view! { <Alert message=m /> }).collect_view()}
        {move || failed().map(|e| view! {
            <div role="alert" class="mb-5 rounded-brand border border-danger/25 bg-danger/[0.06] px-3.5 py-3 text-sm text-danger">{e}</div>
        })}
    }
}

/// The hidden fields every flow form posts: which flow, and its CSRF token.
#[component]
pub fn FlowFields(flow: FlowView) -> impl IntoView {
    view! {
        <input type="hidden" name="flow" value=flow.id />
        <input type="hidden" name="csrf_token" value=flow.csrf_token />
    }
}

/// The line under a form that leads to the other flow ("New here? Create an account").
#[component]
pub fn SwitchLink(
    #[prop(into)] prompt: String,
    #[prop(into)] label: String,
    path: &'static str,
    return_to: Option<String>,
) -> impl IntoView {
    let href = match return_to {
        Some(r) => format!("{path}?return_to={}", urlencode(&r)),
        None => path.to_string(),
    };
    view! {
        <p class="mt-7 border-t border-line pt-6 text-center text-sm text-muted">
            {prompt} " "
            <a href=href class="font-semibold text-brand hover:underline">
                {label}
            </a>
        </p>
    }
}

/// Percent-encodes a local path for use as a query value.
pub fn urlencode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The verify step of login and registration: the code from the mail, a new code, or
/// carrying on after the link in the mail was opened.
#[component]
pub fn VerifyStep(
    flow: FlowView,
    action: ServerAction<crate::api::SubmitVerification>,
) -> impl IntoView {
    let outcome = Signal::derive(move || action.value().get());
    let pending = Signal::derive(move || action.pending().get());
    let email = flow.verify_email.clone().unwrap_or_default();
    let code_only = flow.code_only;
    // The address is set in bold inside the translated sentence.
    let lead = t(if code_only {
        "verify.lead_code"
    } else {
        "verify.lead_link"
    });
    let (lead_before, lead_after) = crate::i18n::around(&lead, "email");
    // The "we sent a mail" notice is the page's own text; show only the others.
    let notices: Vec<MessageView> = flow
        .general_messages()
        .into_iter()
        .filter(|m| m.id != "verification.sent")
        .collect();
    view! {
        <h1 class="text-[26px] font-semibold leading-8 tracking-tight text-ink">{t("verify.title")}</h1>
        <p class="mt-1.5 mb-7 text-[15px] leading-6 text-muted">
            {lead_before} <strong class="font-semibold text-ink" data-testid="verify-email">{email}</strong> {lead_after}
        </p>
        <FlowNotices messages=notices outcome />
        <ActionForm action attr:novalidate=true attr:data-testid="verify-form">
            <input type="hidden" name="kind" value=flow.kind.clone() />
            <FlowFields flow=flow.clone() />
            <crate::components::Field
                name="code"
                label=t("verify.code_label")
                kind="text"
                autocomplete="one-time-code"
                inputmode="numeric"
                autofocus=true
                maxlength=6
                input_class="text-center text-2xl font-semibold tracking-[0.45em] tabular-nums"
                error=flow.field_error("code")
            />
            <div class="mt-2">
                <crate::components::SubmitButton label=t("verify.submit") pending_label=t("common.checking") pending />
            </div>
            <div class="mt-7 border-t border-line pt-5">
                <p class="text-sm text-muted">{t("verify.no_mail")}</p>
                <div class=if code_only { "mt-3 grid grid-cols-1 gap-3" } else { "mt-3 grid grid-cols-2 gap-3" }>
                    <button type="submit" name="intent" value="resend" class=crate::components::SECONDARY_BUTTON>
                        {t("verify.resend")}
                    </button>
                    {(!code_only).then(|| view! {
                        <button type="submit" name="intent" value="continue" class=crate::components::SECONDARY_BUTTON>
                            {t("verify.opened_link")}
                        </button>
                    })}
                </div>
            </div>
        </ActionForm>
    }
}

/// A password input with the policy hint (for new passwords).
#[component]
pub fn NewPasswordField(
    flow: FlowView,
    #[prop(optional, into)] label: Option<String>,
) -> impl IntoView {
    let label = label.unwrap_or_else(|| t("common.password"));
    let hint = tf(
        "password.hint",
        &[("min", &flow.password_min_length.to_string())],
    );
    view! {
        <crate::components::Field
            name="password"
            label=label
            kind="password"
            autocomplete="new-password"
            required=true
            hint=hint
            error=flow.field_error("password")
        />
    }
}
