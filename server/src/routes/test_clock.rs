//! `POST /v1/dev/clock`: moves the clock of a server started with
//! `vestibule serve --test-clock` (development instances only), so
//! end-to-end tests step past time rules against the real binary instead of
//! sleeping. It is mounted only for that flag, inside `/v1` behind the same
//! Origin check as every state-changing call, and it asks whether the
//! instance is still a development one on every call (an operator may
//! switch the instance type at run time).

use crate::clock::{Clock, OffsetClock};
use crate::error::{ApiError, ApiResult};
use crate::input::Body;
use crate::state::AppState;
use axum::extract::State;
use axum::{Extension, Json};
use crate::openapi::{Api, Operation, Param};
use std::sync::Arc;

/// The route, over `clock`.
pub fn api(clock: Arc<OffsetClock>) -> Api {
    Api::new()
        .route(
            Operation::post("/dev/clock", "Move the server's clock forward (`serve --test-clock` on a development instance only).")
                .form([Param::number("advance_ms", 0, i64::MAX as u64).required()])
                .answers::<vestibule_protocol::wire::Envelope<serde_json::Value>>(),
            advance,
        )
        .map_router(|r| r.layer(Extension(clock)))
}

/// `advance_ms` forward; answers the new time (`{"response":{"now":ms}}`).
async fn advance(
    State(state): State<AppState>,
    Extension(clock): Extension<Arc<OffsetClock>>,
    Body(f): Body,
) -> ApiResult<Json<vestibule_protocol::wire::Envelope<serde_json::Value>>> {
    if !state.settings().is_development() {
        return Err(ApiError::not_found());
    }
    let ms = f.uint("advance_ms")?.ok_or_else(|| ApiError::invalid("advance_ms"))?;
    clock.advance(i64::try_from(ms).map_err(|_| ApiError::invalid("advance_ms"))?);
    Ok(Json(vestibule_protocol::wire::Envelope::alone(serde_json::json!({ "now": clock.now_ms() }))))
}
