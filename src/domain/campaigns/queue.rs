//! The send queue: one `campaign_recipients` row per message, claimed in batches by the
//! workers of every Encore instance on the database, and settled one by one.
//!
//! * **Claim.** A claim marks due rows of sending campaigns `sending` and moves their
//!   `next_attempt_at` to the end of a lease, in one `UPDATE … RETURNING`. PostgreSQL picks
//!   the rows with `FOR UPDATE SKIP LOCKED`, so two instances never claim the same row;
//!   SQLite runs it in a `BEGIN IMMEDIATE` transaction, which serialises claims.
//! * **Lapsed claims.** A `sending` row whose lease has passed belonged to a worker that
//!   died (a crash, `kill -9`); it is claimed again and sent with the same Message-ID, which
//!   is derived from the row. So delivery is *at least once*: after a crash, only the
//!   messages that were in flight at that instant (at most the worker's concurrency) can
//!   arrive twice, and a receiving system can tell the copies apart by that Message-ID.
//!   Exactly once is not on offer over SMTP: a server can accept a message and the
//!   connection drop before the reply arrives.
//! * **Skips.** A claimed fan who is no longer subscribed (unsubscribed, bounced since the
//!   audience was fixed) is skipped, not sent.
//! * **Settle.** Each outcome updates its row, guarded by `status = 'sending'` so a row
//!   settled twice (a lapsed claim raced its first worker) counts once, and the campaign's
//!   counters move in place (`x = x + 1`) in the same transaction. The campaign is `sent`
//!   once every recipient is settled.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection, EntityTrait,
    FromQueryResult, QueryFilter, QuerySelect, Statement, Value,
};

use crate::domain::audience::sync::{self, NewActivity};
use crate::domain::tx::{begin_write, with_retries};
use crate::domain::{DomainResult, time};
use crate::entities::{campaign, campaign_recipient, fan};
use crate::vocab::{ActivityKind, CampaignStatus, EmailStatus, RecipientStatus};

/// How many times a message is tried before it fails for good.
pub const MAX_ATTEMPTS: i32 = 5;

/// A claimed message, ready to be built and sent.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct Claimed {
    pub id: i64,
    pub campaign_id: i64,
    pub store_id: i64,
    pub fan_id: i64,
    pub email: String,
    pub first_name: String,
    pub attempts: i32,
}

/// `?` placeholders in `sql` written for the connection's engine.
fn placeholders(backend: DatabaseBackend, sql: &str) -> String {
    if backend != DatabaseBackend::Postgres {
        return sql.to_owned();
    }
    let mut out = String::with_capacity(sql.len() + 8);
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            out.push('$');
            out.push_str(&n.to_string());
        } else {
            out.push(c);
        }
    }
    out
}

/// Claims up to `limit` due messages for `lease`. Skips (and settles) the ones whose fan can
/// no longer be emailed; returns the rest.
///
/// # Errors
/// Database failures.
pub async fn claim(
    db: &DatabaseConnection,
    limit: u64,
    lease: Duration,
) -> DomainResult<Vec<Claimed>> {
    with_retries(|| async {
        let now = time::now();
        let until = now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::minutes(5));
        let backend = db.get_database_backend();
        let lock = if backend == DatabaseBackend::Postgres {
            " FOR UPDATE SKIP LOCKED"
        } else {
            ""
        };
        let sql = placeholders(
            backend,
            &format!(
                "UPDATE campaign_recipients SET status = 'sending', attempts = attempts + 1, \
                 next_attempt_at = ? \
                 WHERE id IN (SELECT r.id FROM campaign_recipients AS r \
                   WHERE r.campaign_id IN (SELECT c.id FROM campaigns AS c WHERE c.status = 'sending') \
                   AND r.status IN ('queued', 'sending') AND r.next_attempt_at <= ? \
                   LIMIT ?{lock}) \
                 RETURNING id, campaign_id, store_id, fan_id, email, first_name, attempts"
            ),
        );
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let tx = begin_write(db).await?;
        let claimed = Claimed::find_by_statement(Statement::from_sql_and_values(
            backend,
            sql,
            [Value::from(until), Value::from(now), Value::from(limit)],
        ))
        .all(&tx)
        .await?;
        if claimed.is_empty() {
            tx.commit().await?;
            return Ok(claimed);
        }
        let statuses: HashMap<i64, EmailStatus> = fan::Entity::find()
            .select_only()
            .column(fan::Column::Id)
            .column(fan::Column::EmailStatus)
            .filter(fan::Column::Id.is_in(claimed.iter().map(|c| c.fan_id)))
            .into_tuple::<(i64, EmailStatus)>()
            .all(&tx)
            .await?
            .into_iter()
            .collect();
        let (send, skip): (Vec<Claimed>, Vec<Claimed>) = claimed.into_iter().partition(|c| {
            statuses.get(&c.fan_id) == Some(&EmailStatus::Subscribed)
        });
        if !skip.is_empty() {
            campaign_recipient::Entity::update_many()
                .col_expr(
                    campaign_recipient::Column::Status,
                    Expr::val(RecipientStatus::Skipped.as_str()),
                )
                .filter(campaign_recipient::Column::Id.is_in(skip.iter().map(|c| c.id)))
                .exec(&tx)
                .await?;
            let mut per_campaign: BTreeMap<i64, i64> = BTreeMap::new();
            for row in &skip {
                *per_campaign.entry(row.campaign_id).or_default() += 1;
            }
            for (campaign_id, skipped) in per_campaign {
                add_to_counter(&tx, campaign_id, campaign::Column::SkippedCount, skipped).await?;
                finish_if_done(&tx, campaign_id, now).await?;
            }
        }
        tx.commit().await?;
        Ok(send)
    })
    .await
}

