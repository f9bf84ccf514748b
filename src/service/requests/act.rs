//! Acting on a request: the domain decides, this writes the new state, the
//! timeline event and the mails together, or nothing.

use super::super::accounts::Principal;
use super::super::error::{AppError, AppResult};
use super::super::rules::{agency_key, office_hours_of};
use super::super::timeline;
use super::file::route_for;
use super::views::AgencyRef;
use super::{Env, clock_events, load_for_change, mail, party_of, place_of, utc};
use crate::db::models::{Agency, EventRow, Jurisdiction, RequestRow};
use crate::db::{self, DbConn, agencies, requests};
use crate::domain::deadline::{self, ClockEvent};
use crate::domain::id::Id;
use crate::domain::request::{self, Action, ActionInput, DomainError, Party, RequestView, Rules, Status, Transition};
use crate::domain::routing::Route;
use crate::domain::validation::FieldErrors;
use crate::service::escalations::open as open_escalation;

impl From<DomainError> for AppError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::NotVisible => AppError::not_found(),
            DomainError::Forbidden(m) => AppError::Forbidden(m),
            DomainError::InvalidTransition(m) => AppError::InvalidTransition(m),
            DomainError::Invalid(f) => AppError::Validation(f),
            DomainError::Refused { code, message } => AppError::Refused { code, message },
        }
    }
}

/// The domain's view of a stored request.
pub fn view_of(conn: &mut DbConn, r: &RequestRow) -> AppResult<RequestView> {
    let escalation_open = requests::open_escalation(conn, &r.id)?.is_some();
    Ok(view_with(r, escalation_open))
}

/// The same, when the caller knows whether an escalation is open.
pub fn view_with(r: &RequestRow, escalation_open: bool) -> RequestView {
    RequestView {
        kind: r.kind,
        status: r.status,
        agency_id: r.agency_id.clone(),
        acknowledged: r.acknowledged_at.is_some(),
        complex: r.complex,
        extensions: r.extensions.max(0) as u32,
        due_at: r.due_at.map(utc),
        escalation_open,
    }
}

/// The policy facts for this request, from the pack it was received under.
pub fn rules_of(conn: &mut DbConn, env: Env<'_>, r: &RequestRow) -> AppResult<Rules> {
    let events = requests::events_of(conn, &r.id)?;
    let (agency, j) = place_of(conn, r)?;
    Ok(rules_with(env, r, &agency, &j, &events))
}

/// The same, from a request's loaded place and timeline.
pub fn rules_with(env: Env<'_>, r: &RequestRow, agency: &Agency, j: &Jurisdiction, events: &[EventRow]) -> Rules {
    let pack = env.rules.pack_of(&r.policy_version, utc(r.received_at));
    let kind = r.kind;
    let key = agency_key(j, agency);
    let rule = pack.rule(kind, Some(&key));
    let (clock, hours) = (clock_events(events), office_hours_of(j));
    Rules {
        grounds: pack.grounds_for(kind).into_iter().map(|g| g.code.clone()).collect(),
        max_extensions: rule.extension.as_ref().map_or(0, |x| x.max_count),
        // Counted from the latest receipt (a transfer or a clarification that
        // restarts the clock is a new receipt).
        complex_notice_until: deadline::complex_notice_until_after(
            pack,
            &env.rules.calendar,
            kind,
            Some(&key),
            &hours,
            &clock,
        ),
        due_set_by_order: env.rules.deadline(pack, kind, j, agency, &clock).ordered,
    }
}

/// What a committed action leaves: the request as anyone who acted on it may
/// still know it (API.md's answer when the action took it out of the actor's
/// sight, e.g. a transfer), and whether the actor still sees it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Acted {
    pub id: Id,
    pub reference: String,
    pub status: Status,
    pub agency: AgencyRef,
    /// Always `outsider` when the actor lost sight of the request.
    pub viewer: Party,
}

impl Acted {
    pub fn visible(&self) -> bool {
        self.viewer != Party::Outsider
    }
}

/// Takes an action on a request for the principal.
pub fn act(conn: &mut DbConn, env: Env<'_>, p: &Principal, id: &Id, input: &ActionInput) -> AppResult<Acted> {
    db::write(conn, |conn| act_in_tx(conn, env, p, id, input))
}

