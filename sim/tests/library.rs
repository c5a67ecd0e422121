// SPDX-License-Identifier: LGPL-2.1-or-later
//! esx-sim as a library: several simulators in one process, each with its
//! own state, typed controls, idle-session expiry, and a clean stop.

use std::time::Duration;

use esx_sim::{FaultKind, Power, Sim};
use esx_vi::{Client, Safety, Secret};

fn client(sim: &Sim) -> Client {
    let uri = esx_common::uri::parse(&format!("esx://root@127.0.0.1:{}/?no_verify=1", sim.port()))
        .expect("uri");
    Client::connect(&uri, "root", Secret::new("esx-sim")).expect("login")
}

fn current_time(c: &Client) -> esx_common::error::Result<Vec<esx_vi::Value>> {
    let si = esx_vi::MoRef::new("ServiceInstance", "ServiceInstance");
    c.invoke("CurrentTime", &si, "", Safety::ReadOnly)
}

#[test]
fn two_simulators_in_one_process_keep_their_own_state() {
    let a = Sim::builder().vms(3).task_ms(10).start().expect("a");
    let b = Sim::builder().start().expect("b");
    assert_ne!(a.port(), b.port());
    let (ca, cb) = (client(&a), client(&b));
    a.reset_stats();
    b.reset_stats();
    // A fault armed on one is not seen by the other.
    a.inject(
        "CurrentTime",
        FaultKind::Soap("SystemError".into(), "armed".into()),
        1,
    );
    let e = current_time(&ca).unwrap_err();
    assert!(e.to_string().contains("armed"), "{e}");
    current_time(&cb).expect("b is unaffected");
    current_time(&ca).expect("the fault was used up");
    assert_eq!(a.count("CurrentTime"), 2);
    assert_eq!(b.count("CurrentTime"), 1);
    // Typed controls name the VM; an unknown one is an error, not a panic.
    a.set_power("vm-0002", Power::PoweredOn).expect("known VM");
    assert!(
        a.set_power("debian-02", Power::PoweredOn).is_err(),
        "not in a's inventory"
    );
    b.set_power("debian-02", Power::PoweredOn)
        .expect("in b's default inventory");
}

#[test]
fn idle_sessions_expire_and_expire_sessions_ends_them_at_once() {
    let sim = Sim::builder()
        .session_timeout(Duration::from_millis(300))
        .start()
        .expect("start");
    let c = client(&sim);
    current_time(&c).expect("fresh session");
    sim.reset_stats();
    std::thread::sleep(Duration::from_millis(450));
    current_time(&c).expect("logged in again");
    assert_eq!(sim.count("Login"), 1, "idle expiry: {:?}", sim.stats());
    sim.expire_sessions();
    current_time(&c).expect("logged in again");
    assert_eq!(sim.count("Login"), 2, "explicit expiry: {:?}", sim.stats());
}

#[test]
fn dropping_a_simulator_stops_it_and_removes_its_datastore() {
    let sim = Sim::builder().start().expect("start");
    let (port, dir) = (sim.port(), sim.datastore_dir().to_path_buf());
    assert!(dir.is_dir());
    drop(sim);
    assert!(!dir.exists(), "temporary datastore removed");
    // The listener is closed: a new connection is refused (or, if the port
    // was reused at once by someone else, at least not by us: nothing
    // answers as esx-sim).
    let refused = (0..50).any(|_| {
        let r = std::net::TcpStream::connect(("127.0.0.1", port)).is_err();
        if !r {
            std::thread::sleep(Duration::from_millis(20));
        }
        r
    });
    assert!(refused, "port {port} still accepts connections");
}

#[test]
fn builder_options_are_the_program_options() {
    let b = esx_sim::Builder::from_args(["--vms", "2", "--http", "--task-ms", "5"]).expect("ok");
    let sim = b.start().expect("start");
    assert_eq!(sim.scheme(), "http");
    assert_eq!(sim.thumbprints(), ("", ""));
    for bad in [
        vec!["--vms"],
        vec!["--vms", "x"],
        vec!["--cert", "c"],
        vec!["--http", "--cert", "c", "--key", "k"],
        vec!["--vm-moref", "q"],
        vec!["--nope"],
    ] {
        let r = esx_sim::Builder::from_args(bad.clone()).and_then(|b| b.start().map(|_| ()));
        assert!(r.is_err(), "{bad:?} accepted");
    }
}
