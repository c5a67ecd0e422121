// SPDX-License-Identifier: LGPL-2.1-or-later
//! Domain XML -> domain definition: the elements a VMware VM can express,
//! read with libvirt's defaults (units, implicit controllers, the video
//! device graphics imply, disks kept in bus order).

use roxmltree::Node;

use super::domain::*;
use super::parse::parse_uuid;
use crate::error::{Error, Result};

fn xml_err(msg: impl Into<String>) -> Error {
    Error::xml(msg)
}

fn unsupported(msg: impl Into<String>) -> Error {
    Error::config_unsupported(msg)
}

fn child<'a, 'i>(n: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    n.children()
        .find(|c| c.is_element() && c.tag_name().name() == name)
}

fn children<'a, 'i>(n: Node<'a, 'i>, name: &'a str) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
    n.children()
        .filter(move |c| c.is_element() && c.tag_name().name() == name)
}

fn text(n: Node<'_, '_>) -> String {
    n.text().unwrap_or("").trim().to_string()
}

/// A memory size in KiB from a value and libvirt's unit names.
fn memory_kib(n: Node<'_, '_>) -> Result<u64> {
    let v: u64 = text(n).parse().map_err(|_| {
        xml_err(format!(
            "Invalid value '{}' of <{}>",
            text(n),
            n.tag_name().name()
        ))
    })?;
    let unit = n.attribute("unit").unwrap_or("KiB");
    let bytes = u128::from(
        esx_common::units::bytes_per(unit)
            .ok_or_else(|| xml_err(format!("Unknown memory unit '{unit}'")))?,
    );
    let kib = (v as u128 * bytes).div_ceil(1024);
    u64::try_from(kib).map_err(|_| xml_err("Memory size too large"))
}

/// Disk names: "sdb" -> 1, "hdaa" -> 26.
pub fn disk_index(dst: &str, prefix: &str) -> Option<u32> {
    let letters = dst.strip_prefix(prefix)?;
    if letters.is_empty() || !letters.chars().all(|c| c.is_ascii_lowercase()) || letters.len() > 4 {
        return None;
    }
    let mut n: u32 = 0;
    for c in letters.bytes() {
        n = n * 26 + (c - b'a') as u32 + 1;
    }
    Some(n - 1)
}

/// "0,3-5" -> [0, 3, 4, 5]; "^" exclusions as libvirt allows.
fn parse_cpuset(s: &str) -> Result<Vec<u32>> {
    let mut set = std::collections::BTreeSet::new();
    let bad = || xml_err(format!("Invalid cpuset '{s}'"));
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (neg, part) = match part.strip_prefix('^') {
            Some(p) => (true, p),
            None => (false, part),
        };
        let (a, b) = match part.split_once('-') {
            Some((a, b)) => (
                a.trim().parse::<u32>().map_err(|_| bad())?,
                b.trim().parse::<u32>().map_err(|_| bad())?,
            ),
            None => {
                let n = part.parse::<u32>().map_err(|_| bad())?;
                (n, n)
            }
        };
        if a > b || b >= 4096 {
            return Err(bad());
        }
        for c in a..=b {
            if neg {
                set.remove(&c);
            } else {
                set.insert(c);
            }
        }
    }
    Ok(set.into_iter().collect())
}

fn bus_of(s: &str) -> Result<Bus> {
    Ok(match s {
        "scsi" => Bus::Scsi,
        "ide" => Bus::Ide,
        "sata" => Bus::Sata,
        "fdc" => Bus::Fdc,
        "nvme" => Bus::Nvme,
        other => return Err(unsupported(format!("Unsupported disk bus '{other}'"))),
    })
}

