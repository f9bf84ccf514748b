//! What each rule rests on, and how it reads: law, analogy or a rule of the service; refusal grounds
//! with their exceptions; receipts outside office hours; the 2027 calendar proposal. Same helpers and
//! naming as the golden table (rule, then citation after a double underscore).

use super::*;

// --- Law, analogy or a rule of the service: each worded as what it is.

/// A word that states a legal duty ("phải", "must", "shall"), outside the words that deny one.
fn duty_word(text: &str) -> Option<&'static str> {
    let cleaned = text.replace("không phải", "").replace("not a legal requirement", "");
    let lower = cleaned.to_lowercase();
    ["phải", "must", "shall"].into_iter().find(|w| lower.contains(w))
}

/// Events that make every kind of step appear (receipt outside office hours, clarification, complex,
/// extension in time and late, transfer, order, stop).
fn every_kind_of_story() -> Vec<(RequestKind, Vec<ClockEvent>)> {
    let mut out = Vec::new();
    for kind in [Event, Information, PressReply, Complaint] {
        for received in ["2026-03-06 23:00", "2026-07-03 23:00"] {
            let r = vn(received);
            let at = |h: i64| r + chrono::Duration::hours(h);
            let stories = vec![
                vec![ClockEvent::Received { at: r }],
                vec![
                    ClockEvent::Received { at: r },
                    ClockEvent::ClarificationRequested { at: at(2) },
                    ClockEvent::Clarified { at: at(30) },
                    ClockEvent::MarkedComplex { at: at(31) },
                    ClockEvent::Extended { at: at(32) },
                    ClockEvent::Extended { at: at(33) },
                    ClockEvent::Stopped { at: at(400) },
                ],
                vec![ClockEvent::Received { at: r }, ClockEvent::Extended { at: at(24 * 40) }],
                vec![
                    ClockEvent::Received { at: r },
                    ClockEvent::Transferred { at: at(5) },
                    ClockEvent::ResponseOrdered { at: at(24 * 20), due_at: at(24 * 25) },
                    ClockEvent::Extended { at: at(24 * 21) },
                ],
            ];
            out.extend(stories.into_iter().map(|events| (kind, events)));
        }
    }
    out
}

#[test]
fn no_service_or_analogy_rule_is_worded_as_a_legal_duty() {
    use tiepcan::domain::policy::Basis;
    for pack in &PolicySet::embedded().packs {
        for (field, rule) in pack.cited_rules() {
            if rule.basis != Basis::Law {
                assert_eq!(duty_word(&rule.citation), None, "{} {field}: {}", pack.version, rule.citation);
            }
        }
        for (kind, rule) in &pack.kinds {
            if rule.basis != Basis::Law {
                for text in [&rule.explanation_vi, &rule.explanation_en] {
                    assert_eq!(duty_word(text), None, "{} {}: {text}", pack.version, kind.as_str());
                }
            }
        }
        for g in &pack.refusal_grounds {
            if g.basis != Basis::Law {
                for text in [&g.title_vi, &g.title_en] {
                    assert_eq!(duty_word(text), None, "{} {}: {text}", pack.version, g.code);
                }
            }
        }
    }
    // Every explanation step that applies a rule of the service or an analogy, in both languages.
    let mut checked = 0;
    for (kind, events) in every_kind_of_story() {
        let dl = run(kind, &events);
        let (vi, en) = check_explanation(&dl);
        for (i, step) in dl.steps.iter().enumerate() {
            if step.rules().iter().any(|r| r.basis != Basis::Law) {
                checked += 1;
                assert_eq!(duty_word(&vi[i]), None, "{}", vi[i]);
                assert_eq!(duty_word(&en[i]), None, "{}", en[i]);
            }
        }
    }
    assert!(checked > 50, "the stories exercise the service and analogy rules ({checked} steps)");
}

