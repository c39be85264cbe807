//! An application protected by Vestibule: an axum server whose routes are
//! guarded by `vestibule-middleware`, run beside the portal by
//! `cargo xtask serve --with-example` and by the end-to-end tests.
//!
//! `vestibule-example-app --listen 127.0.0.1:3000 --frontend-api http://127.0.0.1:8080`
//! prints `Example app listening on http://<address>` once it accepts
//! connections. The app's origin must be in the server's `allowed_origins`,
//! and `--frontend-api` must be the server's `public_url`: the middleware
//! accepts only tokens issued by it (`iss`) and minted for this app's
//! origin or the server's (`azp`, see `routes::middleware_config`).
//! With `--yew-dir examples/yew-app/dist` it also serves the Yew page
//! (`/app`, `/session-tasks/choose-organization`). Its `/v1` pass-through
//! adds the caller's address to `X-Forwarded-For` (see `proxy`): when the
//! app runs in front of the server, set the server's `trusted_proxies` to
//! the app's address (e.g. `VESTIBULE_TRUSTED_PROXIES=127.0.0.1`) so rate
//! limits see the browsers' addresses rather than the app's.

// Rules answer with `Err(Response)`, as axum handlers do.
#![allow(clippy::result_large_err)]

mod config;
mod pages;
mod proxy;
mod routes;
mod yew_page;

#[cfg(test)]
mod tests;

use std::net::SocketAddr;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let settings = match config::Settings::parse(&args, |k| std::env::var(k).ok().filter(|v| !v.is_empty())) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    match run(settings).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vestibule-example-app: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(settings: config::Settings) -> Result<(), Box<dyn std::error::Error>> {
    let listener = tokio::net::TcpListener::bind(&settings.listen).await?;
    let bound = listener.local_addr()?;
    let app_origin = settings.public_url.clone().unwrap_or_else(|| format!("http://{bound}"));
    let mut app = routes::app(routes::middleware_config(&settings.frontend_api, &app_origin), &app_origin)?;
    if let Some(dir) = &settings.yew_dir {
        app = app.merge(yew_page::router(std::path::Path::new(dir), &settings.frontend_api)?);
        println!("Yew page at {app_origin}/app");
    }
    println!("Vestibule at {}", settings.frontend_api);
    println!("Example app listening on {app_origin}");
    serve(listener, app).await?;
    Ok(())
}

/// Serves `app` on `listener`, each request carrying its TCP peer
/// (`ConnectInfo<SocketAddr>`), which the `/v1` pass-through forwards.
async fn serve(listener: tokio::net::TcpListener, app: axum::Router) -> std::io::Result<()> {
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await
}
