//! The schema-fuzzing stage of `cargo xtask test`: Schemathesis from PyPI
//! (pinned in `fuzz/requirements.txt`, installed into
//! `.tools/schemathesis`) against the real debug server binary on
//! 127.0.0.1 and the OpenAPI documents it serves, driven by `fuzz/run.py`.
//!
//! The virtual environment is made again only when the requirements
//! changed since it was installed, so a warm run costs just the fuzzing.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::cmd::{self, Counts};
use crate::portal::{build_server, Profile};
use crate::Result;

/// Where the installed copy of the requirements is kept, in the venv.
const INSTALLED: &str = ".vestibule-installed-requirements.txt";

/// Builds the server, installs Schemathesis when needed, and fuzzes.
pub fn run(root: &Path) -> Result<Counts> {
    let server = build_server(root, Profile::Debug)?;
    let venv = ensure_schemathesis(root)?;
    let reports = root.join("target").join("schemathesis");
    std::fs::create_dir_all(&reports).map_err(|e| format!("cannot make {}: {e}", reports.display()))?;
    cmd::run_limited(
        Command::new(venv.join("bin").join("python"))
            .arg(root.join("fuzz").join("run.py"))
            .arg("--bin")
            .arg(&server)
            .arg("--st")
            .arg(venv.join("bin").join("st"))
            .arg("--report-dir")
            .arg(&reports)
            // Hypothesis and Schemathesis keep their files in the working
            // directory: the reports', not the checkout.
            .current_dir(&reports)
            .env("HYPOTHESIS_STORAGE_DIRECTORY", reports.join(".hypothesis")),
        cmd::TEST_COMMAND_LIMIT,
        |_| None,
    )?;
    Ok(Counts { passed: 1, failed: 0 })
}

/// `.tools/schemathesis`, a virtual environment with the pinned
/// requirements installed.
fn ensure_schemathesis(root: &Path) -> Result<PathBuf> {
    let venv = root.join(".tools").join("schemathesis");
    let requirements = root.join("fuzz").join("requirements.txt");
    let wanted = std::fs::read(&requirements).map_err(|e| format!("cannot read fuzz/requirements.txt: {e}"))?;
    if std::fs::read(venv.join(INSTALLED)).ok().as_deref() == Some(wanted.as_slice()) && venv.join("bin").join("st").exists() {
        println!("schemathesis: .tools/schemathesis matches fuzz/requirements.txt");
        return Ok(venv);
    }
    if venv.exists() {
        std::fs::remove_dir_all(&venv).map_err(|e| format!("cannot remove {}: {e}", venv.display()))?;
    }
    cmd::run(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
    cmd::run(
        Command::new(venv.join("bin").join("pip"))
            .args(["install", "--quiet", "--disable-pip-version-check", "--no-cache-dir", "-r"])
            .arg(&requirements),
    )?;
    std::fs::write(venv.join(INSTALLED), wanted).map_err(|e| format!("cannot record the install: {e}"))?;
    Ok(venv)
}
