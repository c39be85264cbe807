//! The example application (release build) in front of the bench server,
//! for the throughput of a protected route: `GET /dashboard` with an
//! active session's token, every request verified by the middleware
//! against the JWKS it has cached.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use super::process::Logged;
use crate::cmd::free_port;
use crate::Result;

/// How long the app may take to answer its home page.
const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// A running `vestibule-example-app`, killed when dropped.
pub struct ExampleApp {
    process: Logged,
    port: u16,
}

impl ExampleApp {
    /// Starts `binary` on a free port in front of the server at `frontend_api`.
    pub fn start(binary: &Path, frontend_api: &str, scratch: &Path) -> Result<Self> {
        let port = free_port()?;
        let process = Logged::spawn(
            "the example app",
            Command::new(binary)
                .arg("--listen")
                .arg(format!("127.0.0.1:{port}"))
                .arg("--frontend-api")
                .arg(frontend_api),
            scratch.join("example-app.log"),
        )?;
        eprintln!("bench: example app pid {} on 127.0.0.1:{port}", process.child.id());
        Ok(Self { process, port })
    }

    /// `http://127.0.0.1:<port>` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Waits until `GET /` answers 200, then checks that `GET /dashboard`
    /// with `cookies` is the dashboard of an active session (which also
    /// fills the middleware's JWKS cache).
    pub async fn wait_ready(&mut self, cookies: &str) -> Result<()> {
        self.process.wait_ok(&self.url("/"), READY_TIMEOUT).await?;
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(5))
            .build()?;
        let dashboard = http
            .get(self.url("/dashboard"))
            .header(reqwest::header::COOKIE, cookies)
            .send()
            .await?;
        let status = dashboard.status();
        let body = dashboard.text().await?;
        if status != reqwest::StatusCode::OK || !body.contains(r#"<dd id="session-status">active</dd>"#) {
            return Err(format!(
                "GET /dashboard with the bench session answered {status}, not the dashboard of an active session:\n{body}"
            )
            .into());
        }
        Ok(())
    }

    /// Prints the end of the app's output (after a failure).
    pub fn print_log_tail(&self) {
        self.process.print_log_tail();
    }
}
