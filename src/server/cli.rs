//! The `encore` command line: `serve` (the default), `migrate`, and the data commands.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use tokio::net::TcpListener;

use super::config::{self, DEFAULT_DATABASE_URL};
use super::settings::Settings;
use super::state::AppState;
use super::{backup, db, logging, router};
use crate::{tools::audit, tools::demo, tools::generate};

#[derive(Parser)]
#[command(
    name = "encore",
    version,
    about = "Customers and fans for independent music creators"
)]
struct Cli {
    /// Database URL: sqlite://path/to/file.db or postgres://user@host/db.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, global = true)]
    database_url: String,
    /// The Leptos runtime configuration file.
    #[arg(
        long,
        env = "ENCORE_LEPTOS_CONFIG",
        default_value = "Leptos.toml",
        global = true
    )]
    leptos_config: PathBuf,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web app (the default). The address comes from Leptos.toml or LEPTOS_SITE_ADDR.
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the paths of the app's pages, one a line (the browser tests audit each).
    Routes,
    /// Copy the SQLite database into FILE (a new file), consistently, while the server runs.
    /// For PostgreSQL, use pg_dump.
    Backup {
        /// Where to write the copy; it must not exist yet.
        file: PathBuf,
    },
    /// Load the demo store (a music producer with a year of sales, fans and campaigns).
    SeedDemo {
        /// Only load it into a database that has no store yet.
        #[arg(long)]
        if_empty: bool,
    },
    /// Generate a deterministic store of any size (for benchmarks), then check its invariants.
    Generate {
        #[arg(long)]
        fans: usize,
        #[arg(long)]
        customers: usize,
        #[arg(long)]
        purchases: usize,
        /// The same seed always makes the same store.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The creator who owns the store (created if missing).
        #[arg(long, default_value = "bench@example.com")]
        owner_email: String,
        /// The owner's password when the account is created (random and printed if unset).
        #[arg(long, env = "ENCORE_OWNER_PASSWORD")]
        owner_password: Option<String>,
    },
}

/// Runs the command line and turns any failure into one readable line and exit code 1.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    logging::init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("encore: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // `{:#}` prints the whole cause chain on one line.
            eprintln!("encore: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let leptos_options = config::leptos_options(&cli.leptos_config)?;
            let settings = Settings::from_env()?;
            let db = db::connect_with(&cli.database_url, settings.db_acquire_timeout).await?;
            db::migrate(&db).await?;
            serve(AppState::new(leptos_options, db, settings)).await
        }
        Command::Routes => {
            let mut paths: Vec<String> = router::page_routes()
                .iter()
                .map(|route| route.path().to_owned())
                .collect();
            paths.sort();
            paths.dedup();
            println!("{}", paths.join("\n"));
            Ok(())
        }
        Command::Backup { file } => {
            let size = backup::backup(&cli.database_url, &file).await?;
            println!(
                "Backed up {} to {} ({size} bytes). To restore it, stop Encore and put it in \
                 place of the database file (removing any -wal and -shm files beside it).",
                db::redact(&cli.database_url),
                file.display()
            );
            Ok(())
        }
        Command::Migrate => {
            let db = db::connect(&cli.database_url).await?;
            db::migrate(&db).await?;
            println!("database is up to date");
            Ok(())
        }
        Command::SeedDemo { if_empty } => {
            let db = db::connect(&cli.database_url).await?;
            db::migrate(&db).await?;
            match demo::load_demo(&db, if_empty).await? {
                Some(loaded) => {
                    println!(
                        "Loaded the demo store \"{}\": {} fans, {} purchases, {} refunds.",
                        loaded.store.name, loaded.fans, loaded.purchases, loaded.refunds
                    );
                    if loaded.login != demo::DEMO_EMAIL {
                        println!(
                            "{} belongs to an account the demo did not create, so the demo \
                             has an account of its own.",
                            demo::DEMO_EMAIL
                        );
                    }
                    println!(
                        "\n  Log in as {} with the password {}\n  \
                         (shown only now; change it under Account).\n",
                        loaded.login, loaded.password
                    );
                }
                None => println!("The database already has stores; the demo was not loaded."),
            }
            Ok(())
        }
        Command::Generate {
            fans,
            customers,
            purchases,
            seed,
            owner_email,
            owner_password,
        } => {
            let spec = generate::GenerateSpec {
                fans,
                customers,
                purchases,
                seed,
            };
            spec.check().map_err(anyhow::Error::msg)?;
            let db = db::connect(&cli.database_url).await?;
            db::migrate(&db).await?;
            let owner_id = owner(&db, &owner_email, owner_password).await?;
            let started = std::time::Instant::now();
            let made = generate::generate(&db, owner_id, &spec).await?;
            println!(
                "Generated store {} in {:.1?}: {} fans, {} customers, {} purchases, {} refunds, \
                 {} tags, {} tag links.",
                made.store_id,
                started.elapsed(),
                made.fans,
                made.customers,
                made.purchases,
                made.refunds,
                made.tags,
                made.tag_links
            );
            let violations = audit::violations(&db, made.store_id).await?;
            if !violations.is_empty() {
                anyhow::bail!(
                    "the generated store breaks {} invariant(s), e.g. {}",
                    violations.len(),
                    violations[0]
                );
            }
            println!("All invariants hold.");
            Ok(())
        }
    }
}

