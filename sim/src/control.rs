// SPDX-License-Identifier: LGPL-2.1-or-later
//! Test control: request counters, VM state, fault injection and scenario
//! setup, under `/sim/` (no authentication; the simulator is for tests).
//!
//! Every answer is `key value` or `key=value` lines, easy to read from Rust,
//! C, Python and shell.

use std::time::Duration;

use esx_vi::vim25::{ResourceAllocationInfo, VirtualMachinePowerState as Power};
use esx_vi::MoRef;

use crate::fault::Fault;
use crate::http::{Request, Response};
use crate::objects::vm::{Question, Vm};
use crate::server::{FaultKind, FaultRule, Shared};
use crate::world::{parse_power, vm_ref, World};

fn alloc_fields(a: &ResourceAllocationInfo) -> (i64, i64, i32, String) {
    let (shares, level) = a
        .shares
        .as_ref()
        .map(|s| (s.shares, s.level.as_str().to_string()))
        .unwrap_or((0, "normal".into()));
    (
        a.reservation.unwrap_or(0),
        a.limit.unwrap_or(-1),
        shares,
        level,
    )
}

fn vm_dump(w: &World, name: &str) -> Option<String> {
    let vm = w.vm_by_name(name)?;
    let mut out = String::new();
    let mut kv = |k: &str, v: String| out.push_str(&format!("{k}={v}\n"));
    let cfg = vm.config();
    kv("moid", vm.moid().to_string());
    kv("name", vm.name.clone());
    kv("uuid", vm.uuid().to_string());
    kv("power", vm.power().as_str().into());
    kv("memory_mb", vm.memory_mb().to_string());
    kv("num_cpu", vm.num_cpu().to_string());
    kv("cores_per_socket", vm.cores_per_socket().to_string());
    kv("guest_id", cfg.guest_id.clone());
    kv("annotation", cfg.annotation.clone().unwrap_or_default());
    kv("tools_running", vm.tools_running.to_string());
    kv("uuid_altered", vm.uuid_altered.to_string());
    kv(
        "question",
        vm.question
            .as_ref()
            .map(|q| q.id.clone())
            .unwrap_or_else(|| "none".into()),
    );
    kv(
        "question_message",
        vm.question
            .as_ref()
            .map(|q| q.message_id.clone())
            .unwrap_or_default(),
    );
    kv("recent_tasks", vm.recent_tasks.len().to_string());
    kv(
        "pending_tasks",
        vm.recent_tasks
            .iter()
            .filter(|t| w.task_pending(t))
            .count()
            .to_string(),
    );
    let states: Vec<String> = vm
        .recent_tasks
        .iter()
        .filter_map(|t| w.task(t))
        .map(|t| {
            let i = t.info();
            format!("{}:{}", i.name.as_deref().unwrap_or(""), i.state.as_str())
        })
        .collect();
    kv("task_states", states.join(","));
    let (cpu_res, cpu_lim, cpu_shares, cpu_level) = alloc_fields(&vm.cpu_alloc());
    let (mem_res, mem_lim, _, _) = alloc_fields(&vm.mem_alloc());
    kv("cpu_reservation", cpu_res.to_string());
    kv("cpu_limit", cpu_lim.to_string());
    kv("cpu_shares", cpu_shares.to_string());
    kv("cpu_shares_level", cpu_level);
    kv("mem_reservation", mem_res.to_string());
    kv("mem_limit", mem_lim.to_string());
    kv("snapshot_count", vm.snapshots.len().to_string());
    kv(
        "current_snapshot",
        vm.current_snapshot.clone().unwrap_or_default(),
    );
    for s in &vm.snapshots {
        let parent = s
            .parent
            .as_ref()
            .and_then(|p| vm.snapshots.iter().find(|x| &x.moid == p))
            .map(|p| p.name.clone())
            .unwrap_or_default();
        kv(
            "snapshot",
            format!(
                "{}|{}|{}|{}",
                s.name,
                parent,
                s.state.as_str(),
                s.description
            ),
        );
    }
    kv("vmx_path", vm.vmx_path());
    if let Some(p) = w.ds_file(&vm.datastore, &vm.directory) {
        kv("dir", p.display().to_string());
    }
    let autostart = w
        .objects
        .typed::<crate::objects::host::AutoStartManager>(&MoRef::new(
            "HostAutoStartManager",
            "ha-autostart-mgr",
        ))
        .and_then(|m| {
            m.mo.config
                .power_info
                .iter()
                .find(|p| p.key == vm.moref)
                .map(|p| p.start_action.clone())
        });
    kv("autostart", autostart.unwrap_or_else(|| "none".into()));
    Some(out)
}

