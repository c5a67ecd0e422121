// SPDX-License-Identifier: LGPL-2.1-or-later
//! The task runner and the question policy (docs/design.md section 4).
//!
//! Every task-starting operation goes through [`run_vm_task`]:
//!
//! 1. one RetrievePropertiesEx reads the VM's `runtime.question`, its
//!    `recentTask` with each task's state, and whatever the caller needs to
//!    check (the power state): a pending question is reported or answered and
//!    the new task is not started; another pending task also stops it;
//! 2. the task is started;
//! 3. one property filter, on a private collector, watches the task's
//!    `info.state`/`info.error`/`info.result`/`info.cancelable` and the VM's
//!    `runtime.question`; WaitForUpdatesEx returns as soon as either changes.
//!    A question is answered (auto_answer=1 or the handler's choice) and the
//!    wait goes on, or it is reported and the task cancelled when it can be;
//! 4. the filter is destroyed on every path and the collector reused.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use super::methods;
use super::property::{self, Filter, ObjectSpec, PropertyFilterSpec, PropertySpec, TraversalSpec};
use super::session::Client;
use super::types::{
    Fault, LocalizedMethodFault, MoRef, ObjectContent, ObjectUpdateKind, Question, TaskInfoState,
    Value,
};
use crate::error::{Code, Error, Result};
use crate::fault::FaultOf;
use crate::wire::FromValue;

/// How long one WaitForUpdatesEx may be held open by the host. Completion
/// arrives as soon as it happens; this only bounds each request.
const WAIT_SLICE: Duration = Duration::from_secs(60);

/// Pauses after WaitForUpdatesEx answers "no change" much sooner than it
/// was asked to wait, doubling from 50 ms to 2 s: a broken host then costs
/// a request every two seconds instead of thousands per second.
#[derive(Debug, Default)]
struct Backoff {
    pause: Option<Duration>,
}

impl Backoff {
    const FIRST: Duration = Duration::from_millis(50);
    const MAX: Duration = Duration::from_secs(2);

    fn after_empty(&mut self, took: Duration, asked: Duration) {
        if took * 2 >= asked {
            // The host held the wait as asked: nothing to correct.
            self.pause = None;
            return;
        }
        let pause = self.pause.map_or(Self::FIRST, |p| (p * 2).min(Self::MAX));
        self.pause = Some(pause);
        log::debug!(
            "WaitForUpdatesEx answered 'no change' after {took:?} instead of waiting up to \
             {asked:?}; pausing {pause:?}"
        );
        std::thread::sleep(pause);
    }

    fn reset(&mut self) {
        self.pause = None;
    }
}

/// Who decides questions: the URI's auto_answer, or a handler.
pub trait QuestionPolicy {
    /// The index of the choice to answer with, or None to refuse.
    fn decide(&self, question: &Question) -> Option<usize>;
    /// For messages and logs: "auto_answer=1", "the question handler".
    fn name(&self) -> String;
    /// Why this policy could not consider `question` the way its user may
    /// expect (said in the error when it is not answered).
    fn caveat(&self, _question: &Question) -> Option<String> {
        None
    }
}

/// The URI's `auto_answer`: 1 answers with the default choice, 0 refuses.
pub struct AutoAnswer(pub bool);

impl QuestionPolicy for AutoAnswer {
    fn decide(&self, q: &Question) -> Option<usize> {
        if self.0 {
            q.default_index
        } else {
            None
        }
    }

    fn name(&self) -> String {
        format!("auto_answer={}", self.0 as u8)
    }
}

/// What the policy says about a question, after validation.
enum Decision {
    Answer(usize),
    /// Not answered; the text says why (for the error).
    Refuse(String, Code),
}

fn decide(policy: &dyn QuestionPolicy, q: &Question) -> Decision {
    if q.choices.is_empty() {
        return Decision::Refuse(
            "it offers no answers, so none can be chosen".into(),
            Code::OperationInvalid,
        );
    }
    if let Some(d) = q.default_index {
        if d >= q.choices.len() {
            // A broken default is reported, never guessed, even when a
            // handler might pick something else: the host's data is wrong.
            return Decision::Refuse(
                format!(
                    "its default answer index {d} is out of range for {} answers, so it is not answered",
                    q.choices.len()
                ),
                Code::OperationInvalid,
            );
        }
    }
    match policy.decide(q) {
        Some(i) if i < q.choices.len() => Decision::Answer(i),
        Some(i) => Decision::Refuse(
            format!(
                "{} chose answer index {i}, but the question has only {} answers",
                policy.name(),
                q.choices.len()
            ),
            Code::InvalidArg,
        ),
        None if q.default_index.is_none() && policy.name() == "auto_answer=1" => Decision::Refuse(
            "it has no default answer, so auto_answer=1 cannot answer it".into(),
            Code::OperationInvalid,
        ),
        None => Decision::Refuse(
            match policy.caveat(q) {
                Some(c) => format!("{} did not answer it ({c})", policy.name()),
                None => format!("{} did not answer it", policy.name()),
            },
            Code::OperationInvalid,
        ),
    }
}

