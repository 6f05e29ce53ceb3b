//! Renovation bundles (成片 / 片区 / 联动改造): adjacent old estates grouped into contiguous areas of one
//! complete community (default 5,000-12,000 residents, 《完整居住社区建设标准（试行）》2020), inside
//! street / community boundaries, honouring the eligibility and consent rules of the renovation policies.
//!
//! The stages, one algorithm per file:
//! 1. [`eligibility`]: screen each estate (built-year cutoff, demolition, prior funding, estate type,
//!    consent share or the Zhifu rule) into eligible / needs survey / ineligible, with every reason;
//! 2. [`adjacency`]: which estates touch or lie within `gap_m` of each other without a barrier between;
//! 3. [`nesting`]: which street / community holds each estate (bundles never cross a boundary);
//! 4. [`partition`]: contiguous bundles within the population bounds, most residents first, then the most
//!    compact ([`compactness`]: area over minimum enclosing circle, Welzl 1991), then similar build years;
//! 5. [`dissolve`] and [`layers`]: each bundle's outline (union of its estates), and the `bundles`,
//!    `adjacency` and per-estate output tables in WGS84.
//!
//! [`run_bundles`] runs stages 1-4 and the dissolve in the working CRS; [`layers::bundle_layers`] turns
//! the result into output layers.
//!
//! ```
//! use geo_types::{polygon, MultiPolygon};
//! use lifecircle::bundle::{run_bundles, BundleOptions};
//! use lifecircle::model::{Dataset, Estate, EstateSource, PopulationSource, SurveyAttributes};
//! // Three 100 m estates in a row, 10 m apart, 2,000 residents each, not yet surveyed.
//! let estates = (0..3).map(|i| {
//!     let x = i as f64 * 110.0;
//!     Estate { id: format!("e{i}"), name: None, polygon: MultiPolygon(vec![polygon![(x: x, y: 0.0), (x: x + 100.0, y: 0.0), (x: x + 100.0, y: 100.0), (x: x, y: 100.0)]]),
//!         source: EstateSource::Layer, population: 2000.0, households: 760.0, population_source: PopulationSource::Layer,
//!         floor_area_m2: 0.0, n_buildings: 4, built_year: Some(1990), survey: SurveyAttributes::default(), notes: Default::default() }
//! }).collect();
//! let data = Dataset { estates, ..Dataset::default() };
//! let run = run_bundles(&data, &BundleOptions::default(), None).unwrap();
//! assert_eq!(run.bundles.len(), 1);
//! assert_eq!(run.bundles[0].estate_ids, vec!["e0", "e1", "e2"]);
//! assert_eq!(run.bundles[0].population, 6000.0);
//! assert_eq!(run.bundles[0].n_needs_survey, 3); // provisional: the survey is still to do
//! assert_eq!(run.estates[1].bundle_id.as_deref(), Some("B0001"));
//! ```

pub mod adjacency;
pub mod compactness;
pub mod dissolve;
pub mod eligibility;
pub mod layers;
pub mod nesting;
pub mod no_bundles;
pub mod partition;

use crate::error::{Error, Result};
use crate::model::{Dataset, Estate};
use adjacency::{AdjacencyGraph, EstatePair, RoadClass};
use eligibility::{Eligibility, Screening};
use geo::{Area, Centroid, ConvexHull, CoordsIter};
use geo_types::{Coord, MultiPolygon};
use partition::{LeftOut, PartitionEstate, PartitionProblem};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

/// The settings of a bundle run; [`Default`] gives the policy defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct BundleOptions {
    /// Estates built in a year before this are in scope: 2001 (built by end-2000); `--built-before 2006`
    /// admits estates built up to 2005.
    pub built_before: i32,
    /// Minimum share of households willing (default 2/3).
    pub consent: f64,
    /// Use the Zhifu rule (2/3 of owners consulted and 3/4 of those agree) instead of `consent`.
    pub zhifu_rule: bool,
    /// Estates whose gap is at most this are adjacent (default 30 m).
    pub gap_m: f64,
    /// Roads of this class and above separate estates (default primary).
    pub barrier_roads: RoadClass,
    /// Bundle population floor (default 5,000).
    pub min_pop: f64,
    /// Bundle population ceiling (default 12,000).
    pub max_pop: f64,
    /// Seed of the partition's random choices.
    pub seed: u64,
    /// Bundle estates that need a survey provisionally (default true); when false they are left out.
    pub bundle_needs_survey: bool,
}

