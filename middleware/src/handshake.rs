//! The token-expiry handshake.
//!
//! Session tokens live 60 s and the browser drops the `__session` cookie
//! when it expires; only the portal's JavaScript refreshes it. When a
//! browser navigates to the application with an expired token, or with none
//! while `__client_uat` says it has signed in (`> 0`), or with a token older
//! than that sign-in, the layer sends it to the server's
//! `GET <frontend_api>/v1/client/handshake?redirect_url=<original URL>`.
//! The server reads its `__client` cookie, sets a fresh `__session` for the
//! client's last active session (or clears it) and redirects back (302) to
//! the original URL, where the layer finds the new cookie.
//!
//! Only GET navigations are sent (never API calls or bearer-token
//! requests), and at most once per [`GUARD_SECONDS`]: the layer sets the
//! short-lived `__vestibule_handshake` cookie when it sends the browser, and
//! while it is present a request that still has no valid token is simply
//! signed out, so a handshake that cannot help never loops.

use crate::auth::redirect;
use crate::request::TokenSource;
pub use crate::request::{CLIENT_UAT_COOKIE, HANDSHAKE_GUARD_COOKIE};
use crate::token::{SessionClaims, TokenError};
use axum::http::{header, HeaderValue, Method};
use axum::response::Response;
use vestibule_protocol::url::with_redirect_url;

/// How long after sending a browser through the handshake the layer waits
/// before sending it again.
pub const GUARD_SECONDS: u32 = 10;

/// Whether the token situation calls for a handshake: none while signed in
/// by `__client_uat`, an expired one (unless `__client_uat` says signed
/// out), or a valid one issued before the last sign-in. Bearer tokens never
/// do: their sender is not a browser that can follow a redirect.
pub(crate) fn needed(
    verified: Option<&Result<SessionClaims, TokenError>>,
    source: Option<TokenSource>,
    uat: Option<i64>,
) -> bool {
    if source == Some(TokenSource::Header) {
        return false;
    }
    match verified {
        None => uat.is_some_and(|u| u > 0),
        Some(Err(e)) => e.is_expired() && uat != Some(0),
        Some(Ok(claims)) => matches!((uat, claims.iat), (Some(u), Some(iat)) if u > iat),
    }
}

/// The redirect to the server's handshake, marking it in flight.
pub(crate) fn redirect_to_handshake(handshake_url: &str, original_url: &str) -> Response {
    let mut res = redirect(&Method::GET, &with_redirect_url(handshake_url, original_url));
    let secure = if original_url.starts_with("https://") { "; Secure" } else { "" };
    let guard = format!("{HANDSHAKE_GUARD_COOKIE}=1; Path=/; Max-Age={GUARD_SECONDS}; HttpOnly; SameSite=Lax{secure}");
    if let Ok(v) = HeaderValue::from_str(&guard) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

/// Ends the in-flight mark once the browser is authenticated again.
pub(crate) fn clear_guard(res: &mut Response) {
    let clear = format!("{HANDSHAKE_GUARD_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax");
    if let Ok(v) = HeaderValue::from_str(&clear) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(iat: i64) -> SessionClaims {
        SessionClaims {
            iss: None,
            sub: "user_1".into(),
            sid: "sess_1".into(),
            azp: None,
            iat: Some(iat),
            nbf: None,
            exp: iat + 60,
            v: None,
            sts: None,
            o: None,
        }
    }

    #[test]
    fn when_a_handshake_is_needed() {
        let expired: Result<SessionClaims, TokenError> = Err(TokenError::Expired { exp: 1, now: 100 });
        let forged: Result<SessionClaims, TokenError> = Err(TokenError::Signature);
        let fresh: Result<SessionClaims, TokenError> = Ok(claims(1000));
        let cookie = Some(TokenSource::Cookie);
        // (token, source, __client_uat, needed)
        let table = [
            (None, None, None, false),
            (None, None, Some(0), false),
            (None, None, Some(1000), true),
            (Some(&expired), cookie, None, true),
            (Some(&expired), cookie, Some(0), false),
            (Some(&expired), cookie, Some(999), true),
            (Some(&expired), Some(TokenSource::Header), Some(999), false),
            (Some(&forged), cookie, Some(999), false),
            (Some(&fresh), cookie, None, false),
            (Some(&fresh), cookie, Some(1000), false),
            (Some(&fresh), cookie, Some(1001), true),
        ];
        for (token, source, uat, want) in table {
            assert_eq!(needed(token, source, uat), want, "{token:?} {source:?} {uat:?}");
        }
    }

    #[test]
    fn the_redirect_marks_the_handshake_in_flight() {
        let res = redirect_to_handshake("https://accounts.test/v1/client/handshake", "https://app.test/a?b=1");
        assert_eq!(res.status(), axum::http::StatusCode::TEMPORARY_REDIRECT);
        assert_eq!(
            res.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()),
            Some("https://accounts.test/v1/client/handshake?redirect_url=https%3A%2F%2Fapp.test%2Fa%3Fb%3D1")
        );
        let cookie = res.headers().get(header::SET_COOKIE).and_then(|v| v.to_str().ok()).unwrap_or_default();
        assert!(cookie.starts_with("__vestibule_handshake=1;") && cookie.contains("Max-Age=10") && cookie.contains("Secure"), "{cookie}");
    }
}
