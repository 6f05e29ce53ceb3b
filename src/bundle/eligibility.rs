//! Eligibility screening of estates for renovation (城镇老旧小区改造), from the policy rules of the
//! seeds (see `shared/reference/STANDARDS.md`, "Estate rules from the policy documents") and the
//! planner's survey table (摸底调查表):
//!
//! 1. built before the cutoff: `built_year < built_before` (default 2001, i.e. built by end-2000; the
//!    policies allow up to end-2005 with `--built-before 2006`);
//! 2. not to be demolished or rebuilt;
//! 3. not already funded by a central subsidy programme;
//! 4. not a villa, high-end or bungalow estate (survey `estate_type` containing 别墅 / villa,
//!    高档 / high-end / high_end, 平房 / bungalow, case-insensitive);
//! 5. consent: at least `consent` (default 2/3) of households willing; or, with the Zhifu rule, at least
//!    2/3 of owners consulted and at least 3/4 of those consulted agree (the Zhifu rule replaces the plain
//!    share test).
//!
//! The verdict is three-valued. A rule that a known value fails makes the estate **ineligible** (`no`);
//! otherwise a rule whose value is unknown (not surveyed) makes it **needs survey** (`needs_survey`),
//! never a silent exclusion; an estate with every value known and every rule met is **eligible** (`yes`).
//! Needs-survey estates are bundled provisionally unless `BundleOptions::bundle_needs_survey` is off, so a
//! district with no survey yet still gets draft bundles, each of which reports how many of its estates
//! still need the survey. The reason text lists every failed rule and every unknown value, `;`-joined.
//!
//! Each reason is a [`Reason`]: its English text is the `eligibility_reason` field's (values stay
//! English, as field names do), and [`reason_text_in`] words a field's text in the catalogue's language
//! for what a person reads (the workbook's 资格说明 column, the report's sentence when no estate is
//! eligible): `居民同意比例 0.500 低于 0.667`.
//!
//! The built year is `Estate::built_year`, else the survey's. Shares must lie in 0..=1: anything else is
//! an input error naming the estate. Comparisons allow 1e-9 so that 2 of 3 households (0.6666…) meet 2/3.
//!
//! ```
//! use lifecircle::bundle::eligibility::{screen_estate, Eligibility};
//! use lifecircle::bundle::BundleOptions;
//! use lifecircle::model::{Estate, EstateSource, PopulationSource, SurveyAttributes};
//! let mut estate = Estate {
//!     id: "w1".into(), name: None, polygon: geo_types::MultiPolygon(vec![]), source: EstateSource::Layer,
//!     population: 900.0, households: 340.0, population_source: PopulationSource::Survey, floor_area_m2: 0.0,
//!     n_buildings: 3, built_year: Some(1992), survey: SurveyAttributes::default(), notes: Default::default(),
//! };
//! let opts = BundleOptions::default();
//! let screening = screen_estate(&estate, &opts).unwrap();
//! assert_eq!(screening.eligibility, Eligibility::NeedsSurvey);
//! assert!(screening.reason_text().contains("consent share unknown"));
//! estate.survey = SurveyAttributes { consent_share: Some(0.8), previously_funded: Some(false),
//!     to_be_demolished: Some(false), estate_type: Some("普通住宅".into()), ..Default::default() };
//! assert_eq!(screen_estate(&estate, &opts).unwrap().eligibility, Eligibility::Eligible);
//! estate.built_year = Some(2004);
//! let screening = screen_estate(&estate, &opts).unwrap();
//! assert_eq!((screening.eligibility, screening.reason_text().as_str()), (Eligibility::Ineligible, "built 2004, not before 2001"));
//! ```

use super::BundleOptions;
use crate::error::{Error, Result};
use crate::lang::Catalogue;
use crate::model::Estate;

/// The Zhifu rule's consulted share: at least 2/3 of owners consulted.
pub const ZHIFU_CONSULTED_SHARE: f64 = 2.0 / 3.0;
/// The Zhifu rule's agreeing share among those consulted: at least 3/4.
pub const ZHIFU_AGREE_SHARE: f64 = 3.0 / 4.0;

