//! 数据质量 / data quality: what the input data lacks, so that a gap in the map is not read as a gap in the
//! town. A category with no facility mapped scores 0 % everywhere; an estate on a network island reaches
//! nothing; an estate with no known population weighs nothing in the shares. The report says so in plain
//! words before its tables, `summary.json` holds the figures (`data_quality`), the workbook a sheet of
//! them, and each is a warning on stderr.
//!
//! The figures, each worked out from the run's own results:
//! - `rejects`: every reject by layer and by the code its reason starts with ([`crate::model::RejectCode`],
//!   named for a reader by the catalogue's `values.reason_code.*`; a reason without a code, which no
//!   reader writes, is grouped by its text before the first `:`, quoted ids and numbers left out);
//! - `layers_fully_rejected`: a planner's layer file none of whose features made it into the model
//!   (`pipeline::load` refuses those the command cannot work without, see there);
//! - `estates_on_islands`: estates whose every access point lies off the main walking network (component
//!   0), so they reach only what their island holds; `estates_without_access`: estates with no access point;
//! - `estates_unknown_population` (no figure, no building: `population_source = unknown`) and
//!   `estates_zero_population` (a figure of 0);
//! - `categories_without_facility`: profile categories with no facility at all in the data;
//! - `implausible_estates`: estates above the profile's plausible area or residents (`implausible` on the
//!   estates layer); `ways_clipped_at_edge`: walkable ways and barriers the OSM extract cut at its edge
//!   (`null` without `--osm`), so estates near the edge may miss facilities beyond it.
//!
//! ```
//! use lifecircle::report::data_quality::reason_kind;
//! assert_eq!(reason_kind("duplicate id `g1`: feature #0 has it too and was kept"), "duplicate id");
//! assert_eq!(reason_kind("built_year 2999 is not a year between 1800 and 2026 (the current year)"), "built_year # is not a year between # and #");
//! ```

use crate::coverage::CoverageRun;
use crate::model::{Dataset, PopulationSource};
use crate::profile::Profile;
use crate::report::Wording;
use serde::Serialize;
use std::collections::BTreeMap;

/// A planner's layer file as it was read: how many of its features were kept and rejected.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LayerRead {
    pub file: String,
    pub layer: String,
    pub kept: usize,
    pub rejected: usize,
}

/// A layer none of whose features was kept.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FullyRejected {
    pub file: String,
    pub layer: String,
    pub rejected: usize,
}

/// Estates named by a check: how many, and the first ids (at most [`MAX_IDS`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct EstateList {
    pub count: usize,
    pub ids: Vec<String>,
}

/// The most estate ids a list names.
pub const MAX_IDS: usize = 20;

impl EstateList {
    fn push(&mut self, id: &str) {
        self.count += 1;
        if self.ids.len() < MAX_IDS {
            self.ids.push(id.to_string());
        }
    }
}

/// `summary.json`'s `data_quality`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DataQuality {
    pub rejects_total: usize,
    /// layer → kind of reason → count.
    pub rejects: BTreeMap<String, BTreeMap<String, usize>>,
    pub layers_fully_rejected: Vec<FullyRejected>,
    pub estates_on_islands: EstateList,
    pub estates_without_access: EstateList,
    pub estates_unknown_population: EstateList,
    pub estates_zero_population: EstateList,
    /// Category keys, in the profile's order.
    pub categories_without_facility: Vec<String>,
    /// Estates flagged implausible (above the profile's plausible area or residents).
    pub implausible_estates: Option<usize>,
    /// Ways cut at the OSM extract's edge; `None` without an OSM extract.
    pub ways_clipped_at_edge: Option<usize>,
    /// With `--dem`: network edges with no elevation anywhere (outside the raster or over no-data) and
    /// edges with elevation on part of their length only; both counted flat where elevation is missing.
    /// `None` without a DEM.
    pub dem_edges_without_data: Option<usize>,
    pub dem_edges_partly_without_data: Option<usize>,
}

