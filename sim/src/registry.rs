//! Every managed object esx-sim serves, registered once by its MoRef: the
//! property collector finds any of them here and reads its properties by
//! walking the generated types (see [`Object`]); methods find theirs here
//! by type.

use std::any::Any;
use std::collections::{BTreeMap, HashMap};

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

/// The objects, by MoRef; each kind also in the order registered.
#[derive(Default)]
pub struct Registry {
    objects: HashMap<MoRef, Box<dyn Object>>,
    order: HashMap<String, BTreeMap<u64, MoRef>>,
    seq: HashMap<MoRef, u64>,
    next: u64,
}

impl Registry {
    /// Registers an object (replacing one with the same MoRef).
    pub fn register(&mut self, obj: impl Object + 'static) {
        let m = obj.moref().clone();
        self.remove(&m);
        self.next += 1;
        self.order
            .entry(m.kind.clone())
            .or_default()
            .insert(self.next, m.clone());
        self.seq.insert(m.clone(), self.next);
        self.objects.insert(m, Box::new(obj));
    }

    pub fn remove(&mut self, m: &MoRef) -> Option<Box<dyn Object>> {
        if let Some(n) = self.seq.remove(m) {
            if let Some(o) = self.order.get_mut(&m.kind) {
                o.remove(&n);
            }
        }
        self.objects.remove(m)
    }

    pub fn contains(&self, m: &MoRef) -> bool {
        self.objects.contains_key(m)
    }

    pub fn get(&self, m: &MoRef) -> Option<&dyn Object> {
        self.objects.get(m).map(|b| b.as_ref())
    }

    /// The object of this MoRef, as its own type.
    pub fn typed<T: Object + 'static>(&self, m: &MoRef) -> Option<&T> {
        self.objects.get(m)?.as_ref().as_any().downcast_ref::<T>()
    }

    pub fn typed_mut<T: Object + 'static>(&mut self, m: &MoRef) -> Option<&mut T> {
        self.objects
            .get_mut(m)?
            .as_mut()
            .as_any_mut()
            .downcast_mut::<T>()
    }

    /// The MoRefs of a kind, in the order registered.
    pub fn morefs(&self, kind: &str) -> impl Iterator<Item = &MoRef> {
        self.order.get(kind).into_iter().flat_map(|o| o.values())
    }

    /// The objects of a kind, as their own type, in the order registered.
    pub fn all<T: Object + 'static>(&self, kind: &str) -> impl Iterator<Item = &T> {
        self.morefs(kind).filter_map(move |m| self.typed::<T>(m))
    }

    /// How many objects of a kind.
    pub fn count(&self, kind: &str) -> usize {
        self.order.get(kind).map_or(0, BTreeMap::len)
    }

    /// Removes what `keep` refuses (the objects of an ended session).
    pub fn retain(&mut self, keep: impl Fn(&dyn Object) -> bool) {
        let gone: Vec<MoRef> = self
            .objects
            .iter()
            .filter(|(_, o)| !keep(o.as_ref()))
            .map(|(m, _)| m.clone())
            .collect();
        for m in gone {
            self.remove(&m);
        }
    }
}