fn parse_disk(n: Node<'_, '_>) -> Result<Disk> {
    let device = match n.attribute("device").unwrap_or("disk") {
        "disk" => DiskDevice::Disk,
        "cdrom" => DiskDevice::Cdrom,
        "floppy" => DiskDevice::Floppy,
        "lun" => DiskDevice::Lun,
        other => {
            return Err(unsupported(format!(
                "Unsupported disk device type '{other}'"
            )))
        }
    };
    let block = match n.attribute("type").unwrap_or("file") {
        "file" => false,
        "block" => true,
        other => {
            return Err(unsupported(format!(
                "Disk has unsupported type '{other}', expecting 'file' or 'block'"
            )))
        }
    };
    let target = child(n, "target").ok_or_else(|| xml_err("A <disk> has no <target>"))?;
    let dst = target
        .attribute("dev")
        .ok_or_else(|| xml_err("A disk <target> has no dev"))?
        .to_string();
    let bus = match target.attribute("bus") {
        Some(b) => bus_of(b)?,
        None if dst.starts_with("hd") => Bus::Ide,
        None if dst.starts_with("fd") => Bus::Fdc,
        None => Bus::Scsi,
    };
    let source = child(n, "source");
    let src = source
        .and_then(|s| s.attribute(if block { "dev" } else { "file" }))
        .map(str::to_string);
    let optional = source.and_then(|s| s.attribute("startupPolicy")) == Some("optional");
    let writethrough = match child(n, "driver").and_then(|d| d.attribute("cache")) {
        None | Some("default") => false,
        Some("writethrough") => true,
        Some(other) => {
            return Err(unsupported(format!(
                "Disk '{dst}' has unsupported cache mode '{other}'"
            )))
        }
    };
    Ok(Disk {
        device,
        block,
        bus,
        source: src,
        optional,
        dst,
        writethrough,
        transient: child(n, "transient").is_some(),
        address: match child(n, "address").filter(|a| a.attribute("type") == Some("drive")) {
            Some(a) => {
                let num = |k: &str| -> Result<u32> {
                    a.attribute(k)
                        .unwrap_or("0")
                        .parse()
                        .map_err(|_| xml_err(format!("Invalid drive address attribute '{k}'")))
                };
                // u32::MAX marks "derive it from the target name".
                (
                    num("controller")?,
                    num("bus")?,
                    num("target")?,
                    num("unit")?,
                )
            }
            None => (u32::MAX, 0, 0, 0),
        },
        driver_name: child(n, "driver")
            .and_then(|d| d.attribute("name"))
            .map(str::to_string),
    })
}

fn parse_interface(n: Node<'_, '_>) -> Result<Interface> {
    let ty = n.attribute("type").unwrap_or("");
    let source = child(n, "source");
    let src = |a: &str| source.and_then(|s| s.attribute(a)).map(str::to_string);
    let kind = match ty {
        "bridge" => NetKind::Bridge {
            network: src("bridge").unwrap_or_default(),
            ifname: child(n, "target")
                .and_then(|t| t.attribute("dev"))
                .map(str::to_string),
        },
        "user" => NetKind::User,
        "null" => NetKind::Null,
        "vds" => NetKind::Vds {
            switch_id: src("switchid")
                .ok_or_else(|| xml_err("A vds interface needs a switchid"))?,
            port_id: src("portid"),
            portgroup_id: src("portgroupid")
                .ok_or_else(|| xml_err("A vds interface needs a portgroupid"))?,
            connection_id: src("connectionid"),
        },
        other => return Err(unsupported(format!("Unsupported net type '{other}'"))),
    };
    let mac = match child(n, "mac") {
        Some(m) => {
            let address = m
                .attribute("address")
                .ok_or_else(|| xml_err("A <mac> has no address"))?
                .to_ascii_lowercase();
            let kind = match m.attribute("type") {
                None => None,
                Some("generated") => Some("generated"),
                Some("static") => Some("static"),
                Some(other) => return Err(xml_err(format!("Unknown MAC address type '{other}'"))),
            };
            let check = match m.attribute("check") {
                None => None,
                Some("yes") => Some(true),
                Some("no") => Some(false),
                Some(other) => return Err(xml_err(format!("Unknown MAC address check '{other}'"))),
            };
            Some(Mac {
                address,
                kind,
                check,
            })
        }
        None => None,
    };
    Ok(Interface {
        kind,
        mac,
        model: child(n, "model")
            .and_then(|m| m.attribute("type"))
            .map(str::to_string),
    })
}

