//! What an application tells the middleware about its Vestibule instance:
//! where the Frontend API and the portal live, which parties may hold its
//! tokens and which issuer must have minted them (by default: the Frontend
//! API's origin and the Frontend API itself), how long to wait for the JWKS
//! and how much clock skew to forgive.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How long a JWKS request may take before verification gives up.
pub const DEFAULT_JWKS_TIMEOUT: Duration = Duration::from_secs(5);
/// How far `exp`, `nbf` and `iat` may be off and still pass.
pub const DEFAULT_CLOCK_SKEW: Duration = Duration::from_secs(5);
/// The shortest time between two JWKS refetches caused by an unknown `kid`
/// (and between two attempts while the JWKS could not be fetched at all).
pub const DEFAULT_JWKS_REFETCH_INTERVAL: Duration = Duration::from_secs(10);

/// The current time in whole seconds since the Unix epoch, as the token
/// checks read it. Tests inject a fixed clock; applications keep
/// [`system_clock`].
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// The wall clock.
pub fn system_clock() -> Clock {
    Arc::new(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
            .unwrap_or(0)
    })
}

/// Settings of the middleware. Start from [`VestibuleConfig::new`] and
/// override fields with struct-update syntax:
///
/// ```
/// use vestibule_middleware::VestibuleConfig;
///
/// // Tokens minted for the application's pages, and for the portal's.
/// let config = VestibuleConfig {
///     authorized_parties: vec!["https://app.example.com".into(), "https://accounts.example.com".into()],
///     ..VestibuleConfig::new("https://accounts.example.com")
/// };
/// assert_eq!(config.sign_in_url, "https://accounts.example.com/sign-in");
/// assert_eq!(config.issuer.as_deref(), Some("https://accounts.example.com"));
/// ```
///
/// The defaults of `authorized_parties` and `issuer` follow the URL given
/// to [`VestibuleConfig::new`]; replacing `frontend_api` afterwards does not
/// change them.
#[derive(Clone)]
pub struct VestibuleConfig {
    /// The Vestibule server's URL as browsers reach it (its `public_url`):
    /// the JWKS is read from `<frontend_api>/v1/jwks` and the handshake is
    /// `<frontend_api>/v1/client/handshake`.
    pub frontend_api: String,
    /// The portal's sign-in page; signed-out visitors of protected pages are
    /// sent here with `?redirect_url=<the page they asked for>`.
    pub sign_in_url: String,
    /// The portal's task resolver, where pending visitors are sent; `None`
    /// means `<sign_in_url>/tasks`.
    pub tasks_url: Option<String>,
    /// Origins allowed in the `azp` claim (trailing `/` ignored). While the
    /// list is not empty, a token must carry `azp` and it must be listed: a
    /// token without `azp` is refused. [`VestibuleConfig::new`] lists the
    /// Frontend API's origin (`scheme://host[:port]` of `frontend_api`),
    /// which is the `azp` of tokens minted for the portal's own pages.
    ///
    /// The server puts the requesting page's origin in `azp` when that
    /// origin is allowed, and its own origin otherwise; the handshake mints
    /// for the origin of the application it returns to. An application
    /// whose pages call the Frontend API from their own origin, or that uses
    /// the handshake, lists its own origin beside the Frontend API's.
    ///
    /// Opt-out: an empty list means `azp` is not checked at all (Clerk's
    /// behaviour without `authorizedParties`), so a token minted for any
    /// origin passes.
    pub authorized_parties: Vec<String>,
    /// The issuer the `iss` claim must equal (trailing `/` ignored); a token
    /// without `iss` is refused. [`VestibuleConfig::new`] sets it to
    /// `frontend_api`: the server's `public_url`, which it puts in `iss`.
    ///
    /// Opt-out: `None` means `iss` is not checked at all.
    pub issuer: Option<String>,
    /// A public key for fully offline verification, instead of the JWKS:
    /// an SPKI (`BEGIN PUBLIC KEY`) or PKCS#1 (`BEGIN RSA PUBLIC KEY`) PEM,
    /// a JWK or a whole JWKS as JSON. A PEM's `kid` is derived the way the
    /// server derives it (`ins_` + the first 16 hex digits of SHA-256 of
    /// the modulus).
    pub jwt_key: Option<String>,
    /// Timeout of one JWKS request.
    pub jwks_timeout: Duration,
    /// Shortest time between two refetches of the JWKS for an unknown `kid`.
    pub jwks_refetch_interval: Duration,
    /// Tolerance on `exp`, `nbf` and `iat`.
    pub clock_skew: Duration,
    /// Send browsers whose token expired through the server's handshake to
    /// get a fresh one (see [`crate::handshake`]).
    pub handshake: bool,
    /// Where the token checks read the time.
    pub clock: Clock,
}

