use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{SignOut, account};
use crate::components::{BrandMark, Footer, LoadError, PasskeyButton, PasskeyIcon, use_brand};
use crate::views::{AccountView, PasskeyView};

/// `/account`: the signed-in customer's home.
#[component]
pub fn AccountPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| account());
    let query = leptos_router::hooks::use_query_map();
    // A fixed set of notices, chosen by id: nothing from the URL is shown as text.
    let notice = move || match query.read().get("notice").as_deref() {
        Some("password_changed") => {
            Some("Your password was changed. Your other devices were signed out.")
        }
        Some("passkey_added") => Some("Passkey added. You can now sign in with it."),
        Some("passkey_renamed") => Some("Passkey renamed."),
        Some("passkey_deleted") => Some("Passkey removed."),
        _ => None,
    };
    let problem = move || {
        query
            .read()
            .get("error")
            .and_then(|code| crate::passkey_api::problem_text(&code))
    };
    let sign_out = ServerAction::<SignOut>::new();
    view! {
        <Title text="Your account" />
        <div class="flex min-h-screen flex-col">
            <Suspense fallback=|| view! { <Header view=None sign_out=None /> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(view) => view! {
                            <Header view=Some(view.clone()) sign_out=Some(sign_out) />
                            <AccountBody view notice=notice() problem=problem() />
                        }.into_any(),
                        Err(error) => view! {
                            <Header view=None sign_out=None />
                            <main class="mx-auto w-full max-w-3xl flex-1 px-4 py-10"><LoadError error /></main>
                        }.into_any(),
                    }
                })}
            </Suspense>
            <Footer />
        </div>
    }
}

#[component]
fn Header(view: Option<AccountView>, sign_out: Option<ServerAction<SignOut>>) -> impl IntoView {
    let brand = use_brand();
    view! {
        <header class="border-b border-line bg-surface">
            <div class="mx-auto flex h-16 w-full max-w-3xl items-center justify-between px-4">
                <a href="/account" class="flex items-center gap-2.5">
                    <Suspense fallback=|| ()>
                        {move || Suspend::new(async move {
                            let name = brand.await.map(|b| b.name).unwrap_or_default();
                            view! {
                                <BrandMark name=name.clone() size="h-8 w-8 text-sm" />
                                <span class="text-[15px] font-semibold tracking-tight">{name}</span>
                            }
                        })}
                    </Suspense>
                </a>
                {match (view, sign_out) {
                    (Some(view), Some(action)) => view! {
                        <ActionForm action attr:data-testid="sign-out-form">
                            <input type="hidden" name="csrf_token" value=view.csrf_token />
                            <button
                                type="submit"
                                class="rounded-brand border border-line bg-surface px-3.5 py-2 text-sm font-medium text-ink shadow-sm transition hover:bg-canvas focus-visible:outline-none focus-visible:ring-4 focus-visible:ring-brand/20"
                            >
                                "Sign out"
                            </button>
                        </ActionForm>
                    }.into_any(),
                    _ => ().into_any(),
                }}
            </div>
        </header>
    }
}

#[component]
fn AccountBody(
    view: AccountView,
    notice: Option<&'static str>,
    problem: Option<&'static str>,
) -> impl IntoView {
    let first_name = view
        .display_name
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_string();
    view! {
        <main class="mx-auto w-full max-w-3xl flex-1 px-4 py-10">
            {notice.map(|text| view! {
                <div role="status" class="mb-6 rounded-brand border border-success/25 bg-success/[0.07] px-4 py-3 text-sm text-ink">{text}</div>
            })}
            {problem.map(|text| view! {
                <div role="alert" data-testid="account-problem" class="mb-6 rounded-brand border border-danger/25 bg-danger/[0.06] px-4 py-3 text-sm text-ink">{text}</div>
            })}
            <h1 class="text-[28px] font-semibold leading-9 tracking-tight">
                {format!("Hello, {first_name}")}
            </h1>
            <p class="mt-1 text-[15px] text-muted">"Your account, in one place."</p>

            <section aria-labelledby="profile-heading" class="mt-8 rounded-brand border border-line bg-surface shadow-[0_1px_2px_rgba(16,24,40,0.04)]">
                <div class="border-b border-line px-6 py-4">
                    <h2 id="profile-heading" class="text-base font-semibold">"Profile"</h2>
                </div>
                <dl class="divide-y divide-line">
                    <Row label="Name"><span data-testid="account-name">{view.display_name.clone()}</span></Row>
                    <Row label="Email">
                        <span class="flex flex-wrap items-center gap-2">
                            <span data-testid="account-email" class="break-all">{view.email.clone()}</span>
                            {if view.email_verified {
                                view! { <span class="rounded-full bg-success/10 px-2 py-0.5 text-xs font-medium text-success">"Verified"</span> }.into_any()
                            } else {
                                view! { <span class="rounded-full bg-line/60 px-2 py-0.5 text-xs font-medium text-muted">"Not verified yet"</span> }.into_any()
                            }}
                        </span>
                    </Row>
                    <Row label="Member since"><span data-testid="account-member-since">{view.member_since.clone()}</span></Row>
                </dl>
            </section>

            <section aria-labelledby="security-heading" class="mt-6 rounded-brand border border-line bg-surface shadow-[0_1px_2px_rgba(16,24,40,0.04)]">
                <div class="border-b border-line px-6 py-4">
                    <h2 id="security-heading" class="text-base font-semibold">"Sign-in and security"</h2>
                </div>
                <dl class="divide-y divide-line">
                    <Row label="Password">
                        {if view.has_password {
                            view! {
                                <span class="flex items-center justify-between gap-4">
                                    <span>"Set"</span>
                                    <a href="/account/password" class="text-sm font-semibold text-brand hover:underline">"Change"</a>
                                </span>
                            }.into_any()
                        } else {
                            view! { <span>"Not set"<span class="text-muted">" — you sign in with a passkey"</span></span> }.into_any()
                        }}
                    </Row>
                    <Row label="This session">
                        {format!("Signed in {} ({})", view.signed_in_at, method_label(&view.sign_in_method))}
                    </Row>
                </dl>
            </section>

            <Passkeys passkeys=view.passkeys.clone() csrf_token=view.csrf_token.clone() />
        </main>
    }
}

