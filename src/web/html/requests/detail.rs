//! One request: its page with the deadline explanation and timeline, the
//! forms of the actions the viewer may take, attachments.

use super::*;
use crate::domain::request::Status;

#[derive(Template)]
#[template(path = "request_detail.html")]
pub struct DetailPage {
    pub ctx: Ctx,
    pub r: RequestDetail,
    pub due: Option<DueText>,
    pub grounds: Vec<RefusalGround>,
    pub transfer_groups: Vec<AgencyGroup>,
    pub errors: FieldErrors,
    pub failed_action: String,
    pub message: Option<String>,
}

impl DetailPage {
    fn can(&self, action: &str) -> bool {
        self.r.allowed_actions.contains(&action)
    }
    fn status_name(&self) -> String {
        self.ctx.t.t(&format!("status.{}", self.r.status)).to_string()
    }
    fn kind_name(&self) -> String {
        self.ctx.t.t(&format!("kind.{}", self.r.kind)).to_string()
    }
    fn event_name(&self, kind: &str) -> String {
        self.ctx.t.get(&format!("event.{kind}")).map(str::to_string).unwrap_or_else(|| kind.replace('_', " "))
    }
    fn at(&self, t: &DateTime<Utc>) -> String {
        self.ctx.t.datetime(*t)
    }
    fn agency_name(&self) -> String {
        self.ctx.agency_name(&self.r.agency.name, self.r.agency.name_en.as_deref())
    }
    fn outcome_name(&self, o: &dyn std::fmt::Display) -> String {
        self.ctx.t.t(&format!("outcome.{o}")).to_string()
    }
    fn ground_title(&self, g: &RefusalGround) -> String {
        if self.ctx.t.lang() == "en" { g.title_en.clone() } else { g.title_vi.clone() }
    }
    /// The ground a refusal gave, by its title and citation (the code alone
    /// tells a reader nothing); `None` if the policy no longer lists it.
    fn refusal_ground(&self, code: &str) -> Option<(String, String)> {
        self.grounds.iter().find(|g| g.code == code).map(|g| (self.ground_title(g), self.ground_citation(g)))
    }
    /// A ground's citation after the words of its basis ("áp dụng tương tự Luật …").
    fn ground_citation(&self, g: &RefusalGround) -> String {
        crate::service::explain::cite(&self.ctx.t, &g.cited())
    }
    fn escalation_text(&self) -> Option<String> {
        let e = self.r.escalation.as_ref().filter(|e| e.status.is_open())?;
        let reason = self.ctx.t.t(&format!("escalation_reason.{}", e.reason)).to_string();
        Some(self.ctx.t.f("req.escalation", &[("reason", &reason)]))
    }
    fn err_for(&self, action: &str, field: &str) -> Option<String> {
        if self.failed_action == action { self.ctx.field_error(&self.errors, field) } else { None }
    }
    /// The rules applied, by the pack's title (its version is a file name).
    fn policy_text(&self) -> String {
        self.ctx.t.f("req.policy_version", &[("title", &self.r.deadline.policy_title)])
    }
    fn size_text(&self, bytes: &i64) -> String {
        if *bytes >= 1024 * 1024 {
            format!("{:.1} MB", *bytes as f64 / 1048576.0)
        } else {
            format!("{} KB", (bytes + 1023) / 1024)
        }
    }
    /// The open escalation the Department viewer may act on.
    fn open_escalation_id(&self) -> Option<String> {
        if self.r.viewer != Party::Department {
            return None;
        }
        self.r.escalation.as_ref().filter(|e| e.status.is_open()).map(|e| e.id.clone())
    }

    fn can_attach(&self) -> bool {
        matches!(self.r.viewer, Party::Reporter | Party::Spokesperson)
            && !matches!(self.r.status, Status::Withdrawn | Status::Closed)
    }
}

/// What a form post tells the page it re-renders: field errors of one
/// action's form, or a message, with the status to answer.
pub struct Feedback {
    pub errors: FieldErrors,
    pub failed_action: String,
    pub status: StatusCode,
    pub message: Option<String>,
}

impl Feedback {
    fn ok(message: Option<String>) -> Feedback {
        Feedback { errors: FieldErrors::new(), failed_action: String::new(), status: StatusCode::OK, message }
    }
    fn fields(action: &str, errors: FieldErrors) -> Feedback {
        Feedback { errors, failed_action: action.into(), status: StatusCode::UNPROCESSABLE_ENTITY, message: None }
    }
    fn refused(e: &AppError) -> Feedback {
        Feedback {
            errors: FieldErrors::new(),
            failed_action: String::new(),
            status: e.status(),
            message: Some(e.to_string()),
        }
    }
}