fn fault_kind(req: &Request) -> Result<FaultKind, String> {
    let kind = req.param("kind").ok_or("kind= is required")?;
    Ok(match kind.as_str() {
        "drop_before" | "drop" => FaultKind::DropBefore,
        "drop_after" => FaultKind::DropAfter,
        "http503" => FaultKind::Http503,
        "malformed" => FaultKind::Malformed,
        "latency" => FaultKind::Latency(Duration::from_millis(
            req.param("ms").and_then(|m| m.parse().ok()).unwrap_or(1000),
        )),
        "soap" => {
            let ty = req.param("type").unwrap_or_else(|| "SystemError".into());
            let message = req
                .param("message")
                .unwrap_or_else(|| format!("Injected fault {ty}"));
            // repeat=N: the message N times (a host's 1 MiB fault string).
            let repeat = req
                .param("repeat")
                .and_then(|r| r.parse::<usize>().ok())
                .unwrap_or(1)
                .min(64 * 1024 * 1024 / message.len().max(1));
            FaultKind::Soap(ty, message.repeat(repeat))
        }
        "hold" => FaultKind::Hold,
        "huge" => FaultKind::Huge,
        "bomb" => FaultKind::Bomb,
        "deep" => FaultKind::Deep,
        "wide" => FaultKind::Wide,
        "empty" => FaultKind::Empty,
        "junk" => FaultKind::Junk,
        "ignore" => FaultKind::Ignore,
        "expire" => FaultKind::ExpireSession,
        other => return Err(format!("unknown fault kind '{other}'")),
    })
}

/// A question kind of `arm_question` and `raise_question`.
fn question_of(kind: &str) -> Result<Question, String> {
    crate::tasks::armed_question(kind).ok_or(format!("unknown question kind '{kind}'"))
}

/// The simulator's typed controls: what the `/sim/control` endpoint and the
/// library's [`crate::Sim`] both call.
impl Shared {
    /// Runs `f` on the VM called `name`.
    fn with_vm(&self, name: &str, f: impl FnOnce(&mut Vm)) -> Result<(), String> {
        let mut w = self.lock();
        let id = w
            .vm_by_name(name)
            .map(|v| v.moid().to_string())
            .ok_or(format!("no VM '{name}'"))?;
        if let Some(vm) = w.vm_mut(&id) {
            f(vm);
        }
        drop(w);
        self.changed.notify_all();
        Ok(())
    }

    /// Makes the next `count` requests for `method` (`*` for any) misbehave.
    pub fn inject(&self, method: &str, kind: FaultKind, count: u32) {
        self.add_fault(FaultRule {
            method: method.to_string(),
            kind,
            remaining: count,
        });
    }

    /// Ends every session, as a host restart does.
    pub fn expire_sessions(&self) {
        let mut w = self.lock();
        let keys: Vec<String> = w.sessions.values().map(|s| s.key.clone()).collect();
        for k in keys {
            w.end_session(&k);
        }
        drop(w);
        self.changed.notify_all();
    }

    /// Starts or stops VMware Tools in a VM (it runs only while the VM does).
    pub fn set_tools(&self, vm: &str, running: bool) -> Result<(), String> {
        self.with_vm(vm, |vm| {
            vm.tools_installed = running;
            vm.set_tools_running(running && vm.power() == Power::PoweredOn);
        })
    }

    /// Sets a VM's power state without a task.
    pub fn set_power(&self, vm: &str, power: Power) -> Result<(), String> {
        self.with_vm(vm, |vm| vm.set_control_power(power))
    }

