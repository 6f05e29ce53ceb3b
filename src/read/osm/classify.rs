//! Tags → output layers: which of the profile's rules an OpenStreetMap element matches.
//!
//! One element may feed several layers (a `building=school` way tagged `amenity=school` is a building and
//! two facilities when the profile counts an untyped school as both a primary and a middle school). For
//! each layer the *first* matching rule in profile order is the one reported (`matched_by`, `origin`):
//!
//! | layer | rule | geometry it needs |
//! |---|---|---|
//! | estates | `[estates] osm` | area |
//! | buildings | `building=*` except `building=no` | area |
//! | facilities | each `[[category]] osm`, once per category | point or area |
//! | parcels (output layer `idle_land`) | `[idle_land] osm` | area |
//! | barriers | `[barriers] osm`; class = the value of the rule's first `key=value` | line or area |
//! | gates | `[gates] osm` | point (node) |
//! | ways (output layer `network`) | `highway=*` | line |
//! | protected_land | the first `[[protected_land]]` class with a matching rule | area |
//! | (non-residential areas) | `[population] non_residential_areas` | area, read for the residential rule |
//!
//! ```text
//! amenity=school, building=yes, name=琅琊路小学  →  buildings, facilities: primary_school (amenity=school & name~小学)
//! ```

use super::pbf::{KeySet, TagFilter, Tags, tag};
use crate::profile::{Profile, TagCondition, TagRule};

/// Keys that make an untyped building (`building=yes`) something other than housing.
pub(crate) const NON_HOUSING_KEYS: [&str; 5] = ["amenity", "shop", "office", "tourism", "leisure"];

/// Keys of linear features: a closed way with one of these is still a line unless tagged `area=yes`.
const LINEAR_KEYS: [&str; 5] = ["highway", "railway", "waterway", "barrier", "power"];

/// The layers an element feeds, with the rule that put it there.
#[derive(Debug, Default)]
pub(crate) struct Classes<'p> {
    pub estate: Option<&'p TagRule>,
    /// The `building=*` value.
    pub building: Option<String>,
    /// (category position in the profile, rule).
    pub facilities: Vec<(usize, &'p TagRule)>,
    pub parcel: Option<&'p TagRule>,
    /// (rule, class).
    pub barrier: Option<(&'p TagRule, String)>,
    /// (rule, gate kind).
    pub gate: Option<(&'p TagRule, String)>,
    /// The `highway=*` value.
    pub highway: Option<String>,
    pub non_residential: bool,
    /// (rule, index of the `[[protected_land]]` class): the first class whose rule matches.
    pub protected: Option<(&'p TagRule, usize)>,
}

impl Classes<'_> {
    /// Whether the element feeds no layer at all.
    pub fn is_empty(&self) -> bool {
        self.estate.is_none()
            && self.building.is_none()
            && self.facilities.is_empty()
            && self.parcel.is_none()
            && self.barrier.is_none()
            && self.gate.is_none()
            && self.highway.is_none()
            && !self.non_residential
            && self.protected.is_none()
    }
}

/// The profile's rules, ready to classify tags.
#[derive(Debug)]
pub(crate) struct Classifier<'p> {
    profile: &'p Profile,
}

/// The value a rule is "about": that of its first `key=value` condition (`barrier=gate` → `gate`), else
/// the key of its first `key=*` condition (`entrance=*` → `entrance`), else the tag value of its first
/// required key.
fn rule_value(rule: &TagRule, tags: &Tags) -> String {
    for c in &rule.conditions {
        match c {
            TagCondition::Equals(_, v) => return v.clone(),
            TagCondition::Present(k) => return k.clone(),
            _ => {}
        }
    }
    let key = rule.required_keys().next().unwrap_or_default();
    tag(tags, key).unwrap_or(key).to_string()
}

impl<'p> Classifier<'p> {
    pub fn new(profile: &'p Profile) -> Self {
        Classifier { profile }
    }

    /// Which elements and tags to keep: an element is wanted when it carries the first key some rule
    /// needs present, or `building` or `highway` (without any of them it matches no rule;
    /// `amenity=school & name~小学` gives `amenity` only, so the many elements that merely carry a `name`
    /// are not kept). Of a wanted element, the tags stored are those some rule's condition reads and those
    /// the outputs read (`name`, `building:levels`, `capacity`, `access`, `type`, the `ways` tags ...).
    pub fn tag_filter(&self) -> TagFilter {
        let p = self.profile;
        let rules: Vec<&TagRule> = p
            .estates
            .osm
            .iter()
            .chain(&p.gates.osm)
            .chain(&p.idle_land.osm)
            .chain(&p.barriers.osm)
            .chain(&p.population.non_residential_areas)
            .chain(p.protected_land.iter().flat_map(|c| &c.osm))
            .chain(p.categories.iter().flat_map(|c| &c.osm))
            .collect();
        let mut wanted: KeySet = rules.iter().filter_map(|r| r.required_keys().next().map(Box::from)).collect();
        wanted.insert("building".into());
        wanted.insert("highway".into());
        // The place the extract covers, for the report's title (place_name.rs).
        wanted.extend(super::place_name::PLACE_WANTED_KEYS.map(Box::from));
        let mut stored: KeySet = rules.iter().flat_map(|r| r.conditions.iter().map(|c| Box::from(c.key()))).collect();
        for k in ["building", "building:levels", "elevator", "building:elevator", "highway", "name", "capacity", "access", "area", "type"]
            .into_iter()
            .chain(NON_HOUSING_KEYS)
            .chain(super::WAY_TAG_KEYS)
            .chain(super::place_name::PLACE_KEYS)
        {
            stored.insert(k.into());
        }
        TagFilter { wanted, stored }
    }

    pub fn classify(&self, tags: &Tags) -> Classes<'p> {
        let p = self.profile;
        let get = |k: &str| tag(tags, k);
        let first = |rules: &'p [TagRule]| rules.iter().find(|r| r.matches(get));
        Classes {
            estate: first(&p.estates.osm),
            building: get("building").filter(|v| *v != "no").map(str::to_string),
            facilities: p.categories.iter().enumerate().filter_map(|(i, c)| first(&c.osm).map(|r| (i, r))).collect(),
            parcel: first(&p.idle_land.osm),
            barrier: first(&p.barriers.osm).map(|r| (r, rule_value(r, tags))),
            gate: first(&p.gates.osm).map(|r| (r, rule_value(r, tags))),
            highway: get("highway").map(str::to_string),
            non_residential: first(&p.population.non_residential_areas).is_some(),
            protected: p.protected_land.iter().enumerate().find_map(|(i, c)| first(&c.osm).map(|r| (r, i))),
        }
    }
}

