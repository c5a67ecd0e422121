//! One typed function per VI method the driver calls (WIRE.md section 3).
//! Parameters are written in WSDL order.

use super::session::{Client, Safety};
use super::soap::XmlWriter;
use super::types::{MoRef, Value};
use crate::error::{Error, Result};

fn single_moref(values: Vec<Value>, method: &str) -> Result<Option<MoRef>> {
    match values.into_iter().next() {
        None => Ok(None),
        Some(v) => v.as_moref().cloned().map(Some).ok_or_else(|| {
            Error::rpc(format!(
                "{method} returned something other than a reference"
            ))
        }),
    }
}

fn task_of(values: Vec<Value>, method: &str) -> Result<MoRef> {
    single_moref(values, method)?.ok_or_else(|| Error::rpc(format!("{method} returned no task")))
}

/// SearchIndex.FindByUuid for a VM by its BIOS UUID.
pub fn find_vm_by_uuid(
    client: &Client,
    datacenter: Option<&MoRef>,
    uuid: &str,
) -> Result<Option<MoRef>> {
    let mut w = XmlWriter::new();
    if let Some(dc) = datacenter {
        w.moref("datacenter", dc);
    }
    w.text("uuid", uuid).boolean("vmSearch", true);
    let r = client.invoke(
        "FindByUuid",
        &client.service().search_index,
        &w.finish(),
        Safety::ReadOnly,
    )?;
    single_moref(r, "FindByUuid")
}

/// SearchIndex.FindByInventoryPath (`dc/vm/name`).
pub fn find_by_inventory_path(client: &Client, path: &str) -> Result<Option<MoRef>> {
    let mut w = XmlWriter::new();
    w.text("inventoryPath", path);
    let r = client.invoke(
        "FindByInventoryPath",
        &client.service().search_index,
        &w.finish(),
        Safety::ReadOnly,
    )?;
    single_moref(r, "FindByInventoryPath")
}

/// PowerOnVM_Task; also resumes a suspended VM.
pub fn power_on_vm_task(client: &Client, vm: &MoRef) -> Result<MoRef> {
    task_of(
        client.invoke("PowerOnVM_Task", vm, "", Safety::Mutating)?,
        "PowerOnVM_Task",
    )
}

pub fn power_off_vm_task(client: &Client, vm: &MoRef) -> Result<MoRef> {
    task_of(
        client.invoke("PowerOffVM_Task", vm, "", Safety::Mutating)?,
        "PowerOffVM_Task",
    )
}

pub fn suspend_vm_task(client: &Client, vm: &MoRef) -> Result<MoRef> {
    task_of(
        client.invoke("SuspendVM_Task", vm, "", Safety::Mutating)?,
        "SuspendVM_Task",
    )
}

pub fn reset_vm_task(client: &Client, vm: &MoRef) -> Result<MoRef> {
    task_of(
        client.invoke("ResetVM_Task", vm, "", Safety::Mutating)?,
        "ResetVM_Task",
    )
}

/// Asks VMware Tools to shut the guest down; returns at once.
pub fn shutdown_guest(client: &Client, vm: &MoRef) -> Result<()> {
    client
        .invoke("ShutdownGuest", vm, "", Safety::Mutating)
        .map(|_| ())
}

/// Asks VMware Tools to reboot the guest; returns at once.
pub fn reboot_guest(client: &Client, vm: &MoRef) -> Result<()> {
    client
        .invoke("RebootGuest", vm, "", Safety::Mutating)
        .map(|_| ())
}

/// Answers a VM's pending question with a choice key.
pub fn answer_vm(client: &Client, vm: &MoRef, question_id: &str, choice_key: &str) -> Result<()> {
    let mut w = XmlWriter::new();
    w.text("questionId", question_id)
        .text("answerChoice", choice_key);
    client
        .invoke("AnswerVM", vm, &w.finish(), Safety::Mutating)
        .map(|_| ())
}

