//! `lifecircle batch --shard K/N` and `lifecircle batch --merge` (issue 19, item 4):
//! - the assignment of areas to shards is deterministic, whatever the order the areas come in, and puts
//!   every area in exactly one shard, for several N including N > areas (an empty shard still finishes);
//! - three shards of the four quadrants of the embedded Nanjing extract, merged, equal one unsharded batch:
//!   `batch_summary.csv` row for row (the folder column aside: it names where each area's folder is), the
//!   merged GeoPackage's estates and bundles field for field and geometry for geometry against the
//!   unsharded run's per-area GeoPackages, and the GeoParquet copies read back with the `parquet` crate
//!   (rows, WKB geometries, the `geo` metadata);
//! - a merge with a missing, repeated or foreign shard is refused with exit 2 naming the folder;
//! - the Slurm and Kubernetes files under `scripts/cluster/` call exactly these commands: each
//!   `lifecircle ...` command in them, with the scheduler's index put in, parses with the CLI's own
//!   definition (`Cli::try_parse_from`) into the shards 1 … N and a merge of exactly their folders.

use clap::Parser;
use geo_types::{Geometry, MultiPolygon};
use lifecircle::cli::{Cli, Command};
use lifecircle::pipeline::batch::shard::{AreaWork, Shard, ShardRecord, assign};
use lifecircle::read::gdal_vector::read_vector;
use parquet::file::reader::{FileReader, SerializedFileReader};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command as Process, Output};

const NANJING: &str = "data/nanjing-xuanwu-2021.osm.pbf";

fn lifecircle(args: &[&str]) -> Output {
    Process::new(env!("CARGO_BIN_EXE_lifecircle")).args(args).current_dir(env!("CARGO_MANIFEST_DIR")).output().expect("the binary runs")
}

fn ok(o: &Output) {
    assert!(o.status.success(), "exit {:?}: {}", o.status.code(), String::from_utf8_lossy(&o.stderr));
}

fn refused(o: &Output) -> String {
    let stderr = String::from_utf8_lossy(&o.stderr).to_string();
    assert_eq!(o.status.code(), Some(2), "expected exit 2: {stderr}");
    stderr
}

fn works(n: usize, seed: u64) -> Vec<AreaWork> {
    let mut rng = lifecircle::rng::SplitMix64::new(seed);
    (0..n).map(|i| AreaWork { area_id: format!("city-{i:03}"), work: rng.next_u64() % 1_000_000 * (1 + (i as u64 % 5)) }).collect()
}

#[test]
fn shard_assignment_is_deterministic_and_covers_every_area_once() {
    for areas in [works(1, 1), works(7, 2), works(40, 3), works(300, 4)] {
        let total: u128 = areas.iter().map(|a| u128::from(a.work)).sum();
        let largest = areas.iter().map(|a| u128::from(a.work)).max().unwrap();
        let mut shuffled = areas.clone();
        lifecircle::rng::SplitMix64::new(9).shuffle(&mut shuffled);
        for n in [1, 2, 3, 8, areas.len(), areas.len() + 5] {
            let shard_of = assign(&areas, n);
            assert_eq!(shard_of, assign(&areas, n), "same input, same assignment");
            assert!(shard_of.iter().all(|&k| (1..=n).contains(&k)));
            // Another order of the same areas: the same shard for every area.
            let again: BTreeMap<&str, usize> = shuffled.iter().map(|a| a.area_id.as_str()).zip(assign(&shuffled, n)).collect();
            assert!(areas.iter().zip(&shard_of).all(|(a, k)| again[a.area_id.as_str()] == *k), "{} areas, N = {n}: order changed the assignment", areas.len());
            // The records of the N shards hold every area exactly once.
            let records: Vec<ShardRecord> = (1..=n).map(|k| ShardRecord::new(Shard { index: k, count: n }, "areas", "x".into(), &areas)).collect();
            let mut held: Vec<&str> = records.iter().flat_map(|r| r.areas.iter().map(|a| a.area_id.as_str())).collect();
            held.sort_unstable();
            let mut all: Vec<&str> = areas.iter().map(|a| a.area_id.as_str()).collect();
            all.sort_unstable();
            assert_eq!(held, all, "{} areas, N = {n}", areas.len());
            assert!(records.windows(2).all(|w| w[0].assignment_sha256 == w[1].assignment_sha256));
            // More shards than areas: at most one area each. Balance: no shard exceeds the list-scheduling
            // bound total / N + the largest area (Graham 1966), LPT's guarantee being tighter still.
            if n >= areas.len() {
                assert!(records.iter().all(|r| r.areas.len() <= 1));
            }
            let worst = records.iter().map(|r| r.work).max().unwrap();
            assert_eq!(worst, records[0].largest_shard_work);
            assert!(worst <= total / n as u128 + largest, "{} areas, N = {n}: {worst} > {} + {largest}", areas.len(), total / n as u128);
        }
    }
}

