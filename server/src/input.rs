//! Request parameters: form bodies (the SDK's), JSON bodies and query
//! strings, read into one shape. Malformed input of any kind becomes a 4xx
//! with the error envelope, never a 5xx and never axum's plain-text answer.

use crate::error::{ApiError, ApiResult};
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use std::collections::HashMap;
use vestibule_protocol::{ErrorCode, Strategy};

/// Largest accepted body.
pub const BODY_LIMIT: usize = 64 * 1024;

/// Named parameters; a repeated key holds several values.
#[derive(Default)]
pub struct Fields(HashMap<String, Vec<String>>);

impl std::fmt::Debug for Fields {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.0.keys()).finish()
    }
}

impl Fields {
    /// Parses `a=1&b=2` (percent-decoding, `+` as space). Invalid UTF-8 after
    /// decoding is refused.
    pub fn from_urlencoded(raw: &[u8]) -> ApiResult<Fields> {
        let mut map: HashMap<String, Vec<String>> = HashMap::new();
        for pair in raw.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
            let mut it = pair.splitn(2, |b| *b == b'=');
            let key = decode(it.next().unwrap_or_default())?;
            let value = decode(it.next().unwrap_or_default())?;
            map.entry(key).or_default().push(value);
        }
        Ok(Fields(map))
    }

    /// Reads a JSON object: scalars become strings, arrays of scalars
    /// repeated values, `null` an empty value.
    pub fn from_json(raw: &[u8]) -> ApiResult<Fields> {
        let value: serde_json::Value = serde_json::from_slice(raw)
            .map_err(|_| ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::RequestInvalid, "The body is not valid JSON."))?;
        let serde_json::Value::Object(obj) = value else {
            return Err(ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::RequestInvalid, "The body must be a JSON object."));
        };
        let mut map = HashMap::new();
        for (key, v) in obj {
            let values = match v {
                serde_json::Value::Array(items) => items.iter().map(|i| scalar(&key, i)).collect::<ApiResult<Vec<_>>>()?,
                other => vec![scalar(&key, &other)?],
            };
            map.insert(key, values);
        }
        Ok(Fields(map))
    }

    /// The value of a single-valued parameter; an empty value is `None`.
    pub fn opt(&self, name: &str) -> ApiResult<Option<&str>> {
        match self.0.get(name).map(Vec::as_slice) {
            None | Some([]) => Ok(None),
            Some([one]) => Ok(Some(one.as_str()).filter(|s| !s.is_empty())),
            Some(_) => Err(ApiError::invalid(name)),
        }
    }

    /// Whether the parameter was sent at all (even empty).
    pub fn has(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    /// A required, non-empty parameter.
    pub fn req(&self, name: &str) -> ApiResult<&str> {
        self.opt(name)?.ok_or_else(|| ApiError::missing(name))
    }

    /// The required `strategy` parameter, if it is one of `allowed`.
    pub fn strategy(&self, allowed: &[Strategy]) -> ApiResult<Strategy> {
        Strategy::parse(self.req("strategy")?)
            .filter(|s| allowed.contains(s))
            .ok_or_else(|| ApiError::invalid("strategy"))
    }

    /// A boolean parameter (`true`/`false`).
    pub fn bool(&self, name: &str) -> ApiResult<Option<bool>> {
        match self.opt(name)? {
            None => Ok(None),
            Some("true") | Some("1") => Ok(Some(true)),
            Some("false") | Some("0") => Ok(Some(false)),
            Some(_) => Err(ApiError::invalid(name)),
        }
    }

    /// A non-negative integer parameter.
    pub fn uint(&self, name: &str) -> ApiResult<Option<u64>> {
        self.opt(name)?.map(|v| v.parse::<u64>().map_err(|_| ApiError::invalid(name))).transpose()
    }

    /// Every value of a repeatable parameter.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0.get(name).map(|v| v.iter().map(String::as_str).collect()).unwrap_or_default()
    }

    /// As a JSON object of strings (for settings patches).
    pub fn to_json_map(&self) -> serde_json::Map<String, serde_json::Value> {
        self.0
            .iter()
            .map(|(k, v)| {
                let value = match v.as_slice() {
                    [one] => serde_json::Value::String(one.clone()),
                    many => serde_json::Value::Array(many.iter().cloned().map(serde_json::Value::String).collect()),
                };
                (k.clone(), value)
            })
            .collect()
    }

    /// Pagination: `limit` (default 10, max 100) and `offset`.
    pub fn page(&self) -> ApiResult<(i64, i64)> {
        let limit = self.uint("limit")?.unwrap_or(10);
        if !(1..=100).contains(&limit) {
            return Err(ApiError::invalid("limit"));
        }
        let offset = i64::try_from(self.uint("offset")?.unwrap_or(0)).map_err(|_| ApiError::invalid("offset"))?;
        Ok((limit as i64, offset))
    }
}

