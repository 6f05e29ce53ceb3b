//! OpenStreetMap extract: an `.osm.pbf` file → the model's layers, in the working CRS.
//!
//! Stages (each parallel over elements with rayon; every output is in file id order, so the result is the
//! same whatever the thread count):
//! 1. **Decode** (`pbf.rs`): all blobs decompressed and decoded in parallel; node positions kept in
//!    flat arrays sorted by id, way node lists in one flat array, and the tags of elements carrying a key
//!    the profile reads.
//! 2. **Classify** (`classify.rs`): each tagged element against the profile's rules → the layers it feeds.
//! 3. **Resolve** (`resolve.rs`): way node ids → node positions by binary search; multipolygon member ways likewise.
//!    A way whose nodes are missing (an extract cut it) keeps its longest run of nodes present: a line
//!    (walkable way, linear barrier) is clipped there and counted in `ways_clipped`; an area, or a run of
//!    fewer than 2 nodes, goes to the rejects (`missing_nodes`).
//! 4. **Project** (`project.rs`): only the nodes that are used, each once, into the working CRS (`crs: None` → the UTM
//!    zone of the median longitude and latitude of the used nodes, which a few far-reaching relation
//!    members cannot pull away as they would a bounding box). One PROJ transformer per rayon worker.
//! 5. **Build**: lines, rings (closed ways), multipolygons (`multipolygon.rs`: relations of
//!    `type=multipolygon` or `type=boundary`), checked and repaired ([`crate::geometry::validity`]:
//!    GEOS MakeValid, each repair logged with the element's id and name).
//! 6. **Residential buildings** (`residential.rs`). Estates from building clusters and the population
//!    estimate are the next step, after reading ([`crate::estates::derive_estates`]).
//!
//! Layers (see `classify.rs` for the rule table): `estates` (OSM areas matching `[estates]`; the estates
//! step adds building clusters), `buildings`, `facilities` (one row per feature per category), idle-land `parcels`, `barriers`,
//! `gates`, `ways` (every `highway=*` way that is a line, with the tags the walk rules read),
//! `protected_land` (areas of the profile's `[[protected_land]]` classes: parks, woods, water, squares,
//! school and hospital grounds ...; a `highway=pedestrian` + `area=yes` square is a `network/highway_area`
//! reject *and* a protected area) and `rejects`.
//! `boundaries` stays empty: 社区/街道 boundaries are a planner's layer, OSM rarely has them.
//!
//! Every element that matches a layer's rule ends in that layer or in `rejects` with a reason that starts
//! with a stable code (`missing_nodes: ...`), which [`ExtractStats::rejects_by_reason`] counts per layer.
//! A reject's `layer` is the name of the output layer the element would have been written to, the same
//! as in [`ExtractStats::layers`]: `idle_land` for parcels and `network` for ways (`idle_land/point_not_area`,
//! `network/highway_area`).
//!
//! | code | meaning |
//! |---|---|
//! | `missing_nodes` | an area (or a line with fewer than 2 consecutive nodes left) refers to nodes the file does not hold (the extract cut it); lines are clipped instead |
//! | `unprojectable_node` | a node has coordinates out of range or PROJ cannot project them |
//! | `unclosed_way` | a way tagged as an area does not end where it starts |
//! | `degenerate_area` / `degenerate_line` | fewer than 3 distinct points or zero area / fewer than 2 points |
//! | `invalid_polygon` | invalid and GEOS MakeValid left no area |
//! | `point_not_area` | a node tagged as an area feature (estate, building, idle land, water) |
//! | `gate_not_node` | a gate rule matched a way or relation |
//! | `highway_area` | a `highway=*` area (`area=yes` or a multipolygon): not a line to walk along |
//! | `not_area_relation` | a relation of another type than multipolygon/boundary matched an area rule |
//! | `multipolygon_*` | a member way missing or lacking nodes, a ring that does not close, a degenerate ring |
//! | `cluster_too_small` | (the estates step) a residential building outside every estate whose cluster is too small |
//!
//! These are [`RejectCode`]s, as are the codes of planner layers, the walking network and the coverage run;
//! the rejects layer carries the code as `reason_code`, named for a reader by the catalogue.
//!
//! ```no_run
//! use lifecircle::read::osm::read_osm;
//! use lifecircle::profile::Profile;
//! let extract = read_osm("data/nanjing-xuanwu-2021.osm.pbf".as_ref(), &Profile::default_profile(), None)?;
//! assert_eq!(extract.crs.epsg, 32650); // UTM 50N
//! println!("{}", serde_json::to_string_pretty(&extract.stats).unwrap());
//! # Ok::<(), lifecircle::Error>(())
//! ```

