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

/// A server whose portal is an `index.html` with an inline script and an
/// `app.js`.
async fn app_with_portal() -> (TestApp, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("index.html"), "<!doctype html><script type=\"module\">start()</script>").expect("write");
    std::fs::write(dir.path().join("app.js"), "export {}").expect("write");
    let portal = dir.path().to_path_buf();
    let app = TestApp::with_config(|c| c.portal_dir = Some(portal.clone())).await;
    (app, dir)
}

#[tokio::test]
async fn portal_routes_fall_back_to_index_html_and_api_paths_do_not() {
    let (app, _dir) = app_with_portal().await;
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

#[tokio::test]
async fn pages_and_redirects_carry_the_portals_policy_and_data_a_short_one_that_allows_nothing() {
    let (app, _dir) = app_with_portal().await;
    let policy = |res: &common::Resp| res.headers["content-security-policy"].to_str().expect("ascii").to_string();
    for path in ["/sign-in", "/app.js", "/v1/client/touch?redirect_url=/"] {
        let full = policy(&app.call(Method::GET, path).send().await);
        assert!(full.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-"), "{path}: {full}");
    }
    for path in ["/v1/environment", "/v1/client", "/locale/en.json", "/theme.css", "/v1/nope"] {
        let short = policy(&app.call(Method::GET, path).send().await);
        assert_eq!(short, "default-src 'none'; script-src 'none'; frame-ancestors 'none'", "{path}");
    }
}

#[tokio::test]
async fn locale_tables_are_served_gzipped_revalidated_and_merged_with_the_operators_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("fr.json"), r#"{ "sign_in.title": "Entrez donc" }"#).expect("write");
    let locales = dir.path().to_path_buf();
    let app = TestApp::with_config(|c| c.locale_dir = Some(locales.clone())).await;

    let res = app.call(Method::GET, "/locale/fr.json").send().await;
    assert_eq!(res.status.as_u16(), 200);
    assert!(res.headers["content-type"].to_str().expect("ascii").starts_with("application/json"));
    assert_eq!(res.headers["cache-control"], "no-cache");
    let table: serde_json::Value = serde_json::from_slice(&res.body).expect("JSON");
    assert_eq!(table["sign_in.title"], "Entrez donc", "the operator's text");
    assert_eq!(table["common.continue"], "Continuer", "the built-in text of a key the operator left out");

    let etag = res.headers["etag"].to_str().expect("ascii").to_string();
    let again = app.call(Method::GET, "/locale/fr.json").header(axum::http::header::IF_NONE_MATCH, &etag).send().await;
    assert_eq!(again.status.as_u16(), 304, "an unchanged table costs no body");
    assert!(again.body.is_empty());

    let gzipped = app.call(Method::GET, "/locale/ja.json").header(axum::http::header::ACCEPT_ENCODING, "br, gzip").send().await;
    assert_eq!(gzipped.headers["content-encoding"], "gzip");
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gzipped.body[..]), &mut text).expect("gzip");
    let ja: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(ja["sign_in.title"], "サインイン");

    for unknown in ["/locale/it.json", "/locale/en", "/locale/..%2Fen.json", "/locale/%FF%FE"] {
        app.call(Method::GET, unknown).send().await.expect_error(404, "resource_not_found");
    }
}

#[tokio::test]
async fn the_environment_names_the_operators_default_locale() {
    let app = TestApp::with_config(|c| c.default_locale = Some("de".into())).await;
    let res = app.call(Method::GET, "/v1/environment").send().await;
    let env: serde_json::Value = serde_json::from_slice(&res.body).expect("JSON");
    assert_eq!(env["display_config"]["default_locale"], "de");
    let plain = TestApp::new().await;
    let env: serde_json::Value = serde_json::from_slice(&plain.call(Method::GET, "/v1/environment").send().await.body).expect("JSON");
    assert!(env["display_config"]["default_locale"].is_null());
}

#[tokio::test]
async fn a_malformed_operator_locale_file_stops_the_start_with_its_file_and_line() {
    let locales = tempfile::tempdir().expect("tempdir");
    std::fs::write(locales.path().join("es.json"), "{\n  \"sign_in.title\": \"Entrar\"\n  \"sign_up.title\": \"Crear\"\n}\n").expect("write");
    let data = tempfile::tempdir().expect("tempdir");
    let mut config = vestibule_server::config::Config { data_dir: data.path().to_path_buf(), ..Default::default() };
    config.database_url = common::postgres_database_for(data.path()).await;
    config.instance.instance_type = vestibule_server::settings::InstanceType::Development;
    config.locale_dir = Some(locales.path().to_path_buf());
    let clock = vestibule_server::ManualClock::at(common::T0);
    let error = match vestibule_server::state::AppState::start(&config, common::PUBLIC_URL, clock, None).await {
        Ok(_) => panic!("a malformed locale file was taken"),
        Err(e) => e.to_string(),
    };
    assert!(error.contains("es.json:3: "), "the file and the line are named: {error}");
}

#[tokio::test]
async fn an_allowed_origin_may_read_the_locale_tables_and_another_may_not() {
    let app = TestApp::with_config(|c| c.instance.allowed_origins = vec!["http://app.test".into()]).await;
    let origin = axum::http::header::ORIGIN;
    let allowed = app.call(Method::GET, "/locale/de.json").header(origin.clone(), "http://app.test").send().await;
    assert_eq!(allowed.status.as_u16(), 200);
    assert_eq!(allowed.headers["access-control-allow-origin"], "http://app.test");
    assert_eq!(allowed.headers["access-control-allow-credentials"], "true");
    let other = app.call(Method::GET, "/locale/de.json").header(origin, "http://evil.test").send().await;
    assert!(!other.headers.contains_key("access-control-allow-origin"), "no grant for another origin");
}
