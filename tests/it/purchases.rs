//! Recording purchases: the auto-sync, exactly once, on both engines.

use chrono::{Duration, Utc};
use encore::domain::DomainError;
use encore::domain::commerce::products::{
    ProductEdit, archive_product, edit_product, list_products,
};
use encore::domain::commerce::purchases::{PurchaseInput, RecordPurchase, record_purchase};
use encore::domain::commerce::refunds::{RefundInput, RefundPurchase, refund_purchase};
use encore::entities::{enrollment, purchase, revenue_daily, subscription};
use encore::money::{Currency, MinorUnits};
use encore::vocab::{FanSource, ProductKind, PurchaseSource, SubscriptionStatus};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use crate::db_test;
use crate::fixtures::*;

db_test!(
    the_masterclass_purchase_creates_the_customer_and_the_fan,
    |db: DatabaseConnection| async move {
        let store_id = store(&db).await;
        let course = masterclass(&db, store_id).await;

        let receipt = buy(&db, store_id, course.id, "Ada@Example.com", 9900, "order-1").await;

        assert!(!receipt.replayed);
        assert_eq!(receipt.points, 9);
        let customer = customer_by_email(&db, store_id, "ada@example.com")
            .await
            .unwrap();
        assert_eq!(customer.id, receipt.customer_id);
        assert_eq!(customer.total_spent_cents, 9900);
        assert_eq!(customer.purchase_count, 1);
        let enrollments = enrollment::Entity::find()
            .filter(enrollment::Column::CustomerId.eq(customer.id))
            .all(&db)
            .await
            .unwrap();
        assert_eq!(enrollments.len(), 1, "a course purchase enrolls");
        assert_eq!(enrollments[0].product_id, course.id);

        let fan = fan_by_email(&db, store_id, "ada@example.com")
            .await
            .unwrap();
        assert_eq!(Some(fan.id), receipt.fan_id);
        assert_eq!(fan.score, 9);
        assert_eq!(fan.source, FanSource::Purchase);
        assert_eq!(tags_of(&db, fan.id).await, ["customer"]);
        assert_eq!(
            activities_of(&db, fan.id).await,
            [("Purchased: Mixing Masterclass".to_owned(), 9)]
        );
        assert_invariants(&db, store_id).await;
    }
);

db_test!(
    a_replay_returns_the_first_result_and_changes_nothing,
    |db: DatabaseConnection| async move {
        let store_id = store(&db).await;
        let course = masterclass(&db, store_id).await;
        let first = buy(&db, store_id, course.id, "ada@example.com", 9900, "order-1").await;
        let counts = table_counts(&db).await;
        let digest = state_digest(&db).await;

        let again = buy(
            &db,
            store_id,
            course.id,
            "ADA@example.com ",
            9900,
            "order-1",
        )
        .await;

        assert!(again.replayed);
        assert_eq!(
            (
                again.purchase_id,
                again.customer_id,
                again.fan_id,
                again.points
            ),
            (
                first.purchase_id,
                first.customer_id,
                first.fan_id,
                first.points
            )
        );
        assert_eq!(table_counts(&db).await, counts);
        assert_eq!(state_digest(&db).await, digest);
    }
);

db_test!(
    a_replay_after_the_product_is_archived_still_answers_as_a_replay,
    |db: DatabaseConnection| async move {
        let store_id = store(&db).await;
        let course = masterclass(&db, store_id).await;
        let first = buy(&db, store_id, course.id, "ada@example.com", 9900, "order-1").await;
        archive_product(&db, store_id, course.id).await.unwrap();
        let digest = state_digest(&db).await;

        let again = buy(&db, store_id, course.id, "ada@example.com", 9900, "order-1").await;
        let other_payload = purchase(store_id, course.id, "ada@example.com", 5000, "order-1");
        let error = record_purchase(&db, &other_payload).await.unwrap_err();

        assert!(again.replayed);
        assert_eq!(again.purchase_id, first.purchase_id);
        assert!(matches!(error, DomainError::Conflict(_)), "{error:?}");
        assert_eq!(state_digest(&db).await, digest);
    }
);

