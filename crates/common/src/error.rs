// SPDX-License-Identifier: LGPL-2.1-or-later
//! The one error type of the library.
//!
//! Every error carries a [`Code`] (a libvirt `virErrorNumber`), the message a
//! user needs, and, when the host caused it, the VI fault type that it sent.

use std::fmt;

/// libvirt's `virErrorNumber` values used by this driver (virterror.h).
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Code {
    InternalError = 1,
    NoSupport = 3,
    NoConnect = 5,
    InvalidConn = 6,
    InvalidDomain = 7,
    InvalidArg = 8,
    OperationFailed = 9,
    HttpError = 12,
    XmlError = 27,
    OperationDenied = 29,
    ConfSyntax = 33,
    InvalidNetwork = 36,
    NetworkExist = 37,
    SystemError = 38,
    Rpc = 39,
    NoDomain = 42,
    NoNetwork = 43,
    AuthFailed = 45,
    InvalidStoragePool = 46,
    InvalidStorageVol = 47,
    NoStoragePool = 49,
    NoStorageVol = 50,
    InvalidNodeDevice = 52,
    OperationInvalid = 55,
    NoInterface = 57,
    InvalidInterface = 58,
    InvalidNWFilter = 61,
    InvalidSecret = 65,
    ConfigUnsupported = 67,
    OperationTimeout = 68,
    InvalidDomainSnapshot = 71,
    NoDomainSnapshot = 72,
    InvalidStream = 73,
    OperationAborted = 78,
    ArgumentUnsupported = 74,
    Overflow = 82,
    OperationUnsupported = 84,
    AgentUnresponsive = 86,
    InvalidNWFilterBinding = 100,
    InvalidDomainCheckpoint = 102,
    InvalidNetworkPort = 105,
    NoHostname = 108,
}

/// Who raised an error, as libvirt's `virErrorDomain` says it (the C layer
/// turns it into the number): libvirt assigns each error the domain of the
/// code that reported it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Origin {
    /// The driver, about the host or what was asked of it (VIR_FROM_ESX, as
    /// libvirt's ESX driver reports its errors).
    #[default]
    Driver,
    /// A check libvirt's public function makes before it calls a driver
    /// (a bad handle, a NULL argument, a read-only connection, an entry
    /// the driver lacks): the domain of that function's source file, or
    /// of the handle's kind.
    Api,
    /// A fixed `virErrorDomain` value (see [`from`]).
    Domain(i32),
}

/// libvirt's `virErrorDomain` values used with [`Origin::Domain`].
pub mod from {
    pub const NONE: i32 = 0;
    pub const DOM: i32 = 6;
    pub const STORAGE: i32 = 18;
    pub const DOMAIN: i32 = 20;
    pub const ESX: i32 = 28;
    pub const DOMAIN_SNAPSHOT: i32 = 35;
    pub const STREAMS: i32 = 38;
    pub const EVENT: i32 = 40;
    pub const URI: i32 = 45;
    pub const AUTH: i32 = 46;
}

/// An error: what went wrong (`code`), for whom and why (`message`), the
/// host's fault type when the host reported it, and who raised it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    code: Code,
    message: String,
    fault: Option<String>,
    origin: Origin,
}

pub type Result<T> = std::result::Result<T, Error>;

macro_rules! constructors {
    ($($name:ident => $code:ident),* $(,)?) => {
        $(
            #[doc = concat!("An error with code `", stringify!($code), "`.")]
            pub fn $name(message: impl Into<String>) -> Error {
                Error::new(Code::$code, message)
            }
        )*
    };
}

/// The longest message kept; a host's 1 MiB fault string must not become a
/// 1 MiB error.
pub const MAX_MESSAGE_BYTES: usize = 4096;

/// Text with its control characters escaped (`\n`, `\u{1b}`, ...): one
/// line that cannot rewrite a terminal or a log.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Makes a message safe to show: control characters (from host replies or
/// caller input) are escaped, so that a message is one line that cannot
/// rewrite a terminal or a log; and it is cut to [`MAX_MESSAGE_BYTES`] with
/// a marker that says so.
pub fn tidy_message(text: String) -> String {
    let text = match printable(&text) {
        std::borrow::Cow::Borrowed(_) => text,
        std::borrow::Cow::Owned(o) => o,
    };
    if text.len() <= MAX_MESSAGE_BYTES {
        return text;
    }
    let mut cut = MAX_MESSAGE_BYTES;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    format!(
        "{} [... message cut: {} more bytes]",
        &text[..cut],
        text.len() - cut
    )
}

impl Error {
    pub fn new(code: Code, message: impl Into<String>) -> Error {
        Error {
            code,
            message: tidy_message(message.into()),
            fault: None,
            origin: Origin::Driver,
        }
    }

    constructors! {
        internal => InternalError,
        no_support => NoSupport,
        invalid_conn => InvalidConn,
        invalid_domain => InvalidDomain,
        invalid_arg => InvalidArg,
        operation_failed => OperationFailed,
        http => HttpError,
        xml => XmlError,
        operation_denied => OperationDenied,
        conf_syntax => ConfSyntax,
        rpc => Rpc,
        no_domain => NoDomain,
        no_network => NoNetwork,
        auth_failed => AuthFailed,
        no_storage_pool => NoStoragePool,
        no_storage_vol => NoStorageVol,
        operation_invalid => OperationInvalid,
        no_interface => NoInterface,
        config_unsupported => ConfigUnsupported,
        operation_timeout => OperationTimeout,
        no_domain_snapshot => NoDomainSnapshot,
        operation_aborted => OperationAborted,
                operation_unsupported => OperationUnsupported,
        argument_unsupported => ArgumentUnsupported,
    }

