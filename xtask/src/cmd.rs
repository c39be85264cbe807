//! Process plumbing shared by every command: run a command visibly and fail
//! on a non-zero exit, read a tool's output, stop a test command that hangs
//! (with everything it started), and make sure the servers and drivers
//! xtask spawns never outlive it (even when a step fails).

use std::ffi::OsString;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Mutex, Once};
use std::time::{Duration, Instant};

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

/// The longest one test command may run. The slowest (a cold `cargo test
/// --workspace`, which compiles) takes about 5 minutes here; a command
/// still running at this limit hangs, and is killed with every process it
/// started so that the suite ends with a failure naming it instead of
/// running into CI's own limit.
pub const TEST_COMMAND_LIMIT: Duration = Duration::from_secs(15 * 60);

/// Runs a test command like [`run`], echoing its output, and adds up the
/// counts it reports.
pub fn run_tests(cmd: &mut Command) -> Result<Counts> {
    run_tests_with(cmd, parse_test_result)
}

/// Runs a test command like [`run_tests`], adding up the counts that
/// `parse` finds in its output lines; stopped at [`TEST_COMMAND_LIMIT`].
pub fn run_tests_with(cmd: &mut Command, parse: fn(&str) -> Option<Counts>) -> Result<Counts> {
    run_limited(cmd, TEST_COMMAND_LIMIT, parse)
}

/// Runs `cmd`, echoing its output and adding up what `parse` counts in it.
/// Past `limit` the command and all its processes are killed and the result
/// is an error saying so. The command runs in a process group of its own:
/// the kill reaches what it started even when that was reparented away
/// from it, and Ctrl-C (or SIGTERM) reaches the group through
/// [`forward_interrupts`].
pub fn run_limited(cmd: &mut Command, limit: Duration, parse: fn(&str) -> Option<Counts>) -> Result<Counts> {
    use std::os::unix::process::CommandExt;
    let shown = describe(cmd);
    println!("$ {shown}");
    forward_interrupts();
    let mut child = cmd
        .stdout(Stdio::piped())
        .process_group(0)
        .spawn()
        .map_err(|e| format!("cannot start `{shown}`: {e}"))?;
    let pid = child.id();
    set_running(Some(pid));
    let lines = read_lines(child.stdout.take());
    let deadline = Instant::now() + limit;
    let mut stopped = false;
    let stop = |stopped: &mut bool| {
        if !*stopped {
            *stopped = true;
            println!("xtask: `{shown}` ran past {} s: killing it and what it started", limit.as_secs());
            kill_group(pid);
            kill_tree(pid);
        }
    };
    let mut counts = Counts::default();
    loop {
        // Once stopped, output still coming is read for a few seconds; a
        // process that escaped the kill and keeps the pipe open is then
        // left behind rather than waited for.
        let wait = if stopped { GRACE } else { deadline.saturating_duration_since(Instant::now()) };
        match lines.recv_timeout(wait) {
            Ok(line) => {
                println!("{line}");
                if let Some(c) = parse(&line) {
                    counts += c;
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) if stopped => break,
            Err(mpsc::RecvTimeoutError::Timeout) => stop(&mut stopped),
        }
    }
    let status = loop {
        match child.try_wait().map_err(|e| format!("`{shown}` could not be waited for: {e}"))? {
            Some(status) => break status,
            None if Instant::now() >= deadline => {
                stop(&mut stopped);
                break child.wait().map_err(|e| format!("`{shown}` could not be waited for: {e}"))?;
            }
            None => std::thread::sleep(Duration::from_millis(50)),
        }
    };
    set_running(None);
    if stopped && !status.success() {
        return Err(format!("`{shown}` was still running after {} s and was stopped", limit.as_secs()).into());
    }
    if status.success() {
        Ok(counts)
    } else {
        Err(format!("`{shown}` failed ({status})").into())
    }
}

/// How long output is still read after a command was stopped.
const GRACE: Duration = Duration::from_secs(5);

/// The lines of `out`, read on a thread of their own.
fn read_lines(out: Option<std::process::ChildStdout>) -> mpsc::Receiver<String> {
    use std::io::{BufRead, BufReader};
    let (send, lines) = mpsc::channel();
    if let Some(out) = out {
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(std::io::Result::ok) {
                if send.send(line).is_err() {
                    break;
                }
            }
        });
    }
    lines
}

/// The process group of the test command running now, if any.
static RUNNING: Mutex<Option<u32>> = Mutex::new(None);

