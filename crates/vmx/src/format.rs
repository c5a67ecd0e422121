// SPDX-License-Identifier: LGPL-2.1-or-later
//! Domain definition -> VMX, key by key in the order libvirt's ESX driver
//! writes them, with the virtual hardware version rules.

use std::fmt::Write;

use super::domain::*;
use super::xml::disk_index;
use crate::error::{Error, Result};

/// Detects a SCSI controller's model from one of its disks.
pub type AutodetectScsiModel<'a> = &'a dyn Fn(&Disk) -> Result<String>;

/// What the conversion needs from its caller.
pub struct FormatContext<'a> {
    /// A datastore path of the domain XML -> the file name for the VMX.
    pub format_file_name: &'a dyn Fn(&str) -> Result<String>,
    /// The model of a SCSI controller whose XML says model='auto', from
    /// one of its disks (libvirt asks the host about the disk's file).
    pub autodetect_scsi_model: Option<AutodetectScsiModel<'a>>,
    pub virtual_hw_version: u32,
}

/// The virtual hardware versions of ESX and Workstation a VMX may declare.
pub const HW_VERSIONS: [u32; 16] = [4, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21];

fn unsupported(msg: impl Into<String>) -> Error {
    Error::config_unsupported(msg)
}

fn bad(msg: impl Into<String>) -> Error {
    Error::internal(msg)
}

/// libvirt's escapes: `c` + two lowercase hex digits for `c` itself and
/// the special characters.
/// libvirt's virVMXEscapeHex: `c` itself and the `special` characters as
/// `cXX`. With `c` NUL, the escape is VMware's `|` and `c` is not special.
fn escape_hex(s: &str, c: char, special: &[char]) -> String {
    let (marker, self_special) = if c == '\0' { ('|', false) } else { (c, true) };
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        if (self_special && ch == c) || special.contains(&ch) {
            let mut buf = [0u8; 4];
            for b in ch.encode_utf8(&mut buf).bytes() {
                let _ = write!(out, "{marker}{b:02x}");
            }
        } else {
            out.push(ch);
        }
    }
    out
}

/// One `key = "value"` line. A quote or a control character (a newline in
/// a name, a description or a path from the XML) cannot stand in a .vmx
/// value: it would end the value or the line, and the file would not read
/// back. VMware writes them as `|XX`, and so does this (values libvirt
/// escapes itself never contain either).
fn line(out: &mut String, key: &str, value: impl std::fmt::Display) {
    let value = value.to_string();
    let value = if value.chars().any(|c| c == '"' || c.is_control()) {
        escape_hex(&value, '\0', &control_and_quote())
    } else {
        value
    };
    let _ = writeln!(out, "{key} = \"{value}\"");
}

/// The characters `line` writes as `|XX`.
fn control_and_quote() -> Vec<char> {
    (0u8..0x20).map(char::from).chain(['\u{7f}', '"']).collect()
}

fn uuid_bios(u: &[u8; 16]) -> String {
    let h: Vec<String> = u.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{}", h[..8].join(" "), h[8..].join(" "))
}

/// (controller or bus, unit) of a disk: its drive address when the XML
/// gives one (a paravirtual SCSI controller has units past 15, which no
/// target name can say), else from its target name.
fn disk_slot(d: &Disk) -> Result<(u32, u32)> {
    let (c, b, _, u) = d.address;
    if c != u32::MAX {
        let ok = match d.bus {
            Bus::Scsi => c <= 3 && u <= 63 && u != 7,
            Bus::Sata => c <= 3 && u <= 29,
            Bus::Ide => c == 0 && b <= 1 && u <= 1,
            Bus::Fdc => c == 0 && u <= 1,
            Bus::Nvme => false,
        };
        if !ok {
            return Err(bad(format!(
                "Disk '{}' has a drive address (controller {c}, bus {b}, unit {u}) out of range for bus '{}'",
                d.dst,
                d.bus.as_str()
            )));
        }
        return Ok(if d.bus == Bus::Ide { (b, u) } else { (c, u) });
    }
    disk_slot_from_name(d)
}

