// SPDX-License-Identifier: LGPL-2.1-or-later
//! Snapshots (issue 6): a tree of depth 3 and width 3 built through the
//! driver, every listing flag against the expected names, revert and delete
//! with each flag, and the simulator's tree afterwards.

mod common;

use common::Sim;
use esx_driver::driver::flags::esxDomainSnapshotCreateFlags::*;
use esx_driver::driver::flags::esxDomainSnapshotDeleteFlags::*;
use esx_driver::driver::flags::esxDomainSnapshotListFlags::*;
use esx_driver::driver::flags::esxDomainSnapshotXMLFlags::*;
use esx_driver::driver::flags::ESX_DOMAIN_SNAPSHOT_LIST_DESCENDANTS as LIST_DESCENDANTS;
use esx_driver::driver::{Connection, DomainRef};
use esx_driver::error::Code;

const CREATE_DISK_ONLY: u32 = ESX_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY as u32;
const CREATE_QUIESCE: u32 = ESX_DOMAIN_SNAPSHOT_CREATE_QUIESCE as u32;
const DELETE_CHILDREN: u32 = ESX_DOMAIN_SNAPSHOT_DELETE_CHILDREN as u32;
const DELETE_CHILDREN_ONLY: u32 = ESX_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY as u32;
const DELETE_METADATA_ONLY: u32 = ESX_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY as u32;
const LIST_ACTIVE: u32 = ESX_DOMAIN_SNAPSHOT_LIST_ACTIVE as u32;
const LIST_DISK_ONLY: u32 = ESX_DOMAIN_SNAPSHOT_LIST_DISK_ONLY as u32;
const LIST_EXTERNAL: u32 = ESX_DOMAIN_SNAPSHOT_LIST_EXTERNAL as u32;
const LIST_INACTIVE: u32 = ESX_DOMAIN_SNAPSHOT_LIST_INACTIVE as u32;
const LIST_INTERNAL: u32 = ESX_DOMAIN_SNAPSHOT_LIST_INTERNAL as u32;
const LIST_LEAVES: u32 = ESX_DOMAIN_SNAPSHOT_LIST_LEAVES as u32;
const LIST_METADATA: u32 = ESX_DOMAIN_SNAPSHOT_LIST_METADATA as u32;
const LIST_NO_LEAVES: u32 = ESX_DOMAIN_SNAPSHOT_LIST_NO_LEAVES as u32;
const LIST_NO_METADATA: u32 = ESX_DOMAIN_SNAPSHOT_LIST_NO_METADATA as u32;
const LIST_ROOTS: u32 = ESX_DOMAIN_SNAPSHOT_LIST_ROOTS as u32;
const LIST_TOPOLOGICAL: u32 = ESX_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL as u32;
const XML_SECURE: u32 = ESX_DOMAIN_SNAPSHOT_XML_SECURE as u32;

fn setup() -> (Sim, Connection) {
    let sim = Sim::with_args(&["--task-ms", "20"]);
    let c = sim.connect("");
    (sim, c)
}

fn xml(name: &str, desc: &str) -> String {
    format!("<domainsnapshot><name>{name}</name><description>{desc}</description></domainsnapshot>")
}

/// The simulator's tree: (name, parent name, state) in its order.
fn sim_tree(sim: &Sim, vm: &str) -> Vec<(String, String, String)> {
    sim.vm_lines(vm)
        .into_iter()
        .filter_map(|l| {
            let v = l.strip_prefix("snapshot=")?;
            let p: Vec<&str> = v.splitn(4, '|').collect();
            Some((p[0].to_string(), p[1].to_string(), p[2].to_string()))
        })
        .collect()
}

