//! Translations for pages and mails. The catalogues are data
//! (`locales/vi.toml`, `locales/en.toml`, compiled in); Vietnamese is the
//! default and the reference: every key must exist in both (a test checks).

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Write;
use std::sync::OnceLock;

use chrono::{DateTime, Datelike, FixedOffset, Timelike, Utc};

use crate::domain::account::Locale;
use crate::domain::calendar::Calendar;
use crate::domain::due_hint::{DueHint, due_hint};

type Catalogue = HashMap<String, String>;

fn parse(text: &str) -> Catalogue {
    let table: toml::Table = text.parse().expect("locale catalogue is valid TOML");
    let mut out = HashMap::new();
    flatten("", &table, &mut out);
    out
}

fn flatten(prefix: &str, table: &toml::Table, out: &mut Catalogue) {
    for (k, v) in table {
        let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
        match v {
            toml::Value::String(s) => {
                out.insert(key, s.clone());
            }
            toml::Value::Table(t) => flatten(&key, t, out),
            other => {
                out.insert(key, other.to_string());
            }
        }
    }
}

fn catalogue(locale: Locale) -> &'static Catalogue {
    static VI: OnceLock<Catalogue> = OnceLock::new();
    static EN: OnceLock<Catalogue> = OnceLock::new();
    // Each locale is the union of its files: the general catalogue and the
    // deadline explanations (kept apart because they grow with the policy).
    match locale {
        Locale::Vi => VI.get_or_init(|| {
            let mut c = parse(include_str!("../locales/vi.toml"));
            c.extend(parse(include_str!("../locales/deadline.vi.toml")));
            c
        }),
        Locale::En => EN.get_or_init(|| {
            let mut c = parse(include_str!("../locales/en.toml"));
            c.extend(parse(include_str!("../locales/deadline.en.toml")));
            c
        }),
    }
}

/// A translator for one locale, handed to templates as `t`.
#[derive(Debug, Clone, Copy)]
pub struct Tr {
    pub locale: Locale,
}

impl Tr {
    pub fn new(locale: Locale) -> Self {
        Self { locale }
    }

