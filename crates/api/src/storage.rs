// SPDX-License-Identifier: LGPL-2.1-or-later
//! Storage pools: the host's datastores (VMFS, NFS 3 and 4.1, vSAN, vVol,
//! local), as libvirt's ESX driver presents them (its VMFS backend): the
//! pool's name is the datastore's, its UUID the MD5 sum of the host's mount
//! path, its type `fs` (VMFS), `netfs` (NAS) or `dir`.
//!
//! Where libvirt's driver fails (a mount without a path crashes it; NFS 4.1
//! and vSAN datastores are "unexpected types") this one answers: see
//! docs/decisions.md. The iSCSI targets are pools too (crate::iscsi); each
//! call below hands an iSCSI pool or volume to that module.

use md5::{Digest, Md5};

use crate::error::{check_flags, Error, Result};
use crate::flags;
use crate::flags::esxConnectListAllStoragePoolsFlags::{self, *};
use crate::vi::datastore::DatastorePath;
use crate::vi::property::{self, FilterSpec, ObjectSpec, PropertySpec, TraversalSpec};
use crate::vi::soap::escape as esc;
use crate::vi::task::{self, AutoAnswer, TaskOutcome};
use crate::vi::vim25::{
    self, AnyDatastoreInfo, AnyFileInfo, AnyFileQuery, AnyVirtualDiskSpec, DatastoreBrowser,
    DatastorePool, FileBackedVirtualDiskSpec, FileQueryFlags, FloppyImageFileQuery,
    HostDatastoreBrowserSearchResults, HostDatastoreBrowserSearchSpec, HostIscsi,
    IsoImageFileQuery, VirtualDiskSpec, VmDiskFileQuery, VmDiskFileQueryFlags,
};
use crate::vi::wire::{FromValue, View};
use crate::vi::{methods, MoRef, Value};
use crate::{Connection, Storage};

/// Which of libvirt's two backends a pool or volume belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A datastore and its files.
    Datastore,
    /// An iSCSI target and its LUNs.
    Iscsi,
}

/// A pool as a handle holds it: its name, UUID and datastore (for an
/// iSCSI target: the host).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolRef {
    pub name: String,
    pub uuid: [u8; 16],
    pub moref: MoRef,
    pub backend: Backend,
}

const POOL_RUNNING: i32 = flags::esxStoragePoolState::ESX_STORAGE_POOL_RUNNING as i32;
const POOL_INACCESSIBLE: i32 = flags::esxStoragePoolState::ESX_STORAGE_POOL_INACCESSIBLE as i32;

/// virStoragePoolInfo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PoolInfo {
    pub state: i32,
    pub capacity: u64,
    pub allocation: u64,
    pub available: u64,
}

/// The libvirt pool types a datastore maps to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolType {
    /// Local datastores, and vSAN and vVol ones (libvirt has no type for
    /// them): a directory of files.
    Dir,
    /// VMFS.
    Fs,
    /// NFS (3 and 4.1) and CIFS.
    Netfs,
}

impl PoolType {
    pub fn name(self) -> &'static str {
        match self {
            PoolType::Dir => "dir",
            PoolType::Fs => "fs",
            PoolType::Netfs => "netfs",
        }
    }

    /// The esxConnectListAllStoragePoolsFlags bit that selects it.
    fn flag(self) -> u32 {
        match self {
            PoolType::Dir => ESX_CONNECT_LIST_STORAGE_POOLS_DIR as u32,
            PoolType::Fs => ESX_CONNECT_LIST_STORAGE_POOLS_FS as u32,
            PoolType::Netfs => ESX_CONNECT_LIST_STORAGE_POOLS_NETFS as u32,
        }
    }
}

/// A datastore as read for a pool (one view).
struct Datastore {
    view: DatastorePool,
    /// The host's mount path (or the URL's path where the host gives none).
    path: String,
}

impl Datastore {
    fn pool_ref(&self) -> PoolRef {
        PoolRef {
            name: self.view.name.clone(),
            uuid: md5_uuid(&self.path),
            moref: self.view.obj.clone(),
            backend: Backend::Datastore,
        }
    }

    fn pool_type(&self) -> PoolType {
        match &self.view.info {
            AnyDatastoreInfo::VmfsDatastoreInfo(_) => PoolType::Fs,
            AnyDatastoreInfo::NasDatastoreInfo(_) => PoolType::Netfs,
            _ => PoolType::Dir,
        }
    }

    fn info(&self) -> PoolInfo {
        if !self.view.accessible {
            return PoolInfo {
                state: POOL_INACCESSIBLE,
                ..Default::default()
            };
        }
        let capacity = self.view.capacity.max(0) as u64;
        let available = self.view.free_space.max(0) as u64;
        PoolInfo {
            state: POOL_RUNNING,
            capacity,
            allocation: capacity.saturating_sub(available),
            available,
        }
    }
}

/// libvirt's pool UUID: the MD5 sum of the mount path.
fn md5_uuid(path: &str) -> [u8; 16] {
    let mut u = [0u8; 16];
    u.copy_from_slice(&Md5::digest(path.as_bytes()));
    u
}

/// `/vmfs/volumes/x` from `ds:///vmfs/volumes/x/`.
fn url_path(url: &str) -> String {
    let p = url.strip_prefix("ds://").unwrap_or(url);
    let p = p.trim_end_matches('/');
    if p.is_empty() {
        "/".into()
    } else {
        p.to_string()
    }
}

