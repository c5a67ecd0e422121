// SPDX-License-Identifier: LGPL-2.1-or-later
//! libvirt's network driver over ESX, as libvirt's ESX driver maps it: each
//! standard virtual switch of the host is a network (always active,
//! persistent and autostarted), named after the switch, its UUID the MD5
//! sum of the switch's key; its physical NICs are the network's forward
//! interfaces, its port groups (with their VLAN IDs) the network's port
//! groups, traffic shaping its bandwidth. Define adds a switch and its port
//! groups through the host's HostNetworkSystem, undefine removes them.
//!
//! Everything is read from the network system (what AddVirtualSwitch and
//! AddPortGroup change) and the host's physical NICs, in one request.

use md5::{Digest, Md5};

use crate::conf::network::{self as conf, Bandwidth, NetworkDef, NewNetwork, PortGroupDef};
use crate::error::{check_flags, Code, Error, Result};
use crate::flags;
use crate::flags::esxConnectListAllNetworksFlags::*;
use crate::vi::property::{self, ObjectSpec, PropertyFilterSpec, PropertySpec};
use crate::vi::vim25::{
    self, AnyHostVirtualSwitchBridge, HostNetworkPolicy, HostNetworkTrafficShapingPolicy,
    HostPnics, HostPortGroup, HostPortGroupSpec, HostVirtualSwitch, HostVirtualSwitchBondBridge,
    HostVirtualSwitchSpec, NetworkSystemInfo, PhysicalNic,
};
use crate::vi::wire::View;
use crate::vi::MoRef;
use crate::{Connection, Networks};

/// A network as a handle holds it: its name and UUID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetRef {
    pub name: String,
    pub uuid: [u8; 16],
}

/// The ports a new switch gets (libvirt's ESX driver's number).
const NEW_SWITCH_PORTS: i32 = 128;

/// What the host reports of its networking.
pub(crate) struct HostNet {
    pub(crate) system: MoRef,
    pub(crate) vswitches: Vec<HostVirtualSwitch>,
    pub(crate) portgroups: Vec<HostPortGroup>,
    pub(crate) pnics: Vec<PhysicalNic>,
}

/// A switch's key; a host that leaves it empty gets the key ESX forms
/// from the name (so two such switches never share a UUID).
fn switch_key(s: &HostVirtualSwitch) -> String {
    if s.key.is_empty() {
        format!("key-vim.host.VirtualSwitch-{}", s.name)
    } else {
        s.key.clone()
    }
}

/// libvirt's UUID of a switch: the MD5 sum of its key.
pub fn switch_uuid(s: &HostVirtualSwitch) -> [u8; 16] {
    let mut u = [0u8; 16];
    u.copy_from_slice(&Md5::digest(switch_key(s).as_bytes()));
    u
}

fn net_ref(s: &HostVirtualSwitch) -> NetRef {
    NetRef {
        name: s.name.clone(),
        uuid: switch_uuid(s),
    }
}

pub(crate) fn no_network(name: &str) -> Error {
    Error::new(
        Code::NoNetwork,
        format!("Could not find network (virtual switch) with name '{name}'"),
    )
}

fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

fn max_names(maxnames: i32) -> Result<usize> {
    usize::try_from(maxnames).map_err(|_| Error::invalid_arg("maxnames must not be negative"))
}

/// bits/s and bytes (ESX) from kilobytes/s and kilobytes (libvirt).
fn shaping(b: &Bandwidth) -> Result<HostNetworkTrafficShapingPolicy> {
    let scaled = |v: u64, by: u64, what: &str| -> Result<Option<i64>> {
        if v == 0 {
            return Ok(None);
        }
        v.checked_mul(by)
            .and_then(|x| i64::try_from(x).ok())
            .map(Some)
            .ok_or_else(|| Error::invalid_arg(format!("bandwidth {what} {v} is too large")))
    };
    Ok(HostNetworkTrafficShapingPolicy {
        enabled: Some(true),
        average_bandwidth: scaled(b.average, 8000, "average")?,
        peak_bandwidth: scaled(b.peak, 8000, "peak")?,
        burst_size: scaled(b.burst, 1024, "burst")?,
    })
}

