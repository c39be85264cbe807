//! `cargo xtask serve`: one command from a fresh checkout to a running
//! portal and server on http://127.0.0.1:8080; with `--with-example`, the
//! example application protected by the middleware runs beside it on
//! http://127.0.0.1:3000. With `--postgres [--replicas N]`, the server runs
//! on a throw-away PostgreSQL cluster, as N replicas behind haproxy (round
//! robin, `demo/haproxy.cfg`) when N is more than one.

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
    let mut with_example = false;
    let mut postgres = false;
    let mut replicas = 1usize;
    let mut rest = options.iter();
    while let Some(flag) = rest.next() {
        match flag.as_str() {
            "--with-example" => with_example = true,
            "--postgres" => postgres = true,
            "--replicas" => {
                replicas = rest
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|n| *n >= 1)
                    .ok_or("--replicas takes a number of at least 1")?;
            }
            other => {
                return Err(format!(
                    "`serve` takes --with-example, --postgres and --replicas N, not `{other}`"
                )
                .into())
            }
        }
    }
    if replicas > 1 && !postgres {
        return Err("several replicas share one PostgreSQL database: add --postgres".into());
    }
    if postgres {
        if with_example {
            return Err("--with-example runs on the embedded SQLite only".into());
        }
        return serve_on_postgres(root, replicas);
    }
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

/// The server on a throw-away PostgreSQL cluster: one replica on
/// [`SERVER_LISTEN`], or `replicas` of them on free ports behind haproxy on
/// [`SERVER_LISTEN`].
fn serve_on_postgres(root: &Path, replicas: usize) -> Result<()> {
    tools::ensure(root, Chromium::No)?;
    build_portal(root)?;
    let server = build_server(root, Profile::Release)?;
    let cluster = crate::postgres::Cluster::start()?;
    let database_url = cluster.url("postgres");
    let public_url = format!("http://{SERVER_LISTEN}");
    let mut children = Vec::new();
    let mut backends = Vec::new();
    for i in 1..=replicas {
        let listen = if replicas == 1 { SERVER_LISTEN.to_string() } else { format!("127.0.0.1:{}", crate::cmd::free_port()?) };
        let data_dir = root.join("data").join(format!("replica-{i}"));
        std::fs::create_dir_all(&data_dir).map_err(|e| format!("cannot create {}: {e}", data_dir.display()))?;
        let mut cmd = Command::new(&server);
        cmd.current_dir(root)
            .args(["serve", "--listen", &listen, "--data-dir"])
            .arg(&data_dir)
            .arg("--config")
            .arg(root.join("demo").join("vestibule.toml"))
            .arg("--portal-dir")
            .arg(root.join("dist"))
            .env("VESTIBULE_DATABASE_URL", &database_url)
            .env("VESTIBULE_PUBLIC_URL", &public_url)
            .env("VESTIBULE_TRUSTED_PROXIES", "127.0.0.1");
        println!("$ {}", crate::cmd::describe(&cmd));
        children.push(ChildGuard::spawn(&format!("replica {i}"), &mut cmd)?);
        backends.push(listen);
    }
    let _balancer = if replicas > 1 { Some(start_haproxy(root, &backends)?) } else { None };
    println!("\nserve: portal {public_url} ({replicas} replica(s) on PostgreSQL {database_url})\n");
    loop {
        for child in &mut children {
            child.ensure_running()?;
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
}

/// haproxy (Debian's, installed when missing) on [`SERVER_LISTEN`] with
/// `demo/haproxy.cfg` and one `server` line per backend.
pub fn start_haproxy(root: &Path, backends: &[String]) -> Result<(ChildGuard, crate::cmd::TempDir)> {
    tools::ensure_haproxy()?;
    let template = std::fs::read_to_string(root.join("demo").join("haproxy.cfg"))
        .map_err(|e| format!("demo/haproxy.cfg: {e}"))?;
    let servers: String = backends
        .iter()
        .enumerate()
        .map(|(i, addr)| format!("    server replica{} {addr} check inter 1s\n", i + 1))
        .collect();
    let dir = crate::cmd::TempDir::new("vestibule-haproxy")?;
    let config = dir.path().join("haproxy.cfg");
    std::fs::write(&config, template.replace("    # servers\n", &servers))
        .map_err(|e| format!("cannot write {}: {e}", config.display()))?;
    let mut cmd = Command::new("/usr/sbin/haproxy");
    cmd.arg("-db").arg("-f").arg(&config);
    println!("$ {}", crate::cmd::describe(&cmd));
    Ok((ChildGuard::spawn("haproxy", &mut cmd)?, dir))
}
