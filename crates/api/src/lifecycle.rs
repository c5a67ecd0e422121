// SPDX-License-Identifier: LGPL-2.1-or-later
//! Domain lifecycle: start, shutdown, reboot, destroy, suspend, resume, and
//! the state queries. Every task goes through the one task runner
//! (`vi::task::run_vm_task`) under the question policy.

use std::sync::Arc;

use super::domain::{is_same_vm, libvirt_state, vm_id, DomainRef};
use super::{Connection, QuestionHandler};
use crate::error::{check_flags, Error, Result};
use crate::flags;
use crate::vi::task::{self, AutoAnswer, QuestionPolicy, TaskOutcome};
use crate::vi::vim25::*;
use crate::vi::wire::View;
use crate::vi::{methods, MoRef, Question, VirtualMachinePowerState};
use crate::Domains;

/// The connection's question handler, asked about one domain.
struct HandlerPolicy {
    handler: Arc<dyn QuestionHandler>,
    dom: DomainRef,
}

impl QuestionPolicy for HandlerPolicy {
    fn decide(&self, q: &Question) -> Option<usize> {
        self.handler.decide(&self.dom, q)
    }
    fn name(&self) -> String {
        "the question handler".into()
    }
}

fn who(dom: &DomainRef) -> String {
    format!("domain '{}'", dom.name)
}

fn not_running(dom: &DomainRef) -> Error {
    Error::operation_invalid(format!("domain '{}' is not running", dom.name))
}

impl Connection {
    /// The handler if one is installed, else the URI's auto_answer.
    /// The question rules first, then the handler if one is installed,
    /// else the URI's auto_answer.
    pub(crate) fn policy(&self, dom: &DomainRef) -> Box<dyn QuestionPolicy> {
        let fallback: Box<dyn QuestionPolicy> = match self.question_handler() {
            Some(handler) => Box::new(HandlerPolicy {
                handler,
                dom: dom.clone(),
            }),
            None => Box::new(AutoAnswer(self.uri().auto_answer)),
        };
        Box::new(crate::questions::RulesFirst {
            rules: self.rules(),
            fallback,
        })
    }

    /// Runs a task on a domain's VM: the precheck reads the view `V` for
    /// `check` in the same request, and the VM's UUID to confirm that the
    /// handle's MoRef still names it; if not, the MoRef is looked up again by
    /// UUID.
    pub(crate) fn vm_task<V: View>(
        &self,
        dom: &DomainRef,
        what: &str,
        check: impl FnOnce(&V) -> Result<()>,
        start: impl FnOnce(&crate::vi::Client, &MoRef) -> Result<MoRef>,
    ) -> Result<TaskOutcome> {
        self.check_writable(what)?;
        let mut paths: Vec<&str> = V::PATHS.to_vec();
        paths.extend(VmName::PATHS);
        if self.is_vcenter() {
            paths.extend(VmHost::PATHS);
        }
        let who = who(dom);
        let pre = match task::precheck(self.client(), &dom.moref, &paths)? {
            Some(p) if is_same_vm(dom, &p.vm) => p,
            _ => {
                let fresh = self
                    .domains()
                    .domain_lookup_by_uuid(&dom.uuid)
                    .map_err(|e| e.context(format!("Domain '{}' no longer exists", dom.name)))?;
                task::precheck(self.client(), &fresh.moref, &paths)?.ok_or_else(|| {
                    Error::no_domain(format!("Domain '{}' no longer exists", dom.name))
                })?
            }
        };
        self.check_scope(dom, &pre.vm)?;
        let policy = self.policy(dom);
        task::run_prechecked(
            self.client(),
            &pre,
            policy.as_ref(),
            &who,
            what,
            |o| check(&V::from_object(o)?),
            start,
        )
    }

    /// The domain as the host sees it now (one request).
    pub fn refresh(&self, dom: &DomainRef) -> Result<DomainRef> {
        let o = self.vm_properties(dom, VmIdentity::PATHS)?;
        self.domain_from(&o)
    }