/// Words of the survey's estate type that exclude an estate (villa, high-end, bungalow).
pub const EXCLUDED_ESTATE_TYPES: [&str; 8] = ["别墅", "villa", "高档", "high-end", "high_end", "high end", "平房", "bungalow"];

const SHARE_TOLERANCE: f64 = 1e-9;

/// Why an estate is not (yet) eligible: a rule a known value fails, or a value not surveyed. Shares are
/// kept as written (three decimals).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// Housing on land of another use (`education w12 (amenity=school)`).
    NotOldEstate(String),
    PopulationUnknown,
    BuiltTooLate { year: i32, before: i32 },
    BuiltYearUnknown,
    ToBeDemolished,
    DemolitionUnknown,
    AlreadyFunded,
    FundingUnknown,
    /// The survey's estate type (villa, high-end, bungalow).
    ExcludedType(String),
    TypeUnknown,
    ConsultedBelow(String),
    ConsultedUnknown,
    AgreeBelow(String),
    AgreeUnknown,
    /// The share, and the share required.
    ConsentBelow(String, String),
    ConsentUnknown,
}

/// The `eligibility_reason` text of an estate that meets every rule.
pub const MEETS_EVERY_RULE: &str = "meets every rule";

impl Reason {
    /// The reason as the `eligibility_reason` field writes it (English).
    pub fn english(&self) -> String {
        match self {
            Reason::NotOldEstate(grounds) => format!("not an old estate: housing in {grounds}"),
            Reason::PopulationUnknown => "population unknown".into(),
            Reason::BuiltTooLate { year, before } => format!("built {year}, not before {before}"),
            Reason::BuiltYearUnknown => "built year unknown".into(),
            Reason::ToBeDemolished => "to be demolished".into(),
            Reason::DemolitionUnknown => "demolition plan unknown".into(),
            Reason::AlreadyFunded => "already funded".into(),
            Reason::FundingUnknown => "previous funding unknown".into(),
            Reason::ExcludedType(kind) => format!("estate type {kind} (villa / high-end / bungalow) is excluded"),
            Reason::TypeUnknown => "estate type unknown".into(),
            Reason::ConsultedBelow(v) => format!("consulted share {v} below 2/3"),
            Reason::ConsultedUnknown => "consulted share unknown".into(),
            Reason::AgreeBelow(v) => format!("agree share {v} of those consulted below 3/4"),
            Reason::AgreeUnknown => "agree share unknown".into(),
            Reason::ConsentBelow(v, required) => format!("consent share {v} below {required}"),
            Reason::ConsentUnknown => "consent share unknown".into(),
        }
    }

    /// The reason [`Reason::english`] wrote; `None` for any other text.
    pub fn parse(text: &str) -> Option<Reason> {
        let fixed = [
            Reason::PopulationUnknown,
            Reason::BuiltYearUnknown,
            Reason::ToBeDemolished,
            Reason::DemolitionUnknown,
            Reason::AlreadyFunded,
            Reason::FundingUnknown,
            Reason::TypeUnknown,
            Reason::ConsultedUnknown,
            Reason::AgreeUnknown,
            Reason::ConsentUnknown,
        ];
        if let Some(r) = fixed.into_iter().find(|r| r.english() == text) {
            return Some(r);
        }
        if let Some(grounds) = text.strip_prefix("not an old estate: housing in ") {
            return Some(Reason::NotOldEstate(grounds.to_string()));
        }
        if let Some((year, before)) = text.strip_prefix("built ").and_then(|t| t.split_once(", not before ")) {
            return Some(Reason::BuiltTooLate { year: year.parse().ok()?, before: before.parse().ok()? });
        }
        if let Some(kind) = text.strip_prefix("estate type ").and_then(|t| t.strip_suffix(" (villa / high-end / bungalow) is excluded")) {
            return Some(Reason::ExcludedType(kind.to_string()));
        }
        if let Some(v) = text.strip_prefix("consulted share ").and_then(|t| t.strip_suffix(" below 2/3")) {
            return Some(Reason::ConsultedBelow(v.to_string()));
        }
        if let Some(v) = text.strip_prefix("agree share ").and_then(|t| t.strip_suffix(" of those consulted below 3/4")) {
            return Some(Reason::AgreeBelow(v.to_string()));
        }
        let (v, required) = text.strip_prefix("consent share ")?.split_once(" below ")?;
        Some(Reason::ConsentBelow(v.to_string(), required.to_string()))
    }

