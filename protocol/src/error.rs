//! The error envelope every 4xx carries, and the codes the SDK and the
//! portal branch on (`frontend-api.md` section 1).

use serde::{Deserialize, Serialize};

/// The error codes of the Frontend API, as exact wire strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// A required parameter is absent.
    FormParamMissing,
    /// A parameter has the wrong shape or type.
    FormParamFormatInvalid,
    /// The email address or slug is taken.
    FormIdentifierExists,
    /// No user has this identifier.
    FormIdentifierNotFound,
    /// The password is wrong.
    FormPasswordIncorrect,
    /// The password is on a breached list.
    FormPasswordPwned,
    /// The password is too short.
    FormPasswordLengthTooShort,
    /// The password fails another rule (too long, too weak).
    FormPasswordValidationFailed,
    /// The password is marked compromised and cannot finish sign-in.
    FormPasswordCompromised,
    /// The verification code is wrong.
    FormCodeIncorrect,
    /// The verification expired.
    VerificationExpired,
    /// The verification can no longer succeed (too many tries).
    VerificationFailed,
    /// Rate limited.
    TooManyRequests,
    /// The user is locked out.
    UserLocked,
    /// No valid client or session.
    AuthenticationInvalid,
    /// No such resource.
    ResourceNotFound,
    /// The organization does not exist or the caller may not see it.
    OrganizationNotFoundOrUnauthorized,
    /// The caller is not a member of that organization.
    NotAMemberInOrganization,
    /// The session already exists.
    SessionExists,
    /// A sensitive change needs a first factor verified recently
    /// (reverification); `meta.reverification` says which and how recently.
    SessionReverificationRequired,
    /// The phone number is taken.
    PhoneNumberExists,
    /// The request's Origin is not allowed.
    OriginInvalid,
    /// The dev-browser token (`__clerk_db_jwt`) names no client: the SDK
    /// asks for a new one.
    DevBrowserUnauthenticated,
    /// The redirect target is not allowed.
    RedirectUrlNotAllowed,
    /// The request is not allowed for this caller.
    Forbidden,
    /// The request body or method is not acceptable.
    RequestInvalid,
    /// A code could not be sent (the email or SMS sender failed).
    DeliveryFailed,
    /// Something failed on the server.
    InternalError,
}

impl ErrorCode {
    /// The exact wire string.
    pub fn as_str(self) -> &'static str {
        use ErrorCode::*;
        match self {
            FormParamMissing => "form_param_missing",
            FormParamFormatInvalid => "form_param_format_invalid",
            FormIdentifierExists => "form_identifier_exists",
            FormIdentifierNotFound => "form_identifier_not_found",
            FormPasswordIncorrect => "form_password_incorrect",
            FormPasswordPwned => "form_password_pwned",
            FormPasswordLengthTooShort => "form_password_length_too_short",
            FormPasswordValidationFailed => "form_password_validation_failed",
            FormPasswordCompromised => "form_password_compromised",
            FormCodeIncorrect => "form_code_incorrect",
            VerificationExpired => "verification_expired",
            VerificationFailed => "verification_failed",
            TooManyRequests => "too_many_requests",
            UserLocked => "user_locked",
            AuthenticationInvalid => "authentication_invalid",
            ResourceNotFound => "resource_not_found",
            OrganizationNotFoundOrUnauthorized => "organization_not_found_or_unauthorized",
            NotAMemberInOrganization => "not_a_member_in_organization",
            SessionExists => "session_exists",
            SessionReverificationRequired => "session_reverification_required",
            PhoneNumberExists => "phone_number_exists",
            OriginInvalid => "origin_invalid",
            DevBrowserUnauthenticated => "dev_browser_unauthenticated",
            RedirectUrlNotAllowed => "redirect_url_not_allowed",
            Forbidden => "forbidden",
            RequestInvalid => "request_invalid",
            DeliveryFailed => "delivery_failed",
            InternalError => "internal_clerk_error",
        }
    }
}

/// `{"errors": [...]}`: the body of every error answer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ErrorEnvelope {
    /// One or more errors; the first is the one to show.
    pub errors: Vec<WireError>,
}

/// One error of the envelope.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WireError {
    /// The machine-readable code (see [`ErrorCode`]).
    pub code: String,
    /// A short message for people.
    pub message: String,
    /// A longer message for people.
    #[serde(default)]
    pub long_message: String,
    /// Which parameter or session the error concerns.
    #[serde(default)]
    pub meta: ErrorMeta,
}

/// Details of an error.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ErrorMeta {
    /// The form field the error belongs next to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub param_name: Option<String>,
    /// The session the error concerns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// Seconds until a locked user may try again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lockout_expires_in_seconds: Option<i64>,
    /// Why a password is too weak, with suggestions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zxcvbn: Option<ZxcvbnMeta>,
    /// What a `session_reverification_required` error asks for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reverification: Option<ReverificationMeta>,
}

/// `meta.reverification`: the factor to verify again and how recent it
/// must be, so a client can ask for it and retry.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReverificationMeta {
    /// `first_factor`.
    pub level: String,
    /// The factor must have been verified less than this many minutes ago.
    pub after_minutes: u32,
}

/// `meta.zxcvbn` of a `form_password_validation_failed` error.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ZxcvbnMeta {
    /// What would make the password stronger.
    pub suggestions: Vec<ZxcvbnSuggestion>,
}

/// One suggestion.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ZxcvbnSuggestion {
    /// A stable code (e.g. `useAFewWords`).
    pub code: String,
    /// The suggestion for people.
    pub message: String,
}
