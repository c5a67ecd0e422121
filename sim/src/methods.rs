// SPDX-License-Identifier: LGPL-2.1-or-later
//! Every SOAP method esx-sim answers, in one table: the method's generated
//! request type (its name, its binding, its parameters as esx-sim reads
//! them), whether it needs a session, and the function that runs it. A
//! method missing here is answered with MethodNotFound, as ESX does.

use std::sync::MutexGuard;
use std::time::SystemTime;

use esx_vi::vim25::{self as v, VirtualMachinePowerState as Power};
use esx_vi::wire::Request;

use crate::clock::format_datetime;
use crate::collector;
use crate::fault::Fault;
use crate::ops;
use crate::server::Shared;
use crate::soap::{self, Call, Ret};
use crate::tasks;
use crate::updates;
use crate::world::World;

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

impl Ctx<'_> {
    /// The caller's session, None before Login.
    pub fn session(&self) -> Option<&str> {
        Some(self.session).filter(|s| !s.is_empty())
    }
}

pub enum Handler {
    /// Runs with the world locked.
    Locked(fn(&mut Ctx) -> Result<Ret, Fault>),
    /// Waits for changes: gets the lock, to release it while it waits.
    Waiting(fn(&Shared, MutexGuard<'_, World>, &Call, &str) -> Result<Ret, Fault>),
}

pub struct Method {
    pub name: &'static str,
    /// The managed object type `_this` must be (the schema's binding).
    pub this: &'static str,
    /// Without a session the call is refused with NotAuthenticated;
    /// property reads instead return nothing, as ESX's do.
    pub needs_session: bool,
    pub handler: Handler,
}

pub fn find(name: &str) -> Option<&'static Method> {
    METHODS.iter().find(|m| m.name == name)
}

/// A method of the schema: `typed!(Request, session, |c, req| ...)`.
macro_rules! typed {
    ($req:ty, $session:expr, |$c:ident, $r:ident| $body:expr) => {
        Method {
            name: <$req as Request>::METHOD,
            this: <$req as Request>::THIS,
            needs_session: $session,
            handler: Handler::Locked(|$c| {
                let $r: $req = $c.call.decode()?;
                $body
            }),
        }
    };
}

/// A method that waits for updates.
macro_rules! waiting {
    ($req:ty, $f:expr) => {
        Method {
            name: <$req as Request>::METHOD,
            this: <$req as Request>::THIS,
            needs_session: true,
            handler: Handler::Waiting($f),
        }
    };
}

const OPEN: bool = false;
const SESSION: bool = true;

static METHODS: &[Method] = &[
    // ServiceInstance and SessionManager.
    typed!(v::RetrieveServiceContentRequest, OPEN, |_c, _r| Ok(
        Ret::of(crate::objects::service::service_content())
    )),
    typed!(v::LoginRequest, OPEN, |c, r| soap::login(c, r)),
    typed!(v::LogoutRequest, SESSION, |c, _r| {
        let key = c.session.to_string();
        c.w.end_session(&key);
        Ok(Ret::None)
    }),
    typed!(v::CurrentTimeRequest, SESSION, |_c, _r| Ok(Ret::of(
        format_datetime(SystemTime::now())
    ))),
    typed!(v::SessionIsActiveRequest, SESSION, |_c, _r| Err(
        Fault::typed(v::NotImplemented {}, "The operation is not implemented.",)
    )),
    // The property collector and views.
    typed!(v::FetchRequest, SESSION, |c, r| {
        let obj =
            c.w.objects
                .get(&c.call.this)
                .ok_or_else(|| Fault::not_found_obj(&c.call.this))?;
        match collector::read_xml(c.w, obj, &r.prop, "returnval") {
            Ok(Some(xml)) => Ok(Ret::Raw(xml)),
            Ok(None) => Ok(Ret::None),
            Err(_) => Err(Fault::invalid_property(&r.prop)),
        }
    }),
    typed!(v::RetrievePropertiesRequest, OPEN, |c, r| {
        let authenticated = c.session().is_some();
        collector::retrieve_legacy(c.w, &r, authenticated).map(Ret::Raw)
    }),
    typed!(v::RetrievePropertiesExRequest, OPEN, |c, r| {
        let session = c.session().map(str::to_string);
        Ok(collector::retrieve_ex(c.w, &r, session.as_deref())?.map_or(Ret::None, Ret::Raw))
    }),
    typed!(v::ContinueRetrievePropertiesExRequest, OPEN, |c, r| {
        let session = c.session().map(str::to_string);
        Ok(
            collector::continue_retrieve(c.w, &r.token, session.as_deref())?
                .map_or(Ret::None, Ret::Raw),
        )
    }),
    typed!(v::CancelRetrievePropertiesExRequest, SESSION, |c, r| {
        c.w.pending.remove(&r.token);
        Ok(Ret::None)
    }),
    typed!(v::CreateContainerViewRequest, SESSION, |c, r| {
        updates::create_view(c, r)
    }),
    typed!(v::DestroyViewRequest, SESSION, |c, _r| {
        let me = c.call.this.clone();
        c.w.objects.remove(&me);
        Ok(Ret::None)
    }),
    typed!(v::CreatePropertyCollectorRequest, SESSION, |c, _r| {
        updates::create_property_collector(c)
    }),
    typed!(v::DestroyPropertyCollectorRequest, SESSION, |c, _r| {
        updates::destroy_property_collector(c)
    }),
    typed!(v::CreateFilterRequest, SESSION, |c, r| {
        updates::create_filter(c, r)
    }),
    typed!(v::DestroyPropertyFilterRequest, SESSION, |c, _r| {
        let me = c.call.this.clone();
        match c.w.objects.remove(&me) {
            Some(_) => Ok(Ret::None),
            None => Err(Fault::not_found_obj(&me)),
        }
    }),
    waiting!(v::WaitForUpdatesExRequest, updates::wait_for_updates),
    waiting!(v::WaitForUpdatesRequest, updates::wait_for_updates),
    waiting!(v::CheckForUpdatesRequest, updates::wait_for_updates),
    typed!(v::CancelWaitForUpdatesRequest, SESSION, |c, _r| {
        updates::cancel_wait_for_updates(c)
    }),
    // SearchIndex.
    typed!(v::FindByUuidRequest, SESSION, |c, r| ops::find_by_uuid(
        c, r
    )),
    typed!(v::FindByInventoryPathRequest, SESSION, |c, r| {
        ops::find_by_inventory_path(c, r)
    }),
    typed!(v::FindByIpRequest, SESSION, |_c, _r| Ok(Ret::None)),
    // VirtualMachine power and guest operations, questions, tasks.
    typed!(v::PowerOnVMTaskRequest, SESSION, |c, _r| {
        let vmid = c.call.this.value.clone();
        let work = tasks::power_on_work(vmid.clone());
        tasks::start_vm_task(c.sh, c.w, &vmid, "PowerOnVM_Task", false, &c.user, work)
    }),
    typed!(v::PowerOffVMTaskRequest, SESSION, |c, _r| {
        power_change(
            c,
            "PowerOffVM_Task",
            vec![Power::PoweredOn, Power::Suspended],
            Power::PoweredOff,
        )
    }),
    typed!(v::SuspendVMTaskRequest, SESSION, |c, _r| {
        power_change(
            c,
            "SuspendVM_Task",
            vec![Power::PoweredOn],
            Power::Suspended,
        )
    }),
    typed!(v::ResetVMTaskRequest, SESSION, |c, _r| {
        power_change(c, "ResetVM_Task", vec![Power::PoweredOn], Power::PoweredOn)
    }),
    typed!(v::CreateScreenshotTaskRequest, SESSION, |c, _r| {
        crate::screenshot::create(c)
    }),
    typed!(v::ShutdownGuestRequest, SESSION, |c, _r| tasks::guest_op(
        c, false
    )),
    typed!(v::RebootGuestRequest, SESSION, |c, _r| tasks::guest_op(
        c, true
    )),
    typed!(v::StandbyGuestRequest, SESSION, |c, _r| tasks::guest_op(
        c, false
    )),
    typed!(v::AnswerVMRequest, SESSION, |c, r| tasks::answer_vm(c, r)),
    typed!(v::CancelTaskRequest, SESSION, |c, _r| tasks::cancel_task(c)),
    // Datastores.
    typed!(v::RefreshDatastoreRequest, SESSION, |c, _r| {
        if c.w.objects.contains(&c.call.this) {
            Ok(Ret::None)
        } else {
            Err(Fault::not_found_obj(&c.call.this))
        }
    }),
    typed!(v::SearchDatastoreTaskRequest, SESSION, |c, r| {
        crate::disks::search(c, &r.datastore_path, r.search_spec, false)
    }),
    typed!(v::SearchDatastoreSubFoldersTaskRequest, SESSION, |c, r| {
        crate::disks::search(c, &r.datastore_path, r.search_spec, true)
    }),
    // Storage adapters.
    typed!(v::RescanHbaRequest, SESSION, |_c, r| {
        if [crate::iscsi::HBA, crate::iscsi::LOCAL_HBA].contains(&r.hba_device.as_str()) {
            Ok(Ret::None)
        } else {
            Err(Fault::typed(
                v::NotFound {},
                format!(
                    "The object or item referred to could not be found: adapter {}",
                    r.hba_device
                ),
            ))
        }
    }),
    // Virtual switches and port groups.
    typed!(v::AddVirtualSwitchRequest, SESSION, |c, r| {
        crate::objects::network::add_virtual_switch(c, r)
    }),
    typed!(v::RemoveVirtualSwitchRequest, SESSION, |c, r| {
        crate::objects::network::remove_virtual_switch(c, r)
    }),
    typed!(v::AddPortGroupRequest, SESSION, |c, r| {
        crate::objects::network::add_port_group(c, r)
    }),
    typed!(v::RemovePortGroupRequest, SESSION, |c, r| {
        crate::objects::network::remove_port_group(c, r)
    }),
    // Virtual disks.
    typed!(v::QueryVirtualDiskUuidRequest, SESSION, |c, r| {
        crate::disks::query_uuid(c, r)
    }),
    typed!(v::CreateVirtualDiskTaskRequest, SESSION, |c, r| {
        crate::disks::create(c, r)
    }),
    typed!(v::CopyVirtualDiskTaskRequest, SESSION, |c, r| {
        crate::disks::copy(c, r)
    }),
    typed!(v::DeleteVirtualDiskTaskRequest, SESSION, |c, r| {
        crate::disks::delete(c, r)
    }),
    typed!(v::ZeroFillVirtualDiskTaskRequest, SESSION, |c, r| {
        crate::disks::zero_fill(c, r)
    }),
    typed!(v::ExtendVirtualDiskTaskRequest, SESSION, |c, r| {
        crate::disks::extend(c, r)
    }),
    typed!(v::MakeDirectoryRequest, SESSION, |c, r| {
        crate::disks::make_directory(c, r)
    }),
    // Configuration, snapshots, registration, datastore files.
    typed!(v::ReconfigVMTaskRequest, SESSION, |c, r| ops::reconfig(
        c, r
    )),
    typed!(v::ReconfigureAutostartRequest, SESSION, |c, r| {
        ops::reconfigure_autostart(c, r)
    }),
    typed!(v::CreateSnapshotTaskRequest, SESSION, |c, r| {
        ops::create_snapshot(c, r)
    }),
    typed!(v::RevertToSnapshotTaskRequest, SESSION, |c, r| {
        ops::revert_snapshot(c, r)
    }),
    typed!(v::RemoveSnapshotTaskRequest, SESSION, |c, r| {
        ops::remove_snapshot(c, r)
    }),
    typed!(v::RegisterVMTaskRequest, SESSION, |c, r| ops::register_vm(
        c, r
    )),
    typed!(v::UnregisterVMRequest, SESSION, |c, _r| ops::unregister_vm(
        c
    )),
    typed!(v::DeleteDatastoreFileTaskRequest, SESSION, |c, r| {
        ops::delete_datastore_file(c, r)
    }),
    typed!(v::MoveDatastoreFileTaskRequest, SESSION, |c, r| {
        ops::move_datastore_file(c, r)
    }),
];

fn power_change(c: &mut Ctx, method: &str, from: Vec<Power>, to: Power) -> Result<Ret, Fault> {
    let vmid = c.call.this.value.clone();
    let work = tasks::power_change_work(vmid.clone(), from, to.clone(), to);
    tasks::start_vm_task(c.sh, c.w, &vmid, method, false, &c.user, work)
}

/// The fault ESX sends for a method it does not have.
pub fn not_found(call: &Call) -> Fault {
    Fault::typed(
        v::MethodNotFound {
            receiver: call.this.clone(),
            method: call.method.clone(),
        },
        format!("The method {} is not implemented by esx-sim.", call.method),
    )
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

    #[test]
    fn every_method_of_the_schema_is_answered() {
        for m in &esx_vi::schema::schema().methods {
            assert!(find(&m.name).is_some(), "{} has no handler", m.name);
            assert_eq!(find(&m.name).map(|x| x.this), Some(m.on.as_str()));
        }
    }
}
