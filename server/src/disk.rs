//! A disk fault is a failed request, not the end of the process. A write
//! past the file-size limit (`RLIMIT_FSIZE`, as a quota or a container
//! sets it) raises SIGXFSZ, whose default action kills the process; caught,
//! the write fails with EFBIG instead, the database reports a full disk,
//! and the request gets 503 (see `error.rs`) until space is back.

/// Catches SIGXFSZ for the life of the process, logging each.
pub fn survive_file_size_limit() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::from_raw(libc::SIGXFSZ)) {
            Ok(mut caught) => {
                tokio::spawn(async move {
                    while caught.recv().await.is_some() {
                        tracing::warn!("a write went past the file-size limit (SIGXFSZ); it fails and its request gets 503");
                    }
                });
            }
            Err(e) => tracing::warn!(error = %e, "cannot catch SIGXFSZ; a file-size limit would end the process"),
        }
    }
}
