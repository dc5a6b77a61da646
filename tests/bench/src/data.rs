//! The benchmark's data: a generated store per size and engine, made once and reused while
//! its spec is unchanged (a marker table in the database records the spec), plus the
//! creator who owns it.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::ValueEnum;
use sea_orm::sqlx::{self, Connection as _, PgConnection};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use encore::domain::accounts::creators::{NewPassword, sign_up};
use encore::domain::email::Email;
use encore::entities::creator;
use encore::server::db;
use encore::tools::generate::{GenerateSpec, generate};
use encore::{tools::audit, tools::demo};

use super::raw::{self, Bind, Raw, Sql};

/// Where the SQLite files and reports go.
pub const BENCH_DIR: &str = "target/bench";
/// The PostgreSQL server the benchmark databases are created on (a database URL; the
/// database named in it is only used to create and drop the others).
pub const DEFAULT_SERVER_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
/// Bumped when the generator changes what it makes, so stale data is regenerated.
/// 2: the generator refreshes PostgreSQL's planner statistics after the bulk load.
/// 3: the schema has the customer rollups of migration 6 (new data fills them).
/// 4: subscriptions have their periods (migration 9), made from their payments, and tag
/// links carry their fans' scores (migration 10).
const GENERATOR_VERSION: u32 = 4;
/// The creator who owns the benchmark stores.
const OWNER_EMAIL: &str = "bench@example.com";

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Size {
    /// 10k fans: the smoke size.
    #[value(name = "S", alias = "s")]
    S,
    /// 100k fans.
    #[value(name = "M", alias = "m")]
    M,
    /// 1M fans, ~3M tag links, 200k customers, 2M purchases.
    #[value(name = "L", alias = "l")]
    L,
}

impl Size {
    pub fn spec(self) -> GenerateSpec {
        let fans = match self {
            Size::S => 10_000,
            Size::M => 100_000,
            Size::L => 1_000_000,
        };
        GenerateSpec {
            fans,
            customers: fans / 5,
            purchases: fans * 2,
            seed: 7,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Size::S => "S",
            Size::M => "M",
            Size::L => "L",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub fn label(self) -> &'static str {
        match self {
            Engine::Sqlite => "SQLite",
            Engine::Postgres => "PostgreSQL",
        }
    }
}

/// Where one engine's databases live.
#[derive(Debug, Clone)]
pub struct Databases {
    pub engine: Engine,
    /// `BENCH_DATABASE_URL` (PostgreSQL only).
    pub server_url: String,
}

impl Databases {
    /// The URL of the database called `name` (a file under target/bench for SQLite).
    pub fn url(&self, name: &str) -> anyhow::Result<String> {
        match self.engine {
            Engine::Sqlite => Ok(format!("sqlite://{BENCH_DIR}/{name}.db")),
            Engine::Postgres => with_database(&self.server_url, name),
        }
    }

    /// Deletes the database called `name` if it exists, and makes an empty one.
    pub async fn recreate(&self, name: &str) -> anyhow::Result<()> {
        match self.engine {
            Engine::Sqlite => {
                for suffix in ["", "-wal", "-shm"] {
                    let file = PathBuf::from(format!("{BENCH_DIR}/{name}.db{suffix}"));
                    if file.exists() {
                        std::fs::remove_file(&file)
                            .with_context(|| format!("cannot delete {}", file.display()))?;
                    }
                }
                Ok(())
            }
            Engine::Postgres => {
                let mut server = self.server().await?;
                // The name is ours (encore_bench_…), never user input; identifiers cannot be bound.
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .execute(&mut server)
                .await
                .with_context(|| format!("cannot drop the database {name}"))?;
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut server)
                    .await
                    .with_context(|| format!("cannot create the database {name}"))?;
                Ok(())
            }
        }
    }

