// SPDX-License-Identifier: LGPL-2.1-or-later
//! The C programs built by `make` (ffi-examples/harness.c, esxsh.c), run
//! against esx-sim, and again under valgrind.

mod common;

use std::path::PathBuf;
use std::process::{Command, Output};

use common::{build_dir, password_file, Sim, TempDir};

fn program(name: &str) -> Option<PathBuf> {
    common::built_program(name)
}

fn run(cmd: &mut Command) -> Output {
    // cargo test puts target/debug on LD_LIBRARY_PATH, which would beat the
    // programs' RUNPATH to the staged library they were built against.
    let out = cmd
        .env_remove("LD_LIBRARY_PATH")
        .output()
        .expect("run program");
    if !out.status.success() {
        eprintln!(
            "stdout:\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    out
}

/// Runs one harness scenario against a fresh esx-sim, prepared by `setup`
/// (which returns the scenario's extra arguments), optionally under
/// valgrind; returns the simulator for further checks.
fn harness_with(
    scenario: &str,
    with_valgrind: bool,
    uri_params: &str,
    setup: impl FnOnce(&Sim) -> Vec<String>,
) -> Option<Sim> {
    let h = program("harness")?;
    let sim = Sim::with_args(&["--task-ms", "100"]);
    let extra = setup(&sim);
    let tmp = TempDir::new("harness");
    let pw = password_file(&tmp.0);
    let mut cmd = if with_valgrind {
        common::under_valgrind(&h)?
    } else {
        Command::new(&h)
    };
    let out = run(cmd
        .arg(scenario)
        .arg(sim.uri(uri_params))
        .arg(&pw)
        .args(extra));
    assert!(
        out.status.success(),
        "harness {scenario} failed (valgrind: {with_valgrind})"
    );
    assert_eq!(
        sim.sessions()["filters"],
        0,
        "a property filter was left behind"
    );
    Some(sim)
}

fn harness(scenario: &str, with_valgrind: bool) {
    if let Some(sim) = harness_with(scenario, with_valgrind, "", |_| vec![]) {
        if scenario == "basic" {
            assert_eq!(
                sim.count("Logout"),
                1,
                "the last domain handle closed the session"
            );
        }
    }
}

fn questions(with_valgrind: bool) {
    let Some(sim) = harness_with("questions", with_valgrind, "auto_answer=0", |sim| {
        vec![sim.uri("auto_answer=1")]
    }) else {
        return;
    };
    assert_eq!(
        sim.count("PowerOnVM_Task"),
        2,
        "serial-04 once (left blocked), copied-05 once"
    );
    assert_eq!(sim.count("AnswerVM"), 2);
    sim.wait_vm("serial-04", "the earlier power-on", |v| {
        v["power"] == "poweredOn"
    });
}

#[test]
fn harness_lifecycle() {
    harness("lifecycle", false);
}

#[test]
fn harness_lifecycle_under_valgrind() {
    harness("lifecycle", true);
}

/// The pool and volume lifecycle through the C ABI; afterwards esx-sim
/// holds none of the files it made.
fn storage(with_valgrind: bool) {
    let Some(sim) = harness_with("storage", with_valgrind, "", |_| vec![]) else {
        return;
    };
    let dir = sim.datastore_dir.join("datastore1/harness");
    let left: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "left behind in {dir:?}: {left:?}");
    // One made, one refused by the host (FileAlreadyExists).
    assert_eq!(sim.count("CreateVirtualDisk_Task"), 2);
    assert_eq!(sim.count("DeleteVirtualDisk_Task"), 2);
}

/// esxDomainGetQuestion / AnswerQuestion / SetQuestionRules through the C
/// ABI, for a question raised with no task.
fn question_api(with_valgrind: bool) {
    let Some(sim) = harness_with("question-api", with_valgrind, "", |sim| {
        sim.control("action=raise_question&vm=debian-02&kind=uuid");
        sim.control("action=raise_question&vm=copied-05&kind=badindex");
        vec![]
    }) else {
        return;
    };
    assert_eq!(sim.count("AnswerVM"), 1);
}

#[test]
fn harness_events() {
    harness_with("events", false, "", |_| vec![]);
}

#[test]
fn harness_events_under_valgrind() {
    harness_with("events", true, "", |_| vec![]);
}

/// Runs a stepped harness scenario against `sim`: at each step the
/// harness names on stdout, `at_step` looks at and changes the simulator,
/// then the harness goes on. Returns the harness's stderr.
fn stepped(
    scenario: &str,
    with_valgrind: bool,
    sim: &Sim,
    env: &[(&str, &str)],
    mut at_step: impl FnMut(&str),
) -> Option<String> {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::process::Stdio;
    let h = program("harness")?;
    let tmp = TempDir::new("harness");
    let pw = password_file(&tmp.0);
    let mut cmd = if with_valgrind {
        common::under_valgrind(&h)?
    } else {
        Command::new(&h)
    };
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd
        .env_remove("LD_LIBRARY_PATH")
        .arg(scenario)
        .arg(sim.uri(""))
        .arg(&pw)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the harness");
    let mut stderr = child.stderr.take().expect("stderr");
    let errors = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let mut stdin = child.stdin.take().expect("stdin");
    let mut out = Vec::new();
    for line in BufReader::new(child.stdout.take().expect("stdout")).lines() {
        let line = line.expect("read the harness");
        if line.starts_with("ok ") {
            out.push(line);
            continue;
        }
        at_step(&line);
        out.push(line);
        writeln!(stdin, "go").expect("write to the harness");
    }
    let status = child.wait().expect("wait for the harness");
    let errors = errors.join().expect("stderr");
    assert!(
        status.success(),
        "harness {scenario} (valgrind: {with_valgrind}): {status}\nstdout:\n{}\nstderr:\n{errors}",
        out.join("\n")
    );
    Some(errors)
}

/// Polls the simulator (up to 60 s: valgrind is slow) until `f` holds.
fn until(what: &str, f: impl Fn() -> bool) {
    let start = std::time::Instant::now();
    while !f() {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(60),
            "never: {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Through the C ABI: an idle watcher sends no request while it waits (its
/// wait asks for a minute); a deregistration cancels the wait on the host;
/// a close with callbacks, on a host that ignores the cancel, never logs in
/// again (the wait in flight fails NotAuthenticated after the Logout) and
/// leaves no session.
fn events_close(with_valgrind: bool) {
    let sim = Sim::with_args(&["--task-ms", "100"]);
    let waits = || sim.sim.waits();
    let errors = stepped(
        "events-close",
        with_valgrind,
        &sim,
        &[],
        |step| match step {
            "registered" => {
                until("the watcher waits", || waits().0 == 1);
                assert_eq!(waits().2, 60, "maxWaitSeconds");
                let before = sim.count("WaitForUpdatesEx");
                // A window of time: the old watcher asked every second.
                std::thread::sleep(std::time::Duration::from_millis(2500));
                assert_eq!(sim.count("WaitForUpdatesEx"), before, "idle: no request");
            }
            "deregistered" => {
                until("the wait ended", || waits().0 == 0);
                assert_eq!(waits().1, 1, "the wait was cancelled, not left to run out");
            }
            "registered again" => {
                until("the watcher waits", || waits().0 == 1);
                sim.sim
                    .inject("CancelWaitForUpdates", esx_sim::FaultKind::Empty, 1000);
            }
            other => panic!("unexpected step {other}"),
        },
    );
    if errors.is_none() {
        return;
    }
    assert_eq!(sim.count("Login"), 1, "{:?}", sim.stats());
    let s = sim.sessions();
    assert_eq!((s["sessions"], s["filters"]), (0, 0), "{s:?}");
}

#[test]
fn harness_events_close() {
    events_close(false);
}

#[test]
fn harness_events_close_under_valgrind() {
    events_close(true);
}

/// With the event queue full, the oldest events are dropped, and the log
/// says so once when the drops start and once with their number when the
/// loop runs (not once per event).
fn events_overflow(with_valgrind: bool) {
    let sim = Sim::with_args(&["--task-ms", "100", "--vms", "30"]);
    let off: Vec<String> = (1..=30)
        .filter(|i| i % 3 != 1)
        .map(|i| format!("vm-{i:04}"))
        .collect();
    let off: Vec<&str> = off.iter().map(String::as_str).collect();
    let errors = stepped(
        "events-overflow",
        with_valgrind,
        &sim,
        &[("ESX_DRIVER_EVENT_QUEUE", "5")],
        |step| {
            assert_eq!(step, "registered");
            until("the watcher waits", || sim.sim.waits().0 == 1);
            let before = sim.count("WaitForUpdatesEx");
            // 20 VMs start in one change: one update, 20 events.
            sim.sim
                .set_power_many(&off, esx_sim::Power::PoweredOn)
                .unwrap();
            // The watcher queued them before it asked again.
            until("the next wait", || {
                sim.count("WaitForUpdatesEx") > before && sim.sim.waits().0 == 1
            });
        },
    );
    let Some(errors) = errors else {
        return;
    };
    let lines: Vec<&str> = errors
        .lines()
        .filter(|l| l.contains("domain events"))
        .collect();
    assert_eq!(lines.len(), 2, "{errors}");
    assert!(
        lines[0].contains("dropping the oldest until it runs"),
        "{errors}"
    );
    assert!(lines[1].contains("15 events were dropped"), "{errors}");
}

#[test]
fn harness_events_overflow() {
    events_overflow(false);
}

#[test]
fn harness_events_overflow_under_valgrind() {
    events_overflow(true);
}

#[test]
fn harness_stats() {
    harness_with("stats", false, "", |_| vec![]);
}

#[test]
fn harness_stats_under_valgrind() {
    harness_with("stats", true, "", |_| vec![]);
}

#[test]
fn harness_question_api() {
    question_api(false);
}

#[test]
fn harness_question_api_under_valgrind() {
    question_api(true);
}

#[test]
fn harness_storage() {
    storage(false);
}

#[test]
fn harness_storage_under_valgrind() {
    storage(true);
}

#[test]
fn harness_questions() {
    questions(false);
}

#[test]
fn harness_questions_under_valgrind() {
    questions(true);
}

#[test]
fn harness_question_handler() {
    if let Some(sim) = harness_with("handler", false, "auto_answer=1", |_| vec![]) {
        assert_eq!(sim.count("AnswerVM"), 1, "only the valid index was sent");
        assert_eq!(sim.vm("copied-05")["power"], "poweredOn");
    }
}

#[test]
fn harness_question_handler_under_valgrind() {
    harness_with("handler", true, "auto_answer=1", |_| vec![]);
}

const TASK_ERROR: &str = "action=fail_task&vm=debian-02&method=PowerOnVM_Task&fault=FileLocked&message=Disk%20is%20locked";
/// Someone else's task holds the VM until the test releases it (never for a
/// time: under valgrind on a loaded machine the harness may start late).
const BUSY: &str = "action=busy&vm=debian-02";
const CANCELABLE_QUESTION: &str =
    "action=arm_question&vm=alpine-01&kind=cdrom&method=PowerOffVM_Task&cancelable=1";

fn expect_error(
    with_valgrind: bool,
    op: &str,
    vm: &str,
    code: i32,
    needle: &str,
    fault: Option<&str>,
    setup: &str,
) -> Option<(Sim, String)> {
    let mut reply = String::new();
    let sim = harness_with("expect-error", with_valgrind, "", |sim| {
        reply = sim.control(setup);
        let mut extra: Vec<String> = vec![op.into(), vm.into(), code.to_string(), needle.into()];
        extra.extend(fault.map(str::to_string));
        extra
    })?;
    Some((sim, reply))
}

fn task_errors(with_valgrind: bool) {
    let msg = "Could not start domain 'debian-02': Disk is locked (FileLocked)";
    expect_error(
        with_valgrind,
        "start",
        "debian-02",
        9,
        msg,
        Some("FileLocked"),
        TASK_ERROR,
    );
    if let Some((sim, reply)) = expect_error(
        with_valgrind,
        "start",
        "debian-02",
        55,
        "another task is pending",
        None,
        BUSY,
    ) {
        assert_eq!(sim.count("PowerOnVM_Task"), 0, "no task was started");
        let task = reply.trim().trim_start_matches("task=");
        sim.control(&format!("action=release&task={task}"));
        assert_eq!(sim.vm("debian-02")["power"], "poweredOff");
    }
    expect_error(
        with_valgrind,
        "destroy",
        "alpine-01",
        55,
        "The task was cancelled",
        None,
        CANCELABLE_QUESTION,
    );
}

#[test]
fn harness_task_error_pending_task_and_cancel() {
    task_errors(false);
}

#[test]
fn harness_task_error_pending_task_and_cancel_under_valgrind() {
    task_errors(true);
}

#[test]
fn harness_snapshots() {
    harness("snapshots", false);
}

#[test]
fn harness_snapshots_under_valgrind() {
    harness("snapshots", true);
}

#[test]
fn harness_close_while_domains_are_held() {
    if let Some(sim) = harness_with("close-held", false, "", |_| vec![]) {
        assert_eq!(sim.count("Logout"), 1, "the last handle closed the session");
    }
}

#[test]
fn harness_close_while_domains_are_held_under_valgrind() {
    harness("close-held", true);
}

#[test]
fn harness_config() {
    harness("config", false);
}

#[test]
fn harness_config_under_valgrind() {
    harness("config", true);
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
        .filter(|l| !l.is_empty())
        .map(|l| l.split_whitespace().map(str::to_string).collect())
        .collect();
    assert_eq!(rows.len(), 5, "{}", text(&list));
    assert_eq!(rows[0], ["1", "alpine-01", "running"]);
    assert_eq!(rows[1], ["3", "win2019-03", "paused"]);
    assert_eq!(rows[2][..2], ["-", "copied-05"]);
    let running = esxsh(&sim, &pw, &["list"]);
    // Two lines of header, two running domains, virsh's blank line.
    assert_eq!(text(&running).lines().count(), 5, "{}", text(&running));

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
    // virsh's words (the lookups' own errors are not shown).
    assert_eq!(
        String::from_utf8_lossy(&missing.stderr).trim(),
        "error: failed to get domain 'nope'"
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
    let Some(mut vg) = common::under_valgrind(&prog) else {
        return;
    };
    let sim = Sim::start();
    let tmp = TempDir::new("esxsh-vg");
    let pw = password_file(&tmp.0);
    let out = run(vg
        .arg("-c")
        .arg(sim.uri(""))
        .arg("--password-file")
        .arg(&pw)
        .args(["list", "--all"]));
    assert!(out.status.success(), "valgrind reported errors or leaks");
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 8);
}

#[test]
fn esxsh_configuration_commands() {
    let Some(_) = program("esxsh") else { return };
    let sim = Sim::with_args(&["--task-ms", "50"]);
    let tmp = TempDir::new("esxsh-config");
    let pw = password_file(&tmp.0);
    let ok = |args: &[&str]| -> String {
        let o = esxsh(&sim, &pw, args);
        assert!(o.status.success(), "esxsh {args:?}");
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    ok(&["setmem", "debian-02", "1048576"]);
    ok(&["setmaxmem", "debian-02", "3145728"]);
    ok(&["setvcpus", "debian-02", "6"]);
    let vm = sim.vm("debian-02");
    assert_eq!(
        (&*vm["mem_limit"], &*vm["memory_mb"], &*vm["num_cpu"]),
        ("1024", "3072", "6")
    );
    let info = ok(&["dominfo", "debian-02"]);
    assert!(info.contains("CPU(s):         6\n"), "{info}");
    assert!(info.contains("Max memory:     3145728 KiB\n"), "{info}");
    assert!(info.contains("Used memory:    1048576 KiB\n"), "{info}");
    // virsh's rows; a domain that is off has no live counts.
    assert_eq!(
        ok(&["vcpucount", "debian-02"]),
        "maximum      config        64\ncurrent      config         6\n\n"
    );
    assert_eq!(
        ok(&["schedinfo", "debian-02", "--set", "shares=-3", "--set", "reservation=250"]),
        "Scheduler      : allocation\nreservation    : 250\nlimit          : -1\nshares         : -3\n\n"
    );
    assert_eq!(sim.vm("debian-02")["cpu_shares_level"], "high");
    // As virsh: setting prints nothing, reading prints the parameters.
    assert_eq!(
        ok(&["memtune", "debian-02", "--min-guarantee", "262144"]),
        "\n"
    );
    assert_eq!(ok(&["memtune", "debian-02"]), "min_guarantee  : 262144\n\n");
    assert_eq!(sim.vm("debian-02")["mem_reservation"], "256");
    assert_eq!(
        ok(&["autostart", "debian-02"]).trim(),
        "Domain 'debian-02' marked as autostarted"
    );
    assert_eq!(sim.vm("debian-02")["autostart"], "powerOn");
    ok(&["autostart", "debian-02", "--disable"]);
    assert_eq!(sim.vm("debian-02")["autostart"], "none");
    assert_eq!(
        ok(&["domhostname", "alpine-01"]).trim(),
        "alpine-01.lab.example"
    );
    assert!(ok(&["domifaddr", "alpine-01"]).contains(" VM Network 00:0c:29:"));

    // Bad input: an error on stderr, exit status 1 or 2, nothing changed.
    for (args, status, needle) in [
        (&["setvcpus", "debian-02", "100"][..], 1, "100 > 64"),
        (
            &["setvcpus", "debian-02", "-1"][..],
            1,
            "malformed or out of range",
        ),
        (
            &["setvcpus", "debian-02", "two"][..],
            1,
            "malformed or out of range",
        ),
        (
            &["setmem", "debian-02", "99999999"][..],
            1,
            "higher than max memory",
        ),
        (&["setmaxmem", "alpine-01", "2097152"][..], 1, "powered off"),
        (
            &["schedinfo", "debian-02", "--set", "shares=-9"][..],
            1,
            "Could not set shares",
        ),
        (
            &["schedinfo", "debian-02", "--set", "weight=1"][..],
            1,
            "invalid scheduler parameter",
        ),
        (&["domhostname", "debian-02"][..], 1, "is not running"),
        (
            &["domifaddr", "alpine-01", "--source", "lease"][..],
            1,
            "agent source",
        ),
    ] {
        let o = esxsh(&sim, &pw, args);
        assert_eq!(o.status.code(), Some(status), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(needle), "{args:?}: {err}");
    }
    let vm = sim.vm("debian-02");
    assert_eq!(
        (&*vm["mem_limit"], &*vm["num_cpu"], &*vm["cpu_shares_level"]),
        ("1024", "6", "high")
    );
}

#[test]
fn esxsh_configuration_snapshots_and_xml_under_valgrind() {
    let Some(prog) = program("esxsh") else { return };
    if common::under_valgrind(&prog).is_none() {
        return;
    }
    let sim = Sim::with_args(&["--task-ms", "50"]);
    let tmp = TempDir::new("esxsh-config-vg");
    let pw = password_file(&tmp.0);
    for args in [
        &["dominfo", "alpine-01"][..],
        &["schedinfo", "debian-02", "--set", "limit=5000"][..],
        &["memtune", "debian-02", "--min-guarantee", "4096"][..],
        &["domifaddr", "alpine-01"][..],
        &["domhostname", "alpine-01"][..],
        &["domhostname", "debian-02"][..],
        &["dumpxml", "win2019-03"][..],
        &["snapshot-create-as", "debian-02", "vg1"][..],
        &["snapshot-create-as", "debian-02", "vg2"][..],
        &["snapshot-list", "debian-02", "--tree"][..],
        &["snapshot-list", "debian-02"][..],
        &["snapshot-delete", "debian-02", "vg1", "--children"][..],
        // The command table, the XML reader, tables, jobs, completion.
        &["snapshot-create-as debian-02 vg3; snapshot-list debian-02 --parent; snapshot-info debian-02 --current; snapshot-list debian-02 --tree --current"][..],
        &["domblklist alpine-01 --details; domiflist alpine-01; desc alpine-01; domjobinfo alpine-01; vcpucount alpine-01"][..],
        &["help"][..],
        &["snapshot-delete", "debian-02", "--childern"][..],
        &["complete", "--", "snapshot-delete", "debian-02", ""][..],
        &["pool-list --details; vol-list datastore1 --details; pool-uuid datastore1"][..],
    ] {
        let Some(mut vg) = common::under_valgrind(&prog) else {
            return;
        };
        let out = run(vg
            .arg("-c")
            .arg(sim.uri(""))
            .arg("--password-file")
            .arg(&pw)
            .args(args));
        // 99 is valgrind's: an error or a leak. 1 is esxsh's own error.
        assert_ne!(out.status.code(), Some(99), "valgrind: {args:?}");
    }
    assert_eq!(sim.vm("debian-02")["cpu_limit"], "5000");
}

#[test]
fn esxsh_snapshot_commands() {
    let Some(_) = program("esxsh") else { return };
    let sim = Sim::with_args(&["--task-ms", "20"]);
    let tmp = TempDir::new("esxsh-snap");
    let pw = password_file(&tmp.0);
    let ok = |args: &[&str]| -> String {
        let o = esxsh(&sim, &pw, args);
        assert!(o.status.success(), "esxsh {args:?}");
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    assert_eq!(
        ok(&["snapshot-create-as", "debian-02", "base", "a <b> & c"]),
        "Domain snapshot base created\n"
    );
    ok(&["snapshot-create-as", "debian-02", "next"]);
    ok(&["snapshot-create-as", "debian-02", "last"]);
    ok(&["snapshot-revert", "debian-02", "base"]);
    ok(&["snapshot-create-as", "debian-02", "side"]);
    assert_eq!(
        ok(&["snapshot-list", "debian-02", "--tree"]),
        "base\n  |\n  +- next\n  |   |\n  |   +- last\n  |     \n  +- side\n    \n\n"
    );
    let leaves = ok(&["snapshot-list", "debian-02", "--leaves"]);
    let rows: Vec<&str> = leaves
        .lines()
        .skip(2)
        .filter(|l| !l.is_empty())
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(rows, ["last", "side"]);
    assert_eq!(ok(&["snapshot-current", "debian-02", "--name"]), "side\n");
    assert!(ok(&["snapshot-current", "debian-02"]).starts_with("<domainsnapshot>"));
    assert_eq!(ok(&["snapshot-parent", "debian-02", "last"]), "next\n");
    let x = ok(&["snapshot-dumpxml", "debian-02", "base"]);
    assert!(
        x.contains("<description>a &lt;b&gt; &amp; c</description>"),
        "{x}"
    );
    assert_eq!(
        ok(&["snapshot-delete", "debian-02", "next", "--children-only"]),
        "Domain snapshot next children deleted\n\n"
    );
    assert_eq!(sim.vm("debian-02")["snapshot_count"], "3");
    ok(&["snapshot-delete", "debian-02", "base", "--children"]);
    assert_eq!(sim.vm("debian-02")["snapshot_count"], "0");

    let o = esxsh(&sim, &pw, &["snapshot-revert", "debian-02", "gone"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("Could not find snapshot with name 'gone'"));
    let o = esxsh(&sim, &pw, &["snapshot-current", "debian-02"]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn esxsh_domain_xml_commands() {
    let Some(_) = program("esxsh") else { return };
    let sim = Sim::with_args(&["--task-ms", "20"]);
    let tmp = TempDir::new("esxsh-xml");
    let pw = password_file(&tmp.0);
    let ok = |args: &[&str]| -> String {
        let o = esxsh(&sim, &pw, args);
        assert!(o.status.success(), "esxsh {args:?}");
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let xml = ok(&["dumpxml", "debian-02"]);
    assert!(xml.starts_with("<domain type='vmware'"), "{xml}");
    let renamed = xml
        .replace("<name>debian-02</name>", "<name>deb-copy</name>")
        .lines()
        .filter(|l| !l.trim().starts_with("<uuid>"))
        .collect::<Vec<_>>()
        .join("\n");
    let file = tmp.0.join("copy.xml");
    std::fs::write(&file, renamed).unwrap();
    let f = file.to_str().unwrap();
    assert_eq!(
        ok(&["define", f]).trim(),
        format!("Domain 'deb-copy' defined from {f}")
    );
    assert_eq!(sim.vm("deb-copy")["power"], "poweredOff");
    let vmx = ok(&["domxml-to-native", "vmware-vmx", f]);
    assert!(vmx.contains("displayName = \"deb-copy\""), "{vmx}");
    let vmx_file = tmp.0.join("copy.vmx");
    std::fs::write(&vmx_file, &vmx).unwrap();
    let back = ok(&[
        "domxml-from-native",
        "vmware-vmx",
        vmx_file.to_str().unwrap(),
    ]);
    assert!(back.contains("<name>deb-copy</name>"), "{back}");
    assert_eq!(
        ok(&["undefine", "deb-copy"]).trim(),
        "Domain 'deb-copy' has been undefined"
    );
    // The undefined VM's .vmx stayed, so defining it again is refused.
    let o = esxsh(&sim, &pw, &["define", f]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("already exists"));
    let o = esxsh(&sim, &pw, &["undefine", "alpine-01"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not suspended or powered off"));
    let o = esxsh(&sim, &pw, &["domxml-to-native", "qemu-argv", f]);
    assert_eq!(o.status.code(), Some(1));
}

/// A stalled download aborted from another thread (the abort never waits
/// for the blocked Recv), streams across connections, and uploads that end
/// without Finish: the disk is byte-identical afterwards.
fn stream_abort(with_valgrind: bool) {
    use std::io::{BufRead, BufReader};
    let Some(h) = program("harness") else {
        return;
    };
    let sim = Sim::with_args(&["--task-ms", "1"]);
    let c = sim.connect("");
    let s = c.storage();
    let ds1 = s.storage_pool_lookup_by_name("datastore1").unwrap();
    let v = s
        .storage_vol_create_xml(
            &ds1,
            "<volume><name>safety/s.vmdk</name><capacity unit='MiB'>1</capacity>\
             <allocation>0</allocation></volume>",
            0,
        )
        .unwrap();
    let data: Vec<u8> = (0..1u32 << 20).map(|i| (i % 253) as u8).collect();
    let mut up = s.storage_vol_upload(&v, 0, 0, 0).unwrap();
    up.send(&data).unwrap();
    up.finish().unwrap();
    let flat = sim.datastore_dir.join("datastore1/safety/s-flat.vmdk");
    let listing = std::fs::read_dir(flat.parent().unwrap()).unwrap().count();
    // The host stalls every download after 64 KiB until released.
    sim.control("action=host_mode&stall=65536&put=in_place");
    let tmp = TempDir::new("harness");
    let pw = password_file(&tmp.0);
    let mut cmd = if with_valgrind {
        match common::under_valgrind(&h) {
            Some(c) => c,
            None => return,
        }
    } else {
        Command::new(&h)
    };
    let mut child = cmd
        .env_remove("LD_LIBRARY_PATH")
        .arg("stream-abort")
        .arg(sim.uri(""))
        .arg(&pw)
        .arg("[datastore1] safety/s.vmdk")
        .arg("65536")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("start the harness");
    // A harness that hangs (an Abort that waits) is ended, generously late,
    // so that the test fails instead of hanging.
    let pid = child.id() as i32;
    let finished = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let done = finished.clone();
    std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_secs(600));
        if !done.load(std::sync::atomic::Ordering::SeqCst) {
            // SAFETY: kill(2) on our own child.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
    });
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // The harness says "aborted" only once Abort returned while its Recv
    // was still held by the host; then the host lets the transfer go.
    let first = lines.next().map(|l| l.unwrap_or_default());
    sim.control("action=release_held");
    assert_eq!(
        first.as_deref(),
        Some("aborted"),
        "Abort waited for the Recv"
    );
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let status = child.wait().unwrap();
    finished.store(true, std::sync::atomic::Ordering::SeqCst);
    assert!(
        status.success(),
        "harness stream-abort failed ({status:?}): {rest:?}"
    );
    assert_eq!(std::fs::read(&flat).unwrap(), data, "the disk changed");
    assert_eq!(
        std::fs::read_dir(flat.parent().unwrap()).unwrap().count(),
        listing,
        "a file was left behind"
    );
    assert_eq!(
        sim.sessions()["filters"],
        0,
        "a property filter was left behind"
    );
}

#[test]
fn harness_stream_abort_and_uploads_that_do_not_finish() {
    stream_abort(false);
}

#[test]
fn harness_stream_abort_and_uploads_that_do_not_finish_under_valgrind() {
    stream_abort(true);
}

/// Without ESX_DRIVER_LOG, warnings of every crate of the library reach
/// stderr (the URI parser's here), escaped: a URI path's ESC and BEL bytes
/// are shown, never sent to the terminal.
#[test]
fn default_logging_reaches_stderr_escaped() {
    let Some(h) = program("harness") else {
        return;
    };
    let sim = Sim::start();
    let tmp = TempDir::new("harness");
    let pw = password_file(&tmp.0);
    let uri = format!(
        "esx://root@127.0.0.1:{}/\x1b[2Jx\x07/?no_verify=1",
        sim.port
    );
    let out = run(Command::new(&h)
        .env_remove("ESX_DRIVER_LOG")
        .arg("connect-only")
        .arg(&uri)
        .arg(&pw));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("Ignoring unexpected path") && stderr.contains("\\u{1b}[2Jx\\u{7}"),
        "{stderr}"
    );
    assert!(
        !out.stderr.iter().any(|b| *b == 0x1b || *b == 0x07),
        "raw control bytes reached stderr: {stderr:?}"
    );
}
