//! Routed pages. Each page owns its data: resources keyed on URL parameters and on the
//! versions of the actions that change that data.

pub mod home;
pub mod not_built;
pub mod not_found;
pub mod store;
