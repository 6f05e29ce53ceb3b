//! The rule profile: facility categories, their GB 50180-2018 distance thresholds, the OpenStreetMap tag
//! rules that find them, and the population constants. Loaded from TOML (`data/profiles/gb50180.toml` is
//! embedded as the default; `--profile FILE` replaces it) and checked before any work starts.
//!
//! A tag rule is conditions joined by `&`, all of which must hold:
//! `key=value`, `key=*` (present), `key!=value` (absent or different), `!key` (absent),
//! `key~text` (value contains), `key!~text` (absent or does not contain), `key$=text` (value ends with).
//!
//! ```
//! use lifecircle::profile::TagRule;
//! let rule: TagRule = "amenity=school & name~小学".parse().unwrap();
//! assert!(rule.matches(|k| match k { "amenity" => Some("school"), "name" => Some("南京市小学"), _ => None }));
//! assert!(!rule.matches(|k| match k { "amenity" => Some("school"), _ => None }));
//! ```

use crate::lang::Lang;
use serde::Deserialize;
use std::fmt;
use std::path::Path;
use std::str::FromStr;

/// The profile shipped with lifecircle.
pub const DEFAULT_PROFILE_TOML: &str = include_str!("../data/profiles/gb50180.toml");

/// One condition of a [`TagRule`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagCondition {
    Equals(String, String),
    NotEquals(String, String),
    Present(String),
    Absent(String),
    Contains(String, String),
    NotContains(String, String),
    EndsWith(String, String),
}

impl TagCondition {
    fn holds<'a>(&self, tag: &impl Fn(&str) -> Option<&'a str>) -> bool {
        match self {
            TagCondition::Equals(k, v) => tag(k) == Some(v.as_str()),
            TagCondition::NotEquals(k, v) => tag(k) != Some(v.as_str()),
            TagCondition::Present(k) => tag(k).is_some(),
            TagCondition::Absent(k) => tag(k).is_none(),
            TagCondition::Contains(k, v) => tag(k).is_some_and(|x| x.contains(v.as_str())),
            TagCondition::NotContains(k, v) => !tag(k).is_some_and(|x| x.contains(v.as_str())),
            TagCondition::EndsWith(k, v) => tag(k).is_some_and(|x| x.ends_with(v.as_str())),
        }
    }

    /// The key the condition reads.
    pub fn key(&self) -> &str {
        match self {
            TagCondition::Equals(k, _)
            | TagCondition::NotEquals(k, _)
            | TagCondition::Present(k)
            | TagCondition::Absent(k)
            | TagCondition::Contains(k, _)
            | TagCondition::NotContains(k, _)
            | TagCondition::EndsWith(k, _) => k,
        }
    }
}

/// A conjunction of tag conditions, written `amenity=school & isced:level=1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagRule {
    pub text: String,
    pub conditions: Vec<TagCondition>,
}

impl TagRule {
    /// Whether a feature whose tag values `tag(key)` returns satisfies every condition.
    pub fn matches<'a>(&self, tag: impl Fn(&str) -> Option<&'a str>) -> bool {
        self.conditions.iter().all(|c| c.holds(&tag))
    }

    /// The keys of the positive conditions: a feature lacking all of them can never match.
    pub fn required_keys(&self) -> impl Iterator<Item = &str> {
        self.conditions.iter().filter_map(|c| match c {
            TagCondition::Equals(k, _) | TagCondition::Present(k) | TagCondition::Contains(k, _) | TagCondition::EndsWith(k, _) => Some(k.as_str()),
            _ => None,
        })
    }
}

impl fmt::Display for TagRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for TagRule {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        let mut conditions = Vec::new();
        for part in text.split('&') {
            let part = part.trim();
            let nonempty = |s: &str, what: &str| -> Result<String, String> {
                let s = s.trim();
                if s.is_empty() { Err(format!("empty {what} in condition `{part}`")) } else { Ok(s.to_string()) }
            };
            let condition = if let Some(key) = part.strip_prefix('!') {
                TagCondition::Absent(nonempty(key, "key")?)
            } else if let Some((k, v)) = part.split_once("!=") {
                TagCondition::NotEquals(nonempty(k, "key")?, nonempty(v, "value")?)
            } else if let Some((k, v)) = part.split_once("!~") {
                TagCondition::NotContains(nonempty(k, "key")?, nonempty(v, "value")?)
            } else if let Some((k, v)) = part.split_once("$=") {
                TagCondition::EndsWith(nonempty(k, "key")?, nonempty(v, "value")?)
            } else if let Some((k, v)) = part.split_once('~') {
                TagCondition::Contains(nonempty(k, "key")?, nonempty(v, "value")?)
            } else if let Some((k, v)) = part.split_once('=') {
                let v = nonempty(v, "value")?;
                if v == "*" { TagCondition::Present(nonempty(k, "key")?) } else { TagCondition::Equals(nonempty(k, "key")?, v) }
            } else {
                return Err(format!("condition `{part}` has no operator (use key=value, key=*, !key, key~text ...)"));
            };
            conditions.push(condition);
        }
        if !conditions.iter().any(|c| matches!(c, TagCondition::Equals(..) | TagCondition::Present(..) | TagCondition::Contains(..) | TagCondition::EndsWith(..))) {
            return Err(format!("rule `{text}` has only negative conditions and would match almost everything"));
        }
        Ok(TagRule { text: text.trim().to_string(), conditions })
    }
}

