//! The URL state of the list pages. Each struct is read from the query string by the router
//! (`use_query`), sent as-is to the server function, and turned into a domain query by one
//! parser, so the page and the server agree on what a URL means. A bad value is reported
//! against its field, never silently dropped.

use chrono::{Days, Months, NaiveDate};
use leptos::Params;
use leptos_router::params::Params;
use serde::{Deserialize, Serialize};

use crate::dto::{
    CustomerFilter, CustomerQuery, CustomerSort, DateRange, FanFilter, FanQuery, FanSort, PageAt,
    SortDirection,
};
use crate::error::FieldError;
use crate::url::with_query;
use crate::vocab::{Daw, EmailStatus, Genre, SkillLevel, vocabulary};

/// Rows per page on the list pages.
pub const PAGE_SIZE: u64 = 50;

fn present(value: &Option<String>) -> Option<&str> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|value| !value.is_empty())
}

fn page_at(after: &Option<String>, before: &Option<String>) -> PageAt {
    match (present(after), present(before)) {
        (Some(after), _) => PageAt::After(after.to_owned()),
        (None, Some(before)) => PageAt::Before(before.to_owned()),
        (None, None) => PageAt::First,
    }
}

fn direction(
    value: &Option<String>,
    default: SortDirection,
    errors: &mut Vec<FieldError>,
) -> SortDirection {
    match present(value) {
        None => default,
        Some(value) => value.parse().unwrap_or_else(|_| {
            errors.push(FieldError::new(
                "dir",
                "Sort either ascending or descending.",
            ));
            default
        }),
    }
}

fn choice<T: std::str::FromStr>(
    value: &Option<String>,
    field: &str,
    message: &str,
    errors: &mut Vec<FieldError>,
) -> Option<T> {
    let value = present(value)?;
    match value.parse() {
        Ok(parsed) => Some(parsed),
        Err(_) => {
            errors.push(FieldError::new(field, message));
            None
        }
    }
}

/// Tag names one list of an audience (any, all, none) may name.
pub const MAX_FILTER_TAGS: usize = 20;
/// Tag names a whole audience may name: each is a condition of its query.
pub const MAX_FILTER_CONDITIONS: usize = 30;

/// A comma-separated list of tag names; more than [`MAX_FILTER_TAGS`] is refused against
/// `field` (reading stops there, so a huge list costs no more than a full one).
fn tag_list(value: &Option<String>, field: &str, errors: &mut Vec<FieldError>) -> Vec<String> {
    let mut tags = Vec::new();
    let names = present(value)
        .into_iter()
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .filter(|tag| !tag.is_empty());
    for name in names {
        if tags.len() == MAX_FILTER_TAGS {
            errors.push(FieldError::new(
                field,
                format!("Filter by at most {MAX_FILTER_TAGS} tags here."),
            ));
            return Vec::new();
        }
        tags.push(name.to_owned());
    }
    tags
}

// ---------------------------------------------------------------------------------------
// Fans

/// `/store/{id}/contacts?any=…&all=…&none=…&daw=…&genre=…&skill=…&min=…&max=…&opened=…
/// &quiet=…&customer=yes|no&status=…&q=…&sort=…&dir=…&after=…|before=…`
#[derive(Params, Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FanListParams {
    /// Tags, comma-separated: fans with any of them.
    pub any: Option<String>,
    /// Tags, comma-separated: fans with all of them.
    pub all: Option<String>,
    /// Tags, comma-separated: fans with none of them.
    pub none: Option<String>,
    pub daw: Option<String>,
    pub genre: Option<String>,
    pub skill: Option<String>,
    /// Lowest score.
    pub min: Option<String>,
    /// Highest score.
    pub max: Option<String>,
    /// Opened an email within this many days.
    pub opened: Option<String>,
    /// Has not opened an email for this many days.
    pub quiet: Option<String>,
    /// `yes` for customers, `no` for everyone else.
    pub customer: Option<String>,
    pub status: Option<String>,
    pub q: Option<String>,
    pub sort: Option<String>,
    pub dir: Option<String>,
    pub after: Option<String>,
    pub before: Option<String>,
}

