// SPDX-License-Identifier: LGPL-2.1-or-later
//! Storage pools from iSCSI targets, as libvirt's iSCSI backend presents
//! them: each static target of the host's iSCSI adapter is a pool named by
//! its IQN (UUID: the MD5 sum of the IQN), and the disk LUNs the host sees
//! through that target are its volumes (name and path: the device path;
//! key: the MD5 sum of the LUN's UUID, as a UUID). ESX creates, deletes
//! and wipes no LUNs: the backend leaves those out, and they are refused as
//! libvirt refuses them.
//!
//! Everything comes from one read of the host's `config.storageDevice`
//! (the HostIscsi view); a host without an iSCSI adapter has no such pools.

use md5::{Digest, Md5};

use super::{no_vol, Backend, PoolBackend, PoolInfo, PoolRef, VolInfo, VolRef, POOL_RUNNING};
use crate::conf::{pool, volume};
use crate::error::{Error, Result};
use crate::flags;
use crate::flags::esxConnectListAllStoragePoolsFlags::ESX_CONNECT_LIST_STORAGE_POOLS_ISCSI;
use crate::vi::property::PropertySpec;
use crate::vi::vim25::{
    AnyHostHostBusAdapter, AnyHostTargetTransport, AnyScsiLun, HostIscsi, HostScsiDisk,
};
use crate::vi::wire::View;
use crate::vi::{methods, MoRef, ObjectContent};
use crate::Connection;

/// The backend.
pub(crate) struct IscsiTargets;

/// A static target of an iSCSI adapter.
#[derive(Debug, Clone)]
struct Target {
    iqn: String,
    address: String,
    port: Option<i32>,
    /// The adapter's device name (vmhba65), for RescanHba.
    adapter: String,
}

/// What the host reports of its iSCSI storage.
struct Iscsi {
    view: HostIscsi,
}

fn md5(text: &str) -> [u8; 16] {
    let mut u = [0u8; 16];
    u.copy_from_slice(&Md5::digest(text.as_bytes()));
    u
}

impl Iscsi {
    fn targets(&self) -> Vec<Target> {
        let mut out = Vec::new();
        for a in &self.view.adapters {
            if let AnyHostHostBusAdapter::HostInternetScsiHba(h) = a {
                for t in &h.configured_static_target {
                    out.push(Target {
                        iqn: t.i_scsi_name.clone(),
                        address: t.address.clone(),
                        port: t.port,
                        adapter: h.device.clone(),
                    });
                }
            }
        }
        out
    }

    fn target(&self, iqn: &str) -> Result<Target> {
        self.targets()
            .into_iter()
            .find(|t| t.iqn == iqn)
            .ok_or_else(|| super::no_pool(iqn))
    }

    /// The disk LUNs reached through the target `iqn`, in the host's order.
    fn luns(&self, iqn: &str) -> Vec<&HostScsiDisk> {
        let keys: Vec<&str> = self
            .view
            .topology
            .iter()
            .flat_map(|t| &t.adapter)
            .flat_map(|a| &a.target)
            .filter(|t| {
                matches!(&t.transport,
                    Some(AnyHostTargetTransport::HostInternetScsiTargetTransport(x)) if x.i_scsi_name == iqn)
            })
            .flat_map(|t| &t.lun)
            .map(|l| l.scsi_lun.as_str())
            .collect();
        self.disks()
            .filter(|d| d.key.as_deref().is_some_and(|k| keys.contains(&k)))
            .collect()
    }

    fn disks(&self) -> impl Iterator<Item = &HostScsiDisk> {
        self.view.luns.iter().filter_map(|l| match l {
            AnyScsiLun::HostScsiDisk(d) => Some(d),
            _ => None,
        })
    }

    /// The target (pool) a LUN is reached through, and the LUN.
    fn find(&self, pred: impl Fn(&HostScsiDisk) -> bool) -> Option<(String, &HostScsiDisk)> {
        self.targets().into_iter().find_map(|t| {
            self.luns(&t.iqn)
                .into_iter()
                .find(|d| pred(d))
                .map(|d| (t.iqn.clone(), d))
        })
    }

