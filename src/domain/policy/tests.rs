use super::*;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

#[test]
fn embedded_packs_define_every_kind_with_citations() {
    let set = PolicySet::embedded();
    assert_eq!(set.packs.len(), 2);
    for pack in &set.packs {
        for kind in RequestKind::ALL {
            let r = pack.rule(kind, None);
            assert!(!r.citation.is_empty() && !r.explanation_vi.is_empty() && !r.explanation_en.is_empty());
        }
        assert!(pack.agency_overrides.is_empty(), "the default packs carry no agency override");
        let info = pack.rule(RequestKind::Information, None);
        assert_eq!((info.limit, info.unit), (3, Unit::WorkingDays));
        assert_eq!(info.clarification, ClarificationEffect::Restart);
        let complex = info.complex.as_ref().unwrap();
        assert_eq!((complex.notice_limit, complex.limit, complex.unit), (3, 15, Unit::WorkingDays));
        let ext = info.extension.as_ref().unwrap();
        assert_eq!((ext.max_count, ext.limit, ext.unit), (1, 15, Unit::WorkingDays));
        assert!(ext.citation.contains("chưa xác nhận"), "working days for the extension are U");
        let event = pack.rule(RequestKind::Event, None);
        assert_eq!((event.limit, event.unit, event.clarification), (24, Unit::Hours, ClarificationEffect::Pause));
        for kind in [RequestKind::PressReply, RequestKind::Complaint] {
            let r = pack.rule(kind, None);
            assert_eq!((r.limit, r.unit, r.clarification), (30, Unit::CalendarDays, ClarificationEffect::Pause));
            assert!(r.citation.contains("39(2)"));
        }
    }
    assert!(set.packs[0].rule(RequestKind::Information, None).citation.contains("Điều 30(3)"));
}

#[test]
fn refusal_grounds_by_kind() {
    let pack = &PolicySet::embedded().packs[0];
    let codes = |k| pack.grounds_for(k).iter().map(|g| g.code.clone()).collect::<Vec<_>>();
    assert_eq!(codes(RequestKind::Event), ["PL38_2A", "PL38_2B", "PL38_2C"]);
    assert_eq!(
        codes(RequestKind::Information),
        ["PL38_2A", "PL38_2B", "PL38_2C", "LAI28_1A", "LAI28_1B", "LAI28_1C", "LAI28_1D", "LAI28_1E", "LAI28_1F"]
    );
    assert!(pack.ground("LAI28_1B").unwrap().citation.contains("Điều 17"));
    assert!(pack.ground("NOPE").is_none());
    let new = PolicySet::embedded().version("2026-07-press-law-2025").unwrap();
    assert_eq!(new.grounds_for(RequestKind::Information).len(), 9);
    assert!(new.ground("PL38_2A").unwrap().citation.contains("Luật Báo chí 2025"));
}

#[test]
fn the_pack_in_force_is_chosen_by_local_date() {
    let set = PolicySet::embedded();
    assert_eq!(set.in_force(at("2026-06-30T23:59:00+07:00")).version, "2017-decree-09");
    assert_eq!(set.in_force(at("2026-07-01T00:00:00+07:00")).version, "2026-07-press-law-2025");
    // 30/6 17:30 UTC is already 1/7 in Vietnam.
    assert_eq!(set.in_force(at("2026-06-30T17:30:00Z")).version, "2026-07-press-law-2025");
    assert_eq!(set.in_force(at("2001-01-01T00:00:00Z")).version, "2017-decree-09");
    assert!(set.version("2017-decree-09").is_some());
}

fn minimal(version: &str, from: &str, extra: &str) -> String {
    let base = include_str!("../../../policy/2017-decree-09.toml");
    base.replacen("version = \"2017-decree-09\"", &format!("version = \"{version}\""), 1).replacen(
        "effective_from = 2017-03-25",
        &format!("effective_from = {from}"),
        1,
    ) + extra
}

#[test]
fn agency_overrides_inherit_what_they_do_not_change() {
    let text = minimal(
        "test",
        "2020-01-01",
        "\n[agency_overrides.\"TNG/SYT\".event]\nlimit = 6\nbasis = \"law\"\ncitation = \"Quyết định của cơ quan (thử)\"\n",
    );
    let set = PolicySet::from_texts(&[&text]).unwrap();
    let pack = &set.packs[0];
    let r = pack.rule(RequestKind::Event, Some("TNG/SYT"));
    assert_eq!((r.limit, r.unit), (6, Unit::Hours));
    assert_eq!(r.reminder_hours_before, pack.kinds[&RequestKind::Event].reminder_hours_before);
    assert_eq!(pack.rule(RequestKind::Event, Some("TNG/UBND")).limit, 24);
    assert_eq!(pack.rule(RequestKind::Information, Some("TNG/SYT")).limit, 3);
    assert_eq!(r.basis, Basis::Law);
    assert_eq!(r.clarification_basis, pack.kinds[&RequestKind::Event].clarification_basis);
    assert!(pack.cited_rules().iter().any(|(f, c)| f == "agency_overrides.\"TNG/SYT\".event" && c.basis == Basis::Law));
}

