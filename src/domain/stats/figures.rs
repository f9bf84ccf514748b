//! Adding counted facts up to an agency's figures: counts, the on-time share with its Wilson 95 %
//! interval, and the median and 90th percentile of working days (and the median of hours) to the
//! first response, read exactly from the counted distributions.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{FactKind, Timeliness};

/// Below this many requests received in a period an agency is listed but not compared.
pub const MIN_TO_COMPARE: u64 = 5;

/// Counted facts of one kind and shape (a row of the monthly counts, or of the facts grouped alike).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Count {
    pub agency_id: String,
    /// yyyymm, local.
    pub month: i32,
    pub kind: FactKind,
    pub detail: String,
    pub timeliness: Timeliness,
    /// -1 when the fact carries none.
    pub working_days: i32,
    pub hours: i32,
    pub n: i64,
}

/// A 95 % confidence interval of a share (Wilson score interval).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
}

/// Wilson's score interval at 95 % for `k` successes in `n` trials; None when n is 0.
pub fn wilson(k: u64, n: u64) -> Option<Interval> {
    if n == 0 {
        return None;
    }
    let (k, n, z) = (k as f64, n as f64, 1.959_963_984_540_054_f64);
    let p = k / n;
    let z2 = z * z;
    let denom = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denom;
    let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denom;
    Some(Interval { low: (centre - half).max(0.0), high: (centre + half).min(1.0) })
}

/// The nearest-rank percentile (the smallest value with at least `p` of the weight at or below it).
pub fn percentile(dist: &BTreeMap<u32, u64>, p: f64) -> Option<u32> {
    let total: u64 = dist.values().sum();
    if total == 0 {
        return None;
    }
    let rank = ((p * total as f64).ceil() as u64).max(1);
    let mut seen = 0;
    for (value, n) in dist {
        seen += n;
        if seen >= rank {
            return Some(*value);
        }
    }
    dist.keys().next_back().copied()
}

/// What the facts of one agency (or a province, or a month) add up to.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    pub filed: u64,
    pub transferred_in: u64,
    pub transferred_out: u64,
    pub answered: BTreeMap<String, u64>,
    pub refused: BTreeMap<String, u64>,
    pub withdrawn: u64,
    pub overdue_marked: u64,
    pub on_time: u64,
    pub late: u64,
    pub escalations: BTreeMap<String, u64>,
    pub escalations_resolved: u64,
    pub escalations_dismissed: u64,
    pub responses_ordered: u64,
    pub complaints: u64,
    pub working_days: BTreeMap<u32, u64>,
    pub hours: BTreeMap<u32, u64>,
}

impl Tally {
    pub fn add(&mut self, c: &Count) {
        let n = u64::try_from(c.n).unwrap_or(0);
        let by_detail = |m: &mut BTreeMap<String, u64>| *m.entry(c.detail.clone()).or_default() += n;
        match c.kind {
            FactKind::Received => self.filed += n,
            FactKind::TransferredIn => self.transferred_in += n,
            FactKind::TransferredOut => self.transferred_out += n,
            FactKind::Answered => by_detail(&mut self.answered),
            FactKind::Refused => by_detail(&mut self.refused),
            FactKind::Withdrawn => self.withdrawn += n,
            FactKind::Overdue => self.overdue_marked += n,
            FactKind::EscalationOpened => by_detail(&mut self.escalations),
            FactKind::EscalationResolved => self.escalations_resolved += n,
            FactKind::EscalationDismissed => self.escalations_dismissed += n,
            FactKind::ResponseOrdered => self.responses_ordered += n,
            FactKind::Complaint => self.complaints += n,
            FactKind::OutcomeChanged => {
                if let Some((from, to)) = c.detail.split_once('>') {
                    if let Some(was) = self.answered.get_mut(from) {
                        *was = was.saturating_sub(n);
                    }
                    *self.answered.entry(to.to_string()).or_default() += n;
                }
            }
        }
        match c.timeliness {
            Timeliness::OnTime => self.on_time += n,
            Timeliness::Late => self.late += n,
            Timeliness::None => {}
        }
        if let Ok(d) = u32::try_from(c.working_days) {
            *self.working_days.entry(d).or_default() += n;
        }
        if let Ok(h) = u32::try_from(c.hours) {
            *self.hours.entry(h).or_default() += n;
        }
    }

