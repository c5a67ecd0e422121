// SPDX-License-Identifier: LGPL-2.1-or-later
//! The property collector's updates: CreateFilter's filters are compared
//! with what each collector last sent (WaitForUpdatesEx, WaitForUpdates,
//! CheckForUpdates), and CancelWaitForUpdates. With the freedoms a real
//! server has, as modes (world::UpdateModes): UpdateSets split into parts
//! (`truncated`), properties reported in missingSet, and "no change" at once
//! whatever maxWaitSeconds asked.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use esx_vi::soap::escape;
use esx_vi::vim25;
use esx_vi::MoRef;

use crate::collector::{
    collector_exists, collector_key, evaluate, missing_xml, ContainerView, PrivateCollector,
    PropertyFilter,
};
use crate::fault::Fault;
use crate::methods::Ctx;
use crate::server::Shared;
use crate::soap::{Call, Ret};
use crate::world::{Collector, World};

/// What a client was told: (filter, object, path) -> XML of the value.
type Snapshot = crate::world::Seen;

/// The value of a property the host cannot read.
const MISSING: &str = "\u{0}missing";

fn snapshot(w: &World, collector: &str, session: &str) -> Snapshot {
    let mut snap = Snapshot::new();
    let mut filters: Vec<&PropertyFilter> = w
        .objects
        .all::<PropertyFilter>("PropertyFilter")
        .filter(|f| f.collector == collector && f.session == session)
        .collect();
    filters.sort_by(|a, b| a.moref.value.cmp(&b.moref.value));
    for f in filters {
        let Ok(found) = evaluate(w, &f.mo.spec) else {
            continue;
        };
        let fid = &f.moref.value;
        for fo in found {
            let objkey = format!("{}\u{1}{}", fo.obj.kind, fo.obj.value);
            if fo.props.is_empty() && fo.missing.is_empty() {
                snap.insert((fid.clone(), objkey.clone(), String::new()), None);
            }
            for (p, xml) in fo.props {
                snap.insert((fid.clone(), objkey.clone(), p), xml);
            }
            for p in fo.missing {
                snap.insert((fid.clone(), objkey.clone(), p), Some(MISSING.into()));
            }
        }
    }
    snap
}

/// One ObjectUpdate: filter, object key, kind, and (path, value XML) pairs.
struct ObjectUpdate {
    filter: String,
    obj: String,
    kind: &'static str,
    changes: Vec<(String, Option<String>)>,
}

/// The ObjectUpdates that turn `old` into `new`, by filter and object.
fn diff(old: &Snapshot, new: &Snapshot) -> Vec<ObjectUpdate> {
    let objects = |s: &Snapshot| -> std::collections::BTreeSet<(String, String)> {
        s.keys().map(|(f, o, _)| (f.clone(), o.clone())).collect()
    };
    let old_objs = objects(old);
    let new_objs = objects(new);
    let mut by_obj: BTreeMap<(String, String), ObjectUpdate> = BTreeMap::new();
    for ((f, o, p), v) in new {
        let key = (f.clone(), o.clone());
        let kind = if old_objs.contains(&key) {
            "modify"
        } else {
            "enter"
        };
        if kind == "modify" && old.get(&(f.clone(), o.clone(), p.clone())) == Some(v) {
            continue;
        }
        let entry = by_obj.entry(key).or_insert_with(|| ObjectUpdate {
            filter: f.clone(),
            obj: o.clone(),
            kind,
            changes: Vec::new(),
        });
        if !p.is_empty() {
            entry.changes.push((p.clone(), v.clone()));
        }
    }
    for (f, o) in old_objs.difference(&new_objs) {
        by_obj.insert(
            (f.clone(), o.clone()),
            ObjectUpdate {
                filter: f.clone(),
                obj: o.clone(),
                kind: "leave",
                changes: Vec::new(),
            },
        );
    }
    by_obj.into_values().collect()
}

/// What the client knows after receiving only `sent` of the updates from
/// `old` to `new`: the next call sends the rest.
fn after_sending(old: &Snapshot, new: &Snapshot, sent: &[ObjectUpdate]) -> Snapshot {
    let mut known = old.clone();
    for u in sent {
        let (f, o) = (&u.filter, &u.obj);
        known.retain(|(kf, ko, _), _| !(kf == f && ko == o));
        known.extend(
            new.iter()
                .filter(|((kf, ko, _), _)| kf == f && ko == o)
                .map(|(k, v)| (k.clone(), v.clone())),
        );
    }
    known
}

