// SPDX-License-Identifier: LGPL-2.1-or-later
//! Domain exports: lookup, identity, reference counting.

use std::os::raw::{c_char, c_int, c_uchar, c_uint};

use super::export::{export, Conn, Dom, OutArray, Uuid};
use super::handles::{add_ref, into_raw, pointer, release};
use super::strings::fill_buf;
use super::types::*;
use crate::driver::domain::{format_uuid, parse_uuid};
use crate::driver::DomainRef;
use crate::error::Error;

/// A new domain handle (one reference, the caller's) on this connection.
pub(crate) fn new_domain(c: &Conn, d: DomainRef) -> esxDomainPtr {
    into_raw(esxDomain::new(c.arc(), d))
}

/// The running or suspended domain with this ID.
#[no_mangle]
pub unsafe extern "C" fn esxDomainLookupByID(c: esxConnectPtr, id: c_int) -> esxDomainPtr {
    export!(esxDomainLookupByID(c: Conn) {
        Ok(new_domain(&c, c.conn.domains().domain_lookup_by_id(id)?))
    })
}

/// The domain with this 16-byte UUID (`uuid`: 16 readable bytes).
#[no_mangle]
pub unsafe extern "C" fn esxDomainLookupByUUID(
    c: esxConnectPtr,
    uuid: *const c_uchar,
) -> esxDomainPtr {
    export!(esxDomainLookupByUUID(c: Conn, uuid: Uuid) {
        Ok(new_domain(&c, c.conn.domains().domain_lookup_by_uuid(&uuid.0)?))
    })
}

/// The domain with this UUID string.
#[no_mangle]
pub unsafe extern "C" fn esxDomainLookupByUUIDString(
    c: esxConnectPtr,
    uuidstr: *const c_char,
) -> esxDomainPtr {
    export!(esxDomainLookupByUUIDString(c: Conn, uuidstr: &str) {
        let u = parse_uuid(uuidstr)
            .ok_or_else(|| Error::invalid_arg(format!("'{uuidstr}' is not a UUID")))?;
        Ok(new_domain(&c, c.conn.domains().domain_lookup_by_uuid(&u)?))
    })
}

/// The domain with this name.
#[no_mangle]
pub unsafe extern "C" fn esxDomainLookupByName(
    c: esxConnectPtr,
    name: *const c_char,
) -> esxDomainPtr {
    export!(esxDomainLookupByName(c: Conn, name: &str) {
        Ok(new_domain(&c, c.conn.domains().domain_lookup_by_name(name)?))
    })
}

/// The domain's name; valid as long as the handle (do not free it).
#[no_mangle]
pub unsafe extern "C" fn esxDomainGetName(d: esxDomainPtr) -> *const c_char {
    export!(esxDomainGetName(d: Dom) { Ok(d.name.as_ptr()) })
}

/// Copies the domain's 16-byte UUID into `uuid` (16 writable bytes).
#[no_mangle]
pub unsafe extern "C" fn esxDomainGetUUID(d: esxDomainPtr, uuid: *mut c_uchar) -> c_int {
    export!(esxDomainGetUUID(d: Dom, uuid: OutArray<c_uchar>) {
        let u = d.dom().uuid;
        let first = uuid.ptr();
        // SAFETY: the caller provides 16 writable bytes (ESX_UUID_BUFLEN).
        unsafe { std::ptr::copy_nonoverlapping(u.as_ptr(), first, 16) };
        Ok(0)
    })
}

/// Writes the domain's UUID as a string into `buf`
/// (ESX_UUID_STRING_BUFLEN bytes).
#[no_mangle]
pub unsafe extern "C" fn esxDomainGetUUIDString(d: esxDomainPtr, buf: *mut c_char) -> c_int {
    export!(esxDomainGetUUIDString(d: Dom, buf: OutArray<c_char>) {
        let first = buf.ptr();
        // SAFETY: the caller provides ESX_UUID_STRING_BUFLEN (37) bytes.
        let b = unsafe { std::slice::from_raw_parts_mut(first, ESX_UUID_STRING_BUFLEN) };
        fill_buf(b, &format_uuid(&d.dom().uuid));
        Ok(0)
    })
}

/// The domain's ID, (unsigned int)-1 for an inactive domain or on error.
#[no_mangle]
pub unsafe extern "C" fn esxDomainGetID(d: esxDomainPtr) -> c_uint {
    export!(esxDomainGetID(d: Dom) { Ok(d.dom().id as c_uint) })
}

/// The connection of a domain (no reference is added).
#[no_mangle]
pub unsafe extern "C" fn esxDomainGetConnect(d: esxDomainPtr) -> esxConnectPtr {
    export!(esxDomainGetConnect(d: Dom) { Ok(pointer(&*d.conn)) })
}

/// Adds a reference to the domain handle.
#[no_mangle]
pub unsafe extern "C" fn esxDomainRef(d: esxDomainPtr) -> c_int {
    export!(esxDomainRef() { add_ref(d, "esxDomainRef").map(|_| 0) })
}

/// Drops a reference to the domain handle (the domain itself is untouched).
#[no_mangle]
pub unsafe extern "C" fn esxDomainFree(d: esxDomainPtr) -> c_int {
    export!(esxDomainFree() { release(d, "esxDomainFree").map(|_| 0) })
}
