//! `encore generate`: a deterministic store of any size for benchmarks, loaded through the
//! bulk path (multi-row inserts in one transaction) instead of one command per purchase.
//! The derived values the domain writes (totals, scores, the customer tag, subscription
//! periods) are computed from the same generated facts the rows come from, and the
//! database's triggers keep the rest as the rows go in (the rollups and counts; see
//! [`crate::domain::derived`]), so the store passes `audit::violations`.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, Utc};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use sea_orm::sea_query::{Alias, Expr, IntoIden, Query, Value};
use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait};

use crate::domain::DomainError;
use crate::domain::DomainResult;
use crate::domain::audience::scoring;
use crate::domain::audience::tags::CUSTOMER_TAG;
use crate::domain::commerce::subscriptions;
use crate::domain::text;
use crate::domain::time;
use crate::domain::tx::begin_write;
use crate::entities::{
    customer, enrollment, fan, fan_activity, fan_genre, fan_tag, product, purchase, refund, store,
    subscription, subscription_period, tag,
};
use crate::money::{Currency, MinorUnits};
use crate::vocab::{ActivityKind, Daw, EmailStatus, FanSource, Genre, ProductKind, SkillLevel};

/// How big a store to make. The same spec always makes the same store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenerateSpec {
    pub fans: usize,
    pub customers: usize,
    pub purchases: usize,
    pub seed: u64,
}

impl GenerateSpec {
    /// # Errors
    /// A sentence naming the flag that cannot work with the others.
    pub fn check(&self) -> Result<(), String> {
        if self.customers > self.fans {
            return Err("--customers cannot exceed --fans: every customer is also a fan".into());
        }
        if self.purchases < self.customers {
            return Err(
                "--purchases must be at least --customers: a customer has bought something".into(),
            );
        }
        if self.customers == 0 && self.purchases > 0 {
            return Err("--purchases needs --customers to buy them".into());
        }
        Ok(())
    }
}

/// What was generated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    pub store_id: i64,
    pub fans: usize,
    pub customers: usize,
    pub purchases: usize,
    pub refunds: usize,
    pub tags: usize,
    pub tag_links: usize,
}

/// The number of ordinary tags; their sizes run from about 50 to 400,000 fans per million.
const TAGS: usize = 200;
const TAG_NAMES: &[&str] = &[
    "newsletter",
    "ableton",
    "beginner",
    "fl-studio",
    "trap",
    "lofi",
    "logic",
    "intermediate",
    "hip-hop",
    "house",
    "advanced",
    "techno",
    "vip",
    "pro",
    "bitwig",
    "drum-and-bass",
    "webinar",
    "black-friday",
    "course-waitlist",
    "ambient",
];

struct Product {
    id: i64,
    name: String,
    kind: ProductKind,
    price: i64,
    subscription: bool,
}

#[derive(Clone, Copy, Default)]
struct CustomerTotals {
    net: i64,
    refunded: i64,
    count: i32,
    first: Option<DateTime<Utc>>,
    last: Option<DateTime<Utc>>,
}

struct Sale {
    customer: usize,
    product: usize,
    amount: i64,
    refunded: i64,
    at: DateTime<Utc>,
    refunded_at: DateTime<Utc>,
}

