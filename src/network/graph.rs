//! The walking graph: nodes where ways join, edges along the ways with their length in metres, stored as
//! compressed sparse rows (CSR) for shortest-path searches.
//!
//! Topology follows OpenStreetMap: two ways are connected only where they share a vertex (the same node;
//! here the same coordinate to the millimetre, which the same node always has after projection). Ways that
//! cross without a shared vertex (bridges, tunnels, unjoined drawing) do not connect.
//!
//! Algorithm:
//! 1. Count how often each vertex occurs across the included pieces ([`super::compounds::WayPiece`]); a
//!    vertex is a node when it ends a piece or occurs more than once (a junction, or a loop closing).
//! 2. Walk every piece and cut it at its nodes into edges; an edge keeps its polyline (in one flat
//!    coordinate array), its length (sum of the straight segment lengths in the projected CRS), the index
//!    of the way it came from and its access.
//! 3. Build CSR adjacency: each edge appears in both directions (walking ignores `oneway`).
//!
//! Node ids are assigned in order of first appearance and edges in way order, so the graph is the same on
//! every run. Time O(V + E) with one hash lookup per vertex; memory about 40 bytes per edge direction.
//!
//! ```
//! use geo_types::Coord;
//! use lifecircle::network::compounds::{PieceAccess, WayPiece};
//! use lifecircle::network::graph::WalkGraph;
//! let c = |x: f64, y: f64| Coord { x, y };
//! // A T junction: way 0 runs along y = 0, way 1 leaves it at x = 30.
//! let pieces = vec![
//!     WayPiece { way: 0, coords: vec![c(0.0, 0.0), c(30.0, 0.0), c(100.0, 0.0)], access: PieceAccess::Public },
//!     WayPiece { way: 1, coords: vec![c(30.0, 0.0), c(30.0, 40.0)], access: PieceAccess::Public },
//! ];
//! let g = WalkGraph::build(&pieces, |_| true);
//! assert_eq!((g.node_count(), g.edges.len()), (4, 3));
//! assert_eq!(g.neighbours(1).len(), 3); // the junction at (30, 0)
//! assert_eq!(g.edges[1].length_m, 70.0);
//! ```

use super::compounds::{PieceAccess, WayPiece};
use super::terrain::Terrain;
use geo_types::{Coord, LineString};
/// The `HashMap` of the graph, its searches and service areas: rustc's Fx hash, fast on integer keys. No
/// output depends on its iteration order: keys are looked up, counted, or sorted first (`service_area`).
pub use rustc_hash::FxHashMap;

/// A vertex key: the coordinate to the millimetre.
pub fn vertex_key(c: Coord<f64>) -> (i64, i64) {
    ((c.x * 1000.0).round() as i64, (c.y * 1000.0).round() as i64)
}

/// Position of cell (x, y) along the Hilbert curve filling a 2^16 × 2^16 grid (the classic iterative
/// rotate-and-reflect conversion).
pub fn hilbert_index(mut x: u32, mut y: u32) -> u64 {
    let mut d: u64 = 0;
    let mut s: u32 = 1 << 15;
    while s > 0 {
        let rx = u32::from(x & s > 0);
        let ry = u32::from(y & s > 0);
        d += (s as u64) * (s as u64) * ((3 * rx) ^ ry) as u64;
        if ry == 0 {
            if rx == 1 {
                x = s.wrapping_mul(2).wrapping_sub(1).wrapping_sub(x) & 0xFFFF;
                y = s.wrapping_mul(2).wrapping_sub(1).wrapping_sub(y) & 0xFFFF;
            }
            std::mem::swap(&mut x, &mut y);
        }
        s >>= 1;
    }
    d
}

