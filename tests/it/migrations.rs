//! Migrations over existing data: a migration that adds a rollup must fill it from what is
//! already there, and undo cleanly.

use chrono::{DateTime, Duration, Months, Utc};
use encore::domain::commerce::refunds::refund_purchase;
use encore::domain::commerce::revenue::revenue_summary;
use encore::domain::time::at_db_precision;
use encore::dto::DateRange;
use encore::entities::{
    purchase, revenue_daily, revenue_weekly, subscription, subscription_period,
};
use encore::vocab::{ProductKind, SubscriptionStatus};
use migration::{Migrator, MigratorTrait};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, Statement, TransactionTrait,
};

use crate::db_test;
use crate::fixtures::*;

db_test!(
    existing_subscriptions_get_their_periods,
    |db: DatabaseConnection| async move {
        let store_id = store(&db).await;
        let club = feedback_club(&db, store_id).await;
        // Two customers to hang subscriptions on (their purchases are not subscriptions).
        let pack = product(&db, store_id, "Kit", ProductKind::SamplePack, 900, false).await;
        buy(&db, store_id, pack.id, "sam@example.com", 900, "s").await;
        buy(&db, store_id, pack.id, "lin@example.com", 900, "l").await;
        let sam = customer_by_email(&db, store_id, "sam@example.com")
            .await
            .unwrap();
        let lin = customer_by_email(&db, store_id, "lin@example.com")
            .await
            .unwrap();

        // Back to the schema before subscription periods, and rows as it kept them: Sam's
        // running, Lin's cancelled ten days into a month she had paid for.
        let after_eight = u32::try_from(Migrator::migrations().len() - 8).unwrap();
        Migrator::down(&db, Some(after_eight)).await.unwrap();
        let now = at_db_precision(Utc::now());
        let started = now - Duration::days(20);
        let month_after = |at: DateTime<Utc>| at.checked_add_months(Months::new(1)).unwrap();
        let row =
            |customer_id: i64, cancelled_at: Option<DateTime<Utc>>| subscription::ActiveModel {
                store_id: Set(store_id),
                customer_id: Set(customer_id),
                product_id: Set(club.id),
                status: Set(if cancelled_at.is_some() {
                    SubscriptionStatus::Cancelled
                } else {
                    SubscriptionStatus::Active
                }),
                started_at: Set(started),
                renewed_at: Set(started),
                current_period_end: Set(month_after(started)),
                cancelled_at: Set(cancelled_at),
                ..Default::default()
            };
        row(sam.id, None).insert(&db).await.unwrap();
        let cancelled_at = started + Duration::days(10);
        row(lin.id, Some(cancelled_at)).insert(&db).await.unwrap();

        Migrator::up(&db, None).await.unwrap();
        let rows = subscription::Entity::find()
            .order_by_asc(subscription::Column::CustomerId)
            .all(&db)
            .await
            .unwrap();
        assert_eq!(rows[0].current_period_end, month_after(started));
        assert_eq!(
            rows[1].current_period_end, cancelled_at,
            "a cancelled subscription was paid until its cancellation"
        );
        let periods: Vec<_> = subscription_period::Entity::find()
            .order_by_asc(subscription_period::Column::SubscriptionId)
            .all(&db)
            .await
            .unwrap()
            .into_iter()
            .map(|p| (p.subscription_id, p.started_at, p.ended_at))
            .collect();
        assert_eq!(
            periods,
            [
                (rows[0].id, started, month_after(started)),
                (rows[1].id, started, cancelled_at),
            ]
        );
        let day = |at: DateTime<Utc>| {
            let day = at.date_naive();
            DateRange {
                start: day,
                end: day,
            }
        };
        let subscribers = |range| {
            let db = db.clone();
            async move {
                revenue_summary(&db, store_id, range, now)
                    .await
                    .unwrap()
                    .totals
                    .active_subscribers
            }
        };
        assert_eq!(subscribers(day(now)).await, 1);
        assert_eq!(subscribers(day(started + Duration::days(5))).await, 2);
        assert_invariants(&db, store_id).await;
    }
);

/// The index the Customers page reads its rows' products from (migration 11).
const PRODUCTS_BY_CUSTOMER: &str = "idx_purchases_customer_id_product_id";

/// Whether the purchases table has the index `PRODUCTS_BY_CUSTOMER`.
async fn has_products_by_customer(db: &DatabaseConnection) -> bool {
    let sql = match db.get_database_backend() {
        DbBackend::Postgres => "SELECT indexname FROM pg_indexes WHERE tablename = 'purchases'",
        _ => "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'purchases'",
    };
    db.query_all_raw(Statement::from_string(
        db.get_database_backend(),
        sql.to_owned(),
    ))
    .await
    .unwrap()
    .into_iter()
    .any(|row| row.try_get_by_index::<String>(0).unwrap() == PRODUCTS_BY_CUSTOMER)
}

