//! Integration tests of the OpenStreetMap extract on real files.
//!
//! The expected counts come from `tests/data/SOURCES.md`, which were obtained independently with
//! `osmium tags-filter` (each object counted once, nodes, ways and relations together). Where the
//! engine's rule legitimately differs, the difference is asserted exactly and explained; those extra
//! figures were obtained the same way, by filtering `osmium cat FILE -f opl` output with the tag test
//! written next to each number (a 40-line Python reader of OPL, not lifecircle code).

use geo::{Area, Validation};
use lifecircle::error::Error;
use lifecircle::read::osm::{OsmExtract, read_osm};
use lifecircle::model::{EstateSource, PopulationSource};
use lifecircle::profile::Profile;
use std::collections::BTreeSet;
use std::path::Path;

const NANJING: &str = "data/nanjing-xuanwu-2021.osm.pbf";
const PORTO: &str = "tests/data/porto-2020.osm.pbf";
const ANDORRA: &str = "tests/data/andorra-2020.osm.pbf";

/// Read, then the estates step (building clusters, population), as `extract` and `plan` do.
fn read_and_derive(path: &Path, profile: &Profile) -> lifecircle::Result<OsmExtract> {
    let mut x = read_osm(path, profile, None)?;
    lifecircle::estates::derive_estates(&mut x, profile);
    Ok(x)
}

fn extract(path: &str) -> OsmExtract {
    read_and_derive(Path::new(path), &Profile::default_profile()).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn category(x: &OsmExtract, key: &str) -> usize {
    x.stats.facilities_by_category[key]
}

fn rejects(x: &OsmExtract, layer_code: &str) -> usize {
    x.stats.rejects_by_reason.get(layer_code).copied().unwrap_or(0)
}

fn parcels(x: &OsmExtract, origin: &str) -> usize {
    x.stats.parcels_by_origin.get(origin).copied().unwrap_or(0)
}

const PARKING: &str = "amenity=parking & parking!=underground & parking!=multi-storey & parking!=rooftop";

/// Invariants every extract must satisfy.
/// The `landuse=residential` areas read: estates from OSM areas, a block split from an area counted once
/// by its `parent_id` (`src/estates/blocks.rs`).
fn osm_areas(x: &OsmExtract) -> usize {
    let ids: std::collections::BTreeSet<&str> = x
        .dataset
        .estates
        .iter()
        .filter(|e| e.source == lifecircle::model::EstateSource::OsmLanduse)
        .map(|e| e.notes.parent_id.as_deref().unwrap_or(&e.id))
        .collect();
    ids.len()
}

fn check_invariants(x: &OsmExtract) {
    let d = &x.dataset;
    for (layer, ids) in [
        ("estates", d.estates.iter().map(|e| e.id.clone()).collect::<Vec<_>>()),
        ("buildings", d.buildings.iter().map(|b| b.id.clone()).collect()),
        ("parcels", d.parcels.iter().map(|p| p.id.clone()).collect()),
        ("gates", d.gates.iter().map(|g| g.id.clone()).collect()),
        ("ways", d.ways.iter().map(|w| w.id.clone()).collect()),
        ("facilities", d.facilities.iter().map(|f| format!("{}/{}", f.id, f.category)).collect()),
    ] {
        let unique: BTreeSet<&String> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len(), "duplicate ids in {layer}");
    }
    for e in &d.estates {
        assert!(e.polygon.is_valid() && e.polygon.unsigned_area() > 0.0, "estate {} invalid", e.id);
        match e.population_source {
            PopulationSource::Estimate => assert!(e.n_buildings > 0 && (e.population - e.floor_area_m2 / 33.0).abs() < 1e-6),
            PopulationSource::Unknown => assert!(e.n_buildings == 0 && e.population == 0.0),
            other => panic!("estate {} has source {other:?} in an OSM extract", e.id),
        }
    }
    for b in &d.buildings {
        assert!(b.footprint.is_valid() && b.footprint.unsigned_area() > 0.0, "building {} invalid", b.id);
    }
    // A building counts for one estate at most.
    let counted: usize = d.estates.iter().map(|e| e.n_buildings).sum();
    assert!(counted <= d.buildings.iter().filter(|b| b.residential).count());
    // Every rejected row names its layer and a reason with a code; the layer is one extract.json counts
    // (an output layer's name: `idle_land`, `network`, never the reader's `parcels`, `ways`).
    assert!(d.rejects.iter().all(|r| !r.layer.is_empty() && r.code().is_some()), "{:?}", d.rejects.iter().find(|r| r.code().is_none()));
    for r in &d.rejects {
        assert!(r.layer != "rejects" && x.stats.layers.contains_key(&r.layer), "reject {} names layer `{}`, which is no output layer", r.source_id, r.layer);
    }
    assert_eq!(x.stats.layers["rejects"], d.rejects.len());
}

