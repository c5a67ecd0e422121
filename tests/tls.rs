//! TLS policy: verification by default, no_verify=1, thumbprint=, cacert=.

mod common;

use common::{Pw, Sim, TempDir};
use esx_driver::driver::{Connection, ListFlags};
use esx_driver::error::Code;

fn open(uri: &str) -> esx_driver::Result<Connection> {
    Connection::open(uri, Some(&mut Pw), false)
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
        assert_eq!(c.list_all_domains(ListFlags(0)).unwrap().len(), 5);
        assert!(c.is_secure());
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
    assert!(c.is_secure());
    assert_eq!(c.node_info().unwrap().cpus, 40);
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