fn set_running(pid: Option<u32>) {
    if let Ok(mut running) = RUNNING.lock() {
        *running = pid;
    }
}

/// Ctrl-C, SIGTERM or SIGHUP stop the test command running now (in its
/// own process group, a signal to xtask's group does not reach it), then
/// xtask.
fn forward_interrupts() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| {
        std::thread::spawn(|| {
            use tokio::signal::unix::{signal, SignalKind};
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
            let code = runtime.block_on(async {
                let (Ok(mut int), Ok(mut term), Ok(mut hup)) =
                    (signal(SignalKind::interrupt()), signal(SignalKind::terminate()), signal(SignalKind::hangup()))
                else {
                    return None;
                };
                tokio::select! {
                    _ = int.recv() => Some(130),
                    _ = term.recv() => Some(143),
                    _ = hup.recv() => Some(129),
                }
            });
            if let Some(code) = code {
                if let Some(pid) = RUNNING.lock().ok().and_then(|running| *running) {
                    kill_group(pid);
                    kill_tree(pid);
                }
                std::process::exit(code);
            }
        });
    });
}

/// SIGKILL to every process of the group `pgid`.
fn kill_group(pgid: u32) {
    // An empty group makes kill complain; that is the goal reached.
    let _ = Command::new("kill").arg("-KILL").arg("--").arg(format!("-{pgid}")).stderr(Stdio::null()).status();
}

/// SIGKILL to `pid` and every process below it (read from /proc), the
/// deepest first so no orphan is left holding the output pipe open.
fn kill_tree(pid: u32) {
    let mut tree = vec![pid];
    let mut i = 0;
    while i < tree.len() {
        tree.extend(children_of(tree[i]));
        i += 1;
    }
    let pids: Vec<String> = tree.iter().rev().map(u32::to_string).collect();
    // A process that ended meanwhile makes kill complain; the rest die.
    let _ = Command::new("kill").arg("-KILL").args(&pids).stderr(Stdio::null()).status();
}

/// The processes whose parent is `pid`, from /proc/<pid>/task/*/children.
fn children_of(pid: u32) -> Vec<u32> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else { return Vec::new() };
    tasks
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("children")).ok())
        .flat_map(|list| list.split_whitespace().filter_map(|p| p.parse().ok()).collect::<Vec<u32>>())
        .collect()
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

    /// Runs `sh -c script` under a 1 s limit it outlives, `{pid_file}` in
    /// the script naming where it writes the id of a process it starts, and
    /// returns that process's `/proc/<pid>/stat` afterwards (empty once the
    /// process is gone).
    fn state_after_limit(script: &str) -> String {
        let dir = TempDir::new("xtask-watchdog").expect("scratch directory");
        let pid_file = dir.path().join("pid");
        let script = script.replace("{pid_file}", &pid_file.display().to_string());
        let error = run_limited(Command::new("sh").args(["-c", &script]), Duration::from_secs(1), |_| None)
            .expect_err("a command that outlives its limit fails");
        assert!(error.to_string().contains("still running after 1 s"), "{error}");
        let pid = std::fs::read_to_string(&pid_file).expect("the script wrote the pid");
        std::fs::read_to_string(format!("/proc/{}/stat", pid.trim())).unwrap_or_default()
    }

    #[test]
    fn a_command_past_its_limit_is_stopped_with_what_it_started() {
        // The grandchild does not hold the output open: only the kill ends it.
        let state = state_after_limit("sleep 300 > /dev/null & echo $! > {pid_file}; wait");
        // Gone, or a zombie waiting for a reaper: not running either way.
        assert!(state.is_empty() || state.contains(") Z "), "the child the command started is still alive: {state}");
    }

    #[test]
    fn a_process_reparented_away_from_a_stopped_command_is_stopped_too() {
        // The subshell exits at once: its sleep is reparented, keeps the
        // output open, and is found only through the process group.
        let state = state_after_limit("(sleep 300 & echo $! > {pid_file}); sleep 300");
        assert!(state.is_empty() || state.contains(") Z "), "the reparented process is still alive: {state}");
    }

    #[test]
    fn a_command_within_its_limit_keeps_its_counts() {
        let counts = run_limited(
            Command::new("echo").arg("test result: ok. 2 passed; 0 failed; 0 ignored"),
            Duration::from_secs(60),
            parse_test_result,
        )
        .expect("echo succeeds");
        assert_eq!(counts, Counts { passed: 2, failed: 0 });
    }
}
