//! Bad input (`security.md`, "Durability and bad input"): every route of
//! the Frontend API and the Backend API answers malformed input with a 4xx
//! and the error envelope, never a 5xx.
//!
//! One table lists every route; a guard reads the routes from the served
//! OpenAPI documents so that a route added without a row here fails this
//! test.

mod common;

use axum::http::Method;
use common::*;
use std::collections::{BTreeSet, HashMap};

/// What a route reads from its body.
#[derive(Clone, Copy)]
struct BodySpec {
    /// A string parameter it reads.
    field: &'static str,
    /// Whether an empty body is an error.
    required: bool,
    /// A body that gets past parameter checks (used with unknown ids).
    valid: &'static str,
}

struct Route {
    method: Method,
    /// With placeholders: {session}, {sign_in}, {sign_up}, {org}, {invitation}, {user}, {template}, {phone}.
    path: &'static str,
    body: Option<BodySpec>,
    /// Whether the route parses the query string (Ctx or Query).
    query: bool,
    /// Whether it ends the test's session (kept last in the table).
    destructive: bool,
}

fn route(method: Method, path: &'static str) -> Route {
    Route { method, path, body: None, query: false, destructive: false }
}

impl Route {
    fn body(mut self, field: &'static str, required: bool, valid: &'static str) -> Route {
        self.body = Some(BodySpec { field, required, valid });
        self
    }
    fn query(mut self) -> Route {
        self.query = true;
        self
    }
    fn destructive(mut self) -> Route {
        self.destructive = true;
        self
    }
    fn has_id(&self) -> bool {
        self.path.contains('{')
    }
    fn backend(&self) -> bool {
        self.path.starts_with("/backend/")
    }
}

