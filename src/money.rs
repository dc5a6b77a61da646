//! Money is an integer count of a currency's minor units (cents for USD), never a float,
//! and never a bare `i64` between modules: [`MinorUnits`] where the currency is known from
//! context (a store's, or a `currency` beside it), [`Money`] where it travels with the amount.
//! This module owns the supported currencies and the one parser and formatter for amounts;
//! it is shared by the server and the browser build.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Neg, Sub, SubAssign};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::format;

/// An ISO 4217 currency a store can sell in. Serialized as its code ("USD").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency {
    code: &'static str,
    symbol: &'static str,
    name: &'static str,
    /// Digits after the decimal point: 2 for USD, 0 for JPY.
    minor_units: u8,
}

const fn currency(
    code: &'static str,
    symbol: &'static str,
    name: &'static str,
    minor_units: u8,
) -> Currency {
    Currency {
        code,
        symbol,
        name,
        minor_units,
    }
}

/// The currencies offered when creating a store, most common first.
pub const CURRENCIES: &[Currency] = &[
    currency("USD", "$", "US dollar", 2),
    currency("EUR", "€", "Euro", 2),
    currency("GBP", "£", "British pound", 2),
    currency("CAD", "CA$", "Canadian dollar", 2),
    currency("AUD", "A$", "Australian dollar", 2),
    currency("NZD", "NZ$", "New Zealand dollar", 2),
    currency("CHF", "CHF ", "Swiss franc", 2),
    currency("SEK", "SEK ", "Swedish krona", 2),
    currency("NOK", "NOK ", "Norwegian krone", 2),
    currency("DKK", "DKK ", "Danish krone", 2),
    currency("PLN", "PLN ", "Polish złoty", 2),
    currency("BRL", "R$", "Brazilian real", 2),
    currency("MXN", "MX$", "Mexican peso", 2),
    currency("INR", "₹", "Indian rupee", 2),
    currency("ZAR", "R ", "South African rand", 2),
    currency("SGD", "S$", "Singapore dollar", 2),
    currency("JPY", "¥", "Japanese yen", 0),
    currency("KRW", "₩", "South Korean won", 0),
];

impl Currency {
    /// The US dollar, the first currency offered.
    pub const USD: Currency = CURRENCIES[0];

    /// Finds a supported currency by its ISO code, ignoring case and surrounding spaces.
    pub fn from_code(code: &str) -> Option<Currency> {
        let code = code.trim();
        CURRENCIES
            .iter()
            .copied()
            .find(|currency| currency.code.eq_ignore_ascii_case(code))
    }

