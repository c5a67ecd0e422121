// SPDX-License-Identifier: LGPL-2.1-or-later
//! Networks (virtual switches with their port groups) and host interfaces
//! (physical NICs), against govmomi's simulator in ESX and vCenter mode:
//! listings, lookups, XML, define and undefine with what the host then
//! reports.

mod common;

use common::{Esxsh, Password, Sim, Vcsim, Virsh, VCSIM_PASSWORD};
use esx_driver::driver::Connection;
use esx_driver::error::Code;

fn open(uri: &str) -> Connection {
    Connection::open(uri, Some(&mut Password(VCSIM_PASSWORD)), false).expect("open vcsim")
}

/// The servers: vcsim as an ESX host, and as a vCenter with one host.
fn vcsims() -> Vec<(Vcsim, Connection)> {
    let mut out = Vec::new();
    for esx in [true, false] {
        let Some(v) = Vcsim::start(esx) else {
            return Vec::new();
        };
        let c = if esx {
            open(&v.uri("esx", "", "no_verify=1"))
        } else {
            open(&v.uri("vpx", "DC0/DC0_H0", "no_verify=1"))
        };
        out.push((v, c));
    }
    out
}

#[test]
fn vcsim_networks_read() {
    for (_v, c) in vcsims() {
        let n = c.networks();
        let names = n.connect_list_networks(10).unwrap();
        assert_eq!(names, vec!["vSwitch0"]);
        assert_eq!(n.connect_num_of_networks().unwrap(), 1);
        assert_eq!(n.connect_num_of_defined_networks().unwrap(), 0);
        let all = n.connect_list_all_networks(0).unwrap();
        assert_eq!(all.len(), 1);
        let net = n.network_lookup_by_name("vSwitch0").unwrap();
        assert_eq!(net, all[0]);
        assert_eq!(n.network_lookup_by_uuid(&net.uuid).unwrap(), net);
        // The UUID is the MD5 sum of the key ESX forms from the name (vcsim
        // leaves the key empty).
        // (python3 -c 'import hashlib, uuid; print(uuid.UUID(bytes=
        // hashlib.md5(b"key-vim.host.VirtualSwitch-vSwitch0").digest()))')
        assert!(
            xml_uuid(&n.network_get_xml_desc(&net, 0).unwrap())
                == "2f467347-8b4e-8655-e7d6-c4c3fb968009"
        );
        let xml = n.network_get_xml_desc(&net, 0).unwrap();
        assert!(
            xml.starts_with("<network>\n  <name>vSwitch0</name>\n"),
            "{xml}"
        );
        assert!(xml.contains("<portgroup name='VM Network'>"), "{xml}");
        assert!(n.network_is_active(&net).unwrap());
        assert!(n.network_is_persistent(&net).unwrap());
        assert!(n.network_get_autostart(&net).unwrap());
        assert_eq!(n.network_get_bridge_name(&net).unwrap(), "vSwitch0");
        assert_eq!(
            n.network_set_autostart(&net, false).unwrap_err().code(),
            Code::OperationInvalid
        );
        // Filters: every switch is active, persistent, autostarted.
        assert!(n.connect_list_all_networks(1).unwrap().is_empty());
        assert_eq!(n.connect_list_all_networks(2 | 4 | 16).unwrap().len(), 1);
        assert_eq!(
            n.network_lookup_by_name("nope").unwrap_err().code(),
            Code::NoNetwork
        );
        assert_eq!(
            n.network_lookup_by_uuid(&[7; 16]).unwrap_err().code(),
            Code::NoNetwork
        );
    }
}

fn xml_uuid(xml: &str) -> String {
    let start = xml.find("<uuid>").expect("a uuid") + 6;
    let end = xml.find("</uuid>").expect("a uuid");
    xml[start..end].to_string()
}

