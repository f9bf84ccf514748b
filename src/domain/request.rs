//! The request's states and actions, and who may do what from where: one
//! transition function. Illegal moves are errors, never silent no-ops.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::kind::RequestKind;
use super::validation::FieldErrors;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    AwaitingResponse,
    AwaitingClarification,
    Answered,
    Refused,
    Withdrawn,
    Closed,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::AwaitingResponse,
        Status::AwaitingClarification,
        Status::Answered,
        Status::Refused,
        Status::Withdrawn,
        Status::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::AwaitingResponse => "awaiting_response",
            Status::AwaitingClarification => "awaiting_clarification",
            Status::Answered => "answered",
            Status::Refused => "refused",
            Status::Withdrawn => "withdrawn",
            Status::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Still waiting for the agency or the reporter.
    pub fn is_open(self) -> bool {
        matches!(self, Status::AwaitingResponse | Status::AwaitingClarification)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Granted,
    Partial,
    NotHeld,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Granted => "granted",
            Outcome::Partial => "partial",
            Outcome::NotHeld => "not_held",
        }
    }

    pub fn parse(s: &str) -> Option<Outcome> {
        [Outcome::Granted, Outcome::Partial, Outcome::NotHeld].into_iter().find(|o| o.as_str() == s)
    }
}

/// An action as API.md spells it: `{"action": "reply", "body": …, "outcome": …}`.
/// Fields are loose here and checked by `transition`, so that a missing field is
/// a 422 naming the field, not a parse error.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"action": "reply", "body": "Sở Y tế xin cung cấp số liệu theo tệp đính kèm.", "outcome": "granted"}))]
pub struct ActionInput {
    #[serde(default)]
    #[schema(required = true)]
    pub action: String,
    pub reason: Option<String>,
    pub question: Option<String>,
    pub body: Option<String>,
    pub outcome: Option<String>,
    pub ground: Option<String>,
    pub reasons: Option<String>,
    pub agency_id: Option<String>,
}

/// The actions of the request lifecycle (escalation actions are separate).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Acknowledge,
    MarkComplex { reason: String },
    RequestClarification { question: String },
    Clarify { body: String },
    Extend { reason: String },
    Reply { body: String, outcome: Outcome },
    Refuse { ground: String, reasons: String },
    Transfer { agency_id: String, reason: String },
    Withdraw,
    Complain { reason: String },
    Comment { body: String },
}

impl Action {
    pub fn name(&self) -> &'static str {
        match self {
            Action::Acknowledge => "acknowledge",
            Action::MarkComplex { .. } => "mark_complex",
            Action::RequestClarification { .. } => "request_clarification",
            Action::Clarify { .. } => "clarify",
            Action::Extend { .. } => "extend",
            Action::Reply { .. } => "reply",
            Action::Refuse { .. } => "refuse",
            Action::Transfer { .. } => "transfer",
            Action::Withdraw => "withdraw",
            Action::Complain { .. } => "complain",
            Action::Comment { .. } => "comment",
        }
    }

    pub const NAMES: [&'static str; 11] = [
        "acknowledge",
        "mark_complex",
        "request_clarification",
        "clarify",
        "extend",
        "reply",
        "refuse",
        "transfer",
        "withdraw",
        "complain",
        "comment",
    ];
}

/// Longest free text of an action (an answer can be long; it is not a file).
pub const MAX_TEXT: usize = 20_000;

/// A free text of an action: several lines allowed, no other control character.
fn text(errors: &mut FieldErrors, field: &str, value: &Option<String>) -> String {
    errors.required_text(field, value.as_deref().unwrap_or_default(), MAX_TEXT)
}

