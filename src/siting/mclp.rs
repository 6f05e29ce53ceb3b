//! The maximal covering location problem (Church & ReVelle 1974): choose at most `k` sites maximising the
//! weight (residents) of demand points (estates) within reach of a chosen site.
//!
//! Coverage is a monotone submodular set function, so the greedy choice (repeatedly add the site with the
//! largest marginal gain) reaches at least (1 − 1/e) ≈ 63 % of the optimum (Nemhauser, Wolsey & Fisher
//! 1978). The lazy variant (Minoux 1978) keeps stale gains in a max-heap: a site's gain can only shrink, so
//! when a popped site's recomputed gain is still the heap's largest it is the true best. A swap pass then
//! tries replacing each chosen site by each unchosen one and keeps any strict improvement (Teitz & Bart
//! 1968 style interchange), which never lowers the objective. Ties go to the lower site index, so the result
//! does not depend on thread count or hash order.
//!
//! ```
//! use lifecircle::siting::mclp::{CoverInstance, lazy_greedy};
//! // Estates weigh 10, 20, 30; site 0 covers {0, 1}, site 1 covers {1, 2}, site 2 covers {2}.
//! let inst = CoverInstance { weight: vec![10.0, 20.0, 30.0], covers: vec![vec![0, 1], vec![1, 2], vec![2]] };
//! let pick = lazy_greedy(&inst, 2, |_| true);
//! assert_eq!(pick.sites, vec![1, 0]); // 50 first, then 10 more
//! assert_eq!(pick.gains, vec![50.0, 10.0]);
//! ```

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Demand weights and, per candidate site, the sorted demand indices it covers.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CoverInstance {
    pub weight: Vec<f64>,
    pub covers: Vec<Vec<u32>>,
}

/// Chosen sites in rank order, each with its marginal gain given the sites ranked before it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Selection {
    pub sites: Vec<u32>,
    pub gains: Vec<f64>,
}

impl Selection {
    pub fn total(&self) -> f64 {
        self.gains.iter().sum()
    }
}

impl CoverInstance {
    /// Total weight covered by a set of sites (each demand counted once).
    pub fn covered_weight(&self, sites: &[u32]) -> f64 {
        let mut seen = vec![false; self.weight.len()];
        let mut total = 0.0;
        for &s in sites {
            for &d in &self.covers[s as usize] {
                if !std::mem::replace(&mut seen[d as usize], true) {
                    total += self.weight[d as usize];
                }
            }
        }
        total
    }

    fn gain(&self, site: u32, count: &[u32]) -> f64 {
        self.covers[site as usize].iter().filter(|&&d| count[d as usize] == 0).map(|&d| self.weight[d as usize]).sum()
    }

    /// Rank a set of sites greedily: each next site is the one adding most to those before it.
    pub fn rank(&self, sites: &[u32]) -> Selection {
        let mut count = vec![0u32; self.weight.len()];
        let mut left: Vec<u32> = sites.to_vec();
        let mut out = Selection::default();
        while !left.is_empty() {
            let (pos, gain) = left
                .iter()
                .enumerate()
                .map(|(i, &s)| (i, self.gain(s, &count)))
                .max_by(|a, b| a.1.total_cmp(&b.1).then(left[b.0].cmp(&left[a.0])))
                .unwrap_or((0, 0.0));
            let s = left.remove(pos);
            for &d in &self.covers[s as usize] {
                count[d as usize] += 1;
            }
            out.sites.push(s);
            out.gains.push(gain);
        }
        out
    }
}

#[derive(Debug, Clone, Copy)]
struct Stale {
    gain: f64,
    site: u32,
}

