//! The cookies of the Frontend API, read and written with the `cookie`
//! crate: reading takes every `Cookie` header apart the way a browser
//! writes it; writing gives each cookie the same attributes in one place
//! (`Path=/`, `SameSite=Lax`, `Secure` when the public URL is HTTPS).

use axum::http::{header, HeaderMap};
use cookie::time::Duration;
use cookie::{Cookie, SameSite};

/// Every distinct non-empty value of the cookie `name` in the `Cookie`
/// headers, in order.
pub fn values(headers: &HeaderMap, name: &str) -> Vec<String> {
    let mut values: Vec<String> = Vec::new();
    let all = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .filter(|c| c.name() == name && !c.value().is_empty());
    for c in all {
        if !values.iter().any(|v| v == c.value()) {
            values.push(c.value().to_string());
        }
    }
    values
}

/// How a cookie is set.
#[derive(Clone, Copy, Debug)]
pub struct Attributes<'a> {
    /// Hidden from scripts.
    pub http_only: bool,
    /// Seconds it lives; 0 expires it now.
    pub max_age: i64,
    /// The domain it is shared with, when not only this host.
    pub domain: Option<&'a str>,
    /// Sent over HTTPS only.
    pub secure: bool,
}

/// A `Set-Cookie` value for `name=value` with `attributes`.
pub fn set(name: &str, value: &str, attributes: Attributes<'_>) -> String {
    let mut c = Cookie::build((name.to_string(), value.to_string()))
        .path("/")
        .same_site(SameSite::Lax)
        .http_only(attributes.http_only)
        .max_age(Duration::seconds(attributes.max_age))
        .secure(attributes.secure)
        .build();
    if let Some(domain) = attributes.domain {
        c.set_domain(domain.to_string());
    }
    c.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn repeated_and_empty_cookies() {
        let mut h = HeaderMap::new();
        h.append(header::COOKIE, HeaderValue::from_static("a=1; __client=x; __client=; __client=y"));
        h.append(header::COOKIE, HeaderValue::from_static("__client=x;b=2"));
        assert_eq!(values(&h, "__client"), vec!["x", "y"]);
        assert!(values(&h, "none").is_empty());
    }

    #[test]
    fn attributes_are_written() {
        let s = set("__client", "t", Attributes { http_only: true, max_age: 60, domain: Some("example.test"), secure: true });
        for attr in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=60", "Domain=example.test", "Secure"] {
            assert!(s.split("; ").any(|a| a == attr), "{attr} in {s}");
        }
        assert!(s.starts_with("__client=t;"));
        let s = set("__session", "", Attributes { http_only: false, max_age: 0, domain: None, secure: false });
        assert!(!s.contains("HttpOnly") && !s.contains("Secure") && !s.contains("Domain") && s.contains("Max-Age=0"), "{s}");
    }
}
