// SPDX-License-Identifier: LGPL-2.1-or-later
//! Domain events: one watcher thread per connection follows every VM
//! through one property filter on a private collector (WaitForUpdatesEx),
//! and turns what changes into libvirt's lifecycle and reboot events and
//! this driver's question event. After any failure (a dropped connection,
//! an expired session: the filter is then gone) it makes a new filter,
//! whose first update is the whole inventory, and emits what differs from
//! what it knew: no change is lost, though several changes of one VM while
//! disconnected arrive as one.
//!
//! The watcher only reports; the C layer queues the events and calls the
//! caller's callbacks from its event loop, under no lock.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use crate::domain::{parse_uuid, vm_id, DomainRef};
use crate::error::Result;
use crate::scope::unescape_name;
use crate::vi::property::{self, Filter, FilterSpec, ObjectSpec, PropertySpec, TraversalSpec};
use crate::vi::vim25::{self, VmWatch};
use crate::vi::wire::View;
use crate::vi::{Client, MoRef, ObjectContent, PowerState, Question, Value};
use crate::Connection;

/// libvirt's virDomainEventType and the details used here.
pub mod kind {
    pub const DEFINED: i32 = 0;
    pub const UNDEFINED: i32 = 1;
    pub const STARTED: i32 = 2;
    pub const SUSPENDED: i32 = 3;
    pub const RESUMED: i32 = 4;
    pub const STOPPED: i32 = 5;
    /// DEFINED_ADDED, UNDEFINED_REMOVED, STARTED_BOOTED, SUSPENDED_PAUSED,
    /// RESUMED_UNPAUSED, STOPPED_SHUTDOWN: all 0.
    pub const DETAIL_FIRST: i32 = 0;
}

/// What a watcher reports.
#[derive(Debug, Clone, PartialEq)]
pub enum DomainEvent {
    /// virConnectDomainEventCallback's (event, detail).
    Lifecycle {
        dom: DomainRef,
        event: i32,
        detail: i32,
    },
    /// The VM booted again while running (its boot time changed).
    Reboot { dom: DomainRef },
    /// A question appeared (Some) or was answered or withdrawn (None).
    Question {
        dom: DomainRef,
        question: Option<Question>,
    },
}

/// One VM as last seen.
#[derive(Debug, Clone)]
struct Seen {
    props: HashMap<String, Value>,
}

impl Seen {
    fn content(&self, obj: &MoRef) -> ObjectContent {
        ObjectContent {
            obj: obj.clone(),
            props: self
                .props
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            missing: Vec::new(),
        }
    }
}

/// What the events compare: (domain, power, boot time, question).
type Facts = (
    DomainRef,
    Option<PowerState>,
    Option<String>,
    Option<Question>,
);

fn facts(obj: &MoRef, seen: &Seen) -> Option<Facts> {
    let v = VmWatch::from_object(&seen.content(obj)).ok()?;
    let power = PowerState::parse(&v.power_state).ok();
    let dom = DomainRef {
        name: unescape_name(&v.name),
        uuid: v.uuid.as_deref().and_then(parse_uuid).unwrap_or([0; 16]),
        id: match power {
            Some(PowerState::PoweredOn | PowerState::Suspended) => vm_id(&obj.value).unwrap_or(-1),
            _ => -1,
        },
        moref: obj.clone(),
    };
    let question = seen
        .props
        .get("runtime.question")
        .and_then(|q| Question::from_value(q).ok());
    let boot = v.boot_time.map(|t| format!("{t:?}"));
    Some((dom, power, boot, question))
}

/// The events between what a VM was (`before`, None: unknown to us) and
/// is (`after`, None: gone).
fn diff(before: Option<&Facts>, after: Option<&Facts>, out: &mut Vec<DomainEvent>) {
    use kind::*;
    use PowerState::*;
    let life = |dom: &DomainRef, event| DomainEvent::Lifecycle {
        dom: dom.clone(),
        event,
        detail: DETAIL_FIRST,
    };
    match (before, after) {
        (None, None) => {}
        (None, Some((dom, power, _, q))) => {
            out.push(life(dom, DEFINED));
            match power {
                Some(PoweredOn) => out.push(life(dom, STARTED)),
                Some(Suspended) => out.push(life(dom, SUSPENDED)),
                _ => {}
            }
            if q.is_some() {
                out.push(DomainEvent::Question {
                    dom: dom.clone(),
                    question: q.clone(),
                });
            }
        }
        (Some((dom, _, _, _)), None) => out.push(life(dom, UNDEFINED)),
        (Some((_, p0, b0, q0)), Some((dom, p1, b1, q1))) => {
            match (p0, p1) {
                (Some(PoweredOff), Some(PoweredOn)) => out.push(life(dom, STARTED)),
                (Some(PoweredOn), Some(Suspended)) | (Some(PoweredOff), Some(Suspended)) => {
                    out.push(life(dom, SUSPENDED))
                }
                (Some(Suspended), Some(PoweredOn)) => out.push(life(dom, RESUMED)),
                (Some(PoweredOn | Suspended), Some(PoweredOff)) => out.push(life(dom, STOPPED)),
                (Some(PoweredOn), Some(PoweredOn)) if b0.is_some() && b1.is_some() && b0 != b1 => {
                    out.push(DomainEvent::Reboot { dom: dom.clone() })
                }
                _ => {}
            }
            let id = |q: &Option<Question>| q.as_ref().map(|q| q.id.clone());
            if id(q0) != id(q1) {
                out.push(DomainEvent::Question {
                    dom: dom.clone(),
                    question: q1.clone(),
                });
            }
        }
    }
}

