//! Life-circle coverage (GB 50180-2018 Table 3.0.4): for every estate and facility category, the walking
//! distance to the nearest facility, the nearest three, how many are within the category's threshold,
//! whether the estate is covered, capacity-aware access (Ga2SFCA), service areas, and the
//! open-the-walls scenario. Distances follow the contract written in [`crate::network`].
//!
//! The entry point is [`run_coverage`]; [`layers::coverage_layers`] turns its result into output layers and
//! [`summary::CoverageSummary`] is `coverage.json`.
//!
//! Stages: walk rules and compounds → public walking graph → gates assigned to estates → estate access
//! points and facility entrances (rayon over features) → distances: one bounded search per estate over
//! all categories (rayon over estates; [`DistanceEngine::EstateSearch`], the default) or one bounded
//! multi-source multi-label search per category (rayon over categories;
//! [`DistanceEngine::FacilitySearch`]) — every result is independent of the others, so the output does
//! not depend on the thread count → service areas (one search per category) → verdicts, scores, Ga2SFCA,
//! summary → optional scenario on a second graph → with `--walker-compare`, the elderly and wheelchair
//! walkers on their own networks (`NetworkMaker`: the walker's ways, on the DEM when `--dem` is given).
//!
//! ```
//! use lifecircle::coverage::{run_coverage, CoverageOptions};
//! use lifecircle::model::Dataset;
//! use lifecircle::profile::Profile;
//! // An empty district runs and covers nobody.
//! let run = run_coverage(&Dataset::default(), &Profile::default_profile(), &CoverageOptions::default()).unwrap();
//! assert_eq!(run.summary.estates, 0);
//! assert_eq!(run.search_radius_m, 1500.0);
//! ```

pub mod distances;
pub mod ga2sfca;
pub mod layers;
pub mod scenario;
pub mod straight;
pub mod summary;

use crate::crs::WorkingCrs;
use crate::error::{Error, Result};
use crate::model::{Dataset, Reject, RejectCode, Way};
use crate::read::dem::{Dem, network_terrain};
use std::path::PathBuf;
use crate::network::WalkNetwork;
use crate::network::access::{Access, AccessRule, GateAssignment, GateIndex, assign_gates, estate_access, facility_access, gate_filter};
use crate::network::compounds::{PieceAccess, WayPiece, walkable_pieces};
use crate::network::walker::Walker;
use crate::network::dijkstra::{EdgeEntries, SourceEntry};
use crate::network::service_area::{reached_lines, service_area_polygon};
use crate::profile::{Profile, WalkRules, WalkerRules};
use crate::network::dijkstra::{SearchLimits, k_nearest_sources, seeds_from_entries};
use crate::network::estate_search::{Attachments, EstateSearch, Start};
use distances::{EstateDistances, SourceDistance, category_distances};
use geo_types::{MultiLineString, MultiPolygon};
use rayon::prelude::*;
use scenario::{DeltaSummary, Scenario, ScenarioRun};
use std::collections::{BTreeSet, HashMap};
use summary::{CoverageSummary, coverage_summary, estate_score};

/// How the estate-to-facility distances are computed. Both are exact and give the same results (the
/// oracle tests check both); they differ in speed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DistanceEngine {
    /// One bounded Dijkstra per estate over all categories ([`crate::network::estate_search`]): work =
    /// estates × nodes within the search radius, cache-friendly. The default.
    #[default]
    EstateSearch,
    /// One multi-source, multi-label search per category from its facilities
    /// ([`crate::network::dijkstra`]): work = categories × nodes × 3 labels, touching the whole graph.
    FacilitySearch,
}

/// What the planner chose for a coverage run.
#[derive(Debug, Clone, PartialEq)]
pub struct CoverageOptions {
    /// `--access gates|boundary|centroid`.
    pub access_rule: AccessRule,
    /// Replaces the profile's `walk.max_snap_m`.
    pub max_snap_m: Option<f64>,
    /// Replaces `walk.search_radius_factor` × the largest threshold; must reach the largest threshold.
    pub search_radius_m: Option<f64>,
    /// Service areas per category: none, lines, or lines and polygons (polygons cost about a second per
    /// 15,000 reached edges; at city scale prefer lines).
    pub service_areas: ServiceAreaOutput,
    /// An open-the-walls scenario to compare with the current state.
    pub scenario: Option<Scenario>,
    pub engine: DistanceEngine,
    /// `--dem`: a ground elevation raster; distances become effort lengths ([`crate::network::terrain`]).
    pub dem: Option<PathBuf>,
    /// The CRS the dataset is in, needed to place the DEM under it (the pipeline sets it after loading).
    pub working_crs: Option<WorkingCrs>,
    /// `--walker`: who walks ([`crate::network::walker`]).
    pub walker: Walker,
    /// `--walker-compare`: also run the elderly and wheelchair walkers and compare them with the adult.
    pub walker_compare: bool,
    /// `--distance`: along the walking network (the default), or estimated as straight line × detour.
    pub distance: DistanceMethod,
}

