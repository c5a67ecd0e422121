// SPDX-License-Identifier: LGPL-2.1-or-later
//! VMX -> domain definition, following libvirt's ESX driver (src/vmx/vmx.c)
//! key by key: what it reads, its defaults, and what it refuses.

use super::domain::*;
use super::file::VmxFile;
use crate::error::{Error, Result};

/// What the conversion needs from its caller: how to turn a file name of
/// the VMX into a datastore path (libvirt's parseFileName callback) and
/// the datacenter path to record.
pub struct ParseContext<'a> {
    /// `(file name, missing allowed)` -> the path for the domain XML, or
    /// None when the file does not exist and that is allowed (an empty
    /// CD-ROM); an error otherwise.
    pub parse_file_name: &'a dyn Fn(&str, bool) -> Result<Option<String>>,
    pub datacenter_path: Option<&'a str>,
}

fn bad(msg: impl Into<String>) -> Error {
    Error::internal(msg)
}

fn flag(v: &VmxFile, key: &str, default: bool) -> Result<bool> {
    Ok(v.bool(key)?.unwrap_or(default))
}

fn ends_with_ci(s: &str, suffix: &str) -> bool {
    s.len() >= suffix.len()
        && s.is_char_boundary(s.len() - suffix.len())
        && s[s.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
}

/// libvirt's virIndexToDiskName: 0 -> a, 25 -> z, 26 -> aa.
pub fn disk_name(prefix: &str, mut index: u32) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push((b'a' + (index % 26) as u8) as char);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    letters.reverse();
    format!("{prefix}{}", letters.into_iter().collect::<String>())
}

pub use crate::uuid::parse as parse_uuid;

/// "%XX" escapes (display names).
fn unescape_percent(s: &str) -> Result<String> {
    crate::escape::decode_strict(s, b'%')
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| bad("VMX entry 'name' contains invalid escape sequence"))
}

/// Pipe escapes must be well formed where libvirt decodes them.
fn unescape_pipe_strict(s: &str, what: &str) -> Result<String> {
    let b = crate::escape::decode_strict(s, b'|').ok_or_else(|| {
        bad(format!(
            "VMX entry '{what}' contains invalid escape sequence"
        ))
    })?;
    Ok(String::from_utf8_lossy(&b).into_owned())
}

fn mac(text: &str, key: &str) -> Result<String> {
    let parts: Vec<&str> = text.split(':').collect();
    if parts.len() != 6
        || parts
            .iter()
            .any(|p| p.len() != 2 || !p.chars().all(|c| c.is_ascii_hexdigit()))
    {
        return Err(bad(format!(
            "Expecting VMX entry '{key}' to be MAC address but found '{text}'"
        )));
    }
    Ok(text.to_ascii_lowercase())
}

