//! Migrations over existing data: a migration that adds a rollup must fill it from what is
//! already there, and undo cleanly.

use chrono::{DateTime, Duration, Months, Utc};
use encore::domain::revenue::revenue_summary;
use encore::domain::time::at_db_precision;
use encore::dto::DateRange;
use encore::entities::{subscription, subscription_period};
use encore::vocab::ProductKind;
use migration::{Migrator, MigratorTrait};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, QueryOrder};

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
                    "cancelled"
                } else {
                    "active"
                }
                .into()),
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
                    .active_subscribers
            }
        };
        assert_eq!(subscribers(day(now)).await, 1);
        assert_eq!(subscribers(day(started + Duration::days(5))).await, 2);
        assert_invariants(&db, store_id).await;
    }
);
