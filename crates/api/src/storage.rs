//! Storage pools: the host's datastores (VMFS, NFS 3 and 4.1, vSAN, vVol,
//! local), as libvirt's ESX driver presents them (its VMFS backend): the
//! pool's name is the datastore's, its UUID the MD5 sum of the host's mount
//! path, its type `fs` (VMFS), `netfs` (NAS) or `dir`.
//!
//! Where libvirt's driver fails (a mount without a path crashes it; NFS 4.1
//! and vSAN datastores are "unexpected types") this one answers: see
//! docs/decisions.md.

use md5::{Digest, Md5};

use crate::error::{check_flags, Error, Result};
use crate::flags;
use crate::flags::esxConnectListAllStoragePoolsFlags::{self, *};
use crate::vi::property::{self, FilterSpec, ObjectSpec, PropertySpec, TraversalSpec};
use crate::vi::soap::escape as esc;
use crate::vi::vim25::{AnyDatastoreInfo, DatastorePool};
use crate::vi::wire::View;
use crate::vi::{methods, MoRef};
use crate::{Connection, Storage};

/// A pool as a handle holds it: its name, UUID and datastore.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolRef {
    pub name: String,
    pub uuid: [u8; 16],
    pub moref: MoRef,
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
        let mut out = Vec::new();
        for o in property::retrieve(self.client(), &spec)? {
            let view = DatastorePool::from_object(&o)?;
            // The mount of this host; a host may leave its path out (libvirt's
            // driver crashes there): the URL says the same path.
            let path = view
                .mounts
                .iter()
                .find(|m| m.key == host)
                .and_then(|m| m.mount_info.path.clone())
                .unwrap_or_else(|| url_path(&view.url));
            out.push(Datastore { view, path });
        }
        Ok(out)
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
        Ok(count(self.datastores()?.len()))
    }

    /// The names of at most `maxnames` pools.
    pub fn connect_list_storage_pools(&self, maxnames: i32) -> Result<Vec<String>> {
        let max = usize::try_from(maxnames)
            .map_err(|_| Error::invalid_arg("maxnames must not be negative"))?;
        if max == 0 {
            return Ok(Vec::new());
        }
        let mut names: Vec<String> = self
            .datastores()?
            .into_iter()
            .map(|d| d.view.name)
            .collect();
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
            .datastores()?
            .iter()
            .filter(|d| types == 0 || types & d.pool_type().flag() != 0)
            .map(Datastore::pool_ref)
            .collect())
    }

    pub fn storage_pool_lookup_by_name(&self, name: &str) -> Result<PoolRef> {
        self.datastores()?
            .iter()
            .find(|d| d.view.name == name)
            .map(Datastore::pool_ref)
            .ok_or_else(|| no_pool(name))
    }

    pub fn storage_pool_lookup_by_uuid(&self, uuid: &[u8; 16]) -> Result<PoolRef> {
        self.datastores()?
            .iter()
            .map(Datastore::pool_ref)
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
        let d = self.datastore(pool)?;
        methods::refresh_datastore(self.client(), &d.view.obj)
            .map_err(|e| e.context(format!("Could not refresh storage pool '{}'", pool.name)))
    }

    pub fn storage_pool_get_info(&self, pool: &PoolRef) -> Result<PoolInfo> {
        Ok(self.datastore(pool)?.info())
    }

    /// The pool XML, as libvirt's ESX driver writes it.
    pub fn storage_pool_get_xml_desc(&self, pool: &PoolRef, flags: u32) -> Result<String> {
        check_flags(flags, flags::STORAGE_NONE)?;
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
        self.datastore(pool)?;
        Ok(true)
    }

    /// Only "on" can be set (it already is).
    pub fn storage_pool_set_autostart(&self, pool: &PoolRef, autostart: bool) -> Result<()> {
        self.datastore(pool)?;
        if !autostart {
            return Err(Error::operation_invalid(format!(
                "Cannot deactivate storage pool autostart: datastore '{}' always starts with the host",
                pool.name
            )));
        }
        Ok(())
    }

    pub fn storage_pool_is_active(&self, pool: &PoolRef) -> Result<bool> {
        self.datastore(pool)?;
        Ok(true)
    }

    pub fn storage_pool_is_persistent(&self, pool: &PoolRef) -> Result<bool> {
        self.datastore(pool)?;
        Ok(true)
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
