// SPDX-License-Identifier: LGPL-2.1-or-later
//! Storage exports: pools (the host's datastores) with libvirt's names and
//! semantics.

use std::os::raw::{c_char, c_int, c_uchar, c_uint, c_ulonglong};

use super::error::out_string;
use super::export::{export, Conn, Dom, Out, OutArray, Pool, Stream, Uuid, Vol};
use super::handles::{add_ref, get, into_raw, pointer, release};
use super::strings::{fill_buf, write_handles, write_names};
use super::types::*;
use crate::driver::domain::{format_uuid, parse_uuid};
use crate::driver::storage::{PoolRef, VolRef};
use crate::error::Error;

/// A new pool handle (one reference, the caller's) on this connection.
fn new_pool(c: &Conn, p: PoolRef) -> esxStoragePoolPtr {
    into_raw(esxStoragePool::new(c.arc(), p))
}

/// The number of pools (every datastore is one).
#[no_mangle]
pub unsafe extern "C" fn esxConnectNumOfStoragePools(c: esxConnectPtr) -> c_int {
    export!(esxConnectNumOfStoragePools(c: Conn) {
        c.conn.storage().connect_num_of_storage_pools()
    })
}

/// Names of up to `maxnames` active pools (each malloc'd) into `names`
/// (room for `maxnames`).
#[no_mangle]
pub unsafe extern "C" fn esxConnectListStoragePools(
    c: esxConnectPtr,
    names: *mut *mut c_char,
    maxnames: c_int,
) -> c_int {
    export!(esxConnectListStoragePools(c: Conn) {
        if names.is_null() && maxnames > 0 {
            return Err(Error::invalid_arg("names must not be NULL when maxnames > 0"));
        }
        let list = c.conn.storage().connect_list_storage_pools(maxnames)?;
        // SAFETY: the caller gives room for maxnames >= list.len() names.
        unsafe { write_names(&list, names, maxnames) }
    })
}

/// 0: every datastore is active.
#[no_mangle]
pub unsafe extern "C" fn esxConnectNumOfDefinedStoragePools(c: esxConnectPtr) -> c_int {
    export!(esxConnectNumOfDefinedStoragePools(c: Conn) {
        c.conn.storage().connect_num_of_defined_storage_pools()
    })
}

/// None: every datastore is active.
#[no_mangle]
pub unsafe extern "C" fn esxConnectListDefinedStoragePools(
    c: esxConnectPtr,
    names: *mut *mut c_char,
    maxnames: c_int,
) -> c_int {
    export!(esxConnectListDefinedStoragePools(c: Conn) {
        let list = c.conn.storage().connect_list_defined_storage_pools(maxnames)?;
        // SAFETY: the list is empty; nothing is written.
        unsafe { write_names(&list, names, maxnames.max(0)) }
    })
}

/// Pools matching `flags` (esxConnectListAllStoragePoolsFlags, 0 for all),
/// in one request. With `pools` non-NULL, *pools becomes a malloc'd,
/// NULL-terminated array: free each with esxStoragePoolFree, then the array
/// with free().
#[no_mangle]
pub unsafe extern "C" fn esxConnectListAllStoragePools(
    c: esxConnectPtr,
    pools: *mut *mut esxStoragePoolPtr,
    flags: c_uint,
) -> c_int {
    export!(esxConnectListAllStoragePools(c: Conn) {
        let list = c.conn.storage().connect_list_all_storage_pools(flags)?;
        // SAFETY: `pools` is NULL or writable.
        unsafe { write_handles(&list, pools, |p: &PoolRef| new_pool(&c, p.clone())) }
    })
}

/// The pool (datastore) with this name.
#[no_mangle]
pub unsafe extern "C" fn esxStoragePoolLookupByName(
    c: esxConnectPtr,
    name: *const c_char,
) -> esxStoragePoolPtr {
    export!(esxStoragePoolLookupByName(c: Conn, name: &str) {
        Ok(new_pool(&c, c.conn.storage().storage_pool_lookup_by_name(name)?))
    })
}

