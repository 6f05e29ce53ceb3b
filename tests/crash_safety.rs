//! Crash safety of `lifecircle plan`: a run killed with SIGKILL at any moment leaves the output folder
//! holding only whole files of the earlier run (the outputs are staged in a hidden folder and renamed
//! into place, `src/io/atomic.rs`), never a truncated one and never a temporary name among the outputs.
//!
//! The earlier run and the killed runs read the same input, and `plan` is deterministic, so a file
//! renamed into place before the kill is byte-identical to its predecessor: every visible file must equal
//! the earlier run's, byte for byte, whatever the moment of the kill. Two files hold run-specific values
//! and are checked whole by parsing instead when their bytes differ: `summary.json` (stage times) must
//! parse and equal the earlier one but for the stage times, and `lifecircle.gpkg` (write timestamps) must
//! open with GDAL with the earlier run's layers and feature counts. The moments are drawn from a seeded
//! generator over the length of a whole run, so they vary across start-up, analysis, writing and
//! committing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

const NANJING: &str = "data/nanjing-xuanwu-2021.osm.pbf";
const KILLS: usize = 5;

fn plan_command(out: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_lifecircle"));
    c.args(["plan", "--quiet", "--osm", NANJING, "--out", out.to_str().unwrap()])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        // A fixed date for the provenance (summary.json, report footer, workbook, GeoPackage metadata).
        .env("SOURCE_DATE_EPOCH", "1767225600")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    c
}

