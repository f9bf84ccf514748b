//! The orders the Department reads its agency table in: by any column, and the two short lists of
//! the dashboard (the slowest and the most escalated). Agencies too few to compare never head a list.

use std::cmp::Ordering;

use super::AgencyStats;

/// The columns the agency table sorts by.
pub const SORT_KEYS: [&str; 10] =
    ["name", "received", "answered", "refused", "withdrawn", "on_time", "wd_median", "wd_p90", "escalated", "overdue"];

fn key(a: &AgencyStats, by: &str) -> Option<f64> {
    let f = &a.summary.figures;
    let n = |v: u64| Some(v as f64);
    match by {
        "received" => n(f.received),
        "answered" => n(f.answered),
        "refused" => n(f.refused),
        "withdrawn" => n(f.withdrawn),
        "on_time" => f.on_time_ratio,
        "wd_median" => f.working_days_median.map(f64::from),
        "wd_p90" => f.working_days_p90.map(f64::from),
        "escalated" => n(f.escalated),
        "overdue" => Some(a.summary.overdue_open as f64),
        _ => None,
    }
}

/// Sorts by a column (an unknown one is the name); agencies without a value go last either way,
/// ties by name.
pub fn sort(list: &mut [AgencyStats], by: &str, descending: bool) {
    list.sort_by(|a, b| {
        let by_name = a.agency.name.cmp(&b.agency.name);
        if by == "name" || !SORT_KEYS.contains(&by) {
            return if descending { by_name.reverse() } else { by_name };
        }
        match (key(a, by), key(b, by)) {
            (Some(x), Some(y)) => {
                let o = x.partial_cmp(&y).unwrap_or(Ordering::Equal);
                (if descending { o.reverse() } else { o }).then(by_name)
            }
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => by_name,
        }
    });
}

/// The comparable agencies slowest to give a first response (median working days, then the 90th
/// percentile), at most `n`.
pub fn slowest(list: &[AgencyStats], n: usize) -> Vec<AgencyStats> {
    let mut out: Vec<AgencyStats> = list
        .iter()
        .filter(|a| a.summary.figures.comparable && a.summary.figures.working_days_median.is_some())
        .cloned()
        .collect();
    out.sort_by(|a, b| {
        let k = |x: &AgencyStats| (x.summary.figures.working_days_median, x.summary.figures.working_days_p90);
        k(b).cmp(&k(a)).then_with(|| a.agency.name.cmp(&b.agency.name))
    });
    out.truncate(n);
    out
}

/// The agencies most often escalated to the Department in the period, at most `n`.
pub fn most_escalated(list: &[AgencyStats], n: usize) -> Vec<AgencyStats> {
    let mut out: Vec<AgencyStats> = list.iter().filter(|a| a.summary.figures.escalated > 0).cloned().collect();
    out.sort_by(|a, b| {
        b.summary.figures.escalated.cmp(&a.summary.figures.escalated).then_with(|| a.agency.name.cmp(&b.agency.name))
    });
    out.truncate(n);
    out
}
