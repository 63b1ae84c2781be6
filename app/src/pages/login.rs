use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{SubmitLogin, SubmitVerification, login_flow};
use crate::components::{AuthLayout, Field, OrDivider, PasskeyButton, SubmitButton};
use crate::flow_page::{FlowFields, FlowNotices, FlowScreen, SwitchLink, VerifyStep};
use crate::views::FlowView;

/// `/login?flow=<id>`: sign in with email and password.
#[component]
pub fn LoginPage() -> impl IntoView {
    let submit = ServerAction::<SubmitLogin>::new();
    let verify = ServerAction::<SubmitVerification>::new();
    // Once the verify step has been used, its answers are the newest.
    let outcome = Signal::derive(move || verify.value().get().or_else(|| submit.value().get()));
    view! {
        <Title text="Sign in" />
        <AuthLayout>
            <FlowScreen
                load=login_flow
                outcome
                form=move |flow: FlowView| {
                    if flow.step == "verify_email" {
                        view! { <VerifyStep flow action=verify /> }.into_any()
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
