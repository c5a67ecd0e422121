//! VMware .vmx files: the `key = "value"` format (file.rs). No I/O here:
//! the driver fetches and uploads the bytes.

pub mod file;

pub use file::VmxFile;
