//! Every mail the service sends, as typed data, and its rendering. A notice
//! holds plain values already read from the database (names, reference,
//! subject, the agency's name in each language, due instants, explanation
//! lines); `render` turns it into subject, text and HTML for one reader's
//! language without any I/O, so each kind of mail can be checked on its own.
//!
//! Placeholders are filled in one pass (`Tr::f`): text people typed (a
//! subject, an answer) is copied as it is, never expanded.

use askama::Template;
use chrono::{DateTime, Utc};

use crate::domain::account::{Locale, Role};
use crate::domain::kind::RequestKind;
use crate::domain::request::Outcome;
use crate::i18n::Tr;

/// A value in each of the two languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ByLocale<T> {
    pub vi: T,
    pub en: T,
}

impl<T> ByLocale<T> {
    /// The value computed for each language.
    pub fn each(f: impl Fn(&Tr) -> T) -> Self {
        Self { vi: f(&Tr::new(Locale::Vi)), en: f(&Tr::new(Locale::En)) }
    }

    pub fn get(&self, locale: Locale) -> &T {
        match locale {
            Locale::Vi => &self.vi,
            Locale::En => &self.en,
        }
    }
}

impl<T: Clone> ByLocale<T> {
    /// The same value in both languages.
    pub fn same(v: T) -> Self {
        Self { vi: v.clone(), en: v }
    }
}

/// A deadline as a mail states it: the due instant (none while paused) and
/// the lines that explain how it was counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueLine {
    pub due: Option<DateTime<Utc>>,
    pub steps: ByLocale<Vec<String>>,
}

/// The request a mail is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestFacts {
    pub id: String,
    pub reference: String,
    pub subject: String,
    pub kind: RequestKind,
    pub agency: ByLocale<String>,
}

/// What the Department decided on an escalation, as the parties learn it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    OrderResponse,
    Resolve,
    Dismiss,
}

impl Decision {
    /// The decision of a timeline event kind that is mailed.
    pub fn of_event(kind: &str) -> Option<Self> {
        match kind {
            "escalation_order_response" => Some(Self::OrderResponse),
            "escalation_resolve" => Some(Self::Resolve),
            "escalation_dismiss" => Some(Self::Dismiss),
            _ => None,
        }
    }

    pub fn event(self) -> &'static str {
        match self {
            Self::OrderResponse => "escalation_order_response",
            Self::Resolve => "escalation_resolve",
            Self::Dismiss => "escalation_dismiss",
        }
    }
}

/// Which side of a transfer between provinces a Department is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The escalation came to this Department.
    In,
    /// The escalation left this Department (which may no longer open the request).
    Out,
}

/// What happened to a request, with what each mail about it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestEvent {
    Receipt {
        deadline: DueLine,
    },
    New {
        reporter: String,
        outlet: String,
        body: String,
        deadline: DueLine,
    },
    /// An escalation opened; `reason` is `unroutable`, `complaint` or `overdue`.
    Escalated {
        reason: String,
        reporter: String,
    },
    EscalationMoved {
        side: Side,
        old_agency: ByLocale<String>,
        old_province: String,
        province: String,
        reason: String,
    },
    Acknowledge {
        deadline: DueLine,
    },
    MarkComplex {
        reason: String,
        deadline: DueLine,
    },
    RequestClarification {
        question: String,
    },
    Clarify {
        body: String,
        deadline: DueLine,
    },
    Extend {
        reason: String,
        deadline: DueLine,
    },
    Reply {
        outcome: Outcome,
        body: String,
    },
    Refuse {
        ground: String,
        ground_title: ByLocale<String>,
        citation: ByLocale<String>,
        reasons: String,
    },
    /// `old_agency` is the Vietnamese name in both languages, as it always was.
    Transfer {
        old_agency: String,
        reason: String,
        deadline: DueLine,
    },
    Withdraw,
    /// A reply by mail that became a message on the timeline; `from` names
    /// who wrote it, in the reader's language.
    MailMessage {
        from: ByLocale<String>,
        body: String,
    },
    Complain {
        reason: String,
    },
    Reminder {
        due: DateTime<Utc>,
        left: ByLocale<String>,
    },
    Overdue {
        due: DateTime<Utc>,
    },
    ReviewOverdue,
    DeadlineChanged {
        deadline: DueLine,
    },
    Decided {
        decision: Decision,
        due: Option<DateTime<Utc>>,
        note: Option<String>,
    },
}

