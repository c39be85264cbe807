//! What `@clerk/clerk-js` needs of the wire beyond the routes themselves,
//! over a real socket: CORS for allowed origins only, the dev-browser
//! token (`POST /v1/dev_browser`, `__clerk_db_jwt`,
//! `dev_browser_unauthenticated`), `PATCH /v1/environment`, a client made
//! by the first `GET /v1/client`, the SDK's extra parameters, and the
//! session-token keys of the Backend API.

mod common;

use common::*;
use reqwest::header::HeaderMap;
use serde_json::Value;

/// The extra origin the tests allow (an application on another port).
const APP: &str = "http://127.0.0.1:3000";
/// An origin nobody allowed.
const OTHER: &str = "http://127.0.0.1:4000";
/// The query parameters clerk-js adds to every call.
const SDK_QUERY: &str = "__clerk_api_version=2026-08-20&_clerk_js_version=6.40.0";

struct Wire {
    app: TestApp,
    base: String,
    http: reqwest::Client,
}

async fn wire(tweak: impl FnOnce(&mut vestibule_server::Config)) -> Wire {
    let app = TestApp::with_config(|c| {
        c.instance.allowed_origins = vec![APP.to_string()];
        tweak(c);
    })
    .await;
    let addr = serve_local(app.router.clone()).await;
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    Wire { app, base: format!("http://{addr}"), http }
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

async fn json(res: reqwest::Response) -> (u16, HeaderMap, Value) {
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let bytes = res.bytes().await.unwrap_or_default();
    let body = serde_json::from_slice::<Value>(&bytes).unwrap_or(Value::Null);
    (status, headers, body)
}

#[tokio::test]
async fn cors_is_granted_to_allowed_origins_only() {
    let w = wire(|_| {}).await;
    let res = w.http.get(format!("{}/v1/environment", w.base)).header("origin", APP).send().await.expect("get");
    let h = res.headers();
    assert_eq!(header(h, "access-control-allow-origin"), Some(APP));
    assert_eq!(header(h, "access-control-allow-credentials"), Some("true"));
    assert_eq!(header(h, "access-control-expose-headers"), Some("Clerk-Db-Jwt, Retry-After"));
    assert!(header(h, "vary").is_some_and(|v| v.contains("Origin")));

    // The public URL's own origin is allowed too.
    let res = w.http.get(format!("{}/v1/environment", w.base)).header("origin", ORIGIN).send().await.expect("get");
    assert_eq!(header(res.headers(), "access-control-allow-origin"), Some(ORIGIN));

    for denied in [OTHER, "null", "http://127.0.0.1:3000.evil.test", "https://127.0.0.1:3000"] {
        let res = w.http.get(format!("{}/v1/environment", w.base)).header("origin", denied).send().await.expect("get");
        assert_eq!(res.status().as_u16(), 200, "a GET still answers");
        assert_eq!(header(res.headers(), "access-control-allow-origin"), None, "no grant for {denied}");
        assert_eq!(header(res.headers(), "access-control-allow-credentials"), None);
        assert!(header(res.headers(), "vary").is_some_and(|v| v.contains("Origin")));
    }

    // A state-changing call from a denied origin is refused, without a grant.
    let res = w.http.post(format!("{}/v1/client?{SDK_QUERY}", w.base)).header("origin", OTHER).send().await.expect("post");
    assert_eq!(header(res.headers(), "access-control-allow-origin"), None);
    let (status, _, body) = json(res).await;
    assert_eq!((status, body["errors"][0]["code"].as_str()), (403, Some("origin_invalid")));

    // Errors for allowed origins carry the grant, so the SDK can read them.
    let res = w.http.get(format!("{}/v1/no/such/route", w.base)).header("origin", APP).send().await.expect("get");
    assert_eq!(header(res.headers(), "access-control-allow-origin"), Some(APP));
    let (status, _, body) = json(res).await;
    assert_eq!((status, body["errors"][0]["code"].as_str()), (404, Some("resource_not_found")));

    // No grant outside the Frontend API.
    let res = w.http.get(format!("{}/.well-known/jwks.json", w.base)).header("origin", APP).send().await.expect("get");
    assert_eq!(header(res.headers(), "access-control-allow-origin"), None);
}

#[tokio::test]
async fn preflights_are_answered_for_allowed_origins_only() {
    let w = wire(|_| {}).await;
    let preflight = |origin: &'static str| {
        w.http
            .request(reqwest::Method::OPTIONS, format!("{}/v1/client/sign_ins", w.base))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
    };
    let res = preflight(APP).await.expect("preflight");
    assert_eq!(res.status().as_u16(), 204);
    assert_eq!(header(res.headers(), "access-control-allow-origin"), Some(APP));
    assert!(header(res.headers(), "access-control-allow-methods").is_some_and(|m| m.contains("POST")));
    assert!(header(res.headers(), "access-control-allow-headers").is_some_and(|m| m.contains("Content-Type")));
    let res = preflight(OTHER).await.expect("preflight");
    assert_eq!(header(res.headers(), "access-control-allow-origin"), None);
    assert!(res.status().is_client_error(), "a denied preflight fails: {}", res.status());
}

