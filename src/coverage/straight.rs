//! Estimated distances without a walking network (`--distance straight --detour F`): the straight-line
//! distance from an estate's access to a facility, times a detour factor F (the ratio of walked to
//! straight distance; the profile's `walk.straight_line_detour`, 1.3 by default).
//!
//! The estate's access is its open gates (the `--gates` layer, assigned to estates as for the network)
//! when it has any, else its boundary: a facility inside the estate is at 0 m. The facility is its point,
//! or its boundary when mapped as an area (0 m when the access lies inside it). Only for inputs that have
//! no walking network at all: every output says the distances are estimated ([`method_label`]); with a
//! network the walking distance along it is always the default.
//!
//! ```
//! use lifecircle::coverage::straight::{method_label, straight_distance_m, EstateAccessShape};
//! use lifecircle::model::FacilityGeometry;
//! use geo_types::{point, polygon, MultiPolygon};
//! // A 100 m square estate at the origin; a kindergarten 300 m east of its east side: 300 × 1.3 = 390 m.
//! let estate = MultiPolygon(vec![polygon![(x: 0., y: 0.), (x: 100., y: 0.), (x: 100., y: 100.), (x: 0., y: 100.), (x: 0., y: 0.)]]);
//! let k = FacilityGeometry::Point(point! { x: 400., y: 50. });
//! assert!((straight_distance_m(&EstateAccessShape::Boundary(&estate), &k, 1.3) - 390.0).abs() < 1e-9);
//! assert_eq!(method_label(Some(1.3)), "straight_line_x1.3");
//! ```

use super::distances::{EstateDistances, NEAREST_COUNT, SourceDistance};
use crate::model::{Dataset, FacilityGeometry};
use crate::network::access::{GateAssignment, gate_is_closed};
use crate::profile::WalkRules;
use geo::{Distance, Euclidean, Intersects};
use geo_types::{MultiPolygon, Point};

/// The distance method written in every output: `walking_network`, or `straight_line_xF`.
pub fn method_label(detour: Option<f64>) -> String {
    match detour {
        None => "walking_network".to_string(),
        Some(f) => format!("straight_line_x{f}"),
    }
}

/// A `distance_method` text ([`method_label`]) in the catalogue's words, as the report's run table says it:
/// `walking_network` → 沿步行路网的步行距离, `straight_line_x1.3` → 估算值：直线距离 × 1.3，没有步行路网;
/// other text stays as it is.
pub fn method_text_in(text: &str, catalogue: &crate::lang::Catalogue) -> String {
    if text == method_label(None) {
        return catalogue.tr("report.distance_network").to_string();
    }
    match text.strip_prefix("straight_line_x") {
        Some(detour) if detour.parse::<f64>().is_ok() => catalogue.tr_with("report.distance_straight", &[("detour", &detour)]),
        _ => text.to_string(),
    }
}

/// What straight distances are measured from.
pub enum EstateAccessShape<'a> {
    /// The estate's open gates.
    Gates(Vec<Point<f64>>),
    /// The estate's boundary (0 inside).
    Boundary(&'a MultiPolygon<f64>),
}

/// Straight distance × `detour` from an estate's access to a facility (module doc).
pub fn straight_distance_m(access: &EstateAccessShape, facility: &FacilityGeometry, detour: f64) -> f64 {
    let d = match (access, facility) {
        (EstateAccessShape::Boundary(estate), FacilityGeometry::Point(p)) => {
            if estate.intersects(p) {
                0.0
            } else {
                Euclidean.distance(*estate, p)
            }
        }
        (EstateAccessShape::Boundary(estate), FacilityGeometry::Area(area)) => {
            if estate.intersects(area) {
                0.0
            } else {
                Euclidean.distance(*estate, area)
            }
        }
        (EstateAccessShape::Gates(gates), facility) => gates
            .iter()
            .map(|g| match facility {
                FacilityGeometry::Point(p) => Euclidean.distance(g, p),
                FacilityGeometry::Area(area) => {
                    if area.intersects(g) {
                        0.0
                    } else {
                        Euclidean.distance(g, area)
                    }
                }
            })
            .fold(f64::INFINITY, f64::min),
    };
    d * detour
}

/// The access shape of estate `ei`: its open gates, else its boundary.
pub fn estate_access_shape<'a>(data: &'a Dataset, gates: &GateAssignment, rules: &WalkRules, ei: usize) -> EstateAccessShape<'a> {
    let open: Vec<Point<f64>> = gates
        .gates_of_estate
        .get(ei)
        .map(|gs| gs.iter().map(|&g| &data.gates[g as usize]).filter(|g| !gate_is_closed(g, rules)).map(|g| g.point).collect())
        .unwrap_or_default();
    if open.is_empty() { EstateAccessShape::Boundary(&data.estates[ei].polygon) } else { EstateAccessShape::Gates(open) }
}

