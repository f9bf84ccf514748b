//! Every kind of notice rendered in both languages from fixed inputs, against
//! the reviewed snapshots in `snapshots/`. A change to a mail's wording or
//! layout shows up here as a diff to review.

use chrono::{DateTime, Utc};

use super::notice::{ByLocale, Decision, DueLine, Notice, RequestEvent as E, RequestFacts, Side, render};
use crate::domain::account::{Locale, Role};
use crate::domain::request::Outcome;

const BASE: &str = "https://tiepcan.example/";

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).map(|d| d.with_timezone(&Utc)).unwrap_or_default()
}

fn request() -> RequestFacts {
    RequestFacts {
        id: "01J0REQUEST".into(),
        reference: "HN-2026-000042".into(),
        // Text a reporter typed: placeholders in it stay as typed.
        subject: "Kế hoạch {reporter} <giải tỏa>".into(),
        kind: crate::domain::kind::RequestKind::Information,
        agency: ByLocale { vi: "Sở Xây dựng Hà Nội".into(), en: "Hanoi Department of Construction".into() },
    }
}

/// Due at 24:00 on 12/05/2026, Vietnam time, with a two-line explanation.
fn deadline() -> DueLine {
    DueLine {
        due: Some(at("2026-05-12T17:00:00Z")),
        steps: ByLocale {
            vi: vec!["Nhận ngày 05/05/2026.".into(), "Hạn 5 ngày làm việc.".into()],
            en: vec!["Received on 05/05/2026.".into(), "5 working days.".into()],
        },
    }
}

fn about(event: E) -> Notice {
    Notice::Request { name: Some("Nguyễn Văn An".into()), request: request(), event }
}

/// A mail to a Department's shared address, greeted by the Department's name.
fn to_department(event: E) -> Notice {
    Notice::Request { name: Some("Sở Thông tin và Truyền thông Hà Nội".into()), request: request(), event }
}

/// Subject, then the plain-text body, in each language.
fn check(name: &str, notice: &Notice) {
    for locale in [Locale::Vi, Locale::En] {
        let Ok(r) = render(notice, locale, BASE) else { panic!("{name} renders") };
        let shown = format!("kind: {}\nsubject: {}\n\n{}", notice.kind(), r.subject, r.text);
        insta::assert_snapshot!(format!("{name}.{}", locale.as_str()), shown);
    }
}

fn check_html(name: &str, notice: &Notice) {
    for locale in [Locale::Vi, Locale::En] {
        let Ok(r) = render(notice, locale, BASE) else { panic!("{name} renders") };
        insta::assert_snapshot!(format!("{name}.{}.html", locale.as_str()), r.html);
    }
}

#[test]
fn inbound_answer_confirmation() {
    check(
        "mail_answer_recorded",
        &Notice::MailAnswerRecorded {
            name: "Trần Thị Bình".into(),
            reference: "TNG-2026-000042".into(),
            subject: "Số ca sốt xuất huyết".into(),
            token: "chg654".into(),
        },
    );
}

#[test]
fn account_notices() {
    check("verify_email", &Notice::VerifyEmail { name: "Nguyễn Văn An".into(), token: "tok123".into() });
    check("register_taken", &Notice::RegisterTaken { name: "Nguyễn Văn An".into() });
    let invite = |agencies: Vec<String>| Notice::Invite {
        name: "Trần Thị Bình".into(),
        inviter: "Lê Văn Cường".into(),
        role: Role::Spokesperson,
        agencies,
        token: "inv456".into(),
    };
    check("invite", &invite(vec!["Sở Xây dựng Hà Nội".into(), "UBND quận Hoàn Kiếm".into()]));
    check("invite_no_agency", &invite(vec![]));
    check("password_reset", &Notice::PasswordReset { name: "Nguyễn Văn An".into(), token: "rst789".into() });
    check(
        "email_change_confirm",
        &Notice::EmailChangeConfirm {
            name: "Nguyễn Văn An".into(),
            new_email: "an.moi@baomoi.example".into(),
            token: "chg321".into(),
        },
    );
    check(
        "email_change_requested",
        &Notice::EmailChangeRequested { name: "Nguyễn Văn An".into(), new_email: "an.moi@baomoi.example".into() },
    );
}

