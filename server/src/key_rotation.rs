//! Signing-key rotation (`security.md`: a rotated key stays in the JWKS
//! until every token it signed has expired). A rotation stores a new key
//! and retires the one that signed, in one transaction; from then on the
//! new key signs, and the retired one is published beside it for the
//! token lifetime plus [`RETIRED_KEY_MARGIN_MS`], then dropped from the
//! JWKS. Every replica (and a server whose database an admin command
//! rotated) follows the stored keys within [`KEYS_POLL`].

use crate::keys::{KeyError, SigningKeys};
use crate::store::db::Db;
use crate::store::signing_keys;
use std::sync::Arc;
use std::time::Duration;
use vestibule_protocol::token::Jwks;

/// How much longer than the token lifetime a retired key is published:
/// the middleware forgives 5 s of clock skew by default; this leaves room
/// for a larger setting and for clocks further apart.
pub const RETIRED_KEY_MARGIN_MS: i64 = 5 * 60 * 1000;

/// A retired key is forgotten (at the next rotation) this long after it
/// was retired: far past the longest token lifetime (an hour) and the
/// margin.
pub const FORGET_RETIRED_AFTER_MS: i64 = 24 * 3600 * 1000;

/// How often a replica checks whether the stored keys changed.
pub const KEYS_POLL: Duration = Duration::from_secs(1);

/// The keys that sign and verify session tokens.
pub struct KeyRing {
    /// The key that signs.
    current: Arc<SigningKeys>,
    /// Every other key still published, with when it was retired (`None`
    /// for one another rotation made at the same moment, not yet retired).
    others: Vec<(Arc<SigningKeys>, Option<i64>)>,
}

impl KeyRing {
    /// A ring of the one key an instance starts with.
    pub fn single(keys: SigningKeys) -> KeyRing {
        KeyRing { current: Arc::new(keys), others: Vec::new() }
    }

    /// The key that signs.
    pub fn current(&self) -> &Arc<SigningKeys> {
        &self.current
    }

    /// The published keys at `now` for tokens that live `token_ttl_ms`:
    /// the current one first, then each other key until its retirement
    /// plus the token lifetime and the margin.
    pub fn jwks(&self, now: i64, token_ttl_ms: i64) -> Jwks {
        let published = self
            .others
            .iter()
            .filter(|(_, retired_at)| retired_at.is_none_or(|at| now < at + token_ttl_ms + RETIRED_KEY_MARGIN_MS))
            .map(|(k, _)| k.jwk().clone());
        Jwks { keys: std::iter::once(self.current.jwk().clone()).chain(published).collect() }
    }
}

/// Why the keys could not be read or rotated.
#[derive(Debug, thiserror::Error)]
pub enum RotationError {
    /// Database trouble.
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    /// A stored key does not parse, or a new one could not be made.
    #[error("{0}")]
    Key(#[from] KeyError),
}

/// The ring of an instance whose first key is `initial`: the newest stored
/// key that is not retired signs (`initial` when rotation never ran), and
/// the other stored keys are kept for the JWKS.
pub async fn load(db: &Db, initial: &Arc<SigningKeys>) -> Result<KeyRing, RotationError> {
    let rows = signing_keys::all(db).await?;
    let Some(current_at) = rows.iter().position(|r| r.retired_at.is_none()) else {
        let mut others = Vec::new();
        for row in rows.iter().filter(|r| r.kid != initial.kid()) {
            others.push((Arc::new(SigningKeys::from_pem(&row.pem)?), row.retired_at));
        }
        return Ok(KeyRing { current: initial.clone(), others });
    };
    let parse = |pem: &str| SigningKeys::from_pem(pem).map(Arc::new);
    let current = parse(&rows[current_at].pem)?;
    let mut others = Vec::new();
    for row in rows.iter().enumerate().filter(|(i, _)| *i != current_at).map(|(_, row)| row) {
        others.push((parse(&row.pem)?, row.retired_at));
    }
    Ok(KeyRing { current, others })
}

/// Makes a new key and makes it the one that signs: in one transaction the
/// key that signed until now (`signing`, stored when rotation never ran)
/// is retired at `now`, with every other unretired key, the new one is
/// stored, and keys retired [`FORGET_RETIRED_AFTER_MS`] ago are forgotten.
/// Returns the new key's id.
pub async fn rotate(db: &Db, signing: &SigningKeys, now: i64) -> Result<String, RotationError> {
    let pem = tokio::task::spawn_blocking(SigningKeys::new_pem)
        .await
        .map_err(|e| KeyError::Format(e.to_string()))??;
    let fresh = SigningKeys::from_pem(&pem)?;
    let mut tx = db.begin().await?;
    let unretired = signing_keys::all(&mut tx).await?.iter().any(|r| r.retired_at.is_none());
    if !unretired {
        signing_keys::insert(&mut tx, signing.kid(), signing.pem(), now, Some(now)).await?;
    }
    signing_keys::insert(&mut tx, fresh.kid(), fresh.pem(), now, None).await?;
    signing_keys::retire_all_but(&mut tx, fresh.kid(), now).await?;
    signing_keys::forget_retired_before(&mut tx, now - FORGET_RETIRED_AFTER_MS).await?;
    tx.commit().await?;
    Ok(fresh.kid().to_string())
}

/// The key an instance on `db` started with: `signing_key.pem` in
/// `data_dir` on SQLite, the shared `signing_key` secret on PostgreSQL.
pub async fn initial_key(db: &Db, data_dir: &std::path::Path) -> Result<SigningKeys, RotationError> {
    match db.backend() {
        crate::store::db::Backend::Sqlite => Ok(SigningKeys::load_or_create(data_dir)?),
        crate::store::db::Backend::Postgres => match crate::store::shared::secret(db, "signing_key").await? {
            Some(pem) => Ok(SigningKeys::from_pem(&pem)?),
            None => Err(RotationError::Key(KeyError::Format("the database holds no signing key: start the server once first".into()))),
        },
    }
}

/// Keeps `state`'s ring equal to the stored keys: a check every
/// [`KEYS_POLL`], a reload when they changed. Ends when the state is
/// dropped.
pub fn follow(state: &crate::state::AppState) {
    let weak = state.weak();
    tokio::spawn(async move {
        let mut seen = None;
        loop {
            let Some(state) = crate::state::AppState::upgrade(&weak) else { return };
            match signing_keys::version(&state.pool).await {
                Ok(version) if seen.as_ref() != Some(&version) => {
                    if seen.is_some() {
                        if let Err(e) = state.reload_keys().await {
                            tracing::warn!(error = %e, "could not load the rotated signing keys");
                            drop(state);
                            tokio::time::sleep(KEYS_POLL).await;
                            continue;
                        }
                    }
                    seen = Some(version);
                }
                Ok(_) => {}
                Err(e) => tracing::debug!(error = %e, "could not read the signing keys"),
            }
            drop(state);
            tokio::time::sleep(KEYS_POLL).await;
        }
    });
}