/// One category's distances per estate: `members` are the category's facilities (source ranks in order).
pub fn category_straight_distances(shapes: &[EstateAccessShape], data: &Dataset, members: &[u32], detour: f64, threshold_m: f64, radius_m: f64) -> Vec<EstateDistances> {
    shapes
        .iter()
        .map(|shape| {
            let mut all: Vec<SourceDistance> = members
                .iter()
                .enumerate()
                .map(|(rank, &fi)| SourceDistance { source: rank as u32, dist_m: straight_distance_m(shape, &data.facilities[fi as usize].geometry, detour), route: None })
                .filter(|s| s.dist_m <= radius_m)
                .collect();
            all.sort_by(|a, b| a.dist_m.total_cmp(&b.dist_m).then(a.source.cmp(&b.source)));
            EstateDistances { nearest: all.iter().take(NEAREST_COUNT).copied().collect(), within: all.iter().filter(|s| s.dist_m <= threshold_m).copied().collect() }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coverage::{CoverageOptions, DistanceMethod, run_coverage};
    use crate::model::{Estate, EstateSource, Facility, Gate, PopulationSource, SurveyAttributes};
    use crate::profile::Profile;
    use geo_types::{point, polygon};

    fn square(x0: f64, y0: f64, side: f64) -> MultiPolygon<f64> {
        MultiPolygon(vec![polygon![(x: x0, y: y0), (x: x0 + side, y: y0), (x: x0 + side, y: y0 + side), (x: x0, y: y0 + side), (x: x0, y: y0)]])
    }

    fn facility(id: &str, category: &str, geometry: FacilityGeometry) -> Facility {
        Facility { id: id.into(), name: None, category: category.into(), geometry, capacity: None, matched_by: "layer".into() }
    }

    /// One 100 m square estate at the origin (metres of a working CRS); a kindergarten 300 m east of its
    /// east side, a park (a 100 m square) 50 m east of it, a convenience store inside it.
    fn district(gates: Vec<Gate>) -> Dataset {
        Dataset {
            estates: vec![Estate {
                id: "e1".into(),
                name: None,
                polygon: square(0.0, 0.0, 100.0),
                source: EstateSource::Layer,
                population: 1000.0,
                households: 400.0,
                population_source: PopulationSource::Layer,
                floor_area_m2: 0.0,
                n_buildings: 0,
                built_year: None,
                survey: SurveyAttributes::default(),
                notes: Default::default(),
            }],
            facilities: vec![
                facility("k1", "kindergarten", FacilityGeometry::Point(point! { x: 400.0, y: 50.0 })),
                facility("p1", "park", FacilityGeometry::Area(square(150.0, 0.0, 100.0))),
                facility("c1", "convenience", FacilityGeometry::Point(point! { x: 50.0, y: 50.0 })),
            ],
            gates,
            ..Dataset::default()
        }
    }

    /// (category, distance, covered) per category with facilities.
    type Rows = Vec<(String, Option<f64>, bool)>;

    fn distances(data: &Dataset, detour: Option<f64>) -> (Rows, String, String) {
        let profile = Profile::default_profile();
        let opts = CoverageOptions { distance: DistanceMethod::StraightLine { detour }, ..CoverageOptions::default() };
        let run = run_coverage(data, &profile, &opts).unwrap();
        let rows = run.baseline.categories.iter().enumerate().filter(|(_, c)| !c.facilities.is_empty()).map(|(ci, c)| (c.key.clone(), c.estates[0].dist_m(), run.baseline.ok[0][ci])).collect();
        (rows, run.distance_method(), run.summary.distance_method.clone())
    }

    #[test]
    fn boundary_distances_by_hand() {
        // Boundary (no gates): kindergarten 300 m × 1.3 = 390 m (> 300 m: not covered); park 50 m × 1.3 =
        // 65 m (≤ 500 m); the store inside the estate: 0 m.
        let (rows, label, summary_label) = distances(&district(vec![]), None);
        let get = |k: &str| rows.iter().find(|r| r.0 == k).map(|r| (r.1, r.2));
        assert_eq!(get("kindergarten").map(|(d, ok)| ((d.unwrap() - 390.0).abs() < 1e-9, ok)), Some((true, false)));
        assert_eq!(get("park").map(|(d, ok)| ((d.unwrap() - 65.0).abs() < 1e-9, ok)), Some((true, true)));
        assert_eq!(get("convenience"), Some((Some(0.0), true)));
        assert_eq!((label.as_str(), summary_label.as_str()), ("straight_line_x1.3", "straight_line_x1.3"));
    }

    #[test]
    fn gates_replace_the_boundary_and_the_detour_is_the_planners() {
        // One open gate on the west side (0, 50) and a closed one on the east side: from the gate, the
        // kindergarten is 400 m, the park 150 m, the store 50 m; × 1.2.
        let gate = |id: &str, x: f64, access: Option<&str>| Gate { id: id.into(), point: point! { x: x, y: 50.0 }, kind: "gate".into(), access: access.map(str::to_string) };
        let (rows, label, _) = distances(&district(vec![gate("w", 0.0, None), gate("e", 100.0, Some("no"))]), Some(1.2));
        let d = |k: &str| rows.iter().find(|r| r.0 == k).and_then(|r| r.1).unwrap();
        assert!((d("kindergarten") - 480.0).abs() < 1e-9 && (d("park") - 180.0).abs() < 1e-9 && (d("convenience") - 60.0).abs() < 1e-9, "{rows:?}");
        assert_eq!(label, "straight_line_x1.2");
        let (zh, en) = (crate::lang::Catalogue::of(crate::lang::Lang::Zh), crate::lang::Catalogue::of(crate::lang::Lang::En));
        assert_eq!(method_text_in(&label, zh), "估算值：直线距离 × 1.2，没有步行路网");
        assert_eq!(method_text_in(&label, en), "estimated, no walking network: straight line × 1.2");
        assert_eq!(method_text_in(&method_label(None), zh), "沿步行路网的步行距离");
        assert_eq!(method_text_in("straight_line_xfast", zh), "straight_line_xfast");
    }

    #[test]
    fn without_a_network_the_default_is_an_error_and_a_detour_below_1_is_refused() {
        let profile = Profile::default_profile();
        let e = run_coverage(&district(vec![]), &profile, &CoverageOptions::default()).err().unwrap().to_string();
        assert!(e.contains("no walking network") && e.contains("--distance straight"), "{e}");
        let opts = CoverageOptions { distance: DistanceMethod::StraightLine { detour: Some(0.8) }, ..CoverageOptions::default() };
        assert!(run_coverage(&district(vec![]), &profile, &opts).is_err());
    }
}
