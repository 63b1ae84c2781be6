use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::{AuthLayout, LoadError, Loading};
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
        <Title text="Secure your account" />
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
                            <h1 class="text-[26px] font-semibold leading-8 tracking-tight">"Wasn't you?"</h1>
                            <p class="mt-2 text-[15px] leading-6 text-muted">"This sign-in to your account was reported to you:"</p>
                            <dl class="mt-4 divide-y divide-line rounded-brand border border-line text-sm" data-testid="reported-sign-in">
                                <div class="flex justify-between gap-4 px-4 py-2.5"><dt class="text-muted">"When"</dt><dd class="text-right font-medium text-ink">{r.when.clone()}</dd></div>
                                <div class="flex justify-between gap-4 px-4 py-2.5"><dt class="text-muted">"Where"</dt><dd class="text-right font-medium text-ink">{r.place.clone()}</dd></div>
                                <div class="flex justify-between gap-4 px-4 py-2.5"><dt class="text-muted">"Device"</dt><dd class="text-right font-medium text-ink">{r.device.clone()}</dd></div>
                            </dl>
                            <p class="mt-5 text-[15px] leading-6 text-ink">"If this wasn't you, secure your account now. We will:"</p>
                            <ul class="mt-2 list-disc space-y-1 pl-5 text-[15px] leading-6 text-muted">
                                <li>"sign out every device, including this one"</li>
                                <li>"turn off your password until you choose a new one"</li>
                                <li>"ask for a second step on every device's next sign-in"</li>
                            </ul>
                            <form method="post" action="/api/security/report" class="mt-6" data-testid="report-form">
                                <input type="hidden" name="token" value=token() />
                                <button type="submit" data-testid="report-confirm" class="inline-flex w-full items-center justify-center rounded-brand bg-danger px-4 py-2.5 text-[15px] font-semibold text-white shadow-sm transition hover:brightness-110 focus-visible:outline-none focus-visible:ring-4 focus-visible:ring-danger/30">
                                    "Secure my account"
                                </button>
                            </form>
                            <p class="mt-4 text-center text-sm text-muted">"If it was you, you can close this page."</p>
                        }.into_any(),
                        Ok(r) if r.state == "secured" || r.state == "already" => view! {
                            <div class="mb-5 flex h-11 w-11 items-center justify-center rounded-full bg-success/10 text-success">
                                <svg aria-hidden="true" viewBox="0 0 20 20" class="h-6 w-6 fill-current"><path d="M8.1 13.6 4.6 10l-1.2 1.2 4.7 4.7 9-9-1.2-1.2z" /></svg>
                            </div>
                            <h1 class="text-[26px] font-semibold leading-8 tracking-tight" data-testid="secured-heading">"Your account is secured"</h1>
                            <p class="mt-2 text-[15px] leading-6 text-muted">
                                {if r.state == "secured" { "Every device was signed out and your password was turned off." } else { "This sign-in was already reported, and your account was secured then." }}
                            </p>
                            <ol class="mt-5 space-y-3 text-[15px] leading-6">
                                <li class="flex gap-3"><span class="flex h-6 w-6 shrink-0 items-center justify-center rounded-full bg-brand text-xs font-semibold text-on-brand">"1"</span><span><strong class="font-semibold text-ink">"Choose a new password."</strong><span class="text-muted">" We'll email you a link."</span></span></li>
                                <li class="flex gap-3"><span class="flex h-6 w-6 shrink-0 items-center justify-center rounded-full bg-brand text-xs font-semibold text-on-brand">"2"</span><span><strong class="font-semibold text-ink">"Sign in and open Security."</strong><span class="text-muted">" Remove passkeys you don't recognise and create new recovery codes."</span></span></li>
                                <li class="flex gap-3"><span class="flex h-6 w-6 shrink-0 items-center justify-center rounded-full bg-brand text-xs font-semibold text-on-brand">"3"</span><span><strong class="font-semibold text-ink">"Turn on an authenticator app"</strong><span class="text-muted">" if you haven't yet."</span></span></li>
                            </ol>
                            <a href="/recovery" rel="external" data-testid="secured-reset" class=format!("mt-7 {PRIMARY}")>"Choose a new password"</a>
                        }.into_any(),
                        Ok(_) => view! {
                            <h1 class="text-[26px] font-semibold leading-8 tracking-tight">"This link doesn't work any more"</h1>
                            <p class="mt-2 text-[15px] leading-6 text-muted">
                                "Links from sign-in alerts work for 7 days. If you think someone else is using your account, reset your password now."
                            </p>
                            <a href="/recovery" rel="external" class=format!("mt-7 {PRIMARY}")>"Reset my password"</a>
                        }.into_any(),
                        Err(error) => view! { <LoadError error /> }.into_any(),
                    }
                })}
            </Suspense>
        </AuthLayout>
    }
}
