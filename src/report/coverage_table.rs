//! The coverage table of the report: per facility category, how many residents and estates lie within the
//! category's life-circle walking distance (GB 50180-2018 Table 3.0.4: 5-minute 300 m, 10-minute 500 m,
//! 15-minute 1,000 m), grouped by tier.
//!
//! Two sources, the first found wins:
//! 1. the run summary's `coverage` array (what the coverage analysis computed, e.g. with capacities), one
//!    object per category: `category` (required), `name_zh`, `tier`, `threshold_m`, `population_covered`,
//!    `population`, `estates_covered`, `estates`;
//! 2. otherwise the `estates` layer: every Bool field `ok_<category>` is a category; an estate whose value is
//!    null is not counted (not analysed), one whose value is set counts its `population` field (0 when null)
//!    and counts as one estate. Tier, threshold and Chinese name come from the run's profile when it knows
//!    the key.
//!
//! Rows are sorted by tier (5, 10, 15 minutes, then unknown), then by the profile's category order, then by key.
//!
//! ```
//! use lifecircle::write::layer::{FieldType, GeometryKind, Layer, Value};
//! use lifecircle::report::coverage_table::coverage_rows;
//! let mut estates = Layer::new("estates", GeometryKind::Polygon, &[("population", FieldType::Real), ("ok_park", FieldType::Bool)]);
//! estates.push(None, vec![Value::Real(300.0), Value::Bool(true)]);
//! estates.push(None, vec![Value::Real(100.0), Value::Bool(false)]);
//! let profile = lifecircle::profile::Profile::default_profile();
//! let rows = coverage_rows(&[&estates], &serde_json::json!({}), &profile);
//! assert_eq!(rows[0].category, "park");
//! assert_eq!(rows[0].share_population(), Some(0.75));
//! ```

use crate::write::layer::{FieldType, Layer};
use crate::profile::Profile;
use crate::report::field_values::{boolean, number};
use crate::report::layer_role::LayerRole;

/// One category's coverage.
#[derive(Debug, Clone, PartialEq)]
pub struct CoverageRow {
    pub category: String,
    pub name_zh: Option<String>,
    pub tier: Option<String>,
    pub threshold_m: Option<f64>,
    pub population_covered: f64,
    pub population: f64,
    pub estates_covered: usize,
    pub estates: usize,
}

impl CoverageRow {
    /// Share of residents covered, `None` when no resident was counted.
    pub fn share_population(&self) -> Option<f64> {
        (self.population > 0.0).then(|| self.population_covered / self.population)
    }
}

/// The coverage rows from the summary's `coverage` array, or else from the `estates` layer; tiers,
/// thresholds, names and the order from `profile`.
pub fn coverage_rows(layers: &[&Layer], summary: &serde_json::Value, profile: &Profile) -> Vec<CoverageRow> {
    let mut rows = match summary.get("coverage").and_then(|c| c.as_array()) {
        Some(items) => items.iter().filter_map(row_from_summary).collect(),
        None => layers.iter().find(|l| LayerRole::from_layer_name(&l.name) == LayerRole::Estates).map(|l| rows_from_estates(l)).unwrap_or_default(),
    };
    for row in &mut rows {
        if let Some(category) = profile.category(&row.category) {
            row.name_zh.get_or_insert_with(|| category.name_zh.clone());
            row.tier.get_or_insert_with(|| category.tier.as_str().to_string());
            row.threshold_m.get_or_insert(category.threshold_m);
        }
    }
    let tier_order = |t: &Option<String>| t.as_deref().and_then(|t| crate::report::palette::TIERS.iter().position(|x| *x == t)).unwrap_or(usize::MAX);
    let profile_order = |key: &str| profile.categories.iter().position(|c| c.key == key).unwrap_or(usize::MAX);
    rows.sort_by(|a, b| (tier_order(&a.tier), profile_order(&a.category), &a.category).cmp(&(tier_order(&b.tier), profile_order(&b.category), &b.category)));
    rows
}

fn row_from_summary(item: &serde_json::Value) -> Option<CoverageRow> {
    let text = |k: &str| item.get(k).and_then(|v| v.as_str()).map(str::to_string);
    let num = |k: &str| item.get(k).and_then(|v| v.as_f64()).filter(|x| x.is_finite());
    Some(CoverageRow {
        category: text("category")?,
        name_zh: text("name_zh"),
        tier: text("tier"),
        threshold_m: num("threshold_m"),
        population_covered: num("population_covered").unwrap_or(0.0),
        population: num("population").unwrap_or(0.0),
        estates_covered: num("estates_covered").unwrap_or(0.0).max(0.0) as usize,
        estates: num("estates").unwrap_or(0.0).max(0.0) as usize,
    })
}

