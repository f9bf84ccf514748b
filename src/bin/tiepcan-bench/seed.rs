//! The benchmark province: one Department, two agencies, their spokespeople,
//! reporters with live sessions, a large inbox and one long timeline. Built
//! through the service layer (as the CLI and pages would), except the large
//! inbox, which is bulk-inserted.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

use chrono::TimeDelta;
use tiepcan::clock::{Clock, SystemClock};
use tiepcan::config::Config;
use tiepcan::db::{self, DbConn, agencies, jurisdictions, users};
use tiepcan::domain::request::ActionInput;
use tiepcan::service::AppError;
use tiepcan::service::Env;
use tiepcan::service::accounts::{self, NewUser, Principal};
use tiepcan::service::directory::{self, ImportOutcome, NewJurisdiction};
use tiepcan::service::login;
use tiepcan::service::passwords::Hasher;
use tiepcan::service::requests::act;
use tiepcan::service::requests::file::{self, FileInput};
use tiepcan::service::rules::{Rulebook, load_policies};

use super::bulk;

pub const PASSWORD: &str = "Bench-Mật-khẩu-2026!";
const AGENCIES: &str = "jurisdiction,code,name,name_en,level,parent_code,email\n\
BEN,UBND,Ủy ban nhân dân tỉnh thử tải,Benchmark Provincial People's Committee,province,,\n\
BEN,SXD,Sở Xây dựng,Department of Construction,department,UBND,\n\
BEN,SYT,Sở Y tế,Department of Health,department,UBND,\n";

fn fail(e: AppError) -> anyhow::Error {
    anyhow::anyhow!("{e:?}")
}

/// The rules as the server loads them (policy packs from the data directory,
/// calendars from the database).
pub fn rulebook(conn: &mut DbConn, config: &Config) -> anyhow::Result<Rulebook> {
    let (policies, _) = load_policies(&config.data_dir)?;
    Rulebook::load_with(conn, Arc::new(policies)).map_err(fail)
}

pub fn run(url: &str, open: u64, reporters: u32, out: &Path) -> anyhow::Result<()> {
    let config = super::config_for(url, None)?;
    let mut conn = db::connect_one(url)?;
    let now = SystemClock.now();
    let rules = rulebook(&mut conn, &config)?;
    let env = Env { config: &config, rules: &rules, now };

    directory::create_jurisdiction(
        &mut conn,
        env,
        &NewJurisdiction {
            code: "BEN".into(),
            name: "Tỉnh thử tải".into(),
            department_name: "Sở Văn hóa, Thể thao và Du lịch tỉnh thử tải".into(),
            department_email: "baochi@ben.example.vn".into(),
            timezone: None,
            office_hours: None,
        },
    )
    .map_err(fail)?;
    if let ImportOutcome::Rejected(e) =
        directory::import_agencies(&mut conn, env, None, AGENCIES.as_bytes()).map_err(fail)?
    {
        anyhow::bail!("agencies rejected: {e:?}");
    }
    let j = jurisdictions::by_code(&mut conn, "BEN")?.ok_or_else(|| anyhow::anyhow!("no jurisdiction"))?;
    let inbox_agency = agencies::by_code(&mut conn, &j.id, "SXD")?.ok_or_else(|| anyhow::anyhow!("no SXD"))?;
    let filing_agency = agencies::by_code(&mut conn, &j.id, "SYT")?.ok_or_else(|| anyhow::anyhow!("no SYT"))?;

    let inbox_spokes = user(&mut conn, env, "phatngon.sxd@ben.example.vn", "spokesperson", &inbox_agency.id)?;
    user(&mut conn, env, "phatngon.syt@ben.example.vn", "spokesperson", &filing_agency.id)?;
    let mut tokens = String::new();
    let mut first_reporter = None;
    for i in 1..=reporters {
        let (token, p) = user(&mut conn, env, &format!("phongvien{i:03}@bao.example.vn"), "reporter", "")?;
        writeln!(tokens, "{token}")?;
        first_reporter.get_or_insert(p);
    }
    let (inbox_token, spokes) = inbox_spokes;
    let reporter = first_reporter.ok_or_else(|| anyhow::anyhow!("--reporters must be at least 1"))?;

    // The request page: one request whose timeline holds 30 events.
    let page_request = long_timeline(&mut conn, env, &reporter, &spokes, &inbox_agency.id)?;

    let pack = rules.policies.in_force(now);
    let written = bulk::insert_requests(
        &mut conn,
        &bulk::Batch {
            tag: "inbox",
            count: open,
            jurisdiction_id: &j.id,
            agency_id: &inbox_agency.id,
            reporter_id: &reporter.user.id,
            policy_version: &pack.version,
            received_at: now - TimeDelta::days(30),
            due_at: now + TimeDelta::days(1),
            // Far enough that the sweep benchmark (run as of tomorrow) does not take them.
            next_check_at: Some(now + TimeDelta::days(20)),
            step_secs: 5,
        },
    )?;
    bulk::analyze(&mut conn)?;

    std::fs::create_dir_all(out)?;
    std::fs::write(out.join("tokens.txt"), tokens)?;
    std::fs::write(
        out.join("seed.env"),
        format!(
            "INBOX_TOKEN={inbox_token}\nFILE_AGENCY_ID={}\nPAGE_REQUEST_ID={page_request}\nOPEN_REQUESTS={written}\n",
            filing_agency.id
        ),
    )?;
    println!(
        "seeded: {written} open requests in {}, {reporters} reporters, request {page_request} with 30 events",
        inbox_agency.name
    );
    Ok(())
}

