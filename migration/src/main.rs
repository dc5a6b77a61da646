//! `cargo run -p migration -- status|up|down|fresh`: applies Encore's migrations by hand.
//!
//! The server migrates at start-up, so this is for operators who want to inspect or roll back.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use migration::{Migrator, MigratorTrait};
use sea_orm_migration::sea_orm::Database;

#[derive(Parser)]
#[command(about = "Apply or inspect Encore's database migrations")]
struct Cli {
    /// Database to migrate, e.g. sqlite://data/encore.db?mode=rwc or postgres://postgres@127.0.0.1/encore
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://data/encore.db?mode=rwc"
    )]
    database_url: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List every migration and whether it has been applied.
    Status,
    /// Apply pending migrations (all, or the next N).
    Up {
        #[arg(short = 'n', long)]
        steps: Option<u32>,
    },
    /// Roll back applied migrations (the last one, or the last N).
    Down {
        #[arg(short = 'n', long, default_value_t = 1)]
        steps: u32,
    },
    /// Drop every table and apply all migrations again. Destroys all data.
    Fresh,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("migration: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), sea_orm_migration::DbErr> {
    let db = Database::connect(&cli.database_url).await?;
    match cli.command {
        Command::Status => {
            for migration in Migrator::get_migration_with_status_read_only(&db).await? {
                println!("{:<8} {}", migration.status().to_string(), migration.name());
            }
            Ok(())
        }
        Command::Up { steps } => {
            Migrator::up(&db, steps).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::Down { steps } => {
            Migrator::down(&db, Some(steps)).await?;
            println!("rolled back {steps} migration(s)");
            Ok(())
        }
        Command::Fresh => {
            Migrator::fresh(&db).await?;
            println!("database recreated");
            Ok(())
        }
    }
}
