//! `Ctx`: who is calling the Frontend API (their client, by cookie or
//! dev-browser token; their origin and IP), and how an answer goes back
//! (the envelope with the whole client, and the cookies to set).
//!
//! Session fixation: the `__client` token is replaced whenever a session is
//! created ([`Ctx::rotate_client_token`]), so a token known before sign-in
//! (one a sibling host planted) is worth nothing after it. A request that
//! carries several `__client` cookies naming different live clients is
//! ambiguous: it acts for none of them, and the answer expires the cookie on
//! this host and on each parent domain where a sibling could have set one.

use crate::cookies;
use crate::error::{ApiError, ApiResult};
use vestibule_protocol::SessionState;
use crate::state::AppState;
use crate::store::{self, clients::ClientRow, sessions::SessionRow, users::UserRow};
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use vestibule_protocol::wire::Envelope;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// Name of the cookie that identifies a browser's client.
pub const CLIENT_COOKIE: &str = "__client";
/// Name of the cookie holding the session token.
pub const SESSION_COOKIE: &str = "__session";
/// Name of the cookie telling applications when the client's active
/// session last changed (seconds since the epoch; `0` when signed out), so
/// their middleware knows a missing or expired `__session` can be renewed
/// through the handshake.
pub const CLIENT_UAT_COOKIE: &str = "__client_uat";

/// A live (active or pending) session of the caller's client: the row, its
/// user, and its state under the session rule.
#[derive(Clone, Debug)]
pub struct LiveSession {
    /// The session row.
    pub session: SessionRow,
    /// Its user.
    pub user: UserRow,
    /// Its status and tasks.
    pub state: SessionState,
}

/// The caller of a Frontend API route.
pub struct Ctx {
    /// Shared state.
    pub state: AppState,
    /// The caller's client, if it has one.
    pub client: Option<ClientRow>,
    /// The `Origin` header, when allowed.
    pub origin: Option<String>,
    /// The caller's IP.
    pub ip: IpAddr,
    /// `_clerk_session_id`, when given.
    pub session_hint: Option<String>,
    had_session_cookie: bool,
    /// Whether the client came from a `__client` cookie (not a dev-browser token).
    by_cookie: bool,
    /// The cookie value or dev-browser token that named the client.
    client_token: Option<String>,
    cookies: std::sync::Mutex<Vec<String>>,
}

/// The client named by the `__client` cookies: the one live client among
/// them, `None` when there is none, and `Err(())` when several name
/// different live clients.
async fn client_by_cookies(state: &AppState, tokens: &[String]) -> ApiResult<Result<Option<(ClientRow, String)>, ()>> {
    let mut found: Option<(ClientRow, String)> = None;
    for t in tokens {
        if let Some(c) = store::clients::by_token_hash(&state.pool, &crate::ids::token_hash(t)).await? {
            if found.as_ref().is_some_and(|(f, _)| f.id != c.id) {
                return Ok(Err(()));
            }
            found = Some((c, t.clone()));
        }
    }
    Ok(Ok(found))
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Ctx, ApiError> {
        let query = crate::input::Fields::from_urlencoded(parts.uri.query().unwrap_or_default().as_bytes())?;
        // A dev-browser token names the SDK's client explicitly, so on a
        // development instance it wins over a `__client` cookie that the
        // browser may hold for this host from another page.
        let dev_browser = match state.settings().is_development() {
            true => query.opt("__clerk_db_jwt")?.filter(|t| !t.is_empty()),
            false => None,
        };
        let mut ambiguous = false;
        let named = match dev_browser {
            Some(t) => store::clients::by_token_hash(&state.pool, &crate::ids::token_hash(t)).await?.map(|c| (c, t.to_string())),
            None => match client_by_cookies(state, &cookies::values(&parts.headers, CLIENT_COOKIE)).await? {
                Ok(c) => c,
                Err(()) => {
                    tracing::warn!("a request carried several __client cookies of different clients; acting for none");
                    ambiguous = true;
                    None
                }
            },
        };
        // A client whose cookie's lifetime ran out is gone, even when a
        // browser (or someone who copied the cookie) still sends it.
        let now = state.now();
        let (client, client_token) = match named.filter(|(c, _)| c.expires_at(state.client_lifetime_ms) > now) {
            Some((c, t)) => (Some(c), Some(t)),
            None => (None, None),
        };
        if dev_browser.is_some() && client.is_none() {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                vestibule_protocol::ErrorCode::DevBrowserUnauthenticated,
                "This dev-browser token is unknown. Ask for a new one.",
            ));
        }
        let policy = state.redirect_policy();
        let origin = parts
            .headers
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok())
            .filter(|o| policy.allows_origin(o))
            .map(str::to_string);
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
        let ip = state.trusted_proxies.client_ip(peer, &parts.headers);
        let mut ctx = Ctx {
            state: state.clone(),
            client,
            origin,
            ip,
            session_hint: query.opt("_clerk_session_id")?.map(str::to_string),
            had_session_cookie: !cookies::values(&parts.headers, SESSION_COOKIE).is_empty(),
            by_cookie: dev_browser.is_none(),
            client_token,
            cookies: Default::default(),
        };
        if ambiguous {
            ctx.expire_planted_client_cookies();
        }
        Ok(ctx)
    }
}

