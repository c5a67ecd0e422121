// SPDX-License-Identifier: LGPL-2.1-or-later
//! libvirt's interface driver over ESX: the host's physical NICs, each an
//! ethernet interface (always active) named by its device (`vmnic0`), with
//! its MAC address, link and IPv4 configuration. Lookup works by name and by
//! MAC address (libvirt 9.0's ESX driver looks a name up as a MAC address).
//! One request (the host's `config.network.pnic`) answers every call.

use crate::conf::interface::{self as conf, InterfaceDef, Ipv4, Link};
use crate::error::{check_flags, Code, Error, Result};
use crate::flags;
use crate::flags::esxConnectListAllInterfacesFlags::*;
use crate::vi::vim25::{HostPnics, PhysicalNic};
use crate::Interfaces;

/// An interface as a handle holds it: its name and MAC address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IfaceRef {
    pub name: String,
    pub mac: String,
}

fn iface_ref(n: &PhysicalNic) -> IfaceRef {
    IfaceRef {
        name: n.device.clone(),
        mac: n.mac.clone(),
    }
}

fn max_names(maxnames: i32) -> Result<usize> {
    usize::try_from(maxnames).map_err(|_| Error::invalid_arg("maxnames must not be negative"))
}

/// MAC addresses compare without regard to case (libvirt's virMacAddrCompare
/// parses both).
fn same_mac(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

fn def(n: &PhysicalNic, inactive: bool) -> InterfaceDef {
    let ipv4 = n.spec.ip.as_ref().map(|ip| {
        let address = match (&ip.ip_address, &ip.subnet_mask) {
            (Some(a), Some(m)) if !a.is_empty() && !m.is_empty() => {
                Some((a.clone(), conf::prefix_of(m).unwrap_or(0)))
            }
            _ => None,
        };
        Ipv4 {
            dhcp: ip.dhcp,
            // A leased address is not configuration (libvirt's rule).
            address: address.filter(|_| !(ip.dhcp && inactive)),
        }
    });
    // ESX leaves linkSpeed out when the link is down.
    let link = (!inactive).then(|| match &n.link_speed {
        Some(l) => Link::Up {
            speed: u32::try_from(l.speed_mb).unwrap_or(0),
        },
        None => Link::Down,
    });
    InterfaceDef {
        name: n.device.clone(),
        mac: n.mac.clone(),
        ipv4,
        link,
    }
}

impl Interfaces<'_> {
    /// The host's physical NICs: one request.
    fn pnics(&self) -> Result<Vec<PhysicalNic>> {
        let h = self.host_view::<HostPnics>()?;
        if h.config_host.is_none() {
            // No NICs listed because no configuration was sent: unknown.
            return Err(Error::rpc(
                "The host does not report its configuration (HostSystem config, optional in the \
                 VI reference), so its physical NICs are unknown",
            ));
        }
        Ok(h.pnics)
    }

    pub fn connect_num_of_interfaces(&self) -> Result<i32> {
        Ok(i32::try_from(self.pnics()?.len()).unwrap_or(i32::MAX))
    }

    /// The names of at most `maxnames` (active) interfaces.
    pub fn connect_list_interfaces(&self, maxnames: i32) -> Result<Vec<String>> {
        let max = max_names(maxnames)?;
        if max == 0 {
            return Ok(Vec::new());
        }
        let mut names: Vec<String> = self.pnics()?.into_iter().map(|n| n.device).collect();
        names.truncate(max);
        Ok(names)
    }

    /// 0: a physical NIC is always active.
    pub fn connect_num_of_defined_interfaces(&self) -> Result<i32> {
        Ok(0)
    }

    pub fn connect_list_defined_interfaces(&self, maxnames: i32) -> Result<Vec<String>> {
        max_names(maxnames)?;
        Ok(Vec::new())
    }

    /// The interfaces matching libvirt's filter flags.
    pub fn connect_list_all_interfaces(&self, flags: u32) -> Result<Vec<IfaceRef>> {
        check_flags(flags, flags::CONNECT_LIST_ALL_INTERFACES)?;
        let active = ESX_CONNECT_LIST_INTERFACES_ACTIVE as u32;
        let inactive = ESX_CONNECT_LIST_INTERFACES_INACTIVE as u32;
        if flags & inactive != 0 && flags & active == 0 {
            return Ok(Vec::new());
        }
        Ok(self.pnics()?.iter().map(iface_ref).collect())
    }

    pub fn interface_lookup_by_name(&self, name: &str) -> Result<IfaceRef> {
        self.pnics()?
            .iter()
            .find(|n| n.device == name)
            .map(iface_ref)
            .ok_or_else(|| {
                Error::new(
                    Code::NoInterface,
                    format!("Could not find physical NIC with name '{name}'"),
                )
            })
    }

    pub fn interface_lookup_by_mac_string(&self, mac: &str) -> Result<IfaceRef> {
        self.pnics()?
            .iter()
            .find(|n| same_mac(&n.mac, mac))
            .map(iface_ref)
            .ok_or_else(|| {
                Error::new(
                    Code::NoInterface,
                    format!("Could not find physical NIC with MAC address '{mac}'"),
                )
            })
    }

    /// The interface XML, as libvirt writes it, with the link's state and
    /// speed (left out with ESX_INTERFACE_XML_INACTIVE).
    pub fn interface_get_xml_desc(&self, iface: &IfaceRef, flags: u32) -> Result<String> {
        check_flags(flags, flags::INTERFACE_XML)?;
        let inactive = flags & flags::INTERFACE_XML != 0;
        let pnics = self.pnics()?;
        let n = pnics
            .iter()
            .find(|n| n.device == iface.name)
            .ok_or_else(|| {
                Error::new(
                    Code::NoInterface,
                    format!("Could not find physical NIC with name '{}'", iface.name),
                )
            })?;
        Ok(conf::format(&def(n, inactive)))
    }

    /// 1 while the NIC exists: a physical NIC is always active.
    pub fn interface_is_active(&self, iface: &IfaceRef) -> Result<bool> {
        self.interface_lookup_by_name(&iface.name).map(|_| true)
    }
}
