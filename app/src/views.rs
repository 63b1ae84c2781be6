//! What the pages receive from the server: plain, serialisable, and free of secrets
//! (except the CSRF token a form must echo).

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Tone {
    Info,
    Error,
}

/// A message ready to show, already in the customer's language.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageView {
    pub id: String,
    pub tone: Tone,
    pub field: Option<String>,
    pub text: String,
}

/// A login or registration flow as its page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowView {
    pub id: String,
    /// `login` or `registration`.
    pub kind: String,
    /// Which step to show: `identify`, `details` or `verify_email`.
    pub step: String,
    /// Where the verification mail went, on the verify step.
    pub verify_email: Option<String>,
    pub csrf_token: String,
    pub messages: Vec<MessageView>,
    pub email: String,
    pub display_name: String,
    /// Where signing in from here returns to, for links between login and register.
    pub return_to: Option<String>,
    pub password_min_length: usize,
    pub password_max_length: usize,
    /// Second-factor step: the ways offered, best first (`passkey`, `totp`,
    /// `recovery_code`, `email`).
    pub factors: Vec<String>,
    /// Second-factor step: where the mailed code went, masked.
    pub code_sent_to: Option<String>,
    /// The tenant's enabled sign-in providers, as buttons.
    pub providers: Vec<ProviderButton>,
    /// Signing up through this provider (the details and code steps).
    pub provider_name: Option<String>,
    /// The verify step takes only a code (no link was mailed).
    pub code_only: bool,
    /// Whether the app being signed in to offers a password and passkeys, and which
    /// providers (`None`: all).
    pub password_allowed: bool,
    pub passkey_allowed: bool,
    pub allowed_providers: Option<Vec<String>>,
    /// "Confirm it's you": the signed-in customer proves it again before a sensitive
    /// change; the address is fixed and there is no sign-up link.
    pub reauth: bool,
}

/// A "Continue with …" button.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderButton {
    pub slug: String,
    pub name: String,
    /// Which mark to show: `google`, `apple`, `microsoft`, `linkedin`, `github`,
    /// `facebook` or `generic`.
    pub brand: String,
}

impl FlowView {
    /// Messages that belong to no field: shown above the form.
    pub fn general_messages(&self) -> Vec<MessageView> {
        self.messages
            .iter()
            .filter(|m| m.field.is_none())
            .cloned()
            .collect()
    }

    /// The first error for `field`, shown under that input.
    pub fn field_error(&self, field: &str) -> Option<MessageView> {
        self.messages
            .iter()
            .find(|m| m.field.as_deref() == Some(field) && m.tone == Tone::Error)
            .cloned()
    }
}

/// The brand a page is dressed in (from the tenant's published theme).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrandView {
    pub name: String,
    /// The logo's URL; the brand's initial and name are shown without one.
    pub logo: Option<String>,
    /// The signed-out pages' layout: `split` puts `side_image` beside the card.
    pub split: bool,
    pub side_image: Option<String>,
    pub terms_url: Option<String>,
    pub privacy_url: Option<String>,
    /// The default tenant: its admins also manage the tenants.
    pub operator: bool,
}

/// What the server decided about a page before rendering it — its language, the
/// brand's texts for that language and the brand — written into the document so the
/// browser renders the same page when it takes over.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageSetup {
    pub lang: String,
    pub copy: std::collections::HashMap<String, String>,
    pub brand: BrandView,
}

/// The signed-in customer's account page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountView {
    pub display_name: String,
    pub email: String,
    pub email_verified: bool,
    pub member_since: String,
    pub signed_in_at: String,
    pub sign_in_method: String,
    pub has_password: bool,
    pub passkeys: Vec<PasskeyView>,
    /// An authenticator app is set up.
    pub totp: bool,
    /// Third-party apps the customer shares data with.
    pub connected_apps: Vec<ConnectedAppView>,
    /// Echoed by the sign-out form.
    pub csrf_token: String,
    /// The language the customer chose (a code), or empty.
    pub language: String,
    /// A new address waiting for its confirmation link.
    pub pending_email: Option<String>,
    /// When the account is erased, if its deletion is pending (a date in words).
    pub deletion_on: Option<String>,
}

