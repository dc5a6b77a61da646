//! The pages over HTTP: Encore's own server (full SSR: session, security layers, Leptos) and
//! a bare axum handler that reads the same rows (raw SQL for the lists, the app's dashboard
//! read for the Customers page's dashboard) and prints plain HTML. Both
//! run as child processes of the benchmark, so each one's memory can be read from /proc
//! after the load; `wrk` drives them in alternating rounds.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Html;
use axum::routing::get;
use tokio::net::TcpListener;

use encore::domain::accounts::creators::start_session;
use encore::domain::audience::queries::list_tags;
use encore::domain::commerce::revenue;
use encore::dto::Dashboard;
use encore::format::plural;
use encore::params::CustomerListParams;
use encore::server::session::COOKIE;
use encore::server::settings::Settings;
use encore::server::state::AppState;
use encore::server::{config, db, router};
use sea_orm::DatabaseConnection;

use super::data::{BENCH_DIR, Fixture};
use super::raw::{self, Raw, TagFilter};
use super::report::{Figure, Row, Verdict};

/// Rows per page, as on the list pages.
const PAGE: i64 = 50;

#[derive(Debug, Clone, Copy)]
pub struct LoadPlan {
    pub seconds: u32,
    pub rounds: usize,
}

/// `encore-bench serve-app`: the app's router, as `encore serve` builds it.
pub async fn serve_app(database_url: &str, port: u16, leptos_config: &Path) -> anyhow::Result<()> {
    encore::server::logging::init();
    let mut leptos_options = config::leptos_options(leptos_config)?;
    leptos_options.site_addr = SocketAddr::from(([127, 0, 0, 1], port));
    let settings = Settings::from_env()?;
    let db = db::connect(database_url).await?;
    let addr = leptos_options.site_addr;
    let app = router::build(AppState::new(leptos_options, db, settings));
    let listener = TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await
    .context("the app server stopped")
}

struct Bare {
    /// The app's pool, for the one read the bare pages share with the app (the dashboard).
    db: DatabaseConnection,
    raw: Raw,
    store_id: i64,
}

/// `encore-bench serve-bare`: the same rows through raw SQL, formatted with `format!`.
pub async fn serve_bare(database_url: &str, port: u16, store_id: i64) -> anyhow::Result<()> {
    let db = db::connect(database_url).await?;
    let state = Arc::new(Bare {
        raw: Raw::of(&db)?,
        db,
        store_id,
    });
    let app = Router::new()
        .route("/fans", get(bare_fans))
        .route("/customers", get(bare_customers))
        .with_state(state);
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port)))
        .await
        .with_context(|| format!("cannot listen on port {port}"))?;
    axum::serve(listener, app)
        .await
        .context("the bare server stopped")
}

type BareResult = Result<Html<String>, (StatusCode, String)>;

fn failed(error: anyhow::Error) -> (StatusCode, String) {
    eprintln!("bare handler: {error:#}");
    (StatusCode::INTERNAL_SERVER_ERROR, "error".to_owned())
}

/// The Fans page's rows: the first page of fans, and the store's tags, which the app's page
/// offers as suggestions in its filter bar.
async fn bare_fans(State(bare): State<Arc<Bare>>) -> BareResult {
    let page = raw::fan_page(&bare.raw, bare.store_id, &TagFilter::default(), PAGE)
        .await
        .map_err(failed)?;
    let tags = raw::store_tags(&bare.raw, bare.store_id)
        .await
        .map_err(failed)?;
    let mut html = format!(
        "<!DOCTYPE html><html><head><title>Fans</title></head><body><h1>Fans</h1>\
         <p>{} fans</p><table><tr><th>Fan</th><th>Score</th><th>Status</th><th>Tags</th>\
         <th>Spent</th><th>Last open</th></tr>",
        page.total
    );
    for fan in &page.rows {
        html.push_str(&format!(
            "<tr><td>{}<br>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&fan.name),
            escape(&fan.email),
            fan.score,
            escape(&fan.email_status),
            escape(&fan.tags.join(", ")),
            fan.spent_cents
                .map(|cents| format!("${}.{:02}", cents / 100, cents % 100))
                .unwrap_or_default(),
            fan.last_open_at
                .map(|at| at.format("%Y-%m-%d").to_string())
                .unwrap_or_default(),
        ));
    }
    html.push_str("</table><datalist id=\"tags\">");
    for (_, name, fans) in &tags {
        html.push_str(&format!(
            "<option value=\"{}\" label=\"{}\"></option>",
            escape(name),
            plural(u64::try_from(*fans).unwrap_or(0), "fan", "fans"),
        ));
    }
    html.push_str("</datalist></body></html>");
    Ok(Html(html))
}

