//! Capacity-aware access: the Gaussian two-step floating catchment area method (Ga2SFCA), Dai 2010
//! ("Black residential segregation, disparities in spatial access to health care facilities, and
//! late-stage breast cancer diagnosis in metropolitan Detroit", Health & Place 16) — the Gaussian member
//! of the enhanced 2SFCA family of Luo & Qi 2009 (Health & Place 15).
//!
//! With walking distances `d_ij` from estate `i` to facility `j`, catchment size `d0` (the category's
//! threshold), capacity `S_j` (seats, beds ...) and population `P_i`:
//!
//! 1. Gaussian weight `G(d) = (e^(−½ (d/d0)²) − e^(−½)) / (1 − e^(−½))` for `d ≤ d0`, else 0
//!    (1 at the door, 0 at the threshold).
//! 2. Supply-to-demand ratio of each facility: `R_j = S_j / Σ_{i: d_ij ≤ d0} G(d_ij) · P_i`
//!    (`R_j = 0` when no resident is within `d0`: the facility serves nobody).
//! 3. Access of each estate: `A_i = Σ_{j: d_ij ≤ d0} G(d_ij) · R_j`, in capacity units per resident
//!    (e.g. kindergarten places per resident).
//!
//! Facilities without a known capacity count as capacity 0 and are reported by the caller. Time
//! O(pairs).
//!
//! ```
//! use lifecircle::coverage::ga2sfca::{ga2sfca, gaussian_weight};
//! assert_eq!(gaussian_weight(0.0, 300.0), 1.0);
//! assert_eq!(gaussian_weight(300.0, 300.0), 0.0);
//! // One facility of 100 places, one estate of 1,000 residents at its door: 0.1 places per resident.
//! let a = ga2sfca(&[100.0], &[1000.0], &[vec![(0, 0.0)]], 300.0);
//! assert!((a.access[0] - 0.1).abs() < 1e-12);
//! ```

/// The Gaussian distance-decay weight of Dai 2010, with catchment `d0_m`.
pub fn gaussian_weight(d_m: f64, d0_m: f64) -> f64 {
    if d_m.is_nan() || d_m > d0_m || d0_m <= 0.0 {
        return 0.0;
    }
    let e_half = (-0.5f64).exp();
    (((-0.5) * (d_m / d0_m).powi(2)).exp() - e_half) / (1.0 - e_half)
}

/// Ga2SFCA results.
#[derive(Debug, Clone, PartialEq)]
pub struct Ga2sfca {
    /// `A_i` per estate.
    pub access: Vec<f64>,
    /// `R_j` per facility.
    pub ratio: Vec<f64>,
}

/// Run Ga2SFCA. `pairs[i]` lists `(facility, d_ij)` for estate `i`; pairs beyond `d0_m` weigh nothing.
pub fn ga2sfca(capacity: &[f64], population: &[f64], pairs: &[Vec<(u32, f64)>], d0_m: f64) -> Ga2sfca {
    let mut demand = vec![0.0; capacity.len()];
    for (i, list) in pairs.iter().enumerate() {
        let p = population.get(i).copied().unwrap_or(0.0).max(0.0);
        for &(j, d) in list {
            demand[j as usize] += gaussian_weight(d, d0_m) * p;
        }
    }
    let ratio: Vec<f64> = capacity.iter().zip(&demand).map(|(&s, &dem)| if dem > 0.0 { s.max(0.0) / dem } else { 0.0 }).collect();
    let access = pairs.iter().map(|list| list.iter().map(|&(j, d)| gaussian_weight(d, d0_m) * ratio[j as usize]).sum()).collect();
    Ga2sfca { access, ratio }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weight_shape() {
        // G(d0/2) = (e^-0.125 - e^-0.5) / (1 - e^-0.5) = (0.88249690 - 0.60653066) / 0.39346934 = 0.70136657.
        assert!((gaussian_weight(150.0, 300.0) - 0.701_366_57).abs() < 1e-8);
        assert_eq!(gaussian_weight(300.1, 300.0), 0.0);
        assert_eq!(gaussian_weight(f64::NAN, 300.0), 0.0);
        assert!(gaussian_weight(100.0, 300.0) > gaussian_weight(200.0, 300.0));
    }

    #[test]
    fn hand_worked_two_facilities_three_estates() {
        // d0 = 300 m. G(0) = 1, G(150) = 0.70136657 (above), G(300) = 0.
        // Facility 0: 60 places; estates A (1,000 residents) at 0 m and B (500) at 150 m.
        // Facility 1: 30 places; estate B at 0 m and C (2,000) at 300 m (weight 0).
        // Demand 0 = 1000·1 + 500·0.70136657 = 1350.68329 → R0 = 60 / 1350.68329 = 0.04442196.
        // Demand 1 = 500·1 + 2000·0 = 500 → R1 = 0.06.
        // A_A = 1·R0 = 0.04442196; A_B = 0.70136657·R0 + 1·R1 = 0.03115608 + 0.06 = 0.09115608; A_C = 0.
        let pairs = vec![vec![(0, 0.0)], vec![(0, 150.0), (1, 0.0)], vec![(1, 300.0)]];
        let r = ga2sfca(&[60.0, 30.0], &[1000.0, 500.0, 2000.0], &pairs, 300.0);
        assert!((r.ratio[0] - 0.044_421_96).abs() < 1e-8, "{:?}", r.ratio);
        assert!((r.ratio[1] - 0.06).abs() < 1e-12);
        assert!((r.access[0] - 0.044_421_96).abs() < 1e-8);
        assert!((r.access[1] - 0.091_156_08).abs() < 1e-8, "{:?}", r.access);
        assert_eq!(r.access[2], 0.0);
        // Invariant: capacity is conserved, Σ_i A_i · P_i = Σ_j S_j over facilities with demand.
        let served: f64 = r.access.iter().zip([1000.0, 500.0, 2000.0]).map(|(a, p)| a * p).sum();
        assert!((served - 90.0).abs() < 1e-9);
    }

    #[test]
    fn facility_without_residents_serves_nobody() {
        let r = ga2sfca(&[10.0], &[0.0], &[vec![(0, 10.0)]], 300.0);
        assert_eq!((r.ratio[0], r.access[0]), (0.0, 0.0));
        let r = ga2sfca(&[10.0], &[], &[], 300.0);
        assert!(r.access.is_empty() && r.ratio == vec![0.0]);
    }
}
