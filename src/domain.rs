//! Encore's business rules (server only). Commands own their transaction; queries build the
//! DTOs pages show. Nothing here knows about Leptos or HTTP.
//!
//! One folder per thing a creator sees:
//!
//! * [`accounts`]: creator accounts, sessions and stores;
//! * [`commerce`]: Customers (products, purchases, refunds, subscriptions, revenue);
//! * [`audience`]: Fans (fans, tags, audiences, engagement);
//! * [`campaigns`]: Campaigns (compose, audience snapshot, send queue, unsubscribe).
//!
//! and the few pieces they share: [`email`], [`text`], [`time`], [`keyset`] pagination,
//! [`sql`] expressions, write transactions ([`tx`]), [`signing`] of login-free links and
//! [`error`]s. [`derived`] lists every piece of derived data (rollups, counts, copies), what
//! keeps it and which audit check proves it.

pub mod accounts;
pub mod audience;
pub mod campaigns;
pub mod commerce;
pub mod derived;
pub mod email;
pub mod error;
pub mod keyset;
pub mod signing;
mod sql;
pub mod text;
pub mod time;
pub mod tx;

pub use error::{DomainError, DomainResult, is_outage};