impl Connection {
    /// Every datastore of the host with what a pool needs: one request.
    fn datastores(&self) -> Result<Vec<Datastore>> {
        let host = self.scope()?.host.clone();
        let spec = FilterSpec {
            props: vec![PropertySpec::new(DatastorePool::TYPE, DatastorePool::PATHS)],
            objects: vec![ObjectSpec {
                obj: host.clone(),
                skip: true,
                select: vec![
                    TraversalSpec::new("hostToDatastore", "HostSystem", "datastore")
                        .into_selection(),
                ],
            }],
        };
        property::retrieve(self.client(), &spec)?
            .iter()
            .map(|o| Ok(self.datastore_from(DatastorePool::from_object(o)?, &host)))
            .collect()
    }

    fn datastore_from(&self, view: DatastorePool, host: &MoRef) -> Datastore {
        // The mount of this host; a host may leave its path out (libvirt's
        // driver crashes there): the URL says the same path.
        let path = view
            .mounts
            .iter()
            .find(|m| &m.key == host)
            .and_then(|m| m.mount_info.path.clone())
            .unwrap_or_else(|| url_path(&view.url));
        Datastore { view, path }
    }

    /// Every pool of both backends, in one request: the host's datastores
    /// (VMFS first, as libvirt lists them) then its iSCSI targets.
    fn all_pools(&self) -> Result<Vec<(PoolRef, u32)>> {
        let host = self.scope()?.host.clone();
        let spec = FilterSpec {
            props: vec![
                PropertySpec::new(DatastorePool::TYPE, DatastorePool::PATHS),
                PropertySpec::new(HostIscsi::TYPE, HostIscsi::PATHS),
            ],
            objects: vec![ObjectSpec {
                obj: host.clone(),
                skip: false,
                select: vec![
                    TraversalSpec::new("hostToDatastore", "HostSystem", "datastore")
                        .into_selection(),
                ],
            }],
        };
        let mut pools = Vec::new();
        let mut iscsi = None;
        for o in property::retrieve(self.client(), &spec)? {
            if o.obj.kind == HostIscsi::TYPE {
                iscsi = Some(crate::iscsi::Iscsi {
                    view: HostIscsi::from_object(&o)?,
                });
                continue;
            }
            let d = self.datastore_from(DatastorePool::from_object(&o)?, &host);
            pools.push((d.pool_ref(), d.pool_type().flag()));
        }
        for t in iscsi.iter().flat_map(crate::iscsi::Iscsi::targets) {
            pools.push((
                crate::iscsi::pool_ref(&t, &host),
                ESX_CONNECT_LIST_STORAGE_POOLS_ISCSI as u32,
            ));
        }
        Ok(pools)
    }

    fn datastore(&self, pool: &PoolRef) -> Result<Datastore> {
        self.datastores()?
            .into_iter()
            .find(|d| d.view.obj == pool.moref || d.view.name == pool.name)
            .ok_or_else(|| no_pool(&pool.name))
    }
}

fn no_pool(name: &str) -> Error {
    Error::new(
        crate::error::Code::NoStoragePool,
        format!("Could not find storage pool with name '{name}'"),
    )
}

