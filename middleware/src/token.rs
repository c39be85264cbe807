//! The session token: its claims as the server mints them, and the checks
//! that make one trustworthy without asking the server (`security.md`,
//! "Sessions and tokens"): RS256 only, a known `kid`, a valid signature,
//! `exp` not past and `nbf`/`iat` not ahead (within the clock skew), `azp`
//! present and among the authorized parties, and `iss` equal to the issuer.
//! The last two are on by default (the Frontend API's origin and URL, see
//! [`VestibuleConfig`]); an application opts out of each explicitly.

use crate::config::{Clock, VestibuleConfig};
use crate::jwks::KeySource;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Deserialize;
use std::sync::Arc;

/// The claims of a Vestibule session token and its `o` claim, as the
/// server signs them (`frontend-api.md` section 2).
pub use vestibule_protocol::token::{OrgClaim, SessionClaims};

/// Why a token does not authenticate its bearer.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Not three base64url parts with a JSON header and payload.
    #[error("the token is malformed")]
    Malformed,
    /// The header names another algorithm than RS256 (`none`, `HS256`, ...).
    #[error("algorithm {0:?} is not accepted; only RS256 is")]
    Algorithm(String),
    /// The header has no `kid`.
    #[error("the token names no key")]
    MissingKid,
    /// The `kid` is not in the JWKS, even after refetching it.
    #[error("the token names an unknown key")]
    UnknownKid,
    /// The signature does not match the key.
    #[error("the signature is invalid")]
    Signature,
    /// `exp` is in the past (beyond the clock skew).
    #[error("the token expired at {exp} (now {now})")]
    Expired {
        /// The `exp` claim.
        exp: i64,
        /// The time of the check.
        now: i64,
    },
    /// `nbf` (or `iat`) is in the future (beyond the clock skew).
    #[error("the token is not valid before {nbf} (now {now})")]
    NotYetValid {
        /// The `nbf` (or `iat`) claim.
        nbf: i64,
        /// The time of the check.
        now: i64,
    },
    /// `azp` is not one of the authorized parties.
    #[error("the token was minted for another party: {0:?}")]
    UnauthorizedParty(String),
    /// The token has no `azp` (or an empty one) while authorized parties
    /// are configured.
    #[error("the token names no authorized party")]
    MissingAzp,
    /// `iss` is not the configured issuer (or is missing: the value is then
    /// empty).
    #[error("the token was issued by {0:?}")]
    Issuer(String),
    /// `sts` names a status that does not authenticate (`ended`,
    /// `revoked`, ...). A value that is no status at all makes the token
    /// [`TokenError::Malformed`].
    #[error("unknown session status {0:?}")]
    UnknownStatus(String),
    /// The JWKS could not be fetched.
    #[error("the JWKS is unavailable: {0}")]
    JwksUnavailable(String),
}

impl TokenError {
    /// Whether the token was good but is past its lifetime (what sends a
    /// browser through the handshake).
    pub fn is_expired(&self) -> bool {
        matches!(self, TokenError::Expired { .. })
    }
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default)]
    crit: Option<serde_json::Value>,
}

/// Checks tokens against one key source and one set of rules.
pub(crate) struct Verifier {
    pub(crate) keys: KeySource,
    pub(crate) authorized_parties: Vec<String>,
    pub(crate) issuer: Option<String>,
    pub(crate) skew: i64,
    pub(crate) clock: Clock,
}

fn split(token: &str) -> Option<(&str, &str, &str)> {
    let mut parts = token.split('.');
    let header = parts.next()?;
    let payload = parts.next()?;
    let signature = parts.next()?;
    if parts.next().is_some() || header.is_empty() || payload.is_empty() {
        return None;
    }
    Some((header, payload, signature))
}

impl Verifier {
    /// A verifier of `config`'s rules over `keys`.
    pub(crate) fn new(keys: KeySource, config: &VestibuleConfig) -> Verifier {
        Verifier {
            keys,
            authorized_parties: config.authorized_parties.clone(),
            issuer: config.issuer.clone(),
            skew: i64::try_from(config.clock_skew.as_secs()).unwrap_or(i64::MAX),
            clock: Arc::clone(&config.clock),
        }
    }

    /// The claims of `token` when it passes every check.
    pub(crate) async fn verify(&self, token: &str) -> Result<SessionClaims, TokenError> {
        let (header_b64, payload_b64, signature_b64) = split(token).ok_or(TokenError::Malformed)?;
        let header_json = URL_SAFE_NO_PAD.decode(header_b64).map_err(|_| TokenError::Malformed)?;
        let header: Header = serde_json::from_slice(&header_json).map_err(|_| TokenError::Malformed)?;
        if header.alg != "RS256" {
            return Err(TokenError::Algorithm(header.alg));
        }
        if header.crit.is_some() {
            return Err(TokenError::Malformed);
        }
        let kid = header.kid.ok_or(TokenError::MissingKid)?;
        let key = self.keys.key(&kid).await?;
        let signature = URL_SAFE_NO_PAD.decode(signature_b64).map_err(|_| TokenError::Signature)?;
        let signed = &token[..header_b64.len() + 1 + payload_b64.len()];
        if !key.verify(signed.as_bytes(), &signature) {
            return Err(TokenError::Signature);
        }
        let payload = URL_SAFE_NO_PAD.decode(payload_b64).map_err(|_| TokenError::Malformed)?;
        let claims: SessionClaims = serde_json::from_slice(&payload).map_err(|_| TokenError::Malformed)?;
        self.check_claims(&claims)?;
        Ok(claims)
    }

