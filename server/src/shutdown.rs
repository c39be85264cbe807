//! Stopping cleanly: SIGTERM (what a process manager or an orchestrator
//! sends) and Ctrl-C end the accepting of connections, the requests in
//! flight finish, and the process exits 0, so a rolling restart loses no
//! answered request.

use std::future::Future;
use std::time::Duration;

/// Resolves at the first SIGTERM or SIGINT (Ctrl-C), with its name.
pub async fn signal() -> &'static str {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
        "SIGINT"
    };
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => tokio::select! {
                name = ctrl_c => name,
                _ = term.recv() => "SIGTERM",
            },
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM; only Ctrl-C stops the server cleanly");
                ctrl_c.await
            }
        }
    }
    #[cfg(not(unix))]
    ctrl_c.await
}

/// Runs `server` (which stops accepting and drains once `stop` has fired)
/// until it finishes, or until `grace` has passed since `stop` fired;
/// whether the requests in flight all finished.
pub async fn drain<S, E>(server: S, stopped: tokio::sync::oneshot::Receiver<()>, grace: Duration) -> Result<bool, E>
where
    S: Future<Output = Result<(), E>>,
{
    tokio::pin!(server);
    tokio::select! {
        done = &mut server => done.map(|()| true),
        () = async {
            match stopped.await {
                Ok(()) => tokio::time::sleep(grace).await,
                Err(_) => std::future::pending().await,
            }
        } => Ok(false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_request_past_the_grace_period_is_cut_and_one_within_it_finishes() {
        let grace = Duration::from_secs(10);
        let within = async {
            tokio::time::sleep(Duration::from_millis(9_999)).await;
            Ok::<(), ()>(())
        };
        let (tx, rx) = tokio::sync::oneshot::channel();
        let _ = tx.send(());
        assert_eq!(drain(within, rx, grace).await, Ok(true));

        let past = async {
            tokio::time::sleep(Duration::from_millis(10_001)).await;
            Ok::<(), ()>(())
        };
        let (tx, rx) = tokio::sync::oneshot::channel();
        let _ = tx.send(());
        assert_eq!(drain(past, rx, grace).await, Ok(false));
    }

    #[tokio::test(start_paused = true)]
    async fn the_grace_period_starts_at_the_signal() {
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let long = async {
            tokio::time::sleep(Duration::from_secs(60)).await;
            Ok::<(), ()>(())
        };
        // No signal yet: the server runs as long as it likes.
        let kept = tokio::spawn(async move {
            let r = drain(long, rx, Duration::from_secs(1)).await;
            drop(tx);
            r
        });
        assert_eq!(kept.await.ok(), Some(Ok(true)));
    }
}
