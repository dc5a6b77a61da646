//! Instructions per page request, the app's server against the bare handler's, counted by
//! valgrind's callgrind. Requests/s and CPU time move with whatever else the machine does
//! (on a shared 2-vCPU machine, by more than most changes to a page); the number of
//! instructions a request executes does not, so this row can tell whether a change made a
//! page cheaper, and by how much, in one run. It counts work, not waiting: it says nothing
//! of lock contention, cache misses or the kernel, which the load rows still measure.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use sea_orm::DatabaseConnection;

use super::data::{BENCH_DIR, Fixture};
use super::pages::{self, Page, Server, get_once};
use super::report::{Figure, Row, Verdict};

#[derive(Debug, Clone, Copy)]
pub struct CountPlan {
    /// Requests before counting starts: the pool's connections, prepared statements and
    /// allocator caches warm up on them.
    pub warm_up: usize,
    /// Requests counted, one after another.
    pub counted: usize,
}

/// Fails early, naming the make target, when valgrind is not installed.
pub fn check_valgrind() -> anyhow::Result<()> {
    let found = Command::new("callgrind_control")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    ensure!(
        found,
        "valgrind's callgrind is not installed: run `make valgrind` (Debian's valgrind package)"
    );
    Ok(())
}

/// Both pages on both servers, each server under callgrind.
pub async fn run(
    db: &DatabaseConnection,
    fixture: &Fixture,
    engine_tag: &str,
    leptos_config: &Path,
    plan: CountPlan,
) -> anyhow::Result<Vec<Row>> {
    let cookie = pages::session_cookie(db, fixture).await?;
    let pages = pages::pages(db, fixture).await?;
    let app = count_pages(
        "app",
        &pages::app_args(fixture, leptos_config),
        |page| page.app_path.as_str(),
        &pages,
        &cookie,
        engine_tag,
        plan,
    )?;
    let bare = count_pages(
        "bare",
        &pages::bare_args(fixture),
        |page| page.bare_path,
        &pages,
        &cookie,
        engine_tag,
        plan,
    )?;
    Ok(pages
        .iter()
        .zip(app.iter().zip(&bare))
        .map(|(page, (app, bare))| Row {
            workload: format!(
                "{}: instructions per request (callgrind, {} requests after {})",
                page.name, plan.counted, plan.warm_up
            ),
            app: Figure::Text(millions(*app)),
            baseline: Figure::Text(millions(*bare)),
            ratio: Some(*app as f64 / *bare as f64),
            target: "(reported)".to_owned(),
            verdict: Verdict::Info,
        })
        .collect())
}

/// Instructions per request of one server, for each page in turn.
fn count_pages(
    server_name: &str,
    args: &[String],
    path_of: impl Fn(&Page) -> &str,
    pages: &[Page],
    cookie: &str,
    engine_tag: &str,
    plan: CountPlan,
) -> anyhow::Result<Vec<u64>> {
    let counts = PathBuf::from(format!(
        "{BENCH_DIR}/callgrind-{server_name}-{engine_tag}.out"
    ));
    remove_counts(&counts)?;
    let log = PathBuf::from(format!(
        "{BENCH_DIR}/callgrind-{server_name}-{engine_tag}.log"
    ));
    let server = Server::start_counted(args, &counts, &log)?;
    let mut per_request = Vec::new();
    for (dump, page) in (1..).zip(pages) {
        let path = path_of(page);
        let request = || -> anyhow::Result<()> {
            let (status, body) = get_once(server.port, path, cookie)?;
            ensure!(
                status == 200 && body.contains(page.expected.as_str()),
                "{} at {path} ({server_name}, under callgrind): status {status}, or the top \
                 row ({}) is missing",
                page.name,
                page.expected
            );
            Ok(())
        };
        for _ in 0..plan.warm_up {
            request()?;
        }
        callgrind_control(&server, "--zero")?;
        for _ in 0..plan.counted {
            request()?;
        }
        callgrind_control(&server, &format!("--dump={}", page.name))?;
        let total = dumped_total(&counts, dump)?;
        per_request.push(total / plan.counted.max(1) as u64);
    }
    Ok(per_request)
}

/// Sends a command to the callgrind running `server`, and waits for its answer.
fn callgrind_control(server: &Server, command: &str) -> anyhow::Result<()> {
    let output = Command::new("callgrind_control")
        .arg(command)
        .arg(server.pid().to_string())
        .output()
        .context("cannot run callgrind_control")?;
    ensure!(
        output.status.success(),
        "callgrind_control {command} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(())
}

/// The instructions counted in dump number `dump` (callgrind writes `<counts>.<dump>`).
fn dumped_total(counts: &Path, dump: usize) -> anyhow::Result<u64> {
    let file = PathBuf::from(format!("{}.{dump}", counts.display()));
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        // The file is complete once its totals line is written, at its end.
        if let Ok(text) = std::fs::read_to_string(&file)
            && let Some(total) = text.lines().find_map(|line| line.strip_prefix("totals: "))
        {
            return total
                .trim()
                .parse()
                .with_context(|| format!("cannot read the totals of {}", file.display()));
        }
        if Instant::now() > deadline {
            bail!(
                "callgrind wrote no counts to {} within 60 s",
                file.display()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Removes the counts of an earlier run, whose numbered dumps would be read as this one's.
fn remove_counts(counts: &Path) -> anyhow::Result<()> {
    let (Some(dir), Some(prefix)) = (counts.parent(), counts.file_name()) else {
        bail!("{} is not a file path", counts.display());
    };
    let prefix = prefix.to_string_lossy();
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let entry = entry?;
        if entry
            .file_name()
            .to_string_lossy()
            .starts_with(prefix.as_ref())
        {
            std::fs::remove_file(entry.path())
                .with_context(|| format!("cannot remove {}", entry.path().display()))?;
        }
    }
    Ok(())
}

fn millions(instructions: u64) -> String {
    format!("{:.2} M", instructions as f64 / 1e6)
}
