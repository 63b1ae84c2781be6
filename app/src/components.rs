//! Building blocks shared by the pages. Every colour, radius and font comes from the
//! tenant's theme tokens through the `brand`, `canvas`, `surface`, `ink`, `muted`,
//! `line`, `danger` and `success` utilities (see style/main.css).

use leptos::prelude::*;

use crate::i18n::{t, tf};
use crate::views::{BrandView, MessageView, Tone};

/// The tenant's brand, as the server wrote it into the page (see [`PageSetup`]).
///
/// [`PageSetup`]: crate::views::PageSetup
pub fn use_brand() -> BrandView {
    use_context::<BrandView>().unwrap_or_default()
}

/// A square mark with the brand's initial, in the brand colour.
#[component]
pub fn BrandMark(
    #[prop(into)] name: String,
    #[prop(default = "h-11 w-11 text-lg")] size: &'static str,
) -> impl IntoView {
    let initial = name
        .chars()
        .find(|c| c.is_alphanumeric())
        .map(|c| c.to_uppercase().to_string())
        .unwrap_or_else(|| "P".into());
    view! {
        <span
            aria-hidden="true"
            class=format!(
                "{size} inline-flex shrink-0 items-center justify-center rounded-brand bg-brand font-semibold text-on-brand shadow-sm",
            )
        >
            {initial}
        </span>
    }
}

/// The brand's uploaded logo, else its mark and name.
#[component]
pub fn BrandLogo(
    /// Small, for page headers; large above the signed-out card.
    #[prop(optional)]
    small: bool,
) -> impl IntoView {
    let brand = use_brand();
    match brand.logo {
        Some(src) => view! {
            <img
                src=src
                alt=brand.name
                data-testid="brand-logo"
                class=if small { "h-8 w-auto max-w-[160px] object-contain" } else { "h-12 w-auto max-w-[220px] object-contain" }
            />
        }
        .into_any(),
        None => view! {
            <BrandMark name=brand.name.clone() size=if small { "h-8 w-8 text-sm" } else { "h-11 w-11 text-lg" } />
            <span class=if small { "whitespace-nowrap text-[15px] font-semibold tracking-tight" } else { "text-sm font-semibold tracking-tight text-ink" }>
                {brand.name}
            </span>
        }
        .into_any(),
    }
}

/// The frame of every signed-out page: the card in the middle, or — in the split
/// layout — beside the brand's picture.
#[component]
pub fn AuthLayout(children: Children) -> impl IntoView {
    let brand = use_brand();
    let card = view! {
        <div class="w-full max-w-[26rem]">
            <div class="mb-7 flex flex-col items-center gap-3 text-center">
                <BrandLogo />
            </div>
            <div class="portico-card rounded-brand border border-line bg-surface px-6 py-8 shadow-[0_1px_2px_rgba(16,24,40,0.04),0_8px_24px_-6px_rgba(16,24,40,0.08)] sm:px-9 sm:py-9">
                {children()}
            </div>
        </div>
    };
    if brand.split {
        let side = match brand.side_image.clone() {
            Some(src) => view! {
                <img src=src alt="" data-testid="side-image" class="h-full w-full object-cover" />
            }
            .into_any(),
            None => view! {
                <div class="flex h-full w-full items-end bg-brand p-12 text-on-brand">
                    <p class="text-3xl font-semibold tracking-tight">{brand.name.clone()}</p>
                </div>
            }
            .into_any(),
        };
        view! {
            <div class="flex min-h-screen" data-layout="split">
                <div class="flex min-h-screen flex-1 flex-col">
                    <main class="flex flex-1 items-start justify-center px-4 pt-12 pb-10 sm:items-center sm:pt-10">
                        {card}
                    </main>
                    <Footer />
                </div>
                <aside aria-hidden="true" class="sticky top-0 hidden h-screen w-[45%] max-w-[52rem] lg:block">
                    {side}
                </aside>
            </div>
        }
        .into_any()
    } else {
        view! {
            <div class="flex min-h-screen flex-col" data-layout="centered">
                <main class="flex flex-1 items-start justify-center px-4 pt-12 pb-10 sm:items-center sm:pt-10">
                    {card}
                </main>
                <Footer />
            </div>
        }
        .into_any()
    }
}

