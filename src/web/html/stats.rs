//! The Department's statistics pages: the dashboard (the province's totals and trends, the agency
//! table sortable by each column, the slowest and the most escalated), one agency's page, the
//! print-ready period report, its downloads, and a province's public scoreboard.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use askama::Template;
use serde::Deserialize;

use super::charts::{BarChart, bars};
use super::extract::{AdminOnly, CsrfField, CsrfForm, SignedIn, Visitor};
use super::page_errors::PageResult;
use super::{Ctx, redirect, render};
use crate::domain::account::Role;
use crate::domain::id::Id;
use crate::domain::stats::figures::Figures;
use crate::domain::validation::FieldErrors;
use crate::i18n::Tr;
use crate::service::AppError;
use crate::service::directory::{self, JurisdictionView};
use crate::service::stats::agency::{AgencyReport, agency_report};
use crate::service::stats::export::{Format, export};
use crate::service::stats::ranking::{self, SORT_KEYS};
use crate::service::stats::scoreboard::{Scoreboard, is_public, scoreboard, set_public};
use crate::service::stats::tables::{Cell, Table, Which, percent, tables};
use crate::service::stats::{AgencyStats, StatsQuery, StatsReport, Summary, agencies_report};
use crate::web::AppState;

/// The statistics pages, the report's downloads and the public scoreboard.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/stats", web::get().to(dashboard))
        .route("/stats/report", web::get().to(report))
        .route("/stats/report.{ext}", web::get().to(download))
        .route("/stats/agencies/{id}", web::get().to(agency))
        .route("/scoreboard/{code}", web::get().to(public_scoreboard))
        .route("/admin/scoreboards/{code}", web::post().to(scoreboard_save));
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct DashboardQuery {
    #[serde(flatten)]
    pub stats: StatsQuery,
    pub sort: Option<String>,
    pub dir: Option<String>,
}

/// Numbers, shares and intervals as the reader's language writes them.
pub struct Numbers(pub Tr);

/// Whole numbers as templates hand them over (by value or by reference, signed or not).
pub trait Whole {
    fn whole(&self) -> i64;
}

impl Whole for i64 {
    fn whole(&self) -> i64 {
        *self
    }
}

impl Whole for u64 {
    fn whole(&self) -> i64 {
        i64::try_from(*self).unwrap_or(i64::MAX)
    }
}

impl<T: Whole> Whole for &T {
    fn whole(&self) -> i64 {
        (*self).whole()
    }
}

impl Numbers {
    pub fn at(&self, d: &chrono::DateTime<chrono::Utc>) -> String {
        self.0.datetime(*d)
    }

    pub fn int(&self, n: impl Whole) -> String {
        let n = n.whole();
        let sep = if self.0.lang() == "en" { ',' } else { '.' };
        let digits = n.unsigned_abs().to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(sep);
            }
            out.push(c);
        }
        if n < 0 { format!("-{out}") } else { out }
    }

    pub fn share(&self, s: &Option<f64>) -> String {
        s.map_or("–".into(), |s| percent(s, &self.0))
    }

    pub fn interval(&self, f: &Figures) -> String {
        f.on_time_interval.map_or(String::new(), |i| {
            self.0.f("stats.interval", &[("low", &percent(i.low, &self.0)), ("high", &percent(i.high, &self.0))])
        })
    }

    pub fn days(&self, d: &Option<u32>) -> String {
        d.map_or("–".into(), |d| d.to_string())
    }

    pub fn summary_line(&self, f: &Figures) -> String {
        let received = self.int(f.received);
        match f.on_time_ratio {
            Some(s) => self.0.f(
                "stats.summary_line",
                &[
                    ("received", &received),
                    ("answered", &self.int(f.answered)),
                    ("refused", &self.int(f.refused)),
                    ("share", &percent(s, &self.0)),
                ],
            ),
            None => self.0.f("stats.summary_line_none", &[("received", &received)]),
        }
    }
}

