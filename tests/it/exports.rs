//! Exports stream (#30 item 8): the customer CSV is read and sent a page at a time, says
//! exactly what the database holds, and each store runs a bounded number at once.

use std::collections::HashMap;

use encore::entities::customer;
use encore::server::export::neutralise;
use encore::tools::generate::{GenerateSpec, generate};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::app_test;
use crate::support::TestApp;

/// A generated store of `customers` customers, owned by the app's signed-in creator.
async fn store_with_customers(app: &TestApp, customers: usize) -> i64 {
    let owner = app.sign_up("ada@example.com").await;
    let spec = GenerateSpec {
        fans: customers,
        customers,
        purchases: customers,
        seed: 30,
    };
    generate(&app.db, owner, &spec).await.unwrap().store_id
}

async fn export(app: &TestApp, store_id: i64) -> reqwest::Response {
    app.client
        .get(app.url(&format!("/store/{store_id}/customers.csv")))
        .send()
        .await
        .unwrap()
}

app_test!(
    the_streamed_export_holds_every_customer_exactly_once,
    |app: TestApp| async move {
        // More than ten pages of the export's 200 rows.
        let store_id = store_with_customers(&app, 2_500).await;
        let response = export(&app, store_id).await;
        assert_eq!(response.status(), 200);
        let body = response.bytes().await.unwrap();

        let mut reader = csv::Reader::from_reader(body.as_ref());
        assert_eq!(
            reader.headers().unwrap().iter().collect::<Vec<_>>(),
            [
                "name",
                "email",
                "total_spent",
                "currency",
                "refunded",
                "purchases",
                "first_purchase",
                "last_purchase",
                "products",
                "subscription",
                "fan_score",
            ]
        );
        let mut exported: HashMap<String, Vec<String>> = HashMap::new();
        for record in reader.records() {
            let record = record.unwrap();
            let cells: Vec<String> = record.iter().map(str::to_owned).collect();
            let previous = exported.insert(cells[1].clone(), cells);
            assert!(previous.is_none(), "a customer exported twice");
        }
        let customers = customer::Entity::find()
            .filter(customer::Column::StoreId.eq(store_id))
            .all(&app.db)
            .await
            .unwrap();
        assert_eq!(customers.len(), 2_500);
        assert_eq!(exported.len(), customers.len(), "every customer, once");
        for customer in customers {
            let row = &exported[&neutralise(&customer.email)];
            assert_eq!(row[0], neutralise(&customer.name));
            let cents = |text: &str| -> i64 {
                let (units, hundredths) = text.split_once('.').unwrap();
                units.parse::<i64>().unwrap() * 100 + hundredths.parse::<i64>().unwrap()
            };
            assert_eq!(
                cents(&row[2]),
                customer.total_spent_cents,
                "{}",
                customer.email
            );
            assert_eq!(row[3], "USD");
            assert_eq!(cents(&row[4]), customer.refunded_cents);
            assert_eq!(row[5], customer.purchase_count.to_string());
            assert_eq!(
                row[7],
                customer
                    .last_purchase_at
                    .map(|at| at.to_rfc3339())
                    .unwrap_or_default()
            );
        }
    }
);

app_test!(
    a_third_export_of_a_store_at_once_is_refused_with_a_message,
    |app: TestApp| async move {
        // Rows long enough that two unread exports cannot fit in the socket and server
        // buffers: each stays open, holding its slot, until it is read.
        let store_id = store_with_customers(&app, 6_000).await;
        let long = "x".repeat(200);
        app.db
            .execute_unprepared(&format!(
                "UPDATE customers SET email = '{long}' || email, name = substr('{long}' || name, 1, 120) \
                 WHERE store_id = {store_id}"
            ))
            .await
            .unwrap();

        let first = export(&app, store_id).await;
        let second = export(&app, store_id).await;
        assert_eq!(
            (first.status().as_u16(), second.status().as_u16()),
            (200, 200)
        );
        let third = export(&app, store_id).await;
        assert_eq!(third.status(), 429);
        assert!(third.headers().contains_key("retry-after"));
        assert!(
            third
                .text()
                .await
                .unwrap()
                .contains("Two exports of this store are already being downloaded"),
        );
        // Another store's export is not held up by this one's.
        let other = app.create_store_with(&app.client, "Second Store").await;
        assert_eq!(export(&app, other).await.status(), 200);

        // Once one finishes, there is room again.
        let whole = first.bytes().await.unwrap();
        assert_eq!(whole.iter().filter(|b| **b == b'\n').count(), 6_001);
        let again = export(&app, store_id).await;
        assert_eq!(again.status(), 200);
        drop((second, again));
    }
);
