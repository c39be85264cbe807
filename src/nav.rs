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

use std::cell::RefCell;

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
            if !LEAVING.with(|l| l.borrow_mut().start(&to)) {
                return;
            }
            if let Some(w) = web_sys::window() {
                let location = w.location();
                let _ = if replace { location.replace(&to) } else { location.assign(&to) };
            }
        }
    }
}

thread_local! {
    /// The full navigation this document has started, if any.
    static LEAVING: RefCell<Leaving> = RefCell::new(Leaving::default());
}

/// The address a full navigation is already under way to. A screen that
/// finishes navigates, and the guard re-rendered by the same change asks
/// for the same address; a second `location.replace` would abort the
/// first, so it is skipped. A page restored from the back-forward cache
/// forgets it (`pageshow`), so a later click still leaves.
#[derive(Default)]
struct Leaving {
    to: Option<String>,
    listening: bool,
}

impl Leaving {
    /// Records a full navigation to `to`; false when one to the same
    /// address is already under way.
    fn start(&mut self, to: &str) -> bool {
        if self.to.as_deref() == Some(to) {
            return false;
        }
        self.to = Some(to.to_string());
        if !self.listening {
            self.listening = forget_on_pageshow();
        }
        true
    }

    /// Forgets the navigation (the page is shown again).
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    fn forget(&mut self) {
        self.to = None;
    }
}

/// Clears [`LEAVING`] whenever the page is shown again; true once listening.
fn forget_on_pageshow() -> bool {
    #[cfg(target_arch = "wasm32")]
    {
        use wasm_bindgen::prelude::*;
        let Some(window) = web_sys::window() else { return false };
        let forget = Closure::<dyn Fn()>::new(|| LEAVING.with(|l| l.borrow_mut().forget()));
        let added = window.add_event_listener_with_callback("pageshow", forget.as_ref().unchecked_ref()).is_ok();
        forget.forget();
        added
    }
    #[cfg(not(target_arch = "wasm32"))]
    false
}

#[cfg(test)]
mod tests {
    use super::Leaving;

    #[test]
    fn a_second_full_navigation_to_the_same_address_is_skipped() {
        let mut leaving = Leaving::default();
        assert!(leaving.start("https://app.test/done"));
        assert!(!leaving.start("https://app.test/done"));
        assert!(leaving.start("https://app.test/elsewhere"));
        leaving.forget();
        assert!(leaving.start("https://app.test/elsewhere"));
    }
}