impl Storage<'_> {
    pub fn connect_num_of_storage_pools(&self) -> Result<i32> {
        Ok(count(self.all_pools()?.len()))
    }

    /// The names of at most `maxnames` pools.
    pub fn connect_list_storage_pools(&self, maxnames: i32) -> Result<Vec<String>> {
        let max = usize::try_from(maxnames)
            .map_err(|_| Error::invalid_arg("maxnames must not be negative"))?;
        if max == 0 {
            return Ok(Vec::new());
        }
        let mut names: Vec<String> = self.all_pools()?.into_iter().map(|(p, _)| p.name).collect();
        names.truncate(max);
        Ok(names)
    }

    /// Every pool is active: ESX has no defined-but-inactive datastores.
    pub fn connect_num_of_defined_storage_pools(&self) -> Result<i32> {
        Ok(0)
    }

    pub fn connect_list_defined_storage_pools(&self, maxnames: i32) -> Result<Vec<String>> {
        if maxnames < 0 {
            return Err(Error::invalid_arg("maxnames must not be negative"));
        }
        Ok(Vec::new())
    }

    /// The pools matching libvirt's filter flags, in one request.
    pub fn connect_list_all_storage_pools(&self, flags: u32) -> Result<Vec<PoolRef>> {
        check_flags(flags, flags::CONNECT_LIST_ALL_STORAGE_POOLS)?;
        let has = |f: esxConnectListAllStoragePoolsFlags| flags & f as u32 != 0;
        // Every datastore is active, persistent and autostarted.
        let refused = (has(ESX_CONNECT_LIST_STORAGE_POOLS_INACTIVE)
            && !has(ESX_CONNECT_LIST_STORAGE_POOLS_ACTIVE))
            || (has(ESX_CONNECT_LIST_STORAGE_POOLS_TRANSIENT)
                && !has(ESX_CONNECT_LIST_STORAGE_POOLS_PERSISTENT))
            || (has(ESX_CONNECT_LIST_STORAGE_POOLS_NO_AUTOSTART)
                && !has(ESX_CONNECT_LIST_STORAGE_POOLS_AUTOSTART));
        if refused {
            return Ok(Vec::new());
        }
        let types = flags & flags::STORAGE_POOL_TYPES;
        Ok(self
            .all_pools()?
            .into_iter()
            .filter(|(_, flag)| types == 0 || types & flag != 0)
            .map(|(p, _)| p)
            .collect())
    }

    pub fn storage_pool_lookup_by_name(&self, name: &str) -> Result<PoolRef> {
        self.all_pools()?
            .into_iter()
            .map(|(p, _)| p)
            .find(|p| p.name == name)
            .ok_or_else(|| no_pool(name))
    }

    pub fn storage_pool_lookup_by_uuid(&self, uuid: &[u8; 16]) -> Result<PoolRef> {
        self.all_pools()?
            .into_iter()
            .map(|(p, _)| p)
            .find(|p| &p.uuid == uuid)
            .ok_or_else(|| {
                Error::new(
                    crate::error::Code::NoStoragePool,
                    format!(
                        "Could not find storage pool with uuid '{}'",
                        crate::uuid::format(uuid)
                    ),
                )
            })
    }

    /// RefreshDatastore: the host re-reads the datastore's capacity.
    pub fn storage_pool_refresh(&self, pool: &PoolRef, flags: u32) -> Result<()> {
        check_flags(flags, flags::STORAGE_NONE)?;
        if pool.backend == Backend::Iscsi {
            return self.iscsi_pool_refresh(pool);
        }
        let d = self.datastore(pool)?;
        methods::refresh_datastore(self.client(), &d.view.obj)
            .map_err(|e| e.context(format!("Could not refresh storage pool '{}'", pool.name)))
    }

    pub fn storage_pool_get_info(&self, pool: &PoolRef) -> Result<PoolInfo> {
        if pool.backend == Backend::Iscsi {
            return self.iscsi_pool_info(pool);
        }
        Ok(self.datastore(pool)?.info())
    }

    /// The pool XML, as libvirt's ESX driver writes it.
    pub fn storage_pool_get_xml_desc(&self, pool: &PoolRef, flags: u32) -> Result<String> {
        check_flags(flags, flags::STORAGE_NONE)?;
        if pool.backend == Backend::Iscsi {
            return self.iscsi_pool_xml(pool);
        }
        let d = self.datastore(pool)?;
        let info = d.info();
        let ty = d.pool_type();
        let mut x = format!("<pool type='{}'>\n", ty.name());
        x.push_str(&format!("  <name>{}</name>\n", esc(&pool.name)));
        x.push_str(&format!(
            "  <uuid>{}</uuid>\n",
            crate::uuid::format(&pool.uuid)
        ));
        x.push_str(&format!(
            "  <capacity unit='bytes'>{}</capacity>\n  <allocation unit='bytes'>{}</allocation>\n  \
             <available unit='bytes'>{}</available>\n",
            info.capacity, info.allocation, info.available
        ));
        x.push_str("  <source>\n");
        match &d.view.info {
            AnyDatastoreInfo::NasDatastoreInfo(n) => {
                if let Some(nas) = &n.nas {
                    x.push_str(&format!("    <host name='{}'/>\n", esc(&nas.remote_host)));
                    x.push_str(&format!("    <dir path='{}'/>\n", esc(&nas.remote_path)));
                    let format = if nas.r#type.eq_ignore_ascii_case("CIFS") {
                        "cifs"
                    } else {
                        "nfs"
                    };
                    x.push_str(&format!("    <format type='{format}'/>\n"));
                }
            }
            AnyDatastoreInfo::VmfsDatastoreInfo(_) => x.push_str("    <format type='vmfs'/>\n"),
            _ => {}
        }
        x.push_str("  </source>\n  <target>\n");
        x.push_str(&format!("    <path>{}</path>\n", esc(&d.path)));
        // libvirt's driver leaves the permissions zeroed, and so prints them.
        x.push_str(
            "    <permissions>\n      <mode>00</mode>\n      <owner>0</owner>\n      <group>0</group>\n    \
             </permissions>\n  </target>\n</pool>\n",
        );
        Ok(x)
    }

    /// Datastores start with the host: always 1.
    pub fn storage_pool_get_autostart(&self, pool: &PoolRef) -> Result<bool> {
        self.pool_exists(pool)?;
        Ok(true)
    }

    /// Only "on" can be set (it already is).
    pub fn storage_pool_set_autostart(&self, pool: &PoolRef, autostart: bool) -> Result<()> {
        self.pool_exists(pool)?;
        if !autostart {
            return Err(Error::operation_invalid(format!(
                "Cannot deactivate storage pool autostart: {} '{}' always starts with the host",
                match pool.backend {
                    Backend::Datastore => "datastore",
                    Backend::Iscsi => "iSCSI target",
                },
                pool.name
            )));
        }
        Ok(())
    }

    pub fn storage_pool_is_active(&self, pool: &PoolRef) -> Result<bool> {
        self.pool_exists(pool)?;
        Ok(true)
    }

    pub fn storage_pool_is_persistent(&self, pool: &PoolRef) -> Result<bool> {
        self.pool_exists(pool)?;
        Ok(true)
    }

    fn pool_exists(&self, pool: &PoolRef) -> Result<()> {
        match pool.backend {
            Backend::Datastore => self.datastore(pool).map(|_| ()),
            Backend::Iscsi => self.iscsi_target(pool).map(|_| ()),
        }
    }
}

fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_uuid_is_the_md5_of_the_mount_path_as_libvirt_computes_it() {
        // The UUID virsh prints for esx-sim's datastore1 through libvirt's
        // own ESX driver.
        assert_eq!(
            crate::uuid::format(&md5_uuid(
                "/vmfs/volumes/5f1e2d3c-4b5a6978-1a2b-001b21aabbcc"
            )),
            "970b2169-8978-5b99-7b3c-a0676a0af5c4"
        );
        assert_eq!(url_path("ds:///vmfs/volumes/abc/"), "/vmfs/volumes/abc");
        assert_eq!(url_path("/vmfs/volumes/abc"), "/vmfs/volumes/abc");
    }
}

// ------------------------------------------------------------------ volumes

/// A volume as a handle holds it: its pool, its name in the pool
/// (`dir/file.vmdk`) and its key (a virtual disk's UUID, else its
/// datastore path), as libvirt's ESX driver forms them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolRef {
    pub pool: String,
    pub name: String,
    pub key: String,
    pub backend: Backend,
}

impl VolRef {
    /// `[pool] dir/file`; a LUN's device path (its name).
    pub fn path(&self) -> String {
        match self.backend {
            Backend::Datastore => format!("[{}] {}", self.pool, self.name),
            Backend::Iscsi => self.name.clone(),
        }
    }
}

/// virStorageVolInfo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VolInfo {
    /// virStorageVolType: VIR_STORAGE_VOL_FILE (0), or _BLOCK (1) for a LUN.
    pub r#type: i32,
    pub capacity: u64,
    pub allocation: u64,
}

/// What a volume is, from the datastore browser.
fn vol_info(f: &AnyFileInfo) -> (VolInfo, &'static str) {
    let size = |s: Option<i64>| s.unwrap_or(0).max(0) as u64;
    match f {
        AnyFileInfo::VmDiskFileInfo(d) => (
            VolInfo {
                r#type: 0,
                capacity: d.capacity_kb.unwrap_or(0).max(0) as u64 * 1024,
                allocation: size(d.file_size),
            },
            "vmdk",
        ),
        AnyFileInfo::IsoImageFileInfo(i) => {
            let n = size(i.file_size);
            (
                VolInfo {
                    r#type: 0,
                    capacity: n,
                    allocation: n,
                },
                "iso",
            )
        }
        other => {
            let n = size(match other {
                AnyFileInfo::FloppyImageFileInfo(x) => x.file_size,
                AnyFileInfo::FolderFileInfo(x) => x.file_size,
                AnyFileInfo::FileInfo(x) => x.file_size,
                _ => None,
            });
            (
                VolInfo {
                    r#type: 0,
                    capacity: n,
                    allocation: n,
                },
                "raw",
            )
        }
    }
}

fn file_path(f: &AnyFileInfo) -> &str {
    match f {
        AnyFileInfo::VmDiskFileInfo(x) => &x.path,
        AnyFileInfo::IsoImageFileInfo(x) => &x.path,
        AnyFileInfo::FloppyImageFileInfo(x) => &x.path,
        AnyFileInfo::FolderFileInfo(x) => &x.path,
        AnyFileInfo::FileInfo(x) => &x.path,
    }
}

/// The queries libvirt's driver searches with: disks (with capacity and
/// controller), ISO and floppy images.
fn volume_queries(pattern: Option<&str>) -> HostDatastoreBrowserSearchSpec {
    HostDatastoreBrowserSearchSpec {
        query: vec![
            AnyFileQuery::VmDiskFileQuery(VmDiskFileQuery {
                details: Some(VmDiskFileQueryFlags {
                    disk_type: false,
                    capacity_kb: true,
                    hardware_version: false,
                    controller_type: Some(true),
                    disk_extents: Some(false),
                    thin: Some(true),
                }),
            }),
            AnyFileQuery::IsoImageFileQuery(IsoImageFileQuery {}),
            AnyFileQuery::FloppyImageFileQuery(FloppyImageFileQuery {}),
        ],
        details: Some(FileQueryFlags {
            file_type: true,
            file_size: true,
            modification: false,
            file_owner: Some(false),
        }),
        match_pattern: pattern.map(|p| vec![p.to_string()]).unwrap_or_default(),
        ..Default::default()
    }
}

/// `dir/file` of a search result's folder path and a file.
fn volume_name(folder: Option<&str>, file: &str) -> String {
    let dir = folder
        .and_then(|f| DatastorePath::parse(f).ok())
        .map(|p| p.directory_and_file.trim_end_matches('/').to_string())
        .unwrap_or_default();
    if dir.is_empty() {
        file.to_string()
    } else {
        format!("{dir}/{file}")
    }
}

/// libvirt's volume key form of a disk UUID (`60 00 C2 9a ...` ->
/// `6000c29a-....`).
fn reformat_uuid(vmware: &str) -> Result<String> {
    crate::uuid::parse(vmware)
        .map(|u| crate::uuid::format(&u))
        .ok_or_else(|| Error::rpc(format!("Could not parse UUID from string '{vmware}'")))
}

