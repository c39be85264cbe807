//! The optional online breached-password check: the k-anonymity range API
//! of Have I Been Pwned (or a mirror) at the instance's `hibp_url`. Only the
//! first five hex characters of the password's SHA-1 leave the server, and
//! `Add-Padding: true` hides how many suffixes share them. The check fails
//! open: when the service cannot answer, the password is judged by the
//! offline rules alone and a warning is logged.

use sha1::{Digest, Sha1};
use std::time::Duration;

/// How long the range call may take.
pub const TIMEOUT: Duration = Duration::from_secs(2);

/// Largest range answer read (real ones, padded, are about 40 KB).
const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The uppercase hex SHA-1 of `password`, split into the five characters
/// that are sent and the 35 that never are.
pub fn split_hash(password: &str) -> (String, String) {
    let hex = crate::ids::hex(&Sha1::digest(password.as_bytes())).to_ascii_uppercase();
    let (prefix, suffix) = hex.split_at(5);
    (prefix.to_string(), suffix.to_string())
}

/// The range URL of `prefix` under `base_url` (a `/` is added when the
/// base does not end with one).
pub fn range_url(base_url: &str, prefix: &str) -> String {
    if base_url.ends_with('/') {
        format!("{base_url}{prefix}")
    } else {
        format!("{base_url}/{prefix}")
    }
}

/// How often `suffix` appears in a range answer (`SUFFIX:COUNT` lines);
/// 0 when it does not, or only as padding.
pub fn count_in_range(range: &str, suffix: &str) -> u64 {
    range
        .lines()
        .filter_map(|line| line.trim().split_once(':'))
        .filter(|(s, _)| s.trim().eq_ignore_ascii_case(suffix))
        .filter_map(|(_, count)| count.trim().parse::<u64>().ok())
        .max()
        .unwrap_or(0)
}

/// How many breaches the range API at `base_url` knows `password` from.
pub async fn breach_count(client: &reqwest::Client, base_url: &str, password: &str) -> Result<u64, String> {
    let (prefix, suffix) = split_hash(password);
    let mut response = client
        .get(range_url(base_url, &prefix))
        .timeout(TIMEOUT)
        .header("Add-Padding", "true")
        .send()
        .await
        .map_err(|e| e.without_url().to_string())?;
    if !response.status().is_success() {
        return Err(format!("HTTP {}", response.status()));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| e.without_url().to_string())? {
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(format!("answer larger than {MAX_BODY_BYTES} bytes"));
        }
        body.extend_from_slice(&chunk);
    }
    let text = String::from_utf8(body).map_err(|_| "answer is not UTF-8".to_string())?;
    Ok(count_in_range(&text, &suffix))
}

/// Whether the range API at `base_url` knows `password` from a breach.
/// Any failure answers `false` (fail open) and logs a warning.
pub async fn is_pwned(client: &reqwest::Client, base_url: &str, password: &str) -> bool {
    match breach_count(client, base_url, password).await {
        Ok(count) => count > 0,
        Err(error) => {
            tracing::warn!(%error, "HIBP range check failed; the password is accepted without it");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_is_uppercase_sha1_split_after_five() {
        // SHA-1("password") = 5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8.
        let (prefix, suffix) = split_hash("password");
        assert_eq!(prefix, "5BAA6");
        assert_eq!(suffix, "1E4C9B93F3F0682250B6CF8331B7EE68FD8");
    }

    #[test]
    fn counts_come_from_the_matching_line_only() {
        let range = "0018A45C4D1DEF81644B54AB7F969B88D65:1\r\n1E4C9B93F3F0682250B6CF8331B7EE68FD8:9545824\r\n011053FD0102E94D6AE2F8B83D76FAF94F6:0\r\n";
        assert_eq!(count_in_range(range, "1E4C9B93F3F0682250B6CF8331B7EE68FD8"), 9_545_824);
        assert_eq!(count_in_range(range, "1e4c9b93f3f0682250b6cf8331b7ee68fd8"), 9_545_824, "case-insensitive");
        assert_eq!(count_in_range(range, "011053FD0102E94D6AE2F8B83D76FAF94F6"), 0, "padding counts 0");
        assert_eq!(count_in_range(range, "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"), 0, "absent");
        assert_eq!(count_in_range("garbage\n:\n", "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"), 0);
    }

    #[test]
    fn the_prefix_is_appended_to_the_base() {
        assert_eq!(range_url("https://api.pwnedpasswords.com/range/", "5BAA6"), "https://api.pwnedpasswords.com/range/5BAA6");
        assert_eq!(range_url("http://127.0.0.1:9/range", "5BAA6"), "http://127.0.0.1:9/range/5BAA6");
    }
}
