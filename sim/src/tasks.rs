// SPDX-License-Identifier: LGPL-2.1-or-later
//! Tasks and the methods that start them: the VM power state machine,
//! questions (AnswerVM), CancelTask, guest operations through VMware Tools.

use std::time::{Duration, Instant, SystemTime};

use esx_vi::vim25::{
    self, AnswerVMRequest, AnyTaskReason, TaskInfo, TaskInfoState, TaskReasonUser,
    VirtualMachinePowerState as Power,
};
use esx_vi::{MoRef, Value};

use crate::clock::format_datetime;
use crate::fault::Fault;
use crate::methods::Ctx;
use crate::objects::task::Task;
use crate::objects::vm::{Choice, Question};
use crate::server::Shared;
use crate::soap::Ret;
use crate::world::{task_ref, vm_ref, World};

/// The work a task does when it completes: its result or its fault.
pub type Work = Box<dyn FnOnce(&Shared, &mut World) -> Result<Option<Value>, Fault> + Send>;

/// The descriptionId ESX gives a method's tasks.
fn description_id(method: &str) -> &'static str {
    match method {
        "PowerOnVM_Task" => "VirtualMachine.powerOn",
        "PowerOffVM_Task" => "VirtualMachine.powerOff",
        "SuspendVM_Task" => "VirtualMachine.suspend",
        "ResetVM_Task" => "VirtualMachine.reset",
        "CreateScreenshot_Task" => "VirtualMachine.createScreenshot",
        "ReconfigVM_Task" => "VirtualMachine.reconfigure",
        "CreateSnapshot_Task" => "VirtualMachine.createSnapshot",
        "RevertToSnapshot_Task" => "vm.Snapshot.revert",
        "RemoveSnapshot_Task" => "vm.Snapshot.remove",
        "RegisterVM_Task" => "Folder.registerVm",
        "Destroy_Task" => "VirtualMachine.destroy",
        _ => "VirtualMachine.busy",
    }
}

impl World {
    pub fn task_ms(&self) -> Duration {
        Duration::from_millis(self.cfg.task_ms)
    }

    pub fn task(&self, moid: &str) -> Option<&Task> {
        self.objects.typed::<Task>(&task_ref(moid))
    }

    pub fn task_mut(&mut self, moid: &str) -> Option<&mut Task> {
        self.objects.typed_mut::<Task>(&task_ref(moid))
    }

    /// Creates a queued task on `vm` (a VM moid) or on another entity.
    pub fn new_task(
        &mut self,
        method: &str,
        entity: Option<MoRef>,
        cancelable: bool,
        user: &str,
    ) -> String {
        let desc = description_id(method);
        let n = self.next_task;
        self.next_task += 1;
        let vmid = entity
            .as_ref()
            .filter(|m| m.kind == "VirtualMachine")
            .map(|m| m.value.clone())
            .unwrap_or_else(|| "0".into());
        let moid = format!("haTask-{vmid}-vim.{desc}-{}", 1000 + n);
        let entity_name = entity.as_ref().and_then(|m| match m.kind.as_str() {
            "VirtualMachine" => self.vm(&m.value).map(|v| v.name.clone()),
            "Datastore" => self
                .datastores()
                .find(|d| d.moref == *m)
                .map(|d| d.name.clone()),
            _ => None,
        });
        let task = Task {
            moref: task_ref(&moid),
            mo: vim25::Task {
                info: TaskInfo {
                    key: moid.clone(),
                    task: task_ref(&moid),
                    name: Some(method.to_string()),
                    description_id: desc.to_string(),
                    entity: entity.clone(),
                    entity_name,
                    locked: Vec::new(),
                    state: TaskInfoState::Queued,
                    cancelled: false,
                    cancelable,
                    error: None,
                    result: None,
                    progress: None,
                    reason: AnyTaskReason::TaskReasonUser(TaskReasonUser {
                        user_name: user.to_string(),
                    }),
                    queue_time: format_datetime(SystemTime::now()),
                    start_time: None,
                    complete_time: None,
                    event_chain_id: 1000 + n as i32,
                },
                ..Default::default()
            },
            finished_at: None,
        };
        self.objects.register(task);
        if let Some(m) = &entity {
            if m.kind == "VirtualMachine" {
                if let Some(vm) = self.vm_mut(&m.value) {
                    vm.recent_tasks.push(moid.clone());
                }
            }
        }
        self.prune_tasks();
        moid
    }