#[test]
fn filing_notices() {
    check("receipt", &about(E::Receipt { deadline: deadline() }));
    check(
        "new",
        &about(E::New {
            reporter: "Nguyễn Văn An".into(),
            outlet: "Báo Tuổi Trẻ".into(),
            body: "Xin cho biết {subject} & <tiến độ>.".into(),
            deadline: deadline(),
        }),
    );
    let paused = DueLine { due: None, steps: ByLocale::same(vec![]) };
    check("receipt_paused", &about(E::Receipt { deadline: paused }));
}

#[test]
fn action_notices() {
    check("acknowledge", &about(E::Acknowledge { deadline: deadline() }));
    check("mark_complex", &about(E::MarkComplex { reason: "Cần tổng hợp từ 3 đơn vị.".into(), deadline: deadline() }));
    check("request_clarification", &about(E::RequestClarification { question: "Giai đoạn nào?".into() }));
    check("clarify", &about(E::Clarify { body: "Giai đoạn 2024–2025.".into(), deadline: deadline() }));
    check("extend", &about(E::Extend { reason: "Chờ số liệu.".into(), deadline: deadline() }));
    check("reply", &about(E::Reply { outcome: Outcome::Partial, body: "Số liệu đính kèm.".into() }));
    check(
        "refuse",
        &about(E::Refuse {
            ground: "state_secret".into(),
            ground_title: ByLocale { vi: "Bí mật nhà nước".into(), en: "State secret".into() },
            citation: ByLocale { vi: "Điều 6 Luật TCTT".into(), en: "Art. 6 of the Access Law".into() },
            reasons: "Tài liệu mật.".into(),
        }),
    );
    check(
        "transfer",
        &about(E::Transfer {
            old_agency: "UBND quận Hoàn Kiếm".into(),
            reason: "Sai thẩm quyền.".into(),
            deadline: deadline(),
        }),
    );
    check("withdraw", &about(E::Withdraw));
    check("complain", &about(E::Complain { reason: "Quá hạn mà không trả lời.".into() }));
}

#[test]
fn escalation_notices() {
    for reason in ["unroutable", "complaint", "overdue"] {
        let event = E::Escalated { reason: reason.into(), reporter: "Nguyễn Văn An".into() };
        check(&format!("escalated_{reason}"), &to_department(event));
    }
    for (side, name) in [(Side::In, "escalation_moved_in"), (Side::Out, "escalation_moved_out")] {
        let event = E::EscalationMoved {
            side,
            old_agency: ByLocale { vi: "UBND quận Hoàn Kiếm".into(), en: "Hoan Kiem District".into() },
            old_province: "Hà Nội".into(),
            province: "Hải Phòng".into(),
            reason: "complaint".into(),
        };
        check(name, &to_department(event));
    }
    let due = Some(at("2026-06-01T10:00:00Z"));
    let note = Some("Trả lời trước ngày 01/06.".to_string());
    check("decided_order_response", &about(E::Decided { decision: Decision::OrderResponse, due, note: note.clone() }));
    check("decided_resolve", &about(E::Decided { decision: Decision::Resolve, due: None, note: note.clone() }));
    check("decided_dismiss", &about(E::Decided { decision: Decision::Dismiss, due: None, note }));
}

#[test]
fn sweeper_notices() {
    let left = ByLocale { vi: "còn 2 ngày làm việc".into(), en: "2 working days left".into() };
    check("reminder", &about(E::Reminder { due: at("2026-05-12T17:00:00Z"), left }));
    check("overdue", &about(E::Overdue { due: at("2026-05-12T17:00:00Z") }));
    check("review_overdue", &to_department(E::ReviewOverdue));
    check("deadline_changed", &about(E::DeadlineChanged { deadline: deadline() }));
    let plain = Notice::Request { name: None, request: request(), event: E::ReviewOverdue };
    check("review_overdue_unnamed", &plain);
}

#[test]
fn html_layout_escapes_what_people_typed() {
    check_html("verify_email", &Notice::VerifyEmail { name: "An <b>".into(), token: "tok123".into() });
    check_html(
        "new",
        &about(E::New {
            reporter: "Nguyễn Văn An".into(),
            outlet: "Báo Tuổi Trẻ".into(),
            body: "Xin cho biết {subject} & <tiến độ>.".into(),
            deadline: deadline(),
        }),
    );
}
