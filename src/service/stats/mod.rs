//! The Department's statistics: per agency and for the province, over a period, with a trend by
//! month or quarter. Figures are added up from the facts the timeline left (monthly counts for whole
//! months, the facts themselves for the edges), and "overdue now" from the open requests. Staff read
//! their province, administrators any. No request content leaves here.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::Env;
use super::accounts::Principal;
use super::error::{AppError, AppResult};
use crate::db::models::{Agency, Jurisdiction};
use crate::db::{DbConn, agencies, jurisdictions, stats};
use crate::domain::account::Role;
use crate::domain::calendar::local_date;
use crate::domain::directory::AgencyLevel;
use crate::domain::stats::figures::{Count, Figures, Tally};
use crate::domain::stats::period::{Grouping, Period, PeriodError};

pub mod agency;
pub mod export;
pub mod ranking;
pub mod scoreboard;
pub mod tables;

/// What the caller asks for (query string or form), unchecked.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// First day, `YYYY-MM-DD` or `dd/mm/yyyy` (default: the start of the current quarter).
    pub from: Option<String>,
    /// Last day, inclusive (default: the end of the quarter of `from`).
    pub to: Option<String>,
    /// Province code (administrators; staff always read their own).
    pub jurisdiction: Option<String>,
    /// Agency level: `national`, `ministry`, `province`, `department`, `district`, `commune`.
    pub level: Option<String>,
    /// `month` (default) or `quarter`.
    pub group: Option<String>,
    /// The period when neither `from` nor `to` is given: `quarter` (default, the current quarter)
    /// or `year` (the current month and the eleven before it).
    pub span: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProvinceRef {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StatsAgency {
    pub id: String,
    pub code: String,
    pub name: String,
    pub name_en: Option<String>,
    pub level: AgencyLevel,
    /// The province's code.
    pub jurisdiction: String,
    pub active: bool,
}

/// One month (`2026-03`) or quarter (`2026-Q1`) of a trend.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TrendPoint {
    pub period: String,
    pub figures: Figures,
}

/// Figures for a period, the requests overdue now, and the trend.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Summary {
    #[serde(flatten)]
    pub figures: Figures,
    /// Open requests past their due instant now (not limited to the period).
    pub overdue_open: i64,
    pub trend: Vec<TrendPoint>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AgencyStats {
    pub agency: StatsAgency,
    #[serde(flatten)]
    pub summary: Summary,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PolicyRef {
    pub version: String,
    pub title: String,
    pub title_en: String,
}

/// The statistics of a period: API.md's `GET /api/v1/stats/agencies`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StatsReport {
    pub provinces: Vec<ProvinceRef>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub grouping: Grouping,
    pub generated_at: DateTime<Utc>,
    /// The policy packs in force at some moment of the period.
    pub policy_versions: Vec<PolicyRef>,
    /// Agencies with fewer requests received are listed, marked not comparable.
    pub min_to_compare: u64,
    pub totals: Summary,
    pub agencies: Vec<AgencyStats>,
}

/// A checked query: the provinces it reads, the period, the level and the grouping.
pub struct Scope {
    pub provinces: Vec<Jurisdiction>,
    pub period: Period,
    pub level: Option<AgencyLevel>,
    pub grouping: Grouping,
}

/// Parses and authorises a query for the principal.
pub fn scope(conn: &mut DbConn, env: Env<'_>, p: &Principal, q: &StatsQuery) -> AppResult<Scope> {
    let wanted = q.jurisdiction.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let provinces = match (p.role, p.user.jurisdiction_id.as_deref()) {
        (Role::Staff, Some(own)) => {
            let j = jurisdictions::by_id(conn, own)?.ok_or_else(AppError::not_found)?;
            if wanted.is_some_and(|code| code != j.code) {
                return Err(AppError::Forbidden("Department staff read their own province's statistics".into()));
            }
            vec![j]
        }
        (Role::Admin, _) => match wanted {
            Some(code) => vec![
                jurisdictions::by_code(conn, code)?
                    .ok_or_else(|| AppError::field("jurisdiction", "unknown_jurisdiction"))?,
            ],
            None => jurisdictions::all(conn)?,
        },
        _ => return Err(AppError::Forbidden("only Department staff and administrators read statistics".into())),
    };
    let today = local_date(env.now);
    let blank = |s: &Option<String>| s.as_deref().is_none_or(|s| s.trim().is_empty());
    let period = match q.span.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None | Some("quarter") => Period::parse(q.from.as_deref(), q.to.as_deref(), today).map_err(period_error)?,
        Some("year") if blank(&q.from) && blank(&q.to) => Period::last_twelve_months(today),
        Some("year") => Period::parse(q.from.as_deref(), q.to.as_deref(), today).map_err(period_error)?,
        Some(_) => return Err(AppError::field("span", "unknown_span")),
    };
    let level = match q.level.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(AgencyLevel::parse(s).ok_or_else(|| AppError::field("level", "unknown_level"))?),
    };
    let grouping = match q.group.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Grouping::Month,
        Some(s) => Grouping::parse(s).ok_or_else(|| AppError::field("group", "unknown_grouping"))?,
    };
    Ok(Scope { provinces, period, level, grouping })
}

