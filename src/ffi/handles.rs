// SPDX-License-Identifier: LGPL-2.1-or-later
//! The opaque, reference-counted handles behind esxConnectPtr,
//! esxDomainPtr and esxDomainSnapshotPtr.
//!
//! A C pointer is never the address of an object: it is a token (a serial
//! number with a type tag, in an address range no allocation can have) that
//! a registry maps to the object. So a handle that was freed is recognised
//! without reading freed memory, a token is never reused for another object
//! (a stale pointer cannot act on someone else's VM), and a call holds its
//! own reference to the object for as long as it runs (closing a connection
//! while other threads use it is safe).
//!
//! A token stays valid while its object lives: while the caller holds a
//! reference, and while another handle holds the object (a domain holds its
//! connection, a snapshot its domain), as libvirt's esxDomainGetConnect and
//! esxDomainSnapshotGetDomain need.

#![allow(non_camel_case_types)]

use std::collections::HashMap;
use std::ffi::CString;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock, Weak};

use crate::driver::{Connection, DomainRef};
use crate::error::{Code, Error};

/// A connection handle.
pub struct esxConnect {
    token: usize,
    pub(crate) conn: Connection,
    /// The installed question handler (owned here so its free callback runs
    /// when it is replaced or the connection goes away).
    pub(crate) question: Mutex<Option<Arc<super::connect::QuestionHook>>>,
    /// The domain event watcher, while callbacks are registered.
    pub(crate) watcher: Mutex<Option<crate::driver::events::Watcher>>,
    /// The last error of a call about this connection and its handler
    /// (esxConnGetLastError, esxConnSetErrorFunc).
    pub(crate) errors: Mutex<super::error::ConnErrors>,
    /// The close callback (esxConnectRegisterCloseCallback); its free
    /// callback runs when it is unregistered or the connection goes away.
    pub(crate) close: Mutex<Option<super::close::CloseHook>>,
}

/// A domain handle. It holds its connection alive.
pub struct esxDomain {
    token: usize,
    pub(crate) conn: Arc<esxConnect>,
    pub(crate) dom: RwLock<DomainRef>,
    pub(crate) name: CString,
}

/// A storage pool handle. It holds its connection alive.
pub struct esxStoragePool {
    token: usize,
    pub(crate) conn: Arc<esxConnect>,
    pub(crate) pool: crate::driver::storage::PoolRef,
    pub(crate) name: CString,
}

/// A storage volume handle. It holds its connection alive.
pub struct esxStorageVol {
    token: usize,
    pub(crate) conn: Arc<esxConnect>,
    pub(crate) vol: crate::driver::storage::VolRef,
    pub(crate) name: CString,
    pub(crate) key: CString,
}

/// A stream handle (volume contents in or out). It holds its connection
/// alive.
pub struct esxStream {
    token: usize,
    /// Dropped first (fields drop in order): an unfinished upload cleans up
    /// while the connection it needs is still open.
    pub(crate) transfer: Mutex<Option<crate::driver::stream::VolStream>>,
    /// Aborts the transfer from any thread without waiting for a call in
    /// progress (which holds `transfer`).
    pub(crate) control: Mutex<Option<Arc<crate::driver::stream::StreamControl>>>,
    /// Kept so that the connection outlives the transfer (and to check that
    /// a volume given with the stream is of the same connection).
    pub(crate) conn: Arc<esxConnect>,
    /// esxStreamNew's flags (ESX_STREAM_NONBLOCK).
    pub(crate) flags: u32,
}

/// A domain snapshot handle. It holds its domain (and connection) alive.
pub struct esxDomainSnapshot {
    token: usize,
    pub(crate) domain: Arc<esxDomain>,
    pub(crate) name: CString,
    /// The tree a listing read, when the handle came from one: parent and
    /// XML questions are answered from it without a request (as the tree
    /// was when listed; other calls read the host).
    pub(crate) tree: Option<Arc<crate::driver::snapshot::SnapshotTree>>,
}

/// A network (virtual switch) handle. It holds its connection alive.
pub struct esxNetwork {
    token: usize,
    pub(crate) conn: Arc<esxConnect>,
    pub(crate) net: crate::driver::network::NetRef,
    pub(crate) name: CString,
}

