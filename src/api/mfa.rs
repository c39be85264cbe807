//! Second factors of the signed-in user: the authenticator app, phone
//! numbers for SMS codes, and backup codes.

use super::param::{CODE, DEFAULT_SECOND_FACTOR, PHONE_NUMBER, RESERVED_FOR_SECOND_FACTOR, STRATEGY};
use super::{Api, ApiError};
use vestibule_protocol::wire::{BackupCodeJson, Envelope, PhoneNumberJson, TotpJson};
use vestibule_protocol::Strategy;

/// `POST /me/totp`: the secret and `otpauth://` URI (the same ones again
/// while unverified).
pub async fn create_totp(api: &Api) -> Result<Envelope<TotpJson>, ApiError> {
    api.send("POST", "/me/totp", &[]).await
}

/// `POST /me/totp/attempt_verification`: a right code enables the app and,
/// as the first second factor, brings backup codes.
pub async fn verify_totp(api: &Api, code: &str) -> Result<Envelope<TotpJson>, ApiError> {
    api.send("POST", "/me/totp/attempt_verification", &[(CODE, code)]).await
}

/// `POST /me/backup_codes`: a new set; the old one stops working.
pub async fn create_backup_codes(api: &Api) -> Result<Envelope<BackupCodeJson>, ApiError> {
    api.send("POST", "/me/backup_codes", &[]).await
}

/// `POST /me/phone_numbers`: adds a number (normalised to E.164 by the
/// server).
pub async fn add_phone(api: &Api, phone_number: &str) -> Result<Envelope<PhoneNumberJson>, ApiError> {
    api.send("POST", "/me/phone_numbers", &[(PHONE_NUMBER, phone_number)]).await
}

/// `POST /me/phone_numbers/{id}/prepare_verification`: texts a code.
pub async fn send_phone_code(api: &Api, id: &str) -> Result<Envelope<PhoneNumberJson>, ApiError> {
    api.send("POST", &format!("/me/phone_numbers/{id}/prepare_verification"), &[(STRATEGY, Strategy::PhoneCode.as_str())])
        .await
}

/// `POST /me/phone_numbers/{id}/attempt_verification` with the texted code.
pub async fn verify_phone(api: &Api, id: &str, code: &str) -> Result<Envelope<PhoneNumberJson>, ApiError> {
    api.send("POST", &format!("/me/phone_numbers/{id}/attempt_verification"), &[(CODE, code)]).await
}

/// `PATCH /me/phone_numbers/{id}`: makes the verified number the default
/// second factor; as the first one, the answer brings backup codes.
pub async fn reserve_phone(api: &Api, id: &str) -> Result<Envelope<PhoneNumberJson>, ApiError> {
    api.send(
        "PATCH",
        &format!("/me/phone_numbers/{id}"),
        &[(RESERVED_FOR_SECOND_FACTOR, "true"), (DEFAULT_SECOND_FACTOR, "true")],
    )
    .await
}
