//! esx-driver: a libvirt-style driver for VMware ESX and vCenter.
//!
//! Layers, each depending only on those below it:
//! - [`ffi`]: the C ABI (handles, strings, errors, driver tables, the panic
//!   boundary). All `unsafe` lives there.
//! - [`driver`]: the operations as a safe Rust API.
//! - [`vi`] (the VI SOAP client), [`vmx`] (VMX <-> domain XML), [`uri`],
//!   [`error`].

// The compiler holds every module but ffi to safe code.
#![deny(unsafe_code)]

pub mod driver;
pub mod error;
pub mod escape;
#[allow(unsafe_code)]
pub mod ffi;
pub mod files;
pub mod uri;
pub mod uuid;
pub mod vi;
pub mod vmx;
pub mod xmldoc;

pub use error::{Code, Error, Result};
