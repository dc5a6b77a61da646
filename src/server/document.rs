//! A page's closing `</body></html>` goes after everything Leptos streams.
//!
//! leptos_axum sends a page as the app's HTML (the whole document, from the shell), then
//! Leptos's data as `<script>` chunks (`__RESOLVED_RESOURCES=[]…`), which so land after
//! `</html>`. Browsers recover (the HTML parser moves them into the body), but it is a
//! parse error, "Stray start tag script" to the Nu HTML Checker. This moves the closing
//! tags to the end of the stream: the page's chunks pass through as they come, less those
//! tags, which follow the last chunk (Leptos's empty `<!>` markers around them mark nothing
//! the browser uses, and are dropped with them).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;
use futures_util::StreamExt;
use futures_util::stream;

/// How the shell's view ends: its closing tags, each followed by Leptos's markers.
const BODY_END: &[u8] = b"</body>";
const HTML_END: &[u8] = b"</html>";
const MARKER: &[u8] = b"<!>";
const CLOSING: &[u8] = b"</body></html>";

/// Moves the document's closing tags of an HTML response after its last chunk.
pub async fn close_document_last(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"));
    if !is_html {
        return response;
    }
    let (parts, body) = response.into_parts();
    let moved = Arc::new(AtomicBool::new(false));
    let chunks = body.into_data_stream().map({
        let moved = moved.clone();
        move |chunk| {
            chunk.map(|bytes| match closing_tags(&bytes) {
                Some(span) if !moved.swap(true, Ordering::Relaxed) => {
                    let mut kept = Vec::with_capacity(bytes.len() - span.len());
                    kept.extend_from_slice(&bytes[..span.start]);
                    kept.extend_from_slice(&bytes[span.end..]);
                    Bytes::from(kept)
                }
                _ => bytes,
            })
        }
    });
    let closing = stream::once(async move {
        Ok::<_, axum::Error>(if moved.load(Ordering::Relaxed) {
            Bytes::from_static(CLOSING)
        } else {
            Bytes::new()
        })
    });
    Response::from_parts(parts, Body::from_stream(chunks.chain(closing)))
}

/// Where `chunk` has the document's closing tags: `</body>`, `</html>` and Leptos's
/// markers among and after them. (Text and attributes are escaped, so `</html>` in a page
/// is only ever the tag.)
fn closing_tags(chunk: &[u8]) -> Option<std::ops::Range<usize>> {
    let html_end = find(chunk, HTML_END)?;
    let mut start = html_end;
    while chunk[..start].ends_with(MARKER) {
        start -= MARKER.len();
    }
    start = start.checked_sub(BODY_END.len())?;
    if &chunk[start..start + BODY_END.len()] != BODY_END {
        return None;
    }
    let mut end = html_end + HTML_END.len();
    while chunk[end..].starts_with(MARKER) {
        end += MARKER.len();
    }
    Some(start..end)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_closing_tags_are_found_with_their_markers() {
        let page = b"<p>x</p><!></body><!><!></html><!><script>__RESOLVED_RESOURCES=[];</script>";
        let span = closing_tags(page).unwrap();
        assert_eq!(&page[span.clone()], b"</body><!><!></html><!>");
        assert_eq!(&page[..span.start], b"<p>x</p><!>");
        assert_eq!(closing_tags(b"<p>x</p></body></html>"), Some(8..22));
        assert_eq!(
            closing_tags(b"<script>__RESOLVED_RESOURCES=[];</script>"),
            None
        );
        assert_eq!(closing_tags(b"<p>x</p></html>"), None);
    }
}
