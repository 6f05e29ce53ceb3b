//! Estate population from residential floor area (the floor-area method of Chinese residential planning).
//!
//! For each estate:
//! 1. every *residential* building (see the profile's `[population]` rules) is counted for exactly one
//!    estate: the one containing the building's interior point ([`representative_point`]: the footprint's
//!    centroid when it lies inside, else `geo::InteriorPoint`; always a point inside the footprint), ties
//!    going to the estate with the smallest id (string order);
//!    a building whose interior point lies in no estate counts for none;
//! 2. floor area `floor_area_m2` = Σ footprint area × levels, with `building:levels` where mapped and
//!    `default_levels` elsewhere;
//! 3. population = floor area / `floor_area_per_person_m2`; households = population / `household_size`;
//!    `population_source = Estimate`, or `Unknown` (population 0) when no building counts for the estate.
//!
//! Estates whose population came from a survey or from the planner's layer (`Survey`, `Layer`) keep their
//! population and households; their `floor_area_m2` and `n_buildings` are filled all the same, so the
//! estimate can be compared with the given figure.
//!
//! Cost: one R-tree query per building, O(b log e).
//!
//! ```
//! use geo_types::{polygon, MultiPolygon};
//! use lifecircle::model::{Building, Estate, EstateSource, PopulationSource, SurveyAttributes};
//! use lifecircle::estates::population::estimate_population;
//! use lifecircle::profile::Profile;
//!
//! let square = |x: f64, side: f64| MultiPolygon(vec![polygon![(x: x, y: 0.0), (x: x + side, y: 0.0), (x: x + side, y: side), (x: x, y: side)]]);
//! let mut estates = vec![Estate {
//!     id: "e1".into(), name: None, polygon: square(0.0, 100.0), source: EstateSource::Layer,
//!     population: 0.0, households: 0.0, population_source: PopulationSource::Unknown,
//!     floor_area_m2: 0.0, n_buildings: 0, built_year: None, survey: SurveyAttributes::default(), notes: Default::default(),
//! }];
//! // A 10 m × 33 m block of 5 levels: 1,650 m² of floor area, 50 residents at 33 m² each.
//! let buildings = vec![Building {
//!     id: "b1".into(), footprint: MultiPolygon(vec![polygon![(x: 10.0, y: 10.0), (x: 20.0, y: 10.0), (x: 20.0, y: 43.0), (x: 10.0, y: 43.0)]]),
//!     levels: Some(5.0), use_: "residential".into(), residential: true, lift: None,
//! }];
//! let rules = Profile::default_profile().population;
//! estimate_population(&mut estates, &buildings, &rules);
//! assert_eq!(estates[0].floor_area_m2, 1650.0);
//! assert_eq!(estates[0].population, 50.0);
//! assert_eq!(estates[0].population_source, PopulationSource::Estimate);
//! ```

use crate::index::SpatialIndex;
use crate::model::{Building, Estate, PopulationSource};
use crate::profile::PopulationRules;
use geo::coordinate_position::{CoordPos, CoordinatePosition};
use geo::{Area, Centroid, InteriorPoint};
use geo_types::{MultiPolygon, Point};
use rayon::prelude::*;

/// A point inside the footprint that stands for the building: the area centroid when it lies strictly
/// inside (true of most footprints, and cheap), else `geo`'s interior point (which always lies inside).
/// `None` for an empty footprint.
pub fn representative_point(footprint: &MultiPolygon<f64>) -> Option<Point<f64>> {
    if let Some(c) = footprint.centroid()
        && footprint.coordinate_position(&c.0) == CoordPos::Inside
    {
        return Some(c);
    }
    footprint.interior_point()
}

/// Floor area of one building in m²: footprint area × levels (`default_levels` when the building has no
/// usable level count).
pub fn building_floor_area_m2(building: &Building, rules: &PopulationRules) -> f64 {
    let levels = match building.levels {
        Some(l) if l.is_finite() && l > 0.0 => l,
        _ => rules.default_levels,
    };
    building.footprint.unsigned_area() * levels
}

/// For each building, the position in `estates` of the estate it counts for: residential buildings
/// only, the estate containing the interior point, ties to the smallest estate id.
pub fn assign_buildings_to_estates(estates: &[Estate], buildings: &[Building]) -> Vec<Option<usize>> {
    let index = SpatialIndex::new(estates);
    buildings
        .par_iter()
        .map(|b| {
            if !b.residential {
                return None;
            }
            let p = representative_point(&b.footprint)?;
            index.containing_point(p).into_iter().min_by(|&a, &c| estates[a].id.cmp(&estates[c].id).then(a.cmp(&c)))
        })
        .collect()
}

