//! The upstream providers a tenant trusts: generic OpenID Connect (from a discovery
//! URL), generic OAuth 2.0 (endpoints and a claim mapping), and presets for the big
//! social networks that need only a client id and secret. Client secrets (and Apple's
//! signing key) are sealed with the master key before they are stored.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::audit::{AuditEvent, ClientInfo};
use crate::store::{self, StoreError};
use crate::tenants::Tenant;
use crate::{Engine, TenantId};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProviderKind {
    /// OpenID Connect: an ID token, checked against the provider's keys.
    Oidc,
    /// Plain OAuth 2.0: the profile comes from a userinfo endpoint.
    OAuth2,
}

impl ProviderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::Oidc => "oidc",
            ProviderKind::OAuth2 => "oauth2",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "oidc" => Some(ProviderKind::Oidc),
            "oauth2" => Some(ProviderKind::OAuth2),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Preset {
    Google,
    Apple,
    Microsoft,
    LinkedIn,
    GitHub,
    Facebook,
}

impl Preset {
    pub const ALL: [Preset; 6] = [
        Preset::Google,
        Preset::Apple,
        Preset::Microsoft,
        Preset::LinkedIn,
        Preset::GitHub,
        Preset::Facebook,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Preset::Google => "google",
            Preset::Apple => "apple",
            Preset::Microsoft => "microsoft",
            Preset::LinkedIn => "linkedin",
            Preset::GitHub => "github",
            Preset::Facebook => "facebook",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    pub fn display_name(self) -> &'static str {
        match self {
            Preset::Google => "Google",
            Preset::Apple => "Apple",
            Preset::Microsoft => "Microsoft",
            Preset::LinkedIn => "LinkedIn",
            Preset::GitHub => "GitHub",
            Preset::Facebook => "Facebook",
        }
    }
}

/// Whether a provider's word that an address is verified is taken.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmailTrust {
    /// Trust the provider's `email_verified` claim (absent means not verified).
    #[default]
    Claim,
    /// Never: the provider lets anyone claim any address (Microsoft's `email` claim,
    /// Facebook). Such an address is never used to match or create an account.
    Never,
}

/// Where the provider's claims live (dotted paths into its JSON).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClaimMap {
    pub subject: String,
    pub email: String,
    pub email_verified: String,
    pub name: String,
    pub given_name: String,
    pub family_name: String,
}

impl Default for ClaimMap {
    fn default() -> Self {
        Self {
            subject: "sub".into(),
            email: "email".into(),
            email_verified: "email_verified".into(),
            name: "name".into(),
            given_name: "given_name".into(),
            family_name: "family_name".into(),
        }
    }
}

/// What a provider needs beyond its endpoints.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProviderSettings {
    pub claims: ClaimMap,
    pub email_trust: EmailTrust,
    /// Send the client secret in the token request's body instead of Basic auth.
    pub secret_in_body: bool,
    /// The provider answers with a cross-site form post (Apple).
    pub form_post: bool,
    /// GitHub: the endpoint listing the account's addresses with their verification.
    pub emails_url: Option<String>,
    /// Apple: the developer team and the key that signs the client secret.
    pub apple_team_id: Option<String>,
    pub apple_key_id: Option<String>,
}

/// A configured provider.
#[derive(Clone, Debug)]
pub struct Provider {
    pub id: Uuid,
    pub tenant_id: TenantId,
    /// The name in URLs and identity keys (`oidc:<slug>`); never changes.
    pub slug: String,
    pub display_name: String,
    pub kind: ProviderKind,
    pub preset: Option<Preset>,
    pub issuer: Option<String>,
    pub discovery_url: Option<String>,
    pub authorize_url: Option<String>,
    pub token_url: Option<String>,
    pub userinfo_url: Option<String>,
    pub jwks_uri: Option<String>,
    pub client_id: String,
    pub client_secret_sealed: Option<String>,
    pub scopes: Vec<String>,
    pub settings: ProviderSettings,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
}

impl Provider {
    /// The `identities.provider` value of identities this provider asserts.
    pub fn key(&self) -> String {
        format!("oidc:{}", self.slug)
    }

    /// What a sign-in button shows (the preset's mark, or a generic one).
    pub fn brand(&self) -> &'static str {
        self.preset.map(Preset::as_str).unwrap_or("generic")
    }
}

