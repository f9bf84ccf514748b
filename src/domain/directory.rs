//! The agency directory: jurisdictions (a province or the national level, with
//! the press-management Department that receives escalations), agencies and
//! their levels, and the CSV import format.

use std::collections::{HashMap, HashSet};

use chrono::NaiveTime;
use serde::{Deserialize, Serialize};

use super::account::is_plausible_email;
use super::validation::FieldErrors;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AgencyLevel {
    National,
    Ministry,
    Province,
    Department,
    Commune,
    Other,
}

impl AgencyLevel {
    pub const ALL: [AgencyLevel; 6] = [
        AgencyLevel::National,
        AgencyLevel::Ministry,
        AgencyLevel::Province,
        AgencyLevel::Department,
        AgencyLevel::Commune,
        AgencyLevel::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AgencyLevel::National => "national",
            AgencyLevel::Ministry => "ministry",
            AgencyLevel::Province => "province",
            AgencyLevel::Department => "department",
            AgencyLevel::Commune => "commune",
            AgencyLevel::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<AgencyLevel> {
        Self::ALL.into_iter().find(|l| l.as_str() == s.trim().to_ascii_lowercase())
    }
}

/// Office hours of a jurisdiction: the intervals of a working day, local time.
pub type OfficeHours = Vec<(NaiveTime, NaiveTime)>;

/// The usual civil-service day: 7:30–11:30 and 13:00–17:00.
pub fn default_office_hours() -> OfficeHours {
    let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).expect("valid constant time");
    vec![(t(7, 30), t(11, 30)), (t(13, 0), t(17, 0))]
}

/// Parses `[["07:30","11:30"],["13:00","17:00"]]`-shaped pairs: each interval
/// must start before it ends, and intervals must be in order without overlap.
pub fn parse_office_hours(pairs: &[[String; 2]]) -> Result<OfficeHours, String> {
    if pairs.is_empty() {
        return Err("needs at least one interval".into());
    }
    let mut out: OfficeHours = Vec::new();
    for [from, to] in pairs {
        let parse = |s: &str| {
            NaiveTime::parse_from_str(s.trim(), "%H:%M").map_err(|_| format!("\"{s}\" is not a time like 07:30"))
        };
        let (a, b) = (parse(from)?, parse(to)?);
        if a >= b {
            return Err(format!("{from}–{to} ends before it starts"));
        }
        if let Some((_, prev_end)) = out.last()
            && a < *prev_end
        {
            return Err("intervals must be in order and must not overlap".into());
        }
        out.push((a, b));
    }
    Ok(out)
}

pub fn format_office_hours(hours: &OfficeHours) -> Vec<[String; 2]> {
    hours.iter().map(|(a, b)| [a.format("%H:%M").to_string(), b.format("%H:%M").to_string()]).collect()
}

/// Jurisdiction codes: 2 to 16 of A–Z, 0–9, `-`, `_`; stored upper-case.
pub fn check_code(errors: &mut FieldErrors, field: &str, value: &str, max: usize) -> String {
    let code = value.trim().to_ascii_uppercase();
    if code.is_empty() {
        errors.add(field, "required");
    } else if code.len() > max || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.') {
        errors.add(field, "invalid_code");
    }
    code
}

/// A time zone name from the IANA database, such as Asia/Ho_Chi_Minh.
pub fn is_known_timezone(tz: &str) -> bool {
    tz.parse::<chrono_tz::Tz>().is_ok()
}

/// An agency as the CSV import and the create call describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgencyDraft {
    /// The line of the import file it came from (0 when not from a file).
    pub line: u64,
    pub jurisdiction: String,
    pub code: String,
    pub name: String,
    pub name_en: Option<String>,
    pub level: AgencyLevel,
    pub parent_code: Option<String>,
    pub email: Option<String>,
}

/// An agency as typed: the columns of the import file or the fields of the API.
#[derive(Debug, Clone, Copy, Default)]
pub struct RawAgency<'a> {
    pub jurisdiction: &'a str,
    pub code: &'a str,
    pub name: &'a str,
    pub name_en: Option<&'a str>,
    pub level: &'a str,
    pub parent_code: Option<&'a str>,
    pub email: Option<&'a str>,
}

