//! The mails a request's events cause: who gets which notice, built from what
//! the event loaded, each queued in its recipient's language inside the
//! event's transaction.

use super::super::accounts::Account;
use super::super::error::AppResult;
use super::super::explain::{cite, steps_text};
use super::Env;
use crate::db::models::{Agency, OutboxRow, RequestRow, User};
use crate::db::{DbConn, agencies, jurisdictions, outbox, users};
use crate::domain::account::Locale;
use crate::domain::deadline::Deadline;
use crate::domain::request::Action;
use crate::domain::routing::Route;
use crate::i18n::Tr;
use crate::mail::notice::{ByLocale, Decision, DueLine, RequestEvent, RequestFacts, Side};
use crate::mail::{self, Notice, Recipient};

pub(crate) fn to_user(u: &User) -> Recipient {
    Recipient { email: u.email.clone(), name: Some(u.full_name.clone()), locale: u.locale, user_id: Some(u.id.clone()) }
}

/// The agency's spokespeople in force now.
pub(crate) fn spokespeople(conn: &mut DbConn, env: Env<'_>, agency_id: &str) -> AppResult<Vec<Recipient>> {
    Ok(users::spokespeople_of(conn, &[agency_id.to_string()], env.now.naive_utc())?
        .iter()
        .map(|(_, u)| to_user(u))
        .collect())
}

/// The Department's shared address and its staff.
pub(crate) fn department(conn: &mut DbConn, jurisdiction_id: &str) -> AppResult<Vec<Recipient>> {
    let mut out = Vec::new();
    if let Some(j) = jurisdictions::by_id(conn, jurisdiction_id)? {
        out.push(Recipient {
            email: j.department_email.clone(),
            name: Some(j.department_name.clone()),
            locale: Locale::Vi,
            user_id: None,
        });
    }
    for u in users::staff_of(conn, jurisdiction_id)? {
        if !out.iter().any(|r| r.email == u.email) {
            out.push(to_user(&u));
        }
    }
    Ok(out)
}

fn reporter(conn: &mut DbConn, r: &RequestRow) -> AppResult<Option<User>> {
    Ok(users::by_id(conn, &r.reporter_id)?)
}

/// The agency's name in the reader's language.
pub fn agency_name(a: &Agency, tr: &Tr) -> String {
    match (tr.locale, &a.name_en) {
        (Locale::En, Some(en)) => en.clone(),
        _ => a.name.clone(),
    }
}

/// The request as every mail about it names it.
pub(crate) fn facts(r: &RequestRow, agency: &Agency) -> RequestFacts {
    RequestFacts {
        id: r.id.clone(),
        reference: r.reference.clone(),
        subject: r.subject.clone(),
        kind: r.kind,
        agency: ByLocale::each(|tr| agency_name(agency, tr)),
    }
}

/// A deadline with its explanation in both languages.
fn due_line(dl: &Deadline) -> DueLine {
    DueLine { due: dl.due_at, steps: ByLocale::each(|tr| steps_text(dl, tr)) }
}

/// Queues `event` about `r` to each of `to`, greeted by name.
fn send(
    conn: &mut DbConn,
    env: Env<'_>,
    r: &RequestRow,
    agency: &Agency,
    to: &[Recipient],
    event: RequestEvent,
) -> AppResult<()> {
    let rows = rows_for(conn, env, r, agency, to, event)?;
    Ok(outbox::insert_many(conn, &rows)?)
}

/// The outbox rows of `send`, to be written together (a sweep's batch
/// writes those of all its requests at once).
pub(crate) fn rows_for(
    conn: &mut DbConn,
    env: Env<'_>,
    r: &RequestRow,
    agency: &Agency,
    to: &[Recipient],
    event: RequestEvent,
) -> AppResult<Vec<OutboxRow>> {
    let request = facts(r, agency);
    let mut rows = Vec::with_capacity(to.len());
    for rcpt in to {
        let notice = Notice::Request { name: rcpt.name.clone(), request: request.clone(), event: event.clone() };
        let reply_to = crate::service::inbound::tokens::reply_address(conn, env, &r.id, rcpt)?;
        rows.push(mail::outbox_row(env.config, env.now, rcpt, &notice, reply_to)?);
    }
    Ok(rows)
}

/// The notice of a new request to its spokespeople.
fn new_request(r: &RequestRow, reporter: Option<&User>, dl: &Deadline) -> RequestEvent {
    new_request_by(r, reporter.map(|u| u.full_name.clone()), reporter.and_then(|u| u.outlet.clone()), dl)
}

fn new_request_by(r: &RequestRow, name: Option<String>, outlet: Option<String>, dl: &Deadline) -> RequestEvent {
    RequestEvent::New {
        reporter: name.unwrap_or_default(),
        outlet: outlet.unwrap_or_default(),
        body: r.body.clone(),
        deadline: due_line(dl),
    }
}

