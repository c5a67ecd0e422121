// SPDX-License-Identifier: LGPL-2.1-or-later
//! Reliability (issue 7): sessions that expire, connections that drop,
//! bodies that are broken or hostile, many threads on one connection, and
//! panics that must not cross into C. Each case is injected with esx-sim's
//! fault controls and checked against its state.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Sim, TempDir};
use esx_driver::error::Code;

fn fault(sim: &Sim, q: &str) {
    sim.control(&format!("action=fault&{q}"));
}

#[test]
fn idle_session_expiry_logs_in_again_once() {
    let sim = Sim::start();
    let c = sim.connect("");
    let d = c.domains().domain_lookup_by_name("debian-02").unwrap();
    sim.sim.expire_sessions();
    sim.reset_stats();
    assert_eq!(c.domains().domain_get_info(&d).unwrap().nr_virt_cpu, 2);
    assert_eq!(sim.count("Login"), 1, "one new login");
    assert_eq!(
        sim.count("RetrievePropertiesEx"),
        2,
        "the read, repeated once"
    );
}

#[test]
fn a_failed_relogin_says_so() {
    let sim = Sim::start();
    let c = sim.connect("");
    let d = c.domains().domain_lookup_by_name("debian-02").unwrap();
    // The session is gone, and Login itself fails.
    sim.control("action=expire_sessions");
    fault(&sim, "method=Login&kind=soap&type=InvalidLogin");
    let e = c.domains().domain_get_info(&d).unwrap_err();
    assert!(
        e.to_string()
            .contains("logging in again with the stored credentials failed"),
        "{e}"
    );
    // The next call logs in again and works.
    assert_eq!(c.domains().domain_get_info(&d).unwrap().nr_virt_cpu, 2);
}

#[test]
fn a_dropped_read_is_repeated_once_on_a_fresh_connection() {
    let sim = Sim::start();
    let c = sim.connect("");
    // The first lookup also resolves the host; the second is the baseline.
    c.domains().domain_lookup_by_name("debian-02").unwrap();
    sim.reset_stats();
    c.domains().domain_lookup_by_name("debian-02").unwrap();
    let base = sim.count("RetrievePropertiesEx");
    for kind in ["drop_before", "drop_after"] {
        fault(&sim, &format!("method=RetrievePropertiesEx&kind={kind}"));
        sim.reset_stats();
        assert_eq!(
            c.domains().domain_lookup_by_name("debian-02").unwrap().name,
            "debian-02",
            "{kind}"
        );
        assert_eq!(
            sim.count("RetrievePropertiesEx"),
            base + 1,
            "{kind}: one repeat"
        );
    }
    // Dropped twice: an RPC error naming the call, no third try.
    fault(&sim, "method=RetrievePropertiesEx&kind=drop_before&count=2");
    sim.reset_stats();
    let e = c.domains().domain_lookup_by_name("debian-02").unwrap_err();
    assert_eq!(e.code(), Code::Rpc, "{e}");
    assert!(e.to_string().contains("RetrievePropertiesEx"), "{e}");
    assert_eq!(sim.count("RetrievePropertiesEx"), 2);
}

#[test]
fn a_dropped_task_start_is_never_sent_twice() {
    let sim = Sim::with_args(&["--task-ms", "50"]);
    let c = sim.connect("");
    let d = c.domains().domain_lookup_by_name("debian-02").unwrap();

    // The host started the task but the answer was lost: the driver finds
    // the new task among the VM's recent tasks and waits for it.
    fault(&sim, "method=PowerOnVM_Task&kind=drop_after");
    sim.reset_stats();
    c.domains().domain_create_with_flags(&d, 0).unwrap();
    assert_eq!(sim.count("PowerOnVM_Task"), 1, "not sent again");
    assert_eq!(sim.vm("debian-02")["power"], "poweredOn");

    // The request never reached the host: nothing started, and it says so.
    fault(&sim, "method=PowerOffVM_Task&kind=drop_before");
    sim.reset_stats();
    let e = c.domains().domain_destroy_flags(&d, 0).unwrap_err();
    assert!(e.to_string().contains("no new task"), "{e}");
    assert!(e.to_string().contains("safe to try again"), "{e}");
    assert_eq!(sim.count("PowerOffVM_Task"), 1);
    assert_eq!(sim.vm("debian-02")["power"], "poweredOn");
    c.domains().domain_destroy_flags(&d, 0).unwrap();
    assert_eq!(sim.vm("debian-02")["power"], "poweredOff");
    assert_eq!(sim.sessions()["filters"], 0);
}

