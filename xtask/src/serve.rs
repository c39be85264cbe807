//! `cargo xtask serve`: one command from a fresh checkout to a running
//! portal and server on http://127.0.0.1:8080.

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;

use crate::portal::{build_portal, build_server, Profile};
use crate::tools::{self, Chromium};
use crate::Result;

/// Builds everything, then replaces this process with the release server
/// (stdio inherited: the server prints the portal URL and the secret key).
pub fn run(root: &Path, options: &[String]) -> Result<()> {
    let with_example = match options {
        [] => false,
        [flag] if flag == "--with-example" => true,
        _ => {
            return Err(format!(
                "`serve` takes only --with-example, not `{}`",
                options.join(" ")
            )
            .into())
        }
    };
    tools::ensure(root, Chromium::No)?;
    build_portal(root)?;
    let server = build_server(root, Profile::Release)?;
    if with_example {
        println!("serve: --with-example is not available yet; serving the portal only");
    }
    let data_dir = root.join("data");
    std::fs::create_dir_all(&data_dir)
        .map_err(|e| format!("cannot create {}: {e}", data_dir.display()))?;
    let mut cmd = Command::new(&server);
    cmd.current_dir(root)
        .args(["serve", "--listen", "127.0.0.1:8080", "--data-dir"])
        .arg(&data_dir)
        .arg("--config")
        .arg(root.join("demo").join("vestibule.toml"))
        .arg("--portal-dir")
        .arg(root.join("dist"));
    println!("$ {}", crate::cmd::describe(&cmd));
    // exec only returns on failure.
    let error = cmd.exec();
    Err(format!("cannot start {}: {error}", server.display()).into())
}
