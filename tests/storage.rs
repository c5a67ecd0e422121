//! Storage pools (issue 13): esx-sim's datastores of every kind (VMFS, NFS,
//! NFS 4.1, vSAN) as pools, against the expected values and against
//! libvirt's own ESX storage driver (virsh) where that one works.

mod common;

use common::{Sim, Virsh};
use esx_driver::driver::flags::esxConnectListAllStoragePoolsFlags::*;
use esx_driver::driver::storage::PoolInfo;
use esx_driver::error::Code;

const POOLS: [&str; 4] = ["datastore1", "nfs-iso", "nfs41-backup", "vsanDatastore"];

#[test]
fn every_datastore_is_a_pool_and_listing_them_is_one_request() {
    let sim = Sim::start();
    let c = sim.connect("");
    let s = c.storage();
    // The first call of a connection also finds its host (once).
    s.connect_num_of_storage_pools().unwrap();
    sim.reset_stats();
    let all = s.connect_list_all_storage_pools(0).unwrap();
    assert_eq!(sim.count("total"), 1, "{:?}", sim.stats());
    let names: Vec<&str> = all.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, POOLS);
    assert_eq!(s.connect_num_of_storage_pools().unwrap(), 4);
    assert_eq!(
        s.connect_list_storage_pools(2).unwrap(),
        ["datastore1", "nfs-iso"]
    );
    assert!(s.connect_list_storage_pools(0).unwrap().is_empty());
    assert_eq!(s.connect_num_of_defined_storage_pools().unwrap(), 0);
    assert!(s.connect_list_defined_storage_pools(5).unwrap().is_empty());
    assert_eq!(
        s.connect_list_storage_pools(-1).unwrap_err().code(),
        Code::InvalidArg
    );
    // UUIDs are distinct, and each finds its pool again.
    for p in &all {
        assert_eq!(&s.storage_pool_lookup_by_uuid(&p.uuid).unwrap(), p);
        assert_eq!(&s.storage_pool_lookup_by_name(&p.name).unwrap(), p);
    }
    let e = s.storage_pool_lookup_by_name("nope").unwrap_err();
    assert_eq!(e.code(), Code::NoStoragePool, "{e}");
}

#[test]
fn list_all_filters_by_type_and_state() {
    let sim = Sim::start();
    let c = sim.connect("");
    let s = c.storage();
    let names = |f: u32| -> Vec<String> {
        s.connect_list_all_storage_pools(f)
            .unwrap()
            .into_iter()
            .map(|p| p.name)
            .collect()
    };
    assert_eq!(
        names(ESX_CONNECT_LIST_STORAGE_POOLS_FS as u32),
        ["datastore1"]
    );
    assert_eq!(
        names(ESX_CONNECT_LIST_STORAGE_POOLS_NETFS as u32),
        ["nfs-iso", "nfs41-backup"]
    );
    assert_eq!(
        names(ESX_CONNECT_LIST_STORAGE_POOLS_DIR as u32),
        ["vsanDatastore"]
    );
    assert!(names(ESX_CONNECT_LIST_STORAGE_POOLS_ISCSI as u32).is_empty());
    assert_eq!(names(ESX_CONNECT_LIST_STORAGE_POOLS_ACTIVE as u32).len(), 4);
    assert!(names(ESX_CONNECT_LIST_STORAGE_POOLS_INACTIVE as u32).is_empty());
    assert!(names(ESX_CONNECT_LIST_STORAGE_POOLS_TRANSIENT as u32).is_empty());
    assert_eq!(
        names(ESX_CONNECT_LIST_STORAGE_POOLS_AUTOSTART as u32).len(),
        4
    );
    assert_eq!(
        s.connect_list_all_storage_pools(1 << 25)
            .unwrap_err()
            .code(),
        Code::InvalidArg
    );
}