mod classify;
mod multipolygon;
mod pbf;
mod place_name;
mod project;
mod residential;
mod resolve;

use crate::crs::WorkingCrs;
use crate::error::{Error, Result};
use crate::model::{
    Barrier, Building, Dataset, Estate, EstateSource, Facility, FacilityGeometry, Gate, Parcel, PopulationSource, ProtectedArea, Reject, RejectCode, Way,
};
use crate::profile::Profile;
use classify::{Classes, Classifier, closed_barrier_is_area};
use geo_types::{Coord, Geometry, LineString, MultiPolygon, Point, Polygon};
use pbf::{RawOsm, Tags, tag};
use project::{centre_crs, project_nodes, used_nodes};
pub use place_name::PlaceName;
use rayon::prelude::*;
use residential::TagVerdict;
use resolve::{NodeElement, RelationElement, WayElement, is_area_relation, resolve};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

/// The tags a `ways` row keeps: what the walk rules and the maps read.
pub const WAY_TAG_KEYS: [&str; 24] = [
    "highway", "access", "foot", "sidewalk", "sidewalk:both", "sidewalk:left", "sidewalk:right", "footway", "crossing", "area", "service",
    "name", "ref", "layer", "level", "bridge", "tunnel", "covered", "indoor", "surface", "incline", "wheelchair", "lit", "oneway:foot",
];

/// What [`read_osm`] read.
#[derive(Debug, Clone)]
pub struct OsmExtract {
    pub dataset: Dataset,
    pub crs: WorkingCrs,
    pub stats: ExtractStats,
    /// The profile category of each facility, in `dataset.facilities` order (for [`OsmExtract::recount`]).
    facility_category: Vec<usize>,
    /// The nodes, ways and relations the file held.
    elements_read: (u64, u64, u64),
}

impl OsmExtract {
    /// Count the layers again after a later step changed the dataset (the estates step adds estates
    /// from building clusters, their rejects and the population estimate: [`crate::estates::derive_estates`]).
    pub fn recount(&mut self, profile: &Profile) {
        let source = std::mem::take(&mut self.stats.file);
        let (repaired, clipped) = (self.stats.repaired_polygons, self.stats.ways_clipped);
        let place = self.stats.place.take();
        self.stats = statistics(self.elements_read, &self.dataset, &self.facility_category, profile, self.crs, &source, repaired, clipped);
        self.stats.place = place;
    }
}

/// Counts of what was read and produced; written as `extract.json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ExtractStats {
    pub file: String,
    /// The working CRS, `EPSG:nnnn`.
    pub crs: String,
    pub nodes_read: u64,
    pub ways_read: u64,
    pub relations_read: u64,
    /// Rows per output layer, named as the layers are written (`estates`, `buildings`, `facilities`,
    /// `facility_footprints` (the facilities mapped as areas), `idle_land`, `barriers` (lines),
    /// `barrier_areas`, `boundaries`, `gates`, `network`, `rejects`).
    pub layers: BTreeMap<String, usize>,
    /// Estates per source (`osm_landuse`, `building_cluster`).
    pub estates_by_source: BTreeMap<String, usize>,
    pub residential_buildings: usize,
    /// Facilities per profile category (every category listed, 0 when none).
    pub facilities_by_category: BTreeMap<String, usize>,
    /// Parcels per idle-land rule.
    pub parcels_by_origin: BTreeMap<String, usize>,
    /// Areas that were invalid and repaired by GEOS MakeValid.
    pub repaired_polygons: usize,
    /// Ways the extract cut that were kept as their longest run of nodes present (lines: walkable ways
    /// and linear barriers), each counted once; their rows are in `network` / `barriers`.
    pub ways_clipped: usize,
    /// Rejects per `layer/code`.
    pub rejects_by_reason: BTreeMap<String, usize>,
    /// Σ estimated population over the estates.
    pub estimated_population: f64,
    /// The place the extract covers (a `place=*` node, else an administrative boundary; see
    /// `place_name.rs`), which names the report's default title.
    pub place: Option<PlaceName>,
}

