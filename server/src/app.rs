//! `router(state)`: the whole HTTP surface, used by `main` and by tests.
//!
//! Outside in: CORS for `/v1` (allowed origins only), a trailing slash of an
//! API path dropped, `_method` override (so `POST ?_method=DELETE` is routed as a
//! DELETE), security headers, the body limit, then `/v1` (Frontend API,
//! with the Origin check on state-changing calls), `/backend/v1` (each
//! with its OpenAPI document at `openapi.json`), the JWKS,
//! the operator theme and the portal's static files.

use crate::clock::OffsetClock;
use crate::error::ApiError;
use std::sync::Arc;
use crate::input::BODY_LIMIT;
use crate::routes;
use crate::state::AppState;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{from_fn_with_state, map_request, map_response, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use sha2::{Digest, Sha256};
use tower_http::set_header::SetResponseHeaderLayer;
use vestibule_protocol::ErrorCode;

/// The whole application.
pub fn router(state: AppState) -> Router {
    build(state, None)
}

/// The whole application with `POST /v1/dev/clock` moving `clock`
/// (`vestibule serve --test-clock`).
pub fn router_with_test_clock(state: AppState, clock: Arc<OffsetClock>) -> Router {
    build(state, Some(clock))
}

fn build(state: AppState, test_clock: Option<Arc<OffsetClock>>) -> Router {
    let document_policy =
        HeaderValue::from_str(&content_security_policy(&state)).unwrap_or_else(|_| HeaderValue::from_static(DATA_POLICY));
    let cors_state = state.clone();
    let mut frontend = routes::frontend();
    if let Some(clock) = test_clock {
        frontend = frontend.merge(routes::test_clock::api(clock));
    }
    let v1 = frontend.publish("Vestibule Frontend API", "/v1", false).layer(from_fn_with_state(state.clone(), check_origin));
    let backend = routes::backend::api(state.clone()).publish("Vestibule Backend API", "/backend/v1", true);
    let inner = Router::new()
        .nest("/v1", v1)
        .nest("/backend/v1", backend)
        .route("/.well-known/jwks.json", get(routes::client::jwks))
        .route("/theme.css", get(theme_css))
        .route("/locale/{file}", get(locale_table))
        .fallback(portal)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state);
    Router::new()
        .fallback_service(inner)
        .layer(axum::middleware::from_fn(refuse_oversize))
        .layer(map_request(method_override))
        .layer(map_request(trim_trailing_slash))
        .layer(from_fn_with_state(cors_state, crate::cors::cors))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ))
        .layer(map_response(move |res: Response| content_security_policy_for(res, document_policy.clone())))
}

/// The policy of data (JSON, the wasm, a stylesheet): should it ever be
/// shown as a document, it may run and load nothing and be framed by
/// nobody. The page's own policy, several hundred bytes, would only add
/// to every answer a first visit waits for.
const DATA_POLICY: &str = "default-src 'none'; script-src 'none'; frame-ancestors 'none'";

/// Sets `Content-Security-Policy` unless the handler set one:
/// [`DATA_POLICY`] on JSON, wasm and CSS, `document` on everything else.
/// Pages need theirs, and so does a redirect: Chromium did not follow
/// Clerk's components' last navigation (through `/v1/client/touch`) when
/// its `303` carried the short policy.
async fn content_security_policy_for(mut res: Response, document: HeaderValue) -> Response {
    let headers = res.headers_mut();
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        let data = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| ["application/json", "application/wasm", "text/css"].iter().any(|d| t.starts_with(d)));
        let policy = if data { HeaderValue::from_static(DATA_POLICY) } else { document };
        headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    res
}

/// `POST ...?_method=PATCH|PUT|DELETE` is treated as that verb.
async fn method_override(mut req: Request) -> Request {
    if req.method() == Method::POST {
        let wanted = req
            .uri()
            .query()
            .and_then(|q| form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "_method").map(|(_, v)| v.to_ascii_uppercase()));
        match wanted.as_deref() {
            Some("PATCH") => *req.method_mut() = Method::PATCH,
            Some("PUT") => *req.method_mut() = Method::PUT,
            Some("DELETE") => *req.method_mut() = Method::DELETE,
            _ => {}
        }
    }
    req
}