/// How long after the client's cookie was last set an answer with the
/// client sets it again for the whole lifetime (the lifetime slides): at
/// most one write per client per day.
pub const SLIDE_AFTER_MS: i64 = 24 * 3600 * 1000;

impl Ctx {
    /// The `azp` of tokens minted for this caller.
    pub fn azp(&self) -> String {
        self.origin.clone().unwrap_or_else(|| self.state.public_origin.clone())
    }

    /// The caller's client, or 401.
    pub fn client(&self) -> ApiResult<&ClientRow> {
        self.client.as_ref().ok_or_else(ApiError::unauthenticated)
    }

    /// The caller's client, created (with its cookie) when it has none.
    pub async fn ensure_client(&mut self) -> ApiResult<ClientRow> {
        if let Some(c) = &self.client {
            return Ok(c.clone());
        }
        let token = crate::ids::new_token();
        let c = self.create_client(&token).await?;
        self.set_client_cookie(&token);
        Ok(c)
    }

    /// When a cookie set at `now` expires.
    fn cookie_expiry(&self, now: i64) -> i64 {
        now + self.state.client_lifetime_ms
    }

    /// Creates a client whose token is `token`.
    pub async fn create_client(&mut self, token: &str) -> ApiResult<ClientRow> {
        let now = self.state.now();
        let expires_at = self.cookie_expiry(now);
        let c = store::clients::insert(&self.state.pool, &crate::ids::new_id("client"), &crate::ids::token_hash(token), now, expires_at).await?;
        self.client = Some(c.clone());
        Ok(c)
    }

    fn push_cookie(&self, cookie: String) {
        if let Ok(mut cookies) = self.cookies.lock() {
            cookies.push(cookie);
        }
    }

    /// Sets the host's `__client` cookie, in place of one set earlier in
    /// this request (a new client's, then a sign-in's new token); an
    /// expiry sent for a planted cookie stays.
    fn set_client_cookie(&self, token: &str) {
        let max_age = self.state.client_lifetime_ms / 1000;
        let attributes = cookies::Attributes { http_only: true, max_age, domain: None, secure: self.state.cookie_secure };
        if let Ok(mut pending) = self.cookies.lock() {
            let earlier = format!("{CLIENT_COOKIE}=");
            pending.retain(|c| !c.starts_with(&earlier) || c.contains("Domain=") || c.contains("Max-Age=0"));
            pending.push(cookies::set(CLIENT_COOKIE, token, attributes));
        }
    }

    /// Starts the lifetime of the caller's client again: the client is
    /// marked used now and, when a `__client` cookie named it, the same
    /// cookie is set again for the whole lifetime.
    pub async fn renew_client(&mut self) -> ApiResult<()> {
        let now = self.state.now();
        let expires_at = self.cookie_expiry(now);
        let Some(c) = &mut self.client else { return Ok(()) };
        store::clients::renew(&self.state.pool, &c.id, now, expires_at).await?;
        c.updated_at = now;
        c.cookie_expires_at = Some(expires_at);
        if let (true, Some(token)) = (self.by_cookie, &self.client_token) {
            self.set_client_cookie(token);
        }
        Ok(())
    }

