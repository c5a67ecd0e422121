//! Logging: `ESX_DRIVER_LOG` (env_logger syntax) selects what is logged;
//! records go to stderr, or to the daemon's own log through
//! esxSetLogHandler. The handler is per process and can be replaced at any
//! time (STYLE.md: never "settable once").

use std::ffi::CString;
use std::os::raw::{c_int, c_void};
use std::sync::{Once, RwLock};

use super::types::esxLogCallback;

struct HandlerSlot {
    cb: unsafe extern "C" fn(
        c_int,
        *const std::os::raw::c_char,
        *const std::os::raw::c_char,
        *mut c_void,
    ),
    opaque: *mut c_void,
}

// SAFETY: the caller of esxSetLogHandler promises its callback and data may
// be used from any thread.
unsafe impl Send for HandlerSlot {}
// SAFETY: as above.
unsafe impl Sync for HandlerSlot {}

static HANDLER: RwLock<Option<HandlerSlot>> = RwLock::new(None);
static INIT: Once = Once::new();

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
            let handler = HANDLER.read().map(|h| h.is_some()).unwrap_or(false);
            let max = if handler {
                log::Level::Info
            } else {
                log::Level::Warn
            };
            meta.level() <= max && meta.target().starts_with("esx_driver")
        }
    }

    fn log(&self, record: &log::Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let message = format!("{}", record.args());
        if let Ok(h) = HANDLER.read() {
            if let Some(slot) = h.as_ref() {
                let prio = match record.level() {
                    log::Level::Error => 4,
                    log::Level::Warn => 3,
                    log::Level::Info => 2,
                    log::Level::Debug | log::Level::Trace => 1,
                };
                let module = CString::new(record.target().replace('\0', " ")).unwrap_or_default();
                let msg = CString::new(message.replace('\0', " ")).unwrap_or_default();
                // SAFETY: the caller's callback with strings valid for the call.
                unsafe { (slot.cb)(prio, module.as_ptr(), msg.as_ptr(), slot.opaque) };
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
/// again, so its data may be freed. Returns 0.
///
/// # Safety
/// `cb` and `opaque` must be usable from any thread until replaced.
#[no_mangle]
pub unsafe extern "C" fn esxSetLogHandler(cb: esxLogCallback, opaque: *mut c_void) -> c_int {
    ensure_logger();
    let slot = cb.map(|cb| HandlerSlot { cb, opaque });
    // Taking the write lock waits for calls in flight to finish.
    match HANDLER.write() {
        Ok(mut h) => *h = slot,
        Err(p) => *p.into_inner() = slot,
    }
    0
}
