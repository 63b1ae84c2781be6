//! Typed configuration: built-in defaults, then `portico.toml`, then environment
//! variables `PORTICO__SECTION__KEY`. Validated at start with errors that name the key.
//! Every option is documented in `portico.example.toml`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub session: SessionConfig,
    pub flows: FlowConfig,
    pub password_hashing: PasswordHashingConfig,
    pub tenant: DefaultTenantConfig,
    pub mail: MailConfig,
    pub breached_passwords: BreachedPasswordsConfig,
    pub secrets: SecretsConfig,
    pub geoip: GeoIpConfig,
    pub log: LogConfig,
    /// Sign-in providers of the default tenant, added at start when missing (the
    /// console and `portico providers` manage them afterwards).
    pub providers: Vec<ProviderConfig>,
}

/// A social or enterprise sign-in provider, as `[[providers]]` in the configuration:
///
/// ```toml
/// [[providers]]
/// slug = "google"
/// kind = "google"
/// client_id = "123.apps.googleusercontent.com"
/// client_secret = "..."
/// ```
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProviderConfig {
    pub slug: String,
    /// oidc, oauth2, google, apple, microsoft, linkedin, github or facebook.
    pub kind: String,
    pub name: Option<String>,
    pub client_id: String,
    pub client_secret: Secret,
    pub discovery_url: Option<String>,
    pub issuer: Option<String>,
    pub authorize_url: Option<String>,
    pub token_url: Option<String>,
    pub userinfo_url: Option<String>,
    pub jwks_uri: Option<String>,
    pub scopes: Option<String>,
    pub claims: Option<String>,
    pub untrusted_email: bool,
    pub form_post: bool,
    pub apple_team_id: Option<String>,
    pub apple_key_id: Option<String>,
    /// Apple: the .p8 key file.
    pub apple_key_file: Option<PathBuf>,
    /// Added hidden from the sign-in page.
    pub disabled: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BreachedPasswordsConfig {
    /// Also ask a Pwned Passwords range API about new passwords (k-anonymity: only the
    /// first 5 characters of the SHA-1 leave). Off by default; a failure never blocks.
    pub online_check: bool,
    /// The range endpoint; the 5-character prefix is appended.
    pub api_url: String,
    #[serde(with = "humantime_serde")]
    pub timeout: Duration,
}

impl Default for BreachedPasswordsConfig {
    fn default() -> Self {
        Self {
            online_check: false,
            api_url: "https://api.pwnedpasswords.com/range/".into(),
            timeout: Duration::from_secs(2),
        }
    }
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GeoIpConfig {
    /// A MaxMind-format City database (GeoLite2-City / GeoIP2-City). Empty: sign-ins
    /// are not located (no new-country or impossible-travel signals).
    pub city_db: String,
    /// A MaxMind-format Anonymous-IP database. Empty: no anonymising-network signal.
    pub anonymous_ip_db: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SecretsConfig {
    /// 32 random bytes in base64: seals secrets stored at rest (authenticator-app seeds).
    /// `portico generate-key` prints one. Empty in dev mode: a key is kept in
    /// `data/dev-master.key`. Empty otherwise: authenticator apps are unavailable.
    pub master_key: Secret,
}

/// A secret configuration value: never shown by `Debug`, printed as `***`.
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret(value.to_string())
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_empty() { "\"\"" } else { "***" })
    }
}

impl Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(if self.0.is_empty() { "" } else { "***" })
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailConfig {
    /// `smtp://host:25`, `smtp://user:password@host:587?tls=required` (STARTTLS) or
    /// `smtps://user:password@host:465`. Empty in dev mode: mail stays in the outbox
    /// and shows at /dev/mail.
    pub smtp_url: Secret,
    /// The sender for tenants that set none.
    pub from: String,
}

