// SPDX-License-Identifier: LGPL-2.1-or-later
//! Snapshot exports. A snapshot handle is its domain handle and its name;
//! every call reads the VM's snapshot tree (one request) and finds the
//! snapshot there, as libvirt's ESX driver does.

use std::os::raw::{c_char, c_int, c_uint};
use std::sync::Arc;

use super::error::out_string;
use super::export::{export, Dom, Snap};
use super::handles::{add_ref, into_raw, pointer, release};
use super::strings::{write_handles, write_names};
use super::types::*;

fn new_snapshot(d: Arc<esxDomain>, name: &str) -> esxDomainSnapshotPtr {
    into_raw(esxDomainSnapshot::new(d, name))
}

/// With `out` non-NULL, *out becomes a malloc'd NULL-terminated array of
/// new snapshot handles; returns the count.
///
/// # Safety
/// `out` must be NULL or writable.
unsafe fn write_snapshots(
    d: &Arc<esxDomain>,
    list: &[String],
    out: *mut *mut esxDomainSnapshotPtr,
) -> Result<c_int, crate::Error> {
    // SAFETY: forwarded contract.
    unsafe { write_handles(list, out, |n: &String| new_snapshot(d.clone(), n)) }
}

/// Creates a snapshot from a <domainsnapshot> document (name, description).
/// flags: ESX_DOMAIN_SNAPSHOT_CREATE_QUIESCE (needs VMware Tools) and
/// ESX_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY (no memory image of a running
/// domain); others are refused.
#[no_mangle]
pub unsafe extern "C" fn esxDomainSnapshotCreateXML(
    d: esxDomainPtr,
    xmlDesc: *const c_char,
    flags: c_uint,
) -> esxDomainSnapshotPtr {
    export!(esxDomainSnapshotCreateXML(d: Dom, xmlDesc: &str) {
        let name = d.snapshots().domain_snapshot_create_xml(&d.dom(), xmlDesc, flags)?;
        Ok(new_snapshot(d.arc(), &name))
    })
}

/// The snapshot as a <domainsnapshot> document (free() it).
#[no_mangle]
pub unsafe extern "C" fn esxDomainSnapshotGetXMLDesc(
    s: esxDomainSnapshotPtr,
    flags: c_uint,
) -> *mut c_char {
    export!(esxDomainSnapshotGetXMLDesc(s: Snap) {
        let d = &s.domain;
        let xml = match &s.tree {
            Some(t) => d.snapshots().domain_snapshot_get_xml_desc_in(t, &d.dom(), &s.name(), flags)?,
            None => d.snapshots().domain_snapshot_get_xml_desc(&d.dom(), &s.name(), flags)?,
        };
        out_string(&xml)
    })
}

/// The number of snapshots matching `flags` (esxDomainSnapshotListFlags).
#[no_mangle]
pub unsafe extern "C" fn esxDomainSnapshotNum(d: esxDomainPtr, flags: c_uint) -> c_int {
    export!(esxDomainSnapshotNum(d: Dom) {
        d.snapshots().domain_snapshot_num(&d.dom(), flags)
    })
}

/// Up to `nameslen` snapshot names (malloc'd; free each) in topological
/// order; `names` has room for `nameslen`.
#[no_mangle]
pub unsafe extern "C" fn esxDomainSnapshotListNames(
    d: esxDomainPtr,
    names: *mut *mut c_char,
    nameslen: c_int,
    flags: c_uint,
) -> c_int {
    export!(esxDomainSnapshotListNames(d: Dom) {
        let list = d.snapshots().domain_snapshot_list_names(&d.dom(), nameslen, flags)?;
        // SAFETY: the caller gives room for nameslen >= list.len() names.
        unsafe { write_names(&list, names, nameslen) }
    })
}

/// All snapshots matching `flags`; with `snaps` non-NULL, *snaps becomes a
/// malloc'd NULL-terminated array (free each with esxDomainSnapshotFree,
/// then the array with free()). One request. The handles keep the tree
/// read here: esxDomainSnapshotGetParent and esxDomainSnapshotGetXMLDesc on
/// them answer from it without a request, as the tree was at the listing
/// (list again to see later changes); every other call reads the host.
#[no_mangle]
pub unsafe extern "C" fn esxDomainListAllSnapshots(
    d: esxDomainPtr,
    snaps: *mut *mut esxDomainSnapshotPtr,
    flags: c_uint,
) -> c_int {
    export!(esxDomainListAllSnapshots(d: Dom) {
        let (tree, list) = d.snapshots().domain_list_all_snapshots_with_tree(&d.dom(), flags)?;
        let dom = d.arc();
        // The handles keep the tree read here: a listing with each
        // snapshot's parent and XML costs one request, not one per call.
        // SAFETY: `snaps` is NULL or writable.
        unsafe {
            write_handles(&list, snaps, |n: &String| {
                into_raw(esxDomainSnapshot::with_tree(dom.clone(), n, Some(tree.clone())))
            })
        }
    })
}

