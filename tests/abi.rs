// SPDX-License-Identifier: LGPL-2.1-or-later
//! The C surface: the checked-in header is what cbindgen generates, it
//! matches libvirt's ABI (ffi-examples/abi_check.c, compiled here against
//! Debian's libvirt headers), and the library exports exactly the header's
//! symbols, under its SONAME.

mod common;

use std::collections::BTreeSet;
use std::process::Command;

use common::{repo_dir, require, target_dir, which, TempDir};

fn header() -> String {
    std::fs::read_to_string(repo_dir().join("include/esx_driver.h")).unwrap()
}

#[test]
fn header_is_current() {
    let generated = std::fs::read_to_string(concat!(env!("OUT_DIR"), "/esx_driver.h")).unwrap();
    assert!(
        generated == header(),
        "include/esx_driver.h is stale: run `make header` and commit the result"
    );
}

#[test]
fn abi_check_covers_every_constant() {
    let src = std::fs::read_to_string(repo_dir().join("ffi-examples/abi_check.c")).unwrap();
    let h = header();
    let mut missing = Vec::new();
    for line in h.lines() {
        let t = line.trim();
        if let Some(name) = t.strip_prefix("ESX_").and_then(|r| r.split(" = ").next()) {
            if t.contains(" = ")
                && !src.contains(&format!("SAME_VALUE({name})"))
                && !name.starts_with("LOG_")
                // This driver's own event, past libvirt's IDs (abi_check.c
                // asserts that it stays past them).
                && name != "DOMAIN_EVENT_ID_QUESTION"
            {
                missing.push(name.to_string());
            }
        }
    }
    assert!(
        missing.is_empty(),
        "add SAME_VALUE lines to abi_check.c for: {missing:?}"
    );
}

#[test]
fn abi_matches_libvirt_headers() {
    let Some(cc) = require("a C compiler", which("cc")) else {
        return;
    };
    let has_libvirt = Command::new("pkg-config")
        .args(["--exists", "libvirt"])
        .status()
        .is_ok_and(|s| s.success());
    let Some(_) = require(
        "libvirt-dev",
        has_libvirt.then(|| std::path::PathBuf::from("/")),
    ) else {
        return;
    };
    let tmp = TempDir::new("abi");
    let flags = String::from_utf8(
        Command::new("pkg-config")
            .args(["--cflags", "libvirt"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let out = Command::new(cc)
        .args(["-Wall", "-Wextra", "-Werror", "-std=c11", "-o"])
        .arg(tmp.0.join("abi_check"))
        .arg(repo_dir().join("ffi-examples/abi_check.c"))
        .arg(format!("-I{}", repo_dir().join("include").display()))
        .args(flags.split_whitespace())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "abi_check.c does not compile:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(Command::new(tmp.0.join("abi_check"))
        .status()
        .unwrap()
        .success());
}

#[test]
fn exports_exactly_the_header_symbols_with_a_soname() {
    let lib = target_dir().join("libesx_driver.so");
    let Some(lib) = require("libesx_driver.so", Some(lib)) else {
        return;
    };
    let Some(nm) = require("nm", which("nm")) else {
        return;
    };
    let out = Command::new(nm)
        .args(["-D", "--defined-only"])
        .arg(&lib)
        .output()
        .unwrap();
    let exported: BTreeSet<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let parts: Vec<&str> = l.split_whitespace().collect();
            (parts.len() == 3).then(|| parts[2].split('@').next().unwrap_or("").to_string())
        })
        .filter(|s| !s.is_empty())
        .collect();
    let listed: BTreeSet<String> =
        std::fs::read_to_string(concat!(env!("OUT_DIR"), "/esx_driver.syms"))
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect();
    assert_eq!(
        exported, listed,
        "exported symbols differ from the header's"
    );
    assert!(
        exported.iter().all(|s| s.starts_with("esx")),
        "{exported:?}"
    );
    for forbidden in [
        "esxUtil_EscapeDatastoreItem",
        "esxUtil_ParseDatastorePath",
        "esxVI_DateTime_ConvertToCalendarTime",
    ] {
        assert!(
            !exported.contains(forbidden),
            "{forbidden} would clash with libvirt.so"
        );
    }
    let readelf = Command::new("readelf")
        .arg("-d")
        .arg(&lib)
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&readelf.stdout).contains("Library soname: [libesx_driver.so.0]")
    );
}