/// One edge of the walking graph: the stretch of a way between two nodes.
#[derive(Debug, Clone, PartialEq)]
pub struct Edge {
    pub u: u32,
    pub v: u32,
    pub length_m: f64,
    /// Index into `Dataset.ways`.
    pub way: u32,
    pub access: PieceAccess,
    /// What walking the edge costs searches: its length, or its effort length on a DEM
    /// ([`super::terrain`]).
    pub cost_m: f64,
    /// Range of this edge's polyline in [`WalkGraph::edge_coords`], from `u` to `v`.
    pub coords_start: u32,
    pub coords_end: u32,
}

/// One direction of an edge in the adjacency lists.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Arc {
    pub to: u32,
    pub edge: u32,
    /// The edge's [`Edge::cost_m`].
    pub cost_m: f64,
}

/// On terrain, what walking one arc (an edge in one direction) adds to a route: its length and the metres
/// climbed in that direction. Stored beside [`Arc`] in the same order, so a search reads both in sequence.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ArcWalk {
    pub length_m: f64,
    pub climb_m: f64,
}

/// The walking graph.
#[derive(Debug, Clone, Default)]
pub struct WalkGraph {
    /// Node coordinates.
    pub node_xy: Vec<Coord<f64>>,
    pub edges: Vec<Edge>,
    /// Every edge's polyline, one after the other.
    pub edge_coords: Vec<Coord<f64>>,
    offsets: Vec<u32>,
    arcs: Vec<Arc>,
    /// On terrain, one [`ArcWalk`] per arc (empty without a DEM).
    arc_walks: Vec<ArcWalk>,
    /// Edge profiles on a DEM, when one was given: then costs are effort lengths.
    terrain: Option<Box<Terrain>>,
}

impl WalkGraph {
    /// Build the graph from the pieces whose access `include` accepts.
    pub fn build(pieces: &[WayPiece], include: impl Fn(PieceAccess) -> bool) -> WalkGraph {
        let included: Vec<&WayPiece> = pieces.iter().filter(|p| include(p.access) && p.coords.len() >= 2).collect();
        // 1. Occurrences per vertex; piece ends count twice so they always become nodes.
        let mut occurrences: FxHashMap<(i64, i64), u32> = FxHashMap::default();
        occurrences.reserve(included.iter().map(|p| p.coords.len()).sum());
        for p in &included {
            let last = p.coords.len() - 1;
            for (i, &c) in p.coords.iter().enumerate() {
                let add = if i == 0 || i == last { 2 } else { 1 };
                *occurrences.entry(vertex_key(c)).or_insert(0) += add;
            }
        }
        // 2. Cut pieces at nodes.
        let mut node_of: FxHashMap<(i64, i64), u32> = FxHashMap::default();
        let mut graph = WalkGraph::default();
        let mut node_id = |c: Coord<f64>, graph: &mut WalkGraph| -> u32 {
            *node_of.entry(vertex_key(c)).or_insert_with(|| {
                graph.node_xy.push(c);
                (graph.node_xy.len() - 1) as u32
            })
        };
        for p in &included {
            let mut start = 0usize;
            let mut length = 0.0;
            let mut u = node_id(p.coords[0], &mut graph);
            for i in 1..p.coords.len() {
                let (a, b) = (p.coords[i - 1], p.coords[i]);
                length += (b.x - a.x).hypot(b.y - a.y);
                let is_node = i == p.coords.len() - 1 || occurrences.get(&vertex_key(b)).copied().unwrap_or(0) > 1;
                if is_node {
                    let v = node_id(b, &mut graph);
                    let coords_start = graph.edge_coords.len() as u32;
                    graph.edge_coords.extend_from_slice(&p.coords[start..=i]);
                    graph.edges.push(Edge {
                        u,
                        v,
                        length_m: length,
                        way: p.way,
                        access: p.access,
                        cost_m: length,
                        coords_start,
                        coords_end: graph.edge_coords.len() as u32,
                    });
                    start = i;
                    length = 0.0;
                    u = v;
                }
            }
        }
        graph.build_adjacency();
        graph
    }

