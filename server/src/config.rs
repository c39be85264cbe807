//! Server configuration: a TOML file, then `VESTIBULE_*` environment
//! variables, then command-line flags, each overriding the one before.
//! Delivery settings (`[email]`, `[sms]`) are checked here, at load, so a
//! server that cannot send codes does not start.

use crate::settings::InstanceSettings;
use serde::Deserialize;
use std::path::PathBuf;

/// Everything the server needs to start. `Debug` leaves the secret key out.
#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address to listen on.
    pub listen: String,
    /// The URL browsers reach the server at; defaults to `http://<listen>`.
    pub public_url: Option<String>,
    /// Where the database, signing key and secret key live.
    pub data_dir: PathBuf,
    /// The database: `postgres://...` for several replicas on one
    /// PostgreSQL database, `sqlite://...` for a SQLite file elsewhere;
    /// `vestibule.db` in the data directory when absent.
    pub database_url: Option<String>,
    /// Connections each replica keeps to the database at most.
    pub database_max_connections: u32,
    /// How long a request waits for a connection, and on PostgreSQL how
    /// long one statement may run, before the request is answered 503.
    pub database_timeout_seconds: u32,
    /// How long requests in flight may run on after SIGTERM or Ctrl-C
    /// before the server exits anyway.
    pub shutdown_timeout_seconds: u32,
    /// The built portal (Trunk's `dist/`), served at `/`.
    pub portal_dir: Option<PathBuf>,
    /// The operator stylesheet served at `/theme.css`.
    pub theme_css: Option<PathBuf>,
    /// A directory of the operator's message files (`<locale>.json`),
    /// merged over the portal's built-in tables at `/locale/<locale>.json`.
    pub locale_dir: Option<PathBuf>,
    /// The locale the portal speaks unless `?locale=` asks for another;
    /// the browser's languages when absent.
    pub default_locale: Option<String>,
    /// The Backend API secret key; generated at first start when absent.
    pub secret_key: Option<String>,
    /// Lifetime of the `__client` cookie, sliding, in days.
    pub client_cookie_days: u32,
    /// The `Domain` of the `__session` and `__client_uat` cookies, so that
    /// applications on sibling hosts (`app.example.test` beside
    /// `accounts.example.test`) read them; host-only when absent.
    pub cookie_domain: Option<String>,
    /// A pending session expires after this many seconds without finishing its tasks.
    pub pending_session_ttl_seconds: u32,
    /// Sign-in attempts allowed per IP per minute.
    pub sign_in_attempts_per_ip_per_minute: u32,
    /// Sign-up calls (create, update) allowed per IP per minute.
    pub sign_up_attempts_per_ip_per_minute: u32,
    /// Proxies (CIDRs, `10.0.0.0/8` or a bare address) whose `Forwarded` /
    /// `X-Forwarded-For` headers are believed; none by default.
    pub trusted_proxies: Vec<String>,
    /// Password hashes computed at once; the number of cores when 0.
    pub password_hashing_concurrency: usize,
    /// Password hashes allowed to wait for one of those slots; past them,
    /// 429 with `Retry-After`.
    pub password_hashing_queue: usize,
    /// Settings of the instance; kept in the database once changed there.
    pub instance: InstanceSettings,
    /// How email messages are sent.
    pub email: EmailConfig,
    /// How SMS messages are sent.
    pub sms: SmsConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:8080".into(),
            public_url: None,
            data_dir: PathBuf::from("data"),
            database_url: None,
            database_max_connections: 8,
            database_timeout_seconds: 10,
            shutdown_timeout_seconds: 10,
            portal_dir: None,
            theme_css: None,
            locale_dir: None,
            default_locale: None,
            secret_key: None,
            client_cookie_days: 7,
            cookie_domain: None,
            pending_session_ttl_seconds: 1800,
            sign_in_attempts_per_ip_per_minute: 30,
            sign_up_attempts_per_ip_per_minute: 30,
            trusted_proxies: Vec::new(),
            password_hashing_concurrency: 0,
            password_hashing_queue: 32,
            instance: InstanceSettings::default(),
            email: EmailConfig::default(),
            sms: SmsConfig::default(),
        }
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("public_url", &self.public_url)
            .field("data_dir", &self.data_dir)
            .field("database_url", &self.database_url.as_deref().map(crate::store::redact_url))
            .field("portal_dir", &self.portal_dir)
            .field("theme_css", &self.theme_css)
            .field("locale_dir", &self.locale_dir)
            .field("default_locale", &self.default_locale)
            .field("secret_key", &self.secret_key.as_ref().map(|_| "***"))
            .field("client_cookie_days", &self.client_cookie_days)
            .field("cookie_domain", &self.cookie_domain)
            .field("pending_session_ttl_seconds", &self.pending_session_ttl_seconds)
            .field("sign_in_attempts_per_ip_per_minute", &self.sign_in_attempts_per_ip_per_minute)
            .field("sign_up_attempts_per_ip_per_minute", &self.sign_up_attempts_per_ip_per_minute)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("password_hashing_concurrency", &self.password_hashing_concurrency)
            .field("password_hashing_queue", &self.password_hashing_queue)
            .field("instance", &self.instance)
            .field("email", &self.email)
            .field("sms", &self.sms)
            .finish()
    }
}

