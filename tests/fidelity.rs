// SPDX-License-Identifier: LGPL-2.1-or-later
//! Servers as sparse as the VI reference allows, VM MoRefs in both forms,
//! real .vmx files, clean-up after a refused define, and VMX values that
//! must read back (issue "Work with VI servers nobody here wrote").

mod common;

use common::Sim;
use esx_driver::driver::config::{ParamValue, Params, TypedParam};
use esx_driver::driver::flags::esxConnectListAllDomainsFlags::*;
use esx_driver::driver::flags::esxDomainVcpuFlags::ESX_DOMAIN_VCPU_MAXIMUM;
use esx_driver::driver::{Connection, DomainRef};
use esx_driver::error::Code;

/// What a read may answer on a sparse host: a value, or an error that says
/// what the host did not report (or that the operation does not apply).
fn acceptable<T: std::fmt::Debug>(what: &str, r: esx_driver::Result<T>, sparse: bool) {
    match r {
        Ok(_) => {}
        Err(e) => {
            let m = e.message();
            let fine = matches!(
                e.code(),
                Code::OperationInvalid | Code::AgentUnresponsive | Code::NoHostname
            ) || (sparse && m.contains("did not report"));
            assert!(
                fine,
                "{what} (sparse: {sparse}) failed with {:?}: {m}",
                e.code()
            );
            if sparse {
                assert!(
                    !matches!(e.code(), Code::Rpc | Code::InternalError),
                    "{what}: an absent optional property is not a malformed reply: {m}"
                );
            }
        }
    }
}

/// Every read operation of the driver, on every VM.
fn every_read(sim: &Sim, sparse: bool) {
    let c = sim.connect("");
    let doms = c
        .connect_list_all_domains(0)
        .expect("listing never needs an optional property");
    assert_eq!(doms.len(), 5);
    let names: Vec<&str> = doms.iter().map(|d| d.name.as_str()).collect();
    assert!(names.contains(&"alpine-01") && names.contains(&"copied-05"));
    acceptable("num_of_domains", c.connect_num_of_domains(), sparse);
    acceptable(
        "list_defined_domains",
        c.connect_list_defined_domains(100),
        sparse,
    );
    acceptable("node_info", c.node().node_get_info(), sparse);
    acceptable("free_memory", c.node().node_get_free_memory(), sparse);
    acceptable("hostname", c.connect_get_hostname(), sparse);
    acceptable("capabilities", c.connect_get_capabilities(), sparse);
    acceptable("version", c.connect_get_version(), sparse);
    acceptable("host_max_vcpus", c.connect_get_max_vcpus(None), sparse);
    for d in &doms {
        let n = &d.name;
        assert_eq!(
            &c.domains().domain_lookup_by_name(n).expect("by name").name,
            n
        );
        if d.uuid != [0; 16] {
            assert_eq!(
                &c.domains()
                    .domain_lookup_by_uuid(&d.uuid)
                    .expect("by UUID")
                    .name,
                n
            );
        }
        if d.id > 0 {
            assert_eq!(
                &c.domains().domain_lookup_by_id(d.id).expect("by ID").name,
                n
            );
        }
        acceptable(
            &format!("{n} state"),
            c.domains().domain_get_state(d, 0),
            sparse,
        );
        acceptable(&format!("{n} info"), c.domains().domain_get_info(d), sparse);
        acceptable(
            &format!("{n} max_memory"),
            c.domains().domain_get_max_memory(d),
            sparse,
        );
        acceptable(
            &format!("{n} vcpus"),
            c.domains().domain_get_vcpus_flags(d, 0),
            sparse,
        );
        acceptable(
            &format!("{n} max vcpus"),
            c.domains()
                .domain_get_vcpus_flags(d, ESX_DOMAIN_VCPU_MAXIMUM as u32),
            sparse,
        );
        acceptable(
            &format!("{n} memory parameters"),
            c.domains()
                .domain_get_memory_parameters(d, 16, 0)
                .map(Params::into_values),
            sparse,
        );
        acceptable(
            &format!("{n} scheduler"),
            c.domains().domain_get_scheduler_parameters_flags(d, 16, 0),
            sparse,
        );
        acceptable(
            &format!("{n} autostart"),
            c.domains().domain_get_autostart(d),
            sparse,
        );
        acceptable(
            &format!("{n} hostname"),
            c.domains().domain_get_hostname(d, 0),
            sparse,
        );
        acceptable(
            &format!("{n} addresses"),
            c.domains().domain_interface_addresses(d, 1, 0),
            sparse,
        );
        acceptable(
            &format!("{n} xml"),
            c.domains().domain_get_xml_desc(d, 0),
            sparse,
        );
        acceptable(
            &format!("{n} snapshots"),
            c.snapshots().domain_list_all_snapshots(d, 0),
            sparse,
        );
        acceptable(
            &format!("{n} is_active"),
            c.domains().domain_is_active(d),
            sparse,
        );
    }
}

