//! `GET /store/{store_id}/customers.csv`: the customer list as filtered and sorted on the page,
//! every matching row, as CSV. Cells that a spreadsheet would run as a formula are neutralised.
//!
//! The file is streamed: one keyset page of rows (at most `MAX_PAGE_SIZE`) is read and sent
//! at a time, so an export holds one page in memory whatever the store's size, and a
//! client that reads slowly slows the reads down instead of filling the server's memory.
//! Each store runs at most [`MAX_EXPORTS_PER_STORE`] exports at once (a further one is
//! answered 429); a slot is held until its body has been sent or the client goes away.
//! The store check, the filter and the first page are read before the answer starts, so
//! those failures still get their status; a failure after that ends the download early
//! (logged), which the browser reports as a failed download, never as a short file.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::{Body, Bytes};
use axum::extract::{Extension, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use sea_orm::DatabaseConnection;

use super::access::owned_store;
use super::session::Viewer;
use super::state::AppState;
use crate::domain::commerce::customers::customer_rows_page;
use crate::domain::commerce::products::list_products;
use crate::domain::keyset::MAX_PAGE_SIZE;
use crate::dto::{CustomerQuery, CustomerRow, PageAt, ProductSummary, StoreSummary};
use crate::error::AppError;
use crate::params::CustomerListParams;

/// Exports of one store that may run at once. Each holds a database connection while it
/// reads a page; two leave the store's pages (and other stores) room to work.
pub const MAX_EXPORTS_PER_STORE: usize = 2;

/// What the export after the last allowed one is told.
pub const TOO_MANY_EXPORTS: &str = "Two exports of this store are already being downloaded. \
     Wait for one of them to finish, then try again.";

/// The exports running now, per store.
#[derive(Clone, Default)]
pub struct ExportSlots(Arc<Mutex<HashMap<i64, usize>>>);

/// One running export; its slot is given back when it is dropped (the body finished, or
/// the client went away and the body was dropped).
pub struct ExportSlot {
    slots: ExportSlots,
    store_id: i64,
}

impl ExportSlots {
    /// A slot for an export of `store_id`, unless [`MAX_EXPORTS_PER_STORE`] are running.
    pub fn try_take(&self, store_id: i64) -> Option<ExportSlot> {
        let mut running = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let count = running.entry(store_id).or_default();
        if *count >= MAX_EXPORTS_PER_STORE {
            return None;
        }
        *count += 1;
        Some(ExportSlot {
            slots: self.clone(),
            store_id,
        })
    }
}

impl Drop for ExportSlot {
    fn drop(&mut self) {
        let mut running = self.slots.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = running.get_mut(&self.store_id) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                running.remove(&self.store_id);
            }
        }
    }
}

pub async fn customers_csv(
    State(state): State<AppState>,
    Path(store_id): Path<i64>,
    Extension(viewer): Extension<Viewer>,
    Query(params): Query<CustomerListParams>,
) -> Response {
    match start(&state, &viewer, store_id, &params).await {
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
        Err(AppError::RateLimited) => (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, "10")],
            TOO_MANY_EXPORTS,
        )
            .into_response(),
        Err(AppError::Invalid(errors)) => {
            let messages: Vec<String> = errors
                .into_iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect();
            (StatusCode::BAD_REQUEST, messages.join("\n")).into_response()
        }
        // An outage is a 503 with the error's own wording, as on every page; the rest say
        // nothing of their cause (it was logged where it happened).
        Err(other) => (
            StatusCode::from_u16(other.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            other.to_string(),
        )
            .into_response(),
    }
}

/// Checks the request, takes a slot and reads the first page; the body reads the rest.
async fn start(
    state: &AppState,
    viewer: &Viewer,
    store_id: i64,
    params: &CustomerListParams,
) -> Result<(String, Body), AppError> {
    let store = owned_store(&state.db, viewer, store_id).await?;
    let mut query = params.to_query().map_err(AppError::Invalid)?;
    query.page = PageAt::First;
    query.page_size = MAX_PAGE_SIZE;
    let slot = state.exports.try_take(store_id).ok_or_else(|| {
        tracing::warn!(store_id, "too many exports of one store at once");
        AppError::RateLimited
    })?;
    // Rows name their products by id; archived products are still what was bought.
    let products = list_products(&state.db, store_id, true).await?;
    let mut pages = Pages {
        db: state.db.clone(),
        store,
        products,
        query,
        done: false,
        _slot: slot,
    };
    let mut first = csv_lines([HEADER])?;
    first.extend(pages.next_chunk().await?.unwrap_or_default());
    let rest = futures_util::stream::unfold(Some(pages), |pages| async move {
        let mut pages = pages?;
        match pages.next_chunk().await {
            Ok(Some(chunk)) => Some((Ok(Bytes::from(chunk)), Some(pages))),
            Ok(None) => None,
            // Logged where it happened; ending the body with an error aborts the download.
            Err(_) => Some((Err(std::io::Error::other("the export failed")), None)),
        }
    });
    let body = futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from(first))]);
    Ok((
        format!("customers-store-{store_id}.csv"),
        Body::from_stream(futures_util::StreamExt::chain(body, rest)),
    ))
}

const HEADER: [&str; 11] = [
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
];

/// The walk over every matching customer, one keyset page at a time.
struct Pages {
    db: DatabaseConnection,
    store: StoreSummary,
    products: Vec<ProductSummary>,
    query: CustomerQuery,
    done: bool,
    /// Held for as long as the body is.
    _slot: ExportSlot,
}

impl Pages {
    /// The next page as CSV lines, `None` after the last one.
    async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, AppError> {
        if self.done {
            return Ok(None);
        }
        let (rows, next) = customer_rows_page(&self.db, self.store.id, &self.query)
            .await
            .inspect_err(|error| tracing::error!(%error, "reading a page of the customer CSV"))?;
        match next {
            Some(next) => self.query.page = PageAt::After(next),
            None => self.done = true,
        }
        let records = rows
            .iter()
            .map(|row| customer_record(&self.store, &self.products, row));
        Ok(Some(csv_lines(records)?))
    }
}

/// `records` as CSV lines, each cell neutralised.
fn csv_lines<R: IntoIterator<Item = S>, S: AsRef<str>>(
    records: impl IntoIterator<Item = R>,
) -> Result<Vec<u8>, AppError> {
    let fail = |error: csv::Error| {
        tracing::error!(%error, "writing the customer CSV");
        AppError::Internal
    };
    let mut writer = csv::Writer::from_writer(Vec::new());
    for record in records {
        writer
            .write_record(record.into_iter().map(|cell| neutralise(cell.as_ref())))
            .map_err(fail)?;
    }
    writer
        .into_inner()
        .map_err(|error| fail(error.into_error().into()))
}

fn customer_record(
    store: &StoreSummary,
    store_products: &[ProductSummary],
    row: &CustomerRow,
) -> [String; 11] {
    let products: Vec<&str> = row.product_names(store_products).collect();
    [
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
    ]
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
