//! One agency's page of statistics: its figures and trend over the period, and its open requests
//! that are overdue now (reference and dates only).

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{AgencyStats, Scope, StatsQuery, StatsReport, report, scope};
use crate::db::{DbConn, agencies, stats};
use crate::domain::id::Id;
use crate::domain::kind::RequestKind;
use crate::service::Env;
use crate::service::accounts::Principal;
use crate::service::error::{AppError, AppResult};
use crate::service::requests::utc;

/// The most overdue requests listed on the page.
const OVERDUE_LISTED: i64 = 200;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OverdueRequest {
    pub id: String,
    pub reference: String,
    pub kind: RequestKind,
    pub received_at: DateTime<Utc>,
    pub due_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AgencyReport {
    #[serde(flatten)]
    pub stats: AgencyStats,
    pub from: chrono::NaiveDate,
    pub to: chrono::NaiveDate,
    pub generated_at: DateTime<Utc>,
    /// The longest overdue first, at most 200.
    pub overdue_requests: Vec<OverdueRequest>,
}

/// An agency's statistics for the principal: staff see the agencies of their province, and an agency
/// elsewhere is not found.
pub fn agency_report(
    conn: &mut DbConn,
    env: Env<'_>,
    p: &Principal,
    id: &Id,
    q: &StatsQuery,
) -> AppResult<AgencyReport> {
    let (agency, j) = agencies::with_jurisdiction(conn, id.as_str())?.ok_or_else(AppError::not_found)?;
    let mut q = q.clone();
    q.jurisdiction = Some(j.code.clone());
    q.level = None;
    let checked = match scope(conn, env, p, &q) {
        Err(AppError::Forbidden(_)) if p.role == crate::domain::account::Role::Staff => {
            return Err(AppError::not_found());
        }
        other => other?,
    };
    let one = Scope { provinces: vec![j], ..checked };
    let StatsReport { agencies, from, to, generated_at, .. } = report(conn, env, &one)?;
    let stats = agencies.into_iter().find(|a| a.agency.id == agency.id).ok_or_else(AppError::not_found)?;
    let overdue_requests = stats::overdue_of_agency(conn, &agency.id, env.now.naive_utc(), OVERDUE_LISTED)?
        .into_iter()
        .map(|r| OverdueRequest {
            id: r.id,
            reference: r.reference,
            kind: r.kind,
            received_at: utc(r.received_at),
            due_at: r.due_at.map(utc),
        })
        .collect();
    Ok(AgencyReport { stats, from, to, generated_at, overdue_requests })
}