/// The email page of the portal: the address, a pending change, and the form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailView {
    pub email: String,
    pub verified: bool,
    /// A new address waiting for confirmation, and until when its link works.
    pub pending: Option<String>,
    pub pending_until: String,
    /// Changing the address first asks the customer to confirm it's them.
    pub needs_reauth: bool,
    pub csrf_token: String,
}

/// The privacy page: download the account's data, delete the account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrivacyView {
    pub email: String,
    /// The sensitive actions here first ask the customer to confirm it's them.
    pub needs_reauth: bool,
    pub csrf_token: String,
    /// When the account is erased, if its deletion is pending (a date in words).
    pub deletion_on: Option<String>,
    /// The tenant's grace period before an account is erased.
    pub grace_days: u32,
}

/// What a confirmation or undo link of an email change leads to: `open` (with the
/// address), `changed`, `restored`, `taken` or `invalid`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailLinkView {
    pub state: String,
    pub address: String,
}

/// An app the customer agreed to share data with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectedAppView {
    pub app_id: String,
    pub name: String,
    /// What the app may see, in words.
    pub access: Vec<String>,
    pub granted: String,
    pub last_used: String,
}

/// What the consent page asks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentView {
    pub app_name: String,
    pub redirect_host: String,
    /// What the app asks to see, in words.
    pub access: Vec<String>,
    pub account_email: String,
    pub csrf_token: String,
}

/// One of the customer's passkeys.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyView {
    pub id: String,
    pub name: String,
    pub created: String,
    pub last_used: Option<String>,
    pub synced: bool,
}

/// The first half of a passkey ceremony, or where to go instead.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyCeremony {
    pub ceremony: String,
    /// JSON for `navigator.credentials` (`{"publicKey": {...}}`).
    pub options: String,
    /// Go here instead (the flow has something to say).
    pub navigate: Option<String>,
    /// Show this instead (account page).
    pub error: Option<String>,
}

/// Where the browser goes after a passkey ceremony.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyNext {
    pub navigate: String,
}

/// What a submitted form leads to, for a hydrated page (a page without JavaScript
/// follows the redirect instead).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FormOutcome {
    /// The browser is being sent elsewhere (signed in, signed out).
    Navigate,
    /// Show this flow: it carries what to fix, or replaces one that could not continue.
    ShowFlow(Box<FlowView>),
}

/// The answer to opening a verification link.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyLinkView {
    pub verified: bool,
    pub email: Option<String>,
    /// Whether this browser is signed in (to offer the account page rather than sign-in).
    pub signed_in: bool,
}

/// One mail in the dev mail viewer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevMailView {
    pub id: String,
    pub to: String,
    pub subject: String,
    pub template: String,
    pub status: String,
    pub created_at: String,
    pub text: String,
}

/// The customer's security centre.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityView {
    pub display_name: String,
    pub email: String,
    pub has_password: bool,
    pub totp: bool,
    pub recovery_codes_left: u64,
    /// Recovery codes made by the last action, shown this once.
    pub new_recovery_codes: Vec<String>,
    pub passkeys: Vec<PasskeyView>,
    pub sign_ins: Vec<SignInView>,
    /// Whether factors can be changed without signing in again.
    pub recently_signed_in: bool,
    pub csrf_token: String,
    /// Accounts at other providers that sign in to this one.
    pub linked: Vec<LinkedView>,
    /// Enabled providers not linked yet.
    pub linkable: Vec<ProviderButton>,
    /// How many ways in the account has (password, passkeys, linked accounts).
    pub method_count: u64,
    /// Where the account is signed in now, this device first.
    pub sessions: Vec<SessionView>,
}