/// Checks the fields of one agency (no lookups).
pub fn check_agency_fields(errors: &mut FieldErrors, raw: RawAgency<'_>) -> AgencyDraft {
    let RawAgency { jurisdiction, code, name, name_en, level, parent_code, email } = raw;
    let jurisdiction = check_code(errors, "jurisdiction", jurisdiction, 16);
    let code = check_code(errors, "code", code, 32);
    let name = errors.required("name", name, 200);
    let name_en = errors.optional("name_en", name_en, 200);
    let level = match AgencyLevel::parse(level) {
        Some(l) => l,
        None => {
            errors.add("level", "invalid_level");
            AgencyLevel::Other
        }
    };
    let parent_code = errors.optional("parent_code", parent_code, 32).map(|p| p.to_ascii_uppercase());
    if parent_code.as_deref() == Some(code.as_str()) && !code.is_empty() {
        errors.add("parent_code", "own_parent");
    }
    let email = errors.optional("email", email, 254).map(|e| e.to_lowercase());
    if let Some(e) = &email
        && !is_plausible_email(e)
    {
        errors.add("email", "invalid_email");
    }
    AgencyDraft { line: 0, jurisdiction, code, name, name_en, level, parent_code, email }
}

pub const CSV_HEADER: [&str; 7] = ["jurisdiction", "code", "name", "name_en", "level", "parent_code", "email"];

/// The problems of one line of an import file (1-based; the header is line 1),
/// as field errors: `field` is a column name or `row`, `header`, `file`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportError {
    pub line: u64,
    pub problems: FieldErrors,
}

impl ImportError {
    fn one(line: u64, field: &str, code: &str) -> Self {
        let mut problems = FieldErrors::new();
        problems.add(field, code);
        ImportError { line, problems }
    }

    pub fn has(&self, field: &str, code: &str) -> bool {
        self.problems.get(field) == Some(code)
    }
}

/// Parses and checks a whole directory file against what the database already
/// holds: `jurisdictions` are the known jurisdiction codes, `existing` the agency
/// codes already present per jurisdiction. Every bad row is reported; the import
/// is all or nothing, so any error means nothing is written.
pub fn parse_agency_csv(
    data: &[u8],
    jurisdictions: &HashSet<String>,
    existing: &HashMap<String, HashSet<String>>,
) -> Result<Vec<AgencyDraft>, Vec<ImportError>> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(true).from_reader(data);
    check_header(&mut reader)?;
    let mut errors = Vec::new();
    let mut drafts: Vec<(u64, AgencyDraft)> = Vec::new();
    let mut seen: HashSet<(String, String)> = HashSet::new();
    for (i, record) in reader.records().enumerate() {
        let line = record.as_ref().ok().and_then(|r| r.position()).map(|p| p.line()).unwrap_or(i as u64 + 2);
        let Ok(record) = record else {
            errors.push(ImportError::one(line, "row", "unreadable"));
            continue;
        };
        match check_record(&record, line, jurisdictions, &mut seen) {
            Ok(Some(draft)) => drafts.push((line, draft)),
            Ok(None) => {}
            Err(e) => errors.push(e),
        }
    }
    errors.extend(unknown_parents(&drafts, &seen, existing));
    if drafts.is_empty() && errors.is_empty() {
        errors.push(ImportError::one(2, "file", "empty_file"));
    }
    if errors.is_empty() {
        let rows: Vec<AgencyDraft> = drafts.iter().map(|(_, d)| d.clone()).collect();
        if let Some(code) = has_parent_cycle(&rows) {
            let line = drafts.iter().find(|(_, d)| d.code == code).map_or(2, |(l, _)| *l);
            return Err(vec![ImportError::one(line, "parent_code", "parent_cycle")]);
        }
        Ok(order_parents_first(rows))
    } else {
        errors.sort_by_key(|e| e.line);
        Err(errors)
    }
}