/// A running watcher; dropping it stops the thread (after its current
/// wait, at most about a second).
pub struct Watcher {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Watcher {
    /// Stops and waits for the thread.
    pub fn stop(mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// How long one WaitForUpdatesEx may wait: the watcher's stop latency.
const WAIT: Duration = Duration::from_secs(1);

struct State {
    client: Arc<Client>,
    /// The VMs' container (the root folder; on a vCenter the host), for
    /// a container view, and the traversal spec for a host without views.
    container: MoRef,
    spec: FilterSpec,
    known: HashMap<MoRef, Seen>,
    /// False until the first inventory was read (it is not reported).
    primed: bool,
}

impl State {
    /// One filter's life: Ok when asked to stop, Err when it broke.
    fn follow(
        &mut self,
        stop: &AtomicBool,
        sink: &(dyn Fn(DomainEvent) + Send + Sync),
    ) -> Result<()> {
        let client = self.client.clone();
        let collector = property::create_collector(&client)?;
        // One filter over a container view of every VM (made again on each
        // resynchronisation: views belong to a session); a host without a
        // ViewManager gets the folder traversal.
        let view = match client.service().view_manager.clone() {
            Some(vm) => Some(vim25::create_container_view(
                &client,
                &vm,
                &self.container,
                &["VirtualMachine".to_string()],
                true,
            )?),
            None => None,
        };
        let spec = match &view {
            Some(v) => FilterSpec {
                props: vec![PropertySpec::new("VirtualMachine", VmWatch::PATHS)],
                objects: vec![ObjectSpec {
                    obj: v.clone(),
                    skip: true,
                    select: vec![TraversalSpec::new("traverseView", "ContainerView", "view")
                        .into_selection()],
                }],
            },
            None => self.spec.clone(),
        };
        let result = (|| {
            let mut filter = Filter::create(&client, &collector, &spec)?;
            let mut first = true;
            while !stop.load(Ordering::SeqCst) {
                let Some(set) = filter.wait(WAIT)? else {
                    continue;
                };
                let mut events = Vec::new();
                if first {
                    // A new filter starts with everything: compare it with
                    // what was known (nothing is reported the first time).
                    let mut fresh: HashMap<MoRef, Seen> = HashMap::new();
                    for o in &set.objects {
                        if o.kind == "leave" {
                            continue;
                        }
                        let seen = fresh.entry(o.obj.clone()).or_insert(Seen {
                            props: HashMap::new(),
                        });
                        apply(seen, o);
                    }
                    if self.primed {
                        for (obj, old) in &self.known {
                            diff(
                                facts(obj, old).as_ref(),
                                fresh.get(obj).and_then(|n| facts(obj, n)).as_ref(),
                                &mut events,
                            );
                        }
                        for (obj, new) in &fresh {
                            if !self.known.contains_key(obj) {
                                diff(None, facts(obj, new).as_ref(), &mut events);
                            }
                        }
                    }
                    self.known = fresh;
                    self.primed = true;
                    first = false;
                } else {
                    for o in &set.objects {
                        let before = self.known.get(&o.obj).and_then(|s| facts(&o.obj, s));
                        if o.kind == "leave" {
                            self.known.remove(&o.obj);
                            diff(before.as_ref(), None, &mut events);
                            continue;
                        }
                        let seen = self.known.entry(o.obj.clone()).or_insert(Seen {
                            props: HashMap::new(),
                        });
                        apply(seen, o);
                        let after = facts(&o.obj, seen);
                        diff(before.as_ref(), after.as_ref(), &mut events);
                    }
                }
                for e in events {
                    sink(e);
                }
            }
            Ok(())
        })();
        if let Some(v) = &view {
            let _ = vim25::destroy_view(&client, v);
        }
        let _ = client.invoke(
            "DestroyPropertyCollector",
            &collector,
            "",
            crate::vi::Safety::Mutating,
        );
        result
    }
}

fn apply(seen: &mut Seen, o: &crate::vi::types::ObjectUpdate) {
    for c in &o.changes {
        match (&c.val, c.op.as_str()) {
            (Some(v), _) if c.op != "remove" => {
                seen.props.insert(c.name.clone(), v.clone());
            }
            _ => {
                seen.props.remove(&c.name);
            }
        }
    }
}

impl Connection {
    /// Starts watching every domain of this connection; `sink` gets each
    /// event on the watcher's thread (it must not block for long).
    pub fn watch_domains(&self, sink: Arc<dyn Fn(DomainEvent) + Send + Sync>) -> Result<Watcher> {
        let spec = self.vm_list_spec(VmWatch::PATHS)?;
        // The inventory now, before the caller can change anything: every
        // change after this call returns is reported.
        let mut known = HashMap::new();
        for o in property::retrieve(self.client(), &spec)? {
            known.insert(
                o.obj.clone(),
                Seen {
                    props: o.props.into_iter().collect(),
                },
            );
        }
        let container = if self.is_vcenter() {
            self.scope()?.host.clone()
        } else {
            self.client().service().root_folder.clone()
        };
        let mut state = State {
            client: self.shared_client(),
            container,
            spec,
            known,
            primed: true,
        };
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("esx-events".into())
            .spawn(move || {
                let mut pause = Duration::from_millis(50);
                while !flag.load(Ordering::SeqCst) {
                    match state.follow(&flag, sink.as_ref()) {
                        Ok(()) => break,
                        Err(e) => {
                            log::info!("domain event watcher: {e}; resynchronising");
                            std::thread::sleep(pause);
                            pause = (pause * 2).min(Duration::from_secs(2));
                        }
                    }
                }
            })
            .map_err(|e| {
                crate::error::Error::internal(format!("cannot start the event watcher: {e}"))
            })?;
        Ok(Watcher {
            stop,
            thread: Some(thread),
        })
    }
}
