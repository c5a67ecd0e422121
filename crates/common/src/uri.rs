// SPDX-License-Identifier: LGPL-2.1-or-later
//! esx://, gsx:// and vpx:// connection URIs (docs/design.md section 3).
//!
//! `scheme://[user@]host[:port]/[path][?param=value&...]`. The parameters are
//! libvirt's (`transport`, `vcenter`, `no_verify`, `auto_answer`, `proxy`) plus
//! `cacert`, `thumbprint`, `connect_timeout`, `read_timeout` and `task_timeout`. Unlike libvirt,
//! which warns and carries on, an unknown parameter is an error that names it.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::error::{Error, Result};

/// Which kind of server the URI names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// An ESX or ESXi host.
    Esx,
    /// VMware GSX / Server.
    Gsx,
    /// A vCenter, with a path to the host or cluster to manage.
    Vpx,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Esx => "esx",
            Scheme::Gsx => "gsx",
            Scheme::Vpx => "vpx",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Https,
    Http,
}

impl Transport {
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Https => "https",
            Transport::Http => "http",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyKind {
    Http,
    Socks4,
    Socks4a,
    Socks5,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proxy {
    pub kind: ProxyKind,
    pub host: String,
    pub port: u16,
}

impl Proxy {
    /// The proxy in the `scheme://host:port` form HTTP clients take.
    pub fn url(&self) -> String {
        let scheme = match self.kind {
            ProxyKind::Http => "http",
            ProxyKind::Socks4 => "socks4",
            ProxyKind::Socks4a => "socks4a",
            ProxyKind::Socks5 => "socks5",
        };
        format!("{scheme}://{}:{}", self.host, self.port)
    }
}

/// A pinned certificate fingerprint (`thumbprint=`).
#[derive(Clone, PartialEq, Eq)]
pub enum Thumbprint {
    Sha1([u8; 20]),
    Sha256([u8; 32]),
}

impl Thumbprint {
    /// Parses SHA-1 (20 bytes) or SHA-256 (32 bytes) hex, with or without colons.
    pub fn parse(text: &str) -> Result<Thumbprint> {
        let hex: String = text.chars().filter(|c| *c != ':').collect();
        let bad = || {
            Error::invalid_arg(format!(
                "Query parameter 'thumbprint' has unexpected value '{text}' (expecting the \
                 SHA-1 or SHA-256 fingerprint of the host's certificate in hex, with or without colons)"
            ))
        };
        if hex.len() % 2 != 0 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(bad());
        }
        let bytes: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16))
            .collect::<std::result::Result<_, _>>()
            .map_err(|_| bad())?;
        match bytes.len() {
            20 => Ok(Thumbprint::Sha1(bytes.try_into().map_err(|_| bad())?)),
            32 => Ok(Thumbprint::Sha256(bytes.try_into().map_err(|_| bad())?)),
            _ => Err(bad()),
        }
    }

    pub fn bytes(&self) -> &[u8] {
        match self {
            Thumbprint::Sha1(b) => b,
            Thumbprint::Sha256(b) => b,
        }
    }
}

impl fmt::Debug for Thumbprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hex: Vec<String> = self.bytes().iter().map(|b| format!("{b:02X}")).collect();
        write!(f, "{}", hex.join(":"))
    }
}

/// Default timeouts, documented in README.md.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(120);
/// How long a task may run before the driver stops waiting for it (the
/// task is left running on the host; the error names it).
pub const DEFAULT_TASK_TIMEOUT: Duration = Duration::from_secs(3600);
/// The longest task_timeout accepted: a week.
pub const MAX_TASK_TIMEOUT_SECS: u64 = 7 * 86_400;

/// A parsed and validated connection URI.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedUri {
    pub scheme: Scheme,
    pub user: Option<String>,
    pub host: String,
    /// The port, with libvirt's default filled in when the URI has none.
    pub port: u16,
    /// For vpx://: the inventory path of the datacenter and compute resource,
    /// without the leading slash. Empty for esx:// and gsx://.
    pub path: String,
    pub transport: Transport,
    pub vcenter: Option<String>,
    pub no_verify: bool,
    pub auto_answer: bool,
    /// `question_rules=`: answers by message id, consulted before
    /// auto_answer (crate::rules).
    pub question_rules: Vec<crate::rules::Rule>,
    pub proxy: Option<Proxy>,
    pub cacert: Option<PathBuf>,
    pub thumbprint: Option<Thumbprint>,
    pub connect_timeout: Duration,
    pub read_timeout: Duration,
    pub task_timeout: Duration,
    original: String,
}

