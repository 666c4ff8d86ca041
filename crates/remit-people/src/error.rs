//! Where bad input is, said precisely.
//!
//! People data comes from exports a human will have to fix (an Okta page merged by a script,
//! an HR spreadsheet saved as CSV): an error is only useful if it names the file and the JSON
//! path or the CSV line and column. A whole file that cannot be read is an error; a single
//! malformed entry is skipped and reported as an [`Issue`], never dropped silently.

use std::fmt;

/// A file that cannot be read at all.
#[derive(Debug, thiserror::Error)]
pub enum PeopleError {
    /// The file exists but cannot be read.
    #[error("{file}: cannot read: {source}")]
    Io {
        /// The file, relative to the people directory.
        file: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not JSON.
    #[error("{file}: line {line}, column {column}: not JSON: {message}")]
    Json {
        /// The file.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the JSON parser says.
        message: String,
    },
    /// The JSON is well formed but not of the expected shape (for the whole file).
    #[error("{file}: at {path}: {message}")]
    Shape {
        /// The file.
        file: String,
        /// The JSON path (`$`, `$[3].profile`).
        path: String,
        /// What is wrong.
        message: String,
    },
    /// The CSV cannot be read (a missing column, a malformed record).
    #[error("{file}: line {line}, column {column}: {message}")]
    Csv {
        /// The file.
        file: String,
        /// 1-based line.
        line: u64,
        /// The column's name (`-` when the error is not about one column).
        column: String,
        /// What is wrong.
        message: String,
    },
}

/// A malformed entry that was skipped (or a field that was ignored), with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// The file, relative to the people directory (`okta/users.json`, `hr.csv`).
    pub file: String,
    /// Where in the file: a JSON path (`$[3].profile.email`) or `line 7, column status`.
    pub location: String,
    /// What is wrong and what was done about it.
    pub message: String,
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: at {}: {}", self.file, self.location, self.message)
    }
}
