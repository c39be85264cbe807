//! The `transfer_*` lines of `cargo xtask bench`: the bytes a browser
//! receives (status line, headers and body) to show `/sign-in`, on a first
//! visit with `Accept-Encoding: br, gzip` and on a repeat visit with what
//! that first visit left in its cache (the files named with their content
//! hash are not asked for again; the rest is asked with `If-None-Match`).
//! The reference, measured in the same run, is the same first visit from a
//! browser that accepts no compression.

use std::collections::HashMap;

use crate::Result;

/// One response as the browser received it.
struct Received {
    bytes: u64,
    etag: Option<String>,
    immutable: bool,
}

/// What the three visits cost.
pub struct Transfer {
    /// First visit, compressed variants accepted.
    pub first: u64,
    /// Repeat visit after that one.
    pub repeat: u64,
    /// First visit without compression (the reference).
    pub identity: u64,
    /// Each file of the first visit: path and bytes.
    pub files: Vec<(String, u64)>,
}

/// Measures the three visits of `/sign-in` on `base`.
pub async fn measure(base: &str) -> Result<Transfer> {
    // No automatic decompression (reqwest is built without it), so a body's
    // length is what crossed the wire.
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;
    let get = |path: String, encodings: &'static str, if_none_match: Option<String>| {
        let http = http.clone();
        let url = format!("{base}{path}");
        async move {
            let mut req = http.get(&url).header("Accept-Encoding", encodings);
            if let Some(tag) = if_none_match {
                req = req.header("If-None-Match", tag);
            }
            let res = req.send().await?;
            let status = res.status();
            if !(status.is_success() || status == reqwest::StatusCode::NOT_MODIFIED) {
                return Err(format!("GET {url} answered {status}").into());
            }
            let header = |name: &str| res.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
            let (etag, immutable) = (header("etag"), header("cache-control").is_some_and(|c| c.contains("immutable")));
            let head: usize = "HTTP/1.1 200 OK\r\n\r\n".len() + res.headers().iter().map(|(k, v)| k.as_str().len() + v.len() + 4).sum::<usize>();
            let body = res.bytes().await?;
            Ok::<_, crate::Error>((Received { bytes: (head + body.len()) as u64, etag, immutable }, body))
        }
    };
    let (page, html) = get("/sign-in".into(), "identity", None).await?;
    let text = String::from_utf8_lossy(&html);
    let mut assets = referenced(&text);
    // The message table the page's script asks for (English here), which
    // no attribute names.
    if text.contains("/locale/") {
        assets.push("/locale/en.json".to_string());
    }
    let mut identity = page.bytes;
    for path in &assets {
        identity += get(path.clone(), "identity", None).await?.0.bytes;
    }
    let mut seen: HashMap<String, Received> = HashMap::new();
    let mut files = Vec::new();
    for path in std::iter::once("/sign-in".to_string()).chain(assets.iter().cloned()) {
        let (received, _) = get(path.clone(), "br, gzip", None).await?;
        files.push((path.clone(), received.bytes));
        seen.insert(path, received);
    }
    let first = files.iter().map(|(_, b)| b).sum();
    let mut repeat = 0;
    for (path, before) in &seen {
        if before.immutable {
            continue;
        }
        repeat += get(path.clone(), "br, gzip", before.etag.clone()).await?.0.bytes;
    }
    Ok(Transfer { first, repeat, identity, files })
}

/// The same-origin paths (`/...` with an extension) `html` refers to, once
/// each, in order.
fn referenced(html: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for token in html.split(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '=' | '>' | '<' | '(' | ')' | ';' | ',')) {
        let is_file = token.starts_with('/') && !token.starts_with("//") && token.rsplit('/').next().is_some_and(|n| n.contains('.'));
        if is_file && !out.iter().any(|p| p == token) {
            out.push(token.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::referenced;

    #[test]
    fn finds_each_asset_of_a_trunk_page_once() {
        let html = "<link href=/app-1.css rel=stylesheet><link href=/theme.css rel=stylesheet><script type=module>import init from '/app-1.js';\n\
                    await init({ module_or_path: '/app-1_bg.wasm' });</script><link href=/app-1.js rel=modulepreload>";
        assert_eq!(referenced(html), ["/app-1.css", "/theme.css", "/app-1.js", "/app-1_bg.wasm"]);
    }
}
