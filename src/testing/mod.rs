//! Test support, public only so that integration tests (`tests/`), benchmarks (`benches/`) and examples
//! (`examples/`) can reach it: not part of the engine, not for analysis, hidden from the documentation.
//!
//! - [`synthetic_city`]: the seeded synthetic grid city of the benchmarks, scale tests and the
//!   `synthetic_city` example.
//! - [`shapes`]: axis-aligned rectangles and squares, the outlines hand-worked tests are drawn with.
//! - [`estates`]: an [`Estate`](crate::model::Estate) with plain defaults, for tests to change the
//!   fields they are about (`Estate { population: 3000.0, ..estate("a", square(0.0, 0.0, 100.0)) }`).
//! - [`dem`]: elevation GeoTIFFs written with GDAL from a function (planes, hills, holes).
//!
//! ```
//! use lifecircle::model::Estate;
//! use lifecircle::testing::{estate, square};
//! let e = Estate { population: 3000.0, ..estate("a", square(0.0, 0.0, 100.0)) };
//! assert_eq!((e.id.as_str(), e.population, e.households), ("a", 3000.0, 400.0));
//! ```

pub mod dem;
pub mod estates;
pub mod shapes;
pub mod synthetic_city;

pub use estates::estate;
pub use shapes::{rect, rect_polygon, square};
