//! `/v1/...` passed through to the Vestibule server, so the Yew page calls
//! the Frontend API on its own origin: the browser sees one origin, sends
//! the `__client` cookie (cookies ignore the port), and keeps the
//! `Set-Cookie`s of every answer, with no cross-origin request at all (the
//! server's CORS grant to allowed origins is the other way to do it). The `Origin` header goes
//! through unchanged: the app's origin must be in the server's
//! `allowed_origins`, and tokens minted for these calls name the app as
//! `azp`. `/sign-in` is sent on to the portal's sign-in.
//!
//! The pass-through says who the client is as a well-behaved proxy does:
//! the TCP peer of each call (`ConnectInfo`, see `crate::serve`) is appended
//! to the `X-Forwarded-For` it came with, and `X-Forwarded-Host` and
//! `X-Forwarded-Proto` name the host and scheme this app was asked on. A
//! client's own `Forwarded` is dropped: the server prefers it to
//! `X-Forwarded-For`, so it would be read instead of the hop added here. The
//! server believes these headers only from its `trusted_proxies`: put this
//! app's address there when the app runs in front of the server.

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{any, get};
use axum::{Json, Router};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

/// The largest request body passed on (the server's own limit is lower).
const BODY_LIMIT: usize = 1024 * 1024;

/// How long the server may take to answer.
const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(20);

// The de-facto forwarding headers (`http` names only `Forwarded`).
const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
const X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");
const X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");

/// Headers of one hop only, never passed on (RFC 9110 §7.6.1), and the
/// ones the client library sets itself.
fn is_hop_by_hop(name: &HeaderName) -> bool {
    [
        header::CONNECTION,
        header::TE,
        header::TRAILER,
        header::TRANSFER_ENCODING,
        header::UPGRADE,
        header::PROXY_AUTHENTICATE,
        header::PROXY_AUTHORIZATION,
        header::HOST,
        header::CONTENT_LENGTH,
    ]
    .contains(name)
        || name.as_str() == "keep-alive"
}

/// The end-to-end headers of `headers`.
fn end_to_end(headers: &HeaderMap) -> HeaderMap {
    headers.iter().filter(|(name, _)| !is_hop_by_hop(name)).map(|(n, v)| (n.clone(), v.clone())).collect()
}

/// The headers sent upstream for a call from `peer` with `incoming`
/// headers: the end-to-end ones, with the forwarding headers of this hop.
/// `X-Forwarded-For` keeps the earlier hops and ends with `peer`; without a
/// known peer none is sent, since the client's own claim cannot be vouched
/// for. The client's `Forwarded` never goes on. `X-Forwarded-Host` and
/// `X-Forwarded-Proto` are kept when a proxy in front set them, else are
/// the `Host` and scheme of this request.
fn upstream_headers(incoming: &HeaderMap, peer: Option<IpAddr>) -> HeaderMap {
    let mut headers = end_to_end(incoming);
    headers.remove(header::FORWARDED);
    headers.remove(X_FORWARDED_FOR);
    if let Some(peer) = peer {
        let mut hops: Vec<String> = incoming
            .get_all(X_FORWARDED_FOR)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(|v| v.trim().trim_matches(',').trim())
            .filter(|v| !v.is_empty())
            .map(String::from)
            .collect();
        hops.push(peer.to_string());
        if let Ok(chain) = HeaderValue::from_str(&hops.join(", ")) {
            headers.insert(X_FORWARDED_FOR, chain);
        }
    }
    // Host and scheme as the middleware reads them for this app's own URL:
    // a proxy's in front, else this hop's (`axum::serve` speaks plain HTTP).
    if let Some(host) = incoming.get(header::HOST) {
        headers.entry(X_FORWARDED_HOST).or_insert_with(|| host.clone());
    }
    headers.entry(X_FORWARDED_PROTO).or_insert(HeaderValue::from_static("http"));
    headers
}

/// The Vestibule server behind the pass-through.
#[derive(Debug)]
struct Upstream {
    http: reqwest::Client,
    /// The server's URL, without a trailing slash.
    base: String,
}

