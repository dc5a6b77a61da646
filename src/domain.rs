//! Encore's business rules (server only). Commands own their transaction; queries build the
//! DTOs pages show. Nothing here knows about Leptos or HTTP.

pub mod accounts;
pub mod audit;
pub mod customer_queries;
pub mod demo;
pub mod email;
pub mod engagement;
pub mod error;
pub mod fan_filter;
pub mod fan_queries;
pub mod fan_sync;
pub mod fan_tags;
pub mod fans;
pub mod generate;
pub mod keyset;
pub mod products;
pub mod purchases;
pub mod refunds;
pub mod revenue;
pub mod rollup;
pub mod scoring;
mod sql;
pub mod stores;
pub mod subscriptions;
pub mod tags;
pub mod text;
pub mod time;
pub mod tx;

pub use error::{DomainError, DomainResult};