    /// After a power-on: the domain with its ID, re-read if a question
    /// changed its identity.
    fn after_answers(&self, dom: &DomainRef, out: &TaskOutcome) -> Result<DomainRef> {
        let copied = out.answered.iter().any(|(q, i)| {
            q.message_ids.iter().any(|m| m == "msg.uuid.altered")
                && q.choices[*i].label == "button.uuid.copiedTheVM"
        });
        if copied {
            log::info!(
                "domain '{}' was answered 'I copied it', so the host gave it a new UUID",
                dom.name
            );
            return self.refresh(dom);
        }
        let mut d = dom.clone();
        d.moref = out.vm.clone();
        d.id = vm_id(&out.vm.value).unwrap_or(-1);
        Ok(d)
    }

    fn guest_op(
        &self,
        dom: &DomainRef,
        verb: &str,
        op: fn(&crate::vi::Client, &MoRef) -> Result<()>,
    ) -> Result<()> {
        self.check_writable(&format!("{verb} domain '{}'", dom.name))?;
        let vm: VmGuestAgent = self.vm_view(dom)?;
        if vm.power_state.known()? != VirtualMachinePowerState::PoweredOn {
            return Err(not_running(dom));
        }
        if vm.tools_running_status.as_deref() != Some("guestToolsRunning") {
            return Err(Error::operation_invalid(format!(
                "Cannot {verb} domain '{}' through its guest: VMware Tools is not running in it{}",
                dom.name,
                if verb == "shut down" {
                    " (esxDomainDestroy powers it off instead)"
                } else {
                    ""
                }
            )));
        }
        op(self.client(), &vm.obj)
            .map_err(|e| e.context(format!("Could not {verb} domain '{}'", dom.name)))
    }
}