#[test]
fn every_read_operation_on_a_generous_host() {
    let sim = Sim::start();
    every_read(&sim, false);
    // And on the generous host they all succeed where they apply.
    let c = sim.connect("");
    let d = c.domains().domain_lookup_by_name("alpine-01").unwrap();
    c.domains().domain_get_info(&d).unwrap();
    c.domains()
        .domain_get_scheduler_parameters_flags(&d, 16, 0)
        .unwrap();
    c.domains().domain_get_autostart(&d).unwrap();
    c.domains().domain_get_xml_desc(&d, 0).unwrap();
}

#[test]
fn every_read_operation_on_a_host_that_omits_every_optional_property() {
    let sim = Sim::with_args(&["--sparse"]);
    every_read(&sim, true);
    // What the reference marks optional is absent, and says so.
    let c = sim.connect("");
    let d = c.domains().domain_lookup_by_name("debian-02").unwrap();
    let e = c.domains().domain_get_info(&d).unwrap_err();
    assert!(
        e.message()
            .contains("did not report 'config.hardware.memoryMB'"),
        "{}",
        e.message()
    );
    // Required properties are still there: the power state is known.
    assert_eq!(c.domains().domain_get_state(&d, 0).unwrap().0, 5);
}

fn with_omitted(fields: &str) -> (Sim, Connection) {
    let sim = Sim::with_args(&["--task-ms", "50"]);
    sim.control(&format!("action=omit&fields={fields}"));
    let c = sim.connect("");
    (sim, c)
}

fn names(params: &[TypedParam]) -> Vec<&str> {
    params.iter().map(|p| p.name.as_str()).collect()
}

/// schedinfo after `--set reservation=100` on a server that then omits the
/// shares: the known values, and every later read works.
#[test]
fn absent_shares_are_unknown_not_an_error() {
    let (_sim, c) = with_omitted("ResourceAllocationInfo.shares");
    let d = c.domains().domain_lookup_by_name("debian-02").unwrap();
    c.domains()
        .domain_set_scheduler_parameters_flags(
            &d,
            &[TypedParam::new("reservation", ParamValue::LLong(100))],
            0,
        )
        .unwrap();
    for _ in 0..2 {
        let p = c
            .domains()
            .domain_get_scheduler_parameters_flags(&d, 16, 0)
            .unwrap();
        assert_eq!(names(&p), ["reservation", "limit"]);
        assert_eq!(p[0].value, ParamValue::LLong(100));
    }
}

/// dominfo's autostart line needs an AutoStartManager; nothing else does.
#[test]
fn a_host_without_an_autostart_manager() {
    let (_sim, c) = with_omitted("HostConfigManager.autoStartManager");
    let d = c.domains().domain_lookup_by_name("alpine-01").unwrap();
    c.domains().domain_get_info(&d).unwrap();
    c.domains().domain_get_state(&d, 0).unwrap();
    let e = c.domains().domain_get_autostart(&d).unwrap_err();
    assert_eq!(e.code(), Code::OperationUnsupported);
    assert!(e.message().contains("autoStartManager"), "{}", e.message());
    // Listing by autostart cannot be answered either; plain listing can.
    assert!(c
        .connect_list_all_domains(ESX_CONNECT_LIST_DOMAINS_AUTOSTART as u32)
        .is_err());
    assert_eq!(c.connect_list_all_domains(0).unwrap().len(), 5);
}

