// SPDX-License-Identifier: LGPL-2.1-or-later
//! Hostile servers and careless C callers (ffi-examples/hardening.c),
//! through the C ABI and under valgrind where the caller is C.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use common::{password_file, Sim, TempDir};

/// Runs a scenario; at each "ready" line `step(n)` arranges the host, then
/// the program is told to go on. Returns what it printed.
fn scenario_with(
    _sim: &Sim,
    name: &str,
    uri: &str,
    args: &[String],
    with_valgrind: bool,
    mut step: impl FnMut(usize),
) -> Option<String> {
    let prog = common::built_program("hardening")?;
    let tmp = TempDir::new("hardening");
    let pw = password_file(&tmp.0);
    let mut cmd = if with_valgrind {
        common::under_valgrind(&prog)?
    } else {
        Command::new(&prog)
    };
    let mut child = cmd
        .env_remove("LD_LIBRARY_PATH")
        .arg(name)
        .arg(uri)
        .arg(&pw)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start hardening");
    let mut stdin = child.stdin.take().expect("stdin");
    let stdout = BufReader::new(child.stdout.take().expect("stdout"));
    // Drained all along: a full stderr pipe would block the program.
    let mut stderr_pipe = child.stderr.take().expect("stderr");
    let stderr_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr_pipe, &mut s);
        s
    });
    let mut printed = String::new();
    let mut n = 0;
    for line in stdout.lines() {
        let line = line.expect("read");
        if line == "ready" {
            step(n);
            n += 1;
            writeln!(stdin, "go").expect("write go");
            stdin.flush().expect("flush");
        } else {
            printed.push_str(&line);
            printed.push('\n');
        }
    }
    let status = child.wait().expect("wait");
    let stderr = stderr_reader.join().unwrap_or_default();
    assert!(
        status.success(),
        "hardening {name} failed (valgrind: {with_valgrind}): {status:?}\nstdout:\n{printed}\nstderr:\n{stderr}"
    );
    Some(printed)
}

fn scenario(name: &str, with_valgrind: bool) -> Option<Sim> {
    let sim = Sim::with_args(&["--task-ms", "100"]);
    scenario_with(&sim, name, &sim.uri(""), &[], with_valgrind, |_| {})?;
    Some(sim)
}

// 12.6: stale handles.
#[test]
fn stale_handles_are_errors_never_memory_reads() {
    scenario("stale", false);
}

#[test]
fn stale_handles_are_errors_never_memory_reads_under_valgrind() {
    scenario("stale", true);
}

// 12.4: calls from thread-exit destructors.
#[test]
fn exports_work_or_fail_cleanly_during_thread_teardown() {
    if let Some(sim) = scenario("teardown", false) {
        // Both destructors closed their connections (or failed cleanly and
        // the session timed out); nothing aborted.
        assert!(sim.count("Login") >= 2);
    }
}

#[test]
fn exports_work_or_fail_cleanly_during_thread_teardown_under_valgrind() {
    scenario("teardown", true);
}

// 12.5: log callbacks under no lock.
#[test]
fn log_callbacks_may_replace_the_handler_and_call_back_in() {
    scenario("loghandler", false);
}

#[test]
fn log_callbacks_may_replace_the_handler_and_call_back_in_under_valgrind() {
    scenario("loghandler", true);
}

// 12.7: failing calls write no output.
fn outparams(with_valgrind: bool) {
    let sim = Sim::start();
    scenario_with(&sim, "outparams", &sim.uri(""), &[], with_valgrind, |_| {
        sim.control(
            "action=fault&method=RetrievePropertiesEx&kind=soap&type=SystemError&count=100000",
        );
    });
}

#[test]
fn failing_calls_write_no_outputs() {
    outparams(false);
}

#[test]
fn failing_calls_write_no_outputs_under_valgrind() {
    outparams(true);
}

