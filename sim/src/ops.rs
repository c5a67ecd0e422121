// SPDX-License-Identifier: LGPL-2.1-or-later
//! VM configuration, registration, snapshots and autostart methods.

use std::time::SystemTime;

use esx_vi::Value;

use crate::model::*;
use crate::server::Shared;
use crate::soap::{Call, Ret};
use crate::tasks::{start_entity_task, start_vm_task};
use crate::world::{Alloc, Fault, Power, PowerInfo, Vm, World};

/// Handles the methods of this module; None for any other method.
fn bad(path: &str) -> Fault {
    Fault::invalid_argument(path)
}

/// A ResourceAllocationInfo of a spec applied to an allocation.
fn apply_alloc(
    a: &mut Alloc,
    spec: &Value,
    path: &str,
    per_unit: i64,
    units: i64,
) -> Result<(), Fault> {
    if let Some(r) = spec.get("reservation") {
        let r = r
            .as_i64()
            .ok_or_else(|| bad(&format!("{path}.reservation")))?;
        if r < 0 {
            return Err(bad(&format!("{path}.reservation")));
        }
        a.reservation = r;
    }
    if let Some(l) = spec.get("limit") {
        let l = l.as_i64().ok_or_else(|| bad(&format!("{path}.limit")))?;
        if l < -1 {
            return Err(bad(&format!("{path}.limit")));
        }
        a.limit = l;
    }
    if let Some(sh) = spec.get("shares") {
        let level = sh
            .str_field("level")
            .ok_or_else(|| bad(&format!("{path}.shares.level")))?;
        match level {
            "low" | "normal" | "high" => {
                let factor = match level {
                    "low" => 1,
                    "normal" => 2,
                    _ => 4,
                };
                a.shares_level = level.to_string();
                a.shares = per_unit * units * factor / 2;
            }
            "custom" => {
                let n = sh
                    .i64_field("shares")
                    .filter(|n| *n >= 0)
                    .ok_or_else(|| bad(&format!("{path}.shares.shares")))?;
                a.shares_level = "custom".into();
                a.shares = n;
            }
            _ => return Err(bad(&format!("{path}.shares.level"))),
        }
    }
    if a.limit != -1 && a.limit < a.reservation {
        return Err(Fault::new(
            "InvalidArgument",
            format!("A specified parameter was not correct: {path}.limit (below the reservation)"),
        )
        .with("invalidProperty", s(format!("{path}.limit"))));
    }
    Ok(())
}

/// Validates a VirtualMachineConfigSpec against the VM and the host, and
/// returns the VM as it will be. Nothing changes unless all of it is valid.
fn reconfigured(vm: &Vm, spec: &Value, max_vcpus: i64) -> Result<Vm, Fault> {
    let mut v = vm.clone();
    let on = vm.power != Power::Off;
    if let Some(n) = spec.get("name").and_then(Value::text) {
        if n.is_empty() || n.len() > 80 {
            return Err(
                Fault::new("InvalidName", format!("The name '{n}' is not valid."))
                    .with("name", s(n)),
            );
        }
        v.name = n.to_string();
    }
    if let Some(a) = spec.get("annotation").and_then(Value::text) {
        v.annotation = a.to_string();
    }
    if let Some(m) = spec.get("memoryMB") {
        let m = m.as_i64().ok_or_else(|| bad("spec.memoryMB"))?;
        if m < 4 || m % 4 != 0 || m > 6 * 1024 * 1024 {
            return Err(bad("spec.memoryMB"));
        }
        if on && m != vm.memory_mb {
            return Err(Fault::invalid_power_state(
                vm.power.as_str(),
                Some("poweredOff"),
            ));
        }
        v.memory_mb = m;
    }
    if let Some(c) = spec.get("numCoresPerSocket") {
        v.cores_per_socket = c
            .as_i64()
            .filter(|c| *c >= 1)
            .ok_or_else(|| bad("spec.numCoresPerSocket"))?;
    }
    if let Some(n) = spec.get("numCPUs") {
        let n = n.as_i64().ok_or_else(|| bad("spec.numCPUs"))?;
        if n < 1 || n > max_vcpus || n % v.cores_per_socket != 0 {
            return Err(bad("spec.numCPUs"));
        }
        if on && n != vm.num_cpu {
            return Err(Fault::invalid_power_state(
                vm.power.as_str(),
                Some("poweredOff"),
            ));
        }
        v.num_cpu = n;
    }
    if let Some(a) = spec.get("cpuAllocation") {
        apply_alloc(&mut v.cpu_alloc, a, "spec.cpuAllocation", 1000, v.num_cpu)?;
    }
    if let Some(a) = spec.get("memoryAllocation") {
        apply_alloc(
            &mut v.mem_alloc,
            a,
            "spec.memoryAllocation",
            10,
            v.memory_mb,
        )?;
    }
    if v.mem_alloc.reservation > v.memory_mb {
        return Err(bad("spec.memoryAllocation.reservation"));
    }
    Ok(v)
}

