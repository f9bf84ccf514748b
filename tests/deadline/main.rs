//! Golden table of the deadline engine: each case is named by the rule it checks and its citation
//! (lai = Luật Tiếp cận thông tin 2016, pl = Luật Báo chí 2016, nd09 = Nghị định 09/2017/NĐ-CP,
//! blds = Bộ luật Dân sự 2015, tb/vpcp = the official calendars of LEGAL.md). Times are local (UTC+7).
// Test names separate the rule from its citation with a double underscore.
#![allow(non_snake_case)]

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

use tiepcan::domain::account::Locale;
use tiepcan::domain::calendar::{Calendar, end_of_local_day};
use tiepcan::domain::deadline::{self, ClockEvent, Deadline, Step, compute};
use tiepcan::domain::kind::RequestKind;
use tiepcan::domain::kind::RequestKind::{Complaint, Event, Information, PressReply};
use tiepcan::domain::policy::{PolicyPack, PolicySet};
use tiepcan::i18n::Tr;
use tiepcan::service::explain::steps_text;

mod bases;

/// A local (Vietnam) instant, "YYYY-MM-DD HH:MM".
fn vn(s: &str) -> DateTime<Utc> {
    let local = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("local instant");
    local.and_utc() - chrono::Duration::hours(7)
}

