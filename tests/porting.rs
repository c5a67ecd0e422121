// SPDX-License-Identifier: LGPL-2.1-or-later
//! A libvirt program ports by renaming: tests/porting/inventory.c, written
//! for libvirt (it builds against libvirt's headers), goes through the sed
//! command of docs/porting.md as written there, builds against
//! include/esx_driver.h with -Wall -Wextra -pedantic -Werror, and runs
//! against esx-sim (under valgrind too), doing what it says.
//!
//! Blocks of the program under `#ifndef PENDING_virName` use functions
//! scripts/api/pending.txt still lists: they are built out (-DPENDING_virName)
//! while it does, and in once the list no longer names them.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{repo_dir, require, target_dir, which, Sim, TempDir};
use esx_driver::driver::config::ParamValue;

/// The shell block docs/porting.md marks as the one this test runs.
fn sed_command() -> String {
    let doc = std::fs::read_to_string(repo_dir().join("docs/porting.md")).unwrap();
    let marker = "<!-- tests/porting.rs runs the next block";
    let after = &doc[doc
        .find(marker)
        .expect("the marked block in docs/porting.md")..];
    let start = after.find("```sh\n").expect("a sh block") + "```sh\n".len();
    let end = after[start..].find("```").unwrap();
    after[start..start + end].to_string()
}

/// The source ported by the documented command (its prog.c / prog-esx.c
/// replaced by the real paths).
fn port(src: &Path, out: &Path) {
    let cmd = sed_command();
    assert!(
        cmd.contains("prog.c > prog-esx.c"),
        "the documented command names prog.c and prog-esx.c: {cmd}"
    );
    let cmd = cmd.replace(
        "prog.c > prog-esx.c",
        &format!("'{}' > '{}'", src.display(), out.display()),
    );
    let status = Command::new("sh").arg("-c").arg(&cmd).status().unwrap();
    assert!(status.success(), "{cmd}");
}

/// The pending names the program uses (its PENDING_ guards).
fn pending_guards(python: &Path, source: &str) -> Vec<String> {
    let out = Command::new(python)
        .arg(repo_dir().join("scripts/libvirt-api.py"))
        .arg("pending")
        .output()
        .unwrap();
    assert!(out.status.success());
    let pending: BTreeSet<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    let guards: BTreeSet<String> = source
        .split("PENDING_")
        .skip(1)
        .map(|s| {
            s.chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect()
        })
        .collect();
    guards.into_iter().filter(|g| pending.contains(g)).collect()
}

struct Built {
    _tmp: TempDir,
    exe: PathBuf,
    pending: Vec<String>,
}

