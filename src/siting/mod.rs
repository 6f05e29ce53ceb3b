//! Idle land and facility siting (issue 5): where new facilities would cover the most residents the
//! current ones leave uncovered.
//!
//! Files, one algorithm each: [`candidates`] (explicit parcels and derived open land), [`obstacles`]
//! (what is not free land and the GEOS overlay that takes it out),
//! [`fit`] (largest inscribed circle, Garcia-Castellanos & Lombardo 2007), [`mclp`] (maximal covering
//! location, Church & ReVelle 1974: lazy greedy after Minoux 1978 plus an interchange pass), [`exact`]
//! (exhaustive optimum for small instances), [`open_land_tiles`] (the open-land overlay cut into tiles
//! that run in parallel, and stitched), [`reach`] (bounded Dijkstra per demand estate), [`layers`] (the `candidates` and `sites` layers and CSV).
//!
//! # How a site is judged
//! - Protected land (the profile's `[[protected_land]]`: parks, woods, water, cemeteries, pitches and
//!   playgrounds, pedestrian squares, school, university and hospital grounds, heritage, military land)
//!   is never a candidate: it is an obstacle of derived open land, and an explicit parcel loses the part
//!   that lies in it ([`candidates::outside_protected_land`]); a parcel wholly inside stays in the
//!   `candidates` layer with its `excluded` reason and fits nothing (a lawn in a city park).
//! - A category uses only the candidate origins the profile allows it (`candidate_origins`, else
//!   `[siting] default_candidate_origins`): a pocket park or fitness ground may use a lawn
//!   (`osm:landuse=grass`), a kindergarten may not; the others get `origin_not_allowed` in `why_not`.
//! - A candidate *fits* a category when its area is at least `land_min_area_m2` and a disc of diameter
//!   `land_min_width_m` fits inside it ([`fit::shortfall`]).
//! - A new facility stands at the centre of the candidate's largest inscribed circle and reaches the
//!   network like any point facility (the distance contract of [`crate::network`]: its snapped point,
//!   with the snap offset walked). A centre farther than `max_snap_m` from the network cannot host one.
//! - Demand for a category is every estate with residents and usable access points that the current
//!   facilities leave uncovered (existing facilities stay: a covered estate gains nothing). One bounded
//!   Dijkstra per demand estate ([`reach`], rayon over estates) gives the fitting candidates within
//!   the threshold, exactly as [`crate::coverage::run_coverage`] would measure them with the site added
//!   as a facility.
//! - Up to `k` sites per category by lazy greedy plus a swap pass. Categories are sited in profile order;
//!   a candidate hosts at most one facility per category and, across categories, only as many as their
//!   combined land need allows ([`colocate`]: the sum of their `land_min_area_m2`, and their footprints
//!   placed side by side without overlap, or one combined building 综合服务站 for the profile's
//!   `combined_building` categories). Every site lists the categories of its parcel (`categories`).
//!
//! ```
//! use lifecircle::coverage::{run_coverage, CoverageOptions};
//! use lifecircle::model::Dataset;
//! use lifecircle::profile::Profile;
//! use lifecircle::siting::{run_siting, SitingOptions};
//! let (data, profile) = (Dataset::default(), Profile::default_profile());
//! let coverage = run_coverage(&data, &profile, &CoverageOptions::default()).unwrap();
//! let run = run_siting(&data, &profile, &coverage, &SitingOptions::default()).unwrap();
//! assert!(run.sites.is_empty() && run.categories.is_empty()); // nobody lives there: nothing to site
//! ```

pub mod candidates;
pub mod colocate;
pub mod exact;
pub mod fit;
pub mod layers;
pub mod mclp;
pub mod obstacles;
pub mod open_land_tiles;
pub mod reach;

use crate::coverage::summary::{CoverageSummary, coverage_summary, estate_score};
use crate::coverage::CoverageRun;
use crate::error::{Error, Result};
use crate::model::Dataset;
use crate::network::access::{AccessKind, AccessPoint, snap_point};
use crate::network::dijkstra::{EdgeEntries, SourceEntry};
use crate::profile::Profile;
use candidates::{Candidate, explicit_candidates, open_land_candidates};
use geo_types::Coord;
use mclp::{CoverInstance, greedy_swap_multistart};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

