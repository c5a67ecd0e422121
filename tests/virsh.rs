// SPDX-License-Identifier: LGPL-2.1-or-later
//! Fidelity: libvirt's own ESX driver (virsh from Debian's libvirt-clients)
//! against esx-sim, and the same answers from this driver. libvirt is strict
//! about xsi:type and property shapes, as real ESX writes them; if virsh
//! fails, the simulator is wrong.

mod common;

use std::process::Command;

use common::{build_dir, password_file, require, Sim, TempDir, Virsh};
use esx_driver::driver::config::{ParamValue, TypedParam};
use esx_driver::driver::Connection;

fn ours(sim: &Sim) -> Connection {
    sim.connect("")
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
        .connect_list_all_domains(0)
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
    let n = c.node().node_get_info().unwrap();
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
        c.connect_get_capabilities().unwrap().trim_end()
    );
    assert_eq!(
        v.run(&["hostname"]).trim(),
        c.connect_get_hostname().unwrap()
    );
    for vm in ["alpine-01", "debian-02", "win2019-03"] {
        let uuid = v.run(&["domuuid", vm]);
        let d = c.domains().domain_lookup_by_name(vm).unwrap();
        assert_eq!(
            uuid.trim(),
            esx_driver::driver::domain::format_uuid(&d.uuid)
        );
    }
}

/// esxsh's stdout for one command, or None when esxsh is not built.
fn esxsh(sim: &Sim, args: &[&str]) -> Option<String> {
    let prog = require(
        "build/esxsh (make c-programs)",
        Some(build_dir().join("esxsh")),
    )?;
    let tmp = TempDir::new("virsh-esxsh");
    let out = Command::new(prog)
        .env_remove("LD_LIBRARY_PATH")
        .arg("-c")
        .arg(sim.uri(""))
        .arg("--password-file")
        .arg(password_file(&tmp.0))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "esxsh {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn virsh_dominfo_and_schedinfo_match_esxsh() {
    let sim = Sim::with_args(&["--task-ms", "50"]);
    let Some(v) = Virsh::new(&sim) else { return };
    // Values away from the defaults, set by this driver, read by libvirt's.
    let c = ours(&sim);
    let d = c.domains().domain_lookup_by_name("debian-02").unwrap();
    c.domains().domain_set_memory(&d, 1536 * 1024).unwrap();
    c.domains().domain_set_vcpus_flags(&d, 4, 0).unwrap();
    c.domains()
        .domain_set_scheduler_parameters_flags(
            &d,
            &[
                TypedParam::new("reservation", ParamValue::LLong(300)),
                TypedParam::new("limit", ParamValue::LLong(4000)),
                TypedParam::new("shares", ParamValue::Int(-3)),
            ],
            0,
        )
        .unwrap();
    let s = c.domains().domain_lookup_by_name("serial-04").unwrap();
    c.domains()
        .domain_set_scheduler_parameters_flags(
            &s,
            &[TypedParam::new("shares", ParamValue::Int(777))],
            0,
        )
        .unwrap();
    c.domains().domain_set_autostart(&s, true).unwrap();

    for vm in [
        "alpine-01",
        "debian-02",
        "win2019-03",
        "serial-04",
        "copied-05",
    ] {
        for cmd in ["dominfo", "schedinfo"] {
            let Some(mine) = esxsh(&sim, &[cmd, vm]) else {
                return;
            };
            let theirs = v.run(&[cmd, vm]);
            assert_eq!(mine.trim_end(), theirs.trim_end(), "{cmd} {vm}");
        }
    }
    let Some(mine) = esxsh(&sim, &["domhostname", "alpine-01"]) else {
        return;
    };
    assert_eq!(mine, v.run_loud(&["domhostname", "alpine-01"]).0);
    let Some(mine) = esxsh(&sim, &["domifaddr", "alpine-01"]) else {
        return;
    };
    // esxsh's default source is the agent (VMware Tools), virsh's the lease.
    assert_eq!(
        mine,
        v.run_loud(&["domifaddr", "alpine-01", "--source", "agent"])
            .0
    );
    // And the other way: libvirt's setters, read back by this driver.
    // (`virsh setmem` fails on libvirt's ESX driver itself: it refuses the
    // AFFECT_LIVE flag virsh passes.)
    v.run(&["schedinfo", "debian-02", "--set", "shares=1234"]);
    v.run(&["autostart", "--disable", "serial-04"]);
    assert!(!c.domains().domain_get_autostart(&s).unwrap());
    assert_eq!(
        c.domains()
            .domain_get_scheduler_parameters_flags(&d, 16, 0)
            .unwrap()[2],
        TypedParam::new("shares", ParamValue::Int(1234))
    );
}

