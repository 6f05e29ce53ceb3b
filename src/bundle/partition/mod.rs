//! The bundle partition: contiguous groups of candidate estates whose population lies within
//! `[min_pop, max_pop]` (default 5,000-12,000, one complete community, 《完整居住社区建设标准》), a
//! regionalization problem with a floor and a ceiling.
//!
//! **Objective**, in order: (1) the most candidate residents in bundles; (2) the most compact bundles
//! (mean over bundles of area / area of the minimum enclosing circle, see [`super::compactness`]);
//! (3) the most similar build years (least total range of known build years within bundles), which only
//! breaks ties of (2) as a lexicographic order does. Estates left out carry a [`LeftOut`] reason.
//!
//! **Algorithm.** The graph of candidate estates (edges: [`super::adjacency`], kept only inside a
//! boundary group, [`super::nesting`]) splits into connected components, solved independently and in
//! parallel (rayon); each component draws its random choices from its own generator seeded by the run
//! seed and its first estate, so the result is the same for any thread count. Per component of m
//! estates and population P:
//!
//! 1. P < `min_pop`: nothing can be bundled (`isolated` for a lone estate, else `component too small`).
//! 2. Construction, the region-growing phase of max-p (Duque, Anselin & Rey 2012, "The max-p-regions
//!    problem", J. Regional Science 52(3)) with a ceiling: seeds are taken most-peripheral first (fewest
//!    unassigned neighbours, random ties), so that the growth sweeps inward and strands few estates; a
//!    region grows by the frontier estate nearest its area-weighted centroid that keeps it under the
//!    ceiling, until it reaches the floor (a seed that cannot is skipped).
//! 3. Enclave assignment: unassigned estates join the adjacent region whose compactness suffers least,
//!    if it stays under the ceiling (repeated until nothing moves).
//! 4. Repair (objective 1), the recombination step of ReCom (DeFord, Duchin & Solomon 2021,
//!    "Recombination: a family of Markov chains for redistricting", HDSR 3(1)): a cluster of estates still
//!    unassigned is merged with an adjacent region (or a region with every cluster around it, or up to
//!    four adjacent regions) and the union re-split along a spanning tree (Kruskal with jittered
//!    centroid-distance weights, up to 6 trees): repeatedly cut off the most compact subtree whose
//!    population lies in the bounds and leaves at least the floor behind. With `max_pop ≥ 2·min_pop` a
//!    region plus an estate that overflows it has enough residents for two bundles.
//! 5. Local search, AZP-tabu (Openshaw & Rao 1995, "Algorithms for reengineering 1991 census
//!    geography", Environment and Planning A 27) as in the max-p improvement phase: move a border estate
//!    to an adjacent region when the donor stays contiguous and at or above the floor and the receiver
//!    under the ceiling; always the best move (largest compactness gain, then year-range gain), kept in a
//!    lazy priority queue re-evaluated only around the two regions a move touched; worsening moves are
//!    allowed once no move improves, a moved estate is tabu for m/10 moves (5 to 25), and the walk stops
//!    after m/4 moves (20 to 1,000) without a new best, or 3m + 100 moves in all; the best is restored.
//!    Then enclaves are offered again; steps 4-5 repeat (at most 3 rounds) while they change anything.
//! 6. Steps 2-5 run 8 times for components of up to 60 estates, 4 up to 600, 2 up to 6,000, else once,
//!    with different random draws; plus, when P ≤ `max_pop`, the whole component as one bundle. The best
//!    by the objective wins.
//!
//! Steps 2 to 5 each have their file (`construct.rs`, `enclaves.rs`, `recombination.rs`, `tabu.rs`); this
//! one holds the problem and result types, the components, steps 1 and 6 and the shared region bookkeeping.
//!
//! Compactness is scored on the sum of the estates' areas (estates do not overlap in practice; the
//! bundle layer reports the dissolved area). Without a ceiling (`max_pop` infinite) one bundle per
//! component is a legitimate optimum of this objective: residents first, then mean compactness.
//!
//! **Complexity.** Components: O(n + e). Per component and restart, with region size s (estates per
//! bundle) and h hull points per estate: construction O(m·f) for frontier size f; enclave and repair
//! passes O(m·s·h) expected (Welzl is linear); each tabu move re-evaluates O(s·d) estates at
//! O(s·h) each, and the walk makes O(m) moves, so O(m·s²·d·h) in all, linear in m.
//!
//! ```
//! use geo_types::coord;
//! use lifecircle::bundle::adjacency::AdjacencyGraph;
//! use lifecircle::bundle::partition::{partition_estates, PartitionEstate, PartitionProblem};
//! // Four 100 m squares in a row, 3,000 residents each: two bundles of two (6,000 each) fit
//! // 5,000-12,000 and beat one bundle of four (12,000) on compactness.
//! let estates: Vec<PartitionEstate> = (0..4).map(|i| {
//!     let x = i as f64 * 100.0;
//!     PartitionEstate::new(3000.0, 10_000.0, vec![coord! {x: x, y: 0.0}, coord! {x: x + 100.0, y: 0.0}, coord! {x: x + 100.0, y: 100.0}, coord! {x: x, y: 100.0}], Some(1990))
//! }).collect();
//! let graph = AdjacencyGraph::from_edges(4, [(0, 1), (1, 2), (2, 3)].into_iter());
//! let problem = PartitionProblem { estates: &estates, graph: &graph, candidate: &[true; 4], group_of: &[0; 4], min_pop: 5000.0, max_pop: 12000.0, seed: 1 };
//! let partition = partition_estates(&problem);
//! assert_eq!(partition.bundles, vec![vec![0, 1], vec![2, 3]]);
//! ```

