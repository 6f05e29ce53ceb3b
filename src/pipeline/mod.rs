//! The stages glued together for the subcommands, one module per command:
//! - [`load`](mod@load) reads the inputs into one [`Dataset`](crate::model::Dataset) in the working CRS
//!   (OpenStreetMap and/or planners' layers, then the survey table and the population estimate);
//! - [`extract`](mod@extract), [`coverage`](mod@coverage), [`bundle`](mod@bundle), [`sites`](mod@sites)
//!   and [`plan`](mod@plan) run what their command names; [`batch`] runs the plan over many areas;
//! - [`outputs`] writes every layer, the rejects and the JSON summaries into a staging folder moved into
//!   the output folder once all is written.
//!
//! `plan` overlaps its writing with its work: once coverage is known, a thread of its own
//! ([`network_layers`]) converts and writes the walking network's layers (a city's millions of edges;
//! GDAL's GeoPackage writer is serial) into the staged GeoPackage and GeoJSON while bundles and sites are
//! worked out, then drops them; the other layers, the HTML report ([`plan_report`] says what it shows) and
//! the printable map are then written side by side. [`stages`] times each stage for `summary.json`.

pub mod batch;
pub mod bundle;
pub mod coverage;
pub mod extract;
pub mod load;
pub mod network_layers;
pub mod outputs;
pub mod plan;
pub mod plan_report;
pub mod rerun;
pub mod sites;
pub mod stages;

pub use crate::crs::china::InputCoords;
pub use bundle::{BundleSummary, bundle};
pub use coverage::{CoverageFiles, coverage, failing_must_have, run_coverage};
pub use extract::{ExtractSummary, extract};
pub use load::{InputSpec, Loaded, load};
pub use outputs::{OutputFormat, OutputSpec, prepare_output, write_json, write_run_outputs};
pub use plan::{PlanOptions, PlanSummary, plan, plan_loaded};
pub use plan_report::REPORT_MAP_MAX_VERTICES;
pub use sites::{SitesSummary, sites};
pub use stages::Stages;

/// Route GDAL's and PROJ's own error printing into our messages (they print `ERROR 1: ...` and
/// `proj_create: crs not found` otherwise; our errors already say what failed, naming the file).
pub fn install_quiet_library_handlers() {
    crate::gdal_errors::install_error_handler();
    // PROJ copies the default context's log level into every context it creates (`proj_context_create`
    // copies `pj_get_default_ctx()`), and the `proj` crate creates one per transformer: silencing the
    // default context (a null pointer means it, PROJ API `proj_log_level`) silences them all.
    // SAFETY: a null context is documented as the default context; the call only sets its log level.
    unsafe {
        proj_sys::proj_log_level(std::ptr::null_mut(), proj_sys::PJ_LOG_LEVEL_PJ_LOG_NONE);
    }
}
