//! The demo province: Thái Nguyên with its press-management Department, real
//! provincial departments and demo accounts. Loaded only into an empty
//! database; the passwords are generated at that moment and printed once.

use std::sync::Arc;

use super::Env;
use super::accounts::{self, NewUser};
use super::directory::{self, ImportOutcome, NewJurisdiction};
use super::error::{AppError, AppResult};
use super::passwords::Hasher;
use super::secrets::generate_password;
use crate::db::{DbConn, agencies, jurisdictions, users};

const AGENCIES_CSV: &[u8] = include_bytes!("../../demo/thai-nguyen.csv");

pub struct DemoAccount {
    pub role: &'static str,
    pub email: &'static str,
    pub full_name: &'static str,
    pub password: String,
    pub note: &'static str,
}

/// Loads the demo province; `None` when the database already holds data.
pub fn load(conn: &mut DbConn, env: Env<'_>, hasher: &Arc<Hasher>) -> AppResult<Option<Vec<DemoAccount>>> {
    let now = env.now;
    if users::count(conn)? > 0 || !jurisdictions::all(conn)?.is_empty() {
        return Ok(None);
    }
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
        ImportOutcome::Done(_) => {}
        ImportOutcome::Rejected(e) => {
            return Err(AppError::Internal(anyhow::anyhow!("demo directory rejected: {e:?}")));
        }
    }
    let tng = jurisdictions::by_code(conn, "TNG")?.ok_or_else(AppError::not_found)?;
    let agency = |conn: &mut DbConn, code: &str| -> AppResult<String> {
        Ok(agencies::by_code(conn, &tng.id, code)?.ok_or_else(AppError::not_found)?.id)
    };
    let syt = agency(conn, "SYT")?;
    let sgd = agency(conn, "SGDDT")?;
    let ca = agency(conn, "CA")?;

    struct Spec {
        role: &'static str,
        email: &'static str,
        full_name: &'static str,
        title: Option<&'static str>,
        agencies: Vec<String>,
        jurisdiction: Option<&'static str>,
        note: &'static str,
    }
    let specs = vec![
        Spec {
            role: "admin",
            email: "admin@tiepcan.example.vn",
            full_name: "Quản trị hệ thống",
            title: None,
            agencies: vec![],
            jurisdiction: None,
            note: "directory, users",
        },
        Spec {
            role: "staff",
            email: "canbo.so@thainguyen.example.vn",
            full_name: "Hoàng Thị Lan",
            title: Some("Chuyên viên Phòng Báo chí"),
            agencies: vec![],
            jurisdiction: Some("TNG"),
            note: "Department staff of TNG",
        },
        Spec {
            role: "spokesperson",
            email: "phatngon.syt@thainguyen.example.vn",
            full_name: "Nguyễn Văn Minh",
            title: Some("Phó Giám đốc Sở Y tế"),
            agencies: vec![syt.clone()],
            jurisdiction: None,
            note: "primary, Sở Y tế",
        },
        Spec {
            role: "spokesperson",
            email: "phophatngon.syt@thainguyen.example.vn",
            full_name: "Trần Thị Hà",
            title: Some("Chánh Văn phòng Sở Y tế"),
            agencies: vec![syt],
            jurisdiction: None,
            note: "deputy, Sở Y tế",
        },
        Spec {
            role: "spokesperson",
            email: "phatngon.sgddt@thainguyen.example.vn",
            full_name: "Lê Quang Huy",
            title: Some("Phó Giám đốc Sở Giáo dục và Đào tạo"),
            agencies: vec![sgd],
            jurisdiction: None,
            note: "primary, Sở Giáo dục và Đào tạo",
        },
        Spec {
            role: "spokesperson",
            email: "phatngon.ca@thainguyen.example.vn",
            full_name: "Đỗ Mạnh Cường",
            title: Some("Trưởng phòng Tham mưu, Công an tỉnh"),
            agencies: vec![ca],
            jurisdiction: None,
            note: "primary, Công an tỉnh",
        },
        Spec {
            role: "reporter",
            email: "phongvien@baothainguyen.example.vn",
            full_name: "Phạm Thu Trang",
            title: None,
            agencies: vec![],
            jurisdiction: None,
            note: "verified reporter, Báo Thái Nguyên",
        },
    ];
    let mut out = Vec::new();
    for s in specs {
        let password = generate_password();
        let view = accounts::create_with_password(
            conn,
            hasher,
            now,
            &NewUser {
                email: s.email.into(),
                full_name: s.full_name.into(),
                role: s.role.into(),
                agency_ids: s.agencies,
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
        out.push(DemoAccount { role: s.role, email: s.email, full_name: s.full_name, password, note: s.note });
    }
    Ok(Some(out))
}