/// How distances are measured (`--distance network|straight`).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum DistanceMethod {
    /// Along the walking network (the contract of [`crate::network`]).
    #[default]
    Network,
    /// Estimated without a network: straight line × `detour` (`None`: the profile's
    /// `walk.straight_line_detour`). See [`straight`].
    StraightLine { detour: Option<f64> },
}

impl Default for CoverageOptions {
    fn default() -> CoverageOptions {
        CoverageOptions {
            access_rule: AccessRule::Gates,
            max_snap_m: None,
            search_radius_m: None,
            service_areas: ServiceAreaOutput::Auto,
            scenario: None,
            engine: DistanceEngine::EstateSearch,
            distance: DistanceMethod::Network,
            dem: None,
            working_crs: None,
            walker: Walker::Adult,
            walker_compare: false,
        }
    }
}

/// Which service-area geometry to compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ServiceAreaOutput {
    None,
    Lines,
    LinesAndPolygons,
    /// Lines and polygons on a district-sized network (at most [`AUTO_SERVICE_AREA_MAX_EDGES`] edges),
    /// none on a city-wide one, where they would be hundreds of megabytes no map can draw (ask for them
    /// explicitly there).
    #[default]
    Auto,
}

/// The largest walking network (edges) for which [`ServiceAreaOutput::Auto`] draws service areas.
pub const AUTO_SERVICE_AREA_MAX_EDGES: usize = 200_000;

impl ServiceAreaOutput {
    /// What `Auto` means for a network of `edges` edges; the other choices stay as they are.
    pub fn resolve(self, edges: usize) -> ServiceAreaOutput {
        match self {
            ServiceAreaOutput::Auto if edges <= AUTO_SERVICE_AREA_MAX_EDGES => ServiceAreaOutput::LinesAndPolygons,
            ServiceAreaOutput::Auto => {
                tracing::warn!(
                    edges,
                    "service areas not drawn: the walking network has more than {AUTO_SERVICE_AREA_MAX_EDGES} edges; ask for them with --service-areas lines or polygons"
                );
                ServiceAreaOutput::None
            }
            other => other,
        }
    }
}

impl std::str::FromStr for ServiceAreaOutput {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<ServiceAreaOutput, String> {
        match s {
            "none" => Ok(ServiceAreaOutput::None),
            "lines" => Ok(ServiceAreaOutput::Lines),
            "polygons" | "lines+polygons" => Ok(ServiceAreaOutput::LinesAndPolygons),
            "auto" => Ok(ServiceAreaOutput::Auto),
            _ => Err(format!("unknown service-area output `{s}`: use auto, none, lines or polygons")),
        }
    }
}

/// A category's reach: lines within the threshold, and (when asked) those lines buffered and dissolved.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceArea {
    pub lines: MultiLineString<f64>,
    pub polygon: Option<MultiPolygon<f64>>,
}

/// One category's results.
#[derive(Debug, Clone, PartialEq)]
pub struct CategoryResult {
    pub key: String,
    pub threshold_m: f64,
    /// The category's reachable facilities (indices into `Dataset.facilities`), sorted by facility id:
    /// the source ranks used in [`EstateDistances`].
    pub facilities: Vec<u32>,
    /// Per estate, in `Dataset.estates` order.
    pub estates: Vec<EstateDistances>,
    /// Ga2SFCA access per estate, when some facility of the category has a capacity.
    pub access: Option<Vec<f64>>,
    /// Facilities counted with capacity 0 in the Ga2SFCA.
    pub facilities_without_capacity: Option<usize>,
    pub service_area: Option<ServiceArea>,
    /// Labels settled by this category's own searches (the facility engine, service areas): work done.
    pub labels_settled: usize,
}

impl CategoryResult {
    /// The facility index behind a source rank.
    pub fn facility(&self, source: u32) -> u32 {
        self.facilities[source as usize]
    }
}

/// The results on one state of the network.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    /// Per estate.
    pub estate_access: Vec<Access>,
    /// Per facility; `None` for a facility whose category the profile does not define.
    pub facility_access: Vec<Option<Access>>,
    /// Per profile category.
    pub categories: Vec<CategoryResult>,
    /// `ok[estate][category]`.
    pub ok: Vec<Vec<bool>>,
    /// Per estate.
    pub scores: Vec<Option<f64>>,
}

