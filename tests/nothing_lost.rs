// SPDX-License-Identifier: LGPL-2.1-or-later
//! Nothing lost: storage and streams against servers that behave the other
//! legal way (esx-sim's host modes, and govmomi's simulator). A failed,
//! cut-off or aborted upload leaves the disk byte-identical; an unknown
//! size is never 0; one volume has one name.

mod common;

use common::{Password, Sim, Vcsim, VCSIM_PASSWORD};
use esx_driver::driver::storage::{PoolRef, VolRef};
use esx_driver::driver::stream::VolStream;
use esx_driver::driver::{Connection, Storage};
use esx_driver::error::Code;

fn disk_xml(name: &str, capacity_mib: u64, thin: bool) -> String {
    let alloc = if thin { 0 } else { capacity_mib };
    format!(
        "<volume><name>{name}</name><capacity unit='MiB'>{capacity_mib}</capacity>\
         <allocation unit='MiB'>{alloc}</allocation></volume>"
    )
}

fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

/// The files of a directory of the simulator's datastore, sorted.
fn files_in(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn recv_all(st: &mut VolStream) -> esx_driver::Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; 65536];
    loop {
        let n = st.recv(&mut buf)?;
        if n == 0 {
            return Ok(out);
        }
        out.extend_from_slice(&buf[..n]);
    }
}

/// A disk with known contents on esx-sim: (volume, its data file).
fn disk_with_data(
    sim: &Sim,
    s: &Storage<'_>,
    pool: &PoolRef,
    name: &str,
    data: &[u8],
) -> (VolRef, std::path::PathBuf) {
    let mib = (data.len() >> 20) as u64;
    let v = s
        .storage_vol_create_xml(pool, &disk_xml(name, mib, true), 0)
        .unwrap();
    let mut up = s.storage_vol_upload(&v, 0, 0, 0).unwrap();
    up.send(data).unwrap();
    up.finish().unwrap();
    let flat = sim.datastore_dir.join(format!(
        "datastore1/{}",
        name.replace(".vmdk", "-flat.vmdk")
    ));
    assert_eq!(std::fs::read(&flat).unwrap(), data);
    (v, flat)
}

/// Every way an upload can end short of Finish leaves the disk as it was,
/// on a host that writes a body over the file as it arrives: aborted
/// half-way, aborted with every byte sent, cut short, refused by the host,
/// held by the host past the deadline, freed without Finish. Finish alone
/// commits, and an abort after it is an error (the data is replaced).
#[test]
fn uploads_that_do_not_finish_leave_the_disk_byte_identical() {
    let sim = Sim::with_args(&["--task-ms", "1"]);
    sim.control("action=host_mode&put=in_place");
    let c = sim.connect("read_timeout=2");
    let s = c.storage();
    let ds1 = s.storage_pool_lookup_by_name("datastore1").unwrap();
    let old = pattern(2 << 20, 1);
    let (v, flat) = disk_with_data(&sim, &s, &ds1, "keep/k.vmdk", &old);
    let dir = flat.parent().unwrap().to_path_buf();
    let listing = files_in(&dir);
    let new = pattern(2 << 20, 7);
    let intact = |why: &str| {
        assert_eq!(
            std::fs::read(&flat).unwrap(),
            old,
            "{why}: the disk changed"
        );
        assert_eq!(files_in(&dir), listing, "{why}: a file was left behind");
    };

    // Aborted half-way.
    let mut up = s.storage_vol_upload(&v, 0, 0, 0).unwrap();
    up.send(&new[..1 << 20]).unwrap();
    up.abort().unwrap();
    intact("aborted half-way");
    let e = up.finish().unwrap_err();
    assert_eq!(e.code(), Code::OperationAborted, "Finish after Abort: {e}");
    assert_eq!(up.send(b"x").unwrap_err().code(), Code::OperationAborted);

    // Every byte sent, then aborted: nothing is committed before Finish.
    let mut up = s.storage_vol_upload(&v, 0, 0, 0).unwrap();
    up.send(&new).unwrap();
    up.abort().unwrap();
    intact("aborted after every byte");

    // Every byte sent, then dropped (esxStreamFree) without Finish.
    let mut up = s.storage_vol_upload(&v, 0, 0, 0).unwrap();
    up.send(&new).unwrap();
    drop(up);
    intact("freed without Finish");

    // Cut short: Finish with bytes missing is an error, and stays one.
    let mut up = s.storage_vol_upload(&v, 0, 0, 0).unwrap();
    up.send(&new[..1000]).unwrap();
    let e = up.finish().unwrap_err();
    assert_eq!(e.code(), Code::InvalidArg, "{e}");
    assert!(e.message().contains("1000 of the 2097152 bytes"), "{e}");
    assert_eq!(up.finish().unwrap_err(), e, "a failed Finish stays failed");
    intact("cut short");

    // The host refuses the body (HTTP 500 from the PUT).
    sim.control("action=fault&method=PUT%20/folder&kind=http503");
    let mut up = s.storage_vol_upload(&v, 0, 0, 0).unwrap();
    let _ = up.send(&new);
    let e = up.finish().unwrap_err();
    assert!(e.message().contains("HTTP 503"), "{e}");
    intact("refused by the host");

    // The host takes the whole body and never answers: Finish ends at the
    // URI's read_timeout, not never; the held upload is removed once the
    // host lets it go.
    sim.control("action=fault&method=PUT%20/folder&kind=hold");
    let mut up = s.storage_vol_upload(&v, 0, 0, 0).unwrap();
    up.send(&new).unwrap();
    let e = up.finish().unwrap_err();
    assert_eq!(e.code(), Code::OperationTimeout, "{e}");
    assert_eq!(std::fs::read(&flat).unwrap(), old, "held: the disk changed");
    sim.control("action=release_held");
    wait_for(|| files_in(&dir) == listing, "the held upload's file to go");
    intact("held by the host");

    // Finish commits; after it an abort is an error, not a success.
    let mut up = s.storage_vol_upload(&v, 0, 0, 0).unwrap();
    up.send(&new).unwrap();
    up.finish().unwrap();
    assert_eq!(std::fs::read(&flat).unwrap(), new);
    assert_eq!(files_in(&dir), listing, "no temporary file stays");
    let e = up.abort().unwrap_err();
    assert_eq!(e.code(), Code::OperationInvalid, "{e}");
    assert!(e.message().contains("committed"), "{e}");
}

