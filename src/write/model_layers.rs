//! The model as output layers: one [`Layer`] per model type, geometries converted from the working CRS
//! back to WGS 84 longitude/latitude (RFC 7946 §4) with [`crate::write::wgs84`], ready for the
//! GeoJSON and GeoPackage writers. Field names are the engine's public vocabulary (the QGIS styles and
//! the documentation refer to them):
//!
//! | layer | fields |
//! |---|---|
//! | `estates` | estate_id, name, source, population, households (both null when unknown), population_source, floor_area_m2, n_buildings, area_m2, built_year, consent_share, previously_funded, to_be_demolished, estate_type, needs_survey (population unknown), parent_id (the residential area a block was split from), implausible (above the profile's area/residents limits: why), not_old_estate (in campus/hospital/military/industrial grounds: which) |
//! | `buildings` | building_id, use, levels, residential, area_m2 |
//! | `facilities` | facility_id, name, category, matched_by, capacity, mapped_as |
//! | `facility_footprints` | facility_id, name, category, matched_by, capacity |
//! | `idle_land` | parcel_id, origin, area_m2 |
//! | `barriers` | barrier_id, class (the barriers mapped as lines) |
//! | `barrier_areas` | barrier_id, class (the barriers mapped as areas: water, a planner's barrier polygons) |
//! | `protected_land` | protected_id, class, matched_by, protected, housing_not_estate (the profile's `[[protected_land]]` areas) |
//! | `gates` | gate_id, kind, access |
//! | `network` | way_id, name, highway, access, foot, sidewalk |
//! | `boundaries` | boundary_id, name, level |
//! | `rejects` | source, layer, source_id, reason |
//!
//! Areas (`area_m2`) are planar areas in the working CRS, measured before the conversion. Every layer
//! but `rejects` declares one geometry type (single and multi parts of one family share it), so that a
//! GeoPackage table is never GEOMETRY and QGIS styles it at once; the model types that mix lines and
//! areas are split: barriers into `barriers` (lines) and `barrier_areas` (polygons), facilities as below.
//! Conversion runs in parallel with one PROJ transformer per worker; output order is input order.
//!
//! **Facilities: one point each, areas beside.** A GeoPackage table holds one geometry type, and QGIS
//! styles a mixed one poorly, so `facilities` is always points (`mapped_as` says `point` or `area`) and
//! `facility_footprints` holds the areas (parks, schools) with the same fields. The engine has no single
//! point for an area facility: it measures walking distances from the area's entrances (its gates, else
//! where public ways cross or meet its boundary, else the network point nearest to its boundary; see
//! [`crate::network::access`]), which are often several, lie on the boundary and exist only once a
//! network is built. The point drawn is therefore [`facility_point`]: the point inside the area that
//! the population estimate uses for a building ([`crate::estates::population::representative_point`]: the
//! centroid when it lies inside, else `geo`'s interior point). It always lies inside the footprint, so
//! the dot sits on the area the distances are measured to, and a point-in-polygon join in QGIS finds it.
//!
//! ```
//! use lifecircle::crs::WorkingCrs;
//! use lifecircle::model::Gate;
//! use geo_types::point;
//! let gates = vec![Gate { id: "g1".into(), point: point! { x: 668_069.39, y: 3_546_254.68 }, kind: "gate".into(), access: None }];
//! let layer = lifecircle::write::model_layers::gates_layer(&gates, WorkingCrs { epsg: 32650 }).unwrap();
//! let geo_types::Geometry::Point(p) = layer.features[0].geometry.clone().unwrap() else { unreachable!() };
//! assert!((p.x() - 118.78).abs() < 1e-6 && (p.y() - 32.04).abs() < 1e-6);
//! ```

use crate::crs::WorkingCrs;
use crate::write::wgs84::{to_wgs84_all, to_wgs84_or_none};
use crate::error::{Error, Result};
use crate::write::layer::{FieldType, GeometryKind, Layer, Value};
use crate::model::{Barrier, Boundary, BoundaryLevel, Building, Dataset, Estate, Facility, FacilityGeometry, Gate, Parcel, ProtectedArea, Reject, Way};
use crate::estates::population::representative_point;
use geo::Area;
use geo_types::{Geometry, MultiPolygon, Point};

