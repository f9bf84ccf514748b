//! The file format of a policy pack (policy/*.toml) and its checks. Errors name the field.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::Deserialize;

use super::{
    Basis, ClarificationEffect, ComplexRule, CountingRules, ExtensionRule, KindRule, PolicyPack, RefusalGround, Unit,
};
use crate::domain::kind::RequestKind;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPack {
    version: String,
    effective_from: toml::Value,
    title: String,
    title_en: String,
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
    basis: Basis,
    citation: String,
    explanation_vi: String,
    explanation_en: String,
    clarification: ClarificationEffect,
    clarification_basis: Basis,
    clarification_citation: String,
    complex: Option<ComplexRule>,
    extension: Option<ExtensionRule>,
    #[serde(default)]
    reminder_hours_before: Vec<u32>,
    escalation_grace_hours: u32,
}

/// An agency's override of a kind: any field of the rule, and always its own basis and citation.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOverride {
    basis: Basis,
    citation: String,
    limit: Option<u32>,
    unit: Option<Unit>,
    explanation_vi: Option<String>,
    explanation_en: Option<String>,
    clarification: Option<ClarificationEffect>,
    clarification_basis: Option<Basis>,
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
    basis: Basis,
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
        non_empty(&format!("{field}.extension.max_count_citation"), &x.max_count_citation)?;
        non_empty(&format!("{field}.extension.reason_citation"), &x.reason_citation)?;
    }
    if rule.reminder_hours_before.contains(&0) {
        return Err(format!("{field}.reminder_hours_before: 0 is not before the due instant"));
    }
    Ok(())
}

impl RawPack {
    /// Checks the pack part by part (titles, date, counting, kinds, overrides, grounds) and builds it;
    /// the error is the first fault found.
    pub(super) fn into_pack(self) -> Result<PolicyPack, String> {
        non_empty("version", &self.version)?;
        non_empty("title", &self.title)?;
        non_empty("title_en", &self.title_en)?;
        let effective_from = parse_effective_from(&self.effective_from)?;
        check_counting(&self.counting)?;
        let kinds = kind_rules(self.kinds)?;
        let agency_overrides = agency_overrides(self.agency_overrides, &kinds)?;
        let refusal_grounds = refusal_grounds(self.refusal_grounds)?;
        Ok(PolicyPack {
            version: self.version,
            effective_from,
            title: self.title,
            title_en: self.title_en,
            kinds,
            refusal_grounds,
            agency_overrides,
            complaint_window_days: self.complaint_window_days,
            department_review_working_days: self.department_review_working_days,
            counting: self.counting,
        })
    }
}

/// A TOML date (`2026-07-01`) or a string holding one.
fn parse_effective_from(value: &toml::Value) -> Result<NaiveDate, String> {
    let effective_from = match value {
        toml::Value::Datetime(dt) if dt.date.is_some() && dt.time.is_none() => dt.to_string(),
        toml::Value::String(s) => s.clone(),
        other => return Err(format!("effective_from: expected a date like 2026-07-01, found {other}")),
    };
    NaiveDate::parse_from_str(effective_from.trim(), "%Y-%m-%d")
        .map_err(|e| format!("effective_from: '{effective_from}' is not a date YYYY-MM-DD ({e})"))
}

fn check_counting(counting: &CountingRules) -> Result<(), String> {
    for (field, value) in [
        ("counting.hours_citation", &counting.hours_citation),
        ("counting.days_start_citation", &counting.days_start_citation),
        ("counting.day_end_citation", &counting.day_end_citation),
        ("counting.rollover_citation", &counting.rollover_citation),
        ("counting.transfer_citation", &counting.transfer_citation),
        ("counting.outside_office_hours_citation", &counting.outside_office_hours_citation),
    ] {
        non_empty(field, value)?;
    }
    Ok(())
}

/// The rule of every kind: a pack that leaves a kind out is refused.
fn kind_rules(raw: BTreeMap<String, RawKindRule>) -> Result<BTreeMap<RequestKind, KindRule>, String> {
    let mut kinds = BTreeMap::new();
    for (key, r) in raw {
        let kind = parse_kind("kinds", &key)?;
        let rule = r.into_rule();
        check_rule(&format!("kinds.{key}"), &rule)?;
        kinds.insert(kind, rule);
    }
    for kind in RequestKind::ALL {
        if !kinds.contains_key(&kind) {
            return Err(format!("kinds.{} is missing (every pack defines every kind)", kind.as_str()));
        }
    }
    Ok(kinds)
}

impl RawKindRule {
    fn into_rule(self) -> KindRule {
        KindRule {
            limit: self.limit,
            unit: self.unit,
            basis: self.basis,
            citation: self.citation,
            explanation_vi: self.explanation_vi,
            explanation_en: self.explanation_en,
            clarification: self.clarification,
            clarification_basis: self.clarification_basis,
            clarification_citation: self.clarification_citation,
            complex: self.complex,
            extension: self.extension,
            reminder_hours_before: self.reminder_hours_before,
            escalation_grace_hours: self.escalation_grace_hours,
        }
    }
}

/// Each agency's overrides, every one a whole rule: the pack's rule of the kind with the fields the
/// override sets.
fn agency_overrides(
    raw: BTreeMap<String, BTreeMap<String, RawOverride>>,
    kinds: &BTreeMap<RequestKind, KindRule>,
) -> Result<BTreeMap<String, BTreeMap<RequestKind, KindRule>>, String> {
    let mut agency_overrides = BTreeMap::new();
    for (agency, per_kind) in raw {
        if agency.trim().is_empty() {
            return Err("agency_overrides: an agency code is empty".to_string());
        }
        let mut rules = BTreeMap::new();
        for (key, o) in per_kind {
            let field = format!("agency_overrides.\"{agency}\".{key}");
            let kind = parse_kind(&field, &key)?;
            let rule = o.over(kinds[&kind].clone());
            check_rule(&field, &rule)?;
            rules.insert(kind, rule);
        }
        agency_overrides.insert(agency, rules);
    }
    Ok(agency_overrides)
}

impl RawOverride {
    /// `base` with the fields this override sets; the basis and citation are always the override's own.
    fn over(self, base: KindRule) -> KindRule {
        KindRule {
            limit: self.limit.unwrap_or(base.limit),
            unit: self.unit.unwrap_or(base.unit),
            basis: self.basis,
            citation: self.citation,
            explanation_vi: self.explanation_vi.unwrap_or(base.explanation_vi),
            explanation_en: self.explanation_en.unwrap_or(base.explanation_en),
            clarification: self.clarification.unwrap_or(base.clarification),
            clarification_basis: self.clarification_basis.unwrap_or(base.clarification_basis),
            clarification_citation: self.clarification_citation.unwrap_or(base.clarification_citation),
            complex: self.complex.or(base.complex),
            extension: self.extension.or(base.extension),
            reminder_hours_before: self.reminder_hours_before.unwrap_or(base.reminder_hours_before),
            escalation_grace_hours: self.escalation_grace_hours.unwrap_or(base.escalation_grace_hours),
        }
    }
}

/// The refusal grounds in the pack's order; a code listed twice is refused.
fn refusal_grounds(raw: Vec<RawGround>) -> Result<Vec<RefusalGround>, String> {
    let mut refusal_grounds = Vec::new();
    let mut codes = BTreeSet::new();
    for (i, g) in raw.into_iter().enumerate() {
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
            basis: g.basis,
            citation: g.citation,
            kinds,
        });
    }
    Ok(refusal_grounds)
}
