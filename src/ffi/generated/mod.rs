// SPDX-License-Identifier: LGPL-2.1-or-later
//! What scripts/libvirt-api.py writes from libvirt-api.xml: libvirt's
//! types this driver has no code for yet (types), an export for
//! each function ESX cannot back (unsupported_*), and the error
//! domain of each function's own checks (origins). Do not edit; see
//! docs/porting.md.

pub mod origins;
pub mod types;
pub mod unsupported_domain;
pub mod unsupported_domain_checkpoint;
pub mod unsupported_host;
pub mod unsupported_interface;
pub mod unsupported_network;
pub mod unsupported_nodedev;
pub mod unsupported_nwfilter;
pub mod unsupported_secret;
pub mod unsupported_storage;
pub mod unsupported_stream;
