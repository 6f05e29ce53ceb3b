//! Bounded multi-source, multi-label Dijkstra: for every node, the `k` nearest *distinct* sources within a
//! search radius, plus every source within a (smaller) threshold.
//!
//! One search per facility category replaces one search per estate: the facilities are the sources, each
//! seeded at both ends of the edge it snapped to (with its snap offset and its position along the edge
//! already added; a facility with several entrances seeds several times under one source id). The search
//! is a label-setting algorithm over `(distance, source)` labels (the "k nearest facilities" variant of
//! Dijkstra 1959, as in multi-label catchment searches; cf. Erwig & Hagen 2000 for the k = 1 case):
//!
//! 1. Push every seed `(d, source, node)` on a binary heap ordered by `(d, source, node)`.
//! 2. Pop the smallest. Node `v` accepts the label when it has no label from that source yet and either it
//!    holds fewer than `k` labels and `d ≤ radius_m`, or `d ≤ all_within_m`.
//! 3. An accepted label relaxes every arc `v → w`: push `(d + length, source, w)` unless `w` could not
//!    accept it (beyond the radius, `w` already holds the source, or `w` is full and it is beyond the
//!    threshold).
//!
//! Why it is exact: take a source `s` among the `k` best of node `v` and a shortest path `s … x … v`.
//! Any source better than `s` at `x` is better than `s` at `v` (triangle inequality; ties broken by
//! source id on both sides), so `s` is among the `k` best at every `x` on the path and its label travels
//! the whole path. A source within the threshold of `v` is within it at every node of its path. Labels
//! are popped in `(distance, source)` order, so each node's first `k` labels are its `k` best. Ties
//! between equal distances go to the lower source id, which makes the result independent of thread count
//! and insertion order. Time O(L log L) for L pushed labels (at most about `k` × arcs when thresholds are
//! small); memory 16 bytes × `k` per node plus an overflow map for nodes with more than `k` sources within
//! the threshold.
//!
//! ```
//! use geo_types::Coord;
//! use lifecircle::network::compounds::{PieceAccess, WayPiece};
//! use lifecircle::network::graph::WalkGraph;
//! use lifecircle::network::dijkstra::{k_nearest_sources, Seed, SearchLimits};
//! let c = |x: f64, y: f64| Coord { x, y };
//! // A straight street 0 - 100 - 300 m; two facilities at its ends.
//! let g = WalkGraph::build(&[WayPiece { way: 0, coords: vec![c(0.0, 0.0), c(100.0, 0.0)], access: PieceAccess::Public },
//!                            WayPiece { way: 1, coords: vec![c(100.0, 0.0), c(300.0, 0.0)], access: PieceAccess::Public }], |_| true);
//! let seeds = [Seed { node: 0, dist_m: 0.0, source: 0 }, Seed { node: 2, dist_m: 0.0, source: 1 }];
//! let labels = k_nearest_sources(&g, &seeds, &SearchLimits { k: 2, radius_m: 1000.0, all_within_m: 0.0 });
//! let at_middle: Vec<(f64, u32)> = labels.labels(1).map(|l| (l.dist_m, l.source)).collect();
//! assert_eq!(at_middle, vec![(100.0, 0), (200.0, 1)]);
//! ```

use super::graph::{FxHashMap, WalkGraph};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// A source's starting point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Seed {
    pub node: u32,
    pub dist_m: f64,
    pub source: u32,
}

/// A settled distance from a source.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Label {
    pub dist_m: f64,
    pub source: u32,
}

/// How far and how many.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SearchLimits {
    /// How many nearest distinct sources every node keeps.
    pub k: usize,
    /// The search stops here.
    pub radius_m: f64,
    /// Every source within this distance is kept too (0 for none beyond the `k` nearest).
    pub all_within_m: f64,
}

/// The labels of every node, in increasing `(distance, source)` order.
#[derive(Debug, Clone, Default)]
pub struct NodeLabels {
    k: usize,
    count: Vec<u32>,
    first: Vec<Label>,
    overflow: FxHashMap<u32, Vec<Label>>,
}

