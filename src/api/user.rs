//! The signed-in user's own account.

use super::{Api, ApiError, Reply};
use vestibule_protocol::wire::UserJson;

/// `POST /me/change_password` in the reset-password task (no current
/// password needed there), optionally ending the user's other sessions.
pub async fn reset_password(api: &Api, new_password: &str, sign_out_others: bool) -> Result<Reply<UserJson>, ApiError> {
    api.send(
        "POST",
        "/me/change_password",
        &[("new_password", new_password), ("sign_out_of_other_sessions", if sign_out_others { "true" } else { "false" })],
    )
    .await
}
