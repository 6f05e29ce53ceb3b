//! The coverage table of the report: per facility category, how many residents and estates lie within the
//! category's life-circle walking distance (GB 50180-2018 Table 3.0.4: 5-minute 300 m, 10-minute 500 m,
//! 15-minute 1,000 m), grouped by tier.
//!
//! The rows come from one of two sources, completed and ordered by the run's rule profile (`--profile`, else
//! the embedded `data/profiles/gb50180.toml`):
//! 1. [`rows_from_summary`]: what the coverage analysis computed ([`CoverageSummary`]), one row per category
//!    of the profile;
//! 2. [`rows_from_layers`]: the `estates` layer, for callers that have only the layers: every Bool field
//!    `ok_<category>` is a category; an estate whose value is null is not counted (not analysed), one whose
//!    value is set counts its `population` field (0 when null) and counts as one estate. Tier, threshold and
//!    Chinese name come from the profile when it knows the key.
//!
//! Rows are sorted by tier (5, 10, 15 minutes, then unknown), then by the profile's category order, then by key.
//!
//! ```
//! use lifecircle::profile::Profile;
//! use lifecircle::write::layer::{FieldType, GeometryKind, Layer, Value};
//! use lifecircle::report::coverage_table::rows_from_layers;
//! let mut estates = Layer::new("estates", GeometryKind::Polygon, &[("population", FieldType::Real), ("ok_park", FieldType::Bool)]);
//! estates.push(None, vec![Value::Real(300.0), Value::Bool(true)]);
//! estates.push(None, vec![Value::Real(100.0), Value::Bool(false)]);
//! let rows = rows_from_layers(&[&estates], &Profile::default_profile());
//! assert_eq!(rows[0].category, "park");
//! assert_eq!(rows[0].share_population(), Some(0.75));
//! ```

use crate::coverage::summary::CoverageSummary;
use crate::write::layer::{FieldType, Layer};
use crate::profile::Profile;
use crate::report::field_values::{boolean, number};
use crate::report::layer_role::LayerRole;
use serde::Serialize;

/// One category's coverage.
#[derive(Debug, Clone, PartialEq, Serialize)]
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

/// The rows of the coverage analysis's summary, one per category of `profile` (the run's) it holds.
pub fn rows_from_summary(summary: &CoverageSummary, profile: &Profile) -> Vec<CoverageRow> {
    let finite_or_0 = |x: f64| if x.is_finite() { x } else { 0.0 };
    let rows = profile
        .categories
        .iter()
        .filter_map(|c| {
            let s = summary.categories.get(&c.key)?;
            Some(CoverageRow {
                category: c.key.clone(),
                name_zh: Some(c.name_zh.clone()),
                tier: Some(c.tier.as_str().to_string()),
                threshold_m: Some(c.threshold_m),
                population_covered: finite_or_0(s.population_ok),
                population: finite_or_0(summary.population),
                estates_covered: s.estates_ok,
                estates: summary.estates,
            })
        })
        .collect();
    sorted(rows, profile)
}

/// The rows computed from the `estates` layer among `layers` (none without one), completed from `profile`
/// (the run's).
pub fn rows_from_layers(layers: &[&Layer], profile: &Profile) -> Vec<CoverageRow> {
    let mut rows = layers.iter().find(|l| LayerRole::from_layer_name(&l.name) == LayerRole::Estates).map(|l| rows_from_estates(l)).unwrap_or_default();
    for row in &mut rows {
        if let Some(category) = profile.category(&row.category) {
            row.name_zh.get_or_insert_with(|| category.name_zh.clone());
            row.tier.get_or_insert_with(|| category.tier.as_str().to_string());
            row.threshold_m.get_or_insert(category.threshold_m);
        }
    }
    sorted(rows, profile)
}

