//! End-to-end journeys of reverification on the account home: making new
//! backup codes needs the first factor verified in the last 10 minutes.
//! Right after sign-up it does not ask; once the server's clock
//! (`--test-clock`) has moved 11 minutes on, **Make new codes** brings the
//! "Confirm it's you" prompt in place, which takes the password (a wrong
//! one is answered at the field) or a code emailed to the user (read from
//! the development outbox), and then the new codes appear on their own.
//! Cancel and Escape go back to the count.

mod common;

use common::{Browser, Server, PASSWORD};
use thirtyfour::prelude::*;

const SETUP_MFA: &str = "/sign-up/tasks/setup-mfa";
/// Just past the server's 10-minute reverification window.
const ELEVEN_MINUTES_MS: i64 = 11 * 60 * 1000;

fn data_dir() -> tempfile::TempDir {
    tempfile::Builder::new().prefix("vestibule-e2e-data-").tempdir().unwrap()
}

/// A server requiring MFA with backup codes as the only method, and a
/// browser.
async fn backup_codes_instance() -> (tempfile::TempDir, Server, Browser) {
    let dir = data_dir();
    let server = Server::start(dir.path());
    server
        .patch_instance(&[("mfa_required", "true"), ("totp_enabled", "false"), ("phone_code_enabled", "false"), ("backup_code_enabled", "true")])
        .await;
    (dir, server, Browser::start().await)
}

/// The backup codes on screen under `scope`, in order.
async fn codes_in(b: &Browser, scope: &str) -> Vec<String> {
    let css = format!("{scope} .vb-backup-code");
    b.el(&css).await;
    let mut codes = Vec::new();
    for e in b.find_all(By::Css(&css)).await.unwrap() {
        codes.push(e.text().await.unwrap());
    }
    codes
}

/// Signs `email` up through the setup-mfa task (backup codes) and the
/// organization task to the account home; returns the first set of codes.
async fn sign_up_to_home(b: &Browser, server: &Server, email: &str, org: &str, slug: &str) -> Vec<String> {
    b.sign_up(server, email).await;
    b.wait_path(SETUP_MFA).await;
    b.el(".vb-mfa-backup-only").await;
    b.submit().await;
    let codes = codes_in(b, ".vb-mfa-backup-codes").await;
    assert_eq!(codes.len(), 10, "{codes:?}");
    b.el("button.vb-continue").await.click().await.unwrap();
    b.create_org(org, slug, None).await;
    b.expect_home(email, org).await;
    b.el_with_text(".vb-home-backup-codes", "10 left").await;
    codes
}

/// Regenerate, then Make new codes.
async fn make_new_codes(b: &Browser) {
    b.el("button.vb-regenerate-codes").await.click().await.unwrap();
    b.el("button.vb-confirm-regenerate").await.click().await.unwrap();
}

/// Waits for a new set on the home page, checks it (ten codes, none of
/// `before`), and goes back to the count with Done.
async fn expect_new_codes(b: &Browser, before: &[String]) -> Vec<String> {
    let codes = codes_in(b, ".vb-home-backup-codes").await;
    assert_eq!(codes.len(), 10, "{codes:?}");
    assert!(codes.iter().all(|c| !before.contains(c)), "a new set: {codes:?} vs {before:?}");
    assert!(!b.has(".vb-reverify").await, "the prompt is gone");
    b.el("button.vb-codes-done").await.click().await.unwrap();
    b.el_with_text(".vb-home-backup-codes", "10 left").await;
    codes
}

/// The id of the focused element.
async fn focused(b: &Browser) -> String {
    b.js("return document.activeElement ? document.activeElement.id : ''").await.as_str().unwrap_or_default().to_string()
}

/// Waits until the element with id `id` has the focus.
async fn expect_focus(b: &Browser, id: &str) {
    b.until(&format!("the focus on #{id}"), || async move { (focused(b).await == id).then_some(()) }).await;
}

