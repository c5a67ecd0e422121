//! Domain exports: lookup, identity, reference counting.

#![allow(non_snake_case)]

use std::os::raw::{c_char, c_int, c_uchar, c_uint};
use std::sync::Arc;

use super::boundary::call;
use super::connect::conn;
use super::handles::{add_ref, esxConnect, esxDomain, get, into_raw, pointer, release, Held};
use super::strings::{out, str_arg};
use super::types::*;
use crate::driver::domain::{format_uuid, parse_uuid};
use crate::driver::DomainRef;
use crate::error::Error;

/// The domain behind a pointer, held for the call.
pub(crate) fn dom(d: esxDomainPtr, what: &str) -> Result<Held<esxDomain>, Error> {
    get(d, what)
}

fn new_handle(c: Arc<esxConnect>, d: DomainRef) -> esxDomainPtr {
    into_raw(esxDomain::new(c, d))
}

fn lookup(
    c: esxConnectPtr,
    what: &str,
    f: impl FnOnce(&esxConnect) -> Result<DomainRef, Error>,
) -> Result<esxDomainPtr, Error> {
    let arc = get(c, what)?;
    let d = f(&arc)?;
    Ok(new_handle(arc.arc(), d))
}

/// The running or suspended domain with this ID.
///
/// # Safety
/// `c` must be NULL or a live connection.
#[no_mangle]
pub unsafe extern "C" fn esxDomainLookupByID(c: esxConnectPtr, id: c_int) -> esxDomainPtr {
    call(|| {
        if id < 0 {
            return Err(Error::invalid_arg(format!("id must be >= 0, got {id}")));
        }
        lookup(c, "esxDomainLookupByID", |x| x.conn.lookup_by_id(id))
    })
}

/// The domain with this 16-byte UUID.
///
/// # Safety
/// `c` must be NULL or a live connection; `uuid` NULL or 16 readable bytes.
#[no_mangle]
pub unsafe extern "C" fn esxDomainLookupByUUID(
    c: esxConnectPtr,
    uuid: *const c_uchar,
) -> esxDomainPtr {
    call(|| {
        conn(c, "esxDomainLookupByUUID")?;
        if uuid.is_null() {
            return Err(Error::invalid_arg("uuid must not be NULL"));
        }
        let mut u = [0u8; 16];
        // SAFETY: the caller provides 16 bytes.
        u.copy_from_slice(unsafe { std::slice::from_raw_parts(uuid, 16) });
        lookup(c, "esxDomainLookupByUUID", |x| x.conn.lookup_by_uuid(&u))
    })
}

/// The domain with this UUID string.
///
/// # Safety
/// `c` must be NULL or a live connection; `uuidstr` NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn esxDomainLookupByUUIDString(
    c: esxConnectPtr,
    uuidstr: *const c_char,
) -> esxDomainPtr {
    call(|| {
        conn(c, "esxDomainLookupByUUIDString")?;
        // SAFETY: forwarded contract.
        let text = unsafe { str_arg(uuidstr, "uuidstr") }?;
        let u = parse_uuid(text)
            .ok_or_else(|| Error::invalid_arg(format!("'{text}' is not a UUID")))?;
        lookup(c, "esxDomainLookupByUUIDString", |x| {
            x.conn.lookup_by_uuid(&u)
        })
    })
}

/// The domain with this name.
///
/// # Safety
/// `c` must be NULL or a live connection; `name` NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn esxDomainLookupByName(
    c: esxConnectPtr,
    name: *const c_char,
) -> esxDomainPtr {
    call(|| {
        conn(c, "esxDomainLookupByName")?;
        // SAFETY: forwarded contract.
        let n = unsafe { str_arg(name, "name") }?;
        lookup(c, "esxDomainLookupByName", |x| x.conn.lookup_by_name(n))
    })
}

/// The domain's name; valid as long as the handle (do not free it).
///
/// # Safety
/// `d` must be NULL or a live domain handle.
#[no_mangle]
pub unsafe extern "C" fn esxDomainGetName(d: esxDomainPtr) -> *const c_char {
    call(|| {
        let d = dom(d, "esxDomainGetName")?;
        Ok(d.name.as_ptr())
    })
}

/// Copies the domain's 16-byte UUID into `uuid`.
///
/// # Safety
/// `d` must be NULL or a live domain handle; `uuid` NULL or 16 writable bytes.
#[no_mangle]
pub unsafe extern "C" fn esxDomainGetUUID(d: esxDomainPtr, uuid: *mut c_uchar) -> c_int {
    call(|| {
        let d = dom(d, "esxDomainGetUUID")?;
        // SAFETY: the caller's out-pointer, per this export's contract.
        unsafe { out(uuid, "uuid") }?;
        let u = d.dom().uuid;
        // SAFETY: the caller provides 16 writable bytes.
        unsafe { std::ptr::copy_nonoverlapping(u.as_ptr(), uuid, 16) };
        Ok(0)
    })
}

/// Writes the domain's UUID as a string into `buf` (37 bytes).
///
/// # Safety
/// `d` must be NULL or a live domain handle; `buf` NULL or 37 writable bytes.
#[no_mangle]
pub unsafe extern "C" fn esxDomainGetUUIDString(d: esxDomainPtr, buf: *mut c_char) -> c_int {
    call(|| {
        let d = dom(d, "esxDomainGetUUIDString")?;
        // SAFETY: the caller's out-pointer, per this export's contract.
        unsafe { out(buf, "buf") }?;
        let s = format_uuid(&d.dom().uuid);
        // SAFETY: the caller provides ESX_UUID_STRING_BUFLEN (37) bytes.
        let b = unsafe { std::slice::from_raw_parts_mut(buf, ESX_UUID_STRING_BUFLEN) };
        super::strings::fill_buf(b, &s);
        Ok(0)
    })
}

/// The domain's ID, (unsigned int)-1 for an inactive domain or on error.
///
/// # Safety
/// `d` must be NULL or a live domain handle.
#[no_mangle]
pub unsafe extern "C" fn esxDomainGetID(d: esxDomainPtr) -> c_uint {
    call(|| {
        let d = dom(d, "esxDomainGetID")?;
        Ok(d.dom().id as c_uint)
    })
}

/// The connection of a domain (no reference is added).
///
/// # Safety
/// `d` must be NULL or a live domain handle.
#[no_mangle]
pub unsafe extern "C" fn esxDomainGetConnect(d: esxDomainPtr) -> esxConnectPtr {
    call(|| {
        let d = dom(d, "esxDomainGetConnect")?;
        Ok(pointer(&*d.conn))
    })
}

/// Adds a reference to the domain handle.
///
/// # Safety
/// `d` must be NULL or a live domain handle.
#[no_mangle]
pub unsafe extern "C" fn esxDomainRef(d: esxDomainPtr) -> c_int {
    call(|| {
        add_ref(d, "esxDomainRef")?;
        Ok(0)
    })
}

/// Drops a reference to the domain handle (the domain itself is untouched).
///
/// # Safety
/// `d` must be NULL or a domain handle the caller holds a reference to.
#[no_mangle]
pub unsafe extern "C" fn esxDomainFree(d: esxDomainPtr) -> c_int {
    call(|| {
        release(d, "esxDomainFree")?;
        Ok(0)
    })
}
