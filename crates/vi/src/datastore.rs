// SPDX-License-Identifier: LGPL-2.1-or-later
//! Datastore paths (`[datastore] directory/file`) and the `/folder` HTTP
//! interface for reading and writing datastore files.

use super::session::Client;
use crate::error::{Error, Result};

/// A parsed `[datastore] directory/file` path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatastorePath {
    pub datastore: String,
    /// Everything before the last `/`, or the whole path when it has none
    /// (libvirt's rule, kept for compatibility).
    pub directory: String,
    /// The path inside the datastore.
    pub directory_and_file: String,
}

impl DatastorePath {
    /// Parses a datastore path. `..` components are refused: a path must
    /// not climb out of its datastore.
    pub fn parse(path: &str) -> Result<DatastorePath> {
        let bad = || {
            Error::invalid_arg(format!(
                "Datastore path '{path}' doesn't have expected format '[<datastore>] <path>'"
            ))
        };
        let rest = path.strip_prefix('[').ok_or_else(bad)?;
        let (datastore, tail) = rest.split_once(']').ok_or_else(bad)?;
        if datastore.is_empty() {
            return Err(bad());
        }
        let directory_and_file = tail.trim_start_matches(' ');
        if !tail.is_empty() && !tail.starts_with(' ') {
            return Err(bad());
        }
        if directory_and_file.split(['/', '\\']).any(|c| c == "..") {
            return Err(Error::invalid_arg(format!(
                "Datastore path '{path}' contains '..'; paths must stay inside their datastore"
            )));
        }
        let directory = match directory_and_file.rfind('/') {
            Some(i) => &directory_and_file[..i],
            None => directory_and_file,
        };
        Ok(DatastorePath {
            datastore: datastore.to_string(),
            directory: directory.to_string(),
            directory_and_file: directory_and_file.to_string(),
        })
    }

    /// The `/folder/...` URL path of this file on a host.
    pub fn folder_url(&self, datacenter_path: &str) -> String {
        format!(
            "/folder/{}?dcPath={}&dsName={}",
            percent_encode(&self.directory_and_file, true),
            percent_encode(datacenter_path, false),
            percent_encode(&self.datastore, false)
        )
    }
}

