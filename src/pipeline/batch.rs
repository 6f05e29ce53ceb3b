//! `lifecircle batch`: the plan over many candidate areas at once, one sub-folder each, with a combined
//! `batch_summary.csv`.
//!
//! Two ways to name the areas:
//! - `--areas AREAS --osm FILE` (or layers): the inputs are read once; each polygon of AREAS (id from
//!   `--area-id-field`, default `area_id`, else `name`, else its position; ids must differ, a repeated one is
//!   an input error naming it) is planned on the estates whose representative point lies in it, with every
//!   other feature kept when it comes within the search radius plus the largest snap of the area or its
//!   estates, and with gates and compound roads decided on the whole input first ([`subset_for_area`]), so
//!   an estate inside an area gets the same walking distances as in `plan` on the whole input;
//! - `--inputs DIR`: one plan per `.osm.pbf` file in DIR, named after the file.
//!
//! Areas run in parallel (rayon). Resumable: an area whose folder already holds `summary.json` (written
//! last, atomically) is skipped and its figures read back ([`PlanSummary`]'s fields, through a serde type).
//! An area that fails records its error in the summary and the others go on; the command exits 2 if any
//! area failed.
//!
//! Past one machine: `--shard K/N` plans only the K-th of N shards of the areas, balanced by estimated
//! work and the same in every process ([`shard`]), so a scheduler runs the shards with no coordinator;
//! every batch folder records which shard it holds in `shard.json` (an unsharded batch is shard 1/1), and
//! [`merge`] combines the folders of all N shards into one table, one GeoPackage and GeoParquet copies.

use crate::error::{Error, Result};
use crate::index::Spatial;
use crate::write::csv_table;
use crate::write::layer::{FieldType, GeometryKind, Layer, Value};
use crate::read::planner_layers::{self, LayerKind};
use crate::model::{Dataset, Estate, FacilityGeometry, Gate, Way};
use crate::network::access::assign_gates;
use crate::network::compounds::{PieceAccess, WayPiece, walkable_pieces};
use crate::profile::WalkRules;
use geo::{Distance, Euclidean};
use geo_types::{Coord, LineString, Rect};
use crate::pipeline::{self, InputSpec, Loaded, OutputFormat, OutputSpec, PlanOptions, PlanSummary, Stages};
use geo::BoundingRect;
use geo::Intersects;
use geo_types::MultiPolygon;
use rayon::prelude::*;
use serde::Deserialize;
use std::path::{Path, PathBuf};

pub mod merge;
pub mod shard;

use shard::{AreaWork, Shard, ShardRecord};

/// How an area's plan ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AreaStatus {
    /// Planned by this run.
    Done,
    /// Already finished by an earlier run: its figures are read back from its `summary.json`.
    Skipped,
    /// The plan failed; the error is in the outcome.
    Failed,
}

impl AreaStatus {
    /// The status as `batch_summary.csv` writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            AreaStatus::Done => "done",
            AreaStatus::Skipped => "skipped",
            AreaStatus::Failed => "failed",
        }
    }
}

/// One area's outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct AreaOutcome {
    pub area_id: String,
    pub folder: PathBuf,
    pub status: AreaStatus,
    pub estates: Option<usize>,
    pub population: Option<f64>,
    pub bundles: Option<usize>,
    pub mean_score: Option<f64>,
    pub error: Option<String>,
}