/// A host interface (physical NIC) handle. It holds its connection alive.
pub struct esxInterface {
    token: usize,
    pub(crate) conn: Arc<esxConnect>,
    pub(crate) iface: crate::driver::interface::IfaceRef,
    pub(crate) name: CString,
    pub(crate) mac: CString,
}

/// The handles of libvirt's other object types (secrets, node devices,
/// network filters and their bindings, checkpoints, network ports). No call
/// of this driver makes one yet, so every pointer C passes for them fails
/// the handle check with libvirt's error for the type
/// (ESX_ERR_INVALID_SECRET, ...); each keeps what libvirt's checks after
/// that one need (its connection).
/// A secret handle.
pub struct esxSecret {
    token: usize,
    pub(crate) conn: Arc<esxConnect>,
}

/// A node device handle (see [`esxSecret`]).
pub struct esxNodeDevice {
    token: usize,
    pub(crate) conn: Arc<esxConnect>,
}

/// A network filter handle (see [`esxSecret`]).
pub struct esxNWFilter {
    token: usize,
    pub(crate) conn: Arc<esxConnect>,
}

/// A network filter binding handle (see [`esxSecret`]).
pub struct esxNWFilterBinding {
    token: usize,
    pub(crate) conn: Arc<esxConnect>,
}

/// A domain checkpoint handle (see [`esxSecret`]); it would hold its
/// domain, as a snapshot does.
pub struct esxDomainCheckpoint {
    token: usize,
    pub(crate) domain: Arc<esxDomain>,
}

/// A network port handle (see [`esxSecret`]); it would hold its network.
pub struct esxNetworkPort {
    token: usize,
    pub(crate) network: Arc<esxNetwork>,
}

/// What a connection's end does beyond forgetting its token: event
/// registrations die with it (their freecb runs), and it logs out.
fn connection_dropped(c: &mut esxConnect) {
    super::events::connection_gone();
    c.conn.connect_close();
}

impl esxStoragePool {
    pub fn new(
        conn: Arc<esxConnect>,
        pool: crate::driver::storage::PoolRef,
    ) -> Arc<esxStoragePool> {
        let name = c_name(&pool.name);
        Arc::new(esxStoragePool {
            token: new_token::<esxStoragePool>(),
            conn,
            pool,
            name,
        })
    }

    /// The driver's storage entries, on this pool's connection.
    pub fn storage(&self) -> crate::driver::Storage<'_> {
        self.conn.conn.storage()
    }
}

impl esxNetwork {
    pub fn new(conn: Arc<esxConnect>, net: crate::driver::network::NetRef) -> Arc<esxNetwork> {
        let name = c_name(&net.name);
        Arc::new(esxNetwork {
            token: new_token::<esxNetwork>(),
            conn,
            net,
            name,
        })
    }

    /// The driver's network entries, on this network's connection.
    pub fn networks(&self) -> crate::driver::Networks<'_> {
        self.conn.conn.networks()
    }
}

impl esxInterface {
    pub fn new(
        conn: Arc<esxConnect>,
        iface: crate::driver::interface::IfaceRef,
    ) -> Arc<esxInterface> {
        let name = c_name(&iface.name);
        let mac = c_name(&iface.mac);
        Arc::new(esxInterface {
            token: new_token::<esxInterface>(),
            conn,
            iface,
            name,
            mac,
        })
    }

    /// The driver's interface entries, on this interface's connection.
    pub fn interfaces(&self) -> crate::driver::Interfaces<'_> {
        self.conn.conn.interfaces()
    }
}

impl esxStorageVol {
    pub fn new(conn: Arc<esxConnect>, vol: crate::driver::storage::VolRef) -> Arc<esxStorageVol> {
        let name = c_name(&vol.name);
        let key = c_name(&vol.key);
        Arc::new(esxStorageVol {
            token: new_token::<esxStorageVol>(),
            conn,
            vol,
            name,
            key,
        })
    }

    /// The driver's storage entries, on this volume's connection.
    pub fn storage(&self) -> crate::driver::Storage<'_> {
        self.conn.conn.storage()
    }
}

impl esxStream {
    pub fn new(conn: Arc<esxConnect>, flags: u32) -> Arc<esxStream> {
        Arc::new(esxStream {
            token: new_token::<esxStream>(),
            conn,
            transfer: Mutex::new(None),
            control: Mutex::new(None),
            flags,
        })
    }