db_test!(
    a_purchase_reads_once_and_writes_each_row_once,
    |db: DatabaseConnection| async move {
        let store_id = store(&db).await;
        let kit = drum_kit(&db, store_id).await;
        // The store's first paying purchase makes its `customer` tag.
        buy(&db, store_id, kit.id, "first@example.com", 2900, "order-1").await;
        let (counted, statements) = recording(&db);

        for (email, key) in [
            ("new@example.com", "order-2"),
            ("new@example.com", "order-3"),
        ] {
            statements.lock().unwrap().clear();
            record_purchase(&counted, &purchase(store_id, kit.id, email, 2900, key))
                .await
                .unwrap();
            let verbs: Vec<String> = statements
                .lock()
                .unwrap()
                .iter()
                .map(|sql| sql.split_whitespace().next().unwrap_or("").to_uppercase())
                .collect();
            // The product, its store and the store's tag in one read; then the customer,
            // the purchase, the fan, the activity, the score and the tag link. The rollups
            // are the purchase insert's triggers' work.
            assert_eq!(
                verbs,
                [
                    "SELECT", "INSERT", "INSERT", "INSERT", "INSERT", "UPDATE", "INSERT"
                ],
                "{key}: {:#?}",
                statements.lock().unwrap()
            );
        }
        assert_invariants(&db, store_id).await;
    }
);

db_test!(
    the_same_key_with_another_payload_is_a_conflict,
    |db: DatabaseConnection| async move {
        let store_id = store(&db).await;
        let course = masterclass(&db, store_id).await;
        buy(&db, store_id, course.id, "ada@example.com", 9900, "order-1").await;
        let digest = state_digest(&db).await;

        for different in [
            purchase(store_id, course.id, "ada@example.com", 5000, "order-1"),
            purchase(store_id, course.id, "grace@example.com", 9900, "order-1"),
        ] {
            let error = record_purchase(&db, &different).await.unwrap_err();
            assert!(matches!(error, DomainError::Conflict(_)), "{error:?}");
        }
        assert_eq!(state_digest(&db).await, digest);
        assert_invariants(&db, store_id).await;
    }
);

db_test!(
    the_key_is_scoped_by_source,
    |db: DatabaseConnection| async move {
        let store_id = store(&db).await;
        let course = masterclass(&db, store_id).await;
        buy(&db, store_id, course.id, "ada@example.com", 9900, "42").await;
        let manual = RecordPurchase::parse(PurchaseInput {
            source: PurchaseSource::Manual,
            ..input(store_id, course.id, "ada@example.com", 9900, "42")
        })
        .unwrap();

        let receipt = record_purchase(&db, &manual).await.unwrap();

        assert!(!receipt.replayed, "manual #42 is not webhook #42");
        let customer = customer_by_email(&db, store_id, "ada@example.com")
            .await
            .unwrap();
        assert_eq!(customer.purchase_count, 2);
        assert_invariants(&db, store_id).await;
    }
);

db_test!(
    repeat_purchases_add_up_on_one_customer_and_one_fan,
    |db: DatabaseConnection| async move {
        let store_id = store(&db).await;
        let course = masterclass(&db, store_id).await;
        let pack = drum_kit(&db, store_id).await;
        let earlier = Utc::now() - Duration::days(30);
        let first = RecordPurchase::parse(PurchaseInput {
            name: "Ada Lovelace",
            purchased_at: Some(earlier),
            ..input(store_id, pack.id, "ada@example.com", 2900, "a")
        })
        .unwrap();
        record_purchase(&db, &first).await.unwrap();
        buy(&db, store_id, course.id, "ada@example.com", 10550, "b").await;

        let customer = customer_by_email(&db, store_id, "ada@example.com")
            .await
            .unwrap();
        assert_eq!(customer.total_spent_cents, 2900 + 10550);
        assert_eq!(customer.purchase_count, 2);
        assert_eq!(
            customer.name, "Ada Lovelace",
            "the name from the first purchase is kept"
        );
        assert_eq!(customer.first_purchase_at, first.purchased_at());
        assert!(customer.last_purchase_at.unwrap() > earlier);
        let fan = fan_by_email(&db, store_id, "ada@example.com")
            .await
            .unwrap();
        assert_eq!(fan.score, 2 + 10, "$29 → 2 points, $105.50 → 10 points");
        assert_eq!(fan.name, "Ada Lovelace");
        assert_invariants(&db, store_id).await;
    }
);

