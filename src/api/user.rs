//! The signed-in user's own account.

use super::param::{NEW_PASSWORD, SIGN_OUT_OF_OTHER_SESSIONS};
use super::{Api, ApiError};
use vestibule_protocol::wire::{Envelope, UserJson};

/// `POST /me/change_password` in the reset-password task (no current
/// password needed there), optionally ending the user's other sessions.
pub async fn reset_password(api: &Api, new_password: &str, sign_out_others: bool) -> Result<Envelope<UserJson>, ApiError> {
    api.send(
        "POST",
        "/me/change_password",
        &[(NEW_PASSWORD, new_password), (SIGN_OUT_OF_OTHER_SESSIONS, if sign_out_others { "true" } else { "false" })],
    )
    .await
}
