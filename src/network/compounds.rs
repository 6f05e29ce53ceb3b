//! Gated compounds: which stretches of the mapped ways are a compound's own internal roads rather than
//! public routes, and the pieces of way the walking graph is built from.
//!
//! Old Chinese estates (小区) are walled compounds entered through gates; their internal roads are walked by
//! their residents but are not through routes for anybody else. The model (simplest correct one):
//! *a compound's internal ways are removed from the public graph, and every estate is entered at access
//! points on the public graph* ([`super::access`]). The open-the-walls scenario adds them back.
//!
//! Algorithm, per way (after [`classify_way`]):
//! 1. Geometry check: non-finite coordinates or fewer than two distinct vertices → reject. Repeated
//!    consecutive vertices are dropped.
//! 2. [`WayAccess::Excluded`] → reject with the rule's reason.
//! 3. [`WayAccess::Private`]: each segment is credited to the estate containing its midpoint (the
//!    lowest-index estate where estates overlap); the whole way belongs to the estate credited with the
//!    most length (ties to the lower index), including its stub outside the wall up to the street. A
//!    private way that touches no estate (a factory or military road) is rejected.
//! 4. Public ways whose `highway` is in `compound_internal_highways` (default `service`) and that carry no
//!    explicit `foot=yes|designated|permissive` / `access=yes|permissive`: the stretches whose segment
//!    midpoints lie inside an estate are that compound's; the rest is public. The way is cut where its
//!    owner changes (always at a vertex, so no geometry is invented).
//! 5. Everything else is public.
//!
//! Cost: one R-tree query over estate envelopes and one point-in-polygon test per segment of a private or
//! service way; other ways are not tested.
//!
//! ```
//! use geo_types::{line_string, polygon, MultiPolygon};
//! use lifecircle::network::compounds::{walkable_pieces, PieceAccess};
//! use lifecircle::model::{Estate, EstateSource, PopulationSource, Way};
//! use lifecircle::profile::WalkRules;
//! let estate = Estate { id: "e1".into(), name: None, source: EstateSource::Layer,
//!     polygon: MultiPolygon(vec![polygon![(x: 0.0, y: 0.0), (x: 100.0, y: 0.0), (x: 100.0, y: 100.0), (x: 0.0, y: 100.0)]]),
//!     population: 1000.0, households: 380.0, population_source: PopulationSource::Layer, floor_area_m2: 0.0,
//!     n_buildings: 0, built_year: None, survey: Default::default(), notes: Default::default() };
//! // A service road from the street (y = -20) through the gate (y = 0) into the compound.
//! let way = Way { id: "w1".into(), line: line_string![(x: 50.0, y: -20.0), (x: 50.0, y: 0.0), (x: 50.0, y: 60.0)],
//!     tags: [("highway".to_string(), "service".to_string())].into() };
//! let (pieces, rejects) = walkable_pieces(&[way], &[estate], &WalkRules::default());
//! assert!(rejects.is_empty());
//! assert_eq!(pieces.len(), 2);
//! assert_eq!(pieces[0].access, PieceAccess::Public);      // the stub outside the wall
//! assert_eq!(pieces[1].access, PieceAccess::Compound(0)); // inside the compound
//! ```

use super::walk_rules::{WayAccess, classify_way};
use crate::geometry::rings::polygon_is_finite;
use crate::model::{Estate, Reject, RejectCode, Way};
use crate::profile::WalkRules;
use geo::{BoundingRect, Contains};
use geo_types::{Coord, Geometry, Point};
use rstar::{AABB, RTree, RTreeObject};

/// Who may walk a piece of way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PieceAccess {
    /// A public route.
    Public,
    /// Internal to the compound of this estate (index into `Dataset.estates`).
    Compound(u32),
}

/// A stretch of one way with one access: what the graph is built from.
#[derive(Debug, Clone, PartialEq)]
pub struct WayPiece {
    /// Index into `Dataset.ways`.
    pub way: u32,
    pub coords: Vec<Coord<f64>>,
    pub access: PieceAccess,
}

/// An estate's envelope in the R-tree.
struct EstateBox {
    envelope: AABB<[f64; 2]>,
    estate: u32,
}

impl RTreeObject for EstateBox {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        self.envelope
    }
}

/// Point-in-estate lookups (lowest estate index wins where estates overlap).
pub struct EstateLocator<'a> {
    estates: &'a [Estate],
    tree: RTree<EstateBox>,
}

