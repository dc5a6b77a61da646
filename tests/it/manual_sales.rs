//! Manual sales: the "Record purchase" form as one command. A sale of a new product creates
//! the product inside the purchase's transaction, so a repeated submit (JavaScript off, a
//! retry) answers with the first receipt and creates nothing.

use encore::api::customers::RecordManualPurchase;
use encore::domain::DomainError;
use encore::domain::commerce::manual_sale::{ManualSale, SaleForm, record_manual_sale};
use encore::domain::commerce::products::list_products;
use encore::entities::{product, purchase};
use encore::money::Currency;
use encore::vocab::ProductKind;
use leptos::server_fn::ServerFn;
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};

use crate::fixtures::*;
use crate::support::TestApp;
use crate::{app_test, db_test};

fn usd_store() -> Currency {
    Currency::from_code("USD").unwrap()
}

/// Lin's coaching call, sold by hand as a new product for $45.
fn new_product_sale(store_id: i64, request_key: &str) -> ManualSale {
    let form = SaleForm {
        request_key,
        email: "lin@example.com",
        name: "Lin",
        product: "new",
        new_product_name: "Beat Review Call",
        new_product_kind: "coaching",
        amount: "$45",
        ..SaleForm::default()
    };
    ManualSale::parse(store_id, form, usd_store(), encore::domain::time::now()).unwrap()
}

