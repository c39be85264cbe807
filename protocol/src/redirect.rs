//! Redirect-target validation (`security.md`, "CSRF, origins and redirects").
//!
//! Every place that sends a browser somewhere it was told to go
//! (`redirect_url`, `redirect_url_complete`, task URLs, the handshake) goes
//! through [`validate_redirect`]. The parser is deliberately strict: it
//! accepts a relative path that starts with exactly one `/`, or an absolute
//! `http(s)` URL without userinfo whose origin is allowed, and refuses
//! everything else rather than guessing how a browser would read it.

/// Where redirects may go.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RedirectPolicy {
    /// Origins (`scheme://host[:port]`) an absolute target may point at.
    pub allowed_origins: Vec<String>,
}

impl RedirectPolicy {
    /// A policy allowing the given origins (normalised; invalid ones dropped).
    pub fn new<I, S>(origins: I) -> RedirectPolicy
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        RedirectPolicy {
            allowed_origins: origins
                .into_iter()
                .filter_map(|o| parse_absolute(o.as_ref()).map(|u| u.origin))
                .collect(),
        }
    }

    /// Whether `origin` (as a browser sends it in `Origin`) is allowed.
    pub fn allows_origin(&self, origin: &str) -> bool {
        match parse_absolute(origin) {
            Some(u) if u.rest.is_empty() || u.rest == "/" => {
                self.allowed_origins.contains(&u.origin)
            }
            _ => false,
        }
    }

    /// The target if it is allowed, else `fallback`. Never returns the input
    /// when it was refused.
    pub fn or_fallback(&self, target: Option<&str>, fallback: &str) -> String {
        target
            .and_then(|t| validate_redirect(t, self))
            .unwrap_or_else(|| fallback.to_string())
    }
}

/// Returns the target, unchanged, when it is a safe redirect under `policy`;
/// `None` when it must be refused.
pub fn validate_redirect(target: &str, policy: &RedirectPolicy) -> Option<String> {
    if target.is_empty() || target.chars().any(|c| c.is_control() || c == '\\' || c.is_whitespace()) {
        return None;
    }
    if let Some(rest) = target.strip_prefix('/') {
        return if rest.starts_with('/') { None } else { Some(target.to_string()) };
    }
    let parsed = parse_absolute(target)?;
    policy.allowed_origins.contains(&parsed.origin).then(|| target.to_string())
}

/// An absolute http(s) URL split into its normalised origin and the rest.
struct Absolute<'a> {
    origin: String,
    rest: &'a str,
}

fn parse_absolute(input: &str) -> Option<Absolute<'_>> {
    let colon = input.find(':')?;
    let scheme = input[..colon].to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "http" => 80u16,
        "https" => 443u16,
        _ => return None,
    };
    let after = input[colon + 1..].strip_prefix("//")?;
    let end = after.find(['/', '?', '#']).unwrap_or(after.len());
    let (authority, rest) = after.split_at(end);
    if authority.is_empty()
        || authority.contains('@')
        || authority.contains('%')
        || authority.chars().any(|c| c.is_control() || c.is_whitespace() || c == '\\')
    {
        return None;
    }
    let (host, port) = match authority.split_once(':') {
        Some((h, p)) => {
            if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            (h, Some(p.parse::<u16>().ok()?))
        }
        None => (authority, None),
    };
    if host.is_empty() || !host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-') {
        return None;
    }
    let host = host.to_ascii_lowercase();
    let origin = match port {
        Some(p) if p != default_port => format!("{scheme}://{host}:{p}"),
        _ => format!("{scheme}://{host}"),
    };
    Some(Absolute { origin, rest })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RedirectPolicy {
        RedirectPolicy::new(["http://127.0.0.1:8080", "https://app.example.test"])
    }

    #[test]
    fn accepted_targets() {
        let accepted = [
            "/",
            "/welcome",
            "/welcome?x=1&y=2",
            "/welcome#top",
            "/a/b/c",
            "/sign-in/tasks?redirect_url=%2Fdashboard",
            "/%2F%2Fevil.example",
            "http://127.0.0.1:8080/welcome",
            "http://127.0.0.1:8080",
            "HTTP://127.0.0.1:8080/x",
            "https://app.example.test/dashboard?tab=1",
            "https://APP.example.test/",
            "https://app.example.test:443/x",
            "https://app.example.test?x=1",
        ];
        for t in accepted {
            assert_eq!(validate_redirect(t, &policy()).as_deref(), Some(t), "should accept {t:?}");
        }
    }

    #[test]
    fn rejected_targets() {
        let rejected = [
            "",
            "//evil.example",
            "//evil.example/path",
            "///evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "\\/evil.example",
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:msgbox(1)",
            "https://evil.example/",
            "http://evil.example",
            "https://a@evil.example",
            "https://app.example.test@evil.example/",
            "https://user:pass@app.example.test/",
            "https://app.example.test.evil.example/",
            "https://evil.example#https://app.example.test",
            "https://evil.example?https://app.example.test",
            "http://app.example.test/",
            "https://app.example.test:8443/",
            "http://127.0.0.1:8081/",
            "http://127.0.0.1/",
            "http://localhost:8080/",
            "/\u{0}evil",
            "/welcome\nSet-Cookie: x",
            "/\t/evil.example",
            " /welcome",
            "\t//evil.example",
            "welcome",
            "evil.example",
            "ftp://app.example.test/",
            "https:app.example.test",
            "https:/app.example.test",
            "https://app.example.test%2eevil.example/",
            "https://[::1]:8080/",
            "https://app.example.test:/",
            "https://app.example.test:99999999/",
        ];
        for t in rejected {
            assert_eq!(validate_redirect(t, &policy()), None, "should reject {t:?}");
        }
    }

    #[test]
    fn a_refused_target_falls_back_never_to_the_input() {
        let p = policy();
        assert_eq!(p.or_fallback(Some("https://evil.example/"), "/"), "/");
        assert_eq!(p.or_fallback(None, "/home"), "/home");
        assert_eq!(p.or_fallback(Some("/welcome"), "/"), "/welcome");
    }

    #[test]
    fn origins_as_browsers_send_them() {
        let p = policy();
        assert!(p.allows_origin("http://127.0.0.1:8080"));
        assert!(p.allows_origin("https://app.example.test"));
        assert!(!p.allows_origin("https://evil.example"));
        assert!(!p.allows_origin("null"));
        assert!(!p.allows_origin("http://127.0.0.1:8080.evil.example"));
    }
}
