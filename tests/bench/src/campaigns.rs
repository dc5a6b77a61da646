//! Campaigns (#28): fixing a tag's audience into the send queue. The app runs
//! `audience::snapshot` (the filter compiled by the Fans page's code, one `INSERT … SELECT`);
//! the baseline is a hand-written `INSERT … SELECT` of the same rows. Both run in a
//! transaction that is rolled back, so every round starts from the same empty queue; both
//! first check that they queue the same number of fans.
//!
//! Not measured yet: sending N messages to the SMTP sink against a plain lettre loop (the
//! issue's second campaign row).

use anyhow::ensure;
use sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement, TransactionTrait, Value,
};

use encore::domain::campaigns::{audience, compose::Content, lifecycle};
use encore::domain::time;
use encore::dto::FanFilter;

use super::data::{Fixture, tag_near};
use super::report::{Figure, Row, Verdict};
use super::timing::{Plan, alternate, ratio};

/// The raw statement: the tag's subscribed fans, first word of the name, queued now.
fn raw_sql(backend: DatabaseBackend) -> String {
    let (first_name, p) = match backend {
        DatabaseBackend::Postgres => ("split_part(trim(f.name), ' ', 1)", ["$1", "$2", "$3", "$4"]),
        _ => (
            "CASE WHEN instr(trim(f.name), ' ') > 0 \
             THEN substr(trim(f.name), 1, instr(trim(f.name), ' ') - 1) ELSE trim(f.name) END",
            ["?", "?", "?", "?"],
        ),
    };
    format!(
        "INSERT INTO campaign_recipients (campaign_id, store_id, fan_id, email, first_name, \
         status, attempts, next_attempt_at) \
         SELECT {campaign}, f.store_id, f.id, f.email, {first_name}, 'queued', 0, {now} \
         FROM fan_tags AS ft JOIN fans AS f ON f.id = ft.fan_id \
         WHERE ft.tag_id = (SELECT id FROM tags WHERE store_id = {store} AND name = {tag}) \
         AND f.email_status = 'subscribed'",
        campaign = p[0],
        now = p[1],
        store = p[2],
        tag = p[3],
    )
}

pub async fn run(db: &DatabaseConnection, fixture: &Fixture, plan: Plan) -> anyhow::Result<Row> {
    let (tag, members) = tag_near(fixture, 0.4);
    let campaign_id = lifecycle::create_draft(
        db,
        fixture.store_id,
        &Content {
            subject: "Bench".into(),
            preheader: String::new(),
            from_name: String::new(),
            body: "Bench".into(),
        },
        &audience::Audience::parse(&format!("any={tag}"))
            .map_err(|e| anyhow::anyhow!("audience: {e:?}"))?,
    )
    .await?;
    let filter = FanFilter {
        tags_any: vec![tag.clone()],
        ..FanFilter::default()
    };
    let backend = db.get_database_backend();
    let sql = raw_sql(backend);
    let store_id = fixture.store_id;

    let app_once = async || -> anyhow::Result<u64> {
        let tx = db.begin().await?;
        let queued = audience::snapshot(&tx, store_id, campaign_id, &filter, time::now()).await?;
        tx.rollback().await?;
        Ok(queued)
    };
    let raw_once = async || -> anyhow::Result<u64> {
        let tx = db.begin().await?;
        let result = tx
            .execute_raw(Statement::from_sql_and_values(
                backend,
                sql.clone(),
                [
                    Value::from(campaign_id),
                    Value::from(time::now()),
                    Value::from(store_id),
                    Value::from(tag.clone()),
                ],
            ))
            .await?;
        tx.rollback().await?;
        Ok(result.rows_affected())
    };
    let (app_rows, raw_rows) = (app_once().await?, raw_once().await?);
    ensure!(
        app_rows == raw_rows && app_rows > 0,
        "snapshot of `{tag}`: the app queued {app_rows} fans, the raw statement {raw_rows}"
    );
    let (app, baseline) = alternate(
        plan,
        async || app_once().await.map(|_| ()),
        async || raw_once().await.map(|_| ()),
    )
    .await?;
    // Time over the raw statement's: ≤ 2 is "at least 0.5× its speed".
    let r = ratio(app.median(), baseline.median());
    Ok(Row {
        workload: format!(
            "Campaign audience snapshot: `{tag}` ({members} fans, {app_rows} subscribed) into the queue"
        ),
        app: Figure::latency(&app),
        baseline: Figure::latency(&baseline),
        ratio: Some(r),
        target: "p95 ≤ 10 s; ≤ 2× (≥ 0.5× the raw speed)".to_owned(),
        verdict: Verdict::of(app.p95() <= std::time::Duration::from_secs(10) && r <= 2.0),
    })
}