#[test]
fn vcsim_interfaces_by_name_and_mac() {
    for (_v, c) in vcsims() {
        let i = c.interfaces();
        let names = i.connect_list_interfaces(10).unwrap();
        assert!(names.contains(&"vmnic0".to_string()), "{names:?}");
        assert_eq!(i.connect_num_of_interfaces().unwrap() as usize, names.len());
        assert_eq!(i.connect_num_of_defined_interfaces().unwrap(), 0);
        let by_name = i.interface_lookup_by_name("vmnic0").unwrap();
        let by_mac = i
            .interface_lookup_by_mac_string(&by_name.mac.to_uppercase())
            .unwrap();
        assert_eq!(by_name, by_mac);
        let xml = i.interface_get_xml_desc(&by_name, 0).unwrap();
        assert!(
            xml.starts_with(
                "<interface type='ethernet' name='vmnic0'>\n  <start mode='onboot'/>\n"
            ),
            "{xml}"
        );
        assert!(
            xml.contains(&format!("<mac address='{}'/>", by_name.mac)),
            "{xml}"
        );
        assert!(xml.contains("<link speed='10000' state='up'/>"), "{xml}");
        let inactive = i.interface_get_xml_desc(&by_name, 1).unwrap();
        assert!(!inactive.contains("<link"), "{inactive}");
        assert!(i.interface_is_active(&by_name).unwrap());
        assert_eq!(i.connect_list_all_interfaces(0).unwrap().len(), names.len());
        assert!(i.connect_list_all_interfaces(1).unwrap().is_empty());
        for e in [
            i.interface_lookup_by_name("vmnic99").unwrap_err(),
            i.interface_lookup_by_mac_string("00:00:00:00:00:01")
                .unwrap_err(),
        ] {
            assert_eq!(e.code(), Code::NoInterface, "{e:?}");
        }
    }
}

#[test]
fn vcsim_define_and_undefine() {
    for (_v, c) in vcsims() {
        let n = c.networks();
        let xml = "<network><name>vSwitch9</name><portgroup name='pg-a'/>\
                   <portgroup name='pg-b'><vlan><tag id='42'/></vlan></portgroup></network>";
        let net = n.network_define_xml(xml, 0).unwrap();
        assert_eq!(net.name, "vSwitch9");
        assert_eq!(n.network_lookup_by_uuid(&net.uuid).unwrap(), net);
        let back = n.network_get_xml_desc(&net, 0).unwrap();
        assert!(back.contains("<bridge stp='off' delay='0'/>"), "{back}");
        assert!(
            back.contains("<portgroup name='pg-a'>\n  </portgroup>"),
            "{back}"
        );
        assert!(
            back.contains("<portgroup name='pg-b'>\n    <vlan>\n      <tag id='42'/>"),
            "{back}"
        );
        // Again: the switch exists.
        let e = n.network_define_xml(xml, 0).unwrap_err();
        assert_eq!(e.code(), Code::NetworkExist, "{e:?}");
        // A port group name in use elsewhere: refused before any change.
        let e = n
            .network_define_xml(
                "<network><name>vSwitch8</name><portgroup name='pg-a'/></network>",
                0,
            )
            .unwrap_err();
        assert_eq!(e.code(), Code::NetworkExist, "{e:?}");
        assert!(n.network_lookup_by_name("vSwitch8").is_err());
        n.network_undefine(&net).unwrap();
        assert_eq!(
            n.network_lookup_by_name("vSwitch9").unwrap_err().code(),
            Code::NoNetwork
        );
        assert_eq!(n.connect_list_networks(10).unwrap(), vec!["vSwitch0"]);
        // A second define of the same name works once the first is gone.
        let again = n.network_define_xml(xml, 0).unwrap();
        n.network_undefine(&again).unwrap();
    }
}

