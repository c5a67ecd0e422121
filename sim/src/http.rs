// SPDX-License-Identifier: LGPL-2.1-or-later
//! A small HTTP/1.1 server (keep-alive, Content-Length and chunked bodies)
//! over TCP or TLS, one thread per connection, with the hooks fault
//! injection needs (drop the connection, delay, replace the answer).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Largest request body accepted (uploads of .vmx files are small).
const MAX_BODY: usize = 64 * 1024 * 1024;

#[derive(Debug)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub query: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// A query parameter, percent-decoded.
    pub fn param(&self, name: &str) -> Option<String> {
        self.query.split('&').find_map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (decode(k, true) == name).then(|| decode(v, true))
        })
    }
}

/// Percent-decoding; `plus_is_space` for query strings.
pub fn decode(s: &str, plus_is_space: bool) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                match u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("zz"), 16)
                {
                    Ok(v) => {
                        out.push(v);
                        i += 3;
                    }
                    Err(_) => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// A body streamed from a file instead: (file, start, length).
    pub file: Option<(std::fs::File, u64, u64)>,
    /// No Content-Length: the body ends when the connection closes.
    pub close_delimited: bool,
    /// The connection closes after this many body bytes (a cut transfer).
    pub cut_after: Option<u64>,
    /// After this many body bytes, run this (a transfer that stalls until
    /// the test releases it).
    pub stall_after: Option<(u64, Arc<crate::server::Gate>)>,
}

impl Response {
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Response {
        Response {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.into(),
            file: None,
            close_delimited: false,
            cut_after: None,
            stall_after: None,
        }
    }

    pub fn text(status: u16, body: impl Into<String>) -> Response {
        Response::new(
            status,
            "text/plain; charset=utf-8",
            body.into().into_bytes(),
        )
    }

    /// `length` bytes of `file` from `start`, streamed (never in memory).
    pub fn file(status: u16, file: std::fs::File, start: u64, length: u64) -> Response {
        let mut r = Response::new(status, "application/octet-stream", Vec::new());
        r.file = Some((file, start, length));
        r
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Response {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// What the handler decided to do with a request.
pub enum Outcome {
    Respond(Response),
    /// Close the connection without answering.
    Drop,
}

pub trait Handler: Send + Sync + 'static {
    fn handle(&self, req: Request) -> Outcome;

    /// Whether this request's body is read by the handler as a stream
    /// (large uploads) instead of into memory first.
    fn streams(&self, _req: &Request) -> bool {
        false
    }

    /// Handles a request whose body is `body` (see `streams`).
    fn handle_stream(&self, req: Request, _body: &mut dyn Read) -> Outcome {
        self.handle(req)
    }
}

/// A request body as it arrives: `Content-Length` bytes, or chunks.
struct BodyReader<'a, R: BufRead> {
    inner: &'a mut R,
    /// Bytes left in the body (Content-Length) or in the current chunk.
    left: u64,
    chunked: bool,
    done: bool,
}

impl<R: BufRead> BodyReader<'_, R> {
    fn next_chunk(&mut self) -> std::io::Result<()> {
        let mut size = String::new();
        self.inner.read_line(&mut size)?;
        let n = u64::from_str_radix(size.trim().split(';').next().unwrap_or("0"), 16)
            .map_err(|_| std::io::Error::other("bad chunk size"))?;
        if n == 0 {
            let mut crlf = String::new();
            self.inner.read_line(&mut crlf)?;
            self.done = true;
        }
        self.left = n;
        Ok(())
    }

    /// Reads what the handler left, so that the connection can go on.
    fn drain(&mut self) -> std::io::Result<()> {
        std::io::copy(self, &mut std::io::sink()).map(|_| ())
    }
}

impl<R: BufRead> Read for BodyReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.done || buf.is_empty() {
            return Ok(0);
        }
        if self.left == 0 {
            if !self.chunked {
                self.done = true;
                return Ok(0);
            }
            self.next_chunk()?;
            if self.done {
                return Ok(0);
            }
        }
        let want = buf.len().min(self.left.min(usize::MAX as u64) as usize);
        let n = self.inner.read(&mut buf[..want])?;
        if n == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "body cut short",
            ));
        }
        self.left -= n as u64;
        if self.left == 0 && self.chunked {
            let mut crlf = [0u8; 2];
            self.inner.read_exact(&mut crlf)?;
        }
        Ok(n)
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Payload Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

