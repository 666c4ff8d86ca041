//! When each finding was first reported, kept between scans.
//!
//! A triage queue is ordered by age and a finding's SLA runs from when it appeared, so Remit
//! remembers the first scan that reported each id. The record is one JSON file in the data
//! directory, replaced atomically (written beside it, then renamed): a crash mid-write leaves
//! the previous record whole. The store of a later stage takes this over.

use std::{
    collections::BTreeMap,
    io::Write,
    path::{Path, PathBuf},
};

use serde::{Deserialize, Serialize};

use crate::{Finding, Timestamp};

/// First-seen times by finding id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FirstSeen {
    seen: BTreeMap<String, String>,
}

/// The record cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum SeenError {
    /// Reading or writing failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a first-seen record.
    #[error("{}: not a first-seen record ({message}); move it aside to start a new one", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

#[derive(Serialize, Deserialize)]
struct Record {
    format: String,
    version: u32,
    #[serde(rename = "firstSeen")]
    first_seen: BTreeMap<String, String>,
}

const FORMAT: &str = "remit-findings-first-seen";

impl FirstSeen {
    /// Reads the record at `path` (an absent file is an empty record).
    pub fn load(path: &Path) -> Result<FirstSeen, SeenError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(FirstSeen::default()),
            Err(source) => return Err(SeenError::Io { path: path.to_owned(), source }),
        };
        let invalid = |message: String| SeenError::Invalid { path: path.to_owned(), message };
        let record: Record = serde_json::from_str(&text).map_err(|e| invalid(e.to_string()))?;
        if record.format != FORMAT || record.version != 1 {
            return Err(invalid(format!("format {} version {}", record.format, record.version)));
        }
        for (id, at) in &record.first_seen {
            Timestamp::parse(at).map_err(|e| invalid(format!("{id}: {e}")))?;
        }
        Ok(FirstSeen { seen: record.first_seen })
    }

    /// Sets each finding's `first_seen` (recording `now` for those never seen before).
    pub fn stamp(&mut self, findings: &mut [Finding], now: Timestamp) {
        for f in findings {
            let at = self.seen.entry(f.id.as_str().to_owned()).or_insert_with(|| now.to_string());
            f.first_seen = Some(at.clone());
        }
    }

    /// The first-seen time of `id`.
    pub fn get(&self, id: &str) -> Option<&str> {
        self.seen.get(id).map(String::as_str)
    }

    /// Writes the record to `path` atomically (creating its directory).
    pub fn save(&self, path: &Path) -> Result<(), SeenError> {
        let io = |source: std::io::Error| SeenError::Io { path: path.to_owned(), source };
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(io)?;
        let record = Record { format: FORMAT.to_owned(), version: 1, first_seen: self.seen.clone() };
        let mut file = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
        serde_json::to_writer_pretty(&mut file, &record).map_err(|e| io(e.into()))?;
        file.write_all(b"\n").map_err(io)?;
        file.as_file().sync_all().map_err(io)?;
        file.persist(path).map_err(|e| io(e.error))?;
        Ok(())
    }
}