/// The line under every page: the brand's legal links, the language switcher, and
/// who keeps the page safe.
#[component]
pub fn Footer() -> impl IntoView {
    let brand = use_brand();
    let link = |href: Option<String>, key: &str, testid: &'static str| {
        href.map(|href| {
            view! {
                <a href=href rel="noopener" class="hover:text-ink hover:underline" data-testid=testid>
                    {t(key)}
                </a>
            }
        })
    };
    view! {
        <footer class="flex flex-wrap items-center justify-center gap-x-5 gap-y-3 px-4 pb-8 text-xs text-muted">
            {link(brand.terms_url, "footer.terms", "terms-link")}
            {link(brand.privacy_url, "footer.privacy", "privacy-link")}
            <LanguageSwitcher />
            <span class="inline-flex items-center gap-1.5">
                <svg aria-hidden="true" viewBox="0 0 20 20" class="h-3.5 w-3.5 fill-current">
                    <path d="M10 1.5 3 4.3v5.2c0 4.2 2.9 7.9 7 9 4.1-1.1 7-4.8 7-9V4.3L10 1.5Zm0 2.1 5 2v3.9c0 3.2-2.1 6-5 7-2.9-1-5-3.8-5-7V5.6l5-2Z" />
                </svg>
                {t("layout.secured_by")}
            </span>
        </footer>
    }
}

/// Chooses the page's language: a plain form (the choice is kept in a cookie), sent as
/// soon as a language is picked; without JavaScript its button sends it.
#[component]
pub fn LanguageSwitcher() -> impl IntoView {
    let current = crate::i18n::use_i18n().lang();
    let location = leptos_router::hooks::use_location();
    // The server's search has no leading "?", the browser's has.
    let return_to = move || {
        let search = location.search.get();
        match search.trim_start_matches('?') {
            "" => location.pathname.get(),
            query => format!("{}?{query}", location.pathname.get()),
        }
    };
    let form = NodeRef::<leptos::html::Form>::new();
    view! {
        <form node_ref=form method="post" action="/api/language" class="inline-flex items-center gap-1.5" data-testid="language-form">
            <input type="hidden" name="return_to" value=return_to />
            <label for="portico-language" class="sr-only">{t("layout.language")}</label>
            <svg aria-hidden="true" viewBox="0 0 20 20" class="h-3.5 w-3.5 fill-none stroke-current" stroke-width="1.5">
                <circle cx="10" cy="10" r="7.5" />
                <path d="M2.5 10h15M10 2.5c2 2.2 3 4.7 3 7.5s-1 5.3-3 7.5c-2-2.2-3-4.7-3-7.5s1-5.3 3-7.5Z" />
            </svg>
            <select
                id="portico-language"
                name="lang"
                data-testid="language-select"
                class="cursor-pointer appearance-none rounded bg-transparent py-0.5 pr-1 text-xs text-muted hover:text-ink focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-brand/30"
                on:change=move |_| {
                    if let Some(f) = form.get() {
                        let _ = f.submit();
                    }
                }
            >
                {crate::i18n::LANGUAGES
                    .iter()
                    .map(|(code, name)| {
                        view! {
                            <option value=*code selected=*code == current lang=*code>{*name}</option>
                        }
                    })
                    .collect_view()}
            </select>
            <button type="submit" data-nojs-only="" class="font-medium text-brand hover:underline">
                {t("layout.change_language")}
            </button>
        </form>
    }
}

/// A message box above a form.
#[component]
pub fn Alert(message: MessageView) -> impl IntoView {
    let (role, classes) = match message.tone {
        Tone::Error => ("alert", "border-danger/25 bg-danger/[0.06] text-danger"),
        Tone::Info => ("status", "border-brand/20 bg-brand/[0.06] text-ink"),
    };
    view! {
        <div
            role=role
            data-message-id=message.id.clone()
            class=format!("mb-5 flex gap-2.5 rounded-brand border px-3.5 py-3 text-sm leading-5 {classes}")
        >
            <svg aria-hidden="true" viewBox="0 0 20 20" class="mt-0.5 h-4 w-4 shrink-0 fill-current">
                <path d="M10 2a8 8 0 1 0 0 16 8 8 0 0 0 0-16Zm.75 11.5h-1.5V9h1.5v4.5ZM10 7.75a1 1 0 1 1 0-2 1 1 0 0 1 0 2Z" />
            </svg>
            <p>{message.text}</p>
        </div>
    }
}

