//! Several categories on one parcel: whether their combined land need fits.
//!
//! A parcel hosts several categories only when
//! 1. the sum of their `land_min_area_m2` is at most the parcel's area, and
//! 2. their footprints can be placed side by side: the categories of the profile's
//!    `[siting] combined_building` (综合服务站: one building housing nursery, elderly care, health and
//!    community service rooms, 《完整居住社区建设标准（试行）》 2020 \[M\]) share one disc of the largest of
//!    their `land_min_width_m`; every other category needs its own disc of its `land_min_width_m`; the
//!    discs must lie inside the parcel without overlapping.
//!
//! Placement is greedy, largest disc first (bottom-left fill, as in strip packing): each disc goes to the
//! point of a grid over the parcel (step [`grid_step_m`]) that lies at least its radius inside the
//! boundary and at least the sum of radii from every disc placed, choosing the point *nearest* the
//! boundary (it leaves the middle free for the next), ties by x then y. A grid can miss a tight fit, never
//! report a false one: the answer is conservative. The grid is searched by branch and bound over quarters
//! (the boundary distance is 1-Lipschitz), so only the points near the best are measured.
//!
//! ```
//! use geo_types::{polygon, MultiPolygon};
//! use lifecircle::siting::colocate::{LandNeed, place_together};
//! // A 40 m × 20 m parcel (800 m²): two 18 m discs fit side by side, three do not.
//! let parcel = MultiPolygon(vec![polygon![(x: 0., y: 0.), (x: 40., y: 0.), (x: 40., y: 20.), (x: 0., y: 20.)]]);
//! let need = |key: &str| LandNeed { key: key.into(), area_m2: 200.0, width_m: 18.0 };
//! assert_eq!(place_together(&parcel, 800.0, &[need("a"), need("b")], &[]).unwrap().len(), 2);
//! assert!(place_together(&parcel, 800.0, &[need("a"), need("b"), need("c")], &[]).is_err());
//! // As one combined building they need one 18 m disc and 600 m²: they fit.
//! let combined = ["a".to_string(), "b".to_string(), "c".to_string()];
//! assert_eq!(place_together(&parcel, 800.0, &[need("a"), need("b"), need("c")], &combined).unwrap().len(), 1);
//! ```

use crate::geometry::boundary_distance::BoundaryDistance;
#[cfg(test)]
use super::fit::signed_boundary_distance;
use geo::BoundingRect;
use geo_types::{Coord, MultiPolygon};

/// The land one category needs on a parcel (from the profile).
#[derive(Debug, Clone, PartialEq)]
pub struct LandNeed {
    pub key: String,
    pub area_m2: f64,
    pub width_m: f64,
}

/// Ranges of at most this many grid points are visited point by point ([`Grid::search`]).
const LEAF_POINTS: usize = 4;

/// At most this many grid points per disc placed (the step grows on big parcels).
pub const MAX_GRID_POINTS: f64 = 20_000.0;

/// The grid step for placing a disc of radius `r` on a parcel of bounding box `w × h`: a quarter of the
/// radius, at least 0.5 m, grown so the grid has at most [`MAX_GRID_POINTS`] points.
pub fn grid_step_m(r: f64, w: f64, h: f64) -> f64 {
    let step = (r / 4.0).max(0.5);
    step.max((w * h / MAX_GRID_POINTS).sqrt())
}

#[cfg(test)]
fn boundary_distance(parcel: &MultiPolygon<f64>, p: Coord<f64>) -> f64 {
    parcel.0.iter().map(|poly| signed_boundary_distance(poly, p)).fold(f64::NEG_INFINITY, f64::max)
}

/// The parcel's signed boundary distance (the largest over its parts), through each part's prepared
/// [`BoundaryDistance`]: the same value as visiting every segment.
fn prepared_distance(parts: &[BoundaryDistance<'_>], p: Coord<f64>) -> f64 {
    parts.iter().map(|b| b.signed_distance(p)).fold(f64::NEG_INFINITY, f64::max)
}

/// The grid of candidate disc centres over a parcel: point (i, j) lies at `origin + (i, j) × step`.
struct Grid<'a> {
    parts: &'a [BoundaryDistance<'a>],
    origin: Coord<f64>,
    step: f64,
}