/// The four quadrants of the Nanjing extract, split at 118.779° E and 32.043° N.
fn quadrants(dir: &Path) -> PathBuf {
    let path = dir.join("areas.geojson");
    let square = |id: &str, x0: f64, x1: f64, y0: f64, y1: f64| {
        format!(r#"{{"type":"Feature","properties":{{"area_id":"{id}"}},"geometry":{{"type":"Polygon","coordinates":[[[{x0},{y0}],[{x1},{y0}],[{x1},{y1}],[{x0},{y1}],[{x0},{y0}]]]}}}}"#)
    };
    let features = [
        square("sw", 118.763, 118.779, 32.034, 32.043),
        square("se", 118.779, 118.796, 32.034, 32.043),
        square("nw", 118.763, 118.779, 32.043, 32.052),
        square("ne", 118.779, 118.796, 32.043, 32.052),
    ];
    std::fs::write(&path, format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, features.join(",\n"))).unwrap();
    path
}

/// `batch_summary.csv` without its folder column (the third), as rows of cells.
fn table_without_folders(path: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.starts_with('\u{feff}'), "the table keeps its byte-order mark");
    text.trim_start_matches('\u{feff}').lines().map(|l| l.split(',').enumerate().filter(|(i, _)| *i != 2).map(|(_, c)| c.to_string()).collect()).collect()
}

/// A polygon as a one-part multipolygon (a GeoPackage table holds multipolygons as soon as one feature is).
fn as_multi(g: Option<Geometry<f64>>) -> Option<Geometry<f64>> {
    match g {
        Some(Geometry::Polygon(p)) => Some(Geometry::MultiPolygon(MultiPolygon(vec![p]))),
        other => other,
    }
}

/// A layer's features as (properties, geometry).
type Features = Vec<(serde_json::Map<String, serde_json::Value>, Option<Geometry<f64>>)>;

/// Each feature of a GeoPackage layer as (properties, geometry).
fn features(gpkg: &Path, layer: &str) -> Features {
    let raw = read_vector(Path::new(&format!("{}|layername={layer}", gpkg.display()))).unwrap();
    raw.features.into_iter().map(|f| (f.properties, as_multi(f.geometry))).collect()
}

