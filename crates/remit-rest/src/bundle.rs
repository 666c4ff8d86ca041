//! Writes a collector's bundle so that a reader never sees half of it.
//!
//! Files go into a temporary directory inside the bundle root (same file system); only when
//! the whole collection succeeded is it renamed to `<root>/<cloud>/<id>`, replacing an older
//! collection of the same tenant or organization. A failed collection leaves the previous one
//! untouched.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::CollectError;

/// A collection being written: dropped without [`Staging::commit`], it leaves nothing.
pub struct Staging {
    dir: tempfile::TempDir,
    target: PathBuf,
}

fn write_error(path: &Path, e: impl std::fmt::Display) -> CollectError {
    CollectError::Write { path: path.to_owned(), detail: e.to_string() }
}

impl Staging {
    /// A staging directory for `<root>/<cloud>/<id>`.
    pub fn new(root: &Path, cloud: &str, id: &str) -> Result<Self, CollectError> {
        if id.is_empty() || id.contains(['/', '\\']) || id == "." || id == ".." {
            return Err(CollectError::Config(format!("{id:?} cannot name a directory")));
        }
        let parent = root.join(cloud);
        std::fs::create_dir_all(&parent).map_err(|e| write_error(&parent, e))?;
        let dir = tempfile::Builder::new()
            .prefix(&format!(".{id}.collecting-"))
            .tempdir_in(&parent)
            .map_err(|e| write_error(&parent, e))?;
        Ok(Self { dir, target: parent.join(id) })
    }

    /// Writes `value` as pretty JSON at `relative` (slash-separated) in the staging directory.
    pub fn write_json(&self, relative: &str, value: &Value) -> Result<(), CollectError> {
        let path = self.dir.path().join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| write_error(parent, e))?;
        }
        let mut text = serde_json::to_string_pretty(value).map_err(|e| write_error(&path, e))?;
        text.push('\n');
        std::fs::write(&path, text).map_err(|e| write_error(&path, e))
    }

    /// Moves the staged collection into place and returns its path.
    pub fn commit(self) -> Result<PathBuf, CollectError> {
        let staged = self.dir.path().join("bundle");
        let target = self.target.clone();
        // The staged files live in `<tmp>/` directly; move them under one name first so the
        // temp directory itself can be cleaned up by its guard.
        let entries: Vec<_> = std::fs::read_dir(self.dir.path())
            .map_err(|e| write_error(self.dir.path(), e))?
            .collect::<Result<_, _>>()
            .map_err(|e| write_error(self.dir.path(), e))?;
        std::fs::create_dir(&staged).map_err(|e| write_error(&staged, e))?;
        for entry in entries {
            let to = staged.join(entry.file_name());
            std::fs::rename(entry.path(), &to).map_err(|e| write_error(&to, e))?;
        }
        let old = self.dir.path().join("previous");
        if target.exists() {
            std::fs::rename(&target, &old).map_err(|e| write_error(&target, e))?;
        }
        std::fs::rename(&staged, &target).map_err(|e| write_error(&target, e))?;
        // `self.dir` (with the previous collection inside) is removed when dropped.
        Ok(target)
    }
}

/// A file name for an id that may hold `/` (attachment points, role names): `/` becomes `%2F`,
/// as docs/environment-bundle.md says.
pub fn file_name(id: &str) -> String {
    id.replace('/', "%2F")
}

/// `id` when it can be one path segment of a file name (an object id from a response is not
/// trusted to be one).
pub fn segment(id: &str) -> Result<&str, CollectError> {
    if id.is_empty() || id.contains(['/', '\\', '\0']) || id == "." || id == ".." {
        Err(CollectError::Config(format!("the id {id:?} from a response cannot name a file")))
    } else {
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn commit_replaces_the_previous_collection_and_leaves_nothing_behind() {
        let root = tempfile::tempdir().unwrap();
        let first = Staging::new(root.path(), "azure", "t").unwrap();
        first.write_json("a.json", &serde_json::json!([1])).unwrap();
        first.commit().unwrap();
        let second = Staging::new(root.path(), "azure", "t").unwrap();
        second.write_json("sub/b.json", &serde_json::json!({})).unwrap();
        let target = second.commit().unwrap();
        assert!(!target.join("a.json").exists());
        assert!(target.join("sub/b.json").exists());
        let names: Vec<_> =
            std::fs::read_dir(root.path().join("azure")).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, vec![std::ffi::OsString::from("t")]);
    }

    #[test]
    fn an_abandoned_staging_leaves_the_previous_collection() {
        let root = tempfile::tempdir().unwrap();
        let first = Staging::new(root.path(), "azure", "t").unwrap();
        first.write_json("a.json", &serde_json::json!([1])).unwrap();
        first.commit().unwrap();
        let second = Staging::new(root.path(), "azure", "t").unwrap();
        second.write_json("b.json", &serde_json::json!([2])).unwrap();
        drop(second);
        assert!(root.path().join("azure/t/a.json").exists());
        assert!(!root.path().join("azure/t/b.json").exists());
    }

    #[test]
    fn ids_that_cannot_name_a_directory_are_refused() {
        let root = tempfile::tempdir().unwrap();
        assert!(Staging::new(root.path(), "azure", "../x").is_err());
        assert!(Staging::new(root.path(), "azure", "").is_err());
        assert!(segment("../x").is_err());
        assert!(segment("..").is_err());
        assert_eq!(segment("0b1c-2d").unwrap(), "0b1c-2d");
        assert_eq!(file_name("projects/p/a"), "projects%2Fp%2Fa");
    }
}
