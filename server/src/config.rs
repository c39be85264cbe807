//! Server configuration: a TOML file, then `VESTIBULE_*` environment
//! variables, then command-line flags, each overriding the one before.

use crate::settings::InstanceSettings;
use serde::Deserialize;
use std::path::PathBuf;

/// Everything the server needs to start.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address to listen on.
    pub listen: String,
    /// The URL browsers reach the server at; defaults to `http://<listen>`.
    pub public_url: Option<String>,
    /// Where the database, signing key and secret key live.
    pub data_dir: PathBuf,
    /// The built portal (Trunk's `dist/`), served at `/`.
    pub portal_dir: Option<PathBuf>,
    /// The operator stylesheet served at `/theme.css`.
    pub theme_css: Option<PathBuf>,
    /// The Backend API secret key; generated at first start when absent.
    pub secret_key: Option<String>,
    /// Lifetime of the `__client` cookie, sliding, in days.
    pub client_cookie_days: u32,
    /// A pending session expires after this many seconds without finishing its tasks.
    pub pending_session_ttl_seconds: u32,
    /// Sign-in attempts allowed per IP per minute.
    pub sign_in_attempts_per_ip_per_minute: u32,
    /// Settings of the instance; kept in the database once changed there.
    pub instance: InstanceSettings,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:8080".into(),
            public_url: None,
            data_dir: PathBuf::from("data"),
            portal_dir: None,
            theme_css: None,
            secret_key: None,
            client_cookie_days: 7,
            pending_session_ttl_seconds: 1800,
            sign_in_attempts_per_ip_per_minute: 30,
            instance: InstanceSettings::default(),
        }
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
        if let Some(v) = env("VESTIBULE_THEME_CSS") {
            config.theme_css = Some(PathBuf::from(v));
        }
        if let Some(v) = env("VESTIBULE_LISTEN") {
            config.listen = v;
        }
        if let Some(v) = env("VESTIBULE_DATA_DIR") {
            config.data_dir = PathBuf::from(v);
        }
        config.instance.check()?;
        Ok(config)
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
    fn unknown_keys_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("v.toml");
        std::fs::write(&path, "[instance]\nmfa_requird = true\n").expect("write");
        assert!(Config::load(Some(&path), |_| None).is_err());
    }
}
