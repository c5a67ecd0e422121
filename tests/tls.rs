// SPDX-License-Identifier: LGPL-2.1-or-later
//! TLS policy: verification by default, no_verify=1, thumbprint=, cacert=.

mod common;

use common::{Password, Sim, TempDir, PASSWORD};
use esx_driver::driver::Connection;
use esx_driver::error::Code;

fn open(uri: &str) -> esx_driver::Result<Connection> {
    Connection::open(uri, Some(&mut Password(PASSWORD)), false)
}

#[test]
fn self_signed_certificate_is_refused_with_advice() {
    let sim = Sim::start();
    let e = open(&sim.uri_with("")).unwrap_err();
    assert_eq!(e.code(), Code::Rpc);
    let m = e.message();
    for needle in ["no_verify=1", "cacert=", "thumbprint=", &sim.sha256] {
        assert!(m.contains(needle), "missing {needle:?} in: {m}");
    }
    assert_eq!(
        sim.count("Login"),
        0,
        "nothing is sent over an unverified channel"
    );
}

#[test]
fn thumbprint_pins_the_certificate_in_every_form() {
    let sim = Sim::start();
    let forms = [
        sim.sha1.clone(),
        sim.sha1.replace(':', ""),
        sim.sha256.clone(),
        sim.sha256.replace(':', "").to_lowercase(),
    ];
    for tp in &forms {
        let c = open(&sim.uri_with(&format!("thumbprint={tp}")))
            .unwrap_or_else(|e| panic!("{tp}: {e}"));
        assert_eq!(c.connect_list_all_domains(0).unwrap().len(), 5);
        assert!(c.connect_is_secure());
    }
    let wrong = "AB".repeat(32);
    let e = open(&sim.uri_with(&format!("thumbprint={wrong}"))).unwrap_err();
    assert_eq!(e.code(), Code::Rpc);
    assert!(
        e.message().contains("does not match thumbprint="),
        "{}",
        e.message()
    );
    assert!(e.message().contains(&sim.sha256), "{}", e.message());
    let wrong1 = "CD".repeat(20);
    assert!(open(&sim.uri_with(&format!("thumbprint={wrong1}"))).is_err());
}

#[test]
fn cacert_trusts_a_pem_bundle() {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
    let dir = TempDir::new("tls");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "esx-driver test CA");
    let ca_key = KeyPair::generate().unwrap();
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let leaf_params =
        CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()]).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = leaf_params.signed_by(&leaf_key, &ca, &ca_key).unwrap();
    let (ca_pem, cert, key) = (
        dir.0.join("ca.pem"),
        dir.0.join("cert.pem"),
        dir.0.join("key.pem"),
    );
    std::fs::write(&ca_pem, ca.pem()).unwrap();
    std::fs::write(&cert, leaf.pem()).unwrap();
    std::fs::write(&key, leaf_key.serialize_pem()).unwrap();

    let sim = Sim::with_args(&[
        "--cert",
        cert.to_str().unwrap(),
        "--key",
        key.to_str().unwrap(),
    ]);
    let c = open(&sim.uri_with(&format!("cacert={}", ca_pem.display()))).unwrap();
    assert!(c.connect_is_secure());
    assert_eq!(c.node().node_get_info().unwrap().cpus, 40);
    // The system store does not know the test CA.
    assert!(open(&sim.uri_with("")).is_err());
    // A bundle with an unrelated CA does not help.
    let other = CertificateParams::new(Vec::<String>::new())
        .unwrap()
        .self_signed(&KeyPair::generate().unwrap())
        .unwrap();
    let other_pem = dir.0.join("other.pem");
    std::fs::write(&other_pem, other.pem()).unwrap();
    assert!(open(&sim.uri_with(&format!("cacert={}", other_pem.display()))).is_err());
    // Unreadable and empty bundles name the parameter.
    let e = open(&sim.uri_with("cacert=/nonexistent/ca.pem")).unwrap_err();
    assert_eq!(e.code(), Code::InvalidArg);
    assert!(e.message().contains("'cacert'"));
    let empty = dir.0.join("empty.pem");
    std::fs::write(&empty, "not a certificate\n").unwrap();
    assert!(open(&sim.uri_with(&format!("cacert={}", empty.display())))
        .unwrap_err()
        .message()
        .contains("'cacert'"));
}