/// Generates a new store from `spec`.
///
/// # Errors
/// `Invalid` for an impossible spec; database failures (nothing is kept then).
pub async fn generate(
    db: &DatabaseConnection,
    owner_id: i64,
    spec: &GenerateSpec,
) -> DomainResult<Generated> {
    spec.check()
        .map_err(|message| DomainError::invalid("spec", message))?;
    let mut rng = StdRng::seed_from_u64(spec.seed);
    let now = time::now();
    let tx = begin_write(db).await?;

    let store_id = insert_store(&tx, owner_id, spec.seed, now).await?;
    let products = insert_products(&tx, store_id, now).await?;

    // Fans and their profiles.
    let emails: Vec<String> = (0..spec.fans)
        .map(|i| format!("fan{i}@s{}.example.com", spec.seed))
        .collect();
    let mut fan_rows = Vec::with_capacity(spec.fans);
    let mut opened: Vec<Option<DateTime<Utc>>> = Vec::with_capacity(spec.fans);
    let mut last_activity: Vec<DateTime<Utc>> = Vec::with_capacity(spec.fans);
    for (i, email) in emails.iter().enumerate() {
        let name = if rng.random_bool(0.8) {
            format!("Fan {i}")
        } else {
            String::new()
        };
        let created = now - Duration::minutes(rng.random_range(0..730 * 24 * 60));
        let open = rng
            .random_bool(0.6)
            .then(|| now - Duration::minutes(rng.random_range(0..90 * 24 * 60)));
        opened.push(open);
        last_activity.push(open.unwrap_or(created).max(created));
        let status = if rng.random_bool(0.95) {
            EmailStatus::Subscribed
        } else {
            EmailStatus::Unsubscribed
        };
        fan_rows.push(vec![
            store_id.into(),
            email.clone().into(),
            name.clone().into(),
            text::sort_key(&name, email).into(),
            0i64.into(), // score: set below from the activity ledger
            rng.random_bool(0.8)
                .then(|| {
                    Daw::ALL[rng.random_range(0..Daw::ALL.len())]
                        .as_str()
                        .to_owned()
                })
                .into(),
            rng.random_bool(0.7)
                .then(|| SkillLevel::ALL[rng.random_range(0..4)].as_str().to_owned())
                .into(),
            String::new().into(),
            status.as_str().into(),
            if i < spec.customers {
                FanSource::Purchase
            } else {
                FanSource::Import
            }
            .as_str()
            .into(),
            created.into(),
            created.into(), // last activity: set below once the sales are known
            open.into(),
            Option::<DateTime<Utc>>::None.into(),
        ]);
    }

    // Sales: every customer buys once, the rest of the purchases go to random customers.
    let mut sales = Vec::with_capacity(spec.purchases);
    for n in 0..spec.purchases {
        let customer = if n < spec.customers {
            n
        } else {
            rng.random_range(0..spec.customers)
        };
        let product = rng.random_range(0..products.len());
        let price = products[product].price;
        let amount = if rng.random_bool(0.2) {
            price - price / 5
        } else {
            price
        };
        let at = now - Duration::minutes(rng.random_range(1..365 * 24 * 60));
        let refunded = if rng.random_bool(0.03) && amount > 0 {
            if rng.random_bool(0.5) {
                amount
            } else {
                rng.random_range(1..=amount)
            }
        } else {
            0
        };
        let refunded_at = std::cmp::min(at + Duration::days(rng.random_range(0..14)), now);
        sales.push(Sale {
            customer,
            product,
            amount,
            refunded,
            at,
            refunded_at,
        });
    }

    // The activity ledger: purchases, refunds, opens. Scores are its sums.
    let mut scores = vec![0i64; spec.fans];
    for sale in &sales {
        // A purchase's points, less what its refund took back.
        scores[sale.customer] +=
            scoring::purchase_points(MinorUnits::new(sale.amount - sale.refunded));
    }
    for (i, open) in opened.iter().enumerate() {
        if open.is_some() {
            scores[i] += scoring::Engagement::Open.points();
        }
    }
    for sale in &sales {
        last_activity[sale.customer] = last_activity[sale.customer]
            .max(sale.at)
            .max(sale.refunded_at);
    }
    for ((row, score), last) in fan_rows.iter_mut().zip(&scores).zip(&last_activity) {
        row[4] = (*score).into();
        row[11] = (*last).into();
    }
    let fan_ids = insert_returning_ids(
        &tx,
        fan::Entity,
        &fan_columns(),
        fan_rows,
        fan::Column::Email,
    )
    .await?;
    let fan_id = |i: usize| fan_ids.get(&emails[i]).copied().unwrap_or_default();

    // Genres (one to two for most fans).
    let mut genre_rows = Vec::new();
    for i in 0..spec.fans {
        let count = rng.random_range(0..3);
        for genre in Genre::ALL[..12].choose_multiple(&mut rng, count) {
            genre_rows.push(vec![
                fan_id(i).into(),
                genre.as_str().into(),
                store_id.into(),
            ]);
        }
    }
    insert_rows(
        &tx,
        fan_genre::Entity,
        &[
            fan_genre::Column::FanId,
            fan_genre::Column::Genre,
            fan_genre::Column::StoreId,
        ],
        genre_rows,
    )
    .await?;

    // Tags: sizes from a steep curve, members drawn at random.
    let sizes = tag_sizes(spec.fans);
    let mut tag_rows = Vec::new();
    let mut tag_keys = Vec::new();
    for i in 0..TAGS {
        let key = TAG_NAMES
            .get(i)
            .map_or_else(|| format!("segment-{i:03}"), |name| (*name).to_owned());
        tag_rows.push(vec![
            store_id.into(),
            key.clone().into(),
            key.clone().into(),
            now.into(),
        ]);
        tag_keys.push(key);
    }
    let paying: Vec<bool> = {
        let mut paying = vec![false; spec.fans];
        for sale in &sales {
            if sale.refunded < sale.amount {
                paying[sale.customer] = true;
            }
        }
        paying
    };
    if paying.iter().any(|p| *p) {
        tag_rows.push(vec![
            store_id.into(),
            CUSTOMER_TAG.into(),
            CUSTOMER_TAG.into(),
            now.into(),
        ]);
        tag_keys.push(CUSTOMER_TAG.to_owned());
    }
    let tag_ids = insert_returning_ids(
        &tx,
        tag::Entity,
        &[
            tag::Column::StoreId,
            tag::Column::Key,
            tag::Column::Name,
            tag::Column::CreatedAt,
        ],
        tag_rows,
        tag::Column::Key,
    )
    .await?;
    let mut link_rows = Vec::new();
    for (i, size) in sizes.iter().enumerate() {
        let tag_id = tag_ids[&tag_keys[i]];
        for member in rand::seq::index::sample(&mut rng, spec.fans, *size) {
            link_rows.push(vec![
                fan_id(member).into(),
                tag_id.into(),
                store_id.into(),
                now.into(),
                scores[member].into(),
            ]);
        }
    }
    if let Some(customer_tag) = tag_ids.get(CUSTOMER_TAG) {
        for (i, _) in paying.iter().enumerate().filter(|(_, paying)| **paying) {
            link_rows.push(vec![
                fan_id(i).into(),
                (*customer_tag).into(),
                store_id.into(),
                now.into(),
                scores[i].into(),
            ]);
        }
    }
    let tag_links = link_rows.len();
    insert_rows(
        &tx,
        fan_tag::Entity,
        &[
            fan_tag::Column::FanId,
            fan_tag::Column::TagId,
            fan_tag::Column::StoreId,
            fan_tag::Column::CreatedAt,
            // The fans' scores, as the triggers would copy them (migration 10).
            fan_tag::Column::Score,
        ],
        link_rows,
    )
    .await?;

    // Customers, with totals from their sales.
    let mut totals = vec![CustomerTotals::default(); spec.customers];
    for sale in &sales {
        let total = &mut totals[sale.customer];
        total.net += sale.amount - sale.refunded;
        total.refunded += sale.refunded;
        total.count += 1;
        total.first = Some(total.first.map_or(sale.at, |first| first.min(sale.at)));
        total.last = Some(total.last.map_or(sale.at, |last| last.max(sale.at)));
    }
    let customer_rows = (0..spec.customers)
        .map(|i| {
            let CustomerTotals {
                net,
                refunded,
                count,
                first,
                last,
            } = totals[i];
            vec![
                store_id.into(),
                emails[i].clone().into(),
                String::new().into(),
                emails[i].clone().into(),
                net.into(),
                refunded.into(),
                count.into(),
                first.into(),
                last.into(),
                now.into(),
            ]
        })
        .collect();
    let customer_ids = insert_returning_ids(
        &tx,
        customer::Entity,
        &customer_columns(),
        customer_rows,
        customer::Column::Email,
    )
    .await?;
    let customer_id = |i: usize| customer_ids.get(&emails[i]).copied().unwrap_or_default();

    // Purchases and what hangs off them.
    let purchase_rows = sales
        .iter()
        .enumerate()
        .map(|(n, sale)| {
            vec![
                store_id.into(),
                customer_id(sale.customer).into(),
                products[sale.product].id.into(),
                sale.amount.into(),
                sale.refunded.into(),
                "USD".into(),
                "import".into(),
                format!("gen-{n}").into(),
                sale.at.into(),
                now.into(),
            ]
        })
        .collect();
    let purchase_ids = insert_returning_ids(
        &tx,
        purchase::Entity,
        &purchase_columns(),
        purchase_rows,
        purchase::Column::ExternalId,
    )
    .await?;
    let purchase_id = |n: usize| {
        purchase_ids
            .get(&format!("gen-{n}"))
            .copied()
            .unwrap_or_default()
    };

    let mut refund_rows = Vec::new();
    let mut activity_rows = Vec::new();
    let mut enrollments: BTreeMap<(usize, usize), usize> = BTreeMap::new();
    let mut memberships: BTreeMap<(usize, usize), Vec<DateTime<Utc>>> = BTreeMap::new();
    for (n, sale) in sales.iter().enumerate() {
        let product = &products[sale.product];
        let id = purchase_id(n);
        let points = scoring::purchase_points(MinorUnits::new(sale.amount));
        activity_rows.push(activity(
            store_id,
            fan_id(sale.customer),
            ActivityKind::Purchase,
            format!("Purchased: {}", product.name),
            points,
            Some(format!("purchase:{id}")),
            Some(id),
            sale.at,
        ));
        if sale.refunded > 0 {
            refund_rows.push(vec![
                store_id.into(),
                id.into(),
                sale.refunded.into(),
                String::new().into(),
                format!("gen-{n}").into(),
                sale.refunded_at.into(),
                now.into(),
            ]);
            let delta =
                scoring::purchase_points(MinorUnits::new(sale.amount - sale.refunded)) - points;
            activity_rows.push(activity(
                store_id,
                fan_id(sale.customer),
                ActivityKind::Refund,
                format!("Refunded: {}", product.name),
                delta,
                Some(format!("refund:gen-{n}")),
                Some(id),
                sale.refunded_at,
            ));
        }
        if product.kind == ProductKind::Course {
            enrollments
                .entry((sale.customer, sale.product))
                .or_insert(n);
        }
        if product.subscription {
            memberships
                .entry((sale.customer, sale.product))
                .or_default()
                .push(sale.at);
        }
    }
    let refunds = refund_rows.len();
    insert_rows(&tx, refund::Entity, &refund_columns(), refund_rows).await?;
    for (i, open) in opened.iter().enumerate() {
        if let Some(at) = open {
            activity_rows.push(activity(
                store_id,
                fan_id(i),
                ActivityKind::Open,
                "Opened: generated campaign".into(),
                1,
                Some("open:generated".into()),
                None,
                *at,
            ));
        }
    }
    insert_rows(
        &tx,
        fan_activity::Entity,
        &activity_columns(),
        activity_rows,
    )
    .await?;

    let enrollment_rows = enrollments
        .iter()
        .map(|((customer, product), n)| {
            vec![
                store_id.into(),
                customer_id(*customer).into(),
                products[*product].id.into(),
                purchase_id(*n).into(),
                sales[*n].at.into(),
            ]
        })
        .collect();
    insert_rows(
        &tx,
        enrollment::Entity,
        &[
            enrollment::Column::StoreId,
            enrollment::Column::CustomerId,
            enrollment::Column::ProductId,
            enrollment::Column::PurchaseId,
            enrollment::Column::EnrolledAt,
        ],
        enrollment_rows,
    )
    .await?;
    // Each membership's payments in time order make its periods, as recording them would.
    let mut subscription_rows = Vec::with_capacity(memberships.len());
    let mut period_rows = Vec::new();
    for ((customer, product), mut payments) in memberships {
        payments.sort_unstable();
        let periods = subscriptions::periods_of(&payments);
        let (Some(first), Some(last), Some(latest)) =
            (payments.first(), payments.last(), periods.last())
        else {
            continue;
        };
        let (customer_id, product_id) = (customer_id(customer), products[product].id);
        subscription_rows.push(vec![
            store_id.into(),
            customer_id.into(),
            product_id.into(),
            "active".into(),
            (*first).into(),
            (*last).into(),
            latest.1.into(),
            Option::<DateTime<Utc>>::None.into(),
        ]);
        let subscription_id = subscription_id_of(customer_id, product_id);
        for (started_at, ended_at) in periods {
            period_rows.push(vec![
                Expr::val(store_id),
                subscription_id.clone(),
                Expr::val(started_at),
                Expr::val(ended_at),
            ]);
        }
    }
    insert_rows(
        &tx,
        subscription::Entity,
        &subscription_columns(),
        subscription_rows,
    )
    .await?;
    insert_expr_rows(
        &tx,
        subscription_period::Entity,
        &[
            subscription_period::Column::StoreId,
            subscription_period::Column::SubscriptionId,
            subscription_period::Column::StartedAt,
            subscription_period::Column::EndedAt,
        ],
        period_rows,
    )
    .await?;
    tx.commit().await?;
    refresh_statistics(db).await?;
    Ok(Generated {
        store_id,
        fans: spec.fans,
        customers: spec.customers,
        purchases: spec.purchases,
        refunds,
        tags: tag_ids.len(),
        tag_links,
    })
}