pub fn reconfig(sh: &Shared, w: &mut World, call: &Call, user: &str) -> Result<Ret, Fault> {
    if call.this.0 != "VirtualMachine" {
        return Err(bad("_this"));
    }
    let vmid = call.this.1.clone();
    let spec = call.param("spec").cloned().ok_or_else(|| bad("spec"))?;
    let id = vmid.clone();
    start_vm_task(
        sh,
        w,
        &vmid,
        "ReconfigVM_Task",
        false,
        user,
        Box::new(move |_sh, w| {
            let max = w.max_vcpus;
            let vm = w
                .vm(&id)
                .ok_or_else(|| Fault::not_found_obj("VirtualMachine", &id))?;
            let mut new = reconfigured(vm, &spec, max)?;
            new.config_change = SystemTime::now();
            if let Some(vm) = w.vm_mut(&id) {
                *vm = new.clone();
            }
            if let Some(p) = w.ds_file(
                &new.datastore,
                &format!("{}/{}", new.directory, new.vmx_name),
            ) {
                let _ = std::fs::write(p, crate::vmxgen::vmx_for(&new));
            }
            Ok(None)
        }),
    )
}

pub fn reconfigure_autostart(w: &mut World, call: &Call) -> Result<Ret, Fault> {
    let spec = call.param("spec").ok_or_else(|| bad("spec"))?;
    let mut a = w.autostart.clone();
    if let Some(d) = spec.get("defaults") {
        if let Some(e) = d.bool_field("enabled") {
            a.enabled = e;
        }
        if let Some(x) = d.i64_field("startDelay") {
            a.start_delay = x;
        }
        if let Some(x) = d.i64_field("stopDelay") {
            a.stop_delay = x;
        }
        if let Some(x) = d.bool_field("waitForHeartbeat") {
            a.wait_for_heartbeat = x;
        }
        if let Some(x) = d.str_field("stopAction") {
            a.stop_action = x.to_string();
        }
    }
    for p in spec.get_all("powerInfo") {
        let key = p
            .moref_field("key")
            .ok_or_else(|| bad("spec.powerInfo.key"))?;
        if key.kind != "VirtualMachine" || w.vm(&key.value).is_none() {
            return Err(Fault::not_found_obj("VirtualMachine", &key.value));
        }
        let action = p.str_field("startAction").unwrap_or("none").to_string();
        if !["none", "powerOn", "PowerOn", "None", "systemDefault"].contains(&action.as_str()) {
            return Err(bad("spec.powerInfo.startAction"));
        }
        let info = PowerInfo {
            vm: key.value.clone(),
            start_order: p.i64_field("startOrder").unwrap_or(-1),
            start_delay: p.i64_field("startDelay").unwrap_or(-1),
            wait_for_heartbeat: p
                .str_field("waitForHeartbeat")
                .unwrap_or("systemDefault")
                .to_string(),
            start_action: action,
            stop_delay: p.i64_field("stopDelay").unwrap_or(-1),
            stop_action: p
                .str_field("stopAction")
                .unwrap_or("systemDefault")
                .to_string(),
        };
        match a.power_info.iter_mut().find(|x| x.vm == info.vm) {
            Some(x) => *x = info,
            None => a.power_info.push(info),
        }
    }
    w.autostart = a;
    Ok(Ret::None)
}

/// ESX's limit on the depth of a VM's snapshot tree.
const MAX_SNAPSHOT_DEPTH: usize = 31;

fn snapshot_depth<'a>(vm: &'a Vm, mut moid: Option<&'a str>) -> usize {
    let mut depth = 0;
    while let Some(m) = moid {
        depth += 1;
        moid = vm
            .snapshots
            .iter()
            .find(|s| s.moid == m)
            .and_then(|s| s.parent.as_deref());
    }
    depth
}