/// Interchange rounds after the greedy choice (each round tries every swap once).
pub const SWAP_ROUNDS: usize = 8;
/// Extra greedy + swap starts, each forcing one of the best single sites first
/// ([`mclp::greedy_swap_multistart`]).
pub const MULTISTARTS: usize = 64;

/// What the planner chose for a siting run.
#[derive(Debug, Clone, PartialEq)]
pub struct SitingOptions {
    /// Categories to site; default every must-have category with uncovered residents.
    pub categories: Option<Vec<String>>,
    /// Sites per category.
    pub k: usize,
    /// Open land is searched this far around the target estates (metres).
    pub search_m: f64,
    /// Derive open land around the target estates besides the dataset's parcels.
    pub derive_open_land: bool,
}

impl Default for SitingOptions {
    fn default() -> SitingOptions {
        SitingOptions { categories: None, k: 3, search_m: 300.0, derive_open_land: true }
    }
}

/// A candidate with its verdict per profile category and its access to the network.
#[derive(Debug, Clone, PartialEq)]
pub struct CandidateFit {
    pub candidate: Candidate,
    /// Where a facility at the inscribed circle's centre meets the network; `None` when it cannot.
    pub access: Option<AccessPoint>,
    /// Why the candidate hosts no category at all, if so: the protected areas that wholly hold it (its
    /// words, `protected_land: lies in park w12 (leisure=park)`, are [`layers::excluded_text`]'s).
    pub excluded: Option<Vec<ProtectedHit>>,
}

/// A protected area that wholly holds a candidate ([`candidates::outside_protected_land`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtectedHit {
    /// The profile's `[[protected_land]]` class (`park`).
    pub class: String,
    pub id: String,
    /// The rule that matched it (`leisure=park`).
    pub matched_by: String,
}

/// Why a candidate cannot host a category (in words: [`layers::misfit_reasons`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Misfit {
    /// The candidate hosts nothing ([`CandidateFit::excluded`]).
    Excluded,
    /// The profile lets the category use no land of the candidate's origin.
    OriginNotAllowed,
    /// Smaller or narrower than the category's land need ([`fit::shortfall`]).
    TooSmall,
}

/// Why `candidate` (with `excluded` when it hosts nothing) cannot host category `c`; `None` when it fits.
pub fn misfit(c: &crate::profile::Category, siting: &crate::profile::SitingRules, candidate: &Candidate, excluded: bool) -> Option<Misfit> {
    if excluded {
        Some(Misfit::Excluded)
    } else if !c.may_use_origin(siting, &candidate.origin) {
        Some(Misfit::OriginNotAllowed)
    } else {
        fit::shortfall(c, candidate.area_m2, candidate.max_inscribed_diameter_m()).map(|_| Misfit::TooSmall)
    }
}

impl CandidateFit {
    /// The keys of the profile categories the candidate can host, in profile order. Worked out when asked,
    /// as [`CandidateFit::misfits`] are: kept per candidate, the keys and the reasons were most of a city's
    /// siting memory (850,000 pieces of open land × up to 15 categories).
    pub fn fits(&self, profile: &Profile) -> Vec<String> {
        profile.categories.iter().filter(|c| misfit(c, &profile.siting, &self.candidate, self.excluded.is_some()).is_none()).map(|c| c.key.clone()).collect()
    }

    /// Per profile category that does not fit (in profile order): the category and why
    /// ([`layers::misfit_reasons`] words them).
    pub fn misfits<'p>(&self, profile: &'p Profile) -> Vec<(&'p crate::profile::Category, Misfit)> {
        profile.categories.iter().filter_map(|c| Some((c, misfit(c, &profile.siting, &self.candidate, self.excluded.is_some())?))).collect()
    }
}

