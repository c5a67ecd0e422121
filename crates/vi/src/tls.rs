// SPDX-License-Identifier: LGPL-2.1-or-later
//! The TLS policy of a connection (docs/design.md section 3):
//!
//! - by default the host's certificate chain is verified against the
//!   system's store, with rustls's strict algorithms;
//! - `cacert=FILE` verifies against the CAs in FILE; a certificate in FILE
//!   that the host presents itself (ESX's self-signed certificate, often
//!   marked CA:TRUE) is trusted as itself, as OpenSSL and so curl and
//!   libvirt trust it: its names and dates are still checked;
//! - `thumbprint=` accepts exactly the pinned certificate;
//! - `no_verify=1` accepts any certificate.
//!
//! Where the user named the certificate (pin, exact cacert entry) or asked
//! for no verification, the handshake signature is still checked, with RSA
//! keys from 1024 bits: ring refuses keys below 2048 bits, which older
//! hosts, appliances and govmomi's simulator still use.

use std::sync::{Arc, Mutex};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{
    verify_tls12_signature, verify_tls13_signature, CryptoProvider, WebPkiSupportedAlgorithms,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{
    alg_id, AlgorithmIdentifier, CertificateDer, InvalidSignature, ServerName,
    SignatureVerificationAlgorithm, UnixTime,
};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::error::{Error, Result};
use crate::uri::{ParsedUri, Thumbprint};

/// The largest cacert= bundle read (the system bundle is about 200 KiB).
pub const MAX_CACERT_BYTES: u64 = 8 * 1024 * 1024;

/// SHA-256 fingerprint as colon-separated upper-case hex.
pub fn sha256_fingerprint(der: &[u8]) -> String {
    let d = ring::digest::digest(&ring::digest::SHA256, der);
    d.as_ref()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The client configuration for `uri`, and the verifier that remembers a
/// rejected certificate (for the error message) when the chain is verified.
pub fn client_config(
    uri: &ParsedUri,
) -> Result<(rustls::ClientConfig, Option<Arc<ChainVerifier>>)> {
    let provider = provider();
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::internal(format!("TLS setup failed: {e}")))?;
    if uri.no_verify {
        let config = builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Verifier(AnyCertificate)))
            .with_no_client_auth();
        return Ok((config, None));
    }
    if let Some(tp) = &uri.thumbprint {
        let config = builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Verifier(PinnedCertificate {
                thumbprint: tp.clone(),
            })))
            .with_no_client_auth();
        return Ok((config, None));
    }
    let mut roots = RootCertStore::empty();
    let mut exact = Vec::new();
    if let Some(path) = &uri.cacert {
        let pem = crate::files::read_regular(path, MAX_CACERT_BYTES, "Query parameter 'cacert':")?;
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&pem)
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| {
                Error::invalid_arg(format!(
                    "Query parameter 'cacert': '{}' is not a PEM certificate bundle: {e}",
                    path.display()
                ))
            })?;
        if certs.is_empty() {
            return Err(Error::invalid_arg(format!(
                "Query parameter 'cacert': '{}' holds no certificate",
                path.display()
            )));
        }
        exact = certs.clone();
        // Certificates webpki cannot use as anchors (1024-bit keys, odd
        // extensions) can still be trusted as themselves.
        let (_added, _ignored) = roots.add_parsable_certificates(certs);
    } else {
        let native = rustls_native_certs::load_native_certs();
        for e in &native.errors {
            log::debug!("system certificate store: {e}");
        }
        roots.add_parsable_certificates(native.certs);
    }
    let inner = if roots.is_empty() {
        None
    } else {
        Some(
            WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(|e| Error::internal(format!("TLS verifier setup failed: {e}")))?,
        )
    };
    let verifier = Arc::new(Verifier(Chain {
        inner,
        exact,
        rejected: Mutex::new(None),
    }));
    let config = builder
        .dangerous()
        .with_custom_certificate_verifier(verifier.clone())
        .with_no_client_auth();
    Ok((config, Some(verifier)))
}

