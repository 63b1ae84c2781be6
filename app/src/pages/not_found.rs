use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::AuthLayout;
use crate::i18n::t;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text=t("not_found.title") />
        <AuthLayout>
            <h1 class="text-2xl font-semibold tracking-tight">{t("not_found.title")}</h1>
            <p class="mt-2 text-sm text-muted">
                {t("not_found.lead")}
            </p>
            <a
                href="/account"
                class="mt-6 inline-flex w-full items-center justify-center rounded-brand bg-brand px-4 py-2.5 text-[15px] font-semibold text-on-brand hover:brightness-110"
            >
                {t("not_found.to_account")}
            </a>
        </AuthLayout>
    }
}