fn build() -> Option<Built> {
    let cc = require("a C compiler", which("cc"))?;
    let python = require("python3", which("python3"))?;
    let lib_dir = target_dir();
    require("libesx_driver.so", Some(lib_dir.join("libesx_driver.so")))?;
    let has_libvirt = Command::new("pkg-config")
        .args(["--exists", "libvirt"])
        .status()
        .is_ok_and(|s| s.success());
    require("libvirt-dev", has_libvirt.then(|| PathBuf::from("/")))?;
    let tmp = TempDir::new("porting");
    let src = repo_dir().join("tests/porting/inventory.c");
    let flags = ["-std=c11", "-g", "-Wall", "-Wextra", "-pedantic", "-Werror"];

    // It is a libvirt program: it builds against libvirt's headers.
    let libvirt_cflags = String::from_utf8(
        Command::new("pkg-config")
            .args(["--cflags", "libvirt"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let out = Command::new(&cc)
        .args(flags)
        .arg("-fsyntax-only")
        .args(libvirt_cflags.split_whitespace())
        .arg(&src)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "inventory.c against libvirt: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    let ported = tmp.0.join("inventory-esx.c");
    port(&src, &ported);
    let text = std::fs::read_to_string(&ported).unwrap();
    // Nothing of libvirt's is left but the guards' names.
    assert!(!text.contains("libvirt/"), "an include is left");
    for word in text.split(|c: char| !c.is_ascii_alphanumeric() && c != '_') {
        let libvirts = word.starts_with("VIR_")
            || word.starts_with("LIBVIR_")
            || (word.starts_with("vir") && word[3..].starts_with(|c: char| c.is_ascii_uppercase()));
        assert!(!libvirts, "left by the port: {word}");
    }
    let pending = pending_guards(&python, &text);

    std::os::unix::fs::symlink(
        lib_dir.join("libesx_driver.so"),
        tmp.0.join("libesx_driver.so.0"),
    )
    .unwrap();
    let exe = tmp.0.join("inventory");
    let out = Command::new(&cc)
        .args(flags)
        .args(pending.iter().map(|p| format!("-DPENDING_{p}")))
        .arg(format!("-I{}", repo_dir().join("include").display()))
        .arg("-o")
        .arg(&exe)
        .arg(&ported)
        .arg(format!("-L{}", lib_dir.display()))
        .arg("-lesx_driver")
        .arg(format!("-Wl,-rpath,{}", tmp.0.display()))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the ported inventory.c: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(Built {
        _tmp: tmp,
        exe,
        pending,
    })
}

fn run(with_valgrind: bool) {
    let Some(b) = build() else {
        return;
    };
    let sim = Sim::with_args(&["--task-ms", "10"]);
    // A volume with known contents to download.
    let dir = sim.datastore_dir.join("datastore1/inventory");
    std::fs::create_dir_all(&dir).unwrap();
    let data: Vec<u8> = (0..200_000u32).map(|i| (i % 241) as u8).collect();
    std::fs::write(dir.join("notes.iso"), &data).unwrap();
    let tmp = TempDir::new("porting-run");
    let pw = common::password_file(&tmp.0);
    let download = tmp.0.join("notes.iso");
    let mut cmd = if with_valgrind {
        let Some(c) = common::under_valgrind(&b.exe) else {
            return;
        };
        c
    } else {
        Command::new(&b.exe)
    };
    let out = cmd
        .arg(sim.uri(""))
        .arg(&pw)
        .arg("[datastore1] inventory/notes.iso")
        .arg(&download)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let has = |line: &str| {
        assert!(
            stdout.lines().any(|l| l == line),
            "no line '{line}' in:\n{stdout}\n{stderr}"
        )
    };
    let pending = |name: &str| b.pending.iter().any(|p| p == name);

    assert!(
        stdout.lines().any(
            |l| l.starts_with("connected to ESX ") && l.contains("(library 1000, API 9000000)")
        ),
        "{stdout}"
    );
    // The XML's length as the library gives it to a Rust caller.
    let c = sim.connect("");
    let d = c.domains();
    let alpine = d.domain_lookup_by_name("alpine-01").unwrap();
    let xml = d.domain_get_xml_desc(&alpine, 0).unwrap();
    has(&format!(
        "domain alpine-01: running, 1 vCPU, 1048576 KiB, XML {} bytes, job 0, snapshots 0, \
         title: not supported",
        xml.len()
    ));
    for name in ["debian-02", "win2019-03", "serial-04", "copied-05"] {
        assert!(stdout.contains(&format!("domain {name}: ")), "{stdout}");
    }
    has("snapshot inventory of alpine-01: current 1");
    has("snapshot deleted");
    assert_eq!(sim.count("CreateSnapshot_Task"), 1);
    // The bulk statistics as the library gives them to a Rust caller
    // (ESX_DOMAIN_STATS_STATE | ESX_DOMAIN_STATS_BALLOON).
    let recs = d.connect_get_all_domain_stats(1 | 4, 0).unwrap();
    let rec = recs.iter().find(|r| r.dom.name == "alpine-01").unwrap();
    let balloon = rec
        .params
        .iter()
        .find(|p| p.name == "balloon.current")
        .map(|p| match p.value {
            ParamValue::ULLong(v) => v,
            ref v => panic!("balloon.current is {v:?}"),
        })
        .unwrap();
    let typed_params = !pending("virTypedParamsGetInt") && !pending("virTypedParamsGetULLong");
    has(&format!(
        "stats alpine-01: {} parameters, state {}, balloon {} KiB",
        rec.params.len(),
        if typed_params { 1 } else { -1 },
        if typed_params { balloon } else { 0 }
    ));
    assert!(stdout.contains("pool datastore1: state 2, "), "{stdout}");
    if pending("virStreamRecvAll") {
        assert!(!download.exists() || std::fs::read(&download).unwrap().is_empty());
    } else {
        has("downloaded [datastore1] inventory/notes.iso: 200000 bytes");
        assert_eq!(std::fs::read(&download).unwrap(), data);
    }
    has("event: alpine-01 suspended (detail 0)");
    has("event: alpine-01 resumed (detail 0)");
    // ESX_ERR_NO_DOMAIN, from a domain libvirt assigns (not 0: none).
    assert!(
        stdout.contains("lookup failed: code 42, domain ") && !stdout.contains("domain 0\n"),
        "{stdout}"
    );
    // Keepalive refuses, as libvirt's ESX driver does (docs/porting.md).
    has("no keepalive");
    if !pending("virSetErrorFunc") {
        assert!(
            stderr.contains("inventory: error: Domain not found"),
            "{stderr}"
        );
    }
    assert_eq!(
        sim.vm("alpine-01")["power"],
        "poweredOn",
        "suspended and resumed"
    );
    println!(
        "inventory.c ported by sed; built without {:?}:\n{stdout}",
        b.pending
    );
}

#[test]
fn a_libvirt_program_ported_by_sed_runs_against_esx_sim() {
    run(false);
}

#[test]
fn a_libvirt_program_ported_by_sed_runs_under_valgrind() {
    run(true);
}