    fn build_adjacency(&mut self) {
        let n = self.node_xy.len();
        let mut degree = vec![0u32; n + 1];
        for e in &self.edges {
            degree[e.u as usize] += 1;
            degree[e.v as usize] += 1;
        }
        let mut offsets = Vec::with_capacity(n + 1);
        let mut sum = 0u32;
        for d in &degree[..n] {
            offsets.push(sum);
            sum += d;
        }
        offsets.push(sum);
        let mut fill = offsets.clone();
        let mut arcs = vec![Arc { to: 0, edge: 0, cost_m: 0.0 }; sum as usize];
        for (i, e) in self.edges.iter().enumerate() {
            arcs[fill[e.u as usize] as usize] = Arc { to: e.v, edge: i as u32, cost_m: e.cost_m };
            fill[e.u as usize] += 1;
            arcs[fill[e.v as usize] as usize] = Arc { to: e.u, edge: i as u32, cost_m: e.cost_m };
            fill[e.v as usize] += 1;
        }
        self.arc_walks = match &self.terrain {
            Some(t) => {
                let mut walks = vec![ArcWalk::default(); arcs.len()];
                for (i, arc) in arcs.iter().enumerate() {
                    let e = &self.edges[arc.edge as usize];
                    // The arc leaves `u` when it leads to `v` (a loop's both arcs count as leaving `u`).
                    let forward = arc.to == e.v;
                    walks[i] = ArcWalk { length_m: e.length_m, climb_m: t.climb_whole_m(arc.edge, forward) };
                }
                walks
            }
            None => Vec::new(),
        };
        self.offsets = offsets;
        self.arcs = arcs;
    }

