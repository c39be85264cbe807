//! The portal's message tables, served at `/locale/<tag>.json`: the
//! built-in table of each locale (`locales/` of the repository, compiled
//! into the server so the portal's wasm carries none) with the operator's
//! file of that locale (`locale_dir/<tag>.json`) merged over it. The
//! operator's files are read once, at start: a file that is not a flat
//! JSON object of strings, names a key the portal does not have, or is for
//! a locale the portal does not ship stops the server with the file (and
//! the line) named, rather than showing users a half-translated screen.

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The locales the portal ships, English first (the fallback), each with
/// its built-in table.
pub const BUILT_IN: [(&str, &str); 6] = [
    ("en", include_str!("../../locales/en.json")),
    ("fr", include_str!("../../locales/fr.json")),
    ("de", include_str!("../../locales/de.json")),
    ("es", include_str!("../../locales/es.json")),
    ("ja", include_str!("../../locales/ja.json")),
    ("ar", include_str!("../../locales/ar.json")),
];

/// Every locale's merged table, as served.
#[derive(Clone, Debug)]
pub struct Locales {
    served: BTreeMap<&'static str, Served>,
}

/// One table: its JSON, gzipped once, and the hash its `ETag` is made of.
#[derive(Clone, Debug)]
struct Served {
    json: String,
    gzip: Vec<u8>,
    hash: String,
}

impl Served {
    fn new(json: String) -> Served {
        let gzip = crate::content_coding::gzip(json.as_bytes(), 9).unwrap_or_default();
        let digest = Sha256::digest(json.as_bytes());
        let hash = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
        Served { json, gzip, hash }
    }
}

/// Why the operator's locale files could not be taken.
#[derive(Debug, thiserror::Error)]
#[error("{path}{}: {reason}", line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct LocaleError {
    /// The file at fault.
    pub path: PathBuf,
    /// The line, when one is at fault.
    pub line: Option<usize>,
    /// What is wrong.
    pub reason: String,
}

impl Locales {
    /// The built-in tables with the operator's files in `dir` (if any)
    /// merged over them.
    pub fn load(dir: Option<&Path>) -> Result<Locales, LocaleError> {
        let mut served = BTreeMap::new();
        for (tag, text) in BUILT_IN {
            let mut table = parse_built_in(tag, text);
            if let Some(path) = dir.map(|d| d.join(format!("{tag}.json"))).filter(|p| p.exists()) {
                for (key, value) in operator_table(&path, &table)? {
                    table.insert(key, value);
                }
            }
            served.insert(tag, Served::new(serde_json::to_string(&table).unwrap_or_else(|_| "{}".into())));
        }
        if let Some(dir) = dir {
            refuse_unknown_files(dir)?;
        }
        Ok(Locales { served })
    }

    /// The JSON of `tag`'s table, when the portal ships that locale.
    pub fn json(&self, tag: &str) -> Option<&str> {
        self.served.get(tag).map(|s| s.json.as_str())
    }

    /// The answer to `GET /locale/<file>`: the table of the locale `file`
    /// names (`<tag>.json`), gzipped when the browser takes it, asked
    /// again each time and answered `304` while it is unchanged; `None`
    /// for a file of no shipped locale.
    pub fn respond(&self, file: &str, request: &HeaderMap) -> Option<Response> {
        let served = self.served.get(file.strip_suffix(".json")?)?;
        let gzip = crate::content_coding::accepts_gzip(request) && !served.gzip.is_empty();
        let tag = HeaderValue::from_str(&format!("\"{}{}\"", served.hash, if gzip { "-gz" } else { "" })).ok()?;
        let fresh = request.get(header::IF_NONE_MATCH).is_some_and(|given| crate::portal_files::matches(given, &tag));
        let common = [
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            (header::VARY, HeaderValue::from_static("accept-encoding")),
            (header::ETAG, tag),
        ];
        if fresh {
            return Some((StatusCode::NOT_MODIFIED, common).into_response());
        }
        let json = HeaderValue::from_static("application/json; charset=utf-8");
        Some(if gzip {
            (common, [(header::CONTENT_TYPE, json), (header::CONTENT_ENCODING, HeaderValue::from_static("gzip"))], served.gzip.clone()).into_response()
        } else {
            (common, [(header::CONTENT_TYPE, json)], served.json.clone()).into_response()
        })
    }