    /// Whether the stream was made with ESX_STREAM_NONBLOCK.
    pub fn nonblocking(&self) -> bool {
        self.flags & crate::driver::flags::esxStreamFlags::ESX_STREAM_NONBLOCK as u32 != 0
    }
}

fn c_name(name: &str) -> CString {
    CString::new(name.replace('\0', " ")).unwrap_or_default()
}

impl esxConnect {
    pub fn new(conn: Connection) -> Arc<esxConnect> {
        Arc::new(esxConnect {
            token: new_token::<esxConnect>(),
            conn,
            question: Mutex::new(None),
            watcher: Mutex::new(None),
            errors: Mutex::new(super::error::ConnErrors::new()),
            close: Mutex::new(None),
        })
    }
}

impl esxDomain {
    pub fn new(conn: Arc<esxConnect>, dom: DomainRef) -> Arc<esxDomain> {
        let name = c_name(&dom.name);
        Arc::new(esxDomain {
            token: new_token::<esxDomain>(),
            conn,
            dom: RwLock::new(dom),
            name,
        })
    }

    /// A copy of the domain's identity.
    pub fn dom(&self) -> DomainRef {
        match self.dom.read() {
            Ok(d) => d.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    /// Takes the domain's identity as the host now reports it (its ID, and
    /// its UUID if the host changed it); the name stays.
    pub fn set_dom(&self, now: DomainRef) {
        if let Ok(mut d) = self.dom.write() {
            *d = now;
        }
    }

    /// The driver's domain entries, on this domain's connection.
    pub fn domains(&self) -> crate::driver::Domains<'_> {
        self.conn.conn.domains()
    }

    /// The driver's snapshot entries, on this domain's connection.
    pub fn snapshots(&self) -> crate::driver::Snapshots<'_> {
        self.conn.conn.snapshots()
    }
}

impl esxDomainSnapshot {
    /// The snapshot's name, as the driver takes it.
    pub fn name(&self) -> String {
        self.name.to_string_lossy().into_owned()
    }

    pub fn new(domain: Arc<esxDomain>, name: &str) -> Arc<esxDomainSnapshot> {
        Self::with_tree(domain, name, None)
    }

    pub fn with_tree(
        domain: Arc<esxDomain>,
        name: &str,
        tree: Option<Arc<crate::driver::snapshot::SnapshotTree>>,
    ) -> Arc<esxDomainSnapshot> {
        Arc::new(esxDomainSnapshot {
            token: new_token::<esxDomainSnapshot>(),
            domain,
            name: c_name(name),
            tree,
        })
    }
}

/// One C reference count per live handle, and the object while the caller
/// holds one.
struct Entry<T> {
    object: Weak<T>,
    /// Present while `c_refs` > 0: the references the caller holds.
    held: Option<Arc<T>>,
    c_refs: usize,
    /// Calls using the object right now (not references anyone holds).
    in_flight: usize,
}

/// The live handles of one type, by token.
pub struct Registry<T> {
    entries: Mutex<Option<HashMap<usize, Entry<T>>>>,
}