/// Creates a verified account and opens a session for it.
fn user(
    conn: &mut DbConn,
    env: Env<'_>,
    email: &str,
    role: &str,
    agency_id: &str,
) -> anyhow::Result<(String, Principal)> {
    let input = NewUser {
        email: email.into(),
        full_name: format!("Người dùng {email}"),
        role: role.into(),
        agency_ids: if agency_id.is_empty() { vec![] } else { vec![agency_id.into()] },
        ..NewUser::default()
    };
    let (config, now) = (env.config, env.now);
    accounts::create_with_password(conn, &Hasher::new(1, 0), now, &input, PASSWORD).map_err(fail)?;
    let account =
        users::by_email(conn, email).map_err(|e| fail(e.into()))?.ok_or_else(|| anyhow::anyhow!("no account"))?;
    let login = login::open_session(conn, config, now, &account, Some("tiepcan-bench")).map_err(fail)?;
    let p =
        accounts::authenticate(conn, env, &login.token).map_err(fail)?.ok_or_else(|| anyhow::anyhow!("no session"))?;
    Ok((login.token, p))
}

/// Files a request and takes it through acknowledgement and 14 rounds of
/// clarification: 30 events.
fn long_timeline(
    conn: &mut DbConn,
    env: Env<'_>,
    reporter: &Principal,
    spokes: &Principal,
    agency_id: &str,
) -> anyhow::Result<String> {
    let input = FileInput {
        agency_id: agency_id.into(),
        kind: "information".into(),
        subject: "Tiến độ giải phóng mặt bằng dự án đường vành đai".into(),
        body: "Đề nghị Sở cho biết tiến độ giải phóng mặt bằng, số hộ đã nhận tiền bồi thường và kế hoạch tái định cư."
            .into(),
    };
    let id = file::file(conn, env, reporter, &input, None).map_err(fail)?.id;
    let action = |name: &str, text: &str| ActionInput {
        action: name.into(),
        question: Some(text.into()),
        body: Some(text.into()),
        ..ActionInput::default()
    };
    act::act(conn, env, spokes, &id, &action("acknowledge", "")).map_err(fail)?;
    for round in 1..=14 {
        let q = format!("Đề nghị phóng viên làm rõ phạm vi câu hỏi (lần {round}): xã nào, giai đoạn nào?");
        act::act(conn, env, spokes, &id, &action("request_clarification", &q)).map_err(fail)?;
        let a = format!("Trả lời lần {round}: các xã ven tuyến, giai đoạn 2024–2026.");
        act::act(conn, env, reporter, &id, &action("clarify", &a)).map_err(fail)?;
    }
    Ok(id.to_string())
}
