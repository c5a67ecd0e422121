// SPDX-License-Identifier: LGPL-2.1-or-later
//! Every public name of libvirt 9.0, renamed, is in include/esx_driver.h
//! as libvirt declares it: a C probe written from libvirt's own API
//! description (libvirt-api.xml, by scripts/libvirt-api.py) checks each
//! function's type, each enum value, struct layout, typedef, callback type
//! and macro against Debian's libvirt headers, one name per line. The only
//! names allowed to be missing are those scripts/api/pending.txt lists, and
//! all of them must be (the list empties as they arrive). The generated
//! sources and docs/porting.md's table are what the script writes.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{repo_dir, require, which, TempDir};

const API_XML: &str = "/usr/share/libvirt/api/libvirt-api.xml";

/// python3, a C compiler and libvirt-dev's API description, or None (the
/// test skips) outside CI.
fn tools() -> Option<(PathBuf, PathBuf)> {
    let python = require("python3", which("python3"))?;
    let cc = require("a C compiler", which("cc"))?;
    require(
        "libvirt-dev (libvirt-api.xml)",
        Some(PathBuf::from(API_XML)),
    )?;
    Some((python, cc))
}

fn script(python: &Path, args: &[&str]) -> std::process::Output {
    Command::new(python)
        .arg(repo_dir().join("scripts/libvirt-api.py"))
        .args(args)
        .output()
        .expect("run scripts/libvirt-api.py")
}

