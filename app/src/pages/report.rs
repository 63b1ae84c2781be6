use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::{AuthLayout, LoadError, Loading};
use crate::i18n::t;
use crate::security_api::report_check;

const PRIMARY: &str = "inline-flex w-full items-center justify-center rounded-brand bg-brand px-4 py-2.5 text-[15px] font-semibold text-on-brand shadow-sm transition hover:brightness-110 focus-visible:outline-none focus-visible:ring-4 focus-visible:ring-brand/30";

/// `/security/report?token=…`: the "this wasn't me" link from a new-sign-in mail.
/// Opening it only shows the sign-in; the button locks the account down.
#[component]
pub fn ReportPage() -> impl IntoView {
    let query = use_query_map();
    let result = Resource::new(
        move || {
            let q = query.read();
            (
                q.get("token").unwrap_or_default(),
                q.get("secured").is_some_and(|v| v == "true"),
            )
        },
        |(token, secured)| report_check(token, secured),
    );
    let token = move || query.read_untracked().get("token").unwrap_or_default();
    view! {
        <Title text=t("report.title") />
        <AuthLayout>
            <Suspense fallback=Loading>
                {move || Suspend::new(async move {
                    match result.await {
                        Ok(r) if r.state == "open" => view! {
                            <div class="mb-5 flex h-11 w-11 items-center justify-center rounded-full bg-danger/10 text-danger">
                                <svg aria-hidden="true" viewBox="0 0 24 24" class="h-6 w-6" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round">
                                    <path d="M12 3 5 6v5c0 4.5 3 8.3 7 10 4-1.7 7-5.5 7-10V6z" /><path d="M12 8v4M12 15.5v.5" />
                                </svg>
                            </div>
                            <h1 class="text-[26px] font-semibold leading-8 tracking-tight">{t("report.heading")}</h1>
                            <p class="mt-2 text-[15px] leading-6 text-muted">{t("report.lead")}</p>
                            <dl class="mt-4 divide-y divide-line rounded-brand border border-line text-sm" data-testid="reported-sign-in">
                                <div class="flex justify-between gap-4 px-4 py-2.5"><dt class="text-muted">{t("report.when")}</dt><dd class="text-right font-medium text-ink">{r.when.clone()}</dd></div>
                                <div class="flex justify-between gap-4 px-4 py-2.5"><dt class="text-muted">{t("report.where")}</dt><dd class="text-right font-medium text-ink">{r.place.clone()}</dd></div>
                                <div class="flex justify-between gap-4 px-4 py-2.5"><dt class="text-muted">{t("report.device")}</dt><dd class="text-right font-medium text-ink">{r.device.clone()}</dd></div>
                            </dl>
                            <p class="mt-5 text-[15px] leading-6 text-ink">{t("report.we_will")}</p>
                            <ul class="mt-2 list-disc space-y-1 pl-5 text-[15px] leading-6 text-muted">
                                <li>{t("report.step_sign_out")}</li>
                                <li>{t("report.step_password")}</li>
                                <li>{t("report.step_second")}</li>
                            </ul>
                            <form method="post" action="/api/security/report" class="mt-6" data-testid="report-form">
                                <input type="hidden" name="token" value=token() />
                                <button type="submit" data-testid="report-confirm" class="inline-flex w-full items-center justify-center rounded-brand bg-danger px-4 py-2.5 text-[15px] font-semibold text-white shadow-sm transition hover:brightness-110 focus-visible:outline-none focus-visible:ring-4 focus-visible:ring-danger/30">
                                    {t("report.confirm")}
                                </button>
                            </form>
                            <p class="mt-4 text-center text-sm text-muted">{t("report.was_me")}</p>
                        }.into_any(),
                        Ok(r) if r.state == "secured" || r.state == "already" => view! {
                            <div class="mb-5 flex h-11 w-11 items-center justify-center rounded-full bg-success/10 text-success">
                                <svg aria-hidden="true" viewBox="0 0 20 20" class="h-6 w-6 fill-current"><path d="M8.1 13.6 4.6 10l-1.2 1.2 4.7 4.7 9-9-1.2-1.2z" /></svg>
                            </div>
                            <h1 class="text-[26px] font-semibold leading-8 tracking-tight" data-testid="secured-heading">{t("report.secured")}</h1>
                            <p class="mt-2 text-[15px] leading-6 text-muted">
                                {if r.state == "secured" { t("report.secured_now") } else { t("report.secured_before") }}
                            </p>
                            <ol class="mt-5 space-y-3 text-[15px] leading-6">
                                <li class="flex gap-3"><span class="flex h-6 w-6 shrink-0 items-center justify-center rounded-full bg-brand text-xs font-semibold text-on-brand">"1"</span><span><strong class="font-semibold text-ink">{t("report.next_password")}</strong>" "<span class="text-muted">{t("report.next_password_how")}</span></span></li>
                                <li class="flex gap-3"><span class="flex h-6 w-6 shrink-0 items-center justify-center rounded-full bg-brand text-xs font-semibold text-on-brand">"2"</span><span><strong class="font-semibold text-ink">{t("report.next_review")}</strong>" "<span class="text-muted">{t("report.next_review_how")}</span></span></li>
                                <li class="flex gap-3"><span class="flex h-6 w-6 shrink-0 items-center justify-center rounded-full bg-brand text-xs font-semibold text-on-brand">"3"</span><span><strong class="font-semibold text-ink">{t("report.next_totp")}</strong>" "<span class="text-muted">{t("report.next_totp_how")}</span></span></li>
                            </ol>
                            <a href="/recovery" rel="external" data-testid="secured-reset" class=format!("mt-7 {PRIMARY}")>{t("report.choose_password")}</a>
                        }.into_any(),
                        Ok(_) => view! {
                            <h1 class="text-[26px] font-semibold leading-8 tracking-tight">{t("report.expired")}</h1>
                            <p class="mt-2 text-[15px] leading-6 text-muted">
                                {t("report.expired_lead")}
                            </p>
                            <a href="/recovery" rel="external" class=format!("mt-7 {PRIMARY}")>{t("report.reset")}</a>
                        }.into_any(),
                        Err(error) => view! { <LoadError error /> }.into_any(),
                    }
                })}
            </Suspense>
        </AuthLayout>
    }
}
