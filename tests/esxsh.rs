// SPDX-License-Identifier: LGPL-2.1-or-later
//! esxsh as an operator meets it: its command table (parsing, help, the
//! manual page, completion), refusals before anything reaches the host,
//! virsh's global options, the interactive shell, progress on a terminal,
//! Ctrl-C, and errors that name the fix. Output compared with virsh is in
//! tests/virsh.rs and tests/storage.rs.

mod common;

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use common::{build_dir, password_file, repo_dir, require, Sim, TempDir};

fn esxsh_bin() -> Option<PathBuf> {
    require(
        "build/esxsh (make c-programs)",
        Some(build_dir().join("esxsh")),
    )
}

/// esxsh with the simulator's URI and password file, and nothing from the
/// test's environment that would change what it does.
struct Shell {
    bin: PathBuf,
    uri: String,
    pw: PathBuf,
    tmp: TempDir,
}

impl Shell {
    fn new(sim: &Sim) -> Option<Shell> {
        let bin = esxsh_bin()?;
        let tmp = TempDir::new("esxsh-cli");
        // No credentials from an auth.conf of the machine's.
        std::fs::write(tmp.0.join("no-auth.conf"), "").unwrap();
        Some(Shell {
            bin,
            uri: sim.uri(""),
            pw: password_file(&tmp.0),
            tmp,
        })
    }

    fn bare(&self) -> Command {
        let mut c = Command::new(&self.bin);
        c.env_remove("LD_LIBRARY_PATH")
            .env_remove("LIBVIRT_DEFAULT_URI")
            .env_remove("ESXSH_DEFAULT_CONNECT_URI")
            .env("LIBVIRT_AUTH_FILE", self.tmp.0.join("no-auth.conf"))
            .env("XDG_CACHE_HOME", self.tmp.0.join("cache"))
            .env("TZ", "UTC")
            .stdin(Stdio::null());
        c
    }