/// A bulk load leaves PostgreSQL without planner statistics until autovacuum comes round
/// (minutes later, or never on a quiet server): it then guesses ~30 fans per store and walks
/// every fan for a rare tag (180 ms instead of 0.3 ms at 100k fans). VACUUM also sets the
/// visibility map, so counts become index-only scans. SQLite's planner needs no statistics
/// for Encore's queries (their shape is chosen by the domain; see `domain::audience::filter`).
async fn refresh_statistics(db: &DatabaseConnection) -> DomainResult<()> {
    if db.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        db.execute_unprepared("VACUUM ANALYZE").await?;
    }
    Ok(())
}

/// Tag sizes for a store of `fans`: 50 · 8000^((i/199)³) per million fans, at least one
/// member each (while there are fans).
fn tag_sizes(fans: usize) -> Vec<usize> {
    let scale = fans as f64 / 1_000_000.0;
    let mut sizes: Vec<usize> = (0..TAGS)
        .map(|i| {
            let x = i as f64 / (TAGS - 1) as f64;
            let size = 50.0 * 8000f64.powf(x.powi(3)) * scale;
            (size.round() as usize).clamp(fans.min(1), fans)
        })
        .collect();
    sizes.reverse(); // the first names ("newsletter", "ableton") are the biggest tags
    sizes
}

