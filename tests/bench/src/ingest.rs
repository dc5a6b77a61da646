//! Purchase ingest: 16 concurrent clients recording purchases through `record_purchase`
//! (the full auto-sync) against 16 clients doing the same writes in raw SQL, one transaction
//! per purchase. Each side writes into a fresh store of a fresh database, and both stores
//! must pass the same invariant audit, which is what makes the raw writes "the same".

use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use sea_orm::DatabaseConnection;
use sea_orm::sqlx;

use encore::domain::accounts::stores::{NewStore, create_store};
use encore::domain::commerce::products::{NewProduct, ProductForm, create_product};
use encore::domain::commerce::purchases::{PurchaseInput, RecordPurchase, record_purchase};
use encore::money::{Currency, MinorUnits};
use encore::server::db;
use encore::vocab::PurchaseSource;
use encore::{domain::audience::scoring, domain::time, tools::audit};

use super::data::{Databases, Engine, owner};
use super::raw::Raw;
use super::report::{Figure, Row, Verdict};

const CLIENTS: usize = 16;
const PRICE_CENTS: i64 = 2900;
const PRODUCT: &str = "Lo-fi Drum Kit";
const DATABASE: &str = "encore_bench_ingest";

#[derive(Debug, Clone, Copy)]
pub struct IngestPlan {
    pub purchases: usize,
    pub rounds: usize,
}

pub async fn run(databases: &Databases, plan: IngestPlan) -> anyhow::Result<Row> {
    databases.recreate(DATABASE).await?;
    let db = db::connect(&databases.url(DATABASE)?).await?;
    db::migrate(&db).await?;
    let owner_id = owner(&db).await?;
    let raw = Raw::of(&db)?;

    let mut app_rates = Vec::new();
    let mut raw_rates = Vec::new();
    for round in 0..plan.rounds {
        let app_store = fresh_store(&db, owner_id, &format!("Ingest app {round}")).await?;
        let raw_store = fresh_store(&db, owner_id, &format!("Ingest raw {round}")).await?;
        let tag_id = customer_tag(&raw, raw_store.0).await?;
        let app_run = async { app_side(&db, app_store, plan.purchases).await };
        let raw_run = async { raw_side(&raw, raw_store, tag_id, plan.purchases).await };
        let (app_took, raw_took) = if round % 2 == 0 {
            let app = app_run.await?;
            (app, raw_run.await?)
        } else {
            let raw = raw_run.await?;
            (app_run.await?, raw)
        };
        if round == 0 {
            same_outcome(&db, &raw, app_store.0, raw_store.0).await?;
        }
        app_rates.push(plan.purchases as f64 / app_took.as_secs_f64());
        raw_rates.push(plan.purchases as f64 / raw_took.as_secs_f64());
    }
    let app = median(&mut app_rates);
    let base = median(&mut raw_rates);
    let ratio = app / base;
    let minimum = match databases.engine {
        Engine::Sqlite => 0.5,
        Engine::Postgres => 0.7,
    };
    Ok(Row {
        workload: format!(
            "Purchase ingest, {CLIENTS} concurrent clients ({} purchases × {} rounds per side)",
            plan.purchases, plan.rounds
        ),
        app: Figure::Rate {
            per_second: app,
            unit: "purchases/s",
        },
        baseline: Figure::Rate {
            per_second: base,
            unit: "purchases/s",
        },
        ratio: Some(ratio),
        target: format!("≥ {minimum}× raw"),
        verdict: Verdict::of(ratio >= minimum),
    })
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or_default()
}

/// A new store with one product: (store id, product id).
async fn fresh_store(
    db: &DatabaseConnection,
    owner_id: i64,
    name: &str,
) -> anyhow::Result<(i64, i64)> {
    let store = create_store(db, owner_id, &NewStore::parse(name, "USD")?).await?;
    let usd = Currency::from_code("USD").context("USD is a known currency")?;
    let form = ProductForm {
        name: PRODUCT,
        kind: "sample_pack",
        price: "29.00",
        is_subscription: false,
    };
    let product = NewProduct::parse(form, usd)?;
    let product = create_product(db, store.id, &product).await?;
    Ok((store.id, product.id))
}