/// The `[email]` table: which sender delivers email, and its settings.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EmailConfig {
    /// The sender named by the operator; the outbox when `None`, which a
    /// production instance refuses (see [`EmailConfig::sender`]).
    #[serde(rename = "sender")]
    pub chosen_sender: Option<EmailSender>,
    /// The `From` of every email (`Name <address>` or a bare address).
    pub from: String,
    /// Settings of the SMTP sender.
    pub smtp: SmtpConfig,
    /// Settings of the webhook sender.
    pub webhook: WebhookConfig,
}

impl Default for EmailConfig {
    fn default() -> Self {
        EmailConfig {
            chosen_sender: None,
            from: "Vestibule <no-reply@localhost>".into(),
            smtp: SmtpConfig::default(),
            webhook: WebhookConfig::default(),
        }
    }
}

/// The `[sms]` table: which sender delivers text messages.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmsConfig {
    /// The sender in use.
    pub sender: SmsSender,
    /// Settings of the webhook sender.
    pub webhook: WebhookConfig,
}

/// Senders of email.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EmailSender {
    /// The development outbox (database and log).
    #[default]
    Outbox,
    /// An SMTP server.
    Smtp,
    /// A signed HTTP POST.
    Webhook,
}

/// Senders of text messages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmsSender {
    /// The development outbox (database and log).
    #[default]
    Outbox,
    /// A signed HTTP POST.
    Webhook,
}

/// How the SMTP connection is protected.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS, which is required.
    #[default]
    Starttls,
    /// TLS from the first byte (SMTPS, usually port 465).
    Tls,
    /// No encryption: only for a relay on the same machine or network.
    None,
}

/// The `[email.smtp]` table.
#[derive(Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmtpConfig {
    /// The SMTP server's host name.
    pub host: String,
    /// Its port.
    pub port: u16,
    /// How the connection is protected.
    pub security: SmtpSecurity,
    /// User name for AUTH, if the server needs one.
    pub username: Option<String>,
    /// Password for AUTH.
    pub password: Option<String>,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        SmtpConfig { host: String::new(), port: 587, security: SmtpSecurity::Starttls, username: None, password: None }
    }
}

impl std::fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .finish()
    }
}

/// A webhook sender's table (`[email.webhook]`, `[sms.webhook]`).
#[derive(Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebhookConfig {
    /// Where messages are POSTed.
    pub url: String,
    /// The HMAC-SHA256 key of the `Vestibule-Signature` header.
    pub secret: String,
    /// Tries per message, the first included.
    pub attempts: u32,
    /// Wait before the second try, in ms; doubled before each next one.
    pub initial_backoff_ms: u64,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        WebhookConfig { url: String::new(), secret: String::new(), attempts: 5, initial_backoff_ms: 1000 }
    }
}

impl std::fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookConfig")
            .field("url", &self.url)
            .field("secret", &"***")
            .field("attempts", &self.attempts)
            .field("initial_backoff_ms", &self.initial_backoff_ms)
            .finish()
    }
}

