//! Encore's Rust integration tests: one binary (one link) for all of them.
//! Database tests run on SQLite and on PostgreSQL; see `support`.

mod fixtures;
mod support;

mod config;
mod http;
mod purchases;
