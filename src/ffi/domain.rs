//! Domain exports: lookup, identity, reference counting.

#![allow(non_snake_case)]

use std::os::raw::{c_char, c_int, c_uchar, c_uint};
use std::sync::Arc;

use super::boundary::call;
use super::connect::conn;
use super::handles::{add_ref, borrow, clone_arc, esxConnect, esxDomain, into_raw, release};
use super::strings::{out, str_arg};
use super::types::*;
use crate::driver::domain::{format_uuid, parse_uuid};
use crate::driver::DomainRef;
use crate::error::Error;

/// Borrows the domain behind a pointer.
///
/// # Safety
/// `d` must be NULL or a live domain handle.
pub(crate) unsafe fn dom<'a>(d: esxDomainPtr, what: &str) -> Result<&'a esxDomain, Error> {
    // SAFETY: forwarded contract.
    unsafe { borrow(d, what) }
}

fn new_handle(c: Arc<esxConnect>, d: DomainRef) -> esxDomainPtr {
    into_raw(esxDomain::new(c, d))
}

/// # Safety
/// `c` must be NULL or a live connection.
unsafe fn lookup(
    c: esxConnectPtr,
    what: &str,
    f: impl FnOnce(&esxConnect) -> Result<DomainRef, Error>,
) -> Result<esxDomainPtr, Error> {
    // SAFETY: forwarded contract.
    let arc = unsafe { clone_arc(c, what) }?;
    let d = f(&arc)?;
    Ok(new_handle(arc, d))
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
        // SAFETY: forwarded contract.
        unsafe { lookup(c, "esxDomainLookupByID", |x| x.conn.lookup_by_id(id)) }
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
        // SAFETY: forwarded contract (validated before use).
        unsafe { conn(c, "esxDomainLookupByUUID") }?;
        if uuid.is_null() {
            return Err(Error::invalid_arg("uuid must not be NULL"));
        }
        let mut u = [0u8; 16];
        // SAFETY: the caller provides 16 bytes.
        u.copy_from_slice(unsafe { std::slice::from_raw_parts(uuid, 16) });
        // SAFETY: forwarded contract.
        unsafe { lookup(c, "esxDomainLookupByUUID", |x| x.conn.lookup_by_uuid(&u)) }
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
        // SAFETY: forwarded contract.
        unsafe { conn(c, "esxDomainLookupByUUIDString") }?;
        // SAFETY: forwarded contract.
        let text = unsafe { str_arg(uuidstr, "uuidstr") }?;
        let u = parse_uuid(text)
            .ok_or_else(|| Error::invalid_arg(format!("'{text}' is not a UUID")))?;
        // SAFETY: forwarded contract.
        unsafe {
            lookup(c, "esxDomainLookupByUUIDString", |x| {
                x.conn.lookup_by_uuid(&u)
            })
        }
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
        // SAFETY: forwarded contract.
        unsafe { conn(c, "esxDomainLookupByName") }?;
        // SAFETY: forwarded contract.
        let n = unsafe { str_arg(name, "name") }?;
        // SAFETY: forwarded contract.
        unsafe { lookup(c, "esxDomainLookupByName", |x| x.conn.lookup_by_name(n)) }
    })
}

/// The domain's name; valid as long as the handle (do not free it).
///
/// # Safety
/// `d` must be NULL or a live domain handle.
#[no_mangle]
pub unsafe extern "C" fn esxDomainGetName(d: esxDomainPtr) -> *const c_char {
    call(|| {
        // SAFETY: forwarded contract.
        let d = unsafe { dom(d, "esxDomainGetName") }?;
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
        // SAFETY: forwarded contract.
        let d = unsafe { dom(d, "esxDomainGetUUID") }?;
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
        // SAFETY: forwarded contract.
        let d = unsafe { dom(d, "esxDomainGetUUIDString") }?;
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
        // SAFETY: forwarded contract.
        let d = unsafe { dom(d, "esxDomainGetID") }?;
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
        // SAFETY: forwarded contract.
        let d = unsafe { dom(d, "esxDomainGetConnect") }?;
        Ok(Arc::as_ptr(&d.conn) as esxConnectPtr)
    })
}

/// Adds a reference to the domain handle.
///
/// # Safety
/// `d` must be NULL or a live domain handle.
#[no_mangle]
pub unsafe extern "C" fn esxDomainRef(d: esxDomainPtr) -> c_int {
    call(|| {
        // SAFETY: forwarded contract.
        unsafe { add_ref(d, "esxDomainRef") }?;
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
        // SAFETY: forwarded contract.
        unsafe { release(d, "esxDomainFree") }?;
        Ok(0)
    })
}
