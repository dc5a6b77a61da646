//! Bounded work per request (#30): every list a request can carry is capped, refused with a
//! message next to its field, and refused fast, changing nothing.

use std::time::{Duration, Instant};

use encore::api::fans::{AddFan, ApplyBulkTag, FanList};
use encore::entities::{fan, tag};
use encore::error::AppError;
use leptos::server_fn::ServerFn;
use sea_orm::{EntityTrait, PaginatorTrait};

use crate::app_test;
use crate::support::TestApp;

/// As long as a normal page may take to answer.
const PAGE_BUDGET: Duration = Duration::from_secs(2);

/// `count` distinct tag names, comma-separated: "t0,t1,…".
fn many_tags(count: usize) -> String {
    (0..count)
        .map(|i| format!("t{i:x}"))
        .collect::<Vec<_>>()
        .join(",")
}

async fn error_of(response: reqwest::Response) -> AppError {
    let status = response.status();
    assert_eq!(status, 400, "refused as bad input");
    response.json().await.expect("an AppError")
}

/// Posts the "Add fan" form as the server-function client does.
async fn add_fan(app: &TestApp, store_id: i64, tags: &str) -> reqwest::Response {
    app.client
        .post(app.url(AddFan::PATH))
        .form(&[
            ("store_id", store_id.to_string().as_str()),
            ("email", "ada@example.com"),
            ("name", "Ada"),
            ("daw", ""),
            ("skill", ""),
            ("goals", ""),
            ("tags", tags),
        ])
        .send()
        .await
        .unwrap()
}

app_test!(
    a_fan_with_too_many_tags_is_refused_at_the_field,
    |app: TestApp| async move {
        let store_id = app.signed_in_store().await;
        let error = error_of(add_fan(&app, store_id, &many_tags(51)).await).await;
        assert_eq!(
            error.field_message("tags"),
            Some("Add at most 50 tags at a time.")
        );
        // Fifty is fine, and repeats count once.
        let fifty = format!("{},T0, t1 ", many_tags(50));
        assert_eq!(add_fan(&app, store_id, &fifty).await.status(), 200);
    }
);

app_test!(
    the_largest_requests_are_refused_fast_while_the_server_stays_responsive,
    |app: TestApp| async move {
        let store_id = app.signed_in_store().await;
        let tags_before = tag::Entity::find().count(&app.db).await.unwrap();
        // ~30,000 distinct tags: as many as the 256 KiB body limit lets through.
        let tags = many_tags(30_000);
        let started = Instant::now();
        let (first, second, health) = tokio::join!(
            add_fan(&app, store_id, &tags),
            add_fan(&app, store_id, &tags),
            async {
                // While both run, the probe still answers at once.
                tokio::time::sleep(Duration::from_millis(50)).await;
                let started = Instant::now();
                let probe = app.client.get(app.url("/healthz")).send().await.unwrap();
                (probe.status(), started.elapsed())
            }
        );
        let took = started.elapsed();
        for response in [first, second] {
            let error = error_of(response).await;
            assert!(error.field_message("tags").is_some(), "{error:?}");
        }
        assert!(took < PAGE_BUDGET, "two maximal requests took {took:?}");
        assert_eq!(health.0, 200);
        assert!(
            health.1 < Duration::from_secs(1),
            "/healthz took {:?}",
            health.1
        );
        assert_eq!(fan::Entity::find().count(&app.db).await.unwrap(), 0);
        assert_eq!(
            tag::Entity::find().count(&app.db).await.unwrap(),
            tags_before
        );
    }
);

app_test!(
    an_audience_names_a_bounded_number_of_tags,
    |app: TestApp| async move {
        let store_id = app.signed_in_store().await;
        let list = |field: &'static str, tags: String| {
            let app = &app;
            async move {
                app.client
                    .post(app.url(FanList::PATH))
                    .form(&[
                        ("store_id".to_owned(), store_id.to_string()),
                        (format!("params[{field}]"), tags),
                    ])
                    .send()
                    .await
                    .unwrap()
            }
        };
        for field in ["any", "all", "none"] {
            let started = Instant::now();
            let error = error_of(list(field, many_tags(20_000)).await).await;
            assert!(
                started.elapsed() < PAGE_BUDGET,
                "{field}: {:?}",
                started.elapsed()
            );
            assert_eq!(
                error.field_message(field),
                Some("Filter by at most 20 tags here."),
                "{field}"
            );
            assert_eq!(list(field, many_tags(20)).await.status(), 200, "{field}");
        }
        // Twenty in each list is too many for one audience.
        let response = app
            .client
            .post(app.url(FanList::PATH))
            .form(&[
                ("store_id", store_id.to_string()),
                ("params[any]", many_tags(20)),
                ("params[all]", many_tags(20)),
                ("params[none]", many_tags(20)),
            ])
            .send()
            .await
            .unwrap();
        let error = error_of(response).await;
        assert_eq!(
            error.field_message("none"),
            Some("Use at most 30 tags in one audience.")
        );
    }
);

app_test!(
    a_bulk_action_names_a_bounded_number_of_fans,
    |app: TestApp| async move {
        let store_id = app.signed_in_store().await;
        let tags_before = tag::Entity::find().count(&app.db).await.unwrap();
        // More ids than either engine binds in one statement (SQLite 32,766, PostgreSQL
        // 65,535), written with bare commas as a form may.
        for count in [1_001, 100_000] {
            let ids = vec!["1"; count].join(",");
            let body = format!("store_id={store_id}&ids={ids}&everyone=false&tag=vip&action=add");
            let started = Instant::now();
            let response = app
                .client
                .post(app.url(ApplyBulkTag::PATH))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .unwrap();
            let error = error_of(response).await;
            assert!(
                started.elapsed() < PAGE_BUDGET,
                "{count}: {:?}",
                started.elapsed()
            );
            assert_eq!(
                error.field_message("ids"),
                Some(
                    "Select at most 1000 fans at a time, or choose all fans matching this \
                     filter."
                ),
                "{count}"
            );
        }
        assert_eq!(
            tag::Entity::find().count(&app.db).await.unwrap(),
            tags_before,
            "the tag was not created"
        );
    }
);