/// Parses a .vmx into a domain definition.
pub fn parse(vmx: &VmxFile, ctx: &ParseContext<'_>) -> Result<DomainDef> {
    let mut def = DomainDef::default();

    let config_version = vmx
        .long("config.version")?
        .ok_or_else(|| bad("Missing essential config entry 'config.version'"))?;
    if config_version != 8 {
        return Err(bad(format!(
            "Expecting VMX entry 'config.version' to be 8 but found {config_version}"
        )));
    }
    let hw = vmx
        .long("virtualHW.version")?
        .ok_or_else(|| bad("Missing essential config entry 'virtualHW.version'"))?;
    if hw < 4 {
        return Err(bad(format!(
            "Expecting VMX entry 'virtualHW.version' to be 4 or higher but found {hw}"
        )));
    }

    if let Some(u) = vmx.get("uuid.bios") {
        def.uuid =
            parse_uuid(u).ok_or_else(|| bad(format!("Could not parse UUID from string '{u}'")))?;
    }
    let name = vmx.get("displayName").unwrap_or("");
    def.name = unescape_pipe_strict(&unescape_percent(name)?, "name")?;
    // vm.genid and vm.genidX: the two halves of the generation ID, as
    // signed 64-bit numbers.
    let genid = (
        vmx.long("vm.genid")?.unwrap_or(0),
        vmx.long("vm.genidX")?.unwrap_or(0),
    );
    if genid != (0, 0) {
        let mut g = [0u8; 16];
        g[..8].copy_from_slice(&genid.0.to_be_bytes());
        g[8..].copy_from_slice(&genid.1.to_be_bytes());
        def.genid = Some(g);
    }
    if let Some(a) = vmx.get("annotation") {
        def.description = Some(unescape_pipe_strict(a, "annotation")?);
    }

    let memsize = vmx.long("memsize")?.unwrap_or(32);
    if memsize <= 0 || memsize % 4 != 0 {
        return Err(bad(format!(
            "Expecting VMX entry 'memsize' to be an unsigned integer (multiple of 4) but found {memsize}"
        )));
    }
    def.memory_kib = memsize as u64 * 1024;
    let mut max = vmx.long("sched.mem.max")?.unwrap_or(memsize);
    if max < 0 {
        max = memsize;
    }
    def.current_memory_kib = (max as u64 * 1024).min(def.memory_kib);
    let minsize = vmx.long("sched.mem.minsize")?.unwrap_or(0).max(0) as u64 * 1024;
    if minsize > 0 {
        def.min_guarantee_kib = Some(minsize.min(def.memory_kib));
    }

    let numvcpus = vmx.long("numvcpus")?.unwrap_or(1);
    if numvcpus <= 0 || numvcpus > u32::MAX as i64 {
        return Err(bad(format!(
            "Expecting VMX entry 'numvcpus' to be an unsigned integer greater than 0 but found {numvcpus}"
        )));
    }
    def.vcpus = numvcpus as u32;
    // One core per socket is the default: no topology to show.
    if let Some(cores) = vmx.long("cpuid.coresPerSocket")?.filter(|c| *c != 1) {
        if cores <= 0 || numvcpus % cores != 0 {
            return Err(bad(format!(
                "Expecting VMX entry 'cpuid.coresPerSocket' to be an unsigned integer dividing 'numvcpus' \
                 ({numvcpus}) but found {cores}"
            )));
        }
        def.topology = Some(((numvcpus / cores) as u32, cores as u32));
    }

    if let Some(aff) = vmx.get("sched.cpu.affinity") {
        if !aff.eq_ignore_ascii_case("all") {
            let mut cpus = Vec::new();
            for part in aff.split(',') {
                let n: u32 = part.trim().parse().map_err(|_| {
                    bad(format!(
                        "Expecting VMX entry 'sched.cpu.affinity' to be a comma separated list of unsigned \
                         integers but found '{aff}'"
                    ))
                })?;
                // libvirt's VIR_DOMAIN_CPUMASK_LEN.
                if n >= 16384 {
                    return Err(bad(format!(
                        "VMX entry 'sched.cpu.affinity' contains a {n}, this value is too large"
                    )));
                }
                cpus.push(n);
            }
            if (cpus.len() as i64) < numvcpus {
                return Err(bad(format!(
                    "Expecting VMX entry 'sched.cpu.affinity' to contain at least as many values as 'numvcpus' \
                     ({numvcpus}) but found only {} value(s)",
                    cpus.len()
                )));
            }
            cpus.sort_unstable();
            cpus.dedup();
            def.cpuset = Some(cpus);
        }
    }
    if let Some(s) = vmx.get("sched.cpu.shares") {
        let per = |n: u64| n * numvcpus as u64;
        def.shares = Some(match s.to_ascii_lowercase().as_str() {
            "low" => per(500),
            "normal" => per(1000),
            "high" => per(2000),
            other => other.parse().map_err(|_| {
                bad(format!(
                    "Expecting VMX entry 'sched.cpu.shares' to be an unsigned integer or 'low', 'normal' or \
                     'high' but found '{s}'"
                ))
            })?,
        });
    }

    if vmx.get("guestOS").is_some_and(|g| ends_with_ci(g, "-64")) {
        def.arch = Arch::X86_64;
    }
    def.smbios_host = flag(vmx, "smbios.reflecthost", false)?;
    if let Some(fw) = vmx.get("firmware") {
        match fw.to_ascii_lowercase().as_str() {
            "efi" => def.efi = true,
            "bios" => {}
            other => {
                return Err(bad(format!(
                    "VMX entry 'firmware' declared unknown value '{other}'"
                )))
            }
        }
    }

    def.vnc = parse_vnc(vmx)?;
    parse_disks(vmx, ctx, &mut def, hw)?;
    parse_filesystems(vmx, &mut def)?;
    // Every ethernetN the file has (ESX allows ten cards, the format no
    // limit): the highest index any ethernet key names.
    for i in 0..=ethernet_max_index(vmx)?.map_or(-1, i64::from) {
        if let Some(n) = parse_ethernet(vmx, i as u32)? {
            def.interfaces.push(n);
        }
    }
    let vram = vmx.long("svga.vramSize")?.unwrap_or(4 * 1024 * 1024);
    def.vram_kib = Some((vram.max(0) as u64).div_ceil(1024));
    for port in 0..4 {
        if let Some(c) = parse_char(vmx, ctx, "serial", port)? {
            def.serials.push(c);
        }
    }
    for port in 0..3 {
        if let Some(c) = parse_char(vmx, ctx, "parallel", port)? {
            def.parallels.push(c);
        }
    }
    def.datacenter_path = ctx.datacenter_path.map(str::to_string);
    Ok(def)
}

