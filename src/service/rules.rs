//! The rule data a running instance applies: the policy packs and the
//! working-day calendar. Loaded once at start; a request keeps the pack
//! version it was received under.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};

use crate::db::models::{Agency, Jurisdiction};
use crate::domain::calendar::Calendar;
use crate::domain::deadline::{self, ClockEvent, Deadline};
use crate::domain::directory::{OfficeHours, default_office_hours, parse_office_hours};
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

    /// The deadline of a request to an agency from its clock events (with the office hours of the
    /// agency's jurisdiction, which decide when a receipt outside them counts).
    pub fn deadline(
        &self,
        pack: &PolicyPack,
        kind: RequestKind,
        j: &Jurisdiction,
        agency: &Agency,
        events: &[ClockEvent],
    ) -> Deadline {
        let key = agency_key(j, agency);
        deadline::compute_with_office_hours(pack, &self.calendar, kind, Some(&key), &office_hours_of(j), events)
    }
}

/// The policy packs: the shipped ones, with `policy/*.toml` files of the data
/// directory replacing a shipped file of the same name or adding new versions.
/// Returns the set and a fingerprint of its texts.
pub fn load_policies(data_dir: &std::path::Path) -> anyhow::Result<(PolicySet, String)> {
    use sha2::{Digest, Sha256};
    let mut files: Vec<(String, String)> =
        PolicySet::embedded_texts().iter().map(|(n, t)| (n.to_string(), t.to_string())).collect();
    let dir = data_dir.join("policy");
    if dir.is_dir() {
        let mut local: Vec<std::path::PathBuf> = std::fs::read_dir(&dir)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        local.sort();
        for path in local {
            let text = std::fs::read_to_string(&path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            let name = format!("policy/{}", path.file_name().unwrap_or_default().to_string_lossy());
            match files.iter_mut().find(|(n, _)| *n == name) {
                Some(f) => f.1 = text,
                None => files.push((name, text)),
            }
        }
    }
    let named: Vec<(&str, &str)> = files.iter().map(|(n, t)| (n.as_str(), t.as_str())).collect();
    let set = PolicySet::from_named_texts(&named).map_err(|e| anyhow::anyhow!("policy pack {e}"))?;
    let mut h = Sha256::new();
    for (n, t) in &files {
        h.update(n.as_bytes());
        h.update([0]);
        h.update(t.as_bytes());
        h.update([0]);
    }
    Ok((set, hex::encode(h.finalize())))
}

impl Rulebook {
    /// The rules of this instance: policy packs (shipped and from the data
    /// directory) with the calendar years an administrator edited.
    pub fn load_with(conn: &mut crate::db::DbConn, policies: Arc<PolicySet>) -> super::AppResult<Rulebook> {
        let mut r = Self::load(conn)?;
        r.policies = policies;
        Ok(r)
    }

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

/// A jurisdiction's office hours (the usual civil-service day if its stored value is unreadable).
pub fn office_hours_of(j: &Jurisdiction) -> OfficeHours {
    serde_json::from_str::<Vec<[String; 2]>>(&j.office_hours)
        .ok()
        .and_then(|pairs| parse_office_hours(&pairs).ok())
        .unwrap_or_else(default_office_hours)
}

/// How policy overrides name an agency: `JURISDICTION/AGENCY`.
pub fn agency_key(jurisdiction: &Jurisdiction, agency: &Agency) -> String {
    format!("{}/{}", jurisdiction.code, agency.code)
}
