//! Writing the bundle so that an interrupted run never leaves one that looks complete.
//!
//! Everything goes into `<out>.partial/` (marked as ours by a `.remit-partial` file), each file
//! written under a temporary name and renamed into place; only when collection has finished is
//! `bundle.json` written and the directory renamed to `<out>`.

use std::{
    fs,
    io::Write,
    path::{Path, PathBuf},
    sync::atomic::{AtomicUsize, Ordering},
};

use serde_json::Value;

use crate::{CollectError, json::to_cli_bytes};

const PARTIAL_MARKER: &str = ".remit-partial";

/// The directory being written.
pub(crate) struct BundleWriter {
    out: PathBuf,
    partial: PathBuf,
    files: AtomicUsize,
}

impl BundleWriter {
    /// Prepares `<out>.partial`: a leftover from an interrupted run is removed (only when it
    /// carries our marker), and `<out>` must not exist unless `overwrite`.
    pub(crate) fn create(out: &Path, overwrite: bool) -> Result<BundleWriter, CollectError> {
        if out.as_os_str().is_empty() {
            return Err(CollectError::Config("the output directory is empty".into()));
        }
        if out.exists() {
            if !overwrite {
                return Err(CollectError::OutputExists(out.to_path_buf()));
            }
            if !is_replaceable(out) {
                return Err(CollectError::Config(format!(
                    "{} is neither empty nor a bundle written by remit collect aws: refusing to replace it",
                    out.display()
                )));
            }
        }
        let mut partial = out.as_os_str().to_owned();
        partial.push(".partial");
        let partial = PathBuf::from(partial);
        if partial.exists() {
            if !partial.join(PARTIAL_MARKER).is_file() {
                return Err(CollectError::Config(format!(
                    "{} exists and was not left by an earlier collection: remove it or choose another output",
                    partial.display()
                )));
            }
            fs::remove_dir_all(&partial).map_err(|source| CollectError::io(&partial, source))?;
        }
        fs::create_dir_all(&partial).map_err(|source| CollectError::io(&partial, source))?;
        let marker = partial.join(PARTIAL_MARKER);
        fs::write(&marker, b"remit collect aws: incomplete\n").map_err(|source| CollectError::io(&marker, source))?;
        Ok(BundleWriter { out: out.to_path_buf(), partial, files: AtomicUsize::new(0) })
    }

    /// The number of files written so far.
    pub(crate) fn files(&self) -> usize {
        self.files.load(Ordering::Relaxed)
    }

    /// Writes `value` as the CLI prints it at `rel` (segments joined with `/`; each already a
    /// safe file name, see [`file_name`]).
    pub(crate) fn json(&self, rel: &[&str], value: &Value) -> Result<(), CollectError> {
        self.bytes(rel, &to_cli_bytes(value))
    }

    /// Writes raw bytes at `rel`, atomically.
    pub(crate) fn bytes(&self, rel: &[&str], bytes: &[u8]) -> Result<(), CollectError> {
        let mut path = self.partial.clone();
        for segment in rel {
            path.push(segment);
        }
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(|source| CollectError::io(dir, source))?;
        }
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        let write = || -> std::io::Result<()> {
            let mut file = fs::File::create(&tmp)?;
            file.write_all(bytes)?;
            file.sync_data()?;
            fs::rename(&tmp, &path)
        };
        write().map_err(|source| CollectError::io(&path, source))?;
        self.files.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// Removes the partial bundle after a fatal error (best effort: it is marked partial anyway).
    pub(crate) fn abandon(&self) {
        let _ = fs::remove_dir_all(&self.partial);
    }

    /// Writes `bundle.json` and moves the finished bundle to `<out>` (replacing an earlier one
    /// only when the caller asked to overwrite, which `create` checked).
    pub(crate) fn finish(self, bundle: &Value) -> Result<PathBuf, CollectError> {
        self.json(&["bundle.json"], bundle)?;
        let marker = self.partial.join(PARTIAL_MARKER);
        fs::remove_file(&marker).map_err(|source| CollectError::io(&marker, source))?;
        if self.out.exists() {
            // Checked again: the directory may have changed while collecting.
            if !is_replaceable(&self.out) {
                return Err(CollectError::Config(format!(
                    "{} changed during collection and is no longer a bundle: the new one is left in {}",
                    self.out.display(),
                    self.partial.display()
                )));
            }
            // Moved aside under a name nothing else uses, then removed.
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default();
            let mut old = self.out.as_os_str().to_owned();
            old.push(format!(".replaced-{}-{nanos}", std::process::id()));
            let old = PathBuf::from(old);
            fs::rename(&self.out, &old).map_err(|source| CollectError::io(&self.out, source))?;
            fs::rename(&self.partial, &self.out).map_err(|source| CollectError::io(&self.partial, source))?;
            fs::remove_dir_all(&old).map_err(|source| CollectError::io(&old, source))?;
        } else {
            fs::rename(&self.partial, &self.out).map_err(|source| CollectError::io(&self.partial, source))?;
        }
        Ok(self.out)
    }
}

