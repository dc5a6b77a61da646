//! Encore's clock. Timestamps are kept to whole microseconds, the precision PostgreSQL
//! stores, so a value reads back equal on both engines; revenue days are UTC days.

use chrono::{DateTime, NaiveDate, NaiveTime, SubsecRound, Utc};

/// The current time, at the precision the database keeps.
pub fn now() -> DateTime<Utc> {
    at_db_precision(Utc::now())
}

/// `at` rounded down to whole microseconds.
pub fn at_db_precision(at: DateTime<Utc>) -> DateTime<Utc> {
    at.trunc_subsecs(6)
}

/// The revenue day an instant belongs to.
pub fn revenue_day(at: DateTime<Utc>) -> NaiveDate {
    at.date_naive()
}

/// The first instant of a revenue day (midnight UTC).
pub fn day_start(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(NaiveTime::MIN).and_utc()
}
