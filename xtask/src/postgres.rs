//! A throw-away PostgreSQL cluster from Debian's `postgresql` package, for
//! the tests and `serve --postgres`: installed with apt-get when missing,
//! created with `initdb` in a scratch directory (as `nobody` when we are
//! root, since `initdb` refuses to run as root), listening on 127.0.0.1
//! only, with trust authentication for its one user, stopped when dropped.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::cmd::{free_port, run, stdout_of, TempDir};
use crate::Result;

/// The cluster's one user (a superuser, trusted on 127.0.0.1).
const USER: &str = "vestibule";
/// The account that owns the cluster when xtask runs as root.
const UNPRIVILEGED: &str = "nobody";

/// A running cluster.
pub struct Cluster {
    bin: PathBuf,
    data: PathBuf,
    port: u16,
    as_nobody: bool,
    _dir: TempDir,
}

impl Cluster {
    /// Installs PostgreSQL when missing and starts a fresh cluster.
    pub fn start() -> Result<Cluster> {
        let bin = ensure_installed()?;
        let dir = TempDir::new("vestibule-pg")?;
        let as_nobody = crate::tools::is_root();
        let data = dir.path().join("data");
        if as_nobody {
            run(Command::new("chown").args(["-R", &format!("{UNPRIVILEGED}:")]).arg(dir.path()))?;
        }
        let port = free_port()?;
        let mut initdb = as_owner(as_nobody, &bin.join("initdb"));
        initdb.arg("-D").arg(&data).args(["-U", USER, "--auth=trust", "-E", "UTF8", "--no-sync"]);
        run(initdb.current_dir(dir.path()))?;
        let options = format!(
            "-p {port} -k {} -h 127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400",
            dir.path().display()
        );
        let mut start = as_owner(as_nobody, &bin.join("pg_ctl"));
        start.arg("-D").arg(&data).arg("-l").arg(dir.path().join("log")).args(["-w", "-o", &options, "start"]);
        run(start.current_dir(dir.path()))?;
        println!("postgres: a throw-away cluster on 127.0.0.1:{port}");
        Ok(Cluster { bin, data, port, as_nobody, _dir: dir })
    }

    /// The URL of database `db` on this cluster.
    pub fn url(&self, db: &str) -> String {
        format!("postgres://{USER}@127.0.0.1:{}/{db}", self.port)
    }

}

impl Drop for Cluster {
    fn drop(&mut self) {
        let mut stop = as_owner(self.as_nobody, &self.bin.join("pg_ctl"));
        stop.arg("-D").arg(&self.data).args(["-m", "immediate", "stop"]);
        let _ = stop.output();
    }
}

/// `program` run as the cluster's owner.
fn as_owner(as_nobody: bool, program: &Path) -> Command {
    if as_nobody {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", UNPRIVILEGED, "--"]).arg(program);
        cmd
    } else {
        Command::new(program)
    }
}

/// The directory of PostgreSQL's programs (`initdb`, `pg_ctl`), installing
/// Debian's `postgresql` when there is none.
fn ensure_installed() -> Result<PathBuf> {
    if let Some(bin) = installed() {
        return Ok(bin);
    }
    crate::tools::apt_install(&["postgresql"])?;
    installed().ok_or_else(|| "apt-get did not install PostgreSQL (no /usr/lib/postgresql/*/bin/initdb)".into())
}

fn installed() -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|bin| bin.join("initdb").exists())
        .collect();
    versions.sort();
    let bin = versions.pop()?;
    stdout_of(Command::new(bin.join("initdb")).arg("--version"))?;
    Some(bin)
}
