//! The agency directory: jurisdictions, agencies, CSV import and search.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::accounts::Principal;
use super::error::{AppError, AppResult};
use super::{Env, audit};
use super::{Page, paging};
use crate::db::models::{Agency, Jurisdiction};
use crate::db::{self, DbConn, agencies, jurisdictions, users};
use crate::domain::account::{Role, check_email};
use crate::domain::directory::{
    AgencyDraft, AgencyLevel, ImportError, RawAgency, check_agency_fields, check_code, default_office_hours,
    format_office_hours, is_known_timezone, parse_agency_csv, parse_office_hours,
};
use crate::domain::id::Id;
use crate::domain::text::{fold, query_terms};
use crate::domain::validation::FieldErrors;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct JurisdictionView {
    pub id: String,
    pub code: String,
    pub name: String,
    pub department_name: String,
    pub department_email: String,
    pub timezone: String,
    pub office_hours: Vec<[String; 2]>,
}

impl From<&Jurisdiction> for JurisdictionView {
    fn from(j: &Jurisdiction) -> Self {
        JurisdictionView {
            id: j.id.clone(),
            code: j.code.clone(),
            name: j.name.clone(),
            department_name: j.department_name.clone(),
            department_email: j.department_email.clone(),
            timezone: j.timezone.clone(),
            office_hours: serde_json::from_str(&j.office_hours).unwrap_or_default(),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"code": "TNG", "name": "Thái Nguyên", "department_name": "Sở Văn hóa, Thể thao và Du lịch tỉnh Thái Nguyên", "department_email": "baochi.svhttdl@thainguyen.example.vn", "timezone": "Asia/Ho_Chi_Minh", "office_hours": [["07:30", "11:30"], ["13:00", "17:00"]]}))]
pub struct NewJurisdiction {
    #[serde(default)]
    #[schema(required = true)]
    pub code: String,
    #[serde(default)]
    #[schema(required = true)]
    pub name: String,
    #[serde(default)]
    #[schema(required = true)]
    pub department_name: String,
    #[serde(default)]
    #[schema(required = true)]
    pub department_email: String,
    pub timezone: Option<String>,
    pub office_hours: Option<Vec<[String; 2]>>,
}

pub fn create_jurisdiction(conn: &mut DbConn, env: Env<'_>, input: &NewJurisdiction) -> AppResult<JurisdictionView> {
    let now = env.now;
    let mut e = FieldErrors::new();
    let code = check_code(&mut e, "code", &input.code, 16);
    let name = e.required("name", &input.name, 200);
    let department_name = e.required("department_name", &input.department_name, 200);
    let department_email = check_email(&mut e, "department_email", &input.department_email);
    let timezone = input.timezone.clone().unwrap_or_else(|| "Asia/Ho_Chi_Minh".into());
    if !is_known_timezone(&timezone) {
        e.add("timezone", "invalid_timezone");
    }
    let hours = match &input.office_hours {
        None => default_office_hours(),
        Some(pairs) => parse_office_hours(pairs).unwrap_or_else(|_| {
            e.add("office_hours", "invalid_office_hours");
            default_office_hours()
        }),
    };
    if e.get("code").is_none() && jurisdictions::by_code(conn, &code)?.is_some() {
        e.add("code", "code_taken");
    }
    e.into_result()?;
    let j = Jurisdiction {
        id: db::new_id(),
        code,
        name,
        department_name,
        department_email,
        timezone,
        office_hours: serde_json::to_string(&format_office_hours(&hours)).map_err(anyhow::Error::from)?,
        created_at: now.naive_utc(),
    };
    jurisdictions::insert(conn, &j).map_err(|err| {
        if db::is_unique_violation(&err) { AppError::field("code", "code_taken") } else { err.into() }
    })?;
    Ok((&j).into())
}

