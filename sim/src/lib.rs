// SPDX-License-Identifier: LGPL-2.1-or-later
//! esx-sim: a VMware VI API (vSphere Web Services SOAP) simulator that speaks
//! to clients as an ESXi 7.0 host does, for tests and demos. A library you
//! can start inside your own tests, as many at once as you like, and the
//! `esx-sim` program built on it.
//!
//! ```no_run
//! let sim = esx_sim::Sim::builder().vms(5).task_ms(100).start().unwrap();
//! let uri = format!("esx://root@127.0.0.1:{}/?no_verify=1", sim.port());
//! sim.inject("PowerOnVM_Task", esx_sim::FaultKind::Http503, 1);
//! assert_eq!(sim.count("Login"), 0);
//! # let _ = uri;
//! ```
//!
//! Every simulator is a real HTTPS (or HTTP) server on 127.0.0.1 with its
//! own state; nothing is global. Dropping the handle stops it.

#![forbid(unsafe_code)]

mod clock;
mod collector;
mod control;
mod disks;
mod fault;
mod files;
mod http;
mod iscsi;
mod methods;
mod objects;
mod ops;
mod paths;
mod registry;
mod screenshot;
mod server;
mod soap;
mod tasks;
mod updates;
mod vmxgen;
mod world;

use std::collections::BTreeMap;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A VM's power state, as tests set it (the generated VirtualMachinePowerState).
pub use esx_vi::vim25::VirtualMachinePowerState as Power;
pub use server::FaultKind;

use server::Shared;

/// How a simulator is set up; [`Builder::start`] runs it.
#[derive(Debug, Clone)]
pub struct Builder {
    port: u16,
    user: String,
    password: String,
    http: bool,
    cert: Option<(PathBuf, PathBuf)>,
    session_timeout: Option<Duration>,
    task_ms: u64,
    inventory: Inventory,
    datastore_dir: Option<PathBuf>,
    sparse: bool,
    vm_moref_prefix: bool,
}

#[derive(Debug, Clone)]
enum Inventory {
    Default,
    Generated(usize),
    Text(String),
}

impl Default for Builder {
    fn default() -> Builder {
        Builder {
            port: 0,
            user: "root".into(),
            password: "esx-sim".into(),
            http: false,
            cert: None,
            session_timeout: None,
            task_ms: 300,
            inventory: Inventory::Default,
            datastore_dir: None,
            sparse: false,
            vm_moref_prefix: false,
        }
    }
}

impl Builder {
    /// The port to listen on; 0 (the default) picks a free one.
    pub fn port(mut self, port: u16) -> Builder {
        self.port = port;
        self
    }

    /// `n` generated VMs (`vm-0001`...) instead of the default five.
    pub fn vms(mut self, n: usize) -> Builder {
        self.inventory = Inventory::Generated(n);
        self
    }

    /// An inventory in esx-sim's file format (`[vm NAME]` blocks).
    pub fn inventory(mut self, text: impl Into<String>) -> Builder {
        self.inventory = Inventory::Text(text.into());
        self
    }

    pub fn user(mut self, user: impl Into<String>) -> Builder {
        self.user = user.into();
        self
    }

    pub fn password(mut self, password: impl Into<String>) -> Builder {
        self.password = password.into();
        self
    }

    /// Plain HTTP instead of HTTPS.
    pub fn http(mut self) -> Builder {
        self.http = true;
        self
    }

    /// This certificate and key (PEM files) instead of a generated one.
    pub fn cert(mut self, cert: impl Into<PathBuf>, key: impl Into<PathBuf>) -> Builder {
        self.cert = Some((cert.into(), key.into()));
        self
    }

    /// Sessions idle this long expire (NotAuthenticated), as on ESX.
    pub fn session_timeout(mut self, t: Duration) -> Builder {
        self.session_timeout = Some(t);
        self
    }

    /// How long a task runs (default 300 ms).
    pub fn task_ms(mut self, ms: u64) -> Builder {
        self.task_ms = ms;
        self
    }

    /// Where datastore files live (default: a temporary directory removed
    /// when the simulator stops).
    pub fn datastore_dir(mut self, dir: impl Into<PathBuf>) -> Builder {
        self.datastore_dir = Some(dir.into());
        self
    }

    /// Leave out of property reads every property the VI reference lets a
    /// server leave out.
    pub fn sparse(mut self) -> Builder {
        self.sparse = true;
        self
    }

    /// Name VMs `vm-N`, as vCenter and some hosts do, instead of `N`.
    pub fn vcenter_style_morefs(mut self) -> Builder {
        self.vm_moref_prefix = true;
        self
    }