/// The header must be `CSV_HEADER`, in any letter case and after any byte-order mark a spreadsheet writes.
fn check_header(reader: &mut csv::Reader<&[u8]>) -> Result<(), Vec<ImportError>> {
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|s| s.trim_start_matches('\u{feff}').to_ascii_lowercase()).collect(),
        Err(_) => return Err(vec![ImportError::one(1, "header", "unreadable")]),
    };
    if header != CSV_HEADER {
        return Err(vec![ImportError::one(1, "header", "bad_header")]);
    }
    Ok(())
}

/// One line of the file as a draft, `None` for a blank line. `seen` collects the (jurisdiction, code)
/// pairs so far, to find a code listed twice.
fn check_record(
    record: &csv::StringRecord,
    line: u64,
    jurisdictions: &HashSet<String>,
    seen: &mut HashSet<(String, String)>,
) -> Result<Option<AgencyDraft>, ImportError> {
    if record.iter().all(str::is_empty) {
        return Ok(None);
    }
    if record.len() != CSV_HEADER.len() {
        return Err(ImportError::one(line, "row", "wrong_field_count"));
    }
    let opt = |i: usize| Some(&record[i]).filter(|s| !s.is_empty());
    let mut fe = FieldErrors::new();
    let mut draft = check_agency_fields(
        &mut fe,
        RawAgency {
            jurisdiction: &record[0],
            code: &record[1],
            name: &record[2],
            name_en: opt(3),
            level: &record[4],
            parent_code: opt(5),
            email: opt(6),
        },
    );
    draft.line = line;
    if !draft.jurisdiction.is_empty()
        && fe.get("jurisdiction").is_none()
        && !jurisdictions.contains(&draft.jurisdiction)
    {
        fe.add("jurisdiction", "unknown_jurisdiction");
    }
    if !seen.insert((draft.jurisdiction.clone(), draft.code.clone())) && fe.get("code").is_none() {
        fe.add("code", "duplicate_code");
    }
    if fe.is_empty() { Ok(Some(draft)) } else { Err(ImportError { line, problems: fe }) }
}

/// Parents may come later in the file or already be in the directory; any other parent is unknown.
fn unknown_parents(
    drafts: &[(u64, AgencyDraft)],
    seen: &HashSet<(String, String)>,
    existing: &HashMap<String, HashSet<String>>,
) -> Vec<ImportError> {
    let mut errors = Vec::new();
    for (line, d) in drafts {
        if let Some(parent) = &d.parent_code {
            let in_file = seen.contains(&(d.jurisdiction.clone(), parent.clone()));
            let in_db = existing.get(&d.jurisdiction).is_some_and(|s| s.contains(parent));
            if !in_file && !in_db {
                errors.push(ImportError::one(*line, "parent_code", "unknown_parent"));
            }
        }
    }
    errors
}

/// Orders drafts so that a parent defined in the file is inserted before its
/// children (cycles cannot be inserted anyway; they keep file order and fail on
/// the missing parent id, which the caller reports).
fn order_parents_first(drafts: Vec<AgencyDraft>) -> Vec<AgencyDraft> {
    let mut placed: HashSet<(String, String)> = HashSet::new();
    let in_file: HashSet<(String, String)> = drafts.iter().map(|d| (d.jurisdiction.clone(), d.code.clone())).collect();
    let mut pending = drafts;
    let mut out = Vec::with_capacity(pending.len());
    while !pending.is_empty() {
        let before = pending.len();
        let (ready, rest): (Vec<_>, Vec<_>) = pending.into_iter().partition(|d| match &d.parent_code {
            Some(p) => {
                let key = (d.jurisdiction.clone(), p.clone());
                !in_file.contains(&key) || placed.contains(&key)
            }
            None => true,
        });
        for d in ready {
            placed.insert((d.jurisdiction.clone(), d.code.clone()));
            out.push(d);
        }
        pending = rest;
        if pending.len() == before {
            out.append(&mut pending);
        }
    }
    out
}

