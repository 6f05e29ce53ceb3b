//! Bounded multi-source, multi-label Dijkstra: for every node, the `k` nearest *distinct* sources within a
//! search radius, plus every source within a (smaller) threshold.
//!
//! One search per facility category replaces one search per estate: the facilities are the sources, each
//! seeded at both ends of the edge it snapped to (with its snap offset and its position along the edge
//! already added; a facility with several entrances seeds several times under one source id). The search
//! is a label-setting algorithm over `(distance, source)` labels (the "k nearest facilities" variant of
//! Dijkstra 1959, as in multi-label catchment searches; cf. Erwig & Hagen 2000 for the k = 1 case):
//!
//! 1. Every node keeps its `k` best *tentative* labels (distinct sources, sorted). Offer every seed;
//!    push `(d, source, node)` on a monotone radix heap ordered by `(d, source)` when it enters that list
//!    (replacing the source's worse label, or the worst one), or when it lies within `all_within_m` and
//!    the source is not settled there yet.
//! 2. Pop the smallest. It settles when it is the node's next unsettled best label, or, once the node's
//!    `k` best are settled, when it lies within `all_within_m` from a source not yet settled there.
//!    Anything else is stale and skipped.
//! 3. A settled label relaxes every arc `v → w`: offer `(d + length, source, w)` to `w` as in step 1,
//!    unless beyond `radius_m`.
//!
//! Why it is exact: take a source `s` among the `k` best of node `v` and a shortest path `s … x … v`.
//! Any source better than `s` at `x` is better than `s` at `v` (triangle inequality; ties broken by
//! source id on both sides), so `s` is among the `k` best at every `x` on the path and its label travels
//! the whole path. A source within the threshold of `v` is within it at every node of its path. Labels
//! are popped in `(distance, source)` order, so each node's first `k` labels are its `k` best. Ties
//! between equal distances go to the lower source id, which makes the result independent of thread count
//! and insertion order. Time O(L log C) for L pushed labels (at most about `k` × arcs when thresholds are
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
///
/// Per node, a block of `k` slots holds its `k` best labels known so far (distinct sources, sorted); the
/// first `settled` are final. The block's first slot also carries the counts, so one node's whole state
/// is one memory block: the search is bound by memory access, not arithmetic. Labels beyond the `k` best
/// that lie within `all_within_m` are settled into `overflow`.
#[derive(Debug, Clone, Default)]
pub struct NodeLabels {
    k: usize,
    slots: Vec<Slot>,
    overflow: FxHashMap<u32, Vec<Label>>,
}

/// One label slot; `meta` of a node's first slot holds `known | settled << 8`.
#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    dist_m: f64,
    source: u32,
    meta: u32,
}

impl Slot {
    #[inline]
    fn label(self) -> Label {
        Label { dist_m: self.dist_m, source: self.source }
    }
}

/// `(distance, source)` order.
#[inline]
fn before(a: Label, b: Label) -> bool {
    a.dist_m < b.dist_m || (a.dist_m == b.dist_m && a.source < b.source)
}

impl NodeLabels {
    fn new(n: usize, k: usize) -> NodeLabels {
        NodeLabels { k, slots: vec![Slot::default(); n * k], overflow: FxHashMap::default() }
    }

    #[inline]
    fn counts(&self, node: u32) -> (usize, usize) {
        let meta = self.slots[node as usize * self.k].meta;
        ((meta & 0xFF) as usize, ((meta >> 8) & 0xFF) as usize)
    }

