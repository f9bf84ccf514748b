//! The working-day calendar: Monday to Friday, minus holidays and compensatory
//! days off, plus Saturdays swapped in as working days; data per year
//! (policy/calendars/*.toml, with their official sources). A year without data
//! is computed from the Labour Code and the lunar calendar, and marked
//! unconfirmed until an administrator confirms it.
//!
//! Times: Vietnam is UTC+7 all year (no daylight saving). A day ends at 24:00
//! local, which is 17:00 UTC of the same date.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveTime, Utc, Weekday};
use serde::{Deserialize, Serialize};

use super::lunar;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DayEntry {
    pub date: NaiveDate,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CalendarYear {
    pub year: i32,
    /// Holidays and days off (compensatory or swapped) that fall on weekdays or weekends.
    pub holidays: Vec<DayEntry>,
    /// Weekend days that are working days (swapped-in Saturdays).
    pub working_days: Vec<DayEntry>,
    /// False for a year computed without an official schedule.
    pub confirmed: bool,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DayKind {
    Working,
    SwappedWorkingDay(String),
    Weekend,
    Holiday(String),
}

#[derive(Debug, Clone, Default)]
pub struct Calendar {
    pub years: BTreeMap<i32, CalendarYear>,
}

/// Vietnam's time zone: UTC+7, no daylight saving.
pub fn vietnam() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).expect("valid offset")
}

/// The local (Vietnam) date of an instant.
pub fn local_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&vietnam()).date_naive()
}

/// 00:00 local of a date, as an instant (17:00 UTC of the day before).
pub fn start_of_local_day(date: NaiveDate) -> DateTime<Utc> {
    date.and_time(NaiveTime::MIN).and_utc() - Duration::hours(7)
}

/// 24:00 local of a date, as an instant (17:00 UTC of that date).
pub fn end_of_local_day(date: NaiveDate) -> DateTime<Utc> {
    start_of_local_day(date) + Duration::days(1)
}

/// The local day a due instant closes: the date itself, or the day before for 24:00 (00:00 of the next day).
pub fn closing_local_day(due: DateTime<Utc>) -> NaiveDate {
    local_date(due - Duration::nanoseconds(1))
}

pub fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Bound of every day-by-day scan, so that absurd data (a year of holidays) cannot loop forever.
const MAX_SCAN_DAYS: u32 = 3660;

/// Working days counted one by one, with the days skipped on the way (for the explanation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkingDayCount {
    /// The day after which the count starts.
    pub after: NaiveDate,
    pub counted: Vec<NaiveDate>,
    /// Non-working days between the first day counted from and the last day counted.
    pub skipped: Vec<(NaiveDate, DayKind)>,
    /// The last working day counted (`after` itself when nothing is counted).
    pub last: NaiveDate,
}

impl CalendarYear {
    /// How a day of this year counts (the date is assumed to be in this year).
    pub fn day_kind(&self, date: NaiveDate) -> DayKind {
        if let Some(e) = self.working_days.iter().find(|e| e.date == date) {
            return DayKind::SwappedWorkingDay(e.name.clone());
        }
        if let Some(e) = self.holidays.iter().find(|e| e.date == date) {
            return DayKind::Holiday(e.name.clone());
        }
        if is_weekend(date) { DayKind::Weekend } else { DayKind::Working }
    }

    /// Parses one year's data file.
    pub fn from_toml(text: &str) -> Result<CalendarYear, String> {
        let raw: RawYear = toml::from_str(text).map_err(|e| e.to_string())?;
        let entries = |list: Vec<RawEntry>, field: &str| -> Result<Vec<DayEntry>, String> {
            list.into_iter()
                .enumerate()
                .map(|(i, e)| {
                    let date = parse_date(&e.date).map_err(|m| format!("{field}[{i}].date: {m}"))?;
                    if e.name.trim().is_empty() {
                        return Err(format!("{field}[{i}].name is empty"));
                    }
                    Ok(DayEntry { date, name: e.name })
                })
                .collect()
        };
        let year = CalendarYear {
            year: raw.year,
            holidays: entries(raw.holidays, "holidays")?,
            working_days: entries(raw.working_days, "working_days")?,
            confirmed: raw.confirmed,
            source: raw.source,
        };
        year.validate()?;
        Ok(year)
    }

