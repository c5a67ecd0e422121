// SPDX-License-Identifier: LGPL-2.1-or-later
//! Tasks and the methods that start them: the VM power state machine,
//! questions (AnswerVM), CancelTask, guest operations through VMware Tools.

use std::time::{Duration, Instant, SystemTime};

use crate::model::*;
use crate::server::Shared;
use crate::soap::{Call, Ret};
use crate::world::{Choice, Fault, Power, Question, Task, TaskState, World};

/// The work a task does when it completes: its result or its fault.
pub type Work = Box<dyn FnOnce(&Shared, &mut World) -> Result<Option<SVal>, Fault> + Send>;

fn op_of(method: &str) -> (&'static str, &'static str) {
    // (descriptionId, short op name used in ESX task ids)
    match method {
        "PowerOnVM_Task" => ("VirtualMachine.powerOn", "powerOn"),
        "PowerOffVM_Task" => ("VirtualMachine.powerOff", "powerOff"),
        "SuspendVM_Task" => ("VirtualMachine.suspend", "suspend"),
        "ResetVM_Task" => ("VirtualMachine.reset", "reset"),
        "CreateScreenshot_Task" => ("VirtualMachine.createScreenshot", "createScreenshot"),
        "ReconfigVM_Task" => ("VirtualMachine.reconfigure", "reconfigure"),
        "CreateSnapshot_Task" => ("VirtualMachine.createSnapshot", "createSnapshot"),
        "RevertToSnapshot_Task" => ("vm.Snapshot.revert", "revert"),
        "RemoveSnapshot_Task" => ("vm.Snapshot.remove", "remove"),
        "RegisterVM_Task" => ("Folder.registerVm", "registerVm"),
        "Destroy_Task" => ("VirtualMachine.destroy", "destroy"),
        _ => ("VirtualMachine.busy", "busy"),
    }
}

impl World {
    pub fn task_ms(&self) -> Duration {
        Duration::from_millis(self.cfg.task_ms)
    }

    /// Creates a queued task on `vm` (a VM moid) or on another entity.
    pub fn new_task(
        &mut self,
        method: &str,
        entity: Option<(String, String)>,
        cancelable: bool,
        user: &str,
    ) -> String {
        let (desc, op) = op_of(method);
        let n = self.next_task;
        self.next_task += 1;
        let vmid = entity
            .as_ref()
            .filter(|(k, _)| k == "VirtualMachine")
            .map(|(_, id)| id.clone())
            .unwrap_or_else(|| "0".into());
        let moid = format!("haTask-{vmid}-vim.{}-{}", desc, 1000 + n);
        let _ = op;
        let entity_name = entity.as_ref().and_then(|(k, id)| match k.as_str() {
            "VirtualMachine" => self.vm(id).map(|v| v.name.clone()),
            "Datastore" => self
                .datastores
                .iter()
                .find(|d| &d.moid == id)
                .map(|d| d.name.clone()),
            _ => None,
        });
        let task = Task {
            moid: moid.clone(),
            key: moid.clone(),
            name: method.to_string(),
            description_id: desc.to_string(),
            entity: entity.clone(),
            entity_name,
            state: TaskState::Queued,
            cancelled: false,
            cancelable,
            error: None,
            result: None,
            progress: None,
            queue_time: SystemTime::now(),
            start_time: None,
            complete_time: None,
            event_chain_id: 1000 + n as i64,
            user: user.to_string(),
            finished_at: None,
        };
        self.tasks.insert(moid.clone(), task);
        self.task_order.push(moid.clone());
        if let Some((k, id)) = &entity {
            if k == "VirtualMachine" {
                if let Some(vm) = self.vm_mut(id) {
                    vm.recent_tasks.push(moid.clone());
                }
            }
        }
        self.prune_tasks();
        moid
    }

    /// Forgets tasks that ended more than ten minutes ago.
    fn prune_tasks(&mut self) {
        let old: Vec<String> = self
            .tasks
            .values()
            .filter(|t| {
                t.finished_at
                    .is_some_and(|f| f.elapsed() > Duration::from_secs(600))
            })
            .map(|t| t.moid.clone())
            .collect();
        for m in &old {
            self.tasks.remove(m);
        }
        if !old.is_empty() {
            self.task_order.retain(|m| !old.contains(m));
            for vm in self.vms.values_mut() {
                vm.recent_tasks.retain(|m| !old.contains(m));
            }
        }
    }

