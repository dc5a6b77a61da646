//! A database outage under a running Encore, as an operator meets one: the database goes
//! away, requests keep coming, and it comes back.
//!
//! On PostgreSQL the test owns a server of its own (initdb and pg_ctl into a temporary
//! directory, on a free port), so it can stop and start it without disturbing the shared
//! one. On SQLite the database file stops being readable.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use encore::api::auth::LogIn;
use encore::api::stores::{CreateStore, ListStores};
use encore::error::AppError;
use leptos::server_fn::ServerFn;

use crate::support::{TestApp, spawn_app_with, test_settings};

/// What the outage page says.
const OUTAGE_MESSAGE: &str = "Encore can't reach its database";

/// A PostgreSQL server that exists for one test, stopped and removed when dropped.
struct OwnPostgres {
    _dir: tempfile::TempDir,
    data: PathBuf,
    bin: PathBuf,
    port: u16,
    /// initdb and the server refuse to run as root: then they run as the `postgres` user.
    run_as_postgres: bool,
}

impl OwnPostgres {
    fn start_new() -> OwnPostgres {
        let bin = postgres_bin_dir();
        let dir = tempfile::tempdir().expect("a temporary directory");
        let run_as_postgres = running_as_root();
        if run_as_postgres {
            run(Command::new("chown")
                .arg("-R")
                .arg("postgres:")
                .arg(dir.path()));
        }
        let data = dir.path().join("data");
        let server = OwnPostgres {
            data,
            bin,
            port: free_port(),
            run_as_postgres,
            _dir: dir,
        };
        run(server
            .command("initdb")
            .args([
                "--auth=trust",
                "--username=postgres",
                "--no-sync",
                "--encoding=UTF8",
                "--locale=C",
                "-D",
            ])
            .arg(&server.data));
        server.start();
        server
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn start(&self) {
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -c unix_socket_directories='{}' -c fsync=off",
            self.port,
            self.data.display()
        );
        run(self
            .command("pg_ctl")
            .args(["-w", "-t", "60", "-D"])
            .arg(&self.data)
            .args(["-o", &options, "-l"])
            .arg(self.data.join("server.log"))
            .arg("start"));
    }

    /// Stops the server the way an operator does (`pg_ctl stop`, fast mode): it ends every
    /// connection and is gone when this returns.
    fn stop(&self) {
        run(self
            .command("pg_ctl")
            .args(["-w", "-t", "60", "-m", "fast", "-D"])
            .arg(&self.data)
            .arg("stop"));
    }

    fn command(&self, program: &str) -> Command {
        let program = self.bin.join(program);
        if self.run_as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        }
    }
}

impl Drop for OwnPostgres {
    fn drop(&mut self) {
        let _ = self
            .command("pg_ctl")
            .args(["-w", "-m", "immediate", "-D"])
            .arg(&self.data)
            .arg("stop")
            .output();
    }
}