impl<T> Registry<T> {
    pub const fn new() -> Registry<T> {
        Registry {
            entries: Mutex::new(None),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Option<HashMap<usize, Entry<T>>>> {
        // A panic elsewhere never leaves an entry half-written: recover.
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn forget(&self, token: usize) {
        if let Some(map) = self.lock().as_mut() {
            map.remove(&token);
        }
    }

    fn leave(&self, token: usize) {
        if let Some(e) = self.lock().as_mut().and_then(|m| m.get_mut(&token)) {
            e.in_flight = e.in_flight.saturating_sub(1);
        }
    }

    /// Live handles of this type (for tests and leak checks).
    pub fn live(&self) -> usize {
        self.lock().as_ref().map_or(0, HashMap::len)
    }
}

impl<T> Default for Registry<T> {
    fn default() -> Self {
        Registry::new()
    }
}

/// A type that C sees only through a token.
pub trait Handle: Sized + 'static {
    /// The type's tag in the token's low bits.
    const TAG: usize;
    fn registry() -> &'static Registry<Self>;
    fn token(&self) -> usize;
    /// The error for a pointer that is not a live handle of this type, in
    /// libvirt's form ("invalid connection pointer in esxConnectGetType").
    fn invalid(export: &str) -> Error;
    /// The connection the handle belongs to (a call's error is dispatched
    /// to it).
    fn owner(this: &Arc<Self>) -> Arc<esxConnect>;
}

/// One declaration per handle type: its tag, the libvirt error a bad
/// pointer gives, and (optionally) what its end does beyond forgetting its
/// token. The registry, the conversion of a C pointer for an export
/// (`FromC` for `Held<T>`, generic) and the Drop follow from it.
macro_rules! handle {
    ($ty:ident, tag $tag:literal, $code:ident, owner |$o:ident| $owner:expr $(, on_drop $hook:path)?) => {
        impl Handle for $ty {
            const TAG: usize = $tag;
            fn registry() -> &'static Registry<Self> {
                static REGISTRY: Registry<$ty> = Registry::new();
                &REGISTRY
            }
            fn token(&self) -> usize {
                self.token
            }
            fn invalid(export: &str) -> Error {
                Error::new(Code::$code, export).from_api()
            }
            fn owner($o: &Arc<Self>) -> Arc<esxConnect> {
                $owner
            }
        }

        impl Drop for $ty {
            fn drop(&mut self) {
                Self::registry().forget(self.token);
                $($hook(self);)?
            }
        }
    };
}

handle!(esxConnect, tag 1, InvalidConn, owner |c| c.clone(), on_drop connection_dropped);
handle!(esxDomain, tag 2, InvalidDomain, owner |d| d.conn.clone());
handle!(esxDomainSnapshot, tag 3, InvalidDomainSnapshot, owner |s| s.domain.conn.clone());
handle!(esxStoragePool, tag 4, InvalidStoragePool, owner |p| p.conn.clone());
handle!(esxStorageVol, tag 5, InvalidStorageVol, owner |v| v.conn.clone());
handle!(esxStream, tag 6, InvalidStream, owner |s| s.conn.clone());
handle!(esxNetwork, tag 7, InvalidNetwork, owner |n| n.conn.clone());
handle!(esxInterface, tag 8, InvalidInterface, owner |i| i.conn.clone());
handle!(esxSecret, tag 9, InvalidSecret, owner |s| s.conn.clone());
handle!(esxNodeDevice, tag 10, InvalidNodeDevice, owner |d| d.conn.clone());
handle!(esxNWFilter, tag 11, InvalidNWFilter, owner |f| f.conn.clone());
handle!(esxNWFilterBinding, tag 12, InvalidNWFilterBinding, owner |b| b.conn.clone());
handle!(esxDomainCheckpoint, tag 13, InvalidDomainCheckpoint, owner |c| c.domain.conn.clone());
handle!(esxNetworkPort, tag 14, InvalidNetworkPort, owner |p| p.network.conn.clone());

/// Tokens live in a range no user-space allocation has on 64-bit systems
/// (a non-canonical address), so that a caller that dereferences one faults
/// at once instead of reading someone's memory.
#[cfg(target_pointer_width = "64")]
const TOKEN_BASE: usize = 0x7e5c_0000_0000_0000;
#[cfg(not(target_pointer_width = "64"))]
const TOKEN_BASE: usize = 0;
const TAG_BITS: u32 = 4;
const TAG_MASK: usize = (1 << TAG_BITS) - 1;

static SERIAL: AtomicUsize = AtomicUsize::new(1);

fn new_token<T: Handle>() -> usize {
    let n = SERIAL.fetch_add(1, Ordering::Relaxed);
    TOKEN_BASE | (n << TAG_BITS) | T::TAG
}

fn token_of<T: Handle>(p: *mut T, what: &str) -> Result<usize, Error> {
    let t = p as usize;
    if p.is_null() || t & TAG_MASK != T::TAG || (t & TOKEN_BASE) != TOKEN_BASE {
        return Err(T::invalid(what));
    }
    Ok(t)
}

/// The C pointer of a handle.
pub fn pointer<T: Handle>(h: &T) -> *mut T {
    h.token() as *mut T
}

/// Hands a new handle to C with one reference.
pub fn into_raw<T: Handle>(a: Arc<T>) -> *mut T {
    let token = a.token();
    let mut guard = T::registry().lock();
    guard.get_or_insert_with(HashMap::new).insert(
        token,
        Entry {
            object: Arc::downgrade(&a),
            held: Some(a),
            c_refs: 1,
            in_flight: 0,
        },
    );
    token as *mut T
}

/// A handle in use by a call: the object stays alive until the call ends,
/// and is not counted as a reference anyone holds.
pub struct Held<T: Handle> {
    object: Arc<T>,
}

impl<T: Handle> Held<T> {
    /// A counted reference for something that keeps the object (a new
    /// domain handle keeps its connection).
    pub fn arc(&self) -> Arc<T> {
        self.object.clone()
    }
}

impl<T: Handle> std::ops::Deref for Held<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.object
    }
}

