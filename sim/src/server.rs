// SPDX-License-Identifier: LGPL-2.1-or-later
//! Shared state, request routing, the timer that drives tasks, request
//! counters and injected faults.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use crate::http::{decode, Handler, Outcome, Request, Response};
use crate::world::World;

/// A fault to inject into the next matching request(s).
#[derive(Debug, Clone, PartialEq)]
pub enum FaultKind {
    /// Close the connection before the request is processed.
    DropBefore,
    /// Process the request, then close the connection without answering.
    DropAfter,
    /// As DropAfter, and a task the call started is done first: what the
    /// caller reads next shows the change made (a lost answer to a task
    /// the host carried out).
    DropDone,
    Http503,
    /// A truncated, non-XML body with status 200.
    Malformed,
    Latency(Duration),
    /// Hold the request until the test says `release_held` (a slow host
    /// whose slowness the test controls, never a time).
    Hold,
    /// A SOAP fault of this type, with this message.
    Soap(String, String),
    /// A 100 MB response.
    Huge,
    /// An XML entity-expansion bomb.
    Bomb,
    /// A well-formed reply nested 20,000 elements deep.
    Deep,
    /// A well-formed 32 MiB reply of empty elements.
    Wide,
    /// The method's response element with nothing in it, at once (for
    /// WaitForUpdatesEx: "no change", however long the client asked to wait).
    Empty,
    /// A well-formed reply whose returnval means nothing (`<returnval>junk</returnval>`).
    Junk,
    /// Claim success without doing anything (for `DELETE /folder`: a 200
    /// that deletes nothing, as govmomi's simulator answers).
    Ignore,
    /// Expire every session before processing (a host restart).
    ExpireSession,
}

#[derive(Debug, Clone)]
pub struct FaultRule {
    pub method: String,
    pub kind: FaultKind,
    pub remaining: u32,
}

type Job = Box<dyn FnOnce(&Shared, &mut World) + Send>;

struct Timed {
    at: Instant,
    seq: u64,
    job: Job,
}

impl PartialEq for Timed {
    fn eq(&self, o: &Self) -> bool {
        (self.at, self.seq) == (o.at, o.seq)
    }
}
impl Eq for Timed {}
impl PartialOrd for Timed {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Timed {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        (self.at, self.seq).cmp(&(o.at, o.seq))
    }
}

pub struct Shared {
    world: Mutex<World>,
    /// Notified on every change of the world (WaitForUpdates waits on it).
    pub changed: Condvar,
    stats: Mutex<BTreeMap<String, u64>>,
    faults: Mutex<Vec<FaultRule>>,
    timers: Mutex<(BinaryHeap<Reverse<Timed>>, u64)>,
    timer_cv: Condvar,
    pub versions_xml: String,
    pub tls_thumbprints: (String, String),
    /// SOAP requests being handled now, and the most at once since the
    /// last reset (WaitForUpdatesEx, which waits by design, left out): how
    /// tests see that a client's requests really overlap.
    inflight: AtomicUsize,
    pub max_inflight: AtomicUsize,
    /// Held requests and transfers wait on it (`release_held`).
    pub gate: Arc<Gate>,
}

/// Where held requests wait until the test releases them.
#[derive(Debug, Default)]
pub struct Gate {
    /// Releases so far, and the requests held now.
    generation: Mutex<(u64, u64)>,
    released: Condvar,
}

impl Gate {
    /// Waits for the next release.
    pub fn hold(&self) {
        let mut g = match self.generation.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        let seen = g.0;
        g.1 += 1;
        while g.0 == seen {
            g = match self.released.wait(g) {
                Ok(g) => g,
                Err(p) => p.into_inner(),
            };
        }
        g.1 -= 1;
    }

    /// Requests held now (so that a test knows its request arrived).
    pub fn held(&self) -> u64 {
        match self.generation.lock() {
            Ok(g) => g.1,
            Err(p) => p.into_inner().1,
        }
    }

    pub fn release(&self) {
        if let Ok(mut g) = self.generation.lock() {
            g.0 += 1;
        }
        self.released.notify_all();
    }
}