#[test]
fn nanjing_counts_match_the_independent_counts() {
    let x = extract(NANJING);
    check_invariants(&x);
    assert_eq!(x.crs.epsg, 32650, "Nanjing lies in UTM zone 50N");
    assert_eq!((x.stats.nodes_read, x.stats.ways_read, x.stats.relations_read), (12_975, 1_920, 54)); // osmium fileinfo -e
    // landuse=residential: 11 (SOURCES.md), all ways, all closed.
    assert_eq!(osm_areas(&x), 11);
    // buildings: 1,278 ways and relations (SOURCES.md). One multipolygon, r7098215, lacks its inner way
    // w482069680 (the extract cut it) and is rejected; the one building node (n1636594938) has no
    // footprint and is rejected too.
    assert_eq!(x.dataset.buildings.len(), 1_278 - 1);
    assert_eq!(rejects(&x, "buildings/multipolygon_missing_way"), 1);
    assert_eq!(rejects(&x, "buildings/point_not_area"), 1);
    let missing = x.dataset.rejects.iter().find(|r| r.layer == "buildings" && r.reason.starts_with("multipolygon_missing_way")).unwrap();
    assert_eq!(missing.source_id, "r7098215");
    assert!(missing.reason.contains("w482069680"));
    // Facilities, category by category.
    assert_eq!(category(&x, "kindergarten"), 0);
    assert_eq!(category(&x, "health_station"), 1); // clinic 1; no doctors, healthcare=clinic/centre
    assert_eq!(category(&x, "health_center"), 5); // hospital 5
    assert_eq!(category(&x, "convenience"), 7 + 3); // convenience 7 + pharmacy 3 (no shop=chemist)
    assert_eq!(category(&x, "vegetable_market"), 9 + 2); // supermarket 9 + marketplace 2 (no greengrocer)
    assert_eq!(category(&x, "park"), 6 + 1); // park 6 + one leisure=garden way
    assert_eq!(category(&x, "elderly_care"), 0); // social_facility 0
    assert_eq!(category(&x, "community_service"), 0); // community_centre 0
    // school 18 = 4 named 小学 (primary only) + 6 named 中学/初中 (middle only) + 8 with neither name nor
    // isced:level, which the profile counts as both: primary 4 + 8 = 12, middle 6 + 8 = 14.
    assert_eq!(category(&x, "primary_school"), 12);
    assert_eq!(category(&x, "middle_school"), 14);
    assert_eq!(category(&x, "primary_school") + category(&x, "middle_school"), 18 + 8);
    // Idle land: grass 88 (SOURCES.md), brownfield 0, construction 0, plus 12 surface car parks (ways).
    assert_eq!(parcels(&x, "landuse=grass"), 88);
    assert_eq!(parcels(&x, "landuse=brownfield") + parcels(&x, "landuse=construction"), 0);
    assert_eq!(parcels(&x, PARKING), 12);
    // Ways: the "walkable highway ways" column (383) counts the highway=* ways whose value is in the
    // lead's walkable list, which leaves out trunk_link (1 way here). The engine keeps every highway way
    // that is a line: all 384 highway ways (osmium w/highway) except w100101975, a closed
    // highway=pedestrian + area=yes square, which is rejected as an area, as is one highway relation.
    assert_eq!(x.dataset.ways.len(), 384 - 1);
    assert_eq!(rejects(&x, "network/highway_area"), 2);
    assert!(x.dataset.rejects.iter().any(|r| r.source_id == "w100101975" && r.layer == "network"));
    // Gates: barrier=gate/lift_gate/entrance or entrance=*: 16 nodes. Barriers: 36 ways (railway, river,
    // canal, water, motorway/trunk/primary).
    assert_eq!(x.dataset.gates.len(), 16);
    assert_eq!(x.dataset.barriers.len(), 36);
}

