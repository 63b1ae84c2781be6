use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::admin_api::{admin_app, admin_apps};
use crate::components::{BrandLogo, Footer, LoadError, SECONDARY_BUTTON};
use crate::views::{
    AdminAppView, AdminAppsView, AdminProvidersView, AdminTenantsView, AppFormView, BrandingView,
    ProviderFormView, TenantFormView, ThemeFormView,
};

const INPUT: &str = "block w-full rounded-brand border border-line bg-surface px-3 py-2 text-[15px] text-ink shadow-sm outline-none transition focus:border-brand focus:ring-4 focus:ring-brand/20 aria-[invalid=true]:border-danger";
const PRIMARY: &str = "inline-flex items-center justify-center rounded-brand bg-brand px-4 py-2 text-sm font-semibold text-on-brand shadow-sm transition hover:brightness-110 focus-visible:outline-none focus-visible:ring-4 focus-visible:ring-brand/30";
const SECONDARY: &str = "inline-flex items-center justify-center rounded-brand border border-line bg-surface px-3.5 py-2 text-sm font-semibold text-ink shadow-sm transition hover:bg-canvas";

/// The console's frame: its header (brand, "Admin", who is signed in) and width.
#[component]
fn Console(
    #[prop(into)] email: Signal<Option<String>>,
    #[prop(default = "apps")] section: &'static str,
    /// Whether the apps and providers pages are offered (brand managers see only
    /// branding); known once the page's data has loaded.
    #[prop(optional, into)]
    full: Option<Signal<bool>>,
    children: Children,
) -> impl IntoView {
    let full = full.unwrap_or_else(|| Signal::derive(|| true));
    let operator = crate::components::use_brand().operator;
    let tab = move |name: &str| {
        if name == section {
            "font-semibold text-ink"
        } else {
            "text-muted hover:text-ink"
        }
    };
    view! {
        <div class="flex min-h-screen flex-col">
            <header class="border-b border-line bg-surface">
                <div class="mx-auto flex h-16 w-full max-w-5xl items-center justify-between gap-6 px-4">
                    <a href="/admin/branding" class="flex items-center gap-2.5">
                        <BrandLogo small=true />
                        <span class="rounded-full bg-ink px-2 py-0.5 text-xs font-semibold text-surface">"Admin"</span>
                    </a>
                    <nav class="flex items-center gap-4 whitespace-nowrap text-sm">
                        <Suspense fallback=|| ()>
                            {move || full.get().then(|| view! {
                                <a href="/admin/apps" class=tab("apps")>"Apps"</a>
                                <a href="/admin/providers" class=tab("providers")>"Sign-in providers"</a>
                                {operator.then(|| view! { <a href="/admin/tenants" class=tab("tenants")>"Tenants"</a> })}
                            })}
                        </Suspense>
                        <a href="/admin/branding" class=tab("branding")>"Branding"</a>
                        <a href="/account" class="text-muted hover:text-ink">"Your account"</a>
                        // Read under Suspense: the email comes with the page's data.
                        <Suspense fallback=|| ()>
                            {move || email.get().map(|e| view! { <span class="hidden text-muted sm:inline">{e}</span> })}
                        </Suspense>
                    </nav>
                </div>
            </header>
            <main class="mx-auto w-full max-w-5xl flex-1 px-4 py-10">{children()}</main>
            <Footer />
        </div>
    }
}

/// `/admin/tenants`: every tenant with its hosts and default language, and the form to
/// create one (the default tenant's admins only).
#[component]
pub fn AdminTenantsPage() -> impl IntoView {
    let query = use_query_map();
    let data = Resource::new(
        move || query.read().get("notice"),
        crate::admin_tenants_api::admin_tenants,
    );
    let email = Signal::derive(move || data.get().and_then(|r| r.ok()).map(|v| v.admin_email));
    view! {
        <Title text="Tenants · Admin" />
        <Console email section="tenants">
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(v) => view! { <TenantsList v /> }.into_any(),
                        Err(error) => view! { <LoadError error /> }.into_any(),
                    }
                })}
            </Suspense>
        </Console>
    }
}

#[component]
fn TenantsList(v: AdminTenantsView) -> impl IntoView {
    let csrf = v.csrf_token.clone();
    let problem = |form: &TenantFormView, field: &str| {
        form.problems
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| view! { <p class="mt-1.5 text-sm text-danger">{m.clone()}</p> })
    };
    let rows = v
        .tenants
        .iter()
        .map(|t| {
            let csrf_host = csrf.clone();
            let csrf_lang = csrf.clone();
            let lang = t.language.clone();
            view! {
                <li class="px-6 py-4" data-testid="tenant-row" data-slug=t.slug.clone()>
                    <div class="flex flex-wrap items-center gap-2">
                        <span class="text-[15px] font-semibold text-ink">{t.name.clone()}</span>
                        <span class="rounded-full bg-line/60 px-2 py-0.5 font-mono text-xs text-muted">{t.slug.clone()}</span>
                        {t.is_default.then(|| view! { <span class="rounded-full bg-brand/10 px-2 py-0.5 text-xs font-medium text-brand">"Default"</span> })}
                    </div>
                    <p class="mt-1 text-sm text-muted"><span class="font-mono">{t.base_url.clone()}</span>" · hosts: "<span class="font-mono" data-testid="tenant-hosts">{t.hosts.join(", ")}</span></p>
                    <div class="mt-3 flex flex-wrap gap-3">
                        <form method="post" action="/api/admin/tenants/host" class="flex items-center gap-2">
                            <input type="hidden" name="csrf_token" value=csrf_host />
                            <input type="hidden" name="slug" value=t.slug.clone() />
                            <label class="sr-only" for=format!("host-{}", t.slug)>"New host"</label>
                            <input id=format!("host-{}", t.slug) name="host" placeholder="login.brand.example" class=format!("{INPUT} w-56 py-1.5 font-mono text-sm") />
                            <button type="submit" class=format!("{SECONDARY} whitespace-nowrap") data-testid="tenant-add-host">"Add host"</button>
                        </form>
                        <form method="post" action="/api/admin/tenants/language" class="flex items-center gap-2">
                            <input type="hidden" name="csrf_token" value=csrf_lang />
                            <input type="hidden" name="slug" value=t.slug.clone() />
                            <label class="whitespace-nowrap text-sm text-muted" for=format!("lang-{}", t.slug)>"Default language"</label>
                            <select id=format!("lang-{}", t.slug) name="language" class=format!("{INPUT} w-36 py-1.5 text-sm") data-testid="tenant-language">
                                {crate::i18n::LANGUAGES.iter().map(|(code, name)| view! { <option value=*code selected=*code == lang>{*name}</option> }).collect_view()}
                            </select>
                            <button type="submit" class=SECONDARY data-testid="tenant-save-language">"Save"</button>
                        </form>
                    </div>
                </li>
            }
        })
        .collect_view();
    let f = v.form.clone();
    view! {
        <h1 class="text-[28px] font-semibold leading-9 tracking-tight">"Tenants"</h1>
        <p class="mt-1 text-[15px] text-muted">"Each tenant is a brand or a customer company: its own hosts, accounts, apps, keys and theme, isolated from the others."</p>
        {v.notice.clone().map(|n| view! {
            <div role="status" data-testid="admin-notice" class="mt-6 rounded-brand border border-success/25 bg-success/[0.07] px-4 py-3 text-sm text-ink">{n}</div>
        })}
        <section class="mt-8 rounded-brand border border-line bg-surface shadow-[0_1px_2px_rgba(16,24,40,0.04)]">
            <ul class="divide-y divide-line" data-testid="tenants">{rows}</ul>
        </section>
        <section id="create" class="mt-6 rounded-brand border border-line bg-surface shadow-[0_1px_2px_rgba(16,24,40,0.04)]">
            <div class="border-b border-line px-6 py-4"><h2 class="text-base font-semibold">"Create a tenant"</h2></div>
            <form method="post" action="/api/admin/tenants/create" class="space-y-5 px-6 py-5" data-testid="tenant-create" novalidate>
                <input type="hidden" name="csrf_token" value=csrf.clone() />
                <FormProblems problems=f.problems.clone() />
                <div class="grid gap-5 sm:grid-cols-2">
                    <div>
                        <label for="slug" class="mb-1.5 block text-sm font-medium text-ink">"Slug"</label>
                        <input id="slug" name="slug" value=f.slug.clone() placeholder="acme" class=format!("{INPUT} font-mono") />
                        {problem(&f, "slug")}
                    </div>
                    <div>
                        <label for="display_name" class="mb-1.5 block text-sm font-medium text-ink">"Display name"</label>
                        <input id="display_name" name="display_name" value=f.display_name.clone() placeholder="Acme Travel" class=INPUT />
                        {problem(&f, "display_name")}
                    </div>
                </div>
                <div>
                    <label for="base_url" class="mb-1.5 block text-sm font-medium text-ink">"Base URL"</label>
                    <input id="base_url" name="base_url" value=f.base_url.clone() placeholder="https://login.acme.example" class=format!("{INPUT} font-mono") />
                    {problem(&f, "base_url")}
                </div>
                <div>
                    <label for="hosts" class="mb-1.5 block text-sm font-medium text-ink">"More hosts (one per line, optional)"</label>
                    <textarea id="hosts" name="hosts" rows="2" placeholder="acme.localhost:3000" class=format!("{INPUT} font-mono text-sm")>{f.hosts.clone()}</textarea>
                    {problem(&f, "hosts")}
                </div>
                <button type="submit" class=PRIMARY data-testid="tenant-create-submit">"Create tenant"</button>
            </form>
        </section>
    }
    .into_any()
}