/// The pool with this 16-byte UUID (the MD5 sum of its mount path, as
/// libvirt's ESX driver computes it).
#[no_mangle]
pub unsafe extern "C" fn esxStoragePoolLookupByUUID(
    c: esxConnectPtr,
    uuid: *const c_uchar,
) -> esxStoragePoolPtr {
    export!(esxStoragePoolLookupByUUID(c: Conn, uuid: Uuid) {
        Ok(new_pool(&c, c.conn.storage().storage_pool_lookup_by_uuid(&uuid.0)?))
    })
}

/// The pool with this UUID string.
#[no_mangle]
pub unsafe extern "C" fn esxStoragePoolLookupByUUIDString(
    c: esxConnectPtr,
    uuidstr: *const c_char,
) -> esxStoragePoolPtr {
    export!(esxStoragePoolLookupByUUIDString(c: Conn, uuidstr: &str) {
        let u = parse_uuid(uuidstr)
            .ok_or_else(|| Error::invalid_arg(format!("'{uuidstr}' is not a UUID")))?;
        Ok(new_pool(&c, c.conn.storage().storage_pool_lookup_by_uuid(&u)?))
    })
}

/// Asks the host to re-read the datastore's capacity and free space.
#[no_mangle]
pub unsafe extern "C" fn esxStoragePoolRefresh(p: esxStoragePoolPtr, flags: c_uint) -> c_int {
    export!(esxStoragePoolRefresh(p: Pool) {
        p.storage().storage_pool_refresh(&p.pool, flags).map(|_| 0)
    })
}

/// Fills `info` with the pool's state, capacity, allocation and free space
/// (ESX_STORAGE_POOL_INACCESSIBLE and zeros for an inaccessible datastore).
#[no_mangle]
pub unsafe extern "C" fn esxStoragePoolGetInfo(
    p: esxStoragePoolPtr,
    info: esxStoragePoolInfoPtr,
) -> c_int {
    export!(esxStoragePoolGetInfo(p: Pool, info: Out<esxStoragePoolInfo>) {
        let i = p.storage().storage_pool_get_info(&p.pool)?;
        info.set(esxStoragePoolInfo {
            state: i.state,
            capacity: i.capacity,
            allocation: i.allocation,
            available: i.available,
        });
        Ok(0)
    })
}

/// The pool's XML (free() it), as libvirt's ESX driver writes it.
#[no_mangle]
pub unsafe extern "C" fn esxStoragePoolGetXMLDesc(
    p: esxStoragePoolPtr,
    flags: c_uint,
) -> *mut c_char {
    export!(esxStoragePoolGetXMLDesc(p: Pool) {
        out_string(&p.storage().storage_pool_get_xml_desc(&p.pool, flags)?)
    })
}

/// *autostart becomes 1: datastores start with the host.
#[no_mangle]
pub unsafe extern "C" fn esxStoragePoolGetAutostart(
    p: esxStoragePoolPtr,
    autostart: *mut c_int,
) -> c_int {
    export!(esxStoragePoolGetAutostart(p: Pool, autostart: Out<c_int>) {
        autostart.set(p.storage().storage_pool_get_autostart(&p.pool)? as c_int);
        Ok(0)
    })
}

/// Only 1 is accepted (datastores always start with the host).
#[no_mangle]
pub unsafe extern "C" fn esxStoragePoolSetAutostart(
    p: esxStoragePoolPtr,
    autostart: c_int,
) -> c_int {
    export!(esxStoragePoolSetAutostart(p: Pool) {
        p.storage()
            .storage_pool_set_autostart(&p.pool, autostart != 0)
            .map(|_| 0)
    })
}

/// 1: every datastore is active (the datastore's existence is checked).
#[no_mangle]
pub unsafe extern "C" fn esxStoragePoolIsActive(p: esxStoragePoolPtr) -> c_int {
    export!(esxStoragePoolIsActive(p: Pool) {
        p.storage().storage_pool_is_active(&p.pool).map(c_int::from)
    })
}

/// 1: every datastore is persistent (its existence is checked).
#[no_mangle]
pub unsafe extern "C" fn esxStoragePoolIsPersistent(p: esxStoragePoolPtr) -> c_int {
    export!(esxStoragePoolIsPersistent(p: Pool) {
        p.storage().storage_pool_is_persistent(&p.pool).map(c_int::from)
    })
}

/// The pool's name; valid as long as the handle (do not free it).
#[no_mangle]
pub unsafe extern "C" fn esxStoragePoolGetName(p: esxStoragePoolPtr) -> *const c_char {
    export!(esxStoragePoolGetName(p: Pool) { Ok(p.name.as_ptr()) })
}