impl Default for MailConfig {
    fn default() -> Self {
        Self {
            smtp_url: Secret::default(),
            from: "Portico <no-reply@localhost>".into(),
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Address and port to listen on.
    pub address: SocketAddr,
    /// The public URL customers use; links and cookie security follow it.
    pub base_url: String,
    /// Where the built site (`pkg/` with the wasm, JS and CSS) lives.
    pub site_root: PathBuf,
    /// Largest request body accepted; larger ones get 413.
    pub max_body_bytes: usize,
    /// Proxies (addresses or CIDR ranges) whose X-Forwarded-For / Forwarded headers
    /// are believed. Requests from anywhere else are attributed to their TCP peer.
    /// Example: `["127.0.0.1", "10.0.0.0/8"]`.
    pub trusted_proxies: Vec<String>,
    /// Dev mode: the mail viewer at /dev/mail, and no SMTP needed. Unset means on
    /// exactly when `base_url` is a loopback address (localhost, 127.0.0.1, ::1).
    pub dev_mode: Option<bool>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// `sqlite://path/to/file.db` or `postgres://user:password@host/db`.
    pub url: String,
    pub max_connections: u32,
    #[serde(with = "humantime_serde")]
    pub acquire_timeout: Duration,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SessionConfig {
    #[serde(with = "humantime_serde")]
    pub idle_timeout: Duration,
    #[serde(with = "humantime_serde")]
    pub absolute_timeout: Duration,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FlowConfig {
    #[serde(with = "humantime_serde")]
    pub lifetime: Duration,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PasswordHashingConfig {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
    /// 0 means one worker per CPU core.
    pub workers: usize,
    pub queue_capacity: usize,
    /// When the estimated wait for a hashing thread is longer, sign-ins get 429 at once.
    #[serde(with = "humantime_serde")]
    pub max_wait: Duration,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DefaultTenantConfig {
    pub slug: String,
    pub display_name: String,
    /// Extra host names (with port where not 80/443) that this tenant serves.
    pub hosts: Vec<String>,
    /// Register the demo app (client `portico-demo`, served at /demo). Unset: in dev
    /// mode only.
    pub demo_app: Option<bool>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// A tracing filter, e.g. `info` or `portico=debug,sqlx=warn`.
    pub level: String,
    pub format: LogFormat,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            address: SocketAddr::from(([127, 0, 0, 1], 3000)),
            base_url: "http://127.0.0.1:3000".into(),
            site_root: PathBuf::from("target/site"),
            max_body_bytes: 64 * 1024,
            trusted_proxies: Vec::new(),
            dev_mode: None,
        }
    }
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: "sqlite://data/portico.db".into(),
            max_connections: 16,
            acquire_timeout: Duration::from_secs(5),
        }
    }
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            idle_timeout: Duration::from_secs(30 * 60),
            absolute_timeout: Duration::from_secs(12 * 60 * 60),
        }
    }
}

impl Default for FlowConfig {
    fn default() -> Self {
        Self {
            lifetime: Duration::from_secs(60 * 60),
        }
    }
}

impl Default for PasswordHashingConfig {
    fn default() -> Self {
        Self {
            memory_kib: 19 * 1024,
            iterations: 2,
            parallelism: 1,
            workers: 0,
            queue_capacity: 256,
            max_wait: Duration::from_secs(2),
        }
    }
}

impl Default for DefaultTenantConfig {
    fn default() -> Self {
        Self {
            slug: "demo".into(),
            display_name: "Portico Demo".into(),
            hosts: vec!["localhost:3000".into()],
            demo_app: None,
        }
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            level: "info".into(),
            format: LogFormat::Text,
        }
    }
}

/// A configuration problem, naming the key at fault.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("invalid configuration: {0}")]
    Parse(String),
    #[error("invalid configuration: `{key}` {problem}")]
    Invalid { key: &'static str, problem: String },
}

/// One figment error as "`section.key` problem (from source)", keys always lower case.
fn describe(e: figment::Error) -> String {
    let key = e.path.join(".").to_ascii_lowercase();
    let source = e
        .metadata
        .as_ref()
        .map(|m| match &m.source {
            Some(src) => format!(" (from {src})"),
            None => format!(" (from {})", m.name),
        })
        .unwrap_or_default();
    let kind = e.kind.to_string();
    if key.is_empty() {
        format!("{kind}{source}")
    } else {
        format!("`{key}` {kind}{source}")
    }
}

fn invalid(key: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key,
        problem: problem.into(),
    }
}