fn method_label(method: &str) -> &'static str {
    match method {
        "pwd" => "password",
        "hwk, user" | "hwk" => "passkey",
        _ => "other method",
    }
}

/// The customer's passkeys: add, rename, remove.
#[component]
fn Passkeys(passkeys: Vec<PasskeyView>, csrf_token: String) -> impl IntoView {
    let empty = passkeys.is_empty();
    let add_csrf = csrf_token.clone();
    view! {
        <section id="passkeys" aria-labelledby="passkeys-heading" class="mt-6 rounded-brand border border-line bg-surface shadow-[0_1px_2px_rgba(16,24,40,0.04)]">
            <div class="flex flex-wrap items-start justify-between gap-4 border-b border-line px-6 py-4">
                <div>
                    <h2 id="passkeys-heading" class="text-base font-semibold">"Passkeys"</h2>
                    <p class="mt-0.5 max-w-md text-sm text-muted">"Sign in with your fingerprint, face or screen lock instead of a password. Passkeys can't be phished or leaked."</p>
                </div>
                <div class="w-full sm:w-auto sm:min-w-[12rem]">
                    <PasskeyButton action="add" label="Add a passkey" csrf=add_csrf />
                </div>
            </div>
            {if empty {
                view! {
                    <p class="px-6 py-5 text-sm text-muted" data-testid="passkeys-empty">"No passkeys yet."</p>
                }.into_any()
            } else {
                view! {
                    <ul class="divide-y divide-line" data-testid="passkey-list">
                        {passkeys.into_iter().map(|p| view! { <PasskeyRow passkey=p csrf_token=csrf_token.clone() /> }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
    .into_any()
}

#[component]
fn PasskeyRow(passkey: PasskeyView, csrf_token: String) -> impl IntoView {
    let used = passkey
        .last_used
        .clone()
        .map(|d| format!("Last used {d}"))
        .unwrap_or_else(|| "Not used yet".into());
    let input_id = format!("passkey-name-{}", passkey.id);
    view! {
        <li class="px-6 py-4" data-testid="passkey-row" data-passkey-id=passkey.id.clone()>
            <div class="flex flex-wrap items-center gap-3">
                <span class="inline-flex h-9 w-9 shrink-0 items-center justify-center rounded-full bg-brand/10 text-brand"><PasskeyIcon /></span>
                <div class="min-w-0 flex-1">
                    <p class="truncate text-[15px] font-medium text-ink" data-testid="passkey-name">{passkey.name.clone()}</p>
                    <p class="text-sm text-muted">
                        {format!("Added {} · {}", passkey.created, used)}
                        {passkey.synced.then(|| view! { <span class="ml-2 rounded-full bg-line/60 px-2 py-0.5 text-xs font-medium text-muted">"Synced"</span> })}
                    </p>
                </div>
                <form method="post" action="/api/account/passkeys/delete">
                    <input type="hidden" name="csrf_token" value=csrf_token.clone() />
                    <input type="hidden" name="id" value=passkey.id.clone() />
                    <button type="submit" data-testid="passkey-delete" class="rounded-brand px-3 py-1.5 text-sm font-semibold text-danger transition hover:bg-danger/[0.06] focus-visible:outline-none focus-visible:ring-4 focus-visible:ring-danger/20">"Remove"</button>
                </form>
            </div>
            <details class="mt-2 pl-12">
                <summary class="cursor-pointer text-sm font-semibold text-brand hover:underline">"Rename"</summary>
                <form method="post" action="/api/account/passkeys/rename" class="mt-2 flex flex-wrap items-end gap-2">
                    <input type="hidden" name="csrf_token" value=csrf_token />
                    <input type="hidden" name="id" value=passkey.id.clone() />
                    <div class="min-w-[12rem] flex-1">
                        <label for=input_id.clone() class="sr-only">"New name"</label>
                        <input id=input_id name="name" type="text" required maxlength="64" value=passkey.name data-testid="passkey-rename-input" class="block w-full rounded-brand border border-line bg-surface px-3 py-2 text-[15px] text-ink shadow-sm focus:border-brand focus:outline-none focus:ring-4 focus:ring-brand/15" />
                    </div>
                    <button type="submit" data-testid="passkey-rename-save" class="rounded-brand border border-line bg-surface px-3.5 py-2 text-sm font-semibold text-ink shadow-sm hover:bg-canvas">"Save"</button>
                </form>
            </details>
        </li>
    }
}

#[component]
fn Row(#[prop(into)] label: String, children: Children) -> impl IntoView {
    view! {
        <div class="grid gap-1 px-6 py-4 sm:grid-cols-[11rem_1fr] sm:gap-4">
            <dt class="text-sm font-medium text-muted">{label}</dt>
            <dd class="text-[15px] text-ink">{children()}</dd>
        </div>
    }
}
