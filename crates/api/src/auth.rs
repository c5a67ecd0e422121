// SPDX-License-Identifier: LGPL-2.1-or-later
//! Where credentials come from: the URI, libvirt's auth.conf, or the
//! caller's callback, asked the way libvirt's ESX driver asks.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::uri::ParsedUri;
use crate::vi::Secret;

/// libvirt's credential types that this driver asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialKind {
    /// VIR_CRED_AUTHNAME (2).
    AuthName,
    /// VIR_CRED_PASSPHRASE (5).
    Passphrase,
    /// VIR_CRED_NOECHOPROMPT (7), used for the password when the caller does
    /// not offer PASSPHRASE.
    NoEchoPrompt,
}

/// One question to the caller.
#[derive(Debug, Clone)]
pub struct CredentialRequest {
    pub kind: CredentialKind,
    pub prompt: String,
    /// The host name, as libvirt passes it.
    pub challenge: String,
    pub default: Option<String>,
}

/// Something that can answer credential requests (the C auth callback).
pub trait Authenticator {
    fn supports(&self, kind: CredentialKind) -> bool;
    /// The answer, or None when the caller declined.
    fn ask(&mut self, request: &CredentialRequest) -> Result<Option<String>>;
}

/// The auth.conf libvirt would read: `LIBVIRT_AUTH_FILE`, else
/// `$XDG_CONFIG_HOME/libvirt/auth.conf`, else `/etc/libvirt/auth.conf`.
pub fn auth_file_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("LIBVIRT_AUTH_FILE") {
        return Some(PathBuf::from(p));
    }
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")));
    if let Some(c) = config {
        let p = c.join("libvirt/auth.conf");
        if p.exists() {
            return Some(p);
        }
    }
    let system = PathBuf::from("/etc/libvirt/auth.conf");
    system.exists().then_some(system)
}

/// Parsed auth.conf (an INI file of `[auth-esx-HOST]` and `[credentials-NAME]`
/// groups).
/// The largest auth.conf read.
pub const MAX_AUTH_FILE_BYTES: u64 = 1024 * 1024;

#[derive(Debug, Default)]
pub struct AuthFile {
    groups: Vec<(String, Vec<(String, String)>)>,
}

impl AuthFile {
    pub fn parse(text: &str) -> AuthFile {
        let mut groups: Vec<(String, Vec<(String, String)>)> = Vec::new();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
                continue;
            }
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                groups.push((name.trim().to_string(), Vec::new()));
            } else if let (Some((k, v)), Some(g)) = (line.split_once('='), groups.last_mut()) {
                g.1.push((k.trim().to_string(), v.trim().to_string()));
            }
        }
        AuthFile { groups }
    }

    pub fn load(path: &Path) -> Result<AuthFile> {
        // A regular file of sane size only: LIBVIRT_AUTH_FILE=/dev/zero or a
        // FIFO must fail at once, not read gigabytes or block.
        let bytes = crate::files::read_regular(path, MAX_AUTH_FILE_BYTES, "auth file")
            .map_err(|e| Error::auth_failed(e.message().to_string()))?;
        let text = String::from_utf8(bytes).map_err(|_| {
            Error::auth_failed(format!("Auth file '{}' is not UTF-8", path.display()))
        })?;
        Ok(AuthFile::parse(&text))
    }

    fn get(&self, group: &str, key: &str) -> Option<&str> {
        self.groups
            .iter()
            .find(|(g, _)| g == group)
            .and_then(|(_, kv)| kv.iter().find(|(k, _)| k == key))
            .map(|(_, v)| v.as_str())
    }

    /// `key` of the credentials set for service `esx` on `host`.
    pub fn lookup(&self, host: &str, key: &str) -> Option<String> {
        let creds = self
            .get(&format!("auth-esx-{host}"), "credentials")
            .or_else(|| self.get("auth-esx-default", "credentials"))?;
        self.get(&format!("credentials-{creds}"), key)
            .map(str::to_string)
    }
}

/// The user name and password for a connection, asked in libvirt's order:
/// the URI's user, auth.conf, then the callback.
pub fn credentials(
    uri: &ParsedUri,
    auth: Option<&mut dyn Authenticator>,
) -> Result<(String, Secret)> {
    let file = match auth_file_path() {
        Some(p) => Some(AuthFile::load(&p)?),
        None => None,
    };
    let host = uri.host.as_str();
    let mut auth = auth;
    let user = match &uri.user {
        Some(u) => u.clone(),
        None => match file.as_ref().and_then(|f| f.lookup(host, "username")) {
            Some(u) => u,
            None => match auth.as_deref_mut() {
                Some(a) if a.supports(CredentialKind::AuthName) => {
                    let req = CredentialRequest {
                        kind: CredentialKind::AuthName,
                        prompt: format!("Enter username for {host} [{}]", uri.default_user()),
                        challenge: host.to_string(),
                        default: Some(uri.default_user().to_string()),
                    };
                    match a.ask(&req)? {
                        Some(u) if !u.is_empty() => u,
                        Some(_) => uri.default_user().to_string(),
                        None => return Err(Error::auth_failed("Username request failed")),
                    }
                }
                _ => uri.default_user().to_string(),
            },
        },
    };
    if let Some(pw) = file.as_ref().and_then(|f| f.lookup(host, "password")) {
        return Ok((user, Secret::new(&pw)));
    }
    let Some(a) = auth else {
        return Err(Error::auth_failed(format!(
            "No password for {user}@{host}: open the connection with an auth callback \
             (esxConnectOpenAuth) or put the credentials in an auth.conf (LIBVIRT_AUTH_FILE)"
        )));
    };
    let kind = if a.supports(CredentialKind::Passphrase) {
        CredentialKind::Passphrase
    } else if a.supports(CredentialKind::NoEchoPrompt) {
        CredentialKind::NoEchoPrompt
    } else {
        return Err(Error::auth_failed(
            "The auth callback offers neither VIR_CRED_PASSPHRASE nor VIR_CRED_NOECHOPROMPT",
        ));
    };
    let req = CredentialRequest {
        kind,
        prompt: format!("Enter {user}'s password for {host}"),
        challenge: host.to_string(),
        default: None,
    };
    match a.ask(&req)? {
        Some(pw) => Ok((user, Secret::new(&pw))),
        None => Err(Error::auth_failed(format!(
            "No password for {user}@{host}: the auth callback gave none"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_file_lookup() {
        let f = AuthFile::parse(
            "# comment\n[credentials-lab]\nusername=root\npassword=s3cret\n\n\
             [auth-esx-10.0.0.1]\ncredentials=lab\n[credentials-other]\nusername=u2\n\
             [auth-esx-default]\ncredentials=other\n",
        );
        assert_eq!(f.lookup("10.0.0.1", "username").as_deref(), Some("root"));
        assert_eq!(f.lookup("10.0.0.1", "password").as_deref(), Some("s3cret"));
        assert_eq!(f.lookup("elsewhere", "username").as_deref(), Some("u2"));
        assert_eq!(f.lookup("elsewhere", "password"), None);
        assert_eq!(AuthFile::parse("").lookup("h", "username"), None);
    }
}
