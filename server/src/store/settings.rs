//! `settings`: the instance settings once changed through the Backend API.

use super::db::{on_db, Exec};

/// The stored settings JSON, if any.
pub async fn get(ex: impl Into<Exec<'_>>) -> sqlx::Result<Option<String>> {
    on_db!(ex, |ex, sql| sqlx::query_scalar(sql("SELECT json FROM settings WHERE id = 1")).fetch_optional(ex).await)
}

/// Stores the settings JSON.
pub async fn put(ex: impl Into<Exec<'_>>, json: &str) -> sqlx::Result<()> {
    on_db!(ex, |ex, sql| {
        sqlx::query(sql("INSERT INTO settings (id, json) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET json = excluded.json"))
            .bind(json)
            .execute(ex)
            .await
            .map(|_| ())
    })
}
