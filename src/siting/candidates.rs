//! Candidate land for new facilities: the dataset's idle-land parcels (explicit), and open land derived
//! around the target estates.
//!
//! **Explicit** candidates are `Dataset.parcels` (OSM idle land such as `landuse=brownfield`, or a planner's
//! layer); their origin reads `osm:<tag>` or `layer`.
//!
//! **Derived** open land (origin `derived:open_land`) is the target estates' outlines grown by `search_m`
//! and dissolved, minus everything that is not free ([`super::obstacles`]: buildings, ways, water and
//! rail, existing facilities' areas, each with its clearance).
//!
//! The overlay runs in GEOS ([`crate::geometry`]: buffer, difference): geo 0.33's boolean operations may
//! return invalid output on the many touching polygons of a city block, while GEOS is robust there. It
//! runs per tile ([`super::open_land_tiles`]); [`open_land_candidates_single_overlay`] is the one-piece
//! overlay kept as its oracle. The result is split into its connected polygons and pieces smaller than
//! the smallest land need of the categories being sited are dropped, which keeps the candidate count
//! manageable.
//!
//! ```
//! use geo_types::{polygon, MultiPolygon};
//! use lifecircle::model::Parcel;
//! use lifecircle::siting::candidates::explicit_candidates;
//! let yard = MultiPolygon(vec![polygon![(x: 0., y: 0.), (x: 30., y: 0.), (x: 30., y: 20.), (x: 0., y: 20.)]]);
//! let parcel = Parcel { id: "w9".into(), polygon: yard, origin: "landuse=brownfield".into() };
//! let c = &explicit_candidates(&[parcel])[0];
//! assert_eq!((c.id.as_str(), c.origin.as_str(), c.area_m2), ("parcel:w9", "osm:landuse=brownfield", 600.0));
//! assert!((c.max_inscribed_diameter_m() - 20.0).abs() < 0.2); // a 20 m disc fits the 30 × 20 m yard
//! ```

use super::fit::{InscribedCircle, largest_inscribed_circle};
use super::obstacles::{geos_buffered, geos_failed, obstacles_near, subtract_obstacles};
use crate::error::Result;
use crate::model::{Dataset, Parcel};
use geo::{Area, BoundingRect};
use geo_types::{Geometry, MultiPolygon, Polygon};

/// Precision of the inscribed-circle search, metres.
pub const INSCRIBED_PRECISION_M: f64 = 0.1;
/// Origin of derived open land.
pub const DERIVED_ORIGIN: &str = "derived:open_land";

/// A piece of land that might host a facility.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub id: String,
    /// `osm:landuse=grass`, `layer`, `derived:open_land`.
    pub origin: String,
    pub polygon: MultiPolygon<f64>,
    pub area_m2: f64,
    /// `None` for a degenerate polygon (no disc fits).
    pub circle: Option<InscribedCircle>,
}

impl Candidate {
    /// Measure a polygon: area and largest inscribed circle.
    pub fn new(id: String, origin: String, polygon: MultiPolygon<f64>) -> Candidate {
        let area_m2 = polygon.unsigned_area();
        let circle = largest_inscribed_circle(&polygon, INSCRIBED_PRECISION_M);
        Candidate { id, origin, polygon, area_m2, circle }
    }

    pub fn max_inscribed_diameter_m(&self) -> f64 {
        self.circle.map_or(0.0, |c| c.diameter_m())
    }
}

/// The origin of an explicit parcel as written in outputs.
pub fn parcel_origin(parcel: &Parcel) -> String {
    if parcel.origin == "layer" || parcel.origin.starts_with("osm:") { parcel.origin.clone() } else { format!("osm:{}", parcel.origin) }
}

/// One candidate per parcel, ids `parcel:<id>`.
pub fn explicit_candidates(parcels: &[Parcel]) -> Vec<Candidate> {
    parcels.iter().map(|p| Candidate::new(format!("parcel:{}", p.id), parcel_origin(p), p.polygon.clone())).collect()
}

