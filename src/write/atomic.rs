//! Atomic file writing: every output is written to a temporary file in the destination folder, flushed
//! to disk (`fsync`) and renamed over the final name, so a reader (QGIS, a batch script, the next run)
//! never sees half a file, and a failed run leaves the previous output, or nothing, in place.
//!
//! This is the classic write-temp-then-rename protocol: `rename(2)` within one file system replaces the
//! target in one step (POSIX.1-2017, `rename`). The temporary name is `NAME.tmp-<pid>` beside `NAME`
//! (same folder, hence same file system); on any error, or a panic in the writing closure, the temporary
//! file is removed.
//!
//! ```
//! use std::io::Write;
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("summary.csv");
//! lifecircle::write::atomic::write_atomically(&path, |w| writeln!(w, "estate_id,population\ne1,1200")).unwrap();
//! assert_eq!(std::fs::read_to_string(&path).unwrap(), "estate_id,population\ne1,1200\n");
//! assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1); // no temporary file left behind
//! ```

use crate::error::{Error, Result, STAGE_PREFIX};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Buffer size of the writers handed to the closures: large enough that city-scale GeoJSON streams in
/// few system calls.
const BUFFER_BYTES: usize = 1 << 20;

/// The temporary name used while `path` is being written: `NAME.tmp-<pid>` in the same folder.
pub fn temp_path_for(path: &Path) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(format!(".tmp-{}", std::process::id()));
    path.with_file_name(name)
}

/// Removes the temporary file when dropped, unless it has been renamed into place.
struct TempGuard {
    path: PathBuf,
    armed: bool,
}

