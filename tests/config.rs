// SPDX-License-Identifier: LGPL-2.1-or-later
//! Domain information and configuration (issue 4): every read against the
//! simulator's view and its request count, every setter's effect on the
//! simulator, and every bad input refused with libvirt's error code and
//! nothing changed on the host.

mod common;

use common::{Password, Sim, PASSWORD};
use esx_driver::driver::config::{ParamValue, Params, TypedParam};
use esx_driver::driver::flags::esxDomainVcpuFlags::ESX_DOMAIN_VCPU_MAXIMUM;
use esx_driver::driver::Connection;
use esx_driver::error::Code;

fn setup() -> (Sim, Connection) {
    let sim = Sim::with_args(&["--task-ms", "50"]);
    let c = sim.connect("");
    (sim, c)
}

fn code<T: std::fmt::Debug>(r: esx_driver::Result<T>) -> (Code, String) {
    let e = r.expect_err("expected an error");
    (e.code(), e.to_string())
}

/// Asserts that `f` costs exactly one request (a RetrievePropertiesEx).
fn one_request<T>(sim: &Sim, f: impl FnOnce() -> T) -> T {
    sim.reset_stats();
    let v = f();
    let stats = sim.stats();
    assert_eq!(stats["total"], 1, "{stats:?}");
    assert_eq!(sim.count("RetrievePropertiesEx"), 1);
    v
}

fn p(name: &str, v: ParamValue) -> TypedParam {
    TypedParam::new(name, v)
}

#[test]
fn info_of_every_default_vm_costs_one_request() {
    let (sim, c) = setup();
    for (name, state, mem_mb, cpus) in [
        ("alpine-01", 1, 1024, 1),
        ("debian-02", 5, 2048, 2),
        ("win2019-03", 3, 4096, 4),
        ("serial-04", 5, 512, 1),
        ("copied-05", 5, 1024, 1),
    ] {
        let d = c.domains().domain_lookup_by_name(name).unwrap();
        let info = one_request(&sim, || c.domains().domain_get_info(&d).unwrap());
        assert_eq!(info.state, state, "{name}");
        assert_eq!(info.max_mem_kib, mem_mb * 1024, "{name}");
        // No memory limit: the domain may use all of its memory.
        assert_eq!(info.memory_kib, mem_mb * 1024, "{name}");
        assert_eq!(info.nr_virt_cpu as u64, cpus, "{name}");
        assert_eq!(info.cpu_time_ns, 0);
        assert_eq!(sim.vm(name)["memory_mb"], mem_mb.to_string());
        assert_eq!(
            one_request(&sim, || c.domains().domain_get_max_memory(&d).unwrap()),
            mem_mb * 1024
        );
        assert_eq!(
            one_request(&sim, || c.domains().domain_get_vcpus_flags(&d, 0).unwrap()) as u64,
            cpus
        );
    }
}

#[test]
fn memory_limit_and_maximum() {
    let (sim, c) = setup();
    let d = c.domains().domain_lookup_by_name("debian-02").unwrap();

    // The used memory is the limit, in MiB rounded up.
    c.domains().domain_set_memory(&d, 1024 * 1024 + 1).unwrap();
    assert_eq!(sim.vm("debian-02")["mem_limit"], "1025");
    assert_eq!(
        c.domains().domain_get_info(&d).unwrap().memory_kib,
        1025 * 1024
    );

    // Above the maximum: refused before any task starts.
    sim.reset_stats();
    let (k, msg) = code(c.domains().domain_set_memory(&d, 4 * 1024 * 1024));
    assert_eq!(k, Code::InvalidArg);
    assert!(msg.contains("higher than max memory"), "{msg}");
    assert_eq!(sim.count("ReconfigVM_Task"), 0);
    assert_eq!(sim.vm("debian-02")["mem_limit"], "1025");
    let (k, _) = code(c.domains().domain_set_memory(&d, 1024));
    assert_eq!(k, Code::InvalidArg, "below the ESX minimum");

    // The maximum needs the VM powered off, and is rounded up to 4 MiB.
    c.domains()
        .domain_set_max_memory(&d, 3 * 1024 * 1024 + 1)
        .unwrap();
    assert_eq!(sim.vm("debian-02")["memory_mb"], "3076");
    assert_eq!(c.domains().domain_get_max_memory(&d).unwrap(), 3076 * 1024);
    c.domains()
        .domain_set_memory_flags(&d, 2 * 1024 * 1024, (ESX_DOMAIN_VCPU_MAXIMUM as u32) | 1)
        .unwrap();
    assert_eq!(sim.vm("debian-02")["memory_mb"], "2048");
    for bad in [0, 1024, 7 * 1024 * 1024 * 1024] {
        assert_eq!(
            code(c.domains().domain_set_max_memory(&d, bad)).0,
            Code::InvalidArg,
            "{bad}"
        );
    }
    assert_eq!(
        code(c.domains().domain_set_memory_flags(&d, 2048 * 1024, 8)).0,
        Code::InvalidArg
    );

    let a = c.domains().domain_lookup_by_name("alpine-01").unwrap();
    sim.reset_stats();
    let (k, msg) = code(c.domains().domain_set_max_memory(&a, 2 * 1024 * 1024));
    assert_eq!(k, Code::OperationInvalid);
    assert!(msg.contains("powered off"), "{msg}");
    assert_eq!(sim.count("ReconfigVM_Task"), 0);
    assert_eq!(sim.vm("alpine-01")["memory_mb"], "1024");
    assert_eq!(sim.sessions()["filters"], 0);
}