impl Default for BundleOptions {
    fn default() -> BundleOptions {
        BundleOptions {
            built_before: 2001,
            consent: 2.0 / 3.0,
            zhifu_rule: false,
            gap_m: 30.0,
            barrier_roads: RoadClass::Primary,
            min_pop: 5000.0,
            max_pop: 12000.0,
            seed: 1,
            bundle_needs_survey: true,
        }
    }
}

impl BundleOptions {
    /// Refuse values no run can use, naming the flag.
    pub fn check(&self) -> Result<()> {
        if !(self.consent.is_finite() && (0.0..=1.0).contains(&self.consent)) {
            return Err(Error::Usage(format!("--consent {}: give the share of households as a number between 0 and 1, e.g. 0.667", self.consent)));
        }
        if !(self.gap_m.is_finite() && self.gap_m >= 0.0) {
            return Err(Error::Usage(format!("--gap {}: the adjacency gap must be 0 m or more, e.g. 30", self.gap_m)));
        }
        if !(self.min_pop.is_finite() && self.min_pop >= 0.0) {
            return Err(Error::Usage(format!("--min-pop {}: the bundle floor must be 0 or more, e.g. 5000", self.min_pop)));
        }
        if !(self.max_pop.is_finite() && self.max_pop > 0.0 && self.max_pop >= self.min_pop) {
            return Err(Error::Usage(format!(
                "--max-pop {}: the bundle ceiling must be positive and at least the floor ({}), e.g. 12000",
                self.max_pop, self.min_pop
            )));
        }
        Ok(())
    }
}

/// One bundle, in the working CRS.
#[derive(Debug, Clone, PartialEq)]
pub struct Bundle {
    /// `B0001`, `B0002` ... in the order of (group, first estate).
    pub id: String,
    /// The boundary group (see [`nesting`]).
    pub group: String,
    /// Positions of the member estates in `Dataset::estates`, ascending.
    pub estate_indices: Vec<usize>,
    pub estate_ids: Vec<String>,
    pub population: f64,
    pub households: f64,
    /// Residential floor area of the member estates' buildings (建筑面积, m²; 0 for estates without mapped
    /// buildings).
    pub floor_area_m2: f64,
    /// Buildings of the member estates (楼栋数).
    pub n_buildings: usize,
    /// Area of the dissolved outline.
    pub area_m2: f64,
    /// `area_m2` over the area of the minimum enclosing circle of the member estates.
    pub compactness: f64,
    pub built_year_min: Option<i32>,
    pub built_year_max: Option<i32>,
    /// Member estates bundled provisionally, pending a survey.
    pub n_needs_survey: usize,
    /// Member estates whose population is unknown (no building mapped, no figure given): they count 0
    /// in `population`, so the population bounds were checked on the known residents only.
    pub n_unknown_population: usize,
    /// Must-have categories failing for more than half of the bundle's residents; `None` when no
    /// coverage result was given.
    pub gaps: Option<Vec<String>>,
    /// The union of the member estates.
    pub outline: MultiPolygon<f64>,
}

/// The bundle result of one estate, to merge into the estates layer (same order as `Dataset::estates`).
#[derive(Debug, Clone, PartialEq)]
pub struct EstateBundleResult {
    pub estate_id: String,
    pub group: String,
    pub eligible: Eligibility,
    /// Every reason of the eligibility verdict, `;`-joined.
    pub eligibility_reason: String,
    pub bundle_id: Option<String>,
    pub left_out: Option<LeftOut>,
    /// Why the estate is in no bundle (for ineligible estates, the eligibility reasons).
    pub left_out_reason: Option<String>,
}

/// Everything a bundle run found.
#[derive(Debug, Clone, PartialEq)]
pub struct BundleRun {
    pub options: BundleOptions,
    pub bundles: Vec<Bundle>,
    pub estates: Vec<EstateBundleResult>,
    /// Every pair of estates within `gap_m`, adjacent or cut by a barrier.
    pub pairs: Vec<EstatePair>,
}

impl BundleRun {
    /// Residents of the candidate estates (eligible, and needs-survey when bundled).
    pub fn candidate_population(&self, data: &Dataset) -> f64 {
        let bundled_needs_survey = self.options.bundle_needs_survey;
        self.estates
            .iter()
            .zip(&data.estates)
            .filter(|(r, _)| r.eligible == Eligibility::Eligible || (bundled_needs_survey && r.eligible == Eligibility::NeedsSurvey))
            .map(|(_, e)| e.population)
            .sum()
    }

