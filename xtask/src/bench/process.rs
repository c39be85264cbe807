//! A child process of the bench with its output in a log file: started on
//! a free port by the caller, polled until a URL answers 200, its log's
//! tail shown when something fails, killed when dropped.

use std::fs::File;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::cmd::ChildGuard;
use crate::Result;

/// A running child whose stdout and stderr go to `log`.
pub struct Logged {
    /// The process.
    pub child: ChildGuard,
    name: String,
    log: PathBuf,
}

impl Logged {
    /// Spawns `cmd` (stdin closed, output into `log`); `name` is used in messages.
    pub fn spawn(name: &str, cmd: &mut Command, log: PathBuf) -> Result<Self> {
        let out = File::create(&log)?;
        let err = out.try_clone()?;
        let child = ChildGuard::spawn(name, cmd.stdin(Stdio::null()).stdout(out).stderr(err))?;
        Ok(Self { child, name: name.to_owned(), log })
    }

    /// Polls `GET url` until it answers 200, for at most `timeout`.
    pub async fn wait_ok(&mut self, url: &str, timeout: Duration) -> Result<()> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(2))
            .build()?;
        let started = Instant::now();
        loop {
            self.child.ensure_running()?;
            let status = http.get(url).send().await.map(|r| r.status());
            if let Ok(reqwest::StatusCode::OK) = status {
                return Ok(());
            }
            if started.elapsed() > timeout {
                let last = match status {
                    Ok(status) => status.to_string(),
                    Err(error) => error.to_string(),
                };
                return Err(format!("GET {url} did not answer 200 within {} s (last: {last})", timeout.as_secs()).into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Prints the end of the output (after a failure).
    pub fn print_log_tail(&self) {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let tail = &lines[lines.len().saturating_sub(30)..];
        eprintln!("bench: last lines of the output of {}:", self.name);
        for line in tail {
            eprintln!("  | {line}");
        }
    }
}