/// The number of children (ESX_DOMAIN_SNAPSHOT_LIST_DESCENDANTS: all
/// descendants) matching `flags`.
#[no_mangle]
pub unsafe extern "C" fn esxDomainSnapshotNumChildren(
    s: esxDomainSnapshotPtr,
    flags: c_uint,
) -> c_int {
    export!(esxDomainSnapshotNumChildren(s: Snap) {
        let d = &s.domain;
        d.snapshots().domain_snapshot_num_children(&d.dom(), &s.name(), flags)
    })
}

/// Up to `nameslen` names of the snapshot's children; `names` has room for
/// `nameslen`.
#[no_mangle]
pub unsafe extern "C" fn esxDomainSnapshotListChildrenNames(
    s: esxDomainSnapshotPtr,
    names: *mut *mut c_char,
    nameslen: c_int,
    flags: c_uint,
) -> c_int {
    export!(esxDomainSnapshotListChildrenNames(s: Snap) {
        let d = &s.domain;
        let list = d.snapshots().domain_snapshot_list_children_names(
            &d.dom(),
            &s.name(),
            nameslen,
            flags,
        )?;
        // SAFETY: the caller gives room for nameslen >= list.len() names.
        unsafe { write_names(&list, names, nameslen) }
    })
}

/// The snapshot's children as handles (see esxDomainListAllSnapshots).
#[no_mangle]
pub unsafe extern "C" fn esxDomainSnapshotListAllChildren(
    s: esxDomainSnapshotPtr,
    snaps: *mut *mut esxDomainSnapshotPtr,
    flags: c_uint,
) -> c_int {
    export!(esxDomainSnapshotListAllChildren(s: Snap) {
        let d = &s.domain;
        let list = d.snapshots().domain_snapshot_list_all_children(&d.dom(), &s.name(), flags)?;
        // SAFETY: `snaps` is NULL or writable.
        unsafe { write_snapshots(d, &list, snaps) }
    })
}

/// The snapshot of that name (the first in topological order, as libvirt's
/// ESX driver finds it).
#[no_mangle]
pub unsafe extern "C" fn esxDomainSnapshotLookupByName(
    d: esxDomainPtr,
    name: *const c_char,
    flags: c_uint,
) -> esxDomainSnapshotPtr {
    export!(esxDomainSnapshotLookupByName(d: Dom, name: &str) {
        let found = d.snapshots().domain_snapshot_lookup_by_name(&d.dom(), name, flags)?;
        Ok(new_snapshot(d.arc(), &found))
    })
}

/// 1 if the domain has a current snapshot, else 0.
#[no_mangle]
pub unsafe extern "C" fn esxDomainHasCurrentSnapshot(d: esxDomainPtr, flags: c_uint) -> c_int {
    export!(esxDomainHasCurrentSnapshot(d: Dom) {
        d.snapshots().domain_has_current_snapshot(&d.dom(), flags).map(c_int::from)
    })
}

/// The domain's current snapshot (ESX_ERR_NO_DOMAIN_SNAPSHOT if none).
#[no_mangle]
pub unsafe extern "C" fn esxDomainSnapshotCurrent(
    d: esxDomainPtr,
    flags: c_uint,
) -> esxDomainSnapshotPtr {
    export!(esxDomainSnapshotCurrent(d: Dom) {
        let name = d.snapshots().domain_snapshot_current(&d.dom(), flags)?;
        Ok(new_snapshot(d.arc(), &name))
    })
}