    /// Forgets tasks that ended more than ten minutes ago.
    fn prune_tasks(&mut self) {
        let old: Vec<MoRef> = self
            .objects
            .all::<Task>("Task")
            .filter(|t| {
                t.finished_at
                    .is_some_and(|f| f.elapsed() > Duration::from_secs(600))
            })
            .map(|t| t.moref.clone())
            .collect();
        for m in &old {
            self.objects.remove(m);
        }
        if !old.is_empty() {
            let vms: Vec<MoRef> = self.vms().map(|v| v.moref.clone()).collect();
            for v in vms {
                if let Some(vm) = self.vm_mut(&v.value) {
                    vm.recent_tasks
                        .retain(|t| !old.iter().any(|o| &o.value == t));
                }
            }
        }
    }

    pub fn task_running(&mut self, moid: &str) {
        if let Some(t) = self.task_mut(moid) {
            let info = t.info_mut();
            if info.state == TaskInfoState::Queued {
                info.state = TaskInfoState::Running;
                info.start_time = Some(format_datetime(SystemTime::now()));
                // A progress a test set while the task was queued stays.
                info.progress = info.progress.or(Some(0));
            }
        }
    }

    pub fn task_done(&mut self, moid: &str, result: Result<Option<Value>, Fault>) {
        if let Some(t) = self.task_mut(moid) {
            if !t.is_pending() {
                return;
            }
            let info = t.info_mut();
            match result {
                Ok(r) => {
                    info.state = TaskInfoState::Success;
                    info.result = r;
                }
                Err(f) => {
                    info.state = TaskInfoState::Error;
                    info.error = Some(f.localized());
                }
            }
            info.progress = None;
            info.complete_time = Some(format_datetime(SystemTime::now()));
            t.finished_at = Some(Instant::now());
        }
    }

