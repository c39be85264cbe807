//! Webhook retries outlive a restart: at shutdown the messages still to be
//! retried are written down (the body sealed with the MFA key, since it
//! carries a code), and the next server to start takes them over with the
//! same id and signature. A receiver that has the message already knows it
//! by its `Vestibule-Id`.

use super::PendingMessage;
use crate::state::AppState;
use crate::store::webhook_retries::{self, RetryRow};
use vestibule_protocol::Channel;

/// The sealing context of a written-down body.
const CONTEXT: &str = "webhook_retry";

/// Writes down every message the senders are still retrying, in one
/// transaction; how many.
pub async fn write_down(state: &AppState) -> Result<usize, String> {
    let pending = state.delivery.pending();
    if pending.is_empty() {
        return Ok(0);
    }
    let now = state.now();
    let mut tx = state.pool.begin().await.map_err(|e| e.to_string())?;
    for m in &pending {
        let sealed_body = state.mfa_keys.seal(&m.body, CONTEXT).map_err(|e| format!("cannot seal a webhook body: {e:?}"))?;
        let row = RetryRow {
            id: m.id.clone(),
            channel: m.channel.as_str().to_string(),
            url: m.url.clone(),
            signature: m.signature.clone(),
            sealed_body,
            tries: i64::from(m.tries),
            created_at: now,
        };
        webhook_retries::insert(&mut tx, &row).await.map_err(|e| e.to_string())?;
    }
    tx.commit().await.map_err(|e| e.to_string())?;
    Ok(pending.len())
}

/// Takes over the messages a stopped server wrote down; how many are being
/// retried again.
pub async fn resume(state: &AppState) -> Result<usize, String> {
    let rows = webhook_retries::take_all(&state.pool).await.map_err(|e| e.to_string())?;
    let mut resumed = 0;
    for row in rows {
        let Ok(channel) = Channel::try_from(row.channel.clone()) else {
            tracing::error!(id = %row.id, channel = %row.channel, "a written-down webhook of an unknown channel; dropped");
            continue;
        };
        let body = match state.mfa_keys.open(&row.sealed_body, CONTEXT) {
            Ok(body) => body,
            Err(e) => {
                tracing::error!(id = %row.id, error = ?e, "a written-down webhook cannot be opened with this MFA key; dropped");
                continue;
            }
        };
        let message = PendingMessage {
            id: row.id.clone(),
            channel,
            url: row.url,
            signature: row.signature,
            body,
            tries: u32::try_from(row.tries).unwrap_or(1),
        };
        if state.delivery.resume(message) {
            resumed += 1;
        } else {
            tracing::error!(id = %row.id, %channel, "a written-down webhook, but no webhook sender for its channel now; dropped");
        }
    }
    Ok(resumed)
}