impl FanListParams {
    /// The audience, sort and page this URL asks for.
    ///
    /// # Errors
    /// One message per bad field (named like the URL key).
    pub fn to_query(&self) -> Result<FanQuery, Vec<FieldError>> {
        let mut errors = Vec::new();
        let filter = self.filter(&mut errors);
        let sort = choice::<FanSort>(
            &self.sort,
            "sort",
            "Pick a sort from the list.",
            &mut errors,
        )
        .unwrap_or_default();
        let direction = direction(&self.dir, sort.default_direction(), &mut errors);
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(FanQuery {
            filter,
            sort,
            direction,
            page: page_at(&self.after, &self.before),
            page_size: PAGE_SIZE,
        })
    }

    fn filter(&self, errors: &mut Vec<FieldError>) -> FanFilter {
        let number = |value: &Option<String>, field: &str, errors: &mut Vec<FieldError>| {
            choice::<i64>(value, field, "Enter a whole number.", errors)
        };
        let days = |value: &Option<String>, field: &str, errors: &mut Vec<FieldError>| {
            let days = choice::<u32>(value, field, "Enter a number of days.", errors)?;
            if days == 0 || days > 3650 {
                errors.push(FieldError::new(field, "Enter between 1 and 3650 days."));
                return None;
            }
            Some(days)
        };
        let min = number(&self.min, "min", errors);
        let max = number(&self.max, "max", errors);
        if let (Some(min), Some(max)) = (min, max)
            && min > max
        {
            errors.push(FieldError::new(
                "max",
                "The highest score must be at least the lowest.",
            ));
        }
        let customer = match present(&self.customer) {
            None => None,
            Some("yes") => Some(true),
            Some("no") => Some(false),
            Some(_) => {
                errors.push(FieldError::new(
                    "customer",
                    "Pick customers, or everyone else.",
                ));
                None
            }
        };
        let tags_any = tag_list(&self.any, "any", errors);
        let tags_all = tag_list(&self.all, "all", errors);
        let tags_none = tag_list(&self.none, "none", errors);
        if tags_any.len() + tags_all.len() + tags_none.len() > MAX_FILTER_CONDITIONS {
            // Against the last list given: the one that went over.
            let field = [("none", &tags_none), ("all", &tags_all), ("any", &tags_any)]
                .into_iter()
                .find(|(_, tags)| !tags.is_empty())
                .map_or("any", |(field, _)| field);
            errors.push(FieldError::new(
                field,
                format!("Use at most {MAX_FILTER_CONDITIONS} tags in one audience."),
            ));
        }
        FanFilter {
            tags_any,
            tags_all,
            tags_none,
            daw: choice::<Daw>(&self.daw, "daw", "Pick a DAW from the list.", errors),
            genre: choice::<Genre>(&self.genre, "genre", "Pick a genre from the list.", errors),
            skill: choice::<SkillLevel>(
                &self.skill,
                "skill",
                "Pick a skill level from the list.",
                errors,
            ),
            score_min: min,
            score_max: max,
            opened_within_days: days(&self.opened, "opened", errors),
            not_opened_days: days(&self.quiet, "quiet", errors),
            customer,
            email_status: choice::<EmailStatus>(
                &self.status,
                "status",
                "Pick an email status from the list.",
                errors,
            ),
            search: present(&self.q).map(str::to_owned),
        }
    }

    /// The filter part of the query string (no sort, no page): the audience as a link.
    pub fn filter_pairs(&self) -> Vec<(&'static str, Option<&str>)> {
        vec![
            ("any", self.any.as_deref()),
            ("all", self.all.as_deref()),
            ("none", self.none.as_deref()),
            ("daw", self.daw.as_deref()),
            ("genre", self.genre.as_deref()),
            ("skill", self.skill.as_deref()),
            ("min", self.min.as_deref()),
            ("max", self.max.as_deref()),
            ("opened", self.opened.as_deref()),
            ("quiet", self.quiet.as_deref()),
            ("customer", self.customer.as_deref()),
            ("status", self.status.as_deref()),
            ("q", self.q.as_deref()),
        ]
    }

    /// This audience at `path`, sorted as now, from the first page.
    pub fn link(&self, path: &str) -> String {
        let mut pairs = self.filter_pairs();
        pairs.push(("sort", self.sort.as_deref()));
        pairs.push(("dir", self.dir.as_deref()));
        with_query(path, pairs)
    }

