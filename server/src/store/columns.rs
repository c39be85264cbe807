//! Reading the protocol's words (statuses, strategies) out of text columns
//! of either backend: a row whose column holds anything else fails to
//! decode, rather than carrying an unknown word into the handlers.

use sqlx::{ColumnIndex, Decode, Row, Type};
use std::str::FromStr;

/// The word in column `name`.
pub fn word<'r, R, T>(row: &'r R, name: &str) -> sqlx::Result<T>
where
    R: Row,
    for<'a> &'a str: ColumnIndex<R>,
    String: Decode<'r, R::Database> + Type<R::Database>,
    T: FromStr,
    T::Err: std::error::Error + Send + Sync + 'static,
{
    let text: String = row.try_get(name)?;
    text.parse().map_err(|e| decode_error(name, e))
}

/// The word in column `name`, when it is not NULL.
pub fn opt_word<'r, R, T>(row: &'r R, name: &str) -> sqlx::Result<Option<T>>
where
    R: Row,
    for<'a> &'a str: ColumnIndex<R>,
    Option<String>: Decode<'r, R::Database> + Type<R::Database>,
    T: FromStr,
    T::Err: std::error::Error + Send + Sync + 'static,
{
    let text: Option<String> = row.try_get(name)?;
    text.map(|t| t.parse().map_err(|e| decode_error(name, e))).transpose()
}

fn decode_error(name: &str, e: impl std::error::Error + Send + Sync + 'static) -> sqlx::Error {
    sqlx::Error::ColumnDecode { index: name.to_string(), source: Box::new(e) }
}

/// Implements `FromRow` for the rows of both backends with one body.
macro_rules! from_rows {
    ($ty:ty, |$row:ident| $body:expr) => {
        impl<'r> ::sqlx::FromRow<'r, ::sqlx::sqlite::SqliteRow> for $ty {
            fn from_row($row: &'r ::sqlx::sqlite::SqliteRow) -> ::sqlx::Result<$ty> {
                use ::sqlx::Row as _;
                $body
            }
        }
        impl<'r> ::sqlx::FromRow<'r, ::sqlx::postgres::PgRow> for $ty {
            fn from_row($row: &'r ::sqlx::postgres::PgRow) -> ::sqlx::Result<$ty> {
                use ::sqlx::Row as _;
                $body
            }
        }
    };
}
pub(crate) use from_rows;
