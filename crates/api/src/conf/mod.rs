// SPDX-License-Identifier: LGPL-2.1-or-later
//! libvirt's configuration documents other than the domain's (which the
//! VMX crate converts): storage pools and volumes, networks and host
//! interfaces, as
//! data the drivers fill and one writer and reader per document, in
//! libvirt's element order. Text is escaped as libvirt escapes it; sizes
//! are read with libvirt's units.

pub mod interface;
pub mod network;
pub mod pool;
pub mod volume;

use esx_common::xmltext::escape;

/// `<NAME unit='bytes'>N</NAME>`, indented.
fn bytes_element(out: &mut String, indent: &str, name: &str, n: u64) {
    out.push_str(&format!("{indent}<{name} unit='bytes'>{n}</{name}>\n"));
}

/// `<NAME>TEXT</NAME>`, indented and escaped.
fn text_element(out: &mut String, indent: &str, name: &str, text: &str) {
    out.push_str(&format!("{indent}<{name}>{}</{name}>\n", escape(text)));
}
