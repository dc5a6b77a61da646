//! `encore-bench`: Encore's benchmark suite (issue #7). Generates a store of size S, M or L
//! on SQLite and PostgreSQL, then measures every workload side by side with a baseline
//! (raw SQL on the same pool, a raw-SQL write loop, a bare axum handler) and writes a
//! markdown table. Every timed workload first checks that the app and its baseline return
//! the same results, so a smoke run (`--size S --smoke`) proves the suite is honest without
//! asserting any timing.

mod campaigns;
mod data;
mod ingest;
mod instructions;
mod pages;
mod queries;
mod raw;
mod report;
mod timing;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};

use data::{Databases, Engine, Size};
use report::Section;
use timing::Plan;

#[derive(Parser)]
#[command(
    name = "encore-bench",
    about = "Encore's benchmark suite: app vs baseline, side by side",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(flatten)]
    run: RunArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(clap::Args)]
struct RunArgs {
    /// Data size: S (10k fans), M (100k) or L (1M fans, 2M purchases).
    #[arg(long, value_enum, default_value = "S")]
    size: Size,
    /// Engines to run, comma-separated.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "sqlite,postgres"
    )]
    engines: Vec<Engine>,
    /// Workloads to run, comma-separated: a design change can be re-measured on the rows it
    /// touches. A partial run's table says which workloads it left out.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "queries,ingest,pages,bundle"
    )]
    workloads: Vec<Workload>,
    /// Short runs with minimal rounds: proves the suite works, measures nothing.
    #[arg(long)]
    smoke: bool,
    /// Generate (or reuse) the data for the size and engines, then stop: generation can run
    /// ahead, so that the measured run has the machine to itself.
    #[arg(long)]
    prepare_only: bool,
    /// Where to write the markdown table (default: target/bench/results-<size>.md).
    #[arg(long)]
    out: Option<PathBuf>,
    /// The PostgreSQL server the benchmark databases are created on.
    #[arg(long, env = "BENCH_DATABASE_URL", default_value = data::DEFAULT_SERVER_URL)]
    server_url: String,
    /// The Leptos runtime configuration the app server reads.
    #[arg(long, default_value = "Leptos.toml")]
    leptos_config: PathBuf,
    /// Encore's wasm bundle (its islands) to measure.
    #[arg(long, default_value = "target/bundles/encore/encore_bg.wasm")]
    wasm: PathBuf,
    /// The counter app's bundle, built the same way (`make bundles`): the baseline.
    #[arg(long, default_value = "target/bundles/counter/counter_app_bg.wasm")]
    baseline_wasm: PathBuf,
    /// For scale: tests/islands-app's counter island, the floor of Leptos's islands mode.
    #[arg(long, default_value = "target/bundles/islands/islands_app_bg.wasm")]
    islands_wasm: PathBuf,
    /// For scale: the same with a form that calls a server function (`server-action`).
    #[arg(
        long,
        default_value = "target/bundles/islands-action/islands_app_bg.wasm"
    )]
    islands_action_wasm: PathBuf,
}

/// The benchmark's groups of rows.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Workload {
    /// The audience, customers and dashboard reads against raw SQL.
    Queries,
    /// Purchase ingest against a raw-SQL write loop.
    Ingest,
    /// The Fans and Customers pages over HTTP, and the servers' memory.
    Pages,
    /// The wasm bundle against a counter app.
    Bundle,
    /// Campaigns: a tag's audience fixed into the send queue against a raw INSERT … SELECT.
    /// Not in the default run yet.
    Campaigns,
    /// The pages' instructions per request under valgrind's callgrind, app against bare:
    /// a count the machine's load does not move. Not in the default run (it needs
    /// valgrind, and a few minutes at L); the smoke run includes it.
    Instructions,
}

