// SPDX-License-Identifier: LGPL-2.1-or-later
//! esx-sim's managed objects, each made of the generated type of its
//! managed type (esx_vi::vim25), and the inventory a host starts with.
//!
//! An object is registered once by its MoRef (`World::objects`); the
//! property collector reads any of them by walking its typed properties.
//! Objects that keep their state (a VM, a task, the host) hold their typed
//! properties and fill in at each read what the rest of the world decides;
//! objects that are only views of the world (folders, the datacenter,
//! the managers) are a [`Computed`] built at each read.

pub mod datastore;
pub mod host;
pub mod inventory;
pub mod network;
pub mod service;
pub mod task;
pub mod vm;

use esx_vi::wire::{NoSuchProperty, Serve};
use esx_vi::MoRef;

use crate::registry::{Object, Read};
use crate::world::World;

/// An object whose properties are read from the world at each read.
pub struct Computed<T> {
    pub moref: MoRef,
    pub build: fn(&World, &MoRef) -> T,
}

impl<T> Computed<T> {
    pub fn new(kind: &str, id: &str, build: fn(&World, &MoRef) -> T) -> Computed<T> {
        Computed {
            moref: MoRef::new(kind, id),
            build,
        }
    }
}

impl<T: Serve + 'static> Object for Computed<T> {
    fn moref(&self) -> &MoRef {
        &self.moref
    }

    fn read(&self, w: &World, r: Read<'_, '_>) -> Result<(), NoSuchProperty> {
        let props = (self.build)(w, &self.moref);
        r.typed(&props)
    }
}

/// Registers what every host has: the service and its managers, the
/// inventory tree, the host, its datastores (their directories made).
pub fn register_inventory(w: &mut World) -> std::io::Result<()> {
    service::register(w);
    inventory::register(w);
    w.objects.register(host::Host::new());
    w.objects.register(host::AutoStartManager::new());
    w.objects.register(network::NetworkSystem::new());
    for (name, uuid, kind, capacity) in crate::world::default_datastores() {
        let dir = w.cfg.datastore_dir.join(name);
        std::fs::create_dir_all(&dir)?;
        // Images other than disks, as volumes of their own formats.
        if name == "nfs-iso" {
            std::fs::create_dir_all(dir.join("iso"))?;
            std::fs::write(dir.join("iso/debian-12.iso"), vec![0u8; 64 * 1024])?;
            std::fs::create_dir_all(dir.join("floppies"))?;
            std::fs::write(dir.join("floppies/drivers.flp"), vec![0u8; 1474560])?;
        }
        let moid = if name == "datastore1" {
            uuid.to_string()
        } else {
            format!("ds-{name}")
        };
        w.objects.register(datastore::Datastore::new(
            &moid, name, uuid, kind, capacity, dir,
        ));
    }
    Ok(())
}
