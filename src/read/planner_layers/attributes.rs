//! Step 6 of reading a planner's layer, in file order: each feature's id (the id field, else the
//! feature's own id, else its position `#n`), duplicate ids (the first wins, the others are rejected),
//! then the model object of the layer kind built from its attributes ([`super::LayerData`]); a bad
//! attribute rejects the feature with its reason and its geometry. A repaired polygon that ends in the
//! layer is logged with its id and name, and the layer's count of repairs once at the end.
//!
//! Attributes by kind (see the module doc of [`super`] for the field names): estates' population and
//! households (one from the other by the profile's household size, source `layer`; neither gives
//! population 0, source `unknown`) and `built_year` (1800 to the current year: an estate is not built in the
//! future, so 2030 is a typo and the feature is rejected); facilities' categories (profile keys or
//! their Chinese names, several separated by `;` give one facility per category) and `capacity`; gates'
//! `kind` and `access`; buildings' `levels` (at least 1), `use` and `residential`; barriers' `class`;
//! boundaries' `level` (社区/community or 街道/street); ways keep every non-null property as a tag and a
//! multi-line gives one way per line (`id/1`, `id/2` ...).
//!
//! ```
//! use geo_types::{point, Geometry};
//! use lifecircle::crs::china::InputCoords;
//! use lifecircle::profile::Profile;
//! use lifecircle::read::planner_layers::{planner_layer_from_raw, LayerData, LayerFields, LayerKind};
//! use lifecircle::read::raw_layer::{RawFeature, RawLayer, SourceCrs};
//! let gate = |index: usize, id: &str| RawFeature {
//!     index,
//!     id: None,
//!     geometry: Some(Geometry::Point(point!(x: 118.78, y: 32.04))),
//!     geometry_problem: None,
//!     properties: serde_json::json!({ "gate_id": id, "access": "private" }).as_object().cloned().unwrap(),
//! };
//! let raw = RawLayer { path: "gates.geojson".into(), layer_name: None, crs: SourceCrs::Wgs84, crs_assumed: false, features: vec![gate(0, "g1"), gate(1, "g1")] };
//! let (data, rejects) = planner_layer_from_raw(LayerKind::Gates, raw, &LayerFields::default(), &mut None, InputCoords::Wgs84, &Profile::default_profile())?;
//! let LayerData::Gates(gates) = data else { unreachable!() };
//! assert_eq!((gates[0].id.as_str(), gates[0].kind.as_str(), gates[0].access.as_deref()), ("g1", "gate", Some("private")));
//! assert!(rejects[0].reason.starts_with("duplicate_id: id `g1`: feature #0 has it too"));
//! # Ok::<(), lifecircle::Error>(())
//! ```

use super::fields::{ResolvedFields, bool_value, id_text, number_value};
use super::geometry_checks::{GeometryReject, Shaped, Shaping, reject_geometry};
use super::{LayerData, LayerKind};
use crate::geometry::validity;
use crate::model::{
    Barrier, Boundary, BoundaryLevel, Building, Estate, EstateNotes, EstateSource, Facility, FacilityGeometry, Gate, Parcel, PopulationSource, ProtectedArea, Reject, RejectCode, SurveyAttributes, Way,
};
use crate::profile::{CategoryScheme, EstateVerdict, Profile, SchemeRow};
use crate::read::raw_layer::{RawFeature, RawLayer};
use geo_types::Geometry;
use serde_json::Value as Json;
use std::collections::{BTreeMap, HashMap};