/// Shortest webhook secret accepted, in bytes.
pub const MIN_WEBHOOK_SECRET_BYTES: usize = 16;

fn invalid(key: &str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid { key: key.to_string(), reason: reason.into() }
}

impl EmailConfig {
    /// The sender in effect: the one named, else the development outbox.
    pub fn sender(&self) -> EmailSender {
        self.chosen_sender.unwrap_or(EmailSender::Outbox)
    }

    /// Checks that the chosen sender has what it needs.
    pub fn check(&self) -> Result<(), ConfigError> {
        match self.sender() {
            EmailSender::Outbox => Ok(()),
            EmailSender::Smtp => {
                if self.smtp.host.trim().is_empty() {
                    return Err(invalid("email.smtp.host", "is required when email.sender is \"smtp\""));
                }
                if self.smtp.password.is_some() && self.smtp.username.is_none() {
                    return Err(invalid("email.smtp.username", "is required when email.smtp.password is set"));
                }
                self.from
                    .parse::<lettre::message::Mailbox>()
                    .map(|_| ())
                    .map_err(|e| invalid("email.from", format!("is not an email address ({e})")))
            }
            EmailSender::Webhook => self.webhook.check("email.webhook"),
        }
    }
}

impl SmsConfig {
    /// Checks that the chosen sender has what it needs.
    pub fn check(&self) -> Result<(), ConfigError> {
        match self.sender {
            SmsSender::Outbox => Ok(()),
            SmsSender::Webhook => self.webhook.check("sms.webhook"),
        }
    }
}