#[test]
fn three_shards_merged_equal_one_unsharded_batch() {
    let dir = tempfile::tempdir().unwrap();
    let areas = quadrants(dir.path());
    let areas = areas.to_str().unwrap();
    let folder = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let whole = folder("whole");
    ok(&lifecircle(&["batch", "--quiet", "--areas", areas, "--osm", NANJING, "--out", &whole]));
    let shards: Vec<String> = (1..=3).map(|k| folder(&format!("shard-{k}"))).collect();
    for (k, out) in shards.iter().enumerate() {
        ok(&lifecircle(&["batch", "--quiet", "--areas", areas, "--osm", NANJING, "--shard", &format!("{}/3", k + 1), "--out", out]));
    }

    // Every area in exactly one shard; the unsharded batch records itself as shard 1/1 of the same areas.
    let records: Vec<ShardRecord> = shards.iter().map(|s| ShardRecord::read(Path::new(s)).unwrap()).collect();
    let mut held: Vec<String> = records.iter().flat_map(|r| r.areas.iter().map(|a| a.area_id.clone())).collect();
    held.sort();
    assert_eq!(held, vec!["ne", "nw", "se", "sw"]);
    assert!(records.iter().all(|r| !r.areas.is_empty() && r.shards == 3 && r.areas_total == 4), "{records:?}");
    let unsharded = ShardRecord::read(Path::new(&whole)).unwrap();
    assert_eq!((unsharded.shard, unsharded.shards, unsharded.areas.len(), &unsharded.batch_sha256), (1, 1, 4, &records[0].batch_sha256));
    // The work estimate sees the estates: every quadrant holds some, so its work exceeds its network term.
    assert!(unsharded.areas.iter().all(|a| a.work > 1), "{:?}", unsharded.areas);

    let merged = folder("merged");
    let mut args = vec!["batch", "--quiet", "--merge"];
    args.extend(shards.iter().rev().map(String::as_str));
    args.extend(["--out", &merged]);
    ok(&lifecircle(&args));

    // The table: the unsharded one, row for row, but for the folders, which point at the shards' folders.
    let merged_dir = Path::new(&merged);
    assert_eq!(table_without_folders(&merged_dir.join("batch_summary.csv")), table_without_folders(&Path::new(&whole).join("batch_summary.csv")));
    let merged_table = std::fs::read_to_string(merged_dir.join("batch_summary.csv")).unwrap();
    for row in merged_table.lines().skip(1) {
        let folder = row.split(',').nth(2).unwrap();
        assert!(Path::new(folder).join("summary.json").is_file() && shards.iter().any(|s| folder.starts_with(s.as_str())), "{row}");
    }

    // The GeoPackage: per area, the unsharded run's estates and bundles, field for field, geometry for geometry.
    let gpkg = merged_dir.join("batch.gpkg");
    for layer in ["estates", "bundles"] {
        let mut by_area: BTreeMap<String, Vec<_>> = BTreeMap::new();
        let all = features(&gpkg, layer);
        for (mut properties, geometry) in all.clone() {
            let area = properties.shift_remove("area_id").and_then(|v| v.as_str().map(str::to_string)).expect("every feature has its area_id");
            by_area.entry(area).or_default().push((properties, geometry));
        }
        let mut compared = 0;
        for area in ["ne", "nw", "se", "sw"] {
            let expected = features(&Path::new(&whole).join(area).join("lifecircle.gpkg"), layer);
            let got = by_area.remove(area).unwrap_or_default();
            assert_eq!(got.len(), expected.len(), "{layer} of {area}");
            for (n, (g, e)) in got.iter().zip(&expected).enumerate() {
                assert_eq!(g.0, e.0, "{layer} of {area}, feature {n}: fields");
                assert_eq!(g.1, e.1, "{layer} of {area}, feature {n}: geometry");
            }
            compared += expected.len();
        }
        assert!(by_area.is_empty(), "features of unknown areas: {:?}", by_area.keys());
        assert!(compared > 0, "no {layer} compared");

        // The GeoParquet copy: as many rows, the same area ids in the same order, WKB that decodes to the
        // same geometries, and the GeoParquet 1.0 `geo` metadata.
        let reader = SerializedFileReader::new(std::fs::File::open(merged_dir.join(format!("{layer}.parquet"))).unwrap()).unwrap();
        let meta = reader.metadata().file_metadata();
        assert_eq!(meta.num_rows() as usize, all.len(), "{layer}.parquet rows");
        let geo = meta.key_value_metadata().and_then(|kv| kv.iter().find(|kv| kv.key == "geo")).and_then(|kv| kv.value.clone()).expect("geo metadata");
        let geo: serde_json::Value = serde_json::from_str(&geo).unwrap();
        assert_eq!((geo["version"].as_str(), geo["primary_column"].as_str(), geo["columns"]["geometry"]["encoding"].as_str()), (Some("1.0.0"), Some("geometry"), Some("WKB")));
        assert!(geo["columns"]["geometry"].get("crs").is_none(), "lon/lat: crs left out (OGC:CRS84)");
        let types = geo["columns"]["geometry"]["geometry_types"].as_array().unwrap();
        assert!(!types.is_empty() && types.iter().all(|t| t == "Polygon" || t == "MultiPolygon"), "{types:?}");
        for (row, (properties, geometry)) in reader.get_row_iter(None).unwrap().zip(&all) {
            let row = row.unwrap();
            let mut area = None;
            let mut wkb = None;
            for (name, field) in row.get_column_iter() {
                match (name.as_str(), field) {
                    ("area_id", parquet::record::Field::Str(s)) => area = Some(s.clone()),
                    ("geometry", parquet::record::Field::Bytes(b)) => wkb = Some(lifecircle::geometry::wkb::decode(b.data()).expect("the WKB decodes")),
                    _ => {}
                }
            }
            assert_eq!(area.as_deref(), properties["area_id"].as_str());
            assert_eq!(as_multi(wkb), *geometry);
        }
    }
    // The merged GeoPackage opens styled in QGIS: the areas' default styles are copied.
    let styles = |gpkg: &Path| -> Vec<(String, String)> {
        let dataset = gdal::Dataset::open(gpkg).unwrap();
        let mut rows = dataset.execute_sql("SELECT f_table_name, styleQML FROM layer_styles WHERE useAsDefault AND f_table_name IN ('estates', 'bundles') ORDER BY f_table_name", None, gdal::vector::sql::Dialect::DEFAULT).unwrap().unwrap();
        gdal::vector::LayerAccess::features(&mut *rows).map(|f| (f.field_as_string(0).unwrap().unwrap(), f.field_as_string(1).unwrap().unwrap())).collect()
    };
    let copied = styles(&gpkg);
    assert_eq!(copied.iter().map(|(t, _)| t.as_str()).collect::<Vec<_>>(), vec!["bundles", "estates"]);
    assert_eq!(copied, styles(&Path::new(&whole).join("ne/lifecircle.gpkg")));
    let summary: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(merged_dir.join("merge.json")).unwrap()).unwrap();
    assert_eq!((summary["shards"].as_u64(), summary["areas"].as_u64(), summary["crs"].as_str()), (Some(3), Some(4), Some("EPSG:4326")));

    // Refused, exit 2, naming the folder: a missing shard, a repeated one, one of another N, one of other
    // options, a folder that is no shard, and an --out that is a shard.
    let e = refused(&lifecircle(&["batch", "--merge", &shards[0], &shards[2], "--out", &folder("m1")]));
    assert!(e.contains(&shards[0]) && e.contains("shard 2/3 is missing") && e.contains("--shard 2/3"), "{e}");
    let e = refused(&lifecircle(&["batch", "--merge", &shards[0], &shards[1], &shards[2], &shards[1], "--out", &folder("m2")]));
    assert!(e.contains(&format!("{}: is shard 2/3, as is {}", shards[1], shards[1])), "{e}");
    let e = refused(&lifecircle(&["batch", "--merge", &shards[0], &shards[1], &whole, "--out", &folder("m3")]));
    assert!(e.contains(&whole) && e.contains("different N"), "{e}");
    let other = folder("other-3");
    ok(&lifecircle(&["batch", "--quiet", "--areas", areas, "--osm", NANJING, "--min-pop", "100", "--shard", "3/3", "--out", &other]));
    let e = refused(&lifecircle(&["batch", "--merge", &shards[0], &shards[1], &other, "--out", &folder("m4")]));
    assert!(e.contains(&other) && e.contains("other inputs, areas, options"), "{e}");
    let e = refused(&lifecircle(&["batch", "--merge", &shards[0], &shards[1], &folder("nowhere"), "--out", &folder("m5")]));
    assert!(e.contains(&folder("nowhere")) && e.contains("shard.json"), "{e}");
    let e = refused(&lifecircle(&["batch", "--merge", &shards[0], &shards[1], &shards[2], "--out", &shards[2]]));
    assert!(e.contains("is one of the shard folders"), "{e}");
    assert!(!Path::new(&folder("m1")).exists(), "a refused merge writes nothing");

    // A folder is resumed only by its own shard; a bad --shard says what to write.
    let e = refused(&lifecircle(&["batch", "--quiet", "--areas", areas, "--osm", NANJING, "--shard", "2/3", "--out", &shards[0]]));
    assert!(e.contains(&shards[0]) && e.contains("holds shard 1/3"), "{e}");
    let e = refused(&lifecircle(&["batch", "--areas", areas, "--osm", NANJING, "--shard", "0/3", "--out", &folder("bad")]));
    assert!(e.contains("--shard") && e.contains("write K/N"), "{e}");
    let e = refused(&lifecircle(&["batch", "--merge", &shards[0], "--osm", NANJING, "--out", &folder("bad")]));
    assert!(e.contains("reads no map data"), "{e}");

    // More shards than areas: shard 6 of 6 has no area, and still finishes with its table and record.
    let empty = folder("shard-6-of-6");
    ok(&lifecircle(&["batch", "--quiet", "--areas", areas, "--osm", NANJING, "--shard", "6/6", "--out", &empty]));
    let r = ShardRecord::read(Path::new(&empty)).unwrap();
    assert!(r.areas.is_empty() && r.areas_total == 4);
    assert_eq!(std::fs::read_to_string(Path::new(&empty).join("batch_summary.csv")).unwrap().lines().count(), 1, "header only");
}

