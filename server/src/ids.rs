//! Prefixed random identifiers and secret tokens.

use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A new id such as `user_2f8k...`: the prefix and 20 random bytes, base32-like lowercase.
pub fn new_id(prefix: &str) -> String {
    let mut bytes = [0u8; 15];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let body: String = bytes
        .iter()
        .flat_map(|b| [b >> 4, b & 0x0f])
        .map(|n| char::from_digit(n as u32, 16).unwrap_or('0'))
        .collect();
    format!("{prefix}_{body}")
}

/// A new unguessable token (32 random bytes, base64url).
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The hex SHA-256 of a token; what the database keeps instead of the token.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Lowercase hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `n` random decimal digits.
pub fn digits(n: usize) -> String {
    use rand::Rng;
    let mut rng = rand::rngs::OsRng;
    (0..n).map(|_| char::from(b'0' + rng.gen_range(0..10u8))).collect()
}