db_test!(
    a_sale_of_a_new_product_records_the_product_and_the_purchase,
    |db: DatabaseConnection| async move {
        let store_id = store(&db).await;

        let receipt = record_manual_sale(&db, &new_product_sale(store_id, "form-1"))
            .await
            .unwrap();

        assert!(!receipt.replayed);
        let products = list_products(&db, store_id, true).await.unwrap();
        assert_eq!(products.len(), 1);
        let call = &products[0];
        assert_eq!(
            (call.name.as_str(), call.kind, call.price_cents),
            ("Beat Review Call", ProductKind::Coaching, cents(4500))
        );
        let bought = purchase::Entity::find_by_id(receipt.purchase_id)
            .one(&db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((bought.product_id, bought.amount_cents), (call.id, 4500));
        let customer = customer_by_email(&db, store_id, "lin@example.com")
            .await
            .unwrap();
        assert_eq!(
            (customer.name.as_str(), customer.total_spent_cents),
            ("Lin", 4500)
        );
        assert_invariants(&db, store_id).await;
    }
);

db_test!(
    a_repeated_sale_of_a_new_product_returns_the_first_receipt_and_creates_nothing,
    |db: DatabaseConnection| async move {
        let store_id = store(&db).await;
        let first = record_manual_sale(&db, &new_product_sale(store_id, "form-1"))
            .await
            .unwrap();
        let counts = table_counts(&db).await;
        let state = state_digest(&db).await;

        let again = record_manual_sale(&db, &new_product_sale(store_id, "form-1"))
            .await
            .unwrap();

        assert!(again.replayed, "the second submit is a replay");
        assert_eq!(again.purchase_id, first.purchase_id);
        assert_eq!(again.customer_id, first.customer_id);
        assert_eq!(again.fan_id, first.fan_id);
        assert_eq!(again.points, first.points);
        assert_eq!(
            table_counts(&db).await,
            counts,
            "no second product or purchase"
        );
        assert_eq!(state_digest(&db).await, state);
        assert_eq!(product::Entity::find().count(&db).await.unwrap(), 1);
        assert_invariants(&db, store_id).await;
    }
);

db_test!(
    the_same_request_key_for_another_new_product_is_already_recorded_and_creates_nothing,
    |db: DatabaseConnection| async move {
        let store_id = store(&db).await;
        record_manual_sale(&db, &new_product_sale(store_id, "form-1"))
            .await
            .unwrap();
        let counts = table_counts(&db).await;
        let form = SaleForm {
            request_key: "form-1",
            email: "lin@example.com",
            product: "new",
            new_product_name: "Mastering Call",
            new_product_kind: "coaching",
            amount: "45",
            ..SaleForm::default()
        };
        let other =
            ManualSale::parse(store_id, form, usd_store(), encore::domain::time::now()).unwrap();

        let error = record_manual_sale(&db, &other).await.unwrap_err();

        // Said in the creator's terms, pointing at the sale's customer (#27 item 2).
        assert!(
            matches!(error, DomainError::AlreadyRecorded { store_id: s, .. } if s == store_id),
            "{error}"
        );
        assert_eq!(table_counts(&db).await, counts);
    }
);

db_test!(
    an_empty_amount_charges_the_products_price,
    |db: DatabaseConnection| async move {
        let store_id = store(&db).await;
        let kit = drum_kit(&db, store_id).await;
        let form = SaleForm {
            request_key: "form-1",
            email: "ada@example.com",
            product: &kit.id.to_string(),
            amount: " ",
            date: "2026-01-15",
            ..SaleForm::default()
        };
        let sale =
            ManualSale::parse(store_id, form, usd_store(), encore::domain::time::now()).unwrap();

        let receipt = record_manual_sale(&db, &sale).await.unwrap();

        let bought = purchase::Entity::find_by_id(receipt.purchase_id)
            .one(&db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(bought.amount_cents, 2900, "the kit's price");
        assert_eq!(
            bought.purchased_at.to_rfc3339(),
            "2026-01-15T12:00:00+00:00"
        );
        assert_eq!(bought.source, encore::vocab::PurchaseSource::Manual);
        assert_invariants(&db, store_id).await;
    }
);

db_test!(
    a_product_the_store_does_not_sell_is_refused_at_the_product_menu,
    |db: DatabaseConnection| async move {
        let store_id = store(&db).await;
        let other_store = store(&db).await;
        let theirs = masterclass(&db, other_store).await;
        let counts = table_counts(&db).await;
        let form = SaleForm {
            request_key: "form-1",
            email: "ada@example.com",
            product: &theirs.id.to_string(),
            amount: "99",
            ..SaleForm::default()
        };
        let sale =
            ManualSale::parse(store_id, form, usd_store(), encore::domain::time::now()).unwrap();

        let error = record_manual_sale(&db, &sale).await.unwrap_err();

        let DomainError::Invalid(errors) = error else {
            panic!("expected a validation error, got {error}");
        };
        assert_eq!(errors[0].field, "product_id");
        assert_eq!(errors[0].message, "Pick a product, or create a new one.");
        assert_eq!(table_counts(&db).await, counts);
    }
);

app_test!(
    a_form_submitted_twice_without_javascript_records_one_sale_of_a_new_product,
    |app: TestApp| async move {
        let store_id = app.signed_in_store().await;
        let store = store_id.to_string();
        let form = [
            ("store_id", store.as_str()),
            ("request_key", "form-twice"),
            ("email", "lin@example.com"),
            ("name", ""),
            ("product_id", "new"),
            ("new_product_name", "Beat Review Call"),
            ("new_product_kind", "coaching"),
            ("amount", "45"),
            ("date", ""),
        ];
        let referer = format!("/store/{store_id}/customers/new");

        let first = app
            .post_form(RecordManualPurchase::PATH, &referer, &form)
            .await;
        let second = app
            .post_form(RecordManualPurchase::PATH, &referer, &form)
            .await;

        assert!(first.status().is_redirection(), "{}", first.status());
        assert!(second.status().is_redirection(), "{}", second.status());
        let location = |response: &reqwest::Response| {
            response.headers()["location"].to_str().unwrap().to_owned()
        };
        assert_eq!(
            location(&first),
            format!("/store/{store_id}/customers"),
            "the receipt is a flash, not the URL"
        );
        assert_eq!(
            location(&second),
            location(&first),
            "the replay lands on the first receipt"
        );
        assert_eq!(product::Entity::find().count(&app.db).await.unwrap(), 1);
        assert_eq!(purchase::Entity::find().count(&app.db).await.unwrap(), 1);
    }
);