fn parse_vnc(vmx: &VmxFile) -> Result<Option<Vnc>> {
    if !flag(vmx, "RemoteDisplay.vnc.enabled", false)? {
        return Ok(None);
    }
    let port = vmx.long("RemoteDisplay.vnc.port")?.unwrap_or(-1);
    Ok(Some(Vnc {
        port: (port >= 0).then_some(port as u32),
        listen: vmx.get("RemoteDisplay.vnc.ip").map(str::to_string),
        keymap: vmx.get("RemoteDisplay.vnc.keymap").map(str::to_string),
        password: vmx.get("RemoteDisplay.vnc.password").map(str::to_string),
    }))
}

fn scsi_model(vmx: &VmxFile, controller: u32) -> Result<Option<String>> {
    let key = format!("scsi{controller}.virtualDev");
    let Some(v) = vmx.get(&key) else {
        return Ok(None);
    };
    let model = match v.to_ascii_lowercase().as_str() {
        "buslogic" => "buslogic",
        "lsilogic" => "lsilogic",
        "lsisas1068" => "lsisas1068",
        "pvscsi" => "vmpvscsi",
        _ => {
            return Err(bad(format!(
                "Expecting VMX entry '{key}' to be 'buslogic' or 'lsilogic' or 'lsisas1068' or 'pvscsi' but found \
                 '{v}'"
            )))
        }
    };
    Ok(Some(model.to_string()))
}

