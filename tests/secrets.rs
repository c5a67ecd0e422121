// SPDX-License-Identifier: LGPL-2.1-or-later
//! No password, cookie value or session key in any log line at any level,
//! SOAP traces included (issue 7, item 5). This binary installs its own
//! logger at trace level and drives logins, re-logins, failures, faults
//! and the C-facing log path through it.

mod common;

use std::sync::{Arc, Mutex};

use common::{Password, Sim};
use esx_driver::driver::Connection;

/// A password that appears nowhere else (not in host names or paths).
const SECRET: &str = "Pa55-w0rd_q7ZxK";

struct Capture(Arc<Mutex<Vec<String>>>);
impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata) -> bool {
        true
    }
    fn log(&self, r: &log::Record) {
        // The simulator runs in this process; what the host logs is not
        // the driver's log.
        if r.target().starts_with("esx_sim") {
            return;
        }
        if let Ok(mut v) = self.0.lock() {
            v.push(format!("{} {}: {}", r.level(), r.target(), r.args()));
        }
    }
    fn flush(&self) {}
}

#[test]
fn no_secret_in_any_log_line() {
    let lines = Arc::new(Mutex::new(Vec::new()));
    log::set_boxed_logger(Box::new(Capture(lines.clone()))).expect("logger");
    log::set_max_level(log::LevelFilter::Trace);

    let sim = Sim::with_args(&["--password", SECRET, "--task-ms", "20"]);
    let mut secrets = vec![SECRET.to_string()];
    let c = Connection::open(&sim.uri(""), Some(&mut Password(SECRET)), false).unwrap();
    secrets.extend(sim.secrets());
    let d = c.domains().domain_lookup_by_name("debian-02").unwrap();
    c.connect_list_all_domains(0).unwrap();
    c.domains().domain_create_with_flags(&d, 0).unwrap();
    c.snapshots()
        .domain_snapshot_create_xml(&d, "<domainsnapshot><name>s</name></domainsnapshot>", 0)
        .unwrap();
    // Expiry and re-login: a second cookie and key.
    sim.control("action=expire_sessions");
    c.domains().domain_get_info(&d).unwrap();
    secrets.extend(sim.secrets());
    // Faults on the way, each logged.
    sim.control("action=fault&method=RetrievePropertiesEx&kind=drop_after");
    c.domains().domain_get_info(&d).unwrap();
    sim.control("action=fault&method=RetrievePropertiesEx&kind=malformed");
    let _ = c.domains().domain_get_info(&d);
    sim.control("action=fault&method=RetrievePropertiesEx&kind=soap&type=SystemError");
    let _ = c.domains().domain_get_info(&d);
    c.domains().domain_destroy_flags(&d, 0).unwrap();
    drop(c);
    // A wrong password (its text must not be logged either).
    let wrong = "Wr0ng-Pa55_u2Yv";
    assert!(Connection::open(&sim.uri(""), Some(&mut Password(wrong)), false).is_err());
    secrets.push(wrong.to_string());

    let lines = lines.lock().unwrap();
    assert!(
        lines.iter().any(|l| l.contains("request Login")),
        "SOAP traces were captured"
    );
    assert!(lines.iter().any(|l| l.contains("<password>***</password>")));
    assert!(secrets.len() >= 5, "{secrets:?}");
    for s in &secrets {
        for l in lines.iter() {
            assert!(!l.contains(s.as_str()), "a secret in the log: {l}");
        }
    }
}