#[test]
fn event_24_hours_is_a_rule_of_the_service_not_decree_09__nd09_6__qd_25_2013() {
    let (dl, vi, en) = steps_of(Event, &[rec("2026-03-07 10:00")]);
    let hours = vi.iter().find(|l| l.starts_with("24 giờ")).expect("the hours step");
    assert!(
        hours.contains(
            "quy tắc của hệ thống, không phải quy định pháp luật: Nghị định 09/2017/NĐ-CP, Điều 6 không nêu số giờ"
        ),
        "{hours}"
    );
    assert!(hours.contains("Quyết định 25/2013/QĐ-TTg") && hours.contains("không còn hiệu lực"), "{hours}");
    assert!(hours.contains("(theo Bộ luật Dân sự 2015, Điều 147)"), "{hours}");
    assert!(!hours.contains("phải cung cấp"), "{hours}");
    let en_hours = en.iter().find(|l| l.starts_with("24 hours")).expect("the hours step");
    assert!(en_hours.contains("a rule of this service, not a legal requirement:"), "{en_hours}");
    let rules: Vec<_> = dl.steps.iter().flat_map(|s| s.rules()).map(|r| r.basis.as_str()).collect();
    assert_eq!(rules, ["service", "law"]);
    for pack in &PolicySet::embedded().packs {
        let event = pack.rule(Event, None);
        assert_eq!(duty_word(&event.explanation_vi), None, "{}", event.explanation_vi);
        assert!(event.explanation_vi.contains("không phải quy định pháp luật"), "{}", event.explanation_vi);
    }
}

#[test]
fn information_limits_read_by_analogy_with_lai_and_press_reply_as_law__lai_30_3__pl_39_2() {
    let (_, vi, en) = steps_of(Information, &[rec("2026-03-02 10:00")]);
    assert!(vi[2].contains("(áp dụng tương tự Luật Tiếp cận thông tin 2016, Điều 30(3)"), "{}", vi[2]);
    assert!(en[2].contains("(by analogy with Luật Tiếp cận thông tin 2016, Điều 30(3)"), "{}", en[2]);
    let (_, vi, en) = steps_of(PressReply, &[rec("2026-03-02 10:00")]);
    assert!(vi.iter().any(|l| l.contains("(theo Luật Báo chí 2016, Điều 39(2))")), "{vi:#?}");
    assert!(en.iter().any(|l| l.contains("(under Luật Báo chí 2016, Điều 39(2))")), "{en:#?}");
}

#[test]
fn transfer_restarts_the_clock_as_a_rule_of_the_service_not_lai_28_1() {
    let (_, vi, _) = steps_of(Information, &[rec("2026-03-02 10:00"), transfer("2026-03-04 15:00")]);
    let t = vi.iter().find(|l| l.starts_with("Chuyển đến cơ quan có trách nhiệm")).expect("a transfer step");
    assert!(t.contains("quy tắc của hệ thống, không phải quy định pháp luật"), "{t}");
    assert!(!t.contains("Điều 28(1)"), "{t}");
    let starts =
        vi.iter().filter(|l| l.contains("ngày tiếp theo liền kề ngày chuyển yêu cầu (thứ Tư 04/03/2026)")).count();
    assert_eq!(starts, 1, "{vi:#?}");
}

#[test]
fn counting_cites_blds_147_3_for_the_start_148_6_for_24_00_and_148_5_for_the_rollover() {
    let (_, vi, en) = steps_of(Information, &[rec("2026-04-24 14:05")]);
    assert!(
        vi[1].starts_with("Thời hạn tính bằng ngày bắt đầu từ ngày tiếp theo liền kề ngày nhận (thứ Sáu 24/04/2026), tức thứ Bảy 25/04/2026"),
        "{}",
        vi[1]
    );
    assert!(
        vi[1].contains("(theo Bộ luật Dân sự 2015, Điều 147(3); theo Bộ luật Dân sự 2015, Điều 148(6))"),
        "{}",
        vi[1]
    );
    assert!(
        en[1].starts_with("A period in days starts on the day after the day of receipt (Fri 24/04/2026)"),
        "{}",
        en[1]
    );
    let (_, _, en) = steps_of(Complaint, &[rec("2026-01-16 10:00")]);
    let rolled = en.iter().find(|l| l.contains("is not a working day")).expect("a rollover step");
    assert!(rolled.ends_with("(under Bộ luật Dân sự 2015, Điều 148(5))."), "{rolled}");
    let pack = pack_for(&[rec("2026-03-02 10:00")]);
    assert_eq!(
        pack.rule(Information, None).complex.as_ref().unwrap().citation,
        "Luật Tiếp cận thông tin 2016, Điều 31"
    );
}

#[test]
fn the_explanation_names_the_pack_by_its_title_not_its_file_name() {
    let (_, vi, en) = steps_of(Information, &[rec("2026-03-02 10:00")]);
    assert!(!vi[0].contains("2017-decree-09") && !en[0].contains("2017-decree-09"), "{}", vi[0]);
    assert!(vi[0].contains("áp dụng bộ quy tắc: Luật Báo chí 2016 và Nghị định 09/2017/NĐ-CP"), "{}", vi[0]);
}