    pub fn merge(&mut self, other: &Tally) {
        fn into<K: Ord + Clone>(a: &mut BTreeMap<K, u64>, b: &BTreeMap<K, u64>) {
            for (k, v) in b {
                *a.entry(k.clone()).or_default() += v;
            }
        }
        self.filed += other.filed;
        self.transferred_in += other.transferred_in;
        self.transferred_out += other.transferred_out;
        into(&mut self.answered, &other.answered);
        into(&mut self.refused, &other.refused);
        self.withdrawn += other.withdrawn;
        self.overdue_marked += other.overdue_marked;
        self.on_time += other.on_time;
        self.late += other.late;
        into(&mut self.escalations, &other.escalations);
        self.escalations_resolved += other.escalations_resolved;
        self.escalations_dismissed += other.escalations_dismissed;
        self.responses_ordered += other.responses_ordered;
        self.complaints += other.complaints;
        into(&mut self.working_days, &other.working_days);
        into(&mut self.hours, &other.hours);
    }

    /// Requests the agency received in the period: filed with it or transferred to it.
    pub fn received(&self) -> u64 {
        self.filed + self.transferred_in
    }

    pub fn figures(&self) -> Figures {
        let judged = self.on_time + self.late;
        let answered = |o: &str| self.answered.get(o).copied().unwrap_or(0);
        Figures {
            received: self.received(),
            filed: self.filed,
            transferred_in: self.transferred_in,
            transferred_out: self.transferred_out,
            answered: self.answered.values().sum(),
            answered_by_outcome: ByOutcome {
                granted: answered("granted"),
                partial: answered("partial"),
                not_held: answered("not_held"),
            },
            refused: self.refused.values().sum(),
            refused_by_ground: self.refused.clone(),
            withdrawn: self.withdrawn,
            on_time: self.on_time,
            late: self.late,
            on_time_ratio: (judged > 0).then(|| self.on_time as f64 / judged as f64),
            on_time_interval: wilson(self.on_time, judged),
            working_days_median: percentile(&self.working_days, 0.5),
            working_days_p90: percentile(&self.working_days, 0.9),
            median_hours_to_answer: percentile(&self.hours, 0.5),
            escalated: self.escalations.values().sum(),
            escalations_by_reason: self.escalations.clone(),
            escalations_resolved: self.escalations_resolved,
            escalations_dismissed: self.escalations_dismissed,
            responses_ordered: self.responses_ordered,
            complaints: self.complaints,
            overdue_marked: self.overdue_marked,
            comparable: self.received() >= MIN_TO_COMPARE,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ByOutcome {
    pub granted: u64,
    pub partial: u64,
    pub not_held: u64,
}

/// An agency's (or a province's) figures for a period. No request content.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Figures {
    /// Filed with the agency plus transferred to it.
    pub received: u64,
    pub filed: u64,
    pub transferred_in: u64,
    pub transferred_out: u64,
    /// Answers given (granted, partial, not held).
    pub answered: u64,
    pub answered_by_outcome: ByOutcome,
    pub refused: u64,
    /// Refusals by ground code.
    pub refused_by_ground: BTreeMap<String, u64>,
    pub withdrawn: u64,
    /// First deadlines met: a first response by the due instant in force at that moment.
    pub on_time: u64,
    /// First deadlines missed: marked overdue, or first answered after the due instant.
    pub late: u64,
    /// on_time / (on_time + late); null when nothing was judged.
    pub on_time_ratio: Option<f64>,
    /// Wilson 95 % interval of the on-time share.
    pub on_time_interval: Option<Interval>,
    /// Working days from the latest receipt to the first response, on the calendar in force then.
    pub working_days_median: Option<u32>,
    pub working_days_p90: Option<u32>,
    /// Hours from the latest receipt to the first response (to the hour under 48 hours, to the day beyond).
    pub median_hours_to_answer: Option<u32>,
    /// Escalations to the Department opened.
    pub escalated: u64,
    pub escalations_by_reason: BTreeMap<String, u64>,
    pub escalations_resolved: u64,
    pub escalations_dismissed: u64,
    pub responses_ordered: u64,
    pub complaints: u64,
    /// Requests the sweeper marked overdue in the period.
    pub overdue_marked: u64,
    /// False below five requests received: listed, but too few to compare.
    pub comparable: bool,
}
