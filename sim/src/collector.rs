//! The property collector: one for every managed object. A filter spec
//! (the generated PropertyFilterSpec) is walked from its objects through
//! its traversal specs; each object reached is asked for its properties by
//! path, and the typed values found are written as ESX writes them, with
//! the freedoms a real server has: sparse mode and omissions (what
//! [`SimKeep`] leaves out), properties it cannot read (missingSet), pages
//! (RetrievePropertiesEx, ContinueRetrievePropertiesEx). Container views
//! and filters are objects of their own, owned by their session.

use std::collections::HashMap;

use esx_vi::soap::escape;
use esx_vi::vim25::{
    self, AnySelectionSpec, LocalizedMethodFault, MissingProperty, PropertyFilterSpec,
    TraversalSpec,
};
use esx_vi::wire::{Keep, KeepAll, NoSuchProperty, Serve};
use esx_vi::MoRef;

use crate::fault::Fault;
use crate::registry::{read_typed, FastSet, Object, Sink};
use crate::world::{PendingRetrieve, World};

/// What sparse mode and the omit list leave out.
pub struct SimKeep<'a> {
    pub w: &'a World,
}

impl Keep for SimKeep<'_> {
    fn keep(&self, ty: &str, field: &str, optional: bool) -> bool {
        if self.w.sparse && optional {
            return false;
        }
        if self.w.omit.is_empty() {
            return true;
        }
        !omitted(self.w, ty, field)
    }

    fn all(&self) -> bool {
        !self.w.sparse && self.w.omit.is_empty()
    }
}

/// Whether the omit list names `field` of `ty` or of one of its bases.
fn omitted(w: &World, ty: &str, field: &str) -> bool {
    let schema = esx_vi::schema::schema();
    let mut t = Some(ty.to_string());
    while let Some(name) = t {
        if w.omit.contains(&format!("{name}.{field}")) {
            return true;
        }
        t = schema.type_def(&name).and_then(|d| d.base.clone());
    }
    false
}

pub fn keep(w: &World) -> SimKeep<'_> {
    SimKeep { w }
}

/// Reads property `path` of `obj` as the XML of an anyType element `name`
/// (None: unset); Err for a property the type does not have.
pub fn read_xml(
    w: &World,
    obj: &dyn Object,
    path: &str,
    name: &str,
) -> Result<Option<String>, NoSuchProperty> {
    let parts: Vec<&str> = path.split('.').collect();
    let k = keep(w);
    let mut xml = None;
    obj.read(w, &parts, &k, &mut |found| {
        xml = found.map(|f| {
            let mut out = String::new();
            f.write(&mut out, name, &k);
            out
        });
    })?;
    if let Some(x) = xml.as_mut().filter(|_| !obj.hostile().is_empty()) {
        hostile(obj, path, x);
    }
    Ok(xml)
}

/// Puts the values a hostile host sends (a test's injection) in place of
/// the typed ones in a property's XML.
fn hostile(obj: &dyn Object, path: &str, xml: &mut String) {
    for (leaf, text) in obj.hostile() {
        let element = leaf.rsplit('.').next().unwrap_or(leaf);
        if leaf == path {
            if let (Some(gt), Some(lt)) = (xml.find('>'), xml.rfind('<')) {
                if gt < lt {
                    xml.replace_range(gt + 1..lt, &escape(text));
                }
            }
        } else if leaf.starts_with(&format!("{path}.")) {
            let open = format!("<{element}>");
            let close = format!("</{element}>");
            if let Some(a) = xml.find(&open) {
                let from = a + open.len();
                if let Some(b) = xml[from..].find(&close) {
                    xml.replace_range(from..from + b, &escape(text));
                }
            }
        }
    }
}

/// The MoRefs a traversal path leads to.
fn targets(w: &World, obj: &dyn Object, path: &str) -> Vec<MoRef> {
    let parts: Vec<&str> = path.split('.').collect();
    let k = keep(w);
    let mut out = Vec::new();
    let _ = obj.read(w, &parts, &k, &mut |found| {
        if let Some(f) = found {
            f.value.morefs(&mut out);
        }
    });
    out
}

