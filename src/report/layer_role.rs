//! What an output layer shows, read from its name, so that the styles, the HTML report and the printable map
//! draw each layer the way a planner expects (estates by coverage score, bundles as outlines ...).
//!
//! The names are the output layer names of lifecircle: `estates`, `facilities` (points), `facility_footprints`
//! (the areas of facilities mapped as areas), `service_areas` (polygons), `service_lines` (the reached
//! network as lines), `bundles`, `sites` (and `bundle_sites`, drawn
//! alike), `network`, `idle_land` (or `candidates`). Any other layer is drawn with a plain style chosen by its
//! geometry kind. A layer's title is its own, per layer name and language
//! ([`Wording::layer_title`](crate::report::wording::Wording::layer_title)).
//!
//! ```
//! use lifecircle::report::layer_role::LayerRole;
//! assert_eq!(LayerRole::from_layer_name("service_areas"), LayerRole::ServiceAreas);
//! assert_eq!(LayerRole::from_layer_name("rejects"), LayerRole::Other);
//! ```

/// The part a layer plays in the planner's package.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LayerRole {
    /// Walking catchments of facilities, by life-circle tier (polygons, fields `category`, `tier`).
    ServiceAreas,
    /// The network reached from the facilities within the tier's distance (lines, fields `category`, `tier`).
    ServiceLines,
    /// The walking network (lines).
    Network,
    /// Idle land and candidate parcels (polygons).
    IdleLand,
    /// Residential estates (fields `score`, `dist_<category>`, `ok_<category>`, `bundle_id` ...).
    Estates,
    /// The areas of facilities mapped as areas (parks, schools; polygons, field `category`), over the
    /// estates they may touch and under the bundle outlines.
    FacilityFootprints,
    /// Renovation bundles (fields `bundle_id`, `population`, `gaps`).
    Bundles,
    /// Existing facilities (points, field `category`).
    Facilities,
    /// Recommended sites for new facilities (fields `category`, `rank`, `new_population_covered`).
    Sites,
    /// Anything else (rejects, a planner's own layer).
    Other,
}

impl LayerRole {
    /// The role of a layer called `name`.
    pub fn from_layer_name(name: &str) -> LayerRole {
        match name {
            "estates" => LayerRole::Estates,
            "facilities" => LayerRole::Facilities,
            "facility_footprints" => LayerRole::FacilityFootprints,
            "service_areas" => LayerRole::ServiceAreas,
            "service_lines" => LayerRole::ServiceLines,
            "bundles" => LayerRole::Bundles,
            "sites" | "bundle_sites" => LayerRole::Sites,
            "network" => LayerRole::Network,
            "idle_land" | "candidates" => LayerRole::IdleLand,
            _ => LayerRole::Other,
        }
    }

    /// Drawing order, bottom first: the order of the enum (catchments under estates, sites on top).
    pub fn draw_order(self) -> u8 {
        self as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_map_to_roles_and_order_puts_sites_on_top() {
        assert_eq!(LayerRole::from_layer_name("estates"), LayerRole::Estates);
        assert_eq!(LayerRole::from_layer_name("candidates"), LayerRole::IdleLand);
        assert_eq!(LayerRole::from_layer_name("Estates"), LayerRole::Other);
        assert!(LayerRole::ServiceAreas.draw_order() < LayerRole::Estates.draw_order());
        assert_eq!(LayerRole::from_layer_name("service_lines"), LayerRole::ServiceLines);
        assert!(LayerRole::ServiceAreas.draw_order() < LayerRole::ServiceLines.draw_order());
        assert!(LayerRole::ServiceLines.draw_order() < LayerRole::Estates.draw_order());
        assert!(LayerRole::Estates.draw_order() < LayerRole::Bundles.draw_order());
        assert!(LayerRole::Facilities.draw_order() < LayerRole::Sites.draw_order());
        assert_eq!(LayerRole::from_layer_name("facility_footprints"), LayerRole::FacilityFootprints);
        assert!(LayerRole::Estates.draw_order() < LayerRole::FacilityFootprints.draw_order());
        assert!(LayerRole::FacilityFootprints.draw_order() < LayerRole::Facilities.draw_order());
    }
}
