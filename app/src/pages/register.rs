use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::login::urlencode;
use crate::api::{SubmitRegistration, registration_flow};
use crate::components::{Alert, AuthLayout, Field, LoadError, Loading, SubmitButton};
use crate::views::{FlowView, FormOutcome};

/// `/register?flow=<id>`: create an account with email and password.
#[component]
pub fn RegisterPage() -> impl IntoView {
    let query = use_query_map();
    let submit = ServerAction::<SubmitRegistration>::new();
    let flow = Resource::new(
        move || {
            let q = query.read();
            (q.get("flow"), q.get("return_to"))
        },
        |(flow, return_to)| registration_flow(flow, return_to),
    );
    view! {
        <Title text="Create your account" />
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
                            (move || view! { <RegisterForm flow=current.get() submit /> }).into_any()
                        }
                        Err(error) => view! { <LoadError error /> }.into_any(),
                    }
                })}
            </Suspense>
        </AuthLayout>
    }
}

#[component]
fn RegisterForm(flow: FlowView, submit: ServerAction<SubmitRegistration>) -> impl IntoView {
    let login_href = match &flow.return_to {
        Some(r) => format!("/login?return_to={}", urlencode(r)),
        None => "/login".to_string(),
    };
    let action_error = move || {
        submit
            .value()
            .get()
            .and_then(|r| r.err())
            .map(|e| e.to_string())
    };
    let pending = Signal::derive(move || submit.pending().get());
    let hint = format!(
        "At least {} characters. A phrase of unrelated words works well.",
        flow.password_min_length
    );
    view! {
        <h1 class="text-[26px] font-semibold leading-8 tracking-tight text-ink">"Create your account"</h1>
        <p class="mt-1.5 mb-7 text-[15px] text-muted">"It takes less than a minute."</p>
        {flow.general_messages().into_iter().map(|m| view! { <Alert message=m /> }).collect_view()}
        {move || action_error().map(|e| view! {
            <div role="alert" class="mb-5 rounded-brand border border-danger/25 bg-danger/[0.06] px-3.5 py-3 text-sm text-danger">{e}</div>
        })}
        <ActionForm action=submit attr:novalidate=true attr:data-testid="register-form">
            <input type="hidden" name="flow" value=flow.id.clone() />
            <input type="hidden" name="csrf_token" value=flow.csrf_token.clone() />
            <Field
                name="display_name"
                label="Name"
                value=flow.display_name.clone()
                autocomplete="name"
                maxlength=100
                hint="Optional. How we greet you."
                error=flow.field_error("display_name")
            />
            <Field
                name="email"
                label="Email"
                kind="email"
                value=flow.email.clone()
                autocomplete="email"
                required=true
                maxlength=254
                error=flow.field_error("email")
            />
            <Field
                name="password"
                label="Password"
                kind="password"
                autocomplete="new-password"
                required=true
                hint=hint
                error=flow.field_error("password")
            />
            <div class="mt-2">
                <SubmitButton label="Create account" pending_label="Creating your account…" pending />
            </div>
        </ActionForm>
        <p class="mt-7 border-t border-line pt-6 text-center text-sm text-muted">
            "Already have an account? "
            <a href=login_href class="font-semibold text-brand hover:underline">
                "Sign in"
            </a>
        </p>
    }
}
