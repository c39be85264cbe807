//! Prints the middleware's bench figure for `cargo xtask bench`, which runs
//! this example in the release profile: the time one request spends in the
//! layer with the JWKS cached (median and p99 over 20,000 requests).

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let result = vestibule_middleware::bench::verify_median(20_000)?;
    let micros = |d: std::time::Duration| d.as_secs_f64() * 1e6;
    println!("middleware_verify_us_median: {:.1} us", micros(result.median));
    println!(
        "  middleware: {} requests with a cached JWKS, p99 {:.1} us, {} build",
        result.iterations,
        micros(result.p99),
        if cfg!(debug_assertions) { "unoptimized" } else { "release" }
    );
    Ok(())
}
