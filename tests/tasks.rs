// SPDX-License-Identifier: LGPL-2.1-or-later
//! The lifecycle operations and every branch of the task runner's question
//! policy (docs/design.md section 4), each checked against the simulator's state
//! and the requests it received.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{Password, Sim, PASSWORD};
use esx_driver::driver::{Connection, DomainRef, QuestionHandler};
use esx_driver::error::Code;
use esx_driver::vi::Question;

fn sim_fast() -> Sim {
    Sim::with_args(&["--task-ms", "150"])
}

/// No property filter is left behind on the host.
fn assert_no_filters(sim: &Sim) {
    assert_eq!(
        sim.sessions()["filters"],
        0,
        "a property filter was left behind"
    );
}

#[test]
fn lifecycle_and_state_checks() {
    let sim = sim_fast();
    let c = sim.connect("");
    let d = c.domains().domain_lookup_by_name("debian-02").unwrap();
    assert_eq!(c.domains().domain_get_state(&d, 0).unwrap(), (5, 0));
    assert!(!c.domains().domain_is_active(&d).unwrap());
    assert!(c.domains().domain_is_persistent(&d).unwrap());
    assert!(!c.domains().domain_is_updated(&d).unwrap());
    assert!(!c.domains().domain_has_managed_save_image(&d, 0).unwrap());

    assert_eq!(
        c.domains().domain_create_with_flags(&d, 0).unwrap().id,
        2,
        "the ID is the numeric part of the MoRef"
    );
    assert_eq!(sim.vm("debian-02")["power"], "poweredOn");
    assert_eq!(c.domains().domain_get_state(&d, 0).unwrap().0, 1);
    assert!(c.domains().domain_is_active(&d).unwrap());

    let before = sim.count("PowerOnVM_Task");
    let e = c.domains().domain_create_with_flags(&d, 0).unwrap_err();
    assert_eq!(e.code(), Code::OperationInvalid);
    assert_eq!(e.message(), "domain 'debian-02' is already running");
    assert_eq!(
        sim.count("PowerOnVM_Task"),
        before,
        "no task is started when the state is wrong"
    );

    c.domains().domain_suspend(&d).unwrap();
    assert_eq!(sim.vm("debian-02")["power"], "suspended");
    assert_eq!(c.domains().domain_get_state(&d, 0).unwrap().0, 3);
    assert_eq!(
        c.domains().domain_suspend(&d).unwrap_err().code(),
        Code::OperationInvalid
    );
    c.domains().domain_resume(&d).unwrap();
    assert_eq!(sim.vm("debian-02")["power"], "poweredOn");
    assert_eq!(
        c.domains().domain_resume(&d).unwrap_err().message(),
        "domain 'debian-02' is not paused"
    );

    let e = c.domains().domain_shutdown_flags(&d, 0).unwrap_err();
    assert_eq!(e.code(), Code::OperationInvalid);
    assert!(
        e.message().contains("VMware Tools is not running"),
        "{}",
        e.message()
    );
    assert_eq!(sim.count("ShutdownGuest"), 0);
    assert_eq!(
        c.domains().domain_reboot(&d, 0).unwrap_err().code(),
        Code::OperationInvalid
    );

    c.domains().domain_destroy_flags(&d, 0).unwrap();
    assert_eq!(sim.vm("debian-02")["power"], "poweredOff");
    let e = c.domains().domain_destroy_flags(&d, 0).unwrap_err();
    assert_eq!(
        (e.code(), e.message()),
        (Code::OperationInvalid, "domain 'debian-02' is not running")
    );
    assert_eq!(
        c.domains().domain_suspend(&d).unwrap_err().message(),
        "domain 'debian-02' is not running"
    );
    assert_eq!(
        c.domains()
            .domain_shutdown_flags(&d, 0)
            .unwrap_err()
            .message(),
        "domain 'debian-02' is not running"
    );

    // Guest operations through VMware Tools.
    let a = c.domains().domain_lookup_by_name("alpine-01").unwrap();
    c.domains().domain_reboot(&a, 2).unwrap();
    assert_eq!(sim.count("RebootGuest"), 1);
    c.domains().domain_shutdown_flags(&a, 0).unwrap();
    assert_eq!(sim.count("ShutdownGuest"), 1);
    sim.wait_vm("alpine-01", "guest shutdown", |v| {
        v["power"] == "poweredOff"
    });

    for e in [
        c.domains().domain_create_with_flags(&d, 1).unwrap_err(),
        c.domains().domain_destroy_flags(&d, 4).unwrap_err(),
        c.domains().domain_shutdown_flags(&a, 1).unwrap_err(),
        c.domains().domain_get_state(&d, 8).unwrap_err(),
    ] {
        assert_eq!(e.code(), Code::InvalidArg);
        assert!(e.message().contains("unsupported flags"));
    }
    assert_no_filters(&sim);
}

