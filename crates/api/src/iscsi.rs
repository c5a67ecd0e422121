// SPDX-License-Identifier: LGPL-2.1-or-later
//! Storage pools from iSCSI targets, as libvirt's iSCSI backend presents
//! them: each static target of the host's iSCSI adapter is a pool named by
//! its IQN (UUID: the MD5 sum of the IQN), and the disk LUNs the host sees
//! through that target are its volumes (name and path: the device path;
//! key: the MD5 sum of the LUN's UUID, as a UUID). ESX creates, deletes
//! and wipes no LUNs, so those calls are refused as libvirt refuses them.
//!
//! Everything comes from one read of the host's `config.storageDevice`
//! (the HostIscsi view); a host without an iSCSI adapter has no such pools.

use md5::{Digest, Md5};

use crate::error::{Code, Error, Result};
use crate::flags;
use crate::storage::{Backend, PoolInfo, PoolRef, VolInfo, VolRef};
use crate::vi::soap::escape as esc;
use crate::vi::vim25::{
    AnyHostHostBusAdapter, AnyHostTargetTransport, AnyScsiLun, HostIscsi, HostScsiDisk,
};
use crate::vi::{methods, MoRef};
use crate::{Connection, Storage};

/// A static target of an iSCSI adapter.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub iqn: String,
    pub address: String,
    pub port: Option<i32>,
    /// The adapter's device name (vmhba65), for RescanHba.
    pub adapter: String,
}

/// What the host reports of its iSCSI storage.
pub(crate) struct Iscsi {
    pub view: HostIscsi,
}

fn md5(text: &str) -> [u8; 16] {
    let mut u = [0u8; 16];
    u.copy_from_slice(&Md5::digest(text.as_bytes()));
    u
}