/// Read an OpenStreetMap PBF file into the model's layers, projected into `crs` (default: the UTM zone
/// of the data's centre). Bad files give [`Error::Input`] (exit code 2).
pub fn read_osm(path: &Path, profile: &Profile, crs: Option<WorkingCrs>) -> Result<OsmExtract> {
    let classifier = Classifier::new(profile);
    let raw = pbf::read_pbf(path, &classifier.tag_filter())?;
    extract_layers(path, raw, &classifier, profile, crs)
}

/// [`read_osm`] on a PBF file already in memory; `name` only names it in messages and in the `source`
/// fields. The fuzz target (`fuzz/fuzz_targets/osm_pbf.rs`) feeds arbitrary bytes here.
///
/// ```no_run
/// use lifecircle::read::osm::read_osm_bytes;
/// use lifecircle::profile::Profile;
/// let bytes = std::fs::read("data/nanjing-xuanwu-2021.osm.pbf")?;
/// let extract = read_osm_bytes("nanjing.osm.pbf".as_ref(), &bytes, &Profile::default_profile(), None)?;
/// assert_eq!(extract.crs.epsg, 32650);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_osm_bytes(name: &Path, bytes: &[u8], profile: &Profile, crs: Option<WorkingCrs>) -> Result<OsmExtract> {
    let classifier = Classifier::new(profile);
    let raw = pbf::decode_pbf(name, bytes, bytes.len() as u64, &classifier.tag_filter())?;
    extract_layers(name, raw, &classifier, profile, crs)
}

/// Stages 2 to 6 on the decoded file.
fn extract_layers(path: &Path, raw: RawOsm, classifier: &Classifier<'_>, profile: &Profile, crs: Option<WorkingCrs>) -> Result<OsmExtract> {
    let started = std::time::Instant::now();
    let stage = |name: &str| tracing::debug!(stage = name, elapsed_s = started.elapsed().as_secs_f64(), "read_osm");
    stage("decoded");
    if raw.nodes.ids.is_empty() && raw.ways_read == 0 && raw.relations_read == 0 {
        return Err(Error::input(path, "the file holds no OpenStreetMap elements", "export the area again; the extract is empty"));
    }
    if raw.nodes.ids.len() > u32::MAX as usize {
        return Err(Error::input(path, "more than 4 billion nodes", "cut a city-sized extract first, e.g. `osmium extract -b LON1,LAT1,LON2,LAT2 FILE`"));
    }
    let source = path.display().to_string();
    let elements = resolve(&raw, classifier);
    stage("classified and resolved");

    let used = used_nodes(&raw, &elements);
    let crs = match crs {
        Some(c) => c,
        None => centre_crs(&raw, &used).ok_or_else(|| Error::input(path, "no node has valid coordinates", "check the file with `osmium fileinfo -e FILE`"))?,
    };
    let projected = project_nodes(&raw, &used, crs)?;
    stage("projected");

    let builder = Builder { raw: &raw, projected: &projected, profile, source: &source };
    // Rayon's collect keeps the elements' order: nodes, then ways, then relations, each by id.
    let outputs: Vec<Out> = elements
        .nodes
        .par_iter()
        .flat_map_iter(|n| builder.node(n))
        .chain(elements.ways.par_iter().flat_map_iter(|w| builder.way(w)))
        .chain(elements.relations.par_iter().flat_map_iter(|r| builder.relation(r)))
        .collect();

    stage("built");
    let place = place_name::place_name(&raw);
    // What remains needs only the outputs: free the decoded file now.
    let counts = (raw.nodes_read, raw.ways_read, raw.relations_read);
    drop(elements);
    drop(projected);
    drop(raw);
    let mut dataset = Dataset::default();
    let mut verdicts = Vec::new();
    let mut non_residential = Vec::new();
    let mut facility_category = Vec::new();
    let mut repaired_polygons = 0;
    let mut ways_clipped = 0;
    for out in outputs {
        match out {
            Out::Estate(e) => dataset.estates.push(*e),
            Out::Building(b, v) => {
                dataset.buildings.push(b);
                verdicts.push(v);
            }
            Out::Facility(category, f) => {
                facility_category.push(category);
                dataset.facilities.push(f);
            }
            Out::Parcel(p) => dataset.parcels.push(p),
            Out::Barrier(b) => dataset.barriers.push(b),
            Out::Gate(g) => dataset.gates.push(g),
            Out::Way(w) => dataset.ways.push(w),
            Out::NonResidential(m) => non_residential.push(m),
            Out::Protected(p) => dataset.protected_land.push(p),
            Out::Reject(r) => dataset.rejects.push(r),
            Out::Clipped => ways_clipped += 1,
            Out::Repaired { id, name, problem } => {
                repaired_polygons += 1;
                let feature = format!("{id} (openstreetmap.org/{})", osm_path(&id));
                crate::geometry::validity::warn_repaired(&source, &feature, name.as_deref(), &problem);
            }
        }
    }
    if repaired_polygons > 0 {
        tracing::warn!("{source}: {repaired_polygons} invalid polygon(s) were repaired with GEOS MakeValid");
    }

    residential::mark_residential(&mut dataset.buildings, &verdicts, &non_residential);
    stage("residential");

    let mut stats = statistics(counts, &dataset, &facility_category, profile, crs, &source, repaired_polygons, ways_clipped);
    stats.place = place;
    Ok(OsmExtract { dataset, crs, stats, facility_category, elements_read: counts })
}

