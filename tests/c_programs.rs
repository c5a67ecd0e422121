//! The C programs built by `make` (ffi-examples/harness.c, esxsh.c), run
//! against esx-sim, and again under valgrind.

mod common;

use std::path::PathBuf;
use std::process::{Command, Output};

use common::{build_dir, password_file, require, which, Sim, TempDir};

fn program(name: &str) -> Option<PathBuf> {
    require(
        &format!("build/{name} (make c-programs)"),
        Some(build_dir().join(name)),
    )
}

fn valgrind() -> Option<PathBuf> {
    require("valgrind", which("valgrind"))
}

fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("run program");
    if !out.status.success() {
        eprintln!(
            "stdout:\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    out
}

/// valgrind memcheck with failure on any error or definite leak.
fn under_valgrind(vg: &PathBuf, prog: &PathBuf) -> Command {
    let mut c = Command::new(vg);
    c.arg(format!(
        "--suppressions={}",
        common::repo_dir()
            .join("ffi-examples/valgrind.supp")
            .display()
    ));
    c.args([
        "--quiet",
        "--error-exitcode=99",
        "--leak-check=full",
        "--errors-for-leak-kinds=definite",
        "--show-leak-kinds=definite",
    ])
    .arg(prog);
    c
}

fn harness(scenario: &str, with_valgrind: bool) {
    let Some(h) = program("harness") else { return };
    let sim = Sim::start();
    let tmp = TempDir::new("harness");
    let pw = password_file(&tmp.0);
    let mut cmd = if with_valgrind {
        let Some(vg) = valgrind() else { return };
        under_valgrind(&vg, &h)
    } else {
        Command::new(&h)
    };
    let out = run(cmd.arg(scenario).arg(sim.uri("")).arg(&pw));
    assert!(
        out.status.success(),
        "harness {scenario} failed (valgrind: {with_valgrind})"
    );
    if scenario == "basic" {
        assert_eq!(
            sim.count("Logout"),
            1,
            "the last domain handle closed the session"
        );
    }
}

#[test]
fn harness_basic() {
    harness("basic", false);
}

#[test]
fn harness_errors() {
    harness("errors", false);
}

#[test]
fn harness_tables() {
    harness("tables", false);
}

#[test]
fn harness_threads() {
    harness("threads", false);
}

#[test]
fn harness_basic_under_valgrind() {
    harness("basic", true);
}

#[test]
fn harness_errors_under_valgrind() {
    harness("errors", true);
}

fn esxsh(sim: &Sim, pw: &PathBuf, args: &[&str]) -> Output {
    let prog = build_dir().join("esxsh");
    run(Command::new(prog)
        .arg("-c")
        .arg(sim.uri(""))
        .arg("--password-file")
        .arg(pw)
        .args(args))
}

#[test]
fn esxsh_commands() {
    let Some(_) = program("esxsh") else { return };
    let sim = Sim::start();
    let tmp = TempDir::new("esxsh");
    let pw = password_file(&tmp.0);
    let text = |o: &Output| String::from_utf8_lossy(&o.stdout).into_owned();

    let list = esxsh(&sim, &pw, &["list", "--all"]);
    assert!(list.status.success());
    let rows: Vec<Vec<String>> = text(&list)
        .lines()
        .skip(2)
        .map(|l| l.split_whitespace().map(str::to_string).collect())
        .collect();
    assert_eq!(rows.len(), 5, "{}", text(&list));
    assert_eq!(rows[0], ["1", "alpine-01", "running"]);
    assert_eq!(rows[1], ["3", "win2019-03", "paused"]);
    assert_eq!(rows[2][..2], ["-", "copied-05"]);
    let running = esxsh(&sim, &pw, &["list"]);
    assert_eq!(text(&running).lines().count(), 4, "{}", text(&running));

    let node = text(&esxsh(&sim, &pw, &["nodeinfo"]));
    assert!(node.contains("CPU(s):              40"), "{node}");
    assert!(
        node.contains("Memory size:         268435456 KiB"),
        "{node}"
    );
    let version = text(&esxsh(&sim, &pw, &["version"]));
    assert!(
        version.contains("Running hypervisor: ESX 7.0.3"),
        "{version}"
    );
    assert_eq!(
        text(&esxsh(&sim, &pw, &["hostname"])).trim(),
        "esx-sim.lab.example"
    );
    assert_eq!(text(&esxsh(&sim, &pw, &["uri"])).trim(), sim.uri(""));
    assert!(text(&esxsh(&sim, &pw, &["capabilities"])).contains("<os_type>hvm</os_type>"));
    let uuid = sim.vm("debian-02")["uuid"].clone();
    assert_eq!(
        text(&esxsh(&sim, &pw, &["domuuid", "debian-02"])).trim(),
        uuid
    );
    assert_eq!(
        text(&esxsh(&sim, &pw, &["domname", &uuid])).trim(),
        "debian-02"
    );
    assert_eq!(
        text(&esxsh(&sim, &pw, &["domname", "1"])).trim(),
        "alpine-01"
    );
    assert_eq!(text(&esxsh(&sim, &pw, &["domid", "alpine-01"])).trim(), "1");
    assert_eq!(text(&esxsh(&sim, &pw, &["domid", "debian-02"])).trim(), "-");

    let missing = esxsh(&sim, &pw, &["domid", "nope"]);
    assert_eq!(missing.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&missing.stderr).trim(),
        "error: Domain not found: No domain with name 'nope'"
    );
    let wrong = TempDir::new("esxsh-wrong");
    let bad_pw = wrong.0.join("pw");
    std::fs::write(&bad_pw, "nope\n").unwrap();
    let denied = esxsh(&sim, &bad_pw, &["list"]);
    assert_eq!(denied.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&denied.stderr).contains("authentication failed"));
}

#[test]
fn esxsh_list_under_valgrind() {
    let Some(prog) = program("esxsh") else { return };
    let Some(vg) = valgrind() else { return };
    let sim = Sim::start();
    let tmp = TempDir::new("esxsh-vg");
    let pw = password_file(&tmp.0);
    let out = run(under_valgrind(&vg, &prog)
        .arg("-c")
        .arg(sim.uri(""))
        .arg("--password-file")
        .arg(&pw)
        .args(["list", "--all"]));
    assert!(out.status.success(), "valgrind reported errors or leaks");
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 7);
}