impl Shared {
    pub fn start(world: World, tls_thumbprints: (String, String)) -> Arc<Shared> {
        let shared = Arc::new(Shared {
            world: Mutex::new(world),
            changed: Condvar::new(),
            stats: Mutex::new(BTreeMap::new()),
            faults: Mutex::new(Vec::new()),
            timers: Mutex::new((BinaryHeap::new(), 0)),
            timer_cv: Condvar::new(),
            versions_xml: versions_xml(),
            tls_thumbprints,
            inflight: AtomicUsize::new(0),
            max_inflight: AtomicUsize::new(0),
            gate: Arc::new(Gate::default()),
        });
        let weak = Arc::downgrade(&shared);
        std::thread::spawn(move || timer_loop(weak));
        shared
    }

    /// Waits until the test releases what is held (FaultKind::Hold).
    pub fn hold(&self) {
        self.gate.hold();
    }

    /// Lets every held request go on.
    pub fn release_held(&self) {
        self.gate.release();
    }

    pub fn lock(&self) -> MutexGuard<'_, World> {
        match self.world.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    /// Runs `job` on the world after `delay`.
    pub fn after(&self, delay: Duration, job: impl FnOnce(&Shared, &mut World) + Send + 'static) {
        let mut t = match self.timers.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        t.1 += 1;
        let seq = t.1;
        t.0.push(Reverse(Timed {
            at: Instant::now() + delay,
            seq,
            job: Box::new(job),
        }));
        drop(t);
        self.timer_cv.notify_all();
    }

    pub fn count(&self, what: &str) {
        if let Ok(mut s) = self.stats.lock() {
            *s.entry(what.to_string()).or_insert(0) += 1;
        }
    }

    pub fn take_fault(&self, method: &str) -> Option<FaultKind> {
        let mut f = self.faults.lock().ok()?;
        let i = f
            .iter()
            .position(|r| r.method == method || r.method == "*")?;
        let kind = f[i].kind.clone();
        f[i].remaining = f[i].remaining.saturating_sub(1);
        if f[i].remaining == 0 {
            f.remove(i);
        }
        Some(kind)
    }

    /// Takes the next fault of `method` only if it is of a kind `pick`
    /// accepts (the others stay for whoever handles them).
    pub fn take_fault_if(&self, method: &str, pick: impl Fn(&FaultKind) -> bool) -> bool {
        let Ok(mut f) = self.faults.lock() else {
            return false;
        };
        let Some(i) = f.iter().position(|r| r.method == method || r.method == "*") else {
            return false;
        };
        if !pick(&f[i].kind) {
            return false;
        }
        f[i].remaining = f[i].remaining.saturating_sub(1);
        if f[i].remaining == 0 {
            f.remove(i);
        }
        true
    }

    pub fn add_fault(&self, rule: FaultRule) {
        if let Ok(mut f) = self.faults.lock() {
            f.push(rule);
        }
    }

    pub fn clear_faults(&self) {
        if let Ok(mut f) = self.faults.lock() {
            f.clear();
        }
    }

    /// Requests per method, with `total` (requests, not the SOAPAction
    /// tallies kept beside them).
    pub fn stats(&self) -> std::collections::BTreeMap<String, u64> {
        let s = match self.stats.lock() {
            Ok(s) => s.clone(),
            Err(p) => p.into_inner().clone(),
        };
        let total: u64 = s
            .iter()
            .filter(|(k, _)| !k.starts_with("SOAPAction "))
            .map(|(_, v)| v)
            .sum();
        let mut out: std::collections::BTreeMap<String, u64> = s.into_iter().collect();
        out.insert("total".into(), total);
        out
    }

    pub fn stats_text(&self) -> String {
        let mut s = self.stats();
        let total = s.remove("total").unwrap_or(0);
        let mut out = format!("total {total}\n");
        for (k, v) in s {
            out.push_str(&format!("{k} {v}\n"));
        }
        out
    }

    /// Requests held now.
    pub fn held(&self) -> u64 {
        self.gate.held()
    }

    pub fn reset_stats(&self) {
        if let Ok(mut s) = self.stats.lock() {
            s.clear();
        }
        self.max_inflight.store(0, Ordering::SeqCst);
    }
}