/// libvirt's bandwidth from an enabled shaping policy.
fn bandwidth(p: Option<&HostNetworkPolicy>) -> Option<Bandwidth> {
    let s = p?.shaping_policy.as_ref()?;
    if s.enabled != Some(true) {
        return None;
    }
    let kb = |v: Option<i64>, by: i64| v.map_or(0, |v| u64::try_from(v / by).unwrap_or(0));
    Some(Bandwidth {
        average: kb(s.average_bandwidth, 8000),
        peak: kb(s.peak_bandwidth, 8000),
        burst: kb(s.burst_size, 1024),
    })
}

impl HostNet {
    fn switch(&self, name: &str) -> Result<&HostVirtualSwitch> {
        self.vswitches
            .iter()
            .find(|s| s.name == name)
            .ok_or_else(|| no_network(name))
    }

    /// The port groups of a switch, in the host's order.
    pub(crate) fn portgroups_of<'a>(
        &'a self,
        s: &'a HostVirtualSwitch,
    ) -> impl Iterator<Item = &'a HostPortGroup> + 'a {
        let key = switch_key(s);
        self.portgroups.iter().filter(move |p| {
            p.spec.vswitch_name == s.name || p.vswitch.as_deref() == Some(key.as_str())
        })
    }

    /// The physical NICs a switch teams, as device names, in the switch's
    /// order (libvirt's): its NICs' keys found among the host's NICs. A
    /// host may leave the NICs' keys out (they are optional): then the
    /// switch's bond bridge names them, else the key ESX forms from the
    /// device name does.
    fn uplinks(&self, s: &HostVirtualSwitch) -> Result<Vec<String>> {
        let by_key = |key: &str| {
            self.pnics
                .iter()
                .find(|n| n.key.as_deref() == Some(key))
                .map(|n| n.device.clone())
        };
        let resolved: Option<Vec<String>> = s.pnic.iter().map(|k| by_key(k)).collect();
        if let Some(all) = resolved.filter(|a| !a.is_empty()) {
            return Ok(all);
        }
        let bridge = match &s.spec.bridge {
            Some(AnyHostVirtualSwitchBridge::HostVirtualSwitchBondBridge(b)) => {
                b.nic_device.clone()
            }
            _ => Vec::new(),
        };
        if s.pnic.is_empty() || bridge.len() == s.pnic.len() {
            return Ok(bridge);
        }
        s.pnic
            .iter()
            .map(|key| {
                key.strip_prefix("key-vim.host.PhysicalNic-")
                    .filter(|d| self.pnics.iter().any(|n| n.device == *d))
                    .map(str::to_string)
                    .ok_or_else(|| {
                        Error::rpc(format!(
                            "Could not find the physical NIC with key '{key}' of virtual switch '{}'",
                            s.name
                        ))
                    })
            })
            .collect()
    }

    fn def(&self, s: &HostVirtualSwitch) -> Result<NetworkDef> {
        Ok(NetworkDef {
            name: s.name.clone(),
            uuid: switch_uuid(s),
            uplinks: self.uplinks(s)?,
            bandwidth: bandwidth(s.spec.policy.as_ref()),
            portgroups: self
                .portgroups_of(s)
                .map(|p| PortGroupDef {
                    name: p.spec.name.clone(),
                    vlan: u32::try_from(p.spec.vlan_id).ok().filter(|v| *v != 0),
                    bandwidth: bandwidth(Some(&p.spec.policy)),
                })
                .collect(),
        })
    }
}

impl Connection {
    /// The network system, or why there is none.
    pub(crate) fn network_system(&self) -> Result<MoRef> {
        self.scope()?.network_system.clone().ok_or_else(|| {
            Error::no_support(format!(
                "The host '{}' has no network system (HostSystem configManager.networkSystem): \
                 it cannot list or change virtual switches",
                self.scope().map(|s| s.host_name.as_str()).unwrap_or("?")
            ))
        })
    }

