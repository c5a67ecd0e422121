// SPDX-License-Identifier: LGPL-2.1-or-later
//! The one panic boundary every export runs in: a panic
//! becomes ESX_ERR_INTERNAL_ERROR and the export's failure value, and the
//! host process lives on.

use std::cell::RefCell;
use std::os::raw::{c_int, c_uint, c_ulonglong};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};

use super::handles::esxConnect;
use crate::error::Error;

/// What an export returns when it fails (-1, NULL, 0).
pub trait Fallback {
    fn fallback() -> Self;
}

impl Fallback for c_int {
    fn fallback() -> Self {
        -1
    }
}
impl Fallback for c_ulonglong {
    fn fallback() -> Self {
        0
    }
}
/// Only esxDomainGetID returns an unsigned int; libvirt's failure value
/// for it is (unsigned int)-1.
impl Fallback for c_uint {
    fn fallback() -> Self {
        c_uint::MAX
    }
}
impl Fallback for () {
    fn fallback() -> Self {}
}
impl<T> Fallback for *mut T {
    fn fallback() -> Self {
        std::ptr::null_mut()
    }
}
impl<T> Fallback for *const T {
    fn fallback() -> Self {
        std::ptr::null()
    }
}

/// Set by the test-only export esxTestPanicNextCall.
static PANIC_NEXT: AtomicBool = AtomicBool::new(false);

pub fn arm_test_panic() {
    PANIC_NEXT.store(true, Ordering::SeqCst);
}

fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

/// The state of the export running on this thread: the connection of its
/// first handle (its error is dispatched to it), once one was looked up.
struct CallState {
    /// Weak: a call in flight must not count as a reference to the
    /// connection (esxConnectClose's count of references left).
    conn: Option<Weak<esxConnect>>,
    /// A handle was looked up (the first one's connection is kept).
    noted: bool,
}

thread_local! {
    static CALL: RefCell<CallState> = const {
        RefCell::new(CallState { conn: None, noted: false })
    };
}

/// Notes the connection of a handle the running export looked up: the
/// first one is where a failure's error is dispatched, as libvirt
/// dispatches to the connection of the call's object.
pub fn note_connection(owner: impl FnOnce() -> Arc<esxConnect>) {
    let _ = CALL.try_with(|c| {
        if let Ok(mut c) = c.try_borrow_mut() {
            if !c.noted {
                c.noted = true;
                c.conn = Some(Arc::downgrade(&owner()));
            }
        }
    });
}

/// Starts an export's call state; returns the state of the call it runs
/// inside (a callback calling back in), restored when it ends.
fn enter() -> Option<CallState> {
    CALL.try_with(|c| {
        c.try_borrow_mut().ok().map(|mut c| {
            std::mem::replace(
                &mut *c,
                CallState {
                    conn: None,
                    noted: false,
                },
            )
        })
    })
    .ok()
    .flatten()
}

/// Ends an export's call state: its connection, and the outer call's state
/// back in place.
fn leave(outer: Option<CallState>) -> Option<Arc<esxConnect>> {
    CALL.try_with(|c| {
        c.try_borrow_mut().ok().and_then(|mut c| {
            let mine = match outer {
                Some(o) => std::mem::replace(&mut *c, o),
                None => std::mem::replace(
                    &mut *c,
                    CallState {
                        conn: None,
                        noted: false,
                    },
                ),
            };
            mine.conn.and_then(|w| w.upgrade())
        })
    })
    .ok()
    .flatten()
}

/// Runs an export's body: resets the thread's last error, records the
/// error of a failure and dispatches it (libvirt's virDispatchError: to
/// the connection's or the global handler, or standard error), and turns
/// a panic into INTERNAL_ERROR.
///
/// Everything, the reset of the last error included, runs inside the
/// boundary: during a thread's teardown (a C++ `thread_local` destructor
/// calling in) thread-local storage may already be gone, and touching it
/// panics; that must become a failure, not an abort.
pub fn call<R: Fallback>(export: &str, body: impl FnOnce() -> Result<R, Error>) -> R {
    run(true, export, body)
}

/// `call` for the exports that read, copy or free errors (and the frees
/// that libvirt's own leave the last error alone in): the last error is
/// not reset on the way in.
pub fn call_keep_error<R: Fallback>(export: &str, body: impl FnOnce() -> Result<R, Error>) -> R {
    run(false, export, body)
}

fn run<R: Fallback>(reset: bool, export: &str, body: impl FnOnce() -> Result<R, Error>) -> R {
    let outer = catch_unwind(enter).ok().flatten();
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        if reset {
            super::error::reset();
        }
        super::log::ensure_logger();
        if PANIC_NEXT.swap(false, Ordering::SeqCst) {
            panic!("test hook: panic requested by esxTestPanicNextCall");
        }
        body()
    }));
    let failed = match outcome {
        Ok(Ok(r)) => Ok(r),
        Ok(Err(e)) => Err(e),
        Err(p) => {
            let e = Error::internal(format!(
                "esx-driver caught a panic and refused to unwind into C: {}",
                panic_text(p.as_ref())
            ));
            log::error!("{}", e.message());
            Err(e)
        }
    };
    let conn = catch_unwind(AssertUnwindSafe(|| leave(outer)))
        .ok()
        .flatten();
    match failed {
        Ok(r) => r,
        Err(e) => {
            let _ = catch_unwind(AssertUnwindSafe(|| {
                super::error::set(&e, export);
                // Outside any lock of the call: the handlers may call in.
                super::error::dispatch(conn);
            }));
            R::fallback()
        }
    }
}