    /// The text for `key`; falls back to Vietnamese, then to the key itself, so
    /// a missing translation shows up plainly instead of as an empty string.
    pub fn t<'a>(&self, key: &'a str) -> &'a str {
        catalogue(self.locale).get(key).or_else(|| catalogue(Locale::Vi).get(key)).map(String::as_str).unwrap_or(key)
    }

    /// The text for `prefix.name` (a status, a kind of request: lists show
    /// one per row), without building the key on the heap. Falls back like
    /// `t`, to the key itself.
    pub fn t_of(&self, prefix: &str, name: &str) -> Cow<'static, str> {
        let mut buf = [0u8; 64];
        let len = prefix.len() + 1 + name.len();
        if len > buf.len() {
            let key = format!("{prefix}.{name}");
            return self.get(&key).map_or(Cow::Owned(key), Cow::Borrowed);
        }
        buf[..prefix.len()].copy_from_slice(prefix.as_bytes());
        buf[prefix.len()] = b'.';
        buf[prefix.len() + 1..len].copy_from_slice(name.as_bytes());
        // Two strings joined by '.' are UTF-8.
        let key = std::str::from_utf8(&buf[..len]).unwrap_or_default();
        self.get(key).map_or_else(|| Cow::Owned(key.to_string()), Cow::Borrowed)
    }

    /// The text for `key` if either catalogue has it.
    pub fn get(&self, key: &str) -> Option<&'static str> {
        catalogue(self.locale).get(key).or_else(|| catalogue(Locale::Vi).get(key)).map(String::as_str)
    }

    /// The text for `key` with `{name}` placeholders filled in, in one pass:
    /// a value that itself holds `{reporter}` (a subject a reporter typed) is
    /// copied as it is, never expanded.
    pub fn f(&self, key: &str, args: &[(&str, &str)]) -> String {
        fill(self.t(key), args)
    }

    pub fn lang(&self) -> &'static str {
        self.locale.as_str()
    }

    /// `dd/mm/yyyy HH:mm` in Vietnam's time (UTC+7, no daylight saving).
    pub fn datetime(&self, at: DateTime<Utc>) -> String {
        let local = at.with_timezone(&vietnam());
        let mut out = day_text(&local);
        let _ = write!(out, " {:02}:{:02}", local.hour(), local.minute());
        out
    }

    /// A due instant as people say it: midnight is 24:00 of the day that ends
    /// (Civil Code Art. 148), not 00:00 of the next one.
    pub fn due(&self, at: DateTime<Utc>) -> String {
        let local = at.with_timezone(&vietnam());
        if is_midnight(&local) {
            let mut out = day_text(&(local - chrono::Duration::days(1)));
            out.push_str(" 24:00");
            out
        } else {
            self.datetime(at)
        }
    }

    /// A due instant as a limit that includes its last day: "đến hết ngày 12/03/2026" ("by the end of
    /// 12/03/2026") for 24:00, "chậm nhất 16/03/2026 17:00" ("by 16/03/2026 17:00") otherwise. A period
    /// in days includes its last day, which "trước 12/03/2026" would seem to leave out.
    pub fn due_by(&self, at: DateTime<Utc>) -> String {
        let local = at.with_timezone(&vietnam());
        if is_midnight(&local) {
            let day = local - chrono::Duration::days(1);
            self.f("deadline.due_by.end_of_day", &[("date", &day_text(&day))])
        } else {
            self.f("deadline.due_by.instant", &[("at", &self.datetime(at))])
        }
    }

    /// The hint beside a due date, counted on the working-day calendar:
    /// "còn 2 ngày làm việc", "còn 5 giờ", "quá hạn 3 giờ", "quá hạn 4 ngày".
    pub fn due_hint(&self, calendar: &Calendar, due: DateTime<Utc>, now: DateTime<Utc>) -> String {
        let (n, key) = match due_hint(calendar, due, now) {
            DueHint::MinutesLeft(n) => (n, "rel.minutes_left"),
            DueHint::HoursLeft(n) => (n, "rel.hours_left"),
            DueHint::WorkingDaysLeft(n) => (i64::from(n), "rel.working_days_left"),
            DueHint::MinutesOver(n) => (n, "rel.minutes_over"),
            DueHint::HoursOver(n) => (n, "rel.hours_over"),
            DueHint::DaysOver(n) => (n, "rel.days_over"),
        };
        self.count(key, n)
    }

    /// `key` with `{n}` filled in, or its `_one` form for 1 when there is one.
    fn count(&self, key: &str, n: i64) -> String {
        let one = format!("{key}_one");
        let key = if n == 1 && self.get(&one).is_some() { one.as_str() } else { key };
        self.f(key, &[("n", &n.to_string())])
    }

    pub fn date(&self, at: DateTime<Utc>) -> String {
        day_text(&at.with_timezone(&vietnam()))
    }
}

/// 00:00:00 on the clock (what `due` shows as 24:00 of the day before).
fn is_midnight(local: &DateTime<FixedOffset>) -> bool {
    local.hour() == 0 && local.minute() == 0 && local.second() == 0
}

/// `dd/mm/yyyy`, as chrono's `%d/%m/%Y` writes it, without parsing the format
/// each time (lists show several dates a row).
fn day_text(local: &DateTime<FixedOffset>) -> String {
    let mut out = String::with_capacity(16);
    if (0..=9999).contains(&local.year()) {
        let _ = write!(out, "{:02}/{:02}/{:04}", local.day(), local.month(), local.year());
    } else {
        let _ = write!(out, "{}", local.format("%d/%m/%Y"));
    }
    out
}