/// Explicit candidates with protected land taken out (GB 50180-2018 keeps parks, green space and public
/// open space as their own land use; the profile's `[[protected_land]]` classes marked protected): a
/// candidate that meets protected areas loses the part inside them (one GEOS difference) and is measured
/// again; one left with less than 1 m² keeps its shape and gets the protected areas that exclude it
/// (`protected_land: lies in park w12 (leisure=park)` in its layer), so it stays in the `candidates` layer.
pub fn outside_protected_land(data: &Dataset, candidates: Vec<Candidate>) -> Result<Vec<(Candidate, Option<Vec<super::ProtectedHit>>)>> {
    use super::obstacles::{Obstacle, ObstacleShape};
    let protected: Vec<&crate::model::ProtectedArea> = data.protected_land.iter().filter(|p| p.protected).collect();
    let shapes: Vec<&MultiPolygon<f64>> = protected.iter().map(|p| &p.polygon).collect();
    let index = crate::index::SpatialIndex::new(&shapes);
    let mut out = Vec::with_capacity(candidates.len());
    for c in candidates {
        let meeting: Vec<&crate::model::ProtectedArea> = index.intersecting(&Geometry::MultiPolygon(c.polygon.clone())).into_iter().map(|i| protected[i]).collect();
        if meeting.is_empty() {
            out.push((c, None));
            continue;
        }
        let obstacles: Vec<Obstacle<'_>> = meeting.iter().map(|p| Obstacle { clearance_m: 0.0, shape: ObstacleShape::Area(&p.polygon) }).collect();
        let held = crate::geometry::ogr::OgrGeometry::from_geo(&c.polygon).map_err(geos_failed("conversion"))?;
        let rest = MultiPolygon(subtract_obstacles(held, &obstacles, None)?.polygons().map_err(geos_failed("conversion"))?);
        if rest.unsigned_area() >= 1.0 {
            out.push((Candidate::new(c.id, c.origin, rest), None));
        } else {
            let hits = meeting.iter().map(|p| super::ProtectedHit { class: p.class.clone(), id: p.id.clone(), matched_by: p.matched_by.clone() }).collect();
            out.push((c, Some(hits)));
        }
    }
    Ok(out)
}

/// Free land near the target estates: see the module doc. Pieces below `min_area_m2` are dropped. Ids are
/// `open:<n>` in order of the pieces' lower-left corners, so they are stable across runs.
///
/// The overlay runs per tile in parallel and stitches pieces cut by tile edges back together
/// ([`super::open_land_tiles`]); the result equals [`open_land_candidates_single_overlay`] up to
/// GEOS's rounding, whatever the thread count.
pub fn open_land_candidates(data: &Dataset, target_estates: &[u32], search_m: f64, min_area_m2: f64) -> Result<Vec<Candidate>> {
    let started = std::time::Instant::now();
    let pieces = super::open_land_tiles::free_land_tiled(data, target_estates, search_m, min_area_m2.max(1.0))?;
    let overlay_s = started.elapsed().as_secs_f64();
    let candidates = measured_open_land(pieces, min_area_m2);
    tracing::debug!(pieces = candidates.len(), overlay_s, seconds = started.elapsed().as_secs_f64(), "derived open land");
    Ok(candidates)
}

/// The straightforward overlay [`open_land_candidates`] replaces, kept as its oracle in tests and
/// benchmarks: one dissolved buffer of all target estates, one dissolved buffer per obstacle clearance,
/// one GEOS difference each. Same output contract.
pub fn open_land_candidates_single_overlay(data: &Dataset, target_estates: &[u32], search_m: f64, min_area_m2: f64) -> Result<Vec<Candidate>> {
    if target_estates.is_empty() {
        return Ok(Vec::new());
    }
    let targets = MultiPolygon(target_estates.iter().flat_map(|&e| data.estates[e as usize].polygon.0.iter().cloned()).collect());
    let Some(area) = geos_buffered(&Geometry::MultiPolygon(targets), search_m)? else { return Ok(Vec::new()) };
    let area_geo = MultiPolygon(area.polygons().map_err(geos_failed("conversion"))?);
    let Some(bbox) = area_geo.bounding_rect() else { return Ok(Vec::new()) };
    let obstacles = obstacles_near(data, bbox);
    let free = subtract_obstacles(area, &obstacles, None)?;
    Ok(measured_open_land(free.polygons().map_err(geos_failed("conversion"))?, min_area_m2))
}