    fn cmd(&self) -> Command {
        let mut c = self.bare();
        c.arg("-c")
            .arg(&self.uri)
            .arg("--password-file")
            .arg(&self.pw);
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().expect("run esxsh")
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

// ------------------------------------------------------------ a terminal

/// A child on a pseudo-terminal: everything it writes is collected, and a
/// test waits for what it expects to appear.
struct Pty {
    master: std::fs::File,
    child: Child,
    out: Arc<(Mutex<Vec<u8>>, Condvar)>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Pty {
    /// Takes the command by value: it holds the terminal's descriptors
    /// until dropped, and the reader sees the end only once none is open.
    fn spawn(mut cmd: Command) -> Pty {
        let (mut m, mut s) = (0, 0);
        // SAFETY: openpty writes two descriptors we then own.
        let rc = unsafe {
            libc::openpty(
                &mut m,
                &mut s,
                std::ptr::null_mut(),
                std::ptr::null(),
                std::ptr::null(),
            )
        };
        assert_eq!(rc, 0, "openpty");
        // SAFETY: fresh descriptors from openpty.
        let (master, slave) = unsafe { (OwnedFd::from_raw_fd(m), OwnedFd::from_raw_fd(s)) };
        cmd.stdin(Stdio::from(slave.try_clone().unwrap()))
            .stdout(Stdio::from(slave.try_clone().unwrap()))
            .stderr(Stdio::from(slave));
        // SAFETY: setsid and TIOCSCTTY are async-signal-safe; the child's
        // stdin is the terminal, which becomes its controlling terminal.
        unsafe {
            cmd.pre_exec(|| {
                libc::setsid();
                libc::ioctl(0, libc::TIOCSCTTY as _, 0);
                Ok(())
            });
        }
        let child = cmd.spawn().expect("spawn on a terminal");
        drop(cmd);
        let master = std::fs::File::from(master);
        let out = Arc::new((Mutex::new(Vec::new()), Condvar::new()));
        let (mut r, o) = (master.try_clone().unwrap(), out.clone());
        let reader = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            // EIO once the child and its terminal are gone.
            while let Ok(n) = r.read(&mut buf) {
                if n == 0 {
                    break;
                }
                o.0.lock().unwrap().extend_from_slice(&buf[..n]);
                o.1.notify_all();
            }
            o.1.notify_all();
        });
        Pty {
            master,
            child,
            out,
            reader: Some(reader),
        }
    }

    fn output(&self) -> String {
        text(&self.out.0.lock().unwrap())
    }

    /// Waits until `needle` has been written (after byte `from`); its end.
    fn expect_from(&self, from: usize, needle: &str) -> usize {
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut out = self.out.0.lock().unwrap();
        loop {
            if let Some(i) = text(&out[from.min(out.len())..]).find(needle) {
                return from + i + needle.len();
            }
            let now = Instant::now();
            assert!(
                now < deadline,
                "'{needle}' did not appear; the terminal shows: {:?}",
                text(&out)
            );
            out = self.out.1.wait_timeout(out, deadline - now).unwrap().0;
        }
    }

    fn expect(&self, needle: &str) -> usize {
        self.expect_from(0, needle)
    }

    fn send(&mut self, bytes: &[u8]) {
        self.master.write_all(bytes).unwrap();
    }

    fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    fn finish(mut self) -> (ExitStatus, String) {
        let status = self.child.wait().unwrap();
        // The reader ends at EIO once no process holds the terminal.
        if let Some(r) = self.reader.take() {
            r.join().unwrap();
        }
        (status, self.output())
    }
}

// ------------------------------------------------------ the command table

/// Every command of `esxsh help`, with its description.
fn help_commands(sh: &Shell) -> Vec<(String, String)> {
    let out = sh.bare().arg("help").output().unwrap();
    assert!(out.status.success());
    text(&out.stdout)
        .lines()
        .filter(|l| l.starts_with("    "))
        .map(|l| {
            let l = l.trim_start();
            let (name, desc) = l.split_once(' ').unwrap_or((l, ""));
            (name.to_string(), desc.trim().to_string())
        })
        .collect()
}

/// Commands that change the host (or a local file), with valid arguments.
const DESTRUCTIVE: &[&[&str]] = &[
    &["autostart", "debian-02"],
    &["define", "/nonexistent/dom.xml"],
    &["destroy", "alpine-01"],
    &["domjobabort", "alpine-01"],
    &["edit", "debian-02"],
    &["memtune", "debian-02", "--min-guarantee", "1024"],
    &["question", "debian-02", "--answer", "1"],
    &["reboot", "alpine-01"],
    &["resume", "win2019-03"],
    &["schedinfo", "debian-02", "--set", "shares=1"],
    &["screenshot", "alpine-01", "/nonexistent/shot.png"],
    &["setmaxmem", "debian-02", "1G"],
    &["setmem", "debian-02", "512M"],
    &["setvcpus", "debian-02", "2"],
    &["shutdown", "alpine-01"],
    &["start", "debian-02"],
    &["suspend", "alpine-01"],
    &["undefine", "debian-02"],
    &["snapshot-create", "debian-02"],
    &["snapshot-create-as", "debian-02", "s1"],
    &["snapshot-delete", "debian-02", "s1"],
    &["snapshot-edit", "debian-02", "s1"],
    &["snapshot-revert", "debian-02", "s1"],
    &["pool-autostart", "datastore1"],
    &["pool-refresh", "datastore1"],
    &["net-autostart", "vSwitch0"],
    &["net-define", "/nonexistent/net.xml"],
    &["net-undefine", "vSwitch0"],
    &[
        "vol-clone",
        "debian-02/debian-02.vmdk",
        "c.vmdk",
        "--pool",
        "datastore1",
    ],
    &["vol-create", "datastore1", "/nonexistent/vol.xml"],
    &["vol-create-as", "datastore1", "x/y.vmdk", "1M"],
    &[
        "vol-create-from",
        "datastore1",
        "/nonexistent/vol.xml",
        "debian-02/debian-02.vmdk",
    ],
    &[
        "vol-delete",
        "debian-02/debian-02.vmdk",
        "--pool",
        "datastore1",
    ],
    &[
        "vol-download",
        "debian-02/debian-02.vmdk",
        "/nonexistent/out",
        "--pool",
        "datastore1",
    ],
    &[
        "vol-resize",
        "debian-02/debian-02.vmdk",
        "9G",
        "--pool",
        "datastore1",
    ],
    &[
        "vol-upload",
        "debian-02/debian-02.vmdk",
        "/nonexistent/in",
        "--pool",
        "datastore1",
    ],
    &[
        "vol-wipe",
        "debian-02/debian-02.vmdk",
        "--pool",
        "datastore1",
    ],
];

/// Commands that only read.
const READ_ONLY: &[&str] = &[
    "capabilities",
    "desc",
    "domblklist",
    "domhostname",
    "domid",
    "domifaddr",
    "domiflist",
    "dominfo",
    "domjobinfo",
    "domname",
    "domstate",
    "domstats",
    "domuuid",
    "domxml-from-native",
    "domxml-to-native",
    "dumpxml",
    "event",
    "freecell",
    "hostname",
    "list",
    "maxvcpus",
    "nodeinfo",
    "iface-dumpxml",
    "iface-list",
    "iface-mac",
    "iface-name",
    "net-dumpxml",
    "net-event",
    "net-info",
    "net-list",
    "net-name",
    "net-uuid",
    "pool-dumpxml",
    "pool-info",
    "pool-list",
    "pool-name",
    "pool-uuid",
    "snapshot-current",
    "snapshot-dumpxml",
    "snapshot-info",
    "snapshot-list",
    "snapshot-parent",
    "uri",
    "vcpucount",
    "version",
    "vol-dumpxml",
    "vol-info",
    "vol-key",
    "vol-list",
    "vol-name",
    "vol-path",
    "vol-pool",
    "cd",
    "connect",
    "echo",
    "exit",
    "help",
    "pwd",
    "quit",
];

/// docs/round-trips.md is the request budget of esxsh's commands: each row
/// is run against esx-sim and must cost exactly what the table says (the
/// simulator counts every request, from connect to logout).
#[test]
fn esxsh_commands_keep_their_request_budget() {
    let sim = Sim::start();
    // Tasks done as they start: a running task's wait costs a request per
    // change the host reports, which depends on the machine's speed; the
    // budget counts what does not.
    sim.sim.set_task_ms(0);
    let Some(sh) = Shell::new(&sim) else { return };
    let doc = std::fs::read_to_string(repo_dir().join("docs/round-trips.md")).unwrap();
    let mut rows = 0;
    for line in doc.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let command = cells[1].trim_matches('`');
        let budget: u64 = cells[2].parse().unwrap_or_else(|_| panic!("{line}"));
        let args: Vec<&str> = command.split_whitespace().collect();
        sim.reset_stats();
        let out = sh.run(&args);
        assert!(out.status.success(), "{command}: {}", text(&out.stderr));
        assert_eq!(
            sim.count("total"),
            budget,
            "esxsh {command} costs another number of requests than docs/round-trips.md says: {:?}",
            sim.stats()
        );
        rows += 1;
    }
    assert!(rows >= 10, "only {rows} rows in docs/round-trips.md");
}

