//! Policy packs: the legal rules per kind of request (limits, units, counting,
//! clarification, complex requests, extensions, reminders, escalation grace,
//! refusal grounds), each with its citation. Data, versioned by the date it
//! takes effect (policy/*.toml); a request keeps the version it was received under.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::calendar::local_date;
use super::kind::RequestKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Hours,
    CalendarDays,
    WorkingDays,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClarificationEffect {
    /// The clock stops while the reporter clarifies and resumes with what was left.
    Pause,
    /// The clock starts again from the clarification, as for a new request.
    Restart,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComplexRule {
    /// The agency must say the request is complex within this many units of receipt.
    pub notice_limit: u32,
    pub notice_unit: Unit,
    /// The longer limit that then applies, counted from receipt.
    pub limit: u32,
    pub unit: Unit,
    pub citation: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
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
    /// Why a clarification pauses or restarts the clock (a law, or a product rule said to be one).
    pub clarification_citation: String,
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

/// How time is counted (Civil Code 2015 Arts. 147–148) and what a transfer does: the citations the
/// engine shows with each counting step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountingRules {
    /// A period in hours starts at the moment and runs through nights, weekends and holidays.
    pub hours_citation: String,
    /// A period in days starts on the day after the triggering event.
    pub days_start_citation: String,
    /// A period in days ends at 24:00 of its last day.
    pub day_end_citation: String,
    /// A last day that is not a working day moves to the end of the next working day.
    pub rollover_citation: String,
    /// A transfer to the competent agency is a new receipt: the clock starts again.
    pub transfer_citation: String,
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
}

#[derive(Debug, Clone)]
pub struct PolicySet {
    /// Sorted by `effective_from`.
    pub packs: Vec<PolicyPack>,
}

const EMBEDDED: &[(&str, &str)] = &[
    ("policy/2017-decree-09.toml", include_str!("../../policy/2017-decree-09.toml")),
    ("policy/2026-07-press-law-2025.toml", include_str!("../../policy/2026-07-press-law-2025.toml")),
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

// ---------------------------------------------------------------------------------------------
// The file format.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPack {
    version: String,
    effective_from: toml::Value,
    title: String,
    complaint_window_days: u32,
    department_review_working_days: u32,
    counting: CountingRules,
    kinds: BTreeMap<String, RawKindRule>,
    #[serde(default)]
    refusal_grounds: Vec<RawGround>,
    #[serde(default)]
    agency_overrides: BTreeMap<String, BTreeMap<String, RawOverride>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKindRule {
    limit: u32,
    unit: Unit,
    citation: String,
    explanation_vi: String,
    explanation_en: String,
    clarification: ClarificationEffect,
    clarification_citation: String,
    complex: Option<ComplexRule>,
    extension: Option<ExtensionRule>,
    #[serde(default)]
    reminder_hours_before: Vec<u32>,
    escalation_grace_hours: u32,
}

/// An agency's override of a kind: any field of the rule, and always its own citation.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOverride {
    citation: String,
    limit: Option<u32>,
    unit: Option<Unit>,
    explanation_vi: Option<String>,
    explanation_en: Option<String>,
    clarification: Option<ClarificationEffect>,
    clarification_citation: Option<String>,
    complex: Option<ComplexRule>,
    extension: Option<ExtensionRule>,
    reminder_hours_before: Option<Vec<u32>>,
    escalation_grace_hours: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGround {
    code: String,
    title_vi: String,
    title_en: String,
    citation: String,
    #[serde(default)]
    kinds: Vec<String>,
}

fn non_empty(field: &str, value: &str) -> Result<(), String> {
    if value.trim().is_empty() { Err(format!("{field} is empty")) } else { Ok(()) }
}

fn parse_kind(field: &str, key: &str) -> Result<RequestKind, String> {
    RequestKind::parse(key).ok_or_else(|| {
        let known: Vec<&str> = RequestKind::ALL.iter().map(|k| k.as_str()).collect();
        format!("{field}: unknown kind '{key}' (known: {})", known.join(", "))
    })
}

fn check_rule(field: &str, rule: &KindRule) -> Result<(), String> {
    if rule.limit == 0 {
        return Err(format!("{field}.limit must be at least 1"));
    }
    non_empty(&format!("{field}.citation"), &rule.citation)?;
    non_empty(&format!("{field}.explanation_vi"), &rule.explanation_vi)?;
    non_empty(&format!("{field}.explanation_en"), &rule.explanation_en)?;
    non_empty(&format!("{field}.clarification_citation"), &rule.clarification_citation)?;
    if let Some(c) = &rule.complex {
        if c.notice_limit == 0 || c.limit == 0 {
            return Err(format!("{field}.complex: notice_limit and limit must be at least 1"));
        }
        non_empty(&format!("{field}.complex.citation"), &c.citation)?;
    }
    if let Some(x) = &rule.extension {
        if x.limit == 0 {
            return Err(format!("{field}.extension.limit must be at least 1"));
        }
        non_empty(&format!("{field}.extension.citation"), &x.citation)?;
    }
    if rule.reminder_hours_before.contains(&0) {
        return Err(format!("{field}.reminder_hours_before: 0 is not before the due instant"));
    }
    Ok(())
}

impl RawPack {
    fn into_pack(self) -> Result<PolicyPack, String> {
        non_empty("version", &self.version)?;
        non_empty("title", &self.title)?;
        let effective_from = match &self.effective_from {
            toml::Value::Datetime(dt) if dt.date.is_some() && dt.time.is_none() => dt.to_string(),
            toml::Value::String(s) => s.clone(),
            other => return Err(format!("effective_from: expected a date like 2026-07-01, found {other}")),
        };
        let effective_from = NaiveDate::parse_from_str(effective_from.trim(), "%Y-%m-%d")
            .map_err(|e| format!("effective_from: '{effective_from}' is not a date YYYY-MM-DD ({e})"))?;
        for (field, value) in [
            ("counting.hours_citation", &self.counting.hours_citation),
            ("counting.days_start_citation", &self.counting.days_start_citation),
            ("counting.day_end_citation", &self.counting.day_end_citation),
            ("counting.rollover_citation", &self.counting.rollover_citation),
            ("counting.transfer_citation", &self.counting.transfer_citation),
        ] {
            non_empty(field, value)?;
        }

        let mut kinds = BTreeMap::new();
        for (key, r) in self.kinds {
            let kind = parse_kind("kinds", &key)?;
            let rule = KindRule {
                limit: r.limit,
                unit: r.unit,
                citation: r.citation,
                explanation_vi: r.explanation_vi,
                explanation_en: r.explanation_en,
                clarification: r.clarification,
                clarification_citation: r.clarification_citation,
                complex: r.complex,
                extension: r.extension,
                reminder_hours_before: r.reminder_hours_before,
                escalation_grace_hours: r.escalation_grace_hours,
            };
            check_rule(&format!("kinds.{key}"), &rule)?;
            kinds.insert(kind, rule);
        }
        for kind in RequestKind::ALL {
            if !kinds.contains_key(&kind) {
                return Err(format!("kinds.{} is missing (every pack defines every kind)", kind.as_str()));
            }
        }

        let mut agency_overrides = BTreeMap::new();
        for (agency, per_kind) in self.agency_overrides {
            if agency.trim().is_empty() {
                return Err("agency_overrides: an agency code is empty".to_string());
            }
            let mut rules = BTreeMap::new();
            for (key, o) in per_kind {
                let field = format!("agency_overrides.\"{agency}\".{key}");
                let kind = parse_kind(&field, &key)?;
                let base = kinds[&kind].clone();
                let rule = KindRule {
                    limit: o.limit.unwrap_or(base.limit),
                    unit: o.unit.unwrap_or(base.unit),
                    citation: o.citation,
                    explanation_vi: o.explanation_vi.unwrap_or(base.explanation_vi),
                    explanation_en: o.explanation_en.unwrap_or(base.explanation_en),
                    clarification: o.clarification.unwrap_or(base.clarification),
                    clarification_citation: o.clarification_citation.unwrap_or(base.clarification_citation),
                    complex: o.complex.or(base.complex),
                    extension: o.extension.or(base.extension),
                    reminder_hours_before: o.reminder_hours_before.unwrap_or(base.reminder_hours_before),
                    escalation_grace_hours: o.escalation_grace_hours.unwrap_or(base.escalation_grace_hours),
                };
                check_rule(&field, &rule)?;
                rules.insert(kind, rule);
            }
            agency_overrides.insert(agency, rules);
        }

        let mut refusal_grounds = Vec::new();
        let mut codes = BTreeSet::new();
        for (i, g) in self.refusal_grounds.into_iter().enumerate() {
            let field = format!("refusal_grounds[{i}]");
            non_empty(&format!("{field}.code"), &g.code)?;
            if !codes.insert(g.code.clone()) {
                return Err(format!("{field}.code: '{}' is listed twice", g.code));
            }
            non_empty(&format!("{field}.title_vi"), &g.title_vi)?;
            non_empty(&format!("{field}.title_en"), &g.title_en)?;
            non_empty(&format!("{field}.citation"), &g.citation)?;
            let kinds = g.kinds.iter().map(|k| parse_kind(&format!("{field}.kinds"), k)).collect::<Result<_, _>>()?;
            refusal_grounds.push(RefusalGround {
                code: g.code,
                title_vi: g.title_vi,
                title_en: g.title_en,
                citation: g.citation,
                kinds,
            });
        }

        Ok(PolicyPack {
            version: self.version,
            effective_from,
            title: self.title,
            kinds,
            refusal_grounds,
            agency_overrides,
            complaint_window_days: self.complaint_window_days,
            department_review_working_days: self.department_review_working_days,
            counting: self.counting,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn embedded_packs_define_every_kind_with_citations() {
        let set = PolicySet::embedded();
        assert_eq!(set.packs.len(), 2);
        for pack in &set.packs {
            for kind in RequestKind::ALL {
                let r = pack.rule(kind, None);
                assert!(!r.citation.is_empty() && !r.explanation_vi.is_empty() && !r.explanation_en.is_empty());
            }
            assert!(pack.agency_overrides.is_empty(), "the default packs carry no agency override");
            let info = pack.rule(RequestKind::Information, None);
            assert_eq!((info.limit, info.unit), (3, Unit::WorkingDays));
            assert_eq!(info.clarification, ClarificationEffect::Restart);
            let complex = info.complex.as_ref().unwrap();
            assert_eq!((complex.notice_limit, complex.limit, complex.unit), (3, 15, Unit::WorkingDays));
            let ext = info.extension.as_ref().unwrap();
            assert_eq!((ext.max_count, ext.limit, ext.unit), (1, 15, Unit::WorkingDays));
            assert!(ext.citation.contains("chưa xác nhận"), "working days for the extension are U");
            let event = pack.rule(RequestKind::Event, None);
            assert_eq!((event.limit, event.unit, event.clarification), (24, Unit::Hours, ClarificationEffect::Pause));
            for kind in [RequestKind::PressReply, RequestKind::Complaint] {
                let r = pack.rule(kind, None);
                assert_eq!((r.limit, r.unit, r.clarification), (30, Unit::CalendarDays, ClarificationEffect::Pause));
                assert!(r.citation.contains("39(2)"));
            }
        }
        assert!(set.packs[0].rule(RequestKind::Information, None).citation.contains("Điều 30(3)"));
    }

    #[test]
    fn refusal_grounds_by_kind() {
        let pack = &PolicySet::embedded().packs[0];
        let codes = |k| pack.grounds_for(k).iter().map(|g| g.code.clone()).collect::<Vec<_>>();
        assert_eq!(codes(RequestKind::Event), ["PL38_2A", "PL38_2B", "PL38_2C"]);
        assert_eq!(
            codes(RequestKind::Information),
            ["PL38_2A", "PL38_2B", "PL38_2C", "LAI28_1A", "LAI28_1B", "LAI28_1C", "LAI28_1D", "LAI28_1E", "LAI28_1F"]
        );
        assert!(pack.ground("LAI28_1B").unwrap().citation.contains("Điều 17"));
        assert!(pack.ground("NOPE").is_none());
        let new = PolicySet::embedded().version("2026-07-press-law-2025").unwrap();
        assert_eq!(new.grounds_for(RequestKind::Information).len(), 9);
        assert!(new.ground("PL38_2A").unwrap().citation.contains("Luật Báo chí 2025"));
    }

    #[test]
    fn the_pack_in_force_is_chosen_by_local_date() {
        let set = PolicySet::embedded();
        assert_eq!(set.in_force(at("2026-06-30T23:59:00+07:00")).version, "2017-decree-09");
        assert_eq!(set.in_force(at("2026-07-01T00:00:00+07:00")).version, "2026-07-press-law-2025");
        // 30/6 17:30 UTC is already 1/7 in Vietnam.
        assert_eq!(set.in_force(at("2026-06-30T17:30:00Z")).version, "2026-07-press-law-2025");
        assert_eq!(set.in_force(at("2001-01-01T00:00:00Z")).version, "2017-decree-09");
        assert!(set.version("2017-decree-09").is_some());
    }

    fn minimal(version: &str, from: &str, extra: &str) -> String {
        let base = include_str!("../../policy/2017-decree-09.toml");
        base.replacen("version = \"2017-decree-09\"", &format!("version = \"{version}\""), 1).replacen(
            "effective_from = 2017-03-25",
            &format!("effective_from = {from}"),
            1,
        ) + extra
    }

    #[test]
    fn agency_overrides_inherit_what_they_do_not_change() {
        let text = minimal(
            "test",
            "2020-01-01",
            "\n[agency_overrides.\"TNG/SYT\".event]\nlimit = 6\ncitation = \"Quyết định của cơ quan (thử)\"\n",
        );
        let set = PolicySet::from_texts(&[&text]).unwrap();
        let pack = &set.packs[0];
        let r = pack.rule(RequestKind::Event, Some("TNG/SYT"));
        assert_eq!((r.limit, r.unit), (6, Unit::Hours));
        assert_eq!(r.reminder_hours_before, pack.kinds[&RequestKind::Event].reminder_hours_before);
        assert_eq!(pack.rule(RequestKind::Event, Some("TNG/UBND")).limit, 24);
        assert_eq!(pack.rule(RequestKind::Information, Some("TNG/SYT")).limit, 3);
    }

    #[test]
    fn errors_name_the_file_and_the_field() {
        let e = PolicySet::from_named_texts(&[("policy/x.toml", "version = 1")]).unwrap_err();
        assert!(e.starts_with("policy/x.toml:"), "{e}");
        let bad_unit = minimal("t", "2020-01-01", "").replacen("unit = \"hours\"", "unit = \"minutes\"", 1);
        let e = PolicySet::from_named_texts(&[("a.toml", &bad_unit)]).unwrap_err();
        assert!(e.contains("a.toml") && e.contains("minutes"), "{e}");
        let no_citation = minimal("t", "2020-01-01", "\n[agency_overrides.\"TNG/SYT\".event]\nlimit = 6\n");
        let e = PolicySet::from_texts(&[&no_citation]).unwrap_err();
        assert!(e.contains("citation"), "{e}");
        let bad_kind = minimal("t", "2020-01-01", "\n[agency_overrides.\"TNG/SYT\".gossip]\ncitation = \"x\"\n");
        let e = PolicySet::from_texts(&[&bad_kind]).unwrap_err();
        assert!(e.contains("agency_overrides.\"TNG/SYT\".gossip") && e.contains("unknown kind"), "{e}");
        let zero = minimal("t", "2020-01-01", "\n[agency_overrides.\"A/B\".complaint]\nlimit = 0\ncitation = \"x\"\n");
        assert!(PolicySet::from_texts(&[&zero]).unwrap_err().contains("limit must be at least 1"));
        let a = minimal("same", "2020-01-01", "");
        let b = minimal("same", "2021-01-01", "");
        assert!(PolicySet::from_texts(&[&a, &b]).unwrap_err().contains("already used"));
        assert!(PolicySet::from_texts(&[]).is_err());
    }
}