    /// Sets the power state of several VMs at once (one change of the
    /// world: a watcher sees it in one update).
    pub fn set_power_many(&self, vms: &[&str], power: Power) -> Result<(), String> {
        let mut w = self.lock();
        let mut ids = Vec::new();
        for name in vms {
            ids.push(
                w.vm_by_name(name)
                    .map(|v| v.moid().to_string())
                    .ok_or(format!("no VM '{name}'"))?,
            );
        }
        for id in ids {
            if let Some(vm) = w.vm_mut(&id) {
                vm.set_control_power(power.clone());
            }
        }
        drop(w);
        self.changed.notify_all();
        Ok(())
    }

    /// The next `method` task on the VM asks a question of `kind`.
    pub fn arm_question(
        &self,
        vm: &str,
        kind: &str,
        method: &str,
        cancelable: bool,
    ) -> Result<(), String> {
        let mut q = question_of(kind)?;
        q.task = Some(method.to_string());
        self.with_vm(vm, |vm| {
            vm.armed_question = Some(q);
            vm.armed_cancelable = cancelable;
        })
    }

    /// A question with no task behind it, as a VM powered on from elsewhere
    /// and stuck at "moved or copied?" has.
    pub fn raise_question(&self, vm: &str, kind: &str) -> Result<(), String> {
        let mut q = question_of(kind)?;
        q.id = self.lock().next_question_id();
        q.task = None;
        self.with_vm(vm, |vm| vm.set_question(Some(q)))
    }

    /// The next `method` task on the VM fails with this fault.
    pub fn fail_task(
        &self,
        vm: &str,
        method: &str,
        fault: &str,
        message: &str,
    ) -> Result<(), String> {
        let mut w = self.lock();
        let moid = w
            .vm_by_name(vm)
            .map(|v| v.moid().to_string())
            .ok_or(format!("no VM '{vm}'"))?;
        w.fail_next
            .insert((moid, method.to_string()), Fault::named(fault, message));
        Ok(())
    }

    /// A task of someone else's that keeps the VM busy, for `ms` or (None)
    /// until `release` ends it; its MoRef.
    pub fn busy(&self, vm: &str, ms: Option<u64>) -> Result<String, String> {
        let mut w = self.lock();
        let moid = w
            .vm_by_name(vm)
            .map(|v| v.moid().to_string())
            .ok_or(format!("no VM '{vm}'"))?;
        let t = w.new_task("BusyVM_Task", Some(vm_ref(&moid)), false, "root");
        w.task_running(&t);
        if let Some(ms) = ms {
            let tid = t.clone();
            self.after(Duration::from_millis(ms), move |_sh, w| {
                w.task_done(&tid, Ok(None))
            });
        }
        drop(w);
        self.changed.notify_all();
        Ok(t)
    }

    /// Ends a task `busy` holds (tests hold the host's state until they
    /// release it, never for a time).
    pub fn release(&self, task: &str) -> Result<(), String> {
        let mut w = self.lock();
        if w.task(task).is_none() {
            return Err(format!("no task '{task}'"));
        }
        w.task_done(task, Ok(None));
        drop(w);
        self.changed.notify_all();
        Ok(())
    }

    /// The progress (percent) the VM's pending tasks report.
    pub fn task_progress(&self, vm: &str, percent: i64) -> Result<(), String> {
        let mut w = self.lock();
        let tasks = pending_of(&w, vm)?;
        for t in tasks {
            if let Some(task) = w.task_mut(&t) {
                task.info_mut().progress = Some(percent as i32);
            }
        }
        drop(w);
        self.changed.notify_all();
        Ok(())
    }

    /// Ends the VM's pending tasks now (a test holds a task with a long
    /// task_ms and releases it with this); a task waiting for an answer to
    /// a question is left waiting.
    pub fn finish_tasks(&self, vm: &str) -> Result<usize, String> {
        let mut w = self.lock();
        let tasks = pending_of(&w, vm)?;
        let asked = w
            .vm_by_name(vm)
            .and_then(|v| v.question.as_ref())
            .and_then(|q| q.task.clone());
        let mut n = 0;
        for t in tasks.iter().filter(|t| Some(*t) != asked.as_ref()) {
            crate::tasks::finish_now(self, &mut w, t);
            n += 1;
        }
        drop(w);
        self.changed.notify_all();
        Ok(n)
    }

