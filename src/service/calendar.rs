//! The working-day calendar as administrators keep it, and what a change does:
//! every open request whose due date moves gets a `deadline_changed` event and
//! a mail, in the same transaction as the change.

use std::collections::HashSet;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::Env;
use super::accounts::Principal;
use super::error::{AppError, AppResult};
use super::requests::{deadline_of, mail, place_of, utc};
use super::rules::Rulebook;
use super::timeline;
use crate::db::{self, DbConn, requests};
use crate::domain::account::Role;
use crate::domain::calendar::{CalendarYear, DayEntry};
use crate::domain::request::NewEvent;
use crate::domain::text::refused_in_line;
use crate::domain::validation::FieldErrors;

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DayInput {
    /// A local date, `YYYY-MM-DD`.
    #[serde(default)]
    #[schema(format = Date, required = true)]
    pub date: String,
    #[serde(default)]
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default, utoipa::ToSchema)]
#[schema(example = json!({"year": 2026, "holidays": [{"date": "2026-04-27", "name": "Nghỉ bù Giỗ Tổ Hùng Vương"}, {"date": "2026-04-30", "name": "Ngày Chiến thắng"}], "working_days": [], "source": "Quyết định của Thủ tướng Chính phủ"}))]
pub struct YearInput {
    pub year: Option<i32>,
    #[serde(default)]
    pub holidays: Vec<DayInput>,
    #[serde(default)]
    pub working_days: Vec<DayInput>,
    pub source: Option<String>,
}

/// Checks an edited year: dates of that year, named, no day listed twice, and
/// swapped-in working days only on weekends.
pub fn check_year(year: i32, input: &YearInput) -> Result<CalendarYear, FieldErrors> {
    let mut e = FieldErrors::new();
    if !(2000..=2100).contains(&year) {
        e.add("year", "invalid_value");
    }
    if input.year.is_some_and(|y| y != year) {
        e.add("year", "year_mismatch");
    }
    let mut seen = HashSet::new();
    let mut parse = |field: &str, list: &[DayInput], weekend_only: bool, e: &mut FieldErrors| -> Vec<DayEntry> {
        let mut out = Vec::new();
        for (i, d) in list.iter().enumerate() {
            let f = format!("{field}[{i}]");
            let Ok(date) = NaiveDate::parse_from_str(d.date.trim(), "%Y-%m-%d") else {
                e.add(&f, "invalid_date");
                continue;
            };
            let name = d.name.trim();
            if date.year() != year {
                e.add(&f, "wrong_year");
            } else if name.is_empty() || name.chars().count() > 120 || refused_in_line(name).is_some() {
                e.add(&f, "invalid_name");
            } else if !seen.insert(date) {
                e.add(&f, "duplicate_date");
            } else if weekend_only && !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
                e.add(&f, "not_a_weekend_day");
            } else {
                out.push(DayEntry { date, name: name.to_string() });
            }
        }
        out.sort_by_key(|d| d.date);
        out
    };
    let holidays = parse("holidays", &input.holidays, false, &mut e);
    let working_days = parse("working_days", &input.working_days, true, &mut e);
    e.into_result()?;
    Ok(CalendarYear {
        year,
        holidays,
        working_days,
        confirmed: true,
        source: input
            .source
            .clone()
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| "edited by an administrator".into()),
    })
}

/// Replaces a year's calendar and moves every open deadline it affects.
/// Returns the new rules and how many requests moved.
pub fn put_year(
    conn: &mut DbConn,
    env: Env<'_>,
    p: &Principal,
    year: i32,
    input: &YearInput,
) -> AppResult<(Rulebook, usize)> {
    if p.role != Role::Admin {
        return Err(AppError::Forbidden("only administrators edit the calendar".into()));
    }
    let y = check_year(year, input)?;
    let data = serde_json::to_string(&y).map_err(anyhow::Error::from)?;
    db::write(conn, |conn| {
        requests::save_calendar_year(conn, year, &data, env.now.naive_utc(), &p.user.id)?;
        let rules = Rulebook {
            policies: env.rules.policies.clone(),
            calendar: std::sync::Arc::new((*env.rules.calendar).clone().with_year(y.clone())),
        };
        let moved = recompute_open(conn, Env { rules: &rules, ..env }, &format!("calendar {year}"))?;
        Ok((rules, moved))
    })
}

/// Recomputes the deadline of every open request under `env.rules`; each one
/// that moves gets an event, a new sweeper check and mails.
pub fn recompute_open(conn: &mut DbConn, env: Env<'_>, reason: &str) -> AppResult<usize> {
    let mut moved = 0;
    for id in requests::open_ids(conn)? {
        let Some(mut row) = requests::get_for_update(conn, &id)? else { continue };
        let expected = row.version;
        let (agency, j) = place_of(conn, &row)?;
        let events = requests::events_of(conn, &id)?;
        let dl = deadline_of(env.rules, &row, &agency, &j, &events);
        let new_due = dl.due_at.map(|d| d.naive_utc());
        if new_due == row.due_at {
            continue;
        }
        let event = NewEvent {
            kind: "deadline_changed".into(),
            body: None,
            data: json!({"from": row.due_at.map(utc), "to": dl.due_at, "reason": reason}),
            internal: false,
        };
        timeline::append(conn, env, &mut row, None, "system", &event)?;
        row.due_at = new_due;
        row.next_check_at = super::next_check::next_check_for(conn, env, &row)?;
        row.updated_at = env.now.naive_utc();
        if !requests::update_state(conn, &row, expected)? {
            return Err(AppError::Conflict("a request changed during the recomputation; try again".into()));
        }
        mail::deadline_changed(conn, env, &row, &agency, &dl)?;
        moved += 1;
    }
    Ok(moved)
}