/// Every entry under `dir`, relative, with the bytes of the files (`None` for folders).
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Option<Vec<u8>>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let relative = path.strip_prefix(root).unwrap().to_path_buf();
            if path.is_dir() {
                out.insert(relative, None);
                walk(root, &path, out);
            } else {
                out.insert(relative, Some(std::fs::read(&path).unwrap()));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// `summary.json` without its stage times.
fn summary_without_times(bytes: &[u8]) -> Result<serde_json::Value, String> {
    let mut json: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    json.as_object_mut().ok_or("not an object")?.remove("stage_seconds").ok_or("no stage_seconds")?;
    Ok(json)
}

/// The layers of a GeoPackage and their feature counts.
fn gpkg_layers(bytes: &[u8], scratch: &Path) -> Result<Vec<(String, u64)>, String> {
    use gdal::vector::LayerAccess;
    let copy = scratch.join("check.gpkg");
    std::fs::write(&copy, bytes).map_err(|e| e.to_string())?;
    let dataset = gdal::Dataset::open(&copy).map_err(|e| e.to_string())?;
    let layers = dataset.layers().map(|l| (l.name(), l.feature_count())).collect();
    drop(dataset);
    let _ = std::fs::remove_file(&copy);
    Ok(layers)
}

/// Whether `content` is a whole version of `path` whose earlier version is `earlier`.
fn is_whole(path: &Path, earlier: &[u8], content: &[u8], scratch: &Path) -> Result<(), String> {
    if earlier == content {
        return Ok(());
    }
    if path == Path::new("summary.json") {
        return if summary_without_times(content)? == summary_without_times(earlier)? { Ok(()) } else { Err("summary.json differs beyond its stage times".into()) };
    }
    if path == Path::new("lifecircle.gpkg") {
        let (now, before) = (gpkg_layers(content, scratch)?, gpkg_layers(earlier, scratch)?);
        return if now == before { Ok(()) } else { Err(format!("layers {now:?}, earlier {before:?}")) };
    }
    Err("differs from the earlier whole file".into())
}

fn is_stage(relative: &Path) -> bool {
    relative.components().next().is_some_and(|c| c.as_os_str().to_string_lossy().starts_with(".lifecircle-staging-"))
}

/// A small linear congruential generator (Knuth's MMIX constants): reproducible kill moments without a
/// random-number crate.
struct Lcg(u64);

impl Lcg {
    fn next_fraction(&mut self) -> f64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[test]
fn plan_killed_at_random_moments_leaves_only_the_earlier_whole_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("plan");
    let started = Instant::now();
    let first = plan_command(&out).output().unwrap();
    assert!(first.status.success(), "the earlier run failed: {}", String::from_utf8_lossy(&first.stderr));
    let full_run = started.elapsed();
    let before = snapshot(&out);
    assert!(before.keys().any(|p| p == Path::new("lifecircle.gpkg")) && before.keys().any(|p| p == Path::new("geojson/estates.geojson")));
    assert!(before.keys().all(|p| !is_stage(p)), "a finished run leaves no stage");

    let scratch = tempfile::tempdir().unwrap();
    let mut moments = Lcg(20_261_127);
    let mut killed_while_running = 0;
    for round in 0..KILLS {
        // Between 5 % and 105 % of a whole run: the last draws may let the run finish, which must be fine too.
        let delay = full_run.mul_f64(0.05 + moments.next_fraction());
        let mut child = plan_command(&out).spawn().unwrap();
        std::thread::sleep(delay);
        let finished = child.try_wait().unwrap().is_some();
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        killed_while_running += usize::from(!finished);

        let after = snapshot(&out);
        for (path, content) in &after {
            if is_stage(path) {
                continue; // the killed run's hidden stage; the next run clears it
            }
            let earlier = before.get(path).unwrap_or_else(|| panic!("round {round} (kill after {delay:?}): {} appeared in the output folder", path.display()));
            if let (Some(earlier), Some(content)) = (earlier, content) {
                if let Err(e) = is_whole(path, earlier, content, scratch.path()) {
                    panic!("round {round} (kill after {delay:?}): {} is not whole: {e}", path.display());
                }
            } else {
                assert_eq!(earlier.is_some(), content.is_some(), "round {round}: {} changed between file and folder", path.display());
            }
        }
        for path in before.keys() {
            assert!(after.contains_key(path), "round {round} (kill after {delay:?}): {} vanished", path.display());
        }
    }
    eprintln!("{killed_while_running} of {KILLS} kills hit a running process (a whole run took {full_run:?})");

    // A whole run afterwards clears the stages the killed runs left and writes the same files.
    let last = plan_command(&out).output().unwrap();
    assert!(last.status.success(), "{}", String::from_utf8_lossy(&last.stderr));
    let after = snapshot(&out);
    let stages: Vec<&PathBuf> = after.keys().filter(|p| is_stage(p) && p.components().count() == 1).collect();
    assert!(stages.is_empty(), "stale stages left behind: {stages:?}");
    assert_eq!(after.keys().collect::<Vec<_>>(), before.keys().collect::<Vec<_>>(), "the run after the kills wrote other files");
    for (path, content) in &after {
        if let (Some(earlier), Some(content)) = (&before[path], content) {
            is_whole(path, earlier, content, scratch.path()).unwrap_or_else(|e| panic!("after the kills, {}: {e}", path.display()));
        }
    }
}

/// The stage of a live run is not touched by another run; only stages of processes that are gone are.
#[test]
fn a_live_runs_stage_is_kept_and_a_dead_runs_stage_is_removed() {
    let out = tempfile::tempdir().unwrap();
    // pid 1 is always alive; a pid above the kernel's pid_max (4,194,304 at most) never is.
    let live = out.path().join(".lifecircle-staging-1");
    let dead = out.path().join(".lifecircle-staging-4194305");
    std::fs::create_dir(&live).unwrap();
    std::fs::create_dir(&dead).unwrap();
    std::fs::write(dead.join("estates.geojson"), b"half").unwrap();
    let stage = lifecircle::write::atomic::StagingFolder::create(out.path()).unwrap();
    assert!(live.is_dir(), "a live process's stage was removed");
    if Path::new("/proc/self").exists() {
        assert!(!dead.exists(), "a dead process's stage was kept");
    }
    drop(stage);
}
