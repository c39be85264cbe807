//! Copying a whole instance from one database to another (`vestibule
//! admin copy-database`): every table in an order that respects its
//! references, each value by its kind, so SQLite's integers-as-booleans
//! become PostgreSQL's booleans and back. The table list is checked
//! against the schema by a test, so a new column cannot be forgotten.

use super::db::{Db, Tx};
use sqlx::{Column, Row};

/// How a column's values are read and written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Text.
    Text,
    /// A 64-bit integer (times are milliseconds since the epoch).
    Int,
    /// A boolean (an integer 0/1 on SQLite).
    Bool,
}
use Kind::{Bool, Int, Text};

/// A table and its columns.
#[derive(Clone, Copy, Debug)]
pub struct Table {
    /// Its name.
    pub name: &'static str,
    /// Its columns, each with its kind.
    pub columns: &'static [(&'static str, Kind)],
}

/// Every table of the schema, referenced tables first.
pub const TABLES: &[Table] = &[
    Table { name: "settings", columns: &[("id", Int), ("json", Text)] },
    Table { name: "signing_keys", columns: &[("kid", Text), ("pem", Text), ("created_at", Int), ("retired_at", Int)] },
    Table { name: "clients", columns: &[("id", Text), ("token_hash", Text), ("last_active_session_id", Text), ("sign_in_id", Text), ("sign_up_id", Text), ("created_at", Int), ("updated_at", Int), ("cookie_expires_at", Int)] },
    Table { name: "users", columns: &[("id", Text), ("password_hash", Text), ("password_compromised", Bool), ("first_name", Text), ("last_name", Text), ("failed_attempts", Int), ("locked_until", Int), ("last_sign_in_at", Int), ("create_organization_enabled", Bool), ("created_at", Int), ("updated_at", Int)] },
    Table { name: "email_addresses", columns: &[("id", Text), ("user_id", Text), ("email", Text), ("verified", Bool), ("is_primary", Bool), ("created_at", Int), ("updated_at", Int)] },
    Table { name: "sessions", columns: &[("id", Text), ("client_id", Text), ("user_id", Text), ("status", Text), ("active_organization_id", Text), ("created_at", Int), ("updated_at", Int), ("last_active_at", Int), ("expire_at", Int), ("abandon_at", Int), ("first_factor_verified_at", Int), ("second_factor_verified_at", Int)] },
    Table { name: "sign_ins", columns: &[("id", Text), ("client_id", Text), ("identifier", Text), ("user_id", Text), ("status", Text), ("first_factor_strategy", Text), ("first_factor_status", Text), ("created_session_id", Text), ("created_at", Int), ("updated_at", Int), ("abandon_at", Int), ("second_factors", Text), ("second_factor_tries", Int), ("second_factor_strategy", Text), ("second_factor_status", Text), ("new_password_hash", Text), ("sign_out_others", Bool)] },
    Table { name: "sign_ups", columns: &[("id", Text), ("client_id", Text), ("email", Text), ("password_hash", Text), ("first_name", Text), ("last_name", Text), ("email_verified", Bool), ("status", Text), ("created_user_id", Text), ("created_session_id", Text), ("created_at", Int), ("updated_at", Int), ("abandon_at", Int)] },
    Table { name: "verification_codes", columns: &[("id", Text), ("subject", Text), ("destination", Text), ("code_hash", Text), ("attempts", Int), ("status", Text), ("expires_at", Int), ("created_at", Int)] },
    Table { name: "outbox", columns: &[("id", Text), ("channel", Text), ("recipient", Text), ("subject", Text), ("body", Text), ("code", Text), ("created_at", Int)] },
    Table { name: "organizations", columns: &[("id", Text), ("name", Text), ("slug", Text), ("created_by", Text), ("created_at", Int), ("updated_at", Int)] },
    Table { name: "memberships", columns: &[("id", Text), ("organization_id", Text), ("user_id", Text), ("role", Text), ("created_at", Int), ("updated_at", Int)] },
    Table { name: "invitations", columns: &[("id", Text), ("organization_id", Text), ("email", Text), ("role", Text), ("status", Text), ("created_at", Int), ("updated_at", Int)] },
    Table { name: "totps", columns: &[("id", Text), ("user_id", Text), ("secret_enc", Text), ("verified", Bool), ("last_step", Int), ("tries", Int), ("created_at", Int), ("updated_at", Int)] },
    Table { name: "backup_codes", columns: &[("id", Text), ("set_id", Text), ("user_id", Text), ("code_hash", Text), ("used_at", Int), ("created_at", Int)] },
    Table { name: "phone_numbers", columns: &[("id", Text), ("user_id", Text), ("phone", Text), ("verified", Bool), ("reserved_for_second_factor", Bool), ("default_second_factor", Bool), ("created_at", Int), ("updated_at", Int)] },
    Table { name: "instance_secrets", columns: &[("name", Text), ("value", Text), ("created_at", Int)] },
    Table { name: "ip_windows", columns: &[("bucket", Text), ("ip", Text), ("window_start", Int), ("calls", Int)] },
    Table { name: "webhook_retries", columns: &[("id", Text), ("channel", Text), ("url", Text), ("signature", Text), ("sealed_body", Text), ("tries", Int), ("created_at", Int)] },
];

