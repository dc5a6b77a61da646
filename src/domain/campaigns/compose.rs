//! What a creator writes: subject, preheader, from name and a Markdown body, with one merge
//! field, the fan's first name with a fallback: `Hi {first_name|there}`.
//!
//! Saving a draft keeps whatever was typed (cleaned and length-limited), so nothing typed is
//! ever lost; what a send needs (a subject, a body, only known merge fields) is checked by
//! [`problems`] when the creator sends, and shown on the draft until then.

use crate::domain::text;
use crate::error::FieldError;

pub const MAX_SUBJECT_CHARS: usize = 200;
pub const MAX_PREHEADER_CHARS: usize = 200;
pub const MAX_FROM_NAME_CHARS: usize = 120;
pub const MAX_BODY_CHARS: usize = 100_000;

/// The one merge field, as written: `{first_name}` or `{first_name|fallback}`.
pub const FIRST_NAME: &str = "first_name";

/// A text with merge fields, split once so each recipient's copy is a fill, not a parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pieces: Vec<Piece>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    FirstName { fallback: String },
}

/// A `{name}` that is not a merge field Encore knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownField(pub String);

impl Template {
    /// Splits `text` at its merge fields. A `{word}` or `{word|…}` whose word is not a known
    /// field is an error; braces around anything else (a space, punctuation) are plain text.
    ///
    /// # Errors
    /// The unknown fields, each once, in order.
    pub fn parse(text: &str) -> Result<Template, Vec<UnknownField>> {
        let mut pieces = Vec::new();
        let mut unknown: Vec<UnknownField> = Vec::new();
        let mut plain = String::new();
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            plain.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            match field_at(after) {
                Some((name, fallback, used)) => {
                    if name == FIRST_NAME {
                        if !plain.is_empty() {
                            pieces.push(Piece::Text(std::mem::take(&mut plain)));
                        }
                        pieces.push(Piece::FirstName {
                            fallback: fallback.unwrap_or_default().trim().to_owned(),
                        });
                    } else {
                        let field = UnknownField(name.to_owned());
                        if !unknown.contains(&field) {
                            unknown.push(field);
                        }
                        plain.push_str(&rest[open..open + 1 + used]);
                    }
                    rest = &after[used..];
                }
                None => {
                    plain.push('{');
                    rest = after;
                }
            }
        }
        plain.push_str(rest);
        if !plain.is_empty() {
            pieces.push(Piece::Text(plain));
        }
        if unknown.is_empty() {
            Ok(Template { pieces })
        } else {
            Err(unknown)
        }
    }

    /// This text for one fan. `escape` HTML-escapes the name (the HTML part); a fallback is
    /// used as written (in the HTML part it has already been through the sanitiser).
    pub fn fill(&self, first_name: &str, escape: bool) -> String {
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::FirstName { fallback } => {
                    let name = first_name.trim();
                    if name.is_empty() {
                        out.push_str(fallback);
                    } else if escape {
                        out.push_str(&html_escape::encode_text(name));
                    } else {
                        out.push_str(name);
                    }
                }
            }
        }
        out
    }
}

/// The field at the start of `text` (just after a `{`): its name, its fallback, and how many
/// bytes up to and including the `}`.
fn field_at(text: &str) -> Option<(&str, Option<&str>, usize)> {
    let close = text.find(['}', '{', '\n'])?;
    if text.as_bytes()[close] != b'}' {
        return None;
    }
    let inside = &text[..close];
    let (name, fallback) = match inside.split_once('|') {
        Some((name, fallback)) => (name, Some(fallback)),
        None => (inside, None),
    };
    let is_word = !name.is_empty()
        && name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    is_word.then_some((name, fallback, close + 1))
}

/// A campaign's content as typed, cleaned: what a draft stores.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Content {
    pub subject: String,
    pub preheader: String,
    pub from_name: String,
    pub body: String,
}

