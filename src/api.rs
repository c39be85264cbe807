//! Talking to the Frontend API: one private request function (form bodies,
//! credentials included, `_method` override, envelope and error decoding),
//! typed functions per area, and the names of the form parameters
//! ([`param`]) the screens also use to place the server's errors.

pub mod client;
pub mod mfa;
pub mod organizations;
pub mod param;
pub mod reverification;
pub mod sign_in;
pub mod sign_up;
pub mod user;

use crate::locale::Messages;
use gloo_net::http::Request;
use wasm_bindgen::JsValue;
use serde::de::DeserializeOwned;
use std::rc::Rc;
use vestibule_protocol::error::{ErrorCode, ErrorEnvelope, WireError};
use vestibule_protocol::url::encode;
use vestibule_protocol::wire::Envelope;
use web_sys::RequestCredentials;

/// Where the Frontend API is: `""` for the page's own origin, or an origin
/// such as `https://accounts.example.com`.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Api {
    base: Rc<str>,
}

/// Why a call failed.
#[derive(Clone, Debug, PartialEq)]
pub enum ApiError {
    /// The server answered with the error envelope.
    Server(Vec<WireError>),
    /// The server could not be reached or answered nonsense: the key of
    /// the message ([`UNREACHABLE`] or [`UNEXPECTED`]).
    Network(&'static str),
}

/// The message key of a server that could not be reached.
pub const UNREACHABLE: &str = "network.unreachable";
/// The message key of an answer that makes no sense.
pub const UNEXPECTED: &str = "network.unexpected";

impl ApiError {
    /// The errors a form finds itself before asking the server: each of
    /// `params` missing (`form_param_missing`), shown where the server's
    /// would be, in the words the server's own would get.
    pub fn missing(params: &[&str]) -> ApiError {
        ApiError::Server(
            params
                .iter()
                .map(|param| {
                    let meta = vestibule_protocol::error::ErrorMeta { param_name: Some((*param).to_string()), ..Default::default() };
                    WireError::new(vestibule_protocol::ErrorCode::FormParamMissing, format!("Enter {param}."), meta)
                })
                .collect(),
        )
    }

    /// The message to show next to `param`, if the error concerns it.
    pub fn for_field(&self, param: &str, messages: &Messages) -> Option<String> {
        match self {
            ApiError::Server(errors) => errors
                .iter()
                .find(|e| e.meta.param_name.as_deref() == Some(param))
                .map(|e| messages.error(e)),
            ApiError::Network(_) => None,
        }
    }

    /// The message to show for the form as a whole when no field claims it.
    pub fn general(&self, fields: &[&str], messages: &Messages) -> Option<String> {
        match self {
            ApiError::Server(errors) => errors
                .iter()
                .find(|e| e.meta.param_name.as_deref().is_none_or(|p| !fields.contains(&p)))
                .map(|e| messages.error(e)),
            ApiError::Network(key) => Some(messages.t(key)),
        }
    }

    /// zxcvbn's suggestions for `param`, when the server found it too weak,
    /// in the locale's words (the server's when the table has none).
    pub fn suggestions(&self, param: &str, messages: &Messages) -> Vec<String> {
        match self {
            ApiError::Server(errors) => errors
                .iter()
                .filter(|e| e.meta.param_name.as_deref() == Some(param))
                .filter_map(|e| e.meta.zxcvbn.as_ref())
                .flat_map(|z| z.suggestions.iter().map(|s| messages.t_or(&format!("password.suggestion.{}", s.code), &s.message)))
                .collect(),
            ApiError::Network(_) => Vec::new(),
        }
    }

    /// The first error's code, when this version knows it.
    pub fn error_code(&self) -> Option<ErrorCode> {
        match self {
            ApiError::Server(errors) => errors.first().and_then(WireError::error_code),
            ApiError::Network(_) => None,
        }
    }

    /// Whether the first error has `code`.
    pub fn is(&self, code: ErrorCode) -> bool {
        match self {
            ApiError::Server(errors) => errors.first().is_some_and(|e| e.is(code)),
            ApiError::Network(_) => false,
        }
    }

