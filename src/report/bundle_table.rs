//! The bundles table of the report: each renovation bundle (成片改造片区) with its residents, the life-circle
//! gaps it shares and the sites recommended for new facilities in it.
//!
//! When a `bundle_sites` layer is given (each bundle's own recommended sites, field `bundle_id`), a
//! bundle lists those, and every site of the `sites` layer (sited for all estates) is returned apart.
//! Without it, a site of `sites` belongs to a bundle by its own `bundle_id` field when the layer has
//! one; otherwise by geometry: the first bundle (in layer order) whose polygon intersects the site.
//! Sites in no bundle are returned apart, so the report lists every recommended site. Sites within a bundle are sorted by `rank`
//! (sites without a rank last, in layer order).
//!
//! ```
//! use geo_types::{Geometry, point, polygon};
//! use lifecircle::write::layer::{FieldType, GeometryKind, Layer, Value};
//! use lifecircle::report::bundle_table::bundle_rows;
//! let mut bundles = Layer::new("bundles", GeometryKind::Polygon, &[("bundle_id", FieldType::Text)]);
//! bundles.push(Some(Geometry::Polygon(polygon![(x: 0., y: 0.), (x: 1., y: 0.), (x: 1., y: 1.), (x: 0., y: 0.)])), vec!["B1".into()]);
//! let mut sites = Layer::new("sites", GeometryKind::Point, &[("category", FieldType::Text)]);
//! sites.push(Some(Geometry::Point(point!(x: 0.8, y: 0.2))), vec!["park".into()]);
//! let (rows, outside) = bundle_rows(&[&bundles, &sites]);
//! assert_eq!(rows[0].sites[0].category, "park");
//! assert!(outside.is_empty());
//! ```

use crate::write::layer::Layer;
use crate::report::field_values::{format_count, format_number, number, text, text_list};
use crate::report::wording::Wording;
use crate::report::layer_role::LayerRole;
use geo::Intersects;

/// A recommended site.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteRow {
    pub category: String,
    pub rank: Option<f64>,
    pub new_population_covered: Option<f64>,
}

/// A bundle with its sites.
#[derive(Debug, Clone, PartialEq)]
pub struct BundleRow {
    pub bundle_id: String,
    pub population: Option<f64>,
    pub gaps: Vec<String>,
    pub sites: Vec<SiteRow>,
    /// Lift retrofit candidates in the bundle and their estimated households, when the layer has them.
    pub lifts: Option<(f64, f64)>,
}

impl SiteRow {
    /// The site as a reader sees it: `幼儿园 #1（新增覆盖 5,200 人）`, `Kindergarten #1 (+5,200 residents)`.
    pub fn describe(&self, wording: &Wording) -> String {
        let rank = self.rank.map(format_number);
        let category = (!self.category.is_empty()).then_some(self.category.as_str());
        let text = crate::report::symbology::site_label(category, rank.as_deref(), wording).unwrap_or_default();
        match self.new_population_covered {
            Some(covered) => wording.tr_with("report.site_gain", &[("site", &text), ("residents", &format_count(covered))]),
            None => text,
        }
    }
}

fn find<'a>(layers: &[&'a Layer], role: LayerRole) -> Option<&'a Layer> {
    layers.iter().copied().find(|l| LayerRole::from_layer_name(&l.name) == role)
}

