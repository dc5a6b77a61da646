//! Fans: the email audience of a store. Fans carry tags, a producer profile and an
//! engagement score kept as a ledger of activities; audiences are filters over them.
//!
//! * [`fans`]: fans added by hand, their profile, email status and erasure;
//! * [`sync`]: the pieces every command changes a fan with (find-or-create by email, the
//!   activity ledger, the managed `customer` tag);
//! * [`tags`] (names) and [`tagging`] (tagging fans, renaming and deleting tags);
//! * [`filter`] (an audience as SQL) and [`queries`] (what the Fans pages read);
//! * [`engagement`] (opens, clicks, replies) and [`scoring`] (their points).

pub mod bulk_jobs;
pub mod engagement;
pub mod fans;
pub mod filter;
pub mod queries;
pub mod scoring;
pub mod sync;
pub mod tagging;
pub mod tags;