#[allow(clippy::too_many_arguments)]
fn activity(
    store_id: i64,
    fan_id: i64,
    kind: ActivityKind,
    detail: String,
    points: i64,
    reference: Option<String>,
    purchase_id: Option<i64>,
    at: DateTime<Utc>,
) -> Vec<Value> {
    vec![
        store_id.into(),
        fan_id.into(),
        kind.as_str().into(),
        detail.into(),
        points.into(),
        reference.into(),
        purchase_id.into(),
        at.into(),
    ]
}

async fn insert_store(
    tx: &DatabaseTransaction,
    owner_id: i64,
    seed: u64,
    now: DateTime<Utc>,
) -> DomainResult<i64> {
    let created = store::Entity::insert(store::ActiveModel {
        name: sea_orm::ActiveValue::Set(format!("Generated store (seed {seed})")),
        currency: sea_orm::ActiveValue::Set(Currency::USD),
        created_at: sea_orm::ActiveValue::Set(now),
        archived_at: sea_orm::ActiveValue::Set(None),
        owner_id: sea_orm::ActiveValue::Set(Some(owner_id)),
        ..Default::default()
    })
    .exec(tx)
    .await?;
    Ok(created.last_insert_id)
}

async fn insert_products(
    tx: &DatabaseTransaction,
    store_id: i64,
    now: DateTime<Utc>,
) -> DomainResult<Vec<Product>> {
    let catalogue = [
        ("Mixing Masterclass", ProductKind::Course, 9900, false),
        ("Mastering Course", ProductKind::Course, 14900, false),
        ("Lo-fi Drum Kit", ProductKind::SamplePack, 2900, false),
        ("Trap Essentials", ProductKind::SamplePack, 3900, false),
        ("Vocal Chops", ProductKind::SamplePack, 1900, false),
        ("Serum Presets", ProductKind::Preset, 1900, false),
        ("Analog Presets", ProductKind::Preset, 999, false),
        ("Mix Feedback Session", ProductKind::Coaching, 14900, false),
        ("Feedback Club", ProductKind::Membership, 1500, true),
        ("Stems Bundle", ProductKind::Other, 4900, false),
    ];
    let mut products = Vec::new();
    for (name, kind, price, subscription) in catalogue {
        let created = product::Entity::insert(product::ActiveModel {
            store_id: sea_orm::ActiveValue::Set(store_id),
            name: sea_orm::ActiveValue::Set(name.into()),
            kind: sea_orm::ActiveValue::Set(kind),
            price_cents: sea_orm::ActiveValue::Set(price),
            is_subscription: sea_orm::ActiveValue::Set(subscription),
            created_at: sea_orm::ActiveValue::Set(now),
            archived_at: sea_orm::ActiveValue::Set(None),
            ..Default::default()
        })
        .exec(tx)
        .await?;
        products.push(Product {
            id: created.last_insert_id,
            name: name.into(),
            kind,
            price,
            subscription,
        });
    }
    Ok(products)
}

