//! The words the explanation is built from: weekdays, dates, instants, durations, units and lists of
//! days, in the reader's language.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};

use crate::domain::calendar::{DayKind, local_date};
use crate::domain::deadline::{EventName, SkippedDay};
use crate::domain::policy::Unit;
use crate::i18n::Tr;

/// More counted days than this are written as a range.
const MAX_LISTED_DAYS: usize = 6;

pub(super) fn weekday(tr: &Tr, date: NaiveDate) -> &'static str {
    let key = match date.weekday() {
        Weekday::Mon => "deadline.weekday.mon",
        Weekday::Tue => "deadline.weekday.tue",
        Weekday::Wed => "deadline.weekday.wed",
        Weekday::Thu => "deadline.weekday.thu",
        Weekday::Fri => "deadline.weekday.fri",
        Weekday::Sat => "deadline.weekday.sat",
        Weekday::Sun => "deadline.weekday.sun",
    };
    tr.get(key).unwrap_or("")
}

/// "Fri 24/04/2026".
pub(super) fn day(tr: &Tr, date: NaiveDate) -> String {
    format!("{} {}", weekday(tr, date), date.format("%d/%m/%Y"))
}

/// "Fri 24/04/2026 14:05" (Vietnam time).
pub(super) fn instant(tr: &Tr, at: DateTime<Utc>) -> String {
    format!("{} {}", weekday(tr, local_date(at)), tr.datetime(at))
}

/// Like `instant`, but local midnight is "24:00" of the day that ends.
pub(super) fn due(tr: &Tr, at: DateTime<Utc>) -> String {
    let local = local_date(at);
    if crate::domain::calendar::start_of_local_day(local) == at {
        let d = local - Duration::days(1);
        format!("{} 24:00", day(tr, d))
    } else {
        instant(tr, at)
    }
}

pub(super) fn unit(tr: &Tr, u: Unit) -> &'static str {
    let key = match u {
        Unit::Hours => "deadline.unit.hours",
        Unit::WorkingDays => "deadline.unit.working_days",
        Unit::CalendarDays => "deadline.unit.calendar_days",
    };
    tr.get(key).unwrap_or("")
}

/// "a, b and c".
pub(super) fn join(tr: &Tr, items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{}{}{}", rest.join(", "), tr.t("deadline.and"), last),
    }
}

/// The days counted, a swapped-in working day with its name.
pub(super) fn day_list(tr: &Tr, days: &[NaiveDate], swapped_in: &[(NaiveDate, String)]) -> String {
    let show = |d: &NaiveDate| match swapped_in.iter().find(|(s, _)| s == d) {
        Some((_, name)) => format!("{} ({name})", day(tr, *d)),
        None => day(tr, *d),
    };
    match days {
        [first, .., last] if days.len() > MAX_LISTED_DAYS => {
            let range = tr.f(
                "deadline.days_range",
                &[("first", &day(tr, *first)), ("last", &day(tr, *last)), ("count", &days.len().to_string())],
            );
            if swapped_in.is_empty() {
                range
            } else {
                let named: Vec<String> = swapped_in.iter().map(|(d, _)| show(d)).collect();
                format!("{range} {}", tr.f("deadline.including", &[("days", &join(tr, &named))]))
            }
        }
        _ => join(tr, &days.iter().map(show).collect::<Vec<_>>()),
    }
}

/// Holidays grouped by runs of consecutive days with the same name, then the weekend if any.
pub(super) fn skipped_list(tr: &Tr, skipped: &[SkippedDay]) -> String {
    let mut runs: Vec<(NaiveDate, NaiveDate, &str)> = Vec::new();
    let mut weekend_days = 0;
    for s in skipped {
        match &s.kind {
            DayKind::Holiday(name) => match runs.last_mut() {
                Some((_, end, n)) if *n == name.as_str() && end.succ_opt() == Some(s.date) => *end = s.date,
                _ => runs.push((s.date, s.date, name.as_str())),
            },
            DayKind::Weekend => weekend_days += 1,
            DayKind::Working | DayKind::SwappedWorkingDay(_) => {}
        }
    }
    let mut items: Vec<String> = runs
        .into_iter()
        .map(|(a, b, name)| {
            let dates = if a == b { day(tr, a) } else { format!("{} – {}", day(tr, a), day(tr, b)) };
            format!("{dates} ({name})")
        })
        .collect();
    if weekend_days > 0 {
        items.push(tr.t(if weekend_days <= 2 { "deadline.the_weekend" } else { "deadline.weekends" }).to_string());
    }
    join(tr, &items)
}

pub(super) fn duration(tr: &Tr, seconds: i64) -> String {
    let minutes = seconds / 60;
    tr.f("deadline.duration", &[("hours", &(minutes / 60).to_string()), ("minutes", &(minutes % 60).to_string())])
}

/// The trigger of a count in days, as the day it names: "ngày nhận", "ngày làm rõ", "ngày chuyển".
pub(super) fn trigger_day(tr: &Tr, trigger: EventName) -> &'static str {
    let key = match trigger {
        EventName::Clarified => "deadline.trigger.clarified",
        EventName::Transferred => "deadline.trigger.transferred",
        _ => "deadline.trigger.received",
    };
    tr.get(key).unwrap_or("")
}
