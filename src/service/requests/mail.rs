//! The mails a request's events cause, each in its recipient's language, all
//! written to the outbox inside the event's transaction.

use super::super::error::AppResult;
use super::super::explain::{cite, steps_text};
use super::Env;
use crate::db::models::{Agency, RequestRow, User};
use crate::db::{DbConn, agencies, jurisdictions, users};
use crate::domain::account::Locale;
use crate::domain::deadline::Deadline;
use crate::domain::request::{Action, Party};
use crate::domain::routing::Route;
use crate::i18n::Tr;
use crate::mail::{self, Content, Recipient};

fn to_user(u: &User) -> Recipient {
    Recipient {
        email: u.email.clone(),
        name: Some(u.full_name.clone()),
        locale: Locale::parse(&u.locale).unwrap_or_default(),
    }
}

/// The agency's spokespeople in force now.
fn spokespeople(conn: &mut DbConn, env: Env<'_>, agency_id: &str) -> AppResult<Vec<Recipient>> {
    Ok(users::spokespeople_of(conn, &[agency_id.to_string()], env.now.naive_utc())?
        .iter()
        .map(|(_, u)| to_user(u))
        .collect())
}

/// The Department's shared address and its staff.
fn department(conn: &mut DbConn, jurisdiction_id: &str) -> AppResult<Vec<Recipient>> {
    let mut out = Vec::new();
    if let Some(j) = jurisdictions::by_id(conn, jurisdiction_id)? {
        out.push(Recipient {
            email: j.department_email.clone(),
            name: Some(j.department_name.clone()),
            locale: Locale::Vi,
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

struct Mail<'a> {
    kind: &'a str,
    key: &'a str,
    args: Vec<(&'a str, String)>,
    /// Free text of a person (an answer, a question), quoted as its own paragraph.
    quote: Option<String>,
    deadline: Option<&'a Deadline>,
}

fn send(
    conn: &mut DbConn,
    env: Env<'_>,
    r: &RequestRow,
    agency: &Agency,
    to: &[Recipient],
    m: &Mail<'_>,
) -> AppResult<()> {
    send_linked(conn, env, r, agency, to, m, true)
}

/// `send`, with or without the link to the request's page (none for readers
/// who can no longer open it).
fn send_linked(
    conn: &mut DbConn,
    env: Env<'_>,
    r: &RequestRow,
    agency: &Agency,
    to: &[Recipient],
    m: &Mail<'_>,
    with_link: bool,
) -> AppResult<()> {
    for rcpt in to {
        let tr = Tr::new(rcpt.locale);
        let mut args: Vec<(&str, String)> = vec![
            ("reference", r.reference.clone()),
            ("subject", r.subject.clone()),
            ("agency", agency_name(agency, &tr)),
            ("kind", tr.t(&format!("kind.{}", r.kind)).to_string()),
        ];
        args.extend(m.args.iter().cloned());
        let a: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let mut paragraphs = vec![tr.f(&format!("mail.req.{}.body", m.key), &a)];
        if let Some(q) = &m.quote {
            paragraphs.push(q.clone());
        }
        if let Some(dl) = m.deadline {
            match dl.due_at {
                Some(due) => paragraphs.push(tr.f("mail.req.due", &[("due", &tr.due(due))])),
                None => paragraphs.push(tr.t("mail.req.paused").to_string()),
            }
            let steps = steps_text(dl, &tr);
            if !steps.is_empty() {
                paragraphs.push(format!("{} {}", tr.t("mail.req.why"), steps.join(" → ")));
            }
        }
        let content = Content {
            subject: tr.f(&format!("mail.req.{}.subject", m.key), &a),
            greeting: match &rcpt.name {
                Some(n) => tr.f("mail.req.greeting", &[("name", n)]),
                None => tr.t("mail.req.greeting_plain").to_string(),
            },
            paragraphs,
            link: with_link.then(|| env.config.link(&format!("/requests/{}", r.id))),
            after: vec![],
        };
        mail::queue(conn, env.config, env.now, m.kind, rcpt, &content)?;
    }
    Ok(())
}

/// A new request: a receipt to the reporter, the request to the spokespeople
/// (or, with nobody to answer, to the Department through its escalation).
pub fn filed(
    conn: &mut DbConn,
    env: Env<'_>,
    r: &RequestRow,
    agency: &Agency,
    reporter_user: &User,
    route: &Route,
    dl: &Deadline,
) -> AppResult<()> {
    let receipt = Mail { kind: "request_receipt", key: "receipt", args: vec![], quote: None, deadline: Some(dl) };
    send(conn, env, r, agency, &[to_user(reporter_user)], &receipt)?;
    if let Route::Spokespeople(_) = route {
        let to = spokespeople(conn, env, &agency.id)?;
        let m = Mail {
            kind: "request_new",
            key: "new",
            args: vec![
                ("reporter", reporter_user.full_name.clone()),
                ("outlet", reporter_user.outlet.clone().unwrap_or_default()),
            ],
            quote: Some(r.body.clone()),
            deadline: Some(dl),
        };
        send(conn, env, r, agency, &to, &m)?;
    }
    Ok(())
}

/// An escalation opened: the Department is told why.
pub fn escalated(conn: &mut DbConn, env: Env<'_>, r: &RequestRow, reason: &str) -> AppResult<()> {
    let Some(agency) = agencies::by_id(conn, &r.agency_id)? else { return Ok(()) };
    let to = department(conn, &r.jurisdiction_id)?;
    let who = reporter(conn, r)?.map(|u| u.full_name).unwrap_or_default();
    let key = format!("escalation_{reason}");
    let m = Mail { kind: "escalation_opened", key: &key, args: vec![("reporter", who)], quote: None, deadline: None };
    send(conn, env, r, &agency, &to, &m)
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
    for (to, key, with_link) in [
        (department(conn, &r.jurisdiction_id)?, "escalation_transferred_in", true),
        (department(conn, from_jurisdiction)?, "escalation_transferred_out", false),
    ] {
        for rcpt in to {
            let tr = Tr::new(rcpt.locale);
            let m = Mail {
                kind: "escalation_transferred",
                key,
                args: vec![
                    ("old_agency", old.as_ref().map(|a| agency_name(a, &tr)).unwrap_or_default()),
                    ("old_province", old_province.clone()),
                    ("province", new_province.clone()),
                    ("reason", tr.t(&format!("escalation_reason.{reason}")).to_string()),
                ],
                quote: None,
                deadline: None,
            };
            send_linked(conn, env, r, &agency, std::slice::from_ref(&rcpt), &m, with_link)?;
        }
    }
    Ok(())
}

/// The mails of an action on a request.
#[allow(clippy::too_many_arguments)]
pub fn acted(
    conn: &mut DbConn,
    env: Env<'_>,
    r: &RequestRow,
    agency: &Agency,
    action: &Action,
    old_agency_id: &str,
    route: Option<&Route>,
    dl: &Deadline,
    _party: Party,
) -> AppResult<()> {
    let to_reporter: Vec<Recipient> = reporter(conn, r)?.iter().map(to_user).collect();
    let name = action.name();
    let plain = |key: &'static str, quote: Option<String>, with_deadline: bool| Mail {
        kind: name,
        key,
        args: vec![],
        quote,
        deadline: with_deadline.then_some(dl),
    };
    match action {
        Action::Acknowledge => send(conn, env, r, agency, &to_reporter, &plain("acknowledge", None, true)),
        Action::MarkComplex { reason } => {
            send(conn, env, r, agency, &to_reporter, &plain("mark_complex", Some(reason.clone()), true))
        }
        Action::RequestClarification { question } => {
            send(conn, env, r, agency, &to_reporter, &plain("request_clarification", Some(question.clone()), false))
        }
        Action::Clarify { body } => {
            let to = spokespeople(conn, env, &r.agency_id)?;
            send(conn, env, r, agency, &to, &plain("clarify", Some(body.clone()), true))
        }
        Action::Extend { reason } => {
            send(conn, env, r, agency, &to_reporter, &plain("extend", Some(reason.clone()), true))
        }
        Action::Reply { body, outcome } => {
            for rcpt in &to_reporter {
                let tr = Tr::new(rcpt.locale);
                let m = Mail {
                    kind: name,
                    key: "reply",
                    args: vec![("outcome", tr.t(&format!("outcome.{}", outcome.as_str())).to_string())],
                    quote: Some(body.clone()),
                    deadline: None,
                };
                send(conn, env, r, agency, std::slice::from_ref(rcpt), &m)?;
            }
            Ok(())
        }
        Action::Refuse { ground, reasons } => {
            let pack = env.rules.pack_of(&r.policy_version, super::utc(r.received_at));
            for rcpt in &to_reporter {
                let tr = Tr::new(rcpt.locale);
                let (title, citation) = match pack.ground(ground) {
                    Some(g) if rcpt.locale == Locale::En => (g.title_en.clone(), cite(&tr, &g.cited())),
                    Some(g) => (g.title_vi.clone(), cite(&tr, &g.cited())),
                    None => (ground.clone(), String::new()),
                };
                let m = Mail {
                    kind: name,
                    key: "refuse",
                    args: vec![("ground", ground.clone()), ("ground_title", title), ("citation", citation)],
                    quote: Some(reasons.clone()),
                    deadline: None,
                };
                send(conn, env, r, agency, std::slice::from_ref(rcpt), &m)?;
            }
            Ok(())
        }
        Action::Transfer { reason, .. } => {
            let old = agencies::by_id(conn, old_agency_id)?.map(|a| a.name).unwrap_or_default();
            let m = Mail {
                kind: name,
                key: "transfer",
                args: vec![("old_agency", old)],
                quote: Some(reason.clone()),
                deadline: Some(dl),
            };
            send(conn, env, r, agency, &to_reporter, &m)?;
            if let Some(Route::Spokespeople(_)) = route {
                let who = reporter(conn, r)?;
                let to = spokespeople(conn, env, &r.agency_id)?;
                let m = Mail {
                    kind: "request_new",
                    key: "new",
                    args: vec![
                        ("reporter", who.as_ref().map(|u| u.full_name.clone()).unwrap_or_default()),
                        ("outlet", who.and_then(|u| u.outlet).unwrap_or_default()),
                    ],
                    quote: Some(r.body.clone()),
                    deadline: Some(dl),
                };
                send(conn, env, r, agency, &to, &m)?;
            }
            Ok(())
        }
        Action::Withdraw => {
            let to = spokespeople(conn, env, &r.agency_id)?;
            send(conn, env, r, agency, &to, &plain("withdraw", None, false))
        }
        Action::Complain { reason } => {
            let m = Mail { kind: name, key: "complain", args: vec![], quote: Some(reason.clone()), deadline: None };
            send(conn, env, r, agency, &to_reporter, &m)
        }
        Action::Comment { .. } => Ok(()),
    }
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
    for rcpt in to {
        let tr = Tr::new(rcpt.locale);
        let m = Mail {
            kind: "reminder",
            key: "reminder",
            args: vec![("due", tr.due_by(due)), ("left", tr.due_hint(&env.rules.calendar, due, env.now))],
            quote: None,
            deadline: None,
        };
        send(conn, env, r, agency, std::slice::from_ref(&rcpt), &m)?;
    }
    Ok(())
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
    for rcpt in to {
        let tr = Tr::new(rcpt.locale);
        let m = Mail { kind: "overdue", key: "overdue", args: vec![("due", tr.due(due))], quote: None, deadline: None };
        send(conn, env, r, agency, std::slice::from_ref(&rcpt), &m)?;
    }
    Ok(())
}

/// The Department's own review deadline passed.
pub fn review_overdue(conn: &mut DbConn, env: Env<'_>, r: &RequestRow, agency: &Agency) -> AppResult<()> {
    let to = department(conn, &r.jurisdiction_id)?;
    let m = Mail { kind: "review_overdue", key: "review_overdue", args: vec![], quote: None, deadline: None };
    send(conn, env, r, agency, &to, &m)
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
    let m = Mail { kind: "deadline_changed", key: "deadline_changed", args: vec![], quote: None, deadline: Some(dl) };
    send(conn, env, r, agency, &to, &m)
}

/// The Department acted on an escalation: the reporter and the agency learn it.
pub fn escalation_action(
    conn: &mut DbConn,
    env: Env<'_>,
    r: &RequestRow,
    agency: &Agency,
    kind: &str,
    text: Option<&str>,
) -> AppResult<()> {
    let mut to: Vec<Recipient> = reporter(conn, r)?.iter().map(to_user).collect();
    to.extend(spokespeople(conn, env, &r.agency_id)?);
    let due = r.due_at.map(super::utc);
    for rcpt in to {
        let tr = Tr::new(rcpt.locale);
        let m = Mail {
            kind,
            key: kind,
            args: vec![("due", due.map(|d| tr.due_by(d)).unwrap_or_default())],
            quote: text.map(str::to_string),
            deadline: None,
        };
        send(conn, env, r, agency, std::slice::from_ref(&rcpt), &m)?;
    }
    Ok(())
}