impl VestibuleConfig {
    /// Defaults for the instance at `frontend_api` (trailing `/` ignored):
    /// the portal is served by the same server (`<frontend_api>/sign-in`),
    /// tokens must be issued by `frontend_api` and minted for its origin
    /// (`issuer` and `authorized_parties`), JWKS timeout 5 s, clock skew
    /// 5 s, handshake on.
    pub fn new(frontend_api: impl Into<String>) -> VestibuleConfig {
        let frontend_api = frontend_api.into().trim_end_matches('/').to_string();
        // A URL without an origin is refused by `validate`; until then the
        // list stays non-empty, so the `azp` check is never off by mistake.
        let party = origin_of(&frontend_api).unwrap_or_else(|| frontend_api.clone());
        VestibuleConfig {
            sign_in_url: format!("{frontend_api}/sign-in"),
            issuer: Some(frontend_api.clone()),
            frontend_api,
            tasks_url: None,
            authorized_parties: vec![party],
            jwt_key: None,
            jwks_timeout: DEFAULT_JWKS_TIMEOUT,
            jwks_refetch_interval: DEFAULT_JWKS_REFETCH_INTERVAL,
            clock_skew: DEFAULT_CLOCK_SKEW,
            handshake: true,
            clock: system_clock(),
        }
    }

    /// The task resolver URL in effect.
    pub fn effective_tasks_url(&self) -> String {
        match &self.tasks_url {
            Some(url) => url.clone(),
            None => format!("{}/tasks", self.sign_in_url.trim_end_matches('/')),
        }
    }

    /// `<frontend_api>/v1/jwks`.
    pub fn jwks_url(&self) -> String {
        format!("{}/v1/jwks", self.frontend_api.trim_end_matches('/'))
    }

    /// `<frontend_api>/v1/client/handshake`.
    pub fn handshake_url(&self) -> String {
        format!("{}/v1/client/handshake", self.frontend_api.trim_end_matches('/'))
    }
}

impl fmt::Debug for VestibuleConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VestibuleConfig")
            .field("frontend_api", &self.frontend_api)
            .field("sign_in_url", &self.sign_in_url)
            .field("tasks_url", &self.tasks_url)
            .field("authorized_parties", &self.authorized_parties)
            .field("issuer", &self.issuer)
            .field("jwt_key", &self.jwt_key.as_ref().map(|_| "<set>"))
            .field("jwks_timeout", &self.jwks_timeout)
            .field("jwks_refetch_interval", &self.jwks_refetch_interval)
            .field("clock_skew", &self.clock_skew)
            .field("handshake", &self.handshake)
            .finish_non_exhaustive()
    }
}

/// `scheme://host[:port]` of `url` (the default port left out, as browsers
/// send it in `Origin`), or `None` when `url` has no such origin.
fn origin_of(url: &str) -> Option<String> {
    let origin = reqwest::Url::parse(url).ok()?.origin();
    origin.is_tuple().then(|| origin.ascii_serialization())
}

/// Why a configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A URL setting is not an absolute `http(s)` URL (or, for the portal
    /// URLs, a path starting with one `/`).
    #[error("{field} is not a usable URL: {value:?}")]
    InvalidUrl {
        /// The setting.
        field: &'static str,
        /// Its value.
        value: String,
    },
    /// `jwt_key` is not an RSA public key of at least 2048 bits.
    #[error("jwt_key: {0}")]
    InvalidKey(String),
    /// The HTTP client for the JWKS could not be built.
    #[error("JWKS HTTP client: {0}")]
    Http(String),
}