    /// The switches, port groups and physical NICs: one request.
    pub(crate) fn host_net(&self) -> Result<HostNet> {
        let system = self.network_system()?;
        let host = self.scope()?.host.clone();
        let spec = PropertyFilterSpec::new(
            vec![
                PropertySpec::new(NetworkSystemInfo::TYPE, NetworkSystemInfo::PATHS),
                PropertySpec::new(HostPnics::TYPE, HostPnics::PATHS),
            ],
            vec![ObjectSpec::object(&system), ObjectSpec::object(&host)],
        );
        let objects = property::retrieve(self.client(), &spec)?;
        let info = objects
            .iter()
            .find(|o| o.obj == system)
            .ok_or_else(|| Error::rpc(format!("The network system {system} no longer exists")))?;
        let info = NetworkSystemInfo::from_object(info)?;
        // The network system's own list of NICs, else the host's.
        let mut pnics = info.pnics;
        if pnics.is_empty() {
            if let Some(h) = objects.iter().find(|o| o.obj == host) {
                pnics = HostPnics::from_object(h)?.pnics;
            }
        }
        // (Without any list of NICs, a switch's uplinks come from its bond
        // bridge: see `uplinks`.)
        Ok(HostNet {
            system,
            vswitches: info.vswitches,
            portgroups: info.portgroups,
            pnics,
        })
    }
}

/// A fault of the network system, named, with the libvirt number that
/// says what it means here.
fn host_refused(e: Error, what: &str) -> Error {
    let code = match e.fault() {
        Some("AlreadyExists") | Some("DuplicateName") => Code::NetworkExist,
        Some("NotFound") => Code::NoNetwork,
        Some("ResourceInUse") => Code::OperationInvalid,
        _ => e.code(),
    };
    let fault = e.fault().map(|f| format!(" ({f})")).unwrap_or_default();
    e.with_code(code)
        .context(format!("{what}: the host refused{fault}"))
}

