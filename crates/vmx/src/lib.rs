// SPDX-License-Identifier: LGPL-2.1-or-later
//! VMware .vmx files and their conversion to and from libvirt domain XML.
//! No I/O here: the driver fetches and uploads the bytes, and maps file
//! names to datastore paths through the callbacks of the conversion.

#![forbid(unsafe_code)]

pub(crate) use esx_common::{error, escape, uuid, xmldoc};

pub mod domain;
pub mod file;
pub mod format;
pub mod parse;
pub mod xml;

pub use domain::DomainDef;
pub use file::VmxFile;
pub use format::{format, FormatContext};
pub use parse::{parse, ParseContext};
pub use xml::parse_domain_xml;