#[tokio::test]
async fn environment_answers_the_sdks_patch() {
    let w = wire(|_| {}).await;
    let (_, _, got) = json(w.http.get(format!("{}/v1/environment?{SDK_QUERY}", w.base)).send().await.expect("get")).await;
    let res = w
        .http
        .post(format!("{}/v1/environment?{SDK_QUERY}&_method=PATCH", w.base))
        .header("origin", APP)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("")
        .send()
        .await
        .expect("patch");
    let (status, _, patched) = json(res).await;
    assert_eq!(status, 200);
    assert_eq!(patched, got, "PATCH answers the environment unchanged");
    assert_eq!(patched["object"], "environment", "{patched}");
    assert!(patched["user_settings"]["attributes"]["email_address"].is_object(), "{patched}");
}

#[tokio::test]
async fn the_first_get_of_the_client_makes_one_with_its_cookie() {
    let w = wire(|_| {}).await;
    let res = w.http.get(format!("{}/v1/client?{SDK_QUERY}", w.base)).header("origin", APP).send().await.expect("get");
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("__client="))
        .map(str::to_string)
        .expect("a __client cookie");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    let (status, _, body) = json(res).await;
    assert_eq!(status, 200);
    let id = body["response"]["id"].as_str().expect("a client id").to_string();
    assert!(id.starts_with("client_"));
    assert_eq!(body["response"]["sessions"], serde_json::json!([]));
    assert!(body["client"].is_null());
    let pair = cookie.split(';').next().expect("name=value").to_string();
    let (_, _, again) = json(w.http.get(format!("{}/v1/client", w.base)).header("cookie", pair).send().await.expect("get")).await;
    assert_eq!(again["response"]["id"].as_str(), Some(id.as_str()), "the cookie names the same client");
}

#[tokio::test]
async fn the_dev_browser_token_names_the_client() {
    let w = wire(|_| {}).await;
    // As clerk-js asks: POST, no body, no credentials.
    let (status, _, body) =
        json(w.http.post(format!("{}/v1/dev_browser?{SDK_QUERY}", w.base)).header("origin", APP).send().await.expect("post")).await;
    assert_eq!(status, 200);
    let token = body["id"].as_str().expect("the token is the id").to_string();
    assert_eq!(body["token"].as_str(), Some(token.as_str()));

    let client_with = |token: String, cookie: Option<String>| {
        let mut req = w.http.get(format!("{}/v1/client?{SDK_QUERY}&__clerk_db_jwt={token}", w.base)).header("origin", APP);
        if let Some(c) = cookie {
            req = req.header("cookie", c);
        }
        req.send()
    };
    let (status, headers, first) = json(client_with(token.clone(), None).await.expect("get")).await;
    assert_eq!(status, 200);
    assert!(headers.get_all("set-cookie").iter().all(|c| !c.to_str().unwrap_or("").starts_with("__client=")), "no cookie in dev-browser mode");
    let id = first["response"]["id"].as_str().expect("client id").to_string();

    // The token wins over a __client cookie of another client on this host.
    let other = w.app.sign_up("cookie-owner@example.com", PASSWORD).await;
    let cookie = format!("__client={}", other.jar.token().expect("token"));
    let (_, _, body) = json(client_with(token.clone(), Some(cookie)).await.expect("get")).await;
    assert_eq!(body["response"]["id"].as_str(), Some(id.as_str()));
    assert_eq!(body["response"]["sessions"], serde_json::json!([]));

    // An unknown token: 401 dev_browser_unauthenticated, so the SDK asks anew.
    let (status, _, body) = json(client_with("dvb_unknown".into(), None).await.expect("get")).await;
    assert_eq!((status, body["errors"][0]["code"].as_str()), (401, Some("dev_browser_unauthenticated")));
    let res = w
        .http
        .post(format!("{}/v1/client/sign_ins?__clerk_db_jwt=dvb_unknown", w.base))
        .header("origin", APP)
        .form(&[("identifier", "a@example.com")])
        .send()
        .await
        .expect("post");
    let (status, _, body) = json(res).await;
    assert_eq!((status, body["errors"][0]["code"].as_str()), (401, Some("dev_browser_unauthenticated")));
}

