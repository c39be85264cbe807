//! End-to-end journeys of the setup-mfa task and the second factor at
//! sign-in: TOTP enrolment with the code computed from the secret the page
//! shows, the backup codes shown once, sign-in with a fresh TOTP code and
//! with backup codes (each once), regeneration, SMS enrolment with the
//! code read from the development outbox, backup codes as the only method,
//! and the lockout message. The server runs with `--test-clock`, so
//! stepping past a TOTP step moves its clock instead of waiting. Screenshots of the QR and backup-code screens
//! are saved as artifacts.

mod common;

use common::{server_now, totp_at, Browser, Server, STEP_MS};

const SETUP_MFA: &str = "/sign-up/tasks/setup-mfa";
const FACTOR_TWO: &str = "/sign-in/factor-two";

fn data_dir() -> tempfile::TempDir {
    tempfile::Builder::new().prefix("vestibule-e2e-data-").tempdir().unwrap()
}


/// Signs in with the password and waits for the second-factor page.
async fn to_factor_two(b: &Browser, server: &Server, email: &str) {
    b.sign_in(server, email, "").await;
    b.wait_path(FACTOR_TWO).await;
}

/// Types `code` into the second-factor field on screen and submits.
async fn enter(b: &Browser, css: &str, code: &str) {
    b.replace_text(css, code).await;
    b.submit().await;
}

/// A server requiring MFA with the methods given as on (`true`) or off,
/// in the order TOTP, SMS, backup codes, and a browser.
async fn mfa_instance(totp: bool, phone: bool, backup: bool) -> (tempfile::TempDir, Server, Browser) {
    let dir = data_dir();
    let server = Server::start(dir.path());
    let on = |b: bool| if b { "true" } else { "false" };
    server
        .patch_instance(&[("mfa_required", "true"), ("totp_enabled", on(totp)), ("phone_code_enabled", on(phone)), ("backup_code_enabled", on(backup))])
        .await;
    (dir, server, Browser::start().await)
}

/// Signs up `email` and waits for the setup-mfa task.
async fn sign_up_to_setup_mfa(b: &Browser, server: &Server, email: &str) {
    b.sign_up(server, email).await;
    b.wait_path(SETUP_MFA).await;
}

/// The backup codes the task shows, in order.
async fn shown_codes(b: &Browser) -> Vec<String> {
    b.el(".vb-mfa-backup-codes .vb-backup-code").await;
    let mut codes = Vec::new();
    for e in b.find_all(thirtyfour::By::Css(".vb-backup-code")).await.unwrap() {
        codes.push(e.text().await.unwrap());
    }
    codes
}

