//! Candidate land for new facilities: the dataset's idle-land parcels (explicit), and open land derived
//! around the target estates.
//!
//! **Explicit** candidates are `Dataset.parcels` (OSM idle land such as `landuse=brownfield`, or a planner's
//! layer); their origin reads `osm:<tag>` or `layer`.
//!
//! **Derived** open land (origin `derived:open_land`) is the target estates' outlines grown by `search_m`
//! and dissolved, minus everything that is not free:
//! - buildings grown by [`BUILDING_CLEARANCE_M`] (3 m);
//! - walkable and driven ways grown by half their carriageway width, [`road_half_width_m`];
//! - water and rail barriers (areas as mapped, lines grown by [`barrier_half_width_m`]);
//! - existing facilities' areas (a park or school is not idle land).
//!
//! The overlay runs in GEOS through GDAL (`OGR_G_Buffer`, `OGR_G_Union`, `OGR_G_Difference`): geo 0.33's
//! boolean operations may return invalid output on the many touching polygons of a city block, while GEOS
//! is robust there. The result is split into its connected polygons and pieces smaller than the smallest
//! land need of the categories being sited are dropped, which keeps the candidate count manageable.
//!
//! ```
//! use lifecircle::siting::candidates::road_half_width_m;
//! assert_eq!(road_half_width_m("primary"), 12.0);
//! assert_eq!(road_half_width_m("footway"), 1.5);
//! ```

use super::fit::{InscribedCircle, largest_inscribed_circle};
use crate::error::{Error, Result};
use crate::model::{Dataset, FacilityGeometry, Parcel};
use gdal::vector::{Geometry as GdalGeometry, ToGdal};
use geo::{Area, BoundingRect, Intersects};
use geo_types::{Coord, Geometry, LineString, MultiLineString, MultiPolygon, Polygon, Rect};

/// Clearance kept around every building (fire separation and access), metres.
pub const BUILDING_CLEARANCE_M: f64 = 3.0;
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

/// Half the carriageway (or path) width of a `highway=*` class, metres: the buffer that keeps a site off
/// the road. Values are typical urban cross-sections (CJJ 37-2012 lane widths of 3.5 m plus
/// pavements): trunk/motorway 15, primary 12, secondary 9, tertiary 7, residential/unclassified/living
/// street 5, service/pedestrian 3, footway/path/cycleway/steps 1.5; other values 3.
pub fn road_half_width_m(highway: &str) -> f64 {
    match highway {
        "motorway" | "trunk" | "motorway_link" | "trunk_link" => 15.0,
        "primary" | "primary_link" => 12.0,
        "secondary" | "secondary_link" => 9.0,
        "tertiary" | "tertiary_link" => 7.0,
        "residential" | "unclassified" | "living_street" => 5.0,
        "service" | "pedestrian" | "track" => 3.0,
        "footway" | "path" | "cycleway" | "steps" | "bridleway" | "corridor" => 1.5,
        _ => 3.0,
    }
}

/// Half width of a barrier drawn as a line: rivers and canals 10 m, railways 5 m, roads by
/// [`road_half_width_m`].
pub fn barrier_half_width_m(class: &str) -> f64 {
    match class {
        "river" | "canal" | "water" => 10.0,
        "rail" | "light_rail" | "narrow_gauge" => 5.0,
        other => road_half_width_m(other),
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

fn geos_error(what: &str) -> impl Fn(gdal::errors::GdalError) -> Error + '_ {
    move |e| Error::Internal(format!("GEOS {what} while deriving open land failed: {e}"))
}

fn to_multipolygon(g: Geometry<f64>) -> MultiPolygon<f64> {
    match g {
        Geometry::Polygon(p) => MultiPolygon(vec![p]),
        Geometry::MultiPolygon(mp) => mp,
        Geometry::GeometryCollection(gc) => MultiPolygon(gc.0.into_iter().flat_map(|g| to_multipolygon(g).0).collect()),
        _ => MultiPolygon(Vec::new()),
    }
}

/// Buffer a set of polygons or lines by `m` through GEOS (the buffer of a multi-geometry is dissolved).
fn geos_buffered(g: &Geometry<f64>, m: f64) -> Result<Option<GdalGeometry>> {
    let empty = match g {
        Geometry::MultiPolygon(mp) => mp.0.is_empty(),
        Geometry::MultiLineString(ml) => ml.0.is_empty(),
        _ => false,
    };
    if empty {
        return Ok(None);
    }
    let gg = g.to_gdal().map_err(geos_error("conversion"))?;
    Ok(Some(gg.buffer(m, 4).map_err(geos_error("buffer"))?))
}

/// Something that is not free land, and how far around it is not free either.
#[derive(Debug, Clone, Copy)]
pub struct Obstacle<'a> {
    /// Buffer distance, metres (0 for areas taken as mapped).
    pub clearance_m: f64,
    pub shape: ObstacleShape<'a>,
}

