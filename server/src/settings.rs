//! Instance settings: the keys of `frontend-api.md` section 6.
//!
//! One struct serves the config file's `[instance]` table, the Backend API's
//! `GET/PATCH /instance` and the environment resource, so a key cannot mean
//! one thing in one place and another elsewhere.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The longest a session token may live (`session_token_ttl_seconds`).
pub const MAX_SESSION_TOKEN_TTL_SECONDS: u32 = 3600;

/// Whether the instance is for development or production.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum InstanceType {
    /// Development: the dev outbox API, dev-browser tokens and the test
    /// clock are on. Chosen explicitly, never by default.
    Development,
    /// Production (the default): none of them.
    Production,
}

/// The settings of the instance.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct InstanceSettings {
    pub application_name: String,
    pub instance_type: InstanceType,
    pub email_verification_at_sign_up: bool,
    pub organizations_enabled: bool,
    pub force_organization_selection: bool,
    pub create_organization_enabled: bool,
    pub force_password_reset: bool,
    pub mfa_required: bool,
    pub totp_enabled: bool,
    pub phone_code_enabled: bool,
    pub backup_code_enabled: bool,
    pub password_min_length: u32,
    pub password_min_zxcvbn_strength: u32,
    pub hibp_url: String,
    pub lockout_max_attempts: u32,
    pub lockout_duration_seconds: u32,
    pub allowed_origins: Vec<String>,
    pub session_token_ttl_seconds: u32,
}

impl Default for InstanceSettings {
    fn default() -> Self {
        InstanceSettings {
            application_name: "Vestibule".into(),
            instance_type: InstanceType::Production,
            email_verification_at_sign_up: true,
            organizations_enabled: true,
            force_organization_selection: true,
            create_organization_enabled: true,
            force_password_reset: true,
            mfa_required: false,
            totp_enabled: true,
            phone_code_enabled: false,
            backup_code_enabled: true,
            password_min_length: 8,
            password_min_zxcvbn_strength: 2,
            hibp_url: String::new(),
            lockout_max_attempts: 10,
            lockout_duration_seconds: 3600,
            allowed_origins: Vec::new(),
            session_token_ttl_seconds: 60,
        }
    }
}

/// Why a settings change was refused.
#[derive(Debug, thiserror::Error)]
#[error("{param}: {reason}")]
pub struct SettingsError {
    /// The key at fault.
    pub param: String,
    /// What is wrong with it.
    pub reason: String,
}

impl InstanceSettings {
    /// Whether this is a development instance.
    pub fn is_development(&self) -> bool {
        self.instance_type == InstanceType::Development
    }

    /// Applies a partial change (JSON object, or form fields as strings) and
    /// checks the result. Unknown keys and wrong types are refused.
    pub fn patched(&self, changes: &Map<String, Value>) -> Result<InstanceSettings, SettingsError> {
        let mut current = match serde_json::to_value(self) {
            Ok(Value::Object(m)) => m,
            _ => return Err(SettingsError { param: "settings".into(), reason: "cannot be read".into() }),
        };
        for (key, value) in changes {
            let Some(old) = current.get(key) else {
                return Err(SettingsError { param: key.clone(), reason: "is not a setting".into() });
            };
            let coerced = coerce_like(old, value).ok_or_else(|| SettingsError {
                param: key.clone(),
                reason: "has the wrong type".into(),
            })?;
            current.insert(key.clone(), coerced);
        }
        let next: InstanceSettings = serde_json::from_value(Value::Object(current))
            .map_err(|e| SettingsError { param: "settings".into(), reason: e.to_string() })?;
        next.check()?;
        Ok(next)
    }

    /// The form parameters of a settings patch: one per setting, typed as
    /// the setting is.
    pub fn form_params() -> Vec<crate::openapi::Param> {
        use crate::openapi::Param;
        let Ok(Value::Object(fields)) = serde_json::to_value(InstanceSettings::default()) else {
            return Vec::new();
        };
        fields
            .into_iter()
            .map(|(name, value)| match value {
                Value::Bool(_) => Param::flag(name),
                Value::Number(_) => Param::number(name, 0, u64::from(u32::MAX)),
                Value::Array(_) => Param::text(name).repeated(),
                _ if name == "instance_type" => Param::one_of(name, &["production", "development"]),
                _ => Param::text(name),
            })
            .collect()
    }