/// VirtualMachine.CreateSnapshot_Task: a child of the current snapshot,
/// which it becomes. ESX allows duplicate names. The snapshot's state is
/// the VM's, except that a running VM without a memory image is recorded
/// as powered off (reverting to it powers the VM off).
pub fn create_snapshot(sh: &Shared, w: &mut World, call: &Call, user: &str) -> Result<Ret, Fault> {
    if call.this.0 != "VirtualMachine" {
        return Err(bad("_this"));
    }
    let vmid = call.this.1.clone();
    let name = call.req_str("name")?;
    if name.is_empty() || name.len() > 80 {
        return Err(
            Fault::new("InvalidName", format!("The name '{name}' is not valid."))
                .with("name", s(name)),
        );
    }
    let description = call.str("description").unwrap_or_default();
    let memory = call.bool("memory").ok_or_else(|| bad("memory"))?;
    let quiesce = call.bool("quiesce").ok_or_else(|| bad("quiesce"))?;
    let id = vmid.clone();
    start_vm_task(
        sh,
        w,
        &vmid,
        "CreateSnapshot_Task",
        false,
        user,
        Box::new(move |_sh, w| {
            let moid = w.new_id("snapshot-");
            let vm = w
                .vm(&id)
                .ok_or_else(|| Fault::not_found_obj("VirtualMachine", &id))?;
            if snapshot_depth(vm, vm.current_snapshot.as_deref()) >= MAX_SNAPSHOT_DEPTH {
                return Err(Fault::new(
                    "TooManySnapshotLevels",
                    "Exceeded the maximum number of permitted snapshot levels.",
                ));
            }
            if quiesce && vm.power == Power::On && !vm.tools_running {
                return Err(Fault::new(
                    "ToolsUnavailable",
                    "Cannot complete operation because VMware Tools is not running in this virtual machine.",
                ));
            }
            let state = match vm.power {
                Power::On if !memory => Power::Off,
                p => p,
            };
            let snap = crate::world::Snapshot {
                moid: moid.clone(),
                id: vm.snapshots.iter().map(|s| s.id).max().unwrap_or(0) + 1,
                name: name.clone(),
                description: description.clone(),
                create_time: SystemTime::now(),
                state,
                quiesced: quiesce && vm.power == Power::On,
                parent: vm.current_snapshot.clone(),
                memory_mb: vm.memory_mb,
                num_cpu: vm.num_cpu,
            };
            if let Some(vm) = w.vm_mut(&id) {
                vm.snapshots.push(snap);
                vm.current_snapshot = Some(moid.clone());
            }
            Ok(Some(moref("VirtualMachineSnapshot", moid)))
        }),
    )
}

fn snapshot_this(w: &World, call: &Call) -> Result<(String, String), Fault> {
    if call.this.0 != "VirtualMachineSnapshot" {
        return Err(bad("_this"));
    }
    let (vm, snap) = w
        .snapshot(&call.this.1)
        .ok_or_else(|| Fault::not_found_obj("VirtualMachineSnapshot", &call.this.1))?;
    Ok((vm.moid(), snap.moid.clone()))
}

/// The VM and (a copy of) its snapshot, when the task's work runs: either
/// may have gone since the task started.
fn vm_and_snapshot<'a>(
    w: &'a mut World,
    id: &str,
    sid: &str,
) -> Result<(&'a mut Vm, crate::world::Snapshot), Fault> {
    let vm = w
        .vm_mut(id)
        .ok_or_else(|| Fault::not_found_obj("VirtualMachine", id))?;
    let snap = vm
        .snapshots
        .iter()
        .find(|s| s.moid == sid)
        .cloned()
        .ok_or_else(|| Fault::not_found_obj("VirtualMachineSnapshot", sid))?;
    Ok((vm, snap))
}

/// VirtualMachineSnapshot.RevertToSnapshot_Task: the VM takes the
/// snapshot's configuration and power state, and the snapshot becomes
/// current.
pub fn revert_snapshot(sh: &Shared, w: &mut World, call: &Call, user: &str) -> Result<Ret, Fault> {
    let (vmid, sid) = snapshot_this(w, call)?;
    let suppress = call.bool("suppressPowerOn").unwrap_or(false);
    let id = vmid.clone();
    start_vm_task(
        sh,
        w,
        &vmid,
        "RevertToSnapshot_Task",
        false,
        user,
        Box::new(move |_sh, w| {
            let (vm, snap) = vm_and_snapshot(w, &id, &sid)?;
            let power = if suppress && snap.state == Power::On {
                Power::Off
            } else {
                snap.state
            };
            vm.power = power;
            vm.memory_mb = snap.memory_mb;
            vm.num_cpu = snap.num_cpu;
            vm.tools_running = vm.tools_installed && power == Power::On;
            vm.boot_time = (power == Power::On).then(SystemTime::now);
            vm.current_snapshot = Some(sid.clone());
            Ok(None)
        }),
    )
}

