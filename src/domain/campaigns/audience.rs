//! A campaign's audience: any Fans filter, kept as the Fans page's query string (so "Use as
//! campaign audience" is a link), read back with the Fans page's own parser, described in
//! words, sized exactly, and fixed into the send queue when sending starts.
//!
//! Only subscribed fans receive a campaign. The rest of the filter's fans are *left out*,
//! and counted by reason (unsubscribed, bounced, complained) so the creator sees why.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, DatabaseBackend, FromQueryResult};

use crate::domain::audience::filter;
use crate::domain::{DomainError, DomainResult};
use crate::dto::FanFilter;
use crate::entities::{campaign_recipient, fan};
use crate::error::FieldError;
use crate::params::FanListParams;
use crate::url::with_query;
use crate::vocab::{EmailStatus, RecipientStatus};

/// An audience read from its query string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audience {
    /// The canonical query string (no leading `?`): only the filter's keys, in one order.
    pub query: String,
    pub filter: FanFilter,
}

impl Audience {
    /// Reads a Fans page query string (with or without its `?`); sort and page keys are
    /// ignored, a bad filter value is an error on the `audience` field.
    ///
    /// # Errors
    /// The Fans page's messages for bad values.
    pub fn parse(query: &str) -> Result<Audience, Vec<FieldError>> {
        let query = query.trim().trim_start_matches('?');
        let params: FanListParams = serde_urlencoded::from_str(query).map_err(|_| {
            vec![FieldError::new(
                "audience",
                "This audience link cannot be read. Choose the fans again on the Fans page.",
            )]
        })?;
        let filter = params
            .to_query()
            .map_err(|errors| {
                errors
                    .into_iter()
                    .map(|error| FieldError::new("audience", error.message))
                    .collect::<Vec<_>>()
            })?
            .filter;
        let canonical = with_query("", params.filter_pairs());
        Ok(Audience {
            query: canonical.trim_start_matches('?').to_owned(),
            filter,
        })
    }

    /// The audience in words: "tagged ableton, not tagged unsubscribed-from-x".
    pub fn describe(&self) -> String {
        describe(&self.filter)
    }
}

fn list(names: &[String], joiner: &str) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} {joiner} {last}", rest.join(", ")),
    }
}

/// A filter in words; "all your fans" when it has no condition.
pub fn describe(filter: &FanFilter) -> String {
    let mut parts: Vec<String> = Vec::new();
    if !filter.tags_any.is_empty() {
        parts.push(format!("tagged {}", list(&filter.tags_any, "or")));
    }
    if !filter.tags_all.is_empty() {
        parts.push(format!("tagged {}", list(&filter.tags_all, "and")));
    }
    if !filter.tags_none.is_empty() {
        parts.push(format!("not tagged {}", list(&filter.tags_none, "or")));
    }
    if let Some(daw) = filter.daw {
        parts.push(format!("using {}", daw.label()));
    }
    if let Some(genre) = filter.genre {
        parts.push(format!("into {}", genre.label()));
    }
    if let Some(skill) = filter.skill {
        parts.push(format!("{} level", skill.label().to_lowercase()));
    }
    match (filter.score_min, filter.score_max) {
        (Some(min), Some(max)) => parts.push(format!("score {min} to {max}")),
        (Some(min), None) => parts.push(format!("score at least {min}")),
        (None, Some(max)) => parts.push(format!("score at most {max}")),
        (None, None) => {}
    }
    if let Some(days) = filter.opened_within_days {
        parts.push(format!("opened an email in the last {days} days"));
    }
    if let Some(days) = filter.not_opened_days {
        parts.push(format!("no opens for {days} days"));
    }
    match filter.customer {
        Some(true) => parts.push("customers".to_owned()),
        Some(false) => parts.push("not customers".to_owned()),
        None => {}
    }
    if let Some(status) = filter.email_status {
        parts.push(format!("email status {}", status.label().to_lowercase()));
    }
    if let Some(search) = filter.search.as_deref().filter(|s| !s.trim().is_empty()) {
        parts.push(format!("matching \"{}\"", search.trim()));
    }
    if parts.is_empty() {
        "all your fans".to_owned()
    } else {
        format!("Fans {}", parts.join(", "))
    }
}

/// How many fans of an audience receive a campaign, and how many are left out and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Reach {
    pub recipients: u64,
    pub unsubscribed: u64,
    pub bounced: u64,
    pub complained: u64,
}

#[derive(FromQueryResult)]
struct StatusCount {
    email_status: EmailStatus,
    fans: i64,
}

