//! The domain model: what the engine knows about a district once it has been read.
//!
//! Every geometry in the model is in the *working* projected CRS (metres, see [`crate::crs`]); readers
//! project on the way in and writers convert back to WGS84 on the way out. Identifiers are strings so
//! that OpenStreetMap ids (`w123`, `r45`, `n67`) and a planner's own ids live side by side.

use geo_types::{Geometry, LineString, MultiPolygon, Point};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where an estate's outline came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EstateSource {
    /// An OpenStreetMap `landuse=residential` area (way or multipolygon relation).
    OsmLanduse,
    /// A cluster of residential buildings that stand outside any residential area (see `crate::estates::clusters`).
    BuildingCluster,
    /// A planner's own estate layer.
    Layer,
}

impl EstateSource {
    pub fn as_str(self) -> &'static str {
        match self {
            EstateSource::OsmLanduse => "osm_landuse",
            EstateSource::BuildingCluster => "building_cluster",
            EstateSource::Layer => "layer",
        }
    }
}

/// Which value an estate's population is: a survey's, the planner's layer's, or the floor-area estimate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PopulationSource {
    Survey,
    Layer,
    Estimate,
    /// No building stands in the estate and nobody gave a figure.
    Unknown,
}

impl PopulationSource {
    pub fn as_str(self) -> &'static str {
        match self {
            PopulationSource::Survey => "survey",
            PopulationSource::Layer => "layer",
            PopulationSource::Estimate => "estimate",
            PopulationSource::Unknown => "unknown",
        }
    }
}

/// The per-estate answers of a survey table (摸底调查表). `None` means "not surveyed", never "no".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SurveyAttributes {
    pub built_year: Option<i32>,
    pub households: Option<f64>,
    pub population: Option<f64>,
    /// Share of households (0..=1) willing to renovate.
    pub consent_share: Option<f64>,
    /// Share of owners (0..=1) consulted about the renovation (Zhifu rule: at least 2/3 consulted ...).
    pub consulted_share: Option<f64>,
    /// Share of the consulted owners (0..=1) who agree (... and at least 3/4 of them agree).
    pub agree_share: Option<f64>,
    /// Already funded by a central subsidy programme.
    pub previously_funded: Option<bool>,
    pub to_be_demolished: Option<bool>,
    /// Free-text estate type from the survey (e.g. 别墅 villa, 高档 high-end, 平房 bungalow).
    pub estate_type: Option<String>,
}

/// A residential estate (小区): usually a walled compound.
#[derive(Debug, Clone, PartialEq)]
pub struct Estate {
    pub id: String,
    pub name: Option<String>,
    pub polygon: MultiPolygon<f64>,
    pub source: EstateSource,
    pub population: f64,
    pub households: f64,
    pub population_source: PopulationSource,
    /// Residential floor area of the buildings counted in the estimate (m²); 0 when none.
    pub floor_area_m2: f64,
    pub n_buildings: usize,
    pub built_year: Option<i32>,
    pub survey: SurveyAttributes,
    /// What the estates step found out about the estate (block of a split area, plausibility, grounds).
    pub notes: EstateNotes,
}

/// What the estates step ([`crate::estates`]) notes on an estate; all `None` for a planner's estate.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EstateNotes {
    /// The id of the residential area this block (街坊) was split from along public streets.
    pub parent_id: Option<String>,
    /// Why the estate is not plausible as one 小区 (above the profile's area or residents limit).
    pub implausible: Option<String>,
    /// Why its housing is not an old estate: it lies in campus, hospital, military or industrial
    /// grounds (`education w5 (amenity=university)`); such an estate is ineligible for bundles.
    pub not_old_estate: Option<String>,
}

impl Estate {
    /// No building stands in the estate and nobody gave a figure: its population is unknown (written as
    /// null, flagged `needs_survey`), not 0.
    pub fn population_unknown(&self) -> bool {
        self.population_source == PopulationSource::Unknown
    }