impl Networks<'_> {
    pub fn connect_num_of_networks(&self) -> Result<i32> {
        Ok(count(self.host_net()?.vswitches.len()))
    }

    /// The names of at most `maxnames` networks.
    pub fn connect_list_networks(&self, maxnames: i32) -> Result<Vec<String>> {
        let max = max_names(maxnames)?;
        if max == 0 {
            return Ok(Vec::new());
        }
        let mut names: Vec<String> = self
            .host_net()?
            .vswitches
            .into_iter()
            .map(|s| s.name)
            .collect();
        names.truncate(max);
        Ok(names)
    }

    /// 0: a virtual switch is always active.
    pub fn connect_num_of_defined_networks(&self) -> Result<i32> {
        Ok(0)
    }

    pub fn connect_list_defined_networks(&self, maxnames: i32) -> Result<Vec<String>> {
        max_names(maxnames)?;
        Ok(Vec::new())
    }

    /// The networks matching libvirt's filter flags, in one request.
    pub fn connect_list_all_networks(&self, flags: u32) -> Result<Vec<NetRef>> {
        check_flags(flags, flags::CONNECT_LIST_ALL_NETWORKS)?;
        let has = |f: crate::flags::esxConnectListAllNetworksFlags| flags & f as u32 != 0;
        // Every switch is active, persistent and autostarted.
        let refused = (has(ESX_CONNECT_LIST_NETWORKS_INACTIVE)
            && !has(ESX_CONNECT_LIST_NETWORKS_ACTIVE))
            || (has(ESX_CONNECT_LIST_NETWORKS_TRANSIENT)
                && !has(ESX_CONNECT_LIST_NETWORKS_PERSISTENT))
            || (has(ESX_CONNECT_LIST_NETWORKS_NO_AUTOSTART)
                && !has(ESX_CONNECT_LIST_NETWORKS_AUTOSTART));
        if refused {
            return Ok(Vec::new());
        }
        Ok(self.host_net()?.vswitches.iter().map(net_ref).collect())
    }

    pub fn network_lookup_by_name(&self, name: &str) -> Result<NetRef> {
        Ok(net_ref(self.host_net()?.switch(name)?))
    }

    pub fn network_lookup_by_uuid(&self, uuid: &[u8; 16]) -> Result<NetRef> {
        self.host_net()?
            .vswitches
            .iter()
            .find(|s| &switch_uuid(s) == uuid)
            .map(net_ref)
            .ok_or_else(|| {
                Error::new(
                    Code::NoNetwork,
                    format!(
                        "Could not find network (virtual switch) with UUID '{}'",
                        crate::uuid::format(uuid)
                    ),
                )
            })
    }

    /// The network XML, as libvirt writes it (with the port groups' VLAN
    /// IDs).
    pub fn network_get_xml_desc(&self, net: &NetRef, flags: u32) -> Result<String> {
        check_flags(flags, flags::NETWORK_XML)?;
        let h = self.host_net()?;
        Ok(conf::format(&h.def(h.switch(&net.name)?)?))
    }

    /// The switch's name: a vSwitch is the bridge its port groups' VMs are
    /// on (libvirt's ESX driver has no such call).
    pub fn network_get_bridge_name(&self, net: &NetRef) -> Result<String> {
        Ok(self.host_net()?.switch(&net.name)?.name.clone())
    }

    fn exists(&self, net: &NetRef) -> Result<()> {
        self.host_net()?.switch(&net.name).map(|_| ())
    }

    /// 1: a virtual switch is there as long as the host runs.
    pub fn network_get_autostart(&self, net: &NetRef) -> Result<bool> {
        self.exists(net)?;
        Ok(true)
    }

    /// Only "on" can be set (it already is).
    pub fn network_set_autostart(&self, net: &NetRef, autostart: bool) -> Result<()> {
        self.exists(net)?;
        if !autostart {
            return Err(Error::operation_invalid(format!(
                "Cannot deactivate network autostart: virtual switch '{}' always starts with the host",
                net.name
            )));
        }
        Ok(())
    }

    pub fn network_is_active(&self, net: &NetRef) -> Result<bool> {
        self.exists(net)?;
        Ok(true)
    }

    pub fn network_is_persistent(&self, net: &NetRef) -> Result<bool> {
        self.exists(net)?;
        Ok(true)
    }

    /// A new virtual switch with its port groups, from a `<network>`
    /// document. Either everything is made or nothing stays on the host.
    pub fn network_define_xml(&self, xml: &str, flags: u32) -> Result<NetRef> {
        check_flags(flags, flags::NETWORK_DEFINE)?;
        let n = conf::parse(xml)?;
        let h = self.host_net()?;
        self.check_new(&h, &n)?;
        let spec = HostVirtualSwitchSpec {
            num_ports: NEW_SWITCH_PORTS,
            bridge: (!n.uplinks.is_empty()).then(|| {
                AnyHostVirtualSwitchBridge::HostVirtualSwitchBondBridge(
                    HostVirtualSwitchBondBridge {
                        nic_device: n.uplinks.clone(),
                    },
                )
            }),
            policy: match &n.bandwidth {
                Some(b) => Some(HostNetworkPolicy {
                    nic_teaming: None,
                    shaping_policy: Some(shaping(b)?),
                }),
                None => None,
            },
            mtu: None,
        };
        let mut groups = Vec::new();
        for pg in &n.portgroups {
            groups.push(HostPortGroupSpec {
                name: pg.name.clone(),
                vlan_id: pg.vlan.map_or(0, |v| v as i32),
                vswitch_name: n.name.clone(),
                policy: HostNetworkPolicy {
                    nic_teaming: None,
                    shaping_policy: match &pg.bandwidth {
                        Some(b) => Some(shaping(b)?),
                        None => None,
                    },
                },
            });
        }
        let client = self.client();
        vim25::add_virtual_switch(client, &h.system, &n.name, Some(&spec))
            .map_err(|e| host_refused(e, &format!("Could not add virtual switch '{}'", n.name)))?;
        for (i, g) in groups.iter().enumerate() {
            if let Err(e) = vim25::add_port_group(client, &h.system, g) {
                // Nothing stays: the groups added so far, then the switch.
                for done in groups[..i].iter().rev() {
                    let _ = vim25::remove_port_group(client, &h.system, &done.name);
                }
                let _ = vim25::remove_virtual_switch(client, &h.system, &n.name);
                return Err(host_refused(
                    e,
                    &format!(
                        "Could not add port group '{}' to virtual switch '{}' (the switch was removed again)",
                        g.name, n.name
                    ),
                ));
            }
        }
        let after = self.host_net()?;
        Ok(net_ref(after.switch(&n.name).map_err(|_| {
            Error::rpc(format!(
                "The host added virtual switch '{}' but does not list it",
                n.name
            ))
        })?))
    }

    /// What libvirt's ESX driver checks before it changes anything: the
    /// switch and its port groups are new, its NICs exist.
    fn check_new(&self, h: &HostNet, n: &NewNetwork) -> Result<()> {
        if h.vswitches.iter().any(|s| s.name == n.name) {
            return Err(Error::new(
                Code::NetworkExist,
                format!(
                    "network '{}' already exists: the host has a virtual switch of that name \
                     (editing one is not supported)",
                    n.name
                ),
            ));
        }
        for pg in &n.portgroups {
            if let Some(p) = h.portgroups.iter().find(|p| p.spec.name == pg.name) {
                return Err(Error::new(
                    Code::NetworkExist,
                    format!(
                        "port group '{}' exists already (on virtual switch '{}')",
                        pg.name, p.spec.vswitch_name
                    ),
                ));
            }
        }
        for dev in &n.uplinks {
            if !h.pnics.iter().any(|p| &p.device == dev) {
                return Err(Error::new(
                    Code::NoInterface,
                    format!("Could not find physical NIC with name '{dev}'"),
                ));
            }
        }
        Ok(())
    }

    /// Removes the virtual switch and its port groups; refused, with
    /// nothing removed, while a port of a group is in use (by a VM or the
    /// host). A host that refuses midway gets back what was removed.
    pub fn network_undefine(&self, net: &NetRef) -> Result<()> {
        let h = self.host_net()?;
        let s = h.switch(&net.name)?;
        let groups: Vec<&HostPortGroup> = h.portgroups_of(s).collect();
        for g in &groups {
            if let Some(port) = g.port.first() {
                let users = g.port.len();
                return Err(Error::new(
                    Code::OperationInvalid,
                    format!(
                        "Cannot undefine network '{}': port group '{}' is in use ({users} port{}, \
                         the first of type '{}'); the host would refuse with ResourceInUse",
                        net.name,
                        g.spec.name,
                        if users == 1 { "" } else { "s" },
                        port.r#type
                    ),
                ));
            }
        }
        let client = self.client();
        for (i, g) in groups.iter().enumerate() {
            if let Err(e) = vim25::remove_port_group(client, &h.system, &g.spec.name) {
                for back in groups[..i].iter().rev() {
                    let _ = vim25::add_port_group(client, &h.system, &back.spec);
                }
                return Err(host_refused(
                    e,
                    &format!(
                        "Could not undefine network '{}': removing port group '{}'",
                        net.name, g.spec.name
                    ),
                ));
            }
        }
        if let Err(e) = vim25::remove_virtual_switch(client, &h.system, &net.name) {
            for back in &groups {
                let _ = vim25::add_port_group(client, &h.system, &back.spec);
            }
            return Err(host_refused(
                e,
                &format!(
                    "Could not undefine network '{}': removing the virtual switch",
                    net.name
                ),
            ));
        }
        Ok(())
    }
}
