//! The brute-force oracle the coverage tests check the engine against: textbook Dijkstra (a binary heap,
//! no bound, no pruning) over a plain adjacency list, shared by the tests that build their own graphs.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Shortest distances from several (node, start distance) pairs over `adjacency[node] = [(next, weight)]`;
/// unreachable nodes stay infinite.
pub fn dijkstra(adjacency: &[Vec<(usize, f64)>], starts: &[(usize, f64)]) -> Vec<f64> {
    let mut dist = vec![f64::INFINITY; adjacency.len()];
    let mut heap = BinaryHeap::new();
    for &(n, d) in starts {
        if d < dist[n] {
            dist[n] = d;
            heap.push(Reverse((d.to_bits(), n)));
        }
    }
    while let Some(Reverse((bits, n))) = heap.pop() {
        let d = f64::from_bits(bits);
        if d > dist[n] {
            continue;
        }
        for &(m, w) in &adjacency[n] {
            if d + w < dist[m] {
                dist[m] = d + w;
                heap.push(Reverse(((d + w).to_bits(), m)));
            }
        }
    }
    dist
}