    /// The reason in the catalogue's language (`eligibility.<kind>`).
    pub fn in_language(&self, catalogue: &Catalogue) -> String {
        let (key, values): (&str, Vec<(&str, String)>) = match self {
            Reason::NotOldEstate(grounds) => ("not_old_estate", vec![("grounds", crate::estates::plausibility::grounds_text_in(grounds, catalogue))]),
            Reason::PopulationUnknown => ("population_unknown", vec![]),
            Reason::BuiltTooLate { year, before } => ("built_too_late", vec![("year", year.to_string()), ("before", before.to_string())]),
            Reason::BuiltYearUnknown => ("built_year_unknown", vec![]),
            Reason::ToBeDemolished => ("to_be_demolished", vec![]),
            Reason::DemolitionUnknown => ("demolition_unknown", vec![]),
            Reason::AlreadyFunded => ("already_funded", vec![]),
            Reason::FundingUnknown => ("funding_unknown", vec![]),
            Reason::ExcludedType(kind) => ("excluded_type", vec![("kind", kind.clone())]),
            Reason::TypeUnknown => ("type_unknown", vec![]),
            Reason::ConsultedBelow(v) => ("consulted_below", vec![("share", v.clone())]),
            Reason::ConsultedUnknown => ("consulted_unknown", vec![]),
            Reason::AgreeBelow(v) => ("agree_below", vec![("share", v.clone())]),
            Reason::AgreeUnknown => ("agree_unknown", vec![]),
            Reason::ConsentBelow(v, required) => ("consent_below", vec![("share", v.clone()), ("required", required.clone())]),
            Reason::ConsentUnknown => ("consent_unknown", vec![]),
        };
        let values: Vec<(&str, &dyn std::fmt::Display)> = values.iter().map(|(k, v)| (*k, v as &dyn std::fmt::Display)).collect();
        catalogue.tr_with(&format!("eligibility.{key}"), &values)
    }
}

/// A `left_out_reason` field's text (why an estate is in no bundle: `ineligible: <reasons>`,
/// `needs survey: <reasons>`, or a [`super::partition::LeftOut`] text) in the catalogue's language
/// (`left_out.<key>`); any other text stays as it is.
pub fn left_out_text_in(text: &str, catalogue: &Catalogue) -> String {
    use super::partition::LeftOut;
    for (prefix, key) in [("ineligible: ", "left_out.ineligible"), ("needs survey: ", "left_out.needs_survey")] {
        if let Some(reasons) = text.strip_prefix(prefix) {
            return catalogue.tr_with(key, &[("reasons", &reason_text_in(reasons, catalogue))]);
        }
    }
    match LeftOut::ALL.into_iter().find(|l| l.as_str() == text) {
        Some(l) => catalogue.tr(&format!("left_out.{}", l.key())).to_string(),
        None => text.to_string(),
    }
}

/// An `eligibility_reason` field's text (reasons `;`-joined, or [`MEETS_EVERY_RULE`]) in the catalogue's
/// language, reasons joined by `；` in Chinese; a part that is no [`Reason`] stays as it is.
pub fn reason_text_in(text: &str, catalogue: &Catalogue) -> String {
    if text == MEETS_EVERY_RULE {
        return catalogue.tr("eligibility.meets_every_rule").to_string();
    }
    let separator = match catalogue.lang() {
        crate::lang::Lang::Zh => "；",
        crate::lang::Lang::En => ";",
    };
    text.split(';').map(|part| Reason::parse(part).map_or_else(|| part.to_string(), |r| r.in_language(catalogue))).collect::<Vec<_>>().join(separator)
}

/// The three-valued verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Eligibility {
    /// Every rule known and met.
    Eligible,
    /// No rule failed, but at least one value is unknown: survey it.
    NeedsSurvey,
    /// A known value fails a rule.
    Ineligible,
}

impl Eligibility {
    /// The value written to the `eligible` field: `yes`, `needs_survey` or `no`.
    pub fn as_str(self) -> &'static str {
        match self {
            Eligibility::Eligible => "yes",
            Eligibility::NeedsSurvey => "needs_survey",
            Eligibility::Ineligible => "no",
        }
    }
}