/// Finds parent cycles among drafts (A's parent B, B's parent A), which the
/// file format allows to be written but no directory can hold.
pub fn has_parent_cycle(drafts: &[AgencyDraft]) -> Option<String> {
    let parent: HashMap<(&str, &str), &str> = drafts
        .iter()
        .filter_map(|d| d.parent_code.as_deref().map(|p| ((d.jurisdiction.as_str(), d.code.as_str()), p)))
        .collect();
    for d in drafts {
        let mut cur = d.code.as_str();
        for _ in 0..=drafts.len() {
            match parent.get(&(d.jurisdiction.as_str(), cur)) {
                Some(p) if *p == d.code => return Some(d.code.clone()),
                Some(p) => cur = p,
                None => break,
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> HashSet<String> {
        ["TNG".to_string()].into()
    }

    #[test]
    fn good_file_imports_with_parents_first() {
        let csv = "jurisdiction,code,name,name_en,level,parent_code,email\n\
                   TNG,SYT-BV,Bệnh viện A,Hospital A,other,SYT,\n\
                   TNG,SYT,Sở Y tế,Department of Health,department,,syt@thainguyen.gov.vn\n";
        let rows = parse_agency_csv(csv.as_bytes(), &known(), &HashMap::new()).unwrap();
        assert_eq!(rows.iter().map(|r| r.code.as_str()).collect::<Vec<_>>(), vec!["SYT", "SYT-BV"]);
        assert_eq!(rows[0].email.as_deref(), Some("syt@thainguyen.gov.vn"));
    }

    #[test]
    fn every_bad_row_is_reported_by_line() {
        let csv = "jurisdiction,code,name,name_en,level,parent_code,email\n\
                   XXX,A,Name,,department,,\n\
                   TNG,B,,,department,,\n\
                   TNG,C,Name,,galaxy,,\n\
                   TNG,D,Name,,department,NOPE,\n\
                   TNG,E,Name,,department,,not-an-email\n\
                   TNG,F,Fine,,department,,\n\
                   TNG,F,Twice,,department,,\n";
        let errs = parse_agency_csv(csv.as_bytes(), &known(), &HashMap::new()).unwrap_err();
        let lines: Vec<u64> = errs.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![2, 3, 4, 5, 6, 8], "{errs:?}");
        assert!(errs[0].has("jurisdiction", "unknown_jurisdiction"));
    }

    #[test]
    fn wrong_header_is_line_one() {
        let errs = parse_agency_csv(b"code,name\nA,B\n", &known(), &HashMap::new()).unwrap_err();
        assert_eq!(errs[0].line, 1);
    }

    #[test]
    fn parent_may_already_exist() {
        let csv = "jurisdiction,code,name,name_en,level,parent_code,email\nTNG,X,Name,,other,SYT,\n";
        let existing = HashMap::from([("TNG".to_string(), HashSet::from(["SYT".to_string()]))]);
        assert!(parse_agency_csv(csv.as_bytes(), &known(), &existing).is_ok());
    }

    #[test]
    fn parent_cycles_are_found() {
        let csv = "jurisdiction,code,name,name_en,level,parent_code,email\nTNG,A,a,,other,B,\nTNG,B,b,,other,A,\n";
        let errs = parse_agency_csv(csv.as_bytes(), &known(), &HashMap::new()).unwrap_err();
        assert!(errs[0].has("parent_code", "parent_cycle"), "{errs:?}");
    }

    #[test]
    fn office_hours() {
        let ok = parse_office_hours(&[["07:30".into(), "11:30".into()], ["13:00".into(), "17:00".into()]]).unwrap();
        assert_eq!(ok, default_office_hours());
        assert!(parse_office_hours(&[["11:30".into(), "07:30".into()]]).is_err());
        assert!(parse_office_hours(&[["07:30".into(), "12:00".into()], ["11:00".into(), "17:00".into()]]).is_err());
        assert!(parse_office_hours(&[["7h".into(), "12:00".into()]]).is_err());
        assert!(parse_office_hours(&[]).is_err());
    }

    #[test]
    fn timezones() {
        assert!(is_known_timezone("Asia/Ho_Chi_Minh"));
        assert!(!is_known_timezone("Mars/Olympus"));
    }
}
