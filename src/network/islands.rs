//! Network islands: the connected components of the walking graph, reported as data.
//!
//! Union-find (disjoint-set forest with path halving and union by size; Tarjan 1975) over the edges.
//! Components are numbered by walkable length, longest first (ties: more nodes, then the smallest node
//! id), so island 0 is the main network. All components are used for coverage; an estate whose access
//! points all lie off island 0 is flagged (`on_main_network = false`), because a small island usually
//! means an unconnected drawing rather than a real enclave. Time O(E α(V)).
//!
//! ```
//! use geo_types::Coord;
//! use lifecircle::network::compounds::{PieceAccess, WayPiece};
//! use lifecircle::network::graph::WalkGraph;
//! use lifecircle::network::islands::network_islands;
//! let c = |x: f64, y: f64| Coord { x, y };
//! let pieces = vec![
//!     WayPiece { way: 0, coords: vec![c(0.0, 0.0), c(100.0, 0.0)], access: PieceAccess::Public },
//!     WayPiece { way: 1, coords: vec![c(500.0, 0.0), c(510.0, 0.0)], access: PieceAccess::Public },
//! ];
//! let islands = network_islands(&WalkGraph::build(&pieces, |_| true));
//! assert_eq!(islands.islands.len(), 2);
//! assert_eq!(islands.islands[0].length_m, 100.0);
//! assert_eq!(islands.component_of_node, vec![0, 0, 1, 1]);
//! ```

use super::graph::WalkGraph;
use serde::Serialize;

/// One connected component.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NetworkIsland {
    /// 0 is the main network (the longest component).
    pub component: u32,
    pub node_count: usize,
    pub edge_count: usize,
    pub length_m: f64,
}

/// Components of a graph.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Islands {
    /// Component id of every node.
    pub component_of_node: Vec<u32>,
    pub islands: Vec<NetworkIsland>,
}

impl Islands {
    /// Component of an edge.
    pub fn component_of_edge(&self, graph: &WalkGraph, edge: u32) -> u32 {
        self.component_of_node[graph.edges[edge as usize].u as usize]
    }
}

fn find(parent: &mut [u32], mut x: u32) -> u32 {
    while parent[x as usize] != x {
        let grandparent = parent[parent[x as usize] as usize];
        parent[x as usize] = grandparent;
        x = grandparent;
    }
    x
}

/// Connected components of the walking graph.
pub fn network_islands(graph: &WalkGraph) -> Islands {
    let n = graph.node_count();
    let mut parent: Vec<u32> = (0..n as u32).collect();
    let mut size = vec![1u32; n];
    for e in &graph.edges {
        let (a, b) = (find(&mut parent, e.u), find(&mut parent, e.v));
        if a != b {
            let (big, small) = if size[a as usize] >= size[b as usize] { (a, b) } else { (b, a) };
            parent[small as usize] = big;
            size[big as usize] += size[small as usize];
        }
    }
    // Per root: nodes, edges, length, smallest node.
    let mut root_index = vec![u32::MAX; n];
    let mut stats: Vec<(usize, usize, f64, u32, u32)> = Vec::new(); // nodes, edges, length, min node, root
    let mut root_of = vec![0u32; n];
    for node in 0..n as u32 {
        let r = find(&mut parent, node);
        root_of[node as usize] = r;
        if root_index[r as usize] == u32::MAX {
            root_index[r as usize] = stats.len() as u32;
            stats.push((0, 0, 0.0, node, r));
        }
        stats[root_index[r as usize] as usize].0 += 1;
    }
    for e in &graph.edges {
        let s = &mut stats[root_index[root_of[e.u as usize] as usize] as usize];
        s.1 += 1;
        s.2 += e.length_m;
    }
    let mut order: Vec<usize> = (0..stats.len()).collect();
    order.sort_by(|&a, &b| stats[b].2.total_cmp(&stats[a].2).then(stats[b].0.cmp(&stats[a].0)).then(stats[a].3.cmp(&stats[b].3)));
    let mut component_of_stat = vec![0u32; stats.len()];
    for (rank, &i) in order.iter().enumerate() {
        component_of_stat[i] = rank as u32;
    }
    let component_of_node = (0..n).map(|node| component_of_stat[root_index[root_of[node] as usize] as usize]).collect();
    let islands = order
        .iter()
        .enumerate()
        .map(|(rank, &i)| NetworkIsland { component: rank as u32, node_count: stats[i].0, edge_count: stats[i].1, length_m: stats[i].2 })
        .collect();
    Islands { component_of_node, islands }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::compounds::{PieceAccess, WayPiece};
    use geo_types::Coord;

    fn piece(way: u32, pts: &[(f64, f64)]) -> WayPiece {
        WayPiece { way, coords: pts.iter().map(|&(x, y)| Coord { x, y }).collect(), access: PieceAccess::Public }
    }

    #[test]
    fn empty_graph_has_no_islands() {
        let i = network_islands(&WalkGraph::default());
        assert!(i.islands.is_empty() && i.component_of_node.is_empty());
    }

    #[test]
    fn components_are_ordered_by_length_and_counted() {
        // Island A: a 2-edge path of 30 m; island B: a triangle of 3 x 100 m; island C: one 5 m edge.
        let g = WalkGraph::build(
            &[
                piece(0, &[(0.0, 0.0), (10.0, 0.0)]),
                piece(1, &[(10.0, 0.0), (30.0, 0.0)]),
                piece(2, &[(1000.0, 0.0), (1100.0, 0.0)]),
                piece(3, &[(1100.0, 0.0), (1050.0, 100.0 * (3.0f64).sqrt() / 2.0)]),
                piece(4, &[(1050.0, 100.0 * (3.0f64).sqrt() / 2.0), (1000.0, 0.0)]),
                piece(5, &[(5000.0, 0.0), (5005.0, 0.0)]),
            ],
            |_| true,
        );
        let i = network_islands(&g);
        let summary: Vec<(usize, usize)> = i.islands.iter().map(|s| (s.node_count, s.edge_count)).collect();
        assert_eq!(summary, vec![(3, 3), (3, 2), (2, 1)]);
        assert!((i.islands[0].length_m - 300.0).abs() < 1e-9);
        assert_eq!(i.islands[1].length_m, 30.0);
        assert_eq!(i.component_of_node, vec![1, 1, 1, 0, 0, 0, 2, 2]);
        assert_eq!(i.component_of_edge(&g, 5), 2);
        // Every node and edge is counted once.
        assert_eq!(i.islands.iter().map(|s| s.node_count).sum::<usize>(), g.node_count());
        assert_eq!(i.islands.iter().map(|s| s.edge_count).sum::<usize>(), g.edges.len());
    }
}