    /// Starts the simulator.
    pub fn start(self) -> Result<Sim, String> {
        if self.http && self.cert.is_some() {
            return Err("plain HTTP excludes a certificate".into());
        }
        let specs = match &self.inventory {
            Inventory::Default => world::default_specs(),
            Inventory::Generated(n) => world::generated_specs(*n),
            Inventory::Text(t) => world::parse_inventory(t)?,
        };
        let (ds_dir, temporary) = match &self.datastore_dir {
            Some(d) => (d.clone(), false),
            None => (temp_dir(), true),
        };
        std::fs::create_dir_all(&ds_dir)
            .map_err(|e| format!("cannot create {}: {e}", ds_dir.display()))?;
        let listener = TcpListener::bind(("127.0.0.1", self.port))
            .map_err(|e| format!("cannot listen on port {}: {e}", self.port))?;
        let port = listener.local_addr().map_err(|e| e.to_string())?.port();
        let cfg = world::Config {
            user: self.user,
            password: self.password,
            session_timeout: self.session_timeout,
            task_ms: self.task_ms,
            datastore_dir: ds_dir.clone(),
            vm_moref_prefix: self.vm_moref_prefix,
        };
        let mut world = world::World::new(cfg, specs)
            .map_err(|e| format!("cannot create the datastore: {e}"))?;
        world.sparse = self.sparse;
        let (tls, cert_der) = if self.http {
            (None, Vec::new())
        } else {
            let (cert, key) = match &self.cert {
                Some((c, k)) => (Some(c.as_path()), Some(k.as_path())),
                None => (None, None),
            };
            let (cfg, der) = http::tls_config(cert, key)?;
            (Some(cfg), der)
        };
        let thumbprints = if cert_der.is_empty() {
            (String::new(), String::new())
        } else {
            (
                hex_fingerprint(&cert_der, &ring::digest::SHA1_FOR_LEGACY_USE_ONLY),
                hex_fingerprint(&cert_der, &ring::digest::SHA256),
            )
        };
        let shared = Shared::start(world, thumbprints);
        let stop = Arc::new(AtomicBool::new(false));
        let router: Arc<dyn http::Handler> = Arc::new(server::Router {
            shared: shared.clone(),
        });
        let stopping = stop.clone();
        std::thread::spawn(move || http::serve(listener, tls, router, stopping));
        Ok(Sim {
            shared,
            port,
            http: self.http,
            cert_der,
            datastore_dir: ds_dir,
            temporary,
            stop,
        })
    }
}

/// The `esx-sim` program's options: (option, argument, description). The
/// source of `esx-sim --help`; man/esx-sim.1 says the same (a test compares
/// them).
pub const OPTIONS: &[(&str, &str, &str)] = &[
    (
        "--port",
        "N",
        "Listen on 127.0.0.1 port N (default 443; 0 picks a free port).",
    ),
    (
        "--vms",
        "N",
        "Serve N generated VMs, vm-0001 and on, instead of the default five.",
    ),
    ("--user", "U", "The user name Login accepts (default root)."),
    (
        "--password",
        "P",
        "The password Login accepts (default esx-sim).",
    ),
    ("--http", "", "Serve plain HTTP instead of HTTPS."),
    (
        "--cert",
        "FILE",
        "Serve this PEM certificate (with --key) instead of a self-signed one made at start.",
    ),
    ("--key", "FILE", "The PEM private key of --cert."),
    (
        "--session-timeout",
        "SECS",
        "End sessions idle for SECS seconds, as ESX does (default: never).",
    ),
    ("--task-ms", "MS", "How long each task runs (default 300)."),
    (
        "--inventory",
        "FILE",
        "Read the VMs from FILE ([vm NAME] blocks) instead of the default five.",
    ),
    (
        "--datastore-dir",
        "DIR",
        "Keep datastore files under DIR (default: a temporary directory removed at exit).",
    ),
    (
        "--sparse",
        "",
        "Leave out of every property read what the VI reference marks optional.",
    ),
    (
        "--vm-moref",
        "N|vm-N",
        "Name VMs by number as ESX does (N, the default) or as vCenter does (vm-N).",
    ),
    ("--help", "", "Print this help and exit."),
    ("--version", "", "Print the version and exit."),
];

/// `esx-sim --help`: usage, what it prints, the options.
pub fn help() -> String {
    let mut out = format!(
        "{USAGE}\n\nA VMware VI API (vSphere SOAP) simulator: an ESXi host's API on 127.0.0.1, for\n\
         testing clients without a host. The first line on stdout is `esx-sim listening on\n\
         URL`; SIGINT and SIGTERM stop it.\n\nOptions:\n"
    );
    for (opt, arg, desc) in OPTIONS {
        let spec = if arg.is_empty() {
            opt.to_string()
        } else {
            format!("{opt} {arg}")
        };
        out.push_str(&format!("  {spec:<22}  {desc}\n"));
    }
    out.push_str(
        "\nEnvironment: ESX_SIM_LOG sets the log filter (env_logger syntax; default warn).\n",
    );
    out
}

