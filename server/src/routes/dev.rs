//! `GET /dev/outbox`: what the development delivery "sent" (development
//! instances only).

use crate::error::{ApiError, ApiResult};
use crate::input::Query;
use crate::state::AppState;
use crate::openapi::{Api, Operation, Param};
use crate::store::outbox;
use axum::extract::State;
use axum::Json;
use vestibule_protocol::wire::{Envelope, ListJson, OutboxMessageJson};

/// Routes of this module.
pub fn api() -> Api {
    Api::new().route(
        Operation::get("/dev/outbox", "Messages the development delivery kept (development instances only).")
            .query(Param::page())
            .answers::<Envelope<ListJson<OutboxMessageJson>>>(),
        list,
    )
}

async fn list(State(state): State<AppState>, Query(q): Query) -> ApiResult<Json<Envelope<ListJson<OutboxMessageJson>>>> {
    if !state.settings().is_development() {
        return Err(ApiError::not_found());
    }
    let (limit, offset) = q.page()?;
    let rows = outbox::list(&state.pool, limit, offset).await?;
    let data = rows
        .into_iter()
        .map(|r| OutboxMessageJson {
            id: r.id,
            channel: r.channel,
            to: r.recipient,
            subject: r.subject,
            body: r.body,
            code: r.code,
            created_at: r.created_at,
        })
        .collect();
    let list = ListJson { data, total_count: outbox::count(&state.pool).await?.max(0) as u64 };
    Ok(Json(Envelope::alone(list)))
}