/// Answers a question and logs what was answered.
fn answer(
    client: &Client,
    vm: &MoRef,
    who: &str,
    q: &Question,
    index: usize,
    policy: &dyn QuestionPolicy,
) -> Result<()> {
    let c = &q.choices[index];
    methods::answer_vm(client, vm, &q.id, &c.key).map_err(|e| {
        e.context(format!(
            "Answering question [{}] of {who} with key {} failed",
            q.id, c.key
        ))
    })?;
    log::info!(
        "answered question [{}] '{}' of {who} with '{}' (key {}, label {}) as {} says",
        q.id,
        q.text,
        if c.summary.is_empty() {
            &c.label
        } else {
            &c.summary
        },
        c.key,
        c.label,
        policy.name()
    );
    Ok(())
}

/// A task found queued or running on the VM.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingTask {
    pub task: MoRef,
    pub description_id: String,
    pub state: TaskInfoState,
}

/// What the check before a task read, in one round trip.
#[derive(Debug, Clone)]
pub struct Precheck {
    /// The VM, with the properties the caller asked for.
    pub vm: ObjectContent,
    pub question: Option<Question>,
    pub pending: Vec<PendingTask>,
    /// Every recent task of the VM (to recognise a task that a dropped
    /// request started).
    pub recent: Vec<MoRef>,
    /// The VM properties the caller asked for (to read them again).
    pub paths: Vec<String>,
}

/// Reads the VM (with `extra` properties), its pending question and its
/// recent tasks' states in one RetrievePropertiesEx. None when the VM is gone.
pub fn precheck(client: &Client, vm: &MoRef, extra: &[&str]) -> Result<Option<Precheck>> {
    let mut paths: Vec<&str> = extra.to_vec();
    paths.extend(["runtime.question", "recentTask"]);
    let spec = PropertyFilterSpec::new(
        vec![
            PropertySpec::new("VirtualMachine", &paths),
            PropertySpec::new(
                "Task",
                &[
                    "info.state",
                    "info.descriptionId",
                    "info.name",
                    "info.cancelled",
                ],
            ),
        ],
        vec![ObjectSpec::traversing(
            vm,
            false,
            vec![
                TraversalSpec::new("vmToRecentTask", "VirtualMachine", "recentTask")
                    .into_selection(),
            ],
        )],
    );
    let objects = match property::retrieve(client, &spec) {
        Ok(o) => o,
        Err(e) if e.is_fault(&Fault::ManagedObjectNotFound) => return Ok(None),
        Err(e) => return Err(e),
    };
    let Some(vm_obj) = objects.iter().find(|o| &o.obj == vm).cloned() else {
        return Ok(None);
    };
    let question = vm_obj
        .prop("runtime.question")
        .map(Question::from_value)
        .transpose()?;
    let pending = objects
        .iter()
        .filter(|o| o.obj.kind == "Task")
        .filter_map(|o| {
            let state = TaskInfoState::parse(o.str_prop("info.state")?);
            // A task being cancelled is on its way out; it is not what a
            // question blocks, nor something to wait for.
            let cancelled = o.bool_prop("info.cancelled").unwrap_or(false);
            (state.is_pending() && !cancelled).then(|| PendingTask {
                task: o.obj.clone(),
                description_id: o.str_prop("info.descriptionId").unwrap_or("").to_string(),
                state,
            })
        })
        .collect();
    let recent = objects
        .iter()
        .filter(|o| o.obj.kind == "Task")
        .map(|o| o.obj.clone())
        .collect();
    Ok(Some(Precheck {
        vm: vm_obj,
        question,
        pending,
        recent,
        paths: extra.iter().map(|p| p.to_string()).collect(),
    }))
}

/// What the check before a task decided.
#[derive(Debug, Clone, PartialEq)]
pub enum Clearance {
    /// Nothing stands in the way.
    Clear,
    /// A question with no task behind it was answered; the VM may have
    /// changed, so the caller reads it again before starting.
    Answered,
}