/// The n-th purchase's buyer: half as many buyers as purchases, so some buy twice.
fn buyer(n: usize, purchases: usize) -> String {
    format!("buyer{}@ingest.example.com", n % (purchases / 2).max(1))
}

async fn app_side(
    db: &DatabaseConnection,
    (store_id, product_id): (i64, i64),
    purchases: usize,
) -> anyhow::Result<Duration> {
    let usd = Currency::from_code("USD").context("USD is a known currency")?;
    let started = Instant::now();
    let mut clients = tokio::task::JoinSet::new();
    for client in 0..CLIENTS {
        let db = db.clone();
        clients.spawn(async move {
            for n in (client..purchases).step_by(CLIENTS) {
                let command = RecordPurchase::parse(PurchaseInput {
                    store_id,
                    email: &buyer(n, purchases),
                    name: "",
                    product_id,
                    amount: MinorUnits::new(PRICE_CENTS).of(usd),
                    source: PurchaseSource::Api,
                    external_id: &format!("ingest-{n}"),
                    purchased_at: None,
                })?;
                record_purchase(&db, &command)
                    .await
                    .with_context(|| format!("record_purchase #{n}"))?;
            }
            anyhow::Ok(())
        });
    }
    while let Some(done) = clients.join_next().await {
        done??;
    }
    Ok(started.elapsed())
}

/// The managed `customer` tag of the raw store (made before the clock starts; the app makes
/// its own on the first purchase).
async fn customer_tag(raw: &Raw, store_id: i64) -> anyhow::Result<i64> {
    let sql = "INSERT INTO tags (store_id, key, name, created_at) \
               VALUES ($1, 'customer', 'customer', $2) RETURNING id";
    let id = match raw {
        Raw::Sqlite(pool) => {
            sqlx::query_scalar::<_, i64>(sql)
                .bind(store_id)
                .bind(time::now())
                .fetch_one(pool)
                .await
        }
        Raw::Postgres(pool) => {
            sqlx::query_scalar::<_, i64>(sql)
                .bind(store_id)
                .bind(time::now())
                .fetch_one(pool)
                .await
        }
    };
    id.context("creating the customer tag")
}

