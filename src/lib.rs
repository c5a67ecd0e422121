// SPDX-License-Identifier: LGPL-2.1-or-later
//! esx-driver: a libvirt-style driver for VMware ESX and vCenter, shipped as
//! a C shared library (libesx_driver.so.0, include/esx_driver.h).
//!
//! This crate is the C ABI and nothing else: handles, strings, errors,
//! driver tables and the panic boundary, over layers in crates of their
//! own, each depending only on those below it (the compiler enforces it):
//! - [`driver`] (crate esx-api): the operations as a safe Rust API;
//! - [`vi`] (crate esx-vi): the VI SOAP client, and [`vmx`] (crate
//!   esx-vmx): VMX <-> domain XML, with no I/O;
//! - [`error`], [`uri`] and the other shared pieces (crate esx-common).
//!
//! Every `unsafe` block of the project lives in [`ffi`]; the other crates
//! forbid unsafe code.

pub mod ffi;

// The layers, re-exported for Rust users of this crate and its tests.
pub use esx_api as driver;
pub use esx_common::{error, escape, files, uri, uuid, xmldoc};
pub use esx_common::{Code, Error, Result};
pub use esx_vi as vi;
pub use esx_vmx as vmx;