/// The two trend charts of a summary: requests received, and the on-time share.
fn trend_charts(t: &Tr, id: &str, s: &Summary) -> Vec<BarChart> {
    let n = Numbers(*t);
    let received: Vec<(String, Option<f64>)> =
        s.trend.iter().map(|p| (p.period.clone(), Some(p.figures.received as f64))).collect();
    let shares: Vec<(String, Option<f64>)> =
        s.trend.iter().map(|p| (p.period.clone(), p.figures.on_time_ratio)).collect();
    let describe = |points: &[(String, Option<f64>)], show: &dyn Fn(f64) -> String| {
        points.iter().map(|(l, v)| format!("{l}: {}", v.map_or("–".into(), show))).collect::<Vec<_>>().join("; ")
    };
    let show_int = |v: f64| n.int(v.round() as i64);
    let show_share = |v: f64| percent(v, t);
    vec![
        bars(
            &format!("{id}-received"),
            t.t("stats.requests_per_month").into(),
            describe(&received, &show_int),
            t.t("stats.col.received").into(),
            &received,
            None,
            show_int,
        ),
        bars(
            &format!("{id}-on-time"),
            t.t("stats.on_time_per_month").into(),
            describe(&shares, &show_share),
            t.t("stats.col.on_time_share").into(),
            &shares,
            Some(1.0),
            show_share,
        ),
    ]
}

/// The query as a query string (for the sort links and the downloads), without sort and dir.
fn query_string(q: &StatsQuery) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in
        [("from", &q.from), ("to", &q.to), ("jurisdiction", &q.jurisdiction), ("level", &q.level), ("group", &q.group)]
    {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            s.append_pair(k, v);
        }
    }
    s.finish()
}

#[derive(Template)]
#[template(path = "stats_dashboard.html")]
pub struct DashboardPage {
    pub ctx: Ctx,
    pub n: Numbers,
    pub q: StatsQuery,
    pub sort: String,
    pub desc: bool,
    pub errors: FieldErrors,
    pub report: Option<StatsReport>,
    pub charts: Vec<BarChart>,
    pub slowest: Vec<AgencyStats>,
    pub escalated: Vec<AgencyStats>,
    pub provinces: Vec<JurisdictionView>,
    /// The one province shown, with whether it publishes its scoreboard.
    pub scoreboard: Option<(String, bool)>,
}

impl DashboardPage {
    fn is_admin(&self) -> bool {
        self.ctx.user.as_ref().is_some_and(|u| u.role == Role::Admin)
    }
    fn qs(&self) -> String {
        query_string(&self.q)
    }
    fn sort_link(&self, key: &str) -> String {
        let desc = if self.sort == key { !self.desc } else { key != "name" };
        format!("/stats?{}&sort={key}&dir={}", self.qs(), if desc { "desc" } else { "asc" })
    }
    fn aria_sort(&self, key: &str) -> &'static str {
        match (self.sort == key, self.desc) {
            (false, _) => "none",
            (true, true) => "descending",
            (true, false) => "ascending",
        }
    }
    fn value(&self, v: &Option<String>) -> String {
        v.clone().unwrap_or_default()
    }
    fn sel(&self, v: &Option<String>, option: &str) -> bool {
        v.as_deref() == Some(option)
    }
    fn date(&self, d: &chrono::NaiveDate) -> String {
        d.format("%d/%m/%Y").to_string()
    }
    fn name(&self, a: &AgencyStats) -> String {
        self.ctx.agency_name(&a.agency.name, a.agency.name_en.as_deref())
    }
    /// "2 working days (90 %: 6)".
    fn days_pair(&self, f: &Figures) -> String {
        self.ctx.t.f(
            "stats.wd_pair",
            &[("median", &self.n.days(&f.working_days_median)), ("p90", &self.n.days(&f.working_days_p90))],
        )
    }
    fn too_few_note(&self) -> String {
        self.ctx.t.f("stats.too_few_note", &[("n", "5")])
    }
}

