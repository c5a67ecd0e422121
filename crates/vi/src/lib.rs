// SPDX-License-Identifier: LGPL-2.1-or-later
//! The VI API client (vSphere Web Services SOAP). Pure Rust: it knows
//! nothing of C or libvirt handles.

#![forbid(unsafe_code)]

// The shared layer, under the names the modules use.
pub(crate) use esx_common::{error, files, uri, xmldoc};

pub mod datastore;
pub mod fault;
pub mod methods;
pub mod property;
pub mod schema;
pub mod session;
pub mod soap;
pub mod task;
pub mod tls;
pub mod transport;
pub mod types;
pub mod vim25;
pub mod wire;

pub use fault::FaultOf;
pub use session::{Client, Safety, Secret};
pub use types::{MoRef, ObjectContent, Question, Value};
pub use vim25::{Fault, TaskInfo, TaskInfoState, VirtualMachinePowerState};
