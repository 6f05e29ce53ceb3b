//! `lifecircle bundle`: eligibility, adjacency and the partition of adjacent estates into contiguous
//! renovation bundles (成片改造) of a target population ([`crate::bundle`]), written as the estates with their
//! bundle fields, the bundles, the adjacency graph, `bundles.csv` and `bundle.json` (written last: its
//! presence says the run completed). `plan` shares `bundle_outputs`.

use crate::bundle::{self, BundleOptions, BundleRun};
use crate::crs::WorkingCrs;
use crate::estates::lifts::{self, LiftSurvey};
use crate::model::Dataset;
use crate::write::layer::{FieldType, GeometryKind, Value};
use crate::write::wgs84::to_wgs84_all;
use geo_types::Geometry;
use crate::error::{Error, Result};
use crate::pipeline::load::{InputSpec, Loaded, load};
use crate::pipeline::outputs::{OutputSpec, commit_run, final_paths, output_layer_counts, prepare_output, write_json_with_provenance, write_run_outputs};
use crate::write::layer::{Layer, OutputLayer};
use crate::write::{atomic, model_layers};
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Instant;

/// What `bundle` wrote.
#[derive(Debug, Clone, Serialize)]
pub struct BundleSummary {
    pub crs: String,
    pub estates: usize,
    pub bundles: usize,
    /// Residents of eligible (and provisionally bundled needs-survey) estates.
    pub candidate_population: f64,
    pub bundled_population: f64,
    pub bundled_share: f64,
    /// Estates per eligibility verdict (`eligible`, `needs_survey`, `ineligible`).
    pub eligibility: BTreeMap<String, usize>,
    /// Estates left out of bundles per reason.
    pub left_out: BTreeMap<String, usize>,
    /// Why there is no bundle, when there is none ([`crate::bundle::no_bundles`]); `null` otherwise.
    pub no_bundles: Option<crate::bundle::no_bundles::NoBundles>,
    pub min_pop: f64,
    pub max_pop: f64,
    /// Lift retrofit candidates (`lift_candidates` layer).
    pub lifts: LiftTotals,
    pub layers: BTreeMap<String, usize>,
    pub files: Vec<String>,
}

/// The lift retrofit candidates in figures ([`crate::estates::lifts`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Default)]
pub struct LiftTotals {
    pub candidates: usize,
    /// Of which in estates of unknown construction year.
    pub needs_survey: usize,
    pub households: f64,
    /// Residential buildings of estates without mapped levels (not assessed).
    pub buildings_without_levels: usize,
    /// Buildings tall enough that have a mapped lift.
    pub buildings_with_lift: usize,
}

/// `lifecircle bundle`: eligibility, adjacency and the partition into renovation bundles. `opts` must have
/// passed [`BundleOptions::check`] (the command line checks them when it reads the flags).
pub fn bundle(input: &InputSpec, out: &OutputSpec, opts: &BundleOptions) -> Result<BundleSummary> {
    prepare_output(out)?;
    let loaded = load(input)?;
    if loaded.dataset.estates.is_empty() {
        return Err(Error::Usage("no estates to bundle: the inputs hold no estate (see rejects with `lifecircle extract`)".into()));
    }
    let started = Instant::now();
    let run = bundle::run_bundles(&loaded.dataset, opts, None)?;
    tracing::info!(bundles = run.bundles.len(), seconds = started.elapsed().as_secs_f64(), "bundled");
    let BundleOutputs { layers, table, mut summary } = bundle_outputs(&loaded, &run)?;
    let layers = [layers.estates, layers.bundles, layers.adjacency, layers.lift_candidates].map(OutputLayer::Whole);
    let stage = atomic::StagingFolder::create(&out.dir)?;
    let mut files = write_run_outputs(stage.path(), out, &loaded, &layers, &[("bundles.csv", &table)])?;
    summary.layers = output_layer_counts(&layers);
    summary.files = final_paths(stage.path(), &out.dir, &files);
    files.push(write_json_with_provenance(stage.path(), "bundle.json", &summary, &loaded.provenance)?);
    commit_run(stage, &files)?;
    Ok(summary)
}

