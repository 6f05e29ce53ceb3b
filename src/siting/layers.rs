//! Siting results as output layers and CSV (geometry converted to WGS84 lon/lat through
//! [`crate::write::wgs84::to_wgs84_all`]):
//!
//! - `candidates` (polygons): candidate_id, origin, area_m2, max_inscribed_diameter_m, fits (TextList of
//!   the profile categories that fit: the field for filters), why_not (for a person, in the run's
//!   language: per category that does not fit, its name and why, [`why_not_text`]: `幼儿园：面积
//!   400 m² < 所需 2000 m²`), snap_m (distance from the inscribed circle's centre to the network; null
//!   when it cannot be reached), excluded (why the candidate hosts nothing, in the run's language,
//!   [`excluded_text`]: `位于保护用地内：公园 w12（leisure=park）`; null otherwise).
//! - `sites` (points at the inscribed circle's centre): site_id, category, rank, new_population_covered,
//!   cumulative_population_share, area_m2, estate_ids_newly_covered (TextList), candidate_origin,
//!   candidate_id, categories (TextList: every category sited on the same parcel, in profile order; the
//!   map draws one label per parcel).
//! - `bundle_sites` (points): each renovation bundle's recommended sites, sited for the bundle's own
//!   gaps and residents only ([`super::site_bundles_on_plan`]): bundle_id, site_id, category, rank,
//!   new_population_covered, estate_ids_newly_covered (TextList, the bundle's estates only),
//!   candidate_id, candidate_origin, area_m2.
//! - [`sites_csv`]: the `sites` rows as CSV, ids joined by `;`.

use super::candidates::origin_text_in;
use super::{BundleSites, CandidateFit, Misfit, ProtectedHit, Site};
use crate::crs::WorkingCrs;
use crate::error::{Error, Result};
use crate::lang::Catalogue;
use crate::report::Wording;
use crate::write::wgs84::to_wgs84_all;
use crate::write::layer::{FieldType, GeometryKind, Layer, PartedLayer, Value};
use geo_types::{Geometry, Point};

/// Why a candidate hosts nothing, in the catalogue's words: the protected areas that hold it, each class
/// by its name (`values.class.*`): `位于保护用地内：公园 w12（leisure=park）`, in English
/// `protected_land: lies in park w12 (leisure=park)`.
pub fn excluded_text(hits: &[ProtectedHit], catalogue: &Catalogue) -> String {
    let areas: Vec<String> = hits
        .iter()
        .map(|h| crate::estates::plausibility::grounds_in(&h.class, &h.id, &h.matched_by, catalogue))
        .collect();
    catalogue.tr_with("siting_misfit.protected", &[("areas", &areas.join(catalogue.tr("siting_misfit.area_separator")))])
}

/// The words of the candidates' verdicts in a wording's language, cut once ([`Catalogue::template`]) and
/// used for every candidate of a layer part: a city's 850,000 candidates × 15 categories are millions of
/// sentences.
pub struct VerdictWords<'w> {
    wording: &'w Wording,
    /// The profile categories' names, in profile order.
    names: Vec<String>,
    shortfall: super::fit::ShortfallWords,
    category: crate::lang::Template,
    separator: &'static str,
}

