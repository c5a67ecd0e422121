// SPDX-License-Identifier: LGPL-2.1-or-later
//! The inventory tree of a standalone host: the root folder, the
//! datacenter and its four folders, the compute resource, the root
//! resource pool and the VM network. Each shows what the world holds at
//! each read (its VMs, datastores, networks).

use esx_vi::vim25::{self, ComputeResourceSummary, ManagedEntityStatus, NetworkSummary};
use esx_vi::MoRef;

use super::host::{HOST_DOMAIN, HOST_NAME, MEMORY_BYTES};
use super::Computed;
use crate::world::{World, DATACENTER, HOST};

/// The networks VMs connect to on a fresh host (port groups of vSwitch0).
pub const NETWORKS: &[&str] = &["VM Network"];

/// The Network object of a VM port group.
pub fn network_ref(name: &str) -> MoRef {
    MoRef::new("Network", format!("HaNetwork-{name}"))
}

/// The networks VMs connect to: the network system's VM port groups.
pub fn networks(w: &World) -> Vec<MoRef> {
    w.objects
        .typed::<super::network::NetworkSystem>(&super::network::moref())
        .map(|ns| ns.vm_networks().map(network_ref).collect())
        .unwrap_or_default()
}

/// Registers the Network object of a new VM port group.
pub fn register_network(w: &mut World, name: &str) {
    w.objects
        .register(Computed::new("Network", &network_ref(name).value, network));
}

fn datastores(w: &World) -> Vec<MoRef> {
    w.datastores().map(|d| d.moref.clone()).collect()
}

fn folder(
    name: &str,
    parent: Option<MoRef>,
    child_type: &str,
    children: Vec<MoRef>,
) -> vim25::Folder {
    vim25::Folder {
        name: name.into(),
        parent,
        child_type: vec![child_type.into()],
        child_entity: children,
        overall_status: ManagedEntityStatus::Green,
        ..Default::default()
    }
}

fn datacenter_ref() -> Option<MoRef> {
    Some(MoRef::new("Datacenter", DATACENTER))
}

fn datacenter(w: &World, _: &MoRef) -> vim25::Datacenter {
    vim25::Datacenter {
        name: DATACENTER.into(),
        parent: Some(MoRef::new("Folder", "ha-folder-root")),
        vm_folder: MoRef::new("Folder", "ha-folder-vm"),
        host_folder: MoRef::new("Folder", "ha-folder-host"),
        datastore_folder: MoRef::new("Folder", "ha-folder-datastore"),
        network_folder: MoRef::new("Folder", "ha-folder-network"),
        datastore: datastores(w),
        network: networks(w),
        overall_status: ManagedEntityStatus::Green,
        ..Default::default()
    }
}

fn compute_resource(w: &World, _: &MoRef) -> vim25::ComputeResource {
    vim25::ComputeResource {
        name: format!("{HOST_NAME}.{HOST_DOMAIN}"),
        parent: Some(MoRef::new("Folder", "ha-folder-host")),
        resource_pool: Some(MoRef::new("ResourcePool", "ha-root-pool")),
        host: vec![MoRef::new("HostSystem", HOST)],
        datastore: datastores(w),
        network: networks(w),
        summary: ComputeResourceSummary {
            total_cpu: 83800,
            total_memory: MEMORY_BYTES,
            num_cpu_cores: 40,
            num_cpu_threads: 80,
            effective_cpu: 80000,
            effective_memory: 250 * 1024,
            num_hosts: 1,
            num_effective_hosts: 1,
            overall_status: ManagedEntityStatus::Green,
        },
        overall_status: ManagedEntityStatus::Green,
        ..Default::default()
    }
}

fn resource_pool(w: &World, _: &MoRef) -> vim25::ResourcePool {
    vim25::ResourcePool {
        name: "Resources".into(),
        parent: Some(MoRef::new("ComputeResource", "ha-compute-res")),
        owner: MoRef::new("ComputeResource", "ha-compute-res"),
        resource_pool: Vec::new(),
        vm: w.vms().map(|v| v.moref.clone()).collect(),
        overall_status: ManagedEntityStatus::Green,
        ..Default::default()
    }
}

fn network(w: &World, me: &MoRef) -> vim25::Network {
    let name = me.value.trim_start_matches("HaNetwork-").to_string();
    vim25::Network {
        name: name.clone(),
        parent: Some(MoRef::new("Folder", "ha-folder-network")),
        summary: NetworkSummary {
            network: Some(me.clone()),
            name: name.clone(),
            accessible: true,
        },
        host: vec![MoRef::new("HostSystem", HOST)],
        vm: w
            .vms()
            .filter(|v| v.nics().iter().any(|n| n.network == name))
            .map(|v| v.moref.clone())
            .collect(),
        overall_status: ManagedEntityStatus::Green,
        ..Default::default()
    }
}

pub fn register(w: &mut World) {
    let o = &mut w.objects;
    o.register(Computed::new("Folder", "ha-folder-root", |_, _| {
        folder(
            "ha-folder-root",
            None,
            "Datacenter",
            datacenter_ref().into_iter().collect(),
        )
    }));
    o.register(Computed::new("Folder", "ha-folder-vm", |w, _| {
        folder(
            "vm",
            datacenter_ref(),
            "VirtualMachine",
            w.vms().map(|v| v.moref.clone()).collect(),
        )
    }));
    o.register(Computed::new("Folder", "ha-folder-host", |_, _| {
        folder(
            "host",
            datacenter_ref(),
            "ComputeResource",
            vec![MoRef::new("ComputeResource", "ha-compute-res")],
        )
    }));
    o.register(Computed::new("Folder", "ha-folder-datastore", |w, _| {
        folder("datastore", datacenter_ref(), "Datastore", datastores(w))
    }));
    o.register(Computed::new("Folder", "ha-folder-network", |w, _| {
        folder("network", datacenter_ref(), "Network", networks(w))
    }));
    o.register(Computed::new("Datacenter", DATACENTER, datacenter));
    o.register(Computed::new(
        "ComputeResource",
        "ha-compute-res",
        compute_resource,
    ));
    o.register(Computed::new("ResourcePool", "ha-root-pool", resource_pool));
    for n in NETWORKS {
        o.register(Computed::new("Network", &network_ref(n).value, network));
    }
}
