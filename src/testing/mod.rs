//! Test support, public only so that integration tests (`tests/`), benchmarks (`benches/`) and examples
//! (`examples/`) can reach it: not part of the engine, not for analysis, hidden from the documentation.
//!
//! - [`synthetic_city`]: the seeded synthetic grid city of the benchmarks, scale tests and the
//!   `synthetic_city` example.

pub mod synthetic_city;
