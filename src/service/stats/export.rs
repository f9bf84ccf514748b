//! A period's report as a download: a workbook with a sheet per table, or one table as CSV.

use super::tables::{Which, table, tables, to_csv, to_xlsx};
use super::{StatsQuery, agencies_report};
use crate::db::DbConn;
use crate::domain::account::Locale;
use crate::i18n::Tr;
use crate::service::Env;
use crate::service::accounts::Principal;
use crate::service::error::{AppError, AppResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xlsx,
    Csv(Which),
}

impl Format {
    /// `xlsx`, or `csv` with the table (`agencies` by default, `summary`, `trend`, `grounds`).
    pub fn parse(format: Option<&str>, table: Option<&str>) -> AppResult<Format> {
        match format.map(str::trim).unwrap_or("xlsx") {
            "xlsx" => Ok(Format::Xlsx),
            "csv" => {
                let t = table.map(str::trim).unwrap_or("agencies");
                Which::parse(t).map(Format::Csv).ok_or_else(|| AppError::field("table", "unknown_table"))
            }
            _ => Err(AppError::field("format", "unknown_format")),
        }
    }
}

pub struct Download {
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
    pub filename: String,
}

pub fn export(
    conn: &mut DbConn,
    env: Env<'_>,
    p: &Principal,
    q: &StatsQuery,
    format: Format,
    locale: Locale,
) -> AppResult<Download> {
    let report = agencies_report(conn, env, p, q)?;
    let t = Tr::new(locale);
    let place = report.provinces.iter().map(|p| p.code.as_str()).collect::<Vec<_>>().join("-");
    let place = if place.is_empty() { "all".to_string() } else { place.to_lowercase() };
    let stem = format!("tiepcan-{place}-{}-{}", report.from.format("%Y%m%d"), report.to.format("%Y%m%d"));
    match format {
        Format::Xlsx => Ok(Download {
            bytes: to_xlsx(&tables(&report, &t)).map_err(|e| anyhow::anyhow!("writing the workbook: {e}"))?,
            content_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            filename: format!("{stem}.xlsx"),
        }),
        Format::Csv(which) => Ok(Download {
            bytes: to_csv(&table(&report, &t, which), &t).map_err(|e| anyhow::anyhow!("writing the CSV: {e}"))?,
            content_type: "text/csv; charset=utf-8",
            filename: format!("{stem}-{}.csv", which_name(which)),
        }),
    }
}

fn which_name(w: Which) -> &'static str {
    match w {
        Which::Summary => "summary",
        Which::Agencies => "agencies",
        Which::Trend => "trend",
        Which::Grounds => "grounds",
    }
}
