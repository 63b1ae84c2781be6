//! The OpenID provider: the company's applications (clients) and their secrets, the
//! token-signing keys, the authorization endpoint with its consents, the token
//! endpoint's grants (client credentials, authorization code, refresh token with
//! rotating families, device code), and what token holders do afterwards (UserInfo,
//! introspection, revocation, logout hints).

pub mod apps;
pub mod authorize;
pub mod device;
pub mod grants;
pub mod keys;
pub mod tokens;
