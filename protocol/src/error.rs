//! The error envelope every 4xx carries, and the codes the SDK and the
//! portal branch on (`frontend-api.md` section 1).

use crate::wire_enum;
use serde::{Deserialize, Serialize};

wire_enum! {
    /// The error codes of the Frontend API, as exact wire strings.
    pub enum ErrorCode {
        /// A required parameter is absent.
        FormParamMissing = "form_param_missing",
        /// A parameter has the wrong shape or type.
        FormParamFormatInvalid = "form_param_format_invalid",
        /// The email address or slug is taken.
        FormIdentifierExists = "form_identifier_exists",
        /// No user has this identifier.
        FormIdentifierNotFound = "form_identifier_not_found",
        /// The password is wrong.
        FormPasswordIncorrect = "form_password_incorrect",
        /// The password is on a breached list.
        FormPasswordPwned = "form_password_pwned",
        /// The password is too short.
        FormPasswordLengthTooShort = "form_password_length_too_short",
        /// The password fails a rule no other code names.
        FormPasswordValidationFailed = "form_password_validation_failed",
        /// The password is too easy to guess (zxcvbn; suggestions in `meta.zxcvbn`).
        FormPasswordNotStrongEnough = "form_password_not_strong_enough",
        /// The password is too long.
        FormPasswordLengthTooLong = "form_password_length_too_long",
        /// The new password is the current one.
        FormNewPasswordMatchesCurrent = "form_new_password_matches_current",
        /// The password is marked compromised and cannot finish sign-in.
        FormPasswordCompromised = "form_password_compromised",
        /// The verification code is wrong.
        FormCodeIncorrect = "form_code_incorrect",
        /// The verification expired.
        VerificationExpired = "verification_expired",
        /// The verification can no longer succeed (too many tries).
        VerificationFailed = "verification_failed",
        /// Rate limited.
        TooManyRequests = "too_many_requests",
        /// The user is locked out.
        UserLocked = "user_locked",
        /// No valid client or session.
        AuthenticationInvalid = "authentication_invalid",
        /// No such resource.
        ResourceNotFound = "resource_not_found",
        /// The organization does not exist or the caller may not see it.
        OrganizationNotFoundOrUnauthorized = "organization_not_found_or_unauthorized",
        /// The caller is not a member of that organization.
        NotAMemberInOrganization = "not_a_member_in_organization",
        /// The session already exists.
        SessionExists = "session_exists",
        /// A sensitive change needs a first factor verified recently
        /// (reverification); `meta.reverification` says which and how recently.
        SessionReverificationRequired = "session_reverification_required",
        /// The phone number is taken.
        PhoneNumberExists = "phone_number_exists",
        /// The request's Origin is not allowed.
        OriginInvalid = "origin_invalid",
        /// The dev-browser token (`__clerk_db_jwt`) names no client: the SDK
        /// asks for a new one.
        DevBrowserUnauthenticated = "dev_browser_unauthenticated",
        /// The redirect target is not allowed.
        RedirectUrlNotAllowed = "redirect_url_not_allowed",
        /// The request is not allowed for this caller.
        Forbidden = "forbidden",
        /// The request body or method is not acceptable.
        RequestInvalid = "request_invalid",
        /// A code could not be sent (the email or SMS sender failed).
        DeliveryFailed = "delivery_failed",
        /// The database is out of reach for now; try again shortly.
        ServiceUnavailable = "service_unavailable",
        /// Something failed on the server.
        InternalError = "internal_clerk_error",
    }
}

/// `{"errors": [...]}`: the body of every error answer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ErrorEnvelope {
    /// One or more errors; the first is the one to show.
    pub errors: Vec<WireError>,
}

/// One error of the envelope.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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

impl WireError {
    /// An error with `code` and `message` (also the long message).
    pub fn new(code: ErrorCode, message: impl Into<String>, meta: ErrorMeta) -> WireError {
        let message = message.into();
        WireError { code: code.as_str().to_string(), long_message: message.clone(), message, meta }
    }

    /// The code as an [`ErrorCode`]; `None` for a code this version does
    /// not know (kept as text in `code` so nothing is lost).
    pub fn error_code(&self) -> Option<ErrorCode> {
        ErrorCode::parse(&self.code)
    }

    /// Whether this error has `code`.
    pub fn is(&self, code: ErrorCode) -> bool {
        self.code == code.as_str()
    }
}

/// Details of an error.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct ReverificationMeta {
    /// `first_factor`.
    pub level: String,
    /// The factor must have been verified less than this many minutes ago.
    pub after_minutes: u32,
}

/// `meta.zxcvbn` of a `form_password_not_strong_enough` error.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct ZxcvbnMeta {
    /// What would make the password stronger.
    pub suggestions: Vec<ZxcvbnSuggestion>,
}

/// One suggestion.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct ZxcvbnSuggestion {
    /// A stable code (e.g. `useAFewWords`).
    pub code: String,
    /// The suggestion for people.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_parse_from_the_wire() {
        for code in ErrorCode::ALL {
            assert_eq!(ErrorCode::parse(code.as_str()), Some(*code));
        }
        assert_eq!(ErrorCode::InternalError.as_str(), "internal_clerk_error");
        let e: WireError = serde_json::from_str(r#"{"code":"user_locked","message":"m"}"#).expect("parses");
        assert_eq!(e.error_code(), Some(ErrorCode::UserLocked));
        assert!(e.is(ErrorCode::UserLocked));
        let e: WireError = serde_json::from_str(r#"{"code":"something_new","message":"m"}"#).expect("parses");
        assert_eq!(e.error_code(), None);
    }
}