#[test]
fn porto_counts_match_the_independent_counts() {
    let x = extract(PORTO);
    check_invariants(&x);
    assert_eq!(x.crs.epsg, 32629, "Porto lies in UTM zone 29N");
    assert_eq!((x.stats.nodes_read, x.stats.ways_read, x.stats.relations_read), (85_149, 22_606, 344));
    assert_eq!(osm_areas(&x), 199);
    // buildings: 11,404 ways and relations (SOURCES.md); the 28 building nodes are rejected.
    assert_eq!(x.dataset.buildings.len(), 11_404);
    assert_eq!(rejects(&x, "buildings/point_not_area"), 28);
    assert_eq!(category(&x, "kindergarten"), 14);
    assert_eq!(category(&x, "health_center"), 10); // hospital 10; healthcare=hospital adds none
    // clinic 31 + 3 more objects with amenity=doctors or healthcare=clinic/centre and no amenity=clinic.
    assert_eq!(category(&x, "health_station"), 31 + 3);
    // convenience 32 + pharmacy 44 + shop=chemist 4 = 80 objects (none carries two of these tags).
    assert_eq!(category(&x, "convenience"), 32 + 44 + 4);
    // supermarket 35 + marketplace 10 + shop=greengrocer 29 = 74.
    assert_eq!(category(&x, "vegetable_market"), 35 + 10 + 29);
    // social_facility 17, of which 2 are for seniors (social_facility:for=senior or nursing_home).
    assert_eq!(category(&x, "elderly_care"), 2);
    // community_centre 7 + 6 with amenity=social_centre or office=government = 13; culture: arts_centre,
    // library, community_centre = 16.
    assert_eq!(category(&x, "community_service"), 13);
    assert_eq!(category(&x, "culture"), 16);
    // park: leisure=park 21 + leisure=garden 473 = 494 objects; one garden, w501865245, is an unclosed way
    // and is rejected.
    assert_eq!(category(&x, "park"), 21 + 473 - 1);
    assert_eq!(rejects(&x, "facilities/unclosed_way"), 1);
    assert!(x.dataset.rejects.iter().any(|r| r.source_id == "w501865245" && r.reason.starts_with("unclosed_way")));
    // No school has a level or a Chinese name: each of the 51 counts as both primary and middle school.
    assert_eq!(category(&x, "primary_school"), 51);
    assert_eq!(category(&x, "middle_school"), 51);
    // Idle land: brownfield 4, grass 149, construction 10 (SOURCES.md); surface parking 346 objects of
    // which 66 are nodes (rejected: a point is no parcel) → 280.
    assert_eq!(parcels(&x, "landuse=brownfield"), 4);
    assert_eq!(parcels(&x, "landuse=grass"), 149);
    assert_eq!(parcels(&x, "landuse=construction"), 10);
    assert_eq!(parcels(&x, PARKING), 346 - 66);
    assert_eq!(rejects(&x, "idle_land/point_not_area"), 66);
    // Ways: 4,656 highway ways (osmium w/highway), of which 1,194 are closed and tagged area=yes (1,187
    // pedestrian squares): 3,462 lines. The 36 highway relations are areas too. (The "walkable" column,
    // 4,594, is a different rule: a list of highway values, area or not.)
    assert_eq!(x.dataset.ways.len(), 4_656 - 1_194);
    assert_eq!(rejects(&x, "network/highway_area"), 1_194 + 36);
    // Gates: 501 nodes. Barriers: 294 ways + 5 relations, of which 3 are route/waterway relations (not
    // areas) and rejected.
    assert_eq!(x.dataset.gates.len(), 501);
    assert_eq!(x.dataset.barriers.len(), 294 + 5 - 3);
    assert_eq!(rejects(&x, "barriers/not_area_relation"), 3);
    // No way of the file lacks nodes: the extract kept whole ways.
    assert_eq!(x.stats.rejects_by_reason.keys().filter(|k| k.contains("missing_nodes")).count(), 0);
}

