// SPDX-License-Identifier: LGPL-2.1-or-later
//! VM configuration, registration, snapshots, autostart, the search index
//! and datastore files: methods read with their generated request types.

use std::time::SystemTime;

use esx_vi::vim25::{
    self as v, AutoStartPowerInfo, AutoStartWaitHeartbeatSetting, ResourceAllocationInfo,
    SharesInfo, SharesLevel, VirtualMachinePowerState as Power,
};
use esx_vi::MoRef;

use crate::fault::Fault;
use crate::methods::Ctx;
use crate::objects::host::{AutoStartManager, HOST_UUID};
use crate::objects::vm::{api_name, Nic, Snapshot, SnapshotObject, Vm};
use crate::paths::DsPath;
use crate::soap::Ret;
use crate::tasks::{start_entity_task, start_vm_task, tools_unavailable};
use crate::world::{vm_ref, World, DATACENTER};

fn bad(path: &str) -> Fault {
    Fault::invalid_argument(path)
}

fn invalid_name(name: &str) -> Fault {
    Fault::typed(
        v::InvalidName {
            name: name.to_string(),
            entity: None,
        },
        format!("The name '{name}' is not valid."),
    )
}

/// A ResourceAllocationInfo of a spec applied to an allocation.
fn apply_alloc(
    a: &mut ResourceAllocationInfo,
    spec: &ResourceAllocationInfo,
    path: &str,
    per_unit: i64,
    units: i64,
) -> Result<(), Fault> {
    if let Some(r) = spec.reservation {
        if r < 0 {
            return Err(bad(&format!("{path}.reservation")));
        }
        a.reservation = Some(r);
    }
    if let Some(l) = spec.limit {
        if l < -1 {
            return Err(bad(&format!("{path}.limit")));
        }
        a.limit = Some(l);
    }
    if let Some(sh) = &spec.shares {
        let shares = match sh.level {
            SharesLevel::Low | SharesLevel::Normal | SharesLevel::High => {
                let factor = match sh.level {
                    SharesLevel::Low => 1,
                    SharesLevel::Normal => 2,
                    _ => 4,
                };
                (per_unit * units * factor / 2) as i32
            }
            SharesLevel::Custom if sh.shares >= 0 => sh.shares,
            SharesLevel::Custom => return Err(bad(&format!("{path}.shares.shares"))),
            SharesLevel::Other(_) => return Err(bad(&format!("{path}.shares.level"))),
        };
        a.shares = Some(SharesInfo {
            shares,
            level: sh.level.clone(),
        });
    }
    let (limit, reservation) = (a.limit.unwrap_or(-1), a.reservation.unwrap_or(0));
    if limit != -1 && limit < reservation {
        return Err(Fault::typed(
            v::InvalidArgument {
                invalid_property: Some(format!("{path}.limit")),
            },
            format!("A specified parameter was not correct: {path}.limit (below the reservation)"),
        ));
    }
    Ok(())
}

/// What a VirtualMachineConfigSpec changes, validated against the VM and
/// the host. Nothing changes unless all of it is valid.
struct Reconfigured {
    name: String,
    annotation: String,
    memory_mb: i32,
    num_cpu: i32,
    cores_per_socket: i32,
    cpu_alloc: ResourceAllocationInfo,
    mem_alloc: ResourceAllocationInfo,
}