/// Everything a coverage run computed.
pub struct CoverageRun {
    /// The public walking network.
    pub network: WalkNetwork,
    pub gates: GateAssignment,
    pub search_radius_m: f64,
    pub baseline: Analysis,
    pub summary: CoverageSummary,
    pub scenario: Option<ScenarioRun>,
    /// Ways not walked, facilities and estates that cannot be reached, unknown categories.
    pub rejects: Vec<Reject>,
    /// Wall-clock seconds per stage, in order (for logs and benchmarks).
    pub timings_s: Vec<(&'static str, f64)>,
    /// The walk rules the run used, overrides (`--max-snap`) applied: siting places new facilities on
    /// the network under the same rules.
    pub rules: WalkRules,
    /// The detour factor when distances are estimated as straight line × detour (`--distance straight`);
    /// `None` for walking distances along the network.
    pub straight_line_detour: Option<f64>,
    /// With `--walker-compare`: the elderly and wheelchair walkers' verdicts.
    pub walker_runs: Vec<WalkerRun>,
}

/// Another walker's verdicts on the same estates and facilities (`--walker-compare`).
#[derive(Debug, Clone, PartialEq)]
pub struct WalkerRun {
    pub walker: Walker,
    /// `ok[estate][category]`, as [`Analysis::ok`].
    pub ok: Vec<Vec<bool>>,
    /// Per estate and category: residents covered under this walker minus under the adult (negative:
    /// residents losing coverage).
    pub delta_population: Vec<Vec<f64>>,
}

/// The ground under a run's networks: the opened DEM, the CRS the data is in, the ways (bridges and
/// tunnels do not follow the ground).
pub(crate) struct Ground<'a> {
    dem: Dem,
    crs: WorkingCrs,
    ways: &'a [Way],
}

impl<'a> Ground<'a> {
    /// Open `--dem`, when given.
    fn open(opts: &CoverageOptions, ways: &'a [Way]) -> Result<Option<Ground<'a>>> {
        let Some(path) = &opts.dem else { return Ok(None) };
        let crs = opts.working_crs.ok_or_else(|| Error::Internal("a DEM was given without the working CRS of the data".into()))?;
        Ok(Some(Ground { dem: Dem::open(path)?, crs, ways }))
    }

    fn summary(&self, network: &WalkNetwork) -> summary::DemSummary {
        summary::DemSummary {
            file: self.dem.path().display().to_string(),
            crs: self.dem.crs().to_string(),
            coverage: network.graph.terrain().map(|t| t.coverage).unwrap_or_default(),
        }
    }
}

/// Builds the walking networks of a run for one walker ([`crate::network::walker`]): the pieces the
/// walker uses, on the DEM when there is one, without the edges too steep for it, with its factors.
pub(crate) struct NetworkMaker<'a> {
    pub ground: Option<&'a Ground<'a>>,
    pub walker: Walker,
    pub rules: &'a WalkerRules,
    pub ways: &'a [Way],
}

impl NetworkMaker<'_> {
    pub(crate) fn build(&self, pieces: &[WayPiece], include: impl Fn(PieceAccess) -> bool) -> Result<WalkNetwork> {
        let walker = self.walker;
        let uses = |p: &WayPiece| self.ways.get(p.way as usize).is_none_or(|w| walker.uses_way(self.rules, &w.tags));
        let mut network = if pieces.iter().all(uses) {
            WalkNetwork::build(pieces, include)
        } else {
            let kept: Vec<WayPiece> = pieces.iter().filter(|p| uses(p)).cloned().collect();
            WalkNetwork::build(&kept, include)
        };
        if let Some(g) = self.ground {
            let mut terrain = network_terrain(&g.dem, g.crs, &network.graph, g.ways, walker.steep_factor(self.rules))?;
            if let Some(limit) = walker.max_slope(self.rules) {
                let keep: Vec<bool> = (0..network.graph.edges.len() as u32).map(|e| terrain.max_slope(e) <= limit).collect();
                if keep.iter().any(|k| !k) {
                    // Rebuild without the steep edges (each kept edge becomes a piece of its own: the same
                    // edges, in the same order), so that nothing snaps onto them.
                    let g0 = &network.graph;
                    let edge_pieces: Vec<WayPiece> = (0..g0.edges.len())
                        .filter(|&e| keep[e])
                        .map(|e| WayPiece { way: g0.edges[e].way, coords: g0.edge_line(e as u32).to_vec(), access: g0.edges[e].access })
                        .collect();
                    tracing::info!(walker = walker.as_str(), edges = keep.iter().filter(|k| !**k).count(), "edges too steep for the walker left out");
                    network = WalkNetwork::build(&edge_pieces, |_| true);
                    terrain = terrain.select(&keep);
                }
            }
            let factors = self.way_factors(&network);
            network.graph.set_terrain(terrain, factors.as_deref());
        } else if let Some(factors) = self.way_factors(&network) {
            let costs: Vec<f64> = network.graph.edges.iter().zip(&factors).map(|(e, f)| e.cost_m * f).collect();
            network.graph.set_costs(&costs);
        }
        Ok(network)
    }

    /// The walker's factor of each edge's way (steps for the elderly ...), `None` when all are 1.
    fn way_factors(&self, network: &WalkNetwork) -> Option<Vec<f64>> {
        let factors: Vec<f64> = network.graph.edges.iter().map(|e| self.ways.get(e.way as usize).map_or(1.0, |w| self.walker.way_factor(self.rules, &w.tags))).collect();
        factors.iter().any(|&f| f != 1.0).then_some(factors)
    }
}