    fn lun(&self, vol: &VolRef) -> Result<&HostScsiDisk> {
        self.luns(&vol.pool)
            .into_iter()
            .find(|d| d.device_name == vol.name)
            .ok_or_else(|| no_vol(&format!("Could not find volume with name: {}", vol.name)))
    }
}

/// What a listing of pools reads for this backend (the host's storage).
pub(crate) fn pool_properties() -> PropertySpec {
    PropertySpec::new(HostIscsi::TYPE, HostIscsi::PATHS)
}

/// The pools of a listing (the host's object among `objects`).
pub(crate) fn pools_of(objects: &[ObjectContent], host: &MoRef) -> Result<Vec<(PoolRef, u32)>> {
    let Some(o) = objects.iter().find(|o| o.obj.kind == HostIscsi::TYPE) else {
        return Ok(Vec::new());
    };
    let i = Iscsi {
        view: HostIscsi::from_object(o)?,
    };
    Ok(i.targets()
        .iter()
        .map(|t| {
            (
                pool_ref(t, host),
                ESX_CONNECT_LIST_STORAGE_POOLS_ISCSI as u32,
            )
        })
        .collect())
}

fn pool_ref(t: &Target, host: &MoRef) -> PoolRef {
    PoolRef {
        name: t.iqn.clone(),
        uuid: md5(&t.iqn),
        moref: host.clone(),
        backend: Backend::Iscsi,
    }
}

/// libvirt's key of a LUN: the MD5 sum of its (long) UUID, as a UUID.
fn lun_key(d: &HostScsiDisk) -> String {
    crate::uuid::format(&md5(&d.uuid))
}

fn vol_ref(pool: &str, d: &HostScsiDisk) -> VolRef {
    VolRef {
        pool: pool.to_string(),
        name: d.device_name.clone(),
        key: lun_key(d),
        backend: Backend::Iscsi,
    }
}

/// A LUN's size: blocks × block size, as the host reports them.
fn capacity(d: &HostScsiDisk) -> Result<u64> {
    let of = format!("LUN '{}'", d.device_name);
    let blocks =
        crate::reported::non_negative(d.capacity.block, "HostDiskDimensionsLba.block", &of)?;
    let size = crate::reported::non_negative(
        i64::from(d.capacity.block_size),
        "HostDiskDimensionsLba.blockSize",
        &of,
    )?;
    blocks.checked_mul(size).ok_or_else(|| {
        Error::rpc(format!(
            "The host reported a size of {of} larger than can be counted"
        ))
    })
}

/// The host's iSCSI adapters, targets and LUNs: one request.
fn iscsi(c: &Connection) -> Result<Iscsi> {
    Ok(Iscsi {
        view: c.host_view::<HostIscsi>()?,
    })
}

/// By device path (`/vmfs/devices/disks/...`).
pub(crate) fn volume_by_path(c: &Connection, path: &str) -> Result<VolRef> {
    iscsi(c)?
        .find(|d| d.device_path == path)
        .map(|(pool, d)| vol_ref(&pool, d))
        .ok_or_else(|| no_vol(&format!("Could not find storage volume with path '{path}'")))
}

pub(crate) fn volume_by_key(c: &Connection, key: &str) -> Result<Option<VolRef>> {
    Ok(iscsi(c)?
        .find(|d| lun_key(d).eq_ignore_ascii_case(key))
        .map(|(pool, d)| vol_ref(&pool, d)))
}

