//! Reading the protocol's words (statuses, strategies) out of text columns:
//! a row whose column holds anything else fails to decode, rather than
//! carrying an unknown word into the handlers.

use sqlx::sqlite::SqliteRow;
use sqlx::Row;
use std::str::FromStr;

/// The word in column `name`.
pub fn word<T>(row: &SqliteRow, name: &str) -> sqlx::Result<T>
where
    T: FromStr,
    T::Err: std::error::Error + Send + Sync + 'static,
{
    let text: String = row.try_get(name)?;
    text.parse().map_err(|e| decode_error(name, e))
}

/// The word in column `name`, when it is not NULL.
pub fn opt_word<T>(row: &SqliteRow, name: &str) -> sqlx::Result<Option<T>>
where
    T: FromStr,
    T::Err: std::error::Error + Send + Sync + 'static,
{
    let text: Option<String> = row.try_get(name)?;
    text.map(|t| t.parse().map_err(|e| decode_error(name, e))).transpose()
}

fn decode_error(name: &str, e: impl std::error::Error + Send + Sync + 'static) -> sqlx::Error {
    sqlx::Error::ColumnDecode { index: name.to_string(), source: Box::new(e) }
}