impl CoverageRun {
    /// `walking_network` or `straight_line_x1.3`, written in every output.
    pub fn distance_method(&self) -> String {
        straight::method_label(self.straight_line_detour)
    }
}

impl CoverageRun {
    /// `delta.json`, when a scenario ran.
    pub fn delta(&self) -> Option<&DeltaSummary> {
        self.scenario.as_ref().map(|s| &s.delta)
    }
}

/// The walk rules with the run's overrides applied.
pub fn effective_rules(profile: &Profile, opts: &CoverageOptions) -> Result<WalkRules> {
    let mut rules = profile.walk.clone();
    if let Some(m) = opts.max_snap_m {
        if !(m.is_finite() && m > 0.0) {
            return Err(Error::Usage(format!("--max-snap {m}: give a positive number of metres, e.g. 200")));
        }
        rules.max_snap_m = m;
    }
    Ok(rules)
}

/// The nearest-facility search radius.
pub fn search_radius(profile: &Profile, opts: &CoverageOptions) -> Result<f64> {
    let largest = profile.max_threshold_m();
    let radius = opts.search_radius_m.unwrap_or(profile.walk.search_radius_factor * largest);
    if !(radius.is_finite() && radius >= largest) {
        return Err(Error::Usage(format!(
            "--search-radius {radius}: it must be at least the largest category threshold ({largest} m), or coverage could not be judged"
        )));
    }
    Ok(radius)
}

/// Facilities per profile category (reachable ones, sorted by id), and rejects for the others.
fn group_facilities(data: &Dataset, profile: &Profile, facility_access: &[Option<Access>]) -> (Vec<Vec<u32>>, Vec<Reject>) {
    let index_of: HashMap<&str, usize> = profile.categories.iter().enumerate().map(|(i, c)| (c.key.as_str(), i)).collect();
    let mut groups = vec![Vec::new(); profile.categories.len()];
    let mut rejects = Vec::new();
    for (fi, f) in data.facilities.iter().enumerate() {
        let reject = |reason: String| Reject {
            source: "facilities".into(),
            layer: "facilities".into(),
            source_id: f.id.clone(),
            reason,
            geometry: Some(match &f.geometry {
                crate::model::FacilityGeometry::Point(p) => geo_types::Geometry::Point(*p),
                crate::model::FacilityGeometry::Area(a) => geo_types::Geometry::MultiPolygon(a.clone()),
            }),
        };
        match (index_of.get(f.category.as_str()), &facility_access[fi]) {
            (None, _) => {
                let keys: Vec<&str> = profile.categories.iter().map(|c| c.key.as_str()).collect();
                rejects.push(reject(RejectCode::UnknownCategory.reason_for("not_in_profile", &[("category", &f.category), ("known", &keys.join(", "))])));
            }
            (Some(_), Some(a)) if a.points.is_empty() => {
                rejects.push(reject(RejectCode::Unreachable.reason(a.problem.as_deref().unwrap_or("not reachable on foot"))));
            }
            (Some(&ci), _) => groups[ci].push(fi as u32),
        }
    }
    for g in &mut groups {
        g.sort_by(|&a, &b| data.facilities[a as usize].id.cmp(&data.facilities[b as usize].id).then(a.cmp(&b)));
    }
    (groups, rejects)
}