#[test]
fn table_fields_list_is_complete() {
    let h = header();
    let start = h.find("} esxHypervisorDriver;").expect("table in header");
    let open = h[..start].rfind("typedef struct {").expect("table start");
    let body = &h[open..start];
    let fields: Vec<&str> = body
        .split("(*")
        .skip(1)
        .filter_map(|p| p.split(')').next())
        .collect();
    let list = std::fs::read_to_string(repo_dir().join("ffi-examples/table_fields.h")).unwrap();
    for f in &fields {
        assert!(
            list.contains(&format!("FIELD({f},")),
            "table_fields.h lacks {f}"
        );
    }
    assert!(fields.len() > 70, "{}", fields.len());
}

/// `make demo` on a machine that has only what the README's set-up line
/// installs: nothing it runs needs libvirt's headers (the ABI check is a
/// test prerequisite, not part of `all`).
#[test]
fn make_demo_needs_no_libvirt() {
    let out = Command::new("make")
        .args(["-n", "--no-print-directory", "demo"])
        .current_dir(repo_dir())
        .output()
        .expect("make -n demo");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let plan = String::from_utf8_lossy(&out.stdout);
    assert!(plan.contains("esxsh"), "the demo builds esxsh: {plan}");
    for line in plan.lines() {
        assert!(
            !line.contains("libvirt") && !line.contains("abi_check"),
            "`make demo` would run: {line}"
        );
    }
}

/// Every export goes through `export!` (panic boundary, last-error reset,
/// argument conversion): its body is that one macro call.
#[test]
fn every_export_is_written_through_the_export_macro() {
    let mut exports = 0;
    let mut outside = Vec::new();
    for entry in std::fs::read_dir(repo_dir().join("src/ffi")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let mut rest = text.as_str();
        while let Some(i) = rest.find("extern \"C\" fn esx") {
            let after = &rest[i..];
            let name: String = after["extern \"C\" fn ".len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let body_start = after.find('{').unwrap() + 1;
            let body = after[body_start..].trim_start();
            exports += 1;
            if !body.starts_with(&format!("export!({name}("))
                && !body.starts_with(&format!("export!(keep_error {name}("))
            {
                outside.push(format!("{}: {name}", path.display()));
            }
            rest = &after[body_start..];
        }
    }
    assert!(exports > 100, "found only {exports} exports");
    assert!(
        outside.is_empty(),
        "exports not written through export!: {outside:?}"
    );
}

/// The storage table's field list (ffi-examples/storage_fields.h, which the
/// C harness checks against the exports) names every field of the header's
/// esxStorageDriver, in order.
#[test]
fn storage_table_fields_list_is_complete() {
    let h = header();
    let start = h.find("} esxStorageDriver;").expect("table in header");
    let open = h[..start].rfind("typedef struct {").expect("table start");
    let fields: Vec<&str> = h[open..start]
        .split("(*")
        .skip(1)
        .filter_map(|p| p.split(')').next())
        .collect();
    let list = std::fs::read_to_string(repo_dir().join("ffi-examples/storage_fields.h")).unwrap();
    let listed: Vec<&str> = list
        .lines()
        .filter_map(|l| l.strip_prefix("FIELD("))
        .filter_map(|l| l.split(',').next())
        .collect();
    assert_eq!(fields, listed);
    // libvirt's virStorageDriver has 45 entries.
    assert_eq!(fields.len(), 45);
}
