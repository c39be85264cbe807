//! The journeys on several machines. With `VESTIBULE_E2E_POSTGRES` (the URL
//! of a PostgreSQL cluster's admin database) each [`Server`](super::Server)
//! is two replicas on one fresh database of that cluster, behind haproxy
//! with `demo/haproxy.cfg` (round robin, no stickiness), as an operator
//! runs them; the balancer's statistics say which replica served what.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The variable naming the cluster; unset means one server on SQLite.
pub const POSTGRES_ENV: &str = "VESTIBULE_E2E_POSTGRES";
/// How many replicas a server is in that mode.
pub const REPLICAS: usize = 2;
/// The file in a data directory naming its database on the cluster.
const DATABASE_FILE: &str = "postgres-database";

/// The cluster's admin URL, when the journeys run on PostgreSQL.
pub fn admin_url() -> Option<String> {
    std::env::var(POSTGRES_ENV).ok().filter(|v| !v.is_empty())
}

/// The URL of the database that belongs to `data_dir`: created on first
/// use, its name kept in the directory, so that a restart on the same
/// directory finds the same data.
pub fn database_for(admin: &str, data_dir: &Path) -> String {
    let file = data_dir.join(DATABASE_FILE);
    let name = match std::fs::read_to_string(&file) {
        Ok(name) => name.trim().to_string(),
        Err(_) => {
            let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
            let name = format!("e2e_{}_{nanos}", std::process::id());
            let out = Command::new("psql")
                .arg(admin)
                .args(["-v", "ON_ERROR_STOP=1", "-q", "-c", &format!("CREATE DATABASE {name}")])
                .output()
                .unwrap_or_else(|e| panic!("cannot run psql: {e}"));
            assert!(out.status.success(), "CREATE DATABASE {name}: {}", String::from_utf8_lossy(&out.stderr));
            std::fs::write(&file, &name).unwrap_or_else(|e| panic!("cannot write {}: {e}", file.display()));
            name
        }
    };
    let (server, _) = admin.rsplit_once('/').unwrap_or_else(|| panic!("{POSTGRES_ENV}={admin} has no database part"));
    format!("{server}/{name}")
}

/// haproxy in front of the replicas, killed on drop.
pub struct Balancer {
    child: Option<Child>,
    stats: PathBuf,
    _dir: tempfile::TempDir,
}

impl Balancer {
    /// Starts haproxy on 127.0.0.1:`port` with `demo/haproxy.cfg`, one
    /// `server` line per backend address, and a statistics socket; returns
    /// once it answers.
    pub fn start(port: u16, backends: &[String]) -> Balancer {
        let template = std::fs::read_to_string(super::workspace_root().join("demo/haproxy.cfg")).expect("demo/haproxy.cfg");
        let dir = tempfile::Builder::new().prefix("vestibule-e2e-haproxy-").tempdir().unwrap();
        let stats = dir.path().join("stats");
        let servers: String =
            backends.iter().enumerate().map(|(i, addr)| format!("    server replica{} {addr} check inter 1s\n", i + 1)).collect();
        let config = template
            .replace("bind 127.0.0.1:8080", &format!("bind 127.0.0.1:{port}"))
            .replace("    # servers\n", &servers)
            .replace("global\n", &format!("global\n    stats socket {} level admin\n", stats.display()));
        assert!(config.contains(&format!("127.0.0.1:{port}")) && config.contains("server replica1"), "demo/haproxy.cfg lost its markers");
        let path = dir.path().join("haproxy.cfg");
        std::fs::write(&path, config).unwrap();
        let child = Command::new("/usr/sbin/haproxy")
            .arg("-db")
            .arg("-f")
            .arg(&path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start /usr/sbin/haproxy: {e}"));
        let balancer = Balancer { child: Some(child), stats, _dir: dir };
        let deadline = Instant::now() + Duration::from_secs(15);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() || !balancer.stats.exists() {
            assert!(Instant::now() < deadline, "haproxy did not listen on 127.0.0.1:{port}");
            std::thread::sleep(Duration::from_millis(20));
        }
        balancer
    }

    /// Requests each replica served so far (haproxy's `stot` per server;
    /// health checks are not counted), in server order.
    pub fn served(&self) -> Vec<u64> {
        let mut socket = UnixStream::connect(&self.stats).unwrap_or_else(|e| panic!("haproxy's stats socket: {e}"));
        socket.write_all(b"show stat\n").unwrap();
        let mut csv = String::new();
        socket.read_to_string(&mut csv).unwrap();
        let header: Vec<&str> = csv.lines().next().unwrap_or("").trim_start_matches("# ").split(',').collect();
        let stot = header.iter().position(|c| *c == "stot").unwrap_or_else(|| panic!("no stot in haproxy's stats: {csv}"));
        csv.lines()
            .map(|l| l.split(',').collect::<Vec<_>>())
            .filter(|row| row.first() == Some(&"replicas") && row.get(1).is_some_and(|s| s.starts_with("replica")))
            .map(|row| row.get(stot).and_then(|v| v.parse().ok()).unwrap_or(0))
            .collect()
    }

    /// Stops haproxy.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Balancer {
    fn drop(&mut self) {
        self.kill();
    }
}
