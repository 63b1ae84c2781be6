//! The words for every message id a flow can carry (English; translations come with
//! localisation). Kept in one place so wording is reviewed together.

use std::collections::BTreeMap;

/// Renders a message id with its arguments. Unknown ids fall back to a generic text
/// rather than showing the id.
pub fn text(id: &str, args: &BTreeMap<String, String>) -> String {
    let arg = |k: &str| args.get(k).cloned().unwrap_or_default();
    match id {
        "flow.expired" => "That sign-in page had expired, so we started a fresh one. Please try again.".into(),
        "flow.completed" => "That form was already submitted. Please start again.".into(),
        "flow.csrf" => "We couldn't verify that request came from this page. Please try again.".into(),
        "login.invalid_credentials" => "That email and password combination didn't work. Check them and try again.".into(),
        "login.denied" => "We couldn't sign you in from here. If this is you, reset your password or contact support.".into(),
        "federation.failed" => format!("Signing in with {} didn't work. Please try again, or use another way to sign in.", arg("provider")),
        "federation.cancelled" => format!("Signing in with {} was cancelled. Choose how you'd like to sign in.", arg("provider")),
        "federation.unavailable" => "That sign-in option isn't available right now. Please use another way to sign in.".into(),
        "federation.link_existing" => format!("You already have an account with {}. Sign in to it once, and {} will be linked to it for next time.", arg("email"), arg("provider")),
        "federation.email_unverified" => format!("{} didn't confirm an email address for your account. Create an account with your email first, then link {} from your account's security page.", arg("provider"), arg("provider")),
        "federation.details" => format!("{} didn't share an email address it has confirmed. Enter yours and we'll send a code to confirm it.", arg("provider")),
        "federation.linked" => format!("{} is now linked to your account.", arg("provider")),
        "session.reauth" => "For your security, sign in again to continue.".into(),
        "login.password_blocked" => "For your security, this password was turned off after a sign-in was reported. Choose a new one with “Forgot your password?”.".into(),
        "mfa.invalid_code" => "That code didn't work. Check it and try again.".into(),
        "mfa.throttled" => format!("Too many tries. Please wait {} seconds, then try again.", arg("seconds")),
        "mfa.passkey_failed" => "That passkey didn't work. Try again, or choose another way.".into(),
        "mfa.code_sent" => "We sent a new code. Only the newest one works.".into(),
        "mfa.unavailable" => "This way of confirming isn't available for your account. Choose another.".into(),
        "login.throttled" => format!("Too many sign-in attempts. Please wait {} seconds, then try again.", arg("seconds")),
        "registration.not_possible" => "We couldn't create an account with these details. If you already have an account, sign in instead.".into(),
        "passkey.failed" => "That passkey didn't work here. Try again, or sign in with your password.".into(),
        "passkey.expired" => "That passkey request took too long. Please try again.".into(),
        "passkey.registration_failed" => "Your passkey couldn't be created. Please try again, or use a password instead.".into(),
        "passkey.already_registered" => "This passkey is already registered. Sign in with it, or create a new one.".into(),
        "passkey.unavailable" => "Passkeys need this site to be opened by its domain name. Use your password, or open the site by name.".into(),
        "email.empty" => "Enter your email address.".into(),
        "email.too_long" => "This email address is too long.".into(),
        "email.invalid" => "Enter a valid email address, like name@example.com.".into(),
        "password.empty" => "Choose a password.".into(),
        "password.too_short" => format!("Use at least {} characters.", arg("min")),
        "password.too_long" => format!("Use at most {} characters.", arg("max")),
        "password.breached" => "This password has appeared in data breaches, so attackers try it early. Choose another one.".into(),
        "password.too_common" => "This password is too common or easy to guess. Try a longer phrase of unrelated words.".into(),
        "name.too_long" => format!("Use at most {} characters.", arg("max")),
        "name.invalid" => "Names can't contain control characters.".into(),
        "verification.sent" => "We sent you a mail with a 6-digit code.".into(),
        "verification.resent" => "We sent a new code. Only the newest code works.".into(),
        "verification.not_yet" => "We haven't seen the link opened yet. Open it from the newest mail, or enter the code.".into(),
        "code.invalid" => "That code didn't work. Check the newest mail and try again.".into(),
        "code.throttled" => format!("Too many tries. Please wait {} seconds, then try again.", arg("seconds")),
        "recovery.sent" => "If an account exists for that address, we sent it a link to reset the password. The link works for 30 minutes.".into(),
        "recovery.link_invalid" => "That reset link doesn't work any more: links work once, for 30 minutes, and only the newest one. Ask for a new one below.".into(),
        "recovery.throttled" => format!("Too many requests. Please wait {} seconds, then try again.", arg("seconds")),
        "recovery.done" => "Your password was changed and every session was signed out. Sign in with your new password.".into(),
        "password.current_wrong" => "That isn't your current password.".into(),
        "password.unchanged" => "Choose a password different from your current one.".into(),
        "session.signed_out" => "You've signed out.".into(),
        "session.expired" => "Your session ended. Please sign in again.".into(),
        "service.busy" => "We're handling a lot of sign-ins right now. Please try again in a moment.".into(),
        _ => "Something needs your attention. Please try again.".into(),
    }
}
