//! The reference of the `client_*` lines of `cargo xtask bench`: a plain
//! axum handler on the same default runtime that answers every `GET` with
//! the bytes `GET /v1/client` answered. The load generator's figure for it,
//! taken in the same run, is the ceiling the server's figure is divided by.
//!
//! Usage: `plain_body <listen address> <body file>`.

use axum::body::Bytes;
use axum::http::header;
use axum::routing::get;
use axum::Router;

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(listen), Some(file)) = (args.next(), args.next()) else {
        eprintln!("usage: plain_body <listen address> <body file>");
        std::process::exit(2);
    };
    let body = Bytes::from(std::fs::read(&file).expect("the body file is readable"));
    let app = Router::new().fallback(get(move || {
        let body = body.clone();
        async move { ([(header::CONTENT_TYPE, "application/json")], body) }
    }));
    let listener = tokio::net::TcpListener::bind(&listen).await.expect("the address is free");
    axum::serve(listener, app).await.expect("serves");
}
