//! The key that protects second factors at rest: TOTP secrets are sealed
//! with AES-256-GCM and backup codes are kept only as HMAC-SHA-256. One
//! random 32-byte master key lives in the data directory (`mfa_key`, mode
//! 0600, made at first start like the signing key); the two working keys
//! are derived from it so neither use can be turned against the other.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use std::path::Path;

type HmacSha256 = Hmac<Sha256>;

/// File name of the master key in the data directory.
pub const FILE: &str = "mfa_key";

/// The working keys; never printed.
pub struct MfaKeys {
    seal: Aes256Gcm,
    code_key: [u8; 32],
}

impl std::fmt::Debug for MfaKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MfaKeys(..)")
    }
}

/// Why a sealed value could not be opened.
#[derive(Debug, thiserror::Error)]
#[error("sealed value cannot be opened")]
pub struct OpenError;

fn derive(master: &[u8], label: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    if let Ok(mut mac) = <HmacSha256 as Mac>::new_from_slice(master) {
        mac.update(label);
        out.copy_from_slice(&mac.finalize().into_bytes());
    }
    out
}

impl MfaKeys {
    /// Reads the master key from `dir`, creating it (0600) when absent.
    pub fn load_or_create(dir: &Path) -> std::io::Result<MfaKeys> {
        let path = dir.join(FILE);
        let text = if path.exists() {
            std::fs::read_to_string(&path)?
        } else {
            let text = MfaKeys::new_master_hex();
            crate::files::write_private(&path, text.as_bytes())?;
            text
        };
        MfaKeys::from_master_hex(&text).ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::InvalidData, format!("{} is not 64 hex digits", path.display()))
        })
    }

    /// A new master key: 32 random bytes as 64 hex digits.
    pub fn new_master_hex() -> String {
        let mut bytes = vec![0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        crate::ids::hex(&bytes)
    }

    /// The keys of a master key written as 64 hex digits; `None` otherwise.
    pub fn from_master_hex(text: &str) -> Option<MfaKeys> {
        decode_hex(text.trim()).filter(|b| b.len() == 32).map(|m| MfaKeys::from_master(&m))
    }

    /// The working keys for a master key.
    pub fn from_master(master: &[u8]) -> MfaKeys {
        let seal_key = derive(master, b"vestibule totp secret seal v1");
        let code_key = derive(master, b"vestibule backup code hmac v1");
        MfaKeys { seal: Aes256Gcm::new(&seal_key.into()), code_key }
    }

    /// Encrypts `plain`, bound to `context` (the owner's id): base64 of a
    /// fresh 96-bit nonce followed by the ciphertext and tag.
    pub fn seal(&self, plain: &[u8], context: &str) -> Result<String, OpenError> {
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = self
            .seal
            .encrypt(&Nonce::from(nonce), Payload { msg: plain, aad: context.as_bytes() })
            .map_err(|_| OpenError)?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(base64::engine::general_purpose::STANDARD.encode(out))
    }

    /// Decrypts what [`MfaKeys::seal`] made for the same `context`.
    pub fn open(&self, sealed: &str, context: &str) -> Result<Vec<u8>, OpenError> {
        let bytes = base64::engine::general_purpose::STANDARD.decode(sealed).map_err(|_| OpenError)?;
        if bytes.len() < 12 + 16 {
            return Err(OpenError);
        }
        let (nonce, body) = bytes.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().map_err(|_| OpenError)?;
        self.seal
            .decrypt(&Nonce::from(nonce), Payload { msg: body, aad: context.as_bytes() })
            .map_err(|_| OpenError)
    }

    /// The stored form of a backup code of `user_id`: hex HMAC-SHA-256.
    pub fn code_hash(&self, user_id: &str, code: &str) -> String {
        let mut mac = match <HmacSha256 as Mac>::new_from_slice(&self.code_key) {
            Ok(m) => m,
            Err(_) => return String::new(),
        };
        mac.update(user_id.as_bytes());
        mac.update(b":");
        mac.update(code.as_bytes());
        crate::ids::hex(&mac.finalize().into_bytes())
    }
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_only_with_the_same_context() {
        let keys = MfaKeys::from_master(&[7u8; 32]);
        let sealed = keys.seal(b"twenty bytes secret!", "user_a").expect("seal");
        assert!(!sealed.contains("twenty"));
        assert_eq!(keys.open(&sealed, "user_a").expect("open"), b"twenty bytes secret!");
        assert!(keys.open(&sealed, "user_b").is_err());
        assert!(MfaKeys::from_master(&[8u8; 32]).open(&sealed, "user_a").is_err());
        assert_ne!(keys.seal(b"x", "u").expect("seal"), keys.seal(b"x", "u").expect("seal"), "fresh nonce");
    }

    #[test]
    fn the_key_file_is_made_once_and_private() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = MfaKeys::load_or_create(dir.path()).expect("create");
        let b = MfaKeys::load_or_create(dir.path()).expect("load");
        assert_eq!(a.code_hash("u", "c"), b.code_hash("u", "c"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(FILE)).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
