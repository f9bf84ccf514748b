//! Field-level validation errors, collected so a form or an API call can report
//! every problem at once instead of the first one.

use std::collections::BTreeMap;

use super::text::{normalize_line_breaks, refused_in_line, refused_in_text};

/// Problems found in an input, keyed by field name. Each problem is a code
/// (`required`, `too_long`, `invalid_email`, …) that the catalogues under
/// `field_error.` translate: the API answers in English, pages in the reader's
/// language.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FieldErrors(pub BTreeMap<String, String>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.entry(field.to_string()).or_insert_with(|| message.into());
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    /// `Ok(())` when nothing was found, otherwise the collected errors.
    pub fn into_result(self) -> Result<(), FieldErrors> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }

    /// A required single-line text (a name, a subject, a CSV cell) of at most
    /// `max` characters, trimmed. Every character `text::allowed_in_line`
    /// refuses is an error naming the field: one validator for the API, the
    /// pages, the CLI and the CSV import.
    pub fn required(&mut self, field: &str, value: &str, max: usize) -> String {
        let v = value.trim();
        if v.is_empty() {
            self.add(field, "required");
        } else {
            self.check(field, v, max, Lines::One);
        }
        v.to_string()
    }

    /// An optional choice among known values (a locale, a level): blank is
    /// `None`; text that names no value is a field error `code` and `None`, so
    /// that a caller's default applies only to what was not given.
    pub fn choice<T>(
        &mut self,
        field: &str,
        value: Option<&str>,
        parse: impl Fn(&str) -> Option<T>,
        code: &str,
    ) -> Option<T> {
        let v = value.map(str::trim).filter(|v| !v.is_empty())?;
        let parsed = parse(v);
        if parsed.is_none() {
            self.add(field, code);
        }
        parsed
    }

    /// An optional single-line text: blank becomes `None`.
    pub fn optional(&mut self, field: &str, value: Option<&str>, max: usize) -> Option<String> {
        let v = value.map(str::trim).filter(|v| !v.is_empty())?;
        self.check(field, v, max, Lines::One);
        Some(v.to_string())
    }

    /// A required multi-line text (a body, a question, a note): line breaks
    /// are kept (as LF), every other control character is an error.
    pub fn required_text(&mut self, field: &str, value: &str, max: usize) -> String {
        let v = normalize_line_breaks(value.trim()).into_owned();
        if v.is_empty() {
            self.add(field, "required");
        } else {
            self.check(field, &v, max, Lines::Many);
        }
        v
    }

    /// An optional multi-line text: blank becomes `None`.
    pub fn optional_text(&mut self, field: &str, value: Option<&str>, max: usize) -> Option<String> {
        let v = value.map(str::trim).filter(|v| !v.is_empty())?;
        let v = normalize_line_breaks(v).into_owned();
        self.check(field, &v, max, Lines::Many);
        Some(v)
    }

    fn check(&mut self, field: &str, v: &str, max: usize, lines: Lines) {
        let refused = match lines {
            Lines::One => refused_in_line(v).map(|_| "forbidden_character"),
            Lines::Many => refused_in_text(v).map(|_| "forbidden_character_text"),
        };
        if let Some(code) = refused {
            self.add(field, code);
        } else if v.chars().count() > max {
            self.add(field, "too_long");
        }
    }
}

#[derive(Clone, Copy)]
enum Lines {
    One,
    Many,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_choice_is_none_when_blank_and_an_error_when_unknown() {
        let mut e = FieldErrors::new();
        let parse = |s: &str| (s == "vi").then_some(1);
        assert_eq!(e.choice("locale", None, parse, "invalid_locale"), None);
        assert_eq!(e.choice("locale", Some("  "), parse, "invalid_locale"), None);
        assert!(e.is_empty());
        assert_eq!(e.choice("locale", Some(" vi "), parse, "invalid_locale"), Some(1));
        assert_eq!(e.choice("locale", Some("fr"), parse, "invalid_locale"), None);
        assert_eq!(e.get("locale"), Some("invalid_locale"));
    }

    #[test]
    fn one_line_fields_name_the_field_that_holds_a_control_character() {
        let mut e = FieldErrors::new();
        e.required("full_name", "Eve\r\nBcc: x@example.com", 120);
        e.optional("outlet", Some("Báo\tA"), 200);
        e.required("title", "  Trưởng phòng  ", 120);
        assert_eq!(e.get("full_name"), Some("forbidden_character"));
        assert_eq!(e.get("outlet"), Some("forbidden_character"));
        assert_eq!(e.get("title"), None);
    }

    #[test]
    fn texts_keep_line_breaks_as_lf_and_refuse_the_rest() {
        let mut e = FieldErrors::new();
        assert_eq!(e.required_text("body", "dòng 1\r\ndòng 2\rdòng 3", 100), "dòng 1\ndòng 2\ndòng 3");
        assert!(e.is_empty());
        e.required_text("body", "a\tb", 100);
        e.optional_text("note", Some("a\u{202E}b"), 100);
        assert_eq!(e.get("body"), Some("forbidden_character_text"));
        assert_eq!(e.get("note"), Some("forbidden_character_text"));
    }

    #[test]
    fn length_is_counted_in_characters() {
        let mut e = FieldErrors::new();
        e.required("name", &"ệ".repeat(10), 10);
        assert!(e.is_empty());
        e.required("name", &"ệ".repeat(11), 10);
        assert_eq!(e.get("name"), Some("too_long"));
    }
}
