//! The one source of time. Every rule that depends on time reads it here,
//! and every wait (a webhook's backoff) sleeps on it, so tests move a
//! [`ManualClock`] instead of sleeping.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A wait on a [`Clock`].
pub type Sleep = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Milliseconds since the Unix epoch, as the wire speaks them.
pub trait Clock: Send + Sync {
    /// Now, in epoch milliseconds.
    fn now_ms(&self) -> i64;

    /// Ends once `duration` has passed on this clock: real time, unless the
    /// clock is one a test moves by hand.
    fn sleep(&self, duration: Duration) -> Sleep {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// The real clock.
#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0)
    }
}

/// A clock that only moves when told to; for tests. Its sleeps end when
/// it is moved past them.
#[derive(Debug)]
pub struct ManualClock(tokio::sync::watch::Sender<i64>);

impl ManualClock {
    /// A clock standing at `ms`.
    pub fn at(ms: i64) -> Arc<ManualClock> {
        Arc::new(ManualClock(tokio::sync::watch::channel(ms).0))
    }

    /// Moves the clock forward by `ms`.
    pub fn advance(&self, ms: i64) {
        self.0.send_modify(|now| *now += ms);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        *self.0.borrow()
    }

    fn sleep(&self, duration: Duration) -> Sleep {
        let deadline = self.now_ms().saturating_add(i64::try_from(duration.as_millis()).unwrap_or(i64::MAX));
        let mut moved = self.0.subscribe();
        Box::pin(async move {
            // The sender lives as long as the clock; if it is gone, so is
            // whatever was waiting for it.
            let _ = moved.wait_for(|now| *now >= deadline).await;
        })
    }
}

/// The real clock plus an offset that only moves forward: what
/// `vestibule serve --test-clock` runs on, so end-to-end tests can step past
/// a time rule (a TOTP step, a lockout) against the real binary.
#[derive(Debug, Default)]
pub struct OffsetClock(AtomicI64);

impl OffsetClock {
    /// Moves the clock forward by `ms` (negative values are ignored).
    pub fn advance(&self, ms: i64) {
        self.0.fetch_add(ms.max(0), Ordering::SeqCst);
    }
}

impl Clock for OffsetClock {
    fn now_ms(&self) -> i64 {
        SystemClock.now_ms() + self.0.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether `sleep` has ended, polling it once.
    async fn ended(sleep: &mut Sleep) -> bool {
        tokio::time::timeout(Duration::ZERO, sleep).await.is_ok()
    }

    #[tokio::test]
    async fn a_manual_sleep_ends_when_the_clock_passes_it() {
        let clock = ManualClock::at(1_000);
        let mut sleep = clock.sleep(Duration::from_millis(5));
        assert!(!ended(&mut sleep).await, "the clock has not moved");
        clock.advance(4);
        assert!(!ended(&mut sleep).await, "4 ms of 5");
        clock.advance(1);
        assert!(ended(&mut sleep).await, "5 ms of 5");
        let mut zero = clock.sleep(Duration::ZERO);
        assert!(ended(&mut zero).await, "a wait of nothing ends at once");
    }
}
