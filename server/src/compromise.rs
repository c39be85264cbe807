//! Marking a password compromised: one transaction shared by the Backend
//! API (`POST /backend/v1/users/{id}/password/set_compromised`) and the
//! command line (`vestibule admin set-compromised <email>`).

use crate::store;
use crate::store::db::Db;
use vestibule_protocol::SessionStatus;

/// Marks the user's password compromised and, with `revoke_all_sessions`,
/// ends every live session of the user, in one transaction. `Ok(false)`
/// when there is no such user.
pub async fn mark(pool: &Db, user_id: &str, revoke_all_sessions: bool, now: i64) -> sqlx::Result<bool> {
    let mut tx = pool.begin().await?;
    if !store::users::set_compromised(&mut tx, user_id, true, now).await? {
        return Ok(false);
    }
    if revoke_all_sessions {
        store::sessions::finish_all_of_user(&mut tx, user_id, None, SessionStatus::Revoked, now).await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// [`mark`] for the user owning `email` (case-insensitive); returns the
/// user's id, or `None` when no user has that address.
pub async fn mark_by_email(pool: &Db, email: &str, revoke_all_sessions: bool, now: i64) -> sqlx::Result<Option<String>> {
    let Some(user) = store::users::by_email(pool, &email.trim().to_lowercase()).await? else {
        return Ok(None);
    };
    Ok(mark(pool, &user.id, revoke_all_sessions, now).await?.then_some(user.id))
}