/// `/v1/...` and the portal's message tables (`/locale/...`, which the
/// Yew page's components read) to `frontend_api`, and `/sign-in` to the
/// portal's sign-in.
pub fn router(frontend_api: &str) -> Result<Router, reqwest::Error> {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(UPSTREAM_TIMEOUT)
        .build()?;
    let upstream = Arc::new(Upstream { http, base: frontend_api.trim_end_matches('/').to_string() });
    Ok(Router::new()
        .route("/v1/{*rest}", any(forward))
        .route("/locale/{file}", get(forward))
        .route("/sign-in", get(to_sign_in))
        .with_state(upstream))
}

/// The same request to the server; its answer, with its cookies.
async fn forward(State(upstream): State<Arc<Upstream>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let Ok(body) = axum::body::to_bytes(body, BODY_LIMIT).await else {
        return error(StatusCode::PAYLOAD_TOO_LARGE, "The body is too large.");
    };
    let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(addr)| addr.ip());
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let sent = upstream
        .http
        .request(parts.method, format!("{}{path}", upstream.base))
        .headers(upstream_headers(&parts.headers, peer))
        .body(body)
        .send()
        .await;
    let answer = match sent {
        Ok(answer) => answer,
        Err(e) => {
            eprintln!("vestibule-example-app: {path}: the Vestibule server did not answer: {e}");
            return error(StatusCode::BAD_GATEWAY, "The account server could not be reached. Please try again.");
        }
    };
    let status = answer.status();
    let headers = end_to_end(answer.headers());
    match answer.bytes().await {
        Ok(bytes) => (status, headers, Body::from(bytes)).into_response(),
        Err(_) => error(StatusCode::BAD_GATEWAY, "The account server's answer was cut short. Please try again."),
    }
}

/// An error in the Frontend API's envelope, so the portal's components
/// show `message`.
fn error(status: StatusCode, message: &str) -> Response {
    let body = serde_json::json!({ "errors": [{ "code": "upstream_unavailable", "message": message, "long_message": message, "meta": {} }] });
    (status, Json(body)).into_response()
}