impl<'de> Deserialize<'de> for TagRule {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Life-circle tier of a category (GB 50180-2018 Table 3.0.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
pub enum Tier {
    #[serde(rename = "5min")]
    FiveMinute,
    #[serde(rename = "10min")]
    TenMinute,
    #[serde(rename = "15min")]
    FifteenMinute,
}

impl Category {
    /// The name a reader of `lang` sees.
    pub fn display_name(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.name_zh,
            Lang::En => self.name_en.as_deref().unwrap_or(&self.key),
        }
    }

    /// The facility's name in GB 50180-2018 (the long official name).
    pub fn name_zh_full(&self) -> &str {
        self.name_zh_full.as_deref().unwrap_or(&self.name_zh)
    }

    /// Every word that names this category: key, names and aliases.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        [Some(self.key.as_str()), Some(self.name_zh.as_str()), self.name_zh_full.as_deref(), self.name_en.as_deref()]
            .into_iter()
            .flatten()
            .chain(self.aliases.iter().map(String::as_str))
    }
}

/// The form names are compared in: full-width ASCII letters and digits made half-width (Ａ → A, as Chinese
/// input methods type them), white space (also the ideographic space U+3000) removed, lower case.
pub fn name_form(value: &str) -> String {
    value
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

impl Tier {
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::FiveMinute => "5min",
            Tier::TenMinute => "10min",
            Tier::FifteenMinute => "15min",
        }
    }
}

/// A facility category: what it is, how far residents may walk to it, how to find it in OSM, how much land it needs.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub key: String,
    /// The short Chinese name every map, table and legend shows (幼儿园, 菜市场 ...).
    pub name_zh: String,
    /// The facility's name in GB 50180-2018 Appendix B / C; `name_zh` when not given.
    #[serde(default)]
    pub name_zh_full: Option<String>,
    /// The English display name; the key when not given.
    #[serde(default)]
    pub name_en: Option<String>,
    /// Other words for the category that layers and `--categories` accept (农贸市场, 养老院 ...).
    #[serde(default)]
    pub aliases: Vec<String>,
    pub tier: Tier,
    pub threshold_m: f64,
    #[serde(default)]
    pub must_have: bool,
    #[serde(default)]
    pub osm: Vec<TagRule>,
    pub land_min_area_m2: f64,
    pub land_min_width_m: f64,
    /// Candidate origins this category may use (`derived:open_land`, `layer`, `osm:landuse=brownfield`;
    /// a trailing `*` matches any ending); `None`: `[siting] default_candidate_origins`.
    #[serde(default)]
    pub candidate_origins: Option<Vec<String>>,
}

impl Category {
    /// Whether a candidate of this origin may host the category: its `candidate_origins`, else the
    /// profile's `default_candidate_origins` ([`origin_matches`]).
    pub fn may_use_origin(&self, siting: &SitingRules, origin: &str) -> bool {
        let patterns = self.candidate_origins.as_ref().unwrap_or(&siting.default_candidate_origins);
        patterns.iter().any(|p| origin_matches(p, origin))
    }
}

/// Whether a candidate origin matches a pattern: equal, or the pattern ends in `*` and the origin starts
/// with what precedes it.
///
/// ```
/// use lifecircle::profile::origin_matches;
/// assert!(origin_matches("osm:amenity=parking*", "osm:amenity=parking & parking!=underground"));
/// assert!(origin_matches("layer", "layer") && !origin_matches("osm:landuse=grass", "osm:landuse=brownfield"));
/// assert!(origin_matches("*", "derived:open_land"));
/// ```
pub fn origin_matches(pattern: &str, origin: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => origin.starts_with(prefix),
        None => pattern == origin,
    }
}

/// A class of protected land (`[[protected_land]]`): never a siting candidate, taken out of derived
/// open land. `housing_not_estate`: housing inside it is not an old estate (campus, hospital, military,
/// industrial grounds).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProtectedLandClass {
    pub class: String,
    pub osm: Vec<TagRule>,
    /// Land a facility never takes (parks, woods, water ...). `false` for grounds that only make housing
    /// in them not an old estate (industrial land may be redeveloped).
    #[serde(default = "yes")]
    pub protected: bool,
    #[serde(default)]
    pub housing_not_estate: bool,
}