    /// An error caused by a VI fault. The code follows the fault type: where
    /// libvirt's ESX driver says INTERNAL_ERROR for every host fault we give the
    /// precise number (docs/design.md section 2).
    pub fn from_fault(fault_type: &str, message: impl Into<String>) -> Error {
        let code = match fault_type {
            "InvalidLogin" | "NotAuthenticated" | "NoPermission" | "InvalidLocale" => {
                Code::AuthFailed
            }
            "RestrictedVersion" => Code::OperationDenied,
            "InvalidPowerState"
            | "InvalidState"
            | "TaskInProgress"
            | "ToolsUnavailable"
            | "VmConfigIncompatibleForPowerOn"
            | "InvalidDatastoreState" => Code::OperationInvalid,
            "Timedout" => Code::OperationTimeout,
            "RequestCanceled" => Code::OperationAborted,
            "NotSupported" | "NotImplemented" | "MethodNotFound" => Code::OperationUnsupported,
            "InvalidArgument" | "InvalidName" | "InvalidDatastorePath" | "InvalidRequest" => {
                Code::InvalidArg
            }
            _ => Code::OperationFailed,
        };
        Error {
            code,
            message: tidy_message(message.into()),
            fault: Some(tidy_message(fault_type.to_string())),
            origin: Origin::Driver,
        }
    }

    pub fn code(&self) -> Code {
        self.code
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    /// The VI fault type (`InvalidLogin`, `InvalidPowerState`, ...) when the
    /// host reported the error.
    pub fn fault(&self) -> Option<&str> {
        self.fault.as_deref()
    }

    /// The same error with more context in front of its message.
    pub fn context(mut self, what: impl fmt::Display) -> Error {
        self.message = tidy_message(format!("{what}: {}", self.message));
        self
    }

    /// Who raised the error.
    pub fn origin(&self) -> Origin {
        self.origin
    }

    /// The same error, raised by a check of libvirt's public function.
    pub fn from_api(mut self) -> Error {
        self.origin = Origin::Api;
        self
    }

    /// The same error, raised in libvirt's domain `domain` (a [`from`]
    /// value).
    pub fn in_domain(mut self, domain: i32) -> Error {
        self.origin = Origin::Domain(domain);
        self
    }

    /// The same error with a different code (the message and fault stay).
    pub fn with_code(mut self, code: Code) -> Error {
        self.code = code;
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// Rejects flag bits outside `allowed`, as libvirt's virCheckFlags does.
pub fn check_flags(flags: u32, allowed: u32) -> Result<()> {
    let bad = flags & !allowed;
    if bad != 0 {
        return Err(Error::invalid_arg(format!("unsupported flags (0x{bad:x})")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_types_map_to_precise_codes() {
        assert_eq!(
            Error::from_fault("InvalidLogin", "x").code(),
            Code::AuthFailed
        );
        assert_eq!(
            Error::from_fault("RestrictedVersion", "x").code(),
            Code::OperationDenied
        );
        assert_eq!(
            Error::from_fault("InvalidPowerState", "x").code(),
            Code::OperationInvalid
        );
        assert_eq!(
            Error::from_fault("Timedout", "x").code(),
            Code::OperationTimeout
        );
        assert_eq!(
            Error::from_fault("FileNotFound", "x").code(),
            Code::OperationFailed
        );
        assert_eq!(
            Error::from_fault("FileNotFound", "x").fault(),
            Some("FileNotFound")
        );
    }

    #[test]
    fn codes_are_libvirts_numbers() {
        assert_eq!(Code::InternalError as i32, 1);
        assert_eq!(Code::InvalidArg as i32, 8);
        assert_eq!(Code::Rpc as i32, 39);
        assert_eq!(Code::NoDomain as i32, 42);
        assert_eq!(Code::AuthFailed as i32, 45);
        assert_eq!(Code::OperationInvalid as i32, 55);
        assert_eq!(Code::ConfigUnsupported as i32, 67);
        assert_eq!(Code::NoDomainSnapshot as i32, 72);
    }

    #[test]
    fn messages_are_one_line_and_bounded() {
        let e = Error::operation_failed("a\nb\u{1b}[2Jc\td");
        assert_eq!(e.message(), "a\\nb\\u{1b}[2Jc\\td");
        let long = Error::from_fault("SystemError", "é".repeat(1 << 20));
        assert!(long.message().len() < MAX_MESSAGE_BYTES + 100);
        assert!(
            long.message().ends_with("more bytes]"),
            "{}",
            &long.message()[4000..]
        );
        let ctx = long.context("x".repeat(5000));
        assert!(ctx.message().len() < MAX_MESSAGE_BYTES + 100);
    }

    #[test]
    fn context_prefixes_message() {
        let e = Error::no_domain("gone").context("vm1");
        assert_eq!(e.message(), "vm1: gone");
        assert_eq!(e.code(), Code::NoDomain);
    }
}
