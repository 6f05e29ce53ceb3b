//! lifecircle: life-circle coverage, renovation bundles and idle-land siting for old residential estates
//! (城镇老旧小区改造), from real map data.
//!
//! Data flows one way: read ([`read`], [`estates`]) → model ([`model`]) → index / network ([`index`],
//! [`network`]) → analyses ([`coverage`], [`bundle`], [`siting`]) → write ([`write`](mod@write), [`report`]).
//! [`pipeline`] glues the stages for each subcommand; the flags live in [`cli`].

pub mod bundle;
pub mod calendar;
pub mod cli;
pub mod coverage;
pub mod crs;
pub mod error;
pub mod estates;
pub mod gdal_errors;
pub mod geometry;
pub mod index;
pub mod lang;
pub mod model;
pub mod network;
pub mod pipeline;
pub mod profile;
pub mod provenance;
pub mod read;
pub mod report;
pub mod rng;
pub mod siting;
#[doc(hidden)]
pub mod testing;
pub mod write;

pub use error::{Error, Result};
