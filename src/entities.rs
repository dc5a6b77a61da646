//! SeaORM entities, one per table, holding only the schema (see `migration/`).
//! Enumerated columns are stored as the slugs of `crate::vocab`; the domain converts them.

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
