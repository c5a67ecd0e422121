// SPDX-License-Identifier: LGPL-2.1-or-later
//! libvirt's generic parts through the C ABI (ffi-examples/generic.c, built
//! by `make`): typed parameters, error handlers and domains, the default
//! URI, the event loop (the default one and a program's own), whole and
//! sparse stream transfers, the close callback and keepalive; each
//! scenario against esx-sim, and again under valgrind.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{password_file, Sim, TempDir};

fn program() -> Option<PathBuf> {
    common::built_program("generic")
}

/// Runs `generic SCENARIO [URI PASSWORD-FILE ARGS...]`; panics when it
/// fails. Returns its stdout and stderr.
fn run(
    scenario: &str,
    sim: Option<&Sim>,
    args: &[&str],
    valgrind: bool,
) -> Option<(String, String)> {
    let prog = program()?;
    let mut cmd = if valgrind {
        common::under_valgrind(&prog)?
    } else {
        Command::new(&prog)
    };
    let tmp = TempDir::new("generic");
    cmd.env_remove("LD_LIBRARY_PATH")
        .env_remove("ESX_DEFAULT_URI")
        .env_remove("LIBVIRT_DEFAULT_URI")
        .arg(scenario);
    if let Some(sim) = sim {
        cmd.arg(sim.uri("")).arg(password_file(&tmp.0));
    }
    let out: Output = cmd.args(args).output().expect("run generic");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success() && stdout.contains(&format!("ok {scenario}\n")),
        "generic {scenario} (valgrind: {valgrind}): {}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        out.status
    );
    Some((stdout, stderr))
}

fn typed_params(valgrind: bool) {
    run("typed-params", None, &[], valgrind);
}

#[test]
fn typed_parameters_of_every_type() {
    typed_params(false);
}

#[test]
fn typed_parameters_of_every_type_under_valgrind() {
    typed_params(true);
}

/// The text between two "-- mark" lines of the program's stderr.
fn between<'a>(stderr: &'a str, from: &str, to: &str) -> &'a str {
    let start = if from.is_empty() {
        0
    } else {
        stderr.find(from).expect(from) + from.len()
    };
    let end = stderr[start..].find(to).expect(to) + start;
    &stderr[start..end]
}

/// Lines a program printed through esxDefaultErrorFunc (valgrind's own
/// lines aside).
fn printed(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| l.starts_with("esx-driver: "))
        .collect()
}

fn errors(valgrind: bool) {
    let sim = Sim::with_args(&["--task-ms", "10"]);
    let Some((_, stderr)) = run("errors", Some(&sim), &[], valgrind) else {
        return;
    };
    // With no handler, libvirt's default: each error on stderr.
    assert_eq!(
        printed(between(&stderr, "", "-- mark 1")),
        ["esx-driver: Domain error : invalid domain pointer in esxDomainGetName"],
        "{stderr}"
    );
    // Handlers installed: only the error before them is printed.
    assert_eq!(
        printed(between(&stderr, "-- mark 1", "-- mark 2")),
        [
            "esx-driver:  error : no connection driver available for the default URI: none was \
             given and neither ESX_DEFAULT_URI nor LIBVIRT_DEFAULT_URI is set"
        ],
        "{stderr}"
    );
    let after = printed(between(&stderr, "-- mark 2", "-- mark 3"));
    assert_eq!(after.len(), 1, "{stderr}");
    assert!(
        after[0].starts_with("esx-driver: ESX Driver error : Requested operation is not valid: "),
        "{stderr}"
    );
    // esxDefaultErrorFunc prints the error it is given (the same one).
    let tail: Vec<&str> = printed(&stderr[stderr.find("-- mark 3").unwrap()..]);
    assert_eq!(tail, after, "{stderr}");
    // The default URI was used (the program opened three connections).
    assert_eq!(sim.count("Login"), 3);
}

#[test]
fn error_handlers_domains_and_default_printing() {
    errors(false);
}

#[test]
fn error_handlers_domains_and_default_printing_under_valgrind() {
    errors(true);
}

/// The lifecycle events the program printed ("event E detail D").
fn events_of(stdout: &str) -> Vec<(i32, i32)> {
    stdout
        .lines()
        .filter_map(|l| {
            let rest = l.strip_prefix("event ")?;
            let (e, d) = rest.split_once(" detail ")?;
            Some((e.parse().ok()?, d.parse().ok()?))
        })
        .collect()
}