/// One recommended site.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    /// `<category>-<rank>` (or `<bundle>/<category>-<rank>` per bundle).
    pub site_id: String,
    pub category: String,
    /// 1 = best.
    pub rank: usize,
    /// Index into [`SitingRun::candidates`].
    pub candidate: u32,
    pub candidate_id: String,
    pub candidate_origin: String,
    pub area_m2: f64,
    /// Where the facility would stand: the inscribed circle's centre.
    pub location: Coord<f64>,
    /// Residents newly covered, given the sites ranked before it.
    pub new_population_covered: f64,
    /// Residents newly covered by this and the better-ranked sites, as a share of the residents the
    /// category left uncovered before siting (within the demand considered: the bundle, for bundles).
    pub cumulative_population_share: Option<f64>,
    /// Indices into `Dataset.estates`, ascending.
    pub estates_newly_covered: Vec<u32>,
    pub estate_ids_newly_covered: Vec<String>,
    /// Every category sited on the same candidate (this one included), in profile order: one place on
    /// the map, one label; their combined land need fits the parcel ([`colocate`]).
    pub categories: Vec<String>,
}

/// Everything a siting run computed.
#[derive(Debug, Clone, PartialEq)]
pub struct SitingRun {
    /// The categories sited, in profile order.
    pub categories: Vec<String>,
    pub candidates: Vec<CandidateFit>,
    pub sites: Vec<Site>,
    /// Per category sited: the greedy-only total before the swap pass, and the final total (residents).
    pub objective: Vec<(String, f64, f64)>,
    /// `ok[estate][category]` after the new sites.
    pub ok_after: Vec<Vec<bool>>,
    /// `coverage.json` after the new sites.
    pub coverage_after: CoverageSummary,
}

/// Per category: uncovered demand estates and, per candidate, the demand ranks within the threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct CategoryReach {
    /// Profile index, key and land need of the category.
    pub category: usize,
    pub key: String,
    pub land_min_area_m2: f64,
    /// Estate indices (ascending) the current facilities leave uncovered, with residents and access.
    pub demand: Vec<u32>,
    pub instance: CoverInstance,
    /// `covered_by[d]`: the candidates (ascending) whose reach covers demand `d` (the inverse of
    /// `instance.covers`), so a bundle's instance is built from its own estates, not the whole city.
    pub covered_by: Vec<Vec<u32>>,
}

/// Candidates measured and placed, and the reach of every candidate for the categories asked.
pub struct SitingPlan {
    pub candidates: Vec<CandidateFit>,
    /// `fits[candidate][profile category]`.
    pub fits: Vec<Vec<bool>>,
    pub reach: Vec<CategoryReach>,
    /// Per profile category, its land need (for co-located sites, [`colocate`]).
    pub land_needs: Vec<colocate::LandNeed>,
    /// The profile's `[siting] combined_building` categories.
    pub combined_building: Vec<String>,
}

/// What the sites chosen so far use of each candidate: area left, and the profile categories it hosts
/// (in the order sited).
#[derive(Debug, Clone, PartialEq)]
pub struct ParcelUse {
    pub remaining_area_m2: Vec<f64>,
    pub hosted: Vec<Vec<usize>>,
}

impl ParcelUse {
    /// Every candidate whole and empty.
    pub fn new(plan: &SitingPlan) -> ParcelUse {
        ParcelUse { remaining_area_m2: plan.candidates.iter().map(|c| c.candidate.area_m2).collect(), hosted: vec![Vec::new(); plan.candidates.len()] }
    }
}

/// Whether candidate `s`, which already hosts `hosted`, can also host profile category `ci`: their
/// combined land need fits ([`colocate::place_together`]). True for an empty candidate.
pub fn can_colocate(plan: &SitingPlan, s: usize, hosted: &[usize], ci: usize) -> bool {
    if hosted.is_empty() {
        return true;
    }
    let needs: Vec<colocate::LandNeed> = hosted.iter().chain(std::iter::once(&ci)).map(|&c| plan.land_needs[c].clone()).collect();
    let c = &plan.candidates[s].candidate;
    colocate::place_together(&c.polygon, c.area_m2, &needs, &plan.combined_building).is_ok()
}

fn population(data: &Dataset, e: usize) -> f64 {
    let p = data.estates[e].population;
    if p.is_finite() { p.max(0.0) } else { 0.0 }
}

