//! Field-level validation errors, collected so a form or an API call can report
//! every problem at once instead of the first one.

use std::collections::BTreeMap;

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

    /// Requires a non-blank value of at most `max` characters; returns it trimmed.
    pub fn required(&mut self, field: &str, value: &str, max: usize) -> String {
        let v = value.trim();
        if v.is_empty() {
            self.add(field, "required");
        } else if super::text::has_forbidden_control(v) {
            self.add(field, "invalid_value");
        } else if v.chars().count() > max {
            self.add(field, "too_long");
        }
        v.to_string()
    }

    /// An optional value: blank becomes `None`; too long is an error.
    pub fn optional(&mut self, field: &str, value: Option<&str>, max: usize) -> Option<String> {
        let v = value.map(str::trim).filter(|v| !v.is_empty())?;
        if super::text::has_forbidden_control(v) {
            self.add(field, "invalid_value");
        } else if v.chars().count() > max {
            self.add(field, "too_long");
        }
        Some(v.to_string())
    }
}
