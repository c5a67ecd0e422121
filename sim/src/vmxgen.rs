// SPDX-License-Identifier: LGPL-2.1-or-later
//! The .vmx file of a simulated VM, written the way ESX 7 writes one.

use esx_vi::vim25::{ResourceAllocationInfo, SharesLevel, VirtualMachinePowerState as Power};

use crate::objects::vm::Vm;

/// `sched.*.shares`: the level, or the number for custom shares.
fn shares(a: &ResourceAllocationInfo) -> String {
    match &a.shares {
        Some(s) if s.level == SharesLevel::Custom => s.shares.to_string(),
        Some(s) => s.level.as_str().to_string(),
        None => "normal".into(),
    }
}

/// ESX's guestOS key for an API guestId.
pub fn guest_os_key(guest_id: &str) -> String {
    match guest_id {
        "otherLinux64Guest" => "other4xlinux-64".into(),
        "otherGuest" => "other".into(),
        "otherGuest64" => "other-64".into(),
        "debian11_64Guest" => "debian11-64".into(),
        "ubuntu64Guest" => "ubuntu-64".into(),
        "windows2019srv_64Guest" => "windows2019srv-64".into(),
        other => {
            let base = other.strip_suffix("Guest").unwrap_or(other);
            base.replace("_64", "-64").to_ascii_lowercase()
        }
    }
}

fn uuid_bytes(uuid: &str) -> String {
    let hex: String = uuid.chars().filter(|c| c.is_ascii_hexdigit()).collect();
    let pairs: Vec<&str> = (0..hex.len() / 2).map(|i| &hex[i * 2..i * 2 + 2]).collect();
    if pairs.len() != 16 {
        return String::new();
    }
    format!("{}-{}", pairs[..8].join(" "), pairs[8..].join(" "))
}

pub fn vmx_for(vm: &Vm) -> String {
    let cfg = vm.config();
    let (cpu, mem) = (vm.cpu_alloc(), vm.mem_alloc());
    let uuid = cfg.uuid.clone();
    let instance_uuid = cfg.instance_uuid.clone().unwrap_or_default();
    let annotation = cfg.annotation.clone().unwrap_or_default();
    let hw = cfg.version.trim_start_matches("vmx-").to_string();
    let mut lines: Vec<(String, String)> = vec![
        (".encoding".into(), "UTF-8".into()),
        ("config.version".into(), "8".into()),
        ("virtualHW.version".into(), hw),
        ("vmci0.present".into(), "TRUE".into()),
        ("floppy0.present".into(), "FALSE".into()),
        ("numvcpus".into(), vm.num_cpu().to_string()),
        (
            "cpuid.coresPerSocket".into(),
            vm.cores_per_socket().to_string(),
        ),
        ("memSize".into(), vm.memory_mb().to_string()),
    ];
    if cfg.firmware.as_deref() == Some("efi") {
        lines.push(("firmware".into(), "efi".into()));
    }
    lines.extend([
        ("bios.bootRetry.delay".into(), "10".into()),
        ("powerType.suspend".into(), "soft".into()),
        ("tools.upgrade.policy".into(), "manual".into()),
        ("sched.cpu.units".into(), "mhz".into()),
        ("sched.cpu.affinity".into(), "all".into()),
        (
            "sched.cpu.min".into(),
            cpu.reservation.unwrap_or(0).to_string(),
        ),
        ("sched.cpu.shares".into(), shares(&cpu)),
        (
            "sched.mem.min".into(),
            mem.reservation.unwrap_or(0).to_string(),
        ),
        (
            "sched.mem.minSize".into(),
            mem.reservation.unwrap_or(0).to_string(),
        ),
        ("sched.mem.shares".into(), shares(&mem)),
    ]);
    if let Some(l) = mem.limit.filter(|l| *l >= 0) {
        lines.push(("sched.mem.max".into(), l.to_string()));
    }
    if let Some(l) = cpu.limit.filter(|l| *l >= 0) {
        lines.push(("sched.cpu.max".into(), l.to_string()));
    }
    lines.extend([
        ("scsi0.virtualDev".into(), "pvscsi".into()),
        ("scsi0.present".into(), "TRUE".into()),
        ("scsi0:0.deviceType".into(), "scsi-hardDisk".into()),
        ("scsi0:0.fileName".into(), format!("{}.vmdk", vm.directory)),
        ("sched.scsi0:0.shares".into(), "normal".into()),
        ("scsi0:0.present".into(), "TRUE".into()),
    ]);
    for (i, nic) in vm.nics().iter().enumerate() {
        lines.extend([
            (format!("ethernet{i}.virtualDev"), nic.model.clone()),
            (format!("ethernet{i}.networkName"), nic.network.clone()),
            (format!("ethernet{i}.addressType"), "generated".into()),
            (format!("ethernet{i}.wakeOnPcktRcv"), "FALSE".into()),
            (format!("ethernet{i}.present"), "TRUE".into()),
            (format!("ethernet{i}.generatedAddress"), nic.mac.clone()),
        ]);
    }
    if let Some(serial) = &vm.serial_file {
        lines.extend([
            ("serial0.fileType".into(), "file".into()),
            ("serial0.fileName".into(), serial.clone()),
            ("serial0.yieldOnMsrRead".into(), "TRUE".into()),
            ("serial0.present".into(), "TRUE".into()),
        ]);
    }
    lines.extend([
        ("displayName".into(), vm.name.clone()),
        ("guestOS".into(), guest_os_key(&cfg.guest_id)),
        ("toolScripts.afterPowerOn".into(), "TRUE".into()),
        ("toolScripts.afterResume".into(), "TRUE".into()),
        ("toolScripts.beforeSuspend".into(), "TRUE".into()),
        ("toolScripts.beforePowerOff".into(), "TRUE".into()),
        ("uuid.bios".into(), uuid_bytes(&uuid)),
        (
            "uuid.location".into(),
            if vm.uuid_altered {
                "56 4d 00 00 00 00 00 00-00 00 00 00 00 00 00 01".into()
            } else {
                uuid_bytes(&uuid)
            },
        ),
        ("vc.uuid".into(), uuid_bytes(&instance_uuid)),
        ("nvram".into(), format!("{}.nvram", vm.directory)),
        ("svga.present".into(), "TRUE".into()),
        ("svga.vramSize".into(), "4194304".into()),
        ("pciBridge0.present".into(), "TRUE".into()),
        ("pciBridge4.present".into(), "TRUE".into()),
        ("pciBridge4.virtualDev".into(), "pcieRootPort".into()),
        ("pciBridge4.functions".into(), "8".into()),
        ("vmci0.id".into(), "-1".into()),
        (
            "migrate.hostLog".into(),
            format!("{}-{}.hlog", vm.directory, uuid.get(..8).unwrap_or("")),
        ),
        (
            "cleanShutdown".into(),
            if vm.power() == Power::PoweredOff {
                "TRUE"
            } else {
                "FALSE"
            }
            .into(),
        ),
    ]);
    if !annotation.is_empty() {
        lines.push(("annotation".into(), annotation));
    }
    let mut out = String::new();
    for (k, v) in lines {
        out.push_str(&format!("{k} = \"{}\"\n", esx_vmx::file::escape(&v)));
    }
    out
}