fn names(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// root -> c1, c2, c3 -> c1g1..c3g3: depth 3, width 3 (13 snapshots).
fn build_tree(c: &Connection, d: &DomainRef) {
    c.snapshots()
        .domain_snapshot_create_xml(d, &xml("root", "the root"), 0)
        .unwrap();
    for i in 1..=3 {
        c.snapshots()
            .domain_revert_to_snapshot(d, "root", 0)
            .unwrap();
        c.snapshots()
            .domain_snapshot_create_xml(d, &xml(&format!("c{i}"), ""), 0)
            .unwrap();
        for j in 1..=3 {
            c.snapshots()
                .domain_revert_to_snapshot(d, &format!("c{i}"), 0)
                .unwrap();
            c.snapshots()
                .domain_snapshot_create_xml(d, &xml(&format!("c{i}g{j}"), ""), 0)
                .unwrap();
        }
    }
}

fn all_names() -> Vec<String> {
    let mut v = vec!["root".to_string()];
    for i in 1..=3 {
        v.push(format!("c{i}"));
        for j in 1..=3 {
            v.push(format!("c{i}g{j}"));
        }
    }
    v
}

#[test]
fn listing_flags_on_a_tree_of_depth_and_width_three() {
    let (sim, c) = setup();
    let d = c.domains().domain_lookup_by_name("debian-02").unwrap();
    assert_eq!(
        c.snapshots().domain_list_all_snapshots(&d, 0).unwrap(),
        Vec::<String>::new()
    );
    assert!(!c.snapshots().domain_has_current_snapshot(&d, 0).unwrap());
    assert_eq!(
        code(c.snapshots().domain_snapshot_current(&d, 0)),
        Code::NoDomainSnapshot
    );
    build_tree(&c, &d);
    assert_eq!(sim.vm("debian-02")["snapshot_count"], "13");

    // The whole tree, one request.
    sim.reset_stats();
    let all = c.snapshots().domain_list_all_snapshots(&d, 0).unwrap();
    assert_eq!(sim.stats()["total"], 1);
    assert_eq!(all, all_names(), "depth-first, parents before children");
    assert_eq!(
        c.snapshots()
            .domain_list_all_snapshots(&d, LIST_TOPOLOGICAL)
            .unwrap(),
        all_names()
    );
    assert_eq!(
        c.snapshots()
            .domain_list_all_snapshots(&d, LIST_ROOTS)
            .unwrap(),
        names(&["root"])
    );
    let leaves: Vec<String> = all_names()
        .into_iter()
        .filter(|n| n.contains('g'))
        .collect();
    assert_eq!(
        c.snapshots()
            .domain_list_all_snapshots(&d, LIST_LEAVES)
            .unwrap(),
        leaves
    );
    assert_eq!(
        c.snapshots()
            .domain_list_all_snapshots(&d, LIST_NO_LEAVES)
            .unwrap(),
        names(&["root", "c1", "c2", "c3"])
    );
    assert_eq!(
        c.snapshots()
            .domain_list_all_snapshots(&d, LIST_LEAVES | LIST_NO_LEAVES)
            .unwrap(),
        all_names()
    );
    assert_eq!(
        c.snapshots()
            .domain_list_all_snapshots(&d, LIST_ROOTS | LIST_LEAVES)
            .unwrap(),
        Vec::<String>::new()
    );
    // libvirt keeps no metadata for ESX snapshots.
    assert_eq!(
        c.snapshots()
            .domain_list_all_snapshots(&d, LIST_METADATA)
            .unwrap(),
        Vec::<String>::new()
    );
    assert_eq!(
        c.snapshots()
            .domain_list_all_snapshots(&d, LIST_NO_METADATA)
            .unwrap(),
        all_names()
    );
    // debian-02 is off: every snapshot is of an inactive domain, internal.
    assert_eq!(
        c.snapshots()
            .domain_list_all_snapshots(&d, LIST_INACTIVE)
            .unwrap(),
        all_names()
    );
    assert_eq!(
        c.snapshots()
            .domain_list_all_snapshots(&d, LIST_ACTIVE)
            .unwrap(),
        Vec::<String>::new()
    );
    assert_eq!(
        c.snapshots()
            .domain_list_all_snapshots(&d, LIST_DISK_ONLY)
            .unwrap(),
        Vec::<String>::new()
    );
    assert_eq!(
        c.snapshots()
            .domain_list_all_snapshots(&d, LIST_INTERNAL)
            .unwrap(),
        all_names()
    );
    assert_eq!(
        c.snapshots()
            .domain_list_all_snapshots(&d, LIST_EXTERNAL)
            .unwrap(),
        Vec::<String>::new()
    );
    assert_eq!(
        code(c.snapshots().domain_list_all_snapshots(&d, 4096)),
        Code::InvalidArg
    );

    assert_eq!(
        c.snapshots()
            .domain_snapshot_list_all_children(&d, "root", 0)
            .unwrap(),
        names(&["c1", "c2", "c3"])
    );
    assert_eq!(
        c.snapshots()
            .domain_snapshot_list_all_children(&d, "root", LIST_DESCENDANTS)
            .unwrap(),
        all_names()[1..].to_vec()
    );
    assert_eq!(
        c.snapshots()
            .domain_snapshot_list_all_children(&d, "c2", LIST_LEAVES)
            .unwrap(),
        names(&["c2g1", "c2g2", "c2g3"])
    );
    assert_eq!(
        c.snapshots()
            .domain_snapshot_list_all_children(&d, "root", LIST_DESCENDANTS | LIST_NO_LEAVES)
            .unwrap(),
        names(&["c1", "c2", "c3"])
    );
    assert_eq!(
        c.snapshots()
            .domain_snapshot_list_all_children(&d, "c1g1", 0)
            .unwrap(),
        Vec::<String>::new()
    );
    assert_eq!(
        code(
            c.snapshots()
                .domain_snapshot_list_all_children(&d, "nope", 0)
        ),
        Code::NoDomainSnapshot
    );

    assert_eq!(
        c.snapshots().domain_snapshot_current(&d, 0).unwrap(),
        "c3g3"
    );
    assert!(c.snapshots().domain_has_current_snapshot(&d, 0).unwrap());
    assert!(c
        .snapshots()
        .domain_snapshot_is_current(&d, "c3g3", 0)
        .unwrap());
    assert!(!c
        .snapshots()
        .domain_snapshot_is_current(&d, "c3", 0)
        .unwrap());
    assert_eq!(
        c.snapshots()
            .domain_snapshot_get_parent(&d, "c2g1", 0)
            .unwrap(),
        "c2"
    );
    assert_eq!(
        c.snapshots()
            .domain_snapshot_get_parent(&d, "c2", 0)
            .unwrap(),
        "root"
    );
    assert_eq!(
        code(c.snapshots().domain_snapshot_get_parent(&d, "root", 0)),
        Code::NoDomainSnapshot
    );
    assert!(!c
        .snapshots()
        .domain_snapshot_has_metadata(&d, "c2", 0)
        .unwrap());
    assert_eq!(
        c.snapshots()
            .domain_snapshot_lookup_by_name(&d, "c1g2", 0)
            .unwrap(),
        "c1g2"
    );
    assert_eq!(
        code(c.snapshots().domain_snapshot_lookup_by_name(&d, "nope", 0)),
        Code::NoDomainSnapshot
    );
    assert_eq!(
        code(c.snapshots().domain_snapshot_lookup_by_name(&d, "c1", 1)),
        Code::InvalidArg
    );

    let x = c
        .snapshots()
        .domain_snapshot_get_xml_desc(&d, "root", 0)
        .unwrap();
    assert!(x.contains("<name>root</name>"), "{x}");
    assert!(x.contains("<description>the root</description>"), "{x}");
    assert!(x.contains("<state>shutoff</state>"), "{x}");
    assert!(!x.contains("<parent>"), "{x}");
    assert!(x.contains(&sim.vm("debian-02")["uuid"]), "{x}");
    let x = c
        .snapshots()
        .domain_snapshot_get_xml_desc(&d, "c1g1", XML_SECURE)
        .unwrap();
    assert!(
        x.contains("<parent>\n    <name>c1</name>\n  </parent>"),
        "{x}"
    );
    let created: i64 = x
        .split("<creationTime>")
        .nth(1)
        .and_then(|r| r.split('<').next())
        .and_then(|t| t.parse().ok())
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!((now - created).abs() < 120, "{created} vs {now}");

    // The simulator agrees on the shape.
    let tree = sim_tree(&sim, "debian-02");
    assert_eq!(tree.len(), 13);
    assert!(tree.contains(&("c3g2".into(), "c3".into(), "poweredOff".into())));
    assert!(tree.contains(&("c1".into(), "root".into(), "poweredOff".into())));
}

fn code<T: std::fmt::Debug>(r: esx_driver::Result<T>) -> Code {
    r.expect_err("expected an error").code()
}

#[test]
fn delete_with_each_flag() {
    let (sim, c) = setup();
    let d = c.domains().domain_lookup_by_name("debian-02").unwrap();
    build_tree(&c, &d);

    // Alone: the children move up to the parent.
    c.snapshots().domain_snapshot_delete(&d, "c1", 0).unwrap();
    let tree = sim_tree(&sim, "debian-02");
    assert_eq!(tree.len(), 12);
    for g in ["c1g1", "c1g2", "c1g3"] {
        assert!(
            tree.contains(&(g.into(), "root".into(), "poweredOff".into())),
            "{tree:?}"
        );
    }
    assert_eq!(
        c.snapshots()
            .domain_snapshot_list_all_children(&d, "root", 0)
            .unwrap(),
        names(&["c1g1", "c1g2", "c1g3", "c2", "c3"])
    );

    // With its children.
    c.snapshots()
        .domain_snapshot_delete(&d, "c2", DELETE_CHILDREN)
        .unwrap();
    assert!(!sim_tree(&sim, "debian-02")
        .iter()
        .any(|(n, ..)| n.starts_with("c2")));
    assert_eq!(sim.vm("debian-02")["snapshot_count"], "8");

    // Only its children; c3g3 was current, so c3 becomes current.
    c.snapshots()
        .domain_snapshot_delete(&d, "c3", DELETE_CHILDREN_ONLY)
        .unwrap();
    assert_eq!(sim.vm("debian-02")["snapshot_count"], "5");
    assert_eq!(
        c.snapshots()
            .domain_snapshot_list_all_children(&d, "c3", 0)
            .unwrap(),
        Vec::<String>::new()
    );
    assert_eq!(c.snapshots().domain_snapshot_current(&d, 0).unwrap(), "c3");

    // Metadata only: nothing on the host changes.
    sim.reset_stats();
    c.snapshots()
        .domain_snapshot_delete(&d, "root", DELETE_METADATA_ONLY)
        .unwrap();
    assert_eq!(sim.count("RemoveSnapshot_Task"), 0);
    assert_eq!(sim.vm("debian-02")["snapshot_count"], "5");

    // Bad input changes nothing.
    assert_eq!(
        code(c.snapshots().domain_snapshot_delete(
            &d,
            "root",
            DELETE_CHILDREN | DELETE_CHILDREN_ONLY
        )),
        Code::InvalidArg
    );
    assert_eq!(
        code(c.snapshots().domain_snapshot_delete(&d, "root", 8)),
        Code::InvalidArg
    );
    assert_eq!(
        code(c.snapshots().domain_snapshot_delete(&d, "nope", 0)),
        Code::NoDomainSnapshot
    );
    assert_eq!(
        code(
            c.snapshots()
                .domain_snapshot_delete(&d, "nope", DELETE_METADATA_ONLY)
        ),
        Code::NoDomainSnapshot
    );
    assert_eq!(sim.count("RemoveSnapshot_Task"), 0);

    // The current snapshot alone: its parent becomes current.
    c.snapshots().domain_snapshot_delete(&d, "c3", 0).unwrap();
    assert_eq!(
        c.snapshots().domain_snapshot_current(&d, 0).unwrap(),
        "root"
    );
    c.snapshots()
        .domain_snapshot_delete(&d, "root", DELETE_CHILDREN)
        .unwrap();
    assert_eq!(sim.vm("debian-02")["snapshot_count"], "0");
    assert!(!c.snapshots().domain_has_current_snapshot(&d, 0).unwrap());
    assert_eq!(sim.sessions()["filters"], 0);
}

#[test]
fn memory_snapshots_and_revert_restore_the_power_state() {
    let (sim, c) = setup();
    let a = c.domains().domain_lookup_by_name("alpine-01").unwrap();
    c.snapshots()
        .domain_snapshot_create_xml(&a, &xml("live", "with memory"), 0)
        .unwrap();
    c.snapshots()
        .domain_snapshot_create_xml(&a, &xml("disk", ""), CREATE_DISK_ONLY)
        .unwrap();
    c.snapshots()
        .domain_snapshot_create_xml(&a, &xml("quiet", ""), CREATE_QUIESCE)
        .unwrap();
    let tree = sim_tree(&sim, "alpine-01");
    assert_eq!(tree[0], ("live".into(), "".into(), "poweredOn".into()));
    assert_eq!(tree[1], ("disk".into(), "live".into(), "poweredOff".into()));
    assert_eq!(
        c.snapshots()
            .domain_list_all_snapshots(&a, LIST_ACTIVE)
            .unwrap(),
        names(&["live", "quiet"])
    );
    assert!(c
        .snapshots()
        .domain_snapshot_get_xml_desc(&a, "live", 0)
        .unwrap()
        .contains("<state>running</state>"));

    c.snapshots()
        .domain_revert_to_snapshot(&a, "disk", 0)
        .unwrap();
    assert_eq!(sim.vm("alpine-01")["power"], "poweredOff");
    assert_eq!(c.domains().domain_get_info(&a).unwrap().state, 5);
    c.snapshots()
        .domain_revert_to_snapshot(&a, "live", 0)
        .unwrap();
    assert_eq!(sim.vm("alpine-01")["power"], "poweredOn");
    assert_eq!(
        c.snapshots().domain_snapshot_current(&a, 0).unwrap(),
        "live"
    );

    // Flags libvirt's ESX driver does not offer.
    sim.reset_stats();
    for f in [1, 2, 4, 8, 32, 128, 256] {
        assert_eq!(
            code(
                c.snapshots()
                    .domain_snapshot_create_xml(&a, &xml("x", ""), f)
            ),
            Code::InvalidArg,
            "{f}"
        );
    }
    assert_eq!(
        code(c.snapshots().domain_revert_to_snapshot(&a, "live", 1)),
        Code::InvalidArg
    );
    // Bad XML, disks, an existing name: refused before any task.
    assert_eq!(
        code(
            c.snapshots()
                .domain_snapshot_create_xml(&a, "<domainsnapshot>", 0)
        ),
        Code::XmlError
    );
    assert_eq!(
        code(c.snapshots().domain_snapshot_create_xml(
            &a,
            "<domainsnapshot><disks><disk name='sda'/></disks></domainsnapshot>",
            0
        )),
        Code::ConfigUnsupported
    );
    let e = c
        .snapshots()
        .domain_snapshot_create_xml(&a, &xml("live", ""), 0)
        .unwrap_err();
    assert_eq!(e.code(), Code::OperationInvalid);
    assert!(
        e.to_string().contains("Snapshot 'live' already exists"),
        "{e}"
    );
    assert_eq!(sim.count("CreateSnapshot_Task"), 0);
    assert_eq!(sim.count("RevertToSnapshot_Task"), 0);
    // No name: libvirt's rule, the current time.
    let n = c
        .snapshots()
        .domain_snapshot_create_xml(&a, "<domainsnapshot/>", 0)
        .unwrap();
    assert!(n.parse::<u64>().is_ok(), "{n}");

    // Quiescing needs VMware Tools: the host's fault comes back.
    sim.control("action=set_tools&vm=alpine-01&running=0");
    let e = c
        .snapshots()
        .domain_snapshot_create_xml(&a, &xml("q2", ""), CREATE_QUIESCE)
        .unwrap_err();
    assert!(e.to_string().contains("ToolsUnavailable"), "{e}");
}

#[test]
fn hostile_names_and_duplicates_made_elsewhere() {
    let (sim, c) = setup();
    let d = c.domains().domain_lookup_by_name("serial-04").unwrap();
    let name = "a<b>&\"c' é\u{1F600}";
    let desc = "desc <with> & \"quotes\"";
    let doc = format!(
        "<domainsnapshot><name>{}</name><description>{}</description></domainsnapshot>",
        esx_driver::vi::soap::escape(name),
        esx_driver::vi::soap::escape(desc)
    );
    assert_eq!(
        c.snapshots()
            .domain_snapshot_create_xml(&d, &doc, 0)
            .unwrap(),
        name
    );
    assert_eq!(
        c.snapshots().domain_list_all_snapshots(&d, 0).unwrap(),
        vec![name.to_string()]
    );
    let line = sim
        .vm_lines("serial-04")
        .into_iter()
        .find(|l| l.starts_with("snapshot="))
        .unwrap();
    assert_eq!(line, format!("snapshot={name}||poweredOff|{desc}"));
    let x = c
        .snapshots()
        .domain_snapshot_get_xml_desc(&d, name, 0)
        .unwrap();
    assert!(roxmltree::Document::parse(&x).is_ok(), "{x}");

    // Another client (vSphere allows it) makes a duplicate name.
    for n in 2..=3 {
        esx_driver::vi::methods::create_snapshot_task(
            c.client(),
            &d.moref,
            "dup",
            None,
            false,
            false,
        )
        .unwrap();
        let want = n.to_string();
        sim.wait_vm("serial-04", "a snapshot named dup", |v| {
            v["snapshot_count"] == want && v["pending_tasks"] == "0"
        });
    }
    sim.wait_vm("serial-04", "two snapshots named dup", |v| {
        v["snapshot_count"] == "3" && v["pending_tasks"] == "0"
    });
    // Reads take the first, as libvirt's ESX driver does; changes refuse.
    assert_eq!(
        c.snapshots()
            .domain_snapshot_lookup_by_name(&d, "dup", 0)
            .unwrap(),
        "dup"
    );
    let e = c
        .snapshots()
        .domain_snapshot_delete(&d, "dup", 0)
        .unwrap_err();
    assert_eq!(e.code(), Code::OperationInvalid);
    assert!(e.to_string().contains("not unique"), "{e}");
    assert_eq!(
        code(c.snapshots().domain_revert_to_snapshot(&d, "dup", 0)),
        Code::OperationInvalid
    );
    assert_eq!(sim.vm("serial-04")["snapshot_count"], "3");
}

/// esxsh snapshot-list (names, parents, creation times) costs the same
/// number of requests for 3 snapshots as for 13: the handles a listing
/// returns answer parent and XML questions from the tree it read.
#[test]
fn snapshot_list_costs_a_constant_number_of_requests() {
    let sim = Sim::with_args(&["--task-ms", "1"]);
    let Some(e) = common::Esxsh::new(&sim) else {
        return;
    };
    let c = sim.connect("");
    let d = c.domains().domain_lookup_by_name("debian-02").unwrap();
    let mut counts = Vec::new();
    for n in 1..=13 {
        // A chain with a branch: each new snapshot is a child of the current.
        let xml = format!("<domainsnapshot><name>s{n}</name></domainsnapshot>");
        c.snapshots()
            .domain_snapshot_create_xml(&d, &xml, 0)
            .unwrap();
        if n == 3 || n == 13 {
            for args in [
                &["snapshot-list", "debian-02"][..],
                &["snapshot-list", "debian-02", "--tree"],
            ] {
                sim.reset_stats();
                let (out, err) = e.run(args);
                assert!(out.contains(&format!("s{n}")), "{out}{err}");
                counts.push(sim.count("total"));
            }
        }
    }
    assert_eq!(
        counts[0], counts[2],
        "plain listing: 3 vs 13 snapshots: {counts:?}"
    );
    assert_eq!(
        counts[1], counts[3],
        "tree listing: 3 vs 13 snapshots: {counts:?}"
    );
    assert!(counts[2] <= 8, "{counts:?}");
}
