//! Bulk tag changes over a whole audience (#30 item 2): a durable job worked in bounded
//! batches, exact, resumable, with a bounded timeline, and other stores' writes flowing.

use std::collections::BTreeSet;
use std::time::Duration;

use encore::api::fans::ApplyBulkTag;
use encore::domain::audience::bulk_jobs::{self, BATCH_SIZE};
use encore::domain::audience::fans::{FanForm, NewFan, ProfileForm, add_fan};
use encore::domain::audience::tagging::{FanSelection, change_tag};
use encore::domain::audience::tags::TagName;
use encore::dto::FanFilter;
use encore::entities::{bulk_tag_job, fan, fan_activity, fan_tag, tag};
use encore::tools::generate::{GenerateSpec, generate};
use encore::vocab::{ActivityKind, TagAction};
use leptos::server_fn::ServerFn;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
};

use crate::fixtures::*;
use crate::support::TestApp;
use crate::{app_test, db_test};

fn tag_name(name: &str) -> TagName {
    TagName::parse(name).unwrap()
}

/// A generated store with `fans` fans (tagged from the generator's 200 tags).
async fn store_with_fans(db: &DatabaseConnection, owner: i64, fans: usize) -> i64 {
    let spec = GenerateSpec {
        fans,
        customers: 0,
        purchases: 0,
        seed: 2,
    };
    generate(db, owner, &spec).await.unwrap().store_id
}

/// The store's fans that carry the tag `key`.
async fn fans_tagged(db: &DatabaseConnection, store_id: i64, key: &str) -> BTreeSet<i64> {
    let Some(tag) = tag::Entity::find()
        .filter(tag::Column::StoreId.eq(store_id))
        .filter(tag::Column::Key.eq(key))
        .one(db)
        .await
        .unwrap()
    else {
        return BTreeSet::new();
    };
    fan_tag::Entity::find()
        .select_only()
        .column(fan_tag::Column::FanId)
        .filter(fan_tag::Column::TagId.eq(tag.id))
        .into_tuple::<i64>()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .collect()
}

async fn all_fans(db: &DatabaseConnection, store_id: i64) -> BTreeSet<i64> {
    fan::Entity::find()
        .select_only()
        .column(fan::Column::Id)
        .filter(fan::Column::StoreId.eq(store_id))
        .into_tuple::<i64>()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .collect()
}

fn matching(any: &str) -> FanSelection {
    FanSelection::Matching(FanFilter {
        tags_any: vec![any.to_owned()],
        ..FanFilter::default()
    })
}

async fn tag_activities(db: &DatabaseConnection) -> u64 {
    fan_activity::Entity::find()
        .filter(fan_activity::Column::Kind.is_in([
            ActivityKind::TagAdded.as_str(),
            ActivityKind::TagRemoved.as_str(),
        ]))
        .count(db)
        .await
        .unwrap()
}

db_test!(
    a_bulk_tag_job_tags_exactly_the_matching_fans,
    |db: DatabaseConnection| async move {
        let store_id = store_with_fans(&db, creator(&db).await, 3_000).await;
        let expected = fans_tagged(&db, store_id, "newsletter").await;
        assert!(expected.len() > 2 * BATCH_SIZE, "{} fans", expected.len());

        let job = bulk_jobs::start(
            &db,
            store_id,
            &matching("newsletter"),
            &tag_name("Spring Sale"),
            TagAction::Add,
        )
        .await
        .unwrap();
        assert_eq!(job.total, expected.len() as u64);
        assert!(!job.finished);
        bulk_jobs::run_until_idle(&db).await.unwrap();

        assert_eq!(fans_tagged(&db, store_id, "spring sale").await, expected);
        let done = bulk_jobs::find(&db, store_id, job.id).await.unwrap();
        assert!(done.finished && done.failed.is_none(), "{done:?}");
        assert_eq!(
            (done.processed, done.changed),
            (expected.len() as u64, expected.len() as u64)
        );
        assert_invariants(&db, store_id).await;

        // And off again, for exactly the same fans.
        let job = bulk_jobs::start(
            &db,
            store_id,
            &matching("newsletter"),
            &tag_name("spring sale"),
            TagAction::Remove,
        )
        .await
        .unwrap();
        bulk_jobs::run_until_idle(&db).await.unwrap();
        assert!(fans_tagged(&db, store_id, "spring sale").await.is_empty());
        let done = bulk_jobs::find(&db, store_id, job.id).await.unwrap();
        assert_eq!(done.changed, expected.len() as u64);
    }
);