/// Polls a condition the test cannot hold (a cleanup on the driver's own
/// thread), with a generous bound.
fn wait_for(cond: impl Fn() -> bool, what: &str) {
    let start = std::time::Instant::now();
    while !cond() {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(60),
            "waited 60 s for {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// A host that leaves VmDiskFileInfo.capacityKb out (esx-sim --sparse, as
/// govmomi's simulator does): the capacity comes from the descriptor, an
/// upload sends the data file's whole size (never 0 bytes), and where
/// nothing states the size it is unknown: GetInfo and a resize by delta
/// refuse, naming the property; the XML leaves the element out.
#[test]
fn an_unreported_capacity_is_never_zero() {
    let sim = Sim::with_args(&["--sparse", "--task-ms", "1"]);
    let c = sim.connect("");
    let s = c.storage();
    let ds1 = s.storage_pool_lookup_by_name("datastore1").unwrap();
    let v = s
        .storage_vol_create_xml(&ds1, &disk_xml("cap/c.vmdk", 2, true), 0)
        .unwrap();
    // The XML has the capacity the descriptor states, and leaves out the
    // allocation nobody stated; GetInfo cannot leave it out, so it refuses.
    let xml = s.storage_vol_get_xml_desc(&v, 0).unwrap();
    assert!(
        xml.contains("<capacity unit='bytes'>2097152</capacity>"),
        "{xml}"
    );
    assert!(!xml.contains("<allocation"), "{xml}");
    let e = s.storage_vol_get_info(&v).unwrap_err();
    assert!(e.message().contains("FileInfo.fileSize"), "{e}");
    let data = pattern(2 << 20, 3);
    let mut up = s.storage_vol_upload(&v, 0, 0, 0).unwrap();
    up.send(&data).unwrap();
    up.finish().unwrap();
    let flat = sim.datastore_dir.join("datastore1/cap/c-flat.vmdk");
    assert_eq!(
        std::fs::read(&flat).unwrap(),
        data,
        "the whole disk arrived"
    );
    // A resize by delta grows from the real capacity.
    s.storage_vol_resize(&v, 1 << 20, 2).unwrap();
    sim.control("action=sparse&on=0");
    sim.control("action=omit&fields=VmDiskFileInfo.capacityKb");
    assert_eq!(s.storage_vol_get_info(&v).unwrap().capacity, 3 << 20);

    // A disk whose descriptor states no extent: its capacity is unknown.
    let dir = sim.datastore_dir.join("datastore1/cap");
    std::fs::write(
        dir.join("u.vmdk"),
        "# Disk DescriptorFile\nversion=1\ncreateType=\"vmfs\"\nddb.adapterType = \"lsilogic\"\n",
    )
    .unwrap();
    let u = s.storage_vol_lookup_by_name(&ds1, "cap/u.vmdk").unwrap();
    let e = s.storage_vol_get_info(&u).unwrap_err();
    assert!(
        e.message().contains("capacity") && e.message().contains("VmDiskFileInfo.capacityKb"),
        "{e}"
    );
    let xml = s.storage_vol_get_xml_desc(&u, 0).unwrap();
    assert!(!xml.contains("<capacity"), "unknown is left out: {xml}");
    assert!(xml.contains("<allocation"), "{xml}");
    sim.reset_stats();
    let e = s.storage_vol_resize(&u, 1 << 20, 2).unwrap_err();
    assert!(e.message().contains("VmDiskFileInfo.capacityKb"), "{e}");
    assert_eq!(sim.count("ExtendVirtualDisk_Task"), 0, "nothing was asked");
    let e = s.storage_vol_upload(&u, 0, 0, 0).unwrap_err();
    assert_eq!(e.code(), Code::ArgumentUnsupported, "{e}");
    // An image's capacity is its file size: that is the property named.
    sim.control("action=omit&fields=FileInfo.fileSize");
    let iso_pool = s.storage_pool_lookup_by_name("nfs-iso").unwrap();
    let iso = s
        .storage_vol_lookup_by_name(&iso_pool, "iso/debian-12.iso")
        .unwrap();
    let e = s.storage_vol_get_info(&iso).unwrap_err();
    assert!(e.message().contains("(FileInfo.fileSize)"), "{e}");
    assert!(!e.message().contains("descriptor"), "{e}");
}

/// A listing whose results do not name their folder, or name it in a form
/// the reference does not give, fails and says so; it never names volumes
/// in the wrong directory or leaves them out.
#[test]
fn a_listing_without_its_folders_says_so() {
    let sim = Sim::with_args(&["--task-ms", "1"]);
    let c = sim.connect("");
    let s = c.storage();
    let ds1 = s.storage_pool_lookup_by_name("datastore1").unwrap();
    let all = s.storage_pool_list_all_volumes(&ds1, 0).unwrap();
    assert!(all.iter().any(|v| v.name == "alpine-01/alpine-01.vmdk"));
    sim.control("action=omit&fields=HostDatastoreBrowserSearchResults.folderPath");
    let e = s.storage_pool_list_all_volumes(&ds1, 0).unwrap_err();
    assert!(
        e.message()
            .contains("HostDatastoreBrowserSearchResults.folderPath"),
        "{e}"
    );
    // A lookup searches the volume's own folder: it needs no folder path.
    let v = s
        .storage_vol_lookup_by_name(&ds1, "alpine-01/alpine-01.vmdk")
        .unwrap();
    assert_eq!(v.name, "alpine-01/alpine-01.vmdk");
    sim.control("action=omit&fields=");
    sim.control("action=host_mode&folder_path=plain");
    let e = s.storage_pool_list_all_volumes(&ds1, 0).unwrap_err();
    assert!(
        e.message()
            .contains("not of the form '[datastore] directory'"),
        "{e}"
    );
}

/// One disk, one name, one handle: aliases of an existing disk are refused
/// when creating and when looking up, and a created handle names what the
/// host made (the escaped name), so that acting on it acts on that disk.
#[test]
fn a_volume_has_one_name() {
    let sim = Sim::with_args(&["--task-ms", "1"]);
    let c = sim.connect("");
    let s = c.storage();
    let ds1 = s.storage_pool_lookup_by_name("datastore1").unwrap();
    let victim = sim
        .datastore_dir
        .join("datastore1/alpine-01/alpine-01.vmdk");
    let before = std::fs::read(&victim).unwrap();
    for alias in [
        "alpine-01//alpine-01.vmdk",
        "alpine-01/./alpine-01.vmdk",
        "./alpine-01/alpine-01.vmdk",
        "x/../alpine-01/alpine-01.vmdk",
    ] {
        let e = s
            .storage_vol_create_xml(&ds1, &disk_xml(alias, 1, true), 0)
            .unwrap_err();
        assert_eq!(e.code(), Code::InvalidArg, "{alias}: {e}");
        assert!(e.message().contains("not canonical"), "{alias}: {e}");
        let e = s.storage_vol_lookup_by_name(&ds1, alias).unwrap_err();
        assert_eq!(e.code(), Code::InvalidArg, "{alias}: {e}");
        let e = s
            .storage_vol_lookup_by_path(&format!("[datastore1] {alias}"))
            .unwrap_err();
        assert_eq!(e.code(), Code::InvalidArg, "{alias}: {e}");
    }
    let e = s
        .storage_vol_lookup_by_name(&ds1, "alpine-01//alpine-01.vmdk")
        .unwrap_err();
    assert!(
        e.message()
            .contains("did you mean 'alpine-01/alpine-01.vmdk'"),
        "{e}"
    );
    assert_eq!(std::fs::read(&victim).unwrap(), before);
    // A name ESX escapes: the handle is the escaped name, and resolves to
    // the disk made, not to any other.
    let made = s
        .storage_vol_create_xml(&ds1, &disk_xml("a/b/c?.vmdk", 1, true), 0)
        .unwrap();
    assert_eq!(made.name, "a+JQ-2fb/c_.vmdk");
    assert_eq!(made.path(), "[datastore1] a+JQ-2fb/c_.vmdk");
    assert!(sim
        .datastore_dir
        .join("datastore1/a+JQ-2fb/c_.vmdk")
        .exists());
    let again = s.storage_vol_lookup_by_path(&made.path()).unwrap();
    assert_eq!(again, made);
    s.storage_vol_delete(&made, 0).unwrap();
    assert!(!sim
        .datastore_dir
        .join("datastore1/a+JQ-2fb/c_.vmdk")
        .exists());
    assert_eq!(std::fs::read(&victim).unwrap(), before);
    // A clone's handle is the same kind.
    let src = s
        .storage_vol_create_xml(&ds1, &disk_xml("src/s.vmdk", 1, true), 0)
        .unwrap();
    let copy = s
        .storage_vol_create_xml_from(&ds1, &disk_xml("copies/c 1.vmdk", 1, true), &src, 0)
        .unwrap();
    assert_eq!(copy.name, "copies/c 1.vmdk");
    assert_eq!(s.storage_vol_lookup_by_key(&copy.key).unwrap(), copy);
}

/// vCenter cannot choose a copy's format (CopyVirtualDisk_Task's destSpec
/// is NotImplemented there): a clone of a thick disk copies without one, as
/// libvirt's driver always does; a thin copy is refused, and the directory
/// made for it is removed.
#[test]
fn clones_on_a_host_that_refuses_a_copy_format() {
    let sim = Sim::with_args(&["--task-ms", "1"]);
    sim.control("action=host_mode&copy_spec=refuse");
    let c = sim.connect("");
    let s = c.storage();
    let ds1 = s.storage_pool_lookup_by_name("datastore1").unwrap();
    let src = s
        .storage_vol_create_xml(&ds1, &disk_xml("thick/t.vmdk", 1, false), 0)
        .unwrap();
    let xml = s.storage_vol_get_xml_desc(&src, 0).unwrap();
    let xml = xml.replace("thick/t.vmdk", "clones/t2.vmdk");
    let copy = s.storage_vol_create_xml_from(&ds1, &xml, &src, 0).unwrap();
    assert_eq!(copy.name, "clones/t2.vmdk");
    assert_eq!(s.storage_vol_get_info(&copy).unwrap().capacity, 1 << 20);
    let e = s
        .storage_vol_create_xml_from(&ds1, &disk_xml("thin-copies/t3.vmdk", 1, true), &src, 0)
        .unwrap_err();
    assert_eq!(e.code(), Code::ConfigUnsupported, "{e}");
    assert!(e.message().contains("NotImplemented"), "{e}");
    assert!(
        !sim.datastore_dir.join("datastore1/thin-copies").exists(),
        "the directory made for the refused copy is gone"
    );
}

/// Downloads from hosts that ignore Range, answer without a length, or
/// close early: what arrives is what was asked, or an error.
#[test]
fn downloads_check_what_the_host_sends() {
    let sim = Sim::with_args(&["--task-ms", "1"]);
    let c = sim.connect("");
    let s = c.storage();
    let ds1 = s.storage_pool_lookup_by_name("datastore1").unwrap();
    let data = pattern(1 << 20, 5);
    let (v, _) = disk_with_data(&sim, &s, &ds1, "dl/d.vmdk", &data);

    // Range ignored: from 0 the first bytes are right (and no more are
    // taken); from elsewhere they would be wrong, so it is an error.
    sim.control("action=host_mode&range=ignore");
    let mut st = s.storage_vol_download(&v, 0, 1000, 0).unwrap();
    assert_eq!(recv_all(&mut st).unwrap(), data[..1000]);
    st.finish().unwrap();
    let e = s.storage_vol_download(&v, 10, 1000, 0).unwrap_err();
    assert!(e.message().contains("ignored the byte range"), "{e}");
    sim.control("action=host_mode&range=honour");

    // No Content-Length: the size the descriptor states is what must come.
    sim.control("action=host_mode&delimit=close");
    let mut st = s.storage_vol_download(&v, 0, 0, 0).unwrap();
    assert_eq!(recv_all(&mut st).unwrap(), data);
    st.finish().unwrap();
    let mut st = s.storage_vol_download(&v, 4096, 0, 0).unwrap();
    assert_eq!(recv_all(&mut st).unwrap(), data[4096..]);
    st.finish().unwrap();
    // ... and a close before it is an error, not the end.
    sim.control("action=host_mode&cut=5000");
    let mut st = s.storage_vol_download(&v, 0, 0, 0).unwrap();
    let e = recv_all(&mut st).unwrap_err();
    assert!(e.message().contains("bytes early"), "{e}");
    assert_eq!(st.finish().unwrap_err(), e, "Finish after a failed Recv");
    // With a length announced and a cut, too.
    sim.control("action=host_mode&delimit=length");
    let mut st = s.storage_vol_download(&v, 0, 0, 0).unwrap();
    assert!(recv_all(&mut st).is_err());
    assert!(st.finish().is_err());
    sim.control("action=host_mode&cut=none");
    // A Finish before the end is an error.
    let mut st = s.storage_vol_download(&v, 0, 0, 0).unwrap();
    let mut buf = [0u8; 100];
    st.recv(&mut buf).unwrap();
    assert_eq!(st.finish().unwrap_err().code(), Code::InvalidArg);
    // An offset and length past any file are refused before any request.
    sim.reset_stats();
    let e = s.storage_vol_download(&v, u64::MAX - 5, 10, 0).unwrap_err();
    assert_eq!(e.code(), Code::InvalidArg, "{e}");
}

/// The same safety on govmomi's simulator, which writes uploads as they
/// arrive and reports no capacity: an aborted or cut upload leaves a file
/// byte-identical, in ESX and vCenter mode; keys on vCenter are paths.
#[test]
fn uploads_on_govmomis_simulator_keep_the_file() {
    for esx in [true, false] {
        let Some(vcsim) = Vcsim::start(esx) else {
            return;
        };
        let (scheme, path) = if esx {
            ("esx", "")
        } else {
            ("vpx", "DC0/DC0_H0")
        };
        let c = Connection::open(
            &vcsim.uri(scheme, path, "no_verify=1"),
            Some(&mut Password(VCSIM_PASSWORD)),
            false,
        )
        .unwrap();
        govmomi_uploads(&c, esx);
    }
}

fn govmomi_uploads(c: &Connection, esx: bool) {
    let s = c.storage();
    let pool = s.connect_list_all_storage_pools(0).unwrap().remove(0);
    let dc = c.scope().unwrap().datacenter_path.clone();
    let put = |name: &str, data: &[u8]| {
        let p = esx_driver::vi::datastore::DatastorePath::parse(&format!("[{}] {name}", pool.name))
            .unwrap();
        esx_driver::vi::datastore::upload(c.client(), &dc, &p, data).unwrap();
    };
    let get = |name: &str| {
        let p = esx_driver::vi::datastore::DatastorePath::parse(&format!("[{}] {name}", pool.name))
            .unwrap();
        esx_driver::vi::datastore::download(c.client(), &dc, &p).unwrap()
    };
    // A flat disk of 64 KiB with known data, and an image.
    let old = pattern(64 << 10, 9);
    put(
        "lost/d.vmdk",
        b"# Disk DescriptorFile\nversion=1\ncreateType=\"vmfs\"\nRW 128 VMFS \"d-flat.vmdk\"\n",
    );
    put("lost/d-flat.vmdk", &old);
    put("lost/i.iso", &old);
    let disk = s
        .storage_vol_lookup_by_path(&format!("[{}] lost/d.vmdk", pool.name))
        .unwrap();
    let iso = s
        .storage_vol_lookup_by_path(&format!("[{}] lost/i.iso", pool.name))
        .unwrap();
    if !esx {
        assert!(
            disk.key.starts_with('['),
            "vCenter keys are paths: {disk:?}"
        );
        let e = s.storage_vol_lookup_by_key("6000c29a-0000-0000-0000-000000000000");
        assert!(e.unwrap_err().message().contains("on vCenter"));
    }
    // The capacity vcsim leaves out comes from the descriptor.
    assert_eq!(s.storage_vol_get_info(&disk).unwrap().capacity, 64 << 10);
    let new = pattern(64 << 10, 2);
    for (vol, data_file) in [(&disk, "lost/d-flat.vmdk"), (&iso, "lost/i.iso")] {
        let mut up = s.storage_vol_upload(vol, 0, old.len() as u64, 0).unwrap();
        up.send(&new[..1000]).unwrap();
        up.abort().unwrap();
        assert_eq!(get(data_file), old, "{data_file} after an abort");
        let mut up = s.storage_vol_upload(vol, 0, old.len() as u64, 0).unwrap();
        up.send(&new[..1000]).unwrap();
        assert!(up.finish().is_err());
        assert_eq!(get(data_file), old, "{data_file} after a cut upload");
        let mut up = s.storage_vol_upload(vol, 0, old.len() as u64, 0).unwrap();
        up.send(&new).unwrap();
        up.finish().unwrap();
        assert_eq!(get(data_file), new, "{data_file} after Finish");
        put(data_file, &old);
    }
}

/// Negative counts from the host are its error: calls that must return a
/// number fail naming the property; statistics leave the field out; no
/// value is read as 0.
#[test]
fn negative_host_values_are_never_zero() {
    let sim = Sim::start();
    sim.control("action=set_memory_mb&vm=debian-02&mb=-5");
    sim.control("action=set_num_cpu&vm=alpine-01&n=-1");
    let c = sim.connect("");
    let d = c.domains().domain_lookup_by_name("debian-02").unwrap();
    let e = c.domains().domain_get_info(&d).unwrap_err();
    assert_eq!(e.code(), Code::Rpc, "{e}");
    assert!(
        e.message()
            .contains("config.hardware.memoryMB = -5 for domain 'debian-02'"),
        "{e}"
    );
    assert!(c.domains().domain_get_max_memory(&d).is_err());
    let a = c.domains().domain_lookup_by_name("alpine-01").unwrap();
    let e = c.domains().domain_get_info(&a).unwrap_err();
    assert!(e.message().contains("numCPU = -1"), "{e}");
    let stats = c.domains().connect_get_all_domain_stats(0, 0).unwrap();
    let of = |name: &str| {
        stats
            .iter()
            .find(|s| s.dom.name == name)
            .unwrap()
            .params
            .iter()
            .map(|p| p.name.clone())
            .collect::<Vec<_>>()
    };
    assert!(!of("debian-02")
        .iter()
        .any(|f| f.starts_with("balloon.maximum")));
    assert!(!of("alpine-01").iter().any(|f| f.starts_with("vcpu.")));
    assert!(of("copied-05").iter().any(|f| f == "vcpu.current"));
}

/// A property read answered with a result that means nothing is an error,
/// never an empty inventory.
#[test]
fn a_meaningless_result_is_no_empty_inventory() {
    let sim = Sim::start();
    let c = sim.connect("");
    assert!(!c.connect_list_all_domains(0).unwrap().is_empty());
    sim.control("action=fault&method=RetrievePropertiesEx&kind=junk");
    let e = c.connect_list_all_domains(0).unwrap_err();
    assert_eq!(e.code(), Code::Rpc, "{e}");
    assert!(e.message().contains("no RetrieveResult"), "{e}");
    // Nothing at all is an empty answer, as a host with nothing sends.
    sim.control("action=fault&method=RetrievePropertiesEx&kind=empty");
    assert!(c.connect_list_all_domains(0).unwrap().is_empty());
}

/// Question rules match message ids; a question without one is not
/// matched, and the error says why the rules did not apply.
#[test]
fn question_rules_say_when_they_cannot_apply() {
    let sim = Sim::with_args(&["--task-ms", "1"]);
    let c = sim.connect("auto_answer=0&question_rules=msg.uuid.altered=button.uuid.copiedTheVM");
    let d = c.domains().domain_lookup_by_name("copied-05").unwrap();
    sim.control("action=arm_question&vm=copied-05&kind=noid&method=PowerOnVM_Task");
    let e = c.domains().domain_create_with_flags(&d, 0).unwrap_err();
    assert!(
        e.message()
            .contains("the question rules cannot apply: the question has no message id"),
        "{e}"
    );
    assert_eq!(sim.count("AnswerVM"), 0);
}

/// One disk whose UUID the host cannot give does not fail the listing: it
/// is keyed by its path (as libvirt keys files without a UUID), and found
/// by that key.
#[test]
fn a_disk_without_a_uuid_does_not_fail_the_listing() {
    let sim = Sim::start();
    let c = sim.connect("");
    let s = c.storage();
    let ds1 = s.storage_pool_lookup_by_name("datastore1").unwrap();
    let before = s.storage_pool_list_all_volumes(&ds1, 0).unwrap();
    assert!(before
        .iter()
        .all(|v| !v.key.starts_with('[') || !v.name.ends_with(".vmdk")));
    sim.control("action=fault&method=QueryVirtualDiskUuid&kind=soap&type=FileFault&count=1");
    let after = s.storage_pool_list_all_volumes(&ds1, 0).unwrap();
    assert_eq!(after.len(), before.len());
    let by_path: Vec<_> = after.iter().filter(|v| v.key.starts_with('[')).collect();
    assert_eq!(by_path.len(), 1, "{after:?}");
    assert_eq!(by_path[0].key, by_path[0].path());
    assert_eq!(
        &s.storage_vol_lookup_by_key(&by_path[0].key).unwrap().name,
        &by_path[0].name
    );
}

/// Found by a hostile tester: a descriptor cut short (a close-delimited
/// reply that ends early) must not name another file; a descriptor and a
/// data file that disagree in size are refused before anything is sent.
#[test]
fn a_cut_descriptor_or_a_mismatched_data_file_is_refused() {
    let sim = Sim::with_args(&["--task-ms", "1"]);
    let c = sim.connect("");
    let s = c.storage();
    let ds1 = s.storage_pool_lookup_by_name("datastore1").unwrap();
    let old = pattern(1 << 20, 4);
    let (v, flat) = disk_with_data(&sim, &s, &ds1, "cut/a.vmdk", &old);
    let dir = flat.parent().unwrap().to_path_buf();
    let listing = files_in(&dir);
    let descriptor = std::fs::read_to_string(dir.join("a.vmdk")).unwrap();
    let quote = descriptor.find("\"a-flat.vmdk\"").unwrap();
    // Cut inside the file name: "a-fla.
    sim.control(&format!("action=host_mode&delimit=close&cut={}", quote + 6));
    let e = s.storage_vol_upload(&v, 0, 0, 0).unwrap_err();
    // Cut short, and said so (its size is the browser's): not "another
    // kind of disk".
    assert_eq!(e.code(), Code::OperationFailed, "{e}");
    assert!(
        e.message().contains(&format!(
            "was cut short: {} of its {} bytes arrived",
            quote + 6,
            descriptor.len()
        )),
        "{e}"
    );
    assert!(s.storage_vol_download(&v, 0, 0, 0).is_err());
    sim.control("action=host_mode&delimit=length&cut=none");
    assert_eq!(files_in(&dir), listing);
    assert_eq!(std::fs::read(&flat).unwrap(), old);
    // A descriptor whose extent names an existing file of another size.
    std::fs::write(dir.join("other-flat.vmdk"), b"someone else's data").unwrap();
    std::fs::write(
        dir.join("b.vmdk"),
        descriptor.replace("a-flat.vmdk", "other-flat.vmdk"),
    )
    .unwrap();
    let b = s.storage_vol_lookup_by_name(&ds1, "cut/b.vmdk").unwrap();
    sim.reset_stats();
    let e = s.storage_vol_upload(&b, 0, 0, 0).unwrap_err();
    assert!(e.message().contains("where the descriptor states"), "{e}");
    assert_eq!(sim.count("PUT /folder"), 0, "nothing was sent");
    let e = s.storage_vol_download(&b, 0, 0, 0).unwrap_err();
    assert!(e.message().contains("were expected"), "{e}");
    assert_eq!(
        std::fs::read(dir.join("other-flat.vmdk")).unwrap(),
        b"someone else's data"
    );
    // A descriptor whose data file is gone.
    std::fs::write(
        dir.join("c.vmdk"),
        descriptor.replace("a-flat.vmdk", "gone-flat.vmdk"),
    )
    .unwrap();
    let cv = s.storage_vol_lookup_by_name(&ds1, "cut/c.vmdk").unwrap();
    let e = s.storage_vol_upload(&cv, 0, 0, 0).unwrap_err();
    assert_eq!(e.code(), Code::NoStorageVol, "{e}");
    assert!(!dir.join("gone-flat.vmdk").exists(), "no file was made");
}

/// Found by a hostile tester: an abort from another thread while Finish
/// waits for the host cancels the upload (nothing is committed, Finish
/// says aborted); once Finish is replacing the file, an abort is refused
/// instead of claiming what did not happen.
#[test]
fn an_abort_during_finish_either_cancels_or_is_refused() {
    let sim = Sim::with_args(&["--task-ms", "1"]);
    let c = sim.connect("");
    let s = c.storage();
    let ds1 = s.storage_pool_lookup_by_name("datastore1").unwrap();
    let old = pattern(1 << 20, 6);
    let new = pattern(1 << 20, 9);
    let (v, flat) = disk_with_data(&sim, &s, &ds1, "race/r.vmdk", &old);
    let dir = flat.parent().unwrap().to_path_buf();
    let listing = files_in(&dir);

    // The host holds the PUT's answer: Finish waits; an abort cancels it.
    sim.control("action=fault&method=PUT%20/folder&kind=hold");
    let mut up = s.storage_vol_upload(&v, 0, 0, 0).unwrap();
    up.send(&new).unwrap();
    let control = up.control();
    let finishing = std::thread::spawn(move || up.finish());
    sim.wait_held(1);
    control.abort().unwrap();
    sim.control("action=release_held");
    let e = finishing.join().unwrap().unwrap_err();
    assert_eq!(e.code(), Code::OperationAborted, "{e}");
    assert_eq!(std::fs::read(&flat).unwrap(), old);
    wait_for(
        || files_in(&dir) == listing,
        "the aborted upload's file to go",
    );

    // The host holds the move (Finish is committing): the abort is refused
    // and the file is replaced, as the refusal says.
    sim.control("action=fault&method=MoveDatastoreFile_Task&kind=hold");
    let mut up = s.storage_vol_upload(&v, 0, 0, 0).unwrap();
    up.send(&new).unwrap();
    let control = up.control();
    let finishing = std::thread::spawn(move || up.finish());
    sim.wait_held(1);
    let e = control.abort().unwrap_err();
    assert_eq!(e.code(), Code::OperationInvalid, "{e}");
    assert!(e.message().contains("being committed"), "{e}");
    sim.control("action=release_held");
    finishing.join().unwrap().unwrap();
    assert_eq!(std::fs::read(&flat).unwrap(), new);
}

/// Found by a hostile tester: an abort from another thread wakes a Recv
/// blocked on a host that stalls (the transfer's socket is shut down),
/// without waiting for the read timeout.
#[test]
fn an_abort_wakes_a_recv_blocked_on_a_stalled_host() {
    let sim = Sim::with_args(&["--task-ms", "1"]);
    let c = sim.connect("");
    let s = c.storage();
    let ds1 = s.storage_pool_lookup_by_name("datastore1").unwrap();
    let data = pattern(1 << 20, 2);
    let (v, _) = disk_with_data(&sim, &s, &ds1, "stall/s.vmdk", &data);
    sim.control("action=host_mode&stall=65536");
    let mut down = s.storage_vol_download(&v, 0, 0, 0).unwrap();
    let control = down.control();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut got = 0usize;
        let mut buf = vec![0u8; 16384];
        let end = loop {
            match down.recv(&mut buf) {
                Ok(0) => break Ok(got),
                Ok(n) => got += n,
                Err(e) => break Err(e),
            }
            let _ = tx.send(None);
        };
        let _ = tx.send(Some(end));
    });
    // Until the host stalls: 64 KiB arrived.
    let mut seen = 0;
    while seen < 4 {
        if rx.recv().unwrap().is_none() {
            seen += 1;
        }
    }
    control.abort().unwrap();
    // The host is never released: only the abort can end the Recv. (The
    // bound only turns a hang into a failure.)
    let end = loop {
        match rx.recv_timeout(std::time::Duration::from_secs(60)) {
            Ok(None) => continue,
            Ok(Some(end)) => break end,
            Err(_) => panic!("the Recv was not woken by the abort"),
        }
    };
    let e = end.unwrap_err();
    assert_eq!(e.code(), Code::OperationAborted, "{e}");
    sim.control("action=release_held");
}