fn render(updates: &[ObjectUpdate], version: u64, truncated: bool) -> String {
    let mut x = format!("<returnval><version>{version}</version>");
    let mut i = 0;
    while i < updates.len() {
        let filter = &updates[i].filter;
        x.push_str(&format!(
            "<filterSet><filter type=\"PropertyFilter\">{}</filter>",
            escape(filter)
        ));
        while i < updates.len() && &updates[i].filter == filter {
            let u = &updates[i];
            let (k, id) = u.obj.split_once('\u{1}').unwrap_or((&u.obj, ""));
            x.push_str(&format!(
                "<objectSet><kind>{}</kind><obj type=\"{}\">{}</obj>",
                u.kind,
                escape(k),
                escape(id)
            ));
            let mut missing = Vec::new();
            for (p, v) in &u.changes {
                if v.as_deref() == Some(MISSING) {
                    missing.push(p);
                    continue;
                }
                x.push_str(&format!(
                    "<changeSet><name>{}</name><op>assign</op>{}</changeSet>",
                    escape(p),
                    v.as_deref().unwrap_or_default()
                ));
            }
            for p in missing {
                x.push_str(&missing_xml(p));
            }
            x.push_str("</objectSet>");
            i += 1;
        }
        x.push_str("</filterSet>");
    }
    if truncated {
        x.push_str("<truncated>true</truncated>");
    }
    x.push_str("</returnval>");
    x
}

/// WaitForUpdatesEx (and the older WaitForUpdates, CheckForUpdates).
pub fn wait_for_updates(
    shared: &Shared,
    mut w: std::sync::MutexGuard<'_, World>,
    call: &Call,
    session: &str,
) -> Result<Ret, Fault> {
    w.updates.waiting += 1;
    let (mut w, result) = wait(shared, w, call, session);
    w.updates.waiting -= 1;
    if result
        .as_ref()
        .is_err_and(|f| f.ty == vim25::Fault::RequestCanceled.name())
    {
        w.updates.canceled += 1;
    }
    result
}

fn invalid_version() -> Fault {
    Fault::typed(
        vim25::InvalidCollectorVersion {},
        "The collector version is not valid.",
    )
}

fn collector_gone(id: &str) -> Fault {
    Fault::not_found_obj(&MoRef::new("PropertyCollector", id))
}

/// The version and maxWaitSeconds of a wait, whichever method it is.
fn wait_params(call: &Call) -> Result<(Option<String>, Option<i32>), Fault> {
    Ok(match call.method.as_str() {
        "WaitForUpdatesEx" => {
            let r: vim25::WaitForUpdatesExRequest = call.decode()?;
            (r.version, r.options.and_then(|o| o.max_wait_seconds))
        }
        "WaitForUpdates" => (call.decode::<vim25::WaitForUpdatesRequest>()?.version, None),
        _ => (
            call.decode::<vim25::CheckForUpdatesRequest>()?.version,
            None,
        ),
    })
}

fn wait<'a>(
    shared: &Shared,
    mut w: std::sync::MutexGuard<'a, World>,
    call: &Call,
    session: &str,
) -> (std::sync::MutexGuard<'a, World>, Result<Ret, Fault>) {
    let collector = call.this.value.clone();
    let key = collector_key(session, &collector);
    let private = collector != "ha-property-collector";
    if private && !w.collectors.contains_key(&key) {
        return (w, Err(collector_gone(&collector)));
    }
    let (version, asked) = match wait_params(call) {
        Ok(p) => p,
        Err(f) => return (w, Err(f)),
    };
    let version = version.unwrap_or_default();
    let base_version: Option<u64> = if version.is_empty() {
        None
    } else {
        match version.parse() {
            Ok(v) => Some(v),
            Err(_) => return (w, Err(invalid_version())),
        }
    };
    let max_wait = match call.method.as_str() {
        "CheckForUpdates" => Some(Duration::ZERO),
        "WaitForUpdates" => None,
        _ => {
            w.updates.last_max_wait = asked.map_or(-1, i64::from);
            asked.map(|s| Duration::from_secs(s.max(0) as u64))
        }
    };
    let deadline = if w.updates.ignore_max_wait {
        Instant::now()
    } else {
        Instant::now() + max_wait.unwrap_or(Duration::from_secs(900))
    };
    let cancels = w.collectors.get(&key).map_or(0, |c| c.cancels);
    loop {
        if !w.sessions.values().any(|s| s.key == session) {
            return (
                w,
                Err(Fault::typed(
                    vim25::NotAuthenticated {
                        object: None,
                        privilege_id: None,
                    },
                    "The session is not authenticated.",
                )),
            );
        }
        let col = match w.collectors.get(&key) {
            Some(c) => c,
            None if private => return (w, Err(collector_gone(&collector))),
            None => {
                w.collectors.insert(
                    key.clone(),
                    Collector {
                        session: session.to_string(),
                        ..Default::default()
                    },
                );
                continue;
            }
        };
        if col.cancels != cancels {
            return (
                w,
                Err(Fault::typed(
                    vim25::RequestCanceled {},
                    "The task was canceled by a user.",
                )),
            );
        }
        let base = match base_version {
            None => Snapshot::new(),
            Some(v) => match col.seen.get(&v) {
                Some(s) => s.clone(),
                None => return (w, Err(invalid_version())),
            },
        };
        let next_version = col.version + 1;
        let current = snapshot(&w, &collector, session);
        let mut updates = diff(&base, &current);
        if !updates.is_empty() || (base_version.is_none() && call.method != "WaitForUpdatesEx") {
            let limit = w.updates.max_objects.filter(|&n| n > 0);
            let truncated = limit.is_some_and(|n| updates.len() > n);
            let known = match limit {
                Some(n) if truncated => {
                    updates.truncate(n);
                    after_sending(&base, &current, &updates)
                }
                _ => current,
            };
            let Some(col) = w.collectors.get_mut(&key) else {
                return (w, Err(collector_gone(&collector)));
            };
            col.version = next_version;
            col.seen.insert(next_version, known);
            while col.seen.len() > 4 {
                col.seen.pop_first();
            }
            return (w, Ok(Ret::Raw(render(&updates, next_version, truncated))));
        }
        let now = Instant::now();
        if now >= deadline {
            return (w, Ok(Ret::None));
        }
        w = match shared.changed.wait_timeout(w, deadline - now) {
            Ok((g, _)) => g,
            Err(p) => p.into_inner().0,
        };
    }
}