async fn add_to_counter(
    db: &impl ConnectionTrait,
    campaign_id: i64,
    column: campaign::Column,
    by: i64,
) -> DomainResult<()> {
    campaign::Entity::update_many()
        .col_expr(column, Expr::col(column).add(by))
        .filter(campaign::Column::Id.eq(campaign_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Marks a sending campaign `sent` once every recipient is settled.
async fn finish_if_done(
    db: &impl ConnectionTrait,
    campaign_id: i64,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    use campaign::Column as C;
    campaign::Entity::update_many()
        .col_expr(C::Status, Expr::val(CampaignStatus::Sent.as_str()))
        .col_expr(C::FinishedAt, Expr::val(now))
        .filter(C::Id.eq(campaign_id))
        .filter(C::Status.eq(CampaignStatus::Sending.as_str()))
        .filter(
            Expr::col(C::SentCount)
                .add(Expr::col(C::FailedCount))
                .add(Expr::col(C::SkippedCount))
                .gte(Expr::col(C::RecipientCount)),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// Pauses a sending campaign whose messages cannot be built, saying why, and hands back the
/// rows just claimed for it untouched (queued, due now, the attempt not counted), so they
/// go out when the creator fixes the cause and resumes. A campaign already paused or
/// cancelled meanwhile keeps its status.
///
/// # Errors
/// Database failures.
pub async fn hold(
    db: &DatabaseConnection,
    campaign_id: i64,
    reason: &str,
    claimed: &[i64],
) -> DomainResult<()> {
    with_retries(|| async {
        let now = time::now();
        let tx = begin_write(db).await?;
        use campaign::Column as C;
        campaign::Entity::update_many()
            .col_expr(C::Status, Expr::val(CampaignStatus::Paused.as_str()))
            .col_expr(
                C::PausedReason,
                Expr::val(reason.chars().take(500).collect::<String>()),
            )
            .col_expr(C::UpdatedAt, Expr::val(now))
            .filter(C::Id.eq(campaign_id))
            .filter(C::Status.eq(CampaignStatus::Sending.as_str()))
            .exec(&tx)
            .await?;
        use campaign_recipient::Column as R;
        campaign_recipient::Entity::update_many()
            .col_expr(R::Status, Expr::val(RecipientStatus::Queued.as_str()))
            .col_expr(R::Attempts, Expr::col(R::Attempts).sub(1))
            .col_expr(R::NextAttemptAt, Expr::val(now))
            .filter(R::Id.is_in(claimed.iter().copied()))
            .filter(R::CampaignId.eq(campaign_id))
            .filter(R::Status.eq(RecipientStatus::Sending.as_str()))
            .exec(&tx)
            .await?;
        tx.commit().await?;
        Ok(())
    })
    .await
}

/// What happened to one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Accepted by the server (or saved to the outbox), with this Message-ID.
    Sent { message_id: String },
    /// Worth another try later (4xx, a dropped connection); fails after [`MAX_ATTEMPTS`].
    Transient { error: String },
    /// Refused for good (5xx). `user_unknown` (550 5.1.1) also marks the fan bounced.
    Permanent { error: String, user_unknown: bool },
}

/// The pause before another try: 1, 4, 16, 64 minutes…
pub fn backoff(attempts: i32) -> chrono::Duration {
    let exponent = u32::try_from(attempts.clamp(1, 6) - 1).unwrap_or(0);
    chrono::Duration::minutes(4_i64.pow(exponent))
}

/// Records what happened to a claimed message.
///
/// # Errors
/// Database failures.
pub async fn settle(
    db: &DatabaseConnection,
    claimed: &Claimed,
    outcome: &Outcome,
) -> DomainResult<()> {
    with_retries(|| async {
        let now = time::now();
        let tx = begin_write(db).await?;
        use campaign_recipient::Column as R;
        let row = campaign_recipient::Entity::update_many()
            .filter(R::Id.eq(claimed.id))
            .filter(R::Status.eq(RecipientStatus::Sending.as_str()));
        let error_text = |error: &str| error.chars().take(500).collect::<String>();
        let counter = match outcome {
            Outcome::Sent { message_id } => {
                let changed = row
                    .col_expr(R::Status, Expr::val(RecipientStatus::Sent.as_str()))
                    .col_expr(R::SentAt, Expr::val(now))
                    .col_expr(R::MessageId, Expr::val(message_id.as_str()))
                    .col_expr(R::Error, Expr::val(Option::<String>::None))
                    .exec(&tx)
                    .await?;
                (changed.rows_affected == 1).then_some(campaign::Column::SentCount)
            }
            Outcome::Transient { error } if claimed.attempts < MAX_ATTEMPTS => {
                row.col_expr(R::Status, Expr::val(RecipientStatus::Queued.as_str()))
                    .col_expr(R::NextAttemptAt, Expr::val(now + backoff(claimed.attempts)))
                    .col_expr(R::Error, Expr::val(error_text(error)))
                    .exec(&tx)
                    .await?;
                None
            }
            Outcome::Transient { error } | Outcome::Permanent { error, .. } => {
                let changed = row
                    .col_expr(R::Status, Expr::val(RecipientStatus::Failed.as_str()))
                    .col_expr(R::Error, Expr::val(error_text(error)))
                    .exec(&tx)
                    .await?;
                if changed.rows_affected == 1
                    && matches!(
                        outcome,
                        Outcome::Permanent {
                            user_unknown: true,
                            ..
                        }
                    )
                {
                    mark_bounced(&tx, claimed, now).await?;
                }
                (changed.rows_affected == 1).then_some(campaign::Column::FailedCount)
            }
        };
        if let Some(counter) = counter {
            add_to_counter(&tx, claimed.campaign_id, counter, 1).await?;
            finish_if_done(&tx, claimed.campaign_id, now).await?;
        }
        tx.commit().await?;
        Ok(())
    })
    .await
}

/// The address does not exist: the fan is bounced and never emailed again.
async fn mark_bounced(
    db: &impl ConnectionTrait,
    claimed: &Claimed,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    let changed = fan::Entity::update_many()
        .col_expr(
            fan::Column::EmailStatus,
            Expr::val(EmailStatus::Bounced.as_str()),
        )
        .filter(fan::Column::Id.eq(claimed.fan_id))
        .filter(fan::Column::EmailStatus.eq(EmailStatus::Subscribed.as_str()))
        .exec(db)
        .await?;
    if changed.rows_affected == 1 {
        sync::record_activity(
            db,
            NewActivity {
                store_id: claimed.store_id,
                fan_id: claimed.fan_id,
                kind: ActivityKind::StatusChange,
                detail: "Email status: Bounced (the address does not exist)".to_owned(),
                points: 0,
                reference: None,
                purchase_id: None,
                occurred_at: now,
            },
        )
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_for_postgres_only() {
        assert_eq!(
            placeholders(DatabaseBackend::Postgres, "a = ? AND b <= ? LIMIT ?"),
            "a = $1 AND b <= $2 LIMIT $3"
        );
        assert_eq!(placeholders(DatabaseBackend::Sqlite, "a = ?"), "a = ?");
    }

    #[test]
    fn retries_back_off() {
        let minutes: Vec<i64> = (1..=5).map(|a| backoff(a).num_minutes()).collect();
        assert_eq!(minutes, [1, 4, 16, 64, 256]);
    }
}

/// The send queue as an operator watches it (`/metrics`): messages waiting to be sent, for
/// every campaign that is sending, and when the one that has waited longest became due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backlog {
    /// Queued messages, and claimed ones not settled yet.
    pub waiting: i64,
    /// The earliest `next_attempt_at` that has passed, among those.
    pub oldest_due_at: Option<DateTime<Utc>>,
}

/// The send queue's [`Backlog`] at `now`. Both reads walk the claim query's index.
///
/// # Errors
/// Database failures.
pub async fn backlog(db: &impl ConnectionTrait, now: DateTime<Utc>) -> DomainResult<Backlog> {
    #[derive(FromQueryResult)]
    struct Count {
        waiting: i64,
    }
    const WAITING: &str = "FROM campaign_recipients AS r \
         WHERE r.campaign_id IN (SELECT c.id FROM campaigns AS c WHERE c.status = 'sending') \
         AND r.status IN ('queued', 'sending')";
    let backend = db.get_database_backend();
    let waiting = Count::find_by_statement(Statement::from_string(
        backend,
        format!("SELECT COUNT(*) AS waiting {WAITING}"),
    ))
    .one(db)
    .await?
    .map_or(0, |count| count.waiting);
    let oldest = campaign_recipient::Entity::find()
        .from_raw_sql(Statement::from_sql_and_values(
            backend,
            placeholders(
                backend,
                &format!(
                    "SELECT r.* {WAITING} AND r.next_attempt_at <= ? \
                     ORDER BY r.next_attempt_at LIMIT 1"
                ),
            ),
            [Value::from(now)],
        ))
        .one(db)
        .await?;
    Ok(Backlog {
        waiting,
        oldest_due_at: oldest.map(|row| row.next_attempt_at),
    })
}
