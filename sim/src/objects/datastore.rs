//! A datastore: what ESX reports of it (its summary, its info subtype as
//! its kind says, its mounts), its free space read from the world (the
//! VMs' disks on it) at each read, and beside it the directory that holds
//! its files.

use std::path::PathBuf;
use std::time::SystemTime;

use esx_vi::vim25::{
    self, AnyDatastoreInfo, DatastoreCapability, DatastoreHostMount, DatastoreInfo,
    DatastoreSummary, HostMountInfo, HostNasVolume, HostScsiDiskPartition, HostVmfsVolume,
    ManagedEntityStatus, NasDatastoreInfo, VmfsDatastoreInfo, VsanDatastoreInfo, VvolDatastoreInfo,
};
use esx_vi::wire::{Keep, NoSuchProperty};
use esx_vi::MoRef;

use crate::clock::format_datetime;
use crate::registry::{read_typed, Object, Sink};
use crate::world::{World, HOST};

/// What backs a datastore, as its `summary.type` and `info` subtype say.
#[derive(Debug, Clone, PartialEq)]
pub enum DsKind {
    Vmfs,
    /// NFS 3 (`NFS`) or 4.1 (`NFS41`) from a NAS.
    Nfs {
        v41: bool,
        host: String,
        path: String,
    },
    Vsan,
    /// A vSphere Virtual Volumes container.
    Vvol,
}

impl DsKind {
    pub fn summary_type(&self) -> &'static str {
        match self {
            DsKind::Vmfs => "VMFS",
            DsKind::Nfs { v41: false, .. } => "NFS",
            DsKind::Nfs { v41: true, .. } => "NFS41",
            DsKind::Vsan => "vsan",
            DsKind::Vvol => "VVOL",
        }
    }

    /// Where ESX mounts it.
    pub fn mount_path(&self, uuid: &str) -> String {
        match self {
            DsKind::Vsan => format!("/vmfs/volumes/vsan:{uuid}"),
            DsKind::Vvol => format!("/vmfs/volumes/vvol:{uuid}"),
            _ => format!("/vmfs/volumes/{uuid}"),
        }
    }
}

pub struct Datastore {
    pub moref: MoRef,
    pub name: String,
    pub uuid: String,
    pub capacity: i64,
    pub kind: DsKind,
    /// Where its files are.
    pub dir: PathBuf,
    /// What ESX keeps; summary, info and vm are read from the world.
    pub mo: vim25::Datastore,
}

impl Datastore {
    pub fn new(
        moid: &str,
        name: &str,
        uuid: &str,
        kind: DsKind,
        capacity: i64,
        dir: PathBuf,
    ) -> Datastore {
        let url = kind.mount_path(uuid);
        Datastore {
            moref: MoRef::new("Datastore", moid),
            name: name.into(),
            uuid: uuid.into(),
            capacity,
            dir,
            mo: vim25::Datastore {
                name: name.into(),
                parent: Some(MoRef::new("Folder", "ha-folder-datastore")),
                overall_status: ManagedEntityStatus::Green,
                config_status: ManagedEntityStatus::Green,
                host: vec![DatastoreHostMount {
                    key: MoRef::new("HostSystem", HOST),
                    mount_info: HostMountInfo {
                        path: Some(url),
                        access_mode: "readWrite".into(),
                        mounted: Some(true),
                        accessible: Some(true),
                    },
                }],
                browser: MoRef::new("HostDatastoreBrowser", "ha-host-datastorebrowser"),
                capability: DatastoreCapability {
                    directory_hierarchy_supported: true,
                    raw_disk_mappings_supported: true,
                    per_file_thin_provisioning_supported: true,
                },
                ..Default::default()
            },
            kind,
        }
    }

    /// The space the VMs' disks on it take.
    fn used(&self, w: &World) -> i64 {
        w.vms()
            .filter(|v| v.datastore == self.name)
            .map(|v| v.disk_kb() * 256)
            .sum()
    }