    /// A newly read estate whose population is not known yet (the population estimate or a survey fills it).
    ///
    /// ```
    /// use lifecircle::model::{Estate, EstateSource, PopulationSource};
    /// let e = Estate::unpopulated("w1", None, geo_types::MultiPolygon(vec![]), EstateSource::OsmLanduse);
    /// assert_eq!((e.population, e.population_source, e.n_buildings), (0.0, PopulationSource::Unknown, 0));
    /// ```
    pub fn unpopulated(id: impl Into<String>, name: Option<String>, polygon: MultiPolygon<f64>, source: EstateSource) -> Estate {
        Estate {
            id: id.into(),
            name,
            polygon,
            source,
            population: 0.0,
            households: 0.0,
            population_source: PopulationSource::Unknown,
            floor_area_m2: 0.0,
            n_buildings: 0,
            built_year: None,
            survey: SurveyAttributes::default(),
            notes: EstateNotes::default(),
        }
    }
}

/// A building footprint.
#[derive(Debug, Clone, PartialEq)]
pub struct Building {
    pub id: String,
    pub footprint: MultiPolygon<f64>,
    /// `building:levels` when mapped.
    pub levels: Option<f64>,
    /// The `building=*` value (`yes`, `residential`, `apartments` ...).
    pub use_: String,
    /// Counted as housing by the profile's rules.
    pub residential: bool,
    /// A mapped lift: `Some(true)` for `elevator=yes` or `building:elevator=yes`, `Some(false)` for
    /// `=no`, `None` when not mapped.
    pub lift: Option<bool>,
}

/// A facility's geometry: a point, or a polygon reached at its boundary (parks, schools).
#[derive(Debug, Clone, PartialEq)]
pub enum FacilityGeometry {
    Point(Point<f64>),
    Area(MultiPolygon<f64>),
}

/// A service facility matched to one profile category. A feature that matches two categories is two facilities.
#[derive(Debug, Clone, PartialEq)]
pub struct Facility {
    pub id: String,
    pub name: Option<String>,
    /// A category key of the profile (`kindergarten`, `park` ...).
    pub category: String,
    pub geometry: FacilityGeometry,
    /// Seats, beds ... when known.
    pub capacity: Option<f64>,
    /// The rule or field that matched (`amenity=kindergarten`, `layer`).
    pub matched_by: String,
}

/// An idle-land candidate parcel (闲置用地 / 低效用地).
#[derive(Debug, Clone, PartialEq)]
pub struct Parcel {
    pub id: String,
    pub polygon: MultiPolygon<f64>,
    /// Why it is a candidate: the OSM tag (`landuse=brownfield`) or `layer`.
    pub origin: String,
}

/// A line or area people cannot cross on foot except at crossings: railway, water, arterial road.
#[derive(Debug, Clone, PartialEq)]
pub struct Barrier {
    pub id: String,
    /// A (Multi)LineString or a MultiPolygon (the readers reject anything else); written to the
    /// `barriers` and `barrier_areas` layers respectively.
    pub geometry: Geometry<f64>,
    /// The OSM value that made it a barrier: `rail`, `river`, `water`, `primary` ...
    pub class: String,
}

impl Barrier {
    /// Mapped as an area (a polygon: water, railway land), not as a line.
    pub fn is_area(&self) -> bool {
        matches!(self.geometry, Geometry::Polygon(_) | Geometry::MultiPolygon(_) | Geometry::Rect(_) | Geometry::Triangle(_))
    }
}

/// The administrative level of a boundary polygon.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BoundaryLevel {
    /// 社区 (residents' committee).
    Community,
    /// 街道 (sub-district).
    Street,
}

/// A 社区 or 街道 boundary.
#[derive(Debug, Clone, PartialEq)]
pub struct Boundary {
    pub id: String,
    pub name: Option<String>,
    pub level: BoundaryLevel,
    pub polygon: MultiPolygon<f64>,
}

/// An entrance of a compound (`barrier=gate`, `entrance=*`).
#[derive(Debug, Clone, PartialEq)]
pub struct Gate {
    pub id: String,
    pub point: Point<f64>,
    /// `gate`, `entrance`, `lift_gate` ...
    pub kind: String,
    pub access: Option<String>,
}

/// A walkable way as mapped: its line and the tags the walk rules read (`highway`, `access`, `foot` ...).
#[derive(Debug, Clone, PartialEq)]
pub struct Way {
    pub id: String,
    pub line: LineString<f64>,
    pub tags: BTreeMap<String, String>,
}

