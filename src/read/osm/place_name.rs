//! The name of the place an extract covers (玄武区), for the default title of the report and the map.
//!
//! Read from the elements the decoder keeps anyway, in two steps:
//! 1. the named `place=*` nodes, the broadest kind first: city, then town, then county / district /
//!    municipality / borough, then suburb / quarter / village, then neighbourhood (squares, localities and
//!    the like name no area and are not used). Among several of the broadest kind present, the one
//!    nearest the centre of the file's nodes' bounding box (a city extract can hold the label nodes of its
//!    neighbours near the edge);
//! 2. else the named `boundary=administrative` relations: the lowest `admin_level` from 5 on (prefecture-level
//!    city in China; levels 2 to 4, country and province, are too broad for a planning area and come into
//!    an extract whenever one of their border ways does), ties broken by the most member ways the file
//!    holds (the boundary the extract holds most of), then by the smallest id.
//!
//! Each name is kept with its `name:zh` and `name:en` variants, so that an English title can say
//! "Xuanwu District" where the map has one. `None` when the file names no place: the title then uses the
//! file's name.
//!
//! Cost: one pass over the tagged nodes and relations (a few thousand), and one over the node positions
//! for the bounding box.

use super::pbf::{RawOsm, Tags, tag};
use crate::lang::Lang;
use serde::Serialize;

/// A place's name, in the variants the data has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct PlaceName {
    /// `name`.
    pub name: String,
    /// `name:zh`, when tagged.
    pub name_zh: Option<String>,
    /// `name:en`, when tagged.
    pub name_en: Option<String>,
}

impl PlaceName {
    /// The name for a reader of `lang`: `name:zh` / `name:en` when tagged, else `name`.
    pub fn in_lang(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => self.name_zh.as_deref(),
            Lang::En => self.name_en.as_deref(),
        }
        .unwrap_or(&self.name)
    }

    fn of(tags: &Tags) -> Option<PlaceName> {
        let text = |key: &str| tag(tags, key).map(str::trim).filter(|v| !v.is_empty()).map(str::to_string);
        Some(PlaceName { name: text("name")?, name_zh: text("name:zh"), name_en: text("name:en") })
    }
}

/// The `place=*` values used, broadest first; values on one row are equally broad.
const PLACE_RANKS: [&[&str]; 5] = [&["city"], &["town"], &["county", "district", "municipality", "borough"], &["suburb", "quarter", "village"], &["neighbourhood"]];

/// The tag keys the decoder must keep for [`place_name`].
pub(crate) const PLACE_KEYS: [&str; 6] = ["place", "boundary", "admin_level", "name", "name:zh", "name:en"];

/// The tag keys that make the decoder keep an element for [`place_name`].
pub(crate) const PLACE_WANTED_KEYS: [&str; 2] = ["place", "boundary"];

fn place_rank(tags: &Tags) -> Option<usize> {
    let value = tag(tags, "place")?;
    PLACE_RANKS.iter().position(|row| row.contains(&value))
}

/// The place the extract covers (see the module doc), or `None`.
pub(crate) fn place_name(raw: &RawOsm) -> Option<PlaceName> {
    from_place_nodes(raw).or_else(|| from_boundaries(raw))
}

fn from_place_nodes(raw: &RawOsm) -> Option<PlaceName> {
    let ranked: Vec<(usize, i64, &Tags)> = raw.tagged_nodes.iter().filter_map(|n| Some((place_rank(&n.tags)?, n.id, &n.tags))).filter(|(_, _, t)| PlaceName::of(t).is_some()).collect();
    let best = ranked.iter().map(|(rank, _, _)| *rank).min()?;
    let centre = centre_of_nodes(raw);
    let distance = |id: i64| match (raw.nodes.find(id), centre) {
        (Some(i), Some((cx, cy))) => {
            let (x, y) = raw.nodes.lon_lat(i);
            // Degrees of longitude shrink with latitude: compare in local degrees of latitude.
            let dx = (x - cx) * cy.to_radians().cos();
            dx * dx + (y - cy) * (y - cy)
        }
        _ => f64::INFINITY,
    };
    ranked.iter().filter(|(rank, _, _)| *rank == best).min_by(|a, b| distance(a.1).total_cmp(&distance(b.1)).then(a.1.cmp(&b.1))).and_then(|(_, _, tags)| PlaceName::of(tags))
}

/// The centre of the bounding box of every node of the file (lon, lat).
fn centre_of_nodes(raw: &RawOsm) -> Option<(f64, f64)> {
    let lon = raw.nodes.lon_e7.iter().copied();
    let lat = raw.nodes.lat_e7.iter().copied();
    let (lon_min, lon_max) = (lon.clone().min()?, lon.max()?);
    let (lat_min, lat_max) = (lat.clone().min()?, lat.max()?);
    let mid = |a: i32, b: i32| (f64::from(a) + f64::from(b)) * 0.5e-7;
    Some((mid(lon_min, lon_max), mid(lat_min, lat_max)))
}

