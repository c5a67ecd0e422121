// SPDX-License-Identifier: LGPL-2.1-or-later
//! Domain jobs (libvirt's domainGetJobInfo and domainAbortJob). A domain's
//! job is the VI task queued or running on its VM: its progress is the
//! task's `info.progress` (a percentage), aborting it is CancelTask.
//! One request reads the VM, its recent tasks and their progress.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::domain::{is_same_vm, DomainRef};
use crate::error::{Error, Result};
use crate::snapshot::parse_datetime;
use crate::vi::property::{self, ObjectSpec, PropertyFilterSpec, PropertySpec, TraversalSpec};
use crate::vi::vim25::{VmHost, VmName};
use crate::vi::wire::View;
use crate::vi::TaskInfoState;
use crate::vi::{methods, MoRef};
use crate::vi::{Fault, FaultOf};
use crate::Domains;

/// libvirt's virDomainJobType values this driver reports.
pub const JOB_NONE: i32 = 0;
/// A job whose end is known: here, a task that reports its progress.
pub const JOB_BOUNDED: i32 = 1;
/// A job that does not say how far it got.
pub const JOB_UNBOUNDED: i32 = 2;

/// A domain's job as libvirt's virDomainJobInfo describes it. ESX reports a
/// task's progress as a percentage, so a bounded job's data fields count
/// percent: `data_total` is 100 and `data_processed` the percentage.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobInfo {
    pub kind: i32,
    /// Milliseconds since the task started (since it was queued, while
    /// queued), by this machine's clock.
    pub time_elapsed_ms: u64,
    pub data_total: u64,
    pub data_processed: u64,
    pub data_remaining: u64,
    /// The task (MoRef value) and what it does (`VirtualMachine.powerOn`),
    /// for messages; empty when there is no job.
    pub task: String,
    pub description_id: String,
}

/// The task behind a domain's job.
#[derive(Debug, Clone)]
struct RunningTask {
    task: MoRef,
    description_id: String,
    progress: Option<i64>,
    cancelable: bool,
    /// Seconds since the epoch: when it started, or was queued.
    since: Option<i64>,
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

impl Domains<'_> {
    /// domainGetJobInfo: the task queued or running on the domain's VM, or
    /// JOB_NONE when there is none (one request).
    pub fn domain_get_job_info(&self, dom: &DomainRef) -> Result<JobInfo> {
        let Some(t) = self.running_task(dom)? else {
            return Ok(JobInfo::default());
        };
        let elapsed = t
            .since
            .map(|s| now_ms().saturating_sub(s.max(0) as u64 * 1000))
            .unwrap_or(0);
        let mut info = JobInfo {
            kind: JOB_UNBOUNDED,
            time_elapsed_ms: elapsed,
            task: t.task.value.clone(),
            description_id: t.description_id.clone(),
            ..JobInfo::default()
        };
        if let Some(p) = t.progress {
            let p = p.clamp(0, 100) as u64;
            info.kind = JOB_BOUNDED;
            info.data_total = 100;
            info.data_processed = p;
            info.data_remaining = 100 - p;
        }
        Ok(info)
    }

    /// domainAbortJob: cancels the task queued or running on the domain's
    /// VM. Refused (OPERATION_INVALID) when there is none, or when the host
    /// says the task cannot be cancelled: it then goes on.
    pub fn domain_abort_job(&self, dom: &DomainRef) -> Result<()> {
        self.check_writable(&format!("abort the job of domain '{}'", dom.name))?;
        let Some(t) = self.running_task(dom)? else {
            return Err(Error::operation_invalid(format!(
                "no job is active on domain '{}'",
                dom.name
            )));
        };
        if !t.cancelable {
            return Err(Error::operation_invalid(format!(
                "The task {} ({}) of domain '{}' cannot be cancelled; it goes on on the host",
                t.task.value, t.description_id, dom.name
            )));
        }
        methods::cancel_task(self.client(), &t.task).map_err(|e| {
            e.context(format!(
                "Cancelling the task {} ({}) of domain '{}' failed",
                t.task.value, t.description_id, dom.name
            ))
        })
    }

    /// The VM's first queued or running task that is not being cancelled.
    fn running_task(&self, dom: &DomainRef) -> Result<Option<RunningTask>> {
        let mut vm_paths: Vec<&str> = VmName::PATHS.to_vec();
        if self.is_vcenter() {
            vm_paths.extend(VmHost::PATHS);
        }
        vm_paths.push("recentTask");
        let spec = PropertyFilterSpec::new(
            vec![
                PropertySpec::new("VirtualMachine", &vm_paths),
                PropertySpec::new(
                    "Task",
                    &[
                        "info.state",
                        "info.descriptionId",
                        "info.cancelled",
                        "info.cancelable",
                        "info.progress",
                        "info.queueTime",
                        "info.startTime",
                    ],
                ),
            ],
            vec![ObjectSpec::traversing(
                &dom.moref.clone(),
                false,
                vec![
                    TraversalSpec::new("vmToRecentTask", "VirtualMachine", "recentTask")
                        .into_selection(),
                ],
            )],
        );
        let objects = match property::retrieve(self.client(), &spec) {
            Ok(o) => o,
            Err(e) if e.is_fault(&Fault::ManagedObjectNotFound) => Vec::new(),
            Err(e) => return Err(e),
        };
        match objects.iter().find(|o| o.obj == dom.moref) {
            Some(vm) if is_same_vm(dom, vm) => self.check_scope(dom, vm)?,
            _ => {
                return Err(Error::no_domain(format!(
                    "Domain '{}' no longer exists",
                    dom.name
                )))
            }
        }
        Ok(objects
            .iter()
            .filter(|o| o.obj.kind == "Task")
            .find_map(|o| {
                let state = TaskInfoState::parse(o.str_prop("info.state")?);
                if !state.is_pending() || o.bool_prop("info.cancelled").unwrap_or(false) {
                    return None;
                }
                let since = o
                    .str_prop("info.startTime")
                    .or_else(|| o.str_prop("info.queueTime"))
                    .and_then(parse_datetime);
                Some(RunningTask {
                    task: o.obj.clone(),
                    description_id: o.str_prop("info.descriptionId").unwrap_or("").to_string(),
                    progress: o.i64_prop("info.progress"),
                    cancelable: o.bool_prop("info.cancelable").unwrap_or(false),
                    since,
                })
            }))
    }
}
