//! `Auth`: what a handler knows about the caller once the layer has checked
//! the session token, seen through the auth-state rule of
//! `vestibule_protocol::auth` (a pending session counts as signed out unless
//! the caller opts in), and the answers that send the caller where they
//! must go (`protect()`, `redirect_to_sign_in()`).

use crate::token::{SessionClaims, TokenError};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use vestibule_protocol::url::with_redirect_url;
use vestibule_protocol::{AuthView, SessionFacts, SessionStatus, SignedState};

/// Per-call options of [`Auth::options`], as `auth({ ... })` in Clerk.
pub use vestibule_protocol::AuthOptions;

/// Where the portal's pages are.
#[derive(Debug)]
pub(crate) struct PortalUrls {
    pub(crate) sign_in: String,
    pub(crate) tasks: String,
}

/// The facts of one request the answers need.
#[derive(Debug)]
pub(crate) struct RequestFacts {
    /// The URL the browser asked for, with its query.
    pub(crate) original_url: String,
    /// A browser navigation (a document), rather than a fetch or an API call.
    pub(crate) page_request: bool,
    /// The request method.
    pub(crate) method: Method,
}

#[derive(Debug)]
struct Inner {
    state: SignedState,
    facts: Option<SessionFacts>,
    org_slug: Option<String>,
    claims: Option<SessionClaims>,
    rejection: Option<TokenError>,
    request: RequestFacts,
    urls: Arc<PortalUrls>,
}

/// The caller's authentication, put into the request extensions by
/// [`crate::VestibuleLayer`] and extracted by handlers (`auth: Auth`).
///
/// Reads follow the auth-state rule with this view's options: by default a
/// pending session is signed out (`user_id()` is `None`) but
/// `session_status()` still says `Pending`. [`Auth::options`] (or
/// [`Auth::treat_pending_as_signed_out`]) gives another view of the same
/// request.
#[derive(Clone, Debug)]
pub struct Auth {
    inner: Arc<Inner>,
    view: AuthView,
    options: AuthOptions,
}

/// `org:admin` for both `admin` and `org:admin`.
fn org_role(role: &str) -> String {
    if role.starts_with("org:") {
        role.to_string()
    } else {
        format!("org:{role}")
    }
}

