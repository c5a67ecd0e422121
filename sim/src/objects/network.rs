// SPDX-License-Identifier: LGPL-2.1-or-later
//! The host's network system (HostNetworkSystem): its standard virtual
//! switches, their port groups and the physical NICs, as ESX keeps them,
//! changed by AddVirtualSwitch, RemoveVirtualSwitch, AddPortGroup and
//! RemovePortGroup with ESX's faults (AlreadyExists, NotFound,
//! ResourceInUse). A port group's ports are read from the world at each
//! read: the NICs of the VMs connected to it, and the host's own VMkernel
//! NIC on the management port group. The host's `config.network` shows the
//! same switches, port groups and NICs.

use esx_vi::vim25::{
    self as v, AnyHostVirtualSwitchBridge, HostIpConfig, HostNetworkInfo, HostNetworkPolicy,
    HostNicOrderPolicy, HostNicTeamingPolicy, HostPortGroup, HostPortGroupPort, HostPortGroupSpec,
    HostVirtualSwitch, HostVirtualSwitchBondBridge, HostVirtualSwitchSpec, PhysicalNic,
    PhysicalNicLinkInfo, PhysicalNicSpec,
};
use esx_vi::wire::NoSuchProperty;
use esx_vi::MoRef;

use crate::fault::Fault;
use crate::methods::Ctx;
use crate::registry::{Object, Read};
use crate::soap::Ret;
use crate::world::World;

/// The network system's MoRef on ESX.
pub const MOID: &str = "networkSystem";
/// The port group the host's management VMkernel NIC (vmk0) is on: it has
/// no VM network (ESX shows no Network object for it).
pub const MANAGEMENT: &str = "Management Network";
/// The MAC address of vmk0.
const VMK0_MAC: &str = "00:50:56:6a:1c:01";

pub fn moref() -> MoRef {
    MoRef::new("HostNetworkSystem", MOID)
}

fn switch_key(name: &str) -> String {
    format!("key-vim.host.VirtualSwitch-{name}")
}

fn group_key(name: &str) -> String {
    format!("key-vim.host.PortGroup-{name}")
}

fn nic_key(device: &str) -> String {
    format!("key-vim.host.PhysicalNic-{device}")
}

fn pnic(device: &str, pci: &str, mac: &str, speed: Option<i32>) -> PhysicalNic {
    let link = speed.map(|s| PhysicalNicLinkInfo {
        speed_mb: s,
        duplex: true,
    });
    PhysicalNic {
        key: Some(nic_key(device)),
        device: device.into(),
        pci: pci.into(),
        driver: Some("ixgben".into()),
        link_speed: link.clone(),
        valid_link_specification: vec![PhysicalNicLinkInfo {
            speed_mb: 10000,
            duplex: true,
        }],
        spec: PhysicalNicSpec {
            ip: Some(HostIpConfig {
                dhcp: false,
                ip_address: None,
                subnet_mask: None,
            }),
            link_speed: None,
        },
        wake_on_lan_supported: false,
        mac: mac.into(),
    }
}

/// A switch as AddVirtualSwitch makes it from its spec.
fn new_switch(name: &str, spec: HostVirtualSwitchSpec) -> HostVirtualSwitch {
    let pnic = match &spec.bridge {
        Some(AnyHostVirtualSwitchBridge::HostVirtualSwitchBondBridge(b)) => {
            b.nic_device.iter().map(|d| nic_key(d)).collect()
        }
        _ => Vec::new(),
    };
    HostVirtualSwitch {
        name: name.into(),
        key: switch_key(name),
        num_ports: spec.num_ports,
        num_ports_available: spec.num_ports,
        mtu: Some(spec.mtu.unwrap_or(1500)),
        portgroup: Vec::new(),
        pnic,
        spec,
    }
}

fn policy() -> HostNetworkPolicy {
    HostNetworkPolicy {
        nic_teaming: None,
        shaping_policy: None,
    }
}

pub struct NetworkSystem {
    pub moref: MoRef,
    pub vswitches: Vec<HostVirtualSwitch>,
    /// The port groups' specs, in the order added.
    pub groups: Vec<HostPortGroupSpec>,
    pub pnics: Vec<PhysicalNic>,
}

