//! The parts of checking a new account that read the directory: which
//! agencies a spokesperson speaks for and which province a member of
//! Department staff belongs to, within what the inviter may grant.

use super::error::AppResult;
use crate::db::{DbConn, agencies, jurisdictions};
use crate::domain::account::Role;
use crate::domain::id::Id;
use crate::domain::validation::FieldErrors;

/// A new spokesperson's agencies (each once): known, and in the creator's
/// province when Department staff invite.
pub(super) fn agencies(
    conn: &mut DbConn,
    e: &mut FieldErrors,
    role: Role,
    ids: &[String],
    creator_jurisdiction: Option<&str>,
) -> AppResult<Vec<String>> {
    let mut agency_ids = Vec::new();
    for id in ids {
        if !agency_ids.contains(id) {
            agency_ids.push(id.clone());
        }
    }
    if !agency_ids.is_empty() && role != Role::Spokesperson {
        e.add("agency_ids", "agencies_only_for_spokespeople");
    }
    if role == Role::Spokesperson && agency_ids.is_empty() {
        e.add("agency_ids", "spokesperson_needs_agency");
    }
    if agency_ids.iter().any(|id| Id::parse(id).is_none()) {
        e.add("agency_ids", "unknown_agency");
    } else if !agency_ids.is_empty() {
        let found = agencies::by_ids(conn, &agency_ids)?;
        if found.len() != agency_ids.len() {
            e.add("agency_ids", "unknown_agency");
        } else if let Some(j) = creator_jurisdiction
            && found.iter().any(|a| a.jurisdiction_id != j)
        {
            e.add("agency_ids", "agency_out_of_scope");
        }
    }
    Ok(agency_ids)
}

/// The jurisdiction a new user belongs to, by its code: Department staff
/// invite within their own province, and a colleague with none named joins
/// theirs.
pub(super) fn jurisdiction(
    conn: &mut DbConn,
    e: &mut FieldErrors,
    role: Role,
    code: Option<&str>,
    creator_jurisdiction: Option<&str>,
) -> AppResult<Option<String>> {
    Ok(match code.map(str::trim).filter(|s| !s.is_empty()) {
        None => {
            if role == Role::Staff {
                // Staff inviting a colleague: the colleague joins the same Department.
                if creator_jurisdiction.is_none() {
                    e.add("jurisdiction", "jurisdiction_required");
                }
                creator_jurisdiction.map(str::to_string)
            } else {
                None
            }
        }
        Some(code) if crate::domain::text::refused_in_line(code).is_some() || code.len() > 16 => {
            e.add("jurisdiction", "unknown_jurisdiction");
            None
        }
        Some(code) => match jurisdictions::by_code(conn, &code.to_ascii_uppercase())? {
            None => {
                e.add("jurisdiction", "unknown_jurisdiction");
                None
            }
            Some(j) => {
                if creator_jurisdiction.is_some_and(|cj| cj != j.id) {
                    e.add("jurisdiction", "jurisdiction_out_of_scope");
                }
                Some(j.id)
            }
        },
    })
}