#[test]
fn read_only_connections_refuse_changes() {
    let sim = sim_fast();
    let c = Connection::open(&sim.uri(""), Some(&mut Password(PASSWORD)), true).unwrap();
    let d = c.domains().domain_lookup_by_name("debian-02").unwrap();
    let e = c.domains().domain_create_with_flags(&d, 0).unwrap_err();
    assert_eq!(e.code(), Code::OperationDenied);
    assert!(e.message().contains("read-only"));
    assert_eq!(sim.count("PowerOnVM_Task"), 0);
    assert_eq!(
        c.domains().domain_get_state(&d, 0).unwrap().0,
        5,
        "reads still work"
    );
}

#[test]
fn question_before_start_with_auto_answer_0_then_1() {
    let sim = sim_fast();
    let no = sim.connect("auto_answer=0");
    let d = no.domains().domain_lookup_by_name("serial-04").unwrap();

    // The power-on meets the serial-port question; it cannot be cancelled.
    let e = no.domains().domain_create_with_flags(&d, 0).unwrap_err();
    assert_eq!(e.code(), Code::OperationInvalid);
    let m = e.message();
    assert!(m.contains("msg.serial.file.open"), "{m}");
    assert!(
        m.contains("'Append' (key 0, label button.serial.file.append)"),
        "{m}"
    );
    assert!(
        m.contains("'Replace' (key 1, label button.serial.file.overwrite)"),
        "{m}"
    );
    assert!(m.contains("default answer is 'Append'"), "{m}");
    assert!(
        m.contains("cannot be cancelled and is left blocked by the question"),
        "{m}"
    );
    let v = sim.vm("serial-04");
    assert_ne!(v["question"], "none");
    assert_eq!(v["pending_tasks"], "1");
    assert_eq!(
        sim.count("CancelTask"),
        0,
        "a power-on task is not cancelable"
    );
    assert_eq!(sim.count("AnswerVM"), 0);
    assert_no_filters(&sim);

    // Again with auto_answer=0: reported before anything is started.
    let started = sim.count("PowerOnVM_Task");
    let e = no.domains().domain_create_with_flags(&d, 0).unwrap_err();
    assert_eq!(e.code(), Code::OperationInvalid);
    assert!(
        e.message()
            .starts_with("Pending question blocks domain 'serial-04'"),
        "{}",
        e.message()
    );
    assert!(e
        .message()
        .contains("'Cancel' (key 2, label button.cancel)"));
    assert!(e.message().contains("The new task was not started"));
    assert_eq!(
        sim.count("PowerOnVM_Task"),
        started,
        "no new task while a question is pending"
    );

    // With auto_answer=1 the pending question is answered with the default,
    // the earlier task carries on, and the call still fails.
    let yes = sim.connect("auto_answer=1");
    let e = yes.domains().domain_create_with_flags(&d, 0).unwrap_err();
    assert_eq!(e.code(), Code::OperationInvalid);
    let m = e.message();
    assert!(
        m.contains("answered with 'Append' (key 0) as auto_answer=1 says"),
        "{m}"
    );
    assert!(m.contains("VirtualMachine.powerOn"), "{m}");
    assert!(m.contains("still in progress"), "{m}");
    assert_eq!(sim.count("PowerOnVM_Task"), started);
    assert_eq!(sim.count("AnswerVM"), 1);
    sim.wait_vm("serial-04", "the earlier power-on", |v| {
        v["power"] == "poweredOn"
    });
    assert_eq!(sim.vm("serial-04")["question"], "none");
    // Append kept the old output.
    let dir = sim.vm("serial-04")["dir"].clone();
    let serial = std::fs::read_to_string(format!("{dir}/serial.log")).unwrap();
    assert!(serial.contains("earlier serial console output"));
    assert_no_filters(&sim);
}

#[test]
fn another_pending_task_stops_a_new_one() {
    let sim = sim_fast();
    let c = sim.connect("auto_answer=1");
    let d = c.domains().domain_lookup_by_name("debian-02").unwrap();
    let busy = sim.control("action=busy&vm=debian-02");
    let e = c.domains().domain_create_with_flags(&d, 0).unwrap_err();
    assert_eq!(e.code(), Code::OperationInvalid);
    assert!(
        e.message()
            .starts_with("another task is pending for domain 'debian-02'"),
        "{}",
        e.message()
    );
    assert_eq!(sim.count("PowerOnVM_Task"), 0);
    sim.control(&format!(
        "action=release&task={}",
        busy.trim().trim_start_matches("task=")
    ));
    assert_eq!(sim.vm("debian-02")["power"], "poweredOff");
    // Released, the VM takes a task again.
    c.domains().domain_create_with_flags(&d, 0).unwrap();
}