/// Drop pieces below `min_area_m2` (and below 1 m²), order them by lower-left corner then area, number
/// them `open:<n>` and measure each (in parallel; the order does not depend on it).
fn measured_open_land(pieces: Vec<Polygon<f64>>, min_area_m2: f64) -> Vec<Candidate> {
    use rayon::prelude::*;
    let mut pieces: Vec<(f64, f64, f64, Polygon<f64>)> = pieces
        .into_iter()
        .filter_map(|p| {
            let area = p.unsigned_area();
            let r = p.bounding_rect()?;
            (area >= min_area_m2.max(1.0)).then_some((r.min().x, r.min().y, area, p))
        })
        .collect();
    pieces.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)).then(a.2.total_cmp(&b.2)));
    pieces
        .into_par_iter()
        .enumerate()
        .map(|(i, (_, _, _, p))| Candidate::new(format!("open:{}", i + 1), DERIVED_ORIGIN.to_string(), MultiPolygon(vec![p])))
        .collect()
}

/// A candidate's `origin` (or a site's `candidate_origin`) in the catalogue's language
/// (`siting_origin.*`): `derived:open_land`, `layer`, or an OSM rule (`osm:landuse=grass`, or the bare
/// rule as the idle-land layer writes it); any other text stays as it is.
pub fn origin_text_in(text: &str, catalogue: &crate::lang::Catalogue) -> String {
    match text {
        DERIVED_ORIGIN => catalogue.tr("siting_origin.open_land").to_string(),
        "layer" => catalogue.tr("siting_origin.layer").to_string(),
        _ => match text.strip_prefix("osm:").or_else(|| text.contains('=').then_some(text)) {
            Some(rule) => catalogue.tr_with("siting_origin.osm", &[("rule", &rule)]),
            None => text.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Building, Way};
    use crate::testing::{estate, square};

    #[test]
    fn origins_are_worded_in_both_languages_and_other_text_stays() {
        use crate::lang::{Catalogue, Lang};
        let (zh, en) = (Catalogue::of(Lang::Zh), Catalogue::of(Lang::En));
        assert_eq!(origin_text_in(DERIVED_ORIGIN, zh), "推算的闲置用地（小区周边建筑、道路以外的用地）");
        assert_eq!(origin_text_in("layer", zh), "规划图层中的闲置用地");
        assert_eq!(origin_text_in("osm:landuse=grass", zh), "OSM 闲置用地（landuse=grass）");
        // The idle-land layer writes the rule without the prefix.
        assert_eq!(origin_text_in("landuse=brownfield", zh), "OSM 闲置用地（landuse=brownfield）");
        assert_eq!(origin_text_in("osm:landuse=grass", en), "OSM idle land (landuse=grass)");
        assert_eq!(origin_text_in("a surveyor's note", zh), "a surveyor's note");
    }
    use geo::{Contains, Distance, Euclidean};
    use geo_types::{Coord, LineString, polygon};

    #[test]
    fn open_land_excludes_buildings_and_roads() {
        let mut data = Dataset::default();
        data.estates.push(estate("e1", square(0.0, 0.0, 100.0)));
        // A 20 m building inside the estate and a residential street along y = 150.
        data.buildings.push(Building {
            id: "b1".into(),
            footprint: MultiPolygon(vec![polygon![(x: 40.0, y: 40.0), (x: 60.0, y: 40.0), (x: 60.0, y: 60.0), (x: 40.0, y: 60.0)]]),
            levels: None,
            use_: "residential".into(),
            residential: true,
            lift: None,
        });
        let street = LineString::from(vec![(-200.0, 150.0), (300.0, 150.0)]);
        data.ways.push(Way { id: "w1".into(), line: street.clone(), tags: [("highway".to_string(), "residential".to_string())].into() });
        let c = open_land_candidates(&data, &[0], 100.0, 100.0).unwrap();
        // The street (10 m wide band) cuts the 300 m square off at y in [145, 155]: two pieces.
        assert_eq!(c.len(), 2);
        let total: f64 = c.iter().map(|x| x.area_m2).sum();
        // Worked out: 300 × 300 rounded square (buffer 100, 4 segments per quarter circle) minus the band
        // 10 m wide across it, minus the 26 m (20 + 2 × 3, rounded corners) building square. The exact
        // rounded-corner area is not needed: stay below the square without the band and the building.
        assert!(total < 300.0 * 300.0 - 10.0 * 300.0 * 0.9 - 20.0 * 20.0, "{total}");
        for cand in &c {
            assert_eq!(cand.origin, DERIVED_ORIGIN);
            let poly = &cand.polygon;
            // Nothing of a candidate lies within 3 m of the building or 5 m of the street (up to GEOS's
            // polygonal approximation of the rounded buffer: 4 segments per quarter circle lose < 0.1 m).
            for p in poly.0.iter().flat_map(|p| p.exterior().0.iter()) {
                assert!(Euclidean.distance(&geo_types::Point(*p), &street) >= 5.0 - 1e-6, "{p:?}");
                let b = &data.buildings[0].footprint;
                assert!(Euclidean.distance(&geo_types::Point(*p), b) >= 3.0 * 0.92, "{p:?}");
            }
            assert!(!poly.contains(&geo_types::Point(Coord { x: 50.0, y: 50.0 })));
        }
    }

    #[test]
    fn tiled_overlay_equals_single_overlay_across_tile_edges() {
        // Two 200 m estates 150 m apart, searched 200 m around: a 950 × 600 m area over 4 × 3 tiles.
        // A residential street crosses it, a river (10 m each side) runs diagonally across tile
        // corners, and buildings sit on tile edges: parcels are cut by tiles and must come back whole.
        let mut data = Dataset::default();
        data.estates.push(estate("e1", square(0.0, 0.0, 200.0)));
        data.estates.push(estate("e2", square(350.0, 0.0, 200.0)));
        data.ways.push(Way { id: "w1".into(), line: LineString::from(vec![(-300.0, 100.0), (900.0, 120.0)]), tags: [("highway".to_string(), "residential".to_string())].into() });
        data.barriers.push(crate::model::Barrier { id: "r1".into(), geometry: Geometry::LineString(LineString::from(vec![(-250.0, -250.0), (800.0, 450.0)])), class: "river".into() });
        for (i, x) in [40.0, 240.0, 300.0, 500.0].into_iter().enumerate() {
            data.buildings.push(Building {
                id: format!("b{i}"),
                footprint: MultiPolygon(vec![polygon![(x: x, y: 150.0), (x: x + 25.0, y: 150.0), (x: x + 25.0, y: 180.0), (x: x, y: 180.0)]]),
                levels: None,
                use_: "residential".into(),
                residential: true,
                lift: None,
            });
        }
        let tiled = open_land_candidates(&data, &[0, 1], 200.0, 50.0).unwrap();
        let single = open_land_candidates_single_overlay(&data, &[0, 1], 200.0, 50.0).unwrap();
        // The street and the river cut the area into 4 big parcels (above/below the street, each side
        // of the river); the buildings only dent them.
        assert_eq!(tiled.len(), single.len());
        assert_eq!(tiled.len(), 4, "{:?}", tiled.iter().map(|c| c.area_m2).collect::<Vec<_>>());
        for (a, b) in tiled.iter().zip(&single) {
            assert!((a.area_m2 - b.area_m2).abs() <= 1e-6 * b.area_m2, "{} vs {}", a.area_m2, b.area_m2);
            assert_eq!(a.id, b.id);
        }
        // The same answer on one thread.
        let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
        assert_eq!(pool.install(|| open_land_candidates(&data, &[0, 1], 200.0, 50.0).unwrap()), tiled);
    }

    #[test]
    fn explicit_keep_origin() {
        let parcels = vec![
            Parcel { id: "w9".into(), polygon: MultiPolygon(vec![polygon![(x: 0.0, y: 0.0), (x: 30.0, y: 0.0), (x: 30.0, y: 20.0), (x: 0.0, y: 20.0)]]), origin: "landuse=grass".into() },
            Parcel { id: "p1".into(), polygon: MultiPolygon(vec![]), origin: "layer".into() },
        ];
        let c = explicit_candidates(&parcels);
        assert_eq!(c[0].origin, "osm:landuse=grass");
        assert_eq!(c[0].area_m2, 600.0);
        assert!((c[0].max_inscribed_diameter_m() - 20.0).abs() < 0.2);
        assert_eq!((c[1].origin.as_str(), c[1].area_m2, c[1].circle), ("layer", 0.0, None));
    }
}