    /// Renumber the nodes along a Hilbert curve over the graph's extent (ties by the old id), so that nodes
    /// near each other on the ground are near each other in memory. Shortest-path searches on a city-size
    /// graph are bound by memory access; this ordering keeps a search wavefront in few cache lines.
    /// Edge ids and everything else stay as they are.
    pub fn order_nodes_along_hilbert_curve(&mut self) {
        let n = self.node_xy.len();
        if n < 2 {
            return;
        }
        let (mut min, mut max) = (self.node_xy[0], self.node_xy[0]);
        for c in &self.node_xy {
            min = Coord { x: min.x.min(c.x), y: min.y.min(c.y) };
            max = Coord { x: max.x.max(c.x), y: max.y.max(c.y) };
        }
        let side = (max.x - min.x).max(max.y - min.y).max(1e-9);
        let cells = (1u32 << 16) as f64;
        let mut order: Vec<(u64, u32)> = self
            .node_xy
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let x = (((c.x - min.x) / side) * (cells - 1.0)).round() as u32;
                let y = (((c.y - min.y) / side) * (cells - 1.0)).round() as u32;
                (hilbert_index(x, y), i as u32)
            })
            .collect();
        order.sort_unstable();
        let mut new_id = vec![0u32; n];
        for (rank, &(_, old)) in order.iter().enumerate() {
            new_id[old as usize] = rank as u32;
        }
        self.node_xy = order.iter().map(|&(_, old)| self.node_xy[old as usize]).collect();
        for e in &mut self.edges {
            e.u = new_id[e.u as usize];
            e.v = new_id[e.v as usize];
        }
        self.build_adjacency();
    }

    /// Walk on terrain: every edge costs its effort length from now on (profiles in edge order), times the
    /// walker's factor of its way when given (one adjacency build for both).
    pub fn set_terrain(&mut self, terrain: Terrain, factors: Option<&[f64]>) {
        for (i, e) in self.edges.iter_mut().enumerate() {
            e.cost_m = terrain.effort_m(i as u32) * factors.map_or(1.0, |f| f[i]);
        }
        self.terrain = Some(Box::new(terrain));
        self.build_adjacency();
    }

    /// Override edge costs (a walker's effort, or `f64::INFINITY` for an edge the walker cannot use).
    pub fn set_costs(&mut self, costs: &[f64]) {
        for (e, &c) in self.edges.iter_mut().zip(costs) {
            e.cost_m = c;
        }
        self.build_adjacency();
    }

    /// The edge profiles, when the graph lies on a DEM.
    pub fn terrain(&self) -> Option<&Terrain> {
        self.terrain.as_deref()
    }

    /// The cost from a point `along_m` metres from an edge's `u` end to its `u` and to its `v` end. Without
    /// terrain or walker, `(along_m, length_m − along_m)`; on terrain, the effort of the two parts; an
    /// edge whose cost was scaled (a walker's factor on steps) scales both parts alike; an edge closed to
    /// the walker costs infinity both ways.
    #[inline]
    pub fn cost_to_ends(&self, edge: u32, along_m: f64) -> (f64, f64) {
        let e = &self.edges[edge as usize];
        if self.terrain.is_none() && e.cost_m == e.length_m {
            return (along_m, e.length_m - along_m);
        }
        if !e.cost_m.is_finite() {
            return (f64::INFINITY, f64::INFINITY);
        }
        let (base_at, base_total) = match &self.terrain {
            None => (along_m, e.length_m),
            Some(t) => (t.at(edge, along_m).effort_m, t.effort_m(edge)),
        };
        let c = if base_total > 0.0 { base_at * (e.cost_m / base_total) } else { 0.0 };
        (c, e.cost_m - c)
    }

    /// The cost between two points on one edge (metres from `u`). Without terrain or walker, `|a − b|`.
    #[inline]
    pub fn cost_between(&self, edge: u32, a_m: f64, b_m: f64) -> f64 {
        let e = &self.edges[edge as usize];
        if self.terrain.is_none() && e.cost_m == e.length_m {
            return (a_m - b_m).abs();
        }
        if !e.cost_m.is_finite() {
            return f64::INFINITY;
        }
        (self.cost_to_ends(edge, a_m).0 - self.cost_to_ends(edge, b_m).0).abs()
    }

    /// The metres from `u` at which the cost from `u` reaches `cost_m` (the inverse of
    /// [`WalkGraph::cost_to_ends`]'s first value), clamped to the edge.
    pub fn along_at_cost(&self, edge: u32, cost_m: f64) -> f64 {
        let e = &self.edges[edge as usize];
        if self.terrain.is_none() && e.cost_m == e.length_m {
            return cost_m;
        }
        if !e.cost_m.is_finite() || e.cost_m <= 0.0 {
            return 0.0;
        }
        match &self.terrain {
            None => (cost_m * e.length_m / e.cost_m).clamp(0.0, e.length_m),
            Some(t) => t.along_at_effort(edge, cost_m * t.effort_m(edge) / e.cost_m),
        }
    }

    /// Metres climbed walking an edge from `from_m` to `to_m` (0 without terrain).
    #[inline]
    pub fn climb_m(&self, edge: u32, from_m: f64, to_m: f64) -> f64 {
        self.terrain.as_ref().map_or(0.0, |t| t.climb_m(edge, from_m, to_m))
    }

    pub fn node_count(&self) -> usize {
        self.node_xy.len()
    }

    /// The arcs leaving a node.
    #[inline]
    pub fn neighbours(&self, node: u32) -> &[Arc] {
        let (a, b) = (self.offsets[node as usize] as usize, self.offsets[node as usize + 1] as usize);
        &self.arcs[a..b]
    }

    /// On terrain, [`WalkGraph::neighbours`] with each arc's [`ArcWalk`]; empty without a DEM.
    pub fn neighbours_on_terrain(&self, node: u32) -> (&[Arc], &[ArcWalk]) {
        if self.arc_walks.is_empty() {
            return (&[], &[]);
        }
        let (a, b) = (self.offsets[node as usize] as usize, self.offsets[node as usize + 1] as usize);
        (&self.arcs[a..b], &self.arc_walks[a..b])
    }

    /// An edge's polyline, from `u` to `v`.
    pub fn edge_line(&self, edge: u32) -> &[Coord<f64>] {
        let e = &self.edges[edge as usize];
        &self.edge_coords[e.coords_start as usize..e.coords_end as usize]
    }

    /// The part of an edge between `from_m` and `to_m` (measured from `u`, clamped to the edge), as a line.
    pub fn edge_part(&self, edge: u32, from_m: f64, to_m: f64) -> LineString<f64> {
        let line = self.edge_line(edge);
        let (from_m, to_m) = (from_m.max(0.0), to_m.min(self.edges[edge as usize].length_m));
        let mut out = Vec::new();
        let mut walked = 0.0;
        for w in line.windows(2) {
            let seg = (w[1].x - w[0].x).hypot(w[1].y - w[0].y);
            let (s0, s1) = (walked, walked + seg);
            if s1 >= from_m && s0 <= to_m && seg > 0.0 {
                let at = |m: f64| {
                    let t = ((m - s0) / seg).clamp(0.0, 1.0);
                    Coord { x: w[0].x + t * (w[1].x - w[0].x), y: w[0].y + t * (w[1].y - w[0].y) }
                };
                let a = at(from_m.max(s0));
                if out.last() != Some(&a) {
                    out.push(a);
                }
                let b = at(to_m.min(s1));
                if out.last() != Some(&b) {
                    out.push(b);
                }
            }
            walked = s1;
        }
        if out.len() == 1 {
            out.push(out[0]);
        }
        LineString(out)
    }

    /// The point `along_m` metres from an edge's `u` end.
    pub fn point_along(&self, edge: u32, along_m: f64) -> Coord<f64> {
        let line = self.edge_line(edge);
        let mut walked = 0.0;
        for w in line.windows(2) {
            let seg = (w[1].x - w[0].x).hypot(w[1].y - w[0].y);
            if walked + seg >= along_m && seg > 0.0 {
                let t = ((along_m - walked) / seg).clamp(0.0, 1.0);
                return Coord { x: w[0].x + t * (w[1].x - w[0].x), y: w[0].y + t * (w[1].y - w[0].y) };
            }
            walked += seg;
        }
        line[line.len() - 1]
    }

    /// Total length of all edges.
    pub fn length_m(&self) -> f64 {
        self.edges.iter().map(|e| e.length_m).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(x: f64, y: f64) -> Coord<f64> {
        Coord { x, y }
    }

    fn piece(way: u32, pts: &[(f64, f64)], access: PieceAccess) -> WayPiece {
        WayPiece { way, coords: pts.iter().map(|&(x, y)| c(x, y)).collect(), access }
    }

    #[test]
    fn hilbert_curve_visits_the_2x2_and_4x4_cells_in_order() {
        // The curve's first-order shape: (0,0) → (0,1) → (1,1) → (1,0), scaled to the top level.
        let s = 1u32 << 15;
        let order: Vec<u64> = [(0, 0), (0, s), (s, s), (s, 0)].iter().map(|&(x, y)| hilbert_index(x, y)).collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
        // Every cell of the 2^16 grid has its own index: a bijection on a sample, and consecutive indices are neighbours.
        let mut cells: Vec<(u64, u32, u32)> = (0..64u32).flat_map(|x| (0..64u32).map(move |y| (hilbert_index(x, y), x, y))).collect();
        cells.sort();
        cells.dedup_by_key(|c| c.0);
        assert_eq!(cells.len(), 64 * 64);
    }

    #[test]
    fn hilbert_renumbering_keeps_the_graph() {
        let g = WalkGraph::build(
            &[piece(0, &[(0.0, 0.0), (3.0, 0.0), (3.0, 4.0)], PieceAccess::Public), piece(1, &[(3.0, 4.0), (3.0, 10.0)], PieceAccess::Public), piece(2, &[(-50.0, 7.0), (3.0, 4.0)], PieceAccess::Public)],
            |_| true,
        );
        let mut h = g.clone();
        h.order_nodes_along_hilbert_curve();
        assert_eq!(h.edges.len(), g.edges.len());
        for (a, b) in g.edges.iter().zip(&h.edges) {
            assert_eq!((g.node_xy[a.u as usize], g.node_xy[a.v as usize], a.length_m), (h.node_xy[b.u as usize], h.node_xy[b.v as usize], b.length_m));
        }
        for n in 0..h.node_count() as u32 {
            let old = g.node_xy.iter().position(|&c| c == h.node_xy[n as usize]).unwrap() as u32;
            assert_eq!(h.neighbours(n).len(), g.neighbours(old).len());
        }
    }

    #[test]
    fn empty_input_gives_an_empty_graph() {
        let g = WalkGraph::build(&[], |_| true);
        assert_eq!((g.node_count(), g.edges.len()), (0, 0));
    }

    #[test]
    fn crossing_without_shared_vertex_does_not_connect() {
        // A bridge: way 1 crosses way 0 at (50, 0) without a shared vertex.
        let g = WalkGraph::build(
            &[piece(0, &[(0.0, 0.0), (100.0, 0.0)], PieceAccess::Public), piece(1, &[(50.0, -50.0), (50.0, 50.0)], PieceAccess::Public)],
            |_| true,
        );
        assert_eq!((g.node_count(), g.edges.len()), (4, 2));
        for n in 0..4 {
            assert_eq!(g.neighbours(n).len(), 1);
        }
    }

    #[test]
    fn shape_vertices_are_not_nodes_and_lengths_add_up() {
        // An L-shaped way (3-4-5 legs) and a way joining it at its far end.
        let g = WalkGraph::build(
            &[piece(0, &[(0.0, 0.0), (3.0, 0.0), (3.0, 4.0)], PieceAccess::Public), piece(1, &[(3.0, 4.0), (3.0, 10.0)], PieceAccess::Public)],
            |_| true,
        );
        assert_eq!((g.node_count(), g.edges.len()), (3, 2));
        assert_eq!(g.edges[0].length_m, 7.0);
        assert_eq!(g.edge_line(0).len(), 3);
        assert_eq!(g.point_along(0, 5.0), c(3.0, 2.0));
        assert_eq!(g.edge_part(0, 1.0, 5.0).0, vec![c(1.0, 0.0), c(3.0, 0.0), c(3.0, 2.0)]);
        assert_eq!(g.neighbours(1).len(), 2); // node 1 is (3, 4), where the two ways join
    }

    #[test]
    fn a_loop_way_and_excluded_pieces() {
        // A closed ring (a pedestrian square's outline) touched by a path at one corner; a compound piece left out.
        let ring = piece(0, &[(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0), (0.0, 0.0)], PieceAccess::Public);
        let path = piece(1, &[(10.0, 10.0), (20.0, 20.0)], PieceAccess::Public);
        let private = piece(2, &[(20.0, 20.0), (30.0, 20.0)], PieceAccess::Compound(0));
        let g = WalkGraph::build(&[ring.clone(), path.clone(), private.clone()], |a| a == PieceAccess::Public);
        // Nodes: (0,0) ring end, (10,10) junction, (20,20) path end. The ring is cut at (10,10) into two edges.
        assert_eq!(g.node_count(), 3);
        assert_eq!(g.edges.len(), 3);
        assert_eq!(g.edges[0].length_m + g.edges[1].length_m, 40.0);
        let opened = WalkGraph::build(&[ring, path, private], |_| true);
        assert_eq!((opened.node_count(), opened.edges.len()), (4, 4));
        assert_eq!(opened.edges[3].access, PieceAccess::Compound(0));
    }
}