/// A provider as an operator describes it (command line, admin page).
#[derive(Clone, Debug, Default)]
pub struct NewProvider {
    pub slug: String,
    pub display_name: Option<String>,
    /// `oidc`, `oauth2`, or a preset's name (`google`, `apple`, …).
    pub kind: String,
    pub discovery_url: Option<String>,
    pub issuer: Option<String>,
    pub authorize_url: Option<String>,
    pub token_url: Option<String>,
    pub userinfo_url: Option<String>,
    pub jwks_uri: Option<String>,
    pub client_id: String,
    pub client_secret: Option<String>,
    pub scopes: Option<String>,
    /// Generic OAuth 2.0: `subject=id,email=mail,...` overrides of the claim paths.
    pub claims: Option<String>,
    /// Take the provider's `email_verified` (default) or never trust its addresses.
    pub trust_email: Option<bool>,
    /// Ask for the answer as a form post (`response_mode=form_post`), as Apple does.
    pub form_post: Option<bool>,
    pub apple_team_id: Option<String>,
    pub apple_key_id: Option<String>,
    /// Apple: the PKCS#8 PEM of the key that signs the client secret.
    pub apple_private_key: Option<String>,
    pub enabled: bool,
}

/// A field of a [`NewProvider`] that cannot be accepted, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderProblem {
    pub field: &'static str,
    pub message: String,
}

fn problem(field: &'static str, message: impl Into<String>) -> ProviderProblem {
    ProviderProblem {
        field,
        message: message.into(),
    }
}

/// An endpoint must be https — or http on this machine (for development and tests).
pub fn check_endpoint(url: &str) -> Result<(), String> {
    let parsed = url::Url::parse(url).map_err(|_| "is not a URL".to_string())?;
    if parsed.fragment().is_some() || !parsed.username().is_empty() || parsed.password().is_some() {
        return Err("must not carry a fragment or credentials".into());
    }
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(&parsed) => Ok(()),
        _ => Err("must use https (http only for localhost)".into()),
    }
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost" || d.ends_with(".localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

