//! The integration harness: a real router on a fresh database (SQLite, or PostgreSQL
//! when `PORTICO_TEST_POSTGRES_URL` is set), driven in-process with `oneshot`, with a
//! cookie jar that behaves like a browser's.

#![allow(dead_code)]

pub mod smtp;

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, Response, StatusCode, header};
use chrono::Utc;
use portico_identity::ManualClock;
use portico_server::{AppState, Config, build_state_with_clock, router};
use sea_orm::{ConnectionTrait, Database};
use tower::ServiceExt;

pub const HOST: &str = "127.0.0.1:3000";
pub const ORIGIN: &str = "http://127.0.0.1:3000";
pub const STRONG_PASSWORD: &str = "correct horse battery staple";

#[derive(Clone, Debug)]
pub enum Backend {
    Sqlite,
    Postgres(String),
}

impl Backend {
    pub fn postgres() -> Option<Self> {
        std::env::var("PORTICO_TEST_POSTGRES_URL")
            .ok()
            .filter(|s| !s.is_empty())
            .map(Backend::Postgres)
    }
}

/// One runtime for every test in the binary, as in production (one runtime, many
/// concurrent requests): nothing a test spawns — pool maintenance, Leptos tasks — can be
/// left on a runtime that another test already shut down.
pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(4)
            .enable_all()
            .build()
            .expect("test runtime")
    })
}

/// Runs a test body on SQLite and, when configured, on PostgreSQL.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[test]
                fn sqlite() {
                    $crate::common::runtime()
                        .block_on(super::$name($crate::common::Backend::Sqlite))
                }

                #[test]
                fn postgres() {
                    match $crate::common::Backend::postgres() {
                        Some(backend) => $crate::common::runtime().block_on(super::$name(backend)),
                        None => eprintln!("skipped: PORTICO_TEST_POSTGRES_URL is not set"),
                    }
                }
            }
        )*
    };
}

pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    pub clock: Arc<ManualClock>,
    _dir: tempfile::TempDir,
    pg_drop: Option<(String, String)>,
}

/// A configuration for tests: cheap password hashing, a temporary database.
pub fn test_config(dir: &std::path::Path, database_url: String) -> Config {
    let mut config = Config::default();
    config.database.url = database_url;
    config.database.max_connections = 5;
    config.server.site_root = dir.join("site");
    config.password_hashing.memory_kib = 1024;
    config.password_hashing.iterations = 1;
    config.password_hashing.workers = 2;
    config.secrets.master_key = "dGVzdC1tYXN0ZXIta2V5LXRoaXJ0eS10d28tYnl0ZXM".into();
    // Tests register the apps they need (the CLI tests see the dev-mode default).
    config.tenant.demo_app = Some(false);
    let geoip = concat!(env!("CARGO_MANIFEST_DIR"), "/../identity/tests/data/geoip");
    config.geoip.city_db = format!("{geoip}/GeoLite2-City-Test.mmdb");
    config.geoip.anonymous_ip_db = format!("{geoip}/GeoIP2-Anonymous-IP-Test.mmdb");
    config
}

impl TestApp {
    pub async fn start(backend: Backend) -> Self {
        Self::start_with(backend, |_| {}).await
    }

