//! Bundle results as output layers ([`crate::write::layer::Layer`]), geometry converted from the working
//! CRS to WGS84 lon/lat (RFC 7946) through [`crate::write::wgs84`]:
//!
//! * `bundles`: one polygon per bundle (the dissolved estates) with `bundle_id`, `group`, `estate_ids`,
//!   `n_estates`, `population`, `households`, `floor_area_m2`, `n_buildings`, `area_m2`, `compactness`, `built_year_min`,
//!   `built_year_max`, `n_needs_survey`, `gaps` (null when no coverage result was given);
//! * `bundles_table`: the same fields without geometry, for `bundles.csv`;
//! * `adjacency`: one line per pair of estates within the gap, from label point to label point, with
//!   `estate_a`, `estate_b`, `gap_m`, `adjacent` and `blocked_by` (the barrier that cuts the pair);
//! * `estate_bundles`: per estate `estate_id` and the [`ESTATE_FIELDS`], for `estates.csv`; the lead
//!   merges the same fields into the estates layer with [`EstateBundleResult::values`].
//!
//! Figures are rounded for readers: areas to 0.1 m², gaps to 0.01 m, compactness to 4 decimals.
//!
//! ```
//! use lifecircle::bundle::layers::ESTATE_FIELDS;
//! assert_eq!(ESTATE_FIELDS.map(|(name, _)| name), ["bundle_id", "eligible", "eligibility_reason", "bundle_group", "left_out_reason"]);
//! ```

use super::{BundleRun, EstateBundleResult};
use crate::crs::WorkingCrs;
use crate::write::wgs84::to_wgs84_all;
use crate::error::Result;
use crate::write::layer::{FieldType, GeometryKind, Layer, Value};
use geo_types::{Geometry, LineString};

/// The fields a bundle run adds to the estates layer, in order.
pub const ESTATE_FIELDS: [(&str, FieldType); 5] = [
    ("bundle_id", FieldType::Text),
    ("eligible", FieldType::Text),
    ("eligibility_reason", FieldType::Text),
    ("bundle_group", FieldType::Text),
    ("left_out_reason", FieldType::Text),
];

const BUNDLE_FIELDS: [(&str, FieldType); 15] = [
    ("bundle_id", FieldType::Text),
    ("group", FieldType::Text),
    ("estate_ids", FieldType::TextList),
    ("n_estates", FieldType::Int),
    ("population", FieldType::Real),
    ("households", FieldType::Real),
    ("floor_area_m2", FieldType::Real),
    ("n_buildings", FieldType::Int),
    ("area_m2", FieldType::Real),
    ("compactness", FieldType::Real),
    ("built_year_min", FieldType::Int),
    ("built_year_max", FieldType::Int),
    ("n_needs_survey", FieldType::Int),
    ("gaps", FieldType::TextList),
    ("n_unknown_population", FieldType::Int),
];

const ADJACENCY_FIELDS: [(&str, FieldType); 5] =
    [("estate_a", FieldType::Text), ("estate_b", FieldType::Text), ("gap_m", FieldType::Real), ("adjacent", FieldType::Bool), ("blocked_by", FieldType::Text)];

/// `v` rounded to `decimals` places (the nearest double to the decimal, as a literal would be).
fn round_to(v: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (v * scale).round() / scale
}

impl EstateBundleResult {
    /// The values of [`ESTATE_FIELDS`] for this estate.
    pub fn values(&self) -> Vec<Value> {
        vec![
            self.bundle_id.clone().into(),
            self.eligible.as_str().into(),
            self.eligibility_reason.clone().into(),
            self.group.clone().into(),
            self.left_out_reason.clone().into(),
        ]
    }
}

/// The layers of a bundle run.
#[derive(Debug, Clone, PartialEq)]
pub struct BundleLayers {
    pub bundles: Layer,
    pub bundles_table: Layer,
    pub adjacency: Layer,
    pub estate_bundles: Layer,
}