pub fn list_jurisdictions(conn: &mut DbConn) -> AppResult<Vec<JurisdictionView>> {
    Ok(jurisdictions::all(conn)?.iter().map(Into::into).collect())
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SpokespersonView {
    pub full_name: String,
    pub title: Option<String>,
    pub primary: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AgencyView {
    pub id: String,
    pub code: String,
    pub name: String,
    pub name_en: Option<String>,
    pub level: AgencyLevel,
    pub parent_id: Option<String>,
    pub jurisdiction: String,
    pub email: Option<String>,
    pub spokespeople: Vec<SpokespersonView>,
}

/// Searches the directory; every word of `q` must match, with or without
/// diacritics and in any case.
pub fn search(
    conn: &mut DbConn,
    env: Env<'_>,
    q: Option<&str>,
    jurisdiction: Option<&str>,
    page: Option<i64>,
    per_page: Option<i64>,
) -> AppResult<Page<AgencyView>> {
    let now = env.now;
    let (page, per_page) = paging(page, per_page);
    let terms = q.map(query_terms).unwrap_or_default();
    let jurisdiction = jurisdiction.map(|j| j.trim().to_ascii_uppercase()).filter(|j| !j.is_empty());
    if jurisdiction
        .as_deref()
        .is_some_and(|j| j.len() > 16 || !j.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)))
    {
        // No jurisdiction has such a code.
        return Ok(Page { items: vec![], total: 0, page, per_page });
    }
    let (rows, total) = agencies::search(conn, &terms, jurisdiction.as_deref(), true, (page - 1) * per_page, per_page)?;
    let items = views_of(conn, now, rows)?;
    Ok(Page { items, total, page, per_page })
}

/// Directory rows as shown, each with the spokespeople assigned at `now`.
fn views_of(conn: &mut DbConn, now: DateTime<Utc>, rows: Vec<(Agency, Jurisdiction)>) -> AppResult<Vec<AgencyView>> {
    let ids: Vec<String> = rows.iter().map(|(a, _)| a.id.clone()).collect();
    let mut people: HashMap<String, Vec<SpokespersonView>> = HashMap::new();
    // In slices, so that a long list stays within the databases' bound-parameter limits.
    for chunk in ids.chunks(500) {
        for (a, u) in users::spokespeople_of(conn, chunk, now.naive_utc())? {
            people.entry(a.agency_id).or_default().push(SpokespersonView {
                full_name: u.full_name,
                title: u.title,
                primary: a.is_primary,
            });
        }
    }
    Ok(rows
        .into_iter()
        .map(|(a, j)| AgencyView {
            spokespeople: people.remove(&a.id).unwrap_or_default(),
            id: a.id,
            code: a.code,
            name: a.name,
            name_en: a.name_en,
            level: a.level,
            parent_id: a.parent_id,
            jurisdiction: j.code,
            email: a.email,
        })
        .collect())
}

/// One agency as the directory shows it; `None` for an id that names none.
pub fn agency(conn: &mut DbConn, env: Env<'_>, id: &Id) -> AppResult<Option<AgencyView>> {
    let now = env.now;
    let Some(row) = agencies::with_jurisdiction(conn, id.as_str())? else {
        return Ok(None);
    };
    Ok(views_of(conn, now, vec![row])?.pop())
}

/// The most agencies a transfer picker lists (far more than any directory holds).
const TRANSFER_TARGETS_MAX: i64 = 20_000;

/// What the transfer picker needs: every other agency of the directory and
/// every jurisdiction, in one call.
pub struct TransferChoices {
    pub agencies: Vec<AgencyView>,
    pub jurisdictions: Vec<JurisdictionView>,
}

pub fn transfer_choices(conn: &mut DbConn, env: Env<'_>, except_agency: &str) -> AppResult<TransferChoices> {
    let now = env.now;
    let rows = agencies::active_by_name(conn, TRANSFER_TARGETS_MAX)?;
    let rows = rows.into_iter().filter(|(a, _)| a.id != except_agency).collect();
    Ok(TransferChoices { agencies: views_of(conn, now, rows)?, jurisdictions: list_jurisdictions(conn)? })
}

/// Folded words with a space before each, so that a query word can be matched
/// at the start of a word (`LIKE '% word%'`): "y" finds "Sở Y tế" but not
/// "technology".
pub(super) fn search_text(d: &AgencyDraft) -> String {
    format!(" {} ", fold(&format!("{} {} {}", d.code, d.name, d.name_en.as_deref().unwrap_or(""))))
}