/// An API path with a trailing slash is routed as the path without it:
/// clerk-js builds a collection's path from the resource's path with no id
/// (`POST /v1/me/phone_numbers/`), as Clerk's API accepts.
async fn trim_trailing_slash(mut req: Request) -> Request {
    let path = req.uri().path();
    let api = path.starts_with("/v1/") || path.starts_with("/backend/v1/");
    let trimmed = path.trim_end_matches('/');
    if !api || trimmed.len() == path.len() {
        return req;
    }
    let target = match req.uri().query() {
        Some(q) => format!("{trimmed}?{q}"),
        None => trimmed.to_string(),
    };
    let mut parts = req.uri().clone().into_parts();
    if let Ok(pq) = target.parse() {
        parts.path_and_query = Some(pq);
        if let Ok(uri) = axum::http::Uri::from_parts(parts) {
            *req.uri_mut() = uri;
        }
    }
    req
}

/// A declared body over the limit is refused on every route, whether or
/// not its handler reads the body.
async fn refuse_oversize(req: Request, next: Next) -> Result<Response, ApiError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0)
        .max(axum::body::HttpBody::size_hint(req.body()).lower());
    if declared > BODY_LIMIT as u64 {
        return Err(ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::RequestInvalid, "The body is too large (64 KiB at most)."));
    }
    Ok(next.run(req).await)
}

/// State-changing Frontend API calls must come from an allowed origin.
async fn check_origin(State(state): State<AppState>, req: Request, next: Next) -> Result<Response, ApiError> {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(next.run(req).await);
    }
    let origin = req.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok());
    match origin {
        Some(o) if state.redirect_policy().allows_origin(o) => Ok(next.run(req).await),
        _ => Err(ApiError::new(StatusCode::FORBIDDEN, ErrorCode::OriginInvalid, "This request's origin is not allowed.")),
    }
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, ErrorCode::RequestInvalid, "This method is not allowed here.")
}

/// The operator stylesheet (empty when none is configured).
async fn theme_css(State(state): State<AppState>) -> Response {
    let css = match &state.theme_css {
        Some(path) => tokio::fs::read_to_string(path).await.unwrap_or_else(|e| {
            tracing::warn!(error = %e, path = %path.display(), "theme stylesheet unreadable");
            String::new()
        }),
        None => String::new(),
    };
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "no-cache")], css).into_response()
}

/// A locale's message table (see [`crate::locales`]); the error envelope
/// for a locale the portal does not ship.
async fn locale_table(State(state): State<AppState>, uri: axum::http::Uri, headers: HeaderMap) -> Response {
    let file = uri.path().rsplit('/').next().unwrap_or_default();
    state.locales.respond(file, &headers).unwrap_or_else(|| ApiError::not_found().into_response())
}

/// API paths that match no route get the error envelope; everything else
/// is the portal (its files, or `index.html` for its client-side routes).
async fn portal(State(state): State<AppState>, req: Request) -> Response {
    let path = req.uri().path();
    let api = path == "/v1" || path.starts_with("/v1/") || path.starts_with("/backend/");
    match (&state.portal_dir, api) {
        (Some(dir), false) if matches!(*req.method(), Method::GET | Method::HEAD) => crate::portal_files::serve(dir, req).await,
        _ => ApiError::not_found().into_response(),
    }
}

/// The CSP: scripts only from this origin plus the inline bootstrap script
/// of the built portal, by hash; workers from this origin or `blob:` (what
/// `@clerk/clerk-js` makes for its timers when a page of this server loads
/// it); no framing.
fn content_security_policy(state: &AppState) -> String {
    let mut hashes = String::new();
    if let Some(dir) = &state.portal_dir {
        if let Ok(html) = std::fs::read_to_string(dir.join("index.html")) {
            for script in inline_scripts(&html) {
                use base64::Engine;
                let digest = Sha256::digest(script.as_bytes());
                hashes.push_str(&format!(" 'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(digest)));
            }
        }
    }
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{hashes}; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
    )
}

/// The bodies of `<script>` elements without `src`.
fn inline_scripts(html: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let after = &rest[start..];
        let Some(open_end) = after.find('>') else { break };
        let tag = &after[..open_end];
        let body_start = open_end + 1;
        let Some(close) = after[body_start..].find("</script>") else { break };
        if !tag.contains("src=") {
            out.push(&after[body_start..body_start + close]);
        }
        rest = &after[body_start + close..];
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn inline_scripts_are_found() {
        let html = r#"<script src="/a.js"></script><script type="module">init()</script>"#;
        assert_eq!(super::inline_scripts(html), vec!["init()"]);
    }
}
