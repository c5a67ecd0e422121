// SPDX-License-Identifier: LGPL-2.1-or-later
//! The .vmx file of a simulated VM, written the way ESX 7 writes one.

use crate::world::{Power, Vm};

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
    let hw = vm.hw_version.trim_start_matches("vmx-").to_string();
    let mut lines: Vec<(String, String)> = vec![
        (".encoding".into(), "UTF-8".into()),
        ("config.version".into(), "8".into()),
        ("virtualHW.version".into(), hw),
        ("vmci0.present".into(), "TRUE".into()),
        ("floppy0.present".into(), "FALSE".into()),
        ("numvcpus".into(), vm.num_cpu.to_string()),
        (
            "cpuid.coresPerSocket".into(),
            vm.cores_per_socket.to_string(),
        ),
        ("memSize".into(), vm.memory_mb.to_string()),
    ];
    if vm.firmware == "efi" {
        lines.push(("firmware".into(), "efi".into()));
    }
    lines.extend([
        ("bios.bootRetry.delay".into(), "10".into()),
        ("powerType.suspend".into(), "soft".into()),
        ("tools.upgrade.policy".into(), "manual".into()),
        ("sched.cpu.units".into(), "mhz".into()),
        ("sched.cpu.affinity".into(), "all".into()),
        ("sched.cpu.min".into(), vm.cpu_alloc.reservation.to_string()),
        (
            "sched.cpu.shares".into(),
            if vm.cpu_alloc.shares_level == "custom" {
                vm.cpu_alloc.shares.to_string()
            } else {
                vm.cpu_alloc.shares_level.clone()
            },
        ),
        ("sched.mem.min".into(), vm.mem_alloc.reservation.to_string()),
        (
            "sched.mem.minSize".into(),
            vm.mem_alloc.reservation.to_string(),
        ),
        (
            "sched.mem.shares".into(),
            if vm.mem_alloc.shares_level == "custom" {
                vm.mem_alloc.shares.to_string()
            } else {
                vm.mem_alloc.shares_level.clone()
            },
        ),
    ]);
    if vm.mem_alloc.limit >= 0 {
        lines.push(("sched.mem.max".into(), vm.mem_alloc.limit.to_string()));
    }
    if vm.cpu_alloc.limit >= 0 {
        lines.push(("sched.cpu.max".into(), vm.cpu_alloc.limit.to_string()));
    }
    lines.extend([
        ("scsi0.virtualDev".into(), "pvscsi".into()),
        ("scsi0.present".into(), "TRUE".into()),
        ("scsi0:0.deviceType".into(), "scsi-hardDisk".into()),
        ("scsi0:0.fileName".into(), format!("{}.vmdk", vm.directory)),
        ("sched.scsi0:0.shares".into(), "normal".into()),
        ("scsi0:0.present".into(), "TRUE".into()),
    ]);
    for (i, nic) in vm.nics.iter().enumerate() {
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
        ("guestOS".into(), guest_os_key(&vm.guest_id)),
        ("toolScripts.afterPowerOn".into(), "TRUE".into()),
        ("toolScripts.afterResume".into(), "TRUE".into()),
        ("toolScripts.beforeSuspend".into(), "TRUE".into()),
        ("toolScripts.beforePowerOff".into(), "TRUE".into()),
        ("uuid.bios".into(), uuid_bytes(&vm.uuid)),
        (
            "uuid.location".into(),
            if vm.uuid_altered {
                "56 4d 00 00 00 00 00 00-00 00 00 00 00 00 00 01".into()
            } else {
                uuid_bytes(&vm.uuid)
            },
        ),
        ("vc.uuid".into(), uuid_bytes(&vm.instance_uuid)),
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
            format!("{}-{}.hlog", vm.directory, &vm.uuid[..8]),
        ),
        (
            "cleanShutdown".into(),
            if vm.power == Power::Off {
                "TRUE"
            } else {
                "FALSE"
            }
            .into(),
        ),
    ]);
    if !vm.annotation.is_empty() {
        lines.push(("annotation".into(), vm.annotation.clone()));
    }
    let mut out = String::new();
    for (k, v) in lines {
        out.push_str(&format!("{k} = \"{}\"\n", esx_vmx::file::escape(&v)));
    }
    out
}