/// Fills `{name}` placeholders of a catalogue text in a single left-to-right
/// pass over the template: only the template's own braces are read, so text
/// from users can never be interpreted. An unknown `{x}` stays as written.
pub fn fill(template: &str, args: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + args.iter().map(|(_, v)| v.len()).sum::<usize>());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}').map(|close| (&after[..close], close)) {
            Some((name, close)) if !name.contains('{') => {
                match args.iter().find(|(n, _)| *n == name) {
                    Some((_, value)) => out.push_str(value),
                    None => out.push_str(&rest[open..open + close + 2]),
                }
                rest = &after[close + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Asia/Ho_Chi_Minh: UTC+7 all year (one definition, in the calendar).
pub use crate::domain::calendar::vietnam;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_catalogues_have_the_same_keys() {
        let vi: std::collections::BTreeSet<_> = catalogue(Locale::Vi).keys().collect();
        let en: std::collections::BTreeSet<_> = catalogue(Locale::En).keys().collect();
        let only_vi: Vec<_> = vi.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&vi).collect();
        assert!(only_vi.is_empty() && only_en.is_empty(), "only vi: {only_vi:?}; only en: {only_en:?}");
    }

    #[test]
    fn dates_are_local_and_day_first() {
        let at = DateTime::parse_from_rfc3339("2026-04-24T17:30:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(Tr::new(Locale::Vi).datetime(at), "25/04/2026 00:30");
    }

    #[test]
    fn midnight_due_is_24_00_of_the_day_that_ends() {
        let tr = Tr::new(Locale::Vi);
        let at = DateTime::parse_from_rfc3339("2026-12-01T17:00:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(tr.due(at), "01/12/2026 24:00");
        let at = DateTime::parse_from_rfc3339("2026-12-01T10:00:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(tr.due(at), "01/12/2026 17:00");
    }

    #[test]
    fn due_hints_count_working_days_in_both_languages() {
        let cal = Calendar::embedded();
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        // Fri 08/05/2026 16:00 local; due Tue 12/05 24:00 local.
        let (now, due) = (at("2026-05-08T09:00:00Z"), at("2026-05-12T17:00:00Z"));
        assert_eq!(Tr::new(Locale::Vi).due_hint(&cal, due, now), "còn 2 ngày làm việc");
        assert_eq!(Tr::new(Locale::En).due_hint(&cal, due, now), "2 working days left");
        let due = at("2026-05-11T17:00:00Z");
        assert_eq!(Tr::new(Locale::En).due_hint(&cal, due, now), "1 working day left");
        assert_eq!(Tr::new(Locale::Vi).due_hint(&cal, at("2026-05-08T17:00:00Z"), now), "còn 8 giờ");
        assert_eq!(Tr::new(Locale::Vi).due_hint(&cal, now, at("2026-05-08T12:00:00Z")), "quá hạn 3 giờ");
        assert_eq!(Tr::new(Locale::En).due_hint(&cal, now, at("2026-05-08T10:00:00Z")), "overdue by 1 hour");
        assert_eq!(Tr::new(Locale::Vi).due_hint(&cal, now, at("2026-05-12T09:00:00Z")), "quá hạn 4 ngày");
        assert_eq!(Tr::new(Locale::En).due_hint(&cal, now, at("2026-05-08T09:20:00Z")), "overdue by 20 minutes");
    }

    #[test]
    fn user_text_is_never_expanded() {
        let filled = fill(
            "{reporter} ({outlet}) hỏi: {subject}",
            &[("reporter", "An"), ("outlet", "Báo X"), ("subject", "Vì sao {reporter} và {outlet} {x")],
        );
        assert_eq!(filled, "An (Báo X) hỏi: Vì sao {reporter} và {outlet} {x");
        assert_eq!(fill("{a}{b}", &[("a", "{b}"), ("b", "2")]), "{b}2");
        assert_eq!(fill("{unknown} {", &[]), "{unknown} {");
        assert_eq!(fill("{{a}}", &[("a", "1")]), "{1}");
    }

    #[test]
    fn placeholders_and_fallbacks() {
        let tr = Tr::new(Locale::En);
        assert_eq!(tr.t("no.such.key"), "no.such.key");
        assert!(tr.f("mail.verify.greeting", &[("name", "An")]).contains("An"));
    }
}
