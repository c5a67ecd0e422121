// SPDX-License-Identifier: LGPL-2.1-or-later
//! What every layer of esx-driver shares: the one [`Error`] type (each
//! variant a libvirt error number), connection URIs, the limits for XML
//! nobody here wrote, reading local files safely, escapes and UUIDs.
//! No I/O beyond reading a file the caller names; no C.

#![forbid(unsafe_code)]

pub mod error;
pub mod escape;
pub mod files;
pub mod rules;
pub mod units;
pub mod uri;
pub mod uuid;
pub mod xmldoc;
pub mod xmltext;

pub use error::{Code, Error, Origin, Result};
