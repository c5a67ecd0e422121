// SPDX-License-Identifier: LGPL-2.1-or-later
//! The /sdk endpoint: parses a request, checks the session and the
//! method's binding (`_this` must be of the type the schema declares),
//! decodes the parameters with the method's generated request type, runs
//! the method and writes the response or fault as ESX does.

use std::time::{Instant, SystemTime};

use esx_vi::soap::escape;
use esx_vi::vim25;
use esx_vi::wire::{KeepAll, Request, Serve};
use esx_vi::{MoRef, Value};

use crate::fault::Fault;
use crate::http::{Outcome, Response};
use crate::methods::{Ctx, Handler};
use crate::server::{FaultKind, Shared};
use crate::world::{Session, World};

/// A parsed request.
pub struct Call {
    pub method: String,
    pub this: MoRef,
    pub params: Vec<(String, Value)>,
}

impl Call {
    /// The parameters, read as the method's generated request type; a
    /// parameter missing or of the wrong type is InvalidArgument naming it.
    pub fn decode<R: Request>(&self) -> Result<R, Fault> {
        let v = Value::Obj {
            ty: None,
            fields: self.params.clone(),
        };
        R::from_params(&v).map_err(Fault::invalid_argument)
    }
}

pub fn parse_call(body: &str) -> Result<Call, String> {
    let doc = esx_vi::soap::parse_document(body).map_err(|e| format!("not well-formed ({e})"))?;
    let env = doc.root_element();
    let body_el = env
        .children()
        .find(|n| n.is_element() && n.tag_name().name() == "Body")
        .ok_or("no SOAP Body")?;
    let m = body_el
        .children()
        .find(|n| n.is_element())
        .ok_or("empty SOAP Body")?;
    let mut this = None;
    let mut params = Vec::new();
    for c in m.children().filter(|c| c.is_element()) {
        let v = Value::from_node(c);
        if c.tag_name().name() == "_this" {
            if let Some(mr) = v.as_moref() {
                this = Some(mr.clone());
            }
        } else {
            params.push((c.tag_name().name().to_string(), v));
        }
    }
    Ok(Call {
        method: m.tag_name().name().to_string(),
        this: this.ok_or("no _this")?,
        params,
    })
}

pub fn envelope(inner: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<soapenv:Envelope xmlns:soapenc=\"http://schemas.xmlsoap.org/soap/encoding/\"\n xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"\n xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\"\n xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n<soapenv:Body>\n{inner}\n</soapenv:Body>\n</soapenv:Envelope>"
    )
}

pub fn fault_xml(f: &Fault) -> String {
    envelope(&format!(
        "<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>{}</faultstring><detail><{ty}Fault xmlns=\"urn:vim25\" xsi:type=\"{ty}\">{detail}</{ty}Fault></detail></soapenv:Fault>",
        escape(&f.message),
        ty = f.ty,
        detail = f.detail_xml(),
    ))
}

fn soap_response(status: u16, body: String) -> Response {
    Response::new(status, "text/xml; charset=utf-8", body.into_bytes())
        .with_header("Cache-Control", "no-cache")
}

/// What a method returns.
pub enum Ret {
    None,
    /// A value of the method's declared return type (no xsi:type but on
    /// polymorphic values).
    Value(Box<dyn Serve + Send>),
    /// The inner XML of the response element, written already.
    Raw(String),
}

impl Ret {
    pub fn of(v: impl Serve + Send + 'static) -> Ret {
        Ret::Value(Box::new(v))
    }
}

pub fn ok_xml(method: &str, ret: Ret) -> String {
    let mut inner = String::new();
    match ret {
        Ret::None => {}
        Ret::Value(v) => v.write_xml(&mut inner, "returnval", false, &KeepAll),
        Ret::Raw(r) => inner = r,
    }
    envelope(&format!(
        "<{method}Response xmlns=\"urn:vim25\">{inner}</{method}Response>"
    ))
}