    /// A node's settled labels, nearest first.
    pub fn labels(&self, node: u32) -> impl Iterator<Item = Label> + '_ {
        let settled = if (node as usize) < self.slots.len() / self.k.max(1) { self.counts(node).1 } else { 0 };
        let start = node as usize * self.k;
        let first = &self.slots[start..start + settled];
        let extra: &[Label] = if settled == self.k { self.overflow.get(&node).map_or(&[], Vec::as_slice) } else { &[] };
        first.iter().map(|s| s.label()).chain(extra.iter().copied())
    }

    /// The nearest source of a node.
    pub fn nearest(&self, node: u32) -> Option<Label> {
        self.labels(node).next()
    }

    /// Total labels settled (work done).
    pub fn settled(&self) -> usize {
        let n = self.slots.len() / self.k.max(1);
        (0..n as u32).map(|v| self.counts(v).1).sum::<usize>() + self.overflow.values().map(Vec::len).sum::<usize>()
    }

    /// Whether `source` is settled at `node` (in the best prefix or the overflow).
    fn is_settled(&self, node: u32, source: u32, settled: usize) -> bool {
        let start = node as usize * self.k;
        self.slots[start..start + settled].iter().any(|l| l.source == source)
            || (settled == self.k && self.overflow.get(&node).is_some_and(|v| v.iter().any(|l| l.source == source)))
    }

    /// Offer a tentative label; true when it must be pushed on the heap.
    #[inline]
    fn offer(&mut self, node: u32, label: Label, all_within_m: f64) -> bool {
        let k = self.k;
        let start = node as usize * k;
        let meta = self.slots[start].meta;
        let (known, settled) = ((meta & 0xFF) as usize, ((meta >> 8) & 0xFF) as usize);
        let block = &mut self.slots[start..start + k];
        let existing = block[..known].iter().position(|l| l.source == label.source);
        if let Some(i) = existing
            && !before(label, block[i].label())
        {
            return false; // the source already reaches this node at least as cheaply
        }
        // (A settled label is never beaten later: labels are settled in (distance, source) order.)
        let improves = existing.is_some() || known < k || (settled < k && before(label, block[k - 1].label()));
        if !improves {
            // Not among the k best: only the all-within threshold keeps it.
            return label.dist_m <= all_within_m && !self.is_settled(node, label.source, settled);
        }
        // Remove the source's worse entry (or drop the worst when full), then insert in order.
        let mut len = known;
        if let Some(i) = existing {
            for j in i..len - 1 {
                block[j] = Slot { meta: 0, ..block[j + 1] };
            }
            len -= 1;
        } else if len == k {
            len -= 1;
        }
        let mut at = len;
        while at > settled && before(label, block[at - 1].label()) {
            block[at] = Slot { meta: 0, ..block[at - 1] };
            at -= 1;
        }
        block[at] = Slot { dist_m: label.dist_m, source: label.source, meta: 0 };
        block[0].meta = (len as u32 + 1) | ((settled as u32) << 8);
        true
    }

    /// Settle a popped label if it is still current; true when it was settled (and must be relaxed).
    #[inline]
    fn settle(&mut self, node: u32, label: Label, all_within_m: f64) -> bool {
        let start = node as usize * self.k;
        let meta = self.slots[start].meta;
        let (known, settled) = ((meta & 0xFF) as usize, ((meta >> 8) & 0xFF) as usize);
        if settled < known {
            let next = self.slots[start + settled];
            if next.source == label.source && next.dist_m == label.dist_m {
                self.slots[start].meta = known as u32 | ((settled as u32 + 1) << 8);
                return true;
            }
        }
        if settled == self.k && label.dist_m <= all_within_m && !self.is_settled(node, label.source, settled) {
            self.overflow.entry(node).or_default().push(label);
            return true;
        }
        false
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
        let (to_u, to_v) = graph.cost_to_ends(e.edge, e.along_m);
        seeds.push(Seed { node: edge.u, dist_m: e.base_m + to_u, source: e.source });
        seeds.push(Seed { node: edge.v, dist_m: e.base_m + to_v, source: e.source });
    }
    seeds
}

/// A monotone priority queue over `(distance, source)` keys: a radix heap (Ahuja, Mehlhorn, Orlin &
/// Tarjan 1990). Dijkstra never pushes a key smaller than the last one popped, which lets keys be filed
/// in buckets by the highest bit in which they differ from the last popped key; a pop empties the lowest
/// non-empty bucket into lower ones around its minimum. Keys pack the distance's bit pattern (monotone
/// for non-negative floats) above the source id, so the pop order is exactly `(distance, source)`.
struct RadixHeap {
    last: u128,
    buckets: Vec<Vec<(u128, u32)>>,
    len: usize,
}

impl RadixHeap {
    fn new() -> RadixHeap {
        RadixHeap { last: 0, buckets: (0..=128).map(|_| Vec::new()).collect(), len: 0 }
    }

    #[inline]
    fn key(label: Label) -> u128 {
        ((label.dist_m.to_bits() as u128) << 32) | label.source as u128
    }

    #[inline]
    fn bucket(&self, key: u128) -> usize {
        (128 - (key ^ self.last).leading_zeros()) as usize
    }

    #[inline]
    fn push(&mut self, label: Label, node: u32) {
        let key = RadixHeap::key(label);
        debug_assert!(key >= self.last, "radix heap keys must not decrease");
        let b = self.bucket(key);
        self.buckets[b].push((key, node));
        self.len += 1;
    }

    fn pop(&mut self) -> Option<(Label, u32)> {
        if self.len == 0 {
            return None;
        }
        if self.buckets[0].is_empty() {
            let i = self.buckets.iter().position(|b| !b.is_empty())?;
            let moved = std::mem::take(&mut self.buckets[i]);
            self.last = moved.iter().map(|e| e.0).min()?;
            for e in &moved {
                let b = self.bucket(e.0);
                self.buckets[b].push(*e);
            }
            // Give the emptied vector's capacity back to the bucket for reuse.
            let mut moved = moved;
            moved.clear();
            self.buckets[i] = moved;
        }
        let (key, node) = self.buckets[0].pop()?;
        self.len -= 1;
        Some((Label { dist_m: f64::from_bits((key >> 32) as u64), source: key as u32 }, node))
    }
}

