//! The JSON resources of the Frontend API (`frontend-api.md` section 3), as
//! the server writes them and the portal reads them.
//!
//! Every field the portal does not need is still written by the server
//! (clerk-js reads them); decoding tolerates missing and unknown fields so
//! an older portal keeps working against a newer server.

use crate::auth::SessionStatus;
use crate::task::TaskKey;
use crate::vocabulary::{Channel, SessionVerificationStatus, SignInStatus, SignUpStatus, Strategy, VerificationStatus};
use serde::{Deserialize, Serialize};

/// `{"response": ..., "client": ...}`: the envelope of mutations and reads.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "{T}Envelope"))]
pub struct Envelope<T> {
    /// The resource the call is about.
    pub response: T,
    /// The whole current client, so callers see tasks change.
    #[serde(default)]
    pub client: Option<ClientJson>,
}

impl<T> Envelope<T> {
    /// `{"response": ..., "client": null}`: a resource without the client
    /// (the client itself, or a development route).
    pub fn alone(response: T) -> Envelope<T> {
        Envelope { response, client: None }
    }
}

/// `{"data": [...], "total_count": N}`: a page of a list.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "{T}List"))]
pub struct ListJson<T> {
    /// This page.
    pub data: Vec<T>,
    /// How many there are in all.
    pub total_count: u64,
}

/// A browser's client: its sessions and its sign-in or sign-up in progress.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct ClientJson {
    pub object: String,
    pub id: String,
    pub sessions: Vec<SessionJson>,
    pub sign_in: Option<SignInJson>,
    pub sign_up: Option<SignUpJson>,
    pub last_active_session_id: Option<String>,
    pub cookie_expires_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl ClientJson {
    /// The last active session, when it is still live.
    pub fn last_active_session(&self) -> Option<&SessionJson> {
        let id = self.last_active_session_id.as_deref()?;
        self.sessions.iter().find(|s| s.id == id && s.status.is_live())
    }
}

/// `{"key": "choose-organization"}`
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TaskJson {
    /// Which task.
    pub key: TaskKey,
}

/// `{"object": "token", "jwt": ...}`
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct TokenJson {
    pub object: String,
    pub jwt: String,
}

/// `{"object": ..., "id": ..., "deleted": true}`: what a removal answers.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct DeletedJson {
    /// The kind of what was removed (`phone_number`, `totp`).
    pub object: String,
    /// Its id.
    pub id: String,
    /// Always `true`.
    pub deleted: bool,
}

impl DeletedJson {
    /// `object` `id` is gone.
    pub fn new(object: &str, id: String) -> DeletedJson {
        DeletedJson { object: object.to_string(), id, deleted: true }
    }
}

/// A session of a client.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SessionJson {
    pub object: String,
    pub id: String,
    pub status: SessionStatus,
    /// Non-empty exactly when `status` is `pending`; in the order to do them.
    #[serde(default)]
    pub tasks: Option<Vec<TaskJson>>,
    #[serde(default)]
    pub last_active_organization_id: Option<String>,
    #[serde(default)]
    pub last_active_token: Option<TokenJson>,
    #[serde(default)]
    pub user: Option<UserJson>,
    #[serde(default)]
    pub public_user_data: PublicUserDataJson,
    #[serde(default)]
    pub factor_verification_age: Option<Vec<i64>>,
    #[serde(default)]
    pub expire_at: i64,
    #[serde(default)]
    pub abandon_at: i64,
    #[serde(default)]
    pub last_active_at: i64,
    #[serde(default)]
    pub created_at: i64,
    #[serde(default)]
    pub updated_at: i64,
}

impl SessionJson {
    /// The task to do now: the first of `tasks`.
    pub fn current_task(&self) -> Option<TaskKey> {
        self.tasks.as_ref().and_then(|t| t.first()).map(|t| t.key)
    }
}

/// What a session shows of its user without the whole user.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct PublicUserDataJson {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub image_url: String,
    pub has_image: bool,
    pub identifier: String,
    pub user_id: Option<String>,
}