/// The map layers of a bundle run.
pub(crate) struct BundleLayers {
    /// The estates with their bundle fields.
    pub estates: Layer,
    pub bundles: Layer,
    pub adjacency: Layer,
    /// Lift retrofit candidates: the buildings' footprints.
    pub lift_candidates: Layer,
}

/// A bundle run ready to write.
pub(crate) struct BundleOutputs {
    pub layers: BundleLayers,
    /// The bundles table for `bundles.csv`.
    pub table: Layer,
    /// The summary, its `layers` and `files` filled in once written.
    pub summary: BundleSummary,
}

/// The bundle run as map layers, the bundles table and the summary.
pub(crate) fn bundle_outputs(loaded: &Loaded, run: &BundleRun) -> Result<BundleOutputs> {
    let mut bl = bundle::layers::bundle_layers(run, loaded.crs)?;
    let mut estates = model_layers::estates_layer(&loaded.dataset.estates, loaded.crs)?;
    estates.join_fields(&bl.estate_bundles, "estate_id");
    let data = &loaded.dataset;
    let survey = lifts::lift_candidates(&data.estates, &data.buildings, &loaded.profile.lifts, &loaded.profile.population);
    let bundle_of: Vec<Option<&str>> = run.estates.iter().map(|r| r.bundle_id.as_deref()).collect();
    let lift = lift_layers(data, &survey, &bundle_of, loaded.crs)?;
    estates.join_fields(&lift.per_estate, "estate_id");
    bl.bundles.join_fields(&lift.per_bundle, "bundle_id");
    bl.bundles_table.join_fields(&lift.per_bundle, "bundle_id");
    let mut eligibility = BTreeMap::new();
    let mut left_out = BTreeMap::new();
    for r in &run.estates {
        *eligibility.entry(r.eligible.as_str().to_string()).or_insert(0) += 1;
        if let Some(reason) = &r.left_out_reason {
            let key = reason.split(':').next().unwrap_or(reason).trim().to_string();
            *left_out.entry(key).or_insert(0) += 1;
        }
    }
    let candidate = run.candidate_population(&loaded.dataset);
    let bundled = run.bundled_population();
    let summary = BundleSummary {
        crs: loaded.crs.name(),
        estates: loaded.dataset.estates.len(),
        bundles: run.bundles.len(),
        candidate_population: candidate,
        bundled_population: bundled,
        bundled_share: if candidate > 0.0 { bundled / candidate } else { 0.0 },
        eligibility,
        left_out,
        no_bundles: crate::bundle::no_bundles::why_no_bundles(run, &loaded.dataset),
        min_pop: run.options.min_pop,
        max_pop: run.options.max_pop,
        lifts: LiftTotals {
            candidates: survey.candidates.len(),
            needs_survey: survey.candidates.iter().filter(|c| c.needs_survey).count(),
            households: survey.candidates.iter().map(|c| c.households).sum(),
            buildings_without_levels: survey.buildings_without_levels,
            buildings_with_lift: survey.buildings_with_lift,
        },
        layers: BTreeMap::new(),
        files: Vec::new(),
    };
    Ok(BundleOutputs { layers: BundleLayers { estates, bundles: bl.bundles, adjacency: bl.adjacency, lift_candidates: lift.candidates }, table: bl.bundles_table, summary })
}

/// The lift candidates as a layer, and their counts per estate and per bundle (tables to join).
struct LiftLayers {
    candidates: Layer,
    per_estate: Layer,
    per_bundle: Layer,
}

