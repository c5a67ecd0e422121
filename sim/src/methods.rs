// SPDX-License-Identifier: LGPL-2.1-or-later
//! Every SOAP method esx-sim answers, in one table: its name, whether it
//! needs a session, and the function that runs it. A method missing here
//! is answered with MethodNotFound, as ESX does.

use std::sync::MutexGuard;
use std::time::SystemTime;

use crate::model::*;
use crate::ops;
use crate::server::Shared;
use crate::soap::{self, Call, Ret};
use crate::tasks;
use crate::updates;
use crate::world::{Fault, Power, World};

/// What a method runs with: the world (locked for the whole call), the
/// call, and who makes it.
pub struct Ctx<'a> {
    pub sh: &'a Shared,
    pub w: &'a mut World,
    pub call: &'a Call,
    /// The caller's session key ("" before Login).
    pub session: &'a str,
    /// The caller's user name ("" before Login).
    pub user: String,
    /// A session cookie for the response (Login).
    pub set_cookie: Option<String>,
}

pub enum Handler {
    /// Runs with the world locked.
    Locked(fn(&mut Ctx) -> Result<Ret, Fault>),
    /// Waits for changes: gets the lock, to release it while it waits.
    Waiting(fn(&Shared, MutexGuard<'_, World>, &Call, &str) -> Result<Ret, Fault>),
}

pub struct Method {
    pub name: &'static str,
    /// Without a session the call is refused with NotAuthenticated;
    /// property reads instead return nothing, as ESX's do.
    pub needs_session: bool,
    pub handler: Handler,
}

pub fn find(name: &str) -> Option<&'static Method> {
    METHODS.iter().find(|m| m.name == name)
}

const fn open(name: &'static str, f: fn(&mut Ctx) -> Result<Ret, Fault>) -> Method {
    Method {
        name,
        needs_session: false,
        handler: Handler::Locked(f),
    }
}

const fn m(name: &'static str, f: fn(&mut Ctx) -> Result<Ret, Fault>) -> Method {
    Method {
        name,
        needs_session: true,
        handler: Handler::Locked(f),
    }
}

const fn waiting(
    name: &'static str,
    f: fn(&Shared, MutexGuard<'_, World>, &Call, &str) -> Result<Ret, Fault>,
) -> Method {
    Method {
        name,
        needs_session: true,
        handler: Handler::Waiting(f),
    }
}

static METHODS: &[Method] = &[
    // ServiceInstance and SessionManager.
    open("RetrieveServiceContent", |_| {
        Ok(Ret::Vals(vec![crate::props::service_content()]))
    }),
    open("Login", soap::login),
    m("Logout", |c| {
        c.w.end_session(c.session);
        Ok(Ret::None)
    }),
    m("CurrentTime", |_| {
        Ok(Ret::Vals(vec![datetime(SystemTime::now())]))
    }),
    m("SessionIsActive", |_| {
        Err(Fault::new(
            "NotImplemented",
            "The operation is not implemented.",
        ))
    }),
    // PropertyCollector and views.
    open("RetrieveProperties", |c| {
        soap::retrieve_legacy(c.w, c.call, !c.session.is_empty())
    }),
    open("RetrievePropertiesEx", |c| {
        soap::retrieve_ex(c.w, c.call, Some(c.session).filter(|s| !s.is_empty()))
    }),
    open("ContinueRetrievePropertiesEx", |c| {
        soap::continue_retrieve(c.w, c.call, Some(c.session).filter(|s| !s.is_empty()))
    }),
    m("CancelRetrievePropertiesEx", |c| {
        if let Some(t) = c.call.str("token") {
            c.w.pending.remove(&t);
        }
        Ok(Ret::None)
    }),
    m("Fetch", |c| {
        let prop = c.call.str("prop").unwrap_or_default();
        c.w.property(&c.call.this.0, &c.call.this.1, &prop)
            .map(|v| v.map_or(Ret::None, Ret::Any))
    }),
    m("CreateContainerView", |c| {
        soap::create_view(c.w, c.call, c.session)
    }),
    m("DestroyView", |c| {
        c.w.views.remove(&c.call.this.1);
        Ok(Ret::None)
    }),
    m("CreatePropertyCollector", soap::create_property_collector),
    m("DestroyPropertyCollector", soap::destroy_property_collector),
    m("CreateFilter", |c| {
        soap::create_filter(c.w, c.call, c.session)
    }),
    m("DestroyPropertyFilter", |c| {
        match c.w.filters.remove(&c.call.this.1) {
            Some(_) => Ok(Ret::None),
            None => Err(Fault::not_found_obj("PropertyFilter", &c.call.this.1)),
        }
    }),
    waiting("WaitForUpdatesEx", updates::wait_for_updates),
    waiting("WaitForUpdates", updates::wait_for_updates),
    waiting("CheckForUpdates", updates::wait_for_updates),
    m("CancelWaitForUpdates", updates::cancel_wait_for_updates),
    // SearchIndex.
    m("FindByUuid", |c| soap::find_by_uuid(c.w, c.call)),
    m("FindByInventoryPath", |c| {
        soap::find_by_inventory_path(c.w, c.call)
    }),
    m("FindByIp", |_| Ok(Ret::None)),
    // VirtualMachine power and guest operations, questions, tasks.
    m("PowerOnVM_Task", |c| {
        let vmid = tasks::vm_this(c.call)?.to_string();
        let work = tasks::power_on_work(vmid.clone());
        tasks::start_vm_task(c.sh, c.w, &vmid, "PowerOnVM_Task", false, &c.user, work)
    }),
    m("PowerOffVM_Task", |c| {
        power_change(
            c,
            "PowerOffVM_Task",
            &[Power::On, Power::Suspended],
            Power::Off,
            "poweredOff",
        )
    }),
    m("SuspendVM_Task", |c| {
        power_change(
            c,
            "SuspendVM_Task",
            &[Power::On],
            Power::Suspended,
            "suspended",
        )
    }),
    m("ResetVM_Task", |c| {
        power_change(c, "ResetVM_Task", &[Power::On], Power::On, "poweredOn")
    }),
    m("CreateScreenshot_Task", |c| {
        crate::screenshot::create(c.sh, c.w, c.call, &c.user)
    }),
    m("ShutdownGuest", |c| tasks::guest_op(c.sh, c.w, c.call)),
    m("RebootGuest", |c| tasks::guest_op(c.sh, c.w, c.call)),
    m("StandbyGuest", |c| tasks::guest_op(c.sh, c.w, c.call)),
    m("AnswerVM", |c| tasks::answer_vm(c.sh, c.w, c.call)),
    m("CancelTask", |c| tasks::cancel_task(c.w, c.call)),
    // Datastores.
    m("RefreshDatastore", |c| {
        if c.w.datastores.iter().any(|d| d.moid == c.call.this.1) {
            Ok(Ret::None)
        } else {
            Err(Fault::not_found_obj("Datastore", &c.call.this.1))
        }
    }),
    m("SearchDatastore_Task", |c| {
        crate::disks::search(c.sh, c.w, c.call, &c.user, false)
    }),
    m("SearchDatastoreSubFolders_Task", |c| {
        crate::disks::search(c.sh, c.w, c.call, &c.user, true)
    }),
    // Storage adapters.
    m("RescanHba", |c| {
        let device = c.call.req_str("hbaDevice")?;
        if [crate::iscsi::HBA, crate::iscsi::LOCAL_HBA].contains(&device.as_str()) {
            Ok(Ret::None)
        } else {
            Err(Fault::new(
                "NotFound",
                format!("The object or item referred to could not be found: adapter {device}"),
            ))
        }
    }),
    // Virtual disks.
    m("QueryVirtualDiskUuid", |c| {
        crate::disks::query_uuid(c.w, c.call)
    }),
    m("CreateVirtualDisk_Task", |c| {
        crate::disks::create(c.sh, c.w, c.call, &c.user)
    }),
    m("CopyVirtualDisk_Task", |c| {
        crate::disks::copy(c.sh, c.w, c.call, &c.user)
    }),
    m("DeleteVirtualDisk_Task", |c| {
        crate::disks::delete(c.sh, c.w, c.call, &c.user)
    }),
    m("ZeroFillVirtualDisk_Task", |c| {
        crate::disks::zero_fill(c.sh, c.w, c.call, &c.user)
    }),
    m("ExtendVirtualDisk_Task", |c| {
        crate::disks::extend(c.sh, c.w, c.call, &c.user)
    }),
    m("MakeDirectory", |c| {
        crate::disks::make_directory(c.w, c.call)
    }),
    // Configuration, snapshots, registration, datastore files.
    m("ReconfigVM_Task", |c| {
        ops::reconfig(c.sh, c.w, c.call, &c.user)
    }),
    m("ReconfigureAutostart", |c| {
        ops::reconfigure_autostart(c.w, c.call)
    }),
    m("CreateSnapshot_Task", |c| {
        ops::create_snapshot(c.sh, c.w, c.call, &c.user)
    }),
    m("RevertToSnapshot_Task", |c| {
        ops::revert_snapshot(c.sh, c.w, c.call, &c.user)
    }),
    m("RemoveSnapshot_Task", |c| {
        ops::remove_snapshot(c.sh, c.w, c.call, &c.user)
    }),
    m("RegisterVM_Task", |c| {
        ops::register_vm(c.sh, c.w, c.call, &c.user)
    }),
    m("UnregisterVM", |c| ops::unregister_vm(c.w, c.call)),
    m("DeleteDatastoreFile_Task", |c| {
        ops::delete_datastore_file(c.sh, c.w, c.call, &c.user)
    }),
    m("MoveDatastoreFile_Task", |c| {
        ops::move_datastore_file(c.sh, c.w, c.call, &c.user)
    }),
];

fn power_change(
    c: &mut Ctx,
    method: &str,
    from: &'static [Power],
    to: Power,
    event: &'static str,
) -> Result<Ret, Fault> {
    let vmid = tasks::vm_this(c.call)?.to_string();
    let work = tasks::power_change_work(vmid.clone(), from, to, event);
    tasks::start_vm_task(c.sh, c.w, &vmid, method, false, &c.user, work)
}

/// The fault ESX sends for a method it does not have.
pub fn not_found(call: &Call) -> Fault {
    Fault::new(
        "MethodNotFound",
        format!("The method {} is not implemented by esx-sim.", call.method),
    )
    .with("receiver", moref(call.this.0.clone(), call.this.1.clone()))
    .with("method", s(&call.method))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_method_is_in_the_table_once() {
        let mut names: Vec<_> = METHODS.iter().map(|m| m.name).collect();
        let n = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), n);
    }
}