/// What decides about a certificate; the handshake signature is then
/// checked with `algorithms(cert)`.
trait CertPolicy: std::fmt::Debug + Send + Sync {
    fn check(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error>;

    /// A certificate the user named (or chose not to verify) may have a
    /// short RSA key.
    fn algorithms(&self, _cert: &CertificateDer<'_>) -> &'static WebPkiSupportedAlgorithms {
        &LEGACY_ALGS
    }
}

/// The one rustls verifier: a policy, and signature checks as it says.
#[derive(Debug)]
pub struct Verifier<P>(P);

impl<P: CertPolicy> ServerCertVerifier for Verifier<P> {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        self.0
            .check(end_entity, intermediates, server_name, ocsp, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, self.0.algorithms(cert))
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, self.0.algorithms(cert))
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        LEGACY_ALGS.supported_schemes()
    }
}

/// The verifier of chain-verified connections, whose last rejection the
/// transport reports.
pub type ChainVerifier = Verifier<Chain>;

impl ChainVerifier {
    pub fn last_rejected(&self) -> Option<String> {
        self.0.rejected.lock().ok().and_then(|r| r.clone())
    }
}

/// Chain verification (system store or cacert=) that also trusts a cacert=
/// certificate presented as itself, and remembers the fingerprint of a
/// rejected certificate so that the error can show what to pin.
#[derive(Debug)]
pub struct Chain {
    inner: Option<Arc<WebPkiServerVerifier>>,
    exact: Vec<CertificateDer<'static>>,
    rejected: Mutex<Option<String>>,
}

impl Chain {
    fn is_exact(&self, cert: &CertificateDer<'_>) -> bool {
        self.exact.iter().any(|c| c.as_ref() == cert.as_ref())
    }

    fn verify_exact(
        &self,
        end_entity: &CertificateDer<'_>,
        server_name: &ServerName<'_>,
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        let parsed = rustls::server::ParsedCertificate::try_from(end_entity)?;
        rustls::client::verify_server_name(&parsed, server_name)?;
        let invalid = |e| Err(rustls::Error::InvalidCertificate(e));
        match validity(end_entity.as_ref()) {
            Some((not_before, _)) if now.as_secs() < not_before => {
                invalid(rustls::CertificateError::NotValidYet)
            }
            Some((_, not_after)) if now.as_secs() > not_after => {
                invalid(rustls::CertificateError::Expired)
            }
            Some(_) => Ok(ServerCertVerified::assertion()),
            None => invalid(rustls::CertificateError::BadEncoding),
        }
    }
}

impl CertPolicy for Chain {
    fn check(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        let r = if self.is_exact(end_entity) {
            self.verify_exact(end_entity, server_name, now)
        } else {
            match &self.inner {
                Some(v) => v.verify_server_cert(end_entity, intermediates, server_name, ocsp, now),
                None => Err(rustls::Error::InvalidCertificate(
                    rustls::CertificateError::UnknownIssuer,
                )),
            }
        };
        if r.is_err() {
            if let Ok(mut slot) = self.rejected.lock() {
                *slot = Some(sha256_fingerprint(end_entity));
            }
        }
        r
    }

    /// The user's own certificate may have a short key; a chain-verified
    /// one is held to rustls's algorithms.
    fn algorithms(&self, cert: &CertificateDer<'_>) -> &'static WebPkiSupportedAlgorithms {
        if self.is_exact(cert) {
            &LEGACY_ALGS
        } else {
            strict_algorithms()
        }
    }
}

fn strict_algorithms() -> &'static WebPkiSupportedAlgorithms {
    static STRICT: once_cell::sync::Lazy<WebPkiSupportedAlgorithms> =
        once_cell::sync::Lazy::new(|| {
            rustls::crypto::ring::default_provider().signature_verification_algorithms
        });
    &STRICT
}