/// Bytes from a libvirt scaled integer (`<capacity unit='G'>10</capacity>`).
fn scaled(node: roxmltree::Node<'_, '_>) -> Result<u64> {
    let text = node.text().unwrap_or("").trim();
    let n: u64 = text
        .parse()
        .map_err(|_| Error::xml(format!("'{text}' is not a number of bytes")))?;
    let unit = node.attribute("unit").unwrap_or("bytes");
    let mult: u64 = match unit {
        "" | "b" | "byte" | "bytes" => 1,
        "KB" => 1000,
        "k" | "K" | "KiB" => 1 << 10,
        "MB" => 1_000_000,
        "M" | "MiB" => 1 << 20,
        "GB" => 1_000_000_000,
        "G" | "GiB" => 1 << 30,
        "TB" => 1_000_000_000_000,
        "T" | "TiB" => 1 << 40,
        "PB" => 1_000_000_000_000_000,
        "P" | "PiB" => 1 << 50,
        other => return Err(Error::xml(format!("unknown unit '{other}'"))),
    };
    n.checked_mul(mult)
        .ok_or_else(|| Error::xml(format!("{n} {unit} is too large")))
}

/// What a `<volume>` document asks for.
struct VolDef {
    name: String,
    capacity: u64,
    allocation: u64,
}

fn parse_vol_xml(xml: &str) -> Result<VolDef> {
    let doc = crate::xmldoc::parse(xml).map_err(|e| Error::xml(format!("volume XML: {e}")))?;
    let root = doc.root_element();
    if root.tag_name().name() != "volume" {
        return Err(Error::xml("expected a <volume> document"));
    }
    if root.attribute("type").is_some_and(|t| t != "file") {
        return Err(Error::no_support(
            "Creating non-file volumes is not supported",
        ));
    }
    let child = |n: &str| root.children().find(|c| c.has_tag_name(n));
    let name = child("name")
        .and_then(|n| n.text())
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| Error::xml("missing volume name"))?
        .to_string();
    let capacity = match child("capacity") {
        Some(c) => scaled(c)?,
        None => return Err(Error::xml("missing capacity element")),
    };
    // libvirt: no allocation means as much as the capacity.
    let allocation = match child("allocation") {
        Some(a) => scaled(a)?,
        None => capacity,
    };
    if let Some(f) = child("target")
        .and_then(|t| t.children().find(|c| c.has_tag_name("format")))
        .and_then(|f| f.attribute("type"))
    {
        if f != "vmdk" {
            return Err(Error::no_support(format!(
                "Creation of {f} volumes is not supported (ESX creates vmdk virtual disks)"
            )));
        }
    }
    let slash = name.rfind('/');
    if slash.map_or(true, |i| i == 0 || i + 1 == name.len()) {
        return Err(Error::invalid_arg(format!(
            "Volume name '{name}' doesn't have expected format '<directory>/<file>'"
        )));
    }
    if !name.to_ascii_lowercase().ends_with(".vmdk") {
        return Err(Error::no_support(format!(
            "Volume name '{name}' has unsupported suffix, expecting '.vmdk'"
        )));
    }
    Ok(VolDef {
        name,
        capacity,
        allocation,
    })
}

impl Connection {
    fn auto_answer(&self) -> AutoAnswer {
        AutoAnswer(self.uri().auto_answer)
    }

    /// Starts a task on the host (not on a VM) and waits for it.
    fn host_task(
        &self,
        what: &str,
        start: impl FnOnce(&crate::vi::Client) -> Result<MoRef>,
    ) -> Result<TaskOutcome> {
        let task = start(self.client()).map_err(|e| e.context(format!("Could not {what}")))?;
        task::wait_for_task(
            self.client(),
            &task,
            None,
            &self.auto_answer(),
            "the host",
            what,
        )
    }

    /// The datastore browser of a pool.
    fn browser(&self, pool: &str) -> Result<MoRef> {
        let host = self.scope()?.host.clone();
        let spec = FilterSpec {
            props: vec![PropertySpec::new(
                DatastoreBrowser::TYPE,
                DatastoreBrowser::PATHS,
            )],
            objects: vec![ObjectSpec {
                obj: host,
                skip: true,
                select: vec![
                    TraversalSpec::new("hostToDatastore", "HostSystem", "datastore")
                        .into_selection(),
                ],
            }],
        };
        for o in property::retrieve(self.client(), &spec)? {
            let d = DatastoreBrowser::from_object(&o)?;
            if d.name == pool {
                return Ok(d.browser);
            }
        }
        Err(no_pool(pool))
    }

    /// The volumes of a pool: one search task over its folders.
    fn volume_files(&self, pool: &str) -> Result<Vec<(String, AnyFileInfo)>> {
        let browser = self.browser(pool)?;
        let spec = volume_queries(None);
        let what = format!("search storage pool '{pool}'");
        let out = self.host_task(&what, |c| {
            vim25::search_datastore_sub_folders_task(
                c,
                &browser,
                &format!("[{pool}]"),
                Some(&spec),
            )?
            .ok_or_else(|| Error::rpc("SearchDatastoreSubFolders_Task returned no task"))
        })?;
        let mut files = Vec::new();
        for v in out.result.iter().flat_map(Value::items) {
            let r = HostDatastoreBrowserSearchResults::from_value(v)?;
            // A result without its folder (the path is optional in the VI
            // reference) cannot be named: its files are left out rather
            // than given a name in the wrong directory.
            let Some(folder) = r.folder_path.as_deref() else {
                if !r.file.is_empty() {
                    log::warn!(
                        "storage pool '{pool}': the host listed {} files without their folder; they are left out",
                        r.file.len()
                    );
                }
                continue;
            };
            for f in r.file {
                files.push((volume_name(Some(folder), file_path(&f)), f));
            }
        }
        Ok(files)
    }

