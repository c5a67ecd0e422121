// SPDX-License-Identifier: LGPL-2.1-or-later
//! libvirt's storage driver over ESX: a facade (the `Storage` entries,
//! named after libvirt's table) that checks what libvirt checks and hands
//! each pool and volume to its backend, as libvirt's storage driver
//! dispatches through its backends table:
//!
//! - [`datastore`]: the host's datastores (VMFS, NFS 3 and 4.1, vSAN, vVol,
//!   local) as libvirt's ESX driver presents them, their disks and images
//!   as volumes;
//! - [`iscsi`]: the static targets of the host's iSCSI adapters as libvirt's
//!   iSCSI backend presents them, their LUNs as volumes.
//!
//! A backend that cannot do something (ESX makes no LUNs) leaves it to the
//! trait's default, which refuses as libvirt refuses a backend without the
//! callback. Pool and volume XML come from the conf layer.

pub mod datastore;
pub mod iscsi;

use crate::conf::{pool, volume};
use crate::error::{check_flags, Code, Error, Result};
use crate::flags;
use crate::flags::esxConnectListAllStoragePoolsFlags::{self, *};
use crate::stream::VolStream;
use crate::vi::property::{self, ObjectSpec, PropertyFilterSpec, PropertySpec, TraversalSpec};
use crate::vi::{MoRef, ObjectContent};
use crate::{Connection, Storage};

/// Which backend a pool or volume belongs to.
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

/// A volume as a handle holds it: its pool, its name in the pool
/// (`dir/file.vmdk`; a LUN's device path) and its key, as libvirt's drivers
/// form them.
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

/// virStoragePoolInfo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PoolInfo {
    pub state: i32,
    pub capacity: u64,
    pub allocation: u64,
    pub available: u64,
}

/// virStorageVolInfo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VolInfo {
    /// virStorageVolType: VIR_STORAGE_VOL_FILE (0), or _BLOCK (1) for a LUN.
    pub r#type: i32,
    pub capacity: u64,
    pub allocation: u64,
}

pub(crate) const POOL_RUNNING: i32 = flags::esxStoragePoolState::ESX_STORAGE_POOL_RUNNING as i32;

/// What a backend does: libvirt's virStorageBackend callbacks. Every
/// volume operation a backend leaves out is refused as libvirt refuses it.
pub(crate) trait PoolBackend: Sync {
    /// How refusals name the backend ("iSCSI storage pool").
    fn name(&self) -> &'static str;

    fn pool_info(&self, c: &Connection, pool: &PoolRef) -> Result<PoolInfo>;
    fn pool_def(&self, c: &Connection, pool: &PoolRef) -> Result<pool::PoolDef>;
    fn refresh(&self, c: &Connection, pool: &PoolRef) -> Result<()>;
    /// Ok when the pool still exists on the host.
    fn exists(&self, c: &Connection, pool: &PoolRef) -> Result<()>;

    /// The volumes with their keys.
    fn volumes(&self, c: &Connection, pool: &PoolRef) -> Result<Vec<VolRef>>;
    /// The volumes' names (a backend may find them more cheaply).
    fn volume_names(&self, c: &Connection, pool: &PoolRef) -> Result<Vec<String>> {
        Ok(self.volumes(c, pool)?.into_iter().map(|v| v.name).collect())
    }
    fn volume(&self, c: &Connection, pool: &PoolRef, name: &str) -> Result<VolRef>;
    fn vol_info(&self, c: &Connection, vol: &VolRef) -> Result<VolInfo>;
    fn vol_def(&self, c: &Connection, vol: &VolRef) -> Result<volume::VolDef>;