/// no_verify=1: any certificate; the handshake signature is still checked,
/// so the connection is at least encrypted to whoever holds the key.
#[derive(Debug)]
struct AnyCertificate;

impl CertPolicy for AnyCertificate {
    fn check(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }
}

/// thumbprint=: exactly the pinned certificate, whatever its issuer, name or
/// dates (the way ESX administrators pin hosts).
#[derive(Debug)]
struct PinnedCertificate {
    thumbprint: Thumbprint,
}

impl CertPolicy for PinnedCertificate {
    fn check(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        let algorithm = match self.thumbprint {
            Thumbprint::Sha1(_) => &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
            Thumbprint::Sha256(_) => &ring::digest::SHA256,
        };
        let digest = ring::digest::digest(algorithm, end_entity.as_ref());
        if digest.as_ref() == self.thumbprint.bytes() {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General(format!(
                "the host's certificate does not match thumbprint={:?} (its SHA-256 thumbprint is {})",
                self.thumbprint,
                sha256_fingerprint(end_entity)
            )))
        }
    }
}

// ---------------------------------------------------------------------------
// RSA with keys from 1024 bits.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Padding {
    Pkcs1,
    Pss,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hash {
    Sha256,
    Sha384,
    Sha512,
}

/// An RSA signature algorithm that accepts keys of 1024 to 8192 bits: ring
/// checks keys of 2048 bits and more, the `rsa` crate the shorter ones.
#[derive(Debug)]
struct LegacyRsa {
    padding: Padding,
    hash: Hash,
    strict: &'static dyn SignatureVerificationAlgorithm,
    signature_alg_id: AlgorithmIdentifier,
}

/// The smallest RSA key accepted at all.
const MIN_RSA_BITS: usize = 1024;

impl SignatureVerificationAlgorithm for LegacyRsa {
    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> std::result::Result<(), InvalidSignature> {
        use rsa::pkcs1::DecodeRsaPublicKey;
        use rsa::signature::Verifier;
        use rsa::traits::PublicKeyParts;

        let key = rsa::RsaPublicKey::from_pkcs1_der(public_key).map_err(|_| InvalidSignature)?;
        let bits = key.n().bits();
        if bits >= 2048 {
            return self.strict.verify_signature(public_key, message, signature);
        }
        if bits < MIN_RSA_BITS {
            return Err(InvalidSignature);
        }
        macro_rules! check {
            ($module:ident, $digest:ty) => {{
                let sig =
                    rsa::$module::Signature::try_from(signature).map_err(|_| InvalidSignature)?;
                rsa::$module::VerifyingKey::<$digest>::new(key)
                    .verify(message, &sig)
                    .map_err(|_| InvalidSignature)
            }};
        }
        use rsa::sha2::{Sha256, Sha384, Sha512};
        match (self.padding, self.hash) {
            (Padding::Pkcs1, Hash::Sha256) => check!(pkcs1v15, Sha256),
            (Padding::Pkcs1, Hash::Sha384) => check!(pkcs1v15, Sha384),
            (Padding::Pkcs1, Hash::Sha512) => check!(pkcs1v15, Sha512),
            (Padding::Pss, Hash::Sha256) => check!(pss, Sha256),
            (Padding::Pss, Hash::Sha384) => check!(pss, Sha384),
            (Padding::Pss, Hash::Sha512) => check!(pss, Sha512),
        }
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        alg_id::RSA_ENCRYPTION
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        self.signature_alg_id
    }
}

use webpki::ring as webpki_algs;