#[test]
fn andorra_estates_and_buildings_match_the_independent_counts() {
    let x = extract(ANDORRA);
    check_invariants(&x);
    assert_eq!(x.crs.epsg, 32631);
    assert_eq!(osm_areas(&x), 86); // 77 ways + 9 multipolygons
    // buildings: 4,352 ways and relations (SOURCES.md); the 12 building nodes are rejected.
    assert_eq!(x.dataset.buildings.len(), 4_352);
    assert_eq!(rejects(&x, "buildings/point_not_area"), 12);
    assert_eq!(category(&x, "kindergarten"), 1);
    assert_eq!(category(&x, "health_center"), 8 + 1); // hospital 8 + node n5764355409 tagged healthcare=hospital only
    assert_eq!(category(&x, "convenience"), 6 + 30); // convenience 6 + pharmacy 30, no chemist
}

#[test]
fn nanjing_hand_checked_estate() {
    // Estate w857726131 华侨路二十六号小区 (landuse=residential, 10 distinct nodes). Its node coordinates
    // projected with `cs2cs -f %.4f EPSG:4326 EPSG:32650` (input "lat lon") give the ring
    //   667594.5004 3547308.3222, 667791.6931 3547287.1033, 667784.2370 3547232.2751,
    //   667790.3262 3547231.8763, 667787.4500 3547206.3560, 667679.3437 3547217.6957,
    //   667680.7604 3547224.0180, 667640.1418 3547228.8945, 667641.3925 3547245.3057,
    //   667588.3127 3547253.2600
    // and the shoelace formula gives 14,548.78 m² (±0.03 m² from the 0.1 mm rounding).
    // Seven building=residential ways lie wholly inside it (every node inside, checked by ray casting),
    // none with building:levels, so 6 default levels; their projected shoelace areas:
    //   w857726127 943.86, w857726128 564.89, w857726129 505.66, w857726132 410.34,
    //   w857726133 805.92, w857726134 480.85, w857726135 480.78  → Σ 4,192.30 m²
    // floor area 4,192.30 × 6 = 25,153.79 m²; population 25,153.79 / 33 = 762.24; households / 2.62 = 290.93.
    let x = extract(NANJING);
    let e = x.dataset.estates.iter().find(|e| e.id == "w857726131").expect("estate w857726131");
    assert_eq!(e.name.as_deref(), Some("华侨路二十六号小区"));
    assert_eq!(e.source, EstateSource::OsmLanduse);
    assert!((e.polygon.unsigned_area() - 14_548.78).abs() < 0.05, "{}", e.polygon.unsigned_area());
    assert_eq!(e.n_buildings, 7);
    assert!((e.floor_area_m2 - 25_153.79).abs() < 0.2, "{}", e.floor_area_m2);
    assert!((e.population - 762.24).abs() < 0.01, "{}", e.population);
    assert!((e.households - 290.93).abs() < 0.01, "{}", e.households);
    assert_eq!(e.population_source, PopulationSource::Estimate);
}

