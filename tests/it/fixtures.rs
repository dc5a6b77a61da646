//! Small builders the domain tests share: a store, products, purchases, and reads of what a
//! test wants to check.

use encore::domain::accounts::stores::{NewStore, create_store};
use encore::domain::commerce::products::{NewProduct, create_product};
use encore::domain::commerce::purchases::{PurchaseInput, RecordPurchase, record_purchase};
use encore::domain::commerce::refunds::{RefundInput, RefundPurchase};
use encore::dto::{ProductSummary, PurchaseReceipt};
use encore::entities::{customer, fan, fan_activity, fan_tag, tag};
use encore::money::{Currency, MinorUnits, Money};
use encore::vocab::{ProductKind, PurchaseSource};
use encore::{domain::DomainResult, tools::audit};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use std::sync::{Arc, Mutex};

/// A creator account (with an unusable password: these tests never log in).
pub async fn creator(db: &DatabaseConnection) -> i64 {
    use encore::entities::creator;
    use sea_orm::{ActiveValue::Set, EntityTrait};
    let now = encore::domain::time::now();
    creator::Entity::insert(creator::ActiveModel {
        email: Set(format!("owner{}@example.com", rand::random::<u64>())),
        password_hash: Set("not-a-hash".to_owned()),
        created_at: Set(now),
        password_changed_at: Set(now),
        ..Default::default()
    })
    .exec(db)
    .await
    .unwrap()
    .last_insert_id
}

/// A count of minor units, as the DTOs carry amounts.
pub fn cents(minor: i64) -> MinorUnits {
    MinorUnits::new(minor)
}

/// An amount in US cents: the currency of every store [`store`] makes.
pub fn usd(cents: i64) -> Money {
    MinorUnits::new(cents).of(Currency::from_code("USD").unwrap())
}

/// A store with its own owner.
pub async fn store(db: &DatabaseConnection) -> i64 {
    let owner = creator(db).await;
    create_store(
        db,
        owner,
        &NewStore::parse("Night Owl Beats", "USD").unwrap(),
    )
    .await
    .unwrap()
    .id
}

pub async fn product(
    db: &DatabaseConnection,
    store_id: i64,
    name: &str,
    kind: ProductKind,
    price_cents: i64,
    is_subscription: bool,
) -> ProductSummary {
    create_product(
        db,
        store_id,
        &NewProduct::new(name, kind, usd(price_cents), is_subscription).unwrap(),
    )
    .await
    .unwrap()
}

pub async fn masterclass(db: &DatabaseConnection, store_id: i64) -> ProductSummary {
    product(
        db,
        store_id,
        "Mixing Masterclass",
        ProductKind::Course,
        9900,
        false,
    )
    .await
}

/// A $29 sample pack: neither a course nor a subscription.
pub async fn drum_kit(db: &DatabaseConnection, store_id: i64) -> ProductSummary {
    product(
        db,
        store_id,
        "Lo-fi Drum Kit",
        ProductKind::SamplePack,
        2900,
        false,
    )
    .await
}

/// A monthly membership: the subscription product of the tests.
pub async fn feedback_club(db: &DatabaseConnection, store_id: i64) -> ProductSummary {
    product(
        db,
        store_id,
        "Feedback Club",
        ProductKind::Membership,
        1500,
        true,
    )
    .await
}

/// A webhook's report of a purchase, now, by a buyer without a name: for tests to adjust.
pub fn input<'a>(
    store_id: i64,
    product_id: i64,
    email: &'a str,
    amount_cents: i64,
    key: &'a str,
) -> PurchaseInput<'a> {
    PurchaseInput {
        store_id,
        email,
        name: "",
        product_id,
        amount: usd(amount_cents),
        source: PurchaseSource::Webhook,
        external_id: key,
        purchased_at: None,
    }
}

pub fn purchase(
    store_id: i64,
    product_id: i64,
    email: &str,
    amount_cents: i64,
    key: &str,
) -> RecordPurchase {
    RecordPurchase::parse(input(store_id, product_id, email, amount_cents, key)).unwrap()
}

/// A refund request, now, without a reason: for tests to adjust. `None` refunds all that
/// remains.
pub fn refund_input(
    store_id: i64,
    purchase_id: i64,
    amount_cents: Option<i64>,
    key: &str,
) -> RefundInput<'_> {
    RefundInput {
        store_id,
        purchase_id,
        amount: amount_cents.map(usd),
        reason: "",
        request_key: key,
        refunded_at: None,
    }
}

pub fn refund_of(
    store_id: i64,
    purchase_id: i64,
    amount_cents: Option<i64>,
    key: &str,
) -> RefundPurchase {
    RefundPurchase::parse(refund_input(store_id, purchase_id, amount_cents, key)).unwrap()
}