/// One value of a row.
#[derive(Clone, Debug, PartialEq)]
enum Value {
    Text(Option<String>),
    Int(Option<i64>),
    Bool(Option<bool>),
}

/// Reads every row of `table`.
async fn read(db: &Db, table: &Table) -> sqlx::Result<Vec<Vec<Value>>> {
    let columns: Vec<&str> = table.columns.iter().map(|(c, _)| *c).collect();
    let sql = format!("SELECT {} FROM {}", columns.join(", "), table.name);
    macro_rules! rows {
        ($pool:expr) => {{
            let rows = sqlx::query(&sql).fetch_all($pool).await?;
            let mut out = Vec::with_capacity(rows.len());
            for row in rows {
                let mut values = Vec::with_capacity(table.columns.len());
                for (i, (_, kind)) in table.columns.iter().enumerate() {
                    values.push(match kind {
                        Text => Value::Text(row.try_get(i)?),
                        Int => Value::Int(row.try_get(i)?),
                        Bool => Value::Bool(row.try_get(i)?),
                    });
                }
                out.push(values);
            }
            Ok(out)
        }};
    }
    match db {
        Db::Sqlite(p) => rows!(p),
        Db::Postgres(p) => rows!(p),
    }
}

/// Writes `rows` into `table` inside `tx`.
async fn write(tx: &mut Tx, table: &Table, rows: &[Vec<Value>]) -> sqlx::Result<()> {
    let columns: Vec<&str> = table.columns.iter().map(|(c, _)| *c).collect();
    let marks: Vec<String> = (1..=columns.len()).map(|i| format!("${i}")).collect();
    let sql = format!("INSERT INTO {} ({}) VALUES ({})", table.name, columns.join(", "), marks.join(", "));
    macro_rules! insert {
        ($conn:expr) => {{
            for row in rows {
                let mut q = sqlx::query(&sql);
                for value in row {
                    q = match value {
                        Value::Text(v) => q.bind(v.clone()),
                        Value::Int(v) => q.bind(*v),
                        Value::Bool(v) => q.bind(*v),
                    };
                }
                q.execute(&mut **$conn).await?;
            }
            Ok(())
        }};
    }
    match tx {
        Tx::Sqlite(t) => insert!(t),
        Tx::Postgres(t) => insert!(t),
    }
}

/// How many rows `table` has.
pub async fn count(db: &Db, table: &str) -> sqlx::Result<i64> {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    match db {
        Db::Sqlite(p) => sqlx::query_scalar(&sql).fetch_one(p).await,
        Db::Postgres(p) => sqlx::query_scalar(&sql).fetch_one(p).await,
    }
}

/// The column names `table` has in `db`, for checking [`TABLES`].
pub async fn columns_of(db: &Db, table: &str) -> sqlx::Result<Vec<String>> {
    use sqlx::Executor;
    let sql = format!("SELECT * FROM {table}");
    Ok(match db {
        Db::Sqlite(p) => p.describe(&sql).await?.columns().iter().map(|c| c.name().to_string()).collect(),
        Db::Postgres(p) => p.describe(&sql).await?.columns().iter().map(|c| c.name().to_string()).collect(),
    })
}

/// Copies every table of `from` into `to`, in one transaction on `to`.
/// Returns the rows copied per table.
pub async fn copy_all(from: &Db, to: &Db) -> sqlx::Result<Vec<(&'static str, usize)>> {
    let mut tx = to.begin().await?;
    let mut copied = Vec::with_capacity(TABLES.len());
    for table in TABLES {
        let rows = read(from, table).await?;
        write(&mut tx, table, &rows).await?;
        copied.push((table.name, rows.len()));
    }
    tx.commit().await?;
    Ok(copied)
}