/// A verification's state.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct VerificationJson {
    pub object: Option<String>,
    pub status: VerificationStatus,
    pub strategy: Option<Strategy>,
    pub attempts: Option<u32>,
    pub expire_at: Option<i64>,
    /// What the verification waits for (`needs_prepare`: no code sent yet;
    /// `needs_attempt`: a code was sent), where the resource says it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_action: Option<String>,
    /// The strategies it can be prepared with, where the resource says it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supported_strategies: Option<Vec<Strategy>>,
}

/// An email address of a user.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct EmailAddressJson {
    pub object: String,
    pub id: String,
    pub email_address: String,
    pub verification: Option<VerificationJson>,
    /// Opaque to the portal: written by the server, not decoded.
    #[serde(skip_deserializing)]
    pub linked_to: Vec<serde_json::Value>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A user.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct UserJson {
    pub object: String,
    pub id: String,
    pub primary_email_address_id: Option<String>,
    pub primary_phone_number_id: Option<String>,
    pub email_addresses: Vec<EmailAddressJson>,
    pub phone_numbers: Vec<PhoneNumberJson>,
    pub organization_memberships: Vec<MembershipJson>,
    pub password_enabled: bool,
    pub totp_enabled: bool,
    pub backup_code_enabled: bool,
    /// Vestibule's addition: how many unused backup codes the user has.
    pub backup_codes_remaining: u32,
    pub two_factor_enabled: bool,
    pub create_organization_enabled: bool,
    pub create_organizations_limit: Option<u32>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub image_url: String,
    pub has_image: bool,
    pub last_sign_in_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl UserJson {
    /// The primary email address, if any.
    pub fn primary_email(&self) -> Option<&str> {
        let id = self.primary_email_address_id.as_deref()?;
        self.email_addresses
            .iter()
            .find(|e| e.id == id)
            .map(|e| e.email_address.as_str())
    }
}

/// The authenticator app of a user (`POST /me/totp` and its verification).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct TotpJson {
    pub object: String,
    pub id: String,
    /// Base32 secret; only in the create response while unverified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// `otpauth://totp/...`; only with `secret`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    pub verified: bool,
    /// Only in the verification response that made it the user's first
    /// second factor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backup_codes: Option<Vec<String>>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A phone number of a user (E.164).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct PhoneNumberJson {
    pub object: String,
    pub id: String,
    pub phone_number: String,
    pub reserved_for_second_factor: bool,
    pub default_second_factor: bool,
    pub verification: Option<VerificationJson>,
    /// Opaque to the portal: written by the server, not decoded.
    #[serde(skip_deserializing)]
    pub linked_to: Vec<serde_json::Value>,
    /// Only in the answer that made it the user's first second factor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backup_codes: Option<Vec<String>>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl PhoneNumberJson {
    /// Whether the number was verified.
    pub fn verified(&self) -> bool {
        self.verification.as_ref().is_some_and(|v| v.status == VerificationStatus::Verified)
    }
}

impl TotpJson {
    /// The `object` of this resource (also the prefix of its ids).
    pub const OBJECT: &'static str = "totp";
}

/// A new set of backup codes (`POST /me/backup_codes`); shown once.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct BackupCodeJson {
    pub object: String,
    pub id: String,
    pub codes: Vec<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl BackupCodeJson {
    /// The `object` of this resource.
    pub const OBJECT: &'static str = "backup_code";
}

/// A factor a sign-in may use.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FactorJson {
    pub strategy: Strategy,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub safe_identifier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_address_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary: Option<bool>,
}

impl FactorJson {
    /// A factor with only its strategy.
    pub fn new(strategy: Strategy) -> FactorJson {
        FactorJson { strategy, safe_identifier: None, email_address_id: None, phone_number_id: None, primary: None }
    }
}

/// A session's reverification (`POST /client/sessions/{id}/verify` and its
/// `prepare_first_factor` / `attempt_first_factor`), as clerk-js reads it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct SessionVerificationJson {
    /// `session_verification`.
    pub object: String,
    pub id: String,
    pub status: SessionVerificationStatus,
    /// `first_factor` (what this server asks for).
    pub level: String,
    pub session: Option<SessionJson>,
    pub supported_first_factors: Vec<FactorJson>,
    pub supported_second_factors: Option<Vec<FactorJson>>,
    pub first_factor_verification: Option<VerificationJson>,
    pub second_factor_verification: Option<VerificationJson>,
}

