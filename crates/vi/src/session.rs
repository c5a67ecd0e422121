// SPDX-License-Identifier: LGPL-2.1-or-later
//! The VI session: version negotiation, service content, login, and the one
//! `invoke` through which every SOAP call goes (re-login on NotAuthenticated,
//! retry of read-only calls after a dropped connection).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};
use zeroize::Zeroize;

use super::soap::{self, Reply, XmlWriter};
use super::transport::{self, HttpReply, SendError, StreamReply, Transport};
use super::types::{MoRef, ServiceContent, UserSession, Value};
use super::vim25;
use crate::error::{Code, Error, Result};
use crate::fault::FaultOf;
use crate::uri::ParsedUri;
use crate::wire::FromValue;

/// The oldest API with RetrievePropertiesEx and WaitForUpdatesEx.
pub const MIN_API_VERSION: &str = "4.1";
/// The newest API version this driver asks for. The host trims its replies
/// to the version we name; everything we read exists since 4.1.
pub const MAX_API_VERSION: &str = "8.0.3.0";

/// What a call does to the host, which decides whether it may be sent again
/// after the connection dropped before an answer came.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Safety {
    /// Reads only: sending it twice is harmless.
    ReadOnly,
    /// Changes something: never repeated blindly.
    Mutating,
}

/// A password that is wiped from memory when dropped and never printed.
pub struct Secret(Vec<u8>);

impl Secret {
    pub fn new(text: &str) -> Secret {
        Secret(text.as_bytes().to_vec())
    }

    fn expose(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("")
    }

