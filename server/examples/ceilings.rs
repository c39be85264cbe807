//! The ceilings of the `token_refresh_*` and `password_sign_in_*` lines of
//! `cargo xtask bench`, measured with the server's own code on every core
//! of this machine, in the same run as the requests they bound: RS256
//! session tokens signed per second by the server's signer
//! (`SigningKeys::sign`, ring) and, for comparison, by the `rsa` crate
//! through jsonwebtoken (the signer before), and Argon2id verifications per
//! second through the server's password code and hashing gate, at its
//! default size.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use vestibule_protocol::token::{SessionClaims, CLAIMS_VERSION};
use vestibule_server::keys::SigningKeys;
use vestibule_server::password::{self, HashingGate, Secret};

/// How long each ceiling is measured.
const WINDOW: Duration = Duration::from_secs(5);

/// Calls of `sign` per second on `threads` threads for [`WINDOW`].
fn per_second(threads: usize, sign: impl Fn(&SessionClaims) + Clone + Send + 'static, claims: &Arc<SessionClaims>) -> f64 {
    let signed = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + WINDOW;
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let (sign, claims, signed) = (sign.clone(), Arc::clone(claims), Arc::clone(&signed));
            std::thread::spawn(move || {
                while Instant::now() < deadline {
                    sign(&claims);
                    signed.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for handle in handles {
        handle.join().expect("a signing thread finished");
    }
    signed.load(Ordering::Relaxed) as f64 / WINDOW.as_secs_f64()
}

fn main() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let pem = SigningKeys::new_pem().expect("a new key");
    let keys = Arc::new(SigningKeys::from_pem(&pem).expect("the new key loads"));
    let now = 1_800_000_000;
    let claims = Arc::new(SessionClaims {
        iss: Some("http://127.0.0.1:8080".into()),
        sub: "user_2bench".into(),
        sid: "sess_2bench".into(),
        azp: Some("http://127.0.0.1:8080".into()),
        iat: Some(now),
        nbf: Some(now - 10),
        exp: now + 60,
        v: Some(CLAIMS_VERSION),
        sts: None,
        o: None,
    });
    let ours = {
        let keys = Arc::clone(&keys);
        per_second(cores, move |claims| {
            keys.sign(claims).expect("signs");
        }, &claims)
    };
    println!("rs256_signs_per_s: {ours:.1} ({cores} threads, ring, the server's signer)");
    let rsa_crate = {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
        header.kid = Some(keys.kid().to_string());
        let encoding = Arc::new(jsonwebtoken::EncodingKey::from_rsa_pem(pem.as_bytes()).expect("the PEM loads"));
        per_second(cores, move |claims| {
            jsonwebtoken::encode(&header, claims, &encoding).expect("signs");
        }, &claims)
    };
    println!("rs256_rsa_crate_signs_per_s: {rsa_crate:.1} ({cores} threads, the rsa crate through jsonwebtoken, for comparison)");

    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let verified = runtime.block_on(async {
        let gate = Arc::new(HashingGate::new(0, 32));
        let hash = password::dummy_hash();
        let verified = Arc::new(AtomicU64::new(0));
        let deadline = Instant::now() + WINDOW;
        // Twice as many callers as slots keep every slot busy.
        let tasks: Vec<_> = (0..2 * cores)
            .map(|_| {
                let (gate, hash, verified) = (Arc::clone(&gate), hash.clone(), Arc::clone(&verified));
                tokio::spawn(async move {
                    let secret = Secret("Vestibule-bench-2026!".into());
                    while Instant::now() < deadline {
                        password::verify(&gate, &secret, Some(hash.clone()), &hash).await.expect("verifies");
                        if Instant::now() <= deadline {
                            verified.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("a verifying task finished");
        }
        verified.load(Ordering::Relaxed)
    });
    println!("argon2id_verifies_per_s: {:.1} (m = 19 MiB, t = 2, p = 1; {cores} slots)", verified as f64 / WINDOW.as_secs_f64());
}