impl NetworkSystem {
    /// What a fresh host has: vSwitch0 teaming vmnic0 and vmnic1 with the
    /// VM network and the management port group; vmnic2 unused, its link
    /// down.
    pub fn new() -> NetworkSystem {
        let mut vswitch0 = new_switch(
            "vSwitch0",
            HostVirtualSwitchSpec {
                num_ports: 128,
                bridge: Some(AnyHostVirtualSwitchBridge::HostVirtualSwitchBondBridge(
                    HostVirtualSwitchBondBridge {
                        nic_device: vec!["vmnic0".into(), "vmnic1".into()],
                    },
                )),
                policy: Some(HostNetworkPolicy {
                    nic_teaming: Some(HostNicTeamingPolicy {
                        policy: Some("loadbalance_srcid".into()),
                        reverse_policy: Some(true),
                        notify_switches: Some(true),
                        rolling_order: Some(false),
                        nic_order: Some(HostNicOrderPolicy {
                            active_nic: vec!["vmnic0".into()],
                            standby_nic: vec!["vmnic1".into()],
                        }),
                    }),
                    shaping_policy: None,
                }),
                mtu: None,
            },
        );
        vswitch0.num_ports_available = 120;
        let group = |name: &str| HostPortGroupSpec {
            name: name.into(),
            vlan_id: 0,
            vswitch_name: "vSwitch0".into(),
            policy: policy(),
        };
        let mut groups: Vec<HostPortGroupSpec> = super::inventory::NETWORKS
            .iter()
            .map(|n| group(n))
            .collect();
        groups.push(group(MANAGEMENT));
        NetworkSystem {
            moref: moref(),
            vswitches: vec![vswitch0],
            groups,
            pnics: vec![
                pnic("vmnic0", "0000:19:00.0", "00:1b:21:8a:4f:10", Some(10000)),
                pnic("vmnic1", "0000:19:00.1", "00:1b:21:8a:4f:11", Some(10000)),
                pnic("vmnic2", "0000:3b:00.0", "00:1b:21:8a:4f:12", None),
            ],
        }
    }

    /// The port groups VMs can connect to (each has a Network object).
    pub fn vm_networks(&self) -> impl Iterator<Item = &str> {
        self.groups
            .iter()
            .filter(|g| g.name != MANAGEMENT)
            .map(|g| g.name.as_str())
    }

    /// The ports of a port group: its VMs' NICs, and vmk0 on the management
    /// network.
    fn ports(&self, w: &World, group: &str) -> Vec<HostPortGroupPort> {
        let mut ports = Vec::new();
        if group == MANAGEMENT {
            ports.push(HostPortGroupPort {
                key: Some("key-vim.host.PortGroup.Port-16777218".into()),
                mac: vec![VMK0_MAC.into()],
                r#type: "host".into(),
            });
        }
        let mut n = 0;
        for vm in w.vms() {
            for nic in vm.nics().into_iter().filter(|n| n.network == group) {
                n += 1;
                ports.push(HostPortGroupPort {
                    key: Some(format!("key-vim.host.PortGroup.Port-{}", 33554432 + n)),
                    mac: vec![nic.mac],
                    r#type: "virtualMachine".into(),
                });
            }
        }
        ports
    }

    /// networkInfo as the world has it now.
    pub fn info(&self, w: &World) -> HostNetworkInfo {
        let portgroup: Vec<HostPortGroup> = self
            .groups
            .iter()
            .map(|g| HostPortGroup {
                key: Some(group_key(&g.name)),
                port: self.ports(w, &g.name),
                vswitch: Some(switch_key(&g.vswitch_name)),
                computed_policy: g.policy.clone(),
                spec: g.clone(),
            })
            .collect();
        let vswitch = self
            .vswitches
            .iter()
            .map(|s| {
                let mut s = s.clone();
                let groups: Vec<&HostPortGroup> = portgroup
                    .iter()
                    .filter(|p| p.spec.vswitch_name == s.name)
                    .collect();
                s.portgroup = groups.iter().filter_map(|p| p.key.clone()).collect();
                let used: usize = groups.iter().map(|p| p.port.len()).sum();
                s.num_ports_available = (s.num_ports - 8 - used as i32).max(0);
                s
            })
            .collect();
        HostNetworkInfo {
            vswitch,
            portgroup,
            pnic: self.pnics.clone(),
            ..Default::default()
        }
    }

    fn switch(&self, name: &str) -> Option<usize> {
        self.vswitches.iter().position(|s| s.name == name)
    }
}

impl Object for NetworkSystem {
    fn moref(&self) -> &MoRef {
        &self.moref
    }

    fn read(&self, w: &World, r: Read<'_, '_>) -> Result<(), NoSuchProperty> {
        let o = v::HostNetworkSystem {
            network_info: Some(self.info(w)),
            ..Default::default()
        };
        r.typed(&o)
    }
}

fn system<'a>(c: &'a mut Ctx) -> Result<&'a mut NetworkSystem, Fault> {
    let me = c.call.this.clone();
    c.w.objects
        .typed_mut::<NetworkSystem>(&me)
        .ok_or_else(|| Fault::not_found_obj(&me))
}

fn not_found(what: String) -> Fault {
    Fault::typed(
        v::NotFound {},
        format!("The object or item referred to could not be found: {what}"),
    )
}

