//! Issue 15 on a hand-made extract (`tests/data/issue15-land.opl`, written by `tests/data/issue15-land.py`,
//! synthetic, near Nanjing; the PBF is `osmium cat -F opl issue15-land.opl -o issue15-land.osm.pbf -f
//! pbf,add_metadata=false`): land that can be built, estates as planners know them, ways at the extract's
//! edge. The layout in metres (see the generator): streets y = 0, y = 250 and x = -100, 100, 700; estate
//! w110 (x 0-200) crossed by the street x = 100; estates w130, w131 (no building) at x 250-350; university
//! w125 with staff housing w126 at x 400-680; a hospital and military land west of x = -100; south of
//! y = 0 a park (with a lawn w120 inside), woods, forest, a pedestrian square, a cemetery, a pitch, water,
//! a monument; north of y = 250 a brownfield w140 and a lawn w141 outside any park.

use geo::{Area, BooleanOps, Contains};
use geo_types::Point;
use lifecircle::coverage::{CoverageOptions, run_coverage};
use geo_types::Geometry;
use lifecircle::model::Dataset;
use lifecircle::pipeline::{InputSpec, load};
use lifecircle::profile::Profile;
use lifecircle::read::osm::read_osm;
use lifecircle::siting::{SitingOptions, run_siting};

const FIXTURE: &str = "tests/data/issue15-land.osm.pbf";

fn loaded() -> (Dataset, Profile) {
    lifecircle::pipeline::install_quiet_library_handlers();
    let l = load(&InputSpec { osm: Some(FIXTURE.into()), ..InputSpec::default() }).unwrap();
    (l.dataset, l.profile)
}

fn reject_code(d: &Dataset, layer: &str, id: &str) -> Option<String> {
    d.rejects.iter().find(|r| r.layer == layer && r.source_id == id).map(|r| r.reason.split(':').next().unwrap_or_default().to_string())
}

#[test]
fn ways_at_the_edge_are_clipped_not_dropped_and_accounted() {
    let x = read_osm(FIXTURE.as_ref(), &Profile::default_profile(), None).unwrap();
    let d = &x.dataset;
    // w6 (street, last of 4 nodes missing) and w8 (river, first of 3 missing) are kept clipped.
    assert_eq!(x.stats.ways_clipped, 2);
    let w6 = d.ways.iter().find(|w| w.id == "w6").expect("the cut street is kept");
    assert_eq!(w6.line.0.len(), 3);
    // Its 3 nodes are (300, 250), (300, 350), (300, 450) m: 200 m long.
    let len: f64 = w6.line.lines().map(|l| (l.dx().powi(2) + l.dy().powi(2)).sqrt()).sum();
    assert!((len - 200.0).abs() < 1.0, "{len}");
    let w8 = d.barriers.iter().find(|b| b.id == "w8").expect("the cut river is kept");
    assert!(matches!(&w8.geometry, Geometry::LineString(l) if l.0.len() == 2));
    // A footway with one node left, and a residential area missing a corner, are rejected.
    assert_eq!(reject_code(d, "network", "w7").as_deref(), Some("missing_nodes"));
    assert_eq!(reject_code(d, "estates", "w9").as_deref(), Some("missing_nodes"));
    assert!(d.ways.iter().all(|w| w.id != "w7") && d.estates.iter().all(|e| e.id != "w9"));
    assert_eq!(x.stats.rejects_by_reason.get("network/missing_nodes"), Some(&1));
}

#[test]
fn a_residential_area_crossed_by_a_street_becomes_blocks() {
    let (d, _) = loaded();
    let ids: Vec<&str> = d.estates.iter().map(|e| e.id.as_str()).collect();
    assert!(!ids.contains(&"w110"), "{ids:?}");
    let blocks: Vec<_> = d.estates.iter().filter(|e| e.notes.parent_id.as_deref() == Some("w110")).collect();
    assert_eq!(blocks.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(), ["w110-b1", "w110-b2"]);
    for b in &blocks {
        // Each block is 100 m × 230 m less the 0.5 m street cut (within 0.5 %: the generator's metres
        // are spherical, the working CRS is UTM), and holds one 40 m × 50 m building of 6 levels:
        // 12,000 m² of floor area, 12,000 / 33 residents.
        assert!((b.polygon.unsigned_area() - 99.5 * 230.0).abs() < 0.005 * 99.5 * 230.0, "{} {}", b.id, b.polygon.unsigned_area());
        assert_eq!(b.n_buildings, 1);
        assert!((b.population - 12_000.0 / 33.0).abs() < 0.005 * 12_000.0 / 33.0, "{}", b.population);
        assert_eq!(b.name.as_deref(), Some("两街坊小区"));
    }
    // An estate the street does not cross stays whole.
    assert!(d.estates.iter().any(|e| e.id == "w130" && e.notes.parent_id.is_none()));
    // Unknown population stays unknown.
    let w131 = d.estates.iter().find(|e| e.id == "w131").unwrap();
    assert!(w131.population_unknown());
    // Staff housing in a university is not an old estate.
    let w126 = d.estates.iter().find(|e| e.id == "w126").unwrap();
    assert_eq!(w126.notes.not_old_estate.as_deref(), Some("education w125 (amenity=university)"));
    assert!(d.estates.iter().filter(|e| e.id != "w126").all(|e| e.notes.not_old_estate.is_none()));
}

