//! The tenant matrix: creator A, signed in, uses creator B's ids against every registered
//! server function and every page route. Each answer is 404 (no existence leak) and the
//! database is unchanged. The server functions are enumerated from the registry, so a new
//! one cannot be forgotten: it fails this test until it has a case here.

use std::collections::{BTreeMap, BTreeSet};

use encore::domain::audience::tagging::{FanSelection, add_tag};
use encore::domain::audience::tags::TagName;
use encore::entities::{fan, tag};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Statement,
};

use crate::app_test;
use crate::fixtures::*;
use crate::support::TestApp;

/// Server functions that touch no store's data, and why.
const STORE_AGNOSTIC: &[(&str, &str)] = &[
    ("/api/auth/signup", "creates an account"),
    ("/api/auth/login", "starts a session for the caller"),
    ("/api/auth/logout", "ends the caller's session"),
    ("/api/auth/password", "changes the caller's password"),
    ("/api/auth/viewer", "lists the caller's own stores"),
    ("/api/stores/list", "lists the caller's own stores"),
    ("/api/stores/create", "creates a store owned by the caller"),
    ("/api/forms/request_key", "returns a random key"),
];

/// Ids of creator B's data.
struct Victim {
    store: i64,
    product: i64,
    customer: i64,
    purchase: i64,
    fan: i64,
    fan_email: String,
    tag: i64,
    campaign: i64,
    bulk_job: i64,
}

/// The form a server function gets, filled with B's ids (and `store` as the store id).
fn request_for(path: &str, store: i64, victim: &Victim) -> Option<Vec<(&'static str, String)>> {
    let s = ("store_id", store.to_string());
    let v = victim;
    Some(match path {
        "/api/customers/dashboard"
        | "/api/customers/list"
        | "/api/products/list"
        | "/api/fans/list"
        | "/api/tags/list" => vec![s],
        "/api/customers/detail" => vec![s, ("customer_id", v.customer.to_string())],
        "/api/customers/record_purchase" => vec![
            s,
            ("request_key", "tenant-matrix".into()),
            ("email", "intruder@example.com".into()),
            ("name", String::new()),
            ("product_id", v.product.to_string()),
            ("amount", "5".into()),
        ],
        "/api/customers/refund" => vec![
            s,
            ("purchase_id", v.purchase.to_string()),
            ("amount", String::new()),
            ("reason", String::new()),
            ("request_key", "tenant-matrix".into()),
        ],
        "/api/products/create" => vec![
            s,
            ("name", "Intrusion".into()),
            ("kind", "other".into()),
            ("price", "1".into()),
        ],
        "/api/products/edit" => vec![
            s,
            ("product_id", v.product.to_string()),
            ("name", "Hacked".into()),
            ("price", "0".into()),
        ],
        "/api/products/archive" => vec![s, ("product_id", v.product.to_string())],
        "/api/fans/profile" => vec![s, ("fan_id", v.fan.to_string())],
        "/api/fans/add" => vec![
            s,
            ("email", "intruder@example.com".into()),
            ("name", String::new()),
            ("daw", String::new()),
            ("skill", String::new()),
            ("goals", String::new()),
            ("tags", String::new()),
        ],
        "/api/fans/profile/update" => vec![
            s,
            ("fan_id", v.fan.to_string()),
            ("name", "Hacked".into()),
            ("daw", String::new()),
            ("skill", String::new()),
            ("goals", String::new()),
        ],
        "/api/fans/status" => vec![
            s,
            ("fan_id", v.fan.to_string()),
            ("status", "unsubscribed".into()),
        ],
        "/api/fans/tags/add" => vec![s, ("fan_id", v.fan.to_string()), ("tag", "hacked".into())],
        "/api/fans/tags/remove" => vec![s, ("fan_id", v.fan.to_string()), ("tag", "vip".into())],
        "/api/fans/bulk/preview" => vec![
            s,
            ("ids", v.fan.to_string()),
            ("everyone", "false".into()),
            ("tag", "hacked".into()),
        ],
        "/api/fans/bulk/apply" => vec![
            s,
            ("ids", v.fan.to_string()),
            ("everyone", "false".into()),
            ("tag", "hacked".into()),
            ("action", "add".into()),
        ],
        "/api/fans/bulk/job" => vec![s, ("job_id", v.bulk_job.to_string())],
        "/api/fans/erase" => vec![
            s,
            ("fan_id", v.fan.to_string()),
            ("confirm", v.fan_email.clone()),
        ],
        "/api/campaigns/list" | "/api/campaigns/settings" => vec![s],
        "/api/campaigns/audience" => vec![s, ("audience", "any=vip".into())],
        "/api/campaigns/detail" | "/api/campaigns/send" | "/api/campaigns/send_test" => {
            vec![s, ("campaign_id", v.campaign.to_string())]
        }
        "/api/campaigns/create" => vec![
            s,
            ("subject", "Intrusion".into()),
            ("preheader", String::new()),
            ("from_name", String::new()),
            ("body", "Hacked".into()),
            ("audience", "any=vip".into()),
        ],
        "/api/campaigns/update" => vec![
            s,
            ("campaign_id", v.campaign.to_string()),
            ("subject", "Hacked".into()),
            ("preheader", String::new()),
            ("from_name", String::new()),
            ("body", "Hacked".into()),
            ("audience", String::new()),
        ],
        "/api/campaigns/schedule" => vec![
            s,
            ("campaign_id", v.campaign.to_string()),
            ("scheduled_at", "2099-01-01T10:00".into()),
        ],
        "/api/campaigns/control" => vec![
            s,
            ("campaign_id", v.campaign.to_string()),
            ("action", "cancel".into()),
        ],
        "/api/campaigns/settings/save" => vec![
            s,
            ("sender_name", "Hacked".into()),
            ("sender_address", "hacked@example.com".into()),
            ("reply_to", String::new()),
            ("postal_address", "Nowhere".into()),
        ],
        "/api/tags/rename" => vec![s, ("tag_id", v.tag.to_string()), ("name", "hacked".into())],
        "/api/tags/delete" => vec![s, ("tag_id", v.tag.to_string())],
        _ => return None,
    })
}