    /// Whether the portal ships `tag`.
    pub fn ships(tag: &str) -> bool {
        BUILT_IN.iter().any(|(t, _)| *t == tag)
    }
}

/// A built-in table; the tests of this module keep them valid.
fn parse_built_in(tag: &str, text: &str) -> BTreeMap<String, String> {
    serde_json::from_str(text).unwrap_or_else(|e| {
        tracing::error!(locale = tag, error = %e, "a built-in locale table is not valid");
        BTreeMap::new()
    })
}

/// The operator's table at `path`, checked against the built-in `table`.
fn operator_table(path: &Path, table: &BTreeMap<String, String>) -> Result<BTreeMap<String, String>, LocaleError> {
    let fail = |line: Option<usize>, reason: String| LocaleError { path: path.to_path_buf(), line, reason };
    let text = std::fs::read_to_string(path).map_err(|e| fail(None, format!("cannot read it: {e}")))?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| fail(Some(e.line()), e.to_string()))?;
    let serde_json::Value::Object(object) = value else {
        return Err(fail(Some(1), "must be a JSON object of message names and texts".into()));
    };
    let line_of = |key: &str| text.find(&format!("\"{key}\"")).map(|at| text[..at].lines().count().max(1));
    let mut out = BTreeMap::new();
    for (key, value) in object {
        if !table.contains_key(&key) {
            return Err(fail(line_of(&key), format!("the portal has no message {key:?}")));
        }
        let serde_json::Value::String(text) = value else {
            return Err(fail(line_of(&key), format!("the text of {key:?} must be a string")));
        };
        out.insert(key, text);
    }
    Ok(out)
}

