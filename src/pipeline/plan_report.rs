//! What `plan`'s `report.html` and printable map show: the title, the layers drawn (those a browser can
//! draw; the rest are named as left out) and the run's summary for the report's tables.

use crate::bundle::BundleRun;
use crate::coverage::CoverageRun;
use crate::pipeline::load::{InputSpec, Loaded};
use crate::report::coverage_table;
use crate::lang::Lang;
use crate::report::Wording;
use crate::report::summary::{ReportSummary, WalkerLossRow};
use crate::siting::SitingRun;
use crate::write::layer::{Layer, OutputLayer};
use std::collections::BTreeMap;

/// The most vertices a layer may have to be drawn in `report.html` and the printable map. A browser draws
/// a few hundred thousand smoothly; a city's service-area lines have tens of millions.
pub const REPORT_MAP_MAX_VERTICES: usize = 500_000;

/// The report's and map's title: the one asked for, else `<place> 社区生活圈评估与老旧小区改造片区规划` (in
/// the wording's language) for the place the data names ([`place_name`]).
pub(crate) fn plan_title(asked: Option<&str>, input: &InputSpec, loaded: &Loaded, wording: &Wording) -> String {
    asked.map(str::to_string).unwrap_or_else(|| wording.default_title(&place_name(input, loaded, wording.lang())))
}

/// The place a plan is about, for its default title: the place the OpenStreetMap extract names (in `lang`
/// when tagged so; with `--layers`, the extract the layers were made from), else the input file's name without its extensions (`nanjing-xuanwu-2021`).
pub(crate) fn place_name(input: &InputSpec, loaded: &Loaded, lang: Lang) -> String {
    if let Some(place) = loaded.place() {
        return place.in_lang(lang).to_string();
    }
    let source = input.osm.as_ref().or(input.estates.as_ref()).or(input.layers.as_ref());
    let name = source.and_then(|p| p.file_name()).map_or_else(|| "lifecircle".to_string(), |n| n.to_string_lossy().into_owned());
    let stem = [".osm.pbf", ".pbf", ".geojson", ".gpkg", ".shp", ".fgb", ".json"].iter().find_map(|ext| name.strip_suffix(ext)).unwrap_or(&name);
    stem.split('|').next().unwrap_or(stem).to_string()
}

/// The layers the report's maps draw (estates, facilities and their footprints, service areas and lines,
/// bundles, sites, idle land; layers made a part at a time are never drawn) and,
/// for those left out because they exceed [`REPORT_MAP_MAX_VERTICES`], a line saying so.
pub(crate) fn report_map_layers<'a>(layers: &'a [OutputLayer<'_>], wording: &Wording) -> (Vec<&'a Layer>, Vec<String>) {
    let mut shown = Vec::new();
    let mut left_out = Vec::new();
    for l in layers.iter().filter_map(OutputLayer::whole).filter(|l| matches!(l.name.as_str(), "estates" | "facilities" | "facility_footprints" | "service_areas" | "service_lines" | "bundles" | "sites" | "bundle_sites" | "idle_land")) {
        match fits_report_map(l, wording) {
            Ok(()) => shown.push(l),
            Err(line) => left_out.push(line),
        }
    }
    (shown, left_out)
}

/// Whether a layer is small enough for the report's and the printed map ([`REPORT_MAP_MAX_VERTICES`]);
/// else the line saying it was left out.
pub(crate) fn fits_report_map(l: &Layer, wording: &Wording) -> Result<(), String> {
    use geo::CoordsIter;
    let vertices: usize = l.features.iter().filter_map(|f| f.geometry.as_ref()).map(|g| g.coords_count()).sum();
    if vertices > REPORT_MAP_MAX_VERTICES {
        Err(wording.tr_with("report.figures.left_out_layer", &[("layer", &wording.layer_title(&l.name)), ("features", &l.features.len()), ("vertices", &vertices)]))
    } else {
        Ok(())
    }
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
    pub data_quality: &'a crate::report::data_quality::DataQuality,
    pub no_bundles: Option<&'a crate::bundle::no_bundles::NoBundles>,
}