/// Resolve categories (keys, names or aliases: [`Profile::find_category`]) to profile indices (profile
/// order); an unknown one is a usage error.
pub fn resolve_categories(profile: &Profile, coverage: &CoverageRun, data: &Dataset, asked: Option<&[String]>) -> Result<Vec<usize>> {
    match asked {
        Some(keys) => {
            let mut out = BTreeSet::new();
            for k in keys {
                let i = profile.find_category(k).ok_or_else(|| {
                    Error::Usage(format!(
                        "siting category `{k}` is not in the profile; give a key, name or alias, e.g. {}",
                        profile.category_names_zh()
                    ))
                })?;
                out.insert(i);
            }
            Ok(out.into_iter().collect())
        }
        None => Ok((0..profile.categories.len())
            .filter(|&ci| {
                profile.categories[ci].must_have
                    && (0..data.estates.len()).any(|e| population(data, e) > 0.0 && !coverage.baseline.ok.get(e).and_then(|r| r.get(ci)).copied().unwrap_or(false))
            })
            .collect()),
    }
}

/// The estates open land is derived around (every estate that is demand for one of `categories`:
/// residents, usable access, left uncovered; ascending) and the smallest land need of those categories
/// (pieces below it are dropped).
pub fn open_land_targets(data: &Dataset, profile: &Profile, coverage: &CoverageRun, categories: &[usize]) -> (Vec<u32>, f64) {
    let targets: BTreeSet<u32> = categories.iter().flat_map(|&ci| demand_estates(data, coverage, ci)).collect();
    let min_area = categories.iter().map(|&ci| profile.categories[ci].land_min_area_m2).fold(f64::INFINITY, f64::min);
    (targets.into_iter().collect(), min_area)
}

/// Estates (ascending) with residents and usable access that the current facilities leave uncovered for
/// profile category `ci`.
fn demand_estates(data: &Dataset, coverage: &CoverageRun, ci: usize) -> Vec<u32> {
    let ok = &coverage.baseline.ok;
    (0..data.estates.len())
        .filter(|&e| {
            population(data, e) > 0.0
                && !ok.get(e).and_then(|r| r.get(ci)).copied().unwrap_or(false)
                && coverage.baseline.estate_access.get(e).is_some_and(|a| !a.points.is_empty())
        })
        .map(|e| e as u32)
        .collect()
}