fn already_exists(name: &str) -> Fault {
    Fault::typed(
        v::AlreadyExists {
            name: Some(name.into()),
        },
        format!("The specified key, name, or identifier '{name}' already exists."),
    )
}

fn in_use(name: &str) -> Fault {
    Fault::typed(
        v::ResourceInUse {
            r#type: Some("PortGroup".into()),
            name: Some(name.into()),
        },
        format!("The resource '{name}' is in use."),
    )
}

fn bad(prop: &str) -> Fault {
    Fault::invalid_argument(prop)
}

pub fn add_virtual_switch(c: &mut Ctx, r: v::AddVirtualSwitchRequest) -> Result<Ret, Fault> {
    let name = r.vswitch_name;
    if name.is_empty() || name.len() > 32 {
        return Err(bad("vswitchName"));
    }
    let spec = r.spec.unwrap_or(HostVirtualSwitchSpec {
        num_ports: 128,
        bridge: None,
        policy: None,
        mtu: None,
    });
    if !(8..=4088).contains(&spec.num_ports) {
        return Err(bad("spec.numPorts"));
    }
    let ns = system(c)?;
    if ns.switch(&name).is_some() {
        return Err(already_exists(&name));
    }
    if let Some(AnyHostVirtualSwitchBridge::HostVirtualSwitchBondBridge(b)) = &spec.bridge {
        for d in &b.nic_device {
            if !ns.pnics.iter().any(|p| &p.device == d) {
                return Err(not_found(format!("physical NIC {d}")));
            }
            // A NIC serves one switch.
            if ns.vswitches.iter().any(|s| s.pnic.contains(&nic_key(d))) {
                return Err(Fault::typed(
                    v::ResourceInUse {
                        r#type: Some("PhysicalNic".into()),
                        name: Some(d.clone()),
                    },
                    format!("The resource '{d}' is in use."),
                ));
            }
        }
    }
    ns.vswitches.push(new_switch(&name, spec));
    Ok(Ret::None)
}

pub fn remove_virtual_switch(c: &mut Ctx, r: v::RemoveVirtualSwitchRequest) -> Result<Ret, Fault> {
    let name = r.vswitch_name;
    let w_ports: Vec<String> = {
        let ns =
            c.w.objects
                .typed::<NetworkSystem>(&c.call.this)
                .ok_or_else(|| Fault::not_found_obj(&c.call.this))?;
        ns.groups
            .iter()
            .filter(|g| g.vswitch_name == name)
            .filter(|g| !ns.ports(c.w, &g.name).is_empty())
            .map(|g| g.name.clone())
            .collect()
    };
    if let Some(g) = w_ports.first() {
        return Err(in_use(g));
    }
    let ns = system(c)?;
    let at = ns
        .switch(&name)
        .ok_or_else(|| not_found(format!("virtual switch {name}")))?;
    ns.vswitches.remove(at);
    // Its port groups go with it, and their VM networks.
    let gone: Vec<String> = ns
        .groups
        .iter()
        .filter(|g| g.vswitch_name == name)
        .map(|g| g.name.clone())
        .collect();
    ns.groups.retain(|g| g.vswitch_name != name);
    for g in gone {
        c.w.objects.remove(&super::inventory::network_ref(&g));
    }
    Ok(Ret::None)
}

pub fn add_port_group(c: &mut Ctx, r: v::AddPortGroupRequest) -> Result<Ret, Fault> {
    let spec = r.portgrp;
    if spec.name.is_empty() {
        return Err(bad("portgrp.name"));
    }
    if !(0..=4095).contains(&spec.vlan_id) {
        return Err(bad("portgrp.vlanId"));
    }
    let ns = system(c)?;
    if ns.switch(&spec.vswitch_name).is_none() {
        return Err(not_found(format!("virtual switch {}", spec.vswitch_name)));
    }
    if ns.groups.iter().any(|g| g.name == spec.name) {
        return Err(already_exists(&spec.name));
    }
    let name = spec.name.clone();
    ns.groups.push(spec);
    super::inventory::register_network(c.w, &name);
    Ok(Ret::None)
}

pub fn remove_port_group(c: &mut Ctx, r: v::RemovePortGroupRequest) -> Result<Ret, Fault> {
    let name = r.pg_name;
    let busy = {
        let ns =
            c.w.objects
                .typed::<NetworkSystem>(&c.call.this)
                .ok_or_else(|| Fault::not_found_obj(&c.call.this))?;
        if !ns.groups.iter().any(|g| g.name == name) {
            return Err(not_found(format!("port group {name}")));
        }
        !ns.ports(c.w, &name).is_empty()
    };
    if busy {
        return Err(in_use(&name));
    }
    system(c)?.groups.retain(|g| g.name != name);
    c.w.objects.remove(&super::inventory::network_ref(&name));
    Ok(Ret::None)
}
