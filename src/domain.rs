//! Encore's business rules (server only). Commands own their transaction; queries build the
//! DTOs pages show. Nothing here knows about Leptos or HTTP.

pub mod email;
pub mod error;
pub mod stores;
pub mod text;
pub mod time;
pub mod tx;

pub use error::{DomainError, DomainResult};
