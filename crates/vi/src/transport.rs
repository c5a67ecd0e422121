// SPDX-License-Identifier: LGPL-2.1-or-later
//! HTTP(S) to the host: the ureq agent (keep-alive pool, timeouts, proxy),
//! the TLS policy (verify, no_verify=1, cacert=, thumbprint=), the session
//! cookie, and bounded response bodies.

use std::io::Read;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use super::soap;
use super::tls::{self, ChainVerifier};
use crate::error::{Error, Result};
use crate::uri::{ParsedUri, Proxy, Transport as Scheme};

pub use super::tls::sha256_fingerprint;

/// The largest response body accepted. A page of 1,000 VMs with the usual
/// properties is well under 2 MiB; anything near this is an attack or a bug.
pub const MAX_RESPONSE_BYTES: u64 = 32 * 1024 * 1024;

const COOKIE_NAME: &str = "vmware_soap_session";

/// How a failed exchange ended, for the retry rules of the session layer.
#[derive(Debug)]
pub struct SendError {
    pub error: Error,
    /// False when the request certainly never reached the host (DNS,
    /// connect or TLS failure); true when it may have.
    pub maybe_delivered: bool,
}

impl From<SendError> for Error {
    fn from(e: SendError) -> Error {
        e.error
    }
}

/// An HTTP response with its body read.
#[derive(Debug)]
pub struct HttpReply {
    pub status: u16,
    pub body: Vec<u8>,
}

/// A streamed response: its status, length if the host said, the range it
/// sent (`Content-Range`), and body.
pub struct StreamReply {
    pub status: u16,
    pub length: Option<u64>,
    pub content_range: Option<String>,
    pub reader: Box<dyn std::io::Read + Send>,
}

impl std::fmt::Debug for StreamReply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamReply")
            .field("status", &self.status)
            .field("length", &self.length)
            .finish_non_exhaustive()
    }
}

/// The connection to one host: one agent (a pool of keep-alive connections,
/// shared by all threads) and the session cookie.
pub struct Transport {
    agent: ureq::Agent,
    /// What a transfer's own agent is built from (see [`Transport::transfer`]).
    settings: AgentSettings,
    base_url: String,
    read_timeout: Duration,
    cookie: RwLock<Option<String>>,
    soap_action: RwLock<String>,
    verifier: Option<Arc<ChainVerifier>>,
    /// How the user asked the certificate to be treated, for advice in
    /// errors that never suggests what was already given.
    tls_mode: TlsMode,
    proxy: Option<Proxy>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TlsMode {
    Plain,
    SystemStore,
    CaCert,
    Thumbprint,
    NoVerify,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

/// What every agent of a connection is built with.
#[derive(Clone)]
struct AgentSettings {
    connect_timeout: Duration,
    read_timeout: Duration,
    tls: Option<Arc<rustls::ClientConfig>>,
    proxy: Option<ureq::Proxy>,
}

impl AgentSettings {
    fn builder(&self) -> ureq::AgentBuilder {
        let mut b = ureq::AgentBuilder::new()
            .timeout_connect(self.connect_timeout)
            .timeout_read(self.read_timeout)
            .timeout_write(self.read_timeout)
            .redirects(0)
            .user_agent(concat!("esx-driver/", env!("CARGO_PKG_VERSION")));
        if let Some(p) = &self.proxy {
            b = b.proxy(p.clone());
        }
        b
    }
}

/// The socket of a transfer, which another thread can shut down to end a
/// read or write blocked on it (an abort). Empty until the transfer
/// connects, and for plain HTTP (whose socket ureq does not show).
#[derive(Clone, Default)]
pub struct Interrupt(Arc<std::sync::Mutex<Option<std::net::TcpStream>>>);

impl Interrupt {
    /// Ends any read or write blocked on the transfer's socket.
    pub fn interrupt(&self) {
        if let Some(s) = self
            .0
            .lock()
            .ok()
            .and_then(|g| g.as_ref().and_then(|s| s.try_clone().ok()))
        {
            let _ = s.shutdown(std::net::Shutdown::Both);
        }
    }
}

/// The TLS connector of every agent: rustls over a socket that never
/// raises SIGPIPE, and (for a transfer) a copy of the socket kept for
/// [`Interrupt`].
struct Connector {
    tls: Arc<rustls::ClientConfig>,
    socket: Option<Interrupt>,
}

impl ureq::TlsConnector for Connector {
    fn connect(
        &self,
        dns_name: &str,
        io: Box<dyn ureq::ReadWrite>,
    ) -> std::result::Result<Box<dyn ureq::ReadWrite>, ureq::Error> {
        if let Some(slot) = &self.socket {
            if let Some(copy) = io.socket().and_then(|s| s.try_clone().ok()) {
                if let Ok(mut slot) = slot.0.lock() {
                    *slot = Some(copy);
                }
            }
        }
        self.tls.connect(dns_name, Box::new(NoSigPipe(io)))
    }
}

/// A socket whose writes never raise SIGPIPE. rustls writes records with
/// write_vectored, which is writev(2): it takes no MSG_NOSIGNAL, so a
/// write to a socket the peer (or an abort) closed would send SIGPIPE and
/// kill a C program that loads this library and did not ignore it. One
/// buffer at a time goes through TcpStream::write, which is send(2) with
/// MSG_NOSIGNAL; the error is then EPIPE, as it should be.
#[derive(Debug)]
struct NoSigPipe(Box<dyn ureq::ReadWrite>);

impl Read for NoSigPipe {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf)
    }
}