#[derive(Subcommand)]
enum Command {
    /// (internal) Serve the app's router; the benchmark starts this as a child process.
    #[command(hide = true)]
    ServeApp {
        #[arg(long)]
        database_url: String,
        #[arg(long)]
        port: u16,
        #[arg(long, default_value = "Leptos.toml")]
        leptos_config: PathBuf,
    },
    /// (internal) Serve the bare axum baseline pages.
    #[command(hide = true)]
    ServeBare {
        #[arg(long)]
        database_url: String,
        #[arg(long)]
        port: u16,
        #[arg(long)]
        store: i64,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("encore-bench: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(async {
        match cli.command {
            Some(Command::ServeApp {
                database_url,
                port,
                leptos_config,
            }) => pages::serve_app(&database_url, port, &leptos_config).await,
            Some(Command::ServeBare {
                database_url,
                port,
                store,
            }) => pages::serve_bare(&database_url, port, store).await,
            None => run(cli.run).await,
        }
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("encore-bench: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// How long each kind of measurement runs.
struct Budget {
    queries: Plan,
    ingest: ingest::IngestPlan,
    load: pages::LoadPlan,
    count: instructions::CountPlan,
}

impl Budget {
    fn new(smoke: bool) -> Budget {
        if smoke {
            Budget {
                queries: Plan {
                    rounds: 3,
                    budget: Duration::ZERO,
                },
                ingest: ingest::IngestPlan {
                    purchases: 64,
                    rounds: 1,
                },
                load: pages::LoadPlan {
                    seconds: 1,
                    rounds: 1,
                },
                count: instructions::CountPlan {
                    warm_up: 1,
                    counted: 2,
                },
            }
        } else {
            Budget {
                queries: Plan {
                    rounds: 200,
                    budget: Duration::from_secs(8),
                },
                ingest: ingest::IngestPlan {
                    purchases: 2_000,
                    rounds: 3,
                },
                load: pages::LoadPlan {
                    seconds: 8,
                    rounds: 3,
                },
                count: instructions::CountPlan {
                    warm_up: 5,
                    counted: 20,
                },
            }
        }
    }
}

async fn run(args: RunArgs) -> anyhow::Result<()> {
    if args.engines.is_empty() {
        anyhow::bail!("--engines needs at least one of sqlite, postgres");
    }
    if args.workloads.is_empty() {
        anyhow::bail!(
            "--workloads needs at least one of queries, ingest, pages, bundle, instructions"
        );
    }
    let runs = |workload| args.workloads.contains(&workload);
    // Checked before any data is generated, so a long run cannot fail at its last step;
    // generating data alone needs no load generator.
    if runs(Workload::Pages) && !args.prepare_only {
        pages::check_wrk()?;
    }
    if runs(Workload::Instructions) && !args.prepare_only {
        instructions::check_valgrind()?;
    }
    let budget = Budget::new(args.smoke);
    let started = Instant::now();
    let mut sections = Vec::new();
    let mut notes = Vec::new();
    for engine in &args.engines {
        let engine = *engine;
        eprintln!("{}: preparing size {}…", engine.label(), args.size.name());
        let databases = Databases {
            engine,
            server_url: args.server_url.clone(),
        };
        let (db, fixture) = data::prepare(&databases, args.size).await?;
        let version = raw::engine_version(&db).await;
        if let Some(took) = fixture.generated_in {
            notes.push(format!(
                "- {version}: generated the store in {:.0} s.",
                took.as_secs_f64()
            ));
        } else {
            notes.push(format!("- {version}: reused the generated store."));
        }
        if args.prepare_only {
            db.close().await.ok();
            continue;
        }
        let mut rows = Vec::new();
        if runs(Workload::Queries) {
            eprintln!("{}: queries…", engine.label());
            rows.extend(queries::run(&db, &fixture, engine, budget.queries).await?);
        }
        if runs(Workload::Campaigns) {
            eprintln!("{}: campaigns…", engine.label());
            rows.push(campaigns::run(&db, &fixture, budget.queries).await?);
        }
        if runs(Workload::Ingest) {
            eprintln!("{}: ingest…", engine.label());
            rows.push(ingest::run(&databases, budget.ingest).await?);
        }
        // Names the files the page servers leave in target/bench.
        let tag = format!("{}-{}", args.size.name().to_lowercase(), engine_tag(engine));
        if runs(Workload::Pages) {
            eprintln!("{}: pages over HTTP…", engine.label());
            rows.extend(pages::run(&db, &fixture, &tag, &args.leptos_config, budget.load).await?);
        }
        if runs(Workload::Instructions) {
            eprintln!("{}: instructions per page request…", engine.label());
            rows.extend(
                instructions::run(&db, &fixture, &tag, &args.leptos_config, budget.count).await?,
            );
        }
        db.close().await.ok();
        sections.push(Section {
            engine: version,
            rows,
        });
    }
    if args.prepare_only {
        println!("{}", notes.join("\n"));
        return Ok(());
    }
    if runs(Workload::Bundle)
        && let Some(first) = sections.first_mut()
    {
        first.rows.extend([
            pages::bundle_row(&args.wasm, &args.baseline_wasm)?,
            pages::reference_bundle_row(
                "islands mode, one counter island",
                &args.islands_wasm,
                &args.baseline_wasm,
            )?,
            pages::reference_bundle_row(
                "islands mode, a counter island and a form island calling a server function",
                &args.islands_action_wasm,
                &args.baseline_wasm,
            )?,
        ]);
    }
    if args.smoke {
        // A smoke run checks results, not speed: its few debug-build rounds judge nothing.
        for row in sections.iter_mut().flat_map(|section| &mut section.rows) {
            row.verdict = report::Verdict::Info;
        }
    }

    let spec = args.size.spec();
    let mut preamble = vec![
        format!(
            "Size {}: {} fans, {} customers, {} purchases (seed {}). {}",
            args.size.name(),
            spec.fans,
            spec.customers,
            spec.purchases,
            spec.seed,
            if args.smoke {
                "Smoke run: minimal rounds, the figures mean nothing."
            } else {
                "Latencies: median (p95) of alternating app/baseline rounds."
            }
        ),
        format!("Machine: {}.", machine()),
        format!(
            "Run at {} UTC, {:.0} s in all.",
            chrono::Utc::now().format("%Y-%m-%d %H:%M"),
            started.elapsed().as_secs_f64()
        ),
    ];
    // The default run (`make bench`) is the full table; instruction counts are extra.
    let full_run = [
        Workload::Queries,
        Workload::Ingest,
        Workload::Pages,
        Workload::Bundle,
    ];
    if !full_run.iter().all(|workload| runs(*workload)) {
        let names: Vec<String> = args
            .workloads
            .iter()
            .filter_map(|workload| workload.to_possible_value())
            .map(|value| value.get_name().to_owned())
            .collect();
        preamble.push(format!("A partial run: only {}.", names.join(", ")));
    }
    preamble.extend(notes);
    let title = format!("Encore benchmark, size {}", args.size.name());
    let table = report::markdown(&title, &preamble, &sections);
    let out = args.out.unwrap_or_else(|| {
        PathBuf::from(format!(
            "{}/results-{}.md",
            data::BENCH_DIR,
            args.size.name()
        ))
    });
    if let Some(dir) = out.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    std::fs::write(&out, &table).with_context(|| format!("cannot write {}", out.display()))?;
    println!("{table}");
    eprintln!(
        "Wrote {} ({} target(s) missed).",
        out.display(),
        report::missed(&sections)
    );
    Ok(())
}

fn engine_tag(engine: Engine) -> &'static str {
    match engine {
        Engine::Sqlite => "sqlite",
        Engine::Postgres => "postgres",
    }
}

/// Cores, memory and CPU model, from the OS.
fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory_gib = meminfo
        .lines()
        .find_map(|line| line.strip_prefix("MemTotal:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0 / 1024.0);
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|line| line.strip_prefix("model name"))
        .map(|rest| rest.trim_start_matches([' ', '\t', ':']).to_owned())
        .unwrap_or_else(|| "unknown CPU".to_owned());
    format!("{cores} cores ({model}), {memory_gib:.0} GiB RAM")
}
