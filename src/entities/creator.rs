//! The `creators` table. Schema only: behaviour lives in `crate::domain::accounts::creators`.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "creators")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub email: String,
    pub password_hash: String,
    pub created_at: DateTimeUtc,
    pub password_changed_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