/// The request page's data: the request and, when the viewer may transfer
/// it, where to.
type DetailData = (RequestDetail, Option<directory::TransferChoices>);

/// The request page again for a visitor already known (after a form post),
/// with what the post tells.
async fn detail_page(state: &AppState, req: &HttpRequest, user: PageUser, id: Id, fb: Feedback) -> PageResult {
    let p = user.signed_in(req)?;
    let tr = crate::i18n::Tr::new(crate::web::html::locale(req, Some(&p)));
    let data = state.db(move |conn, env| read::detail_for_page(conn, env, &p, &id, &tr)).await.or_page(req)?;
    Ok(render_detail(state, req, &user, data, fb))
}

fn render_detail(
    state: &AppState,
    req: &HttpRequest,
    user: &PageUser,
    (r, choices): DetailData,
    fb: Feedback,
) -> actix_web::HttpResponse {
    let mut ctx = Ctx::new(req, user, "req.timeline");
    ctx.title = format!("{} — {}", r.reference, r.subject);
    let rules = state.rules.current();
    let due = due_text(&ctx, &rules.calendar, r.due_at, r.overdue, r.status.is_open(), state.clock.now());
    let received = crate::service::requests::utc(r.received_at.naive_utc());
    let pack = rules.pack_of(&r.deadline.policy_version, received);
    let kind = r.kind;
    let grounds = pack.grounds_for(kind).into_iter().cloned().collect();
    let transfer_groups = choices.map(|c| transfer_groups(&ctx, &r.jurisdiction, c)).unwrap_or_default();
    let Feedback { errors, failed_action, status, message } = fb;
    render(status, &DetailPage { ctx, r, due, grounds, transfer_groups, errors, failed_action, message })
}

/// Where a request can be transferred: the agency competent for it, which may
/// be in another province or at the national level. The request's own
/// province comes first, one group per level; then each other jurisdiction in
/// one group, by name.
fn transfer_groups(ctx: &Ctx, own: &str, choices: directory::TransferChoices) -> Vec<AgencyGroup> {
    let (here, elsewhere): (Vec<AgencyView>, Vec<AgencyView>) =
        choices.agencies.into_iter().partition(|a| a.jurisdiction == own);
    let mut groups = agency_groups(ctx, here);
    let mut others: Vec<&crate::service::directory::JurisdictionView> =
        choices.jurisdictions.iter().filter(|j| j.code != own).collect();
    others.sort_by_cached_key(|j| (crate::domain::text::fold(&j.name), j.code.clone()));
    for j in others {
        let mut options: Vec<AgencyOption> =
            elsewhere.iter().filter(|a| a.jurisdiction == j.code).map(|a| option_of(ctx, a)).collect();
        options.sort_by_cached_key(|o| (crate::domain::text::fold(&o.label), o.label.clone()));
        if !options.is_empty() {
            groups.push(AgencyGroup { label: ctx.t.f("act.target_elsewhere", &[("province", &j.name)]), options });
        }
    }
    groups
}

/// Agencies a request can go to, in one group per level (in the directory's
/// order of levels), each sorted by the name shown.
pub struct AgencyGroup {
    pub label: String,
    pub options: Vec<AgencyOption>,
}

pub struct AgencyOption {
    pub id: String,
    pub label: String,
}

fn agency_groups(ctx: &Ctx, agencies: Vec<AgencyView>) -> Vec<AgencyGroup> {
    use crate::domain::directory::AgencyLevel;
    let level_of = |a: &AgencyView| a.level;
    AgencyLevel::ALL
        .into_iter()
        .filter_map(|level| {
            let mut options: Vec<AgencyOption> =
                agencies.iter().filter(|a| level_of(a) == level).map(|a| option_of(ctx, a)).collect();
            options.sort_by_cached_key(|o| (crate::domain::text::fold(&o.label), o.label.clone()));
            let label = ctx.t.t(&format!("level.{}", level.as_str())).to_string();
            (!options.is_empty()).then_some(AgencyGroup { label, options })
        })
        .collect()
}

fn option_of(ctx: &Ctx, a: &AgencyView) -> AgencyOption {
    let name = ctx.agency_label(&a.name, a.name_en.as_deref());
    let label =
        if a.spokespeople.is_empty() { format!("{name} ({})", ctx.t.t("act.target_no_spokesperson")) } else { name };
    AgencyOption { id: a.id.clone(), label }
}