/// `/sign-in` (where the library's sign-out goes) is the portal's.
async fn to_sign_in(State(upstream): State<Arc<Upstream>>, req: Request) -> Redirect {
    let query = req.uri().query().map(|q| format!("?{q}")).unwrap_or_default();
    Redirect::temporary(&format!("{}/sign-in{query}", upstream.base))
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::extract::Request;
    use axum::http::{header, StatusCode};
    use axum::response::IntoResponse;
    use axum::routing::any;
    use axum::Router;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    /// A stand-in for the server: echoes what it received, sets two cookies.
    async fn echo(req: Request) -> axum::response::Response {
        let (parts, body) = req.into_parts();
        let seen = |name: header::HeaderName| parts.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
        // Every line of a header, `null` when there is none.
        let lines = |name: &str| {
            let lines: Vec<&str> = parts.headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).collect();
            (!lines.is_empty()).then(|| lines.join(" | "))
        };
        let body = String::from_utf8(body.collect().await.expect("body").to_bytes().to_vec()).expect("utf-8");
        let echo = serde_json::json!({
            "method": parts.method.as_str(), "uri": parts.uri.to_string(), "cookie": seen(header::COOKIE),
            "origin": seen(header::ORIGIN), "host": seen(header::HOST), "body": body,
            "forwarded": lines("forwarded"), "x_forwarded_for": lines("x-forwarded-for"),
            "x_forwarded_host": lines("x-forwarded-host"), "x_forwarded_proto": lines("x-forwarded-proto"),
        });
        let cookies = axum::response::AppendHeaders([(header::SET_COOKIE, "__client=c1; Path=/; HttpOnly"), (header::SET_COOKIE, "__session=s1; Path=/")]);
        (StatusCode::CREATED, cookies, axum::Json(echo)).into_response()
    }

    async fn upstream() -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("address");
        tokio::spawn(async move { axum::serve(listener, Router::new().fallback(any(echo))).await });
        format!("http://{addr}")
    }

    #[tokio::test]
    async fn v1_calls_reach_the_server_with_cookies_and_origin_and_bring_back_its_cookies() {
        let base = upstream().await;
        let app = super::router(&base).expect("router");
        let req = Request::builder()
            .method("POST")
            .uri("/v1/client/sign_ins?_clerk_session_id=sess_1")
            .header(header::HOST, "app.test:3000")
            .header(header::COOKIE, "__client=c0")
            .header(header::ORIGIN, "http://app.test:3000")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from("identifier=ada%40example.com"))
            .expect("request");
        let res = app.oneshot(req).await.expect("infallible");
        assert_eq!(res.status(), StatusCode::CREATED);
        let cookies: Vec<_> = res.headers().get_all(header::SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).collect();
        assert_eq!(cookies, ["__client=c1; Path=/; HttpOnly", "__session=s1; Path=/"]);
        let body: serde_json::Value = serde_json::from_slice(&res.into_body().collect().await.expect("body").to_bytes()).expect("json");
        assert_eq!(body["method"], "POST");
        assert_eq!(body["uri"], "/v1/client/sign_ins?_clerk_session_id=sess_1");
        assert_eq!(body["cookie"], "__client=c0");
        assert_eq!(body["origin"], "http://app.test:3000");
        assert_eq!(body["host"], base.trim_start_matches("http://"), "the server sees its own host");
        assert_eq!(body["body"], "identifier=ada%40example.com");
    }

    #[tokio::test]
    async fn the_callers_address_is_appended_to_x_forwarded_for_and_its_forwarded_is_dropped() {
        let base = upstream().await;
        // The pass-through served as `main` serves it, called over TCP from 127.0.0.1.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let app = listener.local_addr().expect("address");
        let router = super::router(&base).expect("router");
        tokio::spawn(async move { crate::serve(listener, router).await });
        let res = reqwest::Client::new()
            .get(format!("http://{app}/v1/client"))
            .header("x-forwarded-for", "203.0.113.7, 198.51.100.2")
            .header("x-forwarded-for", "192.0.2.9")
            .header("forwarded", "for=203.0.113.66")
            .send()
            .await
            .expect("the pass-through answers");
        assert_eq!(res.status(), StatusCode::CREATED);
        let body: serde_json::Value = serde_json::from_slice(&res.bytes().await.expect("body")).expect("json");
        assert_eq!(body["x_forwarded_for"], "203.0.113.7, 198.51.100.2, 192.0.2.9, 127.0.0.1", "earlier hops, then the caller");
        assert_eq!(body["forwarded"], serde_json::Value::Null, "the server would read the client's Forwarded first");
        assert_eq!(body["x_forwarded_host"], app.to_string());
        assert_eq!(body["x_forwarded_proto"], "http");

        // A caller that names no hops is the whole chain.
        let res = reqwest::Client::new().get(format!("http://{app}/v1/client")).send().await.expect("the pass-through answers");
        let body: serde_json::Value = serde_json::from_slice(&res.bytes().await.expect("body")).expect("json");
        assert_eq!(body["x_forwarded_for"], "127.0.0.1");
    }

    #[tokio::test]
    async fn without_a_known_caller_no_forwarding_claim_goes_on() {
        let base = upstream().await;
        let req = Request::builder()
            .uri("/v1/client")
            .header("x-forwarded-for", "203.0.113.7")
            .header("forwarded", "for=203.0.113.7")
            .body(Body::empty())
            .expect("request");
        let res = super::router(&base).expect("router").oneshot(req).await.expect("infallible");
        let body: serde_json::Value = serde_json::from_slice(&res.into_body().collect().await.expect("body").to_bytes()).expect("json");
        assert_eq!(body["x_forwarded_for"], serde_json::Value::Null);
        assert_eq!(body["forwarded"], serde_json::Value::Null);
    }

    #[tokio::test]
    async fn an_unreachable_server_is_a_502_in_the_error_envelope() {
        let closed = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
            format!("http://{}", listener.local_addr().expect("address"))
        };
        let res = super::router(&closed)
            .expect("router")
            .oneshot(Request::builder().uri("/v1/client").body(Body::empty()).expect("request"))
            .await
            .expect("infallible");
        assert_eq!(res.status(), StatusCode::BAD_GATEWAY);
        let body: serde_json::Value = serde_json::from_slice(&res.into_body().collect().await.expect("body").to_bytes()).expect("json");
        assert_eq!(body["errors"][0]["code"], "upstream_unavailable");
    }

    #[tokio::test]
    async fn sign_in_is_the_portals() {
        let res = super::router("http://accounts.test")
            .expect("router")
            .oneshot(Request::builder().uri("/sign-in?redirect_url=x").body(Body::empty()).expect("request"))
            .await
            .expect("infallible");
        assert_eq!(res.status(), StatusCode::TEMPORARY_REDIRECT);
        assert_eq!(res.headers()[header::LOCATION], "http://accounts.test/sign-in?redirect_url=x");
    }
}