/// A file-system-safe folder name for an area id.
pub fn folder_name(id: &str) -> String {
    let name: String = id.chars().map(|c| if c.is_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect();
    if name.is_empty() { "area".to_string() } else { name }
}

/// What the whole dataset decides before it is cut into areas, so that an area's estates keep the gates
/// and the walking network they have in a plan of the whole input: which estate owns each gate, and which
/// stretches of way are a compound's internal roads ([`crate::network::compounds`]).
pub struct AreaContext {
    /// Per gate, the estate it belongs to in the whole dataset ([`crate::network::access::assign_gates`]).
    gate_owner: Vec<Option<u32>>,
    /// The way pieces of the whole dataset, by way, in way order.
    pieces_of_way: Vec<Vec<WayPiece>>,
    /// How far beyond the area (and its estates) features are kept: the search radius plus the largest snap.
    reach_m: f64,
}

impl AreaContext {
    /// Decide gates and compounds on the whole of `data` with the walk rules of `rules`; features are kept
    /// `reach_m` around each area.
    pub fn new(data: &Dataset, rules: &WalkRules, reach_m: f64) -> AreaContext {
        let gates = assign_gates(&data.gates, &data.estates, rules);
        let (pieces, _) = walkable_pieces(&data.ways, &data.estates, rules);
        let mut pieces_of_way: Vec<Vec<WayPiece>> = vec![Vec::new(); data.ways.len()];
        for piece in pieces {
            if let Some(list) = pieces_of_way.get_mut(piece.way as usize) {
                list.push(piece);
            }
        }
        AreaContext { gate_owner: gates.estate_of_gate, pieces_of_way, reach_m }
    }
}

/// The part of `data` an area plans on, chosen so that every estate inside the area gets the distances a
/// plan of the whole input gives it:
/// - the estates whose representative point lies in the area;
/// - every other feature whose bounding box comes within `context.reach_m` of the area or of one of those
///   estates (a route within the search radius, and the snaps at its two ends, cannot leave that reach);
/// - gates: those the whole dataset gives to an estate left out are dropped (else the nearest estate kept
///   would take a neighbour's gate as its own), unless the gate lies on a facility's area (its entrance);
/// - ways: the stretches that are the internal roads of an estate left out are cut away (else, with the
///   estate gone, a private road would be rejected and a service road through it would become a public
///   shortcut); the rest of such a way is kept under the same id.
///
/// Left the same by construction: the public walking graph, every kept estate's gates and access points,
/// facilities' entrances, hence `dist_K`, `ok_K`, `n_K`, `nearest_K`. Not the same: Ga2SFCA ratios
/// (`access_K`, their demand counts only the area's residents) and the opened compounds of a scenario
/// (those of estates left out are not in the area's network).
pub fn subset_for_area(data: &Dataset, area: &MultiPolygon<f64>, context: &AreaContext) -> Dataset {
    let Some(area_box) = area.bounding_rect() else {
        return Dataset::default();
    };
    let inside: Vec<bool> =
        data.estates.iter().map(|e| crate::estates::population::representative_point(&e.polygon).is_some_and(|p| area.intersects(&p))).collect();
    let mut extent = area_box;
    for (e, _) in data.estates.iter().zip(&inside).filter(|(_, i)| **i) {
        if let Some(b) = e.polygon.bounding_rect() {
            extent = Rect::new(
                Coord { x: extent.min().x.min(b.min().x), y: extent.min().y.min(b.min().y) },
                Coord { x: extent.max().x.max(b.max().x), y: extent.max().y.max(b.max().y) },
            );
        }
    }
    let reach = crate::geometry::rect::grown(extent, context.reach_m);
    let near = |s: &dyn Spatial| s.shape().bounding_rect().is_some_and(|b| b.intersects(&reach));
    fn keep<T: Clone>(items: &[T], f: impl Fn(&T) -> bool) -> Vec<T> {
        items.iter().filter(|x| f(x)).cloned().collect()
    }
    let estates: Vec<Estate> = data.estates.iter().zip(&inside).filter(|(_, i)| **i).map(|(e, _)| e.clone()).collect();
    let facilities = keep(&data.facilities, |x| near(x));
    // A gate within 1 m of a facility's area is its entrance: the areas through an R-tree (a city's
    // left-out estates have thousands of gates near an area, and the area thousands of facilities).
    let facility_areas: Vec<&MultiPolygon<f64>> = facilities
        .iter()
        .filter_map(|f| match &f.geometry {
            FacilityGeometry::Area(a) => Some(a),
            FacilityGeometry::Point(_) => None,
        })
        .collect();
    let area_index = crate::index::SpatialIndex::new(&facility_areas);
    let on_facility_area = |g: &Gate| {
        let around = crate::geometry::rect::grown(Rect::new(g.point.0, g.point.0), 1.0);
        area_index.envelope_intersecting(&around).into_iter().any(|k| Euclidean.distance(&g.point, facility_areas[k]) <= 1.0)
    };
    let gates: Vec<Gate> = data
        .gates
        .iter()
        .enumerate()
        .filter(|(gi, g)| {
            let owner_kept = match context.gate_owner.get(*gi).copied().flatten() {
                Some(e) => inside.get(e as usize).copied().unwrap_or(false),
                None => true,
            };
            near(&g.point) && (owner_kept || on_facility_area(g))
        })
        .map(|(_, g)| g.clone())
        .collect();
    let mut ways = Vec::new();
    for (wi, way) in data.ways.iter().enumerate() {
        if !near(&way.line) {
            continue;
        }
        let pieces = context.pieces_of_way.get(wi).map(Vec::as_slice).unwrap_or(&[]);
        let dropped = |p: &WayPiece| matches!(p.access, PieceAccess::Compound(e) if !inside.get(e as usize).copied().unwrap_or(false));
        if !pieces.iter().any(dropped) {
            ways.push(way.clone());
            continue;
        }
        // Runs of kept pieces (consecutive pieces share their end vertex) become ways of the same id.
        let mut run: Vec<Coord<f64>> = Vec::new();
        for piece in pieces {
            if dropped(piece) {
                if run.len() >= 2 {
                    ways.push(Way { id: way.id.clone(), line: LineString(std::mem::take(&mut run)), tags: way.tags.clone() });
                }
                run.clear();
                continue;
            }
            if run.last() == piece.coords.first() {
                run.extend_from_slice(&piece.coords[1..]);
            } else {
                if run.len() >= 2 {
                    ways.push(Way { id: way.id.clone(), line: LineString(std::mem::take(&mut run)), tags: way.tags.clone() });
                }
                run = piece.coords.clone();
            }
        }
        if run.len() >= 2 {
            ways.push(Way { id: way.id.clone(), line: LineString(run), tags: way.tags.clone() });
        }
    }
    Dataset {
        estates,
        buildings: keep(&data.buildings, |x| near(x)),
        facilities,
        parcels: keep(&data.parcels, |x| near(x)),
        barriers: keep(&data.barriers, |x| near(x)),
        boundaries: keep(&data.boundaries, |x| near(x)),
        gates,
        ways,
        protected_land: data.protected_land.iter().filter(|p| p.polygon.bounding_rect().is_some_and(|b| b.intersects(&reach))).cloned().collect(),
        rejects: Vec::new(),
    }
}

/// The estimated work of planning each area, computed before any area runs so that every shard of a
/// batch computes the same assignment ([`shard::assign`]): (estates whose representative point lies in
/// the area + 1) × (vertices of the ways whose bounding box comes within `reach_m` of the area's bounding
/// box + 1), a proxy for "estates × network size" that costs one pass over estates and ways per area.
///
/// ```
/// use lifecircle::model::Dataset;
/// use lifecircle::testing::{estate, rect};
/// use geo_types::{LineString, MultiPolygon};
/// let way = lifecircle::model::Way { id: "w".into(), line: LineString::from(vec![(0.0, -5.0), (50.0, -5.0), (100.0, -5.0)]), tags: Default::default() };
/// let data = Dataset { estates: vec![estate("a", rect(0.0, 0.0, 10.0, 10.0)), estate("b", rect(20.0, 0.0, 30.0, 10.0))], ways: vec![way], ..Dataset::default() };
/// let left: MultiPolygon = rect(-1.0, -1.0, 15.0, 15.0);
/// let far: MultiPolygon = rect(1000.0, 1000.0, 1010.0, 1010.0);
/// // Left: one estate, the way's 3 vertices within 10 m: 2 × 4. Far: no estate, no way: 1 × 1.
/// assert_eq!(lifecircle::pipeline::batch::estimated_work(&data, &[left, far], 10.0), vec![8, 1]);
/// ```
pub fn estimated_work(data: &Dataset, areas: &[MultiPolygon<f64>], reach_m: f64) -> Vec<u64> {
    let estate_points: Vec<geo_types::Point<f64>> = data.estates.iter().filter_map(|e| crate::estates::population::representative_point(&e.polygon)).collect();
    let way_boxes: Vec<(Rect<f64>, u64)> = data.ways.iter().filter_map(|w| w.line.bounding_rect().map(|b| (b, w.line.0.len() as u64))).collect();
    areas
        .par_iter()
        .map(|area| {
            let Some(area_box) = area.bounding_rect() else { return 1 };
            let estates = estate_points.iter().filter(|p| area_box.intersects(*p) && area.intersects(*p)).count() as u64;
            let reach = crate::geometry::rect::grown(area_box, reach_m);
            let vertices: u64 = way_boxes.iter().filter(|(b, _)| b.intersects(&reach)).map(|(_, n)| n).sum();
            (estates + 1).saturating_mul(vertices + 1)
        })
        .collect()
}

/// What a file of `--inputs` costs beyond its size, in KiB of input: reading, the outputs, the report and
/// the map. Measured on this project's 2-core machine (debug build, three extracts in one batch): Nanjing
/// 111 KiB 27.5 s, Monaco 394 KiB 40.2 s, Liechtenstein 1,292 KiB 85.6 s, i.e. about 22 s + 0.05 s per
/// KiB: the fixed part is worth about 450 KiB of data.
pub const FILE_FIXED_WORK_KIB: u64 = 450;

/// The estimated work of planning one `.osm.pbf` file of `--inputs`: its size in KiB plus
/// [`FILE_FIXED_WORK_KIB`]. (Its estates and its network both grow with the file, but the measured time
/// grows about linearly with the size, the per-estate work being local.)
fn file_work(size_bytes: u64) -> u64 {
    size_bytes.div_ceil(1024).saturating_add(FILE_FIXED_WORK_KIB)
}

/// SHA-256 over what decides a batch's results, recorded in every shard's `shard.json` so the merge can
/// refuse shards of different batches: the lifecircle version, the batch mode and its key (the area id
/// field), the input files' roles, names, sizes and checksums (not their folders, which differ between
/// hosts), and the run's options, language and output CRS.
fn batch_sha256(mode: &str, key: &str, files: &[crate::provenance::InputFile], out: &OutputSpec, opts: &PlanOptions) -> String {
    let mut text = format!("lifecircle {}\nmode {mode} {key}\n", env!("CARGO_PKG_VERSION"));
    for f in files {
        let name = Path::new(&f.path).file_name().map_or(f.path.clone(), |n| n.to_string_lossy().to_string());
        text.push_str(&format!("{} {name} {} {}\n", f.role, f.size_bytes, f.sha256));
    }
    text.push_str(&format!("options {opts:?}\nlang {:?}\nout_crs {:?}\n", out.lang, out.out_crs));
    crate::provenance::sha256_hex(text.as_bytes())
}

/// The record of this run's shard; refuses a folder an earlier run filled with another shard or batch.
fn shard_record(out_dir: &Path, shard: Shard, mode: &str, batch: String, works: &[AreaWork]) -> Result<ShardRecord> {
    let record = ShardRecord::new(shard, mode, batch, works);
    if out_dir.join(shard::SHARD_RECORD).exists() {
        record.check_same_shard(out_dir, &ShardRecord::read(out_dir)?)?;
    }
    if shard != Shard::WHOLE {
        tracing::info!(shard = %shard, areas = record.areas.len(), of = works.len(), work = record.work as f64, largest_shard_work = record.largest_shard_work as f64, "this shard's areas");
    }
    Ok(record)
}

/// Area ids that occur more than once, each once, in order of first repeat.
pub fn duplicate_ids<'a>(ids: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    let mut repeated = Vec::new();
    for id in ids {
        if !seen.insert(id) && !repeated.iter().any(|r: &String| r == id) {
            repeated.push(id.to_string());
        }
    }
    repeated
}