/// Step 6 over the features of `raw`, given what steps 3 and 5 made of each (`early` rejects first).
pub(super) fn build(kind: LayerKind, raw: &RawLayer, fields: ResolvedFields, early_rejects: Vec<Option<GeometryReject>>, shaped: Vec<Option<Shaping>>, profile: &Profile) -> (LayerData, Vec<Reject>) {
    let source = raw.path.display().to_string();
    let layer_name = kind.name();
    let id_field = fields.id.clone();
    let mut builder = Builder {
        kind,
        source: &source,
        layer_name,
        profile,
        fields,
        data: LayerData::empty(kind),
        rejects: Vec::new(),
        seen_ids: HashMap::new(),
        facility_rows: HashMap::new(),
        repaired: 0,
    };
    for ((feature, early), shaped) in raw.features.iter().zip(early_rejects).zip(shaped) {
        let id = id_field
            .as_ref()
            .and_then(|f| feature.properties.get(f))
            .and_then(id_text)
            .or_else(|| feature.id.clone())
            .unwrap_or_else(|| format!("#{}", feature.index));
        let outcome = match (early, shaped) {
            (Some(r), _) => Err(r),
            (None, Some(result)) => result,
            (None, None) => Err(match &feature.geometry_problem {
                Some(problem) => reject_geometry(RejectCode::InvalidGeometry, problem, None),
                None => reject_geometry(RejectCode::NoGeometry, RejectCode::NoGeometry.particulars("none", &[]), None),
            }),
        };
        match outcome {
            Err(r) => builder.reject(&id, r.reason, r.geometry),
            Ok((shape, repaired)) => builder.add(feature, id, shape, repaired),
        }
    }
    if builder.repaired > 0 {
        tracing::warn!("{source}: {} invalid polygon(s) of the {layer_name} layer were repaired with GEOS MakeValid", builder.repaired);
    }
    (builder.data, builder.rejects)
}

struct Builder<'a> {
    kind: LayerKind,
    source: &'a str,
    layer_name: &'static str,
    profile: &'a Profile,
    fields: ResolvedFields,
    data: LayerData,
    rejects: Vec<Reject>,
    /// id → position of the feature that holds it.
    seen_ids: HashMap<String, usize>,
    /// Facility id → positions of its rows (one per category) in `data`.
    facility_rows: HashMap<String, Vec<usize>>,
    repaired: usize,
}

impl<'a> Builder<'a> {
    fn reject(&mut self, id: &str, reason: String, geometry: Option<Geometry<f64>>) {
        self.rejects.push(Reject { source: self.source.to_string(), layer: self.layer_name.to_string(), source_id: id.to_string(), reason, geometry });
    }

