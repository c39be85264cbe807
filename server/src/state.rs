//! `AppState`: what every handler shares: the pool, the clock, delivery,
//! the outgoing HTTP client, signing keys, the instance settings and the
//! per-IP limiter.

use crate::clock::Clock;
use crate::config::Config;
use crate::delivery::Delivery;
use crate::error::{ApiError, ApiResult};
use crate::keys::SigningKeys;
use crate::settings::InstanceSettings;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use vestibule_protocol::RedirectPolicy;

/// Shared state; cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

/// The contents of [`AppState`].
pub struct Inner {
    /// The database.
    pub pool: crate::store::db::Db,
    /// The one source of time.
    pub clock: Arc<dyn Clock>,
    /// Where codes are sent.
    pub delivery: Arc<dyn Delivery>,
    /// The one HTTP client for outgoing calls (webhooks, the HIBP range API).
    pub http: reqwest::Client,
    /// The key the instance started with (`signing_key.pem`, or the
    /// shared `signing_key` secret), which signs until a rotation.
    pub initial_keys: Arc<SigningKeys>,
    /// The keys that sign and verify now (see [`crate::key_rotation`]).
    keys: RwLock<Arc<crate::key_rotation::KeyRing>>,
    /// Recently signed session tokens.
    pub tokens: crate::keys::TokenCache,
    /// Seals TOTP secrets and hashes backup codes.
    pub mfa_keys: crate::mfa_keys::MfaKeys,
    settings: RwLock<InstanceSettings>,
    /// The public URL, without a trailing slash.
    pub public_url: String,
    /// The origin of the public URL.
    pub public_origin: String,
    secret_key: String,
    /// Whether cookies get `Secure`.
    pub cookie_secure: bool,
    /// Lifetime of the `__client` cookie and of sessions, in ms.
    pub client_lifetime_ms: i64,
    /// The `Domain` of the `__session` and `__client_uat` cookies, if any.
    pub cookie_domain: Option<String>,
    /// A pending session expires after this long, in ms.
    pub pending_ttl_ms: i64,
    /// A hash to verify against when the user is unknown.
    pub dummy_hash: String,
    /// The offline breached-password list.
    pub breached: crate::breached::BreachedList,
    sign_in_limiter: crate::rate_limit::IpLimiter,
    sign_up_limiter: crate::rate_limit::IpLimiter,
    /// Proxies whose forwarding headers name the client.
    pub trusted_proxies: crate::client_ip::TrustedProxies,
    /// Bounds the Argon2 work running at once.
    pub hashing: crate::password::HashingGate,
    /// The built portal, if served.
    pub portal_dir: Option<PathBuf>,
    /// The operator stylesheet, if any.
    pub theme_css: Option<PathBuf>,
    /// The portal's message tables, with the operator's changes.
    pub locales: crate::locales::Locales,
    /// The operator's `default_locale`.
    pub default_locale: Option<String>,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

/// How often a replica looks for settings another replica changed.
const SETTINGS_POLL: std::time::Duration = std::time::Duration::from_millis(250);

/// Keeps this replica's settings equal to the stored ones: a version check
/// every [`SETTINGS_POLL`] (the stored JSON is the version), so a `PATCH
/// /backend/v1/instance` on one replica is seen by all within a second.
/// Ends when the state is dropped.
fn follow_settings(state: &AppState) {
    let weak = Arc::downgrade(&state.0);
    let mut seen = serde_json::to_string(&state.settings()).ok();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(SETTINGS_POLL).await;
            let Some(inner) = weak.upgrade() else { return };
            let stored = match crate::store::settings::get(&inner.pool).await {
                Ok(stored) => stored,
                Err(e) => {
                    tracing::warn!(error = %e, "could not read the stored settings");
                    continue;
                }
            };
            if stored.is_none() || stored == seen {
                continue;
            }
            match stored.as_deref().map(serde_json::from_str::<InstanceSettings>) {
                Some(Ok(next)) => {
                    if let Ok(mut s) = inner.settings.write() {
                        *s = next;
                    }
                    seen = stored;
                }
                Some(Err(e)) => tracing::warn!(error = %e, "the stored settings do not parse"),
                None => {}
            }
        }
    });
}

