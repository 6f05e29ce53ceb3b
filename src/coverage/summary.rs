//! Coverage verdicts and the summary planners report (GB 50180-2018 life circles, 《完整居住社区建设标准》
//! must-have list): per estate `ok_<key>` (walking distance ≤ the category's threshold) and `score` (the
//! share of the profile's must-have categories that are ok; over all categories when the profile marks
//! none as must-have); per category and per tier the estates and residents covered, and the estates that
//! fail each must-have category.
//!
//! `coverage.json`:
//! ```json
//! {"estates": 3, "population": 4500.0,
//!  "categories": {"kindergarten": {"name_zh": "幼儿园", "threshold_m": 300.0, "tier": "5min", "must_have": true,
//!      "facilities": 2, "estates_ok": 2, "population_ok": 3000.0, "population_share": 0.6667,
//!      "failing_estates": ["e3"]}},
//!  "tiers": {"5min": {"categories": ["kindergarten"], "estates_all_ok": 2, "population_all_ok": 3000.0,
//!      "population_share": 0.6667}},
//!  "mean_score": 0.6667}
//! ```
//! The same per-category rows are given as CSV by [`summary_csv`].
//!
//! ```
//! use lifecircle::coverage::summary::score;
//! assert_eq!(score(&[true, false, true, true]), Some(0.75));
//! assert_eq!(score(&[]), None);
//! ```

use crate::network::walker::Walker;
use crate::error::{Error, Result};
use crate::profile::{Profile, Tier};
use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A map that keeps its insertion order in JSON (profile order of categories, tier order).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OrderedMap<V>(pub Vec<(String, V)>);

impl<V> OrderedMap<V> {
    pub fn get(&self, key: &str) -> Option<&V> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
}

impl<V: Serialize> Serialize for OrderedMap<V> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for OrderedMap<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct OrderedVisitor<V>(std::marker::PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for OrderedVisitor<V> {
            type Value = OrderedMap<V>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a map")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> std::result::Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = a.next_entry()? {
                    out.push((k, v));
                }
                Ok(OrderedMap(out))
            }
        }
        d.deserialize_map(OrderedVisitor(std::marker::PhantomData))
    }
}

/// One category's line of the summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategorySummary {
    pub name_zh: String,
    pub threshold_m: f64,
    pub tier: String,
    pub must_have: bool,
    /// Facilities of the category on the network (unreachable ones are in rejects).
    pub facilities: usize,
    pub estates_ok: usize,
    pub population_ok: f64,
    /// `population_ok / population`; null when the estates hold nobody.
    pub population_share: Option<f64>,
    /// Ids of the estates not covered (must-have categories only).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub failing_estates: Option<Vec<String>>,
    /// Facilities counted with capacity 0 in the Ga2SFCA because they carry none (only when access is computed).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub facilities_without_capacity: Option<usize>,
}

/// One tier: estates covered in every category of the tier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TierSummary {
    pub categories: Vec<String>,
    pub estates_all_ok: usize,
    pub population_all_ok: f64,
    pub population_share: Option<f64>,
}

/// `coverage.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoverageSummary {
    pub estates: usize,
    pub population: f64,
    pub categories: OrderedMap<CategorySummary>,
    pub tiers: OrderedMap<TierSummary>,
    /// Mean of the estates' scores (estates weighted equally); null without estates.
    pub mean_score: Option<f64>,
    /// How distances were measured: `walking_network`, or `straight_line_x1.3` when estimated without a
    /// network (`--distance straight`).
    #[serde(default = "walking_network")]
    pub distance_method: String,
    /// With `--dem`: the raster and how much of the network it covered (absent without a DEM).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dem: Option<DemSummary>,
    /// Who walked (`--walker`); absent for the default adult walker.
    #[serde(default, skip_serializing_if = "Walker::is_adult")]
    pub walker: Walker,
    /// With `--walker-compare`: per walker (elderly, wheelchair) and category, what it loses compared with
    /// the adult walker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub walker_losses: Option<OrderedMap<OrderedMap<WalkerLoss>>>,
}

fn walking_network() -> String {
    "walking_network".to_string()
}