/// One mail's content, for one addressee.
// A notice lives for one mail, so the size of its largest kind costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// A new reporter confirms the address (`token` is the secret of the link).
    VerifyEmail {
        name: String,
        token: String,
    },
    /// Someone tried to register an address that has an account.
    RegisterTaken {
        name: String,
    },
    Invite {
        name: String,
        inviter: String,
        role: Role,
        agencies: Vec<String>,
        token: String,
    },
    /// A link to choose a new password (asked for by the account or sent by
    /// its administrators); `token` is the link's secret.
    PasswordReset {
        name: String,
        token: String,
    },
    /// To the new address: the link that makes it the account's address.
    EmailChangeConfirm {
        name: String,
        new_email: String,
        token: String,
    },
    /// To the old address: a change to `new_email` was asked for.
    EmailChangeRequested {
        name: String,
        new_email: String,
    },
    /// To a spokesperson whose reply by mail became an answer (outcome
    /// "granted"): the link that changes the outcome within 24 hours.
    MailAnswerRecorded {
        name: String,
        reference: String,
        subject: String,
        token: String,
    },
    /// `name` is the addressee's, for the greeting.
    Request {
        name: Option<String>,
        request: RequestFacts,
        event: RequestEvent,
    },
}

impl Notice {
    /// The outbox's kind of this mail.
    pub fn kind(&self) -> &'static str {
        match self {
            Notice::VerifyEmail { .. } => "verify_email",
            Notice::RegisterTaken { .. } => "register_taken",
            Notice::Invite { .. } => "invite",
            Notice::PasswordReset { .. } => "password_reset",
            Notice::EmailChangeConfirm { .. } => "email_change_confirm",
            Notice::EmailChangeRequested { .. } => "email_change_requested",
            Notice::MailAnswerRecorded { .. } => "mail_answer_recorded",
            Notice::Request { event, .. } => event.kind(),
        }
    }
}

impl RequestEvent {
    pub fn kind(&self) -> &'static str {
        use RequestEvent as E;
        match self {
            E::Receipt { .. } => "request_receipt",
            E::New { .. } => "request_new",
            E::Escalated { .. } => "escalation_opened",
            E::EscalationMoved { .. } => "escalation_transferred",
            E::Acknowledge { .. } => "acknowledge",
            E::MarkComplex { .. } => "mark_complex",
            E::RequestClarification { .. } => "request_clarification",
            E::Clarify { .. } => "clarify",
            E::Extend { .. } => "extend",
            E::Reply { .. } => "reply",
            E::Refuse { .. } => "refuse",
            E::Transfer { .. } => "transfer",
            E::Withdraw => "withdraw",
            E::MailMessage { .. } => "mail_message",
            E::Complain { .. } => "complain",
            E::Reminder { .. } => "reminder",
            E::Overdue { .. } => "overdue",
            E::ReviewOverdue => "review_overdue",
            E::DeadlineChanged { .. } => "deadline_changed",
            E::Decided { decision, .. } => decision.event(),
        }
    }

    /// The catalogue key under `mail.req.`.
    fn key(&self) -> String {
        use RequestEvent as E;
        match self {
            E::Receipt { .. } => "receipt".into(),
            E::New { .. } => "new".into(),
            E::Escalated { reason, .. } => format!("escalation_{reason}"),
            E::EscalationMoved { side: Side::In, .. } => "escalation_transferred_in".into(),
            E::EscalationMoved { side: Side::Out, .. } => "escalation_transferred_out".into(),
            other => other.kind().into(),
        }
    }
}

/// A mail ready for the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// What every mail is made of, before the templates lay it out.
struct Message {
    subject: String,
    greeting: String,
    paragraphs: Vec<String>,
    link: Option<String>,
    after: Vec<String>,
}

#[derive(Template)]
#[template(path = "email/message.txt")]
struct TextMail<'a> {
    greeting: &'a str,
    paragraphs: &'a [String],
    link: &'a Option<String>,
    after: &'a [String],
    footer: &'a str,
}

#[derive(Template)]
#[template(path = "email/message.html")]
struct HtmlMail<'a> {
    lang: &'a str,
    subject: &'a str,
    greeting: &'a str,
    paragraphs: &'a [String],
    link: &'a Option<String>,
    link_label: &'a str,
    after: &'a [String],
    footer: &'a str,
}

/// `notice` in `locale`, its links under `base_url` (the site's public address).
pub fn render(notice: &Notice, locale: Locale, base_url: &str) -> askama::Result<Rendered> {
    render_with(notice, locale, base_url, false)
}

