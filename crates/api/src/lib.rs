// SPDX-License-Identifier: LGPL-2.1-or-later
//! The driver's operations as a safe Rust API: connection, node, domain,
//! snapshot, ... The C library (the `esx-driver` crate) is a thin shell
//! around this crate. No C, no unsafe code.

#![forbid(unsafe_code)]

pub(crate) use esx_common::{error, files, uri, uuid, xmldoc};
pub(crate) use esx_vi as vi;
pub(crate) use esx_vmx as vmx;

pub mod auth;
pub mod autostart;
pub mod conf;
pub mod config;
pub mod descriptor;
pub mod domain;
pub mod events;
pub mod facade;
pub mod flags;
pub mod interface;
pub mod job;
pub mod lifecycle;
pub mod network;
pub mod node;
pub mod questions;
pub mod reported;
pub mod scope;
pub mod screenshot;
pub mod snapshot;
pub mod stats;
pub mod storage;
pub mod stream;
pub mod xml;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use once_cell::sync::OnceCell;

use crate::error::{Error, Result};
use crate::flags::esxConnectFlags::*;
use crate::uri::{ParsedUri, Scheme, Transport};
use crate::vi::{Client, MoRef, Question};

pub use auth::{Authenticator, CredentialKind, CredentialRequest};
pub use domain::DomainRef;
pub use facade::{Domains, Interfaces, Networks, Node, Snapshots, Storage};
pub use node::NodeInfo;
pub use scope::Scope;

/// libvirt's "major * 1,000,000 + minor * 1,000 + micro" version number.
pub fn encode_version(text: &str) -> Option<u64> {
    let mut parts = text.split('.').map(|p| {
        let digits: String = p.chars().take_while(char::is_ascii_digit).collect();
        digits.parse::<u64>().ok()
    });
    let major = parts.next()??;
    let minor = parts.next().flatten().unwrap_or(0);
    let micro = parts.next().flatten().unwrap_or(0);
    Some(major * 1_000_000 + minor.min(999) * 1_000 + micro.min(999))
}

/// This library's version, libvirt-encoded.
pub fn lib_version() -> u64 {
    encode_version(env!("CARGO_PKG_VERSION")).unwrap_or(0)
}

/// getVersion: the library's version and, for `type` "ESX" (or none), the
/// driver's, which is the library's.
pub fn get_version(r#type: Option<&str>) -> Result<(u64, u64)> {
    let t = r#type.unwrap_or("ESX");
    if !t.eq_ignore_ascii_case("ESX") {
        return Err(Error::no_support(format!("unknown driver type '{t}'")));
    }
    Ok((lib_version(), lib_version()))
}

/// Decides VM questions in place of the URI's auto_answer policy.
pub trait QuestionHandler: Send + Sync {
    /// The index of the choice to answer with, or None to refuse.
    fn decide(&self, dom: &DomainRef, question: &Question) -> Option<usize>;
}

/// An open connection to an ESX host or vCenter.
pub struct Connection {
    uri: ParsedUri,
    /// Shared with the threads that stream datastore files.
    client: Arc<Client>,
    read_only: bool,
    scope: OnceCell<Scope>,
    /// BIOS UUID -> VM MoRef, filled by every listing and lookup, so that a
    /// later lookup costs one request instead of two.
    vm_cache: Mutex<HashMap<[u8; 16], MoRef>>,
    /// The host's capability.maxSupportedVcpus, read once.
    pub(crate) max_vcpus: OnceCell<Option<i32>>,
    /// Datastore name -> its browser: a datastore's browser never changes,
    /// so a pool's searches cost no read of the host's datastores after
    /// the first (a browser the host no longer has is read again).
    pub(crate) browsers: Mutex<HashMap<String, MoRef>>,
    /// Whether the host names VMs `vm-N` (learnt from the MoRefs it sends).
    vm_morefs_prefixed: std::sync::atomic::AtomicBool,

    question_handler: RwLock<Option<Arc<dyn QuestionHandler>>>,
    /// Answers by message id, consulted before the handler and auto_answer.
    pub(crate) question_rules: RwLock<Vec<esx_common::rules::Rule>>,
    /// The domain event watchers started on this connection (stopped
    /// before it logs out).
    watchers: Mutex<Vec<std::sync::Weak<events::Control>>>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("uri", &self.uri.as_str())
            .finish_non_exhaustive()
    }
}