/// Copies the pool's 16-byte UUID into `uuid` (16 writable bytes).
#[no_mangle]
pub unsafe extern "C" fn esxStoragePoolGetUUID(p: esxStoragePoolPtr, uuid: *mut c_uchar) -> c_int {
    export!(esxStoragePoolGetUUID(p: Pool, uuid: OutArray<c_uchar>) {
        // SAFETY: the caller provides 16 writable bytes (ESX_UUID_BUFLEN).
        unsafe { std::ptr::copy_nonoverlapping(p.pool.uuid.as_ptr(), uuid.ptr(), 16) };
        Ok(0)
    })
}

/// Writes the pool's UUID as a string into `buf` (ESX_UUID_STRING_BUFLEN
/// bytes).
#[no_mangle]
pub unsafe extern "C" fn esxStoragePoolGetUUIDString(
    p: esxStoragePoolPtr,
    buf: *mut c_char,
) -> c_int {
    export!(esxStoragePoolGetUUIDString(p: Pool, buf: OutArray<c_char>) {
        // SAFETY: the caller provides ESX_UUID_STRING_BUFLEN (37) bytes.
        let b = unsafe { std::slice::from_raw_parts_mut(buf.ptr(), ESX_UUID_STRING_BUFLEN) };
        fill_buf(b, &format_uuid(&p.pool.uuid));
        Ok(0)
    })
}

/// The pool's connection (no reference is added).
#[no_mangle]
pub unsafe extern "C" fn esxStoragePoolGetConnect(p: esxStoragePoolPtr) -> esxConnectPtr {
    export!(esxStoragePoolGetConnect(p: Pool) { Ok(pointer(&*p.conn)) })
}

/// Adds a reference to the pool handle.
#[no_mangle]
pub unsafe extern "C" fn esxStoragePoolRef(p: esxStoragePoolPtr) -> c_int {
    export!(esxStoragePoolRef() { add_ref(p, "esxStoragePoolRef").map(|_| 0) })
}

/// Drops a reference to the pool handle (the datastore is untouched).
#[no_mangle]
pub unsafe extern "C" fn esxStoragePoolFree(p: esxStoragePoolPtr) -> c_int {
    export!(esxStoragePoolFree() { release(p, "esxStoragePoolFree").map(|_| 0) })
}

// ------------------------------------------------------------------ volumes

fn new_vol(c: std::sync::Arc<esxConnect>, v: VolRef) -> esxStorageVolPtr {
    into_raw(esxStorageVol::new(c, v))
}

/// The number of volumes of the pool (virtual disks, ISO and floppy images
/// in every folder): one search task.
#[no_mangle]
pub unsafe extern "C" fn esxStoragePoolNumOfVolumes(p: esxStoragePoolPtr) -> c_int {
    export!(esxStoragePoolNumOfVolumes(p: Pool) {
        p.storage().storage_pool_num_of_volumes(&p.pool)
    })
}

/// Names (`dir/file`) of up to `maxnames` volumes (each malloc'd) into
/// `names` (room for `maxnames`).
#[no_mangle]
pub unsafe extern "C" fn esxStoragePoolListVolumes(
    p: esxStoragePoolPtr,
    names: *mut *mut c_char,
    maxnames: c_int,
) -> c_int {
    export!(esxStoragePoolListVolumes(p: Pool) {
        if names.is_null() && maxnames > 0 {
            return Err(Error::invalid_arg("names must not be NULL when maxnames > 0"));
        }
        let list = p.storage().storage_pool_list_volumes(&p.pool, maxnames)?;
        // SAFETY: the caller gives room for maxnames >= list.len() names.
        unsafe { write_names(&list, names, maxnames) }
    })
}

/// Every volume of the pool; with `vols` non-NULL, *vols becomes a malloc'd
/// NULL-terminated array (free each with esxStorageVolFree, then the array
/// with free()).
#[no_mangle]
pub unsafe extern "C" fn esxStoragePoolListAllVolumes(
    p: esxStoragePoolPtr,
    vols: *mut *mut esxStorageVolPtr,
    flags: c_uint,
) -> c_int {
    export!(esxStoragePoolListAllVolumes(p: Pool) {
        let list = p.storage().storage_pool_list_all_volumes(&p.pool, flags)?;
        let conn = p.conn.clone();
        // SAFETY: `vols` is NULL or writable.
        unsafe { write_handles(&list, vols, |v: &VolRef| new_vol(conn.clone(), v.clone())) }
    })
}

