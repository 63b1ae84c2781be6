//! WCAG contrast checks for the theme editor: pure functions on `#rrggbb` strings, so
//! the page warns as the brand manager picks colours (in the browser) and after saving
//! (on the server) with the same numbers.

/// The relative luminance of a `#rrggbb` colour (WCAG 2.x); `None` if it is not one.
fn luminance(hex: &str) -> Option<f64> {
    let hex = hex.trim().strip_prefix('#')?;
    if hex.len() != 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let channel = |i: usize| {
        let v = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(0)) / 255.0;
        if v <= 0.03928 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    Some(0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4))
}

/// The WCAG contrast ratio of two colours, 1 to 21.
pub fn contrast_ratio(a: &str, b: &str) -> Option<f64> {
    let (la, lb) = (luminance(a)?, luminance(b)?);
    let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
    Some((hi + 0.05) / (lo + 0.05))
}

/// The colours a theme is read in, by token name.
pub struct Palette<'a> {
    pub primary: &'a str,
    pub on_primary: &'a str,
    pub background: &'a str,
    pub surface: &'a str,
    pub text: &'a str,
    pub muted: &'a str,
    pub error: &'a str,
}

/// The pairs people read that fall below WCAG AA for normal text (4.5:1), with their
/// ratio, e.g. ("button text on primary", 1.9).
pub fn warnings(p: &Palette) -> Vec<(&'static str, f64)> {
    [
        ("text on background", p.text, p.background),
        ("text on surface", p.text, p.surface),
        ("muted text on surface", p.muted, p.surface),
        ("button text on primary", p.on_primary, p.primary),
        ("links (primary) on surface", p.primary, p.surface),
        ("errors on surface", p.error, p.surface),
    ]
    .into_iter()
    .filter_map(|(pair, fg, bg)| {
        let ratio = contrast_ratio(fg, bg)?;
        (ratio < 4.5).then_some((pair, ratio))
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contrast_follows_wcag() {
        let r = |a, b| contrast_ratio(a, b).unwrap();
        assert!((r("#000000", "#ffffff") - 21.0).abs() < 0.01);
        assert!((r("#ffffff", "#ffffff") - 1.0).abs() < 0.01);
        // #767676 on white is the classic AA boundary (4.54:1).
        assert!((r("#767676", "#ffffff") - 4.54).abs() < 0.01);
        assert_eq!(contrast_ratio("red", "#ffffff"), None);
    }

    #[test]
    fn the_default_theme_passes_and_a_pale_primary_warns() {
        let default = Palette {
            primary: "#4338ca",
            on_primary: "#ffffff",
            background: "#f3f4f8",
            surface: "#ffffff",
            text: "#111827",
            muted: "#596173",
            error: "#b42318",
        };
        assert!(warnings(&default).is_empty());
        let pale = Palette {
            primary: "#ffeb3b",
            ..default
        };
        let pairs: Vec<_> = warnings(&pale).into_iter().map(|(p, _)| p).collect();
        assert_eq!(
            pairs,
            ["button text on primary", "links (primary) on surface"]
        );
    }
}