/// Percent-encodes everything but unreserved characters (and `/` when
/// `keep_slash`).
pub fn percent_encode(text: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'_' | b'.' | b'~')
            || (keep_slash && b == b'/')
        {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Makes a VM name safe as a datastore file or directory name, the way
/// ESX names them: `"*<>:|?` become `_`, `%/\` become `%xx`, and runs of
/// other characters become `+<base64 of their UTF-8>-` (a UTF-7 like form).
pub fn escape_datastore_item(name: &str) -> String {
    const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";
    let mut step: String = String::with_capacity(name.len());
    for c in name.chars() {
        match c {
            '"' | '*' | '<' | '>' | ':' | '|' | '?' => step.push('_'),
            '%' | '/' | '\\' => step.push_str(&format!("%{:02x}", c as u32)),
            c => step.push(c),
        }
    }
    let plain = |c: char| c.is_ascii_alphanumeric() || "'(),. _-".contains(c);
    let mut out = String::with_capacity(step.len() * 2);
    let chars: Vec<char> = step.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if plain(chars[i]) {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && !plain(chars[i]) {
            i += 1;
        }
        let run: String = chars[start..i].iter().collect();
        out.push('+');
        for chunk in run.as_bytes().chunks(3) {
            let n = chunk.len();
            let v = (u32::from(chunk[0]) << 16)
                | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
                | u32::from(*chunk.get(2).unwrap_or(&0));
            let digits = [18, 12, 6, 0].map(|s| B64[((v >> s) & 63) as usize] as char);
            out.extend(&digits[..n + 1]);
        }
        if i < chars.len() {
            out.push('-');
        }
    }
    out
}

/// Reads a datastore file through `/folder`.
pub fn download(client: &Client, datacenter_path: &str, path: &DatastorePath) -> Result<Vec<u8>> {
    let url = path.folder_url(datacenter_path);
    let reply = client.http_get(&url)?;
    match reply.status {
        200 | 206 => Ok(reply.body),
        404 => Err(Error::operation_failed(format!(
            "File '[{}] {}' does not exist on the host",
            path.datastore, path.directory_and_file
        ))),
        status => Err(super::transport::status_error(
            status,
            &reply.body,
            &format!("Reading '[{}] {}'", path.datastore, path.directory_and_file),
        )),
    }
}

/// Writes a datastore file through `/folder`.
pub fn upload(
    client: &Client,
    datacenter_path: &str,
    path: &DatastorePath,
    data: &[u8],
) -> Result<()> {
    let url = path.folder_url(datacenter_path);
    let reply = client.http_put(&url, data)?;
    match reply.status {
        200 | 201 | 204 => Ok(()),
        status => Err(super::transport::status_error(
            status,
            &reply.body,
            &format!("Writing '[{}] {}'", path.datastore, path.directory_and_file),
        )),
    }
}

/// Whether a datastore file exists (GET of the file; 404 means no).
pub fn exists(client: &Client, datacenter_path: &str, path: &DatastorePath) -> Result<bool> {
    let reply = client.http_get(&path.folder_url(datacenter_path))?;
    match reply.status {
        200 | 206 => Ok(true),
        404 => Ok(false),
        status => Err(super::transport::status_error(
            status,
            &reply.body,
            &format!(
                "Checking '[{}] {}'",
                path.datastore, path.directory_and_file
            ),
        )),
    }
}

/// Deletes a datastore file through `/folder` (404: already gone).
pub fn remove(client: &Client, datacenter_path: &str, path: &DatastorePath) -> Result<()> {
    let reply = client.http_delete(&path.folder_url(datacenter_path))?;
    match reply.status {
        200 | 204 | 404 => Ok(()),
        status => Err(super::transport::status_error(
            status,
            &reply.body,
            &format!(
                "Deleting '[{}] {}'",
                path.datastore, path.directory_and_file
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Vectors from libvirt's tests/esxutilstest.c (tests/data/libvirt-esxutils).
    #[test]
    fn parse_datastore_path_vectors() {
        let ok = |p: &str, ds: &str, dir: &str, df: &str| {
            let r = DatastorePath::parse(p).unwrap();
            assert_eq!(
                (
                    r.datastore.as_str(),
                    r.directory.as_str(),
                    r.directory_and_file.as_str()
                ),
                (ds, dir, df),
                "{p}"
            );
        };
        ok(
            "[datastore] directory/file",
            "datastore",
            "directory",
            "directory/file",
        );
        ok(
            "[datastore] directory1/directory2/file",
            "datastore",
            "directory1/directory2",
            "directory1/directory2/file",
        );
        ok("[datastore] file", "datastore", "file", "file");
        ok(
            "[datastore] directory/",
            "datastore",
            "directory",
            "directory/",
        );
        ok("[datastore]", "datastore", "", "");
        assert!(DatastorePath::parse("[] directory/file").is_err());
        assert!(DatastorePath::parse("directory/file").is_err());
    }

    #[test]
    fn dot_dot_is_refused() {
        let e = DatastorePath::parse("[ds] vm/../../etc/passwd").unwrap_err();
        assert!(e.message().contains("'..'"));
        assert!(DatastorePath::parse("[ds] ..").is_err());
        assert!(DatastorePath::parse("[ds] a..b/c").is_ok());
    }

    #[test]
    fn escape_datastore_item_vectors() {
        let cases = [
            ("normal", "normal"),
            (
                "Aä1ö2ü3ß4#5~6!7§8/9%Z",
                "A+w6Q-1+w7Y-2+w7w-3+w58-4+Iw-5+fg-6+IQ-7+wqc-8+JQ-2f9+JQ-25Z",
            ),
            (
                "Z~6!7§8/9%0#1\"2'3`4&A",
                "Z+fg-6+IQ-7+wqc-8+JQ-2f9+JQ-250+Iw-1_2'3+YA-4+Jg-A",
            ),
            ("標準語", "+5qiZ5rqW6Kqe"),
            (
                "!\"#$%&'()*+,-./0123456789:;<=>?",
                "+IQ-_+IyQl-25+Jg-'()_+Kw-,-.+JQ-2f0123456789_+Ow-_+PQ-__",
            ),
            ("A Z[\\]^_B", "A Z+WyU-5c+XV4-_B"),
            ("A`B@{|}~DEL", "A+YA-B+QHs-_+fX4-DEL"),
        ];
        for (input, want) in cases {
            assert_eq!(escape_datastore_item(input), want, "{input}");
        }
    }

    #[test]
    fn folder_url() {
        let p = DatastorePath::parse("[datastore 1] my vm/my vm.vmx").unwrap();
        assert_eq!(
            p.folder_url("ha-datacenter"),
            "/folder/my%20vm/my%20vm.vmx?dcPath=ha-datacenter&dsName=datastore%201"
        );
    }
}