/// Without capability.maxSupportedVcpus the limit of the VM's virtual
/// hardware applies, and the host itself checks a change.
#[test]
fn a_host_that_does_not_report_its_vcpu_limit() {
    let (sim, c) = with_omitted("HostCapability.maxSupportedVcpus");
    let d = c.domains().domain_lookup_by_name("debian-02").unwrap();
    // esx-sim's VMs are vmx-13: 128 vCPUs.
    assert_eq!(
        c.domains()
            .domain_get_vcpus_flags(&d, ESX_DOMAIN_VCPU_MAXIMUM as u32)
            .unwrap(),
        128
    );
    assert_eq!(c.domains().domain_get_max_vcpus(&d).unwrap(), 128);
    assert!(c.connect_get_max_vcpus(None).unwrap() >= 128);
    c.domains().domain_set_vcpus_flags(&d, 4, 0).unwrap();
    assert_eq!(sim.vm("debian-02")["num_cpu"], "4");
    assert_eq!(c.domains().domain_get_vcpus_flags(&d, 0).unwrap(), 4);
}

/// Without ipConfig the prefix is unknown (0), never an invented /24.
#[test]
fn guest_addresses_without_a_prefix() {
    let (_sim, c) = with_omitted("GuestNicInfo.ipConfig");
    let d = c.domains().domain_lookup_by_name("alpine-01").unwrap();
    let ifaces = c.domains().domain_interface_addresses(&d, 1, 0).unwrap();
    let addrs: Vec<_> = ifaces.iter().flat_map(|i| i.addrs.iter()).collect();
    assert!(!addrs.is_empty());
    assert!(addrs.iter().all(|(_, _, prefix)| *prefix == 0), "{addrs:?}");
}

/// Lookup by ID whatever form the host's VM MoRefs take.
#[test]
fn domain_ids_with_vcenter_style_morefs() {
    let sim = Sim::with_args(&["--vm-moref", "vm-N"]);
    let c = sim.connect("");
    let running: Vec<DomainRef> = c
        .connect_list_all_domains(ESX_CONNECT_LIST_DOMAINS_ACTIVE as u32)
        .unwrap();
    assert!(!running.is_empty());
    for d in &running {
        assert!(d.moref.value.starts_with("vm-"), "{:?}", d.moref);
        assert!(d.id > 0);
        assert_eq!(c.domains().domain_lookup_by_id(d.id).unwrap().name, d.name);
    }
    // A fresh connection that has seen no MoRef yet finds it too.
    let fresh = sim.connect("");
    let d = &running[0];
    assert_eq!(
        fresh.domains().domain_lookup_by_id(d.id).unwrap().name,
        d.name
    );
    assert_eq!(
        fresh
            .domains()
            .domain_lookup_by_id(9999)
            .unwrap_err()
            .code(),
        Code::NoDomain
    );
    // And the ESX form still works on a host that uses it.
    let esx = Sim::start();
    let c = esx.connect("");
    let d = c.domains().domain_lookup_by_name("alpine-01").unwrap();
    assert_eq!(d.moref.value, d.id.to_string());
    assert_eq!(
        c.domains().domain_lookup_by_id(d.id).unwrap().name,
        "alpine-01"
    );
}