/// The `esx-sim` program's synopsis.
pub const USAGE: &str =
    "usage: esx-sim [--port N] [--vms N] [--user U] [--password P] [--http | --cert FILE --key FILE] \
[--session-timeout SECS] [--task-ms MS] [--inventory FILE] [--datastore-dir DIR] [--sparse] \
[--vm-moref N|vm-N]";

impl Builder {
    /// The builder the `esx-sim` program's options describe (without the
    /// program name); `--port` defaults to 443 there, 0 here.
    pub fn from_args<I, S>(args: I) -> Result<Builder, String>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut b = Builder::default();
        let (mut cert, mut key) = (None, None);
        let mut it = args.into_iter().map(Into::into);
        while let Some(flag) = it.next() {
            let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
            let num = |v: String, name: &str| {
                v.parse::<u64>()
                    .map_err(|_| format!("{name}: '{v}' is not a number"))
            };
            b = match flag.as_str() {
                "--port" => b.port(
                    num(value("--port")?, "--port")?
                        .try_into()
                        .map_err(|_| "--port: out of range")?,
                ),
                "--vms" => b.vms(num(value("--vms")?, "--vms")? as usize),
                "--user" => b.user(value("--user")?),
                "--password" => b.password(value("--password")?),
                "--http" => b.http(),
                "--cert" => {
                    cert = Some(value("--cert")?);
                    b
                }
                "--key" => {
                    key = Some(value("--key")?);
                    b
                }
                "--session-timeout" => b.session_timeout(Duration::from_secs(num(
                    value("--session-timeout")?,
                    "--session-timeout",
                )?)),
                "--task-ms" => b.task_ms(num(value("--task-ms")?, "--task-ms")?),
                "--inventory" => {
                    let f = value("--inventory")?;
                    let text =
                        std::fs::read_to_string(&f).map_err(|e| format!("cannot read {f}: {e}"))?;
                    b.inventory(text)
                }
                "--datastore-dir" => b.datastore_dir(value("--datastore-dir")?),
                "--sparse" => b.sparse(),
                "--vm-moref" => match value("--vm-moref")?.as_str() {
                    "vm-N" => b.vcenter_style_morefs(),
                    "N" => b,
                    other => return Err(format!("--vm-moref: '{other}' is not vm-N or N")),
                },
                "-h" | "--help" => return Err(USAGE.into()),
                other => return Err(format!("unknown option '{other}'\n{USAGE}")),
            };
        }
        match (cert, key) {
            (Some(c), Some(k)) => Ok(b.cert(c, k)),
            (None, None) => Ok(b),
            _ => Err("--cert and --key go together".into()),
        }
    }
}

fn temp_dir() -> PathBuf {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::SeqCst);
    std::env::temp_dir().join(format!("esx-sim-{}-{n}", std::process::id()))
}

