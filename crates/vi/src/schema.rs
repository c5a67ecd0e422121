// SPDX-License-Identifier: LGPL-2.1-or-later
//! The declared VI schema (`schema/vim25.schema`): the data objects and
//! managed-object properties this project reads, with which of them a
//! server may leave out. The driver consults it to tell "the host did not
//! report X" from a malformed reply; esx-sim's sparse mode leaves out
//! exactly what it marks optional.

use once_cell::sync::Lazy;

const TEXT: &str = include_str!("schema/vim25.schema");

pub use parse::{Field, MethodDef, Occurs, PathInfo, Schema, TypeDef, ViewDef, ViewProp};

#[path = "schema/parse.rs"]
mod parse;

static SCHEMA: Lazy<Schema> = Lazy::new(|| match Schema::parse(TEXT) {
    Ok(s) => s,
    // The text is compiled in and checked by a unit test: an error here is
    // a bug in this file, found before any release.
    Err(e) => {
        log::error!("{e}");
        Schema::default()
    }
});

/// The compiled-in schema.
pub fn schema() -> &'static Schema {
    &SCHEMA
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_parses_and_is_closed() {
        let s = Schema::parse(TEXT).unwrap();
        assert!(s.types.len() > 50);
    }

    #[test]
    fn paths_resolve_with_optionality() {
        let s = schema();
        let p = s
            .path("VirtualMachine", "config.hardware.memoryMB")
            .unwrap();
        assert_eq!(p.field.ty, "int");
        assert!(p.may_be_absent, "VirtualMachine.config may be absent");
        let p = s.path("VirtualMachine", "runtime.powerState").unwrap();
        assert!(!p.may_be_absent);
        assert_eq!(p.field.ty, "enum:VirtualMachinePowerState");
        let p = s.path("VirtualMachine", "name").unwrap();
        assert!(!p.may_be_absent, "name comes from ManagedEntity");
        assert!(s.path("VirtualMachine", "config.nonsense").is_none());
        assert_eq!(
            s.field("ResourceAllocationInfo", "shares").unwrap().occurs,
            Occurs::Optional
        );
        assert_eq!(
            s.field("VirtualMachineRuntimeInfo", "question")
                .unwrap()
                .occurs,
            Occurs::OptionalState
        );
        assert_eq!(s.field("ElementDescription", "label").unwrap().ty, "string");
    }

    #[test]
    fn errors_name_the_line() {
        assert!(Schema::parse("data A\n    x Nope\n")
            .unwrap_err()
            .contains("unknown type Nope"));
        assert!(Schema::parse("data A\n    x int int\n")
            .unwrap_err()
            .contains("line 2"));
        assert!(Schema::parse("thing A\n").unwrap_err().contains("line 1"));
    }
}
