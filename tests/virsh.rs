//! Fidelity: libvirt's own ESX driver (virsh from Debian's libvirt-clients)
//! against esx-sim, and the same answers from this driver. libvirt is strict
//! about xsi:type and property shapes, as real ESX writes them; if virsh
//! fails, the simulator is wrong.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::{require, which, Sim, TempDir, PASSWORD};
use esx_driver::driver::{Authenticator, Connection, CredentialKind, CredentialRequest, ListFlags};

struct Pw;
impl Authenticator for Pw {
    fn supports(&self, _: CredentialKind) -> bool {
        true
    }
    fn ask(&mut self, _: &CredentialRequest) -> esx_driver::Result<Option<String>> {
        Ok(Some(PASSWORD.into()))
    }
}

pub struct Virsh {
    bin: PathBuf,
    uri: String,
    auth: PathBuf,
    _tmp: TempDir,
}

impl Virsh {
    pub fn new(sim: &Sim) -> Option<Virsh> {
        let bin = require("virsh (Debian's libvirt-clients)", which("virsh"))?;
        let tmp = TempDir::new("virsh");
        let auth = tmp.0.join("auth.conf");
        std::fs::write(
            &auth,
            format!("[credentials-sim]\nusername=root\npassword={PASSWORD}\n\n[auth-esx-127.0.0.1]\ncredentials=sim\n"),
        )
        .unwrap();
        Some(Virsh {
            bin,
            uri: sim.uri(""),
            auth,
            _tmp: tmp,
        })
    }

    pub fn run(&self, args: &[&str]) -> String {
        let out = Command::new(&self.bin)
            .env("LIBVIRT_AUTH_FILE", &self.auth)
            .args(["-q", "-c", &self.uri])
            .args(args)
            .output()
            .expect("run virsh");
        assert!(
            out.status.success(),
            "virsh {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

fn ours(sim: &Sim) -> Connection {
    Connection::open(&sim.uri(""), Some(&mut Pw), false).unwrap()
}

#[test]
fn virsh_list_matches_ours() {
    let sim = Sim::start();
    let Some(v) = Virsh::new(&sim) else { return };
    let mut theirs: Vec<(String, String)> = v
        .run(&["list", "--all"])
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let p: Vec<&str> = l.split_whitespace().collect();
            (p[1].to_string(), p[0].to_string())
        })
        .collect();
    theirs.sort();
    let mut mine: Vec<(String, String)> = ours(&sim)
        .list_all_domains(ListFlags(0))
        .unwrap()
        .into_iter()
        .map(|d| {
            (
                d.name,
                if d.id < 0 {
                    "-".to_string()
                } else {
                    d.id.to_string()
                },
            )
        })
        .collect();
    mine.sort();
    assert_eq!(theirs, mine);
}

#[test]
fn virsh_nodeinfo_capabilities_hostname_match_ours() {
    let sim = Sim::start();
    let Some(v) = Virsh::new(&sim) else { return };
    let c = ours(&sim);
    let n = c.node_info().unwrap();
    let info = v.run(&["nodeinfo"]);
    let field = |label: &str| -> String {
        info.lines()
            .find(|l| l.starts_with(label))
            .map(|l| l[label.len()..].trim().to_string())
            .unwrap_or_default()
    };
    assert_eq!(field("CPU model:"), n.model);
    assert_eq!(field("CPU(s):"), n.cpus.to_string());
    assert_eq!(field("CPU frequency:"), format!("{} MHz", n.mhz));
    assert_eq!(field("CPU socket(s):"), n.sockets.to_string());
    assert_eq!(field("Core(s) per socket:"), n.cores.to_string());
    assert_eq!(field("Thread(s) per core:"), n.threads.to_string());
    assert_eq!(field("NUMA cell(s):"), n.nodes.to_string());
    assert_eq!(field("Memory size:"), format!("{} KiB", n.memory_kib));
    assert_eq!(
        v.run(&["capabilities"]).trim_end(),
        c.capabilities_xml().unwrap().trim_end()
    );
    assert_eq!(v.run(&["hostname"]).trim(), c.hostname().unwrap());
    for vm in ["alpine-01", "debian-02", "win2019-03"] {
        let uuid = v.run(&["domuuid", vm]);
        let d = c.lookup_by_name(vm).unwrap();
        assert_eq!(
            uuid.trim(),
            esx_driver::driver::domain::format_uuid(&d.uuid)
        );
    }
}
