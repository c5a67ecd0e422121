//! The opaque, reference-counted handles behind esxConnectPtr,
//! esxDomainPtr and esxDomainSnapshotPtr, and typed conversions between
//! them and C pointers (rustls-ffi's Castable idea, STYLE.md 3).
//!
//! A handle is an `Arc`; the C pointer is `Arc::into_raw`. Every handle
//! starts with a magic number, so a stale or foreign pointer is reported as
//! INVALID_CONN / INVALID_DOMAIN instead of being used, as far as that can
//! be detected.

#![allow(non_camel_case_types)]

use std::ffi::CString;
use std::sync::{Arc, Mutex, RwLock};

use crate::driver::{Connection, DomainRef};
use crate::error::Error;

const CONN_MAGIC: u64 = 0x4553_5843_4f4e_4e31; // "ESXCONN1"
const DOM_MAGIC: u64 = 0x4553_5844_4f4d_3121; // "ESXDOM1!"
const SNAP_MAGIC: u64 = 0x4553_5853_4e41_5031; // "ESXSNAP1"

/// A connection handle.
pub struct esxConnect {
    magic: u64,
    pub(crate) conn: Connection,
    /// The installed question handler (owned here so its free callback runs
    /// when it is replaced or the connection goes away).
    pub(crate) question: Mutex<Option<Arc<super::connect::QuestionHook>>>,
}

/// A domain handle. It holds its connection alive.
pub struct esxDomain {
    magic: u64,
    pub(crate) conn: Arc<esxConnect>,
    pub(crate) dom: RwLock<DomainRef>,
    pub(crate) name: CString,
}

/// A domain snapshot handle. It holds its domain (and connection) alive.
pub struct esxDomainSnapshot {
    magic: u64,
    // Read by the snapshot exports.
    #[allow(dead_code)]
    pub(crate) domain: Arc<esxDomain>,
    #[allow(dead_code)]
    pub(crate) name: CString,
}

impl Drop for esxConnect {
    fn drop(&mut self) {
        self.magic = 0;
        self.conn.close();
    }
}

impl Drop for esxDomain {
    fn drop(&mut self) {
        self.magic = 0;
    }
}

impl Drop for esxDomainSnapshot {
    fn drop(&mut self) {
        self.magic = 0;
    }
}

fn c_name(name: &str) -> CString {
    CString::new(name.replace('\0', " ")).unwrap_or_default()
}

impl esxConnect {
    pub fn new(conn: Connection) -> Arc<esxConnect> {
        Arc::new(esxConnect {
            magic: CONN_MAGIC,
            conn,
            question: Mutex::new(None),
        })
    }
}

impl esxDomain {
    pub fn new(conn: Arc<esxConnect>, dom: DomainRef) -> Arc<esxDomain> {
        let name = c_name(&dom.name);
        Arc::new(esxDomain {
            magic: DOM_MAGIC,
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

    pub fn set_id(&self, id: i32) {
        if let Ok(mut d) = self.dom.write() {
            d.id = id;
        }
    }
}

impl esxDomainSnapshot {
    pub fn new(domain: Arc<esxDomain>, name: &str) -> Arc<esxDomainSnapshot> {
        Arc::new(esxDomainSnapshot {
            magic: SNAP_MAGIC,
            domain,
            name: c_name(name),
        })
    }
}

/// A type that C sees only through a pointer to an `Arc`.
pub trait Handle: Sized {
    const MAGIC: u64;
    fn magic(&self) -> u64;
    fn invalid(what: &str) -> Error;
}

impl Handle for esxConnect {
    const MAGIC: u64 = CONN_MAGIC;
    fn magic(&self) -> u64 {
        self.magic
    }
    fn invalid(what: &str) -> Error {
        Error::invalid_conn(format!("{what}: invalid connection pointer"))
    }
}

impl Handle for esxDomain {
    const MAGIC: u64 = DOM_MAGIC;
    fn magic(&self) -> u64 {
        self.magic
    }
    fn invalid(what: &str) -> Error {
        Error::invalid_domain(format!("{what}: invalid domain pointer"))
    }
}

impl Handle for esxDomainSnapshot {
    const MAGIC: u64 = SNAP_MAGIC;
    fn magic(&self) -> u64 {
        self.magic
    }
    fn invalid(what: &str) -> Error {
        Error::new(
            crate::error::Code::InvalidDomainSnapshot,
            format!("{what}: invalid snapshot pointer"),
        )
    }
}

/// Borrows the handle behind a C pointer for the duration of a call.
///
/// # Safety
/// `p` must be NULL or a pointer this library returned and that the caller
/// still holds a reference to.
pub unsafe fn borrow<'a, T: Handle>(p: *mut T, what: &str) -> Result<&'a T, Error> {
    if p.is_null() {
        return Err(T::invalid(what));
    }
    // SAFETY: non-NULL and, per the contract, pointing into a live Arc.
    let r = unsafe { &*p };
    if r.magic() != T::MAGIC {
        return Err(T::invalid(what));
    }
    Ok(r)
}

/// A new counted reference to the handle behind a C pointer.
///
/// # Safety
/// As for `borrow`.
pub unsafe fn clone_arc<T: Handle>(p: *mut T, what: &str) -> Result<Arc<T>, Error> {
    // SAFETY: forwarded contract; borrow validates the pointer.
    unsafe { borrow(p, what) }?;
    // SAFETY: p came from Arc::into_raw and the caller holds a reference.
    unsafe {
        Arc::increment_strong_count(p as *const T);
        Ok(Arc::from_raw(p as *const T))
    }
}

/// Hands a reference to C.
pub fn into_raw<T>(a: Arc<T>) -> *mut T {
    Arc::into_raw(a) as *mut T
}

/// Drops the caller's reference; returns how many references remain.
///
/// # Safety
/// As for `borrow`; the caller gives up its reference.
pub unsafe fn release<T: Handle>(p: *mut T, what: &str) -> Result<usize, Error> {
    // SAFETY: forwarded contract.
    unsafe { borrow(p, what) }?;
    // SAFETY: p came from Arc::into_raw; this consumes the caller's reference.
    let arc = unsafe { Arc::from_raw(p as *const T) };
    let remaining = Arc::strong_count(&arc) - 1;
    drop(arc);
    Ok(remaining)
}

/// Adds a reference for the caller (esx*Ref).
///
/// # Safety
/// As for `borrow`.
pub unsafe fn add_ref<T: Handle>(p: *mut T, what: &str) -> Result<(), Error> {
    // SAFETY: forwarded contract.
    unsafe { borrow(p, what) }?;
    // SAFETY: p came from Arc::into_raw and is alive.
    unsafe { Arc::increment_strong_count(p as *const T) };
    Ok(())
}
