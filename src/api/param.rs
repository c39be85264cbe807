//! The names of the Frontend API's form parameters. Each is also the
//! `meta.param_name` of an error that concerns it, so the screens use these
//! names to put the server's messages next to the right field.

/// The sign-in identifier (an email address).
pub const IDENTIFIER: &str = "identifier";
/// The account password (sign-in, sign-up, reverification).
pub const PASSWORD: &str = "password";
/// Which factor a first- or second-factor call proves.
pub const STRATEGY: &str = "strategy";
/// A verification code (emailed, texted, authenticator or backup).
pub const CODE: &str = "code";
/// A sign-up's email address; also the name of that field in a sign-up's
/// `unverified_fields`.
pub const EMAIL_ADDRESS: &str = "email_address";
/// Which email address a code goes to.
pub const EMAIL_ADDRESS_ID: &str = "email_address_id";
/// A phone number for SMS codes.
pub const PHONE_NUMBER: &str = "phone_number";
/// The new password of the reset-password task.
pub const NEW_PASSWORD: &str = "new_password";
/// Whether a password change ends the user's other sessions.
pub const SIGN_OUT_OF_OTHER_SESSIONS: &str = "sign_out_of_other_sessions";
/// An organization's name.
pub const NAME: &str = "name";
/// An organization's slug.
pub const SLUG: &str = "slug";
/// What a reverification confirms (`first_factor`).
pub const LEVEL: &str = "level";
/// The organization a session touch activates.
pub const ACTIVE_ORGANIZATION_ID: &str = "active_organization_id";
/// Why a session is touched.
pub const INTENT: &str = "intent";
/// Makes a phone number usable as a second factor.
pub const RESERVED_FOR_SECOND_FACTOR: &str = "reserved_for_second_factor";
/// Makes a phone number the default second factor.
pub const DEFAULT_SECOND_FACTOR: &str = "default_second_factor";