/// One purchase in raw SQL: customer upsert, purchase, fan upsert, activity and score, the
/// customer tag; in one transaction (`BEGIN IMMEDIATE` on SQLite, as the app). The rollups
/// are the database's triggers' work on both sides (`encore::domain::derived`).
macro_rules! record_raw {
    ($pool:expr, $begin:expr, $sale:expr) => {
        async {
            let sale = &$sale;
            let now = time::now();
            let mut tx = $pool.begin_with($begin).await?;
            let customer_id: i64 = sqlx::query_scalar(
                "INSERT INTO customers (store_id, email, name, sort_name, total_spent_cents, \
                 refunded_cents, purchase_count, first_purchase_at, last_purchase_at, created_at) \
                 VALUES ($1, $2, '', $2, $3, 0, 1, $4, $4, $4) \
                 ON CONFLICT (store_id, email) DO UPDATE SET \
                 total_spent_cents = customers.total_spent_cents + excluded.total_spent_cents, \
                 purchase_count = customers.purchase_count + excluded.purchase_count, \
                 last_purchase_at = CASE WHEN excluded.last_purchase_at > customers.last_purchase_at \
                 THEN excluded.last_purchase_at ELSE customers.last_purchase_at END \
                 RETURNING id",
            )
            .bind(sale.store_id)
            .bind(&sale.email)
            .bind(PRICE_CENTS)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            let purchase_id: i64 = sqlx::query_scalar(
                "INSERT INTO purchases (store_id, customer_id, product_id, amount_cents, \
                 refunded_cents, currency, source, external_id, purchased_at, created_at) \
                 VALUES ($1, $2, $3, $4, 0, 'USD', 'api', $5, $6, $6) RETURNING id",
            )
            .bind(sale.store_id)
            .bind(customer_id)
            .bind(sale.product_id)
            .bind(PRICE_CENTS)
            .bind(&sale.external_id)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            let fan_id: i64 = sqlx::query_scalar(
                "INSERT INTO fans (store_id, email, name, sort_name, score, goals, email_status, \
                 source, created_at, last_activity_at) \
                 VALUES ($1, $2, '', $2, 0, '', 'subscribed', 'purchase', $3, $3) \
                 ON CONFLICT (store_id, email) DO UPDATE SET name = fans.name RETURNING id",
            )
            .bind(sale.store_id)
            .bind(&sale.email)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            let points = scoring::purchase_points(MinorUnits::new(PRICE_CENTS));
            sqlx::query(
                "INSERT INTO fan_activities (store_id, fan_id, kind, detail, points, reference, \
                 purchase_id, occurred_at) VALUES ($1, $2, 'purchase', $3, $4, $5, $6, $7)",
            )
            .bind(sale.store_id)
            .bind(fan_id)
            .bind(format!("Purchased: {PRODUCT}"))
            .bind(points)
            .bind(format!("purchase:{purchase_id}"))
            .bind(purchase_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE fans SET score = score + $1, last_activity_at = CASE WHEN $2 > \
                 last_activity_at THEN $2 ELSE last_activity_at END WHERE id = $3",
            )
            .bind(points)
            .bind(now)
            .bind(fan_id)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO fan_tags (fan_id, tag_id, store_id, created_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (fan_id, tag_id) DO NOTHING",
            )
            .bind(fan_id)
            .bind(sale.tag_id)
            .bind(sale.store_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok::<(), sqlx::Error>(())
        }
        .await
    };
}

async fn raw_side(
    raw: &Raw,
    (store_id, product_id): (i64, i64),
    tag_id: i64,
    purchases: usize,
) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let mut clients = tokio::task::JoinSet::new();
    for client in 0..CLIENTS {
        let raw = raw.clone();
        clients.spawn(async move {
            for n in (client..purchases).step_by(CLIENTS) {
                let sale = Sale {
                    store_id,
                    product_id,
                    tag_id,
                    email: buyer(n, purchases),
                    external_id: format!("ingest-{n}"),
                };
                match &raw {
                    Raw::Sqlite(pool) => record_raw!(pool, "BEGIN IMMEDIATE", sale),
                    Raw::Postgres(pool) => record_raw!(pool, "BEGIN", sale),
                }
                .with_context(|| format!("raw purchase #{n}"))?;
            }
            anyhow::Ok(())
        });
    }
    while let Some(done) = clients.join_next().await {
        done??;
    }
    Ok(started.elapsed())
}

struct Sale {
    store_id: i64,
    product_id: i64,
    tag_id: i64,
    email: String,
    external_id: String,
}

/// Both stores hold the same facts, and both pass the invariant audit.
async fn same_outcome(
    db: &DatabaseConnection,
    raw: &Raw,
    app_store: i64,
    raw_store: i64,
) -> anyhow::Result<()> {
    for store in [app_store, raw_store] {
        let violations = audit::violations(db, store).await?;
        ensure!(
            violations.is_empty(),
            "ingest store {store} breaks an invariant: {}",
            violations[0]
        );
    }
    let facts = async |store: i64| -> anyhow::Result<Vec<i64>> {
        let mut sql = super::raw::Sql::new(
            "SELECT (SELECT COUNT(*) FROM purchases WHERE store_id = $1), \
             (SELECT COUNT(*) FROM customers WHERE store_id = $1), \
             (SELECT COUNT(*) FROM fans WHERE store_id = $1), \
             (SELECT COUNT(*) FROM fan_tags WHERE store_id = $1), \
             (SELECT COALESCE(CAST(SUM(score) AS BIGINT), 0) FROM fans WHERE store_id = $1), \
             (SELECT COALESCE(CAST(SUM(gross_cents) AS BIGINT), 0) FROM revenue_daily \
              WHERE store_id = $1)",
        );
        sql.binds.push(super::raw::Bind::Int(store));
        let rows: Vec<(i64, i64, i64, i64, i64, i64)> = raw.all(&sql).await?;
        let row = rows.first().context("no facts")?;
        Ok(vec![row.0, row.1, row.2, row.3, row.4, row.5])
    };
    let app = facts(app_store).await?;
    let base = facts(raw_store).await?;
    ensure!(
        app == base,
        "ingest: the app's store {app:?} and the raw store {base:?} differ \
         (purchases, customers, fans, tag links, score sum, rollup gross)"
    );
    Ok(())
}
