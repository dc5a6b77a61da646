//! The `fans` table. Schema only: behaviour lives in `crate::domain`.

use sea_orm::entity::prelude::*;

use crate::vocab::{Daw, EmailStatus, FanSource, SkillLevel};

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "fans")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub store_id: i64,
    pub email: String,
    pub name: String,
    pub sort_name: String,
    pub score: i64,
    pub daw: Option<Daw>,
    pub skill_level: Option<SkillLevel>,
    pub goals: String,
    pub email_status: EmailStatus,
    pub source: FanSource,
    pub created_at: DateTimeUtc,
    pub last_activity_at: DateTimeUtc,
    pub last_open_at: Option<DateTimeUtc>,
    pub last_click_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