/// A redirect that keeps the method for GET/HEAD (307) and turns anything
/// else into a GET (303).
pub(crate) fn redirect(method: &Method, location: &str) -> Response {
    let status = if matches!(*method, Method::GET | Method::HEAD) { StatusCode::TEMPORARY_REDIRECT } else { StatusCode::SEE_OTHER };
    let mut res = status.into_response();
    match HeaderValue::from_str(location) {
        Ok(v) => {
            res.headers_mut().insert(header::LOCATION, v);
            res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            res
        }
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

impl Auth {
    /// The outcome of checking one request's token.
    pub(crate) fn new(
        verified: Option<Result<SessionClaims, TokenError>>,
        request: RequestFacts,
        urls: Arc<PortalUrls>,
    ) -> Auth {
        let (claims, rejection) = match verified {
            Some(Ok(claims)) => (Some(claims), None),
            Some(Err(e)) => (None, Some(e)),
            None => (None, None),
        };
        let state = match &claims {
            Some(c) if c.sts == Some(SessionStatus::Pending) => SignedState::Pending,
            Some(_) => SignedState::Active,
            None => SignedState::SignedOut,
        };
        let facts = claims.as_ref().map(|c| SessionFacts {
            session_id: c.sid.clone(),
            user_id: c.sub.clone(),
            org_id: c.o.as_ref().map(|o| o.id.clone()),
            org_role: c.o.as_ref().map(|o| org_role(&o.rol)),
        });
        let org_slug = claims.as_ref().and_then(|c| c.o.as_ref()).and_then(|o| o.slg.clone());
        let inner = Arc::new(Inner { state, facts, org_slug, claims, rejection, request, urls });
        Auth::view_of(inner, AuthOptions::default())
    }

    fn view_of(inner: Arc<Inner>, options: AuthOptions) -> Auth {
        let view = AuthView::resolve(inner.state, inner.facts.as_ref(), options.treat_pending_as_signed_out);
        Auth { inner, view, options }
    }

    /// The same request seen with other options, as `auth({ ... })`.
    pub fn options(&self, options: AuthOptions) -> Auth {
        Auth::view_of(Arc::clone(&self.inner), options)
    }

    /// The same request with `treat_pending_as_signed_out` set; `false`
    /// lets a pending session through as signed in.
    pub fn treat_pending_as_signed_out(&self, treat_pending_as_signed_out: bool) -> Auth {
        self.options(AuthOptions { treat_pending_as_signed_out })
    }

    /// The options of this view.
    pub fn current_options(&self) -> AuthOptions {
        self.options
    }

    /// The auth-state rule's result for this view.
    pub fn view(&self) -> &AuthView {
        &self.view
    }

    /// Signed in for this view: an active session, or a pending one when
    /// pending is not treated as signed out.
    pub fn is_authenticated(&self) -> bool {
        self.view.is_signed_in
    }

    /// The real state of the session, whatever the options: signed out,
    /// pending or active.
    pub fn session_status(&self) -> SignedState {
        self.inner.state
    }

    /// The user id, when signed in for this view.
    pub fn user_id(&self) -> Option<&str> {
        self.view.user_id.as_deref()
    }

    /// The session id, when signed in for this view.
    pub fn session_id(&self) -> Option<&str> {
        self.view.session_id.as_deref()
    }

    /// The active organization's id, when signed in for this view.
    pub fn org_id(&self) -> Option<&str> {
        self.view.org_id.as_deref()
    }

    /// The user's role in the active organization (`org:admin`, ...), when
    /// signed in for this view.
    pub fn org_role(&self) -> Option<&str> {
        self.view.org_role.as_deref()
    }

    /// The active organization's slug, when signed in for this view.
    pub fn org_slug(&self) -> Option<&str> {
        self.view.org_id.as_ref().and(self.inner.org_slug.as_deref())
    }

    /// Whether the user holds `role` in the active organization (`org:admin`
    /// and `admin` name the same role); false when not signed in for this
    /// view.
    pub fn has_role(&self, role: &str) -> bool {
        self.view.has(&org_role(role))
    }

    /// The verified claims, when signed in for this view.
    pub fn claims(&self) -> Option<&SessionClaims> {
        self.inner.claims.as_ref().filter(|_| self.view.is_signed_in)
    }

    /// Why the request's token was refused, when it carried one that was.
    pub fn rejection(&self) -> Option<&TokenError> {
        self.inner.rejection.as_ref()
    }

    /// The URL the caller asked for, with its query: where sign-in and the
    /// tasks send them back to.
    pub fn original_url(&self) -> &str {
        &self.inner.request.original_url
    }

    /// Lets a signed-in caller through; otherwise the answer to give instead.
    ///
    /// For a page (a browser navigation): signed out goes to the portal's
    /// sign-in, pending (when treated as signed out) to its task resolver,
    /// each with `redirect_url=<the original URL>`. For any other request
    /// (fetch, API call): 404, as Clerk's `auth.protect()` answers.
    pub fn protect(&self) -> Result<(), Response> {
        if self.is_authenticated() {
            return Ok(());
        }
        if !self.inner.request.page_request {
            return Err(StatusCode::NOT_FOUND.into_response());
        }
        match self.inner.state {
            SignedState::Pending => Err(self.redirect_to_tasks()),
            _ => Err(self.redirect_to_sign_in()),
        }
    }

    /// As [`Auth::protect`], and then the user must hold `role` in the
    /// active organization, else 404.
    pub fn protect_role(&self, role: &str) -> Result<(), Response> {
        self.protect()?;
        if self.has_role(role) {
            Ok(())
        } else {
            Err(StatusCode::NOT_FOUND.into_response())
        }
    }

    /// A redirect to the portal's sign-in page that comes back to the
    /// original URL.
    pub fn redirect_to_sign_in(&self) -> Response {
        let to = with_redirect_url(&self.inner.urls.sign_in, &self.inner.request.original_url);
        redirect(&self.inner.request.method, &to)
    }

    /// A redirect to the portal's task resolver (which walks a pending user
    /// through their tasks) that comes back to the original URL.
    pub fn redirect_to_tasks(&self) -> Response {
        let to = with_redirect_url(&self.inner.urls.tasks, &self.inner.request.original_url);
        redirect(&self.inner.request.method, &to)
    }
}

/// The answer when a handler asks for [`Auth`] on a route the layer does not
/// cover: a server error, since it is a wiring mistake.
#[derive(Debug, Clone, Copy)]
pub struct MissingLayer;

impl IntoResponse for MissingLayer {
    fn into_response(self) -> Response {
        tracing::error!("Auth extracted on a route without VestibuleLayer");
        (StatusCode::INTERNAL_SERVER_ERROR, "VestibuleLayer is not installed on this route").into_response()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Auth {
    type Rejection = MissingLayer;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Auth, MissingLayer> {
        parts.extensions.get::<Auth>().cloned().ok_or(MissingLayer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::OrgClaim;

    fn auth(sts: Option<SessionStatus>, page: bool) -> Auth {
        let claims = SessionClaims {
            iss: None,
            sub: "user_1".into(),
            sid: "sess_1".into(),
            azp: None,
            iat: None,
            nbf: None,
            exp: 0,
            v: Some(2),
            sts,
            o: Some(OrgClaim { id: "org_1".into(), rol: "org:admin".into(), slg: Some("acme".into()) }),
        };
        let request = RequestFacts { original_url: "https://app.test/dashboard?tab=a b&x=1".into(), page_request: page, method: Method::GET };
        let urls = Arc::new(PortalUrls { sign_in: "https://accounts.test/sign-in".into(), tasks: "https://accounts.test/sign-in/tasks".into() });
        Auth::new(Some(Ok(claims)), request, urls)
    }

    #[test]
    fn roles_are_compared_with_the_org_prefix() {
        let a = auth(None, true);
        assert!(a.has_role("org:admin"));
        assert!(a.has_role("admin"));
        assert!(!a.has_role("org:member"));
        assert_eq!(a.org_slug(), Some("acme"));
        assert!(a.protect_role("org:admin").is_ok());
        assert_eq!(a.protect_role("org:member").map_err(|r| r.status()), Err(StatusCode::NOT_FOUND));
    }

    #[test]
    fn pending_hides_the_organization_unless_opted_in() {
        let a = auth(Some(SessionStatus::Pending), true);
        assert!(!a.has_role("org:admin"));
        assert_eq!(a.org_slug(), None);
        assert!(a.claims().is_none());
        let opted = a.treat_pending_as_signed_out(false);
        assert!(opted.has_role("org:admin"));
        assert_eq!(opted.org_slug(), Some("acme"));
        assert_eq!(opted.current_options(), AuthOptions { treat_pending_as_signed_out: false });
        assert!(opted.claims().is_some());
    }

    #[test]
    fn redirect_url_is_encoded_as_one_query_value() {
        assert_eq!(
            with_redirect_url("https://accounts.test/sign-in", "https://app.test/a?b=1&c=d e"),
            "https://accounts.test/sign-in?redirect_url=https%3A%2F%2Fapp.test%2Fa%3Fb%3D1%26c%3Dd%20e"
        );
        assert_eq!(with_redirect_url("/sign-in?x=1", "/a"), "/sign-in?x=1&redirect_url=%2Fa");
    }

    #[test]
    fn non_get_redirects_become_see_other() {
        assert_eq!(redirect(&Method::POST, "/x").status(), StatusCode::SEE_OTHER);
        assert_eq!(redirect(&Method::GET, "/x").status(), StatusCode::TEMPORARY_REDIRECT);
    }
}
