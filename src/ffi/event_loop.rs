// SPDX-License-Identifier: LGPL-2.1-or-later
//! libvirt's event loop API (libvirt-event.h): a program's own file
//! descriptors and timers run in the same loop as this library's events.
//!
//! Either the program registers its own loop (esxEventRegisterImpl: six
//! functions of, say, GLib's or libevent's loop), or the default one
//! (esxEventRegisterDefaultImpl), a poll(2) loop it runs with
//! esxEventRunDefaultImpl. The first registration stays, as in libvirt
//! (a later one is ignored with a warning). esxEventAddHandle and the
//! others go to whichever is registered, and fail (-1, no error) without
//! one, as libvirt's.
//!
//! The library itself schedules through the same functions: its domain
//! events (crate::ffi::events) are delivered by a timer that it arms when
//! events wait, so they reach the program in its loop, on the loop's
//! thread, whichever loop that is.
//!
//! The default loop: callbacks run on the thread running the loop, under
//! no lock of this library (a callback may add, update or remove any
//! handle or timer, its own included, and call any function). A removed
//! handle's or timer's free function runs on the loop's thread once its
//! callback is not running, at the start or end of an iteration (libvirt's
//! "some time after the removal returns"). Additions and changes from
//! other threads wake a loop waiting in poll. One thread runs an
//! iteration at a time; a callback may run a nested iteration.

use std::os::raw::{c_int, c_void};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

use super::export::export;
use super::types::*;
use crate::error::{from, Error};

const READABLE: c_int = 1;
const WRITABLE: c_int = 2;
const ERROR: c_int = 4;
const HANGUP: c_int = 8;

type HandleFn = unsafe extern "C" fn(c_int, c_int, c_int, *mut c_void);
type TimeoutFn = unsafe extern "C" fn(c_int, *mut c_void);

/// A program's own loop, as esxEventRegisterImpl got it.
#[derive(Clone, Copy)]
struct Custom {
    add_handle: esxEventAddHandleFunc,
    update_handle: esxEventUpdateHandleFunc,
    remove_handle: esxEventRemoveHandleFunc,
    add_timeout: esxEventAddTimeoutFunc,
    update_timeout: esxEventUpdateTimeoutFunc,
    remove_timeout: esxEventRemoveTimeoutFunc,
}

#[derive(Clone, Copy)]
enum Impl {
    None,
    Default,
    Custom(Custom),
}

static IMPL: Mutex<Impl> = Mutex::new(Impl::None);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn current() -> Impl {
    *lock(&IMPL)
}

/// Whether a loop with timers is registered (what the library's own
/// events need).
pub(crate) fn has_timers() -> bool {
    match current() {
        Impl::None => false,
        Impl::Default => true,
        Impl::Custom(c) => {
            c.add_timeout.is_some() && c.update_timeout.is_some() && c.remove_timeout.is_some()
        }
    }
}

// ------------------------------------------------------------ default loop

struct HandleEntry {
    id: c_int,
    fd: c_int,
    events: c_int,
    cb: HandleFn,
    opaque: *mut c_void,
    ff: esxFreeCallback,
    deleted: bool,
    running: bool,
}

struct TimerEntry {
    id: c_int,
    /// Milliseconds between firings; -1 disabled, 0 every iteration.
    frequency: c_int,
    expires: Option<Instant>,
    cb: TimeoutFn,
    opaque: *mut c_void,
    ff: esxFreeCallback,
    deleted: bool,
    running: bool,
}

struct Loop {
    handles: Vec<HandleEntry>,
    timers: Vec<TimerEntry>,
    next_watch: c_int,
    next_timer: c_int,
    /// Free functions of removed entries, run by the loop.
    frees: Vec<(unsafe extern "C" fn(*mut c_void), *mut c_void)>,
    /// The pipe that wakes a loop waiting in poll (read end, write end).
    wake: Option<(c_int, c_int)>,
}

// SAFETY: the callbacks and their data are the program's, registered for
// the loop's thread (libvirt's contract); nothing here dereferences them.
unsafe impl Send for Loop {}