/// `/account/activity`: the customer's own activity, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityView {
    pub entries: Vec<ActivityEntryView>,
    /// For the header's sign-out form.
    pub csrf_token: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityEntryView {
    /// The audit action (`login.succeeded`), for tests and styling.
    pub action: String,
    pub text: String,
    pub when: String,
    pub device: String,
    pub place: String,
    pub ip: String,
    /// A sign-in that failed or was blocked: shown as a warning.
    pub warning: bool,
}

/// A signed-in session, as the security centre lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    /// Its public id (names it in the sign-out form).
    pub id: String,
    pub device: String,
    pub place: String,
    pub ip: String,
    pub signed_in: String,
    pub last_active: String,
    /// The session of the browser looking at the list.
    pub current: bool,
}

/// A linked provider account, as the security centre lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkedView {
    pub id: String,
    pub provider: String,
    pub name: String,
    pub brand: String,
    pub email: Option<String>,
    pub linked: String,
    pub last_used: Option<String>,
}

/// One recent sign-in, as the security centre lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInView {
    pub at: String,
    pub place: String,
    pub ip: String,
    pub device: String,
    pub method: String,
    /// `allowed`, `second_factor`, `denied`, `pending` (abandoned at the second factor)
    /// or `reported`.
    pub result: String,
    pub score: u8,
    pub reasons: Vec<String>,
}

/// An authenticator app being added: the QR code (an SVG) and the key as text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TotpSetupView {
    pub qr_svg: String,
    pub secret: String,
    pub csrf_token: String,
}

/// A "this wasn't me" link, before or after it was used.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportView {
    /// `open`, `secured`, `already` or `invalid`.
    pub state: String,
    pub when: String,
    pub place: String,
    pub device: String,
}

/// What the `/device` page shows: the code form, the app asking, or the outcome.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceView {
    /// `enter`, `confirm` or `done`.
    pub step: String,
    pub user_code: String,
    pub app_name: String,
    pub access: Vec<String>,
    /// A problem with the typed code, in words.
    pub problem: Option<String>,
    pub approved: bool,
    pub account_email: String,
    pub csrf_token: String,
}

/// The app form of the admin console, as typed (or as stored), with its problems.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppFormView {
    pub name: String,
    pub kind: String,
    /// One per line.
    pub redirect_uris: String,
    pub post_logout_redirect_uris: String,
    /// Space-separated.
    pub scopes: String,
    pub first_party: bool,
    pub access_token_seconds: String,
    pub refresh_token_seconds: String,
    pub id_token_alg: String,
    /// (field, message) pairs.
    pub problems: Vec<(String, String)>,
}

impl AppFormView {
    pub fn problem(&self, field: &str) -> Option<String> {
        problem_for(&self.problems, field)
    }
}

/// One app in the console's list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminAppRow {
    pub client_id: String,
    pub name: String,
    pub kind: String,
    pub status: String,
    pub first_party: bool,
}

/// `/admin/apps`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminAppsView {
    pub admin_email: String,
    pub apps: Vec<AdminAppRow>,
    pub form: AppFormView,
    pub csrf_token: String,
}

/// `/admin/apps/<client_id>`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminAppView {
    pub admin_email: String,
    pub client_id: String,
    pub kind: String,
    pub status: String,
    pub confidential: bool,
    pub uses_keys: bool,
    pub grants: Vec<String>,
    pub created: String,
    pub form: AppFormView,
    /// A secret just made (registration or rotation), shown this once.
    pub new_secret: Option<String>,
    pub notice: Option<String>,
    pub csrf_token: String,
    pub sign_in: AppSignInView,
}

/// An app's sign-in page: the ways in it offers and its layer over the tenant theme.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppSignInView {
    pub password: bool,
    pub passkey: bool,
    /// Every provider, also ones added later.
    pub all_providers: bool,
    /// (slug, name, offered) for each of the tenant's enabled providers.
    pub providers: Vec<(String, String, bool)>,
    /// `#rrggbb`, or empty for the tenant's.
    pub primary: String,
    pub on_primary: String,
    pub background: String,
    /// `""` (the tenant's), `centered` or `split`.
    pub layout: String,
    /// The app's own logo (its URL), shown instead of the tenant's.
    pub logo: Option<String>,
    /// (field, message) pairs.
    pub problems: Vec<(String, String)>,
}