fn libvirt_cflags() -> Vec<String> {
    let out = Command::new("pkg-config")
        .args(["--cflags", "libvirt"])
        .output()
        .expect("pkg-config");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

fn pending(python: &Path) -> BTreeSet<String> {
    let out = script(python, &["pending"]);
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

fn renamed(name: &str) -> String {
    for (old, new) in [
        ("LIBVIR_", "LIBESX_"),
        ("VIR_", "ESX_"),
        ("_vir", "_esx"),
        ("vir", "esx"),
    ] {
        if let Some(rest) = name.strip_prefix(old) {
            return format!("{new}{rest}");
        }
    }
    name.to_string()
}

#[test]
fn generated_sources_and_table_are_current() {
    let Some((python, _)) = tools() else {
        return;
    };
    let out = script(&python, &["check"]);
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// What the probe found: the names the compiler did not know, and the
/// names it knew with another type, value or layout.
struct Findings {
    kinds: BTreeMap<String, String>,
    missing: BTreeSet<String>,
    different: BTreeMap<String, Vec<String>>,
}

fn run_probe(python: &Path, cc: &Path, dir: &Path) -> Findings {
    let out = script(python, &["probe", dir.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let map = std::fs::read_to_string(dir.join("probe.map")).unwrap();
    let mut at_line = BTreeMap::new();
    let mut kinds = BTreeMap::new();
    for l in map.lines() {
        let mut f = l.split('\t');
        let (line, kind, name) = (f.next().unwrap(), f.next().unwrap(), f.next().unwrap());
        at_line.insert(line.parse::<usize>().unwrap(), name.to_string());
        kinds.insert(name.to_string(), kind.to_string());
    }
    let cc_out = Command::new(cc)
        .args([
            "-std=c11",
            "-fsyntax-only",
            "-fmax-errors=0",
            "-fno-diagnostics-show-caret",
        ])
        .arg(format!("-I{}", repo_dir().join("include").display()))
        .args(libvirt_cflags())
        .arg(dir.join("probe.c"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&cc_out.stderr);
    let mut errors: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for l in stderr.lines() {
        let Some((_, rest)) = l.split_once("probe.c:") else {
            continue;
        };
        let mut parts = rest.splitn(3, ':');
        let (Some(line), Some(_), Some(msg)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        let Some(msg) = msg.trim().strip_prefix("error: ") else {
            continue;
        };
        let name = line
            .parse::<usize>()
            .ok()
            .and_then(|n| at_line.get(&n).cloned())
            .unwrap_or_else(|| panic!("an error outside the probe's checks: {l}"));
        errors.entry(name).or_default().push(msg.to_string());
    }
    let mut missing = BTreeSet::new();
    let mut different = BTreeMap::new();
    for (name, msgs) in errors {
        let r = renamed(&name);
        let unknown = msgs.iter().any(|m| {
            m.contains(&format!("‘{r}’ undeclared"))
                || m.contains(&format!("unknown type name ‘{r}’"))
                || m.contains(&format!("incomplete type ‘struct {r}’"))
                || m.contains(&format!("specifier-qualifier-list before ‘{r}’"))
        });
        if unknown {
            missing.insert(name);
        } else {
            different.insert(name, msgs);
        }
    }
    Findings {
        kinds,
        missing,
        different,
    }
}

#[test]
fn every_libvirt_name_is_declared_as_libvirt_declares_it() {
    let Some((python, cc)) = tools() else {
        return;
    };
    let tmp = TempDir::new("names-probe");
    let f = run_probe(&python, &cc, &tmp.0);
    let functions: Vec<&String> = f
        .kinds
        .iter()
        .filter(|(_, k)| *k == "function")
        .map(|(n, _)| n)
        .collect();
    let missing_functions: Vec<&String> = functions
        .iter()
        .copied()
        .filter(|n| f.missing.contains(*n))
        .collect();
    println!(
        "libvirt 9.0 has {} public functions: {} declared here, {} missing{}",
        functions.len(),
        functions.len() - missing_functions.len(),
        missing_functions.len(),
        if missing_functions.is_empty() {
            String::new()
        } else {
            format!(
                " ({})",
                missing_functions
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    );
    println!(
        "{} names checked, {} missing in all",
        f.kinds.len(),
        f.missing.len()
    );
    assert_eq!(functions.len(), 516, "libvirt 9.0's functions");
    assert!(
        f.different.is_empty(),
        "declared unlike libvirt's: {:#?}",
        f.different
    );
    let pending = pending(&python);
    let unexpected: Vec<_> = f.missing.difference(&pending).collect();
    assert!(
        unexpected.is_empty(),
        "missing from include/esx_driver.h: {unexpected:?}"
    );
    let arrived: Vec<_> = pending
        .iter()
        .filter(|n| f.kinds.contains_key(*n) && !f.missing.contains(*n))
        .collect();
    assert!(
        arrived.is_empty(),
        "declared now: remove from scripts/api/pending.txt: {arrived:?}"
    );
}

/// With the pending names left out, the probe builds without a warning
/// under -Wall -Wextra -pedantic and its run compares the string and
/// function-like macros with libvirt's.
#[test]
fn probe_builds_pedantic_and_macros_behave_as_libvirts() {
    let Some((python, cc)) = tools() else {
        return;
    };
    let tmp = TempDir::new("names-run");
    let out = script(
        &python,
        &["probe", tmp.0.to_str().unwrap(), "--skip-missing"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let exe = tmp.0.join("probe");
    let cc_out = Command::new(cc)
        .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic", "-o"])
        .arg(&exe)
        .arg(format!("-I{}", repo_dir().join("include").display()))
        .args(libvirt_cflags())
        .arg(tmp.0.join("probe.c"))
        .output()
        .unwrap();
    assert!(
        cc_out.status.success(),
        "{}",
        String::from_utf8_lossy(&cc_out.stderr)
    );
    let run = Command::new(&exe).output().unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stdout)
    );
}

/// The header alone, as a user includes it, builds without a warning under
/// -Wall -Wextra -pedantic, in C99, C11 and C++17 (libvirt's enumerators
/// past INT_MAX are constants here).
#[test]
fn header_is_pedantic_clean() {
    let Some(cc) = require("a C compiler", which("cc")) else {
        return;
    };
    let tmp = TempDir::new("names-pedantic");
    let src = tmp.0.join("use.c");
    std::fs::write(
        &src,
        "#define ESX_ENUM_SENTINELS 1\n#include <esx_driver.h>\n\
         int main(void) { return (int)(ESX_CONNECT_GET_ALL_DOMAINS_STATS_ENFORCE_STATS >> 31) - 1; }\n",
    )
    .unwrap();
    for std in ["-std=c99", "-std=c11"] {
        let out = Command::new(&cc)
            .args([std, "-Wall", "-Wextra", "-Werror", "-pedantic", "-o"])
            .arg(tmp.0.join("use"))
            .arg(format!("-I{}", repo_dir().join("include").display()))
            .arg(&src)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{std}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(Command::new(tmp.0.join("use")).status().unwrap().success());
    }
    // And in C++, where the header is wrapped in extern "C".
    let Some(cxx) = require("a C++ compiler", which("c++")) else {
        return;
    };
    let src = tmp.0.join("use.cc");
    std::fs::write(
        &src,
        "#include <esx_driver.h>\n\
         int main() { return ESX_DOMAIN_RUNNING - 1 + int(ESX_CONNECT_LIST_NODE_DEVICES_ACTIVE >> 31) - 1; }\n",
    )
    .unwrap();
    let out = Command::new(cxx)
        .args([
            "-std=c++17",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-pedantic",
            "-c",
            "-o",
        ])
        .arg(tmp.0.join("use.o"))
        .arg(format!("-I{}", repo_dir().join("include").display()))
        .arg(&src)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "C++: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every export that only refuses, called from C against esx-sim (a
/// program scripts/libvirt-api.py writes from scripts/api/checks.txt):
/// with arguments that pass libvirt's checks it fails with
/// ESX_ERR_NO_SUPPORT naming itself, with its first handle NULL with the
/// handle's error, on a read-only connection with OPERATION_DENIED where
/// libvirt checks that; its failure value each time, outputs reset.
fn refusing_exports(with_valgrind: bool) {
    let Some((python, cc)) = tools() else {
        return;
    };
    let lib_dir = common::target_dir();
    if require("libesx_driver.so", Some(lib_dir.join("libesx_driver.so"))).is_none() {
        return;
    }
    let tmp = TempDir::new("names-stubs");
    // The library under its SONAME, as the program finds it at run time.
    std::os::unix::fs::symlink(
        lib_dir.join("libesx_driver.so"),
        tmp.0.join("libesx_driver.so.0"),
    )
    .unwrap();
    let out = script(&python, &["stubtest", tmp.0.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let exe = tmp.0.join("stubs");
    let cc_out = Command::new(cc)
        .args([
            "-std=c11",
            "-D_POSIX_C_SOURCE=200809L",
            "-g",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-pedantic",
            "-o",
        ])
        .arg(&exe)
        .arg(format!("-I{}", repo_dir().join("include").display()))
        .arg(format!("-I{}", repo_dir().join("ffi-examples").display()))
        .arg(tmp.0.join("stubs.c"))
        .arg(format!("-L{}", lib_dir.display()))
        .arg("-lesx_driver")
        .arg(format!("-Wl,-rpath,{}", tmp.0.display()))
        .output()
        .unwrap();
    assert!(
        cc_out.status.success(),
        "{}",
        String::from_utf8_lossy(&cc_out.stderr)
    );
    let sim = common::Sim::start();
    let pw = common::password_file(&tmp.0);
    let mut cmd = if with_valgrind {
        let Some(c) = common::under_valgrind(&exe) else {
            return;
        };
        c
    } else {
        Command::new(&exe)
    };
    let run = cmd.arg(sim.uri("")).arg(&pw).output().unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    println!("{stdout}");
    assert!(
        run.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(stdout.contains("refusing exports checked"), "{stdout}");
}

#[test]
fn every_refusing_export_fails_as_libvirt() {
    refusing_exports(false);
}

#[test]
fn every_refusing_export_fails_as_libvirt_under_valgrind() {
    refusing_exports(true);
}