static RSA_PKCS1_SHA256: LegacyRsa = LegacyRsa {
    padding: Padding::Pkcs1,
    hash: Hash::Sha256,
    strict: webpki_algs::RSA_PKCS1_2048_8192_SHA256,
    signature_alg_id: alg_id::RSA_PKCS1_SHA256,
};
static RSA_PKCS1_SHA384: LegacyRsa = LegacyRsa {
    padding: Padding::Pkcs1,
    hash: Hash::Sha384,
    strict: webpki_algs::RSA_PKCS1_2048_8192_SHA384,
    signature_alg_id: alg_id::RSA_PKCS1_SHA384,
};
static RSA_PKCS1_SHA512: LegacyRsa = LegacyRsa {
    padding: Padding::Pkcs1,
    hash: Hash::Sha512,
    strict: webpki_algs::RSA_PKCS1_2048_8192_SHA512,
    signature_alg_id: alg_id::RSA_PKCS1_SHA512,
};
static RSA_PSS_SHA256: LegacyRsa = LegacyRsa {
    padding: Padding::Pss,
    hash: Hash::Sha256,
    strict: webpki_algs::RSA_PSS_2048_8192_SHA256_LEGACY_KEY,
    signature_alg_id: alg_id::RSA_PSS_SHA256,
};
static RSA_PSS_SHA384: LegacyRsa = LegacyRsa {
    padding: Padding::Pss,
    hash: Hash::Sha384,
    strict: webpki_algs::RSA_PSS_2048_8192_SHA384_LEGACY_KEY,
    signature_alg_id: alg_id::RSA_PSS_SHA384,
};
static RSA_PSS_SHA512: LegacyRsa = LegacyRsa {
    padding: Padding::Pss,
    hash: Hash::Sha512,
    strict: webpki_algs::RSA_PSS_2048_8192_SHA512_LEGACY_KEY,
    signature_alg_id: alg_id::RSA_PSS_SHA512,
};

/// rustls's ring algorithms with RSA from 1024 bits: only for handshakes
/// with a certificate the user named or chose not to verify.
static LEGACY_ALGS: WebPkiSupportedAlgorithms = WebPkiSupportedAlgorithms {
    all: &[
        webpki_algs::ECDSA_P256_SHA256,
        webpki_algs::ECDSA_P256_SHA384,
        webpki_algs::ECDSA_P384_SHA256,
        webpki_algs::ECDSA_P384_SHA384,
        webpki_algs::ED25519,
        &RSA_PSS_SHA256,
        &RSA_PSS_SHA384,
        &RSA_PSS_SHA512,
        &RSA_PKCS1_SHA256,
        &RSA_PKCS1_SHA384,
        &RSA_PKCS1_SHA512,
    ],
    mapping: &[
        (
            SignatureScheme::ECDSA_NISTP384_SHA384,
            &[
                webpki_algs::ECDSA_P384_SHA384,
                webpki_algs::ECDSA_P256_SHA384,
            ],
        ),
        (
            SignatureScheme::ECDSA_NISTP256_SHA256,
            &[
                webpki_algs::ECDSA_P256_SHA256,
                webpki_algs::ECDSA_P384_SHA256,
            ],
        ),
        (SignatureScheme::ED25519, &[webpki_algs::ED25519]),
        (SignatureScheme::RSA_PSS_SHA512, &[&RSA_PSS_SHA512]),
        (SignatureScheme::RSA_PSS_SHA384, &[&RSA_PSS_SHA384]),
        (SignatureScheme::RSA_PSS_SHA256, &[&RSA_PSS_SHA256]),
        (SignatureScheme::RSA_PKCS1_SHA512, &[&RSA_PKCS1_SHA512]),
        (SignatureScheme::RSA_PKCS1_SHA384, &[&RSA_PKCS1_SHA384]),
        (SignatureScheme::RSA_PKCS1_SHA256, &[&RSA_PKCS1_SHA256]),
    ],
};

// ---------------------------------------------------------------------------
// The validity of a certificate (RFC 5280 4.1.2.5), for the exact-match
// path, where webpki's chain building (which checks dates) is not used.

struct Der<'a> {
    rest: &'a [u8],
}