/// Counts joined into the estates and bundles layers: candidates, their estimated households, and those
/// needing a survey.
const LIFT_COUNT_FIELDS: [(&str, FieldType); 3] = [("lift_candidates", FieldType::Int), ("lift_households", FieldType::Real), ("lift_needs_survey", FieldType::Int)];

fn lift_layers(data: &Dataset, survey: &LiftSurvey, bundle_of: &[Option<&str>], crs: WorkingCrs) -> Result<LiftLayers> {
    let mut candidates = Layer::new(
        "lift_candidates",
        GeometryKind::Polygon,
        &[
            ("building_id", FieldType::Text),
            ("levels", FieldType::Real),
            ("floor_area_m2", FieldType::Real),
            ("households_est", FieldType::Real),
            ("estate_id", FieldType::Text),
            ("bundle_id", FieldType::Text),
            ("built_year", FieldType::Int),
            ("needs_survey", FieldType::Bool),
        ],
    );
    let geometries = survey.candidates.iter().map(|c| Some(Geometry::MultiPolygon(data.buildings[c.building].footprint.clone()))).collect();
    let geometries = to_wgs84_all(crs, "lift_candidates", geometries)?;
    // Per estate and per bundle: (candidates, households, needing a survey), in first-seen order.
    let mut per_estate: Vec<(usize, usize, f64, usize)> = Vec::new();
    let mut per_bundle: BTreeMap<&str, (usize, f64, usize)> = BTreeMap::new();
    for (c, g) in survey.candidates.iter().zip(geometries) {
        let e = &data.estates[c.estate];
        let bundle = bundle_of.get(c.estate).copied().flatten();
        candidates.push(
            g,
            vec![
                Value::Text(data.buildings[c.building].id.clone()),
                Value::from(c.levels),
                Value::from((c.floor_area_m2 * 10.0).round() / 10.0),
                Value::from((c.households * 10.0).round() / 10.0),
                Value::Text(e.id.clone()),
                bundle.map(str::to_string).into(),
                e.built_year.map(i64::from).into(),
                Value::Bool(c.needs_survey),
            ],
        );
        match per_estate.iter_mut().find(|r| r.0 == c.estate) {
            Some(r) => {
                r.1 += 1;
                r.2 += c.households;
                r.3 += usize::from(c.needs_survey);
            }
            None => per_estate.push((c.estate, 1, c.households, usize::from(c.needs_survey))),
        }
        if let Some(b) = bundle {
            let r = per_bundle.entry(b).or_default();
            r.0 += 1;
            r.1 += c.households;
            r.2 += usize::from(c.needs_survey);
        }
    }
    let count_row = |n: usize, households: f64, survey: usize| vec![Value::from(n), Value::from((households * 10.0).round() / 10.0), Value::from(survey)];
    let mut estates = Layer::new("lift_per_estate", GeometryKind::None, &[[("estate_id", FieldType::Text)].as_slice(), &LIFT_COUNT_FIELDS].concat());
    // Every estate gets a row (0 without candidates), so the joined fields are never null.
    for (ei, e) in data.estates.iter().enumerate() {
        let (n, h, s) = per_estate.iter().find(|r| r.0 == ei).map_or((0, 0.0, 0), |r| (r.1, r.2, r.3));
        estates.push(None, [vec![Value::Text(e.id.clone())], count_row(n, h, s)].concat());
    }
    let mut bundles = Layer::new("lift_per_bundle", GeometryKind::None, &[[("bundle_id", FieldType::Text)].as_slice(), &LIFT_COUNT_FIELDS].concat());
    let mut ids: Vec<&str> = bundle_of.iter().flatten().copied().collect();
    ids.sort_unstable();
    ids.dedup();
    for b in ids {
        let (n, h, s) = per_bundle.get(b).copied().unwrap_or_default();
        bundles.push(None, [vec![Value::Text(b.to_string())], count_row(n, h, s)].concat());
    }
    Ok(LiftLayers { candidates, per_estate: estates, per_bundle: bundles })
}