// 12.8 and 12.9: flags defined once; libvirt's argument rules; a vanished VM.
#[test]
fn libvirt_argument_rules_and_one_flag_set() {
    if let Some(sim) = scenario("argrules", false) {
        assert_eq!(
            sim.count("ReconfigVM_Task"),
            0,
            "refused and empty parameter sets change nothing"
        );
    }
}

#[test]
fn libvirt_argument_rules_under_valgrind() {
    scenario("argrules", true);
}

// 12.1: a reply nested 20,000 levels, on a 256 KiB stack.
fn deep(with_valgrind: bool) {
    let sim = Sim::start();
    scenario_with(&sim, "deep", &sim.uri(""), &[], with_valgrind, |_| {
        sim.control("action=fault&method=RetrievePropertiesEx&kind=deep&count=1");
    });
}

#[test]
fn deeply_nested_reply_is_an_error_on_a_small_stack() {
    deep(false);
}

#[test]
fn deeply_nested_reply_is_an_error_on_a_small_stack_under_valgrind() {
    deep(true);
}

/// The same in Rust: no reader recurses with its input, on a 256 KiB stack.
#[test]
fn no_parser_recurses_with_its_input() {
    // Long element names: as many bytes per element as real documents have,
    // so that the depth, not the node count, is what gives them away.
    let deep = |open: &str, close: &str, n: usize| format!("{}{}", open.repeat(n), close.repeat(n));
    let (o, c) = ("<nestedElement>", "</nestedElement>");
    let t = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || {
            let soap = format!(
                "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body>\
                 <XResponse xmlns=\"urn:vim25\"><returnval>{}</returnval></XResponse></soapenv:Body></soapenv:Envelope>",
                deep(o, c, 20_000)
            );
            let e = esx_driver::vi::soap::parse_reply("X", &soap).unwrap_err();
            assert!(e.message().contains("nested"), "{e}");
            let domain = format!(
                "<domain type='vmware'><name>x</name><memory>4096</memory>{}</domain>",
                deep(o, c, 20_000)
            );
            let e = esx_driver::vmx::parse_domain_xml(&domain).unwrap_err();
            assert!(e.message().contains("nested"), "{e}");
            let snap = format!(
                "<domainsnapshot>{}</domainsnapshot>",
                deep(o, c, 20_000)
            );
            let e = esx_driver::driver::snapshot::parse_snapshot_xml(&snap).unwrap_err();
            assert!(e.message().contains("nested"), "{e}");
            // At the limit it still works: 250 levels of values are read.
            let ok = format!(
                "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body>\
                 <XResponse xmlns=\"urn:vim25\"><returnval>{}</returnval></XResponse></soapenv:Body></soapenv:Envelope>",
                deep(o, c, 250)
            );
            assert!(esx_driver::vi::soap::parse_reply("X", &ok).is_ok());
        })
        .expect("thread");
    t.join().expect("no stack overflow");
}

// 12.2: a wide, meaningless reply is an error, in bounded memory.
#[test]
fn wide_meaningless_reply_is_an_error_in_bounded_memory() {
    let sim = Sim::start();
    let printed = scenario_with(&sim, "wide", &sim.uri(""), &[], false, |_| {
        sim.control("action=fault&method=RetrievePropertiesEx&kind=wide&count=2");
    });
    if let Some(p) = printed {
        eprintln!("{p}");
    }
}

// 12.3: an empty wait answered at once backs off and ends at task_timeout.
#[test]
fn empty_waits_back_off_and_end_at_the_task_deadline() {
    let sim = Sim::with_args(&["--task-ms", "100"]);
    sim.control("action=fault&method=WaitForUpdatesEx&kind=empty&count=100000");
    if scenario_with(
        &sim,
        "emptywait",
        &sim.uri("task_timeout=3"),
        &[],
        false,
        |_| {},
    )
    .is_none()
    {
        return;
    }
    let waits = sim.count("WaitForUpdatesEx");
    assert!(
        (2..40).contains(&waits),
        "{waits} WaitForUpdatesEx in 3 s: the empty answers must back off"
    );
}

