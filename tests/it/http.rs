//! The HTTP surface through a real socket: probes, the store pages, and the "Create store"
//! form posted the way a browser without JavaScript posts it.

use encore::api::stores::CreateStore;
use encore::entities::store;
use leptos::server_fn::ServerFn;
use sea_orm::{EntityTrait, PaginatorTrait};

use crate::app_test;
use crate::support::TestApp;

async fn store_count(app: &TestApp) -> u64 {
    store::Entity::find()
        .count(&app.db)
        .await
        .expect("count stores")
}

app_test!(
    healthz_answers_while_the_process_is_up,
    |app: TestApp| async move {
        let response = app.client.get(app.url("/healthz")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body, serde_json::json!({ "status": "ok" }));
    }
);

app_test!(readyz_reports_the_database, |app: TestApp| async move {
    let response = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["database"], "ok");

    app.db.clone().close().await.unwrap();
    let response = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(response.status(), 503);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["database"], "unreachable");
});

app_test!(
    the_home_page_lists_stores_and_offers_the_form,
    |app: TestApp| async move {
        app.sign_up("ada@example.com").await;
        let response = app.client.get(app.url("/")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let html = response.text().await.unwrap();
        assert!(html.contains("No stores yet"), "empty state shown");
        assert!(html.contains("Create store"));
        assert!(
            html.contains(r#"<option value="EUR">"#),
            "currencies offered"
        );
    }
);

app_test!(
    a_form_post_creates_a_store_and_redirects_back,
    |app: TestApp| async move {
        app.sign_up("ada@example.com").await;
        let response = app
            .post_form(
                CreateStore::PATH,
                "/",
                &[("name", "  Night Owl  Beats "), ("currency", "EUR")],
            )
            .await;
        assert!(
            response.status().is_redirection(),
            "status {}",
            response.status()
        );
        let stores = store::Entity::find().all(&app.db).await.unwrap();
        assert_eq!(stores.len(), 1);
        assert_eq!(stores[0].name, "Night Owl Beats");
        assert_eq!(stores[0].currency.code(), "EUR");

        // Back to the list, which names the new store.
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        assert_eq!(location, "/", "the report is a flash, not the URL");
        let html = app
            .client
            .get(app.url(&location))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("Created “Night Owl Beats”."), "{html}");
    }
);

app_test!(
    an_empty_name_is_refused_next_to_the_field,
    |app: TestApp| async move {
        app.sign_up("ada@example.com").await;
        let response = app
            .post_form(
                CreateStore::PATH,
                "/",
                &[("name", "   "), ("currency", "USD")],
            )
            .await;
        assert!(response.status().is_redirection());
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        assert_eq!(location, "/", "the error is a flash, not the URL");
        assert_eq!(store_count(&app).await, 0, "nothing was created");

        let html = app
            .client
            .get(app.url(&location))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            html.contains("Give the store a name."),
            "message shown on the page"
        );
        assert!(
            html.contains(r#"id="store-name-error""#),
            "message sits by the name field"
        );
    }
);

app_test!(
    an_unknown_currency_is_refused_and_creates_nothing,
    |app: TestApp| async move {
        app.sign_up("ada@example.com").await;
        let response = app
            .post_form(
                CreateStore::PATH,
                "/",
                &[("name", "Beat Lab"), ("currency", "XYZ")],
            )
            .await;
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        assert_eq!(store_count(&app).await, 0);
        let html = app
            .client
            .get(app.url(&location))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("Pick a currency from the list."));
    }
);

app_test!(
    a_json_client_gets_the_field_errors,
    |app: TestApp| async move {
        app.sign_up("ada@example.com").await;
        let response = app
            .client
            .post(app.url(CreateStore::PATH))
            .form(&[("name", ""), ("currency", "nope")])
            .send()
            .await
            .unwrap();
        assert!(response.status().is_server_error() || response.status().is_client_error());
        let error: encore::error::AppError = response.json().await.unwrap();
        assert_eq!(error.field_message("name"), Some("Give the store a name."));
        assert_eq!(
            error.field_message("currency"),
            Some("Pick a currency from the list.")
        );
    }
);

