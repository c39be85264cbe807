//! Builds the deliverables the other commands run: the portal (trunk, into
//! `dist/`), the `vestibule` server binary and the example application
//! protected by the middleware.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::cmd::{cargo, run, target_dir};
use crate::tools::path_with_tools;
use crate::Result;

/// `cargo fetch --locked`, then `trunk build --release` in the workspace root
/// (Trunk.toml builds offline, so the fetch must come first). Trunk is
/// incremental, so this always runs.
pub fn build_portal(root: &Path) -> Result<()> {
    run(cargo().current_dir(root).args(["fetch", "--locked"]))?;
    run(Command::new("trunk")
        .current_dir(root)
        .env("PATH", path_with_tools(root)?)
        .args(["build", "--release"]))?;
    println!("portal: built into {}", root.join("dist").display());
    Ok(())
}

/// Cargo profile of the server build.
#[derive(Clone, Copy)]
pub enum Profile {
    /// `target/debug`, for tests.
    Debug,
    /// `target/release`, for serve and bench.
    Release,
}

/// Builds `vestibule-server` and returns the path of the `vestibule` binary.
pub fn build_server(root: &Path, profile: Profile) -> Result<PathBuf> {
    build_bin(root, profile, "vestibule-server", "vestibule")
}

/// Builds `vestibule-example-app` (the axum application protected by the
/// middleware) and returns the path of its binary.
pub fn build_example(root: &Path, profile: Profile) -> Result<PathBuf> {
    build_bin(root, profile, "vestibule-example-app", "vestibule-example-app")
}

/// Builds package `package` and returns the path of its binary `bin`.
fn build_bin(root: &Path, profile: Profile, package: &str, bin: &str) -> Result<PathBuf> {
    let mut cmd = cargo();
    cmd.current_dir(root).arg("build");
    let dir = match profile {
        Profile::Debug => "debug",
        Profile::Release => {
            cmd.arg("--release");
            "release"
        }
    };
    run(cmd.args(["--locked", "-p", package]))?;
    let binary = target_dir(root).join(dir).join(bin);
    if binary.exists() {
        Ok(binary)
    } else {
        Err(format!("the {package} build did not produce {}", binary.display()).into())
    }
}
