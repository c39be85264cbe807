//! The OpenAPI 3.1 document of one API: its operations, the component
//! schemas of the wire types they answer, and the error envelope.

use super::operation::Operation;
use schemars::generate::{Contract, SchemaSettings};
use serde_json::{json, Map, Value};
use vestibule_protocol::ErrorEnvelope;

/// How one API's document is written.
pub struct Document {
    title: String,
    base: String,
    secured: bool,
}

impl Document {
    /// An API called `title`, mounted at `base`; `secured` when it asks
    /// for the secret key.
    pub fn new(title: &str, base: &str, secured: bool) -> Document {
        Document {
            title: title.to_string(),
            base: base.to_string(),
            secured,
        }
    }

    /// The document of `operations`.
    pub fn build(&self, operations: &[Operation]) -> Value {
        // The answers are what the server writes: a field serde always
        // writes is required, an `Option` is nullable.
        let mut g = SchemaSettings::draft2020_12()
            .with(|s| {
                s.definitions_path = "/components/schemas".into();
                s.contract = Contract::Serialize;
            })
            .into_generator();
        let error = g.subschema_for::<ErrorEnvelope>();
        let mut paths = Map::new();
        for op in operations {
            let item = paths
                .entry(op.path().to_string())
                .or_insert_with(|| json!({}));
            item[op.method()] = op.describe(&mut g, &error, self.secured);
        }
        for op in operations {
            for source in op.sources() {
                let from = operations
                    .iter()
                    .find(|o| o.operation_id() == source.operation_id);
                let Some(from) = from else { continue };
                let link = json!({
                    "operationId": op.operation_id(),
                    "parameters": { source.param: format!("$response.body#{}", source.pointer) },
                });
                let links = &mut paths[from.path()][from.method()]["responses"]["200"]["links"];
                if links.is_null() {
                    *links = json!({});
                }
                links[op.operation_id()] = link;
            }
        }
        let mut components = json!({ "schemas": g.take_definitions(true) });
        let mut doc = json!({
            "openapi": "3.1.0",
            "info": { "title": self.title, "version": env!("CARGO_PKG_VERSION") },
            "servers": [{ "url": self.base }],
            "paths": paths,
        });
        if self.secured {
            components["securitySchemes"] = json!({ "secretKey": { "type": "http", "scheme": "bearer", "description": "The instance's secret key (`sk_...`)." } });
            doc["security"] = json!([{ "secretKey": [] }]);
        }
        doc["components"] = components;
        doc
    }
}
