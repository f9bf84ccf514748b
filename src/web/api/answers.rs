//! The bodies of the API answers that no service type carries as it is:
//! typed here so that the handlers and the OpenAPI document share them.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::calendar::{CalendarYear, DayEntry};
use crate::service::accounts::UserView;

/// An account's address and whether it is verified.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": "01938f6e-7c1a-7a43-9a43-2f1c0e5a9b10", "email": "phongvien@baothainguyen.example.vn", "email_verified": false}))]
pub struct AccountState {
    pub id: String,
    pub email: String,
    pub email_verified: bool,
}

/// A verification mail was queued again.
#[derive(Serialize, ToSchema)]
pub struct ResendAnswer {
    pub email: String,
    pub email_verified: bool,
}

/// A new API session: send `token` as `Authorization: Bearer <token>`.
#[derive(Serialize, ToSchema)]
pub struct LoginAnswer {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub user: UserView,
}

/// A year of the working-day calendar; after a `PUT`, also how many open
/// requests' due dates it moved.
#[derive(Serialize, ToSchema)]
pub struct CalendarAnswer {
    pub year: i32,
    pub holidays: Vec<DayEntry>,
    pub working_days: Vec<DayEntry>,
    /// False for a year computed without an official schedule.
    pub confirmed: bool,
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false)]
    pub requests_moved: Option<usize>,
}

impl CalendarAnswer {
    pub fn of(y: CalendarYear, requests_moved: Option<usize>) -> CalendarAnswer {
        CalendarAnswer {
            year: y.year,
            holidays: y.holidays,
            working_days: y.working_days,
            confirmed: y.confirmed,
            source: y.source,
            requests_moved,
        }
    }
}

/// A stored attachment and where to download it.
#[derive(Serialize, ToSchema)]
pub struct AttachmentCreated {
    pub id: String,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub url: String,
}

/// `/healthz` and a ready `/readyz`.
#[derive(Serialize, ToSchema)]
pub struct Health {
    pub status: String,
}

/// `/readyz` when not ready: what is wrong.
#[derive(Serialize, ToSchema)]
pub struct NotReady {
    pub status: String,
    /// `ok` or `unavailable`.
    pub database: String,
    /// The background jobs that are late, by name.
    pub late_jobs: Vec<String>,
}
