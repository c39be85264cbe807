//! Query strings as the portal and the middleware write them: one encoder
//! and one rule for carrying `redirect_url`, so a link built on one side
//! reads the same on the other.

/// Percent-encodes everything but RFC 3986's unreserved characters, for a
/// query value or a form field.
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// `base` with `redirect_url=<target>` added to its query (after `&` when
/// `base` already has a query).
pub fn with_redirect_url(base: &str, target: &str) -> String {
    let separator = if base.contains('?') { '&' } else { '?' };
    format!("{base}{separator}redirect_url={}", encode(target))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_url_is_one_encoded_query_value() {
        assert_eq!(with_redirect_url("/sign-in", "/a?b=1&c=2"), "/sign-in?redirect_url=%2Fa%3Fb%3D1%26c%3D2");
        assert_eq!(with_redirect_url("/sign-in?x=1", "/a"), "/sign-in?x=1&redirect_url=%2Fa");
        assert_eq!(encode("a b~é"), "a%20b~%C3%A9");
    }
}
