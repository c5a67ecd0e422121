//! Snapshot exports. A snapshot handle is its domain handle and its name;
//! every call reads the VM's snapshot tree (one request) and finds the
//! snapshot there, as libvirt's ESX driver does.

#![allow(non_snake_case)]

use std::os::raw::{c_char, c_int, c_uint};
use std::sync::Arc;

use super::boundary::call;
use super::domain::dom;
use super::error::out_string;
use super::handles::{
    add_ref, esxDomain, esxDomainSnapshot, get, into_raw, pointer, release, Held,
};
use super::strings::{str_arg, write_names};
use super::types::*;
use crate::error::Error;

/// # Safety
/// `s` must be NULL or a live snapshot handle.
fn snap(s: esxDomainSnapshotPtr, what: &str) -> Result<Held<esxDomainSnapshot>, Error> {
    get(s, what)
}

fn snap_name(s: &esxDomainSnapshot) -> String {
    s.name.to_string_lossy().into_owned()
}

fn new_snapshot(d: Arc<esxDomain>, name: &str) -> esxDomainSnapshotPtr {
    into_raw(esxDomainSnapshot::new(d, name))
}

/// With `out` non-NULL, *out becomes a malloc'd NULL-terminated array of
/// new snapshot handles; returns the count.
///
/// # Safety
/// `out` must be NULL or writable.
unsafe fn write_handles(
    d: &Arc<esxDomain>,
    list: &[String],
    out: *mut *mut esxDomainSnapshotPtr,
) -> Result<c_int, Error> {
    if !out.is_null() {
        // SAFETY: n + 1 pointer slots, checked for NULL.
        let arr =
            unsafe { libc::calloc(list.len() + 1, std::mem::size_of::<esxDomainSnapshotPtr>()) }
                as *mut esxDomainSnapshotPtr;
        if arr.is_null() {
            return Err(Error::internal("out of memory"));
        }
        for (i, n) in list.iter().enumerate() {
            // SAFETY: i < n; the array has n + 1 slots.
            unsafe { *arr.add(i) = new_snapshot(d.clone(), n) };
        }
        // SAFETY: the caller gave a writable pointer.
        unsafe { *out = arr };
    }
    Ok(list.len() as c_int)
}

/// Creates a snapshot from a <domainsnapshot> document (name, description).
/// flags: ESX_DOMAIN_SNAPSHOT_CREATE_QUIESCE (needs VMware Tools) and
/// ESX_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY (no memory image of a running
/// domain); others are refused.
///
/// # Safety
/// `d` must be NULL or a live domain handle; `xml` NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn esxDomainSnapshotCreateXML(
    d: esxDomainPtr,
    xml: *const c_char,
    flags: c_uint,
) -> esxDomainSnapshotPtr {
    call(|| {
        let h = get(d, "esxDomainSnapshotCreateXML")?;
        // SAFETY: forwarded contract.
        let xml = unsafe { str_arg(xml, "xmlDesc") }?;
        let name = h.conn.conn.snapshot_create(&h.dom(), xml, flags)?;
        Ok(new_snapshot(h.arc(), &name))
    })
}

/// The snapshot as a <domainsnapshot> document (free() it).
///
/// # Safety
/// `s` must be NULL or a live snapshot handle.
#[no_mangle]
pub unsafe extern "C" fn esxDomainSnapshotGetXMLDesc(
    s: esxDomainSnapshotPtr,
    flags: c_uint,
) -> *mut c_char {
    call(|| {
        let s = snap(s, "esxDomainSnapshotGetXMLDesc")?;
        let d = &s.domain;
        out_string(&d.conn.conn.snapshot_xml(&d.dom(), &snap_name(&s), flags)?)
    })
}

/// The number of snapshots matching `flags` (esxDomainSnapshotListFlags).
///
/// # Safety
/// `d` must be NULL or a live domain handle.
#[no_mangle]
pub unsafe extern "C" fn esxDomainSnapshotNum(d: esxDomainPtr, flags: c_uint) -> c_int {
    call(|| {
        let h = dom(d, "esxDomainSnapshotNum")?;
        Ok(h.conn.conn.snapshot_list(&h.dom(), flags)?.len() as c_int)
    })
}

/// Up to `nameslen` snapshot names (malloc'd; free each) in topological
/// order.
///
/// # Safety
/// `d` must be NULL or a live domain handle; `names` room for `nameslen`.
#[no_mangle]
pub unsafe extern "C" fn esxDomainSnapshotListNames(
    d: esxDomainPtr,
    names: *mut *mut c_char,
    nameslen: c_int,
    flags: c_uint,
) -> c_int {
    call(|| {
        let h = dom(d, "esxDomainSnapshotListNames")?;
        let list = h.conn.conn.snapshot_list(&h.dom(), flags)?;
        // SAFETY: forwarded contract.
        unsafe { write_names(&list, names, nameslen) }
    })
}

