// SPDX-License-Identifier: LGPL-2.1-or-later
//! The property collector: filter specs, RetrievePropertiesEx with
//! ContinueRetrievePropertiesEx, and CreateFilter + WaitForUpdatesEx.

use std::time::Duration;

use super::session::{Client, Safety};
use super::soap::XmlWriter;
use super::types::{MoRef, ObjectContent, UpdateSet, Value};
use crate::error::{Error, Result};

/// Objects per page of RetrievePropertiesEx.
pub const PAGE_SIZE: u32 = 1000;

/// `SelectionSpec`: a traversal, or a reference by name to one.
#[derive(Debug, Clone, PartialEq)]
pub enum Selection {
    Name(String),
    Traversal(TraversalSpec),
}

/// `TraversalSpec`: follow property `path` of objects of type `kind`.
#[derive(Debug, Clone, PartialEq)]
pub struct TraversalSpec {
    pub name: String,
    pub kind: String,
    pub path: String,
    pub skip: bool,
    pub select: Vec<Selection>,
}

impl TraversalSpec {
    pub fn new(name: &str, kind: &str, path: &str) -> TraversalSpec {
        TraversalSpec {
            name: name.into(),
            kind: kind.into(),
            path: path.into(),
            skip: false,
            select: Vec::new(),
        }
    }

    pub fn then(mut self, names: &[&str]) -> TraversalSpec {
        self.select
            .extend(names.iter().map(|n| Selection::Name(n.to_string())));
        self
    }

    pub fn into_selection(self) -> Selection {
        Selection::Traversal(self)
    }
}

/// `ObjectSpec`: where the collector starts.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectSpec {
    pub obj: MoRef,
    pub skip: bool,
    pub select: Vec<Selection>,
}

impl ObjectSpec {
    /// Just this object.
    pub fn object(obj: &MoRef) -> ObjectSpec {
        ObjectSpec {
            obj: obj.clone(),
            skip: false,
            select: Vec::new(),
        }
    }
}

/// `PropertySpec`: which properties of which type.
#[derive(Debug, Clone, PartialEq)]
pub struct PropertySpec {
    pub kind: String,
    pub paths: Vec<String>,
}

impl PropertySpec {
    pub fn new(kind: &str, paths: &[&str]) -> PropertySpec {
        PropertySpec {
            kind: kind.into(),
            paths: paths.iter().map(|p| p.to_string()).collect(),
        }
    }
}

/// `PropertyFilterSpec`.
#[derive(Debug, Clone, PartialEq)]
pub struct FilterSpec {
    pub props: Vec<PropertySpec>,
    pub objects: Vec<ObjectSpec>,
}

impl FilterSpec {
    /// Some properties of one object.
    pub fn one(obj: &MoRef, paths: &[&str]) -> FilterSpec {
        FilterSpec {
            props: vec![PropertySpec::new(&obj.kind, paths)],
            objects: vec![ObjectSpec::object(obj)],
        }
    }

    /// Writes the spec as element `name`, fields in WSDL order.
    pub fn write(&self, w: &mut XmlWriter, name: &str) {
        w.open(name);
        for p in &self.props {
            w.open("propSet").text("type", &p.kind);
            if p.paths.is_empty() {
                w.boolean("all", false);
            }
            for path in &p.paths {
                w.text("pathSet", path);
            }
            w.close("propSet");
        }
        for o in &self.objects {
            w.open("objectSet")
                .moref("obj", &o.obj)
                .boolean("skip", o.skip);
            write_selections(w, &o.select);
            w.close("objectSet");
        }
        w.close(name);
    }
}

fn write_selections(w: &mut XmlWriter, selections: &[Selection]) {
    for s in selections {
        match s {
            Selection::Name(n) => {
                w.open("selectSet").text("name", n).close("selectSet");
            }
            Selection::Traversal(t) => {
                w.open_typed("selectSet", "TraversalSpec")
                    .text("name", &t.name)
                    .text("type", &t.kind)
                    .text("path", &t.path)
                    .boolean("skip", t.skip);
                write_selections(w, &t.select);
                w.close("selectSet");
            }
        }
    }
}

/// The objects of a RetrieveResult. An empty result (no objects, no token;
/// govmomi sends one where ESX sends none) is no objects; a result that
/// is text or holds neither objects nor a token means nothing, and is an
/// error rather than an empty inventory.
fn objects_of(result: &Value) -> Result<Vec<ObjectContent>> {
    let meaningless = match result {
        Value::Text { text, .. } => !text.trim().is_empty(),
        Value::Obj { fields, .. } => fields
            .iter()
            .any(|(name, _)| name != "objects" && name != "token"),
        Value::MoRef(_) | Value::Array { .. } => true,
    };
    if meaningless {
        return Err(Error::rpc(
            "The host answered a property read with a result that is no RetrieveResult",
        ));
    }
    result
        .get_all("objects")
        .map(ObjectContent::from_value)
        .collect()
}

/// RetrievePropertiesEx, then ContinueRetrievePropertiesEx until the host
/// has no more: one round trip per page of `PAGE_SIZE` objects.
pub fn retrieve(client: &Client, spec: &FilterSpec) -> Result<Vec<ObjectContent>> {
    let collector = &client.service().property_collector;
    let mut w = XmlWriter::new();
    spec.write(&mut w, "specSet");
    w.open("options")
        .int("maxObjects", PAGE_SIZE as i64)
        .close("options");
    let first = client.invoke(
        "RetrievePropertiesEx",
        collector,
        &w.finish(),
        Safety::ReadOnly,
    )?;
    let Some(mut result) = first.into_iter().next() else {
        return Ok(Vec::new());
    };
    let mut out = objects_of(&result)?;
    while let Some(token) = result.str_field("token").map(str::to_string) {
        let mut w = XmlWriter::new();
        w.text("token", &token);
        let next = client.invoke(
            "ContinueRetrievePropertiesEx",
            collector,
            &w.finish(),
            Safety::ReadOnly,
        )?;
        result = next
            .into_iter()
            .next()
            .ok_or_else(|| Error::rpc("ContinueRetrievePropertiesEx returned nothing"))?;
        out.extend(objects_of(&result)?);
    }
    Ok(out)
}

