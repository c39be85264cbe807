//! `vestibule admin copy-database`: an instance on SQLite is copied with
//! everything in it into an empty database (PostgreSQL in `cargo xtask
//! test`, another SQLite file otherwise), the counts are reported, a
//! non-empty target is refused, and the same user signs in on the copy with
//! their password and their authenticator app.

mod common;

use common::*;
use std::process::Output;

const EMAIL: &str = "ada@example.com";

fn copy(from: &str, to: &str) -> Output {
    common::binary::admin(&["copy-database", "--from", from, "--to", to].map(std::ffi::OsStr::new))
}

#[tokio::test]
async fn a_sqlite_instance_is_copied_whole_and_its_users_sign_in_on_the_copy() {
    // The source: always SQLite, with a user, a password, an authenticator
    // app, backup codes, an organization.
    let source = TestApp::with_config(|c| {
        c.database_url = None;
        c.sign_in_attempts_per_ip_per_minute = 100_000;
    })
    .await;
    source.create_user(EMAIL, Some(PASSWORD)).await;
    let jar = Jar::new();
    let sid = source.sign_in_ok(&jar, EMAIL, PASSWORD).await;
    let enrolled = source.enrol_totp(&jar).await;
    source.post("/v1/organizations", &[("name", "Acme"), ("slug", "acme")], &jar).await.ok("org");
    source.post(&format!("/v1/client/sessions/{sid}/end"), &[], &jar).await.ok("end");
    let from = format!("sqlite://{}", source.data_dir().join("vestibule.db").display());
    let now = source.now();
    let source_dir = source.stop().await;

    // The target: a new PostgreSQL database when the suite has one, else a
    // SQLite file in a new directory.
    let target_dir = std::sync::Arc::new(tempfile::tempdir().expect("tempdir"));
    let to = match postgres_database_for(target_dir.path()).await {
        Some(url) => url,
        None => format!("sqlite://{}", target_dir.path().join("vestibule.db").display()),
    };
    let out = copy(&from, &to);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    for line in ["users: 1 rows", "email_addresses: 1 rows", "totps: 1 rows", "backup_codes: 10 rows", "organizations: 1 rows", "memberships: 1 rows"] {
        assert!(stdout.contains(line), "{line:?} in\n{stdout}");
    }

    // A second copy into the now non-empty target is refused.
    let again = copy(&from, &to);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("the target is not empty"), "{}", String::from_utf8_lossy(&again.stderr));

    // The copy serves the same user, password and TOTP, with the same keys.
    let copy_app = TestApp::start_in(target_dir, |c| {
        c.database_url = to.starts_with("postgres").then(|| to.clone());
        c.sign_in_attempts_per_ip_per_minute = 100_000;
    })
    .await;
    copy_app.advance(now - copy_app.now() + MINUTE);
    let jar = Jar::new();
    let r = copy_app.sign_in_with_totp(&jar, EMAIL, PASSWORD, &enrolled.secret).await.ok("totp on the copy");
    assert_eq!(r.json["response"]["status"], "complete");
    let memberships = copy_app.get("/v1/me/organization_memberships", &jar).await.ok("memberships");
    assert_eq!(memberships.json["response"]["total_count"], 1);
    drop(source_dir);
}

#[tokio::test]
async fn the_copy_knows_every_table_and_column_of_the_schema() {
    let app = TestApp::new().await;
    let listed = if app.database_url().is_some() {
        "SELECT CAST(table_name AS TEXT) FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> '_sqlx_migrations'"
    } else {
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations'"
    };
    let mut tables = app.db_strings(listed).await;
    tables.sort();
    let mut known: Vec<String> = vestibule_server::store::copy::TABLES.iter().map(|t| t.name.to_string()).collect();
    known.sort();
    assert_eq!(tables, known, "every table is copied");
    for table in vestibule_server::store::copy::TABLES {
        let mut columns = vestibule_server::store::copy::columns_of(&app.state.pool, table.name).await.expect("columns");
        columns.retain(|c| c != "rowid");
        let spec: Vec<String> = table.columns.iter().map(|(c, _)| c.to_string()).collect();
        assert_eq!(columns, spec, "the columns of {}", table.name);
    }
}
