//! [`Api`]: routes and their documentation built by the same calls.

use super::document::Document;
use super::operation::Operation;
use crate::state::AppState;
use axum::handler::Handler;
use axum::http::header;
use axum::routing::{get, on};
use axum::Router;

/// An axum router together with the operations it serves.
#[derive(Default)]
pub struct Api {
    router: Router<AppState>,
    operations: Vec<Operation>,
}

impl Api {
    /// No routes.
    pub fn new() -> Api {
        Api::default()
    }

    /// Serves `operation` with `handler` and documents it.
    pub fn route<H, T>(mut self, operation: Operation, handler: H) -> Api
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.router = self
            .router
            .route(operation.path, on(operation.verb.filter(), handler));
        self.operations.push(operation);
        self
    }

    /// Both sets of routes.
    pub fn merge(mut self, other: Api) -> Api {
        self.router = self.router.merge(other.router);
        self.operations.extend(other.operations);
        self
    }

    /// Changes the router, for layers that wrap every route so far.
    pub fn map_router(mut self, f: impl FnOnce(Router<AppState>) -> Router<AppState>) -> Api {
        self.router = f(self.router);
        self
    }

    /// The operations served.
    pub fn operations(&self) -> &[Operation] {
        &self.operations
    }

    /// The router, with `GET /openapi.json` answering the document of every
    /// operation (that one included, and outside the layers given so far).
    /// `base` is where the API is mounted (`/v1`).
    pub fn publish(mut self, title: &str, base: &str, secured: bool) -> Router<AppState> {
        let own = Operation::get(
            "/openapi.json",
            "This document: the OpenAPI 3.1 description of this API.",
        )
        .public();
        self.operations.push(own);
        let body = Document::new(title, base, secured)
            .build(&self.operations)
            .to_string();
        self.router.route(
            "/openapi.json",
            get(move || async move { ([(header::CONTENT_TYPE, "application/json")], body) }),
        )
    }
}
