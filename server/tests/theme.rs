//! The operator stylesheet at `/theme.css`: empty by default, the
//! configured file otherwise, always as CSS; and the portal's files with
//! client-side routes falling back to `index.html`.

mod common;

use axum::http::Method;
use common::TestApp;

#[tokio::test]
async fn theme_css_is_empty_by_default() {
    let app = TestApp::new().await;
    let res = app.call(Method::GET, "/theme.css").send().await;
    assert_eq!(res.status.as_u16(), 200);
    assert!(res.headers["content-type"].to_str().expect("ascii").starts_with("text/css"));
    assert!(res.body.is_empty(), "{}", res.text());
}

#[tokio::test]
async fn theme_css_serves_the_configured_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("brand.css");
    std::fs::write(&path, ":root { --vb-color-primary: #ff0066; }").expect("write");
    let app = TestApp::with_config(|c| c.theme_css = Some(path.clone())).await;
    let res = app.call(Method::GET, "/theme.css").send().await;
    assert_eq!(res.status.as_u16(), 200);
    assert!(res.headers["content-type"].to_str().expect("ascii").starts_with("text/css"));
    assert_eq!(res.text(), ":root { --vb-color-primary: #ff0066; }");
}

#[tokio::test]
async fn portal_routes_fall_back_to_index_html_and_api_paths_do_not() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("index.html"), "<!doctype html><script type=\"module\">start()</script>").expect("write");
    std::fs::write(dir.path().join("app.js"), "export {}").expect("write");
    let portal = dir.path().to_path_buf();
    let app = TestApp::with_config(|c| c.portal_dir = Some(portal.clone())).await;
    for path in ["/sign-in", "/sign-up/tasks/choose-organization", "/"] {
        let res = app.call(Method::GET, path).send().await;
        assert_eq!(res.status.as_u16(), 200, "{path}");
        assert!(res.text().contains("start()"), "{path}: {}", res.text());
        let csp = res.headers["content-security-policy"].to_str().expect("ascii").to_string();
        assert!(csp.contains("'sha256-"), "the inline bootstrap script is allowed by hash: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    }
    assert_eq!(app.call(Method::GET, "/app.js").send().await.text(), "export {}");
    app.call(Method::GET, "/v1/nope").send().await.expect_error(404, "resource_not_found");
}