fn disk_slot_from_name(d: &Disk) -> Result<(u32, u32)> {
    let bad_name = || {
        bad(format!(
            "Disk target '{}' is not a valid name for bus '{}'",
            d.dst,
            d.bus.as_str()
        ))
    };
    match d.bus {
        Bus::Scsi => {
            let i = disk_index(&d.dst, "sd").ok_or_else(bad_name)?;
            let (c, mut u) = (i / 15, i % 15);
            if u >= 7 {
                u += 1;
            }
            if c > 3 {
                return Err(bad(format!(
                    "SCSI controller index {c} out of [0..3] range"
                )));
            }
            Ok((c, u))
        }
        Bus::Sata => {
            let i = disk_index(&d.dst, "sd").ok_or_else(bad_name)?;
            if i / 30 > 3 {
                return Err(bad(format!(
                    "SATA controller index {} out of [0..3] range",
                    i / 30
                )));
            }
            Ok((i / 30, i % 30))
        }
        Bus::Ide => {
            let i = disk_index(&d.dst, "hd").ok_or_else(bad_name)?;
            if i > 3 {
                return Err(bad(format!(
                    "IDE disk '{}' is out of [hda..hdd] range",
                    d.dst
                )));
            }
            Ok((i / 2, i % 2))
        }
        Bus::Fdc => {
            let i = disk_index(&d.dst, "fd").ok_or_else(bad_name)?;
            if i > 1 {
                return Err(bad(format!(
                    "Floppy '{}' is out of [fda..fdb] range",
                    d.dst
                )));
            }
            Ok((0, i))
        }
        Bus::Nvme => Err(unsupported("NVMe disks are not supported")),
    }
}

fn scsi_model_name(model: &str) -> Result<&'static str> {
    Ok(match model {
        "buslogic" => "buslogic",
        "lsilogic" => "lsilogic",
        "lsisas1068" => "lsisas1068",
        "vmpvscsi" => "pvscsi",
        other => {
            return Err(bad(format!(
                "Expecting domain XML attribute 'model' of entry 'controller' to be 'buslogic' or 'lsilogic' or \
                 'lsisas1068' or 'vmpvscsi' but found '{other}'"
            )))
        }
    })
}

