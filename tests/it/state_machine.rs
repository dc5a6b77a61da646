//! A property-based state machine test: random sequences of purchases, replays, conflicting
//! keys, refunds, tag changes, engagement events, fans added by hand and erasures. After
//! every step the store's invariants hold, and customer totals match a simple model.

use std::collections::HashMap;

use encore::domain::DomainError;
use encore::domain::audience::engagement::{EngagementEvent, record_engagement};
use encore::domain::audience::fans::{FanForm, NewFan, ProfileForm, add_fan, erase_fan};
use encore::domain::audience::scoring::Engagement;
use encore::domain::audience::tagging::{FanSelection, add_tag, remove_tag};
use encore::domain::audience::tags::TagName;
use encore::domain::commerce::purchases::{PurchaseInput, RecordPurchase, record_purchase};
use encore::domain::commerce::refunds::refund_purchase;
use encore::dto::FanFilter;
use encore::vocab::{ProductKind, PurchaseSource};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use sea_orm::DatabaseConnection;

use crate::db_test;
use crate::fixtures::*;

#[derive(Debug, Clone)]
enum Op {
    Buy {
        email: usize,
        product: usize,
        amount: i64,
        key: usize,
    },
    Refund {
        purchase: usize,
        amount: Option<i64>,
        key: usize,
    },
    Tag {
        email: usize,
        tag: usize,
        add: bool,
    },
    Engage {
        email: usize,
        kind: usize,
        reference: usize,
    },
    AddFan {
        email: usize,
    },
    Erase {
        email: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..5usize, 0..3usize, 0..25_000i64, 0..14usize)
            .prop_map(|(email, product, amount, key)| Op::Buy { email, product, amount, key }),
        2 => (0..20usize, proptest::option::of(1..12_000i64), 0..3usize)
            .prop_map(|(purchase, amount, key)| Op::Refund { purchase, amount, key }),
        1 => (0..5usize, 0..3usize, any::<bool>())
            .prop_map(|(email, tag, add)| Op::Tag { email, tag, add }),
        1 => (0..5usize, 0..3usize, 0..3usize)
            .prop_map(|(email, kind, reference)| Op::Engage { email, kind, reference }),
        1 => (0..5usize).prop_map(|email| Op::AddFan { email }),
        1 => (0..5usize).prop_map(|email| Op::Erase { email }),
    ]
}

fn email(index: usize) -> String {
    format!("fan{index}@example.com")
}

/// What the model expects: the payload behind each key and each purchase's net amount.
#[derive(Default)]
struct Model {
    keys: HashMap<usize, (usize, usize, i64, i64)>,
    purchases: Vec<(i64, usize, i64, i64)>,
}