fn timer_loop(weak: Weak<Shared>) {
    loop {
        let Some(shared) = weak.upgrade() else { return };
        let job = {
            let mut t = match shared.timers.lock() {
                Ok(g) => g,
                Err(p) => p.into_inner(),
            };
            loop {
                let now = Instant::now();
                match t.0.peek() {
                    Some(Reverse(j)) if j.at <= now => break t.0.pop().map(|Reverse(j)| j.job),
                    Some(Reverse(j)) => {
                        let wait = j.at - now;
                        t = match shared.timer_cv.wait_timeout(t, wait) {
                            Ok((g, _)) => g,
                            Err(p) => p.into_inner().0,
                        };
                    }
                    None => {
                        t = match shared.timer_cv.wait_timeout(t, Duration::from_millis(500)) {
                            Ok((g, _)) => g,
                            Err(p) => p.into_inner().0,
                        };
                        if Arc::strong_count(&shared) <= 1 {
                            return;
                        }
                    }
                }
            }
        };
        if let Some(job) = job {
            let mut w = shared.lock();
            job(&shared, &mut w);
            drop(w);
            shared.changed.notify_all();
        }
    }
}

fn versions_xml() -> String {
    let prior = [
        "7.0.2.0", "7.0.1.0", "7.0.0.0", "6.7.3", "6.7.2", "6.7.1", "6.7", "6.5", "6.0", "5.5",
        "5.1", "5.0", "4.1", "4.0",
    ];
    let mut x = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<namespaces version=\"1.0\">\n  <namespace>\n    <name>urn:vim25</name>\n    <version>7.0.3.0</version>\n    <priorVersions>\n",
    );
    for p in prior {
        x.push_str(&format!("      <version>{p}</version>\n"));
    }
    x.push_str("    </priorVersions>\n  </namespace>\n</namespaces>\n");
    x
}

pub struct Router {
    pub shared: Arc<Shared>,
}

fn cookie_value(req: &Request) -> Option<String> {
    let header = req.header("cookie")?;
    header.split(';').find_map(|part| {
        let (n, v) = part.trim().split_once('=')?;
        (n.trim() == "vmware_soap_session").then(|| v.trim().trim_matches('"').to_string())
    })
}

impl Handler for Router {
    fn handle(&self, req: Request) -> Outcome {
        let sh = &self.shared;
        match (req.method.as_str(), req.path.as_str()) {
            ("POST", "/sdk") | ("POST", "/sdk/") => {
                let cookie = cookie_value(&req);
                sh.count(&format!(
                    "SOAPAction {}",
                    req.header("soapaction").unwrap_or("-").trim_matches('"')
                ));
                let waits = req
                    .header("soapaction")
                    .is_some_and(|a| a.contains("WaitForUpdatesEx"))
                    || req.body.windows(17).any(|w| w == b"WaitForUpdatesEx");
                if waits {
                    return crate::soap::handle(sh, &req.body, cookie);
                }
                let now = sh.inflight.fetch_add(1, Ordering::SeqCst) + 1;
                sh.max_inflight.fetch_max(now, Ordering::SeqCst);
                let out = crate::soap::handle(sh, &req.body, cookie);
                sh.inflight.fetch_sub(1, Ordering::SeqCst);
                out
            }
            ("GET", "/sdk/vimServiceVersions.xml") => {
                sh.count("GET /sdk/vimServiceVersions.xml");
                Outcome::Respond(Response::new(
                    200,
                    "text/xml",
                    sh.versions_xml.clone().into_bytes(),
                ))
            }
            (_, p) if p.starts_with("/folder") => {
                let cookie = cookie_value(&req);
                Outcome::Respond(crate::files::handle(sh, &req, cookie))
            }
            (_, p) if p.starts_with("/sim/") => Outcome::Respond(crate::control::handle(sh, &req)),
            _ => {
                sh.count(&format!("{} {}", req.method, decode(&req.path, false)));
                Outcome::Respond(Response::text(404, "Not Found"))
            }
        }
    }

    fn streams(&self, req: &Request) -> bool {
        req.method == "PUT" && req.path.starts_with("/folder")
    }

    fn handle_stream(&self, req: Request, body: &mut dyn std::io::Read) -> Outcome {
        let cookie = cookie_value(&req);
        // A host that goes away while the body arrives: the sender's
        // write fails (fault kind drop_before on `PUT /folder`).
        if self
            .shared
            .take_fault_if("PUT /folder", |k| *k == FaultKind::DropBefore)
        {
            return Outcome::Drop;
        }
        Outcome::Respond(crate::files::handle_body(&self.shared, &req, cookie, body))
    }
}
