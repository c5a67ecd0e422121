// SPDX-License-Identifier: LGPL-2.1-or-later
//! Bulk statistics (issue 14): esxConnectGetAllDomainStats and
//! esxDomainListGetStats with libvirt's groups and field names, compared
//! with what esx-sim holds and with what pyvmomi reads; one request per
//! page of 1,000 VMs; esxsh domstats and a linear `list`.

mod common;

use std::collections::HashMap;
use std::process::Command;

use common::{repo_dir, Esxsh, Sim, PASSWORD};
use esx_driver::driver::config::{ParamValue, TypedParam};
use esx_driver::driver::flags::esxConnectGetAllDomainStatsFlags::*;
use esx_driver::driver::flags::esxDomainStatsTypes::*;
use esx_driver::driver::flags::ESX_CONNECT_GET_ALL_DOMAINS_STATS_ENFORCE_STATS;
use esx_driver::error::Code;

fn value(params: &[TypedParam], name: &str) -> Option<u64> {
    params
        .iter()
        .find(|p| p.name == name)
        .map(|p| match p.value {
            ParamValue::Int(x) => x as u64,
            ParamValue::UInt(x) => x as u64,
            ParamValue::ULLong(x) => x,
            ParamValue::LLong(x) => x as u64,
            _ => panic!("{name}: {:?}", p.value),
        })
}

#[test]
fn every_domain_in_one_request_with_libvirts_fields() {
    let sim = Sim::start();
    let c = sim.connect("");
    c.domains().connect_num_of_domains().unwrap();
    sim.reset_stats();
    let all = c.domains().connect_get_all_domain_stats(0, 0).unwrap();
    assert_eq!(sim.count("total"), 1, "{:?}", sim.stats());
    assert_eq!(all.len(), 5);
    for r in &all {
        let vm = sim.vm(&r.dom.name);
        let state = match vm["power"].as_str() {
            "poweredOn" => 1,
            "suspended" => 3,
            _ => 5,
        };
        let p = &r.params;
        assert_eq!(value(p, "state.state"), Some(state), "{}", r.dom.name);
        assert_eq!(value(p, "state.reason"), Some(0));
        let mem_kib: u64 = vm["memory_mb"].parse::<u64>().unwrap() * 1024;
        assert_eq!(value(p, "balloon.maximum"), Some(mem_kib));
        let ballooned = if state == 1 { mem_kib / 8 } else { 0 };
        assert_eq!(value(p, "balloon.current"), Some(mem_kib - ballooned));
        assert_eq!(value(p, "balloon.rss").is_some(), state == 1);
        let cpus: u64 = vm["num_cpu"].parse().unwrap();
        assert_eq!(value(p, "vcpu.current"), Some(cpus));
        assert_eq!(value(p, "vcpu.maximum"), Some(cpus));
        assert_eq!(value(p, "net.count"), Some(1));
        assert_eq!(value(p, "block.count"), Some(1));
        assert!(
            value(p, "cpu.time").is_none(),
            "ESX keeps no cumulative CPU time"
        );
    }
    // Groups and selections.
    let running = c
        .domains()
        .connect_get_all_domain_stats(
            ESX_DOMAIN_STATS_VCPU as u32,
            ESX_CONNECT_GET_ALL_DOMAINS_STATS_RUNNING as u32,
        )
        .unwrap();
    assert_eq!(running.len(), 1);
    assert_eq!(running[0].dom.name, "alpine-01");
    assert!(running[0]
        .params
        .iter()
        .all(|p| p.name.starts_with("vcpu.")));
    // cpu-total: left out, or refused with ENFORCE_STATS.
    let cpu = c
        .domains()
        .connect_get_all_domain_stats(ESX_DOMAIN_STATS_CPU_TOTAL as u32, 0)
        .unwrap();
    assert!(cpu.iter().all(|r| r.params.is_empty()));
    let e = c
        .domains()
        .connect_get_all_domain_stats(
            ESX_DOMAIN_STATS_CPU_TOTAL as u32,
            ESX_CONNECT_GET_ALL_DOMAINS_STATS_ENFORCE_STATS,
        )
        .unwrap_err();
    assert_eq!(e.code(), Code::ArgumentUnsupported, "{e}");
    assert_eq!(
        c.domains()
            .connect_get_all_domain_stats(1 << 20, 0)
            .unwrap_err()
            .code(),
        Code::InvalidArg
    );
    // A list of domains, in its order.
    let d = c.domains().domain_lookup_by_name("debian-02").unwrap();
    let a = c.domains().domain_lookup_by_name("alpine-01").unwrap();
    let two = c
        .domains()
        .domain_list_get_stats(&[d.clone(), a.clone()], ESX_DOMAIN_STATS_STATE as u32, 0)
        .unwrap();
    assert_eq!(two[0].dom.name, "debian-02");
    assert_eq!(two[1].dom.name, "alpine-01");
}

#[test]
fn pages_of_a_thousand_vms() {
    let sim = Sim::with_args(&["--vms", "2500"]);
    let c = sim.connect("");
    c.domains().connect_num_of_domains().unwrap();
    sim.reset_stats();
    let all = c.domains().connect_get_all_domain_stats(0, 0).unwrap();
    assert_eq!(all.len(), 2500);
    assert_eq!(sim.count("total"), 3, "{:?}", sim.stats());
}

