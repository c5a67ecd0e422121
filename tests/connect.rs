// SPDX-License-Identifier: LGPL-2.1-or-later
//! Connecting, node information, listing and lookup against esx-sim, with
//! the round trips each costs.

mod common;

use common::{Password, Sim, PASSWORD};
use esx_driver::driver::flags::esxConnectListAllDomainsFlags::*;
use esx_driver::driver::Connection;
use esx_driver::error::Code;

#[test]
fn opening_costs_two_requests_and_negotiates_the_version() {
    let sim = Sim::start();
    let conn = sim.connect("");
    let s = sim.stats();
    assert_eq!(s["total"], 2, "{s:?}");
    assert_eq!(s.get("GET /sdk/vimServiceVersions.xml"), None);
    assert_eq!(s["RetrieveServiceContent"], 1);
    assert_eq!(s["Login"], 1);
    // RetrieveServiceContent in the oldest version every host speaks, then
    // the host's own.
    assert_eq!(s.get("SOAPAction urn:vim25/4.1"), Some(&1), "{s:?}");
    assert_eq!(s.get("SOAPAction urn:vim25/7.0.3.0"), Some(&1), "{s:?}");
    assert_eq!(conn.client().api_version(), "7.0.3.0");
    assert_eq!(conn.connect_get_type(), "ESX");
    assert_eq!(conn.connect_get_version().unwrap(), 7_000_003);
    drop(conn);
    assert_eq!(sim.count("Logout"), 1);
}

#[test]
fn node_info_hostname_free_memory_capabilities() {
    let sim = Sim::start();
    let conn = sim.connect("");
    let n = conn.node().node_get_info().unwrap();
    assert_eq!(n.model, "Intel Xeon Gold 6230 CPU @ 2.10");
    assert_eq!(n.memory_kib, 256 * 1024 * 1024);
    assert_eq!(
        (n.cpus, n.mhz, n.nodes, n.sockets, n.cores, n.threads),
        (40, 2095, 2, 2, 20, 2)
    );
    assert_eq!(conn.connect_get_hostname().unwrap(), "esx-sim.lab.example");
    let free = conn.node().node_get_free_memory().unwrap();
    // 256 GiB minus the memory of powered-on VMs and the host's own 4 GiB.
    assert_eq!(free, (256u64 * 1024 - 1024 - 4096) * 1024 * 1024);
    let caps = conn.connect_get_capabilities().unwrap();
    assert!(
        caps.contains("<uuid>4c4c4544-0042-3810-8052-b7c04f4d3332</uuid>"),
        "{caps}"
    );
    assert!(caps.contains("<arch>x86_64</arch>"));
    assert!(caps.contains("<arch name='i686'>") && caps.contains("<arch name='x86_64'>"));
    assert!(roxmltree::Document::parse(&caps).is_ok());
}

#[test]
fn list_and_filter_flags() {
    let sim = Sim::start();
    let conn = sim.connect("");
    let names = |f: u32| {
        let mut v: Vec<String> = conn
            .connect_list_all_domains(f)
            .unwrap()
            .into_iter()
            .map(|d| d.name)
            .collect();
        v.sort();
        v
    };
    assert_eq!(names(0).len(), 5);
    assert_eq!(
        names(ESX_CONNECT_LIST_DOMAINS_ACTIVE as u32),
        ["alpine-01", "win2019-03"]
    );
    assert_eq!(
        names(ESX_CONNECT_LIST_DOMAINS_INACTIVE as u32),
        ["copied-05", "debian-02", "serial-04"]
    );
    assert_eq!(
        names(ESX_CONNECT_LIST_DOMAINS_RUNNING as u32),
        ["alpine-01"]
    );
    assert_eq!(
        names(ESX_CONNECT_LIST_DOMAINS_PAUSED as u32),
        ["win2019-03"]
    );
    assert_eq!(names(ESX_CONNECT_LIST_DOMAINS_SHUTOFF as u32).len(), 3);
    assert!(names(ESX_CONNECT_LIST_DOMAINS_OTHER as u32).is_empty());
    assert_eq!(names(ESX_CONNECT_LIST_DOMAINS_PERSISTENT as u32).len(), 5);
    assert!(names(ESX_CONNECT_LIST_DOMAINS_TRANSIENT as u32).is_empty());
    assert!(names(ESX_CONNECT_LIST_DOMAINS_MANAGEDSAVE as u32).is_empty());
    assert_eq!(
        names(ESX_CONNECT_LIST_DOMAINS_NO_MANAGEDSAVE as u32).len(),
        5
    );
    assert_eq!(names(ESX_CONNECT_LIST_DOMAINS_NO_SNAPSHOT as u32).len(), 5);
    assert!(names(ESX_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT as u32).is_empty());
    assert!(names(ESX_CONNECT_LIST_DOMAINS_AUTOSTART as u32).is_empty());
    assert_eq!(names(ESX_CONNECT_LIST_DOMAINS_NO_AUTOSTART as u32).len(), 5);
    let e = conn.connect_list_all_domains(1 << 20).unwrap_err();
    assert_eq!(e.code(), Code::InvalidArg);
    assert!(e.message().contains("0x100000"));
    assert_eq!(conn.connect_num_of_domains().unwrap(), 1);
    assert_eq!(conn.connect_num_of_defined_domains().unwrap(), 4);
    assert_eq!(conn.connect_list_domains(10).unwrap(), vec![1]);
    let mut defined = conn.connect_list_defined_domains(10).unwrap();
    defined.sort();
    assert_eq!(
        defined,
        ["copied-05", "debian-02", "serial-04", "win2019-03"]
    );
    assert_eq!(conn.connect_list_defined_domains(2).unwrap().len(), 2);
    let all = conn.connect_list_all_domains(0).unwrap();
    let alpine = all.iter().find(|d| d.name == "alpine-01").unwrap();
    assert_eq!(alpine.id, 1);
    let win = all.iter().find(|d| d.name == "win2019-03").unwrap();
    assert_eq!(win.id, 3, "a suspended VM keeps its ID");
    let deb = all.iter().find(|d| d.name == "debian-02").unwrap();
    assert_eq!(deb.id, -1);
    assert_eq!(
        esx_driver::driver::domain::format_uuid(&deb.uuid),
        sim.vm("debian-02")["uuid"]
    );
}

