//! How numbers, dates and times read on Encore's pages: pure functions, one way to write
//! each, shared by every page.

use std::fmt::Write as _;
use std::sync::OnceLock;

use chrono::format::{Item, StrftimeItems};
use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};

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

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `1284` → `"1,284"`.
pub fn count(n: u64) -> String {
    let mut out = String::with_capacity(26);
    push_count(&mut out, n);
    out
}

/// Writes `n` with a comma between groups of three digits: 1234567 → "1,234,567".
pub fn push_count(out: &mut String, n: u64) {
    let mut buffer = itoa::Buffer::new();
    let digits = buffer.format(n);
    for (i, digit) in digits.char_indices() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
}

/// Writes the last `width` decimal digits of `n`, zero-padded: (5, 2) → "05".
pub fn push_zero_padded(out: &mut String, n: u64, width: u32) {
    for place in (0..width).rev() {
        out.push(char::from(ascii_digit(n / 10u64.pow(place))));
    }
}

/// The ASCII digit of `n`'s ones place.
fn ascii_digit(n: u64) -> u8 {
    // The remainder is below 10, so the cast cannot truncate.
    b'0' + (n % 10) as u8
}

/// "1 fan", "1,284 fans".
pub fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", count(n), if n == 1 { one } else { many })
}

/// `26 Nov 2026`: day, month name, year reads the same in every locale.
pub fn date(day: NaiveDate) -> String {
    let mut out = String::with_capacity(12);
    push_date(&mut out, day);
    out
}

/// `26 Nov 2026, 14:05 UTC`: the exact time, shown on hover.
pub fn date_time(at: DateTime<Utc>) -> String {
    let mut out = String::with_capacity(24);
    push_date_time(&mut out, at);
    out
}

/// Writes [`date`]'s text. By hand rather than through chrono's formatting, which cost
/// about 2,400 instructions a date on list pages that write several per row
/// (docs/benchmarks-history.md, item 48); a year outside 0–9999 (which chrono writes with a sign)
/// takes chrono's way, and a property test holds the two to the same text.
pub fn push_date(out: &mut String, day: NaiveDate) {
    let year = match u64::try_from(day.year()) {
        Ok(year) if year <= 9999 => year,
        _ => {
            let _ = write!(out, "{}", day.format_with_items(DATE.items()));
            return;
        }
    };
    push_count(out, u64::from(day.day()));
    out.push(' ');
    out.push_str(MONTHS[day.month0() as usize]);
    out.push(' ');
    push_zero_padded(out, year, 4);
}

/// A moment as the value of a `<time datetime>`: RFC 3339 to the second
/// ("2026-11-23T12:00:00+00:00"). HTML allows at most three digits of a fraction of a
/// second, and the database keeps microseconds, which no reader needs.
pub fn datetime_attribute(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// Writes [`date_time`]'s text; see [`push_date`].
pub fn push_date_time(out: &mut String, at: DateTime<Utc>) {
    push_date(out, at.date_naive());
    out.push_str(", ");
    push_zero_padded(out, u64::from(at.hour()), 2);
    out.push(':');
    push_zero_padded(out, u64::from(at.minute()), 2);
    out.push_str(" UTC");
}

/// "just now", "5 minutes ago", "3 days ago", "in 2 days", then the date past a month.
/// `now` comes with the data, so a page's times are all relative to one moment.
pub fn relative(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let mut out = String::with_capacity(16);
    push_relative(&mut out, at, now);
    out
}

/// Writes [`relative`]'s text.
pub fn push_relative(out: &mut String, at: DateTime<Utc>, now: DateTime<Utc>) {
    let seconds = (now - at).num_seconds();
    let (amount, future) = (seconds.unsigned_abs(), seconds < 0);
    let (n, unit) = match amount {
        0..60 => {
            out.push_str("just now");
            return;
        }
        60..3_600 => (amount / 60, "minute"),
        3_600..86_400 => (amount / 3_600, "hour"),
        86_400..2_592_000 => (amount / 86_400, "day"),
        _ => return push_date(out, at.date_naive()),
    };
    if future {
        out.push_str("in ");
    }
    push_count(out, n);
    out.push(' ');
    out.push_str(unit);
    if n != 1 {
        out.push('s');
    }
    if !future {
        out.push_str(" ago");
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
    fn a_time_element_gets_whole_seconds() {
        // Stored times carry microseconds; HTML's `datetime` allows at most milliseconds.
        assert_eq!(
            datetime_attribute(at("2026-11-23T12:00:00.123456Z")),
            "2026-11-23T12:00:00+00:00"
        );
        assert_eq!(
            datetime_attribute(at("2026-11-23T12:00:07Z")),
            "2026-11-23T12:00:07+00:00"
        );
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
            ("2026-11-26T09:00:00Z", "3 hours ago"),
            ("2026-11-25T12:00:00Z", "1 day ago"),
            ("2026-11-26T12:01:00Z", "in 1 minute"),
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

    proptest::proptest! {
        /// The hand-written dates read exactly as chrono's patterns write them, over the
        /// whole range chrono supports (signed years included).
        #[test]
        fn dates_read_as_their_patterns_write_them(
            seconds in -8_000_000_000_000i64..8_000_000_000_000i64,
        ) {
            let at = DateTime::from_timestamp(seconds, 0).unwrap();
            proptest::prop_assert_eq!(
                date(at.date_naive()),
                at.date_naive().format("%-d %b %Y").to_string()
            );
            proptest::prop_assert_eq!(
                date_time(at),
                at.format("%-d %b %Y, %H:%M UTC").to_string()
            );
        }
    }

    #[test]
    fn years_outside_four_digits_keep_chronos_sign() {
        let far = NaiveDate::from_ymd_opt(12_345, 1, 2).unwrap();
        assert_eq!(date(far), "2 Jan +12345");
        let before = NaiveDate::from_ymd_opt(-44, 3, 15).unwrap();
        assert_eq!(date(before), "15 Mar -0044");
        assert_eq!(
            date(NaiveDate::from_ymd_opt(7, 7, 7).unwrap()),
            "7 Jul 0007"
        );
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
