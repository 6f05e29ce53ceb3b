//! Coverage results as output layers ([`crate::write::layer::Layer`], geometry converted to WGS84 lon/lat
//! with [`crate::write::wgs84`]):
//!
//! - `estates`: estate_id, name, population, households, entry (how its access points were placed: gate,
//!   crossing, nearest_boundary, centroid, none), entries (how many), main_network (an access point on
//!   island 0), then per category `K`: dist_K (null when no facility is within the search radius), ok_K,
//!   n_K (facilities within the threshold), nearest_K (ids of the 3 nearest), access_K (Ga2SFCA, when the
//!   category has capacities), and when a scenario ran dist_after_K and ok_after_K (the distance and the
//!   verdict on the scenario's network, e.g. with `--open-compounds` through the opened compounds: the
//!   `network` layer is then that network) and delta_K (residents newly covered). With `--dem`, dist_K is
//!   the effort length (flat-equivalent metres) and walk_m_K (metres walked on that route, offsets
//!   included) and climb_m_K (metres climbed going there) follow it. With `--walker-compare`,
//!   delta_elderly_K and delta_wheelchair_K: residents covered under that walker minus under the adult
//!   (negative: residents losing coverage). Then score, needs_survey (population unknown: population and
//!   households are null), parent_id, implausible, not_old_estate (the estates step's notes,
//!   [`crate::model::EstateNotes`]).
//! - `facilities`: facility_id, name, category, snap_m (smallest snap offset of its entrances), entrances,
//!   mapped_as (`point` | `area`); always points: an area facility is drawn at
//!   [`facility_point`], a point inside it (why that point: [`crate::write::model_layers`]).
//! - `facility_footprints`: the same fields but mapped_as, for the facilities mapped as areas: their areas.
//! - `access_points`: estate_id, kind, snap_m (where each estate meets the network).
//! - `service_areas`: category, tier, threshold_m; polygons: the reached network buffered and dissolved
//!   (with `--service-areas polygons` or `auto`).
//! - `service_lines`: the same fields; lines: the reached network itself, partial edges cut at the limit
//!   (with `--service-areas lines`, `polygons` or `auto`).
//!
//!   Both layers are always written, empty when their kind was not asked for (`--service-areas none`,
//!   `lines`), as every other layer is: an output folder always holds the same tables.
//! - `network`: edge, u, v, length_m, access (`public` | `compound`), way_id, component; with `--dem`
//!   also effort_m and slope_factor (effort / length, the round-trip slope factor the map colours).
//! - `network_islands`: component, node_count, edge_count, length_m, main; geometry: its edges (none for
//!   the main component, which is the `network` layer).
//!
//! Both facility layers hold the reachable facilities only (the others are rejects).
//!
//! Rejects are [`crate::model::Reject`]s in [`super::CoverageRun::rejects`], written by the I/O layer.

use super::CoverageRun;
use crate::crs::WorkingCrs;
use crate::error::Result;
use crate::write::wgs84::{to_wgs84_all, to_wgs84_here, Conversion};
use crate::write::layer::{FieldType, GeometryKind, Layer, Value};
use crate::write::model_layers::{facility_mapped_as, facility_point};
use crate::model::{Dataset, Facility, FacilityGeometry};
use crate::network::WalkNetwork;
use crate::network::access::AccessKind;
use crate::network::compounds::PieceAccess;
use crate::profile::Profile;
use geo_types::{Geometry, LineString, MultiLineString, Point};

/// Every coverage layer: the analysis's and the network's two.
#[derive(Debug, Clone, PartialEq)]
pub struct CoverageLayers {
    pub analysis: AnalysisLayers,
    pub network: Layer,
    pub network_islands: Layer,
}

impl CoverageLayers {
    /// All layers in writing order.
    pub fn into_vec(self) -> Vec<Layer> {
        let mut all = self.analysis.into_vec();
        all.extend([self.network, self.network_islands]);
        all
    }
}

fn push_all(layer: &mut Layer, crs: WorkingCrs, rows: Vec<(Option<Geometry<f64>>, Vec<Value>)>) -> Result<()> {
    push_all_with(layer, crs, rows, to_wgs84_all)
}

fn push_all_with(layer: &mut Layer, crs: WorkingCrs, rows: Vec<(Option<Geometry<f64>>, Vec<Value>)>, convert: Conversion) -> Result<()> {
    let (geoms, values): (Vec<_>, Vec<_>) = rows.into_iter().unzip();
    for (g, v) in convert(crs, &layer.name.clone(), geoms)?.into_iter().zip(values) {
        layer.push(g, v);
    }
    Ok(())
}

/// Edges per part of the `network` layer when it is made and written a part at a time
/// ([`network_layer_part`]): a city's 2 million edges held whole as a layer were 0.7 GB.
pub const NETWORK_PART_EDGES: usize = crate::write::layer::PART_ROWS;

