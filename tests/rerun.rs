//! Provenance and `lifecircle rerun`, through the real binary on the Monaco extract (copied, so that the
//! test can change it):
//! - a plan's `summary.json` says how it was made: version, git commit, the command line, the embedded
//!   profile's SHA-256, the input's size and SHA-256 (checked against `sha256sum`), the CRS and the date
//!   (`SOURCE_DATE_EPOCH` fixes it); the same record is in the GeoPackage's metadata (`gpkg_metadata`), the
//!   workbook's About sheet and the report's footer;
//! - `rerun summary.json --out B` repeats the plan: `scripts/compare_outputs.py` finds the folders equal;
//! - once the input changed, `rerun` refuses with exit 2 and a message naming the file and both checksums;
//!   `--force` runs anyway and the new run's provenance says what differed.

use calamine::Reader;
use serde_json::Value as Json;
use std::path::Path;
use std::process::Command;

fn lifecircle(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_lifecircle")).args(args).current_dir(dir).env("SOURCE_DATE_EPOCH", "1767225600").output().expect("the binary runs")
}

fn sha256sum(path: &Path) -> String {
    let o = Command::new("sha256sum").arg(path).output().expect("sha256sum runs");
    String::from_utf8_lossy(&o.stdout).split_whitespace().next().unwrap().to_string()
}