#[test]
fn connection_refused_is_an_rpc_error() {
    let e = open("esx://root@127.0.0.1:1/?no_verify=1").unwrap_err();
    assert_eq!(e.code(), Code::Rpc);
    assert!(e.message().contains("127.0.0.1:1"), "{}", e.message());
}

/// The host's own self-signed certificate, marked CA:TRUE as ESX's and many
/// appliances' are, named by cacert=: trusted as itself (curl and libvirt
/// accept it), with its names and dates still checked.
#[test]
fn cacert_naming_the_hosts_own_ca_certificate_is_trusted() {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
    let dir = TempDir::new("tls-own");
    let make = |names: Vec<String>, not_after: Option<(i32, u8, u8)>| {
        let mut p = CertificateParams::new(names).unwrap();
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        if let Some((y, m, d)) = not_after {
            p.not_before = rcgen::date_time_ymd(y - 2, m, d);
            p.not_after = rcgen::date_time_ymd(y, m, d);
        }
        let key = KeyPair::generate().unwrap();
        let cert = p.self_signed(&key).unwrap();
        (cert.pem(), key.serialize_pem())
    };
    let start = |(cert, key): (String, String), tag: &str| {
        let (c, k) = (
            dir.0.join(format!("{tag}.pem")),
            dir.0.join(format!("{tag}.key")),
        );
        std::fs::write(&c, cert).unwrap();
        std::fs::write(&k, key).unwrap();
        let sim = Sim::with_args(&["--cert", c.to_str().unwrap(), "--key", k.to_str().unwrap()]);
        (sim, c)
    };
    let (sim, pem) = start(make(vec!["127.0.0.1".into()], None), "own");
    let c = open(&sim.uri_with(&format!("cacert={}", pem.display())))
        .unwrap_or_else(|e| panic!("the host's own certificate: {e}"));
    assert!(c.connect_is_secure());
    assert_eq!(c.connect_list_all_domains(0).unwrap().len(), 5);
    // Default verification stays strict: a self-signed CA is no trust anchor
    // from the system store.
    let e = open(&sim.uri_with("")).unwrap_err();
    assert!(e.message().contains("cacert="), "{}", e.message());

    // Names are checked: a certificate for another name is refused, and the
    // advice does not repeat cacert= (already given).
    let (other_name, pem2) = start(make(vec!["esx.example".into()], None), "wrong-name");
    let e = open(&other_name.uri_with(&format!("cacert={}", pem2.display()))).unwrap_err();
    assert!(
        e.message().contains("not valid for name"),
        "{}",
        e.message()
    );
    assert!(!e.message().contains("add thumbprint"), "{}", e.message());
    assert!(!e.message().contains("cacert=<"), "{}", e.message());

    // Dates are checked.
    let (expired, pem3) = start(
        make(vec!["127.0.0.1".into()], Some((2020, 1, 1))),
        "expired",
    );
    let e = open(&expired.uri_with(&format!("cacert={}", pem3.display()))).unwrap_err();
    assert!(
        e.message().to_lowercase().contains("expired"),
        "{}",
        e.message()
    );
}

/// No error suggests a parameter that is already given.
#[test]
fn tls_advice_never_repeats_a_given_parameter() {
    let sim = Sim::start();
    let wrong = "AB".repeat(32);
    let e = open(&sim.uri_with(&format!("thumbprint={wrong}"))).unwrap_err();
    let m = e.message();
    assert!(
        !m.contains("add thumbprint") && !m.contains("no_verify=1"),
        "{m}"
    );
    let e = open(&sim.uri_with("")).unwrap_err();
    assert!(e.message().contains("no_verify=1"), "{}", e.message());
}