fn network_layer(network: &WalkNetwork, data: &Dataset, crs: WorkingCrs, convert: Conversion) -> Result<Layer> {
    network_layer_part(network, data, crs, convert, 0..network.graph.edges.len())
}

/// The network shown in the `network` layer: the scenario's when there is one.
pub fn shown_network(run: &CoverageRun) -> &WalkNetwork {
    run.scenario.as_ref().and_then(|s| s.network.as_ref()).unwrap_or(&run.network)
}

/// The rows of the `network` layer for the edges `edges` (indices into the graph's edges), converted to
/// WGS 84 by `convert`; the parts of consecutive ranges, in order, are the whole layer.
pub fn network_layer_part(network: &WalkNetwork, data: &Dataset, crs: WorkingCrs, convert: Conversion, edges: std::ops::Range<usize>) -> Result<Layer> {
    let mut layer = Layer::new(
        "network",
        GeometryKind::Line,
        &[
            ("edge", FieldType::Int),
            ("u", FieldType::Int),
            ("v", FieldType::Int),
            ("length_m", FieldType::Real),
            ("access", FieldType::Text),
            ("way_id", FieldType::Text),
            ("component", FieldType::Int),
        ],
    );
    // On a DEM: the edge's effort length and its round-trip slope factor (effort / length), the map's
    // slope layer.
    let terrain = network.graph.terrain();
    if terrain.is_some() {
        layer.add_fields(&[("effort_m", FieldType::Real), ("slope_factor", FieldType::Real)]);
    }
    let rows = network.graph.edges[edges.clone()]
        .iter()
        .zip(edges)
        .map(|(e, i)| {
            let access = match e.access {
                PieceAccess::Public => "public".to_string(),
                PieceAccess::Compound(_) => "compound".to_string(),
            };
            (
                Some(Geometry::LineString(LineString(network.graph.edge_line(i as u32).to_vec()))),
                vec![
                    Value::from(i),
                    Value::Int(e.u as i64),
                    Value::Int(e.v as i64),
                    Value::from(e.length_m),
                    Value::Text(access),
                    data.ways.get(e.way as usize).map(|w| w.id.clone()).into(),
                    Value::Int(network.islands.component_of_node[e.u as usize] as i64),
                ]
                .into_iter()
                .chain(terrain.map(|t| {
                    let effort = t.effort_m(i as u32);
                    [Value::from(effort), Value::from(if e.length_m > 0.0 { effort / e.length_m } else { 1.0 })]
                }).into_iter().flatten())
                .collect(),
            )
        })
        .collect();
    push_all_with(&mut layer, crs, rows, convert)?;
    Ok(layer)
}

/// The `network_islands` layer, converted by `convert`.
pub fn islands_layer(network: &WalkNetwork, crs: WorkingCrs, convert: Conversion) -> Result<Layer> {
    let mut layer = Layer::new(
        "network_islands",
        GeometryKind::Line,
        &[("component", FieldType::Int), ("node_count", FieldType::Int), ("edge_count", FieldType::Int), ("length_m", FieldType::Real), ("main", FieldType::Bool)],
    );
    let mut lines: Vec<Vec<LineString<f64>>> = vec![Vec::new(); network.islands.islands.len()];
    for (i, e) in network.graph.edges.iter().enumerate() {
        lines[network.islands.component_of_node[e.u as usize] as usize].push(LineString(network.graph.edge_line(i as u32).to_vec()));
    }
    let rows = network
        .islands
        .islands
        .iter()
        .zip(lines)
        .map(|(s, l)| {
            // The main component is the network itself (the `network` layer draws it): its row keeps the
            // counts, without a second copy of every edge.
            (
                (s.component != 0).then_some(Geometry::MultiLineString(MultiLineString(l))),
                vec![Value::Int(s.component as i64), Value::from(s.node_count), Value::from(s.edge_count), Value::from(s.length_m), Value::Bool(s.component == 0)],
            )
        })
        .collect();
    push_all_with(&mut layer, crs, rows, convert)?;
    Ok(layer)
}

/// Build every coverage layer.
pub fn coverage_layers(run: &CoverageRun, data: &Dataset, profile: &Profile, crs: WorkingCrs) -> Result<CoverageLayers> {
    let (network, network_islands) = network_layers(run, data, crs)?;
    Ok(CoverageLayers { analysis: analysis_layers(run, data, profile, crs)?, network, network_islands })
}

/// The `network` layer (the scenario's network when there is one) and `network_islands`, converted in
/// parallel.
pub fn network_layers(run: &CoverageRun, data: &Dataset, crs: WorkingCrs) -> Result<(Layer, Layer)> {
    network_layers_with(run, data, crs, to_wgs84_all)
}