/// The figures of an area's plan the batch table shows.
struct PlanSummaryFigures {
    estates: usize,
    population: f64,
    bundles: usize,
    mean_score: Option<f64>,
}

impl From<&PlanSummary> for PlanSummaryFigures {
    fn from(s: &PlanSummary) -> Self {
        PlanSummaryFigures { estates: s.estates, population: s.population, bundles: s.bundles.bundles, mean_score: s.coverage.mean_score }
    }
}

/// The part of a [`PlanSummary`] (`summary.json`) read back for an area an earlier run finished.
#[derive(Deserialize)]
struct WrittenSummary {
    estates: usize,
    population: f64,
    bundles: WrittenBundles,
    #[serde(default)]
    coverage: Option<WrittenCoverage>,
}

#[derive(Deserialize)]
struct WrittenBundles {
    bundles: usize,
}

#[derive(Deserialize)]
struct WrittenCoverage {
    #[serde(default)]
    mean_score: Option<f64>,
}

/// The figures of a finished area's `summary.json`; `None` when there is none (or it cannot be read), so
/// the area is planned again.
fn read_back(summary_path: &Path) -> Option<PlanSummaryFigures> {
    let text = std::fs::read_to_string(summary_path).ok()?;
    let written: WrittenSummary = serde_json::from_str(&text).ok()?;
    Some(PlanSummaryFigures {
        estates: written.estates,
        population: written.population,
        bundles: written.bundles.bundles,
        mean_score: written.coverage.and_then(|c| c.mean_score),
    })
}

