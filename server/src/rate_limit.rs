//! Per-IP limits on sign-in and sign-up calls: a fixed one-minute window
//! per address, counted in the database in one statement (see
//! `store::shared::count_call`), so concurrent calls cannot get past the
//! limit, whichever replica they reach.

use crate::error::{ApiError, ApiResult};
use crate::store::db::Db;
use std::net::IpAddr;

const WINDOW_MS: i64 = 60_000;

/// Calls per IP per minute, for one kind of call.
#[derive(Clone, Debug)]
pub struct IpLimiter {
    bucket: &'static str,
    limit: u32,
}

impl IpLimiter {
    /// A limiter allowing `limit` calls a minute per address, counted under
    /// `bucket` (`sign_in`, `sign_up`).
    pub fn new(bucket: &'static str, limit: u32) -> IpLimiter {
        IpLimiter { bucket, limit }
    }

    /// Counts one call from `ip` at `now`; 429 with the wait past the limit.
    pub async fn check(&self, db: &Db, ip: IpAddr, now: i64) -> ApiResult<()> {
        let (start, calls) = crate::store::shared::count_call(db, self.bucket, &ip.to_string(), now, WINDOW_MS).await?;
        if calls > i64::from(self.limit) {
            return Err(ApiError::too_many((start + WINDOW_MS - now + 999) / 1000));
        }
        Ok(())
    }
}
