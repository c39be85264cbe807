//! The publishable key an application gives `@clerk/clerk-js` to reach this
//! server: `pk_test_` (development) or `pk_live_` (production), then the
//! unpadded base64 of `"<frontend API host>$"`, as Clerk builds its own.
//!
//! The SDK reads two things from it: the instance type (from the prefix) and
//! the frontend API host. A host ending in `.lcl.dev` (or `accounts.dev`)
//! makes a development SDK use a dev-browser token (`__clerk_db_jwt`)
//! instead of the `__client` cookie, which is what an application on
//! another site needs; any other host keeps it in cookie mode. Over plain
//! http the SDK reaches the server only through its `proxyUrl` option, so
//! the host in the key names the instance but is not dialled.

use base64::Engine;

/// The suffix that puts a development SDK in dev-browser mode.
pub const DEV_BROWSER_SUFFIX: &str = ".lcl.dev";

/// `pk_test_…` or `pk_live_…` for the frontend API at `host` (a host name,
/// optionally with a port, such as `127.0.0.1:8080`).
pub fn for_host(development: bool, host: &str) -> String {
    let prefix = if development { "pk_test_" } else { "pk_live_" };
    let encoded = base64::engine::general_purpose::STANDARD_NO_PAD.encode(format!("{host}$"));
    format!("{prefix}{encoded}")
}

/// The host of a public URL (`http://127.0.0.1:8080/x` → `127.0.0.1:8080`).
pub fn host_of(public_url: &str) -> &str {
    let rest = public_url.split_once("://").map_or(public_url, |(_, r)| r);
    rest.split(['/', '?', '#']).next().unwrap_or(rest)
}

/// The host that names this instance in dev-browser mode: the public host
/// with `:` and `.` turned into `-`, under [`DEV_BROWSER_SUFFIX`]
/// (`127.0.0.1:8080` → `127-0-0-1-8080.lcl.dev`).
pub fn dev_browser_host(host: &str) -> String {
    let label: String = host.chars().map(|c| if c == ':' || c == '.' { '-' } else { c }).collect();
    format!("{label}{DEV_BROWSER_SUFFIX}")
}

/// The instance's keys: the cookie-mode key for its public URL and, for a
/// development instance, the dev-browser-mode key.
pub fn keys(development: bool, public_url: &str) -> (String, Option<String>) {
    let host = host_of(public_url);
    let cookie = for_host(development, host);
    let dev_browser = development.then(|| for_host(true, &dev_browser_host(host)));
    (cookie, dev_browser)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_clerks_format() {
        // Clerk's own development key for `foo-bar-13.clerk.accounts.dev`.
        assert_eq!(for_host(true, "foo-bar-13.clerk.accounts.dev"), "pk_test_Zm9vLWJhci0xMy5jbGVyay5hY2NvdW50cy5kZXYk");
        assert_eq!(for_host(false, "clerk.example.com"), "pk_live_Y2xlcmsuZXhhbXBsZS5jb20k");
    }

    #[test]
    fn host_and_dev_browser_host() {
        assert_eq!(host_of("http://127.0.0.1:8080/"), "127.0.0.1:8080");
        assert_eq!(host_of("https://accounts.acme.com"), "accounts.acme.com");
        assert_eq!(dev_browser_host("127.0.0.1:8080"), "127-0-0-1-8080.lcl.dev");
        let (cookie, dev) = keys(true, "http://127.0.0.1:8080");
        assert_eq!(cookie, for_host(true, "127.0.0.1:8080"));
        assert_eq!(dev.as_deref(), Some(for_host(true, "127-0-0-1-8080.lcl.dev").as_str()));
        assert_eq!(keys(false, "https://a.example").1, None);
    }
}
