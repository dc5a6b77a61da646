//! The test harness: a fresh database per test on each engine, and `spawn_app` for HTTP tests.
//!
//! PostgreSQL tests use `TEST_DATABASE_URL` (default: the local server, user `postgres`),
//! create a database per test and drop it afterwards. When PostgreSQL cannot be reached they
//! fail: a test that did not run never counts as passed. To work without a server, skip them
//! on purpose: `ENCORE_SKIP_POSTGRES=1 make test` leaves every `*::postgres` test out
//! (cargo counts them as "filtered out"), and a `*::postgres` test run anyway with that set
//! returns at once, saying so. `CI=true` refuses the skip.

use std::future::Future;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use encore::server::settings::{AuthRateLimit, Settings};
use encore::server::state::AppState;
use leptos::server_fn::ServerFn;
use sea_orm::{ConnectionTrait, DatabaseConnection};

pub const DEFAULT_TEST_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// Declares one test per engine: `name::sqlite` and `name::postgres`.
/// The body is `|db: DatabaseConnection| async move { … }`.
#[macro_export]
macro_rules! db_test {
    ($(#[$meta:meta])* $name:ident, $body:expr) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $crate::support::run($crate::support::Engine::Sqlite, $body).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $crate::support::run($crate::support::Engine::Postgres, $body).await;
            }
        }
    };
}

/// Runs `test` against a fresh, migrated database of `engine`, then drops that database even
/// if the test panicked (and re-raises the panic).
pub async fn run<F, Fut>(engine: Engine, test: F)
where
    F: FnOnce(DatabaseConnection) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(test_db) = TestDb::create(engine).await else {
        return;
    };
    let outcome = tokio::spawn(test(test_db.db.clone())).await;
    let closed = test_db.destroy().await;
    if let Err(error) = outcome {
        if error.is_panic() {
            std::panic::resume_unwind(error.into_panic());
        }
        panic!("test task failed: {error}");
    }
    assert!(
        closed,
        "the test's connection pool did not close within {POOL_CLOSE_TIMEOUT:?}: \
         a connection is still checked out after the test"
    );
}

/// A database that exists for one test.
pub struct TestDb {
    pub db: DatabaseConnection,
    /// Where it is, for a child process (`encore serve`) to open.
    pub url: String,
    postgres_name: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    /// `None` when the engine is PostgreSQL and `ENCORE_SKIP_POSTGRES=1` skips it.
    pub async fn create(engine: Engine) -> Option<TestDb> {
        match engine {
            Engine::Sqlite => Some(Self::sqlite().await),
            Engine::Postgres => Self::postgres().await,
        }
    }

    async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("create a temporary directory");
        let url = format!("sqlite://{}/encore.db", dir.path().display());
        let db = encore::server::db::connect(&url)
            .await
            .expect("open the test SQLite database");
        encore::server::db::migrate(&db)
            .await
            .expect("migrate SQLite");
        TestDb {
            db,
            url,
            postgres_name: None,
            _dir: Some(dir),
        }
    }

    async fn postgres() -> Option<TestDb> {
        if !postgres_available() {
            return None;
        }
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "encore_test_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            rand::random::<u32>()
        );
        admin_execute(&format!("CREATE DATABASE \"{name}\""))
            .await
            .expect("create the test PostgreSQL database");
        let url = database_url_with_name(&admin_url(), &name);
        let db = encore::server::db::connect(&url)
            .await
            .expect("connect to the test PostgreSQL database");
        encore::server::db::migrate(&db)
            .await
            .expect("migrate PostgreSQL");
        Some(TestDb {
            db,
            url,
            postgres_name: Some(name),
            _dir: None,
        })
    }

    /// Has PostgreSQL end every connection to this test's database, as a restart would,
    /// and waits until they are gone. Returns how many it ended (none on SQLite).
    pub async fn drop_server_connections(&self) -> i64 {
        let Some(name) = &self.postgres_name else {
            return 0;
        };
        let admin = admin_connection(&admin_url())
            .await
            .expect("an admin connection");
        let count = |sql: String| {
            let admin = &admin;
            async move {
                let row = admin
                    .query_one_raw(sea_orm::Statement::from_string(
                        sea_orm::DbBackend::Postgres,
                        sql,
                    ))
                    .await
                    .expect("ask PostgreSQL about the test database's connections")
                    .expect("a row");
                row.try_get_by_index::<i64>(0).expect("a count")
            }
        };
        // Asked once: a backend that is ending is still listed, and asking again would count
        // it twice.
        let ended = count(format!(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) \
             FROM pg_stat_activity WHERE datname = '{name}'"
        ))
        .await;
        let left = format!("SELECT count(*) FROM pg_stat_activity WHERE datname = '{name}'");
        for _ in 0..100 {
            if count(left.clone()).await == 0 {
                admin.close().await.ok();
                return ended;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("PostgreSQL did not end the connections to {name}");
    }

    /// Closes the pool and drops a PostgreSQL test database.
    /// Returns false when the pool did not close in time: a connection is still checked out.
    pub async fn destroy(self) -> bool {
        let closed = tokio::time::timeout(POOL_CLOSE_TIMEOUT, self.db.close()).await;
        if let Some(name) = self.postgres_name {
            let drop = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
            if let Err(error) = admin_execute(&drop).await {
                eprintln!("warning: could not drop test database {name}: {error}");
            }
        }
        closed.is_ok()
    }
}

