use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::verify_link;
use crate::components::{AuthLayout, LoadError, Loading};
use crate::i18n::{around, t, use_i18n};

/// `/verify?token=…`: the link from a verification mail.
#[component]
pub fn VerifyLinkPage() -> impl IntoView {
    let query = use_query_map();
    let result = Resource::new(
        move || query.read().get("token").unwrap_or_default(),
        verify_link,
    );
    let i18n = use_i18n();
    view! {
        <Title text=t("verify_link.page_title") />
        <AuthLayout>
            <Suspense fallback=Loading>
                {move || {
                let i18n = i18n.clone();
                Suspend::new(async move {
                    match result.await {
                        Ok(v) if v.verified => {
                            let (href, label) = if v.signed_in {
                                ("/account", i18n.text("verify_link.to_account"))
                            } else {
                                ("/login", i18n.text("verify_link.to_sign_in"))
                            };
                            let (before, after) =
                                around(&i18n.text("verify_link.confirmed_lead"), "email");
                            view! {
                                <div class="mb-5 flex h-11 w-11 items-center justify-center rounded-full bg-success/10 text-success">
                                    <svg aria-hidden="true" viewBox="0 0 20 20" class="h-6 w-6 fill-current">
                                        <path d="M8.1 13.6 4.6 10l-1.2 1.2 4.7 4.7 9-9-1.2-1.2z" />
                                    </svg>
                                </div>
                                <h1 class="text-[26px] font-semibold leading-8 tracking-tight">{i18n.text("verify_link.confirmed")}</h1>
                                <p class="mt-2 text-[15px] leading-6 text-muted">
                                    {before} <strong class="font-semibold text-ink">{v.email.unwrap_or_default()}</strong> {after}
                                </p>
                                <a href=href class="mt-7 inline-flex w-full items-center justify-center rounded-brand bg-brand px-4 py-2.5 text-[15px] font-semibold text-on-brand hover:brightness-110">
                                    {label}
                                </a>
                            }
                            .into_any()
                        }
                        Ok(_) => view! {
                            <h1 class="text-[26px] font-semibold leading-8 tracking-tight">{i18n.text("verify_link.dead")}</h1>
                            <p class="mt-2 text-[15px] leading-6 text-muted">
                                {i18n.text("verify_link.dead_lead")}
                            </p>
                            <a href="/login" class="mt-7 inline-flex w-full items-center justify-center rounded-brand bg-brand px-4 py-2.5 text-[15px] font-semibold text-on-brand hover:brightness-110">
                                {i18n.text("common.sign_in")}
                            </a>
                        }
                        .into_any(),
                        Err(error) => view! { <LoadError error /> }.into_any(),
                    }
                })
                }}
            </Suspense>
        </AuthLayout>
    }
}
