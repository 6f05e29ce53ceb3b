//! Coverage results as output layers: every row matches its fields, geometry is WGS84 lon/lat (through
//! real PROJ), and the values agree with the run they come from.

use lifecircle::coverage::layers::coverage_layers;
use lifecircle::coverage::scenario::Scenario;
use lifecircle::testing::synthetic_city::{GridCityParams, grid_city};
use lifecircle::coverage::{CoverageOptions, ServiceAreaOutput, run_coverage};
use lifecircle::crs::WorkingCrs;
use geo::Contains;
use lifecircle::write::layer::{FieldType, GeometryKind, Value};
use lifecircle::model::{Facility, FacilityGeometry};
use lifecircle::profile::Profile;

#[test]
fn layers_from_a_small_synthetic_city() {
    let mut profile = Profile::default_profile();
    profile.categories.retain(|c| ["kindergarten", "elderly_care", "park"].contains(&c.key.as_str()));
    let data = grid_city(&GridCityParams { columns: 15, rows: 12, estates: 40, facilities: 30, ..GridCityParams::default() }, &["kindergarten", "elderly_care", "park"]);
    let opts = CoverageOptions { scenario: Some(Scenario { open_compounds: true, ..Scenario::default() }), ..CoverageOptions::default() };
    let run = run_coverage(&data, &profile, &opts).unwrap();
    let layers = coverage_layers(&run, &data, &profile, WorkingCrs { epsg: 32650 }).unwrap();

    for layer in layers.clone().into_vec() {
        for f in &layer.features {
            assert_eq!(f.values.len(), layer.fields.len(), "layer {}", layer.name);
            // UTM 50N around 500 km E, 3,500 km N is about 117° E, 31.6° N.
            use geo::BoundingRect;
            let Some(g) = f.geometry.as_ref() else {
                // Only the main network component's row has no geometry (it is the `network` layer).
                assert_eq!((layer.name.as_str(), f.values.last()), ("network_islands", Some(&Value::Bool(true))));
                continue;
            };
            let r = g.bounding_rect().unwrap();
            assert!(r.min().x > 116.9 && r.max().x < 118.0 && r.min().y > 31.5 && r.max().y < 32.0, "layer {}: {r:?}", layer.name);
        }
    }
    let estates = &layers.analysis.estates;
    assert_eq!(estates.features.len(), 40);
    let names: Vec<&str> = estates.fields.iter().map(|f| f.name.as_str()).collect();
    for want in ["estate_id", "dist_kindergarten", "ok_kindergarten", "n_kindergarten", "nearest_kindergarten", "access_kindergarten", "delta_park", "score"] {
        assert!(names.contains(&want), "{want} missing from {names:?}");
    }
    assert_eq!(estates.fields[estates.field_index("nearest_park").unwrap()].ty, FieldType::TextList);
    // Values agree with the run.
    let k = run.baseline.categories.iter().position(|c| c.key == "kindergarten").unwrap();
    let (dist_i, ok_i, n_i, near_i) = (
        estates.field_index("dist_kindergarten").unwrap(),
        estates.field_index("ok_kindergarten").unwrap(),
        estates.field_index("n_kindergarten").unwrap(),
        estates.field_index("nearest_kindergarten").unwrap(),
    );
    for (e, f) in estates.features.iter().enumerate() {
        let d = &run.baseline.categories[k].estates[e];
        match (&f.values[dist_i], d.dist_m()) {
            (Value::Real(v), Some(want)) => assert_eq!(*v, want),
            (Value::Null, None) => {}
            other => panic!("estate {e}: {other:?}"),
        }
        assert_eq!(f.values[ok_i], Value::Bool(run.baseline.ok[e][k]));
        assert_eq!(f.values[n_i], Value::Int(d.within.len() as i64));
        match &f.values[near_i] {
            Value::TextList(ids) => assert_eq!(ids.len(), d.nearest.len()),
            other => panic!("{other:?}"),
        }
    }
    // Facilities: every reachable one as a point; those mapped as areas also in facility_footprints, in the
    // same order, each point inside its own footprint (the synthetic city maps a fifth as 30 m squares).
    let reachable: Vec<&Facility> =
        data.facilities.iter().zip(&run.baseline.facility_access).filter(|(_, a)| a.as_ref().is_some_and(|a| !a.points.is_empty())).map(|(f, _)| f).collect();
    assert_eq!(layers.analysis.facilities.features.len(), reachable.len());
    assert_eq!(layers.analysis.facilities.geometry, GeometryKind::Point);
    assert_eq!(layers.analysis.facility_footprints.geometry, GeometryKind::Polygon);
    let mapped_as = layers.analysis.facilities.field_index("mapped_as").unwrap();
    let areas: Vec<&str> = reachable.iter().filter(|f| matches!(f.geometry, FacilityGeometry::Area(_))).map(|f| f.id.as_str()).collect();
    assert!(!areas.is_empty() && areas.len() < reachable.len(), "{} areas of {}", areas.len(), reachable.len());
    let footprint_ids: Vec<String> = layers.analysis.facility_footprints.features.iter().map(|f| if let Value::Text(id) = &f.values[0] { id.clone() } else { panic!("{:?}", f.values[0]) }).collect();
    assert_eq!(footprint_ids, areas);
    let footprint_of: std::collections::BTreeMap<&str, &geo_types::Geometry<f64>> =
        footprint_ids.iter().map(String::as_str).zip(layers.analysis.facility_footprints.features.iter().map(|f| f.geometry.as_ref().unwrap())).collect();
    for (f, row) in reachable.iter().zip(&layers.analysis.facilities.features) {
        assert_eq!(row.values[0], Value::Text(f.id.clone()));
        let Some(geo_types::Geometry::Point(p)) = &row.geometry else { panic!("facility {} is not a point: {:?}", f.id, row.geometry) };
        match &f.geometry {
            FacilityGeometry::Point(_) => assert_eq!(row.values[mapped_as], Value::from("point")),
            FacilityGeometry::Area(_) => {
                assert_eq!(row.values[mapped_as], Value::from("area"));
                assert!(footprint_of[f.id.as_str()].contains(p), "facility {}: its point {p:?} lies outside its footprint", f.id);
            }
        }
    }
    // Service areas: one polygon per category in service_areas, the lines they buffer in service_lines, each
    // layer of one geometry type.
    assert_eq!((layers.analysis.service_areas.geometry, layers.analysis.service_areas.features.len()), (GeometryKind::Polygon, 3));
    assert_eq!((layers.analysis.service_lines.geometry, layers.analysis.service_lines.features.len()), (GeometryKind::Line, 3));
    assert!(layers.analysis.service_areas.features.iter().all(|f| matches!(f.geometry, Some(geo_types::Geometry::MultiPolygon(_)))));
    assert!(layers.analysis.service_lines.features.iter().all(|f| matches!(f.geometry, Some(geo_types::Geometry::MultiLineString(_)))));
    let category = |l: &lifecircle::write::layer::Layer| l.features.iter().map(|f| f.values[0].clone()).collect::<Vec<_>>();
    assert_eq!(category(&layers.analysis.service_areas), vec![Value::from("kindergarten"), Value::from("elderly_care"), Value::from("park")]);
    assert_eq!(category(&layers.analysis.service_areas), category(&layers.analysis.service_lines));
    // Network: the opened network (scenario) has compound edges; islands cover every edge.
    let access_i = layers.network.field_index("access").unwrap();
    assert!(layers.network.features.iter().any(|f| f.values[access_i] == Value::Text("compound".into())));
    let edges_i = layers.network_islands.field_index("edge_count").unwrap();
    let island_edges: i64 = layers.network_islands.features.iter().map(|f| if let Value::Int(n) = f.values[edges_i] { n } else { 0 }).sum();
    assert_eq!(island_edges as usize, run.network.graph.edges.len());
    assert!(!layers.analysis.access_points.features.is_empty());
}

