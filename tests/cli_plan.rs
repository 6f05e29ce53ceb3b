//! `lifecircle plan` and `lifecircle batch` through the real binary on the embedded Nanjing extract:
//! the GeoPackage opens with GDAL with every layer, its declared geometry type (one per layer, GEOMETRY only
//! for rejects) and its stored style, the HTML report is offline and
//! its embedded data parses, the PNG decodes at A4 size, and a batch interrupted half-way resumes to the
//! same result as an uninterrupted one.

mod geopackage_types;

use gdal::Dataset;
use gdal::vector::LayerAccess;
use std::path::{Path, PathBuf};
use std::process::Command;

const NANJING: &str = "data/nanjing-xuanwu-2021.osm.pbf";

fn lifecircle(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_lifecircle")).args(args).current_dir(env!("CARGO_MANIFEST_DIR")).output().expect("the binary runs")
}

fn plan(out: &Path) {
    let o = lifecircle(&["plan", "--quiet", "--osm", NANJING, "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "plan failed: {}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn plan_writes_a_styled_geopackage_an_offline_report_and_a_map() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("nanjing");
    plan(&out);

    // Every layer is in the GeoPackage, with the feature counts summary.json reports, and a default style.
    let summary: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let estates = summary["estates"].as_u64().unwrap();
    assert_eq!(estates, 110, "Nanjing: 11 landuse=residential areas (8 of them crossed by streets and split into 62 blocks: 65) + 45 building clusters");
    let gpkg = Dataset::open(out.join("lifecircle.gpkg")).unwrap();
    let names: Vec<String> = gpkg.layers().map(|l| l.name()).collect();
    for layer in ["estates", "facilities", "facility_footprints", "service_areas", "service_lines", "bundles", "sites", "bundle_sites", "candidates", "adjacency", "lift_candidates", "idle_land", "protected_land", "gates", "barriers", "barrier_areas", "network", "rejects", "layer_styles"] {
        assert!(names.iter().any(|n| n == layer), "layer {layer} missing from {names:?}");
    }
    // One geometry type per layer, so QGIS opens each as one layer and applies its style.
    let want = geopackage_types::families(&[
        ("estates", "polygon"),
        ("facilities", "point"),
        ("facility_footprints", "polygon"),
        ("service_areas", "polygon"),
        ("service_lines", "line"),
        ("bundles", "polygon"),
        ("sites", "point"),
        ("bundle_sites", "point"),
        ("candidates", "polygon"),
        ("adjacency", "line"),
        ("lift_candidates", "polygon"),
        ("idle_land", "polygon"),
        ("protected_land", "polygon"),
        ("gates", "point"),
        ("barriers", "line"),
        ("barrier_areas", "polygon"),
        ("access_points", "point"),
        ("network", "line"),
        ("network_islands", "line"),
        ("rejects", "Unknown (any)"),
        ("layer_styles", "none"),
    ]);
    assert_eq!(geopackage_types::declared_families(&out.join("lifecircle.gpkg")), want);
    // summary.json counts every layer but rejects; the layers split by geometry all hold rows in Nanjing
    // (15 categories: a service area and its lines each).
    let counted: Vec<&String> = summary["bundles"]["layers"].as_object().unwrap().keys().collect();
    assert_eq!(counted, want.keys().filter(|k| !["rejects", "layer_styles"].contains(&k.as_str())).collect::<Vec<_>>());
    assert_eq!((summary["bundles"]["layers"]["service_areas"].as_u64(), summary["bundles"]["layers"]["service_lines"].as_u64()), (Some(15), Some(15)));
    for layer in ["facility_footprints", "barrier_areas", "barriers", "protected_land"] {
        assert!(summary["bundles"]["layers"][layer].as_u64() > Some(0), "no {layer} in Nanjing's plan");
    }
    assert_eq!(gpkg.layer_by_name("estates").unwrap().feature_count(), estates);
    assert_eq!(gpkg.layer_by_name("bundles").unwrap().feature_count(), summary["bundles"]["bundles"].as_u64().unwrap());
    let mut styles = gpkg.layer_by_name("layer_styles").unwrap();
    let table_field = styles.defn().field_index("f_table_name").unwrap();
    let styled: Vec<String> = styles.features().filter_map(|f| f.field_as_string(table_field).ok().flatten()).collect();
    for layer in ["estates", "service_areas", "service_lines", "bundles", "facilities", "facility_footprints", "bundle_sites"] {
        assert!(styled.iter().any(|s| s == layer), "no style stored for {layer}: {styled:?}");
    }
    // Estates carry coverage and bundle fields.
    let est = gpkg.layer_by_name("estates").unwrap();
    for field in ["dist_kindergarten", "ok_health_station", "score", "bundle_id", "eligible"] {
        assert!(est.defn().field_index(field).is_ok(), "estates lack {field}");
    }

    // Each bundle's own sites: the layer's fields, summary.json's count, and every estate a bundle site
    // newly covers belongs to that bundle (read from the GeoJSON copies).
    let bs = gpkg.layer_by_name("bundle_sites").unwrap();
    for field in ["bundle_id", "site_id", "category", "rank", "new_population_covered", "estate_ids_newly_covered"] {
        assert!(bs.defn().field_index(field).is_ok(), "bundle_sites lack {field}");
    }
    assert_eq!(bs.feature_count(), summary["bundle_sites"].as_u64().unwrap());
    assert!(bs.feature_count() > 0, "Nanjing's bundles have gaps, so they get sites");
    let features = |name: &str| -> Vec<serde_json::Value> {
        let text = std::fs::read_to_string(out.join(format!("geojson/{name}.geojson"))).unwrap();
        serde_json::from_str::<serde_json::Value>(&text).unwrap()["features"].as_array().unwrap().clone()
    };
    let bundle_of: std::collections::BTreeMap<String, String> = features("estates")
        .iter()
        .filter_map(|f| Some((f["properties"]["estate_id"].as_str()?.to_string(), f["properties"]["bundle_id"].as_str()?.to_string())))
        .collect();
    let mut bundles_with_sites = std::collections::BTreeSet::new();
    for f in features("bundle_sites") {
        let p = &f["properties"];
        let (bundle, site) = (p["bundle_id"].as_str().unwrap(), p["site_id"].as_str().unwrap());
        assert!(site.starts_with(&format!("{bundle}/")), "{site} in {bundle}");
        assert!(p["new_population_covered"].as_f64().unwrap() > 0.0);
        let covered = p["estate_ids_newly_covered"].as_array().unwrap();
        assert!(!covered.is_empty(), "{site} covers nobody new");
        for e in covered {
            assert_eq!(bundle_of.get(e.as_str().unwrap()).map(String::as_str), Some(bundle), "{site} newly covers {e}, which is not in {bundle}");
        }
        bundles_with_sites.insert(bundle.to_string());
    }
    assert!(bundles_with_sites.len() > 1);
    // The report lists each bundle's own sites.
    assert!(std::fs::read_to_string(out.join("report.html")).unwrap().contains("上表列出各片区自身的建议选址"));

    // The report is offline and its embedded data parses and holds the estates.
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(!html.contains("http://") && !html.contains("https://"), "the report refers to the network");
    let start = html.find("id=\"data\">").expect("embedded data block") + "id=\"data\">".len();
    let end = start + html[start..].find("</script>").unwrap();
    let data: serde_json::Value = serde_json::from_str(&html[start..end]).expect("embedded JSON parses");
    assert!(data.to_string().contains("w857726131"), "the hand-checked estate is on the report's map");
    assert!(html.contains("OpenStreetMap 贡献者"), "the attribution, in the default language");

    // The printable map decodes at A4 landscape, 150 dpi.
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(out.join("coverage_map.png")).unwrap()));
    let reader = decoder.read_info().unwrap();
    assert_eq!((reader.info().width, reader.info().height), (1754, 1240));
    // A QGIS style sits beside every GeoJSON copy.
    assert!(out.join("geojson/estates.qml").exists() && out.join("geojson/estates.geojson").exists());
}

