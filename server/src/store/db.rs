//! The database behind the store, chosen once at start: SQLite (one file in
//! the data directory, the default) or PostgreSQL (several replicas on one
//! database). Each store function is written once: [`on_db!`] runs its body
//! with whichever backend's executor this is, and gives it a function that
//! turns the statement into that backend's dialect (PostgreSQL numbers its
//! placeholders `$1`, `$2`, ... where SQLite writes `?` and `?N`).
//!
//! SQL written for the store keeps to what both backends read the same
//! way: `TRUE`/`FALSE` for booleans, `RETURNING`, `ON CONFLICT`, `rowid`
//! (implicit on SQLite, a `BIGSERIAL` column on PostgreSQL).

use sqlx::postgres::{PgConnection, PgPool};
use sqlx::sqlite::{SqliteConnection, SqlitePool};
use sqlx::pool::PoolConnection;
use sqlx::{Postgres, Sqlite, Transaction};
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

/// A connection pool of one backend.
#[derive(Clone, Debug)]
pub enum Db {
    /// The embedded SQLite file.
    Sqlite(SqlitePool),
    /// A PostgreSQL database shared by every replica.
    Postgres(PgPool),
}

/// Which backend a [`Db`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// SQLite.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// A transaction on either backend; dropped without [`Tx::commit`], it
/// rolls back.
#[derive(Debug)]
pub enum Tx {
    /// On SQLite.
    Sqlite(Transaction<'static, Sqlite>),
    /// On PostgreSQL.
    Postgres(Transaction<'static, Postgres>),
}

/// One connection of the pool held for several statements in a row (a
/// resource read from many tables), outside any transaction; back to the
/// pool when dropped. Whoever holds one takes no other connection until
/// it is dropped, or a full pool would wait on itself.
#[derive(Debug)]
pub enum Conn {
    /// A SQLite connection.
    Sqlite(PoolConnection<Sqlite>),
    /// A PostgreSQL connection.
    Postgres(PoolConnection<Postgres>),
}

/// Where a store function runs its statements: the pool, or a connection
/// (inside a transaction, or a [`Conn`]).
#[derive(Debug)]
pub enum Exec<'a> {
    /// Any connection of the SQLite pool.
    SqlitePool(&'a SqlitePool),
    /// One SQLite connection (a transaction's).
    Sqlite(&'a mut SqliteConnection),
    /// Any connection of the PostgreSQL pool.
    PgPool(&'a PgPool),
    /// One PostgreSQL connection (a transaction's).
    Pg(&'a mut PgConnection),
}

impl Db {
    /// Starts a transaction.
    pub async fn begin(&self) -> sqlx::Result<Tx> {
        Ok(match self {
            Db::Sqlite(p) => Tx::Sqlite(p.begin().await?),
            Db::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// Takes one connection for several statements (see [`Conn`]).
    pub async fn acquire(&self) -> sqlx::Result<Conn> {
        Ok(match self {
            Db::Sqlite(p) => Conn::Sqlite(p.acquire().await?),
            Db::Postgres(p) => Conn::Postgres(p.acquire().await?),
        })
    }

    /// Which backend this is.
    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Closes every connection.
    pub async fn close(&self) {
        match self {
            Db::Sqlite(p) => p.close().await,
            Db::Postgres(p) => p.close().await,
        }
    }
}

impl Tx {
    /// Makes the transaction's writes durable.
    pub async fn commit(self) -> sqlx::Result<()> {
        match self {
            Tx::Sqlite(t) => t.commit().await,
            Tx::Postgres(t) => t.commit().await,
        }
    }
}

impl<'a> From<&'a Db> for Exec<'a> {
    fn from(db: &'a Db) -> Exec<'a> {
        match db {
            Db::Sqlite(p) => Exec::SqlitePool(p),
            Db::Postgres(p) => Exec::PgPool(p),
        }
    }
}

impl<'a> From<&'a mut Tx> for Exec<'a> {
    fn from(tx: &'a mut Tx) -> Exec<'a> {
        match tx {
            Tx::Sqlite(t) => Exec::Sqlite(t),
            Tx::Postgres(t) => Exec::Pg(t),
        }
    }
}

impl<'a> From<&'a mut Conn> for Exec<'a> {
    fn from(conn: &'a mut Conn) -> Exec<'a> {
        match conn {
            Conn::Sqlite(c) => Exec::Sqlite(c),
            Conn::Postgres(c) => Exec::Pg(c),
        }
    }
}

impl Exec<'_> {
    /// Makes the next statements the only ones, among those serialized on
    /// `key`, to run at a time: a check-then-insert ("fewer than N rows")
    /// cannot be passed twice by concurrent calls. SQLite runs one writer at
    /// a time already. On PostgreSQL this takes the advisory lock of `key`
    /// for the transaction: the caller's, or a new one that it returns and
    /// the caller commits after its statements.
    pub async fn serialize_on(&mut self, key: &str) -> sqlx::Result<Option<Tx>> {
        const LOCK: &str = "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))";
        match self {
            Exec::SqlitePool(_) | Exec::Sqlite(_) => Ok(None),
            Exec::Pg(c) => sqlx::query(LOCK).bind(key).execute(&mut **c).await.map(|_| None),
            Exec::PgPool(p) => {
                let mut tx = p.begin().await?;
                sqlx::query(LOCK).bind(key).execute(&mut *tx).await?;
                Ok(Some(Tx::Postgres(tx)))
            }
        }
    }

    /// The same executor for one more statement.
    pub fn reborrow(&mut self) -> Exec<'_> {
        match self {
            Exec::SqlitePool(p) => Exec::SqlitePool(p),
            Exec::Sqlite(c) => Exec::Sqlite(c),
            Exec::PgPool(p) => Exec::PgPool(p),
            Exec::Pg(c) => Exec::Pg(c),
        }
    }
}

/// A statement as SQLite reads it: unchanged.
pub fn sqlite_sql(sql: &str) -> &str {
    sql
}

/// A statement as PostgreSQL reads it: `?` and `?N` placeholders become
/// `$N` (a bare `?` takes the number after the largest so far, as in
/// SQLite). Each distinct statement is translated once and kept.
pub fn pg_sql(sql: &str) -> &'static str {
    static CACHE: OnceLock<Mutex<HashMap<String, &'static str>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Ok(map) = cache.lock() {
        if let Some(done) = map.get(sql) {
            return done;
        }
    }
    let done: &'static str = Box::leak(numbered(sql).into_boxed_str());
    if let Ok(mut map) = cache.lock() {
        map.insert(sql.to_string(), done);
    }
    done
}

/// `?` and `?N` as `$N`, outside quoted text.
fn numbered(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.chars().peekable();
    let (mut largest, mut quoted) = (0u32, false);
    while let Some(c) = chars.next() {
        if c == '\'' {
            quoted = !quoted;
        }
        if c != '?' || quoted {
            out.push(c);
            continue;
        }
        let mut digits = String::new();
        while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
            digits.push(*d);
            chars.next();
        }
        let n = match digits.parse::<u32>() {
            Ok(n) => n,
            Err(_) => largest + 1,
        };
        largest = largest.max(n);
        out.push('$');
        out.push_str(&n.to_string());
    }
    out
}

/// Runs `$body` with `$e` bound to this backend's executor and `$sql` to
/// its dialect function ([`sqlite_sql`] or [`pg_sql`]).
macro_rules! on_db {
    ($ex:expr, |$e:ident, $sql:ident| $body:expr) => {{
        match ::std::convert::Into::<$crate::store::db::Exec<'_>>::into($ex) {
            $crate::store::db::Exec::SqlitePool($e) => {
                let $sql = $crate::store::db::sqlite_sql;
                $body
            }
            $crate::store::db::Exec::Sqlite($e) => {
                let $sql = $crate::store::db::sqlite_sql;
                $body
            }
            $crate::store::db::Exec::PgPool($e) => {
                let $sql = $crate::store::db::pg_sql;
                $body
            }
            $crate::store::db::Exec::Pg($e) => {
                let $sql = $crate::store::db::pg_sql;
                $body
            }
        }
    }};
}
pub(crate) use on_db;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_for_postgres() {
        assert_eq!(numbered("SELECT a FROM t WHERE b = ? AND c = ?"), "SELECT a FROM t WHERE b = $1 AND c = $2");
        assert_eq!(numbered("UPDATE t SET a = ?2 WHERE id = ?1 AND b = ?2"), "UPDATE t SET a = $2 WHERE id = $1 AND b = $2");
        assert_eq!(numbered("VALUES (?, ?, ?6, ?6, ?7)"), "VALUES ($1, $2, $6, $6, $7)");
        assert_eq!(numbered("WHERE s = 'a?b' AND x = ?"), "WHERE s = 'a?b' AND x = $1");
        assert_eq!(pg_sql("SELECT ?"), "SELECT $1");
    }
}