/// The compose form as typed.
pub struct ContentForm<'a> {
    pub subject: &'a str,
    pub preheader: &'a str,
    pub from_name: &'a str,
    pub body: &'a str,
}

impl Content {
    /// Cleans the typed content. Only over-long fields are refused (the form's `maxlength`
    /// keeps a browser from sending them); everything else is kept for the draft.
    ///
    /// # Errors
    /// One message per over-long field.
    pub fn parse(form: &ContentForm<'_>) -> Result<Content, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut keep = |field: &str, result: Result<String, String>| {
            result.unwrap_or_else(|message| {
                errors.push(FieldError::new(field, message));
                String::new()
            })
        };
        let content = Content {
            subject: keep(
                "subject",
                text::single_line(form.subject, MAX_SUBJECT_CHARS),
            ),
            preheader: keep(
                "preheader",
                text::single_line(form.preheader, MAX_PREHEADER_CHARS),
            ),
            from_name: keep(
                "from_name",
                text::single_line(form.from_name, MAX_FROM_NAME_CHARS),
            ),
            body: keep("body", text::multi_line(form.body, MAX_BODY_CHARS)),
        };
        if errors.is_empty() {
            Ok(content)
        } else {
            Err(errors)
        }
    }
}

/// What stops this content from being sent, by field: empty subject or body, unknown merge
/// fields. Empty when it can go.
pub fn problems(content: &Content) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if content.subject.is_empty() {
        errors.push(FieldError::new("subject", "Write a subject."));
    }
    if content.body.is_empty() {
        errors.push(FieldError::new("body", "Write the email."));
    }
    for (field, text) in [
        ("subject", &content.subject),
        ("preheader", &content.preheader),
        ("body", &content.body),
    ] {
        if let Err(unknown) = Template::parse(text) {
            let names: Vec<String> = unknown
                .iter()
                .map(|field| format!("{{{}}}", field.0))
                .collect();
            errors.push(FieldError::new(
                field,
                format!(
                    "Unknown merge field {}: the one merge field is {{first_name|fallback}}, \
                     e.g. \"Hi {{first_name|there}}\".",
                    names.join(", ")
                ),
            ));
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_name_is_filled_or_falls_back() {
        let template = Template::parse("Hi {first_name|there}, {first_name}!").unwrap();
        assert_eq!(template.fill("Ada", false), "Hi Ada, Ada!");
        assert_eq!(template.fill("  ", false), "Hi there, !");
        assert_eq!(template.fill("<b>", true), "Hi &lt;b&gt;, &lt;b&gt;!");
    }

    #[test]
    fn braces_that_are_not_fields_are_text() {
        for text in [
            "{ not a field }",
            "a { b",
            "}{",
            "{}",
            "{1x}",
            "{a\n}",
            "{ü}",
        ] {
            assert_eq!(Template::parse(text).unwrap().fill("Ada", false), text);
        }
        assert_eq!(
            Template::parse("x {{first_name}")
                .unwrap()
                .fill("Ada", false),
            "x {Ada"
        );
    }

    #[test]
    fn unknown_fields_are_named_once() {
        let unknown = Template::parse("{last_name} {last_name} {city|here}").unwrap_err();
        assert_eq!(
            unknown,
            vec![
                UnknownField("last_name".into()),
                UnknownField("city".into())
            ]
        );
    }

    #[test]
    fn problems_name_their_fields() {
        let content = Content {
            subject: String::new(),
            preheader: "{zip}".into(),
            from_name: String::new(),
            body: "Hi {last_name|you}".into(),
        };
        let problems = problems(&content);
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["subject", "preheader", "body"]);
        assert!(
            problems[2].message.contains("{last_name}"),
            "{}",
            problems[2].message
        );
        assert!(
            super::problems(&Content {
                subject: "New pack".into(),
                body: "Hi {first_name|there}".into(),
                ..Content::default()
            })
            .is_empty()
        );
    }
}
