// SPDX-License-Identifier: LGPL-2.1-or-later
//! Test support: start esx-sim on port 0, talk to its /sim/ control
//! endpoints, find the C programs built by `make`.

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

pub const PASSWORD: &str = "esx-sim";

/// The target directory the tests run from (target/debug or target/release).
pub fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable");
    exe.parent()
        .and_then(Path::parent)
        .expect("target dir")
        .to_path_buf()
}

pub fn repo_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// True when running in CI, where a missing prerequisite is a failure.
pub fn in_ci() -> bool {
    std::env::var("CI")
        .map(|v| v == "true" || v == "1")
        .unwrap_or(false)
}

/// Returns the path of an external program, or None (the test then skips)
/// when it is missing outside CI. In CI a missing program fails the test.
pub fn require(what: &str, path: Option<PathBuf>) -> Option<PathBuf> {
    match path {
        Some(p) if p.exists() => Some(p),
        _ => {
            if in_ci() {
                panic!("{what} is required in CI but is missing (run `make test`)");
            }
            eprintln!("SKIP: {what} is missing (run `make test` to build and install everything)");
            record_skip(what);
            None
        }
    }
}

/// Notes a skipped test where scripts/test.sh reports it at the end
/// ($ESX_SKIP_LOG), since libtest has no runtime "skipped" outcome and would
/// print "ok".
fn record_skip(what: &str) {
    use std::io::Write;
    let Some(log) = std::env::var_os("ESX_SKIP_LOG") else {
        return;
    };
    let binary = std::env::current_exe()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_default();
    // Test binaries are named NAME-HASH.
    let binary = binary.rsplit_once('-').map_or(binary.as_str(), |(n, _)| n);
    let test = std::thread::current()
        .name()
        .unwrap_or("<unnamed>")
        .to_string();
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
    {
        let _ = writeln!(f, "{binary}::{test}: {what} is missing");
    }
}

pub fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    })
}

/// An esx-sim running inside the test process (the esx-sim library), with
/// helpers for its HTTP control endpoints; stopped (and its datastore
/// removed) on drop.
pub struct Sim {
    pub sim: esx_sim::Sim,
    pub port: u16,
    pub scheme: String,
    pub sha1: String,
    pub sha256: String,
    pub datastore_dir: PathBuf,
    _tmp: TempDir,
    agent: ureq::Agent,
}

