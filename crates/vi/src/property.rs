// SPDX-License-Identifier: LGPL-2.1-or-later
//! The property collector: filter specs (the generated PropertyFilterSpec
//! and friends, with constructors), RetrievePropertiesEx with
//! ContinueRetrievePropertiesEx, and CreateFilter + WaitForUpdatesEx.

use std::time::Duration;

use super::session::{Client, Safety};
use super::types::{Fault, MoRef, ObjectContent, UpdateSet, Value};
use super::vim25;
use crate::error::{Error, Result};
use crate::fault::FaultOf;
use crate::wire::FromValue;

pub use super::vim25::{
    AnySelectionSpec, ObjectSpec, PropertyFilterSpec, PropertySpec, RetrieveOptions, SelectionSpec,
    TraversalSpec, WaitOptions,
};

/// Objects per page of RetrievePropertiesEx.
pub const PAGE_SIZE: u32 = 1000;

impl TraversalSpec {
    /// Follow property `path` of objects of type `kind`.
    pub fn new(name: &str, kind: &str, path: &str) -> TraversalSpec {
        TraversalSpec {
            name: Some(name.into()),
            r#type: kind.into(),
            path: path.into(),
            skip: Some(false),
            select_set: Vec::new(),
        }
    }

    /// Then the traversals of these names.
    pub fn then(mut self, names: &[&str]) -> TraversalSpec {
        self.select_set.extend(names.iter().map(|n| {
            AnySelectionSpec::SelectionSpec(SelectionSpec {
                name: Some(n.to_string()),
            })
        }));
        self
    }

    pub fn into_selection(self) -> AnySelectionSpec {
        AnySelectionSpec::TraversalSpec(self)
    }
}

impl ObjectSpec {
    /// Just this object.
    pub fn object(obj: &MoRef) -> ObjectSpec {
        ObjectSpec {
            obj: obj.clone(),
            skip: Some(false),
            select_set: Vec::new(),
        }
    }

    /// Where a traversal starts: this object (left out of the result when
    /// `skip`), and what it selects.
    pub fn traversing(obj: &MoRef, skip: bool, select: Vec<AnySelectionSpec>) -> ObjectSpec {
        ObjectSpec {
            obj: obj.clone(),
            skip: Some(skip),
            select_set: select,
        }
    }
}

impl PropertySpec {
    /// Which properties of which type (none: `all` false, the objects only).
    pub fn new(kind: &str, paths: &[&str]) -> PropertySpec {
        PropertySpec {
            r#type: kind.into(),
            all: paths.is_empty().then_some(false),
            path_set: paths.iter().map(|p| p.to_string()).collect(),
        }
    }
}

impl PropertyFilterSpec {
    /// These properties of these objects.
    pub fn new(props: Vec<PropertySpec>, objects: Vec<ObjectSpec>) -> PropertyFilterSpec {
        PropertyFilterSpec {
            prop_set: props,
            object_set: objects,
            report_missing_objects_in_results: None,
        }
    }

