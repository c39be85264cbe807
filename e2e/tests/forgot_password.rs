//! End-to-end journey of "Forgot password?" on the portal's sign-in: the
//! address alone, the emailed reset code (a step a reload keeps), the new
//! password with the same live checks as the reset-password task, and the
//! way on to `redirect_url`; the old password no longer signs in and the
//! new one does.

mod common;

use common::{Browser, Server, PASSWORD};

/// A new password that passes every rule of the default instance.
const NEW_PASSWORD: &str = "violet-otter-lantern-58";

/// "Forgot password?" without an address is answered at the address
/// field. With one, the reset code is asked for and survives a reload; the
/// code leads to the new password (refused while it is the current one,
/// at its field), and a good one signs in, the one membership activated,
/// on `redirect_url`. Then the old password is refused and the new one
/// signs in.
#[tokio::test]
#[ignore = "end-to-end: needs the built server, portal and Chromium"]
async fn journey_forgot_password_code_then_new_password_signs_in() {
    let dir = tempfile::Builder::new().prefix("vestibule-e2e-data-").tempdir().unwrap();
    let server = Server::start(dir.path());
    let email = "flo@example.com";
    let user_id = server.create_user(email).await;
    server.create_org("Acme", "acme", Some(&user_id)).await;
    let b = Browser::start().await;

    b.open(&server.url("/sign-in?redirect_url=%2Fwelcome")).await;
    let forgot = b.el_with_text(".vb-sign-in button.vb-forgot-password", "Forgot password?").await;
    b.check_layout("sign-in").await;
    forgot.click().await.unwrap();
    b.el("#vb-identifier-error").await;

    b.type_into("#vb-identifier", email).await;
    b.el_with_text(".vb-sign-in button.vb-forgot-password", "Forgot password?").await.click().await.unwrap();
    b.el(".vb-reset-code #vb-code").await;
    b.el_with_text(".vb-reset-code .vb-title", "Reset your password").await;
    b.el_with_text(".vb-reset-code .vb-subtitle", &format!("Enter the 6-digit code sent to {email}.")).await;
    b.check_layout("forgot-password-code").await;
    b.refresh().await.unwrap();
    b.el(".vb-reset-code #vb-code").await;
    assert_eq!(b.wait_path("/sign-in").await.as_deref(), Some("redirect_url=%2Fwelcome"));

    let code = server.latest_code(email).await;
    b.type_into("#vb-code", &code).await;
    b.submit().await;
    b.el(".vb-sign-in-new-password #vb-new-password").await;
    b.el_with_text(".vb-sign-in-new-password .vb-subtitle", email).await;
    assert!(b.el("#vb-sign-out-others").await.is_selected().await.unwrap(), "\"Sign out of all other devices\" starts checked");
    b.shot("forgot-password-new-password").await;
    b.check_layout("forgot-password-new-password").await;

    // The current password is refused at the field; the step stays.
    b.replace_text(".vb-sign-in-new-password #vb-new-password", PASSWORD).await;
    b.replace_text("#vb-confirm-password", PASSWORD).await;
    b.el_with_text("ul.vb-checks li.vb-check-ok", "Passwords match").await;
    b.submit().await;
    b.el_with_text("#vb-new-password-error", "must be different from your current one").await;

    b.replace_text(".vb-sign-in-new-password #vb-new-password", NEW_PASSWORD).await;
    b.replace_text("#vb-confirm-password", NEW_PASSWORD).await;
    b.submit().await;
    b.el(".vb-not-found").await;
    let url = b.current_url().await.unwrap();
    assert_eq!(url.path(), "/welcome", "the sign-in ended at {url}");

    b.delete_all_cookies().await.unwrap();
    b.sign_in(&server, email, "").await;
    b.el_with_text("#vb-password-error", "Password is incorrect").await;
    b.check_layout("sign-in-wrong-password").await;
    b.replace_text("#vb-password", NEW_PASSWORD).await;
    b.submit().await;
    b.expect_home(email, "Acme").await;
    b.quit().await;
}