/// `/admin/apps`: the tenant's applications and a form to register one.
#[component]
pub fn AdminAppsPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| admin_apps());
    let email = Signal::derive(move || data.get().and_then(|r| r.ok()).map(|v| v.admin_email));
    view! {
        <Title text="Apps · Admin" />
        <Console email>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(v) => view! { <AppsList v /> }.into_any(),
                        Err(error) => view! { <LoadError error /> }.into_any(),
                    }
                })}
            </Suspense>
        </Console>
    }
}

#[component]
fn AppsList(v: AdminAppsView) -> impl IntoView {
    let count = v.apps.len();
    view! {
        <h1 class="text-[28px] font-semibold leading-9 tracking-tight">"Apps"</h1>
        <p class="mt-1 text-[15px] text-muted">"The applications that sign customers in through OpenID Connect."</p>
        <section class="mt-8 overflow-hidden rounded-brand border border-line bg-surface shadow-[0_1px_2px_rgba(16,24,40,0.04)]">
            <table class="w-full text-left text-sm" data-testid="admin-apps">
                <thead class="border-b border-line bg-canvas/60 text-xs uppercase tracking-wide text-muted">
                    <tr>
                        <th class="px-5 py-3 font-semibold">"Name"</th>
                        <th class="px-5 py-3 font-semibold">"Kind"</th>
                        <th class="hidden px-5 py-3 font-semibold md:table-cell">"Client ID"</th>
                        <th class="px-5 py-3 font-semibold">"Status"</th>
                    </tr>
                </thead>
                <tbody class="divide-y divide-line">
                    {v.apps.into_iter().map(|a| view! {
                        <tr data-testid="admin-app-row">
                            <td class="px-5 py-3.5">
                                <a href=format!("/admin/apps/{}", a.client_id) class="font-semibold text-brand hover:underline">{a.name.clone()}</a>
                                {a.first_party.then(|| view! { <span class="ml-2 rounded-full bg-line/60 px-2 py-0.5 text-xs text-muted">"first-party"</span> })}
                            </td>
                            <td class="px-5 py-3.5 text-ink">{a.kind.clone()}</td>
                            <td class="hidden px-5 py-3.5 font-mono text-xs text-muted md:table-cell">{a.client_id.clone()}</td>
                            <td class="px-5 py-3.5"><StatusBadge status=a.status.clone() /></td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            {(count == 0).then(|| view! { <p class="px-5 py-6 text-[15px] text-muted">"No apps yet. Register the first one below."</p> })}
        </section>

        <section id="register" class="mt-8 rounded-brand border border-line bg-surface shadow-[0_1px_2px_rgba(16,24,40,0.04)]">
            <div class="border-b border-line px-6 py-4">
                <h2 class="text-base font-semibold">"Register an app"</h2>
                <p class="mt-0.5 text-sm text-muted">"Web and machine apps get a client secret, shown once. Redirect URIs are matched exactly."</p>
            </div>
            <form method="post" action="/api/admin/apps/create" class="space-y-5 px-6 py-5" data-testid="admin-app-create" novalidate>
                <input type="hidden" name="csrf_token" value=v.csrf_token.clone() />
                <FormProblems problems=v.form.problems.clone() />
                <TextField form=v.form.clone() name="name" label="Name" value=v.form.name.clone() />
                <div>
                    <label for="kind" class="mb-1.5 block text-sm font-medium text-ink">"Kind"</label>
                    <select id="kind" name="kind" class=INPUT>
                        {[("web", "Web app (server side, has a secret)"), ("spa", "Single-page app (browser, PKCE)"), ("native", "Mobile or desktop app (PKCE)"), ("machine", "Backend service (client credentials)"), ("device", "TV or console (device flow)")]
                            .into_iter()
                            .map(|(k, label)| view! { <option value=k selected=v.form.kind == k>{label}</option> })
                            .collect_view()}
                    </select>
                </div>
                <AreaField form=v.form.clone() name="redirect_uris" label="Redirect URIs (one per line)" value=v.form.redirect_uris.clone() />
                <AreaField form=v.form.clone() name="post_logout_redirect_uris" label="Post-logout redirect URIs (one per line, optional)" value=v.form.post_logout_redirect_uris.clone() />
                <TextField form=v.form.clone() name="scopes" label="Scopes (space-separated; empty for the usual ones)" value=v.form.scopes.clone() />
                <label class="flex items-center gap-2.5 text-[15px] text-ink">
                    <input type="checkbox" name="first_party" value="on" checked=v.form.first_party class="h-4 w-4 rounded border-line text-brand" />
                    "First-party app (the company's own: no consent screen)"
                </label>
                <button type="submit" data-testid="admin-app-create-submit" class=PRIMARY>"Register app"</button>
            </form>
        </section>
    }
}

#[component]
fn StatusBadge(status: String) -> impl IntoView {
    let (class, text) = if status == "active" {
        (
            "rounded-full bg-success/10 px-2 py-0.5 text-xs font-medium text-success",
            "Active",
        )
    } else {
        (
            "rounded-full bg-danger/10 px-2 py-0.5 text-xs font-medium text-danger",
            "Disabled",
        )
    };
    view! { <span class=class data-testid="admin-app-status">{text}</span> }
}

/// The field problems of a console form, above it.
#[component]
fn FormProblems(problems: Vec<(String, String)>) -> impl IntoView {
    (!problems.is_empty()).then(|| view! {
        <div role="alert" data-testid="admin-form-problems" class="rounded-brand border border-danger/25 bg-danger/[0.06] px-4 py-3 text-sm text-ink">
            <p class="font-semibold">"Please fix the following:"</p>
            <ul class="mt-1 list-disc pl-5">
                {problems.iter().map(|(f, m)| view! { <li>{format!("{}: {m}", f.replace('_', " "))}</li> }).collect_view()}
            </ul>
        </div>
    })
}

#[component]
fn TextField(
    form: AppFormView,
    name: &'static str,
    label: &'static str,
    value: String,
) -> impl IntoView {
    let problem = form.problem(name);
    let invalid = problem.is_some();
    view! {
        <div>
            <label for=name class="mb-1.5 block text-sm font-medium text-ink">{label}</label>
            <input id=name name=name value=value class=INPUT aria-invalid=if invalid { "true" } else { "false" } aria-describedby=format!("{name}-error") />
            {problem.map(|p| view! { <p id=format!("{name}-error") class="mt-1.5 text-sm text-danger">{p}</p> })}
        </div>
    }
}

#[component]
fn AreaField(
    form: AppFormView,
    name: &'static str,
    label: &'static str,
    value: String,
) -> impl IntoView {
    let problem = form.problem(name);
    let invalid = problem.is_some();
    view! {
        <div>
            <label for=name class="mb-1.5 block text-sm font-medium text-ink">{label}</label>
            <textarea id=name name=name rows="3" class=format!("{INPUT} font-mono text-sm") aria-invalid=if invalid { "true" } else { "false" } aria-describedby=format!("{name}-error")>{value}</textarea>
            {problem.map(|p| view! { <p id=format!("{name}-error") class="mt-1.5 text-sm text-danger">{p}</p> })}
        </div>
    }
}

/// `/admin/apps/<client_id>`: one app.
#[component]
pub fn AdminAppPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let data = Resource::new(
        move || {
            (
                params.read().get("client_id").unwrap_or_default(),
                query.read().get("notice"),
            )
        },
        |(id, notice)| admin_app(id, notice),
    );
    let email = Signal::derive(move || data.get().and_then(|r| r.ok()).map(|v| v.admin_email));
    view! {
        <Title text="App · Admin" />
        <Console email>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(v) => view! { <AppDetail v /> }.into_any(),
                        Err(error) => view! { <LoadError error /> }.into_any(),
                    }
                })}
            </Suspense>
        </Console>
    }
}