/// `/admin/tenants`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminTenantsView {
    pub admin_email: String,
    pub tenants: Vec<TenantRow>,
    pub form: TenantFormView,
    pub notice: Option<String>,
    pub csrf_token: String,
}

/// One tenant in the list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantRow {
    pub slug: String,
    pub name: String,
    pub base_url: String,
    pub hosts: Vec<String>,
    pub is_default: bool,
    /// Its default language's code.
    pub language: String,
}

/// The form that creates a tenant, as typed, with its problems.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantFormView {
    pub slug: String,
    pub display_name: String,
    pub base_url: String,
    /// One per line.
    pub hosts: String,
    /// (field, message) pairs.
    pub problems: Vec<(String, String)>,
}

/// `/admin/providers`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminProvidersView {
    pub admin_email: String,
    pub providers: Vec<AdminProviderRow>,
    pub form: ProviderFormView,
    pub notice: Option<String>,
    pub csrf_token: String,
}

/// One provider in the console's list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminProviderRow {
    pub slug: String,
    pub name: String,
    /// A preset's name, "OpenID Connect" or "OAuth 2.0".
    pub kind: String,
    pub brand: String,
    pub enabled: bool,
    /// The callback URL to register at the provider.
    pub callback: String,
}

/// The console's "add a provider" form, as typed, with its problems (never a secret).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderFormView {
    pub kind: String,
    pub slug: String,
    pub display_name: String,
    pub client_id: String,
    pub discovery_url: String,
    pub authorize_url: String,
    pub token_url: String,
    pub userinfo_url: String,
    pub scopes: String,
    pub claims: String,
    pub untrusted_email: bool,
    pub apple_team_id: String,
    pub apple_key_id: String,
    /// (field, message) pairs.
    pub problems: Vec<(String, String)>,
}

impl ProviderFormView {
    pub fn problem(&self, field: &str) -> Option<String> {
        problem_for(&self.problems, field)
    }
}

/// `/admin/branding`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrandingView {
    pub admin_email: String,
    /// Admins see the whole console; brand managers only branding.
    pub is_admin: bool,
    pub brand: String,
    pub has_draft: bool,
    pub form: ThemeFormView,
    pub versions: Vec<ThemeVersionRow>,
    pub notice: Option<String>,
    pub csrf_token: String,
}

/// The theme editor's fields, as typed (or as stored), with their problems.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThemeFormView {
    pub primary: String,
    pub on_primary: String,
    pub background: String,
    pub surface: String,
    pub text: String,
    pub muted: String,
    pub border: String,
    pub error: String,
    pub success: String,
    pub radius: String,
    pub font: String,
    /// `centered` or `split`.
    pub layout: String,
    pub terms_url: String,
    pub privacy_url: String,
    pub custom_css: String,
    /// The language whose texts `copy` holds.
    pub copy_lang: String,
    /// (key, text) for every text a theme may replace, in `copy_lang`.
    pub copy: Vec<(String, String)>,
    /// The theme's images' URLs.
    pub logo: Option<String>,
    pub favicon: Option<String>,
    pub side_image: Option<String>,
    /// (field, message) pairs.
    pub problems: Vec<(String, String)>,
}

/// One version of the theme in the editor's history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThemeVersionRow {
    pub id: String,
    pub number: i32,
    /// `draft`, `published` or `archived`.
    pub status: String,
    /// Who saved it (their address).
    pub by: String,
    pub at: String,
    pub primary: String,
}

impl ThemeFormView {
    pub fn problem(&self, field: &str) -> Option<String> {
        problem_for(&self.problems, field)
    }
}

/// The message a form's (field, message) problems hold for `field`.
fn problem_for(problems: &[(String, String)], field: &str) -> Option<String> {
    problems
        .iter()
        .find(|(f, _)| f == field)
        .map(|(_, m)| m.clone())
}
