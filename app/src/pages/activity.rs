use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::SignOut;
use crate::components::{Footer, LoadError};
use crate::i18n::t;
use crate::pages::account::{Header, PortalNav};
use crate::security_api::activity;
use crate::views::{ActivityEntryView, ActivityView};

/// `/account/activity`: what happened with the account, newest first, and from where.
#[component]
pub fn ActivityPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| activity());
    let sign_out = ServerAction::<SignOut>::new();
    view! {
        <Title text=t("activity.title") />
        <div class="flex min-h-screen flex-col">
            <Suspense fallback=|| view! { <Header csrf_token=None sign_out=None /> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(view) => view! {
                            <Header csrf_token=Some(view.csrf_token.clone()) sign_out=Some(sign_out) />
                            <ActivityBody view=Some(view) error=None />
                        }.into_any(),
                        Err(error) => view! {
                            <Header csrf_token=None sign_out=None />
                            <ActivityBody view=None error=Some(error) />
                        }.into_any(),
                    }
                })}
            </Suspense>
            <Footer />
        </div>
    }
}

#[component]
fn ActivityBody(view: Option<ActivityView>, error: Option<crate::AppError>) -> impl IntoView {
    view! {
        <main class="mx-auto w-full max-w-3xl flex-1 px-4 py-10">
            <PortalNav current="/account/activity" />
            <h1 class="mt-6 text-[28px] font-semibold leading-9 tracking-tight">{t("activity.title")}</h1>
            <p class="mt-1 max-w-2xl text-[15px] text-muted">{t("activity.lead")}</p>
            {view.map(|view| view! { <ActivityList view /> })}
            {error.map(|error| view! { <div class="mt-6"><LoadError error /></div> })}
        </main>
    }
    .into_any()
}

#[component]
fn ActivityList(view: ActivityView) -> impl IntoView {
    if view.entries.is_empty() {
        return view! { <p class="mt-6 text-sm text-muted">{t("activity.none")}</p> }.into_any();
    }
    view! {
        <ol class="mt-6 divide-y divide-line rounded-brand border border-line bg-surface shadow-[0_1px_2px_rgba(16,24,40,0.04)]" data-testid="activity-list">
            {view.entries.into_iter().map(|e| view! { <Entry entry=e /> }).collect_view()}
        </ol>
    }
    .into_any()
}

#[component]
fn Entry(entry: ActivityEntryView) -> impl IntoView {
    let dot = if entry.warning {
        "bg-danger"
    } else {
        "bg-brand"
    };
    let whence = if entry.ip.is_empty() {
        format!("{} · {}", entry.device, entry.place)
    } else {
        format!("{} · {} · {}", entry.device, entry.place, entry.ip)
    };
    view! {
        <li class="flex gap-4 px-6 py-4" data-testid="activity-entry" data-action=entry.action.clone()>
            <span aria-hidden="true" class=format!("mt-2 h-2 w-2 shrink-0 rounded-full {dot}")></span>
            <div class="min-w-0 flex-1">
                <p class="text-[15px] font-medium text-ink">{entry.text.clone()}</p>
                <p class="text-sm text-muted">{entry.when.clone()}</p>
                <p class="text-sm text-muted">{whence}</p>
            </div>
        </li>
    }
}
