//! Obstacles: what is not free land around the target estates, how far around each it is not free
//! either, and the overlay that takes them out of a search area (`subtract_obstacles`). Both the single
//! overlay of [`super::candidates`] and the tiles of [`super::open_land_tiles`] use it.
//!
//! Not free, with its clearance (the buffer distance around it):
//! - buildings, [`BUILDING_CLEARANCE_M`] (3 m: fire separation and access);
//! - walkable and driven ways, half their carriageway width, [`road_half_width_m`];
//! - water and rail barriers: areas as mapped, lines by [`barrier_half_width_m`];
//! - existing facilities' areas, as mapped (a park or school is not idle land);
//! - protected land (the profile's `[[protected_land]]` classes marked protected: parks, woods, water,
//!   cemeteries, pitches and playgrounds, pedestrian squares, school and hospital grounds, heritage,
//!   military land), as mapped.
//!
//! The overlay groups the obstacles by clearance and takes from the search area, per clearance, one
//! dissolved GEOS buffer of its polygons and one of its lines ([`crate::geometry::buffer`]), one GEOS
//! difference each ([`crate::geometry::overlay`]). Clearances are taken in ascending order, polygons
//! before lines: GEOS's result depends on that order, which depends only on the input.
//!
//! ```
//! use lifecircle::siting::obstacles::{barrier_half_width_m, road_half_width_m};
//! assert_eq!(road_half_width_m("primary"), 12.0);
//! assert_eq!(road_half_width_m("footway"), 1.5);
//! assert_eq!(barrier_half_width_m("river"), 10.0);
//! assert_eq!(barrier_half_width_m("secondary"), 9.0); // a road drawn as a barrier: its half width
//! ```

use crate::error::{Error, Result};
use crate::geometry::ogr::{GeosError, OgrGeometry};
use crate::geometry::rect;
use crate::model::{Dataset, FacilityGeometry};
use geo::{BoundingRect, Intersects};
use geo_types::{Coord, Geometry, LineString, MultiLineString, MultiPolygon, Polygon, Rect};

/// Clearance kept around every building (fire separation and access), metres.
pub const BUILDING_CLEARANCE_M: f64 = 3.0;

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

/// The internal error of a failed GEOS step (`what`: conversion, buffer, difference ...) of the open-land
/// overlay.
pub(crate) fn geos_failed(what: &'static str) -> impl Fn(GeosError) -> Error {
    move |e| e.internal(&format!("{what} while deriving open land"))
}