    pub fn task_running(&mut self, moid: &str) {
        if let Some(t) = self.tasks.get_mut(moid) {
            if t.state == TaskState::Queued {
                t.state = TaskState::Running;
                t.start_time = Some(SystemTime::now());
                // A progress a test set while the task was queued stays.
                t.progress = t.progress.or(Some(0));
            }
        }
    }

    pub fn task_done(&mut self, moid: &str, result: Result<Option<SVal>, Fault>) {
        if let Some(t) = self.tasks.get_mut(moid) {
            if matches!(t.state, TaskState::Success | TaskState::Error) {
                return;
            }
            match result {
                Ok(r) => {
                    t.state = TaskState::Success;
                    t.result = r;
                }
                Err(f) => {
                    t.state = TaskState::Error;
                    t.error = Some(f);
                }
            }
            t.progress = None;
            t.complete_time = Some(SystemTime::now());
            t.finished_at = Some(Instant::now());
        }
    }

    pub fn task_pending(&self, moid: &str) -> bool {
        self.tasks
            .get(moid)
            .is_some_and(|t| matches!(t.state, TaskState::Queued | TaskState::Running))
    }

    /// Another queued or running task on this VM.
    pub fn busy_task(&self, vmid: &str, except: &str) -> Option<String> {
        self.vm(vmid)?
            .recent_tasks
            .iter()
            .find(|t| t.as_str() != except && self.task_pending(t))
            .cloned()
    }

    pub fn next_question_id(&mut self) -> String {
        self.next_question += 1;
        format!("_vmx{}", self.next_question)
    }
}

fn choice(key: &str, label: &str, summary: &str) -> Choice {
    Choice {
        key: key.into(),
        label: label.into(),
        summary: summary.into(),
    }
}

/// The question of a VM marked as moved or copied (real ESX wording).
pub fn uuid_question() -> Question {
    Question {
        id: String::new(),
        message_id: "msg.uuid.altered".into(),
        text: "This virtual machine might have been moved or copied.\nIn order to configure certain management and networking features, VMware ESX needs to know if this virtual machine was moved or copied.\n\nIf you don't know, answer \"I Copied It\".".into(),
        choices: vec![
            choice("0", "button.uuid.cancel", "Cancel"),
            choice("1", "button.uuid.movedTheVM", "I Moved It"),
            choice("2", "button.uuid.copiedTheVM", "I Copied It"),
        ],
        default_index: Some(2),
        task: None,
    }
}

/// The question of a VM whose serial port writes to an existing file.
pub fn serial_question(file: &str) -> Question {
    Question {
        id: String::new(),
        message_id: "msg.serial.file.open".into(),
        text: format!(
            "msg.serial.file.open:The file \"{file}\" that serial port 1 writes to already exists. Do you want to append the new output to it or replace its contents?"
        ),
        choices: vec![
            choice("0", "button.serial.file.append", "Append"),
            choice("1", "button.serial.file.overwrite", "Replace"),
            choice("2", "button.cancel", "Cancel"),
        ],
        default_index: Some(0),
        task: None,
    }
}

/// Questions tests can arm by kind.
pub fn armed_question(kind: &str) -> Option<Question> {
    Some(match kind {
        "uuid" => uuid_question(),
        "serial" => serial_question("/vmfs/volumes/datastore1/test/serial.log"),
        "nochoice" => Question {
            id: String::new(),
            message_id: "msg.hbacommon.locklost".into(),
            text: "The lock protecting the disk was lost.".into(),
            choices: vec![],
            default_index: None,
            task: None,
        },
        // As a host that leaves VirtualMachineQuestionInfo.message out.
        "noid" => Question {
            message_id: String::new(),
            ..uuid_question()
        },
        "badindex" => Question {
            id: String::new(),
            message_id: "msg.hbacommon.outofspace".into(),
            text: "There is no more space for virtual disk 'test.vmdk'. You might be able to continue this session by freeing disk space on the relevant volume, and clicking Retry. Click Cancel to terminate this session.".into(),
            choices: vec![choice("0", "button.retry", "Retry"), choice("1", "button.cancel", "Cancel")],
            default_index: Some(5),
            task: None,
        },
        "cdrom" => Question {
            id: String::new(),
            message_id: "msg.cdromdisconnect.locked".into(),
            text: "The guest operating system has locked the CD-ROM door and is probably using the CD-ROM, which can prevent the guest from recognizing media changes. If possible, eject the CD-ROM from inside the guest before disconnecting. Disconnect anyway and override the lock?".into(),
            choices: vec![choice("0", "button.yes", "Yes"), choice("1", "button.no", "No")],
            default_index: Some(1),
            task: None,
        },
        _ => return None,
    })
}