    /// Checks the data of a year: dates in the year, no duplicates, swapped-in days on weekends.
    pub fn validate(&self) -> Result<(), String> {
        let y = self.year;
        if self.source.trim().is_empty() {
            return Err(format!("{y}: source is empty (name the official notice, or say it is computed)"));
        }
        let mut seen = BTreeSet::new();
        for (field, list) in [("holidays", &self.holidays), ("working_days", &self.working_days)] {
            for e in list {
                if e.date.year() != y {
                    return Err(format!("{y}: {field}: {} is not in {y}", e.date));
                }
                if !seen.insert(e.date) {
                    return Err(format!("{y}: {field}: {} is listed twice", e.date));
                }
            }
        }
        if let Some(e) = self.working_days.iter().find(|e| !is_weekend(e.date)) {
            return Err(format!("{y}: working_days: {} is a weekday (only weekend days are swapped in)", e.date));
        }
        Ok(())
    }

    /// The proposed holidays of a year without an official schedule (unconfirmed):
    ///
    /// - 1/1; 30/4; 1/5 (Labour Code 2019 Art. 112(1));
    /// - Tết: five days, the last day of the lunar year plus mùng 1 to mùng 4. The Prime Minister fixes them
    ///   each year (Art. 112(3)); this is what the 2026 schedule did (16/2–20/2) and, when the lunar 12th
    ///   month has 29 days, what the 2024 one did (29 tháng Chạp to mùng 4); 2025 took two days before
    ///   mùng 1 and mùng 1–3 instead, so the choice is only a proposal;
    /// - Hùng Kings: 10/3 lunar;
    /// - National Day: 2/9 and an adjacent day: 1/9 (as in 2025 and 2026), except when 2/9 is a Thursday,
    ///   then Friday 3/9 (the bridge to the weekend that an adjacent day is usually chosen to make);
    /// - a holiday on a Saturday or Sunday is taken on the next weekday that is not already a holiday
    ///   (Art. 111(3)); no Saturday is swapped in.
    pub fn computed(year: i32) -> CalendarYear {
        let d = |m: u32, day: u32| NaiveDate::from_ymd_opt(year, m, day).expect("valid date");
        let mut days: Vec<DayEntry> = Vec::new();
        let mut add = |date: NaiveDate, name: &str| days.push(DayEntry { date, name: name.to_string() });
        add(d(1, 1), "Tết Dương lịch");
        let tet = lunar::tet(year);
        for offset in -1..=3 {
            add(tet + Duration::days(offset), "Tết Nguyên Đán");
        }
        add(lunar::hung_kings(year), "Giỗ Tổ Hùng Vương");
        add(d(4, 30), "Ngày Chiến thắng");
        add(d(5, 1), "Ngày Quốc tế Lao động");
        let national = d(9, 2);
        let adjacent = if national.weekday() == Weekday::Thu { d(9, 3) } else { d(9, 1) };
        add(adjacent, "Quốc khánh");
        add(national, "Quốc khánh");
        days.sort_by_key(|e| e.date);

        let mut taken: BTreeSet<NaiveDate> = days.iter().map(|e| e.date).collect();
        let mut compensatory = Vec::new();
        for e in &days {
            if is_weekend(e.date) {
                let mut c = e.date;
                while is_weekend(c) || taken.contains(&c) {
                    c = c.succ_opt().expect("date in range");
                }
                taken.insert(c);
                compensatory.push(DayEntry { date: c, name: format!("Nghỉ bù {}", e.name) });
            }
        }
        days.extend(compensatory);
        // A compensatory day pushed into the next year (31/12 is never a holiday, so never) stays out.
        days.retain(|e| e.date.year() == year);
        days.sort_by_key(|e| e.date);
        CalendarYear {
            year,
            holidays: days,
            working_days: Vec::new(),
            confirmed: false,
            source: "Tính tự động, chưa có lịch nghỉ chính thức: Bộ luật Lao động 2019, Điều 111(3), Điều 112; \
                     âm lịch Việt Nam (thuật toán Hồ Ngọc Đức, UTC+7)"
                .to_string(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawYear {
    year: i32,
    confirmed: bool,
    source: String,
    #[serde(default)]
    holidays: Vec<RawEntry>,
    #[serde(default)]
    working_days: Vec<RawEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    /// A TOML date (2026-01-01) or a string ("2026-01-01").
    date: toml::Value,
    name: String,
}

fn parse_date(v: &toml::Value) -> Result<NaiveDate, String> {
    let text = match v {
        toml::Value::String(s) => s.clone(),
        toml::Value::Datetime(dt) if dt.date.is_some() && dt.time.is_none() => dt.to_string(),
        other => return Err(format!("expected a date like 2026-01-01, found {other}")),
    };
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|e| format!("'{text}' is not a date YYYY-MM-DD ({e})"))
}

const EMBEDDED: &[(&str, &str)] = &[
    ("policy/calendars/2025.toml", include_str!("../../policy/calendars/2025.toml")),
    ("policy/calendars/2026.toml", include_str!("../../policy/calendars/2026.toml")),
    ("policy/calendars/2027.toml", include_str!("../../policy/calendars/2027.toml")),
];

impl Calendar {
    /// The official schedules compiled into the binary (policy/calendars/*.toml).
    pub fn embedded() -> Calendar {
        static CAL: OnceLock<Calendar> = OnceLock::new();
        CAL.get_or_init(|| Calendar::from_named_texts(EMBEDDED).expect("embedded calendars are valid")).clone()
    }

    /// Parses year files; errors name the text by its position.
    pub fn from_texts(texts: &[&str]) -> Result<Calendar, String> {
        let names: Vec<String> = (1..=texts.len()).map(|i| format!("calendar text {i}")).collect();
        let named: Vec<(&str, &str)> = names.iter().map(String::as_str).zip(texts.iter().copied()).collect();
        Calendar::from_named_texts(&named)
    }

    /// Parses year files given as (file name, text); errors name the file.
    pub fn from_named_texts(files: &[(&str, &str)]) -> Result<Calendar, String> {
        let mut cal = Calendar::default();
        for (name, text) in files {
            let year = CalendarYear::from_toml(text).map_err(|e| format!("{name}: {e}"))?;
            if cal.years.contains_key(&year.year) {
                return Err(format!("{name}: year {} is defined twice", year.year));
            }
            cal.years.insert(year.year, year);
        }
        Ok(cal)
    }

    /// Replaces one year's data (an administrator's edit).
    pub fn with_year(mut self, year: CalendarYear) -> Calendar {
        self.years.insert(year.year, year);
        self
    }

    /// The data of a year: shipped or edited, else computed and unconfirmed.
    pub fn year(&self, year: i32) -> CalendarYear {
        self.years.get(&year).cloned().unwrap_or_else(|| CalendarYear::computed(year))
    }

    /// Whether a year's data is an official, confirmed schedule.
    pub fn is_confirmed(&self, year: i32) -> bool {
        self.years.get(&year).is_some_and(|y| y.confirmed)
    }

    pub fn day_kind(&self, date: NaiveDate) -> DayKind {
        match self.years.get(&date.year()) {
            Some(y) => y.day_kind(date),
            None => computed_year(date.year()).day_kind(date),
        }
    }

    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        matches!(self.day_kind(date), DayKind::Working | DayKind::SwappedWorkingDay(_))
    }

    /// The first working day strictly after `date`.
    pub fn next_working_day(&self, date: NaiveDate) -> NaiveDate {
        self.working_day_on_or_after(date.succ_opt().unwrap_or(date))
    }

    /// `date` if it is a working day, else the next one.
    pub fn working_day_on_or_after(&self, date: NaiveDate) -> NaiveDate {
        self.roll_forward(date).0
    }

    /// `date` if it is a working day, else the next working day and the days passed over.
    pub fn roll_forward(&self, date: NaiveDate) -> (NaiveDate, Vec<(NaiveDate, DayKind)>) {
        let mut skipped = Vec::new();
        let mut d = date;
        for _ in 0..MAX_SCAN_DAYS {
            let kind = self.day_kind(d);
            if matches!(kind, DayKind::Working | DayKind::SwappedWorkingDay(_)) {
                return (d, skipped);
            }
            skipped.push((d, kind));
            match d.succ_opt() {
                Some(n) => d = n,
                None => break,
            }
        }
        (d, skipped)
    }

    /// The `n`-th working day counted from the day after `date` (`date` itself for 0).
    pub fn add_working_days(&self, date: NaiveDate, n: u32) -> NaiveDate {
        self.count_working_days(date, n).last
    }

    /// Counts `n` working days from the day after `date`, recording the days counted and skipped.
    pub fn count_working_days(&self, date: NaiveDate, n: u32) -> WorkingDayCount {
        let mut count = WorkingDayCount { after: date, counted: Vec::new(), skipped: Vec::new(), last: date };
        let mut d = date;
        let mut scanned = 0;
        while (count.counted.len() as u32) < n && scanned < MAX_SCAN_DAYS + n {
            let Some(next) = d.succ_opt() else { break };
            d = next;
            scanned += 1;
            match self.day_kind(d) {
                DayKind::Working | DayKind::SwappedWorkingDay(_) => count.counted.push(d),
                other => count.skipped.push((d, other)),
            }
        }
        count.last = count.counted.last().copied().unwrap_or(date);
        count
    }

    /// Working days in `(after, until]`.
    pub fn working_days_between(&self, after: NaiveDate, until: NaiveDate) -> u32 {
        let mut n = 0;
        let mut d = after;
        while d < until {
            let Some(next) = d.succ_opt() else { break };
            d = next;
            if self.is_working_day(d) {
                n += 1;
            }
        }
        n
    }
}

/// A computed year, cached (the lunar computation is not free and the result never changes).
fn computed_year(year: i32) -> std::sync::Arc<CalendarYear> {
    use std::sync::{Arc, Mutex};
    static CACHE: OnceLock<Mutex<BTreeMap<i32, Arc<CalendarYear>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(BTreeMap::new()));
    if let Some(y) = cache.lock().ok().and_then(|c| c.get(&year).cloned()) {
        return y;
    }
    let y = Arc::new(CalendarYear::computed(year));
    if let Ok(mut c) = cache.lock() {
        c.insert(year, y.clone());
    }
    y
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn holidays(cal: &Calendar, year: i32) -> Vec<NaiveDate> {
        let mut v: Vec<_> = cal.year(year).holidays.iter().map(|e| e.date).collect();
        v.sort();
        v
    }

    #[test]
    fn local_days_end_at_17_utc() {
        assert_eq!(end_of_local_day(d(2026, 5, 4)).to_rfc3339(), "2026-05-04T17:00:00+00:00");
        assert_eq!(start_of_local_day(d(2026, 5, 4)).to_rfc3339(), "2026-05-03T17:00:00+00:00");
        assert_eq!(closing_local_day(end_of_local_day(d(2026, 5, 4))), d(2026, 5, 4));
        let late = "2026-04-24T17:30:00Z".parse::<DateTime<Utc>>().unwrap();
        assert_eq!(local_date(late), d(2026, 4, 25));
    }

    #[test]
    fn shipped_2025_follows_notice_6150() {
        let cal = Calendar::embedded();
        let y = cal.year(2025);
        assert!(y.confirmed);
        assert!(y.source.contains("6150"));
        let expected = [
            d(2025, 1, 1),
            d(2025, 1, 27),
            d(2025, 1, 28),
            d(2025, 1, 29),
            d(2025, 1, 30),
            d(2025, 1, 31),
            d(2025, 4, 7),
            d(2025, 4, 30),
            d(2025, 5, 1),
            d(2025, 5, 2),
            d(2025, 9, 1),
            d(2025, 9, 2),
        ];
        assert_eq!(holidays(&cal, 2025), expected);
        assert_eq!(y.working_days.iter().map(|e| e.date).collect::<Vec<_>>(), [d(2025, 4, 26)]);
        assert!(cal.is_working_day(d(2025, 4, 26)));
        assert_eq!(cal.day_kind(d(2025, 2, 1)), DayKind::Weekend);
    }

    #[test]
    fn shipped_2026_follows_notice_9441_and_vpcp_12729() {
        let cal = Calendar::embedded();
        let y = cal.year(2026);
        assert!(y.confirmed);
        assert!(y.source.contains("9441") && y.source.contains("12729"));
        let expected = [
            d(2026, 1, 1),
            d(2026, 1, 2),
            d(2026, 2, 16),
            d(2026, 2, 17),
            d(2026, 2, 18),
            d(2026, 2, 19),
            d(2026, 2, 20),
            d(2026, 4, 27),
            d(2026, 4, 30),
            d(2026, 5, 1),
            d(2026, 8, 31),
            d(2026, 9, 1),
            d(2026, 9, 2),
        ];
        assert_eq!(holidays(&cal, 2026), expected);
        assert_eq!(y.working_days.iter().map(|e| e.date).collect::<Vec<_>>(), [d(2026, 1, 10), d(2026, 8, 22)]);
        assert!(matches!(cal.day_kind(d(2026, 1, 10)), DayKind::SwappedWorkingDay(_)));
        // 24/11 (Vietnam Culture Day) is not law yet: a working day unless an administrator adds it.
        assert!(cal.is_working_day(d(2026, 11, 24)));
    }

    #[test]
    fn shipped_2027_is_unconfirmed_and_matches_the_computed_proposal() {
        let cal = Calendar::embedded();
        let y = cal.year(2027);
        assert!(!y.confirmed);
        assert!(!cal.is_confirmed(2027) && cal.is_confirmed(2026));
        assert_eq!(holidays(&cal, 2027), holidays(&Calendar::default(), 2027));
        for day in [d(2027, 1, 1), d(2027, 4, 16), d(2027, 4, 30), d(2027, 5, 3), d(2027, 9, 2), d(2027, 9, 3)] {
            assert!(!cal.is_working_day(day), "{day}");
        }
        // The 2024 precedent: mùng 1 on a Saturday, 29 tháng Chạp to mùng 4 off (Thu 8/2 – Tue 13/2/2024,
        // with Wed 14/2 in lieu). In 2027 the 12th month has 29 days: 29 Chạp is Fri 5/2, mùng 4 Tue 9/2.
        let lunar_day = |date| {
            let l = lunar::solar_to_lunar(date);
            (l.day, l.month)
        };
        assert_eq!((lunar_day(d(2024, 2, 8)), lunar_day(d(2024, 2, 13))), ((29, 12), (4, 1)));
        assert_eq!((lunar_day(d(2027, 2, 5)), lunar_day(d(2027, 2, 9))), ((29, 12), (4, 1)));
        let tet: Vec<_> = y.holidays.iter().filter(|e| e.date.month() == 2).map(|e| e.date.day()).collect();
        assert_eq!(tet, [5, 6, 7, 8, 9, 10, 11]);
        assert!(y.source.contains("tiền lệ năm 2024"), "{}", y.source);
    }

    #[test]
    fn computed_years_move_weekend_holidays_to_the_next_weekday() {
        let y = CalendarYear::computed(2027);
        assert!(!y.confirmed);
        let dates: Vec<_> = y.holidays.iter().map(|e| e.date).collect();
        // Tết: mùng 1 on Sat 6/2: Fri 5/2, Sat 6/2, Sun 7/2, Mon 8/2, Tue 9/2, then Wed 10/2 and Thu 11/2 in lieu.
        for day in 5..=11 {
            assert!(dates.contains(&d(2027, 2, day)), "{day}/2");
        }
        // 1/5 on a Saturday: Monday 3/5.
        assert!(dates.contains(&d(2027, 5, 3)));
        assert!(y.holidays.iter().any(|e| e.date == d(2027, 5, 3) && e.name.starts_with("Nghỉ bù")));
        // 2028: Tết 26/1 (Wed): Tue 25/1 – Sat 29/1, Mon 31/1 in lieu of Saturday; Hùng Kings Tue 4/4;
        // 30/4 on a Sunday: Tue 2/5 in lieu (Mon 1/5 is a holiday); 2/9 on a Saturday: Fri 1/9 and Mon 4/9.
        let cal = Calendar::default();
        assert!(!cal.is_confirmed(2028));
        let off = [
            d(2028, 1, 25),
            d(2028, 1, 28),
            d(2028, 1, 31),
            d(2028, 4, 4),
            d(2028, 5, 2),
            d(2028, 9, 1),
            d(2028, 9, 4),
        ];
        for day in off {
            assert!(!cal.is_working_day(day), "{day}");
        }
        assert!(cal.is_working_day(d(2028, 2, 1)));
        assert!(cal.is_working_day(d(2028, 5, 3)));
        // 2026 computed equals the official Tết and Hùng Kings days (16/2–20/2, Mon 27/4).
        let c26 = Calendar::default();
        for day in [d(2026, 2, 16), d(2026, 2, 20), d(2026, 4, 27)] {
            assert!(!c26.is_working_day(day), "{day}");
        }
    }

    #[test]
    fn counting_working_days_skips_holidays_and_weekends() {
        let cal = Calendar::embedded();
        // Fri 24/4/2026: Tue 28/4, Wed 29/4, Mon 4/5.
        let c = cal.count_working_days(d(2026, 4, 24), 3);
        assert_eq!(c.counted, [d(2026, 4, 28), d(2026, 4, 29), d(2026, 5, 4)]);
        assert_eq!(c.skipped.len(), 7); // Sat 25, Sun 26, Mon 27, Thu 30, Fri 1, Sat 2, Sun 3
        assert_eq!(c.last, d(2026, 5, 4));
        assert_eq!(cal.add_working_days(d(2026, 4, 24), 0), d(2026, 4, 24));
        assert_eq!(cal.next_working_day(d(2026, 2, 13)), d(2026, 2, 23));
        assert_eq!(cal.working_day_on_or_after(d(2026, 2, 23)), d(2026, 2, 23));
        assert_eq!(cal.working_days_between(d(2026, 4, 24), d(2026, 5, 4)), 3);
    }

    #[test]
    fn data_errors_name_the_field() {
        let bad = "year = 2026\nconfirmed = true\nsource = \"x\"\n[[holidays]]\ndate = \"2026-13-01\"\nname = \"x\"\n";
        let e = Calendar::from_named_texts(&[("2026.toml", bad)]).unwrap_err();
        assert!(e.contains("2026.toml") && e.contains("holidays[0].date"), "{e}");
        let weekday =
            "year = 2026\nconfirmed = true\nsource = \"x\"\n[[working_days]]\ndate = 2026-01-12\nname = \"x\"\n";
        assert!(Calendar::from_texts(&[weekday]).unwrap_err().contains("weekday"));
        let other_year =
            "year = 2026\nconfirmed = true\nsource = \"x\"\n[[holidays]]\ndate = 2025-01-01\nname = \"x\"\n";
        assert!(Calendar::from_texts(&[other_year]).unwrap_err().contains("not in 2026"));
        let typo = "year = 2026\nconfirmed = true\nsource = \"x\"\nholiday = []\n";
        assert!(Calendar::from_texts(&[typo]).unwrap_err().contains("holiday"));
        let ok = "year = 2026\nconfirmed = true\nsource = \"x\"\n[[holidays]]\ndate = 2026-11-24\nname = \"Ngày Văn hóa Việt Nam\"\n";
        let cal = Calendar::embedded().with_year(Calendar::from_texts(&[ok]).unwrap().year(2026));
        assert_eq!(cal.day_kind(d(2026, 11, 24)), DayKind::Holiday("Ngày Văn hóa Việt Nam".into()));
    }

    proptest! {
        #[test]
        fn counted_days_are_working_days_and_skipped_ones_are_not(
            offset in 0i64..(6 * 366), n in 0u32..40
        ) {
            let cal = Calendar::embedded();
            let start = d(2025, 1, 1) + Duration::days(offset);
            let c = cal.count_working_days(start, n);
            prop_assert_eq!(c.counted.len() as u32, n);
            prop_assert!(c.counted.iter().all(|day| cal.is_working_day(*day)));
            prop_assert!(c.skipped.iter().all(|(day, _)| !cal.is_working_day(*day)));
            prop_assert_eq!(cal.working_days_between(start, c.last), n);
        }
    }
}
