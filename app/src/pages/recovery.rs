use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{SubmitRecovery, recovery_flow};
use crate::components::{AuthLayout, Field, SECONDARY_BUTTON, SubmitButton};
use crate::flow_page::{FlowFields, FlowNotices, FlowQuery, FlowScreen};
use crate::i18n::t;
use crate::views::FlowView;

/// `/recovery?flow=<id>`: ask for a password reset link.
#[component]
pub fn RecoveryPage() -> impl IntoView {
    let submit = ServerAction::<SubmitRecovery>::new();
    let outcome = Signal::derive(move || submit.value().get());
    view! {
        <Title text=t("recovery.page_title") />
        <AuthLayout>
            <FlowScreen load=|q: FlowQuery| recovery_flow(q.flow, q.extra) outcome form=move |flow| view! { <RecoveryForm flow submit /> } />
        </AuthLayout>
    }
}

#[component]
fn RecoveryForm(flow: FlowView, submit: ServerAction<SubmitRecovery>) -> impl IntoView {
    let outcome = Signal::derive(move || submit.value().get());
    let pending = Signal::derive(move || submit.pending().get());
    let sent = flow.step == "link_sent";
    let (title, lead) = if sent {
        (t("recovery.sent_title"), t("recovery.sent_lead"))
    } else {
        (t("recovery.title"), t("recovery.subtitle"))
    };
    view! {
        <h1 class="text-[26px] font-semibold leading-8 tracking-tight text-ink">{title}</h1>
        <p class="mt-1.5 mb-7 text-[15px] leading-6 text-muted">{lead}</p>
        <FlowNotices messages=flow.general_messages() outcome />
        <ActionForm action=submit attr:novalidate=true attr:data-testid="recovery-form">
            <FlowFields flow=flow.clone() />
            <Field
                name="email"
                label=t("common.email")
                kind="email"
                value=flow.email.clone()
                autocomplete="email"
                required=true
                autofocus=!sent
                maxlength=254
                error=flow.field_error("email")
            />
            <div class="mt-2">
                {if sent {
                    view! {
                        <button type="submit" class=format!("{SECONDARY_BUTTON} w-full")>{t("recovery.again")}</button>
                    }
                    .into_any()
                } else {
                    view! { <SubmitButton label=t("recovery.submit") pending_label=t("common.sending") pending /> }.into_any()
                }}
            </div>
        </ActionForm>
        <p class="mt-7 border-t border-line pt-6 text-center text-sm text-muted">
            {t("recovery.remembered")} " "
            <a href="/login" class="font-semibold text-brand hover:underline">{t("common.sign_in")}</a>
        </p>
    }
}
