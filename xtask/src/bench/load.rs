//! The load test: one request repeated (`GET /v1/client`, the request
//! every portal page makes first; `/dashboard` of the example app; a token
//! refresh; a password sign-in) from many keep-alive connections at once,
//! for a fixed time. Redirects are not followed: only a 200 of the URL
//! itself counts.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::time::{timeout_at, Instant};

use crate::Result;

/// What the load test saw.
pub struct Report {
    /// Responses with status 200.
    pub ok: u64,
    /// Responses with another status.
    pub non_ok: u64,
    /// Requests that failed without a response.
    pub errors: u64,
    /// The measured window.
    pub window: Duration,
    /// How many connections sent requests.
    pub connections: usize,
    /// Latencies of the 200 responses, sorted, in ms.
    latencies_ms: Vec<f64>,
}

impl Report {
    /// Completed 200 responses per second.
    pub fn rps(&self) -> f64 {
        self.ok as f64 / self.window.as_secs_f64()
    }

    /// 99th percentile latency of the 200 responses (nearest rank).
    pub fn p99_ms(&self) -> f64 {
        let n = self.latencies_ms.len();
        if n == 0 {
            return 0.0;
        }
        let rank = (n as f64 * 0.99).ceil() as usize;
        self.latencies_ms[rank.clamp(1, n) - 1]
    }
}

/// Per-connection tally.
#[derive(Default)]
struct Tally {
    ok: u64,
    non_ok: u64,
    errors: u64,
    latencies_ms: Vec<f64>,
}

/// One request the load repeats.
pub struct Shape<'a> {
    /// Its method.
    pub method: reqwest::Method,
    /// Its URL.
    pub url: &'a str,
    /// The `Cookie` header, when any.
    pub cookies: Option<&'a str>,
    /// The `Origin` header (a state-changing call needs an allowed one).
    pub origin: Option<&'a str>,
    /// A form body (`application/x-www-form-urlencoded`), when not empty.
    pub form: &'a [(&'a str, &'a str)],
    /// Each request comes from its own address in `X-Forwarded-For` (for
    /// a server that trusts 127.0.0.1 as a proxy), as many users would.
    pub spread_addresses: bool,
}

impl<'a> Shape<'a> {
    /// `GET url` with the `Cookie` header `cookies` (none when empty).
    pub fn get(url: &'a str, cookies: &'a str) -> Self {
        let cookies = (!cookies.is_empty()).then_some(cookies);
        Shape { method: reqwest::Method::GET, url, cookies, origin: None, form: &[], spread_addresses: false }
    }
}

/// `connections` tasks, each with its own keep-alive connection, send
/// `GET url` with the `Cookie` header `cookies` until `duration` has passed.
pub async fn run(url: &str, cookies: &str, connections: usize, duration: Duration) -> Result<Report> {
    run_shape(&Shape::get(url, cookies), connections, duration).await
}

/// [`run`] with any [`Shape`] of request.
pub async fn run_shape(shape: &Shape<'_>, connections: usize, duration: Duration) -> Result<Report> {
    let cookie = shape.cookies.map(reqwest::header::HeaderValue::from_str).transpose()?;
    let origin = shape.origin.map(reqwest::header::HeaderValue::from_str).transpose()?;
    let mut clients = Vec::with_capacity(connections);
    for _ in 0..connections {
        let mut headers = reqwest::header::HeaderMap::new();
        if let Some(cookie) = &cookie {
            headers.insert(reqwest::header::COOKIE, cookie.clone());
        }
        if let Some(origin) = &origin {
            headers.insert(reqwest::header::ORIGIN, origin.clone());
        }
        clients.push(
            reqwest::Client::builder()
                .default_headers(headers)
                .redirect(reqwest::redirect::Policy::none())
                .pool_max_idle_per_host(1)
                .build()?,
        );
    }
    let request = Arc::new(Request {
        method: shape.method.clone(),
        url: shape.url.to_owned(),
        form: shape.form.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        next_address: shape.spread_addresses.then(|| AtomicU32::new(1)),
    });
    let start = Instant::now();
    let deadline = start + duration;
    let tasks: Vec<_> = clients
        .into_iter()
        .map(|client| tokio::spawn(connection(client, Arc::clone(&request), deadline)))
        .collect();
    let mut report = Report {
        ok: 0,
        non_ok: 0,
        errors: 0,
        window: duration,
        connections,
        latencies_ms: Vec::new(),
    };
    for task in tasks {
        let tally = task.await?;
        report.ok += tally.ok;
        report.non_ok += tally.non_ok;
        report.errors += tally.errors;
        report.latencies_ms.extend(tally.latencies_ms);
    }
    report.latencies_ms.sort_by(f64::total_cmp);
    Ok(report)
}

/// What every connection sends, shared.
struct Request {
    method: reqwest::Method,
    url: String,
    form: Vec<(String, String)>,
    /// The next `X-Forwarded-For` address (as a number), when spread.
    next_address: Option<AtomicU32>,
}

impl Request {
    /// The next request to send on `client`.
    fn build(&self, client: &reqwest::Client) -> reqwest::RequestBuilder {
        let mut builder = client.request(self.method.clone(), &self.url);
        if !self.form.is_empty() {
            builder = builder.form(&self.form);
        }
        if let Some(next) = &self.next_address {
            let n = next.fetch_add(1, Ordering::Relaxed);
            builder = builder.header("x-forwarded-for", std::net::Ipv4Addr::from(0x0a00_0000 | (n & 0x00ff_ffff)).to_string());
        }
        builder
    }
}

/// One connection's request loop; a request still running at the deadline
/// is abandoned and not counted.
async fn connection(client: reqwest::Client, request: Arc<Request>, deadline: Instant) -> Tally {
    let mut tally = Tally::default();
    while Instant::now() < deadline {
        let sent = Instant::now();
        let request = async {
            let response = request.build(&client).send().await?;
            let status = response.status();
            response.bytes().await?;
            Ok::<_, reqwest::Error>(status)
        };
        match timeout_at(deadline, request).await {
            Err(_deadline_passed) => break,
            Ok(Ok(status)) if status == reqwest::StatusCode::OK => {
                tally.ok += 1;
                tally
                    .latencies_ms
                    .push(sent.elapsed().as_secs_f64() * 1000.0);
            }
            Ok(Ok(_)) => tally.non_ok += 1,
            Ok(Err(_)) => {
                tally.errors += 1;
                // Do not spin on a refused connection.
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
    tally
}

#[cfg(test)]
mod tests {
    use super::Report;
    use std::time::Duration;

    #[test]
    fn p99_is_nearest_rank() {
        let report = Report {
            ok: 200,
            non_ok: 0,
            errors: 0,
            window: Duration::from_secs(10),
            connections: 1,
            latencies_ms: (1..=200).map(f64::from).collect(),
        };
        assert_eq!(report.p99_ms(), 198.0);
        assert_eq!(report.rps(), 20.0);
    }
}
