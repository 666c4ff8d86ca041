//! Blobs: content stored once under its SHA-256, however many snapshots name it.
//!
//! Why content addressing: a bundle's files and a principal's grants mostly come back
//! unchanged; named by their hash they are stored once and a snapshot's version rows only point
//! at them. Why zstd: the content is JSON and text lines, which compress several times over, and
//! the codec is already built for Parquet. Why the hash is checked on every read: a blob is
//! evidence (what a principal could do on a past date); bytes that no longer match their name
//! must be reported, not served.

use std::collections::{HashMap, HashSet};

use sqlx::{AssertSqlSafe, Row};

use crate::{ROWS_PER_STATEMENT, Store, StoreError, sha256_hex, to_i64};

/// zstd's level: its default, a good ratio at hundreds of MB/s.
const LEVEL: i32 = 3;

impl Store {
    /// Stores blobs given as (SHA-256 lowercase hex of the bytes, bytes); those already stored
    /// are skipped. Returns how many were new. A hash that does not match its bytes is refused.
    pub async fn put_blobs(&self, blobs: &[(String, Vec<u8>)]) -> Result<usize, StoreError> {
        let mut seen = HashSet::new();
        let mut unique = Vec::with_capacity(blobs.len());
        for (hash, bytes) in blobs {
            if !seen.insert(hash.as_str()) {
                continue;
            }
            let actual = sha256_hex(bytes);
            if actual != *hash {
                return Err(self.invalid(format!("blob {hash} has the SHA-256 {actual}")));
            }
            unique.push((hash, bytes));
        }
        let hashes: Vec<String> = unique.iter().map(|(h, _)| (*h).clone()).collect();
        let present = self.present_blobs(&hashes).await?;
        let mut rows = Vec::new();
        for (hash, bytes) in unique {
            if present.contains(hash.as_str()) {
                continue;
            }
            let packed = zstd::bulk::compress(bytes, LEVEL)
                .map_err(|e| self.invalid(format!("blob {hash} cannot be compressed: {e}")))?;
            rows.push((hash, to_i64(u64::try_from(bytes.len()).unwrap_or(u64::MAX)), packed));
        }
        if rows.is_empty() {
            return Ok(0);
        }
        let mut tx = self.write("begin storing blobs").await?;
        let mut stored = 0u64;
        // Fewer rows per statement than elsewhere: each carries a blob.
        for chunk in rows.chunks(ROWS_PER_STATEMENT / 10) {
            let sql = format!(
                "INSERT INTO history_blob (hash, size, data) VALUES {} ON CONFLICT (hash) DO NOTHING",
                self.values(chunk.len(), 3)
            );
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for (hash, size, packed) in chunk {
                query = query.bind(hash.as_str()).bind(*size).bind(packed.as_slice());
            }
            stored += query.execute(&mut *tx).await.map_err(self.err("store blobs"))?.rows_affected();
        }
        tx.commit().await.map_err(self.err("commit blobs"))?;
        Ok(usize::try_from(stored).unwrap_or(usize::MAX))
    }

    async fn present_blobs(&self, hashes: &[String]) -> Result<HashSet<String>, StoreError> {
        let mut present = HashSet::new();
        for chunk in hashes.chunks(ROWS_PER_STATEMENT) {
            let sql = format!("SELECT hash FROM history_blob WHERE hash IN {}", in_list(self, chunk.len()));
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for h in chunk {
                query = query.bind(h.as_str());
            }
            let rows = query.fetch_all(&self.pool).await.map_err(self.err("look up blobs"))?;
            for r in &rows {
                present.insert(r.try_get::<String, _>(0).map_err(self.err("look up blobs"))?);
            }
        }
        Ok(present)
    }

    /// A blob's bytes, checked against its hash; `None` when it is not stored.
    pub async fn blob(&self, hash: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let mut found = self.blobs(&[hash.to_owned()]).await?;
        Ok(found.remove(hash))
    }

    /// The blobs stored of those asked for, by hash, each checked against its hash.
    pub async fn blobs(&self, hashes: &[String]) -> Result<HashMap<String, Vec<u8>>, StoreError> {
        let mut out = HashMap::with_capacity(hashes.len());
        for chunk in hashes.chunks(ROWS_PER_STATEMENT) {
            let sql = format!("SELECT hash, size, data FROM history_blob WHERE hash IN {}", in_list(self, chunk.len()));
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for h in chunk {
                query = query.bind(h.as_str());
            }
            let rows = query.fetch_all(&self.pool).await.map_err(self.err("read blobs"))?;
            // One decompression context for the batch: creating one per blob was a quarter of
            // the time of reading a snapshot's findings (measured with perf).
            let mut decompressor = zstd::bulk::Decompressor::new().map_err(|e| StoreError::Corrupt {
                database: self.name.to_string(),
                what: "blobs".to_owned(),
                why: format!("no zstd decompressor: {e}"),
            })?;
            for r in &rows {
                let (hash, size, packed): (String, i64, Vec<u8>) =
                    (|| Ok::<_, sqlx::Error>((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))()
                        .map_err(self.err("read blobs"))?;
                let corrupt = |why: String| StoreError::Corrupt {
                    database: self.name.to_string(),
                    what: format!("blob {hash}"),
                    why,
                };
                let capacity = usize::try_from(size).map_err(|_| corrupt(format!("its size is {size}")))?;
                let bytes = decompressor
                    .decompress(&packed, capacity)
                    .map_err(|e| corrupt(format!("it does not decompress: {e}")))?;
                let actual = sha256_hex(&bytes);
                if actual != hash {
                    return Err(corrupt(format!("its bytes hash to {actual}")));
                }
                out.insert(hash, bytes);
            }
        }
        Ok(out)
    }
}

/// `($1, …, $n)`, or `(?, …)` on SQLite.
fn in_list(store: &Store, n: usize) -> String {
    let values = store.values(1, n);
    format!("({})", values.trim_start_matches('(').trim_end_matches(')'))
}