/// What a task asks before it can run, if anything.
fn question_for(w: &World, vmid: &str, method: &str) -> Option<Question> {
    let vm = w.vm(vmid)?;
    if let Some((m, q)) = vm
        .armed_question
        .as_ref()
        .map(|q| (q.task.clone().unwrap_or_default(), q.clone()))
    {
        if m == method {
            return Some(q);
        }
    }
    if method == "PowerOnVM_Task" && vm.power == Power::Off {
        if vm.uuid_altered {
            return Some(uuid_question());
        }
        if let Some(serial) = &vm.serial_file {
            let exists = w
                .ds_file(&vm.datastore, &format!("{}/{serial}", vm.directory))
                .is_some_and(|p| p.exists());
            if exists {
                return Some(serial_question(&format!(
                    "/vmfs/volumes/{}/{}/{serial}",
                    vm.datastore, vm.directory
                )));
            }
        }
    }
    None
}

/// Starts a task on a VM: queued now, running shortly, then (after any
/// question is answered) `work` runs once the task's duration has passed.
pub fn start_vm_task(
    sh: &Shared,
    w: &mut World,
    vmid: &str,
    method: &str,
    cancelable: bool,
    user: &str,
    work: Work,
) -> Result<Ret, Fault> {
    let Some(vm) = w.vm(vmid) else {
        return Err(Fault::not_found_obj("VirtualMachine", vmid));
    };
    let armed = vm.armed_question.as_ref().and_then(|q| q.task.as_deref()) == Some(method);
    let cancelable =
        cancelable || (armed && vm.armed_cancelable) || w.cancelable_methods.contains(method);
    let t = w.new_task(
        method,
        Some(("VirtualMachine".into(), vmid.to_string())),
        cancelable,
        user,
    );
    w.continuations.insert(t.clone(), work);
    let (tid, vmid, method) = (t.clone(), vmid.to_string(), method.to_string());
    sh.after(Duration::ZERO, move |sh, w| {
        begin(sh, w, &tid, &vmid, &method)
    });
    Ok(Ret::Vals(vec![moref("Task", t)]))
}

/// Starts a task on an object that is not a VM (a folder, a datastore;
/// None for a manager, which is not a ManagedEntity and so cannot be a
/// TaskInfo's entity): queued now, `work` runs once the task's duration
/// has passed.
pub fn start_entity_task(
    sh: &Shared,
    w: &mut World,
    entity: Option<(&str, &str)>,
    method: &str,
    user: &str,
    work: Work,
) -> Result<Ret, Fault> {
    let t = w.new_task(
        method,
        entity.map(|(k, id)| (k.to_string(), id.to_string())),
        false,
        user,
    );
    w.continuations.insert(t.clone(), work);
    let tid = t.clone();
    sh.after(Duration::ZERO, move |sh, w| {
        if !w.task_pending(&tid) {
            w.continuations.remove(&tid);
            return;
        }
        w.task_running(&tid);
        schedule_finish(sh, w, &tid);
    });
    Ok(Ret::Vals(vec![moref("Task", t)]))
}