/// Everything in the database that a command could change, as text.
async fn checksum(db: &DatabaseConnection) -> String {
    let mut text = format!("{:?}\n{}", table_counts(db).await, state_digest(db).await);
    for sql in [
        "SELECT id, name, currency, archived_at IS NULL FROM stores ORDER BY id",
        "SELECT id, name, price_cents, archived_at IS NULL FROM products ORDER BY id",
        "SELECT id, name, email_status, COALESCE(daw, ''), goals FROM fans ORDER BY id",
        "SELECT id, name FROM tags ORDER BY id",
    ] {
        for row in db
            .query_all_raw(Statement::from_string(
                db.get_database_backend(),
                sql.to_owned(),
            ))
            .await
            .unwrap()
        {
            let id: i64 = row.try_get_by_index(0).unwrap();
            let name: String = row.try_get_by_index(1).unwrap();
            text.push_str(&format!("{id}:{name};"));
        }
        text.push('\n');
    }
    text
}

app_test!(
    no_creator_can_reach_another_creators_store,
    |app: TestApp| async move {
        // Creator B and their data.
        let b = app.another_client();
        app.sign_up_with(&b, "bea@example.com").await;
        let b_store = app.create_store_with(&b, "Bea's Beats").await;
        let product = masterclass(&app.db, b_store).await;
        let receipt = buy(&app.db, b_store, product.id, "fan@example.com", 9900, "b-1").await;
        let fan_id = receipt.fan_id.unwrap();
        add_tag(
            &app.db,
            b_store,
            &FanSelection::Fans(vec![fan_id]),
            &TagName::parse("vip").unwrap(),
        )
        .await
        .unwrap();
        let tag_id = tag::Entity::find()
            .filter(tag::Column::Key.eq("vip"))
            .one(&app.db)
            .await
            .unwrap()
            .unwrap()
            .id;
        let fan_email = fan::Entity::find_by_id(fan_id)
            .one(&app.db)
            .await
            .unwrap()
            .unwrap()
            .email;
        let campaign = encore::domain::campaigns::lifecycle::create_draft(
            &app.db,
            b_store,
            &encore::domain::campaigns::compose::Content {
                subject: "Bea's secret campaign".into(),
                body: "Hi".into(),
                ..Default::default()
            },
            &encore::domain::campaigns::audience::Audience::parse("any=vip").unwrap(),
        )
        .await
        .unwrap();
        let bulk_job = encore::domain::audience::bulk_jobs::start(
            &app.db,
            b_store,
            &FanSelection::Fans(vec![fan_id]),
            &TagName::parse("vip").unwrap(),
            encore::vocab::TagAction::Remove,
        )
        .await
        .unwrap()
        .id;
        let victim = Victim {
            bulk_job,
            campaign,
            store: b_store,
            product: product.id,
            customer: receipt.customer_id,
            purchase: receipt.purchase_id,
            fan: fan_id,
            fan_email,
            tag: tag_id,
        };

        // Creator A, signed in, with a store of their own.
        app.sign_up("ada@example.com").await;
        let a_store = app.create_store_with(&app.client, "Ada's Audio").await;

        let registered: BTreeSet<&str> = leptos::server_fn::axum::server_fn_paths()
            .map(|(path, _)| path)
            .collect();
        let agnostic: BTreeMap<&str, &str> = STORE_AGNOSTIC.iter().copied().collect();
        let unmapped: Vec<&str> = registered
            .iter()
            .copied()
            .filter(|path| !agnostic.contains_key(path) && request_for(path, 0, &victim).is_none())
            .collect();
        assert!(
            unmapped.is_empty(),
            "server functions without a tenant case: {unmapped:?}"
        );

        let before = checksum(&app.db).await;
        let store_functions: Vec<&str> = registered
            .iter()
            .copied()
            .filter(|path| !agnostic.contains_key(path))
            .collect();
        for path in &store_functions {
            // B's store id outright: not found, and nothing changes anywhere.
            let form = request_for(path, victim.store, &victim).unwrap();
            let response = app
                .client
                .post(app.url(path))
                .form(&form)
                .send()
                .await
                .unwrap();
            assert_eq!(
                response.status(),
                404,
                "{path} with B's store: {}",
                response.text().await.unwrap()
            );
            assert_eq!(
                checksum(&app.db).await,
                before,
                "{path} changed the database"
            );
        }

        // A's own store with B's ids inside: refused, or an answer about A's store only. A's
        // store may change (that is A's right); B's rows may not.
        let b_before = b_store_rows(&app.db, victim.store).await;
        for path in &store_functions {
            let form = request_for(path, a_store, &victim).unwrap();
            let response = app
                .client
                .post(app.url(path))
                .form(&form)
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            let body = response.text().await.unwrap();
            assert!(
                [200, 400, 404].contains(&status),
                "{path} with A's store and B's ids: {status} {body}"
            );
            for secret in [
                "fan@example.com",
                "Bea's Beats",
                "Mixing Masterclass",
                "Bea's secret campaign",
            ] {
                assert!(!body.contains(secret), "{path} leaked {secret}: {body}");
            }
            assert_eq!(
                b_store_rows(&app.db, victim.store).await,
                b_before,
                "{path} touched B's data"
            );
        }
        let before = checksum(&app.db).await;

        // Every page route and the CSV export, with B's ids.
        let routes = encore::server::router::page_routes();
        let mut pages: Vec<String> = routes
            .iter()
            .map(|route| route.path().to_owned())
            .filter(|path| path.contains("{store_id}"))
            .map(|path| {
                let filled = path
                    .replace("{store_id}", &victim.store.to_string())
                    .replace("{customer_id}", &victim.customer.to_string())
                    .replace("{purchase_id}", &victim.purchase.to_string())
                    .replace("{fan_id}", &victim.fan.to_string())
                    .replace("{campaign_id}", &victim.campaign.to_string());
                assert!(
                    !filled.contains('{'),
                    "a route parameter without a tenant case: {path}"
                );
                filled
            })
            .collect();
        pages.push(format!("/store/{}/customers.csv", victim.store));
        // The campaign documents that are not pages (see `server::campaign_files`), with B's
        // store and, inside A's own store, B's campaign.
        for store in [victim.store, a_store] {
            let base = format!("/store/{store}/campaigns/{}", victim.campaign);
            pages.push(format!("{base}/preview.html"));
            pages.push(format!("{base}/outbox"));
            pages.push(format!("{base}/outbox/1.eml"));
        }
        assert!(pages.len() >= 10, "{pages:?}");
        for page in pages {
            let response = app
                .client
                .get(app.url(&page))
                .header("accept", "text/html")
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 404, "{page}");
            let body = response.text().await.unwrap();
            assert!(
                !body.contains("Bea's Beats") && !body.contains("fan@example.com"),
                "{page} leaked B's data"
            );
        }
        assert_eq!(checksum(&app.db).await, before);
    }
);