fn scalar(key: &str, v: &serde_json::Value) -> ApiResult<String> {
    match v {
        serde_json::Value::String(s) => Ok(s.clone()),
        serde_json::Value::Bool(b) => Ok(b.to_string()),
        serde_json::Value::Number(n) => Ok(n.to_string()),
        serde_json::Value::Null => Ok(String::new()),
        _ => Err(ApiError::invalid(key)),
    }
}

fn decode(raw: &[u8]) -> ApiResult<String> {
    let plus: Vec<u8> = raw.iter().map(|b| if *b == b'+' { b' ' } else { *b }).collect();
    percent_encoding::percent_decode(&plus)
        .decode_utf8()
        .map(|c| c.into_owned())
        .map_err(|_| ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::RequestInvalid, "Parameters must be valid UTF-8."))
}

/// The body's parameters (form or JSON).
pub struct Body(pub Fields);

impl<S: Send + Sync> FromRequest<S> for Body {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Body, ApiError> {
        let json = req
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("application/json"));
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::RequestInvalid, "The body is too large (64 KiB at most).")
            } else {
                ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::RequestInvalid, "The body could not be read.")
            }
        })?;
        if bytes.len() > BODY_LIMIT {
            return Err(ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::RequestInvalid, "The body is too large (64 KiB at most)."));
        }
        if bytes.is_empty() {
            return Ok(Body(Fields::default()));
        }
        if json {
            Fields::from_json(&bytes).map(Body)
        } else {
            Fields::from_urlencoded(&bytes).map(Body)
        }
    }
}

/// The query string's parameters.
pub struct Query(pub Fields);

impl<S: Send + Sync> FromRequestParts<S> for Query {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Query, ApiError> {
        Fields::from_urlencoded(parts.uri.query().unwrap_or_default().as_bytes()).map(Query)
    }
}

/// Path parameters. Like axum's `Path`, but a path that cannot be decoded
/// (invalid UTF-8 in an id, say) is a 400 with the error envelope instead of
/// axum's plain-text answer.
pub struct Path<T>(pub T);

impl<S, T> FromRequestParts<S> for Path<T>
where
    S: Send + Sync,
    T: serde::de::DeserializeOwned + Send,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Path<T>, ApiError> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Path(v)),
            Err(rejection) if rejection.status().is_server_error() => Err(ApiError::internal(rejection.body_text())),
            Err(_) => Err(ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::RequestInvalid, "The URL's path is not valid.")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_decode_and_refuse_bad_utf8() {
        let f = Fields::from_urlencoded(b"a=1&b=x+y%21&c=&d=1&d=2").expect("parses");
        assert_eq!(f.opt("a").expect("ok"), Some("1"));
        assert_eq!(f.opt("b").expect("ok"), Some("x y!"));
        assert_eq!(f.opt("c").expect("ok"), None);
        assert!(f.has("c"));
        assert!(f.opt("d").is_err());
        assert_eq!(f.all("d"), vec!["1", "2"]);
        assert!(Fields::from_urlencoded(b"a=%FF").is_err());
    }

    #[test]
    fn json_scalars_and_wrong_types() {
        let f = Fields::from_json(br#"{"a":"x","b":true,"c":3,"d":null}"#).expect("parses");
        assert_eq!(f.opt("b").expect("ok"), Some("true"));
        assert_eq!(f.bool("b").expect("ok"), Some(true));
        assert_eq!(f.opt("d").expect("ok"), None);
        assert!(Fields::from_json(br#"{"a":{"x":1}}"#).is_err());
        assert!(Fields::from_json(b"[1]").is_err());
    }
}