    pub async fn start_with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let (url, pg_drop) = match backend {
            Backend::Sqlite => (
                format!("sqlite://{}/portico.db", dir.path().display()),
                None,
            ),
            Backend::Postgres(admin_url) => {
                let name = format!("portico_test_{}", uuid::Uuid::now_v7().simple());
                let admin = Database::connect(&admin_url)
                    .await
                    .expect("connect to PostgreSQL");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create test database");
                admin.close().await.ok();
                let mut url =
                    url::Url::parse(&admin_url).expect("PORTICO_TEST_POSTGRES_URL is a URL");
                url.set_path(&name);
                (url.to_string(), Some((admin_url, name)))
            }
        };
        let mut config = test_config(dir.path(), url);
        adjust(&mut config);
        let clock = Arc::new(ManualClock::new(Utc::now()));
        let state = build_state_with_clock(config, clock.clone())
            .await
            .expect("state");
        Self {
            router: router(state.clone()),
            state,
            clock,
            _dir: dir,
            pg_drop,
        }
    }

    pub fn browser(&self) -> Browser {
        Browser {
            router: self.router.clone(),
            cookies: BTreeMap::new(),
            host: HOST.to_string(),
            origin: Some(ORIGIN.to_string()),
            peer: Some("198.51.100.7:50000".parse().unwrap()),
            forwarded_for: None,
            languages: None,
            user_agent: None,
        }
    }

    /// An app whose public address (and so its issuer) is a real TCP port on
    /// 127.0.0.1, served there, for client libraries that insist the issuer is the
    /// address they talk to. Returns the app and its base URL; `browser_at_issuer`
    /// browses it in-process under that host.
    #[allow(dead_code)]
    pub async fn start_served(backend: Backend) -> (Self, String) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let base = format!("http://{addr}");
        let app = Self::start_with(backend, |c| {
            c.server.base_url = base.clone();
            c.tenant.hosts.push(HOST.to_string());
        })
        .await;
        let service = app
            .router
            .clone()
            .into_make_service_with_connect_info::<std::net::SocketAddr>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, service).await;
        });
        (app, base)
    }

    /// A browser that visits the app under the host of `base` (see `start_served`).
    #[allow(dead_code)]
    pub fn browser_at_issuer(&self, base: &str) -> Browser {
        let host = base.trim_start_matches("http://").to_string();
        let mut b = self.browser();
        b.origin = Some(format!("http://{host}"));
        b.host = host;
        b
    }

    /// Serves the app on a real TCP port on 127.0.0.1 (for client libraries that speak
    /// HTTP themselves); its base URL.
    #[allow(dead_code)]
    pub async fn serve_tcp(&self) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let service = self
            .router
            .clone()
            .into_make_service_with_connect_info::<std::net::SocketAddr>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, service).await;
        });
        format!("http://{addr}")
    }

    /// The newest mail queued to `to`, in the default tenant, else in any other.
    pub async fn latest_mail_to(&self, to: &str) -> Option<portico_identity::outbox::OutboxMail> {
        for tenant in self.state.engine.tenants().await.unwrap() {
            let found = self
                .state
                .engine
                .recent_mail(tenant.tenant.id, 200)
                .await
                .unwrap()
                .into_iter()
                .find(|m| m.to == to);
            if found.is_some() {
                return found;
            }
        }
        None
    }

    /// The 6-digit code in the newest mail to `to`.
    pub async fn latest_code_for(&self, to: &str) -> Result<String, String> {
        let mail = self
            .latest_mail_to(to)
            .await
            .ok_or("no mail to that address")?;
        first_code(&mail.text).ok_or_else(|| format!("no code in the {} mail", mail.template))
    }

    /// Registers and confirms the address with the mailed code: signed in afterwards.
    /// Returns the answer to the code submission (a redirect to the return path).
    pub async fn sign_up(
        &self,
        browser: &mut Browser,
        email: &str,
        password: &str,
        name: &str,
    ) -> Page {
        let answer = browser.register(email, password, name).await;
        let step = answer
            .location()
            .expect("registration leads to the verify step");
        let (_, page) = browser.visit(&step).await;
        assert!(
            page.body.contains("data-testid=\"verify-form\""),
            "registration ends on the verify step"
        );
        let code = self
            .latest_code_for(&email.trim().to_lowercase())
            .await
            .unwrap();
        browser.submit_code(&page, &code).await
    }

    /// Follows a sign-in that the risk engine stepped up (a new device) and answers the
    /// step with the code mailed to `email`; the answer to that submission.
    pub async fn pass_email_code(&self, browser: &mut Browser, answer: &Page, email: &str) -> Page {
        let step = answer
            .location()
            .expect("the sign-in leads to a second step");
        let (_, page) = browser.visit(&step).await;
        assert!(
            page.body.contains("data-testid=\"second-factor-lead\""),
            "a second-factor step"
        );
        let code = self.latest_code_for(email).await.unwrap();
        let flow = page.hidden("flow").unwrap();
        let csrf = page.hidden("csrf_token").unwrap();
        browser
            .post_form(
                "/api/login/second-factor",
                &[("flow", &flow), ("csrf_token", &csrf), ("code", &code)],
            )
            .await
    }

    /// The audit actions recorded in this app's default tenant, oldest first.
    pub async fn audit_actions(&self) -> Vec<String> {
        use sea_orm::{EntityTrait, QueryOrder};
        portico_identity::store::entities::audit_events::Entity::find()
            .order_by_asc(portico_identity::store::entities::audit_events::Column::Id)
            .all(self.state.engine.db().conn())
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect()
    }

    pub async fn user_count(&self) -> u64 {
        let tenant = self.state.engine.resolve_tenant(HOST).await.unwrap();
        portico_identity::store::accounts::count_users(
            self.state.engine.db().conn(),
            tenant.tenant.id,
        )
        .await
        .unwrap()
    }

    pub async fn cleanup(self) {
        let TestApp { state, pg_drop, .. } = self;
        let conn = state.engine.db().conn().clone();
        drop(state);
        // Closing waits for every connection to come back; never let a straggler (a
        // response body still streaming, a detached task) hold the suite hostage.
        if tokio::time::timeout(std::time::Duration::from_secs(10), conn.close())
            .await
            .is_err()
        {
            eprintln!("cleanup: the pool did not close within 10 s; dropping the database anyway");
        }
        if let Some((admin_url, name)) = pg_drop
            && let Ok(admin) = Database::connect(&admin_url).await
        {
            let _ = admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await;
            admin.close().await.ok();
        }
    }
}

