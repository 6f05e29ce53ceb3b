//! Walker profiles (`--walker adult|elderly|wheelchair`): who walks changes what a route costs, and
//! which routes exist. Age-friendly renovation (适老化改造) asks how far a facility is for an older
//! resident or a wheelchair user, not only for an adult.
//!
//! Rules (the profile's `[walkers]` section, [`crate::profile::WalkerRules`]):
//! - **adult**: the walking network as it is (metres, or effort metres on a DEM).
//! - **elderly**: an edge of a way whose `highway` is a steps value costs `steps_factor` (default 3) times
//!   its length or effort; on a DEM, every 10 m piece steeper than `steep_slope` (8 %) costs
//!   `steep_factor` times its effort ([`super::terrain::SteepFactor`]). The same network, dearer.
//! - **wheelchair**: ways whose `highway` is excluded (steps), tagged `wheelchair=no`, or with an excluded
//!   `surface` (where mapped) are left out of the network; on a DEM, so is every edge with a 10 m piece
//!   steeper than `max_slope` (default 8 %, the 1:12 ramp of GB 50763-2012), and the network is rebuilt
//!   without them, so that nobody is snapped onto a flight of steps or a ramp too steep to use.
//!
//! ```
//! use lifecircle::network::walker::Walker;
//! use lifecircle::profile::WalkerRules;
//! let rules = WalkerRules::default();
//! let steps = [("highway".to_string(), "steps".to_string())].into();
//! assert_eq!(Walker::Elderly.way_factor(&rules, &steps), 3.0);
//! assert!(!Walker::Wheelchair.uses_way(&rules, &steps));
//! assert!(Walker::Adult.uses_way(&rules, &steps));
//! ```

use super::terrain::SteepFactor;
use crate::profile::WalkerRules;
use std::collections::BTreeMap;

/// Who walks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Walker {
    #[default]
    Adult,
    Elderly,
    Wheelchair,
}

impl Walker {
    /// Every walker, adult first.
    pub const ALL: [Walker; 3] = [Walker::Adult, Walker::Elderly, Walker::Wheelchair];

    pub fn as_str(self) -> &'static str {
        match self {
            Walker::Adult => "adult",
            Walker::Elderly => "elderly",
            Walker::Wheelchair => "wheelchair",
        }
    }

    pub fn is_adult(&self) -> bool {
        *self == Walker::Adult
    }

    /// Whether this walker uses a way with these tags at all.
    pub fn uses_way(self, rules: &WalkerRules, tags: &BTreeMap<String, String>) -> bool {
        match self {
            Walker::Adult | Walker::Elderly => true,
            Walker::Wheelchair => {
                let w = &rules.wheelchair;
                let is = |key: &str, values: &[String]| tags.get(key).is_some_and(|v| values.iter().any(|x| x == v));
                !(is("highway", &w.excluded_highways) || is("wheelchair", &w.excluded_wheelchair_values) || is("surface", &w.excluded_surfaces))
            }
        }
    }

    /// The factor on the cost of every edge of a way with these tags (the elderly walker's steps).
    pub fn way_factor(self, rules: &WalkerRules, tags: &BTreeMap<String, String>) -> f64 {
        match self {
            Walker::Elderly if tags.get("highway").is_some_and(|h| rules.elderly.steps_highways.iter().any(|s| s == h)) => rules.elderly.steps_factor,
            _ => 1.0,
        }
    }

    /// The extra effort of steep pieces on a DEM.
    pub fn steep_factor(self, rules: &WalkerRules) -> Option<SteepFactor> {
        match self {
            Walker::Elderly => Some(SteepFactor { slope: rules.elderly.steep_slope, factor: rules.elderly.steep_factor }),
            _ => None,
        }
    }

    /// On a DEM, the steepest piece an edge may have (the wheelchair's limit).
    pub fn max_slope(self, rules: &WalkerRules) -> Option<f64> {
        match self {
            Walker::Wheelchair => Some(rules.wheelchair.max_slope),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn wheelchair_leaves_out_steps_wheelchair_no_and_loose_surfaces() {
        let rules = WalkerRules::default();
        let w = Walker::Wheelchair;
        assert!(w.uses_way(&rules, &tags(&[("highway", "footway")])));
        assert!(w.uses_way(&rules, &tags(&[("highway", "footway"), ("wheelchair", "limited"), ("surface", "asphalt")])));
        assert!(!w.uses_way(&rules, &tags(&[("highway", "footway"), ("wheelchair", "no")])));
        assert!(!w.uses_way(&rules, &tags(&[("highway", "path"), ("surface", "sand")])));
        assert!(!w.uses_way(&rules, &tags(&[("highway", "steps"), ("wheelchair", "yes")])));
        assert_eq!(w.way_factor(&rules, &tags(&[("highway", "steps")])), 1.0);
        assert_eq!(w.max_slope(&rules), Some(0.08));
        assert_eq!(Walker::Adult.max_slope(&rules), None);
    }

    #[test]
    fn elderly_pays_for_steps_and_steep_pieces_only() {
        let rules = WalkerRules::default();
        let e = Walker::Elderly;
        assert_eq!(e.way_factor(&rules, &tags(&[("highway", "footway")])), 1.0);
        assert_eq!(e.way_factor(&rules, &tags(&[])), 1.0);
        assert_eq!(e.steep_factor(&rules), Some(SteepFactor { slope: 0.08, factor: 1.5 }));
        assert!(e.uses_way(&rules, &tags(&[("highway", "steps"), ("wheelchair", "no")])));
        assert_eq!(Walker::Adult.way_factor(&rules, &tags(&[("highway", "steps")])), 1.0);
        assert_eq!(Walker::Adult.steep_factor(&rules), None);
    }
}
