//! `vestibule admin backup --to FILE`: a consistent snapshot of a running
//! SQLite instance, taken with `VACUUM INTO` (one read transaction, so the
//! server goes on serving and the snapshot is one moment of it), checked
//! with `PRAGMA integrity_check` before it is reported. The key files are
//! not in the database; the report names them so that they are kept beside
//! the snapshot. On PostgreSQL the database's own tools (`pg_dump`) do this,
//! and the keys are in the database.

use crate::store::Location;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection, Row};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long the snapshot waits for a writer to let go of the database.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// What a backup wrote.
#[derive(Debug)]
pub struct Snapshot {
    /// The snapshot file.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// Users in it.
    pub users: i64,
    /// The key files beside the source database that a restore needs
    /// beside the snapshot.
    pub key_files: Vec<PathBuf>,
}

/// Writes a snapshot of the SQLite database at `location` into `to`, which
/// must not exist yet.
pub async fn run(location: &Location, to: &Path) -> Result<Snapshot, String> {
    let source = match location {
        Location::Sqlite(path) => path,
        Location::Postgres(_) => {
            return Err("backup takes snapshots of SQLite instances; on PostgreSQL use pg_dump (the keys are in the database)".into())
        }
    };
    if !source.is_file() {
        return Err(format!("there is no database at {}", source.display()));
    }
    if to.exists() {
        return Err(format!("{} already exists: a backup never overwrites a file", to.display()));
    }
    let target = to.to_str().ok_or_else(|| format!("{} is not a UTF-8 path", to.display()))?;
    let mut conn = SqliteConnectOptions::new()
        .filename(source)
        .busy_timeout(BUSY_TIMEOUT)
        .connect()
        .await
        .map_err(|e| format!("cannot open {}: {e}", source.display()))?;
    sqlx::query("VACUUM INTO ?").bind(target).execute(&mut conn).await.map_err(|e| format!("cannot write {target}: {e}"))?;
    conn.close().await.map_err(|e| e.to_string())?;
    let users = check(to).await?;
    let bytes = std::fs::metadata(to).map_err(|e| format!("{}: {e}", to.display()))?.len();
    let dir = source.parent().unwrap_or(Path::new("."));
    let key_files = crate::copy_database::SECRETS.iter().map(|(file, _)| dir.join(file)).filter(|p| p.is_file()).collect();
    Ok(Snapshot { path: to.to_path_buf(), bytes, users, key_files })
}

/// `PRAGMA integrity_check` on the snapshot; its number of users.
async fn check(path: &Path) -> Result<i64, String> {
    let mut conn = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .connect()
        .await
        .map_err(|e| format!("cannot open the snapshot {}: {e}", path.display()))?;
    let verdict: String = sqlx::query("PRAGMA integrity_check").fetch_one(&mut conn).await.and_then(|r| r.try_get(0)).map_err(|e| e.to_string())?;
    if verdict != "ok" {
        return Err(format!("the snapshot {} fails its integrity check: {verdict}", path.display()));
    }
    let users: i64 = sqlx::query("SELECT COUNT(*) FROM users").fetch_one(&mut conn).await.and_then(|r| r.try_get(0)).map_err(|e| e.to_string())?;
    conn.close().await.map_err(|e| e.to_string())?;
    Ok(users)
}
