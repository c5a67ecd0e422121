// SPDX-License-Identifier: LGPL-2.1-or-later
//! Logging: `ESX_DRIVER_LOG` (env_logger syntax) selects what is logged;
//! records go to stderr, or to the daemon's own log through
//! esxSetLogHandler. The handler is per process and can be replaced at any
//! time (STYLE.md: never "settable once").

use super::export::export;
use std::cell::RefCell;
use std::ffi::CString;
use std::os::raw::{c_int, c_void};
use std::sync::{Arc, Condvar, Mutex, Once};

use super::types::esxLogCallback;

/// The installed callback, and how many of its calls are running.
struct HandlerSlot {
    cb: unsafe extern "C" fn(
        c_int,
        *const std::os::raw::c_char,
        *const std::os::raw::c_char,
        *mut c_void,
    ),
    opaque: *mut c_void,
    running: Mutex<usize>,
    finished: Condvar,
}

// SAFETY: the caller of esxSetLogHandler promises its callback and data may
// be used from any thread.
unsafe impl Send for HandlerSlot {}
// SAFETY: as above.
unsafe impl Sync for HandlerSlot {}

/// The current handler. The lock is held only to read or swap the `Arc`,
/// never while a callback runs, so a callback may call back into the library
/// (esxSetLogHandler included) from any thread.
static HANDLER: Mutex<Option<Arc<HandlerSlot>>> = Mutex::new(None);
static INIT: Once = Once::new();

/// Callbacks deeper than this on one thread (a callback that logs through
/// the library, which calls it again...) go to stderr instead.
const MAX_NESTING: usize = 4;

thread_local! {
    /// The handlers whose callbacks are running on this thread, innermost
    /// last (so that esxSetLogHandler from inside a callback does not wait
    /// for itself).
    static RUNNING_HERE: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
}

fn current_handler() -> Option<Arc<HandlerSlot>> {
    HANDLER.lock().unwrap_or_else(|p| p.into_inner()).clone()
}

fn slot_id(slot: &Arc<HandlerSlot>) -> usize {
    Arc::as_ptr(slot) as usize
}

/// Runs the callback of `slot` with no lock held, counting it as running.
/// False when it did not run (nested too deep, thread teardown, or the
/// handler was replaced meanwhile).
fn deliver(slot: &Arc<HandlerSlot>, prio: c_int, module: &CString, msg: &CString) -> bool {
    let id = slot_id(slot);
    let entered = RUNNING_HERE.try_with(|r| match r.try_borrow_mut() {
        Ok(mut r) if r.len() < MAX_NESTING => {
            r.push(id);
            true
        }
        _ => false,
    });
    if entered != Ok(true) {
        return false;
    }
    *slot.running.lock().unwrap_or_else(|p| p.into_inner()) += 1;
    // Counted as running first, then checked to be still installed: a
    // replacement that swapped it out before this check sees the count
    // and waits; one after it never returns before this call ends. Either
    // way no call starts once esxSetLogHandler has returned.
    let current = current_handler().is_some_and(|c| Arc::ptr_eq(&c, slot));
    if current {
        // SAFETY: the caller's callback with strings valid for the call.
        unsafe { (slot.cb)(prio, module.as_ptr(), msg.as_ptr(), slot.opaque) };
    }
    {
        let mut n = slot.running.lock().unwrap_or_else(|p| p.into_inner());
        *n = n.saturating_sub(1);
    }
    slot.finished.notify_all();
    let _ = RUNNING_HERE.try_with(|r| {
        if let Ok(mut r) = r.try_borrow_mut() {
            r.pop();
        }
    });
    // Not delivered when replaced meanwhile: the record goes to stderr.
    current
}

/// The library's own crates (the C layer, the driver, the VI client, the
/// VMX conversion, the shared parts): what is logged by default.
const CRATES: [&str; 5] = ["esx_driver", "esx_api", "esx_vi", "esx_vmx", "esx_common"];

fn is_ours(target: &str) -> bool {
    CRATES.iter().any(|c| {
        target
            .strip_prefix(c)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with("::"))
    })
}

struct Logger {
    filter: env_filter::Filter,
    configured: bool,
}