/// Rows per INSERT: large enough to be fast, small enough for SQLite's and PostgreSQL's
/// limits on bound parameters.
fn batch_size(columns: usize) -> usize {
    (20_000 / columns.max(1)).clamp(1, 1_000)
}

async fn insert_rows<E: EntityTrait>(
    tx: &DatabaseTransaction,
    entity: E,
    columns: &[E::Column],
    rows: Vec<Vec<Value>>,
) -> DomainResult<()> {
    let rows = rows
        .into_iter()
        .map(|row| row.into_iter().map(Expr::from).collect())
        .collect();
    insert_expr_rows(tx, entity, columns, rows).await
}

/// As [`insert_rows`], for rows whose cells may be expressions (a sub-query for an id).
async fn insert_expr_rows<E: EntityTrait>(
    tx: &DatabaseTransaction,
    entity: E,
    columns: &[E::Column],
    rows: Vec<Vec<Expr>>,
) -> DomainResult<()> {
    for chunk in rows.chunks(batch_size(columns.len())) {
        let mut insert = Query::insert();
        insert
            .into_table(entity.into_iden())
            .columns(columns.iter().copied());
        for row in chunk {
            insert
                .values(row.iter().cloned())
                .map_err(|error| DomainError::Corrupt(format!("generated row: {error}")))?;
        }
        tx.execute(&insert).await?;
    }
    Ok(())
}

