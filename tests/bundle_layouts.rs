//! Hand-built districts with a known answer: the unique feasible 2×3 grid, a railway between two
//! estates, a community boundary between two estates, and the output layers of a run.

use geo_types::{Geometry, LineString, MultiPolygon, coord, polygon};
use lifecircle::bundle::layers::bundle_layers;
use lifecircle::bundle::partition::LeftOut;
use lifecircle::bundle::{BundleOptions, run_bundles};
use lifecircle::crs::WorkingCrs;
use lifecircle::model::{Barrier, Boundary, BoundaryLevel, Dataset, Estate, PopulationSource, SurveyAttributes};
use lifecircle::testing::{estate, square};
use lifecircle::write::layer::Value;

const X0: f64 = 668_000.0;
const Y0: f64 = 3_546_000.0;

/// An eligible, surveyed estate: a 100 m square whose lower-left corner is (x, y) metres from the origin.
fn surveyed_estate(id: &str, x: f64, y: f64, population: f64, built_year: i32) -> Estate {
    Estate {
        population,
        households: (population / 2.62).round(),
        population_source: PopulationSource::Survey,
        floor_area_m2: population * 33.0,
        n_buildings: 6,
        built_year: Some(built_year),
        survey: SurveyAttributes {
            consent_share: Some(0.8),
            previously_funded: Some(false),
            to_be_demolished: Some(false),
            estate_type: Some("普通住宅".into()),
            ..SurveyAttributes::default()
        },
        ..estate(id, square(X0 + x, Y0 + y, 100.0))
    }
}

fn ids(run: &lifecircle::bundle::BundleRun) -> Vec<Vec<String>> {
    run.bundles.iter().map(|b| b.estate_ids.clone()).collect()
}

#[test]
fn two_by_three_grid_has_one_best_answer() {
    // Cells 110 m apart (10 m lanes), populations
    //     a 4000   b  500   c 4000
    //     d 1000   e 4500   f 1000
    // with bounds 5,000-5,500. Two of a, c, e together break 5,500, so they head three bundles, which the
    // small estates (2,500 in all) must top up by exactly 1,000, 1,000 and 500; a touches only b (500) and
    // d (1,000) and takes d; c takes f; e takes b. Diagonal cells are 14.1 m apart corner to corner, so
    // they are adjacent too (a-e, b-d, b-f, c-e): still a must take d (a+b = 4,500 < 5,000, a+e breaks
    // the ceiling), and the answer is unique: {a,d} {b,e} {c,f}, all 15,000 residents.
    let data = Dataset {
        estates: vec![
            surveyed_estate("a", 0.0, 110.0, 4000.0, 1990),
            surveyed_estate("b", 110.0, 110.0, 500.0, 1990),
            surveyed_estate("c", 220.0, 110.0, 4000.0, 1990),
            surveyed_estate("d", 0.0, 0.0, 1000.0, 1990),
            surveyed_estate("e", 110.0, 0.0, 4500.0, 1990),
            surveyed_estate("f", 220.0, 0.0, 1000.0, 1990),
        ],
        ..Dataset::default()
    };
    for seed in 0..10 {
        let opts = BundleOptions { min_pop: 5000.0, max_pop: 5500.0, seed, ..BundleOptions::default() };
        let run = run_bundles(&data, &opts, None).unwrap();
        assert_eq!(ids(&run), vec![vec!["a", "d"], vec!["b", "e"], vec!["c", "f"]], "seed {seed}");
        assert_eq!(run.bundled_population(), 15_000.0);
    }
}

#[test]
fn railway_between_two_estates_keeps_them_apart() {
    // Two estates 20 m apart with 3,000 residents each: one bundle of 6,000 ...
    let mut data = Dataset { estates: vec![surveyed_estate("west", 0.0, 0.0, 3000.0, 1985), surveyed_estate("east", 120.0, 0.0, 3000.0, 1985)], ..Dataset::default() };
    let run = run_bundles(&data, &BundleOptions::default(), None).unwrap();
    assert_eq!(ids(&run), vec![vec!["west", "east"]]);
    // ... until a railway runs through the gap: not adjacent, each alone below the floor.
    data.barriers.push(Barrier {
        id: "w100".into(),
        class: "rail".into(),
        geometry: Geometry::LineString(LineString(vec![coord! {x: X0 + 110.0, y: Y0 - 1000.0}, coord! {x: X0 + 110.0, y: Y0 + 1000.0}])),
    });
    let run = run_bundles(&data, &BundleOptions::default(), None).unwrap();
    assert!(run.bundles.is_empty());
    assert_eq!(run.pairs.len(), 1);
    assert_eq!(run.pairs[0].blocked_by.as_deref(), Some("w100"));
    assert_eq!(run.estates[0].left_out, Some(LeftOut::Isolated));
    assert_eq!(run.estates[0].left_out_reason.as_deref(), Some("isolated: no adjacent candidate estate"));
    // A secondary road there does not separate them (barrier_roads = primary) ...
    data.barriers[0].class = "secondary".into();
    assert_eq!(run_bundles(&data, &BundleOptions::default(), None).unwrap().bundles.len(), 1);
    // ... unless secondary roads are barriers too.
    let opts = BundleOptions { barrier_roads: "secondary".parse().unwrap(), ..BundleOptions::default() };
    assert!(run_bundles(&data, &opts, None).unwrap().bundles.is_empty());
}