    /// Whether tasks of `method` are cancelable from now on.
    pub fn set_cancelable(&self, method: &str, on: bool) {
        let mut w = self.lock();
        if on {
            w.cancelable_methods.insert(method.to_string());
        } else {
            w.cancelable_methods.remove(method);
        }
    }

    /// How long tasks take from now on.
    pub fn set_task_ms(&self, ms: u64) {
        self.lock().cfg.task_ms = ms;
    }

    /// The host's capability.maxSupportedVcpus.
    pub fn set_max_vcpus(&self, n: i64) {
        let mut w = self.lock();
        if let Some(cap) = w
            .objects
            .typed_mut::<crate::objects::host::Host>(&MoRef::new("HostSystem", crate::world::HOST))
            .and_then(|h| h.mo.capability.as_mut())
        {
            cap.max_supported_vcpus = Some(n.clamp(i32::MIN.into(), i32::MAX.into()) as i32);
        }
    }

    /// A VM's memoryMB, in range of xsd:int or not (a hostile host's
    /// value, sent in place of the typed one).
    pub fn set_memory_mb(&self, vm: &str, mb: i64) -> Result<(), String> {
        self.with_vm(vm, |vm| {
            vm.set_hostile_int(
                mb,
                &[
                    "config.hardware.memoryMB",
                    "summary.config.memorySizeMB",
                    "runtime.maxMemoryUsage",
                    "summary.runtime.maxMemoryUsage",
                ],
                |vm, v| {
                    let n = vm.num_cpu();
                    vm.set_hardware(v, n)
                },
            )
        })
    }

    /// The VM's numCPU as the host reports it (any value, a wrong one too).
    pub fn set_num_cpu(&self, vm: &str, n: i64) -> Result<(), String> {
        self.with_vm(vm, |vm| {
            vm.set_hostile_int(
                n,
                &["config.hardware.numCPU", "summary.config.numCpu"],
                |vm, v| {
                    let m = vm.memory_mb();
                    vm.set_hardware(m, v)
                },
            )
        })
    }

    /// Sparse mode: every property the declared VI schema marks optional is
    /// left out of property reads.
    pub fn set_sparse(&self, on: bool) {
        self.lock().sparse = on;
    }

    /// At most `max` ObjectUpdates per UpdateSet, the rest on the next
    /// call (`truncated`); 0 clears it.
    pub fn set_update_max_objects(&self, max: usize) {
        self.lock().updates.max_objects = Some(max).filter(|&n| n > 0);
        self.changed.notify_all();
    }

    /// The VM's properties at these paths cannot be read: property reads
    /// and updates report them in missingSet (an empty list: all readable).
    pub fn set_unreadable(&self, vm: &str, paths: &[&str]) -> Result<(), String> {
        let mut w = self.lock();
        let moid = w
            .vm_by_name(vm)
            .map(|v| v.moid().to_string())
            .ok_or(format!("no VM '{vm}'"))?;
        w.updates.unreadable.retain(|(id, _)| *id != moid);
        for p in paths.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
            w.updates.unreadable.insert((moid.clone(), p.to_string()));
        }
        drop(w);
        self.changed.notify_all();
        Ok(())
    }

    /// WaitForUpdatesEx answers "no change" at once, whatever
    /// maxWaitSeconds asked (changes are still sent).
    pub fn set_waits_at_once(&self, on: bool) {
        self.lock().updates.ignore_max_wait = on;
        self.changed.notify_all();
    }

    /// WaitForUpdatesEx calls waiting now, those ended by
    /// CancelWaitForUpdates, and the last maxWaitSeconds asked (-1: none).
    pub fn waits(&self) -> (u64, u64, i64) {
        let w = self.lock();
        (
            w.updates.waiting,
            w.updates.canceled,
            w.updates.last_max_wait,
        )
    }

    /// Leaves out these properties (`Type.field`); an empty list clears it.
    pub fn omit(&self, fields: &[&str]) {
        self.lock().omit = fields
            .iter()
            .map(|f| f.trim())
            .filter(|f| !f.is_empty())
            .map(str::to_string)
            .collect();
    }
}

