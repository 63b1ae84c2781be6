use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{SubmitPasswordChange, password_change_flow};
use crate::components::{AuthLayout, Field, SubmitButton};
use crate::flow_page::{FlowFields, FlowNotices, FlowQuery, FlowScreen, NewPasswordField};
use crate::i18n::t;
use crate::views::FlowView;

/// `/account/password?flow=<id>`: a signed-in customer changes their password.
#[component]
pub fn PasswordChangePage() -> impl IntoView {
    let submit = ServerAction::<SubmitPasswordChange>::new();
    let outcome = Signal::derive(move || submit.value().get());
    view! {
        <Title text=t("password_change.title") />
        <AuthLayout>
            <FlowScreen
                load=|q: FlowQuery| password_change_flow(q.flow, q.extra)
                outcome
                form=move |flow| view! { <PasswordChangeForm flow submit /> }
            />
        </AuthLayout>
    }
}

#[component]
fn PasswordChangeForm(flow: FlowView, submit: ServerAction<SubmitPasswordChange>) -> impl IntoView {
    let outcome = Signal::derive(move || submit.value().get());
    let pending = Signal::derive(move || submit.pending().get());
    view! {
        <h1 class="text-[26px] font-semibold leading-8 tracking-tight text-ink">{t("password_change.title")}</h1>
        <p class="mt-1.5 mb-7 text-[15px] leading-6 text-muted">
            {t("password_change.lead")}
        </p>
        <FlowNotices messages=flow.general_messages() outcome />
        <ActionForm action=submit attr:novalidate=true attr:data-testid="password-change-form">
            <FlowFields flow=flow.clone() />
            <Field
                name="current_password"
                label=t("password_change.current")
                kind="password"
                autocomplete="current-password"
                required=true
                autofocus=true
                error=flow.field_error("current_password")
            />
            <NewPasswordField flow=flow.clone() label=t("reset.new_password") />
            <div class="mt-2">
                <SubmitButton label=t("reset.submit") pending_label=t("reset.submitting") pending />
            </div>
        </ActionForm>
        <p class="mt-7 border-t border-line pt-6 text-center text-sm text-muted">
            <a href="/account" class="font-semibold text-brand hover:underline">{t("password_change.back")}</a>
        </p>
    }
}