impl<'w> VerdictWords<'w> {
    pub fn new(wording: &'w Wording) -> VerdictWords<'w> {
        let catalogue = wording.catalogue();
        VerdictWords {
            wording,
            names: wording.profile().categories.iter().map(|c| wording.category_name(&c.key)).collect(),
            shortfall: super::fit::ShortfallWords::new(catalogue),
            category: catalogue.template("siting_misfit.category"),
            separator: catalogue.tr("siting_misfit.separator"),
        }
    }

    /// Append why candidate `c` cannot host `category`: the protected land that holds it
    /// ([`excluded_text`]), the origin the profile does not let the category use
    /// (`规则不允许此类设施使用OSM 闲置用地（landuse=grass）`), or the size shortfall
    /// ([`super::fit::ShortfallWords`]).
    fn write_reason(&self, out: &mut String, c: &CandidateFit, category: &crate::profile::Category, misfit: Misfit) {
        let catalogue = self.wording.catalogue();
        let candidate = &c.candidate;
        match misfit {
            Misfit::Excluded => out.push_str(&c.excluded.as_deref().map(|hits| excluded_text(hits, catalogue)).unwrap_or_default()),
            Misfit::OriginNotAllowed => out.push_str(&catalogue.tr_with("siting_misfit.origin_not_allowed", &[("origin", &origin_text_in(&candidate.origin, catalogue))])),
            Misfit::TooSmall => {
                self.shortfall.write(out, category, candidate.area_m2, candidate.max_inscribed_diameter_m());
            }
        }
    }

    /// The `why_not` text of a candidate: per category it cannot host, the category's name and why:
    /// `幼儿园：面积 400 m² < 所需 2000 m²；…`; for a candidate that hosts nothing, its reason once
    /// (`全部设施类别：位于保护用地内：公园 w12（leisure=park）`).
    pub fn why_not(&self, c: &CandidateFit) -> String {
        let (profile, catalogue) = (self.wording.profile(), self.wording.catalogue());
        if let Some(hits) = c.excluded.as_deref() {
            if profile.categories.is_empty() {
                return String::new();
            }
            return catalogue.tr_with("siting_misfit.category", &[("category", &catalogue.tr("siting_misfit.every_category")), ("reason", &excluded_text(hits, catalogue))]);
        }
        let mut out = String::new();
        for (i, category) in profile.categories.iter().enumerate() {
            let Some(misfit) = super::misfit(category, &profile.siting, &c.candidate, false) else { continue };
            if !out.is_empty() {
                out.push_str(self.separator);
            }
            self.category.write_with(&mut out, |name, out| if name == "category" { out.push_str(&self.names[i]) } else { self.write_reason(out, c, category, misfit) });
        }
        out
    }
}

/// Per profile category the candidate cannot host (in profile order), its key and why, in the wording's
/// language ([`VerdictWords`]).
pub fn misfit_reasons(c: &CandidateFit, wording: &Wording) -> Vec<(String, String)> {
    let words = VerdictWords::new(wording);
    c.misfits(wording.profile())
        .into_iter()
        .map(|(category, misfit)| {
            let mut reason = String::new();
            words.write_reason(&mut reason, c, category, misfit);
            (category.key.clone(), reason)
        })
        .collect()
}

/// The `why_not` text of a candidate ([`VerdictWords::why_not`]).
pub fn why_not_text(c: &CandidateFit, wording: &Wording) -> String {
    VerdictWords::new(wording).why_not(c)
}

/// The `candidates` layer. It takes the candidates: a city's open land is hundreds of thousands of
/// polygons, moved into the layer (and turned to WGS 84 there) rather than held twice.
pub fn candidates_layer(candidates: Vec<CandidateFit>, wording: &Wording, crs: WorkingCrs) -> Result<Layer> {
    let mut layer = Layer::new(
        "candidates",
        GeometryKind::Polygon,
        &[
            ("candidate_id", FieldType::Text),
            ("origin", FieldType::Text),
            ("area_m2", FieldType::Real),
            ("max_inscribed_diameter_m", FieldType::Real),
            ("fits", FieldType::TextList),
            ("why_not", FieldType::Text),
            ("snap_m", FieldType::Real),
            ("excluded", FieldType::Text),
        ],
    );
    let mut rows = Vec::with_capacity(candidates.len());
    let mut geometries = Vec::with_capacity(candidates.len());
    let words = VerdictWords::new(wording);
    for c in candidates {
        let (fits, why_not) = (c.fits(wording.profile()), words.why_not(&c));
        let excluded = c.excluded.as_deref().map(|hits| excluded_text(hits, wording.catalogue()));
        let diameter_m = c.candidate.max_inscribed_diameter_m();
        rows.push(vec![
            Value::from(c.candidate.id),
            Value::from(c.candidate.origin),
            Value::from(c.candidate.area_m2),
            Value::from(diameter_m),
            Value::from(fits),
            Value::from(why_not),
            Value::from(c.access.map(|a| a.snap.offset_m)),
            Value::from(excluded),
        ]);
        geometries.push(Some(Geometry::MultiPolygon(c.candidate.polygon)));
    }
    for (g, row) in to_wgs84_all(crs, "candidates", geometries)?.into_iter().zip(rows) {
        layer.push(g, row);
    }
    Ok(layer)
}

/// The `candidates` layer made a part at a time as it is written ([`PartedLayer`]): a city's 850,000
/// candidates as rows (verdicts in words, polygons in WGS 84) were half a gigabyte more at the plan's
/// peak. The parts are [`candidates_layer`] of copies of the candidates of their range.
pub fn candidates_layer_parted<'a>(candidates: Vec<CandidateFit>, wording: &'a Wording, crs: WorkingCrs) -> Result<PartedLayer<'a>> {
    let schema = candidates_layer(Vec::new(), wording, crs)?;
    // The style names each origin (a handful: derived open land, the profile's idle-land rules, the
    // planner's layer), so QGIS shows them in words.
    let mut style_rows = schema.clone();
    if let Some(origin) = schema.field_index("origin") {
        for o in candidates.iter().map(|c| c.candidate.origin.as_str()).collect::<std::collections::BTreeSet<_>>() {
            let mut row = vec![Value::Null; schema.fields.len()];
            row[origin] = Value::from(o);
            style_rows.push(None, row);
        }
    }
    let features = candidates.len();
    Ok(PartedLayer::new(schema, features, Box::new(move |range| candidates_layer(candidates[range].to_vec(), wording, crs))).with_style_rows(style_rows))
}

const SITE_FIELDS: [(&str, FieldType); 10] = [
    ("site_id", FieldType::Text),
    ("category", FieldType::Text),
    ("rank", FieldType::Int),
    ("new_population_covered", FieldType::Real),
    ("cumulative_population_share", FieldType::Real),
    ("area_m2", FieldType::Real),
    ("estate_ids_newly_covered", FieldType::TextList),
    ("candidate_origin", FieldType::Text),
    ("candidate_id", FieldType::Text),
    ("categories", FieldType::TextList),
];

