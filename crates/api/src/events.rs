// SPDX-License-Identifier: LGPL-2.1-or-later
//! Domain events: one watcher thread per connection follows every VM
//! through one property filter on a private collector (WaitForUpdatesEx),
//! and turns what changes into libvirt's lifecycle and reboot events and
//! this driver's question event.
//!
//! - The first update of a filter is the whole inventory, possibly in
//!   parts (`truncated`): it is compared with what was known only once
//!   complete. The first one of all is read before `watch_domains`
//!   returns and reported as nothing; after any failure (a dropped
//!   connection, an expired session: the filter is then gone) a new filter
//!   is made and what differs is reported (several changes of one VM while
//!   disconnected arrive as one).
//! - An idle watcher asks the host to wait up to a minute (one request a
//!   minute when nothing changes); the host answers as soon as something
//!   changes. A host that answers "no change" at once is asked again after
//!   a growing pause, never in a busy loop.
//! - Stopping (a registration's end, the connection's close) cancels the
//!   wait in progress on the host (CancelWaitForUpdates), so the thread
//!   ends at once; it reports nothing after the stop.
//! - A property the host cannot read (missingSet) is unknown: it gives no
//!   event, and it is logged. Its last value read stays only as what the
//!   next value read is compared with, so a change across the gap is
//!   reported once, as after a resynchronisation.
//! - The watcher keeps the VMs that exist, nothing else.
//!
//! The same filter follows the host's network system (its virtual switches
//! and port groups, when the host has one): a switch that appears is
//! libvirt's network event DEFINED, one that goes UNDEFINED, and a change
//! of its configuration or of its port groups DEFINED again (libvirt's
//! event for a network defined anew), whoever made the change.
//!
//! The watcher only reports; the C layer queues the events and calls the
//! caller's callbacks from its event loop, under no lock.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::domain::{parse_uuid, vm_id, DomainRef};
use crate::error::{Error, Result};
use crate::network::{switch_uuid, NetRef};
use crate::scope::unescape_name;
use crate::vi::property::{
    self, Filter, ObjectSpec, PropertyFilterSpec, PropertySpec, TraversalSpec,
};
use crate::vi::types::{
    DynamicProperty, ObjectUpdate, ObjectUpdateKind, PropertyChangeOp, UpdateSet,
};
use crate::vi::vim25::{self, NetworkSystemInfo, VmWatch};
use crate::vi::wire::View;
use crate::vi::{Client, MoRef, ObjectContent, Question, Safety, Value, VirtualMachinePowerState};
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

/// libvirt's virNetworkEventLifecycleType (the details are all 0).
pub mod net_kind {
    pub const DEFINED: i32 = 0;
    pub const UNDEFINED: i32 = 1;
}

/// What a watcher reports.
#[derive(Debug, Clone, PartialEq)]
pub enum DomainEvent {
    /// virConnectNetworkEventLifecycleCallback's (event, detail): a virtual
    /// switch defined, changed (DEFINED) or undefined on the host.
    Network {
        net: NetRef,
        event: i32,
        detail: i32,
    },
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

/// How long an idle watcher asks the host to wait: one request a minute
/// when nothing changes. The request's deadline is the URI's read_timeout
/// on top of it.
pub const IDLE_WAIT_SECONDS: u64 = 60;

/// The pause after a "no change" that came much sooner than asked doubles
/// from this to `MAX_PAUSE`; the same pauses separate resynchronisations.
const FIRST_PAUSE: Duration = Duration::from_millis(50);
const MAX_PAUSE: Duration = Duration::from_secs(2);

/// How often a stop asks the host to cancel a wait that has not ended yet
/// (the first cancel can reach the host before the wait does), and how
/// long it gives each cancel.
const CANCEL_TRIES: usize = 5;
const CANCEL_GRACE: Duration = Duration::from_millis(200);

/// The most a connection's close spends on its watchers, all together:
/// their cancels, and waiting for their threads. A host that does not
/// answer within it is not waited on (the threads end on their own,
/// reporting nothing; the Logout gets the same short deadline).
pub const CLOSE_WAIT: Duration = Duration::from_secs(3);

/// One VM as last seen.
#[derive(Debug, Clone, Default)]
struct Seen {
    /// The last value read of each property (absent: unset).
    props: HashMap<String, Value>,
    /// Properties the host cannot read now (missingSet).
    unknown: HashSet<String>,
}

impl Seen {
    fn content(&self, obj: &MoRef) -> ObjectContent {
        ObjectContent {
            obj: obj.clone(),
            prop_set: self
                .props
                .iter()
                .map(|(k, v)| DynamicProperty {
                    name: k.clone(),
                    val: v.clone(),
                })
                .collect(),
            missing_set: Vec::new(),
        }
    }