/// Each item's geometry in WGS 84 ([`to_wgs84_all`]), in order.
fn wgs84_geometries<T>(items: &[T], crs: WorkingCrs, layer: &str, geometry: impl Fn(&T) -> Geometry<f64>) -> Result<Vec<Geometry<f64>>> {
    let converted = to_wgs84_all(crs, layer, items.iter().map(|item| Some(geometry(item))).collect())?;
    Ok(converted.into_iter().flatten().collect())
}

fn text(v: &str) -> Value {
    Value::Text(v.to_string())
}

/// The `estates` layer.
pub fn estates_layer(estates: &[Estate], crs: WorkingCrs) -> Result<Layer> {
    let mut layer = Layer::new(
        "estates",
        GeometryKind::Polygon,
        &[
            ("estate_id", FieldType::Text),
            ("name", FieldType::Text),
            ("source", FieldType::Text),
            ("population", FieldType::Real),
            ("households", FieldType::Real),
            ("population_source", FieldType::Text),
            ("floor_area_m2", FieldType::Real),
            ("n_buildings", FieldType::Int),
            ("area_m2", FieldType::Real),
            ("built_year", FieldType::Int),
            ("consent_share", FieldType::Real),
            ("previously_funded", FieldType::Bool),
            ("to_be_demolished", FieldType::Bool),
            ("estate_type", FieldType::Text),
            ("needs_survey", FieldType::Bool),
            ("parent_id", FieldType::Text),
            ("implausible", FieldType::Text),
            ("not_old_estate", FieldType::Text),
        ],
    );
    let geometries = wgs84_geometries(estates, crs, "estates", |e| Geometry::MultiPolygon(e.polygon.clone()))?;
    for (e, g) in estates.iter().zip(geometries) {
        layer.push(
            Some(g),
            vec![
                text(&e.id),
                Value::from(e.name.clone()),
                text(e.source.as_str()),
                // Unknown population is null, never 0 (`needs_survey`).
                Value::from((!e.population_unknown()).then_some(e.population)),
                Value::from((!e.population_unknown()).then_some(e.households)),
                text(e.population_source.as_str()),
                Value::from(e.floor_area_m2),
                Value::from(e.n_buildings),
                Value::from(e.polygon.unsigned_area()),
                Value::from(e.built_year.map(i64::from)),
                Value::from(e.survey.consent_share),
                Value::from(e.survey.previously_funded),
                Value::from(e.survey.to_be_demolished),
                Value::from(e.survey.estate_type.clone()),
                Value::Bool(e.population_unknown()),
                Value::from(e.notes.parent_id.clone()),
                Value::from(e.notes.implausible.clone()),
                Value::from(e.notes.not_old_estate.clone()),
            ],
        );
    }
    Ok(layer)
}

/// The `buildings` layer.
pub fn buildings_layer(buildings: &[Building], crs: WorkingCrs) -> Result<Layer> {
    let mut layer = Layer::new(
        "buildings",
        GeometryKind::Polygon,
        &[("building_id", FieldType::Text), ("use", FieldType::Text), ("levels", FieldType::Real), ("residential", FieldType::Bool), ("area_m2", FieldType::Real)],
    );
    let geometries = wgs84_geometries(buildings, crs, "buildings", |b| Geometry::MultiPolygon(b.footprint.clone()))?;
    for (b, g) in buildings.iter().zip(geometries) {
        layer.push(Some(g), vec![text(&b.id), text(&b.use_), Value::from(b.levels), Value::Bool(b.residential), Value::from(b.footprint.unsigned_area())]);
    }
    Ok(layer)
}

/// The point that stands for a facility in the `facilities` layers: its own point, or for an area the
/// point inside it given by [`crate::estates::population::representative_point`] (see the module doc). `None` only
/// for an area without any polygon, which the readers never make.
///
/// ```
/// use geo::Contains;
/// use geo_types::{point, polygon, MultiPolygon};
/// use lifecircle::write::model_layers::facility_point;
/// use lifecircle::model::FacilityGeometry;
/// // An L-shaped park, arms 2 m wide: its centroid (116/36, 116/36) ≈ (3.22, 3.22) lies in the notch,
/// // outside the park, so the point is geo's interior point, inside the park.
/// let l = MultiPolygon(vec![polygon![(x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 10.0, y: 2.0), (x: 2.0, y: 2.0), (x: 2.0, y: 10.0), (x: 0.0, y: 10.0)]]);
/// let p = facility_point(&FacilityGeometry::Area(l.clone())).unwrap();
/// assert!(l.contains(&p) && (p.x() < 2.0 || p.y() < 2.0), "{p:?}");
/// assert_eq!(facility_point(&FacilityGeometry::Point(point! { x: 1.0, y: 2.0 })), Some(point! { x: 1.0, y: 2.0 }));
/// ```
pub fn facility_point(geometry: &FacilityGeometry) -> Option<Point<f64>> {
    match geometry {
        FacilityGeometry::Point(p) => Some(*p),
        FacilityGeometry::Area(area) => representative_point(area),
    }
}

