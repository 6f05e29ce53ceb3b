//! Nesting of estates in administrative boundaries: bundles are organised by street (街道) and
//! residents' committee (社区), "by street or community" in the renovation policies (seed 002), so no
//! bundle may cross a boundary.
//!
//! Each estate belongs, at each boundary level present (street, community), to the boundary that holds
//! the largest part of its area; an estate in no boundary of a level is `outside` at that level. The
//! estate's *group* is the street id and the community id joined by `/` (only the levels present; the
//! single group `outside` when there are no boundaries). Bundles are formed within a group.
//!
//! Algorithm: an R-tree (rstar) of boundary envelopes gives the candidate boundaries of an estate. When
//! every vertex of the estate lies strictly inside one candidate (point-in-polygon through geo's
//! interval-tree multipolygon, O(log m) per vertex for a boundary of m vertices), that boundary holds it
//! whole. Otherwise the estate straddles boundary lines and the area of its intersection with each
//! candidate is computed (geo boolean operations), the largest winning, ties to the boundary listed first.
//! Estates run in parallel (rayon); the result does not depend on the thread count.
//!
//! ```
//! use geo_types::{polygon, MultiPolygon};
//! use lifecircle::bundle::nesting::nest_estates;
//! use lifecircle::model::{Boundary, BoundaryLevel, Estate, EstateSource, PopulationSource, SurveyAttributes};
//! let rect = |x0: f64, x1: f64| MultiPolygon(vec![polygon![(x: x0, y: 0.0), (x: x1, y: 0.0), (x: x1, y: 100.0), (x: x0, y: 100.0)]]);
//! let estate = Estate { id: "e".into(), name: None, polygon: rect(80.0, 180.0), source: EstateSource::Layer,
//!     population: 1.0, households: 1.0, population_source: PopulationSource::Layer, floor_area_m2: 0.0,
//!     n_buildings: 1, built_year: None, survey: SurveyAttributes::default(), notes: Default::default() };
//! let community = |id: &str, x0, x1| Boundary { id: id.into(), name: None, level: BoundaryLevel::Community, polygon: rect(x0, x1) };
//! // 20 % of the estate lies in west, 80 % in east.
//! let nesting = nest_estates(&[estate], &[community("west", 0.0, 100.0), community("east", 100.0, 300.0)]);
//! assert_eq!(nesting.key_of(0), "east");
//! ```

use crate::model::{Boundary, BoundaryLevel, Estate};
use geo::indexed::IntervalTreeMultiPolygon;
use geo::{Area, BooleanOps, BoundingRect, Contains};
use rayon::prelude::*;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};
use std::collections::BTreeMap;

/// The group of estates in no boundary.
pub const OUTSIDE: &str = "outside";

/// The group of every estate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nesting {
    /// Group index of each estate (same order as the estates).
    pub group_of: Vec<u32>,
    /// Group keys, sorted; `group_keys[group_of[i]]` is estate `i`'s group.
    pub group_keys: Vec<String>,
}

impl Nesting {
    /// The group key of estate `i`.
    pub fn key_of(&self, i: usize) -> &str {
        &self.group_keys[self.group_of[i] as usize]
    }
}

/// The boundaries of one level, indexed.
struct Level<'a> {
    boundaries: Vec<&'a Boundary>,
    prepared: Vec<IntervalTreeMultiPolygon<f64>>,
    tree: RTree<GeomWithData<Rectangle<[f64; 2]>, u32>>,
}

impl<'a> Level<'a> {
    fn new(boundaries: Vec<&'a Boundary>) -> Level<'a> {
        let prepared = boundaries.iter().map(|b| IntervalTreeMultiPolygon::new(&b.polygon)).collect();
        let tree = RTree::bulk_load(
            boundaries
                .iter()
                .enumerate()
                .filter_map(|(k, b)| {
                    let r = b.polygon.bounding_rect()?;
                    Some(GeomWithData::new(Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]), k as u32))
                })
                .collect(),
        );
        Level { boundaries, prepared, tree }
    }

    /// The boundary holding most of the estate's area, if any holds part of it.
    fn holder(&self, estate: &Estate) -> Option<usize> {
        let r = estate.polygon.bounding_rect()?;
        let mut candidates: Vec<usize> = self
            .tree
            .locate_in_envelope_intersecting(&AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]))
            .map(|g| g.data as usize)
            .collect();
        candidates.sort_unstable();
        let vertices: Vec<_> = estate.polygon.0.iter().flat_map(|p| p.exterior().0.iter().copied()).collect();
        if let Some(&whole) = candidates.iter().find(|&&k| vertices.iter().all(|v| self.prepared[k].contains(v))) {
            return Some(whole);
        }
        let mut best: Option<(usize, f64)> = None;
        for k in candidates {
            let area_m2 = estate.polygon.intersection(&self.boundaries[k].polygon).unsigned_area();
            if area_m2 > 0.0 && best.is_none_or(|(_, a)| area_m2 > a) {
                best = Some((k, area_m2));
            }
        }
        best.map(|(k, _)| k)
    }
}