fn area_results(out: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    for area in ["east", "west"] {
        for f in ["coverage.json", "bundles.csv", "geojson/estates.geojson"] {
            let p = out.join(area).join(f);
            files.push((p.strip_prefix(out).unwrap().to_path_buf(), std::fs::read(&p).unwrap()));
        }
    }
    files
}

#[test]
fn interrupted_batch_resumes_to_the_same_result() {
    let dir = tempfile::tempdir().unwrap();
    let areas = dir.path().join("areas.geojson");
    std::fs::write(
        &areas,
        r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"area_id":"west"},"geometry":{"type":"Polygon","coordinates":[[[118.763,32.034],[118.779,32.034],[118.779,32.052],[118.763,32.052],[118.763,32.034]]]}},
{"type":"Feature","properties":{"area_id":"east"},"geometry":{"type":"Polygon","coordinates":[[[118.779,32.034],[118.796,32.034],[118.796,32.052],[118.779,32.052],[118.779,32.034]]]}}]}"#,
    )
    .unwrap();
    let run = |out: &Path| {
        let o = lifecircle(&["batch", "--quiet", "--areas", areas.to_str().unwrap(), "--osm", NANJING, "--out", out.to_str().unwrap()]);
        assert!(o.status.success(), "batch failed: {}", String::from_utf8_lossy(&o.stderr));
        std::fs::read_to_string(out.join("batch_summary.csv")).unwrap()
    };
    let whole = dir.path().join("whole");
    let whole_table = run(&whole);
    assert!(whole_table.contains("east,done") && whole_table.contains("west,done"), "{whole_table}");

    // Interrupt: the west area never finished (no summary.json, a half-written folder).
    let resumed = dir.path().join("resumed");
    run(&resumed);
    std::fs::remove_file(resumed.join("west/summary.json")).unwrap();
    std::fs::remove_file(resumed.join("west/bundles.csv")).unwrap();
    let table = run(&resumed);
    assert!(table.contains("east,skipped") && table.contains("west,done"), "{table}");
    assert_eq!(area_results(&whole), area_results(&resumed));
    // The figures of the skipped area are read back, not lost.
    let strip = |t: &str| t.replace("skipped", "done").replace(whole.to_str().unwrap(), "").replace(resumed.to_str().unwrap(), "");
    assert_eq!(strip(&whole_table), strip(&table));
}

