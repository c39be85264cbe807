//! What the portal says, in the user's language: the locale is chosen
//! (`?locale=`, then the operator's `default_locale`, then the browser's
//! languages, then English), its message table is fetched from the server
//! (`/locale/<tag>.json`, the built-in table with the operator's file
//! merged over it) rather than compiled in, and every screen reads its
//! words from it by name. Counts and numbers go through the browser's
//! `Intl`, errors are found by the server's error code with the server's
//! own message as the fallback.

use std::rc::Rc;
use vestibule_protocol::error::WireError;
use wasm_bindgen::JsCast;

/// The locales the portal ships, English first (the fallback).
pub const LOCALES: [&str; 6] = ["en", "fr", "de", "es", "ja", "ar"];

/// Locales written right to left.
const RIGHT_TO_LEFT: [&str; 1] = ["ar"];

/// The locale to use: the first of `wanted` (most wanted first: the
/// `?locale=` parameter, the operator's default, the browser's languages)
/// that the portal ships, by its language (`fr-CA` is `fr`); English when
/// none is. An unknown tag is passed over, never an error.
pub fn choose<'a>(wanted: impl IntoIterator<Item = &'a str>) -> &'static str {
    wanted.into_iter().find_map(shipped).unwrap_or(LOCALES[0])
}

/// The shipped locale of `tag`'s language (`fr-CA` is `fr`), if any.
fn shipped(tag: &str) -> Option<&'static str> {
    let language = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
    LOCALES.into_iter().find(|l| *l == language)
}

/// A message table for one locale: the object `JSON.parse` made of the
/// served table, read in place (no copy into Rust maps, which would cost
/// the portal's wasm more than all its words).
#[derive(Clone, Debug, Default)]
pub struct Messages {
    tag: &'static str,
    table: Rc<js_sys::Object>,
}

/// The same table of the same locale.
impl PartialEq for Messages {
    fn eq(&self, other: &Messages) -> bool {
        self.tag == other.tag && Rc::ptr_eq(&self.table, &other.table)
    }
}

impl Messages {
    /// The table of `tag` (one of [`LOCALES`]) from its JSON text (a flat
    /// object of strings).
    pub fn from_json(tag: &'static str, json: &str) -> Option<Messages> {
        let table = js_sys::JSON::parse(json).ok()?.dyn_into::<js_sys::Object>().ok()?;
        Some(Messages { tag, table: Rc::new(table) })
    }

    /// The text called `key`, if the table has it.
    fn get(&self, key: &str) -> Option<String> {
        js_sys::Reflect::get(&self.table, &key.into()).ok()?.as_string()
    }

    /// Whether no table came (yet).
    pub fn is_empty(&self) -> bool {
        js_sys::Object::keys(&self.table).length() == 0
    }

