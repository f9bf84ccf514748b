//! The transition function: who may take an action, from which status, what can still refuse it, and
//! the status and timeline event an allowed action leads to. Checked in that order, so that the error
//! names the first thing that stands in the way.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::{Action, DomainError, NewEvent, Party, RequestView, Rules, Status, Transition, is_overdue};
use crate::domain::validation::FieldErrors;

/// Decides whether `party` may take `action` on `request` at `now`, and what follows.
pub fn transition(
    request: &RequestView,
    party: Party,
    action: &Action,
    rules: &Rules,
    now: DateTime<Utc>,
) -> Result<Transition, DomainError> {
    if party == Party::Outsider {
        return Err(DomainError::NotVisible);
    }
    if !who_may(action).contains(&party) {
        return Err(DomainError::Forbidden(format!("a {} may not {}", party.role_name(), action.name())));
    }
    let st = request.status;
    if !may_start_from(action, st) {
        return Err(DomainError::InvalidTransition(format!(
            "cannot {} a request that is {}",
            action.name(),
            st.as_str()
        )));
    }
    check_rules(request, action, rules, now)?;
    Ok(outcome(request, action, now))
}

fn who_may(action: &Action) -> &'static [Party] {
    match action {
        Action::Clarify { .. } | Action::Withdraw | Action::Complain { .. } => &[Party::Reporter],
        Action::Comment { .. } => &[Party::Spokesperson, Party::Department],
        _ => &[Party::Spokesperson],
    }
}

/// The statuses an action may be taken from. A complaint also depends on the due date, so
/// `check_complaint` decides it with its message; a comment is possible at any time.
fn may_start_from(action: &Action, st: Status) -> bool {
    match action {
        Action::Acknowledge
        | Action::MarkComplex { .. }
        | Action::RequestClarification { .. }
        | Action::Extend { .. }
        | Action::Reply { .. }
        | Action::Transfer { .. } => st == Status::AwaitingResponse,
        Action::Clarify { .. } => st == Status::AwaitingClarification,
        Action::Refuse { .. } | Action::Withdraw => st.is_open(),
        Action::Complain { .. } | Action::Comment { .. } => true,
    }
}

/// What can still refuse an action its status allows: the request's own facts and the pack's rules.
fn check_rules(request: &RequestView, action: &Action, rules: &Rules, now: DateTime<Utc>) -> Result<(), DomainError> {
    match action {
        Action::Acknowledge if request.acknowledged => {
            Err(DomainError::InvalidTransition("the request is already acknowledged".into()))
        }
        Action::MarkComplex { .. } => check_mark_complex(request, rules, now),
        Action::Extend { .. } => check_extension(request, rules, now),
        Action::Refuse { ground, .. } if !rules.grounds.iter().any(|g| g == ground) => {
            Err(field_error("ground", "unknown_ground"))
        }
        Action::Transfer { agency_id, .. } if agency_id == &request.agency_id => {
            Err(field_error("agency_id", "same_agency"))
        }
        Action::Complain { .. } => check_complaint(request, now),
        _ => Ok(()),
    }
}

fn field_error(field: &str, code: &str) -> DomainError {
    let mut f = FieldErrors::new();
    f.add(field, code);
    DomainError::Invalid(f)
}

fn check_mark_complex(request: &RequestView, rules: &Rules, now: DateTime<Utc>) -> Result<(), DomainError> {
    if request.complex {
        return Err(DomainError::InvalidTransition("the request is already marked complex".into()));
    }
    match rules.complex_notice_until {
        None => Err(DomainError::InvalidTransition(format!(
            "requests of kind {} have no complex-request rule",
            request.kind.as_str()
        ))),
        Some(until) if now > until => {
            Err(DomainError::InvalidTransition("the window to declare the request complex has ended".into()))
        }
        Some(_) => Ok(()),
    }
}

fn check_extension(request: &RequestView, rules: &Rules, now: DateTime<Utc>) -> Result<(), DomainError> {
    if request.extensions >= rules.max_extensions {
        return Err(DomainError::InvalidTransition(if rules.max_extensions == 0 {
            format!("requests of kind {} cannot be extended", request.kind.as_str())
        } else {
            format!("the request was already extended {} time(s), the most allowed", request.extensions)
        }));
    }
    if rules.due_set_by_order {
        return Err(DomainError::Refused {
            code: "extension_after_order",
            message: "the press-management Department set this due date by its order; it cannot be extended".into(),
        });
    }
    // LAI Art. 31: an extension is notified within the running period. After the due instant
    // there is nothing left to extend, and an overdue agency cannot erase its lateness.
    if let Some(due) = request.due_at
        && now > due
    {
        return Err(DomainError::Refused {
            code: "extension_too_late",
            message: format!(
                "the due date ({}) has passed: an extension is given within the period, not after it",
                due.to_rfc3339()
            ),
        });
    }
    Ok(())
}

fn check_complaint(request: &RequestView, now: DateTime<Utc>) -> Result<(), DomainError> {
    let overdue = is_overdue(request.status, request.due_at, now);
    if !(matches!(request.status, Status::Answered | Status::Refused) || overdue) {
        return Err(DomainError::InvalidTransition(
            "a complaint is possible after an answer, a refusal, or once the request is overdue".into(),
        ));
    }
    if request.escalation_open {
        return Err(DomainError::InvalidTransition("the request is already with the Department".into()));
    }
    Ok(())
}

/// The status an allowed action leads to and the timeline event that records it.
fn outcome(request: &RequestView, action: &Action, now: DateTime<Utc>) -> Transition {
    let st = request.status;
    let (status, body, data): (Status, Option<&str>, Value) = match action {
        Action::Acknowledge => (st, None, json!({})),
        Action::MarkComplex { reason } => (st, Some(reason), json!({})),
        Action::RequestClarification { question } => (Status::AwaitingClarification, Some(question), json!({})),
        Action::Clarify { body } => (Status::AwaitingResponse, Some(body), json!({})),
        Action::Extend { reason } => (st, Some(reason), json!({"extension": request.extensions + 1})),
        Action::Reply { body, outcome } => (Status::Answered, Some(body), json!({"outcome": outcome.as_str()})),
        Action::Refuse { ground, reasons } => (Status::Refused, Some(reasons), json!({"ground": ground})),
        Action::Transfer { agency_id, reason } => {
            (st, Some(reason), json!({"from_agency_id": request.agency_id, "to_agency_id": agency_id}))
        }
        Action::Withdraw => (Status::Withdrawn, None, json!({})),
        Action::Complain { reason } => (st, Some(reason), json!({"overdue": is_overdue(st, request.due_at, now)})),
        Action::Comment { body } => (st, Some(body), json!({})),
    };
    Transition {
        status,
        event: NewEvent {
            kind: action.name().to_string(),
            body: body.map(str::to_string),
            data,
            // A comment is a note between the agency and the Department: the reporter does not see it.
            internal: matches!(action, Action::Comment { .. }),
        },
        opens_escalation: matches!(action, Action::Complain { .. }).then_some("complaint"),
    }
}