#[test]
fn question_during_task_is_answered_with_auto_answer_1() {
    let sim = sim_fast();
    let c = sim.connect("auto_answer=1");
    let d = c.domains().domain_lookup_by_name("copied-05").unwrap();
    let uuid_before = sim.vm("copied-05")["uuid"].clone();
    let now = c.domains().domain_create_with_flags(&d, 0).unwrap();
    let v = sim.vm("copied-05");
    assert_eq!(
        esx_driver::driver::domain::format_uuid(&now.uuid),
        v["uuid"],
        "the new UUID is reported"
    );
    assert_eq!(
        c.domains().domain_get_state(&d, 0).unwrap().0,
        1,
        "the old handle still works: same MoRef and name"
    );
    assert_eq!(v["power"], "poweredOn");
    assert_eq!(v["question"], "none");
    assert_eq!(sim.count("AnswerVM"), 1);
    assert_ne!(
        v["uuid"], uuid_before,
        "the default answer 'I Copied It' gives a new UUID"
    );
    assert_no_filters(&sim);
}

#[test]
fn question_during_cancelable_task_with_auto_answer_0_cancels_it() {
    let sim = sim_fast();
    let c = sim.connect("");
    let a = c.domains().domain_lookup_by_name("alpine-01").unwrap();
    sim.control("action=arm_question&vm=alpine-01&kind=cdrom&method=PowerOffVM_Task&cancelable=1");
    let e = c.domains().domain_destroy_flags(&a, 0).unwrap_err();
    assert_eq!(e.code(), Code::OperationInvalid);
    assert!(
        e.message().contains("msg.cdromdisconnect.locked") || e.message().contains("CD-ROM"),
        "{}",
        e.message()
    );
    assert!(
        e.message().contains("The task was cancelled"),
        "{}",
        e.message()
    );
    assert_eq!(sim.count("CancelTask"), 1);
    assert_eq!(sim.count("AnswerVM"), 0);
    let v = sim.vm("alpine-01");
    assert_eq!(
        v["power"], "poweredOn",
        "the cancelled power-off did not happen"
    );
    assert_eq!(v["question"], "none");
    assert!(v["task_states"].contains("PowerOffVM_Task:error"), "{v:?}");
    assert_no_filters(&sim);
}

#[test]
fn a_task_error_carries_the_host_fault() {
    let sim = sim_fast();
    let c = sim.connect("");
    let d = c.domains().domain_lookup_by_name("debian-02").unwrap();
    sim.control("action=fail_task&vm=debian-02&method=PowerOnVM_Task&fault=GenericVmConfigFault&message=Failed%20to%20open%20disk%20debian-02.vmdk");
    let e = c.domains().domain_create_with_flags(&d, 0).unwrap_err();
    assert_eq!(e.code(), Code::OperationFailed);
    assert_eq!(e.fault(), Some("GenericVmConfigFault"));
    assert_eq!(
        e.message(),
        "Could not start domain 'debian-02': Failed to open disk debian-02.vmdk (GenericVmConfigFault)"
    );
    assert_eq!(sim.vm("debian-02")["power"], "poweredOff");
    assert_no_filters(&sim);
}

#[test]
fn questions_without_choices_or_with_a_bad_default_are_reported() {
    let sim = sim_fast();
    let c = sim.connect("auto_answer=1");
    let d = c.domains().domain_lookup_by_name("debian-02").unwrap();
    sim.control("action=arm_question&vm=debian-02&kind=nochoice&method=PowerOnVM_Task");
    let e = c.domains().domain_create_with_flags(&d, 0).unwrap_err();
    assert_eq!(e.code(), Code::OperationInvalid);
    assert!(e.message().contains("offers no answers"), "{}", e.message());
    assert!(e.message().contains("left blocked"), "{}", e.message());
    assert_eq!(sim.count("AnswerVM"), 0, "nothing is guessed");

    let w = c.domains().domain_lookup_by_name("copied-05").unwrap();
    sim.control("action=arm_question&vm=copied-05&kind=badindex&method=PowerOnVM_Task");
    let e = c.domains().domain_create_with_flags(&w, 0).unwrap_err();
    assert!(
        e.message()
            .contains("default answer index 5 is out of range for 2 answers"),
        "{}",
        e.message()
    );
    assert_eq!(sim.count("AnswerVM"), 0);
    assert_no_filters(&sim);
}