/// The run's summary for the report's tables; the coverage rows follow the run's rule profile.
pub(crate) fn report_summary(f: PlanFigures, wording: &Wording) -> ReportSummary {
    let sources: Vec<String> = [
        f.input.osm.as_ref().map(|p| wording.tr_with("report.source_osm", &[("file", &p.display())])),
        Some(wording.tr_with("report.source_profile", &[("name", &f.loaded.profile.name)])),
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
        distance_method: match f.coverage.straight_line_detour {
            None => wording.tr("report.distance_network").to_string(),
            Some(detour) => wording.tr_with("report.distance_straight", &[("detour", &detour)]),
        },
        left_out_of_maps: f.left_out_of_maps,
        data_quality: f.data_quality.sentences(wording),
        no_bundles: f.no_bundles.map(|why| no_bundles_sentence(why, wording)),
        provenance: f.loaded.provenance.rows(),
        walker: (!f.coverage.summary.walker.is_adult()).then(|| wording.tr(&format!("walkers.{}", f.coverage.summary.walker.as_str())).to_string()),
        walker_losses: walker_loss_rows(&f.coverage.summary),
    }
}

/// Why there is no bundle, in a sentence (`bundles_none.<reason>` in the catalogue).
pub(crate) fn no_bundles_sentence(why: &crate::bundle::no_bundles::NoBundles, wording: &Wording) -> String {
    use crate::bundle::no_bundles::NoBundles;
    use crate::report::field_values::format_count;
    let key = format!("bundles_none.{}", why.key());
    match why {
        NoBundles::NoEstates => wording.tr(&key).to_string(),
        NoBundles::NoEligibleEstates { ineligible, main_reason, main_reason_estates } => {
            // The reason as the estates' field writes it (English), worded in the report's language.
            let reason = crate::bundle::eligibility::reason_text_in(main_reason, wording.catalogue());
            wording.tr_with(&key, &[("estates", ineligible), ("reason", &reason), ("reason_estates", main_reason_estates)])
        }
        NoBundles::NeedsSurveyExcluded { needs_survey } => wording.tr_with(&key, &[("estates", needs_survey)]),
        NoBundles::TooFewResidents { candidates, candidate_population, min_pop } => {
            wording.tr_with(&key, &[("estates", candidates), ("residents", &format_count(*candidate_population)), ("min_pop", &format_count(*min_pop))])
        }
        NoBundles::CandidatesApart { candidates, left_out } => {
            let reasons: Vec<String> = left_out.iter().map(|(reason, n)| format!("{reason} × {n}")).collect();
            wording.tr_with(&key, &[("estates", candidates), ("reasons", &reasons.join(wording.tr("units.list_separator")))])
        }
    }
}

/// The report's walker table from the coverage summary's `walker_losses` (empty without `--walker-compare`).
fn walker_loss_rows(summary: &crate::coverage::summary::CoverageSummary) -> Vec<WalkerLossRow> {
    let Some(losses) = &summary.walker_losses else { return Vec::new() };
    let of = |walker: &str, category: &str| losses.get(walker).and_then(|m| m.get(category)).map_or((0, 0.0), |l| (l.estates_losing, l.residents_losing));
    summary
        .categories
        .0
        .iter()
        .map(|(key, _)| WalkerLossRow { category: key.clone(), elderly: of("elderly", key), wheelchair: of("wheelchair", key) })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::no_bundles::NoBundles;
    use crate::lang::Lang;

    #[test]
    fn no_eligible_estate_names_its_main_reason_in_the_reports_language() {
        let why = NoBundles::NoEligibleEstates { ineligible: 12, main_reason: "built 2004, not before 2001".into(), main_reason_estates: 9 };
        assert_eq!(
            no_bundles_sentence(&why, &Wording::default_profile(Lang::Zh)),
            "没有形成改造片区：全部 12 个小区都不符合改造条件（最常见的原因：2004 年建成，不属于 2001 年以前建成的小区，9 个小区）。"
        );
        assert!(no_bundles_sentence(&why, &Wording::default_profile(Lang::En)).contains("built 2004, not before 2001"));
    }
}