fn event_loop(valgrind: bool) {
    let sim = Sim::with_args(&["--task-ms", "10"]);
    let Some((stdout, _)) = run("loop", Some(&sim), &[], valgrind) else {
        return;
    };
    // SUSPENDED_PAUSED, RESUMED_UNPAUSED: a pipe's callback suspended the
    // VM, the event's callback resumed it, in one loop with the timer.
    assert_eq!(events_of(&stdout), [(3, 0), (4, 0)], "{stdout}");
    assert_eq!(sim.count("SuspendVM_Task"), 1);
    assert_eq!(sim.count("PowerOnVM_Task"), 1);
    assert_eq!(sim.vm("alpine-01")["power"], "poweredOn");
}

#[test]
fn one_loop_runs_a_pipe_a_timer_and_domain_events() {
    event_loop(false);
}

#[test]
fn one_loop_runs_a_pipe_a_timer_and_domain_events_under_valgrind() {
    event_loop(true);
}

fn own_loop(valgrind: bool) {
    let sim = Sim::with_args(&["--task-ms", "10"]);
    let Some((stdout, _)) = run("own-loop", Some(&sim), &[], valgrind) else {
        return;
    };
    assert!(
        stdout.contains("own loop event 3\nown loop event 4\n"),
        "{stdout}"
    );
}

#[test]
fn a_programs_own_loop_delivers_domain_events() {
    own_loop(false);
}

#[test]
fn a_programs_own_loop_delivers_domain_events_under_valgrind() {
    own_loop(true);
}

/// Allocated bytes of a file (its blocks).
fn allocated(path: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).unwrap().blocks() * 512
}

fn pattern(i: usize) -> u8 {
    (i * 7 % 251 + 1) as u8
}

fn streams(valgrind: bool) {
    let sim = Sim::with_args(&["--task-ms", "10"]);
    let dir = sim.datastore_dir.join("datastore1/generic");
    std::fs::create_dir_all(&dir).unwrap();
    let notes: Vec<u8> = (0..200_000u32).map(|i| (i % 241) as u8).collect();
    std::fs::write(dir.join("notes.iso"), &notes).unwrap();
    std::fs::write(dir.join("up.iso"), b"old contents").unwrap();
    let out = TempDir::new("generic-streams");
    let Some((stdout, _)) = run("streams", Some(&sim), &[out.0.to_str().unwrap()], valgrind) else {
        return;
    };
    // What the sparse upload sent: the local file's data, zeros elsewhere.
    let src = std::fs::read(out.0.join("src.raw")).unwrap();
    assert_eq!(src.len(), 8 << 20);
    let flat = std::fs::read(dir.join("thin-flat.vmdk")).unwrap();
    assert_eq!(flat, src, "the disk holds the sparse file's contents");
    // The sparse download: the same bytes, the zeros as holes (a few
    // blocks of data allocated, not 8 MiB).
    let down = out.0.join("out.raw");
    assert_eq!(std::fs::read(&down).unwrap(), src);
    assert!(
        allocated(&down) < 1 << 20,
        "{} bytes allocated: {stdout}",
        allocated(&down)
    );
    // By hand: data, hole, data, hole.
    assert!(stdout.contains("holes 2\n"), "{stdout}");
    // RecvAll of an image.
    assert_eq!(std::fs::read(out.0.join("notes.iso")).unwrap(), notes);
    // SendAll replaced the image; the failed one after it changed nothing.
    let up = std::fs::read(dir.join("up.iso")).unwrap();
    let want: Vec<u8> = (0..300_000).map(pattern).collect();
    assert_eq!(up.len(), want.len());
    assert!(up == want, "up.iso is not what SendAll sent");
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !names.iter().any(|n| n.ends_with(".esx-upload")),
        "an upload's temporary file was left: {names:?}"
    );
}

#[test]
fn whole_and_sparse_stream_transfers() {
    streams(false);
}

#[test]
fn whole_and_sparse_stream_transfers_under_valgrind() {
    streams(true);
}

fn close_callback(valgrind: bool) {
    let sim = Sim::start();
    run("close", Some(&sim), &[], valgrind);
}

#[test]
fn the_close_callback_is_kept_and_freed_as_libvirt_does() {
    close_callback(false);
}

#[test]
fn the_close_callback_is_kept_and_freed_as_libvirt_does_under_valgrind() {
    close_callback(true);
}