/// Plan one area (or return its earlier result), never failing the batch.
fn run_area(area_id: &str, out: &OutputSpec, plan: impl FnOnce(&OutputSpec) -> Result<PlanSummary>) -> AreaOutcome {
    let folder = out.dir.join(folder_name(area_id));
    let outcome = |status, figures: Option<PlanSummaryFigures>, error| AreaOutcome {
        area_id: area_id.to_string(),
        folder: folder.clone(),
        status,
        estates: figures.as_ref().map(|f| f.estates),
        population: figures.as_ref().map(|f| f.population),
        bundles: figures.as_ref().map(|f| f.bundles),
        mean_score: figures.as_ref().and_then(|f| f.mean_score),
        error,
    };
    if let Some(figures) = read_back(&folder.join("summary.json")) {
        return outcome(AreaStatus::Skipped, Some(figures), None);
    }
    let spec = OutputSpec { dir: folder.clone(), format: OutputFormat::GeoPackage, lang: out.lang, out_crs: out.out_crs };
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| plan(&spec))) {
        Ok(Ok(summary)) => outcome(AreaStatus::Done, Some((&summary).into()), None),
        Ok(Err(e)) => {
            tracing::warn!(area = area_id, error = %e, "area failed");
            outcome(AreaStatus::Failed, None, Some(e.to_string()))
        }
        Err(_) => outcome(AreaStatus::Failed, None, Some("internal error: the area's run stopped unexpectedly".into())),
    }
}

