//! The `campaign_recipients` table: the send queue. Schema only: behaviour lives in
//! `crate::domain::campaigns`.

use sea_orm::entity::prelude::*;

use crate::vocab::RecipientStatus;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "campaign_recipients")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub campaign_id: i64,
    pub store_id: i64,
    pub fan_id: i64,
    pub email: String,
    pub first_name: String,
    pub status: RecipientStatus,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    pub message_id: Option<String>,
    pub error: Option<String>,
    pub sent_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
