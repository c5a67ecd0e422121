// SPDX-License-Identifier: LGPL-2.1-or-later
//! The C surface: the checked-in header is what cbindgen generates, it
//! matches libvirt's ABI (ffi-examples/abi_check.c, compiled here against
//! Debian's libvirt headers), and the library exports exactly the header's
//! symbols, under its SONAME, each with the symbol version docs/abi.md
//! gives it.

mod common;

#[path = "../abi/exports.rs"]
mod exports;

use std::collections::{BTreeMap, BTreeSet};
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

/// The (symbol, node) pairs the rules of docs/abi.md give this build.
fn expected_versions() -> BTreeMap<String, String> {
    let header = std::fs::read_to_string(concat!(env!("OUT_DIR"), "/esx_driver.h")).unwrap();
    let exports = exports::header_exports(&header, false);
    let released = released();
    let current = exports::node_of_version(env!("CARGO_PKG_VERSION")).unwrap();
    exports::assign(&exports, &released, &current)
        .into_iter()
        .collect()
}

fn released() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(repo_dir().join("abi/released")).unwrap();
    exports::parse_released(&text).unwrap()
}

/// The defined dynamic symbols of a library as readelf shows them,
/// `name@@NODE` split into (name, node); an unversioned one has node "".
fn dynamic_symbols(lib: &std::path::Path) -> BTreeMap<String, String> {
    let out = Command::new("readelf")
        .args(["-W", "--dyn-syms"])
        .arg(lib)
        .output()
        .expect("readelf");
    let mut syms = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        // Num: Value Size Type Bind Vis Ndx Name
        if f.len() < 8
            || f[0] == "Num:"
            || f[6] == "UND"
            || !f[0].ends_with(':')
            || f[3] == "SECTION"
        {
            continue;
        }
        let (name, node) = f[7].split_once("@@").unwrap_or((f[7], ""));
        syms.insert(name.to_string(), node.to_string());
    }
    syms
}

/// `readelf`: every export carries its version node (`NAME@@ESX_DRIVER_0.1`),
/// nothing else is exported, the nodes are defined in order, in the
/// library cargo builds and in the stripped, installed copy alike.
#[test]
fn every_export_is_versioned_and_nothing_else_is_exported() {
    let Some(_) = require("readelf", which("readelf")) else {
        return;
    };
    let expected = expected_versions();
    assert!(expected.len() > 150);
    let staged = common::build_dir().join(format!(
        "stage/lib/libesx_driver.so.{}",
        env!("CARGO_PKG_VERSION")
    ));
    for lib in [target_dir().join("libesx_driver.so"), staged] {
        let Some(lib) = require(&format!("{} (make)", lib.display()), Some(lib)) else {
            return;
        };
        let got = dynamic_symbols(&lib);
        let unversioned: Vec<&String> = got
            .iter()
            .filter(|(_, n)| n.is_empty())
            .map(|(s, _)| s)
            .collect();
        assert!(
            unversioned.is_empty(),
            "unversioned exports: {unversioned:?}"
        );
        assert_eq!(got, expected, "{}", lib.display());

        let v = Command::new("readelf")
            .arg("-V")
            .arg(&lib)
            .output()
            .unwrap();
        let v = String::from_utf8_lossy(&v.stdout);
        let defs = &v[v
            .find("Version definition section")
            .expect("readelf -V: definitions")..];
        let defs = &defs[..defs.find("Version needs section").unwrap_or(defs.len())];
        assert!(defs.contains("Flags: BASE") && defs.contains("Name: libesx_driver.so.0"));
        let nodes = exports::nodes(&expected.clone().into_iter().collect::<Vec<_>>());
        let mut at = 0;
        for n in &nodes {
            let i = defs[at..]
                .find(&format!("Name: {n}"))
                .unwrap_or_else(|| panic!("readelf -V lacks {n} (in order): {defs}"));
            at += i;
        }
    }
}

/// The rules of docs/abi.md hold for this tree: released exports are still
/// exported in their nodes, nothing new lands in a released node.
#[test]
fn the_release_record_is_kept() {
    let header = std::fs::read_to_string(concat!(env!("OUT_DIR"), "/esx_driver.h")).unwrap();
    let exports = exports::header_exports(&header, true);
    let current = exports::node_of_version(env!("CARGO_PKG_VERSION")).unwrap();
    let problems = exports::problems(&exports, &released(), &current);
    assert!(problems.is_empty(), "{problems:#?}");
}