/// Staff work within their own jurisdiction; administrators anywhere.
fn check_scope(actor: Option<&Principal>, jurisdiction_id: &str) -> AppResult<()> {
    match actor {
        None => Ok(()),
        Some(p) if p.role == Role::Admin => Ok(()),
        Some(p) if p.role == Role::Staff && p.user.jurisdiction_id.as_deref() == Some(jurisdiction_id) => Ok(()),
        Some(p) if p.role == Role::Staff => Err(AppError::field("jurisdiction", "jurisdiction_out_of_scope")),
        Some(_) => Err(AppError::Forbidden("only administrators and Department staff edit the directory".into())),
    }
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"jurisdiction": "TNG", "code": "SYT", "name": "Sở Y tế", "name_en": "Department of Health", "level": "department", "email": "syt@thainguyen.example.vn"}))]
pub struct NewAgency {
    #[serde(default)]
    #[schema(required = true)]
    pub jurisdiction: String,
    #[serde(default)]
    #[schema(required = true)]
    pub code: String,
    #[serde(default)]
    #[schema(required = true)]
    pub name: String,
    pub name_en: Option<String>,
    #[serde(default)]
    #[schema(required = true)]
    pub level: String,
    pub parent_code: Option<String>,
    pub email: Option<String>,
}

/// Administrators and Department staff edit the directory (the command line,
/// with no actor, too).
fn may_edit(actor: Option<&Principal>) -> AppResult<()> {
    match actor {
        Some(p) if !matches!(p.role, Role::Admin | Role::Staff) => {
            Err(AppError::Forbidden("only administrators and Department staff edit the directory".into()))
        }
        _ => Ok(()),
    }
}