#[test]
fn the_department_order_reads_by_the_end_of_its_day_or_by_its_hour__escalation_order() {
    let (_, vi, en) = steps_of(Information, &[rec("2026-03-02 10:00"), order("2026-03-10 09:00", "2026-03-14 00:00")]);
    assert!(vi.iter().any(|l| l.contains("yêu cầu trả lời đến hết ngày thứ Sáu 13/03/2026.")), "{vi:#?}");
    assert!(en.iter().any(|l| l.contains("ordered a response by the end of Fri 13/03/2026.")), "{en:#?}");
    let (_, vi, _) = steps_of(Information, &[rec("2026-03-02 10:00"), order("2026-03-10 09:00", "2026-03-13 17:00")]);
    assert!(vi.iter().any(|l| l.contains("yêu cầu trả lời chậm nhất thứ Sáu 13/03/2026 17:00.")), "{vi:#?}");
    assert!(!vi.iter().any(|l| l.contains("trước thứ")), "{vi:#?}");
}

#[test]
fn press_law_2025_pack_says_in_its_explanations_that_its_articles_are_unconfirmed() {
    let pack = PolicySet::embedded().version("2026-07-press-law-2025").expect("the 2025 pack");
    for (kind, rule) in &pack.kinds {
        assert!(
            rule.explanation_vi.contains("chưa được xác nhận") || rule.explanation_vi.contains("chưa xác nhận"),
            "{}: {}",
            kind.as_str(),
            rule.explanation_vi
        );
        assert!(rule.explanation_en.contains("not confirmed"), "{}: {}", kind.as_str(), rule.explanation_en);
    }
    let (_, vi, en) = steps_of(PressReply, &[rec("2026-07-02 10:00")]);
    assert!(vi[0].contains("chưa xác nhận") && en[0].contains("not confirmed"), "{}", vi[0]);
    // The 2016 law's 30 days are kept by the service until the 2025 text is confirmed.
    assert!(
        vi.iter()
            .any(|l| l.contains("(quy tắc của hệ thống, không phải quy định pháp luật: hệ thống giữ thời hạn 30 ngày")),
        "{vi:#?}"
    );
}

// --- Refusal grounds: quoted with their conditions and exceptions, each cited to its point.

#[test]
fn lai_refusal_grounds_quote_their_exceptions__lai_28_1_b__lai_28_1_d__lai_23_1() {
    for pack in &PolicySet::embedded().packs {
        let d = pack.ground("LAI28_1D").expect("LAI28_1D");
        assert!(d.title_vi.ends_with("trừ trường hợp người yêu cầu có lý do chính đáng"), "{}", d.title_vi);
        assert!(d.title_en.ends_with("unless the requester has a legitimate reason"), "{}", d.title_en);
        let b = pack.ground("LAI28_1B").expect("LAI28_1B");
        assert!(b.title_vi.contains("trừ các trường hợp của Điều 23(1)"), "{}", b.title_vi);
        assert!(
            b.title_vi.contains("bất khả kháng") && b.title_vi.contains("hết thời hạn công khai"),
            "{}",
            b.title_vi
        );
        assert!(b.citation.contains("Điều 23(1)"), "{}", b.citation);
        let pl = pack.ground("PL38_2B").expect("PL38_2B");
        assert!(pl.title_vi.contains("trừ trường hợp"), "{}", pl.title_vi);
        assert!(pl.citation.contains("chưa đối chiếu nguyên văn"), "{}", pl.citation);
    }
}

#[test]
fn lai_refusal_grounds_cite_their_point_of_art_28_1__lai_28_1() {
    // Art. 28(1) runs a, b, c, d, đ, e: the codes E and F are points (đ) and (e).
    let points = [("A", "a"), ("B", "b"), ("C", "c"), ("D", "d"), ("E", "đ"), ("F", "e")];
    for pack in &PolicySet::embedded().packs {
        for (code, point) in points {
            let g = pack.ground(&format!("LAI28_1{code}")).expect("a LAI ground");
            assert!(
                g.citation.starts_with(&format!("Luật Tiếp cận thông tin 2016, Điều 28(1)({point})")),
                "{}",
                g.citation
            );
            assert_eq!(g.basis.as_str(), "analogy", "LAI grounds apply to press requests by analogy");
        }
    }
}

// --- Outside office hours: a setting of the pack, named in the explanation as a rule of the service.