/// Facility entrances for every facility of a known category.
fn all_facility_access(network: &WalkNetwork, data: &Dataset, profile: &Profile, rules: &WalkRules) -> Vec<Option<Access>> {
    let ctx = network.context(rules);
    let gate_index = GateIndex::new(&data.gates, rules);
    data.facilities
        .par_iter()
        .map(|f| profile.category(&f.category).map(|_| facility_access(ctx, f, &data.gates, &gate_index)))
        .collect()
}

/// Estate access points for every estate under a rule, with the gates `gate_open` allows.
pub(crate) fn all_estate_access(
    network: &WalkNetwork,
    data: &Dataset,
    gates: &GateAssignment,
    rule: AccessRule,
    rules: &WalkRules,
    opened_gates: &BTreeSet<u32>,
) -> Vec<Access> {
    let ctx = network.context(rules);
    let open = gate_filter(&data.gates, rules, opened_gates);
    data.estates.par_iter().enumerate().map(|(i, e)| estate_access(ctx, e, &gates.gates_of_estate[i], &data.gates, rule, &open)).collect()
}

/// The entrances of every category's facilities, with source = the facility's rank in its category.
fn category_entries(groups: &[Vec<u32>], facility_access: &[Option<Access>]) -> Vec<Vec<SourceEntry>> {
    groups
        .iter()
        .map(|members| {
            let mut entries = Vec::new();
            for (rank, &fi) in members.iter().enumerate() {
                if let Some(a) = &facility_access[fi as usize] {
                    entries.extend(a.points.iter().map(|p| SourceEntry { source: rank as u32, edge: p.snap.edge, along_m: p.snap.along_m, base_m: p.base_m() }));
                }
            }
            entries
        })
        .collect()
}

/// Distances of every estate to every category by per-estate searches ([`DistanceEngine::EstateSearch`]):
/// `result[category][estate]`.
fn distances_by_estate_search(
    network: &WalkNetwork,
    profile: &Profile,
    estate_access: &[Access],
    entries: &[Vec<SourceEntry>],
    radius_m: f64,
) -> Vec<Vec<EstateDistances>> {
    // One numbering of all facilities: category c's rank r is source base[c] + r.
    let mut base = Vec::with_capacity(entries.len() + 1);
    let mut all = Vec::new();
    let mut next = 0u32;
    for list in entries {
        base.push(next);
        let count = list.iter().map(|e| e.source + 1).max().unwrap_or(0);
        all.extend(list.iter().map(|e| SourceEntry { source: next + e.source, ..*e }));
        next += count;
    }
    base.push(next);
    let attachments = Attachments::new(&network.graph, &all);
    let n = network.graph.node_count();
    let per_estate: Vec<Vec<EstateDistances>> = estate_access
        .par_iter()
        .with_min_len(64)
        .map_init(
            || (EstateSearch::new(n), Vec::new()),
            |(search, found), access| {
                found.clear();
                let starts: Vec<Start> = access.points.iter().map(|p| Start { edge: p.snap.edge, along_m: p.snap.along_m, base_m: p.base_m() }).collect();
                if !starts.is_empty() {
                    search.run(&network.graph, &starts, radius_m, &attachments, found);
                }
                let mut out: Vec<EstateDistances> = vec![EstateDistances::default(); entries.len()];
                // `found` is sorted by (distance, global source), which is (distance, rank) within a category.
                for r in found.iter() {
                    let c = base.partition_point(|&b| b <= r.source) - 1;
                    let d = &mut out[c];
                    let sd = SourceDistance { source: r.source - base[c], dist_m: r.dist_m, route: r.route };
                    if d.nearest.len() < distances::NEAREST_COUNT {
                        d.nearest.push(sd);
                    }
                    if r.dist_m <= profile.categories[c].threshold_m {
                        d.within.push(sd);
                    }
                }
                out
            },
        )
        .collect();
    let mut by_category: Vec<Vec<EstateDistances>> = (0..entries.len()).map(|_| Vec::with_capacity(per_estate.len())).collect();
    for row in per_estate {
        for (c, d) in row.into_iter().enumerate() {
            by_category[c].push(d);
        }
    }
    by_category
}

