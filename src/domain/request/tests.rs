use super::*;
use chrono::{Duration, TimeZone};
use proptest::prelude::*;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 10, 3, 0, 0).unwrap()
}

fn view(status: Status) -> RequestView {
    RequestView {
        kind: RequestKind::Information,
        status,
        agency_id: "agency-1".into(),
        acknowledged: false,
        complex: false,
        extensions: 0,
        due_at: Some(now() + Duration::days(2)),
        escalation_open: false,
    }
}

fn rules() -> Rules {
    Rules {
        grounds: vec!["PL38_2A".into(), "LAI28_1B".into()],
        max_extensions: 1,
        complex_notice_until: Some(now() + Duration::days(1)),
        due_set_by_order: false,
    }
}

fn actions() -> Vec<Action> {
    vec![
        Action::Acknowledge,
        Action::MarkComplex { reason: "nhiều đơn vị".into() },
        Action::RequestClarification { question: "Thời gian nào?".into() },
        Action::Clarify { body: "Năm 2025".into() },
        Action::Extend { reason: "cần tổng hợp".into() },
        Action::Reply { body: "Trả lời".into(), outcome: Outcome::Granted },
        Action::Refuse { ground: "PL38_2A".into(), reasons: "bí mật nhà nước".into() },
        Action::Transfer { agency_id: "agency-2".into(), reason: "không thuộc thẩm quyền".into() },
        Action::Withdraw,
        Action::Complain { reason: "không thỏa đáng".into() },
        Action::Comment { body: "ghi chú nội bộ".into() },
    ]
}

/// The table of DESIGN.md, written independently of `transition`: who may take
/// each action, from which states, and where it leads.
fn spec(action: &Action) -> (&'static [Party], &'static [Status], Option<Status>) {
    use Status::*;
    const OPEN: &[Status] = &[AwaitingResponse, AwaitingClarification];
    const ALL: &[Status] = &[AwaitingResponse, AwaitingClarification, Answered, Refused, Withdrawn, Closed];
    match action {
        Action::Acknowledge => (&[Party::Spokesperson], &[AwaitingResponse], None),
        Action::MarkComplex { .. } => (&[Party::Spokesperson], &[AwaitingResponse], None),
        Action::RequestClarification { .. } => {
            (&[Party::Spokesperson], &[AwaitingResponse], Some(AwaitingClarification))
        }
        Action::Clarify { .. } => (&[Party::Reporter], &[AwaitingClarification], Some(AwaitingResponse)),
        Action::Extend { .. } => (&[Party::Spokesperson], &[AwaitingResponse], None),
        Action::Reply { .. } => (&[Party::Spokesperson], &[AwaitingResponse], Some(Answered)),
        Action::Refuse { .. } => (&[Party::Spokesperson], OPEN, Some(Refused)),
        Action::Transfer { .. } => (&[Party::Spokesperson], &[AwaitingResponse], None),
        Action::Withdraw => (&[Party::Reporter], OPEN, Some(Withdrawn)),
        // Not overdue in this table: only after an answer or a refusal.
        Action::Complain { .. } => (&[Party::Reporter], &[Answered, Refused], None),
        Action::Comment { .. } => (&[Party::Spokesperson, Party::Department], ALL, None),
    }
}