#[test]
fn nanjing_building_clusters_form_estates() {
    // Nanjing maps 11 residential areas for ~1,300 buildings: most housing stands outside them and forms
    // estates from clusters (cluster rule in src/io/osm/clusters.rs).
    let x = extract(NANJING);
    let clusters: Vec<_> = x.dataset.estates.iter().filter(|e| e.source == EstateSource::BuildingCluster).collect();
    assert!(!clusters.is_empty());
    for e in &clusters {
        assert!(e.id.starts_with("cluster-w") || e.id.starts_with("cluster-r"), "{}", e.id);
        assert!(e.n_buildings >= 1, "cluster {} holds none of its buildings", e.id);
    }
    // Every residential building outside the landuse areas is in a cluster estate or rejected (layer estates).
    let rejected: BTreeSet<&str> =
        x.dataset.rejects.iter().filter(|r| r.layer == "estates" && r.reason.starts_with("cluster_too_small")).map(|r| r.source_id.as_str()).collect();
    let assigned = lifecircle::estates::population::assign_buildings_to_estates(&x.dataset.estates, &x.dataset.buildings);
    for (b, a) in x.dataset.buildings.iter().zip(&assigned) {
        if b.residential {
            assert!(a.is_some() || rejected.contains(b.id.as_str()), "residential building {} is in no estate and not rejected", b.id);
        }
    }
}

#[test]
fn output_does_not_depend_on_thread_count() {
    let profile = Profile::default_profile();
    let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    let three = rayon::ThreadPoolBuilder::new().num_threads(3).build().unwrap();
    for path in [NANJING, PORTO] {
        let a = one.install(|| read_and_derive(Path::new(path), &profile)).unwrap();
        let b = three.install(|| read_and_derive(Path::new(path), &profile)).unwrap();
        assert_eq!(a.stats, b.stats, "{path}");
        assert!(a.dataset.estates == b.dataset.estates, "{path}: estates differ");
        assert!(a.dataset.buildings == b.dataset.buildings, "{path}: buildings differ");
        assert!(a.dataset.facilities == b.dataset.facilities, "{path}: facilities differ");
        assert!(a.dataset.ways == b.dataset.ways, "{path}: ways differ");
        assert!(a.dataset.rejects == b.dataset.rejects, "{path}: rejects differ");
    }
}

#[test]
fn a_named_crs_is_used() {
    // EPSG:4549 is CGCS2000 / 3-degree Gauss-Kruger CM 120E. The first gate, projected into it and into
    // UTM 50N, must come back to the same lon/lat.
    let crs = lifecircle::crs::WorkingCrs::parse("EPSG:4549").unwrap();
    let gk = read_osm(Path::new(NANJING), &Profile::default_profile(), Some(crs)).unwrap();
    let utm = extract(NANJING);
    assert_eq!(gk.crs.epsg, 4549);
    assert_eq!(gk.stats.crs, "EPSG:4549");
    let (g, u) = (&gk.dataset.gates[0], &utm.dataset.gates[0]);
    assert_eq!(g.id, u.id);
    let back_g = lifecircle::crs::Transformer::to_wgs84(crs).unwrap().coord(g.point.0).unwrap();
    let back_u = lifecircle::crs::Transformer::to_wgs84(utm.crs).unwrap().coord(u.point.0).unwrap();
    assert!((back_g.x - back_u.x).abs() < 1e-8 && (back_g.y - back_u.y).abs() < 1e-8);
    // CM 120E is ~1.2° east of Nanjing: false easting 500 km minus ~113 km.
    assert!(g.point.x() > 380_000.0 && g.point.x() < 400_000.0, "{:?}", g.point);
}

fn input_error(path: &Path) -> String {
    match read_osm(path, &Profile::default_profile(), None) {
        Ok(_) => panic!("{} was read without error", path.display()),
        Err(e) => {
            assert_eq!(e.exit_code(), 2, "{e}");
            assert!(matches!(e, Error::Input { .. }), "{e:?}");
            let text = e.to_string();
            assert!(text.contains(&path.display().to_string()) && text.contains("hint:"), "{text}");
            text
        }
    }
}