#[test]
fn virsh_snapshot_tree_and_xml_match_esxsh() {
    let sim = Sim::with_args(&["--task-ms", "20"]);
    let Some(v) = Virsh::new(&sim) else { return };
    let c = ours(&sim);
    let d = c.domains().domain_lookup_by_name("debian-02").unwrap();
    let mk = |name: &str| {
        c.snapshots().domain_snapshot_create_xml(
            &d,
            &format!("<domainsnapshot><name>{name}</name><description>about {name} &amp; more</description></domainsnapshot>"),
            0,
        )
        .unwrap();
    };
    // root -> (a -> (a1, a2 -> a2x), b, c -> c1): branches, depths, last
    // children with and without descendants.
    mk("root");
    mk("a");
    mk("a1");
    c.snapshots().domain_revert_to_snapshot(&d, "a", 0).unwrap();
    mk("a2");
    mk("a2x");
    c.snapshots()
        .domain_revert_to_snapshot(&d, "root", 0)
        .unwrap();
    mk("b");
    c.snapshots()
        .domain_revert_to_snapshot(&d, "root", 0)
        .unwrap();
    mk("c");
    mk("c1");
    let a = c.domains().domain_lookup_by_name("alpine-01").unwrap();
    c.snapshots()
        .domain_snapshot_create_xml(&a, "<domainsnapshot><name>on</name></domainsnapshot>", 0)
        .unwrap();

    for (vm, args) in [
        ("debian-02", &["--tree"][..]),
        ("alpine-01", &["--tree"][..]),
    ] {
        let mut cmd = vec!["snapshot-list", vm];
        cmd.extend_from_slice(args);
        let Some(mine) = esxsh(&sim, &cmd) else {
            return;
        };
        assert_eq!(mine, v.run_loud(&cmd).0, "{cmd:?}");
    }
    for (vm, snap) in [
        ("debian-02", "root"),
        ("debian-02", "a2x"),
        ("debian-02", "c"),
        ("alpine-01", "on"),
    ] {
        let Some(mine) = esxsh(&sim, &["snapshot-dumpxml", vm, snap]) else {
            return;
        };
        assert_eq!(
            mine.trim_end(),
            v.run(&["snapshot-dumpxml", vm, snap]).trim_end(),
            "{vm} {snap}"
        );
    }
    assert_eq!(
        v.run(&["snapshot-current", "debian-02", "--name"]).trim(),
        "c1"
    );
    assert_eq!(v.run(&["snapshot-parent", "debian-02", "a2x"]).trim(), "a2");
    // libvirt's driver deletes what this one created; this one sees it.
    v.run(&["snapshot-delete", "debian-02", "a", "--children"]);
    assert_eq!(
        c.snapshots().domain_list_all_snapshots(&d, 0).unwrap(),
        ["root", "b", "c", "c1"].map(String::from).to_vec()
    );
}

#[test]
fn virsh_dumpxml_equals_esxsh_dumpxml_for_every_vm() {
    let sim = Sim::start();
    let Some(v) = Virsh::new(&sim) else { return };
    for vm in [
        "alpine-01",
        "debian-02",
        "win2019-03",
        "serial-04",
        "copied-05",
    ] {
        for flags in [&[][..], &["--inactive"][..]] {
            let mut args = vec!["dumpxml", vm];
            args.extend_from_slice(flags);
            let Some(mine) = esxsh(&sim, &args) else {
                return;
            };
            assert_eq!(mine.trim_end(), v.run(&args).trim_end(), "{args:?}");
        }
    }
}

