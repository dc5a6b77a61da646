//! What the Customers pages read: a sorted, filtered, keyset-paginated list with each
//! customer's products, subscription status and fan score (the unified view), and one
//! customer's full history.

use std::collections::HashMap;

use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait, Func, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use crate::domain::DomainError;
use crate::domain::DomainResult;
use crate::domain::accounts::stores;
use crate::domain::audience::queries::tag_names_by_fan;
use crate::domain::commerce::products::{list_products, product_names};
use crate::domain::keyset::MAX_PAGE_SIZE;
use crate::domain::keyset::{Cursor, KeyKind, KeyValue, Keyset, page};
use crate::domain::sql::contains_pattern;
use crate::domain::sql::{bigint_sum, read, scalar};
use crate::domain::time;
use crate::dto::{
    CustomerDetail, CustomerFilter, CustomerPage, CustomerQuery, CustomerRow, CustomerSort,
    EnrollmentRow, FanLink, FanSnapshot, ProductSummary, PurchaseRow, RefundRow, SortDirection,
    SubscriptionRow,
};
use crate::entities::{customer, customer_daily, enrollment, fan, purchase, refund, subscription};
use crate::money::MinorUnits;
use crate::vocab::SubscriptionStatus;

/// What the customer list page shows: one page of customers, and the store's products
/// (archived ones too) for the product filter and the rows' product names. The two reads do
/// not wait on each other, so they run together.
///
/// # Errors
/// `NotFound` for an unknown store.
pub async fn list_page(
    db: &DatabaseConnection,
    store_id: i64,
    query: &CustomerQuery,
) -> DomainResult<(CustomerPage, Vec<ProductSummary>)> {
    tokio::try_join!(
        list_customers(db, store_id, query),
        list_products(db, store_id, true),
    )
}

/// One page of the store's customers and how many match in all.
///
/// # Errors
/// `NotFound` for an unknown store.
pub async fn list_customers(
    db: &DatabaseConnection,
    store_id: i64,
    query: &CustomerQuery,
) -> DomainResult<CustomerPage> {
    let condition = condition(store_id, query);
    let limit = query.page_size.clamp(1, MAX_PAGE_SIZE);
    let keyset = keyset(query.sort, query.direction);
    let walk = keyset.walk(&query.page);
    let rows = keyset.apply(
        customer::Entity::find().filter(condition.clone()),
        &walk,
        limit,
    );
    let total = async {
        if query.filter == CustomerFilter::default() {
            store_customers(db, store_id).await
        } else {
            Ok(customer::Entity::find().filter(condition).count(db).await?)
        }
    };
    // The store check, the rows and the total do not wait on each other: they run together,
    // each on its own pooled connection, as the rows' products, subscriptions and fans do.
    let (_, models, total) =
        tokio::try_join!(stores::find_active(db, store_id), read(rows.all(db)), total)?;
    let paged = page(models, &walk, limit, |model| cursor(query.sort, model));
    Ok(CustomerPage {
        rows: customer_rows(db, store_id, paged.rows).await?,
        total,
        next: paged.next,
        previous: paged.previous,
    })
}

/// One page of customers without the total: for walking every matching row (the CSV
/// export), where counting them again on each page would make the walk quadratic. Returns
/// the rows and the cursor of the next page.
///
/// # Errors
/// `NotFound` for an unknown store; database failures.
pub async fn customer_rows_page(
    db: &DatabaseConnection,
    store_id: i64,
    query: &CustomerQuery,
) -> DomainResult<(Vec<CustomerRow>, Option<String>)> {
    let condition = condition(store_id, query);
    let limit = query.page_size.clamp(1, MAX_PAGE_SIZE);
    let keyset = keyset(query.sort, query.direction);
    let walk = keyset.walk(&query.page);
    let rows = keyset.apply(customer::Entity::find().filter(condition), &walk, limit);
    let (_, models) = tokio::try_join!(stores::find_active(db, store_id), read(rows.all(db)))?;
    let paged = page(models, &walk, limit, |model| cursor(query.sort, model));
    Ok((customer_rows(db, store_id, paged.rows).await?, paged.next))
}