static LOOP: Mutex<Loop> = Mutex::new(Loop {
    handles: Vec::new(),
    timers: Vec::new(),
    next_watch: 1,
    next_timer: 1,
    frees: Vec::new(),
    wake: None,
});

/// The thread running an iteration, and how deep (nested iterations).
static RUNNER: Mutex<Option<(ThreadId, usize)>> = Mutex::new(None);
static RUNNER_FREE: Condvar = Condvar::new();

fn wake(l: &Loop) {
    if let Some((_, w)) = l.wake {
        let b = 1u8;
        // SAFETY: our own pipe's write end; a full pipe (EAGAIN) already
        // wakes the loop.
        let _ = unsafe { libc::write(w, &b as *const u8 as *const c_void, 1) };
    }
}

fn drain(fd: c_int) {
    let mut buf = [0u8; 64];
    // SAFETY: reading our own non-blocking pipe into a local buffer.
    while unsafe { libc::read(fd, buf.as_mut_ptr() as *mut c_void, buf.len()) } > 0 {}
}

fn make_wake_pipe() -> Result<(c_int, c_int), Error> {
    let mut fds = [0 as c_int; 2];
    // SAFETY: pipe2 writes two descriptors into the array.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC | libc::O_NONBLOCK) } < 0 {
        return Err(Error::new(
            crate::error::Code::SystemError,
            format!(
                "cannot make the event loop's pipe: {}",
                std::io::Error::last_os_error()
            ),
        )
        .in_domain(from::EVENT));
    }
    Ok((fds[0], fds[1]))
}

fn default_add_handle(
    fd: c_int,
    events: c_int,
    cb: esxEventHandleCallback,
    opaque: *mut c_void,
    ff: esxFreeCallback,
) -> c_int {
    let Some(cb) = cb else {
        return -1;
    };
    if fd < 0 {
        return -1;
    }
    let mut l = lock(&LOOP);
    let id = l.next_watch;
    l.next_watch = l.next_watch.checked_add(1).unwrap_or(1);
    l.handles.push(HandleEntry {
        id,
        fd,
        events,
        cb,
        opaque,
        ff,
        deleted: false,
        running: false,
    });
    wake(&l);
    id
}

fn default_update_handle(watch: c_int, events: c_int) {
    let mut l = lock(&LOOP);
    if let Some(h) = l.handles.iter_mut().find(|h| h.id == watch && !h.deleted) {
        h.events = events;
    }
    wake(&l);
}

fn default_remove_handle(watch: c_int) -> c_int {
    let mut l = lock(&LOOP);
    let Some(i) = l.handles.iter().position(|h| h.id == watch && !h.deleted) else {
        return -1;
    };
    if l.handles[i].running {
        // Its callback ends first; the dispatcher then drops it.
        l.handles[i].deleted = true;
    } else {
        let h = l.handles.remove(i);
        if let Some(f) = h.ff {
            l.frees.push((f, h.opaque));
        }
    }
    wake(&l);
    0
}

fn expiry(frequency: c_int) -> Option<Instant> {
    u64::try_from(frequency)
        .ok()
        .map(|ms| Instant::now() + Duration::from_millis(ms))
}

fn default_add_timeout(
    frequency: c_int,
    cb: esxEventTimeoutCallback,
    opaque: *mut c_void,
    ff: esxFreeCallback,
) -> c_int {
    let Some(cb) = cb else {
        return -1;
    };
    let mut l = lock(&LOOP);
    let id = l.next_timer;
    l.next_timer = l.next_timer.checked_add(1).unwrap_or(1);
    l.timers.push(TimerEntry {
        id,
        frequency,
        expires: expiry(frequency),
        cb,
        opaque,
        ff,
        deleted: false,
        running: false,
    });
    wake(&l);
    id
}

fn default_update_timeout(timer: c_int, frequency: c_int) {
    let mut l = lock(&LOOP);
    if let Some(t) = l.timers.iter_mut().find(|t| t.id == timer && !t.deleted) {
        t.frequency = frequency;
        t.expires = expiry(frequency);
    }
    wake(&l);
}