/// A new Backend API secret key.
fn new_secret_key() -> String {
    format!("sk_test_{}", crate::ids::new_token())
}

/// On a shared database, the signing key, the MFA key and (unless
/// configured) the Backend API secret key come from the database: the
/// first replica to start stores them, every other reads the same ones.
async fn shared_secrets(
    pool: &crate::store::db::Db,
    config: &Config,
    now: i64,
) -> Result<(SigningKeys, crate::mfa_keys::MfaKeys, String, bool), StartError> {
    use crate::store::shared::{secret, secret_or_insert};
    let signing = match secret(pool, "signing_key").await? {
        Some(pem) => pem,
        None => secret_or_insert(pool, "signing_key", &SigningKeys::new_pem()?, now).await?,
    };
    let keys = SigningKeys::from_pem(&signing)?;
    let mfa = secret_or_insert(pool, "mfa_key", &crate::mfa_keys::MfaKeys::new_master_hex(), now).await?;
    let mfa_keys = crate::mfa_keys::MfaKeys::from_master_hex(&mfa)
        .ok_or_else(|| StartError::Settings("the stored mfa_key is not 64 hex digits".into()))?;
    let (secret_key, secret_key_new) = match &config.secret_key {
        Some(k) => (k.clone(), false),
        None => {
            let fresh = new_secret_key();
            let stored = secret_or_insert(pool, "secret_key", &fresh, now).await?;
            let new = stored == fresh;
            (stored, new)
        }
    };
    Ok((keys, mfa_keys, secret_key, secret_key_new))
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// Data directory trouble.
    #[error("data directory: {0}")]
    Io(#[from] std::io::Error),
    /// Database trouble.
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    /// The database could not be opened or migrated.
    #[error("database {at}: {source}")]
    Open {
        /// Where (the URL with its password hidden, or the file).
        at: String,
        /// Why.
        source: crate::store::OpenError,
    },
    /// `database_url` names no database this server can use.
    #[error("database_url: {0}")]
    Location(String),
    /// Migration trouble.
    #[error("migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Key trouble.
    #[error("{0}")]
    Key(#[from] crate::keys::KeyError),
    /// Stored settings trouble.
    #[error("stored settings: {0}")]
    Settings(String),
    /// The configured senders cannot be built.
    #[error("delivery: {0}")]
    Delivery(String),
    /// An operator's locale file cannot be taken.
    #[error("locale_dir: {0}")]
    Locale(#[from] crate::locales::LocaleError),
}

/// What start-up made that the operator must know.
pub struct Started {
    /// The state to serve.
    pub state: AppState,
    /// The Backend API secret key.
    pub secret_key: String,
    /// Whether the secret key was generated by this start.
    pub secret_key_new: bool,
}

impl AppState {
    /// Opens the data directory (creating the database, key and secret key
    /// on first start) and builds the state. `public_url` is the URL browsers
    /// use; `delivery` defaults to the senders of `config.email` and
    /// `config.sms` (the development outbox unless configured otherwise).
    pub async fn start(
        config: &Config,
        public_url: &str,
        clock: Arc<dyn Clock>,
        delivery: Option<Arc<dyn Delivery>>,
    ) -> Result<Started, StartError> {
        let location = crate::store::Location::of(config.database_url.as_deref(), &config.data_dir).map_err(StartError::Location)?;
        if let crate::store::Location::Sqlite(file) = &location {
            if let Some(parent) = file.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent)?;
            }
        }
        let pool = crate::store::open(&location, crate::store::PoolLimits::of(config)).await.map_err(|source| StartError::Open { at: location.describe(), source })?;
        std::fs::create_dir_all(&config.data_dir)?;
        let (keys, mfa_keys, secret_key, secret_key_new) = match pool.backend() {
            crate::store::db::Backend::Sqlite => {
                let (secret_key, secret_key_new) = match &config.secret_key {
                    Some(k) => (k.clone(), false),
                    None => {
                        let path = config.data_dir.join("secret_key");
                        if path.exists() {
                            (std::fs::read_to_string(&path)?.trim().to_string(), false)
                        } else {
                            let key = new_secret_key();
                            crate::files::write_private(&path, key.as_bytes())?;
                            (key, true)
                        }
                    }
                };
                let keys = SigningKeys::load_or_create(&config.data_dir)?;
                (keys, crate::mfa_keys::MfaKeys::load_or_create(&config.data_dir)?, secret_key, secret_key_new)
            }
            crate::store::db::Backend::Postgres => shared_secrets(&pool, config, clock.now_ms()).await?,
        };
        let keys = Arc::new(keys);
        let ring = crate::key_rotation::load(&pool, &keys).await.map_err(|e| StartError::Settings(format!("signing keys: {e}")))?;
        let settings: InstanceSettings = match crate::store::settings::get(&pool).await? {
            Some(json) => serde_json::from_str(&json).map_err(|e| StartError::Settings(e.to_string()))?,
            None => config.instance.clone(),
        };
        let public_url = public_url.trim_end_matches('/').to_string();
        let public_origin = RedirectPolicy::new([public_url.as_str()])
            .allowed_origins
            .into_iter()
            .next()
            .unwrap_or_else(|| public_url.clone());
        let http = reqwest::Client::builder()
            .user_agent(concat!("Vestibule/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(std::time::Duration::from_secs(5))
            .build()
            .map_err(|e| StartError::Delivery(e.to_string()))?;
        let delivery = match delivery {
            Some(d) => d,
            None => {
                if !settings.is_development() && config.email.chosen_sender.is_none() {
                    return Err(StartError::Delivery(
                        "a production instance needs a real email sender: set email.sender (VESTIBULE_EMAIL_SENDER) to \"smtp\" or \"webhook\", \
                         or to \"outbox\" to keep codes in the database on purpose"
                            .into(),
                    ));
                }
                if !settings.is_development() && config.email.sender() == crate::config::EmailSender::Outbox {
                    tracing::warn!("a production instance with email.sender = \"outbox\": codes stay in the database and reach nobody");
                }
                crate::delivery::from_config(&config.email, &config.sms, &pool, &http, &clock).map_err(StartError::Delivery)?
            }
        };
        let (dummy_hash, breached) =
            tokio::task::spawn_blocking(|| (crate::password::dummy_hash(), crate::breached::BreachedList::load()))
                .await
                .map_err(|e| StartError::Settings(e.to_string()))?;
        let state = AppState(Arc::new(Inner {
            pool,
            clock,
            delivery,
            http,
            initial_keys: keys.clone(),
            keys: RwLock::new(Arc::new(ring)),
            tokens: Default::default(),
            mfa_keys,
            settings: RwLock::new(settings),
            cookie_secure: public_url.starts_with("https://"),
            public_origin,
            public_url,
            secret_key: secret_key.clone(),
            client_lifetime_ms: config.client_cookie_days as i64 * 24 * 3600 * 1000,
            cookie_domain: config.cookie_domain.clone(),
            pending_ttl_ms: config.pending_session_ttl_seconds as i64 * 1000,
            dummy_hash,
            breached,
            sign_in_limiter: crate::rate_limit::IpLimiter::new("sign_in", config.sign_in_attempts_per_ip_per_minute),
            sign_up_limiter: crate::rate_limit::IpLimiter::new("sign_up", config.sign_up_attempts_per_ip_per_minute),
            trusted_proxies: crate::client_ip::TrustedProxies::parse(&config.trusted_proxies)
                .map_err(|bad| StartError::Settings(format!("trusted_proxies: {bad:?} is not an address or a CIDR")))?,
            hashing: crate::password::HashingGate::new(config.password_hashing_concurrency, config.password_hashing_queue),
            portal_dir: config.portal_dir.clone(),
            theme_css: config.theme_css.clone(),
            locales: crate::locales::Locales::load(config.locale_dir.as_deref())?,
            default_locale: config.default_locale.clone(),
        }));
        follow_settings(&state);
        crate::key_rotation::follow(&state);
        crate::sweeper::spawn(&state);
        match crate::delivery::pending::resume(&state).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(messages = n, "took over the webhook retries a stopped server wrote down"),
            Err(e) => tracing::error!(error = %e, "could not take over the written-down webhook retries"),
        }
        Ok(Started { state, secret_key, secret_key_new })
    }

    /// A handle that does not keep the state alive, for background tasks
    /// that end with it.
    pub(crate) fn weak(&self) -> std::sync::Weak<Inner> {
        Arc::downgrade(&self.0)
    }

    /// The state behind `weak`, while it lives.
    pub(crate) fn upgrade(weak: &std::sync::Weak<Inner>) -> Option<AppState> {
        weak.upgrade().map(AppState)
    }

    /// The keys that sign and verify session tokens now.
    pub fn keys(&self) -> Arc<crate::key_rotation::KeyRing> {
        self.keys.read().map(|k| k.clone()).unwrap_or_else(|p| p.into_inner().clone())
    }

    /// The published keys now (`/v1/jwks`).
    pub fn jwks(&self) -> vestibule_protocol::token::Jwks {
        self.keys().jwks(self.now())
    }

    /// The key that signs session tokens now.
    pub fn signer(&self) -> Arc<SigningKeys> {
        self.keys().signer(self.now()).clone()
    }

    /// Reads the stored keys again (after a rotation, here or elsewhere).
    pub async fn reload_keys(&self) -> Result<(), crate::key_rotation::RotationError> {
        let ring = crate::key_rotation::load(&self.pool, &self.initial_keys).await?;
        if let Ok(mut keys) = self.keys.write() {
            *keys = Arc::new(ring);
        }
        Ok(())
    }

    /// Rotates the signing key (see [`crate::key_rotation::rotate`]) and
    /// publishes the new one at once; returns its id.
    pub async fn rotate_signing_key(&self) -> Result<String, crate::key_rotation::RotationError> {
        let kid = crate::key_rotation::rotate(&self.pool, &self.signer(), self.now()).await?;
        self.reload_keys().await?;
        Ok(kid)
    }

    /// Now, from the injected clock.
    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    /// A copy of the current instance settings.
    pub fn settings(&self) -> InstanceSettings {
        self.settings.read().map(|s| s.clone()).unwrap_or_default()
    }

    /// The user lockout under the current settings, now.
    pub fn lockout(&self) -> crate::lockout::Lockout<'_> {
        let settings = self.settings();
        crate::lockout::Lockout {
            pool: &self.pool,
            max_attempts: settings.lockout_max_attempts,
            duration_ms: settings.lockout_duration_seconds as i64 * 1000,
            now: self.now(),
        }
    }

    /// The rules a new password is held to under the current settings.
    pub fn new_password_rules(&self) -> crate::password::NewPasswordRules<'_> {
        let settings = self.settings();
        crate::password::NewPasswordRules {
            min_length: settings.password_min_length,
            min_strength: settings.password_min_zxcvbn_strength,
            breached: &self.breached,
            hibp: (!settings.hibp_url.is_empty()).then(|| (&self.http, settings.hibp_url.clone())),
        }
    }

    /// Stores and applies new settings.
    pub async fn replace_settings(&self, next: InstanceSettings) -> ApiResult<()> {
        let json = serde_json::to_string(&next).map_err(ApiError::internal)?;
        crate::store::settings::put(&self.pool, &json).await?;
        if let Ok(mut s) = self.settings.write() {
            *s = next;
        }
        Ok(())
    }

    /// Where redirects and state-changing requests may come from: the
    /// server's own origin plus the configured ones.
    pub fn redirect_policy(&self) -> RedirectPolicy {
        let settings = self.settings();
        RedirectPolicy::new(
            std::iter::once(self.public_origin.clone()).chain(settings.allowed_origins.iter().cloned()),
        )
    }

    /// Whether `key` is the Backend API secret key (constant time).
    pub fn is_secret_key(&self, key: &str) -> bool {
        let a = crate::ids::token_hash(key);
        let b = crate::ids::token_hash(&self.secret_key);
        a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }

    /// Counts one sign-in attempt from `ip`; 429 past the per-minute limit.
    pub async fn check_ip(&self, ip: IpAddr) -> ApiResult<()> {
        self.sign_in_limiter.check(&self.pool, ip, self.now()).await
    }

    /// Counts one sign-up call from `ip`; 429 past the per-minute limit.
    pub async fn check_sign_up_ip(&self, ip: IpAddr) -> ApiResult<()> {
        self.sign_up_limiter.check(&self.pool, ip, self.now()).await
    }
}