/// How many customers the store has, without counting them one by one (200k at L): those
/// with a first purchase are the sum of `customer_daily.new_customers` (a row per day),
/// and any without one (recording a purchase never makes such a customer) are counted from
/// the (store, first purchase) index, so the total is exact whatever wrote the rows.
async fn store_customers(db: &impl ConnectionTrait, store_id: i64) -> DomainResult<u64> {
    let with_first_purchase = Query::select()
        .expr(Func::coalesce([
            bigint_sum(Expr::col(customer_daily::Column::NewCustomers)),
            Expr::val(0),
        ]))
        .from(customer_daily::Entity)
        .and_where(Expr::col(customer_daily::Column::StoreId).eq(store_id))
        .to_owned();
    let without = Query::select()
        .expr(Expr::col(customer::Column::Id).count())
        .from(customer::Entity)
        .and_where(Expr::col(customer::Column::StoreId).eq(store_id))
        .and_where(Expr::col(customer::Column::FirstPurchaseAt).is_null())
        .to_owned();
    let statement = Query::select()
        .expr_as(
            scalar(with_first_purchase)
                .add(scalar(without))
                .cast_as(Alias::new("BIGINT")),
            Alias::new("customers"),
        )
        .to_owned();
    let total = match db.query_one(&statement).await? {
        Some(row) => row.try_get::<i64>("", "customers")?,
        None => 0,
    };
    Ok(u64::try_from(total).unwrap_or(0))
}

fn condition(store_id: i64, query: &CustomerQuery) -> Condition {
    let column = |c: customer::Column| Expr::col((customer::Entity, c));
    let filter = &query.filter;
    let mut all = Condition::all().add(column(customer::Column::StoreId).eq(store_id));
    if let Some(search) = filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let pattern = contains_pattern(search);
        all = all.add(
            Condition::any()
                .add(column(customer::Column::Email).like(pattern.clone()))
                .add(column(customer::Column::SortName).like(pattern)),
        );
    }
    if let Some(product_id) = filter.product_id {
        all = all.add(Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from(purchase::Entity)
                .and_where(
                    Expr::col((purchase::Entity, purchase::Column::CustomerId))
                        .equals((customer::Entity, customer::Column::Id)),
                )
                .and_where(
                    Expr::col((purchase::Entity, purchase::Column::ProductId)).eq(product_id),
                )
                .to_owned(),
        ));
    }
    if filter.subscribed_now {
        all = all.add(Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from(subscription::Entity)
                .and_where(
                    Expr::col((subscription::Entity, subscription::Column::CustomerId))
                        .equals((customer::Entity, customer::Column::Id)),
                )
                .and_where(
                    Expr::col((subscription::Entity, subscription::Column::Status))
                        .eq(SubscriptionStatus::Active.as_str()),
                )
                .and_where(
                    Expr::col((subscription::Entity, subscription::Column::CurrentPeriodEnd))
                        .gt(time::now()),
                )
                .to_owned(),
        ));
    }
    if filter.has_refunds {
        all = all.add(column(customer::Column::RefundedCents).gt(0));
    }
    all
}

fn keyset(sort: CustomerSort, direction: SortDirection) -> Keyset {
    let column = |c: customer::Column| Expr::col((customer::Entity, c));
    let (key, kind) = match sort {
        CustomerSort::TotalSpent => (column(customer::Column::TotalSpentCents), KeyKind::Int),
        CustomerSort::LastPurchase => (column(customer::Column::LastPurchaseAt), KeyKind::Time),
        CustomerSort::Purchases => (column(customer::Column::PurchaseCount), KeyKind::Int),
        CustomerSort::Name => (column(customer::Column::SortName), KeyKind::Text),
    };
    Keyset {
        key,
        id: column(customer::Column::Id),
        kind,
        direction,
    }
}

