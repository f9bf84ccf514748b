//! The demo's history: about sixty requests over the last six months, in
//! every state a request can be in, so that every role's home, inbox and
//! queue shows real work on first look and the Department's figures have
//! months behind them.
//!
//! Everything goes through the same use cases as the web (filing, actions,
//! the Department's actions, the sweep), each at its own moment in the past
//! and in time order, so the timelines' hash chains hold, deadlines are those
//! the rules give, and the mails are those the service would have sent. A
//! seeded generator picks the ages and subjects: the same seed gives the same
//! history relative to the moment of loading.

use std::collections::HashMap;

use chrono::{DateTime, TimeDelta, Timelike, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::Env;
use super::accounts::{self, Principal};
use super::error::{AppError, AppResult};
use super::escalations::{self, EscalationAction};
use super::requests::act;
use super::requests::file::{self, FileInput};
use super::{login, sweeper};
use crate::db::{DbConn, agencies, jurisdictions, requests, users};
use crate::domain::id::Id;
use crate::domain::kind::RequestKind;
use crate::domain::request::ActionInput;

/// The seed `serve --demo` uses.
pub const DEMO_SEED: u64 = 2026;

/// How far back the history reaches; the demo accounts exist from before.
pub const HISTORY_DAYS: i64 = 180;

/// Who takes a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Who {
    Reporter,
    /// The primary spokesperson of the agency the request is with at that moment.
    Agency,
}

/// One step of a story, some hours after the filing.
#[derive(Debug, Clone)]
enum Move {
    Act(Who, ActionInput),
    /// A Department action on the request's open escalation; `order_days`
    /// sets an order's due date that many days ahead.
    Department {
        action: &'static str,
        text: &'static str,
        order_days: i64,
    },
}

/// The shapes a request's life takes here, with the range of ages (days
/// since filing) that keeps each in the state it shows.
#[derive(Debug, Clone, Copy)]
enum Plot {
    Waiting,
    Acknowledged,
    AwaitingClarification,
    ClarifiedAndAnswered,
    Complex,
    Extended,
    Answered(&'static str),
    AnsweredLate,
    Refused(usize),
    Transferred,
    Withdrawn,
    Overdue,
    Complained,
    Ordered,
    Unroutable,
}

const PLOTS: [(Plot, u32); 17] = [
    (Plot::Waiting, 4),
    (Plot::Acknowledged, 4),
    (Plot::AwaitingClarification, 3),
    (Plot::ClarifiedAndAnswered, 4),
    (Plot::Complex, 2),
    (Plot::Extended, 2),
    (Plot::Answered("granted"), 10),
    (Plot::Answered("partial"), 5),
    (Plot::Answered("not_held"), 3),
    (Plot::AnsweredLate, 4),
    (Plot::Refused(0), 3),
    (Plot::Refused(1), 2),
    (Plot::Transferred, 3),
    (Plot::Withdrawn, 2),
    (Plot::Overdue, 3),
    (Plot::Complained, 3),
    (Plot::Ordered, 1),
];

impl Plot {
    /// Days since filing: recent for the states that last only a few days.
    fn ages(self) -> (i64, i64) {
        match self {
            Plot::Waiting => (0, 1),
            Plot::Acknowledged | Plot::AwaitingClarification => (1, 2),
            Plot::Complex | Plot::Extended | Plot::Ordered => (3, 5),
            Plot::Overdue => (8, 30),
            Plot::Unroutable => (2, 40),
            _ => (12, HISTORY_DAYS - 10),
        }
    }