#[test]
fn plan_outputs_do_not_depend_on_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    // Both runs write to the same folder (moved aside after each) at a fixed date: the provenance they record
    // (command line, date) is then the same, and the workbook's About sheet with it.
    let run = |threads: &str| {
        let out = dir.path().join("out");
        let o = Command::new(env!("CARGO_BIN_EXE_lifecircle"))
            .args(["plan", "--quiet", "--osm", NANJING, "--out", out.to_str().unwrap()])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("RAYON_NUM_THREADS", threads)
            .env("SOURCE_DATE_EPOCH", "1767225600")
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let kept = dir.path().join(format!("t{threads}"));
        std::fs::rename(&out, &kept).unwrap();
        kept
    };
    let (one, two) = (run("1"), run("2"));
    // Every GeoJSON layer, CSV table and JSON result is byte-identical (summary.json holds stage times,
    // and the GeoPackage holds write timestamps, so those two are left out).
    let mut compared = 0;
    for sub in ["", "geojson"] {
        for entry in std::fs::read_dir(one.join(sub)).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if path.is_dir() || name == "summary.json" || name.ends_with(".gpkg") || name.ends_with(".png") || name.ends_with(".html") || name.ends_with(".svg") {
                continue;
            }
            let other = two.join(sub).join(&name);
            assert!(std::fs::read(&path).unwrap() == std::fs::read(&other).unwrap(), "{sub}/{name} differs between 1 and 2 threads");
            compared += 1;
        }
    }
    assert!(compared >= 20, "only {compared} files compared");
}

/// The report's coverage table as (tier, category, threshold) cells, in the order shown.
fn coverage_table(html: &str) -> Vec<(String, String, String)> {
    let start = html.find("<section id=\"coverage\">").expect("coverage section");
    let end = start + html[start..].find("</section>").unwrap();
    html[start..end]
        .lines()
        .filter(|l| l.starts_with("<tr><td>"))
        .map(|row| {
            let cells: Vec<String> = row.split("</td>").map(|c| c.rsplit('>').next().unwrap_or("").to_string()).collect();
            (cells[0].clone(), cells[1].clone(), cells[3].clone())
        })
        .collect()
}

#[test]
fn the_report_follows_a_custom_profile() {
    // A planner's profile: a `pharmacy` category (5 minutes, 250 m) before every other, the park at 800 m.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let default = std::fs::read_to_string(root.join("data/profiles/gb50180.toml")).unwrap();
    let mut custom = default.replacen(
        "[[category]]\nkey = \"kindergarten\"",
        "[[category]]\nkey = \"pharmacy\"\nname_zh = \"药房\"\ntier = \"5min\"\nthreshold_m = 250.0\nosm = [\"amenity=pharmacy\"]\nland_min_area_m2 = 100.0\nland_min_width_m = 8.0\n\n[[category]]\nkey = \"kindergarten\"",
        1,
    );
    let park = custom.find("key = \"park\"").unwrap();
    let threshold = park + custom[park..].find("threshold_m = 500.0").unwrap();
    custom.replace_range(threshold..threshold + "threshold_m = 500.0".len(), "threshold_m = 800.0");
    let dir = tempfile::tempdir().unwrap();
    let profile_path = dir.path().join("custom.toml");
    std::fs::write(&profile_path, &custom).unwrap();
    let profile = lifecircle::profile::Profile::load(&profile_path).unwrap();
    assert_eq!((profile.categories[0].key.as_str(), profile.category("park").unwrap().threshold_m), ("pharmacy", 800.0));

    let out = dir.path().join("plan");
    let o = lifecircle(&["plan", "--quiet", "--osm", NANJING, "--profile", profile_path.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "plan failed: {}", String::from_utf8_lossy(&o.stderr));
    let table = coverage_table(&std::fs::read_to_string(out.join("report.html")).unwrap());

    // The rows are the profile's categories grouped by tier (5, 10, 15 minutes), in the profile's order within
    // a tier, each with the profile's threshold; tiers and categories by their Chinese names (the default).
    let wording = lifecircle::report::Wording::new(lifecircle::lang::Lang::Zh, &profile);
    let tier_rank = |t: &str| ["5min", "10min", "15min"].iter().position(|x| *x == t).unwrap();
    let mut by_tier: Vec<_> = profile.categories.iter().collect();
    by_tier.sort_by_key(|c| tier_rank(c.tier.as_str()));
    let want: Vec<(String, String, String)> = by_tier.iter().map(|c| (wording.tier_name(c.tier.as_str()), wording.category_name(&c.key), format!("{}", c.threshold_m))).collect();
    assert_eq!(table, want);
    assert_eq!(table[0], ("5分钟生活圈".to_string(), "药房".to_string(), "250".to_string()));
    assert!(table.contains(&("10分钟生活圈".to_string(), "社区公园".to_string(), "800".to_string())), "{table:?}");
}