impl Config {
    /// Loads defaults, then `file` if it exists, then the environment.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        let path = file
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("portico.toml"));
        if file.is_some() && !path.exists() {
            return Err(ConfigError::Parse(format!(
                "the configuration file {} does not exist",
                path.display()
            )));
        }
        if path.exists() {
            figment = figment.merge(Toml::file(&path));
        }
        figment = figment.merge(Env::prefixed("PORTICO__").split("__"));
        Self::from_figment(figment)
    }

    pub fn from_figment(figment: Figment) -> Result<Self, ConfigError> {
        let config: Config = figment.extract().map_err(|e| {
            let messages: Vec<String> = e.into_iter().map(describe).collect();
            ConfigError::Parse(messages.join("; "))
        })?;
        config.validate()?;
        Ok(config)
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        if !self.secrets.master_key.is_empty()
            && portico_identity::secrets::SealingKey::parse(self.secrets.master_key.expose())
                .is_none()
        {
            return Err(invalid(
                "secrets.master_key",
                "must be 32 bytes in base64 (`portico generate-key` prints one)",
            ));
        }
        let base = url::Url::parse(&self.server.base_url)
            .map_err(|e| invalid("server.base_url", format!("is not a URL: {e}")))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(invalid(
                "server.base_url",
                "must start with http:// or https://",
            ));
        }
        if base.host_str().is_none() || base.query().is_some() || base.fragment().is_some() {
            return Err(invalid(
                "server.base_url",
                "must be an origin like https://login.example.com",
            ));
        }
        if base.path() != "/" {
            return Err(invalid(
                "server.base_url",
                "cannot have a path; Portico serves from the root of its host",
            ));
        }
        if !(1024..=16 * 1024 * 1024).contains(&self.server.max_body_bytes) {
            return Err(invalid(
                "server.max_body_bytes",
                "must be between 1024 and 16777216",
            ));
        }
        if let Err(bad) = self.trusted_proxy_nets() {
            return Err(invalid(
                "server.trusted_proxies",
                format!("has {bad:?}, which is neither an IP address nor a CIDR range"),
            ));
        }
        let smtp = self.mail.smtp_url.expose();
        if !smtp.is_empty() {
            let parsed = url::Url::parse(smtp)
                .map_err(|_| invalid("mail.smtp_url", "is not a URL like smtp://host:25"))?;
            if !matches!(parsed.scheme(), "smtp" | "smtps") || parsed.host_str().is_none() {
                return Err(invalid(
                    "mail.smtp_url",
                    "must be smtp://host[:port] or smtps://host[:port]",
                ));
            }
        } else if !self.dev_mode() {
            return Err(invalid(
                "mail.smtp_url",
                "must be set unless dev mode is on (server.dev_mode = true, for local use only)",
            ));
        }
        if self.mail.from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(invalid(
                "mail.from",
                "must be an address like `Acme <no-reply@acme.example>`",
            ));
        }
        if self.server.dev_mode == Some(true) && self.is_https() && !self.base_is_loopback() {
            return Err(invalid(
                "server.dev_mode",
                "cannot be on for a public https address: dev mode shows every mail, with its links, at /dev/mail",
            ));
        }
        if self.breached_passwords.online_check {
            let ok = url::Url::parse(&self.breached_passwords.api_url)
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
            if !ok {
                return Err(invalid(
                    "breached_passwords.api_url",
                    "must be an http(s) URL",
                ));
            }
        }
        let db = &self.database.url;
        if !(db.starts_with("sqlite:")
            || db.starts_with("postgres://")
            || db.starts_with("postgresql://"))
        {
            return Err(invalid(
                "database.url",
                "must start with sqlite:, postgres:// or postgresql://",
            ));
        }
        if self.database.max_connections == 0 {
            return Err(invalid("database.max_connections", "must be at least 1"));
        }
        if self.session.idle_timeout.is_zero() {
            return Err(invalid("session.idle_timeout", "must be greater than zero"));
        }
        if self.session.absolute_timeout < self.session.idle_timeout {
            return Err(invalid(
                "session.absolute_timeout",
                "must be at least session.idle_timeout",
            ));
        }
        if self.flows.lifetime < Duration::from_secs(60) {
            return Err(invalid("flows.lifetime", "must be at least one minute"));
        }
        let h = &self.password_hashing;
        if h.memory_kib < 8 * 1024 {
            return Err(invalid(
                "password_hashing.memory_kib",
                "must be at least 8192 (8 MiB)",
            ));
        }
        if !(1..=16).contains(&h.iterations) {
            return Err(invalid(
                "password_hashing.iterations",
                "must be between 1 and 16",
            ));
        }
        if !(1..=16).contains(&h.parallelism) {
            return Err(invalid(
                "password_hashing.parallelism",
                "must be between 1 and 16",
            ));
        }
        if h.queue_capacity == 0 {
            return Err(invalid(
                "password_hashing.queue_capacity",
                "must be at least 1",
            ));
        }
        let slug = &self.tenant.slug;
        if slug.is_empty()
            || slug.len() > 63
            || !slug
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(invalid(
                "tenant.slug",
                "must be 1–63 characters of a-z, 0-9 and -",
            ));
        }
        if self.tenant.display_name.trim().is_empty()
            || self.tenant.display_name.chars().count() > 200
        {
            return Err(invalid("tenant.display_name", "must be 1–200 characters"));
        }
        tracing_subscriber::EnvFilter::try_new(&self.log.level)
            .map_err(|e| invalid("log.level", format!("is not a valid filter: {e}")))?;
        Ok(())
    }

    /// The trusted proxy ranges; a bare address is a range of one.
    pub fn trusted_proxy_nets(&self) -> Result<Vec<ipnet::IpNet>, String> {
        self.server
            .trusted_proxies
            .iter()
            .map(|s| {
                let s = s.trim();
                s.parse::<ipnet::IpNet>()
                    .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .map_err(|_| s.to_string())
            })
            .collect()
    }

    /// Whether dev mode is on (explicitly, or because the base URL is a loopback one).
    /// Whether the default tenant gets the demo app.
    pub fn demo_app(&self) -> bool {
        self.tenant.demo_app.unwrap_or_else(|| self.dev_mode())
    }

    pub fn dev_mode(&self) -> bool {
        self.server
            .dev_mode
            .unwrap_or_else(|| self.base_is_loopback())
    }

    fn base_is_loopback(&self) -> bool {
        url::Url::parse(&self.server.base_url)
            .ok()
            .and_then(|u| u.host().map(|h| h.to_owned()))
            .is_some_and(|h| match h {
                url::Host::Domain(d) => d == "localhost" || d.ends_with(".localhost"),
                url::Host::Ipv4(ip) => ip.is_loopback(),
                url::Host::Ipv6(ip) => ip.is_loopback(),
            })
    }

    /// Whether the public URL is https, which turns on Secure cookies and HSTS.
    pub fn is_https(&self) -> bool {
        self.server.base_url.starts_with("https://")
    }

    /// The host (and port) of the public base URL.
    pub fn base_host(&self) -> String {
        url::Url::parse(&self.server.base_url)
            .ok()
            .and_then(|u| {
                u.host_str().map(|h| match u.port() {
                    Some(p) => format!("{h}:{p}"),
                    None => h.to_string(),
                })
            })
            .unwrap_or_default()
    }

    /// The public base URL without a trailing slash.
    pub fn base_url(&self) -> String {
        self.server.base_url.trim_end_matches('/').to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(toml: &str) -> Result<Config, ConfigError> {
        Config::from_figment(
            Figment::from(Serialized::defaults(Config::default())).merge(Toml::string(toml)),
        )
    }

    /// The example documents every option with its default value: reading it changes
    /// nothing, and every key the defaults have is written out in it.
    #[test]
    fn the_example_config_is_the_defaults_written_out() {
        let text = include_str!("../../portico.example.toml");
        let from_example = serde_json::to_value(with(text).unwrap()).unwrap();
        let defaults = serde_json::to_value(Config::default()).unwrap();
        assert_eq!(from_example, defaults);
        let example: toml::Table = text.parse().unwrap();
        for (section, keys) in defaults.as_object().unwrap() {
            // Lists (`[[providers]]`) are empty by default: shown as a commented example.
            let Some(keys) = keys.as_object() else {
                assert!(
                    text.contains(&format!("# [[{section}]]")),
                    "portico.example.toml lacks an example of [[{section}]]"
                );
                continue;
            };
            for (key, value) in keys {
                // Options unset by default are shown commented out.
                let present = if value.is_null() {
                    text.contains(&format!("# {key} = "))
                } else {
                    example.get(section).and_then(|s| s.get(key)).is_some()
                };
                assert!(present, "portico.example.toml lacks {section}.{key}");
            }
        }
    }

    #[test]
    fn defaults_are_valid() {
        let c = with("").unwrap();
        assert_eq!(c.server.address.to_string(), "127.0.0.1:3000");
        assert_eq!(c.database.url, "sqlite://data/portico.db");
        assert!(!c.is_https());
        assert_eq!(c.base_host(), "127.0.0.1:3000");
    }

    #[test]
    fn dev_mode_follows_the_base_url_unless_set() {
        assert!(with("").unwrap().dev_mode(), "127.0.0.1 is local");
        let public = with("[server]\nbase_url = \"https://login.example.com\"\n[mail]\nsmtp_url = \"smtp://relay:25\"").unwrap();
        assert!(!public.dev_mode());
        let off =
            with("[server]\ndev_mode = false\n[mail]\nsmtp_url = \"smtp://relay:25\"").unwrap();
        assert!(!off.dev_mode());
    }

    #[test]
    fn secrets_never_show() {
        let c = with("[mail]\nsmtp_url = \"smtp://user:hunter2@relay:25\"").unwrap();
        assert!(!format!("{c:?}").contains("hunter2"));
        assert!(!serde_json::to_string(&c).unwrap().contains("hunter2"));
        assert_eq!(c.mail.smtp_url.expose(), "smtp://user:hunter2@relay:25");
    }

    #[test]
    fn durations_are_human() {
        let c = with("[session]\nidle_timeout = \"15m\"\nabsolute_timeout = \"8h\"").unwrap();
        assert_eq!(c.session.idle_timeout, Duration::from_secs(900));
        assert_eq!(c.session.absolute_timeout, Duration::from_secs(8 * 3600));
    }

    #[test]
    fn bad_values_name_their_key() {
        let cases = [
            ("[server]\naddress = \"nonsense\"", "server.address"),
            ("[server]\nbase_url = \"ftp://x\"", "server.base_url"),
            (
                "[server]\nbase_url = \"https://x.example/app\"",
                "server.base_url",
            ),
            ("[database]\nurl = \"mysql://x\"", "database.url"),
            ("[session]\nidle_timeout = \"0s\"", "session.idle_timeout"),
            (
                "[session]\nidle_timeout = \"2h\"\nabsolute_timeout = \"1h\"",
                "session.absolute_timeout",
            ),
            ("[session]\nidle_timeout = \"soon\"", "idle_timeout"),
            (
                "[password_hashing]\nmemory_kib = 1",
                "password_hashing.memory_kib",
            ),
            ("[tenant]\nslug = \"Not A Slug\"", "tenant.slug"),
            (
                "[server]\ntrusted_proxies = [\"10.0.0.0/33\"]",
                "server.trusted_proxies",
            ),
            ("[server]\nunknown_key = 1", "unknown_key"),
            ("[log]\nformat = \"xml\"", "format"),
        ];
        for (toml, key) in cases {
            let err = with(toml).expect_err(toml).to_string();
            assert!(
                err.contains(key),
                "{toml:?} gave {err:?}, which does not name {key}"
            );
        }
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail API fixes the error type
    fn environment_overrides_file() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("portico.toml", "[server]\naddress = \"127.0.0.1:4000\"")?;
            jail.set_env("PORTICO__SERVER__ADDRESS", "0.0.0.0:8080");
            jail.set_env("PORTICO__DATABASE__URL", "postgres://u:p@localhost/db");
            let c = Config::load(None).map_err(|e| e.to_string())?;
            assert_eq!(c.server.address.to_string(), "0.0.0.0:8080");
            assert_eq!(c.database.url, "postgres://u:p@localhost/db");
            Ok(())
        });
    }
}
