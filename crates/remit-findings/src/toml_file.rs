//! Reading the TOML files teams keep beside their findings (suppressions, separation-of-duties
//! rules): one error type naming the file and line, shared by every such file, so that a
//! mistake in any of them reads the same way.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

/// A team's TOML file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// It cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// It is not valid.
    #[error("{}:{line}: {message}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The line (1-based).
        line: usize,
        /// What is wrong.
        message: String,
    },
}

/// The text of `path`.
pub fn read(path: &Path) -> Result<String, FileError> {
    std::fs::read_to_string(path).map_err(|source| FileError::Read { path: path.to_owned(), source })
}

/// A TOML document, and a way to name the line of a byte offset in it in errors.
pub struct Document<'t> {
    text: &'t str,
    path: &'t Path,
}

impl<'t> Document<'t> {
    /// `text`, read from `path`.
    pub fn new(text: &'t str, path: &'t Path) -> Document<'t> {
        Document { text, path }
    }

    /// Parses the document (a syntax or shape error names its line).
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, FileError> {
        toml::from_str(self.text).map_err(|e| self.invalid(e.span().map_or(0, |s| s.start), e.message().to_owned()))
    }

    /// The error `message` at byte `offset`.
    pub fn invalid(&self, offset: usize, message: String) -> FileError {
        let line = self.text.as_bytes()[..offset.min(self.text.len())].iter().filter(|b| **b == b'\n').count() + 1;
        FileError::Invalid { path: self.path.to_owned(), line, message }
    }
}
