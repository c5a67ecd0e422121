// SPDX-License-Identifier: LGPL-2.1-or-later
//! Domain XML through the host (issue 5): dumpxml of every default VM,
//! define under a new name and UUID, dumpxml again, undefine; native-format
//! conversion; and every refusal leaving the host as it was.

mod common;

use common::{Password, Sim, PASSWORD};
use esx_driver::driver::Connection;
use esx_driver::error::Code;

fn setup() -> (Sim, Connection) {
    let sim = Sim::with_args(&["--task-ms", "20"]);
    let c = sim.connect("");
    (sim, c)
}

/// The XML with the lines naming the domain's identity left out.
fn without_identity(xml: &str) -> Vec<String> {
    xml.lines()
        .filter(|l| {
            let t = l.trim();
            !(t.starts_with("<name>") || t.starts_with("<uuid>") || t.starts_with("<vmware:moref>"))
        })
        .map(|l| l.replace(" id='1'", "").replace(" id='3'", ""))
        .collect()
}

fn rename(xml: &str, from: &str, to: &str, uuid: &str) -> String {
    xml.lines()
        .map(|l| {
            let t = l.trim();
            if t == format!("<name>{from}</name>") {
                format!("  <name>{to}</name>")
            } else if t.starts_with("<uuid>") {
                format!("  <uuid>{uuid}</uuid>")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn dumpxml_define_dumpxml_undefine_for_every_default_vm() {
    let (sim, c) = setup();
    for (i, vm) in [
        "alpine-01",
        "debian-02",
        "win2019-03",
        "serial-04",
        "copied-05",
    ]
    .iter()
    .enumerate()
    {
        let d = c.domains().domain_lookup_by_name(vm).unwrap();
        sim.reset_stats();
        let xml = c.domains().domain_get_xml_desc(&d, 0).unwrap();
        let stats = sim.stats();
        assert_eq!(stats["total"], 3, "VM, datastores, file: {stats:?}");
        assert!(xml.contains(&format!("<name>{vm}</name>")), "{xml}");
        assert!(xml.contains("<vmware:datacenterpath>ha-datacenter</vmware:datacenterpath>"));
        let running = sim.vm(vm)["power"] != "poweredOff";
        assert_eq!(
            xml.contains(" id='"),
            running,
            "{vm}: the ID only while it runs"
        );
        assert!(
            !c.domains()
                .domain_get_xml_desc(&d, 2)
                .unwrap()
                .contains(" id='"),
            "--inactive"
        );

        let copy = format!("copy-{i}");
        let uuid = format!("11111111-2222-3333-4444-00000000000{i}");
        let nd = c
            .domains()
            .domain_define_xml_flags(&rename(&xml, vm, &copy, &uuid), 0)
            .unwrap();
        assert_eq!(nd.name, copy);
        assert_eq!(esx_driver::driver::domain::format_uuid(&nd.uuid), uuid);
        assert_eq!(sim.vm(&copy)["power"], "poweredOff");
        let again = c.domains().domain_get_xml_desc(&nd, 0).unwrap();
        assert!(again.contains(&format!("<uuid>{uuid}</uuid>")), "{again}");
        let mut want = without_identity(&xml);
        want.retain(|l| !l.contains(" id='"));
        let first = want.iter().position(|l| l.starts_with("<domain")).unwrap();
        want[first] =
            "<domain type='vmware' xmlns:vmware='http://libvirt.org/schemas/domain/vmware/1.0'>"
                .into();
        assert_eq!(without_identity(&again), want, "{vm}");

        // Undefine: the VM goes, its files stay.
        let file = format!("{}/{copy}.vmx", sim.vm(vm)["dir"]);
        assert!(std::path::Path::new(&file).exists(), "{file}");
        c.domains().domain_undefine_flags(&nd, 0).unwrap();
        assert_eq!(
            c.domains().domain_lookup_by_name(&copy).unwrap_err().code(),
            Code::NoDomain
        );
        assert!(std::path::Path::new(&file).exists(), "the files stay");
    }
    assert_eq!(sim.sessions()["filters"], 0);
}

#[test]
fn define_refuses_and_leaves_nothing_behind() {
    let (sim, c) = setup();
    let d = c.domains().domain_lookup_by_name("debian-02").unwrap();
    let xml = c.domains().domain_get_xml_desc(&d, 0).unwrap();
    let dir = sim.vm("debian-02")["dir"].clone();
    let files = || {
        let mut v: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    let before = files();
    sim.reset_stats();

    // The same name, or the same UUID.
    let e = c.domains().domain_define_xml_flags(&xml, 0).unwrap_err();
    assert_eq!(e.code(), Code::OperationInvalid);
    assert!(e.to_string().contains("already exists"), "{e}");
    let e = c
        .domains()
        .domain_define_xml_flags(
            &rename(&xml, "debian-02", "other", &sim.vm("debian-02")["uuid"]),
            0,
        )
        .unwrap_err();
    assert_eq!(e.code(), Code::OperationInvalid);
    assert!(e.to_string().contains("UUID"), "{e}");
    // No file-based disk to place the .vmx by.
    let no_disk = "<domain type='vmware'><name>x</name><memory>4096</memory><os><type>hvm</type></os></domain>";
    assert_eq!(
        c.domains()
            .domain_define_xml_flags(no_disk, 0)
            .unwrap_err()
            .code(),
        Code::InvalidArg
    );
    // Not XML, not VMware, unknown flags.
    assert_eq!(
        c.domains()
            .domain_define_xml_flags("<domain", 0)
            .unwrap_err()
            .code(),
        Code::XmlError
    );
    assert_eq!(
        c.domains()
            .domain_define_xml_flags("<domain type='kvm'><name>k</name></domain>", 0)
            .unwrap_err()
            .code(),
        Code::ConfigUnsupported
    );
    assert_eq!(
        c.domains()
            .domain_define_xml_flags(&xml, 2)
            .unwrap_err()
            .code(),
        Code::InvalidArg
    );
    assert_eq!(sim.count("RegisterVM_Task"), 0);
    assert_eq!(files(), before);

    // A .vmx of that name already there.
    std::fs::write(format!("{dir}/taken.vmx"), "config.version = \"8\"\n").unwrap();
    let e = c
        .domains()
        .domain_define_xml_flags(
            &rename(
                &xml,
                "debian-02",
                "taken",
                "11111111-2222-3333-4444-555555555555",
            ),
            0,
        )
        .unwrap_err();
    assert!(e.to_string().contains("already exists"), "{e}");
    assert_eq!(
        std::fs::read_to_string(format!("{dir}/taken.vmx")).unwrap(),
        "config.version = \"8\"\n",
        "not overwritten"
    );

    // The host refuses the registration: the uploaded file is removed.
    sim.control("action=fault&method=RegisterVM_Task&kind=soap&type=InvalidDatastorePath");
    let e = c
        .domains()
        .domain_define_xml_flags(
            &rename(
                &xml,
                "debian-02",
                "refused",
                "11111111-2222-3333-4444-666666666666",
            ),
            0,
        )
        .unwrap_err();
    assert!(e.to_string().contains("InvalidDatastorePath"), "{e}");
    assert!(!std::path::Path::new(&format!("{dir}/refused.vmx")).exists());
    assert_eq!(
        c.domains()
            .domain_lookup_by_name("refused")
            .unwrap_err()
            .code(),
        Code::NoDomain
    );

    // Undefine: not while running; unknown flags.
    let a = c.domains().domain_lookup_by_name("alpine-01").unwrap();
    let e = c.domains().domain_undefine_flags(&a, 0).unwrap_err();
    assert_eq!(e.code(), Code::OperationInvalid);
    assert!(
        e.to_string().contains("not suspended or powered off"),
        "{e}"
    );
    assert_eq!(
        c.domains().domain_undefine_flags(&d, 4).unwrap_err().code(),
        Code::InvalidArg
    );
    assert_eq!(sim.vm("alpine-01")["power"], "poweredOn");
    // Suspended is fine, as libvirt allows.
    let w = c.domains().domain_lookup_by_name("win2019-03").unwrap();
    c.domains().domain_undefine_flags(&w, 1).unwrap();
    assert_eq!(
        c.domains()
            .domain_lookup_by_name("win2019-03")
            .unwrap_err()
            .code(),
        Code::NoDomain
    );

    let ro = Connection::open(&sim.uri(""), Some(&mut Password(PASSWORD)), true).unwrap();
    let rd = ro.domains().domain_lookup_by_name("debian-02").unwrap();
    assert_eq!(
        ro.domains()
            .domain_undefine_flags(&rd, 0)
            .unwrap_err()
            .code(),
        Code::OperationDenied
    );
}

#[test]
fn native_format_conversion() {
    let (sim, c) = setup();
    let d = c.domains().domain_lookup_by_name("serial-04").unwrap();
    let xml = c.domains().domain_get_xml_desc(&d, 0).unwrap();
    let vmx = c
        .connect_domain_xml_to_native("vmware-vmx", &xml, 0)
        .unwrap();
    assert!(
        vmx.contains("virtualHW.version = \"19\""),
        "the host's newest: {vmx}"
    );
    assert!(vmx.contains("displayName = \"serial-04\""), "{vmx}");
    assert!(
        vmx.contains("/vmfs/volumes/"),
        "datastore paths become mount paths: {vmx}"
    );
    let back = c
        .connect_domain_xml_from_native("vmware-vmx", &vmx, 0)
        .unwrap();
    let strip = |x: &str| {
        x.lines()
            .filter(|l| !l.contains("vmware:") && !l.contains("<domain"))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(strip(&back), strip(&xml));

    assert_eq!(
        c.connect_domain_xml_to_native("qemu-argv", &xml, 0)
            .unwrap_err()
            .code(),
        Code::InvalidArg
    );
    assert_eq!(
        c.connect_domain_xml_from_native("vmware-vmx", "x = \"unterminated", 0)
            .unwrap_err()
            .code(),
        Code::ConfSyntax
    );
    // A bare file name is relative to the .vmx, whose place a bare config
    // does not tell: libvirt's "[?] ?" stands for it.
    let rel = "config.version = \"8\"\nvirtualHW.version = \"13\"\nscsi0.present = \"true\"\nscsi0:0.present = \"true\"\nscsi0:0.fileName = \"d.vmdk\"\n";
    assert!(c
        .connect_domain_xml_from_native("vmware-vmx", rel, 0)
        .unwrap()
        .contains("<source file='[?] ?/d.vmdk'/>"));
    let _ = sim;
}

/// esx-sim's RegisterVM_Task faults, as ESX gives them, seen through the
/// driver's task waiting.
#[test]
fn register_faults_of_the_host() {
    let (sim, c) = setup();
    let scope = c.scope().unwrap().clone();
    let register = |path: &str, name: &str| -> esx_driver::Result<()> {
        let t = esx_driver::vi::methods::register_vm_task(
            c.client(),
            &scope.vm_folder,
            path,
            Some(name),
            scope.resource_pool.as_ref().expect("resource pool"),
            Some(&scope.host),
        )?;
        esx_driver::vi::task::wait_for_task(
            c.client(),
            &t,
            None,
            &esx_driver::vi::task::AutoAnswer(false),
            "the host",
            "register",
        )
        .map(|_| ())
    };
    let fault = |r: esx_driver::Result<()>| r.unwrap_err().fault().map(str::to_string);
    assert_eq!(
        fault(register("not a path", "x")).as_deref(),
        Some("InvalidDatastorePath")
    );
    assert_eq!(
        fault(register("[datastore1] nope/nope.vmx", "x")).as_deref(),
        Some("NotFound")
    );
    let existing = sim.vm("debian-02")["vmx_path"].clone();
    assert_eq!(
        fault(register(&existing, "alpine-01")).as_deref(),
        Some("DuplicateName")
    );
    // And a real registration of the same file under a new name works.
    register(&existing, "debian-twin").unwrap();
    assert_eq!(sim.vm("debian-twin")["memory_mb"], "2048");
}

/// The generation ID survives XML → VMX → XML (libvirt's writer drops it).
#[test]
fn genid_round_trips() {
    let (_sim, c) = setup();
    let xml = "<domain type='vmware'><name>g</name>\
               <uuid>564d9bef-acd9-b4e0-c8f7-723c6a79f9c3</uuid>\
               <genid>8987940a-0951-2cc5-e816-1825ef7e8133</genid>\
               <memory>524288</memory><os><type>hvm</type></os></domain>";
    let vmx = c
        .connect_domain_xml_to_native("vmware-vmx", xml, 0)
        .unwrap();
    assert!(vmx.contains("vm.genid = \"-8536691797830587195\""), "{vmx}");
    let back = c
        .connect_domain_xml_from_native("vmware-vmx", &vmx, 0)
        .unwrap();
    assert!(
        back.contains("<genid>8987940a-0951-2cc5-e816-1825ef7e8133</genid>"),
        "{back}"
    );
    let e = c
        .connect_domain_xml_to_native("vmware-vmx", &xml.replace("8987940a", "zz"), 0)
        .unwrap_err();
    assert!(e.message().contains("Malformed genid"), "{e}");
}
