//! The one seeded pseudo-random generator of the crate: SplitMix64 (Steele, Lea & Flood 2014, "Fast
//! splittable pseudorandom number generators", OOPSLA; the constants of Vigna's `splitmix64.c`).
//!
//! Everything random in lifecircle is seeded, so the same input gives the same output on any machine:
//! - the bundle partition ([`crate::bundle::partition`]) draws every random choice from it so that the same
//!   `--seed` gives the same bundles with any number of threads: each connected component gets its own
//!   generator ([`SplitMix64::for_key`]), seeded from the run's seed and the component's first estate, never
//!   from a shared stream whose order would depend on thread scheduling;
//! - the minimum enclosing circle ([`crate::bundle::compactness`]) shuffles its points with a fixed seed;
//! - the synthetic city (`testing::synthetic_city`) and the seeded random instances of tests and
//!   benchmarks are drawn from it, so a seed names one city or one instance for good.
//!
//! ```
//! use lifecircle::rng::SplitMix64;
//! let mut a = SplitMix64::new(7);
//! let mut b = SplitMix64::new(7);
//! assert_eq!(a.next_u64(), b.next_u64());
//! assert!(a.below(10) < 10);
//! let x = a.range(-5.0, 5.0);
//! assert!((-5.0..5.0).contains(&x));
//! ```

/// SplitMix64: 64 bits of state, period 2^64, passes BigCrush; more than enough for tie-breaking and
/// shuffling.
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64 { state: seed }
    }

    /// A generator for one sub-problem: mixes the run seed with a stable key (e.g. an estate index).
    pub fn for_key(seed: u64, key: u64) -> SplitMix64 {
        let mut mixer = SplitMix64::new(seed ^ key.wrapping_mul(0xD6E8_FEB8_6659_FD93));
        SplitMix64::new(mixer.next_u64())
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform float in [0, 1): the top 53 bits over 2^53 (exact, so `x * 2^-53` and `x / 2^53` agree).
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A uniform float in [lo, hi).
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.next_f64()
    }

    /// A uniform integer in [0, n); 0 when n is 0 (without drawing).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        // Lemire's multiply-shift; the bias for n far below 2^64 is negligible for tie-breaking.
        ((self.next_u64() as u128 * n as u128) >> 64) as usize
    }

    /// Fisher-Yates shuffle.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_reference_splitmix64_sequence() {
        // Reference values of SplitMix64 seeded with 1234567 (Vigna's splitmix64.c).
        let mut rng = SplitMix64::new(1234567);
        assert_eq!(rng.next_u64(), 6457827717110365317);
        assert_eq!(rng.next_u64(), 3203168211198807973);
        assert_eq!(rng.next_u64(), 9817491932198370423);
    }

    #[test]
    fn floats_and_ranges_keep_the_synthetic_city_sequence() {
        // The draws the synthetic city (default seed 2018) and the seeded tests were built on, from the
        // generator that lived in `coverage/synthetic_city.rs` (`x / 2^53`, here `x * 2^-53`: the same
        // bits).
        let mut rng = SplitMix64::new(2018);
        assert_eq!(rng.next_f64(), 0.9470304580332937);
        assert_eq!(rng.range(-8.0, 8.0), 4.063407384006528);
        assert_eq!(rng.below(16), 15);
        assert_eq!(rng.below(1000), 35);
    }

    #[test]
    fn uniform_enough() {
        let mut r = SplitMix64::new(1);
        // 100,000 uniform draws: the mean's standard deviation is 0.29 / 316 = 0.0009.
        let mean = (0..100_000).map(|_| r.next_f64()).sum::<f64>() / 100_000.0;
        assert!((mean - 0.5).abs() < 0.005, "{mean}");
        assert!((0..1000).all(|_| r.below(7) < 7));
    }

    #[test]
    fn below_and_unit_stay_in_range_and_shuffle_is_a_permutation() {
        let mut rng = SplitMix64::for_key(42, 3);
        let mut counts = [0usize; 5];
        for _ in 0..10_000 {
            counts[rng.below(5)] += 1;
            let u = rng.next_f64();
            assert!((0.0..1.0).contains(&u));
        }
        // Each bucket expects 2,000; 5 sigma is about 200.
        assert!(counts.iter().all(|&c| (1_800..2_200).contains(&c)), "{counts:?}");
        assert_eq!(rng.below(0), 0);
        let mut items: Vec<u32> = (0..50).collect();
        rng.shuffle(&mut items);
        assert_ne!(items, (0..50).collect::<Vec<_>>());
        items.sort_unstable();
        assert_eq!(items, (0..50).collect::<Vec<_>>());
    }
}