/// `point` or `area`: how a facility is mapped (the `mapped_as` field).
pub fn facility_mapped_as(geometry: &FacilityGeometry) -> &'static str {
    match geometry {
        FacilityGeometry::Point(_) => "point",
        FacilityGeometry::Area(_) => "area",
    }
}

/// The fields of both facility layers of `extract` (`facilities` adds `mapped_as`).
const FACILITY_FIELDS: [(&str, FieldType); 5] =
    [("facility_id", FieldType::Text), ("name", FieldType::Text), ("category", FieldType::Text), ("matched_by", FieldType::Text), ("capacity", FieldType::Real)];

fn facility_values(f: &Facility) -> Vec<Value> {
    vec![text(&f.id), Value::from(f.name.clone()), text(&f.category), text(&f.matched_by), Value::from(f.capacity)]
}

/// The `facilities` layer: one point per facility and category, areas by [`facility_point`].
pub fn facilities_layer(facilities: &[Facility], crs: WorkingCrs) -> Result<Layer> {
    let mut fields = FACILITY_FIELDS.to_vec();
    fields.push(("mapped_as", FieldType::Text));
    let mut layer = Layer::new("facilities", GeometryKind::Point, &fields);
    let points: Vec<Option<Point<f64>>> = facilities.iter().map(|f| facility_point(&f.geometry)).collect();
    let located: Vec<Point<f64>> = points.iter().flatten().copied().collect();
    let mut geometries = wgs84_geometries(&located, crs, "facilities", |p| Geometry::Point(*p))?.into_iter();
    for (f, p) in facilities.iter().zip(&points) {
        let mut values = facility_values(f);
        values.push(text(facility_mapped_as(&f.geometry)));
        layer.push(p.and_then(|_| geometries.next()), values);
    }
    Ok(layer)
}

/// The `facility_footprints` layer: the areas of the facilities mapped as areas, one row per facility and
/// category as in `facilities`.
pub fn facility_footprints_layer(facilities: &[Facility], crs: WorkingCrs) -> Result<Layer> {
    let areas: Vec<(&Facility, &MultiPolygon<f64>)> = facilities
        .iter()
        .filter_map(|f| match &f.geometry {
            FacilityGeometry::Area(a) => Some((f, a)),
            FacilityGeometry::Point(_) => None,
        })
        .collect();
    let mut layer = Layer::new("facility_footprints", GeometryKind::Polygon, &FACILITY_FIELDS);
    let geometries = wgs84_geometries(&areas, crs, "facility_footprints", |(_, a)| Geometry::MultiPolygon((*a).clone()))?;
    for ((f, _), g) in areas.iter().zip(geometries) {
        layer.push(Some(g), facility_values(f));
    }
    Ok(layer)
}

/// The `idle_land` layer.
pub fn idle_land_layer(parcels: &[Parcel], crs: WorkingCrs) -> Result<Layer> {
    let mut layer = Layer::new("idle_land", GeometryKind::Polygon, &[("parcel_id", FieldType::Text), ("origin", FieldType::Text), ("area_m2", FieldType::Real)]);
    let geometries = wgs84_geometries(parcels, crs, "idle_land", |p| Geometry::MultiPolygon(p.polygon.clone()))?;
    for (p, g) in parcels.iter().zip(geometries) {
        layer.push(Some(g), vec![text(&p.id), text(&p.origin), Value::from(p.polygon.unsigned_area())]);
    }
    Ok(layer)
}

