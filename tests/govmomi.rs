// SPDX-License-Identifier: LGPL-2.1-or-later
//! A second, independent server: govmomi's simulator (vcsim), in ESX and
//! vCenter mode, with its default certificate (a 1024-bit RSA key). esx-sim
//! is the main test server; this one keeps it honest. Where vcsim lacks a
//! feature the driver's error must say so clearly.

mod common;

use common::{Password, Vcsim, VCSIM_PASSWORD};
use esx_driver::driver::config::{ParamValue, Params, TypedParam};
use esx_driver::driver::flags::esxDomainVcpuFlags::ESX_DOMAIN_VCPU_MAXIMUM;
use esx_driver::driver::{Connection, DomainRef};
use esx_driver::error::{Code, Error};

fn open(uri: &str) -> esx_driver::Result<Connection> {
    Connection::open(uri, Some(&mut Password(VCSIM_PASSWORD)), false)
}

/// What one operation is expected to do on vcsim.
#[derive(Debug, Clone, Copy)]
enum Expect {
    Ok,
    /// A clear error: this code, and this text in the message.
    Refused(Code, &'static str),
}

struct Matrix {
    mode: &'static str,
    rows: Vec<(String, Result<String, Error>, Expect)>,
}

impl Matrix {
    fn new(mode: &'static str) -> Matrix {
        Matrix {
            mode,
            rows: Vec::new(),
        }
    }

    fn run<T: std::fmt::Debug>(
        &mut self,
        op: &str,
        expect: Expect,
        r: esx_driver::Result<T>,
    ) -> Option<T> {
        let (shown, value) = match r {
            Ok(v) => (Ok(format!("{v:?}")), Some(v)),
            Err(e) => (Err(e), None),
        };
        self.rows.push((op.to_string(), shown, expect));
        value
    }

