//! The `fan_activities` table. Schema only: behaviour lives in `crate::domain`.

use sea_orm::entity::prelude::*;

use crate::vocab::ActivityKind;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "fan_activities")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub store_id: i64,
    pub fan_id: i64,
    pub kind: ActivityKind,
    pub detail: String,
    pub points: i64,
    pub reference: Option<String>,
    pub purchase_id: Option<i64>,
    pub occurred_at: DateTimeUtc,
    /// Set on a creator's tag change: one row per fan and tag, updated in place when the
    /// tag is toggled again (see `domain::audience::tagging`).
    pub tag_id: Option<i64>,
}

impl ActiveModelBehavior for ActiveModel {}