/// Run every category on one network state.
#[allow(clippy::too_many_arguments)]
pub(crate) fn analyse(
    network: &WalkNetwork,
    data: &Dataset,
    profile: &Profile,
    rules: &WalkRules,
    estate_access: Vec<Access>,
    radius_m: f64,
    service_areas: ServiceAreaOutput,
    engine: DistanceEngine,
) -> Result<(Analysis, Vec<Reject>)> {
    let facility_access = all_facility_access(network, data, profile, rules);
    let (groups, rejects) = group_facilities(data, profile, &facility_access);
    let entries = category_entries(&groups, &facility_access);
    let populations: Vec<f64> = data.estates.iter().map(|e| if e.population.is_finite() { e.population.max(0.0) } else { 0.0 }).collect();
    let mut by_estate_search = match engine {
        DistanceEngine::EstateSearch => Some(distances_by_estate_search(network, profile, &estate_access, &entries, radius_m)),
        DistanceEngine::FacilitySearch => None,
    };
    let precomputed: Vec<Option<Vec<EstateDistances>>> = match by_estate_search.take() {
        Some(v) => v.into_iter().map(Some).collect(),
        None => vec![None; entries.len()],
    };
    let categories: Vec<CategoryResult> = profile
        .categories
        .par_iter()
        .zip(groups.par_iter())
        .zip(entries.par_iter())
        .zip(precomputed.into_par_iter())
        .map(|(((category, members), entries), precomputed)| -> Result<CategoryResult> {
            let mut labels_settled = 0;
            let estates = match precomputed {
                Some(d) => d,
                None => {
                    let (d, labels) = category_distances(&network.graph, &estate_access, entries, members.len(), category.threshold_m, radius_m);
                    labels_settled += labels.settled();
                    d
                }
            };
            let service_area = if service_areas != ServiceAreaOutput::None {
                // The reach within the threshold: a one-label search from the facilities, cut at the threshold.
                let seeds = seeds_from_entries(&network.graph, entries);
                let labels = k_nearest_sources(&network.graph, &seeds, &SearchLimits { k: 1, radius_m: category.threshold_m, all_within_m: 0.0 });
                labels_settled += labels.settled();
                let lines = reached_lines(&network.graph, |n| labels.nearest(n).map(|l| l.dist_m), &EdgeEntries::new(entries), category.threshold_m);
                let polygon = match service_areas {
                    ServiceAreaOutput::LinesAndPolygons => Some(service_area_polygon(&lines, rules.service_area_buffer_m)?),
                    _ => None,
                };
                Some(ServiceArea { lines, polygon })
            } else {
                None
            };
            let capacities: Vec<Option<f64>> = members.iter().map(|&fi| data.facilities[fi as usize].capacity.filter(|c| c.is_finite())).collect();
            let (access, facilities_without_capacity) = if capacities.iter().any(Option::is_some) {
                let pairs: Vec<Vec<(u32, f64)>> = estates.iter().map(|d| d.within.iter().map(|w| (w.source, w.dist_m)).collect()).collect();
                let capacity: Vec<f64> = capacities.iter().map(|c| c.unwrap_or(0.0)).collect();
                let result = ga2sfca::ga2sfca(&capacity, &populations, &pairs, category.threshold_m);
                (Some(result.access), Some(capacities.iter().filter(|c| c.is_none()).count()))
            } else {
                (None, None)
            };
            Ok(CategoryResult {
                key: category.key.clone(),
                threshold_m: category.threshold_m,
                facilities: members.clone(),
                estates,
                access,
                facilities_without_capacity,
                service_area,
                labels_settled,
            })
        })
        .collect::<Result<_>>()?;
    let ok: Vec<Vec<bool>> = (0..data.estates.len())
        .map(|ei| categories.iter().map(|c| c.estates[ei].dist_m().is_some_and(|d| d <= c.threshold_m)).collect())
        .collect();
    let scores = ok.iter().map(|row| estate_score(profile, row)).collect();
    Ok((Analysis { estate_access, facility_access, categories, ok, scores }, rejects))
}

/// The summary of one analysis.
pub(crate) fn summarise(data: &Dataset, profile: &Profile, analysis: &Analysis) -> CoverageSummary {
    let ids: Vec<&str> = data.estates.iter().map(|e| e.id.as_str()).collect();
    let population: Vec<f64> = data.estates.iter().map(|e| if e.population.is_finite() { e.population.max(0.0) } else { 0.0 }).collect();
    let facilities: Vec<usize> = analysis.categories.iter().map(|c| c.facilities.len()).collect();
    let without: Vec<Option<usize>> = analysis.categories.iter().map(|c| c.facilities_without_capacity).collect();
    coverage_summary(profile, &ids, &population, &analysis.ok, &facilities, &without)
}

fn estate_rejects(data: &Dataset, access: &[Access]) -> Vec<Reject> {
    data.estates
        .iter()
        .zip(access)
        .filter(|(_, a)| a.points.is_empty())
        .map(|(e, a)| Reject {
            source: "estates".into(),
            layer: "estates".into(),
            source_id: e.id.clone(),
            reason: RejectCode::Unreachable.reason(format_args!(
                "{}; the estate stays in the estates layer, counted as not covered",
                a.problem.as_deref().unwrap_or("not reachable on foot")
            )),
            geometry: Some(geo_types::Geometry::MultiPolygon(e.polygon.clone())),
        })
        .collect()
}