/// The `lifecircle ...` commands of a scheduler file: from `lifecircle batch` to the first line that does
/// not end in a backslash, joined.
fn commands(file: &str) -> Vec<String> {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(file)).unwrap();
    let mut found = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let Some(start) = line.find("lifecircle batch") else { continue };
        if line.trim_start().starts_with('#') {
            continue;
        }
        let mut command = line[start..].to_string();
        while command.ends_with('\\') {
            command.pop();
            command.push(' ');
            command.push_str(lines.next().expect("a continued line").trim());
        }
        found.push(command);
    }
    found
}

/// `command` with the scheduler's task index put in, split as a shell would, parsed by the CLI.
fn parse(command: &str, index_expression: &str, index: usize) -> Cli {
    let text = command.replace(index_expression, &index.to_string());
    assert!(!text.contains('$'), "an unexpected shell expansion left in {text}");
    let words = shlex::split(&text).unwrap_or_else(|| panic!("not shell words: {text}"));
    Cli::try_parse_from(&words).unwrap_or_else(|e| panic!("{text}\n does not parse: {e}"))
}

/// Check a shard command (for every index of the array) and its merge command: N shards 1 … N, each with
/// its own --out, and a merge of exactly those folders.
fn check_scheduler_files(shard_file: &str, merge_file: &str, index_expression: &str, first_index: usize, count: usize) {
    let shard_commands = commands(shard_file);
    assert_eq!(shard_commands.len(), 1, "{shard_file}: one lifecircle command");
    let mut outs = Vec::new();
    for index in first_index..first_index + count {
        let Command::Batch(a) = parse(&shard_commands[0], index_expression, index).command else { panic!("{shard_file}: not a batch") };
        assert_eq!(a.shard, Some(Shard { index: outs.len() + 1, count }), "{shard_file}, task {index}");
        assert!(a.merge.is_empty() && (a.areas.is_some() || a.inputs.is_some()));
        outs.push(a.out);
    }
    let merge_commands = commands(merge_file);
    assert_eq!(merge_commands.len(), 1, "{merge_file}: one lifecircle command");
    let Command::Batch(m) = parse(&merge_commands[0], index_expression, 0).command else { panic!("{merge_file}: not a batch") };
    assert_eq!(m.merge, outs, "{merge_file} merges exactly the shards' folders");
    assert!(!outs.contains(&m.out));
}