    /// The time, party, issuer and status rules.
    fn check_claims(&self, claims: &SessionClaims) -> Result<(), TokenError> {
        let now = (self.clock)();
        if now.saturating_sub(self.skew) > claims.exp {
            return Err(TokenError::Expired { exp: claims.exp, now });
        }
        for not_before in [claims.nbf, claims.iat].into_iter().flatten() {
            if not_before > now.saturating_add(self.skew) {
                return Err(TokenError::NotYetValid { nbf: not_before, now });
            }
        }
        // An empty list is the explicit opt-out; otherwise `azp` is required.
        if !self.authorized_parties.is_empty() {
            let azp = claims.azp.as_deref().filter(|a| !a.is_empty()).ok_or(TokenError::MissingAzp)?;
            if !self.authorized_parties.iter().any(|p| p.trim_end_matches('/') == azp.trim_end_matches('/')) {
                return Err(TokenError::UnauthorizedParty(azp.to_string()));
            }
        }
        if let Some(expected) = &self.issuer {
            let iss = claims.iss.as_deref().unwrap_or_default();
            if iss.trim_end_matches('/') != expected.trim_end_matches('/') {
                return Err(TokenError::Issuer(iss.to_string()));
            }
        }
        match claims.sts {
            Some(status) if !status.is_live() => Err(TokenError::UnknownStatus(status.as_str().to_string())),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vestibule_protocol::SessionStatus;

    fn verifier(now: i64, parties: &[&str], issuer: Option<&str>) -> Verifier {
        Verifier {
            keys: KeySource::Static(Default::default()),
            authorized_parties: parties.iter().map(|p| p.to_string()).collect(),
            issuer: issuer.map(str::to_string),
            skew: 5,
            clock: Arc::new(move || now),
        }
    }

    fn claims(iat: i64) -> SessionClaims {
        SessionClaims {
            iss: Some("https://accounts.example.com".into()),
            sub: "user_1".into(),
            sid: "sess_1".into(),
            azp: Some("https://app.example.com".into()),
            iat: Some(iat),
            nbf: Some(iat - 10),
            exp: iat + 60,
            v: Some(2),
            sts: None,
            o: None,
        }
    }

    #[test]
    fn expiry_is_forgiven_for_exactly_the_skew() {
        let c = claims(1000);
        assert_eq!(verifier(1065, &[], None).check_claims(&c), Ok(()), "exp + 5 s still passes");
        assert_eq!(verifier(1066, &[], None).check_claims(&c), Err(TokenError::Expired { exp: 1060, now: 1066 }));
    }

    #[test]
    fn not_before_and_issued_at_are_forgiven_for_exactly_the_skew() {
        let mut c = claims(1000);
        c.nbf = Some(1010);
        assert_eq!(verifier(1005, &[], None).check_claims(&c), Ok(()), "nbf - 5 s still passes");
        assert_eq!(verifier(1004, &[], None).check_claims(&c), Err(TokenError::NotYetValid { nbf: 1010, now: 1004 }));
        let mut c = claims(1000);
        c.nbf = None;
        assert_eq!(verifier(995, &[], None).check_claims(&c), Ok(()));
        assert_eq!(verifier(994, &[], None).check_claims(&c), Err(TokenError::NotYetValid { nbf: 1000, now: 994 }));
    }

    #[test]
    fn authorized_parties_and_issuer() {
        let c = claims(1000);
        assert_eq!(verifier(1000, &[], None).check_claims(&c), Ok(()), "no list: azp not checked");
        assert_eq!(verifier(1000, &["https://app.example.com/"], None).check_claims(&c), Ok(()));
        assert_eq!(
            verifier(1000, &["https://other.example.com"], None).check_claims(&c),
            Err(TokenError::UnauthorizedParty("https://app.example.com".into()))
        );
        let mut no_azp = claims(1000);
        no_azp.azp = None;
        assert_eq!(verifier(1000, &["https://other.example.com"], None).check_claims(&no_azp), Err(TokenError::MissingAzp));
        assert_eq!(verifier(1000, &[], None).check_claims(&no_azp), Ok(()), "no list: azp not required");
        assert_eq!(verifier(1000, &[], Some("https://accounts.example.com/")).check_claims(&c), Ok(()));
        assert!(matches!(verifier(1000, &[], Some("https://evil.example")).check_claims(&c), Err(TokenError::Issuer(_))));
    }

    const FRONTEND_API: &str = "http://127.0.0.1:8080";

    /// The rules of `config` (its clock replaced by `now`).
    fn verifier_of(config: VestibuleConfig, now: i64) -> Verifier {
        Verifier::new(KeySource::Static(Default::default()), &VestibuleConfig { clock: Arc::new(move || now), ..config })
    }

    /// Claims as the server at `FRONTEND_API` mints them for its own pages.
    fn minted_by_the_frontend_api() -> SessionClaims {
        SessionClaims { iss: Some(FRONTEND_API.into()), azp: Some(FRONTEND_API.into()), ..claims(1000) }
    }

    #[test]
    fn default_config_accepts_a_token_of_the_frontend_api_for_its_origin() {
        let v = verifier_of(VestibuleConfig::new(format!("{FRONTEND_API}/")), 1000);
        assert_eq!(v.check_claims(&minted_by_the_frontend_api()), Ok(()));
    }

    #[test]
    fn default_config_refuses_another_issuer() {
        let v = verifier_of(VestibuleConfig::new(FRONTEND_API), 1000);
        let other = SessionClaims { iss: Some("http://127.0.0.1:9090".into()), ..minted_by_the_frontend_api() };
        assert_eq!(v.check_claims(&other), Err(TokenError::Issuer("http://127.0.0.1:9090".into())));
        let none = SessionClaims { iss: None, ..minted_by_the_frontend_api() };
        assert_eq!(v.check_claims(&none), Err(TokenError::Issuer(String::new())));
    }

    #[test]
    fn default_config_refuses_an_azp_of_another_origin() {
        let v = verifier_of(VestibuleConfig::new(FRONTEND_API), 1000);
        for foreign in ["https://app.example.com", "http://127.0.0.1:3000", "http://localhost:8080"] {
            let c = SessionClaims { azp: Some(foreign.into()), ..minted_by_the_frontend_api() };
            assert_eq!(v.check_claims(&c), Err(TokenError::UnauthorizedParty(foreign.into())), "{foreign}");
        }
    }

    #[test]
    fn default_config_refuses_a_token_without_azp() {
        let v = verifier_of(VestibuleConfig::new(FRONTEND_API), 1000);
        for azp in [None, Some(String::new())] {
            let c = SessionClaims { azp, ..minted_by_the_frontend_api() };
            assert_eq!(v.check_claims(&c), Err(TokenError::MissingAzp));
        }
    }

    #[test]
    fn opting_out_turns_off_only_the_check_named() {
        let foreign_iss = SessionClaims { iss: Some("https://elsewhere.example".into()), ..minted_by_the_frontend_api() };
        let foreign_azp = SessionClaims { azp: Some("https://elsewhere.example".into()), ..minted_by_the_frontend_api() };
        let no_azp = SessionClaims { azp: None, ..minted_by_the_frontend_api() };

        let no_issuer = verifier_of(VestibuleConfig { issuer: None, ..VestibuleConfig::new(FRONTEND_API) }, 1000);
        assert_eq!(no_issuer.check_claims(&foreign_iss), Ok(()), "issuer: None, any iss passes");
        assert_eq!(no_issuer.check_claims(&SessionClaims { iss: None, ..minted_by_the_frontend_api() }), Ok(()));
        assert_eq!(no_issuer.check_claims(&foreign_azp), Err(TokenError::UnauthorizedParty("https://elsewhere.example".into())));
        assert_eq!(no_issuer.check_claims(&no_azp), Err(TokenError::MissingAzp));

        let no_parties = verifier_of(VestibuleConfig { authorized_parties: Vec::new(), ..VestibuleConfig::new(FRONTEND_API) }, 1000);
        assert_eq!(no_parties.check_claims(&foreign_azp), Ok(()), "no parties: any azp passes");
        assert_eq!(no_parties.check_claims(&no_azp), Ok(()), "no parties: azp not required");
        assert_eq!(no_parties.check_claims(&foreign_iss), Err(TokenError::Issuer("https://elsewhere.example".into())));
    }

    #[test]
    fn unknown_session_status_is_refused() {
        let mut c = claims(1000);
        c.sts = Some(SessionStatus::Pending);
        assert_eq!(verifier(1000, &[], None).check_claims(&c), Ok(()));
        c.sts = Some(SessionStatus::Revoked);
        assert_eq!(verifier(1000, &[], None).check_claims(&c), Err(TokenError::UnknownStatus("revoked".into())));
    }

    #[test]
    fn malformed_tokens_are_refused_before_any_key_lookup() {
        let v = verifier(1000, &[], None);
        let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
        for token in ["", "a", "a.b", "a.b.c.d", "!!.e30.", "e30.e30.sig"] {
            let got = rt.block_on(v.verify(token));
            assert!(matches!(got, Err(TokenError::Malformed | TokenError::Algorithm(_))), "{token}: {got:?}");
        }
        let none = format!("{}.{}.", URL_SAFE_NO_PAD.encode(br#"{"alg":"none","kid":"k"}"#), URL_SAFE_NO_PAD.encode(b"{}"));
        assert_eq!(rt.block_on(v.verify(&none)), Err(TokenError::Algorithm("none".into())));
        let no_kid = format!("{}.{}.sig", URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256"}"#), URL_SAFE_NO_PAD.encode(b"{}"));
        assert_eq!(rt.block_on(v.verify(&no_kid)), Err(TokenError::MissingKid));
    }
}