/// A mistyped option, a missing argument or a malformed number on any
/// command that changes something is refused with virsh's words, exit
/// status 1, and not one request reaches the host.
#[test]
fn typos_missing_arguments_and_bad_numbers_never_reach_the_host() {
    let sim = Sim::start();
    let Some(sh) = Shell::new(&sim) else { return };
    // Every command is classified, so that a new one is covered here.
    for (name, _) in help_commands(&sh) {
        assert!(
            DESTRUCTIVE.iter().any(|d| d[0] == name) || READ_ONLY.contains(&name.as_str()),
            "classify '{name}' in tests/esxsh.rs"
        );
    }
    let refused = |args: &[&str], expected: &str| {
        sim.reset_stats();
        let o = sh.run(args);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        assert_eq!(text(&o.stderr), expected, "{args:?}");
        // Nothing, or virsh's blank line after a command that ran and
        // refused its arguments itself.
        assert!(matches!(&*text(&o.stdout), "" | "\n"), "{args:?}");
        assert_eq!(sim.count("total"), 0, "{args:?} sent {:?}", sim.stats());
    };
    for args in DESTRUCTIVE {
        let cmd = args[0];
        for typo in ["--childern", "--forec", "--pool-name"] {
            let mut a = args.to_vec();
            a.push(typo);
            refused(
                &a,
                &format!("error: command '{cmd}' doesn't support option {typo}\n"),
            );
        }
        // The typo first, before the arguments.
        let mut a = vec![cmd, "--dry-run"];
        a.extend_from_slice(&args[1..]);
        refused(
            &a,
            &format!("error: command '{cmd}' doesn't support option --dry-run\n"),
        );
        // Nothing but the command: its first required argument is named.
        let o = sh.run(&[cmd]);
        assert_eq!(o.status.code(), Some(1), "{cmd}");
        let err = text(&o.stderr);
        assert!(
            err.starts_with(&format!("error: command '{cmd}' requires <")),
            "{cmd}: {err}"
        );
        // One argument too many.
        let mut a = args.to_vec();
        a.extend_from_slice(&["extra1", "extra2", "extra3", "extra4"]);
        sim.reset_stats();
        let o = sh.run(&a);
        assert_eq!(o.status.code(), Some(1), "{a:?}");
        assert!(text(&o.stderr).contains("error: "), "{a:?}");
        assert_eq!(sim.count("total"), 0, "{a:?}: {:?}", sim.stats());
    }
    for (args, expected) in [
        (
            &["setmem", "debian-02", "lots"][..],
            "error: Scaled numeric value 'lots' for <size> option is malformed or out of range\n",
        ),
        (
            &["setvcpus", "debian-02", "2x"],
            "error: Numeric value '2x' for <count> option is malformed or out of range\n",
        ),
        (
            &[
                "snapshot-delete",
                "debian-02",
                "s1",
                "--children",
                "--children",
            ],
            "error: option --children already seen\n",
        ),
        (
            &["snapshot-delete", "debian-02", "s1", "--children=yes"],
            "error: invalid '=' after option --children\n",
        ),
        (
            &["vol-delete", "x", "--pool"],
            "error: expected syntax: --pool <string>\n",
        ),
        (
            &["memtune", "debian-02", "--min-guarantee", "1k", "1"],
            "error: unexpected data '1'\n",
        ),
        (
            &["start", ""],
            "error: Failed to get option 'domain': Option argument is empty\n",
        ),
        (
            &["frobnicate", "debian-02"],
            "error: unknown command: 'frobnicate'\n",
        ),
        (
            &["snapshot-list", "debian-02", "--tree", "--name"],
            "error: Options --tree and --name are mutually exclusive\n",
        ),
        (
            &["snapshot-delete", "debian-02"],
            "error: --snapshotname or --current is required\n",
        ),
        (
            &["vol-resize", "v", "-1G", "--pool", "datastore1"],
            "error: negative size requires --shrink\n",
        ),
    ] {
        refused(args, expected);
    }
    // In a command string, one bad command stops the whole line.
    refused(
        &["destroy alpine-01; start debian-02 --forec"],
        "error: command 'start' doesn't support option --forec\n",
    );
    // --help anywhere is help, and sends nothing either.
    sim.reset_stats();
    let o = sh.run(&["snapshot-delete", "debian-02", "s1", "--children", "--help"]);
    assert!(o.status.success());
    assert!(text(&o.stdout).starts_with("  NAME\n    snapshot-delete - "));
    assert_eq!(sim.count("total"), 0);
}

/// `help` lists every command of the table with a line about it; `help
/// CMD` and `CMD --help` print the same page on stdout with status 0.
#[test]
fn help_comes_from_the_command_table() {
    let sim = Sim::start();
    let Some(sh) = Shell::new(&sim) else { return };
    let listed = help_commands(&sh);
    assert!(listed.len() >= 80, "{listed:?}");
    for (name, desc) in &listed {
        assert!(!desc.is_empty(), "{name} has no description");
    }
    let names: BTreeSet<String> = listed.iter().map(|(n, _)| n.clone()).collect();
    assert_eq!(names.len(), listed.len(), "a command is listed twice");
    // The completion lists the same commands from the same table.
    let o = sh.bare().args(["complete", "--", ""]).output().unwrap();
    let completed: BTreeSet<String> = text(&o.stdout)
        .lines()
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect();
    assert_eq!(completed, names);
    for cmd in [
        "domblklist",
        "domiflist",
        "desc",
        "freecell",
        "maxvcpus",
        "snapshot-info",
        "snapshot-create",
        "snapshot-edit",
        "edit",
        "pool-uuid",
        "pool-name",
        "vol-name",
        "domjobinfo",
        "domjobabort",
        "echo",
        "connect",
        "quit",
    ] {
        assert!(names.contains(cmd), "{cmd} is missing");
    }
    for (name, _) in &listed {
        let a = sh.bare().args(["help", name]).output().unwrap();
        let b = sh.bare().args([name.as_str(), "--help"]).output().unwrap();
        assert!(a.status.success() && b.status.success(), "{name}");
        assert_eq!(a.stdout, b.stdout, "{name}");
        let page = text(&a.stdout);
        assert!(
            page.starts_with(&format!("  NAME\n    {name} - ")),
            "{page}"
        );
        assert!(page.contains("\n  SYNOPSIS\n    "), "{page}");
    }
    let page = text(
        &sh.bare()
            .args(["help", "snapshot-delete"])
            .output()
            .unwrap()
            .stdout,
    );
    assert!(
        page.contains(
            "    snapshot-delete <domain> [--snapshotname <string>] [--current] [--children]"
        ),
        "{page}"
    );
    assert!(page.contains("    [--domain] <string>  "), "{page}");
    // A group.
    let o = sh.bare().args(["help", "volume"]).output().unwrap();
    assert!(
        text(&o.stdout).contains("    vol-download "),
        "{}",
        text(&o.stdout)
    );
    let o = sh.bare().args(["help", "nosuch"]).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        text(&o.stderr),
        "error: command or command group 'nosuch' doesn't exist\n"
    );
    // --help: options and commands on stdout, status 0.
    let o = sh.bare().arg("--help").output().unwrap();
    assert!(o.status.success());
    assert!(o.stderr.is_empty());
    let usage = text(&o.stdout);
    assert!(usage.contains("-c | --connect=URI"), "{usage}");
    for (name, _) in &listed {
        assert!(
            usage.contains(&format!("    {name} ")),
            "{name} not in --help"
        );
    }
    // Versions.
    let v = text(&sh.bare().arg("-v").output().unwrap().stdout);
    assert!(v.trim().split('.').count() == 3, "{v}");
    assert_eq!(
        text(&sh.bare().arg("--version").output().unwrap().stdout),
        v
    );
    let long = text(&sh.bare().arg("-V").output().unwrap().stdout);
    assert!(long.contains("esx-driver"), "{long}");
    assert_eq!(
        text(&sh.bare().arg("--version=long").output().unwrap().stdout),
        long
    );
    // An unknown global option.
    let o = sh.bare().arg("--frob").output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        text(&o.stderr),
        "error: unsupported option '--frob'. See --help.\n"
    );
}