/// Every protected class of the fixture, with the id of its area.
const PROTECTED: [(&str, &str); 10] = [
    ("park", "w121"),
    ("woodland", "w122"),
    ("woodland", "w123"),
    ("pedestrian_square", "w124"),
    ("cemetery", "w127"),
    ("sports_ground", "w128"),
    ("water", "w129"),
    ("heritage", "w132"),
    ("education", "w125"),
    ("military", "w136"),
];

fn overlap_m2(a: &geo_types::MultiPolygon<f64>, b: &geo_types::MultiPolygon<f64>) -> f64 {
    a.intersection(b).unsigned_area()
}

#[test]
fn a_site_never_falls_in_protected_land() {
    let (data, profile) = loaded();
    for (class, id) in PROTECTED {
        assert!(data.protected_land.iter().any(|p| p.id == id && p.class == class), "{class} {id} read as protected land");
    }
    let coverage = run_coverage(&data, &profile, &CoverageOptions::default()).unwrap();
    let categories = ["kindergarten", "nursery", "elderly_care", "health_station", "park", "fitness"].map(String::from).to_vec();
    let opts = SitingOptions { categories: Some(categories), k: 3, search_m: 300.0, derive_open_land: true };
    let run = run_siting(&data, &profile, &coverage, &opts).unwrap();
    assert!(!run.sites.is_empty(), "the fixture has free land to site on");
    let protected = |mp: &geo_types::MultiPolygon<f64>| -> Vec<String> {
        data.protected_land.iter().filter(|p| p.protected && overlap_m2(&p.polygon, mp) > 1.0).map(|p| format!("{} {}", p.class, p.id)).collect()
    };
    for c in &run.candidates {
        if !c.fits(&profile).is_empty() {
            assert!(protected(&c.candidate.polygon).is_empty(), "{} fits {:?} but lies in {:?}", c.candidate.id, c.fits(&profile), protected(&c.candidate.polygon));
        }
    }
    for s in &run.sites {
        for p in &data.protected_land {
            assert!(!p.polygon.contains(&Point(s.location)), "site {} stands in {} {}", s.site_id, p.class, p.id);
        }
    }
    // The lawn in the park is a candidate excluded with its reason; the lawn outside any park may host a
    // park or fitness ground, never a kindergarten.
    let lawn = run.candidates.iter().find(|c| c.candidate.id == "parcel:w120").unwrap();
    assert!(lawn.fits(&profile).is_empty());
    // The reason is a person's words, in the run's language.
    use lifecircle::lang::Lang;
    use lifecircle::report::Wording;
    use lifecircle::siting::layers::{excluded_text, misfit_reasons};
    let (en, zh) = (Wording::new(Lang::En, &profile), Wording::new(Lang::Zh, &profile));
    let hits = lawn.excluded.as_deref().unwrap();
    assert_eq!((hits.len(), hits[0].class.as_str(), hits[0].id.as_str(), hits[0].matched_by.as_str()), (1, "park", "w121", "leisure=park"));
    assert_eq!(excluded_text(hits, en.catalogue()), "protected_land: lies in park w121 (leisure=park)");
    assert_eq!(excluded_text(hits, zh.catalogue()), "位于保护用地内：公园 w121（leisure=park）");
    // Every category is refused with that reason.
    let lawn_why = misfit_reasons(lawn, &en);
    assert_eq!(lawn_why.len(), profile.categories.len());
    assert!(lawn_why.iter().all(|(_, r)| r == "protected_land: lies in park w121 (leisure=park)"), "{lawn_why:?}");
    let open_lawn = run.candidates.iter().find(|c| c.candidate.id == "parcel:w141").unwrap();
    assert!(open_lawn.fits(&profile).contains(&"park".to_string()) && open_lawn.fits(&profile).contains(&"fitness".to_string()), "{:?}", misfit_reasons(open_lawn, &en));
    let open_lawn_why = misfit_reasons(open_lawn, &en);
    let why = open_lawn_why.iter().find(|(k, _)| k == "kindergarten").map(|(_, r)| r.as_str()).unwrap();
    assert_eq!(why, "origin_not_allowed: the profile lets this category use no OSM idle land (landuse=grass)");
    let zh_why = misfit_reasons(open_lawn, &zh);
    assert_eq!(zh_why.iter().find(|(k, _)| k == "kindergarten").map(|(_, r)| r.as_str()), Some("规则不允许此类设施使用OSM 闲置用地（landuse=grass）"));
    // A category is either in `fits` or has a reason, never both.
    assert_eq!(open_lawn.fits(&profile).len() + open_lawn_why.len(), profile.categories.len());
    assert!(open_lawn_why.iter().all(|(k, _)| !open_lawn.fits(&profile).contains(k)));

    // The control: without protected land, derived open land reaches into the classes that nothing else
    // keeps free (woods, forest, square, cemetery, heritage, campus, military).
    let mut open = data.clone();
    open.protected_land.clear();
    let targets: Vec<u32> = (0..open.estates.len() as u32).collect();
    let unprotected = lifecircle::siting::candidates::open_land_candidates(&open, &targets, 300.0, 150.0).unwrap();
    for id in ["w122", "w123", "w124", "w127", "w132", "w125", "w136"] {
        let p = data.protected_land.iter().find(|p| p.id == id).unwrap();
        assert!(unprotected.iter().any(|c| overlap_m2(&p.polygon, &c.polygon) > 100.0), "without protection open land would reach {id}");
    }

    // Determinism: the same sites on one thread and on two.
    let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap().install(|| run_siting(&data, &profile, &coverage, &opts).unwrap());
    let two = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap().install(|| run_siting(&data, &profile, &coverage, &opts).unwrap());
    assert_eq!(one.sites, run.sites);
    assert_eq!(two.sites, run.sites);
}

