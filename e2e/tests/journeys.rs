//! End-to-end journeys: the real `vestibule` binary serving the built
//! portal, driven through headless Chromium. Each test has its own server
//! and data directory. Run with
//! `cargo test -p vestibule-e2e -- --ignored --test-threads=1`
//! (see `common` for the environment variables).

mod common;

use common::{Browser, Fapi, Server};
use serde_json::json;
use thirtyfour::prelude::*;

const CHOOSE_ORG: &str = "/sign-in/tasks/choose-organization";

fn data_dir() -> tempfile::TempDir {
    tempfile::Builder::new().prefix("vestibule-e2e-data-").tempdir().unwrap()
}

/// Sign-up with the emailed code (and a reload on the code step), then the
/// choose-organization create screen with the derived slug, then home,
/// which survives a reload.
#[tokio::test]
#[ignore = "end-to-end: needs the built server, portal and Chromium"]
async fn journey_sign_up_create_org_lands_home() {
    let dir = data_dir();
    let server = Server::start(dir.path());
    let b = Browser::start().await;
    let email = "ada@example.com";

    b.open(&server.url("/sign-up")).await;
    b.el("#vb-email").await;
    b.check_layout("sign-up").await;
    b.type_into("#vb-email", email).await;
    b.type_into("#vb-password", common::PASSWORD).await;
    b.submit().await;
    b.el("#vb-code").await;

    // A reload on the code step keeps the code step.
    b.refresh().await.unwrap();
    b.el(".vb-sign-up-verify #vb-code").await;
    b.el_with_text(".vb-sign-up-verify .vb-subtitle", email).await;
    b.check_layout("sign-up-code").await;
    assert!(!b.has("#vb-email").await, "the details step came back after a reload");

    let code = server.latest_code(email).await;
    b.type_into("#vb-code", &code).await;
    b.submit().await;

    // No membership: the create screen comes first.
    b.wait_path("/sign-up/tasks/choose-organization").await;
    b.el(".vb-task-choose-organization #vb-org-name").await;
    assert!(!b.has(".vb-org-item").await, "a new user has no membership to list");
    assert!(!b.has("li.vb-invitation").await, "a new user has no invitation");
    b.el_with_text(".vb-task-choose-organization .vb-signed-in-as", email).await;
    b.check_layout("choose-organization-create").await;

    b.create_org("Acme", "acme", Some("choose-organization")).await;
    assert!(common::artifacts_dir().join("choose-organization.png").is_file());

    b.wait_path("/").await;
    b.expect_home(email, "Acme").await;

    b.refresh().await.unwrap();
    b.expect_home(email, "Acme").await;
    assert_eq!(b.wait_path("/").await, None);
    b.check_layout("home").await;
    b.quit().await;
}

/// With exactly one membership a sign-in is not asked anything; with two,
/// the list is shown and the clicked organization becomes active.
#[tokio::test]
#[ignore = "end-to-end: needs the built server, portal and Chromium"]
async fn journey_sign_in_one_membership_auto_activates_and_two_ask() {
    let dir = data_dir();
    let server = Server::start(dir.path());
    let email = "grace@example.com";
    let user_id = server.create_user(email).await;
    let b = Browser::start().await;

    // No membership yet: sign-in leads to the create screen.
    b.sign_in(&server, email, "").await;
    b.wait_path(CHOOSE_ORG).await;
    b.create_org("Acme", "acme", None).await;
    b.wait_path("/").await;
    b.expect_home(email, "Acme").await;
    b.sign_out().await;

    // One membership: straight home, no click.
    b.sign_in(&server, email, "").await;
    b.expect_home(email, "Acme").await;
    assert_eq!(b.wait_path("/").await, None);
    assert!(!b.has(".vb-task-choose-organization").await);

    // A second membership (the operator creates an org on the user's behalf).
    server.create_org("Globex", "globex", Some(&user_id)).await;
    b.sign_out().await;
    b.sign_in(&server, email, "").await;
    b.wait_path(CHOOSE_ORG).await;
    let globex = b.el_with_text(".vb-task-choose-organization .vb-org-item", "Globex").await;
    b.el_with_text(".vb-org-item", "Acme").await;
    assert_eq!(b.find_all(By::Css(".vb-org-item")).await.unwrap().len(), 2, "both memberships are listed");
    b.check_layout("choose-organization-list").await;
    globex.click().await.unwrap();
    b.wait_path("/").await;
    b.expect_home(email, "Globex").await;
    let org = b.el(".vb-home-organization").await.text().await.unwrap();
    assert!(!org.contains("Acme"), "home shows the clicked organization, got {org:?}");
    b.quit().await;
}

