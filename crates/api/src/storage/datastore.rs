// SPDX-License-Identifier: LGPL-2.1-or-later
//! Datastores as storage pools, as libvirt's ESX driver presents them (its
//! VMFS backend): the pool's name is the datastore's, its UUID the MD5 sum
//! of the host's mount path, its type `fs` (VMFS), `netfs` (NAS) or `dir`;
//! its volumes are the virtual disks, ISO and floppy images the datastore
//! browser finds. Disks are made, copied, deleted, wiped and grown through
//! the VirtualDiskManager; contents stream through `/folder`.
//!
//! Where libvirt's driver fails (a mount without a path crashes it; NFS 4.1
//! and vSAN datastores are "unexpected types") this one answers: see
//! docs/decisions.md. Names are canonical (one disk, one name), and a size
//! the host does not report is unknown, never 0.

use std::collections::HashMap;

use md5::{Digest, Md5};

use super::{
    no_pool, no_vol, Backend, PoolBackend, PoolInfo, PoolRef, VolInfo, VolRef, POOL_RUNNING,
};
use crate::conf::{pool, volume};
use crate::error::{Error, Result};
use crate::flags;
use crate::flags::esxConnectListAllStoragePoolsFlags::*;
use crate::stream::VolStream;
use crate::vi::datastore::DatastorePath;
use crate::vi::property::{self, PropertySpec};
use crate::vi::task::{self, AutoAnswer, TaskOutcome};
use crate::vi::vim25::{
    self, AnyDatastoreInfo, AnyFileInfo, AnyFileQuery, AnyVirtualDiskSpec, DatastoreBrowser,
    DatastorePool, FileBackedVirtualDiskSpec, FileQueryFlags, FloppyImageFileQuery,
    HostDatastoreBrowserSearchResults, HostDatastoreBrowserSearchSpec, IsoImageFileQuery,
    VirtualDiskSpec, VmDiskFileQuery, VmDiskFileQueryFlags,
};
use crate::vi::wire::{FromValue, View};
use crate::vi::{Fault, FaultOf};
use crate::vi::{MoRef, ObjectContent, Value};
use crate::Connection;

/// The backend.
pub(crate) struct Datastores;

