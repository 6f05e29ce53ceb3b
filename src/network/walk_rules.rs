//! Walk rules: which mapped ways a pedestrian may use, read from a way's OpenStreetMap tags and the
//! profile's `[walk]` section ([`WalkRules`]).
//!
//! The rules follow common foot-routing practice (the OSRM and GraphHopper foot profiles) adapted to
//! gated Chinese compounds. In order:
//! 1. `foot=no` or `foot=use_sidepath` → not walked (people walk the separately mapped sidewalk).
//! 2. `highway` in `excluded_highways` (construction, proposed, raceway, bus_guideway ...) → not walked.
//!    `highway=steps`, `platform`, `footway`, `path`, `service` ... are walked.
//! 3. `highway` in `motor_only_highways` (motorway, trunk and their links) → walked only with
//!    `foot=yes|designated|permissive` or a sidewalk on the road (`sidewalk=both|left|right|yes`,
//!    `sidewalk:both|left|right=yes`).
//! 4. `foot=yes|designated|permissive` → public (it overrides any `access=*`).
//! 5. `foot` or `access` in `private_access_values` (private, residents ...) → [`WayAccess::Private`]: a
//!    compound's own way when it lies in an estate, else not walked (see [`super::compounds`]).
//! 6. `access=no` → not walked.
//! 7. Anything else is public, including ways with no `highway` tag at all: a planner's own network layer
//!    is walkable as given. `oneway` does not bind pedestrians and is ignored.
//!
//! ```
//! use lifecircle::network::walk_rules::{classify_way, WayAccess};
//! use lifecircle::profile::WalkRules;
//! let rules = WalkRules::default();
//! let tags = |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
//! assert_eq!(classify_way(&tags(&[("highway", "steps")]), &rules), WayAccess::Public);
//! assert_eq!(classify_way(&tags(&[("highway", "service"), ("access", "private")]), &rules), WayAccess::Private);
//! assert!(matches!(classify_way(&tags(&[("highway", "trunk")]), &rules), WayAccess::Excluded(_)));
//! assert_eq!(classify_way(&tags(&[("highway", "trunk"), ("sidewalk", "both")]), &rules), WayAccess::Public);
//! ```

use crate::model::RejectCode;
use crate::profile::WalkRules;
use std::collections::BTreeMap;

/// What the walk rules make of a way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WayAccess {
    /// Anybody may walk it.
    Public,
    /// Only the residents of the compound it lies in may walk it.
    Private,
    /// Nobody walks it; the reason names the tag.
    Excluded(String),
}

const FOOT_PERMITTED: [&str; 3] = ["yes", "designated", "permissive"];
const SIDEWALK_PRESENT: [&str; 4] = ["both", "left", "right", "yes"];