#[component]
fn AppDetail(v: AdminAppView) -> impl IntoView {
    let active = v.status == "active";
    let uses_redirects = v.grants.iter().any(|g| g == "authorization_code");
    view! {
        <a href="/admin/apps" class="text-sm font-semibold text-brand hover:underline">"← All apps"</a>
        <div class="mt-3 flex flex-wrap items-center gap-3">
            <h1 class="text-[28px] font-semibold leading-9 tracking-tight" data-testid="admin-app-name">{v.form.name.clone()}</h1>
            <StatusBadge status=v.status.clone() />
        </div>
        <p class="mt-1 text-[15px] text-muted">{format!("{} app · registered {}", v.kind, v.created)}</p>
        {v.notice.clone().map(|n| view! {
            <div role="status" class="mt-6 rounded-brand border border-success/25 bg-success/[0.07] px-4 py-3 text-sm text-ink">{n}</div>
        })}
        {v.new_secret.clone().map(|secret| view! {
            <div class="mt-6 rounded-brand border border-brand/30 bg-brand/[0.05] px-5 py-4" data-testid="admin-new-secret">
                <p class="text-sm font-semibold text-ink">"Client secret — copy it now, it will not be shown again"</p>
                <code class="mt-2 block break-all rounded-brand bg-surface px-3 py-2 font-mono text-sm text-ink" data-testid="admin-secret-value">{secret}</code>
            </div>
        })}

        <section class="mt-8 rounded-brand border border-line bg-surface shadow-[0_1px_2px_rgba(16,24,40,0.04)]">
            <dl class="divide-y divide-line text-sm">
                <div class="grid gap-1 px-6 py-3.5 sm:grid-cols-[11rem_1fr]"><dt class="font-medium text-muted">"Client ID"</dt><dd class="break-all font-mono text-ink" data-testid="admin-client-id">{v.client_id.clone()}</dd></div>
                <div class="grid gap-1 px-6 py-3.5 sm:grid-cols-[11rem_1fr]"><dt class="font-medium text-muted">"Grants"</dt><dd class="text-ink">{v.grants.join(", ")}</dd></div>
                <div class="grid gap-1 px-6 py-3.5 sm:grid-cols-[11rem_1fr]"><dt class="font-medium text-muted">"Authentication"</dt><dd class="text-ink">
                    {if v.uses_keys { "private_key_jwt (its registered keys)" } else if v.confidential { "client secret (basic or post)" } else { "none: a public client, PKCE" }}
                </dd></div>
            </dl>
        </section>

        <section class="mt-6 rounded-brand border border-line bg-surface shadow-[0_1px_2px_rgba(16,24,40,0.04)]">
            <div class="border-b border-line px-6 py-4"><h2 class="text-base font-semibold">"Settings"</h2></div>
            <form method="post" action="/api/admin/app/update" class="space-y-5 px-6 py-5" data-testid="admin-app-update" novalidate>
                <input type="hidden" name="client_id" value=v.client_id.clone() />
                <input type="hidden" name="csrf_token" value=v.csrf_token.clone() />
                <FormProblems problems=v.form.problems.clone() />
                <TextField form=v.form.clone() name="name" label="Name" value=v.form.name.clone() />
                {uses_redirects.then(|| view! {
                    <AreaField form=v.form.clone() name="redirect_uris" label="Redirect URIs (one per line)" value=v.form.redirect_uris.clone() />
                    <AreaField form=v.form.clone() name="post_logout_redirect_uris" label="Post-logout redirect URIs (one per line)" value=v.form.post_logout_redirect_uris.clone() />
                })}
                <TextField form=v.form.clone() name="scopes" label="Scopes (space-separated)" value=v.form.scopes.clone() />
                <div class="grid gap-5 sm:grid-cols-3">
                    <TextField form=v.form.clone() name="access_token_seconds" label="Access token lifetime (s)" value=v.form.access_token_seconds.clone() />
                    <TextField form=v.form.clone() name="refresh_token_seconds" label="Refresh token lifetime (s)" value=v.form.refresh_token_seconds.clone() />
                    <div>
                        <label for="id_token_alg" class="mb-1.5 block text-sm font-medium text-ink">"ID token signing"</label>
                        <select id="id_token_alg" name="id_token_alg" class=INPUT>
                            {["RS256", "ES256", "EdDSA"].into_iter().map(|a| view! { <option value=a selected=v.form.id_token_alg == a>{a}</option> }).collect_view()}
                        </select>
                    </div>
                </div>
                <label class="flex items-center gap-2.5 text-[15px] text-ink">
                    <input type="checkbox" name="first_party" value="on" checked=v.form.first_party class="h-4 w-4 rounded border-line text-brand" />
                    "First-party app (no consent screen)"
                </label>
                <button type="submit" data-testid="admin-app-save" class=PRIMARY>"Save changes"</button>
            </form>
        </section>

        {uses_redirects.then(|| view! { <AppSignInSection v=v.clone() /> })}

        <section class="mt-6 flex flex-wrap items-center gap-3 rounded-brand border border-line bg-surface px-6 py-4 shadow-[0_1px_2px_rgba(16,24,40,0.04)]">
            {(v.confidential && !v.uses_keys).then(|| view! {
                <form method="post" action="/api/admin/app/action">
                    <input type="hidden" name="client_id" value=v.client_id.clone() />
                    <input type="hidden" name="csrf_token" value=v.csrf_token.clone() />
                    <input type="hidden" name="action" value="rotate" />
                    <button type="submit" data-testid="admin-rotate-secret" class=SECONDARY>"Make a new secret"</button>
                </form>
            })}
            <form method="post" action="/api/admin/app/action">
                <input type="hidden" name="client_id" value=v.client_id.clone() />
                <input type="hidden" name="csrf_token" value=v.csrf_token.clone() />
                <input type="hidden" name="action" value=if active { "disable" } else { "enable" } />
                <button type="submit" data-testid="admin-toggle-app" class=if active { format!("{SECONDARY} text-danger") } else { SECONDARY.to_string() }>
                    {if active { "Disable app" } else { "Enable app" }}
                </button>
            </form>
        </section>
    }
}

/// `/admin/providers`: social and enterprise sign-in providers.
#[component]
pub fn AdminProvidersPage() -> impl IntoView {
    let query = use_query_map();
    let data = Resource::new(
        move || query.read().get("notice"),
        crate::admin_providers_api::admin_providers,
    );
    let email = Signal::derive(move || data.get().and_then(|r| r.ok()).map(|v| v.admin_email));
    view! {
        <Title text="Sign-in providers · Admin" />
        <Console email section="providers">
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(v) => view! { <ProvidersList v /> }.into_any(),
                        Err(error) => view! { <LoadError error /> }.into_any(),
                    }
                })}
            </Suspense>
        </Console>
    }
}

