//! Estates as planners know them: notes the estates step puts on each estate after the population
//! estimate.
//!
//! - **Not an old estate** ([`note_grounds`]): an estate more than half of whose area lies in grounds
//!   of a `[[protected_land]]` class with `housing_not_estate` (one GEOS intersection per grounds area
//!   meeting it) (campus: school, university, college; hospital; military; industrial) is staff
//!   or student housing renovated by its owner unit, not an old residential estate (老旧小区) under the
//!   renovation programme (国办发〔2020〕23号 scopes it to residential estates built before 2000 \[M\]). The
//!   estate stays (its residents count for coverage) with `notes.not_old_estate` =
//!   `<class> <id> (<rule>)`; bundle screening makes it ineligible with that reason.
//! - **Implausible** ([`note_implausible`]): an estate larger than `estates.plausible_max_area_m2` or with
//!   more known residents than `estates.plausible_max_residents` is a neighbourhood mapped as one polygon,
//!   not one compound (the profile cites the limits: 3 × the largest GB 50180-2018 block; the lower bound of
//!   a 10-minute life circle's population). `notes.implausible` says which limit and by how much; the
//!   estate is kept.
//!
//! ```
//! use lifecircle::estates::plausibility::note_implausible;
//! use lifecircle::model::PopulationSource;
//! use lifecircle::profile::Profile;
//! use lifecircle::testing::{estate, square};
//! let rules = Profile::default_profile().estates;
//! // 500 m × 500 m = 25 ha, 20,000 residents: above both limits (20 ha, 15,000).
//! let mut e = estate("w1", square(0.0, 0.0, 500.0));
//! (e.population, e.population_source) = (20_000.0, PopulationSource::Estimate);
//! let mut estates = vec![e];
//! note_implausible(&mut estates, &rules);
//! assert_eq!(estates[0].notes.implausible.as_deref(), Some("area 25.0 ha above 20.0 ha; 20000 residents above 15000"));
//! ```

use crate::geometry::ogr::OgrGeometry;
use crate::index::SpatialIndex;
use crate::model::{Estate, ProtectedArea};
use crate::profile::EstateRules;
use geo::Area;
use geo_types::{Geometry, MultiPolygon};

/// Note every estate more than half of whose area lies in grounds whose housing is not an old estate
/// (the first such area in file order; the areas meeting an estate are found through their R-tree). A GEOS
/// failure on one pair skips that pair, with a warning.
pub fn note_grounds(estates: &mut [Estate], grounds: &[ProtectedArea]) {
    let grounds: Vec<&ProtectedArea> = grounds.iter().filter(|g| g.housing_not_estate).collect();
    if grounds.is_empty() {
        return;
    }
    let shapes: Vec<&MultiPolygon<f64>> = grounds.iter().map(|g| &g.polygon).collect();
    let index = SpatialIndex::new(&shapes);
    for e in estates {
        let area = e.polygon.unsigned_area();
        let inside = |g: &ProtectedArea| -> Result<f64, crate::geometry::ogr::GeosError> {
            let a = OgrGeometry::from_geo(&e.polygon)?;
            let b = OgrGeometry::from_geo(&g.polygon)?;
            Ok(a.intersection(&b)?.polygons()?.iter().map(|p| p.unsigned_area()).sum())
        };
        let found = index.intersecting(&Geometry::MultiPolygon(e.polygon.clone())).into_iter().map(|i| grounds[i]).find(|g| {
            match inside(g) {
                    Ok(shared) => shared > 0.5 * area,
                    Err(err) => {
                        tracing::warn!("estate {} and grounds {}: GEOS intersection failed ({err}); not compared", e.id, g.id);
                        false
                    }
                }
        });
        if let Some(g) = found {
            e.notes.not_old_estate = Some(format!("{} {} ({})", g.class, g.id, g.matched_by));
        }
    }
}

/// Note every estate above the profile's plausibility limits (area; residents, when known).
pub fn note_implausible(estates: &mut [Estate], rules: &EstateRules) {
    for e in estates {
        let mut why = Vec::new();
        let area = e.polygon.unsigned_area();
        if area > rules.plausible_max_area_m2 {
            why.push(format!("area {:.1} ha above {:.1} ha", area / 10_000.0, rules.plausible_max_area_m2 / 10_000.0));
        }
        if !e.population_unknown() && e.population > rules.plausible_max_residents {
            why.push(format!("{:.0} residents above {:.0}", e.population, rules.plausible_max_residents));
        }
        e.notes.implausible = (!why.is_empty()).then(|| why.join("; "));
    }
}