/// Coverage of every estate by every profile category, optionally with a scenario.
pub fn run_coverage(data: &Dataset, profile: &Profile, opts: &CoverageOptions) -> Result<CoverageRun> {
    let rules = effective_rules(profile, opts)?;
    let radius_m = search_radius(profile, opts)?;
    let mut timings_s = Vec::new();
    let mut clock = std::time::Instant::now();
    let mut lap = |name: &'static str, timings: &mut Vec<(&'static str, f64)>| {
        timings.push((name, clock.elapsed().as_secs_f64()));
        clock = std::time::Instant::now();
    };
    let detour = match opts.distance {
        DistanceMethod::Network => {
            if data.ways.is_empty() && !data.estates.is_empty() {
                return Err(Error::Usage(
                    "no walking network: give the road centre lines with --network roads.shp (e.g. \"roads.shp|crs=EPSG:4549\"), or OpenStreetMap with --osm; without any, --distance straight --detour 1.3 estimates distances as straight line × detour".into(),
                ));
            }
            None
        }
        DistanceMethod::StraightLine { detour } => {
            let f = detour.unwrap_or(rules.straight_line_detour);
            if !(f.is_finite() && f >= 1.0) {
                return Err(Error::Usage(format!("--detour {f}: the detour factor is walked ÷ straight distance, 1 or more (1.3 by default)")));
            }
            if !data.ways.is_empty() {
                tracing::warn!("--distance straight: a walking network of {} ways was given but is not used; distances are estimated as straight line × {f}", data.ways.len());
            }
            Some(f)
        }
    };
    if let Some(f) = detour {
        if opts.dem.is_some() || opts.walker_compare || !opts.walker.is_adult() {
            return Err(Error::Usage("--dem, --walker and --walker-compare measure along the walking network; leave them out with --distance straight".into()));
        }
        return straight_coverage(data, profile, rules, radius_m, f);
    }
    let (pieces, mut rejects): (Vec<WayPiece>, Vec<Reject>) = walkable_pieces(&data.ways, &data.estates, &rules);
    lap("walk_rules_and_compounds", &mut timings_s);
    let ground = Ground::open(opts, &data.ways)?;
    let maker = NetworkMaker { ground: ground.as_ref(), walker: opts.walker, rules: &profile.walkers, ways: &data.ways };
    let network = maker.build(&pieces, |a| a == PieceAccess::Public)?;
    lap(if ground.is_some() { "graph_index_islands_dem" } else { "graph_index_islands" }, &mut timings_s);
    tracing::info!(nodes = network.graph.node_count(), edges = network.graph.edges.len(), islands = network.islands.islands.len(), "walking network built");
    let gates = assign_gates(&data.gates, &data.estates, &rules);
    let estate_access = all_estate_access(&network, data, &gates, opts.access_rule, &rules, &BTreeSet::new());
    rejects.extend(estate_rejects(data, &estate_access));
    lap("estate_access_points", &mut timings_s);
    let service_areas = opts.service_areas.resolve(network.graph.edges.len());
    let (baseline, facility_rejects) = analyse(&network, data, profile, &rules, estate_access, radius_m, service_areas, opts.engine)?;
    rejects.extend(facility_rejects);
    let mut summary = summarise(data, profile, &baseline);
    summary.dem = ground.as_ref().map(|g| g.summary(&network));
    lap("facilities_and_categories", &mut timings_s);
    let scenario = match &opts.scenario {
        Some(s) => Some(scenario::run_scenario(s, data, profile, &rules, opts, radius_m, &pieces, &network, &gates, &baseline, &maker)?),
        None => None,
    };
    if scenario.is_some() {
        lap("scenario", &mut timings_s);
    }
    summary.walker = opts.walker;
    let mut walker_runs = Vec::new();
    if opts.walker_compare {
        if !opts.walker.is_adult() {
            return Err(Error::Usage(format!(
                "--walker-compare compares the elderly and wheelchair walkers with the adult one; leave out --walker {}",
                opts.walker.as_str()
            )));
        }
        for walker in [Walker::Elderly, Walker::Wheelchair] {
            let maker = NetworkMaker { walker, ..maker };
            let net = maker.build(&pieces, |a| a == PieceAccess::Public)?;
            let access = all_estate_access(&net, data, &gates, opts.access_rule, &rules, &BTreeSet::new());
            let (analysis, _) = analyse(&net, data, profile, &rules, access, radius_m, ServiceAreaOutput::None, opts.engine)?;
            walker_runs.push(compare_walker(data, walker, &baseline.ok, analysis.ok));
        }
        summary.walker_losses = Some(walker_losses(profile, &baseline.ok, &walker_runs));
        lap("walker_compare", &mut timings_s);
    }
    Ok(CoverageRun { network, gates, search_radius_m: radius_m, baseline, summary, scenario, rejects, timings_s, rules, straight_line_detour: None, walker_runs })
}

