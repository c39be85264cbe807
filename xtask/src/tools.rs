//! Tool set-up shared by every command. Each step checks first and installs
//! only what is missing or at the wrong version, with the versions and
//! install flags that are known to work here (see design/testing.md): trunk
//! 0.22 needs a newer rustc, wasm-bindgen-cli must equal the crate in
//! Cargo.lock and cannot be installed `--locked`, and Debian's binaryen is
//! too old for current wasm, so wasm-opt comes from npm into `.tools/`,
//! as does esbuild, which minifies wasm-bindgen's loader (trunk's own
//! minifier cannot read it).

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::cmd::{cargo, run, stdout_of};
use crate::Result;

/// The trunk release that works with this machine's rustc.
pub const TRUNK_VERSION: &str = "0.21.14";
/// The npm binaryen release whose wasm-opt reads current rustc output.
pub const BINARYEN_VERSION: &str = "132.0.0";
/// The npm esbuild release that minifies the portal's JavaScript loader.
pub const ESBUILD_VERSION: &str = "0.25.12";
/// Debian's Chromium.
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// Debian's chromedriver (same release as [`CHROMIUM`]).
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// Whether a command needs the browser.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Chromium {
    /// Also install Chromium and chromedriver when missing.
    Yes,
    /// Leave the browser alone.
    No,
}

/// Installs whatever is missing, printing one line per tool.
pub fn ensure(root: &Path, chromium: Chromium) -> Result<()> {
    ensure_wasm_target()?;
    ensure_trunk()?;
    ensure_wasm_bindgen(root)?;
    ensure_wasm_opt(root)?;
    ensure_esbuild(root)?;
    if chromium == Chromium::Yes {
        ensure_chromium()?;
    }
    Ok(())
}

/// `PATH` with `<root>/.tools/node_modules/.bin` first, so trunk finds the
/// npm wasm-opt before any older system one.
pub fn path_with_tools(root: &Path) -> Result<OsString> {
    let current = std::env::var_os("PATH").unwrap_or_default();
    let dirs = std::iter::once(tools_bin(root)).chain(std::env::split_paths(&current));
    Ok(std::env::join_paths(dirs)?)
}

/// Where npm puts the wasm-opt and esbuild launchers.
pub fn tools_bin(root: &Path) -> PathBuf {
    root.join(".tools").join("node_modules").join(".bin")
}

fn ensure_wasm_target() -> Result<()> {
    let installed = stdout_of(Command::new("rustup").args(["target", "list", "--installed"]))
        .is_some_and(|out| out.lines().any(|line| line.trim() == WASM_TARGET));
    if !installed {
        run(Command::new("rustup").args(["target", "add", WASM_TARGET]))?;
    }
    println!("tools: rust target {WASM_TARGET} ok");
    let clippy = stdout_of(Command::new("rustup").args(["component", "list", "--installed"]))
        .is_some_and(|out| out.lines().any(|line| line.trim().starts_with("clippy")));
    if !clippy {
        run(Command::new("rustup").args(["component", "add", "clippy"]))?;
    }
    println!("tools: clippy ok");
    Ok(())
}

fn ensure_trunk() -> Result<()> {
    let version = || version_of("trunk");
    if version().as_deref() != Some(TRUNK_VERSION) {
        wait_for_other_install("trunk");
    }
    if version().as_deref() != Some(TRUNK_VERSION) {
        run(cargo().args(["install", "--locked", "trunk", "--version", TRUNK_VERSION]))?;
        check_installed("trunk", version(), TRUNK_VERSION)?;
    }
    println!("tools: trunk {TRUNK_VERSION} ok");
    Ok(())
}

fn ensure_wasm_bindgen(root: &Path) -> Result<()> {
    let lock_path = root.join("Cargo.lock");
    let lock = std::fs::read_to_string(&lock_path)
        .map_err(|e| format!("cannot read {}: {e}", lock_path.display()))?;
    let wanted = locked_version(&lock, "wasm-bindgen")
        .ok_or_else(|| format!("no wasm-bindgen package in {}", lock_path.display()))?;
    let version = || version_of("wasm-bindgen");
    if version().as_deref() != Some(wanted.as_str()) {
        wait_for_other_install("wasm-bindgen-cli");
    }
    if version().as_deref() != Some(wanted.as_str()) {
        // Not --locked: the CLI's own lock file wants a crate the registry lacks.
        run(cargo().args(["install", "wasm-bindgen-cli", "--version", &wanted]))?;
        check_installed("wasm-bindgen", version(), &wanted)?;
    }
    println!("tools: wasm-bindgen-cli {wanted} ok");
    Ok(())
}

fn ensure_wasm_opt(root: &Path) -> Result<()> {
    let wasm_opt = tools_bin(root).join("wasm-opt");
    if !wasm_opt.exists() {
        let prefix = root.join(".tools");
        run(Command::new("npm")
            .arg("install")
            .arg("--prefix")
            .arg(&prefix)
            .args(["--no-audit", "--no-fund"])
            .arg(format!("binaryen@{BINARYEN_VERSION}")))?;
        if !wasm_opt.exists() {
            return Err(format!("npm did not create {}", wasm_opt.display()).into());
        }
    }
    println!("tools: wasm-opt (npm binaryen {BINARYEN_VERSION}) ok");
    Ok(())
}