fn period_error(e: PeriodError) -> AppError {
    match e {
        PeriodError::Invalid(field) => AppError::field(field, "invalid_date"),
        PeriodError::Reversed => AppError::field("to", "before_from"),
        PeriodError::TooLong => AppError::field("to", "period_too_long"),
    }
}

/// The statistics of the query's period for the principal.
pub fn agencies_report(conn: &mut DbConn, env: Env<'_>, p: &Principal, q: &StatsQuery) -> AppResult<StatsReport> {
    let scope = scope(conn, env, p, q)?;
    report(conn, env, &scope)
}

/// The report for a checked scope.
pub fn report(conn: &mut DbConn, env: Env<'_>, scope: &Scope) -> AppResult<StatsReport> {
    let ids: Vec<String> = scope.provinces.iter().map(|j| j.id.clone()).collect();
    let counts = counts_of(conn, &ids, &scope.period)?;
    let mut listed: Vec<(Agency, Jurisdiction)> = Vec::new();
    for j in &scope.provinces {
        listed.extend(agencies::all_of(conn, Some(&j.id))?);
    }
    listed.retain(|(a, _)| scope.level.is_none_or(|l| a.level == l));
    let overdue: BTreeMap<String, i64> = stats::overdue_now(conn, &ids, env.now.naive_utc())?.into_iter().collect();
    let buckets = buckets_of(&scope.period, scope.grouping);
    let mut per_agency: BTreeMap<&str, Vec<&Count>> = BTreeMap::new();
    for c in &counts {
        per_agency.entry(c.agency_id.as_str()).or_default().push(c);
    }
    let mut total_counts = Vec::new();
    let agencies: Vec<AgencyStats> = listed
        .iter()
        .map(|(a, j)| {
            let mine = per_agency.get(a.id.as_str()).cloned().unwrap_or_default();
            total_counts.extend(mine.iter().copied());
            let overdue_open = overdue.get(&a.id).copied().unwrap_or(0);
            AgencyStats { agency: agency_ref(a, j), summary: summarise(&mine, overdue_open, &buckets, scope.grouping) }
        })
        .collect();
    let overdue_total = agencies.iter().map(|a| a.summary.overdue_open).sum();
    Ok(StatsReport {
        provinces: scope.provinces.iter().map(|j| ProvinceRef { code: j.code.clone(), name: j.name.clone() }).collect(),
        from: scope.period.from,
        to: scope.period.to,
        grouping: scope.grouping,
        generated_at: env.now,
        policy_versions: policies_of(env, &scope.period),
        min_to_compare: crate::domain::stats::figures::MIN_TO_COMPARE,
        totals: summarise(&total_counts, overdue_total, &buckets, scope.grouping),
        agencies,
    })
}

/// The counts of a period: whole months from the monthly counts, the other days from the facts.
pub fn counts_of(conn: &mut DbConn, provinces: &[String], period: &Period) -> AppResult<Vec<Count>> {
    let mut counts = match period.whole_months() {
        Some((first, last)) => stats::by_month(conn, provinces, first, last)?,
        None => Vec::new(),
    };
    for (first, last) in period.loose_days() {
        counts.extend(stats::by_day(conn, provinces, first, last)?);
    }
    Ok(counts)
}

/// The trend's buckets in order, each with its label.
pub fn buckets_of(period: &Period, grouping: Grouping) -> Vec<(i32, String)> {
    let mut out: Vec<(i32, String)> = Vec::new();
    for m in period.months() {
        let b = grouping.bucket(m);
        if out.last().is_none_or(|(last, _)| *last != b) {
            let label = match grouping {
                Grouping::Month => format!("{}-{:02}", m / 100, m % 100),
                Grouping::Quarter => format!("{}-Q{}", b / 10, b % 10),
            };
            out.push((b, label));
        }
    }
    out
}

/// Adds counts up to the period's figures and its trend.
pub fn summarise(counts: &[&Count], overdue_open: i64, buckets: &[(i32, String)], grouping: Grouping) -> Summary {
    let mut whole = Tally::default();
    let mut by_bucket: BTreeMap<i32, Tally> = BTreeMap::new();
    for c in counts {
        whole.add(c);
        by_bucket.entry(grouping.bucket(c.month)).or_default().add(c);
    }
    let trend = buckets
        .iter()
        .map(|(b, label)| TrendPoint {
            period: label.clone(),
            figures: by_bucket.get(b).cloned().unwrap_or_default().figures(),
        })
        .collect();
    Summary { figures: whole.figures(), overdue_open, trend }
}

pub fn agency_ref(a: &Agency, j: &Jurisdiction) -> StatsAgency {
    StatsAgency {
        id: a.id.clone(),
        code: a.code.clone(),
        name: a.name.clone(),
        name_en: a.name_en.clone(),
        level: a.level,
        jurisdiction: j.code.clone(),
        active: a.active,
    }
}

/// The packs in force at some moment of the period, oldest first.
pub fn policies_of(env: Env<'_>, period: &Period) -> Vec<PolicyRef> {
    let packs = &env.rules.policies.packs;
    packs
        .iter()
        .enumerate()
        .filter(|(i, p)| {
            let until = packs.get(i + 1).map(|next| next.effective_from);
            p.effective_from <= period.to && until.is_none_or(|u| u > period.from)
        })
        .map(|(_, p)| PolicyRef { version: p.version.clone(), title: p.title.clone(), title_en: p.title_en.clone() })
        .collect()
}