fn clean(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// A provider's endpoints and settings from a preset.
struct PresetDefaults {
    kind: ProviderKind,
    issuer: Option<&'static str>,
    authorize: &'static str,
    token: &'static str,
    userinfo: Option<&'static str>,
    jwks: Option<&'static str>,
    scopes: &'static str,
    settings: ProviderSettings,
}

fn preset_defaults(preset: Preset) -> PresetDefaults {
    let oidc = |issuer, authorize, token, userinfo, jwks, scopes| PresetDefaults {
        kind: ProviderKind::Oidc,
        issuer: Some(issuer),
        authorize,
        token,
        userinfo,
        jwks: Some(jwks),
        scopes,
        settings: ProviderSettings::default(),
    };
    match preset {
        Preset::Google => oidc(
            "https://accounts.google.com",
            "https://accounts.google.com/o/oauth2/v2/auth",
            "https://oauth2.googleapis.com/token",
            Some("https://openidconnect.googleapis.com/v1/userinfo"),
            "https://www.googleapis.com/oauth2/v3/certs",
            "openid email profile",
        ),
        Preset::Apple => {
            let mut p = oidc(
                "https://appleid.apple.com",
                "https://appleid.apple.com/auth/authorize",
                "https://appleid.apple.com/auth/token",
                None,
                "https://appleid.apple.com/auth/keys",
                "openid name email",
            );
            p.settings.secret_in_body = true;
            p.settings.form_post = true;
            p
        }
        Preset::Microsoft => {
            // The common endpoint serves every Entra tenant: the issuer names the
            // token's own tenant (`{tenantid}` is its `tid`). Its `email` claim is
            // whatever the tenant's admin typed, so it is never trusted ("nOAuth").
            let mut p = oidc(
                "https://login.microsoftonline.com/{tenantid}/v2.0",
                "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
                "https://login.microsoftonline.com/common/oauth2/v2.0/token",
                Some("https://graph.microsoft.com/oidc/userinfo"),
                "https://login.microsoftonline.com/common/discovery/v2.0/keys",
                "openid email profile",
            );
            p.settings.email_trust = EmailTrust::Never;
            p
        }
        Preset::LinkedIn => {
            let mut p = oidc(
                "https://www.linkedin.com/oauth",
                "https://www.linkedin.com/oauth/v2/authorization",
                "https://www.linkedin.com/oauth/v2/accessToken",
                Some("https://api.linkedin.com/v2/userinfo"),
                "https://www.linkedin.com/oauth/openid/jwks",
                "openid profile email",
            );
            p.settings.secret_in_body = true;
            p
        }
        Preset::GitHub => PresetDefaults {
            kind: ProviderKind::OAuth2,
            issuer: None,
            authorize: "https://github.com/login/oauth/authorize",
            token: "https://github.com/login/oauth/access_token",
            userinfo: Some("https://api.github.com/user"),
            jwks: None,
            scopes: "read:user user:email",
            settings: ProviderSettings {
                claims: ClaimMap {
                    subject: "id".into(),
                    // The address and its verification come from the emails endpoint.
                    email: String::new(),
                    email_verified: String::new(),
                    name: "name".into(),
                    given_name: String::new(),
                    family_name: String::new(),
                },
                emails_url: Some("https://api.github.com/user/emails".into()),
                ..ProviderSettings::default()
            },
        },
        Preset::Facebook => PresetDefaults {
            kind: ProviderKind::OAuth2,
            issuer: None,
            authorize: "https://www.facebook.com/v19.0/dialog/oauth",
            token: "https://graph.facebook.com/v19.0/oauth/access_token",
            userinfo: Some(
                "https://graph.facebook.com/me?fields=id,name,email,first_name,last_name",
            ),
            jwks: None,
            scopes: "email public_profile",
            settings: ProviderSettings {
                claims: ClaimMap {
                    subject: "id".into(),
                    email: "email".into(),
                    email_verified: String::new(),
                    name: "name".into(),
                    given_name: "first_name".into(),
                    family_name: "last_name".into(),
                },
                email_trust: EmailTrust::Never,
                ..ProviderSettings::default()
            },
        },
    }
}

/// Parses `subject=id,email=mail` into claim-path overrides.
fn parse_claims(text: &str, mut map: ClaimMap) -> Result<ClaimMap, String> {
    for pair in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (key, path) = pair
            .split_once('=')
            .ok_or_else(|| format!("`{pair}` is not name=path"))?;
        let path = path.trim().to_string();
        if path.len() > 128 || path.chars().any(|c| c.is_whitespace()) {
            return Err(format!("the path for `{key}` is not a dotted path"));
        }
        match key.trim() {
            "subject" | "sub" => map.subject = path,
            "email" => map.email = path,
            "email_verified" => map.email_verified = path,
            "name" => map.name = path,
            "given_name" => map.given_name = path,
            "family_name" => map.family_name = path,
            other => return Err(format!("unknown claim `{other}`")),
        }
    }
    if map.subject.is_empty() {
        return Err("the subject needs a path".into());
    }
    Ok(map)
}