#[test]
fn community_boundary_splits_a_row_into_two_bundles() {
    // A row of four estates 10 m apart, 3,000 each. Without boundaries all 12,000 residents fit one
    // bundle, but two bundles {w1,w2} {e1,e2} of 6,000 are more compact (2:1 instead of 4:1 strips).
    // With a community line between w1 and w2, w1 is alone in C1 (3,000, below the floor) and the
    // other three, 9,000 in C2, can only be one bundle (two would need 10,000).
    let estates = vec![surveyed_estate("w1", 0.0, 0.0, 3000.0, 1990), surveyed_estate("w2", 110.0, 0.0, 3000.0, 1990), surveyed_estate("e1", 220.0, 0.0, 3000.0, 1992), surveyed_estate("e2", 330.0, 0.0, 3000.0, 1992)];
    let community = |id: &str, x0: f64, x1: f64| Boundary {
        id: id.into(),
        name: Some(format!("{id}社区")),
        level: BoundaryLevel::Community,
        polygon: MultiPolygon(vec![polygon![(x: X0 + x0, y: Y0 - 500.0), (x: X0 + x1, y: Y0 - 500.0), (x: X0 + x1, y: Y0 + 500.0), (x: X0 + x0, y: Y0 + 500.0)]]),
    };
    let data = Dataset { estates: estates.clone(), boundaries: vec![community("C1", -500.0, 105.0), community("C2", 105.0, 1000.0)], ..Dataset::default() };
    let run = run_bundles(&data, &BundleOptions::default(), None).unwrap();
    assert_eq!(ids(&run), vec![vec!["w2", "e1", "e2"]]);
    assert_eq!(run.bundles[0].group, "C2");
    assert_eq!(run.estates[0].group, "C1");
    assert_eq!(run.estates[0].left_out, Some(LeftOut::Isolated));
    assert_eq!((run.bundles[0].built_year_min, run.bundles[0].built_year_max), (Some(1990), Some(1992)));
    // Without the boundaries: every estate bundled.
    let run = run_bundles(&Dataset { estates, ..Dataset::default() }, &BundleOptions::default(), None).unwrap();
    assert_eq!(ids(&run), vec![vec!["w1", "w2"], vec!["e1", "e2"]]);
    assert_eq!(run.bundles[0].group, "outside");
}

#[test]
fn larger_component_is_split_within_the_ceiling() {
    // A 4×3 block of estates of 1,500 (18,000 residents) touching edge to edge: more than the 12,000
    // ceiling, so at least two bundles; with 5,000-12,000 and 1,500 per estate, bundles hold 4 to 8
    // estates, and all 12 estates can be bundled (e.g. 6 + 6).
    let mut estates = Vec::new();
    for j in 0..3 {
        for i in 0..4 {
            estates.push(surveyed_estate(&format!("e{i}{j}"), i as f64 * 100.0, j as f64 * 100.0, 1500.0, 1980 + i));
        }
    }
    let data = Dataset { estates, ..Dataset::default() };
    let run = run_bundles(&data, &BundleOptions::default(), None).unwrap();
    assert_eq!(run.bundled_population(), 18_000.0);
    assert!(run.bundles.len() >= 2);
    for b in &run.bundles {
        assert!((5000.0..=12000.0).contains(&b.population));
        // Touching squares dissolve to one part each.
        assert_eq!(b.outline.0.len(), 1, "{}", b.id);
    }
}

#[test]
fn layers_and_estate_fields_of_a_run() {
    let data = Dataset { estates: vec![surveyed_estate("a", 0.0, 0.0, 3000.0, 1990), surveyed_estate("b", 100.0, 0.0, 2500.0, 1996), surveyed_estate("c", 900.0, 0.0, 800.0, 2003)], ..Dataset::default() };
    let failing = [("a".to_string(), vec!["nursery".to_string()]), ("b".to_string(), vec!["nursery".to_string(), "kindergarten".to_string()])].into_iter().collect();
    let run = run_bundles(&data, &BundleOptions::default(), Some(&failing)).unwrap();
    let layers = bundle_layers(&run, WorkingCrs { epsg: 32650 }).unwrap();
    let row = &layers.bundles.features[0];
    let field = |name: &str| row.values[layers.bundles.field_index(name).unwrap()].clone();
    assert_eq!(field("estate_ids"), Value::TextList(vec!["a".into(), "b".into()]));
    // Nursery fails for all 5,500 residents; kindergarten for 2,500 of 5,500.
    assert_eq!(field("gaps"), Value::TextList(vec!["nursery".into()]));
    // Two touching squares: a 200 × 100 rectangle, 20,000 m², circle radius √(100² + 50²).
    assert_eq!(field("area_m2"), Value::Real(20_000.0));
    assert_eq!(field("compactness"), Value::Real(((20_000.0 / (std::f64::consts::PI * 12_500.0)) * 1e4f64).round() / 1e4));
    let Some(Geometry::MultiPolygon(outline)) = &row.geometry else { panic!("{:?}", row.geometry) };
    assert_eq!(outline.0.len(), 1);
    // Estate c: built 2003, ineligible.
    let estate_row = &layers.estate_bundles.features[2].values;
    assert_eq!(estate_row[0], Value::Text("c".into()));
    assert_eq!(estate_row[1], Value::Null);
    assert_eq!(estate_row[2], Value::Text("no".into()));
    assert_eq!(estate_row[3], Value::Text("built 2003, not before 2001".into()));
    assert_eq!(estate_row[5], Value::Text("ineligible: built 2003, not before 2001".into()));
    // The pair a-b touches (gap 0); c is 700 m away: one adjacency line.
    assert_eq!(layers.adjacency.features.len(), 1);
    assert_eq!(layers.adjacency.features[0].values[2], Value::Real(0.0));
}
