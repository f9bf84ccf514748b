//! Rows as they are stored. Enum columns are the domain's types (see
//! `columns.rs`); other conversions live next to their use.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::*;
use crate::domain::account::{Locale, Role};
use crate::domain::directory::AgencyLevel;
use crate::domain::escalation::EscalationStatus;
use crate::domain::kind::RequestKind;
use crate::domain::request::{Outcome, Status};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = jurisdictions)]
pub struct Jurisdiction {
    pub id: String,
    pub code: String,
    pub name: String,
    pub department_name: String,
    pub department_email: String,
    pub timezone: String,
    /// JSON: `[["07:30","11:30"],["13:00","17:00"]]`.
    pub office_hours: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = agencies)]
pub struct Agency {
    pub id: String,
    pub jurisdiction_id: String,
    pub code: String,
    pub name: String,
    pub name_en: Option<String>,
    pub level: AgencyLevel,
    pub parent_id: Option<String>,
    pub email: Option<String>,
    /// Code, name and English name folded (no diacritics, lower case) for search.
    pub search_text: String,
    pub created_at: NaiveDateTime,
    /// False once deactivated: its requests stay, new ones go to the Department.
    pub active: bool,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: String,
    pub email: String,
    pub password_hash: Option<String>,
    pub full_name: String,
    pub role: Role,
    pub outlet: Option<String>,
    pub press_card_no: Option<String>,
    pub phone: Option<String>,
    pub title: Option<String>,
    pub locale: Locale,
    pub email_verified_at: Option<NaiveDateTime>,
    pub jurisdiction_id: Option<String>,
    pub created_at: NaiveDateTime,
    pub disabled_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = spokesperson_assignments)]
pub struct Assignment {
    pub id: String,
    pub user_id: String,
    pub agency_id: String,
    pub is_primary: bool,
    pub valid_from: NaiveDateTime,
    pub valid_to: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sessions)]
pub struct Session {
    pub id: String,
    pub user_id: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
    pub user_agent: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = user_tokens)]
pub struct UserToken {
    pub id: String,
    pub user_id: String,
    pub purpose: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
    /// The address an `email_change` token changes the account to.
    pub new_email: Option<String>,
}

#[derive(Debug, Clone, Queryable, QueryableByName, Selectable, Insertable)]
#[diesel(table_name = outbox)]
// None is written as NULL rather than DEFAULT (no column here has another
// default), so the insert's SQL is the same for every row and diesel keeps it
// prepared instead of preparing it again at each insert.
#[diesel(treat_none_as_default_value = false)]
pub struct OutboxRow {
    pub id: String,
    pub created_at: NaiveDateTime,
    pub kind: String,
    pub to_email: String,
    pub to_name: Option<String>,
    pub locale: Locale,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub message_id: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub lease_until: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub smtp_reply: Option<String>,
    pub sent_at: Option<NaiveDateTime>,
    /// The Reply-To address (a reply token's), when inbound mail is on.
    pub reply_to: Option<String>,
}

/// What a list shows of a request: no body or search text, which can be long.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = requests)]
pub struct SummaryRow {
    pub id: String,
    pub reference: String,
    pub agency_id: String,
    pub kind: RequestKind,
    pub subject: String,
    pub status: Status,
    pub received_at: NaiveDateTime,
    pub due_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = requests)]
// None is written as NULL rather than DEFAULT (no column here has another
// default), so the insert's SQL is the same for every row and diesel keeps it
// prepared instead of preparing it again at each insert.
#[diesel(treat_none_as_default_value = false)]
pub struct RequestRow {
    pub id: String,
    pub reference: String,
    pub jurisdiction_id: String,
    pub agency_id: String,
    pub reporter_id: String,
    pub kind: RequestKind,
    pub subject: String,
    pub body: String,
    pub status: Status,
    pub outcome: Option<Outcome>,
    pub refusal_ground: Option<String>,
    pub policy_version: String,
    pub received_at: NaiveDateTime,
    pub due_at: Option<NaiveDateTime>,
    pub acknowledged_at: Option<NaiveDateTime>,
    pub complex: bool,
    pub extensions: i32,
    pub finished_at: Option<NaiveDateTime>,
    pub last_seq: i32,
    pub next_check_at: Option<NaiveDateTime>,
    pub version: i32,
    pub updated_at: NaiveDateTime,
    pub search_text: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = request_events)]
// None is written as NULL rather than DEFAULT (no column here has another
// default), so the insert's SQL is the same for every row and diesel keeps it
// prepared instead of preparing it again at each insert.
#[diesel(treat_none_as_default_value = false)]
pub struct EventRow {
    pub id: String,
    pub request_id: String,
    pub seq: i32,
    pub at: NaiveDateTime,
    pub actor_id: Option<String>,
    pub actor_role: String,
    pub kind: String,
    pub body: Option<String>,
    /// JSON object.
    pub data: String,
    pub internal: bool,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = attachments)]
pub struct AttachmentRow {
    pub id: String,
    pub request_id: String,
    pub uploaded_by: String,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = escalations)]
// Written as given, never DEFAULT, so the insert stays prepared (see OutboxRow).
#[diesel(treat_none_as_default_value = false)]
pub struct EscalationRow {
    pub id: String,
    pub request_id: String,
    pub jurisdiction_id: String,
    pub reason: String,
    pub status: EscalationStatus,
    pub opened_at: NaiveDateTime,
    pub due_at: Option<NaiveDateTime>,
    pub assigned_to: Option<String>,
    pub closed_at: Option<NaiveDateTime>,
    pub resolution: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = idempotency_keys)]
// Written as given, never DEFAULT, so the insert stays prepared (see OutboxRow).
#[diesel(treat_none_as_default_value = false)]
pub struct IdempotencyRow {
    pub user_id: String,
    pub idem_key: String,
    pub body_hash: String,
    pub request_id: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub id: String,
    pub at: NaiveDateTime,
    pub actor_id: Option<String>,
    pub jurisdiction_id: Option<String>,
    pub action: String,
    pub target_kind: String,
    pub target_id: String,
    /// JSON object.
    pub before: Option<String>,
    /// JSON object.
    pub after: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = reply_tokens)]
pub struct ReplyTokenRow {
    pub token_hash: String,
    pub request_id: String,
    pub email: String,
    pub user_id: Option<String>,
    pub generation: i32,
    pub created_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = inbound_messages)]
pub struct InboundMessageRow {
    pub id: String,
    pub message_key: String,
    pub imap_uid: Option<i64>,
    pub received_at: NaiveDateTime,
    pub from_email: String,
    pub subject: String,
    pub raw_sha256: String,
    pub raw_size: i64,
    pub status: String,
    pub reason: Option<String>,
    pub request_id: Option<String>,
    pub token_hash: Option<String>,
    pub body_text: String,
    pub quoted_text: String,
    pub event_id: Option<String>,
    pub change_token_hash: Option<String>,
    pub change_until: Option<NaiveDateTime>,
    pub handled_by: Option<String>,
    pub handled_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = mail_bounces)]
pub struct BounceRow {
    pub email: String,
    pub first_at: NaiveDateTime,
    pub last_at: NaiveDateTime,
    pub count: i32,
    pub diagnostic: String,
}