/// A temporary directory removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let p = std::env::temp_dir().join(format!("esx-test-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).expect("temp dir");
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[derive(Debug)]
struct AnyCert(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AnyCert {
    fn verify_server_cert(
        &self,
        _: &rustls::pki_types::CertificateDer<'_>,
        _: &[rustls::pki_types::CertificateDer<'_>],
        _: &rustls::pki_types::ServerName<'_>,
        _: &[u8],
        _: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        m: &[u8],
        c: &rustls::pki_types::CertificateDer<'_>,
        d: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(m, c, d, &self.0.signature_verification_algorithms)
    }
    fn verify_tls13_signature(
        &self,
        m: &[u8],
        c: &rustls::pki_types::CertificateDer<'_>,
        d: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(m, c, d, &self.0.signature_verification_algorithms)
    }
    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

fn control_agent() -> ureq::Agent {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let cfg = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .expect("tls")
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AnyCert(provider)))
        .with_no_client_auth();
    ureq::AgentBuilder::new()
        .tls_config(Arc::new(cfg))
        .timeout(Duration::from_secs(120))
        .build()
}

impl Sim {
    /// esx-sim with the default inventory.
    pub fn start() -> Sim {
        Sim::with_args(&[])
    }

    /// A simulator set up as the `esx-sim` program's options say.
    pub fn with_args(args: &[&str]) -> Sim {
        let tmp = TempDir::new("sim");
        let builder = esx_sim::Builder::from_args(args.iter().copied())
            .unwrap_or_else(|e| panic!("esx-sim options {args:?}: {e}"))
            .datastore_dir(&tmp.0);
        let sim = builder.start().expect("start esx-sim");
        let (sha1, sha256) = sim.thumbprints();
        let (sha1, sha256) = (sha1.to_string(), sha256.to_string());
        Sim {
            port: sim.port(),
            scheme: sim.scheme().to_string(),
            sha1,
            sha256,
            datastore_dir: sim.datastore_dir().to_path_buf(),
            sim,
            _tmp: tmp,
            agent: control_agent(),
        }
    }

    /// A connection to this simulator (no_verify=1, plus `extra`).
    pub fn connect(&self, extra: &str) -> esx_driver::driver::Connection {
        esx_driver::driver::Connection::open(&self.uri(extra), Some(&mut Password(PASSWORD)), false)
            .unwrap_or_else(|e| panic!("connecting to esx-sim: {e}"))
    }

    /// A read-only connection (esxConnectOpenReadOnly's).
    pub fn connect_readonly(&self, extra: &str) -> esx_driver::driver::Connection {
        esx_driver::driver::Connection::open(&self.uri(extra), Some(&mut Password(PASSWORD)), true)
            .unwrap_or_else(|e| panic!("connecting to esx-sim: {e}"))
    }

    pub fn base(&self) -> String {
        format!("{}://127.0.0.1:{}", self.scheme, self.port)
    }

    /// esx://root@127.0.0.1:PORT/?no_verify=1 (+ extra parameters).
    pub fn uri(&self, extra: &str) -> String {
        let mut params = vec![];
        if self.scheme == "http" {
            params.push("transport=http".to_string());
        } else {
            params.push("no_verify=1".to_string());
        }
        if !extra.is_empty() {
            params.push(extra.to_string());
        }
        format!("esx://root@127.0.0.1:{}/?{}", self.port, params.join("&"))
    }

    /// esx://root@127.0.0.1:PORT/ with exactly these parameters.
    pub fn uri_with(&self, params: &str) -> String {
        format!("esx://root@127.0.0.1:{}/?{params}", self.port)
    }

    fn get(&self, path: &str) -> String {
        self.agent
            .get(&format!("{}{path}", self.base()))
            .call()
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
            .into_string()
            .expect("body")
    }

    /// The live sessions' cookie values and keys (/sim/secrets).
    pub fn secrets(&self) -> Vec<String> {
        self.get("/sim/secrets")
            .lines()
            .filter_map(|l| l.split_once(' ').map(|(_, v)| v.to_string()))
            .collect()
    }

    /// POST /sim/control?action=...; panics when the simulator refuses.
    pub fn control(&self, query: &str) -> String {
        match self
            .agent
            .post(&format!("{}/sim/control?{query}", self.base()))
            .call()
        {
            Ok(r) => r.into_string().expect("body"),
            Err(e) => panic!("control {query}: {e}"),
        }
    }

    /// Requests per method since the start (or the last reset_stats).
    pub fn stats(&self) -> HashMap<String, u64> {
        self.get("/sim/stats")
            .lines()
            .filter_map(|l| {
                let (k, v) = l.rsplit_once(' ')?;
                Some((k.to_string(), v.parse().ok()?))
            })
            .collect()
    }

    pub fn count(&self, method: &str) -> u64 {
        self.stats().get(method).copied().unwrap_or(0)
    }

    pub fn reset_stats(&self) {
        self.control("action=reset_stats");
    }

    /// The simulator's view of a VM (key=value lines of /sim/vm).
    pub fn vm(&self, name: &str) -> HashMap<String, String> {
        let enc: String = name
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b == b'-' {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        let mut out = HashMap::new();
        for l in self.get(&format!("/sim/vm?name={enc}")).lines() {
            if let Some((k, v)) = l.split_once('=') {
                out.entry(k.to_string()).or_insert(v.to_string());
            }
        }
        out
    }

    pub fn vm_lines(&self, name: &str) -> Vec<String> {
        self.get(&format!("/sim/vm?name={name}"))
            .lines()
            .map(str::to_string)
            .collect()
    }

    pub fn sessions(&self) -> HashMap<String, u64> {
        self.get("/sim/sessions")
            .lines()
            .filter_map(|l| {
                let (k, v) = l.split_once(' ')?;
                Some((k.to_string(), v.parse().ok()?))
            })
            .collect()
    }

    /// Waits until the simulator holds `n` requests (fault kind=hold): the
    /// test then knows they arrived. (The bound turns a hang into a
    /// failure; nothing waits for time to pass.)
    pub fn wait_held(&self, n: u64) {
        for _ in 0..2400 {
            if self.sessions().get("held").copied().unwrap_or(0) >= n {
                return;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!(
            "the simulator never held {n} requests: {:?}",
            self.sessions()
        );
    }

    /// Waits until `f` holds for the simulator's view of a VM (the bound
    /// turns a hang into a failure).
    pub fn wait_vm(&self, name: &str, what: &str, f: impl Fn(&HashMap<String, String>) -> bool) {
        for _ in 0..2400 {
            if f(&self.vm(name)) {
                return;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!(
            "timed out waiting for {what} on {name}: {:?}",
            self.vm(name)
        );
    }
}

/// A file with the simulator's password, for esxsh --password-file.
pub fn password_file(dir: &Path) -> PathBuf {
    let p = dir.join("password");
    std::fs::write(&p, format!("{PASSWORD}\n")).expect("write password file");
    p
}

/// The build directory `make` fills (esxsh, harness, hardening, vcsim, stage).
pub fn build_dir() -> PathBuf {
    repo_dir().join("build")
}

/// A program `make` builds into build/, or None (the test skips) outside CI.
pub fn built_program(name: &str) -> Option<PathBuf> {
    require(
        &format!("build/{name} (make)"),
        Some(build_dir().join(name)),
    )
}

/// `prog` under valgrind memcheck, failing on any error or definite leak;
/// None (the test skips) when valgrind is missing outside CI.
pub fn under_valgrind(prog: &Path) -> Option<Command> {
    let vg = require("valgrind", which("valgrind"))?;
    let mut c = Command::new(vg);
    c.arg(format!(
        "--suppressions={}",
        repo_dir().join("ffi-examples/valgrind.supp").display()
    ))
    .args([
        "--quiet",
        "--error-exitcode=99",
        "--leak-check=full",
        "--errors-for-leak-kinds=definite",
        "--show-leak-kinds=definite",
    ])
    .arg(prog);
    Some(c)
}

/// What a simulator prints when it starts: its URL, then lines of
/// `thumbprint sha1 ...` and `thumbprint sha256 ...`, read up to the line
/// `last` starts (the rest is drained so the simulator never blocks).
struct Banner {
    url: String,
    port: u16,
    sha1: String,
    sha256: String,
    last: String,
}

fn read_banner(child: &mut Child, prefix: &str, last: &str) -> Banner {
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let first = lines
        .next()
        .expect("the simulator printed nothing")
        .expect("read");
    let url = first
        .strip_prefix(prefix)
        .unwrap_or_else(|| panic!("unexpected first line: {first}"))
        .to_string();
    let port: u16 = url
        .rsplit(':')
        .next()
        .and_then(|p| p.trim_end_matches("/sdk").parse().ok())
        .expect("port");
    let mut b = Banner {
        url,
        port,
        sha1: String::new(),
        sha256: String::new(),
        last: String::new(),
    };
    for line in lines.by_ref() {
        let line = line.expect("read");
        if let Some(v) = line.strip_prefix("thumbprint sha1 ") {
            b.sha1 = v.to_string();
        } else if let Some(v) = line.strip_prefix("thumbprint sha256 ") {
            b.sha256 = v.to_string();
        }
        if let Some(v) = line.strip_prefix(last) {
            b.last = v.to_string();
            break;
        }
    }
    std::thread::spawn(move || for _ in lines {});
    b
}

/// libvirt's own ESX driver (virsh from Debian's libvirt-clients) against a
/// simulator, with the password in an auth.conf.
pub struct Virsh {
    bin: PathBuf,
    uri: String,
    auth: PathBuf,
    _tmp: TempDir,
}

impl Virsh {
    /// None (the test skips) when virsh is missing outside CI.
    pub fn new(sim: &Sim) -> Option<Virsh> {
        let bin = require("virsh (Debian's libvirt-clients)", which("virsh"))?;
        let tmp = TempDir::new("virsh");
        let auth = tmp.0.join("auth.conf");
        std::fs::write(
            &auth,
            format!("[credentials-sim]\nusername=root\npassword={PASSWORD}\n\n[auth-esx-127.0.0.1]\ncredentials=sim\n"),
        )
        .expect("write auth.conf");
        Some(Virsh {
            bin,
            uri: sim.uri(""),
            auth,
            _tmp: tmp,
        })
    }

    /// virsh's output, or its error output when it fails.
    pub fn try_run(&self, args: &[&std::ffi::OsStr]) -> Result<String, String> {
        let out = Command::new(&self.bin)
            .env("LIBVIRT_AUTH_FILE", &self.auth)
            .args(["-q", "-c", &self.uri])
            .args(args)
            .output()
            .expect("run virsh");
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }

    /// What virsh prints without -q (headers and confirmations included):
    /// its stdout and its own `error:` lines (libvirt's log lines left
    /// out), whether it succeeded or not.
    pub fn run_loud(&self, args: &[&str]) -> (String, String) {
        let out = Command::new(&self.bin)
            .env("LIBVIRT_AUTH_FILE", &self.auth)
            .args(["-c", &self.uri])
            .args(args)
            .output()
            .expect("run virsh");
        let errors = String::from_utf8_lossy(&out.stderr)
            .lines()
            .filter(|l| l.starts_with("error: "))
            .map(|l| format!("{l}\n"))
            .collect();
        (String::from_utf8_lossy(&out.stdout).into_owned(), errors)
    }

    /// run_loud with more environment (a locale, a time zone).
    pub fn run_loud_env(&self, args: &[&str], env: &[(&str, &str)]) -> (String, String) {
        let out = Command::new(&self.bin)
            .env("LIBVIRT_AUTH_FILE", &self.auth)
            .envs(env.iter().copied())
            .args(["-c", &self.uri])
            .args(args)
            .output()
            .expect("run virsh");
        let errors = String::from_utf8_lossy(&out.stderr)
            .lines()
            .filter(|l| l.starts_with("error: "))
            .map(|l| format!("{l}\n"))
            .collect();
        (String::from_utf8_lossy(&out.stdout).into_owned(), errors)
    }

    /// virsh's output; a failure fails the test.
    pub fn run(&self, args: &[&str]) -> String {
        let args: Vec<&std::ffi::OsStr> = args.iter().map(std::ffi::OsStr::new).collect();
        self.try_run(&args)
            .unwrap_or_else(|e| panic!("virsh {args:?} failed: {e}"))
    }
}

/// Answers the user name prompt with "root" and the password prompt with
/// its password.
pub struct Password(pub &'static str);

impl esx_driver::driver::Authenticator for Password {
    fn supports(&self, _: esx_driver::driver::CredentialKind) -> bool {
        true
    }
    fn ask(
        &mut self,
        req: &esx_driver::driver::CredentialRequest,
    ) -> esx_driver::Result<Option<String>> {
        Ok(Some(match req.kind {
            esx_driver::driver::CredentialKind::AuthName => "root".into(),
            _ => self.0.into(),
        }))
    }
}

/// govmomi's simulator (build/vcsim, built by `make test` from Debian's
/// golang-github-vmware-govmomi-dev), stopped on drop.
pub struct Vcsim {
    child: Child,
    pub port: u16,
    pub sha1: String,
    pub sha256: String,
    /// The server's certificate (PEM).
    pub cert: PathBuf,
    _tmp: TempDir,
}

pub const VCSIM_USER: &str = "user";
pub const VCSIM_PASSWORD: &str = "pass";

impl Vcsim {
    /// vcsim as a vCenter (`esx` false) or a standalone ESX host; None (the
    /// test skips) when it is not built, outside CI.
    pub fn start(esx: bool) -> Option<Vcsim> {
        let bin = require(
            "build/vcsim (make test builds it with Go from golang-github-vmware-govmomi-dev)",
            Some(build_dir().join("vcsim")),
        )?;
        let tmp = TempDir::new("vcsim");
        let cert = tmp.0.join("cert.pem");
        let mut cmd = Command::new(bin);
        if esx {
            cmd.arg("-esx");
        }
        let mut child = cmd
            .arg("-cert-out")
            .arg(&cert)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start vcsim");
        let b = read_banner(&mut child, "vcsim listening on ", "thumbprint sha256 ");
        let (port, sha1, sha256) = (b.port, b.sha1, b.last);
        debug_assert_eq!(sha256, b.sha256);
        Some(Vcsim {
            child,
            port,
            sha1,
            sha256,
            cert,
            _tmp: tmp,
        })
    }

    /// `scheme://user@127.0.0.1:PORT/path?params`.
    pub fn uri(&self, scheme: &str, path: &str, params: &str) -> String {
        format!(
            "{scheme}://{VCSIM_USER}@127.0.0.1:{}/{path}?{params}",
            self.port
        )
    }
}

impl Drop for Vcsim {
    fn drop(&mut self) {
        // SAFETY: kill(2) on our own child's pid.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let _ = self.child.wait();
    }
}

/// The Python with pyvmomi: $ESX_PYTHON (set by `make test`), else
/// build/venv, else python3 if it can import pyVmomi.
pub fn pyvmomi_python() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("ESX_PYTHON").map(PathBuf::from),
        Some(repo_dir().join("build/venv/bin/python")),
        which("python3"),
    ];
    let found = candidates.into_iter().flatten().find(|p| {
        p.exists()
            && Command::new(p)
                .args(["-c", "import pyVmomi"])
                .output()
                .is_ok_and(|o| o.status.success())
    });
    require("python3 with pyvmomi (make test creates build/venv)", found)
}

/// esxsh (build/esxsh, from `make c-programs`) against a simulator: its
/// stdout and stderr for one command. None (the test skips) when it is not
/// built outside CI.
pub struct Esxsh {
    bin: PathBuf,
    uri: String,
    password: PathBuf,
    _tmp: TempDir,
}

impl Esxsh {
    pub fn new(sim: &Sim) -> Option<Esxsh> {
        let bin = require(
            "build/esxsh (make c-programs)",
            Some(build_dir().join("esxsh")),
        )?;
        let tmp = TempDir::new("esxsh");
        Some(Esxsh {
            bin,
            uri: sim.uri(""),
            password: password_file(&tmp.0),
            _tmp: tmp,
        })
    }

    pub fn run(&self, args: &[&str]) -> (String, String) {
        let out = Command::new(&self.bin)
            .env_remove("LD_LIBRARY_PATH")
            .arg("-c")
            .arg(&self.uri)
            .arg("--password-file")
            .arg(&self.password)
            .args(args)
            .output()
            .expect("run esxsh");
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}