/// The combined table.
pub fn batch_table(outcomes: &[AreaOutcome]) -> Layer {
    let mut t = Layer::new(
        "batch_summary",
        GeometryKind::None,
        &[
            ("area_id", FieldType::Text),
            ("status", FieldType::Text),
            ("folder", FieldType::Text),
            ("estates", FieldType::Int),
            ("population", FieldType::Real),
            ("bundles", FieldType::Int),
            ("mean_score", FieldType::Real),
            ("error", FieldType::Text),
        ],
    );
    for o in outcomes {
        t.push(
            None,
            vec![
                o.area_id.clone().into(),
                o.status.as_str().into(),
                o.folder.display().to_string().into(),
                o.estates.into(),
                o.population.into(),
                o.bundles.into(),
                o.mean_score.into(),
                o.error.clone().map_or(Value::Null, Value::Text),
            ],
        );
    }
    t
}

/// `--areas`: read the inputs once, plan each area of the areas layer (of `shard`, the K-th of N shards
/// of the areas; [`Shard::WHOLE`] for all).
pub fn batch_areas(input: &InputSpec, areas_path: &Path, area_id_field: &str, out: &OutputSpec, opts: &PlanOptions, shard: Shard) -> Result<Vec<AreaOutcome>> {
    pipeline::prepare_output(out)?;
    let loaded = pipeline::load(input)?;
    let mut crs = Some(loaded.crs);
    let raw = planner_layers::read_raw_layer(areas_path)?;
    // The area id field when the layer has it, else the boundary defaults (boundary_id, the feature id).
    let fields = planner_layers::LayerFields { id_field: raw.has_property(area_id_field).then(|| area_id_field.to_string()), ..Default::default() };
    let (data, rejected) = planner_layers::planner_layer_from_raw(LayerKind::Boundaries, raw, &fields, &mut crs, input.input_coords, &loaded.profile)?;
    let mut areas = Dataset::default();
    data.append_to(&mut areas);
    // The reader keeps the first of features sharing an id and rejects the others; for areas that would
    // silently drop a candidate area, so repeats are the planner's to fix.
    let repeated = duplicate_ids(areas.boundaries.iter().map(|b| b.id.as_str()).chain(rejected.iter().filter(|r| r.code() == Some(crate::model::RejectCode::DuplicateId)).map(|r| r.source_id.as_str())));
    if !repeated.is_empty() {
        return Err(Error::input(
            areas_path,
            format!("area ids occur more than once: {} (each area needs its own id: it names the area's output folder)", repeated.join(", ")),
            format!("give every area a different `{area_id_field}` (or pick another field with --area-id-field)"),
        ));
    }
    if areas.boundaries.is_empty() && rejected.is_empty() {
        return Err(Error::input(areas_path, format!("no features in {}", areas_path.display()), "give a polygon layer with one polygon per candidate area"));
    }
    if areas.boundaries.is_empty() {
        let why = rejected.first().map_or("it holds no polygon".to_string(), |r| format!("{}: {}", r.source_id, r.reason));
        return Err(Error::input(areas_path, format!("no usable area polygon ({why})"), "give a polygon layer with one polygon per candidate area"));
    }
    let rules = crate::coverage::effective_rules(&loaded.profile, &opts.coverage)?;
    let reach_m = crate::coverage::search_radius(&loaded.profile, &opts.coverage)? + rules.max_snap_m;
    let context = AreaContext::new(&loaded.dataset, &rules, reach_m);
    let polygons: Vec<MultiPolygon<f64>> = areas.boundaries.iter().map(|b| b.polygon.clone()).collect();
    let works: Vec<AreaWork> =
        areas.boundaries.iter().zip(estimated_work(&loaded.dataset, &polygons, reach_m)).map(|(b, work)| AreaWork { area_id: b.id.clone(), work }).collect();
    let mut files = crate::provenance::input_files(input)?;
    let (size_bytes, sha256) = crate::provenance::file_sha256(&crate::read::gdal_vector::parse_layer_spec(areas_path).path)?;
    files.push(crate::provenance::InputFile { role: "areas".into(), path: areas_path.display().to_string(), size_bytes, sha256 });
    let record = shard_record(&out.dir, shard, "areas", batch_sha256("areas", area_id_field, &files, out, opts), &works)?;
    let mine: std::collections::BTreeSet<&str> = record.areas.iter().map(|a| a.area_id.as_str()).collect();
    let outcomes: Vec<AreaOutcome> = areas
        .boundaries
        .iter()
        .filter(|b| mine.contains(b.id.as_str()))
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|area| {
            run_area(&area.id, out, |spec| {
                let sub = Loaded { dataset: subset_for_area(&loaded.dataset, &area.polygon, &context), ..loaded.clone() };
                let place = area.name.as_deref().unwrap_or(&area.id);
                let title = opts.title.clone().map_or_else(|| crate::report::Wording::new(out.lang, &loaded.profile).default_title(place), |t| format!("{t} — {}", area.id));
                let opts = PlanOptions { title: Some(title), ..opts.clone() };
                pipeline::plan_loaded(sub, input, spec, &opts, Stages::new(false))
            })
        })
        .collect();
    finish(&out.dir, outcomes, &record)
}