/// An area of a `[[protected_land]]` class of the profile (park, woodland, water, school grounds ...):
/// never a siting candidate; housing inside a class with `housing_not_estate` is not an old estate.
#[derive(Debug, Clone, PartialEq)]
pub struct ProtectedArea {
    pub id: String,
    /// The profile class (`park`, `woodland`, `education` ...).
    pub class: String,
    /// The rule that matched (`natural=wood`).
    pub matched_by: String,
    pub polygon: MultiPolygon<f64>,
    /// Never a siting candidate (the class's `protected`; `false` for industrial land).
    pub protected: bool,
    /// Housing inside is not an old estate (campus, hospital, military, industrial grounds).
    pub housing_not_estate: bool,
}

/// An input feature that did not make it into the model, and why. Nothing is dropped silently.
#[derive(Debug, Clone, PartialEq)]
pub struct Reject {
    /// The file it came from (or the OSM file).
    pub source: String,
    /// The layer it was read for (`estates`, `facilities` ...).
    pub layer: String,
    pub source_id: String,
    /// A [`RejectCode`], a colon and the particulars in English (`missing_nodes: 3 of its 9 nodes ...`).
    pub reason: String,
    /// In the working CRS, when the feature had a usable one.
    pub geometry: Option<Geometry<f64>>,
}