struct Handler {
    answer: Option<usize>,
    seen: Mutex<Vec<(String, Question)>>,
}

impl QuestionHandler for Handler {
    fn decide(&self, dom: &DomainRef, q: &Question) -> Option<usize> {
        self.seen
            .lock()
            .unwrap()
            .push((dom.name.clone(), q.clone()));
        self.answer
    }
}

#[test]
fn a_question_handler_overrides_auto_answer() {
    let sim = sim_fast();
    let c = sim.connect("auto_answer=1");
    let h = Arc::new(Handler {
        answer: Some(1),
        seen: Mutex::new(Vec::new()),
    });
    c.set_question_handler(Some(h.clone()));
    let d = c.domains().domain_lookup_by_name("copied-05").unwrap();
    let uuid = sim.vm("copied-05")["uuid"].clone();
    c.domains().domain_create_with_flags(&d, 0).unwrap();
    assert_eq!(
        sim.vm("copied-05")["uuid"],
        uuid,
        "'I Moved It' keeps the UUID"
    );
    let seen = h.seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].0, "copied-05");
    assert_eq!(seen[0].1.choices.len(), 3);
    assert_eq!(seen[0].1.default_index, Some(2));
    assert_eq!(seen[0].1.message_ids, ["msg.uuid.altered"]);
}

#[test]
fn a_handler_that_refuses_leaves_the_power_on_blocked() {
    let sim = sim_fast();
    let c = sim.connect("auto_answer=1");
    c.set_question_handler(Some(Arc::new(Handler {
        answer: None,
        seen: Mutex::new(Vec::new()),
    })));
    let d = c.domains().domain_lookup_by_name("copied-05").unwrap();
    let e = c.domains().domain_create_with_flags(&d, 0).unwrap_err();
    assert_eq!(e.code(), Code::OperationInvalid);
    assert!(
        e.message()
            .contains("the question handler did not answer it"),
        "{}",
        e.message()
    );
    assert_eq!(sim.count("AnswerVM"), 0);
    assert_ne!(sim.vm("copied-05")["question"], "none");
    // Removing the handler returns the decision to auto_answer=1.
    c.set_question_handler(None);
    let e = c.domains().domain_create_with_flags(&d, 0).unwrap_err();
    assert!(
        e.message().contains("as auto_answer=1 says"),
        "{}",
        e.message()
    );
    sim.wait_vm("copied-05", "power-on", |v| v["power"] == "poweredOn");
}

#[test]
fn a_handler_answer_out_of_range_is_an_error() {
    let sim = sim_fast();
    let c = sim.connect("");
    c.set_question_handler(Some(Arc::new(Handler {
        answer: Some(9),
        seen: Mutex::new(Vec::new()),
    })));
    let d = c.domains().domain_lookup_by_name("serial-04").unwrap();
    let e = c.domains().domain_create_with_flags(&d, 0).unwrap_err();
    assert_eq!(e.code(), Code::InvalidArg);
    assert!(
        e.message()
            .contains("chose answer index 9, but the question has only 3 answers"),
        "{}",
        e.message()
    );
    assert_eq!(sim.count("AnswerVM"), 0);
    assert_no_filters(&sim);
}

#[test]
fn many_tasks_on_one_connection_in_parallel() {
    let sim = Sim::with_args(&["--vms", "12", "--task-ms", "100"]);
    let c = Arc::new(sim.connect(""));
    let names: Vec<String> = (1..=12).map(|i| format!("vm-{i:04}")).collect();
    std::thread::scope(|s| {
        for n in &names {
            let c = c.clone();
            s.spawn(move || {
                let d = c.domains().domain_lookup_by_name(n).unwrap();
                for _ in 0..3 {
                    if c.domains().domain_is_active(&d).unwrap() {
                        c.domains().domain_destroy_flags(&d, 0).unwrap();
                    } else {
                        c.domains().domain_create_with_flags(&d, 0).unwrap();
                    }
                }
            });
        }
    });
    for (i, n) in names.iter().enumerate() {
        // Every third VM started powered on; three toggles flip each.
        let expected = if (i + 1) % 3 == 1 {
            "poweredOff"
        } else {
            "poweredOn"
        };
        assert_eq!(sim.vm(n)["power"], expected, "{n}");
    }
    assert_no_filters(&sim);
    std::thread::sleep(Duration::from_millis(10));
}
