//! Plain serde types that cross the wire between server functions and pages.
//! They never contain SeaORM models; the domain layer builds them.
//!
//! Times cross the wire as whole microseconds since the Unix epoch (chrono's
//! `ts_microseconds`), the precision Encore keeps them at ([`crate::domain::time`]), so the
//! round trip is exact. An RFC 3339 string takes nearly twice the bytes, and about 3,000
//! instructions each to write on the server.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::money::{Currency, MinorUnits};
use crate::vocab::{
    ActivityKind, Daw, EmailStatus, FanSource, Genre, ProductKind, PurchaseSource, SkillLevel,
    SubscriptionStatus, vocabulary,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreSummary {
    pub id: i64,
    pub name: String,
    pub currency: Currency,
    #[serde(with = "chrono::serde::ts_microseconds")]
    pub created_at: DateTime<Utc>,
}

/// The signed-in creator and their stores, for the top bar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViewerSummary {
    pub email: String,
    pub stores: Vec<StoreSummary>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductSummary {
    pub id: i64,
    pub name: String,
    pub kind: ProductKind,
    pub price_cents: MinorUnits,
    pub is_subscription: bool,
    pub archived: bool,
}

/// What recording a purchase did (or, for a replay, had done the first time).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseReceipt {
    pub purchase_id: i64,
    pub customer_id: i64,
    /// The fan the purchase synced to; `None` only when that fan has since been erased.
    pub fan_id: Option<i64>,
    pub points: i64,
    /// True when this call repeated an already recorded purchase and changed nothing.
    pub replayed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundReceipt {
    pub refund_id: i64,
    pub purchase_id: i64,
    /// Whose purchase it was: the refund form returns to their page.
    pub customer_id: i64,
    pub amount_cents: MinorUnits,
    /// What remains refundable on the purchase afterwards.
    pub remaining_cents: MinorUnits,
    /// Points taken back from the fan (zero or negative).
    pub points: i64,
    pub replayed: bool,
}

// ---------------------------------------------------------------------------------------
// Lists: sorting and keyset pagination

vocabulary! {
    /// Which way a sorted list runs (the URL's `dir`).
    #[derive(Default)]
    SortDirection ("sort direction") {
        #[default]
        Desc => "desc", "Descending";
        Asc => "asc", "Ascending";
    }
}

impl SortDirection {
    pub fn reversed(self) -> SortDirection {
        match self {
            SortDirection::Desc => SortDirection::Asc,
            SortDirection::Asc => SortDirection::Desc,
        }
    }
}

/// Where a page starts: after the last row of the previous page, or before the first row of
/// the next one. Cursors are opaque strings made by the server.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum PageAt {
    #[default]
    First,
    After(String),
    Before(String),
}

// ---------------------------------------------------------------------------------------
// Customers

vocabulary! {
    /// What the customer list is sorted by (the URL's `sort`).
    #[derive(Default)]
    CustomerSort ("customer sort") {
        #[default]
        TotalSpent => "total_spent", "Total spent";
        LastPurchase => "last_purchase", "Last purchase";
        Purchases => "purchases", "Purchases";
        Name => "name", "Name";
    }
}