    /// Makes the database called `name` if it does not exist yet.
    async fn ensure(&self, name: &str) -> anyhow::Result<()> {
        if self.engine == Engine::Postgres {
            let mut server = self.server().await?;
            let exists: Option<(i32,)> =
                sqlx::query_as("SELECT 1 FROM pg_database WHERE datname = $1")
                    .bind(name)
                    .fetch_optional(&mut server)
                    .await?;
            if exists.is_none() {
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut server)
                    .await
                    .with_context(|| format!("cannot create the database {name}"))?;
            }
        }
        Ok(())
    }

    async fn server(&self) -> anyhow::Result<PgConnection> {
        PgConnection::connect(&self.server_url)
            .await
            .with_context(|| {
                format!(
                    "cannot reach PostgreSQL at {} (start it, set BENCH_DATABASE_URL, or run with \
                 --engines sqlite)",
                    db::redact(&self.server_url)
                )
            })
    }
}

/// `url` with its database name replaced by `name` (query parameters kept).
fn with_database(url: &str, name: &str) -> anyhow::Result<String> {
    let scheme_end = url.find("://").context("a database URL needs a scheme")? + 3;
    let (base, query) = match url.find('?') {
        Some(at) => url.split_at(at),
        None => (url, ""),
    };
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |at| scheme_end + at);
    Ok(format!("{}/{name}{query}", &base[..host_end]))
}

/// The generated store a run reads from.
#[derive(Debug, Clone)]
pub struct Fixture {
    pub store_id: i64,
    pub owner_id: i64,
    pub spec: GenerateSpec,
    /// (name, members) of the ordinary tags, smallest first.
    pub tags: Vec<(String, i64)>,
    /// The database URL, for the page servers.
    pub url: String,
    /// How long generation took, when it ran in this run.
    pub generated_in: Option<std::time::Duration>,
}

/// Connects to the size's database, generating the store first unless a marker says it is
/// already there with the same spec.
pub async fn prepare(
    databases: &Databases,
    size: Size,
) -> anyhow::Result<(DatabaseConnection, Fixture)> {
    let spec = size.spec();
    let name = format!("encore_bench_{}", size.name().to_lowercase());
    if databases.engine == Engine::Sqlite {
        std::fs::create_dir_all(BENCH_DIR).with_context(|| format!("cannot create {BENCH_DIR}"))?;
    }
    databases.ensure(&name).await?;
    let url = databases.url(&name)?;
    let mut db = db::connect(&url).await?;
    db::migrate(&db).await?;

    let wanted = marker_text(&spec);
    let (store_id, owner_id, generated_in) = match read_marker(&db).await? {
        Some((found, store_id, owner_id)) if found == wanted => (store_id, owner_id, None),
        _ => {
            // Stale or partial data: start from an empty database.
            db.close().await.ok();
            databases.recreate(&name).await?;
            db = db::connect(&url).await?;
            db::migrate(&db).await?;
            let owner_id = owner(&db).await?;
            eprintln!(
                "  generating {} fans, {} customers, {} purchases on {} (once per spec)…",
                spec.fans,
                spec.customers,
                spec.purchases,
                databases.engine.label()
            );
            let started = Instant::now();
            let made = generate(&db, owner_id, &spec)
                .await
                .context("generating the benchmark store")?;
            let took = started.elapsed();
            // The audit reads everything; at the smoke size it also proves the generator's
            // store is consistent before anything is measured on it.
            if size == Size::S {
                let violations = audit::violations(&db, made.store_id).await?;
                if let Some(first) = violations.first() {
                    bail!("the generated store breaks an invariant: {first}");
                }
            }
            write_marker(&db, &wanted, made.store_id, owner_id).await?;
            (made.store_id, owner_id, Some(took))
        }
    };
    let raw = Raw::of(&db)?;
    let tags = raw::tag_sizes(&raw, store_id).await?;
    if tags.len() < 4 {
        bail!(
            "the benchmark store has {} tags; it needs at least 4",
            tags.len()
        );
    }
    Ok((
        db,
        Fixture {
            store_id,
            owner_id,
            spec,
            tags,
            url,
            generated_in,
        },
    ))
}

