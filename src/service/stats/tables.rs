//! A statistics report as tables with headings in the reader's language: the one shape the
//! spreadsheet (one sheet per table), the CSV files and the print page are all made from.

use serde::Serialize;

use super::{AgencyStats, StatsReport, Summary};
use crate::domain::stats::figures::Figures;
use crate::i18n::Tr;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Cell {
    Text(String),
    Int(i64),
    /// A share in 0..=1, shown as a percentage.
    Share(f64),
    Empty,
}

#[derive(Debug, Clone, Serialize)]
pub struct Table {
    /// The table's name (a sheet's name, at most 31 characters).
    pub name: String,
    pub headings: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// Which table a CSV file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    Summary,
    Agencies,
    Trend,
    Grounds,
}

impl Which {
    pub fn parse(s: &str) -> Option<Which> {
        match s {
            "summary" => Some(Which::Summary),
            "agencies" => Some(Which::Agencies),
            "trend" => Some(Which::Trend),
            "grounds" => Some(Which::Grounds),
            _ => None,
        }
    }
}

fn int(n: u64) -> Cell {
    Cell::Int(i64::try_from(n).unwrap_or(i64::MAX))
}

fn opt(n: Option<u32>) -> Cell {
    n.map_or(Cell::Empty, |n| Cell::Int(n.into()))
}

fn share(s: Option<f64>) -> Cell {
    s.map_or(Cell::Empty, Cell::Share)
}

/// The figure columns every table of figures has, after its own first columns.
fn figure_headings(t: &Tr) -> Vec<String> {
    [
        "stats.col.received",
        "stats.col.answered",
        "stats.col.granted",
        "stats.col.partial",
        "stats.col.not_held",
        "stats.col.refused",
        "stats.col.withdrawn",
        "stats.col.transferred_out",
        "stats.col.on_time",
        "stats.col.late",
        "stats.col.on_time_share",
        "stats.col.interval_low",
        "stats.col.interval_high",
        "stats.col.wd_median",
        "stats.col.wd_p90",
        "stats.col.escalated",
        "stats.col.escalations_resolved",
        "stats.col.complaints",
    ]
    .iter()
    .map(|k| t.t(k).to_string())
    .collect()
}

fn figure_cells(f: &Figures) -> Vec<Cell> {
    vec![
        int(f.received),
        int(f.answered),
        int(f.answered_by_outcome.granted),
        int(f.answered_by_outcome.partial),
        int(f.answered_by_outcome.not_held),
        int(f.refused),
        int(f.withdrawn),
        int(f.transferred_out),
        int(f.on_time),
        int(f.late),
        share(f.on_time_ratio),
        share(f.on_time_interval.map(|i| i.low)),
        share(f.on_time_interval.map(|i| i.high)),
        opt(f.working_days_median),
        opt(f.working_days_p90),
        int(f.escalated),
        int(f.escalations_resolved),
        int(f.complaints),
    ]
}

pub fn agency_name(a: &AgencyStats, t: &Tr) -> String {
    match (&a.agency.name_en, t.lang()) {
        (Some(en), "en") if !en.is_empty() => en.clone(),
        _ => a.agency.name.clone(),
    }
}

/// The report's tables, in sheet order.
pub fn tables(r: &StatsReport, t: &Tr) -> Vec<Table> {
    vec![summary(r, t), agencies(r, t), trend(&r.totals, t), grounds(r, t)]
}

pub fn table(r: &StatsReport, t: &Tr, which: Which) -> Table {
    match which {
        Which::Summary => summary(r, t),
        Which::Agencies => agencies(r, t),
        Which::Trend => trend(&r.totals, t),
        Which::Grounds => grounds(r, t),
    }
}

fn summary(r: &StatsReport, t: &Tr) -> Table {
    let text = |s: String| Cell::Text(s);
    let provinces = r.provinces.iter().map(|p| p.name.clone()).collect::<Vec<_>>().join(", ");
    let policies = r
        .policy_versions
        .iter()
        .map(|p| format!("{} ({})", if t.lang() == "en" { &p.title_en } else { &p.title }, p.version))
        .collect::<Vec<_>>()
        .join("; ");
    let mut rows = vec![
        vec![text(t.t("stats.province").into()), text(provinces)],
        vec![
            text(t.t("stats.period").into()),
            text(format!("{} – {}", r.from.format("%d/%m/%Y"), r.to.format("%d/%m/%Y"))),
        ],
        vec![text(t.t("stats.generated_at").into()), text(t.datetime(r.generated_at))],
        vec![text(t.t("stats.policy_versions").into()), text(policies)],
        vec![text(t.t("stats.col.overdue_open").into()), Cell::Int(r.totals.overdue_open)],
    ];
    for (h, c) in figure_headings(t).into_iter().zip(figure_cells(&r.totals.figures)) {
        rows.push(vec![text(h), c]);
    }
    Table {
        name: t.t("stats.sheet.summary").into(),
        headings: vec![t.t("stats.item").into(), t.t("stats.value").into()],
        rows,
    }
}