fn default_remove_timeout(timer: c_int) -> c_int {
    let mut l = lock(&LOOP);
    let Some(i) = l.timers.iter().position(|t| t.id == timer && !t.deleted) else {
        return -1;
    };
    if l.timers[i].running {
        l.timers[i].deleted = true;
    } else {
        let t = l.timers.remove(i);
        if let Some(f) = t.ff {
            l.frees.push((f, t.opaque));
        }
    }
    wake(&l);
    0
}

/// Runs the free functions of removed entries, outside the lock.
fn run_frees() {
    let frees = std::mem::take(&mut lock(&LOOP).frees);
    for (f, opaque) in frees {
        // SAFETY: the program's free function for its own data, once.
        unsafe { f(opaque) };
    }
}

/// poll(2)'s events for libvirt's, and back.
fn to_poll(events: c_int) -> libc::c_short {
    let mut p = 0;
    if events & READABLE != 0 {
        p |= libc::POLLIN;
    }
    if events & WRITABLE != 0 {
        p |= libc::POLLOUT;
    }
    p
}

fn from_poll(revents: libc::c_short) -> c_int {
    let mut e = 0;
    if revents & libc::POLLIN != 0 {
        e |= READABLE;
    }
    if revents & libc::POLLOUT != 0 {
        e |= WRITABLE;
    }
    if revents & (libc::POLLERR | libc::POLLNVAL) != 0 {
        e |= ERROR;
    }
    if revents & libc::POLLHUP != 0 {
        e |= HANGUP;
    }
    e
}

/// Waits until this thread may run an iteration (nested ones allowed on
/// the thread running one); undone by [`leave`].
fn enter() {
    let me = std::thread::current().id();
    let mut r = lock(&RUNNER);
    loop {
        match *r {
            None => {
                *r = Some((me, 1));
                return;
            }
            Some((t, depth)) if t == me => {
                *r = Some((t, depth + 1));
                return;
            }
            Some(_) => r = RUNNER_FREE.wait(r).unwrap_or_else(|p| p.into_inner()),
        }
    }
}

fn leave() {
    let mut r = lock(&RUNNER);
    *r = match *r {
        Some((t, depth)) if depth > 1 => Some((t, depth - 1)),
        _ => None,
    };
    RUNNER_FREE.notify_all();
}

/// One iteration of the default loop: waits (at most `limit`) until a
/// descriptor is ready or a timer is due, then calls their callbacks.
fn iterate(limit: Option<Duration>) -> Result<(), Error> {
    enter();
    let r = std::panic::catch_unwind(|| iterate_entered(limit));
    leave();
    r.unwrap_or_else(|_| Err(Error::internal("the event loop's iteration panicked")))
}

fn iterate_entered(limit: Option<Duration>) -> Result<(), Error> {
    run_frees();
    let (mut fds, watches, timeout_ms) = {
        let l = lock(&LOOP);
        let Some((wake_r, _)) = l.wake else {
            return Err(not_registered());
        };
        let mut fds = vec![libc::pollfd {
            fd: wake_r,
            events: libc::POLLIN,
            revents: 0,
        }];
        let mut watches = vec![0];
        for h in l.handles.iter().filter(|h| !h.deleted && !h.running) {
            let ev = to_poll(h.events);
            if h.events == 0 {
                continue;
            }
            fds.push(libc::pollfd {
                fd: h.fd,
                events: ev,
                revents: 0,
            });
            watches.push(h.id);
        }
        let now = Instant::now();
        let mut wait: Option<Duration> = limit;
        for t in l.timers.iter().filter(|t| !t.deleted && !t.running) {
            if let Some(e) = t.expires {
                let d = e.saturating_duration_since(now);
                wait = Some(wait.map_or(d, |w| w.min(d)));
            }
        }
        if !l.frees.is_empty() {
            wait = Some(Duration::ZERO);
        }
        // Rounded up, so that a timer is due when poll returns.
        let ms = wait.map_or(-1, |w| {
            let ms = w.as_micros().div_ceil(1000);
            c_int::try_from(ms).unwrap_or(c_int::MAX)
        });
        (fds, watches, ms)
    };
    // SAFETY: fds is a live array of fds.len() pollfd structs.
    let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout_ms) };
    if n < 0 {
        let e = std::io::Error::last_os_error();
        if e.kind() == std::io::ErrorKind::Interrupted {
            return Ok(());
        }
        return Err(Error::new(
            crate::error::Code::SystemError,
            format!("Unable to poll on file handles: {e}"),
        )
        .in_domain(from::EVENT));
    }
    if fds[0].revents != 0 {
        drain(fds[0].fd);
    }
    dispatch_timers();
    for (pfd, watch) in fds.iter().zip(&watches).skip(1) {
        if pfd.revents != 0 {
            dispatch_handle(*watch, pfd.fd, from_poll(pfd.revents));
        }
    }
    run_frees();
    Ok(())
}