db_test!(
    a_purchase_under_ten_dollars_earns_no_points_but_makes_a_customer,
    |db: DatabaseConnection| async move {
        let store_id = store(&db).await;
        let preset = product(
            &db,
            store_id,
            "Vocal Chain Preset",
            ProductKind::Preset,
            999,
            false,
        )
        .await;

        let receipt = buy(&db, store_id, preset.id, "lin@example.com", 999, "p-1").await;

        assert_eq!(receipt.points, 0);
        let fan = fan_by_email(&db, store_id, "lin@example.com")
            .await
            .unwrap();
        assert_eq!(fan.score, 0);
        assert_eq!(tags_of(&db, fan.id).await, ["customer"]);
        assert_eq!(
            activities_of(&db, fan.id).await,
            [("Purchased: Vocal Chain Preset".to_owned(), 0)]
        );
        assert_invariants(&db, store_id).await;
    }
);

db_test!(
    a_subscription_starts_and_each_payment_extends_it_by_a_month,
    |db: DatabaseConnection| async move {
        let store_id = store(&db).await;
        let club = feedback_club(&db, store_id).await;
        let start = encore::domain::time::at_db_precision(Utc::now() - Duration::days(10));
        let first = RecordPurchase::parse(PurchaseInput {
            purchased_at: Some(start),
            ..input(store_id, club.id, "sam@example.com", 1500, "sub-1")
        })
        .unwrap();
        record_purchase(&db, &first).await.unwrap();

        let subscriptions = subscription::Entity::find().all(&db).await.unwrap();
        assert_eq!(subscriptions.len(), 1);
        assert_eq!(subscriptions[0].status, SubscriptionStatus::Active);
        assert_eq!(subscriptions[0].started_at, start);
        let first_end = subscriptions[0].current_period_end;
        assert_eq!(
            first_end,
            start.checked_add_months(chrono::Months::new(1)).unwrap()
        );

        buy(&db, store_id, club.id, "sam@example.com", 1500, "sub-2").await;
        let renewed = subscription::Entity::find()
            .one(&db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(renewed.started_at, start, "a renewal keeps the start");
        assert_eq!(
            renewed.current_period_end,
            first_end
                .checked_add_months(chrono::Months::new(1))
                .unwrap(),
            "paid early, the new month follows the current one"
        );
        assert_eq!(
            subscription::Entity::find().all(&db).await.unwrap().len(),
            1
        );
        assert_invariants(&db, store_id).await;
    }
);

db_test!(
    a_purchase_lands_in_the_rollup_of_its_day,
    |db: DatabaseConnection| async move {
        let store_id = store(&db).await;
        let course = masterclass(&db, store_id).await;
        let day = "2026-03-14T15:00:00Z"
            .parse::<chrono::DateTime<Utc>>()
            .unwrap();
        for (key, email) in [("r-1", "a@example.com"), ("r-2", "b@example.com")] {
            let bought = RecordPurchase::parse(PurchaseInput {
                purchased_at: Some(day),
                ..input(store_id, course.id, email, 9900, key)
            })
            .unwrap();
            record_purchase(&db, &bought).await.unwrap();
        }
        let rows = revenue_daily::Entity::find().all(&db).await.unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].day, day.date_naive());
        assert_eq!(
            (rows[0].gross_cents, rows[0].refunds_cents, rows[0].orders),
            (19800, 0, 2)
        );
        assert_invariants(&db, store_id).await;
    }
);