/// The barriers of one geometry family (`kind` Line or Polygon) as the layer `name`. A barrier that is
/// neither a line nor a polygon is an internal error: the readers make only those.
fn barriers_of_kind(barriers: &[Barrier], crs: WorkingCrs, name: &str, kind: GeometryKind) -> Result<Layer> {
    let mut chosen = Vec::new();
    for b in barriers {
        let family = match &b.geometry {
            Geometry::Line(_) | Geometry::LineString(_) | Geometry::MultiLineString(_) => GeometryKind::Line,
            Geometry::Polygon(_) | Geometry::MultiPolygon(_) | Geometry::Rect(_) | Geometry::Triangle(_) => GeometryKind::Polygon,
            Geometry::Point(_) | Geometry::MultiPoint(_) | Geometry::GeometryCollection(_) => {
                return Err(Error::Internal(format!("barrier {} is neither a line nor an area; the readers should have rejected it", b.id)));
            }
        };
        if family == kind {
            chosen.push(b);
        }
    }
    let mut layer = Layer::new(name, kind, &[("barrier_id", FieldType::Text), ("class", FieldType::Text)]);
    let geometries = wgs84_geometries(&chosen, crs, name, |b| b.geometry.clone())?;
    for (b, g) in chosen.iter().zip(geometries) {
        layer.push(Some(g), vec![text(&b.id), text(&b.class)]);
    }
    Ok(layer)
}

/// The `barriers` layer: the barriers mapped as lines (railways, rivers, arterial roads).
pub fn barriers_layer(barriers: &[Barrier], crs: WorkingCrs) -> Result<Layer> {
    barriers_of_kind(barriers, crs, "barriers", GeometryKind::Line)
}

/// The `barrier_areas` layer: the barriers mapped as areas (water, railway land), with the fields of `barriers`.
pub fn barrier_areas_layer(barriers: &[Barrier], crs: WorkingCrs) -> Result<Layer> {
    barriers_of_kind(barriers, crs, "barrier_areas", GeometryKind::Polygon)
}

/// The `protected_land` layer: areas of the profile's `[[protected_land]]` classes (never a site;
/// `housing_not_estate`: housing inside is not an old estate).
pub fn protected_land_layer(areas: &[ProtectedArea], crs: WorkingCrs) -> Result<Layer> {
    let mut layer = Layer::new(
        "protected_land",
        GeometryKind::Polygon,
        &[
            ("protected_id", FieldType::Text),
            ("class", FieldType::Text),
            ("matched_by", FieldType::Text),
            ("protected", FieldType::Bool),
            ("housing_not_estate", FieldType::Bool),
        ],
    );
    let geometries = wgs84_geometries(areas, crs, "protected_land", |a| Geometry::MultiPolygon(a.polygon.clone()))?;
    for (a, g) in areas.iter().zip(geometries) {
        layer.push(Some(g), vec![text(&a.id), text(&a.class), text(&a.matched_by), Value::Bool(a.protected), Value::Bool(a.housing_not_estate)]);
    }
    Ok(layer)
}

/// The `gates` layer.
pub fn gates_layer(gates: &[Gate], crs: WorkingCrs) -> Result<Layer> {
    let mut layer = Layer::new("gates", GeometryKind::Point, &[("gate_id", FieldType::Text), ("kind", FieldType::Text), ("access", FieldType::Text)]);
    let geometries = wgs84_geometries(gates, crs, "gates", |g| Geometry::Point(g.point))?;
    for (gate, g) in gates.iter().zip(geometries) {
        layer.push(Some(g), vec![text(&gate.id), text(&gate.kind), Value::from(gate.access.clone())]);
    }
    Ok(layer)
}

/// The `network` layer: the walkable ways as mapped.
pub fn network_layer(ways: &[Way], crs: WorkingCrs) -> Result<Layer> {
    const TAGS: [&str; 4] = ["name", "highway", "access", "foot"];
    let mut layer = Layer::new(
        "network",
        GeometryKind::Line,
        &[
            ("way_id", FieldType::Text),
            ("name", FieldType::Text),
            ("highway", FieldType::Text),
            ("access", FieldType::Text),
            ("foot", FieldType::Text),
            ("sidewalk", FieldType::Text),
        ],
    );
    let geometries = wgs84_geometries(ways, crs, "network", |w| Geometry::LineString(w.line.clone()))?;
    for (w, g) in ways.iter().zip(geometries) {
        let mut values = vec![text(&w.id)];
        values.extend(TAGS.iter().map(|k| Value::from(w.tags.get(*k).cloned())));
        values.push(Value::from(sidewalk_value(&w.tags)));
        layer.push(Some(g), values);
    }
    Ok(layer)
}