const POOL_INACCESSIBLE: i32 = flags::esxStoragePoolState::ESX_STORAGE_POOL_INACCESSIBLE as i32;

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

    fn info(&self) -> Result<PoolInfo> {
        if !self.view.accessible {
            return Ok(PoolInfo {
                state: POOL_INACCESSIBLE,
                ..Default::default()
            });
        }
        let name = &self.view.name;
        let capacity = crate::reported::non_negative(
            self.view.capacity,
            "DatastoreSummary.capacity",
            &format!("datastore '{name}'"),
        )?;
        let available = crate::reported::non_negative(
            self.view.free_space,
            "DatastoreSummary.freeSpace",
            &format!("datastore '{name}'"),
        )?;
        Ok(PoolInfo {
            state: POOL_RUNNING,
            capacity,
            allocation: capacity.saturating_sub(available),
            available,
        })
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

/// What a listing of pools reads for this backend.
pub(crate) fn pool_properties() -> PropertySpec {
    PropertySpec::new(DatastorePool::TYPE, DatastorePool::PATHS)
}

/// The pools of a listing (the datastores among `objects`).
pub(crate) fn pools_of(objects: &[ObjectContent], host: &MoRef) -> Result<Vec<(PoolRef, u32)>> {
    objects
        .iter()
        .filter(|o| o.obj.kind == DatastorePool::TYPE)
        .map(|o| {
            let d = datastore_from(DatastorePool::from_object(o)?, host);
            Ok((d.pool_ref(), d.pool_type().flag()))
        })
        .collect()
}

fn datastore_from(view: DatastorePool, host: &MoRef) -> Datastore {
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

impl Connection {
    /// Every datastore of the host with what a pool needs: one request.
    fn datastores(&self) -> Result<Vec<Datastore>> {
        let host = self.scope()?.host.clone();
        self.host_datastores(vec![pool_properties()], false)?
            .iter()
            .map(|o| Ok(datastore_from(DatastorePool::from_object(o)?, &host)))
            .collect()
    }

    /// The pool's datastore, read by the reference its handle holds: one
    /// small request whatever the number of datastores. A reference the
    /// host no longer has, or a datastore no longer mounted on this host,
    /// is looked for by name among the host's datastores (a datastore
    /// mounted again under a new reference keeps its pool).
    fn datastore(&self, pool: &PoolRef) -> Result<Datastore> {
        let host = self.scope()?.host.clone();
        let read = property::retrieve_one(self.client(), &pool.moref, DatastorePool::PATHS)?;
        if let Some(o) = read {
            let view = DatastorePool::from_object(&o)?;
            // (The mounts are optional: unreported, the reference stands.)
            let here = view.mounts.is_empty() || view.mounts.iter().any(|m| m.key == host);
            if here && view.name == pool.name {
                return Ok(datastore_from(view, &host));
            }
        }
        self.datastores()?
            .into_iter()
            .find(|d| d.view.name == pool.name)
            .ok_or_else(|| no_pool(&pool.name))
    }
}

/// What the datastore browser says of a volume: its format, and its sizes
/// where the host reported them (None: unknown, never 0).
#[derive(Debug, Clone, Copy)]
struct VolFacts {
    format: &'static str,
    /// What the capacity comes from (for the error when it is unknown).
    capacity_property: &'static str,
    is_disk: bool,
    capacity: Option<u64>,
    allocation: Option<u64>,
}

fn vol_facts(f: &AnyFileInfo, path: &str) -> Result<VolFacts> {
    let size = |v: Option<i64>| {
        v.map(|v| crate::reported::non_negative(v, "FileInfo.fileSize", &format!("'{path}'")))
            .transpose()
    };
    Ok(match f {
        AnyFileInfo::VmDiskFileInfo(d) => {
            let capacity = d
                .capacity_kb
                .map(|kb| {
                    crate::reported::non_negative(
                        kb,
                        "VmDiskFileInfo.capacityKb",
                        &format!("'{path}'"),
                    )?
                    .checked_mul(1024)
                    .ok_or_else(|| {
                        Error::rpc(format!(
                            "The host reported VmDiskFileInfo.capacityKb = {kb} for '{path}', \
                                 more bytes than can be counted"
                        ))
                    })
                })
                .transpose()?;
            VolFacts {
                format: "vmdk",
                capacity_property: "VmDiskFileInfo.capacityKb",
                is_disk: true,
                capacity,
                allocation: size(d.file_size)?,
            }
        }
        AnyFileInfo::IsoImageFileInfo(i) => {
            let n = size(i.file_size)?;
            VolFacts {
                format: "iso",
                capacity_property: "FileInfo.fileSize",
                is_disk: false,
                capacity: n,
                allocation: n,
            }
        }
        other => {
            let n = size(match other {
                AnyFileInfo::FloppyImageFileInfo(x) => x.file_size,
                AnyFileInfo::FolderFileInfo(x) => x.file_size,
                AnyFileInfo::FileInfo(x) => x.file_size,
                _ => None,
            })?;
            VolFacts {
                format: "raw",
                capacity_property: "FileInfo.fileSize",
                is_disk: false,
                capacity: n,
                allocation: n,
            }
        }
    })
}

/// The error for a size an operation needs and the host did not report.
fn unknown_size(path: &str, what: &str, property: &str) -> Error {
    Error::operation_failed(format!(
        "The host did not report the {what} of '{path}' ({property}){}",
        if property.starts_with("VmDisk") {
            " and the disk's descriptor states none that can be used"
        } else {
            ""
        }
    ))
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

/// The directory (inside the datastore, no trailing `/`) of a search
/// result's folder path, `[ds]` or `[ds] dir/`; an error for any other form
/// or another datastore, so that no file is named in the wrong directory.
fn result_directory(folder: &str, pool: &str) -> Result<String> {
    let bad = |why: &str| {
        Error::rpc(format!(
            "The host's search of storage pool '{pool}' gave the folder path '{folder}' \
             (HostDatastoreBrowserSearchResults.folderPath), {why}"
        ))
    };
    let p =
        DatastorePath::parse(folder).map_err(|_| bad("not of the form '[datastore] directory'"))?;
    if p.datastore != pool {
        return Err(bad("a folder of another datastore"));
    }
    let dir = p.directory_and_file.trim_end_matches('/');
    if !dir.is_empty() && canonical_name(dir).is_err() {
        return Err(bad("not a canonical directory"));
    }
    Ok(dir.to_string())
}

/// `dir/file`, or `file` at the datastore's root.
fn volume_name(dir: &str, file: &str) -> String {
    if dir.is_empty() {
        file.to_string()
    } else {
        format!("{dir}/{file}")
    }
}

/// A volume's name must be canonical: one disk, one name, one handle.
/// `dir//file`, `dir/./file`, `dir/../x/file` and trailing slashes are
/// other spellings of some file, and a handle with one would act on it.
pub(crate) fn canonical_name(name: &str) -> Result<()> {
    let mut parts = name.split('/');
    // A leading space is lost in a datastore path (`[ds]  d/x` is read as
    // `[ds] d/x` by hosts that trim it), so it too would name another file.
    let bad = parts.any(|c| c.is_empty() || c == "." || c == "..")
        || name.contains('\\')
        || name.starts_with(char::is_whitespace)
        || name.ends_with(char::is_whitespace);
    if !bad {
        return Ok(());
    }
    let canonical: Vec<&str> = name
        .trim()
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect();
    let hint = if canonical.contains(&"..") || canonical.is_empty() {
        String::new()
    } else {
        format!(" (did you mean '{}'?)", canonical.join("/"))
    };
    Err(Error::invalid_arg(format!(
        "Volume name '{name}' is not canonical: it has an empty, '.' or '..' component, a \
         backslash, or leading or trailing white space{hint}"
    )))
}

/// libvirt's volume key form of a disk UUID (`60 00 C2 9a ...` ->
/// `6000c29a-....`).
fn reformat_uuid(vmware: &str) -> Result<String> {
    crate::uuid::parse(vmware)
        .map(|u| crate::uuid::format(&u))
        .ok_or_else(|| Error::rpc(format!("Could not parse UUID from string '{vmware}'")))
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

    /// The datastore browser of a pool: read once per connection (one
    /// request for every datastore of the host), then remembered.
    fn browser(&self, pool: &str) -> Result<MoRef> {
        if let Some(b) = self.browsers.lock().ok().and_then(|m| m.get(pool).cloned()) {
            return Ok(b);
        }
        let props = PropertySpec::new(DatastoreBrowser::TYPE, DatastoreBrowser::PATHS);
        let mut found = None;
        let mut all = HashMap::new();
        for o in self.host_datastores(vec![props], false)? {
            let d = DatastoreBrowser::from_object(&o)?;
            if d.name == pool {
                found = Some(d.browser.clone());
            }
            all.insert(d.name, d.browser);
        }
        if let Ok(mut m) = self.browsers.lock() {
            *m = all;
        }
        found.ok_or_else(|| no_pool(pool))
    }

    /// Runs a search with the pool's browser. When a remembered browser is
    /// refused (the host no longer has it, or it no longer serves a
    /// datastore of that name), the browser is read again and the search
    /// runs once more: a remembered reference never changes an answer.
    fn search<T>(&self, pool: &str, run: impl Fn(&MoRef) -> Result<T>) -> Result<T> {
        let remembered = self.browsers.lock().ok().and_then(|m| m.get(pool).cloned());
        let browser = match remembered {
            Some(b) => match run(&b) {
                Err(e)
                    if matches!(
                        e.fault(),
                        Some(
                            "ManagedObjectNotFound"
                                | "InvalidDatastore"
                                | "InvalidDatastorePath"
                                | "InvalidArgument"
                        )
                    ) =>
                {
                    if let Ok(mut m) = self.browsers.lock() {
                        m.clear();
                    }
                    self.browser(pool)?
                }
                done => return done,
            },
            None => self.browser(pool)?,
        };
        run(&browser)
    }

    /// The volumes of a pool: one search task over its folders.
    fn volume_files(&self, pool: &str) -> Result<Vec<(String, AnyFileInfo)>> {
        let spec = volume_queries(None);
        let what = format!("search storage pool '{pool}'");
        let out = self.search(pool, |browser| {
            self.host_task(&what, |c| {
                vim25::search_datastore_sub_folders_task(
                    c,
                    browser,
                    &format!("[{pool}]"),
                    Some(&spec),
                )?
                .ok_or_else(|| Error::rpc("SearchDatastoreSubFolders_Task returned no task"))
            })
        })?;
        let mut files = Vec::new();
        for v in out.result.iter().flat_map(Value::items) {
            let r = HostDatastoreBrowserSearchResults::from_value(v)?;
            // A result without its folder (the path is optional in the VI
            // reference) cannot be named: rather than a listing that
            // leaves volumes out (or names them in the wrong directory),
            // the listing fails and says what the host did not say.
            if r.file.is_empty() {
                continue;
            }
            let Some(folder) = r.folder_path.as_deref() else {
                return Err(Error::rpc(format!(
                    "The host's search of storage pool '{pool}' listed {} files without their \
                     folder (HostDatastoreBrowserSearchResults.folderPath); their volumes \
                     cannot be named",
                    r.file.len()
                )));
            };
            let dir = result_directory(folder, pool)?;
            for f in r.file {
                files.push((volume_name(&dir, file_path(&f)), f));
            }
        }
        Ok(files)
    }

    /// One file of a pool (one search task in its folder).
    fn volume_file(&self, pool: &str, name: &str) -> Result<AnyFileInfo> {
        canonical_name(name)?;
        let (dir, file) = match name.rsplit_once('/') {
            Some((d, f)) => (format!("[{pool}] {d}"), f),
            None => (format!("[{pool}]"), name),
        };
        let spec = volume_queries(Some(file));
        let what = format!("look up storage volume '{name}' in pool '{pool}'");
        let missing = || {
            no_vol(&format!(
                "Could not find storage volume with name '{name}' in pool '{pool}'"
            ))
        };
        let out = match self.search(pool, |browser| {
            self.host_task(&what, |c| {
                vim25::search_datastore_task(c, browser, &dir, Some(&spec))
            })
        }) {
            Ok(o) => o,
            Err(e) if e.is_fault(&Fault::FileNotFound) => return Err(missing()),
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

    /// The key of a volume, as libvirt's driver forms it: on ESX a disk's
    /// UUID, else (other files, and every file on vCenter, which libvirt
    /// does not ask for UUIDs) its datastore path. A disk whose UUID the
    /// host cannot say (a descriptor without one) is keyed by its path, as
    /// the file it is, rather than failing every listing it is in.
    fn volume_key(&self, path: &str, f: &AnyFileInfo) -> Result<String> {
        if !matches!(f, AnyFileInfo::VmDiskFileInfo(_)) || !self.keys_are_uuids() {
            return Ok(path.to_string());
        }
        Ok(self.disk_key(path)?.unwrap_or_else(|| path.to_string()))
    }

    /// Whether disks are keyed by UUID (libvirt: only on ESX, never vCenter).
    fn keys_are_uuids(&self) -> bool {
        !self.is_vcenter()
    }

    /// A disk's UUID in libvirt's key form; None when the host gives none
    /// it can stand by (a fault for this disk, or no UUID in its answer).
    fn disk_key(&self, path: &str) -> Result<Option<String>> {
        let manager = self.disk_manager()?;
        let dc = self.scope()?.datacenter.clone();
        let uuid = match vim25::query_virtual_disk_uuid(self.client(), &manager, path, Some(&dc)) {
            Ok(u) => u,
            Err(e) if e.vi_fault().is_some() => {
                log::warn!("volume '{path}' is keyed by its path: the host gave no UUID ({e})");
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        match reformat_uuid(&uuid) {
            Ok(k) => Ok(Some(k)),
            Err(e) => {
                log::warn!("volume '{path}' is keyed by its path: {e}");
                Ok(None)
            }
        }
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

    /// The volume named `name` (canonical) in `pool`, as the host lists it.
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

    /// A volume's sizes: the browser's, and a disk's capacity from its
    /// descriptor where the host leaves capacityKb out.
    fn vol_sizes(&self, vol: &VolRef, f: &AnyFileInfo) -> Result<VolFacts> {
        let mut facts = vol_facts(f, &vol.path())?;
        if facts.is_disk && facts.capacity.is_none() {
            facts.capacity = self.descriptor_capacity(vol)?;
        }
        Ok(facts)
    }

    /// What a disk's descriptor says its capacity is (None: it does not).
    fn descriptor_capacity(&self, vol: &VolRef) -> Result<Option<u64>> {
        let path = DatastorePath::parse(&vol.path())?;
        let dc = self.scope()?.datacenter_path.clone();
        let bytes = crate::vi::datastore::download(self.client(), &dc, &path)?;
        Ok(crate::descriptor::capacity(&String::from_utf8_lossy(
            &bytes,
        )))
    }

    /// A file's size as the browser reports it (None: not reported).
    pub(crate) fn file_size(&self, vol: &VolRef) -> Result<Option<u64>> {
        let f = self.volume_file(&vol.pool, &vol.name)?;
        Ok(vol_facts(&f, &vol.path())?.allocation)
    }
}

const BACKEND: &str = "datastore";

/// What this backend makes of a `<volume>` document: a file volume, a
/// vmdk named `<directory>/<file>.vmdk` (canonical), as libvirt's driver
/// requires.
fn new_disk(xml: &str) -> Result<volume::NewVolume> {
    let def = volume::parse(xml)?;
    if def.kind != "file" {
        return Err(Error::no_support(
            "Creating non-file volumes is not supported",
        ));
    }
    if let Some(f) = def.format.as_deref() {
        if f != "vmdk" {
            return Err(Error::no_support(format!(
                "Creation of {f} volumes is not supported (ESX creates vmdk virtual disks)"
            )));
        }
    }
    let name = &def.name;
    canonical_name(name)?;
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
    Ok(def)
}

/// By datastore path (`[pool] dir/file`).
pub(crate) fn volume_by_path(c: &Connection, path: &str) -> Result<VolRef> {
    let p = DatastorePath::parse(path)?;
    if p.directory_and_file.is_empty() {
        return Err(no_vol(&format!(
            "Could not find storage volume with path '{path}': it names a datastore, not a file"
        )));
    }
    c.volume(&p.datastore, &p.directory_and_file)
}

/// By disk UUID (libvirt's key form), asking every datastore's disks for
/// theirs, as libvirt's driver does; None on vCenter, where keys are paths.
pub(crate) fn volume_by_uuid_key(c: &Connection, key: &str) -> Result<Option<VolRef>> {
    if !c.keys_are_uuids() {
        return Ok(None);
    }
    for d in c.datastores()? {
        let pool = d.view.name;
        for (name, f) in c.volume_files(&pool)? {
            if !matches!(f, AnyFileInfo::VmDiskFileInfo(_)) {
                continue;
            }
            let path = format!("[{pool}] {name}");
            if c.disk_key(&path)?
                .is_some_and(|k| k.eq_ignore_ascii_case(key))
            {
                return Ok(Some(VolRef {
                    pool,
                    name,
                    key: key.to_ascii_lowercase(),
                    backend: Backend::Datastore,
                }));
            }
        }
    }
    Ok(None)
}

impl Connection {
    /// The handle of a volume just made at `path`: named as the host lists
    /// it (the escaped name it was made under), never as it was asked for.
    fn created(&self, path: &str) -> Result<VolRef> {
        let p = DatastorePath::parse(path)?;
        self.volume(&p.datastore, &p.directory_and_file)
            .map_err(|e| {
                e.context(format!(
                    "The volume '{path}' was made but cannot be read back"
                ))
            })
    }

    /// Where a volume's contents are, and their size when known: a disk's
    /// data file (its size from the descriptor's extent), else the file.
    fn data_path(&self, vol: &VolRef) -> Result<(DatastorePath, Option<u64>)> {
        let path = DatastorePath::parse(&vol.path())?;
        if !vol.name.to_ascii_lowercase().ends_with(".vmdk") {
            return Ok((path, None));
        }
        let dc = self.scope()?.datacenter_path.clone();
        let bytes = crate::vi::datastore::download(self.client(), &dc, &path)
            .map_err(|e| e.context(format!("Could not read the descriptor of '{}'", vol.path())))?;
        let text = String::from_utf8_lossy(&bytes);
        let (file, size) = crate::descriptor::flat_extent(&text).ok_or_else(|| {
            Error::argument_unsupported(format!(
                "'{}' is not a flat disk (one data file of a size its descriptor states): its \
                 contents cannot be streamed",
                vol.path()
            ))
        })?;
        let dir = vol.name.rsplit_once('/').map_or("", |(d, _)| d);
        Ok((
            DatastorePath::parse(&format!("[{}] {}", vol.pool, volume_name(dir, &file)))?,
            Some(size),
        ))
    }
}

impl PoolBackend for Datastores {
    fn name(&self) -> &'static str {
        BACKEND
    }

    fn pool_info(&self, c: &Connection, pool: &PoolRef) -> Result<PoolInfo> {
        c.datastore(pool)?.info()
    }

    fn pool_def(&self, c: &Connection, p: &PoolRef) -> Result<pool::PoolDef> {
        let d = c.datastore(p)?;
        let info = d.info()?;
        let mut source = pool::PoolSource::default();
        match &d.view.info {
            AnyDatastoreInfo::NasDatastoreInfo(n) => {
                if let Some(nas) = &n.nas {
                    source.host = Some((nas.remote_host.clone(), None));
                    source.dir = Some(nas.remote_path.clone());
                    source.format = Some(if nas.r#type.eq_ignore_ascii_case("CIFS") {
                        "cifs"
                    } else {
                        "nfs"
                    });
                }
            }
            AnyDatastoreInfo::VmfsDatastoreInfo(_) => source.format = Some("vmfs"),
            _ => {}
        }
        Ok(pool::PoolDef {
            kind: d.pool_type().name(),
            name: p.name.clone(),
            uuid: p.uuid,
            capacity: info.capacity,
            allocation: info.allocation,
            available: info.available,
            source,
            target_path: Some(d.path.clone()),
        })
    }

    /// RefreshDatastore: the host re-reads the datastore's capacity.
    fn refresh(&self, c: &Connection, pool: &PoolRef) -> Result<()> {
        let d = c.datastore(pool)?;
        crate::vi::methods::refresh_datastore(c.client(), &d.view.obj)
    }

    fn exists(&self, c: &Connection, pool: &PoolRef) -> Result<()> {
        c.datastore(pool).map(|_| ())
    }

    /// One search task, and a UUID query per disk (on ESX).
    fn volumes(&self, c: &Connection, pool: &PoolRef) -> Result<Vec<VolRef>> {
        c.volume_files(&pool.name)?
            .into_iter()
            .map(|(name, f)| {
                let path = format!("[{}] {name}", pool.name);
                Ok(VolRef {
                    pool: pool.name.clone(),
                    key: c.volume_key(&path, &f)?,
                    name,
                    backend: Backend::Datastore,
                })
            })
            .collect()
    }

    /// One search task, no keys.
    fn volume_names(&self, c: &Connection, pool: &PoolRef) -> Result<Vec<String>> {
        Ok(c.volume_files(&pool.name)?
            .into_iter()
            .map(|(n, _)| n)
            .collect())
    }

    fn volume(&self, c: &Connection, pool: &PoolRef, name: &str) -> Result<VolRef> {
        c.volume(&pool.name, name)
    }

    fn vol_info(&self, c: &Connection, vol: &VolRef) -> Result<VolInfo> {
        let path = vol.path();
        let f = c.vol_sizes(vol, &c.volume_file(&vol.pool, &vol.name)?)?;
        Ok(VolInfo {
            r#type: 0,
            capacity: f
                .capacity
                .ok_or_else(|| unknown_size(&path, "capacity", f.capacity_property))?,
            allocation: f
                .allocation
                .ok_or_else(|| unknown_size(&path, "allocation", "FileInfo.fileSize"))?,
        })
    }

    fn vol_def(&self, c: &Connection, vol: &VolRef) -> Result<volume::VolDef> {
        let f = c.volume_file(&vol.pool, &vol.name)?;
        let facts = c.vol_sizes(vol, &f)?;
        let path = vol.path();
        Ok(volume::VolDef {
            kind: "file",
            name: vol.name.clone(),
            key: c.volume_key(&path, &f)?,
            capacity: facts.capacity,
            allocation: facts.allocation,
            path,
            format: Some(facts.format),
        })
    }

    /// A new virtual disk: thin (allocation 0) or preallocated (allocation
    /// = capacity), lsiLogic; its directory is made if it is missing (and
    /// removed again if the disk cannot be made).
    fn create(&self, c: &Connection, pool: &PoolRef, xml: &str) -> Result<VolRef> {
        let def = new_disk(xml)?;
        c.check_writable(&format!("create storage volume '{}'", def.name))?;
        let disk_type = disk_type(&def)?;
        let manager = c.disk_manager()?;
        let dc = c.scope()?.datacenter.clone();
        let spec = AnyVirtualDiskSpec::FileBackedVirtualDiskSpec(FileBackedVirtualDiskSpec {
            disk_type: disk_type.into(),
            adapter_type: "lsiLogic".into(),
            capacity_kb: kib(def.capacity)?,
        });
        let new = c.ensure_directory(&pool.name, &def.name)?;
        let path = new.path.clone();
        if let Err(e) = c.host_task(&format!("create volume '{path}'"), |cl| {
            vim25::create_virtual_disk_task(cl, &manager, &path, Some(&dc), &spec)
        }) {
            c.undo_directory(&new);
            return Err(e);
        }
        c.created(&path)
    }

    /// A copy of `source` (any datastore of the host) as a new disk. It
    /// takes the allocation the XML asks for when it is one ESX knows (0:
    /// thin, the capacity: preallocated); any other (the source's own XML,
    /// as `vol-clone` sends it) leaves the choice to the host, as libvirt's
    /// driver always does.
    fn create_from(
        &self,
        c: &Connection,
        pool: &PoolRef,
        xml: &str,
        source: &VolRef,
    ) -> Result<VolRef> {
        let def = new_disk(xml)?;
        c.check_writable(&format!("create storage volume '{}'", def.name))?;
        let spec = disk_type(&def).ok().map(|t| {
            AnyVirtualDiskSpec::VirtualDiskSpec(VirtualDiskSpec {
                disk_type: t.into(),
                adapter_type: "lsiLogic".into(),
            })
        });
        let manager = c.disk_manager()?;
        let dc = c.scope()?.datacenter.clone();
        let new = c.ensure_directory(&pool.name, &def.name)?;
        let path = new.path.clone();
        let src = source.path();
        let what = format!("copy volume '{src}' to '{path}'");
        let copy = |spec: Option<&AnyVirtualDiskSpec>| {
            c.host_task(&what, |cl| {
                vim25::copy_virtual_disk_task(
                    cl,
                    &manager,
                    &src,
                    Some(&dc),
                    &path,
                    Some(&dc),
                    spec,
                    Some(false),
                )
            })
        };
        let copied = match copy(spec.as_ref()) {
            Ok(_) => Ok(()),
            // vCenter cannot choose a copy's format (NotImplemented for any
            // destSpec), where libvirt's driver, which never sends one,
            // succeeds. Preallocated is what a copy without one gets (the
            // VI reference), so that request is met without it; thin is
            // not, and is refused rather than silently made thick.
            Err(e) if e.is_fault(&Fault::NotImplemented) && spec.is_some() => {
                if disk_type(&def).ok() == Some("thin") {
                    Err(Error::config_unsupported(format!(
                        "Could not {what}: this host (vCenter) cannot choose the format of a copy, \
                         so a thin copy (allocation 0) cannot be made; leave <allocation> out to \
                         get the host's format ({})",
                        e.message()
                    )))
                } else {
                    copy(None).map(|_| ())
                }
            }
            Err(e) => Err(e),
        };
        if let Err(e) = copied {
            c.undo_directory(&new);
            return Err(e);
        }
        c.created(&path)
    }

    fn delete(&self, c: &Connection, vol: &VolRef) -> Result<()> {
        c.check_writable(&format!("delete storage volume '{}'", vol.name))?;
        let manager = c.disk_manager()?;
        let dc = c.scope()?.datacenter.clone();
        let path = vol.path();
        c.host_task(&format!("delete volume '{path}'"), |cl| {
            vim25::delete_virtual_disk_task(cl, &manager, &path, Some(&dc))
        })
        .map(|_| ())
    }

    /// ZeroFillVirtualDisk_Task.
    fn wipe(&self, c: &Connection, vol: &VolRef) -> Result<()> {
        c.check_writable(&format!("wipe storage volume '{}'", vol.name))?;
        let manager = c.disk_manager()?;
        let dc = c.scope()?.datacenter.clone();
        let path = vol.path();
        c.host_task(&format!("wipe volume '{path}'"), |cl| {
            vim25::zero_fill_virtual_disk_task(cl, &manager, &path, Some(&dc))
        })
        .map(|_| ())
    }

    /// ExtendVirtualDisk_Task; ESX cannot shrink a disk.
    fn resize(&self, c: &Connection, vol: &VolRef, capacity: u64, flags: u32) -> Result<()> {
        use crate::flags::esxStorageVolResizeFlags::*;
        if flags & ESX_STORAGE_VOL_RESIZE_SHRINK as u32 != 0 {
            return Err(Error::argument_unsupported(
                "ESX cannot shrink a virtual disk",
            ));
        }
        c.check_writable(&format!("resize storage volume '{}'", vol.name))?;
        let target = if flags & ESX_STORAGE_VOL_RESIZE_DELTA as u32 != 0 {
            // The capacity now: unknown is an error, never 0 (a delta on
            // 0 would ask the host to shrink the disk).
            let f = c.vol_sizes(vol, &c.volume_file(&vol.pool, &vol.name)?)?;
            let now = f.capacity.ok_or_else(|| {
                unknown_size(&vol.path(), "capacity", "VmDiskFileInfo.capacityKb")
            })?;
            now.checked_add(capacity)
                .ok_or_else(|| Error::invalid_arg("the new capacity overflows"))?
        } else {
            capacity
        };
        let eager = flags & ESX_STORAGE_VOL_RESIZE_ALLOCATE as u32 != 0;
        let manager = c.disk_manager()?;
        let dc = c.scope()?.datacenter.clone();
        let path = vol.path();
        let kb = kib(target)?;
        c.host_task(&format!("resize volume '{path}'"), |cl| {
            vim25::extend_virtual_disk_task(cl, &manager, &path, Some(&dc), kb, Some(eager))
        })
        .map(|_| ())
        .map_err(|e| {
            // The host only says "newCapacityKb"; say why when it is a
            // shrink (read only on failure, so success costs nothing more).
            match self.vol_info(c, vol) {
                Ok(info) if target < info.capacity => Error::invalid_arg(format!(
                    "Cannot shrink '{path}' from {} to {target} bytes: ESX can only grow a virtual disk",
                    info.capacity
                )),
                _ => e,
            }
        })
    }

    /// The data file's `length` bytes (0: all) from `offset`.
    fn download(
        &self,
        c: &Connection,
        vol: &VolRef,
        offset: u64,
        length: u64,
    ) -> Result<VolStream> {
        let (data, size) = c.data_path(vol)?;
        c.download_file(
            &data,
            offset,
            length,
            size,
            || c.file_size(vol),
            format!("download '{}'", vol.path()),
        )
    }

    /// Replaces the contents with what the caller sends: `length` bytes;
    /// 0 for a disk means its data file's size, for another file as many
    /// as are sent. The host's `/folder` replaces whole files, so `offset`
    /// must be 0; a disk's data must be exactly the size its descriptor
    /// states, so that it stays true.
    fn upload(&self, c: &Connection, vol: &VolRef, offset: u64, length: u64) -> Result<VolStream> {
        let what = format!("upload into '{}'", vol.path());
        c.check_writable(&what)?;
        if offset != 0 {
            return Err(Error::argument_unsupported(
                "ESX replaces a datastore file whole: the upload offset must be 0",
            ));
        }
        let (data, size) = c.data_path(vol)?;
        if let Some(size) = size {
            // The data file the descriptor names must be there, of the
            // size it states: else the upload would make or replace some
            // other file.
            let file = format!("[{}] {}", data.datastore, data.directory_and_file);
            match c.served_size(&data)? {
                Some(s) if s == size => {}
                Some(s) => {
                    return Err(Error::operation_failed(format!(
                        "Could not {what}: its data file '{file}' is {s} bytes where the \
                         descriptor states {size}; nothing was sent"
                    )))
                }
                None => {
                    return Err(no_vol(&format!(
                        "Could not {what}: its data file '{file}' does not exist"
                    )))
                }
            }
        }
        let expected = match size {
            Some(size) => {
                if length != 0 && length != size {
                    return Err(Error::invalid_arg(format!(
                        "A disk's contents are its data file's {size} bytes: upload {size} bytes, \
                         not {length}"
                    )));
                }
                Some(size)
            }
            None => (length > 0).then_some(length),
        };
        c.upload_file(&data, expected, what)
    }
}

/// libvirt's rule: allocation = capacity is preallocated, 0 is thin.
fn disk_type(def: &volume::NewVolume) -> Result<&'static str> {
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

/// Where a new volume goes: `[pool] dir/file`, and the directory when this
/// call made it.
struct NewFile {
    path: String,
    made_directory: Option<String>,
}

impl Connection {
    /// `[pool] dir/file` for a new file, its directory made if missing.
    fn ensure_directory(&self, pool: &str, name: &str) -> Result<NewFile> {
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
        let made =
            match vim25::make_directory(self.client(), &manager, &folder, Some(&dc), Some(true)) {
                Ok(()) => true,
                Err(e) if e.is_fault(&Fault::FileAlreadyExists) => false,
                Err(e) => return Err(e.context(format!("Could not create directory '{folder}'"))),
            };
        Ok(NewFile {
            path: format!("{folder}/{file}"),
            made_directory: made.then_some(folder),
        })
    }

    /// After a failed creation: the directory made for it goes too, so
    /// that the host is as it was (best effort; a failure is logged).
    fn undo_directory(&self, new: &NewFile) {
        let Some(folder) = &new.made_directory else {
            return;
        };
        let Some(manager) = self.client().service().file_manager.clone() else {
            return;
        };
        let Ok(dc) = self.scope().map(|s| s.datacenter.clone()) else {
            return;
        };
        if let Err(e) = self.host_task(&format!("remove directory '{folder}'"), |c| {
            vim25::delete_datastore_file_task(c, &manager, folder, Some(&dc))
        }) {
            log::warn!("the directory '{folder}' made for a volume that failed stays: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A capacity the host cannot mean (negative, or past u64 in bytes) is
    /// an error naming it; one it leaves out is unknown, not 0.
    #[test]
    fn reported_disk_sizes() {
        use crate::vi::vim25::VmDiskFileInfo;
        let disk = |kb: Option<i64>, size: Option<i64>| {
            AnyFileInfo::VmDiskFileInfo(VmDiskFileInfo {
                path: "d.vmdk".into(),
                capacity_kb: kb,
                file_size: size,
                ..Default::default()
            })
        };
        let f = vol_facts(&disk(Some(2), Some(10)), "[ds] d.vmdk").unwrap();
        assert_eq!((f.capacity, f.allocation), (Some(2048), Some(10)));
        let f = vol_facts(&disk(None, None), "[ds] d.vmdk").unwrap();
        assert_eq!((f.capacity, f.allocation), (None, None));
        let e = vol_facts(&disk(Some(i64::MAX), None), "[ds] d.vmdk").unwrap_err();
        assert!(
            e.message().contains("more bytes than can be counted"),
            "{e}"
        );
        let e = vol_facts(&disk(Some(-1), None), "[ds] d.vmdk").unwrap_err();
        assert!(e.message().contains("capacityKb = -1"), "{e}");
        let e = vol_facts(&disk(Some(1), Some(-7)), "[ds] d.vmdk").unwrap_err();
        assert!(e.message().contains("fileSize = -7"), "{e}");
    }

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
