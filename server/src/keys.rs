//! The instance's signing key and the session tokens it signs.
//!
//! An RSA-2048 key pair is generated at first start and kept in the data
//! directory (mode 0600); the public half is published as a JWKS so that
//! applications verify session tokens offline.

use base64::Engine;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey, LineEnding};
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;
use sha2::{Digest, Sha256};
use std::path::Path;
use vestibule_protocol::token::{key_id, Jwk};
use vestibule_protocol::SessionClaims;

/// The signing key, loaded or created. Tokens are signed with ring's
/// RSA (about twice as fast as the `rsa` crate here, measured by
/// `server/examples/ceilings.rs`): a sign-in and every cold client read
/// sign one.
pub struct SigningKeys {
    kid: String,
    pair: ring::signature::RsaKeyPair,
    /// `base64url({"alg":"RS256","kid":...,"typ":"JWT"}).`, the start of
    /// every token.
    header: String,
    rng: ring::rand::SystemRandom,
    jwk: Jwk,
    public_pem: String,
    /// The private key as PKCS#8 PEM, as stored.
    pem: String,
}

/// Why a token could not be signed.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    /// The claims did not serialize.
    #[error("claims: {0}")]
    Claims(#[from] serde_json::Error),
    /// The signature failed.
    #[error("RSA signature failed")]
    Rsa,
}

impl std::fmt::Debug for SigningKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKeys").field("kid", &self.kid).finish_non_exhaustive()
    }
}

/// Why the key could not be loaded or made.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// File system trouble.
    #[error("key file: {0}")]
    Io(#[from] std::io::Error),
    /// The key file is not a PKCS#8 RSA key.
    #[error("key format: {0}")]
    Format(String),
}

/// Recently signed tokens, by session, reused while they have more than
/// half their lifetime left and their claims (other than the times) are
/// unchanged. Signing is the dearest part of reading a client.
#[derive(Default)]
pub struct TokenCache {
    entries: std::sync::Mutex<std::collections::HashMap<String, CachedToken>>,
}

struct CachedToken {
    identity: String,
    jwt: String,
    iat: i64,
    exp: i64,
}

impl TokenCache {
    /// A token for `claims`: the cached one when still fresh enough, else
    /// one signed now with `keys`.
    pub fn get_or_sign(&self, keys: &SigningKeys, claims: &SessionClaims) -> Result<String, SignError> {
        let now = claims.iat.unwrap_or_default();
        let identity = format!(
            "{}|{}|{:?}|{:?}|{:?}|{:?}|{}",
            keys.kid(),
            claims.sub,
            claims.azp,
            claims.iss,
            claims.sts,
            claims.o.as_ref().map(|o| (&o.id, &o.slg, &o.rol)),
            claims.exp - now
        );
        if let Ok(entries) = self.entries.lock() {
            if let Some(c) = entries.get(&claims.sid) {
                if c.identity == identity && now >= c.iat && now - c.iat < (c.exp - c.iat) / 2 {
                    return Ok(c.jwt.clone());
                }
            }
        }
        let jwt = keys.sign(claims)?;
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() > 10_000 {
                entries.retain(|_, c| c.exp > now);
            }
            entries.insert(claims.sid.clone(), CachedToken { identity, jwt: jwt.clone(), iat: now, exp: claims.exp });
        }
        Ok(jwt)
    }
}

impl SigningKeys {
    /// Loads `signing_key.pem` from `dir`, creating it (0600) when absent.
    pub fn load_or_create(dir: &Path) -> Result<SigningKeys, KeyError> {
        let path = dir.join("signing_key.pem");
        let pem = if path.exists() {
            std::fs::read_to_string(&path)?
        } else {
            let pem = SigningKeys::new_pem()?;
            crate::files::write_private(&path, pem.as_bytes())?;
            pem
        };
        SigningKeys::from_pem(&pem)
    }