/// A labelled input with its hint and error tied to it for assistive technology.
#[component]
pub fn Field(
    #[prop(into)] name: String,
    #[prop(into)] label: String,
    #[prop(into, default = "text".to_string())] kind: String,
    #[prop(into, default = String::new())] value: String,
    #[prop(into, default = String::new())] autocomplete: String,
    #[prop(default = None)] error: Option<MessageView>,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(default = false)] required: bool,
    #[prop(default = false)] autofocus: bool,
    /// Shown and submitted, but not editable (the address when confirming it's you).
    #[prop(default = false)]
    readonly: bool,
    #[prop(optional)] maxlength: Option<usize>,
    #[prop(optional)] inputmode: Option<&'static str>,
    /// Extra classes for the input (e.g. a code field's large, spaced digits).
    #[prop(default = "")]
    input_class: &'static str,
) -> impl IntoView {
    let id = format!("field-{name}");
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let invalid = error.is_some();
    let described_by = match (invalid, hint.is_some()) {
        (true, _) => Some(error_id.clone()),
        (false, true) => Some(hint_id.clone()),
        _ => None,
    };
    let border = if invalid {
        "border-danger focus:border-danger focus:ring-danger/20"
    } else {
        "border-line focus:border-brand focus:ring-brand/20"
    };
    view! {
        <div class="mb-5">
            <label for=id.clone() class="mb-1.5 block text-sm font-medium text-ink">
                {label}
            </label>
            <input
                id=id
                name=name
                type=kind
                value=value
                autocomplete=autocomplete
                required=required
                autofocus=autofocus
                readonly=readonly
                maxlength=maxlength.map(|m| m.to_string())
                inputmode=inputmode
                aria-invalid=if invalid { "true" } else { "false" }
                aria-describedby=described_by
                class=format!(
                    "block w-full rounded-brand border bg-surface px-3.5 py-2.5 text-[15px] text-ink shadow-[0_1px_2px_rgba(16,24,40,0.05)] outline-none transition placeholder:text-muted/70 focus:ring-4 {border} {input_class}",
                )
            />
            {hint
                .filter(|_| !invalid)
                .map(|h| view! { <p id=hint_id class="mt-1.5 text-[13px] text-muted">{h}</p> })}
            {error
                .map(|e| {
                    view! {
                        <p
                            id=error_id
                            data-message-id=e.id
                            class="mt-1.5 flex items-start gap-1.5 text-[13px] text-danger"
                        >
                            <svg aria-hidden="true" viewBox="0 0 20 20" class="mt-0.5 h-3.5 w-3.5 shrink-0 fill-current">
                                <path d="M10 2a8 8 0 1 0 0 16 8 8 0 0 0 0-16Zm.75 11.5h-1.5V9h1.5v4.5ZM10 7.75a1 1 0 1 1 0-2 1 1 0 0 1 0 2Z" />
                            </svg>
                            <span>{e.text}</span>
                        </p>
                    }
                })}
        </div>
    }
}

/// The primary button of a form; shows progress while a hydrated form submits.
#[component]
pub fn SubmitButton(
    #[prop(into)] label: String,
    #[prop(into)] pending_label: String,
    pending: Signal<bool>,
) -> impl IntoView {
    view! {
        <button
            type="submit"
            aria-disabled=move || if pending.get() { "true" } else { "false" }
            class="inline-flex w-full items-center justify-center gap-2 rounded-brand bg-brand px-4 py-2.5 text-[15px] font-semibold text-on-brand shadow-sm transition hover:brightness-110 focus-visible:outline-none focus-visible:ring-4 focus-visible:ring-brand/30 active:brightness-95 aria-disabled:cursor-wait aria-disabled:opacity-80"
        >
            <Show when=move || pending.get()>
                <svg aria-hidden="true" viewBox="0 0 24 24" class="h-4 w-4 animate-spin">
                    <circle cx="12" cy="12" r="9" fill="none" stroke="currentColor" stroke-opacity="0.3" stroke-width="3" />
                    <path d="M21 12a9 9 0 0 0-9-9" fill="none" stroke="currentColor" stroke-width="3" stroke-linecap="round" />
                </svg>
            </Show>
            {move || if pending.get() { pending_label.clone() } else { label.clone() }}
        </button>
    }
}

