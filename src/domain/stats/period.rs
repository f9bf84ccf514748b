//! A statistics period: whole local days from `from` to `to`, a quarter by default. The figures of
//! whole months come from the monthly counts; the days of a month the period only partly covers come
//! from the facts themselves.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

/// The longest period one query may cover (a decade).
pub const MAX_DAYS: i64 = 3_660;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// Why a period was refused, as a field error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodError {
    /// `from` or `to` is not a date `YYYY-MM-DD` (or `dd/mm/yyyy`).
    Invalid(&'static str),
    /// `to` is before `from`.
    Reversed,
    /// More than [`MAX_DAYS`].
    TooLong,
}

/// How a period's trend is cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Grouping {
    Month,
    Quarter,
}

impl Grouping {
    pub fn parse(s: &str) -> Option<Grouping> {
        match s {
            "month" => Some(Grouping::Month),
            "quarter" => Some(Grouping::Quarter),
            _ => None,
        }
    }

    /// The bucket of a month number yyyymm: itself, or its quarter as yyyyq (e.g. 20262).
    pub fn bucket(self, month: i32) -> i32 {
        match self {
            Grouping::Month => month,
            Grouping::Quarter => month / 100 * 10 + (month % 100 - 1) / 3 + 1,
        }
    }
}

/// A date typed by a person or a program: ISO `2026-03-31` or Vietnamese `31/03/2026`.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").or_else(|_| NaiveDate::parse_from_str(s, "%d/%m/%Y")).ok()?;
    (1900..=2200).contains(&d.year()).then_some(d)
}

impl Period {
    /// The period from optional `from` and `to` texts: a missing end is taken from the quarter of the
    /// other end, or of `today` when both are missing.
    pub fn parse(from: Option<&str>, to: Option<&str>, today: NaiveDate) -> Result<Period, PeriodError> {
        let read = |s: Option<&str>, field: &'static str| match s.map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(s) => parse_date(s).map(Some).ok_or(PeriodError::Invalid(field)),
        };
        let (from, to) = (read(from, "from")?, read(to, "to")?);
        let period = match (from, to) {
            (Some(from), Some(to)) => Period { from, to },
            (Some(from), None) => Period { from, to: Period::quarter_of(from).to },
            (None, Some(to)) => Period { from: Period::quarter_of(to).from, to },
            (None, None) => Period::quarter_of(today),
        };
        if period.to < period.from {
            return Err(PeriodError::Reversed);
        }
        if (period.to - period.from).num_days() >= MAX_DAYS {
            return Err(PeriodError::TooLong);
        }
        Ok(period)
    }

    /// The calendar quarter a date falls in.
    pub fn quarter_of(d: NaiveDate) -> Period {
        let first_month = (d.month() - 1) / 3 * 3 + 1;
        let from = NaiveDate::from_ymd_opt(d.year(), first_month, 1).expect("a quarter starts on a real date");
        let to = end_of_month(from.with_month(first_month + 2).expect("a quarter has three months"));
        Period { from, to }
    }

    /// The current month so far and the eleven before it (the public scoreboard's period).
    pub fn last_twelve_months(today: NaiveDate) -> Period {
        let this_month = today.with_day(1).expect("every month has a first day");
        let from = NaiveDate::from_ymd_opt(this_month.year() - 1, this_month.month(), 1)
            .and_then(|d| end_of_month(d).succ_opt())
            .expect("a real date");
        Period { from, to: today }
    }

    /// The whole months inside the period, as yyyymm numbers (first, last), if any.
    pub fn whole_months(&self) -> Option<(i32, i32)> {
        let first = if self.from.day() == 1 { self.from } else { end_of_month(self.from).succ_opt()? };
        let last_end = if self.to == end_of_month(self.to) { self.to } else { self.to.with_day(1)?.pred_opt()? };
        (first <= last_end).then(|| (month_number(first), month_number(last_end)))
    }

    /// The stretches of days (yyyymmdd, inclusive) not covered by whole months.
    pub fn loose_days(&self) -> Vec<(i32, i32)> {
        let Some((first, last)) = self.whole_months() else { return vec![(day_of(self.from), day_of(self.to))] };
        let (first_start, last_end) = (month_start(first), end_of_month(month_start(last)));
        let mut out = Vec::new();
        if self.from < first_start {
            out.push((day_of(self.from), day_of(first_start.pred_opt().expect("a real date"))));
        }
        if self.to > last_end {
            out.push((day_of(last_end.succ_opt().expect("a real date")), day_of(self.to)));
        }
        out
    }

    /// The months the period touches, in order, as yyyymm numbers.
    pub fn months(&self) -> Vec<i32> {
        let mut out = Vec::new();
        let mut d = self.from.with_day(1).expect("a first day");
        while d <= self.to {
            out.push(month_number(d));
            d = end_of_month(d).succ_opt().expect("a real date");
        }
        out
    }
}

pub fn end_of_month(d: NaiveDate) -> NaiveDate {
    let (y, m) = if d.month() == 12 { (d.year() + 1, 1) } else { (d.year(), d.month() + 1) };
    NaiveDate::from_ymd_opt(y, m, 1).and_then(|n| n.pred_opt()).expect("a real date")
}

/// The first day of a month named yyyymm.
pub fn month_start(month: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(month / 100, (month % 100) as u32, 1).expect("a month number made from a date")
}

pub fn month_number(d: NaiveDate) -> i32 {
    d.year() * 100 + d.month() as i32
}

pub fn day_of(d: NaiveDate) -> i32 {
    d.year() * 10_000 + d.month() as i32 * 100 + d.day() as i32
}