fn read_head(reader: &mut impl BufRead) -> std::io::Result<Option<Request>> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    let line = line.trim_end().to_string();
    if line.is_empty() {
        return read_head(reader);
    }
    let mut parts = line.split(' ');
    let method = parts.next().unwrap_or("").to_string();
    let target = parts.next().unwrap_or("/").to_string();
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), q.to_string()),
        None => (target, String::new()),
    };
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 {
            return Ok(None);
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((n, v)) = h.split_once(':') {
            headers.push((n.trim().to_string(), v.trim().to_string()));
        }
    }
    Ok(Some(Request {
        method,
        path,
        query,
        headers,
        body: Vec::new(),
    }))
}

fn read_body(reader: &mut impl BufRead, req: &mut Request) -> std::io::Result<()> {
    if req
        .header("transfer-encoding")
        .is_some_and(|t| t.eq_ignore_ascii_case("chunked"))
    {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size)?;
            let n = usize::from_str_radix(size.trim().split(';').next().unwrap_or("0"), 16)
                .unwrap_or(0);
            if n == 0 {
                let mut crlf = String::new();
                reader.read_line(&mut crlf)?;
                break;
            }
            if req.body.len() + n > MAX_BODY {
                return Err(std::io::Error::other("body too large"));
            }
            let start = req.body.len();
            req.body.resize(start + n, 0);
            reader.read_exact(&mut req.body[start..])?;
            let mut crlf = [0u8; 2];
            reader.read_exact(&mut crlf)?;
        }
    } else if let Some(len) = req
        .header("content-length")
        .and_then(|l| l.parse::<usize>().ok())
    {
        if len > MAX_BODY {
            return Err(std::io::Error::other("body too large"));
        }
        req.body.resize(len, 0);
        reader.read_exact(&mut req.body)?;
    }
    Ok(())
}