app_test!(
    a_missing_argument_is_a_bad_request_not_a_crash,
    |app: TestApp| async move {
        app.sign_up("ada@example.com").await;
        let response = app
            .client
            .post(app.url(CreateStore::PATH))
            .form(&[("name", "No currency")])
            .send()
            .await
            .unwrap();
        let error: encore::error::AppError = response.json().await.unwrap();
        assert_eq!(error, encore::error::AppError::BadRequest);
        assert_eq!(store_count(&app).await, 0);
    }
);

app_test!(store_pages_show_the_navigation, |app: TestApp| async move {
    app.sign_up("ada@example.com").await;
    app.post_form(
        CreateStore::PATH,
        "/",
        &[("name", "Beat Lab"), ("currency", "USD")],
    )
    .await;
    let id = store::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id;

    let response = app
        .client
        .get(app.url(&format!("/store/{id}/customers")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    for label in [
        "Customers",
        "Email Campaigns",
        "Campaigns",
        "Automations",
        "Fans",
        "Beat Lab",
    ] {
        assert!(html.contains(label), "page shows {label}");
    }
    assert!(html.contains(&format!(r#"href="/store/{id}/contacts""#)));
    assert!(
        !html.contains("Contacts<"),
        "the UI says Fans, never Contacts"
    );

    let index = app
        .client
        .get(app.url(&format!("/store/{id}")))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert!(index.status().is_redirection());
    assert_eq!(
        index.headers()["location"],
        format!("/store/{id}/customers")
    );
});

app_test!(
    unknown_pages_and_stores_answer_404,
    |app: TestApp| async move {
        app.sign_up("ada@example.com").await;
        for path in [
            "/no/such/page",
            "/store/999999/customers",
            "/store/not-a-number/customers",
        ] {
            let response = app.client.get(app.url(path)).send().await.unwrap();
            assert_eq!(response.status(), 404, "{path}");
            let html = response.text().await.unwrap();
            assert!(html.contains("We couldn"), "{path} explains itself");
        }
    }
);

app_test!(
    list_pages_answer_with_empty_url_state,
    |app: TestApp| async move {
        app.sign_up("ada@example.com").await;
        app.post_form(
            CreateStore::PATH,
            "/",
            &[("name", "Beat Lab"), ("currency", "USD")],
        )
        .await;
        let id = store::Entity::find()
            .one(&app.db)
            .await
            .unwrap()
            .unwrap()
            .id
            .to_string();
        for path in [
            encore::api::customers::CustomerList::PATH,
            encore::api::customers::RevenueDashboard::PATH,
            encore::api::fans::FanList::PATH,
        ] {
            // A client sends no `params` at all when every URL field is empty.
            let response = app
                .client
                .post(app.url(path))
                .form(&[("store_id", id.as_str())])
                .send()
                .await
                .unwrap();
            assert_eq!(
                response.status(),
                200,
                "{path}: {}",
                response.text().await.unwrap()
            );
        }
        let bad = app
            .client
            .post(app.url(encore::api::customers::CustomerList::PATH))
            .form(&[("store_id", id.as_str()), ("params[sort]", "vibes")])
            .send()
            .await
            .unwrap();
        let error: encore::error::AppError = bad.json().await.unwrap();
        assert_eq!(
            error.field_message("sort"),
            Some("Pick a sort from the list.")
        );
    }
);

app_test!(
    the_customer_csv_follows_the_list_and_neutralises_formulas,
    |app: TestApp| async move {
        app.sign_up("ada@example.com").await;
        use crate::fixtures::usd;
        use encore::domain::commerce::products::{NewProduct, create_product};
        use encore::domain::commerce::purchases::{PurchaseInput, RecordPurchase, record_purchase};
        use encore::vocab::{ProductKind, PurchaseSource};

        app.post_form(
            CreateStore::PATH,
            "/",
            &[("name", "Beat Lab"), ("currency", "USD")],
        )
        .await;
        let store_id = store::Entity::find()
            .one(&app.db)
            .await
            .unwrap()
            .unwrap()
            .id;
        let product = create_product(
            &app.db,
            store_id,
            &NewProduct::new("Kit", ProductKind::SamplePack, usd(1000), false).unwrap(),
        )
        .await
        .unwrap();
        for (email, name, cents) in [("a@x.io", "=1+2", 1000), ("b@x.io", "Bo", 2500)] {
            let command = RecordPurchase::parse(PurchaseInput {
                store_id,
                email,
                name,
                product_id: product.id,
                amount: usd(cents),
                source: PurchaseSource::Api,
                external_id: email,
                purchased_at: None,
            })
            .unwrap();
            record_purchase(&app.db, &command).await.unwrap();
        }

        let response = app
            .client
            .get(app.url(&format!(
                "/store/{store_id}/customers.csv?sort=total_spent&dir=asc"
            )))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["content-type"],
            "text/csv; charset=utf-8"
        );
        let body = response.text().await.unwrap();
        let lines: Vec<&str> = body.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(
            lines[1].starts_with("'=1+2,a@x.io,10.00,USD"),
            "{}",
            lines[1]
        );
        assert!(lines[2].starts_with("Bo,b@x.io,25.00,USD"), "{}", lines[2]);
        assert!(
            lines[2].contains(",Kit,"),
            "the products column: {}",
            lines[2]
        );

        // What was bought stays named after its product is archived.
        encore::domain::commerce::products::archive_product(&app.db, store_id, product.id)
            .await
            .unwrap();
        let response = app
            .client
            .get(app.url(&format!("/store/{store_id}/customers.csv")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let body = response.text().await.unwrap();
        let rows: Vec<&str> = body.lines().skip(1).collect();
        assert_eq!(rows.len(), 2, "{body}");
        assert!(rows.iter().all(|row| row.contains(",Kit,")), "{body}");

        let missing = app
            .client
            .get(app.url("/store/999999/customers.csv"))
            .send()
            .await
            .unwrap();
        assert_eq!(missing.status(), 404);
        let bad = app
            .client
            .get(app.url(&format!("/store/{store_id}/customers.csv?sort=vibes")))
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), 400);
        assert!(
            bad.text()
                .await
                .unwrap()
                .contains("sort: Pick a sort from the list.")
        );
    }
);

app_test!(
    store_pages_are_html_with_islands_and_no_hydration_data,
    |app: TestApp| async move {
        let store_id = app.signed_in_store().await;
        // Only islands run in the browser, so a page's resources are not serialized for
        // hydration (as `__RESOLVED_RESOURCES[n] = …`): the HTML is all of it. That the
        // server loads each once per request is
        // `components::the_server_builds_the_content_of_a_transition_once`.
        for (section, islands) in [("customers", 1), ("customers/new", 1), ("contacts", 0)] {
            let path = format!("/store/{store_id}/{section}");
            let response = app.client.get(app.url(&path)).send().await.unwrap();
            assert_eq!(response.status(), 200, "{path}");
            let html = response.text().await.unwrap();
            assert!(!html.contains("__RESOLVED_RESOURCES["), "{path}");
            assert_eq!(html.matches("<leptos-island").count(), islands, "{path}");
        }
    }
);

app_test!(
    a_page_closes_after_leptos_scripts_and_preloads_without_the_nonce,
    |app: TestApp| async move {
        let store_id = app.signed_in_store().await;
        for path in [
            "/".to_owned(),
            format!("/store/{store_id}/customers"),
            "/no/such/page".to_owned(),
        ] {
            let html = app.get_text(&path).await;
            // Leptos's data scripts come after the app; the document closes after them, so
            // nothing follows `</html>` (a parse error an HTML checker reports).
            assert!(html.ends_with("</script></body></html>"), "{path}: {html}");
            assert_eq!(html.matches("</body></html>").count(), 1, "{path}");
            // The wasm's preload is anonymous CORS, never the nonce (leptos-rs/leptos#4843).
            assert!(html.contains(r#"as="fetch" type="application/wasm" crossorigin="anonymous""#));
            assert_eq!(
                html.matches("crossorigin=").count(),
                html.matches(r#"crossorigin="anonymous""#).count(),
                "{path}"
            );
        }
    }
);

crate::db_test!(
    a_request_that_outlives_the_time_limit_is_answered_503,
    |db: sea_orm::DatabaseConnection| async move {
        use encore::api::products::{CreateProduct, EditProduct};
        use encore::dto::ProductSummary;
        use sea_orm::{ConnectionTrait, TransactionTrait};

        let limit = std::time::Duration::from_secs(1);
        let settings = encore::server::settings::Settings {
            request_timeout: limit,
            ..crate::support::test_settings()
        };
        let app = crate::support::spawn_app_with(db, settings).await;
        let store_id = app.signed_in_store().await.to_string();
        let product: ProductSummary = app
            .client
            .post(app.url(CreateProduct::PATH))
            .form(&[
                ("store_id", store_id.as_str()),
                ("name", "Mixing Masterclass"),
                ("kind", "course"),
                ("price", "99"),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let product_id = product.id.to_string();
        let edit = |name: &'static str| {
            app.client
                .post(app.url(EditProduct::PATH))
                .form(&[
                    ("store_id", store_id.as_str()),
                    ("product_id", product_id.as_str()),
                    ("name", name),
                    ("price", "99"),
                ])
                .send()
        };

        // Another writer holds the product's row (on SQLite, the whole database's write
        // lock) for longer than the limit: the edit waits on it, then runs out of time.
        let holder = app.db.begin().await.unwrap();
        holder
            .execute_unprepared(&format!(
                "UPDATE products SET name = name WHERE id = {}",
                product.id
            ))
            .await
            .unwrap();
        let started = std::time::Instant::now();
        let stalled = edit("Mastering Masterclass").await.unwrap();
        let waited = started.elapsed();
        assert_eq!(stalled.status(), 503);
        assert_eq!(stalled.headers()["x-content-type-options"], "nosniff");
        assert!(stalled.text().await.unwrap().contains("took too long"));
        assert!(
            waited >= limit,
            "answered after {waited:?}, before the limit"
        );
        holder.rollback().await.unwrap();

        // Once the lock is gone, the same request goes through.
        let done = edit("Mixing and Mastering").await.unwrap();
        assert_eq!(done.status(), 200);
        let edited: ProductSummary = done.json().await.unwrap();
        assert_eq!(edited.name, "Mixing and Mastering");
    }
);

app_test!(
    pages_keep_loading_while_another_router_is_built,
    |app: TestApp| async move {
        // Leptos lists an app's routes by rendering it, and pauses every resource in the
        // process while it does; a page that started loading then never finished. Routers
        // list their routes once per process (`router::page_routes`), so building more of
        // them, as every other test here does, leaves pages being served alone.
        let store_id = app.signed_in_store().await;
        let path = format!("/store/{store_id}/customers");
        // Builds routers until dropped, so a failing request below stops it too.
        struct Building(std::sync::Arc<std::sync::atomic::AtomicBool>);
        impl Drop for Building {
            fn drop(&mut self) {
                self.0.store(false, std::sync::atomic::Ordering::Relaxed);
            }
        }
        let building = Building(std::sync::Arc::new(std::sync::atomic::AtomicBool::new(
            true,
        )));
        let builder = tokio::task::spawn_blocking({
            let building = building.0.clone();
            let db = app.db.clone();
            move || {
                let mut built = 0_u32;
                while building.load(std::sync::atomic::Ordering::Relaxed) {
                    let state = crate::support::app_state(
                        db.clone(),
                        crate::support::test_settings(),
                        ([127, 0, 0, 1], 0).into(),
                    );
                    drop(encore::server::router::build(state));
                    built += 1;
                    std::thread::sleep(std::time::Duration::from_millis(1));
                }
                built
            }
        });
        for _ in 0..40 {
            let response = app.client.get(app.url(&path)).send().await.unwrap();
            assert_eq!(response.status(), 200, "{path}");
            let html = response.text().await.unwrap();
            assert!(html.contains("__RESOLVED_RESOURCES"), "{path} ended early");
        }
        drop(building);
        assert!(builder.await.unwrap() > 0, "no router was built meanwhile");
    }
);
