//! Editing a jurisdiction (administrators): the province's display name
//! (provinces were merged in 2025, and names change), its Department's name
//! and address, and its office hours. The code stays: reference numbers and
//! import files carry it.

use serde::Deserialize;
use serde_json::json;

use super::Env;
use super::accounts::Principal;
use super::audit;
use super::directory::JurisdictionView;
use super::error::{AppError, AppResult};
use crate::db::models::Jurisdiction;
use crate::db::{self, DbConn, jurisdictions};
use crate::domain::account::{Role, check_email};
use crate::domain::directory::{format_office_hours, parse_office_hours};
use crate::domain::id::Id;
use crate::domain::validation::FieldErrors;

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"name": "Thái Nguyên", "department_name": "Sở Văn hóa, Thể thao và Du lịch tỉnh Thái Nguyên", "department_email": "baochi.svhttdl@thainguyen.example.vn", "office_hours": [["07:30", "11:30"], ["13:00", "17:00"]]}))]
pub struct EditJurisdiction {
    #[serde(default)]
    #[schema(required = true)]
    pub name: String,
    #[serde(default)]
    #[schema(required = true)]
    pub department_name: String,
    #[serde(default)]
    #[schema(required = true)]
    pub department_email: String,
    /// Absent: unchanged.
    pub office_hours: Option<Vec<[String; 2]>>,
}

fn fields(j: &Jurisdiction) -> serde_json::Value {
    json!({
        "code": j.code, "name": j.name, "department_name": j.department_name,
        "department_email": j.department_email,
        "office_hours": serde_json::from_str::<serde_json::Value>(&j.office_hours).unwrap_or_default(),
    })
}

pub fn get(conn: &mut DbConn, actor: &Principal, id: &Id) -> AppResult<JurisdictionView> {
    admin_only(actor)?;
    let j = jurisdictions::by_id(conn, id.as_str())?.ok_or_else(AppError::not_found)?;
    Ok((&j).into())
}

fn admin_only(actor: &Principal) -> AppResult<()> {
    if actor.role == Role::Admin {
        Ok(())
    } else {
        Err(AppError::Forbidden("only administrators edit jurisdictions".into()))
    }
}

pub fn update(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Principal,
    id: &Id,
    input: &EditJurisdiction,
) -> AppResult<JurisdictionView> {
    admin_only(actor)?;
    db::write(conn, |conn| {
        let old = jurisdictions::by_id(conn, id.as_str())?.ok_or_else(AppError::not_found)?;
        let mut e = FieldErrors::new();
        let name = e.required("name", &input.name, 200);
        let department_name = e.required("department_name", &input.department_name, 200);
        let department_email = check_email(&mut e, "department_email", &input.department_email);
        let office_hours = match &input.office_hours {
            None => old.office_hours.clone(),
            Some(pairs) => match parse_office_hours(pairs) {
                Ok(h) => serde_json::to_string(&format_office_hours(&h)).map_err(anyhow::Error::from)?,
                Err(_) => {
                    e.add("office_hours", "invalid_office_hours");
                    old.office_hours.clone()
                }
            },
        };
        e.into_result()?;
        let new = Jurisdiction { name, department_name, department_email, office_hours, ..old.clone() };
        let (before, after) = (fields(&old), fields(&new));
        if before != after {
            jurisdictions::update(conn, &new)?;
            let change = audit::Change {
                action: "jurisdiction.update",
                target_kind: "jurisdiction",
                target_id: &new.id,
                jurisdiction_id: Some(&new.id),
                before: Some(before),
                after: Some(after),
            };
            audit::record(conn, env, Some(actor.user.id.as_str()), change)?;
        }
        Ok((&new).into())
    })
}
