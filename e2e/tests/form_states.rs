//! The states of a form a user reaches when the server says no, or does
//! not answer, and the one screen that offers no way on but signing out:
//! each shows its message where it belongs (at the field, or above the
//! button when no field claims it) and passes the accessibility and
//! small-screen checks of `common::layout`.

mod common;

use common::{Browser, Server};

fn data_dir() -> tempfile::TempDir {
    tempfile::Builder::new().prefix("vestibule-e2e-data-").tempdir().unwrap()
}

/// Organizations on, creating them off: a user without a membership or an
/// invitation is told to ask for one, and the way out is signing out.
#[tokio::test]
#[ignore = "end-to-end: needs the built server, portal and Chromium"]
async fn must_belong_to_an_organization_is_a_screen_with_sign_out() {
    let dir = data_dir();
    let server = Server::start(dir.path());
    server.patch_instance(&[("create_organization_enabled", "false")]).await;
    let email = "outsider@example.com";
    server.create_user(email).await;
    let b = Browser::start().await;

    b.sign_in(&server, email, "").await;
    b.wait_path("/sign-in/tasks/choose-organization").await;
    b.el_with_text(".vb-task-choose-organization h1", "You must belong to an organization").await;
    b.el_with_text(".vb-task-choose-organization .vb-subtitle", "Ask an administrator to invite you").await;
    assert!(!b.has("#vb-org-name").await, "creating an organization is offered although it is off");
    b.check_layout("choose-organization-must-belong").await;

    b.sign_out().await;
    b.quit().await;
}

/// Sign-up with an address that is taken, then a wrong code, then a slug
/// that is taken: each error at its field. Then the server goes away: the
/// create form says it could not reach it, above the button.
#[tokio::test]
#[ignore = "end-to-end: needs the built server, portal and Chromium"]
async fn server_errors_at_their_fields_and_an_unreachable_server() {
    let dir = data_dir();
    let mut server = Server::start(dir.path());
    server.create_user("taken@example.com").await;
    server.create_org("Acme", "acme", None).await;
    let b = Browser::start().await;

    b.open(&server.url("/sign-up")).await;
    b.submit().await;
    b.el_with_text("#vb-email-error", "Enter your email address.").await;
    b.el_with_text("#vb-password-error", "Enter a password.").await;
    b.check_layout("sign-up-empty-submit").await;
    b.type_into("#vb-email", "taken@example.com").await;
    b.type_into("#vb-password", common::PASSWORD).await;
    b.submit().await;
    b.el_with_text("#vb-email-error", "taken").await;
    let invalid = b.el("#vb-email").await.attr("aria-invalid").await.unwrap();
    assert_eq!(invalid.as_deref(), Some("true"), "the taken address is not marked invalid");
    b.check_layout("sign-up-address-taken").await;

    let email = "newcomer@example.com";
    b.replace_text("#vb-email", email).await;
    b.submit().await;
    b.el("#vb-code").await;
    b.type_into("#vb-code", "000000").await;
    b.submit().await;
    b.el_with_text("#vb-code-error", "Incorrect code").await;
    b.check_layout("sign-up-code-wrong").await;

    let code = server.latest_code(email).await;
    b.replace_text("#vb-code", &code).await;
    b.submit().await;
    b.wait_path("/sign-up/tasks/choose-organization").await;
    b.create_org("Acme", "acme", None).await;
    b.el("#vb-org-slug-error").await;
    assert!(b.has(".vb-task-choose-organization").await, "a taken slug left the task");
    b.check_layout("choose-organization-slug-taken").await;

    server.kill();
    b.replace_text("#vb-org-slug", "acme-2").await;
    b.submit().await;
    b.el_with_text(".vb-task-choose-organization .vb-form-error[role=alert]", "Could not reach the server. Check your connection").await;
    b.check_layout("choose-organization-server-unreachable").await;
    b.quit().await;
}