    /// Residents in bundles.
    pub fn bundled_population(&self) -> f64 {
        self.bundles.iter().map(|b| b.population).sum()
    }
}

fn check_estate(estate: &Estate) -> Result<()> {
    if let Some(c) = estate.polygon.coords_iter().find(|c| !(c.x.is_finite() && c.y.is_finite())) {
        return Err(Error::feature(
            "estates",
            &estate.id,
            format!("outline has a coordinate that is not a finite number ({}, {})", c.x, c.y),
            "repair or drop the estate's geometry (e.g. ogr2ogr -makevalid) and run again",
        ));
    }
    for (name, value) in [("population", estate.population), ("households", estate.households)] {
        if !(value.is_finite() && value >= 0.0) {
            return Err(Error::feature(
                "estates",
                &estate.id,
                format!("{name} is {value}"),
                format!("give {name} as a number of 0 or more in the estates layer or the survey table"),
            ));
        }
    }
    Ok(())
}

/// What the partition needs of an estate: area, centroid, convex hull, build year.
pub fn partition_estate(estate: &Estate) -> PartitionEstate {
    let area_m2 = estate.polygon.unsigned_area();
    let hull: Vec<Coord<f64>> = if estate.polygon.0.is_empty() {
        Vec::new()
    } else {
        let ring = estate.polygon.convex_hull().exterior().0.clone();
        let n = ring.len().saturating_sub(1).max(usize::from(!ring.is_empty()));
        ring.into_iter().take(n).filter(|c| c.x.is_finite() && c.y.is_finite()).collect()
    };
    let centroid = estate.polygon.centroid().map(|p| p.0).or_else(|| hull.first().copied()).unwrap_or(Coord { x: 0.0, y: 0.0 });
    PartitionEstate { population: estate.population, area_m2, centroid, hull, built_year: estate.built_year.or(estate.survey.built_year) }
}

/// Must-have categories failing for more than half of the residents of `members`.
fn bundle_gaps(estates: &[Estate], members: &[usize], population: f64, failing: &BTreeMap<String, Vec<String>>) -> Vec<String> {
    let mut failing_residents: BTreeMap<&str, f64> = BTreeMap::new();
    for &i in members {
        if let Some(categories) = failing.get(&estates[i].id) {
            let unique: BTreeSet<&str> = categories.iter().map(String::as_str).collect();
            for category in unique {
                *failing_residents.entry(category).or_default() += estates[i].population;
            }
        }
    }
    failing_residents.into_iter().filter(|(_, residents)| population > 0.0 && *residents > population / 2.0).map(|(c, _)| c.to_string()).collect()
}

