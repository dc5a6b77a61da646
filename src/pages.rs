//! Routed pages. Each page owns its data: resources keyed on URL parameters and on the
//! versions of the actions that change that data.

pub mod account;
pub mod campaigns;
pub mod customer_detail;
pub mod customers;
pub mod fan_profile;
pub mod fans;
pub mod home;
pub mod not_built;
pub mod not_found;
pub mod products;
pub mod record_purchase;
pub mod resource;
pub mod store;
pub mod tags;
