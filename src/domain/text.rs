//! Free text from people is trimmed, length-limited, and stripped of control characters and
//! of the Unicode bidirectional overrides that can make a name display as something else.

/// Characters that reorder text when displayed (Trojan Source) and the invisible marks
/// around them.
fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

/// One line of text (a name): whitespace runs become one space, controls are dropped.
///
/// # Errors
/// A message for the field when the cleaned text is longer than `max_chars`.
pub fn single_line(input: &str, max_chars: usize) -> Result<String, String> {
    let mut cleaned = String::with_capacity(input.len());
    let mut pending_space = false;
    for c in input.chars() {
        if c.is_whitespace() {
            pending_space = !cleaned.is_empty();
        } else if !c.is_control() && !is_bidi_control(c) {
            if pending_space {
                cleaned.push(' ');
                pending_space = false;
            }
            cleaned.push(c);
        }
    }
    within_limit(cleaned, max_chars)
}

/// Several lines of text (goals, notes): line breaks are kept, other controls are dropped,
/// and the whole is trimmed.
///
/// # Errors
/// A message for the field when the cleaned text is longer than `max_chars`.
pub fn multi_line(input: &str, max_chars: usize) -> Result<String, String> {
    let normalised = input.replace("\r\n", "\n");
    let cleaned: String = normalised
        .chars()
        .filter(|&c| (c == '\n' || c == '\t' || !c.is_control()) && !is_bidi_control(c))
        .collect();
    within_limit(cleaned.trim().to_owned(), max_chars)
}

fn within_limit(text: String, max_chars: usize) -> Result<String, String> {
    if text.chars().count() > max_chars {
        Err(format!("Use at most {max_chars} characters."))
    } else {
        Ok(text)
    }
}

/// The case-insensitive key used to sort by name: the name, or the email when there is none.
pub fn sort_key(name: &str, email: &str) -> String {
    if name.is_empty() {
        email.to_lowercase()
    } else {
        name.to_lowercase()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_line_text_is_trimmed_and_collapsed() {
        let cases = [
            ("  Mixing   Masterclass  ", "Mixing Masterclass"),
            ("Line\nbreak\ttab", "Line break tab"),
            ("bell\u{7}char", "bellchar"),
            ("evil\u{202E}txt.exe", "eviltxt.exe"),
            ("\u{2066}isolate\u{2069}", "isolate"),
            ("", ""),
            ("   ", ""),
            ("Beyoncé ✨", "Beyoncé ✨"),
        ];
        for (input, expected) in cases {
            assert_eq!(
                single_line(input, 120).as_deref(),
                Ok(expected),
                "{input:?}"
            );
        }
    }

    #[test]
    fn text_over_the_limit_is_refused_not_cut() {
        assert_eq!(
            single_line("abcdef", 5),
            Err("Use at most 5 characters.".into())
        );
        assert_eq!(single_line("ééééé", 5).as_deref(), Ok("ééééé"));
    }

    #[test]
    fn multi_line_text_keeps_its_line_breaks() {
        assert_eq!(
            multi_line("  Finish my EP\r\nLearn mixing\u{0}  ", 100).as_deref(),
            Ok("Finish my EP\nLearn mixing")
        );
    }

    #[test]
    fn the_sort_key_falls_back_to_the_email() {
        assert_eq!(sort_key("Ada Lovelace", "ada@example.com"), "ada lovelace");
        assert_eq!(sort_key("", "Ada@Example.com"), "ada@example.com");
    }
}