    pub const fn code(self) -> &'static str {
        self.code
    }

    pub const fn name(self) -> &'static str {
        self.name
    }

    pub const fn minor_units(self) -> u8 {
        self.minor_units
    }

    /// Formats an amount in minor units for people: `$1,299.99`, `-€5.00`, `¥1,000`.
    pub fn format(self, minor: MinorUnits) -> String {
        let minor = minor.get();
        // Digits pushed by hand rather than through `format!` and a grouped copy: the
        // Customers page formats about 150 amounts per request, and the formatting
        // machinery cost some 1,800 instructions each (docs/benchmarks-history.md, item 48).
        let mut out = String::with_capacity(self.symbol.len() + 32);
        if minor < 0 {
            out.push('-');
        }
        out.push_str(self.symbol);
        let minor = minor.unsigned_abs();
        let scale = 10u64.pow(u32::from(self.minor_units));
        format::push_count(&mut out, minor / scale);
        if self.minor_units > 0 {
            out.push('.');
            format::push_zero_padded(&mut out, minor % scale, u32::from(self.minor_units));
        }
        out
    }

    /// Formats an amount in minor units as a plain number for form fields: `1299.99`.
    pub fn format_plain(self, minor: MinorUnits) -> String {
        let minor = minor.get();
        let sign = if minor < 0 { "-" } else { "" };
        let minor = minor.unsigned_abs();
        let scale = 10u64.pow(u32::from(self.minor_units));
        if self.minor_units == 0 {
            format!("{sign}{minor}")
        } else {
            let width = usize::from(self.minor_units);
            format!("{sign}{}.{:0width$}", minor / scale, minor % scale)
        }
    }

    /// Parses what a person typed ("99", "99.5", "$1,299.99") into an amount of this currency.
    ///
    /// # Errors
    /// Empty input, a negative amount, more decimals than the currency has, misplaced
    /// thousands separators, anything that is not a number, or more than [`MAX_AMOUNT_MAJOR`].
    pub fn parse(self, input: &str) -> Result<Money, AmountError> {
        let text = input.trim();
        if text.is_empty() {
            return Err(AmountError::Empty);
        }
        if text.starts_with('-') || text.starts_with('−') {
            return Err(AmountError::Negative);
        }
        let text = text
            .strip_prefix(self.symbol.trim_end())
            .or_else(|| text.strip_prefix('$'))
            .unwrap_or(text)
            .trim_start();
        if text.starts_with('-') {
            return Err(AmountError::Negative);
        }

        let (whole, fraction) = match text.split_once('.') {
            Some((whole, fraction)) => (whole, Some(fraction)),
            None => (text, None),
        };
        let whole = ungroup_thousands(whole).ok_or(AmountError::NotANumber)?;
        let fraction = fraction.unwrap_or("");
        if !fraction.chars().all(|c| c.is_ascii_digit()) {
            return Err(AmountError::NotANumber);
        }
        if fraction.len() > usize::from(self.minor_units) {
            return Err(AmountError::TooManyDecimals {
                allowed: self.minor_units,
            });
        }

        let whole: i64 = whole.parse().map_err(|_| AmountError::TooLarge)?;
        if whole > MAX_AMOUNT_MAJOR {
            return Err(AmountError::TooLarge);
        }
        let scale = 10i64.pow(u32::from(self.minor_units));
        let padded = format!("{fraction:0<width$}", width = usize::from(self.minor_units));
        let fraction: i64 = if padded.is_empty() {
            0
        } else {
            padded.parse().map_err(|_| AmountError::NotANumber)?
        };
        // Cannot overflow: whole ≤ 10⁹ and scale ≤ 100.
        Ok(Money::new(MinorUnits(whole * scale + fraction), self))
    }

    /// A typed amount, or `None` for an empty field ("refund all that remains", "charge the
    /// product's price").
    ///
    /// # Errors
    /// As [`Currency::parse`] for anything typed.
    pub fn parse_optional(self, input: &str) -> Result<Option<Money>, AmountError> {
        match input.trim() {
            "" => Ok(None),
            typed => self.parse(typed).map(Some),
        }
    }
}

/// A count of some currency's minor units (cents for USD, yen for JPY). Which currency is
/// known from context: the store's, or a `currency` field beside it. Crosses the wire as a
/// plain integer.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct MinorUnits(i64);

impl MinorUnits {
    pub const ZERO: MinorUnits = MinorUnits(0);

    pub const fn new(minor: i64) -> MinorUnits {
        MinorUnits(minor)
    }

    /// The count, for storage (the `*_cents` columns) and arithmetic the type does not offer.
    pub const fn get(self) -> i64 {
        self.0
    }

    pub const fn is_positive(self) -> bool {
        self.0 > 0
    }

    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// This amount in `currency`.
    pub const fn of(self, currency: Currency) -> Money {
        Money::new(self, currency)
    }
}

impl Add for MinorUnits {
    type Output = MinorUnits;
    fn add(self, other: MinorUnits) -> MinorUnits {
        MinorUnits(self.0 + other.0)
    }
}

impl Sub for MinorUnits {
    type Output = MinorUnits;
    fn sub(self, other: MinorUnits) -> MinorUnits {
        MinorUnits(self.0 - other.0)
    }
}

impl Neg for MinorUnits {
    type Output = MinorUnits;
    fn neg(self) -> MinorUnits {
        MinorUnits(-self.0)
    }
}

impl AddAssign for MinorUnits {
    fn add_assign(&mut self, other: MinorUnits) {
        self.0 += other.0;
    }
}

impl SubAssign for MinorUnits {
    fn sub_assign(&mut self, other: MinorUnits) {
        self.0 -= other.0;
    }
}

impl Sum for MinorUnits {
    fn sum<I: Iterator<Item = MinorUnits>>(iter: I) -> MinorUnits {
        MinorUnits(iter.map(MinorUnits::get).sum())
    }
}

