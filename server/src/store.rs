//! All SQL lives under this module, one file per table group; handlers call
//! these functions and never build SQL themselves.

pub mod clients;
pub mod codes;
mod columns;
pub mod orgs;
pub mod outbox;
pub mod phones;
pub mod second_factors;
pub mod sessions;
pub mod settings;
pub mod sign_ins;
pub mod sign_ups;
pub mod users;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use std::path::Path;
use std::str::FromStr;

/// Opens (creating if needed) `vestibule.db` in `dir` with WAL, foreign keys
/// and `synchronous=NORMAL`, and runs the migrations.
pub async fn open(dir: &Path) -> Result<SqlitePool, sqlx::Error> {
    let path = dir.join("vestibule.db");
    let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(std::time::Duration::from_secs(10));
    let pool = SqlitePoolOptions::new().max_connections(8).connect_with(options).await?;
    sqlx::migrate!("./migrations").run(&pool).await?;
    Ok(pool)
}