#[test]
fn every_state_action_and_party_design_table() {
    let parties = [Party::Reporter, Party::Spokesperson, Party::Department, Party::Outsider];
    let mut checked = 0;
    for action in actions() {
        let (who, from, to) = spec(&action);
        for party in parties {
            for status in Status::ALL {
                let got = transition(&view(status), party, &action, &rules(), now());
                let case = format!("{} by {:?} from {}", action.name(), party, status.as_str());
                match (party, who.contains(&party), from.contains(&status)) {
                    (Party::Outsider, _, _) => assert_eq!(got, Err(DomainError::NotVisible), "{case}"),
                    (_, false, _) => assert!(matches!(got, Err(DomainError::Forbidden(_))), "{case}: {got:?}"),
                    (_, true, false) => {
                        assert!(matches!(got, Err(DomainError::InvalidTransition(_))), "{case}: {got:?}")
                    }
                    (_, true, true) => {
                        let t = got.unwrap_or_else(|e| panic!("{case}: {e:?}"));
                        assert_eq!(t.status, to.unwrap_or(status), "{case}");
                        assert_eq!(t.event.kind, action.name(), "{case}");
                        assert_eq!(t.event.internal, matches!(action, Action::Comment { .. }), "{case}");
                    }
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 11 * 4 * 6);
}

#[test]
fn refusal_needs_a_ground_of_the_policy_press_law_2016_art_38_2() {
    let a = Action::Refuse { ground: "BECAUSE".into(), reasons: "x".into() };
    let got = transition(&view(Status::AwaitingResponse), Party::Spokesperson, &a, &rules(), now());
    match got {
        Err(DomainError::Invalid(f)) => assert_eq!(f.get("ground"), Some("unknown_ground")),
        other => panic!("{other:?}"),
    }
}

/// "Once" is a rule of the service: LAI Art. 31 does not limit the number of extensions.
#[test]
fn one_extension_only_a_rule_of_the_service() {
    let mut v = view(Status::AwaitingResponse);
    let a = Action::Extend { reason: "tổng hợp số liệu".into() };
    assert!(transition(&v, Party::Spokesperson, &a, &rules(), now()).is_ok());
    v.extensions = 1;
    assert!(matches!(transition(&v, Party::Spokesperson, &a, &rules(), now()), Err(DomainError::InvalidTransition(_))));
    let none = Rules { max_extensions: 0, ..rules() };
    v.extensions = 0;
    assert!(matches!(transition(&v, Party::Spokesperson, &a, &none, now()), Err(DomainError::InvalidTransition(_))));
}

#[test]
fn no_extension_after_the_due_instant_lai_2016_art_31() {
    let mut v = view(Status::AwaitingResponse);
    let a = Action::Extend { reason: "tổng hợp số liệu".into() };
    let due = now() + Duration::days(2);
    v.due_at = Some(due);
    assert!(transition(&v, Party::Spokesperson, &a, &rules(), due).is_ok(), "at the due instant itself it is in time");
    match transition(&v, Party::Spokesperson, &a, &rules(), due + Duration::seconds(1)) {
        Err(DomainError::Refused { code, .. }) => assert_eq!(code, "extension_too_late"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn no_extension_of_a_due_date_the_department_ordered() {
    let v = view(Status::AwaitingResponse);
    let a = Action::Extend { reason: "tổng hợp số liệu".into() };
    let ordered = Rules { due_set_by_order: true, ..rules() };
    match transition(&v, Party::Spokesperson, &a, &ordered, now()) {
        Err(DomainError::Refused { code, .. }) => assert_eq!(code, "extension_after_order"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn complex_only_within_the_notice_window_lai_2016_art_31() {
    let v = view(Status::AwaitingResponse);
    let a = Action::MarkComplex { reason: "nhiều đơn vị".into() };
    assert!(transition(&v, Party::Spokesperson, &a, &rules(), now()).is_ok());
    let late = now() + Duration::days(2);
    assert!(matches!(transition(&v, Party::Spokesperson, &a, &rules(), late), Err(DomainError::InvalidTransition(_))));
    let no_rule = Rules { complex_notice_until: None, ..rules() };
    assert!(matches!(transition(&v, Party::Spokesperson, &a, &no_rule, now()), Err(DomainError::InvalidTransition(_))));
    let mut done = v.clone();
    done.complex = true;
    assert!(matches!(
        transition(&done, Party::Spokesperson, &a, &rules(), now()),
        Err(DomainError::InvalidTransition(_))
    ));
}

#[test]
fn acknowledging_twice_is_an_error_not_a_no_op() {
    let mut v = view(Status::AwaitingResponse);
    v.acknowledged = true;
    assert!(matches!(
        transition(&v, Party::Spokesperson, &Action::Acknowledge, &rules(), now()),
        Err(DomainError::InvalidTransition(_))
    ));
}

#[test]
fn complaint_when_overdue_lai_2016_art_14() {
    let mut v = view(Status::AwaitingResponse);
    v.due_at = Some(now() - Duration::hours(1));
    let a = Action::Complain { reason: "quá hạn".into() };
    let t = transition(&v, Party::Reporter, &a, &rules(), now()).unwrap();
    assert_eq!(t.opens_escalation, Some("complaint"));
    assert_eq!(t.event.data["overdue"], true);
    v.escalation_open = true;
    assert!(matches!(transition(&v, Party::Reporter, &a, &rules(), now()), Err(DomainError::InvalidTransition(_))));
    // Awaiting a clarification the clock is stopped: never overdue.
    assert!(!is_overdue(Status::AwaitingClarification, Some(now() - Duration::days(9)), now()));
}

#[test]
fn transfer_to_the_same_agency_is_refused() {
    let a = Action::Transfer { agency_id: "agency-1".into(), reason: "x".into() };
    let got = transition(&view(Status::AwaitingResponse), Party::Spokesperson, &a, &rules(), now());
    assert!(matches!(got, Err(DomainError::Invalid(_))));
}

#[test]
fn action_input_names_missing_fields() {
    let f = ActionInput { action: "reply".into(), ..Default::default() }.parse().unwrap_err();
    assert_eq!(f.get("body"), Some("required"));
    assert_eq!(f.get("outcome"), Some("required"));
    let f = ActionInput {
        action: "reply".into(),
        body: Some("x".into()),
        outcome: Some("maybe".into()),
        ..Default::default()
    }
    .parse()
    .unwrap_err();
    assert_eq!(f.get("outcome"), Some("invalid_outcome"));
    let f = ActionInput { action: "fly".into(), ..Default::default() }.parse().unwrap_err();
    assert_eq!(f.get("action"), Some("unknown_action"));
    let f = ActionInput { action: "comment".into(), body: Some("a\u{0}b".into()), ..Default::default() }
        .parse()
        .unwrap_err();
    assert_eq!(f.get("body"), Some("forbidden_character_text"));
    assert_eq!(ActionInput { action: "withdraw".into(), ..Default::default() }.parse(), Ok(Action::Withdraw));
}

fn any_action() -> impl Strategy<Value = Action> {
    (0..actions().len()).prop_map(|i| actions()[i].clone())
}

fn any_party() -> impl Strategy<Value = Party> {
    prop_oneof![Just(Party::Reporter), Just(Party::Spokesperson), Just(Party::Department), Just(Party::Outsider)]
}

proptest! {
    /// Whatever happens, the request stays in one of the defined states, an
    /// outsider never changes anything, and a closed matter never reopens.
    #[test]
    fn no_sequence_escapes_the_state_machine(steps in prop::collection::vec((any_party(), any_action(), 0i64..96), 1..40)) {
        let mut v = view(Status::AwaitingResponse);
        let mut t = now();
        let mut finished = false;
        for (party, action, hours) in steps {
            t += Duration::hours(hours);
            match transition(&v, party, &action, &rules(), t) {
                Ok(tr) => {
                    prop_assert!(party != Party::Outsider);
                    prop_assert!(Status::ALL.contains(&tr.status));
                    if finished {
                        prop_assert!(!tr.status.is_open(), "a finished request reopened by {}", action.name());
                    }
                    if tr.opens_escalation.is_some() {
                        v.escalation_open = true;
                    }
                    match action {
                        Action::Acknowledge => v.acknowledged = true,
                        Action::MarkComplex { .. } => v.complex = true,
                        Action::Extend { .. } => {
                            prop_assert!(v.due_at.is_none_or(|d| t <= d), "an extension after the due instant");
                            v.extensions += 1
                        }
                        Action::Transfer { ref agency_id, .. } => v.agency_id = agency_id.clone(),
                        _ => {}
                    }
                    v.status = tr.status;
                    finished |= !v.status.is_open();
                }
                Err(DomainError::NotVisible) => prop_assert_eq!(party, Party::Outsider),
                Err(_) => prop_assert!(party != Party::Outsider),
            }
            prop_assert!(v.extensions <= rules().max_extensions);
        }
    }
}