pub async fn dashboard(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: SignedIn,
    q: web::Query<DashboardQuery>,
) -> PageResult {
    let DashboardQuery { stats: mut q, sort, dir } = q.into_inner();
    // The dashboard opens on a year of trends; the report and the API default to the quarter.
    q.span.get_or_insert_with(|| "year".into());
    let q2 = q.clone();
    let (user, (result, provinces)) = state
        .page(&req, &who, move |conn, env, p| {
            let is_admin = p.role == Role::Admin;
            let provinces = if is_admin { directory::list_jurisdictions(conn)? } else { vec![] };
            let report = match agencies_report(conn, env, p, &q2) {
                Err(AppError::Validation(f)) => return Ok((Err(f), provinces)),
                other => other?,
            };
            let board = match report.provinces.as_slice() {
                [one] => Some((one.code.clone(), is_public(conn, &one.code)?)),
                _ => None,
            };
            Ok((Ok((report, board)), provinces))
        })
        .await?;
    let ctx = Ctx::new(&req, &user, "stats.dashboard_title");
    let t = ctx.t;
    let sort = sort.filter(|s| SORT_KEYS.contains(&s.as_str())).unwrap_or_else(|| "received".into());
    let desc = dir.as_deref().map_or(sort != "name", |d| d == "desc");
    let mut page = DashboardPage {
        ctx,
        n: Numbers(t),
        q: StatsQuery::default(),
        sort,
        desc,
        errors: FieldErrors::new(),
        report: None,
        charts: vec![],
        slowest: vec![],
        escalated: vec![],
        provinces,
        scoreboard: None,
    };
    let status = match result {
        Err(errors) => {
            page.errors = errors;
            page.q = q;
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Ok((mut report, board)) => {
            q.from = Some(report.from.format("%d/%m/%Y").to_string());
            q.to = Some(report.to.format("%d/%m/%Y").to_string());
            ranking::sort(&mut report.agencies, &page.sort, page.desc);
            page.charts = trend_charts(&t, "province", &report.totals);
            page.slowest = ranking::slowest(&report.agencies, 5);
            page.escalated = ranking::most_escalated(&report.agencies, 5);
            page.scoreboard = board;
            page.report = Some(report);
            page.q = q;
            StatusCode::OK
        }
    };
    Ok(render(status, &page))
}

#[derive(Template)]
#[template(path = "stats_agency.html")]
pub struct AgencyPage {
    pub ctx: Ctx,
    pub n: Numbers,
    pub r: AgencyReport,
    pub charts: Vec<BarChart>,
    pub back: String,
}

impl AgencyPage {
    fn at(&self, d: &chrono::DateTime<chrono::Utc>) -> String {
        self.ctx.t.datetime(*d)
    }
    fn due(&self, d: &Option<chrono::DateTime<chrono::Utc>>) -> String {
        d.map_or("–".into(), |d| self.ctx.t.due(d))
    }
    fn date(&self, d: &chrono::NaiveDate) -> String {
        d.format("%d/%m/%Y").to_string()
    }
    fn kind(&self, k: &crate::domain::kind::RequestKind) -> String {
        self.ctx.t.t(&format!("kind.{}", k.as_str())).to_string()
    }
}

pub async fn agency(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: SignedIn,
    id: web::Path<Id>,
    q: web::Query<StatsQuery>,
) -> PageResult {
    let (id, q) = (id.into_inner(), q.into_inner());
    let back = format!("/stats?{}", query_string(&q));
    let (user, r) = state.page(&req, &who, move |conn, env, p| agency_report(conn, env, p, &id, &q)).await?;
    let mut ctx = Ctx::new(&req, &user, "stats.title");
    let name = ctx.agency_name(&r.stats.agency.name, r.stats.agency.name_en.as_deref());
    ctx.title = ctx.t.f("stats.agency_title", &[("agency", &name)]);
    let t = ctx.t;
    let charts = trend_charts(&t, "agency", &r.stats.summary);
    Ok(render(StatusCode::OK, &AgencyPage { ctx, n: Numbers(t), r, charts, back }))
}

#[derive(Template)]
#[template(path = "stats_report.html")]
pub struct ReportPage {
    pub ctx: Ctx,
    pub n: Numbers,
    pub report: StatsReport,
    pub tables: Vec<Table>,
    pub qs: String,
}

impl ReportPage {
    fn cell(&self, c: &Cell) -> String {
        match c {
            Cell::Text(s) => s.clone(),
            Cell::Int(n) => self.n.int(*n),
            Cell::Share(s) => percent(*s, &self.ctx.t),
            Cell::Empty => String::new(),
        }
    }
    fn numeric(&self, c: &Cell) -> bool {
        matches!(c, Cell::Int(_) | Cell::Share(_))
    }
}

pub async fn report(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: SignedIn,
    q: web::Query<StatsQuery>,
) -> PageResult {
    let q = q.into_inner();
    let qs = query_string(&q);
    let (user, report) = state.page(&req, &who, move |conn, env, p| agencies_report(conn, env, p, &q)).await?;
    let ctx = Ctx::new(&req, &user, "stats.report_title");
    let t = ctx.t;
    // The summary sheet's facts are in the page's heading; the tables follow.
    let tables = tables(&report, &t).into_iter().skip(1).collect();
    Ok(render(StatusCode::OK, &ReportPage { ctx, n: Numbers(t), report, tables, qs }))
}

#[derive(Debug, Deserialize)]
pub struct DownloadQuery {
    #[serde(flatten)]
    pub stats: StatsQuery,
    pub table: Option<String>,
}

/// `/stats/report.xlsx` and `/stats/report.csv?table=…`.
pub async fn download(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: SignedIn,
    ext: web::Path<String>,
    q: web::Query<DownloadQuery>,
) -> PageResult {
    let DownloadQuery { stats, table } = q.into_inner();
    let format = match ext.as_str() {
        "xlsx" => Some(Format::Xlsx),
        "csv" => Some(Format::Csv(table.as_deref().and_then(Which::parse).unwrap_or(Which::Agencies))),
        _ => None,
    };
    let chosen = crate::web::html::chosen_locale(&req);
    let (_, file) = state
        .page(&req, &who, move |conn, env, p| {
            // Only for a signed-in visitor is an unknown format a page that does not exist.
            let format = format.ok_or_else(AppError::not_found)?;
            export(conn, env, p, &stats, format, chosen.unwrap_or(p.locale()))
        })
        .await?;
    Ok(crate::web::api::stats::download(file))
}

#[derive(Template)]
#[template(path = "scoreboard.html")]
pub struct ScoreboardPage {
    pub ctx: Ctx,
    pub n: Numbers,
    pub board: Scoreboard,
}

impl ScoreboardPage {
    fn date(&self, d: &chrono::NaiveDate) -> String {
        d.format("%d/%m/%Y").to_string()
    }
    fn interval(&self, i: &crate::domain::stats::figures::Interval) -> String {
        let t = &self.ctx.t;
        t.f("stats.interval", &[("low", &percent(i.low, t)), ("high", &percent(i.high, t))])
    }
}

/// A province's public scoreboard: anyone may read it once the province publishes it.
pub async fn public_scoreboard(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Visitor,
    code: web::Path<String>,
) -> PageResult {
    let code = code.into_inner();
    let (user, board) = state.visit(&req, &who, move |conn, env, _| scoreboard(conn, env, &code)).await?;
    let mut ctx = Ctx::new(&req, &user, "stats.scoreboard");
    ctx.title = ctx.t.f("stats.scoreboard_title", &[("province", &board.province.name)]);
    let t = ctx.t;
    Ok(render(StatusCode::OK, &ScoreboardPage { ctx, n: Numbers(t), board }))
}

#[derive(Deserialize)]
pub struct ScoreboardForm {
    csrf: String,
    /// "1" publishes; anything else withdraws.
    public: Option<String>,
}

impl CsrfField for ScoreboardForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

pub async fn scoreboard_save(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: SignedIn<AdminOnly>,
    code: web::Path<String>,
    form: CsrfForm<ScoreboardForm>,
) -> PageResult {
    let code = code.into_inner();
    let public = form.0.public.as_deref() == Some("1");
    let back =
        format!("/stats?jurisdiction={}", url::form_urlencoded::byte_serialize(code.as_bytes()).collect::<String>());
    state.page(&req, &who, move |conn, env, p| set_public(conn, env, p, &code, public)).await?;
    Ok(redirect(&back))
}