    /// A new RSA-2048 private key as PKCS#8 PEM.
    pub fn new_pem() -> Result<String, KeyError> {
        let key = RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).map_err(|e| KeyError::Format(e.to_string()))?;
        Ok(key.to_pkcs8_pem(LineEnding::LF).map_err(|e| KeyError::Format(e.to_string()))?.to_string())
    }

    /// The keys of a PKCS#8 PEM private key.
    pub fn from_pem(pem: &str) -> Result<SigningKeys, KeyError> {
        let key = RsaPrivateKey::from_pkcs8_pem(pem).map_err(|e| KeyError::Format(e.to_string()))?;
        SigningKeys::from_key(&key, pem)
    }

    fn from_key(key: &RsaPrivateKey, pem: &str) -> Result<SigningKeys, KeyError> {
        let pair = ring::signature::RsaKeyPair::from_der(&pkcs1_der(key)?).map_err(|e| KeyError::Format(e.to_string()))?;
        let public = key.to_public_key();
        let b64 = |b: Vec<u8>| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
        let n = public.n().to_bytes_be();
        let kid = key_id(&Sha256::digest(&n));
        let header = serde_json::json!({ "alg": "RS256", "kid": kid, "typ": "JWT" });
        let header = format!("{}.", b64(header.to_string().into_bytes()));
        let jwk = Jwk {
            kty: "RSA".into(),
            use_: "sig".into(),
            alg: "RS256".into(),
            kid: kid.clone(),
            n: b64(n),
            e: b64(public.e().to_bytes_be()),
        };
        let public_pem = public
            .to_public_key_pem(LineEnding::LF)
            .map_err(|e| KeyError::Format(e.to_string()))?;
        Ok(SigningKeys { kid, pair, header, rng: ring::rand::SystemRandom::new(), jwk, public_pem, pem: pem.to_string() })
    }

    /// The key id in token headers and the JWKS.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// This key's public half as a JWK.
    pub fn jwk(&self) -> &Jwk {
        &self.jwk
    }

    /// The private key as PKCS#8 PEM.
    pub fn pem(&self) -> &str {
        &self.pem
    }

    /// The public key as PEM (SPKI), for `verifyToken(token, {jwtKey})`.
    pub fn public_pem(&self) -> &str {
        &self.public_pem
    }

    /// Signs session claims as an RS256 JWT with this key's `kid`.
    pub fn sign(&self, claims: &SessionClaims) -> Result<String, SignError> {
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let mut jwt = self.header.clone();
        engine.encode_string(serde_json::to_vec(claims)?, &mut jwt);
        let mut signature = vec![0; self.pair.public().modulus_len()];
        self.pair
            .sign(&ring::signature::RSA_PKCS1_SHA256, &self.rng, jwt.as_bytes(), &mut signature)
            .map_err(|_| SignError::Rsa)?;
        jwt.push('.');
        engine.encode_string(signature, &mut jwt);
        Ok(jwt)
    }
}

fn pkcs1_der(key: &RsaPrivateKey) -> Result<Vec<u8>, KeyError> {
    use rsa::pkcs1::EncodeRsaPrivateKey;
    key.to_pkcs1_der()
        .map(|d| d.as_bytes().to_vec())
        .map_err(|e| KeyError::Format(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    use vestibule_protocol::SessionStatus;

    fn claims(iat: i64, sts: Option<SessionStatus>) -> SessionClaims {
        SessionClaims {
            iss: Some("http://127.0.0.1:8080".into()),
            sub: "user_1".into(),
            sid: "sess_1".into(),
            azp: Some("http://127.0.0.1:8080".into()),
            iat: Some(iat),
            nbf: Some(iat - 10),
            exp: iat + 60,
            v: Some(2),
            sts,
            o: None,
        }
    }

    #[test]
    fn tokens_verify_with_the_published_key_and_name_it() {
        let keys = SigningKeys::from_pem(&SigningKeys::new_pem().expect("pem")).expect("keys");
        let signed = claims(1000, Some(SessionStatus::Pending));
        let jwt = keys.sign(&signed).expect("sign");
        let header = jsonwebtoken::decode_header(&jwt).expect("header");
        assert_eq!((header.alg, header.kid.as_deref(), header.typ.as_deref()), (jsonwebtoken::Algorithm::RS256, Some(keys.kid()), Some("JWT")));
        let key = jsonwebtoken::DecodingKey::from_rsa_pem(keys.public_pem().as_bytes()).expect("public key");
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.required_spec_claims.clear();
        let decoded = jsonwebtoken::decode::<SessionClaims>(&jwt, &key, &validation).expect("verifies");
        assert_eq!(decoded.claims.sid, signed.sid);
        assert_eq!(decoded.claims.sts, Some(SessionStatus::Pending));
        let other = SigningKeys::from_pem(&SigningKeys::new_pem().expect("pem")).expect("keys");
        let wrong = jsonwebtoken::DecodingKey::from_rsa_pem(other.public_pem().as_bytes()).expect("public key");
        assert!(jsonwebtoken::decode::<SessionClaims>(&jwt, &wrong, &validation).is_err(), "another key does not verify it");
    }

    #[test]
    fn cached_tokens_are_reused_only_while_fresh_and_unchanged() {
        let dir = tempfile::tempdir().expect("tempdir");
        let keys = SigningKeys::load_or_create(dir.path()).expect("keys");
        let cache = TokenCache::default();
        let first = cache.get_or_sign(&keys, &claims(1000, Some(SessionStatus::Pending))).expect("sign");
        assert_eq!(cache.get_or_sign(&keys, &claims(1029, Some(SessionStatus::Pending))).expect("sign"), first, "29 s of 60: reused");
        let later = cache.get_or_sign(&keys, &claims(1030, Some(SessionStatus::Pending))).expect("sign");
        assert_ne!(later, first, "half the lifetime gone: signed anew");
        let active = cache.get_or_sign(&keys, &claims(1031, None)).expect("sign");
        assert_ne!(active, later, "the claims changed: signed anew");
    }
}
