//! Accounting on every shared OpenStreetMap extract: each input feature of the kinds the engine reads ends
//! in its output layer or in the rejects, never both, never neither (DEVELOPERS.md, "Every input feature
//! ends in an output layer or in rejects").
//!
//! The expected features are found independently of lifecircle's reader: every node, way and relation is
//! read with the `osmpbf` crate's plain `ElementReader` (all tags, no filtering, no geometry), and each
//! layer's rule of the default profile is applied to the full tag list:
//!
//! | layer | an element is expected when |
//! |---|---|
//! | estates | it matches a `[estates]` rule |
//! | buildings | `building=*` other than `no` |
//! | facilities | it matches a rule of category *c* → one expected `(id, c)` per such category |
//! | idle_land (parcels) | it matches an `[idle_land]` rule |
//! | barriers | it matches a `[barriers]` rule |
//! | gates | it matches a `[gates]` rule |
//! | network (ways) | a way or relation with `highway=*` (a node on a road is no walkable way) |
//! | protected_land | it matches a rule of a `[[protected_land]]` class |
//!
//! Each expected element must then be in the layer (matched by OSM id: `n1`, `w2`, `r3`) xor have a
//! reject row for the layer (rejects name the output layers: `idle_land`, `network`); for facilities
//! either all its categories are rows or the element has one reject row. Nothing unexpected may appear. Residential buildings (the estates built from building
//! clusters) are accounted too. Ways the extract cut are rows when they are lines with 2 consecutive
//! nodes in the file (clipped there), else rejects; `ways_clipped` must equal the count found here from
//! the raw node lists. Residential buildings (the estates built from building
//! clusters) are accounted too: each one lies in an estate xor is rejected as `cluster_too_small`, and
//! each is counted by exactly one estate's population estimate.

use geo::{BoundingRect, Intersects};
use lifecircle::estates::population::representative_point;
use lifecircle::read::osm::{OsmExtract, read_osm};
use lifecircle::model::EstateSource;
use lifecircle::profile::{Profile, TagRule};
use osmpbf::{Element, ElementReader};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// One element's id (`n1`, `w2`, `r3`) and full tag list.
struct Tagged {
    id: String,
    tags: Vec<(String, String)>,
}