#[test]
fn bad_files_are_input_errors_with_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let original = std::fs::read(NANJING).unwrap();

    // Truncated in the middle of a blob.
    let cut = dir.path().join("cut.osm.pbf");
    std::fs::write(&cut, &original[..original.len() / 2]).unwrap();
    assert!(input_error(&cut).contains("truncated or corrupt"));
    // Two stray bytes after the last whole blob: the start of a blob length that never comes.
    let stray = dir.path().join("stray.osm.pbf");
    let mut bytes = original.clone();
    bytes.extend_from_slice(&[0, 0]);
    std::fs::write(&stray, &bytes).unwrap();
    assert!(input_error(&stray).contains("trailing bytes"));

    // Not a PBF at all.
    let text = dir.path().join("notes.osm.pbf");
    std::fs::write(&text, "<?xml version='1.0'?><osm version='0.6'></osm>\n").unwrap();
    assert!(input_error(&text).contains("not an OpenStreetMap PBF"));
    // Empty, missing, a folder.
    let empty = dir.path().join("empty.osm.pbf");
    std::fs::write(&empty, b"").unwrap();
    assert!(input_error(&empty).contains("empty"));
    assert!(input_error(&dir.path().join("absent.osm.pbf")).contains("not found"));
    assert!(input_error(dir.path()).contains("folder"));
}

#[test]
fn every_case_of_the_synthetic_fixture_ends_in_its_layer_or_its_reject() {
    // tests/data/extract-cases.osm.pbf is written from tests/data/extract-cases.opl (hand-made, synthetic,
    // near Nanjing) with `osmium cat -F opl extract-cases.opl -o extract-cases.osm.pbf -f pbf,add_metadata=false`.
    // Areas were worked out independently: corners projected with `cs2cs -f %.4f EPSG:4326 EPSG:32650`,
    // shoelace formula by hand (python):
    //   r1 outer 10,472.43 m² − hole w4 942.52 m² = 9,529.91 m²
    //   w12 104.73 m² × 3 levels = 314.18 m² of floor → 314.18 / 33 = 9.520 residents
    //   w7 bow-tie: its two triangles cover half its 418.90 m² bounding quadrilateral = 209.45 m²
    let x = extract("tests/data/extract-cases.osm.pbf");
    let d = &x.dataset;
    let reject = |id: &str| -> Vec<String> { d.rejects.iter().filter(|r| r.source_id == id).map(|r| format!("{} {}", r.layer, r.reason.split(':').next().unwrap())).collect() };

    // r1: three split ways (one stored backwards) close the outer ring; w4 is its hole.
    let r1 = d.estates.iter().find(|e| e.id == "r1").expect("r1 assembled");
    assert_eq!(r1.name.as_deref(), Some("测试小区"));
    assert_eq!(r1.polygon.0.len(), 1);
    assert_eq!(r1.polygon.0[0].interiors().len(), 1);
    assert!((r1.polygon.unsigned_area() - 9_529.91).abs() < 0.05, "{}", r1.polygon.unsigned_area());
    // w12 (apartments, 3 levels) stands in r1; w13 stands in the hole, so in no estate, and alone.
    assert_eq!(r1.n_buildings, 1);
    assert!((r1.floor_area_m2 - 314.18).abs() < 0.05 && (r1.population - 9.520).abs() < 0.002, "{} {}", r1.floor_area_m2, r1.population);
    assert_eq!(reject("w13"), vec!["estates cluster_too_small"]);
    // The other failures, each with its reason.
    assert_eq!(reject("r2"), vec!["estates multipolygon_unclosed_ring"]);
    assert_eq!(reject("r3"), vec!["buildings multipolygon_missing_way"]);
    assert_eq!(reject("w6"), vec!["buildings missing_nodes"]);
    assert_eq!(reject("w8"), vec!["buildings unclosed_way"]);
    assert_eq!(reject("w14"), vec!["buildings degenerate_area"]); // n1, n2, n1: closed but no area
    assert_eq!(reject("w9"), vec!["network highway_area"]);
    assert_eq!(reject("w11"), vec!["gates gate_not_node"]);
    assert_eq!(reject("n25"), vec!["buildings point_not_area"]);
    // The unclosed ring's chain is kept as the reject geometry for inspection.
    assert!(matches!(d.rejects.iter().find(|r| r.source_id == "r2").unwrap().geometry, Some(geo_types::Geometry::MultiLineString(_))));
    // w7, a bow-tie, is repaired by GEOS into two triangles.
    let w7 = d.buildings.iter().find(|b| b.id == "w7").expect("w7 repaired, not rejected");
    assert_eq!(w7.footprint.0.len(), 2);
    assert!((w7.footprint.unsigned_area() - 209.45).abs() < 0.1, "{}", w7.footprint.unsigned_area());
    assert_eq!(x.stats.repaired_polygons, 1);
    // The footway keeps the walk tags and drops the others (source=*).
    let w10 = d.ways.iter().find(|w| w.id == "w10").unwrap();
    let keys: Vec<&str> = w10.tags.keys().map(String::as_str).collect();
    assert_eq!(keys, vec!["foot", "highway"]);
    // The kindergarten node, with its name and capacity.
    let k = &d.facilities[0];
    assert_eq!((k.id.as_str(), k.category.as_str(), k.name.as_deref(), k.capacity), ("n28", "kindergarten", Some("幼儿园"), Some(120.0)));
    assert_eq!(k.matched_by, "amenity=kindergarten");
    // w7 stands alone outside every estate too.
    assert_eq!(reject("w7"), vec!["estates cluster_too_small"]);
    // The kindergarten node is also school grounds (protected land) mapped as a point.
    assert_eq!(reject("n28"), vec!["protected_land point_not_area"]);
    // Nothing else: one estate (r1), three buildings, one way, eleven rejects.
    assert_eq!(d.estates.len(), 1);
    assert_eq!(d.buildings.iter().map(|b| b.id.as_str()).collect::<Vec<_>>(), vec!["w7", "w12", "w13"]);
    assert_eq!(d.ways.len(), 1);
    assert_eq!(d.rejects.len(), 11);
}

