//! The invariant audit can fail: each check, on a store where every piece of derived data is
//! present and exact, passes; with its data made wrong by raw SQL, it (and only it) fails.
//! Together with `src/domain/derived.rs` this is the proof that every rollup, count and
//! copy is checked.

use chrono::{Days, Utc};
use encore::domain::audience::queries::count_fans;
use encore::domain::commerce::refunds::refund_purchase;
use encore::domain::commerce::revenue::dashboard;
use encore::dto::{DateRange, FanFilter};
use encore::tools::audit::{Check, violations};
use encore::tools::generate::{GenerateSpec, generate};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, TransactionTrait};

use crate::db_test;
use crate::fixtures::*;

/// What each check is about, made wrong: statements run in a transaction that is rolled
/// back afterwards (`{s}` is the store's id). Some statements also put right what a wrong
/// value would break in another check, so that each case shows one check failing.
fn corruptions() -> Vec<(Check, Vec<&'static str>)> {
    vec![
        (
            Check::CustomerTotals,
            vec![
                "UPDATE customers SET purchase_count = purchase_count + 1 \
                 WHERE id = (SELECT MIN(id) FROM customers WHERE store_id = {s})",
            ],
        ),
        (
            // Moving the first purchase time also moves `customer_daily` (its triggers),
            // which stays in step with the customers.
            Check::CustomerDates,
            vec![
                "UPDATE customers SET first_purchase_at = last_purchase_at \
                 WHERE id = (SELECT MIN(id) FROM customers \
                             WHERE store_id = {s} AND first_purchase_at < last_purchase_at)",
            ],
        ),
        (
            Check::SortNames,
            vec![
                "UPDATE fans SET sort_name = 'zz' || sort_name \
                 WHERE id = (SELECT MIN(id) FROM fans WHERE store_id = {s})",
            ],
        ),
        (
            Check::SortNames,
            vec![
                "UPDATE customers SET sort_name = 'zz' || sort_name \
                 WHERE id = (SELECT MIN(id) FROM customers WHERE store_id = {s})",
            ],
        ),
        (
            // One cent more refunded on a purchase than its refunds say; the customer's
            // totals follow the purchase, as a refund would have moved them.
            Check::PurchaseRefunds,
            vec![
                "UPDATE customers SET refunded_cents = refunded_cents + 1, \
                 total_spent_cents = total_spent_cents - 1 \
                 WHERE id = (SELECT customer_id FROM purchases WHERE id = \
                   (SELECT MIN(id) FROM purchases \
                    WHERE store_id = {s} AND refunded_cents + 1 < amount_cents))",
                "UPDATE purchases SET refunded_cents = refunded_cents + 1 \
                 WHERE id = (SELECT MIN(id) FROM purchases \
                             WHERE store_id = {s} AND refunded_cents + 1 < amount_cents)",
            ],
        ),
        (
            // Its tag links take the new score (their triggers), so only the ledger differs.
            Check::FanScores,
            vec![
                "UPDATE fans SET score = score + 1 \
                 WHERE id = (SELECT MIN(id) FROM fans WHERE store_id = {s})",
            ],
        ),
        (
            // Only without the unique index can a second row with an email exist: a copy of
            // a customer with nothing bought, so that no total or date is wrong.
            Check::OneRowPerEmail,
            vec![
                "DROP INDEX idx_customers_store_id_email",
                "INSERT INTO customers (store_id, email, name, sort_name, total_spent_cents, \
                 refunded_cents, purchase_count, created_at) \
                 SELECT store_id, email, name, sort_name, 0, 0, 0, created_at FROM customers \
                 WHERE id = (SELECT MIN(id) FROM customers WHERE store_id = {s})",
            ],
        ),
        (
            // A paying customer's fan loses the tag; the tag's count follows (triggers).
            Check::CustomerTag,
            vec![
                "DELETE FROM fan_tags WHERE tag_id = \
                   (SELECT id FROM tags WHERE store_id = {s} AND key = 'customer') \
                 AND fan_id = (SELECT MIN(fan_id) FROM fan_tags WHERE tag_id = \
                   (SELECT id FROM tags WHERE store_id = {s} AND key = 'customer'))",
            ],
        ),
        (
            // A tag outside the kept pair, whose counts must stay right.
            Check::TagFanCounts,
            vec![
                "UPDATE tags SET fan_count = fan_count + 1 \
                 WHERE id = (SELECT MIN(id) FROM tags WHERE store_id = {s} \
                             AND id NOT IN (SELECT low_tag_id FROM tag_pairs) \
                             AND id NOT IN (SELECT high_tag_id FROM tag_pairs))",
            ],
        ),
        (
            Check::TagLinkScores,
            vec![
                "UPDATE fan_tags SET score = score + 1 \
                 WHERE fan_id = (SELECT MIN(fan_id) FROM fan_tags WHERE store_id = {s})",
            ],
        ),
        (
            Check::StoreFanCount,
            vec!["UPDATE stores SET fan_count = fan_count + 1 WHERE id = {s}"],
        ),
        (
            Check::TagPairs,
            vec![
                "UPDATE tag_pairs SET both_fans = both_fans + 1 \
                 WHERE low_tag_id IN (SELECT id FROM tags WHERE store_id = {s})",
            ],
        ),
        (
            // The weekly rollup follows the daily one (its triggers): only the daily one
            // differs from the purchases.
            Check::RevenueDaily,
            vec![
                "UPDATE revenue_daily SET orders = orders + 1 \
                 WHERE store_id = {s} \
                 AND day = (SELECT MIN(day) FROM revenue_daily WHERE store_id = {s}) \
                 AND product_id = (SELECT MIN(product_id) FROM revenue_daily \
                   WHERE store_id = {s} \
                   AND day = (SELECT MIN(day) FROM revenue_daily WHERE store_id = {s}))",
            ],
        ),
        (
            Check::RevenueWeekly,
            vec![
                "UPDATE revenue_weekly SET gross_cents = gross_cents + 1 \
                 WHERE store_id = {s} \
                 AND week = (SELECT MIN(week) FROM revenue_weekly WHERE store_id = {s}) \
                 AND product_id = (SELECT MIN(product_id) FROM revenue_weekly \
                   WHERE store_id = {s} \
                   AND week = (SELECT MIN(week) FROM revenue_weekly WHERE store_id = {s}))",
            ],
        ),
        (
            Check::CustomerDaily,
            vec![
                "UPDATE customer_daily SET new_customers = new_customers + 1 \
                 WHERE store_id = {s} \
                 AND day = (SELECT MIN(day) FROM customer_daily WHERE store_id = {s})",
            ],
        ),
        (
            Check::BuyerCounts,
            vec!["UPDATE buyer_counts SET buyers = buyers + 1 WHERE store_id = {s}"],
        ),
        (
            Check::SubscriptionPeriods,
            vec![
                "UPDATE subscriptions SET current_period_end = started_at \
                 WHERE id = (SELECT MIN(id) FROM subscriptions WHERE store_id = {s})",
            ],
        ),
        (
            Check::SubscriptionDaily,
            vec![
                "UPDATE subscription_daily SET starts = starts + 1 \
                 WHERE store_id = {s} \
                 AND day = (SELECT MIN(day) FROM subscription_daily WHERE store_id = {s})",
            ],
        ),
    ]
}

