//! `/metrics`: served only with `ENCORE_METRICS_TOKEN`, to its holder, in Prometheus's text
//! format, with requests counted by route pattern (never the raw path), the pool, and the
//! campaign send queue.

use encore::domain::audience::fans::{FanForm, NewFan, ProfileForm, add_fan};
use encore::domain::campaigns::audience::Audience;
use encore::domain::campaigns::compose::{Content, ContentForm};
use encore::domain::campaigns::lifecycle;
use encore::domain::campaigns::sender::{self, Sender, SenderForm};
use encore::server::settings::{Secret, Settings};
use sea_orm::DatabaseConnection;

use crate::db_test;
use crate::support::{TestApp, spawn_app, spawn_app_with, test_settings};

const TOKEN: &str = "a-long-scrape-token-for-tests";

fn with_token() -> Settings {
    Settings {
        metrics_token: Some(Secret(TOKEN.to_owned())),
        ..test_settings()
    }
}

async fn scrape(app: &TestApp, token: Option<&str>) -> reqwest::Response {
    let mut request = app.another_client().get(app.url("/metrics"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.expect("GET /metrics")
}

/// A campaign being sent to three fans, with no worker running: three messages wait.
async fn sending_campaign(db: &DatabaseConnection, store_id: i64) {
    let sender = Sender::parse(&SenderForm {
        sender_name: "Night Owl",
        sender_address: "hello@nightowl.test",
        reply_to: "",
        postal_address: "1 Loop Street\n10115 Berlin",
    })
    .unwrap();
    sender::save(db, store_id, &sender).await.unwrap();
    for email in ["a@fans.test", "b@fans.test", "c@fans.test"] {
        let fan = NewFan::parse(FanForm {
            email,
            profile: ProfileForm {
                name: "",
                daw: "",
                genres: &[],
                skill: "",
                goals: "",
            },
            tags: "",
        })
        .unwrap();
        add_fan(db, store_id, &fan).await.unwrap();
    }
    let content = Content::parse(&ContentForm {
        subject: "The pack is out",
        preheader: "",
        from_name: "Night Owl Beats",
        body: "Grab it.",
    })
    .unwrap();
    let id = lifecycle::create_draft(db, store_id, &content, &Audience::parse("").unwrap())
        .await
        .unwrap();
    lifecycle::send_now(db, store_id, id).await.unwrap();
}

db_test!(
    metrics_are_not_served_without_a_token_setting,
    |db: DatabaseConnection| async move {
        let app = spawn_app(db).await;
        assert_eq!(scrape(&app, None).await.status(), 404);
        assert_eq!(scrape(&app, Some(TOKEN)).await.status(), 404);
    }
);

db_test!(
    metrics_need_the_token,
    |db: DatabaseConnection| async move {
        let app = spawn_app_with(db, with_token()).await;
        assert_eq!(scrape(&app, None).await.status(), 401);
        assert_eq!(
            scrape(&app, Some("a-long-scrape-token-for-test"))
                .await
                .status(),
            401
        );
        let response = app
            .another_client()
            .get(app.url("/metrics"))
            .header("authorization", format!("Basic {TOKEN}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401);
        assert_eq!(scrape(&app, Some(TOKEN)).await.status(), 200);
    }
);

db_test!(
    metrics_count_requests_by_route_pattern_and_show_the_pool_and_the_queue,
    |db: DatabaseConnection| async move {
        let app = spawn_app_with(db.clone(), with_token()).await;
        let store_id = app.signed_in_store().await;
        for _ in 0..3 {
            let page = app.get_text(&format!("/store/{store_id}/customers")).await;
            assert!(page.contains("Night Owl Beats"));
        }
        app.get_text("/no/such/page/12345").await;
        sending_campaign(&db, store_id).await;

        let response = scrape(&app, Some(TOKEN)).await;
        assert_eq!(response.status(), 200);
        let content_type = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            content_type.starts_with("text/plain; version=0.0.4"),
            "{content_type}"
        );
        let text = response.text().await.unwrap();
        assert!(
            text.contains(
                "encore_http_request_duration_seconds_count{method=\"GET\",\
                 route=\"/store/{store_id}/customers\",status=\"200\"} 3"
            ),
            "{text}"
        );
        assert!(
            text.contains("route=\"unmatched\",status=\"404\""),
            "{text}"
        );
        assert!(
            !text.contains(&format!("/store/{store_id}/")) && !text.contains("12345"),
            "no raw path is a label: {text}"
        );
        assert!(
            text.contains("encore_http_request_duration_seconds_bucket{method=\"GET\""),
            "{text}"
        );
        assert!(
            text.contains("encore_db_pool_connections{state=\"idle\"}"),
            "{text}"
        );
        assert!(
            text.contains("encore_db_pool_connections{state=\"in_use\"}"),
            "{text}"
        );
        assert!(text.contains("encore_db_pool_max_connections "), "{text}");
        assert!(
            text.contains("\nencore_campaign_queue_messages 3\n"),
            "{text}"
        );
        assert!(
            text.contains("\nencore_campaign_queue_oldest_due_seconds "),
            "{text}"
        );
        assert!(text.contains("\nencore_database_up 1\n"), "{text}");
    }
);