/// A new request: a receipt to the reporter, the request to the spokespeople
/// (or, with nobody to answer, to the Department through its escalation), in
/// one insert. `spokespeople` are those in force now, primary first, as the
/// filing loaded them for routing (`users::assignments_of_agency`).
#[allow(clippy::too_many_arguments)]
pub fn filed(
    conn: &mut DbConn,
    env: Env<'_>,
    r: &RequestRow,
    agency: &Agency,
    reporter: &Account,
    route: &Route,
    spokespeople: &[&User],
    dl: &Deadline,
) -> AppResult<()> {
    let to_reporter = Recipient {
        email: reporter.email.clone(),
        name: Some(reporter.full_name.clone()),
        locale: reporter.locale,
        user_id: Some(reporter.id.clone()),
    };
    let receipt = RequestEvent::Receipt { deadline: due_line(dl) };
    let mut rows = rows_for(conn, env, r, agency, &[to_reporter], receipt)?;
    if let Route::Spokespeople(_) = route {
        let to: Vec<Recipient> = spokespeople.iter().map(|u| to_user(u)).collect();
        let notice = new_request_by(r, Some(reporter.full_name.clone()), reporter.outlet.clone(), dl);
        rows.extend(rows_for(conn, env, r, agency, &to, notice)?);
    }
    Ok(outbox::insert_many(conn, &rows)?)
}

/// An escalation opened: the Department is told why.
pub fn escalated(conn: &mut DbConn, env: Env<'_>, r: &RequestRow, reason: &str) -> AppResult<()> {
    let Some(agency) = agencies::by_id(conn, &r.agency_id)? else { return Ok(()) };
    let to = department(conn, &r.jurisdiction_id)?;
    let reporter = reporter(conn, r)?.map(|u| u.full_name).unwrap_or_default();
    send(conn, env, r, &agency, &to, RequestEvent::Escalated { reason: reason.to_string(), reporter })
}

/// A transfer took a request with an open escalation to another province: the
/// new Department learns that the escalation is now its own, the old one why
/// the request left its queue (without a link: it may no longer open it).
pub fn escalation_followed(
    conn: &mut DbConn,
    env: Env<'_>,
    r: &RequestRow,
    reason: &str,
    from_jurisdiction: &str,
    from_agency: &str,
) -> AppResult<()> {
    let Some(agency) = agencies::by_id(conn, &r.agency_id)? else { return Ok(()) };
    let old = agencies::by_id(conn, from_agency)?;
    let province = |conn: &mut DbConn, id: &str| -> AppResult<String> {
        Ok(jurisdictions::by_id(conn, id)?.map(|j| j.name).unwrap_or_default())
    };
    let (old_province, new_province) = (province(conn, from_jurisdiction)?, province(conn, &r.jurisdiction_id)?);
    let old_agency = ByLocale::each(|tr| old.as_ref().map(|a| agency_name(a, tr)).unwrap_or_default());
    for (to, side) in
        [(department(conn, &r.jurisdiction_id)?, Side::In), (department(conn, from_jurisdiction)?, Side::Out)]
    {
        let event = RequestEvent::EscalationMoved {
            side,
            old_agency: old_agency.clone(),
            old_province: old_province.clone(),
            province: new_province.clone(),
            reason: reason.to_string(),
        };
        send(conn, env, r, &agency, &to, event)?;
    }
    Ok(())
}

/// Where a transferred request came from, and where it goes now.
#[derive(Debug, Clone, Copy)]
pub struct Transferred<'a> {
    pub from_agency_id: &'a str,
    /// Who answers at the new agency; None when not looked up.
    pub route: Option<&'a Route>,
}

/// The mails of an action on a request (`transferred` for a transfer).
pub fn acted(
    conn: &mut DbConn,
    env: Env<'_>,
    r: &RequestRow,
    agency: &Agency,
    action: &Action,
    dl: &Deadline,
    transferred: Transferred<'_>,
) -> AppResult<()> {
    use RequestEvent as E;
    let to_reporter: Vec<Recipient> = reporter(conn, r)?.iter().map(to_user).collect();
    let deadline = || due_line(dl);
    let (to, event) = match action {
        Action::Acknowledge => (to_reporter, E::Acknowledge { deadline: deadline() }),
        Action::MarkComplex { reason } => {
            (to_reporter, E::MarkComplex { reason: reason.clone(), deadline: deadline() })
        }
        Action::RequestClarification { question } => {
            (to_reporter, E::RequestClarification { question: question.clone() })
        }
        Action::Clarify { body } => {
            (spokespeople(conn, env, &r.agency_id)?, E::Clarify { body: body.clone(), deadline: deadline() })
        }
        Action::Extend { reason } => (to_reporter, E::Extend { reason: reason.clone(), deadline: deadline() }),
        Action::Reply { body, outcome } => (to_reporter, E::Reply { outcome: *outcome, body: body.clone() }),
        Action::Refuse { ground, reasons } => {
            let pack = env.rules.pack_of(&r.policy_version, super::utc(r.received_at));
            let (ground_title, citation) = match pack.ground(ground) {
                Some(g) => (
                    ByLocale { vi: g.title_vi.clone(), en: g.title_en.clone() },
                    ByLocale::each(|tr| cite(tr, &g.cited())),
                ),
                None => (ByLocale::same(ground.clone()), ByLocale::same(String::new())),
            };
            (to_reporter, E::Refuse { ground: ground.clone(), ground_title, citation, reasons: reasons.clone() })
        }
        Action::Transfer { reason, .. } => {
            let old_agency = agencies::by_id(conn, transferred.from_agency_id)?.map(|a| a.name).unwrap_or_default();
            let event = E::Transfer { old_agency, reason: reason.clone(), deadline: deadline() };
            send(conn, env, r, agency, &to_reporter, event)?;
            if let Some(Route::Spokespeople(_)) = transferred.route {
                let who = reporter(conn, r)?;
                let to = spokespeople(conn, env, &r.agency_id)?;
                send(conn, env, r, agency, &to, new_request(r, who.as_ref(), dl))?;
            }
            return Ok(());
        }
        Action::Withdraw => (spokespeople(conn, env, &r.agency_id)?, E::Withdraw),
        Action::Complain { reason } => (to_reporter, E::Complain { reason: reason.clone() }),
        Action::Comment { .. } => return Ok(()),
    };
    send(conn, env, r, agency, &to, event)
}

