//! Write a seeded synthetic city as a real OpenStreetMap file, for benchmarks and scale tests: the
//! generator of `lifecircle::testing::synthetic_city` (perturbed street grid, walled estates with gates and
//! private internal roads, housing slabs, facilities of every category of the profile, idle plots), placed in
//! UTM zone 50N near 117°E 31.6°N and written as OSM XML, then turned into PBF with `osmium cat` when the
//! output name ends in `.pbf`. Clearly synthetic: no real place, every name says 合成 (synthetic).
//!
//! ```text
//! cargo run --release --example synthetic_city -- --columns 1000 --rows 1000 --estates 20000 \
//!     --facilities 50000 --idle 2000 --seed 2018 --out target/synthetic/city-1m.osm.pbf
//! ```
//!
//! Every feature carries the tags the default profile (`data/profiles/gb50180.toml`) reads, so `lifecircle
//! plan --osm` runs on the file like on a real extract:
//! - streets: `highway=residential|tertiary|footway|living_street`; internal compound roads
//!   `highway=service` + `access=private`, starting at a `barrier=gate` node that lies on the estate wall;
//! - estates: closed ways `landuse=residential` + `name`; housing: `building=residential` +
//!   `building:levels` (population follows from floor area, as `population.rs` estimates it);
//! - facilities: for each category, the tags of its first OSM rule (`amenity=school` + `isced:level=1` for
//!   primary schools ...); categories are drawn with the relative densities of [`DENSITY`];
//! - idle plots: closed ways `landuse=brownfield`.
//!
//! `--clusters N` puts the estates in N old neighbourhoods (blocks around N centres) instead of uniformly
//! random blocks, so that they touch and form renovation bundles.
//!
//! `--survey FILE.csv` also writes a survey table for the estates (built year, consent share, funded,
//! to be demolished), for `lifecircle plan --survey`.
//!
//! `--facilities-at-junctions` moves every facility onto its nearest street junction (for the distance
//! comparison with pandana, which snaps facilities to network nodes).

use geo_types::Coord;
use lifecircle::testing::synthetic_city::{GridCityParams, grid_city};
use lifecircle::crs::{Transformer, WorkingCrs};
use lifecircle::model::{Dataset, FacilityGeometry};
use lifecircle::profile::{Profile, TagCondition};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::io::Write as _;
use std::process::{Command, ExitCode};

/// Relative density of each category (draws per 30 facilities): shops and playgrounds are common, hospitals
/// and middle schools rare. Categories of the profile not listed here get weight 1.
const DENSITY: &[(&str, usize)] = &[
    ("convenience", 5),
    ("bus_stop", 4),
    ("fitness", 3),
    ("vegetable_market", 2),
    ("kindergarten", 2),
    ("health_station", 2),
    ("elderly_care", 2),
    ("community_service", 2),
    ("park", 2),
];

struct Args {
    params: GridCityParams,
    facilities_at_junctions: bool,
    out: String,
    survey: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut params = GridCityParams { columns: 100, rows: 100, estates: 400, facilities: 1000, idle_parcels: 100, ..GridCityParams::default() };
    let mut out = None;
    let mut facilities_at_junctions = false;
    let mut survey = None;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value"));
        let number = |v: String| v.parse::<u64>().map_err(|_| format!("{flag}: `{v}` is not a whole number"));
        match flag.as_str() {
            "--columns" => params.columns = number(value()?)? as usize,
            "--rows" => params.rows = number(value()?)? as usize,
            "--estates" => params.estates = number(value()?)? as usize,
            "--facilities" => params.facilities = number(value()?)? as usize,
            "--idle" => params.idle_parcels = number(value()?)? as usize,
            "--clusters" => params.estate_clusters = number(value()?)? as usize,
            "--seed" => params.seed = number(value()?)?,
            "--spacing" => params.spacing_m = value()?.parse().map_err(|_| "--spacing needs metres".to_string())?,
            "--out" => out = Some(value()?),
            "--facilities-at-junctions" => facilities_at_junctions = true,
            "--survey" => survey = Some(value()?),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(Args { params, facilities_at_junctions, out: out.ok_or("--out FILE(.osm|.osm.pbf) is required")?, survey })
}

/// The tags that make a facility of `category`: the positive conditions of its first rule.
fn category_tags(profile: &Profile) -> BTreeMap<String, Vec<(String, String)>> {
    let mut tags = BTreeMap::new();
    for c in &profile.categories {
        let Some(rule) = c.osm.first() else { continue };
        let pairs: Vec<(String, String)> = rule
            .conditions
            .iter()
            .filter_map(|condition| match condition {
                TagCondition::Equals(k, v) | TagCondition::Contains(k, v) | TagCondition::EndsWith(k, v) => Some((k.clone(), v.clone())),
                TagCondition::Present(k) => Some((k.clone(), "yes".into())),
                _ => None,
            })
            .collect();
        let lookup: HashMap<&str, &str> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert!(rule.matches(|k| lookup.get(k).copied()), "the tags made for {} do not match its rule {}", c.key, rule.text);
        tags.insert(c.key.clone(), pairs);
    }
    tags
}

/// OSM XML for the dataset: nodes (deduplicated by coordinate) first, then ways.
struct OsmWriter {
    to_wgs84: Transformer,
    node_ids: HashMap<(u64, u64), i64>,
    nodes: String,
    ways: String,
    next_node: i64,
    next_way: i64,
}

impl OsmWriter {
    fn node(&mut self, c: Coord<f64>, tags: &[(String, String)]) -> Result<i64, String> {
        let key = (c.x.to_bits(), c.y.to_bits());
        if tags.is_empty()
            && let Some(&id) = self.node_ids.get(&key)
        {
            return Ok(id);
        }
        self.next_node += 1;
        let id = self.next_node;
        // A tagged node is always new; it also becomes the node later ways through its coordinate use.
        self.node_ids.entry(key).or_insert(id);
        let g = self.to_wgs84.coord(c).map_err(|e| e.to_string())?;
        let _ = write!(self.nodes, "<node id=\"{id}\" version=\"1\" lat=\"{:.7}\" lon=\"{:.7}\"", g.y, g.x);
        if tags.is_empty() {
            self.nodes.push_str("/>\n");
        } else {
            self.nodes.push('>');
            push_tags(&mut self.nodes, tags);
            self.nodes.push_str("</node>\n");
        }
        Ok(id)
    }

