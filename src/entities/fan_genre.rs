//! The `fan_genres` table. Schema only: behaviour lives in `crate::domain`.

use sea_orm::entity::prelude::*;

use crate::vocab::Genre;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "fan_genres")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub fan_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub genre: Genre,
    pub store_id: i64,
}

impl ActiveModelBehavior for ActiveModel {}