/// The pool a volume is in.
#[no_mangle]
pub unsafe extern "C" fn esxStoragePoolLookupByVolume(v: esxStorageVolPtr) -> esxStoragePoolPtr {
    export!(esxStoragePoolLookupByVolume(v: Vol) {
        let p = v.storage().storage_pool_lookup_by_volume(&v.vol)?;
        Ok(into_raw(esxStoragePool::new(v.conn.clone(), p)))
    })
}

/// The volume `name` (`dir/file`) of the pool.
#[no_mangle]
pub unsafe extern "C" fn esxStorageVolLookupByName(
    p: esxStoragePoolPtr,
    name: *const c_char,
) -> esxStorageVolPtr {
    export!(esxStorageVolLookupByName(p: Pool, name: &str) {
        Ok(new_vol(p.conn.clone(), p.storage().storage_vol_lookup_by_name(&p.pool, name)?))
    })
}

/// The volume at a datastore path (`[pool] dir/file`).
#[no_mangle]
pub unsafe extern "C" fn esxStorageVolLookupByPath(
    c: esxConnectPtr,
    path: *const c_char,
) -> esxStorageVolPtr {
    export!(esxStorageVolLookupByPath(c: Conn, path: &str) {
        Ok(new_vol(c.arc(), c.conn.storage().storage_vol_lookup_by_path(path)?))
    })
}

/// The volume with this key (a virtual disk's UUID, or a datastore path).
#[no_mangle]
pub unsafe extern "C" fn esxStorageVolLookupByKey(
    c: esxConnectPtr,
    key: *const c_char,
) -> esxStorageVolPtr {
    export!(esxStorageVolLookupByKey(c: Conn, key: &str) {
        Ok(new_vol(c.arc(), c.conn.storage().storage_vol_lookup_by_key(key)?))
    })
}

/// Creates a virtual disk from a `<volume>` document (name `dir/file.vmdk`,
/// capacity, allocation 0 for thin or equal to the capacity for
/// preallocated); the directory is made when missing.
#[no_mangle]
pub unsafe extern "C" fn esxStorageVolCreateXML(
    p: esxStoragePoolPtr,
    xmlDesc: *const c_char,
    flags: c_uint,
) -> esxStorageVolPtr {
    export!(esxStorageVolCreateXML(p: Pool, xmlDesc: &str) {
        let v = p.storage().storage_vol_create_xml(&p.pool, xmlDesc, flags)?;
        Ok(new_vol(p.conn.clone(), v))
    })
}

/// Creates a virtual disk in the pool as a copy of `clonevol`.
#[no_mangle]
pub unsafe extern "C" fn esxStorageVolCreateXMLFrom(
    p: esxStoragePoolPtr,
    xmlDesc: *const c_char,
    clonevol: esxStorageVolPtr,
    flags: c_uint,
) -> esxStorageVolPtr {
    export!(esxStorageVolCreateXMLFrom(p: Pool, xmlDesc: &str, clonevol: Vol) {
        let v = p
            .storage()
            .storage_vol_create_xml_from(&p.pool, xmlDesc, &clonevol.vol, flags)?;
        Ok(new_vol(p.conn.clone(), v))
    })
}

/// Deletes the virtual disk (refused by the host while a VM uses it).
#[no_mangle]
pub unsafe extern "C" fn esxStorageVolDelete(v: esxStorageVolPtr, flags: c_uint) -> c_int {
    export!(esxStorageVolDelete(v: Vol) {
        v.storage().storage_vol_delete(&v.vol, flags).map(|_| 0)
    })
}

/// Zeroes the virtual disk's contents.
#[no_mangle]
pub unsafe extern "C" fn esxStorageVolWipe(v: esxStorageVolPtr, flags: c_uint) -> c_int {
    export!(esxStorageVolWipe(v: Vol) {
        v.storage().storage_vol_wipe(&v.vol, flags).map(|_| 0)
    })
}

