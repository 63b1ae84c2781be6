use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{SubmitRegistration, SubmitVerification, registration_flow};
use crate::components::{
    AuthLayout, Field, OrDivider, PasskeyButton, ProviderButtons, SubmitButton,
};
use crate::flow_page::{FlowFields, FlowNotices, FlowQuery, FlowScreen, SwitchLink, VerifyStep};
use crate::i18n::{t, tf};
use crate::views::FlowView;

/// `/register?flow=<id>`: create an account with email and password.
#[component]
pub fn RegisterPage() -> impl IntoView {
    let submit = ServerAction::<SubmitRegistration>::new();
    let verify = ServerAction::<SubmitVerification>::new();
    // Once the verify step has been used, its answers are the newest.
    let outcome = Signal::derive(move || verify.value().get().or_else(|| submit.value().get()));
    view! {
        <Title text=t("register.page_title") />
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
    let hint = tf(
        "password.hint",
        &[("min", &flow.password_min_length.to_string())],
    );
    // The app being signed up to may offer fewer ways in; the server refuses the others.
    let (password, passkey) = (flow.password_allowed, flow.passkey_allowed);
    let password_part = password.then(|| {
        view! {
            <Field
                name="password"
                label=t("common.password")
                kind="password"
                autocomplete="new-password"
                required=true
                hint=hint
                error=flow.field_error("password")
            />
            <div class="mt-2">
                <SubmitButton label=t("register.submit") pending_label=t("register.submitting") pending />
            </div>
        }
        .into_any()
    });
    let passkey_part = passkey.then(|| {
        view! {
            <PasskeyButton action="register" label=t("register.passkey") />
            <p class="mt-2 text-center text-xs leading-5 text-muted">{t("register.passkey_note")}</p>
        }
        .into_any()
    });
    let details = (password || passkey).then(|| {
        view! {
            <Field
                name="display_name"
                label=t("register.name")
                value=flow.display_name.clone()
                autocomplete="name"
                maxlength=100
                hint=t("register.name_hint")
                error=flow.field_error("display_name")
            />
            <Field
                name="email"
                label=t("common.email")
                kind="email"
                value=flow.email.clone()
                autocomplete="email"
                required=true
                maxlength=254
                error=flow.field_error("email")
            />
        }
        .into_any()
    });
    view! {
        <h1 class="text-[26px] font-semibold leading-8 tracking-tight text-ink">{t("register.title")}</h1>
        <p class="mt-1.5 mb-7 text-[15px] text-muted">{t("register.subtitle")}</p>
        <FlowNotices messages=flow.general_messages() outcome />
        <ProviderButtons flow=flow.clone() />
        <ActionForm action=submit attr:novalidate=true attr:data-testid="register-form">
            <FlowFields flow=flow.clone() />
            {details}
            {password_part}
            {(password && passkey).then(|| view! { <OrDivider /> })}
            {passkey_part}
        </ActionForm>
        <SwitchLink
            prompt=t("register.have_account")
            label=t("common.sign_in")
            path="/login"
            return_to
        />
    }
}
