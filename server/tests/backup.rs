//! `vestibule admin backup --to FILE`: a snapshot of a running SQLite
//! instance, taken while it goes on writing, restores to a working server
//! on which a user made before the backup signs in with their password and
//! authenticator app. It never overwrites a file and sends PostgreSQL
//! operators to pg_dump.

mod common;

use common::*;
use std::ffi::OsStr;
use std::path::Path;
use std::process::Output;

const EMAIL: &str = "ada@example.com";

fn backup(data_dir: &Path, args: &[&str], to: &Path) -> Output {
    let mut all: Vec<&OsStr> = vec!["--data-dir".as_ref(), data_dir.as_os_str()];
    all.extend(args.iter().map(OsStr::new));
    all.extend([OsStr::new("backup"), "--to".as_ref(), to.as_os_str()]);
    common::binary::admin(&all)
}

#[tokio::test]
async fn a_backup_taken_while_the_server_writes_restores_to_a_working_server() {
    let source = TestApp::with_config(|c| {
        c.database_url = None;
        c.sign_in_attempts_per_ip_per_minute = 100_000;
    })
    .await;
    source.create_user(EMAIL, Some(PASSWORD)).await;
    let jar = Jar::new();
    let sid = source.sign_in_ok(&jar, EMAIL, PASSWORD).await;
    let enrolled = source.enrol_totp(&jar).await;
    source.post(&format!("/v1/client/sessions/{sid}/end"), &[], &jar).await.ok("end");

    // The server goes on writing users while the snapshot is taken.
    let out_dir = tempfile::tempdir().expect("tempdir");
    let file = out_dir.path().join("vestibule-backup.db");
    let (data_dir, to) = (source.data_dir().to_path_buf(), file.clone());
    let snapshot = tokio::task::spawn_blocking(move || backup(&data_dir, &[], &to));
    for i in 0..40 {
        source.create_user(&format!("writer{i}@example.com"), Some(PASSWORD)).await;
    }
    let out = snapshot.await.expect("the backup ran");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("integrity ok"), "{stdout}");
    for key in ["signing_key.pem", "mfa_key", "secret_key"] {
        assert!(stdout.contains(key), "the report names {key}: {stdout}");
    }

    // Restored: the snapshot as vestibule.db beside the key files it named.
    let restored = std::sync::Arc::new(tempfile::tempdir().expect("tempdir"));
    std::fs::copy(&file, restored.path().join("vestibule.db")).expect("copy the snapshot");
    for key in ["signing_key.pem", "mfa_key", "secret_key"] {
        std::fs::copy(source.data_dir().join(key), restored.path().join(key)).expect("copy a key file");
    }
    let now = source.now();
    let app = TestApp::start_in(restored, |c| {
        c.database_url = None;
        c.sign_in_attempts_per_ip_per_minute = 100_000;
    })
    .await;
    app.advance(now - app.now() + MINUTE);
    let r = app.sign_in_with_totp(&Jar::new(), EMAIL, PASSWORD, &enrolled.secret).await.ok("totp on the restored copy");
    assert_eq!(r.json["response"]["status"], "complete");
}

#[tokio::test]
async fn a_backup_never_overwrites_and_points_postgres_to_pg_dump() {
    let source = TestApp::with_config(|c| c.database_url = None).await;
    source.create_user(EMAIL, Some(PASSWORD)).await;
    let out_dir = tempfile::tempdir().expect("tempdir");
    let existing = out_dir.path().join("existing.db");
    std::fs::write(&existing, b"keep me").expect("write");
    let out = backup(source.data_dir(), &[], &existing);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::read(&existing).expect("read"), b"keep me");

    let out = backup(source.data_dir(), &["--database-url", "postgres://u@127.0.0.1:1/v"], &out_dir.path().join("pg.db"));
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("pg_dump"), "{}", String::from_utf8_lossy(&out.stderr));

    let empty = tempfile::tempdir().expect("tempdir");
    let out = backup(empty.path(), &[], &out_dir.path().join("none.db"));
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("there is no database"), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!out_dir.path().join("pg.db").exists() && !out_dir.path().join("none.db").exists(), "nothing written");
}