/// Inserts rows and returns their ids by a unique text column (email, key, external id).
async fn insert_returning_ids<E: EntityTrait>(
    tx: &DatabaseTransaction,
    entity: E,
    columns: &[E::Column],
    rows: Vec<Vec<Value>>,
    key: E::Column,
) -> DomainResult<HashMap<String, i64>> {
    let mut ids = HashMap::with_capacity(rows.len());
    for chunk in rows.chunks(batch_size(columns.len())) {
        let mut insert = Query::insert();
        insert
            .into_table(entity.into_iden())
            .columns(columns.iter().copied());
        for row in chunk {
            insert
                .values(row.iter().cloned().map(Into::into))
                .map_err(|error| DomainError::Corrupt(format!("generated row: {error}")))?;
        }
        insert
            .returning(Query::returning().columns([Alias::new("id").into_iden(), key.into_iden()]));
        for row in tx.query_all(&insert).await? {
            ids.insert(
                row.try_get_by_index::<String>(1)?,
                row.try_get_by_index::<i64>(0)?,
            );
        }
    }
    Ok(ids)
}

fn fan_columns() -> Vec<fan::Column> {
    use fan::Column as C;
    vec![
        C::StoreId,
        C::Email,
        C::Name,
        C::SortName,
        C::Score,
        C::Daw,
        C::SkillLevel,
        C::Goals,
        C::EmailStatus,
        C::Source,
        C::CreatedAt,
        C::LastActivityAt,
        C::LastOpenAt,
        C::LastClickAt,
    ]
}

