//! Building links whose query string is page state (filters, sort, page): an audience or a
//! report is a link. One encoder, shared by the server and the browser.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// What `encodeURIComponent` leaves alone.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

/// Percent-encodes one query value.
pub fn encode(value: &str) -> String {
    utf8_percent_encode(value, COMPONENT).to_string()
}

/// `path?k=v&…` from the pairs whose value is not empty (or just `path`).
pub fn with_query<'a>(
    path: &str,
    pairs: impl IntoIterator<Item = (&'a str, Option<&'a str>)>,
) -> String {
    let query: Vec<String> = pairs
        .into_iter()
        .filter_map(|(key, value)| {
            value
                .map(str::trim)
                .filter(|value| !value.is_empty())
                .map(|value| format!("{key}={}", encode(value)))
        })
        .collect();
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", query.join("&"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_encoded_and_empty_ones_dropped() {
        let link = with_query(
            "/store/1/contacts",
            [
                ("any", Some("ableton,lo fi")),
                ("q", Some("")),
                ("daw", None),
                ("after", Some("12.ada & co/x")),
            ],
        );
        assert_eq!(
            link,
            "/store/1/contacts?any=ableton%2Clo%20fi&after=12.ada%20%26%20co%2Fx"
        );
        assert_eq!(with_query("/a", [("q", Some("  "))]), "/a");
    }
}