#[test]
fn pool_info_xml_autostart_and_refresh() {
    let sim = Sim::start();
    let c = sim.connect("");
    let s = c.storage();
    let p = s.storage_pool_lookup_by_name("nfs41-backup").unwrap();
    let info = s.storage_pool_get_info(&p).unwrap();
    assert_eq!(
        info,
        PoolInfo {
            state: 2,
            capacity: 1 << 40,
            allocation: 0,
            available: 1 << 40
        }
    );
    let xml = s.storage_pool_get_xml_desc(&p, 0).unwrap();
    assert!(xml.starts_with("<pool type='netfs'>"), "{xml}");
    assert!(xml.contains("<host name='nas41.example.com'/>"), "{xml}");
    assert!(xml.contains("<dir path='/backup'/>"), "{xml}");
    assert!(xml.contains("<format type='nfs'/>"), "{xml}");
    let vsan = s.storage_pool_lookup_by_name("vsanDatastore").unwrap();
    let xml = s.storage_pool_get_xml_desc(&vsan, 0).unwrap();
    assert!(xml.starts_with("<pool type='dir'>"), "{xml}");
    assert!(xml.contains("<path>/vmfs/volumes/vsan:"), "{xml}");
    assert!(s.storage_pool_get_autostart(&p).unwrap());
    s.storage_pool_set_autostart(&p, true).unwrap();
    assert_eq!(
        s.storage_pool_set_autostart(&p, false).unwrap_err().code(),
        Code::OperationInvalid
    );
    assert!(s.storage_pool_is_active(&p).unwrap());
    assert!(s.storage_pool_is_persistent(&p).unwrap());
    sim.reset_stats();
    s.storage_pool_refresh(&p, 0).unwrap();
    assert_eq!(sim.count("RefreshDatastore"), 1);
    assert_eq!(
        s.storage_pool_refresh(&p, 1).unwrap_err().code(),
        Code::InvalidArg
    );
}

/// A host mount without a path (optional in the VI reference) crashes
/// libvirt's driver; here the pool keeps the path its URL names, and so
/// its UUID.
#[test]
fn a_mount_without_a_path_keeps_the_pool_and_its_uuid() {
    let sim = Sim::start();
    let c = sim.connect("");
    let before = c.storage().connect_list_all_storage_pools(0).unwrap();
    sim.sim.omit(&["HostMountInfo.path"]);
    let after = c.storage().connect_list_all_storage_pools(0).unwrap();
    assert_eq!(before, after);
    let xml = c.storage().storage_pool_get_xml_desc(&after[0], 0).unwrap();
    assert!(
        xml.contains("<path>/vmfs/volumes/5f1e2d3c-4b5a6978-1a2b-001b21aabbcc</path>"),
        "{xml}"
    );
    // Sparse: every optional property left out.
    sim.sim.omit(&[]);
    sim.sim.set_sparse(true);
    let sparse = c.storage().connect_list_all_storage_pools(0).unwrap();
    assert_eq!(before, sparse);
    for p in &sparse {
        c.storage().storage_pool_get_xml_desc(p, 0).unwrap();
        c.storage().storage_pool_get_info(p).unwrap();
    }
}

/// virsh (libvirt's own ESX storage driver) prints what the driver says,
/// for the pools it can show (it refuses NFS 4.1 and vSAN datastores).
#[test]
fn virsh_shows_the_same_pools() {
    let sim = Sim::start();
    let Some(v) = Virsh::new(&sim) else { return };
    let c = sim.connect("");
    let s = c.storage();
    let listed = v.run(&["pool-list", "--all", "--name"]);
    let ours: Vec<String> = s
        .connect_list_storage_pools(100)
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(
        listed
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>(),
        ours
    );
    for name in ["datastore1", "nfs-iso"] {
        let p = s.storage_pool_lookup_by_name(name).unwrap();
        assert_eq!(
            v.run(&["pool-dumpxml", name]).trim_end(),
            s.storage_pool_get_xml_desc(&p, 0).unwrap().trim_end(),
            "pool-dumpxml {name}"
        );
        let uuid = v.run(&["pool-uuid", name]);
        assert_eq!(
            uuid.trim(),
            esx_driver::driver::domain::format_uuid(&p.uuid)
        );
    }
    for name in ["nfs41-backup", "vsanDatastore"] {
        let args = [
            std::ffi::OsStr::new("pool-dumpxml"),
            std::ffi::OsStr::new(name),
        ];
        assert!(v.try_run(&args).is_err(), "libvirt now shows {name}");
        let p = s.storage_pool_lookup_by_name(name).unwrap();
        s.storage_pool_get_xml_desc(&p, 0).unwrap();
    }
}
