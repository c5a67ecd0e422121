//! Test control: request counters, VM state, fault injection and scenario
//! setup, under `/sim/` (no authentication; the simulator is for tests).
//!
//! Every answer is `key value` or `key=value` lines, easy to read from Rust,
//! C, Python and shell.

use std::time::Duration;

use crate::http::{Request, Response};
use crate::server::{FaultKind, FaultRule, Shared};
use crate::world::{Power, World};

fn vm_dump(w: &World, name: &str) -> Option<String> {
    let vm = w.vm_by_name(name)?;
    let mut out = String::new();
    let mut kv = |k: &str, v: String| out.push_str(&format!("{k}={v}\n"));
    kv("moid", vm.moid());
    kv("name", vm.name.clone());
    kv("uuid", vm.uuid.clone());
    kv("power", vm.power.as_str().into());
    kv("memory_mb", vm.memory_mb.to_string());
    kv("num_cpu", vm.num_cpu.to_string());
    kv("cores_per_socket", vm.cores_per_socket.to_string());
    kv("guest_id", vm.guest_id.clone());
    kv("annotation", vm.annotation.clone());
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
        .filter_map(|t| w.tasks.get(t))
        .map(|t| format!("{}:{}", t.name, t.state.as_str()))
        .collect();
    kv("task_states", states.join(","));
    kv("cpu_reservation", vm.cpu_alloc.reservation.to_string());
    kv("cpu_limit", vm.cpu_alloc.limit.to_string());
    kv("cpu_shares", vm.cpu_alloc.shares.to_string());
    kv("cpu_shares_level", vm.cpu_alloc.shares_level.clone());
    kv("mem_reservation", vm.mem_alloc.reservation.to_string());
    kv("mem_limit", vm.mem_alloc.limit.to_string());
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
    let autostart = w.autostart.power_info.iter().find(|p| p.vm == vm.moid());
    kv(
        "autostart",
        autostart
            .map(|p| p.start_action.clone())
            .unwrap_or_else(|| "none".into()),
    );
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
        "huge" => FaultKind::Huge,
        "bomb" => FaultKind::Bomb,
        "deep" => FaultKind::Deep,
        "wide" => FaultKind::Wide,
        "empty" => FaultKind::Empty,
        "ignore" => FaultKind::Ignore,
        "expire" => FaultKind::ExpireSession,
        other => return Err(format!("unknown fault kind '{other}'")),
    })
}