#[tokio::test]
#[ignore = "needs the built portal and Chromium; run by `cargo xtask test`"]
async fn totp_enrolment_backup_codes_and_the_second_factor_at_sign_in() {
    let (_dir, server, b) = mfa_instance(true, true, true).await;
    let email = "ada@example.test";

    // Sign-up lands on the task, which offers the three methods.
    sign_up_to_setup_mfa(&b, &server, email).await;
    b.el(".vb-mfa-choose").await;
    for method in ["totp", "phone_code", "backup_code"] {
        b.el(&format!(".vb-method[data-method={method}]")).await;
    }
    b.check_layout("setup-mfa-choice").await;
    b.el(".vb-method[data-method=totp]").await.click().await.unwrap();

    // The QR code, then the secret behind "Can't scan?".
    b.el(".vb-mfa-totp svg.vb-qr path").await;
    b.shot("setup-mfa-qr").await;
    b.check_layout("setup-mfa-authenticator").await;
    // The link-style button starts where the text does, not indented.
    let lefts = b.js("return ['.vb-mfa-totp .vb-title', 'button.vb-cant-scan'].map((s) => document.querySelector(s).getBoundingClientRect().left);").await;
    let (text, link) = (lefts[0].as_f64().unwrap(), lefts[1].as_f64().unwrap());
    assert!((text - link).abs() <= 1.0, "\"Can't scan?\" starts at {link}, the text at {text}");
    b.el("button.vb-cant-scan").await.click().await.unwrap();
    let shown = b.el(".vb-totp-secret").await.text().await.unwrap();
    assert!(shown.split(' ').all(|g| g.len() <= 4) && shown.contains(' '), "grouped in fours: {shown}");
    let secret: String = shown.split_whitespace().collect();

    // A wrong code says so and keeps the secret; so does a reload.
    enter(&b, "#vb-totp-code", &totp_at(&secret, server_now(&server).await - 3_600_000)).await;
    b.el("#vb-totp-code-error").await;
    b.check_layout("setup-mfa-authenticator-wrong-code").await;
    b.refresh().await.unwrap();
    b.el(".vb-mfa-totp svg.vb-qr path").await;
    assert!(!b.has("#vb-totp-code-error").await, "a fresh page");
    b.el("button.vb-cant-scan").await.click().await.unwrap();
    let again: String = b.el(".vb-totp-secret").await.text().await.unwrap().split_whitespace().collect();
    assert_eq!(again, secret, "a reload keeps the secret");

    // A code typed with a space is kept to its digits; the backup codes
    // appear once.
    // Enrolment at the start of a step: its code stays inside the window
    // (this step and the previous) for the next 59 s of the journey.
    let now = server_now(&server).await;
    let enrolled_at = server.advance_clock(STEP_MS - now % STEP_MS + 100).await;
    let enrolment = totp_at(&secret, enrolled_at);
    b.replace_text("#vb-totp-code", "").await;
    b.type_into("#vb-totp-code", &format!("{} {}", &enrolment[..3], &enrolment[3..])).await;
    b.wait_value("#vb-totp-code", &enrolment).await;
    b.submit().await;
    let codes = shown_codes(&b).await;
    assert_eq!(codes.len(), 10, "{codes:?}");
    let download = b.el("a.vb-download-codes").await;
    assert_eq!(download.attr("download").await.unwrap().as_deref(), Some("Vestibule_backup_codes.txt"));
    assert!(download.attr("href").await.unwrap().unwrap_or_default().contains(&codes[0]));
    b.el("button.vb-copy-codes").await;
    b.el("button.vb-print-codes").await;
    b.shot("setup-mfa-backup-codes").await;
    b.check_layout("setup-mfa-backup-codes").await;
    // Copy all, Download .txt and Print, on one line, evenly spaced.
    let rects = b
        .js("return ['button.vb-copy-codes', 'a.vb-download-codes', 'button.vb-print-codes'].map((s) => { const r = document.querySelector(s).getBoundingClientRect(); return [r.left, r.right, r.top]; });")
        .await;
    let at = |i: usize, k: usize| rects[i][k].as_f64().unwrap();
    assert!((at(0, 2) - at(2, 2)).abs() <= 1.0, "the three buttons are on one line: {rects}");
    let (first, second) = (at(1, 0) - at(0, 1), at(2, 0) - at(1, 1));
    assert!((first - second).abs() <= 1.0, "gaps of {first} and {second} px between the buttons");

    // Continue goes to the next task, then home.
    b.el("button.vb-continue").await.click().await.unwrap();
    b.create_org("Analytical Engines", "analytical-engines", None).await;
    b.expect_home(email, "Analytical Engines").await;
    b.el_with_text(".vb-home-second-factors", "Authenticator app").await;
    b.el_with_text(".vb-home-backup-codes", "10 left").await;
    b.sign_out().await;

    // Next sign-in: the enrolment code is refused (replay), a fresh one works.
    to_factor_two(&b, &server, email).await;
    b.el(".vb-factor-two-totp").await;
    b.check_layout("factor-two-authenticator").await;
    let replayed_at = server_now(&server).await;
    assert!(
        replayed_at / STEP_MS - enrolled_at / STEP_MS <= 1,
        "the enrolment code must still be inside the window, so that only the replay rule can refuse it ({} ms later)",
        replayed_at - enrolled_at
    );
    enter(&b, "#vb-second-factor-code", &enrolment).await;
    b.el("#vb-second-factor-code-error").await;
    assert_eq!(b.current_url().await.unwrap().path(), FACTOR_TWO, "no session after a replayed code");
    let later = server.advance_clock(STEP_MS).await;
    enter(&b, "#vb-second-factor-code", &totp_at(&secret, later)).await;
    b.expect_home(email, "Analytical Engines").await;
    b.sign_out().await;

    // A backup code works once; another works in capitals without dashes.
    to_factor_two(&b, &server, email).await;
    b.el("button.vb-use-backup_code").await.click().await.unwrap();
    enter(&b, "#vb-backup-code", &codes[0]).await;
    b.expect_home(email, "Analytical Engines").await;
    b.el_with_text(".vb-home-backup-codes", "9 left").await;
    b.sign_out().await;
    to_factor_two(&b, &server, email).await;
    b.el("button.vb-use-backup_code").await.click().await.unwrap();
    enter(&b, "#vb-backup-code", &codes[0]).await;
    b.el("#vb-backup-code-error").await;
    enter(&b, "#vb-backup-code", &codes[1].replace('-', "").to_uppercase()).await;
    b.expect_home(email, "Analytical Engines").await;

    // Regenerating shows a new set; the old codes stop working.
    b.el("button.vb-regenerate-codes").await.click().await.unwrap();
    b.el("button.vb-confirm-regenerate").await.click().await.unwrap();
    b.el(".vb-home-backup-codes .vb-backup-code").await;
    let fresh = b.el(".vb-home-backup-codes .vb-backup-code").await.text().await.unwrap();
    assert!(!codes.contains(&fresh));
    b.el("button.vb-codes-done").await.click().await.unwrap();
    b.el_with_text(".vb-home-backup-codes", "10 left").await;
    b.sign_out().await;
    to_factor_two(&b, &server, email).await;
    b.el("button.vb-use-backup_code").await.click().await.unwrap();
    enter(&b, "#vb-backup-code", &codes[2]).await;
    b.el("#vb-backup-code-error").await;
    b.check_layout("factor-two-backup-code-used").await;

    // Ten wrong codes (the old backup code was the first) lock the user for
    // an hour, and the page says when. A sign-in dies after five wrong
    // codes and is started again.
    b.el("button.vb-use-totp").await.click().await.unwrap();
    let mut counted = 1;
    while counted < 10 {
        b.replace_text("#vb-second-factor-code", &totp_at(&secret, server_now(&server).await - 3_600_000)).await;
        b.submit().await;
        b.wait_value("#vb-second-factor-code", "").await;
        let text = b.find(thirtyfour::By::Tag("main")).await.unwrap().text().await.unwrap();
        if text.contains("Start signing in again") {
            b.el("a.vb-start-over").await.click().await.unwrap();
            b.wait_path("/sign-in").await;
            to_factor_two(&b, &server, email).await;
        } else {
            if counted == 1 {
                b.el("#vb-second-factor-code-error").await;
                b.check_layout("factor-two-authenticator-wrong-code").await;
            }
            counted += 1;
        }
    }
    let later = server.advance_clock(STEP_MS).await;
    enter(&b, "#vb-second-factor-code", &totp_at(&secret, later)).await;
    b.el_with_text(".vb-form-error", "Try again in 60 minutes").await;
    b.check_layout("factor-two-locked").await;
    assert_eq!(b.current_url().await.unwrap().path(), FACTOR_TWO, "no session while locked");
    b.sign_in(&server, email, "").await;
    b.el_with_text(".vb-error", "Try again in 60 minutes").await;
    b.check_layout("sign-in-locked").await;
    b.quit().await;
}

