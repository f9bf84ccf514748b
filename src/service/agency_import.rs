//! The directory file, both ways: a preview of what importing a file would do
//! (row by row, nothing written), the import of exactly the previewed file,
//! and the export in the same format, which imports back unchanged.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::Env;
use super::accounts::Principal;
use super::agencies_admin::{jurisdiction_for_export, may_edit};
use super::directory::{ImportOutcome, import_agencies};
use super::error::{AppError, AppResult};
use crate::db::models::{Agency, Jurisdiction};
use crate::db::{DbConn, agencies, jurisdictions};
use crate::domain::account::Role;
use crate::domain::directory::{AgencyDraft, CSV_HEADER, ImportError, parse_agency_csv};
use crate::domain::validation::FieldErrors;

/// The SHA-256 of a file, in hex: what a confirmation must name.
pub fn file_hash(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// What importing one row would do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    New,
    Changed,
    Unchanged,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FieldChange {
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RowEffect {
    pub line: u64,
    pub jurisdiction: String,
    pub code: String,
    pub name: String,
    pub effect: Effect,
    /// The fields a changed row changes.
    pub changes: Vec<FieldChange>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BadLine {
    pub line: u64,
    /// Column (or `row`, `header`, `file`) → problem code.
    #[schema(value_type = Object)]
    pub fields: std::collections::BTreeMap<String, String>,
}

/// The preview of a file: every row's effect, or every bad line (then nothing
/// would be imported). `hash` is what the confirmation must send back.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImportPreview {
    pub hash: String,
    pub rows: Vec<RowEffect>,
    pub errors: Vec<BadLine>,
    pub new: usize,
    pub changed: usize,
    pub unchanged: usize,
}

fn editors_only(actor: &Principal) -> AppResult<()> {
    match actor.role {
        Role::Admin | Role::Staff => Ok(()),
        _ => Err(AppError::Forbidden("only administrators and Department staff edit the directory".into())),
    }
}

/// Parses and checks a file as the import does, and says what each row would do.
pub fn preview(conn: &mut DbConn, _env: Env<'_>, actor: &Principal, data: &[u8]) -> AppResult<ImportPreview> {
    editors_only(actor)?;
    let by_code: HashMap<String, Jurisdiction> =
        jurisdictions::all(conn)?.into_iter().map(|j| (j.code.clone(), j)).collect();
    let known: HashSet<String> = by_code.keys().cloned().collect();
    let existing = agencies::codes_by_jurisdiction(conn)?;
    let mut out =
        ImportPreview { hash: file_hash(data), rows: vec![], errors: vec![], new: 0, changed: 0, unchanged: 0 };
    let drafts = match parse_agency_csv(data, &known, &existing) {
        Ok(d) => d,
        Err(errors) => {
            out.errors = errors.into_iter().map(bad_line).collect();
            return Ok(out);
        }
    };
    let mut rows = Vec::new();
    for d in drafts {
        let j = &by_code[&d.jurisdiction];
        if !may_edit(actor, &j.id) {
            let mut problems = FieldErrors::new();
            problems.add("jurisdiction", "jurisdiction_out_of_scope");
            out.errors.push(bad_line(ImportError { line: d.line, problems }));
            continue;
        }
        let row = match agencies::by_code(conn, &j.id, &d.code)? {
            None => RowEffect { effect: Effect::New, changes: vec![], ..row_of(&d) },
            Some(old) => {
                let old_parent = match &old.parent_id {
                    Some(p) => agencies::by_id(conn, p)?.map(|p| p.code),
                    None => None,
                };
                let changes = changes(&old, old_parent, &d);
                let effect = if changes.is_empty() { Effect::Unchanged } else { Effect::Changed };
                RowEffect { effect, changes, ..row_of(&d) }
            }
        };
        rows.push(row);
    }
    out.errors.sort_by_key(|e| e.line);
    rows.sort_by_key(|r| r.line);
    for r in &rows {
        match r.effect {
            Effect::New => out.new += 1,
            Effect::Changed => out.changed += 1,
            Effect::Unchanged => out.unchanged += 1,
        }
    }
    out.rows = rows;
    Ok(out)
}

fn row_of(d: &AgencyDraft) -> RowEffect {
    RowEffect {
        line: d.line,
        jurisdiction: d.jurisdiction.clone(),
        code: d.code.clone(),
        name: d.name.clone(),
        effect: Effect::New,
        changes: vec![],
    }
}

fn bad_line(e: ImportError) -> BadLine {
    BadLine { line: e.line, fields: e.problems.0 }
}

/// The fields a draft would change on an existing agency.
fn changes(old: &Agency, old_parent: Option<String>, d: &AgencyDraft) -> Vec<FieldChange> {
    let pairs = [
        ("name", Some(old.name.clone()), Some(d.name.clone())),
        ("name_en", old.name_en.clone(), d.name_en.clone()),
        ("level", Some(old.level.as_str().to_string()), Some(d.level.as_str().to_string())),
        ("parent_code", old_parent, d.parent_code.clone()),
        ("email", old.email.clone(), d.email.clone()),
    ];
    pairs
        .into_iter()
        .filter(|(_, a, b)| a != b)
        .map(|(field, before, after)| FieldChange { field: field.into(), before, after })
        .collect()
}

/// Imports `data` only if it is the file previewed under `hash`.
pub fn confirm(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Principal,
    data: &[u8],
    hash: &str,
) -> AppResult<ImportOutcome> {
    editors_only(actor)?;
    if !file_hash(data).eq_ignore_ascii_case(hash.trim()) {
        return Err(AppError::Conflict("this is not the file that was previewed; preview it again".into()));
    }
    import_agencies(conn, env, Some(actor), data)
}

/// The directory (one jurisdiction, or all for an administrator) as an import
/// file: the same header and columns, deactivated agencies included.
pub fn export_csv(conn: &mut DbConn, actor: &Principal, jurisdiction: Option<&str>) -> AppResult<String> {
    let j = jurisdiction_for_export(conn, actor, jurisdiction)?;
    let rows = agencies::all_of(conn, j.as_ref().map(|j| j.id.as_str()))?;
    // Parents live in their child's jurisdiction, so the rows exported hold them.
    let all_codes: HashMap<String, String> = rows.iter().map(|(a, _)| (a.id.clone(), a.code.clone())).collect();
    let mut w = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| AppError::Internal(anyhow::anyhow!("writing the directory file: {e}"));
    w.write_record(CSV_HEADER).map_err(io)?;
    for (a, j) in &rows {
        let parent = a.parent_id.as_ref().and_then(|p| all_codes.get(p)).map(String::as_str).unwrap_or("");
        w.write_record([
            j.code.as_str(),
            a.code.as_str(),
            a.name.as_str(),
            a.name_en.as_deref().unwrap_or(""),
            a.level.as_str(),
            parent,
            a.email.as_deref().unwrap_or(""),
        ])
        .map_err(io)?;
    }
    let bytes = w.into_inner().map_err(|e| AppError::Internal(anyhow::anyhow!("writing the directory file: {e}")))?;
    String::from_utf8(bytes).map_err(|e| AppError::Internal(e.into()))
}