fn pack_with_outside_hours(setting: &str) -> PolicySet {
    let text = include_str!("../../policy/2017-decree-09.toml").replacen(
        "outside_office_hours = \"as_received\"",
        &format!("outside_office_hours = \"{setting}\""),
        1,
    );
    PolicySet::from_named_texts(&[("p.toml", &text)]).expect("a valid pack")
}

#[test]
fn received_outside_office_hours_counts_as_received_by_default_and_says_so__service_rule() {
    let (dl, vi, en) = steps_of(Information, &[rec("2026-03-06 23:00")]);
    assert_eq!(dl.due_at, end_of("2026-03-11"));
    assert!(vi[1].starts_with("Yêu cầu đến lúc thứ Sáu 06/03/2026 23:00, ngoài giờ làm việc; thời hạn vẫn tính từ lúc nhận (quy tắc của hệ thống, không phải quy định pháp luật"), "{}", vi[1]);
    assert!(
        en[1].contains("outside office hours; the period still runs from its receipt (a rule of this service"),
        "{}",
        en[1]
    );
    // Inside office hours nothing is said.
    let (_, vi, _) = steps_of(Information, &[rec("2026-03-06 16:00")]);
    assert!(!vi.iter().any(|l| l.contains("ngoài giờ làm việc")), "{vi:#?}");
}

#[test]
fn received_outside_office_hours_can_count_from_the_next_opening__service_rule() {
    let set = pack_with_outside_hours("next_working_day");
    let cal = Calendar::embedded();
    let due = |kind, s: &str| compute(&set.packs[0], &cal, kind, None, &[rec(s)]).due_at;
    // Friday 23:00 and Saturday 10:00 count as received Monday 07:30: Tue, Wed, Thu.
    assert_eq!(due(Information, "2026-03-06 23:00"), end_of("2026-03-12"));
    assert_eq!(due(Information, "2026-03-07 10:00"), end_of("2026-03-12"));
    // Friday 16:00 is inside office hours; Monday 06:00 counts from Monday's opening (same days).
    assert_eq!(due(Information, "2026-03-06 16:00"), end_of("2026-03-11"));
    assert_eq!(due(Information, "2026-03-09 06:00"), end_of("2026-03-12"));
    // The evening before Tết 2026 counts from Mon 23/2 07:30.
    assert_eq!(due(Information, "2026-02-13 18:00"), end_of("2026-02-26"));
    // A period in hours runs from the moment.
    assert_eq!(due(Event, "2026-03-07 10:00"), Some(vn("2026-03-08 10:00")));
    let dl = compute(&set.packs[0], &cal, Information, None, &[rec("2026-03-06 23:00")]);
    let (vi, en) = check_explanation(&dl);
    assert!(vi[1].contains("được tính như nhận lúc thứ Hai 09/03/2026 07:30, đầu giờ làm việc tiếp theo (quy tắc của hệ thống, không phải quy định pháp luật"), "{}", vi[1]);
    assert!(vi[2].contains("ngày tiếp theo liền kề ngày nhận (thứ Hai 09/03/2026)"), "{}", vi[2]);
    assert!(en[1].contains("it counts as received on Mon 09/03/2026 07:30"), "{}", en[1]);
    // The complex window counts from Monday too.
    let until = deadline::complex_notice_until_after(
        &set.packs[0],
        &cal,
        Information,
        None,
        &tiepcan::domain::directory::default_office_hours(),
        &[rec("2026-03-06 23:00")],
    );
    assert_eq!(until, end_of("2026-03-12"));
}

// --- The 2027 calendar: a proposal, following the 2024 precedent, and saying so.

#[test]
fn tet_2027_proposal_follows_the_2024_precedent_and_stays_unconfirmed__labour_code_112() {
    let cal = Calendar::embedded();
    let y = cal.year(2027);
    assert!(!y.confirmed);
    assert!(y.source.contains("2024") && y.source.contains("29 tháng Chạp"), "{}", y.source);
    let (dl, vi, en) = steps_of(Information, &[rec("2027-02-04 10:00")]);
    assert_eq!(dl.unconfirmed_years(), [2027]);
    let note = vi.iter().find(|l| l.starts_with("Lịch nghỉ năm 2027 chưa phải lịch chính thức")).expect("the note");
    assert!(note.contains("tiền lệ năm 2024"), "{note}");
    assert!(
        en.iter().any(|l| l.starts_with("The calendar of 2027 is not an official, confirmed schedule yet")),
        "{en:#?}"
    );
    assert!(en.iter().any(|l| l.contains("Fri 05/02/2027 – Tue 09/02/2027")), "{en:#?}");
}
