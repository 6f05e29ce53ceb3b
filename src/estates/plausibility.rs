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
use crate::lang::Catalogue;
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
            e.notes.not_old_estate = Some(grounds_text(&g.class, &g.id, &g.matched_by));
        }
    }
}

/// Note every estate above the profile's plausibility limits (area; residents, when known).
pub fn note_implausible(estates: &mut [Estate], rules: &EstateRules) {
    for e in estates {
        let mut why = Vec::new();
        let area = e.polygon.unsigned_area();
        if area > rules.plausible_max_area_m2 {
            why.push(format!("{AREA_PREFIX}{:.1} ha above {:.1} ha", area / 10_000.0, rules.plausible_max_area_m2 / 10_000.0));
        }
        if !e.population_unknown() && e.population > rules.plausible_max_residents {
            why.push(format!("{:.0}{RESIDENTS_INFIX}{:.0}", e.population, rules.plausible_max_residents));
        }
        e.notes.implausible = (!why.is_empty()).then(|| why.join("; "));
    }
}

const AREA_PREFIX: &str = "area ";
const RESIDENTS_INFIX: &str = " residents above ";

/// Grounds as the estates step writes them in `not_old_estate`: `<class> <id> (<rule>)`.
pub fn grounds_text(class: &str, id: &str, rule: &str) -> String {
    format!("{class} {id} ({rule})")
}

/// Grounds in the catalogue's words (`estate_notes.grounds`), the class by its name (`values.class.*`):
/// `教育用地 w5（amenity=university）`; a class the catalogue does not name stays as it is.
pub fn grounds_in(class: &str, id: &str, rule: &str, catalogue: &Catalogue) -> String {
    let class = catalogue.get(&format!("values.class.{class}")).unwrap_or(class);
    catalogue.tr_with("estate_notes.grounds", &[("class", &class), ("id", &id), ("rule", &rule)])
}

/// A `not_old_estate` text ([`grounds_text`]) in the catalogue's words ([`grounds_in`]); other text stays
/// as it is.
pub fn grounds_text_in(text: &str, catalogue: &Catalogue) -> String {
    let parsed = text.split_once(' ').and_then(|(class, rest)| Some((class, rest.strip_suffix(')')?.rsplit_once(" (")?)));
    match parsed {
        Some((class, (id, rule))) => grounds_in(class, id, rule, catalogue),
        None => text.to_string(),
    }
}

/// An `implausible` text (`area 25.0 ha above 20.0 ha; 20000 residents above 15000`) in the catalogue's
/// words (`estate_notes.area_above`, `estate_notes.residents_above`); a part it does not know stays.
pub fn implausible_text_in(text: &str, catalogue: &Catalogue) -> String {
    let part_in = |part: &str| -> Option<String> {
        if let Some(rest) = part.strip_prefix(AREA_PREFIX) {
            let (area, limit) = rest.strip_suffix(" ha")?.split_once(" ha above ")?;
            return Some(catalogue.tr_with("estate_notes.area_above", &[("area", &area), ("limit", &limit)]));
        }
        let (residents, limit) = part.split_once(RESIDENTS_INFIX)?;
        Some(catalogue.tr_with("estate_notes.residents_above", &[("residents", &residents), ("limit", &limit)]))
    };
    text.split("; ").map(|part| part_in(part).unwrap_or_else(|| part.to_string())).collect::<Vec<_>>().join(catalogue.tr("estate_notes.separator"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::Lang;

    #[test]
    fn notes_are_worded_and_english_words_are_the_notes_themselves() {
        let (zh, en) = (Catalogue::of(Lang::Zh), Catalogue::of(Lang::En));
        let grounds = grounds_text("military", "r7", "landuse=military");
        assert_eq!(grounds, "military r7 (landuse=military)");
        assert_eq!(grounds_text_in(&grounds, zh), "军事用地 r7（landuse=military）");
        assert_eq!(grounds_text_in(&grounds, en), grounds);
        // An id with a space and brackets, from a planner's layer, and a class the catalogue does not name.
        assert_eq!(grounds_text_in("campus 北区 (2) (layer)", zh), "campus 北区 (2)（layer）");
        assert_eq!(grounds_text_in("a note", zh), "a note");
        // The implausible note as note_implausible writes it, each part worded.
        let rules = crate::profile::Profile::default_profile().estates;
        let mut e = crate::testing::estate("w1", crate::testing::square(0.0, 0.0, 500.0));
        (e.population, e.population_source) = (20_000.0, crate::model::PopulationSource::Estimate);
        let mut estates = vec![e];
        note_implausible(&mut estates, &rules);
        let note = estates[0].notes.implausible.clone().unwrap();
        assert_eq!(implausible_text_in(&note, zh), "占地 25.0 公顷，超过上限 20.0 公顷；人口 20000 人，超过上限 15000 人");
        assert_eq!(implausible_text_in(&note, en), note);
        assert_eq!(implausible_text_in("surveyed as two compounds", zh), "surveyed as two compounds");
    }
}