#[test]
fn memory_parameters_are_the_reservation() {
    let (sim, c) = setup();
    let d = c.domains().domain_lookup_by_name("win2019-03").unwrap();
    let got = one_request(&sim, || {
        c.domains()
            .domain_get_memory_parameters(&d, 16, 0)
            .map(Params::into_values)
            .unwrap()
    });
    assert_eq!(got, vec![p("min_guarantee", ParamValue::ULLong(0))]);

    c.domains()
        .domain_set_memory_parameters(
            &d,
            &[p("min_guarantee", ParamValue::ULLong(512 * 1024 + 1))],
            0,
        )
        .unwrap();
    assert_eq!(sim.vm("win2019-03")["mem_reservation"], "513");
    assert_eq!(
        c.domains()
            .domain_get_memory_parameters(&d, 16, 2)
            .map(Params::into_values)
            .unwrap(),
        vec![p("min_guarantee", ParamValue::ULLong(513 * 1024))]
    );

    sim.reset_stats();
    for (params, want) in [
        (
            vec![p("min_guarantee", ParamValue::Int(5))],
            "invalid type 'int'",
        ),
        (
            vec![p("hard_limit", ParamValue::ULLong(5))],
            "'hard_limit' not supported",
        ),
        (
            vec![p("min_guarantee", ParamValue::ULLong(8 * 1024 * 1024))],
            "above the domain's memory",
        ),
    ] {
        let (k, msg) = code(c.domains().domain_set_memory_parameters(&d, &params, 0));
        assert_eq!(k, Code::InvalidArg);
        assert!(msg.contains(want), "{msg}");
    }
    assert_eq!(
        code(c.domains().domain_set_memory_parameters(&d, &[], 16)).0,
        Code::InvalidArg
    );
    assert_eq!(
        code(
            c.domains()
                .domain_get_memory_parameters(&d, 16, 16)
                .map(Params::into_values)
        )
        .0,
        Code::InvalidArg
    );
    assert_eq!(sim.count("ReconfigVM_Task"), 0);
    assert_eq!(sim.vm("win2019-03")["mem_reservation"], "513");
}

#[test]
fn vcpus_within_the_host_limit() {
    let (sim, c) = setup();
    let d = c.domains().domain_lookup_by_name("debian-02").unwrap();
    assert_eq!(c.connect_get_max_vcpus(None).unwrap(), 64);
    // Read once per connection.
    sim.reset_stats();
    assert_eq!(
        c.domains()
            .domain_get_vcpus_flags(&d, ESX_DOMAIN_VCPU_MAXIMUM as u32)
            .unwrap(),
        64
    );
    assert_eq!(sim.stats()["total"], 0);

    c.domains().domain_set_vcpus_flags(&d, 8, 0).unwrap();
    assert_eq!(sim.vm("debian-02")["num_cpu"], "8");
    assert_eq!(c.domains().domain_get_vcpus_flags(&d, 0).unwrap(), 8);

    sim.reset_stats();
    let (k, msg) = code(c.domains().domain_set_vcpus_flags(&d, 65, 0));
    assert_eq!(k, Code::InvalidArg);
    assert!(msg.contains("65 > 64"), "{msg}");
    assert_eq!(
        code(c.domains().domain_set_vcpus_flags(&d, 0, 0)).0,
        Code::InvalidArg
    );
    assert_eq!(
        code(c.domains().domain_set_vcpus_flags(&d, 2, 4)).0,
        Code::InvalidArg,
        "MAXIMUM is not settable"
    );
    assert_eq!(
        code(c.domains().domain_get_vcpus_flags(&d, 32)).0,
        Code::InvalidArg
    );

    // Cores per socket: the count must be a multiple.
    let w = c.domains().domain_lookup_by_name("win2019-03").unwrap();
    let (k, msg) = code(c.domains().domain_set_vcpus_flags(&w, 3, 0));
    assert_eq!(k, Code::InvalidArg);
    assert!(msg.contains("multiple of 2"), "{msg}");

    // Running without CPU hot add.
    let a = c.domains().domain_lookup_by_name("alpine-01").unwrap();
    let (k, msg) = code(c.domains().domain_set_vcpus_flags(&a, 2, 0));
    assert_eq!(k, Code::OperationInvalid);
    assert!(msg.contains("powered off"), "{msg}");
    assert_eq!(sim.count("ReconfigVM_Task"), 0);
    assert_eq!(sim.vm("debian-02")["num_cpu"], "8");
    assert_eq!(sim.vm("win2019-03")["num_cpu"], "4");
    assert_eq!(sim.vm("alpine-01")["num_cpu"], "1");

    // The host's limit comes from the host.
    sim.control("action=max_vcpus&n=16");
    let c2 = sim.connect("");
    assert_eq!(c2.connect_get_max_vcpus(None).unwrap(), 16);
    let d2 = c2.domains().domain_lookup_by_name("debian-02").unwrap();
    assert_eq!(
        code(c2.domains().domain_set_vcpus_flags(&d2, 32, 0)).0,
        Code::InvalidArg
    );
}