/// The enum, its [`RejectCode::ALL`] and [`RejectCode::key`] from one list, so that no code can be
/// missing from either.
macro_rules! reject_codes {
    ($(#[$enum_doc:meta])* pub enum RejectCode { $($(#[$doc:meta])* $variant:ident => $key:literal,)+ }) => {
        $(#[$enum_doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum RejectCode {
            $($(#[$doc])* $variant,)+
        }

        impl RejectCode {
            /// Every code, in the order of the list.
            pub const ALL: &[RejectCode] = &[$(RejectCode::$variant,)+];

            /// The code as written in outputs (`missing_nodes`).
            pub fn key(self) -> &'static str {
                match self {
                    $(RejectCode::$variant => $key,)+
                }
            }
        }
    };
}

reject_codes! {
    /// Why an input feature was rejected: the stable code a reject's reason starts with (`missing_nodes: ...`).
    /// The rejects layer carries it as `reason_code`, which the catalogue names for a reader
    /// (`values.reason_code.<code>` in `data/lang/*.toml`); the reason's text after the code gives the
    /// particulars (ids, values, limits) in English, written from a case of the catalogue where there is
    /// one ([`RejectCode::reason_for`]) so that a reader's language can word it.
    ///
    /// ```
    /// use lifecircle::model::RejectCode;
    /// let reason = RejectCode::DuplicateId.reason("id `g1` again");
    /// assert_eq!(reason, "duplicate_id: id `g1` again");
    /// assert_eq!(RejectCode::of_reason(&reason), Some(RejectCode::DuplicateId));
    /// ```
    pub enum RejectCode {
        // OpenStreetMap elements (the OSM reader's table of codes).
        MissingNodes => "missing_nodes",
        UnprojectableNode => "unprojectable_node",
        UnclosedWay => "unclosed_way",
        DegenerateArea => "degenerate_area",
        DegenerateLine => "degenerate_line",
        InvalidPolygon => "invalid_polygon",
        PointNotArea => "point_not_area",
        GateNotNode => "gate_not_node",
        HighwayArea => "highway_area",
        NotAreaRelation => "not_area_relation",
        MultipolygonNoWays => "multipolygon_no_ways",
        MultipolygonMissingWay => "multipolygon_missing_way",
        MultipolygonMissingNodes => "multipolygon_missing_nodes",
        MultipolygonUnclosedRing => "multipolygon_unclosed_ring",
        MultipolygonDegenerateRing => "multipolygon_degenerate_ring",
        /// The estates step: a residential building outside every estate in too small a cluster.
        ClusterTooSmall => "cluster_too_small",
        // Planner layers (GeoJSON, GeoPackage, Shapefile ...).
        NoGeometry => "no_geometry",
        InvalidGeometry => "invalid_geometry",
        WrongGeometryType => "wrong_geometry_type",
        CoordinatesOutOfRange => "coordinates_out_of_range",
        CoordinatesNotConvertible => "coordinates_not_convertible",
        Unprojectable => "unprojectable",
        HoleOutsideShell => "hole_outside_shell",
        DuplicateId => "duplicate_id",
        NoCategory => "no_category",
        UnknownCategory => "unknown_category",
        NotHousing => "not_housing",
        InvalidValue => "invalid_value",
        ValueOutOfRange => "value_out_of_range",
        // The walking network and the coverage run.
        NonFiniteCoordinate => "non_finite_coordinate",
        NotWalkable => "not_walkable",
        PrivateWay => "private_way",
        Unreachable => "unreachable",
    }
}

impl RejectCode {
    /// The code written as `key`, if any.
    pub fn from_key(key: &str) -> Option<RejectCode> {
        RejectCode::ALL.iter().copied().find(|c| c.key() == key)
    }

    /// A reject's reason: the code, then the particulars (`duplicate_id: ...`).
    pub fn reason(self, particulars: impl std::fmt::Display) -> String {
        format!("{}: {particulars}", self.key())
    }

    /// A reason whose particulars are case `case` of the code in the catalogue's English
    /// (`reject_particulars.<code>.<case>` in `data/lang/en.toml`) with its values, so that a reader's
    /// language can word it ([`crate::write::reject_reasons::reason_text_in`]).
    pub fn reason_for(self, case: &str, values: &[(&str, &dyn std::fmt::Display)]) -> String {
        self.reason(self.particulars(case, values))
    }

    /// The particulars of [`RejectCode::reason_for`] alone (for readers that add the code later).
    pub fn particulars(self, case: &str, values: &[(&str, &dyn std::fmt::Display)]) -> String {
        let english = crate::lang::Catalogue::of(crate::lang::Lang::En);
        english.tr_with(&format!("reject_particulars.{}.{case}", self.key()), values)
    }

    /// The code a reason starts with (`None` for a reason without one).
    pub fn of_reason(reason: &str) -> Option<RejectCode> {
        RejectCode::from_key(reason.split_once(':')?.0)
    }
}

impl Reject {
    /// The code of this reject's reason ([`RejectCode::of_reason`]).
    pub fn code(&self) -> Option<RejectCode> {
        RejectCode::of_reason(&self.reason)
    }
}

/// Everything read for one run, in the working CRS.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    pub estates: Vec<Estate>,
    pub buildings: Vec<Building>,
    pub facilities: Vec<Facility>,
    pub parcels: Vec<Parcel>,
    pub barriers: Vec<Barrier>,
    pub boundaries: Vec<Boundary>,
    pub gates: Vec<Gate>,
    pub ways: Vec<Way>,
    /// Protected land and grounds (`[[protected_land]]`), in file order.
    pub protected_land: Vec<ProtectedArea>,
    pub rejects: Vec<Reject>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::{Catalogue, Lang};

    #[test]
    fn every_reject_code_reads_back_and_is_named_in_both_languages() {
        let keys: std::collections::BTreeSet<&str> = RejectCode::ALL.iter().map(|c| c.key()).collect();
        assert_eq!(keys.len(), RejectCode::ALL.len(), "two codes share a key");
        for &code in RejectCode::ALL {
            assert_eq!(RejectCode::from_key(code.key()), Some(code));
            // Particulars may hold colons of their own.
            assert_eq!(RejectCode::of_reason(&code.reason("population: not a number")), Some(code));
            for lang in [Lang::Zh, Lang::En] {
                let name = Catalogue::of(lang).get(&format!("values.reason_code.{}", code.key()));
                assert!(name.is_some_and(|n| !n.is_empty()), "{code:?} has no name in {lang:?}");
            }
        }
        // The catalogue names no code the engine does not write.
        let named: Vec<&str> = Catalogue::of(Lang::Zh).keys().filter_map(|k| k.strip_prefix("values.reason_code.")).collect();
        assert_eq!(named.len(), RejectCode::ALL.len());
        assert!(named.iter().all(|k| RejectCode::from_key(k).is_some()), "{named:?}");
        // A reason without a known code has none.
        assert_eq!(RejectCode::of_reason("duplicate id `g1`: kept the first"), None);
        assert_eq!(RejectCode::of_reason("no colon at all"), None);
        let reject = Reject { source: "a.geojson".into(), layer: "gates".into(), source_id: "7".into(), reason: RejectCode::NoGeometry.reason("none"), geometry: None };
        assert_eq!(reject.code(), Some(RejectCode::NoGeometry));
    }
}
