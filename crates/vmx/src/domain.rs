// SPDX-License-Identifier: LGPL-2.1-or-later
//! The part of a libvirt domain definition that a VMware VM can express,
//! and its domain XML, written the way libvirt formats it (element order,
//! attribute order, defaults), so that the output compares equal to
//! libvirt's for the same VM.

use std::fmt::Write;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Arch {
    #[default]
    I686,
    X86_64,
}

impl Arch {
    pub fn as_str(self) -> &'static str {
        match self {
            Arch::I686 => "i686",
            Arch::X86_64 => "x86_64",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiskDevice {
    Disk,
    Cdrom,
    Floppy,
    Lun,
}

impl DiskDevice {
    pub fn as_str(self) -> &'static str {
        match self {
            DiskDevice::Disk => "disk",
            DiskDevice::Cdrom => "cdrom",
            DiskDevice::Floppy => "floppy",
            DiskDevice::Lun => "lun",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bus {
    Scsi,
    Ide,
    Sata,
    Fdc,
    Nvme,
}

impl Bus {
    pub fn as_str(self) -> &'static str {
        match self {
            Bus::Scsi => "scsi",
            Bus::Ide => "ide",
            Bus::Sata => "sata",
            Bus::Fdc => "fdc",
            Bus::Nvme => "nvme",
        }
    }

    /// The controller type a disk on this bus hangs off.
    pub fn controller(self) -> &'static str {
        match self {
            Bus::Nvme => "nvme",
            other => other.as_str(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disk {
    pub device: DiskDevice,
    /// "file" or "block".
    pub block: bool,
    pub bus: Bus,
    /// None: an empty drive.
    pub source: Option<String>,
    /// `<source startupPolicy='optional'/>`: a host device to detect.
    pub optional: bool,
    pub dst: String,
    pub writethrough: bool,
    pub transient: bool,
    /// (controller, bus, target, unit)
    pub address: (u32, u32, u32, u32),
    /// `<driver name=...>`: old domain XML named the SCSI controller model
    /// of a disk this way.
    pub driver_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Controller {
    pub kind: &'static str,
    pub index: u32,
    pub model: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filesystem {
    pub source: String,
    pub target: String,
    pub readonly: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetKind {
    Bridge {
        network: String,
        ifname: Option<String>,
    },
    User,
    Null,
    Vds {
        switch_id: String,
        port_id: Option<String>,
        portgroup_id: String,
        connection_id: Option<String>,
    },
}

/// A MAC address with libvirt's optional type ("generated" or "static")
/// and check flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mac {
    pub address: String,
    pub kind: Option<&'static str>,
    pub check: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interface {
    pub kind: NetKind,
    pub mac: Option<Mac>,
    pub model: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CharSource {
    Dev(String),
    File(String),
    Pipe(String),
    Tcp {
        host: String,
        service: String,
        listen: bool,
        protocol: &'static str,
    },
}

impl CharSource {
    fn kind(&self) -> &'static str {
        match self {
            CharSource::Dev(_) => "dev",
            CharSource::File(_) => "file",
            CharSource::Pipe(_) => "pipe",
            CharSource::Tcp { .. } => "tcp",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CharDev {
    pub source: CharSource,
    pub port: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Vnc {
    pub port: Option<u32>,
    pub listen: Option<String>,
    pub keymap: Option<String>,
    pub password: Option<String>,
}

/// A domain definition as the VMX conversion sees it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DomainDef {
    /// The ID of a running domain (`<domain id=...>`).
    pub id: Option<i32>,
    pub name: String,
    pub uuid: [u8; 16],
    /// The VM generation ID (vm.genid and vm.genidX of the .vmx).
    pub genid: Option<[u8; 16]>,
    pub description: Option<String>,
    pub memory_kib: u64,
    pub current_memory_kib: u64,
    pub min_guarantee_kib: Option<u64>,
    pub vcpus: u32,
    /// (sockets, cores per socket) when the VMX sets cpuid.coresPerSocket.
    pub topology: Option<(u32, u32)>,
    pub cpuset: Option<Vec<u32>>,
    pub shares: Option<u64>,
    pub arch: Arch,
    pub efi: bool,
    pub smbios_host: bool,
    pub disks: Vec<Disk>,
    pub controllers: Vec<Controller>,
    pub filesystems: Vec<Filesystem>,
    pub interfaces: Vec<Interface>,
    pub serials: Vec<CharDev>,
    pub parallels: Vec<CharDev>,
    pub vnc: Option<Vnc>,
    /// The video device's VRAM; None: no video device.
    pub vram_kib: Option<u64>,
    pub datacenter_path: Option<String>,
    /// The VM's managed object ID (`<vmware:moref>`), in dumpxml.
    pub moref: Option<String>,
}

pub use crate::uuid::format as format_uuid;

/// Text and attribute values as libvirt's virBufferEscapeString writes them.
fn attr(s: &str) -> std::borrow::Cow<'_, str> {
    esx_common::xmltext::escape(s)
}

/// "1-3,5" for a sorted list of CPUs, as libvirt writes cpusets.
fn cpuset(cpus: &[u32]) -> String {
    let mut out = Vec::new();
    let mut i = 0;
    while i < cpus.len() {
        let start = cpus[i];
        let mut end = start;
        while i + 1 < cpus.len() && cpus[i + 1] == end + 1 {
            i += 1;
            end = cpus[i];
        }
        out.push(if start == end {
            start.to_string()
        } else {
            format!("{start}-{end}")
        });
        i += 1;
    }
    out.join(",")
}

fn char_dev(x: &mut String, element: &str, c: &CharDev, console: bool) {
    let _ = writeln!(x, "    <{element} type='{}'>", c.source.kind());
    match &c.source {
        CharSource::Dev(p) | CharSource::File(p) | CharSource::Pipe(p) => {
            let _ = writeln!(x, "      <source path='{}'/>", attr(p));
        }
        CharSource::Tcp {
            host,
            service,
            listen,
            protocol,
        } => {
            let _ = writeln!(
                x,
                "      <source mode='{}' host='{}' service='{}'/>",
                if *listen { "bind" } else { "connect" },
                attr(host),
                attr(service)
            );
            let _ = writeln!(x, "      <protocol type='{protocol}'/>");
        }
    }
    if console {
        let _ = writeln!(x, "      <target type='serial' port='{}'/>", c.port);
    } else {
        let _ = writeln!(x, "      <target port='{}'/>", c.port);
    }
    let _ = writeln!(x, "    </{element}>");
}

impl DomainDef {
    /// The domain XML with secrets (the VNC password), as libvirt's
    /// virDomainDefFormat writes it with VIR_DOMAIN_XML_SECURE.
    pub fn to_xml(&self) -> String {
        self.to_xml_with(true)
    }

    /// The domain XML; without `secure` the VNC password is left out.
    pub fn to_xml_with(&self, secure: bool) -> String {
        let mut x = String::from("<domain type='vmware'");
        if let Some(id) = self.id {
            let _ = write!(x, " id='{id}'");
        }
        if self.datacenter_path.is_some() || self.moref.is_some() {
            x.push_str(" xmlns:vmware='http://libvirt.org/schemas/domain/vmware/1.0'");
        }
        x.push_str(">\n");
        // libvirt leaves out a name the .vmx does not give.
        if !self.name.is_empty() {
            let _ = writeln!(x, "  <name>{}</name>", attr(&self.name));
        }
        let _ = writeln!(x, "  <uuid>{}</uuid>", format_uuid(&self.uuid));
        if let Some(g) = &self.genid {
            let _ = writeln!(x, "  <genid>{}</genid>", format_uuid(g));
        }
        if let Some(d) = &self.description {
            let _ = writeln!(x, "  <description>{}</description>", attr(d));
        }
        let _ = writeln!(x, "  <memory unit='KiB'>{}</memory>", self.memory_kib);
        let _ = writeln!(
            x,
            "  <currentMemory unit='KiB'>{}</currentMemory>",
            self.current_memory_kib
        );
        if let Some(m) = self.min_guarantee_kib {
            let _ = writeln!(
                x,
                "  <memtune>\n    <min_guarantee unit='KiB'>{m}</min_guarantee>\n  </memtune>"
            );
        }
        match &self.cpuset {
            Some(c) => {
                let _ = writeln!(
                    x,
                    "  <vcpu placement='static' cpuset='{}'>{}</vcpu>",
                    cpuset(c),
                    self.vcpus
                );
            }
            None => {
                let _ = writeln!(x, "  <vcpu placement='static'>{}</vcpu>", self.vcpus);
            }
        }
        if let Some(s) = self.shares {
            let _ = writeln!(x, "  <cputune>\n    <shares>{s}</shares>\n  </cputune>");
        }
        if self.efi {
            x.push_str("  <os firmware='efi'>\n");
        } else {
            x.push_str("  <os>\n");
        }
        let _ = writeln!(x, "    <type arch='{}'>hvm</type>", self.arch.as_str());
        if self.smbios_host {
            x.push_str("    <smbios mode='host'/>\n");
        }
        x.push_str("  </os>\n");
        if let Some((sockets, cores)) = self.topology {
            let _ = writeln!(
                x,
                "  <cpu>\n    <topology sockets='{sockets}' dies='1' cores='{cores}' threads='1'/>\n  </cpu>"
            );
        }
        x.push_str("  <clock offset='utc'/>\n");
        x.push_str("  <on_poweroff>destroy</on_poweroff>\n  <on_reboot>restart</on_reboot>\n  <on_crash>destroy</on_crash>\n");
        x.push_str("  <devices>\n");
        for d in &self.disks {
            let _ = writeln!(
                x,
                "    <disk type='{}' device='{}'>",
                if d.block { "block" } else { "file" },
                d.device.as_str()
            );
            if d.writethrough {
                x.push_str("      <driver cache='writethrough'/>\n");
            }
            match (&d.source, d.optional) {
                (Some(s), _) => {
                    let _ = writeln!(
                        x,
                        "      <source {}='{}'/>",
                        if d.block { "dev" } else { "file" },
                        attr(s)
                    );
                }
                (None, true) => x.push_str("      <source startupPolicy='optional'/>\n"),
                (None, false) => {}
            }
            let _ = writeln!(
                x,
                "      <target dev='{}' bus='{}'/>",
                d.dst,
                d.bus.as_str()
            );
            if matches!(d.device, DiskDevice::Cdrom | DiskDevice::Lun) {
                x.push_str("      <readonly/>\n");
            }
            if d.transient {
                x.push_str("      <transient/>\n");
            }
            let (c, b, t, u) = d.address;
            let _ = writeln!(
                x,
                "      <address type='drive' controller='{c}' bus='{b}' target='{t}' unit='{u}'/>"
            );
            x.push_str("    </disk>\n");
        }
        for c in &self.controllers {
            match &c.model {
                Some(m) => {
                    let _ = writeln!(
                        x,
                        "    <controller type='{}' index='{}' model='{m}'/>",
                        c.kind, c.index
                    );
                }
                None => {
                    let _ = writeln!(x, "    <controller type='{}' index='{}'/>", c.kind, c.index);
                }
            }
        }
        for f in &self.filesystems {
            x.push_str("    <filesystem type='mount' accessmode='passthrough'>\n");
            let _ = writeln!(x, "      <source dir='{}'/>", attr(&f.source));
            let _ = writeln!(x, "      <target dir='{}'/>", attr(&f.target));
            if f.readonly {
                x.push_str("      <readonly/>\n");
            }
            x.push_str("    </filesystem>\n");
        }
        for n in &self.interfaces {
            let kind = match &n.kind {
                NetKind::Bridge { .. } => "bridge",
                NetKind::User => "user",
                NetKind::Null => "null",
                NetKind::Vds { .. } => "vds",
            };
            let _ = writeln!(x, "    <interface type='{kind}'>");
            match &n.mac {
                Some(m) => {
                    let ty = m.kind.map(|k| format!(" type='{k}'")).unwrap_or_default();
                    let check = match m.check {
                        Some(true) => " check='yes'",
                        Some(false) => " check='no'",
                        None => "",
                    };
                    let _ = writeln!(x, "      <mac address='{}'{ty}{check}/>", m.address);
                }
                // A card without an address in the .vmx: libvirt shows zeros.
                None => x.push_str("      <mac address='00:00:00:00:00:00'/>\n"),
            }
            match &n.kind {
                NetKind::Bridge { network, ifname } => {
                    let _ = writeln!(x, "      <source bridge='{}'/>", attr(network));
                    if let Some(i) = ifname {
                        let _ = writeln!(x, "      <target dev='{}'/>", attr(i));
                    }
                }
                NetKind::Vds {
                    switch_id,
                    port_id,
                    portgroup_id,
                    connection_id,
                } => {
                    let mut s = format!("      <source switchid='{}'", attr(switch_id));
                    if let Some(p) = port_id {
                        let _ = write!(s, " portid='{}'", attr(p));
                    }
                    let _ = write!(s, " portgroupid='{}'", attr(portgroup_id));
                    if let Some(c) = connection_id {
                        let _ = write!(s, " connectionid='{}'", attr(c));
                    }
                    s.push_str("/>\n");
                    x.push_str(&s);
                }
                NetKind::User | NetKind::Null => {}
            }
            if let Some(m) = &n.model {
                let _ = writeln!(x, "      <model type='{}'/>", attr(m));
            }
            x.push_str("    </interface>\n");
        }
        for s in &self.serials {
            char_dev(&mut x, "serial", s, false);
        }
        for p in &self.parallels {
            char_dev(&mut x, "parallel", p, false);
        }
        if let Some(first) = self.serials.first() {
            char_dev(&mut x, "console", first, true);
        }
        if let Some(v) = &self.vnc {
            let mut g = String::from("    <graphics type='vnc'");
            match v.port {
                Some(p) => {
                    let _ = write!(g, " port='{p}' autoport='no'");
                }
                None => g.push_str(" port='-1' autoport='yes'"),
            }
            if let Some(l) = &v.listen {
                let _ = write!(g, " listen='{}'", attr(l));
            }
            if let Some(k) = &v.keymap {
                let _ = write!(g, " keymap='{}'", attr(k));
            }
            if let Some(p) = v.password.as_ref().filter(|_| secure) {
                let _ = write!(g, " passwd='{}'", attr(p));
            }
            g.push_str(">\n");
            match &v.listen {
                Some(l) => {
                    let _ = writeln!(g, "      <listen type='address' address='{}'/>", attr(l));
                }
                None => g.push_str("      <listen type='address'/>\n"),
            }
            g.push_str("    </graphics>\n");
            x.push_str(&g);
        }
        x.push_str("    <video>\n");
        let _ = writeln!(
            x,
            "      <model type='vmvga' vram='{}' primary='yes'/>",
            self.vram_kib.unwrap_or(4096)
        );
        x.push_str("    </video>\n");
        x.push_str("  </devices>\n");
        if let Some(p) = &self.datacenter_path {
            let _ = writeln!(
                x,
                "  <vmware:datacenterpath>{}</vmware:datacenterpath>",
                attr(p)
            );
        }
        if let Some(m) = &self.moref {
            let _ = writeln!(x, "  <vmware:moref>{}</vmware:moref>", attr(m));
        }
        x.push_str("</domain>\n");
        x
    }
}