/// CancelWaitForUpdates: the collector's waits in progress end with
/// RequestCanceled; later ones are not affected.
pub fn cancel_wait_for_updates(c: &mut Ctx) -> Result<Ret, Fault> {
    let collector = c.call.this.value.clone();
    let key = collector_key(c.session, &collector);
    match c.w.collectors.get_mut(&key) {
        Some(col) => col.cancels += 1,
        None if collector == "ha-property-collector" => {}
        None => return Err(collector_gone(&collector)),
    }
    Ok(Ret::None)
}

pub fn create_property_collector(c: &mut Ctx) -> Result<Ret, Fault> {
    let id = format!("session[{}]{}", c.session, c.w.new_id("pc"));
    let key = collector_key(c.session, &id);
    c.w.collectors.insert(
        key,
        Collector {
            session: c.session.to_string(),
            ..Default::default()
        },
    );
    let moref = MoRef::new("PropertyCollector", id);
    c.w.objects.register(PrivateCollector {
        moref: moref.clone(),
        session: c.session.to_string(),
    });
    Ok(Ret::of(moref))
}

pub fn destroy_property_collector(c: &mut Ctx) -> Result<Ret, Fault> {
    let id = c.call.this.value.clone();
    let key = collector_key(c.session, &id);
    if c.w.collectors.remove(&key).is_none() {
        return Err(collector_gone(&id));
    }
    c.w.objects.remove(&c.call.this);
    c.w.objects.retain(|o| {
        o.as_any()
            .downcast_ref::<PropertyFilter>()
            .map_or(true, |f| f.collector != id)
    });
    Ok(Ret::None)
}

pub fn create_filter(c: &mut Ctx, req: vim25::CreateFilterRequest) -> Result<Ret, Fault> {
    evaluate(c.w, &req.spec)?;
    let collector = c.call.this.value.clone();
    let key = collector_key(c.session, &collector);
    if collector != "ha-property-collector"
        && (!c.w.collectors.contains_key(&key) || !collector_exists(c.w, &collector))
    {
        return Err(collector_gone(&collector));
    }
    let session = c.session.to_string();
    c.w.collectors.entry(key).or_insert_with(|| Collector {
        session: session.clone(),
        ..Default::default()
    });
    let id = format!("session[{session}]{}", c.w.new_id("filter"));
    let moref = MoRef::new("PropertyFilter", id);
    c.w.objects.register(PropertyFilter {
        moref: moref.clone(),
        session,
        collector,
        mo: vim25::PropertyFilter {
            spec: req.spec,
            partial_updates: req.partial_updates,
        },
    });
    Ok(Ret::of(moref))
}

pub fn create_view(c: &mut Ctx, req: vim25::CreateContainerViewRequest) -> Result<Ret, Fault> {
    if !c.w.objects.contains(&req.container) {
        return Err(Fault::not_found_obj(&req.container));
    }
    let id = format!("session[{}]{}", c.session, c.w.new_id("view"));
    let moref = MoRef::new("ContainerView", id);
    c.w.objects.register(ContainerView {
        moref: moref.clone(),
        session: c.session.to_string(),
        container: req.container,
        types: req.r#type,
        recursive: req.recursive,
    });
    Ok(Ret::of(moref))
}