impl Iscsi {
    pub fn targets(&self) -> Vec<Target> {
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

    pub fn target(&self, iqn: &str) -> Option<Target> {
        self.targets().into_iter().find(|t| t.iqn == iqn)
    }

    /// The disk LUNs reached through the target `iqn`, in the host's order.
    pub fn luns(&self, iqn: &str) -> Vec<&HostScsiDisk> {
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
}

pub(crate) fn pool_ref(t: &Target, host: &MoRef) -> PoolRef {
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

fn capacity(d: &HostScsiDisk) -> u64 {
    (d.capacity.block.max(0) as u64).saturating_mul(d.capacity.block_size.max(0) as u64)
}

fn no_target(name: &str) -> Error {
    Error::new(
        Code::NoStoragePool,
        format!("Could not find storage pool with name '{name}'"),
    )
}

fn no_lun(what: &str) -> Error {
    Error::new(Code::NoStorageVol, what.to_string())
}

impl Connection {
    /// The host's iSCSI adapters, targets and LUNs: one request.
    pub(crate) fn iscsi(&self) -> Result<Iscsi> {
        Ok(Iscsi {
            view: self.host_view::<HostIscsi>()?,
        })
    }
}

/// Refused as libvirt's iSCSI backend refuses it.
pub(crate) fn unsupported(what: &str) -> Error {
    Error::no_support(format!("iSCSI storage pool does not support {what}"))
}

impl Storage<'_> {
    pub(crate) fn iscsi_target(&self, pool: &PoolRef) -> Result<(Iscsi, Target)> {
        let i = self.iscsi()?;
        let t = i.target(&pool.name).ok_or_else(|| no_target(&pool.name))?;
        Ok((i, t))
    }

    /// Rescans the adapter (ESX rescans all its targets, not one).
    pub(crate) fn iscsi_pool_refresh(&self, pool: &PoolRef) -> Result<()> {
        let (i, t) = self.iscsi_target(pool)?;
        let system = i.view.storage_system.clone().ok_or_else(|| {
            Error::operation_unsupported("The host has no storage system to rescan its adapters")
        })?;
        methods::rescan_hba(self.client(), &system, &t.adapter)
            .map_err(|e| e.context(format!("Could not refresh storage pool '{}'", pool.name)))
    }

    /// Running; an iSCSI target has no sizes of its own.
    pub(crate) fn iscsi_pool_info(&self, pool: &PoolRef) -> Result<PoolInfo> {
        self.iscsi_target(pool)?;
        Ok(PoolInfo {
            state: flags::esxStoragePoolState::ESX_STORAGE_POOL_RUNNING as i32,
            ..Default::default()
        })
    }

    pub(crate) fn iscsi_pool_xml(&self, pool: &PoolRef) -> Result<String> {
        let (_, t) = self.iscsi_target(pool)?;
        let port = t.port.map(|p| format!(" port='{p}'")).unwrap_or_default();
        Ok(format!(
            "<pool type='iscsi'>\n  <name>{name}</name>\n  <uuid>{uuid}</uuid>\n  \
             <capacity unit='bytes'>0</capacity>\n  <allocation unit='bytes'>0</allocation>\n  \
             <available unit='bytes'>0</available>\n  <source>\n    <host name='{host}'{port}/>\n    \
             <initiator>\n      <iqn name='{name}'/>\n    </initiator>\n  </source>\n  <target>\n    \
             <permissions>\n      <mode>00</mode>\n      <owner>0</owner>\n      <group>0</group>\n    \
             </permissions>\n  </target>\n</pool>\n",
            name = esc(&t.iqn),
            uuid = crate::uuid::format(&pool.uuid),
            host = esc(&t.address),
        ))
    }

    pub(crate) fn iscsi_volumes(&self, pool: &PoolRef) -> Result<Vec<VolRef>> {
        let (i, t) = self.iscsi_target(pool)?;
        Ok(i.luns(&t.iqn)
            .into_iter()
            .map(|d| vol_ref(&t.iqn, d))
            .collect())
    }

    pub(crate) fn iscsi_vol_by_name(&self, pool: &PoolRef, name: &str) -> Result<VolRef> {
        let (i, t) = self.iscsi_target(pool)?;
        i.luns(&t.iqn)
            .into_iter()
            .find(|d| d.device_name == name)
            .map(|d| vol_ref(&t.iqn, d))
            .ok_or_else(|| no_lun(&format!("Could not find storage volume with name '{name}'")))
    }

    /// By device path (`/vmfs/devices/disks/...`).
    pub(crate) fn iscsi_vol_by_path(&self, path: &str) -> Result<VolRef> {
        let i = self.iscsi()?;
        i.find(|d| d.device_path == path)
            .map(|(pool, d)| vol_ref(&pool, d))
            .ok_or_else(|| no_lun(&format!("Could not find storage volume with path '{path}'")))
    }

    pub(crate) fn iscsi_vol_by_key(&self, key: &str) -> Result<Option<VolRef>> {
        let i = self.iscsi()?;
        Ok(i.find(|d| lun_key(d).eq_ignore_ascii_case(key))
            .map(|(pool, d)| vol_ref(&pool, d)))
    }

    fn iscsi_lun<R>(&self, vol: &VolRef, f: impl FnOnce(&HostScsiDisk) -> R) -> Result<R> {
        let i = self.iscsi()?;
        i.luns(&vol.pool)
            .into_iter()
            .find(|d| d.device_name == vol.name)
            .map(f)
            .ok_or_else(|| no_lun(&format!("Could not find volume with name: {}", vol.name)))
    }

    pub(crate) fn iscsi_vol_info(&self, vol: &VolRef) -> Result<VolInfo> {
        self.iscsi_lun(vol, |d| VolInfo {
            r#type: flags::esxStorageVolType::ESX_STORAGE_VOL_BLOCK as i32,
            capacity: capacity(d),
            allocation: capacity(d),
        })
    }

    pub(crate) fn iscsi_vol_xml(&self, vol: &VolRef) -> Result<String> {
        self.iscsi_lun(vol, |d| {
            format!(
                "<volume type='block'>\n  <name>{}</name>\n  <key>{}</key>\n  \
                 <capacity unit='bytes'>{}</capacity>\n  <allocation unit='bytes'>{}</allocation>\n  \
                 <target>\n    <path>{}</path>\n  </target>\n</volume>\n",
                esc(&d.device_name),
                lun_key(d),
                capacity(d),
                capacity(d),
                esc(&d.device_path)
            )
        })
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