impl WebhookConfig {
    /// Checks the URL, the secret's length and the number of tries; `table`
    /// names the table in errors.
    pub fn check(&self, table: &str) -> Result<(), ConfigError> {
        let url = reqwest::Url::parse(&self.url)
            .map_err(|e| invalid(&format!("{table}.url"), format!("is required and must be an http(s) URL ({e})")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(invalid(&format!("{table}.url"), "must be an http(s) URL"));
        }
        if self.secret.len() < MIN_WEBHOOK_SECRET_BYTES {
            return Err(invalid(
                &format!("{table}.secret"),
                format!("is required and must be at least {MIN_WEBHOOK_SECRET_BYTES} bytes"),
            ));
        }
        if self.attempts == 0 {
            return Err(invalid(&format!("{table}.attempts"), "must be at least 1"));
        }
        Ok(())
    }
}

fn email_sender(v: &str) -> Result<EmailSender, ConfigError> {
    match v.trim() {
        "outbox" => Ok(EmailSender::Outbox),
        "smtp" => Ok(EmailSender::Smtp),
        "webhook" => Ok(EmailSender::Webhook),
        _ => Err(invalid("VESTIBULE_EMAIL_SENDER", "must be outbox, smtp or webhook")),
    }
}

fn sms_sender(v: &str) -> Result<SmsSender, ConfigError> {
    match v.trim() {
        "outbox" => Ok(SmsSender::Outbox),
        "webhook" => Ok(SmsSender::Webhook),
        _ => Err(invalid("VESTIBULE_SMS_SENDER", "must be outbox or webhook")),
    }
}

/// Why the configuration could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {0}: {1}")]
    Read(PathBuf, std::io::Error),
    /// The file is not valid TOML for this config.
    #[error("invalid config {0}: {1}")]
    Parse(PathBuf, toml::de::Error),
    /// A setting is out of range.
    #[error("invalid setting {0}")]
    Setting(#[from] crate::settings::SettingsError),
    /// A delivery setting is missing or wrong.
    #[error("invalid setting {key}: {reason}")]
    Invalid {
        /// The key (or environment variable) at fault.
        key: String,
        /// What is wrong with it.
        reason: String,
    },
}

impl Config {
    /// Reads the file (if any), then applies `VESTIBULE_*` variables from `env`.
    pub fn load(
        file: Option<&std::path::Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let mut config = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read(path.into(), e))?;
                toml::from_str(&text).map_err(|e| ConfigError::Parse(path.into(), e))?
            }
            None => Config::default(),
        };
        if let Some(v) = env("VESTIBULE_SECRET_KEY") {
            config.secret_key = Some(v);
        }
        if let Some(v) = env("VESTIBULE_PUBLIC_URL") {
            config.public_url = Some(v);
        }
        if let Some(v) = env("VESTIBULE_ALLOWED_ORIGINS") {
            config.instance.allowed_origins =
                v.split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect();
        }
        if let Some(v) = env("VESTIBULE_COOKIE_DOMAIN") {
            config.cookie_domain = Some(v);
        }
        config.cookie_domain = check_cookie_domain(config.cookie_domain.take())?;
        if let Some(v) = env("VESTIBULE_THEME_CSS") {
            config.theme_css = Some(PathBuf::from(v));
        }
        if let Some(v) = env("VESTIBULE_LOCALE_DIR") {
            config.locale_dir = Some(PathBuf::from(v));
        }
        if let Some(v) = env("VESTIBULE_DEFAULT_LOCALE") {
            config.default_locale = Some(v);
        }
        if let Some(tag) = &config.default_locale {
            if !crate::locales::Locales::ships(tag) {
                let shipped: Vec<&str> = crate::locales::BUILT_IN.iter().map(|(t, _)| *t).collect();
                return Err(invalid("default_locale", format!("{tag:?} is not one of the portal's locales ({})", shipped.join(", "))));
            }
        }
        if let Some(v) = env("VESTIBULE_LISTEN") {
            config.listen = v;
        }
        if let Some(v) = env("VESTIBULE_DATA_DIR") {
            config.data_dir = PathBuf::from(v);
        }
        if let Some(v) = env("VESTIBULE_DATABASE_URL") {
            config.database_url = Some(v);
        }
        if let Some(v) = env("VESTIBULE_DATABASE_MAX_CONNECTIONS") {
            config.database_max_connections = v.parse().map_err(|_| invalid("database_max_connections", format!("{v:?} is not a number")))?;
        }
        if let Some(v) = env("VESTIBULE_DATABASE_TIMEOUT_SECONDS") {
            config.database_timeout_seconds = v.parse().map_err(|_| invalid("database_timeout_seconds", format!("{v:?} is not a number")))?;
        }
        if let Some(v) = env("VESTIBULE_SHUTDOWN_TIMEOUT_SECONDS") {
            config.shutdown_timeout_seconds = v.parse().map_err(|_| invalid("shutdown_timeout_seconds", format!("{v:?} is not a number")))?;
        }
        if config.database_max_connections == 0 || config.database_timeout_seconds == 0 {
            return Err(invalid("database_max_connections", "the pool size and the timeout must be at least 1"));
        }
        if let Some(url) = &config.database_url {
            crate::store::Location::parse(url).map_err(|why| invalid("database_url", why))?;
        }
        if let Some(v) = env("VESTIBULE_EMAIL_SENDER") {
            config.email.chosen_sender = Some(email_sender(&v)?);
        }
        if let Some(v) = env("VESTIBULE_INSTANCE_TYPE") {
            config.instance.instance_type = match v.trim() {
                "development" => crate::settings::InstanceType::Development,
                "production" => crate::settings::InstanceType::Production,
                _ => return Err(invalid("VESTIBULE_INSTANCE_TYPE", "must be development or production")),
            };
        }
        for (var, field) in [
            ("VESTIBULE_PASSWORD_HASHING_CONCURRENCY", &mut config.password_hashing_concurrency),
            ("VESTIBULE_PASSWORD_HASHING_QUEUE", &mut config.password_hashing_queue),
        ] {
            if let Some(v) = env(var) {
                *field = v.trim().parse().map_err(|_| invalid(var, "must be a whole number"))?;
            }
        }
        if let Some(v) = env("VESTIBULE_TRUSTED_PROXIES") {
            config.trusted_proxies = v.split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect();
        }
        crate::client_ip::TrustedProxies::parse(&config.trusted_proxies)
            .map_err(|bad| invalid("trusted_proxies", format!("{bad:?} is not an address or a CIDR such as 10.0.0.0/8")))?;
        if let Some(v) = env("VESTIBULE_SMTP_HOST") {
            config.email.smtp.host = v;
        }
        if let Some(v) = env("VESTIBULE_SMTP_PORT") {
            config.email.smtp.port =
                v.trim().parse().map_err(|_| invalid("VESTIBULE_SMTP_PORT", "must be a port number"))?;
        }
        if let Some(v) = env("VESTIBULE_SMTP_USERNAME") {
            config.email.smtp.username = Some(v);
        }
        if let Some(v) = env("VESTIBULE_SMTP_PASSWORD") {
            config.email.smtp.password = Some(v);
        }
        if let Some(v) = env("VESTIBULE_EMAIL_WEBHOOK_URL") {
            config.email.webhook.url = v;
        }
        if let Some(v) = env("VESTIBULE_EMAIL_WEBHOOK_SECRET") {
            config.email.webhook.secret = v;
        }
        if let Some(v) = env("VESTIBULE_SMS_SENDER") {
            config.sms.sender = sms_sender(&v)?;
        }
        if let Some(v) = env("VESTIBULE_SMS_WEBHOOK_URL") {
            config.sms.webhook.url = v;
        }
        if let Some(v) = env("VESTIBULE_SMS_WEBHOOK_SECRET") {
            config.sms.webhook.secret = v;
        }
        config.instance.check()?;
        config.email.check()?;
        config.sms.check()?;
        Ok(config)
    }
}

