use leptos::prelude::*;
use leptos_meta::Title;

use crate::AppError;
use crate::api::{SubmitReset, reset_flow};
use crate::components::{AuthLayout, SubmitButton};
use crate::flow_page::{FlowFields, FlowNotices, FlowQuery, FlowScreen, NewPasswordField};
use crate::i18n::t;
use crate::views::FlowView;

async fn load(q: FlowQuery) -> Result<FlowView, AppError> {
    let (flow, token) = (q.flow, q.extra);
    reset_flow(token, flow, None).await
}

/// `/recovery/reset?flow=<id>` (reached from the mail's `?token=…`, which is swapped
/// for the flow on first load): choose a new password.
#[component]
pub fn ResetPage() -> impl IntoView {
    let submit = ServerAction::<SubmitReset>::new();
    let outcome = Signal::derive(move || submit.value().get());
    view! {
        <Title text=t("reset.title") />
        <AuthLayout>
            <FlowScreen load param="token" outcome form=move |flow| view! { <ResetForm flow submit /> } />
        </AuthLayout>
    }
}

#[component]
fn ResetForm(flow: FlowView, submit: ServerAction<SubmitReset>) -> impl IntoView {
    let outcome = Signal::derive(move || submit.value().get());
    let pending = Signal::derive(move || submit.pending().get());
    let (lead_before, lead_after) = crate::i18n::around(&t("reset.lead"), "email");
    view! {
        <h1 class="text-[26px] font-semibold leading-8 tracking-tight text-ink">{t("reset.title")}</h1>
        <p class="mt-1.5 mb-7 text-[15px] leading-6 text-muted">
            {lead_before} <strong class="font-semibold text-ink">{flow.email.clone()}</strong> {lead_after}
        </p>
        <FlowNotices messages=flow.general_messages() outcome />
        <ActionForm action=submit attr:novalidate=true attr:data-testid="reset-form">
            <FlowFields flow=flow.clone() />
            <input type="email" name="username" value=flow.email.clone() autocomplete="username" hidden />
            <NewPasswordField flow=flow.clone() label=t("reset.new_password") />
            <div class="mt-2">
                <SubmitButton label=t("reset.submit") pending_label=t("reset.submitting") pending />
            </div>
        </ActionForm>
    }
}