    /// The sliding lifetime: an answer with the client [`SLIDE_AFTER_MS`]
    /// or more after its cookie was set renews it, the row and the cookie
    /// together (an error answer sets no cookie, so it renews nothing).
    /// Best effort: a database that takes no writes (a full disk) must not
    /// fail a read, so a failure leaves the cookie as it was.
    pub async fn slide_client_lifetime(&mut self) {
        let Some(c) = &self.client else { return };
        let set_at = c.expires_at(self.state.client_lifetime_ms) - self.state.client_lifetime_ms;
        if self.state.now() - set_at < SLIDE_AFTER_MS {
            return;
        }
        if let Err(error) = self.renew_client().await {
            tracing::debug!(error = %error.message, "the client's lifetime was not renewed");
        }
    }

    /// Expires the client cookie in the browser.
    pub fn clear_client_cookie(&mut self) {
        self.push_cookie(cookies::set(CLIENT_COOKIE, "", cookies::Attributes { http_only: true, max_age: 0, domain: None, secure: false }));
    }

    /// Expires `__client` on this host and on every parent domain of the
    /// public URL's host (where a sibling host could have planted one).
    fn expire_planted_client_cookies(&mut self) {
        self.clear_client_cookie();
        let host = self.state.public_origin.split("://").nth(1).unwrap_or_default().split(':').next().unwrap_or_default().to_string();
        if host.parse::<std::net::IpAddr>().is_ok() || host.starts_with('[') {
            return;
        }
        let labels: Vec<&str> = host.split('.').collect();
        for i in 0..labels.len().saturating_sub(1) {
            let domain = labels[i..].join(".");
            self.push_cookie(cookies::set(CLIENT_COOKIE, "", cookies::Attributes { http_only: true, max_age: 0, domain: Some(&domain), secure: false }));
        }
    }

    /// Gives the caller's client a new token, inside `tx` (the one that
    /// creates a session), and sets it as the cookie: the token the browser
    /// held before the session existed no longer names the client. A
    /// dev-browser client keeps its token: it is no cookie a sibling host
    /// could plant, and the SDK holding it cannot be told a new one.
    pub async fn rotate_client_token(&self, tx: &mut crate::store::db::Tx, client_id: &str) -> ApiResult<()> {
        if !self.by_cookie {
            return Ok(());
        }
        let token = crate::ids::new_token();
        let now = self.state.now();
        let expires_at = self.cookie_expiry(now);
        store::clients::set_token_hash(&mut *tx, client_id, &crate::ids::token_hash(&token), now, expires_at).await?;
        self.set_client_cookie(&token);
        Ok(())
    }

    /// Reloads the client row after a change.
    pub async fn reload_client(&mut self) -> ApiResult<()> {
        if let Some(c) = &self.client {
            self.client = store::clients::by_id(&self.state.pool, &c.id).await?;
        }
        Ok(())
    }

    /// A live (active or pending) session of this client, with its user and state.
    pub async fn live_session(&self, id: &str) -> ApiResult<LiveSession> {
        let client = self.client()?;
        let row = store::sessions::by_id(&self.state.pool, id)
            .await?
            .filter(|s| s.client_id == client.id)
            .ok_or_else(ApiError::not_found)?;
        let user = store::users::by_id(&self.state.pool, &row.user_id).await?.ok_or_else(ApiError::not_found)?;
        let state = crate::resources::state_of(&self.state, &self.state.settings(), &row, &user);
        if !state.status.is_live() {
            return Err(ApiError::unauthenticated().with_session(id));
        }
        Ok(LiveSession { session: row, user, state })
    }

    /// The session `/me` routes act for: `_clerk_session_id`, or the last active one.
    pub async fn current_session(&self) -> ApiResult<LiveSession> {
        let client = self.client()?;
        let id = self
            .session_hint
            .clone()
            .or_else(|| client.last_active_session_id.clone())
            .ok_or_else(ApiError::unauthenticated)?;
        self.live_session(&id).await
    }