    fn way(&mut self, coords: &[Coord<f64>], tags: &[(String, String)]) -> Result<(), String> {
        let refs: Vec<i64> = coords.iter().map(|&c| self.node(c, &[])).collect::<Result<_, _>>()?;
        self.next_way += 1;
        let _ = write!(self.ways, "<way id=\"{}\" version=\"1\">", self.next_way);
        for r in refs {
            let _ = write!(self.ways, "<nd ref=\"{r}\"/>");
        }
        push_tags(&mut self.ways, tags);
        self.ways.push_str("</way>\n");
        Ok(())
    }
}

fn push_tags(out: &mut String, tags: &[(String, String)]) {
    for (k, v) in tags {
        let _ = write!(out, "<tag k=\"{}\" v=\"{}\"/>", escape(k), escape(v));
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;").replace('>', "&gt;")
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// The OSM XML, and the OSM id (`w<id>`, as lifecircle names estates) of each estate in order.
fn write_osm(city: &Dataset, facility_tags: &BTreeMap<String, Vec<(String, String)>>) -> Result<(String, Vec<String>), String> {
    let to_wgs84 = Transformer::to_wgs84(WorkingCrs { epsg: 32650 }).map_err(|e| e.to_string())?;
    let mut w = OsmWriter { to_wgs84, node_ids: HashMap::new(), nodes: String::new(), ways: String::new(), next_node: 0, next_way: 0 };
    // Gates first: the wall and the internal road then pass through the tagged gate node.
    for gate in &city.gates {
        w.node(gate.point.0, &pairs(&[("barrier", "gate")]))?;
    }
    for way in &city.ways {
        let tags: Vec<(String, String)> = way.tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        w.way(&way.line.0, &tags)?;
    }
    let mut estate_ids = Vec::with_capacity(city.estates.len());
    let gates: HashMap<&str, &lifecircle::model::Gate> = city.gates.iter().map(|g| (g.id.as_str(), g)).collect();
    for estate in &city.estates {
        let ring = &estate.polygon.0[0].exterior().0;
        let gate = gates.get(format!("gate_{}", estate.id).as_str());
        let mut coords = ring.clone();
        if let Some(gate) = gate {
            // The gate is a node of the wall (between the first two corners) and of the internal road.
            coords.insert(1, gate.point.0);
        }
        let name = estate.name.clone().unwrap_or_default();
        w.way(&coords, &[("landuse".into(), "residential".into()), ("name".into(), name)])?;
        estate_ids.push(format!("w{}", w.next_way));
    }
    for b in &city.buildings {
        let levels = b.levels.unwrap_or(6.0).to_string();
        w.way(&b.footprint.0[0].exterior().0, &[("building".into(), b.use_.clone()), ("building:levels".into(), levels)])?;
    }
    for f in &city.facilities {
        let Some(tags) = facility_tags.get(&f.category) else { continue };
        let mut tags = tags.clone();
        tags.push(("name".into(), format!("合成{}{}", f.category, f.id)));
        if let Some(capacity) = f.capacity {
            tags.push(("capacity".into(), capacity.to_string()));
        }
        match &f.geometry {
            // A highway=* tag on a closed way would read as a street: such facilities stay points.
            FacilityGeometry::Area(m) if !tags.iter().any(|(k, _)| k == "highway") => w.way(&m.0[0].exterior().0, &tags)?,
            FacilityGeometry::Area(m) => {
                w.node(m.0[0].exterior().0[0], &tags)?;
            }
            FacilityGeometry::Point(p) => {
                w.node(p.0, &tags)?;
            }
        }
    }
    for parcel in &city.parcels {
        w.way(&parcel.polygon.0[0].exterior().0, &pairs(&[("landuse", "brownfield")]))?;
    }
    let mut xml = String::with_capacity(w.nodes.len() + w.ways.len() + 200);
    xml.push_str("<?xml version='1.0' encoding='UTF-8'?>\n<osm version=\"0.6\" generator=\"lifecircle examples/synthetic_city\">\n");
    // osmium wants nodes sorted by id; they were numbered in writing order, so they are.
    xml.push_str(&w.nodes);
    xml.push_str(&w.ways);
    xml.push_str("</osm>\n");
    Ok((xml, estate_ids))
}

/// Every facility becomes a point on the street junction nearest to it: then a tool that snaps facilities
/// to network nodes (pandana) and lifecircle (which snaps to the nearest point of an edge) agree exactly,
/// which is what `scripts/bench_vs_pandana.sh` needs to compare distances.
fn move_facilities_to_junctions(city: &mut Dataset) {
    let junctions: Vec<[f64; 2]> = city.ways.iter().filter(|w| w.id.starts_with("street")).flat_map(|w| w.line.0.iter().map(|c| [c.x, c.y])).collect();
    let tree = rstar::RTree::bulk_load(junctions);
    for f in &mut city.facilities {
        let at = match &f.geometry {
            FacilityGeometry::Point(p) => p.0,
            FacilityGeometry::Area(m) => m.0[0].exterior().0[0],
        };
        if let Some(j) = tree.nearest_neighbor(&[at.x, at.y]) {
            f.geometry = FacilityGeometry::Point(geo_types::Point::new(j[0], j[1]));
        }
    }
}

/// A survey table (摸底调查表) for the estates: the generator's built year, and a consent share and the
/// other answers drawn from the estate's index (deterministic), so that `plan --survey` bundles them.
fn survey_csv(city: &Dataset, estate_ids: &[String]) -> String {
    let mut csv = String::from("estate_id,name,built_year,consent_share,previously_funded,to_be_demolished,estate_type\n");
    for (k, (estate, id)) in city.estates.iter().zip(estate_ids).enumerate() {
        let consent = 0.55 + 0.4 * ((k * 7919) % 100) as f64 / 100.0;
        let funded = if k % 23 == 0 { "yes" } else { "no" };
        let demolished = if k % 37 == 0 { "yes" } else { "no" };
        let year = estate.built_year.map(|y| y.to_string()).unwrap_or_default();
        let _ = writeln!(csv, "{id},{},{year},{consent:.2},{funded},{demolished},普通住宅", estate.name.clone().unwrap_or_default());
    }
    csv
}

fn run() -> Result<(), String> {
    let args = parse_args()?;
    let profile = Profile::default_profile();
    let facility_tags = category_tags(&profile);
    let weight = |key: &str| DENSITY.iter().find(|(k, _)| *k == key).map_or(1, |(_, w)| *w);
    let draws: Vec<&str> = facility_tags.keys().flat_map(|k| std::iter::repeat_n(k.as_str(), weight(k))).collect();
    let mut city = grid_city(&args.params, &draws);
    if args.facilities_at_junctions {
        move_facilities_to_junctions(&mut city);
    }
    let (xml, estate_ids) = write_osm(&city, &facility_tags)?;
    if let Some(path) = &args.survey {
        std::fs::write(path, survey_csv(&city, &estate_ids)).map_err(|e| format!("{path}: {e}"))?;
    }
    let pbf = args.out.ends_with(".pbf");
    let xml_path = if pbf { format!("{}.tmp.osm", args.out) } else { args.out.clone() };
    if let Some(dir) = std::path::Path::new(&args.out).parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::File::create(&xml_path).and_then(|mut f| f.write_all(xml.as_bytes())).map_err(|e| format!("{xml_path}: {e}"))?;
    if pbf {
        let status = Command::new("osmium")
            .args(["cat", "--overwrite", "-o", &args.out, &xml_path])
            .status()
            .map_err(|e| format!("osmium (Debian package osmium-tool, installed by `make test`): {e}"))?;
        std::fs::remove_file(&xml_path).ok();
        if !status.success() {
            return Err(format!("osmium cat failed for {xml_path}"));
        }
    }
    println!(
        "{{\"out\": \"{}\", \"street_ways\": {}, \"estates\": {}, \"gates\": {}, \"buildings\": {}, \"facilities\": {}, \"idle_parcels\": {}}}",
        args.out,
        city.ways.len(),
        city.estates.len(),
        city.gates.len(),
        city.buildings.len(),
        city.facilities.len(),
        city.parcels.len()
    );
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("synthetic_city: {e}");
            ExitCode::from(2)
        }
    }
}