/// A `*.json` file in the operator's directory for a locale the portal
/// does not ship is an error, not a file silently left unread.
fn refuse_unknown_files(dir: &Path) -> Result<(), LocaleError> {
    let entries = std::fs::read_dir(dir).map_err(|e| LocaleError { path: dir.to_path_buf(), line: None, reason: format!("cannot read it: {e}") })?;
    for entry in entries.flatten() {
        let path = entry.path();
        let tag = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string();
        if path.extension().is_some_and(|e| e == "json") && !Locales::ships(&tag) {
            let shipped: Vec<&str> = BUILT_IN.iter().map(|(t, _)| *t).collect();
            return Err(LocaleError { path, line: None, reason: format!("the portal has no locale {tag:?} (it has {})", shipped.join(", ")) });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("scratch directory");
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).expect("write");
        }
        dir
    }

    fn table(locales: &Locales, tag: &str) -> BTreeMap<String, String> {
        serde_json::from_str(locales.json(tag).expect("served")).expect("JSON")
    }

    #[test]
    fn every_built_in_table_has_exactly_the_english_keys() {
        let english = parse_built_in("en", BUILT_IN[0].1);
        assert!(english.len() > 100, "the English table is there");
        for (tag, text) in BUILT_IN {
            let t: BTreeMap<String, String> = serde_json::from_str(text).unwrap_or_else(|e| panic!("{tag}.json: {e}"));
            let missing: Vec<_> = english.keys().filter(|k| !t.contains_key(*k) && !is_plural_form(k)).collect();
            let extra: Vec<_> = t.keys().filter(|k| !english.contains_key(*k) && !is_plural_form(k)).collect();
            assert!(missing.is_empty(), "{tag}.json lacks {missing:?}");
            assert!(extra.is_empty(), "{tag}.json has keys English does not: {extra:?}");
            for key in t.keys().filter(|k| is_plural_form(k)) {
                let base = key.rsplit_once('.').map(|(b, _)| b).unwrap_or_default();
                assert!(english.contains_key(&format!("{base}.other")), "{tag}.json: {key} is a plural of nothing");
            }
            for key in english.keys().filter(|k| k.ends_with(".other")) {
                assert!(t.contains_key(key), "{tag}.json lacks {key}");
            }
            for (key, text) in &t {
                assert!(!text.trim().is_empty(), "{tag}.json: {key} is empty");
                let base = if is_plural_form(key) { format!("{}.other", key.rsplit_once('.').map(|(b, _)| b).unwrap_or_default()) } else { key.clone() };
                for name in placeholders(&english[&base]) {
                    if name != "count" || !is_plural_form(key) {
                        assert!(text.contains(&format!("{{{name}}}")), "{tag}.json: {key} drops {{{name}}}: {text:?}");
                    }
                }
            }
        }
    }

    /// `key.zero|one|two|few|many|other`: one of the forms `Intl.PluralRules` picks.
    fn is_plural_form(key: &str) -> bool {
        ["zero", "one", "two", "few", "many", "other"].iter().any(|c| key.ends_with(&format!(".{c}")))
    }

    fn placeholders(text: &str) -> Vec<String> {
        text.split('{').skip(1).filter_map(|part| part.split_once('}').map(|(name, _)| name.to_string())).collect()
    }

    #[test]
    fn an_operator_file_changes_its_keys_and_keeps_the_others() {
        let dir = dir_with(&[("fr.json", r#"{ "sign_in.title": "Entrez" }"#)]);
        let locales = Locales::load(Some(dir.path())).expect("loads");
        let fr = table(&locales, "fr");
        assert_eq!(fr["sign_in.title"], "Entrez");
        let built_in = parse_built_in("fr", BUILT_IN[1].1);
        assert_eq!(fr["sign_up.title"], built_in["sign_up.title"], "a key the operator left out keeps the built-in text");
        assert_eq!(table(&locales, "en")["sign_in.title"], "Sign in", "other locales are untouched");
    }

    #[test]
    fn a_malformed_operator_file_is_refused_with_its_line() {
        let dir = dir_with(&[("de.json", "{\n  \"sign_in.title\": \"Anmelden\",\n  \"sign_up.title\" \"Konto\"\n}\n")]);
        let error = Locales::load(Some(dir.path())).expect_err("malformed JSON is refused");
        assert!(error.path.ends_with("de.json"), "{error}");
        assert_eq!(error.line, Some(3), "{error}");
        assert!(error.to_string().contains("de.json:3: "), "{error}");
    }

    #[test]
    fn unknown_keys_values_that_are_not_text_and_unknown_locales_are_refused() {
        let dir = dir_with(&[("es.json", "{\n  \"sign_in.titel\": \"Entrar\"\n}")]);
        let error = Locales::load(Some(dir.path())).expect_err("an unknown key is refused");
        assert_eq!(error.line, Some(2), "{error}");
        assert!(error.reason.contains("sign_in.titel"), "{error}");

        let dir = dir_with(&[("ja.json", r#"{ "sign_in.title": 3 }"#)]);
        let error = Locales::load(Some(dir.path())).expect_err("a number is refused");
        assert!(error.reason.contains("must be a string"), "{error}");

        let dir = dir_with(&[("it.json", "{}")]);
        let error = Locales::load(Some(dir.path())).expect_err("a locale the portal lacks is refused");
        assert!(error.reason.contains("no locale \"it\""), "{error}");
    }

    #[test]
    fn no_operator_directory_serves_the_built_in_tables_and_nothing_else() {
        let locales = Locales::load(None).expect("loads");
        assert_eq!(table(&locales, "ja"), parse_built_in("ja", BUILT_IN[4].1));
        assert!(locales.json("xx").is_none());
        assert!(locales.json("../en").is_none());
    }
}