/// A cookie domain as a `Domain=` attribute takes it: a host name (letters,
/// digits, `-`, `.`), lowercased, without a leading dot; empty means none.
fn check_cookie_domain(domain: Option<String>) -> Result<Option<String>, ConfigError> {
    let Some(raw) = domain else { return Ok(None) };
    let d = raw.trim().trim_start_matches('.').to_ascii_lowercase();
    if d.is_empty() {
        return Ok(None);
    }
    let valid = d.split('.').all(|label| {
        !label.is_empty() && !label.starts_with('-') && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    });
    if valid {
        Ok(Some(d))
    } else {
        Err(invalid("cookie_domain", "must be a host name such as example.test"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_overrides_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("v.toml");
        std::fs::write(&path, "public_url = \"http://a.test\"\n[instance]\nmfa_required = true\n").expect("write");
        let env = |k: &str| match k {
            "VESTIBULE_PUBLIC_URL" => Some("http://b.test".to_string()),
            "VESTIBULE_ALLOWED_ORIGINS" => Some("http://c.test, http://d.test".to_string()),
            "VESTIBULE_SECRET_KEY" => Some("sk_test_x".to_string()),
            _ => None,
        };
        let c = Config::load(Some(&path), env).expect("load");
        assert_eq!(c.public_url.as_deref(), Some("http://b.test"));
        assert_eq!(c.instance.allowed_origins, vec!["http://c.test", "http://d.test"]);
        assert_eq!(c.secret_key.as_deref(), Some("sk_test_x"));
        assert!(c.instance.mfa_required);
    }

    #[test]
    fn default_locale_is_one_of_the_portals_locales() {
        let none = |_: &str| None;
        assert_eq!(load_text("default_locale = \"ja\"\n", none).expect("load").default_locale.as_deref(), Some("ja"));
        let env = |k: &str| (k == "VESTIBULE_DEFAULT_LOCALE").then(|| "ar".to_string());
        assert_eq!(load_text("", env).expect("load").default_locale.as_deref(), Some("ar"));
        let error = load_text("default_locale = \"it\"\n", none).expect_err("a locale the portal lacks");
        assert!(error.to_string().contains("default_locale"), "{error}");
    }

    #[test]
    fn cookie_domain_comes_from_the_file_or_the_environment() {
        let none = |_: &str| None;
        assert_eq!(load_text("", none).expect("load").cookie_domain, None);
        let c = load_text("cookie_domain = \".Example.test\"\n", none).expect("load");
        assert_eq!(c.cookie_domain.as_deref(), Some("example.test"));
        let env = |k: &str| (k == "VESTIBULE_COOKIE_DOMAIN").then(|| "corp.test".to_string());
        let c = load_text("cookie_domain = \"example.test\"\n", env).expect("load");
        assert_eq!(c.cookie_domain.as_deref(), Some("corp.test"));
        for bad in ["a;b.test", "exa mple.test", "a..test", "http://a.test"] {
            let env = move |k: &str| (k == "VESTIBULE_COOKIE_DOMAIN").then(|| bad.to_string());
            assert_eq!(invalid_key(load_text("", env)), "cookie_domain", "{bad}");
        }
    }

    fn load_text(text: &str, env: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("v.toml");
        std::fs::write(&path, text).expect("write");
        Config::load(Some(&path), env)
    }

    fn invalid_key(r: Result<Config, ConfigError>) -> String {
        match r {
            Err(ConfigError::Invalid { key, .. }) => key,
            other => panic!("expected an invalid setting, got {other:?}"),
        }
    }

    #[test]
    fn delivery_defaults_to_the_outbox() {
        let c = load_text("", |_| None).expect("load");
        assert_eq!(c.email.sender(), EmailSender::Outbox);
        assert_eq!(c.email.chosen_sender, None, "the outbox is the default, not a choice");
        assert_eq!(c.email.from, "Vestibule <no-reply@localhost>");
        assert_eq!(c.email.smtp.port, 587);
        assert_eq!(c.email.smtp.security, SmtpSecurity::Starttls);
        assert_eq!(c.email.webhook.attempts, 5);
        assert_eq!(c.email.webhook.initial_backoff_ms, 1000);
        assert_eq!(c.sms.sender, SmsSender::Outbox);
    }

    #[test]
    fn smtp_reads_the_file_and_secrets_from_the_environment() {
        let text = "[email]\nsender = \"smtp\"\nfrom = \"Acme <auth@acme.test>\"\n[email.smtp]\nhost = \"mail.acme.test\"\nsecurity = \"tls\"\nport = 465\n";
        let env = |k: &str| match k {
            "VESTIBULE_SMTP_USERNAME" => Some("acme".to_string()),
            "VESTIBULE_SMTP_PASSWORD" => Some("hunter2-hunter2".to_string()),
            "VESTIBULE_SMTP_PORT" => Some("2465".to_string()),
            _ => None,
        };
        let c = load_text(text, env).expect("load");
        assert_eq!(c.email.sender(), EmailSender::Smtp);
        assert_eq!(c.email.smtp.host, "mail.acme.test");
        assert_eq!(c.email.smtp.security, SmtpSecurity::Tls);
        assert_eq!(c.email.smtp.port, 2465);
        assert_eq!(c.email.smtp.username.as_deref(), Some("acme"));
        assert_eq!(c.email.smtp.password.as_deref(), Some("hunter2-hunter2"));
        assert!(!format!("{c:?}").contains("hunter2"), "the password is redacted in Debug");
    }

    #[test]
    fn smtp_without_a_host_is_refused() {
        assert_eq!(invalid_key(load_text("[email]\nsender = \"smtp\"\n", |_| None)), "email.smtp.host");
        let env = |k: &str| (k == "VESTIBULE_EMAIL_SENDER").then(|| "smtp".to_string());
        assert_eq!(invalid_key(load_text("", env)), "email.smtp.host");
    }

    #[test]
    fn a_bad_from_address_is_refused() {
        let text = "[email]\nsender = \"smtp\"\nfrom = \"not an address\"\n[email.smtp]\nhost = \"mail.test\"\n";
        assert_eq!(invalid_key(load_text(text, |_| None)), "email.from");
    }

    #[test]
    fn webhook_needs_a_url_and_a_16_byte_secret() {
        let base = "[email]\nsender = \"webhook\"\n[email.webhook]\nurl = \"https://hooks.test/email\"\n";
        assert_eq!(invalid_key(load_text(base, |_| None)), "email.webhook.secret");
        let short = format!("{base}secret = \"0123456789abcde\"\n");
        assert_eq!(invalid_key(load_text(&short, |_| None)), "email.webhook.secret");
        let ok = format!("{base}secret = \"0123456789abcdef\"\n");
        assert!(load_text(&ok, |_| None).is_ok(), "16 bytes are enough");
        let env = |k: &str| (k == "VESTIBULE_EMAIL_WEBHOOK_SECRET").then(|| "s".repeat(32));
        let c = load_text(base, env).expect("secret from the environment");
        assert_eq!(c.email.webhook.secret.len(), 32);
        let no_url = "[email]\nsender = \"webhook\"\n[email.webhook]\nsecret = \"0123456789abcdef\"\n";
        assert_eq!(invalid_key(load_text(no_url, |_| None)), "email.webhook.url");
    }

    #[test]
    fn sms_webhook_has_its_own_table_and_variables() {
        let env = |k: &str| match k {
            "VESTIBULE_SMS_SENDER" => Some("webhook".to_string()),
            "VESTIBULE_SMS_WEBHOOK_URL" => Some("https://hooks.test/sms".to_string()),
            _ => None,
        };
        assert_eq!(invalid_key(load_text("", env)), "sms.webhook.secret");
        let c = load_text("[sms.webhook]\nsecret = \"0123456789abcdef\"\nattempts = 2\n", env).expect("load");
        assert_eq!(c.sms.sender, SmsSender::Webhook);
        assert_eq!(c.sms.webhook.url, "https://hooks.test/sms");
        assert_eq!(c.sms.webhook.attempts, 2);
        assert_eq!(c.email.sender(), EmailSender::Outbox, "email is untouched");
    }

    #[test]
    fn unknown_senders_and_keys_are_refused() {
        assert!(matches!(load_text("[email]\nsender = \"pigeon\"\n", |_| None), Err(ConfigError::Parse(..))));
        assert!(matches!(load_text("[email.smtp]\nhots = \"x\"\n", |_| None), Err(ConfigError::Parse(..))));
        let env = |k: &str| (k == "VESTIBULE_EMAIL_SENDER").then(|| "pigeon".to_string());
        assert_eq!(invalid_key(load_text("", env)), "VESTIBULE_EMAIL_SENDER");
        let env = |k: &str| (k == "VESTIBULE_SMTP_PORT").then(|| "70000".to_string());
        assert_eq!(invalid_key(load_text("", env)), "VESTIBULE_SMTP_PORT");
    }

    #[test]
    fn the_instance_is_production_unless_chosen() {
        let c = load_text("", |_| None).expect("load");
        assert_eq!(c.instance.instance_type, crate::settings::InstanceType::Production);
        let env = |k: &str| (k == "VESTIBULE_INSTANCE_TYPE").then(|| "development".to_string());
        assert_eq!(load_text("", env).expect("load").instance.instance_type, crate::settings::InstanceType::Development);
        let env = |k: &str| (k == "VESTIBULE_INSTANCE_TYPE").then(|| "dev".to_string());
        assert_eq!(invalid_key(load_text("", env)), "VESTIBULE_INSTANCE_TYPE");
        let c = load_text("[email]\nsender = \"outbox\"\n", |_| None).expect("load");
        assert_eq!(c.email.chosen_sender, Some(EmailSender::Outbox), "an explicit outbox is a choice");
    }

    #[test]
    fn debug_never_shows_the_secret_key() {
        let env = |k: &str| (k == "VESTIBULE_SECRET_KEY").then(|| "sk_test_very_secret_value".to_string());
        let c = load_text("", env).expect("load");
        let printed = format!("{c:?}");
        assert!(!printed.contains("very_secret"), "{printed}");
        assert!(printed.contains("secret_key: Some(\"***\")"), "{printed}");
    }

    #[test]
    fn trusted_proxies_must_be_addresses_or_cidrs() {
        let env = |k: &str| (k == "VESTIBULE_TRUSTED_PROXIES").then(|| "10.0.0.0/8, 192.0.2.7, ::1".to_string());
        assert_eq!(load_text("", env).expect("load").trusted_proxies.len(), 3);
        assert_eq!(invalid_key(load_text("trusted_proxies = [\"10.0.0.0/33\"]\n", |_| None)), "trusted_proxies");
        assert_eq!(invalid_key(load_text("trusted_proxies = [\"proxy.local\"]\n", |_| None)), "trusted_proxies");
    }

    #[test]
    fn unknown_keys_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("v.toml");
        std::fs::write(&path, "[instance]\nmfa_requird = true\n").expect("write");
        assert!(Config::load(Some(&path), |_| None).is_err());
    }
}