impl ActionInput {
    /// Turns the loose input into an action, or says which fields are wrong.
    pub fn parse(&self) -> Result<Action, FieldErrors> {
        let mut e = FieldErrors::new();
        let action = match self.action.trim() {
            "acknowledge" => Action::Acknowledge,
            "mark_complex" => Action::MarkComplex { reason: text(&mut e, "reason", &self.reason) },
            "request_clarification" => {
                Action::RequestClarification { question: text(&mut e, "question", &self.question) }
            }
            "clarify" => Action::Clarify { body: text(&mut e, "body", &self.body) },
            "extend" => Action::Extend { reason: text(&mut e, "reason", &self.reason) },
            "reply" => {
                let body = text(&mut e, "body", &self.body);
                let outcome = match self.outcome.as_deref().map(str::trim) {
                    None | Some("") => {
                        e.add("outcome", "required");
                        Outcome::Granted
                    }
                    Some(o) => Outcome::parse(o).unwrap_or_else(|| {
                        e.add("outcome", "invalid_outcome");
                        Outcome::Granted
                    }),
                };
                Action::Reply { body, outcome }
            }
            "refuse" => {
                let ground = self.ground.as_deref().map(str::trim).unwrap_or_default().to_string();
                if ground.is_empty() {
                    e.add("ground", "required");
                }
                Action::Refuse { ground, reasons: text(&mut e, "reasons", &self.reasons) }
            }
            "transfer" => {
                let agency_id = self.agency_id.as_deref().map(str::trim).unwrap_or_default().to_string();
                if agency_id.is_empty() {
                    e.add("agency_id", "required");
                }
                Action::Transfer { agency_id, reason: text(&mut e, "reason", &self.reason) }
            }
            "withdraw" => Action::Withdraw,
            "complain" => Action::Complain { reason: text(&mut e, "reason", &self.reason) },
            "comment" => Action::Comment { body: text(&mut e, "body", &self.body) },
            "" => {
                e.add("action", "required");
                Action::Acknowledge
            }
            _ => {
                e.add("action", "unknown_action");
                Action::Acknowledge
            }
        };
        e.into_result().map(|()| action)
    }
}

/// How the actor stands to this request. Decided by the service from the
/// directory (who speaks for the agency now, who works for the Department).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    /// The reporter who filed it.
    Reporter,
    /// A spokesperson (primary or deputy) of the agency it is with now.
    Spokesperson,
    /// Staff of the press-management Department of its jurisdiction.
    Department,
    /// Anyone else: may not even know it exists.
    Outsider,
}

impl Party {
    pub fn role_name(self) -> &'static str {
        match self {
            Party::Reporter => "reporter",
            Party::Spokesperson => "spokesperson",
            Party::Department => "staff",
            Party::Outsider => "outsider",
        }
    }
}

/// What the transition function needs to know about the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestView {
    pub kind: RequestKind,
    pub status: Status,
    pub agency_id: String,
    pub acknowledged: bool,
    pub complex: bool,
    pub extensions: u32,
    pub due_at: Option<DateTime<Utc>>,
    pub escalation_open: bool,
}

/// The policy facts the transition function applies (from the request's pack).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Rules {
    /// Refusal grounds allowed for this request's kind.
    pub grounds: Vec<String>,
    /// How many extensions the kind allows (0: none).
    pub max_extensions: u32,
    /// Until when the agency may mark the request complex (None: no complex rule).
    pub complex_notice_until: Option<DateTime<Utc>>,
    /// The running due date is the Department's order, which an extension may not move.
    pub due_set_by_order: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// The actor may not know the request exists (answered as 404).
    #[error("not found")]
    NotVisible,
    /// The actor sees it, but its role may not take this action.
    #[error("{0}")]
    Forbidden(String),
    /// The request's state forbids the action now.
    #[error("{0}")]
    InvalidTransition(String),
    #[error("some fields are not valid")]
    Invalid(FieldErrors),
    /// A rule refuses the action now, for a reason with its own code (e.g. `extension_too_late`).
    #[error("{message}")]
    Refused { code: &'static str, message: String },
}

/// The result of an allowed action: the new status and the timeline event.
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    pub status: Status,
    pub event: NewEvent,
    /// The action opens an escalation with this reason (a complaint).
    pub opens_escalation: Option<&'static str>,
}

/// A timeline event before it is stored (seq and hashes come from storage).
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub kind: String,
    pub body: Option<String>,
    pub data: Value,
    /// Visible to spokespeople and Department staff only.
    pub internal: bool,
}

/// Overdue is derived, never stored: awaiting a response past the due instant.
pub fn is_overdue(status: Status, due_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    status == Status::AwaitingResponse && due_at.is_some_and(|d| now > d)
}

mod lifecycle;

pub use lifecycle::transition;

#[cfg(test)]
mod tests;
