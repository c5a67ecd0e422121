// SPDX-License-Identifier: LGPL-2.1-or-later
//! The .vmx format: `key = "value"` lines, `#` comments, keys compared
//! without regard to case, values in the encoding the `.encoding` key
//! declares, and VMware's `|XX` hex escapes inside text values.
//!
//! A key given twice keeps both entries in the file (so a round trip does
//! not lose lines), and the last one is the value, as VMware reads it.

use crate::error::{Error, Result};

/// Larger files are refused: real ones are a few KiB.
pub const MAX_VMX_BYTES: usize = 4 * 1024 * 1024;

/// A parsed .vmx file, its entries in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VmxFile {
    entries: Vec<(String, String)>,
}

/// Decodes the file's bytes as its `.encoding` line says (UTF-8 if none).
fn decode(bytes: &[u8]) -> Result<String> {
    let declared = bytes
        .split(|b| *b == b'\n')
        .filter_map(|l| {
            let l = String::from_utf8_lossy(l);
            let (k, v) = l.split_once('=')?;
            (k.trim().eq_ignore_ascii_case(".encoding"))
                .then(|| v.trim().trim_matches('"').to_string())
        })
        .next_back();
    let enc = declared
        .unwrap_or_else(|| "UTF-8".into())
        .to_ascii_lowercase();
    match enc.as_str() {
        "utf-8" | "utf8" | "us-ascii" | "ascii" => String::from_utf8(bytes.to_vec())
            .map_err(|e| Error::conf_syntax(format!("The .vmx file is not valid UTF-8 (at byte {})", e.utf8_error().valid_up_to()))),
        // Latin-1 maps each byte to the code point of the same number;
        // windows-1252 differs only in 0x80-0x9f, which we map the same way
        // rather than guess (VMware writes UTF-8 since Workstation 6).
        "iso-8859-1" | "latin1" | "windows-1252" | "cp1252" => Ok(bytes.iter().map(|b| *b as char).collect()),
        other => Err(Error::config_unsupported(format!(
            "The .vmx file declares the encoding '{other}', which is not supported (UTF-8, ISO-8859-1 and \
             windows-1252 are)"
        ))),
    }
}

impl VmxFile {
    pub fn new() -> VmxFile {
        VmxFile::default()
    }

    /// Parses a .vmx file.
    pub fn parse(bytes: &[u8]) -> Result<VmxFile> {
        if bytes.len() > MAX_VMX_BYTES {
            return Err(Error::conf_syntax(format!(
                "The .vmx file is {} bytes, more than the {MAX_VMX_BYTES} a VM configuration can be",
                bytes.len()
            )));
        }
        let text = decode(bytes)?;
        let mut entries = Vec::new();
        for (n, raw) in text.lines().enumerate() {
            let line = raw.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let syntax =
                |what: &str| Error::conf_syntax(format!("Line {} of the .vmx file: {what}", n + 1));
            let (k, v) = line
                .split_once('=')
                .ok_or_else(|| syntax("expected key = \"value\""))?;
            let key = k.trim();
            if key.is_empty() || key.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(syntax("the key is empty or contains blanks"));
            }
            let v = v.trim();
            let value = if let Some(rest) = v.strip_prefix('"') {
                let end = rest
                    .find('"')
                    .ok_or_else(|| syntax("the value has no closing quote"))?;
                let after = rest[end + 1..].trim();
                if !after.is_empty() && !after.starts_with('#') {
                    return Err(syntax("text after the closing quote"));
                }
                &rest[..end]
            } else {
                // Unquoted values exist in hand-written files: up to a comment.
                let bare = v.split('#').next().unwrap_or("").trim();
                if bare.contains('"') {
                    return Err(syntax("a quote inside an unquoted value"));
                }
                bare
            };
            entries.push((key.to_string(), value.to_string()));
        }
        Ok(VmxFile { entries })
    }

    /// The raw value of a key (the last one, case-insensitively).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries
            .iter()
            .rev()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }

    /// A text value with its `|XX` escapes decoded.
    pub fn text(&self, key: &str) -> Option<String> {
        self.get(key).map(unescape)
    }

    /// A boolean value: "true"/"false" in any case; other text is an error.
    pub fn bool(&self, key: &str) -> Result<Option<bool>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(v) => Err(Error::conf_syntax(format!(
                "Config entry '{key}' must represent a boolean value (true|false) but found '{v}'"
            ))),
        }
    }

    /// An integer value ("unlimited" is -1, as VMware writes it).
    pub fn long(&self, key: &str) -> Result<Option<i64>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("unlimited") => Ok(Some(-1)),
            Some(v) => v.parse::<i64>().map(Some).map_err(|_| {
                Error::conf_syntax(format!(
                    "Config entry '{key}' must represent an integer value"
                ))
            }),
        }
    }

    /// Sets a raw value: replaces every entry of the key, or appends.
    pub fn set(&mut self, key: &str, value: &str) {
        let mut first = true;
        self.entries.retain_mut(|(k, v)| {
            if !k.eq_ignore_ascii_case(key) {
                return true;
            }
            if first {
                *v = value.to_string();
                first = false;
                true
            } else {
                false
            }
        });
        if first {
            self.entries.push((key.to_string(), value.to_string()));
        }
    }

    /// Sets a text value, escaping what a .vmx value cannot hold.
    pub fn set_text(&mut self, key: &str, value: &str) {
        self.set(key, &escape(value));
    }

    pub fn remove(&mut self, key: &str) {
        self.entries.retain(|(k, _)| !k.eq_ignore_ascii_case(key));
    }

    pub fn entries(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The file as text, in UTF-8 (an `.encoding` line says so first).
    pub fn format(&self) -> String {
        let mut out = String::from(".encoding = \"UTF-8\"\n");
        for (k, v) in &self.entries {
            if k.eq_ignore_ascii_case(".encoding") {
                continue;
            }
            out.push_str(k);
            out.push_str(" = \"");
            out.push_str(v);
            out.push_str("\"\n");
        }
        out
    }
}