/// The kind of a reject's reason: its text before the first `:` or `(`, quoted ids (`` `x` ``) dropped and
/// every run of digits written `#`.
pub fn reason_kind(reason: &str) -> String {
    let head = reason.split([':', '(']).next().unwrap_or(reason);
    let mut out = String::with_capacity(head.len());
    let mut in_quote = false;
    let mut last_digit = false;
    for c in head.chars() {
        if c == '`' {
            in_quote = !in_quote;
            continue;
        }
        if in_quote {
            continue;
        }
        if c.is_ascii_digit() || (last_digit && c == '.') {
            if !last_digit {
                out.push('#');
            }
            last_digit = true;
            continue;
        }
        last_digit = false;
        out.push(c);
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The data quality of a run: `data` after coverage (its rejects include the network's), the layer files
/// as read, the coverage run, and the ways the OSM reader clipped at the extract's edge (`None` without
/// `--osm`).
pub fn data_quality(data: &Dataset, profile: &Profile, layer_reads: &[LayerRead], coverage: &CoverageRun, ways_clipped: Option<usize>) -> DataQuality {
    let mut q = DataQuality { rejects_total: data.rejects.len(), ..DataQuality::default() };
    for r in &data.rejects {
        let kind = r.code().map_or_else(|| reason_kind(&r.reason), |c| c.key().to_string());
        *q.rejects.entry(r.layer.clone()).or_default().entry(kind).or_insert(0) += 1;
    }
    q.layers_fully_rejected =
        layer_reads.iter().filter(|l| l.kept == 0 && l.rejected > 0).map(|l| FullyRejected { file: l.file.clone(), layer: l.layer.clone(), rejected: l.rejected }).collect();
    let network = &coverage.network;
    for (e, access) in data.estates.iter().zip(&coverage.baseline.estate_access) {
        if access.points.is_empty() {
            q.estates_without_access.push(&e.id);
        } else if !access.points.iter().any(|p| network.islands.component_of_edge(&network.graph, p.snap.edge) == 0) {
            q.estates_on_islands.push(&e.id);
        }
        if e.population_source == PopulationSource::Unknown {
            q.estates_unknown_population.push(&e.id);
        } else if e.population == 0.0 {
            q.estates_zero_population.push(&e.id);
        }
    }
    q.implausible_estates = Some(data.estates.iter().filter(|e| e.notes.implausible.is_some()).count());
    q.ways_clipped_at_edge = ways_clipped;
    if let Some(dem) = &coverage.summary.dem {
        q.dem_edges_without_data = Some(dem.coverage.edges_without_data);
        q.dem_edges_partly_without_data = Some(dem.coverage.edges_partly_without_data);
    }
    q.categories_without_facility = profile.categories.iter().filter(|c| !data.facilities.iter().any(|f| f.category == c.key)).map(|c| c.key.clone()).collect();
    q
}

/// An input layer's name for a reader (`values.layer.<name>`, as the rejects' `layer` field is shown), its
/// key when the catalogue has none.
fn input_layer_name(wording: &Wording, layer: &str) -> String {
    wording.value_name("layer", layer)
}

impl DataQuality {
    /// Whether there is anything to say.
    pub fn is_clean(&self) -> bool {
        self.rejects_total == 0
            && self.layers_fully_rejected.is_empty()
            && self.estates_on_islands.count == 0
            && self.estates_without_access.count == 0
            && self.estates_unknown_population.count == 0
            && self.estates_zero_population.count == 0
            && self.categories_without_facility.is_empty()
            && self.implausible_estates.unwrap_or(0) == 0
            && self.ways_clipped_at_edge.unwrap_or(0) == 0
    }

    /// Plain sentences for a reader, in the wording's language (`data_quality.*` in the catalogue), most
    /// consequential first: categories with nothing mapped, layers lost, estates cut off, unknown
    /// populations, then the rejects.
    pub fn sentences(&self, wording: &Wording) -> Vec<String> {
        let mut out = Vec::new();
        for key in &self.categories_without_facility {
            out.push(wording.tr_with("data_quality.category_without_facility", &[("category", &wording.category_name(key))]));
        }
        for l in &self.layers_fully_rejected {
            out.push(wording.tr_with("data_quality.layer_fully_rejected", &[("file", &l.file), ("layer", &input_layer_name(wording, &l.layer)), ("count", &l.rejected)]));
        }
        let ids = |list: &EstateList| {
            let mut text = list.ids.join(wording.tr("units.list_separator"));
            if list.count > list.ids.len() {
                text.push_str(wording.tr("units.list_separator"));
                text.push('…');
            }
            text
        };
        for (list, key) in [
            (&self.estates_on_islands, "data_quality.estates_on_islands"),
            (&self.estates_without_access, "data_quality.estates_without_access"),
            (&self.estates_unknown_population, "data_quality.estates_unknown_population"),
            (&self.estates_zero_population, "data_quality.estates_zero_population"),
        ] {
            if list.count > 0 {
                out.push(wording.tr_with(key, &[("count", &list.count), ("ids", &ids(list))]));
            }
        }
        if let Some(n) = self.implausible_estates.filter(|n| *n > 0) {
            out.push(wording.tr_with("data_quality.implausible_estates", &[("count", &n)]));
        }
        if let Some(n) = self.ways_clipped_at_edge.filter(|n| *n > 0) {
            out.push(wording.tr_with("data_quality.ways_clipped_at_edge", &[("count", &n)]));
        }
        let flat = self.dem_edges_without_data.unwrap_or(0);
        let partly = self.dem_edges_partly_without_data.unwrap_or(0);
        if flat + partly > 0 {
            out.push(wording.tr_with("data_quality.dem_edges_without_data", &[("count", &flat), ("partly", &partly)]));
        }
        if self.rejects_total > 0 {
            let by_layer: Vec<String> = self
                .rejects
                .iter()
                .map(|(layer, kinds)| {
                    let kinds: Vec<String> = kinds.iter().map(|(kind, n)| format!("{} × {n}", wording.value_name("reason_code", kind))).collect();
                    wording.tr_with("data_quality.rejects_of_layer", &[("layer", &input_layer_name(wording, layer)), ("count", &kinds.len()), ("kinds", &kinds.join(wording.tr("units.list_separator")))])
                })
                .collect();
            out.push(wording.tr_with("data_quality.rejects", &[("count", &self.rejects_total), ("layers", &by_layer.join(wording.tr("units.list_separator")))]));
        }
        out
    }

    /// Each finding as a warning on stderr (English, for the log).
    pub fn warn(&self) {
        for key in &self.categories_without_facility {
            tracing::warn!(category = %key, "no facility of this category is in the data: its 0 % coverage reflects the map, not the town");
        }
        for l in &self.layers_fully_rejected {
            tracing::warn!(file = %l.file, layer = %l.layer, rejects = l.rejected, "every feature of this layer was rejected (see the rejects layer)");
        }
        if self.estates_on_islands.count > 0 {
            tracing::warn!(estates = self.estates_on_islands.count, first = ?self.estates_on_islands.ids.first(), "estates only reach a network island cut off from the main walking network");
        }
        if self.estates_without_access.count > 0 {
            tracing::warn!(estates = self.estates_without_access.count, first = ?self.estates_without_access.ids.first(), "estates with no access point on the walking network");
        }
        if self.estates_unknown_population.count > 0 {
            tracing::warn!(estates = self.estates_unknown_population.count, "estates with unknown population (no figure, no building): they weigh nothing in the shares");
        }
        if self.estates_zero_population.count > 0 {
            tracing::warn!(estates = self.estates_zero_population.count, "estates with a population of 0");
        }
        if self.rejects_total > 0 {
            tracing::warn!(rejects = self.rejects_total, "input features rejected (see the rejects layer and the data-quality sheet)");
        }
    }
}