fn marker_text(spec: &GenerateSpec) -> String {
    format!(
        "generator={GENERATOR_VERSION} fans={} customers={} purchases={} seed={}",
        spec.fans, spec.customers, spec.purchases, spec.seed
    )
}

/// The marker lives in the benchmark database itself: if the database goes, so does it.
async fn read_marker(db: &DatabaseConnection) -> anyhow::Result<Option<(String, i64, i64)>> {
    let raw = marker_table(db).await?;
    let rows: Vec<(String, i64, i64)> = raw
        .all(&Sql::new(
            "SELECT spec, store_id, owner_id FROM encore_bench_marker",
        ))
        .await?;
    Ok(rows.into_iter().next())
}

async fn marker_table(db: &DatabaseConnection) -> anyhow::Result<Raw> {
    let raw = Raw::of(db)?;
    let create = Sql::new(
        "CREATE TABLE IF NOT EXISTS encore_bench_marker \
         (spec TEXT NOT NULL, store_id BIGINT NOT NULL, owner_id BIGINT NOT NULL)",
    );
    raw.execute(&create).await?;
    Ok(raw)
}

async fn write_marker(
    db: &DatabaseConnection,
    spec: &str,
    store_id: i64,
    owner_id: i64,
) -> anyhow::Result<()> {
    let raw = marker_table(db).await?;
    raw.execute(&Sql::new("DELETE FROM encore_bench_marker"))
        .await?;
    let mut insert =
        Sql::new("INSERT INTO encore_bench_marker (spec, store_id, owner_id) VALUES (");
    insert
        .bind_list([
            Bind::Text(spec.to_owned()),
            Bind::Int(store_id),
            Bind::Int(owner_id),
        ])
        .push(")");
    raw.execute(&insert).await?;
    Ok(())
}

/// The benchmark's creator account: found, or signed up with a random password nobody needs
/// (the benchmark signs in by starting a session directly).
pub async fn owner(db: &DatabaseConnection) -> anyhow::Result<i64> {
    let email = Email::parse(OWNER_EMAIL).map_err(|error| anyhow::anyhow!("{error}"))?;
    if let Some(existing) = creator::Entity::find()
        .filter(creator::Column::Email.eq(email.as_str()))
        .one(db)
        .await?
    {
        return Ok(existing.id);
    }
    let password = NewPassword::parse(&demo::random_password(), &email)
        .map_err(|message| anyhow::anyhow!("the generated password was refused: {message}"))?;
    let account = sign_up(db, &email, &password).await?.created();
    Ok(account
        .ok_or_else(|| anyhow::anyhow!("{email} was signed up meanwhile; run again"))?
        .creator_id)
}

/// The tag whose size is nearest (on a log scale) to `fraction` of the fans.
pub fn tag_near(fixture: &Fixture, fraction: f64) -> (String, i64) {
    let want = (fixture.spec.fans as f64 * fraction).max(1.0).ln();
    fixture
        .tags
        .iter()
        .min_by(|a, b| {
            let da = ((a.1.max(1)) as f64).ln() - want;
            let db = ((b.1.max(1)) as f64).ln() - want;
            da.abs().total_cmp(&db.abs())
        })
        .cloned()
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls_swap_only_the_name() {
        assert_eq!(
            with_database(
                "postgres://postgres@127.0.0.1:5432/postgres",
                "encore_bench_m"
            )
            .unwrap(),
            "postgres://postgres@127.0.0.1:5432/encore_bench_m"
        );
        assert_eq!(
            with_database("postgres://u:p@db/x?sslmode=disable", "b").unwrap(),
            "postgres://u:p@db/b?sslmode=disable"
        );
        assert_eq!(
            with_database("postgres://db:5432", "b").unwrap(),
            "postgres://db:5432/b"
        );
    }
}