/// All snapshots matching `flags`; with `snaps` non-NULL, *snaps becomes a
/// malloc'd NULL-terminated array (free each with esxDomainSnapshotFree,
/// then the array with free()).
///
/// # Safety
/// `d` must be NULL or a live domain handle; `snaps` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn esxDomainListAllSnapshots(
    d: esxDomainPtr,
    snaps: *mut *mut esxDomainSnapshotPtr,
    flags: c_uint,
) -> c_int {
    call(|| {
        let h = get(d, "esxDomainListAllSnapshots")?;
        let list = h.conn.conn.snapshot_list(&h.dom(), flags)?;
        // SAFETY: forwarded contract.
        unsafe { write_handles(&h.arc(), &list, snaps) }
    })
}

/// The number of children (ESX_DOMAIN_SNAPSHOT_LIST_DESCENDANTS: all
/// descendants) matching `flags`.
///
/// # Safety
/// `s` must be NULL or a live snapshot handle.
#[no_mangle]
pub unsafe extern "C" fn esxDomainSnapshotNumChildren(
    s: esxDomainSnapshotPtr,
    flags: c_uint,
) -> c_int {
    call(|| {
        let s = snap(s, "esxDomainSnapshotNumChildren")?;
        let d = &s.domain;
        Ok(d.conn
            .conn
            .snapshot_children(&d.dom(), &snap_name(&s), flags)?
            .len() as c_int)
    })
}

/// Up to `nameslen` names of the snapshot's children.
///
/// # Safety
/// `s` must be NULL or a live snapshot handle; `names` room for `nameslen`.
#[no_mangle]
pub unsafe extern "C" fn esxDomainSnapshotListChildrenNames(
    s: esxDomainSnapshotPtr,
    names: *mut *mut c_char,
    nameslen: c_int,
    flags: c_uint,
) -> c_int {
    call(|| {
        let s = snap(s, "esxDomainSnapshotListChildrenNames")?;
        let d = &s.domain;
        let list = d
            .conn
            .conn
            .snapshot_children(&d.dom(), &snap_name(&s), flags)?;
        // SAFETY: forwarded contract.
        unsafe { write_names(&list, names, nameslen) }
    })
}

/// The snapshot's children as handles (see esxDomainListAllSnapshots).
///
/// # Safety
/// `s` must be NULL or a live snapshot handle; `snaps` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn esxDomainSnapshotListAllChildren(
    s: esxDomainSnapshotPtr,
    snaps: *mut *mut esxDomainSnapshotPtr,
    flags: c_uint,
) -> c_int {
    call(|| {
        let s = snap(s, "esxDomainSnapshotListAllChildren")?;
        let d = s.domain.clone();
        let list = d
            .conn
            .conn
            .snapshot_children(&d.dom(), &snap_name(&s), flags)?;
        // SAFETY: forwarded contract.
        unsafe { write_handles(&d, &list, snaps) }
    })
}

/// The snapshot of that name (the first in topological order, as libvirt's
/// ESX driver finds it).
///
/// # Safety
/// `d` must be NULL or a live domain handle; `name` NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn esxDomainSnapshotLookupByName(
    d: esxDomainPtr,
    name: *const c_char,
    flags: c_uint,
) -> esxDomainSnapshotPtr {
    call(|| {
        let h = get(d, "esxDomainSnapshotLookupByName")?;
        // SAFETY: forwarded contract.
        let name = unsafe { str_arg(name, "name") }?;
        let found = h.conn.conn.snapshot_lookup(&h.dom(), name, flags)?;
        Ok(new_snapshot(h.arc(), &found))
    })
}

/// 1 if the domain has a current snapshot, else 0.
///
/// # Safety
/// `d` must be NULL or a live domain handle.
#[no_mangle]
pub unsafe extern "C" fn esxDomainHasCurrentSnapshot(d: esxDomainPtr, flags: c_uint) -> c_int {
    call(|| {
        let h = dom(d, "esxDomainHasCurrentSnapshot")?;
        Ok(h.conn.conn.has_current_snapshot(&h.dom(), flags)? as c_int)
    })
}

/// The domain's current snapshot (ESX_ERR_NO_DOMAIN_SNAPSHOT if none).
///
/// # Safety
/// `d` must be NULL or a live domain handle.
#[no_mangle]
pub unsafe extern "C" fn esxDomainSnapshotCurrent(
    d: esxDomainPtr,
    flags: c_uint,
) -> esxDomainSnapshotPtr {
    call(|| {
        let h = get(d, "esxDomainSnapshotCurrent")?;
        let name = h.conn.conn.snapshot_current(&h.dom(), flags)?;
        Ok(new_snapshot(h.arc(), &name))
    })
}

/// The snapshot's parent (ESX_ERR_NO_DOMAIN_SNAPSHOT for a root).
///
/// # Safety
/// `s` must be NULL or a live snapshot handle.
#[no_mangle]
pub unsafe extern "C" fn esxDomainSnapshotGetParent(
    s: esxDomainSnapshotPtr,
    flags: c_uint,
) -> esxDomainSnapshotPtr {
    call(|| {
        let s = snap(s, "esxDomainSnapshotGetParent")?;
        let d = s.domain.clone();
        let parent = d
            .conn
            .conn
            .snapshot_parent(&d.dom(), &snap_name(&s), flags)?;
        Ok(new_snapshot(d, &parent))
    })
}

