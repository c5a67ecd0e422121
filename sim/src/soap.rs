// SPDX-License-Identifier: LGPL-2.1-or-later
//! The /sdk endpoint: parses a request, checks the session, runs the method
//! and writes the response or fault as ESX does.

use std::collections::{HashMap, HashSet};
use std::time::{Instant, SystemTime};

use esx_vi::soap::escape;
use esx_vi::Value;

use crate::http::{Outcome, Response};
use crate::methods::{Ctx, Handler};
use crate::model::*;
use crate::server::{FaultKind, Shared};
use crate::world::{is_a, Fault, FilterState, PendingRetrieve, Session, World};

/// A parsed request.
pub struct Call {
    pub method: String,
    pub this: (String, String),
    pub params: Vec<(String, Value)>,
}

impl Call {
    pub fn param(&self, name: &str) -> Option<&Value> {
        self.params.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }
    pub fn params<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
        self.params
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v)
    }
    pub fn str(&self, name: &str) -> Option<String> {
        self.param(name).and_then(|v| v.text()).map(str::to_string)
    }
    pub fn req_str(&self, name: &str) -> Result<String, Fault> {
        self.str(name).ok_or_else(|| Fault::invalid_argument(name))
    }
    pub fn bool(&self, name: &str) -> Option<bool> {
        self.param(name).and_then(Value::as_bool)
    }
    pub fn moref(&self, name: &str) -> Option<(String, String)> {
        self.param(name)
            .and_then(Value::as_moref)
            .map(|m| (m.kind.clone(), m.value.clone()))
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
                this = Some((mr.kind.clone(), mr.value.clone()));
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
    let mut detail = String::new();
    for (n, v) in &f.fields {
        write_field(&mut detail, n, v);
    }
    envelope(&format!(
        "<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>{}</faultstring><detail><{ty}Fault xmlns=\"urn:vim25\" xsi:type=\"{ty}\">{detail}</{ty}Fault></detail></soapenv:Fault>",
        escape(&f.message),
        ty = f.ty
    ))
}

fn soap_response(status: u16, body: String) -> Response {
    Response::new(status, "text/xml; charset=utf-8", body.into_bytes())
        .with_header("Cache-Control", "no-cache")
}

/// What a method returns.
pub enum Ret {
    None,
    /// Values written as `<returnval>` (declared types, no xsi:type).
    Vals(Vec<SVal>),
    /// AnyType return (Fetch): with xsi:type.
    Any(SVal),
    /// Pre-built inner XML of the response element.
    Raw(String),
}