    /// A new volume from a `<volume>` document (the backend reads it).
    fn create(&self, _c: &Connection, _pool: &PoolRef, _xml: &str) -> Result<VolRef> {
        Err(self.unsupported("volume creation"))
    }
    fn create_from(
        &self,
        _c: &Connection,
        _pool: &PoolRef,
        _xml: &str,
        _source: &VolRef,
    ) -> Result<VolRef> {
        Err(self.unsupported("volume creation"))
    }
    fn delete(&self, _c: &Connection, _vol: &VolRef) -> Result<()> {
        Err(self.unsupported("volume deletion"))
    }
    fn wipe(&self, _c: &Connection, _vol: &VolRef) -> Result<()> {
        Err(self.unsupported("volume wiping"))
    }
    fn resize(&self, _c: &Connection, _vol: &VolRef, _capacity: u64, _flags: u32) -> Result<()> {
        Err(self.unsupported("resizing volumes"))
    }
    fn download(
        &self,
        _c: &Connection,
        _vol: &VolRef,
        _offset: u64,
        _length: u64,
    ) -> Result<VolStream> {
        Err(self.unsupported("downloads"))
    }
    fn upload(
        &self,
        _c: &Connection,
        _vol: &VolRef,
        _offset: u64,
        _length: u64,
    ) -> Result<VolStream> {
        Err(self.unsupported("uploads"))
    }

    fn unsupported(&self, what: &str) -> Error {
        Error::no_support(format!("{} does not support {what}", self.name()))
    }
}

fn backend(kind: Backend) -> &'static dyn PoolBackend {
    match kind {
        Backend::Datastore => &datastore::Datastores,
        Backend::Iscsi => &iscsi::IscsiTargets,
    }
}

pub(crate) fn no_pool(name: &str) -> Error {
    Error::new(
        Code::NoStoragePool,
        format!("Could not find storage pool with name '{name}'"),
    )
}

pub(crate) fn no_vol(what: &str) -> Error {
    Error::new(Code::NoStorageVol, what.to_string())
}

fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

fn max_names(maxnames: i32) -> Result<usize> {
    usize::try_from(maxnames).map_err(|_| Error::invalid_arg("maxnames must not be negative"))
}

impl Connection {
    /// The host's datastores with the properties `props` asks (and, with
    /// `host_too`, the host's own): the one traversal every datastore read
    /// uses, in one request.
    pub(crate) fn host_datastores(
        &self,
        props: Vec<PropertySpec>,
        host_too: bool,
    ) -> Result<Vec<ObjectContent>> {
        let host = self.scope()?.host.clone();
        let spec = PropertyFilterSpec::new(
            props,
            vec![ObjectSpec::traversing(
                &host,
                !host_too,
                vec![
                    TraversalSpec::new("hostToDatastore", "HostSystem", "datastore")
                        .into_selection(),
                ],
            )],
        );
        property::retrieve(self.client(), &spec)
    }

    /// Every pool of both backends, with its listing flag, in one request:
    /// the datastores (VMFS first, as libvirt lists them) then the iSCSI
    /// targets.
    fn all_pools(&self) -> Result<Vec<(PoolRef, u32)>> {
        let host = self.scope()?.host.clone();
        let objects = self.host_datastores(
            vec![datastore::pool_properties(), iscsi::pool_properties()],
            true,
        )?;
        let mut pools = datastore::pools_of(&objects, &host)?;
        pools.extend(iscsi::pools_of(&objects, &host)?);
        Ok(pools)
    }
}

