//! Policy packs: the legal rules per kind of request (limits, units, counting,
//! clarification, complex requests, extensions, reminders, escalation grace,
//! refusal grounds), each with its citation. Data, versioned by the date it
//! takes effect; a request keeps the version it was received under.
//!
//! INTERFACE STUB: the bodies are replaced by the real loader of policy/*.toml.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::kind::RequestKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Hours,
    CalendarDays,
    WorkingDays,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClarificationEffect {
    /// The clock stops while the reporter clarifies and resumes with what was left.
    Pause,
    /// The clock starts again from the clarification, as for a new request.
    Restart,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ComplexRule {
    /// The agency must say the request is complex within this many units of receipt.
    pub notice_limit: u32,
    pub notice_unit: Unit,
    /// The longer limit that then applies, counted from receipt.
    pub limit: u32,
    pub unit: Unit,
    pub citation: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExtensionRule {
    pub max_count: u32,
    pub limit: u32,
    pub unit: Unit,
    pub reason_required: bool,
    pub citation: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KindRule {
    pub limit: u32,
    pub unit: Unit,
    pub citation: String,
    /// A plain explanation of the kind for the filing page.
    pub explanation_vi: String,
    pub explanation_en: String,
    pub clarification: ClarificationEffect,
    pub complex: Option<ComplexRule>,
    pub extension: Option<ExtensionRule>,
    /// Hours before the due instant at which the spokespeople are reminded.
    pub reminder_hours_before: Vec<u32>,
    /// Hours after the due instant at which the request is escalated.
    pub escalation_grace_hours: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RefusalGround {
    pub code: String,
    pub title_vi: String,
    pub title_en: String,
    pub citation: String,
    /// The kinds the ground applies to; empty means every kind.
    pub kinds: Vec<RequestKind>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyPack {
    pub version: String,
    pub effective_from: NaiveDate,
    pub title: String,
    pub kinds: BTreeMap<RequestKind, KindRule>,
    pub refusal_grounds: Vec<RefusalGround>,
    /// Per-agency overrides, keyed by `JURISDICTION/AGENCY` code.
    pub agency_overrides: BTreeMap<String, BTreeMap<RequestKind, KindRule>>,
    /// Days after an answer or refusal during which the reporter may complain.
    pub complaint_window_days: u32,
    /// Working days the Department has to review an escalation.
    pub department_review_working_days: u32,
}

impl PolicyPack {
    /// The rule of a kind, with the agency's override if it has one.
    pub fn rule(&self, kind: RequestKind, agency: Option<&str>) -> &KindRule {
        agency
            .and_then(|a| self.agency_overrides.get(a))
            .and_then(|o| o.get(&kind))
            .or_else(|| self.kinds.get(&kind))
            .expect("every pack defines every kind")
    }

    pub fn ground(&self, code: &str) -> Option<&RefusalGround> {
        self.refusal_grounds.iter().find(|g| g.code == code)
    }

    pub fn grounds_for(&self, kind: RequestKind) -> Vec<&RefusalGround> {
        self.refusal_grounds.iter().filter(|g| g.kinds.is_empty() || g.kinds.contains(&kind)).collect()
    }
}

#[derive(Debug, Clone)]
pub struct PolicySet {
    /// Sorted by `effective_from`.
    pub packs: Vec<PolicyPack>,
}

impl PolicySet {
    /// The packs compiled into the binary (policy/*.toml).
    pub fn embedded() -> &'static PolicySet {
        unimplemented!("stub")
    }

    /// The pack in force at an instant (by its local date in Vietnam).
    pub fn in_force(&self, _at: DateTime<Utc>) -> &PolicyPack {
        unimplemented!("stub")
    }

    pub fn version(&self, v: &str) -> Option<&PolicyPack> {
        self.packs.iter().find(|p| p.version == v)
    }
}