/// Whether a closed way with these tags that matched a barrier rule is an area (water) or a line (a
/// railway loop, a ring road).
pub(crate) fn closed_barrier_is_area(rule: &TagRule, tags: &Tags) -> bool {
    if tag(tags, "area") == Some("yes") {
        return true;
    }
    !rule.required_keys().any(|k| LINEAR_KEYS.contains(&k))
}

/// Whether the tags carry a key that makes an untyped building non-housing.
pub(crate) fn has_non_housing_key(tags: &Tags) -> bool {
    NON_HOUSING_KEYS.iter().any(|k| tag(tags, k).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(pairs: &[(&str, &str)]) -> Tags {
        pairs.iter().copied().collect()
    }

    #[test]
    fn untyped_school_is_two_facilities_and_a_building() {
        let profile = Profile::default_profile();
        let c = Classifier::new(&profile).classify(&tags(&[("amenity", "school"), ("building", "yes"), ("name", "育英学校")]));
        let keys: Vec<&str> = c.facilities.iter().map(|(i, _)| profile.categories[*i].key.as_str()).collect();
        assert_eq!(keys, vec!["primary_school", "middle_school"]);
        assert_eq!(c.facilities[0].1.text, "amenity=school & !isced:level & name!~小学 & name!~中学 & name!~初中");
        assert_eq!(c.building.as_deref(), Some("yes"));
        assert!(c.non_residential);
        assert!(c.estate.is_none() && c.parcel.is_none() && c.highway.is_none());
    }

    #[test]
    fn named_primary_school_is_one_facility() {
        let profile = Profile::default_profile();
        let c = Classifier::new(&profile).classify(&tags(&[("amenity", "school"), ("name", "琅琊路小学")]));
        assert_eq!(c.facilities.len(), 1);
        assert_eq!(c.facilities[0].1.text, "amenity=school & name~小学");
    }

    #[test]
    fn barrier_class_gate_kind_and_building_no() {
        let profile = Profile::default_profile();
        let classifier = Classifier::new(&profile);
        let c = classifier.classify(&tags(&[("highway", "primary"), ("name", "中山路")]));
        assert_eq!(c.barrier.as_ref().map(|b| b.1.as_str()), Some("primary"));
        assert_eq!(c.highway.as_deref(), Some("primary"));
        let c = classifier.classify(&tags(&[("entrance", "main")]));
        assert_eq!(c.gate.as_ref().map(|g| g.1.as_str()), Some("entrance"));
        let c = classifier.classify(&tags(&[("barrier", "lift_gate")]));
        assert_eq!(c.gate.as_ref().map(|g| g.1.as_str()), Some("lift_gate"));
        assert!(classifier.classify(&tags(&[("building", "no")])).is_empty());
        assert!(classifier.classify(&tags(&[("name", "x")])).is_empty());
    }

    #[test]
    fn closed_water_is_an_area_and_closed_rail_a_line() {
        let profile = Profile::default_profile();
        let classifier = Classifier::new(&profile);
        let water = tags(&[("natural", "water")]);
        let (rule, class) = classifier.classify(&water).barrier.unwrap();
        assert_eq!(class, "water");
        assert!(closed_barrier_is_area(rule, &water));
        let rail = tags(&[("railway", "rail")]);
        let (rule, _) = classifier.classify(&rail).barrier.unwrap();
        assert!(!closed_barrier_is_area(rule, &rail));
    }

    #[test]
    fn tag_filter_covers_every_rule() {
        let profile = Profile::default_profile();
        let filter = Classifier::new(&profile).tag_filter();
        for k in ["landuse", "amenity", "shop", "leisure", "healthcare", "office", "barrier", "entrance", "railway", "waterway", "natural", "highway", "building", "public_transport"] {
            assert!(filter.wanted.contains(k), "{k}");
        }
        assert!(!filter.wanted.contains("name"));
        for k in ["name", "isced:level", "parking", "social_facility:for", "bus", "building:levels", "capacity", "foot", "type", "tourism"] {
            assert!(filter.stored.contains(k), "{k}");
        }
        assert!(!filter.stored.contains("source") && !filter.stored.contains("addr:street"));
    }
}