/// Estates and residents covered for an adult but not for another walker (and the reverse, which only a
/// different snap can give).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct WalkerLoss {
    pub estates_losing: usize,
    pub residents_losing: f64,
    pub estates_gaining: usize,
    pub residents_gaining: f64,
}

/// The `dem` block: which raster, and the edges and 10 m pieces it did not cover (counted flat).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemSummary {
    pub file: String,
    /// The raster's CRS as PROJ was given it.
    pub crs: String,
    #[serde(flatten)]
    pub coverage: crate::network::terrain::TerrainCoverage,
}

/// Share of true verdicts; `None` for no categories.
pub fn score(ok: &[bool]) -> Option<f64> {
    (!ok.is_empty()).then(|| ok.iter().filter(|&&b| b).count() as f64 / ok.len() as f64)
}

/// The per-estate score from a row of ok flags in profile category order.
pub fn estate_score(profile: &Profile, ok_row: &[bool]) -> Option<f64> {
    let must: Vec<bool> = profile.categories.iter().zip(ok_row).filter(|(c, _)| c.must_have).map(|(_, &ok)| ok).collect();
    if must.is_empty() { score(ok_row) } else { score(&must) }
}

fn share(part: f64, whole: f64) -> Option<f64> {
    (whole > 0.0).then(|| part / whole)
}

/// Build the summary. `ok[e][c]` is estate `e`'s verdict for profile category `c`; `facilities[c]` the
/// reachable facilities of `c`; `without_capacity[c]` is `Some(n)` where access was computed.
pub fn coverage_summary(profile: &Profile, estate_ids: &[&str], population: &[f64], ok: &[Vec<bool>], facilities: &[usize], without_capacity: &[Option<usize>]) -> CoverageSummary {
    let total: f64 = population.iter().sum();
    let mut categories = Vec::new();
    for (ci, c) in profile.categories.iter().enumerate() {
        let mut estates_ok = 0;
        let mut population_ok = 0.0;
        let mut failing = Vec::new();
        for (ei, row) in ok.iter().enumerate() {
            if row[ci] {
                estates_ok += 1;
                population_ok += population[ei];
            } else {
                failing.push(estate_ids[ei].to_string());
            }
        }
        categories.push((
            c.key.clone(),
            CategorySummary {
                name_zh: c.name_zh.clone(),
                threshold_m: c.threshold_m,
                tier: c.tier.as_str().to_string(),
                must_have: c.must_have,
                facilities: facilities.get(ci).copied().unwrap_or(0),
                estates_ok,
                population_ok,
                population_share: share(population_ok, total),
                failing_estates: c.must_have.then_some(failing),
                facilities_without_capacity: without_capacity.get(ci).copied().flatten(),
            },
        ));
    }
    let mut tiers = Vec::new();
    for tier in [Tier::FiveMinute, Tier::TenMinute, Tier::FifteenMinute] {
        let members: Vec<usize> = profile.categories.iter().enumerate().filter(|(_, c)| c.tier == tier).map(|(i, _)| i).collect();
        if members.is_empty() {
            continue;
        }
        let mut estates_all_ok = 0;
        let mut population_all_ok = 0.0;
        for (ei, row) in ok.iter().enumerate() {
            if members.iter().all(|&ci| row[ci]) {
                estates_all_ok += 1;
                population_all_ok += population[ei];
            }
        }
        tiers.push((
            tier.as_str().to_string(),
            TierSummary {
                categories: members.iter().map(|&ci| profile.categories[ci].key.clone()).collect(),
                estates_all_ok,
                population_all_ok,
                population_share: share(population_all_ok, total),
            },
        ));
    }
    let scores: Vec<f64> = ok.iter().filter_map(|row| estate_score(profile, row)).collect();
    CoverageSummary {
        estates: ok.len(),
        population: total,
        categories: OrderedMap(categories),
        tiers: OrderedMap(tiers),
        mean_score: (!scores.is_empty()).then(|| scores.iter().sum::<f64>() / scores.len() as f64),
        distance_method: walking_network(),
        dem: None,
        walker: Walker::Adult,
        walker_losses: None,
    }
}

