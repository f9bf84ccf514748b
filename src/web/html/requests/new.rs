//! Filing a request from the page: the form, the server-computed preview, the
//! submission.

use super::*;

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

async fn new_page(
    state: &AppState,
    req: &HttpRequest,
    user: &PageUser,
    form: NewForm,
    errors: FieldErrors,
    preview: Option<(DeadlineView, String)>,
) -> PageResult {
    let ctx = Ctx::new(req, user, "new.title");
    let verified = user.0.as_ref().is_some_and(|p| p.user.verified);
    let q = form.agency_q.trim().to_string();
    let chosen = form.agency_id.trim().to_string();
    let agencies = state
        .db(move |conn, env| {
            let mut list = if q.is_empty() {
                vec![]
            } else {
                directory::search(conn, env, Some(&q), None, Some(1), Some(20))?.items
            };
            if let Some(chosen) = Id::parse(&chosen)
                && !list.iter().any(|a| a.id == chosen.as_str())
                && let Some(a) = directory::agency(conn, env, &chosen)?
            {
                // Keep the chosen agency on the page across searches and previews.
                list.push(a);
            }
            Ok(list)
        })
        .await
        .or_page(req)?;
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
    Ok(render(status, &NewPage { ctx, form, agencies, searched, kinds, errors, preview, preview_due, verified }))
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
    let crate::web::Signed { user, .. } = state.signed_in(&req, &who).await?;
    let q = q.into_inner();
    let form = NewForm {
        agency_id: q.agency_id.unwrap_or_default(),
        agency_q: q.agency_q.unwrap_or_default(),
        kind: "information".into(),
        ..Default::default()
    };
    new_page(&state, &req, &user, form, FieldErrors::new(), None).await
}

pub async fn new_submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: SignedIn,
    CsrfForm(form): CsrfForm<NewForm>,
) -> PageResult {
    let crate::web::Signed { principal: p, user } = state.signed_in(&req, &who).await?;
    let input = FileInput {
        agency_id: form.agency_id.clone(),
        kind: form.kind.clone(),
        subject: form.subject.clone(),
        body: form.body.clone(),
    };
    let tr = crate::i18n::Tr::new(crate::web::html::locale(&req, Some(&p)));
    match form.op.as_str() {
        "file" => {
            let result = state.db(move |conn, env| file::file(conn, env, &p, &input, None)).await;
            match result {
                Ok(filed) => {
                    state.wake_mailer();
                    Ok(redirect(&format!("/requests/{}", filed.id)))
                }
                Err(AppError::Validation(errors)) => new_page(&state, &req, &user, form, errors, None).await,
                Err(AppError::Forbidden(_)) => {
                    let mut errors = FieldErrors::new();
                    errors.add("agency_id", "unverified");
                    new_page(&state, &req, &user, form, errors, None).await
                }
                Err(e) => Err(PageError::new(&req, e)),
            }
        }
        "preview" => {
            let (agency_id, kind) = (form.agency_id.clone(), form.kind.clone());
            match state.db(move |conn, env| read::preview(conn, env, &agency_id, &kind, None, &tr)).await {
                Ok(p) => new_page(&state, &req, &user, form, FieldErrors::new(), Some(p)).await,
                Err(AppError::Validation(mut errors)) => {
                    // Subject and body are not needed for a preview.
                    errors.0.retain(|k, _| k == "agency_id" || k == "kind");
                    new_page(&state, &req, &user, form, errors, None).await
                }
                Err(e) => Err(PageError::new(&req, e)),
            }
        }
        _ => new_page(&state, &req, &user, form, FieldErrors::new(), None).await,
    }
}