fn admin_url() -> String {
    std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_TEST_DATABASE_URL.to_owned())
}

/// The same server URL with another database name (the path), keeping any query string.
fn database_url_with_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let server = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{server}/{name}?{query}"),
        None => format!("{server}/{name}"),
    }
}

/// Whether PostgreSQL tests run: `false` only when `ENCORE_SKIP_POSTGRES=1` asks for the
/// skip (outside CI). Otherwise the server is probed once per test binary, and an
/// unreachable one fails every PostgreSQL test with the reason.
pub fn postgres_available() -> bool {
    static DECISION: OnceLock<Result<bool, String>> = OnceLock::new();
    let decision = DECISION.get_or_init(|| {
        let decision = postgres_decision(
            std::env::var("ENCORE_SKIP_POSTGRES").as_deref() == Ok("1"),
            std::env::var("CI").as_deref() == Ok("true"),
            probe_postgres,
        );
        if decision == Ok(false) {
            eprintln!("*** SKIPPING PostgreSQL tests: ENCORE_SKIP_POSTGRES=1.");
        }
        decision
    });
    match decision {
        Ok(available) => *available,
        Err(reason) => panic!("{reason}"),
    }
}

/// Run (`Ok(true)`), skip on request (`Ok(false)`), or fail with the reason.
fn postgres_decision(
    skip_requested: bool,
    in_ci: bool,
    probe: impl FnOnce() -> Result<(), String>,
) -> Result<bool, String> {
    match (skip_requested, in_ci) {
        (true, true) => Err("ENCORE_SKIP_POSTGRES=1 is refused under CI=true: \
                             CI runs every test on PostgreSQL too"
            .to_owned()),
        (true, false) => Ok(false),
        (false, _) => probe().map(|()| true).map_err(|error| {
            format!(
                "PostgreSQL is unreachable at {} ({error}). Start it, point TEST_DATABASE_URL \
                 at one, or skip the PostgreSQL tests on purpose with ENCORE_SKIP_POSTGRES=1.",
                admin_url()
            )
        }),
    }
}

/// Connects to the PostgreSQL server once, on a runtime of its own: each #[tokio::test] has
/// its own runtime, and a pool must not outlive the runtime that created it.
fn probe_postgres() -> Result<(), String> {
    let url = admin_url();
    std::thread::spawn(move || {
        tokio::runtime::Runtime::new()
            .expect("a runtime for the PostgreSQL probe")
            .block_on(async {
                let admin = admin_connection(&url).await?;
                admin.close().await
            })
    })
    .join()
    .expect("the PostgreSQL probe thread")
    .map_err(|error| error.to_string())
}

/// Runs one administrative statement (CREATE/DROP DATABASE) on a short-lived connection.
async fn admin_execute(sql: &str) -> Result<(), sea_orm::DbErr> {
    let admin = admin_connection(&admin_url()).await?;
    let outcome = admin.execute_unprepared(sql).await.map(|_| ());
    admin.close().await?;
    outcome
}

async fn admin_connection(url: &str) -> Result<DatabaseConnection, sea_orm::DbErr> {
    let mut options = sea_orm::ConnectOptions::new(url.to_owned());
    options
        .max_connections(1)
        .connect_timeout(Duration::from_secs(3))
        .sqlx_logging(false);
    sea_orm::Database::connect(options).await
}