/// Found by a hostile tester: names longer than the temporary file's name
/// can carry, a leading space (which a datastore path loses), and a Send
/// past the announced length (which ends the upload).
#[test]
fn long_names_leading_spaces_and_sends_past_the_length() {
    let sim = Sim::with_args(&["--task-ms", "1"]);
    let c = sim.connect("");
    let s = c.storage();
    let ds1 = s.storage_pool_lookup_by_name("datastore1").unwrap();
    let long = format!("long/{}.vmdk", "n".repeat(240));
    let data = pattern(1 << 20, 8);
    let (v, flat) = disk_with_data(&sim, &s, &ds1, &long, &data);
    assert_eq!(v.name, long);
    let (t, _) = disk_with_data(&sim, &s, &ds1, "sp/t.vmdk", &data);
    for alias in [" sp/t.vmdk", "sp/t.vmdk ", "\tsp/t.vmdk"] {
        let e = s.storage_vol_lookup_by_name(&ds1, alias).unwrap_err();
        assert!(e.message().contains("white space"), "{alias:?}: {e}");
    }
    // In a path the spaces after `]` are the separator: the handle found
    // is the file's own, under its canonical name.
    let by_path = s
        .storage_vol_lookup_by_path("[datastore1]  sp/t.vmdk")
        .unwrap();
    assert_eq!(by_path, t);
    // One byte too many: the upload ends, and nothing is committed.
    let mut up = s.storage_vol_upload(&v, 0, 0, 0).unwrap();
    up.send(&data).unwrap();
    let e = up.send(b"x").unwrap_err();
    assert!(e.message().contains("more than the"), "{e}");
    assert_eq!(up.finish().unwrap_err(), e);
    assert_eq!(std::fs::read(&flat).unwrap(), data);
    s.storage_vol_delete(&t, 0).unwrap();
}

