//! `cargo xtask test`: the whole test suite in the order that fails fastest
//! (clippy, native, Schemathesis against the server's OpenAPI documents,
//! then the portal in headless Chromium, then end to end
//! against the real server and built portal, then the compat scenarios
//! with the real Clerk SDKs, then both again on two PostgreSQL replicas
//! behind a load balancer), with the environment each stage needs.

mod executables;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::cmd::{self, cargo, Counts};
use crate::portal::{build_example, build_example_yew, build_portal, build_server, Profile};
use crate::tools::{self, Chromium, CHROMEDRIVER, CHROMIUM};
use crate::Result;

/// One stage of the suite.
type Stage = fn(&Path) -> Result<Counts>;

/// Outcome of one stage, for the summary.
enum Outcome {
    Passed(Duration),
    Failed(Duration, String),
    NotRun,
}

/// Runs the stages, stopping at the first failure, and prints a summary.
pub fn run(root: &Path) -> Result<()> {
    if std::env::var_os("CI").is_some() {
        // A clean clone builds once: incremental caches would only take
        // disk (more than a gigabyte) and time.
        std::env::set_var("CARGO_INCREMENTAL", "0");
    }
    tools::ensure(root, Chromium::Yes)?;
    let stages: [(&str, Stage); 8] = [
        ("lint (cargo clippy --workspace --all-targets, native and wasm32, -D warnings)", lint),
        ("native tests (cargo test --workspace)", native),
        ("schema fuzzing (Schemathesis against the server's OpenAPI documents)", crate::fuzz::run),
        ("server tests on PostgreSQL (vestibule-server, a throw-away cluster)", server_on_postgres),
        (
            "browser unit tests (vestibule-portal, wasm32, headless Chromium)",
            browser,
        ),
        ("end-to-end tests (vestibule-e2e)", end_to_end),
        (
            "compat scenarios (@clerk/clerk-js and @clerk/backend, compat/)",
            crate::compat::run,
        ),
        ("end-to-end and compat on two PostgreSQL replicas behind haproxy", on_replicas),
    ];
    let mut outcomes = Vec::new();
    let mut failed = false;
    let mut total = Counts::default();
    for (name, stage) in stages {
        if failed {
            outcomes.push((name, Outcome::NotRun));
            continue;
        }
        println!("\n== test: {name}");
        let started = Instant::now();
        let outcome = match stage(root) {
            Ok(counts) => {
                total += counts;
                Outcome::Passed(started.elapsed())
            }
            Err(error) => {
                failed = true;
                Outcome::Failed(started.elapsed(), error.to_string())
            }
        };
        outcomes.push((name, outcome));
    }
    println!("\n== test summary");
    for (name, outcome) in &outcomes {
        match outcome {
            Outcome::Passed(took) => println!("  ok      {name} ({:.1} s)", took.as_secs_f64()),
            Outcome::Failed(took, why) => {
                println!("  FAILED  {name} ({:.1} s): {why}", took.as_secs_f64())
            }
            Outcome::NotRun => println!("  skipped {name} (an earlier stage failed)"),
        }
    }
    if failed {
        println!("tests: {} passed, 1 failed", total.passed);
        Err("tests failed".into())
    } else {
        println!("tests: {} passed, {} failed", total.passed, total.failed);
        Ok(())
    }
}

/// Clippy over every crate and target, warnings denied: natively, and the
/// portal for the wasm32 target it ships as.
fn lint(root: &Path) -> Result<Counts> {
    let native = ["clippy", "--workspace", "--all-targets", "--locked", "--", "-D", "warnings"];
    let wasm = ["clippy", "-p", "vestibule-portal", "--target", "wasm32-unknown-unknown", "--all-targets", "--locked", "--", "-D", "warnings"];
    for args in [&native[..], &wasm[..]] {
        cmd::run(cargo().current_dir(root).args(args))?;
    }
    Ok(Counts::default())
}

/// Host tests of every crate (the e2e tests are `#[ignore]`d there).
fn native(root: &Path) -> Result<Counts> {
    cmd::run_tests(
        cargo()
            .current_dir(root)
            .args(["test", "--workspace", "--locked"]),
    )
}