impl CustomerSort {
    /// Names read A→Z; numbers and dates biggest and newest first.
    pub fn default_direction(self) -> SortDirection {
        match self {
            CustomerSort::Name => SortDirection::Asc,
            _ => SortDirection::Desc,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CustomerFilter {
    /// Part of an email or name.
    pub search: Option<String>,
    /// Customers who bought this product.
    pub product_id: Option<i64>,
    /// Customers with a subscription that is active right now.
    pub subscribed_now: bool,
    /// Customers with at least one refund.
    pub has_refunds: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerQuery {
    pub filter: CustomerFilter,
    pub sort: CustomerSort,
    pub direction: SortDirection,
    pub page: PageAt,
    pub page_size: u64,
}

impl Default for CustomerQuery {
    fn default() -> Self {
        CustomerQuery {
            filter: CustomerFilter::default(),
            sort: CustomerSort::TotalSpent,
            direction: SortDirection::Desc,
            page: PageAt::First,
            page_size: 50,
        }
    }
}

/// The fan behind a customer (same store, same email): the unified view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FanLink {
    pub fan_id: i64,
    pub score: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerRow {
    pub id: i64,
    pub email: String,
    pub name: String,
    /// Net of refunds.
    pub total_spent_cents: MinorUnits,
    pub refunded_cents: MinorUnits,
    pub purchase_count: i32,
    #[serde(with = "chrono::serde::ts_microseconds_option")]
    pub first_purchase_at: Option<DateTime<Utc>>,
    #[serde(with = "chrono::serde::ts_microseconds_option")]
    pub last_purchase_at: Option<DateTime<Utc>>,
    /// The products the customer bought, each once, by id (ascending). Pages name them from
    /// the store's products ([`CustomerRow::product_names`]), which they read anyway: a page
    /// of rows carries each name once instead of on every row that bought it.
    pub products: Vec<i64>,
    /// The most current status among the customer's subscriptions.
    pub subscription: Option<SubscriptionStatus>,
    pub fan: Option<FanLink>,
}

impl CustomerRow {
    /// The names of the products this customer bought, in the order of `products`: the
    /// store's products as `list_products` reads them (archived ones included), by name then
    /// id. A product missing from `products` is left out.
    pub fn product_names<'a>(
        &self,
        products: &'a [ProductSummary],
    ) -> impl Iterator<Item = &'a str> + use<'a, '_> {
        products
            .iter()
            .filter(|product| self.products.binary_search(&product.id).is_ok())
            .map(|product| product.name.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerPage {
    pub rows: Vec<CustomerRow>,
    /// Every customer matching the filter, not just this page.
    pub total: u64,
    pub next: Option<String>,
    pub previous: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseRow {
    pub id: i64,
    pub product_id: i64,
    pub product_name: String,
    pub amount_cents: MinorUnits,
    pub refunded_cents: MinorUnits,
    pub currency: Currency,
    pub source: PurchaseSource,
    #[serde(with = "chrono::serde::ts_microseconds")]
    pub purchased_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundRow {
    pub id: i64,
    pub purchase_id: i64,
    pub product_name: String,
    pub amount_cents: MinorUnits,
    pub reason: String,
    #[serde(with = "chrono::serde::ts_microseconds")]
    pub refunded_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollmentRow {
    pub product_id: i64,
    pub product_name: String,
    #[serde(with = "chrono::serde::ts_microseconds")]
    pub enrolled_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionRow {
    pub product_id: i64,
    pub product_name: String,
    pub status: SubscriptionStatus,
    #[serde(with = "chrono::serde::ts_microseconds")]
    pub started_at: DateTime<Utc>,
    #[serde(with = "chrono::serde::ts_microseconds")]
    pub renewed_at: DateTime<Utc>,
    #[serde(with = "chrono::serde::ts_microseconds")]
    pub current_period_end: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FanSnapshot {
    pub fan_id: i64,
    pub score: i64,
    pub tags: Vec<String>,
    #[serde(with = "chrono::serde::ts_microseconds_option")]
    pub last_open_at: Option<DateTime<Utc>>,
    pub email_status: EmailStatus,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerDetail {
    pub customer: CustomerRow,
    pub currency: Currency,
    /// Newest first.
    pub purchases: Vec<PurchaseRow>,
    pub enrollments: Vec<EnrollmentRow>,
    pub subscriptions: Vec<SubscriptionRow>,
    /// Newest first.
    pub refunds: Vec<RefundRow>,
    pub fan: Option<FanSnapshot>,
}

// ---------------------------------------------------------------------------------------
// Revenue

/// Calendar days from `start` to `end`, both included (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateRange {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bucket {
    Day,
    Week,
    Month,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeriesPoint {
    /// First day of the bucket.
    pub start: NaiveDate,
    pub gross_cents: MinorUnits,
    pub refunds_cents: MinorUnits,
    pub net_cents: MinorUnits,
    pub orders: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopProduct {
    pub product_id: i64,
    pub name: String,
    pub units: i64,
    pub net_cents: MinorUnits,
}

/// A period's totals: the dashboard's cards, for the period shown and the one before it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodTotals {
    pub range: DateRange,
    pub gross_cents: MinorUnits,
    pub refunds_cents: MinorUnits,
    pub net_cents: MinorUnits,
    pub orders: i64,
    /// Gross revenue per order, rounded to the nearest minor unit; 0 without orders.
    pub average_order_cents: MinorUnits,
    /// Distinct customers who bought in the range.
    pub customers: i64,
    /// Customers whose first purchase falls in the range.
    pub new_customers: i64,
    /// Subscriptions active at the end of the range.
    pub active_subscribers: i64,
}

/// A period's totals with its chart and best sellers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevenueSummary {
    pub currency: Currency,
    pub totals: PeriodTotals,
    pub bucket: Bucket,
    pub series: Vec<SeriesPoint>,
    /// Best sellers by net revenue.
    pub top_products: Vec<TopProduct>,
}

// ---------------------------------------------------------------------------------------
// Fans

vocabulary! {
    /// What the fan list is sorted by (the URL's `sort`), labelled as the sort links show it.
    #[derive(Default)]
    FanSort ("fan sort") {
        #[default]
        Score => "score", "Score";
        LastActivity => "last_activity", "Last activity";
        Newest => "newest", "Newest";
        Name => "name", "Name";
    }
}

impl FanSort {
    pub fn default_direction(self) -> SortDirection {
        match self {
            FanSort::Name => SortDirection::Asc,
            _ => SortDirection::Desc,
        }
    }
}

/// An audience: which fans a list, a count or a bulk action is about. Lives in the URL.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FanFilter {
    /// Fans with at least one of these tags (by name, any case).
    pub tags_any: Vec<String>,
    /// Fans with every one of these tags.
    pub tags_all: Vec<String>,
    /// Fans with none of these tags.
    pub tags_none: Vec<String>,
    pub daw: Option<Daw>,
    pub genre: Option<Genre>,
    pub skill: Option<SkillLevel>,
    pub score_min: Option<i64>,
    pub score_max: Option<i64>,
    /// Opened an email within the last N days.
    pub opened_within_days: Option<u32>,
    /// Has not opened an email for N days (or never).
    pub not_opened_days: Option<u32>,
    /// Customers only (`Some(true)`) or non-customers only (`Some(false)`).
    pub customer: Option<bool>,
    pub email_status: Option<EmailStatus>,
    /// Part of an email or name.
    pub search: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FanQuery {
    pub filter: FanFilter,
    pub sort: FanSort,
    pub direction: SortDirection,
    pub page: PageAt,
    pub page_size: u64,
}

impl Default for FanQuery {
    fn default() -> Self {
        FanQuery {
            filter: FanFilter::default(),
            sort: FanSort::Score,
            direction: SortDirection::Desc,
            page: PageAt::First,
            page_size: 50,
        }
    }
}

/// The customer behind a fan: the unified view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerBadge {
    pub customer_id: i64,
    pub total_spent_cents: MinorUnits,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FanRow {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub score: i64,
    pub tags: Vec<String>,
    pub daw: Option<Daw>,
    pub email_status: EmailStatus,
    #[serde(with = "chrono::serde::ts_microseconds_option")]
    pub last_open_at: Option<DateTime<Utc>>,
    #[serde(with = "chrono::serde::ts_microseconds")]
    pub last_activity_at: DateTime<Utc>,
    #[serde(with = "chrono::serde::ts_microseconds")]
    pub created_at: DateTime<Utc>,
    pub customer: Option<CustomerBadge>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FanPage {
    pub rows: Vec<FanRow>,
    /// Every fan matching the filter: the audience's exact size.
    pub total: u64,
    pub next: Option<String>,
    pub previous: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FanDetail {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub score: i64,
    pub daw: Option<Daw>,
    pub genres: Vec<Genre>,
    pub skill: Option<SkillLevel>,
    pub goals: String,
    pub email_status: EmailStatus,
    pub source: FanSource,
    #[serde(with = "chrono::serde::ts_microseconds")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "chrono::serde::ts_microseconds")]
    pub last_activity_at: DateTime<Utc>,
    #[serde(with = "chrono::serde::ts_microseconds_option")]
    pub last_open_at: Option<DateTime<Utc>>,
    #[serde(with = "chrono::serde::ts_microseconds_option")]
    pub last_click_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FanTagRow {
    pub name: String,
    #[serde(with = "chrono::serde::ts_microseconds")]
    pub added_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityRow {
    pub id: i64,
    pub kind: ActivityKind,
    pub detail: String,
    pub points: i64,
    #[serde(with = "chrono::serde::ts_microseconds")]
    pub occurred_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FanProfile {
    pub fan: FanDetail,
    pub currency: Currency,
    /// In the order they were added.
    pub tags: Vec<FanTagRow>,
    /// Newest first.
    pub activities: Vec<ActivityRow>,
    /// Newest first: the unified view of the fan's purchases.
    pub purchases: Vec<PurchaseRow>,
    pub customer: Option<CustomerBadge>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagCount {
    pub id: i64,
    pub name: String,
    pub fans: u64,
}

/// What a bulk tag change did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagChange {
    pub tag: String,
    /// Fans whose tags actually changed (already-tagged fans are not counted).
    pub fans_changed: u64,
}

// ---------------------------------------------------------------------------------------
// Page payloads: what one server function returns for one part of a page. Each carries the
// server's `now`, so relative times render the same on the server and in the browser.

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dashboard {
    pub current: RevenueSummary,
    /// The totals of the period of the same length just before, for the cards' changes.
    /// Its chart and best sellers are not shown, so they are neither read nor sent.
    pub previous: PeriodTotals,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerListView {
    pub store: StoreSummary,
    pub page: CustomerPage,
    pub products: Vec<ProductSummary>,
    #[serde(with = "chrono::serde::ts_microseconds")]
    pub now: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerDetailView {
    pub detail: CustomerDetail,
    #[serde(with = "chrono::serde::ts_microseconds")]
    pub now: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FanListView {
    pub store: StoreSummary,
    pub page: FanPage,
    pub tags: Vec<TagCount>,
    #[serde(with = "chrono::serde::ts_microseconds")]
    pub now: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FanProfileView {
    pub profile: FanProfile,
    pub all_tags: Vec<TagCount>,
    #[serde(with = "chrono::serde::ts_microseconds")]
    pub now: DateTime<Utc>,
}

/// What a bulk tag change will touch, for its confirmation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkPreview {
    pub fans: u64,
    pub tag: String,
}

/// A bulk tag change running in the background, as its page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkJobView {
    pub tag: String,
    /// Adding (or removing) the tag.
    pub add: bool,
    /// Fans selected when the change started.
    pub total: u64,
    /// Fans looked at so far.
    pub processed: u64,
    /// Fans whose tags changed so far.
    pub changed: u64,
    pub finished: bool,
    /// Why it stopped before the end.
    pub failed: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(rfc3339: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(rfc3339).unwrap().to_utc()
    }

    #[test]
    fn sorts_cross_the_wire_as_their_url_slugs() {
        assert_eq!(
            serde_json::to_string(&CustomerSort::LastPurchase).unwrap(),
            r#""last_purchase""#
        );
        assert_eq!(
            serde_json::from_str::<FanSort>(r#""last_activity""#).unwrap(),
            FanSort::LastActivity
        );
        assert_eq!("asc".parse(), Ok(SortDirection::Asc));
        assert_eq!(SortDirection::default(), SortDirection::Desc);
        assert_eq!(CustomerSort::default(), CustomerSort::TotalSpent);
        assert_eq!(FanSort::default().default_direction(), SortDirection::Desc);
        assert!("sideways".parse::<SortDirection>().is_err());
    }

    #[test]
    fn times_cross_the_wire_as_microseconds_and_come_back_equal() {
        let row = FanTagRow {
            name: "customer".to_owned(),
            added_at: at("2026-11-28T08:51:54.123456Z"),
        };
        let json = serde_json::to_string(&row).unwrap();
        assert_eq!(json, r#"{"name":"customer","added_at":1795855914123456}"#);
        assert_eq!(serde_json::from_str::<FanTagRow>(&json).unwrap(), row);
    }

    #[test]
    fn optional_times_cross_the_wire_as_microseconds_or_null() {
        let snapshot = |last_open_at| FanSnapshot {
            fan_id: 7,
            score: 12,
            tags: Vec::new(),
            last_open_at,
            email_status: EmailStatus::Subscribed,
        };
        // Before the epoch too: a negative count.
        let moon_landing = at("1969-07-20T20:17:40.000001Z");
        for (value, wire) in [(None, "null"), (Some(moon_landing), "-14182939999999")] {
            let json = serde_json::to_string(&snapshot(value)).unwrap();
            assert!(
                json.contains(&format!(r#""last_open_at":{wire},"#)),
                "{json}"
            );
            assert_eq!(
                serde_json::from_str::<FanSnapshot>(&json).unwrap(),
                snapshot(value)
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// Campaigns (#28)

/// A store's sender settings as the settings form shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct EmailSettingsView {
    pub sender_name: String,
    pub sender_address: String,
    pub reply_to: String,
    pub postal_address: String,
    /// Whether a campaign can go out: a sender address and a postal address are set.
    pub ready: bool,
}

/// How many fans of an audience would receive a campaign, and who is left out and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ReachView {
    pub recipients: u64,
    pub unsubscribed: u64,
    pub bounced: u64,
    pub complained: u64,
}

/// An audience carried over from the Fans page: its link, in words, and its reach.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AudienceView {
    /// The Fans page query string (no `?`).
    pub query: String,
    pub words: String,
    pub reach: ReachView,
}

/// The "New campaign" page: the audience carried over, and where mail goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewCampaignView {
    pub audience: AudienceView,
    pub delivery: MailDelivery,
}

/// Where mail goes: a real SMTP server, or `.eml` files in the outbox folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum MailDelivery {
    Smtp,
    Outbox { folder: String },
}

/// Sent, failed and skipped so far, of the recipients fixed when sending started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SendProgress {
    pub recipients: i64,
    pub sent: i64,
    pub failed: i64,
    pub skipped: i64,
}

impl SendProgress {
    /// Recipients settled (sent, failed or skipped).
    pub fn done(&self) -> i64 {
        self.sent + self.failed + self.skipped
    }

    /// Whole percent settled, 0–100.
    pub fn percent(&self) -> i64 {
        if self.recipients <= 0 {
            0
        } else {
            (self.done() * 100 / self.recipients).clamp(0, 100)
        }
    }
}

/// One row of the campaigns list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignRow {
    pub id: i64,
    pub subject: String,
    pub status: crate::vocab::CampaignStatus,
    pub audience_words: String,
    pub progress: SendProgress,
    #[serde(with = "chrono::serde::ts_microseconds")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "chrono::serde::ts_microseconds_option")]
    pub scheduled_at: Option<DateTime<Utc>>,
}

/// A page of the campaigns list, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignList {
    pub rows: Vec<CampaignRow>,
    pub next: Option<String>,
    pub delivery: MailDelivery,
}

/// A campaign's page: its content (editable while a draft), audience, status and progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignDetail {
    pub id: i64,
    pub subject: String,
    pub preheader: String,
    pub from_name: String,
    pub body: String,
    pub audience: AudienceView,
    pub status: crate::vocab::CampaignStatus,
    pub progress: SendProgress,
    /// Fans left out when the audience was fixed (after sending started).
    pub left_out: ReachView,
    /// What stops a draft from being sent, by field.
    pub problems: Vec<crate::error::FieldError>,
    pub settings_ready: bool,
    /// Why the sender paused it by itself (e.g. the sender settings went missing).
    pub paused_reason: Option<String>,
    pub delivery: MailDelivery,
    #[serde(with = "chrono::serde::ts_microseconds_option")]
    pub scheduled_at: Option<DateTime<Utc>>,
    #[serde(with = "chrono::serde::ts_microseconds_option")]
    pub started_at: Option<DateTime<Utc>>,
    #[serde(with = "chrono::serde::ts_microseconds_option")]
    pub finished_at: Option<DateTime<Utc>>,
}
