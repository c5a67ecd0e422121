// SPDX-License-Identifier: LGPL-2.1-or-later
//! Domain events (issue 14): the watcher a connection starts follows every
//! VM through one property filter; changes made by anyone (esx-sim's
//! control, pyvmomi, this driver) arrive as libvirt's lifecycle and reboot
//! events and this driver's question event; after an expired session or a
//! dropped connection it resynchronises and loses nothing.

mod common;

use std::sync::mpsc::{channel, Receiver};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::Sim;
use esx_driver::driver::events::{kind, DomainEvent};
use esx_sim::{FaultKind, Power};

fn watch(
    c: &esx_driver::driver::Connection,
) -> (esx_driver::driver::events::Watcher, Receiver<DomainEvent>) {
    let (tx, rx) = channel();
    let tx = std::sync::Mutex::new(tx);
    let w = c
        .watch_domains(Arc::new(move |e| {
            let _ = tx.lock().unwrap().send(e);
        }))
        .unwrap();
    // Let the first (unreported) inventory arrive.
    std::thread::sleep(Duration::from_millis(300));
    (w, rx)
}

/// Waits until a watcher (in another process) has read the inventory and
/// made its container view.
fn watcher_ready(sim: &Sim) {
    let start = Instant::now();
    while sim.count("CreateContainerView") == 0 {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no watcher started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn next(rx: &Receiver<DomainEvent>) -> DomainEvent {
    rx.recv_timeout(Duration::from_secs(10))
        .expect("an event within 10 s")
}

fn lifecycle(e: &DomainEvent) -> (String, i32) {
    match e {
        DomainEvent::Lifecycle { dom, event, .. } => (dom.name.clone(), *event),
        other => panic!("not a lifecycle event: {other:?}"),
    }
}

#[test]
fn power_changes_by_anyone_are_events() {
    let sim = Sim::with_args(&["--task-ms", "5"]);
    let c = sim.connect("");
    let (_w, rx) = watch(&c);
    assert!(
        rx.try_recv().is_err(),
        "the first inventory is not reported"
    );
    sim.sim.set_power("debian-02", Power::On).unwrap();
    assert_eq!(lifecycle(&next(&rx)), ("debian-02".into(), kind::STARTED));
    sim.sim.set_power("debian-02", Power::Suspended).unwrap();
    assert_eq!(lifecycle(&next(&rx)), ("debian-02".into(), kind::SUSPENDED));
    sim.sim.set_power("debian-02", Power::On).unwrap();
    assert_eq!(lifecycle(&next(&rx)), ("debian-02".into(), kind::RESUMED));
    // This driver's own power-off.
    let d = c.domains().domain_lookup_by_name("debian-02").unwrap();
    c.domains().domain_destroy_flags(&d, 0).unwrap();
    let e = next(&rx);
    assert_eq!(lifecycle(&e), ("debian-02".into(), kind::STOPPED));
    // A question raised and answered.
    sim.control("action=raise_question&vm=serial-04&kind=serial");
    let q = match next(&rx) {
        DomainEvent::Question {
            dom,
            question: Some(q),
        } => {
            assert_eq!(dom.name, "serial-04");
            q
        }
        other => panic!("{other:?}"),
    };
    assert_eq!(q.message_ids, ["msg.serial.file.open"]);
    let s = c.domains().domain_lookup_by_name("serial-04").unwrap();
    c.domains()
        .domain_answer_question(&s, Some(&q.id), "0", 0)
        .unwrap();
    match next(&rx) {
        DomainEvent::Question { question: None, .. } => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_reboot_is_an_event() {
    let sim = Sim::with_args(&["--task-ms", "5"]);
    let c = sim.connect("");
    let (_w, rx) = watch(&c);
    let a = c.domains().domain_lookup_by_name("alpine-01").unwrap();
    std::thread::sleep(Duration::from_millis(1100)); // a new boot time differs
    c.domains().domain_reboot(&a, 0).unwrap();
    match next(&rx) {
        DomainEvent::Reboot { dom } => assert_eq!(dom.name, "alpine-01"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn pyvmomi_power_changes_reach_the_watcher() {
    let Some(py) = common::pyvmomi_python() else {
        return;
    };
    let sim = Sim::with_args(&["--task-ms", "5"]);
    let c = sim.connect("");
    let (_w, rx) = watch(&c);
    let out = std::process::Command::new(py)
        .arg(common::repo_dir().join("tests/pyvmomi/sim_client.py"))
        .args([
            "127.0.0.1",
            &sim.port.to_string(),
            "root",
            common::PASSWORD,
            "power",
            "debian-02",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(lifecycle(&next(&rx)), ("debian-02".into(), kind::STARTED));
    assert_eq!(lifecycle(&next(&rx)), ("debian-02".into(), kind::STOPPED));
}

/// An expired session and a dropped connection lose no change: the
/// watcher makes a new filter and reports what differs.
#[test]
fn expiry_and_drops_lose_no_event() {
    let sim = Sim::with_args(&["--task-ms", "5"]);
    let c = sim.connect("");
    let (_w, rx) = watch(&c);
    sim.sim.expire_sessions();
    sim.sim.set_power("debian-02", Power::On).unwrap();
    assert_eq!(lifecycle(&next(&rx)), ("debian-02".into(), kind::STARTED));
    // The next waits fail on the wire; changes meanwhile still arrive.
    sim.sim.inject("WaitForUpdatesEx", FaultKind::DropBefore, 3);
    sim.sim.set_power("copied-05", Power::On).unwrap();
    sim.sim.set_power("debian-02", Power::Off).unwrap();
    let mut got: Vec<(String, i32)> = (0..2).map(|_| lifecycle(&next(&rx))).collect();
    got.sort();
    assert_eq!(
        got,
        [
            ("copied-05".into(), kind::STARTED),
            ("debian-02".into(), kind::STOPPED)
        ]
    );
}

/// 1,000 VMs changing state at once deliver 1,000 events.
#[test]
fn a_thousand_changes_are_a_thousand_events() {
    let sim = Sim::with_args(&["--vms", "1000"]);
    let c = sim.connect("");
    let off: Vec<String> = c
        .connect_list_all_domains(
            esx_driver::driver::flags::esxConnectListAllDomainsFlags::ESX_CONNECT_LIST_DOMAINS_SHUTOFF as u32,
        )
        .unwrap()
        .into_iter()
        .map(|d| d.name)
        .collect();
    let on: Vec<String> = c
        .connect_list_all_domains(0)
        .unwrap()
        .into_iter()
        .map(|d| d.name)
        .filter(|n| !off.contains(n))
        .collect();
    let (_w, rx) = watch(&c);
    let start = Instant::now();
    for n in &off {
        sim.sim.set_power(n, Power::On).unwrap();
    }
    for n in &on {
        sim.sim.set_power(n, Power::Off).unwrap();
    }
    let mut seen = std::collections::HashSet::new();
    while seen.len() < 1000 {
        let (name, _) = lifecycle(&next(&rx));
        assert!(seen.insert(name.clone()), "{name} twice");
    }
    assert!(
        rx.recv_timeout(Duration::from_millis(500)).is_err(),
        "no more than 1,000"
    );
    eprintln!("1,000 events in {:?}", start.elapsed());
}

/// esxsh event prints virsh's lines for changes made by someone else.
#[test]
fn esxsh_event_prints_what_happens() {
    let sim = Sim::with_args(&["--task-ms", "5"]);
    let Some(prog) = common::built_program("esxsh") else {
        return;
    };
    let tmp = common::TempDir::new("esxsh-event");
    let pw = common::password_file(&tmp.0);
    let child = std::process::Command::new(prog)
        .env_remove("LD_LIBRARY_PATH")
        .arg("-c")
        .arg(sim.uri(""))
        .arg("--password-file")
        .arg(&pw)
        .args(["event", "--all", "--loop", "--timeout", "6"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The watcher makes its view after reading the inventory: from then
    // on every change is reported.
    watcher_ready(&sim);
    sim.sim.set_power("debian-02", Power::On).unwrap();
    sim.control("action=raise_question&vm=serial-04&kind=uuid");
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("event 'lifecycle' for domain 'debian-02': Started Booted\n"),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("event 'question' for domain 'serial-04': msg.uuid.altered"),
        "{text}"
    );
    assert!(
        text.contains("event loop timed out\nevents received: 2\n"),
        "{text}"
    );
}

/// The daemon example keeps its inventory from events and answers a
/// question raised by nobody it knows, by rule.
#[test]
fn esx_watch_keeps_an_inventory_and_answers_by_rule() {
    let sim = Sim::with_args(&["--task-ms", "5"]);
    let Some(prog) = common::built_program("esx-watch") else {
        return;
    };
    let tmp = common::TempDir::new("esx-watch");
    let pw = common::password_file(&tmp.0);
    let child = std::process::Command::new(prog)
        .env_remove("LD_LIBRARY_PATH")
        .arg("-c")
        .arg(sim.uri(""))
        .arg("--password-file")
        .arg(&pw)
        .args(["--timeout", "6", "msg.uuid.altered=button.uuid.copiedTheVM"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    watcher_ready(&sim);
    // A power-on and -off made with pyvmomi reach the C callbacks (with
    // esx-sim's control when pyvmomi is not there, outside CI).
    match common::pyvmomi_python() {
        Some(py) => {
            let out = std::process::Command::new(py)
                .arg(common::repo_dir().join("tests/pyvmomi/sim_client.py"))
                .args([
                    "127.0.0.1",
                    &sim.port.to_string(),
                    "root",
                    common::PASSWORD,
                    "power",
                    "debian-02",
                ])
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            sim.sim.set_power("debian-02", Power::On).unwrap();
        }
        None => sim.sim.set_power("debian-02", Power::On).unwrap(),
    }
    sim.control("action=raise_question&vm=copied-05&kind=uuid");
    sim.control("action=raise_question&vm=serial-04&kind=serial");
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(text.starts_with("watching 5 domains\n"), "{text}{err}");
    assert!(
        text.contains("debian-02: lifecycle 2, now running\n"),
        "{text}"
    );
    assert!(
        text.contains("copied-05: question")
            && text.contains("answered with button.uuid.copiedTheVM by rule"),
        "{text}"
    );
    assert!(
        text.contains("(msg.serial.file.open) waits: no rule for it"),
        "{text}"
    );
    assert!(text.contains("  debian-02 running\n"), "{text}");
    assert_eq!(sim.count("AnswerVM"), 1);
}

/// Defining and undefining a domain are events.
#[test]
fn define_and_undefine_are_events() {
    let sim = Sim::with_args(&["--task-ms", "5"]);
    let c = sim.connect("");
    let (_w, rx) = watch(&c);
    let xml = "<domain type='vmware'><name>evented</name><memory unit='KiB'>524288</memory>\
               <vcpu>1</vcpu><os><type>hvm</type></os><devices><disk type='file' device='disk'>\
               <source file='[datastore1] debian-02/evented.vmdk'/><target dev='sda' bus='scsi'/></disk>\
               <controller type='scsi' index='0' model='lsilogic'/></devices></domain>";
    let d = c.domains().domain_define_xml_flags(xml, 0).unwrap();
    assert_eq!(lifecycle(&next(&rx)), ("evented".into(), kind::DEFINED));
    c.domains().domain_undefine_flags(&d, 0).unwrap();
    assert_eq!(lifecycle(&next(&rx)), ("evented".into(), kind::UNDEFINED));
}
