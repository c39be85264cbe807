//! `ApiError`: the one way a handler fails. It renders the error envelope of
//! `frontend-api.md`; internal causes are logged and never sent.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use vestibule_protocol::error::{ErrorCode, ErrorEnvelope, ErrorMeta, WireError};

/// A failed request, as the caller will see it.
#[derive(Debug)]
pub struct ApiError {
    /// HTTP status (4xx, 500 for internal errors, 503 when a code could not be sent).
    pub status: StatusCode,
    /// The wire code.
    pub code: ErrorCode,
    /// Short message for people.
    pub message: String,
    /// Which field or session it concerns (boxed: most errors have little,
    /// and every `ApiResult` carries the size of its error).
    pub meta: Box<ErrorMeta>,
    /// Seconds for a `Retry-After` header.
    pub retry_after: Option<i64>,
}

impl ApiError {
    /// An error with a status, a code and a message.
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError { status, code, message: message.into(), meta: Box::default(), retry_after: None }
    }

    /// A 422 about one form field.
    pub fn field(code: ErrorCode, param: &str, message: impl Into<String>) -> ApiError {
        let mut e = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message);
        e.meta.param_name = Some(param.to_string());
        e
    }

    /// A required field is missing.
    pub fn missing(param: &str) -> ApiError {
        ApiError::field(ErrorCode::FormParamMissing, param, format!("{param} must be included."))
    }

    /// A field has the wrong shape.
    pub fn invalid(param: &str) -> ApiError {
        ApiError::field(ErrorCode::FormParamFormatInvalid, param, format!("{param} is invalid."))
    }

    /// 404 `resource_not_found`.
    pub fn not_found() -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, ErrorCode::ResourceNotFound, "Resource not found")
    }

    /// 401 `authentication_invalid`.
    pub fn unauthenticated() -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, ErrorCode::AuthenticationInvalid, "You are not signed in.")
    }

    /// 429 with `Retry-After`, and the wait in the message.
    pub fn too_many(retry_after_seconds: i64) -> ApiError {
        let seconds = retry_after_seconds.max(1);
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::TooManyRequests,
            format!("Too many requests. Try again in {}.", wait_text(seconds)),
        );
        e.retry_after = Some(seconds);
        e
    }

    /// An internal failure: logged here, sent as a bare 500.
    pub fn internal(cause: impl std::fmt::Display) -> ApiError {
        tracing::error!(error = %cause, "internal error");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::InternalError, "Something went wrong. Please try again.")
    }

    /// A message could not be sent: logged here, answered 503
    /// `delivery_failed` so the user knows to try again.
    pub fn delivery_failed(cause: impl std::fmt::Display) -> ApiError {
        tracing::error!(error = %cause, "delivery failed");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::DeliveryFailed,
            "We couldn't send the code. Please try again.",
        )
    }

    /// Adds the session the error concerns.
    pub fn with_session(mut self, session_id: &str) -> ApiError {
        self.meta.session_id = Some(session_id.to_string());
        self
    }
}

impl From<sqlx::Error> for ApiError {
    /// A database out of reach (no connection within the timeout, a
    /// connection lost, a database shutting down or busy) is a 503 the
    /// caller may retry; anything else is an internal error.
    fn from(e: sqlx::Error) -> ApiError {
        if unavailable(&e) {
            tracing::warn!(error = %e, "database unavailable");
            let mut answer = ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::ServiceUnavailable,
                "The service is briefly unavailable. Please try again.",
            );
            answer.retry_after = Some(1);
            return answer;
        }
        ApiError::internal(e)
    }
}

/// Whether `e` says the database cannot be reached or used right now,
/// rather than that the request or the code is wrong.
fn unavailable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => {
            let code = db.code().unwrap_or_default();
            if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                // SQLite (primary result code of the extended one): busy or
                // locked past the busy timeout, a read-only or failing disk,
                // a full disk or file-size limit, a file it cannot open.
                return code.parse::<i64>().is_ok_and(|c| matches!(c & 0xff, 5 | 6 | 8 | 10 | 13 | 14));
            }
            // PostgreSQL: connection exceptions (08), insufficient resources
            // (53: a full disk, out of memory, too many connections),
            // operator intervention (57P01-57P03, 57014 statement timeout),
            // a database not accepting connections (55000, as during
            // maintenance), a read-only transaction (25006, a standby).
            code.starts_with("08") || code.starts_with("53") || code.starts_with("57") || matches!(code.as_ref(), "55000" | "25006")
        }
        _ => false,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorEnvelope {
            errors: vec![WireError {
                code: self.code.as_str().to_string(),
                long_message: self.message.clone(),
                message: self.message,
                meta: *self.meta,
            }],
        };
        let mut res = (self.status, Json(body)).into_response();
        if let Some(s) = self.retry_after {
            if let Ok(v) = HeaderValue::from_str(&s.to_string()) {
                res.headers_mut().insert("retry-after", v);
            }
        }
        res
    }
}

/// What handlers return.
pub type ApiResult<T> = Result<T, ApiError>;

/// "59 minutes", "1 minute", "40 seconds": a wait as a message says it,
/// rounded up to whole minutes from a minute on.
pub fn wait_text(seconds: i64) -> String {
    let (n, unit) = if seconds >= 60 { ((seconds + 59) / 60, "minute") } else { (seconds.max(1), "second") };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}