/// The queued or running tasks of the VM called `name`.
fn pending_of(w: &World, name: &str) -> Result<Vec<String>, String> {
    let vm = w.vm_by_name(name).ok_or(format!("no VM '{name}'"))?;
    Ok(vm
        .recent_tasks
        .iter()
        .filter(|t| w.task_pending(t))
        .cloned()
        .collect())
}

fn control(sh: &Shared, req: &Request) -> Result<String, String> {
    let action = req.param("action").ok_or("action= is required")?;
    let vm = || req.param("vm").ok_or("vm= is required".to_string());
    let number = |name: &str| -> Result<u64, String> {
        req.param(name)
            .and_then(|m| m.parse().ok())
            .ok_or(format!("{name}= is required"))
    };
    match action.as_str() {
        "fault" => sh.inject(
            &req.param("method").unwrap_or_else(|| "*".into()),
            fault_kind(req)?,
            req.param("count").and_then(|c| c.parse().ok()).unwrap_or(1),
        ),
        "clear_faults" => sh.clear_faults(),
        "release_held" => sh.release_held(),
        "expire_sessions" => sh.expire_sessions(),
        "set_tools" => sh.set_tools(&vm()?, req.param("running").as_deref() == Some("1"))?,
        "set_power" => {
            let p = req
                .param("state")
                .and_then(|s| parse_power(&s))
                .ok_or("state= poweredOn|poweredOff|suspended")?;
            match req.param("vms") {
                // vms=a,b,c: all at once.
                Some(list) => sh.set_power_many(&list.split(',').collect::<Vec<_>>(), p)?,
                None => sh.set_power(&vm()?, p)?,
            }
        }
        "arm_question" => sh.arm_question(
            &vm()?,
            &req.param("kind").unwrap_or_else(|| "uuid".into()),
            &req.param("method")
                .unwrap_or_else(|| "PowerOnVM_Task".into()),
            req.param("cancelable").as_deref() == Some("1"),
        )?,
        "raise_question" => {
            sh.raise_question(&vm()?, &req.param("kind").unwrap_or_else(|| "uuid".into()))?
        }
        "fail_task" => {
            let method = req.param("method").ok_or("method= is required")?;
            let ty = req
                .param("fault")
                .unwrap_or_else(|| "GenericVmConfigFault".into());
            let msg = req
                .param("message")
                .unwrap_or_else(|| format!("Injected {ty}"));
            sh.fail_task(&vm()?, &method, &ty, &msg)?
        }
        "busy" => {
            // Without ms= the task runs until released.
            let ms = req.param("ms").and_then(|m| m.parse().ok());
            return Ok(format!("task={}\n", sh.busy(&vm()?, ms)?));
        }
        "release" => {
            let task = req.param("task").ok_or("task= is required")?;
            sh.release(&task)?
        }
        "task_ms" => sh.set_task_ms(number("ms")?),
        "task_progress" => sh.task_progress(&vm()?, number("percent")? as i64)?,
        "finish_task" => return Ok(format!("finished={}\n", sh.finish_tasks(&vm()?)?)),
        "cancelable" => sh.set_cancelable(
            &req.param("method").ok_or("method= is required")?,
            req.param("on").as_deref() != Some("0"),
        ),
        "max_vcpus" => sh.set_max_vcpus(
            req.param("n")
                .and_then(|m| m.parse().ok())
                .ok_or("n= is required")?,
        ),
        "set_memory_mb" => sh.set_memory_mb(
            &vm()?,
            req.param("mb")
                .and_then(|m| m.parse().ok())
                .ok_or("mb= is required")?,
        )?,
        "set_num_cpu" => sh.set_num_cpu(
            &vm()?,
            req.param("n")
                .and_then(|m| m.parse().ok())
                .ok_or("n= is required")?,
        )?,
        "reset_stats" => sh.reset_stats(),
        "update_max_objects" => sh.set_update_max_objects(number("max")? as usize),
        "unreadable" => {
            let list = req.param("paths").unwrap_or_default();
            sh.set_unreadable(&vm()?, &list.split(',').collect::<Vec<_>>())?
        }
        "waits_at_once" => sh.set_waits_at_once(req.param("on").as_deref() != Some("0")),
        "sparse" => sh.set_sparse(req.param("on").as_deref() != Some("0")),
        // host_mode: put=in_place|temp, range=ignore|honour,
        // delimit=close|length, cut=N|none, stall=N|none, copy_spec=refuse|accept,
        // folder_path=plain|datastore.
        "host_mode" => {
            let mut w = sh.lock();
            let m = &mut w.host_modes;
            if let Some(v) = req.param("put") {
                m.put_in_place = v == "in_place";
            }
            if let Some(v) = req.param("range") {
                m.ignore_range = v == "ignore";
            }
            if let Some(v) = req.param("delimit") {
                m.close_delimited = v == "close";
            }
            if let Some(v) = req.param("cut") {
                m.cut_after = v.parse().ok();
            }
            if let Some(v) = req.param("stall") {
                m.stall_after = v.parse().ok();
            }
            if let Some(v) = req.param("copy_spec") {
                m.copy_refuses_dest_spec = v == "refuse";
            }
            if let Some(v) = req.param("folder_path") {
                m.plain_folder_paths = v == "plain";
            }
        }
        "omit" => {
            let list = req.param("fields").unwrap_or_default();
            sh.omit(&list.split(',').collect::<Vec<_>>())
        }
        other => return Err(format!("unknown action '{other}'")),
    }
    sh.changed.notify_all();
    Ok("ok\n".into())
}

