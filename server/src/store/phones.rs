//! `phone_numbers`: users' phone numbers, their verification, and whether
//! they serve as a second factor.

use super::db::{on_db, Exec};
use sqlx::FromRow;

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
pub async fn insert(ex: impl Into<Exec<'_>>, user_id: &str, phone: &str, max: i64, now: i64) -> sqlx::Result<Added> {
    let mut ex: Exec<'_> = ex.into();
    let mut own = ex.serialize_on(&format!("phones:{user_id}")).await?;
    let exec = match &mut own {
        Some(tx) => Exec::from(tx),
        None => ex.reborrow(),
    };
    let added = on_db!(exec, |ex, sql| {
        let id = crate::ids::new_id("idn");
        let r = sqlx::query(sql("INSERT INTO phone_numbers (id, user_id, phone, created_at, updated_at)
                 SELECT ?1, ?2, ?3, ?4, ?4 WHERE (SELECT COUNT(*) FROM phone_numbers WHERE user_id = ?2) < ?5"))
        .bind(&id)
        .bind(user_id)
        .bind(phone)
        .bind(now)
        .bind(max)
        .execute(ex)
        .await;
        Ok::<_, sqlx::Error>(match r {
            Ok(done) if done.rows_affected() == 1 => Added::Yes(id),
            Ok(_) => Added::Full,
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Added::Duplicate,
            Err(e) => return Err(e),
        })
    })?;
    if let Some(tx) = own {
        tx.commit().await?;
    }
    Ok(added)
}

/// Replaces the digits of a number; `false` when the user already has the
/// new ones.
pub async fn set_number(ex: impl Into<Exec<'_>>, id: &str, phone: &str, now: i64) -> sqlx::Result<bool> {
    on_db!(ex, |ex, sql| {
        let r = sqlx::query(sql("UPDATE phone_numbers SET phone = ?, updated_at = ? WHERE id = ? AND verified = FALSE"))
            .bind(phone)
            .bind(now)
            .bind(id)
            .execute(ex)
            .await;
        Ok(crate::store::users::unique_or(r, ())?.is_some())
    })
}

/// Whether another user has verified this number.
pub async fn verified_elsewhere(ex: impl Into<Exec<'_>>, phone: &str, user_id: &str) -> sqlx::Result<bool> {
    on_db!(ex, |ex, sql| {
        let n: i64 = sqlx::query_scalar(sql("SELECT COUNT(*) FROM phone_numbers WHERE phone = ? AND verified = TRUE AND user_id <> ?"))
            .bind(phone)
            .bind(user_id)
            .fetch_one(ex)
            .await?;
        Ok(n > 0)
    })
}

/// The user's number with this id.
pub async fn by_id(ex: impl Into<Exec<'_>>, user_id: &str, id: &str) -> sqlx::Result<Option<PhoneRow>> {
    on_db!(ex, |ex, sql| {
        sqlx::query_as(sql(&format!("SELECT {COLS} FROM phone_numbers WHERE id = ? AND user_id = ?")))
            .bind(id)
            .bind(user_id)
            .fetch_optional(ex)
            .await
    })
}

/// The user's numbers, oldest first.
pub async fn of_user(ex: impl Into<Exec<'_>>, user_id: &str) -> sqlx::Result<Vec<PhoneRow>> {
    on_db!(ex, |ex, sql| {
        sqlx::query_as(sql(&format!("SELECT {COLS} FROM phone_numbers WHERE user_id = ? ORDER BY created_at, id")))
            .bind(user_id)
            .fetch_all(ex)
            .await
    })
}

/// Marks the number verified.
pub async fn set_verified(ex: impl Into<Exec<'_>>, id: &str, now: i64) -> sqlx::Result<()> {
    on_db!(ex, |ex, sql| {
        sqlx::query(sql("UPDATE phone_numbers SET verified = TRUE, updated_at = ? WHERE id = ?"))
            .bind(now)
            .bind(id)
            .execute(ex)
            .await
            .map(|_| ())
    })
}

/// Sets the second-factor flags (call inside a transaction): a default
/// number is reserved, and at most one number of the user is the default.
pub async fn set_second_factor(ex: impl Into<Exec<'_>>, row: &PhoneRow, reserved: bool, default: bool, now: i64) -> sqlx::Result<()> {
    let mut ex: Exec<'_> = ex.into();
    if default {
        on_db!(ex.reborrow(), |c, sql| {
            sqlx::query(sql("UPDATE phone_numbers SET default_second_factor = FALSE, updated_at = ? WHERE user_id = ? AND id <> ? AND default_second_factor = TRUE"))
            .bind(now)
            .bind(&row.user_id)
            .bind(&row.id)
            .execute(c)
            .await.map(|r| r.rows_affected())
        })?;
    }
    on_db!(ex.reborrow(), |c, sql| sqlx::query(sql(
        "UPDATE phone_numbers SET reserved_for_second_factor = ?, default_second_factor = ?, updated_at = ? WHERE id = ?"
    ))
    .bind(reserved || default)
    .bind(default)
    .bind(now)
    .bind(&row.id)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))
    .map(|_| ())
}

/// Removes the number.
pub async fn delete(ex: impl Into<Exec<'_>>, id: &str) -> sqlx::Result<()> {
    on_db!(ex, |ex, sql| sqlx::query(sql("DELETE FROM phone_numbers WHERE id = ?")).bind(id).execute(ex).await.map(|_| ()))
}
