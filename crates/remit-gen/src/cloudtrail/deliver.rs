//! Delivering records as CloudTrail does: one gzip-compressed `{"Records":[...]}` file per
//! account, region and five minutes with activity, under the trail's S3 key layout.
//!
//! Records wait in memory only until their five minutes are over (and the next five, for the
//! one in a hundred CloudTrail delivers late), so memory is bounded by the busiest ten minutes,
//! not by the period. Within a file records are in no particular order, as CloudTrail's are;
//! the order, the file's time stamp and its random suffix come from the file's own stream, so
//! the bytes do not depend on the order files are written in.

use std::{
    collections::{BTreeMap, HashSet},
    fs::{self, File},
    io::{self, BufWriter, Write},
    path::{Path, PathBuf},
};

use flate2::{Compression, write::DeflateEncoder};

use super::{
    clock::file_stamp,
    rng::{ALNUM, Rng, fnv},
};

/// Five minutes: CloudTrail's delivery interval.
const WINDOW: i64 = 300;

/// The log files being written.
pub(super) struct Delivery {
    root: PathBuf,
    organization_id: Option<String>,
    seed: u64,
    accounts: Vec<String>,
    regions: Vec<String>,
    /// Records by window, then (account, region).
    pending: BTreeMap<i64, BTreeMap<(u32, u32), Vec<String>>>,
    made: HashSet<PathBuf>,
    /// One deflate state for every file: setting one up costs more than compressing a small file.
    deflate: DeflateEncoder<Vec<u8>>,
    pub(super) files: u64,
    pub(super) bytes: u64,
    pub(super) records: u64,
}

/// CRC-32 (IEEE, reflected), slicing by eight: the gzip trailer's checksum. Computed here
/// rather than by the compression library, whose implementation is unusably slow in
/// unoptimized (test) builds.
struct Crc32 {
    crc: u32,
    len: u32,
}

const fn crc_tables() -> [[u32; 256]; 8] {
    let mut tables = [[0u32; 256]; 8];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 == 1 { 0xedb8_8320 ^ (c >> 1) } else { c >> 1 };
            k += 1;
        }
        tables[0][i] = c;
        i += 1;
    }
    let mut i = 0;
    while i < 256 {
        let mut j = 1;
        while j < 8 {
            let prev = tables[j - 1][i];
            tables[j][i] = (prev >> 8) ^ tables[0][(prev & 0xff) as usize];
            j += 1;
        }
        i += 1;
    }
    tables
}

static CRC_TABLES: [[u32; 256]; 8] = crc_tables();

impl Crc32 {
    fn new() -> Crc32 {
        Crc32 { crc: 0, len: 0 }
    }

    fn update(&mut self, bytes: &[u8]) {
        let t = &CRC_TABLES;
        let mut crc = !self.crc;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let lo = u32::from_le_bytes([c[0], c[1], c[2], c[3]]) ^ crc;
            let hi = u32::from_le_bytes([c[4], c[5], c[6], c[7]]);
            crc = t[7][(lo & 0xff) as usize]
                ^ t[6][((lo >> 8) & 0xff) as usize]
                ^ t[5][((lo >> 16) & 0xff) as usize]
                ^ t[4][(lo >> 24) as usize]
                ^ t[3][(hi & 0xff) as usize]
                ^ t[2][((hi >> 8) & 0xff) as usize]
                ^ t[1][((hi >> 16) & 0xff) as usize]
                ^ t[0][(hi >> 24) as usize];
        }
        for b in chunks.remainder() {
            crc = t[0][((crc ^ u32::from(*b)) & 0xff) as usize] ^ (crc >> 8);
        }
        self.crc = !crc;
        self.len = self.len.wrapping_add(bytes.len() as u32);
    }
}

/// A gzip member's header (RFC 1952): deflate, no flags, no modification time, no extra flags,
/// unknown operating system. Nothing in it depends on when or where the file was written.
const GZIP_HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];

