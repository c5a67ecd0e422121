// SPDX-License-Identifier: LGPL-2.1-or-later
//! Network exports: the host's standard virtual switches with libvirt's
//! names and semantics (libvirt's ESX network driver).

use std::os::raw::{c_char, c_int, c_uchar, c_uint};

use super::checks as check;
use super::error::out_string;
use super::export::{export, Conn, Net, Out, OutArray, Uuid};
use super::handles::{add_ref, into_raw, pointer, release};
use super::strings::{fill_buf, write_handles, write_names};
use super::types::*;
use crate::driver::domain::{format_uuid, parse_uuid};
use crate::driver::network::NetRef;
use crate::error::Error;

/// A new network handle (one reference, the caller's) on this connection.
fn new_net(c: &Conn, n: NetRef) -> esxNetworkPtr {
    into_raw(esxNetwork::new(c.arc(), n))
}

/// The number of networks (each virtual switch is one).
#[no_mangle]
pub unsafe extern "C" fn esxConnectNumOfNetworks(conn: esxConnectPtr) -> c_int {
    export!(esxConnectNumOfNetworks(conn: Conn) {
        conn.conn.networks().connect_num_of_networks()
    })
}

/// Names of up to `maxnames` active networks (each malloc'd) into `names`
/// (room for `maxnames`).
#[no_mangle]
pub unsafe extern "C" fn esxConnectListNetworks(
    conn: esxConnectPtr,
    names: *mut *mut c_char,
    maxnames: c_int,
) -> c_int {
    export!(esxConnectListNetworks(conn: Conn) {
        if names.is_null() && maxnames > 0 {
            return Err(Error::invalid_arg("names must not be NULL when maxnames > 0"));
        }
        let list = conn.conn.networks().connect_list_networks(maxnames)?;
        // SAFETY: the caller gives room for maxnames >= list.len() names.
        unsafe { write_names(&list, names, maxnames) }
    })
}

/// 0: every virtual switch is active.
#[no_mangle]
pub unsafe extern "C" fn esxConnectNumOfDefinedNetworks(conn: esxConnectPtr) -> c_int {
    export!(esxConnectNumOfDefinedNetworks(conn: Conn) {
        conn.conn.networks().connect_num_of_defined_networks()
    })
}

/// None: every virtual switch is active.
#[no_mangle]
pub unsafe extern "C" fn esxConnectListDefinedNetworks(
    conn: esxConnectPtr,
    names: *mut *mut c_char,
    maxnames: c_int,
) -> c_int {
    export!(esxConnectListDefinedNetworks(conn: Conn) {
        if names.is_null() && maxnames > 0 {
            return Err(Error::invalid_arg("names must not be NULL when maxnames > 0"));
        }
        let list = conn.conn.networks().connect_list_defined_networks(maxnames)?;
        // SAFETY: the list is empty; nothing is written.
        unsafe { write_names(&list, names, maxnames.max(0)) }
    })
}

/// Networks matching `flags` (esxConnectListAllNetworksFlags, 0 for all),
/// in one request. With `nets` non-NULL, *nets becomes a malloc'd,
/// NULL-terminated array: free each with esxNetworkFree, then the array
/// with free().
#[no_mangle]
pub unsafe extern "C" fn esxConnectListAllNetworks(
    conn: esxConnectPtr,
    nets: *mut *mut esxNetworkPtr,
    flags: c_uint,
) -> c_int {
    export!(esxConnectListAllNetworks() {
        // libvirt resets the output before anything can fail.
        check::clear(nets);
        let conn = check::handle(conn, "esxConnectListAllNetworks")?;
        let list = conn.conn.networks().connect_list_all_networks(flags)?;
        // SAFETY: `nets` is NULL or writable.
        unsafe { write_handles(&list, nets, |n: &NetRef| new_net(&conn, n.clone())) }
    })
}