fn dispatch_timers() {
    let now = Instant::now();
    let due: Vec<c_int> = lock(&LOOP)
        .timers
        .iter()
        .filter(|t| !t.deleted && !t.running && t.expires.is_some_and(|e| e <= now))
        .map(|t| t.id)
        .collect();
    for id in due {
        let call = {
            let mut l = lock(&LOOP);
            let Some(t) = l.timers.iter_mut().find(|t| t.id == id && !t.deleted) else {
                continue;
            };
            // Changed meanwhile by an earlier callback: not due after all.
            if !t.expires.is_some_and(|e| e <= now) {
                continue;
            }
            t.running = true;
            t.expires = expiry(t.frequency);
            (t.cb, t.opaque)
        };
        // SAFETY: the program's callback with its own data, on the loop's
        // thread, under no lock.
        unsafe { (call.0)(id, call.1) };
        finish_timer(id);
    }
}

fn dispatch_handle(watch: c_int, fd: c_int, events: c_int) {
    let call = {
        let mut l = lock(&LOOP);
        let Some(h) = l
            .handles
            .iter_mut()
            .find(|h| h.id == watch && !h.deleted && h.fd == fd)
        else {
            return;
        };
        // Only what is still asked for, and errors and hang-ups always.
        let reported = events & (h.events | ERROR | HANGUP);
        if reported == 0 {
            return;
        }
        h.running = true;
        (h.cb, h.opaque, reported)
    };
    // SAFETY: as in dispatch_timers.
    unsafe { (call.0)(watch, fd, call.2, call.1) };
    finish_handle(watch);
}

/// After a timer's callback: it is no longer running, and if it was
/// removed meanwhile it goes, its free function queued.
fn finish_timer(id: c_int) {
    let mut l = lock(&LOOP);
    let Some(i) = l.timers.iter().position(|t| t.id == id) else {
        return;
    };
    l.timers[i].running = false;
    if l.timers[i].deleted {
        let t = l.timers.remove(i);
        if let Some(f) = t.ff {
            l.frees.push((f, t.opaque));
        }
    }
}

/// As finish_timer, for a handle.
fn finish_handle(id: c_int) {
    let mut l = lock(&LOOP);
    let Some(i) = l.handles.iter().position(|h| h.id == id) else {
        return;
    };
    l.handles[i].running = false;
    if l.handles[i].deleted {
        let h = l.handles.remove(i);
        if let Some(f) = h.ff {
            l.frees.push((f, h.opaque));
        }
    }
}

fn not_registered() -> Error {
    Error::operation_invalid("esxEventRegisterDefaultImpl was not called").in_domain(from::EVENT)
}

// ------------------------------------------------------ the dispatchers

/// esxEventAddTimeout for the library's own use.
pub(crate) fn add_timeout(
    frequency: c_int,
    cb: esxEventTimeoutCallback,
    opaque: *mut c_void,
    ff: esxFreeCallback,
) -> c_int {
    match current() {
        Impl::None => -1,
        Impl::Default => default_add_timeout(frequency, cb, opaque, ff),
        // SAFETY: the program's registered function, as libvirt calls it.
        Impl::Custom(c) => c
            .add_timeout
            .map_or(-1, |f| unsafe { f(frequency, cb, opaque, ff) }),
    }
}