#[test]
fn a_plan_says_how_it_was_made_and_rerun_repeats_it_or_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let osm = dir.path().join("monaco.osm.pbf");
    std::fs::copy(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/monaco-2020.osm.pbf"), &osm).unwrap();
    let o = lifecircle(dir.path(), &["plan", "--quiet", "--osm", "monaco.osm.pbf", "--out", "a"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    // summary.json
    let summary: Json = serde_json::from_str(&std::fs::read_to_string(dir.path().join("a/summary.json")).unwrap()).unwrap();
    let p = &summary["provenance"];
    assert_eq!(p["lifecircle_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(p["git_commit"], lifecircle::provenance::GIT_COMMIT);
    let command: Vec<&str> = p["command_line"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(&command[1..], ["plan", "--quiet", "--osm", "monaco.osm.pbf", "--out", "a"]);
    assert_eq!(p["working_directory"], dir.path().display().to_string());
    assert_eq!(p["profile"]["source"], "embedded");
    assert_eq!(p["profile"]["sha256"].as_str().unwrap(), lifecircle::provenance::sha256_hex(lifecircle::profile::DEFAULT_PROFILE_TOML.as_bytes()));
    assert_eq!(p["profile"]["sha256"].as_str().unwrap().len(), 64);
    let inputs = p["inputs"].as_array().unwrap();
    assert_eq!(inputs.len(), 1);
    assert_eq!((inputs[0]["role"].as_str(), inputs[0]["path"].as_str()), (Some("osm"), Some("monaco.osm.pbf")));
    assert_eq!(inputs[0]["size_bytes"].as_u64(), Some(std::fs::metadata(&osm).unwrap().len()));
    assert_eq!(inputs[0]["sha256"].as_str().unwrap(), sha256sum(&osm));
    assert_eq!(p["crs"], "EPSG:32632");
    assert_eq!(p["created_utc"], "2026-01-01T00:00:00Z");

    // The GeoPackage's metadata.
    let gpkg = gdal::Dataset::open(dir.path().join("a/lifecircle.gpkg")).unwrap();
    use gdal::Metadata;
    assert_eq!(gpkg.metadata_item("PROFILE_SHA256", "").as_deref(), p["profile"]["sha256"].as_str());
    assert_eq!(gpkg.metadata_item("CREATED_UTC", "").as_deref(), Some("2026-01-01T00:00:00Z"));
    assert!(gpkg.metadata_item("INPUT_1", "").unwrap().contains(&sha256sum(&osm)));
    let stored: Json = serde_json::from_str(&gpkg.metadata_item("PROVENANCE", "").unwrap()).unwrap();
    assert_eq!(&stored, p);
    let rows = gpkg.execute_sql("SELECT count(*) FROM gpkg_metadata m JOIN gpkg_metadata_reference r ON r.md_file_id = m.id WHERE r.reference_scope = 'geopackage'", None, gdal::vector::sql::Dialect::DEFAULT).unwrap();
    let mut rows = rows.unwrap();
    use gdal::vector::LayerAccess;
    let n = rows.features().next().unwrap().field_as_integer(0).unwrap();
    assert_eq!(n, Some(1), "one dataset-wide metadata row");
    drop(rows);
    drop(gpkg);

    // The workbook's About sheet (说明) and the report's footer.
    let mut book = calamine::open_workbook_auto(dir.path().join("a/改造片区清单.xlsx")).unwrap();
    let about = book.worksheet_range("说明").unwrap();
    let cells: Vec<String> = about.rows().flat_map(|r| r.iter().map(|c| c.to_string())).collect();
    assert!(cells.iter().any(|c| c.contains(&sha256sum(&osm))), "{cells:?}");
    assert!(cells.iter().any(|c| c == "2026-01-01T00:00:00Z"), "{cells:?}");
    let html = std::fs::read_to_string(dir.path().join("a/report.html")).unwrap();
    let footer = &html[html.find("<footer>").unwrap()..];
    assert!(footer.contains("<details id=\"provenance\">") && footer.contains(&sha256sum(&osm)) && footer.contains("EPSG:32632"), "{footer}");

    // rerun repeats the plan.
    let o = lifecircle(dir.path(), &["rerun", "a/summary.json", "--out", "b"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let compare = Command::new("python3").arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/compare_outputs.py")).arg(dir.path().join("a")).arg(dir.path().join("b")).output().unwrap();
    assert!(compare.status.success(), "{}{}", String::from_utf8_lossy(&compare.stdout), String::from_utf8_lossy(&compare.stderr));
    // The repeated run records the command it ran, with the new folder.
    let again: Json = serde_json::from_str(&std::fs::read_to_string(dir.path().join("b/summary.json")).unwrap()).unwrap();
    let command: Vec<&str> = again["provenance"]["command_line"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(command[1..5], ["plan", "--quiet", "--osm", "monaco.osm.pbf"]);
    assert_eq!(command[6], dir.path().join("b").display().to_string());

    // A changed input: refused, naming the file.
    let mut bytes = std::fs::read(&osm).unwrap();
    bytes.push(0);
    std::fs::write(&osm, &bytes).unwrap();
    let o = lifecircle(dir.path(), &["rerun", "a/summary.json", "--out", "c"]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("monaco.osm.pbf (--osm) changed since the run") && stderr.contains(&sha256sum(&osm)) && stderr.contains("--force"), "{stderr}");
    assert!(!dir.path().join("c").exists());
    // A missing input: refused too.
    std::fs::remove_file(&osm).unwrap();
    let o = lifecircle(dir.path(), &["rerun", "a/summary.json", "--out", "c"]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("monaco.osm.pbf (--osm) is gone"), "{stderr}");
}

/// `--force` repeats a run whose input changed and records what differed.
#[test]
fn rerun_force_runs_on_changed_inputs_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/extract-cases.osm.pbf");
    std::fs::copy(&data, dir.path().join("x.osm.pbf")).unwrap();
    let o = lifecircle(dir.path(), &["extract", "--quiet", "--osm", "x.osm.pbf", "--out", "a"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // Another real extract in its place.
    std::fs::copy(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/self-crossing.osm.pbf"), dir.path().join("x.osm.pbf")).unwrap();
    let o = lifecircle(dir.path(), &["rerun", "a/extract.json", "--out", "b"]);
    assert_eq!(o.status.code(), Some(2));
    let o = lifecircle(dir.path(), &["rerun", "a/extract.json", "--out", "b", "--force"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let again: Json = serde_json::from_str(&std::fs::read_to_string(dir.path().join("b/extract.json")).unwrap()).unwrap();
    let notes: Vec<&str> = again["provenance"]["notes"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert!(notes[0].starts_with("rerun of a/extract.json"), "{notes:?}");
    assert!(notes.iter().any(|n| n.starts_with("--force:") && n.contains("x.osm.pbf (--osm) changed")), "{notes:?}");
    assert_eq!(again["provenance"]["inputs"][0]["sha256"].as_str().unwrap(), sha256sum(&dir.path().join("x.osm.pbf")));
}

/// A run made from temporary files (as the QGIS plugin exports the planner's layers) can be repeated from
/// the copies kept in its folder's `inputs/`: the rerun reads them when the recorded files are gone, and
/// refuses a copy that is not the file the run read.
#[test]
fn rerun_reads_the_kept_copies_of_gone_temporary_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/extract-cases.osm.pbf");
    let temporary = dir.path().join("tmp-inputs");
    std::fs::create_dir(&temporary).unwrap();
    std::fs::copy(&data, temporary.join("x.osm.pbf")).unwrap();
    let gone = temporary.join("x.osm.pbf").display().to_string();
    let o = lifecircle(dir.path(), &["extract", "--quiet", "--osm", &gone, "--out", "a"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // The run's folder keeps a copy; the temporary file goes.
    std::fs::create_dir(dir.path().join("a/inputs")).unwrap();
    std::fs::copy(&data, dir.path().join("a/inputs/x.osm.pbf")).unwrap();
    std::fs::remove_dir_all(&temporary).unwrap();
    let o = lifecircle(dir.path(), &["rerun", "a/extract.json", "--out", "b"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let read = |p: &str| -> Json { serde_json::from_str(&std::fs::read_to_string(dir.path().join(p)).unwrap()).unwrap() };
    let (first, again) = (read("a/extract.json"), read("b/extract.json"));
    let copy = dir.path().join("a/inputs/x.osm.pbf").display().to_string();
    let command: Vec<&str> = again["provenance"]["command_line"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert!(command.windows(2).any(|w| w == ["--osm", copy.as_str()]), "{command:?}");
    assert_eq!(again["provenance"]["inputs"][0]["sha256"], first["provenance"]["inputs"][0]["sha256"]);
    assert_eq!(again["layers"], first["layers"]);
    assert_eq!(std::fs::read(dir.path().join("b/estates.geojson")).unwrap(), std::fs::read(dir.path().join("a/estates.geojson")).unwrap());
    // A kept copy that is another file is not the run's input: the rerun refuses, naming the gone file.
    std::fs::copy(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/self-crossing.osm.pbf"), dir.path().join("a/inputs/x.osm.pbf")).unwrap();
    let o = lifecircle(dir.path(), &["rerun", "a/extract.json", "--out", "c"]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("x.osm.pbf (--osm) is gone and its kept copy") && stderr.contains("changed since the run"), "{stderr}");
    // With --force the rerun reads that copy as it is now, and the new run's provenance says so.
    let o = lifecircle(dir.path(), &["rerun", "a/extract.json", "--out", "d", "--force"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let forced = read("d/extract.json");
    let command: Vec<&str> = forced["provenance"]["command_line"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert!(command.windows(2).any(|w| w == ["--osm", copy.as_str()]), "{command:?}");
    assert_ne!(forced["provenance"]["inputs"][0]["sha256"], first["provenance"]["inputs"][0]["sha256"]);
    let notes: Vec<&str> = forced["provenance"]["notes"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert!(notes.iter().any(|n| n.starts_with("--force:") && n.contains("its kept copy")), "{notes:?}");
}