/// esxsh's network and interface commands against vcsim (ESX mode), in
/// virsh's formats: define, list, info, dumpxml, uuid and name, undefine;
/// the interfaces by name and by MAC address.
#[test]
fn vcsim_esxsh_commands() {
    let Some(bin) = common::require(
        "build/esxsh (make c-programs)",
        Some(common::build_dir().join("esxsh")),
    ) else {
        return;
    };
    let Some(v) = Vcsim::start(true) else {
        return;
    };
    let tmp = common::TempDir::new("net-esxsh");
    let pw = tmp.0.join("pw");
    std::fs::write(&pw, VCSIM_PASSWORD).unwrap();
    let uri = v.uri("esx", "", "no_verify=1");
    let run = |args: &[&str]| -> (bool, String, String) {
        let o = std::process::Command::new(&bin)
            .env_remove("LD_LIBRARY_PATH")
            .arg("-c")
            .arg(&uri)
            .arg("--password-file")
            .arg(&pw)
            .args(args)
            .output()
            .expect("run esxsh");
        (
            o.status.success(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let file = tmp.0.join("net.xml");
    std::fs::write(
        &file,
        "<network><name>lab</name><forward mode='bridge'><interface dev='vmnic1'/></forward>\
         <portgroup name='lab-vms'><vlan><tag id='7'/></vlan></portgroup></network>",
    )
    .unwrap();
    let f = file.to_str().unwrap();
    let (ok, out, err) = run(&["net-define", f]);
    assert!(ok, "{out}{err}");
    assert_eq!(out, format!("Network lab defined from {f}\n\n"));
    let (_, out, _) = run(&["net-list"]);
    assert_eq!(
        out,
        " Name       State    Autostart   Persistent\n\
         ---------------------------------------------\n \
         lab        active   yes         yes\n \
         vSwitch0   active   yes         yes\n\n"
    );
    let (_, uuid, _) = run(&["net-uuid", "lab"]);
    let (_, name, _) = run(&["net-name", uuid.trim()]);
    assert_eq!(name, "lab\n\n");
    let (_, info, _) = run(&["net-info", "lab"]);
    assert_eq!(
        info,
        format!(
            "Name:           lab\nUUID:           {}\nActive:         yes\n\
             Persistent:     yes\nAutostart:      yes\nBridge:         lab\n\n",
            uuid.trim()
        )
    );
    // vcsim's AddVirtualSwitch keeps the name only (it drops the spec, so
    // the uplink): the switch reads back without a forward element.
    let (_, xml, _) = run(&["net-dumpxml", "lab"]);
    assert_eq!(
        xml,
        format!(
            "<network>\n  <name>lab</name>\n  <uuid>{}</uuid>\n  \
             <bridge stp='off' delay='0'/>\n  <portgroup name='lab-vms'>\n    <vlan>\n      <tag id='7'/>\n    \
             </vlan>\n  </portgroup>\n</network>\n\n",
            uuid.trim()
        )
    );
    let (ok, out, _) = run(&["net-undefine", "lab"]);
    assert!(ok);
    assert_eq!(out, "Network lab has been undefined\n\n");
    let (ok, _, err) = run(&["net-info", "lab"]);
    assert!(!ok && err.contains("failed to get network 'lab'"), "{err}");
    let (_, list, _) = run(&["iface-list"]);
    assert!(
        list.starts_with(" Name     State    MAC Address\n"),
        "{list}"
    );
    assert!(
        list.contains(" vmnic0   active   00:0c:29:81:d8:a0\n"),
        "{list}"
    );
    let (_, mac, _) = run(&["iface-mac", "vmnic0"]);
    assert_eq!(mac, "00:0c:29:81:d8:a0\n\n");
    let (_, name, _) = run(&["iface-name", "00:0C:29:81:D8:A0"]);
    assert_eq!(name, "vmnic0\n\n");
    let (ok, xml, err) = run(&["iface-dumpxml", "00:0c:29:81:d8:a0"]);
    assert!(ok && xml.contains("name='vmnic0'"), "{xml}{err}");
}

/// The C harness's network scenario against vcsim (ESX mode), plainly and
/// under valgrind: every network and interface export through the ABI,
/// define and undefine included.
fn harness_networks(with_valgrind: bool) {
    let Some(v) = Vcsim::start(true) else {
        return;
    };
    run_harness(
        &v.uri("esx", "", "no_verify=1"),
        VCSIM_PASSWORD,
        with_valgrind,
    );
}

/// The harness's network scenario against `uri`.
fn run_harness(uri: &str, password: &str, with_valgrind: bool) {
    let Some(h) = common::require(
        "build/harness (make c-programs)",
        Some(common::build_dir().join("harness")),
    ) else {
        return;
    };
    let tmp = common::TempDir::new("net-harness");
    let pw = tmp.0.join("pw");
    std::fs::write(&pw, password).unwrap();
    let mut cmd = if with_valgrind {
        let Some(c) = common::under_valgrind(&h) else {
            return;
        };
        c
    } else {
        std::process::Command::new(&h)
    };
    let out = cmd
        .arg("networks")
        .arg(uri)
        .arg(&pw)
        .output()
        .expect("run the harness");
    assert!(
        out.status.success(),
        "harness networks (valgrind: {with_valgrind}):\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn vcsim_harness_networks() {
    harness_networks(false);
}

#[test]
fn vcsim_harness_networks_under_valgrind() {
    harness_networks(true);
}

// ---------------------------------------------------------------- esx-sim

fn lab_xml(uplink: &str) -> String {
    format!(
        "<network><name>lab</name><forward mode='bridge'><interface dev='{uplink}'/></forward>\
         <portgroup name='lab-a'/><portgroup name='lab-b'><vlan><tag id='7'/></vlan></portgroup>\
         </network>"
    )
}

/// Listing the networks is one request once the connection knows its host
/// (the network system comes with the host); so are a lookup and dumpxml.
#[test]
fn listing_networks_is_one_request() {
    let sim = Sim::start();
    let c = sim.connect("");
    let n = c.networks();
    n.network_lookup_by_name("vSwitch0").unwrap();
    let one = |what: &str, r: esx_driver::Result<()>| {
        r.unwrap();
        assert_eq!(sim.count("total"), 1, "{what}: {:?}", sim.stats());
        sim.reset_stats();
    };
    sim.reset_stats();
    one("list", n.connect_list_all_networks(0).map(|_| ()));
    one("names", n.connect_list_networks(10).map(|_| ()));
    one("lookup", n.network_lookup_by_name("vSwitch0").map(|_| ()));
    one(
        "interfaces",
        c.interfaces().connect_list_all_interfaces(0).map(|_| ()),
    );
    let net = n.network_lookup_by_name("vSwitch0").unwrap();
    sim.reset_stats();
    n.network_get_xml_desc(&net, 0).unwrap();
    assert_eq!(sim.count("total"), 1, "dumpxml: {:?}", sim.stats());
    // esxsh net-list: the scope and the listing, nothing per network.
    let Some(e) = Esxsh::new(&sim) else { return };
    sim.reset_stats();
    let (out, err) = e.run(&["net-list", "--all"]);
    assert!(out.contains(" vSwitch0 "), "{out}{err}");
    assert_eq!(sim.count("RetrievePropertiesEx"), 2, "{:?}", sim.stats());
}

/// esx-sim's host: vSwitch0 teaming vmnic0 and vmnic1 (active and standby)
/// with the VM network and the management port group.
#[test]
fn esx_sim_networks_and_interfaces() {
    let sim = Sim::start();
    let c = sim.connect("");
    let n = c.networks();
    let net = n.network_lookup_by_name("vSwitch0").unwrap();
    let xml = n.network_get_xml_desc(&net, 0).unwrap();
    assert!(
        xml.contains(
            "  <forward dev='vmnic0' mode='bridge'>\n    <interface dev='vmnic0'/>\n    \
             <interface dev='vmnic1'/>\n  </forward>\n  <portgroup name='VM Network'>\n  \
             </portgroup>\n  <portgroup name='Management Network'>\n  </portgroup>\n"
        ),
        "{xml}"
    );
    let i = c.interfaces();
    assert_eq!(
        i.connect_list_interfaces(10).unwrap(),
        ["vmnic0", "vmnic1", "vmnic2"]
    );
    let down = i.interface_lookup_by_name("vmnic2").unwrap();
    let xml = i.interface_get_xml_desc(&down, 0).unwrap();
    assert!(xml.contains("  <link state='down'/>\n"), "{xml}");
    let up = i
        .interface_lookup_by_mac_string("00:1B:21:8A:4F:10")
        .unwrap();
    assert_eq!(up.name, "vmnic0");
    let xml = i.interface_get_xml_desc(&up, 0).unwrap();
    assert!(
        xml.contains("  <link speed='10000' state='up'/>\n"),
        "{xml}"
    );
}

/// Define adds the switch and its port groups as pyvmomi reads them back;
/// undefine removes them.
#[test]
fn define_and_undefine_as_pyvmomi_sees_them() {
    let sim = Sim::start();
    let c = sim.connect("");
    let n = c.networks();
    let net = n.network_define_xml(&lab_xml("vmnic2"), 0).unwrap();
    let xml = n.network_get_xml_desc(&net, 0).unwrap();
    assert!(
        xml.contains("<forward dev='vmnic2' mode='bridge'>") && xml.contains("<tag id='7'/>"),
        "{xml}"
    );
    if let Some(py) = common::pyvmomi_python() {
        let lines = pyvmomi_networks(&py, &sim);
        assert!(
            lines.contains(&"vswitch lab 128 vmnic2".to_string()),
            "{lines:?}"
        );
        assert!(
            lines.contains(&"portgroup lab-a lab 0 0".to_string()),
            "{lines:?}"
        );
        assert!(
            lines.contains(&"portgroup lab-b lab 7 0".to_string()),
            "{lines:?}"
        );
    }
    // The NIC serves one switch: the host refuses a second, and nothing
    // of the second stays.
    let e = n
        .network_define_xml(
            "<network><name>lab2</name><forward mode='bridge'><interface dev='vmnic2'/>\
             </forward><portgroup name='lab2-a'/></network>",
            0,
        )
        .unwrap_err();
    assert_eq!(e.fault(), Some("ResourceInUse"), "{e:?}");
    assert!(n.network_lookup_by_name("lab2").is_err());
    n.network_undefine(&net).unwrap();
    if let Some(py) = common::pyvmomi_python() {
        let lines = pyvmomi_networks(&py, &sim);
        assert!(!lines.iter().any(|l| l.contains("lab")), "{lines:?}");
    }
}

fn pyvmomi_networks(py: &std::path::Path, sim: &Sim) -> Vec<String> {
    let out = std::process::Command::new(py)
        .arg(common::repo_dir().join("tests/pyvmomi/sim_client.py"))
        .args([
            "127.0.0.1",
            &sim.port.to_string(),
            "root",
            common::PASSWORD,
            "networks",
        ])
        .output()
        .expect("run pyvmomi");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

/// Undefine is refused while a VM uses a port group, with the host fault it
/// avoids named, and nothing is removed.
#[test]
fn undefine_is_refused_while_a_vm_uses_a_port_group() {
    let sim = Sim::start();
    let c = sim.connect("");
    let n = c.networks();
    let net = n.network_lookup_by_name("vSwitch0").unwrap();
    let before = n.network_get_xml_desc(&net, 0).unwrap();
    let e = n.network_undefine(&net).unwrap_err();
    assert_eq!(e.code(), Code::OperationInvalid, "{e:?}");
    assert!(
        e.message().contains("ResourceInUse") && e.message().contains("port group"),
        "{e:?}"
    );
    assert_eq!(n.network_get_xml_desc(&net, 0).unwrap(), before);
}

/// Network events: a switch defined, changed and undefined through the
/// host (here by this driver) arrive as DEFINED, DEFINED, UNDEFINED.
#[test]
fn network_events_follow_the_host() {
    use esx_driver::driver::events::{net_kind, DomainEvent};
    use std::sync::mpsc;
    let sim = Sim::start();
    let c = sim.connect("");
    let (tx, rx) = mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    let _w = c
        .watch_domains(std::sync::Arc::new(move |e: DomainEvent| {
            if let DomainEvent::Network { net, event, .. } = e {
                let _ = tx.lock().unwrap().send((net.name, event));
            }
        }))
        .unwrap();
    let n = c.networks();
    let net = n
        .network_define_xml("<network><name>ev</name></network>", 0)
        .unwrap();
    let wait = || {
        rx.recv_timeout(std::time::Duration::from_secs(30))
            .expect("a network event")
    };
    assert_eq!(wait(), ("ev".to_string(), net_kind::DEFINED));
    n.network_undefine(&net).unwrap();
    assert_eq!(wait(), ("ev".to_string(), net_kind::UNDEFINED));
}

/// virsh (libvirt's ESX network and interface drivers) prints what esxsh
/// prints where libvirt works; where it does not (an interface by name),
/// esxsh does.
#[test]
fn esxsh_network_commands_print_what_virsh_prints() {
    let sim = Sim::start();
    let Some(v) = Virsh::new(&sim) else { return };
    let Some(e) = Esxsh::new(&sim) else { return };
    // A switch whose port groups all carry VM networks and no VLAN: what
    // libvirt describes in full.
    sim.connect("")
        .networks()
        .network_define_xml(
            "<network><name>lab</name><forward mode='bridge'><interface dev='vmnic2'/>\
             </forward><portgroup name='lab-a'/></network>",
            0,
        )
        .unwrap();
    let same = |args: &[&str]| {
        let (theirs, their_err) = v.run_loud(args);
        let (mine, my_err) = e.run(args);
        assert_eq!(
            mine.trim_end(),
            theirs.trim_end(),
            "{args:?}: {my_err} / {their_err}"
        );
        mine
    };
    same(&["net-list"]);
    same(&["net-list", "--all"]);
    same(&["net-list", "--name"]);
    same(&["net-list", "--uuid"]);
    same(&["net-list", "--inactive"]);
    let uuid = same(&["net-uuid", "lab"]);
    same(&["net-name", uuid.trim()]);
    same(&["net-dumpxml", "lab"]);
    same(&["net-dumpxml", uuid.trim()]);
    // libvirt's ESX driver has no bridge name: its net-info stops before.
    let (theirs, _) = v.run_loud(&["net-info", "lab"]);
    let (mine, _) = e.run(&["net-info", "lab"]);
    assert_eq!(
        mine.trim_end(),
        format!("{}\nBridge:         lab", theirs.trim_end())
    );
    // virsh lists interfaces by looking each name up, which libvirt 9.0
    // does as a MAC address: its list is empty; esxsh's is not.
    for args in [&["iface-list"][..], &["iface-list", "--all"]] {
        let (theirs, _) = v.run_loud(args);
        assert_eq!(
            theirs.lines().filter(|l| l.contains("vmnic")).count(),
            0,
            "{theirs}"
        );
        let (mine, _) = e.run(args);
        assert!(
            mine.contains(" vmnic0   active   00:1b:21:8a:4f:10\n")
                && mine.contains(" vmnic2   active   00:1b:21:8a:4f:12\n"),
            "{mine}"
        );
    }
    same(&["iface-name", "00:1b:21:8a:4f:10"]);
    same(&["iface-dumpxml", "--inactive", "00:1b:21:8a:4f:10"]);
    // libvirt 9.0 looks a name up as a MAC address: it fails, esxsh works.
    let (theirs, their_err) = v.run_loud(&["iface-mac", "vmnic0"]);
    assert!(
        theirs.trim().is_empty() && !their_err.is_empty(),
        "{theirs}"
    );
    let (mine, _) = e.run(&["iface-mac", "vmnic0"]);
    assert_eq!(mine.trim_end(), "00:1b:21:8a:4f:10");
    let (mine, _) = e.run(&["iface-dumpxml", "vmnic0"]);
    assert!(mine.contains("name='vmnic0'"), "{mine}");
    // What each defines the other lists; what esxsh undefines is gone.
    same(&["net-autostart", "lab"]);
    let (_, err) = e.run(&["net-undefine", "lab"]);
    assert!(err.is_empty(), "{err}");
    same(&["net-list", "--all"]);
}

/// The harness's network scenario against esx-sim, plainly and under
/// valgrind; the host is as it was afterwards.
fn sim_harness(with_valgrind: bool) {
    let sim = Sim::start();
    let before = pyvmomi_or_ours(&sim);
    run_harness(&sim.uri(""), common::PASSWORD, with_valgrind);
    assert_eq!(pyvmomi_or_ours(&sim), before);
}

/// The switches and port groups, as pyvmomi reads them (else as this
/// driver does).
fn pyvmomi_or_ours(sim: &Sim) -> Vec<String> {
    match common::pyvmomi_python() {
        Some(py) => pyvmomi_networks(&py, sim),
        None => sim
            .connect("")
            .networks()
            .connect_list_networks(100)
            .unwrap(),
    }
}

#[test]
fn sim_harness_networks() {
    sim_harness(false);
}

#[test]
fn sim_harness_networks_under_valgrind() {
    sim_harness(true);
}

/// A host that leaves out everything optional (esx-sim --sparse: the
/// host's configManager.networkSystem and config among them): networks and
/// interfaces are then unknown, and each call says why instead of listing
/// none.
#[test]
fn a_sparse_host_says_why_its_networks_are_unknown() {
    let sim = Sim::with_args(&["--sparse"]);
    let c = sim.connect("");
    let e = c.networks().connect_list_networks(10).unwrap_err();
    assert_eq!(e.code(), Code::NoSupport, "{e:?}");
    assert!(e.message().contains("configManager.networkSystem"), "{e:?}");
    let e = c.interfaces().connect_num_of_interfaces().unwrap_err();
    assert!(e.message().contains("HostSystem config"), "{e:?}");
}