/// The area id of an `.osm.pbf` file of `--inputs`: its name without the extension.
fn input_area_id(file: &Path) -> String {
    file.file_name().map_or("area".into(), |n| n.to_string_lossy().trim_end_matches(".osm.pbf").to_string())
}

/// `--inputs DIR`: one plan per `.osm.pbf` file (of `shard`; [`Shard::WHOLE`] for all).
pub fn batch_inputs(input: &InputSpec, inputs_dir: &Path, out: &OutputSpec, opts: &PlanOptions, shard: Shard) -> Result<Vec<AreaOutcome>> {
    pipeline::prepare_output(out)?;
    let entries = std::fs::read_dir(inputs_dir).map_err(|e| Error::input(inputs_dir, format!("cannot list the folder: {e}"), "give --inputs a folder of .osm.pbf files"))?;
    let mut files: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.to_string_lossy().ends_with(".osm.pbf")).collect();
    files.sort();
    if files.is_empty() {
        return Err(Error::input(inputs_dir, "holds no .osm.pbf file", "put one OpenStreetMap extract per area in the folder"));
    }
    let mut checked = crate::provenance::input_files(input)?;
    let mut works = Vec::with_capacity(files.len());
    for file in &files {
        let (size_bytes, sha256) = crate::provenance::file_sha256(file)?;
        checked.push(crate::provenance::InputFile { role: "inputs".into(), path: file.display().to_string(), size_bytes, sha256 });
        works.push(AreaWork { area_id: input_area_id(file), work: file_work(size_bytes) });
    }
    let record = shard_record(&out.dir, shard, "inputs", batch_sha256("inputs", "", &checked, out, opts), &works)?;
    let mine: std::collections::BTreeSet<&str> = record.areas.iter().map(|a| a.area_id.as_str()).collect();
    let outcomes: Vec<AreaOutcome> = files
        .iter()
        .filter(|f| mine.contains(input_area_id(f).as_str()))
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|file| {
            let name = input_area_id(file);
            run_area(&name, out, |spec| {
                let spec_in = InputSpec { osm: Some(file.clone()), ..input.clone() };
                pipeline::plan(&spec_in, spec, opts, false)
            })
        })
        .collect();
    finish(&out.dir, outcomes, &record)
}