/// An amount with its currency: what a command carries, so an amount in one currency is
/// never added to a store that sells in another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    minor: MinorUnits,
    currency: Currency,
}

impl Money {
    pub const fn new(minor: MinorUnits, currency: Currency) -> Money {
        Money { minor, currency }
    }

    pub const fn minor(self) -> MinorUnits {
        self.minor
    }

    pub const fn currency(self) -> Currency {
        self.currency
    }
}

impl fmt::Display for Money {
    /// For people: `$1,299.99`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.currency.format(self.minor))
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code)
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = String::deserialize(deserializer)?;
        Currency::from_code(&code)
            .ok_or_else(|| serde::de::Error::custom(format!("unsupported currency \"{code}\"")))
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code)
    }
}

/// The largest amount Encore accepts, in major units (a billion dollars, euros, yen…).
pub const MAX_AMOUNT_MAJOR: i64 = 1_000_000_000;

/// Why an amount could not be read. The messages are written for the field they appear under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("Enter an amount.")]
    Empty,
    #[error("The amount cannot be negative.")]
    Negative,
    #[error("Enter a number, like 99 or 1,299.99.")]
    NotANumber,
    #[error("Use at most {allowed} decimal places.")]
    TooManyDecimals { allowed: u8 },
    #[error("The amount is too large.")]
    TooLarge,
}