impl PoolBackend for IscsiTargets {
    fn name(&self) -> &'static str {
        "iSCSI storage pool"
    }

    /// Running; an iSCSI target has no sizes of its own.
    fn pool_info(&self, c: &Connection, pool: &PoolRef) -> Result<PoolInfo> {
        iscsi(c)?.target(&pool.name)?;
        Ok(PoolInfo {
            state: POOL_RUNNING,
            ..Default::default()
        })
    }

    fn pool_def(&self, c: &Connection, p: &PoolRef) -> Result<pool::PoolDef> {
        let t = iscsi(c)?.target(&p.name)?;
        Ok(pool::PoolDef {
            kind: "iscsi",
            name: t.iqn.clone(),
            uuid: p.uuid,
            capacity: 0,
            allocation: 0,
            available: 0,
            source: pool::PoolSource {
                host: Some((t.address, t.port)),
                initiator_iqn: Some(t.iqn),
                ..Default::default()
            },
            target_path: None,
        })
    }

    /// Rescans the adapter (ESX rescans all its targets, not one).
    fn refresh(&self, c: &Connection, pool: &PoolRef) -> Result<()> {
        let i = iscsi(c)?;
        let t = i.target(&pool.name)?;
        let system = i.view.storage_system.clone().ok_or_else(|| {
            Error::operation_unsupported("The host has no storage system to rescan its adapters")
        })?;
        methods::rescan_hba(c.client(), &system, &t.adapter)
    }

    fn exists(&self, c: &Connection, pool: &PoolRef) -> Result<()> {
        iscsi(c)?.target(&pool.name).map(|_| ())
    }

    fn volumes(&self, c: &Connection, pool: &PoolRef) -> Result<Vec<VolRef>> {
        let i = iscsi(c)?;
        let t = i.target(&pool.name)?;
        Ok(i.luns(&t.iqn)
            .into_iter()
            .map(|d| vol_ref(&t.iqn, d))
            .collect())
    }

    fn volume(&self, c: &Connection, pool: &PoolRef, name: &str) -> Result<VolRef> {
        let i = iscsi(c)?;
        let t = i.target(&pool.name)?;
        i.luns(&t.iqn)
            .into_iter()
            .find(|d| d.device_name == name)
            .map(|d| vol_ref(&t.iqn, d))
            .ok_or_else(|| no_vol(&format!("Could not find storage volume with name '{name}'")))
    }

    fn vol_info(&self, c: &Connection, vol: &VolRef) -> Result<VolInfo> {
        let i = iscsi(c)?;
        let size = capacity(i.lun(vol)?)?;
        Ok(VolInfo {
            r#type: flags::esxStorageVolType::ESX_STORAGE_VOL_BLOCK as i32,
            capacity: size,
            allocation: size,
        })
    }

    fn vol_def(&self, c: &Connection, vol: &VolRef) -> Result<volume::VolDef> {
        let i = iscsi(c)?;
        let d = i.lun(vol)?;
        let size = capacity(d)?;
        Ok(volume::VolDef {
            kind: "block",
            name: d.device_name.clone(),
            key: lun_key(d),
            capacity: Some(size),
            allocation: Some(size),
            path: d.device_path.clone(),
            format: None,
        })
    }

    fn download(
        &self,
        _: &Connection,
        _: &VolRef,
        _: u64,
        _: u64,
    ) -> Result<crate::stream::VolStream> {
        Err(self.unsupported("downloads (a LUN is no datastore file)"))
    }

    fn upload(
        &self,
        _: &Connection,
        _: &VolRef,
        _: u64,
        _: u64,
    ) -> Result<crate::stream::VolStream> {
        Err(self.unsupported("uploads (a LUN is no datastore file)"))
    }

    fn resize(&self, _: &Connection, _: &VolRef, _: u64, _: u32) -> Result<()> {
        Err(self.unsupported("resizing a LUN"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_uuids_are_libvirts() {
        // What virsh prints for esx-sim's first target and LUN through
        // libvirt's own iSCSI backend.
        assert_eq!(
            crate::uuid::format(&md5("iqn.2024-01.lab.example:storage.vmstore")),
            "a2bf834a-0fff-2392-c247-a23daf30718e"
        );
        assert_eq!(
            crate::uuid::format(&md5(
                "02000000006001405a1b2c3d4e5f60718293a4b5c64c494f2d4f52"
            )),
            "c72d214d-4ac9-ff40-6069-00eddfc02cf8"
        );
    }
}