fn reconfigured(
    vm: &Vm,
    spec: &v::VirtualMachineConfigSpec,
    max_vcpus: i32,
) -> Result<Reconfigured, Fault> {
    let on = vm.power() != Power::PoweredOff;
    let mut r = Reconfigured {
        name: vm.name.clone(),
        annotation: vm.config().annotation.clone().unwrap_or_default(),
        memory_mb: vm.memory_mb(),
        num_cpu: vm.num_cpu(),
        cores_per_socket: vm.cores_per_socket(),
        cpu_alloc: vm.cpu_alloc(),
        mem_alloc: vm.mem_alloc(),
    };
    if let Some(n) = &spec.name {
        if n.is_empty() || n.len() > 80 {
            return Err(invalid_name(n));
        }
        r.name = n.clone();
    }
    if let Some(a) = &spec.annotation {
        r.annotation = a.clone();
    }
    if let Some(m) = spec.memory_mb {
        if m < 4 || m % 4 != 0 || m > 6 * 1024 * 1024 {
            return Err(bad("spec.memoryMB"));
        }
        if on && m != i64::from(vm.memory_mb()) {
            return Err(Fault::invalid_power_state(
                &vm.power(),
                Some(Power::PoweredOff),
            ));
        }
        r.memory_mb = m as i32;
    }
    if let Some(c) = spec.num_cores_per_socket {
        if c < 1 {
            return Err(bad("spec.numCoresPerSocket"));
        }
        r.cores_per_socket = c;
    }
    if let Some(n) = spec.num_cpus {
        if n < 1 || n > max_vcpus || n % r.cores_per_socket != 0 {
            return Err(bad("spec.numCPUs"));
        }
        if on && n != vm.num_cpu() {
            return Err(Fault::invalid_power_state(
                &vm.power(),
                Some(Power::PoweredOff),
            ));
        }
        r.num_cpu = n;
    }
    if let Some(a) = &spec.cpu_allocation {
        apply_alloc(
            &mut r.cpu_alloc,
            a,
            "spec.cpuAllocation",
            1000,
            i64::from(r.num_cpu),
        )?;
    }
    if let Some(a) = &spec.memory_allocation {
        apply_alloc(
            &mut r.mem_alloc,
            a,
            "spec.memoryAllocation",
            10,
            i64::from(r.memory_mb),
        )?;
    }
    if r.mem_alloc.reservation.unwrap_or(0) > i64::from(r.memory_mb) {
        return Err(bad("spec.memoryAllocation.reservation"));
    }
    Ok(r)
}

fn max_vcpus(w: &World) -> i32 {
    w.objects
        .typed::<crate::objects::host::Host>(&MoRef::new("HostSystem", crate::world::HOST))
        .and_then(|h| h.mo.capability.as_ref())
        .and_then(|c| c.max_supported_vcpus)
        .unwrap_or(64)
}

pub fn reconfig(c: &mut Ctx, req: v::ReconfigVMTaskRequest) -> Result<Ret, Fault> {
    let id = c.call.this.value.clone();
    let vmid = id.clone();
    let spec = req.spec;
    start_vm_task(
        c.sh,
        c.w,
        &vmid,
        "ReconfigVM_Task",
        false,
        &c.user,
        Box::new(move |_sh, w| {
            let max = max_vcpus(w);
            let vm = w
                .vm(&id)
                .ok_or_else(|| Fault::not_found_obj(&vm_ref(&id)))?;
            let r = reconfigured(vm, &spec, max)?;
            let vm = w
                .vm_mut(&id)
                .ok_or_else(|| Fault::not_found_obj(&vm_ref(&id)))?;
            vm.name = r.name.clone();
            vm.mo.name = api_name(&r.name);
            vm.set_hardware(r.memory_mb, r.num_cpu);
            let cfg = vm.config_mut();
            cfg.name = api_name(&r.name);
            cfg.annotation = Some(r.annotation);
            cfg.hardware.num_cores_per_socket = Some(r.cores_per_socket);
            cfg.cpu_allocation = Some(r.cpu_alloc);
            cfg.memory_allocation = Some(r.mem_alloc);
            cfg.change_version = crate::clock::format_datetime(SystemTime::now());
            let vm = w
                .vm(&id)
                .ok_or_else(|| Fault::not_found_obj(&vm_ref(&id)))?;
            if let Some(p) = w.ds_file(&vm.datastore, &format!("{}/{}", vm.directory, vm.vmx_name))
            {
                let _ = std::fs::write(p, crate::vmxgen::vmx_for(vm));
            }
            Ok(None)
        }),
    )
}