fn begin(sh: &Shared, w: &mut World, t: &str, vmid: &str, method: &str) {
    log::debug!("task {t} begins");
    if !w.task_pending(t) {
        w.continuations.remove(t);
        return;
    }
    w.task_running(t);
    if let Some(f) = w.fail_next.remove(&(vmid.to_string(), method.to_string())) {
        w.continuations.remove(t);
        w.task_done(t, Err(f));
        return;
    }
    if w.vm(vmid).is_some_and(|v| v.question.is_some()) {
        w.continuations.remove(t);
        w.task_done(
            t,
            Err(Fault::new(
                "InvalidState",
                "The operation is not allowed in the current state: the virtual machine has a question that must be answered first.",
            )),
        );
        return;
    }
    if let Some(other) = w.busy_task(vmid, t) {
        w.continuations.remove(t);
        w.task_done(
            t,
            Err(Fault::new(
                "TaskInProgress",
                "The operation is not allowed in the current state because the virtual machine has another task in progress.",
            )
            .with("task", moref("Task", other))),
        );
        return;
    }
    if let Some(mut q) = question_for(w, vmid, method) {
        q.id = w.next_question_id();
        q.task = Some(t.to_string());
        if let Some(vm) = w.vm_mut(vmid) {
            if vm
                .armed_question
                .as_ref()
                .is_some_and(|a| a.task.as_deref() == Some(method))
            {
                vm.armed_question = None;
            }
            vm.question = Some(q);
        }
        if let Some(task) = w.tasks.get_mut(t) {
            task.progress = Some(0);
        }
        return;
    }
    schedule_finish(sh, w, t);
}

fn schedule_finish(sh: &Shared, w: &mut World, t: &str) {
    let tid = t.to_string();
    sh.after(w.task_ms(), move |sh, w| finish_now(sh, w, &tid));
}

/// Ends a pending task now, as if its duration had passed (also the
/// control `finish_task`, which releases a task a test holds).
pub fn finish_now(sh: &Shared, w: &mut World, tid: &str) {
    if !w.task_pending(tid) {
        w.continuations.remove(tid);
        return;
    }
    let work = w.continuations.remove(tid);
    let result = match work {
        Some(f) => f(sh, w),
        None => Ok(None),
    };
    w.task_done(tid, result);
}

pub fn vm_this(call: &Call) -> Result<&str, Fault> {
    if call.this.0 != "VirtualMachine" {
        return Err(Fault::invalid_argument("_this"));
    }
    Ok(&call.this.1)
}

pub fn power_on_work(vmid: String) -> Work {
    Box::new(move |_sh, w| {
        let vm = w
            .vm_mut(&vmid)
            .ok_or_else(|| Fault::not_found_obj("VirtualMachine", &vmid))?;
        if vm.power == Power::On {
            return Err(Fault::invalid_power_state("poweredOn", Some("poweredOn")));
        }
        vm.power = Power::On;
        vm.boot_time = Some(SystemTime::now());
        vm.tools_running = vm.tools_installed;
        Ok(None)
    })
}

pub fn power_change_work(
    vmid: String,
    from: &'static [Power],
    to: Power,
    requested: &'static str,
) -> Work {
    Box::new(move |_sh, w| {
        let vm = w
            .vm_mut(&vmid)
            .ok_or_else(|| Fault::not_found_obj("VirtualMachine", &vmid))?;
        if !from.contains(&vm.power) {
            return Err(Fault::invalid_power_state(
                vm.power.as_str(),
                Some(requested),
            ));
        }
        vm.power = to;
        vm.tools_running = to == Power::On && vm.tools_installed;
        if to == Power::Off {
            vm.boot_time = None;
        }
        if to == Power::On {
            vm.boot_time = Some(SystemTime::now());
        }
        Ok(None)
    })
}

pub fn guest_op(sh: &Shared, w: &mut World, call: &Call) -> Result<Ret, Fault> {
    let vmid = vm_this(call)?.to_string();
    let vm = w
        .vm(&vmid)
        .ok_or_else(|| Fault::not_found_obj("VirtualMachine", &vmid))?;
    if vm.power != Power::On {
        return Err(Fault::invalid_power_state(vm.power.as_str(), None));
    }
    if !vm.tools_running {
        return Err(Fault::new(
            "ToolsUnavailable",
            "Cannot complete operation because VMware Tools is not running in this virtual machine.",
        ));
    }
    let reboot = call.method == "RebootGuest";
    sh.after(w.task_ms(), move |_sh, w| {
        if let Some(vm) = w.vm_mut(&vmid) {
            if vm.power != Power::On {
                return;
            }
            if reboot {
                vm.boot_time = Some(SystemTime::now());
            } else {
                vm.power = Power::Off;
                vm.tools_running = false;
                vm.boot_time = None;
            }
        }
    });
    Ok(Ret::None)
}

