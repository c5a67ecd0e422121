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

use crate::model::*;
use crate::server::Shared;
use crate::soap::{collector_key, evaluate, missing_xml, Call, Ret};
use crate::world::{Fault, FilterState, World};

/// What a client was told: (filter, object, path) -> XML of the value.
type Snapshot = crate::world::Seen;

/// The value of a property the host cannot read.
const MISSING: &str = "\u{0}missing";

fn snapshot(w: &World, collector: &str, session: &str) -> Snapshot {
    let mut snap = Snapshot::new();
    let mut filters: Vec<&FilterState> = w
        .filters
        .values()
        .filter(|f| f.collector == collector && f.session == session)
        .collect();
    filters.sort_by(|a, b| a.moid.cmp(&b.moid));
    for f in filters {
        let Ok(found) = evaluate(w, &f.spec) else {
            continue;
        };
        for fo in found {
            let objkey = format!("{}\u{1}{}", fo.obj.0, fo.obj.1);
            if fo.props.is_empty() && fo.missing.is_empty() {
                snap.insert((f.moid.clone(), objkey.clone(), String::new()), None);
            }
            for (p, v) in fo.props {
                let xml = v.map(|v| {
                    let mut x = String::new();
                    write(&mut x, "val", &v, true);
                    x
                });
                snap.insert((f.moid.clone(), objkey.clone(), p), xml);
            }
            for p in fo.missing {
                snap.insert((f.moid.clone(), objkey.clone(), p), Some(MISSING.into()));
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
    if result.as_ref().is_err_and(|f| f.ty == "RequestCanceled") {
        w.updates.canceled += 1;
    }
    result
}

fn invalid_version() -> Fault {
    Fault::new(
        "InvalidCollectorVersion",
        "The collector version is not valid.",
    )
}

fn wait<'a>(
    shared: &Shared,
    mut w: std::sync::MutexGuard<'a, World>,
    call: &Call,
    session: &str,
) -> (std::sync::MutexGuard<'a, World>, Result<Ret, Fault>) {
    let collector = call.this.1.clone();
    let key = collector_key(session, &collector);
    let private = collector != "ha-property-collector";
    if private && !w.collectors.contains_key(&key) {
        return (
            w,
            Err(Fault::not_found_obj("PropertyCollector", &collector)),
        );
    }
    let version = call.str("version").unwrap_or_default();
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
            let asked = call
                .param("options")
                .and_then(|o| o.i64_field("maxWaitSeconds"));
            w.updates.last_max_wait = asked.unwrap_or(-1);
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
                Err(Fault::new(
                    "NotAuthenticated",
                    "The session is not authenticated.",
                )),
            );
        }
        let col = match w.collectors.get(&key) {
            Some(c) => c,
            None if private => {
                return (
                    w,
                    Err(Fault::not_found_obj("PropertyCollector", &collector)),
                )
            }
            None => {
                w.collectors.insert(
                    key.clone(),
                    crate::world::Collector {
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
                Err(Fault::new(
                    "RequestCanceled",
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
                return (
                    w,
                    Err(Fault::not_found_obj("PropertyCollector", &collector)),
                );
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
pub fn cancel_wait_for_updates(c: &mut crate::methods::Ctx) -> Result<Ret, Fault> {
    let collector = c.call.this.1.clone();
    let key = collector_key(c.session, &collector);
    match c.w.collectors.get_mut(&key) {
        Some(col) => col.cancels += 1,
        None if collector == "ha-property-collector" => {}
        None => return Err(Fault::not_found_obj("PropertyCollector", &collector)),
    }
    Ok(Ret::None)
}