#[allow(clippy::too_many_arguments)]
fn statistics(
    (nodes_read, ways_read, relations_read): (u64, u64, u64),
    d: &Dataset,
    facility_category: &[usize],
    profile: &Profile,
    crs: WorkingCrs,
    source: &str,
    repaired_polygons: usize,
    ways_clipped: usize,
) -> ExtractStats {
    let mut stats = ExtractStats {
        file: source.to_string(),
        crs: crs.name(),
        nodes_read,
        ways_read,
        relations_read,
        repaired_polygons,
        ways_clipped,
        ..ExtractStats::default()
    };
    for (name, n) in [
        ("estates", d.estates.len()),
        ("buildings", d.buildings.len()),
        ("facilities", d.facilities.len()),
        ("facility_footprints", d.facilities.iter().filter(|f| matches!(f.geometry, FacilityGeometry::Area(_))).count()),
        ("idle_land", d.parcels.len()),
        ("barriers", d.barriers.iter().filter(|b| !b.is_area()).count()),
        ("barrier_areas", d.barriers.iter().filter(|b| b.is_area()).count()),
        ("boundaries", d.boundaries.len()),
        ("gates", d.gates.len()),
        ("network", d.ways.len()),
        ("protected_land", d.protected_land.len()),
        ("rejects", d.rejects.len()),
    ] {
        stats.layers.insert(name.to_string(), n);
    }
    for e in &d.estates {
        *stats.estates_by_source.entry(e.source.as_str().to_string()).or_default() += 1;
    }
    stats.residential_buildings = d.buildings.iter().filter(|b| b.residential).count();
    for c in &profile.categories {
        stats.facilities_by_category.insert(c.key.clone(), 0);
    }
    for &c in facility_category {
        *stats.facilities_by_category.entry(profile.categories[c].key.clone()).or_default() += 1;
    }
    for p in &d.parcels {
        *stats.parcels_by_origin.entry(p.origin.clone()).or_default() += 1;
    }
    for r in &d.rejects {
        let code = r.code().map_or("", |c| c.key());
        *stats.rejects_by_reason.entry(format!("{}/{code}", r.layer)).or_default() += 1;
    }
    stats.estimated_population = d.estates.iter().filter(|e| e.population_source == PopulationSource::Estimate).map(|e| e.population).sum();
    stats
}

// ---------------------------------------------------------------------------------------------------
// Stage 5: build the features.

/// One output row of an element.
enum Out {
    Estate(Box<Estate>),
    Building(Building, TagVerdict),
    /// (category position in the profile, facility).
    Facility(usize, Facility),
    Parcel(Parcel),
    Barrier(Barrier),
    Gate(Gate),
    Way(Way),
    NonResidential(MultiPolygon<f64>),
    Protected(ProtectedArea),
    Reject(Reject),
    /// Marks that a line the extract cut was kept clipped (counted in [`ExtractStats::ways_clipped`]).
    Clipped,
    /// Marks that an element's area was repaired (logged, counted in the statistics): why it was invalid.
    Repaired { id: String, name: Option<String>, problem: String },
}

/// Why an element's geometry could not be built: (code, explanation, geometry to show).
type Failure = (RejectCode, String, Option<Geometry<f64>>);

struct Builder<'a> {
    raw: &'a RawOsm,
    projected: &'a [Coord<f64>],
    profile: &'a Profile,
    source: &'a str,
}