#[tokio::test]
#[ignore = "needs the built portal and Chromium; run by `cargo xtask test`"]
async fn sms_enrolment_with_the_code_from_the_outbox_and_the_texted_second_factor() {
    // One method: the choice is skipped.
    let (_dir, server, b) = mfa_instance(false, true, false).await;
    let email = "grace@example.test";
    let phone = "+15550100199";

    sign_up_to_setup_mfa(&b, &server, email).await;
    b.el(".vb-mfa-sms #vb-phone-number").await;
    b.check_layout("setup-mfa-sms").await;
    assert!(!b.has(".vb-mfa-choose").await);

    // A malformed number gets an error at the field.
    b.type_into("#vb-phone-number", "12345").await;
    b.submit().await;
    b.el_with_text("#vb-phone-number-error", "country code").await;
    b.check_layout("setup-mfa-sms-invalid-number").await;
    b.replace_text("#vb-phone-number", "+1 (555) 010-0199").await;
    b.submit().await;
    b.el_with_text(".vb-mfa-sms-code .vb-subtitle", phone).await;
    let resend = b.el("button.vb-resend").await;
    assert!(resend.text().await.unwrap().contains(" s)"), "the cooldown is shown");
    b.check_layout("setup-mfa-sms-code-countdown").await;
    assert!(!resend.is_enabled().await.unwrap());

    // Change number goes back with the number kept, to correct it.
    b.el("button.vb-change-number").await.click().await.unwrap();
    b.wait_value("#vb-phone-number", "+1 (555) 010-0199").await;
    let phone = "+15550100198";
    b.replace_text("#vb-phone-number", phone).await;
    b.submit().await;
    b.el_with_text(".vb-mfa-sms-code .vb-subtitle", phone).await;
    let code = b.until("a texted code", || async { server.codes_to(phone).await.into_iter().next() }).await;
    enter(&b, "#vb-sms-code", &code).await;

    b.create_org("Compilers", "compilers", None).await;
    b.expect_home(email, "Compilers").await;
    b.el_with_text(".vb-home-second-factors", phone).await;
    b.sign_out().await;

    // The next sign-in, past the number's resend cooldown, texts a code on
    // its own and takes it.
    server.advance_clock(31_000).await;
    let before = server.codes_to(phone).await.len();
    to_factor_two(&b, &server, email).await;
    b.el_with_text(".vb-factor-two-phone_code .vb-subtitle", "Enter the 6-digit code").await;
    b.check_layout("factor-two-sms").await;
    let code = b
        .until("a second texted code", || async {
            let codes = server.codes_to(phone).await;
            (codes.len() > before).then(|| codes[0].clone())
        })
        .await;
    enter(&b, "#vb-second-factor-code", &code).await;
    b.expect_home(email, "Compilers").await;
    b.quit().await;
}

