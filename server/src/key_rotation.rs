//! Signing-key rotation (`security.md`: a rotated key stays in the JWKS
//! until every token it signed has expired). A rotation stores a new key
//! and retires the one that signed, in one transaction. The new key is
//! published at once and signs from [`PUBLISH_FIRST_MS`] on, by when every
//! replica (and a server whose database an admin command rotated, which
//! follows the stored keys every [`KEYS_POLL`]) publishes it too, so no
//! application refetching the JWKS from any replica misses it. The retired
//! key keeps signing until then, and stays published for
//! [`RETIRED_KEY_WINDOW_MS`] after its retirement: past the last token it
//! signed, whatever the token lifetime is set to.

use crate::keys::{KeyError, SigningKeys};
use crate::store::db::Db;
use crate::store::signing_keys;
use std::sync::Arc;
use std::time::Duration;
use vestibule_protocol::token::Jwks;

/// How often a replica checks whether the stored keys changed.
pub const KEYS_POLL: Duration = Duration::from_secs(1);

/// How long a new key is published before it signs: two polls of every
/// replica.
pub const PUBLISH_FIRST_MS: i64 = 2 * 1000;

/// How long a retired key stays published: the longest token lifetime, the
/// time it may still sign, and 5 minutes of margin (the middleware
/// forgives 5 s of clock skew by default; clocks may differ more).
pub const RETIRED_KEY_WINDOW_MS: i64 =
    crate::settings::MAX_SESSION_TOKEN_TTL_SECONDS as i64 * 1000 + PUBLISH_FIRST_MS + 5 * 60 * 1000;

/// A retired key is forgotten (at the next rotation) this long after it
/// was retired: far past [`RETIRED_KEY_WINDOW_MS`].
pub const FORGET_RETIRED_AFTER_MS: i64 = 24 * 3600 * 1000;

/// One key of the ring.
struct RingKey {
    keys: Arc<SigningKeys>,
    /// When it was stored (0 for the key the instance started with).
    created_at: i64,
    /// When another key replaced it.
    retired_at: Option<i64>,
}

/// The keys that sign and verify session tokens: those not retired (the
/// newest first), then the retired ones (the most recently retired first).
pub struct KeyRing {
    /// The key the instance started with, which signs when nothing else
    /// does (before the first rotation).
    initial: Arc<SigningKeys>,
    keys: Vec<RingKey>,
}

impl KeyRing {
    /// The key that signs at `now`: the newest key not retired that has
    /// been published for [`PUBLISH_FIRST_MS`]; until then, the one it
    /// replaced.
    pub fn signer(&self, now: i64) -> &Arc<SigningKeys> {
        let ready = self.keys.iter().find(|k| k.retired_at.is_none() && now >= k.created_at + PUBLISH_FIRST_MS);
        let previous = || self.keys.iter().find(|k| k.retired_at.is_some());
        ready.or_else(previous).map_or(&self.initial, |k| &k.keys)
    }

