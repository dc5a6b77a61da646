//! How numbers, dates and times read on Encore's pages. Pure functions, shared by the server
//! and the browser so both render the same text (hydration compares them).

use std::sync::OnceLock;

use chrono::format::{Item, StrftimeItems};
use chrono::{DateTime, NaiveDate, Utc};

/// A strftime pattern, parsed the first time it is used instead of on every date it formats:
/// a list page formats a few dates per row, and chrono's `format(&str)` parses its pattern
/// again each time.
pub struct Pattern {
    text: &'static str,
    items: OnceLock<Vec<Item<'static>>>,
}

impl Pattern {
    pub const fn new(text: &'static str) -> Pattern {
        Pattern {
            text,
            items: OnceLock::new(),
        }
    }

    /// The parsed pattern, for chrono's `format_with_items`.
    pub fn items(&self) -> std::slice::Iter<'_, Item<'static>> {
        self.items
            .get_or_init(|| StrftimeItems::new(self.text).collect())
            .iter()
    }
}

static DATE: Pattern = Pattern::new("%-d %b %Y");
static DATE_TIME: Pattern = Pattern::new("%-d %b %Y, %H:%M UTC");

/// `1284` → `"1,284"`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// "1 fan", "1,284 fans".
pub fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", count(n), if n == 1 { one } else { many })
}

/// `26 Nov 2026`: day, month name, year reads the same in every locale.
pub fn date(day: NaiveDate) -> String {
    day.format_with_items(DATE.items()).to_string()
}

/// `26 Nov 2026, 14:05 UTC`: the exact time, shown on hover.
pub fn date_time(at: DateTime<Utc>) -> String {
    at.format_with_items(DATE_TIME.items()).to_string()
}

/// "just now", "5 minutes ago", "3 days ago", "in 2 days", then the date past a month.
/// `now` comes from the server with the data, so the server and the browser agree.
pub fn relative(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let seconds = (now - at).num_seconds();
    let (amount, future) = (seconds.unsigned_abs(), seconds < 0);
    let phrase = |n: u64, unit: &str| {
        let unit = if n == 1 {
            unit.to_owned()
        } else {
            format!("{unit}s")
        };
        if future {
            format!("in {n} {unit}")
        } else {
            format!("{n} {unit} ago")
        }
    };
    match amount {
        0..60 => "just now".to_owned(),
        60..3_600 => phrase(amount / 60, "minute"),
        3_600..86_400 => phrase(amount / 3_600, "hour"),
        86_400..2_592_000 => phrase(amount / 86_400, "day"),
        _ => date(at.date_naive()),
    }
}

/// `+12%`, `-3%`, `new` (nothing before), or `—` (nothing either time): a card's change
/// against the previous period.
pub fn change(current: i64, previous: i64) -> String {
    if previous == 0 {
        return if current == 0 {
            "—".to_owned()
        } else {
            "new".to_owned()
        };
    }
    let percent = ((current - previous) as f64 / previous.abs() as f64 * 100.0).round() as i64;
    if percent > 0 {
        format!("+{percent}%")
    } else {
        format!("{percent}%")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn counts_are_grouped() {
        assert_eq!(count(0), "0");
        assert_eq!(count(1284), "1,284");
        assert_eq!(count(1_000_000), "1,000,000");
        assert_eq!(plural(1, "fan", "fans"), "1 fan");
        assert_eq!(plural(1284, "fan", "fans"), "1,284 fans");
    }

    #[test]
    fn times_read_relative_to_the_server_clock() {
        let now = at("2026-11-26T12:00:00Z");
        let cases = [
            ("2026-11-26T11:59:30Z", "just now"),
            ("2026-11-26T11:55:00Z", "5 minutes ago"),
            ("2026-11-26T11:00:00Z", "1 hour ago"),
            ("2026-11-23T12:00:00Z", "3 days ago"),
            ("2026-11-28T12:00:00Z", "in 2 days"),
            ("2026-09-01T08:00:00Z", "1 Sep 2026"),
        ];
        for (then, expected) in cases {
            assert_eq!(relative(at(then), now), expected, "{then}");
        }
        assert_eq!(
            date_time(at("2026-11-26T14:05:09Z")),
            "26 Nov 2026, 14:05 UTC"
        );
        // A pattern is parsed once and then reused: the second date formats with the
        // items the first one parsed.
        for (day, expected) in [("2027-01-05", "5 Jan 2027"), ("2026-12-31", "31 Dec 2026")] {
            assert_eq!(date(day.parse().unwrap()), expected);
        }
    }

    #[test]
    fn changes_compare_with_the_previous_period() {
        assert_eq!(change(112, 100), "+12%");
        assert_eq!(change(97, 100), "-3%");
        assert_eq!(change(100, 100), "0%");
        assert_eq!(change(5, 0), "new");
        assert_eq!(change(0, 0), "—");
    }
}