/// "1,299" → "1299"; commas must separate groups of exactly three digits.
fn ungroup_thousands(whole: &str) -> Option<String> {
    if whole.is_empty() {
        // ".5" is a valid way to write half a dollar.
        return Some("0".to_owned());
    }
    let groups: Vec<&str> = whole.split(',').collect();
    let well_formed = groups.iter().enumerate().all(|(i, group)| {
        let size_ok = if i == 0 {
            (1..=3).contains(&group.len()) || groups.len() == 1
        } else {
            group.len() == 3
        };
        size_ok && !group.is_empty() && group.chars().all(|c| c.is_ascii_digit())
    });
    well_formed.then(|| groups.concat())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd() -> Currency {
        Currency::from_code("USD").unwrap()
    }

    /// A parsed amount's count of minor units.
    fn cents(parsed: Result<Money, AmountError>) -> Result<i64, AmountError> {
        parsed.map(|money| money.minor().get())
    }

    #[test]
    fn parses_what_creators_type() {
        let cases = [
            ("99", 9900),
            ("99.5", 9950),
            ("99.00", 9900),
            ("$1,299.99", 129_999),
            ("  12.34  ", 1234),
            ("0", 0),
            (".5", 50),
            ("1,000,000", 100_000_000),
            ("$ 5", 500),
        ];
        for (input, expected) in cases {
            assert_eq!(cents(usd().parse(input)), Ok(expected), "input {input:?}");
        }
    }

    #[test]
    fn rejects_bad_amounts_with_a_reason() {
        let cases = [
            ("", AmountError::Empty),
            ("   ", AmountError::Empty),
            ("-5", AmountError::Negative),
            ("$-5", AmountError::Negative),
            ("9.999", AmountError::TooManyDecimals { allowed: 2 }),
            ("abc", AmountError::NotANumber),
            ("12abc", AmountError::NotANumber),
            ("1,2,3", AmountError::NotANumber),
            ("1,23", AmountError::NotANumber),
            ("1.2.3", AmountError::NotANumber),
            ("1e5", AmountError::NotANumber),
            ("9999999999999999999999", AmountError::TooLarge),
            ("1000000001", AmountError::TooLarge),
        ];
        for (input, expected) in cases {
            assert_eq!(cents(usd().parse(input)), Err(expected), "input {input:?}");
        }
    }

    #[test]
    fn zero_decimal_currencies_take_no_decimals() {
        let yen = Currency::from_code("jpy").unwrap();
        assert_eq!(cents(yen.parse("¥1,000")), Ok(1000));
        assert_eq!(
            cents(yen.parse("10.5")),
            Err(AmountError::TooManyDecimals { allowed: 0 })
        );
        assert_eq!(yen.format(MinorUnits::new(1000)), "¥1,000");
    }

    #[test]
    fn formats_amounts_for_people_and_forms() {
        assert_eq!(usd().format(MinorUnits::new(129_999)), "$1,299.99");
        assert_eq!(usd().format(MinorUnits::new(5)), "$0.05");
        assert_eq!(usd().format(MinorUnits::new(-500)), "-$5.00");
        assert_eq!(usd().format(MinorUnits::new(100_000_000)), "$1,000,000.00");
        assert_eq!(usd().format_plain(MinorUnits::new(9950)), "99.50");
        let euro = Currency::from_code("EUR").unwrap();
        assert_eq!(euro.format(MinorUnits::new(9900)), "€99.00");
    }

    /// The formatting `Currency::format` replaced, written the obvious way.
    fn format_by_the_book(currency: Currency, minor: i64) -> String {
        let sign = if minor < 0 { "-" } else { "" };
        let scale = 10u64.pow(u32::from(currency.minor_units()));
        let (whole, fraction) = (minor.unsigned_abs() / scale, minor.unsigned_abs() % scale);
        let digits = whole.to_string();
        let mut grouped = String::new();
        for (i, digit) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(digit);
        }
        let width = usize::from(currency.minor_units());
        match width {
            0 => format!("{sign}{}{grouped}", currency.symbol),
            _ => format!("{sign}{}{grouped}.{fraction:0width$}", currency.symbol),
        }
    }

    proptest::proptest! {
        #[test]
        fn formats_every_amount_as_written_by_the_book(
            minor in proptest::prelude::any::<i64>(),
            currency in proptest::sample::select(CURRENCIES),
        ) {
            proptest::prop_assert_eq!(
                currency.format(MinorUnits::new(minor)),
                format_by_the_book(currency, minor)
            );
        }
    }

    #[test]
    fn formats_the_extremes() {
        assert_eq!(usd().format(MinorUnits::new(0)), "$0.00");
        assert_eq!(usd().format(MinorUnits::new(-1)), "-$0.01");
        assert_eq!(usd().format(MinorUnits::new(99_999)), "$999.99");
        assert_eq!(
            usd().format(MinorUnits::new(i64::MIN)),
            "-$92,233,720,368,547,758.08"
        );
        let yen = Currency::from_code("JPY").unwrap();
        assert_eq!(yen.format(MinorUnits::new(999)), "¥999");
        assert_eq!(yen.format(MinorUnits::new(-1_000_000)), "-¥1,000,000");
        assert_eq!(
            yen.format(MinorUnits::new(i64::MAX)),
            "¥9,223,372,036,854,775,807"
        );
    }

    #[test]
    fn a_parsed_amount_keeps_its_currency() {
        let euro = Currency::from_code("EUR").unwrap();
        let money = euro.parse("12.50").unwrap();
        assert_eq!(money, MinorUnits::new(1250).of(euro));
        assert_eq!(money.to_string(), "€12.50");
        assert_eq!(euro.parse_optional("  "), Ok(None));
        assert_eq!(
            euro.parse_optional("1"),
            Ok(Some(MinorUnits::new(100).of(euro)))
        );
        assert_eq!(euro.parse_optional("x"), Err(AmountError::NotANumber));
    }

    #[test]
    fn minor_units_cross_the_wire_as_a_plain_integer() {
        assert_eq!(
            serde_json::to_string(&MinorUnits::new(-250)).unwrap(),
            "-250"
        );
        assert_eq!(
            serde_json::from_str::<MinorUnits>("9900").unwrap(),
            MinorUnits::new(9900)
        );
        let sum: MinorUnits = [MinorUnits::new(5), MinorUnits::new(7)].into_iter().sum();
        assert_eq!(sum - MinorUnits::new(2), MinorUnits::new(10));
        assert_eq!(-MinorUnits::new(3), MinorUnits::new(-3));
    }

    #[test]
    fn currency_codes_are_looked_up_case_insensitively() {
        assert_eq!(
            Currency::from_code(" eur ").map(Currency::code),
            Some("EUR")
        );
        assert_eq!(Currency::from_code("XYZ"), None);
        assert_eq!(Currency::from_code("usd"), Some(Currency::USD));
        assert_eq!(Currency::from_code(""), None);
    }
}
