//! The page's own address, parsed once: its path, its query and its
//! fragment. The fragment's part after `?` is a second query (clerk-js puts
//! `redirect_url` there when `setActive` sends a pending session to a task
//! URL); its part before names a step of a screen (the chosen method), so a reload
//! stays on it.

use wasm_bindgen::JsValue;
use web_sys::{Location, UrlSearchParams};

/// The query parameter that says where to go once the user is done.
const REDIRECT_URL: &str = "redirect_url";

/// The page's own origin (`https://accounts.example.com`); empty outside a
/// browser.
pub fn page_origin() -> String {
    web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default()
}

/// The page's address.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Here {
    path: String,
    query: String,
    fragment: String,
}

impl Here {
    /// The current page (`/` outside a browser).
    pub fn current() -> Here {
        let location = web_sys::window().map(|w| w.location());
        let read = |part: fn(&Location) -> Result<String, JsValue>| location.as_ref().and_then(|l| part(l).ok()).unwrap_or_default();
        Here::parse(&read(Location::pathname), &read(Location::search), &read(Location::hash))
    }

    /// An address from the browser's `pathname`, `search` (with or without
    /// its `?`) and `hash` (with or without its `#`).
    pub fn parse(path: &str, search: &str, hash: &str) -> Here {
        Here {
            path: if path.is_empty() { "/".to_string() } else { path.to_string() },
            query: search.strip_prefix('?').unwrap_or(search).to_string(),
            fragment: hash.strip_prefix('#').unwrap_or(hash).to_string(),
        }
    }

    /// The value of a query parameter: from the query, else from the
    /// fragment's query.
    pub fn param(&self, name: &str) -> Option<String> {
        let get = |query: &str| UrlSearchParams::new_with_str(query).ok()?.get(name);
        get(&self.query).or_else(|| get(self.fragment_query()?))
    }

    /// The page's `redirect_url`, not yet validated.
    pub fn redirect_url(&self) -> Option<String> {
        self.param(REDIRECT_URL)
    }

    /// The path with its query, for coming back here after sign-in.
    pub fn path_and_query(&self) -> String {
        if self.query.is_empty() {
            self.path.clone()
        } else {
            format!("{}?{}", self.path, self.query)
        }
    }

    /// The fragment's part before its query: the step a screen is on.
    pub fn fragment_key(&self) -> &str {
        self.fragment.split('?').next().unwrap_or_default()
    }

    /// The fragment's query: what follows its first `?`.
    fn fragment_query(&self) -> Option<&str> {
        self.fragment.split_once('?').map(|(_, query)| query)
    }

    /// This address with the fragment's key set to `key` (none when empty),
    /// keeping the fragment's query.
    pub fn with_fragment_key(&self, key: &str) -> String {
        let query = self.fragment_query().map(|q| format!("?{q}")).unwrap_or_default();
        let fragment = if key.is_empty() && query.is_empty() { String::new() } else { format!("#{key}{query}") };
        format!("{}{fragment}", self.path_and_query())
    }

    /// Keeps `key` in the current page's fragment without a navigation.
    pub fn remember_fragment_key(key: &str) {
        let Some(w) = web_sys::window() else { return };
        if let Ok(history) = w.history() {
            let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&Here::current().with_fragment_key(key)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Here;

    #[test]
    fn the_fragment_has_a_key_and_a_query() {
        let here = Here::parse("/sign-in/tasks/setup-mfa", "", "#app?redirect_url=http%3A%2F%2Fa");
        assert_eq!(here.fragment_key(), "app");
        assert_eq!(here.fragment_query(), Some("redirect_url=http%3A%2F%2Fa"));
        assert_eq!(Here::parse("/", "", "#?a=1&b=2").fragment_query(), Some("a=1&b=2"));
        assert_eq!(Here::parse("/", "", "#/section").fragment_query(), None);
        assert_eq!(Here::parse("/", "", "").fragment_query(), None);
        assert_eq!(Here::parse("/", "", "").fragment_key(), "");
    }

    #[test]
    fn the_fragment_key_is_replaced_and_its_query_kept() {
        let here = Here::parse("/sign-in/tasks/setup-mfa", "?x=1", "#app?redirect_url=%2F");
        assert_eq!(here.with_fragment_key("sms"), "/sign-in/tasks/setup-mfa?x=1#sms?redirect_url=%2F");
        assert_eq!(here.with_fragment_key(""), "/sign-in/tasks/setup-mfa?x=1#?redirect_url=%2F");
        assert_eq!(Here::parse("/a", "", "#app").with_fragment_key(""), "/a");
    }

    #[test]
    fn the_path_keeps_its_query() {
        assert_eq!(Here::parse("/", "?redirect_url=%2Fa", "").path_and_query(), "/?redirect_url=%2Fa");
        assert_eq!(Here::parse("/sign-in", "", "#x").path_and_query(), "/sign-in");
        assert_eq!(Here::parse("", "", "").path_and_query(), "/");
    }
}