/// The per-category rows as CSV text (UTF-8 with a byte-order mark for Excel, header first; failing estates joined by `;`).
pub fn summary_csv(summary: &CoverageSummary) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::from("\u{feff}".as_bytes()));
    let internal = |e: csv::Error| Error::Internal(format!("writing the coverage CSV: {e}"));
    w.write_record([
        "category", "name_zh", "tier", "threshold_m", "must_have", "facilities", "estates", "estates_ok", "population", "population_ok",
        "population_share", "failing_estates",
    ])
    .map_err(internal)?;
    for (key, c) in &summary.categories.0 {
        w.write_record([
            key.clone(),
            c.name_zh.clone(),
            c.tier.clone(),
            c.threshold_m.to_string(),
            c.must_have.to_string(),
            c.facilities.to_string(),
            summary.estates.to_string(),
            c.estates_ok.to_string(),
            summary.population.to_string(),
            c.population_ok.to_string(),
            c.population_share.map(|s| format!("{s:.6}")).unwrap_or_default(),
            c.failing_estates.as_ref().map(|f| f.join(";")).unwrap_or_default(),
        ])
        .map_err(internal)?;
    }
    let bytes = w.into_inner().map_err(|e| Error::Internal(format!("writing the coverage CSV: {e}")))?;
    String::from_utf8(bytes).map_err(|e| Error::Internal(format!("coverage CSV is not UTF-8: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two_category_profile() -> Profile {
        let mut p = Profile::default_profile();
        p.categories.retain(|c| c.key == "kindergarten" || c.key == "park");
        p
    }

    #[test]
    fn summary_counts_estates_residents_and_failures() {
        let p = two_category_profile();
        // Estates a (1000), b (500), c (3000); kindergarten ok for a, b; park ok for b, c.
        let ok = vec![vec![true, false], vec![true, true], vec![false, true]];
        let s = coverage_summary(&p, &["a", "b", "c"], &[1000.0, 500.0, 3000.0], &ok, &[2, 1], &[None, Some(1)]);
        assert_eq!((s.estates, s.population), (3, 4500.0));
        let k = s.categories.get("kindergarten").unwrap();
        assert_eq!((k.estates_ok, k.population_ok), (2, 1500.0));
        assert!((k.population_share.unwrap() - 1500.0 / 4500.0).abs() < 1e-12);
        assert_eq!(k.failing_estates, Some(vec!["c".to_string()]));
        let park = s.categories.get("park").unwrap();
        assert_eq!((park.estates_ok, park.population_ok, park.failing_estates.clone()), (2, 3500.0, None));
        assert_eq!(park.facilities_without_capacity, Some(1));
        // Tiers: 5min = kindergarten (a, b), 10min = park (b, c).
        assert_eq!(s.tiers.0.iter().map(|(k, t)| (k.as_str(), t.estates_all_ok)).collect::<Vec<_>>(), vec![("5min", 2), ("10min", 2)]);
        // Scores: only kindergarten is must-have: 1, 1, 0 → mean 2/3.
        assert!((s.mean_score.unwrap() - 2.0 / 3.0).abs() < 1e-12);
        // JSON keeps profile order and round-trips.
        let json = serde_json::to_string(&s).unwrap();
        assert!(json.find("kindergarten").unwrap() < json.find("\"park\"").unwrap());
        assert!(!json.contains("\"failing_estates\":null"));
        assert_eq!(serde_json::from_str::<CoverageSummary>(&json).unwrap(), s);
        let csv = summary_csv(&s).unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[1].starts_with("kindergarten,幼儿园,5min,300,true,2,3,2,4500,1500,0.333333,c"), "{}", lines[1]);
    }

    #[test]
    fn score_without_must_have_uses_every_category() {
        let mut p = two_category_profile();
        for c in &mut p.categories {
            c.must_have = false;
        }
        assert_eq!(estate_score(&p, &[true, false]), Some(0.5));
        let s = coverage_summary(&p, &[], &[], &[], &[0, 0], &[None, None]);
        assert_eq!((s.estates, s.mean_score), (0, None));
        assert_eq!(s.categories.get("park").unwrap().population_share, None);
    }
}