#[tokio::test]
#[ignore = "needs the built portal and Chromium; run by `cargo xtask test`"]
async fn new_backup_codes_after_ten_minutes_ask_for_the_password_first() {
    let (_dir, server, b) = backup_codes_instance().await;
    let email = "ada@example.test";
    let first = sign_up_to_home(&b, &server, email, "Analytical Engines", "analytical-engines").await;

    // Within ten minutes of signing up, no prompt.
    make_new_codes(&b).await;
    let second = expect_new_codes(&b, &first).await;
    assert!(!b.has(".vb-reverify").await);

    // Eleven minutes on, the prompt asks for the password, in place, with
    // the focus in its field.
    server.advance_clock(ELEVEN_MINUTES_MS).await;
    make_new_codes(&b).await;
    b.el_with_text(".vb-home-backup-codes .vb-reverify #vb-reverify-title", "Confirm it's you").await;
    b.el_with_text(".vb-reverify #vb-reverify-why", "To make new backup codes, enter your password.").await;
    b.el(".vb-reverify-password #vb-reverify-password").await;
    b.el_with_text("button.vb-reverify-use-email", "Use a code sent to your email instead").await;
    expect_focus(&b, "vb-reverify-password").await;
    assert!(!b.has(".vb-home-backup-codes .vb-backup-code").await, "no codes before the password");
    b.shot("reverify-password").await;
    b.check_layout("reverify-password").await;

    // A wrong password is answered at the field.
    b.type_into("#vb-reverify-password", "not-the-password-1").await;
    b.submit().await;
    let error = b.el_with_text("#vb-reverify-password-error", "incorrect").await;
    assert_eq!(error.attr("role").await.unwrap().as_deref(), Some("alert"));
    let input = b.el("#vb-reverify-password").await;
    assert_eq!(input.attr("aria-invalid").await.unwrap().as_deref(), Some("true"));
    assert_eq!(input.attr("aria-describedby").await.unwrap().as_deref(), Some("vb-reverify-password-error"));
    assert!(!b.has(".vb-home-backup-codes .vb-backup-code").await, "no codes after a wrong password");

    // The right one (submitted with Enter) brings the new codes on its own.
    b.replace_text("#vb-reverify-password", PASSWORD).await;
    b.el("#vb-reverify-password").await.send_keys(Key::Enter).await.unwrap();
    let mut seen = first.clone();
    seen.extend(second.iter().cloned());
    let third = expect_new_codes(&b, &seen).await;

    // Freshly confirmed, the next set needs no prompt.
    make_new_codes(&b).await;
    seen.extend(third);
    expect_new_codes(&b, &seen).await;
    b.quit().await;
}

#[tokio::test]
#[ignore = "needs the built portal and Chromium; run by `cargo xtask test`"]
async fn new_backup_codes_after_ten_minutes_take_a_code_sent_by_email() {
    let (_dir, server, b) = backup_codes_instance().await;
    let email = "grace@example.test";
    let first = sign_up_to_home(&b, &server, email, "Compilers", "compilers").await;
    server.advance_clock(ELEVEN_MINUTES_MS).await;

    // Cancel, and Escape, go back to the count without new codes.
    make_new_codes(&b).await;
    b.el("#vb-reverify-password").await;
    b.el("button.vb-reverify-cancel").await.click().await.unwrap();
    b.el_with_text(".vb-home-backup-codes", "10 left").await;
    assert!(!b.has(".vb-reverify").await);
    make_new_codes(&b).await;
    b.el("#vb-reverify-password").await.send_keys(Key::Escape).await.unwrap();
    b.el_with_text(".vb-home-backup-codes", "10 left").await;
    assert!(!b.has(".vb-reverify").await);

    // The emailed code instead of the password: the code field takes the
    // focus, and resending waits for its cooldown.
    make_new_codes(&b).await;
    let sent_before = server.codes_to(email).await.len();
    b.el("button.vb-reverify-use-email").await.click().await.unwrap();
    b.el(".vb-reverify-email-code #vb-reverify-code").await;
    b.el_with_text("#vb-reverify-why", &format!("enter the 6-digit code sent to {email}")).await;
    expect_focus(&b, "vb-reverify-code").await;
    let resend = b.el(".vb-reverify button.vb-resend").await;
    assert!(resend.text().await.unwrap().contains(" s)"), "the cooldown is shown");
    assert!(!resend.is_enabled().await.unwrap());
    b.el("button.vb-reverify-use-password").await;
    let code = b
        .until("the emailed reverification code", || async {
            let codes = server.codes_to(email).await;
            (codes.len() > sent_before).then(|| codes[0].clone())
        })
        .await;
    b.shot("reverify-email-code").await;

    // A wrong code is answered at the field; the right one brings the codes.
    let wrong: String = code.chars().map(|c| if c == '0' { '1' } else { '0' }).collect();
    b.type_into("#vb-reverify-code", &wrong).await;
    b.submit().await;
    b.el("#vb-reverify-code-error").await;
    let input = b.el("#vb-reverify-code").await;
    assert_eq!(input.attr("aria-invalid").await.unwrap().as_deref(), Some("true"));
    b.replace_text("#vb-reverify-code", &code).await;
    b.submit().await;
    expect_new_codes(&b, &first).await;
    b.quit().await;
}
