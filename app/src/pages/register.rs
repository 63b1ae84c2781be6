use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{SubmitRegistration, SubmitVerification, registration_flow};
use crate::components::{
    AuthLayout, Field, OrDivider, PasskeyButton, ProviderButtons, SubmitButton,
};
use crate::flow_page::{FlowFields, FlowNotices, FlowQuery, FlowScreen, SwitchLink, VerifyStep};
use crate::views::FlowView;

/// `/register?flow=<id>`: create an account with email and password.
#[component]
pub fn RegisterPage() -> impl IntoView {
    let submit = ServerAction::<SubmitRegistration>::new();
    let verify = ServerAction::<SubmitVerification>::new();
    // Once the verify step has been used, its answers are the newest.
    let outcome = Signal::derive(move || verify.value().get().or_else(|| submit.value().get()));
    view! {
        <Title text="Create your account" />
        <AuthLayout>
            <FlowScreen
                load=|q: FlowQuery| registration_flow(q.flow, q.extra)
                outcome
                form=move |flow: FlowView| {
                    if flow.step == "verify_email" {
                        view! { <VerifyStep flow action=verify /> }.into_any()
                    } else {
                        view! { <RegisterForm flow submit /> }.into_any()
                    }
                }
            />
        </AuthLayout>
    }
}

#[component]
fn RegisterForm(flow: FlowView, submit: ServerAction<SubmitRegistration>) -> impl IntoView {
    let outcome = Signal::derive(move || submit.value().get());
    let pending = Signal::derive(move || submit.pending().get());
    let return_to = flow.return_to.clone();
    let hint = format!(
        "At least {} characters. A phrase of unrelated words works well.",
        flow.password_min_length
    );
    view! {
        <h1 class="text-[26px] font-semibold leading-8 tracking-tight text-ink">"Create your account"</h1>
        <p class="mt-1.5 mb-7 text-[15px] text-muted">"It takes less than a minute."</p>
        <FlowNotices messages=flow.general_messages() outcome />
        <ProviderButtons flow=flow.clone() />
        <ActionForm action=submit attr:novalidate=true attr:data-testid="register-form">
            <FlowFields flow=flow.clone() />
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
            <OrDivider />
            <PasskeyButton action="register" label="Create account with a passkey" />
            <p class="mt-2 text-center text-xs leading-5 text-muted">"No password to remember: your device's screen lock protects your passkey. Fill in your email above first."</p>
        </ActionForm>
        <SwitchLink
            prompt="Already have an account?"
            label="Sign in"
            path="/login"
            return_to
        />
    }
}