/// Measure candidates, decide fits, place them on the network and compute each category's reach.
pub fn plan(data: &Dataset, profile: &Profile, coverage: &CoverageRun, categories: &[usize], opts: &SitingOptions) -> Result<SitingPlan> {
    if !(opts.search_m.is_finite() && opts.search_m >= 0.0) {
        return Err(Error::Usage(format!("siting search distance {}: give a non-negative number of metres, e.g. 300", opts.search_m)));
    }
    let demand_of = |ci: usize| demand_estates(data, coverage, ci);
    let mut all = candidates::outside_protected_land(data, explicit_candidates(&data.parcels))?;
    if opts.derive_open_land && !categories.is_empty() {
        let (targets, min_area) = open_land_targets(data, profile, coverage, categories);
        all.extend(open_land_candidates(data, &targets, opts.search_m, min_area)?.into_iter().map(|c| (c, None)));
    }
    // The coverage run's rules, so a `--max-snap` override holds for new sites as for existing facilities.
    let started = std::time::Instant::now();
    let ctx = coverage.network.context(&coverage.rules);
    // Flags first, then the candidates moved into their verdicts: no third copy of a city's candidates
    // (an unzip of (verdict, flags) pairs held both, 0.2 GB more at the peak for 850,000 pieces). The
    // category keys and reasons are words for the layer, made when it is written.
    let fits: Vec<Vec<bool>> = all
        .par_iter()
        .map(|(candidate, excluded)| profile.categories.iter().map(|c| misfit(c, &profile.siting, candidate, excluded.is_some()).is_none()).collect())
        .collect();
    let candidates: Vec<CandidateFit> = all
        .into_par_iter()
        .map(|(candidate, excluded)| {
            let access = candidate.circle.and_then(|c| snap_point(ctx, c.centre, AccessKind::Point));
            CandidateFit { candidate, access, excluded }
        })
        .collect();
    tracing::debug!(candidates = candidates.len(), seconds = started.elapsed().as_secs_f64(), "candidates measured and snapped");
    let started = std::time::Instant::now();
    let reach = categories
        .par_iter()
        .map(|&ci| {
            let category = &profile.categories[ci];
            let demand = demand_of(ci);
            // The candidates that fit the category and meet the network, indexed by edge.
            let sites: Vec<SourceEntry> = candidates
                .iter()
                .zip(&fits)
                .enumerate()
                .filter_map(|(c, (cand, f))| match (&cand.access, f[ci]) {
                    (Some(a), true) => Some(SourceEntry { source: c as u32, edge: a.snap.edge, along_m: a.snap.along_m, base_m: a.base_m() }),
                    _ => None,
                })
                .collect();
            let site_index = EdgeEntries::new(&sites);
            // One bounded search per demand estate, from all its access points, to the candidates.
            let covered_by: Vec<Vec<u32>> = if sites.is_empty() {
                vec![Vec::new(); demand.len()]
            } else {
                demand
                    .par_iter()
                    .map(|&e| {
                        let from: Vec<SourceEntry> = coverage.baseline.estate_access[e as usize]
                            .points
                            .iter()
                            .map(|p| SourceEntry { source: 0, edge: p.snap.edge, along_m: p.snap.along_m, base_m: p.base_m() })
                            .collect();
                        reach::entries_within(&coverage.network.graph, &from, &site_index, category.threshold_m).into_iter().map(|(c, _)| c).collect()
                    })
                    .collect()
            };
            let weight = demand.iter().map(|&e| population(data, e as usize)).collect();
            let mut covers = vec![Vec::new(); candidates.len()];
            for (d, list) in covered_by.iter().enumerate() {
                for &c in list {
                    covers[c as usize].push(d as u32);
                }
            }
            CategoryReach { category: ci, key: category.key.clone(), land_min_area_m2: category.land_min_area_m2, demand, instance: CoverInstance { weight, covers }, covered_by }
        })
        .collect::<Vec<CategoryReach>>();
    tracing::debug!(categories = reach.len(), pairs = reach.iter().map(|r| r.instance.covers.iter().map(Vec::len).sum::<usize>()).sum::<usize>(), seconds = started.elapsed().as_secs_f64(), "reach of every candidate");
    let land_needs = profile.categories.iter().map(|c| colocate::LandNeed { key: c.key.clone(), area_m2: c.land_min_area_m2, width_m: c.land_min_width_m }).collect();
    Ok(SitingPlan { candidates, fits, reach, land_needs, combined_building: profile.siting.combined_building.clone() })
}