impl Delivery {
    pub(super) fn new(
        root: &Path,
        organization_id: Option<&str>,
        seed: u64,
        accounts: &[String],
        regions: &[String],
    ) -> Delivery {
        Delivery {
            root: root.to_path_buf(),
            organization_id: organization_id.map(str::to_owned),
            seed,
            accounts: accounts.to_vec(),
            regions: regions.to_vec(),
            pending: BTreeMap::new(),
            made: HashSet::new(),
            deflate: DeflateEncoder::new(Vec::new(), Compression::default()),
            files: 0,
            bytes: 0,
            records: 0,
        }
    }

    pub(super) fn put(&mut self, window: i64, account: u32, region: u32, record: String) {
        self.pending.entry(window).or_default().entry((account, region)).or_default().push(record);
    }

    /// Writes every window before `window`: no record can join them any more.
    pub(super) fn flush_before(&mut self, window: i64) -> io::Result<()> {
        while let Some(entry) = self.pending.first_entry() {
            if *entry.key() >= window {
                break;
            }
            let (w, files) = entry.remove_entry();
            for ((account, region), records) in files {
                self.write_file(w, account, region, records)?;
            }
        }
        Ok(())
    }

    pub(super) fn finish(&mut self) -> io::Result<()> {
        self.flush_before(i64::MAX)
    }

    fn write_file(&mut self, window: i64, account: u32, region: u32, mut records: Vec<String>) -> io::Result<()> {
        let account = self.accounts.get(account as usize).cloned().unwrap_or_default();
        let region = self.regions.get(region as usize).cloned().unwrap_or_default();
        let mut rng =
            Rng::new(self.seed, "file", (window as u64).rotate_left(20) ^ fnv(&account) ^ fnv(&region).rotate_left(40));
        rng.shuffle(&mut records);
        // Delivered a few minutes after the window closes.
        let delivered = (window + 1) * WINDOW + rng.range(60, 540);
        let (yyyy, mm, dd, stamp) = file_stamp(delivered);
        let suffix = rng.chars(ALNUM, 16);
        let mut dir = self.root.join("AWSLogs");
        if let Some(org) = &self.organization_id {
            dir.push(org);
        }
        dir.push(&account);
        dir.push("CloudTrail");
        dir.push(&region);
        dir.push(&yyyy);
        dir.push(&mm);
        dir.push(&dd);
        if !self.made.contains(&dir) {
            fs::create_dir_all(&dir)?;
            self.made.insert(dir.clone());
        }
        let path = dir.join(format!("{account}_CloudTrail_{region}_{stamp}_{suffix}.json.gz"));
        // The encoder holds the empty buffer the last file left: header, deflated body, trailer.
        let mut crc = Crc32::new();
        let mut body = |gz: &mut DeflateEncoder<Vec<u8>>, bytes: &[u8]| {
            crc.update(bytes);
            gz.write_all(bytes)
        };
        let gz = &mut self.deflate;
        gz.get_mut().extend_from_slice(&GZIP_HEADER);
        body(gz, b"{\"Records\":[")?;
        for (idx, record) in records.iter().enumerate() {
            if idx > 0 {
                body(gz, b",")?;
            }
            body(gz, record.as_bytes())?;
        }
        body(gz, b"]}")?;
        let mut bytes = gz.reset(Vec::with_capacity(1 << 16))?;
        bytes.extend_from_slice(&crc.crc.to_le_bytes());
        bytes.extend_from_slice(&crc.len.to_le_bytes());
        let mut file = BufWriter::new(File::create(path)?);
        file.write_all(&bytes)?;
        file.flush()?;
        self.files += 1;
        self.bytes += bytes.len() as u64;
        self.records += records.len() as u64;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_is_gzips() {
        let mut crc = Crc32::new();
        crc.update(b"123456789");
        assert_eq!(crc.crc, 0xcbf4_3926);
        let data: Vec<u8> = (0..10_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
        let mut ours = Crc32::new();
        let mut theirs = flate2::Crc::new();
        for chunk in data.chunks(777) {
            ours.update(chunk);
            theirs.update(chunk);
        }
        assert_eq!((ours.crc, ours.len), (theirs.sum(), theirs.amount()));
    }
}
