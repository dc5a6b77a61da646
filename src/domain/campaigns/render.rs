//! A campaign as email: Markdown to HTML with `pulldown-cmark`, sanitised with `ammonia`
//! (the body is the creator's text, and mail clients run whatever HTML they are given), a
//! plain-text part made from the same Markdown, and the footer the law asks for: the
//! store's postal address and an unsubscribe link.
//!
//! The Markdown is rendered and sanitised once per campaign with its merge fields still in
//! place ([`Rendered`]); each recipient's copy only fills them in, escaping the fan's name.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

use super::compose::{Content, Template, UnknownField};

/// A campaign rendered once, ready to be filled in for each recipient.
#[derive(Debug, Clone)]
pub struct Rendered {
    subject: Template,
    preheader: Template,
    html_body: Template,
    text_body: Template,
}

/// One recipient's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    pub subject: String,
    pub html: String,
    pub text: String,
}

/// What the footer says, and where unsubscribing goes.
pub struct Footer<'a> {
    pub store_name: &'a str,
    pub postal_address: &'a str,
    pub unsubscribe_url: &'a str,
}

impl Rendered {
    /// # Errors
    /// Unknown merge fields (a draft that was never checked; sending checks first).
    pub fn new(content: &Content) -> Result<Rendered, Vec<UnknownField>> {
        Ok(Rendered {
            subject: Template::parse(&content.subject)?,
            preheader: Template::parse(&content.preheader)?,
            html_body: Template::parse(&markdown_to_safe_html(&content.body))?,
            text_body: Template::parse(&markdown_to_text(&content.body))?,
        })
    }

    /// The message for a fan called `first_name` (their first name, or empty).
    pub fn letter(&self, first_name: &str, footer: &Footer<'_>) -> Letter {
        let subject = self.subject.fill(first_name, false);
        let preheader = self.preheader.fill(first_name, true);
        let escape = |text: &str| html_escape::encode_text(text).into_owned();
        let url = html_escape::encode_double_quoted_attribute(footer.unsubscribe_url);
        let address_html = footer
            .postal_address
            .lines()
            .map(escape)
            .collect::<Vec<_>>()
            .join("<br>");
        let html = format!(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>{title}</title></head>\n\
             <body style=\"margin:0;padding:0;background:#f8fafc;\">\
             <div style=\"display:none;max-height:0;overflow:hidden;\">{preheader}</div>\n\
             <div style=\"max-width:600px;margin:0 auto;padding:24px;background:#ffffff;\
             font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;font-size:16px;\
             line-height:1.5;color:#0f172a;\">\n{body}\n\
             <hr style=\"border:none;border-top:1px solid #e2e8f0;margin:32px 0 16px;\">\
             <p style=\"font-size:12px;color:#64748b;\">{store}<br>{address}</p>\
             <p style=\"font-size:12px;color:#64748b;\">You get this email as a fan of {store}. \
             <a href=\"{url}\" style=\"color:#64748b;\">Unsubscribe</a></p>\
             </div></body></html>\n",
            title = escape(&subject),
            body = self.html_body.fill(first_name, true),
            store = escape(footer.store_name),
            address = address_html,
        );
        let text = format!(
            "{body}\n\n-- \n{store}\n{address}\n\nUnsubscribe: {url}\n",
            body = self.text_body.fill(first_name, false).trim_end(),
            store = footer.store_name,
            address = footer.postal_address,
            url = footer.unsubscribe_url,
        );
        Letter {
            subject,
            html,
            text,
        }
    }
}

fn markdown_options() -> Options {
    Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES
}

/// CommonMark to HTML, then through ammonia's allow-list (no scripts, no event handlers, no
/// `javascript:` links; links get `rel="noopener noreferrer"`).
pub fn markdown_to_safe_html(markdown: &str) -> String {
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, Parser::new_ext(markdown, markdown_options()));
    ammonia::clean(&html)
}