impl ParsedUri {
    /// The URI as the caller gave it.
    pub fn as_str(&self) -> &str {
        &self.original
    }

    /// `https://host:port` (IPv6 hosts in brackets).
    pub fn base_url(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        format!("{}://{}:{}", self.transport.as_str(), host, self.port)
    }

    /// The user name libvirt uses when neither the URI nor the caller gives one.
    pub fn default_user(&self) -> &'static str {
        match self.scheme {
            Scheme::Vpx => "administrator@vsphere.local",
            Scheme::Esx | Scheme::Gsx => "root",
        }
    }
}

/// Decodes `%XX` escapes; a malformed escape is an error naming `what`.
fn percent_decode(text: &str, what: &str) -> Result<String> {
    let out = crate::escape::decode_strict(text, b'%').ok_or_else(|| {
        Error::invalid_arg(format!("Malformed percent escape in URI {what} '{text}'"))
    })?;
    String::from_utf8(out)
        .map_err(|_| Error::invalid_arg(format!("URI {what} '{text}' is not valid UTF-8")))
}

fn parse_flag(name: &str, value: &str) -> Result<bool> {
    match value {
        "0" => Ok(false),
        "1" => Ok(true),
        _ => Err(Error::invalid_arg(format!(
            "Query parameter '{name}' has unexpected value '{value}' (should be 0 or 1)"
        ))),
    }
}

fn parse_seconds(name: &str, value: &str, max: u64) -> Result<Duration> {
    match value.parse::<u64>() {
        Ok(secs) if (1..=max).contains(&secs) => Ok(Duration::from_secs(secs)),
        _ => Err(Error::invalid_arg(format!(
            "Query parameter '{name}' has unexpected value '{value}' (should be a number of \
             seconds from 1 to {max})"
        ))),
    }
}

/// A host name, IPv4 or IPv6 address: only the characters they can hold.
/// A percent-encoded delimiter ('%40' for '@') must not decode into a host
/// that other code would read differently (and send the credentials to).
fn check_host(host: &str, bracketed: bool) -> Result<()> {
    let ok = |c: char| {
        if bracketed {
            c.is_ascii_hexdigit() || c == ':' || c == '.'
        } else {
            c.is_alphanumeric() || c == '-' || c == '.' || c == '_'
        }
    };
    // An IPv6 zone (fe80::1%25eth0) names a local interface.
    let (addr, zone) = match (bracketed, host.split_once('%')) {
        (true, Some((a, z))) => (a, Some(z)),
        _ => (host, None),
    };
    let zone_ok = zone.map_or(true, |z| {
        !z.is_empty()
            && z.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-._".contains(c))
    });
    if let Some(bad) = addr.chars().find(|c| !ok(*c)) {
        return Err(Error::invalid_arg(format!(
            "URI host '{host}' contains '{}', which a host name or address cannot contain \
             (percent-encoded delimiters are refused)",
            bad.escape_default()
        )));
    }
    if !zone_ok {
        return Err(Error::invalid_arg(format!(
            "URI host '{host}' has a malformed IPv6 zone"
        )));
    }
    Ok(())
}

fn parse_port(text: &str, what: &str) -> Result<u16> {
    match text.parse::<u16>() {
        Ok(p) if p > 0 => Ok(p),
        _ => Err(Error::invalid_arg(format!(
            "{what} '{text}' is not a port number (1-65535)"
        ))),
    }
}

