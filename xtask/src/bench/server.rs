//! The release server as the bench runs it: a fresh data directory, a free
//! port, its output in a log file (shown when something fails), its peak
//! RSS read from /proc, and killed when dropped.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::cmd::{free_port, ChildGuard};
use crate::Result;

/// How long the server may take to answer `GET /v1/environment`.
const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// A running `vestibule serve`.
pub struct Server {
    child: ChildGuard,
    port: u16,
    log: PathBuf,
}

impl Server {
    /// Starts `binary serve` on a free port with data in `scratch/data`.
    pub fn start(binary: &Path, portal_dir: &Path, scratch: &Path) -> Result<Self> {
        let port = free_port()?;
        let data_dir = scratch.join("data");
        std::fs::create_dir_all(&data_dir)?;
        let log = scratch.join("server.log");
        let out = File::create(&log)?;
        let err = out.try_clone()?;
        let child = ChildGuard::spawn(
            "the vestibule server",
            Command::new(binary)
                .arg("serve")
                .arg("--listen")
                .arg(format!("127.0.0.1:{port}"))
                .arg("--data-dir")
                .arg(&data_dir)
                .arg("--portal-dir")
                .arg(portal_dir)
                .stdin(Stdio::null())
                .stdout(out)
                .stderr(err),
        )?;
        eprintln!("bench: server pid {} on 127.0.0.1:{port}", child.id());
        Ok(Self { child, port, log })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Polls `GET /v1/environment` until it answers 200.
    pub async fn wait_ready(&mut self) -> Result<()> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()?;
        let url = format!("{}/v1/environment", self.base_url());
        let started = Instant::now();
        loop {
            self.child.ensure_running()?;
            let status = http.get(&url).send().await.map(|r| r.status());
            if let Ok(reqwest::StatusCode::OK) = status {
                return Ok(());
            }
            if started.elapsed() > READY_TIMEOUT {
                let last = match status {
                    Ok(status) => status.to_string(),
                    Err(error) => error.to_string(),
                };
                return Err(format!(
                    "GET {url} did not answer 200 within {} s (last: {last})",
                    READY_TIMEOUT.as_secs()
                )
                .into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// VmHWM (peak resident set) of the server, in kB.
    pub fn peak_rss_kb(&mut self) -> Result<u64> {
        self.child.ensure_running()?;
        let path = format!("/proc/{}/status", self.child.id());
        let status = std::fs::read_to_string(&path)?;
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|value| value.split_whitespace().next())
            .and_then(|kb| kb.parse().ok())
            .ok_or_else(|| format!("no VmHWM line in {path}").into())
    }

    /// Prints the end of the server's output (after a failure).
    pub fn print_log_tail(&self) {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let tail = &lines[lines.len().saturating_sub(30)..];
        eprintln!("bench: last lines of the server output:");
        for line in tail {
            eprintln!("  | {line}");
        }
    }
}
