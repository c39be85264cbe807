//! The real `vestibule` binary as a child process, for the tests of what
//! only the process shows: refusing to start, what it prints, signals,
//! admin commands; and a cookie-keeping caller over its socket.

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};

/// A started (or refused) `vestibule serve`, with everything it printed.
pub struct Served {
    /// The process.
    pub child: Child,
    /// The URL it printed, if it started.
    pub base: Option<String>,
    output: Arc<Mutex<String>>,
}

impl Served {
    /// Everything it printed so far.
    pub fn output(&self) -> String {
        self.output.lock().expect("output").clone()
    }

    /// Stops the server and returns all it printed.
    pub fn stop(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        std::thread::sleep(std::time::Duration::from_millis(100));
        self.output()
    }
}

/// A test that fails before [`Served::stop`] does not leave its server running.
impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `vestibule serve` on `data_dir` with `args` and `env` (and no other
/// `VESTIBULE_*` variable), until it prints its URL or exits.
pub fn serve(data_dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> Served {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vestibule"));
    cmd.arg("serve").arg("--data-dir").arg(data_dir).args(args);
    if !args.contains(&"--listen") {
        cmd.args(["--listen", "127.0.0.1:0"]);
    }
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("VESTIBULE_") {
            cmd.env_remove(&k);
        }
    }
    cmd.env("RUST_LOG", "debug");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).stdin(Stdio::null()).spawn().expect("vestibule runs");
    let output = Arc::new(Mutex::new(String::new()));
    let stderr = child.stderr.take().expect("stderr");
    let err_sink = output.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            err_sink.lock().expect("output").push_str(&format!("{line}\n"));
        }
    });
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut base = None;
    for line in lines.by_ref().map_while(Result::ok) {
        output.lock().expect("output").push_str(&format!("{line}\n"));
        if let Some(url) = line.strip_prefix("Vestibule listening on ") {
            base = Some(url.trim().to_string());
            break;
        }
    }
    let out_sink = output.clone();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            out_sink.lock().expect("output").push_str(&format!("{line}\n"));
        }
    });
    Served { child, base, output }
}


/// Runs `vestibule admin <args>` (without `VESTIBULE_DATABASE_URL`) to the end.
pub fn admin(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vestibule")).arg("admin").args(args).env_remove("VESTIBULE_DATABASE_URL").output().expect("vestibule runs")
}

/// A browser's calls to a served binary: the allowed `Origin`, the
/// `__client` cookie kept between calls.
pub struct Caller {
    /// The shared HTTP client.
    pub http: reqwest::Client,
    /// The server's URL.
    pub base: String,
    /// `__client=<token>`, once set.
    pub cookie: Option<String>,
}

impl Caller {
    /// A caller without a cookie.
    pub fn new(http: &reqwest::Client, base: &str) -> Caller {
        Caller { http: http.clone(), base: base.to_string(), cookie: None }
    }

    /// `<method> path` with a form body; status and JSON, or `None` when
    /// the server cannot be reached.
    pub async fn call(&mut self, method: reqwest::Method, path: &str, form: &[(&str, &str)]) -> Option<(u16, Value)> {
        let mut req = self.http.request(method, format!("{}{path}", self.base)).header("Origin", &self.base).form(form);
        if let Some(c) = &self.cookie {
            req = req.header("Cookie", c);
        }
        let res = req.send().await.ok()?;
        if let Some(token) = super::client_token_in(res.headers()).filter(|t| !t.is_empty()) {
            self.cookie = Some(format!("__client={token}"));
        }
        let status = res.status().as_u16();
        let body = serde_json::from_str(&res.text().await.ok()?).unwrap_or(Value::Null);
        Some((status, body))
    }

    /// `POST path`: the JSON of a 200, `None` when the server cannot be
    /// reached; any other answer fails the test.
    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Option<Value> {
        match self.call(reqwest::Method::POST, path, form).await? {
            (200, body) => Some(body),
            (status, body) => panic!("{path} answered {status}: {body}"),
        }
    }
}
