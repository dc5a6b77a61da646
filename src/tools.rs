//! Tools that work on a store from outside its rules (server only): the deterministic data
//! generator behind `encore generate` and the benchmarks, the demo store `make run` loads,
//! and the invariant audit the tests and the generator run. None of them is a rule of the
//! product; the domain never calls them.

pub mod audit;
pub mod demo;
pub mod generate;