    /// The locale's tag, for `<html lang>` and `Intl`.
    pub fn tag(&self) -> &'static str {
        if self.tag.is_empty() {
            LOCALES[0]
        } else {
            self.tag
        }
    }

    /// `rtl` or `ltr`, for `<html dir>`.
    pub fn dir(&self) -> &'static str {
        if RIGHT_TO_LEFT.contains(&self.tag()) {
            "rtl"
        } else {
            "ltr"
        }
    }

    /// The text called `key`. The served tables are complete, so a missing
    /// key means no table came: the key itself shows, which the journeys
    /// catch.
    pub fn t(&self, key: &str) -> String {
        self.get(key).unwrap_or_else(|| key.to_string())
    }

    /// The text called `key`, or `fallback` when the table has none (a name
    /// the server gives, such as a role's, for which a locale may have a
    /// better word).
    pub fn t_or(&self, key: &str, fallback: &str) -> String {
        self.get(key).unwrap_or_else(|| fallback.to_string())
    }

    /// The text called `key` with each `{name}` replaced by its value.
    pub fn fmt(&self, key: &str, args: &[(&str, &str)]) -> String {
        fill(self.t(key), args)
    }

    /// The text for `count` of something: `key.<category>` by the
    /// locale's plural rules (`one`, `two`, `few`, `many`, `other`, ...),
    /// `key.other` when the locale has no text for that category; `{count}`
    /// is the number written the locale's way.
    pub fn count(&self, key: &str, count: u32, args: &[(&str, &str)]) -> String {
        let category = plural_category(self.tag(), count);
        let text = self.get(&format!("{key}.{category}")).unwrap_or_else(|| self.t(&format!("{key}.other")));
        let number = self.number(count);
        let mut all = vec![("count", number.as_str())];
        all.extend_from_slice(args);
        fill(text, &all)
    }

    /// `n` written the locale's way (`Intl.NumberFormat`).
    pub fn number(&self, n: u32) -> String {
        let format = js_sys::Intl::NumberFormat::new(&locales(self.tag()), &js_sys::Object::new());
        format
            .format()
            .call1(&wasm_bindgen::JsValue::NULL, &n.into())
            .ok()
            .and_then(|s| s.as_string())
            .unwrap_or_else(|| n.to_string())
    }

    /// The message for a server error: `error.<code>.<param>`, then
    /// `error.<code>`, then the server's own message. An error whose words
    /// hold a number is counted (`error.<code>.<category>` with `{count}`):
    /// a lockout's minutes, or the number the server's message names (the
    /// shortest password allowed).
    pub fn error(&self, error: &WireError) -> String {
        let code = &error.code;
        if self.get(&format!("error.{code}.other")).is_some() {
            let count = match error.meta.lockout_expires_in_seconds {
                Some(seconds) => u32::try_from((seconds.max(1) + 59) / 60).ok(),
                None => first_number(&error.long_message),
            };
            if let Some(count) = count {
                return self.count(&format!("error.{code}"), count, &[]);
            }
        }
        let by_param = error.meta.param_name.as_ref().map(|p| format!("error.{code}.{p}"));
        by_param
            .into_iter()
            .chain(std::iter::once(format!("error.{code}")))
            .find_map(|key| self.get(&key))
            .unwrap_or_else(|| error.long_message.clone())
    }
}

