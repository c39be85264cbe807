//! The compat stage of `cargo xtask test`: the real `@clerk/clerk-js` (in
//! Chromium, through playwright-core) and `@clerk/backend` (in Node) from
//! npm, pinned by `compat/package-lock.json`, against the real server
//! binary on 127.0.0.1.
//!
//! `npm ci` runs only when the lockfile changed since the last install
//! (a copy of it is kept in `compat/node_modules/`), so a warm run costs
//! just the scenarios.

use std::path::Path;
use std::process::Command;

use crate::cmd::{self, Counts};
use crate::portal::{build_server, Profile};
use crate::tools::CHROMIUM;
use crate::Result;

/// Where the installed copy of the lockfile is kept.
const INSTALLED_LOCK: &str = "node_modules/.vestibule-installed-lock.json";

/// Installs the pinned SDKs when needed, then runs every scenario file of
/// `compat/tests` with Node's test runner.
pub fn run(root: &Path) -> Result<Counts> {
    run_with(root, &[])
}

/// [`run`] with more environment for the scenarios (e.g.
/// `VESTIBULE_COMPAT_POSTGRES`, which runs each server as replicas).
pub fn run_with(root: &Path, env: &[(&str, &str)]) -> Result<Counts> {
    let server = build_server(root, Profile::Debug)?;
    let dir = root.join("compat");
    npm_ci(&dir)?;
    let mut node = Command::new("node");
    node.current_dir(&dir)
        .args(["--test", "--test-concurrency=1", "--test-reporter=tap"])
        .env("VESTIBULE_BIN", server)
        .env("CHROMIUM", CHROMIUM)
        .envs(env.iter().copied());
    let portal = root.join("dist");
    if portal.join("index.html").exists() {
        node.env("VESTIBULE_PORTAL_DIR", portal);
    }
    for file in test_files(&dir)? {
        node.arg(file);
    }
    let counts = cmd::run_tests_with(&mut node, parse_tap_summary)?;
    if counts.passed == 0 {
        return Err("the compat scenarios ran no test".into());
    }
    Ok(counts)
}

/// `npm ci` in `dir` unless `node_modules` was installed from this very lockfile.
fn npm_ci(dir: &Path) -> Result<()> {
    let lock = std::fs::read(dir.join("package-lock.json"))
        .map_err(|e| format!("cannot read compat/package-lock.json: {e}"))?;
    if std::fs::read(dir.join(INSTALLED_LOCK)).ok().as_deref() == Some(lock.as_slice()) {
        println!("compat: node_modules matches package-lock.json");
        return Ok(());
    }
    cmd::run(Command::new("npm").current_dir(dir).args(["ci", "--no-audit", "--no-fund"]))?;
    std::fs::write(dir.join(INSTALLED_LOCK), &lock).map_err(|e| format!("cannot write {INSTALLED_LOCK}: {e}"))?;
    Ok(())
}

/// The scenario files, in name order.
fn test_files(dir: &Path) -> Result<Vec<String>> {
    let mut files: Vec<String> = std::fs::read_dir(dir.join("tests"))
        .map_err(|e| format!("cannot list compat/tests: {e}"))?
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".test.mjs"))
        .map(|name| format!("tests/{name}"))
        .collect();
    files.sort();
    Ok(files)
}

/// Reads the closing `# pass N` and `# fail N` lines of Node's TAP reporter
/// (each line adds to one of the two counts).
pub fn parse_tap_summary(line: &str) -> Option<Counts> {
    let rest = line.trim().strip_prefix("# ")?;
    let (word, n) = rest.split_once(' ')?;
    let n = n.trim().parse::<u64>().ok()?;
    match word {
        "pass" => Some(Counts { passed: n, failed: 0 }),
        "fail" => Some(Counts { passed: 0, failed: n }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_nodes_tap_summary() {
        assert_eq!(parse_tap_summary("# pass 12"), Some(Counts { passed: 12, failed: 0 }));
        assert_eq!(parse_tap_summary("# fail 1"), Some(Counts { passed: 0, failed: 1 }));
        assert_eq!(parse_tap_summary("# tests 13"), None);
        assert_eq!(parse_tap_summary("ok 1 - scenario 1"), None);
    }
}