    fn field<'f>(&self, feature: &'f RawFeature, field: &Option<String>) -> Option<&'f Json> {
        field.as_ref().and_then(|f| feature.properties.get(f))
    }

    fn text(&self, feature: &RawFeature, field: &Option<String>) -> Option<String> {
        field.as_ref().and_then(|f| feature.text(f))
    }

    fn add(&mut self, feature: &RawFeature, id: String, shape: Shaped, repaired: Option<String>) {
        let geometry_of = |s: &Shaped| -> Geometry<f64> {
            match s {
                Shaped::Polygons(mp) => Geometry::MultiPolygon(mp.clone()),
                Shaped::Point(p) => Geometry::Point(*p),
                Shaped::Lines(ls) => Geometry::MultiLineString(geo_types::MultiLineString(ls.clone())),
                Shaped::Barrier(g) => g.clone(),
            }
        };
        if let Some(&first) = self.seen_ids.get(&id) {
            // A facility of several categories may come as one row per category (as `extract` writes
            // it): a row with a kept facility's id, the same geometry and only new categories joins it.
            if self.kind == LayerKind::Facilities {
                match self.join_facility_row(feature, &id, &shape) {
                    Ok(()) => return,
                    Err(why) => {
                        let reason = RejectCode::DuplicateId.reason_for("kept_why", &[("id", &id), ("first", &first), ("n", &feature.index), ("why", &why)]);
                        self.reject(&id, reason, Some(geometry_of(&shape)));
                        return;
                    }
                }
            }
            let reason = RejectCode::DuplicateId.reason_for("kept", &[("id", &id), ("first", &first), ("n", &feature.index)]);
            self.reject(&id, reason, Some(geometry_of(&shape)));
            return;
        }
        match self.attributes(feature, &id, shape) {
            Ok(()) => {
                if let Some(problem) = repaired {
                    let name = self.text(feature, &self.fields.name);
                    validity::warn_repaired(self.source, &format!("{} feature {id}", self.layer_name), name.as_deref(), &problem);
                    self.repaired += 1;
                }
                self.seen_ids.insert(id, feature.index);
            }
            Err((reason, shape)) => {
                let g = geometry_of(&shape);
                self.reject(&id, reason, Some(g));
            }
        }
    }

    /// Join a further row of an already kept facility: same geometry, same name and capacity, and
    /// categories it does not have yet. `Err` says why the row is a duplicate instead.
    fn join_facility_row(&mut self, feature: &RawFeature, id: &str, shape: &Shaped) -> std::result::Result<(), String> {
        let geometry = match shape {
            Shaped::Point(p) => FacilityGeometry::Point(*p),
            Shaped::Polygons(mp) => FacilityGeometry::Area(mp.clone()),
            _ => return Err("wrong geometry type for a facility".to_string()),
        };
        let name = self.text(feature, &self.fields.name);
        let categories = self.facility_categories(feature)?;
        let capacity = number_value(feature.properties.get("capacity")).map_err(|e| format!("capacity: {e}"))?;
        let LayerData::Facilities(kept) = &mut self.data else { return Err("not a facility layer".to_string()) };
        let positions = self.facility_rows.entry(id.to_string()).or_default();
        let rows: Vec<&Facility> = positions.iter().filter_map(|&i| kept.get(i)).collect();
        let Some(first) = rows.first() else { return Err("the kept feature was rejected".to_string()) };
        if first.geometry != geometry {
            return Err("a different geometry".to_string());
        }
        if first.name != name || first.capacity != capacity {
            return Err("a different name or capacity".to_string());
        }
        if let Some(repeated) = categories.iter().find(|c| rows.iter().any(|f| &f.category == *c)) {
            return Err(format!("category `{repeated}` again"));
        }
        let template = (*first).clone();
        for category in categories {
            positions.push(kept.len());
            kept.push(Facility { category, ..template.clone() });
        }
        Ok(())
    }

    /// A facility row's categories (profile keys), from the category field split at `;` and similar.
    fn facility_categories(&self, f: &RawFeature) -> std::result::Result<Vec<String>, String> {
        let value = match self.scheme_row(f) {
            None => match self.text(f, &self.fields.category) {
                Some(value) => value,
                None => return Err(RejectCode::NoCategory.reason_for("none", &[])),
            },
            Some(Err(reason)) => return Err(reason),
            Some(Ok((row, scheme, code))) => match &row.category {
                Some(key) => key.clone(),
                None => return Err(RejectCode::UnknownCategory.reason_for(&format!("{}_label", scheme.as_str()), &[("code", &code), ("label", &row.label)])),
            },
        };
        let mut categories = Vec::new();
        for part in value.split([';', '；', ',', '，', '、', '|']).map(str::trim).filter(|p| !p.is_empty()) {
            match self.profile.find_category(part).map(|i| &self.profile.categories[i]) {
                Some(c) => {
                    if !categories.contains(&c.key) {
                        categories.push(c.key.clone());
                    }
                }
                None => {
                    return Err(RejectCode::UnknownCategory.reason_for("listed", &[("category", &part), ("examples", &self.profile.category_names_zh())]));
                }
            }
        }
        if categories.is_empty() {
            return Err(RejectCode::NoCategory.reason_for("none", &[]));
        }
        Ok(categories)
    }

    /// The scheme row of a feature's code (with the scheme and the code) when the layer has a scheme: `None`
    /// without a scheme, `Err(reason)` for a missing or unknown code (the reason quoting the code and the
    /// `type` text).
    fn scheme_row(&self, f: &RawFeature) -> Option<std::result::Result<(&'a SchemeRow, CategoryScheme, String), String>> {
        let (scheme, type_field) = self.fields.scheme.clone()?;
        let profile: &'a Profile = self.profile;
        let type_text = type_field.as_ref().and_then(|t| f.text(t)).map(|t| format!(" ({t})")).unwrap_or_default();
        let Some(code) = self.text(f, &self.fields.category) else {
            return Some(Err(RejectCode::NoCategory.reason_for(scheme.as_str(), &[("type", &type_text)])));
        };
        Some(match profile.scheme.lookup(scheme, &code) {
            Some(row) => Ok((row, scheme, code)),
            None => Err(RejectCode::UnknownCategory.reason_for(&format!("{}_unknown", scheme.as_str()), &[("code", &format!("{code}{type_text}"))])),
        })
    }

    /// Build the model object(s); on a bad attribute give back the reason and the shape.
    fn attributes(&mut self, f: &RawFeature, id: &str, shape: Shaped) -> std::result::Result<(), (String, Shaped)> {
        let name = self.text(f, &self.fields.name);
        match (self.kind, shape) {
            (LayerKind::Estates, Shaped::Polygons(polygon)) => {
                let estate_type = match self.scheme_row(f) {
                    None => None,
                    Some(Err(reason)) => return Err((reason, Shaped::Polygons(polygon))),
                    Some(Ok((row, scheme, code))) => match row.estate {
                        Some(EstateVerdict::Yes) => None,
                        Some(EstateVerdict::Villa) => Some(format!("别墅 villa ({} {code} {})", scheme.provider(), row.label)),
                        Some(EstateVerdict::No) | None => {
                            return Err((RejectCode::NotHousing.reason_for(&format!("{}_label", scheme.as_str()), &[("code", &code), ("label", &row.label)]), Shaped::Polygons(polygon)));
                        }
                    },
                };
                let population = number_value(self.field(f, &self.fields.population)).map_err(|e| (RejectCode::InvalidValue.reason(format_args!("population: {e}")), Shaped::Polygons(polygon.clone())))?;
                let households = number_value(self.field(f, &self.fields.households)).map_err(|e| (RejectCode::InvalidValue.reason(format_args!("households: {e}")), Shaped::Polygons(polygon.clone())))?;
                for (what, v) in [("population", population), ("households", households)] {
                    if v.is_some_and(|x| x < 0.0) {
                        return Err((RejectCode::ValueOutOfRange.reason_for("negative", &[("field", &what), ("value", &v.unwrap_or_default())]), Shaped::Polygons(polygon)));
                    }
                }
                let built_year = number_value(f.properties.get("built_year")).map_err(|e| (RejectCode::InvalidValue.reason(format_args!("built_year: {e}")), Shaped::Polygons(polygon.clone())))?;
                let built_year = match built_year {
                    Some(y) if y.fract() == 0.0 && (1800.0..=f64::from(crate::calendar::current_year())).contains(&y) => Some(y as i32),
                    Some(y) => return Err((RejectCode::ValueOutOfRange.reason_for("built_year", &[("year", &y), ("current", &crate::calendar::current_year())]), Shaped::Polygons(polygon))),
                    None => None,
                };
                let survey = survey_attributes(f).map_err(|e| (e, Shaped::Polygons(polygon.clone())))?;
                let size = self.profile.population.household_size;
                let (population, households, population_source) = match (population, households) {
                    (Some(p), Some(h)) => (p, h, PopulationSource::Layer),
                    (Some(p), None) => (p, p / size, PopulationSource::Layer),
                    (None, Some(h)) => (h * size, h, PopulationSource::Layer),
                    (None, None) => (0.0, 0.0, PopulationSource::Unknown),
                };
                if let LayerData::Estates(v) = &mut self.data {
                    v.push(Estate {
                        id: id.to_string(),
                        name,
                        polygon,
                        source: EstateSource::Layer,
                        population,
                        households,
                        population_source,
                        floor_area_m2: 0.0,
                        n_buildings: 0,
                        built_year,
                        survey: SurveyAttributes { estate_type: estate_type.or(survey.estate_type.clone()), ..survey },
                        // As `extract` writes them, so that a round trip keeps what the estates step noted.
                        notes: EstateNotes { parent_id: f.text("parent_id"), implausible: f.text("implausible"), not_old_estate: f.text("not_old_estate") },
                    });
                }
            }
            (LayerKind::Facilities, shape) => {
                let geometry = match &shape {
                    Shaped::Point(p) => FacilityGeometry::Point(*p),
                    Shaped::Polygons(mp) => FacilityGeometry::Area(mp.clone()),
                    _ => return Err((RejectCode::WrongGeometryType.reason_for("facility", &[]), shape)),
                };
                let categories = match self.facility_categories(f) {
                    Ok(c) => c,
                    Err(reason) => return Err((reason, shape)),
                };
                let capacity = match number_value(f.properties.get("capacity")) {
                    Ok(c) => c,
                    Err(e) => return Err((RejectCode::InvalidValue.reason(format_args!("capacity: {e}")), shape)),
                };
                if capacity.is_some_and(|c| c < 0.0) {
                    return Err((RejectCode::ValueOutOfRange.reason_for("capacity", &[]), shape));
                }
                if let LayerData::Facilities(v) = &mut self.data {
                    let positions = self.facility_rows.entry(id.to_string()).or_default();
                    for category in categories {
                        positions.push(v.len());
                        v.push(Facility { id: id.to_string(), name: name.clone(), category, geometry: geometry.clone(), capacity, matched_by: "layer".to_string() });
                    }
                }
            }
            (LayerKind::Gates, Shaped::Point(point)) => {
                let kind = f.text("kind").unwrap_or_else(|| "gate".to_string());
                let access = f.text("access");
                if let LayerData::Gates(v) = &mut self.data {
                    v.push(Gate { id: id.to_string(), point, kind, access });
                }
            }
            (LayerKind::Buildings, Shaped::Polygons(footprint)) => {
                let levels_value = f.properties.get("levels").or_else(|| f.properties.get("building:levels"));
                let levels = match number_value(levels_value) {
                    Ok(Some(l)) if l > 0.0 => Some(l),
                    Ok(Some(l)) => return Err((RejectCode::ValueOutOfRange.reason_for("levels", &[("levels", &l)]), Shaped::Polygons(footprint))),
                    Ok(None) => None,
                    Err(e) => return Err((RejectCode::InvalidValue.reason(format_args!("levels: {e}")), Shaped::Polygons(footprint))),
                };
                let use_ = f.text("use").or_else(|| f.text("building")).unwrap_or_else(|| "yes".to_string());
                let rules = &self.profile.population;
                let residential = match bool_value(f.properties.get("residential")) {
                    Ok(Some(r)) => r,
                    Ok(None) => rules.residential_building_values.contains(&use_) || rules.untyped_building_values.contains(&use_),
                    Err(e) => return Err((RejectCode::InvalidValue.reason(format_args!("residential: {e}")), Shaped::Polygons(footprint))),
                };
                let lift = match bool_value(f.properties.get("elevator").or_else(|| f.properties.get("building:elevator"))) {
                    Ok(l) => l,
                    Err(e) => return Err((RejectCode::InvalidValue.reason(format_args!("elevator: {e}")), Shaped::Polygons(footprint))),
                };
                if let LayerData::Buildings(v) = &mut self.data {
                    v.push(Building { id: id.to_string(), footprint, levels, use_, residential, lift });
                }
            }
            (LayerKind::Parcels, Shaped::Polygons(polygon)) => {
                if let LayerData::Parcels(v) = &mut self.data {
                    v.push(Parcel { id: id.to_string(), polygon, origin: "layer".to_string() });
                }
            }
            (LayerKind::Barriers, Shaped::Barrier(geometry)) => {
                let class = f.text("class").unwrap_or_else(|| "layer".to_string());
                if let LayerData::Barriers(v) = &mut self.data {
                    v.push(Barrier { id: id.to_string(), geometry, class });
                }
            }
            (LayerKind::Boundaries, Shaped::Polygons(polygon)) => {
                let level = match f.text("level").map(|l| l.to_lowercase()).as_deref() {
                    None | Some("community") | Some("社区") | Some("居委会") => BoundaryLevel::Community,
                    Some("street") | Some("街道") | Some("subdistrict") => BoundaryLevel::Street,
                    Some(other) => return Err((RejectCode::InvalidValue.reason_for("level", &[("value", &other)]), Shaped::Polygons(polygon))),
                };
                if let LayerData::Boundaries(v) = &mut self.data {
                    v.push(Boundary { id: id.to_string(), name, level, polygon });
                }
            }
            (LayerKind::ProtectedLand, Shaped::Polygons(polygon)) => {
                let flag = |field: &str, default: bool| bool_value(f.properties.get(field)).map(|v| v.unwrap_or(default)).map_err(|e| RejectCode::InvalidValue.reason(format_args!("{field}: {e}")));
                let (protected, housing_not_estate) = match (flag("protected", true), flag("housing_not_estate", false)) {
                    (Ok(p), Ok(h)) => (p, h),
                    (Err(e), _) | (_, Err(e)) => return Err((e, Shaped::Polygons(polygon))),
                };
                if let LayerData::ProtectedLand(v) = &mut self.data {
                    v.push(ProtectedArea {
                        id: id.to_string(),
                        class: f.text("class").unwrap_or_else(|| "layer".to_string()),
                        matched_by: f.text("matched_by").unwrap_or_else(|| "layer".to_string()),
                        polygon,
                        protected,
                        housing_not_estate,
                    });
                }
            }
            (LayerKind::Ways, Shaped::Lines(lines)) => {
                let mut tags = BTreeMap::new();
                for (k, v) in &f.properties {
                    let text = match v {
                        Json::Null => continue,
                        Json::String(s) if s.trim().is_empty() => continue,
                        Json::String(s) => s.clone(),
                        other => id_text(other).unwrap_or_default(),
                    };
                    tags.insert(k.clone(), text);
                }
                let n = lines.len();
                if let LayerData::Ways(v) = &mut self.data {
                    for (k, line) in lines.into_iter().enumerate() {
                        let way_id = if n == 1 { id.to_string() } else { format!("{id}/{}", k + 1) };
                        v.push(Way { id: way_id, line, tags: tags.clone() });
                    }
                }
            }
            (_, shape) => return Err((RejectCode::WrongGeometryType.reason_for("layer", &[]), shape)),
        }
        Ok(())
    }
}