    fn summary(&self, w: &World) -> DatastoreSummary {
        let used = self.used(w);
        DatastoreSummary {
            datastore: Some(self.moref.clone()),
            name: self.name.clone(),
            url: format!("ds://{}/", self.kind.mount_path(&self.uuid)),
            capacity: self.capacity,
            free_space: self.capacity - used,
            uncommitted: Some(used * 2),
            accessible: true,
            multiple_host_access: Some(!matches!(self.kind, DsKind::Vmfs)),
            r#type: self.kind.summary_type().into(),
            maintenance_mode: Some("normal".into()),
        }
    }
}

/// The info subtype its kind says.
fn datastore_info(d: &Datastore, url: &str, free: i64) -> AnyDatastoreInfo {
    let base = |x: &mut DatastoreInfo| {
        x.name = d.name.clone();
        x.url = format!("ds://{url}/");
        x.free_space = free;
        x.max_file_size = 62 << 40;
        x.max_virtual_disk_capacity = Some(62 << 40);
        x.max_memory_file_size = Some(64 << 40);
        x.timestamp = Some(format_datetime(SystemTime::now()));
    };
    let mut b = DatastoreInfo::default();
    base(&mut b);
    let DatastoreInfo {
        name,
        url: u,
        free_space,
        max_file_size,
        max_virtual_disk_capacity,
        max_memory_file_size,
        timestamp,
        container_id,
    } = b;
    match &d.kind {
        DsKind::Vmfs => AnyDatastoreInfo::VmfsDatastoreInfo(VmfsDatastoreInfo {
            name,
            url: u,
            free_space,
            max_file_size,
            max_virtual_disk_capacity,
            max_memory_file_size,
            timestamp,
            container_id,
            max_physical_rdm_file_size: Some(64 << 40),
            max_virtual_rdm_file_size: Some(62 << 40),
            vmfs: Some(HostVmfsVolume {
                r#type: "VMFS".into(),
                name: d.name.clone(),
                capacity: d.capacity,
                block_size_mb: 1,
                max_blocks: 63963136,
                major_version: 6,
                version: "6.82".into(),
                uuid: d.uuid.clone(),
                extent: vec![HostScsiDiskPartition {
                    disk_name: "naa.6001405a1b2c3d4e5f60718293a4b5c6".into(),
                    partition: 3,
                }],
                vmfs_upgradable: false,
            }),
        }),
        DsKind::Nfs { v41, host, path } => AnyDatastoreInfo::NasDatastoreInfo(NasDatastoreInfo {
            name,
            url: u,
            free_space,
            max_file_size,
            max_virtual_disk_capacity,
            max_memory_file_size,
            timestamp,
            container_id,
            nas: Some(HostNasVolume {
                r#type: if *v41 { "NFS41" } else { "NFS" }.into(),
                name: d.name.clone(),
                capacity: d.capacity,
                remote_host: host.clone(),
                remote_path: path.clone(),
                user_name: None,
                remote_host_names: vec![host.clone()],
            }),
        }),
        DsKind::Vsan => AnyDatastoreInfo::VsanDatastoreInfo(VsanDatastoreInfo {
            name,
            url: u,
            free_space,
            max_file_size,
            max_virtual_disk_capacity,
            max_memory_file_size,
            timestamp,
            container_id,
            membership_uuid: Some(d.uuid.clone()),
        }),
        DsKind::Vvol => AnyDatastoreInfo::VvolDatastoreInfo(VvolDatastoreInfo {
            name,
            url: u,
            free_space,
            max_file_size,
            max_virtual_disk_capacity,
            max_memory_file_size,
            timestamp,
            container_id,
        }),
    }
}

impl Object for Datastore {
    fn moref(&self) -> &MoRef {
        &self.moref
    }

    fn read(
        &self,
        w: &World,
        path: &[&str],
        keep: &dyn Keep,
        sink: &mut Sink<'_>,
    ) -> Result<(), NoSuchProperty> {
        let mut o = vim25::Datastore::default();
        match path.first().copied() {
            Some("summary") => o.summary = self.summary(w),
            Some("info") => {
                let free = self.capacity - self.used(w);
                o.info = datastore_info(self, &self.kind.mount_path(&self.uuid), free);
            }
            Some("vm") => {
                o.vm = w
                    .vms()
                    .filter(|v| v.datastore == self.name)
                    .map(|v| v.moref.clone())
                    .collect()
            }
            _ => return read_typed(&self.mo, path, keep, sink),
        }
        read_typed(&o, path, keep, sink)
    }
}
