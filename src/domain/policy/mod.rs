//! Policy packs: the rules per kind of request (limits, units, counting,
//! clarification, complex requests, extensions, reminders, escalation grace,
//! refusal grounds), each with its basis and citation. Data, versioned by the date it
//! takes effect (policy/*.toml); a request keeps the version it was received under.
//!
//! Every rule a pack applies says where it comes from ([`Basis`]): the text of a law, a law applied by
//! analogy to a case it does not name, or a choice of this service where the texts are silent. The
//! explanations word the three differently, so that nobody mistakes a choice of ours for a legal duty.
//! Reminders, the grace before escalation, the complaint window and the Department's review window are
//! always rules of the service: no text sets them.

mod format;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::calendar::local_date;
use super::kind::RequestKind;
use format::RawPack;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Hours,
    CalendarDays,
    WorkingDays,
}

/// Where a rule comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// The cited text says it.
    Law,
    /// A text applied to a case it does not name (e.g. the limits of the Law on Access to Information
    /// for requests from the press).
    Analogy,
    /// A choice of this service where the texts are silent; not a legal duty.
    Service,
}

impl Basis {
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::Law => "law",
            Basis::Analogy => "analogy",
            Basis::Service => "service",
        }
    }
}

/// A rule's basis with its citation: what an explanation shows for one rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cited {
    pub basis: Basis,
    pub citation: String,
}

