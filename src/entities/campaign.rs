//! The `campaigns` table. Schema only: behaviour lives in `crate::domain`.

use sea_orm::entity::prelude::*;

use crate::vocab::CampaignStatus;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "campaigns")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub store_id: i64,
    pub subject: String,
    pub preheader: String,
    pub from_name: String,
    #[sea_orm(column_type = "Text")]
    pub body_markdown: String,
    /// The Fans filter as its URL query string.
    pub audience: String,
    pub status: CampaignStatus,
    pub scheduled_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub started_at: Option<DateTimeUtc>,
    pub finished_at: Option<DateTimeUtc>,
    pub recipient_count: i64,
    pub left_out_unsubscribed: i64,
    pub left_out_bounced: i64,
    pub left_out_complained: i64,
    pub sent_count: i64,
    pub failed_count: i64,
    pub skipped_count: i64,
    /// Why the sender paused this campaign by itself (see `domain::campaigns::worker`);
    /// cleared on resume.
    pub paused_reason: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