/// Found by a hostile tester: another client deletes and re-creates the
/// disk, grows it, or deletes it while an upload is under way. Finish then
/// replaces nothing, says what changed, and deletes the upload: the other
/// client's disk keeps its contents and no data file is left orphaned.
#[test]
fn an_upload_never_lands_on_a_disk_that_changed_meanwhile() {
    let sim = Sim::with_args(&["--task-ms", "1"]);
    let c = sim.connect("");
    let other = sim.connect("");
    let s = c.storage();
    let o = other.storage();
    let ds1 = s.storage_pool_lookup_by_name("datastore1").unwrap();
    let ds1_other = o.storage_pool_lookup_by_name("datastore1").unwrap();
    let new = pattern(1 << 20, 3);
    let dir = sim.datastore_dir.join("datastore1/chg");
    let flat = dir.join("d-flat.vmdk");

    // Deleted and made again (another UUID, the same size).
    let v = s
        .storage_vol_create_xml(&ds1, &disk_xml("chg/d.vmdk", 1, true), 0)
        .unwrap();
    let mut up = s.storage_vol_upload(&v, 0, 0, 0).unwrap();
    up.send(&new).unwrap();
    let theirs = o
        .storage_vol_lookup_by_name(&ds1_other, "chg/d.vmdk")
        .unwrap();
    o.storage_vol_delete(&theirs, 0).unwrap();
    let theirs = o
        .storage_vol_create_xml(&ds1_other, &disk_xml("chg/d.vmdk", 1, true), 0)
        .unwrap();
    assert_ne!(theirs.key, v.key);
    let listing = vec!["d-flat.vmdk".to_string(), "d.vmdk".to_string()];
    let e = up.finish().unwrap_err();
    assert_eq!(e.code(), Code::OperationFailed, "{e}");
    assert!(
        e.message().contains("was replaced during the upload"),
        "{e}"
    );
    assert!(e.message().contains(&theirs.key), "{e}");
    assert!(e.message().contains("nothing was replaced"), "{e}");
    assert_eq!(std::fs::read(&flat).unwrap(), vec![0u8; 1 << 20]);
    assert_eq!(files_in(&dir), listing, "the upload's file was deleted");

    // Grown by the other client.
    let v = theirs;
    let mut up = s.storage_vol_upload(&v, 0, 0, 0).unwrap();
    up.send(&new).unwrap();
    o.storage_vol_resize(&v, 2 << 20, 0).unwrap();
    let e = up.finish().unwrap_err();
    assert_eq!(e.code(), Code::OperationFailed, "{e}");
    assert!(
        e.message()
            .contains("is now 2097152 bytes, where it was 1048576"),
        "{e}"
    );
    assert_eq!(std::fs::read(&flat).unwrap(), vec![0u8; 2 << 20]);
    assert_eq!(files_in(&dir), listing, "the upload's file was deleted");

    // Deleted: no orphan data file appears.
    let mut up = s.storage_vol_upload(&v, 0, 0, 0).unwrap();
    up.send(&pattern(2 << 20, 5)).unwrap();
    o.storage_vol_delete(&v, 0).unwrap();
    let e = up.finish().unwrap_err();
    assert_eq!(e.code(), Code::NoStorageVol, "{e}");
    assert!(e.message().contains("was deleted during the upload"), "{e}");
    let left: Vec<String> = files_in(&dir);
    assert!(left.is_empty(), "files left: {left:?}");
}