pub fn reconfigure_autostart(
    c: &mut Ctx,
    req: v::ReconfigureAutostartRequest,
) -> Result<Ret, Fault> {
    let me = c.call.this.clone();
    let spec = req.spec;
    let mut infos = Vec::new();
    for p in &spec.power_info {
        if p.key.kind != "VirtualMachine" || c.w.vm(&p.key.value).is_none() {
            return Err(Fault::not_found_obj(&vm_ref(&p.key.value)));
        }
        if !["none", "powerOn", "PowerOn", "None", "systemDefault"]
            .contains(&p.start_action.as_str())
        {
            return Err(bad("spec.powerInfo.startAction"));
        }
        infos.push(AutoStartPowerInfo {
            wait_for_heartbeat: match p.wait_for_heartbeat {
                AutoStartWaitHeartbeatSetting::Other(_) => {
                    AutoStartWaitHeartbeatSetting::SystemDefault
                }
                ref known => known.clone(),
            },
            ..p.clone()
        });
    }
    let mgr =
        c.w.objects
            .typed_mut::<AutoStartManager>(&me)
            .ok_or_else(|| Fault::not_found_obj(&me))?;
    let config = &mut mgr.mo.config;
    if let (Some(d), Some(cur)) = (&spec.defaults, config.defaults.as_mut()) {
        cur.enabled = d.enabled.or(cur.enabled);
        cur.start_delay = d.start_delay.or(cur.start_delay);
        cur.stop_delay = d.stop_delay.or(cur.stop_delay);
        cur.wait_for_heartbeat = d.wait_for_heartbeat.or(cur.wait_for_heartbeat);
        if d.stop_action.is_some() {
            cur.stop_action = d.stop_action.clone();
        }
    }
    for info in infos {
        match config.power_info.iter_mut().find(|x| x.key == info.key) {
            Some(x) => *x = info,
            None => config.power_info.push(info),
        }
    }
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
pub fn create_snapshot(c: &mut Ctx, req: v::CreateSnapshotTaskRequest) -> Result<Ret, Fault> {
    let vmid = c.call.this.value.clone();
    if req.name.is_empty() || req.name.len() > 80 {
        return Err(invalid_name(&req.name));
    }
    let id = vmid.clone();
    start_vm_task(
        c.sh,
        c.w,
        &vmid,
        "CreateSnapshot_Task",
        false,
        &c.user,
        Box::new(move |_sh, w| {
            let moid = w.new_id("snapshot-");
            let vm = w
                .vm(&id)
                .ok_or_else(|| Fault::not_found_obj(&vm_ref(&id)))?;
            if snapshot_depth(vm, vm.current_snapshot.as_deref()) >= MAX_SNAPSHOT_DEPTH {
                return Err(Fault::typed(
                    v::TooManySnapshotLevels {},
                    "Exceeded the maximum number of permitted snapshot levels.",
                ));
            }
            let on = vm.power() == Power::PoweredOn;
            if req.quiesce && on && !vm.tools_running {
                return Err(tools_unavailable());
            }
            let state = if on && !req.memory {
                Power::PoweredOff
            } else {
                vm.power()
            };
            let snap = Snapshot {
                moid: moid.clone(),
                id: vm.snapshots.iter().map(|s| s.id).max().unwrap_or(0) + 1,
                name: req.name.clone(),
                description: req.description.clone().unwrap_or_default(),
                create_time: SystemTime::now(),
                state,
                quiesced: req.quiesce && on,
                parent: vm.current_snapshot.clone(),
                memory_mb: vm.memory_mb(),
                num_cpu: vm.num_cpu(),
            };
            let vm_moref = vm.moref.clone();
            if let Some(vm) = w.vm_mut(&id) {
                vm.snapshots.push(snap);
                vm.current_snapshot = Some(moid.clone());
            }
            let moref = MoRef::new("VirtualMachineSnapshot", moid);
            w.objects.register(SnapshotObject {
                moref: moref.clone(),
                vm: vm_moref,
            });
            Ok(Some(esx_vi::Value::MoRef(moref)))
        }),
    )
}

fn snapshot_this(c: &Ctx) -> Result<(String, String), Fault> {
    let (vm, snap) =
        c.w.snapshot(&c.call.this.value)
            .ok_or_else(|| Fault::not_found_obj(&c.call.this))?;
    Ok((vm.moid().to_string(), snap.moid.clone()))
}

/// The VM and (a copy of) its snapshot, when the task's work runs: either
/// may have gone since the task started.
fn vm_and_snapshot<'a>(
    w: &'a mut World,
    id: &str,
    sid: &str,
) -> Result<(&'a mut Vm, Snapshot), Fault> {
    let vm = w
        .vm_mut(id)
        .ok_or_else(|| Fault::not_found_obj(&vm_ref(id)))?;
    let snap = vm
        .snapshots
        .iter()
        .find(|s| s.moid == sid)
        .cloned()
        .ok_or_else(|| Fault::not_found_obj(&MoRef::new("VirtualMachineSnapshot", sid)))?;
    Ok((vm, snap))
}