/// Reverts the domain to the snapshot; the domain takes the snapshot's
/// power state. No flags.
///
/// # Safety
/// `s` must be NULL or a live snapshot handle.
#[no_mangle]
pub unsafe extern "C" fn esxDomainRevertToSnapshot(
    s: esxDomainSnapshotPtr,
    flags: c_uint,
) -> c_int {
    call(|| {
        let s = snap(s, "esxDomainRevertToSnapshot")?;
        let d = &s.domain;
        let c = &d.conn.conn;
        c.revert_to_snapshot(&d.dom(), &snap_name(&s), flags)?;
        // The power state, and so the ID, may have changed.
        if let Ok(now) = c.refresh(&d.dom()) {
            d.set_dom(now);
        }
        Ok(0)
    })
}

/// 1 if the snapshot is the domain's current one, else 0.
///
/// # Safety
/// `s` must be NULL or a live snapshot handle.
#[no_mangle]
pub unsafe extern "C" fn esxDomainSnapshotIsCurrent(
    s: esxDomainSnapshotPtr,
    flags: c_uint,
) -> c_int {
    call(|| {
        let s = snap(s, "esxDomainSnapshotIsCurrent")?;
        let d = &s.domain;
        Ok(d.conn
            .conn
            .snapshot_is_current(&d.dom(), &snap_name(&s), flags)? as c_int)
    })
}

/// 0: libvirt keeps no metadata of its own for ESX snapshots.
///
/// # Safety
/// `s` must be NULL or a live snapshot handle.
#[no_mangle]
pub unsafe extern "C" fn esxDomainSnapshotHasMetadata(
    s: esxDomainSnapshotPtr,
    flags: c_uint,
) -> c_int {
    call(|| {
        let s = snap(s, "esxDomainSnapshotHasMetadata")?;
        let d = &s.domain;
        Ok(d.conn
            .conn
            .snapshot_has_metadata(&d.dom(), &snap_name(&s), flags)? as c_int)
    })
}

/// Deletes the snapshot (ESX_DOMAIN_SNAPSHOT_DELETE_CHILDREN: and its
/// descendants; _CHILDREN_ONLY: only its descendants; _METADATA_ONLY:
/// nothing, as there is no libvirt metadata). The handle stays valid until
/// freed.
///
/// # Safety
/// `s` must be NULL or a live snapshot handle.
#[no_mangle]
pub unsafe extern "C" fn esxDomainSnapshotDelete(s: esxDomainSnapshotPtr, flags: c_uint) -> c_int {
    call(|| {
        let s = snap(s, "esxDomainSnapshotDelete")?;
        let d = &s.domain;
        d.conn
            .conn
            .snapshot_delete(&d.dom(), &snap_name(&s), flags)?;
        Ok(0)
    })
}

/// The snapshot's name, owned by the handle (do not free).
///
/// # Safety
/// `s` must be NULL or a live snapshot handle.
#[no_mangle]
pub unsafe extern "C" fn esxDomainSnapshotGetName(s: esxDomainSnapshotPtr) -> *const c_char {
    call(|| {
        let s = snap(s, "esxDomainSnapshotGetName")?;
        Ok(s.name.as_ptr())
    })
}

/// The snapshot's domain; no reference is added (as libvirt).
///
/// # Safety
/// `s` must be NULL or a live snapshot handle.
#[no_mangle]
pub unsafe extern "C" fn esxDomainSnapshotGetDomain(s: esxDomainSnapshotPtr) -> esxDomainPtr {
    call(|| {
        let s = snap(s, "esxDomainSnapshotGetDomain")?;
        Ok(pointer(&*s.domain))
    })
}

/// The snapshot's connection; no reference is added (as libvirt).
///
/// # Safety
/// `s` must be NULL or a live snapshot handle.
#[no_mangle]
pub unsafe extern "C" fn esxDomainSnapshotGetConnect(s: esxDomainSnapshotPtr) -> esxConnectPtr {
    call(|| {
        let s = snap(s, "esxDomainSnapshotGetConnect")?;
        Ok(pointer(&*s.domain.conn))
    })
}

/// Adds a reference to the snapshot handle.
///
/// # Safety
/// `s` must be NULL or a live snapshot handle.
#[no_mangle]
pub unsafe extern "C" fn esxDomainSnapshotRef(s: esxDomainSnapshotPtr) -> c_int {
    call(|| {
        add_ref(s, "esxDomainSnapshotRef")?;
        Ok(0)
    })
}

/// Drops a reference to the snapshot handle (the snapshot is untouched).
///
/// # Safety
/// `s` must be NULL or a snapshot handle the caller holds a reference to.
#[no_mangle]
pub unsafe extern "C" fn esxDomainSnapshotFree(s: esxDomainSnapshotPtr) -> c_int {
    call(|| {
        release(s, "esxDomainSnapshotFree")?;
        Ok(0)
    })
}
