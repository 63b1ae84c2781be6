//! A person's name for a browser: "Chrome on Linux", from its User-Agent header. Only
//! for showing (passkey names, recent sign-ins, mails), never for deciding anything.

/// The browser and the system a User-Agent names, when recognisable.
pub fn browser_and_system(
    user_agent: Option<&str>,
) -> (Option<&'static str>, Option<&'static str>) {
    let ua = user_agent.unwrap_or("");
    let browser = if ua.contains("Edg/") {
        Some("Edge")
    } else if ua.contains("Firefox/") {
        Some("Firefox")
    } else if ua.contains("Chrome/") || ua.contains("Chromium/") {
        Some("Chrome")
    } else if ua.contains("Safari/") {
        Some("Safari")
    } else {
        None
    };
    let system = if ua.contains("iPhone") {
        Some("iPhone")
    } else if ua.contains("iPad") {
        Some("iPad")
    } else if ua.contains("Android") {
        Some("Android")
    } else if ua.contains("Mac OS X") || ua.contains("Macintosh") {
        Some("Mac")
    } else if ua.contains("Windows") {
        Some("Windows")
    } else if ua.contains("CrOS") {
        Some("ChromeOS")
    } else if ua.contains("Linux") {
        Some("Linux")
    } else {
        None
    };
    (browser, system)
}

/// "Chrome on Linux", "Firefox", "a Mac", or "an unknown device".
pub fn describe(user_agent: Option<&str>) -> String {
    match browser_and_system(user_agent) {
        (Some(b), Some(s)) => format!("{b} on {s}"),
        (Some(b), None) => b.to_string(),
        (None, Some(s)) => s.to_string(),
        (None, None) => "Unknown device".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_browsers_are_named() {
        let cases = [
            (
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36",
                "Chrome on Linux",
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36 Edg/156.0.0.0",
                "Edge on Windows",
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1",
                "Safari on iPhone",
            ),
            ("curl/8.5.0", "Unknown device"),
        ];
        for (ua, name) in cases {
            assert_eq!(describe(Some(ua)), name, "{ua}");
        }
        assert_eq!(describe(None), "Unknown device");
    }
}