impl Grid<'_> {
    fn point(&self, i: usize, j: usize) -> Coord<f64> {
        Coord { x: self.origin.x + i as f64 * self.step, y: self.origin.y + j as f64 * self.step }
    }

    /// The best centre for a disc of radius `r` among the points of `is × js` (inclusive ranges): at least
    /// `r` inside the parcel and clear of every `placed` disc, nearest the boundary, ties to the lowest
    /// (i, j); folded into `best`. Branch and bound over quarters of the range: the signed boundary distance
    /// is 1-Lipschitz, so a range whose centre lies at `d` holds only points within `d ± h` (h its half
    /// diagonal): a range with `d + h < r` holds no point deep enough, one with `d − h` above the best found
    /// no better point, and both are skipped. The answer is that of visiting every point.
    fn search(&self, is: (usize, usize), js: (usize, usize), r: f64, placed: &[(Coord<f64>, f64)], best: &mut Option<(f64, usize, usize)>) {
        let (a, b) = (self.point(is.0, js.0), self.point(is.1, js.1));
        if (is.1 - is.0 + 1) * (js.1 - js.0 + 1) > LEAF_POINTS {
            let centre = Coord { x: (a.x + b.x) / 2.0, y: (a.y + b.y) / 2.0 };
            let h = ((b.x - a.x).powi(2) + (b.y - a.y).powi(2)).sqrt() / 2.0 + 1e-9;
            let d = prepared_distance(self.parts, centre);
            if d + h < r || best.is_some_and(|(found, _, _)| d - h > found) {
                return;
            }
            let (im, jm) = ((is.0 + is.1) / 2, (js.0 + js.1) / 2);
            for (ri, rj) in [((is.0, im), (js.0, jm)), ((is.0, im), (jm + 1, js.1)), ((im + 1, is.1), (js.0, jm)), ((im + 1, is.1), (jm + 1, js.1))] {
                if ri.0 <= ri.1 && rj.0 <= rj.1 {
                    self.search(ri, rj, r, placed, best);
                }
            }
            return;
        }
        for i in is.0..=is.1 {
            for j in js.0..=js.1 {
                let p = self.point(i, j);
                if placed.iter().any(|(c, rc)| ((c.x - p.x).powi(2) + (c.y - p.y).powi(2)).sqrt() < r + rc) {
                    continue;
                }
                let inside = prepared_distance(self.parts, p);
                if inside >= r && best.is_none_or(|(found, fi, fj)| inside < found || (inside == found && (i, j) < (fi, fj))) {
                    *best = Some((inside, i, j));
                }
            }
        }
    }
}