/// Checks a description and turns it into a provider (secret still in the clear,
/// returned beside it for sealing).
pub(crate) fn check(
    tenant: TenantId,
    new: &NewProvider,
) -> Result<(Provider, Option<String>), Vec<ProviderProblem>> {
    let mut problems = Vec::new();
    let slug = new.slug.trim().to_ascii_lowercase();
    if slug.is_empty()
        || slug.len() > 32
        || !slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        || slug.starts_with('-')
    {
        problems.push(problem(
            "slug",
            "use 1–32 lowercase letters, digits or hyphens",
        ));
    }
    let kind_text = new.kind.trim().to_ascii_lowercase();
    let preset = Preset::parse(&kind_text);
    let kind = match (preset, ProviderKind::parse(&kind_text)) {
        (Some(p), _) => Some(preset_defaults(p).kind),
        (None, Some(k)) => Some(k),
        (None, None) => {
            problems.push(problem(
                "kind",
                "must be oidc, oauth2, google, apple, microsoft, linkedin, github or facebook",
            ));
            None
        }
    };
    let client_id = new.client_id.trim().to_string();
    if client_id.is_empty() || client_id.len() > 255 {
        problems.push(problem("client_id", "is required (at most 255 characters)"));
    }
    let display_name = clean(&new.display_name)
        .or_else(|| preset.map(|p| p.display_name().to_string()))
        .unwrap_or_else(|| slug.clone());
    if display_name.chars().count() > 64 || display_name.chars().any(char::is_control) {
        problems.push(problem(
            "display_name",
            "must be at most 64 characters, no control characters",
        ));
    }
    let defaults = preset.map(preset_defaults);
    let pick = |given: &Option<String>, default: Option<&'static str>| {
        clean(given).or(default.map(str::to_string))
    };
    let issuer = pick(&new.issuer, defaults.as_ref().and_then(|d| d.issuer));
    let discovery_url = clean(&new.discovery_url);
    let authorize_url = pick(&new.authorize_url, defaults.as_ref().map(|d| d.authorize));
    let token_url = pick(&new.token_url, defaults.as_ref().map(|d| d.token));
    let userinfo_url = pick(
        &new.userinfo_url,
        defaults.as_ref().and_then(|d| d.userinfo),
    );
    let jwks_uri = pick(&new.jwks_uri, defaults.as_ref().and_then(|d| d.jwks));
    let scopes_text = clean(&new.scopes)
        .or(defaults.as_ref().map(|d| d.scopes.to_string()))
        .unwrap_or_else(|| match kind {
            Some(ProviderKind::Oidc) => "openid email profile".into(),
            _ => String::new(),
        });
    let scopes: Vec<String> = scopes_text.split_whitespace().map(str::to_string).collect();
    if scopes.iter().any(|s| s.len() > 128) || scopes_text.len() > 512 {
        problems.push(problem("scopes", "are too long"));
    }
    for (field, value) in [
        ("discovery_url", &discovery_url),
        ("issuer", &issuer),
        ("authorize_url", &authorize_url),
        ("token_url", &token_url),
        ("userinfo_url", &userinfo_url),
        ("jwks_uri", &jwks_uri),
    ] {
        if let Some(v) = value {
            let probe = v.replace("{tenantid}", "common");
            if v.len() > 512 {
                problems.push(problem(field, "is longer than 512 characters"));
            } else if let Err(why) = check_endpoint(&probe) {
                problems.push(problem(field, why));
            }
        }
    }
    match kind {
        Some(ProviderKind::Oidc) => {
            if !scopes.iter().any(|s| s == "openid") && preset != Some(Preset::Apple) {
                problems.push(problem("scopes", "must include openid"));
            }
            if discovery_url.is_none()
                && (issuer.is_none() || authorize_url.is_none() || token_url.is_none())
            {
                problems.push(problem(
                    "discovery_url",
                    "is required (or give issuer, authorize_url, token_url and jwks_uri)",
                ));
            } else if discovery_url.is_none() && jwks_uri.is_none() {
                problems.push(problem("jwks_uri", "is required without a discovery URL"));
            }
        }
        Some(ProviderKind::OAuth2) => {
            for (field, value) in [
                ("authorize_url", &authorize_url),
                ("token_url", &token_url),
                ("userinfo_url", &userinfo_url),
            ] {
                if value.is_none() {
                    problems.push(problem(field, "is required for an OAuth 2.0 provider"));
                }
            }
        }
        None => {}
    }
    let mut settings = defaults
        .as_ref()
        .map(|d| d.settings.clone())
        .unwrap_or_default();
    if let Some(text) = clean(&new.claims) {
        match parse_claims(&text, settings.claims.clone()) {
            Ok(map) => settings.claims = map,
            Err(why) => problems.push(problem("claims", why)),
        }
    }
    if let Some(form_post) = new.form_post {
        settings.form_post = form_post;
    }
    if let Some(trust) = new.trust_email {
        settings.email_trust = if trust {
            EmailTrust::Claim
        } else {
            EmailTrust::Never
        };
    }
    let secret = clean(&new.client_secret);
    if preset == Some(Preset::Apple) {
        settings.apple_team_id = clean(&new.apple_team_id);
        settings.apple_key_id = clean(&new.apple_key_id);
        if settings.apple_team_id.is_none() {
            problems.push(problem("apple_team_id", "is required for Apple"));
        }
        if settings.apple_key_id.is_none() {
            problems.push(problem("apple_key_id", "is required for Apple"));
        }
        match clean(&new.apple_private_key) {
            Some(pem) if super::client::apple_key_from_pem(&pem).is_some() => {}
            Some(_) => problems.push(problem(
                "apple_private_key",
                "must be the PKCS#8 PEM of a P-256 key (the .p8 file)",
            )),
            None => problems.push(problem("apple_private_key", "is required for Apple")),
        }
    } else if secret.as_ref().is_some_and(|s| s.len() > 1024) {
        problems.push(problem("client_secret", "is longer than 1024 characters"));
    } else if secret.is_none() && preset.is_some() {
        problems.push(problem(
            "client_secret",
            "is required (from the provider's developer console)",
        ));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let sealed_input = if preset == Some(Preset::Apple) {
        clean(&new.apple_private_key)
    } else {
        secret
    };
    Ok((
        Provider {
            id: Uuid::now_v7(),
            tenant_id: tenant,
            slug,
            display_name,
            kind: kind.unwrap_or(ProviderKind::Oidc),
            preset,
            issuer,
            discovery_url,
            authorize_url,
            token_url,
            userinfo_url,
            jwks_uri,
            client_id,
            client_secret_sealed: None,
            scopes,
            settings,
            enabled: new.enabled,
            created_at: chrono::Utc::now(),
        },
        sealed_input,
    ))
}