impl NodeLabels {
    /// A node's labels, nearest first.
    pub fn labels(&self, node: u32) -> impl Iterator<Item = Label> + '_ {
        let n = self.count.get(node as usize).copied().unwrap_or(0) as usize;
        let start = node as usize * self.k;
        let first = &self.first[start..start + n.min(self.k)];
        let extra: &[Label] = if n > self.k { self.overflow.get(&node).map_or(&[], Vec::as_slice) } else { &[] };
        first.iter().chain(extra.iter()).copied()
    }

    /// The nearest source of a node.
    pub fn nearest(&self, node: u32) -> Option<Label> {
        (self.count.get(node as usize).copied().unwrap_or(0) > 0).then(|| self.first[node as usize * self.k])
    }

    /// Total labels settled (work done).
    pub fn settled(&self) -> usize {
        self.count.iter().map(|&c| c as usize).sum()
    }

    fn holds(&self, node: u32, source: u32) -> bool {
        let n = self.count[node as usize] as usize;
        let start = node as usize * self.k;
        if self.first[start..start + n.min(self.k)].iter().any(|l| l.source == source) {
            return true;
        }
        n > self.k && self.overflow.get(&node).is_some_and(|v| v.iter().any(|l| l.source == source))
    }

    fn can_accept(&self, node: u32, label: Label, limits: &SearchLimits) -> bool {
        let full = self.count[node as usize] as usize >= self.k;
        if label.dist_m > limits.radius_m || (full && label.dist_m > limits.all_within_m) {
            return false;
        }
        !self.holds(node, label.source)
    }

    fn accept(&mut self, node: u32, label: Label) {
        let n = self.count[node as usize] as usize;
        if n < self.k {
            self.first[node as usize * self.k + n] = label;
        } else {
            self.overflow.entry(node).or_default().push(label);
        }
        self.count[node as usize] += 1;
    }
}

/// A source's entrance on an edge: `along_m` from the edge's `u` end, after `base_m` metres of walking
/// off the network (snap offset, plus any extra).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SourceEntry {
    pub source: u32,
    pub edge: u32,
    pub along_m: f64,
    pub base_m: f64,
}

/// Source entrances grouped by edge, for walks that stay on one edge (a facility and an estate entrance on
/// the same street between two junctions).
#[derive(Debug, Clone, Default)]
pub struct EdgeEntries {
    sorted: Vec<SourceEntry>,
}

impl EdgeEntries {
    pub fn new(entries: &[SourceEntry]) -> EdgeEntries {
        let mut sorted = entries.to_vec();
        sorted.sort_by(|a, b| a.edge.cmp(&b.edge).then(a.source.cmp(&b.source)).then(a.along_m.total_cmp(&b.along_m)));
        EdgeEntries { sorted }
    }

    /// The entrances on one edge.
    pub fn on_edge(&self, edge: u32) -> &[SourceEntry] {
        let start = self.sorted.partition_point(|e| e.edge < edge);
        let end = self.sorted.partition_point(|e| e.edge <= edge);
        &self.sorted[start..end]
    }
}

