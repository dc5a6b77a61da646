//! SeaORM entities, one per table, holding only the schema (see `migration/`).
//! Enumerated columns have the types of `crate::vocab`, stored as their slugs: a slug the
//! code does not know fails the read (a database error, logged), never a panic.

pub mod buyer_count;
pub mod creator;
pub mod customer;
pub mod customer_daily;
pub mod enrollment;
pub mod fan;
pub mod fan_activity;
pub mod fan_genre;
pub mod fan_tag;
pub mod product;
pub mod purchase;
pub mod refund;
pub mod revenue_daily;
pub mod revenue_weekly;
pub mod session;
pub mod store;
pub mod subscription;
pub mod subscription_daily;
pub mod subscription_period;
pub mod tag;
pub mod tag_pair;
