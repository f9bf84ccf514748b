//! A province's public scoreboard: per agency the counts and the on-time share with its interval over
//! the last twelve whole months. Off until an administrator switches it on; no subjects, reporters or
//! request content; kept for ten minutes per instance so that a crowd of visitors costs one query.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde::Serialize;

use super::{Scope, report};
use crate::db::{DbConn, jurisdictions, stats};
use crate::domain::calendar::local_date;
use crate::domain::stats::figures::Interval;
use crate::domain::stats::period::{Grouping, Period};
use crate::service::Env;
use crate::service::error::{AppError, AppResult};

const KEPT_FOR: TimeDelta = TimeDelta::minutes(10);

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ScoreboardRow {
    pub code: String,
    pub name: String,
    pub name_en: Option<String>,
    pub received: u64,
    pub answered: u64,
    pub refused: u64,
    pub on_time: u64,
    pub late: u64,
    pub on_time_ratio: Option<f64>,
    pub on_time_interval: Option<Interval>,
    pub working_days_median: Option<u32>,
    /// False below five requests received: shown, not ranked.
    pub comparable: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Scoreboard {
    pub province: super::ProvinceRef,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub generated_at: DateTime<Utc>,
    /// Comparable agencies by on-time share (highest first), then the others by name.
    pub agencies: Vec<ScoreboardRow>,
}

/// Boards kept by (database, province code): one process may serve more than one database (tests do).
fn cache() -> &'static Mutex<HashMap<(String, String), Scoreboard>> {
    static CACHE: OnceLock<Mutex<HashMap<(String, String), Scoreboard>>> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

fn cache_key(env: Env<'_>, code: &str) -> (String, String) {
    (env.config.database_url.clone(), code.to_string())
}

/// The public scoreboard of the province with this code; not found while it is not public.
pub fn scoreboard(conn: &mut DbConn, env: Env<'_>, code: &str) -> AppResult<Scoreboard> {
    let j = jurisdictions::by_code(conn, code.trim())?.ok_or_else(AppError::not_found)?;
    if !stats::scoreboard_public(conn, &j.id)? {
        return Err(AppError::not_found());
    }
    let period = Period::last_twelve_months(local_date(env.now));
    if let Some(kept) = cache().lock().ok().and_then(|c| c.get(&cache_key(env, &j.code)).cloned())
        && kept.from == period.from
        && kept.generated_at <= env.now
        && env.now - kept.generated_at < KEPT_FOR
    {
        return Ok(kept);
    }
    let province = super::ProvinceRef { code: j.code.clone(), name: j.name.clone() };
    let scope = Scope { provinces: vec![j], period, level: None, grouping: Grouping::Quarter };
    let full = report(conn, env, &scope)?;
    let mut agencies: Vec<ScoreboardRow> = full
        .agencies
        .into_iter()
        .filter(|a| a.agency.active || a.summary.figures.received > 0)
        .map(|a| {
            let f = a.summary.figures;
            ScoreboardRow {
                code: a.agency.code,
                name: a.agency.name,
                name_en: a.agency.name_en,
                received: f.received,
                answered: f.answered,
                refused: f.refused,
                on_time: f.on_time,
                late: f.late,
                on_time_ratio: f.on_time_ratio,
                on_time_interval: f.on_time_interval,
                working_days_median: f.working_days_median,
                comparable: f.comparable,
            }
        })
        .collect();
    agencies.sort_by(|a, b| {
        let key = |r: &ScoreboardRow| (!r.comparable, -(r.on_time_ratio.unwrap_or(-1.0) * 1e6) as i64);
        key(a).cmp(&key(b)).then_with(|| a.name.cmp(&b.name))
    });
    let board = Scoreboard { province, from: period.from, to: period.to, generated_at: env.now, agencies };
    if let Ok(mut c) = cache().lock() {
        c.insert(cache_key(env, &board.province.code), board.clone());
    }
    Ok(board)
}

/// Switches a province's public scoreboard on or off (administrators), with its audit entry.
pub fn set_public(
    conn: &mut DbConn,
    env: Env<'_>,
    p: &crate::service::accounts::Principal,
    code: &str,
    public: bool,
) -> AppResult<()> {
    if p.role != crate::domain::account::Role::Admin {
        return Err(AppError::Forbidden("only administrators publish a scoreboard".into()));
    }
    crate::db::write(conn, |conn| {
        let j = jurisdictions::by_code(conn, code.trim())?.ok_or_else(AppError::not_found)?;
        let before = stats::scoreboard_public(conn, &j.id)?;
        stats::set_scoreboard(conn, &j.id, public)?;
        if let Ok(mut c) = cache().lock() {
            c.remove(&cache_key(env, &j.code));
        }
        let change = crate::service::audit::Change {
            action: "jurisdiction.scoreboard",
            target_kind: "jurisdiction",
            target_id: &j.id,
            jurisdiction_id: Some(&j.id),
            before: Some(serde_json::json!({"scoreboard_public": before})),
            after: Some(serde_json::json!({"scoreboard_public": public})),
        };
        crate::service::audit::record(conn, env, Some(&p.user.id), change)
    })
}

/// Whether the province publishes its scoreboard (for the Department's pages).
pub fn is_public(conn: &mut DbConn, code: &str) -> AppResult<bool> {
    match jurisdictions::by_code(conn, code.trim())? {
        Some(j) => Ok(stats::scoreboard_public(conn, &j.id)?),
        None => Err(AppError::not_found()),
    }
}