/// The Customers page's rows: the revenue dashboard of the default period (the last 30
/// days and the 30 before), read by the app's own `revenue::dashboard` (its statements are
/// timed against raw SQL in the dashboard workload), and the list's first page in raw SQL,
/// read at the same time as the app's page reads them.
async fn bare_customers(State(bare): State<Arc<Bare>>) -> BareResult {
    let now = encore::domain::time::now();
    let period = CustomerListParams::default()
        .range(now.date_naive())
        .map_err(|_| failed(anyhow::anyhow!("the default period is invalid")))?;
    let (dashboard, page) = tokio::join!(
        revenue::dashboard(&bare.db, bare.store_id, period, now),
        raw::customer_page(&bare.raw, bare.store_id, None, PAGE),
    );
    let (dashboard, page) = (
        dashboard.map_err(|error| failed(error.into()))?,
        page.map_err(failed)?,
    );
    let mut html = String::from(
        "<!DOCTYPE html><html><head><title>Customers</title></head><body><h1>Customers</h1>",
    );
    dashboard_html(&mut html, &dashboard);
    html.push_str(&format!(
        "<p>{} customers</p><table><tr><th>Customer</th><th>Total spent</th><th>Orders</th>\
         <th>Products</th><th>Subscription</th><th>Score</th><th>Last purchase</th></tr>",
        page.total
    ));
    for customer in &page.rows {
        html.push_str(&format!(
            "<tr><td>{}<br>{}</td><td>${}.{:02}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td>{}</td><td>{}</td></tr>",
            escape(&customer.name),
            escape(&customer.email),
            customer.total_spent_cents / 100,
            customer.total_spent_cents % 100,
            customer.purchase_count,
            escape(&customer.products.join(", ")),
            escape(customer.subscription.as_deref().unwrap_or("")),
            customer
                .score
                .map(|score| score.to_string())
                .unwrap_or_default(),
            customer
                .last_purchase_at
                .map(|at| at.format("%Y-%m-%d").to_string())
                .unwrap_or_default(),
        ));
    }
    html.push_str("</table></body></html>");
    Ok(Html(html))
}

/// The dashboard's cards (with the previous period's figure), its series and best sellers.
fn dashboard_html(html: &mut String, dashboard: &Dashboard) {
    let (now, before) = (&dashboard.current.totals, &dashboard.previous);
    let cards = [
        ("Net revenue", now.net_cents.get(), before.net_cents.get()),
        ("Gross", now.gross_cents.get(), before.gross_cents.get()),
        (
            "Refunds",
            now.refunds_cents.get(),
            before.refunds_cents.get(),
        ),
        ("Orders", now.orders, before.orders),
        (
            "Average order",
            now.average_order_cents.get(),
            before.average_order_cents.get(),
        ),
        ("Customers", now.customers, before.customers),
        ("New customers", now.new_customers, before.new_customers),
        (
            "Active subscribers",
            now.active_subscribers,
            before.active_subscribers,
        ),
    ];
    html.push_str("<dl>");
    for (label, value, previous) in cards {
        html.push_str(&format!(
            "<dt>{label}</dt><dd>{value} (before: {previous})</dd>"
        ));
    }
    html.push_str("</dl><table><tr><th>From</th><th>Net</th><th>Orders</th></tr>");
    for point in &dashboard.current.series {
        html.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            point.start,
            point.net_cents.get(),
            point.orders
        ));
    }
    html.push_str("</table><ol>");
    for product in &dashboard.current.top_products {
        html.push_str(&format!(
            "<li>{}: {} sold, {} net</li>",
            escape(&product.name),
            product.units,
            product.net_cents.get()
        ));
    }
    html.push_str("</ol>");
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A child server, stopped when dropped (by its own handle, never by name).
pub struct Server {
    child: Child,
    pub port: u16,
}

