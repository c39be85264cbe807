//! Moving the browser: inside the app through the router when the target
//! is on this origin, by a full navigation otherwise; and reading the
//! page's query string.

use yew_router::prelude::*;
use yew_router::AnyRoute;

/// The value of a query parameter of the current page: from its query
/// string, else from the query part of its fragment (`#/?redirect_url=...`),
/// which is where clerk-js puts `redirect_url` when `setActive` sends a
/// pending session to a task URL.
pub fn query_param(name: &str) -> Option<String> {
    let location = web_sys::window()?.location();
    let get = |query: &str| web_sys::UrlSearchParams::new_with_str(query).ok()?.get(name);
    get(&location.search().ok()?).or_else(|| get(hash_query(&location.hash().ok()?)?))
}

/// The query part of a fragment: what follows its first `?`.
fn hash_query(hash: &str) -> Option<&str> {
    hash.split_once('?').map(|(_, query)| query)
}

/// The current path with its query string.
pub fn here() -> String {
    web_sys::window()
        .and_then(|w| {
            let l = w.location();
            Some(format!("{}{}", l.pathname().ok()?, l.search().ok()?))
        })
        .unwrap_or_else(|| "/".to_string())
}

/// Goes to `target` (already validated). `replace` keeps the current entry
/// out of the history (used by guards, so Back does not loop).
pub fn go(navigator: Option<&Navigator>, target: &str, replace: bool) {
    let origin = crate::session::provider::page_origin();
    let local = if target.starts_with('/') && !target.starts_with("//") {
        Some(target.to_string())
    } else {
        target
            .strip_prefix(origin.as_str())
            .filter(|rest| rest.is_empty() || rest.starts_with('/') || rest.starts_with('?'))
            .map(|rest| if rest.starts_with('/') { rest.to_string() } else { format!("/{rest}") })
    };
    match (local, navigator) {
        (Some(path), Some(nav)) => {
            let route = AnyRoute::new(path);
            if replace {
                nav.replace(&route)
            } else {
                nav.push(&route)
            }
        }
        (path, _) => {
            let to = path.unwrap_or_else(|| target.to_string());
            if let Some(w) = web_sys::window() {
                let location = w.location();
                let _ = if replace { location.replace(&to) } else { location.assign(&to) };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::hash_query;

    #[test]
    fn the_query_of_a_fragment() {
        assert_eq!(hash_query("#/?redirect_url=http%3A%2F%2Fa"), Some("redirect_url=http%3A%2F%2Fa"));
        assert_eq!(hash_query("#?a=1&b=2"), Some("a=1&b=2"));
        assert_eq!(hash_query("#/section"), None);
        assert_eq!(hash_query(""), None);
    }
}