/// Applies the policy to what the precheck found.
///
/// A question with a queued or running task behind it is answered or
/// reported, and either way the new task is not started (the blocked task
/// may already do what was asked). A question with no task behind it is
/// answered and the new task may start ([`Clearance::Answered`]), or
/// reported. Another pending task also stops the new one.
pub fn clear_to_start(
    client: &Client,
    pre: &Precheck,
    policy: &dyn QuestionPolicy,
    who: &str,
) -> Result<Clearance> {
    let blocked = pre.pending.first();
    let blocked_name =
        |t: &PendingTask| format!("the earlier task {} ({})", t.description_id, t.task.value);
    if let Some(q) = &pre.question {
        return match (decide(policy, q), blocked) {
            (Decision::Answer(i), Some(t)) => {
                answer(client, &pre.vm.obj, who, q, i, policy)?;
                let c = &q.choices[i];
                Err(Error::operation_invalid(format!(
                    "{who} was blocked by {}. It was answered with '{}' (key {}) as {} says; {} that \
                     asked it is still in progress, so the new task was not started. Try again when it \
                     has finished",
                    q.describe(),
                    if c.summary.is_empty() { &c.label } else { &c.summary },
                    c.key,
                    policy.name(),
                    blocked_name(t)
                )))
            }
            (Decision::Answer(i), None) => {
                answer(client, &pre.vm.obj, who, q, i, policy)?;
                log::info!(
                    "no task was waiting for the question of {who}; starting the requested task now"
                );
                Ok(Clearance::Answered)
            }
            (Decision::Refuse(why, code), blocked) => Err(Error::new(
                code,
                format!(
                    "Pending question blocks {who}: {}. It was not answered: {why}. The new task was not \
                     started{}",
                    q.describe(),
                    match blocked {
                        Some(t) => format!("; {} is still waiting for an answer", blocked_name(t)),
                        None => String::new(),
                    }
                ),
            )),
        };
    }
    if let Some(t) = blocked {
        return Err(Error::operation_invalid(format!(
            "another task is pending for {who}: {} ({}) is {}; try again when it has finished",
            t.description_id,
            t.task.value,
            match t.state {
                TaskInfoState::Queued => "queued",
                _ => "running",
            }
        )));
    }
    Ok(Clearance::Clear)
}

/// How a task ended.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskOutcome {
    pub task: MoRef,
    /// The VM the task ran on (the MoRef may have been looked up again).
    pub vm: MoRef,
    /// `info.result` (e.g. the new VM of RegisterVM_Task).
    pub result: Option<Value>,
    /// The questions answered while waiting: (question, chosen index).
    pub answered: Vec<(Question, usize)>,
}

/// Waits for a started task, handling the VM's questions as `policy` says.
/// `what` names the operation for errors ("start domain 'web1'").
pub fn wait_for_task(
    client: &Client,
    task: &MoRef,
    vm: Option<&MoRef>,
    policy: &dyn QuestionPolicy,
    who: &str,
    what: &str,
) -> Result<TaskOutcome> {
    let collector = client.take_collector()?;
    let outcome = watch(client, &collector, task, vm, policy, who, what);
    match &outcome {
        Err(e)
            if e.is_fault(&Fault::ManagedObjectNotFound)
                || e.is_fault(&Fault::NotAuthenticated) =>
        {
            // The collector may be gone with an old session; do not reuse it.
        }
        _ => client.return_collector(collector),
    }
    outcome
}

