//! Datastore paths as a host reads them: `[datastore] directory/file`,
//! resolved the way its file system resolves a path (empty components, as
//! in `dir//file` or a trailing `/`, are nothing), and the directory names
//! ESX gives VMs. esx-sim's own reading, never the driver's: where the two
//! could differ, a test sees it.

use std::path::{Path, PathBuf};

use esx_vi::vim25;

use crate::fault::Fault;

/// A datastore path a request names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DsPath {
    pub datastore: String,
    /// The path inside the datastore, as written.
    pub rel: String,
}

impl DsPath {
    /// `[name]` or `[name] path`; anything else is no datastore path.
    pub fn parse(text: &str) -> Option<DsPath> {
        let inner = text.strip_prefix('[')?;
        let close = inner.find(']')?;
        let (datastore, after) = (&inner[..close], &inner[close + 1..]);
        if datastore.is_empty() {
            return None;
        }
        let rel = match after.strip_prefix(' ') {
            Some(r) => r.trim_start_matches(' '),
            None if after.is_empty() => "",
            None => return None,
        };
        Some(DsPath {
            datastore: datastore.to_string(),
            rel: rel.to_string(),
        })
    }

    /// As `parse`, the fault ESX answers for a path it cannot read.
    pub fn parse_or_fault(text: &str) -> Result<DsPath, Fault> {
        DsPath::parse(text).ok_or_else(|| bad_path(text))
    }

    /// The components the file system resolves (no empty ones).
    pub fn components(&self) -> impl Iterator<Item = &str> {
        self.rel.split('/').filter(|c| !c.is_empty())
    }

    /// The path inside the datastore, resolved (`a//b/` is `a/b`).
    pub fn resolved(&self) -> String {
        self.components().collect::<Vec<_>>().join("/")
    }

    /// Its directory (resolved), `""` at the top.
    pub fn directory(&self) -> String {
        let parts: Vec<&str> = self.components().collect();
        parts[..parts.len().saturating_sub(1)].join("/")
    }

    /// Its last component.
    pub fn file_name(&self) -> &str {
        self.components().last().unwrap_or("")
    }

    /// Whether it climbs out of the datastore.
    pub fn climbs(&self) -> bool {
        self.components().any(|c| c == ".." || c.contains('\\'))
    }

    /// The local file behind it, under the datastore's directory; None for
    /// a path that climbs out.
    pub fn local(&self, root: &Path) -> Option<PathBuf> {
        if self.climbs() {
            return None;
        }
        Some(self.components().fold(root.to_path_buf(), |p, c| p.join(c)))
    }
}

/// InvalidDatastorePath, as ESX answers a path it cannot read.
pub fn bad_path(text: &str) -> Fault {
    Fault::typed(
        vim25::InvalidDatastorePath {
            datastore: None,
            name: None,
            datastore_path: text.to_string(),
        },
        format!("Invalid datastore path '{text}'."),
    )
}

/// The directory ESX makes for a VM of this name: characters a file name
/// cannot hold become `_` or `%xx`; other characters beyond a plain set
/// are written in ESX's UTF-7-like form (`+base64-`).
pub fn vm_directory(name: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";
    let mut mapped = String::new();
    for c in name.chars() {
        if "\"*<>:|?".contains(c) {
            mapped.push('_');
        } else if "%/\\".contains(c) {
            mapped += &format!("%{:02x}", u32::from(c));
        } else {
            mapped.push(c);
        }
    }
    let is_plain = |c: &char| c.is_ascii_alphanumeric() || "'(),. _-".contains(*c);
    let mut out = String::new();
    let mut pending: Vec<u8> = Vec::new();
    let flush = |pending: &mut Vec<u8>, out: &mut String, more: bool| {
        if pending.is_empty() {
            return;
        }
        out.push('+');
        for group in pending.chunks(3) {
            let bits = group
                .iter()
                .enumerate()
                .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
            for k in 0..=group.len() {
                out.push(char::from(
                    ALPHABET[((bits >> (18 - 6 * k)) & 0x3f) as usize],
                ));
            }
        }
        if more {
            out.push('-');
        }
        pending.clear();
    };
    for c in mapped.chars() {
        if is_plain(&c) {
            flush(&mut pending, &mut out, true);
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            pending.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
    }
    flush(&mut pending, &mut out, false);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_as_a_host_resolves_them() {
        let p = DsPath::parse("[datastore1] dir//file.vmx").unwrap();
        assert_eq!(p.datastore, "datastore1");
        assert_eq!(p.resolved(), "dir/file.vmx");
        assert_eq!(p.directory(), "dir");
        assert_eq!(p.file_name(), "file.vmx");
        assert_eq!(DsPath::parse("[ds]").unwrap().resolved(), "");
        assert!(DsPath::parse("ds x").is_none());
        assert!(DsPath::parse("[] x").is_none());
        assert!(DsPath::parse("[ds]x").is_none());
        assert!(DsPath::parse("[ds] a/../../b").unwrap().climbs());
    }

    /// libvirt's esxutilstest vectors (tests/data/libvirt-esxutils).
    #[test]
    fn vm_directories_as_esx_names_them() {
        for (name, dir) in [
            ("debian-02", "debian-02"),
            ("x:y", "x_y"),
            ("aüb", "a+w7w-b"),
            ("標準語", "+5qiZ5rqW6Kqe"),
            (
                "Aä1ö2ü3ß4#5~6!7§8/9%Z",
                "A+w6Q-1+w7Y-2+w7w-3+w58-4+Iw-5+fg-6+IQ-7+wqc-8+JQ-2f9+JQ-25Z",
            ),
            (
                "!\"#$%&'()*+,-./0123456789:;<=>?",
                "+IQ-_+IyQl-25+Jg-'()_+Kw-,-.+JQ-2f0123456789_+Ow-_+PQ-__",
            ),
            ("A Z[\\]^_B", "A Z+WyU-5c+XV4-_B"),
        ] {
            assert_eq!(vm_directory(name), dir, "{name}");
        }
    }
}
