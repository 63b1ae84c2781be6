//! Custom CSS a brand manager may add to a theme, checked against a safe subset.
//!
//! The CSS is written into every page's nonce'd `<style>`, so it must not be able to
//! leave that element, load anything from another host, or run anything:
//! - no `<` at all (so no `</style>`), no backslash escapes (they can spell any word,
//!   e.g. `\75 rl(` for `url(`), no control characters;
//! - at-rules from a list (`@media`, `@supports`, `@keyframes`, `@container`,
//!   `@layer`): `@import`, `@font-face`, `@namespace`, `@charset` are refused;
//! - functions from a list (colours, maths, gradients, transforms, filters,
//!   selectors); `url()` only for the tenant's own uploaded images
//!   (`/branding/assets/<sha256>.<ext>`), so `expression()`, `image-set()`, `src()`
//!   or a `url()` to any other address are refused;
//! - balanced braces, and at most 16 KiB.
//!
//! Comments are dropped from the result.

/// The largest custom CSS accepted, in bytes.
pub const MAX_CSS_BYTES: usize = 16 * 1024;

const AT_RULES: &[&str] = &[
    "media",
    "supports",
    "keyframes",
    "-webkit-keyframes",
    "container",
    "layer",
];

const FUNCTIONS: &[&str] = &[
    // colours
    "rgb",
    "rgba",
    "hsl",
    "hsla",
    "hwb",
    "lab",
    "lch",
    "oklab",
    "oklch",
    "color",
    "color-mix",
    "light-dark",
    // values
    "var",
    "calc",
    "min",
    "max",
    "clamp",
    "env",
    "round",
    "abs",
    "sign",
    "minmax",
    "repeat",
    "fit-content",
    // gradients
    "linear-gradient",
    "radial-gradient",
    "conic-gradient",
    "repeating-linear-gradient",
    "repeating-radial-gradient",
    "repeating-conic-gradient",
    // transforms and timing
    "translate",
    "translatex",
    "translatey",
    "translate3d",
    "scale",
    "scalex",
    "scaley",
    "rotate",
    "skew",
    "skewx",
    "skewy",
    "matrix",
    "perspective",
    "cubic-bezier",
    "steps",
    // filters
    "blur",
    "brightness",
    "contrast",
    "drop-shadow",
    "grayscale",
    "hue-rotate",
    "invert",
    "opacity",
    "saturate",
    "sepia",
    // selectors
    "not",
    "is",
    "where",
    "has",
    "nth-child",
    "nth-last-child",
    "nth-of-type",
    "nth-last-of-type",
    "lang",
    "dir",
    // only for the tenant's own images, checked below
    "url",
];

/// What is wrong with custom CSS, and on which line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct CssProblem {
    pub line: usize,
    pub message: String,
}

fn problem(line: usize, message: impl Into<String>) -> CssProblem {
    CssProblem {
        line,
        message: message.into(),
    }
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_' || !c.is_ascii()
}

/// Whether `arg` (a `url()` argument, quotes included) is one of the tenant's images.
fn own_asset(arg: &str) -> bool {
    let arg = arg.trim();
    let inner = arg
        .strip_prefix('"')
        .and_then(|a| a.strip_suffix('"'))
        .or_else(|| arg.strip_prefix('\'').and_then(|a| a.strip_suffix('\'')))
        .unwrap_or(arg);
    inner
        .strip_prefix("/branding/assets/")
        .and_then(super::assets::AssetName::parse)
        .is_some()
}