fn parse_char(n: Node<'_, '_>, default_port: u32) -> Result<CharDev> {
    let ty = n.attribute("type").unwrap_or("pty");
    let source = child(n, "source");
    let path = || {
        source
            .and_then(|s| s.attribute("path"))
            .map(str::to_string)
            .ok_or_else(|| {
                xml_err(format!(
                    "A <{}> of type '{ty}' has no source path",
                    n.tag_name().name()
                ))
            })
    };
    let source = match ty {
        "dev" => CharSource::Dev(path()?),
        "file" => CharSource::File(path()?),
        "pipe" => CharSource::Pipe(path()?),
        "tcp" => {
            let s = source.ok_or_else(|| xml_err("A tcp character device has no <source>"))?;
            CharSource::Tcp {
                host: s.attribute("host").unwrap_or("").to_string(),
                service: s.attribute("service").unwrap_or("").to_string(),
                listen: s.attribute("mode") == Some("bind"),
                protocol: match child(n, "protocol")
                    .and_then(|p| p.attribute("type"))
                    .unwrap_or("raw")
                {
                    "raw" => "raw",
                    "telnet" => "telnet",
                    "telnets" => "telnets",
                    "tls" => "tls",
                    other => {
                        return Err(unsupported(format!(
                            "Unsupported character device TCP protocol '{other}'"
                        )))
                    }
                },
            }
        }
        other => {
            return Err(unsupported(format!(
                "Unsupported character device type '{other}'"
            )))
        }
    };
    let port = match child(n, "target").and_then(|t| t.attribute("port")) {
        Some(p) => p
            .parse()
            .map_err(|_| xml_err(format!("Invalid port '{p}'")))?,
        None => default_port,
    };
    Ok(CharDev { source, port })
}

/// Inserts a disk as libvirt does: after the last disk of its bus whose
/// index is lower, so each bus's disks stay in index order.
fn insert_disk(disks: &mut Vec<Disk>, d: Disk) {
    let key = |x: &Disk| {
        let prefix = match x.bus {
            Bus::Ide => "hd",
            Bus::Fdc => "fd",
            Bus::Nvme => "nvme",
            _ => "sd",
        };
        disk_index(&x.dst, prefix).unwrap_or(u32::MAX)
    };
    let mut at = disks.len();
    for (i, e) in disks.iter().enumerate().rev() {
        if e.bus == d.bus {
            if key(e) > key(&d) {
                at = i;
            } else {
                break;
            }
        }
    }
    disks.insert(at, d);
}