pub fn create_agency(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: Option<&Principal>,
    input: &NewAgency,
) -> AppResult<AgencyView> {
    let now = env.now;
    may_edit(actor)?;
    let mut e = FieldErrors::new();
    let d = check_agency_fields(
        &mut e,
        RawAgency {
            jurisdiction: &input.jurisdiction,
            code: &input.code,
            name: &input.name,
            name_en: input.name_en.as_deref(),
            level: &input.level,
            parent_code: input.parent_code.as_deref(),
            email: input.email.as_deref(),
        },
    );
    let j = if e.get("jurisdiction").is_none() { jurisdictions::by_code(conn, &d.jurisdiction)? } else { None };
    if j.is_none() && e.get("jurisdiction").is_none() {
        e.add("jurisdiction", "unknown_jurisdiction");
    }
    let mut parent_id = None;
    if let Some(j) = &j {
        if e.get("code").is_none() && agencies::by_code(conn, &j.id, &d.code)?.is_some() {
            e.add("code", "code_taken");
        }
        if let Some(pc) = d.parent_code.as_ref().filter(|_| e.get("parent_code").is_none()) {
            match agencies::by_code(conn, &j.id, pc)? {
                Some(p) => parent_id = Some(p.id),
                None => e.add("parent_code", "unknown_parent"),
            }
        }
    }
    e.into_result()?;
    let j = j.ok_or_else(AppError::not_found)?;
    check_scope(actor, &j.id)?;
    let a = Agency {
        id: db::new_id(),
        jurisdiction_id: j.id.clone(),
        code: d.code.clone(),
        name: d.name.clone(),
        name_en: d.name_en.clone(),
        level: d.level,
        parent_id,
        email: d.email.clone(),
        search_text: search_text(&d),
        created_at: now.naive_utc(),
        active: true,
    };
    db::write(conn, |conn| -> AppResult<()> {
        agencies::insert(conn, &a).map_err(|err| {
            if db::is_unique_violation(&err) { AppError::field("code", "code_taken") } else { AppError::from(err) }
        })?;
        let change = audit::Change {
            action: "agency.create",
            target_kind: "agency",
            target_id: &a.id,
            jurisdiction_id: Some(&a.jurisdiction_id),
            before: None,
            after: Some(agency_fields(&a)),
        };
        audit::record(conn, env, actor.map(|p| p.user.id.as_str()), change)
    })?;
    Ok(AgencyView {
        id: a.id,
        code: a.code,
        name: a.name,
        name_en: a.name_en,
        level: a.level,
        parent_id: a.parent_id,
        jurisdiction: j.code,
        email: a.email,
        spokespeople: vec![],
    })
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ImportSummary {
    pub created: usize,
    pub updated: usize,
}

#[derive(Debug)]
pub enum ImportOutcome {
    Done(ImportSummary),
    Rejected(Vec<ImportError>),
}

/// An agency's fields as the audit log shows them.
pub(super) fn agency_fields(a: &Agency) -> serde_json::Value {
    serde_json::json!({
        "code": a.code, "name": a.name, "name_en": a.name_en, "level": a.level,
        "parent_id": a.parent_id, "email": a.email, "active": a.active,
    })
}

/// Imports a directory file: every row or none. Rows whose code already exists
/// in the jurisdiction update that agency, so a corrected file can be re-imported.
pub fn import_agencies(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: Option<&Principal>,
    data: &[u8],
) -> AppResult<ImportOutcome> {
    may_edit(actor)?;
    db::write(conn, |conn| -> AppResult<ImportOutcome> {
        let all = jurisdictions::all(conn)?;
        let by_code: HashMap<String, Jurisdiction> = all.into_iter().map(|j| (j.code.clone(), j)).collect();
        let known: HashSet<String> = by_code.keys().cloned().collect();
        let existing = agencies::codes_by_jurisdiction(conn)?;
        let drafts = match parse_agency_csv(data, &known, &existing) {
            Ok(d) => d,
            Err(errors) => return Ok(ImportOutcome::Rejected(errors)),
        };
        // Staff may import only their own province's rows.
        let mut out_of_scope = Vec::new();
        for d in &drafts {
            if check_scope(actor, &by_code[&d.jurisdiction].id).is_err() {
                let mut problems = FieldErrors::new();
                problems.add("jurisdiction", "jurisdiction_out_of_scope");
                out_of_scope.push(ImportError { line: d.line, problems });
            }
        }
        if !out_of_scope.is_empty() {
            out_of_scope.sort_by_key(|e| e.line);
            return Ok(ImportOutcome::Rejected(out_of_scope));
        }
        let mut summary = ImportSummary { created: 0, updated: 0 };
        for d in &drafts {
            match import_one(conn, env, actor, &by_code[&d.jurisdiction], d)? {
                Some(true) => summary.created += 1,
                Some(false) => summary.updated += 1,
                None => {}
            }
        }
        Ok(ImportOutcome::Done(summary))
    })
}

/// Writes one checked row of an import, with its audit entry: `Some(true)`
/// when the agency is new, `Some(false)` when it changed, `None` when the row
/// changes nothing.
fn import_one(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: Option<&Principal>,
    j: &Jurisdiction,
    d: &AgencyDraft,
) -> AppResult<Option<bool>> {
    let now = env.now;
    let parent_id = match &d.parent_code {
        Some(pc) => Some(
            agencies::by_code(conn, &j.id, pc)?
                .ok_or_else(|| anyhow::anyhow!("parent {pc} vanished during import"))?
                .id,
        ),
        None => None,
    };
    let mut row = Agency {
        id: db::new_id(),
        jurisdiction_id: j.id.clone(),
        code: d.code.clone(),
        name: d.name.clone(),
        name_en: d.name_en.clone(),
        level: d.level,
        parent_id,
        email: d.email.clone(),
        search_text: search_text(d),
        created_at: now.naive_utc(),
        active: true,
    };
    let (action, before, created) = match agencies::by_code(conn, &j.id, &d.code)? {
        Some(old) => {
            row.id = old.id.clone();
            row.created_at = old.created_at;
            row.active = old.active;
            if agency_fields(&old) == agency_fields(&row) {
                return Ok(None); // Unchanged: nothing written, nothing to log.
            }
            agencies::update_details(conn, &row)?;
            ("agency.import_update", Some(agency_fields(&old)), false)
        }
        None => {
            agencies::insert(conn, &row)?;
            ("agency.import_create", None, true)
        }
    };
    let change = audit::Change {
        action,
        target_kind: "agency",
        target_id: &row.id,
        jurisdiction_id: Some(&row.jurisdiction_id),
        before,
        after: Some(agency_fields(&row)),
    };
    audit::record(conn, env, actor.map(|p| p.user.id.as_str()), change)?;
    Ok(Some(created))
}

/// The agencies a filing form offers: those matching `q` (none before a
/// search), and the one already chosen, kept on the form across searches and
/// previews.
pub fn offered(conn: &mut DbConn, env: Env<'_>, q: &str, chosen: &str) -> AppResult<Vec<AgencyView>> {
    let mut list = if q.is_empty() { vec![] } else { search(conn, env, Some(q), None, Some(1), Some(20))?.items };
    if let Some(chosen) = Id::parse(chosen)
        && !list.iter().any(|a| a.id == chosen.as_str())
        && let Some(a) = agency(conn, env, &chosen)?
    {
        list.push(a);
    }
    Ok(list)
}