#[test]
fn listing_2500_vms_takes_three_requests() {
    let sim = Sim::with_args(&["--vms", "2500"]);
    let conn = sim.connect("");
    sim.reset_stats();
    let all = conn.connect_list_all_domains(0).unwrap();
    assert_eq!(all.len(), 2500);
    let s = sim.stats();
    assert_eq!(s["total"], 3, "{s:?}");
    assert_eq!(s["RetrievePropertiesEx"], 1);
    assert_eq!(s["ContinueRetrievePropertiesEx"], 2);
    let mut names: Vec<&str> = all.iter().map(|d| d.name.as_str()).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 2500);
}

#[test]
fn lookups_and_their_costs() {
    let sim = Sim::start();
    let conn = sim.connect("");
    sim.reset_stats();
    let d = conn.domains().domain_lookup_by_name("debian-02").unwrap();
    assert_eq!(d.id, -1);
    assert_eq!(d.moref.value, "2");
    let first = sim.stats()["total"];
    assert!(
        first <= 3,
        "by name: scope lookup, FindByInventoryPath, one read: {first}"
    );
    sim.reset_stats();
    let again = conn.domains().domain_lookup_by_name("alpine-01").unwrap();
    assert_eq!(again.id, 1);
    assert_eq!(sim.stats()["total"], 2, "FindByInventoryPath and one read");
    sim.reset_stats();
    let by_uuid = conn.domains().domain_lookup_by_uuid(&d.uuid).unwrap();
    assert_eq!(by_uuid.name, "debian-02");
    assert_eq!(sim.stats()["total"], 1, "a VM seen before costs one read");
    sim.reset_stats();
    let by_id = conn.domains().domain_lookup_by_id(1).unwrap();
    assert_eq!(by_id.name, "alpine-01");
    assert_eq!(sim.stats()["total"], 1);

    let fresh = sim.connect("");
    sim.reset_stats();
    let u = fresh.domains().domain_lookup_by_uuid(&d.uuid).unwrap();
    assert_eq!(u.name, "debian-02");
    assert_eq!(sim.stats()["total"], 2, "FindByUuid and one read");

    let e = conn.domains().domain_lookup_by_name("nope").unwrap_err();
    assert_eq!(e.code(), Code::NoDomain);
    assert_eq!(e.message(), "No domain with name 'nope'");
    let e = conn.domains().domain_lookup_by_id(2).unwrap_err();
    assert_eq!(e.code(), Code::NoDomain, "a powered-off VM has no ID");
    assert_eq!(
        conn.domains()
            .domain_lookup_by_id(999)
            .unwrap_err()
            .message(),
        "No domain with ID 999"
    );
    let e = conn.domains().domain_lookup_by_uuid(&[7; 16]).unwrap_err();
    assert_eq!(e.code(), Code::NoDomain);
    assert!(
        e.message().contains("07070707-0707-0707-0707-070707070707"),
        "{}",
        e.message()
    );
}

#[test]
fn bad_password_is_auth_failed() {
    let sim = Sim::start();
    let e = Connection::open(&sim.uri(""), Some(&mut Password("wrong")), false).unwrap_err();
    assert_eq!(e.code(), Code::AuthFailed);
    assert_eq!(e.fault(), Some("InvalidLogin"));
    assert!(e.message().contains("Login as 'root'"), "{}", e.message());
    assert!(
        e.message().contains("incorrect user name or password"),
        "{}",
        e.message()
    );
}