/// The same; `replies` when the mail carries a request's reply address, so
/// its footer invites a reply instead of asking for none.
pub fn render_with(notice: &Notice, locale: Locale, base_url: &str, replies: bool) -> askama::Result<Rendered> {
    let tr = Tr::new(locale);
    let link = |path: String| format!("{}{path}", base_url.trim_end_matches('/'));
    let m = match notice {
        Notice::VerifyEmail { name, token } => Message {
            subject: tr.t("mail.verify.subject").into(),
            greeting: tr.f("mail.verify.greeting", &[("name", name)]),
            paragraphs: vec![tr.t("mail.verify.body").into()],
            link: Some(link(format!("/verify-email?token={token}"))),
            after: vec![tr.t("mail.verify.ignore").into()],
        },
        Notice::RegisterTaken { name } => Message {
            subject: tr.t("mail.register_taken.subject").into(),
            greeting: tr.f("mail.register_taken.greeting", &[("name", name)]),
            paragraphs: vec![tr.t("mail.register_taken.body").into(), tr.t("mail.register_taken.login").into()],
            link: Some(link("/login".into())),
            after: vec![tr.t("mail.register_taken.ignore").into()],
        },
        Notice::Invite { name, inviter, role, agencies, token } => {
            let role_name = tr.t(&format!("role.{}", role.as_str())).to_string();
            let mut paragraphs = vec![tr.f("mail.invite.body", &[("inviter", inviter), ("role", &role_name)])];
            if !agencies.is_empty() {
                paragraphs.push(tr.f("mail.invite.agencies", &[("agencies", &agencies.join(", "))]));
            }
            Message {
                subject: tr.t("mail.invite.subject").into(),
                greeting: tr.f("mail.invite.greeting", &[("name", name)]),
                paragraphs,
                link: Some(link(format!("/accept-invite?token={token}"))),
                after: vec![],
            }
        }
        Notice::PasswordReset { name, token } => Message {
            subject: tr.t("mail.password_reset.subject").into(),
            greeting: tr.f("mail.password_reset.greeting", &[("name", name)]),
            paragraphs: vec![tr.t("mail.password_reset.body").into()],
            link: Some(link(format!("/reset-password?token={token}"))),
            after: vec![tr.t("mail.password_reset.ignore").into()],
        },
        Notice::EmailChangeConfirm { name, new_email, token } => Message {
            subject: tr.t("mail.email_change_confirm.subject").into(),
            greeting: tr.f("mail.email_change_confirm.greeting", &[("name", name)]),
            paragraphs: vec![tr.f("mail.email_change_confirm.body", &[("email", new_email)])],
            link: Some(link(format!("/confirm-email?token={token}"))),
            after: vec![tr.t("mail.email_change_confirm.ignore").into()],
        },
        Notice::EmailChangeRequested { name, new_email } => Message {
            subject: tr.t("mail.email_change_requested.subject").into(),
            greeting: tr.f("mail.email_change_requested.greeting", &[("name", name)]),
            paragraphs: vec![
                tr.f("mail.email_change_requested.body", &[("email", new_email)]),
                tr.t("mail.email_change_requested.not_you").into(),
            ],
            link: Some(link("/account".into())),
            after: vec![],
        },
        Notice::MailAnswerRecorded { name, reference, subject, token } => {
            let args = [("reference", reference.as_str()), ("subject", subject.as_str())];
            Message {
                subject: tr.f("mail.mail_answer.subject", &args),
                greeting: tr.f("mail.mail_answer.greeting", &[("name", name)]),
                paragraphs: vec![tr.f("mail.mail_answer.body", &args)],
                link: Some(link(format!("/mail-answer?token={token}"))),
                after: vec![tr.t("mail.mail_answer.keep").into()],
            }
        }
        Notice::Request { name, request, event } => {
            let mut m = request_message(&tr, request, event);
            m.greeting = match name {
                Some(n) => tr.f("mail.req.greeting", &[("name", n)]),
                None => tr.t("mail.req.greeting_plain").to_string(),
            };
            // A Department a request left may no longer open it.
            let linked = !matches!(event, RequestEvent::EscalationMoved { side: Side::Out, .. });
            m.link = linked.then(|| link(format!("/requests/{}", request.id)));
            m
        }
    };
    lay_out(&tr, &m, replies)
}

/// The subject and paragraphs of a mail about a request (greeting and link
/// are the caller's).
fn request_message(tr: &Tr, r: &RequestFacts, event: &RequestEvent) -> Message {
    let locale = tr.locale;
    let mut args: Vec<(&str, String)> = vec![
        ("reference", r.reference.clone()),
        ("subject", r.subject.clone()),
        ("agency", r.agency.get(locale).clone()),
        ("kind", tr.t(&format!("kind.{}", r.kind)).to_string()),
    ];
    let parts = event_parts(tr, event);
    args.extend(parts.args);
    let key = event.key();
    let a: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut paragraphs = vec![tr.f(&format!("mail.req.{key}.body"), &a)];
    paragraphs.extend(parts.quote.cloned());
    if let Some(dl) = parts.deadline {
        paragraphs.extend(deadline_paragraphs(tr, dl));
    }
    Message {
        subject: tr.f(&format!("mail.req.{key}.subject"), &a),
        greeting: String::new(),
        paragraphs,
        link: None,
        after: vec![],
    }
}

