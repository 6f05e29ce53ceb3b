//! Writing a report file all at once: the bytes go to a temporary file in the same folder, which is flushed
//! and renamed over the target, so a reader never sees a half-written report and a failed run leaves the
//! previous one in place (rename within one file system is atomic on POSIX).
//!
//! (`crate::io::atomic` is the engine-wide home of this; this private copy keeps the report module
//! self-contained until that one lands.)

use crate::error::{Error, Result};
use std::io::Write;
use std::path::Path;

/// Write `bytes` to `path` through `path`'s folder's temporary `.NAME.tmp-PID` and a rename.
pub(crate) fn write_file_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let file_name = path.file_name().ok_or_else(|| Error::output(path, "the path has no file name"))?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let tmp = dir.join(format!(".{}.tmp-{}", file_name.to_string_lossy(), std::process::id()));
    let result = (|| -> std::io::Result<()> {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::output(path, e));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_replaces_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        write_file_atomically(&path, b"one").unwrap();
        write_file_atomically(&path, "二".as_bytes()).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "二");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, vec![std::ffi::OsString::from("a.txt")]);
    }

    #[test]
    fn missing_folder_is_an_output_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = write_file_atomically(&dir.path().join("no/such/a.txt"), b"x").unwrap_err();
        assert!(matches!(err, Error::Output { .. }));
        assert_eq!(err.exit_code(), 2);
    }
}