pub fn ok_xml(method: &str, ret: Ret) -> String {
    let mut inner = String::new();
    match ret {
        Ret::None => {}
        Ret::Vals(v) => {
            for x in &v {
                write(&mut inner, "returnval", x, false);
            }
        }
        Ret::Any(v) => write(&mut inner, "returnval", &v, true),
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
            let f = Fault::new(
                "InvalidRequest",
                format!("Unable to parse the request: {e}"),
            );
            return Outcome::Respond(soap_response(500, fault_xml(&f)));
        }
    };
    shared.count(&call.method);
    log::debug!("request {}: {}", call.method, text);
    let mut drop_after = false;
    let mut drop_done = false;
    if let Some(kind) = shared.take_fault(&call.method) {
        match kind {
            FaultKind::DropBefore => return Outcome::Drop,
            FaultKind::DropAfter => drop_after = true,
            FaultKind::DropDone => drop_done = true,
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
                let f = Fault::new(&ty, message);
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
    if drop_done {
        if let Some(task) = xml
            .split_once("<returnval type=\"Task\">")
            .and_then(|(_, r)| r.split_once('<'))
            .map(|(t, _)| t.to_string())
        {
            let mut w = shared.lock();
            crate::tasks::finish_now(shared, &mut w, &task);
        }
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
        let f = Fault::new("NotAuthenticated", "The session is not authenticated.")
            .with("object", moref(call.this.0.clone(), call.this.1.clone()))
            .with("privilegeId", s("System.View"));
        return (500, fault_xml(&f), None);
    }
    let Some(method) = method else {
        return (500, fault_xml(&crate::methods::not_found(call)), None);
    };
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

pub fn login(c: &mut Ctx) -> Result<Ret, Fault> {
    let user = c.call.str("userName").unwrap_or_default();
    let pw = c.call.str("password").unwrap_or_default();
    if user != c.w.cfg.user || pw != c.w.cfg.password {
        return Err(Fault::new(
            "InvalidLogin",
            "Cannot complete login due to an incorrect user name or password.",
        ));
    }
    let (cookie, sess) = c.w.new_session(&user);
    c.set_cookie = Some(cookie);
    c.w.current_session = Some(sess.key.clone());
    Ok(Ret::Vals(vec![crate::props::user_session(&sess)]))
}

pub fn create_property_collector(c: &mut Ctx) -> Result<Ret, Fault> {
    let id = format!("session[{}]{}", c.session, c.w.new_id("pc"));
    let key = collector_key(c.session, &id);
    c.w.collectors.insert(key, Default::default());
    Ok(Ret::Vals(vec![moref("PropertyCollector", id)]))
}

pub fn destroy_property_collector(c: &mut Ctx) -> Result<Ret, Fault> {
    let key = collector_key(c.session, &c.call.this.1);
    if c.w.collectors.remove(&key).is_none() {
        return Err(Fault::not_found_obj("PropertyCollector", &c.call.this.1));
    }
    let id = c.call.this.1.clone();
    c.w.filters.retain(|_, f| f.collector != id);
    Ok(Ret::None)
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
        self.filters.retain(|_, f| f.session != key);
        self.collectors.retain(|_, c| c.session != key);
        self.views.retain(|id, _| !id.contains(key));
        self.pending.retain(|_, p| p.session != key);
    }
}

pub(crate) fn collector_key(session: &str, id: &str) -> String {
    format!("{session}|{id}")
}

// -------------------------------------------------------------------------
// Property collector

/// The objects a filter spec reaches, in discovery order.
fn reach(w: &World, spec: &Value) -> Result<Vec<(String, String)>, Fault> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut seen_out: HashSet<(String, String)> = HashSet::new();
    for os in spec.get_all("objectSet") {
        let obj = os
            .get("obj")
            .and_then(Value::as_moref)
            .ok_or_else(|| Fault::invalid_argument("obj"))?;
        if !w.exists(&obj.kind, &obj.value) {
            return Err(Fault::not_found_obj(&obj.kind, &obj.value));
        }
        let skip = os.bool_field("skip").unwrap_or(false);
        let mut named: HashMap<String, &Value> = HashMap::new();
        collect_named(os, &mut named);
        let selects: Vec<&Value> = os.get_all("selectSet").collect();
        let mut visited = HashSet::new();
        walk(
            w,
            (obj.kind.clone(), obj.value.clone()),
            skip,
            &selects,
            &named,
            &mut visited,
            &mut out,
            &mut seen_out,
        );
    }
    Ok(out)
}

fn collect_named<'a>(v: &'a Value, named: &mut HashMap<String, &'a Value>) {
    for sel in v.get_all("selectSet") {
        if sel.get("path").is_some() {
            if let Some(n) = sel.str_field("name") {
                named.entry(n.to_string()).or_insert(sel);
            }
        }
        collect_named(sel, named);
    }
}

#[allow(clippy::too_many_arguments)]
fn walk(
    w: &World,
    obj: (String, String),
    skip: bool,
    selects: &[&Value],
    named: &HashMap<String, &Value>,
    visited: &mut HashSet<(String, String, String)>,
    out: &mut Vec<(String, String)>,
    seen_out: &mut HashSet<(String, String)>,
) {
    if !skip && seen_out.insert(obj.clone()) {
        out.push(obj.clone());
    }
    for sel in selects {
        let ts = if sel.get("path").is_some() {
            *sel
        } else {
            match sel.str_field("name").and_then(|n| named.get(n)) {
                Some(t) => *t,
                None => continue,
            }
        };
        let kind = ts.str_field("type").unwrap_or("");
        let path = ts.str_field("path").unwrap_or("");
        let tname = ts.str_field("name").unwrap_or(path).to_string();
        if !is_a(&obj.0, kind) {
            continue;
        }
        if !visited.insert((obj.0.clone(), obj.1.clone(), tname)) {
            continue;
        }
        let targets: Vec<(String, String)> = if obj.0 == "ContainerView" && path == "view" {
            match view_contents(w, &obj.1) {
                SVal::List(_, items) => items
                    .into_iter()
                    .filter_map(|i| match i {
                        SVal::MoRef(k, v) => Some((k, v)),
                        _ => None,
                    })
                    .collect(),
                _ => vec![],
            }
        } else {
            match w.property(&obj.0, &obj.1, path) {
                Ok(Some(SVal::MoRef(k, v))) => vec![(k, v)],
                Ok(Some(SVal::List(_, items))) => items
                    .into_iter()
                    .filter_map(|i| match i {
                        SVal::MoRef(k, v) => Some((k, v)),
                        _ => None,
                    })
                    .collect(),
                _ => vec![],
            }
        };
        let tskip = ts.bool_field("skip").unwrap_or(false);
        let next: Vec<&Value> = ts.get_all("selectSet").collect();
        for t in targets {
            walk(w, t, tskip, &next, named, visited, out, seen_out);
        }
    }
}

