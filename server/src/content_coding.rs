//! Gzip for answers made by the server rather than read from `dist/`.
//! The portal's files come compressed from the build (`portal_files.rs`);
//! a first visit also waits for the environment (5 KB of JSON) and a
//! message table (10 KB) beside the wasm, and on a slow network every
//! kilobyte of them delays the first screen as much as a kilobyte of wasm.
//! The rest (a client, an error) go out as they are: they are a packet or
//! two, and compressing `GET /v1/client`, the hottest path, would cost
//! more time than it saves.

use axum::http::{header, HeaderMap, HeaderValue};
use std::io::Write;

/// Bodies shorter than this are sent as they are.
pub const MIN_BYTES: usize = 1024;

/// Whether the request's `Accept-Encoding` lines take gzip (listed, or by
/// `*`, and not with `q=0`).
pub fn accepts_gzip(request: &HeaderMap) -> bool {
    let lines: Vec<&str> = request.get_all(header::ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()).collect();
    let weight = |coding: &str| {
        lines.iter().flat_map(|line| line.split(',')).find_map(|item| {
            let mut parts = item.split(';').map(str::trim);
            let name = parts.next()?;
            if !name.eq_ignore_ascii_case(coding) {
                return None;
            }
            let q = parts
                .find(|p| p.get(..2).is_some_and(|k| k.eq_ignore_ascii_case("q=")))
                .map_or(Some(1.0), |p| p[2..].trim().parse::<f32>().ok());
            Some(q.unwrap_or(0.0))
        })
    };
    weight("gzip").or_else(|| weight("*")).is_some_and(|q| q > 0.0)
}

/// `body` gzipped at `level` (0 to 9); `None` if the encoder failed.
pub fn gzip(body: &[u8], level: u32) -> Option<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(level));
    encoder.write_all(body).ok()?;
    encoder.finish().ok()
}

/// The JSON answer `body`: gzipped (with `Content-Encoding`) when the
/// request takes gzip and the body is worth it, as it is otherwise. Either
/// way it says `Vary: Accept-Encoding`, so a cache keeps the two apart.
pub fn json(request: &HeaderMap, body: Vec<u8>) -> axum::response::Response {
    use axum::response::IntoResponse;
    let content_type = (header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    let vary = (header::VARY, HeaderValue::from_static("accept-encoding"));
    let zipped = (body.len() >= MIN_BYTES && accepts_gzip(request)).then(|| gzip(&body, 6)).flatten();
    match zipped {
        Some(zipped) => ([content_type, vary, (header::CONTENT_ENCODING, HeaderValue::from_static("gzip"))], zipped).into_response(),
        None => ([content_type, vary], body).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asking(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn gzip_is_taken_when_listed_or_by_star_and_not_at_q_zero() {
        for yes in ["gzip, deflate, br, zstd", "br;q=1.0, gzip;q=0.5", "GZIP", "*", "br, *;q=0.1"] {
            assert!(accepts_gzip(&asking(yes)), "{yes}");
        }
        for no in ["br", "gzip;q=0", "gzip; Q=0, br", "*;q=0", "identity", "br, gzip;q=0, *"] {
            assert!(!accepts_gzip(&asking(no)), "{no}");
        }
        assert!(!accepts_gzip(&HeaderMap::new()));
        let mut two_lines = asking("br");
        two_lines.append(header::ACCEPT_ENCODING, HeaderValue::from_static("gzip"));
        assert!(accepts_gzip(&two_lines), "a second Accept-Encoding line counts");
    }
}