    /// This audience and sort at another page (`after` or `before` a cursor).
    pub fn page_link(&self, path: &str, key: &'static str, cursor: &str) -> String {
        let mut pairs = self.filter_pairs();
        pairs.push(("sort", self.sort.as_deref()));
        pairs.push(("dir", self.dir.as_deref()));
        pairs.push((key, Some(cursor)));
        with_query(path, pairs)
    }

    /// This audience sorted by `sort` in `direction`, from the first page.
    pub fn sort_link(&self, path: &str, sort: FanSort, direction: SortDirection) -> String {
        let mut pairs = self.filter_pairs();
        pairs.push(("sort", Some(sort.as_str())));
        pairs.push(("dir", Some(direction.as_str())));
        with_query(path, pairs)
    }
}

// ---------------------------------------------------------------------------------------
// Customers

vocabulary! {
    /// The dashboard's period (the URL's `period`): a preset ending today, or a custom range
    /// (`from`, `to`).
    #[derive(Default)]
    Period ("period") {
        Last7Days => "7d", "Last 7 days";
        #[default]
        Last30Days => "30d", "Last 30 days";
        Last90Days => "90d", "Last 90 days";
        Last12Months => "12m", "Last 12 months";
        AllTime => "all", "All time";
        Custom => "custom", "Custom";
    }
}

impl Period {
    /// The periods offered as links, in the order shown.
    pub const PRESETS: [Period; 5] = [
        Period::Last7Days,
        Period::Last30Days,
        Period::Last90Days,
        Period::Last12Months,
        Period::AllTime,
    ];

    /// The days of a preset ending `today`; `None` for a custom range.
    pub fn preset_range(self, today: NaiveDate) -> Option<DateRange> {
        let days = |n: u64| DateRange {
            start: today - Days::new(n - 1),
            end: today,
        };
        match self {
            Period::Last7Days => Some(days(7)),
            Period::Last30Days => Some(days(30)),
            Period::Last90Days => Some(days(90)),
            Period::Last12Months => Some(DateRange {
                start: today - Months::new(12) + Days::new(1),
                end: today,
            }),
            Period::AllTime => Some(DateRange {
                start: ALL_TIME_START,
                end: today,
            }),
            Period::Custom => None,
        }
    }
}

/// The first day "all time" reaches back to.
pub const ALL_TIME_START: NaiveDate = match NaiveDate::from_ymd_opt(2000, 1, 1) {
    Some(day) => day,
    None => NaiveDate::MIN,
};

/// `/store/{id}/customers?period=7d|30d|90d|12m|all|custom&from=…&to=…&q=…&product=…
/// &subscribed=1&refunded=1&sort=…&dir=…&after=…|before=…`
#[derive(Params, Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerListParams {
    pub period: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub q: Option<String>,
    pub product: Option<String>,
    pub subscribed: Option<String>,
    pub refunded: Option<String>,
    pub sort: Option<String>,
    pub dir: Option<String>,
    pub after: Option<String>,
    pub before: Option<String>,
}

impl CustomerListParams {
    /// The dashboard period (default: the last 30 days) ending `today`.
    ///
    /// # Errors
    /// Messages for `period`, `from` or `to`.
    pub fn range(&self, today: NaiveDate) -> Result<DateRange, Vec<FieldError>> {
        let Some(period) = self.period() else {
            return Err(vec![FieldError::new(
                "period",
                "Pick a period from the list.",
            )]);
        };
        match period.preset_range(today) {
            Some(range) => Ok(range),
            None => {
                let mut errors = Vec::new();
                let mut day = |value: &Option<String>, field: &str| match present(value)
                    .map(str::parse::<NaiveDate>)
                {
                    Some(Ok(day)) => Some(day),
                    _ => {
                        errors.push(FieldError::new(field, "Enter a date."));
                        None
                    }
                };
                let (from, to) = (day(&self.from, "from"), day(&self.to, "to"));
                if let (Some(from), Some(to)) = (from, to) {
                    if to < from {
                        errors.push(FieldError::new(
                            "to",
                            "The end date must not be before the start.",
                        ));
                    } else if (to - from).num_days() > 366 * 30 {
                        errors.push(FieldError::new(
                            "from",
                            "Pick a period of at most 30 years.",
                        ));
                    }
                }
                match (from, to, errors.is_empty()) {
                    (Some(start), Some(end), true) => Ok(DateRange { start, end }),
                    _ => Err(errors),
                }
            }
        }
    }