/// Grows the virtual disk to `capacity` bytes (esxStorageVolResizeFlags:
/// _DELTA adds it, _ALLOCATE zeroes eagerly; _SHRINK is refused: ESX cannot
/// shrink a disk).
#[no_mangle]
pub unsafe extern "C" fn esxStorageVolResize(
    v: esxStorageVolPtr,
    capacity: c_ulonglong,
    flags: c_uint,
) -> c_int {
    export!(esxStorageVolResize(v: Vol) {
        v.storage().storage_vol_resize(&v.vol, capacity, flags).map(|_| 0)
    })
}

/// Fills `info` with the volume's type (ESX_STORAGE_VOL_FILE), capacity and
/// allocation in bytes.
#[no_mangle]
pub unsafe extern "C" fn esxStorageVolGetInfo(
    v: esxStorageVolPtr,
    info: esxStorageVolInfoPtr,
) -> c_int {
    export!(esxStorageVolGetInfo(v: Vol, info: Out<esxStorageVolInfo>) {
        let i = v.storage().storage_vol_get_info(&v.vol)?;
        info.set(esxStorageVolInfo {
            r#type: i.r#type,
            capacity: i.capacity,
            allocation: i.allocation,
        });
        Ok(0)
    })
}

/// The volume's XML (free() it), as libvirt's ESX driver writes it.
#[no_mangle]
pub unsafe extern "C" fn esxStorageVolGetXMLDesc(
    v: esxStorageVolPtr,
    flags: c_uint,
) -> *mut c_char {
    export!(esxStorageVolGetXMLDesc(v: Vol) {
        out_string(&v.storage().storage_vol_get_xml_desc(&v.vol, flags)?)
    })
}

/// The volume's datastore path (`[pool] dir/file`; free() it).
#[no_mangle]
pub unsafe extern "C" fn esxStorageVolGetPath(v: esxStorageVolPtr) -> *mut c_char {
    export!(esxStorageVolGetPath(v: Vol) {
        out_string(&v.storage().storage_vol_get_path(&v.vol)?)
    })
}

/// The volume's name (`dir/file`), owned by the handle.
#[no_mangle]
pub unsafe extern "C" fn esxStorageVolGetName(v: esxStorageVolPtr) -> *const c_char {
    export!(esxStorageVolGetName(v: Vol) { Ok(v.name.as_ptr()) })
}

/// The volume's key, owned by the handle.
#[no_mangle]
pub unsafe extern "C" fn esxStorageVolGetKey(v: esxStorageVolPtr) -> *const c_char {
    export!(esxStorageVolGetKey(v: Vol) { Ok(v.key.as_ptr()) })
}

/// The volume's connection (no reference is added).
#[no_mangle]
pub unsafe extern "C" fn esxStorageVolGetConnect(v: esxStorageVolPtr) -> esxConnectPtr {
    export!(esxStorageVolGetConnect(v: Vol) { Ok(pointer(&*v.conn)) })
}

/// Adds a reference to the volume handle.
#[no_mangle]
pub unsafe extern "C" fn esxStorageVolRef(v: esxStorageVolPtr) -> c_int {
    export!(esxStorageVolRef() { add_ref(v, "esxStorageVolRef").map(|_| 0) })
}

/// Drops a reference to the volume handle (the volume is untouched).
#[no_mangle]
pub unsafe extern "C" fn esxStorageVolFree(v: esxStorageVolPtr) -> c_int {
    export!(esxStorageVolFree() { release(v, "esxStorageVolFree").map(|_| 0) })
}

// ------------------------------------------------------------------ streams

/// A new stream on the connection, for esxStorageVolDownload/Upload.
/// `flags` must be 0 (streams block; ESX_STREAM_NONBLOCK is refused).
#[no_mangle]
pub unsafe extern "C" fn esxStreamNew(c: esxConnectPtr, flags: c_uint) -> esxStreamPtr {
    export!(esxStreamNew(c: Conn) {
        if flags != 0 {
            return Err(Error::argument_unsupported(
                "Only blocking streams are supported (flags must be 0)",
            ));
        }
        Ok(into_raw(esxStream::new(c.arc(), flags)))
    })
}