pub async fn detail(state: web::Data<AppState>, req: HttpRequest, who: SignedIn, path: web::Path<Id>) -> PageResult {
    let id = path.into_inner();
    let chosen = crate::web::html::chosen_locale(&req);
    let (user, data) = state
        .page(&req, &who, move |conn, env, p| {
            let tr = crate::i18n::Tr::new(chosen.unwrap_or(p.locale()));
            read::detail_for_page(conn, env, p, &id, &tr)
        })
        .await?;
    let message = req
        .query_string()
        .contains("done=1")
        .then(|| crate::web::html::locale(&req, user.0.as_ref()))
        .map(|l| crate::i18n::Tr::new(l).t("act.done").to_string());
    Ok(render_detail(&state, &req, &user, data, Feedback::ok(message)))
}

#[derive(Debug, Default, Deserialize)]
pub struct ActForm {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    input: ActionInput,
}

csrf_field!(ActForm);

/// What an action form post came to.
enum Acted {
    /// Done; whether the request is still the viewer's to see.
    Done { visible: bool },
    /// Refused or invalid: the page again, with why.
    Again(Box<(DetailData, Feedback)>),
}

pub async fn act(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: SignedIn,
    path: web::Path<Id>,
    CsrfForm(form): CsrfForm<ActForm>,
) -> PageResult {
    let id = path.into_inner();
    let chosen = crate::web::html::chosen_locale(&req);
    let id2 = id.clone();
    let (user, acted) = state
        .page(&req, &who, move |conn, env, p| {
            let feedback = match act::act(conn, env, p, &id2, &form.input) {
                Ok(acted) => return Ok(Acted::Done { visible: acted.visible() }),
                Err(AppError::Validation(errors)) => Feedback::fields(&form.input.action, errors),
                Err(
                    e @ (AppError::InvalidTransition(_)
                    | AppError::Refused { .. }
                    | AppError::Conflict(_)
                    | AppError::Forbidden(_)),
                ) => Feedback::refused(&e),
                Err(e) => return Err(e),
            };
            let tr = crate::i18n::Tr::new(chosen.unwrap_or(p.locale()));
            Ok(Acted::Again(Box::new((read::detail_for_page(conn, env, p, &id2, &tr)?, feedback))))
        })
        .await?;
    match acted {
        Acted::Done { visible } => {
            state.wake_mailer();
            if visible {
                Ok(redirect(&format!("/requests/{id}?done=1")))
            } else {
                // The request has left the caller's agencies (a transfer): its
                // page is no longer theirs to see.
                Ok(redirect("/requests?transferred=1"))
            }
        }
        Acted::Again(again) => {
            let (data, feedback) = *again;
            Ok(render_detail(&state, &req, &user, data, feedback))
        }
    }
}
pub async fn attach(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: SignedIn,
    path: web::Path<Id>,
    payload: web::Payload,
) -> PageResult {
    let id = path.into_inner();
    // Whether the viewer may attach here is settled before a byte of the body is read.
    let id2 = id.clone();
    let (user, may) = state.page(&req, &who, move |conn, _, p| Ok(attachments::may_attach(conn, p, &id2))).await?;
    match may {
        Ok(()) => {}
        Err(e @ (AppError::InvalidTransition(_) | AppError::Forbidden(_))) => {
            return detail_page(&state, &req, user, id, Feedback::refused(&e)).await;
        }
        Err(e) => return Err(PageError::new(&req, e)),
    }
    let p = user.signed_in(&req)?;
    let upload = match upload::read(&req, payload, &state.config).await {
        Ok(x) => x,
        Err(e) => return detail_page(&state, &req, user, id, Feedback::refused(&e)).await,
    };
    if !csrf::valid(&req, upload.field("csrf").unwrap_or_default()) {
        return Err(PageError::csrf(&req));
    }
    let Some(file) = upload.file.filter(|f| f.size > 0) else {
        let mut errors = FieldErrors::new();
        errors.add("file", "required");
        return detail_page(&state, &req, user, id, Feedback::fields("attach", errors)).await;
    };
    let id2 = id.clone();
    match upload::attach(&state, p, id2, file).await {
        Ok(_) => Ok(redirect(&format!("/requests/{id}?done=1#attachments"))),
        Err(
            e @ (AppError::UnsupportedMediaType(_)
            | AppError::TooLarge(_)
            | AppError::InvalidTransition(_)
            | AppError::Forbidden(_)
            | AppError::Conflict(_)),
        ) => detail_page(&state, &req, user, id, Feedback::refused(&e)).await,
        Err(e) => Err(PageError::new(&req, e)),
    }
}

pub async fn download(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: SignedIn,
    path: web::Path<(Id, Id)>,
) -> PageResult {
    let (id, aid) = path.into_inner();
    let (_, a) = state.page(&req, &who, move |conn, _, p| attachments::find(conn, p, &id, &aid)).await?;
    file_response(&state, &a).await.or_page(&req)
}
