//! The Customers pages: the revenue dashboard, the customer list and detail, recording a
//! manual purchase and refunding one.

// A server function takes one argument per form field.
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;

use crate::dto::{CustomerDetailView, CustomerListView, Dashboard, PurchaseReceipt, RefundReceipt};
use crate::error::AppError;
use crate::params::CustomerListParams;

/// A fresh idempotency key for a form that records something (a purchase, a refund): the
/// form carries it, so submitting twice records once. Each page load gets a new one.
#[server(endpoint = "forms/request_key")]
pub async fn new_request_key() -> Result<String, AppError> {
    use rand::Rng;
    let bytes: [u8; 16] = rand::rng().random();
    Ok(bytes.iter().map(|byte| format!("{byte:02x}")).collect())
}

/// The dashboard for the period in the URL, with the period of the same length before it.
#[server(endpoint = "customers/dashboard")]
pub async fn revenue_dashboard(
    store_id: i64,
    // All-empty URL state serializes to nothing at all; it is still a valid argument.
    #[server(default)] params: CustomerListParams,
) -> Result<Dashboard, AppError> {
    let (state, _) = crate::server::access::store_scope(store_id).await?;
    let now = crate::domain::time::now();
    let range = params.range(now.date_naive()).map_err(AppError::Invalid)?;
    Ok(crate::domain::commerce::revenue::dashboard(&state.db, store_id, range, now).await?)
}

/// One page of the customer list for the filters and sort in the URL.
#[server(endpoint = "customers/list")]
pub async fn customer_list(
    store_id: i64,
    // All-empty URL state serializes to nothing at all; it is still a valid argument.
    #[server(default)] params: CustomerListParams,
) -> Result<CustomerListView, AppError> {
    use crate::{domain::commerce::customers, domain::commerce::products};

    let (state, store) = crate::server::access::store_scope(store_id).await?;
    let query = params.to_query().map_err(AppError::Invalid)?;
    // The list and the filter's product menu are independent reads: read them together.
    let (page, products) = tokio::try_join!(
        customers::list_customers(&state.db, store_id, &query),
        products::list_products(&state.db, store_id, true),
    )?;
    Ok(CustomerListView {
        page,
        products,
        store,
        now: crate::domain::time::now(),
    })
}

#[server(endpoint = "customers/detail")]
pub async fn customer_detail(
    store_id: i64,
    customer_id: i64,
) -> Result<CustomerDetailView, AppError> {
    let (state, _) = crate::server::access::store_scope(store_id).await?;
    Ok(CustomerDetailView {
        detail: crate::domain::commerce::customers::customer_detail(
            &state.db,
            store_id,
            customer_id,
        )
        .await?,
        now: crate::domain::time::now(),
    })
}