pub(crate) fn act_in_tx(
    conn: &mut DbConn,
    env: Env<'_>,
    p: &Principal,
    id: &Id,
    input: &ActionInput,
) -> AppResult<Acted> {
    let (mut row, party) = load_for_change(conn, p, id)?;
    let action = input.parse()?;
    let expected_version = row.version;
    let view = view_of(conn, &row)?;
    let rules = rules_of(conn, env, &row)?;
    let t: Transition = request::transition(&view, party, &action, &rules, env.now)?;

    let (old_agency, old_jurisdiction) = (row.agency_id.clone(), row.jurisdiction_id.clone());
    apply(conn, &mut row, &action, &t, view.status, env.now.naive_utc())?;

    let (actor_id, role) = (p.user.id.as_str(), party.role_name());
    let event = timeline::append(conn, env, &mut row, Some(actor_id), role, &t.event)?;
    let mut events = requests::events_of(conn, &row.id)?;
    if !events.iter().any(|e| e.id == event.id) {
        events.push(event);
    }
    let (agency, j) = place_of(conn, &row)?;
    let pack = env.rules.pack_of(&row.policy_version, utc(row.received_at));
    let clock: Vec<ClockEvent> = clock_events(&events);
    let dl = env.rules.deadline(pack, row.kind, &j, &agency, &clock);
    row.due_at = dl.due_at.map(|d| d.naive_utc());

    // A transfer to another province takes the escalations along; one to an
    // agency nobody speaks for goes to the (new) Department.
    let mut route = None;
    if let Action::Transfer { .. } = action {
        crate::service::escalations::follow_transfer(
            conn,
            env,
            &mut row,
            &old_jurisdiction,
            &old_agency,
            (actor_id, role),
        )?;
        let r = route_for(conn, &row.agency_id, env.now)?;
        if r == Route::Department {
            open_escalation(conn, env, &mut row, "unroutable", None)?;
        }
        route = Some(r);
    }
    if let Some(reason) = t.opens_escalation {
        open_escalation(conn, env, &mut row, reason, Some((actor_id, role)))?;
    }
    row.next_check_at = crate::service::next_check::next_check_for(conn, env, &row)?;
    if !requests::update_state(conn, &row, expected_version)? {
        return Err(AppError::Conflict(
            "the request was changed by someone else meanwhile; reload it and try again".into(),
        ));
    }
    let transferred = mail::Transferred { from_agency_id: &old_agency, route: route.as_ref() };
    mail::acted(conn, env, &row, &agency, &action, &dl, transferred)?;
    Ok(Acted {
        viewer: party_of(p, &row),
        agency: AgencyRef { id: agency.id.clone(), name: agency.name.clone(), name_en: agency.name_en.clone() },
        id: id.clone(),
        reference: row.reference,
        status: row.status,
    })
}

/// What the action itself changes on the row (beyond its event): the fact
/// it records, the new status, and when the request was finished.
fn apply(
    conn: &mut DbConn,
    row: &mut RequestRow,
    action: &Action,
    t: &Transition,
    was: Status,
    now: chrono::NaiveDateTime,
) -> AppResult<()> {
    match action {
        Action::Acknowledge => row.acknowledged_at = Some(now),
        Action::MarkComplex { .. } => row.complex = true,
        Action::Extend { .. } => row.extensions += 1,
        Action::Reply { outcome, .. } => row.outcome = Some(*outcome),
        Action::Refuse { ground, .. } => row.refusal_ground = Some(ground.clone()),
        Action::Transfer { agency_id, .. } => {
            let target = Id::parse(agency_id).map(|a| agencies::by_id(conn, a.as_str())).transpose()?;
            match target.flatten() {
                Some(a) => {
                    row.agency_id = a.id;
                    row.jurisdiction_id = a.jurisdiction_id;
                }
                None => {
                    let mut f = FieldErrors::new();
                    f.add("agency_id", "unknown_agency");
                    return Err(AppError::Validation(f));
                }
            }
        }
        _ => {}
    }
    row.status = t.status;
    if !t.status.is_open() && was.is_open() {
        row.finished_at = Some(now);
    }
    row.updated_at = now;
    Ok(())
}

/// The actions the caller may take now (for pages and the API's hints): each
/// action is tried against the domain with placeholder fields.
pub fn allowed_with(env: Env<'_>, party: Party, view: &RequestView, rules: &Rules) -> Vec<&'static str> {
    if party == Party::Outsider {
        return vec![];
    }
    let filler = "x".to_string();
    let mut out = Vec::new();
    for name in Action::NAMES {
        let input = ActionInput {
            action: name.into(),
            reason: Some(filler.clone()),
            question: Some(filler.clone()),
            body: Some(filler.clone()),
            outcome: Some("granted".into()),
            ground: rules.grounds.first().cloned().or(Some(filler.clone())),
            reasons: Some(filler.clone()),
            agency_id: Some("another-agency".into()),
        };
        let Ok(action) = input.parse() else { continue };
        match request::transition(view, party, &action, rules, env.now) {
            Ok(_) | Err(DomainError::Invalid(_)) => out.push(name),
            Err(_) => {}
        }
    }
    out
}
