//! Protects the routes of an axum application with Vestibule sessions.
//!
//! [`VestibuleLayer`] reads the session token of each request (the
//! `__session` cookie the server sets, or `Authorization: Bearer`), verifies
//! it offline against the instance's JWKS (fetched once from
//! `<frontend_api>/v1/jwks` and cached), and hands handlers an [`Auth`]. As
//! in Clerk, a *pending* session (one with session tasks left) counts as
//! signed out unless the code asking opts in with
//! `treat_pending_as_signed_out = false`, and [`Auth::protect`] sends
//! signed-out visitors to the portal's sign-in page and pending ones to its
//! task pages, each coming back to the page they asked for.
//!
//! The Next.js middleware of the session-tasks guide,
//!
//! ```tsx
//! const isProtectedRoute = createRouteMatcher(['/dashboard(.*)', '/forum(.*)'])
//! export default clerkMiddleware(async (auth, req) => {
//!   if (isProtectedRoute(req)) await auth.protect()
//! })
//! ```
//!
//! is, in axum:
//!
//! ```no_run
//! use axum::{http::StatusCode, response::IntoResponse, routing::{get, post}, Json, Router};
//! use vestibule_middleware::{create_route_matcher, Auth, VestibuleConfig, VestibuleLayer};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let is_protected_route = create_route_matcher(["/dashboard(.*)", "/forum(.*)"])?;
//! let config = VestibuleConfig {
//!     authorized_parties: vec!["https://app.example.com".into(), "https://accounts.example.com".into()],
//!     ..VestibuleConfig::new("https://accounts.example.com")
//! };
//! let vestibule = VestibuleLayer::new(config)?
//!     // pending users won't be able to access protected routes
//!     // and will be redirected to the sign-in page's tasks
//!     .with_rule(move |auth, req| {
//!         if is_protected_route.matches(req) {
//!             auth.protect()?;
//!         }
//!         Ok(())
//!     });
//!
//! let app: Router = Router::new()
//!     .route("/dashboard", get(|auth: Auth| async move {
//!         format!("Hello {}", auth.user_id().unwrap_or_default())
//!     }))
//!     // `auth({ treatPendingAsSignedOut: false })`: a pending user's id is usable
//!     .route("/api/get-teams", post(|auth: Auth| async move {
//!         let auth = auth.treat_pending_as_signed_out(false);
//!         match auth.user_id() {
//!             None => (StatusCode::UNAUTHORIZED, Json(serde_json::json!({ "error": "User is signed-out" }))),
//!             Some(user_id) => (StatusCode::CREATED, Json(serde_json::json!({ "data": { "user_id": user_id } }))),
//!         }
//!         .into_response()
//!     }))
//!     .layer(vestibule);
//! # let _ = app;
//! # Ok(()) }
//! ```
//!
//! `VestibuleLayer::protect_routes(matcher)` is the short form of that rule.
//! Tokens are refused (the request is signed out) when their algorithm is
//! not RS256, their `kid` is unknown, their signature does not verify,
//! `exp` is past or `nbf` is ahead (beyond the clock skew), their `azp` is
//! missing or not an authorized party, or their `iss` is not the issuer;
//! [`Auth::rejection`] says which. By default the issuer is the Frontend API
//! and the only authorized party its origin (see [`VestibuleConfig`]), so an
//! application lists its own origin too, as above.

#![warn(missing_docs)]
// `Err(Response)` is the answer the application sends instead of running
// the handler, as in axum's own `Result<_, Response>` handlers.
#![allow(clippy::result_large_err)]

pub mod auth;
#[cfg(feature = "bench")]
pub mod bench;
pub mod config;
pub mod handshake;
mod jwks;
pub mod layer;
pub mod matcher;
pub mod request;
pub mod token;

pub use auth::{Auth, AuthOptions, MissingLayer};
pub use config::{system_clock, Clock, ConfigError, VestibuleConfig};
pub use layer::{Rule, VestibuleLayer, VestibuleService};
pub use matcher::{create_route_matcher, RouteMatcher};
pub use request::SESSION_COOKIE;
pub use token::{OrgClaim, SessionClaims, TokenError};
pub use vestibule_protocol::{AuthView, SessionStatus, SignedState};
/// A portal URL carrying `redirect_url=<target>`, encoded as
/// [`Auth::protect`] encodes it, for an application's own links to the
/// portal.
pub use vestibule_protocol::url::with_redirect_url;
