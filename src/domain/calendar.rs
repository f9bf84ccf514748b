//! The working-day calendar: Monday to Friday, minus holidays and compensatory
//! days off, plus Saturdays swapped in as working days; data per year.
//!
//! INTERFACE STUB: the bodies are replaced by the real calendar.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayEntry {
    pub date: NaiveDate,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

impl Calendar {
    /// The official schedules compiled into the binary (policy/calendars/*.toml).
    pub fn embedded() -> Calendar {
        unimplemented!("stub")
    }

    /// Replaces one year's data (an administrator's edit).
    pub fn with_year(mut self, year: CalendarYear) -> Calendar {
        self.years.insert(year.year, year);
        self
    }

    /// The data of a year: shipped or edited, else computed and unconfirmed.
    pub fn year(&self, _year: i32) -> CalendarYear {
        unimplemented!("stub")
    }

    pub fn day_kind(&self, _date: NaiveDate) -> DayKind {
        unimplemented!("stub")
    }

    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        matches!(self.day_kind(date), DayKind::Working | DayKind::SwappedWorkingDay(_))
    }
}
