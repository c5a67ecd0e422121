// SPDX-License-Identifier: LGPL-2.1-or-later
//! Bulk statistics (virConnectGetAllDomainStats, virDomainListGetStats),
//! which libvirt's ESX driver lacks: libvirt's groups and field names for
//! what ESX reports without the performance manager, read for all VMs in
//! one request per page of 1,000 (the VMs' summary and runtime).
//!
//! What each group holds (ESX terms in parentheses):
//! - state: `state.state`, `state.reason` (runtime.powerState; reason 0,
//!   as esxDomainGetState).
//! - balloon: `balloon.current` (configured memory less the balloon,
//!   KiB), `balloon.maximum` (configured memory, KiB), `balloon.rss` (host
//!   memory the VM uses, KiB; running VMs only).
//! - vcpu: `vcpu.current`, `vcpu.maximum` (summary.config.numCpu).
//! - interface: `net.count` (summary.config.numEthernetCards).
//! - block: `block.count`, and per disk `block.N.name` (libvirt's target
//!   name: sda, hdb), `block.N.path` (its datastore file) and
//!   `block.N.capacity` (config.hardware.device; the summary's count when
//!   the host leaves the devices out).
//!
//! cpu-total (`cpu.time`, cumulative nanoseconds) has no source on ESX,
//! which reports CPU use as a rate (MHz); the group is left out, and asked
//! for with ENFORCE_STATS it is refused.

use crate::config::{ParamValue, TypedParam};
use crate::domain::{libvirt_state, DomainRef};
use crate::error::{check_flags, Error, Result};
use crate::vi::vim25::{
    AnyVirtualDevice, AnyVirtualDeviceBackingInfo, VmStatsBalloon, VmStatsBlock, VmStatsInterface,
    VmStatsState, VmStatsVcpu,
};
use crate::vi::wire::View;
use crate::vi::ObjectContent;
use crate::vi::VirtualMachinePowerState;
use crate::Domains;

use crate::flags::esxConnectGetAllDomainStatsFlags::*;
use crate::flags::esxDomainStatsTypes::*;

const STATS_STATE: u32 = ESX_DOMAIN_STATS_STATE as u32;
const STATS_BALLOON: u32 = ESX_DOMAIN_STATS_BALLOON as u32;
const STATS_VCPU: u32 = ESX_DOMAIN_STATS_VCPU as u32;
const STATS_INTERFACE: u32 = ESX_DOMAIN_STATS_INTERFACE as u32;
const STATS_BLOCK: u32 = ESX_DOMAIN_STATS_BLOCK as u32;
/// The groups this driver fills.
pub const STATS_SUPPORTED: u32 =
    STATS_STATE | STATS_BALLOON | STATS_VCPU | STATS_INTERFACE | STATS_BLOCK;
/// Every group libvirt 9.0 defines (up to VIR_DOMAIN_STATS_VM).
const STATS_KNOWN: u32 = (ESX_DOMAIN_STATS_VM as u32) * 2 - 1;

/// The selection bits (equal to the listing flags of the same names).
const GET_STATS_SELECT: u32 = (ESX_CONNECT_GET_ALL_DOMAINS_STATS_OTHER as u32) * 2 - 1;
const GET_STATS_NOWAIT: u32 = ESX_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT as u32;
const GET_STATS_BACKING: u32 = ESX_CONNECT_GET_ALL_DOMAINS_STATS_BACKING as u32;
const GET_STATS_ENFORCE: u32 = crate::flags::ESX_CONNECT_GET_ALL_DOMAINS_STATS_ENFORCE_STATS;

/// One domain's record.
#[derive(Debug, Clone, PartialEq)]
pub struct DomainStats {
    pub dom: DomainRef,
    pub params: Vec<TypedParam>,
}

fn groups(stats: u32, flags: u32) -> Result<u32> {
    if stats & !STATS_KNOWN != 0 {
        return Err(Error::invalid_arg(format!(
            "Unknown statistics groups 0x{:x}",
            stats & !STATS_KNOWN
        )));
    }
    if flags & GET_STATS_ENFORCE != 0 && stats & !STATS_SUPPORTED != 0 {
        return Err(Error::argument_unsupported(format!(
            "ESX does not report the statistics groups 0x{:x} (cpu-total and others need \
             cumulative counters the host does not keep)",
            stats & !STATS_SUPPORTED
        )));
    }
    Ok(if stats == 0 {
        STATS_SUPPORTED
    } else {
        stats & STATS_SUPPORTED
    })
}

