// SPDX-License-Identifier: LGPL-2.1-or-later
//! Domain events through the C ABI, in libvirt's model: the application
//! registers an event loop (esxEventRegisterDefaultImpl and
//! esxEventRunDefaultImpl, or its own with esxEventRegisterImpl) and runs
//! it; callbacks registered with esxConnectDomainEventRegisterAny (or the
//! legacy Register) are called from that loop, on the thread that runs
//! it, under no lock of this library: a callback may call any function,
//! deregister itself or others. A registration's `freecb` runs when it is
//! deregistered (after a call in progress returns) or its connection goes
//! away.
//!
//! Network events (esxConnectNetworkEventRegisterAny: a virtual switch
//! defined, changed or undefined on the host) come the same way, from the
//! same watcher.
//!
//! Each connection with callbacks has one watcher (crate::driver::events)
//! that queues what the host reports; a timer of the registered loop
//! (libvirt's way: armed while events wait) delivers the queue.

use std::collections::VecDeque;
use std::os::raw::{c_int, c_void};
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};

use super::event_loop;
use super::export::{export, Conn, Dom, Net};
use super::generated::types::esxConnectNetworkEventGenericCallback;
use super::handles::{esxConnect, esxDomain, esxNetwork, into_raw, pointer, release};
use super::questions::OwnedQuestion;
use super::types::*;
use crate::driver::events::DomainEvent;
use crate::driver::flags::esxDomainEventID::*;
use crate::driver::network::NetRef;
use crate::error::Error;

/// A registration; `freecb(opaque)` runs when the last reference goes
/// (deregistration, or the end of a call in progress).
struct Registration {
    id: c_int,
    conn: Weak<esxConnect>,
    /// Only this domain's (or network's) events (its UUID), or all.
    dom: Option<[u8; 16]>,
    /// A network event registration (its IDs are esxNetworkEventID's).
    network: bool,
    event_id: c_int,
    /// libvirt's generic callback, cast by event ID when called.
    cb: unsafe extern "C" fn(),
    /// The legacy API's callback (esxConnectDomainEventDeregister finds it).
    legacy: bool,
    opaque: *mut c_void,
    free: esxFreeCallback,
    active: AtomicBool,
}

// SAFETY: the callback and its data are the caller's, which promises (as in
// libvirt) that they may be used from the thread running the event loop.
unsafe impl Send for Registration {}
// SAFETY: as above.
unsafe impl Sync for Registration {}

impl Drop for Registration {
    fn drop(&mut self) {
        if let Some(f) = self.free {
            // SAFETY: the caller's free callback for its own data, once.
            unsafe { f(self.opaque) };
        }
    }
}

/// esxNetworkEventID's only event (the header's enum is libvirt's, generated).
const NETWORK_EVENT_ID_LIFECYCLE: c_int = 0;

/// Events held for the loop at most (then the oldest are dropped), unless
/// ESX_DRIVER_EVENT_QUEUE says otherwise.
const DEFAULT_MAX_QUEUED: usize = 100_000;
static NEXT_ID: AtomicI32 = AtomicI32::new(1);
static REGISTRATIONS: Mutex<Vec<Arc<Registration>>> = Mutex::new(Vec::new());
static QUEUE: Mutex<Queue> = Mutex::new(Queue {
    events: VecDeque::new(),
    dropped: 0,
    armed: false,
});
/// The loop's timer that delivers the queue (-1: none yet).
static TIMER: Mutex<c_int> = Mutex::new(-1);
/// Domain events delivered so far (esxEventRunDefaultImplTimeout counts).
static DELIVERED: AtomicU64 = AtomicU64::new(0);

/// The events waiting for the loop, how many were dropped since the loop
/// last delivered (one burst), and whether the delivery timer is armed.
struct Queue {
    events: VecDeque<(Weak<esxConnect>, DomainEvent)>,
    dropped: u64,
    armed: bool,
}

/// Domain events delivered so far.
pub(crate) fn delivered() -> u64 {
    DELIVERED.load(Ordering::SeqCst)
}