/// The "Record purchase" form: a manual sale (bank transfer, cash at a workshop…). Either an
/// existing `product_id`, or `product_id = "new"` with the new product's name, kind and
/// price. An empty amount means the product's price; an empty date means now.
/// `request_key` is generated with the form, so a double submit records one purchase.
#[server(endpoint = "customers/record_purchase")]
pub async fn record_manual_purchase(
    store_id: i64,
    request_key: String,
    email: String,
    name: String,
    product_id: String,
    new_product_name: Option<String>,
    new_product_kind: Option<String>,
    amount: String,
    date: Option<String>,
) -> Result<PurchaseReceipt, AppError> {
    use crate::domain::commerce::products::{NewProduct, create_product, list_products};
    use crate::domain::commerce::purchases::{RecordPurchase, record_purchase};
    use crate::domain::email::Email;
    use crate::domain::error::Problems;
    use crate::vocab::PurchaseSource;

    let (state, store) = crate::server::access::store_scope(store_id).await?;
    let db = &state.db;
    let mut problems = Problems::new();
    let email = problems.check("email", Email::parse(&email));
    let purchased_at = problems.check(
        "date",
        crate::domain::commerce::purchases::parse_purchase_date(
            date.as_deref(),
            crate::domain::time::now(),
        ),
    );

    // The product: an existing one of this store, or a new one typed in the form.
    let products = list_products(db, store_id, false).await?;
    let creating = product_id.trim() == "new";
    let existing = if creating {
        None
    } else {
        let found = product_id
            .trim()
            .parse::<i64>()
            .ok()
            .and_then(|id| products.iter().find(|product| product.id == id).cloned());
        if found.is_none() {
            problems.add("product_id", "Pick a product, or create a new one.");
        }
        found
    };
    let typed_amount = amount.trim();
    let amount_cents = if typed_amount.is_empty() {
        match &existing {
            Some(product) => Some(product.price_cents),
            None => problems.check("amount", store.currency.parse(typed_amount)),
        }
    } else {
        problems.check("amount", store.currency.parse(typed_amount))
    };
    let new_product = if creating {
        match NewProduct::parse(
            new_product_name.as_deref().unwrap_or_default(),
            new_product_kind.as_deref().unwrap_or_default(),
            typed_amount,
            false,
            store.currency,
        ) {
            Ok(product) => Some(product),
            Err(crate::domain::DomainError::Invalid(errors)) => {
                for error in errors {
                    // The new product's price is the amount typed for this sale.
                    let field = match error.field.as_str() {
                        "name" => "new_product_name",
                        "kind" => "new_product_kind",
                        _ => continue,
                    };
                    problems.add(field, error.message);
                }
                None
            }
            Err(other) => return Err(other.into()),
        }
    } else {
        None
    };
    let (email, purchased_at, amount_cents) =
        problems.finish(|| Some((email?, purchased_at?, amount_cents?)))?;

    let product_id = match (existing, new_product) {
        (Some(product), _) => product.id,
        (None, Some(new_product)) => create_product(db, store_id, &new_product).await?.id,
        (None, None) => return Err(AppError::BadRequest),
    };
    let command = RecordPurchase::new(
        store_id,
        email,
        &name,
        product_id,
        amount_cents,
        PurchaseSource::Manual,
        &request_key,
        purchased_at,
    )?;
    let receipt = record_purchase(db, &command).await?;
    tracing::info!(
        store_id,
        purchase_id = receipt.purchase_id,
        replayed = receipt.replayed,
        "manual purchase recorded"
    );
    // Back to the list, where the buyer now is (a redirect the browser, or with JavaScript on
    // src/navigation.js, follows).
    leptos_axum::redirect(&format!(
        "/store/{store_id}/customers?recorded={}",
        receipt.purchase_id
    ));
    Ok(receipt)
}

/// Refunds a purchase, all that remains (empty amount) or part of it.
#[server(endpoint = "customers/refund")]
pub async fn refund(
    store_id: i64,
    purchase_id: i64,
    amount: String,
    reason: String,
    request_key: String,
) -> Result<RefundReceipt, AppError> {
    use crate::domain::commerce::refunds::{RefundPurchase, refund_purchase};

    let (state, store) = crate::server::access::store_scope(store_id).await?;
    let amount = match amount.trim() {
        "" => None,
        typed => Some(store.currency.parse(typed).map_err(|error| {
            AppError::Invalid(vec![crate::error::FieldError::new(
                "amount",
                error.to_string(),
            )])
        })?),
    };
    let command = RefundPurchase::new(store_id, purchase_id, amount, &reason, &request_key, None)?;
    let receipt = refund_purchase(&state.db, &command).await?;
    tracing::info!(
        store_id,
        purchase_id,
        refund_id = receipt.refund_id,
        "refund recorded"
    );
    let customer_id =
        crate::domain::commerce::customers::customer_of_purchase(&state.db, store_id, purchase_id)
            .await?;
    leptos_axum::redirect(&format!(
        "/store/{store_id}/customers/{customer_id}?refunded={}",
        receipt.refund_id
    ));
    Ok(receipt)
}
