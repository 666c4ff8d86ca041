//! Writing the Azure, Google Cloud and people parts of a bundle, and the one error type their
//! generators return.
//!
//! `az` and `gcloud` print JSON with two-space indents (Python's `json.dumps(indent=2)` and
//! gcloud's own printer); serde_json's pretty printer writes the same shape, with members in
//! the order the generator inserts them (`preserve_order`), so the bytes depend only on the seed.
//! Files are counted as they are written, for the summaries.

use std::{
    fmt,
    fs::{self, File},
    io::{self, BufWriter, Write},
    path::{Path, PathBuf},
};

use serde_json::Value;

use crate::stable::civil_from_days;

/// Why a generator could not write its bundle.
#[derive(Debug)]
pub enum GenError {
    /// A file or directory could not be written or read.
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What went wrong.
        source: io::Error,
    },
    /// A file the generator reads (an AWS bundle's identity-store users) is not what it expects.
    Input {
        /// The file.
        path: PathBuf,
        /// What is wrong with it, and where.
        message: String,
    },
    /// The spec asks for something the generator cannot do.
    InvalidSpec(String),
}

impl fmt::Display for GenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GenError::Io { path, source } => write!(f, "{}: {source}", path.display()),
            GenError::Input { path, message } => write!(f, "{}: {message}", path.display()),
            GenError::InvalidSpec(message) => write!(f, "invalid spec: {message}"),
        }
    }
}

impl std::error::Error for GenError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            GenError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// A part of a bundle being written, with running totals.
pub(crate) struct Writer {
    root: PathBuf,
    pub(crate) files: usize,
    pub(crate) bytes: u64,
}

impl Writer {
    pub(crate) fn new(root: &Path) -> Writer {
        Writer { root: root.to_path_buf(), files: 0, bytes: 0 }
    }

    fn path(&self, rel: &str) -> PathBuf {
        rel.split('/').fold(self.root.clone(), |path, part| path.join(part))
    }

    fn write_with(
        &mut self,
        rel: &str,
        body: impl FnOnce(&mut BufWriter<File>) -> io::Result<()>,
    ) -> Result<(), GenError> {
        let path = self.path(rel);
        let io_err = |source| GenError::Io { path: path.clone(), source };
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(io_err)?;
        }
        let mut file = BufWriter::with_capacity(1 << 16, File::create(&path).map_err(io_err)?);
        body(&mut file).map_err(io_err)?;
        file.flush().map_err(io_err)?;
        self.files += 1;
        self.bytes += fs::metadata(&path).map_err(io_err)?.len();
        Ok(())
    }

    /// Writes `value` as `az` and `gcloud` print JSON: two-space indents and a final newline.
    pub(crate) fn json(&mut self, rel: &str, value: &Value) -> Result<(), GenError> {
        self.write_with(rel, |file| {
            serde_json::to_writer_pretty(&mut *file, value).map_err(io::Error::other)?;
            file.write_all(b"\n")
        })
    }

    /// Writes one compact JSON value a line (JSON Lines, as diagnostic settings export logs).
    pub(crate) fn lines(&mut self, rel: &str, values: &[Value]) -> Result<(), GenError> {
        self.write_with(rel, |file| {
            for value in values {
                serde_json::to_writer(&mut *file, value).map_err(io::Error::other)?;
                file.write_all(b"\n")?;
            }
            Ok(())
        })
    }

    /// Writes `text` as it is.
    pub(crate) fn text(&mut self, rel: &str, text: &str) -> Result<(), GenError> {
        self.write_with(rel, |file| file.write_all(text.as_bytes()))
    }
}

/// A file name for a name that may hold `/` (`%` becomes `%25`, `/` becomes `%2F`), as
/// `docs/environment-bundle.md` specifies.
pub(crate) fn file_name(name: &str) -> String {
    name.replace('%', "%25").replace('/', "%2F")
}

/// Unix seconds as an RFC 3339 `Z` timestamp, as Graph, ARM and Google APIs write them.
pub(crate) fn iso_z(epoch: i64) -> String {
    let (y, m, d) = civil_from_days(epoch.div_euclid(86_400));
    let secs = epoch.rem_euclid(86_400);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", secs / 3600, secs / 60 % 60, secs % 60)
}

/// Unix seconds as the `az` CLI prints ARM timestamps: `2024-05-10T12:34:56.000000+00:00`.
pub(crate) fn iso_az(epoch: i64) -> String {
    let z = iso_z(epoch);
    format!("{}.000000+00:00", z.trim_end_matches('Z'))
}

/// Unix seconds as a date (`2024-05-10`).
pub(crate) fn date(epoch: i64) -> String {
    iso_z(epoch)[..10].to_string()
}

/// The moment the generated estates are collected: 2026-03-01T09:00:00Z, the AWS generator's.
pub(crate) const NOW: i64 = 1_772_355_600;

/// Seconds in a day.
pub(crate) const DAY: i64 = 86_400;
