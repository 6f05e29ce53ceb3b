//! `batch --areas` gives every estate inside an area the walking distances `plan` gives it on the whole
//! input: the areas are the four quadrants of the Nanjing demo extract (cut through the middle of its
//! estates, so neighbours' gates and compounds lie on the other side of every cut). The whole dataset's
//! coverage is the oracle; each area's is run on [`subset_for_area`], the dataset `batch` plans on.
//! A naive cut (estates inside, other features by distance, gates and compounds decided afterwards) is run
//! too, to show the data exercises what the rule is for.

use geo::BoundingRect;
use geo_types::{Coord, MultiPolygon, Rect};
use lifecircle::coverage::{CoverageOptions, CoverageRun, effective_rules, run_coverage, search_radius};
use lifecircle::model::Dataset;
use lifecircle::pipeline::batch::{AreaContext, subset_for_area};
use lifecircle::pipeline::{InputSpec, load};
use std::collections::BTreeMap;

/// Per estate id, per category: (distance, covered, facilities within the threshold, nearest ids).
type Distances = BTreeMap<String, Vec<(Option<f64>, bool, usize, Vec<u32>)>>;

fn distances(data: &Dataset, run: &CoverageRun) -> Distances {
    data.estates
        .iter()
        .enumerate()
        .map(|(ei, e)| {
            let per_category = run
                .baseline
                .categories
                .iter()
                .enumerate()
                .map(|(ci, c)| {
                    let d = &c.estates[ei];
                    (d.dist_m(), run.baseline.ok[ei][ci], d.within.len(), d.nearest.iter().map(|n| c.facility(n.source)).collect::<Vec<_>>())
                })
                .collect();
            (e.id.clone(), per_category)
        })
        .collect()
}

#[test]
fn every_estate_inside_an_area_keeps_its_whole_input_distances() {
    let loaded = load(&InputSpec { osm: Some("data/nanjing-xuanwu-2021.osm.pbf".into()), ..InputSpec::default() }).unwrap();
    let data = &loaded.dataset;
    let profile = &loaded.profile;
    let opts = CoverageOptions::default();
    let whole = run_coverage(data, profile, &opts).unwrap();
    let whole_d = distances(data, &whole);
    let facility_ids = |d: &Dataset, ids: &[u32]| ids.iter().map(|&i| d.facilities[i as usize].id.clone()).collect::<Vec<_>>();

    let extent = MultiPolygon(data.estates.iter().flat_map(|e| e.polygon.0.clone()).collect()).bounding_rect().unwrap();
    let mid = extent.center();
    let rules = effective_rules(profile, &opts).unwrap();
    let context = AreaContext::new(data, &rules, search_radius(profile, &opts).unwrap() + rules.max_snap_m);
    let mut checked = 0;
    for (x0, x1) in [(extent.min().x - 1.0, mid.x), (mid.x, extent.max().x + 1.0)] {
        for (y0, y1) in [(extent.min().y - 1.0, mid.y), (mid.y, extent.max().y + 1.0)] {
            let area = MultiPolygon(vec![Rect::new(Coord { x: x0, y: y0 }, Coord { x: x1, y: y1 }).to_polygon()]);
            let sub = subset_for_area(data, &area, &context);
            let run = run_coverage(&sub, profile, &opts).unwrap();
            for (id, per_category) in distances(&sub, &run) {
                let want = &whole_d[&id];
                for (ci, (got, expected)) in per_category.iter().zip(want).enumerate() {
                    let close = match (got.0, expected.0) {
                        (Some(a), Some(b)) => (a - b).abs() < 1e-6,
                        (None, None) => true,
                        _ => false,
                    };
                    assert!(close && got.1 == expected.1 && got.2 == expected.2, "estate {id}, category {ci}: area {got:?}, whole {expected:?}");
                    assert_eq!(facility_ids(&sub, &got.3), facility_ids(data, &expected.3), "estate {id}, category {ci}: nearest facilities");
                    checked += 1;
                }
            }
        }
    }
    assert_eq!(checked, data.estates.len() * profile.categories.len(), "every estate lies in exactly one quadrant");
}