#[tokio::test]
#[ignore = "needs the built portal and Chromium; run by `cargo xtask test`"]
async fn backup_codes_alone_are_a_method_and_sign_in_once_each() {
    // Backup codes are the only method: the task starts in it.
    let (_dir, server, b) = mfa_instance(false, false, true).await;
    let email = "barbara@example.test";

    sign_up_to_setup_mfa(&b, &server, email).await;
    b.el(".vb-mfa-backup-only").await;
    assert!(!b.has(".vb-mfa-choose").await);
    b.submit().await;
    let codes = shown_codes(&b).await;
    assert_eq!(codes.len(), 10, "{codes:?}");
    b.el("button.vb-continue").await.click().await.unwrap();
    b.create_org("Liskov Labs", "liskov-labs", None).await;
    b.expect_home(email, "Liskov Labs").await;
    b.el_with_text(".vb-home-second-factors", "Backup codes").await;
    b.sign_out().await;

    // The sign-in asks for a backup code straight away.
    to_factor_two(&b, &server, email).await;
    b.el(".vb-factor-two-backup_code #vb-backup-code").await;
    b.check_layout("factor-two-backup-code").await;
    assert!(!b.has("button.vb-use-totp").await);
    enter(&b, "#vb-backup-code", &codes[3]).await;
    b.expect_home(email, "Liskov Labs").await;
    b.el_with_text(".vb-home-backup-codes", "9 left").await;
    b.quit().await;
}