/// The account that will own generated data: an existing one, or a new one whose password
/// is printed once.
async fn owner(
    db: &sea_orm::DatabaseConnection,
    email: &str,
    password: Option<String>,
) -> anyhow::Result<i64> {
    use crate::domain::accounts::creators::{NewPassword, sign_up};
    use crate::domain::email::Email;
    use crate::entities::creator;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

    let email = Email::parse(email).map_err(|error| anyhow::anyhow!("--owner-email: {error}"))?;
    if let Some(existing) = creator::Entity::find()
        .filter(creator::Column::Email.eq(email.as_str()))
        .one(db)
        .await?
    {
        return Ok(existing.id);
    }
    let printed = password.is_none();
    let password = password.unwrap_or_else(demo::random_password);
    let new_password = NewPassword::parse(&password, &email)
        .map_err(|message| anyhow::anyhow!("--owner-password: {message}"))?;
    let account = sign_up(db, &email, &new_password)
        .await?
        .created()
        .with_context(|| format!("{email} was signed up by someone else meanwhile; try again"))?;
    if printed {
        println!("Created the owner {email} with the password {password} (shown only now).");
    }
    Ok(account.creator_id)
}

/// The campaign sender's transport and settings, from the server's settings.
///
/// # Errors
/// The signing key cannot be loaded; the SMTP URL cannot be read (checked at start-up).
pub async fn mailer(
    state: &AppState,
) -> anyhow::Result<(
    crate::domain::campaigns::worker::Mailer,
    crate::domain::campaigns::worker::WorkerConfig,
)> {
    use crate::domain::campaigns::worker;
    let mail = &state.settings.mail;
    let mailer = state
        .mailer()
        .await
        .map_err(|_| anyhow::anyhow!("cannot prepare the campaign sender (see the error above)"))?;
    let config = worker::WorkerConfig {
        concurrency: mail.concurrency,
        rate: mail.rate,
        lease: mail.lease,
        ..worker::WorkerConfig::default()
    };
    Ok((mailer, config))
}

/// Serves until Ctrl-C or SIGTERM, then finishes the requests in flight.
async fn serve(state: AppState) -> anyhow::Result<()> {
    let addr: SocketAddr = state.leptos_options.site_addr;
    let listener = TcpListener::bind(addr).await.with_context(|| {
        format!("cannot listen on {addr} (is another server using it? set LEPTOS_SITE_ADDR)")
    })?;
    let (mailer, config) = mailer(&state).await?;
    match mailer.transport.outbox() {
        Some(folder) => tracing::info!(
            "no ENCORE_SMTP_URL: campaign mail is saved to {} instead of sent",
            folder.display()
        ),
        None => tracing::info!("campaign mail is sent through ENCORE_SMTP_URL"),
    }
    let (stop_sender, stop) = tokio::sync::watch::channel(false);
    // Bulk tag changes over large audiences, a batch at a time (resumes where it stopped).
    let bulk = tokio::spawn(crate::domain::audience::bulk_jobs::run(
        state.db.clone(),
        std::time::Duration::from_secs(1),
        stop.clone(),
    ));
    let sender = tokio::spawn(crate::domain::campaigns::worker::run(
        state.db.clone(),
        mailer,
        config,
        stop,
    ));
    let app = router::build(state);
    tracing::info!("Encore is running at http://{addr}");
    // The peer address feeds the log-in rate limit.
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .context("the HTTP server stopped with an error")?;
    // The messages in flight finish; the rest wait in the queue for the next start.
    let _ = stop_sender.send(true);
    let _ = sender.await;
    let _ = bulk.await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