mod construct;
mod enclaves;
mod recombination;
mod tabu;

use super::adjacency::AdjacencyGraph;
use super::compactness::{Circle, compactness_in_circle, minimum_enclosing_circle_in_place};
use crate::rng::SplitMix64;
use geo_types::Coord;
use rayon::prelude::*;
use std::cmp::Reverse;

const NONE: u32 = u32::MAX;
/// Compactness sums closer than this are equal (floating-point noise).
const SCORE_TOLERANCE: f64 = 1e-9;

/// What the partition needs to know of an estate.
#[derive(Debug, Clone, PartialEq)]
pub struct PartitionEstate {
    pub population: f64,
    pub area_m2: f64,
    /// Area-weighted centre (the polygon centroid).
    pub centroid: Coord<f64>,
    /// Convex-hull vertices: the minimum enclosing circle of a bundle is that of its estates' hulls.
    pub hull: Vec<Coord<f64>>,
    pub built_year: Option<i32>,
}

impl PartitionEstate {
    /// An estate whose centroid is the mean of its hull vertices (exact for rectangles; tests and
    /// benchmarks); [`super::run_bundles`] passes the polygon centroid.
    pub fn new(population: f64, area_m2: f64, hull: Vec<Coord<f64>>, built_year: Option<i32>) -> PartitionEstate {
        let n = hull.len().max(1) as f64;
        let centroid = Coord { x: hull.iter().map(|c| c.x).sum::<f64>() / n, y: hull.iter().map(|c| c.y).sum::<f64>() / n };
        PartitionEstate { population, area_m2, centroid, hull, built_year }
    }
}

/// The partition problem over all estates of a run.
#[derive(Debug, Clone, Copy)]
pub struct PartitionProblem<'a> {
    pub estates: &'a [PartitionEstate],
    /// Adjacency over all estates (same indices).
    pub graph: &'a AdjacencyGraph,
    /// Whether an estate may be bundled (eligible, or needs survey when those are bundled).
    pub candidate: &'a [bool],
    /// Boundary group of each estate: edges between groups are ignored.
    pub group_of: &'a [u32],
    pub min_pop: f64,
    pub max_pop: f64,
    pub seed: u64,
}

/// Why an estate is in no bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LeftOut {
    /// Not a candidate: ineligible (or needing a survey when those are not bundled).
    NotCandidate,
    /// More residents than the ceiling on its own.
    AboveCeilingAlone,
    /// No adjacent candidate in its group, and fewer residents than the floor.
    Isolated,
    /// Its connected group of candidates has fewer residents than the floor.
    ComponentTooSmall,
    /// Every way found to bundle it would break the ceiling or leave a piece below the floor.
    WouldBreakCeiling,
}

