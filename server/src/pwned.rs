//! The Pwned Passwords range API client (k-anonymity).

use std::time::Duration;

use portico_identity::PwnedPasswords;

pub struct PwnedPasswordsApi {
    client: reqwest::Client,
    base: String,
}

impl PwnedPasswordsApi {
    pub fn new(base: &str, timeout: Duration) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .user_agent(concat!("Portico/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("breached_passwords: {e}"))?;
        Ok(Self {
            client,
            base: base.to_string(),
        })
    }
}

#[async_trait::async_trait]
impl PwnedPasswords for PwnedPasswordsApi {
    async fn range(&self, prefix: &str) -> Result<String, String> {
        let response = self
            .client
            .get(format!("{}{prefix}", self.base))
            // Padding hides, from anyone watching the wire, how many suffixes matched.
            .header("Add-Padding", "true")
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if !response.status().is_success() {
            return Err(format!("the range API answered {}", response.status()));
        }
        response.text().await.map_err(|e| e.to_string())
    }
}