#[tokio::test]
async fn production_instances_have_no_dev_browser() {
    let w = wire(|c| {
        c.instance.instance_type = vestibule_server::settings::InstanceType::Production;
        c.email.chosen_sender = Some(vestibule_server::config::EmailSender::Outbox);
    })
    .await;
    let (status, _, body) =
        json(w.http.post(format!("{}/v1/dev_browser", w.base)).header("origin", APP).send().await.expect("post")).await;
    assert_eq!((status, body["errors"][0]["code"].as_str()), (404, Some("resource_not_found")));
    // The parameter is ignored: a fresh client with its cookie, not a 401.
    let res = w.http.get(format!("{}/v1/client?__clerk_db_jwt=anything", w.base)).send().await.expect("get");
    assert_eq!(res.status().as_u16(), 200);
}

#[tokio::test]
async fn the_sdks_extra_parameters_are_tolerated() {
    let w = wire(|_| {}).await;
    w.app.create_user("extra@example.com", Some(PASSWORD)).await;
    let res = w
        .http
        .post(format!(
            "{}/v1/client/sign_ins?{SDK_QUERY}&_clerk_retry_attempt=1&rotating_token_nonce=abc&_clerk_session_id=",
            w.base
        ))
        .header("origin", APP)
        .form(&[
            ("identifier", "extra@example.com"),
            ("password", PASSWORD),
            ("strategy", "password"),
            ("locale", "en-GB"),
            ("timezone", "Europe/London"),
            ("captcha_token", ""),
        ])
        .send()
        .await
        .expect("post");
    let (status, _, body) = json(res).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["response"]["status"], "complete");
}

#[tokio::test]
async fn bad_sdk_input_gets_an_error_envelope() {
    let w = wire(|_| {}).await;
    for path in [
        "/v1/client?__clerk_db_jwt=%FF%FE",
        "/v1/client?__clerk_db_jwt=a&__clerk_db_jwt=b&x=%",
    ] {
        let (status, _, body) = json(w.http.get(format!("{}{path}", w.base)).send().await.expect("get")).await;
        assert!((400..500).contains(&status), "{path}: {status}");
        assert!(body["errors"][0]["code"].is_string(), "{path}: {body}");
    }
    let res = w
        .http
        .post(format!("{}/v1/environment?_method=PATCH", w.base))
        .header("origin", APP)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(vec![b'a'; 70 * 1024])
        .send()
        .await
        .expect("post");
    let (status, _, body) = json(res).await;
    assert_eq!((status, body["errors"][0]["code"].as_str()), (413, Some("request_invalid")));
}

#[tokio::test]
async fn the_backend_api_hands_out_the_token_keys() {
    let w = wire(|_| {}).await;
    let get = |path: &str, key: Option<&str>| {
        let mut req = w.http.get(format!("{}/backend/v1{path}", w.base));
        if let Some(k) = key {
            req = req.bearer_auth(k);
        }
        req.send()
    };
    let key = w.app.secret_key.clone();
    let (status, _, jwks) = json(get("/jwks", Some(&key)).await.expect("jwks")).await;
    assert_eq!(status, 200);
    assert_eq!(jwks["keys"][0]["kid"].as_str(), Some(w.app.state.signer().kid()));
    let res = get("/jwt_public_key", Some(&key)).await.expect("pem");
    assert_eq!(res.status().as_u16(), 200);
    let pem = res.text().await.expect("text");
    assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----"), "{pem}");
    for path in ["/jwks", "/jwt_public_key"] {
        let (status, _, body) = json(get(path, Some("sk_test_wrong")).await.expect("get")).await;
        assert_eq!((status, body["errors"][0]["code"].as_str()), (401, Some("authentication_invalid")), "{path}");
        let (status, _, _) = json(get(path, None).await.expect("get")).await;
        assert_eq!(status, 401, "{path}");
    }
}