/// Assign every estate to its group.
pub fn nest_estates(estates: &[Estate], boundaries: &[Boundary]) -> Nesting {
    let levels: Vec<Level> = [BoundaryLevel::Street, BoundaryLevel::Community]
        .into_iter()
        .map(|level| boundaries.iter().filter(|b| b.level == level).collect::<Vec<_>>())
        .filter(|bs| !bs.is_empty())
        .map(Level::new)
        .collect();
    let keys: Vec<String> = estates
        .par_iter()
        .map(|estate| {
            if levels.is_empty() {
                return OUTSIDE.to_string();
            }
            let parts: Vec<&str> = levels.iter().map(|level| level.holder(estate).map_or(OUTSIDE, |k| level.boundaries[k].id.as_str())).collect();
            if parts.iter().all(|p| *p == OUTSIDE) { OUTSIDE.to_string() } else { parts.join("/") }
        })
        .collect();
    let index: BTreeMap<&str, u32> = keys.iter().map(|k| (k.as_str(), 0)).collect();
    let group_keys: Vec<String> = index.keys().map(|k| k.to_string()).collect();
    let group_of = keys.iter().map(|k| group_keys.binary_search(k).map_or(0, |g| g as u32)).collect();
    Nesting { group_of, group_keys }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{estate, rect};
    use geo_types::MultiPolygon;

    fn boundary(id: &str, level: BoundaryLevel, polygon: MultiPolygon<f64>) -> Boundary {
        Boundary { id: id.into(), name: None, level, polygon }
    }

    #[test]
    fn no_boundaries_make_one_outside_group() {
        let n = nest_estates(&[estate("a", rect(0.0, 0.0, 1.0, 1.0)), estate("b", rect(5.0, 0.0, 6.0, 1.0))], &[]);
        assert_eq!(n.group_keys, vec!["outside"]);
        assert_eq!(n.group_of, vec![0, 0]);
    }

    #[test]
    fn streets_and_communities_combine_and_estates_outside_are_grouped_apart() {
        let boundaries = [
            boundary("S1", BoundaryLevel::Street, rect(0.0, 0.0, 1000.0, 1000.0)),
            boundary("C1", BoundaryLevel::Community, rect(0.0, 0.0, 500.0, 1000.0)),
            boundary("C2", BoundaryLevel::Community, rect(500.0, 0.0, 1000.0, 1000.0)),
        ];
        let estates = [
            estate("in_c1", rect(10.0, 10.0, 100.0, 100.0)),
            // Shares the C1/C2 line x = 500 with its west edge: vertices on the line, all area in C2.
            estate("on_line", rect(500.0, 10.0, 600.0, 100.0)),
            // 60 % in C1 (x 440..500), 40 % in C2 (x 500..540).
            estate("straddles", rect(440.0, 200.0, 540.0, 300.0)),
            estate("far", rect(5000.0, 0.0, 5100.0, 100.0)),
        ];
        let n = nest_estates(&estates, &boundaries);
        assert_eq!(n.key_of(0), "S1/C1");
        assert_eq!(n.key_of(1), "S1/C2");
        assert_eq!(n.key_of(2), "S1/C1");
        assert_eq!(n.key_of(3), "outside");
        assert_eq!(n.group_keys, vec!["S1/C1", "S1/C2", "outside"]);
    }

    #[test]
    fn partly_outside_estate_goes_to_the_boundary_holding_any_of_it() {
        let boundaries = [boundary("C1", BoundaryLevel::Community, rect(0.0, 0.0, 100.0, 100.0))];
        // Only 10 % inside C1: still C1, the only boundary holding part of it.
        let n = nest_estates(&[estate("edge", rect(90.0, 0.0, 190.0, 100.0))], &boundaries);
        assert_eq!(n.key_of(0), "C1");
    }
}
