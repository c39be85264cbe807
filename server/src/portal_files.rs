//! Serving the built portal: the brotli and gzip variants made at build
//! time (`cargo xtask build-portal` writes `<file>.br` and `<file>.gz`
//! beside each file) to browsers that accept them, a cache policy by file
//! (a file whose name carries its content hash never changes, so browsers
//! keep it a year without asking; `index.html` and the rest are asked
//! again every time), and an `ETag` per representation so that asking
//! again costs a `304` with no body.

use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::SystemTime;
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

use crate::error::ApiError;

/// For files named with their content hash.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// For everything else: use the cached copy only after asking.
const REVALIDATE: &str = "no-cache";

/// Serves `req` from the portal directory `dir`: the file it names, or
/// `index.html` for the portal's client-side routes.
pub async fn serve(dir: &Path, req: Request) -> Response {
    let file = served_file(dir, req.uri().path());
    let if_none_match = req.headers().get(header::IF_NONE_MATCH).cloned();
    let index = dir.join("index.html");
    let service = ServeDir::new(dir)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(ServeFile::new(index).precompressed_br().precompressed_gzip());
    let mut res = match service.oneshot(req).await {
        Ok(res) => res.into_response(),
        Err(e) => return ApiError::internal(e).into_response(),
    };
    let headers = res.headers_mut();
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    let policy = if has_content_hash(&file) { IMMUTABLE } else { REVALIDATE };
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    if !matches!(res.status(), StatusCode::OK | StatusCode::PARTIAL_CONTENT) {
        return res;
    }
    let Some(tag) = etag(&file, res.headers()) else { return res };
    if res.status() == StatusCode::OK && if_none_match.as_ref().is_some_and(|given| matches(given, &tag)) {
        let mut not_modified = StatusCode::NOT_MODIFIED.into_response();
        for name in [header::VARY, header::CACHE_CONTROL] {
            if let Some(v) = res.headers().get(&name) {
                not_modified.headers_mut().insert(name, v.clone());
            }
        }
        not_modified.headers_mut().insert(header::ETAG, tag);
        return not_modified;
    }
    res.headers_mut().insert(header::ETAG, tag);
    res
}

/// The file a path is answered with: the file itself when the portal has
/// it, `index.html` otherwise.
fn served_file(dir: &Path, path: &str) -> PathBuf {
    let relative = path.trim_start_matches('/');
    let safe = !relative.is_empty() && relative.split('/').all(|part| !part.is_empty() && part != "." && part != "..");
    let candidate = dir.join(relative);
    if safe && candidate.is_file() {
        candidate
    } else {
        dir.join("index.html")
    }
}

/// Whether a file name carries a content hash, as trunk writes them:
/// `name-<hash>.ext` or `name-<hash>_bg.wasm`, the hash a 64-bit number in
/// hex without leading zeros (so one name in sixteen has 15 digits); 8 to
/// 16 digits are taken as a hash.
pub fn has_content_hash(file: &Path) -> bool {
    let Some(stem) = file.file_name().and_then(|n| n.to_str()).and_then(|n| n.split('.').next()) else {
        return false;
    };
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-').is_some_and(|(_, hash)| (8..=16).contains(&hash.len()) && hash.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The strong `ETag` of the representation in `headers` of `file`: the
/// content hash of the variant sent (`file.br`, `file.gz` or `file`),
/// marked with its content coding.
fn etag(file: &Path, headers: &HeaderMap) -> Option<HeaderValue> {
    let (suffix, mark) = match headers.get(header::CONTENT_ENCODING).and_then(|v| v.to_str().ok()) {
        Some("br") => (".br", "-br"),
        Some("gzip") => (".gz", "-gz"),
        _ => ("", ""),
    };
    let mut variant = file.as_os_str().to_owned();
    variant.push(suffix);
    let hash = content_hash(Path::new(&variant))?;
    HeaderValue::from_str(&format!("\"{hash}{mark}\"")).ok()
}

/// Whether an `If-None-Match` value names `tag` (or is `*`).
pub(crate) fn matches(given: &HeaderValue, tag: &HeaderValue) -> bool {
    let Ok(given) = given.to_str() else { return false };
    let tag = tag.to_str().unwrap_or_default();
    given.split(',').map(|t| t.trim().trim_start_matches("W/")).any(|t| t == "*" || t == tag)
}

/// The first 16 hex digits of the SHA-256 of `file`, remembered while the
/// file's size and modification time stay the same.
fn content_hash(file: &Path) -> Option<String> {
    type Seen = HashMap<PathBuf, (u64, SystemTime, String)>;
    static SEEN: OnceLock<Mutex<Seen>> = OnceLock::new();
    let meta = std::fs::metadata(file).ok()?;
    let (len, modified) = (meta.len(), meta.modified().ok()?);
    let seen = SEEN.get_or_init(Default::default);
    if let Some((l, m, hash)) = seen.lock().ok()?.get(file) {
        if *l == len && *m == modified {
            return Some(hash.clone());
        }
    }
    let digest = Sha256::digest(std::fs::read(file).ok()?);
    let hash: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    seen.lock().ok()?.insert(file.to_path_buf(), (len, modified, hash.clone()));
    Some(hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trunk_names_carry_their_hash() {
        for hashed in [
            "vestibule-portal-e3b43f225bb38583.js",
            "vestibule-portal-e3b43f225bb38583_bg.wasm",
            "vestibule-9709e245670846c6.css",
            "vestibule-portal-2687343d3dd5764.js",
            "vestibule-portal-2687343d3dd5764_bg.wasm",
        ] {
            assert!(has_content_hash(Path::new(hashed)), "{hashed}");
        }
        for plain in ["index.html", "theme.css", "vestibule-portal.js", "a-e3b43f2.js", "a-e3b43f225bb3858z.js", "a-e3b43f225bb385830.js"] {
            assert!(!has_content_hash(Path::new(plain)), "{plain}");
        }
    }

    #[test]
    fn if_none_match_lists_and_weak_tags_match() {
        let tag = HeaderValue::from_static("\"abc-br\"");
        assert!(matches(&HeaderValue::from_static("\"x\", \"abc-br\""), &tag));
        assert!(matches(&HeaderValue::from_static("W/\"abc-br\""), &tag));
        assert!(matches(&HeaderValue::from_static("*"), &tag));
        assert!(!matches(&HeaderValue::from_static("\"abc\""), &tag));
    }
}