fn watch(
    client: &Client,
    collector: &MoRef,
    task: &MoRef,
    vm: Option<&MoRef>,
    policy: &dyn QuestionPolicy,
    who: &str,
    what: &str,
) -> Result<TaskOutcome> {
    let mut props = vec![PropertySpec::new(
        "Task",
        &["info.state", "info.error", "info.result", "info.cancelable"],
    )];
    let mut objects = vec![ObjectSpec::object(task)];
    if let Some(vm) = vm {
        props.push(PropertySpec::new("VirtualMachine", &["runtime.question"]));
        objects.push(ObjectSpec::object(vm));
    }
    // Past this point the task exists on the host: an error that is not the
    // task's own outcome says so, and names it, so that nobody retries an
    // operation that may still complete.
    let started = |e: Error| {
        e.context(format!(
            "Could not {what}: the task {} was started on the host, but waiting for it failed; \
             it may still complete (look at the recent tasks of {who} before trying again)",
            task.value
        ))
    };
    let mut filter = Filter::create(client, collector, &PropertyFilterSpec::new(props, objects))
        .map_err(started)?;
    let mut values: HashMap<String, Option<Value>> = HashMap::new();
    let mut handled: HashSet<String> = HashSet::new();
    let mut answered = Vec::new();
    let deadline = Instant::now() + client.task_timeout();
    let mut backoff = Backoff::default();
    loop {
        let now = Instant::now();
        if now >= deadline {
            return Err(Error::operation_timeout(format!(
                "Could not {what}: the task {} did not end within task_timeout={}s; it was left \
                 running on the host (not cancelled)",
                task.value,
                client.task_timeout().as_secs()
            )));
        }
        let slice = WAIT_SLICE.min(deadline - now);
        let asked = Instant::now();
        let Some(set) = filter.wait(slice).map_err(started)? else {
            // "Nothing changed" well before the wait we asked for is not how
            // a host answers; do not turn it into a busy loop.
            backoff.after_empty(asked.elapsed(), slice);
            continue;
        };
        backoff.reset();
        for o in set.objects() {
            if o.kind == ObjectUpdateKind::Leave && &o.obj == task {
                return Err(Error::operation_failed(format!(
                    "Could not {what}: the host dropped the task {} before it ended",
                    task.value
                )));
            }
            for c in &o.change_set {
                values.insert(c.name.clone(), c.val.clone());
            }
        }
        let state = values
            .get("info.state")
            .and_then(|v| v.as_ref())
            .and_then(Value::text)
            .map(TaskInfoState::parse);
        match state {
            Some(TaskInfoState::Success) => {
                return Ok(TaskOutcome {
                    task: task.clone(),
                    vm: vm.cloned().unwrap_or_else(|| task.clone()),
                    result: values.get("info.result").cloned().flatten(),
                    answered,
                })
            }
            Some(TaskInfoState::Error) => {
                let fault = values
                    .get("info.error")
                    .and_then(|v| v.as_ref())
                    .map(LocalizedMethodFault::from_value)
                    .transpose()
                    .map_err(|e| e.context(format!("Could not {what}: the task failed")))?;
                return Err(match fault {
                    Some(f) => f.to_error(&format!("Could not {what}")),
                    None => Error::operation_failed(format!(
                        "Could not {what}: the task failed without details"
                    )),
                });
            }
            _ => {}
        }
        let Some(q) = values
            .get("runtime.question")
            .and_then(|v| v.as_ref())
            .map(Question::from_value)
            .transpose()?
        else {
            continue;
        };
        if handled.contains(&q.id) {
            continue;
        }
        let Some(vm) = vm else { continue };
        match decide(policy, &q) {
            Decision::Answer(i) => {
                answer(client, vm, who, &q, i, policy).map_err(started)?;
                handled.insert(q.id.clone());
                answered.push((q, i));
            }
            Decision::Refuse(why, code) => {
                let cancelable = values
                    .get("info.cancelable")
                    .and_then(|v| v.as_ref())
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                let fate = if cancelable {
                    match methods::cancel_task(client, task) {
                        Ok(()) => "The task was cancelled".to_string(),
                        Err(e) => format!("Cancelling the task failed: {e}"),
                    }
                } else {
                    format!(
                        "The task ({}) cannot be cancelled and is left blocked by the question until someone \
                         answers it",
                        task.value
                    )
                };
                return Err(Error::new(
                    code,
                    format!("Could not {what}: {who} is blocked by {}. It was not answered: {why}. {fate}", q.describe()),
                ));
            }
        }
    }
}

/// Runs one task on a VM under the question policy: the precheck (one
/// request, which also returns the VM's `extra` properties for `check`),
/// then `start`, then the wait. Never duplicated per operation.
#[allow(clippy::too_many_arguments)]
pub fn run_vm_task(
    client: &Client,
    vm: &MoRef,
    extra: &[&str],
    policy: &dyn QuestionPolicy,
    who: &str,
    what: &str,
    check: impl FnOnce(&ObjectContent) -> Result<()>,
    start: impl FnOnce(&Client, &MoRef) -> Result<MoRef>,
) -> Result<TaskOutcome> {
    let pre = precheck(client, vm, extra)?
        .ok_or_else(|| Error::no_domain(format!("{who} no longer exists")))?;
    run_prechecked(client, &pre, policy, who, what, check, start)
}