impl Connection {
    /// Opens a connection. Credentials come from the URI, auth.conf or
    /// `auth`; `read_only` refuses every operation that changes something.
    pub fn open(
        uri_text: &str,
        auth: Option<&mut dyn Authenticator>,
        read_only: bool,
    ) -> Result<Connection> {
        let uri = uri::parse(uri_text)?;
        // The host first: a wrong name or port fails before anyone is
        // asked for a password.
        let reached = Client::reach(&uri)?;
        let (user, password) = auth::credentials(&uri, auth)?;
        let client = reached.log_in(&user, password)?;
        let about = &client.service().about;
        let (expected, found_ok) = match uri.scheme {
            Scheme::Esx => (
                "an ESX host",
                matches!(about.product_line_id.as_str(), "esx" | "embeddedEsx"),
            ),
            Scheme::Gsx => ("a GSX host", about.product_line_id == "gsx"),
            Scheme::Vpx => ("a vCenter", about.product_line_id == "vpx"),
        };
        if !found_ok {
            let found = match about.product_line_id.as_str() {
                "esx" | "embeddedEsx" => "an ESX host",
                "gsx" => "a GSX host",
                "vpx" => "a vCenter",
                other => other,
            };
            return Err(Error::invalid_arg(format!(
                "Expecting '{}' to be {expected} but found {found} ({}); use the {}:// scheme",
                uri.host,
                about.full_name,
                match about.product_line_id.as_str() {
                    "vpx" => "vpx",
                    "gsx" => "gsx",
                    _ => "esx",
                }
            )));
        }
        let rules = uri.question_rules.clone();
        let conn = Connection {
            uri,
            client: Arc::new(client),
            read_only,
            scope: OnceCell::new(),
            vm_cache: Mutex::new(HashMap::new()),
            max_vcpus: OnceCell::new(),
            browsers: Mutex::new(HashMap::new()),
            vm_morefs_prefixed: std::sync::atomic::AtomicBool::new(false),
            question_handler: RwLock::new(None),
            question_rules: RwLock::new(rules),
            watchers: Mutex::new(Vec::new()),
        };
        if conn.is_vcenter() {
            conn.note_vm_moref_style("vm-");
        }
        if conn.uri.scheme == Scheme::Vpx {
            let scope = scope::resolve_path(&conn.client, &conn.uri.path)?;
            let _ = conn.scope.set(scope);
        }
        if let Some(vc) = conn.uri.vcenter.clone() {
            conn.check_vcenter(&vc)?;
        }
        Ok(conn)
    }

    /// connectOpenAuth: `flags` ESX_CONNECT_RO (read-only) and
    /// ESX_CONNECT_NO_ALIASES (no aliases exist here).
    pub fn connect_open_auth(
        uri_text: &str,
        auth: Option<&mut dyn Authenticator>,
        flags: u32,
    ) -> Result<Connection> {
        error::check_flags(flags, flags::CONNECT_OPEN_AUTH)?;
        let read_only = flags & ESX_CONNECT_RO as u32 != 0;
        Connection::open(uri_text, auth, read_only)
    }

    /// vcenter= on esx://: check that the host is managed by that vCenter
    /// (or by any, for `*`), as libvirt does before migrations.
    fn check_vcenter(&self, wanted: &str) -> Result<()> {
        let managed = self
            .host_view::<crate::vi::vim25::HostManagement>()?
            .management_server_ip;
        match (wanted, managed) {
            ("*", None) => Err(Error::invalid_arg("This host is not managed by a vCenter")),
            ("*", Some(_)) => Ok(()),
            (name, managed) => {
                let resolved: Vec<String> = std::net::ToSocketAddrs::to_socket_addrs(&(name, 443))
                    .map(|a| a.map(|s| s.ip().to_string()).collect())
                    .unwrap_or_default();
                match managed {
                    Some(ip) if ip == name || resolved.contains(&ip) => Ok(()),
                    Some(ip) => Err(Error::invalid_arg(format!(
                        "This host is managed by a vCenter with IP address {ip}, but a mismatching \
                         vCenter '{name}' has been specified"
                    ))),
                    None => Err(Error::invalid_arg(format!(
                        "This host is not managed by a vCenter, but vcenter='{name}' has been specified"
                    ))),
                }
            }
        }
    }

    pub fn uri(&self) -> &ParsedUri {
        &self.uri
    }

    /// The client, for a thread that outlives the call (an upload).
    pub(crate) fn shared_client(&self) -> Arc<Client> {
        self.client.clone()
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// Fails with OPERATION_DENIED on a read-only connection.
    pub fn check_writable(&self, what: &str) -> Result<()> {
        if self.read_only {
            // libvirt's public functions refuse it before the driver.
            Err(Error::operation_denied(format!("{what}: the connection is read-only")).from_api())
        } else {
            Ok(())
        }
    }

    pub fn is_vcenter(&self) -> bool {
        self.client.service().about.is_vcenter()
    }

    /// The datacenter, compute resource and host this connection manages.
    pub fn scope(&self) -> Result<&Scope> {
        self.scope
            .get_or_try_init(|| scope::resolve_single(&self.client))
    }

    /// "ESX"
    pub fn connect_get_type(&self) -> &'static str {
        "ESX"
    }