fn from_boundaries(raw: &RawOsm) -> Option<PlaceName> {
    raw.relations
        .iter()
        .filter(|r| tag(&r.tags, "boundary") == Some("administrative"))
        .filter_map(|r| {
            let level: u32 = tag(&r.tags, "admin_level")?.trim().parse().ok().filter(|l| *l >= 5)?;
            let held = r.members.iter().filter(|(kind, id)| *kind == super::pbf::MemberKind::Way && raw.ways.find(*id).is_some()).count();
            Some(((level, std::cmp::Reverse(held), r.id), PlaceName::of(&r.tags)?))
        })
        .min_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, name)| name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::osm::pbf::{MemberKind, NodeStore, TaggedNode, TaggedRelation};

    fn tags(pairs: &[(&str, &str)]) -> Tags {
        pairs.iter().copied().collect()
    }

    /// Nodes at (lon, lat) degrees, ids 1, 2, ...
    fn raw_with_nodes(positions: &[(f64, f64)]) -> RawOsm {
        let mut nodes = NodeStore::default();
        nodes.ids = (1..=positions.len() as i64).collect();
        nodes.lon_e7 = positions.iter().map(|p| (p.0 * 1e7).round() as i32).collect();
        nodes.lat_e7 = positions.iter().map(|p| (p.1 * 1e7).round() as i32).collect();
        nodes.index();
        RawOsm { nodes, ..RawOsm::default() }
    }

    #[test]
    fn the_broadest_place_wins_then_the_one_nearest_the_centre() {
        // Nodes 1 and 2 span 118.70..118.90 E: centre 118.80. Node 3 a district label at the centre, node 4 one
        // at the edge, node 5 a named square (not a place), node 6 a neighbourhood.
        let mut raw = raw_with_nodes(&[(118.70, 32.00), (118.90, 32.10), (118.80, 32.05), (118.89, 32.09), (118.80, 32.05), (118.80, 32.05)]);
        raw.tagged_nodes = vec![
            TaggedNode { id: 3, tags: tags(&[("place", "district"), ("name", "玄武区"), ("name:en", "Xuanwu District")]) },
            TaggedNode { id: 4, tags: tags(&[("place", "district"), ("name", "鼓楼区")]) },
            TaggedNode { id: 5, tags: tags(&[("place", "square"), ("name", "新街口广场")]) },
            TaggedNode { id: 6, tags: tags(&[("place", "neighbourhood"), ("name", "五老村")]) },
        ];
        let place = place_name(&raw).unwrap();
        assert_eq!((place.in_lang(Lang::Zh), place.in_lang(Lang::En)), ("玄武区", "Xuanwu District"));
        // A town outranks the districts wherever it stands; an unnamed city counts for nothing.
        raw.tagged_nodes.push(TaggedNode { id: 1, tags: tags(&[("place", "town"), ("name", "孝陵卫"), ("name:zh", "孝陵卫镇")]) });
        raw.tagged_nodes.push(TaggedNode { id: 2, tags: tags(&[("place", "city")]) });
        let place = place_name(&raw).unwrap();
        assert_eq!((place.in_lang(Lang::Zh), place.in_lang(Lang::En)), ("孝陵卫镇", "孝陵卫"));
    }

    #[test]
    fn without_places_the_lowest_admin_level_from_5_with_the_most_ways_held() {
        let mut raw = raw_with_nodes(&[(118.8, 32.0)]);
        raw.ways.ids = vec![10, 11, 12];
        raw.ways.offsets = vec![0, 0, 0, 0];
        let relation = |id: i64, level: &str, name: &str, ways: &[i64]| TaggedRelation {
            id,
            tags: tags(&[("boundary", "administrative"), ("admin_level", level), ("name", name)]),
            members: ways.iter().map(|w| (MemberKind::Way, *w)).collect(),
        };
        raw.relations = vec![
            relation(100, "4", "江苏省", &[10, 11, 12]),
            relation(101, "6", "秦淮区", &[10, 99]),
            relation(102, "6", "玄武区", &[10, 11]),
            relation(103, "8", "梅园新村街道", &[10, 11, 12]),
        ];
        assert_eq!(place_name(&raw).unwrap().name, "玄武区");
        raw.relations.push(relation(104, "5", "南京市", &[]));
        assert_eq!(place_name(&raw).unwrap().name, "南京市");
        raw.relations.clear();
        assert_eq!(place_name(&raw), None);
    }
}
