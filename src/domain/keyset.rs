//! Keyset pagination: a page starts strictly after (or before) the (sort key, id) of a row,
//! so page 1,000 costs what page 1 costs. The condition is written as
//! `key <= k AND (key < k OR id < i)` (for descending order) so both engines can walk the
//! (store, key, id) index from the cursor instead of filtering a scan.

use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Value};
use sea_orm::{EntityTrait, Order, QueryFilter, QueryOrder, QuerySelect, Select};

use crate::dto::{PageAt, SortDirection};

/// The type of a sort key, which decides how its cursor is written and read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyKind {
    Int,
    Time,
    Text,
}

/// The value of a sort key in one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum KeyValue {
    Int(i64),
    Time(DateTime<Utc>),
    Text(String),
}

impl From<KeyValue> for Value {
    fn from(value: KeyValue) -> Value {
        match value {
            KeyValue::Int(int) => int.into(),
            KeyValue::Time(time) => time.into(),
            KeyValue::Text(text) => text.into(),
        }
    }
}

/// A position in a sorted list: the sort key and id of one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Cursor {
    pub key: KeyValue,
    pub id: i64,
}

impl Cursor {
    /// `"{id}.{key}"`: short, readable in a URL, and unambiguous because ids have no dot.
    pub fn encode(&self) -> String {
        let key = match &self.key {
            KeyValue::Int(int) => int.to_string(),
            KeyValue::Time(time) => time.to_rfc3339_opts(SecondsFormat::Micros, true),
            KeyValue::Text(text) => text.clone(),
        };
        format!("{}.{key}", self.id)
    }

    /// `None` for a cursor this list did not make (edited URL): the caller starts over.
    pub fn decode(text: &str, kind: KeyKind) -> Option<Cursor> {
        let (id, key) = text.split_once('.')?;
        let id = id.parse().ok()?;
        let key = match kind {
            KeyKind::Int => KeyValue::Int(key.parse().ok()?),
            KeyKind::Time => KeyValue::Time(DateTime::parse_from_rfc3339(key).ok()?.to_utc()),
            KeyKind::Text => KeyValue::Text(key.to_owned()),
        };
        Some(Cursor { key, id })
    }
}

/// How one list is sorted: a key column, the id column that breaks ties, and a direction.
pub(crate) struct Keyset {
    pub key: Expr,
    pub id: Expr,
    pub kind: KeyKind,
    pub direction: SortDirection,
}

/// Which way a query walks, and where it starts.
pub(crate) struct Walk {
    pub direction: SortDirection,
    pub from: Option<Cursor>,
    /// True when walking backwards (a "previous" page): rows come reversed and are flipped.
    pub backwards: bool,
}

impl Keyset {
    /// Reads the page position; an unreadable cursor starts from the first page.
    pub fn walk(&self, page: &PageAt) -> Walk {
        match page {
            PageAt::First => self.forward(None),
            PageAt::After(cursor) => self.forward(Cursor::decode(cursor, self.kind)),
            PageAt::Before(cursor) => match Cursor::decode(cursor, self.kind) {
                Some(cursor) => Walk {
                    direction: self.direction.reversed(),
                    from: Some(cursor),
                    backwards: true,
                },
                None => self.forward(None),
            },
        }
    }

    fn forward(&self, from: Option<Cursor>) -> Walk {
        Walk {
            direction: self.direction,
            from,
            backwards: false,
        }
    }

    /// Adds the cursor condition, the order and `limit + 1` rows (one more tells whether a
    /// further page exists).
    pub fn apply<E: EntityTrait>(
        &self,
        mut select: Select<E>,
        walk: &Walk,
        limit: u64,
    ) -> Select<E> {
        if let Some(cursor) = &walk.from {
            let key = Expr::val(Value::from(cursor.key.clone()));
            let id = Expr::val(cursor.id);
            let condition = match walk.direction {
                SortDirection::Desc => self
                    .key
                    .clone()
                    .lte(key.clone())
                    .and(self.key.clone().lt(key).or(self.id.clone().lt(id))),
                SortDirection::Asc => self
                    .key
                    .clone()
                    .gte(key.clone())
                    .and(self.key.clone().gt(key).or(self.id.clone().gt(id))),
            };
            select = select.filter(condition);
        }
        let order = match walk.direction {
            SortDirection::Desc => Order::Desc,
            SortDirection::Asc => Order::Asc,
        };
        select
            .order_by(self.key.clone(), order.clone())
            .order_by(self.id.clone(), order)
            .limit(limit + 1)
    }
}

/// One page of rows and the cursors around it.
pub(crate) struct Paged<T> {
    pub rows: Vec<T>,
    pub next: Option<String>,
    pub previous: Option<String>,
}

/// Trims the extra row, restores the order of a backwards walk, and makes the cursors.
pub(crate) fn page<T>(
    mut rows: Vec<T>,
    walk: &Walk,
    limit: u64,
    cursor_of: impl Fn(&T) -> Cursor,
) -> Paged<T> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let more = rows.len() > limit;
    rows.truncate(limit);
    if walk.backwards {
        rows.reverse();
    }
    let first = rows.first().map(|row| cursor_of(row).encode());
    let last = rows.last().map(|row| cursor_of(row).encode());
    let came_from_elsewhere = walk.from.is_some();
    let (next, previous) = if walk.backwards {
        (last.filter(|_| came_from_elsewhere), first.filter(|_| more))
    } else {
        (last.filter(|_| more), first.filter(|_| came_from_elsewhere))
    };
    Paged {
        rows,
        next,
        previous,
    }
}

/// Largest page the lists serve, whatever the caller asks for.
pub const MAX_PAGE_SIZE: u64 = 200;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip() {
        let cases = [
            Cursor {
                key: KeyValue::Int(-42),
                id: 7,
            },
            Cursor {
                key: KeyValue::Time("2026-11-26T08:00:00.123456Z".parse().unwrap()),
                id: 12,
            },
            Cursor {
                key: KeyValue::Text("ada. lovelace".into()),
                id: 3,
            },
        ];
        let kinds = [KeyKind::Int, KeyKind::Time, KeyKind::Text];
        for (cursor, kind) in cases.into_iter().zip(kinds) {
            assert_eq!(Cursor::decode(&cursor.encode(), kind), Some(cursor));
        }
    }

    #[test]
    fn edited_cursors_are_ignored() {
        assert_eq!(Cursor::decode("abc", KeyKind::Int), None);
        assert_eq!(Cursor::decode("1.notanumber", KeyKind::Int), None);
        assert_eq!(Cursor::decode("x.5", KeyKind::Int), None);
        assert_eq!(Cursor::decode("1.yesterday", KeyKind::Time), None);
    }
}