    /// Checks ranges that serde cannot.
    pub fn check(&self) -> Result<(), SettingsError> {
        let bad = |param: &str, reason: &str| Err(SettingsError { param: param.into(), reason: reason.into() });
        if !(1..=128).contains(&self.password_min_length) {
            return bad("password_min_length", "must be between 1 and 128");
        }
        if self.password_min_zxcvbn_strength > 4 {
            return bad("password_min_zxcvbn_strength", "must be between 0 and 4");
        }
        if self.lockout_max_attempts == 0 {
            return bad("lockout_max_attempts", "must be at least 1");
        }
        if !(10..=MAX_SESSION_TOKEN_TTL_SECONDS).contains(&self.session_token_ttl_seconds) {
            return bad("session_token_ttl_seconds", "must be between 10 and 3600");
        }
        if !self.hibp_url.is_empty()
            && !reqwest::Url::parse(&self.hibp_url).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
        {
            return bad("hibp_url", "must be empty (off) or an http(s) URL");
        }
        if self.application_name.trim().is_empty() {
            return bad("application_name", "must not be empty");
        }
        Ok(())
    }
}

/// Converts `value` to the JSON type of `like`, accepting form strings
/// (`"true"`, `"12"`, comma-separated lists).
fn coerce_like(like: &Value, value: &Value) -> Option<Value> {
    match (like, value) {
        (Value::Bool(_), Value::Bool(_)) | (Value::Number(_), Value::Number(_)) | (Value::String(_), Value::String(_)) => {
            Some(value.clone())
        }
        (Value::Bool(_), Value::String(s)) => match s.as_str() {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            _ => None,
        },
        (Value::Number(_), Value::String(s)) => s.parse::<u64>().ok().map(Value::from),
        (Value::Array(_), Value::Array(items)) => {
            items.iter().all(Value::is_string).then(|| value.clone())
        }
        (Value::Array(_), Value::String(s)) => Some(Value::Array(
            s.split(',').map(str::trim).filter(|s| !s.is_empty()).map(|s| Value::String(s.into())).collect(),
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patch_accepts_form_strings_and_refuses_unknown_keys() {
        let base = InstanceSettings::default();
        let mut m = Map::new();
        m.insert("mfa_required".into(), Value::String("true".into()));
        m.insert("password_min_length".into(), Value::String("12".into()));
        let next = base.patched(&m).expect("patch");
        assert!(next.mfa_required);
        assert_eq!(next.password_min_length, 12);

        let mut bad = Map::new();
        bad.insert("nope".into(), Value::Bool(true));
        assert!(base.patched(&bad).is_err());
        let mut wrong = Map::new();
        wrong.insert("mfa_required".into(), Value::String("maybe".into()));
        assert!(base.patched(&wrong).is_err());
        let mut range = Map::new();
        range.insert("password_min_zxcvbn_strength".into(), Value::from(5));
        assert!(base.patched(&range).is_err());
    }

    #[test]
    fn hibp_url_is_empty_or_an_http_url() {
        let base = InstanceSettings::default();
        let with = |url: &str| {
            let mut m = Map::new();
            m.insert("hibp_url".into(), Value::String(url.into()));
            base.patched(&m)
        };
        assert!(with("").is_ok(), "empty turns the check off");
        assert!(with("https://api.pwnedpasswords.com/range/").is_ok());
        assert!(with("http://127.0.0.1:9000/range/").is_ok());
        assert_eq!(with("ftp://example.com/range/").expect_err("ftp").param, "hibp_url");
        assert_eq!(with("api.pwnedpasswords.com/range/").expect_err("no scheme").param, "hibp_url");
    }
}
