// SPDX-License-Identifier: LGPL-2.1-or-later
//! The one panic boundary every export runs in (STYLE.md 2): a panic
//! becomes ESX_ERR_INTERNAL_ERROR and the export's failure value, and the
//! host process lives on.

use std::os::raw::{c_int, c_uint, c_ulonglong};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};

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

/// Runs an export's body: resets the thread's last error, records the
/// error of a failure, and turns a panic into INTERNAL_ERROR.
///
/// Everything, the reset of the last error included, runs inside the
/// boundary: during a thread's teardown (a C++ `thread_local` destructor
/// calling in) thread-local storage may already be gone, and touching it
/// panics; that must become a failure, not an abort.
pub fn call<R: Fallback>(body: impl FnOnce() -> Result<R, Error>) -> R {
    run(true, body)
}

/// `call` for the exports that read, copy or free errors (and the frees
/// that libvirt's own leave the last error alone in): the last error is
/// not reset on the way in.
pub fn call_keep_error<R: Fallback>(body: impl FnOnce() -> Result<R, Error>) -> R {
    run(false, body)
}

fn run<R: Fallback>(reset: bool, body: impl FnOnce() -> Result<R, Error>) -> R {
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
    match outcome {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => {
            super::error::set(&e);
            R::fallback()
        }
        Err(p) => {
            let e = Error::internal(format!(
                "esx-driver caught a panic and refused to unwind into C: {}",
                panic_text(p.as_ref())
            ));
            log::error!("{}", e.message());
            super::error::set(&e);
            R::fallback()
        }
    }
}