/// All top-level properties of a type, for `all=true` specs.
fn all_properties(kind: &str) -> &'static [&'static str] {
    match kind {
        "VirtualMachine" => &[
            "name",
            "config",
            "runtime",
            "summary",
            "guest",
            "recentTask",
            "resourcePool",
            "parent",
            "datastore",
            "network",
            "configStatus",
            "overallStatus",
            "snapshot",
            "guestHeartbeatStatus",
        ],
        "HostSystem" => &[
            "name",
            "hardware",
            "summary",
            "runtime",
            "capability",
            "config",
            "configManager",
            "vm",
            "datastore",
            "network",
            "parent",
        ],
        "Datacenter" => &[
            "name",
            "parent",
            "vmFolder",
            "hostFolder",
            "datastoreFolder",
            "networkFolder",
            "datastore",
            "network",
        ],
        "Folder" => &["name", "childEntity", "parent", "childType"],
        "Datastore" => &["name", "summary", "info", "host", "vm", "browser"],
        "Task" => &["info"],
        _ => &["name"],
    }
}

pub(crate) struct Found {
    pub obj: (String, String),
    pub props: Vec<(String, Option<SVal>)>,
    /// Paths the host cannot read (reported in missingSet).
    pub missing: Vec<String>,
}

pub(crate) fn evaluate(w: &World, spec: &Value) -> Result<Vec<Found>, Fault> {
    let mut prop_specs: Vec<(String, bool, Vec<String>)> = Vec::new();
    for ps in spec.get_all("propSet") {
        let ty = ps
            .str_field("type")
            .ok_or_else(|| Fault::invalid_argument("type"))?
            .to_string();
        let all = ps.bool_field("all").unwrap_or(false);
        let paths = ps
            .get_all("pathSet")
            .filter_map(|p| p.text().map(str::to_string))
            .collect();
        prop_specs.push((ty, all, paths));
    }
    let mut out = Vec::new();
    for obj in reach(w, spec)? {
        let matching: Vec<&(String, bool, Vec<String>)> = prop_specs
            .iter()
            .filter(|(t, _, _)| is_a(&obj.0, t))
            .collect();
        if matching.is_empty() {
            continue;
        }
        let mut paths: Vec<String> = Vec::new();
        for (_, all, ps) in &matching {
            if *all {
                paths.extend(all_properties(&obj.0).iter().map(|s| s.to_string()));
            }
            paths.extend(ps.iter().cloned());
        }
        let mut seen = HashSet::new();
        paths.retain(|p| seen.insert(p.clone()));
        let mut props = Vec::new();
        let mut missing = Vec::new();
        for p in paths {
            if w.unreadable(&obj.1, &p) {
                missing.push(p);
                continue;
            }
            match w.property(&obj.0, &obj.1, &p) {
                Ok(v) => props.push((p, v)),
                Err(f) if f.ty == "ManagedObjectNotFound" => break,
                Err(f) => return Err(f),
            }
        }
        out.push(Found {
            obj,
            props,
            missing,
        });
    }
    Ok(out)
}

fn object_content_xml(f: &Found) -> String {
    let mut x = String::from("<objects>");
    write_field(&mut x, "obj", &moref(f.obj.0.clone(), f.obj.1.clone()));
    for (name, val) in &f.props {
        if let Some(v) = val {
            x.push_str("<propSet><name>");
            x.push_str(&escape(name));
            x.push_str("</name>");
            write(&mut x, "val", v, true);
            x.push_str("</propSet>");
        }
    }
    for p in &f.missing {
        x.push_str(&missing_xml(p));
    }
    x.push_str("</objects>");
    x
}

/// A `MissingProperty` for a property the host cannot read.
pub(crate) fn missing_xml(path: &str) -> String {
    format!(
        "<missingSet><path>{}</path><fault><fault xsi:type=\"SystemError\"><reason>The property \
         cannot be read now</reason></fault><localizedMessage>A general system error occurred: \
         the property cannot be read now</localizedMessage></fault></missingSet>",
        escape(path)
    )
}