impl Server {
    /// This binary with `args` (a `serve-…` command), on a free port.
    pub fn start(args: &[String], log: &Path) -> anyhow::Result<Server> {
        let exe = std::env::current_exe().context("cannot find the benchmark's own binary")?;
        Self::spawn(Command::new(exe), args, log)
    }

    /// The same, run by valgrind's callgrind, which counts every instruction the server
    /// executes (all threads) and writes the counts to `counts` on each dump.
    pub fn start_counted(args: &[String], counts: &Path, log: &Path) -> anyhow::Result<Server> {
        let exe = std::env::current_exe().context("cannot find the benchmark's own binary")?;
        let mut valgrind = Command::new("valgrind");
        valgrind
            .arg("--tool=callgrind")
            .arg(format!("--callgrind-out-file={}", counts.display()))
            .arg(exe);
        Self::spawn(valgrind, args, log)
    }

    fn spawn(mut command: Command, args: &[String], log: &Path) -> anyhow::Result<Server> {
        let port = free_port()?;
        let log_file = std::fs::File::create(log)
            .with_context(|| format!("cannot create {}", log.display()))?;
        let child = command
            .args(args)
            .arg("--port")
            .arg(port.to_string())
            .stdin(Stdio::null())
            .stdout(log_file.try_clone()?)
            .stderr(log_file)
            .spawn()
            .context("cannot start a page server")?;
        let mut server = Server { child, port };
        server.wait_until_listening(log)?;
        Ok(server)
    }

    fn wait_until_listening(&mut self, log: &Path) -> anyhow::Result<()> {
        // A server under callgrind starts several times slower than on its own.
        let deadline = Instant::now() + Duration::from_secs(120);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait()? {
                bail!(
                    "a page server exited with {status} before listening; see {}",
                    log.display()
                );
            }
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        bail!(
            "a page server did not listen within 120 s; see {}",
            log.display()
        )
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// CPU time the server has used so far, all threads, user and system, from /proc.
    fn cpu_time(&self) -> anyhow::Result<Duration> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id()))
            .context("cannot read the page server's /proc stat")?;
        // Fields after the command name (which may hold spaces, so split after its ')'):
        // state is the first, utime the 12th and stime the 13th, in clock ticks.
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .map(|(_, rest)| rest.split_whitespace().collect())
            .unwrap_or_default();
        let ticks = |index: usize| {
            fields
                .get(index)
                .and_then(|value| value.parse::<u64>().ok())
                .context("no CPU times in /proc stat")
        };
        // Linux reports these in USER_HZ, which is 100 on every architecture it supports.
        Ok(Duration::from_millis((ticks(11)? + ticks(12)?) * 10))
    }

    /// Peak and current resident memory, in KiB, from /proc.
    fn memory(&self) -> anyhow::Result<(u64, u64)> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .context("cannot read the page server's /proc status")?;
        let field = |name: &str| {
            status
                .lines()
                .find_map(|line| line.strip_prefix(name))
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|kib| kib.parse::<u64>().ok())
                .with_context(|| format!("no {name} in /proc status"))
        };
        Ok((field("VmHWM:")?, field("VmRSS:")?))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").context("no free port")?;
    Ok(listener.local_addr()?.port())
}

/// One GET with `Connection: close`: the status code and the raw response.
pub fn get_once(port: u16, path: &str, cookie: &str) -> anyhow::Result<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: {cookie}\r\n\
         Connection: close\r\n\r\n"
    )?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .context("no HTTP status line")?;
    Ok((status, text))
}

/// One `wrk` run: requests per second and requests served.
struct Load {
    per_second: f64,
    requests: u64,
}