/// The network (virtual switch) with this name.
#[no_mangle]
pub unsafe extern "C" fn esxNetworkLookupByName(
    conn: esxConnectPtr,
    name: *const c_char,
) -> esxNetworkPtr {
    export!(esxNetworkLookupByName(conn: Conn, name: &str) {
        Ok(new_net(&conn, conn.conn.networks().network_lookup_by_name(name)?))
    })
}

/// The network with this 16-byte UUID (the MD5 sum of the virtual switch's
/// key, as libvirt's ESX driver computes it).
#[no_mangle]
pub unsafe extern "C" fn esxNetworkLookupByUUID(
    conn: esxConnectPtr,
    uuid: *const c_uchar,
) -> esxNetworkPtr {
    export!(esxNetworkLookupByUUID(conn: Conn, uuid: Uuid) {
        Ok(new_net(&conn, conn.conn.networks().network_lookup_by_uuid(&uuid.0)?))
    })
}

/// The network with this UUID string.
#[no_mangle]
pub unsafe extern "C" fn esxNetworkLookupByUUIDString(
    conn: esxConnectPtr,
    uuidstr: *const c_char,
) -> esxNetworkPtr {
    export!(esxNetworkLookupByUUIDString(conn: Conn, uuidstr: &str) {
        // libvirt's message for a malformed UUID.
        let u = parse_uuid(uuidstr).ok_or_else(|| {
            Error::invalid_arg("uuidstr in esxNetworkLookupByUUIDString must be a valid UUID")
        })?;
        Ok(new_net(&conn, conn.conn.networks().network_lookup_by_uuid(&u)?))
    })
}

/// Adds a virtual switch with its port groups from a `<network>` document
/// (forward mode none or bridge with the physical NICs to team, port groups
/// with a VLAN ID each, bandwidth alike in both directions; no UUID).
/// Either all of it is made or nothing.
#[no_mangle]
pub unsafe extern "C" fn esxNetworkDefineXML(
    conn: esxConnectPtr,
    xml: *const c_char,
) -> esxNetworkPtr {
    export!(esxNetworkDefineXML(conn: Conn, xml: &str) {
        check::writable(&*conn, "esxNetworkDefineXML")?;
        Ok(new_net(&conn, conn.conn.networks().network_define_xml(xml, 0)?))
    })
}

/// esxNetworkDefineXML with esxNetworkDefineFlags (_VALIDATE: the document
/// is always checked).
#[no_mangle]
pub unsafe extern "C" fn esxNetworkDefineXMLFlags(
    conn: esxConnectPtr,
    xml: *const c_char,
    flags: c_uint,
) -> esxNetworkPtr {
    export!(esxNetworkDefineXMLFlags(conn: Conn, xml: &str) {
        check::writable(&*conn, "esxNetworkDefineXMLFlags")?;
        Ok(new_net(&conn, conn.conn.networks().network_define_xml(xml, flags)?))
    })
}

/// Removes the virtual switch and its port groups; refused, with nothing
/// removed, while a VM (or the host) uses a port group.
#[no_mangle]
pub unsafe extern "C" fn esxNetworkUndefine(network: esxNetworkPtr) -> c_int {
    export!(esxNetworkUndefine(network: Net) {
        check::writable(&*network, "esxNetworkUndefine")?;
        network.networks().network_undefine(&network.net).map(|_| 0)
    })
}

/// The network's XML (free() it), as libvirt's ESX driver writes it, with
/// the port groups' VLAN IDs.
#[no_mangle]
pub unsafe extern "C" fn esxNetworkGetXMLDesc(
    network: esxNetworkPtr,
    flags: c_uint,
) -> *mut c_char {
    export!(esxNetworkGetXMLDesc(network: Net) {
        out_string(&network.networks().network_get_xml_desc(&network.net, flags)?)
    })
}

/// The bridge's name (free() it): the virtual switch's.
#[no_mangle]
pub unsafe extern "C" fn esxNetworkGetBridgeName(network: esxNetworkPtr) -> *mut c_char {
    export!(esxNetworkGetBridgeName(network: Net) {
        out_string(&network.networks().network_get_bridge_name(&network.net)?)
    })
}