db_test!(
    a_page_of_customers_reads_its_products_from_one_index,
    |db: DatabaseConnection| async move {
        assert!(has_products_by_customer(&db).await);

        // The list's question, as it asks it. SQLite's plan does not depend on the data, so
        // it is checked here; PostgreSQL's depends on table statistics (the benchmark
        // measures it at 1M fans).
        if db.get_database_backend() == DbBackend::Sqlite {
            let question = purchase::Entity::find()
                .select_only()
                .column(purchase::Column::CustomerId)
                .column(purchase::Column::ProductId)
                .distinct()
                .filter(purchase::Column::CustomerId.is_in([1_i64, 2, 3]))
                .build(DbBackend::Sqlite);
            // EXPLAIN runs no transaction, so it does not check the schema's version: a
            // pooled connection can plan with the schema it loaded before the last
            // migration. A read in the same transaction first brings it up to date.
            let tx = db.begin().await.unwrap();
            tx.query_all_raw(Statement::from_string(
                DbBackend::Sqlite,
                "SELECT id FROM purchases LIMIT 1".to_owned(),
            ))
            .await
            .unwrap();
            let plan: Vec<String> = tx
                .query_all_raw(Statement::from_sql_and_values(
                    DbBackend::Sqlite,
                    format!("EXPLAIN QUERY PLAN {}", question.sql),
                    question.values.map(|values| values.0).unwrap_or_default(),
                ))
                .await
                .unwrap()
                .into_iter()
                .map(|row| row.try_get::<String>("", "detail").unwrap())
                .collect();
            tx.commit().await.unwrap();
            assert_eq!(
                plan,
                [format!(
                    "SEARCH purchases USING COVERING INDEX {PRODUCTS_BY_CUSTOMER} (customer_id=?)"
                )],
                "the products of a page of customers are read from the index alone"
            );
        }

        // Migration 11 is the eleventh: undo it and every later one.
        let back_to_eleven = u32::try_from(Migrator::migrations().len() - 10).unwrap();
        Migrator::down(&db, Some(back_to_eleven)).await.unwrap();
        assert!(!has_products_by_customer(&db).await);
        Migrator::up(&db, None).await.unwrap();
        assert!(has_products_by_customer(&db).await);
    }
);

/// Both revenue rollups, in key order.
async fn revenue_rollups(
    db: &DatabaseConnection,
) -> (Vec<revenue_daily::Model>, Vec<revenue_weekly::Model>) {
    let daily = revenue_daily::Entity::find()
        .order_by_asc(revenue_daily::Column::Day)
        .order_by_asc(revenue_daily::Column::ProductId)
        .all(db)
        .await
        .unwrap();
    let weekly = revenue_weekly::Entity::find()
        .order_by_asc(revenue_weekly::Column::Week)
        .order_by_asc(revenue_weekly::Column::ProductId)
        .all(db)
        .await
        .unwrap();
    (daily, weekly)
}

db_test!(
    the_revenue_rollups_are_recomputed_from_every_purchase_and_refund,
    |db: DatabaseConnection| async move {
        let store_id = store(&db).await;
        let kit = drum_kit(&db, store_id).await;
        let course = masterclass(&db, store_id).await;
        let kept = buy(&db, store_id, kit.id, "ada@example.com", 2900, "order-1").await;
        buy(&db, store_id, course.id, "lin@example.com", 9900, "order-2").await;
        refund_purchase(
            &db,
            &refund_of(store_id, kept.purchase_id, Some(900), "refund-1"),
        )
        .await
        .unwrap();
        let exact = revenue_rollups(&db).await;
        assert_eq!((exact.0.len(), exact.1.len()), (2, 2));

        // Back to the schema before migration 12, with rollups that drifted: a daily row
        // off by a cent (the weekly one follows it) and the weekly rollup lost.
        let after_eleven = u32::try_from(Migrator::migrations().len() - 11).unwrap();
        Migrator::down(&db, Some(after_eleven)).await.unwrap();
        db.execute_unprepared("UPDATE revenue_daily SET gross_cents = gross_cents + 1")
            .await
            .unwrap();
        db.execute_unprepared("DELETE FROM revenue_weekly")
            .await
            .unwrap();

        Migrator::up(&db, None).await.unwrap();
        assert_eq!(revenue_rollups(&db).await, exact);
        assert_invariants(&db, store_id).await;
        // And from now on the triggers keep them.
        buy(&db, store_id, kit.id, "sam@example.com", 2900, "order-3").await;
        let (daily, _) = revenue_rollups(&db).await;
        assert_eq!(
            daily.iter().map(|row| row.orders).sum::<i64>(),
            3,
            "{daily:?}"
        );
        assert_invariants(&db, store_id).await;
    }
);
