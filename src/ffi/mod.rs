// SPDX-License-Identifier: LGPL-2.1-or-later
//! The C ABI, and only that: handles, strings, errors, driver tables and
//! the panic boundary. Every `unsafe` block of the library lives here.
//!
//! Conventions (also in README.md): functions return -1 / NULL on error
//! with the details in esxGetLastError(); returned strings and arrays are
//! malloc'd and the caller free()s them; handles are released with their
//! esx*Free / esxConnectClose; Free(NULL) is an error, never a crash; every
//! call is thread-safe.
//!
//! Every export is written through `export!` (see [`export`]), whose
//! module states the one safety contract all exports share; that is why
//! the exports carry no `# Safety` section of their own.

#![allow(clippy::missing_safety_doc, non_snake_case)]

pub mod auth;
pub mod boundary;
pub(crate) mod checks;
pub mod close;
pub mod config;
pub mod connect;
pub mod domain;
pub mod error;
pub mod event_loop;
pub mod events;
pub mod export;
pub mod free;
pub mod generated;
pub mod handles;
pub mod interface;
pub mod job;
pub mod lifecycle;
pub mod log;
pub mod network;
pub mod questions;
pub mod snapshot;
pub mod stats;
pub mod storage;
pub mod streams;
pub mod strings;
pub mod tables;
pub mod typed_params;
pub mod types;
pub mod xml;