/// The plain-text part: the Markdown's words, with links written out as "text (url)".
pub fn markdown_to_text(markdown: &str) -> String {
    let mut out = String::new();
    let mut links: Vec<String> = Vec::new();
    let mut list_depth: usize = 0;
    for event in Parser::new_ext(markdown, markdown_options()) {
        match event {
            Event::Text(text) | Event::Code(text) => out.push_str(&text),
            Event::SoftBreak => out.push(' '),
            Event::HardBreak => out.push('\n'),
            Event::Rule => out.push_str("\n----\n\n"),
            Event::Start(Tag::Item) => {
                out.push_str(&"  ".repeat(list_depth.saturating_sub(1)));
                out.push_str("- ");
            }
            Event::Start(Tag::List(_)) => list_depth += 1,
            Event::End(TagEnd::List(_)) => {
                list_depth = list_depth.saturating_sub(1);
                if list_depth == 0 {
                    out.push('\n');
                }
            }
            Event::End(TagEnd::Item) => out.push('\n'),
            Event::Start(Tag::Link { dest_url, .. }) => links.push(dest_url.into_string()),
            Event::End(TagEnd::Link) => {
                if let Some(url) = links.pop() {
                    out.push_str(&format!(" ({url})"));
                }
            }
            Event::End(TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::CodeBlock) => {
                out.push_str(if list_depth > 0 { "" } else { "\n\n" });
            }
            Event::End(TagEnd::TableCell) => out.push('\t'),
            Event::End(TagEnd::TableRow | TagEnd::TableHead) => out.push('\n'),
            _ => {}
        }
    }
    out.trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content(body: &str) -> Content {
        Content {
            subject: "Hi {first_name|there}".into(),
            preheader: "News".into(),
            from_name: "Night Owl".into(),
            body: body.into(),
        }
    }

    const FOOTER: Footer<'static> = Footer {
        store_name: "Night Owl Beats",
        postal_address: "1 Loop Street\nBerlin",
        unsubscribe_url: "https://encore.test/unsubscribe/1.ab",
    };

    #[test]
    fn markdown_becomes_safe_html_and_plain_text() {
        let rendered = Rendered::new(&content(
            "# New pack\n\nHi **{first_name|there}**, see [the pack](https://x.test/p).\n\n\
             <script>alert(1)</script>\n\n[bad](javascript:alert(1))",
        ))
        .unwrap();
        let letter = rendered.letter("Ada", &FOOTER);
        assert_eq!(letter.subject, "Hi Ada");
        assert!(letter.html.contains("<h1>New pack</h1>"), "{}", letter.html);
        assert!(letter.html.contains("<strong>Ada</strong>"));
        assert!(letter.html.contains("href=\"https://x.test/p\""));
        assert!(!letter.html.contains("<script"));
        assert!(!letter.html.contains("javascript:"));
        assert!(letter.html.contains("1 Loop Street<br>Berlin"));
        assert!(letter.html.contains("https://encore.test/unsubscribe/1.ab"));
        assert!(
            letter
                .text
                .starts_with("New pack\n\nHi Ada, see the pack (https://x.test/p)."),
            "{}",
            letter.text
        );
        assert!(
            letter
                .text
                .contains("Unsubscribe: https://encore.test/unsubscribe/1.ab")
        );
    }

    #[test]
    fn a_fans_name_is_escaped_in_html_and_a_missing_one_falls_back() {
        let rendered = Rendered::new(&content("Hi {first_name|there}")).unwrap();
        let letter = rendered.letter("<img src=x onerror=alert(1)>", &FOOTER);
        assert!(letter.html.contains("&lt;img src=x onerror=alert(1)&gt;"));
        assert!(!letter.html.contains("<img"));
        let letter = rendered.letter("", &FOOTER);
        assert!(letter.html.contains("Hi there"));
        assert_eq!(letter.subject, "Hi there");
    }
}