fn control(sh: &Shared, req: &Request) -> Result<String, String> {
    let action = req.param("action").ok_or("action= is required")?;
    let vm_name = req.param("vm");
    let with_vm = |w: &mut World, f: &mut dyn FnMut(&mut crate::world::Vm)| -> Result<(), String> {
        let name = vm_name.clone().ok_or("vm= is required")?;
        let id = w
            .vm_by_name(&name)
            .map(|v| v.id)
            .ok_or(format!("no VM '{name}'"))?;
        if let Some(vm) = w.vms.get_mut(&id) {
            f(vm);
        }
        Ok(())
    };
    match action.as_str() {
        "fault" => {
            let rule = FaultRule {
                method: req.param("method").unwrap_or_else(|| "*".into()),
                kind: fault_kind(req)?,
                remaining: req.param("count").and_then(|c| c.parse().ok()).unwrap_or(1),
            };
            sh.add_fault(rule);
        }
        "clear_faults" => sh.clear_faults(),
        "expire_sessions" => {
            let mut w = sh.lock();
            let keys: Vec<String> = w.sessions.values().map(|s| s.key.clone()).collect();
            for k in keys {
                w.end_session(&k);
            }
        }
        "set_tools" => {
            let running = req.param("running").as_deref() == Some("1");
            let mut w = sh.lock();
            with_vm(&mut w, &mut |vm| {
                vm.tools_installed = running;
                vm.tools_running = running && vm.power == Power::On;
            })?;
        }
        "set_power" => {
            let p = req
                .param("state")
                .and_then(|s| Power::parse(&s))
                .ok_or("state= poweredOn|poweredOff|suspended")?;
            let mut w = sh.lock();
            with_vm(&mut w, &mut |vm| {
                vm.power = p;
                vm.tools_running = vm.tools_installed && p == Power::On;
            })?;
        }
        "arm_question" => {
            let kind = req.param("kind").unwrap_or_else(|| "uuid".into());
            let mut q = crate::tasks::armed_question(&kind)
                .ok_or(format!("unknown question kind '{kind}'"))?;
            q.task = Some(
                req.param("method")
                    .unwrap_or_else(|| "PowerOnVM_Task".into()),
            );
            let cancelable = req.param("cancelable").as_deref() == Some("1");
            let mut w = sh.lock();
            with_vm(&mut w, &mut |vm| {
                vm.armed_question = Some(q.clone());
                vm.armed_cancelable = cancelable;
            })?;
        }
        "fail_task" => {
            let method = req.param("method").ok_or("method= is required")?;
            let ty = req
                .param("fault")
                .unwrap_or_else(|| "GenericVmConfigFault".into());
            let msg = req
                .param("message")
                .unwrap_or_else(|| format!("Injected {ty}"));
            let mut w = sh.lock();
            let name = vm_name.clone().ok_or("vm= is required")?;
            let moid = w
                .vm_by_name(&name)
                .map(|v| v.moid())
                .ok_or(format!("no VM '{name}'"))?;
            w.fail_next
                .insert((moid, method), crate::world::Fault::new(&ty, msg));
        }
        "busy" => {
            let ms: u64 = req.param("ms").and_then(|m| m.parse().ok()).unwrap_or(5000);
            let mut w = sh.lock();
            let name = vm_name.clone().ok_or("vm= is required")?;
            let moid = w
                .vm_by_name(&name)
                .map(|v| v.moid())
                .ok_or(format!("no VM '{name}'"))?;
            let t = w.new_task(
                "BusyVM_Task",
                Some(("VirtualMachine".into(), moid)),
                false,
                "root",
            );
            w.task_running(&t);
            let tid = t.clone();
            sh.after(Duration::from_millis(ms), move |_sh, w| {
                w.task_done(&tid, Ok(None))
            });
            drop(w);
            sh.changed.notify_all();
            return Ok(format!("task={t}\n"));
        }
        "task_ms" => {
            let ms: u64 = req
                .param("ms")
                .and_then(|m| m.parse().ok())
                .ok_or("ms= is required")?;
            sh.lock().cfg.task_ms = ms;
        }
        "set_memory_mb" => {
            // Any integer, in range of xsd:int or not (hostile hosts).
            let mb: i64 = req
                .param("mb")
                .and_then(|m| m.parse().ok())
                .ok_or("mb= is required")?;
            let mut w = sh.lock();
            with_vm(&mut w, &mut |vm| vm.memory_mb = mb)?;
        }
        "max_vcpus" => {
            let n: i64 = req
                .param("n")
                .and_then(|m| m.parse().ok())
                .ok_or("n= is required")?;
            sh.lock().max_vcpus = n;
        }
        "reset_stats" => sh.reset_stats(),
        "sparse" => sh.lock().sparse = req.param("on").as_deref() != Some("0"),
        "omit" => {
            // omit=Type.field[,Type.field...]; an empty list clears it.
            let list = req.param("fields").unwrap_or_default();
            let mut w = sh.lock();
            w.omit = list
                .split(',')
                .map(str::trim)
                .filter(|f| !f.is_empty())
                .map(str::to_string)
                .collect();
        }
        "raise_question" => {
            // A question with no task behind it, as a VM powered on from
            // elsewhere and stuck at "moved or copied?" has.
            let kind = req.param("kind").unwrap_or_else(|| "uuid".into());
            let mut q = crate::tasks::armed_question(&kind)
                .ok_or(format!("unknown question kind '{kind}'"))?;
            let mut w = sh.lock();
            q.id = w.next_question_id();
            q.task = None;
            with_vm(&mut w, &mut |vm| vm.question = Some(q.clone()))?;
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
            for vm in w.vms.values() {
                out.push_str(&format!(
                    "{} {} {} {}\n",
                    vm.moid(),
                    vm.power.as_str(),
                    vm.uuid,
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
            let w = sh.lock();
            Response::text(
                200,
                format!(
                    "sessions {}\nfilters {}\ncollectors {}\nmax_inflight {}\n",
                    w.sessions.len(),
                    w.filters.len(),
                    w.collectors.len(),
                    sh.max_inflight.load(std::sync::atomic::Ordering::SeqCst)
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