/// The committed manual page is what `esxsh --man` writes from the table
/// (`make man`), and names every command.
#[test]
fn the_manual_page_is_current() {
    let Some(bin) = esxsh_bin() else { return };
    let o = Command::new(&bin)
        .env_remove("LD_LIBRARY_PATH")
        .arg("--man")
        .output()
        .unwrap();
    assert!(o.status.success());
    let committed =
        std::fs::read_to_string(repo_dir().join("man/esxsh.1")).expect("man/esxsh.1 (make man)");
    assert!(
        text(&o.stdout) == committed,
        "man/esxsh.1 is out of date: run `make man` and commit it"
    );
    assert!(committed.starts_with(".\\\" Generated by esxsh --man"));
    assert!(committed.contains("\n.TH ESXSH 1 "));
    let help = Command::new(&bin)
        .env_remove("LD_LIBRARY_PATH")
        .arg("help")
        .output()
        .unwrap();
    for l in text(&help.stdout).lines().filter(|l| l.starts_with("    ")) {
        let name = l.split_whitespace().next().unwrap();
        let roff = name.replace('-', "\\-");
        assert!(
            committed.contains(&format!(".TP\n\\fB{roff}\\fR")),
            "{name} is not in the manual page"
        );
    }
    // No line a roff reader would take for a request by mistake.
    for l in committed.lines() {
        if let Some(rest) = l.strip_prefix('.') {
            let req = rest.split_whitespace().next().unwrap_or("");
            assert!(
                ["\\\"", "TH", "SH", "SS", "B", "BR", "br", "PP", "TP", "RS", "RE", ""]
                    .contains(&req),
                "unexpected request: {l}"
            );
        }
    }
}

// ----------------------------------------------------- virsh's conventions

#[test]
fn global_options_and_the_default_uri() {
    let sim = Sim::with_args(&["--task-ms", "5"]);
    let Some(sh) = Shell::new(&sim) else { return };
    // The URI from the environment: ESXSH_DEFAULT_CONNECT_URI, then
    // LIBVIRT_DEFAULT_URI; -c wins over both.
    let uri_of = |c: &mut Command| {
        text(
            &c.arg("--password-file")
                .arg(&sh.pw)
                .arg("uri")
                .output()
                .unwrap()
                .stdout,
        )
    };
    assert_eq!(
        uri_of(sh.bare().env("LIBVIRT_DEFAULT_URI", &sh.uri)),
        format!("{}\n\n", sh.uri)
    );
    let other = sim.uri("auto_answer=1");
    assert_eq!(
        uri_of(
            sh.bare()
                .env("LIBVIRT_DEFAULT_URI", &sh.uri)
                .env("ESXSH_DEFAULT_CONNECT_URI", &other)
        ),
        format!("{other}\n\n")
    );
    assert_eq!(
        uri_of(
            sh.bare()
                .env("LIBVIRT_DEFAULT_URI", "esx://nowhere.invalid/")
                .arg("--connect")
                .arg(&sh.uri)
        ),
        format!("{}\n\n", sh.uri)
    );
    let o = sh.bare().arg("uri").output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("no connection URI"),
        "{}",
        text(&o.stderr)
    );
    // -q: no header, no confirmation, no blank line.
    let o = sh.cmd().args(["-q", "list"]).output().unwrap();
    assert_eq!(
        text(&o.stdout),
        " 1   alpine-01    running\n 3   win2019-03   paused\n"
    );
    let o = sh
        .cmd()
        .args(["-q", "autostart", "debian-02"])
        .output()
        .unwrap();
    assert_eq!(text(&o.stdout), "");
    // -t: the time after each command.
    let o = sh.cmd().args(["-t", "hostname"]).output().unwrap();
    let out = text(&o.stdout);
    assert!(out.starts_with("esx-sim.lab.example\n\n(Time: "), "{out}");
    assert!(out.ends_with(" ms)\n\n"), "{out}");
    // -r: read-only, every change refused by the library before it is sent.
    sim.reset_stats();
    let o = sh
        .cmd()
        .args(["-r", "destroy", "alpine-01"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("read-only"), "{}", text(&o.stderr));
    assert_eq!(sim.count("PowerOffVM_Task"), 0);
    // -k: the library keeps sessions itself and has no keepalive to set:
    // refused as virsh refuses it, before connecting; -k 0 is fine.
    sim.reset_stats();
    let o = sh.cmd().args(["-k", "5", "list"]).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("Cannot setup keepalive on connection as requested"),
        "{}",
        text(&o.stderr)
    );
    assert_eq!(sim.count("total"), 0);
    assert!(sh
        .cmd()
        .args(["-k", "0", "list"])
        .output()
        .unwrap()
        .status
        .success());
    let o = sh.cmd().args(["-k", "x", "list"]).output().unwrap();
    assert_eq!(text(&o.stderr), "error: Invalid value for option -k\n");
    // A command string: ';' separates commands, each followed by its
    // blank line, as virsh runs them.
    let o = sh.cmd().arg("hostname; domid alpine-01").output().unwrap();
    assert_eq!(text(&o.stdout), "esx-sim.lab.example\n\n1\n\n");
    // echo, for scripts.
    let o = sh
        .bare()
        .args(["echo", "--shell", "a b", "c'd"])
        .output()
        .unwrap();
    assert_eq!(text(&o.stdout), "'a b' 'c'\\''d'\n");
    let o = sh.bare().args(["echo", "--xml", "<a&b>"]).output().unwrap();
    assert_eq!(text(&o.stdout), "&lt;a&amp;b&gt;\n");
    // Exit codes: 0, or 1 when a command failed.
    let o = sh.cmd().args(["domstate", "nope"]).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(text(&o.stderr), "error: failed to get domain 'nope'\n");
}

