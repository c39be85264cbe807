//! The compat stage of `cargo xtask test`: the real `@clerk/clerk-js` (in
//! Chromium, through playwright-core) and `@clerk/backend` (in Node) from
//! npm, pinned by `compat/package-lock.json`, against the real server
//! binary on 127.0.0.1.
//!
//! `npm ci` runs only when the lockfile changed since the last install
//! (a copy of it is kept in `compat/node_modules/`), so a warm run costs
//! just the scenarios.
//!
//! Clerk's prebuilt UI (`@clerk/ui`) is not in the lockfile: its npm
//! dependencies (React's ESM build, wallet adapters, a localization
//! version the registry lacks) are needed by bundlers only, while an
//! application page loads its self-contained browser bundle. Its pinned
//! tarball is packed from the registry, checked against its integrity and
//! unpacked into `node_modules/@clerk/ui`.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::cmd::{self, Counts, TempDir};
use crate::portal::{build_server, Profile};
use crate::tools::CHROMIUM;
use crate::Result;

/// Where the installed copy of the lockfile is kept.
const INSTALLED_LOCK: &str = "node_modules/.vestibule-installed-lock.json";
/// The `@clerk/ui` release that goes with the pinned `@clerk/clerk-js`.
const CLERK_UI_VERSION: &str = "1.36.0";
/// Its tarball's integrity as the registry publishes it.
const CLERK_UI_INTEGRITY: &str =
    "sha512-uI96zYCh5jISLOt1mdpIPy/Y31P0kwFxjUFOxLUwFfTHFmGUcRjbqN6bbb+75tdI2Bz6ARGws3rhspDer+xIfQ==";
/// Where it is unpacked, under `compat/`.
const CLERK_UI_DIR: &str = "node_modules/@clerk/ui";

/// Installs the pinned SDKs when needed, then runs every scenario file of
/// `compat/tests` with Node's test runner.
pub fn run(root: &Path) -> Result<Counts> {
    run_with(root, &[])
}

/// [`run`] with more environment for the scenarios (e.g.
/// `VESTIBULE_COMPAT_POSTGRES`, which runs each server as replicas).
pub fn run_with(root: &Path, env: &[(&str, &str)]) -> Result<Counts> {
    let server = build_server(root, Profile::Debug)?;
    let dir = install(root)?;
    let mut node = Command::new("node");
    node.current_dir(&dir)
        // A scenario that hangs fails alone after 3 minutes (each takes
        // under 10 s) and the others still run.
        .args(["--test", "--test-concurrency=1", "--test-reporter=tap", "--test-timeout=180000"])
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

/// Installs the pinned SDKs and Clerk's prebuilt UI into `compat/`
/// when needed; returns that directory.
pub fn install(root: &Path) -> Result<PathBuf> {
    let dir = root.join("compat");
    npm_ci(&dir)?;
    unpack_clerk_ui(&dir)?;
    Ok(dir)
}

/// `@clerk/ui`'s whole package (its `dist/` is what pages load), unless
/// that version is there already.
fn unpack_clerk_ui(dir: &Path) -> Result<()> {
    let target = dir.join(CLERK_UI_DIR);
    let manifest = std::fs::read_to_string(target.join("package.json")).unwrap_or_default();
    let installed = serde_json::from_str::<serde_json::Value>(&manifest).ok();
    if installed.as_ref().and_then(|m| m["version"].as_str()) == Some(CLERK_UI_VERSION) {
        println!("compat: @clerk/ui {CLERK_UI_VERSION} ok");
        return Ok(());
    }
    let packed = TempDir::new("vestibule-clerk-ui")?;
    let listing = cmd::stdout_of(Command::new("npm").current_dir(packed.path()).args([
        "pack",
        "--json",
        "--pack-destination",
        ".",
        &format!("@clerk/ui@{CLERK_UI_VERSION}"),
    ]))
    .ok_or("npm pack @clerk/ui failed")?;
    let listing: serde_json::Value =
        serde_json::from_str(&listing).map_err(|e| format!("npm pack printed no JSON: {e}"))?;
    let integrity = listing[0]["integrity"].as_str().unwrap_or_default();
    if integrity != CLERK_UI_INTEGRITY {
        return Err(format!("@clerk/ui {CLERK_UI_VERSION} has integrity {integrity}, expected {CLERK_UI_INTEGRITY}").into());
    }
    let file = listing[0]["filename"].as_str().ok_or("npm pack named no file")?;
    let _ = std::fs::remove_dir_all(&target);
    std::fs::create_dir_all(&target)?;
    cmd::run(
        Command::new("tar")
            .arg("-xzf")
            .arg(packed.path().join(file))
            .arg("-C")
            .arg(&target)
            .arg("--strip-components=1"),
    )?;
    println!("compat: @clerk/ui {CLERK_UI_VERSION} unpacked");
    Ok(())
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