/// Shown while a page's data loads (only ever seen during client-side navigation).
#[component]
pub fn Loading() -> impl IntoView {
    view! {
        <div class="space-y-4" aria-busy="true" aria-live="polite">
            <div class="h-7 w-2/3 animate-pulse rounded bg-line/60"></div>
            <div class="h-4 w-1/2 animate-pulse rounded bg-line/50"></div>
            <div class="h-11 w-full animate-pulse rounded-brand bg-line/40"></div>
            <div class="h-11 w-full animate-pulse rounded-brand bg-line/40"></div>
        </div>
    }
}

/// A whole-page error for when a page's data could not load.
#[component]
pub fn LoadError(error: crate::AppError) -> impl IntoView {
    match error {
        // A redirect is already under way.
        crate::AppError::Unauthorized => view! { <Loading /> }.into_any(),
        other => view! {
            <div role="alert" class="text-sm text-danger">
                <p class="font-semibold">{t("common.load_failed")}</p>
                <p class="mt-1 text-muted">{other.in_page_language()}</p>
            </div>
        }
        .into_any(),
    }
}

/// The classes of a secondary (outlined) button.
pub const SECONDARY_BUTTON: &str = "inline-flex items-center justify-center rounded-brand border border-line bg-surface px-3 py-2 text-sm font-medium text-ink shadow-sm transition hover:bg-canvas focus-visible:outline-none focus-visible:ring-4 focus-visible:ring-brand/20";

/// The classes of a primary (filled) button of the portal's pages.
pub const PRIMARY_BUTTON: &str = "inline-flex items-center justify-center rounded-brand bg-brand px-4 py-2 text-sm font-semibold text-on-brand shadow-sm transition hover:brightness-110 focus-visible:outline-none focus-visible:ring-4 focus-visible:ring-brand/30";

/// "or", between two ways to do the same thing.
#[component]
pub fn OrDivider() -> impl IntoView {
    view! {
        <div class="my-5 flex items-center gap-3 text-xs font-medium uppercase tracking-wider text-muted" aria-hidden="true">
            <span class="h-px flex-1 bg-line"></span>
            {t("common.or")}
            <span class="h-px flex-1 bg-line"></span>
        </div>
    }
}

/// A button that runs a passkey ceremony through `/assets/passkeys.js`. It stays hidden
/// until the script finds the browser able to use passkeys; otherwise a note says why.
#[component]
pub fn PasskeyButton(
    /// `login`, `register` or `add`.
    action: &'static str,
    #[prop(into)] label: String,
    /// The session's CSRF token, for signed-in actions.
    #[prop(optional, into)]
    csrf: Option<String>,
    #[prop(optional)] primary: bool,
) -> impl IntoView {
    let class = if primary {
        "inline-flex w-full items-center justify-center gap-2 rounded-brand bg-brand px-4 py-2.5 text-[15px] font-semibold text-on-brand shadow-sm transition hover:brightness-110 focus-visible:outline-none focus-visible:ring-4 focus-visible:ring-brand/30 disabled:cursor-wait disabled:opacity-80"
    } else {
        "inline-flex w-full items-center justify-center gap-2 rounded-brand border border-line bg-surface px-4 py-2.5 text-[15px] font-semibold text-ink shadow-sm transition hover:bg-canvas focus-visible:outline-none focus-visible:ring-4 focus-visible:ring-brand/20 disabled:cursor-wait disabled:opacity-70"
    };
    view! {
        <div data-passkey-scope="">
            <button type="button" hidden=true data-passkey=action data-csrf=csrf data-testid=format!("passkey-{action}") class=class>
                <PasskeyIcon />
                {label}
            </button>
            <p data-passkey-error="" hidden=true role="alert" class="mt-2 text-sm text-danger"></p>
            <p data-passkey-unsupported="" hidden=true class="text-center text-sm leading-6 text-muted">
                {t("passkey.unsupported")}
            </p>
            // Shown only where no script runs (`html.js` hides it).
            <p data-passkey-nojs="" class="text-center text-sm leading-6 text-muted">{t("passkey.nojs")}</p>
        </div>
    }
    .into_any()
}