/// An invited address signs up and joins; another address sees no
/// invitation (neither through the API nor on its screen).
#[tokio::test]
#[ignore = "end-to-end: needs the built server, portal and Chromium"]
async fn journey_invitation_join() {
    let dir = data_dir();
    let server = Server::start(dir.path());
    let org_id = server.create_org("Globex", "globex", None).await;
    server.invite(&org_id, "member@example.com").await;
    let b = Browser::start().await;

    b.sign_up(&server, "member@example.com").await;
    b.wait_path("/sign-up/tasks/choose-organization").await;
    let invitation = b.el_with_text(".vb-task-choose-organization li.vb-invitation", "Globex").await;
    assert!(!b.has(".vb-org-item").await, "no membership before joining");
    let join = invitation.find(By::Tag("button")).await.unwrap();
    assert_eq!(join.text().await.unwrap(), "Join");
    join.click().await.unwrap();
    b.wait_path("/").await;
    b.expect_home("member@example.com", "Globex").await;

    // Another address: no invitation through the Frontend API...
    let other = Fapi::new(&server);
    other.sign_up_verified(&server, "other@example.com").await;
    let invitations = other.get("/me/organization_invitations?status=pending").await;
    assert_eq!(invitations["response"]["total_count"], json!(0), "other@ sees an invitation: {invitations}");
    let memberships = other.get("/me/organization_memberships?paginated=true").await;
    assert_eq!(memberships["response"]["total_count"], json!(0), "other@ has a membership: {memberships}");

    // ...and in the browser its task shows the create screen, no Join.
    b.sign_out().await;
    b.sign_in(&server, "other@example.com", "").await;
    b.wait_path(CHOOSE_ORG).await;
    b.el(".vb-task-choose-organization #vb-org-name").await;
    assert!(!b.has("li.vb-invitation").await, "other@ is offered member@'s invitation");
    b.quit().await;
}

/// `redirect_url` is honoured when it is on the server's origin and
/// dropped (home instead) when it is not.
#[tokio::test]
#[ignore = "end-to-end: needs the built server, portal and Chromium"]
async fn journey_redirect_url() {
    let dir = data_dir();
    let server = Server::start(dir.path());
    let b = Browser::start().await;
    let cases = [
        ("one@example.com", "/welcome", "One", "one", "/welcome"),
        ("two@example.com", "https%3A%2F%2Fevil.example%2F", "Two", "two", "/"),
        ("three@example.com", "%2F%2Fevil.example", "Three", "three", "/"),
    ];
    for (email, redirect, org, slug, want) in cases {
        server.create_user(email).await;
        b.delete_all_cookies().await.unwrap();
        b.sign_in(&server, email, &format!("?redirect_url={redirect}")).await;
        b.wait_path(CHOOSE_ORG).await;
        b.create_org(org, slug, None).await;
        if want == "/" {
            b.expect_home(email, org).await;
        } else {
            b.el(".vb-not-found").await;
            b.check_layout("not-found").await;
        }
        let url = b.current_url().await.unwrap();
        assert_eq!(url.path(), want, "redirect_url={redirect} ended at {url}");
        assert_eq!(url.origin().ascii_serialization(), server.base, "redirect_url={redirect} left the origin: {url}");
    }
    b.quit().await;
}

/// Sets `window.__vbSawHome` when an element with class `vb-home` is ever
/// put in the document (installed before any page script runs).
const HOME_WATCH: &str = r#"
(() => {
  window.__vbSawHome = false;
  const isHome = (n) => n && n.nodeType === 1 &&
    (n.classList.contains('vb-home') || (n.querySelector && n.querySelector('.vb-home') !== null));
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.type === 'attributes' && isHome(r.target)) window.__vbSawHome = true;
      for (const n of r.addedNodes) if (isHome(n)) window.__vbSawHome = true;
    }
  }).observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ['class'] });
})();
"#;

async fn saw_home(b: &Browser) -> bool {
    b.js("return window.__vbSawHome === true;").await == json!(true)
}

async fn watcher_installed(b: &Browser) -> bool {
    b.js("return typeof window.__vbSawHome === 'boolean';").await == json!(true)
}

/// `/` sends a pending user to its task and a signed-out one to sign-in,
/// and neither ever sees the home card, not even for a frame.
#[tokio::test]
#[ignore = "end-to-end: needs the built server, portal and Chromium"]
async fn journey_guards_no_flash() {
    let dir = data_dir();
    let server = Server::start(dir.path());
    server.create_user("pending@example.com").await;
    let active = server.create_user("active@example.com").await;
    server.create_org("Acme", "acme", Some(&active)).await;
    let b = Browser::start().await;
    b.cdp()
        .send_raw("Page.addScriptToEvaluateOnNewDocument", json!({ "source": HOME_WATCH }))
        .await
        .expect("Page.addScriptToEvaluateOnNewDocument");

    // Signed out.
    b.open(&server.url("/")).await;
    let query = b.wait_path("/sign-in").await;
    assert_eq!(query.as_deref(), Some("redirect_url=%2F"));
    b.el("#vb-identifier").await;
    assert!(watcher_installed(&b).await, "the watcher script did not run");
    assert!(!saw_home(&b).await, "a signed-out browser saw the home card");

    // Pending (signed in, no organization).
    b.sign_in(&server, "pending@example.com", "").await;
    b.wait_path(CHOOSE_ORG).await;
    b.el("#vb-org-name").await;
    b.open(&server.url("/")).await;
    let query = b.wait_path(CHOOSE_ORG).await;
    assert_eq!(query.as_deref(), Some("redirect_url=%2F"));
    b.el(".vb-task-choose-organization #vb-org-name").await;
    assert!(watcher_installed(&b).await, "the watcher script did not run");
    assert!(!saw_home(&b).await, "a pending user saw the home card");
    assert!(!b.has(".vb-home").await);

    // Control: an active user does see it.
    b.sign_out().await;
    b.sign_in(&server, "active@example.com", "").await;
    b.expect_home("active@example.com", "Acme").await;
    b.open(&server.url("/")).await;
    b.expect_home("active@example.com", "Acme").await;
    assert!(saw_home(&b).await, "the watcher missed the home card of an active user");
    b.quit().await;
}

