//! The run's summary as `report.html` shows it: the coverage table's rows, the estates per eligibility
//! verdict, the data sources, the run's key figures and the layers left out of the maps. `plan` builds it
//! from its results; [`html`](crate::report::html) renders its fields. The labels the report shows for the
//! figures' keys are given here, in one place ([`ReportSummary::rows`]); the report names them in its language
//! (`report.figures.<key>` in the catalogue).
//!
//! ```
//! use lifecircle::report::summary::ReportSummary;
//! let summary = ReportSummary { estates: 1234, residents: 56789.0, working_crs: "EPSG:32650".into(), ..ReportSummary::default() };
//! let rows = summary.rows();
//! assert_eq!(rows[0], ("estates", "1,234".to_string()));
//! assert_eq!(rows[1], ("residents", "56,789".to_string()));
//! assert_eq!(rows.last(), Some(&("working_crs", "EPSG:32650".to_string())));
//! ```

use crate::report::coverage_table::CoverageRow;
use crate::report::field_values::{format_count, format_number};
use serde::Serialize;
use std::collections::BTreeMap;

/// One category's losses under the other walkers: (estates, residents) covered for an adult but not for
/// an older walker, and for a wheelchair user.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WalkerLossRow {
    pub category: String,
    pub elderly: (usize, f64),
    pub wheelchair: (usize, f64),
}

/// What the report says about a run, beside its layers.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ReportSummary {
    /// The coverage table, in the order shown (see [`coverage_table`](crate::report::coverage_table)).
    pub coverage: Vec<CoverageRow>,
    /// Estates per eligibility verdict (`eligible`, `needs_survey`, `ineligible`).
    pub eligibility: BTreeMap<String, usize>,
    /// The data sources, one line each (the OpenStreetMap attribution is always added).
    pub sources: Vec<String>,
    pub estates: usize,
    pub residents: f64,
    pub bundles: usize,
    pub bundled_residents: f64,
    pub recommended_sites: usize,
    /// Sites recommended per bundle for its own gaps.
    pub bundle_sites: usize,
    pub working_crs: String,
    /// How distances were measured, in the report's language (walking network, or "estimated, no
    /// walking network" with the detour factor); left out of the figures when empty.
    pub distance_method: String,
    /// Layers too big for a browser to draw, each with its features and vertices.
    pub left_out_of_maps: Vec<String>,
    /// What the data lacks, in sentences ([`crate::report::data_quality::DataQuality::sentences`]); the
    /// report's 数据质量 section, before the tables.
    pub data_quality: Vec<String>,
    /// Why the plan has no bundle, when it has none.
    pub no_bundles: Option<String>,
    /// How the run was made, shown in the footer: (catalogue key of the label, value), as
    /// [`crate::provenance::Provenance::rows`] gives them; empty shows nothing.
    pub provenance: Vec<(&'static str, String)>,
    /// The walker's name when it is not the adult (`--walker`).
    pub walker: Option<String>,
    /// With `--walker-compare`: per category, what older walkers and wheelchair users lose.
    pub walker_losses: Vec<WalkerLossRow>,
}

impl ReportSummary {
    /// The "Run" table: each figure's key (its name is `report.figures.<key>` in the catalogue) and value.
    pub fn rows(&self) -> Vec<(&'static str, String)> {
        vec![
            ("estates", format_figure(self.estates as f64)),
            ("residents", format_figure(self.residents)),
            ("bundles", format_figure(self.bundles as f64)),
            ("bundled_residents", format_figure(self.bundled_residents)),
            ("recommended_sites", format_figure(self.recommended_sites as f64)),
            ("bundle_sites", format_figure(self.bundle_sites as f64)),
            ("distance_method", self.distance_method.clone()),
        ]
        .into_iter()
        .chain(self.walker.clone().map(|w| ("walker", w)))
        .chain([("working_crs", self.working_crs.clone())])
        .filter(|(k, v)| *k != "distance_method" || !v.is_empty())
        .collect()
    }

    /// The eligibility table: each verdict and its estates.
    pub fn eligibility_rows(&self) -> Vec<(&str, String)> {
        self.eligibility.iter().map(|(verdict, n)| (verdict.as_str(), format_figure(*n as f64))).collect()
    }
}

/// A figure of the summary: whole numbers from 1,000 up with thousands separators, others with up to three
/// decimals, `—` for a number that is not finite.
fn format_figure(x: f64) -> String {
    if !x.is_finite() {
        "—".to_string()
    } else if x.fract() == 0.0 && x.abs() >= 1000.0 {
        format_count(x)
    } else {
        format_number(x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_are_formatted_as_the_report_shows_them() {
        assert_eq!(format_figure(999.0), "999");
        assert_eq!(format_figure(1000.0), "1,000");
        assert_eq!(format_figure(1234.5), "1234.5");
        assert_eq!(format_figure(0.6667), "0.667");
        assert_eq!(format_figure(f64::NAN), "—");
    }
}