    /// This library's version (libvirt-encoded).
    pub fn connect_get_lib_version(&self) -> u64 {
        lib_version()
    }

    /// The product version of the host, encoded as libvirt encodes versions.
    pub fn connect_get_version(&self) -> Result<u64> {
        let v = &self.client.service().about.version;
        encode_version(v)
            .ok_or_else(|| Error::rpc(format!("Could not parse product version '{v}'")))
    }

    pub fn connect_is_encrypted(&self) -> bool {
        self.uri.transport == Transport::Https
    }

    /// Secure: encrypted, and the peer's identity checked (not no_verify=1).
    pub fn connect_is_secure(&self) -> bool {
        self.uri.transport == Transport::Https && !self.uri.no_verify
    }

    /// Alive: the host answers an authenticated call (CurrentTime), after
    /// logging in again if the session had expired.
    pub fn connect_is_alive(&self) -> bool {
        if self.client.is_closed() {
            return false;
        }
        let instance = MoRef::new("ServiceInstance", "ServiceInstance");
        self.client
            .invoke("CurrentTime", &instance, "", crate::vi::Safety::ReadOnly)
            .is_ok()
    }

    /// Installs (or with None removes) the question handler.
    pub fn set_question_handler(&self, handler: Option<Arc<dyn QuestionHandler>>) {
        if let Ok(mut h) = self.question_handler.write() {
            *h = handler;
        }
    }

    pub fn question_handler(&self) -> Option<Arc<dyn QuestionHandler>> {
        self.question_handler.read().ok().and_then(|h| h.clone())
    }

    /// Remembers how this host names VMs, from a VM MoRef it sent.
    pub(crate) fn note_vm_moref_style(&self, moref: &str) {
        self.vm_morefs_prefixed.store(
            moref.starts_with("vm-"),
            std::sync::atomic::Ordering::Relaxed,
        );
    }

    pub(crate) fn vm_morefs_prefixed(&self) -> bool {
        self.vm_morefs_prefixed
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    pub(crate) fn cache_vm(&self, uuid: [u8; 16], moref: &MoRef) {
        if uuid != [0; 16] {
            if let Ok(mut c) = self.vm_cache.lock() {
                c.insert(uuid, moref.clone());
            }
        }
    }

    pub(crate) fn cached_vm(&self, uuid: &[u8; 16]) -> Option<MoRef> {
        self.vm_cache.lock().ok().and_then(|c| c.get(uuid).cloned())
    }

    pub(crate) fn forget_vm(&self, uuid: &[u8; 16]) {
        if let Ok(mut c) = self.vm_cache.lock() {
            c.remove(uuid);
        }
    }

    /// Logs out now; later calls fail with INVALID_CONN. Event watchers
    /// are stopped first (their waits cancelled on the host), so that none
    /// has a request in flight that could log in again after the Logout.
    /// The watchers get one deadline for all ([`events::CLOSE_WAIT`]); a
    /// host that did not answer within it gets that much for the Logout
    /// too, so that a frozen host holds a close seconds, not minutes.
    pub fn connect_close(&self) {
        let wait = events::CLOSE_WAIT.min(self.client.transport().read_timeout());
        let deadline = std::time::Instant::now() + wait;
        let (stopped, answered) = self.stop_watchers(deadline);
        self.client.logout_within((!answered).then_some(wait));
        events::join_watchers(stopped, deadline);
    }

    pub(crate) fn add_watcher(&self, w: &Arc<events::Control>) {
        if let Ok(mut list) = self.watchers.lock() {
            list.retain(|c| c.strong_count() > 0);
            list.push(Arc::downgrade(w));
        }
    }

    pub(crate) fn take_watchers(&self) -> Vec<Arc<events::Control>> {
        self.watchers
            .lock()
            .map(|mut l| l.drain(..).filter_map(|c| c.upgrade()).collect())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_encode_like_libvirt() {
        assert_eq!(encode_version("7.0.3"), Some(7_000_003));
        assert_eq!(encode_version("6.0.0"), Some(6_000_000));
        assert_eq!(encode_version("8.0"), Some(8_000_000));
        assert_eq!(encode_version("x"), None);
    }
}