impl<'a> EstateLocator<'a> {
    pub fn new(estates: &'a [Estate]) -> EstateLocator<'a> {
        let boxes = estates
            .iter()
            .enumerate()
            .filter_map(|(i, e)| {
                let r = e.polygon.bounding_rect().filter(|_| polygon_is_finite(&e.polygon))?;
                Some(EstateBox { envelope: AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]), estate: i as u32 })
            })
            .collect();
        EstateLocator { estates, tree: RTree::bulk_load(boxes) }
    }

    /// The estate containing the point, if any.
    pub fn estate_at(&self, c: Coord<f64>) -> Option<u32> {
        self.tree
            .locate_in_envelope_intersecting(&AABB::from_point([c.x, c.y]))
            .filter(|b| self.estates[b.estate as usize].polygon.contains(&Point(c)))
            .map(|b| b.estate)
            .min()
    }
}

fn way_reject(way: &Way, code: RejectCode, particulars: &str) -> Reject {
    Reject {
        source: "network".into(),
        layer: "network".into(),
        source_id: way.id.clone(),
        reason: code.reason(particulars),
        geometry: Some(Geometry::LineString(way.line.clone())),
    }
}

fn explicitly_public(way: &Way) -> bool {
    let tag = |k: &str| way.tags.get(k).map(String::as_str);
    matches!(tag("foot"), Some("yes" | "designated" | "permissive")) || matches!(tag("access"), Some("yes" | "permissive"))
}

fn midpoint(a: Coord<f64>, b: Coord<f64>) -> Coord<f64> {
    Coord { x: 0.5 * (a.x + b.x), y: 0.5 * (a.y + b.y) }
}