/// The first whole number in `text`.
fn first_number(text: &str) -> Option<u32> {
    let digits: String = text.chars().skip_while(|c| !c.is_ascii_digit()).take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// `text` with each `{name}` replaced.
fn fill(mut text: String, args: &[(&str, &str)]) -> String {
    for (name, value) in args {
        text = text.replace(&format!("{{{name}}}"), value);
    }
    text
}

/// `[tag]`, as `Intl` takes locales.
fn locales(tag: &str) -> js_sys::Array {
    js_sys::Array::of1(&tag.into())
}

/// `Intl.PluralRules(tag).select(count)`.
fn plural_category(tag: &str, count: u32) -> String {
    js_sys::Intl::PluralRules::new(&locales(tag), &js_sys::Object::new())
        .select(count as f64)
        .as_string()
        .unwrap_or_else(|| "other".to_string())
}

/// Puts `lang` and `dir` of `messages` on `<html>`, and the page's title
/// in their words: what the hosted portal does once its table came (an
/// application embedding the components keeps its own page's; each card
/// carries its `lang` and `dir`).
pub fn apply_to_document(messages: &Messages) {
    if messages.is_empty() {
        return;
    }
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
    if let Some(html) = document.document_element() {
        let _ = html.set_attribute("lang", messages.tag());
        let _ = html.set_attribute("dir", messages.dir());
    }
    document.set_title(&messages.t("common.page_title"));
}

/// Where the tab keeps the locale `?locale=` chose, so that a reload or a
/// link to another screen (which carries no `?locale=`) keeps it.
const ASKED_KEY: &str = "vb-locale";

/// The locale the page asks for: `?locale=` (kept for the tab when the
/// portal ships it), else the one kept earlier in this tab.
pub fn asked() -> Option<String> {
    let storage = web_sys::window().and_then(|w| w.session_storage().ok().flatten());
    match crate::nav::Here::current().param("locale") {
        Some(tag) => {
            if let Some(storage) = &storage {
                let _ = if shipped(&tag).is_some() { storage.set_item(ASKED_KEY, &tag) } else { storage.remove_item(ASKED_KEY) };
            }
            Some(tag)
        }
        None => storage.and_then(|s| s.get_item(ASKED_KEY).ok().flatten()),
    }
}

/// The browser's languages, most wanted first (`navigator.languages`).
pub fn browser_languages() -> Vec<String> {
    web_sys::window()
        .map(|w| w.navigator().languages().iter().filter_map(|l| l.as_string()).collect())
        .unwrap_or_default()
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod keys_tests {
    //! The code and the English table name the same messages (the server's
    //! tests hold every other locale to the English keys).

    use std::collections::BTreeSet;
    use std::path::Path;

    const ROOT: &str = env!("CARGO_MANIFEST_DIR");

    /// The keys of `locales/en.json` (one `"key": "text"` a line).
    fn english_keys() -> BTreeSet<String> {
        let text = std::fs::read_to_string(Path::new(ROOT).join("locales/en.json")).expect("locales/en.json");
        text.lines().filter_map(|l| l.trim().strip_prefix('"')?.split_once("\":").map(|(k, _)| k.to_string())).collect()
    }

    /// Every Rust source file's text under `src/`.
    fn sources(dir: &Path, out: &mut String) {
        for entry in std::fs::read_dir(dir).expect("src").flatten() {
            let path = entry.path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push_str(&std::fs::read_to_string(&path).expect("source"));
            }
        }
    }

    /// The string literals of `source` shaped like a key (`a.b`, lower
    /// case). Every stretch between two quotes is looked at, so an escaped
    /// quote cannot hide the literals after it; code between literals never
    /// has a key's shape.
    fn key_literals(source: &str) -> BTreeSet<String> {
        source
            .split('"')
            .filter(|s| s.contains('.') && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.'))
            .filter(|s| !s.ends_with(".txt") && !s.starts_with('.') && !s.ends_with('.'))
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn every_key_the_code_names_is_in_the_english_table() {
        let keys = english_keys();
        let mut source = String::new();
        sources(&Path::new(ROOT).join("src"), &mut source);
        let missing: Vec<_> = key_literals(&source).into_iter().filter(|k| !keys.contains(k) && !keys.contains(&format!("{k}.other"))).collect();
        assert!(missing.is_empty(), "named in the code but not in locales/en.json: {missing:?}");
    }

    #[test]
    fn every_english_key_is_used() {
        let mut source = String::new();
        sources(&Path::new(ROOT).join("src"), &mut source);
        let codes = std::fs::read_to_string(Path::new(ROOT).join("protocol/src/error.rs")).expect("protocol/src/error.rs");
        let used = |key: &str| {
            let parent = key.rsplit_once('.').map(|(p, _)| p).unwrap_or_default();
            if let Some(rest) = key.strip_prefix("error.") {
                // Found by the server's error code, and by its parameter.
                let code = rest.split('.').next().unwrap_or_default();
                return codes.contains(&format!("\"{code}\""));
            }
            source.contains(&format!("\"{key}\"")) || source.contains(&format!("\"{parent}\"")) || source.contains(&format!("\"{parent}.{{"))
        };
        let unused: Vec<_> = english_keys().into_iter().filter(|k| !used(k)).collect();
        assert!(unused.is_empty(), "in locales/en.json but used nowhere: {unused:?}");
    }
}

#[cfg(test)]
mod tests {
    use super::choose;

    #[test]
    fn the_first_shipped_language_wins_and_english_is_the_fallback() {
        assert_eq!(choose(["ja"]), "ja");
        assert_eq!(choose(["fr-CA", "de"]), "fr");
        assert_eq!(choose(["xx", "es-MX"]), "es");
        assert_eq!(choose(["AR"]), "ar");
        assert_eq!(choose(["pt-BR", "it"]), "en");
        assert_eq!(choose(["", "zz-ZZ"]), "en");
        assert_eq!(choose([]), "en");
    }
}