/// A virtual disk as the block group shows it.
struct Disk {
    /// libvirt's target name (sda, hdb, ...), from the controller and unit
    /// as libvirt's VMX reader names them.
    name: Option<String>,
    path: Option<String>,
    capacity: Option<u64>,
}

/// The VM's disks in device order, named by libvirt's rules: SCSI
/// `sd[bus * 15 + unit]` (unit 7 is the controller's), SATA
/// `sd[bus * 30 + unit]`, IDE `hd[bus * 2 + unit]`.
fn disks(devices: &[AnyVirtualDevice]) -> Vec<Disk> {
    use AnyVirtualDevice as D;
    let controller = |key: i32| -> Option<(&'static str, u32, u32)> {
        devices.iter().find_map(|d| {
            let (prefix, per_bus, bus, k) = match d {
                D::VirtualSCSIController(c) => ("sd", 15, c.bus_number, c.key),
                D::ParaVirtualSCSIController(c) => ("sd", 15, c.bus_number, c.key),
                D::VirtualLsiLogicController(c) => ("sd", 15, c.bus_number, c.key),
                D::VirtualLsiLogicSASController(c) => ("sd", 15, c.bus_number, c.key),
                D::VirtualBusLogicController(c) => ("sd", 15, c.bus_number, c.key),
                D::VirtualSATAController(c) => ("sd", 30, c.bus_number, c.key),
                D::VirtualAHCIController(c) => ("sd", 30, c.bus_number, c.key),
                D::VirtualIDEController(c) => ("hd", 2, c.bus_number, c.key),
                _ => return None,
            };
            (k == key).then_some((prefix, per_bus, u32::try_from(bus).ok()?))
        })
    };
    devices
        .iter()
        .filter_map(|d| match d {
            D::VirtualDisk(disk) => Some(disk),
            _ => None,
        })
        .map(|disk| {
            // A bus or unit number that is negative or too large names no
            // disk (never a wrapped-around one).
            let unit = disk.unit_number.and_then(|u| u32::try_from(u).ok());
            let name = disk.controller_key.and_then(controller).zip(unit).and_then(
                |((prefix, per_bus, bus), unit)| {
                    let unit = if per_bus == 15 && unit > 7 {
                        unit - 1
                    } else {
                        unit
                    };
                    let index = bus.checked_mul(per_bus)?.checked_add(unit)?;
                    Some(crate::vmx::parse::disk_name(prefix, index))
                },
            );
            let path = match &disk.backing {
                Some(AnyVirtualDeviceBackingInfo::VirtualDiskFlatVer2BackingInfo(b)) => {
                    Some(b.file_name.clone())
                }
                Some(AnyVirtualDeviceBackingInfo::VirtualDiskSparseVer2BackingInfo(b)) => {
                    Some(b.file_name.clone())
                }
                Some(AnyVirtualDeviceBackingInfo::VirtualDiskSeSparseBackingInfo(b)) => {
                    Some(b.file_name.clone())
                }
                Some(AnyVirtualDeviceBackingInfo::VirtualDiskRawDiskMappingVer1BackingInfo(b)) => {
                    Some(b.file_name.clone())
                }
                Some(AnyVirtualDeviceBackingInfo::VirtualDeviceFileBackingInfo(b)) => {
                    Some(b.file_name.clone())
                }
                _ => None,
            };
            let capacity = disk
                .capacity_in_bytes
                .and_then(|b| u64::try_from(b).ok())
                .or_else(|| u64::try_from(disk.capacity_in_kb).ok()?.checked_mul(1024));
            Disk {
                name,
                path,
                capacity,
            }
        })
        .collect()
}

/// The properties the groups need.
fn paths(groups: u32) -> Vec<&'static str> {
    let mut p: Vec<&'static str> = VmStatsState::PATHS.to_vec();
    for (g, more) in [
        (STATS_BALLOON, VmStatsBalloon::PATHS),
        (STATS_VCPU, VmStatsVcpu::PATHS),
        (STATS_INTERFACE, VmStatsInterface::PATHS),
        (STATS_BLOCK, VmStatsBlock::PATHS),
    ] {
        if groups & g != 0 {
            p.extend(more);
        }
    }
    p
}

