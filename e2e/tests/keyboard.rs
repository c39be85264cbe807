//! Keyboard only: journeys that never click. Each screen puts the focus in
//! its first field (or, with none, on its heading); Tab and Enter do the
//! rest. An error is announced (`role="alert"`) and tied to its field
//! (`aria-invalid`, `aria-describedby`), and the focused control shows a
//! visible ring (its computed outline).

mod common;

use common::{server_now, totp_at, Browser, Server, PASSWORD, STEP_MS};
use thirtyfour::prelude::*;

fn data_dir() -> tempfile::TempDir {
    tempfile::Builder::new().prefix("vestibule-e2e-data-").tempdir().unwrap()
}

/// Waits until the element with `id` has the focus.
async fn expect_focus(b: &Browser, id: &str) {
    b.until(&format!("#{id} to have the focus"), || async {
        let focused = b.js("return document.activeElement ? document.activeElement.id : '';").await;
        (focused == id).then_some(())
    })
    .await;
}

/// Waits until the screen's heading has the focus.
async fn expect_heading_focused(b: &Browser) {
    b.until("the heading to have the focus", || async {
        let focused = b.js("return document.activeElement ? document.activeElement.className : '';").await;
        (focused.as_str().is_some_and(|c| c.split_whitespace().any(|c| c == "vb-title"))).then_some(())
    })
    .await;
}

/// Types `text` (or presses keys) into whatever has the focus.
async fn keys(b: &Browser, text: impl Into<TypingData>) {
    b.active_element().await.expect("a focused element").send_keys(text).await.expect("keys");
}

/// The focused element's outline: style and width in CSS px.
async fn ring(b: &Browser) -> (String, f64) {
    let v = b.js("const s = getComputedStyle(document.activeElement); return [s.outlineStyle, parseFloat(s.outlineWidth)];").await;
    (v[0].as_str().unwrap_or_default().to_string(), v[1].as_f64().unwrap_or_default())
}

/// Asserts the focused control shows a ring at least 2 px wide.
async fn expect_ring(b: &Browser, what: &str) {
    let (style, width) = ring(b).await;
    assert!(style != "none" && width >= 2.0, "{what}: the focus ring is {style} {width}px");
}

/// Sign-up, the emailed code and the choose-organization task (create),
/// then the account home and its sign-out, then sign-in again: Tab, Enter
/// and typing only.
#[tokio::test]
#[ignore = "end-to-end: needs the built server, portal and Chromium"]
async fn keyboard_only_sign_up_code_create_organization_home_sign_out_sign_in() {
    let dir = data_dir();
    let server = Server::start(dir.path());
    let b = Browser::start().await;
    let email = "kay@example.com";

    b.open(&server.url("/sign-up")).await;
    expect_focus(&b, "vb-email").await;
    // Enter on the empty form: the error is announced and tied to its field.
    keys(&b, Key::Enter).await;
    let error = b.el("#vb-email-error").await;
    assert_eq!(error.attr("role").await.unwrap().as_deref(), Some("alert"));
    let field = b.el("#vb-email").await;
    assert_eq!(field.attr("aria-invalid").await.unwrap().as_deref(), Some("true"));
    let described = field.attr("aria-describedby").await.unwrap().unwrap_or_default();
    assert!(described.split_whitespace().any(|id| id == "vb-email-error"), "aria-describedby {described:?}");

    expect_focus(&b, "vb-email").await;
    keys(&b, email).await;
    expect_ring(&b, "the email field").await;
    keys(&b, Key::Tab).await;
    expect_focus(&b, "vb-password").await;
    expect_ring(&b, "the password field").await;
    keys(&b, PASSWORD).await;
    keys(&b, Key::Tab).await;
    let (style, width) = ring(&b).await;
    let tag = b.js("return document.activeElement.tagName;").await;
    assert_eq!(tag, "BUTTON", "Tab after the password reaches a button");
    assert!(style != "none" && width >= 2.0, "the button's focus ring is {style} {width}px");
    keys(&b, Key::Shift + Key::Tab).await;
    expect_focus(&b, "vb-password").await;
    keys(&b, Key::Enter).await;

    // The code step takes the focus itself.
    expect_focus(&b, "vb-code").await;
    let code = server.latest_code(email).await;
    keys(&b, code.as_str()).await;
    keys(&b, Key::Enter).await;

    // The task's create screen.
    expect_focus(&b, "vb-org-name").await;
    keys(&b, "Keyboard Co").await;
    b.wait_value("#vb-org-slug", "keyboard-co").await;
    keys(&b, Key::Enter).await;

    // Home has no field: its heading takes the focus; Tab reaches Sign out.
    b.expect_home(email, "Keyboard Co").await;
    expect_heading_focused(&b).await;
    tab_to_and_press(&b, "Sign out").await;

    // Sign-in: the identifier field takes the focus.
    b.wait_path("/sign-in").await;
    expect_focus(&b, "vb-identifier").await;
    keys(&b, email).await;
    keys(&b, Key::Tab).await;
    expect_focus(&b, "vb-password").await;
    keys(&b, PASSWORD).await;
    keys(&b, Key::Enter).await;
    b.expect_home(email, "Keyboard Co").await;
    b.quit().await;
}