    /// Whether the server wants the first factor confirmed again before
    /// this change (`session_reverification_required`): the caller shows
    /// [`Reverify`](crate::components::reverify::Reverify) and retries.
    pub fn needs_reverification(&self) -> bool {
        self.is(ErrorCode::SessionReverificationRequired)
    }
}

/// `a=1&b=2` from pairs.
pub fn form(pairs: &[(&str, &str)]) -> String {
    pairs.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect::<Vec<_>>().join("&")
}

impl Api {
    /// An API at `base` (`""` = same origin).
    pub fn new(base: &str) -> Api {
        Api { base: Rc::from(base.trim_end_matches('/')) }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/v1{}", self.base, path)
    }

    /// Cookies go with every call. On the page's own origin that is the
    /// browser's default mode, which is also what the hosted portal's
    /// `<link rel=preload crossorigin>` of its first two calls uses, so
    /// those calls take up the preloaded answers.
    fn credentials(&self) -> RequestCredentials {
        if self.base.is_empty() {
            RequestCredentials::SameOrigin
        } else {
            RequestCredentials::Include
        }
    }

    /// `GET <path>` outside the API (`/locale/...`): the body as text.
    pub async fn get_text(&self, path: &str) -> Result<String, ApiError> {
        let request = Request::get(&format!("{}{path}", self.base)).credentials(self.credentials()).build();
        let res = request.map_err(|_| ApiError::Network(UNEXPECTED))?.send().await.map_err(|_| ApiError::Network(UNREACHABLE))?;
        if !res.ok() {
            return Err(ApiError::Network(UNEXPECTED));
        }
        res.text().await.map_err(|_| ApiError::Network(UNEXPECTED))
    }

    /// `GET /v1<path>` and decode the envelope (the resource and the
    /// client that came with it).
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<Envelope<T>, ApiError> {
        decode(self.fetch("GET", path, None).await?)
    }

    /// `GET /v1<path>` whose body is the resource itself.
    pub async fn get_bare<T: DeserializeOwned>(&self, path: &str) -> Result<T, ApiError> {
        decode(self.fetch("GET", path, None).await?)
    }

    /// A state-changing call: `POST`, with `_method` for other verbs.
    pub async fn send<T: DeserializeOwned>(&self, method: &str, path: &str, pairs: &[(&str, &str)]) -> Result<Envelope<T>, ApiError> {
        decode(self.fetch(method, path, Some(pairs)).await?)
    }

    /// `POST /v1<path>` whose body is the resource itself.
    pub async fn send_bare<T: DeserializeOwned>(&self, path: &str) -> Result<T, ApiError> {
        decode(self.fetch("POST", path, Some(&[])).await?)
    }

    /// The one request function: sends, checks the status (decoding the
    /// error envelope) and parses the body with the browser's own parser.
    /// It is not generic, so each typed call adds only its decoding.
    async fn fetch(&self, method: &str, path: &str, pairs: Option<&[(&str, &str)]>) -> Result<JsValue, ApiError> {
        let request = match pairs {
            None => Request::get(&self.url(path)).credentials(self.credentials()).build(),
            Some(pairs) => {
                let url = if method == "POST" {
                    self.url(path)
                } else {
                    let sep = if path.contains('?') { '&' } else { '?' };
                    format!("{}{sep}_method={method}", self.url(path))
                };
                Request::post(&url)
                    .credentials(self.credentials())
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .body(form(pairs))
            }
        };
        let res = request.map_err(|_| ApiError::Network(UNEXPECTED))?.send().await.map_err(|_| ApiError::Network(UNREACHABLE))?;
        let text = res.text().await.map_err(|_| ApiError::Network(UNEXPECTED))?;
        let value = js_sys::JSON::parse(&text).ok();
        if res.ok() {
            return value.ok_or(ApiError::Network(UNEXPECTED));
        }
        match value.map(serde_wasm_bindgen::from_value::<ErrorEnvelope>) {
            Some(Ok(env)) if !env.errors.is_empty() => Err(ApiError::Server(env.errors)),
            _ => Err(ApiError::Network(UNEXPECTED)),
        }
    }
}

/// Decodes a body parsed by the browser (`JSON.parse`) with
/// serde-wasm-bindgen: far less wasm than a JSON parser of our own.
pub fn decode<T: DeserializeOwned>(value: JsValue) -> Result<T, ApiError> {
    serde_wasm_bindgen::from_value(value).map_err(|_| ApiError::Network(UNEXPECTED))
}