/// `--service-areas lines` and `none`: both service-area layers are still written (as every layer is),
/// `service_areas` empty but declared polygon, `service_lines` with one row per category or empty.
#[test]
fn service_area_layers_follow_the_option_and_are_always_there() {
    let mut profile = Profile::default_profile();
    profile.categories.retain(|c| ["kindergarten", "park"].contains(&c.key.as_str()));
    let data = grid_city(&GridCityParams { columns: 8, rows: 8, estates: 10, facilities: 20, ..GridCityParams::default() }, &["kindergarten", "park"]);
    for (option, lines) in [(ServiceAreaOutput::Lines, 2), (ServiceAreaOutput::None, 0)] {
        let run = run_coverage(&data, &profile, &CoverageOptions { service_areas: option, ..CoverageOptions::default() }).unwrap();
        let layers = coverage_layers(&run, &data, &profile, WorkingCrs { epsg: 32650 }).unwrap();
        assert_eq!((layers.analysis.service_areas.geometry, layers.analysis.service_areas.features.len()), (GeometryKind::Polygon, 0), "{option:?}");
        assert_eq!((layers.analysis.service_lines.geometry, layers.analysis.service_lines.features.len()), (GeometryKind::Line, lines), "{option:?}");
        let names: Vec<String> = layers.into_vec().into_iter().map(|l| l.name).collect();
        assert_eq!(names, ["estates", "facilities", "facility_footprints", "access_points", "service_areas", "service_lines", "network", "network_islands"]);
    }
}

#[test]
fn the_network_layer_made_in_parts_is_the_whole_layer() {
    // `plan` makes the network layer a part at a time (never holding a city's millions of edges): the
    // parts, in order, must be the layer made whole, whatever the part size.
    use lifecircle::coverage::layers::{network_layer_part, network_layers, shown_network};
    use lifecircle::write::wgs84::to_wgs84_here;
    let profile = Profile::default_profile();
    let data = grid_city(&GridCityParams { columns: 9, rows: 7, estates: 10, facilities: 10, ..GridCityParams::default() }, &["kindergarten"]);
    let run = run_coverage(&data, &profile, &CoverageOptions::default()).unwrap();
    let crs = WorkingCrs { epsg: 32650 };
    let (whole, _) = network_layers(&run, &data, crs).unwrap();
    let edges = shown_network(&run).graph.edges.len();
    assert_eq!(whole.features.len(), edges);
    assert!(edges > 40, "{edges} edges");
    for part_edges in [1, 7, 40, edges, edges + 5] {
        let mut joined = Vec::new();
        for start in (0..edges).step_by(part_edges) {
            let part = network_layer_part(shown_network(&run), &data, crs, to_wgs84_here, start..(start + part_edges).min(edges)).unwrap();
            assert_eq!((&part.name, &part.fields), (&whole.name, &whole.fields));
            joined.extend(part.features);
        }
        assert_eq!(joined, whole.features, "parts of {part_edges} edges");
    }
}
