//! The instance's public keys, by `kid`: read once from `/v1/jwks` and kept,
//! read again only when a token names a key the cache does not know (at most
//! once per refetch interval, so a stream of forged `kid`s cannot turn the
//! application into a load generator against the server), or given up front
//! for fully offline verification.

use crate::token::TokenError;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::pkcs8::DecodePublicKey;
use rsa::traits::PublicKeyParts;
use rsa::{BigUint, RsaPublicKey};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use vestibule_protocol::token::key_id;

/// The smallest RSA modulus accepted, in bits.
const MIN_RSA_BITS: usize = 2048;

/// An RSA public key as RS256 verification uses it: the big-endian
/// modulus and exponent, checked once when the key is loaded.
#[derive(Debug)]
pub(crate) struct VerifyingKey {
    n: Vec<u8>,
    e: Vec<u8>,
}

impl VerifyingKey {
    fn of(key: &RsaPublicKey) -> VerifyingKey {
        VerifyingKey { n: key.n().to_bytes_be(), e: key.e().to_bytes_be() }
    }

    /// Whether `signature` is an RSASSA-PKCS1-v1_5 SHA-256 signature of
    /// `message` by this key.
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        let key = ring::signature::RsaPublicKeyComponents { n: &self.n, e: &self.e };
        key.verify(&ring::signature::RSA_PKCS1_2048_8192_SHA256, message, signature).is_ok()
    }
}

/// Public keys by `kid`.
pub(crate) type KeySet = HashMap<String, Arc<VerifyingKey>>;

/// The `kid` the server gives an RSA key ([`key_id`] of the SHA-256 of its
/// big-endian modulus).
pub(crate) fn derive_kid(key: &RsaPublicKey) -> String {
    key_id(ring::digest::digest(&ring::digest::SHA256, &key.n().to_bytes_be()).as_ref())
}

#[derive(Deserialize)]
struct JwksDoc {
    keys: Vec<JwkDoc>,
}

#[derive(Deserialize)]
struct JwkDoc {
    kty: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default)]
    alg: Option<String>,
    #[serde(default, rename = "use")]
    use_: Option<String>,
    #[serde(default)]
    n: Option<String>,
    #[serde(default)]
    e: Option<String>,
}

impl JwkDoc {
    /// The RS256 signing key this JWK describes, with its `kid`; `None` for
    /// keys of another type or use, or unusable ones.
    fn rs256(&self) -> Option<(String, RsaPublicKey)> {
        if self.kty != "RSA" || self.alg.as_deref().is_some_and(|a| a != "RS256") || self.use_.as_deref().is_some_and(|u| u != "sig") {
            return None;
        }
        let n = URL_SAFE_NO_PAD.decode(self.n.as_deref()?).ok()?;
        let e = URL_SAFE_NO_PAD.decode(self.e.as_deref()?).ok()?;
        let key = RsaPublicKey::new(BigUint::from_bytes_be(&n), BigUint::from_bytes_be(&e)).ok()?;
        if key.n().bits() < MIN_RSA_BITS {
            return None;
        }
        let kid = self.kid.clone().unwrap_or_else(|| derive_kid(&key));
        Some((kid, key))
    }
}

/// The usable keys of a JWKS document.
pub(crate) fn parse_jwks(body: &[u8]) -> Result<KeySet, String> {
    let doc: JwksDoc = serde_json::from_slice(body).map_err(|e| format!("JWKS is not JSON of the expected shape: {e}"))?;
    Ok(doc.keys.iter().filter_map(JwkDoc::rs256).map(|(kid, key)| (kid, Arc::new(VerifyingKey::of(&key)))).collect())
}

/// The keys of a `jwt_key` setting: PEM (SPKI or PKCS#1), a JWK or a JWKS.
pub(crate) fn parse_static_key(text: &str) -> Result<KeySet, String> {
    let text = text.trim();
    if text.starts_with('{') {
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        let set = if value.get("keys").is_some() {
            parse_jwks(text.as_bytes())?
        } else {
            let jwk: JwkDoc = serde_json::from_value(value).map_err(|e| format!("not a JWK: {e}"))?;
            jwk.rs256().map(|(kid, key)| (kid, Arc::new(VerifyingKey::of(&key)))).into_iter().collect()
        };
        if set.is_empty() {
            return Err("no RS256 key of at least 2048 bits".into());
        }
        return Ok(set);
    }
    let key = RsaPublicKey::from_public_key_pem(text)
        .or_else(|_| RsaPublicKey::from_pkcs1_pem(text))
        .map_err(|e| format!("not an RSA public key PEM: {e}"))?;
    if key.n().bits() < MIN_RSA_BITS {
        return Err(format!("RSA key of {} bits; at least {MIN_RSA_BITS} are required", key.n().bits()));
    }
    Ok(HashMap::from([(derive_kid(&key), Arc::new(VerifyingKey::of(&key)))]))
}

/// Where verification finds keys.
pub(crate) enum KeySource {
    /// Given in the configuration; never fetched.
    Static(KeySet),
    /// Fetched from the instance.
    Remote(JwksCache),
}

impl KeySource {
    /// The key named `kid`.
    pub(crate) async fn key(&self, kid: &str) -> Result<Arc<VerifyingKey>, TokenError> {
        match self {
            KeySource::Static(set) => set.get(kid).cloned().ok_or(TokenError::UnknownKid),
            KeySource::Remote(cache) => cache.key(kid).await,
        }
    }
}