fn ensure_esbuild(root: &Path) -> Result<()> {
    let esbuild = tools_bin(root).join("esbuild");
    let version = || stdout_of(Command::new(&esbuild).arg("--version")).map(|v| v.trim().to_owned());
    if version().as_deref() != Some(ESBUILD_VERSION) {
        run(Command::new("npm")
            .arg("install")
            .arg("--prefix")
            .arg(root.join(".tools"))
            .args(["--no-audit", "--no-fund"])
            .arg(format!("esbuild@{ESBUILD_VERSION}")))?;
        check_installed("esbuild", version(), ESBUILD_VERSION)?;
    }
    println!("tools: esbuild {ESBUILD_VERSION} ok");
    Ok(())
}

/// A Japanese font (Debian's `fonts-ipafont-gothic`), so that the journeys
/// in Japanese draw their words in the pictures they save; the machine's
/// other fonts cover the Latin and Arabic scripts.
const JAPANESE_FONT: &str = "/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf";

fn ensure_chromium() -> Result<()> {
    let present = || [CHROMIUM, CHROMEDRIVER, JAPANESE_FONT].iter().all(|p| Path::new(p).exists());
    if !present() {
        apt_install(&["chromium", "chromium-driver", "fonts-ipafont-gothic"])?;
        if !present() {
            return Err(format!("apt-get did not install {CHROMIUM}, {CHROMEDRIVER} and {JAPANESE_FONT}").into());
        }
    }
    println!("tools: chromium, chromedriver and a Japanese font ok");
    Ok(())
}

/// Debian's haproxy (the load balancer in front of replicas), installed
/// when missing.
pub fn ensure_haproxy() -> Result<()> {
    if Path::new("/usr/sbin/haproxy").exists() {
        return Ok(());
    }
    apt_install(&["haproxy"])
}

/// Installs Debian packages with apt-get (through sudo unless root).
pub fn apt_install(packages: &[&str]) -> Result<()> {
    let apt = |args: &[&str]| {
        let mut cmd = if is_root() {
            Command::new("apt-get")
        } else {
            let mut sudo = Command::new("sudo");
            sudo.arg("apt-get");
            sudo
        };
        cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        cmd
    };
    run(&mut apt(&["update"]))?;
    run(&mut apt(&[&["install", "-y"][..], packages].concat()))
}

/// Waits while another process runs `cargo install <krate>` (a set-up
/// script or a second xtask), so we do not build the same tool twice at once.
fn wait_for_other_install(krate: &str) {
    let mut announced = false;
    while let Some(pid) = running_install(krate) {
        if !announced {
            println!("tools: waiting for the running `cargo install {krate}` (pid {pid})");
            announced = true;
        }
        std::thread::sleep(std::time::Duration::from_secs(2));
    }
}

/// The pid of a running `cargo install ... <krate> ...`, read from /proc.
fn running_install(krate: &str) -> Option<u32> {
    let own = std::process::id();
    std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .find_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            if pid == own {
                return None;
            }
            let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
            let args: Vec<&[u8]> = cmdline.split(|b| *b == 0).collect();
            let is_cargo = args.first()?.ends_with(b"cargo");
            let installs = args.iter().any(|a| *a == b"install");
            let names = |name: &[u8]| {
                args.iter()
                    .any(|a| *a == name || a.starts_with(&[name, b"@"].concat()))
            };
            (is_cargo && installs && names(krate.as_bytes())).then_some(pid)
        })
}

/// The version a `<tool> --version` prints (`trunk 0.21.14` -> `0.21.14`).
fn version_of(tool: &str) -> Option<String> {
    let out = stdout_of(Command::new(tool).arg("--version"))?;
    out.split_whitespace()
        .nth(1)
        .map(|v| v.trim_start_matches('v').to_owned())
}

fn check_installed(tool: &str, found: Option<String>, wanted: &str) -> Result<()> {
    match found {
        Some(v) if v == wanted => Ok(()),
        Some(v) => Err(format!(
            "after installing, `{tool} --version` says {v}, not {wanted}: is ~/.cargo/bin first on PATH?"
        )
        .into()),
        None => Err(format!("after installing, `{tool}` is not on PATH (add ~/.cargo/bin)").into()),
    }
}

/// The version of package `name` in a Cargo.lock's text (the first entry).
pub fn locked_version(lock: &str, name: &str) -> Option<String> {
    let wanted_name = format!("name = \"{name}\"");
    lock.split("[[package]]").find_map(|entry| {
        let mut lines = entry.lines().map(str::trim);
        if !lines.clone().any(|line| line == wanted_name) {
            return None;
        }
        lines.find_map(|line| {
            line.strip_prefix("version = \"")
                .and_then(|rest| rest.strip_suffix('"'))
                .map(str::to_owned)
        })
    })
}

/// Whether we run as root (effective uid 0), read from /proc.
/// Whether xtask runs as root.
pub fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("Uid:"))
                .and_then(|ids| ids.split_whitespace().nth(1).map(|euid| euid == "0"))
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::locked_version;

    #[test]
    fn reads_the_exact_package_from_a_lock_file() {
        let lock = r#"
[[package]]
name = "wasm-bindgen-futures"
version = "0.4.1"

[[package]]
name = "wasm-bindgen"
version = "0.2.130"
source = "registry+https://github.com/rust-lang/crates.io-index"
"#;
        assert_eq!(
            locked_version(lock, "wasm-bindgen").as_deref(),
            Some("0.2.130")
        );
        assert_eq!(locked_version(lock, "trunk"), None);
    }
}