/// The part of run_vm_task after the precheck, for callers that confirm
/// the VM's identity from the precheck first.
pub fn run_prechecked(
    client: &Client,
    pre: &Precheck,
    policy: &dyn QuestionPolicy,
    who: &str,
    what: &str,
    check: impl FnOnce(&ObjectContent) -> Result<()>,
    start: impl FnOnce(&Client, &MoRef) -> Result<MoRef>,
) -> Result<TaskOutcome> {
    let reread;
    let pre = match clear_to_start(client, pre, policy, who)? {
        Clearance::Clear => pre,
        Clearance::Answered => {
            let extra: Vec<&str> = pre.paths.iter().map(String::as_str).collect();
            reread = precheck(client, &pre.vm.obj, &extra)?
                .ok_or_else(|| Error::no_domain(format!("{who} no longer exists")))?;
            if reread.question.is_some() || !reread.pending.is_empty() {
                // Answering set something in motion: leave it be.
                clear_to_start(client, &reread, &AutoAnswer(false), who)?;
            }
            &reread
        }
    };
    check(&pre.vm)?;
    let vm = &pre.vm.obj;
    let task = match start(client, vm) {
        Ok(t) => t,
        // No SOAP answer: the request may or may not have reached the host.
        // It is never sent again blindly; the VM's recent tasks tell.
        Err(e) if e.vi_fault().is_none() && matches!(e.code(), Code::Rpc | Code::HttpError) => {
            adopt_after_drop(client, pre, who, what, e)?
        }
        Err(e) => return Err(e),
    };
    wait_for_task(client, &task, Some(vm), policy, who, what)
}

/// After a task-starting request got no answer: a task the VM did not have
/// before is the one we started, and is waited for (said at warning
/// level); none means the host never started it, which the error says.
fn adopt_after_drop(
    client: &Client,
    pre: &Precheck,
    who: &str,
    what: &str,
    e: Error,
) -> Result<MoRef> {
    let vm = &pre.vm.obj;
    let now = precheck(client, vm, &[]).map_err(|e2| {
        e.clone().context(format!(
            "Could not {what}: the request got no answer, and whether {who} started the task could not be \
             checked either ({e2}); look at the VM's recent tasks before trying again"
        ))
    })?;
    let new: Vec<MoRef> = now
        .map(|n| {
            n.recent
                .into_iter()
                .filter(|t| !pre.recent.contains(t))
                .collect()
        })
        .unwrap_or_default();
    match new.as_slice() {
        [task] => {
            log::warn!(
                "{what}: the request got no answer ({e}), but {who} did start the task ({task}); waiting for it \
                 instead of sending the request again"
            );
            Ok(task.clone())
        }
        [] => Err(e.context(format!(
            "Could not {what}: the request got no answer and {who} has no new task, so the operation was not \
             started; it is safe to try again"
        ))),
        many => Err(e.context(format!(
            "Could not {what}: the request got no answer and {who} now has {} new tasks; look at them before \
             trying again",
            many.len()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Choice;

    fn q(n: usize, default: Option<usize>) -> Question {
        Question {
            id: "q".into(),
            text: "t".into(),
            choices: (0..n)
                .map(|i| Choice {
                    key: i.to_string(),
                    label: format!("l{i}"),
                    summary: format!("s{i}"),
                })
                .collect(),
            default_index: default,
            message_ids: vec![],
        }
    }

    struct Pick(Option<usize>);
    impl QuestionPolicy for Pick {
        fn decide(&self, _: &Question) -> Option<usize> {
            self.0
        }
        fn name(&self) -> String {
            "the question handler".into()
        }
    }

    #[test]
    fn decisions() {
        assert!(matches!(
            decide(&AutoAnswer(true), &q(3, Some(2))),
            Decision::Answer(2)
        ));
        assert!(matches!(
            decide(&AutoAnswer(false), &q(3, Some(2))),
            Decision::Refuse(_, Code::OperationInvalid)
        ));
        assert!(matches!(
            decide(&AutoAnswer(true), &q(0, None)),
            Decision::Refuse(_, _)
        ));
        assert!(matches!(
            decide(&AutoAnswer(true), &q(2, Some(5))),
            Decision::Refuse(_, _)
        ));
        assert!(matches!(
            decide(&AutoAnswer(true), &q(2, None)),
            Decision::Refuse(_, _)
        ));
        assert!(matches!(
            decide(&Pick(Some(1)), &q(3, Some(2))),
            Decision::Answer(1)
        ));
        assert!(matches!(
            decide(&Pick(Some(7)), &q(3, Some(2))),
            Decision::Refuse(_, Code::InvalidArg)
        ));
        assert!(matches!(
            decide(&Pick(None), &q(3, Some(2))),
            Decision::Refuse(_, Code::OperationInvalid)
        ));
    }
}
