//! What the middleware reads from an incoming request: the session token
//! (the `__session` cookie or `Authorization: Bearer`), other cookies, the
//! URL the browser asked for, and whether it is a page navigation.

use axum::extract::OriginalUri;
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, Method};

/// The cookie holding the session token.
pub const SESSION_COOKIE: &str = "__session";

/// Where a request's token came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TokenSource {
    /// `Authorization: Bearer`.
    Header,
    /// The `__session` cookie.
    Cookie,
}

/// The cookie that marks a handshake in flight (see [`crate::handshake`]).
pub const HANDSHAKE_GUARD_COOKIE: &str = "__vestibule_handshake";
/// The cookie in which the server records when the client last signed in
/// or out (seconds since the epoch; `0` when signed out), readable by the
/// application.
pub const CLIENT_UAT_COOKIE: &str = "__client_uat";

/// The cookies the middleware reads, found in one pass over the `Cookie`
/// headers (the session token makes them long).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Cookies<'a> {
    /// `__session`, when present and not empty.
    pub(crate) session: Option<&'a str>,
    /// `__client_uat` as a number.
    pub(crate) client_uat: Option<i64>,
    /// Whether `__vestibule_handshake` is present.
    pub(crate) handshake_guard: bool,
}

/// A header's value as text (UTF-8 checked by the standard library).
fn text(value: &HeaderValue) -> Option<&str> {
    std::str::from_utf8(value.as_bytes()).ok()
}

/// The middleware's cookies; the first occurrence of each name wins.
pub(crate) fn cookies(parts: &Parts) -> Cookies<'_> {
    let mut found = Cookies::default();
    let (mut session, mut uat) = (false, false);
    for pair in parts.headers.get_all(header::COOKIE).iter().filter_map(text).flat_map(|v| v.split(';')) {
        let Some((name, value)) = pair.trim().split_once('=') else { continue };
        let value = value.trim_matches('"');
        match name {
            SESSION_COOKIE if !session => {
                session = true;
                found.session = Some(value).filter(|v| !v.is_empty());
            }
            CLIENT_UAT_COOKIE if !uat => {
                uat = true;
                found.client_uat = value.parse().ok();
            }
            HANDSHAKE_GUARD_COOKIE => found.handshake_guard = true,
            _ => {}
        }
    }
    found
}

/// The bearer token of the `Authorization` header.
fn bearer(parts: &Parts) -> Option<&str> {
    let value = text(parts.headers.get(header::AUTHORIZATION)?)?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The request's session token: the bearer token when there is one (API
/// calls from other origins), else the `__session` cookie.
pub(crate) fn session_token<'a>(parts: &'a Parts, cookies: &Cookies<'a>) -> Option<(&'a str, TokenSource)> {
    if let Some(t) = bearer(parts) {
        return Some((t, TokenSource::Header));
    }
    cookies.session.map(|t| (t, TokenSource::Cookie))
}

/// A browser navigating to a document (not `fetch`, not an API client):
/// `Sec-Fetch-Dest: document|iframe`, or an `Accept` that asks for HTML.
pub(crate) fn is_page_request(parts: &Parts) -> bool {
    let get = |name: header::HeaderName| parts.headers.get(name).and_then(text);
    if let Some(dest) = get(header::HeaderName::from_static("sec-fetch-dest")) {
        if dest == "document" || dest == "iframe" {
            return true;
        }
    }
    get(header::ACCEPT).is_some_and(|a| a.contains("text/html"))
}

/// Whether a page request may be sent elsewhere and come back: a GET
/// navigation.
pub(crate) fn is_navigation(parts: &Parts) -> bool {
    parts.method == Method::GET && is_page_request(parts)
}

/// A `Host` value that is only a host and port.
fn plain_host(host: &str) -> bool {
    !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']' | '_'))
}

/// The absolute URL the browser asked for, with its query: scheme and host
/// from `X-Forwarded-Proto`/`X-Forwarded-Host` when a proxy set them, else
/// from the request; the path as the client sent it (`OriginalUri` under a
/// nested router).
pub(crate) fn original_url(parts: &Parts) -> String {
    let first = |name: &'static str| {
        parts
            .headers
            .get(name)
            .and_then(text)
            .and_then(|v| v.split(',').next())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let uri = match parts.extensions.get::<OriginalUri>() {
        Some(OriginalUri(uri)) => uri,
        None => &parts.uri,
    };
    let scheme = first("x-forwarded-proto")
        .filter(|s| *s == "http" || *s == "https")
        .or(uri.scheme_str())
        .unwrap_or("http");
    let host = first("x-forwarded-host")
        .or_else(|| parts.headers.get(header::HOST).and_then(text))
        .or(uri.authority().map(|a| a.as_str()))
        .filter(|h| plain_host(h))
        .unwrap_or("localhost");
    let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    format!("{scheme}://{host}{path}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;

    fn parts(builder: axum::http::request::Builder) -> Parts {
        builder.body(()).expect("request").into_parts().0
    }

    #[test]
    fn bearer_wins_over_the_cookie() {
        let p = parts(Request::builder().header("cookie", "a=1; __session=cookie-token").header("authorization", "Bearer header-token"));
        assert_eq!(session_token(&p, &cookies(&p)), Some(("header-token", TokenSource::Header)));
        let p = parts(Request::builder().header("cookie", "a=1; __session=cookie-token"));
        assert_eq!(session_token(&p, &cookies(&p)), Some(("cookie-token", TokenSource::Cookie)));
        let p = parts(Request::builder().header("cookie", "__session=").header("authorization", "Basic abc"));
        assert_eq!(session_token(&p, &cookies(&p)), None);
    }

    #[test]
    fn cookies_are_read_in_one_pass_first_one_winning() {
        let p = parts(
            Request::builder()
                .header("cookie", "x=1; __client_uat=1700; __session=first")
                .header("cookie", "__session=second; __client_uat=9; __vestibule_handshake=1"),
        );
        assert_eq!(cookies(&p), Cookies { session: Some("first"), client_uat: Some(1700), handshake_guard: true });
        let p = parts(Request::builder().header("cookie", "__client_uat=soon"));
        assert_eq!(cookies(&p), Cookies::default());
    }

    #[test]
    fn page_requests() {
        assert!(is_page_request(&parts(Request::builder().header("sec-fetch-dest", "document"))));
        assert!(is_page_request(&parts(Request::builder().header("accept", "text/html,application/xhtml+xml"))));
        assert!(!is_page_request(&parts(Request::builder().header("accept", "application/json"))));
        assert!(!is_page_request(&parts(Request::builder())));
        assert!(!is_navigation(&parts(Request::builder().method("POST").header("accept", "text/html"))));
    }

    #[test]
    fn original_url_keeps_the_query_and_honours_the_proxy() {
        let p = parts(Request::builder().uri("/dashboard/a?x=1&y=%20").header("host", "app.test:3000"));
        assert_eq!(original_url(&p), "http://app.test:3000/dashboard/a?x=1&y=%20");
        let p = parts(
            Request::builder()
                .uri("/d")
                .header("host", "internal:8000")
                .header("x-forwarded-proto", "https")
                .header("x-forwarded-host", "app.example.com"),
        );
        assert_eq!(original_url(&p), "https://app.example.com/d");
        let p = parts(Request::builder().uri("/d").header("host", "evil.test/x@"));
        assert_eq!(original_url(&p), "http://localhost/d");
    }
}