/// VirtualMachineSnapshot.RemoveSnapshot_Task: removes the snapshot (and
/// with removeChildren its subtree; else its children move up to its
/// parent). If the current snapshot goes, its parent becomes current.
pub fn remove_snapshot(sh: &Shared, w: &mut World, call: &Call, user: &str) -> Result<Ret, Fault> {
    let (vmid, sid) = snapshot_this(w, call)?;
    let remove_children = call
        .bool("removeChildren")
        .ok_or_else(|| bad("removeChildren"))?;
    let id = vmid.clone();
    start_vm_task(
        sh,
        w,
        &vmid,
        "RemoveSnapshot_Task",
        false,
        user,
        Box::new(move |_sh, w| {
            let (vm, snap) = vm_and_snapshot(w, &id, &sid)?;
            let mut gone = vec![sid.clone()];
            if remove_children {
                let mut i = 0;
                while i < gone.len() {
                    let parent = gone[i].clone();
                    gone.extend(
                        vm.snapshots
                            .iter()
                            .filter(|s| s.parent.as_deref() == Some(&parent))
                            .map(|s| s.moid.clone()),
                    );
                    i += 1;
                }
            } else {
                for s in vm.snapshots.iter_mut() {
                    if s.parent.as_deref() == Some(&sid) {
                        s.parent = snap.parent.clone();
                    }
                }
            }
            if vm
                .current_snapshot
                .as_ref()
                .is_some_and(|c| gone.contains(c))
            {
                vm.current_snapshot = snap.parent.clone();
            }
            vm.snapshots.retain(|s| !gone.contains(&s.moid));
            Ok(None)
        }),
    )
}

/// The API guest ID for a .vmx guestOS key (the inverse of vmxgen's map).
fn guest_id_of(key: &str) -> String {
    match key.to_ascii_lowercase().as_str() {
        "other" => "otherGuest".into(),
        "other-64" => "otherGuest64".into(),
        "other4xlinux-64" => "otherLinux64Guest".into(),
        "ubuntu-64" => "ubuntu64Guest".into(),
        k => format!("{}Guest", k.replace("-64", "_64")),
    }
}

/// Folder.RegisterVM_Task: reads the .vmx at `path` and adds the VM it
/// declares (powered off). Faults as ESX gives them: a bad path, a missing
/// file, a name that is taken, a file that is not a VM configuration.
/// FileManager.DeleteDatastoreFile_Task: a file, or a directory with what
/// it holds, as ESX deletes them.
pub fn delete_datastore_file(
    sh: &Shared,
    w: &mut World,
    call: &Call,
    user: &str,
) -> Result<Ret, Fault> {
    if call.this.0 != "FileManager" {
        return Err(bad("_this"));
    }
    let name = call.req_str("name")?;
    let parsed = esx_vi::datastore::DatastorePath::parse(&name).map_err(|_| {
        Fault::new(
            "InvalidDatastorePath",
            format!("Invalid datastore path '{name}'."),
        )
        .with("datastorePath", s(name.clone()))
    })?;
    if w.ds(&parsed.datastore).is_none() {
        return Err(Fault::new(
            "InvalidDatastore",
            format!("Invalid datastore '{}'.", parsed.datastore),
        )
        .with("name", s(parsed.datastore.clone())));
    }
    start_entity_task(
        sh,
        w,
        None,
        "DeleteDatastoreFile_Task",
        user,
        Box::new(move |_sh, w| {
            let not_found = || {
                Fault::new("FileNotFound", format!("File {name} was not found"))
                    .with("file", s(name.clone()))
            };
            let path = w
                .ds_file(&parsed.datastore, &parsed.directory_and_file)
                .ok_or_else(not_found)?;
            let removed = if path.is_dir() {
                std::fs::remove_dir_all(&path)
            } else if path.exists() {
                std::fs::remove_file(&path)
            } else {
                return Err(not_found());
            };
            removed.map_err(|e| {
                Fault::new(
                    "CannotDeleteFile",
                    format!("Cannot delete file {name}: {e}"),
                )
                .with("file", s(name.clone()))
            })?;
            Ok(None)
        }),
    )
}