fn yes() -> bool {
    true
}

/// Siting rules (`[siting]`; defaults when absent: every origin allowed, no combined building).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SitingRules {
    /// Candidate origins a category without its own `candidate_origins` may use.
    pub default_candidate_origins: Vec<String>,
    /// Categories that may share one combined building (综合服务站) on one parcel: their land needs add
    /// up, their widths do not (one building of the largest width); other co-located categories each need
    /// their own disc, placed without overlap.
    pub combined_building: Vec<String>,
}

impl Default for SitingRules {
    fn default() -> SitingRules {
        SitingRules { default_candidate_origins: vec!["*".to_string()], combined_building: Vec::new() }
    }
}

/// Population constants and the rules that tell housing from other buildings.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PopulationRules {
    pub floor_area_per_person_m2: f64,
    pub household_size: f64,
    pub default_levels: f64,
    pub residential_building_values: Vec<String>,
    pub untyped_building_values: Vec<String>,
    pub non_residential_areas: Vec<TagRule>,
    pub cluster_gap_m: f64,
    pub cluster_min_buildings: usize,
    pub cluster_margin_m: f64,
    pub cluster_split_highways: Vec<String>,
}

/// Estates from `landuse=residential` areas (`[estates]`): the rules that find them and the limits above
/// which an estate is not plausible as one 小区 (flagged, kept).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EstateRules {
    pub osm: Vec<TagRule>,
    /// Split residential areas crossed by public streets into blocks (default true).
    #[serde(default = "yes")]
    pub split_into_blocks: bool,
    /// A residential area crossed by a public street (`population.cluster_split_highways`) is split into
    /// blocks (街坊) along it; pieces smaller than this are slivers along the street and are dropped.
    #[serde(default = "block_min_area_m2")]
    pub block_min_area_m2: f64,
    /// An estate larger than this is flagged `implausible` (m²).
    #[serde(default = "plausible_max_area_m2")]
    pub plausible_max_area_m2: f64,
    /// An estate with more residents than this is flagged `implausible`.
    #[serde(default = "plausible_max_residents")]
    pub plausible_max_residents: f64,
}

fn block_min_area_m2() -> f64 {
    1000.0
}
fn plausible_max_area_m2() -> f64 {
    200_000.0
}
fn plausible_max_residents() -> f64 {
    15_000.0
}

/// A list of OSM rules for one layer.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OsmRules {
    pub osm: Vec<TagRule>,
}

/// The walking network's rules: which mapped ways people walk, how far a point may lie from the network,
/// how compounds and their gates are recognised (`[walk]`; every field has a default, so profiles written
/// before the section existed still load). Read by [`crate::network`].
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WalkRules {
    /// A point (entrance, facility) farther than this from the walking network is unreachable (rejected).
    pub max_snap_m: f64,
    /// Gates within this distance of an estate's boundary are its entrances.
    pub gate_distance_m: f64,
    /// A way within this distance of an estate's or facility area's boundary meets it (an entrance).
    pub boundary_meet_m: f64,
    /// Nearest-facility search radius as a multiple of the largest category threshold.
    pub search_radius_factor: f64,
    /// Service-area polygons: reached network lines buffered by this many metres and dissolved.
    pub service_area_buffer_m: f64,
    /// `highway=*` values nobody walks.
    pub excluded_highways: Vec<String>,
    /// `highway=*` values walked only with `foot=yes|designated|permissive` or a `sidewalk` on the road.
    pub motor_only_highways: Vec<String>,
    /// `access=*` / `foot=*` values that make a way private: inside a compound it is the compound's own,
    /// elsewhere nobody walks it.
    pub private_access_values: Vec<String>,
    /// `highway=*` values that, inside an estate, are the compound's internal roads, not public routes.
    pub compound_internal_highways: Vec<String>,
    /// Gates whose `access=*` is one of these are closed: not entrances (a scenario may open them).
    pub closed_gate_access_values: Vec<String>,
    /// `--distance straight`: walked ÷ straight-line distance assumed without a walking network.
    pub straight_line_detour: f64,
}