    /// The user of the session `/me` routes act for.
    pub async fn current_user(&self) -> ApiResult<UserRow> {
        Ok(self.current_session().await?.user)
    }

    /// `{"response": resource, "client": <whole client>}` with the cookies.
    pub async fn reply<T: Serialize>(mut self, status: StatusCode, resource: T) -> ApiResult<Response> {
        // After the reload: a cookie this request set already (a new token)
        // is not set again.
        self.reload_client().await?;
        self.slide_client_lifetime().await;
        let client = match &self.client {
            Some(c) => Some(crate::resources::client(&self.state, c, &self.azp()).await?),
            None => None,
        };
        self.session_cookie_for(client.as_ref());
        Ok(self.finish(status, Envelope { response: resource, client }))
    }

    /// A bare JSON answer (no envelope) with the cookies.
    pub fn reply_bare<T: Serialize>(self, status: StatusCode, body: T) -> Response {
        self.finish(status, body)
    }

    /// Sets `__session` to the last active session's token of `client`, or
    /// clears it when there is none.
    pub fn session_cookie_for(&mut self, client: Option<&vestibule_protocol::wire::ClientJson>) {
        let jwt = client
            .and_then(|c| c.last_active_session())
            .and_then(|s| s.last_active_token.as_ref())
            .map(|t| t.jwt.clone());
        self.session_cookie(jwt);
    }

    /// Sets (or clears) the `__session` cookie, and `__client_uat` with it:
    /// the token's `iat` when one is set (never later than the token, so
    /// the application's middleware does not take it for a stale one), `0`
    /// when none is. The token cookie lives as long as the token.
    pub fn session_cookie(&mut self, jwt: Option<String>) {
        let domain = self.state.cookie_domain.clone();
        let shared = |max_age| cookies::Attributes { http_only: false, max_age, domain: domain.as_deref(), secure: self.state.cookie_secure };
        let now_s = self.state.now() / 1000;
        let uat = match jwt {
            Some(jwt) => {
                let (iat, exp) = token_times(&jwt).unwrap_or((now_s, now_s + self.state.settings().session_token_ttl_seconds as i64));
                let max_age = (exp - now_s).max(1);
                self.push_cookie(cookies::set(SESSION_COOKIE, &jwt, shared(max_age)));
                iat.min(now_s)
            }
            None => {
                if self.had_session_cookie {
                    self.push_cookie(cookies::set(SESSION_COOKIE, "", shared(0)));
                }
                0
            }
        };
        let max_age = self.state.client_lifetime_ms / 1000;
        self.push_cookie(cookies::set(CLIENT_UAT_COOKIE, &uat.to_string(), shared(max_age)));
    }

    /// Turns a body into a response carrying the pending cookies.
    pub fn finish<T: Serialize>(self, status: StatusCode, body: T) -> Response {
        self.with_cookies((status, Json(body)).into_response())
    }

    /// An error answer that still carries the pending cookies (a client
    /// made by this call must reach the browser even when the call fails).
    pub fn fail(self, error: ApiError) -> Response {
        self.with_cookies(error.into_response())
    }

    /// Turns a redirect into a response carrying the pending cookies.
    pub fn redirect(self, to: &str) -> Response {
        let mut res = StatusCode::FOUND.into_response();
        if let Ok(v) = HeaderValue::from_str(to) {
            res.headers_mut().insert(header::LOCATION, v);
        }
        self.with_cookies(res)
    }

    fn with_cookies(self, mut res: Response) -> Response {
        let cookies = self.cookies.into_inner().unwrap_or_default();
        for c in cookies {
            if let Ok(v) = HeaderValue::from_str(&c) {
                res.headers_mut().append(header::SET_COOKIE, v);
            }
        }
        res
    }
}

/// The `iat` and `exp` of a session token the server minted.
fn token_times(jwt: &str) -> Option<(i64, i64)> {
    use base64::Engine;
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    Some((claims["iat"].as_i64()?, claims["exp"].as_i64()?))
}