#[test]
fn http_errors_and_broken_bodies_are_errors_with_an_excerpt() {
    let sim = Sim::start();
    let c = sim.connect("");
    let d = c.domains().domain_lookup_by_name("debian-02").unwrap();

    fault(&sim, "method=RetrievePropertiesEx&kind=http503");
    let e = c.domains().domain_get_info(&d).unwrap_err();
    assert_eq!(e.code(), Code::HttpError, "{e}");
    assert!(e.to_string().contains("503"), "{e}");

    fault(&sim, "method=RetrievePropertiesEx&kind=malformed");
    let e = c.domains().domain_get_info(&d).unwrap_err();
    assert!(matches!(e.code(), Code::Rpc | Code::XmlError), "{e}");
    assert!(
        e.to_string().len() < 1200,
        "a short excerpt, not the body: {e}"
    );

    // A 100 MB body and an entity-expansion bomb are refused within bounded
    // memory. (A read whose body was cut off is repeated once, so the huge
    // one is injected twice.)
    for kind in ["huge", "bomb"] {
        fault(
            &sim,
            &format!("method=RetrievePropertiesEx&kind={kind}&count=2"),
        );
        let started = Instant::now();
        let e = c.domains().domain_get_info(&d).unwrap_err();
        assert!(
            matches!(e.code(), Code::Rpc | Code::XmlError | Code::HttpError),
            "{kind}: {e}"
        );
        assert!(started.elapsed() < Duration::from_secs(20), "{kind}");
        sim.control("action=clear_faults");
    }
    // And the connection still works.
    assert_eq!(c.domains().domain_get_info(&d).unwrap().nr_virt_cpu, 2);
    // A SOAP fault keeps the host's type and message.
    fault(
        &sim,
        "method=RetrievePropertiesEx&kind=soap&type=SystemError",
    );
    let e = c.domains().domain_get_info(&d).unwrap_err();
    assert_eq!(e.fault(), Some("SystemError"), "{e}");
}

#[test]
fn a_slow_host_hits_the_read_timeout() {
    let sim = Sim::start();
    let c = sim.connect("read_timeout=1");
    let d = c.domains().domain_lookup_by_name("debian-02").unwrap();
    // The host holds the read until the test releases it: only the
    // client's deadline can end the call.
    fault(&sim, "method=RetrievePropertiesEx&kind=hold&count=2");
    let e = c.domains().domain_get_info(&d).unwrap_err();
    assert_eq!(e.code(), Code::OperationTimeout, "{e}");
    sim.control("action=clear_faults");
    sim.control("action=release_held");
    assert_eq!(c.domains().domain_get_info(&d).unwrap().nr_virt_cpu, 2);
}

#[test]
fn hostile_names_and_annotations_round_trip() {
    let tmp = TempDir::new("hostile");
    let inv = tmp.0.join("inventory");
    let names = ["a<b>&\"c'd", "ünïcødé 💾", "tab\there", "semi;colon [x]"];
    let mut text = String::new();
    for n in names {
        text.push_str(&format!("[vm {n}]\nannotation = <x> & \"y\" é\n"));
    }
    std::fs::write(&inv, text).unwrap();
    let sim = Sim::with_args(&["--inventory", inv.to_str().unwrap()]);
    let c = sim.connect("");
    let mut listed: Vec<String> = c
        .connect_list_all_domains(0)
        .unwrap()
        .into_iter()
        .map(|d| d.name)
        .collect();
    listed.sort();
    let mut want: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(listed, want);
    for n in names {
        let d = c.domains().domain_lookup_by_name(n).unwrap();
        assert_eq!(d.name, n);
        assert_eq!(c.domains().domain_get_info(&d).unwrap().state, 5);
        // A snapshot named like the VM, with the annotation as description.
        let doc = format!(
            "<domainsnapshot><name>{}</name><description>{}</description></domainsnapshot>",
            esx_driver::vi::soap::escape(n),
            esx_driver::vi::soap::escape("<x> & \"y\" é")
        );
        assert_eq!(
            c.snapshots()
                .domain_snapshot_create_xml(&d, &doc, 0)
                .unwrap(),
            n
        );
        let x = c
            .snapshots()
            .domain_snapshot_get_xml_desc(&d, n, 0)
            .unwrap();
        let doc = roxmltree::Document::parse(&x).unwrap();
        let text = |tag: &str| {
            doc.descendants()
                .find(|e| e.has_tag_name(tag))
                .and_then(|e| e.text())
                .unwrap_or("")
                .to_string()
        };
        assert_eq!(text("name"), n);
        assert_eq!(text("description"), "<x> & \"y\" é");
    }
    assert_eq!(
        c.domains()
            .domain_lookup_by_name("a<b>")
            .unwrap_err()
            .code(),
        Code::NoDomain
    );
}

#[test]
fn datastore_paths_with_dot_dot_are_refused() {
    use esx_driver::vi::datastore::DatastorePath;
    for bad in [
        "[datastore1] ../etc/passwd",
        "[datastore1] vm/../../x.vmx",
        "[datastore1] vm/..",
    ] {
        assert!(DatastorePath::parse(bad).is_err(), "{bad}");
    }
    assert!(DatastorePath::parse("[datastore1] vm/vm.vmx").is_ok());
}