/// What an event adds to the mail about it.
#[derive(Default)]
struct EventParts<'a> {
    /// Values its texts name, after the request's own.
    args: Vec<(&'static str, String)>,
    /// The text a person wrote (a question, an answer), quoted as its own paragraph.
    quote: Option<&'a String>,
    /// The deadline as the event left it.
    deadline: Option<&'a DueLine>,
}

fn event_parts<'a>(tr: &Tr, event: &'a RequestEvent) -> EventParts<'a> {
    use RequestEvent as E;
    let locale = tr.locale;
    let mut p = EventParts::default();
    match event {
        E::Receipt { deadline: d } | E::Acknowledge { deadline: d } | E::DeadlineChanged { deadline: d } => {
            p.deadline = Some(d)
        }
        E::New { reporter, outlet, body, deadline: d } => {
            p.args.push(("reporter", reporter.clone()));
            p.args.push(("outlet", outlet.clone()));
            p.quote = Some(body);
            p.deadline = Some(d);
        }
        E::Escalated { reporter, .. } => p.args.push(("reporter", reporter.clone())),
        E::EscalationMoved { old_agency, old_province, province, reason, .. } => {
            p.args.push(("old_agency", old_agency.get(locale).clone()));
            p.args.push(("old_province", old_province.clone()));
            p.args.push(("province", province.clone()));
            p.args.push(("reason", tr.t(&format!("escalation_reason.{reason}")).to_string()));
        }
        E::MarkComplex { reason: text, deadline: d }
        | E::Clarify { body: text, deadline: d }
        | E::Extend { reason: text, deadline: d } => {
            p.quote = Some(text);
            p.deadline = Some(d);
        }
        E::RequestClarification { question: text } | E::Complain { reason: text } => p.quote = Some(text),
        E::Reply { outcome, body } => {
            p.args.push(("outcome", tr.t(&format!("outcome.{}", outcome.as_str())).to_string()));
            p.quote = Some(body);
        }
        E::Refuse { ground, ground_title, citation, reasons } => {
            p.args.push(("ground", ground.clone()));
            p.args.push(("ground_title", ground_title.get(locale).clone()));
            p.args.push(("citation", citation.get(locale).clone()));
            p.quote = Some(reasons);
        }
        E::Transfer { old_agency, reason, deadline: d } => {
            p.args.push(("old_agency", old_agency.clone()));
            p.quote = Some(reason);
            p.deadline = Some(d);
        }
        E::Withdraw | E::ReviewOverdue => {}
        E::MailMessage { from, body } => {
            p.args.push(("from", from.get(locale).clone()));
            p.quote = Some(body);
        }
        E::Reminder { due, left } => {
            p.args.push(("due", tr.due_by(*due)));
            p.args.push(("left", left.get(locale).clone()));
        }
        E::Overdue { due } => p.args.push(("due", tr.due(*due))),
        E::Decided { due, note, .. } => {
            p.args.push(("due", due.map(|d| tr.due_by(d)).unwrap_or_default()));
            p.quote = note.as_ref();
        }
    }
    p
}

/// The due instant (or that the clock is paused), then how it was counted.
fn deadline_paragraphs(tr: &Tr, dl: &DueLine) -> Vec<String> {
    let mut paragraphs = vec![match dl.due {
        Some(due) => tr.f("mail.req.due", &[("due", &tr.due(due))]),
        None => tr.t("mail.req.paused").to_string(),
    }];
    let steps = dl.steps.get(tr.locale);
    if !steps.is_empty() {
        paragraphs.push(format!("{} {}", tr.t("mail.req.why"), steps.join(" → ")));
    }
    paragraphs
}

fn lay_out(tr: &Tr, m: &Message, replies: bool) -> askama::Result<Rendered> {
    let footer = tr.t(if replies { "mail.footer_reply" } else { "mail.footer" });
    let text = TextMail { greeting: &m.greeting, paragraphs: &m.paragraphs, link: &m.link, after: &m.after, footer }
        .render()?;
    let html = HtmlMail {
        lang: tr.lang(),
        subject: &m.subject,
        greeting: &m.greeting,
        paragraphs: &m.paragraphs,
        link: &m.link,
        link_label: tr.t("mail.open_link"),
        after: &m.after,
        footer,
    }
    .render()?;
    Ok(Rendered { subject: m.subject.clone(), text, html })
}