/// The server's tests again, each instance on its own database of a
/// throw-away PostgreSQL cluster (the test binaries of the native stage,
/// run directly).
fn server_on_postgres(root: &Path) -> Result<Counts> {
    let cluster = crate::postgres::Cluster::start()?;
    let url = cluster.url("postgres");
    let mut counts = Counts::default();
    for test in executables::of(root, "server")? {
        counts += cmd::run_tests(Command::new(test).current_dir(root.join("server")).env("VESTIBULE_TEST_POSTGRES", &url))?;
    }
    Ok(counts)
}

/// The portal's wasm-bindgen tests in headless Chromium.
fn browser(root: &Path) -> Result<Counts> {
    cmd::run_tests(
        cargo()
            .current_dir(root)
            .args([
                "test",
                "-p",
                "vestibule-portal",
                "--target",
                "wasm32-unknown-unknown",
                "--locked",
            ])
            .env(
                "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
                "wasm-bindgen-test-runner",
            )
            .env("CHROMEDRIVER", CHROMEDRIVER)
            .env("WASM_BINDGEN_TEST_TIMEOUT", "60"),
    )
}

/// The real (debug) server with the built portal, and the example
/// application (with its Yew page) beside it, driven through Chromium; the
/// journeys that need replicas wait for [`on_replicas`].
fn end_to_end(root: &Path) -> Result<Counts> {
    build_portal(root)?;
    let yew_started = Instant::now();
    let yew_dist = build_example_yew(root)?;
    println!("example Yew page: {:.1} s", yew_started.elapsed().as_secs_f64());
    e2e_tests(root, &yew_dist, &["--skip", "replica_"], &[])
}

/// The end-to-end journeys and the compat scenarios again, each server two
/// replicas on one database of a throw-away PostgreSQL cluster behind
/// haproxy (`demo/haproxy.cfg`): a journey passes only when both replicas
/// served it, and one journey kills a replica half way. Reuses the portal
/// and the Yew page the stage before built.
fn on_replicas(root: &Path) -> Result<Counts> {
    tools::ensure_haproxy()?;
    let cluster = crate::postgres::Cluster::start()?;
    let admin = cluster.url("postgres");
    let yew_dist = root.join("examples").join("yew-app").join("dist");
    let mut counts = e2e_tests(root, &yew_dist, &[], &[("VESTIBULE_E2E_POSTGRES", &admin)])?;
    counts += crate::compat::run_with(root, &[("VESTIBULE_COMPAT_POSTGRES", &admin)])?;
    Ok(counts)
}

/// Every ignored journey of vestibule-e2e's test binaries (`extra` passed
/// to them, `env` added to theirs), with the builds they drive.
fn e2e_tests(root: &Path, yew_dist: &Path, extra: &[&str], env: &[(&str, &str)]) -> Result<Counts> {
    // axe-core, which the journeys run on every screen they check, is
    // pinned in compat/'s lockfile.
    let axe = crate::compat::install(root)?.join("node_modules").join("axe-core").join("axe.min.js");
    let server = build_server(root, Profile::Debug)?;
    let example = build_example(root, Profile::Debug)?;
    let artifacts = root.join("artifacts");
    std::fs::create_dir_all(&artifacts)
        .map_err(|e| format!("cannot create {}: {e}", artifacts.display()))?;
    let mut counts = Counts::default();
    for journeys in executables::of(root, "e2e")? {
        counts += cmd::run_tests(
            Command::new(journeys)
                .current_dir(root.join("e2e"))
                .args(["--ignored", "--test-threads=1"])
                .args(extra)
                .env("VESTIBULE_BIN", &server)
                .env("VESTIBULE_EXAMPLE_BIN", &example)
                .env("VESTIBULE_EXAMPLE_YEW_DIR", yew_dist)
                .env("VESTIBULE_PORTAL_DIR", root.join("dist"))
                .env("VESTIBULE_ARTIFACTS", &artifacts)
                .env("VESTIBULE_AXE", &axe)
                .env("CHROMEDRIVER", CHROMEDRIVER)
                .env("CHROMIUM", CHROMIUM)
                .envs(env.iter().copied()),
        )?;
    }
    Ok(counts)
}