    /// Some properties of one object.
    pub fn one(obj: &MoRef, paths: &[&str]) -> PropertyFilterSpec {
        PropertyFilterSpec::new(
            vec![PropertySpec::new(&obj.kind, paths)],
            vec![ObjectSpec::object(obj)],
        )
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

/// One RetrievePropertiesEx or ContinueRetrievePropertiesEx: the raw
/// result (checked by `objects_of`), sent with the generated request.
fn call<R: crate::wire::Request>(client: &Client, req: &R) -> Result<Option<Value>> {
    let collector = &client.service().property_collector;
    crate::wire::check_this(R::METHOD, collector, R::THIS)?;
    let mut w = crate::soap::XmlWriter::new();
    req.write_params(&mut w);
    let values = client.invoke(R::METHOD, collector, &w.finish(), Safety::ReadOnly)?;
    Ok(values.into_iter().next())
}

/// RetrievePropertiesEx, then ContinueRetrievePropertiesEx until the host
/// has no more: one round trip per page of `PAGE_SIZE` objects.
pub fn retrieve(client: &Client, spec: &PropertyFilterSpec) -> Result<Vec<ObjectContent>> {
    let first = call(
        client,
        &vim25::RetrievePropertiesExRequest {
            spec_set: vec![spec.clone()],
            options: RetrieveOptions {
                max_objects: Some(PAGE_SIZE as i32),
            },
        },
    )?;
    let Some(mut result) = first else {
        return Ok(Vec::new());
    };
    let mut out = objects_of(&result)?;
    while let Some(token) = result.str_field("token").map(str::to_string) {
        result = call(
            client,
            &vim25::ContinueRetrievePropertiesExRequest { token },
        )?
        .ok_or_else(|| Error::rpc("ContinueRetrievePropertiesEx returned nothing"))?;
        out.extend(objects_of(&result)?);
    }
    Ok(out)
}

/// Properties of a single object; None when the host no longer has it.
pub fn retrieve_one(client: &Client, obj: &MoRef, paths: &[&str]) -> Result<Option<ObjectContent>> {
    match retrieve(client, &PropertyFilterSpec::one(obj, paths)) {
        Ok(mut v) => Ok(v.pop()),
        Err(e) if e.is_fault(&Fault::ManagedObjectNotFound) => Ok(None),
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
    pub fn create(
        client: &'a Client,
        collector: &MoRef,
        spec: &PropertyFilterSpec,
    ) -> Result<Filter<'a>> {
        let filter = vim25::create_filter(client, collector, spec, false)?;
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
        let req = vim25::WaitForUpdatesExRequest {
            version: (!self.version.is_empty()).then(|| self.version.clone()),
            options: Some(WaitOptions {
                max_wait_seconds: Some(seconds.min(i32::MAX as u64) as i32),
                max_object_updates: None,
            }),
        };
        let mut w = crate::soap::XmlWriter::new();
        crate::wire::Request::write_params(&req, &mut w);
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
        if let Err(e) = vim25::destroy_property_filter(self.client, &self.filter) {
            log::debug!("DestroyPropertyFilter {} failed: {e}", self.filter);
        }
    }
}

/// Creates a private property collector, so that concurrent waits on one
/// session never see each other's updates.
pub fn create_collector(client: &Client) -> Result<MoRef> {
    vim25::create_property_collector(client, &client.service().property_collector)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_fields_in_wsdl_order() {
        let spec = PropertyFilterSpec::new(
            vec![PropertySpec::new(
                "VirtualMachine",
                &["name", "runtime.powerState"],
            )],
            vec![ObjectSpec::traversing(
                &MoRef::new("HostSystem", "ha-host"),
                false,
                vec![TraversalSpec::new("hostSystemToVm", "HostSystem", "vm")
                    .then(&["hostSystemToVm"])
                    .into_selection()],
            )],
        );
        let mut w = crate::soap::XmlWriter::new();
        crate::wire::Request::write_params(
            &vim25::RetrievePropertiesExRequest {
                spec_set: vec![spec],
                options: RetrieveOptions {
                    max_objects: Some(10),
                },
            },
            &mut w,
        );
        assert_eq!(
            w.finish(),
            "<specSet><propSet><type>VirtualMachine</type><pathSet>name</pathSet>\
             <pathSet>runtime.powerState</pathSet></propSet><objectSet>\
             <obj type=\"HostSystem\">ha-host</obj><skip>false</skip>\
             <selectSet xsi:type=\"TraversalSpec\"><name>hostSystemToVm</name>\
             <type>HostSystem</type><path>vm</path><skip>false</skip>\
             <selectSet xsi:type=\"SelectionSpec\"><name>hostSystemToVm</name></selectSet>\
             </selectSet></objectSet></specSet><options><maxObjects>10</maxObjects></options>"
        );
    }
}
