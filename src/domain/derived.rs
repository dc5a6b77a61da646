//! Derived data: every stored value that could be recomputed from other rows, what keeps
//! it, and the audit check that proves it ([`crate::tools::audit::Check`]).
//!
//! **The rule.** A command writes the rows it is about, and on them the values its rules
//! decide (a customer's totals, a fan's score, the `customer` tag, a subscription's
//! periods), in its own transaction. Whatever summarises or copies rows into *other* rows
//! for readers (rollups, counts, copies kept for an index) is the database's: triggers keep
//! it inside the writer's transaction, whichever path writes (a command, the bulk
//! generator, the benchmark's raw SQL, a fix made by hand), so no Rust code writes a
//! rollup and no writer can forget one. Two caches are filled when first read and stay
//! exact because a trigger invalidates them (`buyer_counts`) or because they record the
//! versions they were counted at (`tag_pairs`).
//!
//! On PostgreSQL the day rollups that every write of a day touches (`customer_daily`,
//! `subscription_daily`, `revenue_daily`) are kept by deferred constraint triggers, so
//! concurrent writers hold a day row's lock for their commit only.
//!
//! | Derived data | From | Kept by | Audit check |
//! |---|---|---|---|
//! | `customers.total_spent_cents`, `refunded_cents`, `purchase_count` | purchases | the purchase command's customer upsert; the refund command | `CustomerTotals` |
//! | `customers.first_purchase_at`, `last_purchase_at` | purchases | the purchase command's customer upsert | `CustomerDates` |
//! | `customers.sort_name`, `fans.sort_name` | name and email ([`text::sort_key`](super::text::sort_key)) | every command that writes a name or an email | `SortNames` |
//! | `purchases.refunded_cents` | refunds | the refund command | `PurchaseRefunds` |
//! | `fans.score` | the fan's activities' points | [`audience::sync`](super::audience::sync), which records each activity with its points | `FanScores` |
//! | the `customer` tag's links | purchases not fully refunded | the purchase and refund commands, through [`audience::sync`](super::audience::sync) | `CustomerTag` |
//! | `tags.fan_count` | `fan_tags` | triggers (migrations 5, 7, 10) | `TagFanCounts` |
//! | `tags.member_version` | changes to `fan_tags` | the same triggers | only has to move; `TagPairs` checks what it guards |
//! | `stores.fan_count` | `fans` | triggers (migration 22) | `StoreFanCount` |
//! | `fan_tags.score` | `fans.score` | triggers (migration 10) | `TagLinkScores` |
//! | `tag_pairs` | `fan_tags`, at both tags' member versions | filled when read ([`audience::filter`](super::audience::filter)); a row is used only at its versions | `TagPairs` |
//! | `revenue_daily` | purchases and refunds | triggers (migration 12) | `RevenueDaily` |
//! | `revenue_weekly` | `revenue_daily` | triggers (migration 8) | `RevenueWeekly` |
//! | `customer_daily` | customers' first and latest purchase times | triggers (migration 6) | `CustomerDaily` |
//! | `buyer_counts` | purchases | filled when read ([`commerce::revenue`](super::commerce::revenue)); triggers delete what a purchase invalidates (migration 6) | `BuyerCounts` |
//! | `subscriptions.started_at`, `current_period_end` | `subscription_periods` | the purchase and refund commands ([`commerce::subscriptions`](super::commerce::subscriptions)) | `SubscriptionPeriods` |
//! | `subscription_daily` | `subscription_periods` | triggers (migration 9) | `SubscriptionDaily` |
//!
//! The audit's one other check, `OneRowPerEmail`, is not about derived data: unique indexes
//! keep one customer and one fan per (store, email).
//!
//! Facts the rollups read do not change: the database refuses a change to a purchase's or
//! refund's store, product, purchase, amount or time (migration 12), and neither is deleted
//! but with its store, whose rollup rows go with it. `tests/it/audit.rs` corrupts each piece
//! of derived data in turn and expects its check, and only its check, to fail.