/// The survey attributes an estates layer may carry (as `extract` writes them, or a planner's own columns):
/// `consent_share`, `consulted_share`, `agree_share` (0..=1), `previously_funded`, `to_be_demolished`
/// (yes/no), `estate_type` (text). Absent or null fields stay unknown.
fn survey_attributes(f: &RawFeature) -> std::result::Result<SurveyAttributes, String> {
    let mut survey = SurveyAttributes::default();
    for (field, slot) in [("consent_share", &mut survey.consent_share), ("consulted_share", &mut survey.consulted_share), ("agree_share", &mut survey.agree_share)] {
        let share = number_value(f.properties.get(field)).map_err(|e| RejectCode::InvalidValue.reason(format_args!("{field}: {e}")))?;
        if share.is_some_and(|s| !(0.0..=1.0).contains(&s)) {
            return Err(RejectCode::ValueOutOfRange.reason_for("share", &[("field", &field), ("value", &share.unwrap_or_default())]));
        }
        *slot = share;
    }
    survey.previously_funded = bool_value(f.properties.get("previously_funded")).map_err(|e| RejectCode::InvalidValue.reason(format_args!("previously_funded: {e}")))?;
    survey.to_be_demolished = bool_value(f.properties.get("to_be_demolished")).map_err(|e| RejectCode::InvalidValue.reason(format_args!("to_be_demolished: {e}")))?;
    survey.estate_type = f.text("estate_type");
    Ok(survey)
}

#[cfg(test)]
mod year_tests {
    #[test]
    fn years_of_unix_days() {
        assert_eq!(crate::calendar::year_of_unix_day(0), 1970);
        assert_eq!(crate::calendar::year_of_unix_day(365), 1971);
        assert_eq!(crate::calendar::year_of_unix_day(10_956), 1999); // 1999-12-31
        assert_eq!(crate::calendar::year_of_unix_day(10_957), 2000); // 2000-01-01
        assert_eq!(crate::calendar::year_of_unix_day(20_454), 2026); // 2026-01-01
        assert_eq!(crate::calendar::year_of_unix_day(20_453), 2025);
        assert!(crate::calendar::current_year() >= 2025);
    }
}