/// FileManager.MoveDatastoreFile_Task: a file renamed (over an existing
/// one only with `force`), as ESX moves datastore files.
pub fn move_datastore_file(
    sh: &Shared,
    w: &mut World,
    call: &Call,
    user: &str,
) -> Result<Ret, Fault> {
    if call.this.0 != "FileManager" {
        return Err(bad("_this"));
    }
    let parse = |name: &str| {
        let p = esx_vi::datastore::DatastorePath::parse(name).map_err(|_| {
            Fault::new(
                "InvalidDatastorePath",
                format!("Invalid datastore path '{name}'."),
            )
            .with("datastorePath", s(name))
        })?;
        if w.ds(&p.datastore).is_none() {
            return Err(Fault::new(
                "InvalidDatastore",
                format!("Invalid datastore '{}'.", p.datastore),
            )
            .with("name", s(p.datastore.clone())));
        }
        Ok(p)
    };
    let src_name = call.req_str("sourceName")?;
    let dst_name = call.req_str("destinationName")?;
    let src = parse(&src_name)?;
    let dst = parse(&dst_name)?;
    let force = call.bool("force") == Some(true);
    start_entity_task(
        sh,
        w,
        None,
        "MoveDatastoreFile_Task",
        user,
        Box::new(move |_sh, w| {
            let not_found = |name: &str| {
                Fault::new("FileNotFound", format!("File {name} was not found"))
                    .with("file", s(name))
            };
            let from = w
                .ds_file(&src.datastore, &src.directory_and_file)
                .filter(|p| p.exists())
                .ok_or_else(|| not_found(&src_name))?;
            let to = w
                .ds_file(&dst.datastore, &dst.directory_and_file)
                .ok_or_else(|| not_found(&dst_name))?;
            if to.exists() && (!force || to.is_dir()) {
                return Err(Fault::new(
                    "FileAlreadyExists",
                    format!("Cannot complete the operation because the file or folder {dst_name} already exists"),
                )
                .with("file", s(dst_name.clone())));
            }
            std::fs::rename(&from, &to).map_err(|e| {
                Fault::new(
                    "CannotAccessFile",
                    format!("Cannot move {src_name} to {dst_name}: {e}"),
                )
                .with("file", s(src_name.clone()))
            })?;
            Ok(None)
        }),
    )
}

pub fn register_vm(sh: &Shared, w: &mut World, call: &Call, user: &str) -> Result<Ret, Fault> {
    if call.this.0 != "Folder" {
        return Err(bad("_this"));
    }
    let path = call.req_str("path")?;
    if call.bool("asTemplate") == Some(true) {
        return Err(Fault::new(
            "NotSupported",
            "Registering templates is not supported on this host.",
        ));
    }
    let parsed = esx_vi::datastore::DatastorePath::parse(&path).map_err(|_| {
        Fault::new(
            "InvalidDatastorePath",
            format!("Invalid datastore path '{path}'."),
        )
        .with("datastorePath", s(path.clone()))
    })?;
    let name = call.str("name");
    let folder = call.this.1.clone();
    start_entity_task(
        sh,
        w,
        Some(("Folder", &folder)),
        "RegisterVM_Task",
        user,
        Box::new(move |_sh, w| {
            let file = w
                .ds_file(&parsed.datastore, &parsed.directory_and_file)
                .filter(|f| f.is_file())
                .ok_or_else(|| Fault::new("NotFound", format!("File {path} was not found")))?;
            let bytes = std::fs::read(&file)
                .map_err(|_| Fault::new("NotFound", format!("File {path} was not found")))?;
            let vmx = esx_vmx::VmxFile::parse(&bytes).map_err(|e| {
                Fault::new(
                    "InvalidArgument",
                    format!("The configuration file {path} is invalid: {e}"),
                )
                .with("invalidProperty", s("path"))
            })?;
            let display = vmx.text("displayName").unwrap_or_default();
            let name = name.unwrap_or(display);
            if name.is_empty() {
                return Err(
                    Fault::new("InvalidName", "The name '' is not valid.").with("name", s(""))
                );
            }
            if w.vm_by_name(&name).is_some() {
                return Err(Fault::new(
                    "DuplicateName",
                    format!("The name '{name}' already exists."),
                )
                .with("name", s(name.clone())));
            }
            let num = |k: &str, d: i64| vmx.long(k).ok().flatten().unwrap_or(d);
            let spec = crate::world::VmSpec {
                memory_mb: num("memsize", 32),
                num_cpu: num("numvcpus", 1),
                cores_per_socket: num("cpuid.coresPerSocket", 1).max(1),
                guest_id: guest_id_of(vmx.get("guestOS").unwrap_or("other")),
                firmware: vmx.get("firmware").unwrap_or("bios").to_ascii_lowercase(),
                annotation: vmx.text("annotation").unwrap_or_default(),
                ..crate::world::VmSpec::named(&name)
            };
            let mut vm = w.build_vm(spec);
            if let Some(u) = vmx.get("uuid.bios").and_then(esx_vmx::parse::parse_uuid) {
                vm.uuid = esx_vmx::domain::format_uuid(&u);
            }
            let hw = num("virtualHW.version", 4);
            vm.hw_version = format!("vmx-{hw:02}");
            vm.datastore = parsed.datastore.clone();
            vm.directory = parsed.directory.clone();
            vm.vmx_name = parsed
                .directory_and_file
                .rsplit('/')
                .next()
                .unwrap_or("")
                .to_string();
            vm.nics.clear();
            for i in 0..4 {
                let k = |x: &str| format!("ethernet{i}.{x}");
                if vmx.bool(&k("present")).ok().flatten() != Some(true) {
                    continue;
                }
                vm.nics.push(crate::world::Nic {
                    key: 4000 + i,
                    mac: vmx
                        .get(&k("generatedAddress"))
                        .or(vmx.get(&k("address")))
                        .unwrap_or("00:0c:29:00:00:00")
                        .to_ascii_lowercase(),
                    network: vmx.get(&k("networkName")).unwrap_or("").to_string(),
                    model: vmx.get(&k("virtualDev")).unwrap_or("e1000").to_string(),
                    ips: Vec::new(),
                });
            }
            vm.mem_alloc.limit = num("sched.mem.max", -1);
            vm.mem_alloc.reservation = num("sched.mem.minsize", 0);
            let moid = vm.moid();
            let id = vm.id;
            w.vms.insert(id, vm);
            Ok(Some(moref("VirtualMachine", moid)))
        }),
    )
}

