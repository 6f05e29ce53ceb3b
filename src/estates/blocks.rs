//! Residential areas split into blocks (居住街坊) along the public streets that cross them.
//!
//! GB 50180-2018 (2.0.5) defines the residential block as the area enclosed by urban roads or natural
//! boundaries, 150-250 m a side \[M\]; a mapped `landuse=residential` area may instead cover a whole
//! neighbourhood of many blocks (one such polygon of 157 ha and 1,148 buildings became one "estate" of
//! 81,280 residents). Rule:
//! 1. the streets are the `highway=*` ways of the profile's `population.cluster_split_highways` (the same
//!    list that splits building clusters), not tunnels, not private (`walk.private_access_values`);
//! 2. an OSM residential area (source `osm_landuse`) minus the streets that meet it, each buffered by
//!    [`STREET_CUT_HALF_WIDTH_M`] (one GEOS buffer and difference), falls into pieces; pieces smaller than
//!    `estates.block_min_area_m2` are slivers between a street and the area's edge and are dropped;
//! 3. two or more pieces left: each is an estate of its own, id `<parent>-b<n>` (n from 1 by the pieces'
//!    lower-left corners), the parent's name and source, `notes.parent_id` = the parent's id. Fewer: the
//!    area stays one estate as mapped (a street that only enters it does not split it).
//!
//! Buildings in dropped slivers or on the street cut fall outside every estate and go to the building
//! clusters (or `cluster_too_small`) like any other: every building is still counted once.
//! A GEOS failure leaves that area unsplit, with a warning. `estates.split_into_blocks = false` in the
//! profile keeps every area as mapped.
//!
//! ```
//! use geo_types::LineString;
//! use lifecircle::estates::blocks::split_into_blocks;
//! use lifecircle::model::{EstateSource, Way};
//! use lifecircle::profile::Profile;
//! use lifecircle::testing::{estate, square};
//! let profile = Profile::default_profile();
//! let mut area = estate("w1", square(0.0, 0.0, 200.0));
//! area.source = EstateSource::OsmLanduse;
//! // A residential street across the middle, x = 100.
//! let street = Way { id: "w2".into(), line: LineString::from(vec![(100.0, -50.0), (100.0, 250.0)]), tags: [("highway".to_string(), "residential".to_string())].into() };
//! let blocks = split_into_blocks(vec![area], &[street], &profile);
//! assert_eq!(blocks.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(), ["w1-b1", "w1-b2"]);
//! assert_eq!(blocks[1].notes.parent_id.as_deref(), Some("w1"));
//! ```

use crate::geometry::ogr::OgrGeometry;
use crate::index::SpatialIndex;
use crate::model::{Estate, EstateSource, Way};
use crate::profile::Profile;
use geo::{Area, BoundingRect};
use geo_types::{Geometry, MultiLineString, MultiPolygon, Polygon};

/// Half the width of the cut a street makes through a residential area, metres: enough to part the
/// pieces cleanly, small enough to keep the buildings along the street in their block.
pub const STREET_CUT_HALF_WIDTH_M: f64 = 0.5;

/// Every estate, with each OSM residential area crossed by public streets replaced by its blocks (module
/// doc); order kept, blocks in place of their parent.
pub fn split_into_blocks(estates: Vec<Estate>, ways: &[Way], profile: &Profile) -> Vec<Estate> {
    if !profile.estates.split_into_blocks {
        return estates;
    }
    let split = &profile.population.cluster_split_highways;
    let private = &profile.walk.private_access_values;
    let streets: Vec<&Way> = ways
        .iter()
        .filter(|w| {
            let tag = |k: &str| w.tags.get(k).map(String::as_str);
            tag("highway").is_some_and(|h| split.iter().any(|s| s == h))
                && tag("tunnel").is_none_or(|t| t == "no")
                && !tag("access").is_some_and(|a| private.iter().any(|p| p == a))
                && !tag("foot").is_some_and(|a| private.iter().any(|p| p == a))
        })
        .collect();
    let street_index = SpatialIndex::new(&streets);
    let mut out = Vec::with_capacity(estates.len());
    for e in estates {
        if e.source != EstateSource::OsmLanduse {
            out.push(e);
            continue;
        }
        match blocks_of(&e, &street_index, profile.estates.block_min_area_m2) {
            Ok(Some(pieces)) => {
                for (n, polygon) in pieces.into_iter().enumerate() {
                    let mut block = Estate::unpopulated(format!("{}-b{}", e.id, n + 1), e.name.clone(), polygon, e.source);
                    block.built_year = e.built_year;
                    block.survey = e.survey.clone();
                    block.notes = e.notes.clone();
                    block.notes.parent_id = Some(e.id.clone());
                    out.push(block);
                }
            }
            Ok(None) => out.push(e),
            Err(why) => {
                tracing::warn!("estate {}: not split into blocks ({why})", e.id);
                out.push(e);
            }
        }
    }
    out
}

/// The blocks of one area (two or more, ordered by lower-left corner), or `None` when the streets do not
/// split it.
/// The streets are found through their R-tree (an area is met by a handful of the city's streets), in their
/// order in the layer.
fn blocks_of(e: &Estate, streets: &SpatialIndex<&Way>, min_area_m2: f64) -> Result<Option<Vec<MultiPolygon<f64>>>, String> {
    let crossing: Vec<_> = streets.intersecting(&Geometry::MultiPolygon(e.polygon.clone())).into_iter().map(|i| streets.items()[i].line.clone()).collect();
    if crossing.is_empty() {
        return Ok(None);
    }
    fn geos(what: &'static str) -> impl Fn(crate::geometry::ogr::GeosError) -> String {
        move |err| format!("GEOS {what}: {err}")
    }
    let cut = OgrGeometry::from_geo(&Geometry::MultiLineString(MultiLineString(crossing))).map_err(geos("conversion"))?;
    let cut = cut.buffer(STREET_CUT_HALF_WIDTH_M).map_err(geos("buffer"))?;
    let area = OgrGeometry::from_geo(&e.polygon).map_err(geos("conversion"))?;
    let rest = area.difference(&cut).map_err(geos("difference"))?;
    let mut pieces: Vec<(f64, f64, Polygon<f64>)> = rest
        .polygons()
        .map_err(geos("conversion"))?
        .into_iter()
        .filter(|p| p.unsigned_area() >= min_area_m2)
        .filter_map(|p| p.bounding_rect().map(|r| (r.min().x, r.min().y, p)))
        .collect();
    if pieces.len() < 2 {
        return Ok(None);
    }
    pieces.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    Ok(Some(pieces.into_iter().map(|(_, _, p)| MultiPolygon(vec![p])).collect()))
}