/// Users and organizations survive a killed process: after a restart on
/// the same data directory the user signs in and lands home.
#[tokio::test]
#[ignore = "end-to-end: needs the built server, portal and Chromium"]
async fn restart_keeps_users_and_orgs() {
    let dir = data_dir();
    let email = "linus@example.com";
    let mut first = Server::start(dir.path());
    let fapi = Fapi::new(&first);
    fapi.sign_up_verified(&first, email).await;
    let org = fapi.post("/organizations", &[("name", "Initech"), ("slug", "initech")]).await;
    assert_eq!(org["response"]["slug"], "initech", "{org}");
    first.kill();
    drop(first);

    let second = Server::start(dir.path());
    let b = Browser::start().await;
    b.sign_in(&second, email, "").await;
    b.expect_home(email, "Initech").await;
    assert_eq!(b.wait_path("/").await, None);
    b.quit().await;
}

/// The sign-up form with the emailed code, up to the code step; the code.
async fn sign_up_to_code(b: &Browser, server: &Server, email: &str) -> String {
    b.open(&server.url("/sign-up")).await;
    b.type_into("#vb-email", email).await;
    b.type_into("#vb-password", common::PASSWORD).await;
    b.submit().await;
    b.el("#vb-code").await;
    server.latest_code(email).await
}

/// From the code step: the code, then a new organization, then home.
async fn finish_sign_up_with_org(b: &Browser, email: &str, code: &str, org: &str) {
    b.type_into("#vb-code", code).await;
    b.submit().await;
    b.wait_path("/sign-up/tasks/choose-organization").await;
    b.create_org(org, &org.to_lowercase(), None).await;
    b.wait_path("/").await;
    b.expect_home(email, org).await;
}

/// On two replicas behind the balancer, one is killed (SIGKILL) in the
/// middle of a sign-up: the journey goes on through the other and lands
/// home. Runs only in the replica stage (`VESTIBULE_E2E_POSTGRES`).
#[tokio::test]
#[ignore = "end-to-end: needs the built server, portal and Chromium"]
async fn replica_killed_mid_journey_the_other_completes_it() {
    let dir = data_dir();
    let mut server = Server::start(dir.path());
    assert!(server.replicated(), "this journey needs two replicas: set {}", common::replicas::POSTGRES_ENV);
    let b = Browser::start().await;
    let email = "grace@example.com";
    let code = sign_up_to_code(&b, &server, email).await;

    let before = server.served();
    assert!(before.iter().all(|n| *n > 0), "both replicas served the first half: {before:?}");
    server.kill_replica(0);

    finish_sign_up_with_org(&b, email, &code, "Acme").await;
    b.refresh().await.unwrap();
    b.expect_home(email, "Acme").await;
    let after = server.served();
    assert!(after[1] > before[1], "the surviving replica served the second half: {before:?} then {after:?}");
    b.quit().await;
}

/// A user who signed up on a SQLite instance signs in on its PostgreSQL
/// copy (`vestibule admin copy-database`) served by two replicas, and
/// finds their organization. Runs only in the replica stage.
#[tokio::test]
#[ignore = "end-to-end: needs the built server, portal and Chromium"]
async fn replica_copy_of_a_sqlite_instance_serves_its_user() {
    let admin = common::replicas::admin_url().unwrap_or_else(|| panic!("this journey needs {}", common::replicas::POSTGRES_ENV));
    let source_dir = data_dir();
    let email = "hedy@example.com";
    let mut source = Server::start_on_sqlite(source_dir.path());
    let b = Browser::start().await;
    let code = sign_up_to_code(&b, &source, email).await;
    finish_sign_up_with_org(&b, email, &code, "Initech").await;
    b.quit().await;
    source.kill();
    drop(source);

    let target_dir = data_dir();
    let to = common::replicas::database_for(&admin, target_dir.path());
    let from = format!("sqlite://{}", source_dir.path().join("vestibule.db").display());
    let out = std::process::Command::new(common::server_bin())
        .args(["admin", "copy-database", "--from", &from, "--to", &to])
        .output()
        .expect("vestibule admin copy-database runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "copy-database failed: {stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("users: 1 rows") && stdout.contains("organizations: 1 rows"), "{stdout}");

    let copy = Server::start(target_dir.path());
    assert!(copy.replicated());
    let b = Browser::start().await;
    b.sign_in(&copy, email, "").await;
    b.expect_home(email, "Initech").await;
    b.quit().await;
}