pub fn cancel_task(client: &Client, task: &MoRef) -> Result<()> {
    client
        .invoke("CancelTask", task, "", Safety::Mutating)
        .map(|_| ())
}

/// ReconfigVM_Task with a ready-made `VirtualMachineConfigSpec` body.
pub fn reconfig_vm_task(client: &Client, vm: &MoRef, spec_xml: &str) -> Result<MoRef> {
    let params = format!("<spec>{spec_xml}</spec>");
    task_of(
        client.invoke("ReconfigVM_Task", vm, &params, Safety::Mutating)?,
        "ReconfigVM_Task",
    )
}

/// Folder.RegisterVM_Task for a non-template VM.
pub fn register_vm_task(
    client: &Client,
    vm_folder: &MoRef,
    path: &str,
    name: Option<&str>,
    pool: &MoRef,
    host: Option<&MoRef>,
) -> Result<MoRef> {
    let mut w = XmlWriter::new();
    w.text("path", path)
        .opt_text("name", name)
        .boolean("asTemplate", false)
        .moref("pool", pool);
    if let Some(h) = host {
        w.moref("host", h);
    }
    task_of(
        client.invoke("RegisterVM_Task", vm_folder, &w.finish(), Safety::Mutating)?,
        "RegisterVM_Task",
    )
}

/// FileManager.DeleteDatastoreFile_Task: a file, or a directory and what it
/// holds.
pub fn delete_datastore_file_task(
    client: &Client,
    file_manager: &MoRef,
    name: &str,
    datacenter: Option<&MoRef>,
) -> Result<MoRef> {
    let mut w = XmlWriter::new();
    w.text("name", name);
    if let Some(dc) = datacenter {
        w.moref("datacenter", dc);
    }
    task_of(
        client.invoke(
            "DeleteDatastoreFile_Task",
            file_manager,
            &w.finish(),
            Safety::Mutating,
        )?,
        "DeleteDatastoreFile_Task",
    )
}

/// Removes a VM from the inventory; its files stay.
pub fn unregister_vm(client: &Client, vm: &MoRef) -> Result<()> {
    client
        .invoke("UnregisterVM", vm, "", Safety::Mutating)
        .map(|_| ())
}

pub fn create_snapshot_task(
    client: &Client,
    vm: &MoRef,
    name: &str,
    description: Option<&str>,
    memory: bool,
    quiesce: bool,
) -> Result<MoRef> {
    let mut w = XmlWriter::new();
    w.text("name", name)
        .opt_text("description", description)
        .boolean("memory", memory)
        .boolean("quiesce", quiesce);
    task_of(
        client.invoke("CreateSnapshot_Task", vm, &w.finish(), Safety::Mutating)?,
        "CreateSnapshot_Task",
    )
}

pub fn revert_to_snapshot_task(client: &Client, snapshot: &MoRef) -> Result<MoRef> {
    task_of(
        client.invoke("RevertToSnapshot_Task", snapshot, "", Safety::Mutating)?,
        "RevertToSnapshot_Task",
    )
}

pub fn remove_snapshot_task(
    client: &Client,
    snapshot: &MoRef,
    remove_children: bool,
) -> Result<MoRef> {
    let mut w = XmlWriter::new();
    w.boolean("removeChildren", remove_children);
    task_of(
        client.invoke(
            "RemoveSnapshot_Task",
            snapshot,
            &w.finish(),
            Safety::Mutating,
        )?,
        "RemoveSnapshot_Task",
    )
}

/// HostAutoStartManager.ReconfigureAutostart with a ready-made spec body.
pub fn reconfigure_autostart(client: &Client, manager: &MoRef, spec_xml: &str) -> Result<()> {
    let params = format!("<spec>{spec_xml}</spec>");
    client
        .invoke("ReconfigureAutostart", manager, &params, Safety::Mutating)
        .map(|_| ())
}
