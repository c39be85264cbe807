//! `vestibule`: the command line of the server.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::future::IntoFuture;
use std::sync::Arc;
use axum::extract::ConnectInfo;
use axum::serve::Listener;
use axum::Extension;
use tower::Layer;
use vestibule_server::listener::NoDelayListener;
use vestibule_server::{router, router_with_test_clock, AppState, Clock, Config, OffsetClock, SystemClock};

#[derive(Parser)]
#[command(name = "vestibule", about = "Vestibule: sign-in, sign-up and session tasks")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs the server.
    Serve {
        /// Address to listen on (default 127.0.0.1:8080).
        #[arg(long)]
        listen: Option<String>,
        /// Data directory (database, keys).
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// The database (`postgres://...` or `sqlite://...`); `vestibule.db`
        /// in the data directory when absent.
        #[arg(long)]
        database_url: Option<String>,
        /// Config file (TOML).
        #[arg(long)]
        config: Option<PathBuf>,
        /// The built portal to serve.
        #[arg(long)]
        portal_dir: Option<PathBuf>,
        /// Development instances only: run on a clock that
        /// `POST /v1/dev/clock` (`advance_ms`) moves forward, for
        /// end-to-end tests of time rules.
        #[arg(long)]
        test_clock: bool,
        /// Lets a development instance (whose outbox API lists every code
        /// sent) listen on an address other than loopback.
        #[arg(long)]
        allow_non_loopback_development: bool,
    },
    /// Operator tasks on the data directory.
    Admin {
        /// Data directory (database, keys).
        #[arg(long, default_value = "data")]
        data_dir: PathBuf,
        /// The database (`postgres://...` or `sqlite://...`); `vestibule.db`
        /// in the data directory when absent.
        #[arg(long)]
        database_url: Option<String>,
        #[command(subcommand)]
        action: AdminAction,
    },
}

