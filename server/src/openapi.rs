//! The published API schema: an OpenAPI 3.1 document of the Frontend API
//! (`/v1/openapi.json`) and one of the Backend API
//! (`/backend/v1/openapi.json`).
//!
//! Every API route is declared once, as an [`Operation`] handed to [`Api`]
//! with its handler: the same call routes it and documents it, so a route
//! cannot be served without its entry in the document, nor documented
//! without being served. Response schemas are derived from the wire types
//! the handlers serialize (`vestibule_protocol::wire`), so the document
//! follows the bodies too. `cargo xtask test` fuzzes the running server
//! against these documents with Schemathesis.

mod api;
mod document;
mod operation;

pub use api::Api;
pub use document::Document;
pub use operation::{Operation, Param};