/// The objects a filter spec reaches, in discovery order.
pub fn reach(w: &World, spec: &PropertyFilterSpec) -> Result<Vec<MoRef>, Fault> {
    let mut out: Vec<MoRef> = Vec::new();
    let mut seen_out: FastSet<MoRef> = FastSet::default();
    for os in &spec.object_set {
        if !w.objects.contains(&os.obj) {
            return Err(Fault::not_found_obj(&os.obj));
        }
        let mut named: HashMap<String, &TraversalSpec> = HashMap::new();
        collect_named(&os.select_set, &mut named);
        let mut visited = FastSet::default();
        let mut walk = Walk {
            w,
            named: &named,
            visited: &mut visited,
            out: &mut out,
            seen_out: &mut seen_out,
        };
        walk.walk(os.obj.clone(), os.skip.unwrap_or(false), &os.select_set);
    }
    Ok(out)
}

fn collect_named<'a>(
    selects: &'a [AnySelectionSpec],
    named: &mut HashMap<String, &'a TraversalSpec>,
) {
    for sel in selects {
        if let AnySelectionSpec::TraversalSpec(t) = sel {
            if let Some(n) = &t.name {
                named.entry(n.clone()).or_insert(t);
            }
            collect_named(&t.select_set, named);
        }
    }
}

struct Walk<'a, 'b> {
    w: &'a World,
    named: &'b HashMap<String, &'b TraversalSpec>,
    visited: &'b mut FastSet<(MoRef, String)>,
    out: &'b mut Vec<MoRef>,
    seen_out: &'b mut FastSet<MoRef>,
}

impl Walk<'_, '_> {
    fn walk(&mut self, obj: MoRef, skip: bool, selects: &[AnySelectionSpec]) {
        if !skip && self.seen_out.insert(obj.clone()) {
            self.out.push(obj.clone());
        }
        for sel in selects {
            let ts: &TraversalSpec = match sel {
                AnySelectionSpec::TraversalSpec(t) => t,
                AnySelectionSpec::SelectionSpec(s) => {
                    match s.name.as_ref().and_then(|n| self.named.get(n)) {
                        Some(t) => t,
                        None => continue,
                    }
                }
            };
            if !vim25::managed_is_a(&obj.kind, &ts.r#type) {
                continue;
            }
            let tname = ts.name.clone().unwrap_or_else(|| ts.path.clone());
            if !self.visited.insert((obj.clone(), tname)) {
                continue;
            }
            let next = match self.w.objects.get(&obj) {
                Some(o) => targets(self.w, o, &ts.path),
                None => Vec::new(),
            };
            for t in next {
                self.walk(t, ts.skip.unwrap_or(false), &ts.select_set);
            }
        }
    }
}

/// What a filter spec found of one object.
pub struct Found {
    pub obj: MoRef,
    /// (path, XML of its `val`; None when unset).
    pub props: Vec<(String, Option<String>)>,
    /// Paths the host cannot read (reported in missingSet).
    pub missing: Vec<String>,
}