/// One disk slot: `prefix` is "scsi0:1", "ide1:0", "sata0:3" or "floppy0".
fn parse_disk(
    vmx: &VmxFile,
    ctx: &ParseContext<'_>,
    prefix: &str,
    bus: Bus,
    index: u32,
) -> Result<Option<Disk>> {
    let key = |k: &str| format!("{prefix}.{k}");
    if !flag(vmx, &key("present"), false)? {
        return Ok(None);
    }
    let device_type = vmx.get(&key("deviceType")).map(str::to_ascii_lowercase);
    // Client devices (the VI client's own drive) have nothing to show.
    if flag(vmx, &key("clientDevice"), false)? {
        return Ok(None);
    }
    let file_name = vmx.get(&key("fileName"));
    let file_type = vmx.get(&key("fileType")).map(str::to_ascii_lowercase);
    let writethrough = flag(vmx, &key("writeThrough"), false)?;
    let mode = vmx.get(&key("mode")).map(str::to_ascii_lowercase);
    let (dst, address) = match bus {
        Bus::Scsi | Bus::Sata | Bus::Nvme => {
            let prefix = if bus == Bus::Nvme { "nvme" } else { "sd" };
            let name = disk_name(prefix, index);
            let addr = match bus {
                // The caller sets the SCSI address from controller and unit.
                Bus::Scsi => (index / 15, 0, 0, index % 15),
                Bus::Sata => (index / 30, 0, 0, index % 30),
                _ => (index / 15, 0, 0, index % 15),
            };
            (name, addr)
        }
        Bus::Ide => (disk_name("hd", index), (0, index / 2, 0, index % 2)),
        Bus::Fdc => (disk_name("fd", index), (0, 0, 0, index)),
    };
    let mut disk = Disk {
        device: DiskDevice::Disk,
        block: false,
        bus,
        source: None,
        optional: false,
        dst,
        writethrough: false,
        transient: false,
        address,
        driver_name: None,
    };
    let fname = file_name.unwrap_or("");
    if bus == Bus::Fdc {
        disk.device = DiskDevice::Floppy;
        match file_type.as_deref() {
            Some("device") => {
                disk.block = true;
                disk.source = file_name.map(str::to_string);
            }
            Some("file") => disk.source = (ctx.parse_file_name)(fname, true)?,
            _ => {
                return Err(bad(format!(
                    "Invalid or not yet handled value '{fname}' for VMX entry '{}' for device type 'floppy'",
                    key("fileName")
                )))
            }
        }
        return Ok(Some(disk));
    }
    let dt = device_type.as_deref();
    if ends_with_ci(fname, ".vmdk") {
        // libvirt checks the device type of SCSI and IDE disks only.
        let ok = match (bus, dt) {
            (_, None) | (_, Some("disk")) => true,
            (Bus::Scsi, Some(t)) => t == "scsi-harddisk",
            (Bus::Ide, Some(t)) => t == "ata-harddisk",
            _ => true,
        };
        if !ok {
            return Err(bad(format!(
                "Invalid or not yet handled value '{}' for VMX entry '{}'",
                dt.unwrap_or(""),
                key("deviceType")
            )));
        }
        disk.source = Some((ctx.parse_file_name)(fname, false)?.ok_or_else(|| {
            bad(format!(
                "File '{fname}' of hard disk '{}' does not exist",
                disk.dst
            ))
        })?);
        disk.writethrough = writethrough;
        disk.transient = mode.as_deref() == Some("independent-nonpersistent");
        return Ok(Some(disk));
    }
    let iso = ends_with_ci(fname, ".iso");
    // An image (or an empty drive) is a "cdrom-image" or has no type.
    if (iso || fname == "emptyBackingString") && dt.is_some_and(|t| t != "cdrom-image") {
        return Err(bad(format!(
            "Expecting VMX entry '{}' to be 'cdrom-image' but found '{}'",
            key("deviceType"),
            vmx.get(&key("deviceType")).unwrap_or("")
        )));
    }
    match dt {
        Some("cdrom-image") => {
            disk.device = DiskDevice::Cdrom;
            if !fname.is_empty() && fname != "emptyBackingString" {
                disk.source = (ctx.parse_file_name)(fname, true)?;
            }
        }
        None if iso => {
            disk.device = DiskDevice::Cdrom;
            if !fname.is_empty() && fname != "emptyBackingString" {
                disk.source = (ctx.parse_file_name)(fname, true)?;
            }
        }
        Some("atapi-cdrom") => {
            disk.device = DiskDevice::Cdrom;
            disk.block = true;
            if fname.eq_ignore_ascii_case("auto detect") {
                disk.optional = true;
            } else if !fname.is_empty() {
                disk.source = Some(fname.to_string());
            }
        }
        // A passed-through SCSI device is a CD-ROM drive only under the
        // host's CD-ROM devices; anything else is not handled (libvirt).
        Some("scsi-passthru") if bus != Bus::Scsi || !fname.starts_with("/vmfs/devices/cdrom/") => {
            return Err(bad(format!(
                "Invalid or not yet handled value '{fname}' for VMX entry '{}' for device type 'scsi-passthru'",
                key("fileName")
            )))
        }
        Some("cdrom-raw") | Some("scsi-passthru") => {
            // Raw access CD-ROMs (and passed-through ones) are LUNs.
            disk.device = DiskDevice::Lun;
            disk.block = true;
            if fname.eq_ignore_ascii_case("auto detect") {
                disk.optional = true;
            } else if !fname.is_empty() {
                disk.source = Some(fname.to_string());
            }
        }
        _ => {
            return Err(bad(format!(
            "Invalid or not yet handled value '{fname}' for VMX entry '{}' for device type '{}'",
            key("fileName"),
            dt.unwrap_or("unknown")
        )))
        }
    }
    Ok(Some(disk))
}