/// *autostart becomes 1: virtual switches start with the host.
#[no_mangle]
pub unsafe extern "C" fn esxNetworkGetAutostart(
    network: esxNetworkPtr,
    autostart: *mut c_int,
) -> c_int {
    export!(esxNetworkGetAutostart(network: Net, autostart: Out<c_int>) {
        autostart.set(network.networks().network_get_autostart(&network.net)? as c_int);
        Ok(0)
    })
}

/// Only 1 is accepted (virtual switches always start with the host).
#[no_mangle]
pub unsafe extern "C" fn esxNetworkSetAutostart(network: esxNetworkPtr, autostart: c_int) -> c_int {
    export!(esxNetworkSetAutostart(network: Net) {
        check::writable(&*network, "esxNetworkSetAutostart")?;
        network
            .networks()
            .network_set_autostart(&network.net, autostart != 0)
            .map(|_| 0)
    })
}

/// 1: every virtual switch is active (its existence is checked).
#[no_mangle]
pub unsafe extern "C" fn esxNetworkIsActive(net: esxNetworkPtr) -> c_int {
    export!(esxNetworkIsActive(net: Net) {
        net.networks().network_is_active(&net.net).map(c_int::from)
    })
}

/// 1: every virtual switch is persistent (its existence is checked).
#[no_mangle]
pub unsafe extern "C" fn esxNetworkIsPersistent(net: esxNetworkPtr) -> c_int {
    export!(esxNetworkIsPersistent(net: Net) {
        net.networks().network_is_persistent(&net.net).map(c_int::from)
    })
}

/// The network's name; valid as long as the handle (do not free it).
#[no_mangle]
pub unsafe extern "C" fn esxNetworkGetName(network: esxNetworkPtr) -> *const c_char {
    export!(esxNetworkGetName(network: Net) { Ok(network.name.as_ptr()) })
}

/// Copies the network's 16-byte UUID into `uuid` (16 writable bytes).
#[no_mangle]
pub unsafe extern "C" fn esxNetworkGetUUID(network: esxNetworkPtr, uuid: *mut c_uchar) -> c_int {
    export!(esxNetworkGetUUID(network: Net, uuid: OutArray<c_uchar>) {
        // SAFETY: the caller provides 16 writable bytes (ESX_UUID_BUFLEN).
        unsafe { std::ptr::copy_nonoverlapping(network.net.uuid.as_ptr(), uuid.ptr(), 16) };
        Ok(0)
    })
}

/// Writes the network's UUID as a string into `buf` (ESX_UUID_STRING_BUFLEN
/// bytes).
#[no_mangle]
pub unsafe extern "C" fn esxNetworkGetUUIDString(
    network: esxNetworkPtr,
    buf: *mut c_char,
) -> c_int {
    export!(esxNetworkGetUUIDString(network: Net, buf: OutArray<c_char>) {
        // SAFETY: the caller provides ESX_UUID_STRING_BUFLEN (37) bytes.
        let b = unsafe { std::slice::from_raw_parts_mut(buf.ptr(), ESX_UUID_STRING_BUFLEN) };
        fill_buf(b, &format_uuid(&network.net.uuid));
        Ok(0)
    })
}

/// The network's connection (no reference is added).
#[no_mangle]
pub unsafe extern "C" fn esxNetworkGetConnect(net: esxNetworkPtr) -> esxConnectPtr {
    export!(esxNetworkGetConnect(net: Net) { Ok(pointer(&*net.conn)) })
}

/// Adds a reference to the network handle.
#[no_mangle]
pub unsafe extern "C" fn esxNetworkRef(network: esxNetworkPtr) -> c_int {
    export!(esxNetworkRef() { add_ref(network, "esxNetworkRef").map(|_| 0) })
}

/// Drops a reference to the network handle (the virtual switch is
/// untouched).
#[no_mangle]
pub unsafe extern "C" fn esxNetworkFree(network: esxNetworkPtr) -> c_int {
    export!(esxNetworkFree() { release(network, "esxNetworkFree").map(|_| 0) })
}