    /// Takes one ObjectUpdate's changes and unreadable properties.
    fn apply(&mut self, o: &ObjectUpdate) {
        for c in &o.change_set {
            self.unknown.remove(&c.name);
            match &c.val {
                Some(v) if c.op != PropertyChangeOp::Remove => {
                    self.props.insert(c.name.clone(), v.clone());
                }
                _ => {
                    self.props.remove(&c.name);
                }
            }
        }
        for m in &o.missing_set {
            let (path, fault) = (&m.path, &m.fault);
            if self.unknown.insert(path.clone()) {
                log::info!(
                    "domain events: the host cannot read '{path}' of {} ({}: {}); it gives no \
                     event until it can be read again",
                    o.obj,
                    fault.fault_type(),
                    fault.message()
                );
            }
        }
    }
}

/// What the events compare: (domain, power, boot time, question).
type Facts = (
    DomainRef,
    Option<VirtualMachinePowerState>,
    Option<String>,
    Option<Question>,
);

fn facts(obj: &MoRef, seen: &Seen) -> Option<Facts> {
    let v = VmWatch::from_object(&seen.content(obj)).ok()?;
    let power = v.power_state.known().ok();
    let dom = DomainRef {
        name: unescape_name(&v.name),
        uuid: v.uuid.as_deref().and_then(parse_uuid).unwrap_or([0; 16]),
        id: match power {
            Some(VirtualMachinePowerState::PoweredOn | VirtualMachinePowerState::Suspended) => {
                vm_id(&obj.value).unwrap_or(-1)
            }
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
    use VirtualMachinePowerState::*;
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

/// The properties of the network system the watcher follows.
const NETWORK_PATHS: &[&str] = &["networkInfo.vswitch", "networkInfo.portgroup"];

/// Each switch with what a change of it is (its configuration and its port
/// groups' specs; not their ports, which VMs change as they connect).
fn net_facts(obj: &MoRef, seen: &Seen) -> Vec<(NetRef, String)> {
    let Ok(info) = NetworkSystemInfo::from_object(&seen.content(obj)) else {
        return Vec::new();
    };
    info.vswitches
        .iter()
        .map(|s| {
            let groups: Vec<_> = info
                .portgroups
                .iter()
                .filter(|p| p.spec.vswitch_name == s.name)
                .map(|p| &p.spec)
                .collect();
            let net = NetRef {
                name: s.name.clone(),
                uuid: switch_uuid(s),
            };
            (net, format!("{:?}{:?}{:?}", s.spec, s.pnic, groups))
        })
        .collect()
}

fn net_diff(before: &[(NetRef, String)], after: &[(NetRef, String)], out: &mut Vec<DomainEvent>) {
    let event = |net: &NetRef, event| DomainEvent::Network {
        net: net.clone(),
        event,
        detail: 0,
    };
    for (net, sig) in after {
        match before.iter().find(|(n, _)| n.name == net.name) {
            Some((_, old)) if old == sig => {}
            _ => out.push(event(net, net_kind::DEFINED)),
        }
    }
    for (net, _) in before {
        if !after.iter().any(|(n, _)| n.name == net.name) {
            out.push(event(net, net_kind::UNDEFINED));
        }
    }
}

/// What the thread and whoever stops it share.
pub(crate) struct Control {
    client: Arc<Client>,
    stop: AtomicBool,
    /// The connection is closing: its Logout ends the session and with it
    /// the filter, view and collector, so none is destroyed one by one.
    closing: AtomicBool,
    progress: Mutex<Progress>,
    changed: Condvar,
    thread: Mutex<Option<JoinHandle<()>>>,
    /// VMs the watcher holds (for tests: bounded by those that exist).
    tracked: AtomicUsize,
}

#[derive(Default)]
struct Progress {
    /// The collector of the wait in progress, if one is.
    waiting: Option<MoRef>,
    ended: bool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Control {
    fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// One WaitForUpdatesEx, known to `halt` while in progress. None when
    /// stopped before it was sent.
    fn wait(&self, filter: &mut Filter<'_>, seconds: u64) -> Result<Option<UpdateSet>> {
        {
            let mut p = lock(&self.progress);
            if self.stopped() {
                return Ok(None);
            }
            p.waiting = Some(filter.collector().clone());
        }
        let r = filter.wait_seconds(seconds);
        lock(&self.progress).waiting = None;
        self.changed.notify_all();
        r
    }

    /// Sleeps `d` unless stopped first; true when stopped.
    fn pause(&self, d: Duration) -> bool {
        let p = lock(&self.progress);
        let _ = self
            .changed
            .wait_timeout_while(p, d, |_| !self.stopped())
            .unwrap_or_else(|e| e.into_inner());
        self.stopped()
    }

    /// Stops the watcher: no event is reported from now on, and the wait in
    /// progress on the host is cancelled. With `confirm`, the cancel is
    /// repeated (a few times, briefly) until the wait has ended: the first
    /// can reach the host before the wait itself does.
    /// True when no wait is left in progress (with `confirm`).
    /// `deadline`: none of it goes past this (a close's overall deadline).
    fn halt(&self, closing: bool, confirm: bool, deadline: Option<Instant>) -> bool {
        if closing {
            self.closing.store(true, Ordering::SeqCst);
        }
        let first = !self.stop.swap(true, Ordering::SeqCst);
        let mut p = lock(&self.progress);
        self.changed.notify_all();
        if !first && !confirm {
            return p.waiting.is_none() || p.ended;
        }
        for _ in 0..if confirm { CANCEL_TRIES } else { 1 } {
            let Some(collector) = p.waiting.clone().filter(|_| !p.ended) else {
                return true;
            };
            drop(p);
            let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            // In this session only: a cancel is pointless in a new one.
            let sent = match left {
                Some(l) if l.is_zero() => Err(Error::operation_timeout(
                    "the close's deadline passed before the cancel was sent",
                )),
                Some(l) => {
                    self.client
                        .invoke_in_session_within("CancelWaitForUpdates", &collector, "", l)
                }
                None => self
                    .client
                    .invoke_in_session("CancelWaitForUpdates", &collector, "", Safety::ReadOnly)
                    .map(|_| ()),
            };
            if let Err(e) = &sent {
                log::debug!("CancelWaitForUpdates on {collector}: {e}");
            }
            p = lock(&self.progress);
            if sent.is_err() || !confirm {
                return p.waiting.is_none() || p.ended;
            }
            let grace = deadline.map_or(CANCEL_GRACE, |d| {
                CANCEL_GRACE.min(d.saturating_duration_since(Instant::now()))
            });
            p = self
                .changed
                .wait_timeout_while(p, grace, |p| p.waiting.is_some() && !p.ended)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        p.waiting.is_none() || p.ended
    }

    /// Waits up to `limit` for the thread to end, and joins it if it did
    /// (else leaves it: it ends after its request, reporting nothing).
    fn join_within(&self, limit: Duration) {
        let p = lock(&self.progress);
        let (p, _) = self
            .changed
            .wait_timeout_while(p, limit, |p| !p.ended)
            .unwrap_or_else(|e| e.into_inner());
        let ended = p.ended;
        drop(p);
        if ended {
            if let Some(t) = lock(&self.thread).take() {
                let _ = t.join();
            }
        }
    }

    fn finish(&self) {
        lock(&self.progress).ended = true;
        self.changed.notify_all();
    }
}

/// A running watcher; dropping it stops it (the wait in progress is
/// cancelled on the host, and nothing is reported after the drop).
pub struct Watcher {
    ctl: Arc<Control>,
}

impl Watcher {
    /// Stops and waits for the thread (up to the URI's read_timeout).
    /// True when the host ended the wait in progress on being asked to
    /// (or none was), false when it went on regardless.
    pub fn stop(self) -> bool {
        let cancelled = self.ctl.halt(false, true, None);
        self.ctl
            .join_within(self.ctl.client.transport().read_timeout());
        cancelled
    }

    /// Whether a WaitForUpdatesEx of the watcher is in progress.
    pub fn waiting(&self) -> bool {
        lock(&self.ctl.progress).waiting.is_some()
    }

    /// The VMs the watcher holds state for.
    pub fn tracked(&self) -> usize {
        self.ctl.tracked.load(Ordering::SeqCst)
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        // A deregistration on a host that stopped answering waits for
        // the cancel no longer than a close does.
        let _ = self
            .ctl
            .halt(false, false, Some(Instant::now() + CLOSE_WAIT));
    }
}

struct State {
    client: Arc<Client>,
    /// The VMs' container (the root folder; on a vCenter the host), for
    /// a container view, and the traversal spec for a host without views.
    container: MoRef,
    spec: PropertyFilterSpec,
    known: HashMap<MoRef, Seen>,
    /// The host's network system, while the watcher follows it.
    netsys: Option<MoRef>,
    /// Its switches and port groups as last seen.
    net: Seen,
    /// False until the first inventory was read (it is not reported).
    primed: bool,
    /// The same for the network system.
    primed_net: bool,
}

type Sink = dyn Fn(DomainEvent) + Send + Sync;

impl State {
    /// One filter's life: Ok when stopped, Err when it broke. `ready` gets
    /// the outcome of the first inventory, the first time.
    fn follow(
        &mut self,
        ctl: &Control,
        sink: &Sink,
        ready: &mut Option<mpsc::Sender<Result<()>>>,
    ) -> Result<()> {
        let client = self.client.clone();
        let collector = property::create_collector(&client)?;
        // One filter over a container view of every VM (made again on each
        // resynchronisation: views belong to a session); a host without a
        // ViewManager gets the folder traversal.
        let view = match client.service().view_manager.clone() {
            Some(vm) => match vim25::create_container_view(
                &client,
                &vm,
                &self.container,
                &["VirtualMachine".to_string()],
                true,
            ) {
                Ok(v) => Some(v),
                Err(e) => {
                    destroy_collector(&client, &collector);
                    return Err(e);
                }
            },
            None => None,
        };
        let mut spec = match &view {
            Some(v) => PropertyFilterSpec::new(
                vec![PropertySpec::new("VirtualMachine", VmWatch::PATHS)],
                vec![ObjectSpec::traversing(
                    &v.clone(),
                    true,
                    vec![TraversalSpec::new("traverseView", "ContainerView", "view")
                        .into_selection()],
                )],
            ),
            None => self.spec.clone(),
        };
        let vms_only = spec.clone();
        if let Some(n) = &self.netsys {
            spec.prop_set
                .push(PropertySpec::new("HostNetworkSystem", NETWORK_PATHS));
            spec.object_set.push(ObjectSpec::object(n));
        }
        let result = (|| {
            let mut filter = match Filter::create(&client, &collector, &spec) {
                Ok(f) => f,
                // A host that names a network system it cannot show: the
                // VMs are followed without it.
                Err(e) if self.netsys.is_some() && e.fault() == Some("ManagedObjectNotFound") => {
                    log::info!("network events: {e}; following the VMs only");
                    self.netsys = None;
                    Filter::create(&client, &collector, &vms_only)?
                }
                Err(e) => return Err(e),
            };
            let outcome = self.run_filter(ctl, &mut filter, sink, ready);
            if ctl.closing.load(Ordering::SeqCst) {
                filter.abandon();
            }
            outcome
        })();
        // Closing: the Logout takes them all with the session.
        if !ctl.closing.load(Ordering::SeqCst) {
            if let Some(v) = &view {
                let _ = vim25::destroy_view(&client, v);
            }
            destroy_collector(&client, &collector);
        }
        result
    }

    fn run_filter(
        &mut self,
        ctl: &Control,
        filter: &mut Filter<'_>,
        sink: &Sink,
        ready: &mut Option<mpsc::Sender<Result<()>>>,
    ) -> Result<()> {
        // The first update: everything, maybe in parts, each asked for at
        // once (maxWaitSeconds 0: one update calculation). An empty
        // inventory may come as "no change".
        let deadline = Instant::now() + self.client.transport().read_timeout();
        let mut fresh: HashMap<MoRef, Seen> = HashMap::new();
        let mut fresh_net = Seen::default();
        while let Some(set) = ctl.wait(filter, 0)? {
            for o in set.objects() {
                if Some(&o.obj) == self.netsys.as_ref() {
                    fresh_net.apply(o);
                } else if o.kind == ObjectUpdateKind::Leave {
                    fresh.remove(&o.obj);
                } else {
                    fresh.entry(o.obj.clone()).or_default().apply(o);
                }
            }
            if !set.is_truncated() {
                break;
            }
            if Instant::now() >= deadline {
                return Err(Error::operation_timeout(format!(
                    "The host sent the inventory in parts for longer than read_timeout={}s",
                    self.client.transport().read_timeout().as_secs()
                )));
            }
        }
        if ctl.stopped() {
            return Ok(());
        }
        let mut events = self.take_inventory(fresh);
        if let Some(n) = self.netsys.clone() {
            if self.primed_net {
                net_diff(
                    &net_facts(&n, &self.net),
                    &net_facts(&n, &fresh_net),
                    &mut events,
                );
            }
            self.net = fresh_net;
            self.primed_net = true;
        }
        // Counted before the caller is told the watcher is ready.
        ctl.tracked.store(self.known.len(), Ordering::SeqCst);
        if let Some(tx) = ready.take() {
            let _ = tx.send(Ok(()));
        }
        self.report(ctl, sink, events);

        let mut pause: Option<Duration> = None;
        let mut rest_pending = false;
        loop {
            let asked = if rest_pending { 0 } else { IDLE_WAIT_SECONDS };
            let started = Instant::now();
            let set = ctl.wait(filter, asked)?;
            if ctl.stopped() {
                return Ok(());
            }
            // An UpdateSet without objects is "no change" too, whatever
            // it says of a rest.
            let changed = set.as_ref().is_some_and(|s| s.objects().next().is_some());
            let Some(set) = set.filter(|_| changed) else {
                rest_pending = false;
                // "No change" well before the wait asked for is not how a
                // host answers: do not turn it into a busy loop.
                let took = started.elapsed();
                if asked > 0 && took * 2 < Duration::from_secs(asked) {
                    let p = pause.map_or(FIRST_PAUSE, |p| (p * 2).min(MAX_PAUSE));
                    pause = Some(p);
                    log::debug!(
                        "WaitForUpdatesEx answered 'no change' after {took:?} instead of \
                         waiting up to {asked}s; pausing {p:?}"
                    );
                    if ctl.pause(p) {
                        return Ok(());
                    }
                } else {
                    pause = None;
                }
                continue;
            };
            pause = None;
            rest_pending = set.is_truncated();
            let events = self.take_update(&set);
            self.report(ctl, sink, events);
        }
    }

    /// A filter's first update, complete: the events are what differs from
    /// what was known (none the first time of all).
    fn take_inventory(&mut self, mut fresh: HashMap<MoRef, Seen>) -> Vec<DomainEvent> {
        // A property the host cannot read now keeps, as what the next value
        // read is compared with, the last value read before.
        for (obj, new) in fresh.iter_mut() {
            if let Some(old) = self.known.get(obj) {
                for path in &new.unknown {
                    if let Some(v) = old.props.get(path) {
                        new.props.insert(path.clone(), v.clone());
                    }
                }
            }
        }
        let mut events = Vec::new();
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
        events
    }

    /// A later update (or part of one): each object's events, in order.
    fn take_update(&mut self, set: &UpdateSet) -> Vec<DomainEvent> {
        let mut events = Vec::new();
        for o in set.objects() {
            if Some(&o.obj) == self.netsys.as_ref() {
                let before = net_facts(&o.obj, &self.net);
                self.net.apply(o);
                net_diff(&before, &net_facts(&o.obj, &self.net), &mut events);
                continue;
            }
            let before = self.known.get(&o.obj).and_then(|s| facts(&o.obj, s));
            if o.kind == ObjectUpdateKind::Leave {
                self.known.remove(&o.obj);
                diff(before.as_ref(), None, &mut events);
                continue;
            }
            let seen = self.known.entry(o.obj.clone()).or_default();
            seen.apply(o);
            let after = facts(&o.obj, seen);
            diff(before.as_ref(), after.as_ref(), &mut events);
        }
        events
    }

    fn report(&mut self, ctl: &Control, sink: &Sink, events: Vec<DomainEvent>) {
        // Memory follows the VMs that exist: a map that held many more
        // gives its room back.
        if self.known.capacity() > 64 && self.known.capacity() > 4 * self.known.len() {
            self.known.shrink_to_fit();
        }
        ctl.tracked.store(self.known.len(), Ordering::SeqCst);
        for e in events {
            if ctl.stopped() {
                return;
            }
            sink(e);
        }
    }
}

fn destroy_collector(client: &Client, collector: &MoRef) {
    if let Err(e) = client.invoke("DestroyPropertyCollector", collector, "", Safety::Mutating) {
        log::debug!("DestroyPropertyCollector {collector}: {e}");
    }
}

fn run(ctl: Arc<Control>, mut state: State, sink: Arc<Sink>, ready: mpsc::Sender<Result<()>>) {
    let mut ready = Some(ready);
    let mut pause = FIRST_PAUSE;
    while !ctl.stopped() {
        match state.follow(&ctl, sink.as_ref(), &mut ready) {
            Ok(()) => break,
            Err(e) => {
                if let Some(tx) = ready.take() {
                    // Not started: the caller gets the error.
                    let _ = tx.send(Err(e));
                    break;
                }
                // A closed connection never comes back.
                if ctl.stopped() || ctl.client.is_closed() {
                    break;
                }
                log::info!("domain event watcher: {e}; resynchronising");
                if ctl.pause(pause) {
                    break;
                }
                pause = (pause * 2).min(MAX_PAUSE);
            }
        }
    }
    ctl.finish();
}

impl Connection {
    /// Starts watching every domain of this connection; `sink` gets each
    /// event on the watcher's thread (it must not block for long). The
    /// inventory is read before this returns: every change after that is
    /// reported.
    pub fn watch_domains(&self, sink: Arc<dyn Fn(DomainEvent) + Send + Sync>) -> Result<Watcher> {
        let spec = self.vm_list_spec(VmWatch::PATHS)?;
        let container = if self.is_vcenter() {
            self.scope()?.host.clone()
        } else {
            self.client().service().root_folder.clone()
        };
        let client = self.shared_client();
        let ctl = Arc::new(Control {
            client: client.clone(),
            stop: AtomicBool::new(false),
            closing: AtomicBool::new(false),
            progress: Mutex::new(Progress::default()),
            changed: Condvar::new(),
            thread: Mutex::new(None),
            tracked: AtomicUsize::new(0),
        });
        let state = State {
            client,
            container,
            spec,
            known: HashMap::new(),
            netsys: self.scope()?.network_system.clone(),
            net: Seen::default(),
            primed: false,
            primed_net: false,
        };
        let (tx, rx) = mpsc::channel();
        let thread_ctl = ctl.clone();
        let thread = std::thread::Builder::new()
            .name("esx-events".into())
            .spawn(move || run(thread_ctl, state, sink, tx))
            .map_err(|e| Error::internal(format!("cannot start the event watcher: {e}")))?;
        *lock(&ctl.thread) = Some(thread);
        // Known to the connection from now on: a close stops it first.
        self.add_watcher(&ctl);
        let watcher = Watcher { ctl: ctl.clone() };
        // Each of the thread's requests has its deadline; this one is a
        // backstop over all of them (collector, view, filter, inventory).
        let uri = self.uri();
        let limit = (uri.connect_timeout + uri.read_timeout) * 4;
        match rx.recv_timeout(limit) {
            Ok(Ok(())) => Ok(watcher),
            Ok(Err(e)) => {
                ctl.join_within(Duration::from_secs(1));
                Err(e)
            }
            Err(_) => Err(Error::operation_timeout(format!(
                "The host did not send its inventory of VMs for the event watcher within {}s",
                limit.as_secs()
            ))),
        }
    }

    /// Stops every watcher of this connection before it logs out: their
    /// waits are cancelled, and nothing they do after it opens a session.
    /// Everything by `deadline`; the second value is false when a wait
    /// may still be in progress (the host did not answer in time).
    pub(crate) fn stop_watchers(&self, deadline: Instant) -> (Vec<Arc<Control>>, bool) {
        let live: Vec<Arc<Control>> = self.take_watchers();
        let mut all = true;
        for c in &live {
            all &= c.halt(true, true, Some(deadline));
        }
        (live, all)
    }
}

/// After the Logout: the watchers' threads end at once (every request
/// fails: the client is closed); they are waited for until `deadline`
/// (one for all), then left to end on their own, reporting nothing.
pub(crate) fn join_watchers(stopped: Vec<Arc<Control>>, deadline: Instant) {
    for c in stopped {
        c.join_within(deadline.saturating_duration_since(Instant::now()));
    }
}
