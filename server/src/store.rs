//! All SQL lives under this module, one file per table group; handlers call
//! these functions and never build SQL themselves. The same functions run
//! on SQLite and on PostgreSQL (see [`db`]).

pub mod clients;
pub mod codes;
pub mod copy;
mod columns;
pub mod db;
pub mod orgs;
pub mod outbox;
pub mod phones;
pub mod second_factors;
pub mod sessions;
pub mod settings;
pub mod shared;
pub mod sign_ins;
pub mod sign_ups;
pub mod signing_keys;
pub mod sweep;
pub mod users;
pub mod webhook_retries;

use db::Db;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// Where the database is, from `database_url` (or its absence).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// A SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL database (the URL as given).
    Postgres(String),
}

impl Location {
    /// Reads a `database_url`: `postgres://` / `postgresql://` or
    /// `sqlite://<path>`; anything else is refused with the reason.
    pub fn parse(url: &str) -> Result<Location, String> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            PgConnectOptions::from_str(url).map_err(|e| format!("{}: {e}", redact_url(url)))?;
            return Ok(Location::Postgres(url.to_string()));
        }
        if let Some(path) = url.strip_prefix("sqlite://") {
            let path = path.split('?').next().unwrap_or_default();
            if path.is_empty() {
                return Err("sqlite:// needs a file path (sqlite://data/vestibule.db)".into());
            }
            return Ok(Location::Sqlite(PathBuf::from(path)));
        }
        Err(format!("{} is neither postgres://... nor sqlite://...", redact_url(url)))
    }

    /// Where this is, for messages (no password).
    pub fn describe(&self) -> String {
        match self {
            Location::Sqlite(path) => path.display().to_string(),
            Location::Postgres(url) => redact_url(url),
        }
    }

    /// `database_url` when given, else `vestibule.db` in `data_dir`.
    pub fn of(database_url: Option<&str>, data_dir: &Path) -> Result<Location, String> {
        match database_url {
            Some(url) => Location::parse(url),
            None => Ok(Location::Sqlite(data_dir.join("vestibule.db"))),
        }
    }
}

/// A database URL with its password replaced by `***`, for messages.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    match rest.split_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

/// Opens the database at `location` and brings its schema up to date:
/// SQLite with WAL, foreign keys and `synchronous=NORMAL` (the file is
/// created when missing); PostgreSQL through a pool of `max_connections`.
/// Each backend has its own migrations (`migrations/sqlite`,
/// `migrations/postgres`); on PostgreSQL the migrator holds an advisory
/// lock, so replicas starting together migrate once.
pub async fn open(location: &Location, limits: PoolLimits) -> Result<Db, OpenError> {
    let PoolLimits { max_connections, timeout } = limits;
    match location {
        Location::Sqlite(path) => {
            let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(timeout);
            // SQLite's migrator takes no lock: two processes opening one
            // file at once take turns on a lock file beside it, from the
            // first connection on. That connection may create the file and
            // turn it to WAL, which SQLite refuses at once ("database is
            // locked", without waiting) while another connection holds it.
            let _turn = MigrationLock::take(path).await?;
            // A connection to a local file does not go stale the way a
            // network connection does: no ping before each use (with sqlx's
            // SQLite driver, a ping is one more hand-off to the
            // connection's thread for every statement).
            let pool = SqlitePoolOptions::new()
                .max_connections(max_connections)
                .acquire_timeout(timeout)
                .test_before_acquire(false)
                .connect_with(options)
                .await?;
            migrate(sqlx::migrate!("./migrations/sqlite"), &pool).await?;
            Ok(Db::Sqlite(pool))
        }
        Location::Postgres(url) => {
            let statement_timeout = format!("{}ms", timeout.as_millis());
            let options = PgConnectOptions::from_str(url)?.options([("statement_timeout", statement_timeout.as_str())]);
            let pool = PgPoolOptions::new()
                .max_connections(max_connections)
                .acquire_timeout(timeout)
                .connect_with(options)
                .await?;
            migrate(sqlx::migrate!("./migrations/postgres"), &pool).await?;
            Ok(Db::Postgres(pool))
        }
    }
}

