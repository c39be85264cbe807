//! One documented route: its method, path, parameters and answers, written
//! next to its handler in the route modules.

use axum::routing::MethodFilter;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{json, Map, Value};
use std::borrow::Cow;
use vestibule_protocol::wire::Envelope;
use vestibule_protocol::Strategy;

/// Writes the schema of a response body into a generator.
type BodySchema = fn(&mut SchemaGenerator) -> Schema;

/// The HTTP methods the APIs use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verb {
    Get,
    Post,
    Patch,
    Delete,
}

impl Verb {
    /// The method filter axum routes by.
    pub(crate) fn filter(self) -> MethodFilter {
        match self {
            Verb::Get => MethodFilter::GET,
            Verb::Post => MethodFilter::POST,
            Verb::Patch => MethodFilter::PATCH,
            Verb::Delete => MethodFilter::DELETE,
        }
    }

    /// The key of the operation under its path in the document.
    pub(crate) fn key(self) -> &'static str {
        match self {
            Verb::Get => "get",
            Verb::Post => "post",
            Verb::Patch => "patch",
            Verb::Delete => "delete",
        }
    }
}

/// What a successful call answers.
#[derive(Clone, Copy)]
enum Answer {
    /// A JSON body of this schema.
    Json(BodySchema),
    /// `302 Found` to another address.
    Redirect,
    /// Text of this media type.
    Text(&'static str),
}

/// A parameter of a form body or a query string.
#[derive(Clone, Debug)]
pub struct Param {
    name: Cow<'static, str>,
    required: bool,
    repeated: bool,
    schema: Value,
}

impl Param {
    /// An optional text parameter.
    pub fn text(name: impl Into<Cow<'static, str>>) -> Param {
        Param {
            name: name.into(),
            required: false,
            repeated: false,
            schema: json!({ "type": "string" }),
        }
    }

    /// An optional email address.
    pub fn email(name: impl Into<Cow<'static, str>>) -> Param {
        Param { schema: json!({ "type": "string", "format": "email" }), ..Param::text(name) }
    }

    /// An optional `true` / `false` parameter (`1` and `0` are read too).
    pub fn flag(name: impl Into<Cow<'static, str>>) -> Param {
        Param {
            schema: json!({ "type": "string", "enum": ["true", "false", "1", "0"] }),
            ..Param::text(name)
        }
    }

    /// An optional whole number from `min` to `max`.
    pub fn number(name: impl Into<Cow<'static, str>>, min: u64, max: u64) -> Param {
        Param {
            schema: json!({ "type": "integer", "minimum": min, "maximum": max }),
            ..Param::text(name)
        }
    }

    /// An optional parameter that is one of `words`.
    pub fn one_of(name: impl Into<Cow<'static, str>>, words: &[&str]) -> Param {
        Param {
            schema: json!({ "type": "string", "enum": words }),
            ..Param::text(name)
        }
    }

    /// The required `strategy` parameter, one of `allowed`.
    pub fn strategy(allowed: &[Strategy]) -> Param {
        let words: Vec<&str> = allowed.iter().map(|s| s.as_str()).collect();
        Param::one_of("strategy", &words).required()
    }

    /// The `limit` and `offset` of a page of a list.
    pub fn page() -> [Param; 2] {
        [
            Param::number("limit", 1, 100),
            Param::number("offset", 0, i64::MAX as u64),
        ]
    }

    /// The parameter must be given, and not empty.
    pub fn required(mut self) -> Param {
        self.required = true;
        if self.schema["type"] == "string" && self.schema.get("enum").is_none() && self.schema.get("format").is_none() {
            self.schema["minLength"] = json!(1);
        }
        self
    }

    /// The parameter may be given several times (`?status=a&status=b`).
    pub fn repeated(mut self) -> Param {
        self.repeated = true;
        self
    }

    /// The schema of the value as sent. An empty value of an optional
    /// parameter is the same as not giving it (clerk-js sends empty
    /// fields), so it is allowed beside the typed ones.
    fn schema(&self) -> Value {
        let constrained = self.schema["type"] != "string" || self.schema.get("enum").is_some() || self.schema.get("format").is_some();
        let one = if !self.required && constrained {
            json!({ "anyOf": [self.schema, { "type": "string", "maxLength": 0 }] })
        } else {
            self.schema.clone()
        };
        if self.repeated {
            json!({ "type": "array", "items": one })
        } else {
            one
        }
    }
}

/// One route of an API, as the document describes it.
#[derive(Clone)]
pub struct Operation {
    pub(crate) verb: Verb,
    pub(crate) path: &'static str,
    summary: &'static str,
    form: Vec<Param>,
    query: Vec<Param>,
    answer: Answer,
    public: bool,
    sources: Vec<Source>,
}

/// Where a path parameter's value comes from: the answer of another
/// operation (an OpenAPI link, which stateful fuzzing follows).
#[derive(Clone, Debug)]
pub(crate) struct Source {
    /// The operation whose answer holds the value.
    pub(crate) operation_id: &'static str,
    /// The path parameter it fills.
    pub(crate) param: &'static str,
    /// A JSON pointer into that answer's body.
    pub(crate) pointer: &'static str,
}

impl Operation {
    fn new(verb: Verb, path: &'static str, summary: &'static str) -> Operation {
        Operation {
            verb,
            path,
            summary,
            form: Vec::new(),
            query: Vec::new(),
            answer: Answer::Json(any_object),
            public: false,
            sources: Vec::new(),
        }
    }

    /// `GET path`, relative to the API's prefix, with `{name}` path parameters.
    pub fn get(path: &'static str, summary: &'static str) -> Operation {
        Operation::new(Verb::Get, path, summary)
    }