#[test]
fn no_credentials_is_a_clear_error() {
    let sim = Sim::start();
    let e = Connection::open(&sim.uri(""), None, false).unwrap_err();
    assert_eq!(e.code(), Code::AuthFailed);
    assert!(e.message().contains("auth callback"), "{}", e.message());
}

#[test]
fn expired_session_logs_in_again_once() {
    let sim = Sim::start();
    let conn = sim.connect("");
    sim.sim.expire_sessions();
    let all = conn.connect_list_all_domains(0).unwrap();
    assert_eq!(all.len(), 5);
    assert_eq!(sim.count("Login"), 2);
    sim.control("action=expire_sessions");
    assert_eq!(conn.node().node_get_info().unwrap().cpus, 40);
    assert_eq!(sim.count("Login"), 3);
}

#[test]
fn secure_and_encrypted_tell_the_truth() {
    let sim = Sim::start();
    let c = sim.connect("");
    assert!(c.connect_is_encrypted());
    assert!(!c.connect_is_secure(), "no_verify=1 is not secure");
    assert!(c.connect_is_alive());
    let pinned = Connection::open(
        &sim.uri_with(&format!("thumbprint={}", sim.sha256)),
        Some(&mut Password(PASSWORD)),
        false,
    )
    .unwrap();
    assert!(pinned.connect_is_encrypted() && pinned.connect_is_secure());
    let http = Sim::with_args(&["--http"]);
    let h = http.connect("");
    assert!(!h.connect_is_encrypted() && !h.connect_is_secure());
    assert_eq!(h.connect_list_all_domains(0).unwrap().len(), 5);
    h.connect_close();
    assert!(!h.connect_is_alive());
    assert_eq!(
        h.node().node_get_info().unwrap_err().code(),
        Code::InvalidConn
    );
}

/// Records what it was asked, and what the simulator had answered by then.
struct Recorder<'a> {
    sim: Option<&'a Sim>,
    asked: Vec<(esx_driver::driver::CredentialKind, u64)>,
}

impl esx_driver::driver::Authenticator for Recorder<'_> {
    fn supports(&self, _: esx_driver::driver::CredentialKind) -> bool {
        true
    }
    fn ask(
        &mut self,
        req: &esx_driver::driver::CredentialRequest,
    ) -> esx_driver::Result<Option<String>> {
        let answered = self
            .sim
            .map(|s| s.count("RetrieveServiceContent"))
            .unwrap_or(0);
        self.asked.push((req.kind, answered));
        Ok(Some(match req.kind {
            esx_driver::driver::CredentialKind::AuthName => "root".into(),
            _ => PASSWORD.into(),
        }))
    }
}

/// Credentials are asked for only once the host has answered: a wrong port
/// fails without a prompt, and against the simulator the password is asked
/// after RetrieveServiceContent and before Login.
#[test]
fn the_password_is_asked_after_the_host_answered() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let mut r = Recorder {
        sim: None,
        asked: vec![],
    };
    let e = Connection::open(
        &format!("esx://127.0.0.1:{port}/?no_verify=1"),
        Some(&mut r),
        false,
    )
    .unwrap_err();
    assert_eq!(e.code(), Code::Rpc, "{e}");
    assert!(
        r.asked.is_empty(),
        "asked {:?} before reaching the host",
        r.asked
    );

    let sim = Sim::start();
    let mut r = Recorder {
        sim: Some(&sim),
        asked: vec![],
    };
    let uri = sim.uri("").replace("root@", "");
    let c = Connection::open(&uri, Some(&mut r), false).unwrap();
    use esx_driver::driver::CredentialKind::*;
    assert_eq!(r.asked, [(AuthName, 1), (Passphrase, 1)]);
    assert_eq!(sim.count("Login"), 1);
    drop(c);
}

/// A refused password never logs out a session that was not opened, and a
/// plain-HTTP URI aimed at the HTTPS port says so instead of showing the
/// TLS bytes that came back.
#[test]
fn http_to_an_https_port_is_named() {
    let sim = Sim::start();
    let e = Connection::open(
        &sim.uri_with("transport=http"),
        Some(&mut Password(PASSWORD)),
        false,
    )
    .unwrap_err();
    assert_eq!(e.code(), Code::Rpc);
    assert!(
        e.message()
            .contains("answered in TLS: the port speaks HTTPS, not HTTP; remove transport=http"),
        "{e}"
    );
    assert!(!e.message().contains("[21, 3"), "{e}");
    let e = Connection::open(&sim.uri(""), Some(&mut Password("wrong")), false).unwrap_err();
    assert_eq!(e.code(), Code::AuthFailed, "{e}");
    assert_eq!(sim.count("Logout"), 0);
}