fn attach(
    st: &esxStream,
    make: impl FnOnce() -> Result<crate::driver::stream::VolStream, Error>,
) -> Result<c_int, Error> {
    let mut slot = st
        .transfer
        .lock()
        .map_err(|_| Error::internal("the stream's lock is poisoned"))?;
    if slot.is_some() {
        return Err(Error::operation_invalid(
            "the stream already carries a transfer",
        ));
    }
    let transfer = make()?;
    if let Ok(mut c) = st.control.lock() {
        *c = Some(transfer.control());
    }
    *slot = Some(transfer);
    Ok(0)
}

/// libvirt's rule: a stream carries the transfer of its own connection.
fn same_connection(st: &esxStream, v: &esxStorageVol, function: &str) -> Result<(), Error> {
    if std::sync::Arc::ptr_eq(&st.conn, &v.conn) {
        Ok(())
    } else {
        Err(Error::invalid_arg(format!(
            "stream in {function} must match connection of volume '{}'",
            v.vol.name
        )))
    }
}

/// Streams `length` bytes (0: all) of the volume's contents from `offset`
/// (a virtual disk's data file) into `stream`: receive them with
/// esxStreamRecv until it returns 0, then esxStreamFinish.
#[no_mangle]
pub unsafe extern "C" fn esxStorageVolDownload(
    v: esxStorageVolPtr,
    stream: esxStreamPtr,
    offset: c_ulonglong,
    length: c_ulonglong,
    flags: c_uint,
) -> c_int {
    export!(esxStorageVolDownload(v: Vol, stream: Stream) {
        same_connection(&stream, &v, "esxStorageVolDownload")?;
        attach(&stream, || v.storage().storage_vol_download(&v.vol, offset, length, flags))
    })
}

/// Replaces the volume's contents with what is sent on `stream`
/// (esxStreamSend, then esxStreamFinish): `offset` 0, `length` bytes (for a
/// virtual disk its capacity; 0 means that).
#[no_mangle]
pub unsafe extern "C" fn esxStorageVolUpload(
    v: esxStorageVolPtr,
    stream: esxStreamPtr,
    offset: c_ulonglong,
    length: c_ulonglong,
    flags: c_uint,
) -> c_int {
    export!(esxStorageVolUpload(v: Vol, stream: Stream) {
        same_connection(&stream, &v, "esxStorageVolUpload")?;
        attach(&stream, || v.storage().storage_vol_upload(&v.vol, offset, length, flags))
    })
}

/// Takes a screenshot of a running domain's console (screen 0, the only
/// one) into `stream`: receive the PNG with esxStreamRecv until it returns
/// 0, then esxStreamFinish. Returns the MIME type ("image/png"; free it),
/// NULL on error.
#[no_mangle]
pub unsafe extern "C" fn esxDomainScreenshot(
    d: esxDomainPtr,
    stream: esxStreamPtr,
    screen: c_uint,
    flags: c_uint,
) -> *mut c_char {
    export!(esxDomainScreenshot(d: Dom, stream: Stream) {
        if !std::sync::Arc::ptr_eq(&stream.conn, &d.conn) {
            return Err(Error::invalid_arg(format!(
                "stream must match connection of domain '{}'",
                d.dom().name
            )));
        }
        let mut mime = "";
        attach(&stream, || {
            let (st, m) = d.domains().domain_screenshot(&d.dom(), screen, flags)?;
            mime = m;
            Ok(st)
        })?;
        out_string(mime)
    })
}

pub(crate) fn with_transfer<R>(
    st: &esxStream,
    f: impl FnOnce(&mut crate::driver::stream::VolStream) -> Result<R, Error>,
) -> Result<R, Error> {
    let mut slot = st
        .transfer
        .lock()
        .map_err(|_| Error::internal("the stream's lock is poisoned"))?;
    match slot.as_mut() {
        Some(t) => f(t),
        None => Err(Error::invalid_arg("the stream carries no transfer")),
    }
}

/// Receives up to `nbytes` into `data`: the count, 0 at the end, -1 on error.
#[no_mangle]
pub unsafe extern "C" fn esxStreamRecv(
    st: esxStreamPtr,
    data: *mut c_char,
    nbytes: usize,
) -> c_int {
    export!(esxStreamRecv(st: Stream, data: OutArray<c_char>) {
        let n = nbytes.min(c_int::MAX as usize);
        // SAFETY: the caller provides `nbytes` writable bytes.
        let buf = unsafe { std::slice::from_raw_parts_mut(data.ptr() as *mut u8, n) };
        with_transfer(&st, |t| t.recv(buf)).map(|r| r as c_int)
    })
}