/// Declares one HTTP test per engine; the body is `|app: TestApp| async move { … }`.
#[macro_export]
macro_rules! app_test {
    ($(#[$meta:meta])* $name:ident, $body:expr) => {
        $crate::db_test!($(#[$meta])* $name, |db| async move {
            let app = $crate::support::spawn_app(db).await;
            ($body)(app).await;
        });
    };
}

/// A running Encore server on a random local port.
pub struct TestApp {
    pub address: String,
    pub db: DatabaseConnection,
    /// Keeps cookies (so it can sign in) and does not follow redirects (so tests see them).
    pub client: reqwest::Client,
}

/// The password every test account uses.
pub const PASSWORD: &str = "correct horse battery";

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Posts the form like a browser with JavaScript off: urlencoded, accepting HTML, with
    /// the page it came from as Referer.
    /// The body of a GET of `path` with this app's client (signed in or not), as text.
    pub async fn get_text(&self, path: &str) -> String {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("send a GET")
            .text()
            .await
            .expect("read the body")
    }

    pub async fn post_form(
        &self,
        path: &str,
        referer: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .header("accept", "text/html,application/xhtml+xml")
            .header("referer", self.url(referer))
            .form(form)
            .send()
            .await
            .expect("POST the form")
    }

    /// A second browser: its own cookies, nobody signed in.
    pub fn another_client(&self) -> reqwest::Client {
        new_client()
    }

    /// Signs `client` up as `email` and logs it in. Returns the account id.
    pub async fn sign_up_with(&self, client: &reqwest::Client, email: &str) -> i64 {
        let response = client
            .post(self.url(encore::api::auth::SignUp::PATH))
            .form(&[("email", email), ("password", PASSWORD)])
            .send()
            .await
            .expect("sign up");
        assert!(
            response.status().is_success(),
            "sign up: {}",
            response.status()
        );
        // Signing up does not sign in (its answer must not tell a new email from a taken
        // one): log in, as a creator does next.
        let response = client
            .post(self.url(encore::api::auth::LogIn::PATH))
            .form(&[("email", email), ("password", PASSWORD)])
            .send()
            .await
            .expect("log in");
        assert_eq!(response.status(), 200, "log in after signing up");
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        encore::entities::creator::Entity::find()
            .filter(encore::entities::creator::Column::Email.eq(email))
            .one(&self.db)
            .await
            .unwrap()
            .expect("the new account")
            .id
    }

    /// Signs the default client up (and in) as `email`.
    pub async fn sign_up(&self, email: &str) -> i64 {
        self.sign_up_with(&self.client, email).await
    }

    /// Signs the default client up as a new creator and creates a store for them.
    pub async fn signed_in_store(&self) -> i64 {
        let email = format!("creator{}@example.com", rand::random::<u32>());
        self.sign_up(&email).await;
        self.create_store_with(&self.client, "Night Owl Beats")
            .await
    }

    /// Creates a store through its server function, as `client`. Returns its id.
    pub async fn create_store_with(&self, client: &reqwest::Client, name: &str) -> i64 {
        let response = client
            .post(self.url(encore::api::stores::CreateStore::PATH))
            .form(&[("name", name), ("currency", "USD")])
            .send()
            .await
            .expect("create a store");
        let store: encore::dto::StoreSummary = response.json().await.expect("the new store");
        store.id
    }
}

/// How long a test waits for a whole response. A page whose stream stalls fails its test
/// with a timeout instead of holding the suite until CI gives up.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(30);

/// How long closing a test's pool may take. Closing waits for every checked-out connection;
/// one still out after the test is a leak, and fails the test rather than hanging it.
const POOL_CLOSE_TIMEOUT: Duration = Duration::from_secs(30);

fn new_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .timeout(RESPONSE_TIMEOUT)
        .build()
        .expect("HTTP client")
}

/// Settings for tests: generous log-in limits (tests sign up often from one address).
pub fn test_settings() -> Settings {
    Settings {
        auth_rate_limit: AuthRateLimit {
            burst: 1_000,
            period: std::time::Duration::from_secs(1),
        },
        ..Settings::default()
    }
}

/// The state `encore serve` builds its router around, over `db`, for a server at `address`.
pub fn app_state(
    db: DatabaseConnection,
    settings: Settings,
    address: std::net::SocketAddr,
) -> AppState {
    let mut leptos_options = encore::server::config::leptos_options(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/Leptos.toml"
    )))
    .expect("read Leptos.toml");
    leptos_options.site_addr = address;
    AppState::new(leptos_options, db, settings)
}

/// Starts the real router (the same as `encore serve`) on 127.0.0.1 over `db`.
pub async fn spawn_app(db: DatabaseConnection) -> TestApp {
    spawn_app_with(db, test_settings()).await
}

pub async fn spawn_app_with(db: DatabaseConnection, settings: Settings) -> TestApp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a local port");
    let address = listener.local_addr().expect("local address");
    let app = encore::server::router::build(app_state(db.clone(), settings, address));
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .expect("test server");
    });
    TestApp {
        address: format!("http://{address}"),
        db,
        client: new_client(),
    }
}

#[test]
fn database_names_are_swapped_in_urls() {
    assert_eq!(
        database_url_with_name("postgres://postgres@127.0.0.1:5432/postgres", "t1"),
        "postgres://postgres@127.0.0.1:5432/t1"
    );
    assert_eq!(
        database_url_with_name("postgres://u:p@db/x?sslmode=disable", "t2"),
        "postgres://u:p@db/t2?sslmode=disable"
    );
    assert_eq!(
        database_url_with_name("postgres://postgres@localhost", "t3"),
        "postgres://postgres@localhost/t3"
    );
}

#[test]
fn an_unreachable_postgres_fails_its_tests_unless_the_skip_was_asked_for() {
    let unreachable = || Err("connection refused".to_owned());
    let reachable = || Ok(());
    let failed = postgres_decision(false, false, unreachable).unwrap_err();
    assert!(failed.contains("connection refused"), "{failed}");
    assert!(failed.contains("ENCORE_SKIP_POSTGRES=1"), "{failed}");
    assert!(postgres_decision(false, true, unreachable).is_err());
    assert_eq!(postgres_decision(false, false, reachable), Ok(true));
    // Asked for: skipped without a probe, except in CI.
    let no_probe = || -> Result<(), String> { panic!("probed although skipped") };
    assert_eq!(postgres_decision(true, false, no_probe), Ok(false));
    assert!(postgres_decision(true, true, no_probe).is_err());
}