/// Unauthenticated reads: every property comes back missing with
/// NotAuthenticated, as a vCenter answers (WIRE.md 1.7).
fn unauthenticated_content(spec: &Value) -> String {
    let mut x = String::new();
    for os in spec.get_all("objectSet") {
        let Some(obj) = os.get("obj").and_then(Value::as_moref) else {
            continue;
        };
        x.push_str("<objects>");
        write_field(&mut x, "obj", &moref(obj.kind.clone(), obj.value.clone()));
        for ps in spec.get_all("propSet") {
            for p in ps.get_all("pathSet").filter_map(Value::text) {
                x.push_str(&format!(
                    "<missingSet><path>{}</path><fault><fault xsi:type=\"NotAuthenticated\"><object type=\"{}\">{}</object><privilegeId>System.View</privilegeId></fault><localizedMessage></localizedMessage></fault></missingSet>",
                    escape(p),
                    escape(&obj.kind),
                    escape(&obj.value)
                ));
            }
        }
        x.push_str("</objects>");
    }
    x
}

fn is_service_instance_only(spec: &Value) -> bool {
    spec.get_all("objectSet").all(|o| {
        o.get("obj")
            .and_then(Value::as_moref)
            .is_some_and(|m| m.kind == "ServiceInstance")
    })
}

pub fn retrieve_legacy(w: &World, call: &Call, authenticated: bool) -> Result<Ret, Fault> {
    let mut xml = String::new();
    for spec in call.params("specSet") {
        if !authenticated && !is_service_instance_only(spec) {
            xml.push_str(
                &unauthenticated_content(spec)
                    .replace("<objects>", "<returnval>")
                    .replace("</objects>", "</returnval>"),
            );
            continue;
        }
        for f in evaluate(w, spec)? {
            xml.push_str(
                &object_content_xml(&f)
                    .replacen("<objects>", "<returnval>", 1)
                    .replacen("</objects>", "</returnval>", 1),
            );
        }
    }
    Ok(Ret::Raw(xml))
}

fn page(w: &mut World, session: &str, mut items: Vec<String>, max: usize) -> Ret {
    if items.is_empty() {
        return Ret::None;
    }
    let rest = if items.len() > max {
        items.split_off(max)
    } else {
        Vec::new()
    };
    let mut xml = String::from("<returnval>");
    if !rest.is_empty() {
        let token = w.new_id("");
        xml.push_str(&format!("<token>{token}</token>"));
        w.pending.insert(
            token,
            PendingRetrieve {
                session: session.to_string(),
                rest,
            },
        );
    }
    for i in items {
        xml.push_str(&i);
    }
    xml.push_str("</returnval>");
    Ret::Raw(xml)
}

pub fn retrieve_ex(w: &mut World, call: &Call, session: Option<&str>) -> Result<Ret, Fault> {
    let max = call
        .param("options")
        .and_then(|o| o.i64_field("maxObjects"))
        .filter(|m| *m > 0)
        .map(|m| m as usize)
        .unwrap_or(100_000);
    let mut items = Vec::new();
    for spec in call.params("specSet") {
        if session.is_none() && !is_service_instance_only(spec) {
            items.push(unauthenticated_content(spec));
            continue;
        }
        for f in evaluate(w, spec)? {
            items.push(object_content_xml(&f));
        }
    }
    Ok(page(w, session.unwrap_or(""), items, max))
}

pub fn continue_retrieve(w: &mut World, call: &Call, session: Option<&str>) -> Result<Ret, Fault> {
    let token = call.req_str("token")?;
    let p = w
        .pending
        .remove(&token)
        .ok_or_else(|| Fault::invalid_argument("token"))?;
    if Some(p.session.as_str()) != session {
        return Err(Fault::invalid_argument("token"));
    }
    let max = p.rest.len().clamp(1, 1000);
    let ret = page(w, &p.session, p.rest, max);
    Ok(ret)
}

pub fn create_view(w: &mut World, call: &Call, session: &str) -> Result<Ret, Fault> {
    let (ck, cid) = call
        .moref("container")
        .ok_or_else(|| Fault::invalid_argument("container"))?;
    if !w.exists(&ck, &cid) {
        return Err(Fault::not_found_obj(&ck, &cid));
    }
    let types: Vec<String> = call
        .params("type")
        .filter_map(|v| v.text().map(str::to_string))
        .collect();
    let recursive = call.bool("recursive").unwrap_or(false);
    let id = format!("session[{session}]{}", w.new_id("view"));
    w.views.insert(id.clone(), (cid, types, recursive, ck));
    Ok(Ret::Vals(vec![moref("ContainerView", id)]))
}

