// SPDX-License-Identifier: LGPL-2.1-or-later
//! Domain jobs (esxDomainGetJobInfo / esxDomainAbortJob): the task running
//! on a VM, its progress as the host reports it, and cancelling it. The
//! simulator holds each task (a task_ms of ten minutes) until the test
//! releases or cancels it, so nothing here depends on time.

mod common;

use std::sync::Arc;

use common::Sim;
use esx_driver::driver::job::{JOB_BOUNDED, JOB_NONE};
use esx_driver::error::Code;

const HELD: &str = "600000";

/// Waits (on the simulator's state, not a clock) until the VM has a task
/// running.
fn wait_running(sim: &Sim, vm: &str) {
    sim.wait_vm(vm, "a running task", |v| v["pending_tasks"] == "1");
}

#[test]
fn a_running_task_is_the_domains_job_with_its_progress() {
    let sim = Sim::with_args(&["--task-ms", HELD]);
    let c = Arc::new(sim.connect(""));
    let d = c.domains().domain_lookup_by_name("debian-02").unwrap();
    let idle = c.domains().domain_get_job_info(&d).unwrap();
    assert_eq!(idle.kind, JOB_NONE);
    assert_eq!((idle.data_total, idle.data_processed), (0, 0));
    let e = c.domains().domain_abort_job(&d).unwrap_err();
    assert_eq!(e.code(), Code::OperationInvalid, "{e}");
    assert!(e.message().contains("no job is active"), "{e}");

    let (c2, d2) = (c.clone(), d.clone());
    let start = std::thread::spawn(move || c2.domains().domain_create(&d2));
    wait_running(&sim, "debian-02");
    sim.sim.task_progress("debian-02", 42).unwrap();
    sim.reset_stats();
    let j = c.domains().domain_get_job_info(&d).unwrap();
    // One request (the waiting thread's WaitForUpdatesEx aside).
    assert_eq!(sim.count("RetrievePropertiesEx"), 1, "{:?}", sim.stats());
    assert_eq!(j.kind, JOB_BOUNDED);
    assert_eq!(
        (j.data_total, j.data_processed, j.data_remaining),
        (100, 42, 58)
    );
    assert_eq!(j.description_id, "VirtualMachine.powerOn");
    // Power-on is not cancelable here: the abort is refused, the task goes on.
    let e = c.domains().domain_abort_job(&d).unwrap_err();
    assert_eq!(e.code(), Code::OperationInvalid, "{e}");
    assert!(e.message().contains("cannot be cancelled"), "{e}");
    assert_eq!(sim.count("CancelTask"), 0);
    assert_eq!(sim.sim.finish_tasks("debian-02").unwrap(), 1);
    start
        .join()
        .unwrap()
        .expect("the released power-on succeeds");
    assert_eq!(sim.vm("debian-02")["power"], "poweredOn");
    assert_eq!(c.domains().domain_get_job_info(&d).unwrap().kind, JOB_NONE);
    assert_eq!(sim.sessions()["filters"], 0);
}

#[test]
fn aborting_a_cancelable_task_ends_the_waiting_call_and_changes_nothing() {
    let sim = Sim::with_args(&["--task-ms", HELD]);
    sim.sim.set_cancelable("PowerOnVM_Task", true);
    let c = Arc::new(sim.connect(""));
    let d = c.domains().domain_lookup_by_name("debian-02").unwrap();
    let (c2, d2) = (c.clone(), d.clone());
    let start = std::thread::spawn(move || c2.domains().domain_create(&d2));
    wait_running(&sim, "debian-02");
    c.domains().domain_abort_job(&d).unwrap();
    let e = start.join().unwrap().unwrap_err();
    assert_eq!(e.code(), Code::OperationAborted, "{e}");
    assert_eq!(sim.vm("debian-02")["power"], "poweredOff");
    assert_eq!(sim.count("CancelTask"), 1);
    assert_eq!(
        sim.sessions()["filters"],
        0,
        "the waiting call removed its filter"
    );
}

#[test]
fn read_only_connections_cannot_abort() {
    let sim = Sim::start();
    let c = sim.connect_readonly("");
    let d = c.domains().domain_lookup_by_name("alpine-01").unwrap();
    assert_eq!(c.domains().domain_get_job_info(&d).unwrap().kind, JOB_NONE);
    sim.reset_stats();
    let e = c.domains().domain_abort_job(&d).unwrap_err();
    assert_eq!(e.code(), Code::OperationDenied, "{e}");
    assert_eq!(sim.count("total"), 0, "refused before anything was sent");
}
