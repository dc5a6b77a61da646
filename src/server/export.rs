//! `GET /store/{store_id}/customers.csv`: the customer list as filtered and sorted on the page,
//! every matching row, as CSV. Cells that a spreadsheet would run as a formula are neutralised.

use axum::extract::{Extension, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::access::owned_store;
use super::session::Viewer;
use super::state::AppState;
use crate::domain::commerce::customers::list_customers;
use crate::domain::commerce::products::list_products;
use crate::domain::keyset::MAX_PAGE_SIZE;
use crate::dto::PageAt;
use crate::error::AppError;
use crate::params::CustomerListParams;

pub async fn customers_csv(
    State(state): State<AppState>,
    Path(store_id): Path<i64>,
    Extension(viewer): Extension<Viewer>,
    Query(params): Query<CustomerListParams>,
) -> Response {
    match build(&state, &viewer, store_id, &params).await {
        Ok((file_name, body)) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{file_name}\""),
                ),
            ],
            body,
        )
            .into_response(),
        Err(AppError::NotFound) => (StatusCode::NOT_FOUND, "No such store.").into_response(),
        Err(AppError::Unauthorized) => (StatusCode::UNAUTHORIZED, "Please log in.").into_response(),
        Err(AppError::Invalid(errors)) => {
            let messages: Vec<String> = errors
                .into_iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect();
            (StatusCode::BAD_REQUEST, messages.join("\n")).into_response()
        }
        Err(other) => (StatusCode::INTERNAL_SERVER_ERROR, other.to_string()).into_response(),
    }
}

async fn build(
    state: &AppState,
    viewer: &Viewer,
    store_id: i64,
    params: &CustomerListParams,
) -> Result<(String, Vec<u8>), AppError> {
    let store = owned_store(&state.db, viewer, store_id).await?;
    let mut query = params.to_query().map_err(AppError::Invalid)?;
    query.page = PageAt::First;
    query.page_size = MAX_PAGE_SIZE;

    let mut writer = csv::Writer::from_writer(Vec::new());
    let fail = |error: csv::Error| {
        tracing::error!(%error, "writing the customer CSV");
        AppError::Internal
    };
    writer
        .write_record([
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
        ])
        .map_err(fail)?;
    // Rows name their products by id; archived products are still what was bought.
    let store_products = list_products(&state.db, store_id, true).await?;
    loop {
        let page = list_customers(&state.db, store_id, &query).await?;
        for row in &page.rows {
            let products: Vec<&str> = row.product_names(&store_products).collect();
            let record = [
                row.name.clone(),
                row.email.clone(),
                store.currency.format_plain(row.total_spent_cents),
                store.currency.code().to_owned(),
                store.currency.format_plain(row.refunded_cents),
                row.purchase_count.to_string(),
                row.first_purchase_at
                    .map(|at| at.to_rfc3339())
                    .unwrap_or_default(),
                row.last_purchase_at
                    .map(|at| at.to_rfc3339())
                    .unwrap_or_default(),
                products.join("; "),
                row.subscription
                    .map(|s| s.label().to_owned())
                    .unwrap_or_default(),
                row.fan
                    .as_ref()
                    .map(|fan| fan.score.to_string())
                    .unwrap_or_default(),
            ];
            writer
                .write_record(record.iter().map(|cell| neutralise(cell)))
                .map_err(fail)?;
        }
        match page.next {
            Some(next) => query.page = PageAt::After(next),
            None => break,
        }
    }
    let body = writer
        .into_inner()
        .map_err(|error| fail(error.into_error().into()))?;
    Ok((format!("customers-store-{store_id}.csv"), body))
}

/// A cell a spreadsheet would treat as a formula (`= + - @`, tab, carriage return) gets a
/// leading apostrophe, so it is shown as text (OWASP's advice on CSV injection).
pub fn neutralise(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_shown_as_text() {
        let cases = [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+1+1", "'+1+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tcmd", "'\tcmd"),
            ("\rcmd", "'\rcmd"),
            ("Ada Lovelace", "Ada Lovelace"),
            ("99.00", "99.00"),
            ("", ""),
        ];
        for (cell, expected) in cases {
            assert_eq!(neutralise(cell), expected, "{cell:?}");
        }
    }
}