impl<'a> Der<'a> {
    /// The next TLV: (tag, contents).
    fn next(&mut self) -> Option<(u8, &'a [u8])> {
        let (&tag, rest) = self.rest.split_first()?;
        let (&first, mut rest) = rest.split_first()?;
        let len = if first < 0x80 {
            first as usize
        } else {
            let n = (first & 0x7f) as usize;
            if n == 0 || n > 4 || rest.len() < n {
                return None;
            }
            let mut len = 0usize;
            for &b in &rest[..n] {
                len = (len << 8) | b as usize;
            }
            rest = &rest[n..];
            len
        };
        if rest.len() < len {
            return None;
        }
        let (contents, after) = rest.split_at(len);
        self.rest = after;
        Some((tag, contents))
    }
}

/// (notBefore, notAfter) in seconds since 1970.
fn validity(cert: &[u8]) -> Option<(u64, u64)> {
    let (tag, cert) = Der { rest: cert }.next()?;
    if tag != 0x30 {
        return None;
    }
    let (tag, tbs) = Der { rest: cert }.next()?;
    if tag != 0x30 {
        return None;
    }
    let mut fields = Der { rest: tbs };
    let mut item = fields.next()?;
    if item.0 == 0xa0 {
        item = fields.next()?; // version was present; now the serial
    }
    let _serial = item;
    let _signature = fields.next()?;
    let _issuer = fields.next()?;
    let (tag, validity) = fields.next()?;
    if tag != 0x30 {
        return None;
    }
    let mut v = Der { rest: validity };
    let not_before = der_time(v.next()?)?;
    let not_after = der_time(v.next()?)?;
    Some((not_before, not_after))
}

fn der_time((tag, text): (u8, &[u8])) -> Option<u64> {
    let text = std::str::from_utf8(text).ok()?;
    let digits = text.strip_suffix('Z')?;
    let (year, rest) = match tag {
        // UTCTime: YYMMDDHHMMSS, years 1950-2049.
        0x17 if digits.len() == 12 => {
            let yy: u64 = digits[..2].parse().ok()?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, &digits[2..])
        }
        // GeneralizedTime: YYYYMMDDHHMMSS.
        0x18 if digits.len() == 14 => (digits[..4].parse().ok()?, &digits[4..]),
        _ => return None,
    };
    if !rest.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = |i: usize| rest[i..i + 2].parse::<u64>().ok();
    let (month, day, hour, min, sec) = (n(0)?, n(2)?, n(4)?, n(6)?, n(8)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || min > 59 || sec > 60 {
        return None;
    }
    Some(days_from_civil(year, month, day)? * 86_400 + hour * 3600 + min * 60 + sec)
}

/// Days since 1970-01-01 (Howard Hinnant's algorithm); None before 1970.
fn days_from_civil(y: u64, m: u64, d: u64) -> Option<u64> {
    let y = y as i64 - if m <= 2 { 1 } else { 0 };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    u64::try_from(era * 146_097 + doe - 719_468).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_times() {
        assert_eq!(der_time((0x17, b"700101000000Z")), Some(0));
        assert_eq!(der_time((0x17, b"100408124511Z")), Some(1_270_730_711));
        assert_eq!(der_time((0x18, b"20100408124511Z")), Some(1_270_730_711));
        assert_eq!(der_time((0x18, b"20100408124511")), None);
        assert_eq!(der_time((0x17, b"1004081245xxZ")), None);
        assert_eq!(der_time((0x17, b"101308124511Z")), None);
    }

    #[test]
    fn validity_of_a_generated_certificate() {
        let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
        params.not_before = rcgen::date_time_ymd(2020, 1, 2);
        params.not_after = rcgen::date_time_ymd(2040, 3, 4);
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        let (a, b) = validity(cert.der()).unwrap();
        assert_eq!(a, days_from_civil(2020, 1, 2).unwrap() * 86_400);
        assert_eq!(b, days_from_civil(2040, 3, 4).unwrap() * 86_400);
        assert_eq!(validity(b"\x30\x03\x02\x01"), None);
    }
}