fn routes() -> Vec<Route> {
    use Method as M;
    vec![
        // client.rs
        route(M::GET, "/v1/environment"),
        route(M::POST, "/v1/environment"),
        route(M::PATCH, "/v1/environment"),
        route(M::GET, "/v1/client").query(),
        route(M::POST, "/v1/client").query(),
        route(M::POST, "/v1/dev_browser").query(),
        route(M::GET, "/v1/client/handshake").query(),
        route(M::GET, "/v1/client/touch").query(),
        route(M::GET, "/v1/jwks"),
        route(M::GET, "/v1/openapi.json"),
        // sign_in.rs
        route(M::POST, "/v1/client/sign_ins").query().body("identifier", true, ""),
        route(M::GET, "/v1/client/sign_ins/{sign_in}").query(),
        route(M::POST, "/v1/client/sign_ins/{sign_in}/prepare_first_factor")
            .query()
            .body("strategy", true, "strategy=email_code"),
        route(M::POST, "/v1/client/sign_ins/{sign_in}/attempt_first_factor")
            .query()
            .body("strategy", true, "strategy=password&password=not-the-password-1"),
        route(M::POST, "/v1/client/sign_ins/{sign_in}/reset_password")
            .query()
            .body("password", true, "password=violet-otter-lantern-58"),
        route(M::POST, "/v1/client/sign_ins/{sign_in}/prepare_second_factor")
            .query()
            .body("strategy", true, "strategy=phone_code"),
        route(M::POST, "/v1/client/sign_ins/{sign_in}/attempt_second_factor")
            .query()
            .body("strategy", true, "strategy=totp&code=123456"),
        // sign_up.rs
        route(M::POST, "/v1/client/sign_ups").query().body("email_address", false, ""),
        route(M::GET, "/v1/client/sign_ups/{sign_up}").query(),
        route(M::PATCH, "/v1/client/sign_ups/{sign_up}").query().body("email_address", false, "first_name=Ada"),
        route(M::POST, "/v1/client/sign_ups/{sign_up}/prepare_verification")
            .query()
            .body("strategy", true, "strategy=email_code"),
        route(M::POST, "/v1/client/sign_ups/{sign_up}/attempt_verification").query().body("code", true, "code=123456"),
        // me.rs
        route(M::GET, "/v1/me").query(),
        route(M::POST, "/v1/me/change_password").query().body("new_password", true, ""),
        route(M::GET, "/v1/me/organization_memberships").query(),
        route(M::GET, "/v1/me/organization_invitations").query(),
        route(M::GET, "/v1/me/organization_suggestions").query(),
        route(M::POST, "/v1/me/organization_invitations/{invitation}/accept").query(),
        route(M::POST, "/v1/organizations").query().body("name", true, ""),
        route(M::GET, "/v1/organizations/{org}").query(),
        // mfa.rs
        route(M::POST, "/v1/me/totp").query(),
        route(M::POST, "/v1/me/totp/attempt_verification").query().body("code", true, "code=123456"),
        route(M::DELETE, "/v1/me/totp").query(),
        route(M::POST, "/v1/me/backup_codes").query(),
        // phone_numbers.rs
        route(M::POST, "/v1/me/phone_numbers").query().body("phone_number", true, ""),
        route(M::PATCH, "/v1/me/phone_numbers/{phone}").query().body("reserved_for_second_factor", false, "reserved_for_second_factor=true"),
        route(M::POST, "/v1/me/phone_numbers/{phone}/prepare_verification")
            .query()
            .body("strategy", true, "strategy=phone_code"),
        route(M::POST, "/v1/me/phone_numbers/{phone}/attempt_verification").query().body("code", true, "code=123456"),
        route(M::DELETE, "/v1/me/phone_numbers/{phone}").query(),
        // dev.rs
        route(M::GET, "/v1/dev/outbox").query(),
        // reverification.rs
        route(M::POST, "/v1/client/sessions/{session}/verify").query().body("level", true, "level=first_factor"),
        route(M::POST, "/v1/client/sessions/{session}/verify/prepare_first_factor")
            .query()
            .body("strategy", true, "strategy=email_code"),
        route(M::POST, "/v1/client/sessions/{session}/verify/attempt_first_factor")
            .query()
            .body("strategy", true, "strategy=password&password=not-the-password-1"),
        // sessions.rs (the destructive ones last)
        route(M::POST, "/v1/client/sessions/{session}/touch").query().body("active_organization_id", false, "active_organization_id="),
        route(M::POST, "/v1/client/sessions/{session}/tokens").query().body("organization_id", false, ""),
        route(M::POST, "/v1/client/sessions/{session}/tokens/{template}").query(),
        route(M::POST, "/v1/client/sessions/{session}/end").query().destructive(),
        route(M::POST, "/v1/client/sessions/{session}/remove").query().destructive(),
        route(M::DELETE, "/v1/client/sessions").query().destructive(),
        route(M::DELETE, "/v1/client").query().destructive(),
        // backend.rs
        route(M::POST, "/backend/v1/users").body("email_address", true, ""),
        route(M::GET, "/backend/v1/users").query(),
        route(M::GET, "/backend/v1/users/{user}"),
        route(M::POST, "/backend/v1/users/{user}/password/set_compromised").body("revoke_all_sessions", false, ""),
        route(M::POST, "/backend/v1/organizations").body("name", true, ""),
        route(M::POST, "/backend/v1/organizations/{org}/invitations")
            .body("email_address", true, "email_address=someone@example.com"),
        route(M::GET, "/backend/v1/instance"),
        route(M::PATCH, "/backend/v1/instance").body("application_name", false, ""),
        route(M::GET, "/backend/v1/jwks"),
        route(M::POST, "/backend/v1/signing_keys/rotate"),
        route(M::GET, "/backend/v1/jwt_public_key"),
        route(M::GET, "/backend/v1/openapi.json"),
        // app.rs
        route(M::GET, "/.well-known/jwks.json"),
        route(M::GET, "/theme.css"),
        route(M::GET, "/locale/{locale}"),
    ]
}

/// Every `(METHOD, path)` the server serves: the operations of its two
/// OpenAPI documents (which `openapi::Api` writes from the routes
/// themselves) and the routes outside the APIs.
async fn defined_routes(app: &TestApp) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for base in ["/v1", "/backend/v1"] {
        let resp = app.get(&format!("{base}/openapi.json"), &Jar::default()).await.ok("the document");
        let doc: serde_json::Value = serde_json::from_slice(&resp.body).expect("JSON");
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for verb in item.as_object().expect("path item").keys() {
                out.insert((verb.to_uppercase(), normalise(&format!("{base}{path}"))));
            }
        }
    }
    out.insert(("GET".into(), "/.well-known/jwks.json".into()));
    out.insert(("GET".into(), "/theme.css".into()));
    out.insert(("GET".into(), "/locale/{}".into()));
    out
}

