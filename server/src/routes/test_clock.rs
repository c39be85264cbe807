//! `POST /v1/dev/clock`: moves the clock of a server started with
//! `vestibule serve --test-clock` (development instances only), so
//! end-to-end tests step past time rules against the real binary instead of
//! sleeping. It is mounted by the command line, never by [`crate::router`].

use crate::clock::{Clock, OffsetClock};
use crate::error::{ApiError, ApiResult};
use crate::input::Body;
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use std::sync::Arc;

/// The route, over `clock`.
pub fn router(clock: Arc<OffsetClock>) -> Router {
    Router::new().route("/v1/dev/clock", post(advance)).with_state(clock)
}

/// `advance_ms` forward; answers the new time (`{"response":{"now":ms}}`).
async fn advance(State(clock): State<Arc<OffsetClock>>, Body(f): Body) -> ApiResult<Json<serde_json::Value>> {
    let ms = f.uint("advance_ms")?.ok_or_else(|| ApiError::invalid("advance_ms"))?;
    clock.advance(i64::try_from(ms).map_err(|_| ApiError::invalid("advance_ms"))?);
    Ok(Json(serde_json::json!({ "response": { "now": clock.now_ms() }, "client": null })))
}
