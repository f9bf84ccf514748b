//! The Vietnamese lunar calendar, after Hồ Ngọc Đức's published algorithm
//! ("Âm lịch Việt Nam", astronomical formulas from Jean Meeus), evaluated at
//! UTC+7. The Vietnamese calendar differs from the Chinese one (UTC+8) on some
//! dates (Tết 2030: 2/2 in Vietnam, 3/2 in China), so a Chinese-calendar crate
//! would not do.
//!
//! Used only to *propose* the holidays of a year without an official schedule
//! (Tết, Hùng Kings); an administrator confirms the year's data.

use std::f64::consts::PI;

use chrono::{Datelike, NaiveDate};

/// Vietnam's offset from UTC, in hours.
const TZ: f64 = 7.0;

/// Julian day number of a date of the proleptic Gregorian calendar.
fn jd_from_date(date: NaiveDate) -> i64 {
    // num_days_from_ce(0001-01-01) = 1 and JDN(0001-01-01) = 1_721_426.
    i64::from(date.num_days_from_ce()) + 1_721_425
}

fn date_from_jd(jd: i64) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(i32::try_from(jd - 1_721_425).ok()?)
}

/// The instant (Julian date, UT) of the k-th new moon after 1/1/1900 13:52 UT.
fn new_moon(k: i64) -> f64 {
    let k = k as f64;
    let t = k / 1236.85;
    let t2 = t * t;
    let t3 = t2 * t;
    let dr = PI / 180.0;
    let mut jd1 = 2415020.75933 + 29.53058868 * k + 0.0001178 * t2 - 0.000000155 * t3;
    jd1 += 0.00033 * ((166.56 + 132.87 * t - 0.009173 * t2) * dr).sin();
    let m = 359.2242 + 29.10535608 * k - 0.0000333 * t2 - 0.00000347 * t3;
    let mpr = 306.0253 + 385.81691806 * k + 0.0107306 * t2 + 0.00001236 * t3;
    let f = 21.2964 + 390.67050646 * k - 0.0016528 * t2 - 0.00000239 * t3;
    let mut c1 = (0.1734 - 0.000393 * t) * (m * dr).sin() + 0.0021 * (2.0 * dr * m).sin();
    c1 = c1 - 0.4068 * (mpr * dr).sin() + 0.0161 * (dr * 2.0 * mpr).sin();
    c1 -= 0.0004 * (dr * 3.0 * mpr).sin();
    c1 = c1 + 0.0104 * (dr * 2.0 * f).sin() - 0.0051 * (dr * (m + mpr)).sin();
    c1 = c1 - 0.0074 * (dr * (m - mpr)).sin() + 0.0004 * (dr * (2.0 * f + m)).sin();
    c1 = c1 - 0.0004 * (dr * (2.0 * f - m)).sin() - 0.0006 * (dr * (2.0 * f + mpr)).sin();
    c1 = c1 + 0.0010 * (dr * (2.0 * f - mpr)).sin() + 0.0005 * (dr * (2.0 * mpr + m)).sin();
    let delta_t = if t < -11.0 {
        0.001 + 0.000839 * t + 0.0002261 * t2 - 0.00000845 * t3 - 0.000000081 * t * t3
    } else {
        -0.000278 + 0.000265 * t + 0.000262 * t2
    };
    jd1 + c1 - delta_t
}

/// The local day (Julian day number) of the k-th new moon.
fn new_moon_day(k: i64) -> i64 {
    (new_moon(k) + 0.5 + TZ / 24.0).floor() as i64
}