fn cursor(sort: CustomerSort, model: &customer::Model) -> Cursor {
    let key = match sort {
        CustomerSort::TotalSpent => KeyValue::Int(model.total_spent_cents),
        // Every customer has a purchase, so the time is always there.
        CustomerSort::LastPurchase => {
            KeyValue::Time(model.last_purchase_at.unwrap_or(model.created_at))
        }
        CustomerSort::Purchases => KeyValue::Int(i64::from(model.purchase_count)),
        CustomerSort::Name => KeyValue::Text(model.sort_name.clone()),
    };
    Cursor { key, id: model.id }
}

/// Adds products, subscription status and fan score to a page: three queries in all.
async fn customer_rows(
    db: &impl ConnectionTrait,
    store_id: i64,
    models: Vec<customer::Model>,
) -> DomainResult<Vec<CustomerRow>> {
    let ids: Vec<i64> = models.iter().map(|model| model.id).collect();
    let emails: Vec<String> = models.iter().map(|model| model.email.clone()).collect();
    let (mut products, subscriptions, fans) = tokio::try_join!(
        products_by_customer(db, &ids),
        subscription_status_by_customer(db, &ids),
        fan_links(db, store_id, &emails),
    )?;
    Ok(models
        .into_iter()
        .map(|model| {
            let bought = products.remove(&model.id).unwrap_or_default();
            let status = subscriptions.get(&model.id).copied();
            let fan = fans.get(&model.email).cloned();
            customer_row(model, bought, status, fan)
        })
        .collect())
}

/// A customer's row as the list shows it. The list and the customer's own page both build it
/// here, from [`products_bought`] and [`current_status`], so the two cannot disagree.
fn customer_row(
    model: customer::Model,
    products: Vec<i64>,
    subscription: Option<SubscriptionStatus>,
    fan: Option<FanLink>,
) -> CustomerRow {
    CustomerRow {
        products,
        subscription,
        fan,
        id: model.id,
        email: model.email,
        name: model.name,
        total_spent_cents: MinorUnits::new(model.total_spent_cents),
        refunded_cents: MinorUnits::new(model.refunded_cents),
        purchase_count: model.purchase_count,
        first_purchase_at: model.first_purchase_at,
        last_purchase_at: model.last_purchase_at,
    }
}