fn customer_columns() -> Vec<customer::Column> {
    use customer::Column as C;
    vec![
        C::StoreId,
        C::Email,
        C::Name,
        C::SortName,
        C::TotalSpentCents,
        C::RefundedCents,
        C::PurchaseCount,
        C::FirstPurchaseAt,
        C::LastPurchaseAt,
        C::CreatedAt,
    ]
}

fn purchase_columns() -> Vec<purchase::Column> {
    use purchase::Column as C;
    vec![
        C::StoreId,
        C::CustomerId,
        C::ProductId,
        C::AmountCents,
        C::RefundedCents,
        C::Currency,
        C::Source,
        C::ExternalId,
        C::PurchasedAt,
        C::CreatedAt,
    ]
}

fn refund_columns() -> Vec<refund::Column> {
    use refund::Column as C;
    vec![
        C::StoreId,
        C::PurchaseId,
        C::AmountCents,
        C::Reason,
        C::RequestKey,
        C::RefundedAt,
        C::CreatedAt,
    ]
}

fn activity_columns() -> Vec<fan_activity::Column> {
    use fan_activity::Column as C;
    vec![
        C::StoreId,
        C::FanId,
        C::Kind,
        C::Detail,
        C::Points,
        C::Reference,
        C::PurchaseId,
        C::OccurredAt,
    ]
}

/// The id of the subscription of a (customer, product), as a sub-query: the generator
/// inserts subscriptions in bulk without reading their ids back.
fn subscription_id_of(customer_id: i64, product_id: i64) -> Expr {
    use sea_orm::sea_query::ExprTrait as _;
    let select = Query::select()
        .column(subscription::Column::Id)
        .from(subscription::Entity)
        .and_where(Expr::col(subscription::Column::CustomerId).eq(customer_id))
        .and_where(Expr::col(subscription::Column::ProductId).eq(product_id))
        .to_owned();
    Expr::SubQuery(None, Box::new(select.into()))
}

fn subscription_columns() -> Vec<subscription::Column> {
    use subscription::Column as C;
    vec![
        C::StoreId,
        C::CustomerId,
        C::ProductId,
        C::Status,
        C::StartedAt,
        C::RenewedAt,
        C::CurrentPeriodEnd,
        C::CancelledAt,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_million_fans_get_about_three_million_tag_links() {
        let sizes = tag_sizes(1_000_000);
        assert_eq!(sizes.len(), TAGS);
        assert_eq!(sizes[0], 400_000);
        assert_eq!(*sizes.last().unwrap(), 50);
        let links: usize = sizes.iter().sum();
        assert!((2_500_000..3_500_000).contains(&links), "{links}");
    }

    #[test]
    fn impossible_specs_are_refused() {
        let spec = |fans, customers, purchases| GenerateSpec {
            fans,
            customers,
            purchases,
            seed: 1,
        };
        assert!(spec(10, 20, 20).check().is_err());
        assert!(spec(10, 5, 4).check().is_err());
        assert!(spec(10, 0, 3).check().is_err());
        assert!(spec(10, 5, 50).check().is_ok());
        assert!(spec(0, 0, 0).check().is_ok());
    }
}