/// The verdict for one estate and every reason behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Screening {
    pub eligibility: Eligibility,
    /// Failed rules first, then unknown values; empty when eligible.
    pub reasons: Vec<Reason>,
}

impl Screening {
    /// The `eligibility_reason` field: every reason `;`-joined, or [`MEETS_EVERY_RULE`].
    pub fn reason_text(&self) -> String {
        if self.reasons.is_empty() { MEETS_EVERY_RULE.to_string() } else { self.reasons.iter().map(Reason::english).collect::<Vec<_>>().join(";") }
    }
}

fn share(estate: &Estate, name: &str, value: Option<f64>) -> Result<Option<f64>> {
    match value {
        Some(v) if !(v.is_finite() && (0.0..=1.0).contains(&v)) => Err(Error::feature(
            "survey",
            &estate.id,
            format!("{name} is {v}, outside 0..1"),
            format!("give {name} as a share between 0 and 1 (e.g. 0.75 for 75 %), or leave it empty if not surveyed"),
        )),
        other => Ok(other),
    }
}

fn format_share(v: f64) -> String {
    format!("{:.3}", v)
}

/// Screen one estate against the rules of `opts` (`built_before`, `consent`, `zhifu_rule`).
pub fn screen_estate(estate: &Estate, opts: &BundleOptions) -> Result<Screening> {
    let survey = &estate.survey;
    let mut failed = Vec::new();
    let mut unknown = Vec::new();

    if let Some(grounds) = &estate.notes.not_old_estate {
        failed.push(Reason::NotOldEstate(grounds.clone()));
    }
    if estate.population_unknown() {
        unknown.push(Reason::PopulationUnknown);
    }
    match estate.built_year.or(survey.built_year) {
        Some(year) if year >= opts.built_before => failed.push(Reason::BuiltTooLate { year, before: opts.built_before }),
        Some(_) => {}
        None => unknown.push(Reason::BuiltYearUnknown),
    }
    match survey.to_be_demolished {
        Some(true) => failed.push(Reason::ToBeDemolished),
        Some(false) => {}
        None => unknown.push(Reason::DemolitionUnknown),
    }
    match survey.previously_funded {
        Some(true) => failed.push(Reason::AlreadyFunded),
        Some(false) => {}
        None => unknown.push(Reason::FundingUnknown),
    }
    match survey.estate_type.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        Some(kind) => {
            let lower = kind.to_lowercase();
            if EXCLUDED_ESTATE_TYPES.iter().any(|word| lower.contains(word)) {
                failed.push(Reason::ExcludedType(kind.to_string()));
            }
        }
        None => unknown.push(Reason::TypeUnknown),
    }
    if opts.zhifu_rule {
        match share(estate, "consulted_share", survey.consulted_share)? {
            Some(v) if v + SHARE_TOLERANCE < ZHIFU_CONSULTED_SHARE => failed.push(Reason::ConsultedBelow(format_share(v))),
            Some(_) => {}
            None => unknown.push(Reason::ConsultedUnknown),
        }
        match share(estate, "agree_share", survey.agree_share)? {
            Some(v) if v + SHARE_TOLERANCE < ZHIFU_AGREE_SHARE => failed.push(Reason::AgreeBelow(format_share(v))),
            Some(_) => {}
            None => unknown.push(Reason::AgreeUnknown),
        }
    } else {
        match share(estate, "consent_share", survey.consent_share)? {
            Some(v) if v + SHARE_TOLERANCE < opts.consent => failed.push(Reason::ConsentBelow(format_share(v), format_share(opts.consent))),
            Some(_) => {}
            None => unknown.push(Reason::ConsentUnknown),
        }
    }

    let eligibility = if !failed.is_empty() {
        Eligibility::Ineligible
    } else if !unknown.is_empty() {
        Eligibility::NeedsSurvey
    } else {
        Eligibility::Eligible
    };
    failed.extend(unknown);
    Ok(Screening { eligibility, reasons: failed })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_reason() -> Vec<Reason> {
        vec![
            Reason::NotOldEstate("education w12 (amenity=school)".into()),
            Reason::PopulationUnknown,
            Reason::BuiltTooLate { year: 2004, before: 2001 },
            Reason::BuiltYearUnknown,
            Reason::ToBeDemolished,
            Reason::DemolitionUnknown,
            Reason::AlreadyFunded,
            Reason::FundingUnknown,
            Reason::ExcludedType("高档 别墅, below".into()),
            Reason::TypeUnknown,
            Reason::ConsultedBelow("0.500".into()),
            Reason::ConsultedUnknown,
            Reason::AgreeBelow("0.700".into()),
            Reason::AgreeUnknown,
            Reason::ConsentBelow("0.500".into(), "0.667".into()),
            Reason::ConsentUnknown,
        ]
    }

    #[test]
    fn every_reason_reads_back_from_its_text_and_is_worded_in_both_languages() {
        use crate::lang::{Catalogue, Lang};
        let (zh, en) = (Catalogue::of(Lang::Zh), Catalogue::of(Lang::En));
        for r in every_reason() {
            assert_eq!(Reason::parse(&r.english()), Some(r.clone()), "{r:?}");
            // The English catalogue words it as the field does; the Chinese one in Chinese, values kept.
            assert_eq!(r.in_language(en), r.english(), "{r:?}");
            let chinese = r.in_language(zh);
            assert!(!chinese.contains('{') && chinese.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{r:?}: {chinese}");
        }
        let field = Screening { eligibility: Eligibility::Ineligible, reasons: vec![Reason::BuiltTooLate { year: 2004, before: 2001 }, Reason::ConsentUnknown] }.reason_text();
        assert_eq!(field, "built 2004, not before 2001;consent share unknown");
        assert_eq!(reason_text_in(&field, zh), "2004 年建成，不属于 2001 年以前建成的小区；居民同意比例未知");
        assert_eq!(reason_text_in(&field, en), field);
        assert_eq!(reason_text_in(MEETS_EVERY_RULE, zh), "符合全部改造条件");
        // A text that is no reason (written by another tool) stays as it is.
        assert_eq!(reason_text_in("lost in the flood;to be demolished", zh), "lost in the flood；拟拆除");
    }

    #[test]
    fn why_an_estate_is_in_no_bundle_is_worded_in_both_languages() {
        use super::super::partition::LeftOut;
        use crate::lang::{Catalogue, Lang};
        let (zh, en) = (Catalogue::of(Lang::Zh), Catalogue::of(Lang::En));
        for l in LeftOut::ALL.into_iter().filter(|l| *l != LeftOut::NotCandidate) {
            assert_eq!(left_out_text_in(l.as_str(), en), l.as_str());
            let chinese = left_out_text_in(l.as_str(), zh);
            assert!(!chinese.is_empty() && !chinese.chars().any(|c| c.is_ascii_alphabetic()), "{l:?}: {chinese}");
        }
        assert_eq!(left_out_text_in("ineligible: to be demolished", zh), "不符合改造条件：拟拆除");
        assert_eq!(left_out_text_in("needs survey: demolition plan unknown;estate type unknown", zh), "待摸底调查：是否拟拆除未知；小区类型未知");
        assert_eq!(left_out_text_in("needs survey: demolition plan unknown;estate type unknown", en), "needs survey: demolition plan unknown;estate type unknown");
        assert_eq!(left_out_text_in("something else", zh), "something else");
    }
    use crate::model::{PopulationSource, SurveyAttributes};
    use crate::testing::estate;

    /// Estate e1 (no outline: screening reads none) with the given build year and survey.
    fn e1(built_year: Option<i32>, survey: SurveyAttributes) -> Estate {
        Estate { households: 380.0, population_source: PopulationSource::Survey, n_buildings: 4, built_year, survey, ..estate("e1", geo_types::MultiPolygon(vec![])) }
    }

    fn surveyed() -> SurveyAttributes {
        SurveyAttributes {
            consent_share: Some(0.9),
            consulted_share: Some(0.9),
            agree_share: Some(0.9),
            previously_funded: Some(false),
            to_be_demolished: Some(false),
            estate_type: Some("普通".into()),
            ..Default::default()
        }
    }

    #[test]
    fn cutoff_is_strictly_before_the_year_given() {
        let opts = BundleOptions::default();
        assert_eq!(opts.built_before, 2001);
        assert_eq!(screen_estate(&e1(Some(2000), surveyed()), &opts).unwrap().eligibility, Eligibility::Eligible);
        assert_eq!(screen_estate(&e1(Some(2001), surveyed()), &opts).unwrap().eligibility, Eligibility::Ineligible);
        let late = BundleOptions { built_before: 2006, ..BundleOptions::default() };
        assert_eq!(screen_estate(&e1(Some(2005), surveyed()), &late).unwrap().eligibility, Eligibility::Eligible);
        assert_eq!(screen_estate(&e1(Some(2006), surveyed()), &late).unwrap().eligibility, Eligibility::Ineligible);
        // The survey's year counts when the estate has none.
        let s = SurveyAttributes { built_year: Some(1988), ..surveyed() };
        assert_eq!(screen_estate(&e1(None, s), &opts).unwrap().eligibility, Eligibility::Eligible);
    }

    #[test]
    fn two_of_three_households_meet_the_default_consent() {
        let opts = BundleOptions::default();
        let s = SurveyAttributes { consent_share: Some(200.0 / 300.0), ..surveyed() };
        assert_eq!(screen_estate(&e1(Some(1990), s), &opts).unwrap().eligibility, Eligibility::Eligible);
        let s = SurveyAttributes { consent_share: Some(0.66), ..surveyed() };
        let r = screen_estate(&e1(Some(1990), s), &opts).unwrap();
        assert_eq!(r.eligibility, Eligibility::Ineligible);
        assert_eq!(r.reason_text(), "consent share 0.660 below 0.667");
    }

    #[test]
    fn every_failure_and_unknown_is_listed_and_failure_wins_over_unknown() {
        let s = SurveyAttributes {
            to_be_demolished: Some(true),
            previously_funded: Some(true),
            estate_type: Some("独栋 Villa".into()),
            consent_share: Some(0.5),
            ..Default::default()
        };
        let r = screen_estate(&e1(None, s), &BundleOptions::default()).unwrap();
        assert_eq!(r.eligibility, Eligibility::Ineligible);
        assert_eq!(
            r.reason_text(),
            "to be demolished;already funded;estate type 独栋 Villa (villa / high-end / bungalow) is excluded;consent share 0.500 below 0.667;built year unknown"
        );
        let r = screen_estate(&e1(None, SurveyAttributes::default()), &BundleOptions::default()).unwrap();
        assert_eq!(r.eligibility, Eligibility::NeedsSurvey);
        assert_eq!(r.reasons.len(), 5);
        for t in ["平房", "高档小区", "high_end", "Bungalow row"] {
            let s = SurveyAttributes { estate_type: Some(t.into()), ..surveyed() };
            assert_eq!(screen_estate(&e1(Some(1990), s), &BundleOptions::default()).unwrap().eligibility, Eligibility::Ineligible, "{t}");
        }
    }

    #[test]
    fn zhifu_rule_needs_two_thirds_consulted_and_three_quarters_agreeing() {
        let opts = BundleOptions { zhifu_rule: true, ..BundleOptions::default() };
        let verdict = |consulted, agree| {
            let s = SurveyAttributes { consulted_share: consulted, agree_share: agree, consent_share: None, ..surveyed() };
            screen_estate(&e1(Some(1995), s), &opts).unwrap()
        };
        assert_eq!(verdict(Some(2.0 / 3.0), Some(0.75)).eligibility, Eligibility::Eligible);
        assert_eq!(verdict(Some(0.6), Some(0.9)).reason_text(), "consulted share 0.600 below 2/3");
        assert_eq!(verdict(Some(0.9), Some(0.7)).reason_text(), "agree share 0.700 of those consulted below 3/4");
        let r = verdict(Some(0.9), None);
        assert_eq!((r.eligibility, r.reason_text().as_str()), (Eligibility::NeedsSurvey, "agree share unknown"));
    }

    #[test]
    fn a_share_outside_zero_to_one_is_an_input_error_naming_the_estate() {
        let s = SurveyAttributes { consent_share: Some(75.0), ..surveyed() };
        let err = screen_estate(&e1(Some(1990), s), &BundleOptions::default()).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("e1") && text.contains("consent_share is 75") && text.contains("between 0 and 1"), "{text}");
        assert_eq!(err.exit_code(), 2);
    }
}
