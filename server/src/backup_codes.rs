//! Backup codes (`security.md`, "Backup codes"): a set of 10 single-use
//! codes, each 13 characters from a 32-character alphabet without look-alike
//! characters (65 bits), shown grouped as `abcde-fghjk-mnp`. Input is read
//! with or without separators and in any case. Only an HMAC of each code is
//! stored; a code is consumed by one conditional UPDATE, so two concurrent
//! uses of one code yield one success.

use crate::error::ApiResult;
use crate::lockout::Guess;
use crate::state::AppState;
use crate::store::second_factors;
use rand::Rng;

/// Codes per set.
pub const COUNT: usize = 10;
/// Characters per code.
pub const LENGTH: usize = 13;
/// The alphabet: lowercase letters and digits without the look-alikes
/// `0 o 1 l`.
pub const ALPHABET: &[u8; 32] = b"abcdefghijkmnpqrstuvwxyz23456789";

/// A new set of codes, grouped for display, all distinct.
pub fn generate() -> Vec<String> {
    let mut rng = rand::rngs::OsRng;
    let mut codes: Vec<String> = Vec::with_capacity(COUNT);
    while codes.len() < COUNT {
        let raw: String = (0..LENGTH).map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())])).collect();
        let code = format!("{}-{}-{}", &raw[..5], &raw[5..10], &raw[10..]);
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    codes
}

/// The canonical form of typed input: separators and spaces dropped,
/// lowercase. `None` when it cannot be a code.
pub fn normalise(input: &str) -> Option<String> {
    let code: String = input
        .chars()
        .filter(|c| !matches!(c, '-' | ' ' | '\t' | '_'))
        .map(|c| c.to_ascii_lowercase())
        .collect();
    (code.len() == LENGTH && code.bytes().all(|b| ALPHABET.contains(&b))).then_some(code)
}

/// A new set of codes for `user_id`, not stored yet: the codes to show
/// once and the hashes to store.
pub fn new_set(state: &AppState, user_id: &str) -> (Vec<String>, Vec<String>) {
    let codes = generate();
    let hashes = codes.iter().filter_map(|c| normalise(c)).map(|c| state.mfa_keys.code_hash(user_id, &c)).collect();
    (codes, hashes)
}

/// Replaces the user's codes with a new set (the old set dies in the same
/// transaction); returns the set id and the codes to show once.
pub async fn regenerate(state: &AppState, user_id: &str) -> ApiResult<(String, Vec<String>)> {
    let (codes, hashes) = new_set(state, user_id);
    let mut tx = state.pool.begin().await?;
    let set_id = second_factors::replace_backup_codes(&mut tx, user_id, &hashes, state.now()).await?;
    tx.commit().await?;
    Ok((set_id, codes))
}

/// Uses up `input` if it is one of the user's unused codes.
pub async fn check(state: &AppState, user_id: &str, input: &str) -> ApiResult<Guess> {
    let Some(code) = normalise(input) else {
        return Ok(Guess::Wrong(crate::totp::incorrect()));
    };
    let hash = state.mfa_keys.code_hash(user_id, &code);
    Ok(if second_factors::consume_backup_code(&state.pool, user_id, &hash, state.now()).await? {
        Guess::Right
    } else {
        Guess::Wrong(crate::totp::incorrect())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_alphabet_has_32_unambiguous_characters() {
        let mut seen = std::collections::BTreeSet::new();
        for b in ALPHABET {
            assert!(seen.insert(*b), "duplicate {}", *b as char);
            assert!(!b"0o1l".contains(b), "ambiguous {}", *b as char);
        }
        assert_eq!(seen.len(), 32);
    }

    #[test]
    fn codes_carry_at_least_64_bits() {
        let codes: Vec<String> = (0..100).flat_map(|_| generate()).collect();
        let mut used = std::collections::BTreeSet::new();
        for code in &codes {
            let plain: Vec<u8> = code.bytes().filter(|b| *b != b'-').collect();
            assert_eq!(plain.len(), LENGTH, "{code}");
            used.extend(plain);
        }
        assert_eq!(used.len(), ALPHABET.len(), "1,000 codes use every symbol of the alphabet");
        assert!(LENGTH as f64 * (used.len() as f64).log2() >= 64.0, "{LENGTH} symbols of {}", used.len());
    }

    #[test]
    fn codes_are_grouped_distinct_and_read_back_in_any_form() {
        let codes = generate();
        assert_eq!(codes.len(), COUNT);
        let set: std::collections::BTreeSet<_> = codes.iter().collect();
        assert_eq!(set.len(), COUNT);
        for c in &codes {
            assert_eq!(c.len(), LENGTH + 2);
            assert_eq!(c.matches('-').count(), 2);
            let plain = c.replace('-', "");
            assert_eq!(normalise(c).as_deref(), Some(plain.as_str()));
            assert_eq!(normalise(&c.to_uppercase()).as_deref(), Some(plain.as_str()));
            assert_eq!(normalise(&plain).as_deref(), Some(plain.as_str()));
        }
        assert_eq!(normalise("abcde-fghjk-mn"), None);
        assert_eq!(normalise("abcde-fghjk-mn0"), None);
    }
}