/// Tabs until the field `id` has the focus.
async fn tab_to_field(b: &Browser, id: &str) {
    for _ in 0..15 {
        if b.js("return document.activeElement.id;").await == id {
            return;
        }
        keys(b, Key::Tab).await;
    }
    b.fail(&format!("Tab never reached #{id}")).await;
}

/// Tabs until the focused element's text is `label`, then presses Enter.
async fn tab_to_and_press(b: &Browser, label: &str) {
    for _ in 0..15 {
        let text = b.js("return document.activeElement ? document.activeElement.textContent.trim() : '';").await;
        if text == label {
            expect_ring(b, label).await;
            keys(b, Key::Enter).await;
            return;
        }
        keys(b, Key::Tab).await;
    }
    b.fail(&format!("Tab never reached {label:?}")).await;
}

/// With MFA required: sign-up, setup-mfa with an authenticator app (the
/// method chosen, "Can't scan?" opened and the code typed, all from the
/// keyboard), the backup codes' Continue, choose-organization, home; then
/// sign-in with the app's next code on factor-two.
#[tokio::test]
#[ignore = "end-to-end: needs the built server, portal and Chromium"]
async fn keyboard_only_setup_mfa_with_an_authenticator_app_then_factor_two() {
    let dir = data_dir();
    let server = Server::start(dir.path());
    server.patch_instance(&[("mfa_required", "true"), ("totp_enabled", "true"), ("phone_code_enabled", "false"), ("backup_code_enabled", "true")]).await;
    let b = Browser::start().await;
    let email = "mfa-keys@example.com";

    b.open(&server.url("/sign-up")).await;
    expect_focus(&b, "vb-email").await;
    keys(&b, email).await;
    keys(&b, Key::Tab).await;
    keys(&b, PASSWORD).await;
    keys(&b, Key::Enter).await;
    expect_focus(&b, "vb-code").await;
    keys(&b, server.latest_code(email).await.as_str()).await;
    keys(&b, Key::Enter).await;

    // The choice of method: its heading has the focus; Tab to the app.
    b.el(".vb-mfa-choose").await;
    expect_heading_focused(&b).await;
    tab_to_and_press(&b, "Authenticator appUse a code from an app such as Google Authenticator or 1Password.").await;
    b.el(".vb-mfa-totp svg.vb-qr path").await;
    tab_to_and_press(&b, "Can't scan?").await;
    let secret: String = b.el(".vb-totp-secret").await.text().await.unwrap().split_whitespace().collect();
    // Enrol at the start of a step, so the code stays valid while typed.
    let now = server_now(&server).await;
    let at = server.advance_clock(STEP_MS - now % STEP_MS + 100).await;
    tab_to_field(&b, "vb-totp-code").await;
    keys(&b, totp_at(&secret, at).as_str()).await;
    keys(&b, Key::Enter).await;

    // The backup codes: no field, so the heading; Tab to Continue.
    b.el(".vb-mfa-backup-codes .vb-backup-code").await;
    expect_heading_focused(&b).await;
    tab_to_and_press(&b, "Continue").await;
    expect_focus(&b, "vb-org-name").await;
    keys(&b, "Second Factor Co").await;
    b.wait_value("#vb-org-slug", "second-factor-co").await;
    keys(&b, Key::Enter).await;
    b.expect_home(email, "Second Factor Co").await;
    expect_heading_focused(&b).await;
    tab_to_and_press(&b, "Sign out").await;

    // Sign-in, then factor-two takes the focus in its code field.
    b.wait_path("/sign-in").await;
    expect_focus(&b, "vb-identifier").await;
    keys(&b, email).await;
    keys(&b, Key::Tab).await;
    keys(&b, PASSWORD).await;
    keys(&b, Key::Enter).await;
    expect_focus(&b, "vb-second-factor-code").await;
    let next = server.advance_clock(STEP_MS).await;
    keys(&b, totp_at(&secret, next).as_str()).await;
    keys(&b, Key::Enter).await;
    b.expect_home(email, "Second Factor Co").await;
    b.quit().await;
}
