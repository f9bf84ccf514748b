//! What a sweep did: counted by the batches and by the one-at-a-time path alike (its own file, so
//! that neither has to import the other for it).

use serde::Serialize;

/// The work of one sweep, or of one batch of it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SweepReport {
    pub checked: usize,
    pub reminders: usize,
    pub overdue: usize,
    pub review_overdue: usize,
    pub closed: usize,
    /// Requests that could not be processed (e.g. a row this version cannot
    /// read): logged and looked at again later, so that one bad row never
    /// holds up the rest of the sweep.
    pub skipped: usize,
}

impl SweepReport {
    pub(crate) fn add(&mut self, r: &SweepReport) {
        self.checked += r.checked;
        self.reminders += r.reminders;
        self.overdue += r.overdue;
        self.review_overdue += r.review_overdue;
        self.closed += r.closed;
        self.skipped += r.skipped;
    }
}