/// The OPL text of `tests/data/self-crossing.opl` as a planner's buildings layer (GeoJSON): each way or
/// relation tagged `building` becomes a feature with the same positions (a relation: one polygon per
/// outer way), `building_id` its OSM id.
fn planner_layer_from_opl(opl: &str) -> serde_json::Value {
    let mut nodes = std::collections::HashMap::new();
    let mut ways = std::collections::HashMap::new();
    let mut features = Vec::new();
    for line in opl.lines() {
        let fields: Vec<&str> = line.split(' ').collect();
        let field = |prefix: char| fields.iter().find_map(|f| f.strip_prefix(prefix)).unwrap_or("");
        let tagged = field('T').contains("building=");
        match &line[..1] {
            "n" => {
                nodes.insert(fields[0].to_string(), [field('x').parse::<f64>().unwrap(), field('y').parse::<f64>().unwrap()]);
            }
            "w" => {
                let ring: Vec<[f64; 2]> = field('N').split(',').map(|n| nodes[n]).collect();
                if tagged {
                    features.push((fields[0].to_string(), serde_json::json!({"type": "Polygon", "coordinates": [ring.clone()]})));
                }
                ways.insert(fields[0].to_string(), ring);
            }
            _ => {
                let parts: Vec<_> = field('M').split(',').map(|m| vec![ways[m.split('@').next().unwrap()].clone()]).collect();
                features.push((fields[0].to_string(), serde_json::json!({"type": "MultiPolygon", "coordinates": parts})));
            }
        }
    }
    let features: Vec<_> =
        features.into_iter().map(|(id, g)| serde_json::json!({"type": "Feature", "properties": {"building_id": id}, "geometry": g})).collect();
    serde_json::json!({"type": "FeatureCollection", "features": features})
}

