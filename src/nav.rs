//! Moving the browser: inside the app through the router when the target
//! is on this origin, by a full navigation otherwise; and reading the
//! page's query string.

use yew_router::prelude::*;
use yew_router::AnyRoute;

/// The value of a query parameter of the current page.
pub fn query_param(name: &str) -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    web_sys::UrlSearchParams::new_with_str(&search).ok()?.get(name)
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