/// One `wrk` run, refusing runs with errors or non-2xx answers.
fn wrk(port: u16, path: &str, cookie: &str, seconds: u32) -> anyhow::Result<Load> {
    let output = Command::new("wrk")
        .args(["-t2", "-c16", &format!("-d{seconds}s"), "--timeout", "10s"])
        .args(["-H", &format!("Cookie: {cookie}")])
        .arg(format!("http://127.0.0.1:{port}{path}"))
        .output()
        .context("cannot run wrk (install it with `make wrk`)")?;
    let text = String::from_utf8_lossy(&output.stdout);
    ensure!(output.status.success(), "wrk failed: {text}");
    ensure!(
        !text.contains("Non-2xx") && !text.contains("Socket errors"),
        "wrk saw failed requests on {path}:\n{text}"
    );
    let per_second = text
        .lines()
        .find_map(|line| line.strip_prefix("Requests/sec:"))
        .and_then(|rate| rate.trim().parse().ok());
    // "  2851 requests in 8.00s, 295.81MB read"
    let requests = text
        .lines()
        .find(|line| line.contains(" requests in "))
        .and_then(|line| line.split_whitespace().next())
        .and_then(|count| count.parse().ok());
    match (per_second, requests) {
        (Some(per_second), Some(requests)) => Ok(Load {
            per_second,
            requests,
        }),
        _ => bail!("cannot read requests/s and requests from wrk:\n{text}"),
    }
}

/// Fails early, naming the make target, when `wrk` is not installed.
pub fn check_wrk() -> anyhow::Result<()> {
    let found = Command::new("wrk")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    ensure!(
        found,
        "the HTTP load generator `wrk` is not installed: run `make wrk` (Debian's wrk package)"
    );
    Ok(())
}

/// Loads both pages on both servers and compares requests/s and memory.
pub async fn run(
    db: &sea_orm::DatabaseConnection,
    fixture: &Fixture,
    engine_tag: &str,
    leptos_config: &Path,
    plan: LoadPlan,
) -> anyhow::Result<Vec<Row>> {
    let cookie = session_cookie(db, fixture).await?;
    let log = |name: &str| PathBuf::from(format!("{BENCH_DIR}/{name}-{engine_tag}.log"));
    let app = Server::start(&app_args(fixture, leptos_config), &log("serve-app"))?;
    let bare = Server::start(&bare_args(fixture), &log("serve-bare"))?;
    let pages = pages(db, fixture).await?;
    // Page weight (bytes of HTML sent per request) beside each rate: it is most of what a
    // full SSR page costs beyond the bare handler's.
    let mut weights = Vec::new();
    for Page {
        name,
        app_path,
        bare_path,
        expected,
    } in &pages
    {
        let mut sizes = [0usize; 2];
        for (size, (server, port, path)) in sizes.iter_mut().zip([
            ("app", app.port, app_path.as_str()),
            ("bare", bare.port, *bare_path),
        ]) {
            let (status, body) = get_once(port, path, &cookie)?;
            ensure!(
                status == 200 && body.contains(expected.as_str()),
                "{name} at {path}: status {status}, or the top row ({expected}) is missing"
            );
            *size = body.len();
            // Kept, so that what each server sends can be read after the run.
            let page = bare_path.trim_start_matches('/');
            let sample = format!("{BENCH_DIR}/{page}-{engine_tag}-{server}.html");
            std::fs::write(&sample, &body).with_context(|| format!("writing {sample}"))?;
        }
        weights.push(sizes);
    }

    let mut rows = Vec::new();
    for (
        Page {
            name,
            app_path,
            bare_path,
            ..
        },
        [app_bytes, bare_bytes],
    ) in pages.iter().zip(weights)
    {
        let (mut app_runs, mut bare_runs) = (Runs::default(), Runs::default());
        for round in 0..plan.rounds {
            let mut app_run = || app_runs.load(&app, app_path, &cookie, plan.seconds);
            let mut bare_run = || bare_runs.load(&bare, bare_path, &cookie, plan.seconds);
            if round % 2 == 0 {
                app_run()?;
                bare_run()?;
            } else {
                bare_run()?;
                app_run()?;
            }
        }
        let app_rate = median(&mut app_runs.rates);
        let bare_rate = median(&mut bare_runs.rates);
        let ratio = app_rate / bare_rate;
        rows.push(Row {
            workload: format!(
                "{name}, full SSR over HTTP (wrk -t2 -c16; {} vs {} of HTML)",
                kib(app_bytes),
                kib(bare_bytes)
            ),
            app: Figure::Rate {
                per_second: app_rate,
                unit: "req/s",
            },
            baseline: Figure::Rate {
                per_second: bare_rate,
                unit: "req/s",
            },
            ratio: Some(ratio),
            target: "≥ 0.6× bare axum".to_owned(),
            verdict: Verdict::of(ratio >= 0.6),
        });
        // The servers' own CPU per request: steadier than requests/s, which moves with
        // whatever else the two cores do (wrk runs on them too). On PostgreSQL the
        // database's work is in its own processes, so this is the page framework's part.
        let app_cpu = median(&mut app_runs.cpu_per_request);
        let bare_cpu = median(&mut bare_runs.cpu_per_request);
        rows.push(Row {
            workload: format!("{name}: server CPU per request (user + system, all threads)"),
            app: Figure::Text(format!("{app_cpu:.2} ms")),
            baseline: Figure::Text(format!("{bare_cpu:.2} ms")),
            ratio: Some(app_cpu / bare_cpu),
            target: "(reported)".to_owned(),
            verdict: Verdict::Info,
        });
    }

    let (app_peak, app_now) = app.memory()?;
    let (bare_peak, bare_now) = bare.memory()?;
    let ratio = app_peak as f64 / bare_peak as f64;
    rows.push(Row {
        workload: "Server memory after the page load (peak RSS, VmHWM)".to_owned(),
        app: Figure::Text(format!(
            "{:.1} MiB (now {:.1})",
            app_peak as f64 / 1024.0,
            app_now as f64 / 1024.0
        )),
        baseline: Figure::Text(format!(
            "{:.1} MiB (now {:.1})",
            bare_peak as f64 / 1024.0,
            bare_now as f64 / 1024.0
        )),
        ratio: Some(ratio),
        target: "≤ 2× bare axum".to_owned(),
        verdict: Verdict::of(ratio <= 2.0),
    });
    Ok(rows)
}