    /// The published keys at `now`: every key not retired, and each
    /// retired one until [`RETIRED_KEY_WINDOW_MS`] after its retirement;
    /// the one that signs first.
    pub fn jwks(&self, now: i64) -> Jwks {
        let signer = self.signer(now).kid().to_string();
        let published = self
            .keys
            .iter()
            .filter(|k| k.retired_at.is_none_or(|at| now < at + RETIRED_KEY_WINDOW_MS))
            .map(|k| k.keys.jwk().clone());
        let (first, rest): (Vec<_>, Vec<_>) = published.partition(|jwk| jwk.kid == signer);
        Jwks { keys: first.into_iter().chain(rest).collect() }
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

/// The ring of an instance whose first key is `initial`: the stored keys
/// (in [`signing_keys::all`]'s order), or `initial` alone when rotation
/// never ran.
pub async fn load(db: &Db, initial: &Arc<SigningKeys>) -> Result<KeyRing, RotationError> {
    let rows = signing_keys::all(db).await?;
    if rows.is_empty() {
        let only = RingKey { keys: initial.clone(), created_at: 0, retired_at: None };
        return Ok(KeyRing { initial: initial.clone(), keys: vec![only] });
    }
    let mut keys = Vec::with_capacity(rows.len());
    for row in rows {
        let parsed = if row.kid == initial.kid() { initial.clone() } else { Arc::new(SigningKeys::from_pem(&row.pem)?) };
        keys.push(RingKey { keys: parsed, created_at: row.created_at, retired_at: row.retired_at });
    }
    Ok(KeyRing { initial: initial.clone(), keys })
}

/// Makes a new key: in one transaction the key that signed until now
/// (`signing`, stored when rotation never ran) is retired at `now`, with
/// every other key not yet retired, the new one is stored, and keys retired
/// [`FORGET_RETIRED_AFTER_MS`] ago are forgotten. It signs from
/// [`PUBLISH_FIRST_MS`] on. Returns the new key's id.
pub async fn rotate(db: &Db, signing: &SigningKeys, now: i64) -> Result<String, RotationError> {
    let pem = tokio::task::spawn_blocking(SigningKeys::new_pem)
        .await
        .map_err(|e| KeyError::Format(e.to_string()))??;
    let fresh = SigningKeys::from_pem(&pem)?;
    let mut tx = db.begin().await?;
    let unretired = signing_keys::version(&mut tx).await?.iter().any(|(_, retired_at)| retired_at.is_none());
    if !unretired {
        signing_keys::insert(&mut tx, signing.kid(), signing.pem(), 0, Some(now)).await?;
    }
    signing_keys::insert(&mut tx, fresh.kid(), fresh.pem(), now, None).await?;
    signing_keys::retire_all_but(&mut tx, fresh.kid(), now).await?;
    signing_keys::forget_retired_before(&mut tx, now - FORGET_RETIRED_AFTER_MS).await?;
    tx.commit().await?;
    Ok(fresh.kid().to_string())
}

/// The key an instance on `db` started with: `signing_key.pem` in
/// `data_dir` on SQLite (which must be there: a key made here would not be
/// the instance's), the shared `signing_key` secret on PostgreSQL.
pub async fn initial_key(db: &Db, data_dir: &std::path::Path) -> Result<SigningKeys, RotationError> {
    let pem = match db.backend() {
        crate::store::db::Backend::Sqlite => {
            let path = data_dir.join("signing_key.pem");
            std::fs::read_to_string(&path)
                .map_err(|e| KeyError::Format(format!("{}: {e} (is --data-dir the server's?)", path.display())))?
        }
        crate::store::db::Backend::Postgres => crate::store::shared::secret(db, "signing_key")
            .await?
            .ok_or_else(|| KeyError::Format("the database holds no signing key: start the server once first".into()))?,
    };
    Ok(SigningKeys::from_pem(&pem)?)
}

/// Keeps `state`'s ring equal to the stored keys: a check every
/// [`KEYS_POLL`] (the first at once, for a rotation between the start's
/// load and this loop), a reload when they changed. Ends when the state is
/// dropped.
pub fn follow(state: &crate::state::AppState) {
    let weak = state.weak();
    tokio::spawn(async move {
        let mut seen = None;
        loop {
            let Some(state) = crate::state::AppState::upgrade(&weak) else { return };
            match signing_keys::version(&state.pool).await {
                Ok(version) if seen.as_ref() != Some(&version) => match state.reload_keys().await {
                    Ok(()) => seen = Some(version),
                    Err(e) => tracing::warn!(error = %e, "could not load the rotated signing keys"),
                },
                Ok(_) => {}
                Err(e) => tracing::debug!(error = %e, "could not read the signing keys"),
            }
            drop(state);
            tokio::time::sleep(KEYS_POLL).await;
        }
    });
}