/// The queue's bound: ESX_DRIVER_EVENT_QUEUE (1 to 10,000,000) or 100,000.
fn max_queued() -> usize {
    static MAX: OnceLock<usize> = OnceLock::new();
    *MAX.get_or_init(|| {
        let Ok(text) = std::env::var("ESX_DRIVER_EVENT_QUEUE") else {
            return DEFAULT_MAX_QUEUED;
        };
        match text.trim().parse::<usize>() {
            Ok(n) if (1..=10_000_000).contains(&n) => n,
            _ => {
                log::warn!(
                    "ESX_DRIVER_EVENT_QUEUE='{}' is not a number from 1 to 10000000; using {DEFAULT_MAX_QUEUED}",
                    text.escape_debug()
                );
                DEFAULT_MAX_QUEUED
            }
        }
    })
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Whether a registration is the connection's. By address: upgrading the
/// weak reference under the registry's lock could drop the last reference
/// there, and a connection's end takes that lock.
fn same(r: &Registration, conn: &esxConnect) -> bool {
    std::ptr::eq(r.conn.as_ptr(), conn)
}

/// Starts the connection's watcher if it has none.
fn ensure_watcher(conn: &Arc<esxConnect>) -> Result<(), Error> {
    let mut slot = lock(&conn.watcher);
    if slot.is_some() {
        return Ok(());
    }
    let weak = Arc::downgrade(conn);
    let sink = Arc::new(move |e: DomainEvent| {
        let max = max_queued();
        let mut q = lock(&QUEUE);
        // Bounded: a loop nobody runs must not let a busy host fill memory.
        // The oldest events go first; the log says so once when a burst of
        // drops starts, and how many went when the loop runs again.
        if q.events.len() >= max {
            q.events.pop_front();
            if q.dropped == 0 {
                log::warn!(
                    "domain events: {max} events wait for the event loop; dropping the oldest \
                     until it runs"
                );
            }
            q.dropped += 1;
        }
        q.events.push_back((weak.clone(), e));
        let arm = !std::mem::replace(&mut q.armed, true);
        drop(q);
        // Outside the queue's lock: the program's loop may hold its own
        // while it calls the delivery.
        if arm {
            event_loop::update_timeout(*lock(&TIMER), 0);
        }
    });
    *slot = Some(conn.conn.watch_domains(sink)?);
    Ok(())
}

/// Stops the watcher when no registration of the connection is left.
fn maybe_stop(conn: &esxConnect) {
    let any = lock(&REGISTRATIONS).iter().any(|r| same(r, conn));
    if !any {
        // Dropped, not joined: its wait on the host is cancelled and the
        // thread ends without reporting more; a callback deregistering
        // itself never waits for the thread.
        lock(&conn.watcher).take();
    }
}

/// What a registration is for: which object family and event, and which
/// object (its UUID) or all.
struct Target {
    dom: Option<[u8; 16]>,
    network: bool,
    event_id: c_int,
}

fn register(
    c: &Conn,
    target: Target,
    cb: unsafe extern "C" fn(),
    legacy: bool,
    opaque: *mut c_void,
    free: esxFreeCallback,
) -> Result<c_int, Error> {
    let Target {
        dom,
        network,
        event_id,
    } = target;
    if !event_loop::has_timers() {
        return Err(Error::operation_invalid(
            "No event loop: call esxEventRegisterDefaultImpl first, then run esxEventRunDefaultImpl \
             (or register the program's loop, with its timers, with esxEventRegisterImpl)",
        ));
    }
    let known = if network {
        event_id == NETWORK_EVENT_ID_LIFECYCLE
    } else {
        (ESX_DOMAIN_EVENT_ID_LIFECYCLE as c_int..27).contains(&event_id)
            || event_id == ESX_DOMAIN_EVENT_ID_QUESTION as c_int
    };
    if !known {
        return Err(Error::invalid_arg(format!(
            "unsupported event ID {event_id}"
        )));
    }
    // libvirt's rule: the same callback for the same event (and domain)
    // on a connection is refused, so that one deregistration ends it.
    let tracked = lock(&REGISTRATIONS).iter().any(|r| {
        same(r, c)
            && r.network == network
            && r.event_id == event_id
            && r.dom == dom
            && r.legacy == legacy
            && r.cb as usize == cb as usize
    });
    if tracked {
        return Err(Error::invalid_arg("event callback already tracked"));
    }
    let conn = c.arc();
    ensure_timer()?;
    ensure_watcher(&conn)?;
    let id = NEXT_ID.fetch_add(1, Ordering::SeqCst);
    lock(&REGISTRATIONS).push(Arc::new(Registration {
        id,
        conn: Arc::downgrade(&conn),
        dom,
        network,
        event_id,
        cb,
        legacy,
        opaque,
        free,
        active: AtomicBool::new(true),
    }));
    Ok(id)
}

fn deregister(c: &Conn, pick: impl Fn(&Registration) -> bool) -> Result<(), Error> {
    let removed = {
        let mut regs = lock(&REGISTRATIONS);
        let at = regs.iter().position(|r| same(r, c) && pick(r));
        at.map(|i| regs.remove(i))
    };
    let Some(r) = removed else {
        return Err(Error::invalid_arg(
            "could not find event callback for deregistration",
        ));
    };
    r.active.store(false, Ordering::SeqCst);
    // Dropped outside the lock: freecb may call into this library.
    drop(r);
    maybe_stop(c);
    Ok(())
}

/// Drops the registrations of connections that are gone (called as a
/// connection handle is destroyed): their freecb runs, as in libvirt.
pub(crate) fn connection_gone() {
    let gone: Vec<Arc<Registration>> = {
        let mut regs = lock(&REGISTRATIONS);
        let (dead, live): (Vec<_>, Vec<_>) =
            regs.drain(..).partition(|r| r.conn.strong_count() == 0);
        *regs = live;
        dead
    };
    for r in &gone {
        r.active.store(false, Ordering::SeqCst);
    }
    // Outside the lock: freecb may call into this library.
    drop(gone);
}

/// Adds the loop's delivery timer, disabled until events wait (libvirt's
/// object event timer).
fn ensure_timer() -> Result<(), Error> {
    let mut t = lock(&TIMER);
    if *t >= 0 {
        return Ok(());
    }
    let id = event_loop::add_timeout(-1, Some(deliver_queue), std::ptr::null_mut(), None);
    if id < 0 {
        return Err(Error::internal("could not initialize domain event timer"));
    }
    *t = id;
    Ok(())
}

/// The delivery timer: every queued event to its callbacks, in order.
unsafe extern "C" fn deliver_queue(timer: c_int, _opaque: *mut c_void) {
    let _ = std::panic::catch_unwind(|| {
        // Disabled first, then emptied: an event queued after the queue is
        // taken arms the timer again (see the sink).
        event_loop::update_timeout(timer, -1);
        let (events, dropped) = {
            let mut q = lock(&QUEUE);
            q.armed = false;
            let dropped = std::mem::take(&mut q.dropped);
            (q.events.drain(..).collect::<Vec<_>>(), dropped)
        };
        if dropped > 0 {
            log::warn!(
                "domain events: {dropped} events were dropped (the oldest) while {} waited for \
                 the event loop",
                max_queued()
            );
        }
        for (conn, e) in events {
            DELIVERED.fetch_add(1, Ordering::SeqCst);
            if let Some(conn) = conn.upgrade() {
                deliver(&conn, &e);
            }
        }
    });
}

/// Calls every matching network callback, holding no lock.
fn deliver_network(conn: &Arc<esxConnect>, net: &NetRef, event: c_int, detail: c_int) {
    let regs: Vec<Arc<Registration>> = lock(&REGISTRATIONS)
        .iter()
        .filter(|r| {
            r.network
                && r.event_id == NETWORK_EVENT_ID_LIFECYCLE
                && r.dom.map_or(true, |u| u == net.uuid)
                && same(r, conn)
        })
        .cloned()
        .collect();
    for r in regs {
        if !r.active.load(Ordering::SeqCst) {
            continue;
        }
        let handle = into_raw(esxNetwork::new(conn.clone(), net.clone()));
        let c = pointer(&**conn);
        // SAFETY: the caller registered `cb` for the lifecycle event, whose
        // signature is virConnectNetworkEventLifecycleCallback's; the
        // network handle is valid for the call.
        unsafe {
            let f: unsafe extern "C" fn(esxConnectPtr, esxNetworkPtr, c_int, c_int, *mut c_void) =
                std::mem::transmute(r.cb);
            f(c, handle, event, detail, r.opaque);
        }
        let _ = release(handle, "network event");
    }
}

/// Calls every matching callback, holding no lock.
fn deliver(conn: &Arc<esxConnect>, e: &DomainEvent) {
    let (dom, id) = match e {
        DomainEvent::Network { net, event, detail } => {
            return deliver_network(conn, net, *event, *detail);
        }
        DomainEvent::Lifecycle { dom, .. } => (dom, ESX_DOMAIN_EVENT_ID_LIFECYCLE as c_int),
        DomainEvent::Reboot { dom } => (dom, ESX_DOMAIN_EVENT_ID_REBOOT as c_int),
        DomainEvent::Question { dom, .. } => (dom, ESX_DOMAIN_EVENT_ID_QUESTION as c_int),
    };
    let regs: Vec<Arc<Registration>> = lock(&REGISTRATIONS)
        .iter()
        .filter(|r| {
            !r.network && r.event_id == id && r.dom.map_or(true, |u| u == dom.uuid) && same(r, conn)
        })
        .cloned()
        .collect();
    let question = match e {
        DomainEvent::Question {
            question: Some(q), ..
        } => Some(OwnedQuestion::new(q)),
        _ => None,
    };
    for r in regs {
        // An earlier callback of this round may have deregistered it.
        if !r.active.load(Ordering::SeqCst) {
            continue;
        }
        let handle = into_raw(esxDomain::new(conn.clone(), dom.clone()));
        let c = pointer(&**conn);
        // SAFETY: the caller registered `cb` for this event ID, whose
        // signature the ID names (libvirt's model); the domain handle is
        // valid for the call.
        unsafe {
            match e {
                DomainEvent::Lifecycle { event, detail, .. } => {
                    let f: unsafe extern "C" fn(
                        esxConnectPtr,
                        esxDomainPtr,
                        c_int,
                        c_int,
                        *mut c_void,
                    ) -> c_int = std::mem::transmute(r.cb);
                    f(c, handle, *event, *detail, r.opaque);
                }
                DomainEvent::Reboot { .. } => {
                    let f: unsafe extern "C" fn(esxConnectPtr, esxDomainPtr, *mut c_void) =
                        std::mem::transmute(r.cb);
                    f(c, handle, r.opaque);
                }
                DomainEvent::Network { .. } => {}
                DomainEvent::Question { .. } => {
                    let f: unsafe extern "C" fn(
                        esxConnectPtr,
                        esxDomainPtr,
                        *const esxQuestion,
                        *mut c_void,
                    ) = std::mem::transmute(r.cb);
                    let q = question
                        .as_ref()
                        .map_or(std::ptr::null(), |q| &q.q as *const esxQuestion);
                    f(c, handle, q, r.opaque);
                }
            }
        }
        let _ = release(handle, "domain event");
    }
}

/// Registers `cb` for events `eventID` (esxDomainEventID) of `dom` (NULL:
/// every domain) on the connection; `cb` is cast to the callback type the
/// ID names, as libvirt does (ESX_DOMAIN_EVENT_CALLBACK). Returns the
/// callback ID for esxConnectDomainEventDeregisterAny.
#[no_mangle]
pub unsafe extern "C" fn esxConnectDomainEventRegisterAny(
    c: esxConnectPtr,
    dom: esxDomainPtr,
    eventID: c_int,
    cb: esxConnectDomainEventGenericCallback,
    opaque: *mut c_void,
    freecb: esxFreeCallback,
) -> c_int {
    export!(esxConnectDomainEventRegisterAny(c: Conn) {
        let Some(cb) = cb else {
            return Err(Error::invalid_arg("cb must not be NULL"));
        };
        // NULL: every domain; else a live domain handle.
        let dom: Option<Dom> = if dom.is_null() {
            None
        } else {
            Some(super::handles::get(dom, "esxConnectDomainEventRegisterAny")?)
        };
        // libvirt's rule: the domain must be of this connection.
        if let Some(d) = &dom {
            if !std::sync::Arc::ptr_eq(&d.conn, &c.arc()) {
                return Err(Error::invalid_arg(format!(
                    "domain '{}' must match connection",
                    d.dom().name
                )));
            }
        }
        // SAFETY: only stored; cast back to its real type when called.
        let generic: unsafe extern "C" fn() = unsafe { std::mem::transmute(cb) };
        let target = Target {
            dom: dom.map(|d| d.dom().uuid),
            network: false,
            event_id: eventID,
        };
        register(&c, target, generic, false, opaque, freecb)
    })
}

/// Removes the registration `callbackID`; its freecb runs once a call in
/// progress returns.
#[no_mangle]
pub unsafe extern "C" fn esxConnectDomainEventDeregisterAny(
    c: esxConnectPtr,
    callbackID: c_int,
) -> c_int {
    export!(esxConnectDomainEventDeregisterAny(c: Conn) {
        deregister(&c, |r| r.id == callbackID && !r.legacy && !r.network).map(|_| 0)
    })
}

/// libvirt's legacy registration: lifecycle events of every domain.
#[no_mangle]
pub unsafe extern "C" fn esxConnectDomainEventRegister(
    c: esxConnectPtr,
    cb: esxConnectDomainEventCallback,
    opaque: *mut c_void,
    freecb: esxFreeCallback,
) -> c_int {
    export!(esxConnectDomainEventRegister(c: Conn) {
        let Some(cb) = cb else {
            return Err(Error::invalid_arg("cb must not be NULL"));
        };
        // SAFETY: only stored; cast back to its real type when called.
        let generic: unsafe extern "C" fn() = unsafe { std::mem::transmute(cb) };
        let target = Target {
            dom: None,
            network: false,
            event_id: ESX_DOMAIN_EVENT_ID_LIFECYCLE as c_int,
        };
        register(&c, target, generic, true, opaque, freecb).map(|_| 0)
    })
}

/// Removes the legacy registration of `cb`.
#[no_mangle]
pub unsafe extern "C" fn esxConnectDomainEventDeregister(
    c: esxConnectPtr,
    cb: esxConnectDomainEventCallback,
) -> c_int {
    export!(esxConnectDomainEventDeregister(c: Conn) {
        let Some(cb) = cb else {
            return Err(Error::invalid_arg("cb must not be NULL"));
        };
        let want = cb as usize;
        deregister(&c, |r| r.legacy && r.cb as usize == want).map(|_| 0)
    })
}

/// Registers `cb` for network events `eventID` (esxNetworkEventID: only
/// ESX_NETWORK_EVENT_ID_LIFECYCLE) of `net` (NULL: every network): a
/// virtual switch defined (or changed: DEFINED again) or undefined on the
/// host, by anyone. `cb` is cast to the callback type the ID names
/// (ESX_NETWORK_EVENT_CALLBACK). Returns the callback ID for
/// esxConnectNetworkEventDeregisterAny.
#[no_mangle]
pub unsafe extern "C" fn esxConnectNetworkEventRegisterAny(
    conn: esxConnectPtr,
    net: esxNetworkPtr,
    eventID: c_int,
    cb: esxConnectNetworkEventGenericCallback,
    opaque: *mut c_void,
    freecb: esxFreeCallback,
) -> c_int {
    export!(esxConnectNetworkEventRegisterAny(conn: Conn) {
        const F: &str = "esxConnectNetworkEventRegisterAny";
        // libvirt's checks, in its order.
        let net: Option<Net> = if net.is_null() {
            None
        } else {
            Some(super::handles::get(net, F)?)
        };
        if let Some(n) = &net {
            if !Arc::ptr_eq(&n.conn, &conn.arc()) {
                return Err(Error::invalid_arg(format!(
                    "network '{}' in {F} must match connection",
                    n.net.name
                )));
            }
        }
        let Some(cb) = cb else {
            return Err(Error::invalid_arg(format!("cb in {F} must not be NULL")));
        };
        if eventID < 0 {
            return Err(Error::invalid_arg(format!(
                "eventID in {F} must be zero or greater"
            )));
        }
        // ESX_NETWORK_EVENT_ID_LAST is 1.
        if eventID > NETWORK_EVENT_ID_LIFECYCLE {
            return Err(Error::invalid_arg(format!(
                "eventID in {F} must be less than {}",
                NETWORK_EVENT_ID_LIFECYCLE + 1
            )));
        }
        // SAFETY: only stored; cast back to its real type when called.
        let generic: unsafe extern "C" fn() = unsafe { std::mem::transmute(cb) };
        let target = Target {
            dom: net.map(|n| n.net.uuid),
            network: true,
            event_id: eventID,
        };
        register(&conn, target, generic, false, opaque, freecb)
    })
}

/// Removes the network event registration `callbackID`; its freecb runs
/// once a call in progress returns.
#[no_mangle]
pub unsafe extern "C" fn esxConnectNetworkEventDeregisterAny(
    conn: esxConnectPtr,
    callbackID: c_int,
) -> c_int {
    export!(esxConnectNetworkEventDeregisterAny(conn: Conn) {
        if callbackID < 0 {
            return Err(Error::invalid_arg(
                "callbackID in esxConnectNetworkEventDeregisterAny must be zero or greater",
            ));
        }
        deregister(&conn, |r| r.id == callbackID && r.network).map(|_| 0)
    })
}