/// esxsh list prints what virsh list prints, for its selection flags.
#[test]
fn esxsh_list_flags_print_what_virsh_prints() {
    let sim = Sim::start();
    let Some(v) = Virsh::new(&sim) else { return };
    let c = ours(&sim);
    let s = c.domains().domain_lookup_by_name("serial-04").unwrap();
    c.domains().domain_set_autostart(&s, true).unwrap();
    for args in [
        &["list"][..],
        &["list", "--all"],
        &["list", "--inactive"],
        &["list", "--state-running"],
        &["list", "--state-paused"],
        &["list", "--state-shutoff"],
        &["list", "--all", "--autostart"],
        &["list", "--all", "--no-autostart"],
        &["list", "--all", "--without-snapshot"],
        &["list", "--all", "--name"],
        &["list", "--all", "--uuid"],
        &["list", "--all", "--name", "--uuid"],
    ] {
        let (theirs, err) = v.run_loud(args);
        let Some(mine) = esxsh(&sim, args) else {
            return;
        };
        assert_eq!(mine.trim_end(), theirs.trim_end(), "{args:?}: {err}");
    }
}

/// esxsh's stdout and stderr with more environment.
fn esxsh_env(sim: &Sim, args: &[&str], env: &[(&str, &str)]) -> Option<(String, String)> {
    let prog = require(
        "build/esxsh (make c-programs)",
        Some(build_dir().join("esxsh")),
    )?;
    let tmp = TempDir::new("virsh-esxsh-env");
    let out = Command::new(prog)
        .env_remove("LD_LIBRARY_PATH")
        .envs(env.iter().copied())
        .arg("-c")
        .arg(sim.uri(""))
        .arg("--password-file")
        .arg(password_file(&tmp.0))
        .args(args)
        .output()
        .unwrap();
    Some((
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}

/// The commands esxsh gained and the formats it fixed print exactly what
/// virsh prints, headers, confirmations and virsh's blank line after each
/// command included (no -q on either side).
#[test]
fn esxsh_new_commands_and_flags_print_what_virsh_prints() {
    let sim = Sim::with_args(&["--task-ms", "20"]);
    let Some(v) = Virsh::new(&sim) else { return };
    let env = [("TZ", "UTC")];
    let same = |args: &[&str]| -> Option<String> {
        let (theirs, their_err) = v.run_loud_env(args, &env);
        let (mine, my_err) = esxsh_env(&sim, args, &env)?;
        assert_eq!(
            mine, theirs,
            "{args:?}\nesxsh: {my_err}\nvirsh: {their_err}"
        );
        assert_eq!(my_err, their_err, "{args:?}");
        Some(mine)
    };
    for vm in [
        "alpine-01",
        "debian-02",
        "win2019-03",
        "serial-04",
        "copied-05",
    ] {
        for args in [
            &["domstate", vm, "--reason"][..],
            &["desc", vm],
            &["domblklist", vm],
            &["domblklist", vm, "--details"],
            &["domblklist", vm, "--inactive"],
            &["domiflist", vm],
        ] {
            same(args);
        }
    }
    same(&["freecell"]);
    for pool in ["datastore1", "nfs-iso"] {
        let Some(uuid) = same(&["pool-uuid", pool]) else {
            return;
        };
        same(&["pool-name", uuid.trim()]);
    }
    same(&["vol-name", "[datastore1] debian-02/debian-02.vmdk"]);
    same(&["domid", "nope"]);

    // Snapshots: root -> (a -> a1, b), taken by this driver.
    let c = ours(&sim);
    let d = c.domains().domain_lookup_by_name("debian-02").unwrap();
    let mk = |name: &str| {
        c.snapshots()
            .domain_snapshot_create_xml(
                &d,
                &format!("<domainsnapshot><name>{name}</name><description>{name}'s</description></domainsnapshot>"),
                0,
            )
            .unwrap();
    };
    mk("root");
    mk("a");
    mk("a1");
    c.snapshots()
        .domain_revert_to_snapshot(&d, "root", 0)
        .unwrap();
    mk("b");
    for args in [
        &["snapshot-list", "debian-02"][..],
        &["snapshot-list", "debian-02", "--parent"],
        &["snapshot-list", "debian-02", "--roots"],
        &["snapshot-list", "debian-02", "--leaves"],
        &["snapshot-list", "debian-02", "--leaves", "--parent"],
        &["snapshot-list", "debian-02", "--name"],
        &["snapshot-list", "debian-02", "--from", "root"],
        &[
            "snapshot-list",
            "debian-02",
            "--from",
            "root",
            "--descendants",
        ],
        &["snapshot-list", "debian-02", "--from", "a", "--tree"],
        &["snapshot-list", "debian-02", "--current", "--tree"],
        &["snapshot-list", "alpine-01"],
        &["snapshot-info", "debian-02", "root"],
        &["snapshot-info", "debian-02", "a1"],
        &["snapshot-info", "debian-02", "--current"],
        &["snapshot-current", "debian-02"],
        &["snapshot-current", "debian-02", "--name"],
        &["snapshot-current", "alpine-01", "--name"],
        &["snapshot-parent", "debian-02", "--current"],
        &["snapshot-parent", "debian-02", "root"],
        &["snapshot-dumpxml", "debian-02", "a"],
    ] {
        same(args);
    }
    // Each reverts and creates from a file; the other reads the result.
    let Some(_) = same(&["snapshot-revert", "debian-02", "a"]) else {
        return;
    };
    same(&["snapshot-current", "debian-02", "--name"]);
    let tmp = TempDir::new("snap-xml");
    for who in ["virsh", "esxsh"] {
        let file = tmp.0.join(format!("{who}.xml"));
        std::fs::write(
            &file,
            format!("<domainsnapshot><name>from-{who}</name><description>made by {who}</description></domainsnapshot>"),
        )
        .unwrap();
        let args = ["snapshot-create", "debian-02", file.to_str().unwrap()];
        let out = if who == "virsh" {
            v.run_loud(&args).0
        } else {
            esxsh(&sim, &args).unwrap()
        };
        assert_eq!(
            out,
            format!(
                "Domain snapshot from-{who} created from '{}'\n",
                file.display()
            )
        );
    }
    same(&["snapshot-info", "debian-02", "from-virsh"]);
    same(&["snapshot-info", "debian-02", "from-esxsh"]);
    same(&["snapshot-list", "debian-02", "--tree"]);
    // Each deletes the other's.
    let (theirs, _) = v.run_loud(&["snapshot-delete", "debian-02", "from-esxsh"]);
    assert_eq!(theirs, "Domain snapshot from-esxsh deleted\n\n");
    let mine = esxsh(&sim, &["snapshot-delete", "debian-02", "from-virsh"]).unwrap();
    assert_eq!(mine, theirs.replace("esxsh", "virsh"));
}

/// Names wider or longer in bytes than on screen are padded by their
/// width on the terminal, as virsh pads them, in a UTF-8 locale and in C.
#[test]
fn esxsh_list_pads_multibyte_names_as_virsh() {
    let tmp = TempDir::new("inventory");
    let inv = tmp.0.join("inventory");
    std::fs::write(
        &inv,
        "[vm café-01]\npower = poweredOn\n[vm 日本語-02]\n[vm plain-03]\npower = poweredOn\n[vm ünïcödé-long-04]\n",
    )
    .unwrap();
    let sim = Sim::with_args(&["--inventory", inv.to_str().unwrap()]);
    let Some(v) = Virsh::new(&sim) else { return };
    for locale in ["C.UTF-8", "C"] {
        let env = [("LC_ALL", locale)];
        for args in [
            &["list", "--all"][..],
            &["list"],
            &["list", "--all", "--name"],
        ] {
            let (theirs, err) = v.run_loud_env(args, &env);
            let Some((mine, my_err)) = esxsh_env(&sim, args, &env) else {
                return;
            };
            assert_eq!(mine, theirs, "{locale} {args:?}: {err}{my_err}");
        }
    }
    let (mine, _) = esxsh_env(&sim, &["list", "--all"], &[("LC_ALL", "C.UTF-8")]).unwrap();
    assert!(mine.contains(" 日本語-02         shut off\n"), "{mine}");
}