fn rows_from_estates(estates: &Layer) -> Vec<CoverageRow> {
    estates
        .fields
        .iter()
        .filter(|f| f.ty == FieldType::Bool)
        .filter_map(|f| f.name.strip_prefix("ok_").map(|key| (f.name.as_str(), key)))
        .map(|(field, key)| {
            let mut row = CoverageRow {
                category: key.to_string(),
                name_zh: None,
                tier: None,
                threshold_m: None,
                population_covered: 0.0,
                population: 0.0,
                estates_covered: 0,
                estates: 0,
            };
            for feature in &estates.features {
                let Some(ok) = boolean(estates, feature, field) else { continue };
                let population = number(estates, feature, "population").unwrap_or(0.0).max(0.0);
                row.estates += 1;
                row.population += population;
                if ok {
                    row.estates_covered += 1;
                    row.population_covered += population;
                }
            }
            row
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::write::layer::{GeometryKind, Value};
    use serde_json::json;

    fn estates() -> Layer {
        let mut layer = Layer::new(
            "estates",
            GeometryKind::Polygon,
            &[("population", FieldType::Real), ("ok_park", FieldType::Bool), ("ok_kindergarten", FieldType::Bool), ("ok_library", FieldType::Bool), ("dist_park", FieldType::Real)],
        );
        layer.push(None, vec![Value::Real(1000.0), Value::Bool(true), Value::Bool(false), Value::Bool(true), Value::Real(120.0)]);
        layer.push(None, vec![Value::Real(3000.0), Value::Bool(false), Value::Bool(true), Value::Null, Value::Real(900.0)]);
        layer.push(None, vec![Value::Null, Value::Bool(true), Value::Null, Value::Bool(false), Value::Null]);
        layer
    }

    #[test]
    fn computed_from_estates_by_hand() {
        // park: estates 1 (1000, ok), 2 (3000, not), 3 (null pop = 0, ok) → 1000 / 4000 residents, 2 / 3 estates.
        // kindergarten: estate 3 is null (not analysed) → 3000 / 4000 residents, 1 / 2 estates.
        // library: estate 2 null → 1000 / 1000, 1 / 2 estates; unknown to the profile → tier None, sorted last.
        let rows = coverage_rows(&[&estates()], &json!({"coverage_note": 1}), &Profile::default_profile());
        let keys: Vec<&str> = rows.iter().map(|r| r.category.as_str()).collect();
        assert_eq!(keys, vec!["kindergarten", "park", "library"]);
        let k = &rows[0];
        assert_eq!((k.population_covered, k.population, k.estates_covered, k.estates), (3000.0, 4000.0, 1, 2));
        assert_eq!(k.tier.as_deref(), Some("5min"));
        assert_eq!(k.threshold_m, Some(300.0));
        assert_eq!(k.name_zh.as_deref(), Some("幼儿园"));
        let p = &rows[1];
        assert_eq!((p.population_covered, p.population, p.estates_covered, p.estates), (1000.0, 4000.0, 2, 3));
        assert_eq!(p.tier.as_deref(), Some("10min"));
        assert_eq!(p.share_population(), Some(0.25));
        let l = &rows[2];
        assert_eq!((l.population_covered, l.population, l.estates_covered, l.estates), (1000.0, 1000.0, 1, 2));
        assert_eq!(l.tier, None);
    }

    #[test]
    fn summary_rows_win_and_are_completed_from_the_profile() {
        let summary = json!({"coverage": [
            {"category": "middle_school", "population_covered": 10, "population": 40, "estates_covered": 1, "estates": 4},
            {"category": "elderly_care", "tier": "5min", "population_covered": 0, "population": 0},
            {"no_category": true}
        ]});
        let rows = coverage_rows(&[&estates()], &summary, &Profile::default_profile());
        let keys: Vec<&str> = rows.iter().map(|r| r.category.as_str()).collect();
        assert_eq!(keys, vec!["elderly_care", "middle_school"]);
        assert_eq!(rows[0].share_population(), None);
        assert_eq!(rows[1].tier.as_deref(), Some("15min"));
        assert_eq!(rows[1].threshold_m, Some(1000.0));
        assert_eq!(rows[1].share_population(), Some(0.25));
    }

    #[test]
    fn no_estates_layer_no_rows() {
        assert!(coverage_rows(&[], &json!(null), &Profile::default_profile()).is_empty());
    }
}
