//! Step 4 of the bundle partition, repair (objective 1: the most residents in bundles): the recombination
//! step of ReCom (DeFord, Duchin & Solomon 2021, "Recombination: a family of Markov chains for
//! redistricting", Harvard Data Science Review 3(1)).
//!
//! A cluster of estates still unassigned is merged with an adjacent region (or a region with every cluster
//! around it, or up to [`REPAIR_MAX_REGIONS`] adjacent regions) and the union re-split along a spanning
//! tree (Kruskal with jittered centroid-distance weights, up to [`TREE_ATTEMPTS`] trees): repeatedly cut
//! off the most compact subtree whose population lies in the bounds and leaves at least the floor behind.
//! With `max_pop ≥ 2·min_pop` a region plus an estate that overflows it has enough residents for two
//! bundles.

use super::{Component, NONE, Region, Scratch, Solution};
use crate::bundle::compactness::compactness_in_circle;
use crate::rng::SplitMix64;

/// Spanning trees tried per repair.
const TREE_ATTEMPTS: usize = 6;
/// Regions merged at most in one repair.
const REPAIR_MAX_REGIONS: usize = 4;

impl Component<'_> {
    /// Step 4: re-split regions together with adjacent unassigned clusters. Returns whether anything changed.
    ///
    /// For each cluster K of unassigned estates (in order of its first estate), the attempts are, until one
    /// splits into parts within the bounds: each adjacent region r with K; each adjacent region r with every
    /// unassigned cluster around r; the first [`REPAIR_MAX_REGIONS`] adjacent regions together with K; K
    /// alone when it has no adjacent region but reaches the floor.
    pub(super) fn repair(&self, solution: &mut Solution, rng: &mut SplitMix64, scratch: &mut Scratch) -> bool {
        let m = self.len();
        let mut cluster_of = vec![NONE; m];
        let mut clusters: Vec<Vec<u32>> = Vec::new();
        for start in 0..m {
            if solution.region_of[start] != NONE || cluster_of[start] != NONE {
                continue;
            }
            let id = clusters.len() as u32;
            let mut cluster = vec![start as u32];
            cluster_of[start] = id;
            let mut head = 0;
            while head < cluster.len() {
                let v = cluster[head];
                head += 1;
                for &u in self.neighbours(v) {
                    if solution.region_of[u as usize] == NONE && cluster_of[u as usize] == NONE {
                        cluster_of[u as usize] = id;
                        cluster.push(u);
                    }
                }
            }
            clusters.push(cluster);
        }
        let mut changed = false;
        for k in 0..clusters.len() {
            let cluster = &clusters[k];
            if solution.region_of[cluster[0] as usize] != NONE {
                continue; // absorbed by an earlier repair
            }
            let regions_around = |members: &[u32], solution: &Solution| -> Vec<u32> {
                let mut around: Vec<u32> = members.iter().flat_map(|&v| self.neighbours(v)).map(|&u| solution.region_of[u as usize]).filter(|&r| r != NONE).collect();
                around.sort_unstable();
                around.dedup();
                around
            };
            let clusters_around = |r: u32, solution: &Solution| -> Vec<u32> {
                let mut around: Vec<u32> = solution.regions[r as usize]
                    .members
                    .iter()
                    .flat_map(|&v| self.neighbours(v))
                    .filter(|&&u| solution.region_of[u as usize] == NONE)
                    .map(|&u| cluster_of[u as usize])
                    .collect();
                around.sort_unstable();
                around.dedup();
                around
            };
            let around = regions_around(cluster, solution);
            let cluster_pop: f64 = cluster.iter().map(|&v| self.pop(v)).sum();
            // Each attempt: (regions merged, clusters merged).
            let mut attempts: Vec<(Vec<u32>, Vec<u32>)> = around.iter().map(|&r| (vec![r], vec![k as u32])).collect();
            for &r in &around {
                let more = clusters_around(r, solution);
                if more.len() > 1 {
                    attempts.push((vec![r], more));
                }
            }
            if around.len() >= 2 {
                attempts.push((around.iter().copied().take(REPAIR_MAX_REGIONS).collect(), vec![k as u32]));
            }
            if around.is_empty() && cluster_pop >= self.min_pop {
                attempts.push((Vec::new(), vec![k as u32]));
            }
            for (merged, merged_clusters) in attempts {
                let mut set: Vec<u32> = Vec::new();
                for &c in &merged_clusters {
                    set.extend_from_slice(&clusters[c as usize]);
                }
                for &r in &merged {
                    set.extend_from_slice(&solution.regions[r as usize].members);
                }
                let Some(parts) = self.tree_partition(&set, rng, scratch) else { continue };
                self.replace_regions(solution, &merged, parts, scratch);
                changed = true;
                break;
            }
        }
        changed
    }

    /// Put `parts` in place of the `merged` regions: reuse their slots, append extra parts, drop unused slots.
    fn replace_regions(&self, solution: &mut Solution, merged: &[u32], parts: Vec<Vec<u32>>, scratch: &mut Scratch) {
        let mut slots = merged.to_vec();
        slots.reverse();
        for part in parts {
            let region = self.make_region(part, scratch);
            let id = match slots.pop() {
                Some(id) => {
                    let version = solution.regions[id as usize].version + 1;
                    solution.regions[id as usize] = Region { version, ..region };
                    id
                }
                None => {
                    solution.regions.push(region);
                    (solution.regions.len() - 1) as u32
                }
            };
            for &v in &solution.regions[id as usize].members {
                solution.region_of[v as usize] = id;
            }
        }
        // Fewer parts than merged regions (their union fitted in fewer bundles): drop the spare slots.
        if !slots.is_empty() {
            self.drop_regions(solution, &slots);
        }
    }

    /// Remove emptied region slots and renumber.
    fn drop_regions(&self, solution: &mut Solution, slots: &[u32]) {
        let mut keep: Vec<Region> = Vec::with_capacity(solution.regions.len());
        for (id, region) in solution.regions.drain(..).enumerate() {
            if !slots.contains(&(id as u32)) {
                keep.push(region);
            }
        }
        solution.region_of.iter_mut().for_each(|r| *r = NONE);
        for (id, region) in keep.iter().enumerate() {
            for &v in &region.members {
                solution.region_of[v as usize] = id as u32;
            }
        }
        solution.regions = keep;
    }

    /// Split the connected set into parts each within the bounds, covering all of it, along spanning
    /// trees; `None` when no tree tried gives such a split.
    fn tree_partition(&self, set: &[u32], rng: &mut SplitMix64, scratch: &mut Scratch) -> Option<Vec<Vec<u32>>> {
        let total: f64 = set.iter().map(|&v| self.pop(v)).sum();
        if total < self.min_pop {
            return None;
        }
        if total <= self.max_pop {
            return Some(vec![set.to_vec()]);
        }
        let k = set.len();
        // Local positions within the set.
        let generation = scratch.next_generation();
        let mut position = std::collections::HashMap::with_capacity(k);
        for (i, &v) in set.iter().enumerate() {
            scratch.mark[v as usize] = generation;
            position.insert(v, i as u32);
        }
        let mut edges: Vec<(u32, u32, f64)> = Vec::new();
        for (i, &v) in set.iter().enumerate() {
            for &u in self.neighbours(v) {
                if scratch.mark[u as usize] == generation {
                    let j = position[&u];
                    if (i as u32) < j {
                        let (a, b) = (self.estates[v as usize].centroid, self.estates[u as usize].centroid);
                        edges.push((i as u32, j, ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt()));
                    }
                }
            }
        }
        for _attempt in 0..TREE_ATTEMPTS {
            let mut weighted: Vec<(f64, u32, u32)> = edges.iter().map(|&(a, b, d)| (d * (1.0 + rng.next_f64()), a, b)).collect();
            weighted.sort_by(|x, y| x.0.total_cmp(&y.0).then((x.1, x.2).cmp(&(y.1, y.2))));
            let mut union_find: Vec<u32> = (0..k as u32).collect();
            fn find(uf: &mut [u32], mut x: u32) -> u32 {
                while uf[x as usize] != x {
                    uf[x as usize] = uf[uf[x as usize] as usize];
                    x = uf[x as usize];
                }
                x
            }
            let mut tree: Vec<Vec<u32>> = vec![Vec::new(); k];
            let mut n_tree_edges = 0;
            for (_, a, b) in weighted {
                let (ra, rb) = (find(&mut union_find, a), find(&mut union_find, b));
                if ra != rb {
                    union_find[ra as usize] = rb;
                    tree[a as usize].push(b);
                    tree[b as usize].push(a);
                    n_tree_edges += 1;
                }
            }
            if n_tree_edges + 1 != k {
                return None;
            }
            if let Some(parts) = self.cut_tree(set, &tree, total, scratch) {
                return Some(parts);
            }
        }
        None
    }

    /// Cut pieces within the bounds off a spanning tree (adjacency lists over set positions) until the rest fits.
    fn cut_tree(&self, set: &[u32], tree: &[Vec<u32>], total: f64, scratch: &mut Scratch) -> Option<Vec<Vec<u32>>> {
        let k = set.len();
        let mut alive = vec![true; k];
        let mut remaining = total;
        let mut parts: Vec<Vec<u32>> = Vec::new();
        let mut root = 0usize;
        loop {
            if remaining <= self.max_pop {
                if remaining < self.min_pop {
                    return None;
                }
                parts.push((0..k).filter(|&i| alive[i]).map(|i| set[i]).collect());
                return Some(parts);
            }
            // Root the remaining tree, order nodes so children come after parents.
            let mut parent = vec![u32::MAX; k];
            let mut order = vec![root as u32];
            parent[root] = root as u32;
            let mut head = 0;
            while head < order.len() {
                let v = order[head] as usize;
                head += 1;
                for &u in &tree[v] {
                    if alive[u as usize] && parent[u as usize] == u32::MAX {
                        parent[u as usize] = v as u32;
                        order.push(u);
                    }
                }
            }
            let mut subtree = vec![0.0f64; k];
            for &v in order.iter().rev() {
                subtree[v as usize] += self.pop(set[v as usize]);
                if v as usize != root {
                    let p = parent[v as usize] as usize;
                    subtree[p] += subtree[v as usize];
                }
            }
            // Feasible cuts: the subtree below `v` fits the bounds and leaves at least the floor.
            let mut best: Option<(f64, u32)> = None;
            for &v in order.iter().skip(1) {
                let s = subtree[v as usize];
                if s >= self.min_pop && s <= self.max_pop && remaining - s >= self.min_pop {
                    let members = Self::subtree_members(v, tree, &alive, &parent, set);
                    let area: f64 = members.iter().map(|&u| self.estates[u as usize].area_m2).sum();
                    let c = compactness_in_circle(area, &self.circle_of(members.iter().copied(), scratch));
                    if best.is_none_or(|(bc, _)| c > bc) {
                        best = Some((c, v));
                    }
                }
            }
            let (_, cut) = best?;
            let mut piece = Vec::new();
            let mut stack = vec![cut];
            while let Some(v) = stack.pop() {
                alive[v as usize] = false;
                piece.push(set[v as usize]);
                for &u in &tree[v as usize] {
                    if alive[u as usize] && parent[u as usize] == v {
                        stack.push(u);
                    }
                }
            }
            remaining -= subtree[cut as usize];
            parts.push(piece);
            root = (0..k).find(|&i| alive[i])?;
        }
    }

    /// The set members in the subtree below `v` (children of `x` are its live tree neighbours whose parent is `x`).
    fn subtree_members(v: u32, tree: &[Vec<u32>], alive: &[bool], parent: &[u32], set: &[u32]) -> Vec<u32> {
        let mut members = Vec::new();
        let mut stack = vec![v];
        while let Some(x) = stack.pop() {
            members.push(set[x as usize]);
            for &u in &tree[x as usize] {
                if alive[u as usize] && parent[u as usize] == x && u != v {
                    stack.push(u);
                }
            }
        }
        members
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::partition::tests::{grid, solve};
    use crate::bundle::partition::PartitionEstate;

    #[test]
    fn repair_resplits_a_full_region_to_take_in_stranded_estates() {
        // A path 0-1-2-3 of 3,000s, bounds 5,000-6,500, after a construction that bundled the middle
        // {1, 2}: 0 and 3 are stranded (9,000 breaks the ceiling). Merging {1, 2} with both clusters and
        // cutting a spanning tree (the path itself) gives {0, 1} {2, 3}.
        let (estates, graph) = grid(4, 1, 100.0, &[3000.0; 4]);
        let refs: Vec<&PartitionEstate> = estates.iter().collect();
        let component = Component { estates: refs, offsets: vec![0, 1, 3, 5, 6], adjacency: vec![1, 0, 2, 1, 3, 2], min_pop: 5000.0, max_pop: 6500.0 };
        let mut scratch = Scratch::new(4);
        let middle = component.make_region(vec![1, 2], &mut scratch);
        let mut solution = Solution { region_of: vec![NONE, 0, 0, NONE], regions: vec![middle] };
        component.absorb_enclaves(&mut solution, &mut scratch);
        assert_eq!(solution.region_of, vec![NONE, 0, 0, NONE], "nothing fits under the ceiling");
        assert!(component.repair(&mut solution, &mut SplitMix64::new(5), &mut scratch));
        let mut parts: Vec<Vec<u32>> = solution.regions.iter().map(|r| { let mut m = r.members.clone(); m.sort_unstable(); m }).collect();
        parts.sort();
        assert_eq!(parts, vec![vec![0, 1], vec![2, 3]]);
        assert_eq!(solution.region_of[0], solution.region_of[1]);
        assert_eq!(solution.region_of[2], solution.region_of[3]);
        // And the whole partition finds a full cover for every seed.
        for seed in 0..10 {
            assert_eq!(solve(&estates, &graph, 5000.0, 6500.0, seed).bundles, vec![vec![0, 1], vec![2, 3]], "seed {seed}");
        }
    }
}
