//! Every managed object esx-sim serves, registered once by its MoRef: the
//! property collector finds any of them here and reads its properties by
//! walking the generated types (see [`Object`]); methods find theirs here
//! by type.

use std::any::Any;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use esx_vi::wire::{Found, Keep, NoSuchProperty, Serve};
use esx_vi::MoRef;

use crate::world::World;

/// What the collector hands a property's value to (None: unset).
pub type Sink<'s> = dyn FnMut(Option<Found<'_>>) + 's;

/// A managed object: its VI properties as the generated type of its
/// managed type, and beside them what is not a VI property.
pub trait Object: AsAny + Send {
    fn moref(&self) -> &MoRef;

    /// Reads property `path` (`config.hardware.memoryMB`): walks the
    /// object's typed properties (with what depends on the rest of the
    /// world or on the clock filled in) and hands the value found to
    /// `sink`. A property the type does not have is an error.
    fn read(
        &self,
        w: &World,
        path: &[&str],
        keep: &dyn Keep,
        sink: &mut Sink<'_>,
    ) -> Result<(), NoSuchProperty>;

    /// Values a hostile host sends in place of the typed ones (a test's
    /// injection): (property path, text).
    fn hostile(&self) -> &[(String, String)] {
        &[]
    }

    /// The session that owns the object (a private collector, a filter,
    /// a view): it goes with the session.
    fn owner(&self) -> Option<&str> {
        None
    }
}

/// Reads `path` of typed properties `props`.
pub fn read_typed(
    props: &dyn Serve,
    path: &[&str],
    keep: &dyn Keep,
    sink: &mut Sink<'_>,
) -> Result<(), NoSuchProperty> {
    let found = props.at(path, keep)?;
    sink(found);
    Ok(())
}

/// Downcasting from the registry to an object's own type.
pub trait AsAny {
    fn as_any(&self) -> &dyn Any;
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

impl<T: Any> AsAny for T {
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

/// FNV-1a: the registry's lookups are by short ids of the simulator's own
/// making, many per request (no adversary picks them).
#[derive(Default)]
pub struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;
pub type FastSet<K> = HashSet<K, BuildHasherDefault<Fnv>>;

/// The objects, by kind in the order registered (iterating a kind costs
/// no lookup), with an index by MoRef.
#[derive(Default)]
pub struct Registry {
    kinds: FastMap<String, BTreeMap<u64, Box<dyn Object>>>,
    index: FastMap<MoRef, u64>,
    next: u64,
}

impl Registry {
    /// Registers an object (replacing one with the same MoRef).
    pub fn register(&mut self, obj: impl Object + 'static) {
        let m = obj.moref().clone();
        self.remove(&m);
        self.next += 1;
        self.kinds
            .entry(m.kind.clone())
            .or_default()
            .insert(self.next, Box::new(obj));
        self.index.insert(m, self.next);
    }

    pub fn remove(&mut self, m: &MoRef) -> Option<Box<dyn Object>> {
        let n = self.index.remove(m)?;
        self.kinds.get_mut(&m.kind)?.remove(&n)
    }

    pub fn contains(&self, m: &MoRef) -> bool {
        self.index.contains_key(m)
    }

    pub fn get(&self, m: &MoRef) -> Option<&dyn Object> {
        let n = self.index.get(m)?;
        self.kinds.get(&m.kind)?.get(n).map(|b| b.as_ref())
    }

    fn get_mut(&mut self, m: &MoRef) -> Option<&mut Box<dyn Object>> {
        let n = self.index.get(m)?;
        self.kinds.get_mut(&m.kind)?.get_mut(n)
    }

    /// The object of this MoRef, as its own type.
    pub fn typed<T: Object + 'static>(&self, m: &MoRef) -> Option<&T> {
        self.get(m)?.as_any().downcast_ref::<T>()
    }

    pub fn typed_mut<T: Object + 'static>(&mut self, m: &MoRef) -> Option<&mut T> {
        self.get_mut(m)?.as_mut().as_any_mut().downcast_mut::<T>()
    }

    fn of_kind(&self, kind: &str) -> impl Iterator<Item = &dyn Object> {
        self.kinds
            .get(kind)
            .into_iter()
            .flat_map(|o| o.values().map(|b| b.as_ref()))
    }

    /// The MoRefs of a kind, in the order registered.
    pub fn morefs(&self, kind: &str) -> impl Iterator<Item = &MoRef> {
        self.of_kind(kind).map(|o| o.moref())
    }

    /// The objects of a kind, as their own type, in the order registered.
    pub fn all<T: Object + 'static>(&self, kind: &str) -> impl Iterator<Item = &T> {
        self.of_kind(kind)
            .filter_map(|o| o.as_any().downcast_ref::<T>())
    }

    /// How many objects of a kind.
    pub fn count(&self, kind: &str) -> usize {
        self.kinds.get(kind).map_or(0, BTreeMap::len)
    }

    /// Removes what `keep` refuses (the objects of an ended session).
    pub fn retain(&mut self, keep: impl Fn(&dyn Object) -> bool) {
        let gone: Vec<MoRef> = self
            .kinds
            .values()
            .flat_map(|o| o.values())
            .filter(|o| !keep(o.as_ref()))
            .map(|o| o.moref().clone())
            .collect();
        for m in gone {
            self.remove(&m);
        }
    }
}