/// B's rows, to check that a request against A's store left them alone.
async fn b_store_rows(db: &DatabaseConnection, store: i64) -> String {
    let mut text = String::new();
    for table in [
        "products",
        "customers",
        "purchases",
        "fans",
        "tags",
        "fan_tags",
        "fan_activities",
        "revenue_daily",
        "campaigns",
        "campaign_recipients",
        "store_email_settings",
    ] {
        let row = db
            .query_one_raw(Statement::from_string(
                db.get_database_backend(),
                format!("SELECT COUNT(*) FROM {table} WHERE store_id = {store}"),
            ))
            .await
            .unwrap()
            .unwrap();
        text.push_str(&format!(
            "{table}={};",
            row.try_get_by_index::<i64>(0).unwrap()
        ));
    }
    for sql in [
        format!(
            "SELECT id, name FROM products WHERE store_id = {store} AND archived_at IS NULL ORDER BY id"
        ),
        format!(
            "SELECT id, name FROM fans WHERE store_id = {store} AND email_status = 'subscribed' ORDER BY id"
        ),
        format!("SELECT id, name FROM tags WHERE store_id = {store} ORDER BY id"),
        format!(
            "SELECT id, subject || ':' || status || ':' || body_markdown FROM campaigns \
             WHERE store_id = {store} ORDER BY id"
        ),
    ] {
        for row in db
            .query_all_raw(Statement::from_string(db.get_database_backend(), sql))
            .await
            .unwrap()
        {
            let id: i64 = row.try_get_by_index(0).unwrap();
            let name: String = row.try_get_by_index(1).unwrap();
            text.push_str(&format!("{id}:{name};"));
        }
    }
    text
}
