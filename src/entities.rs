//! SeaORM entities, one per table, holding only the schema (see `migration/`).
//! Enumerated columns have the types of `crate::vocab`, stored as their slugs, and currency
//! columns are [`crate::money::Currency`], stored as its code: a value the code does not know
//! fails the read (a database error, logged), never a panic.

pub mod app_secret;
pub mod bulk_tag_job;
pub mod buyer_count;
pub mod campaign;
pub mod campaign_recipient;
pub mod creator;
pub mod customer;
pub mod customer_daily;
pub mod enrollment;
pub mod fan;
pub mod fan_activity;
pub mod fan_genre;
pub mod fan_tag;
pub mod form_flash;
pub mod product;
pub mod purchase;
pub mod refund;
pub mod revenue_daily;
pub mod revenue_weekly;
pub mod session;
pub mod store;
pub mod store_email_settings;
pub mod subscription;
pub mod subscription_daily;
pub mod subscription_period;
pub mod tag;
pub mod tag_pair;

/// A store's (and a purchase's) currency is stored as its ISO code. `crate::money` is shared
/// with the browser build, which has no SeaORM, so the column type is given here: written as
/// the code, read back through [`Currency::from_code`]. A code Encore does not support fails
/// the read (a database error, logged), never a panic.
mod currency_column {
    use sea_orm::sea_query::{ArrayType, ColumnType, Nullable, StringLen, ValueType, ValueTypeErr};
    use sea_orm::{
        ActiveValue, ColIdx, DbErr, IntoActiveValue, QueryResult, TryGetError, TryGetable, Value,
    };

    use crate::money::Currency;

    impl From<Currency> for Value {
        fn from(currency: Currency) -> Value {
            Value::String(Some(currency.code().to_owned()))
        }
    }

    impl TryGetable for Currency {
        fn try_get_by<I: ColIdx>(res: &QueryResult, index: I) -> Result<Self, TryGetError> {
            let code = String::try_get_by(res, index)?;
            Currency::from_code(&code).ok_or_else(|| {
                TryGetError::DbErr(DbErr::Type(format!("unsupported currency \"{code}\"")))
            })
        }
    }

    impl ValueType for Currency {
        fn try_from(value: Value) -> Result<Self, ValueTypeErr> {
            let code = <String as ValueType>::try_from(value)?;
            Currency::from_code(&code).ok_or(ValueTypeErr)
        }

        fn type_name() -> String {
            "Currency".to_owned()
        }

        fn array_type() -> ArrayType {
            ArrayType::String
        }

        fn column_type() -> ColumnType {
            ColumnType::String(StringLen::None)
        }
    }

    impl Nullable for Currency {
        fn null() -> Value {
            Value::String(None)
        }
    }

    impl IntoActiveValue<Currency> for Currency {
        fn into_active_value(self) -> ActiveValue<Currency> {
            ActiveValue::Set(self)
        }
    }
}