/// Debian's symbols file has a (symver) line for every node in use, with
/// the node's first version as the minimum.
#[test]
fn the_debian_symbols_file_names_every_node() {
    let symbols =
        std::fs::read_to_string(repo_dir().join("debian/libesx-driver0.symbols")).unwrap();
    assert!(symbols.starts_with("libesx_driver.so.0 libesx-driver0 #MINVER#\n"));
    let expected: Vec<(String, String)> = expected_versions().into_iter().collect();
    let mut lines: Vec<String> = symbols
        .lines()
        .filter(|l| l.starts_with(" (symver)"))
        .map(str::to_string)
        .collect();
    for node in exports::nodes(&expected) {
        let (major, minor) = exports::node_version(&node).unwrap();
        let line = format!(" (symver){node} {major}.{minor}.0");
        assert!(
            lines.contains(&line),
            "add `{}` to debian/libesx-driver0.symbols",
            line.trim()
        );
        lines.retain(|l| l != &line);
    }
    assert!(lines.is_empty(), "nodes the library lacks: {lines:?}");
}

/// The rules themselves, on made-up exports.
#[test]
fn version_nodes_follow_the_rules() {
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(exports::node_of_version("0.1.0").unwrap(), "ESX_DRIVER_0.1");
    assert_eq!(
        exports::node_of_version("1.12.3").unwrap(),
        "ESX_DRIVER_1.12"
    );
    assert!(exports::node_of_version("x").is_err());
    assert!(exports::node_version("ESX_DRIVER_0.10") > exports::node_version("ESX_DRIVER_0.9"));

    let released = exports::parse_released(
        "# comment\nESX_DRIVER_0.1 esxA\n\nESX_DRIVER_0.1 esxB\nESX_DRIVER_0.2 esxC\n",
    )
    .unwrap();
    assert_eq!(released.len(), 3);
    assert!(exports::parse_released("ESX_DRIVER_0.1 esxA\nESX_DRIVER_0.2 esxA\n").is_err());
    assert!(exports::parse_released("LIBVIRT_0.1 esxA\n").is_err());
    assert!(exports::parse_released("ESX_DRIVER_0.1\n").is_err());

    // Released exports keep their node; new ones go to the current one.
    let exports = s(&["esxA", "esxB", "esxC", "esxD"]);
    let assigned = exports::assign(&exports, &released, "ESX_DRIVER_0.3");
    assert_eq!(
        assigned,
        [
            pair("esxA", "ESX_DRIVER_0.1"),
            pair("esxB", "ESX_DRIVER_0.1"),
            pair("esxC", "ESX_DRIVER_0.2"),
            pair("esxD", "ESX_DRIVER_0.3")
        ]
    );
    assert!(exports::problems(&exports, &released, "ESX_DRIVER_0.3").is_empty());

    // The version script: oldest node first and alone in hiding the rest,
    // each later node inheriting the one before.
    let script = exports::version_script(&assigned);
    let a = script.find("ESX_DRIVER_0.1 {").unwrap();
    let b = script.find("ESX_DRIVER_0.2 {").unwrap();
    let c = script.find("ESX_DRIVER_0.3 {").unwrap();
    assert!(a < b && b < c, "{script}");
    assert!(script.contains("} ESX_DRIVER_0.1;") && script.contains("} ESX_DRIVER_0.2;"));
    assert_eq!(script.matches("local:").count(), 1);
    assert!(script[a..b].contains("local:\n    *;"));
    assert!(script[c..].contains("    esxD;"));
    assert_eq!(
        exports::symver_directive("esxD", "ESX_DRIVER_0.3"),
        ".symver esxD, esxD@@@ESX_DRIVER_0.3"
    );

    // A released export removed: an ABI break.
    let p = exports::problems(&s(&["esxA", "esxC"]), &released, "ESX_DRIVER_0.3");
    assert!(p.len() == 1 && p[0].contains("esxB"), "{p:?}");
    // A new export while the current version is already released.
    let p = exports::problems(&exports, &released, "ESX_DRIVER_0.2");
    assert!(
        p.len() == 1 && p[0].contains("esxD") && p[0].contains("bump"),
        "{p:?}"
    );
    // A record newer than the version being developed.
    let p = exports::problems(&s(&["esxA", "esxB", "esxC"]), &released, "ESX_DRIVER_0.1");
    assert!(
        p.iter().any(|m| m.contains("esxC") && m.contains("newer")),
        "{p:?}"
    );
}