/// A `Cookie` header value signing requests in as the store's owner, on a fresh session.
pub async fn session_cookie(db: &DatabaseConnection, fixture: &Fixture) -> anyhow::Result<String> {
    let token = start_session(db, fixture.owner_id).await?;
    Ok(format!("{COOKIE}={}", token.as_str()))
}

/// One page as both servers serve it.
pub struct Page {
    pub name: &'static str,
    pub app_path: String,
    pub bare_path: &'static str,
    /// The top row's email: both servers' answers must show it.
    pub expected: String,
}

/// The Fans and Customers pages, after checking that the bare handler's raw SQL reads the
/// same rows as the app: their speed means nothing otherwise.
pub async fn pages(db: &DatabaseConnection, fixture: &Fixture) -> anyhow::Result<[Page; 2]> {
    let raw = Raw::of(db)?;
    let app_tags: Vec<(i64, String, i64)> = list_tags(db, fixture.store_id)
        .await?
        .into_iter()
        .map(|tag| (tag.id, tag.name, i64::try_from(tag.fans).unwrap_or(-1)))
        .collect();
    ensure!(
        raw::store_tags(&raw, fixture.store_id).await? == app_tags,
        "the bare Fans page's tag suggestions differ from the app's"
    );
    let top_fan = raw::fan_page(&raw, fixture.store_id, &TagFilter::default(), 1).await?;
    let top_customer = raw::customer_page(&raw, fixture.store_id, None, 1).await?;
    let store = fixture.store_id;
    Ok([
        Page {
            name: "Fans page",
            app_path: format!("/store/{store}/contacts"),
            bare_path: "/fans",
            expected: top_fan
                .rows
                .first()
                .map(|fan| fan.email.clone())
                .context("the store has no fans")?,
        },
        Page {
            name: "Customers page",
            app_path: format!("/store/{store}/customers"),
            bare_path: "/customers",
            expected: top_customer
                .rows
                .first()
                .map(|customer| customer.email.clone())
                .context("the store has no customers")?,
        },
    ])
}

/// `serve-app` on the fixture's database.
pub fn app_args(fixture: &Fixture, leptos_config: &Path) -> Vec<String> {
    vec![
        "serve-app".into(),
        "--database-url".into(),
        fixture.url.clone(),
        "--leptos-config".into(),
        leptos_config.display().to_string(),
    ]
}

