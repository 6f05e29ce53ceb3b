//! Step 5 of the bundle partition, local search: AZP-tabu (Openshaw & Rao 1995, "Algorithms for
//! reengineering 1991 census geography", Environment and Planning A 27) as in the max-p improvement phase.
//!
//! Move a border estate to an adjacent region when the donor stays contiguous and at or above the floor
//! and the receiver under the ceiling; always the best move (largest compactness gain, then year-range
//! gain), kept in a lazy priority queue re-evaluated only around the two regions a move touched. Worsening
//! moves are allowed once no move improves; a moved estate is tabu for m/10 moves (5 to 25), and the walk
//! stops after m/4 moves (20 to 1,000) without a new best, or 3m + 100 moves in all; the best solution
//! seen is restored. Each move re-evaluates O(s·d) estates at O(s·h) each (s estates per region, d
//! neighbours per estate, h hull points per estate), and the walk makes O(m) moves.

use super::{Component, NONE, SCORE_TOLERANCE, Scratch, Solution, span, widen};
use crate::bundle::compactness::compactness_in_circle;
use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

/// A queued move: estate `v` from its region to `to`, with the gains and region versions it was computed for.
#[derive(Debug, Clone, Copy)]
struct Move {
    gain: f64,
    year_gain: i64,
    v: u32,
    from: u32,
    to: u32,
    from_version: u32,
    to_version: u32,
}

impl PartialEq for Move {
    fn eq(&self, other: &Move) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Move {}
impl PartialOrd for Move {
    fn partial_cmp(&self, other: &Move) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Move {
    fn cmp(&self, other: &Move) -> Ordering {
        self.gain
            .total_cmp(&other.gain)
            .then(self.year_gain.cmp(&other.year_gain))
            .then(other.v.cmp(&self.v))
            .then(other.to.cmp(&self.to))
    }
}

impl Component<'_> {
    /// Whether region `r` stays connected without `v`.
    fn connected_without(&self, solution: &Solution, r: u32, v: u32, scratch: &mut Scratch) -> bool {
        let region = &solution.regions[r as usize];
        let inside = self.neighbours(v).iter().filter(|&&u| solution.region_of[u as usize] == r).count();
        if inside <= 1 {
            return region.members.len() > 1;
        }
        let Some(&start) = region.members.iter().find(|&&u| u != v) else { return false };
        let generation = scratch.next_generation();
        scratch.mark[v as usize] = generation;
        scratch.mark[start as usize] = generation;
        scratch.queue.clear();
        scratch.queue.push(start);
        let mut head = 0;
        while head < scratch.queue.len() {
            let x = scratch.queue[head];
            head += 1;
            for &u in self.neighbours(x) {
                if solution.region_of[u as usize] == r && scratch.mark[u as usize] != generation {
                    scratch.mark[u as usize] = generation;
                    scratch.queue.push(u);
                }
            }
        }
        scratch.queue.len() == region.members.len() - 1
    }

    /// The best feasible move of `v` to an adjacent region, if any.
    fn best_move(&self, solution: &Solution, v: u32, scratch: &mut Scratch) -> Option<Move> {
        let from = solution.region_of[v as usize];
        if from == NONE {
            return None;
        }
        let mut targets: Vec<u32> = self.neighbours(v).iter().map(|&u| solution.region_of[u as usize]).filter(|&r| r != NONE && r != from).collect();
        if targets.is_empty() {
            return None;
        }
        let a = &solution.regions[from as usize];
        let estate = self.estates[v as usize];
        if a.members.len() < 2 || a.pop - estate.population < self.min_pop {
            return None;
        }
        targets.sort_unstable();
        targets.dedup();
        targets.retain(|&t| solution.regions[t as usize].pop + estate.population <= self.max_pop);
        if targets.is_empty() || !self.connected_without(solution, from, v, scratch) {
            return None;
        }
        let circle_a = if estate.hull.iter().any(|&p| a.circle.touches(p)) {
            self.circle_of(a.members.iter().copied().filter(|&u| u != v), scratch)
        } else {
            a.circle
        };
        let c_a_after = compactness_in_circle(a.area_m2 - estate.area_m2, &circle_a);
        let years_a_before = a.year_range();
        let years_a_after = if estate.built_year.is_some_and(|y| a.years.is_some_and(|(lo, hi)| y == lo || y == hi)) {
            span(self.years_of(a.members.iter().copied().filter(|&u| u != v)))
        } else {
            years_a_before
        };
        let mut best: Option<Move> = None;
        for to in targets {
            let b = &solution.regions[to as usize];
            let circle_b = if estate.hull.iter().all(|&p| b.circle.holds(p)) {
                b.circle
            } else {
                self.circle_of(b.members.iter().copied().chain(std::iter::once(v)), scratch)
            };
            let c_b_after = compactness_in_circle(b.area_m2 + estate.area_m2, &circle_b);
            let gain = c_a_after + c_b_after - a.compactness() - b.compactness();
            let years_b_before = b.year_range();
            let years_b_after = span(widen(b.years, estate.built_year));
            let year_gain = (years_a_before + years_b_before) - (years_a_after + years_b_after);
            let candidate = Move { gain, year_gain, v, from, to, from_version: a.version, to_version: b.version };
            if best.is_none_or(|m| candidate > m) {
                best = Some(candidate);
            }
        }
        best
    }

