//! What the browser downloads to show /sign-in, measured as gzip -9 bytes:
//! a stable proxy for transfer size whatever compression a host applies.

use std::io::Write;
use std::path::Path;

use flate2::write::GzEncoder;
use flate2::Compression;

use crate::Result;

/// One downloaded file.
pub struct FileSize {
    /// Path relative to dist/.
    pub name: String,
    /// Size on disk.
    pub raw: u64,
    /// Size after gzip at level 9.
    pub gzip: u64,
}

/// index.html and every .js, .wasm and .css file under `dist`, sorted by name.
pub fn portal_sizes(dist: &Path) -> Result<Vec<FileSize>> {
    if !dist.join("index.html").exists() {
        return Err(format!(
            "{} has no index.html: build the portal first",
            dist.display()
        )
        .into());
    }
    let mut sizes = Vec::new();
    collect(dist, dist, &mut sizes)?;
    sizes.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(sizes)
}

/// Sum of the gzip sizes.
pub fn total(sizes: &[FileSize]) -> u64 {
    sizes.iter().map(|file| file.gzip).sum()
}

fn collect(dist: &Path, dir: &Path, sizes: &mut Vec<FileSize>) -> Result<()> {
    for entry in
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?
    {
        let path = entry?.path();
        if path.is_dir() {
            collect(dist, &path, sizes)?;
            continue;
        }
        let relative = path.strip_prefix(dist)?.to_string_lossy().into_owned();
        let downloaded = relative == "index.html"
            || matches!(
                path.extension().and_then(|ext| ext.to_str()),
                Some("js" | "wasm" | "css")
            );
        if downloaded {
            let bytes =
                std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            sizes.push(FileSize {
                name: relative,
                raw: bytes.len() as u64,
                gzip: gzip_size(&bytes)?,
            });
        }
    }
    Ok(())
}

/// Length of `bytes` gzipped at level 9.
pub fn gzip_size(bytes: &[u8]) -> Result<u64> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(bytes)?;
    Ok(encoder.finish()?.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::gzip_size;

    #[test]
    fn repetitive_input_shrinks() -> crate::Result<()> {
        let input = vec![b'a'; 10_000];
        let size = gzip_size(&input)?;
        assert!(size > 18 && size < 200, "{size}");
        Ok(())
    }
}
