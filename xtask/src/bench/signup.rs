//! Puts one client into the state the cold-load measurement needs: a user
//! signed up and verified over the Frontend API, leaving a pending session
//! whose next task is choose-organization. Returns the `__client` cookie
//! that identifies that client to the browser and to the load test. Later,
//! [`activate`] finishes the task (an organization of its own) and mints
//! the session token the example application's load test sends.

use std::sync::Arc;
use std::time::Duration;

use reqwest::cookie::{CookieStore, Jar};
use serde_json::Value;

use crate::Result;
use vestibule_protocol::Strategy;

/// The bench user.
pub const EMAIL: &str = "bench@example.com";
/// Strong enough for the server's password rules.
pub const PASSWORD: &str = "Vestibule-bench-2026!";
/// The client cookie's name.
const CLIENT_COOKIE: &str = "__client";

/// Signs up and verifies [`EMAIL`]; returns the `__client` cookie value.
pub async fn pending_session(base: &str) -> Result<String> {
    let jar = Arc::new(Jar::default());
    let mut api = Api::new(base, Arc::clone(&jar))?;

    let sign_up = api
        .post(
            "/v1/client/sign_ups",
            &[("email_address", EMAIL), ("password", PASSWORD)],
        )
        .await?;
    let id = sign_up["response"]["id"]
        .as_str()
        .ok_or_else(|| format!("sign-up response has no response.id: {sign_up}"))?
        .to_owned();
    api.post(
        &format!("/v1/client/sign_ups/{id}/prepare_verification"),
        &[("strategy", Strategy::EmailCode.as_str())],
    )
    .await?;
    let outbox = api.get("/v1/dev/outbox").await?;
    let code = newest_code(&outbox, EMAIL)
        .ok_or_else(|| format!("no verification code for {EMAIL} in the outbox: {outbox}"))?;
    let verified = api
        .post(
            &format!("/v1/client/sign_ups/{id}/attempt_verification"),
            &[("strategy", Strategy::EmailCode.as_str()), ("code", &code)],
        )
        .await?;
    let status = verified["response"]["status"].as_str().unwrap_or("?");
    eprintln!("bench: sign-up {id} verified (status {status})");

    let url = reqwest::Url::parse(base)?;
    let from_jar = jar.cookies(&url).and_then(|header| {
        header
            .to_str()
            .ok()
            .and_then(|h| cookie_value(h, CLIENT_COOKIE))
    });
    from_jar
        .or(api.seen_cookie)
        .ok_or_else(|| format!("the server set no {CLIENT_COOKIE} cookie").into())
}

/// The client `client_cookie` (from [`pending_session`]) creates an
/// organization and makes it active, which ends the choose-organization
/// task; returns the session and a fresh token (`__session`) of it, minted
/// for the server's own origin. It lives 60 s.
pub async fn activate(base: &str, client_cookie: &str) -> Result<Activated> {
    let jar = Arc::new(Jar::default());
    jar.add_cookie_str(&format!("{CLIENT_COOKIE}={client_cookie}; Path=/"), &reqwest::Url::parse(base)?);
    let mut api = Api::new(base, jar)?;
    let client = api.get("/v1/client").await?;
    let session_id = client["response"]["last_active_session_id"]
        .as_str()
        .ok_or_else(|| format!("the bench client has no session: {client}"))?
        .to_owned();
    let org = api
        .post("/v1/organizations", &[("name", "Bench"), ("slug", "bench")])
        .await?;
    let org_id = org["response"]["id"]
        .as_str()
        .ok_or_else(|| format!("organization response has no response.id: {org}"))?
        .to_owned();
    let touched = api
        .post(
            &format!("/v1/client/sessions/{session_id}/touch"),
            &[("active_organization_id", &org_id)],
        )
        .await?;
    let status = touched["response"]["status"].as_str().unwrap_or("?");
    if status != "active" {
        return Err(format!("the bench session is {status}, not active, after choosing {org_id}").into());
    }
    let token = api
        .post(&format!("/v1/client/sessions/{session_id}/tokens"), &[])
        .await?;
    let token = token["jwt"].as_str().map(str::to_owned).ok_or_else(|| format!("token response has no jwt: {token}"))?;
    Ok(Activated { session_id, token })
}

