use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::dev_mail;
use crate::components::{Footer, LoadError};

/// `/dev/mail`: every mail this tenant sent, for local development (dev mode only).
#[component]
pub fn DevMailPage() -> impl IntoView {
    let mails = Resource::new(|| (), |_| dev_mail());
    view! {
        <Title text="Mail (dev mode)" />
        <div class="flex min-h-screen flex-col">
            <header class="border-b border-line bg-surface">
                <div class="mx-auto flex h-14 w-full max-w-4xl items-center justify-between px-4">
                    <span class="text-[15px] font-semibold">"Outbox"</span>
                    <span class="rounded-full bg-danger/10 px-2.5 py-1 text-xs font-semibold text-danger">
                        "Dev mode — never expose this instance"
                    </span>
                </div>
            </header>
            <main class="mx-auto w-full max-w-4xl flex-1 px-4 py-8">
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        match mails.await {
                            Ok(list) if list.is_empty() => view! {
                                <p class="text-muted">"No mail yet. Register an account and its verification mail appears here."</p>
                            }.into_any(),
                            Ok(list) => view! {
                                <ul class="space-y-4">
                                    {list.into_iter().map(|m| view! {
                                        <li class="rounded-brand border border-line bg-surface shadow-[0_1px_2px_rgba(16,24,40,0.04)]" data-testid="mail" data-to=m.to.clone()>
                                            <div class="flex flex-wrap items-baseline justify-between gap-2 border-b border-line px-5 py-3">
                                                <div>
                                                    <p class="font-semibold" data-testid="mail-subject">{m.subject.clone()}</p>
                                                    <p class="text-sm text-muted">"To " {m.to.clone()} " · " {m.created_at.clone()}</p>
                                                </div>
                                                <div class="flex items-center gap-3 text-sm">
                                                    <span class="rounded-full bg-line/60 px-2 py-0.5 text-xs text-muted">{m.status.clone()}</span>
                                                    <a class="font-semibold text-brand hover:underline" href=format!("/dev/mail/{}/html", m.id) target="_blank" rel="noopener">
                                                        "View HTML"
                                                    </a>
                                                </div>
                                            </div>
                                            <pre class="overflow-x-auto whitespace-pre-wrap px-5 py-4 font-mono text-[13px] leading-5 text-ink" data-testid="mail-text">{m.text.clone()}</pre>
                                        </li>
                                    }).collect_view()}
                                </ul>
                            }.into_any(),
                            Err(error) => view! { <LoadError error /> }.into_any(),
                        }
                    })}
                </Suspense>
            </main>
            <Footer />
        </div>
    }
}
