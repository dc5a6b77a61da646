//! The `bulk_tag_jobs` table. Schema only: behaviour lives in `crate::domain`.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "bulk_tag_jobs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub store_id: i64,
    pub tag_id: i64,
    pub tag_name: String,
    /// `add` or `remove` (`crate::vocab::TagAction`).
    pub action: String,
    /// The Fans filter (JSON) for "every fan matching".
    #[sea_orm(column_type = "Text", nullable)]
    pub filter: Option<String>,
    /// The ticked fan ids (JSON, sorted), for a list.
    #[sea_orm(column_type = "Text", nullable)]
    pub fan_ids: Option<String>,
    pub total: i64,
    pub processed: i64,
    pub changed: i64,
    /// The last fan id worked on.
    pub cursor: i64,
    /// `queued`, `running`, `done` or `failed`.
    pub status: String,
    pub error: Option<String>,
    pub created_at: DateTimeUtc,
    pub touched_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
