//! The portal's files over the wire: the brotli or gzip variant for a
//! browser that accepts it (the identity file otherwise), `Vary:
//! Accept-Encoding` always, a year's `immutable` caching for files named
//! with their content hash and `no-cache` for the rest, byte ranges, and a
//! `304` with no body when `If-None-Match` names the representation's ETag.
//! The environment, which a first visit waits for beside them, is gzipped
//! for a browser that takes it.

mod common;

use axum::http::{header, Method};
use common::TestApp;

const WASM: &str = "vestibule-portal-e3b43f225bb38583_bg.wasm";

async fn app_with_portal() -> (TestApp, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let write = |name: &str, body: &[u8]| std::fs::write(dir.path().join(name), body).expect("write");
    write("index.html", b"<!doctype html><title>Account</title>");
    write("index.html.br", b"BR-INDEX");
    write("index.html.gz", b"GZ-INDEX");
    write(WASM, b"\0asm the module itself, as built");
    write(&format!("{WASM}.br"), b"BR-WASM");
    write(&format!("{WASM}.gz"), b"GZ-WASM");
    let portal = dir.path().to_path_buf();
    (TestApp::with_config(|c| c.portal_dir = Some(portal.clone())).await, dir)
}

fn header_of(res: &common::Resp, name: header::HeaderName) -> &str {
    res.headers.get(&name).map(|v| v.to_str().expect("ascii")).unwrap_or_default()
}

#[tokio::test]
async fn each_browser_gets_the_variant_it_accepts_and_the_vary_header() {
    let (app, _dir) = app_with_portal().await;
    let path = format!("/{WASM}");
    for (accepts, body, coding) in [
        (None, "\0asm the module itself, as built", ""),
        (Some("br, gzip"), "BR-WASM", "br"),
        (Some("gzip, deflate"), "GZ-WASM", "gzip"),
        (Some("identity"), "\0asm the module itself, as built", ""),
    ] {
        let mut call = app.call(Method::GET, &path);
        if let Some(a) = accepts {
            call = call.header(header::ACCEPT_ENCODING, a);
        }
        let res = call.send().await;
        assert_eq!(res.status.as_u16(), 200, "{accepts:?}");
        assert_eq!(res.text(), body, "{accepts:?}");
        assert_eq!(header_of(&res, header::CONTENT_ENCODING), coding, "{accepts:?}");
        assert_eq!(header_of(&res, header::VARY), "accept-encoding", "{accepts:?}");
        assert_eq!(header_of(&res, header::CONTENT_TYPE), "application/wasm", "{accepts:?}");
    }
    // A client-side route is index.html, compressed the same way.
    let res = app.call(Method::GET, "/sign-in").header(header::ACCEPT_ENCODING, "br").send().await;
    assert_eq!((res.text().as_str(), header_of(&res, header::CONTENT_ENCODING)), ("BR-INDEX", "br"));
}

#[tokio::test]
async fn hashed_files_are_immutable_and_the_rest_is_asked_again() {
    let (app, _dir) = app_with_portal().await;
    let res = app.call(Method::GET, &format!("/{WASM}")).send().await;
    assert_eq!(header_of(&res, header::CACHE_CONTROL), "public, max-age=31536000, immutable");
    for path in ["/", "/index.html", "/sign-in", "/sign-up/tasks/setup-mfa"] {
        let res = app.call(Method::GET, path).header(header::ACCEPT_ENCODING, "gzip").send().await;
        assert_eq!(res.status.as_u16(), 200, "{path}");
        assert_eq!(header_of(&res, header::CACHE_CONTROL), "no-cache", "{path}");
    }
}

#[tokio::test]
async fn a_byte_range_is_answered_with_206() {
    let (app, _dir) = app_with_portal().await;
    let res = app.call(Method::GET, &format!("/{WASM}")).header(header::RANGE, "bytes=1-3").send().await;
    assert_eq!(res.status.as_u16(), 206);
    assert_eq!(res.text(), "asm");
    assert_eq!(header_of(&res, header::CONTENT_RANGE), "bytes 1-3/32");
}

#[tokio::test]
async fn if_none_match_with_the_etag_is_a_304_without_a_body() {
    let (app, dir) = app_with_portal().await;
    let first = app.call(Method::GET, "/sign-in").header(header::ACCEPT_ENCODING, "br, gzip").send().await;
    let tag = header_of(&first, header::ETAG).to_string();
    assert!(tag.starts_with('"') && tag.ends_with("-br\""), "{tag}");
    let again = app
        .call(Method::GET, "/sign-in")
        .header(header::ACCEPT_ENCODING, "br, gzip")
        .header(header::IF_NONE_MATCH, &tag)
        .send()
        .await;
    assert_eq!(again.status.as_u16(), 304);
    assert!(again.body.is_empty());
    assert_eq!(header_of(&again, header::ETAG), tag);
    assert_eq!(header_of(&again, header::CACHE_CONTROL), "no-cache");
    // Each representation has its own tag: the br tag does not match the
    // identity file, and the identity tag differs from the br one.
    let identity = app.call(Method::GET, "/sign-in").header(header::IF_NONE_MATCH, &tag).send().await;
    assert_eq!(identity.status.as_u16(), 200);
    assert_ne!(header_of(&identity, header::ETAG), tag);
    // A changed file has a new tag.
    std::fs::write(dir.path().join("index.html.br"), b"BR-INDEX, rebuilt").expect("write");
    let rebuilt = app
        .call(Method::GET, "/sign-in")
        .header(header::ACCEPT_ENCODING, "br")
        .header(header::IF_NONE_MATCH, &tag)
        .send()
        .await;
    assert_eq!(rebuilt.status.as_u16(), 200, "the identity file did not change, but its brotli variant did");
}

#[tokio::test]
async fn the_environment_is_gzipped_for_a_browser_that_takes_it() {
    let app = TestApp::new().await;
    let plain = app.call(Method::GET, "/v1/environment").send().await;
    assert_eq!(plain.status.as_u16(), 200);
    assert_eq!(header_of(&plain, header::CONTENT_ENCODING), "", "no Accept-Encoding, no coding");
    assert_eq!(header_of(&plain, header::VARY), "accept-encoding, Origin", "one list");
    let env: serde_json::Value = serde_json::from_slice(&plain.body).expect("JSON");
    assert!(plain.body.len() > 1024, "an environment is larger than a packet: {} bytes", plain.body.len());

    let zipped = app.call(Method::GET, "/v1/environment").header(header::ACCEPT_ENCODING, "gzip, deflate, br, zstd").send().await;
    assert_eq!(zipped.status.as_u16(), 200);
    assert_eq!(header_of(&zipped, header::CONTENT_ENCODING), "gzip");
    assert_eq!(header_of(&zipped, header::VARY), "accept-encoding, Origin");
    assert!(header_of(&zipped, header::CONTENT_TYPE).starts_with("application/json"));
    assert!(zipped.body.len() * 3 < plain.body.len(), "{} gzipped against {} plain", zipped.body.len(), plain.body.len());
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&zipped.body[..]), &mut text).expect("gzip");
    assert_eq!(serde_json::from_str::<serde_json::Value>(&text).expect("JSON"), env, "the same environment");

    for refused in ["gzip;q=0, br", "identity"] {
        let res = app.call(Method::GET, "/v1/environment").header(header::ACCEPT_ENCODING, refused).send().await;
        assert_eq!(header_of(&res, header::CONTENT_ENCODING), "", "{refused}");
        assert_eq!(serde_json::from_slice::<serde_json::Value>(&res.body).expect("JSON"), env, "{refused}");
    }
}
