//! The rule data a running instance applies: the policy packs and the
//! working-day calendar. Loaded once at start; a request keeps the pack
//! version it was received under.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};

use crate::db::models::{Agency, Jurisdiction, RequestRow};
use crate::domain::calendar::Calendar;
use crate::domain::deadline::{self, ClockEvent, Deadline};
use crate::domain::kind::RequestKind;
use crate::domain::policy::{PolicyPack, PolicySet};

#[derive(Debug, Clone)]
pub struct Rulebook {
    pub policies: Arc<PolicySet>,
    pub calendar: Arc<Calendar>,
}

impl Rulebook {
    pub fn embedded() -> Rulebook {
        Rulebook { policies: Arc::new(PolicySet::embedded().clone()), calendar: Arc::new(Calendar::embedded()) }
    }

    /// The pack a request was received under (the one in force now if its
    /// version has since disappeared from the data, which the loader prevents).
    pub fn pack_of(&self, version: &str, received_at: DateTime<Utc>) -> &PolicyPack {
        self.policies.version(version).unwrap_or_else(|| self.policies.in_force(received_at))
    }

    /// The deadline of a request from its clock events.
    pub fn deadline(&self, pack: &PolicyPack, kind: RequestKind, agency_key: &str, events: &[ClockEvent]) -> Deadline {
        deadline::compute(pack, &self.calendar, kind, Some(agency_key), events)
    }
}

impl Rulebook {
    /// The shipped rules with the calendar years an administrator edited.
    pub fn load(conn: &mut crate::db::DbConn) -> super::AppResult<Rulebook> {
        let mut calendar = Calendar::embedded();
        for (year, data) in crate::db::requests::calendar_years(conn)? {
            match serde_json::from_str::<crate::domain::calendar::CalendarYear>(&data) {
                Ok(y) if y.year == year && y.validate().is_ok() => calendar = calendar.with_year(y),
                _ => tracing::error!(year, "stored calendar year is unreadable; using the shipped data"),
            }
        }
        Ok(Rulebook { policies: Arc::new(PolicySet::embedded().clone()), calendar: Arc::new(calendar) })
    }
}

/// The rules in force in this instance, replaced as a whole when an
/// administrator edits a calendar year (and reloaded by the sweeper each
/// minute, so other instances follow).
#[derive(Debug)]
pub struct RulesCell(RwLock<Arc<Rulebook>>);

impl RulesCell {
    pub fn new(rules: Rulebook) -> RulesCell {
        RulesCell(RwLock::new(Arc::new(rules)))
    }

    pub fn current(&self) -> Arc<Rulebook> {
        self.0.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn set(&self, rules: Rulebook) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(rules);
    }
}

/// How policy overrides name an agency: `JURISDICTION/AGENCY`.
pub fn agency_key(jurisdiction: &Jurisdiction, agency: &Agency) -> String {
    format!("{}/{}", jurisdiction.code, agency.code)
}

pub fn kind_of(row: &RequestRow) -> RequestKind {
    RequestKind::parse(&row.kind).unwrap_or(RequestKind::Information)
}
