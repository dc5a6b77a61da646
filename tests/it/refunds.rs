//! Refunds: net totals, points back to floor(net / 1000), the rollup, the customer tag.

use encore::domain::DomainError;
use encore::domain::audience::fans::{erase_fan, set_email_status};
use encore::domain::commerce::refunds::{RefundInput, RefundPurchase, refund_purchase};
use encore::entities::{revenue_daily, subscription};
use encore::vocab::{EmailStatus, ProductKind, SubscriptionStatus};
use sea_orm::{DatabaseConnection, EntityTrait};

use crate::db_test;
use crate::fixtures::*;

fn refund(store_id: i64, purchase_id: i64, amount: Option<i64>, key: &str) -> RefundPurchase {
    RefundPurchase::parse(RefundInput {
        reason: "Asked nicely",
        ..refund_input(store_id, purchase_id, amount, key)
    })
    .unwrap()
}

db_test!(
    a_partial_refund_lowers_the_total_and_the_points,
    |db: DatabaseConnection| async move {
        let store_id = store(&db).await;
        let course = masterclass(&db, store_id).await;
        let bought = buy(&db, store_id, course.id, "ada@example.com", 9900, "o-1").await;

        let receipt = refund_purchase(
            &db,
            &refund(store_id, bought.purchase_id, Some(2500), "r-1"),
        )
        .await
        .unwrap();

        assert_eq!(
            (receipt.amount_cents, receipt.remaining_cents),
            (cents(2500), cents(7400))
        );
        assert_eq!(receipt.points, 7 - 9, "net $74 is worth 7 points, not 9");
        assert_eq!(receipt.customer_id, bought.customer_id);
        let customer = customer_by_email(&db, store_id, "ada@example.com")
            .await
            .unwrap();
        assert_eq!(
            (customer.total_spent_cents, customer.refunded_cents),
            (7400, 2500)
        );
        assert_eq!(customer.purchase_count, 1);
        let fan = fan_by_email(&db, store_id, "ada@example.com")
            .await
            .unwrap();
        assert_eq!(fan.score, 7);
        assert_eq!(
            activities_of(&db, fan.id).await,
            [
                ("Purchased: Mixing Masterclass".to_owned(), 9),
                ("Refunded: Mixing Masterclass".to_owned(), -2)
            ]
        );
        assert_eq!(
            tags_of(&db, fan.id).await,
            ["customer"],
            "still has money in"
        );
        let rollup: i64 = revenue_daily::Entity::find()
            .all(&db)
            .await
            .unwrap()
            .iter()
            .map(|row| row.refunds_cents)
            .sum();
        assert_eq!(rollup, 2500);
        assert_invariants(&db, store_id).await;
    }
);

db_test!(
    a_full_refund_of_the_only_purchase_removes_the_customer_tag,
    |db: DatabaseConnection| async move {
        let store_id = store(&db).await;
        let course = masterclass(&db, store_id).await;
        let bought = buy(&db, store_id, course.id, "ada@example.com", 9900, "o-1").await;
        let fan = fan_by_email(&db, store_id, "ada@example.com")
            .await
            .unwrap();
        set_email_status(&db, store_id, fan.id, EmailStatus::Unsubscribed)
            .await
            .unwrap();

        let receipt = refund_purchase(&db, &refund(store_id, bought.purchase_id, None, "r-1"))
            .await
            .unwrap();

        assert_eq!(
            (
                receipt.amount_cents,
                receipt.remaining_cents,
                receipt.points
            ),
            (cents(9900), cents(0), -9)
        );
        let fan = fan_by_email(&db, store_id, "ada@example.com")
            .await
            .unwrap();
        assert_eq!(fan.score, 0);
        assert!(
            tags_of(&db, fan.id).await.is_empty(),
            "no purchase left that counts"
        );
        assert_eq!(
            fan.email_status,
            EmailStatus::Unsubscribed,
            "refunds never touch consent"
        );
        let customer = customer_by_email(&db, store_id, "ada@example.com")
            .await
            .unwrap();
        assert_eq!(customer.total_spent_cents, 0);
        assert_invariants(&db, store_id).await;

        // Buying again makes them a customer again.
        buy(&db, store_id, course.id, "ada@example.com", 9900, "o-2").await;
        assert_eq!(tags_of(&db, fan.id).await, ["customer"]);
        let fan = fan_by_email(&db, store_id, "ada@example.com")
            .await
            .unwrap();
        assert_eq!(
            fan.email_status,
            EmailStatus::Unsubscribed,
            "and purchases never re-subscribe"
        );
        assert_invariants(&db, store_id).await;
    }
);