#[component]
fn ProvidersList(v: AdminProvidersView) -> impl IntoView {
    let empty = v.providers.is_empty();
    let csrf = v.csrf_token.clone();
    view! {
        <h1 class="text-[28px] font-semibold leading-9 tracking-tight">"Sign-in providers"</h1>
        <p class="mt-1 text-[15px] text-muted">"Let customers sign up and sign in with accounts they already have. Each enabled provider is a button on the sign-in page."</p>
        {v.notice.clone().map(|n| view! {
            <div role="status" data-testid="admin-notice" class="mt-6 rounded-brand border border-success/25 bg-success/[0.07] px-4 py-3 text-sm text-ink">{n}</div>
        })}
        <section class="mt-8 overflow-hidden rounded-brand border border-line bg-surface shadow-[0_1px_2px_rgba(16,24,40,0.04)]">
            {if empty {
                view! { <p class="px-5 py-6 text-[15px] text-muted">"No providers yet. Add the first one below."</p> }.into_any()
            } else {
                view! {
                    <ul class="divide-y divide-line" data-testid="admin-providers">
                        {v.providers.clone().into_iter().map(|p| {
                            let toggle = if p.enabled { "disable" } else { "enable" };
                            view! {
                                <li class="flex flex-wrap items-center gap-4 px-5 py-4" data-testid="admin-provider-row" data-slug=p.slug.clone()>
                                    <span class="inline-flex h-9 w-9 shrink-0 items-center justify-center rounded-full border border-line bg-surface">
                                        <crate::components::ProviderMark brand=p.brand.clone() name=p.name.clone() />
                                    </span>
                                    <div class="min-w-0 flex-1">
                                        <p class="text-[15px] font-semibold text-ink">
                                            {p.name.clone()}
                                            <span class="ml-2 text-sm font-normal text-muted">{if p.kind == p.name { p.slug.clone() } else { format!("{} · {}", p.kind, p.slug) }}</span>
                                        </p>
                                        <p class="mt-0.5 truncate font-mono text-xs text-muted" title="Callback URL to register at the provider">{p.callback.clone()}</p>
                                    </div>
                                    {if p.enabled {
                                        view! { <span class="rounded-full bg-success/10 px-2 py-0.5 text-xs font-medium text-success">"Enabled"</span> }.into_any()
                                    } else {
                                        view! { <span class="rounded-full bg-line/60 px-2 py-0.5 text-xs font-medium text-muted">"Disabled"</span> }.into_any()
                                    }}
                                    <form method="post" action="/api/admin/providers/action">
                                        <input type="hidden" name="csrf_token" value=csrf.clone() />
                                        <input type="hidden" name="slug" value=p.slug.clone() />
                                        <input type="hidden" name="action" value=toggle />
                                        <button type="submit" class=SECONDARY data-testid="admin-provider-toggle">{if p.enabled { "Disable" } else { "Enable" }}</button>
                                    </form>
                                    <form method="post" action="/api/admin/providers/action">
                                        <input type="hidden" name="csrf_token" value=csrf.clone() />
                                        <input type="hidden" name="slug" value=p.slug.clone() />
                                        <input type="hidden" name="action" value="remove" />
                                        <button type="submit" class=format!("{SECONDARY} text-danger") data-testid="admin-provider-remove">"Remove"</button>
                                    </form>
                                    <details class="w-full pl-[3.25rem]">
                                        <summary class="cursor-pointer text-sm font-semibold text-brand hover:underline">"Replace the client secret"</summary>
                                        <form method="post" action="/api/admin/providers/secret" class="mt-2 flex flex-wrap items-end gap-2">
                                            <input type="hidden" name="csrf_token" value=csrf.clone() />
                                            <input type="hidden" name="slug" value=p.slug.clone() />
                                            <div class="min-w-[14rem] flex-1">
                                                <label for=format!("secret-{}", p.slug) class="sr-only">"New client secret"</label>
                                                <input id=format!("secret-{}", p.slug) name="client_secret" type="password" autocomplete="off" required placeholder="New client secret" class=INPUT />
                                            </div>
                                            <button type="submit" class=SECONDARY data-testid="admin-provider-secret">"Replace"</button>
                                        </form>
                                    </details>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>

        <section id="add" class="mt-8 rounded-brand border border-line bg-surface shadow-[0_1px_2px_rgba(16,24,40,0.04)]">
            <div class="border-b border-line px-6 py-4">
                <h2 class="text-base font-semibold">"Add a provider"</h2>
                <p class="mt-0.5 text-sm text-muted">"Presets need only the client ID and secret from the provider's developer console. Secrets are sealed at rest and never shown again."</p>
            </div>
            <form method="post" action="/api/admin/providers/add" class="space-y-5 px-6 py-5" data-testid="admin-provider-add" novalidate>
                <input type="hidden" name="csrf_token" value=v.csrf_token.clone() />
                <FormProblems problems=v.form.problems.clone() />
                <div class="grid gap-5 sm:grid-cols-2">
                    <div>
                        <label for="kind" class="mb-1.5 block text-sm font-medium text-ink">"Provider"</label>
                        <select id="kind" name="kind" class=INPUT>
                            {[("google", "Google"), ("apple", "Apple"), ("microsoft", "Microsoft"), ("linkedin", "LinkedIn"), ("github", "GitHub"), ("facebook", "Facebook"), ("oidc", "Any OpenID Connect provider"), ("oauth2", "Any OAuth 2.0 provider")]
                                .into_iter()
                                .map(|(k, label)| view! { <option value=k selected=v.form.kind == k>{label}</option> })
                                .collect_view()}
                        </select>
                    </div>
                    <PField form=v.form.clone() name="slug" label="Short name (in URLs, e.g. google)" value=v.form.slug.clone() />
                    <PField form=v.form.clone() name="display_name" label="Button label (optional)" value=v.form.display_name.clone() />
                    <PField form=v.form.clone() name="client_id" label="Client ID" value=v.form.client_id.clone() />
                    <PField form=v.form.clone() name="client_secret" label="Client secret" value=String::new() kind="password" />
                    <PField form=v.form.clone() name="scopes" label="Scopes (optional)" value=v.form.scopes.clone() />
                </div>
                <details class="rounded-brand border border-line px-4 py-3" open=!v.form.discovery_url.is_empty() || !v.form.authorize_url.is_empty() || v.form.kind == "oidc" || v.form.kind == "oauth2">
                    <summary class="cursor-pointer text-sm font-semibold text-ink">"Any OpenID Connect or OAuth 2.0 provider"</summary>
                    <div class="mt-4 space-y-5">
                        <PField form=v.form.clone() name="discovery_url" label="OpenID Connect discovery URL" value=v.form.discovery_url.clone() />
                        <div class="grid gap-5 sm:grid-cols-3">
                            <PField form=v.form.clone() name="authorize_url" label="OAuth 2.0 authorize URL" value=v.form.authorize_url.clone() />
                            <PField form=v.form.clone() name="token_url" label="Token URL" value=v.form.token_url.clone() />
                            <PField form=v.form.clone() name="userinfo_url" label="Userinfo URL" value=v.form.userinfo_url.clone() />
                        </div>
                        <PField form=v.form.clone() name="claims" label="Claim paths (e.g. subject=id,email=mail,name=display_name)" value=v.form.claims.clone() />
                    </div>
                </details>
                <details class="rounded-brand border border-line px-4 py-3" open=v.form.kind == "apple">
                    <summary class="cursor-pointer text-sm font-semibold text-ink">"Apple"</summary>
                    <div class="mt-4 grid gap-5 sm:grid-cols-2">
                        <PField form=v.form.clone() name="apple_team_id" label="Team ID" value=v.form.apple_team_id.clone() />
                        <PField form=v.form.clone() name="apple_key_id" label="Key ID" value=v.form.apple_key_id.clone() />
                        <div class="sm:col-span-2">
                            <label for="apple_private_key" class="mb-1.5 block text-sm font-medium text-ink">"Private key (.p8 contents)"</label>
                            <textarea id="apple_private_key" name="apple_private_key" rows="4" class=format!("{INPUT} font-mono text-xs")></textarea>
                            {v.form.problem("apple_private_key").map(|p| view! { <p class="mt-1.5 text-sm text-danger">{p}</p> })}
                        </div>
                    </div>
                </details>
                <label class="flex items-center gap-2.5 text-[15px] text-ink">
                    <input type="checkbox" name="untrusted_email" value="on" checked=v.form.untrusted_email class="h-4 w-4 rounded border-line text-brand" />
                    "Don't trust this provider's verified addresses (customers confirm theirs by code)"
                </label>
                <button type="submit" data-testid="admin-provider-add-submit" class=PRIMARY>"Add provider"</button>
            </form>
        </section>
    }
}

#[component]
fn PField(
    form: ProviderFormView,
    name: &'static str,
    label: &'static str,
    value: String,
    #[prop(default = "text")] kind: &'static str,
) -> impl IntoView {
    let problem = form.problem(name);
    let invalid = problem.is_some();
    view! {
        <div>
            <label for=name class="mb-1.5 block text-sm font-medium text-ink">{label}</label>
            <input id=name name=name type=kind value=value autocomplete="off" class=INPUT aria-invalid=if invalid { "true" } else { "false" } aria-describedby=format!("{name}-error") />
            {problem.map(|p| view! { <p id=format!("{name}-error") class="mt-1.5 text-sm text-danger">{p}</p> })}
        </div>
    }
}

/// `/admin/branding`: the theme editor, with a live preview and the version history.
#[component]
pub fn AdminBrandingPage() -> impl IntoView {
    let query = use_query_map();
    let data = Resource::new(
        move || {
            let q = query.read();
            (q.get("notice"), q.get("lang"))
        },
        |(notice, lang)| crate::branding_api::admin_branding(notice, lang),
    );
    let email = Signal::derive(move || data.get().and_then(|r| r.ok()).map(|v| v.admin_email));
    let full = Signal::derive(move || {
        data.get()
            .and_then(|r| r.ok())
            .map(|v| v.is_admin)
            .unwrap_or(false)
    });
    view! {
        <Title text="Branding · Admin" />
        <Console email section="branding" full>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(v) => view! { <BrandingEditor v /> }.into_any(),
                        Err(error) => view! { <LoadError error /> }.into_any(),
                    }
                })}
            </Suspense>
        </Console>
    }
}

/// The font stacks the editor offers (value, label, CSS stack for the preview).
const FONTS: [(&str, &str, &str); 5] = [
    (
        "system",
        "System (default)",
        "ui-sans-serif, system-ui, sans-serif",
    ),
    (
        "humanist",
        "Humanist",
        "Seravek, 'Gill Sans Nova', Ubuntu, Calibri, sans-serif",
    ),
    (
        "geometric",
        "Geometric",
        "Avenir, Montserrat, Corbel, 'URW Gothic', sans-serif",
    ),
    (
        "serif",
        "Serif",
        "Charter, 'Bitstream Charter', Cambria, Georgia, serif",
    ),
    (
        "rounded",
        "Rounded",
        "ui-rounded, Quicksand, Comfortaa, 'Arial Rounded MT', sans-serif",
    ),
];

/// A colour as the preview may use it: `#rrggbb`, or the fallback.
fn hex_or(value: &str, fallback: &'static str) -> String {
    let v = value.trim();
    let ok = v.len() == 7 && v.starts_with('#') && v[1..].chars().all(|c| c.is_ascii_hexdigit());
    if ok {
        v.to_string()
    } else {
        fallback.to_string()
    }
}

#[component]
fn BrandingEditor(v: BrandingView) -> impl IntoView {
    let f = v.form.clone();
    let primary = RwSignal::new(f.primary.clone());
    let on_primary = RwSignal::new(f.on_primary.clone());
    let background = RwSignal::new(f.background.clone());
    let surface = RwSignal::new(f.surface.clone());
    let text = RwSignal::new(f.text.clone());
    let muted = RwSignal::new(f.muted.clone());
    let border = RwSignal::new(f.border.clone());
    let error = RwSignal::new(f.error.clone());
    let success = RwSignal::new(f.success.clone());
    let radius = RwSignal::new(f.radius.clone());
    let font = RwSignal::new(f.font.clone());
    let layout = RwSignal::new(f.layout.clone());
    let copy_text = |key: &str| {
        f.copy
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let copy = PreviewCopy {
        lang: f.copy_lang.clone(),
        login_title: RwSignal::new(copy_text("login.title")),
        login_subtitle: RwSignal::new(copy_text("login.subtitle")),
        login_submit: RwSignal::new(copy_text("login.submit")),
        register_title: RwSignal::new(copy_text("register.title")),
        register_subtitle: RwSignal::new(copy_text("register.subtitle")),
        register_submit: RwSignal::new(copy_text("register.submit")),
        recovery_title: RwSignal::new(copy_text("recovery.title")),
        recovery_subtitle: RwSignal::new(copy_text("recovery.subtitle")),
    };
    // A picked logo shows in the preview before it is uploaded (an object URL).
    let logo = RwSignal::new(f.logo.clone());
    let side_image = RwSignal::new(f.side_image.clone());
    // The preview's custom properties, as (name, value) pairs.
    let preview_vars = move || {
        let r = radius.get().trim().parse::<u8>().unwrap_or(10).min(24);
        let stack = FONTS
            .iter()
            .find(|(k, _, _)| *k == font.get())
            .map(|(_, _, s)| *s)
            .unwrap_or(FONTS[0].2);
        vec![
            ("--portico-primary", hex_or(&primary.get(), "#4338ca")),
            ("--portico-on-primary", hex_or(&on_primary.get(), "#ffffff")),
            ("--portico-background", hex_or(&background.get(), "#f3f4f8")),
            ("--portico-surface", hex_or(&surface.get(), "#ffffff")),
            ("--portico-text", hex_or(&text.get(), "#111827")),
            ("--portico-muted", hex_or(&muted.get(), "#596173")),
            ("--portico-border", hex_or(&border.get(), "#d9dde5")),
            ("--portico-error", hex_or(&error.get(), "#b42318")),
            ("--portico-success", hex_or(&success.get(), "#067647")),
            ("--portico-radius", format!("{r}px")),
            ("--portico-font", stack.to_string()),
        ]
    };
    // First paint (and pages without JavaScript): a nonce'd rule for the preview. The
    // pages' CSP allows no style attributes, so changes go through the CSSOM.
    let initial_css = untrack(move || {
        let body: String = preview_vars()
            .into_iter()
            .map(|(k, v)| format!("{k}:{v};"))
            .collect();
        format!("#theme-preview{{{body}}}")
    });
    let nonce = use_nonce();
    let preview = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        let vars = preview_vars();
        if let Some(el) = preview.get() {
            let style = leptos::web_sys::HtmlElement::style(&el);
            for (name, value) in vars {
                let _ = style.set_property(name, &value);
            }
        }
    });
    let warnings = move || {
        crate::theme_check::warnings(&crate::theme_check::Palette {
            primary: &primary.get(),
            on_primary: &on_primary.get(),
            background: &background.get(),
            surface: &surface.get(),
            text: &text.get(),
            muted: &muted.get(),
            error: &error.get(),
        })
    };
    let color_fields = [
        ("primary", "Primary", primary),
        ("on_primary", "Text on primary", on_primary),
        ("background", "Background", background),
        ("surface", "Surface", surface),
        ("text", "Text", text),
        ("muted", "Muted text", muted),
        ("border", "Borders", border),
        ("error", "Errors", error),
        ("success", "Success", success),
    ]
    .into_iter()
    .map(|(name, label, value)| view! { <ColorField name label value form=f.clone() /> })
    .collect_view();
    let csrf = v.csrf_token.clone();
    let brand = v.brand.clone();
    let initial = brand
        .chars()
        .find(|c| c.is_alphanumeric())
        .map(|c| c.to_uppercase().to_string())
        .unwrap_or_else(|| "P".into());
    view! {
        <h1 class="text-[28px] font-semibold leading-9 tracking-tight">"Branding"</h1>
        <p class="mt-1 text-[15px] text-muted">"How every customer-facing page looks. Changes show in the preview as you pick; customers see them when you publish."</p>
        {v.notice.clone().map(|n| view! {
            <div role="status" data-testid="admin-notice" class="mt-6 rounded-brand border border-success/25 bg-success/[0.07] px-4 py-3 text-sm text-ink">{n}</div>
        })}
        <div class="mt-8 grid gap-6 lg:grid-cols-[minmax(0,1fr)_minmax(0,1fr)]">
            {view! {
            <section id="editor" class="rounded-brand border border-line bg-surface shadow-[0_1px_2px_rgba(16,24,40,0.04)]">
                <div class="border-b border-line px-6 py-4">
                    <h2 class="text-base font-semibold">"Theme"</h2>
                    <p class="mt-0.5 text-sm text-muted">{if v.has_draft { "Editing the draft." } else { "Editing a copy of the published theme." }}</p>
                </div>
                <form method="post" action="/api/admin/branding/save" class="space-y-5 px-6 py-5" data-testid="theme-form" novalidate>
                    <input type="hidden" name="csrf_token" value=csrf.clone() />
                    <FormProblems problems=f.problems.clone() />
                    <div class="grid grid-cols-2 gap-4 sm:grid-cols-3">
                        {color_fields}
                    </div>
                    <div class="grid gap-4 sm:grid-cols-2">
                        <div>
                            <label for="radius" class="mb-1.5 block text-sm font-medium text-ink">"Corner radius (px)"</label>
                            <input id="radius" name="radius" type="number" min="0" max="24" class=INPUT prop:value=move || radius.get() on:input=move |ev| radius.set(event_target_value(&ev)) />
                            {f.problem("radius").map(|p| view! { <p class="mt-1.5 text-sm text-danger">{p}</p> })}
                        </div>
                        <div>
                            <label for="font" class="mb-1.5 block text-sm font-medium text-ink">"Font"</label>
                            <select id="font" name="font" class=INPUT on:change=move |ev| font.set(event_target_value(&ev))>
                                {FONTS.iter().map(|(k, label, _)| view! { <option value=*k selected=f.font == *k>{*label}</option> }).collect_view()}
                            </select>
                        </div>
                    </div>
                    <LayoutFields form=f.clone() layout />
                    <CopyFields form=f.clone() copy=copy.clone() />
                    <div>
                        <label for="custom_css" class="mb-1.5 block text-sm font-medium text-ink">"Custom CSS"</label>
                        <p class="mb-2 text-[13px] text-muted">"Optional. Checked against a safe subset: no @import, no url() except this theme's own images, no scripts."</p>
                        <textarea id="custom_css" name="custom_css" rows="5" spellcheck="false" data-testid="custom-css" class=format!("{INPUT} font-mono text-[13px]")>{f.custom_css.clone()}</textarea>
                        {f.problem("custom_css").map(|p| view! { <p class="mt-1.5 text-sm text-danger" data-testid="custom-css-problem">{p}</p> })}
                    </div>
                    <div data-testid="contrast-warnings" aria-live="polite">
                        {move || {
                            let list = warnings();
                            (!list.is_empty()).then(|| view! {
                                <div class="rounded-brand border border-danger/25 bg-danger/[0.06] px-4 py-3 text-sm text-ink">
                                    <p class="font-semibold">"Hard to read (below WCAG AA, 4.5:1):"</p>
                                    <ul class="mt-1 list-disc pl-5">
                                        {list.into_iter().map(|(pair, ratio)| view! { <li>{format!("{pair}: {ratio:.1}:1")}</li> }).collect_view()}
                                    </ul>
                                </div>
                            })
                        }}
                    </div>
                    <div class="flex flex-wrap gap-3">
                        <button type="submit" name="intent" value="draft" data-testid="theme-save-draft" class=SECONDARY>"Save draft"</button>
                        <button type="submit" name="intent" value="publish" data-testid="theme-publish" class=PRIMARY>"Publish"</button>
                    </div>
                </form>
            </section>
            }.into_any()}

            {view! {
            <section aria-label="Preview" class="lg:sticky lg:top-6 lg:self-start">
                <style nonce=nonce inner_html=initial_css></style>
                <div id="theme-preview" data-testid="theme-preview" node_ref=preview class="overflow-hidden rounded-brand border border-line bg-canvas font-brand text-ink">
                    <PreviewPane brand=brand.clone() initial=initial.clone() layout logo side_image copy=copy.clone() />
                </div>
            </section>
            }.into_any()}
        </div>

        <ThemeImages form=f.clone() csrf=csrf.clone() logo side_image />
        {view! {
        <section class="mt-8 rounded-brand border border-line bg-surface shadow-[0_1px_2px_rgba(16,24,40,0.04)]">
            <div class="border-b border-line px-6 py-4">
                <h2 class="text-base font-semibold">"Versions"</h2>
                <p class="mt-0.5 text-sm text-muted">"Every published theme is kept: roll back to any of them."</p>
            </div>
            <ul class="divide-y divide-line" data-testid="theme-versions">
                {v.versions.clone().into_iter().map(|row| {
                    let badge = match row.status.as_str() {
                        "published" => ("Published", "bg-success/10 text-success"),
                        "draft" => ("Draft", "bg-brand/10 text-brand"),
                        _ => ("Earlier", "bg-line/60 text-muted"),
                    };
                    let action = match row.status.as_str() {
                        "draft" => Some("Publish draft"),
                        "archived" => Some("Roll back to this"),
                        _ => None,
                    };
                    view! {
                        <li class="flex flex-wrap items-center gap-3 px-6 py-3.5" data-testid="theme-version" data-status=row.status.clone()>
                            // A presentation attribute, not a style: the CSP allows no inline styles.
                            <svg aria-hidden="true" viewBox="0 0 20 20" class="h-5 w-5 shrink-0"><circle cx="10" cy="10" r="9" fill=hex_or(&row.primary, "#4338ca") stroke="#d9dde5" /></svg>
                            <span class="text-[15px] font-medium text-ink">{format!("Version {}", row.number)}</span>
                            <span class=format!("rounded-full px-2 py-0.5 text-xs font-medium {}", badge.1)>{badge.0}</span>
                            <span class="flex-1 text-sm text-muted">{format!("{} · {}", row.by, row.at)}</span>
                            {action.map(|label| view! {
                                <form method="post" action="/api/admin/branding/publish">
                                    <input type="hidden" name="csrf_token" value=csrf.clone() />
                                    <input type="hidden" name="version" value=row.id.clone() />
                                    <button type="submit" class=SECONDARY data-testid="theme-version-publish">{label}</button>
                                </form>
                            })}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
        }.into_any()}
    }
    .into_any()
}

#[component]
fn ColorField(
    name: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    form: ThemeFormView,
) -> impl IntoView {
    let problem = form.problem(name);
    view! {
        <div>
            <label for=name class="mb-1.5 block text-sm font-medium text-ink">{label}</label>
            <div class="flex items-center gap-2">
                <input id=name name=name type="color" class="h-10 w-12 cursor-pointer rounded-brand border border-line bg-surface p-1" prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev)) />
                <span class="font-mono text-xs text-muted">{move || value.get()}</span>
            </div>
            {problem.map(|p| view! { <p class="mt-1.5 text-sm text-danger">{p}</p> })}
        </div>
    }
}

/// The editor's texts, as the preview shows them while they are typed (empty: the
/// translation's own text).
#[derive(Clone)]
struct PreviewCopy {
    lang: String,
    login_title: RwSignal<String>,
    login_subtitle: RwSignal<String>,
    login_submit: RwSignal<String>,
    register_title: RwSignal<String>,
    register_subtitle: RwSignal<String>,
    register_submit: RwSignal<String>,
    recovery_title: RwSignal<String>,
    recovery_subtitle: RwSignal<String>,
}

impl PreviewCopy {
    fn signal(&self, key: &str) -> Option<RwSignal<String>> {
        Some(match key {
            "login.title" => self.login_title,
            "login.subtitle" => self.login_subtitle,
            "login.submit" => self.login_submit,
            "register.title" => self.register_title,
            "register.subtitle" => self.register_subtitle,
            "register.submit" => self.register_submit,
            "recovery.title" => self.recovery_title,
            "recovery.subtitle" => self.recovery_subtitle,
            _ => return None,
        })
    }

    /// The text the preview shows for `key`: the typed one, else the translation.
    fn shown(&self, key: &'static str) -> impl Fn() -> String + Send + Sync + use<> {
        let i18n = crate::i18n::I18n::new(&self.lang, Default::default());
        let typed = self.signal(key);
        move || {
            typed
                .map(|s| s.get())
                .filter(|t| !t.trim().is_empty())
                .unwrap_or_else(|| i18n.text(key))
        }
    }
}

/// Layout and the legal links.
#[component]
fn LayoutFields(form: ThemeFormView, layout: RwSignal<String>) -> impl IntoView {
    view! {
        <div class="grid gap-4 sm:grid-cols-3">
            <div>
                <label for="layout" class="mb-1.5 block text-sm font-medium text-ink">"Layout"</label>
                <select id="layout" name="layout" data-testid="layout" class=INPUT on:change=move |ev| layout.set(event_target_value(&ev))>
                    <option value="centered" selected=form.layout != "split">"Centred"</option>
                    <option value="split" selected=form.layout == "split">"Split"</option>
                </select>
            </div>
            <div>
                <label for="terms_url" class="mb-1.5 block text-sm font-medium text-ink">"Terms link"</label>
                <input id="terms_url" name="terms_url" type="url" placeholder="https://" class=INPUT value=form.terms_url.clone() />
                {form.problem("terms_url").map(|p| view! { <p class="mt-1.5 text-sm text-danger">{p}</p> })}
            </div>
            <div>
                <label for="privacy_url" class="mb-1.5 block text-sm font-medium text-ink">"Privacy link"</label>
                <input id="privacy_url" name="privacy_url" type="url" placeholder="https://" class=INPUT value=form.privacy_url.clone() />
                {form.problem("privacy_url").map(|p| view! { <p class="mt-1.5 text-sm text-danger">{p}</p> })}
            </div>
        </div>
    }
}

/// The texts a theme replaces, for one language at a time (tabs are links, so unsaved
/// changes to the form stay in the editor only until another language is opened).
#[component]
fn CopyFields(form: ThemeFormView, copy: PreviewCopy) -> impl IntoView {
    let lang = form.copy_lang.clone();
    let i18n = crate::i18n::I18n::new(&lang, Default::default());
    let labels = [
        ("login.title", "Sign-in title"),
        ("login.subtitle", "Sign-in subtitle"),
        ("login.submit", "Sign-in button"),
        ("register.title", "Sign-up title"),
        ("register.subtitle", "Sign-up subtitle"),
        ("register.submit", "Sign-up button"),
        ("recovery.title", "Recovery title"),
        ("recovery.subtitle", "Recovery subtitle"),
        ("footer.terms", "Terms link text"),
        ("footer.privacy", "Privacy link text"),
    ];
    let fields = labels
        .into_iter()
        .map(|(key, label)| {
            let name = format!("copy_{}", key.replace('.', "_"));
            let value = form
                .copy
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            let signal = copy.signal(key);
            let problem = form.problem(&name);
            view! {
                <div>
                    <label for=name.clone() class="mb-1 block text-[13px] font-medium text-ink">{label}</label>
                    <input
                        id=name.clone()
                        name=name.clone()
                        data-testid=name
                        class=INPUT
                        placeholder=i18n.text(key)
                        value=value
                        on:input=move |ev| {
                            if let Some(s) = signal {
                                s.set(event_target_value(&ev));
                            }
                        }
                    />
                    {problem.map(|p| view! { <p class="mt-1 text-sm text-danger">{p}</p> })}
                </div>
            }
        })
        .collect_view();
    view! {
        <fieldset id="texts" class="rounded-brand border border-line px-4 pt-3 pb-4">
            <legend class="px-1 text-sm font-medium text-ink">"Texts"</legend>
            <input type="hidden" name="copy_lang" value=lang.clone() />
            <p class="text-[13px] text-muted">"Leave a field empty to keep the translation (shown greyed)."</p>
            <nav class="mt-2 mb-3 flex flex-wrap gap-1.5" aria-label="Language of the texts">
                {crate::i18n::LANGUAGES.iter().map(|(code, name)| {
                    let current = *code == lang;
                    view! {
                        <a
                            href=format!("/admin/branding?lang={code}#texts")
                            rel="external"
                            aria-current=current.then_some("true")
                            data-testid=format!("copy-lang-{code}")
                            class=if current { "rounded-full bg-ink px-2.5 py-0.5 text-xs font-semibold text-surface" } else { "rounded-full border border-line px-2.5 py-0.5 text-xs text-muted hover:text-ink" }
                        >
                            {*name}
                        </a>
                    }
                }).collect_view()}
            </nav>
            <div class="grid gap-3 sm:grid-cols-2">{fields}</div>
        </fieldset>
    }
}

/// The preview: one of the signed-out pages, in the editor's colours, layout and texts.
#[component]
fn PreviewPane(
    brand: String,
    initial: String,
    layout: RwSignal<String>,
    logo: RwSignal<Option<String>>,
    side_image: RwSignal<Option<String>>,
    copy: PreviewCopy,
) -> impl IntoView {
    let page = RwSignal::new("login".to_string());
    let i18n = crate::i18n::I18n::new(&copy.lang, Default::default());
    let (login_title, login_subtitle, login_submit) = (
        copy.shown("login.title"),
        copy.shown("login.subtitle"),
        copy.shown("login.submit"),
    );
    let (register_title, register_subtitle, register_submit) = (
        copy.shown("register.title"),
        copy.shown("register.subtitle"),
        copy.shown("register.submit"),
    );
    let (recovery_title, recovery_subtitle) = (
        copy.shown("recovery.title"),
        copy.shown("recovery.subtitle"),
    );
    let email = i18n.text("common.email");
    let recovery_submit = i18n.text("recovery.submit");
    let brand_for_side = brand.clone();
    let card = move || {
        let (title, subtitle, button) = match page.get().as_str() {
            "register" => (register_title(), register_subtitle(), register_submit()),
            "recovery" => (
                recovery_title(),
                recovery_subtitle(),
                recovery_submit.clone(),
            ),
            _ => (login_title(), login_subtitle(), login_submit()),
        };
        view! {
            <div class="rounded-brand border border-line bg-surface px-6 py-6">
                <p class="text-xl font-semibold tracking-tight" data-testid="preview-title">{title}</p>
                <p class="mt-1 text-sm text-muted">{subtitle}</p>
                <p class="mt-4 text-sm font-medium">{email.clone()}</p>
                <div class="mt-1.5 h-10 rounded-brand border border-line bg-surface"></div>
                <p class="mt-2 text-sm text-danger">"That email and password combination didn't work."</p>
                <div data-testid="preview-button" class="mt-4 flex h-10 items-center justify-center rounded-brand bg-brand text-sm font-semibold text-on-brand">{button}</div>
            </div>
        }
        .into_any()
    };
    let bar = view! {
        <div class="flex items-center justify-between gap-3 border-b border-line bg-surface px-4 py-2.5">
            <label for="preview-page" class="text-sm font-medium text-muted">"Preview"</label>
            <select id="preview-page" data-testid="preview-page" class="rounded-brand border border-line bg-surface px-2 py-1 text-sm" on:change=move |ev| page.set(event_target_value(&ev))>
                <option value="login">"Sign in"</option>
                <option value="register">"Create account"</option>
                <option value="recovery">"Reset password"</option>
            </select>
        </div>
    }
    .into_any();
    let logo_view = move || {
        match logo.get() {
        Some(src) => view! { <img src=src alt=brand.clone() data-testid="preview-logo" class="h-10 w-auto max-w-[180px] object-contain" /> }.into_any(),
        None => view! {
            <span aria-hidden="true" class="inline-flex h-10 w-10 items-center justify-center rounded-brand bg-brand text-base font-semibold text-on-brand">{initial.clone()}</span>
            <span class="text-sm font-semibold">{brand.clone()}</span>
        }.into_any(),
    }
    };
    let side = move || {
        (layout.get() == "split").then(|| match side_image.get() {
        Some(src) => view! { <img src=src alt="" class="h-full w-full object-cover" /> }.into_any(),
        None => view! { <div class="flex items-end bg-brand p-4 text-sm font-semibold text-on-brand">{brand_for_side.clone()}</div> }.into_any(),
    })
    };
    view! {
        {bar}
        <div class=move || if layout.get() == "split" { "grid grid-cols-[3fr_2fr]" } else { "grid grid-cols-1" } data-testid="preview-layout">
            <div class="px-6 py-8">
                <div class="mx-auto max-w-[22rem]">
                    <div class="mb-5 flex flex-col items-center gap-2">{logo_view}</div>
                    {card}
                </div>
            </div>
            {side}
        </div>
    }
    .into_any()
}

/// Uploads for the logo, the favicon and the split layout's picture: one small
/// multipart form each (works without JavaScript); a picked file shows in the preview
/// at once.
#[component]
fn ThemeImages(
    form: ThemeFormView,
    csrf: String,
    logo: RwSignal<Option<String>>,
    side_image: RwSignal<Option<String>>,
) -> impl IntoView {
    let slots = [
        (
            "logo",
            "Logo",
            "PNG, JPEG or WebP, up to 512 KiB. Shown above every sign-in page.",
            form.logo.clone(),
            Some(logo),
            "image/png,image/jpeg,image/webp",
        ),
        (
            "favicon",
            "Favicon",
            "PNG or ICO, up to 128 KiB. The browser tab's icon.",
            form.favicon.clone(),
            None,
            "image/png,image/x-icon,.ico",
        ),
        (
            "side_image",
            "Split-layout picture",
            "PNG, JPEG or WebP, up to 2 MiB. Beside the card in the split layout.",
            form.side_image.clone(),
            Some(side_image),
            "image/png,image/jpeg,image/webp",
        ),
    ];
    let rows = slots
        .into_iter()
        .map(|(kind, label, hint, current, preview, accept)| {
            let problem = form.problem(kind);
            let csrf = csrf.clone();
            let csrf_remove = csrf.clone();
            let has = current.is_some();
            view! {
                <li class="flex flex-wrap items-start gap-4 px-6 py-4" data-testid=format!("image-{kind}")>
                    <div class="flex h-14 w-24 shrink-0 items-center justify-center overflow-hidden rounded-brand border border-line bg-canvas">
                        {current.clone().map(|src| view! { <img src=src alt="" class="max-h-12 max-w-[88px] object-contain" /> })}
                    </div>
                    <div class="min-w-0 flex-1">
                        <p class="text-[15px] font-medium text-ink">{label}</p>
                        <p class="text-[13px] text-muted">{hint}</p>
                        {problem.map(|p| view! { <p class="mt-1 text-sm text-danger" data-testid=format!("image-{kind}-problem")>{p}</p> })}
                        <form method="post" action="/api/admin/branding/asset" enctype="multipart/form-data" class="mt-2 flex flex-wrap items-center gap-2">
                            <input type="hidden" name="csrf_token" value=csrf />
                            <input type="hidden" name="kind" value=kind />
                            <input
                                type="file"
                                name="file"
                                accept=accept
                                required=true
                                data-testid=format!("image-{kind}-file")
                                class="text-sm text-muted file:mr-3 file:rounded-brand file:border file:border-line file:bg-surface file:px-3 file:py-1.5 file:text-sm file:font-medium file:text-ink"
                                on:change=move |ev| {
                                    if let Some(target) = preview {
                                        target.set(picked_image_url(&ev));
                                    }
                                }
                            />
                            <button type="submit" class=SECONDARY data-testid=format!("image-{kind}-upload")>"Upload to draft"</button>
                        </form>
                    </div>
                    {has.then(|| view! {
                        <form method="post" action="/api/admin/branding/asset/remove">
                            <input type="hidden" name="csrf_token" value=csrf_remove />
                            <input type="hidden" name="kind" value=kind />
                            <button type="submit" class=SECONDARY data-testid=format!("image-{kind}-remove")>"Remove"</button>
                        </form>
                    })}
                </li>
            }
        })
        .collect_view();
    view! {
        <section id="images" class="mt-8 rounded-brand border border-line bg-surface shadow-[0_1px_2px_rgba(16,24,40,0.04)]">
            <div class="border-b border-line px-6 py-4">
                <h2 class="text-base font-semibold">"Images"</h2>
                <p class="mt-0.5 text-sm text-muted">"Uploads go into the draft; customers see them when you publish."</p>
            </div>
            <ul class="divide-y divide-line">{rows}</ul>
        </section>
    }
    .into_any()
}

/// An object URL for the image just picked in a file input (the preview shows it
/// before anything is uploaded).
fn picked_image_url(ev: &leptos::ev::Event) -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::JsCast;
        let input = ev.target()?.dyn_into::<web_sys::HtmlInputElement>().ok()?;
        let file = input.files()?.get(0)?;
        web_sys::Url::create_object_url_with_blob(&file).ok()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = ev;
        None
    }
}

/// An app's sign-in page: the ways in it offers and its colours and layout over the
/// tenant theme.
#[component]
fn AppSignInSection(v: AdminAppView) -> impl IntoView {
    let s = v.sign_in.clone();
    let problem = |field: &str| {
        s.problems
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| view! { <p class="mt-1.5 text-sm text-danger">{m.clone()}</p> })
    };
    let check = |name: &'static str, label: &'static str, on: bool| {
        view! {
            <label class="flex items-center gap-2.5 text-[15px] text-ink">
                <input type="checkbox" name=name value="on" checked=on data-testid=format!("app-{name}") class="h-4 w-4 rounded border-line text-brand" />
                {label}
            </label>
        }
    };
    let providers = s
        .providers
        .iter()
        .map(|(slug, name, on)| {
            view! {
                <label class="flex items-center gap-2.5 text-[15px] text-ink">
                    <input type="checkbox" name="providers[]" value=slug.clone() checked=*on data-testid=format!("app-provider-{slug}") class="h-4 w-4 rounded border-line text-brand" />
                    {name.clone()}
                </label>
            }
        })
        .collect_view();
    let color = |name: &'static str, label: &'static str, value: String| {
        view! {
            <div>
                <label for=format!("app-{name}") class="mb-1.5 block text-sm font-medium text-ink">{label}</label>
                <input id=format!("app-{name}") name=name value=value placeholder="the tenant's" class=format!("{INPUT} font-mono") />
            </div>
        }
    };
    view! {
        <section id="sign-in" class="mt-6 rounded-brand border border-line bg-surface shadow-[0_1px_2px_rgba(16,24,40,0.04)]">
            <div class="border-b border-line px-6 py-4">
                <h2 class="text-base font-semibold">"Sign-in page"</h2>
                <p class="mt-0.5 text-sm text-muted">"How this app's customers sign in. Ways left out are hidden and refused for this app; empty colours keep the tenant's theme."</p>
            </div>
            <form method="post" action="/api/admin/app/sign-in" class="space-y-5 px-6 py-5" data-testid="app-sign-in-form" novalidate>
                <input type="hidden" name="client_id" value=v.client_id.clone() />
                <input type="hidden" name="csrf_token" value=v.csrf_token.clone() />
                <fieldset class="space-y-2">
                    <legend class="mb-1 text-sm font-medium text-ink">"Ways to sign in"</legend>
                    {check("password", "Email and password", s.password)}
                    {check("passkey", "Passkeys", s.passkey)}
                    {check("all_providers", "Every sign-in provider, also ones added later", s.all_providers)}
                    <div class="space-y-2 pl-6">{providers}</div>
                    {problem("methods")}
                    {problem("providers")}
                </fieldset>
                <div class="grid gap-4 sm:grid-cols-4">
                    {color("primary", "Primary", s.primary.clone())}
                    {color("on_primary", "Text on primary", s.on_primary.clone())}
                    {color("background", "Background", s.background.clone())}
                    <div>
                        <label for="app-layout" class="mb-1.5 block text-sm font-medium text-ink">"Layout"</label>
                        <select id="app-layout" name="layout" class=INPUT>
                            <option value="" selected=s.layout.is_empty()>"The tenant's"</option>
                            <option value="centered" selected=s.layout == "centered">"Centred"</option>
                            <option value="split" selected=s.layout == "split">"Split"</option>
                        </select>
                    </div>
                </div>
                {problem("primary")}
                {problem("on_primary")}
                {problem("background")}
                <button type="submit" data-testid="app-sign-in-save" class=PRIMARY>"Save sign-in page"</button>
            </form>
            <div class="flex flex-wrap items-center gap-4 border-t border-line px-6 py-5" data-testid="app-logo">
                <div class="flex h-14 w-28 shrink-0 items-center justify-center rounded-brand border border-line bg-canvas">
                    {match s.logo.clone() {
                        Some(url) => view! { <img src=url alt="This app's logo" data-testid="app-logo-preview" class="max-h-11 max-w-24 object-contain" /> }.into_any(),
                        None => view! { <span class="text-xs text-muted">"Tenant's logo"</span> }.into_any(),
                    }}
                </div>
                <form method="post" action="/api/admin/app/sign-in/logo" enctype="multipart/form-data" class="flex min-w-0 flex-1 flex-wrap items-end gap-3" data-testid="app-logo-form">
                    <input type="hidden" name="csrf_token" value=v.csrf_token.clone() />
                    <input type="hidden" name="client_id" value=v.client_id.clone() />
                    <div class="min-w-[14rem] flex-1">
                        <label for="app-logo-file" class="mb-1.5 block text-sm font-medium text-ink">"Logo for this app"</label>
                        <input id="app-logo-file" name="file" type="file" accept="image/png,image/jpeg,image/webp" required class="block w-full text-sm text-muted file:mr-3 file:rounded-brand file:border file:border-line file:bg-surface file:px-3 file:py-1.5 file:text-sm file:font-semibold file:text-ink" />
                        <p class="mt-1 text-xs text-muted">"PNG, JPEG or WebP, up to 512 KiB. Shown on this app's sign-in pages instead of the tenant's."</p>
                    </div>
                    <button type="submit" data-testid="app-logo-upload" class=SECONDARY_BUTTON>"Upload"</button>
                </form>
                {s.logo.is_some().then(|| view! {
                    <form method="post" action="/api/admin/app/sign-in/logo/remove">
                        <input type="hidden" name="csrf_token" value=v.csrf_token.clone() />
                        <input type="hidden" name="client_id" value=v.client_id.clone() />
                        <button type="submit" data-testid="app-logo-remove" class="rounded-brand px-3 py-1.5 text-sm font-semibold text-danger hover:bg-danger/[0.06]">"Remove"</button>
                    </form>
                })}
                <div class="w-full">{problem("logo")}</div>
            </div>
        </section>
    }
    .into_any()
}