/// Parses a domain XML document.
pub fn parse_domain_xml(xml: &str) -> Result<DomainDef> {
    let doc = crate::xmldoc::parse(xml)
        .map_err(|e| xml_err(format!("Could not parse the domain XML: {e}")))?;
    let root = doc.root_element();
    if root.tag_name().name() != "domain" {
        return Err(xml_err(format!(
            "The root element is <{}>, expected <domain>",
            root.tag_name().name()
        )));
    }
    match root.attribute("type") {
        Some("vmware") => {}
        other => {
            return Err(unsupported(format!(
                "Expecting virt type to be 'vmware' but found '{}'",
                other.unwrap_or("")
            )))
        }
    }
    let mut def = DomainDef {
        name: child(root, "name")
            .map(text)
            .ok_or_else(|| xml_err("The domain has no <name>"))?,
        ..Default::default()
    };
    if def.name.is_empty() {
        return Err(xml_err("The domain's <name> is empty"));
    }
    if let Some(u) = child(root, "uuid") {
        def.uuid =
            parse_uuid(&text(u)).ok_or_else(|| xml_err(format!("Malformed uuid '{}'", text(u))))?;
    }
    // <genid>: the VM generation ID; empty (`<genid/>`, "make one") leaves
    // it to the host, which makes one for a VM that has none.
    if let Some(g) = child(root, "genid") {
        let t = text(g);
        if !t.trim().is_empty() {
            def.genid =
                Some(parse_uuid(&t).ok_or_else(|| xml_err(format!("Malformed genid '{t}'")))?);
        }
    }
    def.description = child(root, "description").map(|d| d.text().unwrap_or("").to_string());
    def.memory_kib = match child(root, "memory") {
        Some(m) => memory_kib(m)?,
        None => return Err(xml_err("The domain has no <memory>")),
    };
    def.current_memory_kib = match child(root, "currentMemory") {
        Some(m) => memory_kib(m)?.min(def.memory_kib),
        None => def.memory_kib,
    };
    if let Some(mg) = child(root, "memtune").and_then(|m| child(m, "min_guarantee")) {
        def.min_guarantee_kib = Some(memory_kib(mg)?);
    }
    let vcpu = child(root, "vcpu");
    def.vcpus = match vcpu {
        Some(v) => text(v)
            .parse()
            .map_err(|_| xml_err(format!("Invalid vcpu count '{}'", text(v))))?,
        None => 1,
    };
    if let Some(cur) = vcpu.and_then(|v| v.attribute("current")) {
        if cur.parse::<u32>().ok() != Some(def.vcpus) {
            return Err(unsupported(
                "No support for domain XML entry 'vcpu' attribute 'current'",
            ));
        }
    }
    if let Some(set) = vcpu.and_then(|v| v.attribute("cpuset")) {
        def.cpuset = Some(parse_cpuset(set)?);
    }
    if let Some(s) = child(root, "cputune").and_then(|c| child(c, "shares")) {
        def.shares = Some(
            text(s)
                .parse()
                .map_err(|_| xml_err(format!("Invalid shares '{}'", text(s))))?,
        );
    }
    if let Some(os) = child(root, "os") {
        def.efi = os.attribute("firmware") == Some("efi");
        if let Some(t) = child(os, "type") {
            def.arch = match t.attribute("arch") {
                None | Some("i686") => Arch::I686,
                Some("x86_64") => Arch::X86_64,
                Some(other) => {
                    return Err(xml_err(format!(
                        "Expecting domain XML attribute 'arch' of entry 'os/type' to be 'i686' or 'x86_64' but \
                         found '{other}'"
                    )))
                }
            };
            if text(t) != "hvm" {
                return Err(unsupported(format!(
                    "OS type '{}' is not supported, only 'hvm'",
                    text(t)
                )));
            }
        }
        match child(os, "smbios").and_then(|s| s.attribute("mode")) {
            None | Some("emulate") => {}
            Some("host") => def.smbios_host = true,
            Some(other) => return Err(unsupported(format!("Unsupported SMBIOS mode '{other}'"))),
        }
    }
    if let Some(t) = child(root, "cpu").and_then(|c| child(c, "topology")) {
        let num = |a: &str| -> Result<u32> {
            t.attribute(a)
                .unwrap_or("1")
                .parse()
                .map_err(|_| xml_err(format!("Invalid CPU topology attribute '{a}'")))
        };
        let (sockets, dies, cores, threads) = (
            num("sockets")?,
            num("dies")?,
            num("cores")?,
            num("threads")?,
        );
        if threads != 1 || dies != 1 {
            return Err(unsupported(
                "Only one thread per core and one die per socket are supported",
            ));
        }
        if sockets * cores != def.vcpus {
            return Err(unsupported(format!(
                "The CPU topology ({sockets} sockets x {cores} cores) does not match the {} vCPUs",
                def.vcpus
            )));
        }
        def.topology = Some((sockets, cores));
    }
    def.datacenter_path = child(root, "datacenterpath").map(text);

    let devices = child(root, "devices");
    if let Some(devs) = devices {
        for d in children(devs, "disk") {
            let disk = parse_disk(d)?;
            insert_disk(&mut def.disks, disk);
        }
        for c in children(devs, "controller") {
            let index = c
                .attribute("index")
                .unwrap_or("0")
                .parse()
                .map_err(|_| xml_err("Invalid controller index"))?;
            let kind = match c.attribute("type").unwrap_or("") {
                "scsi" => "scsi",
                "ide" => "ide",
                "fdc" => "fdc",
                "sata" => "sata",
                "nvme" => "nvme",
                _ => continue,
            };
            def.controllers.push(Controller {
                kind,
                index,
                model: c.attribute("model").map(str::to_string),
            });
        }
        for f in children(devs, "filesystem") {
            if f.attribute("type").unwrap_or("mount") != "mount" {
                return Err(unsupported("Only 'mount' filesystem type is supported"));
            }
            let get = |e: &str| {
                child(f, e)
                    .and_then(|n| n.attribute("dir"))
                    .map(str::to_string)
                    .ok_or_else(|| xml_err(format!("A <filesystem> has no {e} dir")))
            };
            def.filesystems.push(Filesystem {
                source: get("source")?,
                target: get("target")?,
                readonly: child(f, "readonly").is_some(),
            });
        }
        for n in children(devs, "interface") {
            def.interfaces.push(parse_interface(n)?);
        }
        for (i, s) in children(devs, "serial").enumerate() {
            def.serials.push(parse_char(s, i as u32)?);
        }
        for (i, p) in children(devs, "parallel").enumerate() {
            def.parallels.push(parse_char(p, i as u32)?);
        }
        for g in children(devs, "graphics") {
            if g.attribute("type") != Some("vnc") {
                return Err(unsupported(format!(
                    "Unsupported graphics type '{}'",
                    g.attribute("type").unwrap_or("")
                )));
            }
            let autoport = g.attribute("autoport") == Some("yes");
            let port = g
                .attribute("port")
                .and_then(|p| p.parse::<i64>().ok())
                .filter(|p| *p >= 0 && !autoport);
            def.vnc = Some(Vnc {
                port: port.map(|p| p as u32),
                listen: child(g, "listen")
                    .and_then(|l| l.attribute("address"))
                    .or(g.attribute("listen"))
                    .map(str::to_string),
                keymap: g.attribute("keymap").map(str::to_string),
                password: g.attribute("passwd").map(str::to_string),
            });
        }
        let videos: Vec<_> = children(devs, "video").collect();
        if videos.len() > 1 {
            return Err(xml_err("No support for multiple video devices"));
        }
        if let Some(v) = videos.first() {
            let model = child(*v, "model");
            if let Some(t) = model.and_then(|m| m.attribute("type")) {
                if t != "vmvga" {
                    return Err(unsupported(format!("Unsupported video device type '{t}'")));
                }
            }
            if model
                .and_then(|m| m.attribute("heads"))
                .is_some_and(|h| h != "1")
            {
                return Err(unsupported("Multi-head video devices are unsupported"));
            }
            def.vram_kib = Some(
                model
                    .and_then(|m| m.attribute("vram"))
                    .map(|v| {
                        v.parse()
                            .map_err(|_| xml_err(format!("Invalid vram '{v}'")))
                    })
                    .transpose()?
                    .unwrap_or(4096),
            );
        }
    }
    // Graphics imply a video device, as libvirt adds one.
    if def.vnc.is_some() && def.vram_kib.is_none() {
        def.vram_kib = Some(4096);
    }
    Ok(def)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_and_sets() {
        assert_eq!(disk_index("sda", "sd"), Some(0));
        assert_eq!(disk_index("sdz", "sd"), Some(25));
        assert_eq!(disk_index("sdaa", "sd"), Some(26));
        assert_eq!(disk_index("sdat", "sd"), Some(45));
        assert_eq!(disk_index("hd", "hd"), None);
        assert_eq!(disk_index("sdA", "sd"), None);
        assert_eq!(parse_cpuset("0,3-5").unwrap(), vec![0, 3, 4, 5]);
        assert_eq!(parse_cpuset("0-7,^2").unwrap(), vec![0, 1, 3, 4, 5, 6, 7]);
        assert!(parse_cpuset("5-1").is_err());
        assert!(parse_cpuset("x").is_err());
    }
}
