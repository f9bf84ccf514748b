//! The plain hint shown beside a due date: how much time is left, in working
//! days while there is at least one, or how long ago the due instant passed.
//!
//! Left: the working days that end before the due instant, counted from the
//! day after today (today's remainder is a bonus, so the hint never promises
//! more than there is). Under one such day, the real time left, in hours, or in
//! minutes under an hour. Overdue: hours under 48, else whole calendar days.

use chrono::{DateTime, Duration, Utc};

use super::calendar::{Calendar, end_of_local_day, local_date};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DueHint {
    MinutesLeft(i64),
    HoursLeft(i64),
    WorkingDaysLeft(u32),
    MinutesOver(i64),
    HoursOver(i64),
    DaysOver(i64),
}

impl DueHint {
    pub fn is_overdue(&self) -> bool {
        matches!(self, DueHint::MinutesOver(_) | DueHint::HoursOver(_) | DueHint::DaysOver(_))
    }
}

/// Bound of the day-by-day scan (a due date years away is still "many days").
const MAX_DAYS: u32 = 3660;

/// The hint for a due instant seen at `now`.
pub fn due_hint(calendar: &Calendar, due: DateTime<Utc>, now: DateTime<Utc>) -> DueHint {
    if due < now {
        let late = now - due;
        return if late < Duration::hours(1) {
            DueHint::MinutesOver(late.num_minutes().max(1))
        } else if late < Duration::hours(48) {
            DueHint::HoursOver(late.num_hours())
        } else {
            DueHint::DaysOver(late.num_days())
        };
    }
    let days = whole_working_days_before(calendar, due, now);
    if days >= 1 {
        return DueHint::WorkingDaysLeft(days);
    }
    let left = due - now;
    if left < Duration::hours(1) {
        DueHint::MinutesLeft(left.num_minutes().max(1))
    } else {
        DueHint::HoursLeft(left.num_hours())
    }
}

/// Working days after today's local date whose end (24:00) is not after `due`.
fn whole_working_days_before(calendar: &Calendar, due: DateTime<Utc>, now: DateTime<Utc>) -> u32 {
    let mut n = 0;
    let mut d = local_date(now);
    for _ in 0..MAX_DAYS {
        let Some(next) = d.succ_opt() else { break };
        d = next;
        if end_of_local_day(d) > due {
            break;
        }
        if calendar.is_working_day(d) {
            n += 1;
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::DueHint::*;
    use super::*;

    /// A Vietnam local time `dd/mm/yyyy HH:MM` as an instant; "24:00" is the end of that day.
    fn vn(s: &str) -> DateTime<Utc> {
        let (date, time) = s.split_once(' ').unwrap();
        let date = chrono::NaiveDate::parse_from_str(date, "%d/%m/%Y").unwrap();
        if time == "24:00" {
            return end_of_local_day(date);
        }
        let time = chrono::NaiveTime::parse_from_str(time, "%H:%M").unwrap();
        date.and_time(time).and_utc() - Duration::hours(7)
    }

    #[test]
    fn table() {
        let cal = Calendar::embedded();
        // (now, due, hint)
        let cases = [
            // Mon 04/05/2026 09:00 -> Wed 24:00: Tue and Wed are whole working days ahead.
            ("04/05/2026 09:00", "06/05/2026 24:00", WorkingDaysLeft(2)),
            // Fri -> Tue 24:00 across a weekend: Mon and Tue.
            ("08/05/2026 16:00", "12/05/2026 24:00", WorkingDaysLeft(2)),
            // Saturday -> Monday 24:00: only Monday counts.
            ("09/05/2026 10:00", "11/05/2026 24:00", WorkingDaysLeft(1)),
            // Fri 16:00 -> Mon 10:00: Monday is not over by then, so real hours.
            ("08/05/2026 16:00", "11/05/2026 10:00", HoursLeft(66)),
            // Due tonight.
            ("06/05/2026 10:00", "06/05/2026 24:00", HoursLeft(14)),
            ("06/05/2026 23:20", "06/05/2026 24:00", MinutesLeft(40)),
            ("06/05/2026 23:59", "06/05/2026 24:00", MinutesLeft(1)),
            // Tết 2026: Sat 14/02 to Sun 22/02 are off (holidays, compensatory days, weekends).
            // Fri 13/02 -> Tue 24/02 24:00: Mon 23 and Tue 24 only.
            ("13/02/2026 09:00", "24/02/2026 24:00", WorkingDaysLeft(2)),
            // Thu 12/02 -> Mon 23/02 24:00: Fri 13 and Mon 23.
            ("12/02/2026 09:00", "23/02/2026 24:00", WorkingDaysLeft(2)),
            // Wed 29/04 -> Mon 04/05 24:00: Thu 30/04 and Fri 01/05 are holidays, then a weekend.
            ("29/04/2026 09:00", "04/05/2026 24:00", WorkingDaysLeft(1)),
            // Overdue.
            ("07/05/2026 00:10", "06/05/2026 24:00", MinutesOver(10)),
            ("07/05/2026 03:00", "06/05/2026 24:00", HoursOver(3)),
            ("08/05/2026 23:00", "06/05/2026 24:00", HoursOver(47)),
            ("09/05/2026 00:00", "06/05/2026 24:00", DaysOver(2)),
            ("13/05/2026 12:00", "06/05/2026 24:00", DaysOver(6)),
        ];
        for (now, due, want) in cases {
            assert_eq!(due_hint(&cal, vn(due), vn(now)), want, "now {now}, due {due}");
        }
    }

    #[test]
    fn the_due_instant_itself_is_not_overdue() {
        let cal = Calendar::embedded();
        let due = vn("06/05/2026 24:00");
        assert_eq!(due_hint(&cal, due, due), MinutesLeft(1));
        assert!(due_hint(&cal, due, due + Duration::seconds(1)).is_overdue());
    }
}
