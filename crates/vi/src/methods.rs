// SPDX-License-Identifier: LGPL-2.1-or-later
//! The VI methods the driver calls. Their parameters, order and results are
//! generated from vim25.schema (see [`crate::vim25`]); these wrappers give
//! the methods called on the service's own objects (the search index, the
//! file manager) their object and their fixed arguments.

use super::session::Client;
use super::types::MoRef;
use super::vim25;
use crate::error::Result;

pub use super::vim25::{
    answer_vm, cancel_task, create_screenshot_task, power_off_vm_task, power_on_vm_task,
    reboot_guest, reconfig_vm_task, reconfigure_autostart, refresh_datastore, remove_snapshot_task,
    rescan_hba, reset_vm_task, shutdown_guest, suspend_vm_task, unregister_vm,
    HostAutoStartManagerConfig, VirtualMachineConfigSpec,
};

/// SearchIndex.FindByUuid for a VM by its BIOS UUID.
pub fn find_vm_by_uuid(
    client: &Client,
    datacenter: Option<&MoRef>,
    uuid: &str,
) -> Result<Option<MoRef>> {
    vim25::find_by_uuid(client, client.search_index(), datacenter, uuid, true, None)
}

/// SearchIndex.FindByInventoryPath (`dc/vm/name`).
pub fn find_by_inventory_path(client: &Client, path: &str) -> Result<Option<MoRef>> {
    vim25::find_by_inventory_path(client, client.search_index(), path)
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
    vim25::register_vm_task(client, vm_folder, path, name, false, Some(pool), host)
}

/// FileManager.DeleteDatastoreFile_Task: a file, or a directory and what it
/// holds.
pub fn delete_datastore_file_task(
    client: &Client,
    file_manager: &MoRef,
    name: &str,
    datacenter: Option<&MoRef>,
) -> Result<MoRef> {
    vim25::delete_datastore_file_task(client, file_manager, name, datacenter)
}

pub fn create_snapshot_task(
    client: &Client,
    vm: &MoRef,
    name: &str,
    description: Option<&str>,
    memory: bool,
    quiesce: bool,
) -> Result<MoRef> {
    vim25::create_snapshot_task(client, vm, name, description, memory, quiesce)
}

/// VirtualMachineSnapshot.RevertToSnapshot_Task, the power state the
/// snapshot recorded restored.
pub fn revert_to_snapshot_task(client: &Client, snapshot: &MoRef) -> Result<MoRef> {
    vim25::revert_to_snapshot_task(client, snapshot, None)
}