impl Default for WalkRules {
    fn default() -> WalkRules {
        let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
        WalkRules {
            max_snap_m: 200.0,
            gate_distance_m: 20.0,
            boundary_meet_m: 1.0,
            search_radius_factor: 1.5,
            service_area_buffer_m: 25.0,
            excluded_highways: strings(&[
                "construction", "proposed", "planned", "abandoned", "disused", "razed", "raceway", "bus_guideway",
                "busway", "escape", "emergency_bay", "rest_area", "services",
            ]),
            motor_only_highways: strings(&["motorway", "motorway_link", "trunk", "trunk_link"]),
            private_access_values: strings(&["private", "residents", "permit", "delivery"]),
            compound_internal_highways: strings(&["service"]),
            closed_gate_access_values: strings(&["no"]),
            straight_line_detour: 1.3,
        }
    }
}

/// `[walkers]`: how older residents and wheelchair users walk, compared with an adult (`--walker`).
/// Defaults when the section is absent.
#[derive(Debug, Clone, PartialEq, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct WalkerRules {
    pub elderly: ElderlyRules,
    pub wheelchair: WheelchairRules,
}

/// `[walkers.elderly]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ElderlyRules {
    /// The effort of a way tagged `highway=*` with one of these values is multiplied by `steps_factor`.
    pub steps_highways: Vec<String>,
    pub steps_factor: f64,
    /// On a DEM, the effort of a 10 m piece steeper than this (rise over run, either way) is multiplied
    /// by `steep_factor`.
    pub steep_slope: f64,
    pub steep_factor: f64,
}

impl Default for ElderlyRules {
    fn default() -> ElderlyRules {
        ElderlyRules { steps_highways: vec!["steps".into()], steps_factor: 3.0, steep_slope: 0.08, steep_factor: 1.5 }
    }
}

/// `[walkers.wheelchair]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WheelchairRules {
    /// Ways with `highway=*` among these are not used (steps).
    pub excluded_highways: Vec<String>,
    /// Ways with `wheelchair=*` among these are not used.
    pub excluded_wheelchair_values: Vec<String>,
    /// Ways with `surface=*` among these are not used (where mapped).
    pub excluded_surfaces: Vec<String>,
    /// On a DEM, an edge with a 10 m piece steeper than this (rise over run, either way) is not used.
    pub max_slope: f64,
}

impl Default for WheelchairRules {
    fn default() -> WheelchairRules {
        let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
        WheelchairRules {
            excluded_highways: strings(&["steps"]),
            excluded_wheelchair_values: strings(&["no"]),
            excluded_surfaces: strings(&["sand", "mud", "grass", "pebblestone", "woodchips", "stepping_stones"]),
            max_slope: 0.08,
        }
    }
}

/// `[lifts]`: which buildings are lift retrofit candidates (既有住宅加装电梯, [`crate::estates::lifts`]).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LiftRules {
    /// Residential buildings with at least this many mapped levels.
    pub min_levels: f64,
    /// In an estate built before this year (an unknown year lists the building as needing a survey).
    pub built_before: i32,
}

impl Default for LiftRules {
    fn default() -> LiftRules {
        LiftRules { min_levels: 4.0, built_before: 2001 }
    }
}

/// The whole profile.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub name: String,
    pub walking_speed_m_per_min: f64,
    /// `[walk]`: the walking network's rules (defaults when the section is absent).
    #[serde(default)]
    pub walk: WalkRules,
    /// `[walkers]`: the elderly and wheelchair walkers (defaults when the section is absent).
    #[serde(default)]
    pub walkers: WalkerRules,
    /// `[lifts]`: lift retrofit candidates (defaults when the section is absent).
    #[serde(default)]
    pub lifts: LiftRules,
    pub population: PopulationRules,
    pub estates: EstateRules,
    pub gates: OsmRules,
    pub idle_land: OsmRules,
    pub barriers: OsmRules,
    /// `[siting]`: which candidate origins categories may use, which may share a building.
    #[serde(default)]
    pub siting: SitingRules,
    /// `[[protected_land]]`: land never sited on, grounds whose housing is not an estate.
    #[serde(default)]
    pub protected_land: Vec<ProtectedLandClass>,
    #[serde(rename = "category")]
    pub categories: Vec<Category>,
    /// `[[scheme.amap]]` / `[[scheme.baidu]]`: map providers' codes to categories and estate types.
    #[serde(default)]
    pub scheme: Schemes,
}

/// A map provider's classification a layer's codes are read in (layer option `scheme=amap|baidu`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CategoryScheme {
    /// Amap (高德) POI typecodes: 6 digits, a code ending in `00` / `0000` matches its children.
    Amap,
    /// Baidu (百度) POI tags: levels joined by `;` (`教育培训;幼儿园`), a tag matches its children.
    Baidu,
}

