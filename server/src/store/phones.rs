//! `phone_numbers`: users' phone numbers, their verification, and whether
//! they serve as a second factor.

use sqlx::{FromRow, SqliteConnection, SqliteExecutor};

/// A phone number row.
#[derive(Clone, Debug, FromRow)]
pub struct PhoneRow {
    pub id: String,
    pub user_id: String,
    pub phone: String,
    pub verified: bool,
    pub reserved_for_second_factor: bool,
    pub default_second_factor: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLS: &str = "id, user_id, phone, verified, reserved_for_second_factor, default_second_factor, created_at, updated_at";

/// What adding a number did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Added {
    /// Added, with this id.
    Yes(String),
    /// The user already has this number.
    Duplicate,
    /// The user already has `max` numbers.
    Full,
}

/// Adds an unverified number unless the user already holds `max` numbers,
/// checked and recorded in one statement.
pub async fn insert(ex: impl SqliteExecutor<'_>, user_id: &str, phone: &str, max: i64, now: i64) -> sqlx::Result<Added> {
    let id = crate::ids::new_id("idn");
    let r = sqlx::query(
        "INSERT INTO phone_numbers (id, user_id, phone, created_at, updated_at)
         SELECT ?1, ?2, ?3, ?4, ?4 WHERE (SELECT COUNT(*) FROM phone_numbers WHERE user_id = ?2) < ?5",
    )
    .bind(&id)
    .bind(user_id)
    .bind(phone)
    .bind(now)
    .bind(max)
    .execute(ex)
    .await;
    Ok(match r {
        Ok(done) if done.rows_affected() == 1 => Added::Yes(id),
        Ok(_) => Added::Full,
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Added::Duplicate,
        Err(e) => return Err(e),
    })
}

/// Replaces the digits of a number; `false` when the user already has the
/// new ones.
pub async fn set_number(ex: impl SqliteExecutor<'_>, id: &str, phone: &str, now: i64) -> sqlx::Result<bool> {
    let r = sqlx::query("UPDATE phone_numbers SET phone = ?, updated_at = ? WHERE id = ? AND verified = 0")
        .bind(phone)
        .bind(now)
        .bind(id)
        .execute(ex)
        .await;
    Ok(crate::store::users::unique_or(r, ())?.is_some())
}

/// Whether another user has verified this number.
pub async fn verified_elsewhere(ex: impl SqliteExecutor<'_>, phone: &str, user_id: &str) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM phone_numbers WHERE phone = ? AND verified = 1 AND user_id <> ?")
        .bind(phone)
        .bind(user_id)
        .fetch_one(ex)
        .await?;
    Ok(n > 0)
}

/// The user's number with this id.
pub async fn by_id(ex: impl SqliteExecutor<'_>, user_id: &str, id: &str) -> sqlx::Result<Option<PhoneRow>> {
    sqlx::query_as(&format!("SELECT {COLS} FROM phone_numbers WHERE id = ? AND user_id = ?"))
        .bind(id)
        .bind(user_id)
        .fetch_optional(ex)
        .await
}

/// The user's numbers, oldest first.
pub async fn of_user(ex: impl SqliteExecutor<'_>, user_id: &str) -> sqlx::Result<Vec<PhoneRow>> {
    sqlx::query_as(&format!("SELECT {COLS} FROM phone_numbers WHERE user_id = ? ORDER BY created_at, id"))
        .bind(user_id)
        .fetch_all(ex)
        .await
}

/// Marks the number verified.
pub async fn set_verified(ex: impl SqliteExecutor<'_>, id: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE phone_numbers SET verified = 1, updated_at = ? WHERE id = ?").bind(now).bind(id).execute(ex).await.map(|_| ())
}

/// Sets the second-factor flags (call inside a transaction): a default
/// number is reserved, and at most one number of the user is the default.
pub async fn set_second_factor(conn: &mut SqliteConnection, row: &PhoneRow, reserved: bool, default: bool, now: i64) -> sqlx::Result<()> {
    if default {
        sqlx::query("UPDATE phone_numbers SET default_second_factor = 0, updated_at = ? WHERE user_id = ? AND id <> ? AND default_second_factor = 1")
            .bind(now)
            .bind(&row.user_id)
            .bind(&row.id)
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query("UPDATE phone_numbers SET reserved_for_second_factor = ?, default_second_factor = ?, updated_at = ? WHERE id = ?")
        .bind(reserved || default)
        .bind(default)
        .bind(now)
        .bind(&row.id)
        .execute(&mut *conn)
        .await
        .map(|_| ())
}

/// Removes the number.
pub async fn delete(ex: impl SqliteExecutor<'_>, id: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM phone_numbers WHERE id = ?").bind(id).execute(ex).await.map(|_| ())
}