/// The audience's exact size by email status, in one grouped count.
///
/// # Errors
/// Database failures.
pub async fn reach(
    db: &impl ConnectionTrait,
    store_id: i64,
    filter: &FanFilter,
    now: DateTime<Utc>,
) -> DomainResult<Reach> {
    let condition = filter::condition(db, store_id, filter, now).await?;
    let select = Query::select()
        .column((fan::Entity, fan::Column::EmailStatus))
        .expr_as(
            Expr::col((fan::Entity, fan::Column::Id)).count(),
            Alias::new("fans"),
        )
        .from(fan::Entity)
        .cond_where(condition)
        .group_by_col((fan::Entity, fan::Column::EmailStatus))
        .to_owned();
    let rows = StatusCount::find_by_statement(db.get_database_backend().build(&select))
        .all(db)
        .await?;
    let mut reach = Reach::default();
    for row in rows {
        let fans = u64::try_from(row.fans).unwrap_or(0);
        match row.email_status {
            EmailStatus::Subscribed => reach.recipients += fans,
            EmailStatus::Unsubscribed => reach.unsubscribed += fans,
            EmailStatus::Bounced => reach.bounced += fans,
            EmailStatus::Complained => reach.complained += fans,
        }
    }
    Ok(reach)
}

/// The fan's first name, in SQL: the first word of their name ('' when they gave none).
fn first_name_sql(backend: DatabaseBackend) -> &'static str {
    match backend {
        DatabaseBackend::Postgres => "split_part(trim(fans.name), ' ', 1)",
        _ => {
            "CASE WHEN instr(trim(fans.name), ' ') > 0 \
             THEN substr(trim(fans.name), 1, instr(trim(fans.name), ' ') - 1) \
             ELSE trim(fans.name) END"
        }
    }
}

/// Fixes the audience into the queue: one `INSERT … SELECT` of the subscribed fans matching
/// `filter` as queued recipients of `campaign_id`. Returns how many rows it queued. Runs in
/// the caller's transaction (the send command's), so the snapshot and the campaign's new
/// status commit together.
///
/// # Errors
/// Database failures.
pub async fn snapshot(
    db: &impl ConnectionTrait,
    store_id: i64,
    campaign_id: i64,
    filter: &FanFilter,
    now: DateTime<Utc>,
) -> DomainResult<u64> {
    let backend = db.get_database_backend();
    let condition = filter::condition(db, store_id, filter, now).await?;
    let select = Query::select()
        .expr(Expr::val(campaign_id))
        .column((fan::Entity, fan::Column::StoreId))
        .column((fan::Entity, fan::Column::Id))
        .column((fan::Entity, fan::Column::Email))
        .expr(Expr::cust(first_name_sql(backend)))
        .expr(Expr::val(RecipientStatus::Queued.as_str()))
        .expr(Expr::val(0))
        .expr(Expr::val(now))
        .from(fan::Entity)
        .cond_where(condition)
        .and_where(
            Expr::col((fan::Entity, fan::Column::EmailStatus)).eq(EmailStatus::Subscribed.as_str()),
        )
        .to_owned();
    use campaign_recipient::Column as R;
    let insert = Query::insert()
        .into_table(campaign_recipient::Entity)
        .columns([
            R::CampaignId,
            R::StoreId,
            R::FanId,
            R::Email,
            R::FirstName,
            R::Status,
            R::Attempts,
            R::NextAttemptAt,
        ])
        .select_from(select)
        .map_err(|error| DomainError::Corrupt(format!("snapshot statement: {error}")))?
        .to_owned();
    let result = db.execute(&insert).await?;
    Ok(result.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_audience_link_is_read_with_the_fans_pages_parser() {
        let audience = Audience::parse("?any=ableton&none=unsubscribed-from-x&sort=score").unwrap();
        assert_eq!(audience.query, "any=ableton&none=unsubscribed-from-x");
        assert_eq!(
            audience.describe(),
            "Fans tagged ableton, not tagged unsubscribed-from-x"
        );
        assert_eq!(Audience::parse("").unwrap().describe(), "all your fans");
        let errors = Audience::parse("daw=garageband").unwrap_err();
        assert_eq!(errors[0].field, "audience");
    }

    #[test]
    fn tag_lists_read_as_sentences() {
        let audience = Audience::parse("any=a,b,c&all=x,y&min=5").unwrap();
        assert_eq!(
            audience.describe(),
            "Fans tagged a, b or c, tagged x and y, score at least 5"
        );
    }
}