#[test]
fn the_interactive_shell_reads_commands_from_its_input() {
    let sim = Sim::start();
    let Some(sh) = Shell::new(&sim) else { return };
    let mut child = sh
        .cmd()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(
            format!(
                "domid alpine-01\nconnect {} --readonly\ndestroy alpine-01\necho done; quit\necho never\n",
                sh.uri
            )
            .as_bytes(),
        )
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout), "1\n\n\n\ndone\n");
    assert!(text(&o.stderr).contains("read-only"), "{}", text(&o.stderr));
    assert_eq!(sim.vm("alpine-01")["power"], "poweredOn");
    // Each connection logged out when it was replaced or the shell ended.
    assert_eq!(sim.sessions()["sessions"], 0);
}

#[test]
fn the_interactive_shell_on_a_terminal_edits_recalls_and_completes() {
    let sim = Sim::start();
    let Some(sh) = Shell::new(&sim) else { return };
    let cache = sh.tmp.0.join("cache");
    let mut t = Pty::spawn(sh.cmd());
    let at = t.expect("esxsh # ");
    assert!(t.output().contains("Welcome to esxsh"));
    t.send(b"domstate alpine-01\r");
    let at = t.expect_from(at, "running\r\n");
    // Up recalls the line; Ctrl-A, Ctrl-K and typing edit it.
    t.send(b"\x1b[A\x01\x0bdomid alpine-01\r");
    let at = t.expect_from(at, "\r\n1\r\n");
    t.send(b"\x1b[A\x1b[A\r");
    let at = t.expect_from(at, "\r\nrunning\r\n");
    // Tab completes commands, and domain names from the host.
    t.send(b"snapshot-cu\t");
    let at = t.expect_from(at, "esxsh # snapshot-current \u{1b}[K");
    t.send(b"\x15domstate deb\t");
    let at = t.expect_from(at, "esxsh # domstate debian-02 \u{1b}[K");
    t.send(b"\r");
    let at = t.expect_from(at, "shut off\r\n");
    // Ctrl-C drops the line being typed; the shell stays.
    t.send(b"destroy alpine-01\x03");
    let at = t.expect_from(at, "^C");
    t.send(b"quit\r");
    t.expect_from(at, "quit");
    let (status, out) = t.finish();
    assert!(status.success(), "{out}");
    assert_eq!(sim.vm("alpine-01")["power"], "poweredOn");
    let history = std::fs::read_to_string(cache.join("esxsh/history")).unwrap();
    assert_eq!(
        history,
        "domstate alpine-01\ndomid alpine-01\ndomstate alpine-01\ndomstate debian-02\nquit\n"
    );
}

// ------------------------------------------------------------- progress

#[test]
fn transfers_show_their_progress_on_a_terminal_only() {
    let sim = Sim::with_args(&["--task-ms", "5"]);
    let Some(sh) = Shell::new(&sim) else { return };
    let ok = |args: &[&str]| {
        let o = sh.run(args);
        assert!(o.status.success(), "{args:?}: {}", text(&o.stderr));
        o
    };
    ok(&[
        "vol-create-as",
        "datastore1",
        "p/d.vmdk",
        "3M",
        "--allocation",
        "0",
    ]);
    let dst = sh.tmp.0.join("d.raw");
    let dst = dst.to_str().unwrap();
    // Not a terminal: nothing on stderr.
    let o = ok(&["vol-download", "--pool", "datastore1", "p/d.vmdk", dst]);
    assert_eq!(text(&o.stderr), "");
    assert_eq!(std::fs::metadata(dst).unwrap().len(), 3 << 20);
    // A terminal: bytes, total and rate, and the last state stays.
    let mut c = sh.cmd();
    c.args(["vol-download", "--pool", "datastore1", "p/d.vmdk", dst]);
    let t = Pty::spawn(c);
    t.expect("vol-download: 3.00 MiB of 3.00 MiB [100 %] ");
    let (status, out) = t.finish();
    assert!(status.success(), "{out}");
    assert!(out.contains("B/s\u{1b}[K"), "{out}");
    // -q silences it, --verbose asks for it anyway.
    let mut c = sh.cmd();
    c.args([
        "-q",
        "vol-download",
        "--pool",
        "datastore1",
        "p/d.vmdk",
        dst,
    ]);
    let (status, out) = Pty::spawn(c).finish();
    assert!(status.success());
    assert_eq!(out, "");
    let mut c = sh.cmd();
    c.args([
        "-q",
        "vol-upload",
        "--pool",
        "datastore1",
        "p/d.vmdk",
        dst,
        "--verbose",
    ]);
    let t = Pty::spawn(c);
    t.expect("vol-upload: 3.00 MiB of 3.00 MiB [100 %] ");
    assert!(t.finish().0.success());
    // --sparse: the zeros of a thin disk become holes.
    let sparse = sh.tmp.0.join("s.raw");
    ok(&[
        "vol-download",
        "--pool",
        "datastore1",
        "p/d.vmdk",
        sparse.to_str().unwrap(),
        "--sparse",
    ]);
    let meta = std::fs::metadata(&sparse).unwrap();
    assert_eq!(meta.len(), 3 << 20);
    use std::os::unix::fs::MetadataExt;
    assert!(meta.blocks() * 512 < 3 << 20, "{} blocks", meta.blocks());
    assert_eq!(std::fs::read(&sparse).unwrap(), std::fs::read(dst).unwrap());
}