/// The passkey symbol: a key with a person.
#[component]
pub fn PasskeyIcon() -> impl IntoView {
    view! {
        <svg aria-hidden="true" viewBox="0 0 24 24" class="h-[18px] w-[18px]" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round">
            <circle cx="9" cy="7.5" r="3.5" />
            <path d="M3 20v-1.5A4.5 4.5 0 0 1 7.5 14h3" />
            <circle cx="17" cy="12.5" r="2.5" />
            <path d="M17 15v6l1.5-1.5L17 18" />
        </svg>
    }
}

/// The tenant's sign-in providers as "Continue with …" buttons. Each is its own small
/// form posting to `/federation/start` (no JavaScript needed), outside the page's
/// main form.
#[component]
pub fn ProviderButtons(flow: crate::views::FlowView) -> impl IntoView {
    let providers = flow.providers.clone();
    (!providers.is_empty()).then(move || {
        view! {
            <div class="space-y-2.5" data-testid="provider-buttons">
                {providers.into_iter().map(|p| {
                    let label = tf("provider.continue", &[("provider", &p.name)]);
                    view! {
                        <form method="post" action="/federation/start">
                            <input type="hidden" name="flow" value=flow.id.clone() />
                            <input type="hidden" name="csrf_token" value=flow.csrf_token.clone() />
                            <input type="hidden" name="kind" value=flow.kind.clone() />
                            <input type="hidden" name="provider" value=p.slug.clone() />
                            <button
                                type="submit"
                                data-testid=format!("provider-{}", p.slug)
                                class="relative flex w-full items-center justify-center gap-3 rounded-brand border border-line bg-surface px-4 py-2.5 text-[15px] font-semibold text-ink shadow-sm transition hover:bg-canvas focus:outline-none focus-visible:ring-2 focus-visible:ring-brand focus-visible:ring-offset-2"
                            >
                                <span class="absolute left-4 inline-flex h-5 w-5 items-center justify-center">
                                    <ProviderMark brand=p.brand.clone() name=p.name.clone() />
                                </span>
                                {label}
                            </button>
                        </form>
                    }
                }).collect_view()}
            </div>
            {(flow.password_allowed || flow.passkey_allowed).then(|| view! { <OrDivider /> })}
        }
    })
}

