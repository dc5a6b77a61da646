//! Encore's database schema, as an ordered list of SeaORM migrations.
//!
//! The server runs `Migrator::up` at start-up; `cargo run -p migration -- status|up|down|fresh`
//! does the same by hand. Every migration is written once for both engines (SQLite and
//! PostgreSQL) through sea-query, so the schema cannot drift between them.

pub use sea_orm_migration::prelude::*;

mod m20261126_000001_stores;
mod m20261126_000002_commerce;
mod m20261126_000003_audience;
mod m20261126_000004_accounts;
mod m20261126_000005_tag_fan_counts;
mod m20261126_000006_customer_rollups;
mod m20261126_000007_tag_pairs;
mod m20261126_000008_revenue_weekly;
mod m20261126_000009_subscription_periods;
mod m20261126_000010_fan_tag_scores;
mod m20261127_000011_purchase_products_by_customer;
mod m20261207_000012_revenue_daily_triggers;
mod m20261207_000013_campaigns;
mod m20261207_000014_campaign_hold;
mod m20261207_000018_bulk_jobs;
mod m20261207_000020_form_flashes;
mod m20261207_000022_store_fan_counts;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261126_000001_stores::Migration),
            Box::new(m20261126_000002_commerce::Migration),
            Box::new(m20261126_000003_audience::Migration),
            Box::new(m20261126_000004_accounts::Migration),
            Box::new(m20261126_000005_tag_fan_counts::Migration),
            Box::new(m20261126_000006_customer_rollups::Migration),
            Box::new(m20261126_000007_tag_pairs::Migration),
            Box::new(m20261126_000008_revenue_weekly::Migration),
            Box::new(m20261126_000009_subscription_periods::Migration),
            Box::new(m20261126_000010_fan_tag_scores::Migration),
            Box::new(m20261127_000011_purchase_products_by_customer::Migration),
            Box::new(m20261207_000012_revenue_daily_triggers::Migration),
            Box::new(m20261207_000013_campaigns::Migration),
            Box::new(m20261207_000014_campaign_hold::Migration),
            Box::new(m20261207_000018_bulk_jobs::Migration),
            Box::new(m20261207_000020_form_flashes::Migration),
            Box::new(m20261207_000022_store_fan_counts::Migration),
        ]
    }
}

/// Runs, in order, the statements written for the connection's engine: triggers and their
/// functions are the one part of the schema sea-query cannot write once for both.
pub(crate) async fn execute_for_engine<S, P>(
    manager: &SchemaManager<'_>,
    sqlite: &[S],
    postgres: &[P],
) -> Result<(), DbErr>
where
    S: AsRef<str>,
    P: AsRef<str>,
{
    let statements: Vec<&str> = match manager.get_database_backend() {
        sea_orm::DatabaseBackend::Postgres => postgres.iter().map(AsRef::as_ref).collect(),
        _ => sqlite.iter().map(AsRef::as_ref).collect(),
    };
    let db = manager.get_connection();
    for statement in statements {
        db.execute_unprepared(statement).await?;
    }
    Ok(())
}

/// An index on `table(columns…)` named `idx_<table>_<columns>`, so every index in the schema
/// is named the same way and a query plan names the index it uses plainly.
pub(crate) fn index<T>(table: T, columns: &[T]) -> IndexCreateStatement
where
    T: Iden + Clone + 'static,
{
    let names: Vec<String> = columns.iter().map(Iden::to_string).collect();
    let mut index = Index::create();
    index
        .name(format!("idx_{}_{}", table.to_string(), names.join("_")))
        .table(table);
    for column in columns {
        index.col(column.clone());
    }
    index.to_owned()
}

/// A foreign key from `from_table.from_column` to `to_table.id`, named after both ends.
pub(crate) fn foreign_key<F, T>(
    from_table: F,
    from_column: F,
    to_table: T,
    to_column: T,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement
where
    F: Iden + Clone + 'static,
    T: Iden + Clone + 'static,
{
    ForeignKey::create()
        .name(format!(
            "fk_{}_{}",
            from_table.to_string(),
            from_column.to_string()
        ))
        .from(from_table, from_column)
        .to(to_table, to_column)
        .on_delete(on_delete)
        .to_owned()
}