/// A sign-in in progress.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct SignInJson {
    pub object: String,
    pub id: String,
    pub status: SignInStatus,
    pub identifier: Option<String>,
    pub supported_identifiers: Vec<String>,
    pub supported_first_factors: Vec<FactorJson>,
    pub supported_second_factors: Option<Vec<FactorJson>>,
    pub first_factor_verification: Option<VerificationJson>,
    pub second_factor_verification: Option<VerificationJson>,
    pub created_session_id: Option<String>,
    pub user_data: Option<PublicUserDataJson>,
    pub abandon_at: i64,
}

/// A sign-up in progress.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct SignUpJson {
    pub object: String,
    pub id: String,
    pub status: SignUpStatus,
    pub required_fields: Vec<String>,
    pub optional_fields: Vec<String>,
    pub missing_fields: Vec<String>,
    pub unverified_fields: Vec<String>,
    pub verifications: SignUpVerificationsJson,
    pub email_address: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub has_password: bool,
    pub created_session_id: Option<String>,
    pub created_user_id: Option<String>,
    pub abandon_at: i64,
}

/// The verifications of a sign-up, by field.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct SignUpVerificationsJson {
    pub email_address: Option<VerificationJson>,
    pub phone_number: Option<VerificationJson>,
    pub web3_wallet: Option<VerificationJson>,
    pub external_account: Option<VerificationJson>,
}

/// An organization.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct OrganizationJson {
    pub object: String,
    pub id: String,
    pub name: String,
    pub slug: String,
    pub image_url: String,
    pub has_image: bool,
    pub members_count: u64,
    pub pending_invitations_count: u64,
    pub max_allowed_memberships: u64,
    pub admin_delete_enabled: bool,
    /// Opaque to the portal: written by the server, not decoded.
    #[serde(skip_deserializing)]
    pub public_metadata: serde_json::Value,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A user's membership in an organization.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct MembershipJson {
    pub object: String,
    pub id: String,
    pub organization: OrganizationJson,
    /// `org:admin` or `org:member`.
    pub role: String,
    pub role_name: String,
    pub permissions: Vec<String>,
    /// Opaque to the portal: written by the server, not decoded.
    #[serde(skip_deserializing)]
    pub public_metadata: serde_json::Value,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What an invitation shows of its organization.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct PublicOrganizationDataJson {
    pub id: String,
    pub name: String,
    pub slug: String,
    pub image_url: String,
    pub has_image: bool,
}

/// An invitation of the current user to an organization.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct InvitationJson {
    pub object: String,
    pub id: String,
    pub email_address: String,
    pub public_organization_data: PublicOrganizationDataJson,
    /// `pending`, `accepted`, `revoked`.
    pub status: String,
    pub role: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A suggestion to join an organization by the domain of a verified email
/// address. None is made while organization domains are off (as they are
/// on every instance today); the type says what the list would hold.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct OrganizationSuggestionJson {
    pub object: String,
    pub id: String,
    pub public_organization_data: PublicOrganizationDataJson,
    /// `pending` or `accepted`.
    pub status: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The parts of `GET /environment` the portal reads (the server writes
/// the whole resource clerk-js expects; decoding keeps only these).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct EnvironmentJson {
    pub display_config: DisplayConfigJson,
    pub user_settings: UserSettingsJson,
    pub organization_settings: OrganizationSettingsJson,
}

/// `display_config` of the environment.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct DisplayConfigJson {
    pub application_name: String,
    pub instance_environment_type: String,
    /// Origins a `redirect_url` may point at besides the portal's own: the
    /// instance's `allowed_origins` (the applications it signs users in for).
    pub allowed_redirect_origins: Vec<String>,
    /// The locale the portal speaks unless `?locale=` asks for another
    /// (the operator's `default_locale`); `None`: the browser's languages.
    pub default_locale: Option<String>,
}

/// `user_settings` of the environment.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct UserSettingsJson {
    pub password_settings: PasswordSettingsJson,
    pub attributes: AttributesJson,
}

/// The attributes of `user_settings` that decide the second factors.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct AttributesJson {
    pub authenticator_app: AttributeJson,
    pub phone_number: AttributeJson,
    pub backup_code: AttributeJson,
}

/// One attribute of `user_settings.attributes`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct AttributeJson {
    pub enabled: bool,
    pub used_for_second_factor: bool,
}