#[test]
fn a_co_located_sites_categories_fit_its_parcel() {
    use lifecircle::siting::colocate::{LandNeed, place_together};
    let (data, profile) = loaded();
    let coverage = run_coverage(&data, &profile, &CoverageOptions::default()).unwrap();
    let categories = ["kindergarten", "nursery", "elderly_care", "health_station", "community_service", "fitness"].map(String::from).to_vec();
    let opts = SitingOptions { categories: Some(categories), k: 2, search_m: 300.0, derive_open_land: true };
    let run = run_siting(&data, &profile, &coverage, &opts).unwrap();
    let mut by_candidate: std::collections::BTreeMap<u32, Vec<&lifecircle::siting::Site>> = Default::default();
    for s in &run.sites {
        by_candidate.entry(s.candidate).or_default().push(s);
    }
    let shared: Vec<_> = by_candidate.iter().filter(|(_, v)| v.len() > 1).collect();
    assert!(!shared.is_empty(), "the few parcels near the estates are shared: {:?}", run.sites.iter().map(|s| (&s.site_id, &s.candidate_id)).collect::<Vec<_>>());
    for (&c, sites) in &by_candidate {
        let cand = &run.candidates[c as usize].candidate;
        let mut keys: Vec<String> = sites.iter().map(|s| s.category.clone()).collect();
        // Every site of the parcel lists the same categories: those sited there, in profile order.
        let order = |k: &String| profile.categories.iter().position(|c| &c.key == k).unwrap();
        keys.sort_by_key(order);
        for s in sites {
            assert_eq!(s.categories, keys, "{}", s.site_id);
        }
        // Their land needs add up within the parcel, and their footprints fit side by side (or as one
        // combined building).
        let needs: Vec<LandNeed> = keys
            .iter()
            .map(|k| {
                let cat = profile.category(k).unwrap();
                LandNeed { key: k.clone(), area_m2: cat.land_min_area_m2, width_m: cat.land_min_width_m }
            })
            .collect();
        let total: f64 = needs.iter().map(|n| n.area_m2).sum();
        assert!(total <= cand.area_m2, "{}: {keys:?} need {total} m², parcel {} m²", cand.id, cand.area_m2);
        place_together(&cand.polygon, cand.area_m2, &needs, &profile.siting.combined_building).unwrap_or_else(|e| panic!("{}: {e}", cand.id));
    }
}