/// Place the footprints of `needs` on the parcel (module doc): the disc centres (one per combined building
/// and per other category, largest first), or why they do not fit.
pub fn place_together(parcel: &MultiPolygon<f64>, parcel_area_m2: f64, needs: &[LandNeed], combined: &[String]) -> Result<Vec<Coord<f64>>, String> {
    let area: f64 = needs.iter().map(|n| n.area_m2).sum();
    if area > parcel_area_m2 {
        let keys: Vec<&str> = needs.iter().map(|n| n.key.as_str()).collect();
        return Err(format!("{} need {area:.0} m² together; the parcel has {parcel_area_m2:.0} m²", keys.join(" + ")));
    }
    let mut diameters: Vec<f64> = Vec::new();
    let shared = needs.iter().filter(|n| combined.contains(&n.key)).map(|n| n.width_m).fold(None, |m: Option<f64>, w| Some(m.map_or(w, |m| m.max(w))));
    diameters.extend(shared);
    diameters.extend(needs.iter().filter(|n| !combined.contains(&n.key)).map(|n| n.width_m));
    diameters.sort_by(|a, b| b.total_cmp(a));
    let Some(bbox) = parcel.bounding_rect() else { return Err("the parcel has no area".into()) };
    let parts: Vec<BoundaryDistance<'_>> = parcel.0.iter().map(BoundaryDistance::new).collect();
    let mut placed: Vec<(Coord<f64>, f64)> = Vec::new();
    for d in diameters {
        let r = d / 2.0;
        let step = grid_step_m(r, bbox.width(), bbox.height());
        let (nx, ny) = ((bbox.width() / step).floor() as usize, (bbox.height() / step).floor() as usize);
        let grid = Grid { parts: &parts, origin: bbox.min(), step };
        let mut best: Option<(f64, usize, usize)> = None;
        grid.search((0, nx), (0, ny), r, &placed, &mut best);
        match best {
            Some((_, i, j)) => placed.push((grid.point(i, j), r)),
            None => return Err(format!("no room for a {d:.0} m footprint beside the {} already placed", placed.len())),
        }
    }
    Ok(placed.into_iter().map(|(c, _)| c).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Profile;
    use geo_types::polygon;

    fn needs(keys: &[&str]) -> Vec<LandNeed> {
        let p = Profile::default_profile();
        keys.iter()
            .map(|k| {
                let c = p.category(k).unwrap();
                LandNeed { key: c.key.clone(), area_m2: c.land_min_area_m2, width_m: c.land_min_width_m }
            })
            .collect()
    }

    fn rect(w: f64, h: f64) -> MultiPolygon<f64> {
        MultiPolygon(vec![polygon![(x: 0., y: 0.), (x: w, y: 0.), (x: w, y: h), (x: 0., y: h)]])
    }

    #[test]
    fn the_issues_872_m2_parcel() {
        let combined = Profile::default_profile().siting.combined_building;
        let parcel = rect(32.0, 27.25); // 872 m²
        let three = needs(&["nursery", "elderly_care", "health_station"]);
        // 300 + 300 + 150 = 750 m² ≤ 872 m²; one combined building of 12 m: fits.
        assert_eq!(place_together(&parcel, 872.0, &three, &combined).unwrap().len(), 1);
        // As three separate footprints (12, 12 and 8 m discs) they also fit side by side, apart.
        let centres = place_together(&parcel, 872.0, &three, &[]).unwrap();
        assert_eq!(centres.len(), 3);
        let radii = [6.0, 6.0, 4.0];
        for i in 0..3 {
            for j in i + 1..3 {
                let d = ((centres[i].x - centres[j].x).powi(2) + (centres[i].y - centres[j].y).powi(2)).sqrt();
                assert!(d >= radii[i] + radii[j] - 1e-9, "discs {i} and {j} overlap: {d}");
            }
        }
        // A kindergarten's 2,000 m² cannot join them.
        let err = place_together(&parcel, 872.0, &needs(&["nursery", "elderly_care", "health_station", "kindergarten"]), &combined).unwrap_err();
        assert_eq!(err, "nursery + elderly_care + health_station + kindergarten need 2750 m² together; the parcel has 872 m²");
        // An 87.2 m × 10 m strip has the area but not the width of a 12 m building.
        assert!(place_together(&rect(87.2, 10.0), 872.0, &three, &combined).is_err());
        // 40 m × 22 m: two 12 m discs and an 8 m disc, not combined, in a row: 12 + 12 + 8 = 32 m ≤ 40 m.
        assert!(place_together(&rect(40.0, 22.0), 880.0, &three, &[]).is_ok());
        // 30 m × 12.5 m (375 m²) holds nursery + health station by area (450 m²)? No: the area check fails first.
        assert!(place_together(&rect(30.0, 12.5), 375.0, &needs(&["nursery", "health_station"]), &[]).unwrap_err().contains("450 m²"));
        // 40 m × 12.5 m (500 m²): the area fits, a 12 m and an 8 m disc fit in a row (20 m ≤ 40 m).
        assert_eq!(place_together(&rect(40.0, 12.5), 500.0, &needs(&["nursery", "health_station"]), &[]).unwrap().len(), 2);
        // 19 m × 12.5 m (237.5 m²) with two 8 m discs (health station, community service: 300 m² > 237.5).
        assert!(place_together(&rect(19.0, 12.5), 237.5, &needs(&["health_station", "community_service"]), &[]).is_err());
        // 20 m × 16 m: two 8 m discs fit side by side (16 ≤ 20), 300 m² ≤ 320 m².
        assert_eq!(place_together(&rect(20.0, 16.0), 320.0, &needs(&["health_station", "community_service"]), &[]).unwrap().len(), 2);
        // 15 m × 20 m = 300 m²: the discs fit one above the other (16 ≤ 20).
        assert!(place_together(&rect(15.0, 20.0), 300.0, &needs(&["health_station", "community_service"]), &[]).is_ok());
        // 26 m × 13 m = 338 m² ≥ 300 m², but nursery (12 m) + elderly care (12 m) need 24 m in a row and
        // 600 m²: the area fails; at 48 m × 13 m (624 m²) they fit.
        assert!(place_together(&rect(26.0, 13.0), 338.0, &needs(&["nursery", "elderly_care"]), &[]).is_err());
        assert!(place_together(&rect(48.0, 13.0), 624.0, &needs(&["nursery", "elderly_care"]), &[]).is_ok());
        // 30 m × 20.5 m (615 m²): area fits, but two 12 m discs need 24 m along x (30 ok): fits; at
        // 23 m × 27 m (621 m²) they go one above the other (24 ≤ 27).
        assert!(place_together(&rect(23.0, 27.0), 621.0, &needs(&["nursery", "elderly_care"]), &[]).is_ok());
        // 23 m × 23 m (529 m² < 600 m²): the area fails.
        assert!(place_together(&rect(23.0, 23.0), 529.0, &needs(&["nursery", "elderly_care"]), &[]).is_err());
        // 17.5 m × 40 m = 700 m² with two 12 m discs and an 8 m one: along y 12 + 12 + 8 = 32 ≤ 40 ... fits.
        assert!(place_together(&rect(17.5, 40.0), 700.0, &needs(&["nursery", "elderly_care"]), &[]).is_ok());
        // 11.9 m wide: a 12 m disc never fits, whatever the length and area.
        assert!(place_together(&rect(11.9, 100.0), 1190.0, &needs(&["nursery", "health_station"]), &[]).unwrap_err().starts_with("no room for a 12 m footprint"));
    }

    /// The grid search without the block bounds: every grid point visited, in (i, j) order.
    fn place_by_visiting_every_point(parcel: &MultiPolygon<f64>, diameters: &[f64]) -> Option<Vec<Coord<f64>>> {
        let bbox = parcel.bounding_rect()?;
        let mut placed: Vec<(Coord<f64>, f64)> = Vec::new();
        for &d in diameters {
            let r = d / 2.0;
            let step = grid_step_m(r, bbox.width(), bbox.height());
            let (nx, ny) = ((bbox.width() / step).floor() as usize, (bbox.height() / step).floor() as usize);
            let mut best: Option<(f64, Coord<f64>)> = None;
            for i in 0..=nx {
                for j in 0..=ny {
                    let p = Coord { x: bbox.min().x + i as f64 * step, y: bbox.min().y + j as f64 * step };
                    let inside = boundary_distance(parcel, p);
                    if inside < r || placed.iter().any(|(c, rc)| ((c.x - p.x).powi(2) + (c.y - p.y).powi(2)).sqrt() < r + rc) {
                        continue;
                    }
                    if best.is_none_or(|(b, _)| inside < b) {
                        best = Some((inside, p));
                    }
                }
            }
            placed.push((best?.1, r));
        }
        Some(placed.into_iter().map(|(c, _)| c).collect())
    }

    #[test]
    fn the_block_bounds_place_exactly_where_visiting_every_point_does() {
        let mut rng = crate::rng::SplitMix64::new(15);
        for case in 0..60 {
            // A star-shaped parcel of 5-24 vertices, radii 10-60 m, some with a square hole.
            let n = 5 + (rng.next_u64() % 20) as usize;
            let ring: Vec<(f64, f64)> = (0..n)
                .map(|k| {
                    let a = k as f64 / n as f64 * std::f64::consts::TAU;
                    let rad = 10.0 + rng.next_f64() * 50.0;
                    (rad * a.cos(), rad * a.sin())
                })
                .collect();
            let mut exterior: Vec<Coord<f64>> = ring.iter().map(|&(x, y)| Coord { x, y }).collect();
            exterior.push(exterior[0]);
            let holes = if case % 3 == 0 { vec![geo_types::LineString::from(vec![(-2.0, -2.0), (2.0, -2.0), (2.0, 2.0), (-2.0, 2.0), (-2.0, -2.0)])] } else { vec![] };
            let parcel = MultiPolygon(vec![geo_types::Polygon::new(geo_types::LineString(exterior), holes)]);
            let k = 1 + (rng.next_u64() % 3) as usize;
            let mut diameters: Vec<f64> = (0..k).map(|_| 4.0 + rng.next_f64() * 16.0).collect();
            diameters.sort_by(|a, b| b.total_cmp(a));
            let needs: Vec<LandNeed> = diameters.iter().enumerate().map(|(i, &d)| LandNeed { key: format!("c{i}"), area_m2: 0.0, width_m: d }).collect();
            let fast = place_together(&parcel, f64::INFINITY, &needs, &[]).ok();
            assert_eq!(fast, place_by_visiting_every_point(&parcel, &diameters), "case {case}: diameters {diameters:?}");
        }
    }
}