/// 24:00 local of a date, "YYYY-MM-DD".
fn end_of(s: &str) -> Option<DateTime<Utc>> {
    Some(end_of_local_day(NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")))
}

fn rec(s: &str) -> ClockEvent {
    ClockEvent::Received { at: vn(s) }
}
fn ask(s: &str) -> ClockEvent {
    ClockEvent::ClarificationRequested { at: vn(s) }
}
fn clarified(s: &str) -> ClockEvent {
    ClockEvent::Clarified { at: vn(s) }
}
fn complex(s: &str) -> ClockEvent {
    ClockEvent::MarkedComplex { at: vn(s) }
}
fn extend(s: &str) -> ClockEvent {
    ClockEvent::Extended { at: vn(s) }
}
fn transfer(s: &str) -> ClockEvent {
    ClockEvent::Transferred { at: vn(s) }
}
fn order(s: &str, due: &str) -> ClockEvent {
    ClockEvent::ResponseOrdered { at: vn(s), due_at: vn(due) }
}
fn stop(s: &str) -> ClockEvent {
    ClockEvent::Stopped { at: vn(s) }
}

/// The pack in force at the receipt, as the service picks it.
fn pack_for(events: &[ClockEvent]) -> &'static PolicyPack {
    PolicySet::embedded().in_force(events[0].at())
}

fn run(kind: RequestKind, events: &[ClockEvent]) -> Deadline {
    compute(pack_for(events), &Calendar::embedded(), kind, Some("TNG/UBND"), events)
}

/// The explanation ends at the due instant and reads in both languages without a missing text.
fn check_explanation(dl: &Deadline) -> (Vec<String>, Vec<String>) {
    match (dl.steps.last(), dl.due_at) {
        (Some(Step::Due { at }), Some(due)) => assert_eq!(*at, due),
        (Some(Step::NoDueInstant { .. }), None) => {}
        other => panic!("the explanation does not end at the due instant: {other:?}"),
    }
    let vi = steps_text(dl, &Tr::new(Locale::Vi));
    let en = steps_text(dl, &Tr::new(Locale::En));
    for line in vi.iter().chain(&en) {
        assert!(!line.contains("deadline.") && !line.contains('{'), "untranslated: {line}");
    }
    (vi, en)
}

macro_rules! golden {
    ($($name:ident: $kind:expr, [$($ev:expr),* $(,)?] => $due:expr;)*) => {$(
        #[test]
        fn $name() {
            let events = vec![$($ev),*];
            let dl = run($kind, &events);
            assert_eq!(dl.due_at, $due, "{:#?}", dl.steps);
            check_explanation(&dl);
        }
    )*};
}

golden! {
    // --- information: 3 working days from the day after receipt (LAI Art. 30(3); Civil Code Arts. 147-148).
    information_friday_afternoon_counts_mon_tue_wed__lai_30_3:
        Information, [rec("2026-03-06 15:00")] => end_of("2026-03-11");
    information_monday_morning_counts_tue_wed_thu__lai_30_3__blds_147:
        Information, [rec("2026-03-02 08:00")] => end_of("2026-03-05");
    information_design_example_skips_27_4_and_30_4_1_5_2026__lai_30_3__vpcp_12729:
        Information, [rec("2026-04-24 14:05")] => end_of("2026-05-04");
    information_before_tet_2026_skips_the_whole_break_14_2_to_22_2__lai_30_3__tb_9441:
        Information, [rec("2026-02-12 10:00")] => end_of("2026-02-24");
    information_received_on_mung_1_tet_2026_counts_after_the_break__lai_30_3:
        Information, [rec("2026-02-17 09:00")] => end_of("2026-02-25");
    information_received_on_1_1_2026_skips_the_swapped_day_2_1__lai_30_3__tb_9441:
        Information, [rec("2026-01-01 10:00")] => end_of("2026-01-07");
    information_counts_the_swapped_working_saturday_10_1_2026__lai_30_3__tb_9441:
        Information, [rec("2026-01-08 10:00")] => end_of("2026-01-12");
    information_counts_the_swapped_working_saturday_22_8_2026__lai_30_3__tb_9441:
        Information, [rec("2026-08-20 10:00")] => end_of("2026-08-24");
    information_national_day_2026_skips_31_8_1_9_2_9__lai_30_3__tb_9441:
        Information, [rec("2026-08-28 10:00")] => end_of("2026-09-07");
    information_2025_counts_the_working_saturday_26_4__lai_30_3__tb_6150:
        Information, [rec("2025-04-24 10:00")] => end_of("2025-04-28");
    information_2025_skips_30_4_1_5_and_the_swapped_2_5__lai_30_3__tb_6150:
        Information, [rec("2025-04-29 10:00")] => end_of("2025-05-07");
    information_filed_23_30_local_counts_from_the_next_local_day__blds_147:
        Information, [rec("2026-03-02 23:30")] => end_of("2026-03-05");
    information_filed_00_30_local_counts_one_day_later__blds_147:
        Information, [rec("2026-03-03 00:30")] => end_of("2026-03-06");
    information_filed_at_00_00_local_belongs_to_that_day__blds_147:
        Information, [rec("2026-03-03 00:00")] => end_of("2026-03-06");

    // --- event: 24 hours from the moment, calendar time (Decree 09 Art. 6; QĐ 25/2013; Civil Code Art. 147).
    event_24_hours_from_saturday_runs_through_the_weekend__nd09_6__blds_147:
        Event, [rec("2026-03-07 10:00")] => Some(vn("2026-03-08 10:00"));
    event_friday_evening_is_due_saturday_evening__nd09_6__blds_147:
        Event, [rec("2026-03-06 18:00")] => Some(vn("2026-03-07 18:00"));
    event_across_tet_2026_runs_through_the_holiday__nd09_6__blds_147:
        Event, [rec("2026-02-16 20:00")] => Some(vn("2026-02-17 20:00"));
    event_clarification_pauses_and_resumes_with_the_hours_left__nd09_6__product_rule:
        Event, [rec("2026-03-02 10:00"), ask("2026-03-02 14:00"), clarified("2026-03-03 09:00")]
            => Some(vn("2026-03-04 05:00"));
    event_awaiting_clarification_has_no_due_instant__product_rule:
        Event, [rec("2026-03-02 10:00"), ask("2026-03-02 14:00")] => None;
    event_transfer_starts_24_hours_again__lai_28_1_unconfirmed:
        Event, [rec("2026-03-02 10:00"), transfer("2026-03-02 20:00")] => Some(vn("2026-03-03 20:00"));

    // --- press_reply and complaint: 30 calendar days, rolled to the next working day (Press Law Art. 39(2);
    // Civil Code Art. 148).
    press_reply_30_days_ending_on_a_working_day__pl_39_2:
        PressReply, [rec("2026-03-02 10:00")] => end_of("2026-04-01");
    press_reply_30_days_ending_on_saturday_rolls_to_monday__pl_39_2__blds_148:
        PressReply, [rec("2026-03-05 10:00")] => end_of("2026-04-06");
    press_reply_ending_on_30_4_2026_rolls_past_1_5_and_the_weekend__pl_39_2__blds_148:
        PressReply, [rec("2026-03-31 10:00")] => end_of("2026-05-04");
    press_reply_ending_on_the_swapped_working_saturday_10_1_2026_does_not_roll__blds_148__tb_9441:
        PressReply, [rec("2025-12-11 10:00")] => end_of("2026-01-10");
    press_reply_filed_23_30_vs_00_30_local_differs_by_a_day__blds_147:
        PressReply, [rec("2026-03-01 23:30")] => end_of("2026-03-31");
    press_reply_filed_00_30_local_next_day_ends_a_day_later__blds_147:
        PressReply, [rec("2026-03-02 00:30")] => end_of("2026-04-01");
    press_reply_has_no_extension_so_an_extension_changes_nothing__pl_39_2:
        PressReply, [rec("2026-03-02 10:00"), extend("2026-03-10 10:00")] => end_of("2026-04-01");
    complaint_30_days_ending_in_the_tet_2026_break_rolls_to_23_2__pl_39_2__blds_148:
        Complaint, [rec("2026-01-16 10:00")] => end_of("2026-02-23");
    complaint_ending_on_31_8_2026_rolls_past_national_day_to_3_9__pl_39_2__blds_148:
        Complaint, [rec("2026-08-01 10:00")] => end_of("2026-09-03");
    complaint_clarification_pauses_with_the_days_left__pl_39_2__product_rule:
        Complaint, [rec("2026-03-02 10:00"), ask("2026-03-04 10:00"), clarified("2026-03-09 10:00")]
            => end_of("2026-04-06");

    // --- clarification of an information request: a valid request starts the clock (LAI 2016).
    information_clarification_restarts_from_the_clarification__lai_valid_request:
        Information, [rec("2026-03-02 10:00"), ask("2026-03-03 10:00"), clarified("2026-03-06 10:00")]
            => end_of("2026-03-11");
    information_awaiting_clarification_has_no_due_instant__lai_valid_request:
        Information, [rec("2026-03-02 10:00"), ask("2026-03-03 10:00")] => None;

    // --- complex requests (LAI Art. 31): notice within 3 working days, then 15 working days from receipt.
    information_marked_complex_in_the_window_gets_15_working_days_from_receipt__lai_31:
        Information, [rec("2026-03-02 10:00"), complex("2026-03-05 16:00")] => end_of("2026-03-23");
    information_marked_complex_after_the_window_changes_nothing__lai_31:
        Information, [rec("2026-03-02 10:00"), complex("2026-03-06 09:00")] => end_of("2026-03-05");
    information_complex_across_tet_2026_skips_the_break__lai_31__tb_9441:
        Information, [rec("2026-02-09 10:00"), complex("2026-02-10 10:00")] => end_of("2026-03-09");

    // --- extensions (LAI Art. 31: up to 15 days, notified within the period; working days chosen,
    // unconfirmed; "once" is a rule of the service).
    information_extension_adds_15_working_days_after_the_due_date__lai_31:
        Information, [rec("2026-03-02 10:00"), extend("2026-03-04 10:00")] => end_of("2026-03-26");
    information_extension_at_the_last_minute_of_the_period_is_in_time__lai_31:
        Information, [rec("2026-03-02 10:00"), extend("2026-03-05 23:59")] => end_of("2026-03-26");
    information_extension_after_the_due_instant_is_no_extension__lai_31:
        Information, [rec("2026-03-02 10:00"), extend("2026-03-06 10:00")] => end_of("2026-03-05");
    information_extension_after_the_department_ordered_a_date_changes_nothing__lai_31__escalation_order:
        Information, [rec("2026-03-02 10:00"), order("2026-03-10 09:00", "2026-03-13 17:00"), extend("2026-03-11 10:00")]
            => Some(vn("2026-03-13 17:00"));
    information_second_extension_is_refused__service_rule_one_extension:
        Information, [rec("2026-03-02 10:00"), extend("2026-03-04 10:00"), extend("2026-03-20 10:00")]
            => end_of("2026-03-26");
    information_complex_then_extended_counts_after_the_complex_due_date__lai_31:
        Information, [rec("2026-03-02 10:00"), complex("2026-03-03 10:00"), extend("2026-03-20 10:00")]
            => end_of("2026-04-13");

    // --- transfer: a new receipt by the competent agency (LAI Art. 28(1), effect unconfirmed).
    information_transfer_restarts_from_the_transfer__lai_28_1_unconfirmed:
        Information, [rec("2026-03-02 10:00"), transfer("2026-03-04 15:00")] => end_of("2026-03-09");
    information_transfer_drops_a_complex_marking__lai_28_1_unconfirmed:
        Information, [rec("2026-03-02 10:00"), complex("2026-03-03 10:00"), transfer("2026-03-04 15:00")]
            => end_of("2026-03-09");

    // --- the Department's order and the end of the clock.
    department_order_sets_the_due_instant__escalation_order:
        Information, [rec("2026-03-02 10:00"), order("2026-03-10 09:00", "2026-03-13 17:00")]
            => Some(vn("2026-03-13 17:00"));
    department_order_ends_a_pending_clarification__escalation_order:
        PressReply, [rec("2026-03-02 10:00"), ask("2026-03-03 10:00"), order("2026-03-20 09:00", "2026-03-25 17:00")]
            => Some(vn("2026-03-25 17:00"));
    stopped_keeps_the_due_instant_for_the_record_and_ignores_later_events:
        Information, [rec("2026-03-02 10:00"), stop("2026-03-04 10:00"), extend("2026-03-04 11:00")]
            => end_of("2026-03-05");
    stopped_while_awaiting_clarification_has_no_due_instant:
        Information, [rec("2026-03-02 10:00"), ask("2026-03-03 10:00"), stop("2026-03-04 10:00")] => None;

    // --- outside office hours: counted as received (the default setting of the packs; a service rule).
    information_received_friday_23_00_counts_mon_tue_wed__blds_147_3__service_rule_outside_hours:
        Information, [rec("2026-03-06 23:00")] => end_of("2026-03-11");
    information_received_saturday_10_00_counts_mon_tue_wed__blds_147_3__service_rule_outside_hours:
        Information, [rec("2026-03-07 10:00")] => end_of("2026-03-11");

    // --- the calendar of 2027 and 2028 (no official schedule: computed, unconfirmed).
    information_across_tet_2027_skips_29_chap_to_mung_4_and_the_days_in_lieu_5_2_to_11_2__lai_30_3__precedent_2024:
        Information, [rec("2027-02-04 10:00")] => end_of("2027-02-16");
    information_across_new_year_2027_skips_1_1_2027__lai_30_3__unconfirmed_2027:
        Information, [rec("2026-12-31 10:00")] => end_of("2027-01-06");
    information_in_2028_skips_the_computed_tet__lai_30_3__unconfirmed_2028:
        Information, [rec("2028-01-24 10:00")] => end_of("2028-02-03");
}

fn steps_of(kind: RequestKind, events: &[ClockEvent]) -> (Deadline, Vec<String>, Vec<String>) {
    let dl = run(kind, events);
    let (vi, en) = check_explanation(&dl);
    (dl, vi, en)
}

#[test]
fn design_example_explains_each_day__lai_30_3__blds_147_148() {
    let (_, vi, en) = steps_of(Information, &[rec("2026-04-24 14:05")]);
    assert_eq!(en.len(), 4, "{en:#?}");
    assert!(en[0].starts_with("Received on Fri 24/04/2026 14:05"), "{}", en[0]);
    assert!(en[1].contains("Sat 25/04/2026") && en[1].contains("Bộ luật Dân sự 2015, Điều 147"), "{}", en[1]);
    assert!(en[2].starts_with("3 working days ("), "{}", en[2]);
    assert!(en[2].contains("Luật Tiếp cận thông tin 2016, Điều 30(3)"), "{}", en[2]);
    assert!(en[2].contains("Tue 28/04/2026, Wed 29/04/2026 and Mon 04/05/2026"), "{}", en[2]);
    assert!(en[2].contains("Mon 27/04/2026 (Nghỉ bù Giỗ Tổ Hùng Vương)"), "{}", en[2]);
    assert!(en[2].contains("Thu 30/04/2026 (Ngày Chiến thắng)"), "{}", en[2]);
    assert!(en[2].contains("Fri 01/05/2026 (Ngày Quốc tế Lao động)"), "{}", en[2]);
    assert_eq!(en[3], "Due Mon 04/05/2026 24:00 (Vietnam time).");
    assert_eq!(vi[3], "Hạn trả lời: thứ Hai 04/05/2026 24:00 (giờ Việt Nam).");
}

#[test]
fn due_at_24_00_local_is_17_00_utc__blds_148() {
    let dl = run(Information, &[rec("2026-03-06 15:00")]);
    assert_eq!(dl.due_at.unwrap().to_rfc3339(), "2026-03-11T17:00:00+00:00");
}

#[test]
fn policy_received_30_6_2026_23_59_local_keeps_the_2017_pack__press_law_2025_in_force_1_7_2026() {
    let events = [rec("2026-06-30 23:59")];
    let dl = run(Information, &events);
    assert_eq!(dl.policy_version, "2017-decree-09");
    assert_eq!(dl.due_at, end_of("2026-07-03"));
    let (_, _, en) = steps_of(Information, &events);
    assert!(en[0].contains("Press Law 2016 and Decree 09/2017/ND-CP"), "{}", en[0]);
    // Received at 23:59, outside office hours: the working days are the fourth step.
    assert!(en[3].starts_with("3 working days") && en[3].contains("Luật Báo chí 2016"), "{}", en[3]);
}

#[test]
fn policy_received_1_7_2026_00_00_local_gets_the_press_law_2025_pack__press_law_2025_in_force_1_7_2026() {
    let events = [rec("2026-07-01 00:00")];
    let dl = run(Information, &events);
    assert_eq!(dl.policy_version, "2026-07-press-law-2025");
    assert_eq!(dl.due_at, end_of("2026-07-06"));
    let (_, _, en) = steps_of(Information, &events);
    assert!(en[3].contains("Luật Báo chí 2025") && en[3].contains("chưa xác nhận"), "{}", en[3]);
}

#[test]
fn policy_pack_is_chosen_by_the_local_date_not_the_utc_one() {
    // 30/6/2026 17:00 UTC is 1/7/2026 00:00 in Vietnam.
    let at: DateTime<Utc> = "2026-06-30T17:00:00Z".parse().unwrap();
    assert_eq!(PolicySet::embedded().in_force(at).version, "2026-07-press-law-2025");
    assert_eq!(PolicySet::embedded().in_force(at - chrono::Duration::seconds(1)).version, "2017-decree-09");
}

#[test]
fn unconfirmed_2028_says_so_in_the_explanation__labour_code_112() {
    let (dl, vi, en) = steps_of(Information, &[rec("2028-01-24 10:00")]);
    assert_eq!(dl.unconfirmed_years(), [2028]);
    assert!(en.iter().any(|l| l.contains("calendar of 2028 is not an official")), "{en:#?}");
    assert!(vi.iter().any(|l| l.contains("Lịch nghỉ năm 2028 chưa phải lịch chính thức")), "{vi:#?}");
    assert!(en.iter().any(|l| l.contains("Tue 25/01/2028 – Sat 29/01/2028 (Tết Nguyên Đán)")), "{en:#?}");
    assert!(en.iter().any(|l| l.contains("Mon 31/01/2028 (Nghỉ bù Tết Nguyên Đán)")), "{en:#?}");
}

#[test]
fn unconfirmed_2027_is_named_but_a_confirmed_2026_is_not() {
    let (dl, _, _) = steps_of(Information, &[rec("2026-12-31 10:00")]);
    assert_eq!(dl.unconfirmed_years(), [2027]);
    let (dl, _, _) = steps_of(Information, &[rec("2026-12-01 10:00")]);
    assert!(dl.unconfirmed_years().is_empty());
    // Hours do not use the calendar: nothing to say about 2028.
    let (dl, _, _) = steps_of(Event, &[rec("2028-01-26 10:00")]);
    assert!(dl.unconfirmed_years().is_empty());
    assert_eq!(dl.due_at, Some(vn("2028-01-27 10:00")));
}

#[test]
fn complex_notice_window_ends_24_00_of_the_third_working_day__lai_31() {
    let pack = pack_for(&[rec("2026-03-02 10:00")]);
    let cal = Calendar::embedded();
    let until = deadline::complex_notice_until(pack, &cal, Information, None, vn("2026-03-02 10:00"));
    assert_eq!(until, end_of("2026-03-05"));
    // Friday before Tết 2026: Mon 23/2, Tue 24/2, Wed 25/2.
    let until = deadline::complex_notice_until(pack, &cal, Information, None, vn("2026-02-13 10:00"));
    assert_eq!(until, end_of("2026-02-25"));
    assert_eq!(deadline::complex_notice_until(pack, &cal, PressReply, None, vn("2026-03-02 10:00")), None);
}

#[test]
fn second_extension_is_refused_with_a_step__service_rule_one_extension() {
    let (dl, _, en) =
        steps_of(Information, &[rec("2026-03-02 10:00"), extend("2026-03-04 10:00"), extend("2026-03-20 10:00")]);
    assert!(dl.steps.iter().any(|s| matches!(s, Step::ExtensionRefused { max_count: 1, .. })));
    let refused = en.iter().find(|l| l.contains("the 1 extension(s) allowed were already used")).expect("a step");
    assert!(refused.contains("(a rule of this service, not a legal requirement: "), "{refused}");
}

#[test]
fn extension_after_the_due_instant_is_no_extension_and_says_why__lai_31() {
    let (dl, vi, en) = steps_of(Information, &[rec("2026-03-02 10:00"), extend("2026-03-06 10:00")]);
    assert_eq!(dl.due_at, end_of("2026-03-05"));
    assert!(!dl.steps.iter().any(|s| matches!(s, Step::Extended { .. })), "{:#?}", dl.steps);
    let late = en.iter().find(|l| l.starts_with("Extension on Fri 06/03/2026 10:00")).expect("a step for it");
    assert!(late.contains("after the due date Thu 05/03/2026 24:00 had passed"), "{late}");
    assert!(late.contains("changes nothing") && late.contains("Điều 31"), "{late}");
    assert!(vi.iter().any(|l| l.contains("sau khi hạn thứ Năm 05/03/2026 24:00 đã qua")), "{vi:#?}");
}

#[test]
fn extension_never_moves_a_date_the_department_ordered__escalation_order() {
    let events = [rec("2026-03-02 10:00"), order("2026-03-10 09:00", "2026-03-13 17:00"), extend("2026-03-11 10:00")];
    let (dl, vi, _) = steps_of(Information, &events);
    assert!(dl.ordered);
    assert!(dl.steps.iter().any(|s| matches!(s, Step::ExtensionAfterOrder { .. })), "{:#?}", dl.steps);
    assert!(vi.iter().any(|l| l.contains("do cơ quan quản lý báo chí ấn định")), "{vi:#?}");
    // A transfer is a new receipt: the order no longer runs.
    let (dl, _, _) = steps_of(
        Information,
        &[rec("2026-03-02 10:00"), order("2026-03-10 09:00", "2026-03-13 17:00"), transfer("2026-03-11 10:00")],
    );
    assert!(!dl.ordered);
}

#[test]
fn per_agency_override_of_6_hours_for_events__qd_22_bgddt_example() {
    let override_text = "\n[agency_overrides.\"TNG/SYT\".event]\nlimit = 6\nreminder_hours_before = [2]\n\
                         basis = \"law\"\ncitation = \"Quyết định của Sở Y tế Thái Nguyên (thử nghiệm: 6 giờ)\"\n";
    let old = format!("{}{override_text}", include_str!("../../policy/2017-decree-09.toml"));
    let new = include_str!("../../policy/2026-07-press-law-2025.toml");
    let set = PolicySet::from_named_texts(&[("old.toml", &old), ("new.toml", new)]).expect("valid packs");
    let received = vn("2026-03-07 22:00"); // a Saturday night
    let pack = set.in_force(received);
    let cal = Calendar::embedded();
    let events = [ClockEvent::Received { at: received }];
    let overridden = compute(pack, &cal, Event, Some("TNG/SYT"), &events);
    assert_eq!(overridden.due_at, Some(vn("2026-03-08 04:00")));
    let (_, en) = check_explanation(&overridden);
    assert!(en.iter().any(|l| l.starts_with("6 hours (under Quyết định của Sở Y tế Thái Nguyên")), "{en:#?}");
    assert_eq!(
        deadline::reminder_instants(pack, Event, Some("TNG/SYT"), vn("2026-03-08 04:00")),
        [vn("2026-03-08 02:00")]
    );
    // Other agencies and other kinds keep the pack's rule.
    assert_eq!(compute(pack, &cal, Event, Some("TNG/UBND"), &events).due_at, Some(vn("2026-03-08 22:00")));
    assert_eq!(compute(pack, &cal, Information, Some("TNG/SYT"), &events).due_at, end_of("2026-03-11"));
    // The new pack has no override.
    assert_eq!(set.version("2026-07-press-law-2025").unwrap().rule(Event, Some("TNG/SYT")).limit, 24);
}

#[test]
fn clarification_pause_vs_restart_explains_itself() {
    let (_, _, pause) =
        steps_of(Event, &[rec("2026-03-02 10:00"), ask("2026-03-02 14:00"), clarified("2026-03-03 09:00")]);
    assert!(pause.iter().any(|l| l.contains("20 h 0 min left")), "{pause:#?}");
    let (_, _, restart) =
        steps_of(Information, &[rec("2026-03-02 10:00"), ask("2026-03-03 10:00"), clarified("2026-03-06 10:00")]);
    assert!(restart.iter().any(|l| l.contains("new valid request")), "{restart:#?}");
    let (dl, _, waiting) = steps_of(Information, &[rec("2026-03-02 10:00"), ask("2026-03-03 10:00")]);
    assert!(dl.is_paused());
    assert!(waiting.last().unwrap().starts_with("No due date while"), "{waiting:#?}");
}

#[test]
fn swapped_working_saturdays_are_named_in_the_explanation__tb_9441() {
    let (_, _, en) = steps_of(Information, &[rec("2026-01-08 10:00")]);
    assert!(en[2].contains("Sat 10/01/2026 (Làm bù cho ngày nghỉ thứ Sáu 02/01)"), "{}", en[2]);
    // In a long count written as a range, too.
    let (_, vi, _) = steps_of(Information, &[rec("2026-08-17 10:00"), complex("2026-08-18 10:00")]);
    assert!(vi.iter().any(|l| l.contains("kể cả thứ Bảy 22/08/2026 (Làm bù cho ngày nghỉ thứ Hai 31/08)")), "{vi:#?}");
}

#[test]
fn closed_while_awaiting_clarification_says_so() {
    let (dl, _, en) =
        steps_of(Information, &[rec("2026-03-02 10:00"), ask("2026-03-03 10:00"), stop("2026-03-04 10:00")]);
    assert!(!dl.is_paused());
    assert!(en.last().unwrap().starts_with("No due date: the request was closed on Wed 04/03/2026 10:00"), "{en:#?}");
}

#[test]
fn rollover_explains_the_days_passed_over__blds_148() {
    let (_, _, en) = steps_of(Complaint, &[rec("2026-01-16 10:00")]);
    let rolled = en.iter().find(|l| l.contains("is not a working day")).expect("a rollover step");
    assert!(rolled.starts_with("Sun 15/02/2026 is not a working day"), "{rolled}");
    assert!(rolled.contains("Mon 23/02/2026"), "{rolled}");
    assert!(rolled.contains("Mon 16/02/2026 – Fri 20/02/2026 (Tết Nguyên Đán)"), "{rolled}");
}
