//! Gzip siblings for a built page's text and wasm files (`page.wasm` → `page.wasm.gz`), so
//! that `serve` and any static host that serves precompressed files (nginx's `gzip_static`,
//! Caddy's `precompressed`) send a fifth of the bytes without compressing on every request.

use std::path::Path;

/// Files worth compressing: the rest (images, already compressed) are served as they are.
const COMPRESSIBLE: [&str; 7] = ["wasm", "js", "json", "html", "css", "svg", "map"];
/// Below this size a file goes as it is.
const MIN_BYTES: u64 = 1024;

/// What precompressing a folder did.
#[derive(Debug, Default, PartialEq)]
pub struct Compressed {
    pub files: usize,
    pub raw_bytes: u64,
    pub gzip_bytes: u64,
}

/// Writes `<file>.gz` beside every compressible file under `dir` (replacing older ones).
pub fn precompress(dir: &Path) -> Result<Compressed, String> {
    let mut done = Compressed::default();
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.is_dir() {
            let inner = precompress(&path)?;
            done.files += inner.files;
            done.raw_bytes += inner.raw_bytes;
            done.gzip_bytes += inner.gzip_bytes;
            continue;
        }
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        let size = path.metadata().map_err(|e| e.to_string())?.len();
        if !COMPRESSIBLE.contains(&ext) || size < MIN_BYTES {
            continue;
        }
        let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let gzip = gzip(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        let target = gz_path(&path);
        std::fs::write(&target, &gzip).map_err(|e| format!("{}: {e}", target.display()))?;
        done.files += 1;
        done.raw_bytes += size;
        done.gzip_bytes += gzip.len() as u64;
    }
    Ok(done)
}

/// A gzip member (RFC 1952): a 10-byte header, raw deflate at level 9, the CRC-32 and the
/// length of the input.
pub fn gzip(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let length = u32::try_from(bytes.len()).map_err(|_| "over 4 GB: too big to gzip here".to_string())?;
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 255];
    out.extend(miniz_oxide::deflate::compress_to_vec(bytes, 9));
    out.extend(crc32(bytes).to_le_bytes());
    out.extend(length.to_le_bytes());
    Ok(out)
}

/// CRC-32 (IEEE 802.3, reflected, as gzip uses), bit by bit: fast enough for a build step.
pub fn crc32(bytes: &[u8]) -> u32 {
    let table: Vec<u32> =
        (0..256u32).map(|n| (0..8).fold(n, |c, _| if c & 1 == 1 { 0xedb8_8320 ^ (c >> 1) } else { c >> 1 })).collect();
    !bytes.iter().fold(!0u32, |c, &b| table[((c ^ u32::from(b)) & 0xff) as usize] ^ (c >> 8))
}

/// `page.wasm` → `page.wasm.gz`.
pub fn gz_path(path: &Path) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".gz");
    name.into()
}
