// SPDX-License-Identifier: LGPL-2.1-or-later
//! `make bench`: round trips, latency and memory of the driver against
//! esx-sim (performance is measured here, never asserted in tests).
//!
//! Against 10,000 VMs: open, list-all and lookup-by-name (requests per call
//! counted by the simulator, median and p99 wall time), the driver's peak
//! RSS; and the latency with which a task's completion reaches the caller
//! (time after the task's own duration), which WaitForUpdatesEx keeps small.
//!
//! Events: the time from a change on the host (esx-sim's control request
//! that makes it) to the driver's event (median, p99).
//!
//! Listing beside libvirt: `esxsh list --all` and `virsh list --all` (the
//! same esx-sim, 2,000 and 10,000 VMs) and snapshot-list of a 13-snapshot
//! tree, wall time (median) and requests per command.
//!
//! Disk transfer: a 1 GiB thin disk downloaded and uploaded by esxsh
//! (vol-download / vol-upload through the C ABI) and by curl on the same
//! `/folder` URL, each under /usr/bin/time: throughput and peak RSS.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use esx_driver::driver::{Authenticator, Connection, CredentialKind, CredentialRequest};

struct Pw;
impl Authenticator for Pw {
    fn supports(&self, _: CredentialKind) -> bool {
        true
    }
    fn ask(&mut self, _: &CredentialRequest) -> esx_driver::Result<Option<String>> {
        Ok(Some("esx-sim".into()))
    }
}

struct Sim {
    child: Child,
    port: u16,
    agent: ureq::Agent,
    dir: PathBuf,
}

impl Sim {
    fn start(args: &[&str]) -> Sim {
        let exe = std::env::var_os("ESX_SIM")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                let me = std::env::current_exe().expect("exe");
                me.parent()
                    .and_then(|p| p.parent())
                    .expect("target")
                    .join("esx-sim")
            });
        let dir = std::env::temp_dir().join(format!(
            "esx-bench-{}-{}",
            std::process::id(),
            args.join("_")
        ));
        let mut child = Command::new(&exe)
            .args(["--port", "0", "--http", "--datastore-dir"])
            .arg(&dir)
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start {}: {e} (run `make sim` first)", exe.display())
            });
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let first = lines.next().expect("line").expect("read");
        let port = first
            .rsplit(':')
            .next()
            .and_then(|p| p.trim_end_matches("/sdk").parse().ok())
            .expect("port");
        std::thread::spawn(move || for _ in lines {});
        Sim {
            child,
            port,
            agent: ureq::AgentBuilder::new().build(),
            dir,
        }
    }

    fn uri(&self) -> String {
        format!("esx://root@127.0.0.1:{}/?transport=http", self.port)
    }

    fn total(&self) -> u64 {
        let body = self
            .agent
            .get(&format!("http://127.0.0.1:{}/sim/stats", self.port))
            .call()
            .expect("stats")
            .into_string()
            .expect("body");
        body.lines()
            .find_map(|l| l.strip_prefix("total ").and_then(|v| v.parse().ok()))
            .unwrap_or(0)
    }

    fn control(&self, q: &str) {
        self.agent
            .post(&format!("http://127.0.0.1:{}/sim/control?{q}", self.port))
            .call()
            .expect("control");
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn percentile(v: &mut [Duration], p: f64) -> Duration {
    v.sort();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i.min(v.len() - 1)]
}