/// Two compounds 10 m apart across a public alley; B's gate gB on its west wall is 2 m from B and 8 m from
/// A, so it is B's. The area holds A only. Whole input: A leaves by its own gate gA to the street and walks
/// up the alley to the kindergarten K: 10 + 55 + 95 = 160 m. Cut naively (B dropped before gates are
/// assigned), gB becomes A's and A reaches K in about 8 + 45 + 7: the 300 m verdict is the same but the
/// distance is not. With the whole input's decisions, A keeps 160 m.
///
/// ```text
///   y=100   ┌── A ──┐ alley ┌── B ──┐
///           │       │  K    │       │       (alley x = 105 from y = 0 to 100, K at (105, 95))
///           │       │  ·  gB│       │       (gB at (112, 50))
///   y=10    └──gA───┘  │    └───────┘
///   y=0   ─────────── street S ───────────
/// ```
#[test]
fn a_neighbour_left_out_keeps_its_gate() {
    use geo_types::{LineString, Point};
    use lifecircle::model::{Facility, FacilityGeometry, Gate, Way};
    use lifecircle::profile::Profile;
    use lifecircle::testing::{estate, rect};
    let way = |id: &str, pts: &[(f64, f64)], highway: &str| Way { id: id.into(), line: LineString::from(pts.to_vec()), tags: [("highway".to_string(), highway.to_string())].into() };
    let gate = |id: &str, x: f64, y: f64| Gate { id: id.into(), point: Point::new(x, y), kind: "gate".into(), access: None };
    let data = Dataset {
        estates: vec![
            lifecircle::model::Estate { population: 1000.0, ..estate("A", rect(0.0, 10.0, 100.0, 100.0)) },
            lifecircle::model::Estate { population: 800.0, ..estate("B", rect(110.0, 10.0, 200.0, 100.0)) },
        ],
        ways: vec![way("S", &[(-50.0, 0.0), (50.0, 0.0), (105.0, 0.0), (300.0, 0.0)], "residential"), way("alley", &[(105.0, 0.0), (105.0, 50.0), (105.0, 100.0)], "footway")],
        gates: vec![gate("gA", 50.0, 10.0), gate("gB", 112.0, 50.0)],
        facilities: vec![Facility { id: "K".into(), name: None, category: "kindergarten".into(), geometry: FacilityGeometry::Point(Point::new(105.0, 95.0)), capacity: None, matched_by: "test".into() }],
        ..Dataset::default()
    };
    let profile = Profile::default_profile();
    let opts = CoverageOptions::default();
    let k = profile.categories.iter().position(|c| c.key == "kindergarten").unwrap();
    let whole = distances(&data, &run_coverage(&data, &profile, &opts).unwrap());
    assert!((whole["A"][k].0.unwrap() - 160.0).abs() < 1e-9, "{:?}", whole["A"][k]);

    let area = MultiPolygon(vec![Rect::new(Coord { x: -60.0, y: -60.0 }, Coord { x: 104.0, y: 160.0 }).to_polygon()]);
    let rules = effective_rules(&profile, &opts).unwrap();
    let context = AreaContext::new(&data, &rules, search_radius(&profile, &opts).unwrap() + rules.max_snap_m);
    let sub = subset_for_area(&data, &area, &context);
    assert_eq!(sub.estates.len(), 1);
    assert_eq!(sub.gates.iter().map(|g| g.id.as_str()).collect::<Vec<_>>(), vec!["gA"], "B's gate is left out with B");
    let cut = distances(&sub, &run_coverage(&sub, &profile, &opts).unwrap());
    assert_eq!(cut["A"][k].0, whole["A"][k].0);

    let naive = naive_subset(&data, &area, 1500.0);
    let naive_d = distances(&naive, &run_coverage(&naive, &profile, &opts).unwrap());
    assert!(naive_d["A"][k].0.unwrap() < 100.0, "the naive cut gives A B's gate: {:?}", naive_d["A"][k]);
}

/// Estates inside the area, everything else by bounding box within `margin_m`: the cut `batch` made
/// before gates and compounds were decided on the whole input.
fn naive_subset(data: &Dataset, area: &MultiPolygon<f64>, margin_m: f64) -> Dataset {
    use geo::Intersects;
    let r = area.bounding_rect().unwrap();
    let reach = Rect::new(Coord { x: r.min().x - margin_m, y: r.min().y - margin_m }, Coord { x: r.max().x + margin_m, y: r.max().y + margin_m });
    let near = |b: Option<Rect<f64>>| b.is_some_and(|b| b.intersects(&reach));
    Dataset {
        estates: data.estates.iter().filter(|e| lifecircle::estates::population::representative_point(&e.polygon).is_some_and(|p| area.intersects(&p))).cloned().collect(),
        facilities: data.facilities.iter().filter(|f| near(match &f.geometry {
            lifecircle::model::FacilityGeometry::Point(p) => Some(p.bounding_rect()),
            lifecircle::model::FacilityGeometry::Area(a) => a.bounding_rect(),
        })).cloned().collect(),
        gates: data.gates.iter().filter(|g| near(Some(g.point.bounding_rect()))).cloned().collect(),
        ways: data.ways.iter().filter(|w| near(w.line.bounding_rect())).cloned().collect(),
        ..Dataset::default()
    }
}