/// Rows by tier (5, 10, 15 minutes, then unknown), then by `profile`'s category order, then by key.
fn sorted(mut rows: Vec<CoverageRow>, profile: &Profile) -> Vec<CoverageRow> {
    let tier_order = |t: &Option<String>| t.as_deref().and_then(|t| crate::report::palette::TIERS.iter().position(|x| *x == t)).unwrap_or(usize::MAX);
    let profile_order = |key: &str| profile.categories.iter().position(|c| c.key == key).unwrap_or(usize::MAX);
    rows.sort_by(|a, b| (tier_order(&a.tier), profile_order(&a.category), &a.category).cmp(&(tier_order(&b.tier), profile_order(&b.category), &b.category)));
    rows
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
    use crate::coverage::summary::{CategorySummary, OrderedMap};
    use crate::write::layer::{GeometryKind, Value};

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

    /// The default profile with a `library` category (10 minutes, 600 m) put first and the park's threshold
    /// raised to 400 m: what a planner's `--profile` may hold.
    fn custom_profile() -> Profile {
        let mut p = Profile::default_profile();
        let park = p.categories.iter_mut().find(|c| c.key == "park").unwrap();
        park.threshold_m = 400.0;
        let mut library = park.clone();
        library.key = "library".into();
        library.name_zh = "图书馆".into();
        library.threshold_m = 600.0;
        p.categories.insert(0, library);
        p
    }

    fn category_summary(population_ok: f64, estates_ok: usize) -> CategorySummary {
        CategorySummary {
            name_zh: String::new(),
            threshold_m: 0.0,
            tier: String::new(),
            must_have: false,
            facilities: 1,
            estates_ok,
            population_ok,
            population_share: None,
            failing_estates: None,
            facilities_without_capacity: None,
        }
    }

    fn keys(rows: &[CoverageRow]) -> Vec<&str> {
        rows.iter().map(|r| r.category.as_str()).collect()
    }

    #[test]
    fn computed_from_estates_by_hand() {
        // park: estates 1 (1000, ok), 2 (3000, not), 3 (null pop = 0, ok) → 1000 / 4000 residents, 2 / 3 estates.
        // kindergarten: estate 3 is null (not analysed) → 3000 / 4000 residents, 1 / 2 estates.
        // library: estate 2 null → 1000 / 1000, 1 / 2 estates; unknown to the profile → tier None, sorted last.
        let rows = rows_from_layers(&[&estates()], &Profile::default_profile());
        assert_eq!(keys(&rows), vec!["kindergarten", "park", "library"]);
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
    fn the_run_profile_completes_and_orders_rows_from_the_layers() {
        // library is a 10-minute category of the custom profile, before park: 5min kindergarten, then library, park.
        let rows = rows_from_layers(&[&estates()], &custom_profile());
        assert_eq!(keys(&rows), vec!["kindergarten", "library", "park"]);
        assert_eq!((rows[1].tier.as_deref(), rows[1].threshold_m, rows[1].name_zh.as_deref()), (Some("10min"), Some(600.0), Some("图书馆")));
        assert_eq!(rows[2].threshold_m, Some(400.0));
    }

    #[test]
    fn summary_rows_follow_the_profile() {
        let summary = CoverageSummary {
            estates: 4,
            population: 40.0,
            categories: OrderedMap(vec![
                ("middle_school".into(), category_summary(10.0, 1)),
                ("elderly_care".into(), category_summary(0.0, 0)),
                ("library".into(), category_summary(40.0, 4)),
            ]),
            tiers: OrderedMap(Vec::new()),
            mean_score: None,
            distance_method: "walking_network".into(),
            dem: None,
            walker: Default::default(),
            walker_losses: None,
        };
        // The default profile has no library: its row is left out; 5-minute elderly care before the 15-minute school.
        let rows = rows_from_summary(&summary, &Profile::default_profile());
        assert_eq!(keys(&rows), vec!["elderly_care", "middle_school"]);
        assert_eq!(rows[0].share_population(), Some(0.0));
        assert_eq!((rows[1].tier.as_deref(), rows[1].threshold_m, rows[1].name_zh.as_deref()), (Some("15min"), Some(1000.0), Some("初中")));
        assert_eq!((rows[1].population_covered, rows[1].population, rows[1].estates_covered, rows[1].estates), (10.0, 40.0, 1, 4));
        assert_eq!(rows[1].share_population(), Some(0.25));
        // The custom profile's library: 10 minutes, 600 m, between the two.
        let rows = rows_from_summary(&summary, &custom_profile());
        assert_eq!(keys(&rows), vec!["elderly_care", "library", "middle_school"]);
        assert_eq!((rows[1].threshold_m, rows[1].population_covered), (Some(600.0), 40.0));
    }

    #[test]
    fn no_estates_layer_no_rows() {
        assert!(rows_from_layers(&[], &Profile::default_profile()).is_empty());
    }
}