/// A .vmx as ESX stores it names its disks relative to itself.
#[test]
fn native_vmx_with_relative_disk_names() {
    let sim = Sim::start();
    let c = sim.connect("");
    let vmx = "config.version = \"8\"\nvirtualHW.version = \"13\"\ndisplayName = \"web1\"\n\
               memsize = \"1024\"\nnumvcpus = \"2\"\nscsi0.present = \"TRUE\"\n\
               scsi0.virtualDev = \"pvscsi\"\nscsi0:0.present = \"TRUE\"\n\
               scsi0:0.fileName = \"disk1.vmdk\"\nscsi0:1.present = \"TRUE\"\n\
               scsi0:1.fileName = \"web1_1.vmdk\"\nguestOS = \"otherlinux-64\"\n";
    let xml = c
        .connect_domain_xml_from_native("vmware-vmx", vmx, 0)
        .unwrap();
    assert!(xml.contains("<source file='[?] ?/disk1.vmdk'/>"), "{xml}");
    assert!(xml.contains("<source file='[?] ?/web1_1.vmdk'/>"), "{xml}");
}

/// The host refuses the registration: the uploaded .vmx is removed with
/// DeleteDatastoreFile_Task and confirmed gone, even where an HTTP DELETE
/// would answer 200 and keep the file.
#[test]
fn a_refused_define_leaves_no_file_behind() {
    let sim = Sim::with_args(&["--task-ms", "20"]);
    let c = sim.connect("");
    let xml = c
        .domains()
        .domain_get_xml_desc(&c.domains().domain_lookup_by_name("debian-02").unwrap(), 0)
        .unwrap()
        .replace("<name>debian-02</name>", "<name>refused</name>")
        .replace(
            &format!("<uuid>{}</uuid>", sim.vm("debian-02")["uuid"]),
            "<uuid>11111111-2222-3333-4444-555555555555</uuid>",
        );
    let vmx = sim.datastore_dir.join("datastore1/debian-02/refused.vmx");
    sim.control("action=fault&method=DELETE%20/folder&kind=ignore&count=10");
    sim.control("action=fault&method=RegisterVM_Task&kind=soap&type=InvalidState");
    let e = c.domains().domain_define_xml_flags(&xml, 0).unwrap_err();
    assert!(e.message().contains("refused"), "{}", e.message());
    assert_eq!(sim.count("DeleteDatastoreFile_Task"), 1);
    assert!(!vmx.exists(), "{} was left behind", vmx.display());

    // When the host cannot delete it either, the error says so.
    sim.control("action=fault&method=RegisterVM_Task&kind=soap&type=InvalidState");
    sim.control("action=fault&method=DeleteDatastoreFile_Task&kind=soap&type=NoPermission");
    let e = c.domains().domain_define_xml_flags(&xml, 0).unwrap_err();
    assert!(
        e.message().contains("may be left behind"),
        "{}",
        e.message()
    );
    assert!(vmx.exists());
}

/// Newlines and other control characters in a name or description are
/// written as VMX escapes, and the .vmx reads back.
#[test]
fn control_characters_in_names_are_escaped_in_the_vmx() {
    let sim = Sim::with_args(&["--task-ms", "20"]);
    let c = sim.connect("");
    let xml = c
        .domains()
        .domain_get_xml_desc(&c.domains().domain_lookup_by_name("debian-02").unwrap(), 0)
        .unwrap()
        .replace(
            "<name>debian-02</name>",
            "<name>two&#10;lines\t\"q\"</name>",
        )
        .replace(
            &format!("<uuid>{}</uuid>", sim.vm("debian-02")["uuid"]),
            "<uuid>11111111-2222-3333-4444-555555555556</uuid>",
        )
        .replace(
            "</domain>",
            "<description>a&#10;b&#13;c&#9;d</description></domain>",
        );
    let vmx = c
        .connect_domain_xml_to_native("vmware-vmx", &xml, 0)
        .unwrap();
    let file = esx_driver::vmx::VmxFile::parse(vmx.as_bytes()).unwrap();
    assert_eq!(file.text("annotation").unwrap(), "a\nb\rc\td");
    assert!(!vmx.contains("two\nlines"));
    let d = c.domains().domain_define_xml_flags(&xml, 0).unwrap();
    assert_eq!(d.name, "two\nlines\t\"q\"");
    let back = c.domains().domain_get_xml_desc(&d, 0).unwrap();
    assert!(
        back.contains("<description>a\nb\rc\td</description>"),
        "{back}"
    );
}