fn site_values(s: &Site) -> Vec<Value> {
    vec![
        Value::from(s.site_id.as_str()),
        Value::from(s.category.as_str()),
        Value::from(s.rank),
        Value::from(s.new_population_covered),
        Value::from(s.cumulative_population_share),
        Value::from(s.area_m2),
        Value::from(s.estate_ids_newly_covered.clone()),
        Value::from(s.candidate_origin.as_str()),
        Value::from(s.candidate_id.as_str()),
        Value::from(s.categories.clone()),
    ]
}

/// The `sites` layer.
pub fn sites_layer(sites: &[Site], crs: WorkingCrs) -> Result<Layer> {
    let mut layer = Layer::new("sites", GeometryKind::Point, &SITE_FIELDS);
    let geoms = to_wgs84_all(crs, "sites", sites.iter().map(|s| s.location.x.is_finite().then_some(Geometry::Point(Point(s.location)))).collect())?;
    for (s, g) in sites.iter().zip(geoms) {
        layer.push(g, site_values(s));
    }
    Ok(layer)
}

/// The `bundle_sites` layer: one point per site of every bundle, bundles in the order given.
pub fn bundle_sites_layer(bundles: &[BundleSites], crs: WorkingCrs) -> Result<Layer> {
    let mut layer = Layer::new(
        "bundle_sites",
        GeometryKind::Point,
        &[
            ("bundle_id", FieldType::Text),
            ("site_id", FieldType::Text),
            ("category", FieldType::Text),
            ("rank", FieldType::Int),
            ("new_population_covered", FieldType::Real),
            ("estate_ids_newly_covered", FieldType::TextList),
            ("candidate_id", FieldType::Text),
            ("candidate_origin", FieldType::Text),
            ("area_m2", FieldType::Real),
        ],
    );
    let rows: Vec<(&str, &Site)> = bundles.iter().flat_map(|b| b.sites.iter().map(move |s| (b.bundle_id.as_str(), s))).collect();
    let geoms = to_wgs84_all(crs, "bundle_sites", rows.iter().map(|(_, s)| s.location.x.is_finite().then_some(Geometry::Point(Point(s.location)))).collect())?;
    for ((bundle, s), g) in rows.into_iter().zip(geoms) {
        layer.push(
            g,
            vec![
                Value::from(bundle),
                Value::from(s.site_id.as_str()),
                Value::from(s.category.as_str()),
                Value::from(s.rank),
                Value::from(s.new_population_covered),
                Value::from(s.estate_ids_newly_covered.clone()),
                Value::from(s.candidate_id.as_str()),
                Value::from(s.candidate_origin.as_str()),
                Value::from(s.area_m2),
            ],
        );
    }
    Ok(layer)
}

/// The sites as CSV text (UTF-8 with a byte-order mark so that Excel shows Chinese, header first).
pub fn sites_csv(sites: &[Site]) -> Result<String> {
    let internal = |e: csv::Error| Error::Internal(format!("writing the sites CSV: {e}"));
    let mut w = csv::Writer::from_writer(Vec::from("\u{feff}".as_bytes()));
    w.write_record(SITE_FIELDS.iter().map(|(n, _)| *n)).map_err(internal)?;
    for s in sites {
        let row: Vec<String> = site_values(s)
            .into_iter()
            .map(|v| match v {
                Value::Null => String::new(),
                Value::Bool(b) => b.to_string(),
                Value::Int(i) => i.to_string(),
                Value::Real(r) => r.to_string(),
                Value::Text(t) => t,
                Value::TextList(l) => l.join(";"),
            })
            .collect();
        w.write_record(&row).map_err(internal)?;
    }
    let bytes = w.into_inner().map_err(|e| Error::Internal(format!("writing the sites CSV: {e}")))?;
    String::from_utf8(bytes).map_err(|e| Error::Internal(format!("sites CSV is not UTF-8: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::Coord;

    #[test]
    fn csv_rows() {
        let s = Site {
            site_id: "kindergarten-1".into(),
            category: "kindergarten".into(),
            rank: 1,
            candidate: 0,
            candidate_id: "parcel:w1".into(),
            candidate_origin: "osm:landuse=grass".into(),
            area_m2: 1200.0,
            location: Coord { x: 0.0, y: 0.0 },
            new_population_covered: 3000.0,
            cumulative_population_share: Some(0.75),
            estates_newly_covered: vec![0, 2],
            estate_ids_newly_covered: vec!["e1".into(), "e3".into()],
            categories: vec!["kindergarten".into(), "nursery".into()],
        };
        let text = sites_csv(&[s]).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "\u{feff}site_id,category,rank,new_population_covered,cumulative_population_share,area_m2,estate_ids_newly_covered,candidate_origin,candidate_id,categories");
        assert_eq!(lines[1], "kindergarten-1,kindergarten,1,3000,0.75,1200,e1;e3,osm:landuse=grass,parcel:w1,kindergarten;nursery");
    }
}
