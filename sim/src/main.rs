//! esx-sim: a VMware VI API (vSphere Web Services SOAP) simulator that speaks
//! to clients as an ESXi 7.0 host does, for esx-driver's tests and demos.
//!
//! `esx-sim [--port N] [--vms N] [--user U] [--password P] [--http | --cert F --key F]
//!  [--session-timeout SECS] [--task-ms MS] [--inventory FILE] [--datastore-dir DIR]
//!  [--sparse] [--vm-moref N|vm-N]`
//!
//! The first line on stdout is `esx-sim listening on <scheme>://127.0.0.1:<port>/sdk`.

mod control;
mod files;
mod http;
mod model;
mod ops;
mod props;
mod server;
mod soap;
mod tasks;
mod vmxgen;
mod world;

use std::io::Write;
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

const USAGE: &str =
    "usage: esx-sim [--port N] [--vms N] [--user U] [--password P] [--http | --cert F --key F] \
[--session-timeout SECS] [--task-ms MS] [--inventory FILE] [--datastore-dir DIR] [--sparse] \
[--vm-moref N|vm-N]";

struct Args {
    port: u16,
    vms: Option<usize>,
    user: String,
    password: String,
    http: bool,
    cert: Option<String>,
    key: Option<String>,
    session_timeout: Option<u64>,
    task_ms: u64,
    inventory: Option<String>,
    datastore_dir: Option<PathBuf>,
    sparse: bool,
    vm_moref_prefix: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        port: 443,
        vms: None,
        user: "root".into(),
        password: "esx-sim".into(),
        http: false,
        cert: None,
        key: None,
        session_timeout: None,
        task_ms: 300,
        inventory: None,
        datastore_dir: None,
        sparse: false,
        vm_moref_prefix: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        let num = |v: String, name: &str| {
            v.parse::<u64>()
                .map_err(|_| format!("{name}: '{v}' is not a number"))
        };
        match flag.as_str() {
            "--port" => {
                a.port = num(value("--port")?, "--port")?
                    .try_into()
                    .map_err(|_| "--port: out of range")?
            }
            "--vms" => a.vms = Some(num(value("--vms")?, "--vms")? as usize),
            "--user" => a.user = value("--user")?,
            "--password" => a.password = value("--password")?,
            "--http" => a.http = true,
            "--cert" => a.cert = Some(value("--cert")?),
            "--key" => a.key = Some(value("--key")?),
            "--session-timeout" => {
                a.session_timeout = Some(num(value("--session-timeout")?, "--session-timeout")?)
            }
            "--task-ms" => a.task_ms = num(value("--task-ms")?, "--task-ms")?,
            "--inventory" => a.inventory = Some(value("--inventory")?),
            "--datastore-dir" => a.datastore_dir = Some(PathBuf::from(value("--datastore-dir")?)),
            "--sparse" => a.sparse = true,
            "--vm-moref" => match value("--vm-moref")?.as_str() {
                "vm-N" => a.vm_moref_prefix = true,
                "N" => a.vm_moref_prefix = false,
                other => return Err(format!("--vm-moref: '{other}' is not vm-N or N")),
            },
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown option '{other}'\n{USAGE}")),
        }
    }
    if a.http && (a.cert.is_some() || a.key.is_some()) {
        return Err("--http excludes --cert/--key".into());
    }
    Ok(a)
}

fn hex_fp(der: &[u8], alg: &'static ring::digest::Algorithm) -> String {
    ring::digest::digest(alg, der)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

fn run() -> Result<(), String> {
    env_logger::Builder::from_env(env_logger::Env::new().filter_or("ESX_SIM_LOG", "warn"))
        .format_timestamp_micros()
        .init();
    let args = parse_args()?;
    let specs = match (&args.inventory, args.vms) {
        (Some(f), _) => {
            let text = std::fs::read_to_string(f).map_err(|e| format!("cannot read {f}: {e}"))?;
            world::parse_inventory(&text).map_err(|e| format!("{f}: {e}"))?
        }
        (None, Some(n)) => world::generated_specs(n),
        (None, None) => world::default_specs(),
    };
    let (ds_dir, temporary) = match &args.datastore_dir {
        Some(d) => (d.clone(), false),
        None => {
            let d = std::env::temp_dir().join(format!("esx-sim-{}", std::process::id()));
            (d, true)
        }
    };
    std::fs::create_dir_all(&ds_dir)
        .map_err(|e| format!("cannot create {}: {e}", ds_dir.display()))?;
    let listener = TcpListener::bind(("127.0.0.1", args.port))
        .map_err(|e| format!("cannot listen on port {}: {e}", args.port))?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    let cfg = world::Config {
        user: args.user.clone(),
        password: args.password.clone(),
        session_timeout: args.session_timeout.map(Duration::from_secs),
        task_ms: args.task_ms,
        datastore_dir: ds_dir.clone(),
        vm_moref_prefix: args.vm_moref_prefix,
    };
    let mut world =
        world::World::new(cfg, specs).map_err(|e| format!("cannot create the datastore: {e}"))?;
    world.sparse = args.sparse;
    let (tls, cert_der) = if args.http {
        (None, Vec::new())
    } else {
        let (cfg, der) = http::tls_config(args.cert.as_deref(), args.key.as_deref())?;
        (Some(cfg), der)
    };
    let thumbprints = if cert_der.is_empty() {
        (String::new(), String::new())
    } else {
        (
            hex_fp(&cert_der, &ring::digest::SHA1_FOR_LEGACY_USE_ONLY),
            hex_fp(&cert_der, &ring::digest::SHA256),
        )
    };
    let shared = server::Shared::start(world, thumbprints.clone());
    let scheme = if args.http { "http" } else { "https" };
    let mut out = std::io::stdout();
    let _ = writeln!(out, "esx-sim listening on {scheme}://127.0.0.1:{port}/sdk");
    if !args.http {
        let _ = writeln!(out, "thumbprint sha1 {}", thumbprints.0);
        let _ = writeln!(out, "thumbprint sha256 {}", thumbprints.1);
    }
    let _ = writeln!(out, "datastore-dir {}", ds_dir.display());
    let _ = out.flush();
    let router: Arc<dyn http::Handler> = Arc::new(server::Router { shared });
    std::thread::spawn(move || http::serve(listener, tls, router));
    let mut signals = Signals::new([SIGINT, SIGTERM]).map_err(|e| e.to_string())?;
    if signals.forever().next().is_some() && temporary {
        world::remove_dir(&ds_dir);
    }
    Ok(())
}

fn main() {
    if let Err(e) = run() {
        eprintln!("esx-sim: {e}");
        std::process::exit(2);
    }
}