impl LeftOut {
    /// The reason text for the estates layer.
    pub fn as_str(self) -> &'static str {
        match self {
            LeftOut::NotCandidate => "ineligible",
            LeftOut::AboveCeilingAlone => "above the population ceiling on its own",
            LeftOut::Isolated => "isolated: no adjacent candidate estate",
            LeftOut::ComponentTooSmall => "component too small: adjacent candidates hold fewer residents than the floor",
            LeftOut::WouldBreakCeiling => "would break the ceiling: every adjacent bundle is full",
        }
    }

    /// Its catalogue key (`left_out.<key>`).
    pub fn key(self) -> &'static str {
        match self {
            LeftOut::NotCandidate => "ineligible",
            LeftOut::AboveCeilingAlone => "above_ceiling_alone",
            LeftOut::Isolated => "isolated",
            LeftOut::ComponentTooSmall => "component_too_small",
            LeftOut::WouldBreakCeiling => "would_break_ceiling",
        }
    }

    /// Every reason, in declaration order.
    pub const ALL: [LeftOut; 5] = [LeftOut::NotCandidate, LeftOut::AboveCeilingAlone, LeftOut::Isolated, LeftOut::ComponentTooSmall, LeftOut::WouldBreakCeiling];
}

/// The result: bundles as sorted estate indices, ordered by (group, first estate); and for every estate
/// the reason it is left out, `None` when bundled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partition {
    pub bundles: Vec<Vec<usize>>,
    pub left_out: Vec<Option<LeftOut>>,
}

/// Partition the candidate estates into bundles.
pub fn partition_estates(problem: &PartitionProblem) -> Partition {
    let n = problem.estates.len();
    let mut left_out: Vec<Option<LeftOut>> = vec![None; n];
    let usable: Vec<bool> = (0..n)
        .map(|i| {
            let p = problem.estates[i].population;
            if !problem.candidate.get(i).copied().unwrap_or(false) {
                left_out[i] = Some(LeftOut::NotCandidate);
                false
            } else if p > problem.max_pop {
                left_out[i] = Some(LeftOut::AboveCeilingAlone);
                false
            } else {
                true
            }
        })
        .collect();
    let linked = |a: usize, b: usize| usable[a] && usable[b] && problem.group_of[a] == problem.group_of[b];

    // Connected components in index order; local index of each estate within its component.
    let mut component_of = vec![NONE; n];
    let mut local_index = vec![NONE; n];
    let mut components: Vec<Vec<usize>> = Vec::new();
    for start in 0..n {
        if !usable[start] || component_of[start] != NONE {
            continue;
        }
        let id = components.len() as u32;
        let mut nodes = vec![start];
        component_of[start] = id;
        let mut head = 0;
        while head < nodes.len() {
            let v = nodes[head];
            head += 1;
            for &u in problem.graph.neighbours(v) {
                let u = u as usize;
                if component_of[u] == NONE && linked(v, u) {
                    component_of[u] = id;
                    nodes.push(u);
                }
            }
        }
        nodes.sort_unstable();
        for (k, &g) in nodes.iter().enumerate() {
            local_index[g] = k as u32;
        }
        components.push(nodes);
    }

    // Largest first for load balance; results are put back in component order.
    let mut order: Vec<usize> = (0..components.len()).collect();
    order.sort_by_key(|&c| Reverse(components[c].len()));
    let mut solved: Vec<(usize, ComponentResult)> = order
        .par_iter()
        .map(|&c| {
            let nodes = &components[c];
            let component = Component::new(problem, nodes, &local_index, &linked);
            let mut rng = SplitMix64::for_key(problem.seed, nodes[0] as u64);
            (c, component.solve(&mut rng))
        })
        .collect();
    solved.sort_by_key(|(c, _)| *c);

    let mut bundles: Vec<Vec<usize>> = Vec::new();
    for (c, result) in solved {
        let nodes = &components[c];
        for region in result.regions {
            let mut members: Vec<usize> = region.iter().map(|&v| nodes[v as usize]).collect();
            members.sort_unstable();
            bundles.push(members);
        }
        for (v, reason) in result.left_out {
            left_out[nodes[v as usize]] = Some(reason);
        }
    }
    bundles.sort_by_key(|b| (problem.group_of[b[0]], b[0]));
    Partition { bundles, left_out }
}

/// One connected component in local indices.
struct Component<'p> {
    estates: Vec<&'p PartitionEstate>,
    offsets: Vec<u32>,
    adjacency: Vec<u32>,
    min_pop: f64,
    max_pop: f64,
}