impl log::Log for Logger {
    fn enabled(&self, meta: &log::Metadata<'_>) -> bool {
        if self.configured {
            self.filter.enabled(meta)
        } else {
            // Without ESX_DRIVER_LOG a handler gets INFO and above, stderr
            // gets warnings and errors.
            let handler = current_handler().is_some();
            let max = if handler {
                log::Level::Info
            } else {
                log::Level::Warn
            };
            meta.level() <= max && is_ours(meta.target())
        }
    }

    fn log(&self, record: &log::Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        // One line, no control character: a host's or a caller's text
        // (a URI path, a fault message) cannot rewrite a terminal or a log.
        let message = esx_common::error::printable(&format!("{}", record.args())).into_owned();
        if let Some(slot) = current_handler() {
            let prio = match record.level() {
                log::Level::Error => 4,
                log::Level::Warn => 3,
                log::Level::Info => 2,
                log::Level::Debug | log::Level::Trace => 1,
            };
            let module = CString::new(record.target().replace('\0', " ")).unwrap_or_default();
            let msg = CString::new(message.replace('\0', " ")).unwrap_or_default();
            if deliver(&slot, prio, &module, &msg) {
                return;
            }
        }
        eprintln!(
            "esx-driver {} {}: {}",
            record.level(),
            record.target(),
            message
        );
    }

    fn flush(&self) {}
}

/// Installs the library's logger once per process (when the host program
/// has not installed one of its own).
pub fn ensure_logger() {
    INIT.call_once(|| {
        let spec = std::env::var("ESX_DRIVER_LOG").ok();
        let mut b = env_filter::Builder::new();
        if let Some(s) = &spec {
            b.parse(s);
        }
        let filter = b.build();
        let max = if spec.is_some() {
            filter.filter()
        } else {
            log::LevelFilter::Info
        };
        let logger = Logger {
            filter,
            configured: spec.is_some(),
        };
        if log::set_boxed_logger(Box::new(logger)).is_ok() {
            log::set_max_level(max);
        }
    });
}

/// Routes the library's log records to `cb(priority, module, message,
/// opaque)` (priority: ESX_LOG_DEBUG..ESX_LOG_ERROR), or with `cb` NULL back
/// to stderr. Once this returns, the previous callback is never called
/// again and no call of it is running on another thread, so its data may be
/// freed (a callback may call this itself: it then returns at once, and the
/// callback's own call is the last). Callbacks run under no lock: they may
/// call into the library from any thread. Returns 0.
/// `cb` and `opaque` must be usable from any thread until replaced.
#[no_mangle]
pub unsafe extern "C" fn esxSetLogHandler(cb: esxLogCallback, opaque: *mut c_void) -> c_int {
    export!(esxSetLogHandler() {
        ensure_logger();
        let slot = cb.map(|cb| {
            Arc::new(HandlerSlot {
                cb,
                opaque,
                running: Mutex::new(0),
                finished: Condvar::new(),
            })
        });
        let old = std::mem::replace(
            &mut *HANDLER.lock().unwrap_or_else(|p| p.into_inner()),
            slot,
        );
        // No new call of the old callback can start now; wait for those in
        // flight on other threads (not for one this thread is inside of: a
        // callback may replace itself).
        if let Some(old) = old {
            let id = slot_id(&old);
            let mine = RUNNING_HERE
                .try_with(|r| {
                    r.try_borrow()
                        .map_or(0, |r| r.iter().filter(|x| **x == id).count())
                })
                .unwrap_or(0);
            let mut n = old.running.lock().unwrap_or_else(|p| p.into_inner());
            while *n > mine {
                n = old.finished.wait(n).unwrap_or_else(|p| p.into_inner());
            }
        }
        Ok(0)
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_crate_of_the_library_is_logged_by_default() {
        for t in [
            "esx_driver",
            "esx_api::storage",
            "esx_vi::task",
            "esx_vmx",
            "esx_common::uri",
        ] {
            assert!(super::is_ours(t), "{t}");
        }
        for t in ["esx_sim", "esx_vim", "ureq::pool", "rustls"] {
            assert!(!super::is_ours(t), "{t}");
        }
    }
}