/// The `sidewalk` field of the `network` layer: the side of a `sidewalk:both|left|right=yes` tag when
/// there is one, else the `sidewalk` tag. The walk rules ([`crate::network::walk_rules`]) read a way
/// with either as having a sidewalk, so the layer read back walks like the map (a motorway or trunk
/// with a sidewalk stays walkable) in one field a Shapefile can hold.
fn sidewalk_value(tags: &std::collections::BTreeMap<String, String>) -> Option<String> {
    ["both", "left", "right"]
        .into_iter()
        .find(|side| tags.get(&format!("sidewalk:{side}")).is_some_and(|v| v == "yes"))
        .map(str::to_string)
        .or_else(|| tags.get("sidewalk").cloned())
}

/// The `boundaries` layer.
pub fn boundaries_layer(boundaries: &[Boundary], crs: WorkingCrs) -> Result<Layer> {
    let mut layer = Layer::new("boundaries", GeometryKind::Polygon, &[("boundary_id", FieldType::Text), ("name", FieldType::Text), ("level", FieldType::Text)]);
    let geometries = wgs84_geometries(boundaries, crs, "boundaries", |b| Geometry::MultiPolygon(b.polygon.clone()))?;
    for (b, g) in boundaries.iter().zip(geometries) {
        let level = match b.level {
            BoundaryLevel::Community => "community",
            BoundaryLevel::Street => "street",
        };
        layer.push(Some(g), vec![text(&b.id), Value::from(b.name.clone()), text(level)]);
    }
    Ok(layer)
}

/// The `rejects` layer. A reject whose geometry cannot be converted (or when no working CRS was ever
/// chosen) is written without geometry rather than failing the run: rejects are diagnostics.
pub fn rejects_layer(rejects: &[Reject], crs: Option<WorkingCrs>) -> Layer {
    let mut layer = Layer::new(
        "rejects",
        GeometryKind::Any,
        &[("source", FieldType::Text), ("layer", FieldType::Text), ("source_id", FieldType::Text), ("reason_code", FieldType::Text), ("reason", FieldType::Text)],
    );
    let geometries = to_wgs84_or_none(crs, rejects.iter().map(|r| r.geometry.clone()).collect());
    for (r, g) in rejects.iter().zip(geometries) {
        let code = r.code().map_or(Value::Null, |c| text(c.key()));
        layer.push(g, vec![text(&r.source), text(&r.layer), text(&r.source_id), code, text(&r.reason)]);
    }
    layer
}