/// A generated store, plus what only reads fill: a kept distinct-buyer count (the
/// dashboard's previous period) and a kept two-tag count.
async fn store_with_every_derived_row(db: &DatabaseConnection) -> i64 {
    let owner = creator(db).await;
    let spec = GenerateSpec {
        fans: 120,
        customers: 60,
        purchases: 400,
        seed: 11,
    };
    let store_id = generate(db, owner, &spec).await.unwrap().store_id;
    let today = Utc::now().date_naive();
    let month = DateRange {
        start: today - Days::new(29),
        end: today,
    };
    dashboard(db, store_id, month, Utc::now()).await.unwrap();
    let both = FanFilter {
        tags_all: vec!["newsletter".to_owned(), "ableton".to_owned()],
        ..FanFilter::default()
    };
    count_fans(db, store_id, &both).await.unwrap();
    for table in [
        "refunds",
        "subscriptions",
        "subscription_daily",
        "revenue_weekly",
        "customer_daily",
        "buyer_counts",
        "tag_pairs",
    ] {
        assert!(rows(db, table).await > 0, "the store has {table}");
    }
    store_id
}

async fn rows(db: &impl ConnectionTrait, table: &str) -> i64 {
    db.query_one_raw(Statement::from_string(
        db.get_database_backend(),
        format!("SELECT COUNT(*) FROM {table}"),
    ))
    .await
    .unwrap()
    .unwrap()
    .try_get_by_index(0)
    .unwrap()
}