/// Classify a way by its tags.
pub fn classify_way(tags: &BTreeMap<String, String>, rules: &WalkRules) -> WayAccess {
    let tag = |k: &str| tags.get(k).map(String::as_str);
    let foot = tag("foot");
    if let Some(f @ ("no" | "use_sidepath")) = foot {
        return WayAccess::Excluded(RejectCode::NotWalkable.particulars("foot", &[("value", &f)]));
    }
    let foot_permitted = foot.is_some_and(|f| FOOT_PERMITTED.contains(&f));
    if let Some(highway) = tag("highway") {
        if rules.excluded_highways.iter().any(|h| h == highway) {
            return WayAccess::Excluded(RejectCode::NotWalkable.particulars("highway", &[("highway", &highway)]));
        }
        if rules.motor_only_highways.iter().any(|h| h == highway) {
            let sidewalk = tag("sidewalk").is_some_and(|s| SIDEWALK_PRESENT.contains(&s))
                || ["sidewalk:both", "sidewalk:left", "sidewalk:right"].iter().any(|k| tag(k) == Some("yes"));
            if !foot_permitted && !sidewalk {
                return WayAccess::Excluded(RejectCode::NotWalkable.particulars("no_sidewalk", &[("highway", &highway)]));
            }
        }
    }
    if foot_permitted {
        return WayAccess::Public;
    }
    let is_private = |v: Option<&str>| v.is_some_and(|v| rules.private_access_values.iter().any(|p| p == v));
    if is_private(foot) || is_private(tag("access")) {
        return WayAccess::Private;
    }
    if tag("access") == Some("no") {
        return WayAccess::Excluded(RejectCode::NotWalkable.particulars("access_no", &[]));
    }
    WayAccess::Public
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(pairs: &[(&str, &str)]) -> WayAccess {
        let tags = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        classify_way(&tags, &WalkRules::default())
    }

    #[test]
    fn ordinary_ways_are_public() {
        for h in ["footway", "path", "pedestrian", "steps", "living_street", "residential", "service", "tertiary", "primary", "platform", "track", "cycleway"] {
            assert_eq!(class(&[("highway", h)]), WayAccess::Public, "{h}");
        }
        // A planner's network line without any tag.
        assert_eq!(class(&[]), WayAccess::Public);
        // oneway binds vehicles only.
        assert_eq!(class(&[("highway", "residential"), ("oneway", "yes")]), WayAccess::Public);
    }

    #[test]
    fn foot_no_and_access_no() {
        assert!(matches!(class(&[("highway", "footway"), ("foot", "no")]), WayAccess::Excluded(r) if r == "foot=no"));
        assert!(matches!(class(&[("highway", "primary"), ("foot", "use_sidepath")]), WayAccess::Excluded(_)));
        assert!(matches!(class(&[("highway", "service"), ("access", "no")]), WayAccess::Excluded(_)));
        assert_eq!(class(&[("highway", "service"), ("access", "no"), ("foot", "yes")]), WayAccess::Public);
        assert_eq!(class(&[("highway", "path"), ("access", "no"), ("foot", "permissive")]), WayAccess::Public);
    }

    #[test]
    fn private_unless_foot_permitted() {
        assert_eq!(class(&[("highway", "service"), ("access", "private")]), WayAccess::Private);
        assert_eq!(class(&[("highway", "footway"), ("foot", "private")]), WayAccess::Private);
        assert_eq!(class(&[("highway", "service"), ("access", "residents")]), WayAccess::Private);
        assert_eq!(class(&[("highway", "service"), ("access", "private"), ("foot", "designated")]), WayAccess::Public);
        // access=destination does not stop a pedestrian (as in the OSRM foot profile).
        assert_eq!(class(&[("highway", "residential"), ("access", "destination")]), WayAccess::Public);
    }

    #[test]
    fn motor_roads_need_foot_or_sidewalk() {
        for h in ["motorway", "motorway_link", "trunk", "trunk_link"] {
            assert!(matches!(class(&[("highway", h)]), WayAccess::Excluded(_)), "{h}");
            assert_eq!(class(&[("highway", h), ("foot", "yes")]), WayAccess::Public);
        }
        assert_eq!(class(&[("highway", "trunk"), ("sidewalk", "right")]), WayAccess::Public);
        assert_eq!(class(&[("highway", "trunk"), ("sidewalk:left", "yes")]), WayAccess::Public);
        assert!(matches!(class(&[("highway", "trunk"), ("sidewalk", "no")]), WayAccess::Excluded(_)));
        assert!(matches!(class(&[("highway", "trunk"), ("sidewalk", "separate")]), WayAccess::Excluded(_)));
    }

    #[test]
    fn excluded_highways() {
        for h in ["construction", "proposed", "raceway", "bus_guideway", "abandoned"] {
            assert!(matches!(class(&[("highway", h)]), WayAccess::Excluded(r) if r.contains(h)), "{h}");
        }
        // foot=yes does not revive a road under construction.
        assert!(matches!(class(&[("highway", "construction"), ("foot", "yes")]), WayAccess::Excluded(_)));
    }
}