/// When the JWKS was fetched, for the refetch limit.
#[derive(Default)]
struct FetchState {
    /// A fetch has succeeded at least once.
    loaded: bool,
    /// Last attempt of any kind.
    last_attempt: Option<Instant>,
    /// Last refetch caused by an unknown `kid` after the first load.
    last_refetch: Option<Instant>,
}

/// The JWKS of the instance, fetched on first need and cached.
pub(crate) struct JwksCache {
    url: String,
    http: reqwest::Client,
    refetch_interval: Duration,
    keys: RwLock<Arc<KeySet>>,
    fetch: tokio::sync::Mutex<FetchState>,
}

impl JwksCache {
    /// A cache for the JWKS at `url`, empty until first needed.
    pub(crate) fn new(url: String, timeout: Duration, refetch_interval: Duration) -> Result<JwksCache, String> {
        let http = reqwest::Client::builder().timeout(timeout).build().map_err(|e| e.to_string())?;
        Ok(JwksCache {
            url,
            http,
            refetch_interval,
            keys: RwLock::new(Arc::new(KeySet::new())),
            fetch: tokio::sync::Mutex::new(FetchState::default()),
        })
    }

    /// Fills the cache as a successful fetch would.
    pub(crate) fn preload(&self, set: KeySet) {
        self.store(set);
        if let Ok(mut state) = self.fetch.try_lock() {
            state.loaded = true;
            state.last_attempt = Some(Instant::now());
        }
    }

    fn lookup(&self, kid: &str) -> Option<Arc<VerifyingKey>> {
        let keys = self.keys.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        keys.get(kid).cloned()
    }

    fn store(&self, set: KeySet) {
        let mut keys = self.keys.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        *keys = Arc::new(set);
    }

    /// The key named `kid`: from the cache, or after one fetch when the cache
    /// has never been filled or does not know `kid` and no refetch happened
    /// within the interval. One fetch at a time; callers waiting for it see
    /// its result.
    pub(crate) async fn key(&self, kid: &str) -> Result<Arc<VerifyingKey>, TokenError> {
        if let Some(key) = self.lookup(kid) {
            return Ok(key);
        }
        let mut state = self.fetch.lock().await;
        if let Some(key) = self.lookup(kid) {
            return Ok(key);
        }
        let now = Instant::now();
        let recent = |t: Option<Instant>| t.is_some_and(|t| now.duration_since(t) < self.refetch_interval);
        if state.loaded {
            if recent(state.last_refetch) {
                return Err(TokenError::UnknownKid);
            }
            state.last_refetch = Some(now);
        } else if recent(state.last_attempt) {
            return Err(TokenError::JwksUnavailable("the last attempt failed; waiting before the next".into()));
        }
        state.last_attempt = Some(now);
        let set = self.fetch_keys().await.map_err(|e| {
            tracing::warn!(url = %self.url, error = %e, "JWKS fetch failed");
            TokenError::JwksUnavailable(e)
        })?;
        state.loaded = true;
        self.store(set);
        drop(state);
        self.lookup(kid).ok_or(TokenError::UnknownKid)
    }

    async fn fetch_keys(&self) -> Result<KeySet, String> {
        let response = self
            .http
            .get(&self.url)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if !response.status().is_success() {
            return Err(format!("HTTP {}", response.status()));
        }
        let body = response.bytes().await.map_err(|e| e.to_string())?;
        parse_jwks(&body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::pkcs8::{EncodePublicKey, LineEnding};

    fn key(bits: usize) -> RsaPublicKey {
        let private = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, bits).expect("keygen");
        private.to_public_key()
    }

    fn jwk(key: &RsaPublicKey, kid: &str, alg: &str) -> serde_json::Value {
        serde_json::json!({
            "kty": "RSA", "use": "sig", "alg": alg, "kid": kid,
            "n": URL_SAFE_NO_PAD.encode(key.n().to_bytes_be()),
            "e": URL_SAFE_NO_PAD.encode(key.e().to_bytes_be()),
        })
    }

    #[test]
    fn jwks_keeps_only_rs256_signing_keys_of_2048_bits_or_more() {
        let big = key(2048);
        let small = key(1024);
        let doc = serde_json::json!({ "keys": [
            jwk(&big, "good", "RS256"),
            jwk(&big, "other-alg", "RS512"),
            jwk(&small, "small", "RS256"),
            { "kty": "EC", "kid": "ec", "crv": "P-256", "x": "AA", "y": "AA" },
        ]});
        let set = parse_jwks(doc.to_string().as_bytes()).expect("parse");
        assert_eq!(set.keys().map(String::as_str).collect::<Vec<_>>(), vec!["good"]);
        assert!(parse_jwks(b"[]").is_err());
    }

    #[test]
    fn pem_keys_get_the_servers_kid() {
        let k = key(2048);
        let pem = k.to_public_key_pem(LineEnding::LF).expect("pem");
        let set = parse_static_key(&pem).expect("parse");
        let kid = derive_kid(&k);
        assert!(kid.starts_with("ins_") && kid.len() == 20, "{kid}");
        assert!(set.contains_key(&kid));
        let single = parse_static_key(&jwk(&k, "given", "RS256").to_string()).expect("jwk");
        assert!(single.contains_key("given"));
        assert!(parse_static_key("not a key").is_err());
        let small = key(1024).to_public_key_pem(LineEnding::LF).expect("pem");
        assert!(parse_static_key(&small).is_err());
    }
}