fn parse_proxy(value: &str) -> Result<Proxy> {
    let (kind, rest) = match value.split_once("://") {
        None => (ProxyKind::Http, value),
        Some((scheme, rest)) => {
            let kind = match scheme.to_ascii_lowercase().as_str() {
                "http" => ProxyKind::Http,
                // libvirt: "socks is synonymous for socks5"
                "socks" | "socks5" => ProxyKind::Socks5,
                "socks4" => ProxyKind::Socks4,
                "socks4a" => ProxyKind::Socks4a,
                _ => {
                    return Err(Error::invalid_arg(format!(
                        "Query parameter 'proxy' contains unexpected type '{scheme}' (should be \
                         (http|socks(|4|4a|5))"
                    )))
                }
            };
            (kind, rest)
        }
    };
    let (host, port) = split_host_port(rest).map_err(|e| e.context("Query parameter 'proxy'"))?;
    if host.is_empty() || host.contains('/') {
        return Err(Error::invalid_arg(format!(
            "Query parameter 'proxy' has unexpected value '{value}' (should be \
             [type://]hostname[:port])"
        )));
    }
    let port = match port {
        Some(p) => parse_port(p, "Query parameter 'proxy' port")?,
        None => 1080,
    };
    Ok(Proxy {
        kind,
        host: host.to_string(),
        port,
    })
}

/// Splits `host[:port]`, with IPv6 literals in brackets.
fn split_host_port(authority: &str) -> Result<(&str, Option<&str>)> {
    if let Some(rest) = authority.strip_prefix('[') {
        let end = rest.find(']').ok_or_else(|| {
            Error::invalid_arg(format!("Unterminated IPv6 address in '{authority}'"))
        })?;
        let host = &rest[..end];
        match &rest[end + 1..] {
            "" => Ok((host, None)),
            tail => match tail.strip_prefix(':') {
                Some(port) => Ok((host, Some(port))),
                None => Err(Error::invalid_arg(format!(
                    "Unexpected '{tail}' after IPv6 address in '{authority}'"
                ))),
            },
        }
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => Ok((host, Some(port))),
            None => Ok((authority, None)),
        }
    }
}

