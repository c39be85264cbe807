//! The figure `cargo xtask bench` reports for the middleware: the time one
//! request spends in the layer (token read from the cookie, RS256 signature
//! checked, claims checked, `Auth` built) once the JWKS is cached, so a
//! change that makes every protected request dearer shows up release to
//! release.

use crate::config::VestibuleConfig;
use crate::jwks::derive_kid;
use crate::layer::VestibuleLayer;
use crate::Auth;
use axum::body::Body;
use axum::http::{header, HeaderValue, Request, StatusCode};
use axum::response::Response;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rsa::pkcs1v15::SigningKey;
use rsa::signature::{SignatureEncoding, Signer};
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;
use rsa::sha2::Sha256;
use std::convert::Infallible;
use std::future::{ready, Ready};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tower::{Layer, Service};

/// The result of [`verify_median`].
#[derive(Clone, Copy, Debug)]
pub struct VerifyBench {
    /// Requests measured.
    pub iterations: usize,
    /// Median time per request in the layer.
    pub median: Duration,
    /// 99th percentile.
    pub p99: Duration,
}

/// Why the measurement could not be made.
#[derive(Debug, thiserror::Error)]
#[error("middleware bench: {0}")]
pub struct BenchError(String);

/// The application behind the layer: 200 when the layer authenticated the
/// request, 401 otherwise.
#[derive(Clone)]
struct Probe;

impl Service<Request<()>> for Probe {
    type Response = Response;
    type Error = Infallible;
    type Future = Ready<Result<Response, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<()>) -> Self::Future {
        let ok = req.extensions().get::<Auth>().is_some_and(Auth::is_authenticated);
        let mut res = Response::new(Body::empty());
        if !ok {
            *res.status_mut() = StatusCode::UNAUTHORIZED;
        }
        ready(Ok(res))
    }
}

/// Signs `claims` as the server does (RS256, `kid` in the header).
fn sign(key: &RsaPrivateKey, kid: &str, claims: &serde_json::Value) -> String {
    let header = serde_json::json!({ "alg": "RS256", "typ": "JWT", "kid": kid });
    let message = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let signature = SigningKey::<Sha256>::new(key.clone()).sign(message.as_bytes());
    format!("{message}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
}

/// Sends `iterations` requests carrying a valid active session token (with
/// an organization) through the layer, with the JWKS already cached, and
/// returns the median and 99th percentile time per request.
pub fn verify_median(iterations: usize) -> Result<VerifyBench, BenchError> {
    let iterations = iterations.max(1);
    let key = RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).map_err(|e| BenchError(e.to_string()))?;
    let public = key.to_public_key();
    let kid = derive_kid(&public);
    let jwks = serde_json::json!({ "keys": [{
        "kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid,
        "n": URL_SAFE_NO_PAD.encode(public.n().to_bytes_be()),
        "e": URL_SAFE_NO_PAD.encode(public.e().to_bytes_be()),
    }]});
    let now = 1_700_000_000_i64;
    let origin = "http://127.0.0.1:8080";
    let token = sign(
        &key,
        &kid,
        &serde_json::json!({
            "iss": origin, "sub": "user_bench", "sid": "sess_bench", "azp": "http://127.0.0.1:3000",
            "iat": now, "nbf": now - 10, "exp": now + 60, "v": 2,
            "o": { "id": "org_bench", "slg": "bench", "rol": "org:admin" },
        }),
    );
    let config = VestibuleConfig {
        authorized_parties: vec!["http://127.0.0.1:3000".into()],
        clock: Arc::new(move || now),
        ..VestibuleConfig::new(origin)
    };
    let layer = VestibuleLayer::new(config).map_err(|e| BenchError(e.to_string()))?;
    layer.preload_jwks(&jwks.to_string()).map_err(|e| BenchError(e.to_string()))?;
    let mut service = layer.layer(Probe);
    let cookie = HeaderValue::from_str(&format!("theme=dark; __session={token}")).map_err(|e| BenchError(e.to_string()))?;
    let runtime = tokio::runtime::Builder::new_current_thread().build().map_err(|e| BenchError(e.to_string()))?;

    let mut times = Vec::with_capacity(iterations);
    runtime.block_on(async {
        for _ in 0..iterations {
            let mut req = Request::new(());
            *req.uri_mut() = axum::http::Uri::from_static("/dashboard?tab=teams");
            req.headers_mut().insert(header::HOST, HeaderValue::from_static("127.0.0.1:3000"));
            req.headers_mut().insert(header::COOKIE, cookie.clone());
            let start = Instant::now();
            if std::future::poll_fn(|cx| service.poll_ready(cx)).await.is_err() {
                return Err(BenchError("the service failed".into()));
            }
            let res = service.call(req).await;
            times.push(start.elapsed());
            match res {
                Ok(r) if r.status() == StatusCode::OK => {}
                _ => return Err(BenchError("a request was not authenticated".into())),
            }
        }
        Ok(())
    })?;
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    Ok(VerifyBench { iterations, median: at(0.5), p99: at(0.99) })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_short_run_measures_authenticated_requests() {
        let b = super::verify_median(20).expect("bench");
        assert_eq!(b.iterations, 20);
        assert!(b.median > std::time::Duration::ZERO && b.median <= b.p99);
    }
}
