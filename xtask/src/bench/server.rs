//! The release server as the bench runs it: a fresh data directory, a free
//! port, its output in a log file (shown when something fails), its peak
//! RSS read from /proc, and killed when dropped.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use super::process::Logged;
use crate::cmd::free_port;
use crate::Result;

/// How long the server may take to answer `GET /v1/environment`.
const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// A running `vestibule serve`.
pub struct Server {
    process: Logged,
    port: u16,
}

impl Server {
    /// Starts `binary serve` on a free port with data in `scratch/data`.
    pub fn start(binary: &Path, portal_dir: &Path, scratch: &Path) -> Result<Self> {
        Self::start_with(binary, portal_dir, scratch, &[])
    }

    /// [`Server::start`] with extra `VESTIBULE_*` settings (which may replace
    /// the development instance type), data in `scratch/data`.
    pub fn start_with(binary: &Path, portal_dir: &Path, scratch: &Path, settings: &[(&str, &str)]) -> Result<Self> {
        let port = free_port()?;
        let data_dir = scratch.join("data");
        std::fs::create_dir_all(&data_dir)?;
        let mut command = Command::new(binary);
        command.env("VESTIBULE_INSTANCE_TYPE", "development").envs(settings.iter().copied());
        let process = Logged::spawn(
            "the vestibule server",
            command
                .arg("serve")
                .arg("--listen")
                .arg(format!("127.0.0.1:{port}"))
                .arg("--data-dir")
                .arg(&data_dir)
                .arg("--portal-dir")
                .arg(portal_dir),
            scratch.join("server.log"),
        )?;
        eprintln!("bench: server pid {} on 127.0.0.1:{port}", process.child.id());
        Ok(Self { process, port })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Polls `GET /v1/environment` until it answers 200.
    pub async fn wait_ready(&mut self) -> Result<()> {
        let url = format!("{}/v1/environment", self.base_url());
        self.process.wait_ok(&url, READY_TIMEOUT).await
    }

    /// VmHWM (peak resident set) of the server, in kB.
    pub fn peak_rss_kb(&mut self) -> Result<u64> {
        self.status_kb("VmHWM:")
    }

    /// VmRSS (resident set now) of the server, in kB.
    pub fn rss_kb(&mut self) -> Result<u64> {
        self.status_kb("VmRSS:")
    }

    /// A `kB` line of the server's `/proc/<pid>/status`.
    fn status_kb(&mut self, key: &str) -> Result<u64> {
        self.process.child.ensure_running()?;
        let path = format!("/proc/{}/status", self.process.child.id());
        let status = std::fs::read_to_string(&path)?;
        status
            .lines()
            .find_map(|line| line.strip_prefix(key))
            .and_then(|value| value.split_whitespace().next())
            .and_then(|kb| kb.parse().ok())
            .ok_or_else(|| format!("no {key} line in {path}").into())
    }

    /// Prints the end of the server's output (after a failure).
    pub fn print_log_tail(&self) {
        self.process.print_log_tail();
    }
}