fn run(command: &mut Command) {
    let output = command
        .output()
        .unwrap_or_else(|error| panic!("cannot run {command:?}: {error}"));
    assert!(
        output.status.success(),
        "{command:?} failed: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The newest installed PostgreSQL's programs (Debian keeps them out of `PATH`).
fn postgres_bin_dir() -> PathBuf {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|version| version.path().join("bin"))
        .filter(|bin| bin.join("initdb").exists())
        .collect();
    found.sort_by_key(|bin| {
        bin.parent()
            .and_then(Path::file_name)
            .and_then(|name| name.to_str())
            .and_then(|name| name.parse::<u32>().ok())
    });
    found.pop().expect(
        "this test starts a PostgreSQL server of its own and needs initdb and pg_ctl \
         (Debian's postgresql package, /usr/lib/postgresql/*/bin)",
    )
}

fn running_as_root() -> bool {
    let output = Command::new("id").arg("-u").output().expect("run id -u");
    String::from_utf8_lossy(&output.stdout).trim() == "0"
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free local port")
        .port()
}

/// GET `path` as a browser does.
async fn get_page(app: &TestApp, client: &reqwest::Client, path: &str) -> reqwest::Response {
    client
        .get(app.url(path))
        .header("accept", "text/html")
        .send()
        .await
        .expect("GET the page")
}

async fn readyz_status(app: &TestApp) -> u16 {
    app.client
        .get(app.url("/readyz"))
        .send()
        .await
        .expect("GET /readyz")
        .status()
        .as_u16()
}

/// Every request a signed-in creator (and an anonymous visitor) makes while the database is
/// unreachable: each is answered 503 with the outage page or error, and nobody is signed
/// out.
async fn assert_outage_is_answered_as_one(app: &TestApp, store_id: i64) {
    assert_eq!(readyz_status(app).await, 503, "/readyz during the outage");

    let page = get_page(app, &app.client, &format!("/store/{store_id}/customers")).await;
    assert_eq!(page.status(), 503, "a page during the outage");
    assert!(
        page.headers().get("set-cookie").is_none(),
        "nobody is signed out"
    );
    assert!(page.headers().contains_key("retry-after"));
    let html = page.text().await.unwrap();
    assert!(html.contains(OUTAGE_MESSAGE), "{html}");
    assert!(!html.to_lowercase().contains("error:"), "no detail: {html}");

    // A download is refused the same way.
    let csv = get_page(
        app,
        &app.client,
        &format!("/store/{store_id}/customers.csv"),
    )
    .await;
    assert_eq!(csv.status(), 503, "a CSV export during the outage");
    assert!(csv.text().await.unwrap().contains(OUTAGE_MESSAGE));

    // A form posted without JavaScript, signed in (the session lookup fails) …
    let posted = app
        .post_form(
            CreateStore::PATH,
            "/",
            &[("name", "During the outage"), ("currency", "USD")],
        )
        .await;
    assert_eq!(posted.status(), 503, "a signed-in form post");
    assert!(posted.headers().get("set-cookie").is_none());
    assert!(posted.text().await.unwrap().contains(OUTAGE_MESSAGE));

    // … and anonymous (the server function's own query fails).
    let visitor = app.another_client();
    let posted = visitor
        .post(app.url(LogIn::PATH))
        .header("accept", "text/html")
        .header("referer", app.url("/login"))
        .form(&[("email", "ada@example.com"), ("password", "whatever it is")])
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 503, "an anonymous form post");
    let html = posted.text().await.unwrap();
    assert!(html.contains(OUTAGE_MESSAGE), "not the bare word: {html}");

    // A script calling a server function reads the error as JSON.
    let called = app
        .client
        .post(app.url(ListStores::PATH))
        .send()
        .await
        .unwrap();
    assert_eq!(called.status(), 503, "a server function called by a script");
    let error: AppError = called.json().await.unwrap();
    assert_eq!(error, AppError::Unavailable);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_outage_answers_503_signs_nobody_out_and_recovers_by_itself() {
    if !crate::support::postgres_available() {
        return;
    }
    let server = OwnPostgres::start_new();
    let db = encore::server::db::connect_with(&server.url(), Duration::from_secs(2))
        .await
        .expect("connect to the test's own PostgreSQL");
    encore::server::db::migrate(&db).await.expect("migrate");
    let app = spawn_app_with(db.clone(), test_settings()).await;
    let store_id = app.signed_in_store().await;
    let page = get_page(&app, &app.client, &format!("/store/{store_id}/customers")).await;
    assert_eq!(page.status(), 200, "the page before the outage");

    server.stop();
    assert_outage_is_answered_as_one(&app, store_id).await;

    server.start();
    // The pool replaces its connections by itself, and no request waits for it.
    let mut tries = 0;
    while readyz_status(&app).await != 200 {
        tries += 1;
        assert!(tries < 100, "/readyz never recovered");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let page = get_page(&app, &app.client, &format!("/store/{store_id}/customers")).await;
    assert_eq!(page.status(), 200, "the same session works again");
    assert!(page.text().await.unwrap().contains("Night Owl Beats"));
    let posted = app
        .post_form(
            CreateStore::PATH,
            "/",
            &[("name", "After the outage"), ("currency", "USD")],
        )
        .await;
    assert!(
        posted.status().is_redirection(),
        "a form post after: {}",
        posted.status()
    );
    assert!(
        tokio::time::timeout(Duration::from_secs(30), db.close())
            .await
            .is_ok(),
        "the pool closed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_sqlite_file_answers_503_and_signs_nobody_out() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = dir.path().join("encore.db");
    let url = format!("sqlite://{}", file.display());
    let db = encore::server::db::connect_with(&url, Duration::from_secs(2))
        .await
        .expect("open SQLite");
    encore::server::db::migrate(&db).await.expect("migrate");
    let app = spawn_app_with(db.clone(), test_settings()).await;
    let store_id = app.signed_in_store().await;

    // The file's contents are lost under the server (a failing disk, a bad restore): it is no
    // longer a database, and its write-ahead log and shared index are gone with it.
    std::fs::write(&file, vec![0x5a; 8192]).unwrap();
    for suffix in ["-wal", "-shm"] {
        let side = dir.path().join(format!("encore.db{suffix}"));
        if let Ok(metadata) = std::fs::metadata(&side) {
            std::fs::write(&side, vec![0; usize::try_from(metadata.len()).unwrap()]).unwrap();
        }
    }
    assert_outage_is_answered_as_one(&app, store_id).await;
    let _ = tokio::time::timeout(Duration::from_secs(30), db.close()).await;
}