fn record(dom: DomainRef, o: &ObjectContent, groups: u32) -> Result<DomainStats> {
    let power = VmStatsState::from_object(o)?.power_state.known()?;
    let mut p = Vec::new();
    let int = |n: &str, x: i32| TypedParam::new(n, ParamValue::Int(x));
    let uint = |n: &str, x: u32| TypedParam::new(n, ParamValue::UInt(x));
    let ull = |n: &str, x: u64| TypedParam::new(n, ParamValue::ULLong(x));
    let of = format!("domain '{}'", dom.name);
    let count = |x: Option<i32>, property: &str| {
        crate::reported::optional(x.map(i64::from), 1, property, &of)
            .map(|n| u32::try_from(n).unwrap_or(u32::MAX))
    };
    if groups & STATS_STATE != 0 {
        p.push(int("state.state", libvirt_state(&power)));
        p.push(int("state.reason", 0));
    }
    if groups & STATS_BALLOON != 0 {
        let v = VmStatsBalloon::from_object(o)?;
        let kib = |x: Option<i32>, property: &str| {
            crate::reported::optional(x.map(i64::from), 1024, property, &of)
        };
        if let Some(max) = kib(v.memory_mb, "config.hardware.memoryMB") {
            // What the balloon took: unknown leaves the current size unknown.
            if let Some(ballooned) = kib(v.ballooned_mb, "summary.quickStats.balloonedMemory") {
                p.push(ull("balloon.current", max.saturating_sub(ballooned)));
            }
            p.push(ull("balloon.maximum", max));
        }
        if power == VirtualMachinePowerState::PoweredOn {
            if let Some(host) = kib(v.host_memory_mb, "summary.quickStats.hostMemoryUsage") {
                p.push(ull("balloon.rss", host));
            }
        }
    }
    if groups & STATS_VCPU != 0 {
        if let Some(n) = count(
            VmStatsVcpu::from_object(o)?.num_cpu,
            "config.hardware.numCPU",
        ) {
            p.push(uint("vcpu.current", n));
            p.push(uint("vcpu.maximum", n));
        }
    }
    if groups & STATS_INTERFACE != 0 {
        if let Some(n) = count(
            VmStatsInterface::from_object(o)?.num_nics,
            "summary.config.numEthernetCards",
        ) {
            p.push(uint("net.count", n));
        }
    }
    if groups & STATS_BLOCK != 0 {
        let v = VmStatsBlock::from_object(o)?;
        let disks = disks(&v.devices);
        if disks.is_empty() {
            // No device list (a sparse host): the summary's count.
            if let Some(n) = count(v.num_disks, "summary.config.numVirtualDisks") {
                p.push(uint("block.count", n));
            }
        } else {
            p.push(uint(
                "block.count",
                disks.len().min(u32::MAX as usize) as u32,
            ));
            for (i, d) in disks.iter().enumerate() {
                if let Some(name) = &d.name {
                    p.push(TypedParam::new(
                        &format!("block.{i}.name"),
                        ParamValue::Str(name.clone()),
                    ));
                }
                if let Some(path) = &d.path {
                    p.push(TypedParam::new(
                        &format!("block.{i}.path"),
                        ParamValue::Str(path.clone()),
                    ));
                }
                if let Some(c) = d.capacity {
                    p.push(ull(&format!("block.{i}.capacity"), c));
                }
            }
        }
    }
    Ok(DomainStats { dom, params: p })
}

