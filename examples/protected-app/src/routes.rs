//! The example application's routes and the rules the middleware runs
//! before them: the session-tasks guide's three ways of protecting an app,
//! written with `vestibule-middleware`.
//!
//! - `/dashboard(.*)` and `/forum(.*)`: `protect_routes`, i.e.
//!   `auth.protect()` (signed out to the portal's sign-in, pending to its
//!   tasks, each coming back to the exact URL asked for).
//! - `/custom(.*)`: the `isAuthenticated` version: pending users go to this
//!   app's own `/session-tasks`, signed-out ones to sign-in.
//! - `POST /api/get-teams`: `treat_pending_as_signed_out = false`, so a
//!   pending user's id is usable (201), and signed out is 401.

use crate::pages::{escape, page};
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use std::sync::Arc;
use vestibule_middleware::{create_route_matcher, with_redirect_url, Auth, ConfigError, RouteMatcher, SignedState, VestibuleConfig, VestibuleLayer};

/// What the handlers need besides the request.
#[derive(Debug)]
pub struct Portal {
    /// The portal's task resolver (`<frontend_api>/sign-in/tasks`).
    pub tasks_url: String,
    /// This app's origin, where the portal sends users back.
    pub app_origin: String,
}

/// Why the application cannot be built.
#[derive(Debug)]
pub enum BuildError {
    /// A route pattern is not a valid regular expression.
    Pattern(String),
    /// The middleware refused the configuration.
    Config(ConfigError),
    /// The HTTP client of the `/v1` pass-through could not be made.
    Client(reqwest::Error),
    /// The Yew page's `dist/` is missing or not trunk's output.
    YewPage(String),
}

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BuildError::Pattern(e) => write!(f, "route pattern: {e}"),
            BuildError::Config(e) => write!(f, "middleware configuration: {e}"),
            BuildError::Client(e) => write!(f, "HTTP client: {e}"),
            BuildError::YewPage(e) => write!(f, "Yew page: {e}"),
        }
    }
}

impl std::error::Error for BuildError {}

fn matcher(patterns: &[&str]) -> Result<RouteMatcher, BuildError> {
    create_route_matcher(patterns).map_err(|e| BuildError::Pattern(e.to_string()))
}

/// The middleware's settings for an app at `app_origin` in front of the
/// instance at `frontend_api`. The defaults stay: a token must be issued by
/// `frontend_api` (the server's `public_url`) and carry an `azp` that is an
/// authorized party. To the default party, the Frontend API's origin
/// (tokens minted for the portal's pages), this app's origin is added:
/// tokens minted by the handshake and by the Yew page's calls through the
/// `/v1` pass-through name the app.
pub fn middleware_config(frontend_api: &str, app_origin: &str) -> VestibuleConfig {
    let base = VestibuleConfig::new(frontend_api);
    let mut authorized_parties = vec![app_origin.to_string()];
    authorized_parties.extend(base.authorized_parties.iter().cloned());
    VestibuleConfig { authorized_parties, ..base }
}

/// `/custom`'s rule, as the guide's `isAuthenticated` middleware: pending
/// users to `/session-tasks` (keeping the query), signed-out ones to sign-in.
fn custom_rule(is_custom: RouteMatcher) -> impl Fn(&Auth, &Parts) -> Result<(), Response> + Send + Sync + 'static {
    move |auth, req| {
        if !auth.is_authenticated() && auth.session_status() == SignedState::Pending && is_custom.matches(req) {
            let to = match req.uri.query() {
                Some(q) => format!("/session-tasks?{q}"),
                None => "/session-tasks".to_string(),
            };
            return Err(Redirect::temporary(&to).into_response());
        }
        if !auth.is_authenticated() && is_custom.matches(req) {
            return Err(auth.redirect_to_sign_in());
        }
        Ok(())
    }
}

/// The whole application: its pages behind the middleware, and the
/// Frontend API pass-through for the Yew page (outside it).
pub fn app(config: VestibuleConfig, app_origin: &str) -> Result<Router, BuildError> {
    let proxy = crate::proxy::router(&config.frontend_api).map_err(BuildError::Client)?;
    let portal = Arc::new(Portal { tasks_url: config.effective_tasks_url(), app_origin: app_origin.to_string() });
    let layer = VestibuleLayer::new(config)
        .map_err(BuildError::Config)?
        // pending users won't be able to access protected routes
        // and will be redirected to the portal's tasks
        .protect_routes(matcher(&["/dashboard(.*)", "/forum(.*)"])?)
        .with_rule(custom_rule(matcher(&["/custom(.*)"])?));
    Ok(Router::new()
        .route("/", get(home))
        .route("/dashboard", get(dashboard))
        .route("/dashboard/{*rest}", get(dashboard))
        .route("/forum", get(forum))
        .route("/forum/{*rest}", get(forum))
        .route("/custom", get(custom))
        .route("/session-tasks", get(session_tasks))
        .route("/api/get-teams", post(get_teams))
        .layer(layer)
        .with_state(portal)
        .merge(proxy))
}

async fn home(auth: Auth) -> Html<String> {
    let body = r#"<p>Public: anyone sees this page.</p>
<ul>
<li><a id="to-dashboard" href="/dashboard">Dashboard</a> (protected)</li>
<li><a id="to-forum" href="/forum">Forum</a> (protected)</li>
<li><a id="to-custom" href="/custom">Custom</a> (pending users go to this app's own task page)</li>
</ul>"#;
    Html(page("home", "Home", &auth, body))
}

async fn dashboard(auth: Auth) -> Html<String> {
    let who = format!(
        "<p id=\"greeting\">User {} has a valid session and {} is defined.</p>",
        escape(auth.user_id().unwrap_or_default()),
        escape(auth.org_id().unwrap_or("no organization")),
    );
    Html(page("dashboard", "Dashboard", &auth, &who))
}

async fn forum(auth: Auth) -> Html<String> {
    Html(page("forum", "Forum", &auth, "<p>Only signed-in users read the forum.</p>"))
}

async fn custom(auth: Auth) -> Html<String> {
    Html(page("custom", "Custom", &auth, "<p>Reached through the is_authenticated rule.</p>"))
}

/// This app's own page for pending users: a link to the portal's task
/// resolver that comes back to `/custom`.
async fn session_tasks(State(portal): State<Arc<Portal>>, auth: Auth) -> Html<String> {
    let back = format!("{}/custom", portal.app_origin);
    let href = with_redirect_url(&portal.tasks_url, &back);
    let body = format!(
        "<p>Your account needs a last step before you can continue.</p>\n<p><a id=\"finish-tasks\" href=\"{}\">Finish setting up your account</a></p>",
        escape(&href)
    );
    Html(page("session-tasks", "Session tasks", &auth, &body))
}

/// `POST /api/get-teams`: pending sessions count as signed in here.
async fn get_teams(auth: Auth) -> Response {
    // `treat_pending_as_signed_out` is set to `false` to allow access to
    // the `user_id` for pending sessions
    let auth = auth.treat_pending_as_signed_out(false);
    match auth.user_id() {
        None => (StatusCode::UNAUTHORIZED, Json(serde_json::json!({ "error": "User is signed-out" }))).into_response(),
        // Now the pending user's `user_id` can be used for your use case.
        Some(user_id) => (StatusCode::CREATED, Json(serde_json::json!({ "user_id": user_id }))).into_response(),
    }
}