/// The same two rules on a real extract (the demo's Nanjing Xuanwu, ODbL, `data/`), with every category and
/// the defaults `plan` uses: no candidate that hosts a category overlaps protected land, no site stands in
/// it, and a parcel hosting several categories holds their combined land need. The extract must hold
/// protected land of several classes for the check to mean something.
#[test]
fn on_a_real_extract_sites_keep_off_protected_land_and_shared_parcels_fit() {
    use lifecircle::siting::colocate::{LandNeed, place_together};
    lifecircle::pipeline::install_quiet_library_handlers();
    let l = load(&InputSpec { osm: Some("data/nanjing-xuanwu-2021.osm.pbf".into()), ..InputSpec::default() }).unwrap();
    let (data, profile) = (l.dataset, l.profile);
    let classes: std::collections::BTreeSet<&str> = data.protected_land.iter().filter(|p| p.protected).map(|p| p.class.as_str()).collect();
    assert!(classes.len() >= 4, "protected classes in the extract: {classes:?}");
    let coverage = run_coverage(&data, &profile, &CoverageOptions::default()).unwrap();
    let run = run_siting(&data, &profile, &coverage, &SitingOptions::default()).unwrap();
    assert!(run.sites.len() >= 5, "{} sites", run.sites.len());
    let index: Vec<_> = data.protected_land.iter().filter(|p| p.protected).collect();
    for c in run.candidates.iter().filter(|c| !c.fits(&profile).is_empty()) {
        for p in &index {
            let overlap = overlap_m2(&p.polygon, &c.candidate.polygon);
            assert!(overlap <= 1.0, "{} hosts {:?} but overlaps {} {} by {overlap:.1} m²", c.candidate.id, c.fits(&profile), p.class, p.id);
        }
    }
    for s in &run.sites {
        for p in &index {
            assert!(!p.polygon.contains(&Point(s.location)), "site {} stands in {} {}", s.site_id, p.class, p.id);
        }
    }
    let mut by_candidate: std::collections::BTreeMap<u32, Vec<&lifecircle::siting::Site>> = Default::default();
    for s in &run.sites {
        by_candidate.entry(s.candidate).or_default().push(s);
    }
    // A parcel with one site is checked by its fit (largest inscribed circle); one shared by several must
    // hold their footprints side by side.
    for (&c, sites) in by_candidate.iter().filter(|(_, s)| s.len() > 1) {
        let cand = &run.candidates[c as usize].candidate;
        let needs: Vec<LandNeed> = sites
            .iter()
            .map(|s| {
                let cat = profile.category(&s.category).unwrap();
                LandNeed { key: s.category.clone(), area_m2: cat.land_min_area_m2, width_m: cat.land_min_width_m }
            })
            .collect();
        let total: f64 = needs.iter().map(|n| n.area_m2).sum();
        assert!(total <= cand.area_m2, "{}: need {total} m², parcel {} m²", cand.id, cand.area_m2);
        place_together(&cand.polygon, cand.area_m2, &needs, &profile.siting.combined_building).unwrap_or_else(|e| panic!("{}: {e}", cand.id));
    }
}

/// A planner's own protected land (`--protected-land`, e.g. an ecological red line) keeps sites off it like
/// the protected classes found in OSM: a square drawn over the first recommended site moves every site out of
/// it. The layer is also written back by `plan`.
#[test]
fn a_planners_protected_land_layer_keeps_sites_off_it() {
    use serde_json::{Value, json};
    let dir = tempfile::tempdir().unwrap();
    let run = |out: &std::path::Path, extra: &[&str]| -> Vec<Value> {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_lifecircle"))
            .args(["-q", "plan", "--osm", FIXTURE, "--out"])
            .arg(out)
            .args(extra)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let sites: Value = serde_json::from_str(&std::fs::read_to_string(out.join("geojson/sites.geojson")).unwrap()).unwrap();
        sites["features"].as_array().unwrap().clone()
    };
    let before = run(&dir.path().join("before"), &[]);
    assert!(!before.is_empty());
    let [x, y] = [before[0]["geometry"]["coordinates"][0].as_f64().unwrap(), before[0]["geometry"]["coordinates"][1].as_f64().unwrap()];
    let h = 0.0004; // about 40 m
    let square = json!({"type": "Polygon", "coordinates": [[[x - h, y - h], [x + h, y - h], [x + h, y + h], [x - h, y + h], [x - h, y - h]]]});
    let layer = json!({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"protected_id": "RL1", "class": "red_line"}, "geometry": square}]});
    let file = dir.path().join("red_line.geojson");
    std::fs::write(&file, layer.to_string()).unwrap();
    let out = dir.path().join("after");
    let after = run(&out, &["--protected-land", file.to_str().unwrap()]);
    assert!(!after.is_empty(), "the other parcels still host sites");
    for s in &after {
        let c = &s["geometry"]["coordinates"];
        let (sx, sy) = (c[0].as_f64().unwrap(), c[1].as_f64().unwrap());
        assert!(!((x - h..=x + h).contains(&sx) && (y - h..=y + h).contains(&sy)), "site {} stands in the red line", s["properties"]["site_id"]);
    }
    let written: Value = serde_json::from_str(&std::fs::read_to_string(out.join("geojson/protected_land.geojson")).unwrap()).unwrap();
    assert!(written["features"].as_array().unwrap().iter().any(|f| f["properties"]["protected_id"] == "RL1" && f["properties"]["class"] == "red_line"));
}

