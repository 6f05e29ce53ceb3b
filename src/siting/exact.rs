//! The exact optimum of a small maximal covering instance by exhaustive enumeration of every set of
//! `min(k, n)` sites (adding a site never lowers coverage, so sets of exactly that size suffice). Used to
//! check [`super::mclp`] on small instances; it refuses instances with more than `max_sets` sets.
//!
//! ```
//! use lifecircle::siting::exact::exhaustive_optimum;
//! use lifecircle::siting::mclp::CoverInstance;
//! let inst = CoverInstance { weight: vec![1.5, 2.0, 2.0, 1.5], covers: vec![vec![1, 2], vec![0, 1], vec![2, 3]] };
//! let (sites, weight) = exhaustive_optimum(&inst, 2, 1_000).unwrap();
//! assert_eq!((sites, weight), (vec![1, 2], 7.0));
//! ```

use super::mclp::CoverInstance;

/// Number of `k`-subsets of `n`, saturating.
pub fn binomial(n: usize, k: usize) -> u128 {
    let k = k.min(n.saturating_sub(k));
    (0..k).fold(1u128, |acc, i| acc.saturating_mul((n - i) as u128) / (i as u128 + 1))
}

/// The best set of sites (lexicographically smallest among equal weights) and its covered weight, or
/// `None` when there are more than `max_sets` sets to try.
pub fn exhaustive_optimum(inst: &CoverInstance, k: usize, max_sets: u128) -> Option<(Vec<u32>, f64)> {
    let n = inst.covers.len();
    let k = k.min(n);
    if binomial(n, k) > max_sets {
        return None;
    }
    let mut idx: Vec<usize> = (0..k).collect();
    let mut best: Option<(Vec<u32>, f64)> = None;
    loop {
        let sites: Vec<u32> = idx.iter().map(|&i| i as u32).collect();
        let w = inst.covered_weight(&sites);
        if best.as_ref().is_none_or(|(_, bw)| w > *bw) {
            best = Some((sites, w));
        }
        // Next combination in lexicographic order.
        let mut i = k;
        loop {
            if i == 0 {
                return best;
            }
            i -= 1;
            if idx[i] < n - k + i {
                idx[i] += 1;
                for j in i + 1..k {
                    idx[j] = idx[j - 1] + 1;
                }
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binomials_and_limits() {
        assert_eq!(binomial(5, 2), 10);
        assert_eq!(binomial(10, 0), 1);
        assert_eq!(binomial(3, 5), 1);
        let inst = CoverInstance { weight: vec![1.0; 3], covers: vec![vec![0], vec![1], vec![2], vec![0, 1]] };
        assert_eq!(exhaustive_optimum(&inst, 2, 5), None); // C(4, 2) = 6 > 5
        // {3} covers 0 and 1, plus {2}: weight 3.
        assert_eq!(exhaustive_optimum(&inst, 2, 6), Some((vec![2, 3], 3.0)));
    }
}