impl<T: Handle> Drop for Held<T> {
    fn drop(&mut self) {
        // The registry lock is released before `object` is dropped (after
        // this function), which may run the object's own Drop.
        T::registry().leave(self.object.token());
    }
}

/// The handle behind a C pointer, kept alive for the caller's use: a NULL,
/// foreign, freed or mistyped pointer is an error, never a memory access.
pub fn get<T: Handle>(p: *mut T, what: &str) -> Result<Held<T>, Error> {
    let token = token_of(p, what)?;
    let mut guard = T::registry().lock();
    let entry = guard
        .as_mut()
        .and_then(|m| m.get_mut(&token))
        .ok_or_else(|| T::invalid(what))?;
    let object = entry.object.upgrade().ok_or_else(|| T::invalid(what))?;
    entry.in_flight += 1;
    drop(guard);
    // The first handle of a call names the connection its error goes to.
    super::boundary::note_connection(|| T::owner(&object));
    Ok(Held { object })
}

/// Adds a reference for the caller (esx*Ref).
pub fn add_ref<T: Handle>(p: *mut T, what: &str) -> Result<(), Error> {
    let token = token_of(p, what)?;
    let mut guard = T::registry().lock();
    let entry = guard
        .as_mut()
        .and_then(|m| m.get_mut(&token))
        .ok_or_else(|| T::invalid(what))?;
    let object = entry.object.upgrade().ok_or_else(|| T::invalid(what))?;
    entry.c_refs += 1;
    let previous = entry.held.replace(object);
    drop(guard);
    // Dropped outside the lock (it is a duplicate of the one now held).
    drop(previous);
    Ok(())
}

/// Drops one of the caller's references; returns how many references
/// remain: the caller's, and those other handles hold (libvirt's count).
pub fn release<T: Handle>(p: *mut T, what: &str) -> Result<usize, Error> {
    let token = token_of(p, what)?;
    let mut guard = T::registry().lock();
    let entry = guard
        .as_mut()
        .and_then(|m| m.get_mut(&token))
        .ok_or_else(|| T::invalid(what))?;
    if entry.c_refs == 0 {
        // Alive only through another handle: the caller has none to drop.
        return Err(T::invalid(what));
    }
    entry.c_refs -= 1;
    let dropped = if entry.c_refs == 0 {
        entry.held.take()
    } else {
        None
    };
    // Others: handles that keep this one (domains their connection), not
    // calls in flight on other threads.
    let others = entry.object.strong_count().saturating_sub(
        usize::from(entry.held.is_some()) + usize::from(dropped.is_some()) + entry.in_flight,
    );
    let remaining = entry.c_refs + others;
    drop(guard);
    // The object may go now (its Drop takes the registry lock).
    drop(dropped);
    Ok(remaining)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_tagged_and_never_reused() {
        let a = new_token::<esxDomain>();
        let b = new_token::<esxDomain>();
        assert_ne!(a, b);
        assert_eq!(a & TAG_MASK, 2);
        assert!(token_of::<esxConnect>(a as *mut esxConnect, "x").is_err());
        assert!(token_of::<esxDomain>(a as *mut esxDomain, "x").is_ok());
        assert!(token_of::<esxDomain>(std::ptr::null_mut(), "x").is_err());
        let heap = Box::into_raw(Box::new(0u64)) as *mut esxDomain;
        assert!(token_of::<esxDomain>(heap, "x").is_err());
        // SAFETY: the box made just above.
        drop(unsafe { Box::from_raw(heap as *mut u64) });
        assert!(get::<esxDomain>(a as *mut esxDomain, "x").is_err());
    }
}