/// Why a provider could not be added.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    #[error("the provider's settings are not acceptable")]
    Invalid(Vec<ProviderProblem>),
    /// Secrets cannot be stored without the master key.
    #[error("no master key is configured")]
    NoMasterKey,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Engine {
    /// Adds an upstream provider to the tenant, sealing its secret.
    pub async fn add_provider(
        &self,
        tenant: &Tenant,
        actor: Option<crate::UserId>,
        client: &ClientInfo,
        new: &NewProvider,
    ) -> Result<Provider, ProviderError> {
        let (mut provider, secret) = check(tenant.id, new).map_err(ProviderError::Invalid)?;
        if let Some(secret) = secret {
            let key = self.sealing_key().ok_or(ProviderError::NoMasterKey)?;
            provider.client_secret_sealed =
                Some(key.seal(secret.as_bytes(), provider.id.as_bytes()));
        }
        let now = self.now();
        provider.created_at = now;
        let tx = self.db().begin().await?;
        match store::federation::insert_provider(&tx, &provider, now).await {
            Err(StoreError::Conflict { .. }) => {
                return Err(ProviderError::Invalid(vec![problem(
                    "slug",
                    "is already used by another provider",
                )]));
            }
            other => other?,
        }
        let mut event = AuditEvent::new(tenant.id, "federation.provider_added", client)
            .label("provider", provider.slug.clone())
            .label(
                "kind",
                provider
                    .preset
                    .map(Preset::as_str)
                    .unwrap_or(provider.kind.as_str()),
            );
        if let Some(actor) = actor {
            event = event.actor(actor);
        }
        store::audit::insert(&tx, now, &event).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(provider)
    }

    /// Changes a provider's settings, keeping its slug, its links and — unless a new
    /// one is given — its secret (a way to rotate the secret without losing links).
    /// Only the fields `changes` sets are changed; `None` when there is no such provider.
    pub async fn update_provider(
        &self,
        tenant: &Tenant,
        actor: Option<crate::UserId>,
        client: &ClientInfo,
        slug: &str,
        changes: &NewProvider,
    ) -> Result<Option<Provider>, ProviderError> {
        let Some(old) = store::federation::find_provider(self.db().conn(), tenant.id, slug).await?
        else {
            return Ok(None);
        };
        let key = self.sealing_key();
        let old_secret = || {
            old.client_secret_sealed
                .as_deref()
                .and_then(|s| key?.open(s, old.id.as_bytes()))
                .and_then(|v| String::from_utf8(v).ok())
        };
        let pick = |new: &Option<String>, old: &Option<String>| new.clone().or(old.clone());
        let is_apple = old.preset == Some(Preset::Apple);
        let merged = NewProvider {
            slug: old.slug.clone(),
            display_name: pick(&changes.display_name, &Some(old.display_name.clone())),
            kind: old
                .preset
                .map(|p| p.as_str().to_string())
                .unwrap_or_else(|| old.kind.as_str().to_string()),
            discovery_url: pick(&changes.discovery_url, &old.discovery_url),
            issuer: pick(&changes.issuer, &old.issuer),
            authorize_url: pick(&changes.authorize_url, &old.authorize_url),
            token_url: pick(&changes.token_url, &old.token_url),
            userinfo_url: pick(&changes.userinfo_url, &old.userinfo_url),
            jwks_uri: pick(&changes.jwks_uri, &old.jwks_uri),
            client_id: if changes.client_id.trim().is_empty() {
                old.client_id.clone()
            } else {
                changes.client_id.clone()
            },
            // Checked as if given again; stored again only when it is new.
            client_secret: match (&changes.client_secret, is_apple) {
                (Some(secret), _) => Some(secret.clone()),
                (None, false) => old_secret(),
                (None, true) => None,
            },
            scopes: pick(&changes.scopes, &Some(old.scopes.join(" "))),
            claims: changes.claims.clone(),
            trust_email: changes.trust_email,
            form_post: changes.form_post,
            apple_team_id: pick(&changes.apple_team_id, &old.settings.apple_team_id),
            apple_key_id: pick(&changes.apple_key_id, &old.settings.apple_key_id),
            // Apple's key is checked like a new one: the stored one when none is given.
            apple_private_key: match (&changes.apple_private_key, is_apple) {
                (Some(k), _) => Some(k.clone()),
                (None, true) => old_secret(),
                (None, false) => None,
            },
            enabled: old.enabled,
        };
        let (mut provider, secret) = check(tenant.id, &merged).map_err(ProviderError::Invalid)?;
        provider.id = old.id;
        provider.created_at = old.created_at;
        if changes.claims.is_none() {
            provider.settings.claims = old.settings.claims.clone();
        }
        if changes.trust_email.is_none() {
            provider.settings.email_trust = old.settings.email_trust;
        }
        if changes.form_post.is_none() {
            provider.settings.form_post = old.settings.form_post;
        }
        let replaced = changes.client_secret.is_some() || changes.apple_private_key.is_some();
        provider.client_secret_sealed = match secret {
            Some(secret) if replaced => {
                let key = self.sealing_key().ok_or(ProviderError::NoMasterKey)?;
                Some(key.seal(secret.as_bytes(), provider.id.as_bytes()))
            }
            _ => old.client_secret_sealed.clone(),
        };
        let now = self.now();
        let tx = self.db().begin().await?;
        store::federation::update_provider(&tx, &provider, now).await?;
        let mut event = AuditEvent::new(tenant.id, "federation.provider_updated", client)
            .label("provider", provider.slug.clone())
            .label("secret_replaced", replaced);
        if let Some(actor) = actor {
            event = event.actor(actor);
        }
        store::audit::insert(&tx, now, &event).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(Some(provider))
    }

    /// Every provider of the tenant, enabled or not.
    pub async fn providers(&self, tenant: &Tenant) -> Result<Vec<Provider>, StoreError> {
        store::federation::list_providers(self.db().conn(), tenant.id).await
    }

    /// The providers the sign-in page offers.
    pub async fn enabled_providers(&self, tenant: &Tenant) -> Result<Vec<Provider>, StoreError> {
        Ok(self
            .providers(tenant)
            .await?
            .into_iter()
            .filter(|p| p.enabled)
            .collect())
    }

    /// Turns a provider on or off; false when there is no such provider.
    pub async fn set_provider_enabled(
        &self,
        tenant: &Tenant,
        actor: Option<crate::UserId>,
        client: &ClientInfo,
        slug: &str,
        enabled: bool,
    ) -> Result<bool, StoreError> {
        let now = self.now();
        let tx = self.db().begin().await?;
        let found =
            store::federation::set_provider_enabled(&tx, tenant.id, slug, enabled, now).await?;
        if found {
            let mut event = AuditEvent::new(
                tenant.id,
                if enabled {
                    "federation.provider_enabled"
                } else {
                    "federation.provider_disabled"
                },
                client,
            )
            .label("provider", slug.to_string());
            if let Some(actor) = actor {
                event = event.actor(actor);
            }
            store::audit::insert(&tx, now, &event).await?;
        }
        tx.commit().await?;
        Ok(found)
    }

    /// Removes a provider and every identity it asserted; how many identities went.
    pub async fn remove_provider(
        &self,
        tenant: &Tenant,
        actor: Option<crate::UserId>,
        client: &ClientInfo,
        slug: &str,
    ) -> Result<Option<u64>, StoreError> {
        let now = self.now();
        let tx = self.db().begin().await?;
        let Some(provider) = store::federation::find_provider(&tx, tenant.id, slug).await? else {
            return Ok(None);
        };
        let gone = store::federation::delete_provider(&tx, tenant.id, &provider).await?;
        let mut event = AuditEvent::new(tenant.id, "federation.provider_removed", client)
            .label("provider", slug.to_string())
            .label("identities", gone);
        if let Some(actor) = actor {
            event = event.actor(actor);
        }
        store::audit::insert(&tx, now, &event).await?;
        tx.commit().await?;
        Ok(Some(gone))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(kind: &str) -> NewProvider {
        NewProvider {
            slug: kind.into(),
            kind: kind.into(),
            client_id: "client".into(),
            client_secret: Some("secret".into()),
            enabled: true,
            ..NewProvider::default()
        }
    }

    #[test]
    fn presets_need_only_a_client_id_and_secret() {
        for preset in Preset::ALL {
            if preset == Preset::Apple {
                continue;
            }
            let (p, secret) = check(TenantId(Uuid::nil()), &new(preset.as_str()))
                .unwrap_or_else(|e| panic!("{preset:?}: {e:?}"));
            assert_eq!(p.preset, Some(preset));
            assert_eq!(p.display_name, preset.display_name());
            assert!(p.authorize_url.as_deref().unwrap().starts_with("https://"));
            assert!(p.token_url.as_deref().unwrap().starts_with("https://"));
            assert_eq!(secret.as_deref(), Some("secret"));
        }
        let ms = check(TenantId(Uuid::nil()), &new("microsoft")).unwrap().0;
        assert_eq!(ms.settings.email_trust, EmailTrust::Never, "nOAuth");
        let gh = check(TenantId(Uuid::nil()), &new("github")).unwrap().0;
        assert_eq!(gh.kind, ProviderKind::OAuth2);
        assert!(gh.settings.emails_url.is_some());
    }

    #[test]
    fn apple_needs_its_team_key_and_a_p256_key() {
        let problems = check(TenantId(Uuid::nil()), &new("apple")).unwrap_err();
        let fields: Vec<_> = problems.iter().map(|p| p.field).collect();
        assert_eq!(
            fields,
            ["apple_team_id", "apple_key_id", "apple_private_key"]
        );
        let mut apple = new("apple");
        apple.apple_team_id = Some("TEAM123456".into());
        apple.apple_key_id = Some("KEY1234567".into());
        apple.apple_private_key =
            Some("-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----".into());
        let problems = check(TenantId(Uuid::nil()), &apple).unwrap_err();
        assert_eq!(problems[0].field, "apple_private_key");
        apple.apple_private_key = Some(super::super::client::tests::apple_test_key_pem());
        let (p, sealed) = check(TenantId(Uuid::nil()), &apple).unwrap();
        assert!(p.settings.form_post && p.settings.secret_in_body);
        assert!(sealed.unwrap().contains("BEGIN PRIVATE KEY"));
    }

    #[test]
    fn bad_input_names_the_field() {
        type Edit = fn(&mut NewProvider);
        let cases: &[(&str, Edit)] = &[
            ("slug", |n| n.slug = "Bad Slug".into()),
            ("kind", |n| n.kind = "saml".into()),
            ("client_id", |n| n.client_id = " ".into()),
            ("client_secret", |n| n.client_secret = None),
            ("discovery_url", |n| {
                n.kind = "oidc".into();
                n.discovery_url = Some("http://idp.example/.well-known/openid-configuration".into())
            }),
            ("discovery_url", |n| n.kind = "oidc".into()),
            ("scopes", |n| {
                n.kind = "oidc".into();
                n.discovery_url = Some("https://idp.example".into());
                n.scopes = Some("email".into())
            }),
            ("userinfo_url", |n| {
                n.kind = "oauth2".into();
                n.authorize_url = Some("https://idp.example/a".into());
                n.token_url = Some("https://idp.example/t".into());
            }),
            ("claims", |n| {
                n.kind = "oauth2".into();
                n.authorize_url = Some("https://idp.example/a".into());
                n.token_url = Some("https://idp.example/t".into());
                n.userinfo_url = Some("https://idp.example/u".into());
                n.claims = Some("shoe=size".into())
            }),
        ];
        for (field, edit) in cases {
            let mut n = new("google");
            edit(&mut n);
            let problems = check(TenantId(Uuid::nil()), &n).unwrap_err();
            assert!(
                problems.iter().any(|p| p.field == *field),
                "{field}: {problems:?}"
            );
        }
    }

    #[test]
    fn generic_oauth2_maps_claims() {
        let mut n = new("oauth2");
        n.authorize_url = Some("https://idp.example/a".into());
        n.token_url = Some("https://idp.example/t".into());
        n.userinfo_url = Some("http://127.0.0.1:9/u".into());
        n.claims = Some("subject=data.id, email=data.mail, email_verified=data.ok".into());
        let p = check(TenantId(Uuid::nil()), &n).unwrap().0;
        assert_eq!(p.settings.claims.subject, "data.id");
        assert_eq!(p.settings.claims.email, "data.mail");
        assert_eq!(p.settings.claims.name, "name");
    }
}
