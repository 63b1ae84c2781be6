use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::{AuthLayout, LoadError, Loading};
use crate::i18n::{around, t, use_i18n};
use crate::oauth_api::load_consent;

const PRIMARY: &str = "inline-flex w-full items-center justify-center rounded-brand bg-brand px-4 py-2.5 text-[15px] font-semibold text-on-brand shadow-sm transition hover:brightness-110 focus-visible:outline-none focus-visible:ring-4 focus-visible:ring-brand/30";
const SECONDARY: &str = "inline-flex w-full items-center justify-center rounded-brand border border-line bg-surface px-4 py-2.5 text-[15px] font-semibold text-ink shadow-sm transition hover:bg-canvas focus-visible:outline-none focus-visible:ring-4 focus-visible:ring-brand/20";

/// `/consent?request=…`: a third-party app asks to see part of the customer's
/// account. Plain forms: it works without JavaScript.
#[component]
pub fn ConsentPage() -> impl IntoView {
    let query = use_query_map();
    let request = move || query.read().get("request").unwrap_or_default();
    let data = Resource::new(request, load_consent);
    let i18n = use_i18n();
    view! {
        <Title text=t("consent.page_title") />
        <AuthLayout>
            <Suspense fallback=Loading>
                {move || {
                let i18n = i18n.clone();
                Suspend::new(async move {
                    match data.await {
                        Ok(v) => {
                            let request = request();
                            let (before, after) = around(&i18n.text("consent.signed_in_as"), "email");
                            view! {
                                <div class="mb-5 flex items-center gap-3">
                                    <span aria-hidden="true" class="inline-flex h-11 w-11 items-center justify-center rounded-brand border border-line bg-canvas text-lg font-semibold text-ink">
                                        {v.app_name.chars().next().map(|c| c.to_uppercase().to_string()).unwrap_or_default()}
                                    </span>
                                    <span class="text-sm text-muted">{v.redirect_host.clone()}</span>
                                </div>
                                <h1 class="text-[26px] font-semibold leading-8 tracking-tight" data-testid="consent-heading">
                                    {i18n.format("consent.heading", &[("app", &v.app_name)])}
                                </h1>
                                <p class="mt-2 text-[15px] leading-6 text-muted">
                                    {before}<span class="font-medium text-ink">{v.account_email.clone()}</span>{after}
                                </p>
                                <ul class="mt-4 divide-y divide-line rounded-brand border border-line" data-testid="consent-scopes">
                                    {v.access.iter().map(|a| view! {
                                        <li class="flex items-start gap-3 px-4 py-3 text-[15px] text-ink">
                                            <svg aria-hidden="true" viewBox="0 0 20 20" class="mt-0.5 h-5 w-5 shrink-0 fill-current text-success"><path d="M8.1 13.6 4.6 10l-1.2 1.2 4.7 4.7 9-9-1.2-1.2z" /></svg>
                                            <span>{a.clone()}</span>
                                        </li>
                                    }).collect_view()}
                                </ul>
                                <p class="mt-4 text-sm leading-6 text-muted">
                                    {i18n.text("consent.remove_later")}
                                </p>
                                <form method="post" action="/api/consent/answer" class="mt-6 space-y-3" data-testid="consent-form">
                                    <input type="hidden" name="request" value=request.clone() />
                                    <input type="hidden" name="csrf_token" value=v.csrf_token.clone() />
                                    <button type="submit" name="decision" value="allow" data-testid="consent-allow" class=PRIMARY>{i18n.text("consent.allow")}</button>
                                    <button type="submit" name="decision" value="deny" data-testid="consent-deny" class=SECONDARY>{i18n.text("consent.deny")}</button>
                                </form>
                            }.into_any()
                        }
                        Err(error) => view! { <LoadError error /> }.into_any(),
                    }
                })
                }}
            </Suspense>
        </AuthLayout>
    }
}