/// Checks the URL settings.
pub(crate) fn validate(config: &VestibuleConfig) -> Result<(), ConfigError> {
    let absolute = |field: &'static str, value: &str| -> Result<(), ConfigError> {
        match reqwest::Url::parse(value) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(()),
            _ => Err(ConfigError::InvalidUrl { field, value: value.to_string() }),
        }
    };
    let portal = |field: &'static str, value: &str| -> Result<(), ConfigError> {
        if value.starts_with('/') && !value.starts_with("//") {
            Ok(())
        } else {
            absolute(field, value)
        }
    };
    absolute("frontend_api", &config.frontend_api)?;
    portal("sign_in_url", &config.sign_in_url)?;
    portal("tasks_url", &config.effective_tasks_url())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_frontend_api() {
        let c = VestibuleConfig::new("http://127.0.0.1:8080/");
        assert_eq!(c.frontend_api, "http://127.0.0.1:8080");
        assert_eq!(c.sign_in_url, "http://127.0.0.1:8080/sign-in");
        assert_eq!(c.effective_tasks_url(), "http://127.0.0.1:8080/sign-in/tasks");
        assert_eq!(c.jwks_url(), "http://127.0.0.1:8080/v1/jwks");
        assert_eq!(c.handshake_url(), "http://127.0.0.1:8080/v1/client/handshake");
        assert_eq!(c.jwks_timeout, Duration::from_secs(5));
        assert_eq!(c.clock_skew, Duration::from_secs(5));
        assert!(c.handshake);
        assert!(validate(&c).is_ok());
    }

    #[test]
    fn by_default_the_issuer_is_the_frontend_api_and_the_party_its_origin() {
        let c = VestibuleConfig::new("http://127.0.0.1:8080/");
        assert_eq!(c.issuer.as_deref(), Some("http://127.0.0.1:8080"));
        assert_eq!(c.authorized_parties, ["http://127.0.0.1:8080"]);
        // A Frontend API under a path: the issuer keeps it, the party is the origin.
        let c = VestibuleConfig::new("https://Accounts.Example.com:8443/vestibule/");
        assert_eq!(c.issuer.as_deref(), Some("https://Accounts.Example.com:8443/vestibule"));
        assert_eq!(c.authorized_parties, ["https://accounts.example.com:8443"]);
        // The default port is left out, as in a browser's `Origin`.
        let c = VestibuleConfig::new("https://accounts.example.com:443");
        assert_eq!(c.authorized_parties, ["https://accounts.example.com"]);
        // No origin to take: the list still is not empty (and `validate` refuses the URL).
        let c = VestibuleConfig::new("accounts.example.com");
        assert_eq!(c.authorized_parties, ["accounts.example.com"]);
        assert_eq!(c.issuer.as_deref(), Some("accounts.example.com"));
    }

    #[test]
    fn bad_urls_are_refused() {
        assert!(validate(&VestibuleConfig::new("accounts.example.com")).is_err());
        assert!(validate(&VestibuleConfig::new("ftp://accounts.example.com")).is_err());
        let c = VestibuleConfig { sign_in_url: "//evil.example/sign-in".into(), ..VestibuleConfig::new("https://a.example") };
        assert!(validate(&c).is_err());
        let c = VestibuleConfig { sign_in_url: "/sign-in".into(), ..VestibuleConfig::new("https://a.example") };
        assert!(validate(&c).is_ok());
        assert_eq!(c.effective_tasks_url(), "/sign-in/tasks");
    }

    #[test]
    fn debug_hides_the_key_material() {
        let c = VestibuleConfig { jwt_key: Some("-----BEGIN PUBLIC KEY-----".into()), ..VestibuleConfig::new("https://a.example") };
        let text = format!("{c:?}");
        assert!(!text.contains("BEGIN"), "{text}");
    }
}