/// A provider's mark, drawn inline (no request to the provider's site).
#[component]
pub fn ProviderMark(brand: String, name: String) -> impl IntoView {
    match brand.as_str() {
        "google" => view! {
            <svg aria-hidden="true" viewBox="0 0 24 24" class="h-5 w-5">
                <path fill="#4285F4" d="M22.56 12.25c0-.78-.07-1.53-.2-2.25H12v4.26h5.92a5.06 5.06 0 0 1-2.2 3.32v2.76h3.56c2.08-1.92 3.28-4.74 3.28-8.09z" />
                <path fill="#34A853" d="M12 23c2.97 0 5.46-.98 7.28-2.66l-3.56-2.76c-.98.66-2.23 1.06-3.72 1.06-2.86 0-5.29-1.93-6.16-4.53H2.18v2.84A11 11 0 0 0 12 23z" />
                <path fill="#FBBC05" d="M5.84 14.11A6.6 6.6 0 0 1 5.5 12c0-.73.13-1.45.34-2.11V7.05H2.18A11 11 0 0 0 1 12c0 1.78.43 3.45 1.18 4.95l3.66-2.84z" />
                <path fill="#EA4335" d="M12 5.38c1.62 0 3.06.56 4.21 1.64l3.15-3.15A10.56 10.56 0 0 0 12 1 11 11 0 0 0 2.18 7.05l3.66 2.84C6.71 7.31 9.14 5.38 12 5.38z" />
            </svg>
        }.into_any(),
        "microsoft" => view! {
            <svg aria-hidden="true" viewBox="0 0 24 24" class="h-5 w-5">
                <rect x="2" y="2" width="9.5" height="9.5" fill="#F25022" />
                <rect x="12.5" y="2" width="9.5" height="9.5" fill="#7FBA00" />
                <rect x="2" y="12.5" width="9.5" height="9.5" fill="#00A4EF" />
                <rect x="12.5" y="12.5" width="9.5" height="9.5" fill="#FFB900" />
            </svg>
        }.into_any(),
        "apple" => view! {
            <svg aria-hidden="true" viewBox="0 0 24 24" class="h-5 w-5" fill="currentColor">
                <path d="M16.37 12.6c-.02-2.3 1.88-3.4 1.96-3.46-1.07-1.56-2.73-1.77-3.32-1.8-1.41-.14-2.76.83-3.47.83-.72 0-1.82-.81-3-.79a4.44 4.44 0 0 0-3.75 2.28c-1.6 2.78-.41 6.89 1.15 9.14.76 1.1 1.67 2.34 2.86 2.3 1.15-.05 1.58-.74 2.97-.74 1.38 0 1.77.74 2.98.72 1.23-.02 2.01-1.12 2.76-2.23a9.9 9.9 0 0 0 1.25-2.57 3.98 3.98 0 0 1-2.39-3.68zM14.1 5.85A3.98 3.98 0 0 0 15.04 3a4.05 4.05 0 0 0-2.62 1.35 3.78 3.78 0 0 0-.96 2.75 3.35 3.35 0 0 0 2.64-1.25z" />
            </svg>
        }.into_any(),
        "github" => view! {
            <svg aria-hidden="true" viewBox="0 0 24 24" class="h-5 w-5" fill="currentColor">
                <path d="M12 1.5a10.5 10.5 0 0 0-3.32 20.46c.53.1.72-.23.72-.5v-1.8c-2.92.63-3.54-1.4-3.54-1.4-.48-1.22-1.17-1.55-1.17-1.55-.95-.65.07-.64.07-.64 1.05.08 1.6 1.08 1.6 1.08.94 1.6 2.46 1.14 3.06.87.1-.68.37-1.14.67-1.4-2.33-.27-4.78-1.17-4.78-5.19 0-1.15.41-2.08 1.08-2.82-.11-.26-.47-1.33.1-2.77 0 0 .88-.28 2.89 1.07a10 10 0 0 1 5.26 0c2-1.35 2.88-1.07 2.88-1.07.58 1.44.22 2.51.11 2.77.67.74 1.08 1.67 1.08 2.82 0 4.03-2.46 4.91-4.8 5.17.38.33.71.97.71 1.96v2.9c0 .28.19.61.73.5A10.5 10.5 0 0 0 12 1.5z" />
            </svg>
        }.into_any(),
        "linkedin" => view! {
            <svg aria-hidden="true" viewBox="0 0 24 24" class="h-5 w-5">
                <rect width="24" height="24" rx="4" fill="#0A66C2" />
                <path fill="#fff" d="M6.94 9.5H4.5v9h2.44v-9zM5.72 5.5a1.42 1.42 0 1 0 0 2.84 1.42 1.42 0 0 0 0-2.84zM19.5 13.3c0-2.43-1.3-3.98-3.38-3.98-1.2 0-2 .66-2.33 1.28V9.5h-2.34v9h2.44v-4.46c0-1.18.22-2.32 1.68-2.32 1.44 0 1.46 1.35 1.46 2.4v4.38h2.47V13.3z" />
            </svg>
        }.into_any(),
        "facebook" => view! {
            <svg aria-hidden="true" viewBox="0 0 24 24" class="h-5 w-5">
                <circle cx="12" cy="12" r="11" fill="#1877F2" />
                <path fill="#fff" d="M13.4 23v-7.7h2.6l.4-3h-3V10.4c0-.87.24-1.46 1.49-1.46h1.6V6.25A21 21 0 0 0 14.17 6c-2.3 0-3.87 1.4-3.87 3.97v2.33H7.7v3h2.6V23h3.1z" />
            </svg>
        }.into_any(),
        _ => {
            let initial = name
                .chars()
                .find(|c| c.is_alphanumeric())
                .map(|c| c.to_uppercase().to_string())
                .unwrap_or_else(|| "?".into());
            view! {
                <span class="inline-flex h-5 w-5 items-center justify-center rounded-full bg-brand text-[11px] font-bold text-on-brand">{initial}</span>
            }.into_any()
        }
    }
}