/// Choose up to `k` sites for one category, for the demand of every estate (`only_estates` None) or of the
/// listed estates (ascending indices: a bundle's); consumes candidate area and records the category on
/// its candidate. A candidate that already hosts other categories is allowed only when the combined land
/// need fits ([`can_colocate`]).
///
/// The instance solved holds only the demand asked for and the candidates that cover some of it (through
/// [`CategoryReach::covered_by`]), candidates in ascending order so ties still go to the lowest index: a
/// bundle's instance is its own estates and the parcels within reach of them, however big the city.
pub fn choose_sites(
    data: &Dataset,
    plan: &SitingPlan,
    reach: &CategoryReach,
    k: usize,
    only_estates: Option<&[u32]>,
    parcels: &mut ParcelUse,
    id_prefix: &str,
) -> (Vec<Site>, f64, f64) {
    let full = &reach.instance;
    // Demand kept (indices into reach.demand) and candidates that reach it (global indices).
    let kept: Vec<u32> = match only_estates {
        None => (0..full.weight.len() as u32).collect(),
        Some(estates) => {
            let mut kept: Vec<u32> = estates.iter().filter_map(|e| reach.demand.binary_search(e).ok().map(|d| d as u32)).collect();
            kept.sort_unstable();
            kept.dedup();
            kept
        }
    };
    let candidates: Vec<u32> = match only_estates {
        None => (0..full.covers.len() as u32).collect(),
        Some(_) => {
            let mut c: Vec<u32> = kept.iter().flat_map(|&d| reach.covered_by[d as usize].iter().copied()).collect();
            c.sort_unstable();
            c.dedup();
            c
        }
    };
    let inst = match only_estates {
        None => CoverInstance { weight: full.weight.clone(), covers: full.covers.clone() },
        Some(_) => CoverInstance {
            weight: kept.iter().map(|&d| full.weight[d as usize]).collect(),
            covers: candidates
                .iter()
                .map(|&c| full.covers[c as usize].iter().filter_map(|d| kept.binary_search(d).ok().map(|i| i as u32)).collect())
                .collect(),
        },
    };
    let need = reach.land_min_area_m2;
    let ci = reach.category;
    let usable = |s: usize| plan.fits[s][ci] && plan.candidates[s].access.is_some() && parcels.remaining_area_m2[s] >= need;
    // Co-location decided once per candidate already hosting something (rayon; order kept).
    let colocates: Vec<bool> = candidates
        .par_iter()
        .map(|&s| {
            let s = s as usize;
            usable(s) && can_colocate(plan, s, &parcels.hosted[s], ci)
        })
        .collect();
    let allowed = |i: u32| colocates[i as usize];
    let (greedy, chosen) = greedy_swap_multistart(&inst, k, allowed, SWAP_ROUNDS, MULTISTARTS);
    let uncovered: f64 = inst.weight.iter().sum();
    let mut covered = vec![false; inst.weight.len()];
    let mut cumulative = 0.0;
    let mut sites = Vec::new();
    for (rank0, (&local, &gain)) in chosen.sites.iter().zip(&chosen.gains).enumerate() {
        let s = candidates[local as usize];
        let mut newly: Vec<u32> = Vec::new();
        for &d in &inst.covers[local as usize] {
            if inst.weight[d as usize] > 0.0 && !std::mem::replace(&mut covered[d as usize], true) {
                newly.push(reach.demand[kept[d as usize] as usize]);
            }
        }
        newly.sort_unstable();
        cumulative += gain;
        parcels.remaining_area_m2[s as usize] -= need;
        parcels.hosted[s as usize].push(ci);
        let cf = &plan.candidates[s as usize];
        sites.push(Site {
            site_id: format!("{id_prefix}{}-{}", reach.key, rank0 + 1),
            category: reach.key.clone(),
            rank: rank0 + 1,
            candidate: s,
            candidate_id: cf.candidate.id.clone(),
            candidate_origin: cf.candidate.origin.clone(),
            area_m2: cf.candidate.area_m2,
            location: cf.candidate.circle.map_or(Coord { x: f64::NAN, y: f64::NAN }, |c| c.centre),
            new_population_covered: gain,
            cumulative_population_share: (uncovered > 0.0).then(|| cumulative / uncovered),
            estate_ids_newly_covered: newly.iter().map(|&e| data.estates[e as usize].id.clone()).collect(),
            estates_newly_covered: newly,
            categories: Vec::new(),
        });
    }
    (sites, greedy.total(), chosen.total())
}

/// Fill every site's `categories`: the categories its candidate hosts, in profile order.
fn note_colocated(sites: &mut [Site], plan: &SitingPlan, parcels: &ParcelUse) {
    for s in sites {
        let mut hosted = parcels.hosted[s.candidate as usize].clone();
        hosted.sort_unstable();
        s.categories = hosted.iter().map(|&c| plan.land_needs[c].key.clone()).collect();
    }
}

/// Site new facilities for the failing categories and report coverage after them.
pub fn run_siting(data: &Dataset, profile: &Profile, coverage: &CoverageRun, opts: &SitingOptions) -> Result<SitingRun> {
    let categories = resolve_categories(profile, coverage, data, opts.categories.as_deref())?;
    let plan = plan(data, profile, coverage, &categories, opts)?;
    Ok(run_siting_on_plan(data, profile, coverage, plan, opts))
}

/// [`run_siting`] on a plan already made (its categories are the ones sited).
pub fn run_siting_on_plan(data: &Dataset, profile: &Profile, coverage: &CoverageRun, plan: SitingPlan, opts: &SitingOptions) -> SitingRun {
    let mut parcels = ParcelUse::new(&plan);
    let mut sites = Vec::new();
    let mut objective = Vec::new();
    for reach in &plan.reach {
        let (s, greedy, fin) = choose_sites(data, &plan, reach, opts.k, None, &mut parcels, "");
        objective.push((reach.key.clone(), greedy, fin));
        sites.extend(s);
    }
    note_colocated(&mut sites, &plan, &parcels);
    let (ok_after, coverage_after) = coverage_after(data, profile, coverage, &sites);
    SitingRun {
        categories: plan.reach.iter().map(|r| r.key.clone()).collect(),
        candidates: plan.candidates,
        sites,
        objective,
        ok_after,
        coverage_after,
    }
}