/// The sun's longitude in radians, normalised to [0, 2π), at a Julian date (UT).
fn sun_longitude(jdn: f64) -> f64 {
    let t = (jdn - 2451545.0) / 36525.0;
    let t2 = t * t;
    let dr = PI / 180.0;
    let m = 357.52910 + 35999.05030 * t - 0.0001559 * t2 - 0.00000048 * t * t2;
    let l0 = 280.46645 + 36000.76983 * t + 0.0003032 * t2;
    let mut dl = (1.914600 - 0.004817 * t - 0.000014 * t2) * (dr * m).sin();
    dl = dl + (0.019993 - 0.000101 * t) * (dr * 2.0 * m).sin() + 0.000290 * (dr * 3.0 * m).sin();
    let l = (l0 + dl) * dr;
    l - PI * 2.0 * (l / (PI * 2.0)).floor()
}

/// Which of the twelve 30° sectors the sun is in at the start of a local day (0..=11).
fn sun_sector(day: i64) -> i64 {
    (sun_longitude(day as f64 - 0.5 - TZ / 24.0) / PI * 6.0).floor() as i64
}

/// The local day on which lunar month 11 (the month with the winter solstice) of a year begins.
fn lunar_month_11(year: i32) -> i64 {
    let dec31 = NaiveDate::from_ymd_opt(year, 12, 31).map(jd_from_date).unwrap_or(0);
    let off = (dec31 - 2415021) as f64;
    let k = (off / 29.530588853).floor() as i64;
    let nm = new_moon_day(k);
    if sun_sector(nm) >= 9 { new_moon_day(k - 1) } else { nm }
}

/// The offset (in months after month 11) of the leap month of the lunar year starting at `a11`.
fn leap_month_offset(a11: i64) -> i64 {
    let k = ((a11 as f64 - 2415021.076998695) / 29.530588853 + 0.5).floor() as i64;
    let mut i = 1;
    let mut arc = sun_sector(new_moon_day(k + i));
    loop {
        let last = arc;
        i += 1;
        arc = sun_sector(new_moon_day(k + i));
        if arc == last || i >= 14 {
            break;
        }
    }
    i - 1
}

/// A date of the Vietnamese lunar calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LunarDate {
    pub day: u32,
    pub month: u32,
    pub year: i32,
    /// True in a leap (intercalary) month.
    pub leap: bool,
}

/// The lunar date of a solar (Gregorian) date, in Vietnam.
pub fn solar_to_lunar(date: NaiveDate) -> LunarDate {
    let day_number = jd_from_date(date);
    let k = ((day_number as f64 - 2415021.076998695) / 29.530588853).floor() as i64;
    let mut month_start = new_moon_day(k + 1);
    if month_start > day_number {
        month_start = new_moon_day(k);
    }
    let yy = date.year();
    let mut a11 = lunar_month_11(yy);
    let mut b11 = a11;
    let mut lunar_year;
    if a11 >= month_start {
        lunar_year = yy;
        a11 = lunar_month_11(yy - 1);
    } else {
        lunar_year = yy + 1;
        b11 = lunar_month_11(yy + 1);
    }
    let lunar_day = day_number - month_start + 1;
    let diff = ((month_start - a11) as f64 / 29.0).floor() as i64;
    let mut leap = false;
    let mut lunar_month = diff + 11;
    if b11 - a11 > 365 {
        let leap_diff = leap_month_offset(a11);
        if diff >= leap_diff {
            lunar_month = diff + 10;
            leap = diff == leap_diff;
        }
    }
    if lunar_month > 12 {
        lunar_month -= 12;
    }
    if lunar_month >= 11 && diff < 4 {
        lunar_year -= 1;
    }
    LunarDate { day: lunar_day as u32, month: lunar_month as u32, year: lunar_year, leap }
}

