//! Social and enterprise sign-in against a real OpenID provider: a second Portico,
//! served on its own TCP port, plays "Google" — discovery, keys, the authorization
//! endpoint, the token endpoint — and the first one signs customers in with it. No
//! HTTP is mocked. Covers sign-up, sign-in, linking from the account page, unlinking,
//! the pre-account-takeover attacks (Sudhodanan & Paverd, 2022) and refused callbacks.

mod common;

use common::{Backend, Browser, Page, STRONG_PASSWORD, TestApp};
use portico_identity::audit::ClientInfo;
use portico_identity::federation::NewProvider;
use portico_identity::oidc::apps::{AppKind, NewApp};

const SLUG: &str = "acme";

/// The upstream provider and the Portico that trusts it.
struct Pair {
    idp: TestApp,
    idp_base: String,
    rp: TestApp,
    rp_base: String,
}

async fn pair(backend: Backend) -> Pair {
    let (idp, idp_base) = TestApp::start_served(backend.clone()).await;
    let (rp, rp_base) = TestApp::start_served(backend).await;
    let idp_tenant = idp.state.engine.resolve_tenant(common::HOST).await.unwrap();
    let registered = idp
        .state
        .engine
        .register_app(
            &idp_tenant.tenant,
            &ClientInfo::default(),
            &NewApp {
                name: "Downstream Portico".into(),
                kind: Some(AppKind::Web),
                redirect_uris: vec![format!("{rp_base}/federation/callback/{SLUG}")],
                first_party: true,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .unwrap();
    let rp_tenant = rp.state.engine.resolve_tenant(common::HOST).await.unwrap();
    rp.state
        .engine
        .add_provider(
            &rp_tenant.tenant,
            None,
            &ClientInfo::default(),
            &NewProvider {
                slug: SLUG.into(),
                display_name: Some("Acme ID".into()),
                kind: "oidc".into(),
                discovery_url: Some(format!("{idp_base}/.well-known/openid-configuration")),
                client_id: registered.app.client_id.clone(),
                client_secret: registered.client_secret.clone(),
                enabled: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    Pair {
        idp,
        idp_base,
        rp,
        rp_base,
    }
}

impl Pair {
    fn rp_browser(&self) -> Browser {
        self.rp.browser_at_issuer(&self.rp_base)
    }

    /// A browser signed in at the provider with a verified account.
    async fn idp_account(&self, email: &str) -> Browser {
        let mut b = self.idp.browser_at_issuer(&self.idp_base);
        self.idp
            .sign_up(&mut b, email, STRONG_PASSWORD, "Ada")
            .await;
        b
    }

    /// Clicks "Continue with Acme ID" on the sign-in page; the answer (a page that
    /// sends the browser to the provider).
    async fn start(&self, rp: &mut Browser) -> Page {
        self.start_with(rp, SLUG).await
    }

    async fn start_with(&self, rp: &mut Browser, slug: &str) -> Page {
        let (_, login) = rp.visit("/login").await;
        assert!(
            login
                .body
                .contains(&format!("data-testid=\"provider-{slug}\"")),
            "the sign-in page shows the provider's button"
        );
        let flow = login.hidden("flow").unwrap();
        let csrf = login.hidden("csrf_token").unwrap();
        rp.post_form(
            "/federation/start",
            &[
                ("flow", &flow),
                ("csrf_token", &csrf),
                ("provider", slug),
                ("kind", "login"),
            ],
        )
        .await
    }

    /// Registers another app at the provider, for the downstream provider `slug`
    /// described by `edit` (its client id and secret are filled in).
    async fn add_provider(&self, slug: &str, edit: impl FnOnce(&mut NewProvider)) {
        let idp_tenant = self
            .idp
            .state
            .engine
            .resolve_tenant(common::HOST)
            .await
            .unwrap();
        let registered = self
            .idp
            .state
            .engine
            .register_app(
                &idp_tenant.tenant,
                &ClientInfo::default(),
                &NewApp {
                    name: format!("Downstream {slug}"),
                    kind: Some(AppKind::Web),
                    redirect_uris: vec![format!("{}/federation/callback/{slug}", self.rp_base)],
                    first_party: true,
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .unwrap();
        let mut new = NewProvider {
            slug: slug.into(),
            client_id: registered.app.client_id.clone(),
            client_secret: registered.client_secret.clone(),
            enabled: true,
            ..Default::default()
        };
        edit(&mut new);
        let rp_tenant = self
            .rp
            .state
            .engine
            .resolve_tenant(common::HOST)
            .await
            .unwrap();
        self.rp
            .state
            .engine
            .add_provider(&rp_tenant.tenant, None, &ClientInfo::default(), &new)
            .await
            .unwrap();
    }

    /// The provider's answer to the authorization request that `start` led to: the
    /// callback URL (path and query) at the downstream Portico.
    async fn authorize(&self, start: &Page, idp: &mut Browser) -> String {
        let url = continue_link(start);
        let path = url
            .strip_prefix(&self.idp_base)
            .expect("the trip goes to the provider");
        let answer = idp.get(path).await;
        let location = answer
            .location()
            .unwrap_or_else(|| panic!("the provider redirects back: {}", answer.status));
        location
            .strip_prefix(&self.rp_base)
            .expect("back to the downstream Portico")
            .to_string()
    }

    /// A whole trip: start, the provider's answer, the callback. The callback's answer.
    async fn trip(&self, rp: &mut Browser, idp: &mut Browser) -> Page {
        let start = self.start(rp).await;
        let callback = self.authorize(&start, idp).await;
        rp.get(&callback).await
    }

    async fn identities_of(&self, email: &str) -> usize {
        let user = common::user(&self.rp, email).await;
        let tenant = self
            .rp
            .state
            .engine
            .resolve_tenant(common::HOST)
            .await
            .unwrap();
        portico_identity::store::federation::linked_identities(
            self.rp.state.engine.db().conn(),
            tenant.tenant.id,
            user,
        )
        .await
        .unwrap()
        .len()
    }

    async fn cleanup(self) {
        self.rp.cleanup().await;
        self.idp.cleanup().await;
    }
}

fn continue_link(page: &Page) -> String {
    let re = regex::Regex::new(r#"<a href="([^"]+)" data-testid="continue-link""#).unwrap();
    re.captures(&page.body)
        .unwrap_or_else(|| panic!("a continue link in {}", page.body))[1]
        .replace("&amp;", "&")
}

/// Signed in: the callback sends the browser on, and `/account` shows the account.
async fn account_page(rp: &mut Browser) -> Page {
    let (path, page) = rp.visit("/account").await;
    assert!(path.starts_with("/account"), "signed in, got {path}");
    page
}

async fn sign_up_then_sign_in_again(backend: Backend) {
    let p = pair(backend).await;
    let mut idp = p.idp_account("ada@example.com").await;
    let mut rp = p.rp_browser();
    let answer = p.trip(&mut rp, &mut idp).await;
    assert_eq!(
        answer.location().as_deref(),
        Some("/account"),
        "signed up and in"
    );
    assert!(
        answer
            .set_cookies()
            .iter()
            .any(|c| c.starts_with("portico_federation=;")),
        "the trip's cookie is cleared"
    );
    let page = account_page(&mut rp).await;
    assert!(page.body.contains("ada@example.com"));
    assert_eq!(p.rp.user_count().await, 1);
    assert_eq!(p.identities_of("ada@example.com").await, 1);
    let actions = p.rp.audit_actions().await;
    assert!(actions.iter().any(|a| a == "account.created"));
    assert!(actions.iter().any(|a| a == "federation.sign_in"));

    // Sign out, and in again with the provider: the same account.
    rp.sign_out().await;
    let answer = p.trip(&mut rp, &mut idp).await;
    assert_eq!(answer.location().as_deref(), Some("/account"));
    account_page(&mut rp).await;
    assert_eq!(p.rp.user_count().await, 1, "no second account");
    let (_, security) = rp.visit("/account/security").await;
    assert!(security.body.contains("data-testid=\"linked-row\""));
    let newest = regex::Regex::new(r#"(?s)data-testid="sign-in-row".*?</li>"#)
        .unwrap()
        .find(&security.body)
        .unwrap()
        .as_str()
        .to_string();
    assert!(
        newest.contains("Linked account"),
        "the sign-in is listed by its method: {newest}"
    );

    // From another device the same sign-in meets the risk engine and its second step,
    // like any other first factor.
    let mut other = p.rp_browser();
    let answer = p.trip(&mut other, &mut idp).await;
    let location = answer.location().unwrap();
    assert!(location.starts_with("/login?flow="), "{location}");
    let done =
        p.rp.pass_email_code(&mut other, &answer, "ada@example.com")
            .await;
    assert_eq!(done.location().as_deref(), Some("/account"));
    account_page(&mut other).await;
    p.cleanup().await;
}

async fn verified_addresses_on_both_sides_link(backend: Backend) {
    let p = pair(backend).await;
    let mut rp = p.rp_browser();
    p.rp.sign_up(&mut rp, "grace@example.com", STRONG_PASSWORD, "Grace")
        .await;
    rp.sign_out().await;
    let mut idp = p.idp_account("grace@example.com").await;
    let answer = p.trip(&mut rp, &mut idp).await;
    assert_eq!(answer.location().as_deref(), Some("/account"));
    assert_eq!(p.rp.user_count().await, 1);
    assert_eq!(p.identities_of("grace@example.com").await, 1);
    assert!(
        p.rp.audit_actions()
            .await
            .iter()
            .any(|a| a == "identity.linked")
    );
    let mail = p.rp.latest_mail_to("grace@example.com").await.unwrap();
    assert!(
        mail.subject.contains("Acme ID was linked"),
        "{}",
        mail.subject
    );
    p.cleanup().await;
}

/// Classic-federated merge and unexpired session: the attacker registers the victim's
/// address first (never verifying it) and keeps a session; the victim then signs in
/// with the provider. Nothing merges: the victim is asked to prove the existing account,
/// the attacker's account gets no identity, the victim gets no session in it.
async fn attacker_registered_address_is_never_absorbed(backend: Backend) {
    let p = pair(backend).await;
    let tenant =
        p.rp.state
            .engine
            .resolve_tenant(common::HOST)
            .await
            .unwrap();
    let mut policy = tenant.tenant.policy.clone();
    policy.verification.allow_sign_in_unverified = true;
    p.rp.state
        .engine
        .set_tenant_policy(tenant.tenant.id, &policy)
        .await
        .unwrap();
    let mut attacker = p.rp_browser();
    attacker
        .register("victim@example.com", "attacker knows this 1", "Attacker")
        .await;
    let answer = attacker
        .login("victim@example.com", "attacker knows this 1")
        .await;
    assert!(answer.location().is_some());
    let (path, _) = attacker.visit("/account").await;
    assert_eq!(path, "/account", "the attacker holds a session");

    let mut idp = p.idp_account("victim@example.com").await;
    let mut victim = p.rp_browser();
    let answer = p.trip(&mut victim, &mut idp).await;
    let location = answer.location().unwrap();
    assert!(location.starts_with("/login?flow="), "{location}");
    let (_, page) = victim.visit(&location).await;
    assert!(
        page.message_ids()
            .contains(&"federation.link_existing".to_string()),
        "the victim is asked to sign in to the existing account"
    );
    let (path, _) = victim.visit("/account").await;
    assert!(
        path.starts_with("/login"),
        "the victim got no session: {path}"
    );
    assert_eq!(p.identities_of("victim@example.com").await, 0);
    assert_eq!(p.rp.user_count().await, 1);
    // The attacker's session sees an account with nothing of the victim's.
    let (_, security) = attacker.visit("/account/security").await;
    assert!(!security.body.contains("data-testid=\"linked-row\""));
    p.cleanup().await;
}

/// The owner of an account that never verified its address signs in with the
/// provider: asked to prove the account first, they sign in with the password on that
/// same flow, confirm the address with the mailed code, and only then is the
/// provider linked.
async fn proving_the_existing_account_links_it(backend: Backend) {
    let p = pair(backend).await;
    let mut owner = p.rp_browser();
    owner
        .register("maya@example.com", STRONG_PASSWORD, "Maya")
        .await;
    let mut idp = p.idp_account("maya@example.com").await;
    let answer = p.trip(&mut owner, &mut idp).await;
    let (_, page) = owner.visit(&answer.location().unwrap()).await;
    assert!(
        page.message_ids()
            .contains(&"federation.link_existing".to_string())
    );
    assert!(
        page.body.contains("maya@example.com"),
        "the address is filled in"
    );
    assert_eq!(p.identities_of("maya@example.com").await, 0);
    // A wrong password links nothing.
    let answer = owner
        .submit_login(&page, "maya@example.com", "not the password")
        .await;
    let (_, page) = owner.visit(&answer.location().unwrap()).await;
    assert_eq!(p.identities_of("maya@example.com").await, 0);
    // The right one leads to the verify step (the address was never confirmed)...
    let answer = owner
        .submit_login(&page, "maya@example.com", STRONG_PASSWORD)
        .await;
    let (_, verify) = owner.visit(&answer.location().unwrap()).await;
    assert!(verify.body.contains("Check your inbox"));
    assert_eq!(p.identities_of("maya@example.com").await, 0);
    // ...and the code completes the sign-in and the link.
    let code = p.rp.latest_code_for("maya@example.com").await.unwrap();
    let answer = owner.submit_code(&verify, &code).await;
    assert_eq!(answer.location().as_deref(), Some("/account"));
    assert_eq!(p.identities_of("maya@example.com").await, 1);
    assert!(
        p.rp.audit_actions()
            .await
            .iter()
            .any(|a| a == "identity.linked")
    );
    // Next time the provider signs straight in.
    owner.sign_out().await;
    let answer = p.trip(&mut owner, &mut idp).await;
    assert_eq!(answer.location().as_deref(), Some("/account"));
    p.cleanup().await;
}

/// Trojan identifier: the attacker registers the victim's address and tries to attach
/// their own provider account to it, to keep a way in after the victim claims it.
/// Linking needs a verified address.
async fn unverified_accounts_cannot_link(backend: Backend) {
    let p = pair(backend).await;
    let tenant =
        p.rp.state
            .engine
            .resolve_tenant(common::HOST)
            .await
            .unwrap();
    let mut policy = tenant.tenant.policy.clone();
    policy.verification.allow_sign_in_unverified = true;
    p.rp.state
        .engine
        .set_tenant_policy(tenant.tenant.id, &policy)
        .await
        .unwrap();
    let mut attacker = p.rp_browser();
    attacker
        .register("victim@example.com", "attacker knows this 1", "Attacker")
        .await;
    attacker
        .login("victim@example.com", "attacker knows this 1")
        .await;
    let (_, security) = attacker.visit("/account/security").await;
    let csrf = security.hidden("csrf_token").unwrap();
    let start = attacker
        .post_form(
            "/account/link",
            &[("csrf_token", &csrf), ("provider", SLUG)],
        )
        .await;
    let mut idp = p.idp_account("attacker@evil.example").await;
    let callback = p.authorize(&start, &mut idp).await;
    let answer = attacker.get(&callback).await;
    assert_eq!(
        answer.location().as_deref(),
        Some("/account/security?error=verify_email_first")
    );
    assert_eq!(p.identities_of("victim@example.com").await, 0);
    p.cleanup().await;
}

/// Unexpired email change: an address waiting to be confirmed (not the account's
/// verified primary one) never matches.
async fn a_pending_address_never_matches(backend: Backend) {
    use sea_orm::{ActiveModelTrait, Set};
    let p = pair(backend).await;
    let mut attacker = p.rp_browser();
    p.rp.sign_up(
        &mut attacker,
        "attacker@evil.example",
        STRONG_PASSWORD,
        "Mallory",
    )
    .await;
    let attacker_id = common::user(&p.rp, "attacker@evil.example").await;
    let tenant =
        p.rp.state
            .engine
            .resolve_tenant(common::HOST)
            .await
            .unwrap();
    // The attacker's account holds the victim's address as a pending change.
    portico_identity::store::entities::user_emails::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        tenant_id: Set(tenant.tenant.id.0),
        user_id: Set(attacker_id.0),
        address: Set("victim@example.com".into()),
        is_primary: Set(false),
        verified_at: Set(None),
        created_at: Set(chrono::Utc::now()),
    }
    .insert(p.rp.state.engine.db().conn())
    .await
    .unwrap();
    let mut idp = p.idp_account("victim@example.com").await;
    let mut victim = p.rp_browser();
    let answer = p.trip(&mut victim, &mut idp).await;
    assert!(answer.location().unwrap().starts_with("/login?flow="));
    assert_eq!(p.identities_of("attacker@evil.example").await, 0);
    let (path, _) = victim.visit("/account").await;
    assert!(
        path.starts_with("/login"),
        "no session in the attacker's account"
    );
    p.cleanup().await;
}

/// Non-verifying identity provider: the provider vouches for an address it never
/// checked. It neither creates an account nor reaches the owner's.
async fn unverified_provider_addresses_are_not_used(backend: Backend) {
    let p = pair(backend).await;
    // The victim's real account downstream.
    let mut owner = p.rp_browser();
    p.rp.sign_up(&mut owner, "victim@example.com", STRONG_PASSWORD, "Victim")
        .await;
    // Upstream lets an attacker use the address without proving it.
    let idp_tenant = p
        .idp
        .state
        .engine
        .resolve_tenant(common::HOST)
        .await
        .unwrap();
    let mut policy = idp_tenant.tenant.policy.clone();
    policy.verification.allow_sign_in_unverified = true;
    p.idp
        .state
        .engine
        .set_tenant_policy(idp_tenant.tenant.id, &policy)
        .await
        .unwrap();
    let mut idp = p.idp.browser_at_issuer(&p.idp_base);
    idp.register("victim@example.com", "attacker knows this 1", "Attacker")
        .await;
    idp.login("victim@example.com", "attacker knows this 1")
        .await;
    let mut attacker = p.rp_browser();
    let answer = p.trip(&mut attacker, &mut idp).await;
    let location = answer.location().unwrap();
    assert!(location.starts_with("/login?flow="), "{location}");
    // Asked for an address to confirm — whatever the provider said.
    let (_, page) = attacker.visit(&location).await;
    assert!(page.body.contains("data-testid=\"details-lead\""));
    assert!(page.body.contains("data-testid=\"details-form\""));
    let flow = page.hidden("flow").unwrap();
    let csrf = page.hidden("csrf_token").unwrap();
    let answer = attacker
        .post_form(
            "/api/login/details",
            &[
                ("flow", &flow),
                ("csrf_token", &csrf),
                ("email", "victim@example.com"),
                ("display_name", "Attacker"),
            ],
        )
        .await;
    let (_, verify) = attacker.visit(&answer.location().unwrap()).await;
    assert!(
        verify.body.contains("Check your inbox"),
        "the same answer as for a new address"
    );
    // The owner is told; no code exists that the attacker could know.
    let mail = p.rp.latest_mail_to("victim@example.com").await.unwrap();
    assert_eq!(mail.template, "registration_attempt");
    for guess in ["000000", "123456"] {
        let answer = attacker.submit_code(&verify, guess).await;
        let (path, _) = attacker.visit(&answer.location().unwrap()).await;
        assert!(path.starts_with("/login?flow="), "{path}");
    }
    assert_eq!(p.identities_of("victim@example.com").await, 0);
    assert_eq!(p.rp.user_count().await, 1, "no account was created");
    let (path, _) = attacker.visit("/account").await;
    assert!(path.starts_with("/login"));
    p.cleanup().await;
}

/// A provider that shares no confirmed address: the customer gives one, confirms it
/// with the mailed code, and the account is created with the identity — verified.
async fn an_unconfirmed_address_is_confirmed_by_code(backend: Backend) {
    let p = pair(backend).await;
    let idp_tenant = p
        .idp
        .state
        .engine
        .resolve_tenant(common::HOST)
        .await
        .unwrap();
    let mut policy = idp_tenant.tenant.policy.clone();
    policy.verification.allow_sign_in_unverified = true;
    p.idp
        .state
        .engine
        .set_tenant_policy(idp_tenant.tenant.id, &policy)
        .await
        .unwrap();
    let mut idp = p.idp.browser_at_issuer(&p.idp_base);
    idp.register("kim@example.com", STRONG_PASSWORD, "Kim")
        .await;
    idp.login("kim@example.com", STRONG_PASSWORD).await;
    let mut rp = p.rp_browser();
    let answer = p.trip(&mut rp, &mut idp).await;
    let (_, page) = rp.visit(&answer.location().unwrap()).await;
    assert!(page.body.contains("data-testid=\"details-form\""));
    assert!(
        page.body.contains("kim@example.com"),
        "the provider's address is offered"
    );
    let flow = page.hidden("flow").unwrap();
    let csrf = page.hidden("csrf_token").unwrap();
    // A bad address names the field and stays on the step.
    let answer = rp
        .post_form(
            "/api/login/details",
            &[
                ("flow", &flow),
                ("csrf_token", &csrf),
                ("email", "not-an-address"),
                ("display_name", "Kim"),
            ],
        )
        .await;
    let (_, page) = rp.visit(&answer.location().unwrap()).await;
    assert!(
        page.message_ids().contains(&"email.invalid".to_string()),
        "{:?}",
        page.message_ids()
    );
    assert!(page.body.contains("data-testid=\"details-form\""));
    let answer = rp
        .post_form(
            "/api/login/details",
            &[
                ("flow", &flow),
                ("csrf_token", &csrf),
                ("email", "Kim@Example.com"),
                ("display_name", "Kim Lee"),
            ],
        )
        .await;
    let (_, verify) = rp.visit(&answer.location().unwrap()).await;
    assert!(verify.body.contains("kim@example.com"));
    assert!(!verify.body.contains("I opened the link"), "a code only");
    let mail = p.rp.latest_mail_to("kim@example.com").await.unwrap();
    assert_eq!(mail.template, "confirm_address");
    assert!(mail.text.contains("Acme ID"));
    // A wrong code is refused.
    let answer = rp.submit_code(&verify, "000000").await;
    let (_, again) = rp.visit(&answer.location().unwrap()).await;
    assert!(
        again.message_ids().contains(&"code.invalid".to_string()),
        "{:?}",
        again.message_ids()
    );
    assert_eq!(p.rp.user_count().await, 0);
    let code = p.rp.latest_code_for("kim@example.com").await.unwrap();
    let answer = rp.submit_code(&verify, &code).await;
    assert_eq!(answer.location().as_deref(), Some("/account"));
    let page = account_page(&mut rp).await;
    assert!(page.body.contains("Kim Lee"));
    assert_eq!(p.identities_of("kim@example.com").await, 1);
    let tenant =
        p.rp.state
            .engine
            .resolve_tenant(common::HOST)
            .await
            .unwrap();
    let summary =
        p.rp.state
            .engine
            .account_summary(
                tenant.tenant.id,
                common::user(&p.rp, "kim@example.com").await,
            )
            .await
            .unwrap()
            .unwrap();
    assert!(summary.email_verified, "confirmed by the code");
    // Signing in again goes straight in.
    rp.sign_out().await;
    let answer = p.trip(&mut rp, &mut idp).await;
    assert_eq!(answer.location().as_deref(), Some("/account"));
    p.cleanup().await;
}

/// A plain OAuth 2.0 provider (no ID token): the profile comes from its userinfo
/// endpoint through the claim mapping.
async fn a_plain_oauth2_provider_signs_in_through_userinfo(backend: Backend) {
    let p = pair(backend).await;
    let base = p.idp_base.clone();
    p.add_provider("plain", |n| {
        n.kind = "oauth2".into();
        n.display_name = Some("Plain OAuth".into());
        n.authorize_url = Some(format!("{base}/oauth2/authorize"));
        n.token_url = Some(format!("{base}/oauth2/token"));
        n.userinfo_url = Some(format!("{base}/oauth2/userinfo"));
        n.scopes = Some("openid email profile".into());
        n.claims = Some("subject=sub,email=email,email_verified=email_verified,name=name".into());
    })
    .await;
    let mut idp = p.idp_account("olu@example.com").await;
    let mut rp = p.rp_browser();
    let start = p.start_with(&mut rp, "plain").await;
    let callback = p.authorize(&start, &mut idp).await;
    let answer = rp.get(&callback).await;
    assert_eq!(answer.location().as_deref(), Some("/account"));
    let page = account_page(&mut rp).await;
    assert!(page.body.contains("olu@example.com"));
    let user = common::user(&p.rp, "olu@example.com").await;
    let tenant =
        p.rp.state
            .engine
            .resolve_tenant(common::HOST)
            .await
            .unwrap();
    let linked = portico_identity::store::federation::linked_identities(
        p.rp.state.engine.db().conn(),
        tenant.tenant.id,
        user,
    )
    .await
    .unwrap();
    assert_eq!(linked[0].provider, "oidc:plain");
    p.cleanup().await;
}

/// A provider that answers with a cross-site form post (as Apple does): the post
/// carries no SameSite=Lax cookies, so it becomes a same-URL GET that does.
async fn a_form_post_answer_is_accepted(backend: Backend) {
    let p = pair(backend).await;
    let discovery = format!("{}/.well-known/openid-configuration", p.idp_base);
    p.add_provider("posted", |n| {
        n.kind = "oidc".into();
        n.display_name = Some("Posted ID".into());
        n.discovery_url = Some(discovery);
        n.form_post = Some(true);
    })
    .await;
    let mut idp = p.idp_account("fay@example.com").await;
    let mut rp = p.rp_browser();
    let start = p.start_with(&mut rp, "posted").await;
    let url = continue_link(&start);
    assert!(url.contains("response_mode=form_post"));
    let answer = idp.get(url.strip_prefix(&p.idp_base).unwrap()).await;
    assert_eq!(answer.status, 200, "the provider answers with a form");
    let action = regex::Regex::new(r#"<form method="post" action="([^"]+)""#)
        .unwrap()
        .captures(&answer.body)
        .unwrap()[1]
        .replace("&amp;", "&");
    let fields: Vec<(String, String)> =
        regex::Regex::new(r#"<input type="hidden" name="([^"]+)" value="([^"]*)">"#)
            .unwrap()
            .captures_iter(&answer.body)
            .map(|c| (c[1].to_string(), c[2].replace("&amp;", "&")))
            .collect();
    // The browser posts it from the provider's page: cross-site, without the
    // store's cookies.
    let mut posting = rp.clone();
    posting.cookies.clear();
    let mut req = axum::http::Request::builder()
        .method("POST")
        .uri(action.strip_prefix(&p.rp_base).unwrap())
        .header("host", rp.host.clone())
        .header("origin", p.idp_base.clone())
        .header("sec-fetch-site", "cross-site")
        .header("content-type", "application/x-www-form-urlencoded");
    req = req.extension(axum::extract::ConnectInfo::<std::net::SocketAddr>(
        "198.51.100.7:50000".parse().unwrap(),
    ));
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let posted = posting
        .send(
            req.body(axum::body::Body::from(common::form_encode(&pairs)))
                .unwrap(),
        )
        .await;
    assert_eq!(posted.status, 303, "{}", posted.body);
    let again = posted.location().unwrap();
    assert!(again.starts_with("/federation/callback/posted?"), "{again}");
    let answer = rp.get(&again).await;
    assert_eq!(answer.location().as_deref(), Some("/account"));
    account_page(&mut rp).await;
    p.cleanup().await;
}

/// Changing a provider (a new secret, a new label) keeps its links; a bad change
/// names its field and changes nothing.
async fn updating_a_provider_keeps_its_links(backend: Backend) {
    let p = pair(backend).await;
    let mut idp = p.idp_account("ines@example.com").await;
    let mut rp = p.rp_browser();
    p.trip(&mut rp, &mut idp).await;
    assert_eq!(p.identities_of("ines@example.com").await, 1);
    let engine = &p.rp.state.engine;
    let tenant = engine.resolve_tenant(common::HOST).await.unwrap();
    let before = engine.providers(&tenant.tenant).await.unwrap()[0].clone();

    let bad = engine
        .update_provider(
            &tenant.tenant,
            None,
            &ClientInfo::default(),
            SLUG,
            &NewProvider {
                discovery_url: Some("ftp://idp.example/".into()),
                ..Default::default()
            },
        )
        .await;
    assert!(matches!(
        bad,
        Err(portico_identity::federation::ProviderError::Invalid(ref problems))
            if problems[0].field == "discovery_url"
    ));
    let unchanged = engine.providers(&tenant.tenant).await.unwrap()[0].clone();
    assert_eq!(unchanged.discovery_url, before.discovery_url);

    // A wrong secret (as after a rotation at the provider that was not copied over):
    // sign-ins fail, links stay.
    engine
        .update_provider(
            &tenant.tenant,
            None,
            &ClientInfo::default(),
            SLUG,
            &NewProvider {
                display_name: Some("Acme Account".into()),
                client_secret: Some("not-the-secret".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .unwrap();
    rp.sign_out().await;
    let answer = p.trip(&mut rp, &mut idp).await;
    let (_, page) = rp.visit(&answer.location().unwrap()).await;
    assert!(
        page.message_ids()
            .contains(&"federation.failed".to_string())
    );
    assert!(page.body.contains("Continue with Acme Account"));
    assert_eq!(p.identities_of("ines@example.com").await, 1);
    p.cleanup().await;
}

/// Forged, replayed and cross-browser states, another provider's issuer, and a
/// provider's error: refused, nothing signed in.
async fn bad_callbacks_are_refused(backend: Backend) {
    let p = pair(backend).await;
    let mut idp = p.idp_account("ada@example.com").await;

    // No state, a made-up state.
    let mut rp = p.rp_browser();
    let page = rp.get(&format!("/federation/callback/{SLUG}?code=x")).await;
    assert_eq!(page.status, 400);
    let page = rp
        .get(&format!("/federation/callback/{SLUG}?code=x&state=forged"))
        .await;
    assert_eq!(page.status, 400);
    assert!(page.body.contains("invalid_state"));

    // Another browser's answer (login CSRF): the attacker starts a trip, and makes the
    // victim's browser open the callback.
    let mut attacker = p.rp_browser();
    let start = p.start(&mut attacker).await;
    let callback = p.authorize(&start, &mut idp).await;
    let mut victim = p.rp_browser();
    let page = victim.get(&callback).await;
    assert_eq!(page.status, 400);
    assert!(page.body.contains("invalid_browser"));
    // ...which also used the state up: the attacker cannot finish it either.
    let page = attacker.get(&callback).await;
    assert_eq!(page.status, 400);
    assert!(page.body.contains("invalid_state"));

    // Mix-up: the answer names another issuer.
    let start = p.start(&mut rp).await;
    let callback = p.authorize(&start, &mut idp).await;
    let tampered = regex::Regex::new(r"iss=[^&]+")
        .unwrap()
        .replace(&callback, "iss=https%3A%2F%2Fevil.example")
        .to_string();
    assert_ne!(tampered, callback, "the provider names itself (RFC 9207)");
    let page = rp.get(&tampered).await;
    assert_eq!(page.status, 400);
    assert!(page.body.contains("invalid_issuer"));

    // A good answer works once; its replay is refused.
    let start = p.start(&mut rp).await;
    let callback = p.authorize(&start, &mut idp).await;
    let answer = rp.get(&callback).await;
    assert_eq!(answer.location().as_deref(), Some("/account"));
    rp.sign_out().await;
    let replay = rp.get(&callback).await;
    assert_eq!(replay.status, 400);
    let (path, _) = rp.visit("/account").await;
    assert!(path.starts_with("/login"));

    // The customer cancelled at the provider: back to the sign-in page, with a note.
    let start = p.start(&mut rp).await;
    let url = continue_link(&start);
    let state = url::Url::parse(&url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .to_string();
    let page = rp
        .get(&format!(
            "/federation/callback/{SLUG}?error=access_denied&state={state}&iss={}",
            url::form_urlencoded::byte_serialize(p.idp_base.as_bytes()).collect::<String>()
        ))
        .await;
    let location = page.location().unwrap();
    assert!(location.starts_with("/login?flow="), "{location}");
    let (_, page) = rp.visit(&location).await;
    assert!(
        page.message_ids()
            .contains(&"federation.cancelled".to_string())
    );

    let actions = p.rp.audit_actions().await;
    assert!(
        actions
            .iter()
            .filter(|a| *a == "federation.callback_refused")
            .count()
            >= 5
    );
    p.cleanup().await;
}

/// The security page links a provider (after a recent sign-in) and unlinks it; the
/// last way in cannot be unlinked.
async fn link_and_unlink_from_the_account(backend: Backend) {
    let p = pair(backend).await;
    let mut rp = p.rp_browser();
    p.rp.sign_up(&mut rp, "lin@example.com", STRONG_PASSWORD, "Lin")
        .await;
    let mut idp = p.idp_account("lin.other@example.com").await;
    let (_, security) = rp.visit("/account/security").await;
    assert!(security.body.contains("data-testid=\"link-acme\""));
    let csrf = security.hidden("csrf_token").unwrap();
    let start = rp
        .post_form(
            "/account/link",
            &[("csrf_token", &csrf), ("provider", SLUG)],
        )
        .await;
    let callback = p.authorize(&start, &mut idp).await;
    let answer = rp.get(&callback).await;
    assert_eq!(
        answer.location().as_deref(),
        Some("/account/security?notice=provider_linked")
    );
    assert_eq!(p.identities_of("lin@example.com").await, 1);
    // The other address did not become an account or a login.
    assert_eq!(p.rp.user_count().await, 1);

    // Signing in with it now reaches Lin's account.
    rp.sign_out().await;
    let answer = p.trip(&mut rp, &mut idp).await;
    assert_eq!(answer.location().as_deref(), Some("/account"));

    let (_, security) = rp.visit("/account/security").await;
    let id = regex::Regex::new(r#"name="id" value="([0-9a-f-]{36})""#)
        .unwrap()
        .captures_iter(&security.body)
        .map(|c| c[1].to_string())
        .last()
        .unwrap();
    let csrf = security.hidden("csrf_token").unwrap();
    let answer = rp
        .post_form(
            "/api/account/providers/unlink",
            &[("csrf_token", &csrf), ("id", &id)],
        )
        .await;
    assert_eq!(
        answer.location().as_deref(),
        Some("/account/security?notice=provider_unlinked#linked-accounts")
    );
    assert_eq!(p.identities_of("lin@example.com").await, 0);
    let actions = p.rp.audit_actions().await;
    assert!(actions.iter().any(|a| a == "identity.unlinked"));

    // A forged token changes nothing.
    let answer = rp
        .post_form(
            "/account/link",
            &[("csrf_token", "forged"), ("provider", SLUG)],
        )
        .await;
    assert_eq!(
        answer.location().as_deref(),
        Some("/account/security?error=csrf")
    );

    // An account whose only way in is the provider cannot unlink it.
    let mut ada_idp = p.idp_account("ada@example.com").await;
    let mut ada = p.rp_browser();
    p.trip(&mut ada, &mut ada_idp).await;
    let (_, security) = ada.visit("/account/security").await;
    let id = regex::Regex::new(r#"name="id" value="([0-9a-f-]{36})""#)
        .unwrap()
        .captures_iter(&security.body)
        .map(|c| c[1].to_string())
        .last()
        .unwrap();
    let csrf = security.hidden("csrf_token").unwrap();
    let answer = ada
        .post_form(
            "/api/account/providers/unlink",
            &[("csrf_token", &csrf), ("id", &id)],
        )
        .await;
    assert_eq!(
        answer.location().as_deref(),
        Some("/account/security?error=last_method#linked-accounts")
    );
    assert_eq!(p.identities_of("ada@example.com").await, 1);
    p.cleanup().await;
}

/// Adding a provider: bad settings name their field and write nothing; the secret is
/// sealed at rest.
async fn provider_settings_are_checked_and_sealed(backend: Backend) {
    let app = TestApp::start(backend).await;
    let engine = &app.state.engine;
    let tenant = engine.resolve_tenant(common::HOST).await.unwrap();
    let bad = engine
        .add_provider(
            &tenant.tenant,
            None,
            &ClientInfo::default(),
            &NewProvider {
                slug: "Not OK".into(),
                kind: "oidc".into(),
                client_id: "c".into(),
                discovery_url: Some("http://idp.example/.well-known/openid-configuration".into()),
                ..Default::default()
            },
        )
        .await;
    match bad {
        Err(portico_identity::federation::ProviderError::Invalid(problems)) => {
            let fields: Vec<_> = problems.iter().map(|p| p.field).collect();
            assert!(
                fields.contains(&"slug") && fields.contains(&"discovery_url"),
                "{fields:?}"
            );
        }
        other => panic!("refused, got {other:?}"),
    }
    assert!(engine.providers(&tenant.tenant).await.unwrap().is_empty());
    let google = engine
        .add_provider(
            &tenant.tenant,
            None,
            &ClientInfo::default(),
            &NewProvider {
                slug: "google".into(),
                kind: "google".into(),
                client_id: "123.apps.googleusercontent.com".into(),
                client_secret: Some("GOCSPX-very-secret".into()),
                enabled: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let sealed = google.client_secret_sealed.clone().unwrap();
    assert!(!sealed.contains("GOCSPX"), "the secret is sealed at rest");
    // The same slug twice is refused, by field.
    let again = engine
        .add_provider(
            &tenant.tenant,
            None,
            &ClientInfo::default(),
            &NewProvider {
                slug: "google".into(),
                kind: "github".into(),
                client_id: "x".into(),
                client_secret: Some("y".into()),
                ..Default::default()
            },
        )
        .await;
    assert!(matches!(
        again,
        Err(portico_identity::federation::ProviderError::Invalid(p)) if p[0].field == "slug"
    ));
    app.cleanup().await;
}

/// `[[providers]]` in the configuration: added at start when missing, their secret
/// sealed; a wrongly described one stops the start, naming the field.
async fn configured_providers_are_added_at_start(backend: Backend) {
    let app = TestApp::start_with(backend.clone(), |c| {
        c.providers.push(portico_server::config::ProviderConfig {
            slug: "google".into(),
            kind: "google".into(),
            client_id: "123.apps.googleusercontent.com".into(),
            client_secret: "from-the-config".into(),
            ..Default::default()
        });
    })
    .await;
    let tenant = app.state.engine.resolve_tenant(common::HOST).await.unwrap();
    let providers = app.state.engine.providers(&tenant.tenant).await.unwrap();
    assert_eq!(providers.len(), 1);
    assert_eq!(providers[0].display_name, "Google");
    assert!(
        !providers[0]
            .client_secret_sealed
            .as_deref()
            .unwrap()
            .contains("from-the-config")
    );
    app.cleanup().await;

    let dir = tempfile::tempdir().unwrap();
    let mut config = common::test_config(
        dir.path(),
        format!("sqlite://{}/portico.db", dir.path().display()),
    );
    config
        .providers
        .push(portico_server::config::ProviderConfig {
            slug: "corp".into(),
            kind: "oidc".into(),
            client_id: "c".into(),
            ..Default::default()
        });
    match portico_server::build_state(config).await {
        Err(e) => assert!(e.to_string().contains("providers[0].discovery_url"), "{e}"),
        Ok(_) => panic!("a provider without a discovery URL stops the start"),
    }
}

on_both_databases!(
    configured_providers_are_added_at_start,
    sign_up_then_sign_in_again,
    verified_addresses_on_both_sides_link,
    attacker_registered_address_is_never_absorbed,
    proving_the_existing_account_links_it,
    unverified_accounts_cannot_link,
    a_pending_address_never_matches,
    unverified_provider_addresses_are_not_used,
    an_unconfirmed_address_is_confirmed_by_code,
    a_plain_oauth2_provider_signs_in_through_userinfo,
    a_form_post_answer_is_accepted,
    updating_a_provider_keeps_its_links,
    bad_callbacks_are_refused,
    link_and_unlink_from_the_account,
    provider_settings_are_checked_and_sealed,
);