db_test!(
    a_bulk_tag_job_resumes_where_it_stopped,
    |db: DatabaseConnection| async move {
        let store_id = store_with_fans(&db, creator(&db).await, 2_000).await;
        let everyone = all_fans(&db, store_id).await;
        let job = bulk_jobs::start(
            &db,
            store_id,
            &FanSelection::Matching(FanFilter::default()),
            &tag_name("resumed"),
            TagAction::Add,
        )
        .await
        .unwrap();

        // Two batches, then the server stops.
        assert_eq!(bulk_jobs::step(&db).await.unwrap(), Some(job.id));
        assert_eq!(bulk_jobs::step(&db).await.unwrap(), Some(job.id));
        let halfway = bulk_jobs::find(&db, store_id, job.id).await.unwrap();
        assert_eq!(halfway.processed, 2 * BATCH_SIZE as u64);
        assert!(!halfway.finished);
        let tagged = fans_tagged(&db, store_id, "resumed").await;
        assert_eq!(
            tagged.len(),
            2 * BATCH_SIZE,
            "the batches done, and only those"
        );
        assert_eq!(
            tagged,
            everyone.iter().copied().take(2 * BATCH_SIZE).collect(),
            "in fan id order"
        );

        // A new start: the worker takes the job up at its cursor.
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let worker = tokio::spawn(bulk_jobs::run(
            db.clone(),
            Duration::from_millis(10),
            stopped,
        ));
        let finished = wait_until_finished(&db, store_id, job.id).await;
        stop.send(true).unwrap();
        worker.await.unwrap();
        assert_eq!(finished.processed, everyone.len() as u64);
        assert_eq!(finished.changed, everyone.len() as u64, "no fan twice");
        assert_eq!(fans_tagged(&db, store_id, "resumed").await, everyone);
        assert_eq!(tag_activities(&db).await, everyone.len() as u64);
    }
);