/// The driver's values are what VMware's SDK reads.
#[test]
fn pyvmomi_reads_the_same_values() {
    let Some(py) = common::pyvmomi_python() else {
        return;
    };
    let sim = Sim::start();
    let out = Command::new(py)
        .arg(repo_dir().join("tests/pyvmomi/sim_client.py"))
        .args([
            "127.0.0.1",
            &sim.port.to_string(),
            "root",
            PASSWORD,
            "stats",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let theirs: HashMap<String, Vec<String>> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.split_whitespace().map(str::to_string).collect::<Vec<_>>())
        .map(|w| (w[1].clone(), w))
        .collect();
    let c = sim.connect("");
    for r in c.domains().connect_get_all_domain_stats(0, 0).unwrap() {
        let t = &theirs[&r.dom.name];
        let n = |i: usize| t[i].parse::<u64>().unwrap();
        let p = &r.params;
        assert_eq!(value(p, "balloon.maximum"), Some(n(3) * 1024), "{t:?}");
        assert_eq!(
            value(p, "balloon.current"),
            Some((n(3) - n(7)) * 1024),
            "{t:?}"
        );
        assert_eq!(value(p, "vcpu.current"), Some(n(4)));
        assert_eq!(value(p, "net.count"), Some(n(5)));
        assert_eq!(value(p, "block.count"), Some(n(6)));
        if t[2] == "poweredOn" {
            assert_eq!(value(p, "balloon.rss"), Some(n(8) * 1024));
        }
    }
}

/// esxsh list is one statistics call (linear, one inventory fetch);
/// domstats prints virsh's format.
#[test]
fn esxsh_list_and_domstats() {
    let sim = Sim::with_args(&["--vms", "2000"]);
    let Some(e) = Esxsh::new(&sim) else { return };
    sim.reset_stats();
    let (out, err) = e.run(&["list", "--all"]);
    // Header, 2,000 rows, virsh's blank line after the command.
    assert_eq!(out.lines().count(), 2003, "{err}");
    // Open (3), the host lookup, the listing (2 pages), logout.
    let listing = sim.count("RetrievePropertiesEx") + sim.count("ContinueRetrievePropertiesEx");
    assert!(listing <= 4, "{:?}", sim.stats());
    let (out, _) = e.run(&["list", "--state-shutoff", "--name"]);
    let off = sim
        .connect("")
        .connect_list_all_domains(
            esx_driver::driver::flags::esxConnectListAllDomainsFlags::ESX_CONNECT_LIST_DOMAINS_SHUTOFF
                as u32,
        )
        .unwrap()
        .len();
    assert_eq!(out.lines().filter(|l| !l.is_empty()).count(), off, "{out}");
    let (out, err) = e.run(&["domstats", "--vcpu", "vm-0001"]);
    let cpus = &sim.vm("vm-0001")["num_cpu"];
    assert_eq!(
        out,
        format!("Domain: 'vm-0001'\n  vcpu.current={cpus}\n  vcpu.maximum={cpus}\n\n"),
        "{err}"
    );
}

#[test]
fn list_flags_as_virsh() {
    let sim = Sim::start();
    let Some(e) = Esxsh::new(&sim) else { return };
    let (out, _) = e.run(&["list", "--state-paused", "--name"]);
    assert_eq!(out, "win2019-03\n\n");
    let (out, _) = e.run(&["list", "--inactive", "--name"]);
    assert_eq!(out, "copied-05\ndebian-02\nserial-04\n\n");
    let c = sim.connect("");
    let s = c.domains().domain_lookup_by_name("serial-04").unwrap();
    c.domains().domain_set_autostart(&s, true).unwrap();
    // As virsh: without --all only running domains are listed.
    let (out, err) = e.run(&["list", "--autostart", "--name"]);
    assert_eq!(out, "\n", "{err}");
    let (out, err) = e.run(&["list", "--all", "--autostart", "--name"]);
    assert_eq!(out, "serial-04\n\n", "{err}");
}

/// A sparse host with vCenter-style MoRefs: statistics give what is there
/// (state always), events still arrive.
#[test]
fn stats_and_events_on_a_sparse_host_with_vm_n_morefs() {
    let sim = Sim::with_args(&["--sparse", "--vm-moref", "vm-N"]);
    let c = sim.connect("");
    let all = c.domains().connect_get_all_domain_stats(0, 0).unwrap();
    assert_eq!(all.len(), 5);
    for r in &all {
        assert!(value(&r.params, "state.state").is_some(), "{r:?}");
        assert!(r.dom.moref.value.starts_with("vm-"), "{:?}", r.dom.moref);
    }
    let (tx, rx) = std::sync::mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    let _w = c
        .watch_domains(std::sync::Arc::new(move |e| {
            let _ = tx.lock().unwrap().send(e);
        }))
        .unwrap();
    sim.sim
        .set_power("debian-02", esx_sim::Power::PoweredOn)
        .unwrap();
    match rx.recv_timeout(std::time::Duration::from_secs(10)).unwrap() {
        esx_driver::driver::events::DomainEvent::Lifecycle { dom, event, .. } => {
            assert_eq!((dom.name.as_str(), event), ("debian-02", 2));
            assert!(dom.id > 0, "vm-N gives the ID: {dom:?}");
        }
        other => panic!("{other:?}"),
    }
}