/// A browser: keeps cookies, sends Origin and Sec-Fetch-Site like a real one.
#[derive(Clone)]
pub struct Browser {
    router: Router,
    pub cookies: BTreeMap<String, String>,
    pub host: String,
    pub origin: Option<String>,
    /// The TCP peer the server sees (as `ConnectInfo`), if any.
    pub peer: Option<std::net::SocketAddr>,
    /// An X-Forwarded-For header to send, if any.
    pub forwarded_for: Option<String>,
    /// An Accept-Language header to send, if any.
    pub languages: Option<String>,
    /// A User-Agent header to send, if any.
    pub user_agent: Option<String>,
}

pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> Option<String> {
        self.headers
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_string())
    }

    /// The value of the hidden input `name` in the page's form.
    pub fn hidden(&self, name: &str) -> Option<String> {
        let re = regex::Regex::new(&format!(r#"name="{name}"[^>]*?value="([^"]*)""#)).unwrap();
        re.captures(&self.body).map(|c| html_unescape(&c[1]))
    }

    pub fn message_ids(&self) -> Vec<String> {
        let re = regex::Regex::new(r#"data-message-id="([^"]+)""#).unwrap();
        re.captures_iter(&self.body)
            .map(|c| c[1].to_string())
            .collect()
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    }

    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect()
    }
}

/// A browser whose TCP peer is `peer` (an address the GeoIP test data knows).
pub fn browser_at(app: &TestApp, peer: &str) -> Browser {
    let mut b = app.browser();
    b.peer = Some(peer.parse().unwrap());
    b
}

/// The account behind `email` in the default tenant.
pub async fn user(app: &TestApp, email: &str) -> portico_identity::UserId {
    let engine = &app.state.engine;
    let tenant = engine.resolve_tenant(HOST).await.unwrap();
    portico_identity::store::accounts::find_user_by_email(
        engine.db().conn(),
        tenant.tenant.id,
        &portico_identity::accounts::Email::parse(email).unwrap(),
    )
    .await
    .unwrap()
    .unwrap()
}

/// The account's recent sign-ins as the risk engine recorded them, newest first.
pub async fn sign_ins(
    app: &TestApp,
    email: &str,
) -> Vec<portico_identity::risk::signins::SignInRecord> {
    let tenant = app.state.engine.resolve_tenant(HOST).await.unwrap();
    app.state
        .engine
        .recent_sign_ins(&tenant.tenant, user(app, email).await, 20)
        .await
        .unwrap()
}

/// The seed behind a base32 key (spaces and padding ignored), as an authenticator app
/// decodes it.
pub fn totp_seed(base32: &str) -> Vec<u8> {
    const ALPHABET: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut bits = 0u64;
    let mut n = 0;
    let mut out = Vec::new();
    for c in base32.chars().filter(|c| !c.is_whitespace() && *c != '=') {
        bits = (bits << 5) | ALPHABET.find(c).unwrap() as u64;
        n += 5;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
        }
    }
    out
}