/// The number in the first line of `file` that starts with `prefix`, up to the next non-digit.
fn number_after(file: &str, prefix: &str) -> usize {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(file)).unwrap();
    let line = text.lines().map(str::trim).find(|l| l.starts_with(prefix)).unwrap_or_else(|| panic!("{file}: no line {prefix}"));
    line[prefix.len()..].chars().take_while(char::is_ascii_digit).collect::<String>().parse().unwrap()
}

#[test]
fn the_cluster_scripts_call_exactly_these_commands() {
    // Slurm: an array 1-N, $SLURM_ARRAY_TASK_ID from 1.
    let n = number_after("scripts/cluster/slurm_batch.sh", "#SBATCH --array=1-");
    check_scheduler_files("scripts/cluster/slurm_batch.sh", "scripts/cluster/slurm_merge.sh", "${SLURM_ARRAY_TASK_ID}", 1, n);
    // Kubernetes: an Indexed Job of N completions, $JOB_COMPLETION_INDEX from 0, passed as K = index + 1.
    let job = "scripts/cluster/k8s-indexed-job.yaml";
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(job)).unwrap();
    for key in ["apiVersion: batch/v1", "kind: Job", "completionMode: Indexed", "restartPolicy: Never"] {
        assert!(text.lines().any(|l| l.trim() == key), "{job}: no `{key}`");
    }
    assert!(!text.contains('\t'), "{job}: YAML indents with spaces");
    let completions = number_after(job, "completions: ");
    assert_eq!(number_after(job, "parallelism: "), completions);
    // The expression is evaluated per pod by /bin/sh; here the pod's index is put in as K directly.
    let k8s_commands: Vec<String> = commands(job).iter().map(|c| c.replace("$((JOB_COMPLETION_INDEX + 1))", "${K}")).collect();
    assert_eq!(k8s_commands.len(), 1);
    let dir = tempfile::tempdir().unwrap();
    let rewritten = dir.path().join("job.sh");
    std::fs::write(&rewritten, &k8s_commands[0]).unwrap();
    let merge = dir.path().join("merge.sh");
    std::fs::write(&merge, commands("scripts/cluster/k8s-merge-job.yaml").join("\n")).unwrap();
    check_scheduler_files(rewritten.to_str().unwrap(), merge.to_str().unwrap(), "${K}", 1, completions);
    // The README shows these files as they are.
    for readme in ["README.md", "README.zh-CN.md"] {
        let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(readme)).unwrap();
        for file in ["slurm_batch.sh", "slurm_merge.sh", "k8s-indexed-job.yaml", "k8s-merge-job.yaml"] {
            let body = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/cluster").join(file)).unwrap();
            let command = body.lines().find(|l| l.contains("lifecircle batch") && !l.trim_start().starts_with('#')).unwrap().trim();
            assert!(text.contains(command), "{readme} does not show {file}'s command `{command}`");
        }
    }
}