/// Writes the response; false when the connection must close after it.
fn write_response(w: &mut impl Write, resp: Response, keep_alive: bool) -> std::io::Result<bool> {
    let keep_alive = keep_alive && !resp.close_delimited && resp.cut_after.is_none();
    let mut head = format!("HTTP/1.1 {} {}\r\n", resp.status, reason(resp.status));
    for (n, v) in &resp.headers {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    let len = resp.file.as_ref().map_or(resp.body.len() as u64, |f| f.2);
    if !resp.close_delimited {
        head.push_str(&format!("Content-Length: {len}\r\n"));
    }
    // A cut transfer sends only part of what the head announced.
    let len = resp.cut_after.map_or(len, |c| c.min(len));
    head.push_str(if keep_alive {
        "Connection: Keep-Alive\r\n"
    } else {
        "Connection: close\r\n"
    });
    head.push_str("\r\n");
    w.write_all(head.as_bytes())?;
    match resp.file {
        Some((mut f, start, _)) => {
            use std::io::Seek;
            f.seek(std::io::SeekFrom::Start(start))?;
            // Large writes: io::copy's 8 KiB pieces cost a wakeup of the
            // reader each.
            let mut buf = vec![0u8; 256 * 1024];
            let mut left = len;
            let mut stall = resp.stall_after;
            while left > 0 {
                let sent = len - left;
                let mut want = buf.len().min(left.min(usize::MAX as u64) as usize);
                if let Some((at, gate)) = &stall {
                    if sent >= *at {
                        w.flush()?;
                        gate.hold();
                        stall = None;
                    } else {
                        want = want.min((at - sent) as usize);
                    }
                }
                let n = f.read(&mut buf[..want])?;
                if n == 0 {
                    break;
                }
                w.write_all(&buf[..n])?;
                left -= n as u64;
            }
        }
        None => w.write_all(&resp.body[..len as usize])?,
    }
    w.flush()?;
    Ok(keep_alive)
}

/// Serves requests on one connection; `close` runs before it is dropped
/// (TLS: close_notify, so that a close-delimited body ends cleanly).
fn serve_stream<S: Read + Write>(stream: S, handler: &dyn Handler, close: fn(&mut S)) {
    let mut reader = BufReader::new(stream);
    serve_requests(&mut reader, handler);
    close(reader.get_mut());
}

fn serve_requests<S: Read + Write>(reader: &mut BufReader<S>, handler: &dyn Handler) {
    loop {
        let mut req = match read_head(reader) {
            Ok(Some(r)) => r,
            Ok(None) | Err(_) => return,
        };
        let close = req
            .header("connection")
            .is_some_and(|c| c.eq_ignore_ascii_case("close"));
        let outcome = if handler.streams(&req) {
            let chunked = req
                .header("transfer-encoding")
                .is_some_and(|t| t.eq_ignore_ascii_case("chunked"));
            let len = req
                .header("content-length")
                .and_then(|l| l.parse::<u64>().ok())
                .unwrap_or(0);
            let mut body = BodyReader {
                inner: reader,
                left: if chunked { 0 } else { len },
                chunked,
                done: false,
            };
            let out = handler.handle_stream(req, &mut body);
            if body.drain().is_err() {
                return;
            }
            out
        } else {
            if read_body(reader, &mut req).is_err() {
                return;
            }
            handler.handle(req)
        };
        match outcome {
            Outcome::Drop => return,
            Outcome::Respond(resp) => match write_response(reader.get_mut(), resp, !close) {
                Ok(true) => {}
                _ => return,
            },
        }
    }
}

/// Accepts connections until `stop` is set (the next accept after it
/// returns); each connection on its own thread.
pub fn serve(
    listener: TcpListener,
    tls: Option<Arc<rustls::ServerConfig>>,
    handler: Arc<dyn Handler>,
    stop: Arc<AtomicBool>,
) {
    for conn in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(tcp) = conn else { continue };
        let handler = handler.clone();
        let tls = tls.clone();
        std::thread::spawn(move || {
            let _ = tcp.set_nodelay(true);
            let _ = tcp.set_read_timeout(Some(Duration::from_secs(900)));
            match tls {
                Some(cfg) => {
                    let Ok(conn) = rustls::ServerConnection::new(cfg) else {
                        return;
                    };
                    let stream = rustls::StreamOwned::new(conn, tcp);
                    serve_stream(stream, handler.as_ref(), |s| {
                        // Only writes: a flush would also read to finish
                        // a handshake that never happened (a plain-HTTP
                        // client), and wait for it.
                        s.conn.send_close_notify();
                        while s.conn.wants_write() {
                            if s.conn.write_tls(&mut s.sock).is_err() {
                                break;
                            }
                        }
                    });
                }
                None => serve_stream::<TcpStream>(tcp, handler.as_ref(), |_| {}),
            }
        });
    }
}

/// A self-signed certificate for localhost/127.0.0.1, or the given PEM files.
pub fn tls_config(
    cert: Option<&Path>,
    key: Option<&Path>,
) -> Result<(Arc<rustls::ServerConfig>, Vec<u8>), String> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let (certs, key_der): (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>) = match (cert, key)
    {
        (Some(c), Some(k)) => {
            let certs = CertificateDer::pem_file_iter(c)
                .map_err(|e| format!("cannot read {}: {e}", c.display()))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| format!("bad certificate in {}: {e}", c.display()))?;
            let key = PrivateKeyDer::from_pem_file(k)
                .map_err(|e| format!("bad key in {}: {e}", k.display()))?;
            (certs, key)
        }
        (None, None) => {
            let ck = rcgen::generate_simple_self_signed(vec![
                "localhost".to_string(),
                "127.0.0.1".to_string(),
            ])
            .map_err(|e| format!("cannot generate a certificate: {e}"))?;
            let der = ck.cert.der().clone();
            let key =
                PrivateKeyDer::try_from(ck.key_pair.serialize_der()).map_err(|e| e.to_string())?;
            (vec![der], key)
        }
        _ => return Err("--cert and --key go together".into()),
    };
    let first = certs
        .first()
        .map(|c| c.as_ref().to_vec())
        .unwrap_or_default();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(certs, key_der)
        .map_err(|e| format!("unusable certificate: {e}"))?;
    Ok((Arc::new(cfg), first))
}