impl std::io::Write for NoSigPipe {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf)
    }

    fn write_vectored(&mut self, bufs: &[std::io::IoSlice<'_>]) -> std::io::Result<usize> {
        match bufs.iter().find(|b| !b.is_empty()) {
            Some(b) => self.0.write(b),
            None => Ok(0),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

impl ureq::ReadWrite for NoSigPipe {
    fn socket(&self) -> Option<&std::net::TcpStream> {
        self.0.socket()
    }
}

/// A transfer's own agent (its own connection), and its interrupt.
pub struct Transfer {
    agent: ureq::Agent,
    pub interrupt: Interrupt,
}

impl Transport {
    pub fn new(uri: &ParsedUri) -> Result<Transport> {
        let mut verifier = None;
        let mut tls = None;
        if uri.transport == Scheme::Https {
            let (config, recording) = tls::client_config(uri)?;
            verifier = recording;
            tls = Some(Arc::new(config));
        }
        let proxy = match &uri.proxy {
            Some(proxy) => Some(ureq::Proxy::new(proxy.url()).map_err(|e| {
                Error::invalid_arg(format!("Query parameter 'proxy' is not usable: {e}"))
            })?),
            None => None,
        };
        let settings = AgentSettings {
            connect_timeout: uri.connect_timeout,
            read_timeout: uri.read_timeout,
            tls,
            proxy,
        };
        let mut builder = settings
            .builder()
            .max_idle_connections(64)
            .max_idle_connections_per_host(32);
        if let Some(t) = &settings.tls {
            builder = builder.tls_connector(Arc::new(Connector {
                tls: t.clone(),
                socket: None,
            }));
        }
        Ok(Transport {
            agent: builder.build(),
            settings,
            base_url: uri.base_url(),
            read_timeout: uri.read_timeout,
            cookie: RwLock::new(None),
            soap_action: RwLock::new("urn:vim25/4.1".to_string()),
            verifier,
            tls_mode: match () {
                _ if uri.transport == Scheme::Http => TlsMode::Plain,
                _ if uri.no_verify => TlsMode::NoVerify,
                _ if uri.thumbprint.is_some() => TlsMode::Thumbprint,
                _ if uri.cacert.is_some() => TlsMode::CaCert,
                _ => TlsMode::SystemStore,
            },
            proxy: uri.proxy.clone(),
        })
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// An agent for one transfer of a datastore file: its own connection,
    /// whose socket an abort can shut down (HTTPS; over plain HTTP an
    /// abort is seen at the next read, at most read_timeout later).
    pub fn transfer(&self) -> Transfer {
        let interrupt = Interrupt::default();
        let agent = match &self.settings.tls {
            Some(tls) => self
                .settings
                .builder()
                .tls_connector(Arc::new(Connector {
                    tls: tls.clone(),
                    socket: Some(interrupt.clone()),
                }))
                .build(),
            None => self.agent.clone(),
        };
        Transfer { agent, interrupt }
    }

    /// A short exchange on the shared connections (nothing to interrupt).
    pub fn shared_transfer(&self) -> Transfer {
        Transfer {
            agent: self.agent.clone(),
            interrupt: Interrupt::default(),
        }
    }

    pub fn read_timeout(&self) -> Duration {
        self.read_timeout
    }

    /// Sets the API version sent in SOAPAction from now on.
    pub fn set_api_version(&self, version: &str) {
        if let Ok(mut a) = self.soap_action.write() {
            *a = format!("urn:vim25/{version}");
        }
    }

    pub fn has_cookie(&self) -> bool {
        self.cookie.read().map(|c| c.is_some()).unwrap_or(false)
    }

    pub fn clear_cookie(&self) {
        if let Ok(mut c) = self.cookie.write() {
            *c = None;
        }
    }

    fn cookie_header(&self) -> Option<String> {
        self.cookie.read().ok().and_then(|c| c.clone())
    }

    /// Keeps the session cookie from any response that sets it.
    fn take_cookie(&self, response: &ureq::Response) {
        for header in response.all("set-cookie") {
            let pair = header.split(';').next().unwrap_or("").trim();
            if let Some((name, _)) = pair.split_once('=') {
                if name.trim() == COOKIE_NAME {
                    if let Ok(mut c) = self.cookie.write() {
                        *c = Some(pair.to_string());
                    }
                }
            }
        }
    }

    /// POSTs a SOAP request to /sdk. `extra_wait` lengthens the deadline for
    /// calls the host may hold open (WaitForUpdatesEx).
    pub fn post_soap(
        &self,
        body: &str,
        extra_wait: Option<Duration>,
    ) -> std::result::Result<HttpReply, SendError> {
        let url = format!("{}/sdk", self.base_url);
        let action = self
            .soap_action
            .read()
            .map(|a| a.clone())
            .unwrap_or_else(|_| "urn:vim25/4.1".into());
        let mut req = self
            .agent
            .post(&url)
            .set("Content-Type", "text/xml; charset=utf-8")
            .set("SOAPAction", &action);
        if let Some(c) = self.cookie_header() {
            req = req.set("Cookie", &c);
        }
        // A deadline for the whole exchange: the agent's per-read timeout
        // is not reapplied to pooled connections, so a stalled host could
        // otherwise hold a call for as long as it liked.
        req = req.timeout(self.read_timeout + extra_wait.unwrap_or_default());
        self.finish(req.send_string(body), &url)
    }

    /// `post_soap` with a deadline of its own for the whole exchange,
    /// whatever read_timeout says (a connection's close, which must not
    /// wait long on a host that stopped answering).
    pub fn post_soap_within(
        &self,
        body: &str,
        limit: Duration,
    ) -> std::result::Result<HttpReply, SendError> {
        let url = format!("{}/sdk", self.base_url);
        let action = self
            .soap_action
            .read()
            .map(|a| a.clone())
            .unwrap_or_else(|_| "urn:vim25/4.1".into());
        let mut req = self
            .agent
            .post(&url)
            .set("Content-Type", "text/xml; charset=utf-8")
            .set("SOAPAction", &action)
            .timeout(limit);
        if let Some(c) = self.cookie_header() {
            req = req.set("Cookie", &c);
        }
        self.finish(req.send_string(body), &url)
    }

    /// GETs a path below the base URL (e.g. `/folder/...`, `/sdk/vimServiceVersions.xml`).
    pub fn get(&self, path: &str) -> std::result::Result<HttpReply, SendError> {
        let url = format!("{}{path}", self.base_url);
        let mut req = self.agent.get(&url).timeout(self.read_timeout);
        if let Some(c) = self.cookie_header() {
            req = req.set("Cookie", &c);
        }
        self.finish(req.call(), &url)
    }

    /// PUTs a file below the base URL.
    pub fn put(&self, path: &str, data: &[u8]) -> std::result::Result<HttpReply, SendError> {
        let url = format!("{}{path}", self.base_url);
        let mut req = self
            .agent
            .put(&url)
            .timeout(self.read_timeout)
            .set("Content-Type", "application/octet-stream");
        if let Some(c) = self.cookie_header() {
            req = req.set("Cookie", &c);
        }
        self.finish(req.send_bytes(data), &url)
    }

    /// GETs a file below the base URL as a stream (no size limit: the
    /// caller reads as much as it wants), from byte `offset`, `length`
    /// bytes (0: to the end). `deadline` bounds the whole transfer.
    pub fn get_stream(
        &self,
        transfer: &Transfer,
        path: &str,
        offset: u64,
        length: u64,
    ) -> std::result::Result<StreamReply, SendError> {
        let url = format!("{}{path}", self.base_url);
        // No overall deadline: a transfer of any size may take as long as
        // it needs while data moves; the agent's read and write timeouts
        // end one that stalls. (A deadline also costs ureq two setsockopt
        // calls per read.)
        let mut req = transfer.agent.get(&url);
        if let Some(c) = self.cookie_header() {
            req = req.set("Cookie", &c);
        }
        if offset > 0 || length > 0 {
            // The caller checked that the range's end fits.
            let end = if length > 0 {
                offset.saturating_add(length - 1).to_string()
            } else {
                String::new()
            };
            req = req.set("Range", &format!("bytes={offset}-{end}"));
        }
        let response = match req.call() {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(ureq::Error::Transport(t)) => return Err(self.transport_error(t, &url)),
        };
        self.take_cookie(&response);
        let status = response.status();
        let length = response
            .header("content-length")
            .and_then(|l| l.parse::<u64>().ok());
        let content_range = response.header("content-range").map(str::to_string);
        Ok(StreamReply {
            status,
            length,
            content_range,
            reader: Box::new(response.into_reader()),
        })
    }

    /// PUTs a file below the base URL from a stream: `length` bytes when
    /// known (Content-Length), else chunked.
    pub fn put_stream(
        &self,
        transfer: &Transfer,
        path: &str,
        body: impl std::io::Read,
        length: Option<u64>,
    ) -> std::result::Result<HttpReply, SendError> {
        let url = format!("{}{path}", self.base_url);
        // As get_stream: stalls are ended by the agent's timeouts.
        let mut req = transfer
            .agent
            .put(&url)
            .set("Content-Type", "application/octet-stream");
        if let Some(c) = self.cookie_header() {
            req = req.set("Cookie", &c);
        }
        if let Some(n) = length {
            req = req.set("Content-Length", &n.to_string());
        }
        self.finish(req.send(body), &url)
    }

    /// DELETEs a file below the base URL.
    pub fn delete(&self, path: &str) -> std::result::Result<HttpReply, SendError> {
        let url = format!("{}{path}", self.base_url);
        let mut req = self.agent.delete(&url).timeout(self.read_timeout);
        if let Some(c) = self.cookie_header() {
            req = req.set("Cookie", &c);
        }
        self.finish(req.call(), &url)
    }

    fn finish(
        &self,
        outcome: std::result::Result<ureq::Response, ureq::Error>,
        url: &str,
    ) -> std::result::Result<HttpReply, SendError> {
        let response = match outcome {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(ureq::Error::Transport(t)) => return Err(self.transport_error(t, url)),
        };
        self.take_cookie(&response);
        let status = response.status();
        if let Some(len) = response
            .header("content-length")
            .and_then(|l| l.parse::<u64>().ok())
        {
            if len > MAX_RESPONSE_BYTES {
                return Err(SendError {
                    error: too_large(url),
                    maybe_delivered: true,
                });
            }
        }
        let mut body = Vec::new();
        response
            .into_reader()
            .take(MAX_RESPONSE_BYTES + 1)
            .read_to_end(&mut body)
            .map_err(|e| SendError {
                error: io_error(&e, url),
                maybe_delivered: true,
            })?;
        if body.len() as u64 > MAX_RESPONSE_BYTES {
            return Err(SendError {
                error: too_large(url),
                maybe_delivered: true,
            });
        }
        Ok(HttpReply { status, body })
    }

    fn transport_error(&self, t: ureq::Transport, url: &str) -> SendError {
        use ureq::ErrorKind;
        let kind = t.kind();
        let detail = t.to_string();
        let tls = tls_cause(&t);
        let not_sent = matches!(
            kind,
            ErrorKind::Dns
                | ErrorKind::ConnectionFailed
                | ErrorKind::InvalidUrl
                | ErrorKind::ProxyConnect
        ) || tls.is_some();
        let error = if let Some(reason) = tls {
            let mut msg = format!("TLS connection to {} failed: {reason}", self.base_url);
            let rejected = self.verifier.as_ref().and_then(|v| v.last_rejected());
            if let Some(fp) = &rejected {
                msg.push_str(&format!(
                    ". The host presented a certificate with SHA-256 thumbprint {fp}"
                ));
            }
            msg.push_str(self.tls_advice(rejected.is_some()));
            Error::rpc(msg)
        } else if is_timeout(&t) {
            Error::operation_timeout(format!("Request to {url} timed out: {detail}"))
        } else if let (Some(p), true) = (
            &self.proxy,
            matches!(kind, ErrorKind::Dns | ErrorKind::ConnectionFailed),
        ) {
            // With a proxy, the only host this side connects to is the proxy.
            Error::rpc(format!(
                "Could not connect to the proxy {}:{} (given by proxy=) to reach {}: {detail}",
                p.host, p.port, self.base_url
            ))
        } else if let (Some(p), ErrorKind::ProxyConnect | ErrorKind::ProxyUnauthorized) =
            (&self.proxy, kind)
        {
            Error::rpc(format!(
                "The proxy {}:{} (given by proxy=) did not connect to {}: {detail}",
                p.host, p.port, self.base_url
            ))
        } else if self.tls_mode == TlsMode::Plain
            && self.proxy.is_none()
            && !matches!(kind, ErrorKind::Dns | ErrorKind::ConnectionFailed)
            && self.port_speaks_tls()
        {
            // What came back was a TLS record, which ureq would show as
            // a broken header of raw bytes.
            Error::rpc(format!(
                "{} answered in TLS: the port speaks HTTPS, not HTTP; remove transport=http \
                 from the URI (HTTPS is the default) or give the host's HTTP port",
                self.authority()
            ))
        } else {
            match kind {
                ErrorKind::Dns => {
                    Error::rpc(format!("Could not resolve the host of {url}: {detail}"))
                }
                ErrorKind::ConnectionFailed => {
                    Error::rpc(format!("Could not connect to {}: {detail}", self.base_url))
                }
                _ => Error::rpc(format!("Request to {url} failed: {detail}")),
            }
        };
        SendError {
            error,
            maybe_delivered: !not_sent,
        }
    }

    /// `host:port` of the base URL.
    fn authority(&self) -> &str {
        let rest = self
            .base_url
            .split_once("://")
            .map_or(self.base_url.as_str(), |(_, r)| r);
        rest.split('/').next().unwrap_or(rest)
    }

    /// After a reply that is not HTTP on a plain connection: whether the
    /// port answers a plain request with a TLS record (0x15 alert or 0x16
    /// handshake, then version 3.x), as an HTTPS port does.
    fn port_speaks_tls(&self) -> bool {
        use std::io::Write;
        use std::net::ToSocketAddrs;
        let limit = Duration::from_secs(5).min(self.read_timeout);
        let Some(addr) = self
            .authority()
            .to_socket_addrs()
            .ok()
            .and_then(|mut a| a.next())
        else {
            return false;
        };
        let Ok(mut conn) = std::net::TcpStream::connect_timeout(&addr, limit) else {
            return false;
        };
        let _ = conn.set_read_timeout(Some(limit));
        let _ = conn.set_write_timeout(Some(limit));
        if conn.write_all(b"GET / HTTP/1.0\r\n\r\n").is_err() {
            return false;
        }
        let mut head = [0u8; 2];
        conn.read_exact(&mut head).is_ok() && matches!(head, [0x15 | 0x16, 0x03])
    }

    /// What the user can do about a certificate the verifier refused; it
    /// never suggests a parameter the URI already has.
    fn tls_advice(&self, chain_rejected: bool) -> &'static str {
        match (self.tls_mode, chain_rejected) {
            (TlsMode::SystemStore, true) => {
                ". If the host uses a self-signed certificate (ESX does by default), add \
                 thumbprint=<its SHA-1 or SHA-256 fingerprint> to pin it, cacert=<PEM file> to \
                 trust the CA that signed it (or the certificate itself), or no_verify=1 to skip \
                 verification"
            }
            (TlsMode::CaCert, true) => {
                ". The certificate is not signed by, and is not itself, a certificate of the \
                 cacert= file (or its names or dates do not match); pin it with thumbprint= \
                 instead if you trust it"
            }
            (TlsMode::Thumbprint, _) => {
                ". Check the thumbprint= value against the host's certificate"
            }
            _ => "",
        }
    }

    /// The SOAPAction value in use (for logs and tests).
    pub fn soap_action(&self) -> String {
        self.soap_action
            .read()
            .map(|a| a.clone())
            .unwrap_or_default()
    }
}

fn too_large(url: &str) -> Error {
    Error::rpc(format!(
        "The response from {url} is larger than {} MiB; refusing it",
        MAX_RESPONSE_BYTES / 1024 / 1024
    ))
}

fn io_error(e: &std::io::Error, url: &str) -> Error {
    if matches!(
        e.kind(),
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
    ) {
        Error::operation_timeout(format!("Reading the response from {url} timed out: {e}"))
    } else {
        Error::rpc(format!("Reading the response from {url} failed: {e}"))
    }
}

fn is_timeout(t: &ureq::Transport) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(t);
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            if matches!(
                io.kind(),
                std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
            ) {
                return true;
            }
        }
        source = s.source();
    }
    false
}

/// The rustls error behind a transport failure, if it was TLS.
fn tls_cause(t: &ureq::Transport) -> Option<String> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(t);
    while let Some(s) = source {
        if let Some(r) = s.downcast_ref::<rustls::Error>() {
            return Some(r.to_string());
        }
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            if let Some(r) = io.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
                return Some(r.to_string());
            }
        }
        source = s.source();
    }
    None
}

/// Reads the error text of a non-SOAP HTTP status.
pub fn status_error(status: u16, body: &[u8], what: &str) -> Error {
    let text = String::from_utf8_lossy(body);
    let excerpt = soap::excerpt(&text, 200);
    let msg = if excerpt.is_empty() {
        format!("{what}: unexpected HTTP status {status}")
    } else {
        format!("{what}: unexpected HTTP status {status}: {excerpt}")
    };
    Error::http(msg)
}
