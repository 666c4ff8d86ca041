//! The IAM credential report (`aws iam get-credential-report`, its `Content` base64-decoded):
//! CSV with a header row, one row per user plus `<root_account>`.
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html>

use crate::{env::CredentialReportRow, json::Sink};

/// Reads the report; rows that do not fit the header are issues at `line N`.
pub(crate) fn parse(bytes: &[u8], sink: &mut Sink<'_>) -> Vec<CredentialReportRow> {
    let text = match std::str::from_utf8(crate::json::strip_bom(bytes)) {
        Ok(text) => text,
        Err(err) => {
            sink.push("", format!("not UTF-8 text: {err}"));
            return Vec::new();
        }
    };
    let mut records = Records { text, pos: 0, line: 1 };
    let header = match records.next() {
        None => {
            sink.push("line 1", "empty: expected the header `user,arn,...`");
            return Vec::new();
        }
        Some((line, Err(message))) => {
            sink.push(format!("line {line}"), message);
            return Vec::new();
        }
        Some((_, Ok(header))) => header,
    };
    let user_col = header.iter().position(|name| name == "user");
    let arn_col = header.iter().position(|name| name == "arn");
    let (Some(user_col), Some(arn_col)) = (user_col, arn_col) else {
        sink.push("line 1", "expected a header with `user` and `arn` columns (is the report still base64-encoded?)");
        return Vec::new();
    };
    let mut rows = Vec::new();
    for (line, record) in records {
        let fields = match record {
            Ok(fields) => fields,
            Err(message) => {
                sink.push(format!("line {line}"), message);
                continue;
            }
        };
        if fields.len() != header.len() {
            sink.push(
                format!("line {line}"),
                format!("expected {} fields as in the header, found {}", header.len(), fields.len()),
            );
            continue;
        }
        let user = fields[user_col].clone();
        let arn = fields[arn_col].clone();
        let fields = header.iter().cloned().zip(fields).collect();
        rows.push(CredentialReportRow { user, arn, fields });
    }
    rows
}

/// RFC 4180 records, each with the line it starts on; blank lines are skipped.
struct Records<'a> {
    text: &'a str,
    pos: usize,
    line: usize,
}

impl Iterator for Records<'_> {
    type Item = (usize, Result<Vec<String>, String>);

    fn next(&mut self) -> Option<Self::Item> {
        // Skip blank lines.
        loop {
            let rest = self.text.get(self.pos..)?;
            if rest.is_empty() {
                return None;
            }
            if let Some(after) = rest.strip_prefix("\r\n") {
                self.pos = self.text.len() - after.len();
                self.line += 1;
            } else if rest.starts_with('\n') {
                self.pos += 1;
                self.line += 1;
            } else {
                break;
            }
        }
        let start_line = self.line;
        let bytes = self.text.as_bytes();
        let mut fields = Vec::new();
        let mut field = String::new();
        let mut idx = self.pos;
        loop {
            // At the start of a field.
            if bytes.get(idx) == Some(&b'"') {
                idx += 1;
                loop {
                    match bytes.get(idx) {
                        None => {
                            self.pos = self.text.len();
                            return Some((start_line, Err("a quoted field is not closed".into())));
                        }
                        Some(b'"') if bytes.get(idx + 1) == Some(&b'"') => {
                            field.push('"');
                            idx += 2;
                        }
                        Some(b'"') => {
                            idx += 1;
                            break;
                        }
                        Some(_) => {
                            let end = next_boundary(bytes, idx, |b| b == b'"');
                            let chunk = &self.text[idx..end];
                            self.line += chunk.matches('\n').count();
                            field.push_str(chunk);
                            idx = end;
                        }
                    }
                }
            } else {
                let end = next_boundary(bytes, idx, |b| matches!(b, b',' | b'\n' | b'\r' | b'"'));
                field.push_str(&self.text[idx..end]);
                idx = end;
            }
            match bytes.get(idx) {
                Some(b',') => {
                    fields.push(std::mem::take(&mut field));
                    idx += 1;
                }
                None | Some(b'\n') | Some(b'\r') => {
                    fields.push(std::mem::take(&mut field));
                    if bytes.get(idx) == Some(&b'\r') {
                        idx += 1;
                    }
                    if bytes.get(idx) == Some(&b'\n') {
                        idx += 1;
                    }
                    self.line += 1;
                    self.pos = idx;
                    return Some((start_line, Ok(fields)));
                }
                Some(_) => {
                    // A quote inside an unquoted field, or text after a closing quote.
                    let end = next_boundary(bytes, idx, |b| b == b'\n');
                    self.pos = (end + 1).min(self.text.len());
                    self.line += 1;
                    return Some((start_line, Err("a stray `\"` in a field".into())));
                }
            }
        }
    }
}

/// The first index at or after `from` whose byte satisfies `stop` (ASCII bytes only, so the
/// index is a character boundary), or the end.
fn next_boundary(bytes: &[u8], from: usize, stop: impl Fn(u8) -> bool) -> usize {
    bytes.iter().skip(from).position(|&b| stop(b)).map_or(bytes.len(), |offset| from + offset)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn run(text: &str) -> (Vec<CredentialReportRow>, Vec<(String, String)>) {
        let mut issues = Vec::new();
        let rows = parse(text.as_bytes(), &mut Sink::new(PathBuf::from("credential-report.csv"), &mut issues));
        (rows, issues.into_iter().map(|issue| (issue.location, issue.message)).collect())
    }

    #[test]
    fn reads_rows_by_header_name() {
        let (rows, issues) = run("user,arn,user_creation_time,password_enabled\n\
             <root_account>,arn:aws:iam::123456789012:root,2020-01-01T00:00:00+00:00,not_supported\n\
             alice,arn:aws:iam::123456789012:user/alice,2021-01-01T00:00:00+00:00,true\n");
        assert!(issues.is_empty(), "{issues:?}");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].user, "<root_account>");
        assert_eq!(rows[1].arn, "arn:aws:iam::123456789012:user/alice");
        assert_eq!(rows[1].fields[3], ("password_enabled".to_owned(), "true".to_owned()));
    }

    #[test]
    fn quoted_fields_and_crlf() {
        let (rows, issues) = run("user,arn,note\r\n\"a,b\",\"x\"\"y\",\"multi\nline\"\r\nc,d,e");
        assert!(issues.is_empty(), "{issues:?}");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].user, "a,b");
        assert_eq!(rows[0].arn, "x\"y");
        assert_eq!(rows[0].fields[2].1, "multi\nline");
        assert_eq!(rows[1].fields[2].1, "e");
    }

    #[test]
    fn bad_rows_are_issues_with_their_line() {
        let (rows, issues) = run("user,arn,a\nalice,arn1,x\nbob,arn2\n\ncarol,arn3,z\nda\"ve,arn4,w\neve,arn5,v\n");
        assert_eq!(rows.iter().map(|row| row.user.as_str()).collect::<Vec<_>>(), ["alice", "carol", "eve"]);
        assert_eq!(
            issues,
            [
                ("line 3".to_owned(), "expected 3 fields as in the header, found 2".to_owned()),
                ("line 6".to_owned(), "a stray `\"` in a field".to_owned()),
            ]
        );
    }

    #[test]
    fn a_header_without_user_and_arn_is_an_issue() {
        let (rows, issues) = run("dXNlcixhcm4K\n");
        assert!(rows.is_empty());
        assert_eq!(issues[0].0, "line 1");
        let (rows, issues) = run("\"open\n");
        assert!(rows.is_empty());
        assert_eq!(issues[0], ("line 1".to_owned(), "a quoted field is not closed".to_owned()));
    }
}