/// The snapshot's parent (ESX_ERR_NO_DOMAIN_SNAPSHOT for a root). For a
/// handle from esxDomainListAllSnapshots (or a parent of one), answered
/// from the tree that listing read: no request, and as the tree was then.
#[no_mangle]
pub unsafe extern "C" fn esxDomainSnapshotGetParent(
    s: esxDomainSnapshotPtr,
    flags: c_uint,
) -> esxDomainSnapshotPtr {
    export!(esxDomainSnapshotGetParent(s: Snap) {
        let d = s.domain.clone();
        let parent = match &s.tree {
            Some(t) => d.snapshots().domain_snapshot_get_parent_in(t, &d.dom(), &s.name(), flags)?,
            None => d.snapshots().domain_snapshot_get_parent(&d.dom(), &s.name(), flags)?,
        };
        Ok(into_raw(esxDomainSnapshot::with_tree(d, &parent, s.tree.clone())))
    })
}

/// Reverts the domain to the snapshot; the domain takes the snapshot's
/// power state (and its handle the matching ID). No flags.
#[no_mangle]
pub unsafe extern "C" fn esxDomainRevertToSnapshot(
    s: esxDomainSnapshotPtr,
    flags: c_uint,
) -> c_int {
    export!(esxDomainRevertToSnapshot(s: Snap) {
        let d = &s.domain;
        d.set_dom(d.snapshots().domain_revert_to_snapshot(&d.dom(), &s.name(), flags)?);
        Ok(0)
    })
}

/// 1 if the snapshot is the domain's current one, else 0.
#[no_mangle]
pub unsafe extern "C" fn esxDomainSnapshotIsCurrent(
    s: esxDomainSnapshotPtr,
    flags: c_uint,
) -> c_int {
    export!(esxDomainSnapshotIsCurrent(s: Snap) {
        let d = &s.domain;
        d.snapshots()
            .domain_snapshot_is_current(&d.dom(), &s.name(), flags)
            .map(c_int::from)
    })
}

/// 0: libvirt keeps no metadata of its own for ESX snapshots.
#[no_mangle]
pub unsafe extern "C" fn esxDomainSnapshotHasMetadata(
    s: esxDomainSnapshotPtr,
    flags: c_uint,
) -> c_int {
    export!(esxDomainSnapshotHasMetadata(s: Snap) {
        let d = &s.domain;
        d.snapshots()
            .domain_snapshot_has_metadata(&d.dom(), &s.name(), flags)
            .map(c_int::from)
    })
}

/// Deletes the snapshot (ESX_DOMAIN_SNAPSHOT_DELETE_CHILDREN: and its
/// descendants; _CHILDREN_ONLY: only its descendants; _METADATA_ONLY:
/// nothing, as there is no libvirt metadata). The handle stays valid until
/// freed.
#[no_mangle]
pub unsafe extern "C" fn esxDomainSnapshotDelete(s: esxDomainSnapshotPtr, flags: c_uint) -> c_int {
    export!(esxDomainSnapshotDelete(s: Snap) {
        let d = &s.domain;
        d.snapshots().domain_snapshot_delete(&d.dom(), &s.name(), flags).map(|_| 0)
    })
}

/// The snapshot's name, owned by the handle (do not free).
#[no_mangle]
pub unsafe extern "C" fn esxDomainSnapshotGetName(s: esxDomainSnapshotPtr) -> *const c_char {
    export!(esxDomainSnapshotGetName(s: Snap) { Ok(s.name.as_ptr()) })
}

/// The snapshot's domain; no reference is added (as libvirt).
#[no_mangle]
pub unsafe extern "C" fn esxDomainSnapshotGetDomain(s: esxDomainSnapshotPtr) -> esxDomainPtr {
    export!(esxDomainSnapshotGetDomain(s: Snap) { Ok(pointer(&*s.domain)) })
}

/// The snapshot's connection; no reference is added (as libvirt).
#[no_mangle]
pub unsafe extern "C" fn esxDomainSnapshotGetConnect(s: esxDomainSnapshotPtr) -> esxConnectPtr {
    export!(esxDomainSnapshotGetConnect(s: Snap) { Ok(pointer(&*s.domain.conn)) })
}

/// Adds a reference to the snapshot handle.
#[no_mangle]
pub unsafe extern "C" fn esxDomainSnapshotRef(s: esxDomainSnapshotPtr) -> c_int {
    export!(esxDomainSnapshotRef() { add_ref(s, "esxDomainSnapshotRef").map(|_| 0) })
}

/// Drops a reference to the snapshot handle (the snapshot is untouched).
#[no_mangle]
pub unsafe extern "C" fn esxDomainSnapshotFree(s: esxDomainSnapshotPtr) -> c_int {
    export!(esxDomainSnapshotFree() { release(s, "esxDomainSnapshotFree").map(|_| 0) })
}