pub fn evaluate(w: &World, spec: &PropertyFilterSpec) -> Result<Vec<Found>, Fault> {
    let mut out = Vec::new();
    for m in reach(w, spec)? {
        let matching: Vec<&vim25::PropertySpec> = spec
            .prop_set
            .iter()
            .filter(|p| vim25::managed_is_a(&m.kind, &p.r#type))
            .collect();
        if matching.is_empty() {
            continue;
        }
        let Some(obj) = w.objects.get(&m) else {
            continue;
        };
        let mut paths: Vec<String> = Vec::new();
        for p in &matching {
            if p.all == Some(true) {
                paths.extend(
                    vim25::managed_properties(&m.kind)
                        .unwrap_or_default()
                        .iter()
                        .map(|s| s.to_string()),
                );
            }
            paths.extend(p.path_set.iter().cloned());
        }
        let mut seen = FastSet::default();
        paths.retain(|p| seen.insert(p.clone()));
        let mut props = Vec::new();
        let mut missing = Vec::new();
        for p in paths {
            if w.unreadable(&m.value, &p) {
                missing.push(p);
                continue;
            }
            match read_xml(w, obj, &p, "val") {
                Ok(v) => props.push((p, v)),
                Err(NoSuchProperty) => return Err(Fault::invalid_property(&p)),
            }
        }
        out.push(Found {
            obj: m,
            props,
            missing,
        });
    }
    Ok(out)
}

fn moref_xml(out: &mut String, name: &str, m: &MoRef) {
    m.write_xml(out, name, false, &KeepAll);
}

/// An ObjectContent as `element`.
fn object_content_xml(f: &Found, element: &str) -> String {
    let mut x = format!("<{element}>");
    moref_xml(&mut x, "obj", &f.obj);
    for (name, val) in &f.props {
        if let Some(v) = val {
            x.push_str("<propSet><name>");
            x.push_str(&escape(name));
            x.push_str("</name>");
            x.push_str(v);
            x.push_str("</propSet>");
        }
    }
    for p in &f.missing {
        x.push_str(&missing_xml(p));
    }
    x.push_str(&format!("</{element}>"));
    x
}

fn missing_property_xml(path: &str, fault: Fault, message: &str) -> String {
    let m = MissingProperty {
        path: path.to_string(),
        fault: LocalizedMethodFault {
            fault: fault.as_value(),
            localized_message: Some(message.to_string()),
        },
    };
    let mut out = String::new();
    m.write_xml(&mut out, "missingSet", false, &KeepAll);
    out
}

/// A `MissingProperty` for a property the host cannot read.
pub fn missing_xml(path: &str) -> String {
    missing_property_xml(
        path,
        Fault::typed(
            vim25::SystemError {
                reason: "The property cannot be read now".into(),
            },
            "",
        ),
        "A general system error occurred: the property cannot be read now",
    )
}

/// Unauthenticated reads: every property comes back missing with
/// NotAuthenticated, as a vCenter answers (WIRE.md 1.7).
fn unauthenticated_content(spec: &PropertyFilterSpec, element: &str) -> String {
    let mut x = String::new();
    for os in &spec.object_set {
        x.push_str(&format!("<{element}>"));
        moref_xml(&mut x, "obj", &os.obj);
        for ps in &spec.prop_set {
            for p in &ps.path_set {
                x.push_str(&missing_property_xml(
                    p,
                    Fault::typed(
                        vim25::NotAuthenticated {
                            object: Some(os.obj.clone()),
                            privilege_id: Some("System.View".into()),
                        },
                        "",
                    ),
                    "",
                ));
            }
        }
        x.push_str(&format!("</{element}>"));
    }
    x
}

fn is_service_instance_only(spec: &PropertyFilterSpec) -> bool {
    spec.object_set
        .iter()
        .all(|o| o.obj.kind == "ServiceInstance")
}

/// RetrieveProperties: every object found, one `returnval` each.
pub fn retrieve_legacy(
    w: &World,
    req: &vim25::RetrievePropertiesRequest,
    authenticated: bool,
) -> Result<String, Fault> {
    let mut xml = String::new();
    for spec in &req.spec_set {
        if !authenticated && !is_service_instance_only(spec) {
            xml.push_str(&unauthenticated_content(spec, "returnval"));
            continue;
        }
        for f in evaluate(w, spec)? {
            xml.push_str(&object_content_xml(&f, "returnval"));
        }
    }
    Ok(xml)
}

/// One RetrieveResult of at most `max` objects, the rest kept under a
/// token; None when there are none.
fn page(w: &mut World, session: &str, mut items: Vec<String>, max: usize) -> Option<String> {
    if items.is_empty() {
        return None;
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
    Some(xml)
}

pub fn retrieve_ex(
    w: &mut World,
    req: &vim25::RetrievePropertiesExRequest,
    session: Option<&str>,
) -> Result<Option<String>, Fault> {
    let max = req
        .options
        .max_objects
        .filter(|m| *m > 0)
        .map(|m| m as usize)
        .unwrap_or(100_000);
    let mut items = Vec::new();
    for spec in &req.spec_set {
        if session.is_none() && !is_service_instance_only(spec) {
            items.push(unauthenticated_content(spec, "objects"));
            continue;
        }
        for f in evaluate(w, spec)? {
            items.push(object_content_xml(&f, "objects"));
        }
    }
    Ok(page(w, session.unwrap_or(""), items, max))
}

pub fn continue_retrieve(
    w: &mut World,
    token: &str,
    session: Option<&str>,
) -> Result<Option<String>, Fault> {
    let p = w
        .pending
        .remove(token)
        .ok_or_else(|| Fault::invalid_argument("token"))?;
    if Some(p.session.as_str()) != session {
        return Err(Fault::invalid_argument("token"));
    }
    let max = p.rest.len().clamp(1, 1000);
    Ok(page(w, &p.session, p.rest, max))
}

// ---------------------------------------------------------------------------
// Container views, filters and private collectors: objects of a session.

/// A container view (ViewManager.CreateContainerView).
pub struct ContainerView {
    pub moref: MoRef,
    pub session: String,
    pub container: MoRef,
    pub types: Vec<String>,
    pub recursive: bool,
}

impl ContainerView {
    /// The objects it shows: the container's children (all of them with
    /// `recursive`) of its types.
    fn contents(&self, w: &World) -> Vec<MoRef> {
        let mut found: Vec<MoRef> = Vec::new();
        let mut queue = vec![self.container.clone()];
        let mut seen = FastSet::default();
        let mut depth0 = true;
        while let Some(obj) = queue.pop() {
            let Some(o) = w.objects.get(&obj) else {
                continue;
            };
            let children: Vec<MoRef> = [
                "childEntity",
                "vmFolder",
                "hostFolder",
                "datastoreFolder",
                "networkFolder",
                "host",
                "resourcePool",
            ]
            .iter()
            .flat_map(|p| targets(w, o, p))
            .collect();
            for c in children {
                if seen.insert(c.clone()) {
                    if self.types.is_empty()
                        || self.types.iter().any(|t| vim25::managed_is_a(&c.kind, t))
                    {
                        found.push(c.clone());
                    }
                    if self.recursive {
                        queue.push(c);
                    }
                }
            }
            if depth0 && !self.recursive {
                break;
            }
            depth0 = false;
        }
        found.sort_by(|a, b| {
            a.value
                .len()
                .cmp(&b.value.len())
                .then(a.value.cmp(&b.value))
        });
        found
    }
}

impl Object for ContainerView {
    fn moref(&self) -> &MoRef {
        &self.moref
    }

    fn read(
        &self,
        w: &World,
        path: &[&str],
        keep: &dyn Keep,
        sink: &mut Sink<'_>,
    ) -> Result<(), NoSuchProperty> {
        let v = vim25::ContainerView {
            container: self.container.clone(),
            r#type: self.types.clone(),
            recursive: self.recursive,
            view: if path.first() == Some(&"view") {
                self.contents(w)
            } else {
                Vec::new()
            },
        };
        read_typed(&v, path, keep, sink)
    }

    fn owner(&self) -> Option<&str> {
        Some(&self.session)
    }
}

/// A property filter (PropertyCollector.CreateFilter).
pub struct PropertyFilter {
    pub moref: MoRef,
    pub session: String,
    /// The collector it belongs to.
    pub collector: String,
    pub mo: vim25::PropertyFilter,
}

impl Object for PropertyFilter {
    fn moref(&self) -> &MoRef {
        &self.moref
    }

    fn read(
        &self,
        _: &World,
        path: &[&str],
        keep: &dyn Keep,
        sink: &mut Sink<'_>,
    ) -> Result<(), NoSuchProperty> {
        read_typed(&self.mo, path, keep, sink)
    }

    fn owner(&self) -> Option<&str> {
        Some(&self.session)
    }
}

/// A private property collector (CreatePropertyCollector).
pub struct PrivateCollector {
    pub moref: MoRef,
    pub session: String,
}

impl Object for PrivateCollector {
    fn moref(&self) -> &MoRef {
        &self.moref
    }

    fn read(
        &self,
        w: &World,
        path: &[&str],
        keep: &dyn Keep,
        sink: &mut Sink<'_>,
    ) -> Result<(), NoSuchProperty> {
        let c = vim25::PropertyCollector {
            filter: filters_of(w, &self.moref.value),
        };
        read_typed(&c, path, keep, sink)
    }

    fn owner(&self) -> Option<&str> {
        Some(&self.session)
    }
}

/// The filters of a collector.
pub fn filters_of(w: &World, collector: &str) -> Vec<MoRef> {
    w.objects
        .all::<PropertyFilter>("PropertyFilter")
        .filter(|f| f.collector == collector)
        .map(|f| f.moref.clone())
        .collect()
}

/// The key of a collector's update state: a session's.
pub fn collector_key(session: &str, id: &str) -> String {
    format!("{session}|{id}")
}

/// Whether a collector exists for this session: the default one always,
/// a private one while its session lives.
pub fn collector_exists(w: &World, id: &str) -> bool {
    id == "ha-property-collector" || w.objects.contains(&MoRef::new("PropertyCollector", id))
}