    /// One file of a pool (one search task in its folder).
    fn volume_file(&self, pool: &str, name: &str) -> Result<AnyFileInfo> {
        let browser = self.browser(pool)?;
        let (dir, file) = match name.rsplit_once('/') {
            Some((d, f)) => (format!("[{pool}] {d}"), f),
            None => (format!("[{pool}]"), name),
        };
        let spec = volume_queries(Some(file));
        let what = format!("look up storage volume '{name}' in pool '{pool}'");
        let missing = || {
            Error::new(
                crate::error::Code::NoStorageVol,
                format!("Could not find storage volume with name '{name}' in pool '{pool}'"),
            )
        };
        let out = match self.host_task(&what, |c| {
            vim25::search_datastore_task(c, &browser, &dir, Some(&spec))
        }) {
            Ok(o) => o,
            Err(e) if e.fault() == Some("FileNotFound") => return Err(missing()),
            Err(e) => return Err(e),
        };
        let result = out
            .result
            .as_ref()
            .map(HostDatastoreBrowserSearchResults::from_value)
            .transpose()?;
        result
            .into_iter()
            .flat_map(|r| r.file)
            .find(|f| file_path(f) == file)
            .ok_or_else(missing)
    }

    /// The key of a volume: a disk's UUID, else its datastore path.
    fn volume_key(&self, path: &str, f: &AnyFileInfo) -> Result<String> {
        if !matches!(f, AnyFileInfo::VmDiskFileInfo(_)) {
            return Ok(path.to_string());
        }
        self.disk_key(path)
    }

    fn disk_key(&self, path: &str) -> Result<String> {
        let manager = self.disk_manager()?;
        let dc = self.scope()?.datacenter.clone();
        reformat_uuid(&vim25::query_virtual_disk_uuid(
            self.client(),
            &manager,
            path,
            Some(&dc),
        )?)
    }

    fn disk_manager(&self) -> Result<MoRef> {
        self.client()
            .service()
            .virtual_disk_manager
            .clone()
            .ok_or_else(|| {
                Error::operation_unsupported(
                    "The host has no VirtualDiskManager, so it cannot manage virtual disks",
                )
            })
    }

    fn volume(&self, pool: &str, name: &str) -> Result<VolRef> {
        let f = self.volume_file(pool, name)?;
        let path = format!("[{pool}] {name}");
        Ok(VolRef {
            pool: pool.to_string(),
            name: name.to_string(),
            key: self.volume_key(&path, &f)?,
            backend: Backend::Datastore,
        })
    }
}

fn no_vol(what: &str) -> Error {
    Error::new(crate::error::Code::NoStorageVol, what.to_string())
}

