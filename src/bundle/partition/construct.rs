//! Step 2 of the bundle partition, construction: the region-growing phase of max-p (Duque, Anselin & Rey
//! 2012, "The max-p-regions problem", J. Regional Science 52(3)) with a ceiling.
//!
//! Seeds are taken most-peripheral first (fewest unassigned neighbours, random ties from the component's
//! [`SplitMix64`]), so that the growth sweeps inward and strands few estates. A region grows by the
//! frontier estate nearest its area-weighted centroid that keeps it under the ceiling, until it reaches
//! the floor; a seed that cannot is skipped (its estates stay unassigned for steps 3 and 4). O(m·f) for m
//! estates and frontier size f.

use super::{Component, NONE, Scratch, Solution};
use crate::rng::SplitMix64;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

impl Component<'_> {
    /// Step 2: grow regions from the most peripheral unassigned estates.
    pub(super) fn construct(&self, rng: &mut SplitMix64, scratch: &mut Scratch) -> Solution {
        let m = self.len();
        let mut region_of = vec![NONE; m];
        let mut regions = Vec::new();
        let mut free_degree: Vec<u32> = (0..m as u32).map(|v| self.neighbours(v).len() as u32).collect();
        let mut failed = vec![false; m];
        let mut heap: BinaryHeap<Reverse<(u32, u64, u32)>> = (0..m as u32).map(|v| Reverse((free_degree[v as usize], rng.next_u64(), v))).collect();
        let mut frontier: Vec<u32> = Vec::new();
        while let Some(Reverse((degree, _, seed))) = heap.pop() {
            let s = seed as usize;
            if region_of[s] != NONE || failed[s] || degree != free_degree[s] {
                continue;
            }
            let generation = scratch.next_generation();
            let mut members = vec![seed];
            scratch.mark[s] = generation;
            let mut pop = self.pop(seed);
            let e = self.estates[s];
            let (mut wx, mut wy, mut w) = (e.centroid.x * e.area_m2.max(1e-9), e.centroid.y * e.area_m2.max(1e-9), e.area_m2.max(1e-9));
            frontier.clear();
            let push_frontier = |v: u32, frontier: &mut Vec<u32>, mark: &mut [u32]| {
                for &u in self.neighbours(v) {
                    if region_of[u as usize] == NONE && mark[u as usize] != generation {
                        mark[u as usize] = generation;
                        frontier.push(u);
                    }
                }
            };
            push_frontier(seed, &mut frontier, &mut scratch.mark);
            let mut grown = true;
            while pop < self.min_pop {
                let (cx, cy) = (wx / w, wy / w);
                let pick = frontier
                    .iter()
                    .enumerate()
                    .filter(|&(_, &u)| pop + self.pop(u) <= self.max_pop)
                    .min_by(|&(_, &a), &(_, &b)| {
                        let da = (self.estates[a as usize].centroid.x - cx).powi(2) + (self.estates[a as usize].centroid.y - cy).powi(2);
                        let db = (self.estates[b as usize].centroid.x - cx).powi(2) + (self.estates[b as usize].centroid.y - cy).powi(2);
                        da.total_cmp(&db).then(a.cmp(&b))
                    })
                    .map(|(k, _)| k);
                let Some(k) = pick else {
                    grown = false;
                    break;
                };
                let u = frontier.swap_remove(k);
                members.push(u);
                pop += self.pop(u);
                let eu = self.estates[u as usize];
                let a = eu.area_m2.max(1e-9);
                wx += eu.centroid.x * a;
                wy += eu.centroid.y * a;
                w += a;
                push_frontier(u, &mut frontier, &mut scratch.mark);
            }
            if !grown {
                failed[s] = true;
                continue;
            }
            let id = regions.len() as u32;
            for &v in &members {
                region_of[v as usize] = id;
            }
            for &v in &members {
                for &u in self.neighbours(v) {
                    let u = u as usize;
                    if region_of[u] == NONE {
                        free_degree[u] -= 1;
                        heap.push(Reverse((free_degree[u], rng.next_u64(), u as u32)));
                    }
                }
            }
            regions.push(self.make_region(members, scratch));
        }
        Solution { region_of, regions }
    }
}
