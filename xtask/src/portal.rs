//! Builds the deliverables the other commands run: the portal (trunk, into
//! `dist/`), the `vestibule` server binary and the example application
//! protected by the middleware with its Yew page.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::cmd::{cargo, run, target_dir};
use crate::tools::{path_with_tools, tools_bin};
use crate::Result;

/// `cargo fetch --locked`, then `trunk build --release` in the workspace root
/// (Trunk.toml builds offline, so the fetch must come first), then the
/// loader minified and every file precompressed. Trunk is incremental, so
/// this always runs.
pub fn build_portal(root: &Path) -> Result<()> {
    trunk_build(root, root, &["--release"])?;
    let dist = root.join("dist");
    minify_scripts(root, &dist)?;
    precompress(&dist)?;
    println!("portal: built into {} (with .br and .gz variants)", dist.display());
    Ok(())
}

/// Minifies every `.js` file of `dir` in place with esbuild: the loader
/// wasm-bindgen writes is 54 KB of readable JavaScript that trunk's
/// minifier fails to parse (it leaves it as it is, with a warning). The
/// loader carries no `integrity` (`data-integrity="none"` in
/// `index.html`), since it changes after trunk hashed it.
fn minify_scripts(root: &Path, dir: &Path) -> Result<()> {
    let esbuild = tools_bin(root).join("esbuild");
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().and_then(|e| e.to_str()) != Some("js") {
            continue;
        }
        run(Command::new(&esbuild)
            .arg(&path)
            .args(["--minify", "--format=esm", "--allow-overwrite", "--log-level=warning"])
            .arg(format!("--outfile={}", path.display())))?;
    }
    Ok(())
}

/// Writes `<file>.br` (quality 11) and `<file>.gz` (level 9) beside every
/// text or wasm file of `dir`, which the server sends to browsers that
/// accept them.
pub fn precompress(dir: &Path) -> Result<()> {
    use std::io::Write;
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let compressible = matches!(path.extension().and_then(|e| e.to_str()), Some("html" | "js" | "css" | "wasm" | "json" | "svg"));
        if !path.is_file() || !compressible {
            continue;
        }
        let raw = std::fs::read(&path)?;
        let mut br = Vec::new();
        {
            let mut writer = brotli::CompressorWriter::new(&mut br, 4096, 11, 22);
            writer.write_all(&raw)?;
        }
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&raw)?;
        let name = path.file_name().and_then(|n| n.to_str()).ok_or("a portal file name is not UTF-8")?;
        std::fs::write(dir.join(format!("{name}.br")), br)?;
        std::fs::write(dir.join(format!("{name}.gz")), gz.finish()?)?;
    }
    Ok(())
}

/// Builds the example application's Yew page (`examples/yew-app`) with
/// trunk into its `dist/` and returns that directory. A development build
/// (its Trunk.toml): no wasm-opt, and it shares the wasm32 dependencies the
/// portal's browser tests have already compiled.
pub fn build_example_yew(root: &Path) -> Result<PathBuf> {
    let dir = root.join("examples").join("yew-app");
    trunk_build(root, &dir, &[])?;
    let dist = dir.join("dist");
    println!("example Yew page: built into {}", dist.display());
    Ok(dist)
}

/// `cargo fetch --locked`, then `trunk build <args>` in `dir` (whose
/// Trunk.toml builds offline, so the fetch must come first), with the
/// tools of `.tools/` first on PATH.
fn trunk_build(root: &Path, dir: &Path, args: &[&str]) -> Result<()> {
    run(cargo().current_dir(root).args(["fetch", "--locked"]))?;
    run(Command::new("trunk")
        .current_dir(dir)
        .env("PATH", path_with_tools(root)?)
        .arg("build")
        .args(args))
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

/// Builds package `package` and returns the path of its binary `bin`. The
/// debug build takes every binary of the workspace, with the features the
/// whole workspace unifies, so it shares the test stages' dependencies
/// (`-p` alone would compile most of them again).
fn build_bin(root: &Path, profile: Profile, package: &str, bin: &str) -> Result<PathBuf> {
    let mut cmd = cargo();
    cmd.current_dir(root).args(["build", "--locked"]);
    let dir = match profile {
        Profile::Debug => {
            cmd.args(["--workspace", "--bins"]);
            "debug"
        }
        Profile::Release => {
            cmd.args(["--release", "-p", package]);
            "release"
        }
    };
    run(&mut cmd)?;
    let binary = target_dir(root).join(dir).join(bin);
    if binary.exists() {
        Ok(binary)
    } else {
        Err(format!("the {package} build did not produce {}", binary.display()).into())
    }
}