/// Fill floor area, building count, population and households of every estate from the buildings.
/// Population and households of `Survey` and `Layer` estates are left as they are.
pub fn estimate_population(estates: &mut [Estate], buildings: &[Building], rules: &PopulationRules) {
    let assignment = assign_buildings_to_estates(estates, buildings);
    let mut floor_area_m2 = vec![0.0_f64; estates.len()];
    let mut n_buildings = vec![0_usize; estates.len()];
    // Sequential sum in building order: the same floating-point result whatever the thread count.
    for (building, estate) in buildings.iter().zip(&assignment) {
        if let Some(e) = *estate {
            floor_area_m2[e] += building_floor_area_m2(building, rules);
            n_buildings[e] += 1;
        }
    }
    for (i, estate) in estates.iter_mut().enumerate() {
        estate.floor_area_m2 = floor_area_m2[i];
        estate.n_buildings = n_buildings[i];
        match estate.population_source {
            PopulationSource::Survey | PopulationSource::Layer => {}
            PopulationSource::Estimate | PopulationSource::Unknown => {
                if n_buildings[i] == 0 {
                    estate.population = 0.0;
                    estate.households = 0.0;
                    estate.population_source = PopulationSource::Unknown;
                } else {
                    estate.population = floor_area_m2[i] / rules.floor_area_per_person_m2;
                    estate.households = estate.population / rules.household_size;
                    estate.population_source = PopulationSource::Estimate;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::EstateSource;
    use crate::profile::Profile;
    use crate::testing::{estate, rect};
    use geo_types::{MultiPolygon, polygon};

    /// An OSM estate whose population comes from `source`: a survey's 1,234 residents in 456 households, else none yet.
    fn osm_estate(id: &str, polygon: MultiPolygon<f64>, source: PopulationSource) -> Estate {
        let surveyed = source == PopulationSource::Survey;
        Estate {
            source: EstateSource::OsmLanduse,
            population: if surveyed { 1234.0 } else { 0.0 },
            households: if surveyed { 456.0 } else { 0.0 },
            population_source: source,
            ..estate(id, polygon)
        }
    }

    fn building(id: &str, footprint: MultiPolygon<f64>, levels: Option<f64>, residential: bool) -> Building {
        Building { id: id.into(), footprint, levels, use_: "yes".into(), residential, lift: None }
    }

    #[test]
    fn representative_point_is_inside() {
        // A square: its centroid (5, 5). A U shape of area 100 − 6·8 = 52, whose centroid
        // (5, (100·5 − 48·6) / 52 = 4.08) falls in the notch: the
        // interior point is used instead, and it lies inside.
        assert_eq!(representative_point(&rect(0.0, 0.0, 10.0, 10.0)), Some(Point::new(5.0, 5.0)));
        let u = MultiPolygon(vec![polygon![
            (x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 10.0, y: 10.0), (x: 8.0, y: 10.0), (x: 8.0, y: 2.0),
            (x: 2.0, y: 2.0), (x: 2.0, y: 10.0), (x: 0.0, y: 10.0)
        ]]);
        let c = u.centroid().unwrap();
        assert_ne!(u.coordinate_position(&c.0), CoordPos::Inside);
        let p = representative_point(&u).unwrap();
        assert_eq!(u.coordinate_position(&p.0), CoordPos::Inside);
        assert_eq!(representative_point(&MultiPolygon(vec![])), None);
    }

    #[test]
    fn floor_area_levels_and_defaults() {
        let rules = Profile::default_profile().population;
        // 20 m × 10 m = 200 m²; mapped 3 levels → 600 m²; unmapped → 6 default levels → 1,200 m².
        assert_eq!(building_floor_area_m2(&building("a", rect(0.0, 0.0, 20.0, 10.0), Some(3.0), true), &rules), 600.0);
        assert_eq!(building_floor_area_m2(&building("a", rect(0.0, 0.0, 20.0, 10.0), None, true), &rules), 1200.0);
        assert_eq!(building_floor_area_m2(&building("a", rect(0.0, 0.0, 20.0, 10.0), Some(0.0), true), &rules), 1200.0);
        assert_eq!(building_floor_area_m2(&building("a", rect(0.0, 0.0, 20.0, 10.0), Some(f64::NAN), true), &rules), 1200.0);
    }

    #[test]
    fn hand_worked_estates() {
        let rules = Profile::default_profile().population;
        let mut estates = vec![
            osm_estate("e2", rect(0.0, 0.0, 100.0, 100.0), PopulationSource::Unknown),
            osm_estate("e1", rect(50.0, 0.0, 150.0, 100.0), PopulationSource::Estimate), // overlaps e2 on x 50..100
            osm_estate("e3", rect(500.0, 500.0, 600.0, 600.0), PopulationSource::Unknown), // empty
            osm_estate("e4", rect(-200.0, 0.0, -100.0, 100.0), PopulationSource::Survey),
        ];
        let buildings = vec![
            // In e2 only: 10×10×4 levels = 400 m².
            building("b1", rect(10.0, 10.0, 20.0, 20.0), Some(4.0), true),
            // In e2 and e1 (x 60..70): tie → smallest id "e1": 10×10×6 (default) = 600 m².
            building("b2", rect(60.0, 10.0, 70.0, 20.0), None, true),
            // In e1 only, but not residential: not counted.
            building("b3", rect(120.0, 10.0, 130.0, 20.0), Some(2.0), false),
            // In e4 (survey): 10×33×3 = 990 m².
            building("b4", rect(-150.0, 10.0, -140.0, 43.0), Some(3.0), true),
            // Outside every estate.
            building("b5", rect(300.0, 300.0, 310.0, 310.0), Some(3.0), true),
        ];
        assert_eq!(assign_buildings_to_estates(&estates, &buildings), vec![Some(0), Some(1), None, Some(3), None]);
        estimate_population(&mut estates, &buildings, &rules);
        // e2: 400 m² / 33 = 12.1212... residents, / 2.62 households.
        assert_eq!((estates[0].floor_area_m2, estates[0].n_buildings), (400.0, 1));
        assert!((estates[0].population - 400.0 / 33.0).abs() < 1e-12);
        assert!((estates[0].households - 400.0 / 33.0 / 2.62).abs() < 1e-12);
        assert_eq!(estates[0].population_source, PopulationSource::Estimate);
        // e1: 600 m² → 18.1818... residents.
        assert_eq!((estates[1].floor_area_m2, estates[1].n_buildings), (600.0, 1));
        assert!((estates[1].population - 600.0 / 33.0).abs() < 1e-12);
        // e3: nothing → Unknown, 0.
        assert_eq!((estates[2].floor_area_m2, estates[2].n_buildings, estates[2].population), (0.0, 0, 0.0));
        assert_eq!(estates[2].population_source, PopulationSource::Unknown);
        // e4: survey population kept, floor area filled.
        assert_eq!((estates[3].population, estates[3].households), (1234.0, 456.0));
        assert_eq!((estates[3].floor_area_m2, estates[3].n_buildings), (990.0, 1));
        assert_eq!(estates[3].population_source, PopulationSource::Survey);
    }

    #[test]
    fn estimate_that_loses_its_buildings_becomes_unknown() {
        let rules = Profile::default_profile().population;
        let mut estates = vec![osm_estate("e", rect(0.0, 0.0, 10.0, 10.0), PopulationSource::Estimate)];
        estates[0].population = 99.0;
        estimate_population(&mut estates, &[], &rules);
        assert_eq!((estates[0].population, estates[0].households), (0.0, 0.0));
        assert_eq!(estates[0].population_source, PopulationSource::Unknown);
    }

    #[test]
    fn population_is_conserved() {
        // Invariant: Σ estate floor area = Σ floor area of the residential buildings assigned to an estate.
        let rules = Profile::default_profile().population;
        let mut estates: Vec<Estate> = (0..5)
            .map(|i| osm_estate(&format!("e{i}"), rect(i as f64 * 40.0, 0.0, i as f64 * 40.0 + 60.0, 60.0), PopulationSource::Unknown))
            .collect();
        let buildings: Vec<Building> = (0..60)
            .map(|i| {
                let x = (i % 20) as f64 * 12.0;
                let y = (i / 20) as f64 * 25.0;
                building(&format!("b{i:02}"), rect(x, y, x + 8.0, y + 8.0), Some(1.0 + (i % 7) as f64), i % 5 != 0)
            })
            .collect();
        let assignment = assign_buildings_to_estates(&estates, &buildings);
        let expected: f64 = buildings.iter().zip(&assignment).filter(|(_, a)| a.is_some()).map(|(b, _)| building_floor_area_m2(b, &rules)).sum();
        estimate_population(&mut estates, &buildings, &rules);
        let total: f64 = estates.iter().map(|e| e.floor_area_m2).sum();
        assert!((total - expected).abs() < 1e-6, "{total} vs {expected}");
        assert_eq!(estates.iter().map(|e| e.n_buildings).sum::<usize>(), assignment.iter().flatten().count());
        assert!(assignment.iter().zip(&buildings).all(|(a, b)| b.residential || a.is_none()));
    }
}
