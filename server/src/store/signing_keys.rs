//! `signing_keys`: the keys made by rotation, each with when it was
//! retired (none for the one that signs).

use super::db::{on_db, Exec};
use sqlx::FromRow;

/// A stored signing key.
#[derive(Clone, FromRow)]
pub struct SigningKeyRow {
    /// Its key id (as in token headers and the JWKS).
    pub kid: String,
    /// The private key, PKCS#8 PEM.
    pub pem: String,
    /// When a rotation stored it (0 for the instance's first key).
    pub created_at: i64,
    /// When another key replaced it.
    pub retired_at: Option<i64>,
}

/// Without the private key.
impl std::fmt::Debug for SigningKeyRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKeyRow").field("kid", &self.kid).field("created_at", &self.created_at).field("retired_at", &self.retired_at).finish_non_exhaustive()
    }
}

/// The order keys are listed in: those that sign first (the newest
/// first), then the retired ones, the most recently retired first.
const ORDER: &str = "ORDER BY retired_at IS NOT NULL, retired_at DESC, created_at DESC, kid DESC";

/// Every stored key, in [`ORDER`].
pub async fn all(ex: impl Into<Exec<'_>>) -> sqlx::Result<Vec<SigningKeyRow>> {
    on_db!(ex, |ex, sql| {
        sqlx::query_as(sql(&format!("SELECT kid, pem, created_at, retired_at FROM signing_keys {ORDER}"))).fetch_all(ex).await
    })
}

/// What tells a replica the stored keys changed: each key's id and
/// retirement, in [`ORDER`].
pub async fn version(ex: impl Into<Exec<'_>>) -> sqlx::Result<Vec<(String, Option<i64>)>> {
    on_db!(ex, |ex, sql| sqlx::query_as(sql(&format!("SELECT kid, retired_at FROM signing_keys {ORDER}"))).fetch_all(ex).await)
}

/// Stores `kid` (`pem`), retired at `retired_at` when given, unless a key
/// with that id is there already.
pub async fn insert(ex: impl Into<Exec<'_>>, kid: &str, pem: &str, now: i64, retired_at: Option<i64>) -> sqlx::Result<()> {
    on_db!(ex, |ex, sql| {
        sqlx::query(sql("INSERT INTO signing_keys (kid, pem, created_at, retired_at) VALUES (?, ?, ?, ?) ON CONFLICT(kid) DO NOTHING"))
            .bind(kid)
            .bind(pem)
            .bind(now)
            .bind(retired_at)
            .execute(ex)
            .await
            .map(|_| ())
    })
}

/// Retires, at `now`, every key that still signs other than `kid`.
pub async fn retire_all_but(ex: impl Into<Exec<'_>>, kid: &str, now: i64) -> sqlx::Result<()> {
    on_db!(ex, |ex, sql| {
        sqlx::query(sql("UPDATE signing_keys SET retired_at = ? WHERE retired_at IS NULL AND kid <> ?"))
            .bind(now)
            .bind(kid)
            .execute(ex)
            .await
            .map(|_| ())
    })
}

/// Forgets the keys retired before `before` (long past any token they
/// signed).
pub async fn forget_retired_before(ex: impl Into<Exec<'_>>, before: i64) -> sqlx::Result<()> {
    on_db!(ex, |ex, sql| {
        sqlx::query(sql("DELETE FROM signing_keys WHERE retired_at < ?")).bind(before).execute(ex).await.map(|_| ())
    })
}
