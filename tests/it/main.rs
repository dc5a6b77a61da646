//! Encore's Rust integration tests: one binary (one link) for all of them.
//! Database tests run on SQLite and on PostgreSQL; see `support`.

mod fixtures;
mod support;

mod audit;
mod backup;
mod bulk;
mod campaigns;
mod catalogue;
mod components;
mod concurrency;
mod config;
mod data;
mod exports;
mod fans;
mod fans_pages;
mod forms;
mod http;
mod limits;
mod manual_sales;
mod metrics;
mod migrations;
mod outage;
mod pool;
mod purchases;
mod queries;
mod refunds;
mod security;
mod state_machine;
mod tenancy;