    /// Overwrites the bytes (zeroize's volatile writes, which the compiler
    /// cannot skip) and empties the buffer.
    pub fn wipe(&mut self) {
        self.0.zeroize();
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        self.wipe();
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Parses a dotted version into numbers; None for internal ids like `uA046D008`.
pub fn version_key(v: &str) -> Option<Vec<u32>> {
    let parts: Option<Vec<u32>> = v.split('.').map(|p| p.parse().ok()).collect();
    parts.filter(|p| !p.is_empty())
}

fn cmp_versions(a: &[u32], b: &[u32]) -> std::cmp::Ordering {
    let n = a.len().max(b.len());
    for i in 0..n {
        let (x, y) = (
            a.get(i).copied().unwrap_or(0),
            b.get(i).copied().unwrap_or(0),
        );
        if x != y {
            return x.cmp(&y);
        }
    }
    std::cmp::Ordering::Equal
}

/// The version to speak with a host whose ServiceContent says
/// `host_version`: the host's own, or ours where the host is newer (a host
/// speaks every earlier version); None below the oldest we speak.
pub fn speak_version(host_version: &str) -> Option<String> {
    let host = version_key(host_version)?;
    let max = version_key(MAX_API_VERSION)?;
    let min = version_key(MIN_API_VERSION)?;
    if cmp_versions(&host, &min).is_lt() {
        None
    } else if cmp_versions(&host, &max).is_gt() {
        Some(MAX_API_VERSION.to_string())
    } else {
        Some(host_version.to_string())
    }
}

/// True when a property read answered 200 but every property is missing with
/// NotAuthenticated: the way an expired session shows on RetrievePropertiesEx.
fn missing_not_authenticated(values: &[Value]) -> bool {
    let objects = values.iter().flat_map(|v| {
        let nested: Vec<&Value> = v.get_all("objects").collect();
        if nested.is_empty() {
            vec![v]
        } else {
            nested
        }
    });
    objects.flat_map(|o| o.get_all("missingSet")).any(|m| {
        m.get("fault")
            .and_then(|f| f.get("fault"))
            .and_then(Value::type_name)
            .is_some_and(|t| vim25::Fault::from_name(t).is_a(&vim25::Fault::NotAuthenticated))
    })
}

/// A logged-in VI session with one host or vCenter.
pub struct Client {
    transport: Transport,
    service: ServiceContent,
    /// The managers of `service` the client cannot work without (checked
    /// present when the host answered).
    session_manager: MoRef,
    search_index: MoRef,
    api_version: String,
    user: String,
    password: Mutex<Secret>,
    session: RwLock<Option<UserSession>>,
    login_lock: Mutex<()>,
    generation: AtomicU64,
    closed: AtomicBool,
    requests: AtomicU64,
    task_timeout: Duration,
    /// Private property collectors not in use, with the session generation
    /// they belong to (they die with the session).
    collectors: Mutex<Vec<(u64, MoRef)>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("url", &self.transport.base_url())
            .field("api_version", &self.api_version)
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Opens a session: RetrieveServiceContent and Login; two requests.
    pub fn connect(uri: &ParsedUri, user: &str, password: Secret) -> Result<Client> {
        Client::reach(uri)?.log_in(user, password)
    }

    /// The first request of [`Client::connect`]: the host answered and
    /// is a VI host of a version we speak, but nobody is logged in yet. The
    /// caller asks for credentials only now, so that a wrong host name or
    /// port fails before anyone is asked for a password.
    pub fn reach(uri: &ParsedUri) -> Result<Client> {
        // No GET of /sdk/vimServiceVersions.xml: ServiceContent's
        // about.apiVersion (the host's own version) decides below, and every
        // host of API 4.1 or later answers RetrieveServiceContent in 4.1.
        let transport = Transport::new(uri)?;
        let mut client = Client {
            transport,
            service: ServiceContent::default(),
            session_manager: MoRef::default(),
            search_index: MoRef::default(),
            api_version: MIN_API_VERSION.to_string(),
            user: String::new(),
            password: Mutex::new(Secret::new("")),
            session: RwLock::new(None),
            login_lock: Mutex::new(()),
            generation: AtomicU64::new(0),
            closed: AtomicBool::new(false),
            requests: AtomicU64::new(0),
            task_timeout: uri.task_timeout,
            collectors: Mutex::new(Vec::new()),
        };
        let instance = MoRef::new("ServiceInstance", "ServiceInstance");
        let reply = client.send(
            "RetrieveServiceContent",
            &instance,
            "",
            Safety::ReadOnly,
            None,
        )?;
        let sc = reply
            .first()
            .ok_or_else(|| Error::rpc("RetrieveServiceContent returned nothing"))?;
        client.service = ServiceContent::from_value(sc)?;
        let needed = |m: &Option<MoRef>, field: &str| {
            m.clone().ok_or_else(|| {
                Error::rpc(format!(
                    "ServiceContent from the host lacks its '{field}' reference"
                ))
            })
        };
        client.session_manager = needed(&client.service.session_manager, "sessionManager")?;
        client.search_index = needed(&client.service.search_index, "searchIndex")?;
        let about = &client.service.about;
        if about.api_type != "HostAgent" && about.api_type != "VirtualCenter" {
            return Err(Error::no_support(format!(
                "Expecting VI API type 'HostAgent' or 'VirtualCenter' but found '{}'",
                about.api_type
            )));
        }
        if version_key(&about.api_version).is_none() {
            return Err(Error::rpc(format!(
                "Could not parse VI API version '{}'",
                about.api_version
            )));
        }
        let Some(v) = speak_version(&about.api_version) else {
            return Err(Error::no_support(format!(
                "{} speaks VI API {}, but esx-driver needs {MIN_API_VERSION} or later \
                 (RetrievePropertiesEx, WaitForUpdatesEx)",
                about.full_name, about.api_version
            )));
        };
        client.transport.set_api_version(&v);
        client.api_version = v;
        log::debug!(
            "connected to {} ({}), API {} negotiated as {}",
            client.transport.base_url(),
            about.full_name,
            about.api_version,
            client.api_version
        );
        Ok(client)
    }

    /// Logs in to a host [`Client::reach`] reached (the second request).
    pub fn log_in(mut self, user: &str, password: Secret) -> Result<Client> {
        self.user = user.to_string();
        self.password = Mutex::new(password);
        self.login()?;
        Ok(self)
    }

    pub fn service(&self) -> &ServiceContent {
        &self.service
    }

    /// `ServiceContent.searchIndex` (always there: checked on connecting).
    pub fn search_index(&self) -> &MoRef {
        &self.search_index
    }

    pub fn api_version(&self) -> &str {
        &self.api_version
    }

    pub fn transport(&self) -> &Transport {
        &self.transport
    }

    pub fn user(&self) -> &str {
        &self.user
    }

    /// How long a task is waited for (the URI's task_timeout).
    pub fn task_timeout(&self) -> Duration {
        self.task_timeout
    }

    /// Requests sent so far on this session (for tests and logs).
    pub fn request_count(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    fn login(&self) -> Result<()> {
        let mut w = XmlWriter::new();
        {
            let pw = self
                .password
                .lock()
                .map_err(|_| Error::internal("credential lock poisoned"))?;
            let mut req = vim25::LoginRequest {
                user_name: self.user.clone(),
                password: pw.expose().to_string(),
                locale: None,
            };
            crate::wire::Request::write_params(&req, &mut w);
            zeroize::Zeroize::zeroize(&mut req.password);
        }
        let params = w.finish();
        let reply = self
            .send(
                "Login",
                &self.session_manager,
                &params,
                Safety::ReadOnly,
                None,
            )
            .map_err(|e| {
                let code = if e.is_fault(&vim25::Fault::InvalidLogin) {
                    Code::AuthFailed
                } else {
                    e.code()
                };
                e.context(format!(
                    "Login as '{}' to {} failed",
                    self.user,
                    self.transport.base_url()
                ))
                .with_code(code)
            })?;
        let session = reply
            .first()
            .map(UserSession::from_value)
            .transpose()?
            .ok_or_else(|| Error::rpc("Login returned no UserSession"))?;
        log::debug!("logged in as '{}'", session.user_name);
        if let Ok(mut s) = self.session.write() {
            *s = Some(session);
        }
        self.generation.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    /// Logs in again unless another thread already did since `seen`, or
    /// the connection was closed: a request that was in flight when it
    /// closed (an event watcher's wait) fails NotAuthenticated after the
    /// Logout, and must not open a new session (with a wiped password).
    fn relogin(&self, seen: u64) -> Result<()> {
        let _guard = self
            .login_lock
            .lock()
            .map_err(|_| Error::internal("login lock poisoned"))?;
        if self.closed.load(Ordering::SeqCst) {
            return Err(Error::invalid_conn(
                "The connection was closed while the call was in progress",
            ));
        }
        if self.generation.load(Ordering::SeqCst) != seen {
            return Ok(());
        }
        log::info!(
            "session with {} is no longer authenticated; logging in again",
            self.transport.base_url()
        );
        self.login().map_err(|e| {
            e.context("The session expired and logging in again with the stored credentials failed")
        })
    }

    /// Calls `method` on `this`. A NotAuthenticated answer (a fault, or an
    /// all-missing property read) logs in again and repeats the call once. A
    /// read-only call whose connection dropped is repeated once on a fresh
    /// connection; a mutating one never is.
    pub fn invoke(
        &self,
        method: &str,
        this: &MoRef,
        params: &str,
        safety: Safety,
    ) -> Result<Vec<Value>> {
        self.invoke_with_wait(method, this, params, safety, None)
    }

    /// `invoke` without logging in again: for a call that is pointless in
    /// a new session (CancelWaitForUpdates of this session's collector).
    pub fn invoke_in_session(
        &self,
        method: &str,
        this: &MoRef,
        params: &str,
        safety: Safety,
    ) -> Result<Vec<Value>> {
        if self.closed.load(Ordering::SeqCst) {
            return Err(Error::invalid_conn("The connection is closed"));
        }
        self.send(method, this, params, safety, None)
    }

    /// `invoke` for calls the host may hold open for up to `wait`.
    pub fn invoke_with_wait(
        &self,
        method: &str,
        this: &MoRef,
        params: &str,
        safety: Safety,
        wait: Option<Duration>,
    ) -> Result<Vec<Value>> {
        if self.closed.load(Ordering::SeqCst) {
            return Err(Error::invalid_conn("The connection is closed"));
        }
        let seen = self.generation.load(Ordering::SeqCst);
        match self.send(method, this, params, safety, wait) {
            Err(e) if e.is_fault(&vim25::Fault::NotAuthenticated) => {
                self.relogin(seen)?;
                self.send(method, this, params, safety, wait).map_err(|e| {
                    if e.is_fault(&vim25::Fault::NotAuthenticated) {
                        e.context("The host still refused the call after logging in again")
                    } else {
                        e
                    }
                })
            }
            other => other,
        }
    }

    /// One exchange, with the retry after a dropped connection for reads.
    fn send(
        &self,
        method: &str,
        this: &MoRef,
        params: &str,
        safety: Safety,
        wait: Option<Duration>,
    ) -> Result<Vec<Value>> {
        let body = soap::envelope(method, this, params);
        if log::log_enabled!(log::Level::Trace) {
            log::trace!("request {method}: {}", soap::redact(&body));
        }
        let mut attempt = 0;
        let reply = loop {
            let started = Instant::now();
            self.requests.fetch_add(1, Ordering::Relaxed);
            match self.transport.post_soap(&body, wait) {
                Ok(r) => {
                    log::debug!(
                        "{method} on {this}: HTTP {} in {:?}",
                        r.status,
                        started.elapsed()
                    );
                    break r;
                }
                Err(SendError {
                    error,
                    maybe_delivered,
                }) => {
                    let may_retry = attempt == 0
                        && (safety == Safety::ReadOnly || !maybe_delivered)
                        && error.code() != Code::OperationTimeout
                        && !error.message().starts_with("TLS");
                    if may_retry {
                        log::warn!("{method}: {error}; retrying once on a fresh connection");
                        attempt += 1;
                        continue;
                    }
                    return Err(error.context(format!("{method} on {this}")));
                }
            }
        };
        let text = String::from_utf8(reply.body)
            .map_err(|_| Error::rpc(format!("The host's response to {method} is not UTF-8")))?;
        if log::log_enabled!(log::Level::Trace) {
            log::trace!(
                "response {method} (HTTP {}): {}",
                reply.status,
                soap::redact(&text)
            );
        }
        match reply.status {
            200 | 500 => {}
            status => {
                return Err(transport::status_error(
                    status,
                    text.as_bytes(),
                    &format!("{method} on {this}"),
                ))
            }
        }
        match soap::parse_reply(method, &text) {
            Ok(Reply::Return(values)) => {
                if method.contains("RetrieveProperties") && missing_not_authenticated(&values) {
                    return Err(Error::from_fault(
                        "NotAuthenticated",
                        format!("{method}: the session is not authenticated"),
                    ));
                }
                Ok(values)
            }
            Ok(Reply::Fault(f)) => Err(Error::from_fault(
                &f.fault_type,
                format!(
                    "{method} on {this} failed: {} ({})",
                    f.message, f.fault_type
                ),
            )),
            Err(e) if reply.status == 500 => Err(Error::http(format!(
                "HTTP status 500 for {method} without a SOAP fault: {}",
                e.message()
            ))),
            Err(e) => Err(e),
        }
    }

    /// GET with the session cookie; a 401 logs in again and repeats once.
    pub fn http_get(&self, path: &str) -> Result<HttpReply> {
        let seen = self.generation.load(Ordering::SeqCst);
        let reply = self.retry_get(path)?;
        if reply.status == 401 || reply.status == 403 {
            self.relogin(seen)?;
            return self.retry_get(path);
        }
        Ok(reply)
    }

    fn retry_get(&self, path: &str) -> Result<HttpReply> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        match self.transport.get(path) {
            Ok(r) => Ok(r),
            Err(_) => {
                self.requests.fetch_add(1, Ordering::Relaxed);
                self.transport.get(path).map_err(Error::from)
            }
        }
    }

    /// PUT with the session cookie; a 401 logs in again and repeats once.
    pub fn http_put(&self, path: &str, data: &[u8]) -> Result<HttpReply> {
        let seen = self.generation.load(Ordering::SeqCst);
        self.requests.fetch_add(1, Ordering::Relaxed);
        let reply = self.transport.put(path, data).map_err(Error::from)?;
        if reply.status == 401 || reply.status == 403 {
            self.relogin(seen)?;
            self.requests.fetch_add(1, Ordering::Relaxed);
            return self.transport.put(path, data).map_err(Error::from);
        }
        Ok(reply)
    }

    /// A GET of a file as a stream, from `offset`, `length` bytes (0: all);
    /// a 401 logs in again and asks once more (nothing was read yet). The
    /// transfer may take up to the task timeout.
    pub fn http_get_stream(
        &self,
        transfer: &super::transport::Transfer,
        path: &str,
        offset: u64,
        length: u64,
    ) -> Result<StreamReply> {
        let seen = self.generation.load(Ordering::SeqCst);
        self.requests.fetch_add(1, Ordering::Relaxed);
        let reply = self
            .transport
            .get_stream(transfer, path, offset, length)
            .map_err(Error::from)?;
        if reply.status == 401 || reply.status == 403 {
            self.relogin(seen)?;
            self.requests.fetch_add(1, Ordering::Relaxed);
            return self
                .transport
                .get_stream(transfer, path, offset, length)
                .map_err(Error::from);
        }
        Ok(reply)
    }

    /// A PUT of a file from a stream (never repeated: the stream is gone).
    /// A 401 logs in again for the next call and is an error for this one.
    pub fn http_put_stream(
        &self,
        transfer: &super::transport::Transfer,
        path: &str,
        body: impl std::io::Read,
        length: Option<u64>,
    ) -> Result<HttpReply> {
        let seen = self.generation.load(Ordering::SeqCst);
        self.requests.fetch_add(1, Ordering::Relaxed);
        let reply = self
            .transport
            .put_stream(transfer, path, body, length)
            .map_err(Error::from)?;
        if reply.status == 401 || reply.status == 403 {
            self.relogin(seen)?;
            return Err(Error::auth_failed(
                "The session expired during the upload; logged in again, send it again",
            ));
        }
        Ok(reply)
    }

    /// DELETE with the session cookie (never repeated: it changes the host).
    pub fn http_delete(&self, path: &str) -> Result<HttpReply> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        self.transport.delete(path).map_err(Error::from)
    }

    /// A private property collector of the current session: a free one, or
    /// a new one (one request, the first time a thread needs it).
    pub fn take_collector(&self) -> Result<MoRef> {
        let generation = self.generation.load(Ordering::SeqCst);
        if let Ok(mut pool) = self.collectors.lock() {
            pool.retain(|(g, _)| *g == generation);
            if let Some((_, c)) = pool.pop() {
                return Ok(c);
            }
        }
        super::property::create_collector(self)
    }

    /// Gives a collector back for reuse (it must have no filters left).
    pub fn return_collector(&self, collector: MoRef) {
        let generation = self.generation.load(Ordering::SeqCst);
        if let Ok(mut pool) = self.collectors.lock() {
            pool.push((generation, collector));
        }
    }

    /// Logs out (best effort) and wipes the stored password. A login in
    /// progress on another thread (a re-login after an expired session) is
    /// waited for, so that the session it opens is the one logged out; no
    /// login starts after this (see `relogin`).
    pub fn logout(&self) {
        if self.closed.swap(true, Ordering::SeqCst) {
            return;
        }
        // A login in progress finishes first, so that the session it
        // opens is the one logged out.
        let _guard = self.login_lock.lock().unwrap_or_else(|p| p.into_inner());
        let logged_in = self.session.read().map(|s| s.is_some()).unwrap_or(true);
        if self.transport.has_cookie() && logged_in {
            let body = soap::envelope("Logout", &self.session_manager, "");
            self.requests.fetch_add(1, Ordering::Relaxed);
            if let Err(e) = self.transport.post_soap(&body, None) {
                log::debug!("Logout failed: {}", e.error);
            }
        }
        self.transport.clear_cookie();
        if let Ok(mut pw) = self.password.lock() {
            pw.wipe();
        }
        if let Ok(mut s) = self.session.write() {
            if let Some(session) = s.as_mut() {
                let mut key = Secret(std::mem::take(&mut session.key).into_bytes());
                key.wipe();
            }
            *s = None;
        }
    }

    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        self.logout();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speaks_the_host_version_up_to_ours() {
        assert_eq!(speak_version("8.0.2.0").as_deref(), Some("8.0.2.0"));
        assert_eq!(speak_version("6.7.3").as_deref(), Some("6.7.3"));
        assert_eq!(speak_version("4.1").as_deref(), Some("4.1"));
        assert_eq!(speak_version("9.1.0.0").as_deref(), Some(MAX_API_VERSION));
        assert_eq!(speak_version("4.0"), None);
        assert_eq!(speak_version("uA046D008"), None);
    }

    #[test]
    fn secret_wipes_and_hides() {
        let mut s = Secret::new("hunter2");
        assert_eq!(format!("{s:?}"), "Secret(***)");
        s.wipe();
        assert_eq!(s.expose(), "");
    }
}
