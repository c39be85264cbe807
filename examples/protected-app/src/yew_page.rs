//! The Yew page (`examples/yew-app`, built by trunk into its `dist/`):
//! `index.html` at the page's routes, with the portal's URL filled in, and
//! its files under `/yew/` (trunk's `public_url`).

use crate::pages::escape;
use crate::routes::BuildError;
use axum::http::header;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use axum::Router;
use std::path::Path;
use std::sync::Arc;
use tower_http::services::ServeDir;

/// What `index.html` says where the portal's URL goes.
pub const PORTAL_PLACEHOLDER: &str = "__VESTIBULE_PORTAL__";

/// The routes the Yew application renders (its `Route` enum).
pub const ROUTES: [&str; 2] = ["/app", "/session-tasks/choose-organization"];

/// `dist/index.html` with the portal's URL (`frontend_api`) filled in.
pub fn index_page(dist: &Path, frontend_api: &str) -> Result<String, BuildError> {
    let path = dist.join("index.html");
    let html = std::fs::read_to_string(&path).map_err(|e| BuildError::YewPage(format!("{}: {e}", path.display())))?;
    if !html.contains(PORTAL_PLACEHOLDER) {
        return Err(BuildError::YewPage(format!("{} has no {PORTAL_PLACEHOLDER} to fill in", path.display())));
    }
    Ok(html.replace(PORTAL_PLACEHOLDER, &escape(frontend_api)))
}

/// The Yew page's routes and files, from trunk's output `dist`.
pub fn router(dist: &Path, frontend_api: &str) -> Result<Router, BuildError> {
    let page: Arc<str> = index_page(dist, frontend_api)?.into();
    let serve = move || {
        let page = page.clone();
        async move { ([(header::CACHE_CONTROL, "no-cache")], Html(page.to_string())).into_response() }
    };
    let routes = ROUTES.iter().fold(Router::new(), |router, path| router.route(path, get(serve.clone())));
    Ok(routes.nest_service("/yew", ServeDir::new(dist)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    /// A fresh directory with `index.html` (`index`) and `yew-app.js`.
    fn dist(index: &str) -> std::path::PathBuf {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or_default();
        let dir = std::env::temp_dir().join(format!("vestibule-example-yew-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        std::fs::write(dir.join("index.html"), index).expect("index.html");
        std::fs::write(dir.join("yew-app.js"), "export default 1;").expect("js");
        dir
    }

    async fn get(router: &Router, path: &str) -> (StatusCode, String) {
        let res = router.clone().oneshot(Request::builder().uri(path).body(Body::empty()).expect("request")).await.expect("infallible");
        let status = res.status();
        (status, String::from_utf8(res.into_body().collect().await.expect("body").to_bytes().to_vec()).expect("utf-8"))
    }

    #[tokio::test]
    async fn the_page_is_served_at_its_routes_with_the_portal_filled_in_and_its_files_under_yew() {
        let dir = dist(r#"<meta name="vestibule-portal" content="__VESTIBULE_PORTAL__"><script src="/yew/yew-app.js"></script>"#);
        let router = router(&dir, "http://accounts.test/?a=1&b=2").expect("router");
        for path in ROUTES {
            let (status, body) = get(&router, path).await;
            assert_eq!(status, StatusCode::OK, "{path}");
            assert!(body.contains(r#"content="http://accounts.test/?a=1&amp;b=2""#), "{path}: {body}");
        }
        assert_eq!(get(&router, "/yew/yew-app.js").await, (StatusCode::OK, "export default 1;".to_string()));
        assert_eq!(get(&router, "/dashboard").await.0, StatusCode::NOT_FOUND, "the server's pages are not the Yew page");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_dist_that_is_not_the_yew_page_is_refused() {
        let dir = dist("<p>no placeholder</p>");
        assert!(matches!(router(&dir, "http://accounts.test"), Err(BuildError::YewPage(_))));
        assert!(matches!(router(&dir.join("missing"), "http://accounts.test"), Err(BuildError::YewPage(_))));
        let _ = std::fs::remove_dir_all(dir);
    }
}