/// VMware's `|XX` escape: `"`, `|`, `#` and control characters become a
/// pipe and two hex digits.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c == '"' || c == '|' || c == '#' || (c as u32) < 0x20 || c == '\u{7f}' {
            out.push_str(&format!("|{:02X}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// Decodes `|XX` escapes; a pipe not followed by two hex digits stays.
pub fn unescape(text: &str) -> String {
    let b = crate::escape::decode_lenient(text, b'|');
    String::from_utf8(b).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Code;

    const SAMPLE: &str = "# a comment\n.encoding = \"UTF-8\"\nconfig.version = \"8\"\nDISPLAYNAME = \"a|22b|7Cc\"\n\
                          memsize = \"1024\" # trailing\nmemSize = \"2048\"\nunquoted = yes\n\nguestOS = \"other\"\n";

    #[test]
    fn reads_keys_case_insensitively_and_the_last_duplicate() {
        let v = VmxFile::parse(SAMPLE.as_bytes()).unwrap();
        assert_eq!(v.get("CONFIG.VERSION"), Some("8"));
        assert_eq!(v.get("memsize"), Some("2048"), "the last of two wins");
        assert_eq!(v.long("MEMSIZE").unwrap(), Some(2048));
        assert_eq!(v.text("displayName").unwrap(), "a\"b|c");
        assert_eq!(v.get("unquoted"), Some("yes"));
        assert_eq!(v.get("missing"), None);
        assert_eq!(v.len(), 7);
    }

    #[test]
    fn round_trips() {
        let v = VmxFile::parse(SAMPLE.as_bytes()).unwrap();
        let again = VmxFile::parse(v.format().as_bytes()).unwrap();
        let strip = |f: &VmxFile| {
            f.entries()
                .filter(|(k, _)| *k != ".encoding")
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<Vec<_>>()
        };
        assert_eq!(strip(&v), strip(&again));
        let mut w = VmxFile::new();
        w.set_text("annotation", "line 1\nline \"2\" | #3");
        assert_eq!(w.get("annotation"), Some("line 1|0Aline |222|22 |7C |233"));
        let back = VmxFile::parse(w.format().as_bytes()).unwrap();
        assert_eq!(back.text("ANNOTATION").unwrap(), "line 1\nline \"2\" | #3");
        w.set("a", "1");
        w.set("A", "2");
        assert_eq!(w.len(), 2);
        w.remove("ANNOTATION");
        assert_eq!(w.len(), 1);
    }

    #[test]
    fn encodings() {
        let latin = b".encoding = \"windows-1252\"\ndisplayName = \"caf\xe9\"\n";
        assert_eq!(
            VmxFile::parse(latin).unwrap().text("displayname").unwrap(),
            "caf\u{e9}"
        );
        assert_eq!(
            VmxFile::parse(b"displayName = \"caf\xe9\"\n")
                .unwrap_err()
                .code(),
            Code::ConfSyntax
        );
        assert_eq!(
            VmxFile::parse(b".encoding = \"Shift_JIS\"\n")
                .unwrap_err()
                .code(),
            Code::ConfigUnsupported
        );
    }

    #[test]
    fn syntax_errors() {
        for bad in [
            "no equals sign",
            "key = \"unterminated",
            "= \"no key\"",
            "a b = \"c\"",
            "k = \"v\" junk",
            "k = a\"b",
        ] {
            assert_eq!(
                VmxFile::parse(bad.as_bytes()).unwrap_err().code(),
                Code::ConfSyntax,
                "{bad}"
            );
        }
        let v = VmxFile::parse(b"flag = \"maybe\"\nn = \"x\"\n").unwrap();
        assert!(v.bool("flag").is_err());
        assert!(v.long("n").is_err());
        assert_eq!(
            VmxFile::parse(b"x = \"unlimited\"")
                .unwrap()
                .long("X")
                .unwrap(),
            Some(-1)
        );
    }

    #[test]
    fn escapes() {
        assert_eq!(unescape("|"), "|");
        assert_eq!(unescape("a|2"), "a|2");
        assert_eq!(unescape("|zz"), "|zz");
        assert_eq!(unescape("|41|42"), "AB");
        assert_eq!(unescape("|C3|A9"), "\u{e9}");
        assert_eq!(unescape("|FF"), "\u{fffd}");
        assert_eq!(escape("x\u{7f}"), "x|7F");
    }
}