fn report(what: &str, requests: f64, times: &mut [Duration]) {
    let med = percentile(times, 0.5);
    let p99 = percentile(times, 0.99);
    println!(
        "{what:<28} {requests:>6.1} requests/call   median {:>9.3} ms   p99 {:>9.3} ms   ({} runs)",
        med.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3,
        times.len()
    );
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn bench_inventory() {
    let vms = 10_000;
    println!("== esx-sim with {vms} VMs (plain HTTP on loopback, so TLS cost is not measured)");
    let sim = Sim::start(&["--vms", &vms.to_string()]);
    let rss_before = peak_rss_kib();

    let mut times = Vec::new();
    let before = sim.total();
    let runs = 20;
    for _ in 0..runs {
        let t = Instant::now();
        let c = Connection::open(&sim.uri(), Some(&mut Pw), false).expect("open");
        times.push(t.elapsed());
        drop(c);
    }
    // Each run also sent a Logout when the connection was dropped.
    let per_open = (sim.total() - before) as f64 / runs as f64 - 1.0;
    report("open", per_open, &mut times);

    let conn = Arc::new(Connection::open(&sim.uri(), Some(&mut Pw), false).expect("open"));
    let mut times = Vec::new();
    let before = sim.total();
    let runs = 10;
    for _ in 0..runs {
        let t = Instant::now();
        let all = conn.connect_list_all_domains(0).expect("list");
        times.push(t.elapsed());
        assert_eq!(all.len(), vms);
    }
    report(
        "list-all (10,000 VMs)",
        (sim.total() - before) as f64 / runs as f64,
        &mut times,
    );

    let fresh = Connection::open(&sim.uri(), Some(&mut Pw), false).expect("open");
    let _ = fresh.scope();
    let mut times = Vec::new();
    let before = sim.total();
    let runs = 200;
    for i in 0..runs {
        let name = format!("vm-{:04}", 1 + (i * 37) % vms);
        let t = Instant::now();
        let d = fresh
            .domains()
            .domain_lookup_by_name(&name)
            .expect("lookup");
        times.push(t.elapsed());
        assert_eq!(d.name, name);
    }
    report(
        "lookup-by-name",
        (sim.total() - before) as f64 / runs as f64,
        &mut times,
    );

    let peak = peak_rss_kib();
    println!(
        "peak RSS of the bench process: {:.1} MiB (before the runs: {:.1} MiB)",
        peak as f64 / 1024.0,
        rss_before as f64 / 1024.0
    );
}

fn bench_tasks() {
    let task_ms = 200u64;
    println!("== task latency: esx-sim tasks of {task_ms} ms, power on and off 50 times each");
    let sim = Sim::start(&["--task-ms", &task_ms.to_string()]);
    let conn = Connection::open(&sim.uri(), Some(&mut Pw), false).expect("open");
    let dom = conn
        .domains()
        .domain_lookup_by_name("debian-02")
        .expect("lookup");
    let mut extra = Vec::new();
    let before = sim.total();
    let runs = 50;
    for _ in 0..runs {
        for op in ["start", "destroy"] {
            let t = Instant::now();
            match op {
                "start" => {
                    conn.domains()
                        .domain_create_with_flags(&dom, 0)
                        .expect("start");
                }
                _ => {
                    conn.domains()
                        .domain_destroy_flags(&dom, 0)
                        .expect("destroy");
                }
            }
            extra.push(t.elapsed().saturating_sub(Duration::from_millis(task_ms)));
        }
    }
    let per_op = (sim.total() - before) as f64 / (2 * runs) as f64;
    report("task: time after T", per_op, &mut extra);
    sim.control("action=task_ms&ms=0");
}

/// Runs `cmd` under /usr/bin/time: (seconds, peak RSS in KiB).
fn timed(cmd: &mut Command) -> (f64, u64) {
    let out = Command::new("/usr/bin/time")
        .args(["-f", "TIME %e %M"])
        .arg(cmd.get_program())
        .args(cmd.get_args())
        .stdout(Stdio::null())
        .output()
        .expect("run /usr/bin/time (Debian's time package)");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{:?} failed: {err}",
        cmd.get_program()
    );
    let line = err
        .lines()
        .rev()
        .find(|l| l.starts_with("TIME "))
        .expect("time output");
    let mut f = line.split_whitespace().skip(1);
    let secs: f64 = f.next().and_then(|v| v.parse().ok()).expect("seconds");
    let kib: u64 = f.next().and_then(|v| v.parse().ok()).expect("rss");
    (secs, kib)
}