/// `serve-bare` on the fixture's database and store.
pub fn bare_args(fixture: &Fixture) -> Vec<String> {
    vec![
        "serve-bare".into(),
        "--database-url".into(),
        fixture.url.clone(),
        "--store".into(),
        fixture.store_id.to_string(),
    ]
}

/// The load rounds of one server on one page.
#[derive(Default)]
struct Runs {
    rates: Vec<f64>,
    /// Milliseconds of the server's CPU per request served.
    cpu_per_request: Vec<f64>,
}

impl Runs {
    fn load(
        &mut self,
        server: &Server,
        path: &str,
        cookie: &str,
        seconds: u32,
    ) -> anyhow::Result<()> {
        let before = server.cpu_time()?;
        let load = wrk(server.port, path, cookie, seconds)?;
        let used = server.cpu_time()?.saturating_sub(before);
        ensure!(load.requests > 0, "wrk served no requests on {path}");
        self.rates.push(load.per_second);
        self.cpu_per_request
            .push(used.as_secs_f64() * 1000.0 / load.requests as f64);
        Ok(())
    }
}

fn kib(bytes: usize) -> String {
    format!("{:.1} KiB", bytes as f64 / 1024.0)
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or_default()
}

/// The wasm bundle's gzip size (Encore's islands) against a counter app's built the same
/// way (`make bundles`), when both have been built.
pub fn bundle_row(app_wasm: &Path, baseline_wasm: &Path) -> anyhow::Result<Row> {
    let workload =
        "Wasm bundle, Encore's islands (wasm-release, wasm-opt -Oz, gzip -9) vs a counter app";
    let row = compare_bundles(workload, app_wasm, baseline_wasm, "≤ 2× the counter app")?;
    Ok(match row.ratio {
        Some(ratio) => Row {
            verdict: Verdict::of(ratio <= 2.0),
            ..row
        },
        None => row,
    })
}

/// A reference bundle (tests/islands-app) against the same counter app, for scale: the
/// floor of Leptos's islands mode, and what an island calling a server function adds.
/// No target judges it.
pub fn reference_bundle_row(
    what: &str,
    reference_wasm: &Path,
    baseline_wasm: &Path,
) -> anyhow::Result<Row> {
    let workload = format!("Reference, not Encore: {what} vs the counter app");
    compare_bundles(&workload, reference_wasm, baseline_wasm, "for scale")
}

/// Two bundles' gzip sizes and their ratio, or which of them is not built.
fn compare_bundles(
    workload: &str,
    app_wasm: &Path,
    baseline_wasm: &Path,
    target: &str,
) -> anyhow::Result<Row> {
    let not_built = |path: &Path| Figure::Text(format!("not built ({} missing)", path.display()));
    let (app, baseline) = (gzip_size(app_wasm)?, gzip_size(baseline_wasm)?);
    let (Some(app), Some(baseline)) = (app, baseline) else {
        return Ok(Row {
            workload: format!("{workload} (`make bundles` builds both)"),
            app: app.map_or_else(|| not_built(app_wasm), Figure::Bytes),
            baseline: baseline.map_or_else(|| not_built(baseline_wasm), Figure::Bytes),
            ratio: None,
            target: target.to_owned(),
            verdict: Verdict::Info,
        });
    };
    Ok(Row {
        workload: workload.to_owned(),
        app: Figure::Bytes(app),
        baseline: Figure::Bytes(baseline),
        ratio: Some(app as f64 / baseline as f64),
        target: target.to_owned(),
        verdict: Verdict::Info,
    })
}

/// The gzip -9 size of a file, or `None` if it does not exist.
fn gzip_size(path: &Path) -> anyhow::Result<Option<u64>> {
    if !path.is_file() {
        return Ok(None);
    }
    let gzip = Command::new("gzip")
        .args(["-9", "-c"])
        .arg(path)
        .output()
        .context("cannot run gzip")?;
    ensure!(gzip.status.success(), "gzip failed on {}", path.display());
    Ok(Some(gzip.stdout.len() as u64))
}
