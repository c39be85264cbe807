//! Starting on a database that cannot be used is a clear error naming the
//! problem, with nothing written: a malformed `database_url`, an
//! unreachable PostgreSQL, a database migrated by a newer Vestibule.

mod common;

use std::path::Path;
use std::process::{Command, Output};

/// `vestibule serve` on `data_dir` with `database_url`, which must exit.
fn serve(data_dir: &Path, database_url: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vestibule"));
    cmd.args(["serve", "--listen", "127.0.0.1:0", "--data-dir"]).arg(data_dir);
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("VESTIBULE_") {
            cmd.env_remove(&k);
        }
    }
    cmd.env("VESTIBULE_INSTANCE_TYPE", "development");
    if let Some(url) = database_url {
        cmd.env("VESTIBULE_DATABASE_URL", url);
    }
    cmd.output().expect("vestibule runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string()
}

#[test]
fn a_malformed_database_url_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    for url in ["mysql://admin:hunter2@db.example/vestibule", "postgres://admin:hunter2@db.example:port/vestibule", "sqlite://"] {
        let out = serve(&data, Some(url));
        assert!(!out.status.success(), "{url} was accepted");
        let err = stderr(&out);
        assert!(err.contains("database_url"), "the error names the setting: {err}");
        assert!(!err.contains("hunter2"), "the password is not printed: {err}");
        assert!(!data.exists(), "nothing written for {url}");
    }
}

#[tokio::test]
async fn an_unreachable_database_is_named_and_nothing_is_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let port = common::closed_port().await;
    let url = format!("postgres://vestibule:hunter2@127.0.0.1:{port}/vestibule");
    let out = serve(&data, Some(&url));
    assert!(!out.status.success(), "started without its database");
    let err = stderr(&out);
    assert!(err.contains(&format!("database postgres://vestibule:***@127.0.0.1:{port}/vestibule")), "the database is named: {err}");
    assert!(!err.contains("hunter2"), "{err}");
    assert!(!data.exists(), "no data directory, no keys: {err}");
}

#[tokio::test]
async fn a_database_of_a_newer_schema_is_refused_untouched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let location = vestibule_server::store::Location::of(None, &data).expect("location");
    std::fs::create_dir_all(&data).expect("data dir");
    let db = vestibule_server::store::open(&location, vestibule_server::store::PoolLimits::command()).await.expect("a current database");
    let vestibule_server::store::db::Db::Sqlite(pool) = &db else { panic!("sqlite") };
    let known: i64 = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations").fetch_one(pool).await.expect("version");
    sqlx::query("INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (99, 'from the future', TRUE, x'00', 0)")
        .execute(pool)
        .await
        .expect("a newer migration");
    db.close().await;
    let before = schema_of(&data).await;

    let out = serve(&data, None);
    assert!(!out.status.success(), "started on a newer schema");
    let err = stderr(&out);
    assert!(err.contains(&format!("schema version 99, newer than this server's {known}")), "{err}");
    assert_eq!(schema_of(&data).await, before, "the database is untouched");
    assert!(!data.join("signing_key.pem").exists(), "no keys written");
}

/// Every table and index definition and every applied migration, read
/// straight from the file.
async fn schema_of(data: &Path) -> Vec<String> {
    use sqlx::Connection;
    let url = format!("sqlite://{}", data.join("vestibule.db").display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await.expect("open");
    let mut seen: Vec<String> = sqlx::query_scalar("SELECT COALESCE(sql, name) FROM sqlite_master ORDER BY name").fetch_all(&mut conn).await.expect("schema");
    let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version").fetch_all(&mut conn).await.expect("migrations");
    seen.extend(applied.iter().map(|v| format!("migration {v}")));
    conn.close().await.expect("close");
    seen
}
