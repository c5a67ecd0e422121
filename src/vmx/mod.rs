//! VMware .vmx files and their conversion to and from libvirt domain XML.
//! No I/O here: the driver fetches and uploads the bytes, and maps file
//! names to datastore paths through the callbacks of the conversion.

pub mod domain;
pub mod file;
pub mod parse;

pub use domain::DomainDef;
pub use file::VmxFile;
pub use parse::{parse, ParseContext};