/// The products a customer bought: each once, by id, however often it was bought.
fn products_bought(product_ids: impl IntoIterator<Item = i64>) -> Vec<i64> {
    let mut ids: Vec<i64> = product_ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// The most current of a customer's subscription statuses: active, then past due, then
/// cancelled (the vocabulary's order).
fn current_status(
    statuses: impl IntoIterator<Item = SubscriptionStatus>,
) -> Option<SubscriptionStatus> {
    statuses.into_iter().min()
}

/// The distinct products each customer bought ([`products_bought`]).
async fn products_by_customer(
    db: &impl ConnectionTrait,
    customer_ids: &[i64],
) -> DomainResult<HashMap<i64, Vec<i64>>> {
    if customer_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let pairs: Vec<(i64, i64)> = purchase::Entity::find()
        .select_only()
        .column(purchase::Column::CustomerId)
        .column(purchase::Column::ProductId)
        .distinct()
        .filter(purchase::Column::CustomerId.is_in(customer_ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    let mut by_customer: HashMap<i64, Vec<i64>> = HashMap::new();
    for (customer_id, product_id) in pairs {
        by_customer.entry(customer_id).or_default().push(product_id);
    }
    Ok(by_customer
        .into_iter()
        .map(|(customer_id, bought)| (customer_id, products_bought(bought)))
        .collect())
}

/// Per customer, the most current subscription status ([`current_status`]). An active
/// subscription whose period has ended without renewal is past due. Reads only the columns
/// the status needs: a page of 50 customers reads this on every view.
async fn subscription_status_by_customer(
    db: &impl ConnectionTrait,
    customer_ids: &[i64],
) -> DomainResult<HashMap<i64, SubscriptionStatus>> {
    if customer_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let now = time::now();
    let rows: Vec<(i64, SubscriptionStatus, chrono::DateTime<chrono::Utc>)> =
        subscription::Entity::find()
            .select_only()
            .column(subscription::Column::CustomerId)
            .column(subscription::Column::Status)
            .column(subscription::Column::CurrentPeriodEnd)
            .filter(subscription::Column::CustomerId.is_in(customer_ids.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
    let mut by_customer: HashMap<i64, Vec<SubscriptionStatus>> = HashMap::new();
    for (customer_id, status, current_period_end) in rows {
        by_customer
            .entry(customer_id)
            .or_default()
            .push(effective_status(status, current_period_end, now));
    }
    Ok(by_customer
        .into_iter()
        .filter_map(|(customer_id, statuses)| Some((customer_id, current_status(statuses)?)))
        .collect())
}

fn effective_status(
    stored: SubscriptionStatus,
    current_period_end: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
) -> SubscriptionStatus {
    match stored {
        SubscriptionStatus::Active if current_period_end <= now => SubscriptionStatus::PastDue,
        other => other,
    }
}

/// The fan profile of each customer on the page, by email: its id (for the link) and score.
async fn fan_links(
    db: &impl ConnectionTrait,
    store_id: i64,
    emails: &[String],
) -> DomainResult<HashMap<String, FanLink>> {
    if emails.is_empty() {
        return Ok(HashMap::new());
    }
    let links: Vec<(i64, String, i64)> = fan::Entity::find()
        .select_only()
        .column(fan::Column::Id)
        .column(fan::Column::Email)
        .column(fan::Column::Score)
        .filter(fan::Column::StoreId.eq(store_id))
        .filter(fan::Column::Email.is_in(emails.iter().cloned()))
        .into_tuple()
        .all(db)
        .await?;
    Ok(links
        .into_iter()
        .map(|(fan_id, email, score)| (email, FanLink { fan_id, score }))
        .collect())
}

/// A customer's whole history and their fan side.
///
/// # Errors
/// `NotFound` for a customer not in this store.
pub async fn customer_detail(
    db: &DatabaseConnection,
    store_id: i64,
    customer_id: i64,
) -> DomainResult<CustomerDetail> {
    let find_customer = async {
        customer::Entity::find_by_id(customer_id)
            .filter(customer::Column::StoreId.eq(store_id))
            .one(db)
            .await?
            .ok_or(DomainError::NotFound("customer"))
    };
    let (store, model) = tokio::try_join!(stores::find_active(db, store_id), find_customer)?;
    let currency = store.currency;
    let email = model.email.clone();
    let now = time::now();
    // The customer's refunds, through their purchases: one statement.
    let their_purchases = Query::select()
        .column(purchase::Column::Id)
        .from(purchase::Entity)
        .and_where(Expr::col(purchase::Column::CustomerId).eq(customer_id))
        .to_owned();
    // The history's parts do not wait on each other: they are read together, each on its
    // own pooled connection, and joined to the purchases' product names afterwards.
    let (purchases, enrollments, subscriptions, refunds, fan) = tokio::try_join!(
        purchase_rows(db, customer_id),
        read(
            enrollment::Entity::find()
                .filter(enrollment::Column::CustomerId.eq(customer_id))
                .order_by_asc(enrollment::Column::EnrolledAt)
                .all(db),
        ),
        read(
            subscription::Entity::find()
                .filter(subscription::Column::CustomerId.eq(customer_id))
                .order_by_asc(subscription::Column::StartedAt)
                .all(db),
        ),
        read(
            refund::Entity::find()
                .filter(refund::Column::PurchaseId.in_subquery(their_purchases))
                .order_by_desc(refund::Column::RefundedAt)
                .order_by_desc(refund::Column::Id)
                .all(db),
        ),
        fan_snapshot(db, store_id, &email),
    )?;

    let name_of = |product_id: i64| {
        purchases
            .iter()
            .find(|purchase| purchase.product_id == product_id)
            .map(|purchase| purchase.product_name.clone())
            .unwrap_or_default()
    };
    let enrollments = enrollments
        .into_iter()
        .map(|row| EnrollmentRow {
            product_name: name_of(row.product_id),
            product_id: row.product_id,
            enrolled_at: row.enrolled_at,
        })
        .collect();
    let subscriptions: Vec<SubscriptionRow> = subscriptions
        .into_iter()
        .map(|row| SubscriptionRow {
            status: effective_status(row.status, row.current_period_end, now),
            product_name: name_of(row.product_id),
            product_id: row.product_id,
            started_at: row.started_at,
            renewed_at: row.renewed_at,
            current_period_end: row.current_period_end,
        })
        .collect();
    // The list's row, from what this page read anyway: the same chips, status and fan link
    // the list would read for this customer.
    let customer = customer_row(
        model,
        products_bought(purchases.iter().map(|purchase| purchase.product_id)),
        current_status(subscriptions.iter().map(|subscription| subscription.status)),
        fan.as_ref().map(|fan| FanLink {
            fan_id: fan.fan_id,
            score: fan.score,
        }),
    );
    let refunds = refunds
        .into_iter()
        .map(|row| RefundRow {
            product_name: purchases
                .iter()
                .find(|purchase| purchase.id == row.purchase_id)
                .map(|purchase| purchase.product_name.clone())
                .unwrap_or_default(),
            id: row.id,
            purchase_id: row.purchase_id,
            amount_cents: MinorUnits::new(row.amount_cents),
            reason: row.reason,
            refunded_at: row.refunded_at,
        })
        .collect();

    Ok(CustomerDetail {
        customer,
        currency,
        purchases,
        enrollments,
        subscriptions,
        refunds,
        fan,
    })
}

/// The customer's fan side, by email: none when their fan profile was erased.
async fn fan_snapshot(
    db: &impl ConnectionTrait,
    store_id: i64,
    email: &str,
) -> DomainResult<Option<FanSnapshot>> {
    let Some(fan) = crate::domain::audience::sync::find_fan_by_email(db, store_id, email).await?
    else {
        return Ok(None);
    };
    Ok(Some(FanSnapshot {
        tags: tag_names_by_fan(db, &[fan.id])
            .await?
            .remove(&fan.id)
            .unwrap_or_default(),
        email_status: fan.email_status,
        fan_id: fan.id,
        score: fan.score,
        last_open_at: fan.last_open_at,
    }))
}

/// A customer's purchases with product names, newest first.
pub(crate) async fn purchase_rows(
    db: &impl ConnectionTrait,
    customer_id: i64,
) -> DomainResult<Vec<PurchaseRow>> {
    let purchases = purchase::Entity::find()
        .filter(purchase::Column::CustomerId.eq(customer_id))
        .order_by_desc(purchase::Column::PurchasedAt)
        .order_by_desc(purchase::Column::Id)
        .all(db)
        .await?;
    let names = product_names(db, purchases.iter().map(|p| p.product_id)).await?;
    Ok(purchases
        .into_iter()
        .map(|row| PurchaseRow {
            product_name: names.get(&row.product_id).cloned().unwrap_or_default(),
            source: row.source,
            currency: row.currency,
            id: row.id,
            product_id: row.product_id,
            amount_cents: MinorUnits::new(row.amount_cents),
            refunded_cents: MinorUnits::new(row.refunded_cents),
            purchased_at: row.purchased_at,
        })
        .collect())
}
