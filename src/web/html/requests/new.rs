//! Filing a request from the page: the form, the server-computed preview, the
//! submission.

use super::*;
use actix_web::HttpResponse;

#[derive(Debug, Default, Deserialize, Clone)]
pub struct NewForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    op: String,
    #[serde(default)]
    agency_q: String,
    #[serde(default)]
    agency_id: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    body: String,
}

csrf_field!(NewForm);

pub struct KindChoice {
    pub value: &'static str,
    pub name: String,
    pub explanation: String,
}

#[derive(Template)]
#[template(path = "request_new.html")]
pub struct NewPage {
    pub ctx: Ctx,
    pub form: NewForm,
    pub agencies: Vec<AgencyView>,
    pub searched: bool,
    pub kinds: Vec<KindChoice>,
    pub errors: FieldErrors,
    pub preview: Option<(DeadlineView, String)>,
    pub preview_due: String,
    pub verified: bool,
}

impl NewPage {
    fn err(&self, field: &str) -> Option<String> {
        self.ctx.field_error(&self.errors, field)
    }
    /// The errors for the summary, in the order of the form, each with the
    /// name of its field: (field id, "Tiêu đề: Không được để trống.").
    fn summary(&self) -> Vec<(String, String)> {
        let order =
            [("agency_id", "req.agency"), ("kind", "req.kind"), ("subject", "req.subject"), ("body", "req.body")];
        let known = order
            .iter()
            .filter_map(|(f, label)| self.err(f).map(|e| (f.to_string(), format!("{}: {e}", self.ctx.t.t(label)))));
        let others = self
            .errors
            .0
            .keys()
            .filter(|k| !order.iter().any(|(f, _)| f == k))
            .filter_map(|k| self.err(k).map(|e| (k.clone(), e)));
        known.chain(others).collect()
    }
    fn agency_label(&self, a: &AgencyView) -> String {
        self.ctx.agency_label(&a.name, a.name_en.as_deref())
    }
}

/// The filing form's page, with the agencies it offers (`directory::offered`).
fn new_page(
    state: &AppState,
    req: &HttpRequest,
    user: &PageUser,
    form: NewForm,
    Again { errors, preview, agencies }: Again,
) -> HttpResponse {
    let ctx = Ctx::new(req, user, "new.title");
    let verified = user.0.as_ref().is_some_and(|p| p.user.verified);
    let rules = state.rules.current();
    let pack = rules.policies.in_force(state.clock.now());
    let kinds = RequestKind::ALL
        .iter()
        .map(|k| {
            let rule = pack.rule(*k, None);
            KindChoice {
                value: k.as_str(),
                name: ctx.t.t(&format!("kind.{}", k.as_str())).to_string(),
                explanation: if ctx.t.lang() == "en" {
                    rule.explanation_en.clone()
                } else {
                    rule.explanation_vi.clone()
                },
            }
        })
        .collect();
    let preview_due = preview.as_ref().and_then(|(d, _)| d.due_at).map(|d| ctx.t.due(d)).unwrap_or_default();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let searched = !form.agency_q.trim().is_empty();
    render(status, &NewPage { ctx, form, agencies, searched, kinds, errors, preview, preview_due, verified })
}

/// The form shown (again), as the page's one blocking call read it.
struct Again {
    errors: FieldErrors,
    preview: Option<(DeadlineView, String)>,
    agencies: Vec<AgencyView>,
}

#[derive(Deserialize)]
pub struct NewQuery {
    agency_id: Option<String>,
    agency_q: Option<String>,
}

pub async fn new_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: SignedIn,
    q: web::Query<NewQuery>,
) -> PageResult {
    let q = q.into_inner();
    let form = NewForm {
        agency_id: q.agency_id.unwrap_or_default(),
        agency_q: q.agency_q.unwrap_or_default(),
        kind: "information".into(),
        ..Default::default()
    };
    let (search, chosen) = (form.agency_q.trim().to_string(), form.agency_id.trim().to_string());
    let (user, agencies) =
        state.page(&req, &who, move |conn, env, _| directory::offered(conn, env, &search, &chosen)).await?;
    Ok(new_page(&state, &req, &user, form, Again { errors: FieldErrors::new(), preview: None, agencies }))
}

/// How a post of the filing form ended.
enum Submitted {
    Filed(Id),
    Shown(Again),
}

pub async fn new_submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: SignedIn,
    CsrfForm(form): CsrfForm<NewForm>,
) -> PageResult {
    let input = FileInput {
        agency_id: form.agency_id.clone(),
        kind: form.kind.clone(),
        subject: form.subject.clone(),
        body: form.body.clone(),
    };
    let chosen_locale = crate::web::html::chosen_locale(&req);
    let (op, search, chosen) = (form.op.clone(), form.agency_q.trim().to_string(), form.agency_id.trim().to_string());
    let (user, submitted) = state
        .page(&req, &who, move |conn, env, p| {
            let (errors, preview) = match op.as_str() {
                "file" => match file::file(conn, env, p, &input, None) {
                    Ok(filed) => return Ok(Submitted::Filed(filed.id)),
                    Err(AppError::Validation(errors)) => (errors, None),
                    Err(AppError::Forbidden(_)) => {
                        let mut errors = FieldErrors::new();
                        errors.add("agency_id", "unverified");
                        (errors, None)
                    }
                    Err(e) => return Err(e),
                },
                "preview" => {
                    let tr = crate::i18n::Tr::new(chosen_locale.unwrap_or_else(|| p.locale()));
                    match read::preview(conn, env, &input.agency_id, &input.kind, None, &tr) {
                        Ok(preview) => (FieldErrors::new(), Some(preview)),
                        Err(AppError::Validation(mut errors)) => {
                            // Subject and body are not needed for a preview.
                            errors.0.retain(|k, _| k == "agency_id" || k == "kind");
                            (errors, None)
                        }
                        Err(e) => return Err(e),
                    }
                }
                _ => (FieldErrors::new(), None),
            };
            let agencies = directory::offered(conn, env, &search, &chosen)?;
            Ok(Submitted::Shown(Again { errors, preview, agencies }))
        })
        .await?;
    match submitted {
        Submitted::Filed(id) => {
            state.wake_mailer();
            Ok(redirect(&format!("/requests/{id}")))
        }
        Submitted::Shown(again) => Ok(new_page(&state, &req, &user, form, again)),
    }
}
