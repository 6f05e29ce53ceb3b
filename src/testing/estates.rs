//! An estate for tests with plain defaults; a test sets the fields it is about with struct update syntax.
//!
//! ```
//! use lifecircle::model::{Estate, PopulationSource};
//! use lifecircle::testing::{estate, rect};
//! let e = Estate { population_source: PopulationSource::Survey, built_year: Some(1990), ..estate("w1", rect(0.0, 0.0, 100.0, 50.0)) };
//! assert_eq!((e.population, e.households, e.n_buildings), (1000.0, 400.0, 0));
//! assert_eq!(e.built_year, Some(1990));
//! ```

use crate::model::{Estate, EstateSource, PopulationSource};
use geo_types::MultiPolygon;

/// An estate `id` over `polygon` from a planner's layer: 1,000 residents in 400 households (the layer's
/// figures), no name, no buildings counted, build year unknown, no survey.
pub fn estate(id: &str, polygon: MultiPolygon<f64>) -> Estate {
    Estate { population: 1000.0, households: 400.0, population_source: PopulationSource::Layer, ..Estate::unpopulated(id, None, polygon, EstateSource::Layer) }
}