#[test]
fn scheduler_allocation() {
    let (sim, c) = setup();
    let d = c.domains().domain_lookup_by_name("serial-04").unwrap();
    let got = one_request(&sim, || {
        c.domains()
            .domain_get_scheduler_parameters_flags(&d, 16, 0)
            .unwrap()
    });
    assert_eq!(
        got,
        vec![
            p("reservation", ParamValue::LLong(0)),
            p("limit", ParamValue::LLong(-1)),
            p("shares", ParamValue::Int(-2)),
        ]
    );

    c.domains()
        .domain_set_scheduler_parameters_flags(
            &d,
            &[
                p("reservation", ParamValue::LLong(500)),
                p("limit", ParamValue::LLong(2000)),
                p("shares", ParamValue::Int(1234)),
            ],
            0,
        )
        .unwrap();
    let vm = sim.vm("serial-04");
    assert_eq!(
        (
            &*vm["cpu_reservation"],
            &*vm["cpu_limit"],
            &*vm["cpu_shares"],
            &*vm["cpu_shares_level"]
        ),
        ("500", "2000", "1234", "custom")
    );
    assert_eq!(
        c.domains()
            .domain_get_scheduler_parameters_flags(&d, 16, 0)
            .unwrap()[2],
        p("shares", ParamValue::Int(1234))
    );

    // The special share levels.
    for (v, level, shares) in [
        (-1, "low", "500"),
        (-3, "high", "2000"),
        (-2, "normal", "1000"),
    ] {
        c.domains()
            .domain_set_scheduler_parameters_flags(&d, &[p("shares", ParamValue::Int(v))], 0)
            .unwrap();
        let vm = sim.vm("serial-04");
        assert_eq!(vm["cpu_shares_level"], level);
        // ESX derives the number from the level (per vCPU).
        assert_eq!(vm["cpu_shares"], shares);
        assert_eq!(
            c.domains()
                .domain_get_scheduler_parameters_flags(&d, 16, 0)
                .unwrap()[2],
            p("shares", ParamValue::Int(v))
        );
    }

    sim.reset_stats();
    for (params, want) in [
        (
            vec![p("shares", ParamValue::Int(-4))],
            "Could not set shares",
        ),
        (
            vec![p("reservation", ParamValue::LLong(-5))],
            "expecting positive",
        ),
        (vec![p("limit", ParamValue::LLong(-2))], "-1 (unlimited)"),
        (
            vec![p("limit", ParamValue::LLong(100))],
            "below the reservation",
        ),
        (vec![p("shares", ParamValue::LLong(5))], "expected 'int'"),
        (vec![p("limit", ParamValue::Int(5))], "expected 'llong'"),
        (
            vec![p("weight", ParamValue::Int(5))],
            "'weight' not supported",
        ),
    ] {
        let (k, msg) = code(
            c.domains()
                .domain_set_scheduler_parameters_flags(&d, &params, 0),
        );
        assert_eq!(k, Code::InvalidArg, "{params:?}");
        assert!(msg.contains(want), "{msg}");
    }
    assert_eq!(
        code(
            c.domains()
                .domain_set_scheduler_parameters_flags(&d, &[], 4)
        )
        .0,
        Code::InvalidArg
    );
    assert_eq!(
        code(c.domains().domain_get_scheduler_parameters_flags(&d, 16, 8)).0,
        Code::InvalidArg
    );
    // VIR_TYPED_PARAM_STRING_OKAY, which virsh always passes.
    assert_eq!(
        c.domains()
            .domain_get_scheduler_parameters_flags(&d, 16, 4)
            .unwrap()
            .len(),
        3
    );
    assert_eq!(
        c.domains()
            .domain_get_memory_parameters(&d, 16, 4)
            .map(Params::into_values)
            .unwrap()
            .len(),
        1
    );
    assert_eq!(sim.count("ReconfigVM_Task"), 0);
    let vm = sim.vm("serial-04");
    assert_eq!(
        (&*vm["cpu_reservation"], &*vm["cpu_limit"]),
        ("500", "2000")
    );
}

