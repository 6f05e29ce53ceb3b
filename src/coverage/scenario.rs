//! The open-the-walls scenario (拆墙并院 / 开放小区, as renovation plans propose): what opening compounds,
//! gates and passages between neighbouring compounds would change, per estate and category.
//!
//! Three measures, combinable:
//! - `open_compounds`: every compound's internal ways (see [`crate::network::compounds`]) join the public
//!   network, so anybody may walk through; estates and facilities are placed again on the larger network.
//! - `open_gates`: the named gates (closed ones too, e.g. `access=no`) become access points of the estate
//!   they belong to, in addition to the access points the rule already gives.
//! - `connect`: a passage through the walls between two estates, at the closest points `pA`, `pB` of their
//!   boundaries. Each estate then also leaves through the other's own access points, walking
//!   `|pA pB| + |pB X|` (straight, since the model does not route inside compounds) to reach access point
//!   `X` of the neighbour. Passages do not chain: A borrows only B's own access points.
//!
//! The scenario reruns every category and reports per estate and category `delta_<key>` = residents newly
//! covered (population × (ok after − ok before); negative if a measure removes coverage, which opening
//! alone cannot do except through a changed snap), and `delta.json` ([`DeltaSummary`]).
//!
//! ```
//! use lifecircle::coverage::scenario::Scenario;
//! assert_eq!(Scenario::parse_connection("w12:w34").unwrap(), ("w12".to_string(), "w34".to_string()));
//! assert!(Scenario::parse_connection("w12").is_err());
//! ```

use super::summary::{CoverageSummary, OrderedMap};
use super::{Analysis, CoverageOptions, NetworkMaker, all_estate_access, analyse, summarise};
use crate::error::{Error, Result};
use crate::geometry::rings::rings;
use crate::model::Dataset;
use crate::network::WalkNetwork;
use crate::network::access::{Access, AccessKind, AccessPoint, GateAssignment, snap_point};
use crate::network::compounds::{PieceAccess, WayPiece};
use crate::network::snap::segment_closest_points;
use crate::profile::{Profile, WalkRules};
use geo_types::{Coord, MultiPolygon};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};

/// What the scenario opens.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Scenario {
    pub open_compounds: bool,
    /// Gate ids (`Dataset.gates[*].id`).
    pub open_gates: Vec<String>,
    /// Pairs of estate ids to connect by a passage.
    pub connect: Vec<(String, String)>,
}

impl Scenario {
    /// Parse `ESTATE_A:ESTATE_B`.
    pub fn parse_connection(text: &str) -> Result<(String, String)> {
        match text.split_once(':') {
            Some((a, b)) if !a.trim().is_empty() && !b.trim().is_empty() && a.trim() != b.trim() => Ok((a.trim().to_string(), b.trim().to_string())),
            _ => Err(Error::Usage(format!("--connect {text}: give two different estate ids as A:B, e.g. w123:w456"))),
        }
    }

    pub fn is_empty(&self) -> bool {
        !self.open_compounds && self.open_gates.is_empty() && self.connect.is_empty()
    }
}

/// A passage opened between two estates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Passage {
    pub estate_a: String,
    pub estate_b: String,
    /// Straight gap between the two boundaries at the passage (0 when they share a wall).
    pub gap_m: f64,
    #[serde(skip)]
    pub at_a: Coord<f64>,
    #[serde(skip)]
    pub at_b: Coord<f64>,
}

/// One category's change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoryDelta {
    pub estates_ok_before: usize,
    pub estates_ok_after: usize,
    pub estates_newly_ok: usize,
    pub estates_no_longer_ok: usize,
    /// Residents of newly covered estates minus residents of estates no longer covered.
    pub population_newly_ok: f64,
    pub population_share_before: Option<f64>,
    pub population_share_after: Option<f64>,
}

/// `delta.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeltaSummary {
    pub scenario: Scenario,
    /// Compound-internal network edges that became public.
    pub compound_edges_opened: usize,
    pub passages: Vec<Passage>,
    pub categories: OrderedMap<CategoryDelta>,
    /// Estates newly covered in at least one category.
    pub estates_improved: Vec<String>,
    pub mean_score_before: Option<f64>,
    pub mean_score_after: Option<f64>,
}

/// The scenario's results.
pub struct ScenarioRun {
    /// The opened network, when compounds were opened (else the public network was reused).
    pub network: Option<WalkNetwork>,
    pub analysis: Analysis,
    pub summary: CoverageSummary,
    /// `delta[estate][category]`: residents newly covered.
    pub delta_population: Vec<Vec<f64>>,
    pub delta: DeltaSummary,
}

/// Closest points between the boundaries of two estates.
pub fn passage_points(a: &MultiPolygon<f64>, b: &MultiPolygon<f64>) -> Option<(Coord<f64>, Coord<f64>, f64)> {
    let mut best: Option<(Coord<f64>, Coord<f64>, f64)> = None;
    for wa in rings(a).flat_map(|r| r.0.windows(2)) {
        for wb in rings(b).flat_map(|r| r.0.windows(2)) {
            let (pa, pb, d) = segment_closest_points(wa[0], wa[1], wb[0], wb[1]);
            if best.is_none_or(|(_, _, bd)| d < bd) {
                best = Some((pa, pb, d));
            }
        }
    }
    best
}

fn dist(a: Coord<f64>, b: Coord<f64>) -> f64 {
    (a.x - b.x).hypot(a.y - b.y)
}