/// Polls the job until it finishes (the worker runs in the background).
async fn wait_until_finished(
    db: &DatabaseConnection,
    store_id: i64,
    job_id: i64,
) -> bulk_jobs::BulkJob {
    for _ in 0..6_000 {
        let job = bulk_jobs::find(db, store_id, job_id).await.unwrap();
        if job.finished {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the bulk job never finished");
}

db_test!(
    toggling_a_tag_keeps_one_timeline_entry_per_fan_and_tag,
    |db: DatabaseConnection| async move {
        let store_id = store_with_fans(&db, creator(&db).await, 700).await;
        let everyone = all_fans(&db, store_id).await;
        let before = tag_activities(&db).await;
        let selection = FanSelection::Matching(FanFilter::default());
        for round in 0..4 {
            let action = if round % 2 == 0 {
                TagAction::Add
            } else {
                TagAction::Remove
            };
            // As a background job, and at once (a fan's profile, a small selection).
            bulk_jobs::start(&db, store_id, &selection, &tag_name("trap-2026"), action)
                .await
                .unwrap();
            bulk_jobs::run_until_idle(&db).await.unwrap();
            let first: Vec<i64> = everyone.iter().copied().take(10).collect();
            change_tag(
                &db,
                store_id,
                &FanSelection::Fans(first),
                &tag_name("lofi-2026"),
                action,
            )
            .await
            .unwrap();
        }
        // One entry per fan for the first tag, one per fan of the ten for the second.
        assert_eq!(
            tag_activities(&db).await - before,
            everyone.len() as u64 + 10
        );
        let fan_id = *everyone.iter().next().unwrap();
        let details: Vec<String> = fan_activity::Entity::find()
            .filter(fan_activity::Column::FanId.eq(fan_id))
            .filter(fan_activity::Column::TagId.is_not_null())
            .all(&db)
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.detail)
            .collect();
        let mut details = details;
        details.sort();
        assert_eq!(details, ["Untagged: lofi-2026", "Untagged: trap-2026"]);
        assert_invariants(&db, store_id).await;
    }
);

db_test!(
    another_stores_writes_complete_while_a_bulk_job_runs,
    |db: DatabaseConnection| async move {
        let owner = creator(&db).await;
        let big = store_with_fans(&db, owner, 6_000).await;
        let other = store(&db).await;
        let job = bulk_jobs::start(
            &db,
            big,
            &FanSelection::Matching(FanFilter::default()),
            &tag_name("everyone"),
            TagAction::Add,
        )
        .await
        .unwrap();
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let worker = tokio::spawn(bulk_jobs::run(
            db.clone(),
            Duration::from_millis(10),
            stopped,
        ));
        // Once the job is under way…
        loop {
            let job = bulk_jobs::find(&db, big, job.id).await.unwrap();
            if job.processed > 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        // …the other store's writes go through, each one, while it still runs.
        for i in 0..5 {
            let email = format!("fan{i}@example.com");
            let new_fan = NewFan::parse(FanForm {
                email: &email,
                profile: ProfileForm::default(),
                tags: "early",
            })
            .unwrap();
            add_fan(&db, other, &new_fan).await.unwrap();
        }
        let meanwhile = bulk_jobs::find(&db, big, job.id).await.unwrap();
        assert!(
            !meanwhile.finished,
            "the writes finished before the job did: {meanwhile:?}"
        );
        assert_eq!(all_fans(&db, other).await.len(), 5);
        let finished = wait_until_finished(&db, big, job.id).await;
        stop.send(true).unwrap();
        worker.await.unwrap();
        assert_eq!(finished.changed, 6_000);
    }
);

db_test!(
    forty_thousand_ids_are_changed_a_chunk_at_a_time,
    |db: DatabaseConnection| async move {
        let store_id = store_with_fans(&db, creator(&db).await, 1_200).await;
        let everyone = all_fans(&db, store_id).await;
        // 40,000 ids, more than SQLite binds in one statement: the store's 1,200 fans and
        // ids of nobody (ignored).
        let max = *everyone.iter().last().unwrap();
        let ids: Vec<i64> = everyone
            .iter()
            .copied()
            .chain((1..=40_000 - everyone.len() as i64).map(|n| max + n))
            .collect();
        assert_eq!(ids.len(), 40_000);
        let selection = FanSelection::Fans(ids);

        // At once…
        let change = change_tag(
            &db,
            store_id,
            &selection,
            &tag_name("forty"),
            TagAction::Add,
        )
        .await
        .unwrap();
        assert_eq!(change.fans_changed, everyone.len() as u64);
        assert_eq!(fans_tagged(&db, store_id, "forty").await, everyone);

        // …and as a job.
        let job = bulk_jobs::start(
            &db,
            store_id,
            &selection,
            &tag_name("forty"),
            TagAction::Remove,
        )
        .await
        .unwrap();
        assert_eq!(job.total, everyone.len() as u64);
        bulk_jobs::run_until_idle(&db).await.unwrap();
        assert!(fans_tagged(&db, store_id, "forty").await.is_empty());
        let done = bulk_jobs::find(&db, store_id, job.id).await.unwrap();
        assert_eq!((done.processed, done.changed), (1_200, 1_200));
        assert_eq!(bulk_tag_job::Entity::find().count(&db).await.unwrap(), 1);
    }
);

app_test!(
    tagging_all_matching_fans_shows_the_jobs_progress_until_it_is_done,
    |app: TestApp| async move {
        let owner = app.sign_up("ada@example.com").await;
        let store_id = store_with_fans(&app.db, owner, 1_500).await;
        let store = store_id.to_string();
        let confirm =
            format!("/store/{store_id}/contacts/bulk?everyone=true&tag=spring-drop&op=add");
        let response = app
            .post_form(
                ApplyBulkTag::PATH,
                &confirm,
                &[
                    ("store_id", &store),
                    ("ids", ""),
                    ("everyone", "true"),
                    ("tag", "spring-drop"),
                    ("action", "add"),
                ],
            )
            .await;
        assert_eq!(response.status(), 302);
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        let job_id: i64 = location
            .split("job=")
            .nth(1)
            .and_then(|id| id.parse().ok())
            .unwrap_or_else(|| panic!("a job's page: {location}"));

        let html = app.get_text(&location).await;
        assert!(
            html.contains("Tagging fans: 0 of 1,500 fans done."),
            "{html}"
        );
        assert!(html.contains(r#"http-equiv="refresh""#), "{html}");

        bulk_jobs::step(&app.db).await.unwrap();
        let html = app.get_text(&location).await;
        assert!(
            html.contains("Tagging fans: 500 of 1,500 fans done."),
            "{html}"
        );

        bulk_jobs::run_until_idle(&app.db).await.unwrap();
        let html = app.get_text(&location).await;
        assert!(
            html.contains("Tag spring-drop added to 1,500 fans."),
            "{html}"
        );
        assert!(!html.contains(r#"http-equiv="refresh""#), "{html}");
        assert_eq!(
            fans_tagged(&app.db, store_id, "spring-drop").await.len(),
            1_500
        );

        // Another creator cannot see it.
        let stranger = app.another_client();
        app.sign_up_with(&stranger, "ben@example.com").await;
        let other_store = app.create_store_with(&stranger, "Ben's").await;
        let response = stranger
            .get(app.url(&format!("/store/{other_store}/contacts/bulk?job={job_id}")))
            .send()
            .await
            .unwrap();
        let html = response.text().await.unwrap();
        assert!(!html.contains("spring-drop"), "{html}");
    }
);