/// Buffer a set of polygons or lines by `m` through GEOS (the buffer of a multi-geometry is dissolved);
/// `None` when there is nothing to buffer.
pub(crate) fn geos_buffered(g: &Geometry<f64>, m: f64) -> Result<Option<OgrGeometry>> {
    let empty = match g {
        Geometry::MultiPolygon(mp) => mp.0.is_empty(),
        Geometry::MultiLineString(ml) => ml.0.is_empty(),
        _ => false,
    };
    if empty {
        return Ok(None);
    }
    let held = OgrGeometry::from_geo(g).map_err(geos_failed("conversion"))?;
    Ok(Some(held.buffer(m).map_err(geos_failed("buffer"))?))
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
/// dataset order (buildings, ways, barriers, facility areas, protected land).
pub fn obstacles_near<'a>(data: &'a Dataset, near: Rect<f64>) -> Vec<Obstacle<'a>> {
    let mut out = Vec::new();
    let mut push = |clearance_m: f64, shape: ObstacleShape<'a>| {
        let meets = shape.bounding_rect().is_some_and(|r| rect::grown(r, clearance_m).intersects(&near));
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
    for p in data.protected_land.iter().filter(|p| p.protected) {
        push(0.0, ObstacleShape::Area(&p.polygon));
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
pub(crate) fn subtract_obstacles<'a>(mut free: OgrGeometry, obstacles: impl IntoIterator<Item = &'a Obstacle<'a>>, window: Option<Rect<f64>>) -> Result<OgrGeometry> {
    let mut groups: std::collections::BTreeMap<u64, ObstacleGroup> = Default::default();
    for o in obstacles {
        let entry = groups.entry(o.clearance_m.to_bits()).or_default();
        let reach = window.map(|w| rect::grown(w, o.clearance_m + 1.0));
        let mut polygon = |p: &Polygon<f64>| -> Result<()> {
            match reach {
                Some(r) if p.exterior().0.len() + p.interiors().iter().map(|i| i.0.len()).sum::<usize>() > CUT_POLYGONS_ABOVE
                    && p.bounding_rect().is_some_and(|b| !rect::lies_within(b, r)) =>
                {
                    let held = OgrGeometry::from_geo(p).map_err(geos_failed("conversion"))?;
                    let window = OgrGeometry::from_geo(&r.to_polygon()).map_err(geos_failed("conversion"))?;
                    let cut = held.intersection(&window).map_err(geos_failed("intersection"))?;
                    entry.0.extend(cut.polygons().map_err(geos_failed("conversion"))?);
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
                Some(dissolved) => Geometry::MultiPolygon(MultiPolygon(dissolved.polygons().map_err(geos_failed("conversion"))?)),
                None => polys,
            },
            _ => polys,
        };
        for g in [polys, Geometry::MultiLineString(MultiLineString(lines))] {
            if let Some(obstacle) = geos_buffered(&g, m)? {
                free = free.difference(&obstacle).map_err(geos_failed("difference"))?;
            }
        }
    }
    Ok(free)
}

/// Polygons with more vertices than this are cut to a tile's window before buffering.
pub const CUT_POLYGONS_ABOVE: usize = 64;

/// The runs of consecutive segments of `line` whose bounding box meets `r` (whole segments, uncut).
fn runs_meeting(line: &LineString<f64>, r: Rect<f64>) -> Vec<LineString<f64>> {
    if line.bounding_rect().is_some_and(|b| rect::lies_within(b, r)) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::coord;

    #[test]
    fn runs_meeting_a_window_keep_whole_segments() {
        let w = Rect::new(coord! { x: 0., y: 0. }, coord! { x: 10., y: 10. });
        // Inside: kept as it is.
        let inside = LineString::from(vec![(1., 1.), (2., 2.)]);
        assert_eq!(runs_meeting(&inside, w), vec![inside.clone()]);
        // In, out far away, in again: two runs; the segments that reach the window are whole.
        let zigzag = LineString::from(vec![(5., 5.), (20., 5.), (40., 5.), (60., 5.), (8., 8.), (9., 9.)]);
        assert_eq!(
            runs_meeting(&zigzag, w),
            vec![LineString::from(vec![(5., 5.), (20., 5.)]), LineString::from(vec![(60., 5.), (8., 8.), (9., 9.)])]
        );
        // Never near: nothing.
        assert!(runs_meeting(&LineString::from(vec![(50., 50.), (60., 60.)]), w).is_empty());
    }

    #[test]
    fn obstacles_near_a_window_with_their_clearances() {
        use crate::model::{Building, Way};
        use geo_types::polygon;
        let mut data = Dataset::default();
        // A building 2 m beyond the window: its 3 m clearance reaches in. A footway 2 m beyond: its 1.5 m
        // half width does not.
        data.buildings.push(Building {
            id: "b1".into(),
            footprint: MultiPolygon(vec![polygon![(x: 12., y: 0.), (x: 15., y: 0.), (x: 15., y: 3.), (x: 12., y: 3.)]]),
            levels: None,
            use_: "yes".into(),
            residential: false,
            lift: None,
        });
        data.ways.push(Way { id: "w1".into(), line: LineString::from(vec![(12., 0.), (12., 10.)]), tags: [("highway".to_string(), "footway".to_string())].into() });
        let near = obstacles_near(&data, Rect::new(coord! { x: 0., y: 0. }, coord! { x: 10., y: 10. }));
        assert_eq!(near.len(), 1);
        assert_eq!(near[0].clearance_m, BUILDING_CLEARANCE_M);
    }
}