/// Write `batch_summary.csv` (areas by id), then `shard.json`, last: its presence says the shard finished.
fn finish(out_dir: &Path, mut outcomes: Vec<AreaOutcome>, record: &ShardRecord) -> Result<Vec<AreaOutcome>> {
    outcomes.sort_by(|a, b| a.area_id.cmp(&b.area_id));
    csv_table::write_layer_csv(&out_dir.join("batch_summary.csv"), &batch_table(&outcomes))?;
    pipeline::write_json(&out_dir.join(shard::SHARD_RECORD), record)?;
    let failed = outcomes.iter().filter(|o| o.status == AreaStatus::Failed).count();
    tracing::info!(areas = outcomes.len(), failed, "batch written");
    Ok(outcomes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_summary_reads_back_to_the_figures_of_the_plan() {
        use crate::coverage::summary::{CoverageSummary, OrderedMap};
        let coverage = CoverageSummary { estates: 3, population: 4500.0, categories: OrderedMap(Vec::new()), tiers: OrderedMap(Vec::new()), mean_score: Some(0.5), distance_method: "walking_network".into(), dem: None, walker: Default::default(), walker_losses: None };
        let bundles = crate::pipeline::BundleSummary {
            crs: "EPSG:32650".into(),
            estates: 3,
            bundles: 2,
            candidate_population: 4500.0,
            bundled_population: 4000.0,
            bundled_share: 4000.0 / 4500.0,
            eligibility: Default::default(),
            left_out: Default::default(),
            no_bundles: None,
            min_pop: 1000.0,
            max_pop: 3000.0,
            lifts: Default::default(),
            layers: Default::default(),
            files: Vec::new(),
        };
        let summary = PlanSummary {
            title: "t".into(),
            crs: "EPSG:32650".into(),
            estates: 3,
            population: 4500.5,
            rejects: 0,
            coverage: coverage.clone(),
            bundles,
            coverage_after_sites: coverage,
            sites: 1,
            bundle_sites: 0,
            stage_seconds: Default::default(),
            files: Vec::new(),
            attribution: String::new(),
            data_quality: Default::default(),
            provenance: Default::default(),
        };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("summary.json");
        crate::pipeline::write_json(&path, &summary).unwrap();
        let f = read_back(&path).unwrap();
        assert_eq!((f.estates, f.population, f.bundles, f.mean_score), (3, 4500.5, 2, Some(0.5)));
        // No mean score (no estates): null in the file, none read back.
        std::fs::write(&path, r#"{"estates": 0, "population": 0, "bundles": {"bundles": 0}, "coverage": {"mean_score": null}}"#).unwrap();
        assert_eq!(read_back(&path).unwrap().mean_score, None);
        // A half-written or foreign file is no finished plan.
        std::fs::write(&path, r#"{"estates": 3}"#).unwrap();
        assert!(read_back(&path).is_none());
        assert!(read_back(&dir.path().join("missing.json")).is_none());
    }

    #[test]
    fn folder_names_are_safe() {
        assert_eq!(folder_name("玄武/梅园 1"), "玄武_梅园_1");
        assert_eq!(folder_name(""), "area");
        assert_eq!(folder_name("../x"), "___x");
    }
}