/// `/a/{x}/b` → `/a/{}/b`.
fn normalise(path: &str) -> String {
    let mut out = String::new();
    let mut skipping = false;
    for c in path.chars() {
        match c {
            '{' => {
                skipping = true;
                out.push_str("{}");
            }
            '}' => skipping = false,
            _ if skipping => {}
            _ => out.push(c),
        }
    }
    out
}

#[tokio::test]
async fn the_table_lists_every_route() {
    let app = TestApp::new().await;
    let defined = defined_routes(&app).await;
    assert!(defined.len() > 30, "the route guard found too few routes: {defined:?}");
    let listed: BTreeSet<(String, String)> =
        routes().iter().map(|r| (r.method.as_str().to_string(), normalise(r.path))).collect();
    let missing: Vec<_> = defined.difference(&listed).collect();
    assert!(missing.is_empty(), "routes without a bad-input row: {missing:?}");
    let stale: Vec<_> = listed.difference(&defined).collect();
    assert!(stale.is_empty(), "rows for routes that do not exist: {stale:?}");
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Variant {
    /// `a=%ZZ&&=` as a form body.
    MalformedForm,
    /// A JSON object where a string is expected.
    WrongType,
    /// An empty body.
    Missing,
    /// A well-formed call naming an id that does not exist.
    UnknownId,
    /// A 100 KB body.
    Oversize,
    /// `identifier=%FF%FE`: percent-encoded invalid UTF-8.
    BadUtf8Form,
    /// Raw invalid UTF-8 bytes in a form body.
    RawBadUtf8Form,
    /// Raw invalid UTF-8 bytes in a JSON body.
    BadUtf8Json,
    /// Truncated JSON.
    BrokenJson,
    /// JSON that is not an object.
    JsonNotObject,
    /// `?identifier=%FF%FE` in the query string.
    BadUtf8Query,
    /// `%FF%FE` as the id in the path.
    BadUtf8PathId,
}

const VARIANTS: [Variant; 12] = [
    Variant::MalformedForm,
    Variant::WrongType,
    Variant::Missing,
    Variant::UnknownId,
    Variant::Oversize,
    Variant::BadUtf8Form,
    Variant::RawBadUtf8Form,
    Variant::BadUtf8Json,
    Variant::BrokenJson,
    Variant::JsonNotObject,
    Variant::BadUtf8Query,
    Variant::BadUtf8PathId,
];

/// What a route must answer to a variant.
#[derive(Debug, PartialEq)]
enum Expect {
    /// Exactly this 4xx status.
    Status(u16),
    /// Some 4xx.
    ClientError,
    /// Anything but a 5xx (the input is legitimately acceptable).
    NotServerError,
    /// The variant does not apply.
    Skip,
}

fn expectation(r: &Route, v: Variant) -> Expect {
    use Expect::*;
    use Variant::*;
    let body = r.body;
    match v {
        MalformedForm => match body {
            Some(b) if b.required => ClientError,
            _ => NotServerError,
        },
        WrongType => if body.is_some() { Status(422) } else { NotServerError },
        Missing => match body {
            Some(b) if b.required => Status(422),
            _ => NotServerError,
        },
        UnknownId | BadUtf8PathId => if r.has_id() { ClientError } else { Skip },
        Oversize => Status(413),
        BadUtf8Form | RawBadUtf8Form | BadUtf8Json | BrokenJson | JsonNotObject => {
            if body.is_some() { Status(400) } else { NotServerError }
        }
        BadUtf8Query => if r.query { Status(400) } else { NotServerError },
    }
}

/// The ids the test's user really has.
struct Ids(HashMap<&'static str, String>);

impl Ids {
    fn fill(&self, path: &str, v: Variant) -> String {
        let mut out = path.to_string();
        for (name, real) in &self.0 {
            let placeholder = format!("{{{name}}}");
            let value = match v {
                Variant::UnknownId => format!("{}_00000000000000000000000000000000ff", prefix(name)),
                Variant::BadUtf8PathId => "%FF%FE".to_string(),
                _ => real.clone(),
            };
            out = out.replace(&placeholder, &value);
        }
        assert!(!out.contains('{'), "unfilled placeholder in {out}");
        out
    }
}

fn prefix(name: &str) -> &'static str {
    match name {
        "session" => "sess",
        "sign_in" => "sia",
        "sign_up" => "sua",
        "org" => "org",
        "invitation" => "orginv",
        "user" => "user",
        "phone" => "idn",
        _ => "x",
    }
}

const EMAIL: &str = "bad-input@example.com";

/// Signs the test's client in again when a destructive call ended its session.
async fn ensure_session(app: &TestApp, token: &mut String, ids: &mut Ids) {
    let jar = Jar::with_token(token);
    let client = app.get("/v1/client", &jar).await.ok("client");
    if client.json["response"]["last_active_session_id"].is_string() {
        return;
    }
    // The `/me/backup_codes` row gave the user a second factor; drop it so
    // the password alone signs in again.
    app.db_execute("DELETE FROM backup_codes").await;
    let sid = app.sign_in_ok(&jar, EMAIL, PASSWORD).await;
    ids.0.insert("session", sid);
    // Signing in gave the client a new token.
    *token = jar.token().expect("client cookie");
}

#[tokio::test]
async fn every_route_answers_bad_input_with_a_4xx_envelope() {
    let app = TestApp::with_config(|c| c.sign_in_attempts_per_ip_per_minute = 1_000_000).await;
    app.create_user(EMAIL, Some(PASSWORD)).await;
    let victim = app.create_user("victim@example.com", None).await;

    // One browser with a sign-in waiting for its password, a sign-up waiting
    // for its code, a session, an organization and an invitation.
    let jar = Jar::new();
    let r = app.post("/v1/client/sign_ins", &[("identifier", EMAIL)], &jar).await.ok("sign-in");
    let sign_in = r.json["response"]["id"].as_str().expect("sia").to_string();
    let r = app.post("/v1/client/sign_ups", &[("email_address", "someone-new@example.com")], &jar).await.ok("sign-up");
    let sign_up = r.json["response"]["id"].as_str().expect("sua").to_string();
    let session = app.sign_in_ok(&jar, EMAIL, PASSWORD).await;
    let r = app.post("/v1/organizations", &[("name", "Bad Input"), ("slug", "bad-input")], &jar).await.ok("org");
    let org = r.json["response"]["id"].as_str().expect("org").to_string();
    let other_org = app.backend_org("Inviting", "inviting", None).await;
    let r = app
        .backend(Method::POST, &format!("/organizations/{other_org}/invitations"), &[("email_address", EMAIL)])
        .await
        .ok("invite");
    let invitation = r.json["id"].as_str().expect("inv").to_string();
    app.patch_instance(&[("phone_code_enabled", "true")]).await;
    let r = app.post("/v1/me/phone_numbers", &[("phone_number", "+1 555 010 0999")], &jar).await.ok("phone");
    let phone = r.json["response"]["id"].as_str().expect("phone id").to_string();
    let mut token = jar.token().expect("client cookie");

    let mut ids = Ids(HashMap::from([
        ("session", session),
        ("sign_in", sign_in),
        ("sign_up", sign_up),
        ("org", org),
        ("invitation", invitation),
        ("user", victim),
        ("template", "supabase".to_string()),
        ("phone", phone),
        ("locale", "fr.json".to_string()),
    ]));

    let big = format!("identifier={}", "a".repeat(100 * 1024));
    let mut failures = Vec::new();
    let mut checked = 0;
    for r in routes() {
        // Each route starts with a live session; the destructive ones end it
        // on their first variant, and their later variants (which read
        // nothing but the path and query) run signed out.
        ensure_session(&app, &mut token, &mut ids).await;
        for v in VARIANTS {
            let expect = expectation(&r, v);
            if expect == Expect::Skip {
                continue;
            }
            let field = r.body.map(|b| b.field).unwrap_or("identifier");
            let mut path = ids.fill(r.path, v);
            if v == Variant::BadUtf8Query {
                path.push_str(if path.contains('?') { "&" } else { "?" });
                path.push_str("identifier=%FF%FE");
            }
            let jar = Jar::with_token(&token);
            let mut call = app.call(r.method.clone(), &path).jar(&jar);
            if r.backend() {
                call = call.bearer(&app.secret_key);
            }
            const FORM: &str = "application/x-www-form-urlencoded";
            const JSON: &str = "application/json";
            call = match v {
                Variant::MalformedForm => call.raw(FORM, "a=%ZZ&&="),
                Variant::WrongType => call.json(&serde_json::json!({ field: { "nested": true } })),
                Variant::Missing => call.raw(FORM, ""),
                Variant::UnknownId | Variant::BadUtf8PathId => {
                    call.raw(FORM, r.body.map(|b| b.valid).unwrap_or(""))
                }
                Variant::Oversize => call.raw(FORM, big.clone()),
                Variant::BadUtf8Form => call.raw(FORM, "identifier=%FF%FE"),
                Variant::RawBadUtf8Form => call.raw(FORM, b"identifier=\xFF\xFE".to_vec()),
                Variant::BadUtf8Json => call.raw(JSON, b"{\"identifier\":\"\xFF\xFE\"}".to_vec()),
                Variant::BrokenJson => call.raw(JSON, "{\"identifier\": "),
                Variant::JsonNotObject => call.raw(JSON, "[\"identifier\"]"),
                Variant::BadUtf8Query => call.raw(FORM, ""),
            };
            let resp = call.send().await;
            checked += 1;
            let what = format!("{} {} [{v:?}]", r.method, r.path);
            let status = resp.status.as_u16();
            if status >= 500 {
                failures.push(format!("{what}: {status} {}", resp.text()));
            } else if resp.status.is_client_error() {
                let envelope: Result<vestibule_protocol::ErrorEnvelope, _> = serde_json::from_slice(&resp.body);
                match envelope {
                    Ok(e) if !e.errors.is_empty() && !e.errors[0].code.is_empty() => {}
                    _ => failures.push(format!("{what}: {status} without the error envelope: {:?}", resp.text())),
                }
                if let Expect::Status(want) = expect {
                    if status != want {
                        failures.push(format!("{what}: expected {want}, got {status} {}", resp.text()));
                    }
                }
            } else {
                let redirect_ok = resp.status.is_redirection() && ["/v1/client/handshake", "/v1/client/touch"].contains(&r.path);
                let success_ok = resp.status.is_success() && expect == Expect::NotServerError;
                if !(redirect_ok || success_ok) {
                    failures.push(format!("{what}: expected a 4xx ({expect:?}), got {status} {}", resp.text()));
                }
                if resp.status.is_redirection() {
                    assert_eq!(resp.header("location"), Some("/"), "{what}");
                }
            }
        }
        if !r.destructive {
            let client = app.get("/v1/client", &Jar::with_token(&token)).await;
            if !client.json["response"]["last_active_session_id"].is_string() {
                failures.push(format!("{} {}: bad input ended the session", r.method, r.path));
            }
        }
    }
    assert!(checked > 300, "only {checked} calls were checked");

    // Paths and verbs that match no route get the envelope too.
    let jar = Jar::with_token(&token);
    for (method, path, status) in [
        (Method::GET, "/v1/no/such/route", 404),
        (Method::POST, "/v1/no/such/route", 404),
        (Method::GET, "/backend/v1/nothing", 401),
        (Method::PUT, "/v1/client", 405),
        (Method::GET, "/v1/client/sign_ins", 405),
    ] {
        let resp = app.call(method.clone(), path).jar(&jar).bearer(&app.secret_key).raw("text/plain", "x").send().await;
        if resp.status.as_u16() != status {
            // `/backend/v1/nothing` with the key is a 404; without it 401.
            if !(path.starts_with("/backend") && resp.status.as_u16() == 404) {
                failures.push(format!("{method} {path}: expected {status}, got {} {}", resp.status, resp.text()));
            }
        }
        if serde_json::from_slice::<vestibule_protocol::ErrorEnvelope>(&resp.body).is_err() {
            failures.push(format!("{method} {path}: no envelope: {:?}", resp.text()));
        }
    }

    // Bad pagination is a 422, not a 500.
    for q in ["limit=0", "limit=101", "limit=abc", "offset=-1", "offset=9223372036854775808", "limit=1&limit=2", "status=weird"] {
        let path = format!("/v1/me/organization_invitations?{q}");
        let resp = app.get(&path, &jar).await;
        if resp.status.as_u16() != 422 || serde_json::from_slice::<vestibule_protocol::ErrorEnvelope>(&resp.body).is_err() {
            failures.push(format!("GET {path}: expected a 422 envelope, got {} {}", resp.status, resp.text()));
        }
    }

    assert!(failures.is_empty(), "{} bad answers:\n{}", failures.len(), failures.join("\n"));
}