db_test!(
    each_audit_check_fails_when_its_derived_data_is_wrong,
    |db: DatabaseConnection| async move {
        let store_id = store_with_every_derived_row(&db).await;
        assert_invariants(&db, store_id).await;

        let cases = corruptions();
        for check in Check::ALL {
            assert!(
                cases.iter().any(|(case, _)| case == check),
                "no corruption shows that {check} can fail"
            );
        }
        for (check, statements) in cases {
            let tx = db.begin().await.unwrap();
            if tx.get_database_backend() == DbBackend::Postgres {
                // The deferred rollup triggers run at each statement's end, as SQLite's do.
                tx.execute_unprepared("SET CONSTRAINTS ALL IMMEDIATE")
                    .await
                    .unwrap();
            }
            for statement in statements {
                let sql = statement.replace("{s}", &store_id.to_string());
                let changed = tx.execute_unprepared(&sql).await.unwrap();
                assert!(
                    sql.starts_with("DROP") || changed.rows_affected() > 0,
                    "{check}: changed nothing: {sql}"
                );
            }
            let found = violations(&tx, store_id).await.unwrap();
            tx.rollback().await.unwrap();
            assert!(!found.is_empty(), "{check} did not notice");
            assert!(
                found.iter().all(|violation| check.found(violation)),
                "{check} expected alone: {found:#?}"
            );
        }
        assert_invariants(&db, store_id).await;
    }
);

db_test!(
    purchases_and_refunds_are_facts_the_rollup_can_trust,
    |db: DatabaseConnection| async move {
        let store_id = store(&db).await;
        let kit = drum_kit(&db, store_id).await;
        let course = masterclass(&db, store_id).await;
        let bought = buy(&db, store_id, kit.id, "ada@example.com", 2900, "order-1").await;
        refund_purchase(
            &db,
            &refund_of(store_id, bought.purchase_id, Some(900), "refund-1"),
        )
        .await
        .unwrap();
        let digest = state_digest(&db).await;

        let long_ago = "'2020-01-01 00:00:00+00:00'";
        for change in [
            "UPDATE purchases SET amount_cents = amount_cents + 100".to_owned(),
            format!("UPDATE purchases SET product_id = {}", course.id),
            format!("UPDATE purchases SET purchased_at = {long_ago}"),
            "UPDATE refunds SET amount_cents = 1".to_owned(),
            format!("UPDATE refunds SET refunded_at = {long_ago}"),
        ] {
            let refused = db.execute_unprepared(&change).await;
            assert!(refused.is_err(), "{change} was allowed");
        }
        // What refunds move is not a fact the rollup reads.
        db.execute_unprepared("UPDATE purchases SET refunded_cents = refunded_cents")
            .await
            .unwrap();
        assert_eq!(state_digest(&db).await, digest);
        assert_invariants(&db, store_id).await;
    }
);
