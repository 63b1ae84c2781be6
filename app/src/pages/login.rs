use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::{SubmitLogin, login_flow};
use crate::components::{Alert, AuthLayout, Field, LoadError, Loading, SubmitButton};
use crate::views::{FlowView, FormOutcome};

/// `/login?flow=<id>`: sign in with email and password.
#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let submit = ServerAction::<SubmitLogin>::new();
    let flow = Resource::new(
        move || {
            let q = query.read();
            (q.get("flow"), q.get("return_to"))
        },
        |(flow, return_to)| login_flow(flow, return_to),
    );
    view! {
        <Title text="Sign in" />
        <AuthLayout>
            <Suspense fallback=Loading>
                {move || Suspend::new(async move {
                    match flow.await {
                        Ok(fetched) => {
                            // After a hydrated submit, the action hands back the flow to show.
                            let current = Memo::new(move |_| match submit.value().get() {
                                Some(Ok(FormOutcome::ShowFlow(f))) if f.id == fetched.id => f,
                                _ => fetched.clone(),
                            });
                            (move || view! { <LoginForm flow=current.get() submit /> }).into_any()
                        }
                        Err(error) => view! { <LoadError error /> }.into_any(),
                    }
                })}
            </Suspense>
        </AuthLayout>
    }
}

#[component]
fn LoginForm(flow: FlowView, submit: ServerAction<SubmitLogin>) -> impl IntoView {
    let register_href = match &flow.return_to {
        Some(r) => format!("/register?return_to={}", urlencode(r)),
        None => "/register".to_string(),
    };
    let action_error = move || {
        submit
            .value()
            .get()
            .and_then(|r| r.err())
            .map(|e| e.to_string())
    };
    let pending = Signal::derive(move || submit.pending().get());
    let has_email = !flow.email.is_empty();
    view! {
        <h1 class="text-[26px] font-semibold leading-8 tracking-tight text-ink">"Sign in"</h1>
        <p class="mt-1.5 mb-7 text-[15px] text-muted">"Welcome back. Enter your details below."</p>
        {flow.general_messages().into_iter().map(|m| view! { <Alert message=m /> }).collect_view()}
        {move || action_error().map(|e| view! {
            <div role="alert" class="mb-5 rounded-brand border border-danger/25 bg-danger/[0.06] px-3.5 py-3 text-sm text-danger">{e}</div>
        })}
        <ActionForm action=submit attr:novalidate=true attr:data-testid="login-form">
            <input type="hidden" name="flow" value=flow.id.clone() />
            <input type="hidden" name="csrf_token" value=flow.csrf_token.clone() />
            <Field
                name="email"
                label="Email"
                kind="email"
                value=flow.email.clone()
                autocomplete="username"
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
            <div class="mt-2">
                <SubmitButton label="Sign in" pending_label="Signing in…" pending />
            </div>
        </ActionForm>
        <p class="mt-7 border-t border-line pt-6 text-center text-sm text-muted">
            "New here? "
            <a href=register_href class="font-semibold text-brand hover:underline">
                "Create an account"
            </a>
        </p>
    }
}

/// Percent-encodes a local path for use as a query value.
pub(crate) fn urlencode(value: &str) -> String {
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