    fn moves(self) -> Vec<(i64, Move)> {
        let me = |hours: i64, who: Who, input: ActionInput| (hours, Move::Act(who, input));
        let ack = |hours| me(hours, Who::Agency, input("acknowledge"));
        let reply = |hours, outcome: &str| {
            me(hours, Who::Agency, ActionInput { outcome: Some(outcome.into()), ..text("reply", ANSWER) })
        };
        // The ground is the i-th of those the request's policy pack allows,
        // chosen when the step is taken (see `step`).
        let refuse = |hours, i: usize| {
            let ground = Some(i.to_string());
            me(hours, Who::Agency, ActionInput { ground, ..with("refuse", |a| a.reasons = Some(REFUSAL.into())) })
        };
        let dept = |hours, action, text, order_days| (hours, Move::Department { action, text, order_days });
        match self {
            Plot::Waiting | Plot::Overdue | Plot::Unroutable => vec![],
            Plot::Acknowledged => vec![ack(3)],
            Plot::AwaitingClarification => vec![ack(2), me(5, Who::Agency, question())],
            Plot::ClarifiedAndAnswered => vec![
                ack(2),
                me(20, Who::Agency, question()),
                me(30, Who::Reporter, text("clarify", CLARIFICATION)),
                reply(70, "granted"),
            ],
            Plot::Complex => {
                vec![ack(2), me(20, Who::Agency, with("mark_complex", |a| a.reason = Some(COMPLEX.into())))]
            }
            Plot::Extended => vec![ack(2), me(30, Who::Agency, with("extend", |a| a.reason = Some(EXTENSION.into())))],
            Plot::Answered(outcome) => vec![ack(3), reply(40, outcome)],
            Plot::AnsweredLate => vec![
                reply(24 * 9, "partial"),
                dept(24 * 10, "resolve", "Cơ quan đã trả lời, tuy muộn; đã nhắc nhở về thời hạn.", 0),
            ],
            Plot::Refused(i) => vec![ack(2), refuse(30, i)],
            Plot::Transferred => vec![
                me(6, Who::Agency, with("transfer", |a| a.reason = Some(TRANSFER.into()))),
                ack(26),
                reply(60, "granted"),
            ],
            Plot::Withdrawn => vec![ack(4), me(20, Who::Reporter, input("withdraw"))],
            Plot::Complained => vec![
                refuse(20, 0),
                me(40, Who::Reporter, with("complain", |a| a.reason = Some(COMPLAINT.into()))),
                dept(50, "assign", "", 0),
                dept(60, "order_response", "Sở yêu cầu cơ quan trả lời phóng viên.", 5),
                reply(90, "partial"),
                dept(100, "resolve", "Cơ quan đã trả lời theo yêu cầu của Sở.", 0),
            ],
            Plot::Ordered => vec![
                refuse(10, 1),
                me(20, Who::Reporter, with("complain", |a| a.reason = Some(COMPLAINT.into()))),
                dept(30, "order_response", "Đề nghị cơ quan xem xét lại và trả lời.", 4),
            ],
        }
    }
}

fn input(action: &str) -> ActionInput {
    ActionInput { action: action.into(), ..ActionInput::default() }
}

fn text(action: &str, body: &str) -> ActionInput {
    ActionInput { body: Some(body.into()), ..input(action) }
}

fn with(action: &str, f: impl FnOnce(&mut ActionInput)) -> ActionInput {
    let mut a = input(action);
    f(&mut a);
    a
}

fn question() -> ActionInput {
    with("request_clarification", |a| a.question = Some(QUESTION.into()))
}

const ANSWER: &str = "Sở xin cung cấp số liệu theo đề nghị của phóng viên; chi tiết trong văn bản kèm theo.";
const REFUSAL: &str = "Nội dung đề nghị thuộc phạm vi không được cung cấp theo quy định.";
const QUESTION: &str = "Đề nghị phóng viên nói rõ giai đoạn và địa bàn cần số liệu.";
const CLARIFICATION: &str = "Giai đoạn 2024–2026, toàn tỉnh, chia theo huyện.";
const COMPLEX: &str = "Số liệu phải tổng hợp từ nhiều đơn vị trực thuộc.";
const EXTENSION: &str = "Cần thêm thời gian đối chiếu số liệu với các huyện.";
const TRANSFER: &str = "Nội dung thuộc thẩm quyền của Sở Y tế.";
const COMPLAINT: &str = "Lý do từ chối không phù hợp với nội dung đề nghị.";

/// Subjects, by the agency asked.
const SUBJECTS: [(&str, &str); 12] = [
    ("SYT", "Số ca sốt xuất huyết năm 2026"),
    ("SYT", "Tình hình cung ứng thuốc tại các bệnh viện tuyến huyện"),
    ("SYT", "Kết quả thanh tra an toàn thực phẩm quý III"),
    ("SYT", "Tiến độ tiêm chủng mở rộng"),
    ("SGDDT", "Số giáo viên còn thiếu năm học 2026–2027"),
    ("SGDDT", "Các khoản thu đầu năm học tại trường công lập"),
    ("SGDDT", "Kết quả tuyển sinh lớp 10"),
    ("CA", "Số vụ tai nạn giao thông trên quốc lộ 3"),
    ("CA", "Kết quả xử lý vi phạm nồng độ cồn"),
    ("CA", "Tình hình tội phạm lừa đảo qua mạng"),
    ("STC", "Giải ngân vốn đầu tư công 9 tháng"),
    ("SXD", "Cấp phép xây dựng khu đô thị mới"),
];

/// A story: one request's filing and the steps after it.
struct Story {
    agency: &'static str,
    kind: RequestKind,
    subject: &'static str,
    filed_at: DateTime<Utc>,
    moves: Vec<(DateTime<Utc>, Move)>,
}

fn stories(rng: &mut StdRng, now: DateTime<Utc>) -> Vec<Story> {
    let mut plots: Vec<Plot> = PLOTS.iter().flat_map(|(p, n)| std::iter::repeat_n(*p, *n as usize)).collect();
    plots.extend([Plot::Unroutable; 3]);
    plots
        .into_iter()
        .enumerate()
        .map(|(i, plot)| {
            let (from, to) = plot.ages();
            let age = TimeDelta::minutes(rng.random_range(from * 24 * 60..=to * 24 * 60 + 60).max(30));
            let filed_at = now - age;
            // The last two subjects are for agencies nobody speaks for.
            let routable = &SUBJECTS[..SUBJECTS.len() - 2];
            let (agency, subject) = match plot {
                Plot::Unroutable => SUBJECTS[SUBJECTS.len() - 1 - i % 2],
                // A transfer starts at the education department and moves to health.
                Plot::Transferred => ("SGDDT", "Kết quả khám sức khỏe học sinh đầu năm"),
                _ => routable[rng.random_range(0..routable.len())],
            };
            // Mostly reporters' requests; some of the older, settled ones are
            // the other kinds, with their own clocks.
            let kind = match (plot, i % 9) {
                (Plot::Answered(_), 0) => RequestKind::PressReply,
                (Plot::Answered(_), 4) => RequestKind::Complaint,
                _ => RequestKind::Information,
            };
            let moves = plot
                .moves()
                .into_iter()
                .map(|(hours, m)| (filed_at + TimeDelta::hours(hours), m))
                .filter(|(at, _)| *at < now)
                .collect();
            Story { agency, kind, subject, filed_at, moves }
        })
        .collect()
}

/// What happens, in time order: filings, steps and the sweep of each morning.
enum Happening {
    File(usize),
    Step(usize, Move),
    Sweep,
}

/// Loads the history. The demo accounts must exist (created before
/// `HISTORY_DAYS`); the sessions opened to act for them are closed again.
pub fn load(conn: &mut DbConn, env: Env<'_>, seed: u64) -> AppResult<HistorySummary> {
    let now = env.now;
    let mut rng = StdRng::seed_from_u64(seed);
    let stories = stories(&mut rng, now);
    let cast = Cast::open(conn, env)?;

    let mut happenings: Vec<(DateTime<Utc>, Happening)> = Vec::new();
    for (i, s) in stories.iter().enumerate() {
        happenings.push((s.filed_at, Happening::File(i)));
        happenings.extend(s.moves.iter().cloned().map(|(at, m)| (at, Happening::Step(i, m))));
    }
    let mut morning = (now - TimeDelta::days(HISTORY_DAYS)).with_hour(1).unwrap_or(now);
    while morning < now {
        happenings.push((morning, Happening::Sweep));
        morning += TimeDelta::days(1);
    }
    happenings.sort_by_key(|(at, _)| *at);

    let mut ids: HashMap<usize, Id> = HashMap::new();
    let mut summary = HistorySummary::default();
    for (at, h) in happenings {
        let env = Env { now: at, ..env };
        match h {
            Happening::File(i) => {
                let s = &stories[i];
                let agency = cast.agency_ids.get(s.agency).ok_or_else(AppError::not_found)?;
                let filed = file::file(
                    conn,
                    env,
                    &cast.reporter,
                    &FileInput {
                        agency_id: agency.clone(),
                        kind: s.kind.as_str().into(),
                        subject: s.subject.into(),
                        body: format!("Kính gửi {}: đề nghị cung cấp thông tin về {}.", s.agency, s.subject),
                    },
                    None,
                )?;
                ids.insert(i, filed.id);
                summary.requests += 1;
            }
            Happening::Step(i, m) => {
                let id = ids.get(&i).ok_or_else(AppError::not_found)?.clone();
                match step(conn, env, &cast, &id, m) {
                    Ok(()) => summary.steps += 1,
                    // A step the rules refuse at that moment (a window that has
                    // closed, an escalation already settled) is left out.
                    Err(
                        e @ (AppError::InvalidTransition(_)
                        | AppError::Refused { .. }
                        | AppError::Validation(_)
                        | AppError::NotFound(_)),
                    ) => {
                        tracing::debug!(error = %e, "demo history: a step was left out");
                        summary.left_out += 1;
                    }
                    Err(e) => return Err(e),
                }
            }
            Happening::Sweep => {
                sweeper::sweep(conn, env)?;
            }
        }
    }
    cast.close(conn, env)?;
    Ok(summary)
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct HistorySummary {
    pub requests: usize,
    pub steps: usize,
    pub left_out: usize,
}

fn step(conn: &mut DbConn, env: Env<'_>, cast: &Cast, id: &Id, m: Move) -> AppResult<()> {
    match m {
        Move::Act(who, input) => {
            let row = requests::get(conn, id.as_str())?.ok_or_else(AppError::not_found)?;
            let p = match who {
                Who::Reporter => &cast.reporter,
                Who::Agency => cast.spokespeople.get(&row.agency_id).ok_or_else(AppError::not_found)?,
            };
            let mut input = input;
            if input.action == "transfer" {
                input.agency_id = cast.agency_ids.get("SYT").cloned();
            }
            if input.action == "refuse" {
                let pack = env.rules.pack_of(&row.policy_version, super::requests::utc(row.received_at));
                let grounds = pack.grounds_for(row.kind);
                let i: usize = input.ground.as_deref().and_then(|g| g.parse().ok()).unwrap_or(0);
                input.ground = grounds.get(i % grounds.len().max(1)).map(|g| g.code.clone());
            }
            act::act(conn, env, p, id, &input).map(|_| ())
        }
        Move::Department { action, text, order_days } => {
            let esc = requests::open_escalation(conn, id.as_str())?.ok_or_else(AppError::not_found)?;
            let esc_id = Id::parse(&esc.id).ok_or_else(AppError::not_found)?;
            let text = Some(text.to_string()).filter(|t| !t.is_empty());
            let a = EscalationAction {
                action: action.into(),
                user_id: (action == "assign").then(|| cast.staff.user.id.clone()),
                body: None,
                due_at: (order_days > 0).then(|| (env.now + TimeDelta::days(order_days)).to_rfc3339()),
                reason: text.clone(),
                resolution: text,
            };
            escalations::act(conn, env, &cast.staff, &esc_id, &a).map(|_| ())
        }
    }
}

/// The demo accounts, signed in for the time of loading.
struct Cast {
    reporter: Principal,
    staff: Principal,
    /// The primary spokesperson of each agency that has one, by agency id.
    spokespeople: HashMap<String, Principal>,
    /// Agency ids by code.
    agency_ids: HashMap<&'static str, String>,
}

impl Cast {
    fn open(conn: &mut DbConn, env: Env<'_>) -> AppResult<Cast> {
        let tng = jurisdictions::by_code(conn, "TNG")?.ok_or_else(AppError::not_found)?;
        let mut agency_ids = HashMap::new();
        for code in ["SYT", "SGDDT", "CA", "STC", "SXD"] {
            let a = agencies::by_code(conn, &tng.id, code)?.ok_or_else(AppError::not_found)?;
            agency_ids.insert(code, a.id);
        }
        let sign_in = |conn: &mut DbConn, email: &str| -> AppResult<Principal> {
            let user = users::by_email(conn, email)?.ok_or_else(AppError::not_found)?;
            let login = login::open_session_for(conn, env, &user.id, Some("demo"))?;
            accounts::authenticate(conn, env, &login.token)?.ok_or_else(AppError::not_found)
        };
        let mut spokespeople = HashMap::new();
        for (code, email) in [
            ("SYT", "phatngon.syt@thainguyen.example.vn"),
            ("SGDDT", "phatngon.sgddt@thainguyen.example.vn"),
            ("CA", "phatngon.ca@thainguyen.example.vn"),
        ] {
            spokespeople.insert(agency_ids[code].clone(), sign_in(conn, email)?);
        }
        Ok(Cast {
            reporter: sign_in(conn, "phongvien@baothainguyen.example.vn")?,
            staff: sign_in(conn, "canbo.so@thainguyen.example.vn")?,
            spokespeople,
            agency_ids,
        })
    }

    fn close(self, conn: &mut DbConn, env: Env<'_>) -> AppResult<()> {
        for p in [&self.reporter, &self.staff].into_iter().chain(self.spokespeople.values()) {
            accounts::logout(conn, env, &p.session_id)?;
        }
        Ok(())
    }
}
