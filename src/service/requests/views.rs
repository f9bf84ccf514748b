//! Small views shared by the request use cases and the Department's
//! (`read`, `act`, `escalations`): kept apart so that none of them has to
//! import another for its types.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::utc;
use crate::db::models::EscalationRow;
use crate::domain::escalation::EscalationStatus;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AgencyRef {
    pub id: String,
    pub name: String,
    pub name_en: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EscalationView {
    pub id: String,
    pub status: EscalationStatus,
    pub reason: String,
    pub opened_at: DateTime<Utc>,
    pub due_at: Option<DateTime<Utc>>,
}

impl From<&EscalationRow> for EscalationView {
    fn from(e: &EscalationRow) -> Self {
        EscalationView {
            id: e.id.clone(),
            status: e.status,
            reason: e.reason.clone(),
            opened_at: utc(e.opened_at),
            due_at: e.due_at.map(utc),
        }
    }
}