impl CategoryScheme {
    pub fn as_str(self) -> &'static str {
        match self {
            CategoryScheme::Amap => "amap",
            CategoryScheme::Baidu => "baidu",
        }
    }

    /// The field the code is read from when the layer names none (`category=FIELD`).
    pub fn default_field(self) -> &'static str {
        match self {
            CategoryScheme::Amap => "typecode",
            CategoryScheme::Baidu => "tag",
        }
    }

    /// The provider's name in messages.
    pub fn provider(self) -> &'static str {
        match self {
            CategoryScheme::Amap => "Amap typecode",
            CategoryScheme::Baidu => "Baidu tag",
        }
    }

    /// The prefix a row's code matches by (Amap: trailing `00` pairs dropped; Baidu: the tag itself).
    fn prefix(self, code: &str) -> String {
        let code = code.trim();
        match self {
            CategoryScheme::Amap => {
                let mut c = code;
                while c.len() > 2 && c.ends_with("00") {
                    c = &c[..c.len() - 2];
                }
                c.to_string()
            }
            CategoryScheme::Baidu => code.split([';', '；']).map(str::trim).collect::<Vec<_>>().join(";"),
        }
    }

    /// How specifically a row's `prefix` matches a feature's `code` (`None`: not at all).
    fn match_length(self, prefix: &str, code: &str) -> Option<usize> {
        match self {
            CategoryScheme::Amap => code.starts_with(prefix).then_some(prefix.len()),
            CategoryScheme::Baidu => {
                let code = self.prefix(code);
                (code == prefix || code.starts_with(&format!("{prefix};"))).then(|| prefix.split(';').count())
            }
        }
    }
}

impl FromStr for CategoryScheme {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "amap" | "gaode" | "高德" => Ok(CategoryScheme::Amap),
            "baidu" | "百度" => Ok(CategoryScheme::Baidu),
            _ => Err("the schemes are amap (高德 typecodes) and baidu (百度 tags)".to_string()),
        }
    }
}

/// Whether an AOI of a scheme code is housing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EstateVerdict {
    /// Housing: an estate.
    Yes,
    /// A villa estate: an estate whose type is 别墅 (the eligibility rule excludes villas).
    Villa,
    /// Not housing (office, industrial park, dormitory ...): rejected, the reason naming the type.
    No,
}

/// One row of a scheme table.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchemeRow {
    /// The provider's code (Amap `141204`, Baidu `教育培训;幼儿园`); it matches its children too.
    pub code: String,
    /// What the code means, for messages (`幼儿园 (kindergarten)`).
    pub label: String,
    /// The profile category a POI of this code is (none: no facility).
    #[serde(default)]
    pub category: Option<String>,
    /// Whether an AOI of this code is an estate (none: not housing either).
    #[serde(default)]
    pub estate: Option<EstateVerdict>,
}

/// The scheme tables of the profile.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Schemes {
    pub amap: Vec<SchemeRow>,
    pub baidu: Vec<SchemeRow>,
}

impl Schemes {
    pub fn rows(&self, scheme: CategoryScheme) -> &[SchemeRow] {
        match scheme {
            CategoryScheme::Amap => &self.amap,
            CategoryScheme::Baidu => &self.baidu,
        }
    }

    /// The most specific row matching `code` (Amap codes may list several, `141202|141400`: the first
    /// that matches any row wins).
    ///
    /// ```
    /// use lifecircle::profile::{CategoryScheme, EstateVerdict, Profile};
    /// let p = Profile::default_profile();
    /// let row = p.scheme.lookup(CategoryScheme::Amap, "120302").unwrap();
    /// assert_eq!(row.estate, Some(EstateVerdict::Yes));
    /// assert_eq!(p.scheme.lookup(CategoryScheme::Amap, "120301").unwrap().estate, Some(EstateVerdict::Villa));
    /// assert_eq!(p.scheme.lookup(CategoryScheme::Baidu, "医疗;诊所").unwrap().category.as_deref(), Some("health_station"));
    /// assert!(p.scheme.lookup(CategoryScheme::Amap, "990000").is_none());
    /// ```
    pub fn lookup(&self, scheme: CategoryScheme, code: &str) -> Option<&SchemeRow> {
        let parts: Vec<&str> = match scheme {
            CategoryScheme::Amap => code.split(['|', ';', ',']).map(str::trim).filter(|c| !c.is_empty()).collect(),
            CategoryScheme::Baidu => vec![code.trim()],
        };
        parts.into_iter().find_map(|code| {
            self.rows(scheme)
                .iter()
                .filter_map(|row| scheme.match_length(&scheme.prefix(&row.code), code).map(|n| (n, row)))
                .max_by_key(|(n, _)| *n)
                .map(|(_, row)| row)
        })
    }
}

/// Why a profile could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("cannot read profile {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("profile {path} is not valid TOML for a lifecircle profile: {message}")]
    Parse { path: String, message: String },
    #[error("profile {path}: {message}")]
    Invalid { path: String, message: String },
}