// 12.10: host integers out of range.
fn hostints(with_valgrind: bool) {
    let sim = Sim::start();
    scenario_with(&sim, "hostints", &sim.uri(""), &[], with_valgrind, |n| {
        let mb = if n == 0 {
            "4294967297"
        } else {
            "18014398509481984"
        };
        sim.control(&format!("action=set_memory_mb&vm=debian-02&mb={mb}"));
    });
}

#[test]
fn host_integers_out_of_range_name_the_property() {
    hostints(false);
}

#[test]
fn host_integers_out_of_range_name_the_property_under_valgrind() {
    hostints(true);
}

// 12.14: messages a user can act on.
fn messages(with_valgrind: bool) {
    let sim = Sim::with_args(&["--task-ms", "100"]);
    let proxy_uri = sim.uri("proxy=127.0.0.1:1");
    scenario_with(
        &sim,
        "messages",
        &sim.uri(""),
        &[proxy_uri],
        with_valgrind,
        |n| match n {
            0 => {
                sim.control(
                    "action=fault&method=PowerOnVM_Task&kind=soap&type=SystemError&message=x&repeat=1048576",
                );
            }
            _ => {
                sim.control("action=fault&method=WaitForUpdatesEx&kind=drop_before&count=2");
            }
        },
    );
}

#[test]
fn messages_are_bounded_escaped_and_name_the_started_task_and_the_proxy() {
    messages(false);
}

#[test]
fn messages_are_bounded_escaped_and_name_the_started_task_and_the_proxy_under_valgrind() {
    messages(true);
}

// 12.11: the VMX writer escapes control characters, through the C ABI.
#[test]
fn vmx_writer_escapes_control_characters() {
    scenario("vmxescape", false);
}

#[test]
fn vmx_writer_escapes_control_characters_under_valgrind() {
    scenario("vmxescape", true);
}

// 12.12: a percent-encoded delimiter in the URI host.
#[test]
fn percent_encoded_delimiters_in_the_host_send_nothing() {
    let sim = Sim::start();
    let evil = format!(
        "esx://root@evil.example%40127.0.0.1:{}/?no_verify=1",
        sim.port
    );
    scenario_with(&sim, "uri", &sim.uri(""), &[evil], true, |_| {});
    assert_eq!(sim.count("Login"), 0, "no credentials were sent anywhere");
}

// 12.13: only regular files of bounded size are read.
#[test]
fn devices_and_fifos_are_refused_without_blocking() {
    let sim = Sim::start();
    let tmp = TempDir::new("fifo");
    let fifo = tmp.0.join("fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    let fifo_uri = sim.uri_with(&format!("cacert={}", fifo.display()));
    let zero_uri = sim.uri_with("cacert=/dev/zero");
    scenario_with(
        &sim,
        "files",
        &sim.uri(""),
        &[fifo_uri, zero_uri],
        false,
        |_| {},
    );
}

// 11.7: a question with no task behind it.
fn lone_question(with_valgrind: bool) {
    let sim = Sim::with_args(&["--task-ms", "100"]);
    sim.control("action=raise_question&vm=debian-02&kind=uuid");
    let answering = sim.uri("auto_answer=1");
    if scenario_with(
        &sim,
        "lonequestion",
        &sim.uri("auto_answer=0"),
        &[answering],
        with_valgrind,
        |_| {},
    )
    .is_none()
    {
        return;
    }
    assert_eq!(sim.count("AnswerVM"), 1);
    assert_eq!(
        sim.count("PowerOnVM_Task"),
        1,
        "started once, after the answer"
    );
    assert_eq!(sim.vm("debian-02")["power"], "poweredOn");
}

#[test]
fn a_question_without_a_task_is_answered_and_the_task_started() {
    lone_question(false);
}

#[test]
fn a_question_without_a_task_is_answered_and_the_task_started_under_valgrind() {
    lone_question(true);
}
