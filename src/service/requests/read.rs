//! Reading requests: one request with its timeline, lists in the caller's
//! scope, and the "due by" preview.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::super::accounts::Principal;
use super::super::error::{AppError, AppResult};
use super::super::explain::{StepDetail, step_details, steps_text};
use super::super::{Page, paging};
use super::act;
use super::file::{FileInput, check};
use super::mail::agency_name;
use super::{Env, deadline_of, load_visible, place_of, utc};
use crate::db::models::SummaryRow;
use crate::db::{DbConn, agencies, jurisdictions, requests, users};
use crate::domain::account::Role;
use crate::domain::deadline::{ClockEvent, Deadline};
use crate::domain::id::Id;
use crate::domain::kind::RequestKind;
use crate::domain::policy::PolicyPack;
use crate::domain::request::{Outcome, Party, Status, is_overdue};
use crate::domain::text::query_terms;
use crate::i18n::Tr;

pub use super::views::{AgencyRef, EscalationView};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReporterRef {
    pub id: String,
    pub full_name: String,
    pub outlet: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DeadlineView {
    pub due_at: Option<DateTime<Utc>>,
    pub policy_version: String,
    /// The title of the pack, in the reader's language.
    pub policy_title: String,
    pub steps: Vec<String>,
    /// Parallel to `steps`: each step's text with the basis (`law`, `analogy`, `service`) and citation
    /// of the rules it applies.
    pub step_details: Vec<StepDetail>,
}

impl DeadlineView {
    /// A deadline explained in `tr`'s language.
    pub fn of(dl: &Deadline, pack: &PolicyPack, tr: &Tr) -> DeadlineView {
        let title = if tr.lang() == "en" { &pack.title_en } else { &pack.title };
        DeadlineView {
            due_at: dl.due_at,
            policy_version: dl.policy_version.clone(),
            policy_title: title.clone(),
            steps: steps_text(dl, tr),
            step_details: step_details(dl, tr),
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ActorView {
    pub id: Option<String>,
    pub full_name: String,
    pub role: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EventView {
    pub seq: i32,
    pub at: DateTime<Utc>,
    pub kind: String,
    pub actor: ActorView,
    pub body: Option<String>,
    pub data: serde_json::Value,
    pub internal: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AttachmentView {
    pub id: String,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub uploaded_by: String,
    pub at: DateTime<Utc>,
    pub url: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RequestDetail {
    pub id: String,
    pub reference: String,
    pub kind: RequestKind,
    pub subject: String,
    pub body: String,
    pub status: Status,
    pub overdue: bool,
    pub agency: AgencyRef,
    pub jurisdiction: String,
    pub reporter: ReporterRef,
    pub received_at: DateTime<Utc>,
    pub due_at: Option<DateTime<Utc>>,
    pub deadline: DeadlineView,
    pub outcome: Option<Outcome>,
    pub refusal_ground: Option<String>,
    pub escalation: Option<EscalationView>,
    pub events: Vec<EventView>,
    pub attachments: Vec<AttachmentView>,
    /// The actions the caller may take now.
    pub allowed_actions: Vec<&'static str>,
    /// The caller's relation to the request.
    pub viewer: Party,
}

/// A request as its page shows it, with the agencies it may be transferred
/// to when the viewer may transfer it.
pub fn detail_for_page(
    conn: &mut DbConn,
    env: Env<'_>,
    p: &Principal,
    id: &Id,
    tr: &Tr,
) -> AppResult<(RequestDetail, Option<super::super::directory::TransferChoices>)> {
    let r = detail(conn, env, p, id, tr)?;
    let choices = if r.allowed_actions.contains(&"transfer") {
        Some(super::super::directory::transfer_choices(conn, env, &r.agency.id)?)
    } else {
        None
    };
    Ok((r, choices))
}

/// One request as the caller may see it, explained in `tr`'s language.
pub fn detail(conn: &mut DbConn, env: Env<'_>, p: &Principal, id: &Id, tr: &Tr) -> AppResult<RequestDetail> {
    let (r, party) = load_visible(conn, p, id)?;
    let (agency, j) = place_of(conn, &r)?;
    let events = requests::events_of(conn, &r.id)?;
    let files = requests::attachments_of(conn, &r.id)?;
    let latest = requests::latest_escalation(conn, &r.id)?;
    // One look-up for every name on the page: actors, uploaders, the reporter.
    let mut people: Vec<String> = events.iter().filter_map(|e| e.actor_id.clone()).collect();
    people.extend(files.iter().map(|a| a.uploaded_by.clone()));
    people.push(r.reporter_id.clone());
    people.sort_unstable();
    people.dedup();
    let people: HashMap<String, Person> =
        users::by_ids(conn, &people)?.into_iter().map(|u| (u.id.clone(), Person::from(&u))).collect();
    compose(env, Shown { r, party, agency, j, events, files, latest, people }, tr)
}

/// The answer to a filing: the request as `detail` shows it to its reporter,
/// built from what the filing wrote when it says so (no read-back), read
/// otherwise (a replayed Idempotency-Key, a request that went to the
/// Department).
pub fn filed_detail(
    conn: &mut DbConn,
    env: Env<'_>,
    p: &Principal,
    filed: &super::file::Filed,
    tr: &Tr,
) -> AppResult<RequestDetail> {
    let Some(w) = &filed.written else { return detail(conn, env, p, &filed.id, tr) };
    let party = super::party_of(p, &w.row);
    if party == Party::Outsider {
        return Err(AppError::not_found());
    }
    // The filing's only actor is its reporter, the caller.
    let people = HashMap::from([(p.user.id.clone(), Person::from(&p.user))]);
    let shown = Shown {
        r: w.row.clone(),
        party,
        agency: w.agency.clone(),
        j: w.jurisdiction.clone(),
        events: w.events.clone(),
        files: vec![],
        latest: None,
        people,
    };
    compose(env, shown, tr)
}

/// Someone named on a request's page.
struct Person {
    id: String,
    full_name: String,
    outlet: Option<String>,
}

impl From<&crate::db::models::User> for Person {
    fn from(u: &crate::db::models::User) -> Person {
        Person { id: u.id.clone(), full_name: u.full_name.clone(), outlet: u.outlet.clone() }
    }
}

impl From<&crate::service::accounts::Account> for Person {
    fn from(u: &crate::service::accounts::Account) -> Person {
        Person { id: u.id.clone(), full_name: u.full_name.clone(), outlet: u.outlet.clone() }
    }
}

/// What `detail` shows, loaded (or in hand).
struct Shown {
    r: crate::db::models::RequestRow,
    party: Party,
    agency: crate::db::models::Agency,
    j: crate::db::models::Jurisdiction,
    events: Vec<crate::db::models::EventRow>,
    files: Vec<crate::db::models::AttachmentRow>,
    latest: Option<crate::db::models::EscalationRow>,
    /// Everyone named: actors, uploaders, the reporter.
    people: HashMap<String, Person>,
}

/// The request's detail from what was loaded; no query.
fn compose(env: Env<'_>, s: Shown, tr: &Tr) -> AppResult<RequestDetail> {
    let Shown { r, party, agency, j, events, files, latest, mut people } = s;
    let dl = deadline_of(env.rules, &r, &agency, &j, &events);
    let name_of = |id: &str| people.get(id).map(|u| u.full_name.clone());
    // Only one escalation is open at a time, and it is the latest.
    let view = act::view_with(&r, latest.as_ref().is_some_and(|e| e.status.is_open()));
    let allowed = act::allowed_with(env, party, &view, &act::rules_with(env, &r, &agency, &j, &events));
    let hide_internal = party == Party::Reporter;
    let events = events
        .into_iter()
        .filter(|e| !(hide_internal && e.internal))
        .map(|e| EventView {
            seq: e.seq,
            at: utc(e.at),
            actor: ActorView {
                full_name: e.actor_id.as_deref().and_then(name_of).unwrap_or_else(|| tr.t("timeline.system").into()),
                id: e.actor_id.clone(),
                role: e.actor_role.clone(),
            },
            kind: e.kind,
            body: e.body,
            data: serde_json::from_str(&e.data).unwrap_or(serde_json::Value::Null),
            internal: e.internal,
        })
        .collect();
    let attachments = files
        .into_iter()
        .map(|a| AttachmentView {
            url: format!("/api/v1/requests/{}/attachments/{}", r.id, a.id),
            uploaded_by: name_of(&a.uploaded_by).unwrap_or_default(),
            id: a.id,
            filename: a.filename,
            content_type: a.content_type,
            size: a.size_bytes,
            at: utc(a.created_at),
        })
        .collect();
    let reporter = people.remove(&r.reporter_id).ok_or_else(|| anyhow::anyhow!("reporter missing"))?;
    let escalation = latest.as_ref().map(EscalationView::from);
    let status = r.status;
    Ok(RequestDetail {
        allowed_actions: allowed,
        viewer: party,
        id: r.id.clone(),
        reference: r.reference.clone(),
        kind: r.kind,
        subject: r.subject.clone(),
        body: r.body.clone(),
        status: r.status,
        overdue: is_overdue(status, r.due_at.map(utc), env.now),
        agency: AgencyRef { id: agency.id.clone(), name: agency.name.clone(), name_en: agency.name_en.clone() },
        jurisdiction: j.code.clone(),
        reporter: ReporterRef { id: reporter.id, full_name: reporter.full_name, outlet: reporter.outlet },
        received_at: utc(r.received_at),
        due_at: r.due_at.map(utc),
        deadline: DeadlineView::of(&dl, env.rules.pack_of(&r.policy_version, utc(r.received_at)), tr),
        outcome: r.outcome,
        refusal_ground: r.refusal_ground.clone(),
        escalation,
        events,
        attachments,
    })
}

/// The answer to an action: the request as the caller now sees it, or, when
/// the action took it out of the caller's sight (a transfer to an agency the
/// caller does not speak for), what the caller may still know of it.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum AfterAction {
    Visible(Box<RequestDetail>),
    OutOfSight(act::Acted),
}

/// Reads the request again after a committed action. The change stands
/// whatever this read finds, so it never fails: a request the caller may no
/// longer see, or a failed read, answers with what the action returned.
pub fn after_action(conn: &mut DbConn, env: Env<'_>, p: &Principal, acted: act::Acted, tr: &Tr) -> AfterAction {
    if !acted.visible() {
        return AfterAction::OutOfSight(acted);
    }
    match detail(conn, env, p, &acted.id, tr) {
        Ok(d) => AfterAction::Visible(Box::new(d)),
        // Moved out of sight meanwhile (a concurrent transfer).
        Err(AppError::NotFound(_)) => AfterAction::OutOfSight(act::Acted { viewer: Party::Outsider, ..acted }),
        Err(e) => {
            tracing::error!(request = %acted.id, error = %e, "reading a request after a committed action failed");
            AfterAction::OutOfSight(acted)
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RequestSummary {
    pub id: String,
    pub reference: String,
    pub kind: RequestKind,
    pub subject: String,
    pub status: Status,
    pub overdue: bool,
    pub agency: AgencyRef,
    pub received_at: DateTime<Utc>,
    pub due_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// `awaiting_response`, `awaiting_clarification`, `answered`, `refused`, `withdrawn` or `closed`.
    pub status: Option<String>,
    /// `true` for overdue requests only.
    pub overdue: Option<String>,
    /// Requests with this agency only.
    pub agency_id: Option<String>,
    /// `event`, `information`, `press_reply` or `complaint`.
    pub kind: Option<String>,
    /// Words of the reference, subject or body.
    pub q: Option<String>,
    /// `open` shows only requests awaiting a response or a clarification.
    pub open: Option<String>,
    /// From 1.
    pub page: Option<i64>,
    /// 1 to 100 (default 20).
    pub per_page: Option<i64>,
}

fn truthy(v: &Option<String>) -> bool {
    matches!(v.as_deref().map(str::trim), Some("true" | "1" | "yes" | "on"))
}

/// The requests the caller may see: a reporter its own, a spokesperson those
/// of its agencies, staff those of their jurisdiction. Others see none.
pub fn list(conn: &mut DbConn, env: Env<'_>, p: &Principal, q: &ListQuery) -> AppResult<Page<RequestSummary>> {
    let (page, per_page) = paging(q.page, q.per_page);
    let scope = match p.role {
        Role::Reporter => requests::Scope::Reporter(p.user.id.clone()),
        Role::Spokesperson => requests::Scope::Agencies(p.agency_ids.clone()),
        Role::Staff => match &p.user.jurisdiction_id {
            Some(j) => requests::Scope::Jurisdiction(j.clone()),
            None => return Ok(Page { items: vec![], total: 0, page, per_page }),
        },
        Role::Admin => return Ok(Page { items: vec![], total: 0, page, per_page }),
    };
    let mut f = requests::Filters::default();
    if let Some(s) = q.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        if Status::parse(s).is_none() {
            return Err(AppError::field("status", "invalid_value"));
        }
        f.status = Some(s.to_string());
    }
    if let Some(k) = q.kind.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        if crate::domain::kind::RequestKind::parse(k).is_none() {
            return Err(AppError::field("kind", "invalid_value"));
        }
        f.kind = Some(k.to_string());
    }
    if let Some(a) = q.agency_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let a = Id::parse(a).ok_or_else(|| AppError::field("agency_id", "unknown_agency"))?;
        f.agency_id = Some(a.to_string());
    }
    if truthy(&q.overdue) {
        f.overdue_at = Some(env.now.naive_utc());
    }
    f.open_only = truthy(&q.open);
    f.terms = q.q.as_deref().map(query_terms).unwrap_or_default();
    let (rows, total) = requests::list(conn, &scope, &f, (page - 1) * per_page, per_page)?;
    let agency_ids: Vec<String> = rows.iter().map(|r| r.agency_id.clone()).collect();
    let names: HashMap<String, (String, Option<String>)> =
        agencies::by_ids(conn, &agency_ids)?.into_iter().map(|a| (a.id, (a.name, a.name_en))).collect();
    let items = rows
        .into_iter()
        .map(|r: SummaryRow| {
            let status = r.status;
            let (name, name_en) = names.get(&r.agency_id).cloned().unwrap_or_default();
            RequestSummary {
                overdue: is_overdue(status, r.due_at.map(utc), env.now),
                agency: AgencyRef { id: r.agency_id.clone(), name, name_en },
                id: r.id,
                reference: r.reference,
                kind: r.kind,
                subject: r.subject,
                status: r.status,
                received_at: utc(r.received_at),
                due_at: r.due_at.map(utc),
            }
        })
        .collect();
    Ok(Page { items, total, page, per_page })
}

/// The earliest and latest instants a preview accepts (local years 2000 to 2100): the calendars and the
/// lunar computation behind them are meaningful there, and no count can overflow.
fn preview_range() -> (DateTime<Utc>, DateTime<Utc>) {
    let start = |y| {
        let first = chrono::NaiveDate::from_ymd_opt(y, 1, 1).unwrap_or_default();
        crate::domain::calendar::start_of_local_day(first)
    };
    (start(2000), start(2101))
}

/// Reads the `at` of a preview: an RFC 3339 instant with its offset (`Z` or `+07:00`). A `+` sent
/// unencoded in a query string arrives as a space, so a space before a final `HH:MM` is read as `+`.
pub fn parse_preview_at(raw: &str) -> AppResult<DateTime<Utc>> {
    let raw = raw.trim();
    let mut text = raw.to_string();
    let offset_start = raw.len().checked_sub(6).filter(|&i| raw.is_char_boundary(i));
    if let Some(i) = offset_start
        && raw[i..].starts_with(' ')
        && raw[i + 1..].chars().enumerate().all(|(n, c)| if n == 2 { c == ':' } else { c.is_ascii_digit() })
    {
        text.replace_range(i..i + 1, "+");
    }
    let at = DateTime::parse_from_rfc3339(&text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| AppError::field("at", "invalid_instant"))?;
    let (first, end) = preview_range();
    if at < first || at >= end {
        return Err(AppError::field("at", "instant_out_of_range"));
    }
    Ok(at)
}

/// "Due when, if received at `at` (now when None)": the server's computation under the pack in force at
/// that instant and the calendar as stored, with its explanation.
pub fn preview(
    conn: &mut DbConn,
    env: Env<'_>,
    agency_id: &str,
    kind: &str,
    at: Option<DateTime<Utc>>,
    tr: &Tr,
) -> AppResult<(DeadlineView, String)> {
    let input = FileInput { agency_id: agency_id.into(), kind: kind.into(), subject: "-".into(), body: "-".into() };
    let (agency, kind, _, _) = check(conn, &input)?;
    let j = jurisdictions::by_id(conn, &agency.jurisdiction_id)?.ok_or_else(AppError::not_found)?;
    let at = at.unwrap_or(env.now);
    let pack = env.rules.policies.in_force(at);
    let dl = env.rules.deadline(pack, kind, &j, &agency, &[ClockEvent::Received { at }]);
    Ok((DeadlineView::of(&dl, pack, tr), agency_name(&agency, tr)))
}