/// Parses and validates a connection URI.
pub fn parse(uri: &str) -> Result<ParsedUri> {
    let (scheme_text, rest) = uri.split_once("://").ok_or_else(|| {
        Error::invalid_arg(format!(
            "'{uri}' is not an esx://, gsx:// or vpx:// URI (scheme://host/ expected)"
        ))
    })?;
    let scheme_lower = scheme_text.to_ascii_lowercase();
    if let Some((base, transport)) = scheme_lower.split_once('+') {
        if matches!(base, "esx" | "gsx" | "vpx") {
            return Err(Error::invalid_arg(format!(
                "Transport '{transport}' in URI scheme is not supported, try again without the \
                 transport part"
            )));
        }
    }
    let scheme = match scheme_lower.as_str() {
        "esx" => Scheme::Esx,
        "gsx" => Scheme::Gsx,
        "vpx" => Scheme::Vpx,
        _ => {
            return Err(Error::invalid_arg(format!(
                "URI scheme '{scheme_text}' is not supported (expecting esx, gsx or vpx)"
            )))
        }
    };

    let (before_query, query) = match rest.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (rest, None),
    };
    let (authority, path) = match before_query.find('/') {
        Some(i) => (&before_query[..i], &before_query[i..]),
        None => (before_query, ""),
    };
    let (user, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(percent_decode(u, "user")?), h),
        None => (None, authority),
    };
    if matches!(user.as_deref(), Some("")) {
        return Err(Error::invalid_arg("URI has an empty user name before '@'"));
    }
    let (host, port_text) = split_host_port(hostport)?;
    let host = percent_decode(host, "host")?;
    if host.is_empty() {
        return Err(Error::invalid_arg("URI is missing the server part"));
    }
    check_host(&host, hostport.starts_with('['))?;
    let explicit_port = match port_text {
        Some(p) => Some(parse_port(p, "URI port")?),
        None => None,
    };

    let mut parsed = ParsedUri {
        scheme,
        user,
        host,
        port: 0,
        path: String::new(),
        transport: Transport::Https,
        vcenter: None,
        no_verify: false,
        auto_answer: false,
        question_rules: Vec::new(),
        proxy: None,
        cacert: None,
        thumbprint: None,
        connect_timeout: DEFAULT_CONNECT_TIMEOUT,
        read_timeout: DEFAULT_READ_TIMEOUT,
        task_timeout: DEFAULT_TASK_TIMEOUT,
        original: uri.to_string(),
    };

    let mut seen: Vec<String> = Vec::new();
    for pair in query
        .unwrap_or("")
        .split(['&', ';'])
        .filter(|p| !p.is_empty())
    {
        let (raw_name, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
        let name = percent_decode(raw_name, "query parameter name")?;
        let value = percent_decode(&raw_value.replace('+', " "), "query parameter value")?;
        if seen.iter().any(|s| s.eq_ignore_ascii_case(&name)) {
            return Err(Error::invalid_arg(format!(
                "Query parameter '{name}' is given more than once"
            )));
        }
        seen.push(name.clone());
        match name.to_ascii_lowercase().as_str() {
            "transport" => {
                parsed.transport = match value.to_ascii_lowercase().as_str() {
                    "https" => Transport::Https,
                    "http" => Transport::Http,
                    _ => {
                        return Err(Error::invalid_arg(format!(
                            "Query parameter 'transport' has unexpected value '{value}' (should \
                             be http|https)"
                        )))
                    }
                }
            }
            "vcenter" => {
                if scheme != Scheme::Esx {
                    return Err(Error::invalid_arg(format!(
                        "Query parameter 'vcenter' is only valid for esx:// URIs, not {}://",
                        scheme.as_str()
                    )));
                }
                if value.is_empty() {
                    return Err(Error::invalid_arg(
                        "Query parameter 'vcenter' needs a host name or '*'",
                    ));
                }
                parsed.vcenter = Some(value);
            }
            "no_verify" => parsed.no_verify = parse_flag("no_verify", &value)?,
            "auto_answer" => parsed.auto_answer = parse_flag("auto_answer", &value)?,
            "question_rules" => parsed.question_rules = crate::rules::parse_rules(&value)?,
            "proxy" => parsed.proxy = Some(parse_proxy(&value)?),
            "cacert" => {
                if value.is_empty() {
                    return Err(Error::invalid_arg(
                        "Query parameter 'cacert' needs the path of a PEM file",
                    ));
                }
                parsed.cacert = Some(PathBuf::from(value));
            }
            "thumbprint" => parsed.thumbprint = Some(Thumbprint::parse(&value)?),
            "connect_timeout" => {
                parsed.connect_timeout = parse_seconds("connect_timeout", &value, 86_400)?
            }
            "read_timeout" => parsed.read_timeout = parse_seconds("read_timeout", &value, 86_400)?,
            "task_timeout" => {
                parsed.task_timeout = parse_seconds("task_timeout", &value, MAX_TASK_TIMEOUT_SECS)?
            }
            _ => {
                return Err(Error::invalid_arg(format!(
                    "Unknown query parameter '{name}' in URI (known: transport, vcenter, \
                     no_verify, auto_answer, question_rules, proxy, cacert, thumbprint, \
                     connect_timeout, read_timeout, task_timeout)"
                )))
            }
        }
    }

    if parsed.no_verify && (parsed.cacert.is_some() || parsed.thumbprint.is_some()) {
        return Err(Error::invalid_arg(
            "Query parameter 'no_verify=1' contradicts 'cacert' or 'thumbprint': choose one way \
             to treat the host's certificate",
        ));
    }
    if parsed.cacert.is_some() && parsed.thumbprint.is_some() {
        return Err(Error::invalid_arg(
            "Query parameters 'cacert' and 'thumbprint' exclude each other: pin the certificate \
             or trust a CA, not both",
        ));
    }
    if parsed.transport == Transport::Http
        && (parsed.cacert.is_some() || parsed.thumbprint.is_some())
    {
        return Err(Error::invalid_arg(
            "Query parameters 'cacert' and 'thumbprint' need transport=https",
        ));
    }

    parsed.port = explicit_port.unwrap_or(match (scheme, parsed.transport) {
        (Scheme::Gsx, Transport::Https) => 8333,
        (Scheme::Gsx, Transport::Http) => 8222,
        (_, Transport::Https) => 443,
        (_, Transport::Http) => 80,
    });

    let path = percent_decode(path, "path")?;
    let trimmed = path.trim_matches('/');
    match scheme {
        Scheme::Vpx => {
            if trimmed.is_empty() {
                return Err(Error::invalid_arg(
                    "Path has to specify the datacenter and compute resource",
                ));
            }
            parsed.path = trimmed.to_string();
        }
        Scheme::Esx | Scheme::Gsx => {
            if !trimmed.is_empty() {
                log::warn!(
                    "Ignoring unexpected path '{path}' for non-vpx scheme '{}'",
                    scheme.as_str()
                );
            }
        }
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Code;

    fn err(uri: &str) -> Error {
        parse(uri).expect_err(uri)
    }

    #[test]
    fn defaults_follow_libvirt() {
        let u = parse("esx://esx1.example.com").unwrap();
        assert_eq!(u.scheme, Scheme::Esx);
        assert_eq!(u.port, 443);
        assert_eq!(u.transport, Transport::Https);
        assert!(!u.no_verify && !u.auto_answer);
        assert_eq!(u.user, None);
        assert_eq!(u.default_user(), "root");
        assert_eq!(u.connect_timeout, DEFAULT_CONNECT_TIMEOUT);
        assert_eq!(u.read_timeout, DEFAULT_READ_TIMEOUT);
        assert_eq!(parse("esx://h/?transport=http").unwrap().port, 80);
        assert_eq!(parse("gsx://h/").unwrap().port, 8333);
        assert_eq!(parse("gsx://h/?transport=http").unwrap().port, 8222);
        let v = parse("vpx://vc/dc1/cluster1/host1").unwrap();
        assert_eq!(v.port, 443);
        assert_eq!(v.path, "dc1/cluster1/host1");
        assert_eq!(v.default_user(), "administrator@vsphere.local");
    }

    #[test]
    fn user_host_port() {
        let u = parse("esx://ro%40ot@127.0.0.1:8443/").unwrap();
        assert_eq!(u.user.as_deref(), Some("ro@ot"));
        assert_eq!(u.host, "127.0.0.1");
        assert_eq!(u.port, 8443);
        assert_eq!(u.base_url(), "https://127.0.0.1:8443");
        let v6 = parse("esx://[::1]:444/").unwrap();
        assert_eq!(v6.host, "::1");
        assert_eq!(v6.base_url(), "https://[::1]:444");
        assert_eq!(parse("ESX://h").unwrap().scheme, Scheme::Esx);
        assert_eq!(err("esx://h:0/").code(), Code::InvalidArg);
        assert!(err("esx://h:99999/").message().contains("port"));
        assert!(err("esx:///").message().contains("server"));
        assert!(err("esx://@h/").message().contains("user"));
    }

    #[test]
    fn every_parameter() {
        let u = parse(
            "esx://h/?transport=http&no_verify=1&auto_answer=1&proxy=socks://p:1081\
             &connect_timeout=5&read_timeout=7&vcenter=*",
        )
        .unwrap();
        assert_eq!(u.transport, Transport::Http);
        assert!(u.no_verify && u.auto_answer);
        assert_eq!(
            u.proxy,
            Some(Proxy {
                kind: ProxyKind::Socks5,
                host: "p".into(),
                port: 1081
            })
        );
        assert_eq!(u.connect_timeout, Duration::from_secs(5));
        assert_eq!(u.read_timeout, Duration::from_secs(7));
        assert_eq!(u.vcenter.as_deref(), Some("*"));
        let c = parse("esx://h/?cacert=/etc/ca.pem").unwrap();
        assert_eq!(c.cacert, Some(PathBuf::from("/etc/ca.pem")));
        let t = parse(
            "esx://h/?thumbprint=00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33",
        )
        .unwrap();
        assert!(matches!(t.thumbprint, Some(Thumbprint::Sha1(_))));
        let t2 = parse(&format!("esx://h/?thumbprint={}", "ab".repeat(32))).unwrap();
        assert!(matches!(t2.thumbprint, Some(Thumbprint::Sha256(_))));
    }

    #[test]
    fn proxy_forms() {
        let p = |v: &str| parse(&format!("esx://h/?proxy={v}")).map(|u| u.proxy.unwrap());
        assert_eq!(p("proxy.lan").unwrap().kind, ProxyKind::Http);
        assert_eq!(p("proxy.lan").unwrap().port, 1080);
        assert_eq!(p("http://proxy.lan:3128").unwrap().port, 3128);
        assert_eq!(p("socks4://x").unwrap().kind, ProxyKind::Socks4);
        assert_eq!(p("socks4a://x").unwrap().kind, ProxyKind::Socks4a);
        assert_eq!(p("socks5://x").unwrap().kind, ProxyKind::Socks5);
        assert_eq!(p("socks5://x").unwrap().url(), "socks5://x:1080");
        assert!(p("ftp://x").unwrap_err().message().contains("'ftp'"));
        assert!(p("http://x:abc").unwrap_err().message().contains("proxy"));
        assert!(p("http://").unwrap_err().message().contains("proxy"));
    }

    #[test]
    fn each_bad_value_names_the_parameter() {
        for (uri, needle) in [
            ("esx://h/?transport=ftp", "'transport'"),
            ("esx://h/?no_verify=yes", "'no_verify'"),
            ("esx://h/?auto_answer=2", "'auto_answer'"),
            ("esx://h/?thumbprint=zz", "'thumbprint'"),
            ("esx://h/?thumbprint=abcd", "'thumbprint'"),
            ("esx://h/?connect_timeout=0", "'connect_timeout'"),
            ("esx://h/?read_timeout=x", "'read_timeout'"),
            ("esx://h/?task_timeout=0", "'task_timeout'"),
            ("esx://h/?task_timeout=604801", "'task_timeout'"),
            ("esx://h/?cacert=", "'cacert'"),
            ("esx://h/?vcenter=", "'vcenter'"),
            ("vpx://vc/dc/h?vcenter=x", "'vcenter'"),
            ("esx://h/?frobnicate=1", "'frobnicate'"),
            ("esx://h/?no_verify=1&no_verify=0", "'no_verify'"),
        ] {
            let e = err(uri);
            assert_eq!(e.code(), Code::InvalidArg, "{uri}");
            assert!(e.message().contains(needle), "{uri}: {}", e.message());
        }
    }

    #[test]
    fn contradictory_certificate_options() {
        assert!(err("esx://h/?no_verify=1&cacert=/x")
            .message()
            .contains("no_verify"));
        let tp = "ab".repeat(20);
        assert!(err(&format!("esx://h/?no_verify=1&thumbprint={tp}"))
            .message()
            .contains("no_verify"));
        assert!(err(&format!("esx://h/?cacert=/x&thumbprint={tp}"))
            .message()
            .contains("exclude"));
        assert!(err("esx://h/?transport=http&cacert=/x")
            .message()
            .contains("https"));
    }

    #[test]
    fn scheme_errors() {
        assert!(err("esx+ssh://h/").message().contains("Transport 'ssh'"));
        assert!(err("qemu:///system").message().contains("'qemu'"));
        assert!(err("not a uri").message().contains("not an esx://"));
        assert!(err("vpx://vc/").message().contains("datacenter"));
        assert!(err("esx://h/%zz").message().contains("percent"));
    }

    #[test]
    fn percent_encoded_delimiters_in_the_host_are_refused() {
        for uri in [
            "esx://root@evil.example%40127.0.0.1/",
            "esx://evil.example%2f127.0.0.1/",
            "esx://evil%3a443/",
            "esx://a%20b/",
            "esx://a%3fb/",
            "esx://a%23b/",
            "esx://a%5cb/",
            "esx://[::1%40x]/",
        ] {
            let e = err(uri);
            assert_eq!(e.code(), Code::InvalidArg, "{uri}");
            assert!(e.message().contains("URI host"), "{uri}: {}", e.message());
        }
        assert_eq!(parse("esx://esx%2d1.lab/").unwrap().host, "esx-1.lab");
        assert_eq!(
            parse("esx://[fe80::1%25eth0]/").unwrap().host,
            "fe80::1%eth0"
        );
        assert_eq!(parse("esx://[::1]:444/").unwrap().port, 444);
        assert_eq!(
            parse("esx://h/?task_timeout=60").unwrap().task_timeout,
            Duration::from_secs(60)
        );
    }

    #[test]
    fn thumbprint_forms() {
        let a = Thumbprint::parse("AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01")
            .unwrap();
        let b = Thumbprint::parse("abcdef0123456789abcdef0123456789abcdef01").unwrap();
        assert_eq!(a, b);
        assert_eq!(format!("{a:?}").len(), 59);
        assert!(Thumbprint::parse("ab:c").is_err());
    }
}
