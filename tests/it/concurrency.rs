//! Exactly once under concurrency: 1,000 distinct purchases for 100 new emails, each
//! delivered twice in a shuffled order by 16 concurrent tasks. And copies kept by triggers
//! stay exact when two transactions change their sources at once.

use std::collections::HashMap;
use std::sync::Arc;

use encore::domain::audience::engagement::{EngagementEvent, record_engagement};
use encore::domain::audience::fans::{FanForm, NewFan, ProfileForm, add_fan};
use encore::domain::audience::scoring::Engagement;
use encore::domain::audience::scoring::purchase_points;
use encore::domain::audience::tagging::{FanSelection, add_tag};
use encore::domain::audience::tags::TagName;
use encore::domain::commerce::purchases::{RecordPurchase, record_purchase};
use encore::entities::{customer, fan, purchase};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};
use tokio::sync::Mutex;

use crate::db_test;
use crate::fixtures::*;

const EMAILS: usize = 100;
const PURCHASES: usize = 1_000;
const TASKS: usize = 16;

db_test!(
    two_thousand_deliveries_from_sixteen_tasks_sync_exactly_once,
    |db: DatabaseConnection| async move {
        let store_id = store(&db).await;
        let products = [
            masterclass(&db, store_id).await,
            drum_kit(&db, store_id).await,
            feedback_club(&db, store_id).await,
        ];
        let purchases: Vec<RecordPurchase> = (0..PURCHASES)
            .map(|i| {
                let amount = 500 + (i as i64 * 7_919) % 20_000;
                purchase(
                    store_id,
                    products[i % products.len()].id,
                    &format!("fan{}@example.com", i % EMAILS),
                    amount,
                    &format!("order-{i}"),
                )
            })
            .collect();
        let mut deliveries: Vec<RecordPurchase> =
            purchases.iter().chain(purchases.iter()).cloned().collect();
        deliveries.shuffle(&mut rand::rngs::StdRng::seed_from_u64(7));
        let queue = Arc::new(Mutex::new(deliveries));

        let workers: Vec<_> = (0..TASKS)
            .map(|_| {
                let db = db.clone();
                let queue = queue.clone();
                tokio::spawn(async move {
                    let (mut errors, mut replays) = (Vec::new(), 0);
                    loop {
                        let Some(delivery) = queue.lock().await.pop() else {
                            break;
                        };
                        match record_purchase(&db, &delivery).await {
                            Ok(receipt) => replays += usize::from(receipt.replayed),
                            Err(error) => errors.push(error.to_string()),
                        }
                    }
                    (errors, replays)
                })
            })
            .collect();
        let (mut errors, mut replays) = (Vec::new(), 0);
        for worker in workers {
            let (worker_errors, worker_replays) = worker.await.unwrap();
            errors.extend(worker_errors);
            replays += worker_replays;
        }

        assert!(
            errors.is_empty(),
            "{} errors, e.g. {:?}",
            errors.len(),
            errors.first()
        );
        assert_eq!(replays, PURCHASES, "every second delivery is a replay");
        assert_eq!(
            customer::Entity::find().count(&db).await.unwrap(),
            EMAILS as u64
        );
        assert_eq!(fan::Entity::find().count(&db).await.unwrap(), EMAILS as u64);
        assert_eq!(
            purchase::Entity::find().count(&db).await.unwrap(),
            PURCHASES as u64
        );

        let mut expected: HashMap<String, (i64, i64, i32)> = HashMap::new();
        for bought in &purchases {
            let entry = expected
                .entry(bought.email().as_str().to_owned())
                .or_default();
            entry.0 += bought.amount().minor().get();
            entry.1 += purchase_points(bought.amount().minor());
            entry.2 += 1;
        }
        for customer in customer::Entity::find().all(&db).await.unwrap() {
            let (total, _, count) = expected[&customer.email];
            assert_eq!(
                (customer.total_spent_cents, customer.purchase_count),
                (total, count),
                "{}",
                customer.email
            );
        }
        for fan in fan::Entity::find().all(&db).await.unwrap() {
            assert_eq!(fan.score, expected[&fan.email].1, "{}", fan.email);
        }
        assert_invariants(&db, store_id).await;
    }
);

db_test!(
    tagging_fans_while_their_scores_change_keeps_each_links_score,
    |db: DatabaseConnection| async move {
        // Each link carries a copy of its fan's score (migration 10). A bulk tagging and
        // score changes of the same fans, committed in either order, must leave every copy
        // equal to its fan's score (on PostgreSQL the tagging reads each score FOR SHARE).
        let store_id = store(&db).await;
        let mut fan_ids = Vec::new();
        for i in 0..24 {
            let new = NewFan::parse(FanForm {
                email: &format!("f{i}@example.com"),
                profile: ProfileForm::default(),
                tags: "",
            })
            .unwrap();
            fan_ids.push(add_fan(&db, store_id, &new).await.unwrap().fan_id());
        }
        for round in 0..6 {
            let mut tasks = Vec::new();
            let tag = TagName::parse(&format!("wave {round}")).unwrap();
            let (tagging_db, ids) = (db.clone(), fan_ids.clone());
            tasks.push(tokio::spawn(async move {
                add_tag(&tagging_db, store_id, &FanSelection::Fans(ids), &tag)
                    .await
                    .unwrap();
            }));
            for task in 0..4 {
                let (db, ids) = (db.clone(), fan_ids.clone());
                tasks.push(tokio::spawn(async move {
                    for fan_id in ids.into_iter().skip(task).step_by(4) {
                        record_engagement(
                            &db,
                            &EngagementEvent {
                                store_id,
                                fan_id,
                                kind: Engagement::Click,
                                reference: format!("round {round}"),
                                detail: String::new(),
                                occurred_at: None,
                            },
                        )
                        .await
                        .unwrap();
                    }
                }));
            }
            for task in tasks {
                task.await.unwrap();
            }
            assert_invariants(&db, store_id).await;
        }
    }
);
