//! Tag names: trimmed, whitespace collapsed, 1–50 characters; compared case-insensitively
//! through their key, so "Ableton" and "ableton " are one tag that keeps its first spelling.

use crate::domain::text;

/// The tag every fan with a purchase that is not fully refunded carries. Encore manages it:
/// creators can filter by it but not add, remove, rename or delete it.
pub const CUSTOMER_TAG: &str = "customer";

pub const MAX_TAG_CHARS: usize = 50;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TagName {
    /// As the creator first typed it (cleaned).
    pub name: String,
    /// Lower-cased: what makes two spellings the same tag.
    pub key: String,
}

impl TagName {
    /// # Errors
    /// A message for the tag field when the name is empty or too long.
    pub fn parse(input: &str) -> Result<TagName, String> {
        let name = text::single_line(input, MAX_TAG_CHARS)
            .map_err(|_| format!("A tag can be at most {MAX_TAG_CHARS} characters."))?;
        if name.is_empty() {
            return Err("Enter a tag name.".to_owned());
        }
        let key = key_of(&name);
        Ok(TagName { name, key })
    }

    /// Whether this is the tag Encore manages itself.
    pub fn is_customer_tag(&self) -> bool {
        self.key == CUSTOMER_TAG
    }

    pub(crate) fn customer() -> TagName {
        TagName {
            name: CUSTOMER_TAG.to_owned(),
            key: CUSTOMER_TAG.to_owned(),
        }
    }
}

/// The comparison key of a cleaned tag name.
pub fn key_of(name: &str) -> String {
    name.to_lowercase()
}

/// Parses several tag names (e.g. from a comma-separated field), dropping duplicates by key
/// and keeping the first spelling; at most `max` distinct tags. Linear in the input: a
/// request body can hold tens of thousands of names, and it stops at the first one too many.
///
/// # Errors
/// The first bad name's message, or that there are more than `max`.
pub fn parse_many<'a>(
    inputs: impl IntoIterator<Item = &'a str>,
    max: usize,
) -> Result<Vec<TagName>, String> {
    let mut tags: Vec<TagName> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for input in inputs {
        if input.trim().is_empty() {
            continue;
        }
        let tag = TagName::parse(input)?;
        if seen.insert(tag.key.clone()) {
            if tags.len() == max {
                return Err(format!("Add at most {max} tags at a time."));
            }
            tags.push(tag);
        }
    }
    Ok(tags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_of_one_tag_share_a_key() {
        let cases = [
            ("Ableton", "Ableton", "ableton"),
            ("ableton ", "ableton", "ableton"),
            ("  Lo-Fi   Beats ", "Lo-Fi Beats", "lo-fi beats"),
            ("ÉTÉ", "ÉTÉ", "été"),
        ];
        for (input, name, key) in cases {
            let tag = TagName::parse(input).unwrap();
            assert_eq!(
                (tag.name.as_str(), tag.key.as_str()),
                (name, key),
                "{input:?}"
            );
        }
    }

    #[test]
    fn tag_names_are_one_to_fifty_characters() {
        assert_eq!(TagName::parse("   "), Err("Enter a tag name.".to_owned()));
        assert!(TagName::parse(&"x".repeat(50)).is_ok());
        assert_eq!(
            TagName::parse(&"x".repeat(51)),
            Err("A tag can be at most 50 characters.".to_owned())
        );
    }

    #[test]
    fn many_tags_are_deduplicated_by_key() {
        let tags = parse_many(["Trap", "trap ", "", "LoFi"], 2).unwrap();
        let names: Vec<_> = tags.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["Trap", "LoFi"]);
        assert_eq!(
            parse_many(["a", "b", "A", "c"], 2),
            Err("Add at most 2 tags at a time.".to_owned())
        );
    }

    #[test]
    fn the_customer_tag_is_recognised_in_any_case() {
        assert!(TagName::parse("Customer").unwrap().is_customer_tag());
        assert!(!TagName::parse("customers").unwrap().is_customer_tag());
    }
}