impl Drop for TempGuard {
    fn drop(&mut self) {
        if self.armed {
            // Best effort: the file may not exist if creating it failed.
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

fn check_destination(path: &Path) -> Result<()> {
    if path.file_name().is_none() {
        return Err(Error::output(path, "the output path names a folder, not a file"));
    }
    if path.is_dir() {
        return Err(Error::output(path, "a folder with this name already exists"));
    }
    Ok(())
}

/// Write `path` atomically through a buffered writer: the closure writes the content, then the file is
/// flushed, synced and renamed into place. Any I/O error becomes [`Error::Output`] naming `path`.
pub fn write_atomically<F>(path: &Path, write: F) -> Result<()>
where
    F: FnOnce(&mut BufWriter<File>) -> std::io::Result<()>,
{
    write_atomically_with(path, |w| write(w).map_err(|e| Error::output(path, e)))
}

/// Like [`write_atomically`], for writers whose own errors are already [`Error`]s (e.g. a writer that
/// finds an internal inconsistency half-way).
pub fn write_atomically_with<F>(path: &Path, write: F) -> Result<()>
where
    F: FnOnce(&mut BufWriter<File>) -> Result<()>,
{
    check_destination(path)?;
    let temp = temp_path_for(path);
    let mut guard = TempGuard { path: temp.clone(), armed: true };
    let file = File::create(&temp).map_err(|e| Error::output(path, format!("cannot create {}: {e}", temp.display())))?;
    let mut writer = BufWriter::with_capacity(BUFFER_BYTES, file);
    write(&mut writer)?;
    let file = writer.into_inner().map_err(|e| Error::output(path, e.error().to_string()))?;
    file.sync_all().map_err(|e| Error::output(path, e))?;
    drop(file);
    std::fs::rename(&temp, path).map_err(|e| Error::output(path, format!("cannot rename {} into place: {e}", temp.display())))?;
    guard.armed = false;
    sync_parent(path);
    Ok(())
}

/// Write `path` atomically with a writer that insists on creating the file itself from a path (GDAL
/// drivers): the closure receives the temporary path `NAME.tmp-<pid>` + `suffix` (drivers that check
/// the extension, like GeoPackage, want e.g. `.gpkg`), must have closed the file when it returns, and the
/// file is then synced and renamed into place. The temporary file, and any side files the closure left
/// with the same stem (`-wal`, `-shm`, `-journal`), are removed on error.
pub fn write_atomically_via_path<F>(path: &Path, suffix: &str, write: F) -> Result<()>
where
    F: FnOnce(&Path) -> Result<()>,
{
    let staged = StagedPath::begin(path, suffix)?;
    write(staged.temp())?;
    staged.commit()
}

/// A file being written under a temporary name by a writer that creates it from a path, for writers
/// that outlive one call (a GeoPackage filled layer by layer as the analyses finish): [`StagedPath::begin`]
/// picks `NAME.tmp-<pid>` + `suffix`, [`StagedPath::commit`] syncs it and renames it into place once the
/// writer has closed it. Dropped without a commit, it removes the temporary file and its side files
/// (`-wal`, `-shm`, `-journal`).
pub struct StagedPath {
    path: PathBuf,
    temp: PathBuf,
    guards: Vec<TempGuard>,
}

impl StagedPath {
    pub fn begin(path: &Path, suffix: &str) -> Result<StagedPath> {
        check_destination(path)?;
        let mut name = temp_path_for(path).into_os_string();
        name.push(suffix);
        let temp = PathBuf::from(name);
        let guards: Vec<TempGuard> = ["", "-wal", "-shm", "-journal"]
            .iter()
            .map(|side| {
                let mut n = temp.clone().into_os_string();
                n.push(side);
                TempGuard { path: PathBuf::from(n), armed: true }
            })
            .collect();
        // A stale temporary file from a crashed run with the same pid would make a driver refuse to create.
        let _ = std::fs::remove_file(&temp);
        Ok(StagedPath { path: path.to_path_buf(), temp, guards })
    }

    /// Where the writer writes.
    pub fn temp(&self) -> &Path {
        &self.temp
    }

    /// Sync the closed file and rename it into place.
    pub fn commit(mut self) -> Result<()> {
        let path = &self.path;
        let file = File::open(&self.temp).map_err(|e| Error::output(path, format!("the writer did not create {}: {e}", self.temp.display())))?;
        file.sync_all().map_err(|e| Error::output(path, e))?;
        drop(file);
        std::fs::rename(&self.temp, path).map_err(|e| Error::output(path, format!("cannot rename {} into place: {e}", self.temp.display())))?;
        self.guards[0].armed = false;
        sync_parent(path);
        Ok(())
    }
}

/// Sync the folder so the rename itself survives a power cut (best effort: not every platform or file
/// system lets a folder be opened and synced).
fn sync_parent(path: &Path) {
    #[cfg(unix)]
    if let Some(parent) = path.parent() {
        let parent = if parent.as_os_str().is_empty() { Path::new(".") } else { parent };
        if let Ok(dir) = File::open(parent) {
            let _ = dir.sync_all();
        }
    }
}

/// Write bytes (a whole small file) atomically.
pub fn write_bytes_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomically(path, |w| w.write_all(bytes))
}

/// Remove the staging folders in `out` whose run is gone (killed, or the machine lost power): on Linux a
/// process is alive while `/proc/<pid>` exists. A stage of a live run (two runs writing to one folder)
/// is left alone, and where `/proc` is missing nothing is removed (best effort; a stale stage is hidden
/// and holds no final output, only disk space).
pub fn remove_stale_stages(out: &Path) {
    let proc_root = Path::new("/proc");
    if !proc_root.join("self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(out) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.strip_prefix(STAGE_PREFIX)).and_then(|p| p.parse::<u32>().ok()) else { continue };
        if pid != std::process::id() && !proc_root.join(pid.to_string()).exists() && entry.path().is_dir() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// A run's outputs as one unit: every file is first written into a hidden staging folder inside the
/// output folder (`.lifecircle-staging-<pid>`, same file system), and only when all of them are written
/// are they renamed into the output folder. A run that fails half-way (a bad value found late, a disk
/// that fills) thus leaves the output folder as it was; dropping the stage without
/// [`StagingFolder::commit`] removes it with everything in it.
///
/// ```
/// let out = tempfile::tempdir().unwrap();
/// let stage = lifecircle::write::atomic::StagingFolder::create(out.path()).unwrap();
/// let staged = stage.path().join("estates.geojson");
/// lifecircle::write::atomic::write_bytes_atomically(&staged, b"{}").unwrap();
/// assert_eq!(stage.commit(&[staged]).unwrap(), vec![out.path().join("estates.geojson")]);
/// assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 1); // the stage is gone
/// ```
pub struct StagingFolder {
    stage: PathBuf,
    out: PathBuf,
}

impl StagingFolder {
    /// Create the staging folder inside `out` (which must exist), and remove the stages that runs killed
    /// half-way left there (see [`remove_stale_stages`]).
    pub fn create(out: &Path) -> Result<StagingFolder> {
        let stage = out.join(format!("{STAGE_PREFIX}{}", std::process::id()));
        // A stale stage of a crashed run with the same pid is no one's output.
        let _ = std::fs::remove_dir_all(&stage);
        remove_stale_stages(out);
        std::fs::create_dir(&stage).map_err(|e| Error::output(&stage, e))?;
        Ok(StagingFolder { stage, out: out.to_path_buf() })
    }

    /// The folder to write into.
    pub fn path(&self) -> &Path {
        &self.stage
    }

    /// Rename the staged files (paths inside [`Self::path`]) into the output folder, in the order given,
    /// and remove the stage; returns their final paths.
    pub fn commit(self, staged: &[PathBuf]) -> Result<Vec<PathBuf>> {
        let mut done = Vec::with_capacity(staged.len());
        for file in staged {
            // A file in a sub-folder of the stage lands in the same sub-folder of the output.
            let relative = file.strip_prefix(&self.stage).ok().filter(|r| r.file_name().is_some()).map(Path::to_path_buf);
            let relative = match relative {
                Some(r) => r,
                None => PathBuf::from(file.file_name().ok_or_else(|| Error::Internal(format!("staged output {} has no file name", file.display())))?),
            };
            let target = self.out.join(&relative);
            if target.is_dir() {
                return Err(Error::output(&target, "a folder with this name already exists"));
            }
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent).map_err(|e| Error::output(parent, e))?;
            }
            std::fs::rename(file, &target).map_err(|e| Error::output(&target, format!("cannot move {} into place: {e}", file.display())))?;
            done.push(target);
        }
        sync_parent(&self.out.join("x"));
        Ok(done)
    }

    /// [`Self::commit`], then remove from the output folder each of `superseded` (names relative to
    /// it) that this run did not write: an output a run writes only sometimes (`rejects.csv` only when
    /// some reject has no geometry) must not survive from an earlier run and pass for this run's.
    pub fn commit_superseding(self, staged: &[PathBuf], superseded: &[&str]) -> Result<Vec<PathBuf>> {
        let out = self.out.clone();
        let done = self.commit(staged)?;
        for name in superseded {
            let target = out.join(name);
            if !done.contains(&target) && target.is_file() {
                std::fs::remove_file(&target).map_err(|e| Error::output(&target, format!("cannot remove this output of an earlier run: {e}")))?;
            }
        }
        Ok(done)
    }
}

impl Drop for StagingFolder {
    fn drop(&mut self) {
        // Best effort: after a commit the stage holds nothing; after a failure, the partial outputs.
        let _ = std::fs::remove_dir_all(&self.stage);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_name_is_beside_the_target() {
        let t = temp_path_for(Path::new("/data/out/estates.geojson"));
        assert_eq!(t.parent(), Some(Path::new("/data/out")));
        assert_eq!(t.file_name().unwrap().to_string_lossy(), format!("estates.geojson.tmp-{}", std::process::id()));
    }

    #[test]
    fn replaces_an_existing_file_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        std::fs::write(&path, "old content that is longer").unwrap();
        write_bytes_atomically(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_failing_writer_leaves_no_file_and_keeps_the_old_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        std::fs::write(&path, "old").unwrap();
        let err = write_atomically(&path, |w| {
            w.write_all(b"half")?;
            Err(std::io::Error::other("disk full"))
        })
        .unwrap_err();
        assert!(matches!(err, Error::Output { .. }));
        assert!(err.to_string().contains("a.txt") && err.to_string().contains("disk full"), "{err}");
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_panicking_writer_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.txt");
        let result = std::panic::catch_unwind(|| {
            let _ = write_atomically(&path, |w| {
                w.write_all(b"x")?;
                panic!("writer bug");
            });
        });
        assert!(result.is_err());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn missing_folder_is_an_output_error_naming_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("no/such/folder/c.txt");
        let err = write_bytes_atomically(&path, b"x").unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("c.txt"), "{err}");
    }

    #[test]
    fn an_abandoned_stage_leaves_the_output_folder_as_it_was() {
        let out = tempfile::tempdir().unwrap();
        std::fs::write(out.path().join("estates.geojson"), b"previous run").unwrap();
        {
            let stage = StagingFolder::create(out.path()).unwrap();
            write_bytes_atomically(&stage.path().join("estates.geojson"), b"half of a new run").unwrap();
        }
        let names: Vec<String> = std::fs::read_dir(out.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        assert_eq!(names, vec!["estates.geojson".to_string()]);
        assert_eq!(std::fs::read(out.path().join("estates.geojson")).unwrap(), b"previous run");
    }

    #[test]
    fn via_path_renames_what_the_writer_created_and_cleans_up_on_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.gpkg");
        write_atomically_via_path(&path, ".gpkg", |tmp| {
            assert!(tmp.to_string_lossy().ends_with(".gpkg"));
            std::fs::write(tmp, b"db").map_err(|e| Error::output(tmp, e))
        })
        .unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"db");
        let path2 = dir.path().join("e.gpkg");
        let err = write_atomically_via_path(&path2, ".gpkg", |tmp| {
            std::fs::write(tmp, b"half").unwrap();
            let mut wal = tmp.as_os_str().to_os_string();
            wal.push("-wal");
            std::fs::write(wal, b"w").unwrap();
            Err(Error::output(&path2, "driver failed"))
        });
        assert!(err.is_err());
        let names: Vec<String> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        assert_eq!(names, vec!["d.gpkg".to_string()]);
    }
}