/// The geometry of an [`Obstacle`], borrowed from the dataset.
#[derive(Debug, Clone, Copy)]
pub enum ObstacleShape<'a> {
    Area(&'a MultiPolygon<f64>),
    Line(&'a LineString<f64>),
    Geometry(&'a Geometry<f64>),
}

impl ObstacleShape<'_> {
    pub fn bounding_rect(&self) -> Option<Rect<f64>> {
        match self {
            ObstacleShape::Area(a) => a.bounding_rect(),
            ObstacleShape::Line(l) => l.bounding_rect(),
            ObstacleShape::Geometry(g) => g.bounding_rect(),
        }
    }
}

/// Every obstacle of the module doc whose bounding rectangle, grown by its clearance, meets `near`, in
/// dataset order (buildings, ways, barriers, facility areas).
pub fn obstacles_near<'a>(data: &'a Dataset, near: Rect<f64>) -> Vec<Obstacle<'a>> {
    let mut out = Vec::new();
    let mut push = |clearance_m: f64, shape: ObstacleShape<'a>| {
        let meets = shape.bounding_rect().is_some_and(|r| {
            Rect::new((r.min().x - clearance_m, r.min().y - clearance_m), (r.max().x + clearance_m, r.max().y + clearance_m)).intersects(&near)
        });
        if meets {
            out.push(Obstacle { clearance_m, shape });
        }
    };
    for b in &data.buildings {
        push(BUILDING_CLEARANCE_M, ObstacleShape::Area(&b.footprint));
    }
    for w in &data.ways {
        let class = w.tags.get("highway").or_else(|| w.tags.get("railway")).map_or("", String::as_str);
        push(road_half_width_m(class), ObstacleShape::Line(&w.line));
    }
    for b in &data.barriers {
        let m = match &b.geometry {
            Geometry::Polygon(_) | Geometry::MultiPolygon(_) => 0.0,
            _ => barrier_half_width_m(&b.class),
        };
        push(m, ObstacleShape::Geometry(&b.geometry));
    }
    for f in &data.facilities {
        if let FacilityGeometry::Area(a) = &f.geometry {
            push(0.0, ObstacleShape::Area(a));
        }
    }
    out
}

/// Obstacle polygons and lines that share one buffer distance.
type ObstacleGroup = (Vec<Polygon<f64>>, Vec<LineString<f64>>);