/// Cut the walkable ways into pieces of one access each; unwalkable and broken ways become rejects.
pub fn walkable_pieces(ways: &[Way], estates: &[Estate], rules: &WalkRules) -> (Vec<WayPiece>, Vec<Reject>) {
    let locator = EstateLocator::new(estates);
    let mut pieces = Vec::with_capacity(ways.len());
    let mut rejects = Vec::new();
    for (wi, way) in ways.iter().enumerate() {
        if way.line.0.iter().any(|c| !(c.x.is_finite() && c.y.is_finite())) {
            rejects.push(Reject { geometry: None, ..way_reject(way, RejectCode::NonFiniteCoordinate, &RejectCode::NonFiniteCoordinate.particulars("coordinate", &[])) });
            continue;
        }
        let mut coords: Vec<Coord<f64>> = Vec::with_capacity(way.line.0.len());
        for &c in &way.line.0 {
            if coords.last() != Some(&c) {
                coords.push(c);
            }
        }
        if coords.len() < 2 {
            rejects.push(way_reject(way, RejectCode::DegenerateLine, &RejectCode::DegenerateLine.particulars("vertices", &[])));
            continue;
        }
        let way_index = wi as u32;
        match classify_way(&way.tags, rules) {
            WayAccess::Excluded(reason) => rejects.push(way_reject(way, RejectCode::NotWalkable, &reason)),
            WayAccess::Private => {
                // Credit each segment's length to the estate holding its midpoint.
                let mut credit: Vec<(u32, f64)> = Vec::new();
                for w in coords.windows(2) {
                    if let Some(e) = locator.estate_at(midpoint(w[0], w[1])) {
                        let len = (w[1].x - w[0].x).hypot(w[1].y - w[0].y);
                        match credit.iter_mut().find(|(ce, _)| *ce == e) {
                            Some(c) => c.1 += len,
                            None => credit.push((e, len)),
                        }
                    }
                }
                let owner = credit.iter().copied().max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
                match owner {
                    Some((e, _)) => pieces.push(WayPiece { way: way_index, coords, access: PieceAccess::Compound(e) }),
                    None => rejects.push(way_reject(way, RejectCode::PrivateWay, &RejectCode::PrivateWay.particulars("outside", &[]))),
                }
            }
            WayAccess::Public => {
                let internal_kind = way.tags.get("highway").is_some_and(|h| rules.compound_internal_highways.contains(h));
                if !internal_kind || explicitly_public(way) {
                    pieces.push(WayPiece { way: way_index, coords, access: PieceAccess::Public });
                    continue;
                }
                let owners: Vec<PieceAccess> = coords
                    .windows(2)
                    .map(|w| locator.estate_at(midpoint(w[0], w[1])).map_or(PieceAccess::Public, PieceAccess::Compound))
                    .collect();
                let mut start = 0;
                for s in 1..=owners.len() {
                    if s == owners.len() || owners[s] != owners[start] {
                        pieces.push(WayPiece { way: way_index, coords: coords[start..=s].to_vec(), access: owners[start] });
                        start = s;
                    }
                }
            }
        }
    }
    (pieces, rejects)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{estate, square};
    use geo_types::LineString;

    fn way(id: &str, pts: &[(f64, f64)], tags: &[(&str, &str)]) -> Way {
        Way { id: id.into(), line: LineString::from(pts.to_vec()), tags: tags.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect() }
    }

    #[test]
    fn private_way_belongs_to_the_estate_holding_most_of_it() {
        let estates = [estate("a", square(0.0, 0.0, 100.0)), estate("b", square(100.0, 0.0, 100.0))];
        // 10 m in a, 60 m in b (segment midpoints at x=95 and x=130), 20 m outside.
        let w = way("w", &[(90.0, 50.0), (100.0, 50.0), (160.0, 50.0)], &[("highway", "service"), ("access", "private")]);
        let outside = way("x", &[(300.0, 0.0), (300.0, 50.0)], &[("highway", "service"), ("access", "private")]);
        let (pieces, rejects) = walkable_pieces(&[w, outside], &estates, &WalkRules::default());
        assert_eq!(pieces.len(), 1);
        assert_eq!(pieces[0].access, PieceAccess::Compound(1));
        assert_eq!(pieces[0].coords.len(), 3);
        assert_eq!(rejects.len(), 1);
        assert_eq!(rejects[0].source_id, "x");
        assert!(rejects[0].reason.contains("outside every estate"));
    }

    #[test]
    fn service_way_is_cut_at_the_wall_and_explicit_public_tags_win() {
        let estates = [estate("a", square(0.0, 0.0, 100.0))];
        let w = way("w", &[(50.0, -20.0), (50.0, 0.0), (50.0, 60.0), (50.0, 120.0), (50.0, 130.0)], &[("highway", "service")]);
        let open = way("o", &[(20.0, -20.0), (20.0, 50.0)], &[("highway", "service"), ("foot", "yes")]);
        let footway = way("f", &[(10.0, 10.0), (20.0, 20.0)], &[("highway", "footway")]);
        let (pieces, rejects) = walkable_pieces(&[w, open, footway], &estates, &WalkRules::default());
        assert!(rejects.is_empty());
        let summary: Vec<(u32, usize, PieceAccess)> = pieces.iter().map(|p| (p.way, p.coords.len(), p.access)).collect();
        // Way 0: stub outside (2 vertices), inside (0 -> 60; the segment 60 -> 120 has its midpoint at y=90,
        // inside too), then outside from y=120.
        assert_eq!(
            summary,
            vec![
                (0, 2, PieceAccess::Public),
                (0, 3, PieceAccess::Compound(0)),
                (0, 2, PieceAccess::Public),
                (1, 2, PieceAccess::Public),
                (2, 2, PieceAccess::Public),
            ]
        );
        assert_eq!(pieces[1].coords[0], Coord { x: 50.0, y: 0.0 });
        assert_eq!(pieces[1].coords[2], Coord { x: 50.0, y: 120.0 });
    }

    #[test]
    fn broken_and_excluded_ways_are_rejected_with_reasons() {
        let ways = [
            way("dup", &[(0.0, 0.0), (0.0, 0.0)], &[("highway", "footway")]),
            way("nan", &[(0.0, 0.0), (f64::NAN, 1.0)], &[("highway", "footway")]),
            way("m", &[(0.0, 0.0), (1.0, 0.0)], &[("highway", "motorway")]),
            way("ok", &[(0.0, 0.0), (0.0, 0.0), (5.0, 0.0)], &[("highway", "footway")]),
        ];
        let (pieces, rejects) = walkable_pieces(&ways, &[], &WalkRules::default());
        assert_eq!(pieces.len(), 1);
        assert_eq!(pieces[0].coords.len(), 2, "repeated vertex dropped");
        let reasons: Vec<(&str, &str)> = rejects.iter().map(|r| (r.source_id.as_str(), r.reason.as_str())).collect();
        assert_eq!(reasons.len(), 3);
        assert!(reasons[0].0 == "dup" && reasons[0].1.contains("two distinct"));
        assert!(reasons[1].0 == "nan" && reasons[1].1.contains("finite"));
        assert!(reasons[2].0 == "m" && reasons[2].1.contains("motorway"));
    }
}
