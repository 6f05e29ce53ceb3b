//! What `plan`'s `report.html` and printable map show: the title, the layers drawn (those a browser can
//! draw; the rest are named as left out) and the run's summary for the report's tables.

use crate::bundle::BundleRun;
use crate::coverage::CoverageRun;
use crate::pipeline::load::{InputSpec, Loaded};
use crate::report::coverage_table;
use crate::report::summary::ReportSummary;
use crate::siting::SitingRun;
use crate::write::layer::Layer;
use std::collections::BTreeMap;

/// The most vertices a layer may have to be drawn in `report.html` and the printable map. A browser draws
/// a few hundred thousand smoothly; a city's service-area lines have tens of millions.
pub const REPORT_MAP_MAX_VERTICES: usize = 500_000;

/// The report's and map's title: the one asked for, else from the input file's name.
pub(crate) fn plan_title(asked: Option<&str>, input: &InputSpec) -> String {
    asked.map(str::to_string).unwrap_or_else(|| {
        let source = input.osm.as_ref().or(input.estates.as_ref());
        source.and_then(|p| p.file_name()).map_or("lifecircle plan".to_string(), |n| format!("lifecircle plan — {}", n.to_string_lossy()))
    })
}

/// The layers the report's maps draw (estates, facilities and their footprints, service areas and lines,
/// bundles, sites, idle land) and,
/// for those left out because they exceed [`REPORT_MAP_MAX_VERTICES`], a line saying so.
pub(crate) fn report_map_layers(layers: &[Layer]) -> (Vec<&Layer>, Vec<String>) {
    use geo::CoordsIter;
    let mut shown = Vec::new();
    let mut left_out = Vec::new();
    for l in layers.iter().filter(|l| matches!(l.name.as_str(), "estates" | "facilities" | "facility_footprints" | "service_areas" | "service_lines" | "bundles" | "sites" | "bundle_sites" | "idle_land")) {
        let vertices: usize = l.features.iter().filter_map(|f| f.geometry.as_ref()).map(|g| g.coords_count()).sum();
        if vertices > REPORT_MAP_MAX_VERTICES {
            left_out.push(format!("{} ({} features, {vertices} vertices)", l.name, l.features.len()));
        } else {
            shown.push(l);
        }
    }
    (shown, left_out)
}

/// The figures of a plan the report shows.
pub(crate) struct PlanFigures<'a> {
    pub loaded: &'a Loaded,
    pub input: &'a InputSpec,
    pub coverage: &'a CoverageRun,
    pub bundles: &'a BundleRun,
    pub eligibility: &'a BTreeMap<String, usize>,
    pub siting: &'a SitingRun,
    pub bundle_sites: usize,
    pub left_out_of_maps: Vec<String>,
}

/// The run's summary for the report's tables; the coverage rows follow the run's rule profile.
pub(crate) fn report_summary(f: PlanFigures) -> ReportSummary {
    let sources: Vec<String> = [
        f.input.osm.as_ref().map(|p| format!("OpenStreetMap extract {}", p.display())),
        Some(format!("rule profile: {}", f.loaded.profile.name)),
        Some(crate::report::html::ODBL_ATTRIBUTION.to_string()),
    ]
    .into_iter()
    .flatten()
    .collect();
    ReportSummary {
        coverage: coverage_table::rows_from_summary(&f.coverage.summary, &f.loaded.profile),
        eligibility: f.eligibility.clone(),
        sources,
        estates: f.loaded.dataset.estates.len(),
        residents: f.loaded.dataset.estates.iter().map(|e| e.population).sum::<f64>().round(),
        bundles: f.bundles.bundles.len(),
        bundled_residents: f.bundles.bundled_population().round(),
        recommended_sites: f.siting.sites.len(),
        bundle_sites: f.bundle_sites,
        working_crs: f.loaded.crs.name(),
        left_out_of_maps: f.left_out_of_maps,
    }
}