db_test!(
    bad_purchases_are_refused_and_change_nothing,
    |db: DatabaseConnection| async move {
        let store_id = store(&db).await;
        let course = masterclass(&db, store_id).await;
        let counts = table_counts(&db).await;

        let unknown_product = purchase(store_id, course.id + 1000, "a@example.com", 100, "x");
        assert!(matches!(
            record_purchase(&db, &unknown_product).await,
            Err(DomainError::NotFound("product"))
        ));
        let unknown_store = purchase(store_id + 1000, course.id, "a@example.com", 100, "x");
        assert!(matches!(
            record_purchase(&db, &unknown_store).await,
            Err(DomainError::NotFound("store"))
        ));
        for (amount, key) in [(-1, "ok"), (100, "   "), (100, &"k".repeat(201))] {
            let invalid =
                RecordPurchase::parse(input(store_id, course.id, "a@example.com", amount, key));
            assert!(
                matches!(invalid, Err(DomainError::Invalid(_))),
                "{amount} {key:?}"
            );
        }

        archive_product(&db, store_id, course.id).await.unwrap();
        let counts_after_archive = table_counts(&db).await;
        let error = record_purchase(
            &db,
            &purchase(store_id, course.id, "a@example.com", 9900, "y"),
        )
        .await
        .unwrap_err();
        assert!(
            matches!(error, DomainError::Invalid(_)),
            "archived: {error:?}"
        );
        assert_eq!(table_counts(&db).await, counts_after_archive);
        assert_eq!(counts, counts_after_archive);
        assert_eq!(purchase::Entity::find().all(&db).await.unwrap().len(), 0);
    }
);

db_test!(
    a_free_download_makes_a_customer_record_but_not_a_paying_customer,
    |db: DatabaseConnection| async move {
        let store_id = store(&db).await;
        let freebie = product(
            &db,
            store_id,
            "Free Snare Pack",
            ProductKind::SamplePack,
            0,
            false,
        )
        .await;

        let receipt = buy(&db, store_id, freebie.id, "new@example.com", 0, "free-1").await;

        assert_eq!(receipt.points, 0);
        assert!(
            customer_by_email(&db, store_id, "new@example.com")
                .await
                .is_some()
        );
        let fan = fan_by_email(&db, store_id, "new@example.com")
            .await
            .unwrap();
        assert!(
            tags_of(&db, fan.id).await.is_empty(),
            "the customer tag is for money spent"
        );
        assert_invariants(&db, store_id).await;
    }
);

db_test!(
    money_in_another_currency_is_refused_and_changes_nothing,
    |db: DatabaseConnection| async move {
        let store_id = store(&db).await;
        let course = masterclass(&db, store_id).await;
        let bought = buy(&db, store_id, course.id, "ada@example.com", 9900, "o-1").await;
        let counts = table_counts(&db).await;
        let state = state_digest(&db).await;
        let euros = |cents| MinorUnits::new(cents).of(Currency::from_code("EUR").unwrap());

        let purchase = RecordPurchase::parse(PurchaseInput {
            amount: euros(9900),
            ..input(store_id, course.id, "ada@example.com", 9900, "o-2")
        })
        .unwrap();
        let refund = RefundPurchase::parse(RefundInput {
            amount: Some(euros(100)),
            ..refund_input(store_id, bought.purchase_id, None, "r-1")
        })
        .unwrap();
        let price = ProductEdit {
            name: None,
            price: Some(euros(1)),
        };

        for error in [
            record_purchase(&db, &purchase).await.unwrap_err(),
            refund_purchase(&db, &refund).await.unwrap_err(),
            edit_product(&db, store_id, course.id, &price)
                .await
                .unwrap_err(),
        ] {
            let DomainError::Invalid(errors) = &error else {
                panic!("expected a validation error, got {error}");
            };
            assert_eq!(errors[0].message, "This store's amounts are in USD.");
        }
        assert_eq!(table_counts(&db).await, counts);
        assert_eq!(state_digest(&db).await, state);
        assert_eq!(
            list_products(&db, store_id, false).await.unwrap()[0].price_cents,
            cents(9900)
        );
    }
);
