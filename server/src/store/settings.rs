//! `settings`: the instance settings once changed through the Backend API.

use sqlx::SqliteExecutor;

/// The stored settings JSON, if any.
pub async fn get(ex: impl SqliteExecutor<'_>) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT json FROM settings WHERE id = 1").fetch_optional(ex).await
}

/// Stores the settings JSON.
pub async fn put(ex: impl SqliteExecutor<'_>, json: &str) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO settings (id, json) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET json = excluded.json")
        .bind(json)
        .execute(ex)
        .await
        .map(|_| ())
}