impl Domains<'_> {
    /// Powers a VM on (virDomainCreateWithFlags). Returns the domain as it
    /// is now: running, with its ID, and with its new UUID if a question
    /// answered on the way told the host the VM was copied.
    pub fn domain_create_with_flags(&self, dom: &DomainRef, flags: u32) -> Result<DomainRef> {
        check_flags(flags, flags::DOMAIN_CREATE_WITH_FLAGS)?;
        let what = format!("start domain '{}'", dom.name);
        let out = self.vm_task(
            dom,
            &what,
            |vm: &VmPower| match vm.power_state.known()? {
                VirtualMachinePowerState::PoweredOff => Ok(()),
                _ => Err(Error::operation_invalid(format!(
                    "domain '{}' is already running",
                    dom.name
                ))),
            },
            methods::power_on_vm_task,
        )?;
        self.after_answers(dom, &out)
    }

    /// Resumes a suspended VM (PowerOnVM_Task from suspended).
    pub fn domain_resume(&self, dom: &DomainRef) -> Result<()> {
        let what = format!("resume domain '{}'", dom.name);
        let out = self.vm_task(
            dom,
            &what,
            |vm: &VmPower| match vm.power_state.known()? {
                VirtualMachinePowerState::Suspended => Ok(()),
                VirtualMachinePowerState::PoweredOn => Err(Error::operation_invalid(format!(
                    "domain '{}' is not paused",
                    dom.name
                ))),
                VirtualMachinePowerState::PoweredOff | VirtualMachinePowerState::Other(_) => {
                    Err(not_running(dom))
                }
            },
            methods::power_on_vm_task,
        )?;
        self.after_answers(dom, &out).map(|_| ())
    }

    /// Suspends a running VM (SuspendVM_Task).
    pub fn domain_suspend(&self, dom: &DomainRef) -> Result<()> {
        let what = format!("suspend domain '{}'", dom.name);
        self.vm_task(
            dom,
            &what,
            |vm: &VmPower| match vm.power_state.known()? {
                VirtualMachinePowerState::PoweredOn => Ok(()),
                VirtualMachinePowerState::Suspended => Err(Error::operation_invalid(format!(
                    "domain '{}' is already suspended",
                    dom.name
                ))),
                VirtualMachinePowerState::PoweredOff | VirtualMachinePowerState::Other(_) => {
                    Err(not_running(dom))
                }
            },
            methods::suspend_vm_task,
        )
        .map(|_| ())
    }

    /// domainCreate: domainCreateWithFlags without flags.
    pub fn domain_create(&self, dom: &DomainRef) -> Result<DomainRef> {
        self.domain_create_with_flags(dom, 0)
    }

    /// domainDestroy: domainDestroyFlags without flags.
    pub fn domain_destroy(&self, dom: &DomainRef) -> Result<DomainRef> {
        self.domain_destroy_flags(dom, 0)
    }

    /// domainShutdown: domainShutdownFlags without flags.
    pub fn domain_shutdown(&self, dom: &DomainRef) -> Result<()> {
        self.domain_shutdown_flags(dom, 0)
    }

    /// Powers a VM off at once (PowerOffVM_Task), running or suspended.
    /// Returns the domain as it is now: off, so with the ID -1 (libvirt's
    /// rule for an inactive domain).
    pub fn domain_destroy_flags(&self, dom: &DomainRef, flags: u32) -> Result<DomainRef> {
        check_flags(flags, flags::DOMAIN_DESTROY_FLAGS)?;
        let what = format!("destroy domain '{}'", dom.name);
        self.vm_task(
            dom,
            &what,
            |vm: &VmPower| match vm.power_state.known()? {
                VirtualMachinePowerState::PoweredOff => Err(not_running(dom)),
                _ => Ok(()),
            },
            methods::power_off_vm_task,
        )?;
        Ok(DomainRef {
            id: -1,
            ..dom.clone()
        })
    }

    /// Asks the guest to shut down through VMware Tools (ShutdownGuest);
    /// returns once the guest has been asked, as libvirt does.
    pub fn domain_shutdown_flags(&self, dom: &DomainRef, flags: u32) -> Result<()> {
        check_flags(flags, flags::DOMAIN_SHUTDOWN_FLAGS)?;
        self.guest_op(dom, "shut down", methods::shutdown_guest)
    }

    /// Asks the guest to reboot through VMware Tools (RebootGuest).
    pub fn domain_reboot(&self, dom: &DomainRef, flags: u32) -> Result<()> {
        check_flags(flags, flags::DOMAIN_REBOOT)?;
        self.guest_op(dom, "reboot", methods::reboot_guest)
    }

    /// The domain's state and reason (reasons are not known on ESX: 0).
    pub fn domain_get_state(&self, dom: &DomainRef, flags: u32) -> Result<(i32, i32)> {
        check_flags(flags, flags::DOMAIN_NONE)?;
        let vm: VmPower = self.vm_view(dom)?;
        Ok((libvirt_state(&vm.power_state.known()?), 0))
    }

    /// Running or suspended.
    pub fn domain_is_active(&self, dom: &DomainRef) -> Result<bool> {
        let vm: VmPower = self.vm_view(dom)?;
        Ok(vm.power_state.known()? != VirtualMachinePowerState::PoweredOff)
    }

    /// ESX has no transient domains; the call still checks that it exists.
    pub fn domain_is_persistent(&self, dom: &DomainRef) -> Result<bool> {
        self.vm_properties(dom, &[])?;
        Ok(true)
    }

    /// ESX domains never have pending config changes; checks existence.
    pub fn domain_is_updated(&self, dom: &DomainRef) -> Result<bool> {
        self.vm_properties(dom, &[])?;
        Ok(false)
    }

    /// ESX has no managed save; checks existence.
    pub fn domain_has_managed_save_image(&self, dom: &DomainRef, flags: u32) -> Result<bool> {
        check_flags(flags, flags::DOMAIN_NONE)?;
        self.vm_properties(dom, &[])?;
        Ok(false)
    }
}
