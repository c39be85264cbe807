//! Per-IP limits on sign-in and sign-up calls: a fixed one-minute window per
//! address, checked and counted under one lock, so concurrent calls cannot
//! get past the limit.

use crate::error::{ApiError, ApiResult};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

const WINDOW_MS: i64 = 60_000;
/// Past this many tracked addresses, stale windows are swept.
const SWEEP_AT: usize = 100_000;

/// Calls per IP per minute.
pub struct IpLimiter {
    limit: u32,
    windows: Mutex<HashMap<IpAddr, (i64, u32)>>,
}

impl IpLimiter {
    /// A limiter allowing `limit` calls a minute per address.
    pub fn new(limit: u32) -> IpLimiter {
        IpLimiter { limit, windows: Mutex::new(HashMap::new()) }
    }

    /// Counts one call from `ip` at `now`; 429 with the wait past the limit.
    pub fn check(&self, ip: IpAddr, now: i64) -> ApiResult<()> {
        let mut map = self.windows.lock().map_err(ApiError::internal)?;
        if map.len() > SWEEP_AT {
            map.retain(|_, (start, _)| now - *start < WINDOW_MS);
        }
        let entry = map.entry(ip).or_insert((now, 0));
        if now - entry.0 >= WINDOW_MS {
            *entry = (now, 0);
        }
        if entry.1 >= self.limit {
            return Err(ApiError::too_many((entry.0 + WINDOW_MS - now + 999) / 1000));
        }
        entry.1 += 1;
        Ok(())
    }
}