/// `free` minus every obstacle grown by its clearance: one dissolved GEOS buffer per clearance (polygons
/// and lines apart), one GEOS difference each.
///
/// With `window`, only the part of `free` inside that rectangle matters (the caller's tile): each obstacle
/// is first cut to the window grown by its clearance plus 1 m, which leaves its buffer inside the window
/// unchanged (a point of the window within the clearance of the obstacle is within it of the cut
/// obstacle, and the cut edges lie 1 m beyond the buffer's reach). Lines keep only the runs of
/// segments whose box meets the grown window; polygons with more than [`CUT_POLYGONS_ABOVE`] vertices
/// that stick out of it (a river, a big park) are cut by a GEOS intersection.
pub(crate) fn subtract_obstacles<'a>(mut free: GdalGeometry, obstacles: impl IntoIterator<Item = &'a Obstacle<'a>>, window: Option<Rect<f64>>) -> Result<GdalGeometry> {
    let mut groups: std::collections::BTreeMap<u64, ObstacleGroup> = Default::default();
    for o in obstacles {
        let entry = groups.entry(o.clearance_m.to_bits()).or_default();
        let reach = window.map(|w| grown_rect(w, o.clearance_m + 1.0));
        let mut polygon = |p: &Polygon<f64>| -> Result<()> {
            match reach {
                Some(r) if p.exterior().0.len() + p.interiors().iter().map(|i| i.0.len()).sum::<usize>() > CUT_POLYGONS_ABOVE
                    && p.bounding_rect().is_some_and(|b| !rect_within(b, r)) =>
                {
                    let cut = p.to_gdal().map_err(geos_error("conversion"))?.intersection(&r.to_polygon().to_gdal().map_err(geos_error("conversion"))?);
                    let cut = cut.ok_or_else(|| Error::Internal("GEOS intersection while deriving open land failed".into()))?;
                    entry.0.extend(gdal_polygons(&cut)?);
                }
                _ => entry.0.push(p.clone()),
            }
            Ok(())
        };
        let polys: &[Polygon<f64>] = match o.shape {
            ObstacleShape::Area(mp) | ObstacleShape::Geometry(Geometry::MultiPolygon(mp)) => &mp.0,
            ObstacleShape::Geometry(Geometry::Polygon(p)) => std::slice::from_ref(p),
            _ => &[],
        };
        for p in polys {
            polygon(p)?;
        }
        let lines: &[LineString<f64>] = match o.shape {
            ObstacleShape::Line(l) | ObstacleShape::Geometry(Geometry::LineString(l)) => std::slice::from_ref(l),
            ObstacleShape::Geometry(Geometry::MultiLineString(ml)) => &ml.0,
            _ => &[],
        };
        for l in lines {
            match reach {
                Some(r) => entry.1.extend(runs_meeting(l, r)),
                None => entry.1.push(l.clone()),
            }
        }
    }
    for (bits, (polys, lines)) in groups {
        let m = f64::from_bits(bits);
        let polys = Geometry::MultiPolygon(MultiPolygon(polys));
        // Tiled: dissolve the polygons first (a 0 m buffer), then grow the dissolved outline: the same
        // set, and 10-20× faster on a dense old town's terraced rows than growing every footprint
        // and dissolving the overlapping rings.
        let polys = match (window, m > 0.0) {
            (Some(_), true) => match geos_buffered(&polys, 0.0)? {
                Some(dissolved) => Geometry::MultiPolygon(to_multipolygon(dissolved.to_geo().map_err(geos_error("conversion"))?)),
                None => polys,
            },
            _ => polys,
        };
        for g in [polys, Geometry::MultiLineString(MultiLineString(lines))] {
            if let Some(obstacle) = geos_buffered(&g, m)? {
                free = free.difference(&obstacle).ok_or_else(|| Error::Internal("GEOS difference while deriving open land failed".into()))?;
            }
        }
    }
    Ok(free)
}

/// Polygons with more vertices than this are cut to a tile's window before buffering.
pub const CUT_POLYGONS_ABOVE: usize = 64;

fn grown_rect(r: Rect<f64>, by: f64) -> Rect<f64> {
    Rect::new((r.min().x - by, r.min().y - by), (r.max().x + by, r.max().y + by))
}

fn rect_within(inner: Rect<f64>, outer: Rect<f64>) -> bool {
    inner.min().x >= outer.min().x && inner.min().y >= outer.min().y && inner.max().x <= outer.max().x && inner.max().y <= outer.max().y
}

/// The runs of consecutive segments of `line` whose bounding box meets `r` (whole segments, uncut).
fn runs_meeting(line: &LineString<f64>, r: Rect<f64>) -> Vec<LineString<f64>> {
    if line.bounding_rect().is_some_and(|b| rect_within(b, r)) {
        return vec![line.clone()];
    }
    let mut runs = Vec::new();
    let mut run: Vec<Coord<f64>> = Vec::new();
    for seg in line.lines() {
        if seg.bounding_rect().intersects(&r) {
            if run.is_empty() {
                run.push(seg.start);
            }
            run.push(seg.end);
        } else if !run.is_empty() {
            runs.push(LineString(std::mem::take(&mut run)));
        }
    }
    if !run.is_empty() {
        runs.push(LineString(run));
    }
    runs
}

/// The polygons of a GEOS result.
pub(crate) fn gdal_polygons(g: &GdalGeometry) -> Result<Vec<Polygon<f64>>> {
    if g.is_empty() {
        return Ok(Vec::new());
    }
    Ok(to_multipolygon(g.to_geo().map_err(geos_error("conversion"))?).0)
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
    let area_geo = to_multipolygon(area.to_geo().map_err(geos_error("conversion"))?);
    let Some(bbox) = area_geo.bounding_rect() else { return Ok(Vec::new()) };
    let obstacles = obstacles_near(data, bbox);
    let free = subtract_obstacles(area, &obstacles, None)?;
    Ok(measured_open_land(gdal_polygons(&free)?, min_area_m2))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Building, Way};
    use crate::testing::{estate, square};
    use geo::{Contains, Distance, Euclidean};
    use geo_types::{Coord, polygon};

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