/// Methods that work without a session.
pub fn handle(shared: &Shared, body: &[u8], cookie: Option<String>) -> Outcome {
    let text = String::from_utf8_lossy(body);
    let call = match parse_call(&text) {
        Ok(c) => c,
        Err(e) => {
            shared.count("<unparsable>");
            let f = Fault::typed(
                vim25::InvalidRequest {},
                format!("Unable to parse the request: {e}"),
            );
            return Outcome::Respond(soap_response(500, fault_xml(&f)));
        }
    };
    shared.count(&call.method);
    log::debug!("request {}: {}", call.method, text);
    let mut drop_after = false;
    if let Some(kind) = shared.take_fault(&call.method) {
        match kind {
            FaultKind::DropBefore => return Outcome::Drop,
            FaultKind::DropAfter => drop_after = true,
            FaultKind::Http503 => {
                return Outcome::Respond(Response::text(503, "503 Service Unavailable: hostd is restarting"))
            }
            FaultKind::Malformed => {
                return Outcome::Respond(soap_response(
                    200,
                    "<?xml version=\"1.0\"?><soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body><broken".into(),
                ))
            }
            FaultKind::Latency(d) => std::thread::sleep(d),
            FaultKind::Hold => shared.hold(),
            FaultKind::Soap(ty, message) => {
                let f = Fault::named(&ty, message);
                return Outcome::Respond(soap_response(500, fault_xml(&f)));
            }
            FaultKind::Huge => {
                let mut b = String::with_capacity(101 * 1024 * 1024);
                b.push_str("<?xml version=\"1.0\"?><soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body><x>");
                while b.len() < 100 * 1024 * 1024 {
                    b.push_str("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
                }
                b.push_str("</x></soapenv:Body></soapenv:Envelope>");
                return Outcome::Respond(soap_response(200, b));
            }
            FaultKind::Bomb => {
                let mut b = String::from("<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lollollollollollollollollollol\">");
                let mut prev = "lol".to_string();
                for i in 1..10 {
                    let name = format!("lol{i}");
                    b.push_str(&format!("<!ENTITY {name} \"{}\">", format!("&{prev};").repeat(10)));
                    prev = name;
                }
                b.push_str(&format!("]><soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body><{m}Response xmlns=\"urn:vim25\"><returnval>&{prev};</returnval></{m}Response></soapenv:Body></soapenv:Envelope>", m = call.method));
                return Outcome::Respond(soap_response(200, b));
            }
            FaultKind::Deep => {
                let depth = 20_000;
                let b = format!(
                    "<?xml version=\"1.0\"?><soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body><{m}Response xmlns=\"urn:vim25\"><returnval>{}{}</returnval></{m}Response></soapenv:Body></soapenv:Envelope>",
                    // Long names: as many bytes per element as real replies
                    // have, so that the depth is what gives it away.
                    "<nestedElement>".repeat(depth),
                    "</nestedElement>".repeat(depth),
                    m = call.method
                );
                return Outcome::Respond(soap_response(200, b));
            }
            FaultKind::Wide => {
                let mut b = String::with_capacity(33 * 1024 * 1024);
                b.push_str(&format!("<?xml version=\"1.0\"?><soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body><{}Response xmlns=\"urn:vim25\">", call.method));
                let tail = format!("</{}Response></soapenv:Body></soapenv:Envelope>", call.method);
                while b.len() + tail.len() + 4 <= 32 * 1024 * 1024 {
                    b.push_str("<a/>");
                }
                b.push_str(&tail);
                return Outcome::Respond(soap_response(200, b));
            }
            FaultKind::Junk => {
                return Outcome::Respond(soap_response(
                    200,
                    envelope(&format!(
                        "<{m}Response xmlns=\"urn:vim25\"><returnval>junk</returnval></{m}Response>",
                        m = call.method
                    )),
                ))
            }
            FaultKind::Empty | FaultKind::Ignore => {
                return Outcome::Respond(soap_response(
                    200,
                    envelope(&format!("<{m}Response xmlns=\"urn:vim25\"></{m}Response>", m = call.method)),
                ))
            }
            FaultKind::ExpireSession => {
                let mut w = shared.lock();
                w.sessions.clear();
            }
        }
    }
    let (status, xml, set_cookie) = run(shared, &call, cookie);
    log::debug!("response {} ({status}): {xml}", call.method);
    if drop_after {
        return Outcome::Drop;
    }
    let mut resp = soap_response(status, xml);
    if let Some(c) = set_cookie {
        resp = resp.with_header(
            "Set-Cookie",
            &format!("vmware_soap_session=\"{c}\"; Path=/; HttpOnly; Secure;"),
        );
    }
    Outcome::Respond(resp)
}

/// Runs a call: (HTTP status, body, cookie to set).
fn run(shared: &Shared, call: &Call, cookie: Option<String>) -> (u16, String, Option<String>) {
    let mut w = shared.lock();
    let session = cookie.as_deref().and_then(|c| w.session_for_cookie(c));
    w.current_session = session.clone();
    let method = crate::methods::find(&call.method);
    if method.map_or(true, |m| m.needs_session) && session.is_none() {
        let f = Fault::typed(
            vim25::NotAuthenticated {
                object: Some(call.this.clone()),
                privilege_id: Some("System.View".into()),
            },
            "The session is not authenticated.",
        );
        return (500, fault_xml(&f), None);
    }
    let Some(method) = method else {
        return (500, fault_xml(&crate::methods::not_found(call)), None);
    };
    // The method's binding: `_this` of the type the schema declares.
    if !vim25::managed_is_a(&call.this.kind, method.this) {
        return (500, fault_xml(&Fault::invalid_argument("_this")), None);
    }
    let session = session.unwrap_or_default();
    let (result, set_cookie) = match method.handler {
        Handler::Waiting(f) => {
            return match f(shared, w, call, &session) {
                Ok(ret) => (200, ok_xml(&call.method, ret), None),
                Err(f) => (500, fault_xml(&f), None),
            };
        }
        Handler::Locked(f) => {
            let user = w
                .sessions
                .values()
                .find(|s| s.key == session)
                .map(|s| s.user.clone())
                .unwrap_or_default();
            let mut cx = Ctx {
                sh: shared,
                w: &mut w,
                call,
                session: &session,
                user,
                set_cookie: None,
            };
            let r = f(&mut cx);
            (r, cx.set_cookie)
        }
    };
    drop(w);
    shared.changed.notify_all();
    match result {
        Ok(ret) => (200, ok_xml(&call.method, ret), set_cookie),
        Err(f) => (500, fault_xml(&f), set_cookie),
    }
}

pub fn login(c: &mut Ctx, req: vim25::LoginRequest) -> Result<Ret, Fault> {
    if req.user_name != c.w.cfg.user || req.password != c.w.cfg.password {
        return Err(Fault::typed(
            vim25::InvalidLogin {},
            "Cannot complete login due to an incorrect user name or password.",
        ));
    }
    let (cookie, sess) = c.w.new_session(&req.user_name);
    c.set_cookie = Some(cookie);
    c.w.current_session = Some(sess.key.clone());
    Ok(Ret::of(crate::objects::service::user_session(&sess)))
}

impl World {
    pub fn session_for_cookie(&mut self, cookie: &str) -> Option<String> {
        let timeout = self.cfg.session_timeout;
        let key = self
            .sessions
            .get(cookie)
            .map(|s| (s.key.clone(), s.last_active))?;
        if let Some(t) = timeout {
            if key.1.elapsed() > t {
                self.end_session_by_cookie(cookie);
                return None;
            }
        }
        if let Some(s) = self.sessions.get_mut(cookie) {
            s.last_active = Instant::now();
            s.last_active_time = SystemTime::now();
        }
        Some(key.0)
    }

    pub fn new_session(&mut self, user: &str) -> (String, Session) {
        let n = self.next_id;
        self.next_id += 1;
        let seed = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos() as u64
            ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let cookie = format!(
            "{:016x}{:016x}{:08x}",
            seed,
            seed.rotate_left(17) ^ 0xdead_beef,
            n as u32
        );
        let key = format!(
            "52{:06x}-{:04x}-{:04x}-{:04x}-{:012x}",
            seed & 0xff_ffff,
            (seed >> 24) & 0xffff,
            (seed >> 40) & 0xffff,
            n & 0xffff,
            seed.rotate_left(29) & 0xffff_ffff_ffff
        );
        let sess = Session {
            key,
            user: user.to_string(),
            login_time: SystemTime::now(),
            last_active: Instant::now(),
            last_active_time: SystemTime::now(),
        };
        self.sessions.insert(cookie.clone(), sess.clone());
        (cookie, sess)
    }

    fn end_session_by_cookie(&mut self, cookie: &str) {
        if let Some(s) = self.sessions.remove(cookie) {
            self.drop_session_state(&s.key);
        }
    }

    pub fn end_session(&mut self, key: &str) {
        let cookies: Vec<String> = self
            .sessions
            .iter()
            .filter(|(_, s)| s.key == key)
            .map(|(c, _)| c.clone())
            .collect();
        for c in cookies {
            self.end_session_by_cookie(&c);
        }
    }

    /// Everything a session owned dies with it (filters, collectors, views).
    pub fn drop_session_state(&mut self, key: &str) {
        self.objects.retain(|o| o.owner() != Some(key));
        self.collectors.retain(|_, c| c.session != key);
        self.pending.retain(|_, p| p.session != key);
    }
}