/// Checks `input`; the CSS to use (comments removed) when it is in the safe subset.
pub fn sanitise(input: &str) -> Result<String, CssProblem> {
    if input.len() > MAX_CSS_BYTES {
        return Err(problem(1, "custom CSS is limited to 16 KiB"));
    }
    let chars: Vec<char> = input.chars().collect();
    let mut out = String::with_capacity(input.len());
    let mut line = 1;
    let mut depth: usize = 0;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\n' => {
                line += 1;
                out.push(c);
                i += 1;
            }
            '<' => return Err(problem(line, "“<” is not allowed in custom CSS")),
            '\\' => return Err(problem(line, "backslash escapes are not allowed")),
            c if c.is_control() && c != '\t' && c != '\r' => {
                return Err(problem(line, "control characters are not allowed"));
            }
            '/' if chars.get(i + 1) == Some(&'*') => {
                let start = line;
                i += 2;
                loop {
                    match chars.get(i) {
                        None => return Err(problem(start, "a comment is never closed")),
                        Some('*') if chars.get(i + 1) == Some(&'/') => {
                            i += 2;
                            break;
                        }
                        Some('\n') => {
                            line += 1;
                            out.push('\n');
                            i += 1;
                        }
                        Some(_) => i += 1,
                    }
                }
                out.push(' ');
            }
            '"' | '\'' => {
                let quote = c;
                out.push(c);
                i += 1;
                loop {
                    match chars.get(i) {
                        None | Some('\n') => {
                            return Err(problem(line, "a string is never closed"));
                        }
                        Some(&q) if q == quote => {
                            out.push(q);
                            i += 1;
                            break;
                        }
                        Some('<') => {
                            return Err(problem(line, "“<” is not allowed in custom CSS"));
                        }
                        Some('\\') => {
                            return Err(problem(line, "backslash escapes are not allowed"));
                        }
                        Some(&other) => {
                            out.push(other);
                            i += 1;
                        }
                    }
                }
            }
            '{' => {
                depth += 1;
                out.push(c);
                i += 1;
            }
            '}' => {
                depth = depth
                    .checked_sub(1)
                    .ok_or_else(|| problem(line, "a “}” closes nothing"))?;
                out.push(c);
                i += 1;
            }
            '@' => {
                let start = i + 1;
                let mut end = start;
                while end < chars.len() && is_ident_char(chars[end]) {
                    end += 1;
                }
                let name: String = chars[start..end].iter().collect::<String>().to_lowercase();
                if !AT_RULES.contains(&name.as_str()) {
                    return Err(problem(line, format!("@{name} is not allowed")));
                }
                out.push('@');
                out.push_str(&name);
                i = end;
            }
            c if is_ident_char(c) => {
                let start = i;
                while i < chars.len() && is_ident_char(chars[i]) {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                if chars.get(i) == Some(&'(') {
                    let name = word.to_lowercase();
                    // Vendor prefixes do not make a function safe or unsafe.
                    let bare = ["-webkit-", "-moz-", "-ms-", "-o-"]
                        .iter()
                        .find_map(|p| name.strip_prefix(p))
                        .unwrap_or(&name);
                    if !FUNCTIONS.contains(&bare) || (bare == "url" && bare != name) {
                        return Err(problem(line, format!("{name}() is not allowed")));
                    }
                    if bare == "url" {
                        let close = chars[i..]
                            .iter()
                            .position(|&c| c == ')')
                            .ok_or_else(|| problem(line, "url( is never closed"))?;
                        let arg: String = chars[i + 1..i + close].iter().collect();
                        if arg.contains('\n') || !own_asset(&arg) {
                            return Err(problem(
                                line,
                                "url() may only name an image uploaded to this theme (/branding/assets/…)",
                            ));
                        }
                        out.push_str("url(");
                        out.push_str(arg.trim());
                        out.push(')');
                        i += close + 1;
                        continue;
                    }
                }
                if word.to_lowercase().contains("javascript") {
                    return Err(problem(line, "“javascript” is not allowed"));
                }
                out.push_str(&word);
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    if depth != 0 {
        return Err(problem(line, "a “{” is never closed"));
    }
    Ok(out.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(css: &str) -> String {
        match sanitise(css) {
            Ok(out) => panic!("accepted {css:?} as {out:?}"),
            Err(p) => p.message,
        }
    }

    #[test]
    fn ordinary_css_passes_without_comments() {
        let css = "/* brand */\n.portico-card { box-shadow: 0 2px 8px rgb(0 0 0 / 0.1); }\n\
                   @media (max-width: 600px) { h1 { font-size: clamp(1rem, 4vw, 2rem); } }\n\
                   a:not(:hover) { color: var(--portico-primary); content: \"→\"; }";
        let out = sanitise(css).unwrap();
        assert!(!out.contains("brand"));
        assert!(out.contains("@media (max-width: 600px)"));
        assert!(out.contains("rgb(0 0 0 / 0.1)"));
    }

    #[test]
    fn own_images_may_be_named() {
        let hash = "b".repeat(64);
        let css = format!("main {{ background: url(\"/branding/assets/{hash}.jpg\") }}");
        assert!(sanitise(&css).unwrap().contains(&hash));
    }

    #[test]
    fn dangerous_css_is_refused_with_its_line() {
        assert!(refused("@import url(https://evil.example/x.css);").contains("@import"));
        assert!(refused("@IMPORT 'x.css';").contains("@import"));
        assert!(refused("@font-face { src: url(/x.woff) }").contains("@font-face"));
        assert!(refused("a { background: url(https://evil.example/p.gif) }").contains("url()"));
        assert!(refused("a { background: url(//evil.example/p.gif) }").contains("url()"));
        assert!(refused("a { background: URL( 'data:image/png;base64,AAAA' ) }").contains("url()"));
        assert!(refused("a { background: url(/branding/assets/../../x.png) }").contains("url()"));
        assert!(refused("a { background: -webkit-url(x) }").contains("url"));
        assert!(refused("a { width: expression(alert(1)) }").contains("expression()"));
        assert!(
            refused("a { background: image-set('https://x/a.png' 1x) }").contains("image-set()")
        );
        assert!(refused("a { background: -webkit-image-set('x' 1x) }").contains("image-set()"));
        assert!(refused("a { b: c }\n</style><script>alert(1)</script>").contains('<'));
        assert!(refused("a { background: \\75 rl(https://evil.example) }").contains("backslash"));
        assert!(refused("a { b: c").contains("never closed"));
        assert!(refused("}").contains("closes nothing"));
        assert!(refused("a { b: 'unterminated }").contains("string"));
        assert!(refused("a { behavior: javascript:alert(1) }").contains("javascript"));
        let p = sanitise("a { color: red }\n\nb { x: url(https://e.example) }").unwrap_err();
        assert_eq!(p.line, 3);
        assert!(refused(&"a{}".repeat(6000)).contains("16 KiB"));
    }
}
