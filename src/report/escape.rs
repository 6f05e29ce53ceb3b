//! Escaping text for the documents the package writes: XML (QML styles, SVG) and HTML, and JSON embedded in
//! an HTML `<script>` block.
//!
//! The HTML escape also turns `/` into `&#47;` and the embedded-JSON escape turns it into `\/`, so that no
//! `scheme://` text from the data (an OSM `website` tag in a name, a URL in a data-source note) ever
//! appears literally in the offline report: the report's promise is that it holds no URL at all.
//!
//! ```
//! use lifecircle::report::escape::{html_text, xml_text, script_json};
//! assert_eq!(xml_text("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
//! assert_eq!(html_text("see https://x"), "see https:&#47;&#47;x");
//! assert_eq!(script_json(r#"{"a":"</script>"}"#), r#"{"a":"\u003c\/script>"}"#);
//! ```

/// Escape text for an XML element or a double- or single-quoted attribute.
pub fn xml_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters other than tab and newlines are not allowed in XML 1.0.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Escape text for HTML element content or a quoted attribute; `/` becomes `&#47;` (see the module doc).
pub fn html_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '/' => out.push_str("&#47;"),
            c => out.push(c),
        }
    }
    out
}

/// Make serialized JSON safe inside `<script type="application/json">`: `<` becomes `\u003c` (so neither
/// `</script>` nor `<!--` can occur) and `/` becomes `\/`. Both are valid JSON string escapes, and in JSON
/// these characters only ever occur inside strings, so the text still parses to the same value.
pub fn script_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + json.len() / 16);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '/' => out.push_str("\\/"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escape_removes_forbidden_controls_and_keeps_chinese() {
        assert_eq!(xml_text("幼儿园\u{1}'x'"), "幼儿园 &apos;x&apos;");
        assert_eq!(xml_text("a\tb\nc"), "a\tb\nc");
    }

    #[test]
    fn script_json_round_trips_through_serde() {
        let value = serde_json::json!({"name": "</script><!-- https://example -->", "n": 1.5, "zh": "南京"});
        let escaped = script_json(&value.to_string());
        assert!(!escaped.contains("</"));
        assert!(!escaped.contains("<!--"));
        assert!(!escaped.contains("://"));
        let back: serde_json::Value = serde_json::from_str(&escaped).unwrap();
        assert_eq!(back, value);
    }

    #[test]
    fn html_escape_of_every_special_character() {
        assert_eq!(html_text(r#"<a href="x">'&'/</a>"#), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&#47;&lt;&#47;a&gt;");
    }
}