impl Cited {
    pub fn new(basis: Basis, citation: &str) -> Cited {
        Cited { basis, citation: citation.to_string() }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClarificationEffect {
    /// The clock stops while the reporter clarifies and resumes with what was left.
    Pause,
    /// The clock starts again from the clarification, as for a new request.
    Restart,
}

/// When a request that arrives outside office hours counts as received. No text settles it, so it is
/// a setting of the pack (and a rule of the service).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutsideOfficeHours {
    /// At the moment it arrives.
    AsReceived,
    /// At the start of office hours of the next working day (a working day before its office opens:
    /// that day's opening).
    NextWorkingDay,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ComplexRule {
    /// The agency says the request is complex within this many units of receipt.
    pub notice_limit: u32,
    pub notice_unit: Unit,
    /// The longer limit that then applies, counted from receipt.
    pub limit: u32,
    pub unit: Unit,
    pub basis: Basis,
    pub citation: String,
}

impl ComplexRule {
    pub fn cited(&self) -> Cited {
        Cited::new(self.basis, &self.citation)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtensionRule {
    /// How long an extension adds, given before the due instant.
    pub limit: u32,
    pub unit: Unit,
    pub basis: Basis,
    pub citation: String,
    /// How many extensions the service allows, and why.
    pub max_count: u32,
    pub max_count_basis: Basis,
    pub max_count_citation: String,
    /// Whether the agency gives a reason, and why.
    pub reason_required: bool,
    pub reason_basis: Basis,
    pub reason_citation: String,
}

impl ExtensionRule {
    pub fn cited(&self) -> Cited {
        Cited::new(self.basis, &self.citation)
    }
    pub fn max_count_cited(&self) -> Cited {
        Cited::new(self.max_count_basis, &self.max_count_citation)
    }
    pub fn reason_cited(&self) -> Cited {
        Cited::new(self.reason_basis, &self.reason_citation)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct KindRule {
    pub limit: u32,
    pub unit: Unit,
    /// The basis and citation of the limit.
    pub basis: Basis,
    pub citation: String,
    /// A plain explanation of the kind for the filing page, worded after its basis.
    pub explanation_vi: String,
    pub explanation_en: String,
    pub clarification: ClarificationEffect,
    /// Why a clarification pauses or restarts the clock.
    pub clarification_basis: Basis,
    pub clarification_citation: String,
    pub complex: Option<ComplexRule>,
    pub extension: Option<ExtensionRule>,
    /// Hours before the due instant at which the spokespeople are reminded (a rule of the service).
    pub reminder_hours_before: Vec<u32>,
    /// Hours after the due instant at which the request is escalated (a rule of the service).
    pub escalation_grace_hours: u32,
}

impl KindRule {
    pub fn cited(&self) -> Cited {
        Cited::new(self.basis, &self.citation)
    }
    pub fn clarification_cited(&self) -> Cited {
        Cited::new(self.clarification_basis, &self.clarification_citation)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RefusalGround {
    pub code: String,
    /// The ground with its conditions and exceptions, as the article states them.
    pub title_vi: String,
    pub title_en: String,
    pub basis: Basis,
    pub citation: String,
    /// The kinds the ground applies to; empty means every kind.
    pub kinds: Vec<RequestKind>,
}

impl RefusalGround {
    pub fn cited(&self) -> Cited {
        Cited::new(self.basis, &self.citation)
    }
}

/// How time is counted (Civil Code 2015 Arts. 147–148), what a transfer does and when a request
/// received outside office hours counts as received: the rules the engine shows with each counting step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CountingRules {
    /// A period in hours starts at the moment and runs through nights, weekends and holidays.
    pub hours_basis: Basis,
    pub hours_citation: String,
    /// A period in days started by an event starts on the day after it.
    pub days_start_basis: Basis,
    pub days_start_citation: String,
    /// A period in days ends at 24:00 of its last day.
    pub day_end_basis: Basis,
    pub day_end_citation: String,
    /// A last day that is not a working day moves to the end of the next working day.
    pub rollover_basis: Basis,
    pub rollover_citation: String,
    /// A transfer to the competent agency is a new receipt: the clock starts again.
    pub transfer_basis: Basis,
    pub transfer_citation: String,
    /// When a request received outside office hours counts as received (periods in days only: a
    /// period in hours runs through nights by its nature).
    pub outside_office_hours: OutsideOfficeHours,
    pub outside_office_hours_basis: Basis,
    pub outside_office_hours_citation: String,
}

impl CountingRules {
    pub fn hours(&self) -> Cited {
        Cited::new(self.hours_basis, &self.hours_citation)
    }
    pub fn days_start(&self) -> Cited {
        Cited::new(self.days_start_basis, &self.days_start_citation)
    }
    pub fn day_end(&self) -> Cited {
        Cited::new(self.day_end_basis, &self.day_end_citation)
    }
    pub fn rollover(&self) -> Cited {
        Cited::new(self.rollover_basis, &self.rollover_citation)
    }
    pub fn transfer(&self) -> Cited {
        Cited::new(self.transfer_basis, &self.transfer_citation)
    }
    pub fn outside_office_hours_cited(&self) -> Cited {
        Cited::new(self.outside_office_hours_basis, &self.outside_office_hours_citation)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PolicyPack {
    /// The file's name for the version (stored with each request); people see the title.
    pub version: String,
    pub effective_from: NaiveDate,
    pub title: String,
    pub title_en: String,
    pub kinds: BTreeMap<RequestKind, KindRule>,
    pub refusal_grounds: Vec<RefusalGround>,
    /// Per-agency overrides, keyed by `JURISDICTION/AGENCY` code.
    pub agency_overrides: BTreeMap<String, BTreeMap<RequestKind, KindRule>>,
    /// Days after an answer or refusal during which the reporter may complain (a rule of the service).
    pub complaint_window_days: u32,
    /// Working days the Department has to review an escalation (a rule of the service).
    pub department_review_working_days: u32,
    pub counting: CountingRules,
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

    /// Parses one pack (the text of a policy/*.toml file).
    pub fn from_toml(text: &str) -> Result<PolicyPack, String> {
        let raw: RawPack = toml::from_str(text).map_err(|e| e.to_string())?;
        raw.into_pack()
    }

    /// Every rule of the pack with its basis, named by its field (for checks of the wording).
    pub fn cited_rules(&self) -> Vec<(String, Cited)> {
        let mut out = Vec::new();
        let c = &self.counting;
        for (name, cited) in [
            ("counting.hours", c.hours()),
            ("counting.days_start", c.days_start()),
            ("counting.day_end", c.day_end()),
            ("counting.rollover", c.rollover()),
            ("counting.transfer", c.transfer()),
            ("counting.outside_office_hours", c.outside_office_hours_cited()),
        ] {
            out.push((name.to_string(), cited));
        }
        let kinds = self.kinds.iter().map(|(k, r)| (format!("kinds.{}", k.as_str()), r));
        let overrides = self.agency_overrides.iter().flat_map(|(a, per_kind)| {
            per_kind.iter().map(move |(k, r)| (format!("agency_overrides.\"{a}\".{}", k.as_str()), r))
        });
        for (field, rule) in kinds.chain(overrides) {
            out.push((field.clone(), rule.cited()));
            out.push((format!("{field}.clarification"), rule.clarification_cited()));
            if let Some(x) = &rule.complex {
                out.push((format!("{field}.complex"), x.cited()));
            }
            if let Some(x) = &rule.extension {
                out.push((format!("{field}.extension"), x.cited()));
                out.push((format!("{field}.extension.max_count"), x.max_count_cited()));
                out.push((format!("{field}.extension.reason"), x.reason_cited()));
            }
        }
        for g in &self.refusal_grounds {
            out.push((format!("refusal_grounds.{}", g.code), g.cited()));
        }
        out
    }
}

#[derive(Debug, Clone)]
pub struct PolicySet {
    /// Sorted by `effective_from`.
    pub packs: Vec<PolicyPack>,
}

const EMBEDDED: &[(&str, &str)] = &[
    ("policy/2017-decree-09.toml", include_str!("../../../policy/2017-decree-09.toml")),
    ("policy/2026-07-press-law-2025.toml", include_str!("../../../policy/2026-07-press-law-2025.toml")),
];

impl PolicySet {
    /// The (file name, text) of the packs compiled into the binary.
    pub fn embedded_texts() -> &'static [(&'static str, &'static str)] {
        EMBEDDED
    }

    /// The packs compiled into the binary (policy/*.toml).
    pub fn embedded() -> &'static PolicySet {
        static SET: OnceLock<PolicySet> = OnceLock::new();
        SET.get_or_init(|| PolicySet::from_named_texts(EMBEDDED).expect("embedded policy packs are valid"))
    }

    /// Parses a set of packs; errors name the text by its position and the field.
    pub fn from_texts(texts: &[&str]) -> Result<PolicySet, String> {
        let names: Vec<String> = (1..=texts.len()).map(|i| format!("policy text {i}")).collect();
        let named: Vec<(&str, &str)> = names.iter().map(String::as_str).zip(texts.iter().copied()).collect();
        PolicySet::from_named_texts(&named)
    }

    /// Parses a set of packs given as (file name, text); errors name the file and the field.
    pub fn from_named_texts(files: &[(&str, &str)]) -> Result<PolicySet, String> {
        if files.is_empty() {
            return Err("no policy pack".to_string());
        }
        let mut packs: Vec<PolicyPack> = Vec::new();
        for (name, text) in files {
            let pack = PolicyPack::from_toml(text).map_err(|e| format!("{name}: {e}"))?;
            if let Some(other) = packs.iter().find(|p| p.version == pack.version) {
                return Err(format!(
                    "{name}: version '{}' is already used (effective {})",
                    pack.version, other.effective_from
                ));
            }
            if let Some(other) = packs.iter().find(|p| p.effective_from == pack.effective_from) {
                return Err(format!(
                    "{name}: effective_from {} is the same as version '{}'",
                    pack.effective_from, other.version
                ));
            }
            packs.push(pack);
        }
        packs.sort_by_key(|p| p.effective_from);
        Ok(PolicySet { packs })
    }

    /// The pack in force at an instant (by its local date in Vietnam): the latest that took effect on
    /// or before that date, or the earliest pack for an instant before all of them.
    pub fn in_force(&self, at: DateTime<Utc>) -> &PolicyPack {
        let day = local_date(at);
        self.packs.iter().rev().find(|p| p.effective_from <= day).unwrap_or(&self.packs[0])
    }

    pub fn version(&self, v: &str) -> Option<&PolicyPack> {
        self.packs.iter().find(|p| p.version == v)
    }
}
