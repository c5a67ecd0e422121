// SPDX-License-Identifier: LGPL-2.1-or-later
//! Storage volume XML: written as libvirt writes it (virStorageVolDefFormat,
//! the parts ESX fills), and the `<volume>` documents volumes are created
//! from, read with libvirt's rules.

use esx_common::units::{to_bytes, ScaleError};

use super::{bytes_element, text_element};
use crate::error::{Error, Result};

/// One volume, as its backend describes it. A size the host did not
/// report is None: left out, never written as 0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolDef {
    /// `file` or `block`.
    pub kind: &'static str,
    pub name: String,
    pub key: String,
    pub capacity: Option<u64>,
    pub allocation: Option<u64>,
    pub path: String,
    /// `<target><format type=>`, when the volume has one.
    pub format: Option<&'static str>,
}

pub fn format(def: &VolDef) -> String {
    let mut x = format!("<volume type='{}'>\n", def.kind);
    text_element(&mut x, "  ", "name", &def.name);
    text_element(&mut x, "  ", "key", &def.key);
    if let Some(c) = def.capacity {
        bytes_element(&mut x, "  ", "capacity", c);
    }
    if let Some(a) = def.allocation {
        bytes_element(&mut x, "  ", "allocation", a);
    }
    x.push_str("  <target>\n");
    text_element(&mut x, "    ", "path", &def.path);
    if let Some(f) = def.format {
        x.push_str(&format!("    <format type='{f}'/>\n"));
    }
    x.push_str("  </target>\n</volume>\n");
    x
}

/// What a `<volume>` document asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewVolume {
    pub name: String,
    /// `type=`, `file` when absent.
    pub kind: String,
    pub capacity: u64,
    /// As much as the capacity when absent (libvirt's rule).
    pub allocation: u64,
    /// `<target><format type=>`, when given.
    pub format: Option<String>,
}

/// Bytes from a libvirt scaled integer (`<capacity unit='G'>10</capacity>`).
fn scaled(node: roxmltree::Node<'_, '_>) -> Result<u64> {
    let text = node.text().unwrap_or("");
    let unit = node.attribute("unit").unwrap_or("bytes");
    to_bytes(text, unit).map_err(|e| {
        Error::xml(match e {
            ScaleError::NotANumber => format!("'{}' is not a number of bytes", text.trim()),
            ScaleError::UnknownUnit => format!("unknown unit '{unit}'"),
            ScaleError::TooLarge => format!("{} {unit} is too large", text.trim()),
        })
    })
}

/// Reads a `<volume>` document (checks of what a backend can make are the
/// backend's).
pub fn parse(xml: &str) -> Result<NewVolume> {
    let doc = crate::xmldoc::parse(xml).map_err(|e| Error::xml(format!("volume XML: {e}")))?;
    let root = doc.root_element();
    if root.tag_name().name() != "volume" {
        return Err(Error::xml("expected a <volume> document"));
    }
    let child = |n: &str| root.children().find(|c| c.has_tag_name(n));
    let name = child("name")
        .and_then(|n| n.text())
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| Error::xml("missing volume name"))?
        .to_string();
    let capacity = match child("capacity") {
        Some(c) => scaled(c)?,
        None => return Err(Error::xml("missing capacity element")),
    };
    let allocation = match child("allocation") {
        Some(a) => scaled(a)?,
        None => capacity,
    };
    let format = child("target")
        .and_then(|t| t.children().find(|c| c.has_tag_name("format")))
        .and_then(|f| f.attribute("type"))
        .map(str::to_string);
    Ok(NewVolume {
        name,
        kind: root.attribute("type").unwrap_or("file").to_string(),
        capacity,
        allocation,
        format,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_sizes_are_left_out() {
        let def = VolDef {
            kind: "file",
            name: "d/a.vmdk".into(),
            key: "[ds] d/a.vmdk".into(),
            capacity: None,
            allocation: Some(5),
            path: "[ds] d/a.vmdk".into(),
            format: Some("vmdk"),
        };
        let x = format(&def);
        assert!(!x.contains("<capacity"), "{x}");
        assert!(x.contains("<allocation unit='bytes'>5</allocation>"), "{x}");
    }

    #[test]
    fn volume_documents() {
        let v = parse(
            "<volume><name> d/a.vmdk </name><capacity unit='M'>2</capacity>\
             <target><format type='vmdk'/></target></volume>",
        )
        .unwrap();
        assert_eq!(v.name, "d/a.vmdk");
        assert_eq!((v.capacity, v.allocation), (2 << 20, 2 << 20));
        assert_eq!(v.format.as_deref(), Some("vmdk"));
        assert!(parse("<volume><name>x</name></volume>").is_err());
        assert!(parse("<pool/>").is_err());
        let e =
            parse("<volume><name>x</name><capacity unit='Q'>1</capacity></volume>").unwrap_err();
        assert!(e.message().contains("unknown unit 'Q'"), "{e}");
    }
}
