//! `cargo xtask`: the one entry point that installs the tools Vestibule needs
//! and builds, serves, tests and benchmarks the workspace, so nobody has to
//! remember trunk/wasm-bindgen/chromium versions or the order of the steps.

mod bench;
mod cmd;
mod compat;
mod fuzz;
mod portal;
mod postgres;
mod serve;
mod test;
mod tools;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Error type of every xtask step: a message for the person at the terminal.
pub type Error = Box<dyn std::error::Error + Send + Sync>;
/// Result of every xtask step.
pub type Result<T, E = Error> = std::result::Result<T, E>;

const HELP: &str = "\
Usage: cargo xtask <command>

Commands:
  build-portal          install missing tools, then `trunk build --release` into dist/
  serve [--with-example]
                        build the portal and the release server, then run it on
                        http://127.0.0.1:8080 with data/ and demo/vestibule.toml;
                        --with-example also runs the example app protected by the
                        middleware (and its Yew page) on http://127.0.0.1:3000;
                        --postgres [--replicas N] runs on a throw-away PostgreSQL
                        cluster, N replicas behind haproxy (demo/haproxy.cfg)
  test                  clippy, native tests, Schemathesis against the server's
                        OpenAPI documents, the server's tests a second time on
                        PostgreSQL, browser unit tests of the portal (headless
                        Chromium), the end-to-end tests, then the compat scenarios
                        (the real @clerk/clerk-js and @clerk/backend from npm against
                        the server); stops at the first failure
  fuzz                  only the Schemathesis run (builds the server, installs
                        fuzz/requirements.txt into .tools/schemathesis when needed;
                        reports in target/schemathesis/)
  compat                only the compat scenarios (builds the server, npm ci in compat/
                        when its lockfile changed, @clerk/ui packed from npm, then
                        node --test)
  bench                 portal gzip size, cold load of the choose-organization screen,
                        GET /v1/client throughput and latency beside a plain axum
                        handler, token refresh beside RS256 signing, password
                        sign-in beside Argon2id, server RSS idle and at peak
                        (--hot-paths runs only these),
                        middleware time per request (median), GET /dashboard of the
                        example app (protected route) throughput and latency;
                        --postgres: GET /v1/client and the token refresh on SQLite,
                        PostgreSQL, and two PostgreSQL replicas behind haproxy;
                        cold loads of Clerk's prebuilt SignIn beside our /sign-in
                        and a static form (the floor) on localhost and slow 4G
                        (--versus-clerk runs only them);
                        the soak (1,000 signed-in tabs refreshing tokens for 10
                        model minutes at 10x real time) ends the run, and
                        --soak runs only it
  tools [--chromium]    only install/check the tools (and Chromium with --chromium)
  help                  print this text

Every command first installs what is missing: the wasm32 target, trunk 0.21.14,
wasm-bindgen-cli (the version in Cargo.lock), wasm-opt (npm binaryen into .tools/)
and, for test and bench, Debian's chromium and chromium-driver (and postgresql,
haproxy where they are used).";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = args.first().map(String::as_str);
    let rest = args.get(1..).unwrap_or_default();
    let root = workspace_root();
    let outcome = match command {
        None | Some("help" | "--help" | "-h") => {
            println!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Some("build-portal") => no_options("build-portal", rest)
            .and_then(|()| tools::ensure(&root, tools::Chromium::No))
            .and_then(|()| portal::build_portal(&root)),
        Some("serve") => serve::run(&root, rest),
        Some("test") => no_options("test", rest).and_then(|()| test::run(&root)),
        Some("bench") => match rest {
            [flag] if flag == "--postgres" => bench::postgres::run(&root),
            [flag] if flag == "--soak" => bench::soak_only(&root),
            [flag] if flag == "--versus-clerk" => bench::versus_clerk_only(&root),
            [flag] if flag == "--hot-paths" => bench::hot_paths_only(&root),
            _ => no_options("bench", rest).and_then(|()| bench::run(&root)),
        },
        Some("fuzz") => no_options("fuzz", rest).and_then(|()| fuzz::run(&root).map(|_| ())),
        Some("compat") => no_options("compat", rest).and_then(|()| {
            let counts = compat::run(&root)?;
            println!("compat: {} passed, {} failed", counts.passed, counts.failed);
            Ok(())
        }),
        Some("tools") => match rest {
            [] => tools::ensure(&root, tools::Chromium::No),
            [flag] if flag == "--chromium" => tools::ensure(&root, tools::Chromium::Yes),
            _ => Err(unknown_options("tools", rest)),
        },
        Some(other) => {
            eprintln!("xtask: unknown command `{other}`\n");
            println!("{HELP}");
            return ExitCode::from(2);
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root: the parent of this crate's directory.
fn workspace_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| manifest_dir.to_path_buf())
}

/// Accepts a command that takes no options, rejects anything else.
fn no_options(command: &str, rest: &[String]) -> Result<()> {
    if rest.is_empty() {
        Ok(())
    } else {
        Err(unknown_options(command, rest))
    }
}

/// The error for options a command does not know.
fn unknown_options(command: &str, rest: &[String]) -> Error {
    format!(
        "`{command}` does not take `{}` (see `cargo xtask help`)",
        rest.join(" ")
    )
    .into()
}
