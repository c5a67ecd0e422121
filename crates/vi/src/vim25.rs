// SPDX-License-Identifier: LGPL-2.1-or-later
//! The VI types, property views and methods this project uses, generated
//! by build.rs from `schema/vim25.schema`: one struct per data object (read
//! with [`FromValue`], written with [`ToValue`]), one struct per view (a
//! typed set of properties read in one request, see [`View`]), and one
//! function per method (parameters in WSDL order, the result typed).
//!
//! Optional fields are `Option`s and arrays `Vec`s, exactly as the schema
//! (the VI reference) says a host may send them.

#![allow(clippy::all, unused_imports, unused_variables, unused_mut)]

use crate::error::Result;
use crate::session::{Client, Safety};
use crate::soap::XmlWriter;
use crate::types::{MoRef, Value};
use crate::wire::{self, FromValue, ToValue, View};

include!(concat!(env!("OUT_DIR"), "/vim25.rs"));