/// The objects a container view shows.
pub fn view_contents(w: &World, id: &str) -> SVal {
    let Some((container, types, recursive, ckind)) = w.views.get(id) else {
        return list("ManagedObjectReference", vec![]);
    };
    let mut found: Vec<(String, String)> = Vec::new();
    let mut queue = vec![(ckind.clone(), container.clone())];
    let mut seen = HashSet::new();
    let mut depth0 = true;
    while let Some(obj) = queue.pop() {
        let children: Vec<(String, String)> = [
            "childEntity",
            "vmFolder",
            "hostFolder",
            "datastoreFolder",
            "networkFolder",
            "host",
            "resourcePool",
        ]
        .iter()
        .filter_map(|p| w.property(&obj.0, &obj.1, p).ok().flatten())
        .flat_map(|v| match v {
            SVal::MoRef(k, i) => vec![(k, i)],
            SVal::List(_, items) => items
                .into_iter()
                .filter_map(|x| match x {
                    SVal::MoRef(k, i) => Some((k, i)),
                    _ => None,
                })
                .collect(),
            _ => vec![],
        })
        .collect();
        for c in children {
            if seen.insert(c.clone()) {
                if types.is_empty() || types.iter().any(|t| is_a(&c.0, t)) {
                    found.push(c.clone());
                }
                if *recursive {
                    queue.push(c);
                }
            }
        }
        if depth0 && !*recursive {
            break;
        }
        depth0 = false;
    }
    found.sort_by(|a, b| a.1.len().cmp(&b.1.len()).then(a.1.cmp(&b.1)));
    list(
        "ManagedObjectReference",
        found.into_iter().map(|(k, i)| moref(k, i)).collect(),
    )
}

pub fn find_by_uuid(w: &World, call: &Call) -> Result<Ret, Fault> {
    let uuid = call.req_str("uuid")?.to_ascii_lowercase();
    if call.bool("vmSearch") != Some(true) {
        return Ok(if uuid == crate::props::HOST_UUID {
            Ret::Vals(vec![moref("HostSystem", crate::world::HOST)])
        } else {
            Ret::None
        });
    }
    let instance = call.bool("instanceUuid").unwrap_or(false);
    Ok(w.vms
        .values()
        .find(|v| {
            if instance {
                v.instance_uuid == uuid
            } else {
                v.uuid == uuid
            }
        })
        .map(|v| Ret::Vals(vec![moref("VirtualMachine", v.moid())]))
        .unwrap_or(Ret::None))
}

pub fn find_by_inventory_path(w: &World, call: &Call) -> Result<Ret, Fault> {
    let path = call.req_str("inventoryPath")?;
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let found = match parts.as_slice() {
        [dc] if *dc == crate::world::DATACENTER => Some(moref("Datacenter", *dc)),
        [dc, "vm"] if *dc == crate::world::DATACENTER => Some(moref("Folder", "ha-folder-vm")),
        [dc, "host"] if *dc == crate::world::DATACENTER => Some(moref("Folder", "ha-folder-host")),
        [dc, "vm", name] if *dc == crate::world::DATACENTER => w
            .vms
            .values()
            .find(|v| crate::props::api_name(&v.name) == *name)
            .map(|v| moref("VirtualMachine", v.moid())),
        _ => None,
    };
    Ok(found.map(|f| Ret::Vals(vec![f])).unwrap_or(Ret::None))
}

pub fn create_filter(w: &mut World, call: &Call, session: &str) -> Result<Ret, Fault> {
    let spec = call
        .param("spec")
        .ok_or_else(|| Fault::invalid_argument("spec"))?
        .clone();
    evaluate(w, &spec)?;
    let collector = call.this.1.clone();
    let key = collector_key(session, &collector);
    if collector != "ha-property-collector" && !w.collectors.contains_key(&key) {
        return Err(Fault::not_found_obj("PropertyCollector", &collector));
    }
    w.collectors
        .entry(key)
        .or_insert_with(|| crate::world::Collector {
            session: session.to_string(),
            ..Default::default()
        });
    let id = format!("session[{session}]{}", w.new_id("filter"));
    w.filters.insert(
        id.clone(),
        FilterState {
            moid: id.clone(),
            session: session.to_string(),
            collector,
            spec,
        },
    );
    Ok(Ret::Vals(vec![moref("PropertyFilter", id)]))
}