pub async fn buy(
    db: &DatabaseConnection,
    store_id: i64,
    product_id: i64,
    email: &str,
    amount_cents: i64,
    key: &str,
) -> PurchaseReceipt {
    record_purchase(
        db,
        &purchase(store_id, product_id, email, amount_cents, key),
    )
    .await
    .unwrap()
}

pub async fn customer_by_email(
    db: &DatabaseConnection,
    store_id: i64,
    email: &str,
) -> Option<customer::Model> {
    customer::Entity::find()
        .filter(customer::Column::StoreId.eq(store_id))
        .filter(customer::Column::Email.eq(email))
        .one(db)
        .await
        .unwrap()
}

pub async fn fan_by_email(
    db: &DatabaseConnection,
    store_id: i64,
    email: &str,
) -> Option<fan::Model> {
    fan::Entity::find()
        .filter(fan::Column::StoreId.eq(store_id))
        .filter(fan::Column::Email.eq(email))
        .one(db)
        .await
        .unwrap()
}

/// The fan's tag names, sorted.
pub async fn tags_of(db: &DatabaseConnection, fan_id: i64) -> Vec<String> {
    let links = fan_tag::Entity::find()
        .filter(fan_tag::Column::FanId.eq(fan_id))
        .all(db)
        .await
        .unwrap();
    let mut names = Vec::new();
    for link in links {
        let tag = tag::Entity::find_by_id(link.tag_id)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        names.push(tag.name);
    }
    names.sort();
    names
}

/// (detail, points) of the fan's activities, oldest first.
pub async fn activities_of(db: &DatabaseConnection, fan_id: i64) -> Vec<(String, i64)> {
    fan_activity::Entity::find()
        .filter(fan_activity::Column::FanId.eq(fan_id))
        .order_by_asc(fan_activity::Column::Id)
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|activity| (activity.detail, activity.points))
        .collect()
}

/// Fails the test with every broken invariant of the store.
pub async fn assert_invariants(db: &DatabaseConnection, store_id: i64) {
    let violations: DomainResult<Vec<String>> = audit::violations(db, store_id).await;
    let violations = violations.expect("audit the store");
    assert!(
        violations.is_empty(),
        "invariants broken:\n{}",
        violations.join("\n")
    );
}

/// Row counts of every table, to show that a rejected command changed nothing.
pub async fn table_counts(db: &DatabaseConnection) -> Vec<(&'static str, i64)> {
    use sea_orm::{ConnectionTrait, Statement};
    let mut counts = Vec::new();
    for table in [
        "stores",
        "products",
        "customers",
        "purchases",
        "refunds",
        "enrollments",
        "subscriptions",
        "subscription_periods",
        "subscription_daily",
        "revenue_daily",
        "fans",
        "fan_genres",
        "tags",
        "fan_tags",
        "fan_activities",
        "store_email_settings",
        "campaigns",
        "campaign_recipients",
        "bulk_tag_jobs",
    ] {
        let row = db
            .query_one_raw(Statement::from_string(
                db.get_database_backend(),
                format!("SELECT COUNT(*) FROM {table}"),
            ))
            .await
            .unwrap()
            .unwrap();
        counts.push((table, row.try_get_by_index::<i64>(0).unwrap()));
    }
    counts
}

/// A digest of every value that commands change (totals, scores, rollup), to compare states.
pub async fn state_digest(db: &DatabaseConnection) -> String {
    use sea_orm::{ConnectionTrait, Statement};
    let mut digest = String::new();
    for sql in [
        "SELECT id, total_spent_cents, refunded_cents, purchase_count FROM customers ORDER BY id",
        "SELECT id, score FROM fans ORDER BY id",
        "SELECT store_id, product_id, gross_cents, refunds_cents, orders FROM revenue_daily ORDER BY store_id, product_id, gross_cents",
        "SELECT id, refunded_cents FROM purchases ORDER BY id",
    ] {
        for row in db
            .query_all_raw(Statement::from_string(
                db.get_database_backend(),
                sql.to_owned(),
            ))
            .await
            .unwrap()
        {
            let mut values = Vec::new();
            for index in 0.. {
                match row.try_get_by_index::<i64>(index) {
                    Ok(value) => values.push(value.to_string()),
                    Err(_) => break,
                }
            }
            digest.push_str(&values.join(","));
            digest.push('\n');
        }
    }
    digest
}

/// A connection to the same database that records the SQL of every statement it runs (in
/// transactions too; `BEGIN` and `COMMIT` are not statements here), for tests that pin down
/// how many round trips an operation costs.
pub fn recording(db: &DatabaseConnection) -> (DatabaseConnection, Arc<Mutex<Vec<String>>>) {
    let statements = Arc::new(Mutex::new(Vec::new()));
    let mut recorded = db.clone();
    let sink = Arc::clone(&statements);
    recorded.set_metric_callback(move |info| {
        sink.lock().unwrap().push(info.statement.sql.clone());
    });
    (recorded, statements)
}