fn network_layers_with(run: &CoverageRun, data: &Dataset, crs: WorkingCrs, convert: Conversion) -> Result<(Layer, Layer)> {
    Ok((network_layer(shown_network(run), data, crs, convert)?, islands_layer(&run.network, crs, convert)?))
}

/// The `network_islands` layer, converted on the calling thread ([`to_wgs84_here`]).
pub fn islands_layer_on_this_thread(run: &CoverageRun, crs: WorkingCrs) -> Result<Layer> {
    islands_layer(&run.network, crs, to_wgs84_here)
}

/// The coverage layers but the network's two.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalysisLayers {
    pub estates: Layer,
    pub facilities: Layer,
    pub facility_footprints: Layer,
    pub access_points: Layer,
    pub service_areas: Layer,
    pub service_lines: Layer,
}

impl AnalysisLayers {
    /// The layers in writing order (the network's two follow them: [`CoverageLayers::into_vec`]).
    pub fn into_vec(self) -> Vec<Layer> {
        vec![self.estates, self.facilities, self.facility_footprints, self.access_points, self.service_areas, self.service_lines]
    }
}

/// Build the coverage layers but the network's two ([`network_layers`]).
pub fn analysis_layers(run: &CoverageRun, data: &Dataset, profile: &Profile, crs: WorkingCrs) -> Result<AnalysisLayers> {
    let base = &run.baseline;
    let scenario = run.scenario.as_ref();
    let on_terrain = run.network.graph.terrain().is_some();

    // Estates.
    let mut fields: Vec<(String, FieldType)> = vec![
        ("estate_id".into(), FieldType::Text),
        ("name".into(), FieldType::Text),
        ("population".into(), FieldType::Real),
        ("households".into(), FieldType::Real),
        ("entry".into(), FieldType::Text),
        ("entries".into(), FieldType::Int),
        ("main_network".into(), FieldType::Bool),
    ];
    for c in &base.categories {
        let k = &c.key;
        fields.push((format!("dist_{k}"), FieldType::Real));
        if on_terrain {
            fields.push((format!("walk_m_{k}"), FieldType::Real));
            fields.push((format!("climb_m_{k}"), FieldType::Real));
        }
        fields.push((format!("ok_{k}"), FieldType::Bool));
        fields.push((format!("n_{k}"), FieldType::Int));
        fields.push((format!("nearest_{k}"), FieldType::TextList));
        if c.access.is_some() {
            fields.push((format!("access_{k}"), FieldType::Real));
        }
        if scenario.is_some() {
            fields.push((format!("dist_after_{k}"), FieldType::Real));
            fields.push((format!("ok_after_{k}"), FieldType::Bool));
            fields.push((format!("delta_{k}"), FieldType::Real));
        }
        for w in &run.walker_runs {
            fields.push((format!("delta_{}_{k}", w.walker.as_str()), FieldType::Real));
        }
    }
    fields.push(("score".into(), FieldType::Real));
    for (name, kind) in [("needs_survey", FieldType::Bool), ("parent_id", FieldType::Text), ("implausible", FieldType::Text), ("not_old_estate", FieldType::Text)] {
        fields.push((name.into(), kind));
    }
    fields.push(("distance_method".into(), FieldType::Text));
    let field_refs: Vec<(&str, FieldType)> = fields.iter().map(|(n, t)| (n.as_str(), *t)).collect();
    let mut estates = Layer::new("estates", GeometryKind::Polygon, &field_refs);
    let mut rows = Vec::with_capacity(data.estates.len());
    for (ei, e) in data.estates.iter().enumerate() {
        let access = &base.estate_access[ei];
        let rule_used = access.points.first().map_or("none", |p| p.kind.as_str());
        let main = access.points.iter().any(|p| run.network.islands.component_of_edge(&run.network.graph, p.snap.edge) == 0);
        let mut values = vec![
            Value::Text(e.id.clone()),
            e.name.clone().into(),
            // Unknown population is null, never 0 (`needs_survey`).
            Value::from((!e.population_unknown()).then_some(e.population)),
            Value::from((!e.population_unknown()).then_some(e.households)),
            Value::from(rule_used),
            Value::from(access.points.len()),
            Value::Bool(main),
        ];
        for (ci, c) in base.categories.iter().enumerate() {
            let d = &c.estates[ei];
            values.push(d.dist_m().into());
            if on_terrain {
                let route = d.nearest.first().and_then(|n| n.route);
                values.push(route.map(|r| r.walk_m).into());
                values.push(route.map(|r| r.climb_m).into());
            }
            values.push(Value::Bool(base.ok[ei][ci]));
            values.push(Value::from(d.within.len()));
            values.push(Value::TextList(d.nearest.iter().map(|n| data.facilities[c.facility(n.source) as usize].id.clone()).collect()));
            if let Some(a) = &c.access {
                values.push(Value::from(a[ei]));
            }
            if let Some(s) = scenario {
                values.push(s.analysis.categories[ci].estates[ei].dist_m().into());
                values.push(Value::Bool(s.analysis.ok[ei][ci]));
                values.push(Value::from(s.delta_population[ei][ci]));
            }
            for w in &run.walker_runs {
                values.push(Value::from(w.delta_population[ei][ci]));
            }
        }
        values.push(base.scores[ei].into());
        values.push(Value::Bool(e.population_unknown()));
        values.push(Value::from(e.notes.parent_id.clone()));
        values.push(Value::from(e.notes.implausible.clone()));
        values.push(Value::from(e.notes.not_old_estate.clone()));
        values.push(Value::Text(run.distance_method()));
        rows.push((Some(Geometry::MultiPolygon(e.polygon.clone())), values));
    }
    push_all(&mut estates, crs, rows)?;

    // Facilities on the network: a point each, and the areas of those mapped as areas.
    const FACILITY_FIELDS: [(&str, FieldType); 5] =
        [("facility_id", FieldType::Text), ("name", FieldType::Text), ("category", FieldType::Text), ("snap_m", FieldType::Real), ("entrances", FieldType::Int)];
    let mut point_fields = FACILITY_FIELDS.to_vec();
    point_fields.push(("mapped_as", FieldType::Text));
    let mut facilities = Layer::new("facilities", GeometryKind::Point, &point_fields);
    let mut facility_footprints = Layer::new("facility_footprints", GeometryKind::Polygon, &FACILITY_FIELDS);
    let reachable: Vec<(&Facility, Vec<Value>)> = data
        .facilities
        .iter()
        .zip(&base.facility_access)
        .filter_map(|(f, a)| {
            let a = a.as_ref().filter(|a| !a.points.is_empty())?;
            Some((f, vec![Value::Text(f.id.clone()), f.name.clone().into(), Value::Text(f.category.clone()), a.min_offset_m().into(), Value::from(a.points.len())]))
        })
        .collect();
    let point_rows = reachable
        .iter()
        .map(|(f, values)| {
            let mut values = values.clone();
            values.push(Value::from(facility_mapped_as(&f.geometry)));
            (facility_point(&f.geometry).map(Geometry::Point), values)
        })
        .collect();
    push_all(&mut facilities, crs, point_rows)?;
    let area_rows = reachable
        .into_iter()
        .filter_map(|(f, values)| match &f.geometry {
            FacilityGeometry::Area(area) => Some((Some(Geometry::MultiPolygon(area.clone())), values)),
            FacilityGeometry::Point(_) => None,
        })
        .collect();
    push_all(&mut facility_footprints, crs, area_rows)?;

    // Estate access points.
    let mut access_points = Layer::new(
        "access_points",
        GeometryKind::Point,
        &[("estate_id", FieldType::Text), ("kind", FieldType::Text), ("gate_id", FieldType::Text), ("snap_m", FieldType::Real)],
    );
    let mut rows = Vec::new();
    for (e, a) in data.estates.iter().zip(&base.estate_access) {
        for p in &a.points {
            let gate_id = match p.kind {
                AccessKind::Gate(g) => data.gates.get(g as usize).map(|g| g.id.clone()),
                _ => None,
            };
            rows.push((Some(Geometry::Point(Point(p.point))), vec![Value::Text(e.id.clone()), Value::from(p.kind.as_str()), gate_id.into(), Value::from(p.snap.offset_m)]));
        }
    }
    push_all(&mut access_points, crs, rows)?;

    // Service areas: polygons and lines, one row per category each.
    const SERVICE_AREA_FIELDS: [(&str, FieldType); 3] = [("category", FieldType::Text), ("tier", FieldType::Text), ("threshold_m", FieldType::Real)];
    let mut service_areas = Layer::new("service_areas", GeometryKind::Polygon, &SERVICE_AREA_FIELDS);
    let mut service_lines = Layer::new("service_lines", GeometryKind::Line, &SERVICE_AREA_FIELDS);
    let (mut polygon_rows, mut line_rows) = (Vec::new(), Vec::new());
    for (c, r) in profile.categories.iter().zip(&base.categories) {
        if let Some(sa) = &r.service_area {
            let values = || vec![Value::Text(c.key.clone()), Value::from(c.tier.as_str()), Value::from(c.threshold_m)];
            line_rows.push((Some(Geometry::MultiLineString(sa.lines.clone())), values()));
            if let Some(polygon) = &sa.polygon {
                polygon_rows.push((Some(Geometry::MultiPolygon(polygon.clone())), values()));
            }
        }
    }
    push_all(&mut service_areas, crs, polygon_rows)?;
    push_all(&mut service_lines, crs, line_rows)?;

    Ok(AnalysisLayers { estates, facilities, facility_footprints, access_points, service_areas, service_lines })
}