impl Domains<'_> {
    /// virConnectGetAllDomainStats: the domains `flags` selects (libvirt's
    /// listing bits), with the groups `stats` asks for (0: all this driver
    /// fills), one request per page of VMs.
    pub fn connect_get_all_domain_stats(&self, stats: u32, flags: u32) -> Result<Vec<DomainStats>> {
        check_flags(
            flags,
            GET_STATS_SELECT | GET_STATS_NOWAIT | GET_STATS_BACKING | GET_STATS_ENFORCE,
        )?;
        let groups = groups(stats, flags)?;
        self.list_all_with(flags & GET_STATS_SELECT, &paths(groups))?
            .into_iter()
            .map(|(dom, o)| record(dom, &o, groups))
            .collect()
    }

    /// virDomainListGetStats: the given domains (in their order), from one
    /// listing. A domain that no longer exists is an error, as in libvirt.
    pub fn domain_list_get_stats(
        &self,
        doms: &[DomainRef],
        stats: u32,
        flags: u32,
    ) -> Result<Vec<DomainStats>> {
        check_flags(
            flags,
            GET_STATS_NOWAIT | GET_STATS_BACKING | GET_STATS_ENFORCE,
        )?;
        let all = self.connect_get_all_domain_stats(stats, flags)?;
        // By UUID (a name may repeat across folders): linear in the VMs.
        let mut by_uuid: std::collections::HashMap<[u8; 16], Vec<&DomainStats>> =
            std::collections::HashMap::new();
        for r in &all {
            by_uuid.entry(r.dom.uuid).or_default().push(r);
        }
        doms.iter()
            .map(|d| {
                let same = by_uuid.get(&d.uuid);
                same.and_then(|v| v.iter().find(|r| r.dom.moref == d.moref))
                    .or_else(|| same.and_then(|v| v.first()))
                    .map(|r| (*r).clone())
                    .ok_or_else(|| {
                        Error::no_domain(format!("Domain '{}' no longer exists", d.name))
                    })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vi::vim25::{
        VirtualAHCIController, VirtualDisk, VirtualDiskFlatVer2BackingInfo, VirtualIDEController,
        VirtualLsiLogicController,
    };

    fn disk(controller: i32, unit: i32) -> AnyVirtualDevice {
        AnyVirtualDevice::VirtualDisk(VirtualDisk {
            key: 2000 + unit,
            controller_key: Some(controller),
            unit_number: Some(unit),
            capacity_in_kb: 1024,
            backing: Some(AnyVirtualDeviceBackingInfo::VirtualDiskFlatVer2BackingInfo(
                VirtualDiskFlatVer2BackingInfo {
                    file_name: format!("[ds] vm/d{unit}.vmdk"),
                    ..Default::default()
                },
            )),
            ..Default::default()
        })
    }

    /// Bus and unit numbers a host may send (negative, huge) name no disk,
    /// never a wrapped-around one, and a negative capacity is unknown.
    #[test]
    fn hostile_bus_unit_and_capacity() {
        let ctl = |bus| {
            AnyVirtualDevice::VirtualLsiLogicController(VirtualLsiLogicController {
                key: 1000,
                bus_number: bus,
                ..Default::default()
            })
        };
        for (bus, unit) in [(i32::MAX, 0), (-1, 0), (0, -3)] {
            let d = disks(&[ctl(bus), disk(1000, unit)]);
            assert_eq!(d.len(), 1);
            assert_eq!(d[0].name, None, "bus {bus} unit {unit}");
        }
        let mut huge = disk(1000, 0);
        if let AnyVirtualDevice::VirtualDisk(v) = &mut huge {
            v.capacity_in_kb = i64::MAX;
        }
        assert_eq!(disks(&[ctl(0), huge])[0].capacity, None);
        let mut negative = disk(1000, 0);
        if let AnyVirtualDevice::VirtualDisk(v) = &mut negative {
            v.capacity_in_kb = -1;
        }
        assert_eq!(disks(&[ctl(0), negative])[0].capacity, None);
        assert_eq!(
            disks(&[ctl(0), disk(1000, 1)])[0].name.as_deref(),
            Some("sdb")
        );
    }

    #[test]
    fn disks_are_named_as_libvirts_vmx_reader_names_them() {
        let devices = vec![
            AnyVirtualDevice::VirtualLsiLogicController(VirtualLsiLogicController {
                key: 1001,
                bus_number: 1,
                ..Default::default()
            }),
            AnyVirtualDevice::VirtualIDEController(VirtualIDEController {
                key: 201,
                bus_number: 1,
                ..Default::default()
            }),
            AnyVirtualDevice::VirtualAHCIController(VirtualAHCIController {
                key: 15000,
                bus_number: 0,
                ..Default::default()
            }),
            disk(1001, 0),
            disk(1001, 8), // past the controller's own unit 7
            disk(201, 1),
            disk(15000, 2),
            disk(999, 0), // a controller not declared: no name
        ];
        let names: Vec<Option<String>> = disks(&devices).into_iter().map(|d| d.name).collect();
        assert_eq!(
            names,
            [
                Some("sdp".to_string()),
                Some("sdw".to_string()),
                Some("hdd".to_string()),
                Some("sdc".to_string()),
                None
            ]
        );
        assert_eq!(disks(&devices)[0].capacity, Some(1024 * 1024));
        assert_eq!(disks(&devices)[0].path.as_deref(), Some("[ds] vm/d0.vmdk"));
    }
}
