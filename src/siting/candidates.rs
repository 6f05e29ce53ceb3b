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
use geo_types::{Geometry, LineString, MultiLineString, MultiPolygon, Polygon, Rect};

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

/// Obstacle polygons and lines that share one buffer distance.
type ObstacleGroup = (Vec<Polygon<f64>>, Vec<LineString<f64>>);

/// Free land near the target estates: see the module doc. Pieces below `min_area_m2` are dropped. Ids are
/// `open:<n>` in order of the pieces' lower-left corners, so they are stable across runs.
pub fn open_land_candidates(data: &Dataset, target_estates: &[u32], search_m: f64, min_area_m2: f64) -> Result<Vec<Candidate>> {
    if target_estates.is_empty() {
        return Ok(Vec::new());
    }
    let targets = MultiPolygon(target_estates.iter().flat_map(|&e| data.estates[e as usize].polygon.0.iter().cloned()).collect());
    let Some(area) = geos_buffered(&Geometry::MultiPolygon(targets), search_m)? else { return Ok(Vec::new()) };
    let area_geo = to_multipolygon(area.to_geo().map_err(geos_error("conversion"))?);
    let Some(bbox) = area_geo.bounding_rect() else { return Ok(Vec::new()) };
    let near = |g: Option<Rect<f64>>| g.is_some_and(|r| r.intersects(&bbox));

    // Obstacles grouped by buffer distance: one GEOS buffer per group.
    let mut groups: std::collections::BTreeMap<u64, ObstacleGroup> = Default::default();
    let mut add = |m: f64, g: &Geometry<f64>| {
        let entry = groups.entry(m.to_bits()).or_default();
        match g {
            Geometry::Polygon(p) => entry.0.push(p.clone()),
            Geometry::MultiPolygon(mp) => entry.0.extend(mp.0.iter().cloned()),
            Geometry::LineString(l) => entry.1.push(l.clone()),
            Geometry::MultiLineString(ml) => entry.1.extend(ml.0.iter().cloned()),
            _ => {}
        }
    };
    for b in &data.buildings {
        if near(b.footprint.bounding_rect()) {
            add(BUILDING_CLEARANCE_M, &Geometry::MultiPolygon(b.footprint.clone()));
        }
    }
    for w in &data.ways {
        if near(w.line.bounding_rect()) {
            let class = w.tags.get("highway").or_else(|| w.tags.get("railway")).map_or("", String::as_str);
            add(road_half_width_m(class), &Geometry::LineString(w.line.clone()));
        }
    }
    for b in &data.barriers {
        if near(b.geometry.bounding_rect()) {
            let m = match &b.geometry {
                Geometry::Polygon(_) | Geometry::MultiPolygon(_) => 0.0,
                _ => barrier_half_width_m(&b.class),
            };
            add(m, &b.geometry);
        }
    }
    for f in &data.facilities {
        if let FacilityGeometry::Area(a) = &f.geometry
            && near(a.bounding_rect())
        {
            add(0.0, &Geometry::MultiPolygon(a.clone()));
        }
    }
    let mut free = area;
    for (bits, (polys, lines)) in groups {
        let m = f64::from_bits(bits);
        for g in [Geometry::MultiPolygon(MultiPolygon(polys)), Geometry::MultiLineString(MultiLineString(lines))] {
            if let Some(obstacle) = geos_buffered(&g, m)? {
                free = free.difference(&obstacle).ok_or_else(|| Error::Internal("GEOS difference while deriving open land failed".into()))?;
            }
        }
    }
    let mut pieces: Vec<Polygon<f64>> =
        to_multipolygon(free.to_geo().map_err(geos_error("conversion"))?).0.into_iter().filter(|p| p.unsigned_area() >= min_area_m2.max(1.0)).collect();
    let corner = |p: &Polygon<f64>| p.bounding_rect().map_or((0.0, 0.0), |r| (r.min().x, r.min().y));
    pieces.sort_by(|a, b| {
        let (ca, cb) = (corner(a), corner(b));
        ca.0.total_cmp(&cb.0).then(ca.1.total_cmp(&cb.1)).then(a.unsigned_area().total_cmp(&b.unsigned_area()))
    });
    Ok(pieces.into_iter().enumerate().map(|(i, p)| Candidate::new(format!("open:{}", i + 1), DERIVED_ORIGIN.to_string(), MultiPolygon(vec![p]))).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Building, Estate, EstateSource, PopulationSource, Way};
    use geo::{Contains, Distance, Euclidean};
    use geo_types::{Coord, polygon};

    fn estate(id: &str, x0: f64, y0: f64, size: f64) -> Estate {
        Estate {
            id: id.into(),
            name: None,
            polygon: MultiPolygon(vec![polygon![(x: x0, y: y0), (x: x0 + size, y: y0), (x: x0 + size, y: y0 + size), (x: x0, y: y0 + size)]]),
            source: EstateSource::Layer,
            population: 1000.0,
            households: 400.0,
            population_source: PopulationSource::Layer,
            floor_area_m2: 0.0,
            n_buildings: 0,
            built_year: None,
            survey: Default::default(),
        }
    }

    #[test]
    fn open_land_excludes_buildings_and_roads() {
        let mut data = Dataset::default();
        data.estates.push(estate("e1", 0.0, 0.0, 100.0));
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