pub fn handle(sh: &Shared, req: &Request) -> Response {
    match (req.method.as_str(), req.path.as_str()) {
        ("GET", "/sim/stats") => Response::text(200, sh.stats_text()),
        ("GET", "/sim/vms") => {
            let w = sh.lock();
            let mut out = String::new();
            for vm in w.vms() {
                out.push_str(&format!(
                    "{} {} {} {}\n",
                    vm.moid(),
                    vm.power().as_str(),
                    vm.uuid(),
                    vm.name
                ));
            }
            Response::text(200, out)
        }
        ("GET", "/sim/vm") => {
            let name = req.param("name").unwrap_or_default();
            match vm_dump(&sh.lock(), &name) {
                Some(d) => Response::text(200, d),
                None => Response::text(404, format!("no VM '{name}'\n")),
            }
        }
        ("GET", "/sim/sessions") => {
            let held = sh.held();
            let w = sh.lock();
            Response::text(
                200,
                format!(
                    "sessions {}\nfilters {}\ncollectors {}\nmax_inflight {}\nwaits {}\n\
                     waits_canceled {}\nwait_max_seconds {}\nheld {held}\n",
                    w.sessions.len(),
                    w.objects.count("PropertyFilter"),
                    w.collectors.len(),
                    sh.max_inflight.load(std::sync::atomic::Ordering::SeqCst),
                    w.updates.waiting,
                    w.updates.canceled,
                    w.updates.last_max_wait,
                ),
            )
        }
        // The live sessions' cookie values and keys, so that tests can check
        // that no client logs them.
        ("GET", "/sim/secrets") => {
            let w = sh.lock();
            let mut out = String::new();
            for (cookie, s) in &w.sessions {
                out.push_str(&format!("cookie {cookie}\nkey {}\n", s.key));
            }
            Response::text(200, out)
        }
        ("GET", "/sim/thumbprint") => Response::text(
            200,
            format!(
                "sha1 {}\nsha256 {}\n",
                sh.tls_thumbprints.0, sh.tls_thumbprints.1
            ),
        ),
        ("POST", "/sim/control") | ("GET", "/sim/control") => match control(sh, req) {
            Ok(body) => Response::text(200, body),
            Err(e) => Response::text(400, format!("error {e}\n")),
        },
        _ => Response::text(404, "unknown /sim/ endpoint\n"),
    }
}
