//! The demo province: Thái Nguyên with its press-management Department, real
//! provincial departments, demo accounts and six months of requests (see
//! `demo_history`). Loaded only into an empty database; the passwords are
//! generated at that moment and printed once.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::accounts::{self, NewUser};
use super::directory::{self, ImportOutcome, NewJurisdiction};
use super::error::{AppError, AppResult};
use super::passwords::Hasher;
use super::secrets::generate_password;
use super::{Env, demo_history};
use crate::db::{DbConn, agencies, jurisdictions, users};

const AGENCIES_CSV: &[u8] = include_bytes!("../../demo/thai-nguyen.csv");

pub struct DemoAccount {
    pub role: &'static str,
    pub email: &'static str,
    pub full_name: &'static str,
    pub password: String,
    pub note: &'static str,
}

/// One demo account. `agency` is the code of the agency it speaks for, in demo/thai-nguyen.csv.
struct Spec {
    role: &'static str,
    email: &'static str,
    full_name: &'static str,
    title: Option<&'static str>,
    agency: Option<&'static str>,
    jurisdiction: Option<&'static str>,
    note: &'static str,
}

/// One account per role, and a deputy beside the health department's spokesperson so that deputies can
/// be tried too.
const ACCOUNTS: [Spec; 7] = [
    Spec {
        role: "admin",
        email: "admin@tiepcan.example.vn",
        full_name: "Quản trị hệ thống",
        title: None,
        agency: None,
        jurisdiction: None,
        note: "directory, users",
    },
    Spec {
        role: "staff",
        email: "canbo.so@thainguyen.example.vn",
        full_name: "Hoàng Thị Lan",
        title: Some("Chuyên viên Phòng Báo chí"),
        agency: None,
        jurisdiction: Some("TNG"),
        note: "Department staff of TNG",
    },
    Spec {
        role: "spokesperson",
        email: "phatngon.syt@thainguyen.example.vn",
        full_name: "Nguyễn Văn Minh",
        title: Some("Phó Giám đốc Sở Y tế"),
        agency: Some("SYT"),
        jurisdiction: None,
        note: "primary, Sở Y tế",
    },
    Spec {
        role: "spokesperson",
        email: "phophatngon.syt@thainguyen.example.vn",
        full_name: "Trần Thị Hà",
        title: Some("Chánh Văn phòng Sở Y tế"),
        agency: Some("SYT"),
        jurisdiction: None,
        note: "deputy, Sở Y tế",
    },
    Spec {
        role: "spokesperson",
        email: "phatngon.sgddt@thainguyen.example.vn",
        full_name: "Lê Quang Huy",
        title: Some("Phó Giám đốc Sở Giáo dục và Đào tạo"),
        agency: Some("SGDDT"),
        jurisdiction: None,
        note: "primary, Sở Giáo dục và Đào tạo",
    },
    Spec {
        role: "spokesperson",
        email: "phatngon.ca@thainguyen.example.vn",
        full_name: "Đỗ Mạnh Cường",
        title: Some("Trưởng phòng Tham mưu, Công an tỉnh"),
        agency: Some("CA"),
        jurisdiction: None,
        note: "primary, Công an tỉnh",
    },
    Spec {
        role: "reporter",
        email: "phongvien@baothainguyen.example.vn",
        full_name: "Phạm Thu Trang",
        title: None,
        agency: None,
        jurisdiction: None,
        note: "verified reporter, Báo Thái Nguyên",
    },
];

/// Loads the demo province; `None` when the database already holds data.
pub fn load(conn: &mut DbConn, env: Env<'_>, hasher: &Arc<Hasher>) -> AppResult<Option<Vec<DemoAccount>>> {
    if users::count(conn)? > 0 || !jurisdictions::all(conn)?.is_empty() {
        return Ok(None);
    }
    create_province(conn, env)?;
    let tng = jurisdictions::by_code(conn, "TNG")?.ok_or_else(AppError::not_found)?;
    // Every agency is found before the first account is made: a missing one stops the demo with nobody created.
    let agency_ids = ACCOUNTS
        .iter()
        .map(|s| s.agency.map(|code| agency_id(conn, &tng.id, code)).transpose())
        .collect::<AppResult<Vec<_>>>()?;
    // The accounts (and so the spokespeople's assignments) exist from before
    // the history, so that routing in the past finds them.
    let since = env.now - chrono::TimeDelta::days(demo_history::HISTORY_DAYS + 1);
    let mut out = Vec::new();
    for (spec, agency_id) in ACCOUNTS.iter().zip(agency_ids) {
        out.push(create_account(conn, hasher, since, spec, agency_id)?);
    }
    let h = demo_history::load(conn, env, demo_history::DEMO_SEED)?;
    tracing::info!(requests = h.requests, steps = h.steps, left_out = h.left_out, "demo history loaded");
    Ok(Some(out))
}

/// The jurisdiction, its Department and the agencies of the demo directory.
fn create_province(conn: &mut DbConn, env: Env<'_>) -> AppResult<()> {
    directory::create_jurisdiction(
        conn,
        env,
        &NewJurisdiction {
            code: "TNG".into(),
            name: "Thái Nguyên".into(),
            department_name: "Sở Văn hóa, Thể thao và Du lịch tỉnh Thái Nguyên".into(),
            department_email: "baochi.svhttdl@thainguyen.example.vn".into(),
            timezone: None,
            office_hours: None,
        },
    )?;
    match directory::import_agencies(conn, env, None, AGENCIES_CSV)? {
        ImportOutcome::Done(_) => Ok(()),
        ImportOutcome::Rejected(e) => Err(AppError::Internal(anyhow::anyhow!("demo directory rejected: {e:?}"))),
    }
}

fn agency_id(conn: &mut DbConn, jurisdiction_id: &str, code: &str) -> AppResult<String> {
    Ok(agencies::by_code(conn, jurisdiction_id, code)?.ok_or_else(AppError::not_found)?.id)
}

/// Creates one account with a fresh password; the reporter gets a verified outlet and press card.
fn create_account(
    conn: &mut DbConn,
    hasher: &Arc<Hasher>,
    now: DateTime<Utc>,
    s: &Spec,
    agency_id: Option<String>,
) -> AppResult<DemoAccount> {
    let password = generate_password();
    let view = accounts::create_with_password(
        conn,
        hasher,
        now,
        &NewUser {
            email: s.email.into(),
            full_name: s.full_name.into(),
            role: s.role.into(),
            agency_ids: agency_id.into_iter().collect(),
            jurisdiction: s.jurisdiction.map(Into::into),
            title: s.title.map(Into::into),
            locale: Some("vi".into()),
            phone: None,
        },
        &password,
    )?;
    if s.role == "reporter" {
        users::set_reporter_details(conn, &view.id, "Báo Thái Nguyên", Some("TN-0421"))?;
    }
    Ok(DemoAccount { role: s.role, email: s.email, full_name: s.full_name, password, note: s.note })
}