#[derive(Subcommand)]
enum AdminAction {
    /// Marks a user's password compromised: their next sign-in needs an
    /// email code and a new password.
    SetCompromised {
        /// The user's email address.
        email: String,
        /// Also end every live session of the user at once.
        #[arg(long)]
        revoke_all_sessions: bool,
    },
    /// Writes a consistent snapshot of the running (or stopped) SQLite
    /// instance into a new file, and names the key files to keep with it.
    Backup {
        /// The snapshot file to create (never overwritten).
        #[arg(long)]
        to: PathBuf,
    },
    /// Makes a new session-token signing key, which signs from now on; the
    /// key it replaces stays in the JWKS until the tokens it signed have
    /// expired. A running server (every replica) follows within a second.
    RotateSigningKey,
    /// Copies a whole instance (users, passwords, second factors,
    /// organizations, sessions, settings, keys) into a new, empty
    /// database, then compares the row counts of every table.
    CopyDatabase {
        /// The database to copy (`sqlite://data/vestibule.db`, `postgres://...`).
        #[arg(long)]
        from: String,
        /// The empty database to copy into.
        #[arg(long)]
        to: String,
    },
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .init();
    match run(Cli::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vestibule: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The database an admin command works on: `--database-url`, else
/// `VESTIBULE_DATABASE_URL`, else `vestibule.db` in the data directory.
fn admin_location(data_dir: &std::path::Path, database_url: Option<String>) -> Result<vestibule_server::store::Location, String> {
    let database_url = database_url.or_else(|| std::env::var("VESTIBULE_DATABASE_URL").ok());
    vestibule_server::store::Location::of(database_url.as_deref(), data_dir).map_err(|e| format!("database_url: {e}"))
}

/// That database, opened for one command.
async fn admin_pool(data_dir: &std::path::Path, database_url: Option<String>) -> Result<vestibule_server::store::db::Db, String> {
    let location = admin_location(data_dir, database_url)?;
    vestibule_server::store::open(&location, vestibule_server::store::PoolLimits::command())
        .await
        .map_err(|e| format!("database {}: {e}", location.describe()))
}

async fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    let (listen, data_dir, database_url, config, portal_dir, test_clock, non_loopback_dev) = match cli.command {
        Command::Serve { listen, data_dir, database_url, config, portal_dir, test_clock, allow_non_loopback_development } => {
            (listen, data_dir, database_url, config, portal_dir, test_clock, allow_non_loopback_development)
        }
        Command::Admin { action: AdminAction::CopyDatabase { from, to }, .. } => {
            let counts = vestibule_server::copy_database::run(&from, &to, SystemClock.now_ms()).await?;
            for (table, rows) in counts {
                println!("{table}: {rows} rows");
            }
            println!("Copied into {}.", vestibule_server::store::redact_url(&to));
            return Ok(());
        }
        Command::Admin { data_dir, database_url, action: AdminAction::Backup { to } } => {
            let location = admin_location(&data_dir, database_url)?;
            let snapshot = vestibule_server::backup::run(&location, &to).await?;
            println!(
                "Backed up {} into {} ({} bytes, {} users, integrity ok).",
                location.describe(),
                snapshot.path.display(),
                snapshot.bytes,
                snapshot.users
            );
            println!("Keep these files with it; a restore needs them beside the database:");
            for file in &snapshot.key_files {
                println!("  {}", file.display());
            }
            println!("To restore: a data directory holding the snapshot as vestibule.db and those files.");
            return Ok(());
        }
        Command::Admin { data_dir, database_url, action: AdminAction::RotateSigningKey } => {
            let pool = admin_pool(&data_dir, database_url).await?;
            let initial = Arc::new(vestibule_server::key_rotation::initial_key(&pool, &data_dir).await?);
            let now = SystemClock.now_ms();
            let ring = vestibule_server::key_rotation::load(&pool, &initial).await?;
            let before = ring.signer(now).clone();
            let kid = vestibule_server::key_rotation::rotate(&pool, &before, now).await?;
            println!("Rotated the signing key: {kid} is published now and signs 2 s from now.");
            println!("{} stays in the JWKS until the tokens it signed have expired.", before.kid());
            return Ok(());
        }
        Command::Admin { data_dir, database_url, action: AdminAction::SetCompromised { email, revoke_all_sessions } } => {
            let pool = admin_pool(&data_dir, database_url).await?;
            let now = SystemClock.now_ms();
            return match vestibule_server::compromise::mark_by_email(&pool, &email, revoke_all_sessions, now).await? {
                Some(id) => {
                    println!("Marked the password of {email} ({id}) compromised.");
                    Ok(())
                }
                None => Err(format!("no user has the email address {email}").into()),
            };
        }
    };
    let mut cfg = Config::load(config.as_deref(), |k| std::env::var(k).ok())?;
    if let Some(l) = listen {
        cfg.listen = l;
    }
    if let Some(d) = data_dir {
        cfg.data_dir = d;
    }
    if let Some(url) = database_url {
        vestibule_server::store::Location::parse(&url).map_err(|e| format!("--database-url: {e}"))?;
        cfg.database_url = Some(url);
    }
    if let Some(p) = portal_dir {
        cfg.portal_dir = Some(p);
    }
    let listener = NoDelayListener::bind(&cfg.listen).await?;
    let addr = listener.local_addr()?;
    let public_url = cfg.public_url.clone().unwrap_or_else(|| format!("http://{addr}"));
    let offset_clock = Arc::new(OffsetClock::default());
    let clock: Arc<dyn Clock> = if test_clock { offset_clock.clone() } else { Arc::new(SystemClock) };
    let started = AppState::start(&cfg, &public_url, clock, None).await?;
    let development = started.state.settings().is_development();
    if test_clock && !development {
        return Err("--test-clock needs a development instance".into());
    }
    if development {
        if !addr.ip().is_loopback() && !non_loopback_dev {
            return Err(format!(
                "a development instance lists every code it sends at GET /v1/dev/outbox, so it listens only on loopback; \
                 {addr} is not (pass --allow-non-loopback-development to do it anyway, or set instance_type = \"production\")"
            )
            .into());
        }
        tracing::warn!(
            "development instance: GET /v1/dev/outbox lists every email and SMS code to anyone who asks, \
             and dev-browser tokens are accepted; never use it for real users"
        );
    }
    println!("Vestibule listening on http://{addr}");
    println!("Portal: {public_url}/sign-in");
    println!("Data directory: {}", cfg.data_dir.display());
    if development {
        println!("Backend API secret key: {}", started.secret_key);
    } else if started.secret_key_new {
        println!("Backend API secret key: generated, in {}", cfg.data_dir.join("secret_key").display());
    }
    let (key, dev_browser_key) = vestibule_server::publishable_key::keys(started.state.settings().is_development(), &public_url);
    println!("Publishable key: {key} (clerk-js: proxyUrl = {public_url})");
    if let Some(key) = dev_browser_key {
        println!("Publishable key, dev-browser mode: {key} (for applications on another site)");
    }
    let state = started.state.clone();
    let app = if test_clock {
        println!("Test clock: POST /v1/dev/clock moves time forward");
        router_with_test_clock(started.state, offset_clock)
    } else {
        router(started.state)
    };
    vestibule_server::disk::survive_file_size_limit();
    let grace = std::time::Duration::from_secs(u64::from(cfg.shutdown_timeout_seconds));
    let (stopped, on_stop) = tokio::sync::oneshot::channel();
    // What `into_make_service_with_connect_info::<SocketAddr>` does for a
    // plain `TcpListener`: each connection's router knows its peer.
    let per_connection = tower::service_fn(move |stream: axum::serve::IncomingStream<'_, NoDelayListener>| {
        let peer = ConnectInfo(*stream.remote_addr());
        std::future::ready(Ok::<_, std::convert::Infallible>(Extension(peer).layer(app.clone())))
    });
    let server = axum::serve(listener, per_connection).with_graceful_shutdown(async move {
        let name = vestibule_server::shutdown::signal().await;
        tracing::info!(signal = name, grace_seconds = grace.as_secs(), "stopping: no new connections; requests in flight may finish");
        let _ = stopped.send(());
    });
    let finished = vestibule_server::shutdown::drain(server.into_future(), on_stop, grace).await?;
    if !finished {
        tracing::warn!(grace_seconds = grace.as_secs(), "requests were still running when the shutdown grace period ended; stopping anyway");
    }
    match vestibule_server::delivery::pending::write_down(&state).await {
        Ok(0) => {}
        Ok(n) => println!("Wrote down {n} webhook message(s) still to retry; the next start takes them over."),
        Err(e) => tracing::error!(error = %e, "could not write down the webhook retries still to come"),
    }
    if finished {
        println!("Vestibule stopped");
    } else {
        println!("Vestibule stopped (requests still running were cut off after {} s)", grace.as_secs());
    }
    Ok(())
}