/// Every model layer of a dataset (empty ones included, so an output always has the same tables), then
/// the rejects.
pub fn dataset_layers(dataset: &Dataset, crs: WorkingCrs) -> Result<Vec<Layer>> {
    Ok(vec![
        estates_layer(&dataset.estates, crs)?,
        buildings_layer(&dataset.buildings, crs)?,
        facilities_layer(&dataset.facilities, crs)?,
        facility_footprints_layer(&dataset.facilities, crs)?,
        idle_land_layer(&dataset.parcels, crs)?,
        barriers_layer(&dataset.barriers, crs)?,
        barrier_areas_layer(&dataset.barriers, crs)?,
        gates_layer(&dataset.gates, crs)?,
        network_layer(&dataset.ways, crs)?,
        boundaries_layer(&dataset.boundaries, crs)?,
        protected_land_layer(&dataset.protected_land, crs)?,
        rejects_layer(&dataset.rejects, Some(crs)),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EstateSource, PopulationSource, SurveyAttributes};
    use crate::crs::Transformer;
    use crate::testing::square;
    use geo::Contains;
    use geo_types::{line_string, point};

    const UTM50N: WorkingCrs = WorkingCrs { epsg: 32650 };

    /// A 100 m square in UTM 50N with its corner at the projection of (118.78, 32.04).
    fn nanjing_square() -> MultiPolygon<f64> {
        square(668_069.39, 3_546_254.68, 100.0)
    }

    #[test]
    fn estates_have_every_field_and_wgs84_geometry() {
        let e = Estate {
            id: "w1".into(),
            name: Some("东方小区".into()),
            polygon: nanjing_square(),
            source: EstateSource::OsmLanduse,
            population: 1310.0,
            households: 500.0,
            population_source: PopulationSource::Survey,
            floor_area_m2: 43_230.0,
            n_buildings: 4,
            built_year: Some(1988),
            survey: SurveyAttributes { consent_share: Some(0.8), previously_funded: Some(false), estate_type: Some("普通".into()), ..Default::default() },
            notes: Default::default(),
        };
        let layer = estates_layer(&[e], UTM50N).unwrap();
        let names: Vec<&str> = layer.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names[..13], ["estate_id", "name", "source", "population", "households", "population_source", "floor_area_m2", "n_buildings", "area_m2", "built_year", "consent_share", "previously_funded", "to_be_demolished"]);
        let v = &layer.features[0].values;
        assert_eq!(v[layer.field_index("area_m2").unwrap()], Value::Real(10_000.0));
        assert_eq!(v[layer.field_index("built_year").unwrap()], Value::Int(1988));
        assert_eq!(v[layer.field_index("to_be_demolished").unwrap()], Value::Null);
        assert_eq!(v[layer.field_index("population_source").unwrap()], Value::from("survey"));
        let Some(Geometry::MultiPolygon(mp)) = &layer.features[0].geometry else { panic!() };
        let c = mp.0[0].exterior().0[0];
        assert!((c.x - 118.78).abs() < 1e-6 && (c.y - 32.04).abs() < 1e-6, "{c:?}");
    }

    #[test]
    fn facilities_are_points_and_areas_also_footprints() {
        let point_facility = Facility {
            id: "n1".into(),
            name: None,
            category: "kindergarten".into(),
            geometry: FacilityGeometry::Point(point! { x: 668_069.39, y: 3_546_254.68 }),
            capacity: Some(90.0),
            matched_by: "layer".into(),
        };
        let park = Facility { id: "w2".into(), name: Some("玄武湖公园".into()), category: "park".into(), geometry: FacilityGeometry::Area(nanjing_square()), capacity: None, ..point_facility.clone() };
        let both = [point_facility, park];
        let points = facilities_layer(&both, UTM50N).unwrap();
        assert_eq!(points.geometry, GeometryKind::Point);
        assert!(points.features.iter().all(|f| matches!(f.geometry, Some(Geometry::Point(_)))));
        let mapped_as = points.field_index("mapped_as").unwrap();
        assert_eq!(points.features.iter().map(|f| f.values[mapped_as].clone()).collect::<Vec<_>>(), vec![Value::from("point"), Value::from("area")]);
        // The square's centroid, (668,119.39, 3,546,304.68) in UTM 50N, lies inside it: it is the park's point.
        let Some(Geometry::Point(p)) = &points.features[1].geometry else { panic!() };
        let Some(Geometry::MultiPolygon(footprint)) = facility_footprints_layer(&both, UTM50N).unwrap().features[0].geometry.clone() else { panic!() };
        assert!(footprint.contains(p), "{p:?}");
        let centre = Transformer::with_to_wgs84(UTM50N, |t| t.coord(geo_types::coord! { x: 668_119.39, y: 3_546_304.68 })).unwrap().unwrap();
        assert!((p.x() - centre.x).abs() < 1e-9 && (p.y() - centre.y).abs() < 1e-9, "{p:?} vs {centre:?}");

        let footprints = facility_footprints_layer(&both, UTM50N).unwrap();
        assert_eq!(footprints.geometry, GeometryKind::Polygon);
        assert_eq!(footprints.features.len(), 1);
        assert_eq!(footprints.features[0].values, vec![Value::from("w2"), Value::from("玄武湖公园"), Value::from("park"), Value::from("layer"), Value::Null]);
        let names: Vec<&str> = footprints.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["facility_id", "name", "category", "matched_by", "capacity"]);
        // No area facility: the layer is still there, empty and polygon.
        let none = facility_footprints_layer(&both[..1], UTM50N).unwrap();
        assert_eq!((none.geometry, none.features.len()), (GeometryKind::Polygon, 0));
    }

    #[test]
    fn barriers_split_into_lines_and_areas() {
        let (x, y) = (668_069.39, 3_546_254.68);
        let rail = Barrier { id: "w1".into(), geometry: Geometry::LineString(line_string![(x: x, y: y), (x: x + 500.0, y: y)]), class: "rail".into() };
        let river = Barrier { id: "w2".into(), geometry: Geometry::MultiLineString(geo_types::MultiLineString(vec![line_string![(x: x, y: y + 50.0), (x: x + 90.0, y: y + 60.0)]])), class: "river".into() };
        let lake = Barrier { id: "r3".into(), geometry: Geometry::MultiPolygon(nanjing_square()), class: "water".into() };
        let all = [rail, lake, river];
        let lines = barriers_layer(&all, UTM50N).unwrap();
        assert_eq!(lines.geometry, GeometryKind::Line);
        assert_eq!(lines.features.iter().map(|f| f.values.clone()).collect::<Vec<_>>(), vec![vec![Value::from("w1"), Value::from("rail")], vec![Value::from("w2"), Value::from("river")]]);
        let areas = barrier_areas_layer(&all, UTM50N).unwrap();
        assert_eq!(areas.geometry, GeometryKind::Polygon);
        assert_eq!(areas.features.len(), 1);
        assert_eq!(areas.features[0].values, vec![Value::from("r3"), Value::from("water")]);
        assert!(matches!(areas.features[0].geometry, Some(Geometry::MultiPolygon(_))));
        // No barrier: both layers there, empty, with their types.
        assert_eq!((barriers_layer(&[], UTM50N).unwrap().geometry, barrier_areas_layer(&[], UTM50N).unwrap().geometry), (GeometryKind::Line, GeometryKind::Polygon));
        // A point barrier is no model barrier: an internal error naming it, not a mixed layer.
        let post = Barrier { id: "n4".into(), geometry: Geometry::Point(point! { x: x, y: y }), class: "bollard".into() };
        let err = barriers_layer(&[post], UTM50N).unwrap_err().to_string();
        assert!(err.contains("barrier n4"), "{err}");
    }

    #[test]
    fn rejects_keep_order_and_survive_missing_geometry() {
        let r = |id: &str, g: Option<Geometry<f64>>| Reject { source: "a.geojson".into(), layer: "gates".into(), source_id: id.into(), reason: "why".into(), geometry: g };
        let rejects = vec![r("1", None), r("2", Some(Geometry::Point(point! { x: 668_069.39, y: 3_546_254.68 }))), r("3", None)];
        let layer = rejects_layer(&rejects, Some(UTM50N));
        assert_eq!(layer.features.iter().map(|f| f.geometry.is_some()).collect::<Vec<_>>(), vec![false, true, false]);
        assert_eq!(layer.features[2].values[2], Value::from("3"));
        assert!(rejects_layer(&rejects, None).features.iter().all(|f| f.geometry.is_none()));
    }

    #[test]
    fn dataset_layers_are_all_there_in_order() {
        let mut ds = Dataset::default();
        ds.ways.push(Way { id: "w".into(), line: line_string![(x: 668_069.39, y: 3_546_254.68), (x: 668_169.39, y: 3_546_254.68)], tags: [("highway".to_string(), "footway".to_string())].into() });
        let layers = dataset_layers(&ds, UTM50N).unwrap();
        let names: Vec<&str> = layers.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["estates", "buildings", "facilities", "facility_footprints", "idle_land", "barriers", "barrier_areas", "gates", "network", "boundaries", "protected_land", "rejects"]);
        // Empty layers still declare their geometry type; only rejects may mix.
        let kinds: Vec<GeometryKind> = layers.iter().map(|l| l.geometry).collect();
        use GeometryKind::{Any, Line, Point as Pt, Polygon as Pg};
        assert_eq!(kinds, [Pg, Pg, Pt, Pg, Pg, Line, Pg, Pt, Line, Pg, Pg, Any]);
        assert_eq!(layers[8].features[0].values, vec![Value::from("w"), Value::Null, Value::from("footway"), Value::Null, Value::Null, Value::Null]);
        // sidewalk: a side tagged `sidewalk:<side>=yes` wins over `sidewalk`, so the walk rules read the same.
        let tags = |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<std::collections::BTreeMap<_, _>>();
        assert_eq!(sidewalk_value(&tags(&[("sidewalk", "no"), ("sidewalk:left", "yes")])).as_deref(), Some("left"));
        assert_eq!(sidewalk_value(&tags(&[("sidewalk", "separate")])).as_deref(), Some("separate"));
        assert_eq!(sidewalk_value(&tags(&[("sidewalk:right", "no")])), None);
    }
}
