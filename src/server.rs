//! The HTTP server (server only): configuration, database, routes, and the command line.

pub mod cli;
pub mod config;
pub mod db;
pub mod health;
pub mod logging;
pub mod router;
pub mod state;
