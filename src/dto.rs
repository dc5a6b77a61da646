//! Plain serde types that cross the wire between server functions and pages.
//! They never contain SeaORM models; the domain layer builds them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::money::Currency;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoreSummary {
    pub id: i64,
    pub name: String,
    pub currency: Currency,
    pub created_at: DateTime<Utc>,
}