fn bench_transfer() {
    let size: u64 = 1 << 30;
    println!("== disk transfer: a 1 GiB thin disk through /folder (plain HTTP on loopback)");
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let esxsh = repo.join("build/esxsh");
    if !esxsh.exists() {
        println!("   build/esxsh is missing (make all builds it): skipped");
        return;
    }
    let sim = Sim::start(&["--task-ms", "0"]);
    let conn = Connection::open(&sim.uri(), Some(&mut Pw), false).expect("open");
    let s = conn.storage();
    let ds = s.storage_pool_lookup_by_name("datastore1").expect("pool");
    s.storage_vol_create_xml(
        &ds,
        &format!("<volume><name>bench/big.vmdk</name><capacity>{size}</capacity><allocation>0</allocation></volume>"),
        0,
    )
    .expect("create the disk");
    let tmp = std::env::temp_dir().join(format!("esx-bench-io-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("tmp");
    let pw = tmp.join("pw");
    std::fs::write(&pw, "esx-sim\n").expect("pw");
    // A sparse local file of the disk's size, the upload's source.
    let src = tmp.join("big.raw");
    std::fs::File::create(&src)
        .and_then(|f| f.set_len(size))
        .expect("source file");
    // curl logs in with a SOAP Login for its cookie, as a script would.
    let jar = tmp.join("jar");
    let login = r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><Login xmlns="urn:vim25"><_this type="SessionManager">ha-sessionmgr</_this><userName>root</userName><password>esx-sim</password></Login></soapenv:Body></soapenv:Envelope>"#;
    let sdk = format!("http://127.0.0.1:{}/sdk", sim.port);
    let ok = Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-c"])
        .arg(&jar)
        .args([
            "-H",
            "Content-Type: text/xml",
            "-H",
            "SOAPAction: urn:vim25/7.0",
            "--data",
            login,
            &sdk,
        ])
        .status()
        .expect("run curl");
    assert!(ok.success(), "curl could not log in");
    let url = format!(
        "http://127.0.0.1:{}/folder/bench/big-flat.vmdk?dcPath=ha-datacenter&dsName=datastore1",
        sim.port
    );
    let vol = "[datastore1] bench/big.vmdk";
    let esx = |args: &[&str]| {
        let mut c = Command::new(&esxsh);
        c.arg("-c")
            .arg(sim.uri())
            .arg("--password-file")
            .arg(&pw)
            .args(args);
        c
    };
    let curl = |args: &[&str]| {
        let mut c = Command::new("curl");
        c.args(["-s", "-f", "-b"]).arg(&jar).args(args);
        c
    };
    let runs: Vec<(&str, Command)> = vec![
        (
            "download: esxsh vol-download",
            esx(&["vol-download", vol, "/dev/null"]),
        ),
        ("download: curl", curl(&["-o", "/dev/null", &url])),
        (
            "upload:   esxsh vol-upload",
            esx(&["vol-upload", vol, src.to_str().expect("path")]),
        ),
        (
            "upload:   curl -T",
            curl(&["-o", "/dev/null", "-T", src.to_str().expect("path"), &url]),
        ),
    ];
    for (what, mut cmd) in runs {
        let (secs, kib) = timed(&mut cmd);
        println!(
            "{what:<32} {:>8.1} MiB/s   {:>6.2} s   peak RSS {:>7} KiB",
            size as f64 / (1 << 20) as f64 / secs.max(0.001),
            secs,
            kib
        );
    }
    let _ = std::fs::remove_dir_all(&tmp);
}

/// Runs a command `runs` times: (median seconds, requests per run).
fn time_cmd(sim: &Sim, runs: usize, mut make: impl FnMut() -> Command) -> (f64, f64) {
    let mut times = Vec::new();
    let before = sim.total();
    for _ in 0..runs {
        let t = Instant::now();
        let out = make().output().expect("run");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        times.push(t.elapsed());
    }
    let requests = (sim.total() - before) as f64 / runs as f64;
    (percentile(&mut times, 0.5).as_secs_f64(), requests)
}

fn bench_list_beside_virsh() {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let esxsh = repo.join("build/esxsh");
    let virsh = PathBuf::from("/usr/bin/virsh");
    if !esxsh.exists() || !virsh.exists() {
        println!("== listing beside virsh: needs build/esxsh and virsh (libvirt-clients): skipped");
        return;
    }
    let tmp = std::env::temp_dir().join(format!("esx-bench-list-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("tmp");
    let pw = tmp.join("pw");
    std::fs::write(&pw, "esx-sim\n").expect("pw");
    let auth = tmp.join("auth.conf");
    std::fs::write(
        &auth,
        "[credentials-sim]\nusername=root\npassword=esx-sim\n[auth-esx-127.0.0.1]\ncredentials=sim\n",
    )
    .expect("auth");
    let run = |sim: &Sim, label: &str, args: &[&str], virsh_runs: usize| {
        let esx_uri = sim.uri();
        let virsh_uri = format!("esx://127.0.0.1:{}/?transport=http&no_verify=1", sim.port);
        let (e, er) = time_cmd(sim, 5, || {
            let mut c = Command::new(&esxsh);
            c.arg("-c")
                .arg(&esx_uri)
                .arg("--password-file")
                .arg(&pw)
                .args(args);
            c
        });
        let (v, vr) = time_cmd(sim, virsh_runs, || {
            let mut c = Command::new(&virsh);
            c.env("LIBVIRT_AUTH_FILE", &auth)
                .arg("-c")
                .arg(&virsh_uri)
                .args(args);
            c
        });
        println!(
            "{label:<34} esxsh {:>8.3} s ({er:>5.0} requests)   virsh {:>8.3} s ({vr:>6.0} requests)   {:>5.1}x",
            e,
            v,
            v / e.max(1e-6)
        );
    };
    println!("== listing beside libvirt's ESX driver (virsh), plain HTTP on loopback, medians");
    for vms in [2000usize, 10_000] {
        let sim = Sim::start(&["--vms", &vms.to_string()]);
        run(
            &sim,
            &format!("list --all, {vms} VMs"),
            &["list", "--all"],
            if vms > 2000 { 1 } else { 3 },
        );
    }
    let sim = Sim::start(&["--task-ms", "0"]);
    let conn = Connection::open(&sim.uri(), Some(&mut Pw), false).expect("open");
    let dom = conn
        .domains()
        .domain_lookup_by_name("debian-02")
        .expect("vm");
    for n in 1..=13 {
        conn.snapshots()
            .domain_snapshot_create_xml(
                &dom,
                &format!("<domainsnapshot><name>s{n}</name></domainsnapshot>"),
                0,
            )
            .expect("snapshot");
    }
    run(
        &sim,
        "snapshot-list, 13 snapshots",
        &["snapshot-list", "debian-02"],
        3,
    );
    run(
        &sim,
        "snapshot-list --tree, 13 snapshots",
        &["snapshot-list", "debian-02", "--tree"],
        3,
    );
    let _ = std::fs::remove_dir_all(&tmp);
}

/// Receives the times events reach a C callback (through the C ABI).
static EVENT_TIMES: std::sync::Mutex<Vec<Instant>> = std::sync::Mutex::new(Vec::new());

unsafe extern "C" fn on_event(
    _c: esx_driver::ffi::types::esxConnectPtr,
    _d: esx_driver::ffi::types::esxDomainPtr,
    _event: std::os::raw::c_int,
    _detail: std::os::raw::c_int,
    _opaque: *mut std::ffi::c_void,
) -> std::os::raw::c_int {
    if let Ok(mut t) = EVENT_TIMES.lock() {
        t.push(Instant::now());
    }
    0
}

fn bench_events() {
    use esx_driver::ffi::connect::{esxConnectClose, esxConnectOpenAuth};
    use esx_driver::ffi::event_loop::*;
    use esx_driver::ffi::events::*;
    let runs = 200;
    println!("== event latency: {runs} power changes made on the host, each to its C callback (event loop)");
    let sim = Sim::start(&["--task-ms", "0"]);
    // Credentials from an auth.conf, as libvirt programs have them.
    let dir = std::env::temp_dir().join(format!("esx-bench-ev-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");
    let auth = dir.join("auth.conf");
    std::fs::write(
        &auth,
        "[credentials-sim]\nusername=root\npassword=esx-sim\n[auth-esx-127.0.0.1]\ncredentials=sim\n",
    )
    .expect("auth.conf");
    std::env::set_var("LIBVIRT_AUTH_FILE", &auth);
    let uri = std::ffi::CString::new(format!("esx://127.0.0.1:{}/?transport=http", sim.port))
        .expect("uri");
    // SAFETY: the C ABI as a C program uses it; the callback matches the
    // lifecycle signature; everything is released below.
    unsafe {
        let conn = esxConnectOpenAuth(uri.as_ptr(), std::ptr::null_mut(), 0);
        assert!(!conn.is_null(), "open through the C ABI");
        esxEventRegisterDefaultImpl();
        let generic: esx_driver::ffi::types::esxConnectDomainEventGenericCallback =
            Some(std::mem::transmute::<
                unsafe extern "C" fn(
                    esx_driver::ffi::types::esxConnectPtr,
                    esx_driver::ffi::types::esxDomainPtr,
                    std::os::raw::c_int,
                    std::os::raw::c_int,
                    *mut std::ffi::c_void,
                ) -> std::os::raw::c_int,
                unsafe extern "C" fn(
                    esx_driver::ffi::types::esxConnectPtr,
                    esx_driver::ffi::types::esxDomainPtr,
                    *mut std::ffi::c_void,
                ),
            >(on_event));
        let id = esxConnectDomainEventRegisterAny(
            conn,
            std::ptr::null_mut(),
            0,
            generic,
            std::ptr::null_mut(),
            None,
        );
        assert!(id > 0, "register");
        let mut lat = Vec::new();
        for i in 0..runs {
            let state = if i % 2 == 0 {
                "poweredOn"
            } else {
                "poweredOff"
            };
            EVENT_TIMES.lock().expect("lock").clear();
            let t0 = Instant::now();
            sim.control(&format!("action=set_power&vm=debian-02&state={state}"));
            while EVENT_TIMES.lock().expect("lock").is_empty() {
                esxEventRunDefaultImplTimeout(10_000);
            }
            let at = EVENT_TIMES.lock().expect("lock")[0];
            lat.push(at.saturating_duration_since(t0));
        }
        report("host change -> C callback", 0.0, &mut lat);
        esxConnectDomainEventDeregisterAny(conn, id);
        esxConnectClose(conn);
    }
    std::env::remove_var("LIBVIRT_AUTH_FILE");
    let _ = std::fs::remove_dir_all(&dir);
}

fn main() {
    // `make bench ONLY=transfer` (or inventory, tasks, events, list) runs one part.
    let only = std::env::var("ONLY").unwrap_or_default();
    let run = |name: &str| only.is_empty() || only == name;
    if run("inventory") {
        bench_inventory();
    }
    if run("tasks") {
        bench_tasks();
    }
    if run("events") {
        bench_events();
    }
    if run("list") {
        bench_list_beside_virsh();
    }
    if run("transfer") {
        bench_transfer();
    }
}
