//! The session token's contract (`frontend-api.md` section 2): the claims
//! the server signs and the middleware verifies, and the rule that names a
//! signing key. One definition, so the two cannot drift.

use crate::auth::SessionStatus;
use serde::{Deserialize, Serialize};

/// The claims of a Vestibule session token.
///
/// The server always writes `iss`, `azp`, `iat`, `nbf` and `v`; they are
/// optional here so a verifier can read a token that lacks them and reject
/// it with a precise reason rather than "malformed".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionClaims {
    /// The issuer: the server's public URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    /// The user id.
    pub sub: String,
    /// The session id.
    pub sid: String,
    /// The origin the token was minted for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub azp: Option<String>,
    /// Issued at, seconds since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    /// Not before, seconds since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    /// Expires at, seconds since the epoch.
    pub exp: i64,
    /// The claims version ([`CLAIMS_VERSION`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub v: Option<u8>,
    /// `pending` while the session has tasks left; absent when active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sts: Option<SessionStatus>,
    /// The active organization.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub o: Option<OrgClaim>,
}

/// The version of the claims this crate describes (`v`).
pub const CLAIMS_VERSION: u8 = 2;

/// The `o` claim: the session's active organization.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgClaim {
    /// The organization id.
    pub id: String,
    /// The organization's slug.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slg: Option<String>,
    /// The user's role in it (`org:admin`, `org:member`, ...).
    pub rol: String,
}

/// The `kid` of an RSA signing key: `ins_` and the first 16 hex digits of
/// the SHA-256 of its big-endian modulus (`modulus_sha256`, computed by the
/// caller with whatever hash library it links).
pub fn key_id(modulus_sha256: &[u8]) -> String {
    let hex: String = modulus_sha256.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("ins_{hex}")
}

/// `{"keys": [...]}`: the public keys that verify session tokens
/// (`/v1/jwks`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Jwks {
    /// One key per signing key in use.
    pub keys: Vec<Jwk>,
}

/// An RSA public key for RS256 signatures.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Jwk {
    /// `RSA`.
    pub kty: String,
    /// `sig`.
    #[serde(rename = "use")]
    pub use_: String,
    /// `RS256`.
    pub alg: String,
    /// The key id tokens name in their header ([`key_id`]).
    pub kid: String,
    /// The modulus, base64url.
    pub n: String,
    /// The exponent, base64url.
    pub e: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_ids_take_eight_bytes_of_the_digest() {
        let digest: Vec<u8> = (0u8..32).collect();
        assert_eq!(key_id(&digest), "ins_0001020304050607");
    }

    #[test]
    fn claims_read_what_the_server_writes() {
        let claims = SessionClaims {
            iss: Some("https://id.example".into()),
            sub: "user_1".into(),
            sid: "sess_1".into(),
            azp: Some("https://app.example".into()),
            iat: Some(100),
            nbf: Some(90),
            exp: 160,
            v: Some(CLAIMS_VERSION),
            sts: Some(SessionStatus::Pending),
            o: Some(OrgClaim { id: "org_1".into(), slg: Some("acme".into()), rol: "org:admin".into() }),
        };
        let json = serde_json::to_value(&claims).expect("serializes");
        assert_eq!(json["sts"], "pending");
        assert_eq!(json["o"]["slg"], "acme");
        assert_eq!(serde_json::from_value::<SessionClaims>(json).expect("parses"), claims);
        let active = SessionClaims { sts: None, o: None, ..claims };
        let json = serde_json::to_value(&active).expect("serializes");
        assert!(json.get("sts").is_none() && json.get("o").is_none());
    }
}