/// The solar date of a lunar date in Vietnam; None for a leap month the year does not have.
pub fn lunar_to_solar(lunar: LunarDate) -> Option<NaiveDate> {
    let (a11, b11) = if lunar.month < 11 {
        (lunar_month_11(lunar.year - 1), lunar_month_11(lunar.year))
    } else {
        (lunar_month_11(lunar.year), lunar_month_11(lunar.year + 1))
    };
    let k = (0.5 + (a11 as f64 - 2415021.076998695) / 29.530588853).floor() as i64;
    let mut off = i64::from(lunar.month) - 11;
    if off < 0 {
        off += 12;
    }
    if b11 - a11 > 365 {
        let leap_off = leap_month_offset(a11);
        let mut leap_month = leap_off - 2;
        if leap_month < 0 {
            leap_month += 12;
        }
        if lunar.leap && i64::from(lunar.month) != leap_month {
            return None;
        } else if lunar.leap || off >= leap_off {
            off += 1;
        }
    } else if lunar.leap {
        return None;
    }
    let month_start = new_moon_day(k + off);
    date_from_jd(month_start + i64::from(lunar.day) - 1)
}

/// Tết Nguyên Đán: the solar date of mùng 1 tháng Giêng of the lunar year that starts in `year`.
pub fn tet(year: i32) -> NaiveDate {
    lunar_to_solar(LunarDate { day: 1, month: 1, year, leap: false }).expect("month 1 is never missing")
}

/// Giỗ Tổ Hùng Vương: 10/3 of the lunar year that starts in `year` (never the leap month 3).
pub fn hung_kings(year: i32) -> NaiveDate {
    lunar_to_solar(LunarDate { day: 10, month: 3, year, leap: false }).expect("month 3 is never missing")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn tet_matches_the_published_dates() {
        // LEGAL.md: Tết 29/1/2025, 17/2/2026, 6/2/2027, 26/1/2028, 13/2/2029, 2/2/2030 (China: 3/2/2030).
        assert_eq!(tet(2025), d(2025, 1, 29));
        assert_eq!(tet(2026), d(2026, 2, 17));
        assert_eq!(tet(2027), d(2027, 2, 6));
        assert_eq!(tet(2028), d(2028, 1, 26));
        assert_eq!(tet(2029), d(2029, 2, 13));
        assert_eq!(tet(2030), d(2030, 2, 2));
    }

    #[test]
    fn hung_kings_matches_the_published_dates() {
        assert_eq!(hung_kings(2025), d(2025, 4, 7));
        assert_eq!(hung_kings(2026), d(2026, 4, 26));
        assert_eq!(hung_kings(2027), d(2027, 4, 16));
        assert_eq!(hung_kings(2028), d(2028, 4, 4));
        assert_eq!(hung_kings(2029), d(2029, 4, 23));
        assert_eq!(hung_kings(2030), d(2030, 4, 12));
    }

    #[test]
    fn conversion_round_trips_through_a_leap_year() {
        // 2025 has a leap 6th month (from 25/7/2025 to 22/8/2025).
        let l = solar_to_lunar(d(2025, 8, 1));
        assert_eq!((l.month, l.leap, l.year), (6, true, 2025));
        assert_eq!(lunar_to_solar(l), Some(d(2025, 8, 1)));
        assert_eq!(lunar_to_solar(LunarDate { day: 1, month: 5, year: 2025, leap: true }), None);
        let mut day = d(2024, 1, 1);
        while day < d(2027, 1, 1) {
            assert_eq!(lunar_to_solar(solar_to_lunar(day)), Some(day), "{day}");
            day = day.succ_opt().unwrap();
        }
    }

    #[test]
    fn new_year_is_mung_1() {
        let l = solar_to_lunar(d(2026, 2, 17));
        assert_eq!(l, LunarDate { day: 1, month: 1, year: 2026, leap: false });
        let eve = solar_to_lunar(d(2026, 2, 16));
        assert_eq!((eve.month, eve.year), (12, 2025));
    }

    proptest! {
        #[test]
        fn lunar_new_year_falls_between_21_january_and_20_february(year in 1900i32..2200) {
            let t = tet(year);
            prop_assert!(t >= d(year, 1, 21) && t <= d(year, 2, 20), "{t}");
            let l = solar_to_lunar(t);
            prop_assert_eq!((l.day, l.month, l.year, l.leap), (1, 1, year, false));
        }
    }
}