/// Sends `nbytes` of `data`: the count taken, -1 on error.
#[no_mangle]
pub unsafe extern "C" fn esxStreamSend(
    st: esxStreamPtr,
    data: *const c_char,
    nbytes: usize,
) -> c_int {
    export!(esxStreamSend(st: Stream) {
        if data.is_null() && nbytes > 0 {
            return Err(Error::invalid_arg("data must not be NULL"));
        }
        let n = nbytes.min(c_int::MAX as usize);
        let buf: &[u8] = if n == 0 {
            &[]
        } else {
            // SAFETY: the caller provides `nbytes` readable bytes.
            unsafe { std::slice::from_raw_parts(data as *const u8, n) }
        };
        with_transfer(&st, |t| t.send(buf)).map(|r| r as c_int)
    })
}

/// Completes the transfer: a download must have been received to its end;
/// an upload replaces the volume's contents only now, once the host has
/// the whole of it, and only if the volume is still the disk the upload
/// began on (not deleted, made again or resized meanwhile: else -1 naming
/// what changed, and nothing is replaced). -1 if anything failed (or the
/// stream was aborted); a lost answer from the host is checked, and the
/// error then says whether the volume was replaced or that it is unknown.
#[no_mangle]
pub unsafe extern "C" fn esxStreamFinish(st: esxStreamPtr) -> c_int {
    export!(esxStreamFinish(st: Stream) {
        with_transfer(&st, |t| t.finish()).map(|_| 0)
    })
}

/// Cancels the transfer: an upload is cut off and the volume keeps its old
/// contents (a stream that carries none: 0, nothing to do). Safe from another thread while a call on the stream is in
/// progress (it returns at once, waking a Recv or Send blocked on the host;
/// that call then fails as aborted). -1 when an upload was already
/// committed or is being committed by a Finish in progress (the volume then
/// has the new contents), or a download already finished.
#[no_mangle]
pub unsafe extern "C" fn esxStreamAbort(st: esxStreamPtr) -> c_int {
    export!(esxStreamAbort(st: Stream) {
        abort_stream(&st).map(|_| 0)
    })
}

/// Aborts the stream's transfer (see esxStreamAbort); a stream that never
/// carried one has nothing to abort (libvirt's "aborting unused stream").
pub(crate) fn abort_stream(st: &esxStream) -> Result<(), Error> {
    let control = st.control.lock().ok().and_then(|c| c.clone());
    let Some(control) = control else {
        return Ok(());
    };
    // Refused once an upload is being committed or committed.
    control.abort()?;
    match st.transfer.try_lock() {
        Ok(mut slot) => match slot.as_mut() {
            Some(t) => t.abort(),
            None => Ok(()),
        },
        // A call in progress holds the transfer: it ends it.
        Err(std::sync::TryLockError::WouldBlock) => Ok(()),
        Err(std::sync::TryLockError::Poisoned(_)) => {
            Err(Error::internal("the stream's lock is poisoned"))
        }
    }
}

/// Adds a reference to the stream handle.
#[no_mangle]
pub unsafe extern "C" fn esxStreamRef(st: esxStreamPtr) -> c_int {
    export!(esxStreamRef() { add_ref(st, "esxStreamRef").map(|_| 0) })
}

/// Drops a reference to the stream; the last one aborts a transfer still
/// in progress, as esxStreamAbort does: a call blocked on the host in
/// another thread (esxStreamRecv, esxStreamSend) returns at once, failing
/// as aborted.
#[no_mangle]
pub unsafe extern "C" fn esxStreamFree(st: esxStreamPtr) -> c_int {
    export!(esxStreamFree() {
        // A call in progress on another thread (a Recv the host holds)
        // keeps the stream alive past the last Free: that Free aborts the
        // transfer as esxStreamAbort does, so that the call ends now.
        let control = get(st, "esxStreamFree")
            .ok()
            .and_then(|h| h.control.lock().ok().and_then(|c| c.clone()));
        let remaining = release(st, "esxStreamFree")?;
        if let (0, Some(control)) = (remaining, control) {
            // Refused only for an upload being committed or committed:
            // that one is left to end as it does.
            let _ = control.abort();
        }
        Ok(0)
    })
}
