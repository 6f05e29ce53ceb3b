//! The fields whose English text is worded for a person where a person reads it (the workbook's cells, the
//! report's pop-ups), while the field itself keeps the engine's English for filters and scripts: an
//! estate's eligibility reasons ([`crate::bundle::eligibility::reason_text_in`]), why it is in no bundle
//! ([`crate::bundle::eligibility::left_out_text_in`]), where a siting candidate's land comes from
//! ([`crate::siting::candidates::origin_text_in`]), and the estates step's notes: the grounds of an estate
//! that is not an old estate ([`crate::estates::plausibility::grounds_text_in`]) and why one is implausible
//! ([`crate::estates::plausibility::implausible_text_in`]); and how distances were measured
//! ([`crate::coverage::straight::method_text_in`]); a reject's reason
//! ([`crate::write::reject_reasons::reason_text_in`]). QGIS shows them in words too, through a value
//! map of each distinct text ([`crate::report::styles::value_map`]).
//!
//! ```
//! use lifecircle::lang::{Catalogue, Lang};
//! use lifecircle::report::worded_fields::wording_of;
//! let word = wording_of("candidate_origin").unwrap();
//! assert_eq!(word("derived:open_land", Catalogue::of(Lang::Zh)), "推算的闲置用地（小区周边建筑、道路以外的用地）");
//! assert_eq!(wording_of("not_old_estate").unwrap()("education w5 (amenity=university)", Catalogue::of(Lang::Zh)), "教育用地 w5（amenity=university）");
//! assert_eq!(wording_of("implausible").unwrap()("area 25.0 ha above 20.0 ha; 20000 residents above 15000", Catalogue::of(Lang::Zh)), "占地 25.0 公顷，超过上限 20.0 公顷；人口 20000 人，超过上限 15000 人");
//! assert!(wording_of("name").is_none());
//! ```

use crate::lang::Catalogue;

/// Words a field's English text in a catalogue's language.
pub type WordText = fn(&str, &Catalogue) -> String;

/// Every worded field and how it is worded.
pub const WORDED_FIELDS: [(&str, WordText); 8] = [
    ("eligibility_reason", crate::bundle::eligibility::reason_text_in),
    ("left_out_reason", crate::bundle::eligibility::left_out_text_in),
    ("candidate_origin", crate::siting::candidates::origin_text_in),
    ("origin", crate::siting::candidates::origin_text_in),
    ("not_old_estate", crate::estates::plausibility::grounds_text_in),
    ("implausible", crate::estates::plausibility::implausible_text_in),
    ("distance_method", crate::coverage::straight::method_text_in),
    ("reason", crate::write::reject_reasons::reason_text_in),
];

/// How `field`'s values are worded for a person, when [`WORDED_FIELDS`] words them.
pub fn wording_of(field: &str) -> Option<WordText> {
    WORDED_FIELDS.iter().find(|(f, _)| *f == field).map(|(_, w)| *w)
}