    pub fn task_pending(&self, moid: &str) -> bool {
        self.task(moid).is_some_and(Task::is_pending)
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
    if let Some(q) = vm
        .armed_question
        .as_ref()
        .filter(|q| q.task.as_deref() == Some(method))
    {
        return Some(q.clone());
    }
    if method == "PowerOnVM_Task" && vm.power() == Power::PoweredOff {
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
        return Err(Fault::not_found_obj(&vm_ref(vmid)));
    };
    let armed = vm.armed_question.as_ref().and_then(|q| q.task.as_deref()) == Some(method);
    let cancelable =
        cancelable || (armed && vm.armed_cancelable) || w.cancelable_methods.contains(method);
    let t = w.new_task(method, Some(vm_ref(vmid)), cancelable, user);
    w.continuations.insert(t.clone(), work);
    let (tid, vmid, method) = (t.clone(), vmid.to_string(), method.to_string());
    sh.after(Duration::ZERO, move |sh, w| {
        begin(sh, w, &tid, &vmid, &method)
    });
    Ok(Ret::of(task_ref(&t)))
}

/// Starts a task on an object that is not a VM (a folder, a datastore;
/// None for a manager, which is not a ManagedEntity and so cannot be a
/// TaskInfo's entity): queued now, `work` runs once the task's duration
/// has passed.
pub fn start_entity_task(
    sh: &Shared,
    w: &mut World,
    entity: Option<MoRef>,
    method: &str,
    user: &str,
    work: Work,
) -> Result<Ret, Fault> {
    let t = w.new_task(method, entity, false, user);
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
    Ok(Ret::of(task_ref(&t)))
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
            Err(Fault::typed(
                vim25::InvalidState {},
                "The operation is not allowed in the current state: the virtual machine has a question that must be answered first.",
            )),
        );
        return;
    }
    if let Some(other) = w.busy_task(vmid, t) {
        w.continuations.remove(t);
        w.task_done(
            t,
            Err(Fault::typed(
                vim25::TaskInProgress {
                    task: task_ref(&other),
                },
                "The operation is not allowed in the current state because the virtual machine has another task in progress.",
            )),
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
            vm.set_question(Some(q));
        }
        if let Some(task) = w.task_mut(t) {
            task.info_mut().progress = Some(0);
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

fn vm_gone(vmid: &str) -> Fault {
    Fault::not_found_obj(&vm_ref(vmid))
}

pub fn power_on_work(vmid: String) -> Work {
    Box::new(move |_sh, w| {
        let vm = w.vm_mut(&vmid).ok_or_else(|| vm_gone(&vmid))?;
        if vm.power() == Power::PoweredOn {
            return Err(Fault::invalid_power_state(
                &Power::PoweredOn,
                Some(Power::PoweredOn),
            ));
        }
        vm.set_power(Power::PoweredOn);
        Ok(None)
    })
}

pub fn power_change_work(vmid: String, from: Vec<Power>, to: Power, requested: Power) -> Work {
    Box::new(move |_sh, w| {
        let vm = w.vm_mut(&vmid).ok_or_else(|| vm_gone(&vmid))?;
        if !from.contains(&vm.power()) {
            return Err(Fault::invalid_power_state(&vm.power(), Some(requested)));
        }
        vm.set_power(to);
        Ok(None)
    })
}

pub fn tools_unavailable() -> Fault {
    Fault::typed(
        vim25::ToolsUnavailable {},
        "Cannot complete operation because VMware Tools is not running in this virtual machine.",
    )
}

/// ShutdownGuest, RebootGuest, StandbyGuest: asked of VMware Tools, done
/// after the task time (no task).
pub fn guest_op(c: &mut Ctx, reboot: bool) -> Result<Ret, Fault> {
    let vmid = c.call.this.value.clone();
    let vm = c.w.vm(&vmid).ok_or_else(|| vm_gone(&vmid))?;
    if vm.power() != Power::PoweredOn {
        return Err(Fault::invalid_power_state(&vm.power(), None));
    }
    if !vm.tools_running {
        return Err(tools_unavailable());
    }
    c.sh.after(c.w.task_ms(), move |_sh, w| {
        if let Some(vm) = w.vm_mut(&vmid) {
            if vm.power() != Power::PoweredOn {
                return;
            }
            if reboot {
                vm.set_booted(Some(SystemTime::now()));
            } else {
                vm.set_power(Power::PoweredOff);
            }
        }
    });
    Ok(Ret::None)
}

pub fn answer_vm(c: &mut Ctx, req: AnswerVMRequest) -> Result<Ret, Fault> {
    let vmid = c.call.this.value.clone();
    let (sh, w) = (c.sh, &mut *c.w);
    let vm = w.vm(&vmid).ok_or_else(|| vm_gone(&vmid))?;
    let q = match &vm.question {
        Some(q) if q.id == req.question_id => q.clone(),
        _ => return Err(Fault::invalid_argument("questionId")),
    };
    let chosen = q
        .choices
        .iter()
        .find(|c| c.key == req.answer_choice)
        .cloned()
        .ok_or_else(|| Fault::invalid_argument("answerChoice"))?;
    let task = q.task.clone().unwrap_or_default();
    if let Some(vm) = w.vm_mut(&vmid) {
        vm.set_question(None);
    }
    if chosen.label.contains("cancel") {
        w.continuations.remove(&task);
        w.task_done(
            &task,
            Err(Fault::typed(
                vim25::RequestCanceled {},
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
            let seed = w.vm(&vmid).map_or(0, |vm| vm.id * 7919 + 17);
            if let Some(vm) = w.vm_mut(&vmid) {
                vm.clear_uuid_altered();
            }
            if label == "button.uuid.copiedTheVM" {
                w.set_vm_uuid(
                    &vmid,
                    &format!(
                        "564d{:04x}-{:04x}-{:04x}-{:04x}-{:012x}",
                        seed & 0xffff,
                        (seed >> 3) & 0xffff,
                        (seed >> 5) & 0xffff,
                        (seed >> 7) & 0xffff,
                        seed.wrapping_mul(0x9E37_79B9) & 0xffff_ffff_ffff
                    ),
                );
                if let Some(vm) = w.vm_mut(&vmid) {
                    vm.set_macs(|i| {
                        format!(
                            "00:0c:29:{:02x}:{:02x}:{:02x}",
                            (seed >> 8) & 0xff,
                            seed & 0xff,
                            (i + 0x80) & 0xff
                        )
                    });
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

pub fn cancel_task(c: &mut Ctx) -> Result<Ret, Fault> {
    let tid = c.call.this.value.clone();
    let w = &mut *c.w;
    let t = w
        .task(&tid)
        .ok_or_else(|| Fault::not_found_obj(&task_ref(&tid)))?;
    if !t.is_pending() {
        return Err(Fault::typed(
            vim25::InvalidState {},
            "The task has already completed and cannot be canceled.",
        ));
    }
    if !t.info().cancelable {
        return Err(Fault::typed(
            vim25::NotSupported {},
            "The task cannot be canceled.",
        ));
    }
    if let Some(vm_ref) = t.info().entity.clone() {
        if let Some(vm) = w.vm_mut(&vm_ref.value) {
            if vm.question.as_ref().and_then(|q| q.task.as_deref()) == Some(tid.as_str()) {
                vm.set_question(None);
            }
        }
    }
    w.continuations.remove(&tid);
    if let Some(t) = w.task_mut(&tid) {
        t.info_mut().cancelled = true;
    }
    w.task_done(
        &tid,
        Err(Fault::typed(
            vim25::RequestCanceled {},
            "The task was canceled by a user.",
        )),
    );
    Ok(Ret::None)
}