impl Storage<'_> {
    pub fn storage_pool_num_of_volumes(&self, pool: &PoolRef) -> Result<i32> {
        if pool.backend == Backend::Iscsi {
            return Ok(count(self.iscsi_volumes(pool)?.len()));
        }
        Ok(count(self.volume_files(&pool.name)?.len()))
    }

    /// The names of at most `maxnames` volumes (`dir/file`).
    pub fn storage_pool_list_volumes(&self, pool: &PoolRef, maxnames: i32) -> Result<Vec<String>> {
        let max = usize::try_from(maxnames)
            .map_err(|_| Error::invalid_arg("maxnames must not be negative"))?;
        if max == 0 {
            return Ok(Vec::new());
        }
        let mut names: Vec<String> = if pool.backend == Backend::Iscsi {
            self.iscsi_volumes(pool)?
                .into_iter()
                .map(|v| v.name)
                .collect()
        } else {
            self.volume_files(&pool.name)?
                .into_iter()
                .map(|(n, _)| n)
                .collect()
        };
        names.truncate(max);
        Ok(names)
    }

    /// Every volume with its key: one search task, and a UUID query per disk.
    pub fn storage_pool_list_all_volumes(&self, pool: &PoolRef, flags: u32) -> Result<Vec<VolRef>> {
        check_flags(flags, flags::STORAGE_NONE)?;
        if pool.backend == Backend::Iscsi {
            return self.iscsi_volumes(pool);
        }
        self.volume_files(&pool.name)?
            .into_iter()
            .map(|(name, f)| {
                let path = format!("[{}] {name}", pool.name);
                Ok(VolRef {
                    pool: pool.name.clone(),
                    key: self.volume_key(&path, &f)?,
                    name,
                    backend: Backend::Datastore,
                })
            })
            .collect()
    }

    pub fn storage_vol_lookup_by_name(&self, pool: &PoolRef, name: &str) -> Result<VolRef> {
        if pool.backend == Backend::Iscsi {
            return self.iscsi_vol_by_name(pool, name);
        }
        self.volume(&pool.name, name)
    }

    /// By datastore path (`[pool] dir/file`), or a LUN's device path (what
    /// does not start with `[`, libvirt's rule).
    pub fn storage_vol_lookup_by_path(&self, path: &str) -> Result<VolRef> {
        if !path.starts_with('[') {
            return self.iscsi_vol_by_path(path);
        }
        let p = DatastorePath::parse(path)?;
        self.volume(&p.datastore, &p.directory_and_file)
    }

    /// By key: a datastore path, or a disk UUID (then every pool's disks
    /// are asked for theirs, as libvirt's driver does).
    pub fn storage_vol_lookup_by_key(&self, key: &str) -> Result<VolRef> {
        if key.starts_with('[') {
            return self.storage_vol_lookup_by_path(key);
        }
        for d in self.datastores()? {
            let pool = d.view.name;
            for (name, f) in self.volume_files(&pool)? {
                if !matches!(f, AnyFileInfo::VmDiskFileInfo(_)) {
                    continue;
                }
                let path = format!("[{pool}] {name}");
                if self.disk_key(&path)?.eq_ignore_ascii_case(key) {
                    return Ok(VolRef {
                        pool,
                        name,
                        key: key.to_ascii_lowercase(),
                        backend: Backend::Datastore,
                    });
                }
            }
        }
        // Then the LUNs' keys (libvirt asks its iSCSI backend second too).
        if let Some(v) = self.iscsi_vol_by_key(key)? {
            return Ok(v);
        }
        Err(no_vol(&format!(
            "Could not find storage volume with key '{key}'"
        )))
    }

    pub fn storage_pool_lookup_by_volume(&self, vol: &VolRef) -> Result<PoolRef> {
        self.storage_pool_lookup_by_name(&vol.pool)
    }

    pub fn storage_vol_get_info(&self, vol: &VolRef) -> Result<VolInfo> {
        if vol.backend == Backend::Iscsi {
            return self.iscsi_vol_info(vol);
        }
        Ok(vol_info(&self.volume_file(&vol.pool, &vol.name)?).0)
    }

    /// The volume XML, as libvirt's ESX driver writes it.
    pub fn storage_vol_get_xml_desc(&self, vol: &VolRef, flags: u32) -> Result<String> {
        check_flags(flags, flags::STORAGE_NONE)?;
        if vol.backend == Backend::Iscsi {
            return self.iscsi_vol_xml(vol);
        }
        let f = self.volume_file(&vol.pool, &vol.name)?;
        let (info, format) = vol_info(&f);
        let path = vol.path();
        let key = self.volume_key(&path, &f)?;
        Ok(format!(
            "<volume type='file'>\n  <name>{}</name>\n  <key>{}</key>\n  <capacity unit='bytes'>{}</capacity>\n  \
             <allocation unit='bytes'>{}</allocation>\n  <target>\n    <path>{}</path>\n    \
             <format type='{format}'/>\n  </target>\n</volume>\n",
            esc(&vol.name),
            esc(&key),
            info.capacity,
            info.allocation,
            esc(&path)
        ))
    }

    pub fn storage_vol_get_path(&self, vol: &VolRef) -> Result<String> {
        Ok(vol.path())
    }

    /// A new virtual disk from a `<volume>` document: `dir/name.vmdk`, thin
    /// (allocation 0) or preallocated (allocation = capacity), lsiLogic;
    /// its directory is made if it is missing.
    pub fn storage_vol_create_xml(&self, pool: &PoolRef, xml: &str, flags: u32) -> Result<VolRef> {
        check_flags(flags, flags::STORAGE_NONE)?;
        if pool.backend == Backend::Iscsi {
            return Err(crate::iscsi::unsupported("volume creation"));
        }
        let def = parse_vol_xml(xml)?;
        self.check_writable(&format!("create storage volume '{}'", def.name))?;
        let disk_type = disk_type(&def)?;
        let path = self.ensure_directory(&pool.name, &def.name)?;
        let manager = self.disk_manager()?;
        let dc = self.scope()?.datacenter.clone();
        let spec = AnyVirtualDiskSpec::FileBackedVirtualDiskSpec(FileBackedVirtualDiskSpec {
            disk_type: disk_type.into(),
            adapter_type: "lsiLogic".into(),
            capacity_kb: kib(def.capacity)?,
        });
        self.host_task(&format!("create volume '{path}'"), |c| {
            vim25::create_virtual_disk_task(c, &manager, &path, Some(&dc), &spec)
        })?;
        Ok(VolRef {
            pool: pool.name.clone(),
            key: self.disk_key(&path)?,
            name: def.name,
            backend: Backend::Datastore,
        })
    }

    /// A copy of `source` (any pool of the host) as a new virtual disk of
    /// this pool.
    pub fn storage_vol_create_xml_from(
        &self,
        pool: &PoolRef,
        xml: &str,
        source: &VolRef,
        flags: u32,
    ) -> Result<VolRef> {
        check_flags(flags, flags::STORAGE_NONE)?;
        if pool.backend == Backend::Iscsi || source.backend == Backend::Iscsi {
            return Err(crate::iscsi::unsupported("volume creation"));
        }
        let def = parse_vol_xml(xml)?;
        self.check_writable(&format!("create storage volume '{}'", def.name))?;
        // A copy takes the allocation the XML asks for when it is one ESX
        // knows (0: thin, the capacity: preallocated); any other (the
        // source's own XML, as `vol-clone` sends it) leaves the choice to
        // the host, as libvirt's driver always does.
        let spec = disk_type(&def).ok().map(|t| {
            AnyVirtualDiskSpec::VirtualDiskSpec(VirtualDiskSpec {
                disk_type: t.into(),
                adapter_type: "lsiLogic".into(),
            })
        });
        let path = self.ensure_directory(&pool.name, &def.name)?;
        let manager = self.disk_manager()?;
        let dc = self.scope()?.datacenter.clone();
        let src = source.path();
        self.host_task(&format!("copy volume '{src}' to '{path}'"), |c| {
            vim25::copy_virtual_disk_task(
                c,
                &manager,
                &src,
                Some(&dc),
                &path,
                Some(&dc),
                spec.as_ref(),
                Some(false),
            )
        })?;
        Ok(VolRef {
            pool: pool.name.clone(),
            key: self.disk_key(&path)?,
            name: def.name,
            backend: Backend::Datastore,
        })
    }

    pub fn storage_vol_delete(&self, vol: &VolRef, flags: u32) -> Result<()> {
        check_flags(flags, flags::STORAGE_NONE)?;
        if vol.backend == Backend::Iscsi {
            return Err(crate::iscsi::unsupported("volume deletion"));
        }
        self.check_writable(&format!("delete storage volume '{}'", vol.name))?;
        let manager = self.disk_manager()?;
        let dc = self.scope()?.datacenter.clone();
        let path = vol.path();
        self.host_task(&format!("delete volume '{path}'"), |c| {
            vim25::delete_virtual_disk_task(c, &manager, &path, Some(&dc))
        })
        .map(|_| ())
    }

    /// Zeroes the disk's contents (ZeroFillVirtualDisk_Task).
    pub fn storage_vol_wipe(&self, vol: &VolRef, flags: u32) -> Result<()> {
        check_flags(flags, flags::STORAGE_NONE)?;
        if vol.backend == Backend::Iscsi {
            return Err(crate::iscsi::unsupported("volume wiping"));
        }
        self.check_writable(&format!("wipe storage volume '{}'", vol.name))?;
        let manager = self.disk_manager()?;
        let dc = self.scope()?.datacenter.clone();
        let path = vol.path();
        self.host_task(&format!("wipe volume '{path}'"), |c| {
            vim25::zero_fill_virtual_disk_task(c, &manager, &path, Some(&dc))
        })
        .map(|_| ())
    }

    /// Grows a disk to `capacity` bytes (with ESX_STORAGE_VOL_RESIZE_DELTA:
    /// by that much); ESX cannot shrink a disk, so _SHRINK is refused.
    pub fn storage_vol_resize(&self, vol: &VolRef, capacity: u64, flags: u32) -> Result<()> {
        use crate::flags::esxStorageVolResizeFlags::*;
        check_flags(flags, flags::STORAGE_VOL_RESIZE)?;
        if vol.backend == Backend::Iscsi {
            return Err(crate::iscsi::unsupported("resizing a LUN"));
        }
        if flags & ESX_STORAGE_VOL_RESIZE_SHRINK as u32 != 0 {
            return Err(Error::argument_unsupported(
                "ESX cannot shrink a virtual disk",
            ));
        }
        self.check_writable(&format!("resize storage volume '{}'", vol.name))?;
        let target = if flags & ESX_STORAGE_VOL_RESIZE_DELTA as u32 != 0 {
            let now = self.storage_vol_get_info(vol)?.capacity;
            now.checked_add(capacity)
                .ok_or_else(|| Error::invalid_arg("the new capacity overflows"))?
        } else {
            capacity
        };
        let eager = flags & ESX_STORAGE_VOL_RESIZE_ALLOCATE as u32 != 0;
        let manager = self.disk_manager()?;
        let dc = self.scope()?.datacenter.clone();
        let path = vol.path();
        let kb = kib(target)?;
        self.host_task(&format!("resize volume '{path}'"), |c| {
            vim25::extend_virtual_disk_task(c, &manager, &path, Some(&dc), kb, Some(eager))
        })
        .map(|_| ())
        .map_err(|e| {
            // The host only says "newCapacityKb"; say why when it is a
            // shrink (read only on failure, so success costs nothing more).
            match self.storage_vol_get_info(vol) {
                Ok(info) if target < info.capacity => Error::invalid_arg(format!(
                    "Cannot shrink '{path}' from {} to {target} bytes: ESX can only grow a virtual disk",
                    info.capacity
                )),
                _ => e,
            }
        })
    }
}