#[test]
fn autostart_enables_the_host_switch() {
    let (sim, c) = setup();
    let d = c.domains().domain_lookup_by_name("debian-02").unwrap();
    assert!(!one_request(&sim, || c
        .domains()
        .domain_get_autostart(&d)
        .unwrap()));
    c.domains().domain_set_autostart(&d, true).unwrap();
    assert_eq!(sim.vm("debian-02")["autostart"], "powerOn");
    assert!(c.domains().domain_get_autostart(&d).unwrap());
    assert!(!c
        .domains()
        .domain_get_autostart(&c.domains().domain_lookup_by_name("alpine-01").unwrap())
        .unwrap());
    c.domains().domain_set_autostart(&d, false).unwrap();
    assert_eq!(sim.vm("debian-02")["autostart"], "none");
    assert!(!c.domains().domain_get_autostart(&d).unwrap());

    let ro = Connection::open(&sim.uri(""), Some(&mut Password(PASSWORD)), true).unwrap();
    let rd = ro.domains().domain_lookup_by_name("debian-02").unwrap();
    assert_eq!(
        code(ro.domains().domain_set_autostart(&rd, true)).0,
        Code::OperationDenied
    );
    assert_eq!(sim.vm("debian-02")["autostart"], "none");
}

#[test]
fn guest_hostname_and_addresses_through_tools() {
    let (sim, c) = setup();
    let a = c.domains().domain_lookup_by_name("alpine-01").unwrap();
    assert_eq!(
        one_request(&sim, || c.domains().domain_get_hostname(&a, 0).unwrap()),
        "alpine-01.lab.example"
    );
    assert_eq!(
        c.domains().domain_get_hostname(&a, 2).unwrap(),
        "alpine-01.lab.example"
    );
    assert_eq!(
        code(c.domains().domain_get_hostname(&a, 1)).0,
        Code::ArgumentUnsupported
    );
    assert_eq!(
        code(c.domains().domain_get_hostname(&a, 4)).0,
        Code::InvalidArg
    );

    let ifs = one_request(&sim, || {
        c.domains().domain_interface_addresses(&a, 1, 0).unwrap()
    });
    assert_eq!(ifs.len(), 1);
    // The network's name, as libvirt's ESX driver names guest interfaces.
    assert_eq!(ifs[0].name, "VM Network");
    assert!(ifs[0].hwaddr.starts_with("00:0c:29:"), "{}", ifs[0].hwaddr);
    assert_eq!(
        ifs[0].addrs,
        vec![
            (0, "10.0.0.11".to_string(), 24),
            (1, "fe80::20c:29ff:fe00:101".to_string(), 64)
        ]
    );
    assert_eq!(
        code(c.domains().domain_interface_addresses(&a, 0, 0)).0,
        Code::ArgumentUnsupported
    );
    assert_eq!(
        code(c.domains().domain_interface_addresses(&a, 2, 0)).0,
        Code::ArgumentUnsupported
    );
    assert_eq!(
        code(c.domains().domain_interface_addresses(&a, 7, 0)).0,
        Code::InvalidArg
    );
    assert_eq!(
        code(c.domains().domain_interface_addresses(&a, 1, 1)).0,
        Code::InvalidArg
    );

    // Not running, and Tools not running.
    let d = c.domains().domain_lookup_by_name("debian-02").unwrap();
    let (k, msg) = code(c.domains().domain_get_hostname(&d, 0));
    assert_eq!(k, Code::OperationInvalid);
    assert!(msg.contains("is not running"), "{msg}");
    sim.control("action=set_tools&vm=alpine-01&running=0");
    let (k, msg) = code(c.domains().domain_interface_addresses(&a, 1, 0));
    assert_eq!(k, Code::AgentUnresponsive);
    assert!(msg.contains("VMware Tools"), "{msg}");
    assert_eq!(
        code(c.domains().domain_get_hostname(&a, 0)).0,
        Code::AgentUnresponsive
    );
}
