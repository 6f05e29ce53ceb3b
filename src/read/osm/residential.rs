//! Which buildings are housing: the profile's `[population]` building rules.
//!
//! A building is residential when
//! - its `building=*` value is one of `residential_building_values` (`residential`, `apartments`,
//!   `house` ...), or
//! - its value is one of `untyped_building_values` (`yes`), it carries none of the keys `amenity`, `shop`,
//!   `office`, `tourism`, `leisure`, and its interior point lies in no area matching
//!   `non_residential_areas` (school grounds, hospitals, commercial and industrial land, parks ...).
//!
//! Mainland-China OSM tags most housing `building=yes`; the second rule keeps those while leaving out the
//! untyped buildings of a campus or a factory.
//!
//! ```text
//! building=yes inside amenity=school grounds  →  not residential
//! building=yes, shop=supermarket               →  not residential
//! building=yes elsewhere                       →  residential
//! building=apartments anywhere                 →  residential
//! ```

use super::classify::has_non_housing_key;
use super::pbf::Tags;
use crate::index::SpatialIndex;
use crate::model::Building;
use crate::profile::PopulationRules;
use geo_types::MultiPolygon;
use rayon::prelude::*;

/// How the tags alone classify a building.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TagVerdict {
    Residential,
    /// Residential unless it stands in a non-residential area.
    Untyped,
    NotResidential,
}

/// The tag part of the rule.
pub(crate) fn tag_verdict(building_value: &str, tags: &Tags, rules: &PopulationRules) -> TagVerdict {
    if rules.residential_building_values.iter().any(|v| v == building_value) {
        TagVerdict::Residential
    } else if rules.untyped_building_values.iter().any(|v| v == building_value) && !has_non_housing_key(tags) {
        TagVerdict::Untyped
    } else {
        TagVerdict::NotResidential
    }
}

/// Set `residential` on every building from its tag verdict and, for untyped ones, the areas.
pub(crate) fn mark_residential(buildings: &mut [Building], verdicts: &[TagVerdict], non_residential_areas: &[MultiPolygon<f64>]) {
    let index = SpatialIndex::new(non_residential_areas);
    let flags: Vec<bool> = buildings
        .par_iter()
        .zip(verdicts.par_iter())
        .map(|(b, verdict)| match verdict {
            TagVerdict::Residential => true,
            TagVerdict::NotResidential => false,
            TagVerdict::Untyped => crate::estates::population::representative_point(&b.footprint).is_some_and(|p| index.containing_point(p).is_empty()),
        })
        .collect();
    for (b, flag) in buildings.iter_mut().zip(flags) {
        b.residential = flag;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Profile;
    use crate::testing::square;

    fn tags(pairs: &[(&str, &str)]) -> Tags {
        pairs.iter().copied().collect()
    }

    #[test]
    fn the_rule_on_four_buildings() {
        let rules = Profile::default_profile().population;
        assert_eq!(tag_verdict("apartments", &tags(&[("building", "apartments")]), &rules), TagVerdict::Residential);
        assert_eq!(tag_verdict("yes", &tags(&[("building", "yes"), ("shop", "supermarket")]), &rules), TagVerdict::NotResidential);
        assert_eq!(tag_verdict("school", &tags(&[("building", "school")]), &rules), TagVerdict::NotResidential);
        let mut buildings: Vec<Building> = [("w1", 10.0), ("w2", 200.0), ("w3", 20.0)]
            .iter()
            .map(|(id, x)| Building { id: id.to_string(), footprint: square(*x, 0.0, 10.0), levels: None, use_: "yes".into(), residential: false, lift: None })
            .collect();
        // School grounds 0..100 hold w1 and w3; w2 stands outside.
        let school = vec![square(0.0, 0.0, 100.0)];
        let verdicts = [TagVerdict::Untyped, TagVerdict::Untyped, TagVerdict::Residential];
        mark_residential(&mut buildings, &verdicts, &school);
        let flags: Vec<bool> = buildings.iter().map(|b| b.residential).collect();
        assert_eq!(flags, vec![false, true, true]);
    }
}