fn agencies(r: &StatsReport, t: &Tr) -> Table {
    let mut headings = vec![t.t("stats.col.code").to_string(), t.t("stats.col.agency").to_string()];
    headings.extend(figure_headings(t));
    headings.push(t.t("stats.col.overdue_open").into());
    headings.push(t.t("stats.col.comparable").into());
    let rows = r
        .agencies
        .iter()
        .map(|a| {
            let mut row = vec![Cell::Text(a.agency.code.clone()), Cell::Text(agency_name(a, t))];
            row.extend(figure_cells(&a.summary.figures));
            row.push(Cell::Int(a.summary.overdue_open));
            row.push(Cell::Text(t.t(if a.summary.figures.comparable { "stats.yes" } else { "stats.too_few" }).into()));
            row
        })
        .collect();
    Table { name: t.t("stats.sheet.agencies").into(), headings, rows }
}

fn trend(s: &Summary, t: &Tr) -> Table {
    let mut headings = vec![t.t("stats.col.period").to_string()];
    headings.extend(figure_headings(t));
    let rows = s
        .trend
        .iter()
        .map(|p| {
            let mut row = vec![Cell::Text(p.period.clone())];
            row.extend(figure_cells(&p.figures));
            row
        })
        .collect();
    Table { name: t.t("stats.sheet.trend").into(), headings, rows }
}

fn grounds(r: &StatsReport, t: &Tr) -> Table {
    let mut rows = Vec::new();
    for a in &r.agencies {
        for (ground, n) in &a.summary.figures.refused_by_ground {
            rows.push(vec![
                Cell::Text(a.agency.code.clone()),
                Cell::Text(agency_name(a, t)),
                Cell::Text(ground.clone()),
                int(*n),
            ]);
        }
    }
    let headings = ["stats.col.code", "stats.col.agency", "stats.col.ground", "stats.col.refused"]
        .iter()
        .map(|k| t.t(k).to_string())
        .collect();
    Table { name: t.t("stats.sheet.grounds").into(), headings, rows }
}

/// A share as Vietnamese or English write it: `87,5 %` / `87.5%`.
pub fn percent(s: f64, t: &Tr) -> String {
    let text = format!("{:.1}", s * 100.0);
    if t.lang() == "en" { format!("{text}%") } else { format!("{} %", text.replace('.', ",")) }
}

/// One table as CSV (UTF-8 with a byte-order mark, so spreadsheet programs read the diacritics).
pub fn to_csv(table: &Table, t: &Tr) -> Result<Vec<u8>, csv::Error> {
    let mut out = Vec::from("\u{feff}".as_bytes());
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record(&table.headings)?;
        for row in &table.rows {
            w.write_record(row.iter().map(|c| match c {
                Cell::Text(s) => neutralise(s),
                Cell::Int(n) => n.to_string(),
                Cell::Share(s) => percent(*s, t),
                Cell::Empty => String::new(),
            }))?;
        }
        w.flush()?;
    }
    Ok(out)
}

/// Text a spreadsheet would read as a formula (`=`, `+`, `-`, `@` first) gets a leading apostrophe.
fn neutralise(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s.to_string() }
}

/// The tables as one workbook, a sheet each, headings in bold, shares as percentages.
pub fn to_xlsx(tables: &[Table]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let pct = Format::new().set_num_format("0.0%");
    for table in tables {
        let sheet = book.add_worksheet();
        sheet.set_name(table.name.chars().take(31).collect::<String>())?;
        for (c, h) in table.headings.iter().enumerate() {
            sheet.write_string_with_format(0, c as u16, h, &bold)?;
        }
        for (r, row) in table.rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (c, cell) in row.iter().enumerate() {
                let c = c as u16;
                match cell {
                    Cell::Text(s) => sheet.write_string(r, c, s).map(|_| ())?,
                    Cell::Int(n) => sheet.write_number(r, c, *n as f64).map(|_| ())?,
                    Cell::Share(s) => sheet.write_number_with_format(r, c, *s, &pct).map(|_| ())?,
                    Cell::Empty => {}
                }
            }
        }
        sheet.set_freeze_panes(1, 0)?;
        sheet.autofit();
    }
    book.save_to_buffer()
}
