//! Process plumbing shared by every command: run a command visibly and fail
//! on a non-zero exit, read a tool's output, and make sure the servers and
//! drivers xtask spawns never outlive it (even when a step fails).

use std::ffi::OsString;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::Result;

/// Runs `cmd` with inherited stdio; an error names the command and its status.
pub fn run(cmd: &mut Command) -> Result<()> {
    let shown = describe(cmd);
    println!("$ {shown}");
    let status = cmd
        .status()
        .map_err(|e| format!("cannot start `{shown}`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{shown}` failed ({status})").into())
    }
}

/// How many tests a test command reported.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Tests that passed.
    pub passed: u64,
    /// Tests that failed.
    pub failed: u64,
}

impl std::ops::AddAssign for Counts {
    fn add_assign(&mut self, other: Counts) {
        self.passed += other.passed;
        self.failed += other.failed;
    }
}

/// Reads `test result: ok. 3 passed; 0 failed; ...` (cargo test and
/// wasm-bindgen-test-runner both print it).
pub fn parse_test_result(line: &str) -> Option<Counts> {
    let rest = line.trim().strip_prefix("test result: ")?;
    let number_before = |word: &str| {
        rest.split(';')
            .find_map(|part| part.trim().trim_start_matches("ok. ").trim_start_matches("FAILED. ").strip_suffix(word))
            .and_then(|n| n.trim().parse::<u64>().ok())
    };
    Some(Counts { passed: number_before(" passed")?, failed: number_before(" failed")? })
}

/// Runs a test command like [`run`], echoing its output, and adds up the
/// counts it reports.
pub fn run_tests(cmd: &mut Command) -> Result<Counts> {
    run_tests_with(cmd, parse_test_result)
}

/// Runs a test command like [`run_tests`], adding up the counts that
/// `parse` finds in its output lines.
pub fn run_tests_with(cmd: &mut Command, parse: fn(&str) -> Option<Counts>) -> Result<Counts> {
    use std::io::{BufRead, BufReader};
    let shown = describe(cmd);
    println!("$ {shown}");
    let mut child = cmd
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start `{shown}`: {e}"))?;
    let mut counts = Counts::default();
    if let Some(out) = child.stdout.take() {
        for line in BufReader::new(out).lines().map_while(std::io::Result::ok) {
            println!("{line}");
            if let Some(c) = parse(&line) {
                counts += c;
            }
        }
    }
    let status = child.wait().map_err(|e| format!("`{shown}` could not be waited for: {e}"))?;
    if status.success() {
        Ok(counts)
    } else {
        Err(format!("`{shown}` failed ({status})").into())
    }
}

/// Stdout of `cmd` when it starts and exits successfully, `None` otherwise.
pub fn stdout_of(cmd: &mut Command) -> Option<String> {
    let output = cmd.stderr(Stdio::null()).output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The program and its arguments, for logs and error messages.
pub fn describe(cmd: &Command) -> String {
    std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|part| part.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A `cargo` command using the same cargo that runs xtask.
pub fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo")))
}

/// The cargo target directory (`CARGO_TARGET_DIR` or `<root>/target`).
pub fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root.join(dir),
        None => root.join("target"),
    }
}

/// A TCP port on 127.0.0.1 that was free a moment ago.
pub fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// A spawned child process that is killed and reaped when dropped.
pub struct ChildGuard {
    name: String,
    child: Child,
}

impl ChildGuard {
    /// Spawns `cmd`; `name` is used in messages.
    pub fn spawn(name: &str, cmd: &mut Command) -> Result<Self> {
        let child = cmd
            .spawn()
            .map_err(|e| format!("cannot start {name} (`{}`): {e}", describe(cmd)))?;
        Ok(Self {
            name: name.to_owned(),
            child,
        })
    }

    /// The child's process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// An error when the child has already exited.
    pub fn ensure_running(&mut self) -> Result<()> {
        match self.child.try_wait()? {
            None => Ok(()),
            Some(status) => Err(format!("{} exited early ({status})", self.name).into()),
        }
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            // Errors here mean the child is already gone, which is the goal.
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// A scratch directory that is deleted when dropped.
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    /// Creates a fresh directory `<tmp>/<prefix>-<pid>-<nanos>`.
    pub fn new(prefix: &str) -> Result<Self> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let path = std::env::temp_dir().join(format!("{prefix}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&path)
            .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        Ok(Self { path })
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

#[cfg(test)]
mod counting_tests {
    use super::*;

    #[test]
    fn reads_the_closing_lines_of_test_runners() {
        assert_eq!(
            parse_test_result("test result: ok. 13 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s"),
            Some(Counts { passed: 13, failed: 0 })
        );
        assert_eq!(
            parse_test_result("test result: FAILED. 2 passed; 1 failed; 0 ignored; 0 filtered out; finished in 0.84s"),
            Some(Counts { passed: 2, failed: 1 })
        );
        assert_eq!(parse_test_result("running 3 tests"), None);
    }
}
