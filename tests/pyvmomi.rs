// SPDX-License-Identifier: LGPL-2.1-or-later
//! Fidelity: VMware's own Python SDK (pyvmomi) against esx-sim. If pyvmomi
//! rejects the simulator, the simulator is wrong.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::{repo_dir, Sim, PASSWORD};
use esx_driver::driver::config::{ParamValue, TypedParam};

fn run(py: &PathBuf, sim: &Sim, scenario: &str, args: &[&str]) -> Vec<Vec<String>> {
    let out = Command::new(py)
        .arg(repo_dir().join("tests/pyvmomi/sim_client.py"))
        .args([
            "127.0.0.1",
            &sim.port.to_string(),
            "root",
            PASSWORD,
            scenario,
        ])
        .args(args)
        .output()
        .expect("run pyvmomi client");
    assert!(
        out.status.success(),
        "pyvmomi {scenario} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.split_whitespace().map(str::to_string).collect())
        .collect()
}

#[test]
fn pyvmomi_lists_vms_and_reads_host_hardware() {
    let Some(py) = common::pyvmomi_python() else {
        return;
    };
    let sim = Sim::start();
    let lines = run(&py, &sim, "inventory", &[]);
    let about = lines.iter().find(|l| l[0] == "about").unwrap();
    assert_eq!(about[1..], ["HostAgent", "7.0.3.0", "embeddedEsx"]);
    let vms: Vec<&Vec<String>> = lines.iter().filter(|l| l[0] == "vm").collect();
    assert_eq!(vms.len(), 5);
    for vm in vms {
        let state = sim.vm(&vm[1]);
        assert_eq!(vm[2], state["power"], "{}", vm[1]);
        assert_eq!(vm[3], state["uuid"]);
        assert_eq!(vm[4], state["memory_mb"]);
        assert_eq!(vm[5], state["num_cpu"]);
    }
    let host = lines.iter().find(|l| l[0] == "host").unwrap();
    assert_eq!(
        host[1..],
        [
            "esx-sim.lab.example",
            "2",
            "40",
            "80",
            "2095078000",
            "274877906944",
            "4c4c4544-0042-3810-8052-b7c04f4d3332"
        ]
    );
}

#[test]
fn pyvmomi_powers_a_vm_on_and_off() {
    let Some(py) = common::pyvmomi_python() else {
        return;
    };
    let sim = Sim::start();
    let lines = run(&py, &sim, "power", &["debian-02"]);
    assert_eq!(lines[0], ["poweron", "success", "poweredOn"]);
    assert_eq!(lines[1], ["poweroff", "success", "poweredOff"]);
    assert_eq!(sim.vm("debian-02")["power"], "poweredOff");
}

#[test]
fn pyvmomi_answers_questions() {
    let Some(py) = common::pyvmomi_python() else {
        return;
    };
    let sim = Sim::start();
    let uuid_before = sim.vm("copied-05")["uuid"].clone();
    let lines = run(&py, &sim, "question", &["copied-05"]);
    assert_eq!(lines[0][2..], ["msg.uuid.altered", "0,1,2", "2"]);
    assert_eq!(lines[1], ["answered", "2", "success", "poweredOn"]);
    assert_ne!(
        sim.vm("copied-05")["uuid"],
        uuid_before,
        "'I copied it' gives the VM a new UUID"
    );
    let lines = run(&py, &sim, "question", &["serial-04", "1"]);
    assert_eq!(lines[0][2], "msg.serial.file.open");
    assert_eq!(lines[1], ["answered", "1", "success", "poweredOn"]);
}

/// pyvmomi reads back what this driver wrote with ReconfigVM_Task: both
/// sides agree on the wire format of the config spec.
#[test]
fn pyvmomi_reads_what_the_driver_set() {
    let Some(py) = common::pyvmomi_python() else {
        return;
    };
    let sim = Sim::with_args(&["--task-ms", "50"]);
    let c = sim.connect("");
    let d = c.domains().domain_lookup_by_name("debian-02").unwrap();
    c.domains()
        .domain_set_max_memory(&d, 3 * 1024 * 1024)
        .unwrap();
    c.domains().domain_set_memory(&d, 2 * 1024 * 1024).unwrap();
    c.domains().domain_set_vcpus_flags(&d, 6, 0).unwrap();
    c.domains()
        .domain_set_scheduler_parameters_flags(
            &d,
            &[
                TypedParam::new("reservation", ParamValue::LLong(400)),
                TypedParam::new("limit", ParamValue::LLong(5000)),
                TypedParam::new("shares", ParamValue::Int(2500)),
            ],
            0,
        )
        .unwrap();
    c.domains()
        .domain_set_memory_parameters(
            &d,
            &[TypedParam::new(
                "min_guarantee",
                ParamValue::ULLong(512 * 1024),
            )],
            0,
        )
        .unwrap();
    let lines = run(&py, &sim, "read", &["debian-02"]);
    assert_eq!(lines[0], ["memory", "3072"]);
    assert_eq!(lines[1], ["cpus", "6"]);
    assert_eq!(lines[2], ["shares", "custom", "2500"]);
    assert_eq!(lines[3], ["reservation", "400"]);
    assert_eq!(lines[4], ["limit", "5000"]);
    assert_eq!(lines[5], ["memlimit", "2048"]);
    assert_eq!(lines[6], ["memreservation", "512"]);

    c.domains()
        .domain_set_scheduler_parameters_flags(
            &d,
            &[TypedParam::new("shares", ParamValue::Int(-1))],
            0,
        )
        .unwrap();
    let lines = run(&py, &sim, "read", &["debian-02"]);
    // ESX derives the number from the level: 500 per vCPU for low.
    assert_eq!(lines[2], ["shares", "low", "3000"]);
}

/// pyvmomi reads the snapshot tree the driver created.
#[test]
fn pyvmomi_reads_the_snapshot_tree_the_driver_made() {
    let Some(py) = common::pyvmomi_python() else {
        return;
    };
    let sim = Sim::with_args(&["--task-ms", "20"]);
    let c = sim.connect("");
    let a = c.domains().domain_lookup_by_name("alpine-01").unwrap();
    let mk = |name: &str, flags: u32| {
        c.snapshots().domain_snapshot_create_xml(
            &a,
            &format!("<domainsnapshot><name>{name}</name><description>d-{name}</description></domainsnapshot>"),
            flags,
        )
        .unwrap();
    };
    mk("base", 0);
    mk("child", 16); // disk only: recorded as powered off
    c.snapshots()
        .domain_revert_to_snapshot(&a, "base", 0)
        .unwrap();
    mk("other", 0);
    let lines = run(&py, &sim, "snapshots", &["alpine-01"]);
    let tree: Vec<Vec<String>> = lines
        .iter()
        .filter(|l| l[0] == "snapshot")
        .cloned()
        .collect();
    let row = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<String>>();
    assert_eq!(
        tree,
        vec![
            row(&["snapshot", "0", "base", "poweredOn", "d-base"]),
            row(&["snapshot", "1", "child", "poweredOff", "d-child"]),
            row(&["snapshot", "1", "other", "poweredOn", "d-other"]),
        ]
    );
    // The current snapshot pyvmomi sees is the one the driver calls current.
    let current = &lines.iter().find(|l| l[0] == "current").unwrap()[1];
    assert_eq!(sim.vm("alpine-01")["current_snapshot"], *current);
    assert_eq!(
        c.snapshots().domain_snapshot_current(&a, 0).unwrap(),
        "other"
    );
}

/// VMware's SDK sees the disks the driver created, cloned, resized and
/// deleted: sizes, provisioning and the UUIDs the driver uses as keys.
#[test]
fn pyvmomi_sees_the_disks_the_driver_made() {
    let Some(py) = common::pyvmomi_python() else {
        return;
    };
    let sim = Sim::with_args(&["--task-ms", "5"]);
    let c = sim.connect("");
    let s = c.storage();
    let ds = s.storage_pool_lookup_by_name("datastore1").unwrap();
    let xml = |name: &str, mib: u64, alloc: u64| {
        format!("<volume><name>{name}</name><capacity unit='MiB'>{mib}</capacity><allocation unit='MiB'>{alloc}</allocation></volume>")
    };
    let a = s
        .storage_vol_create_xml(&ds, &xml("made/a.vmdk", 3, 0), 0)
        .unwrap();
    let b = s
        .storage_vol_create_xml_from(&ds, &xml("made/b.vmdk", 3, 3), &a, 0)
        .unwrap();
    s.storage_vol_resize(&a, 5 << 20, 0).unwrap();
    let gone = s
        .storage_vol_create_xml(&ds, &xml("made/c.vmdk", 1, 0), 0)
        .unwrap();
    s.storage_vol_delete(&gone, 0).unwrap();

    let lines = run(&py, &sim, "disks", &["datastore1"]);
    assert_eq!(lines[0][..3], ["datastore", "datastore1", "VMFS"]);
    let disk = |name: &str| {
        lines
            .iter()
            .find(|l| l[0] == "disk" && l[1] == name)
            .cloned()
    };
    let seen_a = disk("made/a.vmdk").expect("pyvmomi sees the created disk");
    assert_eq!(seen_a[2..4], ["5120", "True"], "resized to 5 MiB, thin");
    let seen_b = disk("made/b.vmdk").expect("pyvmomi sees the clone");
    assert_eq!(seen_b[2..4], ["3072", "False"], "a preallocated copy");
    assert!(disk("made/c.vmdk").is_none(), "the deleted disk is gone");
    // The SDK's UUIDs are the driver's keys (libvirt's form of them).
    for (seen, vol) in [(&seen_a, &a), (&seen_b, &b)] {
        // ESX writes "60 00 c2 ... 37-00 00 ...": the words after the flags.
        let hex: String = seen[4..]
            .concat()
            .chars()
            .filter(char::is_ascii_hexdigit)
            .collect();
        let key: String = vol.key.chars().filter(char::is_ascii_hexdigit).collect();
        assert_eq!(
            hex.to_lowercase(),
            key.to_lowercase(),
            "{seen:?} / {}",
            vol.key
        );
    }
}

/// A power-on started by another client (pyvmomi) stops at the host's
/// question; the driver, which started nothing, reads and answers it, and
/// the other client's task completes.
#[test]
fn the_driver_answers_a_question_pyvmomi_raised() {
    let Some(py) = common::pyvmomi_python() else {
        return;
    };
    let sim = Sim::with_args(&["--task-ms", "5"]);
    let lines = run(&py, &sim, "start-only", &["copied-05"]);
    assert_eq!(lines[0][0], "task");
    let c = sim.connect("");
    let d = c.domains().domain_lookup_by_name("copied-05").unwrap();
    let mut q = None;
    for _ in 0..1000 {
        q = c.domains().domain_get_question(&d, 0).unwrap();
        if q.is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let q = q.expect("the question pyvmomi's power-on raised");
    assert_eq!(q.message_ids, ["msg.uuid.altered"]);
    c.domains()
        .domain_answer_question(&d, Some(&q.id), "button.uuid.movedTheVM", 0)
        .unwrap();
    sim.wait_vm("copied-05", "pyvmomi's power-on", |v| {
        v["power"] == "poweredOn"
    });
}