/// Formats a domain definition as a VMX for a virtual hardware version.
pub fn format(def: &DomainDef, ctx: &FormatContext<'_>) -> Result<String> {
    let hw = ctx.virtual_hw_version;
    if !HW_VERSIONS.contains(&hw) {
        return Err(unsupported(format!(
            "Virtual hardware version {hw} is not one ESX knows ({HW_VERSIONS:?})"
        )));
    }
    // Features that need a newer virtual hardware than requested.
    if def.topology.is_some() && hw < 7 {
        return Err(unsupported(format!(
            "Cores per socket need virtual hardware version 7 or later, not {hw}"
        )));
    }
    if hw < 7
        && def
            .serials
            .iter()
            .any(|s| matches!(s.source, CharSource::Tcp { .. }))
    {
        return Err(unsupported(format!(
            "Network serial ports need virtual hardware version 7 or later, not {hw}"
        )));
    }
    if def.disks.iter().any(|d| d.bus == Bus::Sata) && hw < 10 {
        return Err(unsupported(format!(
            "SATA disks need virtual hardware version 10 or later, not {hw}"
        )));
    }

    let mut x = String::new();
    line(&mut x, ".encoding", "UTF-8");
    line(&mut x, "config.version", 8);
    line(&mut x, "virtualHW.version", hw);
    line(
        &mut x,
        "guestOS",
        if def.arch == Arch::X86_64 {
            "other-64"
        } else {
            "other"
        },
    );
    if def.smbios_host {
        line(&mut x, "smbios.reflecthost", "true");
    }
    if def.uuid == [0; 16] {
        line(&mut x, "uuid.action", "create");
    } else {
        line(&mut x, "uuid.bios", uuid_bios(&def.uuid));
    }
    // The generation ID as the .vmx holds it: two signed 64-bit halves
    // (what the reader takes back).
    if let Some(g) = &def.genid {
        let half = |b: &[u8]| {
            let mut a = [0u8; 8];
            a.copy_from_slice(b);
            i64::from_be_bytes(a)
        };
        line(&mut x, "vm.genid", half(&g[..8]));
        line(&mut x, "vm.genidX", half(&g[8..]));
    }
    let display = escape_hex(&escape_hex(&def.name, '|', &['"']), '%', &['/', '\\']);
    line(&mut x, "displayName", display);
    if let Some(d) = &def.description {
        line(&mut x, "annotation", escape_hex(d, '|', &['"']));
    }
    // memsize must be a multiple of 4 MiB.
    let max_kib = def.memory_kib.div_ceil(4096) * 4096;
    line(&mut x, "memsize", max_kib / 1024);
    if def.current_memory_kib < max_kib {
        line(
            &mut x,
            "sched.mem.max",
            def.current_memory_kib.div_ceil(1024),
        );
    }
    if let Some(m) = def.min_guarantee_kib.filter(|m| *m > 0) {
        line(&mut x, "sched.mem.minsize", m.div_ceil(1024));
    }
    if def.vcpus == 0 {
        return Err(bad(
            "Expecting domain XML entry 'vcpu' to be greater than 0",
        ));
    }
    line(&mut x, "numvcpus", def.vcpus);
    if let Some((_, cores)) = def.topology {
        line(&mut x, "cpuid.coresPerSocket", cores);
    }
    if let Some(set) = &def.cpuset {
        if (set.len() as u32) < def.vcpus {
            return Err(bad(format!(
                "Expecting domain XML attribute 'cpuset' of entry 'vcpu' to contain at least {} CPU(s)",
                def.vcpus
            )));
        }
        let list: Vec<String> = set.iter().map(u32::to_string).collect();
        line(&mut x, "sched.cpu.affinity", list.join(","));
    }
    if let Some(s) = def.shares {
        let v = def.vcpus as u64;
        let level = if s == v * 500 {
            "low".to_string()
        } else if s == v * 1000 {
            "normal".to_string()
        } else if s == v * 2000 {
            "high".to_string()
        } else {
            s.to_string()
        };
        line(&mut x, "sched.cpu.shares", level);
    }
    if let Some(v) = &def.vnc {
        line(&mut x, "RemoteDisplay.vnc.enabled", "true");
        if let Some(p) = v.port {
            line(&mut x, "RemoteDisplay.vnc.port", p);
        }
        if let Some(l) = &v.listen {
            line(&mut x, "RemoteDisplay.vnc.ip", l);
        }
        if let Some(k) = &v.keymap {
            line(&mut x, "RemoteDisplay.vnc.keymap", k);
        }
        if let Some(p) = &v.password {
            line(&mut x, "RemoteDisplay.vnc.password", p);
        }
    }

    // SCSI controllers: present when a disk uses them; the model from the
    // XML (auto: detected from a disk), else none written.
    let mut scsi: [(bool, Option<&'static str>); 4] = [(false, None); 4];
    let mut slots = Vec::with_capacity(def.disks.len());
    for d in &def.disks {
        let slot = disk_slot(d)?;
        if d.bus == Bus::Scsi {
            scsi[slot.0 as usize].0 = true;
        }
        slots.push(slot);
    }
    for c in def.controllers.iter().filter(|c| c.kind == "scsi") {
        let Some(entry) = scsi.get_mut(c.index as usize) else {
            return Err(bad(format!(
                "SCSI controller index {} out of [0..3] range",
                c.index
            )));
        };
        if !entry.0 {
            continue;
        }
        entry.1 = match c.model.as_deref() {
            None => None,
            Some("auto") => match ctx.autodetect_scsi_model {
                Some(detect) => {
                    let mut found: Option<String> = None;
                    for (d, s) in def.disks.iter().zip(&slots) {
                        if d.bus == Bus::Scsi
                            && s.0 == c.index
                            && d.device == DiskDevice::Disk
                            && !d.block
                        {
                            let m = detect(d)?;
                            if found.as_ref().is_some_and(|f| *f != m) {
                                return Err(bad(format!(
                                    "Disks on SCSI controller {} have inconsistent controller models, cannot \
                                     autodetect model",
                                    c.index
                                )));
                            }
                            found = Some(m);
                        }
                    }
                    found.map(|m| scsi_model_name(&m)).transpose()?
                }
                None => None,
            },
            Some(m) => Some(scsi_model_name(m)?),
        };
    }
    // Old XML names the controller model in the disk's <driver name=...>.
    for (d, s) in def.disks.iter().zip(&slots) {
        let Some(name) = d.driver_name.as_deref().filter(|_| d.bus == Bus::Scsi) else {
            continue;
        };
        let model = scsi_model_name(if name == "pvscsi" { "vmpvscsi" } else { name })?;
        let entry = &mut scsi[s.0 as usize];
        match entry.1 {
            None => entry.1 = Some(model),
            Some(m) if m == model => {}
            Some(m) => {
                return Err(bad(format!(
                    "Inconsistent SCSI controller model ('{name}' is not '{m}') for SCSI controller index {}",
                    s.0
                )))
            }
        }
    }
    for (i, (present, model)) in scsi.iter().enumerate() {
        if *present {
            line(&mut x, &format!("scsi{i}.present"), "true");
            if let Some(m) = model {
                line(&mut x, &format!("scsi{i}.virtualDev"), m);
            }
        }
    }
    let sata: Vec<u32> = {
        let mut v: Vec<u32> = def
            .disks
            .iter()
            .zip(&slots)
            .filter(|(d, _)| d.bus == Bus::Sata)
            .map(|(_, s)| s.0)
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    for c in &sata {
        line(&mut x, &format!("sata{c}.present"), "true");
    }
    let mut floppy = [false; 2];
    for (d, (c, u)) in def.disks.iter().zip(&slots) {
        if d.device == DiskDevice::Floppy {
            if d.bus != Bus::Fdc {
                return Err(unsupported(format!(
                    "Floppy '{}' must be on the fdc bus",
                    d.dst
                )));
            }
            floppy[*u as usize] = true;
            let p = format!("floppy{u}");
            line(&mut x, &format!("{p}.present"), "true");
            if d.block {
                line(&mut x, &format!("{p}.fileType"), "device");
                if let Some(s) = &d.source {
                    line(&mut x, &format!("{p}.fileName"), s);
                }
            } else {
                line(&mut x, &format!("{p}.fileType"), "file");
                if let Some(s) = &d.source {
                    line(&mut x, &format!("{p}.fileName"), (ctx.format_file_name)(s)?);
                }
            }
            continue;
        }
        let bus = match d.bus {
            Bus::Scsi => "scsi",
            Bus::Ide => "ide",
            Bus::Sata => "sata",
            other => {
                return Err(unsupported(format!(
                    "Unsupported bus type '{}' for {}",
                    other.as_str(),
                    d.device.as_str()
                )))
            }
        };
        let p = format!("{bus}{c}:{u}");
        let device_type = match (d.device, d.block) {
            (DiskDevice::Disk, false) => {
                if d.bus == Bus::Scsi {
                    "scsi-hardDisk"
                } else {
                    "ata-hardDisk"
                }
            }
            (DiskDevice::Cdrom, false) => "cdrom-image",
            (DiskDevice::Cdrom, true) => "atapi-cdrom",
            // A SCSI device of the host passed through, or a raw CD-ROM.
            (DiskDevice::Lun, true)
                if d.bus == Bus::Scsi
                    && d.source
                        .as_deref()
                        .is_some_and(|s| s.starts_with("/vmfs/devices/")) =>
            {
                "scsi-passthru"
            }
            (DiskDevice::Lun, true) => "cdrom-raw",
            _ => {
                return Err(unsupported(format!(
                    "{bus} {} '{}' has an unsupported type '{}'",
                    d.device.as_str(),
                    d.dst,
                    if d.block { "block" } else { "file" }
                )))
            }
        };
        line(&mut x, &format!("{p}.present"), "true");
        line(&mut x, &format!("{p}.deviceType"), device_type);
        if !d.block {
            let ext = if d.device == DiskDevice::Disk {
                ".vmdk"
            } else {
                ".iso"
            };
            match &d.source {
                Some(s) => {
                    if !s.to_ascii_lowercase().ends_with(ext) {
                        return Err(bad(format!(
                            "Image file for {bus} {} '{}' has unsupported suffix, expecting '{ext}'",
                            d.device.as_str(),
                            d.dst
                        )));
                    }
                    line(&mut x, &format!("{p}.fileName"), (ctx.format_file_name)(s)?);
                }
                None if d.device == DiskDevice::Cdrom => {
                    line(&mut x, &format!("{p}.fileName"), "emptyBackingString")
                }
                None => return Err(bad(format!("Hard disk '{}' has no source file", d.dst))),
            }
        } else if d.source.is_none() && d.optional {
            line(&mut x, &format!("{p}.autodetect"), "true");
            line(&mut x, &format!("{p}.fileName"), "auto detect");
        } else if let Some(s) = &d.source {
            line(&mut x, &format!("{p}.fileName"), s);
        }
        if d.writethrough {
            if d.bus != Bus::Scsi {
                return Err(unsupported(format!(
                    "{bus} harddisk '{}' has unsupported cache mode 'writethrough'",
                    d.dst
                )));
            }
            line(&mut x, &format!("{p}.writeThrough"), "true");
        }
        if d.transient {
            line(&mut x, &format!("{p}.mode"), "independent-nonpersistent");
        }
    }
    for (i, present) in floppy.iter().enumerate() {
        if !present {
            line(&mut x, &format!("floppy{i}.present"), "false");
        }
    }

    if !def.filesystems.is_empty() {
        line(&mut x, "isolation.tools.hgfs.disable", "false");
        line(&mut x, "sharedFolder.maxNum", def.filesystems.len());
    }
    for (i, f) in def.filesystems.iter().enumerate() {
        let p = format!("sharedFolder{i}");
        line(&mut x, &format!("{p}.present"), "true");
        line(&mut x, &format!("{p}.enabled"), "true");
        line(&mut x, &format!("{p}.readAccess"), "true");
        line(
            &mut x,
            &format!("{p}.writeAccess"),
            if f.readonly { "false" } else { "true" },
        );
        line(&mut x, &format!("{p}.hostPath"), &f.source);
        line(&mut x, &format!("{p}.guestName"), &f.target);
    }

    if def.interfaces.len() > 10 {
        return Err(unsupported("At most 10 network interfaces are supported"));
    }
    for (i, n) in def.interfaces.iter().enumerate() {
        format_ethernet(&mut x, i, n)?;
    }
    if let Some(v) = def.vram_kib {
        // A multiple of 64 KiB, for Windows guests (VMware KB 1003).
        line(&mut x, "svga.vramSize", v.div_ceil(64) * 64 * 1024);
    }
    for s in &def.serials {
        format_serial(&mut x, ctx, s)?;
    }
    for p in &def.parallels {
        if p.port > 2 {
            return Err(bad(format!(
                "Parallel port index {} out of [0..2] range",
                p.port
            )));
        }
        let k = format!("parallel{}", p.port);
        line(&mut x, &format!("{k}.present"), "true");
        match &p.source {
            CharSource::Dev(path) => {
                line(&mut x, &format!("{k}.fileType"), "device");
                line(&mut x, &format!("{k}.fileName"), path);
            }
            CharSource::File(path) => {
                line(&mut x, &format!("{k}.fileType"), "file");
                line(
                    &mut x,
                    &format!("{k}.fileName"),
                    (ctx.format_file_name)(path)?,
                );
            }
            other => {
                return Err(unsupported(format!(
                    "Unsupported character device type '{}'",
                    other_kind(other)
                )))
            }
        }
    }
    if def.efi {
        line(&mut x, "firmware", "efi");
    }
    if hw >= 7 && scsi.iter().any(|(present, _)| *present) {
        // The PCI Express root ports, as libvirt writes them: virtual
        // hardware 7 and later with a SCSI controller.
        line(&mut x, "pciBridge0.present", "true");
        for b in 4..8 {
            line(&mut x, &format!("pciBridge{b}.present"), "true");
            line(&mut x, &format!("pciBridge{b}.virtualDev"), "pcieRootPort");
            line(&mut x, &format!("pciBridge{b}.functions"), 8);
        }
    }
    if hw >= 7 {
        line(&mut x, "vmci0.present", "true");
    }
    // What is written must read back: never hand out (or upload) a .vmx the
    // reader, and so ESX, would choke on.
    let back = super::file::VmxFile::parse(x.as_bytes()).map_err(|e| {
        Error::internal(format!(
            "The .vmx written for domain '{}' does not read back ({e}); it was not used",
            def.name
        ))
    })?;
    if back.len() != x.lines().filter(|l| !l.trim().is_empty()).count() {
        return Err(Error::internal(format!(
            "The .vmx written for domain '{}' does not read back line for line; it was not used",
            def.name
        )));
    }
    Ok(x)
}

fn other_kind(s: &CharSource) -> &'static str {
    match s {
        CharSource::Dev(_) => "dev",
        CharSource::File(_) => "file",
        CharSource::Pipe(_) => "pipe",
        CharSource::Tcp { .. } => "tcp",
    }
}

fn format_ethernet(x: &mut String, i: usize, n: &Interface) -> Result<()> {
    let p = format!("ethernet{i}");
    line(x, &format!("{p}.present"), "true");
    if let Some(m) = &n.model {
        match m.to_ascii_lowercase().as_str() {
            "vmxnet2" => {
                line(x, &format!("{p}.virtualDev"), "vmxnet");
                line(x, &format!("{p}.features"), 15);
            }
            "vlance" | "vmxnet" | "vmxnet3" | "e1000" | "e1000e" => line(x, &format!("{p}.virtualDev"), m),
            _ => {
                return Err(bad(format!(
                    "Expecting domain XML entry 'devices/interface/model' to be 'vlance' or 'vmxnet' or 'vmxnet2' \
                     or 'vmxnet3' or 'e1000' or 'e1000e' but found '{m}'"
                )))
            }
        }
    }
    match &n.kind {
        NetKind::Bridge { network, ifname } => {
            if !network.is_empty() {
                line(x, &format!("{p}.networkName"), network);
            }
            match ifname {
                Some(v) => {
                    line(x, &format!("{p}.connectionType"), "custom");
                    line(x, &format!("{p}.vnet"), v);
                }
                None => line(x, &format!("{p}.connectionType"), "bridged"),
            }
        }
        NetKind::User => line(x, &format!("{p}.connectionType"), "nat"),
        NetKind::Null => {}
        NetKind::Vds {
            switch_id,
            port_id,
            portgroup_id,
            connection_id,
        } => {
            let sw = super::parse::parse_uuid(switch_id)
                .map(|u| uuid_bios(&u))
                .ok_or_else(|| bad(format!("Invalid vds switchid '{switch_id}'")))?;
            line(x, &format!("{p}.dvs.switchId"), sw);
            if let Some(v) = port_id {
                line(x, &format!("{p}.dvs.portId"), v);
            }
            line(x, &format!("{p}.dvs.portgroupId"), portgroup_id);
            if let Some(v) = connection_id {
                line(x, &format!("{p}.dvs.connectionId"), v);
            }
        }
    }
    let Some(mac) = &n.mac else { return Ok(()) };
    let b: Vec<u32> = mac
        .address
        .split(':')
        .filter_map(|h| u32::from_str_radix(h, 16).ok())
        .collect();
    if b.len() != 6 {
        return Err(bad(format!("Invalid MAC address '{}'", mac.address)));
    }
    let prefix = (b[0] << 16) | (b[1] << 8) | b[2];
    let suffix = (b[3] << 16) | (b[4] << 8) | b[5];
    // An explicit type wins; else VMware's prefixes say what it is.
    let vpx = prefix == 0x005056 && (0x800000..=0xbfffff).contains(&suffix);
    let (kind, default_check) = match mac.kind {
        Some("generated") if vpx => ("vpx", None),
        Some("generated") => ("generated", None),
        Some(_) => ("static", None),
        None if prefix == 0x000c29 => ("generated", None),
        None if prefix == 0x005056 && suffix <= 0x3fffff => ("static", None),
        None if prefix == 0x005056 && (0x800000..=0xbfffff).contains(&suffix) => ("vpx", None),
        None => ("static", Some(false)),
    };
    line(x, &format!("{p}.addressType"), kind);
    match kind {
        "generated" => {
            line(x, &format!("{p}.generatedAddress"), &mac.address);
            line(x, &format!("{p}.generatedAddressOffset"), 0);
        }
        "vpx" => line(x, &format!("{p}.generatedAddress"), &mac.address),
        _ => line(x, &format!("{p}.address"), &mac.address),
    }
    if let Some(c) = mac.check.or(default_check) {
        line(x, &format!("{p}.checkMACAddress"), c);
    }
    Ok(())
}

fn format_serial(x: &mut String, ctx: &FormatContext<'_>, s: &CharDev) -> Result<()> {
    if s.port > 3 {
        return Err(bad(format!(
            "Serial port index {} out of [0..3] range",
            s.port
        )));
    }
    let p = format!("serial{}", s.port);
    line(x, &format!("{p}.present"), "true");
    match &s.source {
        CharSource::Dev(path) => {
            line(x, &format!("{p}.fileType"), "device");
            line(x, &format!("{p}.fileName"), path);
        }
        CharSource::File(path) => {
            line(x, &format!("{p}.fileType"), "file");
            line(x, &format!("{p}.fileName"), (ctx.format_file_name)(path)?);
        }
        CharSource::Pipe(path) => {
            line(x, &format!("{p}.fileType"), "pipe");
            // The VI client's defaults.
            line(x, &format!("{p}.pipe.endPoint"), "client");
            line(x, &format!("{p}.tryNoRxLoss"), "false");
            line(x, &format!("{p}.fileName"), path);
        }
        CharSource::Tcp {
            host,
            service,
            listen,
            protocol,
        } => {
            let scheme = match *protocol {
                "raw" => "tcp",
                "tls" => "ssl",
                other => other,
            };
            line(x, &format!("{p}.fileType"), "network");
            line(
                x,
                &format!("{p}.fileName"),
                format!("{scheme}://{host}:{service}"),
            );
            line(
                x,
                &format!("{p}.network.endPoint"),
                if *listen { "server" } else { "client" },
            );
        }
    }
    line(x, &format!("{p}.yieldOnMsrRead"), "true");
    Ok(())
}
