//! The offline breached-password list (`security.md`, "Passwords"): the
//! passwords of `data/breached-passwords.txt.gz`, embedded in the binary,
//! looked up exactly (case-sensitive) in a hash set. See `data/README.md`
//! for where the list comes from.

use std::collections::HashSet;
use std::io::Read;

const LIST: &[u8] = include_bytes!("../data/breached-passwords.txt.gz");

/// The loaded list.
pub struct BreachedList(HashSet<Box<str>>);

impl BreachedList {
    /// Decompresses the embedded list (about 40-60 ms in a release build, about
    /// 5 MiB of heap for 133,106 entries; done once at start).
    pub fn load() -> BreachedList {
        let mut text = String::new();
        if let Err(e) = flate2::read::GzDecoder::new(LIST).read_to_string(&mut text) {
            tracing::error!(error = %e, "the embedded breached-password list is unreadable");
        }
        BreachedList(text.lines().filter(|l| !l.is_empty()).map(Box::from).collect())
    }

    /// Whether `password` is on the list.
    pub fn contains(&self, password: &str) -> bool {
        self.0.contains(password)
    }

    /// How many passwords the list holds.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_loaded_and_exact() {
        let list = BreachedList::load();
        assert!(list.len() >= 100_000, "{}", list.len());
        assert!(list.contains("password1"));
        assert!(list.contains("iloveyou"));
        assert!(list.contains("letmein"));
        assert!(list.contains("LETMEIN"), "listed case variants are kept as-is");
        assert!(!list.contains("lEtMeIn"), "lookup is case-sensitive");
        assert!(!list.contains("pASSWORD1"), "lookup is case-sensitive");
        assert!(!list.contains("letmein "), "lookup is exact");
        assert!(!list.contains(" password1"), "lookup is exact");
        assert!(!list.contains("correct-horse-battery-staple-9"));
    }
}