/// The ok matrix and `coverage.json` once the sites are built (site counts added to the facilities).
pub fn coverage_after(data: &Dataset, profile: &Profile, coverage: &CoverageRun, sites: &[Site]) -> (Vec<Vec<bool>>, CoverageSummary) {
    let mut ok = coverage.baseline.ok.clone();
    let mut facilities: Vec<usize> = coverage.baseline.categories.iter().map(|c| c.facilities.len()).collect();
    for s in sites {
        if let Some(ci) = profile.categories.iter().position(|c| c.key == s.category) {
            facilities[ci] += 1;
            for &e in &s.estates_newly_covered {
                ok[e as usize][ci] = true;
            }
        }
    }
    let ids: Vec<&str> = data.estates.iter().map(|e| e.id.as_str()).collect();
    let pop: Vec<f64> = (0..data.estates.len()).map(|e| population(data, e)).collect();
    let without: Vec<Option<usize>> = coverage.baseline.categories.iter().map(|c| c.facilities_without_capacity).collect();
    let mut summary = coverage_summary(profile, &ids, &pop, &ok, &facilities, &without);
    summary.distance_method = coverage.distance_method();
    // Scores follow the same rule as the baseline's.
    let scores: Vec<f64> = ok.iter().filter_map(|row| estate_score(profile, row)).collect();
    summary.mean_score = (!scores.is_empty()).then(|| scores.iter().sum::<f64>() / scores.len() as f64);
    (ok, summary)
}

/// Recommended sites of one renovation bundle.
#[derive(Debug, Clone, PartialEq)]
pub struct BundleSites {
    pub bundle_id: String,
    pub sites: Vec<Site>,
}

/// Per bundle: demand restricted to the bundle's estates, up to `opts.k` sites per gap category.
/// `bundle_of` maps estate id → bundle id; `gaps` maps bundle id → its gap category keys. Bundles are
/// sited independently (each sees every candidate's full area); categories not in the profile are a usage
/// error. Site ids read `<bundle>/<category>-<rank>`.
pub fn site_bundles(
    data: &Dataset,
    profile: &Profile,
    coverage: &CoverageRun,
    bundle_of: &BTreeMap<String, String>,
    gaps: &BTreeMap<String, Vec<String>>,
    opts: &SitingOptions,
) -> Result<Vec<BundleSites>> {
    let asked: Vec<String> = gaps.values().flatten().cloned().collect::<BTreeSet<_>>().into_iter().collect();
    let categories = resolve_categories(profile, coverage, data, Some(&asked))?;
    let plan = plan(data, profile, coverage, &categories, opts)?;
    Ok(site_bundles_on_plan(data, &plan, bundle_of, gaps, opts.k))
}

/// [`site_bundles`] on a plan already made: gap categories the plan did not reach get no sites.
pub fn site_bundles_on_plan(data: &Dataset, plan: &SitingPlan, bundle_of: &BTreeMap<String, String>, gaps: &BTreeMap<String, Vec<String>>, k: usize) -> Vec<BundleSites> {
    let mut estates_of: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
    for (i, e) in data.estates.iter().enumerate() {
        if let Some(b) = bundle_of.get(&e.id) {
            estates_of.entry(b.as_str()).or_default().push(i as u32);
        }
    }
    gaps
        .par_iter()
        .map(|(bundle, keys)| {
            let members: &[u32] = estates_of.get(bundle.as_str()).map_or(&[], Vec::as_slice);
            let mut parcels = ParcelUse::new(plan);
            let mut sites = Vec::new();
            for reach in &plan.reach {
                if !keys.contains(&reach.key) {
                    continue;
                }
                let (s, _, _) = choose_sites(data, plan, reach, k, Some(members), &mut parcels, &format!("{bundle}/"));
                sites.extend(s);
            }
            note_colocated(&mut sites, plan, &parcels);
            BundleSites { bundle_id: bundle.clone(), sites }
        })
        .collect()
}