/// Regions (as local estate lists) and left-out estates of one component.
struct ComponentResult {
    regions: Vec<Vec<u32>>,
    left_out: Vec<(u32, LeftOut)>,
}

#[derive(Debug, Clone)]
struct Region {
    members: Vec<u32>,
    pop: f64,
    area_m2: f64,
    circle: Circle,
    /// Earliest and latest known build year of the members.
    years: Option<(i32, i32)>,
    /// Bumped on every change, to spot stale queued moves.
    version: u32,
}

impl Region {
    fn compactness(&self) -> f64 {
        compactness_in_circle(self.area_m2, &self.circle)
    }

    fn year_range(&self) -> i64 {
        self.years.map_or(0, |(lo, hi)| (hi - lo) as i64)
    }
}

/// The range of known years, widened by one more year.
fn widen(years: Option<(i32, i32)>, year: Option<i32>) -> Option<(i32, i32)> {
    match (years, year) {
        (Some((lo, hi)), Some(y)) => Some((lo.min(y), hi.max(y))),
        (None, Some(y)) => Some((y, y)),
        (years, None) => years,
    }
}

fn span(years: Option<(i32, i32)>) -> i64 {
    years.map_or(0, |(lo, hi)| (hi - lo) as i64)
}

/// A solution of one component: the region of each estate (`NONE` when unassigned) and the regions.
#[derive(Debug, Clone)]
struct Solution {
    region_of: Vec<u32>,
    regions: Vec<Region>,
}

/// The objective, compared lexicographically (residents, compactness, then least year range).
#[derive(Debug, Clone, Copy)]
struct Score {
    residents: f64,
    mean_compactness: f64,
    year_range: f64,
}

impl Score {
    fn better_than(&self, other: &Score) -> bool {
        if (self.residents - other.residents).abs() > 1e-6 {
            return self.residents > other.residents;
        }
        if (self.mean_compactness - other.mean_compactness).abs() > SCORE_TOLERANCE {
            return self.mean_compactness > other.mean_compactness;
        }
        self.year_range < other.year_range
    }
}

/// Reusable buffers.
struct Scratch {
    points: Vec<Coord<f64>>,
    mark: Vec<u32>,
    generation: u32,
    queue: Vec<u32>,
}

impl Scratch {
    fn new(m: usize) -> Scratch {
        Scratch { points: Vec::new(), mark: vec![0; m], generation: 0, queue: Vec::new() }
    }

    fn next_generation(&mut self) -> u32 {
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.mark.iter_mut().for_each(|m| *m = 0);
            self.generation = 1;
        }
        self.generation
    }
}