#[test]
fn the_candidates_layer_made_in_parts_is_the_whole_layer() {
    // `plan` writes a city's candidates a part at a time (never holding 850,000 rows): the parts, in
    // order, must be the layer made whole, whatever the part size; the words are made from the profile.
    use lifecircle::crs::WorkingCrs;
    use lifecircle::siting::layers::{candidates_layer, candidates_layer_parted};
    use lifecircle::write::layer::Value;
    let (data, profile) = loaded();
    let coverage = run_coverage(&data, &profile, &CoverageOptions::default()).unwrap();
    let run = run_siting(&data, &profile, &coverage, &SitingOptions::default()).unwrap();
    let n = run.candidates.len();
    assert!(n > 3, "{n} candidates");
    let crs = WorkingCrs::parse("EPSG:32650").unwrap();
    let wording = lifecircle::report::Wording::new(lifecircle::lang::Lang::Zh, &profile);
    let whole = candidates_layer(run.candidates.clone(), &wording, crs).unwrap();
    assert_eq!(whole.features.len(), n);
    // Words per candidate: the fits and why_not of every candidate name every profile category once.
    let (fits_i, why_i) = (whole.field_index("fits").unwrap(), whole.field_index("why_not").unwrap());
    for (f, c) in whole.features.iter().zip(&run.candidates) {
        let Value::TextList(fits) = &f.values[fits_i] else { panic!("fits {:?}", f.values[fits_i]) };
        assert_eq!(fits, &c.fits(&profile));
        let why = c.misfits(&profile);
        assert_eq!(fits.len() + why.len(), profile.categories.len(), "{}", c.candidate.id);
        assert_eq!(f.values[why_i], if why.is_empty() { Value::Text(String::new()) } else { Value::Text(lifecircle::siting::layers::why_not_text(c, &wording)) });
        // In Chinese: each category that does not fit by its name, never its key; a candidate that hosts
        // nothing says why once.
        let Value::Text(text) = &f.values[why_i] else { panic!() };
        if let Some(hits) = c.excluded.as_deref() {
            assert_eq!(text, &format!("全部设施类别：{}", lifecircle::siting::layers::excluded_text(hits, wording.catalogue())));
            continue;
        }
        for (category, _) in &why {
            assert!(text.contains(&format!("{}：", wording.category_name(&category.key))) && !text.contains(&format!("{}:", category.key)), "{text}");
        }
    }
    for rows in [1, 3, n - 1, n, n + 4] {
        let parted = candidates_layer_parted(run.candidates.clone(), &wording, crs).unwrap().with_part_rows(rows);
        assert_eq!((parted.features, &parted.schema.fields, &parted.schema.name), (n, &whole.fields, &whole.name));
        let parts: Vec<_> = parted.parts().map(|p| p.unwrap()).collect();
        assert_eq!(parts.len(), n.div_ceil(rows));
        let joined: Vec<_> = parts.into_iter().flat_map(|p| p.features).collect();
        assert_eq!(joined, whole.features, "parts of {rows} rows");
    }
    // Its style is made from one row per distinct origin, so QGIS names every origin in words.
    let parted = candidates_layer_parted(run.candidates.clone(), &wording, crs).unwrap();
    let origins: std::collections::BTreeSet<String> = run.candidates.iter().map(|c| c.candidate.origin.clone()).collect();
    assert!(origins.len() >= 2, "{origins:?}");
    let map = lifecircle::report::styles::value_map(parted.style_rows.as_ref().unwrap(), "origin", &wording).unwrap();
    assert_eq!(map.iter().map(|(v, _)| v.clone()).collect::<std::collections::BTreeSet<_>>(), origins);
    assert!(map.iter().all(|(v, name)| name == &lifecircle::siting::candidates::origin_text_in(v, wording.catalogue()) && name != v), "{map:?}");
    // No candidates: one empty part, so the table is still made.
    let empty = candidates_layer_parted(Vec::new(), &wording, crs).unwrap();
    assert_eq!(empty.parts().map(|p| p.unwrap().features.len()).collect::<Vec<_>>(), vec![0]);
}
