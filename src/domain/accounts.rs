//! Who uses Encore and what they own: creator accounts (sign-up, log-in, sessions) and the
//! stores they run. Everything else in the domain belongs to one store.

pub mod creators;
pub mod stores;
