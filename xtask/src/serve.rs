//! `cargo xtask serve`: one command from a fresh checkout to a running
//! portal and server on http://127.0.0.1:8080; with `--with-example`, the
//! example application protected by the middleware runs beside it on
//! http://127.0.0.1:3000.

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;

use crate::cmd::ChildGuard;
use crate::portal::{build_example, build_example_yew, build_portal, build_server, Profile};
use crate::tools::{self, Chromium};
use crate::Result;

/// Where the server listens.
const SERVER_LISTEN: &str = "127.0.0.1:8080";
/// Where the example application listens with `--with-example`.
const EXAMPLE_LISTEN: &str = "127.0.0.1:3000";

/// Builds everything, then runs the release server (stdio inherited: the
/// server prints the portal URL and the secret key). Alone, the server
/// replaces this process; with the example, both run as children until
/// either exits.
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
    let data_dir = root.join("data");
    std::fs::create_dir_all(&data_dir)
        .map_err(|e| format!("cannot create {}: {e}", data_dir.display()))?;
    let mut cmd = Command::new(&server);
    cmd.current_dir(root)
        .args(["serve", "--listen", SERVER_LISTEN, "--data-dir"])
        .arg(&data_dir)
        .arg("--config")
        .arg(root.join("demo").join("vestibule.toml"))
        .arg("--portal-dir")
        .arg(root.join("dist"));
    if !with_example {
        println!("$ {}", crate::cmd::describe(&cmd));
        // exec only returns on failure.
        let error = cmd.exec();
        return Err(format!("cannot start {}: {error}", server.display()).into());
    }

    let example = build_example(root, Profile::Release)?;
    let yew_dist = build_example_yew(root)?;
    let portal_url = format!("http://{SERVER_LISTEN}");
    let example_url = format!("http://{EXAMPLE_LISTEN}");
    // The example's origin must be allowed for the portal and the handshake
    // to send users back to it.
    cmd.env("VESTIBULE_ALLOWED_ORIGINS", &example_url);
    println!("$ VESTIBULE_ALLOWED_ORIGINS={example_url} {}", crate::cmd::describe(&cmd));
    let mut server_child = ChildGuard::spawn("the server", &mut cmd)?;
    let mut app = Command::new(&example);
    app.current_dir(root)
        .args(["--listen", EXAMPLE_LISTEN, "--frontend-api", &portal_url, "--yew-dir"])
        .arg(&yew_dist);
    println!("$ {}", crate::cmd::describe(&app));
    let mut app_child = ChildGuard::spawn("the example app", &mut app)?;
    println!("\nserve: portal  {portal_url}\nserve: example {example_url} (/dashboard, /forum, /custom, /api/get-teams, the Yew page at /app)\n");
    loop {
        server_child.ensure_running()?;
        app_child.ensure_running()?;
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
}