/// Run the scenario against the baseline.
#[allow(clippy::too_many_arguments)]
pub(crate) fn run_scenario(
    scenario: &Scenario,
    data: &Dataset,
    profile: &Profile,
    rules: &WalkRules,
    opts: &CoverageOptions,
    radius_m: f64,
    pieces: &[WayPiece],
    public: &WalkNetwork,
    gates: &GateAssignment,
    baseline: &Analysis,
    maker: &NetworkMaker,
) -> Result<ScenarioRun> {
    // Resolve the names first: a typo is the planner's to fix.
    let gate_index: HashMap<&str, u32> = data.gates.iter().enumerate().rev().map(|(i, g)| (g.id.as_str(), i as u32)).collect();
    let estate_index: HashMap<&str, u32> = data.estates.iter().enumerate().rev().map(|(i, e)| (e.id.as_str(), i as u32)).collect();
    let mut opened = BTreeSet::new();
    for id in &scenario.open_gates {
        let g = *gate_index.get(id.as_str()).ok_or_else(|| Error::Usage(format!("scenario: gate `{id}` is not among the {} gates read", data.gates.len())))?;
        if gates.estate_of_gate[g as usize].is_none() {
            return Err(Error::Usage(format!(
                "scenario: gate `{id}` is farther than gate_distance_m = {} m from every estate, so it opens no estate",
                rules.gate_distance_m
            )));
        }
        opened.insert(g);
    }
    let mut pairs = Vec::new();
    for (a, b) in &scenario.connect {
        let find = |id: &str| estate_index.get(id).copied().ok_or_else(|| Error::Usage(format!("scenario: estate `{id}` is not among the {} estates", data.estates.len())));
        pairs.push((find(a)?, find(b)?));
    }
    let opened_network = match scenario.open_compounds {
        true => Some(maker.build(pieces, |_| true)?),
        false => None,
    };
    let network = opened_network.as_ref().unwrap_or(public);
    let compound_edges_opened = network.graph.edges.iter().filter(|e| e.access != PieceAccess::Public).count();
    let ctx = network.context(rules);

    // The rule's access points on this network, plus opened gates, plus passages.
    let mut access: Vec<Access> = all_estate_access(network, data, gates, opts.access_rule, rules, &BTreeSet::new());
    for &g in &opened {
        if let Some(e) = gates.estate_of_gate[g as usize] {
            let a = &mut access[e as usize];
            if !a.points.iter().any(|p| p.kind == AccessKind::Gate(g))
                && let Some(p) = snap_point(ctx, data.gates[g as usize].point.0, AccessKind::Gate(g))
            {
                a.points.push(p);
                a.problem = None;
            }
        }
    }
    let own: Vec<Vec<AccessPoint>> = access.iter().map(|a| a.points.clone()).collect();
    let mut passages = Vec::new();
    for &(a, b) in &pairs {
        let (ea, eb) = (&data.estates[a as usize], &data.estates[b as usize]);
        let Some((at_a, at_b, gap_m)) = passage_points(&ea.polygon, &eb.polygon) else { continue };
        passages.push(Passage { estate_a: ea.id.clone(), estate_b: eb.id.clone(), gap_m, at_a, at_b });
        for (to, from, door) in [(a, b, at_b), (b, a, at_a)] {
            let borrowed: Vec<AccessPoint> = own[from as usize]
                .iter()
                .map(|p| AccessPoint { kind: AccessKind::Borrowed(from), extra_m: p.extra_m + gap_m + dist(door, p.point), ..*p })
                .collect();
            let target = &mut access[to as usize];
            if !borrowed.is_empty() {
                target.problem = None;
            }
            target.points.extend(borrowed);
        }
    }

    let (analysis, _) = analyse(network, data, profile, rules, access, radius_m, super::ServiceAreaOutput::None, opts.engine)?;
    let summary = summarise(data, profile, &analysis);
    let before = summarise(data, profile, baseline);

    let population: Vec<f64> = data.estates.iter().map(|e| if e.population.is_finite() { e.population.max(0.0) } else { 0.0 }).collect();
    let delta_population: Vec<Vec<f64>> = (0..data.estates.len())
        .map(|ei| (0..profile.categories.len()).map(|ci| population[ei] * (analysis.ok[ei][ci] as i32 - baseline.ok[ei][ci] as i32) as f64).collect())
        .collect();
    let mut categories = Vec::new();
    for (ci, c) in profile.categories.iter().enumerate() {
        let newly = (0..data.estates.len()).filter(|&ei| analysis.ok[ei][ci] && !baseline.ok[ei][ci]).count();
        let lost = (0..data.estates.len()).filter(|&ei| !analysis.ok[ei][ci] && baseline.ok[ei][ci]).count();
        let (b, a) = (before.categories.get(&c.key), summary.categories.get(&c.key));
        categories.push((
            c.key.clone(),
            CategoryDelta {
                estates_ok_before: b.map_or(0, |s| s.estates_ok),
                estates_ok_after: a.map_or(0, |s| s.estates_ok),
                estates_newly_ok: newly,
                estates_no_longer_ok: lost,
                population_newly_ok: delta_population.iter().map(|row| row[ci]).sum(),
                population_share_before: b.and_then(|s| s.population_share),
                population_share_after: a.and_then(|s| s.population_share),
            },
        ));
    }
    let estates_improved = data
        .estates
        .iter()
        .enumerate()
        .filter(|&(ei, _)| (0..profile.categories.len()).any(|ci| analysis.ok[ei][ci] && !baseline.ok[ei][ci]))
        .map(|(_, e)| e.id.clone())
        .collect();
    let delta = DeltaSummary {
        scenario: scenario.clone(),
        compound_edges_opened,
        passages,
        categories: OrderedMap(categories),
        estates_improved,
        mean_score_before: before.mean_score,
        mean_score_after: summary.mean_score,
    };
    Ok(ScenarioRun { network: opened_network, analysis, summary, delta_population, delta })
}