/// VirtualMachine.UnregisterVM: removes the VM from the inventory; its
/// files stay. Only when powered off or suspended.
pub fn unregister_vm(w: &mut World, call: &Call) -> Result<Ret, Fault> {
    if call.this.0 != "VirtualMachine" {
        return Err(bad("_this"));
    }
    let id = call.this.1.clone();
    let vm = w
        .vm(&id)
        .ok_or_else(|| Fault::not_found_obj("VirtualMachine", &id))?;
    if vm.power == Power::On {
        return Err(Fault::invalid_power_state("poweredOn", None));
    }
    let moid = vm.moid();
    let key = vm.id;
    w.autostart.power_info.retain(|p| p.vm != moid);
    w.vms.remove(&key);
    Ok(Ret::Vals(vec![]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(xml: &str) -> Value {
        let doc = roxmltree::Document::parse(xml).unwrap();
        Value::from_node(doc.root_element())
    }

    fn vm() -> Vm {
        let mut w = World::new(
            crate::world::Config {
                user: "root".into(),
                password: "x".into(),
                session_timeout: None,
                task_ms: 1,
                datastore_dir: std::env::temp_dir()
                    .join(format!("esx-sim-ops-test-{}", std::process::id())),
                vm_moref_prefix: false,
            },
            vec![crate::world::VmSpec::named("t")],
        )
        .unwrap();
        let v = w.vms.values().next().unwrap().clone();
        w.vms.clear();
        crate::world::remove_dir(&w.cfg.datastore_dir);
        v
    }

    #[test]
    fn invalid_reconfigurations_are_refused_whole() {
        let v = vm();
        assert!(reconfigured(&v, &spec("<spec><memoryMB>5</memoryMB></spec>"), 64).is_err());
        assert!(reconfigured(&v, &spec("<spec><numCPUs>65</numCPUs></spec>"), 64).is_err());
        let e = reconfigured(
            &v,
            &spec("<spec><cpuAllocation><reservation>500</reservation><limit>100</limit></cpuAllocation></spec>"),
            64,
        )
        .unwrap_err();
        assert_eq!(e.ty, "InvalidArgument");
        let ok = reconfigured(
            &v,
            &spec("<spec><memoryMB>2048</memoryMB><cpuAllocation><shares><shares>1234</shares><level>custom</level></shares></cpuAllocation></spec>"),
            64,
        )
        .unwrap();
        assert_eq!(ok.memory_mb, 2048);
        assert_eq!(
            (ok.cpu_alloc.shares_level.as_str(), ok.cpu_alloc.shares),
            ("custom", 1234)
        );
    }
}