    /// Move `v` from its region to `to`, updating both regions.
    fn apply_move(&self, solution: &mut Solution, v: u32, to: u32, scratch: &mut Scratch) {
        let from = solution.region_of[v as usize];
        let estate = self.estates[v as usize];
        {
            let a = &mut solution.regions[from as usize];
            if let Some(k) = a.members.iter().position(|&u| u == v) {
                a.members.swap_remove(k);
            }
            a.pop -= estate.population;
            a.area_m2 -= estate.area_m2;
            a.version += 1;
        }
        if estate.hull.iter().any(|&p| solution.regions[from as usize].circle.touches(p)) {
            let circle = self.circle_of(solution.regions[from as usize].members.iter().copied(), scratch);
            solution.regions[from as usize].circle = circle;
        }
        let needs_new_circle = !estate.hull.iter().all(|&p| solution.regions[to as usize].circle.holds(p));
        {
            let b = &mut solution.regions[to as usize];
            b.members.push(v);
            b.pop += estate.population;
            b.area_m2 += estate.area_m2;
            b.version += 1;
        }
        if needs_new_circle {
            let circle = self.circle_of(solution.regions[to as usize].members.iter().copied(), scratch);
            solution.regions[to as usize].circle = circle;
        }
        solution.regions[to as usize].years = widen(solution.regions[to as usize].years, estate.built_year);
        let from_years = self.years_of(solution.regions[from as usize].members.iter().copied());
        solution.regions[from as usize].years = from_years;
        solution.region_of[v as usize] = to;
    }

    /// Step 5: AZP-tabu over border moves.
    pub(super) fn local_search(&self, solution: &mut Solution, scratch: &mut Scratch) {
        let m = self.len();
        if solution.regions.len() < 2 {
            return;
        }
        let tenure = (m / 10).clamp(5, 25) as u64;
        let max_no_improve = (m / 4).clamp(20, 1000);
        let max_iterations = 3 * m + 100;
        let mut heap: BinaryHeap<Move> = BinaryHeap::new();
        for v in 0..m as u32 {
            if let Some(mv) = self.best_move(solution, v, scratch) {
                heap.push(mv);
            }
        }
        let mut tabu_until = vec![0u64; m];
        let mut expiring: VecDeque<(u64, u32)> = VecDeque::new();
        let mut current = 0.0f64;
        let mut current_years = 0i64;
        let mut best = (0.0f64, 0i64);
        let mut since_best: Vec<(u32, u32)> = Vec::new(); // (estate, region it came from)
        let mut no_improve = 0usize;
        let mut iteration = 0u64;
        let mut touched = vec![0u32; m];
        let mut touch_generation = 0u32;
        while (iteration as usize) < max_iterations && no_improve < max_no_improve {
            while let Some(&(until, v)) = expiring.front() {
                if until > iteration {
                    break;
                }
                expiring.pop_front();
                if let Some(mv) = self.best_move(solution, v, scratch) {
                    heap.push(mv);
                }
            }
            let Some(mv) = heap.pop() else { break };
            let valid = solution.region_of[mv.v as usize] == mv.from
                && solution.regions[mv.from as usize].version == mv.from_version
                && solution.regions[mv.to as usize].version == mv.to_version
                && tabu_until[mv.v as usize] <= iteration;
            if !valid {
                continue;
            }
            iteration += 1;
            self.apply_move(solution, mv.v, mv.to, scratch);
            since_best.push((mv.v, mv.from));
            current += mv.gain;
            current_years += mv.year_gain;
            tabu_until[mv.v as usize] = iteration + tenure;
            expiring.push_back((iteration + tenure, mv.v));
            if current > best.0 + SCORE_TOLERANCE || (current > best.0 - SCORE_TOLERANCE && current_years > best.1) {
                best = (current, current_years);
                since_best.clear();
                no_improve = 0;
            } else {
                no_improve += 1;
            }
            // Re-evaluate around the two regions.
            touch_generation += 1;
            let mut around: Vec<u32> = Vec::new();
            for r in [mv.from, mv.to] {
                for &u in &solution.regions[r as usize].members {
                    for &x in std::iter::once(&u).chain(self.neighbours(u)) {
                        if touched[x as usize] != touch_generation {
                            touched[x as usize] = touch_generation;
                            around.push(x);
                        }
                    }
                }
            }
            around.sort_unstable();
            for x in around {
                if tabu_until[x as usize] > iteration {
                    continue;
                }
                if let Some(next) = self.best_move(solution, x, scratch) {
                    heap.push(next);
                }
            }
        }
        // Restore the best solution seen.
        for (v, from) in since_best.into_iter().rev() {
            self.apply_move(solution, v, from, scratch);
        }
        // `apply_move` keeps every circle exact (a circle changes only when a point on it leaves or a point
        // outside it arrives), so only the member order is tidied.
        for region in &mut solution.regions {
            region.members.sort_unstable();
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::bundle::partition::tests::{grid, solve};

    #[test]
    fn tabu_search_reaches_the_compact_blocks_on_a_grid() {
        // A 4×4 grid of equal estates (1,000 each), bounds 4,000-4,000: the partitions into four
        // connected tetrominoes. The most compact is four 2×2 blocks (compactness 2/π each).
        let (estates, graph) = grid(4, 4, 100.0, &[1000.0; 16]);
        let p = solve(&estates, &graph, 4000.0, 4000.0, 11);
        assert_eq!(p.bundles, vec![vec![0, 1, 4, 5], vec![2, 3, 6, 7], vec![8, 9, 12, 13], vec![10, 11, 14, 15]]);
    }
}