/// A held power-on: the host's percentage appears on the terminal, then
/// 100 % when the task ends; off a terminal nothing is shown.
#[test]
fn a_long_task_shows_the_hosts_progress_on_a_terminal() {
    let sim = Sim::with_args(&["--task-ms", "600000"]);
    let Some(sh) = Shell::new(&sim) else { return };
    let mut c = sh.cmd();
    c.args(["start", "debian-02"]);
    let t = Pty::spawn(c);
    sim.wait_vm("debian-02", "the power-on task", |v| {
        v["pending_tasks"] == "1"
    });
    let at = t.expect("Starting domain 'debian-02': [  0 %]");
    sim.sim.task_progress("debian-02", 42).unwrap();
    t.expect_from(at, "Starting domain 'debian-02': [ 42 %]");
    assert_eq!(sim.sim.finish_tasks("debian-02").unwrap(), 1);
    let (status, out) = t.finish();
    assert!(status.success(), "{out}");
    assert!(
        out.contains(
            "Starting domain 'debian-02': [100 %]\u{1b}[K\r\nDomain 'debian-02' started\r\n"
        ),
        "{out:?}"
    );
    // Not a terminal: no progress, and no job polling either.
    sim.sim.set_task_ms(5);
    sim.reset_stats();
    let o = sh.run(&["destroy", "debian-02"]);
    assert!(o.status.success());
    assert_eq!(text(&o.stderr), "");
    assert_eq!(text(&o.stdout), "Domain 'debian-02' destroyed\n\n");
}

// --------------------------------------------------------------- Ctrl-C

fn interrupt(pid: u32) {
    // SAFETY: kill(2) on our own child.
    unsafe { libc::kill(pid as i32, libc::SIGINT) };
}