/// How many connections a pool keeps, and how long a request waits for
/// one (on PostgreSQL also how long a statement may run).
#[derive(Clone, Copy, Debug)]
pub struct PoolLimits {
    /// Connections at most.
    pub max_connections: u32,
    /// The wait, and the statement timeout.
    pub timeout: std::time::Duration,
}

impl PoolLimits {
    /// The limits `config` sets.
    pub fn of(config: &crate::config::Config) -> PoolLimits {
        PoolLimits {
            max_connections: config.database_max_connections,
            timeout: std::time::Duration::from_secs(u64::from(config.database_timeout_seconds)),
        }
    }

    /// A small pool for a one-off command.
    pub fn command() -> PoolLimits {
        PoolLimits { max_connections: 2, timeout: std::time::Duration::from_secs(10) }
    }
}

/// An exclusive `flock` on `<database>.migrate-lock`, held while one
/// process migrates a SQLite file; released when dropped.
struct MigrationLock {
    _held: std::fs::File,
}

impl MigrationLock {
    async fn take(database: &Path) -> Result<MigrationLock, OpenError> {
        let mut name = database.as_os_str().to_owned();
        name.push(".migrate-lock");
        let file = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(PathBuf::from(name)).map_err(sqlx::Error::Io)?;
        #[cfg(not(unix))]
        return Ok(MigrationLock { _held: file });
        #[cfg(unix)]
        tokio::task::spawn_blocking(move || {
            use std::os::fd::AsRawFd;
            // SAFETY: `flock` on a descriptor this function owns; it blocks
            // until the other process releases its lock.
            match unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } {
                0 => Ok(MigrationLock { _held: file }),
                _ => Err(OpenError::Connect(sqlx::Error::Io(std::io::Error::last_os_error()))),
            }
        })
        .await
        .map_err(|e| OpenError::Connect(sqlx::Error::Io(std::io::Error::other(e))))?
    }
}

/// Why the database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// No connection (unreachable, refused, bad credentials, a file that
    /// cannot be created).
    #[error("{0}")]
    Connect(#[from] sqlx::Error),
    /// The database was migrated by a newer Vestibule: this one does not
    /// know its schema and changes nothing.
    #[error("the database has schema version {found}, newer than this server's {known}: run the newer Vestibule, or restore a backup made for this one")]
    NewerSchema {
        /// The newest migration applied to the database.
        found: i64,
        /// The newest migration this server has.
        known: i64,
    },
    /// A migration failed.
    #[error("migrating the schema: {0}")]
    Migrate(sqlx::migrate::MigrateError),
}

/// Runs `migrator` on `pool`; a database with a migration this server does
/// not have is refused before anything is applied.
async fn migrate<'a, A>(migrator: sqlx::migrate::Migrator, pool: A) -> Result<(), OpenError>
where
    A: sqlx::Acquire<'a>,
    <A::Connection as std::ops::Deref>::Target: sqlx::migrate::Migrate,
{
    let known = migrator.iter().map(|m| m.version).max().unwrap_or_default();
    migrator.run(pool).await.map_err(|e| match e {
        sqlx::migrate::MigrateError::VersionMissing(found) => OpenError::NewerSchema { found, known },
        other => OpenError::Migrate(other),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls() {
        assert_eq!(Location::of(None, Path::new("d")), Ok(Location::Sqlite(PathBuf::from("d/vestibule.db"))));
        assert_eq!(Location::parse("sqlite://x/v.db"), Ok(Location::Sqlite(PathBuf::from("x/v.db"))));
        assert!(matches!(Location::parse("postgres://u:p@127.0.0.1:5432/v"), Ok(Location::Postgres(_))));
        let bad = Location::parse("mysql://u:secret@h/v").expect_err("refused");
        assert!(bad.contains("mysql://u:***@h/v") && !bad.contains("secret"), "{bad}");
        assert!(Location::parse("sqlite://").is_err());
        assert!(Location::parse("postgres://u:p@h:notaport/v").is_err());
    }
}
