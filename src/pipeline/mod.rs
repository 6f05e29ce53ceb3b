//! The stages glued together for the subcommands (being split into one module per command).

pub mod batch;
mod plan;

pub use plan::*;
