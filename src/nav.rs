//! Every portal URL in one place: the paths built from [`Route`] and the
//! provider's configuration ([`Urls`]), the page's own address read once
//! ([`Here`]), and moving the browser ([`go`]). No screen writes a portal
//! path itself.
//!
//! [`Route`]: crate::route::Route

mod here;
mod urls;

pub use here::{page_origin, Here};
pub use urls::{task_path, Urls};
pub use vestibule_protocol::url::with_redirect_url;

use yew_router::prelude::*;
use yew_router::AnyRoute;

/// Goes to `target` (already validated): inside the app through the router
/// when it is on this origin, by a full navigation otherwise. `replace`
/// keeps the current entry out of the history (used by guards, so Back
/// does not loop).
pub fn go(navigator: Option<&Navigator>, target: &str, replace: bool) {
    let origin = page_origin();
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