fn parse_disks(vmx: &VmxFile, ctx: &ParseContext<'_>, def: &mut DomainDef, hw: i64) -> Result<()> {
    let mut scsi_models: [Option<String>; 4] = Default::default();
    for c in 0..4u32 {
        if !flag(vmx, &format!("scsi{c}.present"), false)? {
            continue;
        }
        scsi_models[c as usize] = scsi_model(vmx, c)?;
        // Virtual hardware 13 and later has 64 units per SCSI controller,
        // older 16 (libvirt's rule); unit 7 is the controller's own.
        let units = if hw >= 13 { 64 } else { 16 };
        for unit in (0..units).filter(|u| *u != 7) {
            let index = c * 15 + if unit < 7 { unit } else { unit - 1 };
            if let Some(mut d) = parse_disk(vmx, ctx, &format!("scsi{c}:{unit}"), Bus::Scsi, index)?
            {
                d.address = (c, 0, 0, unit);
                def.disks.push(d);
            }
        }
    }
    for c in 0..4u32 {
        if !flag(vmx, &format!("sata{c}.present"), false)? {
            continue;
        }
        for unit in 0..30u32 {
            if let Some(d) = parse_disk(
                vmx,
                ctx,
                &format!("sata{c}:{unit}"),
                Bus::Sata,
                c * 30 + unit,
            )? {
                def.disks.push(d);
            }
        }
    }
    for bus in 0..2u32 {
        for unit in 0..2u32 {
            if let Some(d) = parse_disk(
                vmx,
                ctx,
                &format!("ide{bus}:{unit}"),
                Bus::Ide,
                bus * 2 + unit,
            )? {
                def.disks.push(d);
            }
        }
    }
    for unit in 0..2u32 {
        if let Some(d) = parse_disk(vmx, ctx, &format!("floppy{unit}"), Bus::Fdc, unit)? {
            def.disks.push(d);
        }
    }
    // The controllers the disks need, as libvirt adds them: every index up
    // to the highest used, by type.
    for bus in [Bus::Scsi, Bus::Fdc, Bus::Sata, Bus::Ide] {
        let Some(max) = def
            .disks
            .iter()
            .filter(|d| d.bus == bus)
            .map(|d| d.address.0)
            .max()
        else {
            continue;
        };
        for index in 0..=max {
            let model = if bus == Bus::Scsi {
                scsi_models.get(index as usize).cloned().flatten()
            } else {
                None
            };
            def.controllers.push(Controller {
                kind: bus.controller(),
                index,
                model,
            });
        }
    }
    Ok(())
}

fn parse_filesystems(vmx: &VmxFile, def: &mut DomainDef) -> Result<()> {
    if flag(vmx, "isolation.tools.hgfs.disable", true)? {
        return Ok(());
    }
    let n = vmx.long("sharedFolder.maxNum")?.unwrap_or(0).clamp(0, 64);
    for i in 0..n {
        let key = |k: &str| format!("sharedFolder{i}.{k}");
        if !(flag(vmx, &key("present"), false)? && flag(vmx, &key("enabled"), false)?) {
            continue;
        }
        let get = |k: &str| {
            vmx.get(&key(k))
                .map(str::to_string)
                .ok_or_else(|| bad(format!("Missing essential config entry '{}'", key(k))))
        };
        def.filesystems.push(Filesystem {
            source: get("hostPath")?,
            target: get("guestName")?,
            readonly: !flag(vmx, &key("writeAccess"), false)?,
        });
    }
    Ok(())
}

/// The highest N of the file's `ethernetN.*` keys; a key with an index that
/// is not a number is an error, as in libvirt.
fn ethernet_max_index(vmx: &VmxFile) -> Result<Option<u32>> {
    let mut max = None;
    for (key, _) in vmx.entries() {
        let Some(rest) = key
            .get(..8)
            .filter(|p| p.eq_ignore_ascii_case("ethernet"))
            .map(|_| &key[8..])
        else {
            continue;
        };
        let index = rest
            .split_once('.')
            .and_then(|(n, _)| n.parse::<u32>().ok())
            .filter(|n| *n <= 1024)
            .ok_or_else(|| bad(format!("failed to parse the index of the VMX key '{key}'")))?;
        max = max.max(Some(index));
    }
    Ok(max)
}