#[test]
fn every_rule_of_the_shipped_packs_carries_its_basis() {
    let set = PolicySet::embedded();
    let basis = |pack: &PolicyPack, field: &str| {
        pack.cited_rules().into_iter().find(|(f, _)| f == field).map(|(_, c)| c.basis).expect(field)
    };
    for pack in &set.packs {
        assert_eq!(basis(pack, "kinds.event"), Basis::Service, "24 hours: no text sets the number");
        assert_eq!(basis(pack, "kinds.information"), Basis::Analogy);
        assert_eq!(basis(pack, "kinds.information.complex"), Basis::Analogy);
        assert_eq!(basis(pack, "kinds.information.extension"), Basis::Analogy);
        assert_eq!(basis(pack, "kinds.information.extension.max_count"), Basis::Service, "once: not in LAI Art. 31");
        assert_eq!(basis(pack, "kinds.information.extension.reason"), Basis::Service);
        assert_eq!(basis(pack, "counting.transfer"), Basis::Service);
        assert_eq!(basis(pack, "counting.outside_office_hours"), Basis::Service);
        assert_eq!(pack.counting.outside_office_hours, OutsideOfficeHours::AsReceived, "the default");
        for field in ["counting.hours", "counting.days_start", "counting.day_end", "counting.rollover"] {
            assert_eq!(basis(pack, field), Basis::Law, "{field}");
        }
        for kind in RequestKind::ALL {
            assert_eq!(basis(pack, &format!("kinds.{}.clarification", kind.as_str())), Basis::Service);
        }
        assert!(!pack.title_en.is_empty() && pack.title != pack.version);
    }
    let (old, new) = (&set.packs[0], &set.packs[1]);
    assert_eq!(basis(old, "kinds.press_reply"), Basis::Law);
    assert_eq!(basis(new, "kinds.press_reply"), Basis::Service, "the 2016 article is kept until the 2025 one is known");
    assert_eq!(old.counting.days_start_citation, "Bộ luật Dân sự 2015, Điều 147(3)");
    assert_eq!(old.counting.day_end_citation, "Bộ luật Dân sự 2015, Điều 148(6)");
    assert_eq!(old.counting.rollover_citation, "Bộ luật Dân sự 2015, Điều 148(5)");
}

#[test]
fn errors_name_the_file_and_the_field() {
    let e = PolicySet::from_named_texts(&[("policy/x.toml", "version = 1")]).unwrap_err();
    assert!(e.starts_with("policy/x.toml:"), "{e}");
    let bad_unit = minimal("t", "2020-01-01", "").replacen("unit = \"hours\"", "unit = \"minutes\"", 1);
    let e = PolicySet::from_named_texts(&[("a.toml", &bad_unit)]).unwrap_err();
    assert!(e.contains("a.toml") && e.contains("minutes"), "{e}");
    let no_citation =
        minimal("t", "2020-01-01", "\n[agency_overrides.\"TNG/SYT\".event]\nlimit = 6\nbasis = \"law\"\n");
    let e = PolicySet::from_texts(&[&no_citation]).unwrap_err();
    assert!(e.contains("citation"), "{e}");
    let no_basis = minimal("t", "2020-01-01", "\n[agency_overrides.\"TNG/SYT\".event]\nlimit = 6\ncitation = \"x\"\n");
    let e = PolicySet::from_texts(&[&no_basis]).unwrap_err();
    assert!(e.contains("basis"), "{e}");
    let bad_basis = minimal("t", "2020-01-01", "").replacen("\nbasis = \"service\"", "\nbasis = \"custom\"", 1);
    let e = PolicySet::from_texts(&[&bad_basis]).unwrap_err();
    assert!(e.contains("custom") && e.contains("law"), "{e}");
    let bad_kind =
        minimal("t", "2020-01-01", "\n[agency_overrides.\"TNG/SYT\".gossip]\nbasis = \"law\"\ncitation = \"x\"\n");
    let e = PolicySet::from_texts(&[&bad_kind]).unwrap_err();
    assert!(e.contains("agency_overrides.\"TNG/SYT\".gossip") && e.contains("unknown kind"), "{e}");
    let zero = minimal(
        "t",
        "2020-01-01",
        "\n[agency_overrides.\"A/B\".complaint]\nlimit = 0\nbasis = \"law\"\ncitation = \"x\"\n",
    );
    assert!(PolicySet::from_texts(&[&zero]).unwrap_err().contains("limit must be at least 1"));
    let a = minimal("same", "2020-01-01", "");
    let b = minimal("same", "2021-01-01", "");
    assert!(PolicySet::from_texts(&[&a, &b]).unwrap_err().contains("already used"));
    assert!(PolicySet::from_texts(&[]).is_err());
}
