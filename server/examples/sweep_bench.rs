//! The `database_*` lines of `cargo xtask bench`: how big a SQLite
//! instance grows under 100,000 anonymous visits (`GET /v1/client` without
//! a cookie, each of which writes a client), and what a sweep past the
//! cookie's lifetime leaves. The reference is the same database before the
//! sweep, in the same run. Pages a sweep frees stay in the file for reuse
//! (SQLite shrinks a file only on `VACUUM`), so the live size is reported
//! beside the file size.

use axum::body::Body;
use axum::http::{header, Request};
use sqlx::Row;
use std::path::Path;
use tower::ServiceExt;
use vestibule_server::store::db::Db;
use vestibule_server::{AppState, Config, ManualClock};

const VISITS: usize = 100_000;
const AT_ONCE: usize = 200;
const PUBLIC_URL: &str = "http://127.0.0.1:8080";

/// The database file plus its write-ahead log, in bytes.
fn file_bytes(dir: &Path) -> u64 {
    ["vestibule.db", "vestibule.db-wal"].iter().filter_map(|f| std::fs::metadata(dir.join(f)).ok()).map(|m| m.len()).sum()
}

/// Bytes of the pages in use (page count minus free pages, times the page size).
async fn live_bytes(db: &Db) -> i64 {
    let Db::Sqlite(pool) = db else { return 0 };
    let pragma = |name: &'static str| async move {
        sqlx::query(name).fetch_one(pool).await.and_then(|r| r.try_get::<i64, _>(0)).expect(name)
    };
    let (size, pages, free) = (pragma("PRAGMA page_size").await, pragma("PRAGMA page_count").await, pragma("PRAGMA freelist_count").await);
    (pages - free) * size
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = Config { data_dir: dir.path().to_path_buf(), ..Default::default() };
    config.instance.instance_type = vestibule_server::settings::InstanceType::Development;
    let clock = ManualClock::at(1_800_000_000_000);
    let started = AppState::start(&config, PUBLIC_URL, clock.clone(), None).await.expect("the server starts");
    let state = started.state;
    let router = vestibule_server::router(state.clone());

    let mut sent = 0;
    while sent < VISITS {
        let batch: Vec<_> = (0..AT_ONCE.min(VISITS - sent))
            .map(|_| {
                let router = router.clone();
                tokio::spawn(async move {
                    let req = Request::get("/v1/client").header(header::ORIGIN, PUBLIC_URL).body(Body::empty()).expect("request");
                    router.oneshot(req).await.map(|r| r.status().is_success()).unwrap_or(false)
                })
            })
            .collect();
        for task in batch {
            assert!(task.await.expect("task"), "an anonymous visit failed");
        }
        sent += AT_ONCE;
    }
    let clients = vestibule_server::store::copy::count(&state.pool, "clients").await.expect("count");
    let (file_before, live_before) = (file_bytes(dir.path()), live_bytes(&state.pool).await);

    clock.advance(state.client_lifetime_ms + 1);
    let started = std::time::Instant::now();
    let swept = vestibule_server::sweeper::sweep(&state).await.expect("sweep");
    let took = started.elapsed();
    let (file_after, live_after) = (file_bytes(dir.path()), live_bytes(&state.pool).await);

    println!("database_visits: {VISITS} anonymous visits, {clients} client rows");
    println!("database_file_bytes_after_visits: {file_before} bytes (live {live_before} bytes)");
    println!(
        "database_file_bytes_after_sweep: {file_after} bytes (live {live_after} bytes, {:.3} x the unswept live size; {} clients swept in {:.2} s)",
        live_after as f64 / live_before.max(1) as f64,
        swept.clients,
        took.as_secs_f64()
    );
}