/// An element's path on openstreetmap.org (`w123` → `way/123`), where a planner can look at it.
fn osm_path(id: &str) -> String {
    let kind = match id.as_bytes().first() {
        Some(b'n') => "node",
        Some(b'w') => "way",
        _ => "relation",
    };
    format!("{kind}/{}", &id[1..])
}

/// The layers an element feeds that report rejects (non-residential areas are an internal helper).
fn reported_layers(c: &Classes<'_>) -> Vec<&'static str> {
    let mut layers = Vec::new();
    if c.estate.is_some() {
        layers.push("estates");
    }
    if c.building.is_some() {
        layers.push("buildings");
    }
    if !c.facilities.is_empty() {
        layers.push("facilities");
    }
    if c.parcel.is_some() {
        layers.push("idle_land");
    }
    if c.barrier.is_some() {
        layers.push("barriers");
    }
    if c.gate.is_some() {
        layers.push("gates");
    }
    if c.highway.is_some() {
        layers.push("network");
    }
    if c.protected.is_some() {
        layers.push("protected_land");
    }
    layers
}

/// A lift tag's value: `yes` / a count of lifts → true, `no` / `0` → false, anything else unknown.
fn parse_lift(text: &str) -> Option<bool> {
    match text.trim() {
        "yes" | "true" => Some(true),
        "no" | "false" | "0" => Some(false),
        t => t.parse::<u32>().ok().map(|n| n > 0),
    }
}

fn parse_number(text: Option<&str>) -> Option<f64> {
    let text = text?.trim();
    let end = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    text[..end].parse::<f64>().ok().filter(|v| v.is_finite() && *v > 0.0)
}

impl Builder<'_> {
    fn reject(&self, layer: &str, id: &str, code: RejectCode, explanation: &str, geometry: Option<Geometry<f64>>) -> Out {
        Out::Reject(Reject { source: self.source.to_string(), layer: layer.to_string(), source_id: id.to_string(), reason: code.reason(explanation), geometry })
    }

    fn reject_all(&self, layers: &[&str], id: &str, failure: &Failure) -> Vec<Out> {
        layers.iter().map(|l| self.reject(l, id, failure.0, &failure.1, failure.2.clone())).collect()
    }

    fn coords(&self, refs: &[i64], positions: &[u32]) -> std::result::Result<Vec<Coord<f64>>, Failure> {
        let mut coords = Vec::with_capacity(positions.len());
        for (&p, &id) in positions.iter().zip(refs) {
            let c = self.projected[p as usize];
            if !(c.x.is_finite() && c.y.is_finite()) {
                let (lon, lat) = self.raw.nodes.lon_lat(p as usize);
                return Err((RejectCode::UnprojectableNode, RejectCode::UnprojectableNode.particulars("node", &[("id", &id), ("lon", &lon), ("lat", &lat)]), None));
            }
            coords.push(c);
        }
        Ok(coords)
    }

    fn name(tags: &Tags) -> Option<String> {
        tag(tags, "name").map(str::to_string)
    }

    /// The area rows (estate, building, facilities, parcel, barrier, non-residential) of an element whose
    /// area is `area`.
    fn area_rows(&self, id: &str, tags: &Tags, c: &Classes<'_>, area: &MultiPolygon<f64>, out: &mut Vec<Out>) {
        if c.estate.is_some() {
            out.push(Out::Estate(Box::new(Estate::unpopulated(id, Self::name(tags), area.clone(), EstateSource::OsmLanduse))));
        }
        if let Some(value) = &c.building {
            let verdict = residential::tag_verdict(value, tags, &self.profile.population);
            let lift = ["elevator", "building:elevator"].iter().filter_map(|k| tag(tags, k)).find_map(parse_lift);
            let building = Building { id: id.to_string(), footprint: area.clone(), levels: parse_number(tag(tags, "building:levels")), use_: value.clone(), residential: false, lift };
            out.push(Out::Building(building, verdict));
        }
        for (category, rule) in &c.facilities {
            out.push(self.facility(id, tags, *category, &rule.text, FacilityGeometry::Area(area.clone())));
        }
        if let Some(rule) = c.parcel {
            out.push(Out::Parcel(Parcel { id: id.to_string(), polygon: area.clone(), origin: rule.text.clone() }));
        }
        if c.non_residential {
            out.push(Out::NonResidential(area.clone()));
        }
        if let Some((rule, class)) = c.protected {
            let c = &self.profile.protected_land[class];
            out.push(Out::Protected(ProtectedArea {
                id: id.to_string(),
                class: c.class.clone(),
                matched_by: rule.text.clone(),
                polygon: area.clone(),
                protected: c.protected,
                housing_not_estate: c.housing_not_estate,
            }));
        }
    }

    fn facility(&self, id: &str, tags: &Tags, category: usize, rule_text: &str, geometry: FacilityGeometry) -> Out {
        Out::Facility(
            category,
            Facility {
                id: id.to_string(),
                name: Self::name(tags),
                category: self.profile.categories[category].key.clone(),
                geometry,
                capacity: parse_number(tag(tags, "capacity")),
                matched_by: rule_text.to_string(),
            },
        )
    }

    fn node(&self, n: &NodeElement<'_, '_>) -> Vec<Out> {
        let id = format!("n{}", n.id);
        let c = &n.classes;
        let mut out = Vec::new();
        let point = n.position.map(|p| self.projected[p as usize]).filter(|c| c.x.is_finite() && c.y.is_finite()).map(Point::from);
        let Some(point) = point else {
            let (lon, lat) = n.position.map(|p| self.raw.nodes.lon_lat(p as usize)).unwrap_or((f64::NAN, f64::NAN));
            let failure: Failure = (RejectCode::UnprojectableNode, RejectCode::UnprojectableNode.particulars("point", &[("lon", &lon), ("lat", &lat)]), None);
            let layers: Vec<&str> = reported_layers(c).into_iter().filter(|l| *l != "network").collect();
            return self.reject_all(&layers, &id, &failure);
        };
        for (category, rule) in &c.facilities {
            out.push(self.facility(&id, n.tags, *category, &rule.text, FacilityGeometry::Point(point)));
        }
        if let Some((_, kind)) = &c.gate {
            out.push(Out::Gate(Gate { id: id.clone(), point, kind: kind.clone(), access: tag(n.tags, "access").map(str::to_string) }));
        }
        let area_layers = [
            ("estates", c.estate.is_some()),
            ("buildings", c.building.is_some()),
            ("idle_land", c.parcel.is_some()),
            ("barriers", c.barrier.is_some()),
            ("protected_land", c.protected.is_some()),
        ];
        for (layer, wanted) in area_layers {
            if wanted {
                out.push(self.reject(layer, &id, RejectCode::PointNotArea, &RejectCode::PointNotArea.particulars("point", &[]), Some(Geometry::Point(point))));
            }
        }
        out
    }

    /// Check and repair the area of element `id`; a repaired one also yields [`Out::Repaired`].
    fn checked(&self, id: &str, tags: &Tags, area: MultiPolygon<f64>, out: &mut Vec<Out>) -> std::result::Result<MultiPolygon<f64>, Failure> {
        let shown = Geometry::MultiPolygon(area.clone());
        match crate::geometry::validity::checked_area(area) {
            Ok(checked) => {
                if let Some(problem) = checked.repaired {
                    out.push(Out::Repaired { id: id.to_string(), name: Self::name(tags), problem });
                }
                Ok(checked.polygon)
            }
            Err(e) => Err((RejectCode::InvalidPolygon, e, Some(shown))),
        }
    }

    fn way(&self, w: &WayElement<'_, '_>) -> Vec<Out> {
        let id = format!("w{}", w.id);
        let c = &w.classes;
        let layers = reported_layers(c);
        let mut out = Vec::new();
        let positions = match &w.positions {
            Ok(p) => p,
            Err(m) => return self.clipped_way(w, &id, &layers, m),
        };
        let mut coords = match self.coords(w.refs, positions) {
            Ok(c) => c,
            Err(failure) => return self.reject_all(&layers, &id, &failure),
        };
        coords.dedup();
        let ends_meet = !w.refs.is_empty() && w.refs.first() == w.refs.last();
        let closed = ends_meet && w.refs.len() >= 4;
        let line = LineString(coords);
        let line_ok = line.0.len() >= 2;
        let area_tagged = tag(w.tags, "area") == Some("yes");

        if c.gate.is_some() {
            out.push(self.reject("gates", &id, RejectCode::GateNotNode, &RejectCode::GateNotNode.particulars("way", &[]), Some(Geometry::LineString(line.clone()))));
        }
        // Lines: highways, and barriers that are linear.
        let barrier_is_area = c.barrier.as_ref().is_some_and(|(rule, _)| closed && closed_barrier_is_area(rule, w.tags));
        if let Some(highway) = &c.highway {
            if closed && area_tagged {
                out.push(self.reject("network", &id, RejectCode::HighwayArea, &RejectCode::HighwayArea.particulars("way", &[("highway", &highway)]), Some(Geometry::LineString(line.clone()))));
            } else if !line_ok {
                out.push(self.reject("network", &id, RejectCode::DegenerateLine, &RejectCode::DegenerateLine.particulars("points", &[]), None));
            } else {
                let tags: BTreeMap<String, String> =
                    w.tags.iter().filter(|(k, _)| WAY_TAG_KEYS.contains(k)).map(|(k, v)| (k.to_string(), v.to_string())).collect();
                out.push(Out::Way(Way { id: id.clone(), line: line.clone(), tags }));
            }
        }
        if let Some((_, class)) = &c.barrier
            && !barrier_is_area
        {
            if line_ok {
                out.push(Out::Barrier(Barrier { id: id.clone(), geometry: Geometry::LineString(line.clone()), class: class.clone() }));
            } else {
                out.push(self.reject("barriers", &id, RejectCode::DegenerateLine, &RejectCode::DegenerateLine.particulars("points", &[]), None));
            }
        }
        // Areas.
        let mut area_layers: Vec<&str> = Vec::new();
        if c.estate.is_some() {
            area_layers.push("estates");
        }
        if c.building.is_some() {
            area_layers.push("buildings");
        }
        if !c.facilities.is_empty() {
            area_layers.push("facilities");
        }
        if c.parcel.is_some() {
            area_layers.push("idle_land");
        }
        if barrier_is_area {
            area_layers.push("barriers");
        }
        if c.protected.is_some() {
            area_layers.push("protected_land");
        }
        if area_layers.is_empty() && !c.non_residential {
            return out;
        }
        let area = if !ends_meet {
            Err((RejectCode::UnclosedWay, RejectCode::UnclosedWay.particulars("ends", &[("first", w.refs.first().unwrap_or(&0)), ("last", w.refs.last().unwrap_or(&0))]), line_ok.then(|| Geometry::LineString(line.clone()))))
        } else if line.0.len() < 4 {
            Err((RejectCode::DegenerateArea, RejectCode::DegenerateArea.particulars("points", &[]), line_ok.then(|| Geometry::LineString(line.clone()))))
        } else {
            self.checked(&id, w.tags, MultiPolygon(vec![Polygon::new(line, vec![])]), &mut out)
        };
        match area {
            Ok(area) => {
                self.area_rows(&id, w.tags, c, &area, &mut out);
                if barrier_is_area && let Some((_, class)) = &c.barrier {
                    out.push(Out::Barrier(Barrier { id: id.clone(), geometry: Geometry::MultiPolygon(area), class: class.clone() }));
                }
            }
            Err(failure) => out.extend(self.reject_all(&area_layers, &id, &failure)),
        }
        out
    }

    /// A way the extract cut (some of its nodes are not in the file). Its line rows (a walkable way, a
    /// linear barrier) keep the longest run of consecutive nodes present, clipped at the last node the
    /// file holds ([`Out::Clipped`] counts it); its area rows and a run of fewer than 2 nodes are
    /// rejected as `missing_nodes`. A closed way tagged `area=yes`, and a closed barrier that is an
    /// area, are areas: they cannot be clipped.
    fn clipped_way(&self, w: &WayElement<'_, '_>, id: &str, layers: &[&str], m: &resolve::MissingNodes) -> Vec<Out> {
        let c = &w.classes;
        let failure: Failure = (RejectCode::MissingNodes, RejectCode::MissingNodes.particulars("cut", &[("missing", &m.missing), ("total", &m.total), ("first", &m.first)]), None);
        let closed = w.refs.len() >= 4 && w.refs.first() == w.refs.last();
        let area_tagged = tag(w.tags, "area") == Some("yes");
        let highway_line = c.highway.is_some() && !(closed && area_tagged);
        let barrier_line = c.barrier.as_ref().is_some_and(|(rule, _)| !(closed && closed_barrier_is_area(rule, w.tags)));
        let (start, run) = &m.longest_run;
        let line = match (highway_line || barrier_line, run.len() >= 2) {
            (true, true) => match self.coords(&w.refs[*start..], run) {
                Ok(mut coords) => {
                    coords.dedup();
                    Some(LineString(coords)).filter(|l| l.0.len() >= 2)
                }
                Err(_) => None,
            },
            _ => None,
        };
        let Some(line) = line else { return self.reject_all(layers, id, &failure) };
        let mut out = vec![Out::Clipped];
        for layer in layers {
            match *layer {
                "network" if highway_line => {
                    let tags: BTreeMap<String, String> =
                        w.tags.iter().filter(|(k, _)| WAY_TAG_KEYS.contains(k)).map(|(k, v)| (k.to_string(), v.to_string())).collect();
                    out.push(Out::Way(Way { id: id.to_string(), line: line.clone(), tags }));
                }
                "barriers" if barrier_line => {
                    if let Some((_, class)) = &c.barrier {
                        out.push(Out::Barrier(Barrier { id: id.to_string(), geometry: Geometry::LineString(line.clone()), class: class.clone() }));
                    }
                }
                other => out.push(self.reject(other, id, failure.0, &failure.1, None)),
            }
        }
        out
    }

    fn relation(&self, r: &RelationElement<'_, '_>) -> Vec<Out> {
        let id = format!("r{}", r.id);
        let c = &r.classes;
        let mut out = Vec::new();
        if let Some(highway) = &c.highway {
            out.push(self.reject("network", &id, RejectCode::HighwayArea, &RejectCode::HighwayArea.particulars("relation", &[("highway", &highway)]), None));
        }
        if c.gate.is_some() {
            out.push(self.reject("gates", &id, RejectCode::GateNotNode, &RejectCode::GateNotNode.particulars("relation", &[]), None));
        }
        let mut area_layers: Vec<&str> = Vec::new();
        for (layer, wanted) in [("estates", c.estate.is_some()), ("buildings", c.building.is_some()), ("facilities", !c.facilities.is_empty()), ("idle_land", c.parcel.is_some()), ("barriers", c.barrier.is_some()), ("protected_land", c.protected.is_some())] {
            if wanted {
                area_layers.push(layer);
            }
        }
        if area_layers.is_empty() && !c.non_residential {
            return out;
        }
        if !is_area_relation(r.tags) {
            let kind = tag(r.tags, "type").unwrap_or("(none)");
            let failure: Failure = (RejectCode::NotAreaRelation, RejectCode::NotAreaRelation.particulars("type", &[("kind", &kind)]), None);
            out.extend(self.reject_all(&area_layers, &id, &failure));
            return out;
        }
        match self.relation_area(r, &mut out) {
            Ok(area) => {
                self.area_rows(&id, r.tags, c, &area, &mut out);
                if let Some((_, class)) = &c.barrier {
                    out.push(Out::Barrier(Barrier { id: id.clone(), geometry: Geometry::MultiPolygon(area), class: class.clone() }));
                }
            }
            Err(failure) => out.extend(self.reject_all(&area_layers, &id, &failure)),
        }
        out
    }

    fn relation_area(&self, r: &RelationElement<'_, '_>, out: &mut Vec<Out>) -> std::result::Result<MultiPolygon<f64>, Failure> {
        let members = r.members.as_ref().map_err(|(code, text)| (*code, text.clone(), None))?;
        let mut coords = Vec::with_capacity(members.len());
        for m in members {
            coords.push(self.coords(m.refs, &m.positions)?);
        }
        let ways: Vec<multipolygon::MemberWay<'_>> =
            members.iter().zip(&coords).map(|(m, c)| multipolygon::MemberWay { id: m.way_id, nodes: m.refs, coords: c }).collect();
        let area = multipolygon::assemble(&ways).map_err(|e| (e.code(), e.explain(), e.geometry()))?;
        self.checked(&format!("r{}", r.id), r.tags, area, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_from_tags() {
        assert_eq!(parse_number(Some("6")), Some(6.0));
        assert_eq!(parse_number(Some(" 5.5 ")), Some(5.5));
        assert_eq!(parse_number(Some("3;4")), Some(3.0));
        assert_eq!(parse_number(Some("120 beds")), Some(120.0));
        assert_eq!(parse_number(Some("0")), None);
        assert_eq!(parse_number(Some("many")), None);
        assert_eq!(parse_number(None), None);
    }
}