/// Run the search. Seeds with a negative or non-finite distance are ignored.
pub fn k_nearest_sources(graph: &WalkGraph, seeds: &[Seed], limits: &SearchLimits) -> NodeLabels {
    let n = graph.node_count();
    let k = limits.k.clamp(1, u8::MAX as usize);
    let mut labels = NodeLabels::new(n, k);
    let mut heap = RadixHeap::new();
    for s in seeds {
        // `+ 0.0` turns -0.0 into 0.0, whose bit pattern orders correctly.
        let label = Label { dist_m: s.dist_m + 0.0, source: s.source };
        if s.dist_m.is_finite() && s.dist_m >= 0.0 && s.dist_m <= limits.radius_m && (s.node as usize) < n && labels.offer(s.node, label, limits.all_within_m) {
            heap.push(label, s.node);
        }
    }
    while let Some((label, node)) = heap.pop() {
        if !labels.settle(node, label, limits.all_within_m) {
            continue;
        }
        for arc in graph.neighbours(node) {
            let next = Label { dist_m: label.dist_m + arc.cost_m, source: label.source };
            if next.dist_m <= limits.radius_m && labels.offer(arc.to, next, limits.all_within_m) {
                heap.push(next, arc.to);
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

    /// Brute force: one plain Dijkstra per source, then per node the k best (distance, source) within the
    /// radius plus all within the threshold. Integer lengths on a grid make exact ties common, so the
    /// tie rule (lower source id first) is checked too.
    #[test]
    fn equals_one_dijkstra_per_source_on_random_grids() {
        use crate::rng::SplitMix64;
        let mut rng = SplitMix64::new(7);
        for _ in 0..40 {
            let (w, h) = (3 + rng.below(8), 3 + rng.below(8));
            let mut pieces = Vec::new();
            for y in 0..h {
                for x in 0..w {
                    let p = Coord { x: 10.0 * x as f64, y: 10.0 * y as f64 };
                    if x + 1 < w && rng.next_f64() < 0.85 {
                        pieces.push(WayPiece { way: 0, coords: vec![p, Coord { x: p.x + 10.0, y: p.y }], access: PieceAccess::Public });
                        if rng.next_f64() < 0.1 {
                            // A parallel edge (two ways between the same junctions).
                            pieces.push(WayPiece { way: 1, coords: vec![Coord { x: p.x + 10.0, y: p.y }, p], access: PieceAccess::Public });
                        }
                    }
                    if y + 1 < h && rng.next_f64() < 0.85 {
                        pieces.push(WayPiece { way: 0, coords: vec![p, Coord { x: p.x, y: p.y + 10.0 }], access: PieceAccess::Public });
                    }
                }
            }
            let g = WalkGraph::build(&pieces, |_| true);
            let n = g.node_count();
            if n == 0 {
                continue;
            }
            let n_sources = 1 + rng.below(6);
            let seeds: Vec<Seed> = (0..n_sources + rng.below(4))
                .map(|i| Seed { node: rng.below(n) as u32, dist_m: 10.0 * rng.below(3) as f64, source: (i % n_sources) as u32 })
                .collect();
            let limits = SearchLimits { k: 1 + rng.below(3), radius_m: 10.0 * (2 + rng.below(10)) as f64, all_within_m: 10.0 * rng.below(6) as f64 };
            let got = k_nearest_sources(&g, &seeds, &limits);
            // Per source, plain Dijkstra (O(n²) selection, no heap).
            let mut dist = vec![vec![f64::INFINITY; n]; n_sources];
            for (s, d) in dist.iter_mut().enumerate() {
                for seed in seeds.iter().filter(|x| x.source as usize == s) {
                    d[seed.node as usize] = d[seed.node as usize].min(seed.dist_m);
                }
                let mut done = vec![false; n];
                while let Some(u) = (0..n).filter(|&u| !done[u] && d[u].is_finite()).min_by(|&a, &b| d[a].total_cmp(&d[b])) {
                    done[u] = true;
                    for arc in g.neighbours(u as u32) {
                        let v = arc.to as usize;
                        d[v] = d[v].min(d[u] + arc.cost_m);
                    }
                }
            }
            for node in 0..n {
                let mut all: Vec<(f64, u32)> = dist.iter().enumerate().map(|(s, d)| (d[node], s as u32)).filter(|x| x.0 <= limits.radius_m).collect();
                all.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                let want: Vec<(f64, u32)> = all.iter().enumerate().filter(|(i, x)| *i < limits.k || x.0 <= limits.all_within_m).map(|(_, x)| *x).collect();
                assert_eq!(at(&got, node as u32), want, "node {node} {limits:?} {seeds:?}");
            }
        }
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