fn parse_ethernet(vmx: &VmxFile, i: u32) -> Result<Option<Interface>> {
    let key = |k: &str| format!("ethernet{i}.{k}");
    if !flag(vmx, &key("present"), false)? {
        return Ok(None);
    }
    let connection = vmx.get(&key("connectionType")).map(str::to_ascii_lowercase);
    let address_type = vmx.get(&key("addressType")).map(str::to_ascii_lowercase);
    let check = vmx.bool(&key("checkMACAddress"))?;
    let found = |k: &str, kind: &'static str| -> Result<Option<Mac>> {
        vmx.get(&key(k))
            .map(|a| {
                Ok(Mac {
                    address: mac(a, &key(k))?,
                    kind: Some(kind),
                    check,
                })
            })
            .transpose()
    };
    let mac_addr = match address_type.as_deref() {
        // libvirt gives the type only when the file names one.
        None => found("generatedAddress", "generated")?.map(|m| Mac { kind: None, ..m }),
        Some("generated") | Some("vpx") => found("generatedAddress", "generated")?,
        Some("static") => found("address", "static")?,
        Some(other) => {
            return Err(bad(format!(
            "Expecting VMX entry '{}' to be 'generated' or 'static' or 'vpx' but found '{other}'",
            key("addressType")
        )))
        }
    };
    let mut model = vmx.get(&key("virtualDev")).map(str::to_ascii_lowercase);
    if let Some(m) = &model {
        if !["vlance", "vmxnet", "vmxnet3", "e1000", "e1000e"].contains(&m.as_str()) {
            return Err(bad(format!(
                "Expecting VMX entry '{}' to be 'vlance' or 'vmxnet' or 'vmxnet3' or 'e1000' or 'e1000e' but \
                 found '{m}'",
                key("virtualDev")
            )));
        }
        if m == "vmxnet" && vmx.long(&key("features"))?.unwrap_or(0) == 15 {
            model = Some("vmxnet2".into());
        }
    }
    let network = vmx.get(&key("networkName")).map(str::to_string);
    // networkName may be missing only when the connection type is (a card
    // on no network at all).
    let required = |v: Option<String>| {
        v.ok_or_else(|| {
            bad(format!(
                "Missing essential config entry '{}'",
                key("networkName")
            ))
        })
    };
    let long = |k: &str| -> Result<i64> {
        vmx.long(&key(k))?
            .ok_or_else(|| bad(format!("Missing essential config entry '{}'", key(k))))
    };
    // A distributed switch wins over everything else, as in libvirt.
    let kind = if let Some(sw) = vmx.get(&key("dvs.switchId")) {
        let uuid = parse_uuid(sw)
            .ok_or_else(|| bad(format!("Could not parse UUID from string '{sw}'")))?;
        let portgroup = vmx
            .get(&key("dvs.portgroupId"))
            .ok_or_else(|| {
                bad(format!(
                    "Missing essential config entry '{}'",
                    key("dvs.portgroupId")
                ))
            })?
            .to_string();
        NetKind::Vds {
            switch_id: format_uuid(&uuid),
            port_id: Some(long("dvs.portId")?.to_string()),
            portgroup_id: portgroup,
            connection_id: Some(long("dvs.connectionId")?.to_string()),
        }
    } else {
        match connection.as_deref() {
            None => match network {
                Some(n) => NetKind::Bridge {
                    network: n,
                    ifname: None,
                },
                None => NetKind::Null,
            },
            Some("bridged") => NetKind::Bridge {
                network: required(network)?,
                ifname: None,
            },
            Some("custom") => NetKind::Bridge {
                network: required(network)?,
                ifname: Some(
                    vmx.get(&key("vnet"))
                        .ok_or_else(|| {
                            bad(format!("Missing essential config entry '{}'", key("vnet")))
                        })?
                        .to_string(),
                ),
            },
            Some("nat") => NetKind::User,
            Some("hostonly") => {
                return Err(bad(format!(
                    "No yet handled value 'hostonly' for VMX entry '{}'",
                    key("connectionType")
                )))
            }
            Some(other) => {
                return Err(bad(format!(
                    "Invalid value '{other}' for VMX entry '{}'",
                    key("connectionType")
                )))
            }
        }
    };
    Ok(Some(Interface {
        kind,
        mac: mac_addr,
        model,
    }))
}

