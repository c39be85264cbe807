//! A database out of reach is a 503 with the error envelope (and
//! `Retry-After`), not a hang and not a 500, and the server recovers by
//! itself when the database returns: on PostgreSQL the database stops
//! taking connections and every one is cut; on SQLite another process
//! holds the write lock past the busy timeout.

mod common;

use common::*;
use sqlx::Connection;

async fn new_client(app: &TestApp) -> Resp {
    app.post("/v1/client", &[], &Jar::new()).await
}

fn assert_unavailable(r: &Resp) {
    r.expect_error(503, "service_unavailable");
    assert_eq!(r.header("retry-after"), Some("1"), "{}", r.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_database_is_a_503_and_the_server_recovers_when_it_returns() {
    let app = TestApp::with_config(|c| c.database_timeout_seconds = 1).await;
    new_client(&app).await.ok("before");
    match app.database_url() {
        Some(url) => {
            let admin_url = std::env::var("VESTIBULE_TEST_POSTGRES").expect("the admin URL");
            let name = url.rsplit('/').next().expect("database name").to_string();
            let mut admin = sqlx::PgConnection::connect(&admin_url).await.expect("admin");
            sqlx::query(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false")).execute(&mut admin).await.expect("close");
            sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()")
                .bind(&name)
                .execute(&mut admin)
                .await
                .expect("cut");
            assert_unavailable(&new_client(&app).await);
            sqlx::query(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true")).execute(&mut admin).await.expect("open");
        }
        None => {
            let file = app.data_dir().join("vestibule.db");
            let mut other = sqlx::SqliteConnection::connect(&format!("sqlite://{}", file.display())).await.expect("another process");
            sqlx::query("BEGIN EXCLUSIVE").execute(&mut other).await.expect("lock");
            assert_unavailable(&new_client(&app).await);
            sqlx::query("ROLLBACK").execute(&mut other).await.expect("unlock");
        }
    }
    new_client(&app).await.ok("after the database returns");
}