/// The bundles (in layer order) with their sites, and the sites that lie in no bundle.
pub fn bundle_rows(layers: &[&Layer]) -> (Vec<BundleRow>, Vec<SiteRow>) {
    let mut rows: Vec<BundleRow> = Vec::new();
    let bundles = find(layers, LayerRole::Bundles);
    if let Some(b) = bundles {
        for (i, f) in b.features.iter().enumerate() {
            rows.push(BundleRow {
                bundle_id: text(b, f, "bundle_id").unwrap_or_else(|| format!("#{}", i + 1)),
                population: number(b, f, "population"),
                gaps: text_list(b, f, "gaps"),
                sites: Vec::new(),
                lifts: number(b, f, "lift_candidates").map(|n| (n, number(b, f, "lift_households").unwrap_or(0.0))),
            });
        }
    }
    let mut outside = Vec::new();
    let site_row = |l: &Layer, f: &crate::write::layer::Feature| SiteRow {
        category: text(l, f, "category").unwrap_or_default(),
        rank: number(l, f, "rank"),
        new_population_covered: number(l, f, "new_population_covered"),
    };
    let per_bundle = layers.iter().copied().find(|l| l.name == "bundle_sites");
    if let Some(bs) = per_bundle {
        for f in &bs.features {
            match text(bs, f, "bundle_id").and_then(|id| rows.iter().position(|r| r.bundle_id == id)) {
                Some(i) => rows[i].sites.push(site_row(bs, f)),
                None => outside.push(site_row(bs, f)),
            }
        }
    }
    let sites = layers.iter().copied().find(|l| l.name != "bundle_sites" && LayerRole::from_layer_name(&l.name) == LayerRole::Sites);
    if let Some(s) = sites {
        let by_id = s.field_index("bundle_id").is_some();
        for f in &s.features {
            let site = site_row(s, f);
            let bundle = if per_bundle.is_some() {
                None
            } else if by_id {
                text(s, f, "bundle_id").and_then(|id| rows.iter().position(|r| r.bundle_id == id))
            } else {
                match (bundles, f.geometry.as_ref()) {
                    (Some(b), Some(g)) => b.features.iter().position(|bf| bf.geometry.as_ref().is_some_and(|bg| bg.intersects(g))),
                    _ => None,
                }
            };
            match bundle {
                Some(i) => rows[i].sites.push(site),
                None => outside.push(site),
            }
        }
    }
    let by_rank = |a: &SiteRow, b: &SiteRow| a.rank.unwrap_or(f64::INFINITY).total_cmp(&b.rank.unwrap_or(f64::INFINITY));
    for row in &mut rows {
        row.sites.sort_by(by_rank);
    }
    outside.sort_by(by_rank);
    (rows, outside)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::rect_polygon;
    use crate::write::layer::{FieldType, GeometryKind, Value};
    use geo_types::{Geometry, point};

    fn bundles() -> Layer {
        let mut b = Layer::new("bundles", GeometryKind::Polygon, &[("bundle_id", FieldType::Text), ("population", FieldType::Int), ("gaps", FieldType::TextList)]);
        b.push(Some(rect_polygon(0.0, 0.0, 1.0, 1.0).into()), vec!["B1".into(), Value::Int(6200), vec!["kindergarten".to_string(), "park".to_string()].into()]);
        b.push(Some(rect_polygon(2.0, 0.0, 3.0, 1.0).into()), vec![Value::Null, Value::Null, Value::Null]);
        b
    }

    #[test]
    fn sites_by_geometry_sorted_by_rank_with_outsiders_apart() {
        let mut s = Layer::new("sites", GeometryKind::Point, &[("category", FieldType::Text), ("rank", FieldType::Int), ("new_population_covered", FieldType::Real)]);
        s.push(Some(Geometry::Point(point!(x: 0.5, y: 0.5))), vec!["park".into(), Value::Int(3), Value::Real(800.0)]);
        s.push(Some(Geometry::Point(point!(x: 0.2, y: 0.5))), vec!["kindergarten".into(), Value::Int(1), Value::Real(2100.0)]);
        s.push(Some(Geometry::Point(point!(x: 9.0, y: 9.0))), vec!["market".into(), Value::Null, Value::Null]);
        s.push(Some(Geometry::Point(point!(x: 2.5, y: 0.5))), vec!["nursery".into(), Value::Int(2), Value::Null]);
        let b = bundles();
        let (rows, outside) = bundle_rows(&[&b, &s]);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].bundle_id, "B1");
        assert_eq!(rows[0].population, Some(6200.0));
        assert_eq!(rows[0].gaps, vec!["kindergarten", "park"]);
        let cats: Vec<&str> = rows[0].sites.iter().map(|x| x.category.as_str()).collect();
        assert_eq!(cats, vec!["kindergarten", "park"]);
        assert_eq!(rows[1].bundle_id, "#2", "a bundle without id is numbered");
        assert_eq!(rows[1].sites[0].category, "nursery");
        assert_eq!(outside.len(), 1);
        assert_eq!(outside[0].category, "market");
    }

    #[test]
    fn bundle_sites_layer_fills_the_bundles_and_plan_sites_stand_apart() {
        let mut plan_sites = Layer::new("sites", GeometryKind::Point, &[("category", FieldType::Text), ("rank", FieldType::Int)]);
        // Inside bundle B1's square, but sited for all estates: listed apart when bundle_sites exist.
        plan_sites.push(Some(Geometry::Point(point!(x: 0.5, y: 0.5))), vec!["park".into(), Value::Int(1)]);
        let mut per_bundle = Layer::new("bundle_sites", GeometryKind::Point, &[("bundle_id", FieldType::Text), ("category", FieldType::Text), ("rank", FieldType::Int)]);
        per_bundle.push(Some(Geometry::Point(point!(x: 9.0, y: 9.0))), vec!["B2".into(), "nursery".into(), Value::Int(2)]);
        per_bundle.push(Some(Geometry::Point(point!(x: 9.0, y: 9.0))), vec!["B2".into(), "kindergarten".into(), Value::Int(1)]);
        let mut b = Layer::new("bundles", GeometryKind::Polygon, &[("bundle_id", FieldType::Text)]);
        b.push(Some(rect_polygon(0.0, 0.0, 1.0, 1.0).into()), vec!["B1".into()]);
        b.push(Some(rect_polygon(8.5, 0.0, 9.5, 1.0).into()), vec!["B2".into()]);
        let (rows, outside) = bundle_rows(&[&b, &plan_sites, &per_bundle]);
        assert!(rows[0].sites.is_empty());
        let cats: Vec<&str> = rows[1].sites.iter().map(|x| x.category.as_str()).collect();
        assert_eq!(cats, vec!["kindergarten", "nursery"]);
        assert_eq!(outside.len(), 1);
        assert_eq!(outside[0].category, "park");
    }

    #[test]
    fn sites_by_bundle_id_field_when_present() {
        let mut s = Layer::new("sites", GeometryKind::Point, &[("category", FieldType::Text), ("bundle_id", FieldType::Text)]);
        // Geometrically inside B1 but says B9 (unknown) → outside; no geometry but says B1 → in B1.
        s.push(Some(Geometry::Point(point!(x: 0.5, y: 0.5))), vec!["park".into(), "B9".into()]);
        s.push(None, vec!["culture".into(), "B1".into()]);
        let b = bundles();
        let (rows, outside) = bundle_rows(&[&s, &b]);
        assert_eq!(rows[0].sites.len(), 1);
        assert_eq!(rows[0].sites[0].category, "culture");
        assert_eq!(outside[0].category, "park");
    }

    #[test]
    fn no_layers_no_rows() {
        assert_eq!(bundle_rows(&[]), (vec![], vec![]));
    }
}
