//! Lift retrofit candidates (既有住宅加装电梯): the walk-up residential buildings of old estates where a
//! lift could be added, listed for the renovation programme's improvement class (完善类).
//!
//! A building is a candidate when all of these hold (the profile's `[lifts]` section):
//! 1. it is residential (the `[population]` rules) and counts for an estate (the estate holding its
//!    interior point, as the population estimate assigns it: [`assign_buildings_to_estates`]);
//! 2. its mapped `building:levels` is at least `min_levels` (default 4: the walk-ups the lift policies
//!    address). A building without mapped levels is not assessed, only counted;
//! 3. no lift is mapped (`elevator=yes` / `building:elevator=yes` on the building; a building mapped
//!    `=no` is a candidate like an unmapped one);
//! 4. its estate was built before `built_before` (default 2001: by end-2000), or the estate's year is
//!    unknown: then the candidate is listed with `needs_survey` (摸底调查) rather than left out.
//!
//! Each candidate gets an estimate of its households: floor area (footprint × levels) over the floor area
//! of one household, `floor_area_per_person_m2 × household_size` of the `[population]` rules (33 m² ×
//! 2.62 = 86.5 m² by default). Time O(b log e) (one R-tree query per building).
//!
//! ```
//! use geo_types::{MultiPolygon, polygon};
//! use lifecircle::estates::lifts::lift_candidates;
//! use lifecircle::model::{Building, Estate};
//! use lifecircle::profile::Profile;
//! use lifecircle::testing::{estate, square};
//! let estates = vec![Estate { built_year: Some(1992), ..estate("e1", square(0.0, 0.0, 100.0)) }];
//! let block = |id: &str, levels: f64, lift: Option<bool>| Building {
//!     id: id.into(), footprint: square(10.0, 10.0, 20.0), levels: Some(levels), use_: "residential".into(), residential: true, lift,
//! };
//! let buildings = vec![block("six", 6.0, None), block("three", 3.0, None), block("lift", 7.0, Some(true))];
//! let p = Profile::default_profile();
//! let found = lift_candidates(&estates, &buildings, &p.lifts, &p.population);
//! assert_eq!(found.candidates.len(), 1);
//! assert_eq!((found.candidates[0].building, found.candidates[0].needs_survey), (0, false));
//! assert!((found.candidates[0].households - 400.0 * 6.0 / (33.0 * 2.62)).abs() < 1e-9);
//! ```

use crate::estates::population::assign_buildings_to_estates;
use crate::model::{Building, Estate};
use crate::profile::{LiftRules, PopulationRules};
use geo::Area;

/// One building where a lift could be added.
#[derive(Debug, Clone, PartialEq)]
pub struct LiftCandidate {
    /// Position in `Dataset::buildings`.
    pub building: usize,
    /// Position in `Dataset::estates`.
    pub estate: usize,
    pub levels: f64,
    pub floor_area_m2: f64,
    /// Estimated households (floor area / floor area per household).
    pub households: f64,
    /// The estate's construction year is unknown: to be confirmed by the survey.
    pub needs_survey: bool,
}

/// The candidates, and what could not be assessed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LiftSurvey {
    pub candidates: Vec<LiftCandidate>,
    /// Residential buildings in estates without mapped levels (not assessed).
    pub buildings_without_levels: usize,
    /// Residential buildings in estates with enough levels and a mapped lift.
    pub buildings_with_lift: usize,
}

/// Every lift candidate, in building order.
pub fn lift_candidates(estates: &[Estate], buildings: &[Building], rules: &LiftRules, population: &PopulationRules) -> LiftSurvey {
    let estate_of = assign_buildings_to_estates(estates, buildings);
    let per_household_m2 = population.floor_area_per_person_m2 * population.household_size;
    let mut survey = LiftSurvey::default();
    for (bi, (b, estate)) in buildings.iter().zip(estate_of).enumerate() {
        let Some(ei) = estate else { continue };
        let Some(levels) = b.levels.filter(|l| l.is_finite() && *l > 0.0) else {
            survey.buildings_without_levels += 1;
            continue;
        };
        if levels < rules.min_levels {
            continue;
        }
        if b.lift == Some(true) {
            survey.buildings_with_lift += 1;
            continue;
        }
        let built = estates[ei].built_year;
        if built.is_some_and(|y| y >= rules.built_before) {
            continue;
        }
        let floor_area_m2 = b.footprint.unsigned_area() * levels;
        survey.candidates.push(LiftCandidate { building: bi, estate: ei, levels, floor_area_m2, households: floor_area_m2 / per_household_m2, needs_survey: built.is_none() });
    }
    survey
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Profile;
    use crate::testing::{estate, square};

    fn block(id: &str, x: f64, levels: Option<f64>, residential: bool, lift: Option<bool>) -> Building {
        Building { id: id.into(), footprint: square(x, 10.0, 10.0), levels, use_: "residential".into(), residential, lift }
    }

    #[test]
    fn each_rule_by_hand() {
        let p = Profile::default_profile();
        let estates = vec![
            Estate { built_year: Some(1995), ..estate("old", square(0.0, 0.0, 100.0)) },
            Estate { built_year: Some(2001), ..estate("new", square(200.0, 0.0, 100.0)) },
            Estate { built_year: None, ..estate("unknown", square(400.0, 0.0, 100.0)) },
        ];
        let buildings = vec![
            block("old_4", 10.0, Some(4.0), true, None),              // candidate
            block("old_3", 30.0, Some(3.0), true, None),              // too low
            block("old_lift", 50.0, Some(6.0), true, Some(true)),     // has a lift
            block("old_no_lift", 70.0, Some(6.0), true, Some(false)), // candidate (mapped without)
            block("old_shop", 85.0, Some(6.0), false, None),          // not housing
            block("new_6", 210.0, Some(6.0), true, None),             // built 2001: not before 2001
            block("unknown_5", 410.0, Some(5.0), true, None),         // candidate, needs survey
            block("unknown_levels", 430.0, None, true, None),         // not assessed
            block("outside", 900.0, Some(6.0), true, None),           // in no estate
        ];
        let s = lift_candidates(&estates, &buildings, &p.lifts, &p.population);
        let got: Vec<(&str, usize, bool)> = s.candidates.iter().map(|c| (buildings[c.building].id.as_str(), c.estate, c.needs_survey)).collect();
        assert_eq!(got, vec![("old_4", 0, false), ("old_no_lift", 0, false), ("unknown_5", 2, true)]);
        assert_eq!((s.buildings_without_levels, s.buildings_with_lift), (1, 1));
        assert_eq!(s.candidates[0].floor_area_m2, 400.0);
        assert!((s.candidates[2].households - 500.0 / (33.0 * 2.62)).abs() < 1e-12);
        assert!(lift_candidates(&[], &buildings, &p.lifts, &p.population).candidates.is_empty());
    }
}