/// Ctrl-C during a task the host can cancel: the task is cancelled, the
/// command fails, esxsh logs out; the host is as it was, with no session
/// and no property filter left.
#[test]
fn ctrl_c_cancels_the_task_and_logs_out() {
    let sim = Sim::with_args(&["--task-ms", "600000"]);
    sim.sim.set_cancelable("PowerOnVM_Task", true);
    let Some(sh) = Shell::new(&sim) else { return };
    let child = sh
        .cmd()
        .args(["start", "debian-02"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    sim.wait_vm("debian-02", "the power-on task", |v| {
        v["pending_tasks"] == "1"
    });
    assert_eq!(sim.sessions()["sessions"], 1);
    interrupt(child.id());
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(
        err.contains("Cancelling the task of domain 'debian-02'"),
        "{err}"
    );
    assert!(
        err.contains("error: Failed to start domain 'debian-02'"),
        "{err}"
    );
    assert!(err.contains("RequestCanceled"), "{err}");
    let vm = sim.vm("debian-02");
    assert_eq!(vm["power"], "poweredOff");
    assert_eq!(vm["pending_tasks"], "0");
    assert_eq!(sim.count("CancelTask"), 1);
    assert_eq!(sim.count("Logout"), 1);
    let s = sim.sessions();
    assert_eq!((s["sessions"], s["filters"]), (0, 0), "{s:?}");
}

/// Ctrl-C during a task the host cannot cancel: esxsh says so and waits;
/// when the task ends it logs out as usual. A second Ctrl-C leaves at once
/// (status 130).
#[test]
fn ctrl_c_on_a_task_that_cannot_be_cancelled_waits_or_leaves() {
    let sim = Sim::with_args(&["--task-ms", "600000"]);
    let Some(sh) = Shell::new(&sim) else { return };
    let mut c = sh.cmd();
    c.args(["start", "debian-02"]);
    let t = Pty::spawn(c);
    sim.wait_vm("debian-02", "the power-on task", |v| {
        v["pending_tasks"] == "1"
    });
    interrupt(t.pid() as u32);
    t.expect("cannot be cancelled");
    t.expect("Ctrl-C again leaves now");
    assert_eq!(sim.sim.finish_tasks("debian-02").unwrap(), 1);
    let (status, out) = t.finish();
    assert!(status.success(), "{out}");
    assert!(out.contains("Domain 'debian-02' started"), "{out}");
    assert_eq!(sim.sessions()["sessions"], 0);
    assert_eq!(sim.vm("debian-02")["power"], "poweredOn");

    let child = sh
        .cmd()
        .args(["destroy", "debian-02"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    sim.wait_vm("debian-02", "the power-off task", |v| {
        v["pending_tasks"] == "1"
    });
    let pid = child.id();
    interrupt(pid);
    // The second press only once the first was handled (its message).
    let mut child = child;
    let mut err = child.stderr.take().unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 512];
    while !text(&seen).contains("Ctrl-C again leaves now") {
        let n = err.read(&mut buf).unwrap();
        assert!(n > 0, "{}", text(&seen));
        seen.extend_from_slice(&buf[..n]);
    }
    interrupt(pid);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{status:?}");
    sim.sim.finish_tasks("debian-02").unwrap();
}

// ----------------------------------------------- errors that name the fix

#[test]
fn errors_name_the_fix() {
    let sim = Sim::with_args(&["--task-ms", "5"]);
    let Some(sh) = Shell::new(&sim) else { return };
    // A power-on blocked by a question: how to answer it.
    sim.control("action=arm_question&vm=debian-02&kind=uuid&method=PowerOnVM_Task");
    let o = sh.run(&["start", "debian-02"]);
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(
        err.starts_with("error: Failed to start domain 'debian-02'\nerror: "),
        "{err}"
    );
    assert!(err.contains("esxsh question debian-02 --answer N"), "{err}");
    assert!(err.contains("--answer=ask"), "{err}");
    assert!(err.contains("auto_answer=1"), "{err}");
    // And the command it names does answer it.
    let o = sh.run(&["question", "debian-02", "--answer", "2"]);
    assert!(o.status.success(), "{}", text(&o.stderr));

    // http to the https port: said in words, no TLS bytes.
    let o = sh
        .bare()
        .arg("-c")
        .arg(sim.uri_with("transport=http"))
        .arg("--password-file")
        .arg(&sh.pw)
        .arg("list")
        .output()
        .unwrap();
    let err = text(&o.stderr);
    assert!(err.contains("answered in TLS"), "{err}");
    assert!(err.contains("remove transport=http"), "{err}");
    assert!(!err.contains("[21, 3"), "{err}");
}

/// With no terminal and no credentials esxsh says none was available; it
/// never tries an empty password (no Login reaches the host).
#[test]
fn no_terminal_and_no_credentials_is_said_so() {
    let sim = Sim::start();
    let Some(sh) = Shell::new(&sim) else { return };
    let mut c = sh.bare();
    c.arg("-c").arg(&sh.uri).arg("list");
    // SAFETY: setsid is async-signal-safe: the child has no terminal.
    unsafe {
        c.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
    sim.reset_stats();
    let o = c.output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(
        err.starts_with("error: failed to connect to the hypervisor\n"),
        "{err}"
    );
    assert!(err.contains("No password for root@127.0.0.1"), "{err}");
    assert!(err.contains("no password was available"), "{err}");
    assert!(err.contains("--password-file"), "{err}");
    assert_eq!(sim.count("Login"), 0, "{:?}", sim.stats());
}

/// On a terminal the password is asked only once the host answered: a
/// wrong port fails without a prompt; the right one asks.
#[test]
fn the_password_prompt_comes_after_the_host_answered() {
    let sim = Sim::start();
    let Some(sh) = Shell::new(&sim) else { return };
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let mut c = sh.bare();
    c.arg("-c")
        .arg(format!("esx://root@127.0.0.1:{port}/?no_verify=1"))
        .arg("list");
    let (status, out) = Pty::spawn(c).finish();
    assert_eq!(status.code(), Some(1));
    assert!(out.contains("Could not connect"), "{out}");
    assert!(
        !out.contains("password"),
        "asked before reaching the host: {out}"
    );
    let mut c = sh.bare();
    c.arg("-c").arg(&sh.uri).arg("domid").arg("alpine-01");
    let mut t = Pty::spawn(c);
    t.expect("Enter root's password for 127.0.0.1: ");
    assert_eq!(sim.count("RetrieveServiceContent"), 1);
    assert_eq!(sim.count("Login"), 0);
    t.send(b"esx-sim\r");
    let (status, out) = t.finish();
    assert!(status.success(), "{out}");
    assert!(out.ends_with("\r\n1\r\n\r\n"), "{out:?}");
}

// ----------------------------------------------------------- completion

fn complete(sh: &Shell, words: &[&str]) -> Vec<String> {
    let o = sh
        .cmd()
        .arg("complete")
        .arg("--")
        .args(words)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    text(&o.stdout)
        .lines()
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

#[test]
fn completion_of_commands_options_and_names() {
    let sim = Sim::with_args(&["--task-ms", "5"]);
    let Some(sh) = Shell::new(&sim) else { return };
    sh.run(&["snapshot-create-as", "debian-02", "base"]);
    sh.run(&["snapshot-create-as", "debian-02", "next"]);
    assert_eq!(
        complete(&sh, &["snapshot-d"]),
        ["snapshot-delete", "snapshot-dumpxml"]
    );
    let mut doms = complete(&sh, &["start", ""]);
    doms.sort();
    assert_eq!(
        doms,
        [
            "alpine-01",
            "copied-05",
            "debian-02",
            "serial-04",
            "win2019-03"
        ]
    );
    assert_eq!(complete(&sh, &["start", "deb"]), ["debian-02"]);
    let mut snaps = complete(&sh, &["snapshot-delete", "debian-02", ""]);
    snaps.sort();
    assert_eq!(snaps, ["base", "next"]);
    assert_eq!(
        complete(&sh, &["snapshot-delete", "debian-02", "base", "--ch"]),
        ["--children", "--children-only"]
    );
    assert_eq!(
        complete(&sh, &["vol-info", "--pool", "datastore1", "deb"]),
        ["debian-02/debian-02.vmdk"]
    );
    assert_eq!(
        complete(&sh, &["vol-list", "nfs"]),
        ["nfs-iso", "nfs41-backup"]
    );
    assert_eq!(
        complete(&sh, &["event", "--event", ""]),
        ["lifecycle", "reboot", "question"]
    );
    assert_eq!(
        complete(&sh, &["help", "snapshot-c"]),
        ["snapshot-create", "snapshot-create-as", "snapshot-current"]
    );
    // Options already given are not offered again.
    let o = complete(&sh, &["list", "--all", "--"]);
    assert!(
        !o.contains(&"--all".to_string()) && o.contains(&"--name".to_string()),
        "{o:?}"
    );
}

/// The bash completion file, run by bash: the words after the global
/// options go to `esxsh complete`, with those options (the URI with its
/// ':' and '=' intact).
#[test]
fn bash_completion_asks_esxsh() {
    let sim = Sim::start();
    let Some(sh) = Shell::new(&sim) else { return };
    let Some(bash) = require("bash", common::which("bash")) else {
        return;
    };
    let script = repo_dir().join("contrib/bash-completion/esxsh");
    let run = |line: &str| -> Vec<String> {
        let prog = format!(
            "source '{}'\nCOMP_LINE=\"$1\"; COMP_POINT=${{#COMP_LINE}}; COMP_WORDS=({})\n\
             _esxsh_complete esxsh\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
            script.display(),
            sh.bin.display()
        );
        let o = Command::new(&bash)
            .env_remove("LD_LIBRARY_PATH")
            .env("LIBVIRT_AUTH_FILE", sh.tmp.0.join("no-auth.conf"))
            .arg("-c")
            .arg(prog)
            .arg("bash")
            .arg(line)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", text(&o.stderr));
        let mut v: Vec<String> = text(&o.stdout)
            .lines()
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect();
        v.sort();
        v
    };
    let g = format!("esxsh -c {} --password-file {}", sh.uri, sh.pw.display());
    assert_eq!(run(&format!("{g} vol-l")), ["vol-list"]);
    assert_eq!(run(&format!("{g} domstate ser")), ["serial-04"]);
    assert_eq!(run(&format!("{g} pool-info da")), ["datastore1"]);
    assert_eq!(
        run(&format!("{g} vol-path --pool datastore1 alp")),
        ["alpine-01/alpine-01.vmdk"]
    );
    assert_eq!(run("esxsh --rea"), ["--readonly"]);
    assert_eq!(run("esxsh -q dumpx"), ["dumpxml"]);
}

/// edit and snapshot-edit as virsh runs them against ESX: the editor on a
/// copy; unchanged is said so; a change that ESX cannot apply (an existing
/// VM or snapshot is never redefined) fails and changes nothing.
#[test]
fn edit_and_snapshot_edit() {
    let sim = Sim::with_args(&["--task-ms", "5"]);
    let Some(sh) = Shell::new(&sim) else { return };
    sh.run(&["snapshot-create-as", "debian-02", "s1"]);
    let o = sh
        .cmd()
        .env("EDITOR", "true")
        .args(["edit", "debian-02"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(
        text(&o.stdout),
        "Domain 'debian-02' XML configuration not changed.\n\n"
    );
    let o = sh
        .cmd()
        .env("EDITOR", "true")
        .args(["snapshot-edit", "debian-02", "s1"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(
        text(&o.stdout),
        "Snapshot s1 XML configuration not changed.\n\n"
    );
    // VISUAL wins over EDITOR; the edited document is defined, which ESX
    // refuses for an existing domain.
    sim.reset_stats();
    let o = sh
        .cmd()
        .env("EDITOR", "false")
        .env("VISUAL", "sed -i s/2097152/1048576/")
        .args(["edit", "debian-02"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(
        err.contains("editing existing domains is not supported"),
        "{err}"
    );
    assert_eq!(
        sim.count("ReconfigVM_Task") + sim.count("RegisterVM_Task"),
        0
    );
    let o = sh
        .cmd()
        .env("EDITOR", "sed -i s/s1/s2/")
        .args(["snapshot-edit", "debian-02", "--current"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("error: Failed to update s1"),
        "{}",
        text(&o.stderr)
    );
    assert_eq!(sim.vm("debian-02")["snapshot_count"], "1");
}

// ------------------------------------------------------- nothing lost

/// A failed vol-download removes only a regular file it created itself:
/// a file (or a link) that was there before stays, as virsh does.
#[test]
fn a_failed_download_removes_only_a_file_it_created() {
    let sim = Sim::start();
    let Some(sh) = Shell::new(&sim) else { return };
    let o = sh.run(&[
        "vol-create-as",
        "datastore1",
        "f/v.vmdk",
        "1M",
        "--allocation",
        "0",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    // The host sends 300000 bytes of the 1 MiB it announced, then closes.
    sim.control("action=host_mode&cut=300000");
    let keep = sh.tmp.0.join("keep.bin");
    std::fs::write(&keep, "precious\n").unwrap();
    let link = sh.tmp.0.join("link.bin");
    let target = sh.tmp.0.join("target.bin");
    std::fs::write(&target, "also precious\n").unwrap();
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let fresh = sh.tmp.0.join("fresh.bin");
    for (file, existed) in [(&keep, true), (&link, true), (&fresh, false)] {
        let o = sh.run(&[
            "vol-download",
            "--pool",
            "datastore1",
            "f/v.vmdk",
            file.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(1), "{file:?}: {}", text(&o.stderr));
        assert!(
            text(&o.stderr).contains("cannot receive data from volume"),
            "{}",
            text(&o.stderr)
        );
        assert_eq!(
            std::fs::symlink_metadata(file).is_ok(),
            existed,
            "{file:?} after a failed download"
        );
    }
    assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
    assert!(target.exists());
    assert_eq!(sim.sessions()["sessions"], 0);
}

/// A reader that goes away is a write error esxsh reports, then it logs
/// out and exits 1 (SIGPIPE is ignored, as virsh does).
#[test]
fn a_closed_pipe_is_a_write_error_not_a_signal() {
    let sim = Sim::start();
    let Some(sh) = Shell::new(&sim) else { return };
    let o = sh.run(&[
        "vol-create-as",
        "datastore1",
        "f/v.vmdk",
        "3M",
        "--allocation",
        "0",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let mut c = sh.cmd();
    c.args([
        "vol-download",
        "--pool",
        "datastore1",
        "f/v.vmdk",
        "/dev/stdout",
    ])
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = c.spawn().expect("esxsh");
    let mut out = child.stdout.take().unwrap();
    let mut first = [0u8; 10];
    std::io::Read::read_exact(&mut out, &mut first).unwrap();
    // 3 MiB do not fit in a pipe: esxsh is still writing when it closes.
    drop(out);
    let o = child.wait_with_output().unwrap();
    assert_eq!(
        o.status.code(),
        Some(1),
        "{:?} {}",
        o.status,
        text(&o.stderr)
    );
    assert!(
        text(&o.stderr).contains("cannot write to /dev/stdout: Broken pipe"),
        "{}",
        text(&o.stderr)
    );
    assert_eq!(sim.sessions()["sessions"], 0);
}