/// 8 threads x 500 mixed operations on one connection: lookups, info,
/// listings, snapshots, and lifecycle on a VM of each thread's own.
#[test]
fn eight_threads_share_one_connection() {
    let sim = Sim::with_args(&["--vms", "8", "--task-ms", "5"]);
    let c = Arc::new(sim.connect(""));
    let names: Vec<String> = {
        let mut v: Vec<String> = c
            .connect_list_all_domains(0)
            .unwrap()
            .into_iter()
            .map(|d| d.name)
            .collect();
        v.sort();
        v
    };
    assert_eq!(names.len(), 8);
    sim.reset_stats();
    let worst = Arc::new(Mutex::new(Duration::ZERO));
    let started = Instant::now();
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let c = c.clone();
            let mine = names[t].clone();
            let all = names.clone();
            let worst = worst.clone();
            std::thread::spawn(move || {
                let d = c.domains().domain_lookup_by_name(&mine).unwrap();
                let first = c.domains().domain_get_info(&d).unwrap();
                let mut on = first.state == 1;
                let mut snaps = 0;
                for i in 0..500 {
                    let op = Instant::now();
                    match i % 10 {
                        0..=2 => {
                            let other = &all[(t + i) % all.len()];
                            assert_eq!(
                                &c.domains().domain_lookup_by_name(other).unwrap().name,
                                other
                            );
                        }
                        3..=5 => {
                            let info = c.domains().domain_get_info(&d).unwrap();
                            assert_eq!(info.state, if on { 1 } else { 5 }, "{mine} at {i}");
                        }
                        6 => assert_eq!(c.connect_list_all_domains(0).unwrap().len(), 8),
                        7 => {
                            if on {
                                c.domains().domain_destroy_flags(&d, 0).unwrap();
                            } else {
                                c.domains().domain_create_with_flags(&d, 0).unwrap();
                            }
                            on = !on;
                        }
                        8 => {
                            if i % 50 == 8 {
                                let doc =
                                    format!("<domainsnapshot><name>s{i}</name></domainsnapshot>");
                                c.snapshots()
                                    .domain_snapshot_create_xml(&d, &doc, 0)
                                    .unwrap();
                                snaps += 1;
                            }
                            assert_eq!(
                                c.snapshots()
                                    .domain_list_all_snapshots(&d, 0)
                                    .unwrap()
                                    .len(),
                                snaps
                            );
                        }
                        _ => assert_eq!(
                            c.domains().domain_get_vcpus_flags(&d, 0).unwrap(),
                            first.nr_virt_cpu as i32
                        ),
                    }
                    let took = op.elapsed();
                    let mut w = worst.lock().unwrap();
                    if took > *w {
                        *w = took;
                    }
                }
                (mine, on, snaps)
            })
        })
        .collect();
    let results: Vec<_> = threads
        .into_iter()
        .map(|h| h.join().expect("no panic"))
        .collect();
    let elapsed = started.elapsed();
    for (name, on, snaps) in results {
        let vm = sim.vm(&name);
        assert_eq!(
            vm["power"],
            if on { "poweredOn" } else { "poweredOff" },
            "{name}"
        );
        assert_eq!(vm["snapshot_count"], snaps.to_string(), "{name}");
    }
    let inflight = sim.sessions()["max_inflight"];
    assert!(
        inflight >= 2,
        "requests never overlapped on the wire ({inflight})"
    );
    assert_eq!(sim.sessions()["filters"], 0);
    eprintln!(
        "stress: 4000 operations in {elapsed:?} = {:.0} ops/s, worst latency {:?}, {} requests, up to {inflight} at once",
        4000.0 / elapsed.as_secs_f64(),
        *worst.lock().unwrap(),
        sim.stats()["total"]
    );
}

/// A panic inside an export becomes INTERNAL_ERROR and the failure value;
/// the process and the library keep working.
#[test]
fn a_panic_never_crosses_the_c_boundary() {
    use esx_driver::ffi::boundary::arm_test_panic;
    use esx_driver::ffi::connect::esxConnectGetVersion;
    use esx_driver::ffi::error::last_message;
    use esx_driver::ffi::types::esxConnectPtr;
    let mut v: std::os::raw::c_ulong = 0;
    arm_test_panic();
    // SAFETY: NULL is a valid argument (it is reported, not used).
    let r = unsafe {
        esxConnectGetVersion(
            std::ptr::null_mut::<std::ffi::c_void>() as esxConnectPtr,
            &mut v,
        )
    };
    assert_eq!(r, -1);
    let msg = last_message().unwrap_or_default();
    assert!(msg.contains("caught a panic"), "{msg}");
    // SAFETY: as above.
    let code = unsafe { (*esx_driver::ffi::error::esxGetLastError()).code };
    assert_eq!(code, Code::InternalError as i32);
    // The next call runs normally (and reports the NULL connection).
    // SAFETY: as above.
    let r = unsafe {
        esxConnectGetVersion(
            std::ptr::null_mut::<std::ffi::c_void>() as esxConnectPtr,
            &mut v,
        )
    };
    assert_eq!(r, -1);
    assert!(!last_message().unwrap_or_default().contains("panic"));
}
