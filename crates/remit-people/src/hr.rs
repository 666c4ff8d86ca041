//! The HR feed: who is employed, since when, and who has left.
//!
//! The identity provider says who can sign in; only HR says who *works here*. A person HR
//! has terminated but whose cloud identities still work is the leaver risk this crate exists
//! to find, so the feed is read strictly: a wrong status or date is reported with its line and
//! column, never guessed. The columns are documented in `docs/people.md`.

use std::collections::HashMap;

use remit_findings::Timestamp;

use crate::error::{Issue, PeopleError};

/// Columns every HR feed must have.
pub const REQUIRED_COLUMNS: [&str; 4] = ["employee_id", "email", "display_name", "status"];
/// Columns read when present.
pub const OPTIONAL_COLUMNS: [&str; 5] = ["department", "title", "manager_email", "start_date", "end_date"];

/// Employment status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HrStatus {
    /// Employed and working.
    Active,
    /// Employed, on leave: access is kept.
    Leave,
    /// Gone: every access must be removed.
    Terminated,
}

impl HrStatus {
    /// `active`, `leave` or `terminated`.
    pub fn as_str(self) -> &'static str {
        match self {
            HrStatus::Active => "active",
            HrStatus::Leave => "leave",
            HrStatus::Terminated => "terminated",
        }
    }

    /// Reads `active`, `leave` or `terminated` (any case).
    pub fn parse(text: &str) -> Option<HrStatus> {
        [HrStatus::Active, HrStatus::Leave, HrStatus::Terminated]
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(text.trim()))
    }
}

/// One row of the HR feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HrRecord {
    /// The line it starts on (1 is the header).
    pub line: u64,
    /// `employee_id` (may be empty for contractors without one: then `None`).
    pub employee_id: Option<String>,
    /// `email`, lowercased: the person's canonical address.
    pub email: String,
    /// `display_name`.
    pub display_name: Option<String>,
    /// `department`.
    pub department: Option<String>,
    /// `title`.
    pub title: Option<String>,
    /// `manager_email`, lowercased.
    pub manager_email: Option<String>,
    /// `status`.
    pub status: HrStatus,
    /// `start_date` (ISO 8601 date or UTC timestamp), as written.
    pub start_date: Option<String>,
    /// `end_date` (ISO 8601 date or UTC timestamp), as written.
    pub end_date: Option<String>,
    /// True when one of its fields was wrong and ignored (reported as an issue).
    pub incomplete: bool,
}

/// Reads the HR feed. A missing required column or a malformed CSV record is an error; a
/// row with an empty email or an unknown status is skipped and reported; a bad date is
/// ignored and reported (the row kept, marked incomplete).
pub fn read_hr(file: &str, bytes: &[u8]) -> Result<(Vec<HrRecord>, Vec<Issue>), PeopleError> {
    let mut reader = csv::ReaderBuilder::new().has_headers(true).trim(csv::Trim::All).from_reader(bytes);
    let csv_error = |e: csv::Error| {
        let line = e.position().map(|p| p.line()).unwrap_or(1);
        PeopleError::Csv { file: file.to_owned(), line, column: "-".to_owned(), message: e.to_string() }
    };
    let headers = reader.headers().map_err(csv_error)?.clone();
    let mut columns: HashMap<String, usize> = HashMap::new();
    for (i, name) in headers.iter().enumerate() {
        let name = name.trim_start_matches('\u{feff}').trim().to_lowercase();
        if columns.insert(name.clone(), i).is_some()
            && (REQUIRED_COLUMNS.contains(&name.as_str()) || OPTIONAL_COLUMNS.contains(&name.as_str()))
        {
            return Err(PeopleError::Csv {
                file: file.to_owned(),
                line: 1,
                column: name,
                message: "column appears twice".to_owned(),
            });
        }
    }
    for required in REQUIRED_COLUMNS {
        if !columns.contains_key(required) {
            return Err(PeopleError::Csv {
                file: file.to_owned(),
                line: 1,
                column: required.to_owned(),
                message: format!("required column missing from the header (required: {})", REQUIRED_COLUMNS.join(", ")),
            });
        }
    }
    let mut records = Vec::new();
    let mut issues = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    for row in reader.records() {
        let row = row.map_err(csv_error)?;
        let line = row.position().map(|p| p.line()).unwrap_or(0);
        let get = |column: &str| -> Option<String> {
            let value = columns.get(column).and_then(|&i| row.get(i))?.trim();
            (!value.is_empty()).then(|| value.to_owned())
        };
        let mut issue = |column: &str, message: String| {
            issues.push(Issue { file: file.to_owned(), location: format!("line {line}, column {column}"), message })
        };
        let Some(email) = get("email").map(|e| e.to_lowercase()) else {
            issue("email", "is empty; row skipped".to_owned());
            continue;
        };
        if !email.contains('@') {
            issue("email", format!("`{email}` is not an email address; row skipped"));
            continue;
        }
        let status = match get("status").as_deref().map(|s| (s, HrStatus::parse(s))) {
            Some((_, Some(status))) => status,
            Some((text, None)) => {
                issue("status", format!("`{text}` is not active, leave or terminated; row skipped"));
                continue;
            }
            None => {
                issue("status", "is empty; row skipped".to_owned());
                continue;
            }
        };
        if let Some(first) = seen.get(&email) {
            issue("email", format!("`{email}` already on line {first}; row skipped"));
            continue;
        }
        seen.insert(email.clone(), line);
        let mut incomplete = false;
        let mut date = |column: &str| -> Option<String> {
            let text = get(column)?;
            match Timestamp::parse(&text) {
                Ok(_) => Some(text),
                Err(e) => {
                    issue(column, format!("{e}; ignored"));
                    incomplete = true;
                    None
                }
            }
        };
        let start_date = date("start_date");
        let end_date = date("end_date");
        records.push(HrRecord {
            line,
            employee_id: get("employee_id"),
            email,
            display_name: get("display_name"),
            department: get("department"),
            title: get("title"),
            manager_email: get("manager_email").map(|m| m.to_lowercase()),
            status,
            start_date,
            end_date,
            incomplete,
        });
    }
    Ok((records, issues))
}