/// esxEventUpdateTimeout for the library's own use.
pub(crate) fn update_timeout(timer: c_int, frequency: c_int) {
    match current() {
        Impl::None => {}
        Impl::Default => default_update_timeout(timer, frequency),
        Impl::Custom(c) => {
            if let Some(f) = c.update_timeout {
                // SAFETY: as above.
                unsafe { f(timer, frequency) }
            }
        }
    }
}

/// esxEventRemoveTimeout for the library's own use.
pub(crate) fn remove_timeout(timer: c_int) -> c_int {
    match current() {
        Impl::None => -1,
        Impl::Default => default_remove_timeout(timer),
        // SAFETY: as above.
        Impl::Custom(c) => c.remove_timeout.map_or(-1, |f| unsafe { f(timer) }),
    }
}

// ------------------------------------------------------------ the API

/// Watches `fd` for `events` (esxEventHandleType bits) in the registered
/// event loop: `cb(watch, fd, events, opaque)` runs in the loop when it is
/// ready; `ff(opaque)` runs after the watch is removed. The watch's
/// number, or -1 (no loop registered, no callback, a negative fd).
#[no_mangle]
pub unsafe extern "C" fn esxEventAddHandle(
    fd: c_int,
    events: c_int,
    cb: esxEventHandleCallback,
    opaque: *mut c_void,
    ff: esxFreeCallback,
) -> c_int {
    export!(keep_error esxEventAddHandle() {
        Ok(match current() {
            Impl::None => -1,
            Impl::Default => default_add_handle(fd, events, cb, opaque, ff),
            // SAFETY: the program's registered function.
            Impl::Custom(c) => c
                .add_handle
                .map_or(-1, |f| unsafe { f(fd, events, cb, opaque, ff) }),
        })
    })
}

/// Changes the events a watch waits for (0: none for now).
#[no_mangle]
pub unsafe extern "C" fn esxEventUpdateHandle(watch: c_int, events: c_int) {
    export!(keep_error esxEventUpdateHandle() {
        match current() {
            Impl::None => {}
            Impl::Default => default_update_handle(watch, events),
            Impl::Custom(c) => {
                if let Some(f) = c.update_handle {
                    // SAFETY: the program's registered function.
                    unsafe { f(watch, events) }
                }
            }
        }
        Ok(())
    })
}

/// Removes a watch (a callback running now finishes first; its `ff` runs
/// after). 0, or -1 when there is no such watch or no loop.
#[no_mangle]
pub unsafe extern "C" fn esxEventRemoveHandle(watch: c_int) -> c_int {
    export!(keep_error esxEventRemoveHandle() {
        Ok(match current() {
            Impl::None => -1,
            Impl::Default => default_remove_handle(watch),
            // SAFETY: the program's registered function.
            Impl::Custom(c) => c.remove_handle.map_or(-1, |f| unsafe { f(watch) }),
        })
    })
}

/// Adds a timer to the registered event loop: `cb(timer, opaque)` runs in
/// the loop every `timeout` milliseconds (0: every iteration; -1: not
/// until esxEventUpdateTimeout enables it); `ff(opaque)` runs after it is
/// removed. The timer's number, or -1.
#[no_mangle]
pub unsafe extern "C" fn esxEventAddTimeout(
    timeout: c_int,
    cb: esxEventTimeoutCallback,
    opaque: *mut c_void,
    ff: esxFreeCallback,
) -> c_int {
    export!(keep_error esxEventAddTimeout() {
        Ok(add_timeout(timeout, cb, opaque, ff))
    })
}

/// Changes a timer's period (it next fires `timeout` ms from now; -1
/// disables it, 0 fires it every iteration).
#[no_mangle]
pub unsafe extern "C" fn esxEventUpdateTimeout(timer: c_int, timeout: c_int) {
    export!(keep_error esxEventUpdateTimeout() {
        update_timeout(timer, timeout);
        Ok(())
    })
}