    /// `POST path`.
    pub fn post(path: &'static str, summary: &'static str) -> Operation {
        Operation::new(Verb::Post, path, summary)
    }

    /// `PATCH path`.
    pub fn patch(path: &'static str, summary: &'static str) -> Operation {
        Operation::new(Verb::Patch, path, summary)
    }

    /// `DELETE path`.
    pub fn delete(path: &'static str, summary: &'static str) -> Operation {
        Operation::new(Verb::Delete, path, summary)
    }

    /// The form body (`application/x-www-form-urlencoded`, as clerk-js
    /// sends; a JSON object with the same keys is read too).
    pub fn form(mut self, params: impl IntoIterator<Item = Param>) -> Operation {
        self.form.extend(params);
        self
    }

    /// The query string.
    pub fn query(mut self, params: impl IntoIterator<Item = Param>) -> Operation {
        self.query.extend(params);
        self
    }

    /// Answers `{"response": T, "client": ...}`.
    pub fn replies<T: JsonSchema>(mut self) -> Operation {
        self.answer = Answer::Json(|g| g.subschema_for::<Envelope<T>>());
        self
    }

    /// Answers `T` as it is.
    pub fn answers<T: JsonSchema>(mut self) -> Operation {
        self.answer = Answer::Json(|g| g.subschema_for::<T>());
        self
    }

    /// Answers text of the media type `media` (a PEM file).
    pub fn answers_text(mut self, media: &'static str) -> Operation {
        self.answer = Answer::Text(media);
        self
    }

    /// Answers `302 Found`.
    pub fn redirects(mut self) -> Operation {
        self.answer = Answer::Redirect;
        self
    }

    /// The path parameter `param` can be taken from the body of what
    /// `operation_id` answers, at the JSON pointer `pointer`
    /// (`/response/id`).
    pub fn param_from(
        mut self,
        param: &'static str,
        operation_id: &'static str,
        pointer: &'static str,
    ) -> Operation {
        self.sources.push(Source {
            operation_id,
            param,
            pointer,
        });
        self
    }

    /// Where this operation's path parameters come from.
    pub(crate) fn sources(&self) -> &[Source] {
        &self.sources
    }

    /// Needs no credentials even in an API that otherwise does.
    pub fn public(mut self) -> Operation {
        self.public = true;
        self
    }

    /// The path in the document's syntax (the same as axum's).
    pub fn path(&self) -> &'static str {
        self.path
    }

    /// The method, lowercase.
    pub fn method(&self) -> &'static str {
        self.verb.key()
    }

    /// The operation object of the document. `error` is the schema of the
    /// error envelope; `secured` says whether the API asks for credentials.
    pub(crate) fn describe(&self, g: &mut SchemaGenerator, error: &Schema, secured: bool) -> Value {
        let mut op = Map::new();
        op.insert("operationId".into(), json!(self.operation_id()));
        op.insert("summary".into(), json!(self.summary));
        let mut params: Vec<Value> = path_params(self.path)
            .map(|name| json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string", "minLength": 1 } }))
            .collect();
        params.extend(self.query.iter().map(|p| {
            let mut v = json!({ "name": &p.name, "in": "query", "required": p.required, "schema": p.schema() });
            if p.repeated {
                v["style"] = json!("form");
                v["explode"] = json!(true);
            }
            v
        }));
        if !params.is_empty() {
            op.insert("parameters".into(), Value::Array(params));
        }
        if !self.form.is_empty() {
            let properties: Map<String, Value> = self
                .form
                .iter()
                .map(|p| (p.name.to_string(), p.schema()))
                .collect();
            let required: Vec<&str> = self
                .form
                .iter()
                .filter(|p| p.required)
                .map(|p| p.name.as_ref())
                .collect();
            let mut schema = json!({ "type": "object", "properties": properties });
            if !required.is_empty() {
                schema["required"] = json!(required);
            }
            op.insert(
                "requestBody".into(),
                json!({
                    "required": !required.is_empty(),
                    "content": { "application/x-www-form-urlencoded": { "schema": schema } },
                }),
            );
        }
        let mut responses = Map::new();
        match self.answer {
            Answer::Json(schema) => {
                responses.insert("200".into(), json!({ "description": "Done.", "content": { "application/json": { "schema": schema(g) } } }));
            }
            Answer::Text(media) => {
                responses.insert("200".into(), json!({ "description": "Done.", "content": { media: { "schema": { "type": "string" } } } }));
            }
            Answer::Redirect => {
                responses.insert(
                    "302".into(),
                    json!({ "description": "Go on to the address in `Location`.", "headers": { "Location": { "schema": { "type": "string" } } } }),
                );
            }
        }
        let envelope = json!({ "content": { "application/json": { "schema": error } } });
        let mut refused = envelope.clone();
        refused["description"] =
            json!("Refused: the error envelope says why, next to which parameter.");
        responses.insert("4XX".into(), refused);
        let mut unavailable = envelope;
        unavailable["description"] =
            json!("The database is out of reach for now; try again shortly.");
        responses.insert("503".into(), unavailable);
        op.insert("responses".into(), Value::Object(responses));
        if secured && self.public {
            op.insert("security".into(), json!([]));
        }
        Value::Object(op)
    }

    /// `post_client_sign_ins_id_attempt_first_factor`: the method, then
    /// the words of the path.
    pub fn operation_id(&self) -> String {
        let words: Vec<&str> = self
            .path
            .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
            .filter(|w| !w.is_empty())
            .collect();
        format!("{}_{}", self.verb.key(), words.join("_"))
    }
}

/// The `{name}` parameters of a path, in order.
fn path_params(path: &str) -> impl Iterator<Item = &str> {
    path.split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
}

fn any_object(_: &mut SchemaGenerator) -> Schema {
    schemars::json_schema!({ "type": "object" })
}