/// VirtualMachineSnapshot.RevertToSnapshot_Task: the VM takes the
/// snapshot's configuration and power state, and the snapshot becomes
/// current.
pub fn revert_snapshot(c: &mut Ctx, req: v::RevertToSnapshotTaskRequest) -> Result<Ret, Fault> {
    let (vmid, sid) = snapshot_this(c)?;
    let suppress = req.suppress_power_on.unwrap_or(false);
    let id = vmid.clone();
    start_vm_task(
        c.sh,
        c.w,
        &vmid,
        "RevertToSnapshot_Task",
        false,
        &c.user,
        Box::new(move |_sh, w| {
            let (vm, snap) = vm_and_snapshot(w, &id, &sid)?;
            let power = if suppress && snap.state == Power::PoweredOn {
                Power::PoweredOff
            } else {
                snap.state.clone()
            };
            vm.set_hardware(snap.memory_mb, snap.num_cpu);
            let suspended = power == Power::Suspended;
            vm.set_power(power);
            if suspended {
                vm.set_booted(None);
            }
            vm.current_snapshot = Some(sid.clone());
            Ok(None)
        }),
    )
}

/// VirtualMachineSnapshot.RemoveSnapshot_Task: removes the snapshot (and
/// with removeChildren its subtree; else its children move up to its
/// parent). If the current snapshot goes, its parent becomes current.
pub fn remove_snapshot(c: &mut Ctx, req: v::RemoveSnapshotTaskRequest) -> Result<Ret, Fault> {
    let (vmid, sid) = snapshot_this(c)?;
    let remove_children = req.remove_children;
    let id = vmid.clone();
    start_vm_task(
        c.sh,
        c.w,
        &vmid,
        "RemoveSnapshot_Task",
        false,
        &c.user,
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
            for g in gone {
                w.objects.remove(&MoRef::new("VirtualMachineSnapshot", g));
            }
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

fn invalid_datastore(name: &str) -> Fault {
    Fault::typed(
        v::InvalidDatastore {
            datastore: None,
            name: Some(name.to_string()),
        },
        format!("Invalid datastore '{name}'."),
    )
}

/// A datastore path a request names, on a datastore the host has.
fn on_datastore(w: &World, name: &str) -> Result<DsPath, Fault> {
    let p = DsPath::parse_or_fault(name)?;
    if p.climbs() {
        return Err(crate::paths::bad_path(name));
    }
    if w.ds(&p.datastore).is_none() {
        return Err(invalid_datastore(&p.datastore));
    }
    Ok(p)
}

/// FileManager.DeleteDatastoreFile_Task: a file, or a directory with what
/// it holds, as ESX deletes them.
pub fn delete_datastore_file(
    c: &mut Ctx,
    req: v::DeleteDatastoreFileTaskRequest,
) -> Result<Ret, Fault> {
    let name = req.name;
    let parsed = on_datastore(c.w, &name)?;
    start_entity_task(
        c.sh,
        c.w,
        None,
        "DeleteDatastoreFile_Task",
        &c.user,
        Box::new(move |_sh, w| {
            let path = w
                .ds_file(&parsed.datastore, &parsed.rel)
                .ok_or_else(|| Fault::file_not_found(&name))?;
            let removed = if path.is_dir() {
                std::fs::remove_dir_all(&path)
            } else if path.exists() {
                std::fs::remove_file(&path)
            } else {
                return Err(Fault::file_not_found(&name));
            };
            removed.map_err(|e| {
                Fault::typed(
                    v::CannotDeleteFile { file: name.clone() },
                    format!("Cannot delete file {name}: {e}"),
                )
            })?;
            Ok(None)
        }),
    )
}

/// FileManager.MoveDatastoreFile_Task: a file renamed (over an existing
/// one only with `force`), as ESX moves datastore files.
pub fn move_datastore_file(
    c: &mut Ctx,
    req: v::MoveDatastoreFileTaskRequest,
) -> Result<Ret, Fault> {
    let (src_name, dst_name) = (req.source_name, req.destination_name);
    let src = on_datastore(c.w, &src_name)?;
    let dst = on_datastore(c.w, &dst_name)?;
    let force = req.force == Some(true);
    start_entity_task(
        c.sh,
        c.w,
        None,
        "MoveDatastoreFile_Task",
        &c.user,
        Box::new(move |_sh, w| {
            let from = w
                .ds_file(&src.datastore, &src.rel)
                .filter(|p| p.exists())
                .ok_or_else(|| Fault::file_not_found(&src_name))?;
            let to = w
                .ds_file(&dst.datastore, &dst.rel)
                .ok_or_else(|| Fault::file_not_found(&dst_name))?;
            if to.exists() && (!force || to.is_dir()) {
                return Err(Fault::file_exists(&dst_name));
            }
            std::fs::rename(&from, &to).map_err(|e| {
                Fault::typed(
                    v::CannotAccessFile {
                        file: src_name.clone(),
                    },
                    format!("Cannot move {src_name} to {dst_name}: {e}"),
                )
            })?;
            Ok(None)
        }),
    )
}

/// Folder.RegisterVM_Task: reads the .vmx at `path` and adds the VM it
/// declares (powered off). Faults as ESX gives them: a bad path, a missing
/// file, a name that is taken, a file that is not a VM configuration.
pub fn register_vm(c: &mut Ctx, req: v::RegisterVMTaskRequest) -> Result<Ret, Fault> {
    if req.as_template {
        return Err(Fault::typed(
            v::NotSupported {},
            "Registering templates is not supported on this host.",
        ));
    }
    let path = req.path;
    let parsed = DsPath::parse_or_fault(&path)?;
    if parsed.climbs() {
        return Err(crate::paths::bad_path(&path));
    }
    let name = req.name;
    let folder = c.call.this.clone();
    start_entity_task(
        c.sh,
        c.w,
        Some(folder),
        "RegisterVM_Task",
        &c.user,
        Box::new(move |_sh, w| {
            let not_found = || Fault::typed(v::NotFound {}, format!("File {path} was not found"));
            let file = w
                .ds_file(&parsed.datastore, &parsed.rel)
                .filter(|f| f.is_file())
                .ok_or_else(not_found)?;
            let bytes = std::fs::read(&file).map_err(|_| not_found())?;
            let vmx = esx_vmx::VmxFile::parse(&bytes).map_err(|e| {
                Fault::typed(
                    v::InvalidArgument {
                        invalid_property: Some("path".into()),
                    },
                    format!("The configuration file {path} is invalid: {e}"),
                )
            })?;
            let display = vmx.text("displayName").unwrap_or_default();
            let name = name.unwrap_or(display);
            if name.is_empty() {
                return Err(invalid_name(""));
            }
            if let Some(other) = w.vm_by_name(&name) {
                return Err(Fault::typed(
                    v::DuplicateName {
                        name: name.clone(),
                        object: other.moref.clone(),
                    },
                    format!("The name '{name}' already exists."),
                ));
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
                vm.set_uuid(&esx_vmx::domain::format_uuid(&u));
            }
            let hw = num("virtualHW.version", 4);
            vm.config_mut().version = format!("vmx-{hw:02}");
            let mut nics = Vec::new();
            for i in 0..4 {
                let k = |x: &str| format!("ethernet{i}.{x}");
                if vmx.bool(&k("present")).ok().flatten() != Some(true) {
                    continue;
                }
                nics.push(Nic {
                    key: 4000 + i,
                    mac: vmx
                        .get(&k("generatedAddress"))
                        .or(vmx.get(&k("address")))
                        .unwrap_or("00:0c:29:00:00:00")
                        .to_ascii_lowercase(),
                    network: vmx.get(&k("networkName")).unwrap_or("").to_string(),
                    model: vmx.get(&k("virtualDev")).unwrap_or("e1000").to_string(),
                });
            }
            vm.guest_nics.clear();
            let ds = w.ds(&parsed.datastore).map(|d| crate::objects::vm::DsRef {
                name: d.name.clone(),
                moref: Some(d.moref.clone()),
                uuid: d.uuid.clone(),
            });
            let disk_kb = vm.disk_kb();
            vm.relocate(
                &parsed.datastore,
                ds,
                &parsed.directory(),
                parsed.file_name(),
                &nics,
                disk_kb,
            );
            let mem = vm
                .config_mut()
                .memory_allocation
                .get_or_insert_with(Default::default);
            mem.limit = Some(num("sched.mem.max", -1));
            mem.reservation = Some(num("sched.mem.minsize", 0));
            let moref = vm.moref.clone();
            w.register_vm(vm);
            Ok(Some(esx_vi::Value::MoRef(moref)))
        }),
    )
}

/// VirtualMachine.UnregisterVM: removes the VM from the inventory; its
/// files stay. Only when powered off or suspended.
pub fn unregister_vm(c: &mut Ctx) -> Result<Ret, Fault> {
    let me = c.call.this.clone();
    let vm = c.w.vm(&me.value).ok_or_else(|| Fault::not_found_obj(&me))?;
    if vm.power() == Power::PoweredOn {
        return Err(Fault::invalid_power_state(&Power::PoweredOn, None));
    }
    let snapshots: Vec<String> = vm.snapshots.iter().map(|s| s.moid.clone()).collect();
    if let Some(mgr) =
        c.w.objects
            .typed_mut::<AutoStartManager>(&MoRef::new("HostAutoStartManager", "ha-autostart-mgr"))
    {
        mgr.mo.config.power_info.retain(|p| p.key != me);
    }
    for s in snapshots {
        c.w.objects.remove(&MoRef::new("VirtualMachineSnapshot", s));
    }
    c.w.unregister_vm(&me.value);
    Ok(Ret::None)
}

pub fn find_by_uuid(c: &mut Ctx, req: v::FindByUuidRequest) -> Result<Ret, Fault> {
    let uuid = req.uuid.to_ascii_lowercase();
    if !req.vm_search {
        return Ok(if uuid == HOST_UUID {
            Ret::of(MoRef::new("HostSystem", crate::world::HOST))
        } else {
            Ret::None
        });
    }
    let found = if req.instance_uuid.unwrap_or(false) {
        c.w.vms()
            .find(|v| v.config().instance_uuid.as_deref() == Some(uuid.as_str()))
            .map(|v| v.moref.clone())
    } else {
        c.w.by_uuid.get(&uuid).map(|m| vm_ref(m))
    };
    Ok(found.map(Ret::of).unwrap_or(Ret::None))
}

pub fn find_by_inventory_path(
    c: &mut Ctx,
    req: v::FindByInventoryPathRequest,
) -> Result<Ret, Fault> {
    let parts: Vec<&str> = req.inventory_path.trim_matches('/').split('/').collect();
    let found = match parts.as_slice() {
        [dc] if *dc == DATACENTER => Some(MoRef::new("Datacenter", *dc)),
        [dc, "vm"] if *dc == DATACENTER => Some(MoRef::new("Folder", "ha-folder-vm")),
        [dc, "host"] if *dc == DATACENTER => Some(MoRef::new("Folder", "ha-folder-host")),
        [dc, "vm", name] if *dc == DATACENTER => {
            c.w.vms()
                .find(|v| api_name(&v.name) == *name)
                .map(|v| v.moref.clone())
        }
        _ => None,
    };
    Ok(found.map(Ret::of).unwrap_or(Ret::None))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vm() -> Vm {
        Vm::new(1, "", crate::world::VmSpec::named("t"), "datastore1", None)
    }

    fn spec() -> v::VirtualMachineConfigSpec {
        v::VirtualMachineConfigSpec::default()
    }

    #[test]
    fn invalid_reconfigurations_are_refused_whole() {
        let vm = vm();
        let bad_memory = v::VirtualMachineConfigSpec {
            memory_mb: Some(5),
            ..spec()
        };
        assert!(reconfigured(&vm, &bad_memory, 64).is_err());
        let too_many = v::VirtualMachineConfigSpec {
            num_cpus: Some(65),
            ..spec()
        };
        assert!(reconfigured(&vm, &too_many, 64).is_err());
        let limit_below = v::VirtualMachineConfigSpec {
            cpu_allocation: Some(ResourceAllocationInfo {
                reservation: Some(500),
                limit: Some(100),
                ..Default::default()
            }),
            ..spec()
        };
        let e = reconfigured(&vm, &limit_below, 64).err().unwrap();
        assert_eq!(e.ty, "InvalidArgument");
        let ok = reconfigured(
            &vm,
            &v::VirtualMachineConfigSpec {
                memory_mb: Some(2048),
                cpu_allocation: Some(ResourceAllocationInfo {
                    shares: Some(SharesInfo {
                        shares: 1234,
                        level: SharesLevel::Custom,
                    }),
                    ..Default::default()
                }),
                ..spec()
            },
            64,
        )
        .unwrap();
        assert_eq!(ok.memory_mb, 2048);
        let shares = ok.cpu_alloc.shares.unwrap();
        assert_eq!((shares.level, shares.shares), (SharesLevel::Custom, 1234));
    }
}