impl Tagged {
    fn get(&self, key: &str) -> Option<&str> {
        self.tags.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    fn matches_any(&self, rules: &[TagRule]) -> bool {
        rules.iter().any(|r| r.matches(|k| self.get(k)))
    }

    fn kind(&self) -> char {
        self.id.chars().next().unwrap()
    }
}

/// Every tagged element of the file, read with osmpbf alone; a duplicated id keeps its first copy, as
/// the engine does. Also: the node ids the file holds and each way's node ids.
fn tagged_elements(path: &str) -> (Vec<Tagged>, BTreeSet<i64>, BTreeMap<String, Vec<i64>>) {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    let mut nodes = BTreeSet::new();
    let mut refs = BTreeMap::new();
    ElementReader::from_path(path)
        .unwrap()
        .for_each(|element| {
            let (id, tags): (String, Vec<(String, String)>) = match &element {
                Element::Node(n) => {
                    nodes.insert(n.id());
                    (format!("n{}", n.id()), n.tags().map(|(k, v)| (k.into(), v.into())).collect())
                }
                Element::DenseNode(n) => {
                    nodes.insert(n.id());
                    (format!("n{}", n.id()), n.tags().map(|(k, v)| (k.into(), v.into())).collect())
                }
                Element::Way(w) => {
                    refs.entry(format!("w{}", w.id())).or_insert_with(|| w.refs().collect::<Vec<i64>>());
                    (format!("w{}", w.id()), w.tags().map(|(k, v)| (k.into(), v.into())).collect())
                }
                Element::Relation(r) => (format!("r{}", r.id()), r.tags().map(|(k, v)| (k.into(), v.into())).collect()),
            };
            if !tags.is_empty() && seen.insert(id.clone()) {
                out.push(Tagged { id, tags });
            }
        })
        .unwrap();
    (out, nodes, refs)
}

/// Whether a way the extract cut is kept as a clipped line: it is a line (a highway not closed with
/// `area=yes`; a barrier whose rule is about a linear key — highway, railway, waterway — or not closed,
/// and not `area=yes`) and at least 2 consecutive nodes of it are in the file.
fn clipped(e: &Tagged, refs: &[i64], nodes: &BTreeSet<i64>, barrier_rules: &[TagRule]) -> bool {
    if refs.iter().all(|n| nodes.contains(n)) {
        return false;
    }
    let closed = refs.len() >= 4 && refs.first() == refs.last();
    let area_yes = e.get("area") == Some("yes");
    let highway_line = e.get("highway").is_some() && !(closed && area_yes);
    let barrier_line = barrier_rules.iter().find(|r| r.matches(|k| e.get(k))).is_some_and(|r| {
        let linear = r.required_keys().any(|k| ["highway", "railway", "waterway", "barrier", "power"].contains(&k));
        !(closed && (area_yes || !linear))
    });
    let mut run = 0;
    let mut longest = 0;
    for n in refs {
        run = if nodes.contains(n) { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    (highway_line || barrier_line) && longest >= 2
}

/// Output rows and reject rows of one layer, by id (a `Vec` so that a duplicate shows).
#[derive(Default)]
struct LayerIds {
    rows: BTreeMap<String, usize>,
    rejects: BTreeMap<String, usize>,
}

fn count(map: &mut BTreeMap<String, usize>, id: &str) {
    *map.entry(id.to_string()).or_default() += 1;
}

/// Check one single-row layer: every expected id is exactly one row xor exactly one reject, and nothing
/// else is there. Returns (rows, rejects) for the caller's figures.
fn check_layer(file: &str, layer: &str, expected: &BTreeSet<String>, got: &LayerIds) -> (usize, usize) {
    let mut problems = Vec::new();
    for id in expected {
        let (rows, rejects) = (got.rows.get(id).copied().unwrap_or(0), got.rejects.get(id).copied().unwrap_or(0));
        if rows + rejects != 1 {
            problems.push(format!("{id}: {rows} rows, {rejects} rejects"));
        }
    }
    for id in got.rows.keys().chain(got.rejects.keys()) {
        if !expected.contains(id) {
            problems.push(format!("{id}: in the output but matches no rule"));
        }
    }
    assert!(problems.is_empty(), "{file} {layer}: {} problems, first: {:?}", problems.len(), &problems[..problems.len().min(10)]);
    (got.rows.len(), got.rejects.len())
}

/// Run the accounting on one file; returns per layer (expected, rows, rejects).
fn account(path: &str) -> BTreeMap<&'static str, (usize, usize, usize)> {
    let profile = Profile::default_profile();
    let mut x: OsmExtract = read_osm(Path::new(path), &profile, None).unwrap_or_else(|e| panic!("{path}: {e}"));
    lifecircle::estates::derive_estates(&mut x, &profile);
    let d = &x.dataset;
    let (elements, nodes, refs) = tagged_elements(path);
    // Ways the extract cut that stay as clipped lines: each one counted once in `ways_clipped`.
    let expected_clipped = elements.iter().filter(|e| e.kind() == 'w' && refs.get(&e.id).is_some_and(|r| clipped(e, r, &nodes, &profile.barriers.osm))).count();
    assert_eq!(x.stats.ways_clipped, expected_clipped, "{path}: ways_clipped");

    // Expected ids per layer, from the full tags.
    let mut expected: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    let mut expected_facilities: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for e in &elements {
        let mut expect = |layer: &'static str, yes: bool| {
            if yes {
                expected.entry(layer).or_default().insert(e.id.clone());
            }
        };
        expect("estates", e.matches_any(&profile.estates.osm));
        expect("buildings", e.get("building").is_some_and(|v| v != "no"));
        expect("idle_land", e.matches_any(&profile.idle_land.osm));
        expect("barriers", e.matches_any(&profile.barriers.osm));
        expect("gates", e.matches_any(&profile.gates.osm));
        expect("network", e.kind() != 'n' && e.get("highway").is_some());
        expect("protected_land", profile.protected_land.iter().any(|c| e.matches_any(&c.osm)));
        let categories: BTreeSet<String> = profile.categories.iter().filter(|c| e.matches_any(&c.osm)).map(|c| c.key.clone()).collect();
        if !categories.is_empty() {
            expected_facilities.insert(e.id.clone(), categories);
        }
    }

    // What the engine wrote, per layer.
    let mut got: BTreeMap<&str, LayerIds> = BTreeMap::new();
    // A residential area split into blocks (街坊) is one input feature: its blocks carry its id as
    // parent_id and count as one row.
    let estate_ids: BTreeSet<&str> = d.estates.iter().filter(|e| e.source == EstateSource::OsmLanduse).map(|e| e.notes.parent_id.as_deref().unwrap_or(&e.id)).collect();
    for id in estate_ids {
        count(&mut got.entry("estates").or_default().rows, id);
    }
    for b in &d.buildings {
        count(&mut got.entry("buildings").or_default().rows, &b.id);
    }
    for p in &d.parcels {
        count(&mut got.entry("idle_land").or_default().rows, &p.id);
    }
    for b in &d.barriers {
        count(&mut got.entry("barriers").or_default().rows, &b.id);
    }
    for g in &d.gates {
        count(&mut got.entry("gates").or_default().rows, &g.id);
    }
    for w in &d.ways {
        count(&mut got.entry("network").or_default().rows, &w.id);
    }
    for p in &d.protected_land {
        count(&mut got.entry("protected_land").or_default().rows, &p.id);
    }
    let mut facility_rows: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for f in &d.facilities {
        facility_rows.entry(f.id.clone()).or_default().push(f.category.clone());
    }
    let mut facility_rejects: BTreeMap<String, usize> = BTreeMap::new();
    let mut cluster_rejects: BTreeMap<String, usize> = BTreeMap::new();
    for r in &d.rejects {
        match r.layer.as_str() {
            "facilities" => count(&mut facility_rejects, &r.source_id),
            "estates" if r.reason.starts_with("cluster_too_small") => count(&mut cluster_rejects, &r.source_id),
            layer => {
                let layer = ["estates", "buildings", "idle_land", "barriers", "gates", "network", "protected_land"]
                    .into_iter()
                    .find(|l| *l == layer)
                    .unwrap_or_else(|| panic!("{path}: reject {} in unknown layer {layer}", r.source_id));
                count(&mut got.entry(layer).or_default().rejects, &r.source_id);
            }
        }
    }

    let mut figures = BTreeMap::new();
    for layer in ["estates", "buildings", "idle_land", "barriers", "gates", "network", "protected_land"] {
        let want = expected.remove(layer).unwrap_or_default();
        let (rows, rejects) = check_layer(path, layer, &want, got.get(layer).unwrap_or(&LayerIds::default()));
        figures.insert(layer, (want.len(), rows, rejects));
    }

    // Facilities: all categories as rows, or one reject.
    let mut problems = Vec::new();
    for (id, categories) in &expected_facilities {
        let rows: BTreeSet<String> = facility_rows.get(id).map(|v| v.iter().cloned().collect()).unwrap_or_default();
        let n_rows = facility_rows.get(id).map_or(0, Vec::len);
        let rejects = facility_rejects.get(id).copied().unwrap_or(0);
        let ok = (rejects == 0 && &rows == categories && n_rows == categories.len()) || (rejects == 1 && n_rows == 0);
        if !ok {
            problems.push(format!("{id}: expected {categories:?}, rows {rows:?}, {rejects} rejects"));
        }
    }
    for id in facility_rows.keys().chain(facility_rejects.keys()) {
        if !expected_facilities.contains_key(id) {
            problems.push(format!("{id}: a facility that matches no category rule"));
        }
    }
    assert!(problems.is_empty(), "{path} facilities: {} problems, first: {:?}", problems.len(), &problems[..problems.len().min(10)]);
    let expected_pairs: usize = expected_facilities.values().map(BTreeSet::len).sum();
    figures.insert("facilities", (expected_pairs, d.facilities.len(), facility_rejects.len()));

    // Residential buildings: in an estate xor rejected as cluster_too_small; each counted once.
    let estate_boxes: Vec<_> = d.estates.iter().map(|e| (e.polygon.bounding_rect(), &e.polygon)).collect();
    let residential: Vec<_> = d.buildings.iter().filter(|b| b.residential).collect();
    let mut problems = Vec::new();
    for b in &residential {
        // The point the engine places a building by (population.rs), on an estate's boundary counting as in.
        let point = representative_point(&b.footprint).expect("a building has an interior point");
        let in_estate = estate_boxes.iter().any(|(rect, polygon)| rect.is_some_and(|r| r.intersects(&point)) && polygon.intersects(&point));
        let rejected = cluster_rejects.get(&b.id).copied().unwrap_or(0);
        if usize::from(in_estate) + rejected != 1 {
            problems.push(format!("{}: in an estate {in_estate}, {rejected} cluster rejects", b.id));
        }
    }
    let residential_ids: BTreeSet<&str> = residential.iter().map(|b| b.id.as_str()).collect();
    for id in cluster_rejects.keys() {
        if !residential_ids.contains(id.as_str()) {
            problems.push(format!("{id}: cluster reject of a building that is not residential"));
        }
    }
    assert!(problems.is_empty(), "{path} residential buildings: {} problems, first: {:?}", problems.len(), &problems[..problems.len().min(10)]);
    let counted: usize = d.estates.iter().map(|e| e.n_buildings).sum();
    assert_eq!(counted, residential.len() - cluster_rejects.len(), "{path}: each residential building in an estate is counted by exactly one estate");
    figures.insert("residential buildings", (residential.len(), counted, cluster_rejects.len()));
    figures.insert("ways_clipped", (expected_clipped, x.stats.ways_clipped, 0));
    eprintln!("{path}: (expected, rows, rejects) {figures:?}");
    figures
}

#[test]
fn nanjing_every_feature_is_in_its_layer_or_rejected() {
    let f = account("data/nanjing-xuanwu-2021.osm.pbf");
    // Cross-check against the figures of tests/osm_extract.rs (osmium counts): 1,278 building ways and
    // relations + 1 building node; 384 highway ways + 1 highway relation.
    assert_eq!(f["buildings"], (1_279, 1_277, 2));
    assert_eq!(f["network"], (385, 383, 2));
}

#[test]
fn shanghai_every_feature_is_in_its_layer_or_rejected() {
    let f = account("tests/data/shanghai-jingan-roads.osm.pbf");
    assert_eq!(f["buildings"], (0, 0, 0));
    assert_eq!(f["network"].0, 796, "every way of this roads-only export is a highway");
}

#[test]
fn porto_every_feature_is_in_its_layer_or_rejected() {
    let f = account("tests/data/porto-2020.osm.pbf");
    // 11,404 building ways and relations + 28 nodes (tests/osm_extract.rs).
    assert_eq!(f["buildings"], (11_404 + 28, 11_404, 28));
    assert_eq!(f["network"], (4_656 + 36, 4_656 - 1_194, 1_194 + 36));
}

#[test]
fn andorra_every_feature_is_in_its_layer_or_rejected() {
    let f = account("tests/data/andorra-2020.osm.pbf");
    assert_eq!(f["buildings"], (4_352 + 12, 4_352, 12));
}

// The expected counts of the three files below are checked against osmium too:
// `osmium tags-filter -R FILE nwr/building` minus the `building=no` objects, `wr/highway`, and
// `nwr/landuse=residential` (the default profile's estate rule), each counted with `osmium cat -f opl | wc -l`.

#[test]
fn london_every_feature_is_in_its_layer_or_rejected() {
    let f = account("tests/data/london-2020.osm.pbf");
    assert_eq!(f["buildings"].0, 2_170 - 3); // 3 objects are building=no
    assert_eq!(f["network"].0, 3_154);
    assert_eq!(f["estates"], (18, 18, 0));
}

#[test]
fn monaco_every_feature_is_in_its_layer_or_rejected() {
    let f = account("tests/data/monaco-2020.osm.pbf");
    assert_eq!(f["buildings"], (1_151, 1_151, 0));
    assert_eq!(f["network"].0, 1_999);
    assert_eq!(f["estates"], (5, 5, 0));
}

#[test]
fn liechtenstein_every_feature_is_in_its_layer_or_rejected() {
    let f = account("tests/data/liechtenstein-2015.osm.pbf");
    assert_eq!(f["buildings"].0, 9_001 - 1); // 1 object is building=no
    assert_eq!(f["network"].0, 4_660);
    assert_eq!(f["estates"], (17, 17, 0));
}

#[test]
fn synthetic_fixture_every_feature_is_in_its_layer_or_rejected() {
    let f = account("tests/data/extract-cases.osm.pbf");
    // By hand from tests/data/extract-cases.opl: building ways w6 w7 w8 w12 w13 w14, relation r3 and node
    // n25; rows w7 w12 w13.
    assert_eq!(f["buildings"], (8, 3, 5));
    assert_eq!(f["network"], (2, 1, 1)); // w10 a row, w9 (highway area) a reject
}

#[test]
fn issue15_fixture_every_feature_is_in_its_layer_or_rejected() {
    let f = account("tests/data/issue15-land.osm.pbf");
    // By hand from tests/data/issue15-land.opl: highway ways w1-w7 and w124 (a square: highway_area
    // reject); w6 and w8 cut and kept clipped, w7 rejected.
    assert_eq!(f["network"], (8, 6, 2));
    assert_eq!(f["ways_clipped"], (2, 2, 0));
    // w110 (split in two blocks, one row), w126, w130, w131; w9 lost a corner.
    assert_eq!(f["estates"], (5, 4, 1));
    // 11 protected areas: park, wood, forest, square, university, cemetery, pitch, water, monument,
    // hospital, military.
    assert_eq!(f["protected_land"], (11, 11, 0));
}