    /// # Errors
    /// Messages for `product`, `sort` or `dir`.
    pub fn to_query(&self) -> Result<CustomerQuery, Vec<FieldError>> {
        let mut errors = Vec::new();
        let product_id = choice::<i64>(
            &self.product,
            "product",
            "Pick a product from the list.",
            &mut errors,
        );
        let sort = choice::<CustomerSort>(
            &self.sort,
            "sort",
            "Pick a sort from the list.",
            &mut errors,
        )
        .unwrap_or_default();
        let direction = direction(&self.dir, sort.default_direction(), &mut errors);
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(CustomerQuery {
            filter: CustomerFilter {
                search: present(&self.q).map(str::to_owned),
                product_id,
                subscribed_now: present(&self.subscribed).is_some(),
                has_refunds: present(&self.refunded).is_some(),
            },
            sort,
            direction,
            page: page_at(&self.after, &self.before),
            page_size: PAGE_SIZE,
        })
    }

    fn period_pairs(&self) -> Vec<(&'static str, Option<&str>)> {
        vec![
            ("period", self.period.as_deref()),
            ("from", self.from.as_deref()),
            ("to", self.to.as_deref()),
        ]
    }

    fn filter_pairs(&self) -> Vec<(&'static str, Option<&str>)> {
        vec![
            ("q", self.q.as_deref()),
            ("product", self.product.as_deref()),
            ("subscribed", self.subscribed.as_deref()),
            ("refunded", self.refunded.as_deref()),
        ]
    }

    /// The dashboard period in the URL: the default one when there is none, `None` when the
    /// URL names no period Encore knows.
    pub fn period(&self) -> Option<Period> {
        match present(&self.period) {
            None => Some(Period::default()),
            Some(value) => value.parse().ok(),
        }
    }

    /// The same list and filters with another dashboard period.
    pub fn period_link(&self, path: &str, period: Period) -> String {
        let mut pairs = vec![("period", Some(period.as_str()))];
        pairs.extend(self.filter_pairs());
        pairs.push(("sort", self.sort.as_deref()));
        pairs.push(("dir", self.dir.as_deref()));
        with_query(path, pairs)
    }

    /// The same filters sorted by `sort` in `direction`, from the first page.
    pub fn sort_link(&self, path: &str, sort: CustomerSort, direction: SortDirection) -> String {
        let mut pairs = self.period_pairs();
        pairs.extend(self.filter_pairs());
        pairs.push(("sort", Some(sort.as_str())));
        pairs.push(("dir", Some(direction.as_str())));
        with_query(path, pairs)
    }

    /// The same list at another page (`after` or `before` a cursor).
    pub fn page_link(&self, path: &str, key: &'static str, cursor: &str) -> String {
        let mut pairs = self.period_pairs();
        pairs.extend(self.filter_pairs());
        pairs.push(("sort", self.sort.as_deref()));
        pairs.push(("dir", self.dir.as_deref()));
        pairs.push((key, Some(cursor)));
        with_query(path, pairs)
    }