/// Run eligibility, adjacency, nesting and the partition over a dataset in the working CRS.
///
/// `failing` maps estate ids to the must-have categories that fail for them (from the coverage
/// analysis); with it each bundle lists its `gaps`. `opts` must have passed [`BundleOptions::check`] (the
/// command line checks them once, when it reads the flags).
pub fn run_bundles(data: &Dataset, opts: &BundleOptions, failing: Option<&BTreeMap<String, Vec<String>>>) -> Result<BundleRun> {
    let estates = &data.estates;
    estates.iter().try_for_each(check_estate)?;
    let screenings: Vec<Screening> = estates.par_iter().map(|e| eligibility::screen_estate(e, opts)).collect::<Result<_>>()?;
    let candidate: Vec<bool> = screenings
        .iter()
        .map(|s| s.eligibility == Eligibility::Eligible || (opts.bundle_needs_survey && s.eligibility == Eligibility::NeedsSurvey))
        .collect();

    let pairs = adjacency::estate_pairs(estates, &data.barriers, opts.gap_m, opts.barrier_roads);
    let graph = AdjacencyGraph::from_pairs(estates.len(), &pairs);
    let nesting = nesting::nest_estates(estates, &data.boundaries);
    let shapes: Vec<PartitionEstate> = estates.par_iter().map(partition_estate).collect();
    let partition = partition::partition_estates(&PartitionProblem {
        estates: &shapes,
        graph: &graph,
        candidate: &candidate,
        group_of: &nesting.group_of,
        min_pop: opts.min_pop,
        max_pop: opts.max_pop,
        seed: opts.seed,
    });

    let width = 4.max(partition.bundles.len().to_string().len());
    let bundles: Vec<Bundle> = partition
        .bundles
        .par_iter()
        .enumerate()
        .map(|(k, members)| {
            let polygons: Vec<&MultiPolygon<f64>> = members.iter().map(|&i| &estates[i].polygon).collect();
            let outline = dissolve::dissolve(&polygons);
            let area_m2 = outline.unsigned_area();
            let hull_points: Vec<Coord<f64>> = members.iter().flat_map(|&i| shapes[i].hull.iter().copied()).collect();
            let population: f64 = members.iter().map(|&i| estates[i].population).sum();
            let years: Vec<i32> = members.iter().filter_map(|&i| shapes[i].built_year).collect();
            Bundle {
                id: format!("B{:0width$}", k + 1),
                group: nesting.key_of(members[0]).to_string(),
                estate_indices: members.clone(),
                estate_ids: members.iter().map(|&i| estates[i].id.clone()).collect(),
                population,
                households: members.iter().map(|&i| estates[i].households).sum(),
                floor_area_m2: members.iter().map(|&i| estates[i].floor_area_m2).sum(),
                n_buildings: members.iter().map(|&i| estates[i].n_buildings).sum(),
                area_m2,
                compactness: compactness::compactness(area_m2, &hull_points),
                built_year_min: years.iter().copied().min(),
                built_year_max: years.iter().copied().max(),
                n_needs_survey: members.iter().filter(|&&i| screenings[i].eligibility == Eligibility::NeedsSurvey).count(),
                n_unknown_population: members.iter().filter(|&&i| estates[i].population_unknown()).count(),
                gaps: failing.map(|f| bundle_gaps(estates, members, population, f)),
                outline,
            }
        })
        .collect();

    let mut bundle_of: Vec<Option<&str>> = vec![None; estates.len()];
    for b in &bundles {
        for &i in &b.estate_indices {
            bundle_of[i] = Some(&b.id);
        }
    }
    let estate_results = estates
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let screening = &screenings[i];
            let left_out = partition.left_out[i];
            let left_out_reason = left_out.map(|reason| match (reason, screening.eligibility) {
                (LeftOut::NotCandidate, Eligibility::NeedsSurvey) => format!("needs survey: {}", screening.reason_text()),
                (LeftOut::NotCandidate, _) => format!("ineligible: {}", screening.reason_text()),
                (other, _) => other.as_str().to_string(),
            });
            EstateBundleResult {
                estate_id: e.id.clone(),
                group: nesting.key_of(i).to_string(),
                eligible: screening.eligibility,
                eligibility_reason: screening.reason_text(),
                bundle_id: bundle_of[i].map(str::to_string),
                left_out,
                left_out_reason,
            }
        })
        .collect();
    Ok(BundleRun { options: opts.clone(), bundles, estates: estate_results, pairs })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{PopulationSource, SurveyAttributes};
    use crate::testing::{estate, square};
    use geo_types::polygon;

    /// A 100 m square estate from x0 along y = 0, built 1995, with its surveyed population and survey.
    fn estate_at(id: &str, x0: f64, population: f64, survey: SurveyAttributes) -> Estate {
        Estate { population, households: population / 2.5, population_source: PopulationSource::Survey, n_buildings: 2, built_year: Some(1995), survey, ..estate(id, square(x0, 0.0, 100.0)) }
    }

    fn ok_survey() -> SurveyAttributes {
        SurveyAttributes { consent_share: Some(0.8), previously_funded: Some(false), to_be_demolished: Some(false), estate_type: Some("普通".into()), ..Default::default() }
    }

    #[test]
    fn options_are_checked_with_the_flag_named() {
        assert!(BundleOptions::default().check().is_ok());
        let bad = BundleOptions { min_pop: 9000.0, max_pop: 8000.0, ..BundleOptions::default() };
        assert!(bad.check().unwrap_err().to_string().contains("--max-pop"));
        let bad = BundleOptions { consent: 1.5, ..BundleOptions::default() };
        assert!(bad.check().unwrap_err().to_string().contains("--consent"));
        let bad = BundleOptions { gap_m: f64::NAN, ..BundleOptions::default() };
        assert!(bad.check().unwrap_err().to_string().contains("--gap"));
    }

    #[test]
    fn negative_population_and_nan_coordinates_are_input_errors() {
        let data = Dataset { estates: vec![estate_at("bad", 0.0, -5.0, ok_survey())], ..Dataset::default() };
        let err = run_bundles(&data, &BundleOptions::default(), None).unwrap_err();
        assert!(err.to_string().contains("bad") && err.to_string().contains("population is -5"));
        assert_eq!(err.exit_code(), 2);
        let mut broken = estate_at("nan", 0.0, 100.0, ok_survey());
        broken.polygon = MultiPolygon(vec![polygon![(x: 0.0, y: 0.0), (x: f64::NAN, y: 0.0), (x: 1.0, y: 1.0)]]);
        let err = run_bundles(&Dataset { estates: vec![broken], ..Dataset::default() }, &BundleOptions::default(), None).unwrap_err();
        assert!(err.to_string().contains("nan") && err.to_string().contains("not a finite number"), "{err}");
    }

    #[test]
    fn gaps_are_categories_failing_for_more_than_half_of_the_residents() {
        // e0 (3,000) fails kindergarten and nursery; e1 (2,500) fails nursery; e2 (1,000) fails
        // elderly_care. Bundle of 6,500: nursery fails for 5,500 (> 3,250), kindergarten for 3,000 (not
        // more than half), elderly_care for 1,000.
        let data = Dataset {
            estates: vec![estate_at("e0", 0.0, 3000.0, ok_survey()), estate_at("e1", 110.0, 2500.0, ok_survey()), estate_at("e2", 220.0, 1000.0, ok_survey())],
            ..Dataset::default()
        };
        let failing: BTreeMap<String, Vec<String>> = [
            ("e0".to_string(), vec!["kindergarten".to_string(), "nursery".to_string()]),
            ("e1".to_string(), vec!["nursery".to_string(), "nursery".to_string()]),
            ("e2".to_string(), vec!["elderly_care".to_string()]),
        ]
        .into_iter()
        .collect();
        let run = run_bundles(&data, &BundleOptions::default(), Some(&failing)).unwrap();
        assert_eq!(run.bundles.len(), 1);
        assert_eq!(run.bundles[0].gaps, Some(vec!["nursery".to_string()]));
        assert_eq!(run.bundles[0].n_needs_survey, 0);
        // Three 100 m squares with 10 m gaps: union area 30,000 m²; circle through (0,0) and (320,100).
        assert!((run.bundles[0].area_m2 - 30_000.0).abs() < 1e-6);
        let r = (160.0f64.powi(2) + 50.0f64.powi(2)).sqrt();
        assert!((run.bundles[0].compactness - 30_000.0 / (std::f64::consts::PI * r * r)).abs() < 1e-9);
        assert_eq!(run.bundled_population(), 6500.0);
        assert_eq!(run.candidate_population(&data), 6500.0);
    }

    #[test]
    fn ineligible_and_unsurveyed_estates_are_explained() {
        let demolish = SurveyAttributes { to_be_demolished: Some(true), ..ok_survey() };
        let data = Dataset {
            estates: vec![
                estate_at("e0", 0.0, 3000.0, ok_survey()),
                estate_at("e1", 110.0, 3000.0, demolish),
                estate_at("e2", 220.0, 3000.0, SurveyAttributes::default()),
                estate_at("e3", 330.0, 3000.0, ok_survey()),
            ],
            ..Dataset::default()
        };
        // Needs-survey estates left out: e0 and e3 are cut apart by e1 (ineligible) and e2.
        let opts = BundleOptions { bundle_needs_survey: false, ..BundleOptions::default() };
        let run = run_bundles(&data, &opts, None).unwrap();
        assert!(run.bundles.is_empty());
        assert_eq!(run.estates[1].left_out_reason.as_deref(), Some("ineligible: to be demolished"));
        assert!(run.estates[2].left_out_reason.as_deref().unwrap().starts_with("needs survey: demolition plan unknown;"));
        assert_eq!(run.estates[0].left_out, Some(LeftOut::Isolated));
        // Bundled provisionally: e2 joins e3 (6,000).
        let run = run_bundles(&data, &BundleOptions::default(), None).unwrap();
        assert_eq!(run.bundles.len(), 1);
        assert_eq!(run.bundles[0].estate_ids, vec!["e2", "e3"]);
        assert_eq!(run.bundles[0].n_needs_survey, 1);
        assert_eq!(run.estates[0].left_out, Some(LeftOut::Isolated));
        assert_eq!(run.estates[2].eligible, Eligibility::NeedsSurvey);
    }
}
