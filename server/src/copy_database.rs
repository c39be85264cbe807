//! `vestibule admin copy-database --from URL --to URL`: moves an instance to
//! another database (typically from the embedded SQLite to PostgreSQL, to
//! run several replicas) with everything in it, its keys included. The
//! target must be empty; after the copy the row counts of every table are
//! compared and reported.

use crate::keys::SigningKeys;
use crate::store::copy::{copy_all, count, TABLES};
use crate::store::db::Db;
use crate::store::{open, Location};
use std::path::{Path, PathBuf};

/// The files a SQLite instance keeps its secrets in, beside its database,
/// and the names they have in `instance_secrets` on a shared database.
pub(crate) const SECRETS: [(&str, &str); 3] = [("signing_key.pem", "signing_key"), ("mfa_key", "mfa_key"), ("secret_key", "secret_key")];

/// Why a copy did not happen or did not check out.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    /// A URL is not a database this server can use.
    #[error("{0}")]
    Location(String),
    /// A database could not be opened.
    #[error("database {at}: {source}")]
    Open {
        /// Which.
        at: String,
        /// Why.
        source: crate::store::OpenError,
    },
    /// The target already holds data.
    #[error("the target is not empty ({table} has {rows} rows): copy only into a new, empty database")]
    NotEmpty {
        /// The first table with rows.
        table: &'static str,
        /// How many.
        rows: i64,
    },
    /// Reading or writing failed (the copy is one transaction: nothing of it
    /// stays in the target).
    #[error("copying: {0}")]
    Db(#[from] sqlx::Error),
    /// A key file of the source could not be read or written.
    #[error("keys: {0}")]
    Keys(String),
    /// The counts differ after the copy.
    #[error("{table}: {from} rows in the source, {to} in the target")]
    Mismatch {
        /// The table.
        table: &'static str,
        /// Rows in the source.
        from: i64,
        /// Rows in the target.
        to: i64,
    },
}

/// Copies the instance at `from` into the empty database at `to`; returns
/// the row count of every table, checked equal on both sides.
pub async fn run(from: &str, to: &str, now: i64) -> Result<Vec<(&'static str, i64)>, CopyError> {
    let (from_at, to_at) = (Location::parse(from).map_err(CopyError::Location)?, Location::parse(to).map_err(CopyError::Location)?);
    let source = open_at(&from_at).await?;
    let target = open_at(&to_at).await?;
    for table in TABLES {
        let rows = count(&target, table.name).await?;
        if rows > 0 {
            return Err(CopyError::NotEmpty { table: table.name, rows });
        }
    }
    let secrets = source_secrets(&from_at, &source).await?;
    copy_all(&source, &target).await?;
    store_secrets(&to_at, &target, &secrets, now).await?;
    let mut counts = Vec::with_capacity(TABLES.len());
    for table in TABLES {
        let (mut a, b) = (count(&source, table.name).await?, count(&target, table.name).await?);
        if table.name == "instance_secrets" && matches!((&from_at, &to_at), (Location::Sqlite(_), Location::Postgres(_))) {
            // The source's key files became rows.
            a += secrets.len() as i64;
        }
        if a != b {
            return Err(CopyError::Mismatch { table: table.name, from: a, to: b });
        }
        counts.push((table.name, b));
    }
    source.close().await;
    target.close().await;
    Ok(counts)
}

async fn open_at(at: &Location) -> Result<Db, CopyError> {
    if let Location::Sqlite(file) = at {
        if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| CopyError::Keys(format!("{}: {e}", dir.display())))?;
        }
    }
    open(at, crate::store::PoolLimits::command()).await.map_err(|source| CopyError::Open { at: at.describe(), source })
}

/// The directory a SQLite instance keeps its key files in: its database's.
fn key_dir(file: &Path) -> PathBuf {
    file.parent().map(Path::to_path_buf).unwrap_or_default()
}

/// The source's secrets by name: its key files (SQLite) or its
/// `instance_secrets` rows (which the table copy carries anyway).
async fn source_secrets(at: &Location, db: &Db) -> Result<Vec<(&'static str, String)>, CopyError> {
    let mut found = Vec::new();
    for (file, name) in SECRETS {
        let value = match at {
            Location::Sqlite(db_file) => {
                let path = key_dir(db_file).join(file);
                match std::fs::read_to_string(&path) {
                    Ok(text) => Some(text),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                    Err(e) => return Err(CopyError::Keys(format!("{}: {e}", path.display()))),
                }
            }
            Location::Postgres(_) => crate::store::shared::secret(db, name).await?,
        };
        if let Some(value) = value {
            found.push((name, value));
        }
    }
    if let Some((_, pem)) = found.iter().find(|(n, _)| *n == "signing_key") {
        SigningKeys::from_pem(pem).map_err(|e| CopyError::Keys(format!("the source's signing key: {e}")))?;
    }
    Ok(found)
}

/// Puts the secrets where the target's server looks for them: rows of
/// `instance_secrets` on PostgreSQL, key files (0600) beside a SQLite file.
async fn store_secrets(at: &Location, db: &Db, secrets: &[(&'static str, String)], now: i64) -> Result<(), CopyError> {
    for (name, value) in secrets {
        match at {
            Location::Postgres(_) => {
                crate::store::shared::secret_or_insert(db, name, value, now).await?;
            }
            Location::Sqlite(db_file) => {
                let file = SECRETS.iter().find(|(_, n)| n == name).map(|(f, _)| *f).unwrap_or(name);
                let path = key_dir(db_file).join(file);
                crate::files::write_private(&path, value.as_bytes()).map_err(|e| CopyError::Keys(format!("{}: {e}", path.display())))?;
            }
        }
    }
    Ok(())
}