impl PartialEq for Stale {
    fn eq(&self, other: &Stale) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Stale {}
impl PartialOrd for Stale {
    fn partial_cmp(&self, other: &Stale) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Stale {
    /// Larger gain first; on ties the lower site index first.
    fn cmp(&self, other: &Stale) -> Ordering {
        self.gain.total_cmp(&other.gain).then(other.site.cmp(&self.site))
    }
}

/// Lazy greedy over the sites `allowed` accepts; stops early when no site adds weight.
pub fn lazy_greedy(inst: &CoverInstance, k: usize, allowed: impl Fn(u32) -> bool) -> Selection {
    let mut count = vec![0u32; inst.weight.len()];
    let mut heap: BinaryHeap<Stale> = (0..inst.covers.len() as u32)
        .filter(|&s| allowed(s))
        .map(|s| Stale { gain: inst.gain(s, &count), site: s })
        .filter(|s| s.gain > 0.0)
        .collect();
    let mut out = Selection::default();
    while out.sites.len() < k {
        let Some(top) = heap.pop() else { break };
        let fresh = inst.gain(top.site, &count);
        if fresh <= 0.0 {
            continue;
        }
        let next_best = heap.peek().copied();
        let candidate = Stale { gain: fresh, site: top.site };
        if next_best.is_none_or(|n| candidate >= n) {
            for &d in &inst.covers[top.site as usize] {
                count[d as usize] += 1;
            }
            out.sites.push(top.site);
            out.gains.push(fresh);
        } else {
            heap.push(candidate);
        }
    }
    out
}

/// Interchange: replace a chosen site by an unchosen allowed one while that strictly raises the covered
/// weight (by more than a relative 1e-12, so float noise cannot loop), then rank the result greedily.
pub fn swap_improve(inst: &CoverInstance, start: &Selection, allowed: impl Fn(u32) -> bool, max_rounds: usize) -> Selection {
    let mut chosen = start.sites.clone();
    let mut count = vec![0u32; inst.weight.len()];
    for &s in &chosen {
        for &d in &inst.covers[s as usize] {
            count[d as usize] += 1;
        }
    }
    // Only sites that cover something can raise the total: on a bundle's instance that is a few dozen of
    // a city's tens of thousands of parcels. Same order, so ties still go to the lowest index.
    let useful: Vec<u32> = (0..inst.covers.len() as u32).filter(|&s| !inst.covers[s as usize].is_empty() && allowed(s)).collect();
    for _ in 0..max_rounds {
        let mut improved = false;
        for slot in 0..chosen.len() {
            let out_site = chosen[slot];
            // Weight only `out_site` covers: lost when it leaves.
            let loss: f64 = inst.covers[out_site as usize].iter().filter(|&&d| count[d as usize] == 1).map(|&d| inst.weight[d as usize]).sum();
            for &d in &inst.covers[out_site as usize] {
                count[d as usize] -= 1;
            }
            let mut best: Option<(f64, u32)> = None;
            for &s in &useful {
                if chosen.contains(&s) {
                    continue;
                }
                let g = inst.gain(s, &count);
                if best.is_none_or(|(bg, _)| g > bg) {
                    best = Some((g, s));
                }
            }
            let incoming = match best {
                Some((g, s)) if g > loss + 1e-12 * loss.abs().max(1.0) => s,
                _ => out_site,
            };
            if incoming != out_site {
                chosen[slot] = incoming;
                improved = true;
            }
            for &d in &inst.covers[chosen[slot] as usize] {
                count[d as usize] += 1;
            }
        }
        if !improved {
            break;
        }
    }
    inst.rank(&chosen)
}

/// Greedy + interchange from several starts: plain lazy greedy, then greedy with each of the `starts`
/// best single sites (by weight covered, ties to the lower index) forced first, each followed by
/// [`swap_improve`]; the best final total wins (ties to the earlier start). A cheap multi-start in the
/// spirit of GRASP (Feo & Resende 1995): one-swap interchange stops at local optima that a different
/// first site avoids. Deterministic. Returns (plain greedy, best after swaps).
pub fn greedy_swap_multistart(inst: &CoverInstance, k: usize, allowed: impl Fn(u32) -> bool + Copy, rounds: usize, starts: usize) -> (Selection, Selection) {
    let greedy = lazy_greedy(inst, k, allowed);
    let mut best = swap_improve(inst, &greedy, allowed, rounds);
    if k < 2 {
        return (greedy, best);
    }
    // Each extra start costs about k swap scans over every cover pair: keep the extra work of all starts
    // within MULTISTART_WORK_PAIRS pair visits (a few tenths of a second), so a city-wide instance, or the
    // hundreds of per-bundle instances of a city, do not multiply it by `starts`.
    let pairs: usize = inst.covers.iter().map(Vec::len).sum::<usize>().max(1);
    let starts = starts.min(MULTISTART_WORK_PAIRS / (pairs * k * rounds.max(1)).max(1));
    let zero = vec![0u32; inst.weight.len()];
    let mut firsts: Vec<(f64, u32)> = (0..inst.covers.len() as u32).filter(|&s| allowed(s)).map(|s| (inst.gain(s, &zero), s)).filter(|(g, _)| *g > 0.0).collect();
    firsts.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    for &(_, first) in firsts.iter().take(starts) {
        let rest = lazy_greedy(&CoverInstance { weight: inst.weight.clone(), covers: without_covered(inst, first) }, k - 1, |s| s != first && allowed(s));
        let mut start = vec![first];
        start.extend(rest.sites);
        let tried = swap_improve(inst, &inst.rank(&start), allowed, rounds);
        if tried.total() > best.total() + 1e-12 * best.total().abs().max(1.0) {
            best = tried;
        }
    }
    (greedy, best)
}

/// The pair visits all extra starts of [`greedy_swap_multistart`] may spend together (each start costs
/// about k × rounds × cover pairs). Porto's instances (≤ 3,600 pairs, k ≤ 20) keep all their starts.
pub const MULTISTART_WORK_PAIRS: usize = 50_000_000;

/// Every site's cover list without the demand `first` already covers.
fn without_covered(inst: &CoverInstance, first: u32) -> Vec<Vec<u32>> {
    let taken = &inst.covers[first as usize];
    inst.covers.iter().map(|c| c.iter().copied().filter(|d| taken.binary_search(d).is_err()).collect()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greedy_trap_is_fixed_by_swap() {
        // The classic trap: site 0 covers the middle {1, 2} (weight 2 + 2 = 4) and greedy takes it first;
        // sites 1 = {0, 1} and 2 = {2, 3} weigh 3.5 each. With k = 2: greedy = site 0 then one of the
        // others (4 + 1.5 = 5.5); the optimum is {1, 2} = 7.
        let inst = CoverInstance { weight: vec![1.5, 2.0, 2.0, 1.5], covers: vec![vec![1, 2], vec![0, 1], vec![2, 3]] };
        let g = lazy_greedy(&inst, 2, |_| true);
        assert_eq!(g.sites, vec![0, 1]);
        assert_eq!(g.total(), 5.5);
        let s = swap_improve(&inst, &g, |_| true, 10);
        assert_eq!(s.total(), 7.0);
        let mut sites = s.sites.clone();
        sites.sort();
        assert_eq!(sites, vec![1, 2]);
        assert_eq!(inst.covered_weight(&s.sites), 7.0);
    }

    #[test]
    fn respects_allowed_and_stops_without_gain() {
        let inst = CoverInstance { weight: vec![5.0, 1.0], covers: vec![vec![0], vec![0], vec![1], vec![]] };
        let g = lazy_greedy(&inst, 4, |s| s != 0);
        // Site 1 (5), then site 2 (1); site 0 is barred and site 3 adds nothing.
        assert_eq!(g.sites, vec![1, 2]);
        assert_eq!(g.gains, vec![5.0, 1.0]);
    }
}