/// An active session of the bench user.
pub struct Activated {
    /// Its id.
    pub session_id: String,
    /// A session token of it.
    pub token: String,
}

/// A Frontend API caller that keeps the client cookie.
struct Api {
    http: reqwest::Client,
    base: String,
    /// The last `__client` value seen in a Set-Cookie (in case the jar
    /// refuses it, e.g. a Secure cookie over http).
    seen_cookie: Option<String>,
}

impl Api {
    /// A caller at `base` whose cookies live in `jar`.
    fn new(base: &str, jar: Arc<Jar>) -> Result<Self> {
        Ok(Self {
            http: reqwest::Client::builder()
                .cookie_provider(jar)
                .timeout(Duration::from_secs(15))
                .build()?,
            base: base.to_owned(),
            seen_cookie: None,
        })
    }

    /// A form POST with the `Origin` header the server checks.
    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Result<Value> {
        let request = self
            .http
            .post(format!("{}{path}", self.base))
            .header(reqwest::header::ORIGIN, &self.base)
            .form(form);
        self.send("POST", path, request).await
    }

    async fn get(&mut self, path: &str) -> Result<Value> {
        let request = self.http.get(format!("{}{path}", self.base));
        self.send("GET", path, request).await
    }

    async fn send(
        &mut self,
        method: &str,
        path: &str,
        request: reqwest::RequestBuilder,
    ) -> Result<Value> {
        let response = request
            .send()
            .await
            .map_err(|e| format!("{method} {path}: {e}"))?;
        for header in response.headers().get_all(reqwest::header::SET_COOKIE) {
            if let Some(value) = header
                .to_str()
                .ok()
                .and_then(|h| cookie_value(h, CLIENT_COOKIE))
            {
                self.seen_cookie = Some(value);
            }
        }
        let status = response.status();
        let body = response.text().await?;
        if !status.is_success() {
            return Err(format!("{method} {path} answered {status}: {body}").into());
        }
        serde_json::from_str(&body)
            .map_err(|e| format!("{method} {path}: invalid JSON ({e}): {body}").into())
    }
}

/// The code of the newest outbox message to `to` (the outbox is newest first).
fn newest_code(outbox: &Value, to: &str) -> Option<String> {
    outbox["response"]["data"]
        .as_array()?
        .iter()
        .find(|message| message["to"].as_str() == Some(to))
        .and_then(|message| message["code"].as_str())
        .map(str::to_owned)
}

/// The value of cookie `name` in a `Cookie` or `Set-Cookie` header.
fn cookie_value(header: &str, name: &str) -> Option<String> {
    header.split(';').find_map(|pair| {
        let (key, value) = pair.trim().split_once('=')?;
        (key == name).then(|| value.to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::{cookie_value, newest_code};

    #[test]
    fn finds_the_client_cookie() {
        assert_eq!(
            cookie_value("a=1; __client=xyz.abc; b=2", "__client").as_deref(),
            Some("xyz.abc")
        );
        assert_eq!(
            cookie_value("__client=v; Path=/; HttpOnly; SameSite=Lax", "__client").as_deref(),
            Some("v")
        );
        assert_eq!(cookie_value("other=1", "__client"), None);
    }

    #[test]
    fn takes_the_newest_code_for_the_address() {
        let outbox = serde_json::json!({"response": {"data": [
            {"to": "someone@example.com", "code": "111111"},
            {"to": "bench@example.com", "code": "222222"},
            {"to": "bench@example.com", "code": "333333"}
        ], "total_count": 3}});
        assert_eq!(
            newest_code(&outbox, "bench@example.com").as_deref(),
            Some("222222")
        );
    }
}