/// Removes a timer (a callback running now finishes first; its `ff` runs
/// after). 0, or -1 when there is no such timer or no loop.
#[no_mangle]
pub unsafe extern "C" fn esxEventRemoveTimeout(timer: c_int) -> c_int {
    export!(keep_error esxEventRemoveTimeout() {
        Ok(remove_timeout(timer))
    })
}

/// Registers the program's own event loop: this library then adds its
/// watches and timers (the delivery of domain events and of the close
/// callback) through these functions, and the program runs its loop. The
/// timer functions may be called from any thread of this library, as
/// libvirt calls them. It must come before any event callback is
/// registered; once a loop is registered (this one, or the default) a
/// later registration is ignored, as in libvirt.
#[no_mangle]
pub unsafe extern "C" fn esxEventRegisterImpl(
    addHandle: esxEventAddHandleFunc,
    updateHandle: esxEventUpdateHandleFunc,
    removeHandle: esxEventRemoveHandleFunc,
    addTimeout: esxEventAddTimeoutFunc,
    updateTimeout: esxEventUpdateTimeoutFunc,
    removeTimeout: esxEventRemoveTimeoutFunc,
) {
    export!(esxEventRegisterImpl() {
        let mut i = lock(&IMPL);
        if !matches!(*i, Impl::None) {
            log::warn!("Ignoring attempt to replace registered event loop");
            return Ok(());
        }
        *i = Impl::Custom(Custom {
            add_handle: addHandle,
            update_handle: updateHandle,
            remove_handle: removeHandle,
            add_timeout: addTimeout,
            update_timeout: updateTimeout,
            remove_timeout: removeTimeout,
        });
        Ok(())
    })
}

/// Registers the default event loop (poll(2) based), which the program
/// runs with esxEventRunDefaultImpl; it must come before any event
/// callback is registered. 0, or -1. Once the program registered its own
/// loop this is ignored (0), as in libvirt.
#[no_mangle]
pub unsafe extern "C" fn esxEventRegisterDefaultImpl() -> c_int {
    export!(esxEventRegisterDefaultImpl() {
        let mut i = lock(&IMPL);
        match *i {
            Impl::Default => {}
            Impl::Custom(_) => log::warn!("Ignoring attempt to replace registered event loop"),
            Impl::None => {
                let mut l = lock(&LOOP);
                if l.wake.is_none() {
                    l.wake = Some(make_wake_pipe()?);
                }
                *i = Impl::Default;
            }
        }
        Ok(0)
    })
}

/// The default loop, checked registered and not replaced by the program's.
fn default_loop() -> Result<(), Error> {
    match current() {
        Impl::Default => Ok(()),
        Impl::None => Err(not_registered()),
        Impl::Custom(_) => Err(Error::operation_invalid(
            "the program registered its own event loop (esxEventRegisterImpl): run that one",
        )
        .in_domain(from::EVENT)),
    }
}

/// Runs one iteration of the default event loop: waits until a watched
/// descriptor is ready, a timer is due or this library has events to
/// deliver, and calls their callbacks. 0, or -1 (no default loop
/// registered). With nothing registered it waits for ever, as libvirt's.
#[no_mangle]
pub unsafe extern "C" fn esxEventRunDefaultImpl() -> c_int {
    export!(esxEventRunDefaultImpl() {
        default_loop()?;
        iterate(None).map(|_| 0)
    })
}

/// As esxEventRunDefaultImpl, waiting at most `timeout` milliseconds
/// (negative: without limit): the number of domain events delivered in
/// the iteration, 0 when none came in time.
#[no_mangle]
pub unsafe extern "C" fn esxEventRunDefaultImplTimeout(timeout: c_int) -> c_int {
    export!(esxEventRunDefaultImplTimeout() {
        default_loop()?;
        let limit = u64::try_from(timeout).ok().map(Duration::from_millis);
        let before = super::events::delivered();
        iterate(limit)?;
        let n = super::events::delivered().wrapping_sub(before);
        Ok(n.min(c_int::MAX as u64) as c_int)
    })
}