impl Storage<'_> {
    pub fn connect_num_of_storage_pools(&self) -> Result<i32> {
        Ok(count(self.all_pools()?.len()))
    }

    /// The names of at most `maxnames` pools.
    pub fn connect_list_storage_pools(&self, maxnames: i32) -> Result<Vec<String>> {
        let max = max_names(maxnames)?;
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
        max_names(maxnames)?;
        Ok(Vec::new())
    }

    /// The pools matching libvirt's filter flags, in one request.
    pub fn connect_list_all_storage_pools(&self, flags: u32) -> Result<Vec<PoolRef>> {
        check_flags(flags, flags::CONNECT_LIST_ALL_STORAGE_POOLS)?;
        let has = |f: esxConnectListAllStoragePoolsFlags| flags & f as u32 != 0;
        // Every pool is active, persistent and autostarted.
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
                    Code::NoStoragePool,
                    format!(
                        "Could not find storage pool with uuid '{}'",
                        crate::uuid::format(uuid)
                    ),
                )
            })
    }

    pub fn storage_pool_lookup_by_volume(&self, vol: &VolRef) -> Result<PoolRef> {
        self.storage_pool_lookup_by_name(&vol.pool)
    }

    /// The host re-reads the pool (RefreshDatastore; an adapter rescan).
    pub fn storage_pool_refresh(&self, pool: &PoolRef, flags: u32) -> Result<()> {
        check_flags(flags, flags::STORAGE_NONE)?;
        backend(pool.backend)
            .refresh(self, pool)
            .map_err(|e| e.context(format!("Could not refresh storage pool '{}'", pool.name)))
    }

    pub fn storage_pool_get_info(&self, pool: &PoolRef) -> Result<PoolInfo> {
        backend(pool.backend).pool_info(self, pool)
    }

    /// The pool XML, as libvirt writes it.
    pub fn storage_pool_get_xml_desc(&self, pool: &PoolRef, flags: u32) -> Result<String> {
        check_flags(flags, flags::STORAGE_NONE)?;
        Ok(pool::format(&backend(pool.backend).pool_def(self, pool)?))
    }

    /// Pools start with the host: always 1, as libvirt's ESX driver says,
    /// without asking the host (a fact of ESX, not of the pool's state).
    pub fn storage_pool_get_autostart(&self, _pool: &PoolRef) -> Result<bool> {
        Ok(true)
    }

    /// Only "on" can be set (it already is).
    pub fn storage_pool_set_autostart(&self, pool: &PoolRef, autostart: bool) -> Result<()> {
        let b = backend(pool.backend);
        b.exists(self, pool)?;
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

    /// ESX pools cannot be stopped: always 1, as libvirt's ESX driver says,
    /// without asking the host (GetInfo's state says whether the host can
    /// reach the datastore now).
    pub fn storage_pool_is_active(&self, _pool: &PoolRef) -> Result<bool> {
        Ok(true)
    }

    /// ESX has no transient pools: always 1, as libvirt's ESX driver says,
    /// without asking the host.
    pub fn storage_pool_is_persistent(&self, _pool: &PoolRef) -> Result<bool> {
        Ok(true)
    }

    pub fn storage_pool_num_of_volumes(&self, pool: &PoolRef) -> Result<i32> {
        Ok(count(backend(pool.backend).volume_names(self, pool)?.len()))
    }

    /// The names of at most `maxnames` volumes.
    pub fn storage_pool_list_volumes(&self, pool: &PoolRef, maxnames: i32) -> Result<Vec<String>> {
        let max = max_names(maxnames)?;
        if max == 0 {
            return Ok(Vec::new());
        }
        let mut names = backend(pool.backend).volume_names(self, pool)?;
        names.truncate(max);
        Ok(names)
    }

    /// Every volume with its key.
    pub fn storage_pool_list_all_volumes(&self, pool: &PoolRef, flags: u32) -> Result<Vec<VolRef>> {
        check_flags(flags, flags::STORAGE_NONE)?;
        backend(pool.backend).volumes(self, pool)
    }

    pub fn storage_vol_lookup_by_name(&self, pool: &PoolRef, name: &str) -> Result<VolRef> {
        backend(pool.backend).volume(self, pool, name)
    }

    /// By datastore path (`[pool] dir/file`), or a LUN's device path (what
    /// does not start with `[`, libvirt's rule).
    pub fn storage_vol_lookup_by_path(&self, path: &str) -> Result<VolRef> {
        if path.starts_with('[') {
            datastore::volume_by_path(self, path)
        } else {
            iscsi::volume_by_path(self, path)
        }
    }

    /// By key: a datastore path, a disk UUID (on ESX), then a LUN's key
    /// (libvirt asks its iSCSI backend second too).
    pub fn storage_vol_lookup_by_key(&self, key: &str) -> Result<VolRef> {
        if key.starts_with('[') {
            return self.storage_vol_lookup_by_path(key);
        }
        if let Some(v) = datastore::volume_by_uuid_key(self, key)? {
            return Ok(v);
        }
        if let Some(v) = iscsi::volume_by_key(self, key)? {
            return Ok(v);
        }
        Err(no_vol(&if self.is_vcenter() {
            format!(
                "Could not find storage volume with key '{key}': on vCenter volume keys are \
                 datastore paths ('[datastore] directory/file')"
            )
        } else {
            format!("Could not find storage volume with key '{key}'")
        }))
    }

    pub fn storage_vol_get_info(&self, vol: &VolRef) -> Result<VolInfo> {
        backend(vol.backend).vol_info(self, vol)
    }

    /// The volume XML, as libvirt writes it.
    pub fn storage_vol_get_xml_desc(&self, vol: &VolRef, flags: u32) -> Result<String> {
        check_flags(flags, flags::STORAGE_NONE)?;
        Ok(volume::format(&backend(vol.backend).vol_def(self, vol)?))
    }

    pub fn storage_vol_get_path(&self, vol: &VolRef) -> Result<String> {
        Ok(vol.path())
    }

    /// A new volume from a `<volume>` document.
    pub fn storage_vol_create_xml(&self, pool: &PoolRef, xml: &str, flags: u32) -> Result<VolRef> {
        check_flags(flags, flags::STORAGE_NONE)?;
        backend(pool.backend).create(self, pool, xml)
    }

    /// A copy of `source` (any pool of the host) as a new volume of `pool`.
    pub fn storage_vol_create_xml_from(
        &self,
        pool: &PoolRef,
        xml: &str,
        source: &VolRef,
        flags: u32,
    ) -> Result<VolRef> {
        check_flags(flags, flags::STORAGE_NONE)?;
        if source.backend != pool.backend {
            return Err(backend(source.backend).unsupported("volume creation"));
        }
        backend(pool.backend).create_from(self, pool, xml, source)
    }

    pub fn storage_vol_delete(&self, vol: &VolRef, flags: u32) -> Result<()> {
        check_flags(flags, flags::STORAGE_NONE)?;
        backend(vol.backend).delete(self, vol)
    }

    /// Zeroes the volume's contents.
    pub fn storage_vol_wipe(&self, vol: &VolRef, flags: u32) -> Result<()> {
        check_flags(flags, flags::STORAGE_NONE)?;
        backend(vol.backend).wipe(self, vol)
    }

    /// Grows a volume to `capacity` bytes (ESX_STORAGE_VOL_RESIZE_DELTA: by
    /// that much); ESX cannot shrink a disk, so _SHRINK is refused.
    pub fn storage_vol_resize(&self, vol: &VolRef, capacity: u64, flags: u32) -> Result<()> {
        check_flags(flags, flags::STORAGE_VOL_RESIZE)?;
        backend(vol.backend).resize(self, vol, capacity, flags)
    }

    /// virStorageVolDownload: `length` bytes (0: all) of the volume's
    /// contents from `offset`.
    pub fn storage_vol_download(
        &self,
        vol: &VolRef,
        offset: u64,
        length: u64,
        flags: u32,
    ) -> Result<VolStream> {
        check_flags(flags, flags::STORAGE_NONE)?;
        backend(vol.backend).download(self, vol, offset, length)
    }

    /// virStorageVolUpload: replaces the volume's contents with what the
    /// caller sends (see the backend for what `length` must be).
    pub fn storage_vol_upload(
        &self,
        vol: &VolRef,
        offset: u64,
        length: u64,
        flags: u32,
    ) -> Result<VolStream> {
        check_flags(flags, flags::STORAGE_NONE)?;
        backend(vol.backend).upload(self, vol, offset, length)
    }
}