/// Seeds for the entrances: each enters its edge's two end nodes.
pub fn seeds_from_entries(graph: &WalkGraph, entries: &[SourceEntry]) -> Vec<Seed> {
    let mut seeds = Vec::with_capacity(entries.len() * 2);
    for e in entries {
        let edge = &graph.edges[e.edge as usize];
        seeds.push(Seed { node: edge.u, dist_m: e.base_m + e.along_m, source: e.source });
        seeds.push(Seed { node: edge.v, dist_m: e.base_m + (edge.length_m - e.along_m), source: e.source });
    }
    seeds
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct HeapEntry {
    /// The distance's bit pattern: for non-negative floats it orders like the value.
    dist_bits: u64,
    source: u32,
    node: u32,
}

/// Run the search. Seeds with a negative or non-finite distance are ignored.
pub fn k_nearest_sources(graph: &WalkGraph, seeds: &[Seed], limits: &SearchLimits) -> NodeLabels {
    let n = graph.node_count();
    let k = limits.k.max(1);
    let limits = SearchLimits { k, ..*limits };
    let mut labels = NodeLabels { k, count: vec![0; n], first: vec![Label { dist_m: 0.0, source: 0 }; n * k], overflow: FxHashMap::default() };
    let mut heap: BinaryHeap<Reverse<HeapEntry>> = BinaryHeap::with_capacity(seeds.len() * 2);
    for s in seeds {
        if s.dist_m.is_finite() && s.dist_m >= 0.0 && s.dist_m <= limits.radius_m && (s.node as usize) < n {
            heap.push(Reverse(HeapEntry { dist_bits: s.dist_m.to_bits(), source: s.source, node: s.node }));
        }
    }
    while let Some(Reverse(entry)) = heap.pop() {
        let label = Label { dist_m: f64::from_bits(entry.dist_bits), source: entry.source };
        if !labels.can_accept(entry.node, label, &limits) {
            continue;
        }
        labels.accept(entry.node, label);
        for arc in graph.neighbours(entry.node) {
            let next = Label { dist_m: label.dist_m + arc.length_m, source: label.source };
            if labels.can_accept(arc.to, next, &limits) {
                heap.push(Reverse(HeapEntry { dist_bits: next.dist_m.to_bits(), source: next.source, node: arc.to }));
            }
        }
    }
    labels
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::compounds::{PieceAccess, WayPiece};
    use geo_types::Coord;

    fn path_graph(xs: &[f64]) -> WalkGraph {
        let pieces: Vec<WayPiece> = xs
            .windows(2)
            .enumerate()
            .map(|(i, w)| WayPiece { way: i as u32, coords: vec![Coord { x: w[0], y: 0.0 }, Coord { x: w[1], y: 0.0 }], access: PieceAccess::Public })
            .collect();
        WalkGraph::build(&pieces, |_| true)
    }

    fn at(labels: &NodeLabels, node: u32) -> Vec<(f64, u32)> {
        labels.labels(node).map(|l| (l.dist_m, l.source)).collect()
    }

    #[test]
    fn no_seeds_no_labels() {
        let g = path_graph(&[0.0, 10.0]);
        let l = k_nearest_sources(&g, &[], &SearchLimits { k: 3, radius_m: 100.0, all_within_m: 50.0 });
        assert_eq!(l.settled(), 0);
        assert!(l.nearest(0).is_none());
    }

    #[test]
    fn radius_cuts_the_search() {
        // Nodes at 0, 100, 200, 300; one source at node 0; radius 250 m.
        let g = path_graph(&[0.0, 100.0, 200.0, 300.0]);
        let l = k_nearest_sources(&g, &[Seed { node: 0, dist_m: 0.0, source: 7 }], &SearchLimits { k: 1, radius_m: 250.0, all_within_m: 0.0 });
        assert_eq!(at(&l, 2), vec![(200.0, 7)]);
        assert!(at(&l, 3).is_empty());
    }

    #[test]
    fn same_source_twice_is_one_label_and_ties_go_to_the_lower_id() {
        // Nodes at 0, 100, 200. Source 5 enters at both ends (two entrances), source 2 at node 2 too.
        let g = path_graph(&[0.0, 100.0, 200.0]);
        let seeds = [Seed { node: 0, dist_m: 0.0, source: 5 }, Seed { node: 2, dist_m: 0.0, source: 5 }, Seed { node: 2, dist_m: 0.0, source: 2 }];
        let l = k_nearest_sources(&g, &seeds, &SearchLimits { k: 3, radius_m: 1000.0, all_within_m: 0.0 });
        // Node 1: source 2 at 100 and source 5 at 100 (tie: 2 first); node 0: 5 at 0, 2 at 200.
        assert_eq!(at(&l, 1), vec![(100.0, 2), (100.0, 5)]);
        assert_eq!(at(&l, 0), vec![(0.0, 5), (200.0, 2)]);
        assert_eq!(at(&l, 2), vec![(0.0, 2), (0.0, 5)]);
    }

    #[test]
    fn all_sources_within_the_threshold_are_kept_beyond_k() {
        // Five sources 10, 20, 30, 40, 50 m from node 0 along separate spurs; k = 2, threshold 35 m.
        let mut pieces = Vec::new();
        for i in 0..5u32 {
            let len = 10.0 * (i + 1) as f64;
            pieces.push(WayPiece { way: i, coords: vec![Coord { x: 0.0, y: 0.0 }, Coord { x: len * (i as f64).cos(), y: len * (i as f64).sin() }], access: PieceAccess::Public });
        }
        let g = WalkGraph::build(&pieces, |_| true);
        let seeds: Vec<Seed> = (0..5).map(|i| Seed { node: g.edges[i].v, dist_m: 0.0, source: 10 + i as u32 }).collect();
        let l = k_nearest_sources(&g, &seeds, &SearchLimits { k: 2, radius_m: 1000.0, all_within_m: 35.0 });
        let got = at(&l, 0);
        assert_eq!(got.len(), 3);
        for (g, want) in got.iter().zip([(10.0, 10), (20.0, 11), (30.0, 12)]) {
            assert!((g.0 - want.0).abs() < 1e-9 && g.1 == want.1, "{got:?}");
        }
    }
}