db_test!(
    refunds_never_exceed_what_remains,
    |db: DatabaseConnection| async move {
        let store_id = store(&db).await;
        let course = masterclass(&db, store_id).await;
        let bought = buy(&db, store_id, course.id, "ada@example.com", 9900, "o-1").await;
        refund_purchase(
            &db,
            &refund(store_id, bought.purchase_id, Some(9000), "r-1"),
        )
        .await
        .unwrap();
        let digest = state_digest(&db).await;
        let counts = table_counts(&db).await;

        let too_much =
            refund_purchase(&db, &refund(store_id, bought.purchase_id, Some(901), "r-2"))
                .await
                .unwrap_err();
        let DomainError::Invalid(errors) = too_much else {
            panic!("{too_much:?}")
        };
        assert_eq!(errors[0].field, "amount");
        assert_eq!(errors[0].message, "You can refund at most $9.00.");

        refund_purchase(&db, &refund(store_id, bought.purchase_id, None, "r-3"))
            .await
            .unwrap();
        let nothing_left = refund_purchase(&db, &refund(store_id, bought.purchase_id, None, "r-4"))
            .await
            .unwrap_err();
        assert!(matches!(nothing_left, DomainError::Invalid(_)));
        assert_ne!(
            state_digest(&db).await,
            digest,
            "the valid refund went through"
        );
        assert_eq!(
            table_counts(&db)
                .await
                .iter()
                .find(|(t, _)| *t == "refunds")
                .unwrap()
                .1,
            counts.iter().find(|(t, _)| *t == "refunds").unwrap().1 + 1
        );
        assert!(matches!(
            RefundPurchase::parse(refund_input(store_id, bought.purchase_id, Some(0), "k")),
            Err(DomainError::Invalid(_))
        ));
        assert!(matches!(
            refund_purchase(&db, &refund(store_id, bought.purchase_id + 99, None, "r-5")).await,
            Err(DomainError::NotFound("purchase"))
        ));
        assert_invariants(&db, store_id).await;
    }
);

db_test!(
    a_double_submitted_refund_refunds_once,
    |db: DatabaseConnection| async move {
        let store_id = store(&db).await;
        let course = masterclass(&db, store_id).await;
        let bought = buy(&db, store_id, course.id, "ada@example.com", 9900, "o-1").await;
        let first = refund_purchase(
            &db,
            &refund(store_id, bought.purchase_id, Some(1000), "form-7"),
        )
        .await
        .unwrap();
        let digest = state_digest(&db).await;

        let second = refund_purchase(
            &db,
            &refund(store_id, bought.purchase_id, Some(1000), "form-7"),
        )
        .await
        .unwrap();

        assert!(second.replayed);
        assert_eq!(second.refund_id, first.refund_id);
        assert_eq!(state_digest(&db).await, digest);
        let conflict = refund_purchase(
            &db,
            &refund(store_id, bought.purchase_id, Some(2000), "form-7"),
        )
        .await
        .unwrap_err();
        assert!(matches!(conflict, DomainError::Conflict(_)));
        assert_invariants(&db, store_id).await;
    }
);

db_test!(
    after_an_erasure_a_refund_takes_no_points_from_a_new_fan,
    |db: DatabaseConnection| async move {
        let store_id = store(&db).await;
        let course = masterclass(&db, store_id).await;
        let old = buy(&db, store_id, course.id, "ada@example.com", 9900, "o-1").await;
        erase_fan(&db, store_id, old.fan_id.unwrap()).await.unwrap();
        let preset = product(&db, store_id, "Preset", ProductKind::Preset, 2000, false).await;
        buy(&db, store_id, preset.id, "ada@example.com", 2000, "o-2").await;
        let fan = fan_by_email(&db, store_id, "ada@example.com")
            .await
            .unwrap();
        assert_eq!(fan.score, 2);

        let receipt = refund_purchase(&db, &refund(store_id, old.purchase_id, None, "r-1"))
            .await
            .unwrap();

        assert_eq!(receipt.points, 0);
        let fan = fan_by_email(&db, store_id, "ada@example.com")
            .await
            .unwrap();
        assert_eq!(
            fan.score, 2,
            "the new fan never had the old purchase's points"
        );
        assert_eq!(
            tags_of(&db, fan.id).await,
            ["customer"],
            "the preset still counts"
        );
        assert_invariants(&db, store_id).await;
    }
);

db_test!(
    a_fully_refunded_subscription_payment_cancels_it,
    |db: DatabaseConnection| async move {
        let store_id = store(&db).await;
        let club = feedback_club(&db, store_id).await;
        let bought = buy(&db, store_id, club.id, "sam@example.com", 1500, "s-1").await;

        refund_purchase(&db, &refund(store_id, bought.purchase_id, None, "r-1"))
            .await
            .unwrap();

        let subscription = subscription::Entity::find()
            .one(&db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(subscription.status, SubscriptionStatus::Cancelled);
        assert!(subscription.cancelled_at.is_some());
        assert_invariants(&db, store_id).await;
    }
);