/// Whether overwriting may replace `out`: an empty directory, or one holding a `bundle.json`
/// of ours (so that a mistyped `--out` with overwriting never deletes anything else).
fn is_replaceable(out: &Path) -> bool {
    if !out.is_dir() {
        return false;
    }
    let empty = fs::read_dir(out).map(|mut entries| entries.next().is_none()).unwrap_or(false);
    let ours = fs::read_to_string(out.join("bundle.json")).is_ok_and(|text| text.contains("\"remit-aws-bundle\""));
    empty || ours
}

/// A name as one path segment of the bundle: `%` is written `%25` and `/` `%2F` (the bundle's
/// documented rule). So that no name can climb out of its directory, `\` and NUL are escaped
/// the same way (`%5C`, `%00`), a name that is `.` or `..` has its dots written `%2E`, and an
/// empty name (which AWS never returns) is written `_empty_`.
pub(crate) fn file_name(name: &str) -> String {
    if name.is_empty() {
        return "_empty_".to_owned();
    }
    if name == "." || name == ".." {
        return name.replace('.', "%2E");
    }
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        match c {
            '%' => out.push_str("%25"),
            '/' => out.push_str("%2F"),
            '\\' => out.push_str("%5C"),
            '\0' => out.push_str("%00"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let nanos =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        let dir = std::env::temp_dir().join(format!("remit-out-{name}-{}-{nanos}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_bundle_appears_only_when_finished() {
        let dir = scratch("finish");
        let out = dir.join("bundle");
        let writer = BundleWriter::create(&out, false).unwrap();
        writer.json(&["accounts", "111122223333", "authorization-details.json"], &serde_json::json!({})).unwrap();
        assert!(!out.exists());
        assert!(dir.join("bundle.partial/.remit-partial").is_file());
        writer.finish(&serde_json::json!({"format": "remit-aws-bundle"})).unwrap();
        assert!(out.join("accounts/111122223333/authorization-details.json").is_file());
        assert!(!out.join(".remit-partial").exists() && !dir.join("bundle.partial").exists());

        // Overwriting replaces a bundle of ours, and nothing else.
        assert!(matches!(BundleWriter::create(&out, false), Err(CollectError::OutputExists(_))));
        let writer = BundleWriter::create(&out, true).unwrap();
        writer.finish(&serde_json::json!({"format": "remit-aws-bundle", "second": true})).unwrap();
        assert!(!out.join("accounts").exists());
        let names: Vec<_> = fs::read_dir(&dir).unwrap().flatten().map(|e| e.file_name()).collect();
        assert_eq!(names, ["bundle"], "nothing is left beside the bundle");
        let precious = dir.join("precious");
        fs::create_dir_all(&precious).unwrap();
        fs::write(precious.join("notes.txt"), "keep me").unwrap();
        assert!(matches!(BundleWriter::create(&precious, true), Err(CollectError::Config(_))));
        assert!(precious.join("notes.txt").is_file());

        // A leftover partial bundle is ours to remove; a directory of that name without our
        // marker is not.
        fs::create_dir_all(dir.join("other.partial")).unwrap();
        assert!(matches!(BundleWriter::create(&dir.join("other"), false), Err(CollectError::Config(_))));
        let writer = BundleWriter::create(&dir.join("third"), false).unwrap();
        drop(writer);
        let writer = BundleWriter::create(&dir.join("third"), false).unwrap();
        writer.abandon();
        assert!(!dir.join("third.partial").exists());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn names_stay_one_segment() {
        assert_eq!(file_name("prod/db/password"), "prod%2Fdb%2Fpassword");
        assert_eq!(file_name("100%"), "100%25");
        assert_eq!(file_name(".."), "%2E%2E");
        assert_eq!(file_name("a..b"), "a..b");
        assert_eq!(file_name(""), "_empty_");
    }
}