impl EnvironmentJson {
    /// The second factors a user can set up here, in the order the portal
    /// offers them: `totp`, `phone_code`, `backup_code`.
    pub fn second_factors(&self) -> Vec<Strategy> {
        let a = &self.user_settings.attributes;
        [
            (a.authenticator_app.used_for_second_factor, Strategy::Totp),
            (a.phone_number.used_for_second_factor, Strategy::PhoneCode),
            (a.backup_code.used_for_second_factor, Strategy::BackupCode),
        ]
        .into_iter()
        .filter_map(|(on, s)| on.then_some(s))
        .collect()
    }
}

/// `user_settings.password_settings`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct PasswordSettingsJson {
    pub min_length: u32,
    pub max_length: u32,
}

/// `organization_settings` of the environment.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct OrganizationSettingsJson {
    pub enabled: bool,
    pub force_organization_selection: bool,
}

/// A message the development delivery "sent" (`GET /v1/dev/outbox`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OutboxMessageJson {
    pub id: String,
    pub channel: Channel,
    pub to: String,
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub created_at: i64,
}

/// Derives an organization slug from its name: lowercase ASCII letters and
/// digits, words joined by single hyphens.
pub fn slug_from_name(name: &str) -> String {
    slug_from_lowercase(name.chars().flat_map(char::to_lowercase), char::is_alphanumeric)
}

/// [`slug_from_name`] of a name already lowercased, with `is_alphanumeric`
/// saying which characters are letters or digits (a letter or digit
/// outside ASCII is left out; anything else separates words). The portal
/// passes the browser's Unicode rules (`toLowerCase`, `\p{Alphabetic}`,
/// `\p{N}`), so its wasm carries none of Rust's case and property tables.
pub fn slug_from_lowercase(lowercase: impl Iterator<Item = char>, is_alphanumeric: impl Fn(char) -> bool) -> String {
    let mut slug = String::new();
    for c in lowercase {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if is_alphanumeric(c) {
            continue;
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    slug
}

/// Whether `slug` matches `^[a-z0-9]+(?:-[a-z0-9]+)*$`.
pub fn is_valid_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug.split('-').all(|part| {
            !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

#[cfg(test)]
mod tests {
    #[test]
    fn second_factors_follow_the_environment_attributes_in_order() {
        let json = r#"{"user_settings":{"attributes":{
            "backup_code":{"enabled":true,"used_for_second_factor":true},
            "phone_number":{"enabled":true,"used_for_second_factor":true},
            "authenticator_app":{"enabled":true,"used_for_second_factor":true}}}}"#;
        let env: EnvironmentJson = serde_json::from_str(json).expect("parses");
        assert_eq!(env.second_factors(), Strategy::SECOND_FACTORS.to_vec());
        let json = r#"{"user_settings":{"attributes":{"phone_number":{"enabled":true,"used_for_second_factor":false},
            "backup_code":{"enabled":true,"used_for_second_factor":true}}}}"#;
        let env: EnvironmentJson = serde_json::from_str(json).expect("parses");
        assert_eq!(env.second_factors(), vec![Strategy::BackupCode]);
        assert!(EnvironmentJson::default().second_factors().is_empty());
    }

    use super::*;

    #[test]
    fn slugs_are_derived_and_checked() {
        assert_eq!(slug_from_name("Acme"), "acme");
        assert_eq!(slug_from_name("  Acme  Widgets, Inc. "), "acme-widgets-inc");
        assert_eq!(slug_from_name("Ünïcode Org"), "ncode-org");
        assert!(is_valid_slug("acme"));
        assert!(is_valid_slug("acme-2"));
        for bad in ["", "-acme", "acme-", "ac--me", "Acme", "ac me", "acmé"] {
            assert!(!is_valid_slug(bad), "{bad:?}");
        }
    }

    #[test]
    fn a_session_reads_its_current_task() {
        let json = r#"{"object":"session","id":"sess_1","status":"pending",
            "tasks":[{"key":"reset-password"},{"key":"choose-organization"}]}"#;
        let s: SessionJson = serde_json::from_str(json).expect("parses");
        assert_eq!(s.current_task(), Some(TaskKey::ResetPassword));
    }
}
