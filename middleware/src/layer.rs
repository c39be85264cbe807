//! `VestibuleLayer`: the tower layer an axum application wraps its routes
//! in. For every request it checks the session token, sends browsers
//! through the handshake when their token expired, puts the [`Auth`] into
//! the request extensions and runs the application's rules (such as
//! "protect these routes") before the handler.

use crate::auth::{Auth, PortalUrls, RequestFacts};
use crate::config::{self, ConfigError, VestibuleConfig};
use crate::handshake;
use crate::jwks::{self, JwksCache, KeySet, KeySource};
use crate::matcher::RouteMatcher;
use crate::request::{self, Cookies, TokenSource};
use crate::token::{SessionClaims, TokenError, Verifier};
use axum::http::request::Parts;
use axum::http::Request;
use axum::response::Response;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tower::{Layer, Service};

/// A rule run on every request after the token check: `Err(response)`
/// answers the request instead of the handler.
pub type Rule = Arc<dyn Fn(&Auth, &Parts) -> Result<(), Response> + Send + Sync>;

/// What every request shares.
struct Core {
    verifier: Verifier,
    urls: Arc<PortalUrls>,
    handshake_url: Option<String>,
}

/// What the token check decided for one request.
enum Outcome {
    /// Go on with this `Auth`; `clear_guard` ends a handshake mark.
    Proceed { auth: Auth, clear_guard: bool },
    /// Send the browser through the handshake.
    Handshake(Response),
}

/// The layer. Cheap to clone: every clone shares the JWKS cache.
#[derive(Clone)]
pub struct VestibuleLayer {
    core: Arc<Core>,
    rules: Arc<[Rule]>,
}

impl std::fmt::Debug for VestibuleLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VestibuleLayer")
            .field("sign_in_url", &self.core.urls.sign_in)
            .field("rules", &self.rules.len())
            .finish_non_exhaustive()
    }
}

impl VestibuleLayer {
    /// A layer for `config`: checks its URLs and `jwt_key`, and prepares the
    /// JWKS cache (nothing is fetched until a token needs a key).
    pub fn new(config: VestibuleConfig) -> Result<VestibuleLayer, ConfigError> {
        config::validate(&config)?;
        let keys = match &config.jwt_key {
            Some(text) => KeySource::Static(jwks::parse_static_key(text).map_err(ConfigError::InvalidKey)?),
            None => KeySource::Remote(
                JwksCache::new(config.jwks_url(), config.jwks_timeout, config.jwks_refetch_interval).map_err(ConfigError::Http)?,
            ),
        };
        let urls = Arc::new(PortalUrls { sign_in: config.sign_in_url.clone(), tasks: config.effective_tasks_url() });
        let verifier = Verifier::new(keys, &config);
        let handshake_url = config.handshake.then(|| config.handshake_url());
        Ok(VestibuleLayer { core: Arc::new(Core { verifier, urls, handshake_url }), rules: Arc::from(Vec::new()) })
    }

    /// Adds a rule run on every request, in the order added, as the body of
    /// Clerk's `clerkMiddleware(async (auth, req) => { ... })`.
    pub fn with_rule<F>(self, rule: F) -> VestibuleLayer
    where
        F: Fn(&Auth, &Parts) -> Result<(), Response> + Send + Sync + 'static,
    {
        let mut rules: Vec<Rule> = self.rules.iter().cloned().collect();
        rules.push(Arc::new(rule));
        VestibuleLayer { core: self.core, rules: Arc::from(rules) }
    }

    /// Protects the routes `matcher` matches with [`Auth::protect`].
    pub fn protect_routes(self, matcher: RouteMatcher) -> VestibuleLayer {
        self.with_rule(move |auth, parts| if matcher.matches(parts) { auth.protect() } else { Ok(()) })
    }

    /// Seeds the JWKS cache as if it had just been fetched (for a warm
    /// start, and for measuring the cached path). With `jwt_key` set there
    /// is no cache and the keys are only checked.
    pub fn preload_jwks(&self, jwks_json: &str) -> Result<(), ConfigError> {
        let set: KeySet = jwks::parse_jwks(jwks_json.as_bytes()).map_err(ConfigError::InvalidKey)?;
        if let KeySource::Remote(cache) = &self.core.verifier.keys {
            cache.preload(set);
        }
        Ok(())
    }

    /// The [`Auth`] of a request, without the handshake or the rules (for
    /// code that is not behind the layer, such as a WebSocket upgrade).
    pub async fn authenticate(&self, parts: &Parts) -> Auth {
        let (verified, _) = self.verify(parts, &request::cookies(parts)).await;
        Auth::new(verified, self.request_facts(parts), Arc::clone(&self.core.urls))
    }

    /// The request's token, checked, and where it came from.
    async fn verify(&self, parts: &Parts, cookies: &Cookies<'_>) -> (Option<Result<SessionClaims, TokenError>>, Option<TokenSource>) {
        match request::session_token(parts, cookies) {
            Some((token, source)) => (Some(self.core.verifier.verify(token).await), Some(source)),
            None => (None, None),
        }
    }

    fn request_facts(&self, parts: &Parts) -> RequestFacts {
        RequestFacts {
            original_url: request::original_url(parts),
            page_request: request::is_page_request(parts),
            method: parts.method.clone(),
        }
    }

    /// Checks the token and decides between going on and the handshake.
    async fn check(&self, parts: &Parts) -> Outcome {
        let cookies = request::cookies(parts);
        let (verified, source) = self.verify(parts, &cookies).await;
        let guard = cookies.handshake_guard;
        if let Some(url) = &self.core.handshake_url {
            if !guard
                && request::is_navigation(parts)
                && handshake::needed(verified.as_ref(), source, cookies.client_uat)
            {
                return Outcome::Handshake(handshake::redirect_to_handshake(url, &request::original_url(parts)));
            }
        }
        let clear_guard = guard && matches!(verified, Some(Ok(_)));
        let auth = Auth::new(verified, self.request_facts(parts), Arc::clone(&self.core.urls));
        Outcome::Proceed { auth, clear_guard }
    }
}

impl<S> Layer<S> for VestibuleLayer {
    type Service = VestibuleService<S>;

    fn layer(&self, inner: S) -> VestibuleService<S> {
        VestibuleService { inner, layer: self.clone() }
    }
}

/// The service [`VestibuleLayer`] wraps around an application.
#[derive(Clone, Debug)]
pub struct VestibuleService<S> {
    inner: S,
    layer: VestibuleLayer,
}

impl<S, B> Service<Request<B>> for VestibuleService<S>
where
    S: Service<Request<B>, Response = Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        // The clone is not ready; the ready service is the one to call.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let layer = self.layer.clone();
        Box::pin(async move {
            let (mut parts, body) = req.into_parts();
            let (auth, clear_guard) = match layer.check(&parts).await {
                Outcome::Handshake(res) => return Ok(res),
                Outcome::Proceed { auth, clear_guard } => (auth, clear_guard),
            };
            for rule in layer.rules.iter() {
                if let Err(res) = rule(&auth, &parts) {
                    return Ok(res);
                }
            }
            parts.extensions.insert(auth);
            let mut res = inner.call(Request::from_parts(parts, body)).await?;
            if clear_guard {
                handshake::clear_guard(&mut res);
            }
            Ok(res)
        })
    }
}