fn hex_fingerprint(der: &[u8], alg: &'static ring::digest::Algorithm) -> String {
    ring::digest::digest(alg, der)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// A running simulator; dropping it stops it.
pub struct Sim {
    shared: Arc<Shared>,
    port: u16,
    http: bool,
    cert_der: Vec<u8>,
    datastore_dir: PathBuf,
    temporary: bool,
    stop: Arc<AtomicBool>,
}

impl Sim {
    pub fn builder() -> Builder {
        Builder::default()
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `https` or `http`.
    pub fn scheme(&self) -> &'static str {
        if self.http {
            "http"
        } else {
            "https"
        }
    }

    /// `https://127.0.0.1:PORT/sdk`.
    pub fn url(&self) -> String {
        format!("{}://127.0.0.1:{}/sdk", self.scheme(), self.port)
    }

    /// The certificate's SHA-1 and SHA-256 fingerprints, colon-separated
    /// upper-case hex (empty over plain HTTP).
    pub fn thumbprints(&self) -> (&str, &str) {
        let t = &self.shared.tls_thumbprints;
        (&t.0, &t.1)
    }

    /// The certificate (DER; empty over plain HTTP).
    pub fn certificate_der(&self) -> &[u8] {
        &self.cert_der
    }

    pub fn datastore_dir(&self) -> &Path {
        &self.datastore_dir
    }

    /// Makes the next `count` requests for `method` (`*` for any; `GET
    /// /folder` and the like for datastore files) misbehave as `kind` says.
    pub fn inject(&self, method: &str, kind: FaultKind, count: u32) {
        self.shared.inject(method, kind, count);
    }

    pub fn clear_faults(&self) {
        self.shared.clear_faults();
    }

    /// Ends every session, as a host restart does.
    pub fn expire_sessions(&self) {
        self.shared.expire_sessions();
    }

    /// Requests per method since the start or the last [`Sim::reset_stats`].
    pub fn stats(&self) -> BTreeMap<String, u64> {
        self.shared.stats()
    }

    pub fn count(&self, method: &str) -> u64 {
        self.stats().get(method).copied().unwrap_or(0)
    }

    pub fn reset_stats(&self) {
        self.shared.reset_stats();
    }

    pub fn set_power(&self, vm: &str, power: Power) -> Result<(), String> {
        self.shared.set_power(vm, power)
    }

    /// Sets the power state of several VMs in one change of the world.
    pub fn set_power_many(&self, vms: &[&str], power: Power) -> Result<(), String> {
        self.shared.set_power_many(vms, power)
    }

    pub fn set_tools(&self, vm: &str, running: bool) -> Result<(), String> {
        self.shared.set_tools(vm, running)
    }

    /// The next `method` task on the VM asks a question of `kind` (`uuid`,
    /// `serial`, `nochoice`, `badindex`, `cdrom`).
    pub fn arm_question(
        &self,
        vm: &str,
        kind: &str,
        method: &str,
        cancelable: bool,
    ) -> Result<(), String> {
        self.shared.arm_question(vm, kind, method, cancelable)
    }

    /// A question with no task behind it.
    pub fn raise_question(&self, vm: &str, kind: &str) -> Result<(), String> {
        self.shared.raise_question(vm, kind)
    }

    /// The next `method` task on the VM fails with `fault`.
    pub fn fail_task(
        &self,
        vm: &str,
        method: &str,
        fault: &str,
        message: &str,
    ) -> Result<(), String> {
        self.shared.fail_task(vm, method, fault, message)
    }

    /// Someone else's task keeps the VM busy until `release`; its MoRef.
    pub fn busy(&self, vm: &str) -> Result<String, String> {
        self.shared.busy(vm, None)
    }

    /// Ends a task `busy` started.
    pub fn release(&self, task: &str) -> Result<(), String> {
        self.shared.release(task)
    }

    pub fn set_task_ms(&self, ms: u64) {
        self.shared.set_task_ms(ms);
    }

    /// The progress (percent) the VM's pending tasks report.
    pub fn task_progress(&self, vm: &str, percent: i64) -> Result<(), String> {
        self.shared.task_progress(vm, percent)
    }

    /// Ends the VM's pending tasks now; how many.
    pub fn finish_tasks(&self, vm: &str) -> Result<usize, String> {
        self.shared.finish_tasks(vm)
    }

    /// Whether tasks of `method` are cancelable from now on.
    pub fn set_cancelable(&self, method: &str, on: bool) {
        self.shared.set_cancelable(method, on);
    }

    /// Sparse mode on or off (see [`Builder::sparse`]).
    pub fn set_sparse(&self, on: bool) {
        self.shared.set_sparse(on);
    }

    /// Leaves out these properties (`Type.field`); an empty list clears it.
    pub fn omit(&self, fields: &[&str]) {
        self.shared.omit(fields);
    }

    /// At most `max` ObjectUpdates per UpdateSet, the rest on the next
    /// call with `truncated` set, as the VI reference allows; 0 clears it.
    pub fn set_update_max_objects(&self, max: usize) {
        self.shared.set_update_max_objects(max);
    }

    /// The VM's properties at these paths cannot be read: they come back
    /// in missingSet (an empty list makes them readable again).
    pub fn set_unreadable(&self, vm: &str, paths: &[&str]) -> Result<(), String> {
        self.shared.set_unreadable(vm, paths)
    }

    /// WaitForUpdatesEx answers "no change" at once whatever
    /// maxWaitSeconds asked, as a broken host does.
    pub fn set_waits_at_once(&self, on: bool) {
        self.shared.set_waits_at_once(on);
    }

    /// (WaitForUpdatesEx calls waiting now, waits ended by
    /// CancelWaitForUpdates, the last maxWaitSeconds asked or -1).
    pub fn waits(&self) -> (u64, u64, i64) {
        self.shared.waits()
    }

    /// Requests held now by a `FaultKind::Hold`.
    pub fn held(&self) -> u64 {
        self.shared.held()
    }

    /// Lets every held request go on.
    pub fn release_held(&self) {
        self.shared.release_held();
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // No request stays held by a simulator that is gone.
        self.shared.release_held();
        // Wakes the accept loop so that it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if self.temporary {
            world::remove_dir(&self.datastore_dir);
        }
    }
}