async fn run_case(db: DatabaseConnection, ops: Vec<Op>) -> Result<(), TestCaseError> {
    let store_id = store(&db).await;
    let products = [
        masterclass(&db, store_id).await.id,
        product(
            &db,
            store_id,
            "Drum Kit",
            ProductKind::SamplePack,
            2900,
            false,
        )
        .await
        .id,
        product(&db, store_id, "Club", ProductKind::Membership, 1500, true)
            .await
            .id,
    ];
    let tags = ["ableton", "Trap", "lofi"];
    let mut model = Model::default();

    for (step, op) in ops.iter().enumerate() {
        match op.clone() {
            Op::Buy {
                email: e,
                product,
                amount,
                key,
            } => {
                let command = RecordPurchase::parse(PurchaseInput {
                    source: PurchaseSource::Import,
                    ..input(
                        store_id,
                        products[product],
                        &email(e),
                        amount,
                        &format!("k{key}"),
                    )
                })
                .unwrap();
                let outcome = record_purchase(&db, &command).await;
                match model.keys.get(&key) {
                    None => {
                        let receipt =
                            outcome.map_err(|e| TestCaseError::fail(format!("buy: {e}")))?;
                        prop_assert!(!receipt.replayed);
                        model
                            .keys
                            .insert(key, (e, product, amount, receipt.purchase_id));
                        model.purchases.push((receipt.purchase_id, e, amount, 0));
                    }
                    Some(&(first_email, first_product, first_amount, purchase_id)) => {
                        if (first_email, first_product, first_amount) == (e, product, amount) {
                            let receipt =
                                outcome.map_err(|e| TestCaseError::fail(format!("replay: {e}")))?;
                            prop_assert!(receipt.replayed);
                            prop_assert_eq!(receipt.purchase_id, purchase_id);
                        } else {
                            prop_assert!(
                                matches!(outcome, Err(DomainError::Conflict(_))),
                                "{:?}",
                                outcome
                            );
                        }
                    }
                }
            }
            Op::Refund {
                purchase,
                amount,
                key,
            } => {
                let Some(&(purchase_id, _, paid, refunded)) =
                    model.purchases.get(purchase % model.purchases.len().max(1))
                else {
                    continue;
                };
                let command = refund_of(store_id, purchase_id, amount, &format!("r{key}"));
                let outcome = refund_purchase(&db, &command).await;
                let remaining = paid - refunded;
                match outcome {
                    Ok(receipt) if receipt.replayed => {}
                    Ok(receipt) => {
                        prop_assert!(receipt.amount_cents.get() <= remaining);
                        let entry = model
                            .purchases
                            .iter_mut()
                            .find(|p| p.0 == purchase_id)
                            .unwrap();
                        entry.3 += receipt.amount_cents.get();
                    }
                    Err(DomainError::Invalid(_)) => {
                        prop_assert!(remaining == 0 || amount.is_some_and(|a| a > remaining));
                    }
                    Err(DomainError::Conflict(_)) => {}
                    Err(other) => return Err(TestCaseError::fail(format!("refund: {other}"))),
                }
            }
            Op::Tag { email: e, tag, add } => {
                let Some(fan) = fan_by_email(&db, store_id, &email(e)).await else {
                    continue;
                };
                let selection = FanSelection::Fans(vec![fan.id]);
                let name = TagName::parse(tags[tag]).unwrap();
                if add {
                    add_tag(&db, store_id, &selection, &name).await.unwrap();
                } else {
                    remove_tag(&db, store_id, &selection, &name).await.unwrap();
                }
                let has = tags_of(&db, fan.id)
                    .await
                    .iter()
                    .any(|t| t.eq_ignore_ascii_case(tags[tag]));
                prop_assert_eq!(has, add);
            }
            Op::Engage {
                email: e,
                kind,
                reference,
            } => {
                let Some(fan) = fan_by_email(&db, store_id, &email(e)).await else {
                    continue;
                };
                let kind = [Engagement::Open, Engagement::Click, Engagement::Reply][kind];
                record_engagement(
                    &db,
                    &EngagementEvent {
                        store_id,
                        fan_id: fan.id,
                        kind,
                        reference: format!("c{reference}"),
                        detail: String::new(),
                        occurred_at: None,
                    },
                )
                .await
                .unwrap();
            }
            Op::AddFan { email: e } => {
                let new = NewFan::parse(FanForm {
                    email: &email(e),
                    profile: ProfileForm::default(),
                    tags: "",
                })
                .unwrap();
                add_fan(&db, store_id, &new).await.unwrap();
            }
            Op::Erase { email: e } => {
                if let Some(fan) = fan_by_email(&db, store_id, &email(e)).await {
                    erase_fan(&db, store_id, fan.id).await.unwrap();
                }
            }
        }

        let violations = encore::tools::audit::violations(&db, store_id)
            .await
            .unwrap();
        prop_assert!(
            violations.is_empty(),
            "after step {step} {op:?}: {violations:?}"
        );
        for e in 0..5 {
            let expected: i64 = model
                .purchases
                .iter()
                .filter(|p| p.1 == e)
                .map(|p| p.2 - p.3)
                .sum();
            let actual = customer_by_email(&db, store_id, &email(e))
                .await
                .map_or(0, |c| c.total_spent_cents);
            prop_assert_eq!(
                actual,
                expected,
                "net total of {} after step {}",
                email(e),
                step
            );
        }
    }
    let _ = FanFilter::default();
    Ok(())
}

db_test!(
    random_histories_keep_every_invariant,
    |db: DatabaseConnection| async move {
        let cases = std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(24);
        let mut runner = TestRunner::new(Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        });
        let handle = tokio::runtime::Handle::current();
        let outcome = tokio::task::block_in_place(|| {
            runner.run(&proptest::collection::vec(op(), 1..30), |ops| {
                handle.block_on(run_case(db.clone(), ops))
            })
        });
        if let Err(error) = outcome {
            panic!("{error}");
        }
    }
);
