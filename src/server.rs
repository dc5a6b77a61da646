//! The HTTP server (server only): configuration, database, routes, and the command line.

pub mod access;
pub mod backup;
pub mod campaign_files;
pub mod cli;
pub mod config;
pub mod db;
pub mod document;
pub mod export;
pub mod flash;
pub mod health;
pub mod logging;
pub mod metrics;
pub mod outage;
pub mod proxy;
pub mod rate_limit;
pub mod router;
pub mod security;
pub mod session;
pub mod settings;
pub mod state;
pub mod timeout;
pub mod unsubscribe;