pub fn answer_vm(sh: &Shared, w: &mut World, call: &Call) -> Result<Ret, Fault> {
    let vmid = vm_this(call)?.to_string();
    let qid = call.req_str("questionId")?;
    let key = call.req_str("answerChoice")?;
    let vm = w
        .vm(&vmid)
        .ok_or_else(|| Fault::not_found_obj("VirtualMachine", &vmid))?;
    let q = match &vm.question {
        Some(q) if q.id == qid => q.clone(),
        _ => return Err(Fault::invalid_argument("questionId")),
    };
    let chosen = q
        .choices
        .iter()
        .find(|c| c.key == key)
        .cloned()
        .ok_or_else(|| Fault::invalid_argument("answerChoice"))?;
    let task = q.task.clone().unwrap_or_default();
    if let Some(vm) = w.vm_mut(&vmid) {
        vm.question = None;
    }
    if chosen.label.contains("cancel") {
        w.continuations.remove(&task);
        w.task_done(
            &task,
            Err(Fault::new(
                "RequestCanceled",
                format!(
                    "The operation was canceled: question '{}' was answered '{}'.",
                    q.message_id, chosen.summary
                ),
            )),
        );
        return Ok(Ret::None);
    }
    match (q.message_id.as_str(), chosen.label.as_str()) {
        ("msg.uuid.altered", label) => {
            if let Some(vm) = w.vm_mut(&vmid) {
                vm.uuid_altered = false;
                if label == "button.uuid.copiedTheVM" {
                    let seed = vm.id * 7919 + 17;
                    vm.uuid = format!(
                        "564d{:04x}-{:04x}-{:04x}-{:04x}-{:012x}",
                        seed & 0xffff,
                        (seed >> 3) & 0xffff,
                        (seed >> 5) & 0xffff,
                        (seed >> 7) & 0xffff,
                        seed.wrapping_mul(0x9E37_79B9) & 0xffff_ffff_ffff
                    );
                    for (i, n) in vm.nics.iter_mut().enumerate() {
                        n.mac = format!(
                            "00:0c:29:{:02x}:{:02x}:{:02x}",
                            (seed >> 8) & 0xff,
                            seed & 0xff,
                            (i + 0x80) & 0xff
                        );
                    }
                }
            }
        }
        ("msg.serial.file.open", "button.serial.file.overwrite") => {
            let path = w.vm(&vmid).and_then(|vm| {
                vm.serial_file
                    .as_ref()
                    .and_then(|f| w.ds_file(&vm.datastore, &format!("{}/{f}", vm.directory)))
            });
            if let Some(p) = path {
                let _ = std::fs::write(p, b"");
            }
        }
        _ => {}
    }
    if w.task_pending(&task) {
        schedule_finish(sh, w, &task);
    }
    Ok(Ret::None)
}

pub fn cancel_task(w: &mut World, call: &Call) -> Result<Ret, Fault> {
    let tid = call.this.1.clone();
    let t = w
        .tasks
        .get(&tid)
        .ok_or_else(|| Fault::not_found_obj("Task", &tid))?;
    if !matches!(t.state, TaskState::Queued | TaskState::Running) {
        return Err(Fault::new(
            "InvalidState",
            "The task has already completed and cannot be canceled.",
        ));
    }
    if !t.cancelable {
        return Err(Fault::new("NotSupported", "The task cannot be canceled."));
    }
    if let Some((_, vmid)) = t.entity.clone() {
        if let Some(vm) = w.vm_mut(&vmid) {
            if vm.question.as_ref().and_then(|q| q.task.as_deref()) == Some(tid.as_str()) {
                vm.question = None;
            }
        }
    }
    w.continuations.remove(&tid);
    if let Some(t) = w.tasks.get_mut(&tid) {
        t.cancelled = true;
    }
    w.task_done(
        &tid,
        Err(Fault::new(
            "RequestCanceled",
            "The task was canceled by a user.",
        )),
    );
    Ok(Ret::None)
}