    /// Checks every row; prints the matrix for the record.
    fn check(&self) -> Vec<(String, String)> {
        let mut failures = Vec::new();
        let mut table = Vec::new();
        for (op, r, expect) in &self.rows {
            let cell = match (r, expect) {
                (Ok(_), Expect::Ok) => "ok".to_string(),
                (Err(e), Expect::Refused(code, needle))
                    if e.code() == *code && e.message().contains(needle) =>
                {
                    format!("clear error ({code:?}: {needle})")
                }
                (r, expect) => {
                    failures.push(format!(
                        "{} {op}: expected {expect:?}, got {r:?}",
                        self.mode
                    ));
                    "UNEXPECTED".to_string()
                }
            };
            table.push((op.clone(), cell));
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        table
    }
}

/// The matrix on one connection: reads, lifecycle, snapshots, XML.
fn matrix(mode: &'static str, c: &Connection, vm: &str, autostart: Expect) -> Matrix {
    let mut m = Matrix::new(mode);
    let all = m
        .run("list --all", Expect::Ok, c.connect_list_all_domains(0))
        .unwrap_or_default();
    assert!(all.iter().any(|d| d.name == vm), "{vm} in {all:?}");
    let d: DomainRef = m
        .run(
            "lookup by name",
            Expect::Ok,
            c.domains().domain_lookup_by_name(vm),
        )
        .expect("the VM");
    m.run(
        "lookup by UUID",
        Expect::Ok,
        c.domains().domain_lookup_by_uuid(&d.uuid),
    );
    m.run(
        "lookup by ID",
        Expect::Ok,
        c.domains().domain_lookup_by_id(d.id),
    );
    m.run("nodeinfo", Expect::Ok, c.node().node_get_info());
    m.run("hostname", Expect::Ok, c.connect_get_hostname());
    m.run("capabilities", Expect::Ok, c.connect_get_capabilities());
    m.run("dominfo", Expect::Ok, c.domains().domain_get_info(&d));
    m.run("domstate", Expect::Ok, c.domains().domain_get_state(&d, 0));
    m.run(
        "max memory",
        Expect::Ok,
        c.domains().domain_get_max_memory(&d),
    );
    m.run(
        "vcpucount",
        Expect::Ok,
        c.domains().domain_get_vcpus_flags(&d, 0),
    );
    m.run(
        "vcpucount --maximum",
        Expect::Ok,
        c.domains()
            .domain_get_vcpus_flags(&d, ESX_DOMAIN_VCPU_MAXIMUM as u32),
    );
    m.run(
        "schedinfo",
        Expect::Ok,
        c.domains().domain_get_scheduler_parameters_flags(&d, 16, 0),
    );
    m.run(
        "memtune",
        Expect::Ok,
        c.domains()
            .domain_get_memory_parameters(&d, 16, 0)
            .map(Params::into_values),
    );
    m.run("autostart", autostart, c.domains().domain_get_autostart(&d));
    m.run(
        "domhostname",
        Expect::Refused(Code::AgentUnresponsive, "VMware Tools is not running"),
        c.domains().domain_get_hostname(&d, 0),
    );
    m.run(
        "schedinfo --set shares=500",
        Expect::Ok,
        c.domains().domain_set_scheduler_parameters_flags(
            &d,
            &[TypedParam::new("shares", ParamValue::Int(500))],
            0,
        ),
    );
    let after = m
        .run(
            "schedinfo after --set",
            Expect::Ok,
            c.domains().domain_get_scheduler_parameters_flags(&d, 16, 0),
        )
        .unwrap_or_default();
    assert!(after
        .iter()
        .any(|p| p.name == "shares" && p.value == ParamValue::Int(500)));
    m.run(
        "destroy",
        Expect::Ok,
        c.domains().domain_destroy_flags(&d, 0),
    );
    m.run(
        "start",
        Expect::Ok,
        c.domains().domain_create_with_flags(&d, 0),
    );
    m.run("suspend", Expect::Ok, c.domains().domain_suspend(&d));
    m.run("resume", Expect::Ok, c.domains().domain_resume(&d));
    let state = c.domains().domain_get_state(&d, 0).expect("state").0;
    assert_eq!(state, 1, "running again");
    m.run(
        "snapshot-create-as",
        Expect::Ok,
        c.snapshots().domain_snapshot_create_xml(
            &d,
            "<domainsnapshot><name>s1</name></domainsnapshot>",
            0,
        ),
    );
    let names = m
        .run(
            "snapshot-list",
            Expect::Ok,
            c.snapshots().domain_list_all_snapshots(&d, 0),
        )
        .unwrap_or_default();
    assert_eq!(names, ["s1"]);
    m.run(
        "snapshot-current",
        Expect::Ok,
        c.snapshots().domain_snapshot_current(&d, 0),
    );
    m.run(
        "snapshot-revert",
        Expect::Ok,
        c.snapshots().domain_revert_to_snapshot(&d, "s1", 0),
    );
    m.run(
        "snapshot-delete",
        Expect::Ok,
        c.snapshots().domain_snapshot_delete(&d, "s1", 0),
    );
    m.run(
        "dumpxml",
        // vcsim keeps every .vmx empty.
        Expect::Refused(Code::OperationFailed, "is empty"),
        c.domains().domain_get_xml_desc(&d, 0),
    );
    let vmx = "config.version = \"8\"\nvirtualHW.version = \"13\"\ndisplayName = \"n\"\n\
               memsize = \"512\"\nscsi0.present = \"TRUE\"\nscsi0:0.present = \"TRUE\"\n\
               scsi0:0.fileName = \"disk.vmdk\"\nguestOS = \"other\"\n";
    m.run(
        "domxml-from-native",
        Expect::Ok,
        c.connect_domain_xml_from_native("vmware-vmx", vmx, 0),
    );
    // Storage: the pools, a listing of volumes, a disk's life.
    let pools = m
        .run(
            "pool-list",
            Expect::Ok,
            c.storage().connect_list_all_storage_pools(0),
        )
        .unwrap_or_default();
    if let Some(p) = pools.first() {
        m.run(
            "pool-info",
            Expect::Ok,
            c.storage().storage_pool_get_info(p),
        );
        m.run(
            "pool-dumpxml",
            Expect::Ok,
            c.storage().storage_pool_get_xml_desc(p, 0),
        );
        m.run(
            "vol-list",
            Expect::Ok,
            c.storage().storage_pool_list_all_volumes(p, 0),
        );
        let made = m.run(
            "vol-create-as",
            Expect::Ok,
            c.storage().storage_vol_create_xml(
                p,
                "<volume><name>govmomi/new.vmdk</name><capacity unit='M'>1</capacity>\
                 <allocation>0</allocation></volume>",
                0,
            ),
        );
        if let Some(v) = made {
            // vcsim reports no capacityKb and makes empty descriptors: the
            // capacity is unknown, never 0 (tests/nothing_lost.rs).
            m.run(
                "vol-info",
                Expect::Refused(Code::OperationFailed, "VmDiskFileInfo.capacityKb"),
                c.storage().storage_vol_get_info(&v),
            );
            m.run(
                "vol-delete",
                Expect::Ok,
                c.storage().storage_vol_delete(&v, 0),
            );
        }
    }
    // vcsim refuses RegisterVM_Task for an uploaded .vmx (NotFound): the
    // error says so, and the upload is removed and confirmed gone.
    let ds = c.datastore_mounts().expect("datastores")[0].name.clone();
    let xml = format!(
        "<domain type='vmware'><name>defined-1</name><memory unit='KiB'>524288</memory>\
         <vcpu>1</vcpu><os><type>hvm</type></os><devices><disk type='file' device='disk'>\
         <source file='[{ds}] {vm}/defined-1.vmdk'/><target dev='sda' bus='scsi'/></disk>\
         <controller type='scsi' index='0' model='lsilogic'/></devices></domain>"
    );
    m.run(
        "define (vcsim refuses the registration)",
        Expect::Refused(Code::OperationFailed, "Could not define domain 'defined-1'"),
        c.domains().domain_define_xml_flags(&xml, 0),
    );
    let upload =
        esx_driver::vi::datastore::DatastorePath::parse(&format!("[{ds}] {vm}/defined-1.vmx"))
            .unwrap();
    let dc = c.scope().unwrap().datacenter_path.clone();
    assert!(
        !esx_driver::vi::datastore::exists(c.client(), &dc, &upload).unwrap(),
        "the refused .vmx was left behind"
    );
    m
}

fn print(esx: &[(String, String)], vc: &[(String, String)]) {
    eprintln!("| operation | ESX mode | vCenter mode |\n|---|---|---|");
    for ((op, a), (_, b)) in esx.iter().zip(vc) {
        eprintln!("| {op} | {a} | {b} |");
    }
}

#[test]
fn operation_matrix_in_esx_and_vcenter_mode() {
    let Some(esx) = Vcsim::start(true) else {
        return;
    };
    let Some(vc) = Vcsim::start(false) else {
        return;
    };
    let c = open(&esx.uri("esx", "", "no_verify=1")).expect("open ESX mode");
    // vcsim 0.24 has no HostAutoStartManager in either mode.
    let no_autostart = Expect::Refused(Code::OperationUnsupported, "autoStartManager");
    let esx_table = matrix("ESX", &c, "ha-host_VM0", no_autostart).check();
    let c = open(&vc.uri("vpx", "DC0/DC0_H0", "no_verify=1")).expect("open vCenter mode");
    let vc_table = matrix("vCenter", &c, "DC0_H0_VM0", no_autostart).check();
    print(&esx_table, &vc_table);
}

/// vcsim's default certificate has a 1024-bit RSA key: no_verify=1,
/// thumbprint= and cacert= with it all connect; default verification
/// refuses it, with advice.
#[test]
fn the_default_1024_bit_certificate() {
    let Some(vc) = Vcsim::start(true) else {
        return;
    };
    for params in [
        "no_verify=1".to_string(),
        format!("thumbprint={}", vc.sha1),
        format!("thumbprint={}", vc.sha256),
        format!("cacert={}", vc.cert.display()),
    ] {
        let c = open(&vc.uri("esx", "", &params)).unwrap_or_else(|e| panic!("{params}: {e}"));
        assert_eq!(c.connect_list_all_domains(0).unwrap().len(), 2, "{params}");
    }
    let e = open(&vc.uri("esx", "", "")).unwrap_err();
    assert_eq!(e.code(), Code::Rpc);
    for needle in ["thumbprint=", "cacert=", "no_verify=1", &vc.sha256] {
        assert!(e.message().contains(needle), "{needle}: {}", e.message());
    }
}

/// With vpx://vc/dc/host, lookups and operations see only that host's VMs,
/// as `list --all` does.
#[test]
fn vcenter_scope_is_the_named_host() {
    let Some(vc) = Vcsim::start(false) else {
        return;
    };
    let standalone = open(&vc.uri("vpx", "DC0/DC0_H0", "no_verify=1")).unwrap();
    let names: Vec<String> = standalone
        .connect_list_all_domains(0)
        .unwrap()
        .into_iter()
        .map(|d| d.name)
        .collect();
    assert_eq!(names, ["DC0_H0_VM0", "DC0_H0_VM1"]);
    // A VM of the cluster, seen from a connection that can reach it.
    let cluster_host = open(&vc.uri("vpx", "DC0/DC0_C0/DC0_C0_H0", "no_verify=1")).unwrap();
    let elsewhere: Vec<DomainRef> = ["DC0_C0_RP0_VM0", "DC0_C0_RP0_VM1"]
        .iter()
        .filter_map(|n| {
            // The cluster's VMs run on one of its hosts; find one on H0 or
            // take any (a VM on another host of the cluster is out of scope
            // for both connections below either way).
            open(&vc.uri("vpx", "DC0/DC0_C0/DC0_C0_H1", "no_verify=1"))
                .ok()
                .and_then(|c| c.domains().domain_lookup_by_name(n).ok())
                .or_else(|| cluster_host.domains().domain_lookup_by_name(n).ok())
                .or_else(|| {
                    open(&vc.uri("vpx", "DC0/DC0_C0/DC0_C0_H2", "no_verify=1"))
                        .ok()
                        .and_then(|c| c.domains().domain_lookup_by_name(n).ok())
                })
        })
        .collect();
    assert_eq!(elsewhere.len(), 2, "each cluster VM is on exactly one host");
    for d in &elsewhere {
        let missing = |r: esx_driver::Result<DomainRef>| {
            let e = r.expect_err(&d.name);
            assert_eq!(e.code(), Code::NoDomain, "{}: {e}", d.name);
        };
        missing(standalone.domains().domain_lookup_by_name(&d.name));
        missing(standalone.domains().domain_lookup_by_uuid(&d.uuid));
        if d.id > 0 {
            missing(standalone.domains().domain_lookup_by_id(d.id));
        }
        // A handle from elsewhere cannot be used to act on it either.
        for e in [
            standalone.domains().domain_destroy_flags(d, 0).unwrap_err(),
            standalone
                .domains()
                .domain_create_with_flags(d, 0)
                .unwrap_err(),
            standalone
                .snapshots()
                .domain_snapshot_create_xml(d, "<domainsnapshot><name>x</name></domainsnapshot>", 0)
                .unwrap_err(),
            standalone.domains().domain_get_info(d).unwrap_err(),
        ] {
            assert_eq!(e.code(), Code::NoDomain, "{}: {e}", d.name);
        }
    }
    // The standalone host's own VMs are found every way.
    let own = standalone
        .domains()
        .domain_lookup_by_name("DC0_H0_VM0")
        .unwrap();
    assert_eq!(
        standalone
            .domains()
            .domain_lookup_by_uuid(&own.uuid)
            .unwrap()
            .name,
        own.name
    );
    assert_eq!(
        standalone
            .domains()
            .domain_lookup_by_id(own.id)
            .unwrap()
            .name,
        own.name
    );
}

/// Every property view of the declared schema, read from govmomi's
/// simulator (an independent implementation of the VI API) for every object
/// of its type, decodes with the generated readers: the schema's
/// optionality and types hold for a server nobody here wrote. vcsim has no
/// HostAutoStartManager: that view is proved by pyvmomi's type tables
/// (tests/schema_peers.rs) and esx-sim.
#[test]
fn every_view_decodes_what_govmomis_simulator_sends() {
    use esx_driver::vi::property;
    use esx_driver::vi::vim25::VIEWS;
    let Some(sim) = Vcsim::start(true) else {
        return;
    };
    let c = open(&sim.uri("esx", "", "no_verify=1")).expect("open");
    let host = c.scope().expect("scope").host.clone();
    let vms: Vec<_> = c
        .connect_list_all_domains(0)
        .expect("list")
        .into_iter()
        .map(|d| d.moref)
        .collect();
    let datastores: Vec<_> = property::retrieve_one(c.client(), &host, &["datastore"])
        .expect("host datastores")
        .and_then(|o| o.prop("datastore").cloned())
        .map(|v| {
            v.items()
                .into_iter()
                .filter_map(|m| m.as_moref().cloned())
                .collect()
        })
        .unwrap_or_default();
    assert!(!vms.is_empty() && !datastores.is_empty());
    let mut read = 0;
    for (name, ty, paths, reader) in VIEWS {
        let objects = match *ty {
            "VirtualMachine" => vms.clone(),
            "HostSystem" => vec![host.clone()],
            "Datastore" => datastores.clone(),
            "HostAutoStartManager" => continue,
            "HostNetworkSystem" => vec![c
                .scope()
                .expect("scope")
                .network_system
                .clone()
                .expect("vcsim's host has a network system")],
            other => panic!("view {name} of {other}: add its objects here"),
        };
        for obj in &objects {
            let o = property::retrieve_one(c.client(), obj, paths)
                .unwrap_or_else(|e| panic!("{name} of {obj}: {e}"))
                .unwrap_or_else(|| panic!("{name}: {obj} is gone"));
            reader(&o).unwrap_or_else(|e| panic!("view {name} of {obj} from vcsim: {e}"));
            read += 1;
        }
    }
    assert!(read > 40, "only {read} views were read");
}

/// Domain events against govmomi's simulator, in ESX and vCenter mode:
/// the inventory is read before the watcher starts (a power-off and -on
/// right after it are both reported, nothing else), an idle watcher asks
/// for waits of a minute, a stop cancels the wait in progress, and a close
/// with a watcher leaves no session behind.
#[test]
fn events_from_govmomis_simulator() {
    let Some(esx) = Vcsim::start(true) else {
        return;
    };
    let uri = esx.uri("esx", "", "no_verify=1");
    events_on(&uri, "ha-host_VM0");
    // vCenter mode: the view is over the named host.
    let Some(vc) = Vcsim::start(false) else {
        return;
    };
    events_on(&vc.uri("vpx", "DC0/DC0_H0", "no_verify=1"), "DC0_H0_VM0");
}

fn events_on(uri: &str, vm: &str) {
    use esx_driver::driver::events::{kind, DomainEvent};
    let c = open(uri).expect("open");
    let watch = |c: &Connection| {
        let (tx, rx) = std::sync::mpsc::channel();
        let tx = std::sync::Mutex::new(tx);
        let w = c
            .watch_domains(std::sync::Arc::new(move |e| {
                let _ = tx.lock().unwrap().send(e);
            }))
            .expect("watch");
        (w, rx)
    };
    let (w, rx) = watch(&c);
    let d = c.domains().domain_lookup_by_name(vm).expect("VM");
    c.domains().domain_destroy_flags(&d, 0).expect("power off");
    c.domains()
        .domain_create_with_flags(&d, 0)
        .expect("power on");
    let mut got = Vec::new();
    while got.len() < 2 {
        match rx.recv_timeout(std::time::Duration::from_secs(10)) {
            Ok(DomainEvent::Lifecycle { dom, event, .. }) => got.push((dom.name, event)),
            Ok(other) => panic!("{uri}: {other:?}"),
            Err(_) => break,
        }
    }
    assert_eq!(
        got,
        [
            (vm.to_string(), kind::STOPPED),
            (vm.to_string(), kind::STARTED)
        ],
        "{uri}"
    );
    // Stopped while its one-minute wait is in progress: the host ends the
    // wait when asked (CancelWaitForUpdates).
    let start = std::time::Instant::now();
    while !w.waiting() {
        assert!(start.elapsed() < std::time::Duration::from_secs(30));
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert!(w.stop(), "{uri}: the wait in progress was not cancelled");
    // A close with a watcher: its session ends (the host then refuses it).
    let (_w, _rx) = watch(&c);
    let key = client_session_key(&c);
    c.connect_close();
    let other = open(uri).expect("open another");
    assert!(
        !session_listed(&other, &key),
        "{uri}: the closed connection's session is still logged in"
    );
}

/// The session key of a connection (SessionManager.currentSession).
fn client_session_key(c: &Connection) -> String {
    let sm = c
        .client()
        .service()
        .session_manager
        .clone()
        .expect("a session manager");
    let o = esx_driver::vi::property::retrieve_one(c.client(), &sm, &["currentSession"])
        .expect("currentSession")
        .expect("session manager");
    o.prop("currentSession")
        .and_then(|s| s.str_field("key"))
        .expect("a session key")
        .to_string()
}

/// Whether SessionManager.sessionList names this key.
fn session_listed(c: &Connection, key: &str) -> bool {
    let sm = c
        .client()
        .service()
        .session_manager
        .clone()
        .expect("a session manager");
    let o = esx_driver::vi::property::retrieve_one(c.client(), &sm, &["sessionList"])
        .expect("sessionList")
        .expect("session manager");
    o.prop("sessionList")
        .map(|l| l.items().iter().any(|s| s.str_field("key") == Some(key)))
        .unwrap_or(false)
}
