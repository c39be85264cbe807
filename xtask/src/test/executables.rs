//! The test binaries of one workspace package, as built by
//! `cargo test --workspace`: the stages after the native one run them
//! directly instead of `cargo test -p <package>`, whose narrower feature
//! set would compile most dependencies a second time (several gigabytes of
//! `target/` and minutes of a cold run).

use std::path::{Path, PathBuf};
use std::process::Stdio;

use crate::cmd::{cargo, describe};
use crate::Result;

/// The test executables (unit and integration tests) of the package whose
/// manifest is `<root>/<dir>/Cargo.toml`, building what is missing.
pub fn of(root: &Path, dir: &str) -> Result<Vec<PathBuf>> {
    let mut build = cargo();
    build
        .current_dir(root)
        .args(["test", "--workspace", "--locked", "--no-run", "--message-format=json-render-diagnostics"])
        .stderr(Stdio::inherit());
    let shown = describe(&build);
    println!("$ {shown}");
    let output = build.output().map_err(|e| format!("cannot start `{shown}`: {e}"))?;
    if !output.status.success() {
        return Err(format!("`{shown}` failed ({})", output.status).into());
    }
    let manifest = root.join(dir).join("Cargo.toml");
    let found = executables(&String::from_utf8_lossy(&output.stdout), &manifest);
    if found.is_empty() {
        return Err(format!("`{shown}` built no test of {}", manifest.display()).into());
    }
    Ok(found)
}

/// The executables of test artifacts of `manifest` in cargo's JSON messages.
fn executables(messages: &str, manifest: &Path) -> Vec<PathBuf> {
    messages
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["profile"]["test"] == true)
        .filter(|m| m["manifest_path"].as_str().map(Path::new) == Some(manifest))
        .filter_map(|m| m["executable"].as_str().map(PathBuf::from))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_test_executables_of_one_manifest() {
        let messages = [
            r#"{"reason":"compiler-artifact","manifest_path":"/w/server/Cargo.toml","profile":{"test":true},"executable":"/w/target/debug/deps/codes-1"}"#,
            r#"{"reason":"compiler-artifact","manifest_path":"/w/server/Cargo.toml","profile":{"test":false},"executable":"/w/target/debug/vestibule"}"#,
            r#"{"reason":"compiler-artifact","manifest_path":"/w/server/Cargo.toml","profile":{"test":false},"executable":null}"#,
            r#"{"reason":"compiler-artifact","manifest_path":"/w/e2e/Cargo.toml","profile":{"test":true},"executable":"/w/target/debug/deps/journeys-2"}"#,
            r#"{"reason":"build-finished","success":true}"#,
            "Compiling something",
        ]
        .join("\n");
        assert_eq!(
            executables(&messages, Path::new("/w/server/Cargo.toml")),
            vec![PathBuf::from("/w/target/debug/deps/codes-1")]
        );
    }
}
