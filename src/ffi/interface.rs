// SPDX-License-Identifier: LGPL-2.1-or-later
//! Interface exports: the host's physical NICs with libvirt's names and
//! semantics (libvirt's ESX interface driver; lookup by name works).

use std::os::raw::{c_char, c_int, c_uint};

use super::checks as check;
use super::error::out_string;
use super::export::{export, Conn, Iface};
use super::handles::{add_ref, into_raw, pointer, release};
use super::strings::{write_handles, write_names};
use super::types::*;
use crate::driver::interface::IfaceRef;
use crate::error::Error;

/// A new interface handle (one reference, the caller's) on this connection.
fn new_iface(c: &Conn, i: IfaceRef) -> esxInterfacePtr {
    into_raw(esxInterface::new(c.arc(), i))
}

/// The number of (active) interfaces: the host's physical NICs.
#[no_mangle]
pub unsafe extern "C" fn esxConnectNumOfInterfaces(conn: esxConnectPtr) -> c_int {
    export!(esxConnectNumOfInterfaces(conn: Conn) {
        conn.conn.interfaces().connect_num_of_interfaces()
    })
}

/// Names of up to `maxnames` active interfaces (each malloc'd) into
/// `names` (room for `maxnames`).
#[no_mangle]
pub unsafe extern "C" fn esxConnectListInterfaces(
    conn: esxConnectPtr,
    names: *mut *mut c_char,
    maxnames: c_int,
) -> c_int {
    export!(esxConnectListInterfaces(conn: Conn) {
        if names.is_null() && maxnames > 0 {
            return Err(Error::invalid_arg("names must not be NULL when maxnames > 0"));
        }
        let list = conn.conn.interfaces().connect_list_interfaces(maxnames)?;
        // SAFETY: the caller gives room for maxnames >= list.len() names.
        unsafe { write_names(&list, names, maxnames) }
    })
}

/// 0: every physical NIC is active.
#[no_mangle]
pub unsafe extern "C" fn esxConnectNumOfDefinedInterfaces(conn: esxConnectPtr) -> c_int {
    export!(esxConnectNumOfDefinedInterfaces(conn: Conn) {
        conn.conn.interfaces().connect_num_of_defined_interfaces()
    })
}

/// None: every physical NIC is active.
#[no_mangle]
pub unsafe extern "C" fn esxConnectListDefinedInterfaces(
    conn: esxConnectPtr,
    names: *mut *mut c_char,
    maxnames: c_int,
) -> c_int {
    export!(esxConnectListDefinedInterfaces(conn: Conn) {
        if names.is_null() && maxnames > 0 {
            return Err(Error::invalid_arg("names must not be NULL when maxnames > 0"));
        }
        let list = conn.conn.interfaces().connect_list_defined_interfaces(maxnames)?;
        // SAFETY: the list is empty; nothing is written.
        unsafe { write_names(&list, names, maxnames.max(0)) }
    })
}

/// Interfaces matching `flags` (esxConnectListAllInterfacesFlags, 0 for
/// all), in one request. With `ifaces` non-NULL, *ifaces becomes a
/// malloc'd, NULL-terminated array: free each with esxInterfaceFree, then
/// the array with free().
#[no_mangle]
pub unsafe extern "C" fn esxConnectListAllInterfaces(
    conn: esxConnectPtr,
    ifaces: *mut *mut esxInterfacePtr,
    flags: c_uint,
) -> c_int {
    export!(esxConnectListAllInterfaces() {
        // libvirt resets the output before anything can fail.
        check::clear(ifaces);
        let conn = check::handle(conn, "esxConnectListAllInterfaces")?;
        let list = conn.conn.interfaces().connect_list_all_interfaces(flags)?;
        // SAFETY: `ifaces` is NULL or writable.
        unsafe { write_handles(&list, ifaces, |i: &IfaceRef| new_iface(&conn, i.clone())) }
    })
}

/// The physical NIC with this device name (`vmnic0`).
#[no_mangle]
pub unsafe extern "C" fn esxInterfaceLookupByName(
    conn: esxConnectPtr,
    name: *const c_char,
) -> esxInterfacePtr {
    export!(esxInterfaceLookupByName(conn: Conn, name: &str) {
        Ok(new_iface(&conn, conn.conn.interfaces().interface_lookup_by_name(name)?))
    })
}

/// The physical NIC with this MAC address (any case).
#[no_mangle]
pub unsafe extern "C" fn esxInterfaceLookupByMACString(
    conn: esxConnectPtr,
    macstr: *const c_char,
) -> esxInterfacePtr {
    export!(esxInterfaceLookupByMACString(conn: Conn, macstr: &str) {
        Ok(new_iface(&conn, conn.conn.interfaces().interface_lookup_by_mac_string(macstr)?))
    })
}

/// The interface's XML (free() it), as libvirt writes it, with the link's
/// state and speed (ESX_INTERFACE_XML_INACTIVE: without).
#[no_mangle]
pub unsafe extern "C" fn esxInterfaceGetXMLDesc(
    iface: esxInterfacePtr,
    flags: c_uint,
) -> *mut c_char {
    export!(esxInterfaceGetXMLDesc(iface: Iface) {
        out_string(&iface.interfaces().interface_get_xml_desc(&iface.iface, flags)?)
    })
}

/// 1: a physical NIC is always active (its existence is checked).
#[no_mangle]
pub unsafe extern "C" fn esxInterfaceIsActive(iface: esxInterfacePtr) -> c_int {
    export!(esxInterfaceIsActive(iface: Iface) {
        iface.interfaces().interface_is_active(&iface.iface).map(c_int::from)
    })
}

/// The interface's name; valid as long as the handle (do not free it).
#[no_mangle]
pub unsafe extern "C" fn esxInterfaceGetName(iface: esxInterfacePtr) -> *const c_char {
    export!(esxInterfaceGetName(iface: Iface) { Ok(iface.name.as_ptr()) })
}

/// The interface's MAC address; valid as long as the handle (do not free
/// it).
#[no_mangle]
pub unsafe extern "C" fn esxInterfaceGetMACString(iface: esxInterfacePtr) -> *const c_char {
    export!(esxInterfaceGetMACString(iface: Iface) { Ok(iface.mac.as_ptr()) })
}

/// The interface's connection (no reference is added).
#[no_mangle]
pub unsafe extern "C" fn esxInterfaceGetConnect(iface: esxInterfacePtr) -> esxConnectPtr {
    export!(esxInterfaceGetConnect(iface: Iface) { Ok(pointer(&*iface.conn)) })
}

/// Adds a reference to the interface handle.
#[no_mangle]
pub unsafe extern "C" fn esxInterfaceRef(iface: esxInterfacePtr) -> c_int {
    export!(esxInterfaceRef() { add_ref(iface, "esxInterfaceRef").map(|_| 0) })
}

/// Drops a reference to the interface handle.
#[no_mangle]
pub unsafe extern "C" fn esxInterfaceFree(iface: esxInterfacePtr) -> c_int {
    export!(esxInterfaceFree() { release(iface, "esxInterfaceFree").map(|_| 0) })
}