    /// The current filters and sort, e.g. for the CSV export link.
    pub fn list_link(&self, path: &str) -> String {
        let mut pairs = self.filter_pairs();
        pairs.push(("sort", self.sort.as_deref()));
        pairs.push(("dir", self.dir.as_deref()));
        with_query(path, pairs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn an_audience_url_becomes_a_filter() {
        let params = FanListParams {
            any: Some("ableton, trap".into()),
            none: Some("unsubscribed-list".into()),
            daw: Some("fl_studio".into()),
            min: Some("5".into()),
            opened: Some("30".into()),
            customer: Some("no".into()),
            sort: Some("name".into()),
            after: Some("12.ada".into()),
            ..Default::default()
        };
        let query = params.to_query().unwrap();
        assert_eq!(query.filter.tags_any, ["ableton", "trap"]);
        assert_eq!(query.filter.tags_none, ["unsubscribed-list"]);
        assert_eq!(query.filter.daw, Some(Daw::FlStudio));
        assert_eq!(query.filter.score_min, Some(5));
        assert_eq!(query.filter.opened_within_days, Some(30));
        assert_eq!(query.filter.customer, Some(false));
        assert_eq!(
            (query.sort, query.direction),
            (FanSort::Name, SortDirection::Asc)
        );
        assert_eq!(query.page, PageAt::After("12.ada".into()));
    }

    #[test]
    fn bad_url_values_are_reported_by_field() {
        let params = FanListParams {
            daw: Some("garageband".into()),
            min: Some("lots".into()),
            opened: Some("0".into()),
            customer: Some("maybe".into()),
            sort: Some("vibes".into()),
            ..Default::default()
        };
        let errors = params.to_query().unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["min", "customer", "daw", "opened", "sort"]);
    }

    #[test]
    fn links_keep_the_audience() {
        let params = FanListParams {
            any: Some("lo fi".into()),
            after: Some("1.2".into()),
            ..Default::default()
        };
        assert_eq!(
            params.link("/store/1/contacts"),
            "/store/1/contacts?any=lo%20fi"
        );
        assert_eq!(
            params.sort_link("/store/1/contacts", FanSort::Newest, SortDirection::Desc),
            "/store/1/contacts?any=lo%20fi&sort=newest&dir=desc"
        );
    }

    #[test]
    fn periods_end_today() {
        let today = date("2026-11-26");
        let range = |period: &str| {
            CustomerListParams {
                period: Some(period.into()),
                ..Default::default()
            }
            .range(today)
        };
        assert_eq!(range("7d").unwrap().start, date("2026-11-20"));
        assert_eq!(range("30d").unwrap().start, date("2026-10-28"));
        assert_eq!(range("12m").unwrap().start, date("2025-11-27"));
        assert_eq!(
            CustomerListParams::default().range(today).unwrap(),
            range("30d").unwrap()
        );
        assert!(range("forever").is_err());

        let custom = CustomerListParams {
            period: Some("custom".into()),
            from: Some("2026-01-01".into()),
            to: Some("2026-01-31".into()),
            ..Default::default()
        };
        assert_eq!(
            custom.range(today).unwrap(),
            DateRange {
                start: date("2026-01-01"),
                end: date("2026-01-31")
            }
        );
        let backwards = CustomerListParams {
            to: Some("2025-12-01".into()),
            ..custom.clone()
        };
        assert_eq!(backwards.range(today).unwrap_err()[0].field, "to");
        let garbage = CustomerListParams {
            from: Some("soon".into()),
            ..custom
        };
        assert_eq!(garbage.range(today).unwrap_err()[0].field, "from");
    }

    #[test]
    fn the_period_in_the_url_is_a_preset_a_custom_range_or_unknown() {
        let with = |period: Option<&str>| {
            CustomerListParams {
                period: period.map(str::to_owned),
                ..Default::default()
            }
            .period()
        };
        assert_eq!(with(None), Some(Period::Last30Days));
        assert_eq!(with(Some(" ")), Some(Period::Last30Days));
        assert_eq!(with(Some("12m")), Some(Period::Last12Months));
        assert_eq!(with(Some("custom")), Some(Period::Custom));
        assert_eq!(with(Some("forever")), None);
        assert_eq!(Period::PRESETS[0].label(), "Last 7 days");
        assert_eq!(
            CustomerListParams::default().period_link("/c", Period::AllTime),
            "/c?period=all"
        );
        let all = with(Some("all")).unwrap();
        assert_eq!(
            all.preset_range(date("2026-11-26")).unwrap().start,
            date("2000-01-01")
        );
    }

    #[test]
    fn customer_urls_become_queries() {
        let params = CustomerListParams {
            q: Some("ada".into()),
            product: Some("7".into()),
            subscribed: Some("1".into()),
            sort: Some("last_purchase".into()),
            before: Some("3.x".into()),
            ..Default::default()
        };
        let query = params.to_query().unwrap();
        assert_eq!(query.filter.product_id, Some(7));
        assert!(query.filter.subscribed_now && !query.filter.has_refunds);
        assert_eq!(
            (query.sort, query.direction),
            (CustomerSort::LastPurchase, SortDirection::Desc)
        );
        assert_eq!(query.page, PageAt::Before("3.x".into()));
        let bad = CustomerListParams {
            product: Some("x".into()),
            ..Default::default()
        };
        assert_eq!(bad.to_query().unwrap_err()[0].field, "product");
    }
}