/// Properties of a single object; None when the host no longer has it.
pub fn retrieve_one(client: &Client, obj: &MoRef, paths: &[&str]) -> Result<Option<ObjectContent>> {
    match retrieve(client, &FilterSpec::one(obj, paths)) {
        Ok(mut v) => Ok(v.pop()),
        Err(e) if e.fault() == Some("ManagedObjectNotFound") => Ok(None),
        Err(e) => Err(e),
    }
}

/// A property filter on a (private) property collector; destroyed on drop,
/// so that every path out of a wait removes it.
pub struct Filter<'a> {
    client: &'a Client,
    collector: MoRef,
    filter: MoRef,
    version: String,
    abandoned: bool,
}

impl<'a> Filter<'a> {
    pub fn create(client: &'a Client, collector: &MoRef, spec: &FilterSpec) -> Result<Filter<'a>> {
        let mut w = XmlWriter::new();
        spec.write(&mut w, "spec");
        w.boolean("partialUpdates", false);
        let reply = client.invoke("CreateFilter", collector, &w.finish(), Safety::Mutating)?;
        let filter = reply
            .first()
            .and_then(Value::as_moref)
            .cloned()
            .ok_or_else(|| Error::rpc("CreateFilter returned no filter"))?;
        Ok(Filter {
            client,
            collector: collector.clone(),
            filter,
            version: String::new(),
            abandoned: false,
        })
    }

    pub fn moref(&self) -> &MoRef {
        &self.filter
    }

    /// The collector this filter belongs to.
    pub fn collector(&self) -> &MoRef {
        &self.collector
    }

    /// Leaves the filter on the host when dropped (it goes with the
    /// session, which is about to end): no DestroyPropertyFilter.
    pub fn abandon(&mut self) {
        self.abandoned = true;
    }

    /// WaitForUpdatesEx from the last version seen. None when nothing changed
    /// within `max_wait` (at least a second).
    pub fn wait(&mut self, max_wait: Duration) -> Result<Option<UpdateSet>> {
        self.wait_seconds(max_wait.as_secs().max(1))
    }

    /// WaitForUpdatesEx with maxWaitSeconds `seconds`; 0 asks for one
    /// update calculation, answered at once (the rest of a truncated
    /// update). The request's deadline is the URI's read_timeout plus the
    /// wait.
    pub fn wait_seconds(&mut self, seconds: u64) -> Result<Option<UpdateSet>> {
        let mut w = XmlWriter::new();
        if !self.version.is_empty() {
            w.text("version", &self.version);
        }
        w.open("options")
            .int("maxWaitSeconds", seconds.min(i32::MAX as u64) as i64)
            .close("options");
        let reply = self.client.invoke_with_wait(
            "WaitForUpdatesEx",
            &self.collector,
            &w.finish(),
            Safety::ReadOnly,
            Some(Duration::from_secs(seconds)),
        )?;
        match reply.first() {
            None => Ok(None),
            Some(v) => {
                let set = UpdateSet::from_value(v)?;
                self.version = set.version.clone();
                Ok(Some(set))
            }
        }
    }
}

impl Drop for Filter<'_> {
    fn drop(&mut self) {
        if self.abandoned {
            return;
        }
        if let Err(e) =
            self.client
                .invoke("DestroyPropertyFilter", &self.filter, "", Safety::Mutating)
        {
            log::debug!("DestroyPropertyFilter {} failed: {e}", self.filter);
        }
    }
}

/// Creates a private property collector, so that concurrent waits on one
/// session never see each other's updates.
pub fn create_collector(client: &Client) -> Result<MoRef> {
    let reply = client.invoke(
        "CreatePropertyCollector",
        &client.service().property_collector,
        "",
        Safety::Mutating,
    )?;
    reply
        .first()
        .and_then(Value::as_moref)
        .cloned()
        .ok_or_else(|| Error::rpc("CreatePropertyCollector returned no collector"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_fields_in_wsdl_order() {
        let spec = FilterSpec {
            props: vec![PropertySpec::new(
                "VirtualMachine",
                &["name", "runtime.powerState"],
            )],
            objects: vec![ObjectSpec {
                obj: MoRef::new("HostSystem", "ha-host"),
                skip: false,
                select: vec![
                    TraversalSpec::new("hostSystemToVm", "HostSystem", "vm").into_selection()
                ],
            }],
        };
        let mut w = XmlWriter::new();
        spec.write(&mut w, "specSet");
        assert_eq!(
            w.finish(),
            "<specSet><propSet><type>VirtualMachine</type><pathSet>name</pathSet>\
             <pathSet>runtime.powerState</pathSet></propSet><objectSet>\
             <obj type=\"HostSystem\">ha-host</obj><skip>false</skip>\
             <selectSet xsi:type=\"TraversalSpec\"><name>hostSystemToVm</name>\
             <type>HostSystem</type><path>vm</path><skip>false</skip></selectSet>\
             </objectSet></specSet>"
        );
    }
}