/// Another walker's verdicts against the adult's.
fn compare_walker(data: &Dataset, walker: Walker, adult_ok: &[Vec<bool>], ok: Vec<Vec<bool>>) -> WalkerRun {
    let delta_population = data
        .estates
        .iter()
        .zip(adult_ok.iter().zip(&ok))
        .map(|(e, (a, w))| {
            let people = if e.population.is_finite() { e.population.max(0.0) } else { 0.0 };
            a.iter().zip(w).map(|(&a, &w)| (f64::from(u8::from(w)) - f64::from(u8::from(a))) * people).collect()
        })
        .collect();
    WalkerRun { walker, ok, delta_population }
}

/// The summary's `walker_losses`: per walker and category, estates and residents losing (and gaining).
fn walker_losses(profile: &Profile, adult_ok: &[Vec<bool>], runs: &[WalkerRun]) -> summary::OrderedMap<summary::OrderedMap<summary::WalkerLoss>> {
    summary::OrderedMap(
        runs.iter()
            .map(|r| {
                let per_category = profile
                    .categories
                    .iter()
                    .enumerate()
                    .map(|(ci, c)| {
                        let mut loss = summary::WalkerLoss::default();
                        for (ei, row) in r.delta_population.iter().enumerate() {
                            match (adult_ok[ei][ci], r.ok[ei][ci]) {
                                (true, false) => {
                                    loss.estates_losing += 1;
                                    loss.residents_losing -= row[ci];
                                }
                                (false, true) => {
                                    loss.estates_gaining += 1;
                                    loss.residents_gaining += row[ci];
                                }
                                _ => {}
                            }
                        }
                        (c.key.clone(), loss)
                    })
                    .collect();
                (r.walker.as_str().to_string(), summary::OrderedMap(per_category))
            })
            .collect(),
    )
}

/// [`run_coverage`] with distances estimated as straight line × `detour` ([`straight`]): no network,
/// no service areas, no scenario.
fn straight_coverage(data: &Dataset, profile: &Profile, rules: WalkRules, radius_m: f64, detour: f64) -> Result<CoverageRun> {
    let started = std::time::Instant::now();
    tracing::warn!("distances are estimated as straight line × {detour}, not walked along a network ({})", straight::method_label(Some(detour)));
    let network = WalkNetwork::public(&[]);
    let gates = assign_gates(&data.gates, &data.estates, &rules);
    let facility_access: Vec<Option<Access>> = vec![None; data.facilities.len()];
    let (groups, rejects) = group_facilities(data, profile, &facility_access);
    let shapes: Vec<straight::EstateAccessShape> = (0..data.estates.len()).map(|ei| straight::estate_access_shape(data, &gates, &rules, ei)).collect();
    let categories: Vec<CategoryResult> = profile
        .categories
        .iter()
        .zip(&groups)
        .map(|(category, members)| CategoryResult {
            key: category.key.clone(),
            threshold_m: category.threshold_m,
            facilities: members.clone(),
            estates: straight::category_straight_distances(&shapes, data, members, detour, category.threshold_m, radius_m),
            access: None,
            facilities_without_capacity: None,
            service_area: None,
            labels_settled: 0,
        })
        .collect();
    let ok: Vec<Vec<bool>> = (0..data.estates.len())
        .map(|ei| categories.iter().map(|c| c.estates[ei].dist_m().is_some_and(|d| d <= c.threshold_m)).collect())
        .collect();
    let scores = ok.iter().map(|row| estate_score(profile, row)).collect();
    let baseline = Analysis { estate_access: vec![Access::default(); data.estates.len()], facility_access, categories, ok, scores };
    let mut summary = summarise(data, profile, &baseline);
    summary.distance_method = straight::method_label(Some(detour));
    let timings_s = vec![("straight_line_distances", started.elapsed().as_secs_f64())];
    Ok(CoverageRun { network, gates, search_radius_m: radius_m, baseline, summary, scenario: None, rejects, timings_s, rules, straight_line_detour: Some(detour), walker_runs: Vec::new() })
}
