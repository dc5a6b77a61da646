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
    let (state, store) = crate::server::access::store_scope(store_id).await?;
    let query = params.to_query().map_err(AppError::Invalid)?;
    let (page, products) =
        crate::domain::commerce::customers::list_page(&state.db, store_id, &query).await?;
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
/// existing `product_id`, or `product_id = "new"` with the new product's name and kind (its
/// price is the amount). An empty amount means the product's price; an empty date means now.
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
    use crate::domain::commerce::manual_sale::{ManualSale, SaleForm, record_manual_sale};

    let (state, store) = crate::server::access::store_scope(store_id).await?;
    let form = SaleForm {
        request_key: &request_key,
        email: &email,
        name: &name,
        product: &product_id,
        new_product_name: new_product_name.as_deref().unwrap_or_default(),
        new_product_kind: new_product_kind.as_deref().unwrap_or_default(),
        amount: &amount,
        date: date.as_deref().unwrap_or_default(),
    };
    let sale = ManualSale::parse(store_id, form, store.currency, crate::domain::time::now())?;
    let receipt = record_manual_sale(&state.db, &sale).await?;
    tracing::info!(
        store_id,
        purchase_id = receipt.purchase_id,
        replayed = receipt.replayed,
        "manual purchase recorded"
    );
    // Back to the list, where the buyer now is (a redirect the browser, or with JavaScript on
    // src/navigation.js, follows).
    crate::server::flash::redirect_with_notice(
        &format!("/store/{store_id}/customers"),
        &[("recorded", &receipt.purchase_id.to_string())],
    );
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
    use crate::domain::commerce::refunds::{RefundInput, RefundPurchase, refund_purchase};

    let (state, store) = crate::server::access::store_scope(store_id).await?;
    let amount = store
        .currency
        .parse_optional(&amount)
        .map_err(|error| AppError::invalid("amount", error.to_string()))?;
    let command = RefundPurchase::parse(RefundInput {
        store_id,
        purchase_id,
        amount,
        reason: &reason,
        request_key: &request_key,
        refunded_at: None,
    })?;
    let receipt = refund_purchase(&state.db, &command).await?;
    tracing::info!(
        store_id,
        purchase_id,
        refund_id = receipt.refund_id,
        "refund recorded"
    );
    crate::server::flash::redirect_with_notice(
        &format!("/store/{store_id}/customers/{}", receipt.customer_id),
        &[("refunded", &receipt.refund_id.to_string())],
    );
    Ok(receipt)
}