/// libvirt's rule: allocation = capacity is preallocated, 0 is thin.
fn disk_type(def: &VolDef) -> Result<&'static str> {
    if def.allocation == def.capacity {
        Ok("preallocated")
    } else if def.allocation == 0 {
        Ok("thin")
    } else {
        Err(Error::config_unsupported(
            "Unsupported capacity-to-allocation relation: allocation must be 0 (thin) or the capacity \
             (preallocated)",
        ))
    }
}

fn kib(bytes: u64) -> Result<i64> {
    i64::try_from(bytes.div_ceil(1024)).map_err(|_| Error::invalid_arg("the capacity is too large"))
}

impl Connection {
    /// `[pool] dir/file` for a new file, its directory made if missing.
    fn ensure_directory(&self, pool: &str, name: &str) -> Result<String> {
        let (dir, file) = name
            .rsplit_once('/')
            .ok_or_else(|| Error::invalid_arg("expected '<directory>/<file>'"))?;
        let dir = crate::vi::datastore::escape_datastore_item(dir);
        let file = crate::vi::datastore::escape_datastore_item(file);
        let folder = format!("[{pool}] {dir}");
        let manager = self
            .client()
            .service()
            .file_manager
            .clone()
            .ok_or_else(|| {
                Error::operation_unsupported(
                    "The host has no FileManager, so it cannot make directories",
                )
            })?;
        let dc = self.scope()?.datacenter.clone();
        match vim25::make_directory(self.client(), &manager, &folder, Some(&dc), Some(true)) {
            Ok(()) => {}
            Err(e) if e.fault() == Some("FileAlreadyExists") => {}
            Err(e) => return Err(e.context(format!("Could not create directory '{folder}'"))),
        }
        Ok(format!("{folder}/{file}"))
    }
}
