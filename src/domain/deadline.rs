//! The deadline engine: a pure function of the policy pack, the calendar and
//! the request's own clock events, giving the due instant and the explanation.
//!
//! INTERFACE STUB: the bodies are replaced by the real engine.

use chrono::{DateTime, Utc};

use super::calendar::Calendar;
use super::kind::RequestKind;
use super::policy::PolicyPack;

/// What happened to a request that matters to its clock, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClockEvent {
    Received { at: DateTime<Utc> },
    ClarificationRequested { at: DateTime<Utc> },
    Clarified { at: DateTime<Utc> },
    MarkedComplex { at: DateTime<Utc> },
    Extended { at: DateTime<Utc> },
    Transferred { at: DateTime<Utc> },
    /// The Department orders a response by a new instant.
    ResponseOrdered { at: DateTime<Utc>, due_at: DateTime<Utc> },
    /// Answered, refused or withdrawn: the clock stops.
    Stopped { at: DateTime<Utc> },
}

/// One line of the explanation, structured so it can be written in any language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Placeholder { at: DateTime<Utc> },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deadline {
    /// None while the clock is paused (awaiting a clarification).
    pub due_at: Option<DateTime<Utc>>,
    pub policy_version: String,
    pub steps: Vec<Step>,
}

pub fn compute(
    _policy: &PolicyPack,
    _calendar: &Calendar,
    _kind: RequestKind,
    _agency: Option<&str>,
    _events: &[ClockEvent],
) -> Deadline {
    unimplemented!("stub")
}

/// Until when an agency may still mark a request complex (None: the kind has no complex rule).
pub fn complex_notice_until(
    _policy: &PolicyPack,
    _calendar: &Calendar,
    _kind: RequestKind,
    _agency: Option<&str>,
    _received_at: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    unimplemented!("stub")
}