/// Build the output layers, converting geometry to WGS84.
pub fn bundle_layers(run: &BundleRun, crs: WorkingCrs) -> Result<BundleLayers> {
    let outlines = to_wgs84_all(crs, "bundles", run.bundles.iter().map(|b| Some(Geometry::MultiPolygon(b.outline.clone()))).collect())?;
    let lines = to_wgs84_all(crs, "adjacency", run.pairs.iter().map(|p| Some(Geometry::LineString(LineString(vec![p.label_line.start, p.label_line.end])))).collect())?;
    let mut bundles = Layer::new("bundles", GeometryKind::Polygon, &BUNDLE_FIELDS);
    let mut bundles_table = Layer::new("bundles_table", GeometryKind::None, &BUNDLE_FIELDS);
    for (b, outline) in run.bundles.iter().zip(outlines) {
        let values: Vec<Value> = vec![
            b.id.clone().into(),
            b.group.clone().into(),
            b.estate_ids.clone().into(),
            b.estate_ids.len().into(),
            b.population.into(),
            b.households.into(),
            round_to(b.floor_area_m2, 1).into(),
            b.n_buildings.into(),
            round_to(b.area_m2, 1).into(),
            round_to(b.compactness, 4).into(),
            b.built_year_min.map(i64::from).into(),
            b.built_year_max.map(i64::from).into(),
            b.n_needs_survey.into(),
            b.gaps.clone().into(),
            b.n_unknown_population.into(),
        ];
        bundles.push(outline, values.clone());
        bundles_table.push(None, values);
    }
    let mut adjacency = Layer::new("adjacency", GeometryKind::Line, &ADJACENCY_FIELDS);
    for (p, line) in run.pairs.iter().zip(lines) {
        adjacency.push(
            line,
            vec![
                run.estates[p.a].estate_id.clone().into(),
                run.estates[p.b].estate_id.clone().into(),
                round_to(p.gap_m, 2).into(),
                p.adjacent().into(),
                p.blocked_by.clone().into(),
            ],
        );
    }
    let mut fields = vec![("estate_id", FieldType::Text)];
    fields.extend(ESTATE_FIELDS);
    let mut estate_bundles = Layer::new("estate_bundles", GeometryKind::None, &fields);
    for e in &run.estates {
        let mut values = vec![Value::from(e.estate_id.clone())];
        values.extend(e.values());
        estate_bundles.push(None, values);
    }
    Ok(BundleLayers { bundles, bundles_table, adjacency, estate_bundles })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::{BundleOptions, run_bundles};
    use crate::model::{Dataset, Estate};
    use crate::testing::{estate, square};

    #[test]
    fn layers_carry_the_bundle_fields_in_wgs84() {
        // Two 100 m estates 10 m apart near Nanjing in UTM 50N (668,000 E, 3,546,000 N).
        let estate_at = |id: &str, x0: f64, population: f64| Estate {
            population,
            households: population / 2.62,
            n_buildings: 3,
            floor_area_m2: 4200.25,
            built_year: Some(1988),
            ..estate(id, square(x0, 3_546_000.0, 100.0))
        };
        let data = Dataset { estates: vec![estate_at("a", 668_000.0, 3000.0), estate_at("b", 668_110.0, 2500.0)], ..Dataset::default() };
        let run = run_bundles(&data, &BundleOptions::default(), None).unwrap();
        let layers = bundle_layers(&run, WorkingCrs { epsg: 32650 }).unwrap();
        assert_eq!(layers.bundles.features.len(), 1);
        let row = &layers.bundles.features[0];
        let field = |name: &str| row.values[layers.bundles.field_index(name).unwrap()].clone();
        assert_eq!(field("bundle_id"), Value::Text("B0001".into()));
        assert_eq!(field("estate_ids"), Value::TextList(vec!["a".into(), "b".into()]));
        assert_eq!(field("n_estates"), Value::Int(2));
        assert_eq!(field("population"), Value::Real(5500.0));
        assert_eq!(field("area_m2"), Value::Real(20_000.0));
        // Two estates of 3 buildings and 4,200.25 m² each: 6 buildings, 8,400.5 m² of floor area.
        assert_eq!((field("floor_area_m2"), field("n_buildings")), (Value::Real(8400.5), Value::Int(6)));
        assert_eq!(field("built_year_min"), Value::Int(1988));
        assert_eq!(field("n_needs_survey"), Value::Int(2));
        assert_eq!(field("gaps"), Value::Null);
        // Circle through (0,0) and (210,100) relative: r² = 105² + 50²; 20,000 / (π r²) = 0.47070.
        assert_eq!(field("compactness"), Value::Real(0.4707));
        // Geometry in lon/lat near 118.78 E, 32.04 N.
        let Some(Geometry::MultiPolygon(mp)) = &row.geometry else { panic!("bundle geometry is {:?}", row.geometry) };
        let c = mp.0[0].exterior().0[0];
        assert!((118.7..118.9).contains(&c.x) && (31.9..32.1).contains(&c.y), "{c:?}");
        assert_eq!(layers.bundles_table.features[0].values, row.values);
        assert!(layers.bundles_table.features[0].geometry.is_none());
        // One adjacency line with a 10 m gap.
        assert_eq!(layers.adjacency.features.len(), 1);
        assert_eq!(layers.adjacency.features[0].values, vec![Value::Text("a".into()), Value::Text("b".into()), Value::Real(10.0), Value::Bool(true), Value::Null]);
        // Estate rows.
        assert_eq!(layers.estate_bundles.fields.len(), 6);
        assert_eq!(layers.estate_bundles.features[1].values[1], Value::Text("B0001".into()));
        assert_eq!(layers.estate_bundles.features[1].values[2], Value::Text("needs_survey".into()));
    }
}
