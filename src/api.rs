//! Server functions: thin adapters that parse input, resolve the store, call the domain layer
//! and return DTOs. Their bodies run only on the server.

pub mod auth;
pub mod campaigns;
pub mod customers;
pub mod fans;
pub mod products;
pub mod stores;
