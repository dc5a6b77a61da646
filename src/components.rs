//! Presentational components: props in, view out, no server calls.

pub mod async_view;
pub mod audience;
pub mod form;
pub mod layout;
pub mod producer_profile;
pub mod revenue;
pub mod widgets;