/// Found by a hostile tester: the host carries out the move of an upload
/// or a resize and its answer is lost. What the datastore holds then says
/// what happened: done is a success; an answer lost before the host did
/// anything leaves the disk as it was and says so (the upload is deleted),
/// and a capacity unchanged is "unknown", never "nothing happened".
#[test]
fn a_lost_answer_reports_what_the_host_did() {
    let sim = Sim::with_args(&["--task-ms", "1"]);
    let c = sim.connect("");
    let s = c.storage();
    let ds1 = s.storage_pool_lookup_by_name("datastore1").unwrap();
    let old = pattern(1 << 20, 2);
    let (v, flat) = disk_with_data(&sim, &s, &ds1, "lost/l.vmdk", &old);
    let dir = flat.parent().unwrap().to_path_buf();
    let listing = files_in(&dir);
    let new = pattern(1 << 20, 8);

    // The move is done, its answer lost: the upload succeeded.
    sim.control("action=fault&method=MoveDatastoreFile_Task&kind=drop_done&count=1");
    let mut up = s.storage_vol_upload(&v, 0, 0, 0).unwrap();
    up.send(&new).unwrap();
    up.finish().unwrap();
    assert_eq!(std::fs::read(&flat).unwrap(), new);
    assert_eq!(files_in(&dir), listing);

    // The request is lost before the host reads it: nothing replaced.
    sim.control("action=fault&method=MoveDatastoreFile_Task&kind=drop_before&count=1");
    let mut up = s.storage_vol_upload(&v, 0, 0, 0).unwrap();
    up.send(&old).unwrap();
    let e = up.finish().unwrap_err();
    assert!(e.message().contains("nothing was replaced"), "{e}");
    assert_eq!(std::fs::read(&flat).unwrap(), new);
    assert_eq!(files_in(&dir), listing);

    // The resize is done, its answer lost: a success.
    sim.control("action=fault&method=ExtendVirtualDisk_Task&kind=drop_done&count=1");
    s.storage_vol_resize(&v, 2 << 20, 0).unwrap();
    assert_eq!(s.storage_vol_get_info(&v).unwrap().capacity, 2 << 20);

    // Lost before it was read: the capacity is unchanged, which cannot
    // tell a resize not done from one still under way.
    sim.control("action=fault&method=ExtendVirtualDisk_Task&kind=drop_before&count=1");
    let e = s.storage_vol_resize(&v, 3 << 20, 0).unwrap_err();
    assert!(e.message().contains("the outcome is unknown"), "{e}");
    assert!(e.message().contains("still 2097152 bytes"), "{e}");
}

