//! Why a bundle run made no bundle, worked out from the run itself, so the report can say so instead of
//! showing an empty table. The first reason that holds, in this order:
//! 1. no estate at all;
//! 2. no candidate: every estate is ineligible (the most common eligibility reason is named);
//! 3. the only possible candidates need a survey and `bundle_needs_survey` is off;
//! 4. the candidates hold fewer residents in all than the floor (`min_pop`);
//! 5. otherwise the candidates are apart: counts per [`LeftOut`] reason (isolated, groups below the floor,
//!    above the ceiling alone, every bundle full).
//!
//! ```
//! use lifecircle::bundle::no_bundles::NoBundles;
//! assert_eq!(NoBundles::NoEstates.key(), "no_estates");
//! ```

use super::BundleRun;
use super::eligibility::Eligibility;
use super::partition::LeftOut;
use crate::model::Dataset;
use serde::Serialize;
use std::collections::BTreeMap;

/// Why there is no bundle.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum NoBundles {
    NoEstates,
    /// Every estate is ineligible; the most frequent reason and how many estates give it.
    NoEligibleEstates { ineligible: usize, main_reason: String, main_reason_estates: usize },
    /// No eligible estate; those needing a survey are not bundled (`bundle_needs_survey` off).
    NeedsSurveyExcluded { needs_survey: usize },
    /// The candidates' residents in all are fewer than the floor.
    TooFewResidents { candidates: usize, candidate_population: f64, min_pop: f64 },
    /// Candidates enough, but none can be grouped: estates per reason left out.
    CandidatesApart { candidates: usize, left_out: BTreeMap<String, usize> },
}

impl NoBundles {
    /// The catalogue key (`bundles_none.<key>`).
    pub fn key(&self) -> &'static str {
        match self {
            NoBundles::NoEstates => "no_estates",
            NoBundles::NoEligibleEstates { .. } => "no_eligible_estates",
            NoBundles::NeedsSurveyExcluded { .. } => "needs_survey_excluded",
            NoBundles::TooFewResidents { .. } => "too_few_residents",
            NoBundles::CandidatesApart { .. } => "candidates_apart",
        }
    }
}

/// Why `run` made no bundle; `None` when it made some.
pub fn why_no_bundles(run: &BundleRun, data: &Dataset) -> Option<NoBundles> {
    if !run.bundles.is_empty() {
        return None;
    }
    if run.estates.is_empty() {
        return Some(NoBundles::NoEstates);
    }
    let count = |v: Eligibility| run.estates.iter().filter(|r| r.eligible == v).count();
    let (eligible, needs_survey) = (count(Eligibility::Eligible), count(Eligibility::NeedsSurvey));
    if eligible == 0 && needs_survey == 0 {
        let mut reasons: BTreeMap<&str, usize> = BTreeMap::new();
        for r in &run.estates {
            for reason in r.eligibility_reason.split(';').map(str::trim).filter(|s| !s.is_empty()) {
                *reasons.entry(reason).or_insert(0) += 1;
            }
        }
        // Most frequent first; ties to the reason first in the alphabet, so the choice is deterministic.
        let main = reasons.iter().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0))).map(|(r, n)| (r.to_string(), *n)).unwrap_or_default();
        return Some(NoBundles::NoEligibleEstates { ineligible: run.estates.len(), main_reason: main.0, main_reason_estates: main.1 });
    }
    if eligible == 0 && !run.options.bundle_needs_survey {
        return Some(NoBundles::NeedsSurveyExcluded { needs_survey });
    }
    let candidates = if run.options.bundle_needs_survey { eligible + needs_survey } else { eligible };
    let candidate_population = run.candidate_population(data);
    if candidate_population < run.options.min_pop {
        return Some(NoBundles::TooFewResidents { candidates, candidate_population, min_pop: run.options.min_pop });
    }
    let mut left_out = BTreeMap::new();
    for r in &run.estates {
        if let Some(reason) = r.left_out.filter(|l| *l != LeftOut::NotCandidate) {
            *left_out.entry(reason.as_str().split(':').next().unwrap_or_default().to_string()).or_insert(0) += 1;
        }
    }
    Some(NoBundles::CandidatesApart { candidates, left_out })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::{BundleOptions, run_bundles};
    use crate::model::{Estate, PopulationSource, SurveyAttributes};
    use crate::testing::{estate, square};

    /// A 100 m square estate from x0, with its population, built year and survey.
    fn estate_at(id: &str, x0: f64, population: f64, built_year: Option<i32>, survey: SurveyAttributes) -> Estate {
        Estate { population, households: population / 2.5, population_source: PopulationSource::Survey, n_buildings: 2, built_year, survey, ..estate(id, square(x0, 0.0, 100.0)) }
    }

    fn ok_survey() -> SurveyAttributes {
        SurveyAttributes { consent_share: Some(0.8), previously_funded: Some(false), to_be_demolished: Some(false), estate_type: Some("普通".into()), ..Default::default() }
    }

    fn why(estates: Vec<Estate>, opts: &BundleOptions) -> Option<NoBundles> {
        let data = Dataset { estates, ..Dataset::default() };
        why_no_bundles(&run_bundles(&data, opts, None).unwrap(), &data)
    }

    #[test]
    fn each_reason_from_the_run() {
        let opts = BundleOptions::default();
        assert_eq!(why(Vec::new(), &opts), Some(NoBundles::NoEstates));
        // Built 2015: after the 2005 cut-off, both ineligible for the same reason.
        let Some(NoBundles::NoEligibleEstates { ineligible, main_reason_estates, .. }) =
            why(vec![estate_at("a", 0.0, 3000.0, Some(2015), ok_survey()), estate_at("b", 100.0, 3000.0, Some(2016), ok_survey())], &opts)
        else {
            panic!("expected no eligible estates")
        };
        assert_eq!((ineligible, main_reason_estates), (2, 1), "two different years, one estate each");
        // Unknown consent: needs a survey; not bundled when the option is off.
        let unsurveyed = || vec![estate_at("a", 0.0, 3000.0, Some(1990), SurveyAttributes::default()), estate_at("b", 100.0, 3000.0, Some(1990), SurveyAttributes::default())];
        let off = BundleOptions { bundle_needs_survey: false, ..BundleOptions::default() };
        assert_eq!(why(unsurveyed(), &off), Some(NoBundles::NeedsSurveyExcluded { needs_survey: 2 }));
        // Two adjacent eligible estates of 1,000 residents: 2,000 < the 5,000 floor.
        assert_eq!(
            why(vec![estate_at("a", 0.0, 1000.0, Some(1990), ok_survey()), estate_at("b", 100.0, 1000.0, Some(1990), ok_survey())], &opts),
            Some(NoBundles::TooFewResidents { candidates: 2, candidate_population: 2000.0, min_pop: 5000.0 })
        );
        // 6,000 residents in all, but the two estates are 2 km apart: each isolated.
        let Some(NoBundles::CandidatesApart { candidates, left_out }) =
            why(vec![estate_at("a", 0.0, 3000.0, Some(1990), ok_survey()), estate_at("b", 2000.0, 3000.0, Some(1990), ok_survey())], &opts)
        else {
            panic!("expected candidates apart")
        };
        assert_eq!(candidates, 2);
        assert_eq!(left_out.values().sum::<usize>(), 2, "{left_out:?}");
        // With bundles, nothing to explain.
        assert_eq!(why(vec![estate_at("a", 0.0, 3000.0, Some(1990), ok_survey()), estate_at("b", 100.0, 3000.0, Some(1990), ok_survey())], &opts), None);
    }
}