/// A reminder to the spokespeople before the due instant.
pub fn reminder(
    conn: &mut DbConn,
    env: Env<'_>,
    r: &RequestRow,
    agency: &Agency,
    due: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    let to = spokespeople(conn, env, &r.agency_id)?;
    let to = if to.is_empty() { department(conn, &r.jurisdiction_id)? } else { to };
    let left = ByLocale::each(|tr| tr.due_hint(&env.rules.calendar, due, env.now));
    send(conn, env, r, agency, &to, RequestEvent::Reminder { due, left })
}

/// The reporter learns the request is overdue and went to the Department.
pub fn overdue_to_reporter(
    conn: &mut DbConn,
    env: Env<'_>,
    r: &RequestRow,
    agency: &Agency,
    due: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    let to: Vec<Recipient> = reporter(conn, r)?.iter().map(to_user).collect();
    send(conn, env, r, agency, &to, RequestEvent::Overdue { due })
}

/// The Department's own review deadline passed.
pub fn review_overdue(conn: &mut DbConn, env: Env<'_>, r: &RequestRow, agency: &Agency) -> AppResult<()> {
    let to = department(conn, &r.jurisdiction_id)?;
    send(conn, env, r, agency, &to, RequestEvent::ReviewOverdue)
}

/// A deadline moved (a calendar or policy change): the reporter and the
/// spokespeople learn the new one, with its explanation.
pub fn deadline_changed(
    conn: &mut DbConn,
    env: Env<'_>,
    r: &RequestRow,
    agency: &Agency,
    dl: &Deadline,
) -> AppResult<()> {
    let mut to: Vec<Recipient> = reporter(conn, r)?.iter().map(to_user).collect();
    to.extend(spokespeople(conn, env, &r.agency_id)?);
    send(conn, env, r, agency, &to, RequestEvent::DeadlineChanged { deadline: due_line(dl) })
}

/// The Department acted on an escalation: the reporter and the agency learn
/// it. `kind` is the timeline event's; only decisions are mailed.
pub fn escalation_action(
    conn: &mut DbConn,
    env: Env<'_>,
    r: &RequestRow,
    agency: &Agency,
    kind: &str,
    text: Option<&str>,
) -> AppResult<()> {
    let Some(decision) = Decision::of_event(kind) else { return Ok(()) };
    let mut to: Vec<Recipient> = reporter(conn, r)?.iter().map(to_user).collect();
    to.extend(spokespeople(conn, env, &r.agency_id)?);
    let event = RequestEvent::Decided { decision, due: r.due_at.map(super::utc), note: text.map(str::to_string) };
    send(conn, env, r, agency, &to, event)
}

/// A reply by mail became a message on the timeline: the other side learns
/// it (the reporter's message goes to the spokespeople, anyone else's to the
/// reporter), with a reply address of its own.
pub fn mail_message(
    conn: &mut DbConn,
    env: Env<'_>,
    r: &RequestRow,
    from: crate::domain::request::Party,
    body: &str,
) -> AppResult<()> {
    use crate::domain::request::Party;
    let Some(agency) = agencies::by_id(conn, &r.agency_id)? else { return Ok(()) };
    let (to, who) = match from {
        Party::Reporter => {
            let name = reporter(conn, r)?.map(|u| u.full_name).unwrap_or_default();
            (spokespeople(conn, env, &r.agency_id)?, ByLocale::same(name))
        }
        _ => (reporter(conn, r)?.iter().map(to_user).collect(), ByLocale::each(|tr| agency_name(&agency, tr))),
    };
    send(conn, env, r, &agency, &to, RequestEvent::MailMessage { from: who, body: body.to_string() })
}