/// The app clock's Unix time, for computing TOTP codes.
pub fn now_secs(app: &TestApp) -> u64 {
    app.state.engine.now().timestamp() as u64
}

/// The first standalone 6-digit number in a text.
pub fn first_code(text: &str) -> Option<String> {
    regex::Regex::new(r"\b(\d{6})\b")
        .unwrap()
        .captures(text)
        .map(|c| c[1].to_string())
}

fn html_unescape(s: &str) -> String {
    s.replace("&amp;", "&")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#x27;", "'")
}

pub fn form_encode(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

impl Browser {
    fn cookie_header(&self) -> Option<String> {
        (!self.cookies.is_empty()).then(|| {
            self.cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ")
        })
    }

    fn absorb(&mut self, headers: &HeaderMap) {
        for v in headers.get_all(header::SET_COOKIE) {
            let v = v.to_str().unwrap();
            let first = v.split(';').next().unwrap();
            let (name, value) = first.split_once('=').unwrap();
            let removed = value.is_empty()
                || v.to_ascii_lowercase().contains("max-age=0")
                || v.contains("1970");
            if removed {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_string(), value.to_string());
            }
        }
    }

    pub async fn send(&mut self, req: Request<Body>) -> Page {
        // KNOWN ISSUE (see the README's "Known issues"): under this suite's concurrent
        // load a GET page render very rarely never completes (about one run of the
        // journey suite in twelve). Until it is found, a GET that has not answered in
        // 20 s is reported on stderr and sent once more; a second hang fails the test.
        let (parts, body) = req.into_parts();
        let body = axum::body::to_bytes(body, 8 * 1024 * 1024)
            .await
            .expect("request body");
        let is_get = parts.method == axum::http::Method::GET;
        let build = || {
            let mut r = Request::from_parts(parts.clone(), Body::from(body.clone()));
            *r.extensions_mut() = parts.extensions.clone();
            r
        };
        let first = tokio::time::timeout(
            std::time::Duration::from_secs(20),
            self.router.clone().oneshot(build()),
        )
        .await;
        let res: Response<Body> = match first {
            Ok(res) => res.expect("router answers"),
            Err(_) if is_get => {
                eprintln!(
                    "KNOWN ISSUE: GET {} did not answer in 20 s; sending it again",
                    parts.uri
                );
                tokio::time::timeout(
                    std::time::Duration::from_secs(20),
                    self.router.clone().oneshot(build()),
                )
                .await
                .unwrap_or_else(|_| panic!("GET {} hung twice", parts.uri))
                .expect("router answers")
            }
            Err(_) => panic!("{} {} did not answer in 20 s", parts.method, parts.uri),
        };
        let status = res.status();
        let headers = res.headers().clone();
        self.absorb(&headers);
        let bytes = axum::body::to_bytes(res.into_body(), 8 * 1024 * 1024)
            .await
            .expect("body");
        Page {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).to_string(),
        }
    }

    fn request(&self, method: &str, path: &str) -> axum::http::request::Builder {
        let mut b = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, &self.host)
            .header(header::ACCEPT, "text/html,application/xhtml+xml")
            .header(
                header::USER_AGENT,
                self.user_agent.as_deref().unwrap_or("portico-tests/1.0"),
            );
        if let Some(c) = self.cookie_header() {
            b = b.header(header::COOKIE, c);
        }
        if let Some(peer) = self.peer {
            b = b.extension(axum::extract::ConnectInfo(peer));
        }
        if let Some(xff) = &self.forwarded_for {
            b = b.header("x-forwarded-for", xff);
        }
        if let Some(languages) = &self.languages {
            b = b.header(header::ACCEPT_LANGUAGE, languages);
        }
        b
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let req = self
            .request("GET", path)
            .header("sec-fetch-site", "none")
            .body(Body::empty())
            .unwrap();
        self.send(req).await
    }

    /// GET, following redirects (up to 5).
    pub async fn visit(&mut self, path: &str) -> (String, Page) {
        let mut path = path.to_string();
        for _ in 0..5 {
            let page = self.get(&path).await;
            match page.location() {
                Some(next) if page.status.is_redirection() => path = next,
                _ => return (path, page),
            }
        }
        panic!("too many redirects from {path}");
    }

    /// Submits a form the way a browser without JavaScript does.
    pub async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut b = self
            .request("POST", path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(origin) = &self.origin {
            b = b
                .header(header::ORIGIN, origin)
                .header("sec-fetch-site", "same-origin");
        }
        let req = b.body(Body::from(form_encode(fields))).unwrap();
        self.send(req).await
    }

    /// Posts a `multipart/form-data` form with one file, as a browser does.
    pub async fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        file: (&str, &str, &str, &[u8]),
    ) -> Page {
        const BOUNDARY: &str = "----portico-test-boundary-7MA4YWxkTrZu0gW";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!(
                    "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            );
        }
        let (name, filename, content_type, bytes) = file;
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
        let mut b = self.request("POST", path).header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        );
        if let Some(origin) = &self.origin {
            b = b
                .header(header::ORIGIN, origin)
                .header("sec-fetch-site", "same-origin");
        }
        let req = b.body(Body::from(body)).unwrap();
        self.send(req).await
    }

    /// Calls a server function the way a script does (`fetch`, JSON back).
    pub async fn post_api(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut b = self
            .request("POST", path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        b.headers_mut()
            .unwrap()
            .insert(header::ACCEPT, "application/json".parse().unwrap());
        if let Some(origin) = &self.origin {
            b = b
                .header(header::ORIGIN, origin)
                .header("sec-fetch-site", "same-origin");
        }
        let req = b.body(Body::from(form_encode(fields))).unwrap();
        self.send(req).await
    }

    /// Opens the registration page and creates an account; returns where it landed.
    pub async fn register(&mut self, email: &str, password: &str, name: &str) -> Page {
        let (_, page) = self.visit("/register").await;
        let flow = page
            .hidden("flow")
            .expect("flow id on the registration page");
        let csrf = page
            .hidden("csrf_token")
            .expect("csrf token on the registration page");
        self.post_form(
            "/api/register/password",
            &[
                ("flow", &flow),
                ("csrf_token", &csrf),
                ("display_name", name),
                ("email", email),
                ("password", password),
            ],
        )
        .await
    }

    /// Opens the login page and signs in; returns the answer to the form post.
    pub async fn login(&mut self, email: &str, password: &str) -> Page {
        let (_, page) = self.visit("/login").await;
        self.submit_login(&page, email, password).await
    }

    pub async fn submit_login(&mut self, page: &Page, email: &str, password: &str) -> Page {
        let flow = page.hidden("flow").expect("flow id on the login page");
        let csrf = page
            .hidden("csrf_token")
            .expect("csrf token on the login page");
        self.post_form(
            "/api/login/password",
            &[
                ("flow", &flow),
                ("csrf_token", &csrf),
                ("email", email),
                ("password", password),
            ],
        )
        .await
    }

    /// Submits the verify step of `page` with `code` (or another intent).
    pub async fn submit_verify(&mut self, page: &Page, code: &str, intent: &str) -> Page {
        let flow = page.hidden("flow").expect("flow id on the verify step");
        let csrf = page
            .hidden("csrf_token")
            .expect("csrf token on the verify step");
        let kind = page.hidden("kind").expect("flow kind on the verify step");
        self.post_form(
            "/api/verify/code",
            &[
                ("kind", &kind),
                ("flow", &flow),
                ("csrf_token", &csrf),
                ("code", code),
                ("intent", intent),
            ],
        )
        .await
    }

    pub async fn submit_code(&mut self, page: &Page, code: &str) -> Page {
        self.submit_verify(page, code, "").await
    }

    pub async fn sign_out(&mut self) -> Page {
        let (_, account) = self.visit("/account").await;
        let csrf = account
            .hidden("csrf_token")
            .expect("sign-out token on the account page");
        self.post_form("/api/logout", &[("csrf_token", &csrf)])
            .await
    }

    /// Another tab of the same browser, signed out: it keeps only the long-lived
    /// browser cookie, so the risk engine knows the device.
    pub fn same_device(&self) -> Browser {
        let mut other = self.clone();
        other.cookies.retain(|name, _| name == "portico_csrf");
        other
    }

    pub fn session_cookie(&self) -> Option<String> {
        self.cookies.get("portico_session").cloned()
    }
}