impl<'p> Component<'p> {
    fn new(problem: &PartitionProblem<'p>, nodes: &[usize], local_index: &[u32], linked: &impl Fn(usize, usize) -> bool) -> Component<'p> {
        let mut offsets = Vec::with_capacity(nodes.len() + 1);
        let mut adjacency = Vec::new();
        for &g in nodes {
            offsets.push(adjacency.len() as u32);
            for &u in problem.graph.neighbours(g) {
                if linked(g, u as usize) {
                    adjacency.push(local_index[u as usize]);
                }
            }
        }
        offsets.push(adjacency.len() as u32);
        Component {
            estates: nodes.iter().map(|&g| &problem.estates[g]).collect(),
            offsets,
            adjacency,
            min_pop: problem.min_pop,
            max_pop: problem.max_pop,
        }
    }

    fn len(&self) -> usize {
        self.estates.len()
    }

    fn neighbours(&self, v: u32) -> &[u32] {
        &self.adjacency[self.offsets[v as usize] as usize..self.offsets[v as usize + 1] as usize]
    }

    fn pop(&self, v: u32) -> f64 {
        self.estates[v as usize].population
    }

    fn circle_of(&self, members: impl Iterator<Item = u32>, scratch: &mut Scratch) -> Circle {
        scratch.points.clear();
        for v in members {
            scratch.points.extend_from_slice(&self.estates[v as usize].hull);
        }
        let fallback = Circle { center: Coord { x: 0.0, y: 0.0 }, radius_m: 0.0 };
        minimum_enclosing_circle_in_place(&mut scratch.points).unwrap_or(fallback)
    }

    fn make_region(&self, members: Vec<u32>, scratch: &mut Scratch) -> Region {
        let pop = members.iter().map(|&v| self.pop(v)).sum();
        let area_m2 = members.iter().map(|&v| self.estates[v as usize].area_m2).sum();
        let circle = self.circle_of(members.iter().copied(), scratch);
        let years = self.years_of(members.iter().copied());
        Region { members, pop, area_m2, circle, years, version: 0 }
    }

    fn years_of(&self, members: impl Iterator<Item = u32>) -> Option<(i32, i32)> {
        members.fold(None, |years, v| widen(years, self.estates[v as usize].built_year))
    }

    fn score(&self, solution: &Solution) -> Score {
        let k = solution.regions.len();
        let residents = solution.regions.iter().map(|r| r.pop).sum();
        let mean_compactness = if k == 0 { 0.0 } else { solution.regions.iter().map(Region::compactness).sum::<f64>() / k as f64 };
        let year_range = if k == 0 { 0.0 } else { solution.regions.iter().map(|r| r.year_range() as f64).sum::<f64>() / k as f64 };
        Score { residents, mean_compactness, year_range }
    }

    fn solve(&self, rng: &mut SplitMix64) -> ComponentResult {
        let m = self.len();
        let total: f64 = (0..m as u32).map(|v| self.pop(v)).sum();
        if total < self.min_pop {
            let reason = if m == 1 { LeftOut::Isolated } else { LeftOut::ComponentTooSmall };
            return ComponentResult { regions: Vec::new(), left_out: (0..m as u32).map(|v| (v, reason)).collect() };
        }
        let mut scratch = Scratch::new(m);
        let restarts = match m {
            0..=60 => 8,
            61..=600 => 4,
            601..=6000 => 2,
            _ => 1,
        };
        let mut best: Option<(Score, Solution)> = None;
        let consider = |solution: Solution, best: &mut Option<(Score, Solution)>| {
            let score = self.score(&solution);
            if best.as_ref().is_none_or(|(s, _)| score.better_than(s)) {
                *best = Some((score, solution));
            }
        };
        if total <= self.max_pop {
            let whole = self.make_region((0..m as u32).collect(), &mut scratch);
            consider(Solution { region_of: vec![0; m], regions: vec![whole] }, &mut best);
        }
        for _ in 0..restarts {
            let mut solution = self.construct(rng, &mut scratch);
            // Ends with an enclave pass, so no left-out estate fits an adjacent bundle.
            self.absorb_enclaves(&mut solution, &mut scratch);
            for _round in 0..3 {
                let repaired = self.repair(&mut solution, rng, &mut scratch);
                self.absorb_enclaves(&mut solution, &mut scratch);
                self.local_search(&mut solution, &mut scratch);
                let absorbed = self.absorb_enclaves(&mut solution, &mut scratch);
                if !repaired && !absorbed {
                    break;
                }
            }
            consider(solution, &mut best);
        }
        let Some((_, solution)) = best else {
            return ComponentResult { regions: Vec::new(), left_out: (0..m as u32).map(|v| (v, LeftOut::WouldBreakCeiling)).collect() };
        };
        let left_out = (0..m as u32).filter(|&v| solution.region_of[v as usize] == NONE).map(|v| (v, LeftOut::WouldBreakCeiling)).collect();
        ComponentResult { regions: solution.regions.into_iter().map(|r| r.members).collect(), left_out }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::coord;

    /// A w×h grid of s-metre squares with the given populations (row-major), rook adjacency.
    pub(super) fn grid(w: usize, h: usize, s: f64, pops: &[f64]) -> (Vec<PartitionEstate>, AdjacencyGraph) {
        let mut estates = Vec::new();
        for j in 0..h {
            for i in 0..w {
                let (x, y) = (i as f64 * s, j as f64 * s);
                let hull = vec![coord! {x: x, y: y}, coord! {x: x + s, y: y}, coord! {x: x + s, y: y + s}, coord! {x: x, y: y + s}];
                estates.push(PartitionEstate::new(pops[j * w + i], s * s, hull, Some(1990)));
            }
        }
        let mut edges = Vec::new();
        for j in 0..h {
            for i in 0..w {
                let v = j * w + i;
                if i + 1 < w {
                    edges.push((v, v + 1));
                }
                if j + 1 < h {
                    edges.push((v, v + w));
                }
            }
        }
        (estates, AdjacencyGraph::from_edges(w * h, edges.into_iter()))
    }

    pub(super) fn solve(estates: &[PartitionEstate], graph: &AdjacencyGraph, min: f64, max: f64, seed: u64) -> Partition {
        let n = estates.len();
        let candidate = vec![true; n];
        let group_of = vec![0u32; n];
        partition_estates(&PartitionProblem { estates, graph, candidate: &candidate, group_of: &group_of, min_pop: min, max_pop: max, seed })
    }

    #[test]
    fn empty_input_gives_nothing() {
        let p = solve(&[], &AdjacencyGraph::from_edges(0, std::iter::empty()), 5000.0, 12000.0, 1);
        assert!(p.bundles.is_empty() && p.left_out.is_empty());
    }

    #[test]
    fn lone_and_small_components_are_explained() {
        // 0 alone (6,000: a bundle by itself); 1 alone (2,000: isolated); 2-3 linked (2,000 + 2,000: too
        // small); 4 alone with 13,000 (above the ceiling).
        let estates: Vec<_> = [6000.0, 2000.0, 2000.0, 2000.0, 13000.0]
            .iter()
            .enumerate()
            .map(|(i, &p)| PartitionEstate::new(p, 100.0, vec![coord! {x: i as f64 * 1000.0, y: 0.0}, coord! {x: i as f64 * 1000.0 + 10.0, y: 10.0}], None))
            .collect();
        let graph = AdjacencyGraph::from_edges(5, [(2, 3)].into_iter());
        let p = solve(&estates, &graph, 5000.0, 12000.0, 1);
        assert_eq!(p.bundles, vec![vec![0]]);
        assert_eq!(p.left_out, vec![None, Some(LeftOut::Isolated), Some(LeftOut::ComponentTooSmall), Some(LeftOut::ComponentTooSmall), Some(LeftOut::AboveCeilingAlone)]);
    }

    #[test]
    fn two_by_three_grid_has_a_unique_feasible_partition() {
        // Populations, row 0 (estates 0 1 2) then row 1 (3 4 5), bounds 5,000-5,500:
        //     4000  500 4000
        //     1000 4500 1000
        // Two of the big estates (0, 2, 4) together exceed 5,500, so they head three bundles; the small
        // ones (2,500 in all) must bring 0 and 2 up by exactly 1,000 and 4 by exactly 500. Estate 0 touches
        // only 1 (500) and 3 (1,000): it takes 3; estate 2 likewise takes 5; 4 takes 1. So the only way to
        // bundle all 15,000 residents is {0,3} {1,4} {2,5}, which the brute force below confirms.
        let pops = [4000.0, 500.0, 4000.0, 1000.0, 4500.0, 1000.0];
        let (estates, graph) = grid(3, 2, 100.0, &pops);
        assert_eq!(brute_force_full_partitions(&estates, &graph, 5000.0, 5500.0), vec![vec![vec![0, 3], vec![1, 4], vec![2, 5]]]);
        for seed in 0..20 {
            let p = solve(&estates, &graph, 5000.0, 5500.0, seed);
            assert_eq!(p.bundles, vec![vec![0, 3], vec![1, 4], vec![2, 5]], "seed {seed}");
            assert!(p.left_out.iter().all(Option::is_none));
        }
    }

    /// Every partition of all estates into connected parts within the bounds (exponential; tiny inputs).
    fn brute_force_full_partitions(estates: &[PartitionEstate], graph: &AdjacencyGraph, min: f64, max: f64) -> Vec<Vec<Vec<usize>>> {
        let n = estates.len();
        let mut labels = vec![0usize; n];
        let mut found = Vec::new();
        fn connected(part: &[usize], graph: &AdjacencyGraph) -> bool {
            let mut seen = vec![part[0]];
            let mut head = 0;
            while head < seen.len() {
                let v = seen[head];
                head += 1;
                for &u in graph.neighbours(v) {
                    if part.contains(&(u as usize)) && !seen.contains(&(u as usize)) {
                        seen.push(u as usize);
                    }
                }
            }
            seen.len() == part.len()
        }
        // Restricted growth strings enumerate set partitions.
        #[allow(clippy::too_many_arguments)]
        fn recurse(i: usize, k: usize, labels: &mut Vec<usize>, estates: &[PartitionEstate], graph: &AdjacencyGraph, min: f64, max: f64, found: &mut Vec<Vec<Vec<usize>>>) {
            let n = labels.len();
            if i == n {
                let parts: Vec<Vec<usize>> = (0..k).map(|l| (0..n).filter(|&v| labels[v] == l).collect()).collect();
                if parts.iter().all(|p| {
                    let pop: f64 = p.iter().map(|&v| estates[v].population).sum();
                    pop >= min && pop <= max && connected(p, graph)
                }) {
                    found.push(parts);
                }
                return;
            }
            for l in 0..=k {
                labels[i] = l;
                recurse(i + 1, k.max(l + 1), labels, estates, graph, min, max, found);
            }
        }
        recurse(0, 0, &mut labels, estates, graph, min, max, &mut found);
        found
    }

    #[test]
    fn component_within_bounds_is_one_bundle_unless_a_split_is_more_compact() {
        // A 2×1 pair of squares, 3,000 each: 6,000 fits; two bundles of 3,000 would be below the floor.
        let (estates, graph) = grid(2, 1, 100.0, &[3000.0, 3000.0]);
        assert_eq!(solve(&estates, &graph, 5000.0, 12000.0, 7).bundles, vec![vec![0, 1]]);
        // A 4×1 row of 2,500s: one bundle of 10,000 (compactness of a 4:1 strip) or two 2×1 bundles of
        // 5,000 (2:1 strips, more compact): the split wins.
        let (estates, graph) = grid(4, 1, 100.0, &[2500.0; 4]);
        assert_eq!(solve(&estates, &graph, 5000.0, 12000.0, 7).bundles, vec![vec![0, 1], vec![2, 3]]);
    }

    #[test]
    fn star_graph_leaves_leaves_out_when_the_ceiling_binds() {
        // A hub (1,000) with six leaves of 3,000 each, bounds 5,000-12,000: every bundle must contain the
        // hub (leaves touch only the hub), so one bundle of hub + 3 leaves (10,000) and three leaves left out.
        let mut estates = vec![PartitionEstate::new(1000.0, 100.0, vec![coord! {x: 0.0, y: 0.0}], None)];
        for k in 0..6 {
            let a = k as f64;
            estates.push(PartitionEstate::new(3000.0, 100.0, vec![coord! {x: 100.0 * a.cos(), y: 100.0 * a.sin()}], None));
        }
        let graph = AdjacencyGraph::from_edges(7, (1..7).map(|k| (0, k)));
        let p = solve(&estates, &graph, 5000.0, 12000.0, 3);
        assert_eq!(p.bundles.len(), 1);
        assert_eq!(p.bundles[0].len(), 4);
        assert!(p.bundles[0].contains(&0));
        assert_eq!(p.left_out.iter().filter(|r| **r == Some(LeftOut::WouldBreakCeiling)).count(), 3);
    }

    #[test]
    fn groups_and_non_candidates_cut_the_graph() {
        // A 4×1 row of 3,000s; estate 1 is not a candidate, so 0 is isolated and {2,3} is one bundle.
        let (estates, graph) = grid(4, 1, 100.0, &[3000.0; 4]);
        let candidate = [true, false, true, true];
        let group_of = [0u32; 4];
        let p = partition_estates(&PartitionProblem { estates: &estates, graph: &graph, candidate: &candidate, group_of: &group_of, min_pop: 5000.0, max_pop: 12000.0, seed: 1 });
        assert_eq!(p.bundles, vec![vec![2, 3]]);
        assert_eq!(p.left_out[0], Some(LeftOut::Isolated));
        assert_eq!(p.left_out[1], Some(LeftOut::NotCandidate));
        // Two groups {0,1} and {2,3}: two bundles even though one of 12,000 would fit.
        let group_of = [0u32, 0, 1, 1];
        let p = partition_estates(&PartitionProblem { estates: &estates, graph: &graph, candidate: &[true; 4], group_of: &group_of, min_pop: 5000.0, max_pop: 12000.0, seed: 1 });
        assert_eq!(p.bundles, vec![vec![0, 1], vec![2, 3]]);
    }
}