/// Found by a hostile tester: a volume named as ESX names a disk's extents
/// or sidecars (`-flat`, `-delta`, `-ctk`, ...) is refused before anything
/// is made (the disk made under it would be listed by no listing).
#[test]
fn extent_names_are_refused_before_anything_is_made() {
    let sim = Sim::with_args(&["--task-ms", "1"]);
    let c = sim.connect("");
    let s = c.storage();
    let ds1 = s.storage_pool_lookup_by_name("datastore1").unwrap();
    sim.reset_stats();
    for name in [
        "zz/z-flat.vmdk",
        "zz/z-delta.vmdk",
        "zz/z-ctk.vmdk",
        "zz/z-sesparse.vmdk",
        "zz/z-s001.vmdk",
    ] {
        let e = s
            .storage_vol_create_xml(&ds1, &disk_xml(name, 1, true), 0)
            .unwrap_err();
        assert_eq!(e.code(), Code::InvalidArg, "{name}: {e}");
        assert!(e.message().contains("ESX uses"), "{e}");
    }
    assert_eq!(sim.count("CreateVirtualDisk_Task"), 0);
    assert_eq!(sim.count("MakeDirectory"), 0);
    assert!(!sim.datastore_dir.join("datastore1/zz").exists());
}

/// Found by a hostile tester: two disks with one UUID (a descriptor copied
/// by hand) make their key ambiguous; a lookup by it names both.
#[test]
fn an_ambiguous_key_names_the_volumes_that_share_it() {
    let sim = Sim::with_args(&["--task-ms", "1"]);
    let c = sim.connect("");
    let s = c.storage();
    let ds1 = s.storage_pool_lookup_by_name("datastore1").unwrap();
    let v = s
        .storage_vol_create_xml(&ds1, &disk_xml("twin/a.vmdk", 1, true), 0)
        .unwrap();
    assert_eq!(s.storage_vol_lookup_by_key(&v.key).unwrap().name, v.name);
    let dir = sim.datastore_dir.join("datastore1/twin");
    let descriptor = std::fs::read_to_string(dir.join("a.vmdk")).unwrap();
    std::fs::write(dir.join("b.vmdk"), descriptor.replace("a-flat", "b-flat")).unwrap();
    std::fs::copy(dir.join("a-flat.vmdk"), dir.join("b-flat.vmdk")).unwrap();
    let e = s.storage_vol_lookup_by_key(&v.key).unwrap_err();
    assert_eq!(e.code(), Code::InvalidArg, "{e}");
    assert!(e.message().contains("is ambiguous"), "{e}");
    assert!(e.message().contains("'[datastore1] twin/a.vmdk'"), "{e}");
    assert!(e.message().contains("'[datastore1] twin/b.vmdk'"), "{e}");
}