#[test]
fn self_crossing_polygons_are_repaired_alike_from_osm_and_from_a_planner_layer() {
    // tests/data/self-crossing.osm.pbf is written from tests/data/self-crossing.opl (hand-made, near
    // Nanjing) with `osmium cat -F opl self-crossing.opl -o self-crossing.osm.pbf -f pbf,add_metadata=false`:
    //   w1 a bow-tie; w2 a pentagram, one ring through every second tip, which winds twice around its
    //   centre; r1 a multipolygon of two 0.001° squares overlapping by a quarter.
    // Both sources repair with the same GEOS MakeValid method (STRUCTURE), so they give the same polygons.
    use geo::{BooleanOps, Contains};
    use lifecircle::crs::Transformer;
    use lifecircle::crs::china::InputCoords;
    use lifecircle::read::planner_layers::{LayerData, LayerFields, LayerKind, read_planner_layer};
    let profile = Profile::default_profile();
    let osm = read_osm(Path::new("tests/data/self-crossing.osm.pbf"), &profile, None).unwrap();
    assert_eq!(osm.stats.repaired_polygons, 3);
    let layer = std::env::temp_dir().join(format!("lifecircle-self-crossing-{}.geojson", std::process::id()));
    std::fs::write(&layer, planner_layer_from_opl(&std::fs::read_to_string("tests/data/self-crossing.opl").unwrap()).to_string()).unwrap();
    let read = read_planner_layer(LayerKind::Buildings, &layer, &LayerFields::default(), &mut Some(osm.crs), InputCoords::Wgs84, &profile);
    std::fs::remove_file(&layer).unwrap();
    let (LayerData::Buildings(planned), rejects) = read.unwrap() else { panic!("buildings expected") };
    assert!(rejects.is_empty(), "{rejects:?}");
    let ids = |b: &[lifecircle::model::Building]| b.iter().map(|b| b.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&osm.dataset.buildings), vec!["w1", "w2", "r1"]);
    assert_eq!(ids(&planned), ids(&osm.dataset.buildings));
    for (from_osm, from_layer) in osm.dataset.buildings.iter().zip(&planned) {
        let (a, b) = (&from_osm.footprint, &from_layer.footprint);
        assert!(a.is_valid() && b.is_valid(), "{}", from_osm.id);
        assert_eq!(a.0.len(), b.0.len(), "{}", from_osm.id);
        assert!((a.unsigned_area() - b.unsigned_area()).abs() < 1e-6, "{}: {} m² from OSM, {} m² from the layer", from_osm.id, a.unsigned_area(), b.unsigned_area());
    }
    let project = Transformer::new("EPSG:4326", &osm.crs.name()).unwrap();
    let at = |lon: f64, lat: f64| geo_types::Point(project.coord(geo_types::coord! { x: lon, y: lat }).unwrap());
    let [bow_tie, star, overlap] = [0, 1, 2].map(|k| &osm.dataset.buildings[k].footprint);
    // The bow-tie: its two triangles.
    assert_eq!(bow_tie.0.len(), 2);
    // The pentagram keeps its centre (the even–odd LINEWORK method would make it a hole).
    assert_eq!(star.0.len(), 1);
    assert!(star.contains(&at(118.79, 32.04)));
    // The overlapping squares: their union, the overlap counted once (LINEWORK would cut it out), to
    // 1e-8 of the area: geo's overlay, the oracle here, rounds the two crossing points its own way.
    let square = |lon: f64, lat: f64| {
        let corners = [(lon, lat), (lon + 0.001, lat), (lon + 0.001, lat + 0.001), (lon, lat + 0.001)];
        geo_types::Polygon::new(geo_types::LineString(corners.iter().map(|&(x, y)| at(x, y).0).collect()), vec![])
    };
    let union = square(118.8, 32.04).union(&square(118.8005, 32.0405));
    assert_eq!(overlap.0.len(), 1);
    assert!((overlap.unsigned_area() - union.unsigned_area()).abs() < 1e-8 * union.unsigned_area(), "{} vs {}", overlap.unsigned_area(), union.unsigned_area());
}
