//! CORS for the Frontend API and the portal's message tables: a page on
//! another allowed origin (an application using `@clerk/clerk-js` in
//! cookie or dev-browser mode, or the portal's components with the API on
//! this server) may call `/v1` and read `/locale/*` with credentials; any
//! other origin gets no grant, so its browser keeps the answer from it.
//!
//! The SDK never sends a preflight (GET and POST with form bodies and no
//! custom headers), but one from an allowed origin is answered anyway.
//!
//! This is not tower-http's `CorsLayer`: that layer answers every `OPTIONS`
//! request itself with 200, a denied origin's included, where here only an
//! allowed origin's preflight is answered (204) and any other goes on to
//! the routes and fails like every unknown request, with the envelope
//! (`server/tests/clerk_wire.rs` pins both).

use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Response headers the SDK must be able to read cross-origin.
pub const EXPOSED_HEADERS: &str = "Clerk-Db-Jwt, Retry-After";
const ALLOWED_METHODS: &str = "GET, POST, PATCH, PUT, DELETE";
const ALLOWED_HEADERS: &str = "Content-Type, Authorization";

/// Adds the CORS grant to `/v1` and `/locale/` answers for allowed
/// origins, answers their preflights, and marks every such answer
/// `Vary: Origin`.
pub async fn cors(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if !(path == "/v1" || path.starts_with("/v1/") || path.starts_with("/locale/")) {
        return next.run(req).await;
    }
    let granted = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .filter(|o| state.redirect_policy().allows_origin(o))
        .and_then(|o| HeaderValue::from_str(o).ok());
    let preflight = req.method() == Method::OPTIONS && req.headers().contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let mut res = match (preflight, &granted) {
        (true, Some(_)) => {
            let mut res = StatusCode::NO_CONTENT.into_response();
            let h = res.headers_mut();
            h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static(ALLOWED_METHODS));
            h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static(ALLOWED_HEADERS));
            h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
            res
        }
        _ => next.run(req).await,
    };
    let h = res.headers_mut();
    // One `Vary` list: the handler's own (`accept-encoding`) and `Origin`.
    let mut vary: Vec<String> = h
        .get_all(header::VARY)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .collect();
    if !vary.iter().any(|v| v == "*" || v.eq_ignore_ascii_case("origin")) {
        vary.push("Origin".into());
    }
    h.insert(header::VARY, HeaderValue::from_str(&vary.join(", ")).unwrap_or(HeaderValue::from_static("Origin")));
    if let Some(origin) = granted {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        h.insert(header::ACCESS_CONTROL_ALLOW_CREDENTIALS, HeaderValue::from_static("true"));
        h.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static(EXPOSED_HEADERS));
    }
    res
}