fn parse_char(
    vmx: &VmxFile,
    ctx: &ParseContext<'_>,
    what: &str,
    port: u32,
) -> Result<Option<CharDev>> {
    let key = |k: &str| format!("{what}{port}.{k}");
    if !flag(vmx, &key("present"), false)? {
        return Ok(None);
    }
    let missing = |k: &str| bad(format!("Missing essential config entry '{}'", key(k)));
    // A parallel port needs both; a serial port defaults to a device.
    let file_type = match vmx.get(&key("fileType")) {
        None if what == "parallel" => return Err(missing("fileType")),
        t => t.map(str::to_ascii_lowercase),
    };
    let file_name = match vmx.get(&key("fileName")) {
        None if what == "parallel" => return Err(missing("fileName")),
        n => n.unwrap_or(""),
    };
    let source = match file_type.as_deref() {
        None | Some("device") => CharSource::Dev(file_name.to_string()),
        Some("file") => CharSource::File(
            (ctx.parse_file_name)(file_name, false)?
                .ok_or_else(|| bad(format!("File '{file_name}' of {what} port {port} does not exist")))?,
        ),
        Some("pipe") if what == "serial" => CharSource::Pipe(file_name.to_string()),
        Some("network") if what == "serial" => {
            let (scheme, rest) = file_name.split_once("://").unwrap_or(("", file_name));
            let (host, service) = rest.rsplit_once(':').unwrap_or((rest, ""));
            let service = service.trim_end_matches('/');
            if service.is_empty() || service.parse::<u16>().map_or(true, |p| p == 0) {
                return Err(bad(format!("VMX entry '{}' doesn't contain a port part", key("fileName"))));
            }
            let protocol = match scheme.to_ascii_lowercase().as_str() {
                "" | "tcp" | "tcp4" | "tcp6" => "raw",
                "telnet" => "telnet",
                "telnets" => "telnets",
                "ssl" | "tcp+ssl" | "tcp4+ssl" | "tcp6+ssl" => "tls",
                other => {
                    return Err(bad(format!(
                        "VMX entry '{}' contains unsupported scheme '{other}'",
                        key("fileName")
                    )))
                }
            };
            let listen = match vmx.get(&key("network.endPoint")).map(str::to_ascii_lowercase).as_deref() {
                None | Some("server") => true,
                Some("client") => false,
                Some(other) => {
                    return Err(bad(format!(
                        "Expecting VMX entry '{}' to be 'server' or 'client' but found '{other}'",
                        key("network.endPoint")
                    )))
                }
            };
            CharSource::Tcp {
                host: host.to_string(),
                service: service.to_string(),
                listen,
                protocol,
            }
        }
        Some(other) => {
            return Err(bad(format!(
                "Expecting VMX entry '{}' to be 'device', 'file' or 'pipe' or 'network' but found '{other}'",
                key("fileType")
            )))
        }
    };
    Ok(Some(CharDev { source, port }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disk_names() {
        assert_eq!(disk_name("sd", 0), "sda");
        assert_eq!(disk_name("sd", 25), "sdz");
        assert_eq!(disk_name("sd", 26), "sdaa");
        assert_eq!(disk_name("sd", 45), "sdat");
        assert_eq!(disk_name("sd", 701), "sdzz");
        assert_eq!(disk_name("sd", 702), "sdaaa");
    }

    #[test]
    fn uuids() {
        let u = parse_uuid("50 11 5e 16 9b dc 49 d7-f1 71 53 c4 d7 f9 17 10").unwrap();
        assert_eq!(format_uuid(&u), "50115e16-9bdc-49d7-f171-53c4d7f91710");
        assert!(parse_uuid("50 11").is_none());
        assert!(parse_uuid("zz115e16-9bdc-49d7-f171-53c4d7f91710").is_none());
    }
}