impl Profile {
    /// The embedded GB 50180-2018 profile.
    pub fn default_profile() -> Profile {
        // The embedded file is checked by a unit test, so this cannot fail at run time.
        Profile::from_toml(DEFAULT_PROFILE_TOML, "embedded gb50180.toml").unwrap_or_else(|e| panic!("{e}"))
    }

    /// Read and check a profile file.
    pub fn load(path: &Path) -> Result<Profile, ProfileError> {
        let text = std::fs::read_to_string(path).map_err(|source| ProfileError::Read { path: path.display().to_string(), source })?;
        Profile::from_toml(&text, &path.display().to_string())
    }

    /// Parse and check profile text; `path` names it in messages.
    pub fn from_toml(text: &str, path: &str) -> Result<Profile, ProfileError> {
        let profile: Profile = toml::from_str(text).map_err(|e| ProfileError::Parse { path: path.to_string(), message: e.to_string() })?;
        profile.check().map_err(|message| ProfileError::Invalid { path: path.to_string(), message })?;
        Ok(profile)
    }

    fn check(&self) -> Result<(), String> {
        let positive = |what: &str, v: f64| {
            if v.is_finite() && v > 0.0 { Ok(()) } else { Err(format!("{what} is {v}; it must be a positive number")) }
        };
        positive("walking_speed_m_per_min", self.walking_speed_m_per_min)?;
        positive("population.floor_area_per_person_m2", self.population.floor_area_per_person_m2)?;
        positive("population.household_size", self.population.household_size)?;
        positive("population.default_levels", self.population.default_levels)?;
        if !(self.population.cluster_gap_m.is_finite() && self.population.cluster_gap_m >= 0.0) {
            return Err(format!("population.cluster_gap_m is {}; it must be 0 or more", self.population.cluster_gap_m));
        }
        positive("walk.max_snap_m", self.walk.max_snap_m)?;
        positive("walk.gate_distance_m", self.walk.gate_distance_m)?;
        positive("walk.service_area_buffer_m", self.walk.service_area_buffer_m)?;
        if !(self.walk.straight_line_detour.is_finite() && self.walk.straight_line_detour >= 1.0) {
            return Err(format!("walk.straight_line_detour is {}; it must be 1 or more (walked ÷ straight distance)", self.walk.straight_line_detour));
        }
        if !(self.walk.boundary_meet_m.is_finite() && self.walk.boundary_meet_m >= 0.0) {
            return Err(format!("walk.boundary_meet_m is {}; it must be 0 or more", self.walk.boundary_meet_m));
        }
        if !(self.walk.search_radius_factor.is_finite() && self.walk.search_radius_factor >= 1.0) {
            return Err(format!(
                "walk.search_radius_factor is {}; it must be at least 1 (the search must reach every threshold)",
                self.walk.search_radius_factor
            ));
        }
        positive("estates.block_min_area_m2", self.estates.block_min_area_m2)?;
        positive("estates.plausible_max_area_m2", self.estates.plausible_max_area_m2)?;
        positive("estates.plausible_max_residents", self.estates.plausible_max_residents)?;
        let e = &self.walkers.elderly;
        for (what, v) in [("walkers.elderly.steps_factor", e.steps_factor), ("walkers.elderly.steep_factor", e.steep_factor)] {
            if !(v.is_finite() && v >= 1.0) {
                return Err(format!("{what} is {v}; it must be at least 1 (an older walker is not faster than an adult)"));
            }
        }
        positive("walkers.elderly.steep_slope", e.steep_slope)?;
        positive("walkers.wheelchair.max_slope", self.walkers.wheelchair.max_slope)?;
        positive("lifts.min_levels", self.lifts.min_levels)?;
        if self.categories.is_empty() {
            return Err("no [[category]] is defined; a profile needs at least one facility category".into());
        }
        let mut seen = std::collections::BTreeSet::new();
        for c in &self.categories {
            if c.key.is_empty() || !c.key.chars().all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_') {
                return Err(format!("category key `{}` must be lower-case ASCII letters, digits and _ (it names output fields)", c.key));
            }
            if !seen.insert(c.key.as_str()) {
                return Err(format!("category key `{}` is defined twice", c.key));
            }
            if c.name_zh.trim().is_empty() {
                return Err(format!("category `{}` has an empty name_zh", c.key));
            }
            positive(&format!("category `{}` threshold_m", c.key), c.threshold_m)?;
            if !(c.land_min_area_m2.is_finite() && c.land_min_area_m2 >= 0.0 && c.land_min_width_m.is_finite() && c.land_min_width_m >= 0.0) {
                return Err(format!("category `{}` land needs must be 0 or more", c.key));
            }
        }
        for k in &self.siting.combined_building {
            if !seen.contains(k.as_str()) {
                return Err(format!("siting.combined_building names `{k}`, which is not a category key"));
            }
        }
        for p in &self.protected_land {
            if p.class.trim().is_empty() || p.osm.is_empty() {
                return Err("a [[protected_land]] entry needs a class name and at least one osm rule".into());
            }
        }
        for scheme in [CategoryScheme::Amap, CategoryScheme::Baidu] {
            let mut codes = std::collections::BTreeSet::new();
            for row in self.scheme.rows(scheme) {
                if scheme == CategoryScheme::Amap && !(row.code.len() == 6 && row.code.chars().all(|c| c.is_ascii_digit())) {
                    return Err(format!("scheme.amap code `{}` is not 6 digits", row.code));
                }
                if !codes.insert(scheme.prefix(&row.code)) {
                    return Err(format!("scheme.{} code `{}` is listed twice", scheme.as_str(), row.code));
                }
                if let Some(key) = &row.category
                    && self.category(key).is_none()
                {
                    return Err(format!("scheme.{} code `{}` names category `{key}`, which the profile does not define", scheme.as_str(), row.code));
                }
            }
        }
        let mut owner: std::collections::BTreeMap<String, &str> = std::collections::BTreeMap::new();
        for c in &self.categories {
            for name in c.names() {
                let form = name_form(name);
                match owner.get(&form) {
                    Some(&other) if other != c.key => {
                        return Err(format!("`{name}` names both category `{other}` and `{}`; a name or alias may name one category only", c.key));
                    }
                    _ => {
                        owner.insert(form, &c.key);
                    }
                }
            }
        }
        Ok(())
    }

    /// The category with this key.
    pub fn category(&self, key: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.key == key)
    }

    /// The position of the category a value names: its key, `name_zh`, `name_zh_full`, `name_en` or one of
    /// its aliases, compared by [`name_form`] (case, spaces and full-width letters aside).
    ///
    /// ```
    /// let profile = lifecircle::profile::Profile::default_profile();
    /// let market = profile.find_category("农贸市场").unwrap();
    /// assert_eq!(profile.categories[market].key, "vegetable_market");
    /// assert_eq!(profile.find_category(" Vegetable_Market "), Some(market));
    /// assert_eq!(profile.find_category("加油站"), None);
    /// ```
    pub fn find_category(&self, value: &str) -> Option<usize> {
        let wanted = name_form(value);
        if wanted.is_empty() {
            return None;
        }
        self.categories.iter().position(|c| c.names().any(|n| name_form(n) == wanted))
    }

    /// The categories' short Chinese names, `、`-separated, for messages that list what is accepted.
    pub fn category_names_zh(&self) -> String {
        self.categories.iter().map(|c| c.name_zh.as_str()).collect::<Vec<_>>().join("、")
    }

    /// Keys of the must-have categories, in profile order.
    pub fn must_have_keys(&self) -> Vec<&str> {
        self.categories.iter().filter(|c| c.must_have).map(|c| c.key.as_str()).collect()
    }

    /// The largest threshold, which bounds every search.
    pub fn max_threshold_m(&self) -> f64 {
        self.categories.iter().map(|c| c.threshold_m).fold(0.0, f64::max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_and_alias_of_the_default_profile_finds_its_category() {
        let profile = Profile::default_profile();
        let mut names = 0;
        for (i, c) in profile.categories.iter().enumerate() {
            assert!(c.name_zh.chars().count() <= 8, "{}: name_zh `{}` should be short", c.key, c.name_zh);
            for name in c.names() {
                assert_eq!(profile.find_category(name), Some(i), "`{name}`");
                names += 1;
            }
            assert_eq!(profile.find_category(&format!(" {} ", c.key.to_uppercase())), Some(i));
        }
        assert!(names >= 15 * 4, "{names}");
        assert_eq!(profile.find_category("ｖｅｇｅｔａｂｌｅ＿ｍａｒｋｅｔ"), profile.find_category("vegetable_market"));
        assert_eq!(profile.find_category("菜 市 场"), profile.find_category("vegetable_market"));
        assert_eq!(profile.find_category(""), None);
        assert_eq!(profile.categories[profile.find_category("口袋公园").unwrap()].key, "park");
        assert_eq!(profile.categories[profile.find_category("养老院").unwrap()].key, "elderly_care");
        assert_eq!(profile.categories[profile.find_category("日间照料中心").unwrap()].display_name(Lang::Zh), "养老服务站");
        assert_eq!(profile.categories[profile.find_category("卫生站").unwrap()].display_name(Lang::En), "Health station");
    }

    #[test]
    fn a_name_shared_by_two_categories_is_refused() {
        let mut text = crate::profile::DEFAULT_PROFILE_TOML.to_string();
        text = text.replacen("aliases = [\"幼稚园\"]", "aliases = [\"幼稚园\", \"托儿所\"]", 1);
        let e = Profile::from_toml(&text, "p.toml").unwrap_err().to_string();
        assert!(e.contains("`托儿所` names both category `kindergarten` and `nursery`"), "{e}");
    }

    fn tags<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<&'a str> + Copy + 'a {
        move |k| pairs.iter().find(|(kk, _)| *kk == k).map(|(_, v)| *v)
    }

    #[test]
    fn default_profile_loads_with_the_standard_thresholds() {
        let p = Profile::default_profile();
        assert_eq!(p.categories.len(), 15);
        assert_eq!(p.category("kindergarten").unwrap().threshold_m, 300.0);
        assert_eq!(p.category("primary_school").unwrap().threshold_m, 500.0);
        assert_eq!(p.category("middle_school").unwrap().threshold_m, 1000.0);
        assert_eq!(p.must_have_keys(), vec!["kindergarten", "nursery", "elderly_care", "health_station", "community_service"]);
        assert_eq!(p.population.household_size, 2.62);
        assert_eq!(p.population.floor_area_per_person_m2, 33.0);
        assert_eq!(p.max_threshold_m(), 1000.0);
    }

    #[test]
    fn rule_operators() {
        let r: TagRule = "amenity=school & !isced:level & name!~小学 & name!~中学".parse().unwrap();
        assert!(r.matches(tags(&[("amenity", "school"), ("name", "育英学校")])));
        assert!(!r.matches(tags(&[("amenity", "school"), ("name", "琅琊路小学")])));
        assert!(!r.matches(tags(&[("amenity", "school"), ("isced:level", "1")])));
        let r: TagRule = "entrance=*".parse().unwrap();
        assert!(r.matches(tags(&[("entrance", "main")])));
        assert!(!r.matches(tags(&[("barrier", "gate")])));
        let r: TagRule = "amenity=parking & parking!=underground".parse().unwrap();
        assert!(r.matches(tags(&[("amenity", "parking")])));
        assert!(!r.matches(tags(&[("amenity", "parking"), ("parking", "underground")])));
        let r: TagRule = "name$=小学".parse().unwrap();
        assert!(r.matches(tags(&[("name", "南京小学")])));
        assert!(!r.matches(tags(&[("name", "小学附属幼儿园")])));
    }

    #[test]
    fn bad_rules_are_refused() {
        assert!("amenity".parse::<TagRule>().is_err());
        assert!("!amenity".parse::<TagRule>().is_err());
        assert!("amenity=".parse::<TagRule>().is_err());
        assert!("amenity=school & ".parse::<TagRule>().is_err());
    }

    #[test]
    fn negative_threshold_is_refused_with_the_category_named() {
        let text = DEFAULT_PROFILE_TOML.replacen("threshold_m = 300.0", "threshold_m = -300.0", 1);
        let err = Profile::from_toml(&text, "p.toml").unwrap_err().to_string();
        assert!(err.contains("p.toml") && err.contains("kindergarten") && err.contains("positive"), "{err}");
    }

    #[test]
    fn walk_section_is_optional_and_checked() {
        let p = Profile::default_profile();
        assert_eq!(p.walk.max_snap_m, 200.0);
        assert_eq!(p.walk.gate_distance_m, 20.0);
        assert_eq!(p.walk.search_radius_factor, 1.5);
        // A profile written before [walk] existed still loads, with the defaults.
        let start = DEFAULT_PROFILE_TOML.find("[walk]").unwrap();
        let end = start + DEFAULT_PROFILE_TOML[start..].find("[[category]]").unwrap();
        let old = format!("{}{}", &DEFAULT_PROFILE_TOML[..start], &DEFAULT_PROFILE_TOML[end..]);
        assert_eq!(Profile::from_toml(&old, "old.toml").unwrap().walk, WalkRules::default());
        let text = DEFAULT_PROFILE_TOML.replacen("search_radius_factor = 1.5", "search_radius_factor = 0.5", 1);
        assert!(Profile::from_toml(&text, "p").unwrap_err().to_string().contains("search_radius_factor"));
    }

    #[test]
    fn duplicate_key_and_unknown_field_are_refused() {
        let text = DEFAULT_PROFILE_TOML.replacen("key = \"nursery\"", "key = \"kindergarten\"", 1);
        assert!(Profile::from_toml(&text, "p").unwrap_err().to_string().contains("twice"));
        let text = DEFAULT_PROFILE_TOML.replacen("must_have = true", "must_have = true\nthreshhold = 3", 1);
        assert!(Profile::from_toml(&text, "p").unwrap_err().to_string().contains("threshhold"));
    }
}