/// Found by a hostile tester: errors that blamed the wrong thing. A data
/// file shorter than its descriptor states, read from an offset inside the
/// stated size, is the file's fault (not "offset past the end"); a send
/// that fails names the volume, not the temporary file's URL.
#[test]
fn errors_name_what_is_wrong() {
    let sim = Sim::with_args(&["--task-ms", "1"]);
    let c = sim.connect("");
    let s = c.storage();
    let ds1 = s.storage_pool_lookup_by_name("datastore1").unwrap();
    let old = pattern(1 << 20, 4);
    let (v, flat) = disk_with_data(&sim, &s, &ds1, "short/s.vmdk", &old);
    std::fs::write(&flat, &old[..512 << 10]).unwrap();
    let e = s.storage_vol_download(&v, 600_000, 0, 0).unwrap_err();
    assert_eq!(e.code(), Code::OperationFailed, "{e}");
    assert!(
        e.message().contains(
            "'[datastore1] short/s-flat.vmdk' is 524288 bytes where 1048576 were expected"
        ),
        "{e}"
    );
    // Past the stated size it is the caller's offset that is wrong.
    let e = s.storage_vol_download(&v, 2 << 20, 0, 0).unwrap_err();
    assert_eq!(e.code(), Code::InvalidArg, "{e}");

    std::fs::write(&flat, &old).unwrap();
    let dir = flat.parent().unwrap().to_path_buf();
    let listing = files_in(&dir);
    sim.control("action=fault&method=PUT%20/folder&kind=drop_before&count=1");
    let mut up = s.storage_vol_upload(&v, 0, 0, 0).unwrap();
    let sent = up.send(&pattern(1 << 20, 6));
    let e = match sent {
        Err(e) => e,
        Ok(_) => up.finish().unwrap_err(),
    };
    assert!(e.message().contains("'[datastore1] short/s.vmdk'"), "{e}");
    assert!(!e.message().contains("/folder/"), "{e}");
    assert_eq!(std::fs::read(&flat).unwrap(), old);
    wait_for(|| files_in(&dir) == listing, "the upload's file to go");
}
